/*
 * graph.c - graph kernels on a Kronecker graph, as GAPBS runs them: `bfs`
 * (top-down breadth-first search from a random source), `pr` (pull-based
 * PageRank, damping 0.85, dangling mass spread evenly) and `cc` (Shiloach-
 * Vishkin connected components).
 *
 * The graph is real: 2^scale vertices, degree * 2^scale edges drawn with
 * Graph500's initiator (A 0.57, B 0.19, C 0.19), vertex labels permuted at
 * random, stored undirected in CSR (offsets: 8 bytes per vertex; neighbours:
 * 4 bytes per edge end). Building the CSR (degree count, prefix sum, fill)
 * is part of the stream: the warm-up by default, or measured with
 * build=measure (a phase change: graph load, then the kernel). The kernels
 * run on host copies of their arrays and emit every access they make to the
 * simulated ones. Host memory is about 20 bytes per edge: scale 24 with
 * degree 16 fits this machine's 24 GiB, scale 26 does not.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tpt/workload.h"
#include "inspect.h"

enum { P_SCALE, P_DEGREE, P_ITERS, P_BUILD, P_MLP, P_KENTRY };
enum { K_BFS, K_PR, K_CC };
enum { PH_START, PH_DEG, PH_PREFIX, PH_FILL, PH_MARK, PH_KERNEL, PH_END };

#define INSTRS 4
#define NONE UINT32_MAX

struct graph {
	int kernel, phase;
	bool measure_build;
	uint32_t scale, nv;
	uint64_t ne; /* edges generated (each stored twice) */
	uint32_t *eu, *ev; /* edge list */
	uint64_t *off;     /* CSR offsets, nv + 1 */
	uint32_t *nbr;     /* CSR neighbours, 2 ne */
	uint64_t *pos;     /* fill cursors */
	uint64_t va_off, va_nbr, va_a, va_b; /* simulated arrays: offsets, neighbours, kernel's two */
	uint64_t i, j;     /* loop cursors of the current phase */
	/* bfs */
	uint32_t *parent, *queue, head, tail, source;
	/* pr */
	double *score, *contrib, dangling;
	uint32_t iters, iter;
	/* cc */
	uint32_t *comp;
	bool changed;
	int cc_phase; /* 0 hook, 1 compress */
	/* the events of the step in progress */
	struct event *q;
	size_t qlen, qpos, qcap;
	struct rng rng;
	struct wl_kentry kentry;
	bool failed;
};

static void emit(struct graph *g, uint8_t type, uint64_t va)
{
	if (g->qlen == g->qcap) {
		if (tpt_grow(&g->q, &g->qcap, g->qlen + 1, sizeof(*g->q))) {
			g->failed = true;
			return;
		}
	}
	g->q[g->qlen++] = (struct event){.type = type, .va = va, .instrs = INSTRS, .size = 8, .pid = 1};
	if (wl_kentry_due(&g->kentry, INSTRS) &&
	    !tpt_grow(&g->q, &g->qcap, g->qlen + 1, sizeof(*g->q)))
		g->q[g->qlen++] = (struct event){.type = EV_SYSCALL, .arg = 1, .pid = 1};
}

#define R(g, va) emit(g, EV_READ, va)
#define W(g, va) emit(g, EV_WRITE, va)

/* Graph500's Kronecker edge: each bit of (u, v) from the initiator. */
static void kron_edge(struct rng *r, uint32_t scale, uint32_t *u, uint32_t *v)
{
	uint32_t a = 0, b = 0;
	for (uint32_t s = 0; s < scale; s++) {
		double x = rng_double(r);
		uint32_t ub = x >= 0.57 + 0.19; /* C or D */
		uint32_t vb = (x >= 0.57 && x < 0.57 + 0.19) || x >= 0.57 + 0.19 + 0.19; /* B or D */
		a = a << 1 | ub;
		b = b << 1 | vb;
	}
	*u = a;
	*v = b;
}

