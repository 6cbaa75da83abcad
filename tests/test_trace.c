/* SPDX-License-Identifier: MIT */
/*
 * test_trace.c - the trace formats: round trips from generators through
 * tpt's format and ChampSim's (plain and xz), lackey parsing, malformed and
 * truncated input (a clear error with its byte offset, never a crash), and
 * the committed trace of a real program simulated end to end.
 */
#include <lzma.h>
#include <stdio.h>
#include <unistd.h>

#include <sys/stat.h>

#include "helpers.h"

#include "tpt/workload/trace.h"

#define N 4096

static size_t next_workload(void *src, struct event *ev, size_t n)
{
	return workload_next(src, ev, n);
}

static size_t next_trace(void *src, struct event *ev, size_t n)
{
	return trace_read(src, ev, n);
}

/* Every event of a workload. */
static struct event *drain_workload(struct workload *w, size_t *count)
{
	return drain_events(next_workload, w, count);
}

static struct event *drain_trace(const char *path, int format, size_t *count, char *err)
{
	struct trace_reader *r;
	struct tpt_err e;
	assert_int_equal(trace_open(&r, path, format, &e), 0);
	struct event *ev = drain_events(next_trace, r, count);
	if (err)
		snprintf(err, 320, "%s", trace_error(r) ? trace_error(r) : "");
	else if (trace_error(r))
		fail_msg("%s", trace_error(r));
	trace_close(r);
	return ev;
}

static void write_trace(struct workload *w, const char *path, int format)
{
	struct trace_writer *tw;
	struct tpt_err e;
	assert_int_equal(trace_create(&tw, path, format, &e), 0);
	struct event ev[N];
	size_t n;
	while ((n = workload_next(w, ev, N)) > 0)
		if (trace_write(tw, ev, n, (const char(*)[16])w->names, &e))
			fail_msg("%s", e.msg);
	if (trace_finish(tw, &e))
		fail_msg("%s", e.msg);
}

static void test_tpt_round_trip(void **state)
{
	(void)state;
	const char *specs[] = {"gups:size=8M,updates=20K", "sysbench:block=1M,total=2M,mode=rnd",
			       "churn:region=64K,rounds=20,work=3", "gups:size=8M,updates=2K,loop=chase",
			       "xsbench:isotopes=20,gridpoints=100,lookups=50"};
	const char *path = scratch("tpt-test-rt.tpt");
	for (size_t i = 0; i < ARRAY_LEN(specs); i++) {
		struct workload a, b;
		struct tpt_err e;
		assert_int_equal(workload_open(&a, specs[i], 7, &e), 0);
		assert_int_equal(workload_open(&b, specs[i], 7, &e), 0);
		write_trace(&a, path, TRACE_TPT);
		size_t n, m;
		struct event *want = drain_workload(&b, &n);
		struct event *got = drain_trace(path, TRACE_AUTO, &m, NULL);
		assert_int_equal(m, n);
		for (size_t k = 0; k < n; k++)
			if (memcmp(&want[k], &got[k], sizeof(*want)))
				fail_msg("%s: event %zu differs (type %u/%u va %#llx/%#llx)", specs[i], k,
					 want[k].type, got[k].type, (unsigned long long)want[k].va,
					 (unsigned long long)got[k].va);
		free(want);
		free(got);
		workload_close(&a);
		workload_close(&b);
	}
	unlink(path);
}

static void test_scenario_round_trip_keeps_processes_and_names(void **state)
{
	(void)state;
	const char *ini = scratch("tpt-test-rt.ini"), *path = scratch("tpt-test-rt2.tpt");
	FILE *f = fopen(ini, "w");
	fputs("[scenario]\nslice = 1000\n[alpha]\nworkload = churn:region=16K,rounds=3,work=1\n"
	      "[beta]\nworkload = gups:size=64K,updates=500\n", f);
	fclose(f);
	struct workload a, b;
	struct tpt_err e;
	assert_int_equal(workload_open_scenario(&a, ini, 1, &e), 0);
	assert_int_equal(workload_open_scenario(&b, ini, 1, &e), 0);
	write_trace(&a, path, TRACE_TPT);
	size_t n, m;
	struct event *want = drain_workload(&b, &n);
	struct event *got = drain_trace(path, TRACE_TPT, &m, NULL);
	assert_int_equal(m, n);
	assert_memory_equal(want, got, n * sizeof(*want));
	/* The program names travel with the trace. */
	struct trace_reader *r;
	assert_int_equal(trace_open(&r, path, TRACE_AUTO, &e), 0);
	struct event ev[N];
	while (trace_read(r, ev, N) > 0)
		;
	assert_string_equal(trace_name(r, 0), "alpha");
	assert_string_equal(trace_name(r, 1), "beta");
	trace_close(r);
	free(want);
	free(got);
	workload_close(&a);
	workload_close(&b);
	unlink(ini);
	unlink(path);
}

