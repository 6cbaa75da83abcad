/* SPDX-License-Identifier: MIT */
/*
 * graph.h - the state GAPBS's kernels share (graph.c: the graph, its build,
 * PageRank and CC; graph_bfs.c: breadth-first search), private to the
 * workload layer. A kernel step reads the graph through graph_first,
 * graph_deg and graph_nbrs, stored or implicit alike, and emits each access
 * it makes to the simulated arrays with R and W, at the loop's rate.
 */
#ifndef TPT_WORKLOAD_GRAPH_H
#define TPT_WORKLOAD_GRAPH_H

#include "tpt/workload/workload.h"
#include "kronecker.h"

enum { P_SCALE, P_DEGREE, P_ITERS, P_EPSILON, P_TRIALS, P_BUILD, P_GRAPH, P_WINDOW, P_MLP, P_KENTRY };
enum { K_BFS, K_PR, K_CC };
enum { PH_START, PH_DEG, PH_PREFIX, PH_FILL, PH_SQUISH, PH_SWEEP, PH_MARK, PH_PRE, PH_KERNEL, PH_END };
/* bfs's steps */
enum { B_INIT, B_DECIDE, B_TD, B_Q2B, B_BU_RESET, B_BU, B_B2Q, B_CLEAN, B_DONE };

/* Instructions per access, in 1/256, of each loop: GAPBS's instructions
 * over its reads and writes (callgrind, see above), or for the build, its
 * instructions per edge over the accesses emitted here. */
#define RATE(x) ((uint32_t)((x) * 256 + 0.5))
#define RATE_DEG RATE(3.75)	 /* CountDegrees: 15 an edge, 4 accesses here */
#define RATE_PREFIX RATE(4.0)	 /* the prefix sum: an estimate */
#define RATE_FILL RATE(5.75)	 /* MakeCSR: 23 an edge, 4 accesses here */
#define RATE_SQUISH RATE(19.0)	 /* SquishCSR: 78.2 M over 4.11 M accesses here */
#define RATE_BFS_INIT RATE(3.38) /* InitParent */
#define RATE_TD RATE(3.49)	 /* TDStep */
#define RATE_Q2B RATE(3.38)	 /* QueueToBitmap */
#define RATE_BU RATE(3.07)	 /* BUStep */
#define RATE_B2Q RATE(2.20)	 /* BitmapToQueue */
#define RATE_CLEAN RATE(5.0)	 /* DOBFS's last loop */
#define RATE_PR_INIT RATE(3.67)	 /* the first contributions */
#define RATE_PR_EDGE RATE(2.57)	 /* the pull over in-neighbours */
#define RATE_PR_VERTEX RATE(2.99) /* a vertex's own work */
#define RATE_CC_INIT RATE(3.0)	 /* comp[n] = n */
#define RATE_CC_HOOK RATE(3.10)
#define RATE_CC_COMPRESS RATE(4.2)

#define ALPHA 15
#define BETA 18

struct graph {
	int kernel, phase;
	bool measure_build;
	uint32_t scale, nv;
	uint64_t ne; /* edges generated (each stored twice, less the squished) */
	uint32_t *eu, *ev; /* edge list */
	uint64_t *off;     /* CSR offsets, nv + 1 */
	uint32_t *nbr;     /* CSR neighbours, 2 ne before the squish */
	/* graph=implicit: the graph, and the list of the vertex last asked */
	bool implicit;
	struct kron kron;
	uint32_t *list, list_of;
	struct wl_sweep sweep; /* its warm-up: a write per page */
	/* window=N: accesses of the kernel to measure, and those measured so far */
	uint64_t window, measured;
	bool quiet; /* the kernel's first pass, run without accesses */
	uint64_t *pos;     /* fill cursors; the squish's new offsets */
	/* simulated arrays: offsets, neighbours, the kernel's two, bfs's bitmaps */
	uint64_t va_off, va_nbr, va_a, va_b, va_front, va_next;
	uint64_t i, j; /* loop cursors of the current phase */
	uint32_t trials, trial; /* kernel runs in all (GAPBS's -n), and those begun */
	/* bfs */
	int32_t *parent;
	uint32_t *queue, source;
	uint64_t *front, *next; /* bitmaps */
	uint64_t wstart, wend, tail; /* the sliding queue's window and its end */
	int64_t scout, edges_to_check, awake, old_awake;
	int bstep;
	/* pr */
	float *score, *contrib;
	double error;
	double epsilon;
	uint32_t iters, iter;
	/* cc */
	uint32_t *comp;
	bool changed;
	int cc_phase; /* 0 hook, 1 compress */
	/* the events of the step in progress */
	struct event *q;
	size_t qlen, qpos, qcap;
	uint32_t rate, carry; /* instructions per access of the loop, 1/256 */
	struct rng rng;
	struct wl_kentry kentry;
	bool failed;
};

/* One access of the step in progress, queued; and a kernel entry when due. */
static inline void graph_emit(struct graph *g, uint8_t type, uint64_t va)
{
	if (g->quiet)
		return;
	if (g->qlen == g->qcap) {
		if (tpt_grow(&g->q, &g->qcap, g->qlen + 1, sizeof(*g->q))) {
			g->failed = true;
			return;
		}
	}
	uint32_t instrs = wl_instrs(&g->carry, g->rate);
	g->q[g->qlen++] = (struct event){.type = type, .va = va, .instrs = instrs, .size = 8, .pid = 1};
	if (wl_kentry_due(&g->kentry, instrs) &&
	    !tpt_grow(&g->q, &g->qcap, g->qlen + 1, sizeof(*g->q)))
		g->q[g->qlen++] = (struct event){.type = EV_SYSCALL, .arg = 1, .pid = 1};
}

#define R(g, va) graph_emit(g, EV_READ, va)
#define W(g, va) graph_emit(g, EV_WRITE, va)

/* Where v's list starts among the neighbours, and its length. */
static inline uint64_t graph_first(const struct graph *g, uint32_t v)
{
	return g->implicit ? kron_off(&g->kron, v) : g->off[v];
}

static inline uint64_t graph_deg(const struct graph *g, uint32_t v)
{
	return g->implicit ? kron_deg(&g->kron, v) : g->off[v + 1] - g->off[v];
}

/* v's neighbours, deg(g, v) of them, sorted. */
static inline const uint32_t *graph_nbrs(struct graph *g, uint32_t v)
{
	if (!g->implicit)
		return g->nbr + g->off[v];
	if (g->list_of != v) {
		kron_list(&g->kron, v, g->list);
		g->list_of = v;
	}
	return g->list;
}

/* v's neighbours, after the two reads of its offsets a kernel makes to
 * find them: *lo the index of the first, *n how many. */
static inline const uint32_t *graph_list(struct graph *g, uint32_t v, uint64_t *lo, uint64_t *n)
{
	R(g, g->va_off + 8ULL * v);
	R(g, g->va_off + 8ULL * (v + 1));
	*lo = graph_first(g, v);
	*n = graph_deg(g, v);
	return graph_nbrs(g, v);
}

/* One step of bfs: a vertex of the loop in progress, or a decision;
 * false when the search has finished. */
bool graph_bfs_step(struct graph *g);

#endif
