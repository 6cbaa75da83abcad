/* SPDX-License-Identifier: MIT */
/*
 * recording.c - reads a recording: the directory `tpt trace record` fills,
 * one Valgrind lackey log per program run, named SEQ.PID.lk, where PID is
 * the real process and SEQ orders the logs by when they were created (a
 * process's first log is its fork, or the start of the recording; each
 * further one is a program it exec'd). The logs become one trace with a
 * process per real pid, numbered 1, 2, ... in the order they appear.
 *
 * The real processes ran at once on the host's cores; the trace is one
 * CPU's view, from a scheduler model: the running process keeps the CPU
 * until it blocks in a wait for a child (wait4 or waitid without WNOHANG,
 * while it has a recorded child alive), ends, or has run SLICE
 * instructions while another process is ready; then the oldest ready
 * process runs (round robin). A forked child is ready at once, behind the
 * others; its parent keeps running (Linux's default). A log's program name
 * is its "Command:" line's first word.
 *
 * Events: EV_EXEC (with a region over the user address space, as for any
 * lackey trace) where a log starts a program, EV_FORK where a parent's log
 * shows the fork, EV_EXIT at the end of a process's last log; EV_MARK once,
 * after the first process starts. Invariant: a process's logs are read in
 * SEQ order, one open at a time.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "trace_internal.h"

/* About 3 ms of one core at 1.3 instructions per ns: CFS's share of a 6 ms
 * period with two tasks ready. An estimate, not a measurement. */
#define SLICE 4000000u

struct seg {
	uint32_t seq, real;
	bool tool; /* the log of tpt's Valgrind tool (SEQ.PID.tb), else lackey's (SEQ.PID.lk) */
};

struct lproc {
	uint32_t real;   /* the host's pid */
	int index;       /* its own, into procs */
	uint16_t pid;    /* the trace's */
	int parent;      /* index into procs, or -1 */
	size_t seg, nseg; /* its logs: segs[seg .. seg + nseg) */
	size_t at;       /* the log being read, counted from seg */
	bool open, ended, waiting, execd;
	uint32_t children; /* recorded children alive */
	struct source src;
	struct lk k;
	size_t (*parse)(struct trace_reader *r, struct lk *k, struct event *ev, size_t n);
	char label[48];
};

struct rec {
	char *dir;
	struct seg *segs;
	size_t nsegs;
	struct lproc **procs; /* each its own allocation: an open log's parser points into it */
	size_t nprocs, cap;
	int *ready; /* a ring of process indices */
	size_t rhead, rlen;
	int cur; /* -1: none running */
	uint64_t slice;
	bool marked;
	bool roi;      /* the region of interest was recorded: marked at its start */
	bool roi_over; /* its end: the trace ends */
	unsigned nnames;
	struct event q[8]; /* events made between parses */
	size_t qlen;
};