static void test_champsim_round_trip(void **state)
{
	(void)state;
	const char *paths[] = {scratch("tpt-test-rt.champsim"), scratch("tpt-test-rt.champsim.xz")};
	for (int i = 0; i < 2; i++) {
		struct workload a, b;
		struct tpt_err e;
		assert_int_equal(workload_open(&a, "gups:size=4M,updates=5K,kentry=0", 3, &e), 0);
		assert_int_equal(workload_open(&b, "gups:size=4M,updates=5K,kentry=0", 3, &e), 0);
		write_trace(&a, paths[i], TRACE_CHAMPSIM);
		size_t n, m;
		struct event *want = drain_workload(&b, &n);
		struct event *got = drain_trace(paths[i], TRACE_AUTO, &m, NULL);
		/* ChampSim keeps accesses and instruction counts, not OS events or sizes. */
		size_t k = 0, j = 0;
		while (j < m && got[j].type > EV_WRITE)
			j++;
		for (; k < n; k++) {
			if (want[k].type > EV_WRITE)
				continue;
			assert_true(j < m);
			assert_int_equal(got[j].va, want[k].va);
			assert_int_equal(got[j].type, want[k].type);
			assert_int_equal(got[j].instrs, want[k].instrs);
			j++;
		}
		assert_int_equal(j, m);
		/* Each record is 64 bytes: one per instruction. */
		if (i == 0) {
			FILE *f = fopen(paths[i], "rb");
			fseek(f, 0, SEEK_END);
			long size = ftell(f);
			fclose(f);
			uint64_t instrs = 0;
			for (k = 0; k < n; k++)
				instrs += want[k].type <= EV_WRITE ? want[k].instrs : 0;
			assert_int_equal((uint64_t)size, instrs * 64);
		}
		free(want);
		free(got);
		workload_close(&a);
		workload_close(&b);
		unlink(paths[i]);
	}
}

/* xz in blocks: liblzma's multi-threaded encoder writes the same bytes with
 * one thread as with three (trace files must not depend on the machine's
 * CPUs), and its decoder reads them back on any number. */
static size_t xz_code(lzma_stream *z, const uint8_t *in, size_t n, uint8_t *out, size_t cap)
{
	z->next_in = in;
	z->avail_in = n;
	z->next_out = out;
	z->avail_out = cap;
	lzma_ret rc;
	while ((rc = lzma_code(z, LZMA_FINISH)) == LZMA_OK)
		;
	assert_int_equal(rc, LZMA_STREAM_END);
	size_t got = cap - z->avail_out;
	lzma_end(z);
	return got;
}

static void test_xz_blocks_do_not_depend_on_threads(void **state)
{
	(void)state;
	enum { XN = 3 << 20, XBLOCK = 256 << 10 };
	uint8_t *in = malloc(XN), *out[2], *back = malloc(XN);
	size_t len[2];
	struct rng r;
	rng_seed(&r, 5);
	for (size_t i = 0; i < XN; i++)
		in[i] = (uint8_t)(i % 64 < 8 ? rng_below(&r, 4) : i / 4096); /* record-like */
	for (int k = 0; k < 2; k++) {
		lzma_stream z = LZMA_STREAM_INIT;
		lzma_mt mt = {.threads = k ? 3 : 1, .block_size = XBLOCK, .preset = 3,
			      .check = LZMA_CHECK_CRC64};
		assert_int_equal(lzma_stream_encoder_mt(&z, &mt), LZMA_OK);
		out[k] = malloc(XN + 65536);
		len[k] = xz_code(&z, in, XN, out[k], XN + 65536);
	}
	assert_int_equal(len[0], len[1]);
	assert_memory_equal(out[0], out[1], len[0]);
	for (uint32_t threads = 1; threads <= 4; threads += 3) {
		lzma_stream z = LZMA_STREAM_INIT;
		lzma_mt mt = {.flags = LZMA_CONCATENATED, .threads = threads,
			      .memlimit_threading = 1ULL << 30, .memlimit_stop = UINT64_MAX};
		assert_int_equal(lzma_stream_decoder_mt(&z, &mt), LZMA_OK);
		assert_int_equal(xz_code(&z, out[0], len[0], back, XN), XN);
		assert_memory_equal(back, in, XN);
	}
	free(in);
	free(out[0]);
	free(out[1]);
	free(back);
}

