/* SPDX-License-Identifier: MIT */
/*
 * trace_cmd.c - `tpt trace`: info, convert, write (a workload to a trace)
 * and record (a real program under Valgrind: tpt's own tool, or lackey). Output files go
 * through the writers' temporary names, so a failure leaves nothing behind
 * and never replaces an existing file with a partial one.
 */
#include <dirent.h>
#include <getopt.h>
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "tpt/base/outfile.h"
#include "tpt/workload/trace.h"
#include "trace_cmd.h"

static void trace_usage(FILE *out)
{
	fprintf(out, "usage: tpt trace info FILE [--format F] [--processes] [--window N]\n"
		     "       tpt trace convert IN OUT [--format F] [--to tpt|champsim]\n"
		     "       tpt trace write --workload W -o OUT [--to tpt|champsim] [--seed N]\n"
		     "       tpt trace record -o OUT [--roi] [--no-children] [--allow-failure] [--lackey]\n"
		     "                        -- PROGRAM [ARGS...]\n"
		     "formats: tpt, lackey, champsim (read plain or .xz); without --to, OUT's name\n"
		     "decides: *.champsim is ChampSim, *.xz ChampSim in xz, anything else tpt\n");
}

struct topts {
	const char *format, *to, *out, *workload;
	uint64_t seed, window;
	bool no_children, allow_failure, processes, roi, lackey;
};

const struct cli_opt trace_opts[] = {
	{"output", "OUT", 'o', "the trace written (convert, write, record; also -o OUT)"},
	{"format", "F", 'f', "the format read: tpt, lackey or champsim (default: recognised from the file)"},
	{"to", "tpt|champsim", 't', "the format written (default: from OUT's name)"},
	{"workload", "W", 'w', "write: the generator whose stream is written"},
	{"seed", "N", 's', "write: the generator's seed (default 1)"},
	{"processes", NULL, 'P', "info: each process's counts too"},
	{"window", "N", 'W', "info: distinct 4K pages in each window of N accesses (mean, least, most)"},
	{"no-children", NULL, 'C', "record: the program alone, not the programs it starts"},
	{"allow-failure", NULL, 'F', "record: keep the trace of a program that exits non-zero"},
	{"roi", NULL, 'R', "record: measure the region of interest the program marks (tpt/roi.h)"},
	{"lackey", NULL, 'L', "record: with Valgrind lackey, not tpt's own tool (slower)"},
};
const size_t trace_nopts = ARRAY_LEN(trace_opts);

static int parse(int argc, char **argv, struct topts *o, int *first)
{
	struct option lo[ARRAY_LEN(trace_opts) + 1];
	cli_longopts(trace_opts, trace_nopts, lo);
	bool seen[ARRAY_LEN(trace_opts)] = {false};
	*o = (struct topts){.seed = 1};
	opterr = 0;
	optind = 1;
	int c;
	while ((c = cli_getopt_short(argc, argv, ":o:", lo, seen, "trace: ")) != -1) {
		switch (c) {
		case CLI_TWICE: return 2;
		case 'f': o->format = optarg; break;
		case 't': o->to = optarg; break;
		case 'o': o->out = optarg; break;
		case 'w': o->workload = optarg; break;
		case 'C': o->no_children = true; break;
		case 'P': o->processes = true; break;
		case 'F': o->allow_failure = true; break;
		case 'R': o->roi = true; break;
		case 'L': o->lackey = true; break;
		case 'W':
			if (tpt_parse_count(optarg, &o->window) || o->window == 0)
				return bad("trace: --window: '%s' is not a count of accesses above 0", optarg);
			break;
		case 's':
			if (tpt_parse_u64(optarg, &o->seed))
				return bad("trace: --seed: '%s' is not a whole number", optarg);
			break;
		case ':': return bad("trace: option %s needs a value", argv[optind - 1]);
		default: return bad("trace: unknown option '%s'", argv[optind - 1]);
		}
	}
	*first = optind;
	return 0;
}

static int format_arg(const char *name, int dflt, int *out)
{
	if (!name) {
		*out = dflt;
		return 0;
	}
	if ((*out = trace_format_parse(name)) < 0)
		return bad("trace: unknown trace format '%s' (tpt, lackey, champsim)", name);
	return 0;
}