static int graph_init(struct workload *w, struct tpt_err *e)
{
	struct graph *g = w->state;
	g->kernel = !strcmp(w->def->name, "bfs") ? K_BFS : !strcmp(w->def->name, "pr") ? K_PR : K_CC;
	g->scale = (uint32_t)w->v[P_SCALE].u;
	g->nv = 1u << g->scale;
	g->ne = w->v[P_DEGREE].u << g->scale;
	g->iters = (uint32_t)w->v[P_ITERS].u;
	g->measure_build = w->v[P_BUILD].u == 1;
	rng_seed(&g->rng, w->seed);
	wl_kentry_init(&g->kentry, w->kentry);
	/* The edge list, the CSR arrays, and per vertex up to five 4-byte words
	 * (the permutation and the kernel's arrays: pr's are doubles). */
	uint64_t need = g->ne * (sizeof(*g->eu) + sizeof(*g->ev) + 2 * sizeof(*g->nbr)) +
			((uint64_t)g->nv + 1) * (sizeof(*g->off) + sizeof(*g->pos) + 5 * sizeof(uint32_t));
	if (wl_host_memory(w, need, e))
		return -1;
	g->eu = malloc(g->ne * sizeof(*g->eu));
	g->ev = malloc(g->ne * sizeof(*g->ev));
	g->off = calloc((size_t)g->nv + 1, sizeof(*g->off));
	g->nbr = malloc(2 * g->ne * sizeof(*g->nbr));
	g->pos = malloc(((size_t)g->nv + 1) * sizeof(*g->pos));
	uint32_t *perm = malloc((size_t)g->nv * sizeof(*perm));
	if (!g->eu || !g->ev || !g->off || !g->nbr || !g->pos || !perm) {
		free(perm);
		return tpt_fail(e, "%s: scale %u needs more host memory than there is", w->def->name,
				g->scale);
	}
	for (uint32_t v = 0; v < g->nv; v++)
		perm[v] = v;
	for (uint32_t v = g->nv - 1; v > 0; v--) {
		uint32_t k = (uint32_t)rng_below(&g->rng, (uint64_t)v + 1), t = perm[v];
		perm[v] = perm[k];
		perm[k] = t;
	}
	for (uint64_t k = 0; k < g->ne; k++) {
		uint32_t u, v;
		kron_edge(&g->rng, g->scale, &u, &v);
		g->eu[k] = perm[u];
		g->ev[k] = perm[v];
	}
	free(perm);
	/* Simulated layout: offsets, neighbours, then the kernel's arrays. */
	uint64_t a_size = (uint64_t)g->nv * (g->kernel == K_PR ? 8 : 4);
	g->va_off = WL_BASE_VA;
	g->va_nbr = g->va_off + tpt_align_up(((uint64_t)g->nv + 1) * 8, 2 * MiB);
	g->va_a = g->va_nbr + tpt_align_up(2 * g->ne * 4, 2 * MiB);
	g->va_b = g->va_a + tpt_align_up(a_size, 2 * MiB);
	uint64_t end = g->va_b + tpt_align_up(a_size, 2 * MiB);
	w->regions[0] = (struct region){WL_BASE_VA, end - WL_BASE_VA};
	w->nregions = 1;
	w->expected_events = 6 * g->ne + 4 * (uint64_t)g->nv +
			     (g->kernel == K_PR ? g->iters * (2 * g->ne + 4ULL * g->nv) : 6 * g->ne);
	return 0;
}

static void graph_close(struct workload *w)
{
	struct graph *g = w->state;
	free(g->eu);
	free(g->ev);
	free(g->off);
	free(g->nbr);
	free(g->pos);
	free(g->parent);
	free(g->queue);
	free(g->score);
	free(g->contrib);
	free(g->comp);
	free(g->q);
}

static uint64_t deg(const struct graph *g, uint32_t v)
{
	return g->off[v + 1] - g->off[v];
}

/* Starts the kernel: its host arrays and their initialisation. */
static bool kernel_start(struct graph *g)
{
	if (g->kernel == K_BFS) {
		g->parent = malloc((size_t)g->nv * sizeof(*g->parent));
		g->queue = malloc((size_t)g->nv * sizeof(*g->queue));
		if (!g->parent || !g->queue)
			return false;
		for (uint32_t v = 0; v < g->nv; v++)
			g->parent[v] = NONE;
		/* A source with neighbours, as GAPBS picks. */
		do
			g->source = (uint32_t)rng_below(&g->rng, g->nv);
		while (deg(g, g->source) == 0);
		g->parent[g->source] = g->source;
		g->queue[0] = g->source;
		g->head = 0;
		g->tail = 1;
	} else if (g->kernel == K_PR) {
		g->score = malloc((size_t)g->nv * sizeof(*g->score));
		g->contrib = malloc((size_t)g->nv * sizeof(*g->contrib));
		if (!g->score || !g->contrib)
			return false;
		for (uint32_t v = 0; v < g->nv; v++)
			g->score[v] = 1.0 / g->nv;
	} else {
		g->comp = malloc((size_t)g->nv * sizeof(*g->comp));
		if (!g->comp)
			return false;
		for (uint32_t v = 0; v < g->nv; v++)
			g->comp[v] = v;
	}
	g->i = g->j = 0;
	return true;
}

