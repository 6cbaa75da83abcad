/* SPDX-License-Identifier: MIT */
/*
 * test_tptd.c - tptd's modules: configuration and filters, the heuristic
 * and PMU scores, the daemon's decisions against the simulator's on the
 * same samples, region selection and MADV_COLLAPSE on a real child, the
 * knob, the state file, pidfds and recycled PIDs, and software counter
 * groups with inheritance.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"

#include "collapse.h"
#include "conf.h"
#include "counters.h"
#include "daemon.h"
#include "knob.h"
#include "proc.h"
#include "score.h"
#include "state.h"

static char dir[64];

static int setup(void **st)
{
	(void)st;
	snprintf(dir, sizeof(dir), "/tmp/tptd-test-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **st)
{
	(void)st;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

static void conf_for_test(struct tptd_conf *c, const char *allow)
{
	struct tpt_err e;
	conf_defaults(c);
	snprintf(c->state, sizeof(c->state), "%s/state.json", dir);
	assert_int_equal(conf_set(c, "tptd", "actuator", "advise", &e), 0);
	assert_int_equal(conf_set(c, "tptd", "min_rss", "0", &e), 0);
	assert_int_equal(conf_set(c, "filter", "allow_names", allow, &e), 0);
	assert_int_equal(conf_finish(c, &e), 0);
}

/* ---- configuration ---- */

static void test_conf_filters(void **st)
{
	(void)st;
	struct tptd_conf c, copy;
	struct tpt_err e;
	conf_defaults(&c);
	assert_int_equal(conf_finish(&c, &e), 0);
	assert_true(conf_allows(&c, "anything", NULL, 1000));
	assert_int_equal(conf_set(&c, "filter", "allow_names", " db , cache,", &e), 0);
	assert_int_equal(conf_set(&c, "filter", "deny_uids", "0", &e), 0);
	assert_int_equal(conf_set(&c, "filter", "allow_cgroups", "/work/", &e), 0);
	assert_int_equal(conf_set(&c, "filter", "deny_cgroups", "/work/batch", &e), 0);
	assert_int_equal(conf_finish(&c, &e), 0);
	copy = c; /* lists survive a copy (SIGHUP swaps whole configurations) */
	memset(&c, 0, sizeof(c));
	assert_true(conf_wants_cgroup(&copy));
	assert_true(conf_allows(&copy, "db", "/work/a", 1000));
	assert_true(conf_allows(&copy, "cache", "/work", 1000));
	assert_false(conf_allows(&copy, "db", "/workers", 1000));    /* a prefix is not a parent */
	assert_false(conf_allows(&copy, "db", "/work/batch/x", 1000)); /* deny wins */
	assert_false(conf_allows(&copy, "db", "/work/a", 0));
	assert_false(conf_allows(&copy, "web", "/work/a", 1000));
	assert_false(conf_allows(&copy, "db", NULL, 1000));

	conf_defaults(&c);
	assert_int_equal(conf_set(&c, "filter", "allow_uids", "1000,x", &e), 0);
	assert_int_not_equal(conf_finish(&c, &e), 0);
	assert_non_null(strstr(e.msg, "'x' is not a numeric uid"));
	conf_defaults(&c);
	assert_int_not_equal(conf_set(&c, "thp", "chunk", "1M", &e), 0);
	assert_int_not_equal(conf_set(&c, "tptd", "actuator", "magic", &e), 0);
	assert_non_null(strstr(e.msg, "auto|tpt|thp|advise"));
	assert_int_not_equal(conf_set(&c, "nope", "x", "1", &e), 0);
}

/* ---- scores ---- */