/* Finishes a writer (or aborts it when rc says the run failed), noting the
 * events its format could not hold. */
static int writer_close(struct trace_writer *w, int rc)
{
	struct tpt_err e;
	uint64_t dropped = trace_dropped(w);
	if (rc) {
		trace_abort(w);
		return rc;
	}
	if (trace_finish(w, &e)) {
		bad("trace: %s", e.msg);
		return 1;
	}
	if (dropped)
		bad("trace: note: %llu OS events dropped (ChampSim has none)",
			(unsigned long long)dropped);
	return 0;
}

/* The program names of the events trace_read handed out last. */
static void copy_names(const struct trace_reader *r, char names[32][16])
{
	for (unsigned i = 0; i < 32; i++)
		memcpy(names[i], trace_name(r, i), 16);
}

/* Streams a reader into a writer. 0, 1 (a write failed) or 2 (bad input).
 * marks: a recording with --roi, which must have marked its region. */
static int pump(struct trace_reader *r, const char *out, int to, uint64_t *marks)
{
	struct trace_writer *w;
	struct tpt_err e;
	enum { N = 4096 };
	struct event *ev = malloc(N * sizeof(*ev));
	char names[32][16];
	if (!ev)
		return 1;
	if (trace_create(&w, out, to, &e)) {
		bad("trace: %s", e.msg);
		free(ev);
		return tpt_err_status(&e);
	}
	size_t n;
	int rc = 0;
	while ((n = trace_read(r, ev, N)) > 0) {
		copy_names(r, names);
		for (size_t i = 0; marks && i < n; i++)
			*marks += ev[i].type == EV_MARK;
		if (trace_write(w, ev, n, (const char(*)[16])names, &e)) {
			bad("trace: %s", e.msg);
			rc = 1;
			break;
		}
	}
	if (!rc && trace_error(r)) {
		bad("trace: %s", trace_error(r));
		rc = 2; /* the input is bad, as sim says of it */
	}
	if (!rc && marks && !*marks) {
		bad("trace: --roi: the program never started its region of interest "
		    "(TPT_ROI_BEGIN() of tpt/roi.h); nothing written");
		rc = 1;
	}
	rc = writer_close(w, rc);
	free(ev);
	return rc;
}

/* Before any work: OUT writable and not IN. 0, or 2 said on stderr. */
static int check_out(const char *out, const char *in)
{
	const char *outs[] = {out}, *ins[] = {in};
	struct tpt_err e;
	if (outfile_check_run(outs, 1, ins, 1, &e)) {
		bad("trace: %s", e.msg);
		return 2;
	}
	return 0;
}