/* A rep string instruction: lackey logs each iteration as a fetch at the
 * same address and a one-byte access; it is one instruction, and one access
 * per 64-byte line and direction. An mmap of a file is marked WL_MAP_FILE. */
static void test_lackey_rep_and_files(void **state)
{
	(void)state;
	const char *path = scratch("tpt-test-rep.lackey");
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "I  04000000,3\n");
	for (unsigned i = 0; i < 200; i++) /* rep stosb of 200 bytes from 0x10030 */
		fprintf(f, "I  04000003,2\n S %x,1\n", 0x10030 + i);
	fprintf(f, "I  04000003,2\n"); /* the last check of the count: no access */
	for (unsigned i = 0; i < 100; i++) /* rep movsb of 100 bytes, 0x20000 -> 0x30020 */
		fprintf(f, "I  04000005,2\n L %x,1\n S %x,1\n", 0x20000 + i, 0x30020 + i);
	fprintf(f, "I  04000007,2\n L 10030,8\n"
		   "SYSCALL[9,1](257) sys_openat ( -100, 0x4a1c60(/lib/libc.so.6), 524288 ) --> [pre-success] Success(0x3) \n"
		   "SYSCALL[9,1](9) sys_mmap ( 0x0, 8192, 1, 2, 3, 8192 ) --> [pre-success] Success(0x4835000) \n"
		   "SYSCALL[9,1](9) sys_mmap ( 0x0, 4096, 1, 2, 4, 0 ) --> [pre-success] Success(0x4837000) \n");
	fclose(f);
	size_t n;
	struct event *ev = drain_trace(path, TRACE_LACKEY, &n, NULL);
	uint64_t instrs = 0, reads = 0, writes = 0;
	for (size_t i = 0; i < n; i++) {
		instrs += ev[i].instrs;
		reads += ev[i].type == EV_READ;
		writes += ev[i].type == EV_WRITE;
	}
	/* stosb: 0x10030..0x100f7, lines 0x10000, 0x10040, 0x10080, 0x100c0; movsb: loads
	 * in lines 0x20000 and 0x20040, stores in 0x30000, 0x30040 and 0x30080 */
	assert_int_equal(writes, 4 + 3);
	assert_int_equal(reads, 2 + 1);
	assert_int_equal(instrs, 4);
	/* The mapping of the opened file names it (its path's hash) and the page it
	 * starts at; one of a descriptor never opened in the trace is a file of its own. */
	assert_int_equal(ev[n - 4].type, EV_FILE);
	assert_int_equal(ev[n - 4].arg, 2);
	assert_true(ev[n - 4].va != 0);
	assert_int_equal(ev[n - 3].type, EV_MMAP);
	assert_int_equal(ev[n - 3].size, WL_MAP_FILE); /* read-only, private, a file */
	assert_int_equal(ev[n - 2].type, EV_SYSCALL);
	assert_int_equal(ev[n - 1].type, EV_MMAP);
	assert_int_equal(ev[n - 1].va, 0x4837000);
	free(ev);
	unlink(path);
}

/* A recording: one log per program run (SEQ.PID.lk). The root (pid 100)
 * forks 101, which execs; the root waits for it, then exits. */