static void test_score_heuristic(void **st)
{
	(void)st;
	struct tptd_conf c;
	conf_defaults(&c);
	struct score_in in = {.cpu_ns = 1e9, .faults = 7, .mem_valid = true};
	struct policy_sample x;
	/* A hot set within the STLB's reach: no walks. */
	in.mem = (struct proc_mem){.rss = 64 << 20, .anon = 64 << 20, .referenced = 4 << 20};
	assert_true(score_sample(&c, &in, false, ACT_THP, &x) == 0);
	assert_int_equal(x.cycles, 3000000000ULL);
	assert_int_equal(x.walk_cycles, 0);
	assert_int_equal(x.pt_updates, 7);
	/* Twice the reach, all on 4 KiB pages: half the accesses miss. */
	in.mem.referenced = 2 * c.tlb_reach;
	double share = score_sample(&c, &in, false, ACT_THP, &x);
	assert_true(fabs(share - c.walk_share_max * 0.5) < 1e-6);
	assert_int_equal(x.rss_pages, (64 << 20) >> 12);
	assert_int_equal(x.walks, 0); /* nothing for the policy to learn a walk cost from */
	/* Half of anon already huge: the hot 4 KiB share halves. */
	in.mem.anon_huge = 32 << 20;
	in.mem.referenced = 4 * c.tlb_reach;
	share = score_sample(&c, &in, true, ACT_THP, &x);
	assert_true(fabs(share - c.walk_share_max * 0.5) < 1e-6);
	assert_true(x.tpt);
	assert_int_equal(x.rss_pages, (32 << 20) >> 12); /* thp: what is left to collapse */
	score_sample(&c, &in, true, ACT_TPT, &x);
	assert_int_equal(x.rss_pages, (64 << 20) >> 12); /* tpt: the whole table */
	/* No accessed bits on this machine: all anon on 4 KiB pages counts as
	 * hot, whatever Referenced says (here 32 MiB, 8 reaches when 6M). */
	in.no_refs = true;
	in.mem.referenced = 0;
	share = score_sample(&c, &in, false, ACT_THP, &x);
	assert_true(fabs(share - c.walk_share_max * (1 - (double)c.tlb_reach / (32 << 20))) < 1e-6);
	in.no_refs = false;
	assert_true(score_sample(&c, &in, false, ACT_THP, &x) == 0);
	/* No smaps_rollup read (the slow path was skipped): no walks claimed. */
	in.mem_valid = false;
	assert_true(score_sample(&c, &in, false, ACT_THP, &x) == 0);

	struct policy_params p;
	score_params(&c, ACT_THP, &p);
	assert_int_equal(p.pvop_cycles, 0);
	assert_int_equal(p.construct_cycles, c.collapse_cycles);
	score_params(&c, ACT_TPT, &p);
	assert_int_equal(p.pvop_cycles, c.pol.pvop_cycles);
}

static void test_score_pmu(void **st)
{
	(void)st;
	struct tptd_conf c;
	conf_defaults(&c);
	struct score_in in = {.pmu = true};
	in.ctr[ROLE_CYCLES] = 1e9;
	in.ctr[ROLE_INSTRS] = 2e9;
	in.ctr[ROLE_WALKS] = 1e6;
	in.ctr[ROLE_WALK_CYCLES] = 2e8;
	struct policy_sample x;
	in.walk_cycle_event = true;
	assert_true(fabs(score_sample(&c, &in, false, ACT_TPT, &x) - 0.2) < 1e-9);
	assert_int_equal(x.instrs, 2000000000ULL);
	in.walk_cycle_event = false; /* walks x walk_cost */
	assert_true(fabs(score_sample(&c, &in, false, ACT_TPT, &x) - 1e6 * c.walk_cost / 1e9) < 1e-9);
	in.ctr[ROLE_WALKS] = 1e9; /* never more walk cycles than cycles */
	assert_true(score_sample(&c, &in, false, ACT_TPT, &x) == 1.0);
}

/* The daemon's decision path and the simulator's policy, on the same
 * samples, with each side's default parameters: the same actions. */
static void test_decisions_match_simulator(void **st)
{
	(void)st;
	struct tptd d;
	memset(&d, 0, sizeof(d));
	conf_defaults(&d.conf);
	score_params(&d.conf, ACT_TPT, &d.prm);
	struct policy_params sim;
	policy_params_default(&sim);
	struct policy_proc ref;
	struct watch w;
	memset(&w, 0, sizeof(w));
	policy_proc_init(&ref, &sim, false);
	policy_proc_init(&w.pol, &d.prm, false);
	uint64_t x = 12345;
	int switches = 0;
	for (int i = 0; i < 2000; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		/* phases of 50 intervals, noisy walk share around the threshold */
		double share = ((i / 50) % 3 == 0 ? 0.002 : (i / 50) % 3 == 1 ? 0.08 : 0.015) *
			       (0.5 + (double)(x % 1000) / 1000);
		struct policy_sample s = {
			.cycles = 10000000, .instrs = 8000000, .walks = (uint64_t)(share * 1e7 / 40),
			.walk_cycles = (uint64_t)(share * 1e7 * (ref.tpt ? 0.35 : 1)),
			.rss_pages = 20000 + x % 1000, .faults = x % 300, .pt_updates = x % 300,
			.tpt = ref.tpt,
		};
		enum policy_action a = policy_decide(&ref, &sim, &s);
		assert_int_equal(tptd_decide(&d, &w, &s), a);
		assert_int_equal(w.on, ref.tpt);
		assert_int_equal(policy_check(&w.pol, &d.prm), 0);
		switches += a != POLICY_KEEP;
	}
	assert_true(switches >= 4);
}

