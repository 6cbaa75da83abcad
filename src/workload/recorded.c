/* SPDX-License-Identifier: MIT */
/*
 * recorded.c - a trace as a workload: `trace:path=FILE[,format=...]`, usable
 * wherever a generator is. The format is detected unless given. Memory is
 * sized from the trace: a tpt trace's header says how much it touches;
 * lackey and ChampSim traces are read once first to count their distinct
 * 2 MiB pages (`footprint=SIZE` skips that pass). A malformed trace stops
 * the run with the reader's message, which names the byte offset.
 *
 * Measuring starts where the trace marks it (EV_MARK: a recording marks
 * its first program's start, or its region of interest), or with
 * `warmup=N` after the trace's first N instructions, its own marks
 * dropped; a trace shorter than that is an error, not a run measured
 * from its start.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tpt/workload/trace.h"
#include "workload/trace/pageset.h"

enum { P_PATH, P_FORMAT, P_FOOTPRINT, P_MLP, P_WARMUP };

static const struct opt params[] = {
	WL_KEY("path", OPT_STR, "", 0, 512, NULL, "the trace file"),
	WL_KEY("format", OPT_ENUM, "auto", 0, 0, "auto|tpt|lackey|champsim", "trace format (auto: detected)"),
	WL_KEY("footprint", OPT_SIZE, "0", 0, 1ULL << 42, NULL, "bytes the trace touches, for sizing memory (0: from the trace)"),
	WL_KEY("mlp", OPT_DOUBLE, "4", 1000, 64000, NULL, "accesses in flight (a trace does not say which accesses depend on others; estimate)"),
	WL_KEY("warmup", OPT_COUNT, "0", 0, 1ULL << 50, NULL, "instructions run before measuring starts (0: where the trace marks it)"),
	{0},
};

struct trace_wl {
	struct trace_reader *r;
	uint64_t warmup; /* instructions before the mark; 0: the trace's marks */
	uint64_t instrs; /* seen so far, while warmup is not reached */
	bool marked;
};

/* Reads a trace through once: bytes of its distinct 2 MiB pages. */
static int prescan(const char *path, int format, uint64_t *bytes, struct tpt_err *e)
{
	struct trace_reader *r;
	struct pageset set;
	enum { N = 4096 };
	struct event *ev = malloc(N * sizeof(*ev));
	if (!ev || pageset_init(&set)) {
		free(ev);
		return tpt_nomem(e);
	}
	int rc = trace_open(&r, path, format, e);
	size_t n;
	while (!rc && (n = trace_read(r, ev, N)) > 0)
		for (size_t i = 0; i < n; i++)
			if (ev[i].type <= EV_WRITE && pageset_add(&set, ev[i].va >> 21) < 0)
				rc = tpt_nomem(e);
	if (!rc && trace_error(r))
		rc = tpt_fail(e, "%s", trace_error(r));
	if (r)
		trace_close(r);
	*bytes = (uint64_t)set.n << 21;
	pageset_fini(&set);
	free(ev);
	return rc;
}

static void trace_wl_close(struct workload *w)
{
	struct trace_wl *t = w->state;
	trace_close(t->r);
	t->r = NULL;
}

static int trace_wl_init(struct workload *w, struct tpt_err *e)
{
	struct trace_wl *t = w->state;
	const char *path = w->str[w->v[P_PATH].u];
	int format = (int)w->v[P_FORMAT].u - 1; /* auto is -1 */
	if (!path[0])
		return tpt_fail(e, "trace: path=FILE is required");
	struct stat sb;
	if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode))
		return tpt_fail(e, "trace: %s is not a regular file: a simulation reads its trace more "
				   "than once (save it to a file; tpt trace info and convert read a pipe)",
				path);
	if (trace_open(&t->r, path, format, e))
		return -1;
	w->close = trace_wl_close;
	w->inputs[w->ninputs++] = path;
	w->footprint = w->v[P_FOOTPRINT].u;
	if (!w->footprint)
		w->footprint = trace_footprint(t->r);
	if (!w->footprint && prescan(path, trace_format_of(t->r), &w->footprint, e))
		return -1;
	if (!w->footprint)
		w->footprint = 2 * MiB; /* a trace without accesses */
	t->warmup = w->v[P_WARMUP].u;
	return 0;
}

/* warmup=N: drops the trace's marks from ev[0..k) and marks after its Nth
 * instruction (ev has room for one event more than k); how many are left. */
static size_t warmup_mark(struct trace_wl *t, struct event *ev, size_t k)
{
	size_t out = 0;
	for (size_t i = 0; i < k; i++)
		if (ev[i].type != EV_MARK)
			ev[out++] = ev[i];
	for (size_t i = 0; i < out && !t->marked; i++) {
		t->instrs += ev[i].instrs;
		if (t->instrs >= t->warmup) {
			memmove(ev + i + 2, ev + i + 1, (out - i - 1) * sizeof(*ev));
			ev[i + 1] = (struct event){.type = EV_MARK, .pid = ev[i].pid};
			t->marked = true;
			out++;
		}
	}
	return out;
}

static size_t trace_wl_next(struct workload *w, struct event *ev, size_t n)
{
	struct trace_wl *t = w->state;
	size_t k, left;
	do {
		k = trace_read(t->r, ev, t->warmup ? n - 1 : n); /* room for the mark; n >= 2 */
		left = t->warmup ? warmup_mark(t, ev, k) : k;
	} while (k && !left); /* a batch of marks alone is not the end */
	for (unsigned i = 0; i < 32; i++)
		memcpy(w->names[i], trace_name(t->r, i), 16);
	if (k == 0 && trace_error(t->r)) {
		w->failed = true;
		tpt_fail(&w->err, "%s", trace_error(t->r));
	} else if (k == 0 && t->warmup && !t->marked && !w->failed) {
		w->failed = true;
		tpt_fail(&w->err, "trace: warmup=%llu is beyond the trace's %llu instructions",
			 (unsigned long long)t->warmup, (unsigned long long)t->instrs);
	}
	return left;
}

const struct workload_def wl_trace = {
	.name = "trace",
	.summary = "a recorded trace: tpt, Valgrind lackey or ChampSim (plain or .xz)",
	.params = params,
	.state_size = sizeof(struct trace_wl),
	.init = trace_wl_init,
	.next = trace_wl_next,
};