static void test_recording_merges_logs(void **state)
{
	(void)state;
	const char *dir = scratch("tpt-test-recording");
	char path[512];
	mkdir(dir, 0700);
	snprintf(path, sizeof(path), "%s/1.100.lk", dir);
	write_text(path, "==100== Command: /bin/sh -c x\n"
			 "I  04000000,3\n L 1000,8\n"
			 "SYSCALL[100,1](58) sys_fork ( )   fork: process 100 created child 101\n"
			 " --> [pre-success] Success(0x65) \n"
			 "I  04000003,3\n L 1008,8\n"
			 "SYSCALL[100,1](61) sys_wait4 ( 4294967295, 0x1fff0001cc, 0, 0x0 ) --> [async] ... \n"
			 "SYSCALL[100,1](61) ... [async] --> Success(0x65) \n"
			 "I  04000006,3\n S 1010,8\n");
	snprintf(path, sizeof(path), "%s/2.101.lk", dir); /* the fork, up to its exec */
	write_text(path, "==101== Command: /bin/sh -c x\n"
			 "I  04000010,3\n S 2000,8\n"
			 "SYSCALL[101,1](59) sys_execve ( 0x4035c00(/bin/true), 0x4035c70, 0x4035e08 )\n");
	snprintf(path, sizeof(path), "%s/3.101.lk", dir); /* the program it exec'd */
	write_text(path, "==101== Command: /bin/true\n==101== Parent PID: 100\n"
			 "I  04000020,3\n L 3000,8\nI  04000023,3\n L 3008,8\n");
	struct trace_reader *r;
	struct tpt_err e;
	assert_int_equal(trace_open(&r, dir, TRACE_AUTO, &e), 0);
	struct event ev[64];
	size_t n = 0, k;
	while ((k = trace_read(r, ev + n, 64 - n)) > 0)
		n += k;
	assert_null(trace_error(r));
	/* exec sh, mmap, mark, L, syscall, fork; L, syscall (the wait blocks: pid 2 runs),
	 * S, syscall (execve); exec true, mmap, L, L, exit; pid 1: S, exit */
	static const struct {
		uint8_t type;
		uint16_t pid;
	} want[] = {
		{EV_EXEC, 1}, {EV_MMAP, 1}, {EV_MARK, 1}, {EV_READ, 1}, {EV_SYSCALL, 1},
		{EV_FORK, 1}, {EV_READ, 1}, {EV_SYSCALL, 1}, {EV_WRITE, 2}, {EV_SYSCALL, 2},
		{EV_EXEC, 2}, {EV_MMAP, 2}, {EV_READ, 2}, {EV_READ, 2}, {EV_EXIT, 2},
		{EV_WRITE, 1}, {EV_EXIT, 1},
	};
	assert_int_equal(n, ARRAY_LEN(want));
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(ev[i].type, want[i].type);
		assert_int_equal(ev[i].pid, want[i].pid);
	}
	assert_int_equal(ev[5].arg, 2); /* the child */
	assert_string_equal(trace_name(r, (unsigned)ev[0].arg), "sh");
	assert_string_equal(trace_name(r, (unsigned)ev[10].arg), "true");
	trace_close(r);
	/* A log without its Command line is refused, naming it. */
	snprintf(path, sizeof(path), "%s/3.101.lk", dir);
	write_text(path, "I  04000020,3\n L 3000,8\n");
	char err[320];
	free(drain_trace(dir, TRACE_AUTO, &n, err));
	assert_non_null(strstr(err, "3.101.lk: no Command line"));
	for (int i = 1; i <= 3; i++) {
		snprintf(path, sizeof(path), "%s/%d.%d.lk", dir, i, i == 1 ? 100 : 101);
		unlink(path);
	}
	rmdir(dir);
}

static void test_lackey(void **state)
{
	(void)state;
	const char *path = scratch("tpt-test.lackey");
	write_text(path, "==123== Lackey, an example Valgrind tool\n"
			 "I  04000000,3\n"
			 "I  04000003,5\n"
			 " L 7ff000a58,8\n"
			 " S 7ff000a50,8\n"
			 "I  04000008,4\n"
			 " M 0421d9a8,4\n"
			 "\n"
			 "I  0400000c,2\n"
			 " L 1000,1\n"
			 "I  0400000e,2\n"
			 "SYSCALL[9,1](9) sys_mmap ( 0x0, 8192, 3, 34, 4294967295, 0 ) --> [pre-success] Success(0x4835000) \n"
			 "SYSCALL[9,1](11) sys_munmap ( 0x4835000, 4096 )\n"
			 " --> [pre-success] Success(0x0) \n"
			 "SYSCALL[9,1](2) sys_open ( 0x1000, 0 ) --> [pre-fail] Failure(0x2) \n");
	size_t n;
	struct event *ev = drain_trace(path, TRACE_AUTO, &n, NULL);
	/* exec, mmap, mark; then L, S, M (a load and a store), L; then three
	 * kernel entries, the first two with the mmap and munmap they made. */
	assert_int_equal(n, 3 + 5 + 5);
	assert_int_equal(ev[8].type, EV_SYSCALL);
	assert_int_equal(ev[8].instrs, 1); /* the instruction before it */
	assert_int_equal(ev[9].type, EV_MMAP);
	assert_int_equal(ev[9].va, 0x4835000);
	assert_int_equal(ev[9].arg, 8192);
	assert_int_equal(ev[9].size, WL_MAP_W);
	assert_int_equal(ev[10].type, EV_SYSCALL);
	assert_int_equal(ev[11].type, EV_MUNMAP); /* its result came on the next line */
	assert_int_equal(ev[11].va, 0x4835000);
	assert_int_equal(ev[11].arg, 4096);
	assert_int_equal(ev[12].type, EV_SYSCALL); /* a failed open: only the entry */
	assert_int_equal(ev[0].type, EV_EXEC);
	assert_int_equal(ev[1].type, EV_MMAP);
	assert_int_equal(ev[2].type, EV_MARK);
	assert_int_equal(ev[3].type, EV_READ);
	assert_int_equal(ev[3].va, 0x7ff000a58);
	assert_int_equal(ev[3].instrs, 2);
	assert_int_equal(ev[4].type, EV_WRITE);
	assert_int_equal(ev[4].instrs, 0); /* the same instruction */
	assert_int_equal(ev[5].type, EV_READ);
	assert_int_equal(ev[5].va, 0x421d9a8);
	assert_int_equal(ev[5].size, 4);
	assert_int_equal(ev[6].type, EV_WRITE);
	assert_int_equal(ev[6].va, 0x421d9a8);
	assert_int_equal(ev[7].instrs, 1);
	assert_int_equal(ev[7].size, 1);
	free(ev);
	unlink(path);
}