/* ---- the thp actuator's pieces ---- */

static void test_regions(void **st)
{
	(void)st;
	uint64_t s, e;
	assert_true(collapse_vma_ok("7f00000000-7f00400000 rw-p 00000000 00:00 0 \n", &s, &e));
	assert_int_equal(s, 0x7f00000000ULL);
	assert_int_equal(e, 0x7f00400000ULL);
	assert_true(collapse_vma_ok("55d0000-55f0000 rw-p 00000000 00:00 0          [heap]", &s, &e));
	assert_false(collapse_vma_ok("7f00-8f00 rw-p 00000000 00:00 0          [stack]", &s, &e));
	assert_false(collapse_vma_ok("7f00-8f00 r--p 00000000 00:00 0", &s, &e));
	assert_false(collapse_vma_ok("7f00-8f00 rw-s 00000000 00:01 77 /dev/shm/x", &s, &e));
	assert_false(collapse_vma_ok("7f00-8f00 rw-p 00001000 08:01 1234 /usr/lib/libc.so.6", &s, &e));
	assert_false(collapse_vma_ok("garbage", &s, &e));

	uint64_t pm[512] = {0};
	for (int i = 0; i < 512; i += 2)
		pm[i] = 1ULL << 63;
	pm[1] = 1ULL << 62; /* swapped, not present */
	assert_int_equal(collapse_present(pm), 256);

	struct region_set r = {0};
	uint64_t x = 99;
	for (int i = 0; i < 3000; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		assert_int_equal(region_set_add(&r, x % 1000), 0);
		assert_true(region_set_has(&r, x % 1000));
	}
	for (size_t i = 1; i < r.n; i++)
		assert_true(r.r[i - 1] < r.r[i]);
	assert_true(r.n <= 1000);
	region_set_free(&r);
}

/* In a forked child: tell the parent it is set up, then wait to be killed. */
static void child_ready(int ready[2])
{
	char c = 1;
	if (write(ready[1], &c, 1) != 1)
		_exit(1);
	pause();
	_exit(0);
}

/* In the parent: wait until the child is set up. */
static void wait_ready(int ready[2])
{
	char c;
	assert_int_equal(read(ready[0], &c, 1), 1);
}

static pid_t spawn_mapper(char **base, int ready[2])
{
	/* 4 aligned regions: three full, one with 100 of 512 pages. */
	size_t len = 10 * REGION;
	char *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(m != MAP_FAILED);
	char *a = (char *)(((uintptr_t)m + REGION - 1) & ~(REGION - 1));
	assert_int_equal(pipe(ready), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		for (size_t i = 0; i < 3 * REGION; i += 4096)
			a[i] = 1;
		for (size_t i = 0; i < 100; i++)
			a[3 * REGION + i * 4096] = 1;
		child_ready(ready);
	}
	wait_ready(ready);
	*base = a;
	munmap(m, len);
	return pid;
}

/* THP=always gives the child huge pages at fault time: nothing to collapse. */
static bool thp_always(void)
{
	char buf[128] = "";
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = 0;
		fclose(f);
	}
	return strstr(buf, "[always]") != NULL;
}