static int seg_cmp(const void *a, const void *b)
{
	const struct seg *x = a, *y = b;
	if (x->real != y->real)
		return x->real < y->real ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static bool seg_name(const char *name, struct seg *s)
{
	unsigned seq, real;
	char kind[3];
	int used = 0;
	if (sscanf(name, "%u.%u.%2[a-z]%n", &seq, &real, kind, &used) != 3 || name[used] || !seq ||
	    !real || (strcmp(kind, "lk") && strcmp(kind, "tb")))
		return false;
	*s = (struct seg){seq, real, kind[0] == 't'};
	return true;
}

bool recording_is(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The logs of a real pid: first index and count, or count 0. */
static size_t segs_of(const struct rec *c, uint32_t real, size_t *first)
{
	size_t lo = 0, hi = c->nsegs;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (c->segs[mid].real < real)
			lo = mid + 1;
		else
			hi = mid;
	}
	size_t n = 0;
	while (lo + n < c->nsegs && c->segs[lo + n].real == real)
		n++;
	*first = lo;
	return n;
}

static int add_proc(struct trace_reader *r, struct rec *c, uint32_t real, int parent)
{
	size_t first, n = segs_of(c, real, &first);
	if (!n)
		return -1; /* not recorded (--no-children, or a program Valgrind cannot run) */
	if (c->nprocs == 65535) {
		trace_fail(r, 0, "more than 65535 processes");
		return -2;
	}
	if (c->nprocs == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 16;
		struct lproc **p = realloc(c->procs, cap * sizeof(*p));
		int *q = malloc(cap * sizeof(*q));
		if (!p || !q) {
			free(q);
			if (p)
				c->procs = p;
			trace_fail(r, 0, "out of memory");
			return -2;
		}
		for (size_t i = 0; i < c->rlen; i++)
			q[i] = c->ready[(c->rhead + i) % c->cap];
		free(c->ready);
		c->procs = p;
		c->ready = q;
		c->rhead = 0;
		c->cap = cap;
	}
	int i = (int)c->nprocs;
	if (!(c->procs[i] = malloc(sizeof(**c->procs)))) {
		trace_fail(r, 0, "out of memory");
		return -2;
	}
	c->nprocs++;
	*c->procs[i] = (struct lproc){.real = real, .index = i, .pid = (uint16_t)(i + 1), .parent = parent,
				      .seg = first, .nseg = n};
	return i;
}

static void make_ready(struct rec *c, int i)
{
	c->ready[(c->rhead + c->rlen++) % c->cap] = i;
}

/* Opens the process's current log. */
static int open_log(struct trace_reader *r, struct rec *c, struct lproc *p)
{
	const struct seg *s = &c->segs[p->seg + p->at];
	char path[4096];
	const char *kind = s->tool ? "tb" : "lk";
	snprintf(p->label, sizeof(p->label), "%u.%u.%s: ", s->seq, s->real, kind);
	snprintf(path, sizeof(path), "%s/%u.%u.%s", c->dir, s->seq, s->real, kind);
	struct tpt_err e;
	if (source_open(&p->src, path, &e)) {
		trace_fail(r, 0, "%s", e.msg);
		return -1;
	}
	lk_init(&p->k, &p->src, p->label);
	p->parse = s->tool ? tl_parse : lk_parse;
	p->open = true;
	p->execd = false;
	return 0;
}

static void close_log(struct lproc *p)
{
	if (p->open)
		source_close(&p->src);
	p->open = false;
}

/* The name slot of a program: its own among the first 31, then "other". */
static unsigned name_slot(struct trace_reader *r, struct rec *c, const char *name)
{
	for (unsigned i = 0; i < c->nnames; i++)
		if (!strcmp(r->names[i], name))
			return i;
	if (c->nnames == 31) {
		snprintf(r->names[31], sizeof(r->names[31]), "other");
		return 31;
	}
	snprintf(r->names[c->nnames], sizeof(r->names[0]), "%s", name);
	return c->nnames++;
}

/* The process ended: its exit, and its parent's wait may end. */
static void proc_end(struct rec *c, struct lproc *p)
{
	close_log(p);
	p->ended = true;
	c->q[c->qlen++] = (struct event){.type = EV_EXIT, .pid = p->pid};
	if (p->parent >= 0) {
		struct lproc *par = c->procs[p->parent];
		par->children--;
		if (par->waiting) {
			par->waiting = false;
			make_ready(c, p->parent);
		}
	}
}

/* What the parser stopped at. */
static int note(struct trace_reader *r, struct rec *c, struct lproc *p)
{
	struct lk *k = &p->k;
	int what = k->note;
	k->note = LK_NONE;
	if (what == LK_COMMAND && (p->at > 0 || p->parent < 0)) {
		/* A program starts: exec, with the region lackey traces have. */
		unsigned slot = name_slot(r, c, k->command);
		c->q[c->qlen++] = (struct event){.type = EV_EXEC, .pid = p->pid, .arg = slot};
		c->q[c->qlen++] = (struct event){.type = EV_MMAP, .pid = p->pid, .va = 0,
						 .arg = 1ULL << 47, .size = WL_MAP_W};
		if (p->parent < 0)
			c->roi = k->roi;
		if (!c->marked && !c->roi) {
			c->q[c->qlen++] = (struct event){.type = EV_MARK, .pid = p->pid};
			c->marked = true;
		}
		p->execd = true;
	} else if (what == LK_ROI_BEGIN && c->roi && !c->marked) {
		c->q[c->qlen++] = (struct event){.type = EV_MARK, .pid = p->pid};
		c->marked = true;
	} else if (what == LK_ROI_END && c->roi && c->marked) {
		c->roi_over = true;
	} else if (what == LK_FORK) {
		for (size_t i = 0; i < c->nprocs; i++)
			if (c->procs[i]->real == k->note_arg && !c->procs[i]->ended) {
				trace_fail(r, 0, "%sa fork of pid %llu, which is running", p->label,
					   (unsigned long long)k->note_arg);
				return -1;
			}
		int child = k->note_arg > UINT32_MAX ? -1 : add_proc(r, c, (uint32_t)k->note_arg, p->index);
		if (child == -2)
			return -1;
		if (child >= 0) {
			p->children++;
			c->q[c->qlen++] = (struct event){.type = EV_FORK, .pid = p->pid,
							 .arg = c->procs[child]->pid};
			make_ready(c, child);
		}
	} else if (what == LK_WAIT && p->children) {
		p->waiting = true;
		c->cur = -1;
	}
	return 0;
}

static size_t rec_read(struct trace_reader *r, struct event *ev, size_t n)
{
	struct rec *c = r->state;
	size_t out = 0;
	while (out < n) {
		if (c->qlen) {
			size_t k = c->qlen < n - out ? c->qlen : n - out;
			memcpy(ev + out, c->q, k * sizeof(*ev));
			memmove(c->q, c->q + k, (c->qlen - k) * sizeof(*ev));
			c->qlen -= k;
			out += k;
			continue;
		}
		if (c->roi_over)
			break;
		if (c->cur < 0) {
			if (!c->rlen) {
				/* None ready: a wait for a child that never ends here ends. */
				for (size_t i = 0; i < c->nprocs && !c->rlen; i++)
					if (c->procs[i]->waiting) {
						c->procs[i]->waiting = false;
						make_ready(c, (int)i);
					}
				if (!c->rlen)
					break; /* every process ended */
			}
			c->cur = c->ready[c->rhead];
			c->rhead = (c->rhead + 1) % c->cap;
			c->rlen--;
			c->slice = 0;
		}
		struct lproc *p = c->procs[c->cur];
		if (!p->open && open_log(r, c, p))
			return 0;
		if (n - out < 2)
			break;
		size_t got = p->parse(r, &p->k, ev + out, n - out);
		if (r->failed)
			return 0;
		if (got && (p->at > 0 || p->parent < 0) && !p->execd) {
			trace_fail(r, 0, "%sno Command line before the first record", p->label);
			return 0;
		}
		for (size_t i = 0; i < got; i++) {
			ev[out + i].pid = p->pid;
			c->slice += ev[out + i].instrs;
		}
		out += got;
		if (p->k.note != LK_NONE) {
			if (note(r, c, p))
				return 0;
			continue;
		}
		if (p->k.eof) {
			/* The log ends: at an exec (the next log), or the process's end. */
			close_log(p);
			if (++p->at < p->nseg)
				continue;
			proc_end(c, p);
			c->cur = -1;
			continue;
		}
		if (c->slice >= SLICE && c->rlen) {
			make_ready(c, c->cur);
			c->cur = -1;
		}
	}
	return out;
}

static void rec_close(struct trace_reader *r)
{
	struct rec *c = r->state;
	if (!c)
		return;
	for (size_t i = 0; i < c->nprocs; i++) {
		close_log(c->procs[i]);
		free(c->procs[i]);
	}
	free(c->procs);
	free(c->ready);
	free(c->segs);
	free(c->dir);
	free(c);
}

int recording_open(struct trace_reader *r, struct tpt_err *e)
{
	struct rec *c = calloc(1, sizeof(*c));
	if (!c || !(c->dir = strdup(r->path))) {
		free(c);
		return tpt_nomem(e);
	}
	r->state = c;
	r->read = rec_read;
	r->close = rec_close;
	c->cur = -1;
	DIR *d = opendir(r->path);
	if (!d)
		return tpt_fail(e, "cannot read the recording %s", r->path);
	size_t cap = 0;
	struct dirent *de;
	int rc = 0;
	while ((de = readdir(d)) && !rc) {
		struct seg s;
		if (!seg_name(de->d_name, &s))
			continue;
		if (c->nsegs == cap) {
			cap = cap ? 2 * cap : 64;
			struct seg *g = realloc(c->segs, cap * sizeof(*g));
			if (!g)
				rc = tpt_nomem(e);
			else
				c->segs = g;
		}
		if (!rc)
			c->segs[c->nsegs++] = s;
	}
	closedir(d);
	if (rc)
		return rc;
	if (!c->nsegs)
		return tpt_fail(e, "%s: a recording without logs (SEQ.PID.lk or SEQ.PID.tb)", r->path);
	qsort(c->segs, c->nsegs, sizeof(*c->segs), seg_cmp);
	uint32_t first = c->segs[0].real, seq = c->segs[0].seq;
	for (size_t i = 1; i < c->nsegs; i++) {
		if (c->segs[i].seq < seq) {
			seq = c->segs[i].seq;
			first = c->segs[i].real;
		}
	}
	int root = add_proc(r, c, first, -1);
	if (root < 0)
		return tpt_fail(e, "%s", r->err.msg);
	make_ready(c, root);
	return 0;
}