/* Reads path expecting an error that mentions what and "byte". */
static void expect_bad(const char *path, int format, const char *what)
{
	struct trace_reader *r;
	struct tpt_err e;
	if (trace_open(&r, path, format, &e)) {
		if (!strstr(e.msg, what))
			fail_msg("open error '%s' lacks '%s'", e.msg, what);
		return;
	}
	struct event ev[N];
	while (trace_read(r, ev, N) > 0)
		;
	const char *err = trace_error(r);
	if (!err || !strstr(err, what) || !strstr(err, "byte"))
		fail_msg("'%s': error '%s' lacks '%s' or its byte offset", path, err ? err : "(none)",
			 what);
	trace_close(r);
}

static void copy_prefix(const char *from, const char *to, long len, long flip)
{
	FILE *f = fopen(from, "rb"), *g = fopen(to, "wb");
	assert_non_null(f);
	for (long i = 0; i < len; i++) {
		int c = fgetc(f);
		if (c == EOF)
			break;
		fputc(i == flip ? c ^ 0x5a : c, g);
	}
	fclose(f);
	fclose(g);
}

static void test_malformed_traces(void **state)
{
	(void)state;
	const char *good = scratch("tpt-test-good.tpt"), *bad = scratch("tpt-test-bad");
	struct workload w;
	struct tpt_err e;
	assert_int_equal(workload_open(&w, "gups:size=4M,updates=2K", 1, &e), 0);
	write_trace(&w, good, TRACE_TPT);
	workload_close(&w);
	/* Truncated in the first block's header, and inside the block. */
	copy_prefix(good, bad, 36, -1);
	expect_bad(bad, TRACE_TPT, "truncated block header");
	copy_prefix(good, bad, 200, -1);
	expect_bad(bad, TRACE_TPT, "truncated block");
	/* A flipped byte in the compressed data. */
	copy_prefix(good, bad, 1L << 20, 60);
	expect_bad(bad, TRACE_TPT, "block");
	/* Not a tpt trace at all. */
	write_text(bad, "hello\n");
	expect_bad(bad, TRACE_TPT, "not a tpt trace");
	write_text(bad, "TPTTRACE\x02");
	expect_bad(bad, TRACE_TPT, "not a tpt trace");
	/* Lackey: a line that is not a record names its line. */
	write_text(bad, "I  0400,3\n L 7ff0,8\n L zz,8\n");
	expect_bad(bad, TRACE_LACKEY, "line 3");
	write_text(bad, " Q 1000,4\n");
	expect_bad(bad, TRACE_LACKEY, "not a lackey record");
	/* ChampSim: a record cut short. */
	FILE *f = fopen(bad, "wb");
	uint8_t rec[100] = {0};
	rec[32] = 0x10;
	fwrite(rec, 1, 100, f);
	fclose(f);
	expect_bad(bad, TRACE_CHAMPSIM, "truncated record");
	/* xz cut short. */
	assert_int_equal(workload_open(&w, "gups:size=4M,updates=2K,kentry=0", 1, &e), 0);
	write_trace(&w, scratch("tpt-test-good.champsim.xz"), TRACE_CHAMPSIM);
	workload_close(&w);
	copy_prefix(scratch("tpt-test-good.champsim.xz"), bad, 2000, -1);
	expect_bad(bad, TRACE_AUTO, "xz");
	/* Every prefix and every single flipped byte of a small tpt trace: an error
	 * or a clean end, never a crash (the sanitizers watch). */
	FILE *g = fopen(good, "rb");
	fseek(g, 0, SEEK_END);
	long size = ftell(g);
	fclose(g);
	for (long cut = 0; cut < size; cut += 97) {
		copy_prefix(good, bad, cut, -1);
		struct trace_reader *r;
		if (trace_open(&r, bad, TRACE_AUTO, &e) == 0) {
			struct event ev[N];
			while (trace_read(r, ev, N) > 0)
				;
			trace_close(r);
		}
		copy_prefix(good, bad, size, cut);
		if (trace_open(&r, bad, TRACE_AUTO, &e) == 0) {
			struct event ev[N];
			while (trace_read(r, ev, N) > 0)
				;
			trace_close(r);
		}
	}
	unlink(good);
	unlink(bad);
	unlink(scratch("tpt-test-good.champsim.xz"));
}