static void test_collapse_child(void **st)
{
	(void)st;
	if (thp_always()) {
		print_message("skip: THP=always, the child's memory is huge from the start\n");
		return;
	}
	char *a;
	int ready[2];
	pid_t pid = spawn_mapper(&a, ready);
	struct proc_stat ps;
	assert_int_equal(proc_read_stat(pid, &ps), 0);
	int fd = proc_pin(pid, ps.starttime);
	assert_true(fd >= 0);
	struct region_set done = {0};
	struct collapse_result r;
	struct collapse_req q = {fd, pid, 8UL << 20, REGION, 0.9};
	collapse_run(&q, &done, &r);
	if (r.status == COLLAPSE_DENIED) {
		print_message("skip: MADV_COLLAPSE on another process needs CAP_SYS_NICE\n");
	} else {
		/* A budget of one region: one collapsed, the rest waits. */
		assert_int_equal(r.status, COLLAPSE_OK);
		assert_int_equal(r.bytes, REGION);
		assert_int_equal(done.n, 1);
		struct proc_mem m0, m1;
		assert_int_equal(proc_read_mem(pid, &m0), 0);
		q.budget = 64UL << 20;
		collapse_run(&q, &done, &r);
		assert_int_equal(r.status, COLLAPSE_OK);
		assert_int_equal(r.bytes, 2 * REGION); /* the other two full ones, never the sparse one */
		assert_true(r.regions_skipped_sparse >= 1);
		assert_int_equal(proc_read_mem(pid, &m1), 0);
		assert_true(m1.anon_huge >= m0.anon_huge + 2 * REGION);
		collapse_run(&q, &done, &r); /* nothing left: done regions are not retried */
		assert_int_equal(r.bytes, 0);
		assert_int_equal(r.calls, 0);
	}
	/* The process exits and is reaped: its pidfd says so, nothing is acted upon. */
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	assert_false(proc_alive(fd));
	collapse_run(&q, &done, &r);
	assert_int_equal(r.status, COLLAPSE_GONE);
	close(fd);
	close(ready[0]);
	close(ready[1]);
	region_set_free(&done);
}

/* ---- knob, state, pidfds ---- */