static int cmd_info(int argc, char **argv)
{
	struct topts o;
	int first, format, rc = parse(argc, argv, &o, &first);
	if (rc || (rc = format_arg(o.format, TRACE_AUTO, &format)))
		return rc;
	if (first != argc - 1)
		return bad("trace: info takes one FILE");
	struct trace_reader *r;
	struct tpt_err e;
	if (trace_open(&r, argv[first], format, &e)) {
		bad("trace: %s", e.msg);
		return tpt_err_status(&e);
	}
	struct trace_counter c;
	enum { N = 4096 };
	struct event *ev = malloc(N * sizeof(*ev));
	if (!ev || trace_counter_init(&c)) {
		trace_close(r);
		free(ev);
		trace_counter_fini(&c);
		return 1;
	}
	c.window = o.window;
	size_t n;
	char names[32][16];
	while ((n = trace_read(r, ev, N)) > 0) {
		copy_names(r, names);
		trace_counter_add(&c, ev, n, (const char(*)[16])names);
	}
	if (trace_error(r)) {
		bad("trace: %s", trace_error(r));
		rc = 2;
	} else {
		const struct trace_stats *st = &c.st;
		printf("trace %s (%s)\n", argv[first], trace_format_name(trace_format_of(r)));
		printf("events        %llu\n", (unsigned long long)st->events);
		printf("accesses      %llu  (%llu reads, %llu writes)\n",
		       (unsigned long long)st->accesses, (unsigned long long)st->reads,
		       (unsigned long long)st->writes);
		printf("instructions  %llu\n", (unsigned long long)st->instructions);
		printf("processes     %llu\n", (unsigned long long)st->processes);
		printf("os events     exec %llu, fork %llu, exit %llu, mmap %llu, munmap %llu, "
		       "mprotect %llu, brk %llu, syscall %llu, mark %llu, file %llu\n",
		       (unsigned long long)st->by_type[EV_EXEC], (unsigned long long)st->by_type[EV_FORK],
		       (unsigned long long)st->by_type[EV_EXIT], (unsigned long long)st->by_type[EV_MMAP],
		       (unsigned long long)st->by_type[EV_MUNMAP],
		       (unsigned long long)st->by_type[EV_MPROTECT],
		       (unsigned long long)st->by_type[EV_BRK],
		       (unsigned long long)st->by_type[EV_SYSCALL],
		       (unsigned long long)st->by_type[EV_MARK],
		       (unsigned long long)st->by_type[EV_FILE]);
		printf("working set   %llu 4K pages (%.1f MiB), %llu 2M pages (%.1f MiB), %llu 1G pages\n",
		       (unsigned long long)st->pages[0], st->pages[0] * 4.0 / 1024,
		       (unsigned long long)st->pages[1], st->pages[1] * 2.0,
		       (unsigned long long)st->pages[2]);
		if (o.window && st->windows)
			printf("window        %llu accesses: %llu windows, distinct 4K pages %.2f a window "
			       "(least %llu, most %llu)\n",
			       (unsigned long long)o.window, (unsigned long long)st->windows,
			       (double)st->window_pages / (double)st->windows,
			       (unsigned long long)st->window_min, (unsigned long long)st->window_max);
		else if (o.window)
			printf("window        %llu accesses: no whole window (%llu accesses)\n",
			       (unsigned long long)o.window, (unsigned long long)st->accesses);
		if (o.processes) {
			printf("%-7s %-7s %-15s %5s %14s %14s %10s %s\n", "pid", "parent", "program",
			       "execs", "instructions", "accesses", "syscalls", "exit");
			for (unsigned pid = 0; pid < 65536; pid++) {
				const struct trace_proc *p = &c.procs[pid];
				if (!(c.pids[pid >> 3] >> (pid & 7) & 1))
					continue;
				printf("%-7u %-7u %-15s %5llu %14llu %14llu %10llu %s\n", pid, p->parent,
				       p->name[0] ? p->name : "-", (unsigned long long)p->execs,
				       (unsigned long long)p->instructions,
				       (unsigned long long)p->accesses,
				       (unsigned long long)p->syscalls, p->exited ? "yes" : "no");
			}
		}
	}
	trace_counter_fini(&c);
	trace_close(r);
	free(ev);
	return rc;
}

static int cmd_convert(int argc, char **argv)
{
	struct topts o;
	int first, from, to, rc = parse(argc, argv, &o, &first);
	if (rc || (rc = format_arg(o.format, TRACE_AUTO, &from)) ||
	    (rc = format_arg(o.to, TRACE_AUTO, &to)))
		return rc;
	if (first != argc - 2)
		return bad("trace: convert takes IN and OUT");
	if ((rc = check_out(argv[first + 1], argv[first])))
		return rc;
	struct trace_reader *r;
	struct tpt_err e;
	if (trace_open(&r, argv[first], from, &e)) {
		bad("trace: %s", e.msg);
		return 2;
	}
	rc = pump(r, argv[first + 1], to, NULL);
	trace_close(r);
	return rc;
}

static int cmd_write(int argc, char **argv)
{
	struct topts o;
	int first, to, rc = parse(argc, argv, &o, &first);
	if (rc || (rc = format_arg(o.to, TRACE_AUTO, &to)))
		return rc;
	if (!o.workload || !o.out || first != argc)
		return bad("trace: write needs --workload W and -o OUT");
	char inbuf[512];
	if ((rc = check_out(o.out, spec_path(o.workload, inbuf, sizeof(inbuf)))))
		return rc;
	struct workload wl;
	struct trace_writer *w;
	struct tpt_err e;
	if (workload_open(&wl, o.workload, o.seed, &e)) {
		bad("trace: %s", e.msg);
		return 2;
	}
	if (trace_create(&w, o.out, to, &e)) {
		bad("trace: %s", e.msg);
		workload_close(&wl);
		return 2;
	}
	enum { N = 4096 };
	struct event *ev = malloc(N * sizeof(*ev));
	size_t n;
	while (ev && !rc && (n = workload_next(&wl, ev, N)) > 0)
		if (trace_write(w, ev, n, (const char(*)[16])wl.names, &e))
			rc = 1;
	if (!ev || wl.failed)
		rc = 1;
	if (rc)
		bad("trace: %s", wl.failed ? wl.err.msg : e.msg);
	rc = writer_close(w, rc);
	free(ev);
	workload_close(&wl);
	return rc;
}