static void test_real_program_trace_simulates(void **state)
{
	(void)state;
	/* `tpt trace record -o tests/fixtures/true.tpt -- /bin/true` */
	const char *spec = "trace:path=" TPT_SOURCE_DIR "/tests/fixtures/true.tpt";
	const char *schemes[] = {"native", "nested", "shadow", "agile", "tpt-opt"};
	for (size_t i = 0; i < ARRAY_LEN(schemes); i++) {
		struct tsim *t = tsim_new(schemes[i], 12, 12, 4, false, spec);
		struct tpt_err e;
		/* tsim_new ran gups' prologue hook; a trace brings its own: run it whole. */
		if (sim_run(&t->s, &e))
			fail_msg("%s: %s", schemes[i], e.msg);
		tsim_check(t);
		struct tpt_stats st;
		sim_totals(&t->s, &st);
		assert_int_equal(st.accesses, 41384);
		assert_int_equal(st.reads, 29614);
		assert_int_equal(st.instructions, 128902);
		/* The program's own mappings came with it, and its system calls. */
		assert_int_equal(st.kernel_entries, 75);
		assert_true(st.guest_faults > 0);
		tsim_free(t);
	}
}

static void test_broken_trace_stops_the_run(void **state)
{
	(void)state;
	const char *path = scratch("tpt-test-broken.lackey");
	write_text(path, "I  0400,3\n L 7ff0,8\n L 7ff8,8\n this is not lackey\n");
	struct tpt_config c;
	struct workload w;
	struct sim s;
	struct tpt_err e;
	config_defaults(&c);
	char spec[128];
	snprintf(spec, sizeof(spec), "trace:path=%s,footprint=4M", path);
	assert_int_equal(workload_open(&w, spec, 1, &e), 0);
	struct sim_params prm = {.scheme = scheme_find("nested"), .guest_shift = 12,
				 .host_shift = 12, .levels = 4};
	assert_int_equal(sim_init(&s, &c, &prm, &w, &e), 0);
	assert_int_equal(sim_run(&s, &e), -1);
	assert_non_null(strstr(e.msg, "line 4"));
	assert_non_null(strstr(e.msg, "byte"));
	sim_fini(&s);
	workload_close(&w);
	/* Without footprint=, the pre-scan reads it first and reports the same. */
	snprintf(spec, sizeof(spec), "trace:path=%s", path);
	assert_int_equal(workload_open(&w, spec, 1, &e), -1);
	assert_non_null(strstr(e.msg, "line 4"));
	assert_int_equal(workload_open(&w, "trace:path=/nonexistent.tpt", 1, &e), -1);
	assert_non_null(strstr(e.msg, "cannot open"));
	assert_int_equal(workload_open(&w, "trace", 1, &e), -1);
	assert_non_null(strstr(e.msg, "path=FILE"));
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tpt_round_trip),
		cmocka_unit_test(test_scenario_round_trip_keeps_processes_and_names),
		cmocka_unit_test(test_champsim_round_trip),
		cmocka_unit_test(test_xz_blocks_do_not_depend_on_threads),
		cmocka_unit_test(test_lackey),
		cmocka_unit_test(test_lackey_rep_and_files),
		cmocka_unit_test(test_recording_merges_logs),
		cmocka_unit_test(test_malformed_traces),
		cmocka_unit_test(test_real_program_trace_simulates),
		cmocka_unit_test(test_broken_trace_stops_the_run),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