static void test_knob(void **st)
{
	(void)st;
	char sys[128], path[512], name[64];
	snprintf(sys, sizeof(sys), "%s/sys", dir);
	assert_false(knob_present(sys));
	snprintf(path, sizeof(path), "mkdir -p %s/kernel/mm/devirt && : > %s/kernel/mm/devirt/task_name", sys, sys);
	assert_int_equal(system(path), 0);
	assert_true(knob_present(sys));
	assert_int_equal(knob_write(sys, "a-long-program!"), 0); /* 15 bytes: the limit */
	assert_int_equal(knob_read(sys, name, sizeof(name)), 0);
	assert_string_equal(name, "a-long-program!");
	assert_int_equal(knob_write(sys, "sixteen-bytes-xx"), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(knob_write(sys, "db"), 0);
	assert_int_equal(knob_read(sys, name, sizeof(name)), 0);
	assert_string_equal(name, "db");
	assert_int_equal(knob_write(sys, ""), 0);
	assert_int_equal(knob_read(sys, name, sizeof(name)), 0);
	assert_string_equal(name, "");
}

static void test_state_roundtrip(void **st)
{
	(void)st;
	struct tptd_conf c;
	struct tpt_err e;
	struct tptd d;
	conf_for_test(&c, "nothing-runs-so");
	assert_int_equal(tptd_init(&d, &c, &e), 0);
	struct program *p = state_program(&d.st, "db", true);
	p->on = true;
	p->gain = 0.125;
	p->decisions = 3;
	p->runs = 7;
	assert_non_null(state_program(&d.st, "web", true));
	assert_int_equal(tptd_save(&d, &e), 0);
	tptd_fini(&d);
	struct state s;
	assert_int_equal(state_load(&s, c.state, &e), 0);
	assert_int_equal(s.n, 2);
	p = state_program(&s, "db", false);
	assert_non_null(p);
	assert_true(p->on);
	assert_true(p->gain == 0.125);
	assert_int_equal(p->decisions, 3);
	assert_int_equal(p->runs, 7);
	assert_false(state_program(&s, "web", false)->on);
	state_free(&s);
	/* A file that is not a state file is refused, not overwritten. */
	write_text(c.state, "{\"version\": 9}");
	assert_int_not_equal(tptd_init(&d, &c, &e), 0);
	assert_non_null(strstr(e.msg, "not overwritten"));
	tptd_fini(&d);
	unlink(c.state);
}

static void test_proc_pin(void **st)
{
	(void)st;
	struct proc_stat ps;
	assert_int_equal(proc_read_stat(getpid(), &ps), 0);
	assert_string_equal(ps.comm, "test_tptd");
	assert_false(ps.kthread);
	assert_true(ps.rss_pages > 0);
	assert_true(ps.starttime <= proc_now_ticks());
	int fd = proc_pin(getpid(), ps.starttime);
	assert_true(fd >= 0);
	assert_true(proc_alive(fd));
	close(fd);
	/* The same PID with another start time is another process: not pinned. */
	assert_int_equal(proc_pin(getpid(), ps.starttime + 1), -1);
	assert_int_equal(proc_read_stat(999999999, &ps), -1);
}

/* A watched PID that turns out to be a different process (its start time
 * changed) is dropped, and the new process is watched afresh. */
static void test_recycled_pid(void **st)
{
	(void)st;
	int ready[2];
	assert_int_equal(pipe(ready), 0);
	pid_t pid = fork();
	if (pid == 0) {
		prctl(PR_SET_NAME, "tptd-kid", 0, 0, 0);
		child_ready(ready);
	}
	wait_ready(ready);
	struct tptd_conf conf;
	struct tpt_err e;
	static struct tptd d;
	conf_for_test(&conf, "tptd-kid");
	assert_int_equal(tptd_init(&d, &conf, &e), 0);
	assert_int_equal(tptd_round(&d), 0);
	assert_int_equal(d.n, 1);
	assert_int_equal(d.w[0].pid, pid);
	uint64_t start = d.w[0].start;
	d.w[0].start = start - 1; /* as if the PID had been someone else's */
	assert_int_equal(tptd_round(&d), 0);
	assert_int_equal(d.n, 0);
	assert_int_equal(tptd_round(&d), 0);
	assert_int_equal(d.n, 1);
	assert_int_equal(d.w[0].start, start);
	/* It exits: forgotten. */
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	assert_int_equal(tptd_round(&d), 0);
	assert_int_equal(d.n, 0);
	tptd_fini(&d);
	close(ready[0]);
	close(ready[1]);
}

/* ---- counters ---- */

static void burn(double secs)
{
	struct timespec t0, t;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
	do
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	while ((double)(t.tv_sec - t0.tv_sec) + (double)(t.tv_nsec - t0.tv_nsec) * 1e-9 < secs);
}

static void *burner(void *arg)
{
	(void)arg;
	burn(0.2);
	return NULL;
}

static void test_counters_inherit(void **st)
{
	(void)st;
	struct ctr_set s;
	struct tpt_err err;
	if (ctr_set_sw(&s, &err)) {
		print_message("skip: %s\n", err.msg);
		return;
	}
	int go[2], done[2];
	assert_int_equal(pipe(go), 0);
	assert_int_equal(pipe(done), 0);
	pid_t pid = fork();
	if (pid == 0) {
		char c;
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		pthread_t t; /* created after the counters were opened: inherited */
		pthread_create(&t, NULL, burner, NULL);
		burn(0.2);
		pthread_join(t, NULL);
		if (write(done[1], &c, 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	struct ctr_proc p;
	if (ctr_open(&p, &s, pid)) {
		print_message("skip: software counters do not open: %s\n", strerror(errno));
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return;
	}
	assert_int_equal(p.n, 1);
	char c = 1;
	assert_int_equal(write(go[1], &c, 1), 1);
	assert_int_equal(read(done[0], &c, 1), 1);
	assert_int_equal(ctr_rescan(&p, &s, pid), 0);
	assert_int_equal(p.n, 1); /* the new thread is counted by inheritance, not twice */
	double v[ROLE_N];
	assert_int_equal(ctr_read(&p, &s, v), 0);
	assert_true(v[ROLE_TASK_CLOCK] > 0.38e9); /* both threads' 0.2 s */
	assert_true(v[ROLE_TASK_CLOCK] < 2e9);
	assert_true(v[ROLE_FAULTS] > 0);           /* the thread's stack at least */
	ctr_close(&p);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conf_filters),
		cmocka_unit_test(test_score_heuristic),
		cmocka_unit_test(test_score_pmu),
		cmocka_unit_test(test_decisions_match_simulator),
		cmocka_unit_test(test_regions),
		cmocka_unit_test(test_collapse_child),
		cmocka_unit_test(test_knob),
		cmocka_unit_test(test_state_roundtrip),
		cmocka_unit_test(test_proc_pin),
		cmocka_unit_test(test_recycled_pid),
		cmocka_unit_test(test_counters_inherit),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