/* Whether Valgrind wrote any log into the recording's directory. */
static bool has_logs(const char *dir)
{
	DIR *d = opendir(dir);
	bool any = false;
	struct dirent *de;
	while (d && !any && (de = readdir(d)))
		any = de->d_name[0] != '.';
	if (d)
		closedir(d);
	return any;
}

static int cmd_record(int argc, char **argv)
{
	struct topts o;
	int first, rc = parse(argc, argv, &o, &first);
	if (rc)
		return rc;
	if (!o.out || first >= argc)
		return bad("trace: record needs -o OUT -- PROGRAM [ARGS...]");
	if (o.format || o.to || o.workload)
		return bad("trace: record takes -o, --roi, --no-children, --allow-failure and --lackey");
	if (o.roi && o.lackey)
		return bad("trace: --roi needs tpt's own tool, not --lackey");
	if ((rc = check_out(o.out, NULL)))
		return rc;
	/* The logs' directory, where temporaries go ($TMPDIR, else /tmp). */
	const char *tmp = getenv("TMPDIR");
	char dir[PATH_MAX];
	struct tpt_err e;
	if (snprintf(dir, sizeof(dir), "%s/tpt-record-XXXXXX", tmp && *tmp ? tmp : "/tmp") >= (int)sizeof(dir))
		return bad("trace: TMPDIR is too long");
	if (outfile_tmpdir(dir, &e)) {
		bad("trace: %s", e.msg);
		return 1;
	}
	int status = 0;
	struct trace_recorder how = {.children = !o.no_children, .roi = o.roi, .lackey = o.lackey,
				     .progress = true};
	if (trace_record_run(dir, argv + first, &how, &status, &e)) {
		bad("trace: %s", e.msg);
		outfile_tmpdir_remove();
		return 1;
	}
	const char *prog = argv[first];
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127 && !has_logs(dir)) {
		bad("trace: valgrind could not run %s", prog);
		outfile_tmpdir_remove();
		return 1;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		char end[64];
		if (WIFEXITED(status))
			snprintf(end, sizeof(end), "exited with status %d", WEXITSTATUS(status));
		else
			snprintf(end, sizeof(end), "was killed by signal %d", WTERMSIG(status));
		if (!o.allow_failure) {
			bad("trace: %s %s; nothing written (--allow-failure records it anyway)", prog, end);
			outfile_tmpdir_remove();
			return 1;
		}
		bad("trace: note: %s %s (recorded: --allow-failure)", prog, end);
	}
	struct trace_reader *r;
	if (trace_open(&r, dir, TRACE_LACKEY, &e)) {
		bad("trace: %s", e.msg);
		outfile_tmpdir_remove();
		return 1;
	}
	uint64_t marks = 0;
	rc = pump(r, o.out, TRACE_AUTO, o.roi ? &marks : NULL);
	trace_close(r);
	outfile_tmpdir_remove();
	return rc;
}

int cmd_trace(int argc, char **argv)
{
	if (argc < 2) {
		trace_usage(stderr);
		return 2;
	}
	const char *sub = argv[1];
	if (!strcmp(sub, "info"))
		return cmd_info(argc - 1, argv + 1);
	if (!strcmp(sub, "convert"))
		return cmd_convert(argc - 1, argv + 1);
	if (!strcmp(sub, "write"))
		return cmd_write(argc - 1, argv + 1);
	if (!strcmp(sub, "record"))
		return cmd_record(argc - 1, argv + 1);
	if (!strcmp(sub, "help") || !strcmp(sub, "--help")) {
		trace_usage(stdout);
		return 0;
	}
	return bad("trace: unknown subcommand '%s' (info, convert, write, record)", sub);
}