/* One step of the kernel; false when it has finished. */
static bool kernel_step(struct graph *g)
{
	if (g->kernel == K_BFS) {
		if (g->head == g->tail)
			return false;
		uint32_t u = g->queue[g->head];
		R(g, g->va_b + 4ULL * g->head++);
		R(g, g->va_off + 8ULL * u);
		R(g, g->va_off + 8ULL * (u + 1));
		for (uint64_t k = g->off[u]; k < g->off[u + 1]; k++) {
			uint32_t v = g->nbr[k];
			R(g, g->va_nbr + 4 * k);
			R(g, g->va_a + 4ULL * v);
			if (g->parent[v] == NONE) {
				g->parent[v] = u;
				W(g, g->va_a + 4ULL * v);
				g->queue[g->tail] = v;
				W(g, g->va_b + 4ULL * g->tail++);
			}
		}
		return true;
	}
	if (g->kernel == K_PR) {
		if (g->iter == g->iters)
			return false;
		uint32_t v = (uint32_t)g->i;
		if (g->j == 0) {
			/* Pass 1: each vertex's outgoing contribution (and the dangling mass). */
			R(g, g->va_a + 8ULL * v);
			R(g, g->va_off + 8ULL * v);
			R(g, g->va_off + 8ULL * (v + 1));
			if (deg(g, v))
				g->contrib[v] = g->score[v] / (double)deg(g, v);
			else
				g->dangling += g->score[v];
			W(g, g->va_b + 8ULL * v);
		} else {
			/* Pass 2: pull from the neighbours. */
			double sum = 0;
			R(g, g->va_off + 8ULL * v);
			R(g, g->va_off + 8ULL * (v + 1));
			for (uint64_t k = g->off[v]; k < g->off[v + 1]; k++) {
				R(g, g->va_nbr + 4 * k);
				R(g, g->va_b + 8ULL * g->nbr[k]);
				sum += g->contrib[g->nbr[k]];
			}
			g->score[v] = 0.15 / g->nv + 0.85 * (sum + g->dangling / g->nv);
			W(g, g->va_a + 8ULL * v);
		}
		if (++g->i == g->nv) {
			g->i = 0;
			if (g->j == 1) {
				g->iter++;
				g->dangling = 0;
			}
			g->j ^= 1;
		}
		return true;
	}
	/* cc: Shiloach-Vishkin, hooking over every vertex's edges, then compressing. */
	uint32_t u = (uint32_t)g->i;
	if (g->cc_phase == 0) {
		R(g, g->va_off + 8ULL * u);
		R(g, g->va_off + 8ULL * (u + 1));
		for (uint64_t k = g->off[u]; k < g->off[u + 1]; k++) {
			uint32_t v = g->nbr[k];
			R(g, g->va_nbr + 4 * k);
			R(g, g->va_a + 4ULL * u);
			R(g, g->va_a + 4ULL * v);
			uint32_t cu = g->comp[u], cv = g->comp[v];
			if (cu == cv)
				continue;
			uint32_t high = cu > cv ? cu : cv, low = cu > cv ? cv : cu;
			R(g, g->va_a + 4ULL * high);
			if (g->comp[high] == high) {
				g->changed = true;
				g->comp[high] = low;
				W(g, g->va_a + 4ULL * high);
			}
		}
	} else {
		R(g, g->va_a + 4ULL * u);
		while (g->comp[u] != g->comp[g->comp[u]]) {
			R(g, g->va_a + 4ULL * g->comp[u]);
			g->comp[u] = g->comp[g->comp[u]];
			W(g, g->va_a + 4ULL * u);
		}
	}
	if (++g->i == g->nv) {
		g->i = 0;
		if (g->cc_phase == 1) {
			g->j++; /* rounds done */
			if (!g->changed)
				return false;
			g->changed = false;
		}
		g->cc_phase ^= 1;
	}
	return true;
}

/* One step of the CSR build; false when the build is done. */
static bool build_step(struct graph *g)
{
	switch (g->phase) {
	case PH_DEG: {
		/* Count degrees (into off[v + 1]). */
		uint32_t u = g->eu[g->i], v = g->ev[g->i];
		R(g, g->va_off + 8ULL * (u + 1));
		W(g, g->va_off + 8ULL * (u + 1));
		R(g, g->va_off + 8ULL * (v + 1));
		W(g, g->va_off + 8ULL * (v + 1));
		g->off[u + 1]++;
		g->off[v + 1]++;
		if (++g->i == g->ne) {
			g->i = 0;
			g->phase = PH_PREFIX;
		}
		return true;
	}
	case PH_PREFIX:
		R(g, g->va_off + 8ULL * (g->i + 1));
		g->off[g->i + 1] += g->off[g->i];
		W(g, g->va_off + 8ULL * (g->i + 1));
		g->pos[g->i] = g->off[g->i];
		if (++g->i == g->nv) {
			g->i = 0;
			g->phase = PH_FILL;
		}
		return true;
	case PH_FILL: {
		uint32_t u = g->eu[g->i], v = g->ev[g->i];
		uint64_t pu = g->pos[u]++, pv = g->pos[v]++;
		R(g, g->va_off + 8ULL * u); /* the cursor, kept beside the offsets */
		g->nbr[pu] = v;
		W(g, g->va_nbr + 4 * pu);
		R(g, g->va_off + 8ULL * v);
		g->nbr[pv] = u;
		W(g, g->va_nbr + 4 * pv);
		if (++g->i == g->ne) {
			g->i = 0;
			g->phase = PH_MARK;
		}
		return true;
	}
	default:
		return false;
	}
}

static size_t graph_next(struct workload *w, struct event *ev, size_t n)
{
	struct graph *g = w->state;
	size_t k = 0;
	if (g->phase == PH_START) {
		k = wl_prologue(w, ev);
		g->phase = PH_DEG;
		if (g->measure_build)
			ev[k++] = (struct event){.type = EV_MARK, .pid = 1};
	}
	while (k < n && !g->failed) {
		if (g->qpos < g->qlen) {
			ev[k++] = g->q[g->qpos++];
			continue;
		}
		g->qpos = g->qlen = 0;
		if (g->phase < PH_MARK) {
			build_step(g);
		} else if (g->phase == PH_MARK) {
			if (!kernel_start(g)) {
				g->failed = true;
				break;
			}
			if (!g->measure_build)
				ev[k++] = (struct event){.type = EV_MARK, .pid = 1};
			g->phase = PH_KERNEL;
		} else if (g->phase == PH_KERNEL) {
			if (!kernel_step(g))
				g->phase = PH_END;
		} else {
			break;
		}
	}
	if (g->failed) {
		w->failed = true;
		tpt_fail(&w->err, "%s: out of host memory", w->def->name);
		return 0;
	}
	return k;
}

static int graph_init_close(struct workload *w, struct tpt_err *e)
{
	w->close = graph_close;
	return graph_init(w, e);
}

#define GRAPH_PARAMS(iters_def)                                                                   \
	WL_KEY("scale", OPT_COUNT, "16", 4, 28, NULL, "2^scale vertices"),                                \
	WL_KEY("degree", OPT_COUNT, "16", 1, 1024, NULL, "edges per vertex (Graph500's edge factor)"),    \
	WL_KEY("iters", OPT_COUNT, iters_def, 1, 1000, NULL, "PageRank iterations"),                      \
	WL_KEY("build", OPT_ENUM, "warm", 0, 0, "warm|measure", "the CSR build: warm-up, or measured"), \
	WL_KEY("mlp", OPT_DOUBLE, "2", 1000, 64000, NULL, "memory-level parallelism (estimate)"),         \
	WL_KENTRY_PARAM,                                                                           \
	{0}

static const struct opt params[] = {GRAPH_PARAMS("10")};

const struct workload_def wl_bfs = {
	.name = "bfs",
	.summary = "breadth-first search on a Kronecker graph (GAPBS top-down)",
	.params = params, .state_size = sizeof(struct graph),
	.init = graph_init_close, .next = graph_next,
};

const struct workload_def wl_pr = {
	.name = "pr",
	.summary = "PageRank on a Kronecker graph (pull, damping 0.85)",
	.params = params, .state_size = sizeof(struct graph),
	.init = graph_init_close, .next = graph_next,
};

const struct workload_def wl_cc = {
	.name = "cc",
	.summary = "connected components on a Kronecker graph (Shiloach-Vishkin)",
	.params = params, .state_size = sizeof(struct graph),
	.init = graph_init_close, .next = graph_next,
};

/* For tests: the kernel's results. */
const uint32_t *graph_parents(const struct workload *w)
{
	return ((const struct graph *)w->state)->parent;
}

const double *graph_scores(const struct workload *w)
{
	return ((const struct graph *)w->state)->score;
}

const uint32_t *graph_components(const struct workload *w)
{
	return ((const struct graph *)w->state)->comp;
}

void graph_csr(const struct workload *w, const uint64_t **off, const uint32_t **nbr, uint32_t *nv)
{
	const struct graph *g = w->state;
	*off = g->off;
	*nbr = g->nbr;
	*nv = g->nv;
}
