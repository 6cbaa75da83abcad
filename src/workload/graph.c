/* SPDX-License-Identifier: MIT */
/*
 * graph.c - graph kernels on a Kronecker graph, as GAPBS runs them: `bfs`
 * (direction-optimizing breadth-first search from a random source with
 * neighbours: graph_bfs.c), `pr`
 * (Gauss-Seidel pull PageRank on floats, damping 0.85, until the scores
 * move less than `epsilon` in sum or `iters` iterations) and `cc`
 * (Shiloach-Vishkin connected components).
 *
 * The graph is real: 2^scale vertices, degree * 2^scale edges drawn with
 * Graph500's initiator (A 0.57, B 0.19, C 0.19), vertex labels permuted at
 * random, stored undirected in CSR (offsets: 8 bytes per vertex; neighbours:
 * 4 bytes per edge end) and squished as GAPBS's builder does (each list
 * sorted, self-loops and repeated edges dropped). Building the CSR (degree
 * count, prefix sum, fill, squish) is part of the stream: the warm-up by
 * default, or measured with build=measure (a phase change: graph load, then
 * the kernel); drawing the edges is not (GAPBS's generator runs 500
 * instructions an edge before the build). The kernels run on host copies
 * of their arrays and emit every access they make to the simulated ones.
 * Host memory is about 20 bytes per edge: scale 24 with degree 16 fits
 * this machine's 24 GiB, scale 26 does not.
 *
 * Instructions per access are GAPBS's own, per loop (github sbeamer/gapbs
 * at b5e3e19, g++ 12 -O3, one thread, "-g 16 -n 1" under callgrind): see
 * the RATE_ constants. Departures: the build writes its squished lists in
 * place (GAPBS copies them to new arrays), and a top-down step appends to
 * the shared queue directly (GAPBS through a per-thread buffer).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "graph.h"
#include "inspect.h"

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

/* Accesses the kernel makes, about, after its first pass: each trial's. */
static uint64_t kernel_events(const struct graph *g)
{
	if (g->window)
		return g->window;
	uint64_t one = g->kernel == K_PR ? g->iters * (4 * g->ne + 7ULL * g->nv) : 6 * g->ne;
	return g->trials * one;
}

/* Simulated layout: offsets, `ends` neighbours, the kernel's arrays
 * (4-byte words: parents and queue, scores and contributions, labels),
 * bfs's bitmaps. Returns the simulated bytes, from WL_BASE_VA. */
static uint64_t layout(struct graph *g, uint64_t ends)
{
	uint64_t a_size = (uint64_t)g->nv * 4, bm_size = ((uint64_t)g->nv + 63) / 64 * 8;
	g->va_off = WL_BASE_VA;
	g->va_nbr = g->va_off + tpt_align_up(((uint64_t)g->nv + 1) * 8, 2 * MiB);
	g->va_a = g->va_nbr + tpt_align_up(ends * 4, 2 * MiB);
	g->va_b = g->va_a + tpt_align_up(a_size, 2 * MiB);
	g->va_front = g->va_b + tpt_align_up(a_size, 2 * MiB);
	g->va_next = g->va_front + tpt_align_up(bm_size, 2 * MiB);
	return g->va_next + tpt_align_up(bm_size, 2 * MiB) - WL_BASE_VA;
}

/* Host bytes of a stored graph: the edge list, the CSR arrays, and per
 * vertex up to five 4-byte words (the permutation and the kernel's arrays)
 * and bfs's two bitmaps. */
static uint64_t stored_host_bytes(uint64_t nv, uint64_t ne)
{
	return ne * (2 * sizeof(uint32_t) + 2 * sizeof(uint32_t)) +
	       (nv + 1) * (2 * sizeof(uint64_t) + 5 * sizeof(uint32_t)) + nv / 4;
}

/* Host bytes of the kernel's own arrays. */
static uint64_t kernel_host_bytes(const struct graph *g)
{
	uint64_t nv = g->nv;
	return g->kernel == K_BFS ? 8 * nv + nv / 4 : g->kernel == K_PR ? 8 * nv : 4 * nv;
}

/* graph=implicit: the graph computed on demand (kronecker.c); the warm-up
 * writes every page once, as the build would have. */
static int implicit_init(struct workload *w, struct graph *g, struct tpt_err *e)
{
	if (wl_host_memory(w, kron_host_bytes(g->scale, w->v[P_DEGREE].u) + kernel_host_bytes(g), e))
		return -1;
	if (kron_init(&g->kron, g->scale, w->v[P_DEGREE].u, w->seed, e))
		return -1;
	g->list = malloc(((size_t)g->kron.max_deg + 1) * sizeof(*g->list));
	if (!g->list)
		return tpt_fail_mem(e, "%s: out of host memory", w->def->name);
	g->list_of = UINT32_MAX;
	w->regions[0] = (struct region){WL_BASE_VA, layout(g, g->kron.ends)};
	w->nregions = 1;
	wl_sweep_init(&g->sweep, &w->regions[0], WL_INIT_PAGE, 8, 2);
	w->expected_events = w->regions[0].len / PAGE_SIZE + kernel_events(g);
	return 0;
}

static int graph_init(struct workload *w, struct tpt_err *e)
{
	struct graph *g = w->state;
	g->kernel = !strcmp(w->def->name, "bfs") ? K_BFS : !strcmp(w->def->name, "pr") ? K_PR : K_CC;
	g->scale = (uint32_t)w->v[P_SCALE].u;
	g->nv = 1u << g->scale;
	g->ne = w->v[P_DEGREE].u << g->scale;
	g->iters = (uint32_t)w->v[P_ITERS].u;
	g->epsilon = w->v[P_EPSILON].d;
	g->trials = (uint32_t)w->v[P_TRIALS].u;
	g->measure_build = w->v[P_BUILD].u == 1;
	g->implicit = w->v[P_GRAPH].u == 1;
	g->window = w->v[P_WINDOW].u;
	rng_seed(&g->rng, w->seed);
	wl_kentry_init(&g->kentry, w->kentry);
	if (g->window && g->trials > 1)
		return tpt_fail(e, "%s: window= measures part of one trial; trials=%u runs the whole kernel %u times",
				w->def->name, g->trials, g->trials);
	if (g->measure_build && (g->implicit || g->window))
		return tpt_fail(e, "%s: build=measure measures the CSR build; %s", w->def->name,
				g->implicit ? "an implicit graph has none" : "window= measures the kernel");
	if (g->implicit)
		return implicit_init(w, g, e);
	if (g->scale > 28)
		return tpt_fail(e, "%s: a stored graph of scale %u does not fit in memory (graph=implicit "
				   "holds no edges)", w->def->name, g->scale);
	if (wl_host_memory(w, stored_host_bytes(g->nv, g->ne), e))
		return -1;
	g->eu = malloc(g->ne * sizeof(*g->eu));
	g->ev = malloc(g->ne * sizeof(*g->ev));
	g->off = calloc((size_t)g->nv + 1, sizeof(*g->off));
	g->nbr = malloc(2 * g->ne * sizeof(*g->nbr));
	g->pos = malloc(((size_t)g->nv + 1) * sizeof(*g->pos));
	uint32_t *perm = malloc((size_t)g->nv * sizeof(*perm));
	if (!g->eu || !g->ev || !g->off || !g->nbr || !g->pos || !perm) {
		free(perm);
		return tpt_fail_mem(e, "%s: scale %u needs more host memory than there is", w->def->name,
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
	w->regions[0] = (struct region){WL_BASE_VA, layout(g, 2 * g->ne)};
	w->nregions = 1;
	w->expected_events = 12 * g->ne + 4 * (uint64_t)g->nv + kernel_events(g);
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
	free(g->front);
	free(g->next);
	free(g->score);
	free(g->contrib);
	free(g->comp);
	free(g->q);
	free(g->list);
	kron_close(&g->kron);
}

/* Starts a trial of the kernel: its host arrays on the first, and for
 * bfs a source with neighbours, drawn as GAPBS's SourcePicker draws one
 * for every trial. */
static bool kernel_start(struct graph *g)
{
	size_t words = ((size_t)g->nv + 63) / 64;
	if (g->kernel == K_BFS) {
		if (!g->parent) {
			g->parent = malloc((size_t)g->nv * sizeof(*g->parent));
			g->queue = malloc((size_t)g->nv * sizeof(*g->queue));
			g->front = calloc(words, sizeof(*g->front));
			g->next = calloc(words, sizeof(*g->next));
		}
		if (!g->parent || !g->queue || !g->front || !g->next)
			return false;
		/* A later trial's bitmaps start empty, as a new DOBFS's do (the
		 * clearing is not emitted, as the first trial's is not). */
		memset(g->front, 0, words * sizeof(*g->front));
		memset(g->next, 0, words * sizeof(*g->next));
		do
			g->source = (uint32_t)rng_below(&g->rng, g->nv);
		while (graph_deg(g, g->source) == 0);
		g->bstep = B_INIT;
		g->wstart = g->wend = g->tail = 0;
	} else if (g->kernel == K_PR) {
		if (!g->score) {
			g->score = malloc((size_t)g->nv * sizeof(*g->score));
			g->contrib = malloc((size_t)g->nv * sizeof(*g->contrib));
		}
		if (!g->score || !g->contrib)
			return false;
		g->rate = RATE_PR_INIT;
		g->iter = 0;
		g->error = 0;
	} else {
		if (!g->comp)
			g->comp = malloc((size_t)g->nv * sizeof(*g->comp));
		if (!g->comp)
			return false;
		g->rate = RATE_CC_INIT;
		g->cc_phase = 0;
		g->changed = false;
	}
	g->trial++;
	g->i = g->j = 0;
	return true;
}

/* v's contribution from its score: its degree read (two offsets), the
 * contribution written. */
static void pr_contribute(struct graph *g, uint32_t v)
{
	R(g, g->va_off + 8ULL * v);
	R(g, g->va_off + 8ULL * (v + 1));
	g->contrib[v] = graph_deg(g, v) ? g->score[v] / (float)graph_deg(g, v) : 0;
	W(g, g->va_b + 4ULL * v);
}

/* PageRank: the scores and first contributions, then Gauss-Seidel
 * pulls, a vertex a step; false when it has converged or run its
 * iterations. */
static bool pr_step(struct graph *g)
{
	uint32_t v = (uint32_t)g->i;
	if (g->j == 0) {
		g->score[v] = 1.0f / (float)g->nv;
		W(g, g->va_a + 4ULL * v);
		pr_contribute(g, v);
		if (++g->i == g->nv) {
			g->i = 0;
			g->j = 1;
		}
		return true;
	}
	if (g->iter == g->iters)
		return false;
	/* Pull from the in-neighbours; the new score's contribution at once. */
	float sum = 0;
	g->rate = RATE_PR_VERTEX;
	uint64_t lo, n;
	const uint32_t *l = graph_list(g, v, &lo, &n);
	g->rate = RATE_PR_EDGE;
	for (uint64_t k = lo; k < lo + n; k++) {
		R(g, g->va_nbr + 4 * k);
		R(g, g->va_b + 4ULL * l[k - lo]);
		sum += g->contrib[l[k - lo]];
	}
	g->rate = RATE_PR_VERTEX;
	float old = g->score[v];
	R(g, g->va_a + 4ULL * v);
	g->score[v] = 0.15f / (float)g->nv + 0.85f * sum;
	W(g, g->va_a + 4ULL * v);
	g->error += fabsf(g->score[v] - old);
	pr_contribute(g, v);
	if (++g->i == g->nv) {
		g->i = 0;
		g->iter++;
		if (g->error < g->epsilon)
			g->iter = g->iters;
		g->error = 0;
	}
	return true;
}

/* Shiloach-Vishkin's hooking: u's edges hook the higher root to the lower. */
static void cc_hook(struct graph *g, uint32_t u)
{
	g->rate = RATE_CC_HOOK;
	uint64_t lo, n;
	const uint32_t *l = graph_list(g, u, &lo, &n);
	for (uint64_t k = lo; k < lo + n; k++) {
		uint32_t v = l[k - lo];
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
}

/* Compressing: u's label to its root's. */
static void cc_compress(struct graph *g, uint32_t u)
{
	g->rate = RATE_CC_COMPRESS;
	R(g, g->va_a + 4ULL * u);
	while (g->comp[u] != g->comp[g->comp[u]]) {
		R(g, g->va_a + 4ULL * g->comp[u]);
		g->comp[u] = g->comp[g->comp[u]];
		W(g, g->va_a + 4ULL * u);
	}
}

/* CC: labels, then rounds of hooking and compressing over every vertex
 * until a round changes nothing; false then. */
static bool cc_step(struct graph *g)
{
	uint32_t u = (uint32_t)g->i;
	if (g->j == 0) {
		g->comp[u] = u;
		W(g, g->va_a + 4ULL * u);
		if (++g->i == g->nv) {
			g->i = 0;
			g->j = 1;
		}
		return true;
	}
	if (g->cc_phase == 0)
		cc_hook(g, u);
	else
		cc_compress(g, u);
	if (++g->i == g->nv) {
		g->i = 0;
		if (g->cc_phase == 1) {
			g->j++; /* rounds done, after the first */
			if (!g->changed)
				return false;
			g->changed = false;
		}
		g->cc_phase ^= 1;
	}
	return true;
}

/* One step of the kernel; false when it has finished. */
static bool kernel_step(struct graph *g)
{
	if (g->kernel == K_BFS)
		return graph_bfs_step(g);
	return g->kernel == K_PR ? pr_step(g) : cc_step(g);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

/* One step of the CSR build; false when the build is done. */
static bool build_step(struct graph *g)
{
	switch (g->phase) {
	case PH_DEG: {
		/* Count degrees (into off[v + 1]). */
		g->rate = RATE_DEG;
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
		g->rate = RATE_PREFIX;
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
		g->rate = RATE_FILL;
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
			g->j = 0; /* the squished lists' end */
			g->phase = PH_SQUISH;
		}
		return true;
	}
	case PH_SQUISH: {
		/* Vertex i's list sorted, its self-loops and repeats dropped, and
		 * moved down to j; pos[] holds the new offsets until the last. */
		g->rate = RATE_SQUISH;
		uint32_t u = (uint32_t)g->i;
		uint64_t lo = g->off[u], hi = g->off[u + 1];
		R(g, g->va_off + 8ULL * u);
		R(g, g->va_off + 8ULL * (u + 1));
		qsort(g->nbr + lo, hi - lo, sizeof(*g->nbr), cmp_u32);
		g->pos[u] = g->j;
		uint32_t prev = u; /* a self-loop is dropped as a repeat is */
		for (uint64_t k = lo; k < hi; k++) {
			uint32_t v = g->nbr[k];
			R(g, g->va_nbr + 4 * k);
			if (v == u || v == prev)
				continue;
			prev = v;
			g->nbr[g->j] = v;
			W(g, g->va_nbr + 4 * g->j++);
		}
		W(g, g->va_off + 8ULL * u);
		if (++g->i == g->nv) {
			memcpy(g->off, g->pos, (size_t)g->nv * sizeof(*g->off));
			g->off[g->nv] = g->j;
			g->i = 0;
			g->phase = PH_MARK;
		}
		return true;
	}
	default:
		return false;
	}
}

/* The kernel's first pass over its vertex arrays is done (bfs's parents,
 * PageRank's first contributions, CC's labels). */
static bool kernel_past_first_pass(const struct graph *g)
{
	return g->kernel == K_BFS ? g->bstep != B_INIT : g->j != 0;
}

static size_t graph_next(struct workload *w, struct event *ev, size_t n)
{
	struct graph *g = w->state;
	size_t k = 0;
	if (g->phase == PH_START) {
		k = wl_prologue(w, ev);
		g->phase = g->implicit ? PH_SWEEP : PH_DEG;
		if (g->measure_build)
			ev[k++] = (struct event){.type = EV_MARK, .pid = 1};
	}
	while (k < n && !g->failed) {
		if (g->qpos < g->qlen) {
			const struct event *x = &g->q[g->qpos++];
			if (g->window && g->phase == PH_KERNEL && x->type <= EV_WRITE &&
			    g->measured++ == g->window) {
				g->phase = PH_END;
				g->qpos = g->qlen = 0;
				break;
			}
			ev[k++] = *x;
			continue;
		}
		g->qpos = g->qlen = 0;
		if (g->phase < PH_SWEEP) {
			build_step(g);
		} else if (g->phase == PH_SWEEP) {
			size_t got = wl_sweep_next(&g->sweep, ev + k, n - k);
			k += got;
			if (!got)
				g->phase = PH_MARK;
		} else if (g->phase == PH_MARK) {
			if (!kernel_start(g)) {
				g->failed = true;
				break;
			}
			/* With a window, the kernel's first pass is warm-up: run for its
			 * accesses on a stored graph, without them on an implicit one,
			 * whose warm-up wrote every page already. */
			g->phase = g->window ? PH_PRE : PH_KERNEL;
			g->quiet = g->window && g->implicit;
			if (!g->window && !g->measure_build)
				ev[k++] = (struct event){.type = EV_MARK, .pid = 1};
		} else if (g->phase == PH_PRE) {
			if (kernel_past_first_pass(g)) {
				g->quiet = false;
				g->phase = PH_KERNEL;
				ev[k++] = (struct event){.type = EV_MARK, .pid = 1};
			} else {
				kernel_step(g);
			}
		} else if (g->phase == PH_KERNEL) {
			if (kernel_step(g))
				continue;
			if (g->trial == g->trials)
				g->phase = PH_END;
			else if (!kernel_start(g)) {
				g->failed = true;
				break;
			}
		} else {
			break;
		}
	}
	if (g->failed) {
		w->failed = true;
		tpt_fail_mem(&w->err, "%s: out of host memory", w->def->name);
		return 0;
	}
	return k;
}

/* Host bytes and simulated bytes, from the spec alone (for tpt study). */
static uint64_t graph_estimate(const struct workload *w, uint64_t *footprint)
{
	struct graph g = {.kernel = !strcmp(w->def->name, "bfs") ? K_BFS : !strcmp(w->def->name, "pr") ? K_PR : K_CC,
			  .scale = (uint32_t)w->v[P_SCALE].u, .nv = (uint32_t)(1ULL << w->v[P_SCALE].u),
			  .ne = w->v[P_DEGREE].u << w->v[P_SCALE].u};
	*footprint = layout(&g, 2 * g.ne); /* an implicit graph's ends are about 2 ne too */
	if (w->v[P_GRAPH].u == 1)
		return kron_host_bytes(g.scale, w->v[P_DEGREE].u) + kernel_host_bytes(&g);
	return stored_host_bytes(g.nv, g.ne);
}

/* A stored graph's build (12 per edge, 4 per vertex) or an implicit one's
 * first touch of its pages, then the kernel's events. */
static uint64_t graph_events(const struct workload *w)
{
	uint64_t fp;
	graph_estimate(w, &fp);
	struct graph g = {.kernel = !strcmp(w->def->name, "bfs") ? K_BFS : !strcmp(w->def->name, "pr") ? K_PR : K_CC,
			  .nv = (uint32_t)(1ULL << w->v[P_SCALE].u), .ne = w->v[P_DEGREE].u << w->v[P_SCALE].u,
			  .iters = (uint32_t)w->v[P_ITERS].u, .trials = (uint32_t)w->v[P_TRIALS].u,
			  .window = w->v[P_WINDOW].u};
	uint64_t build = w->v[P_GRAPH].u == 1 ? fp / PAGE_SIZE : 12 * g.ne + 4 * (uint64_t)g.nv;
	return build + kernel_events(&g);
}

static int graph_init_close(struct workload *w, struct tpt_err *e)
{
	w->close = graph_close;
	return graph_init(w, e);
}

static const struct opt params[] = {
	WL_KEY("scale", OPT_COUNT, "16", 4, 31, NULL, "2^scale vertices"),
	WL_KEY("degree", OPT_COUNT, "16", 1, 1024, NULL, "edges per vertex (Graph500's edge factor)"),
	WL_KEY("iters", OPT_COUNT, "20", 1, 1000, NULL, "pr: most iterations (GAPBS: 20)"),
	WL_KEY("epsilon", OPT_DOUBLE, "0.0001", 0, 1000000, NULL,
	       "pr: stop when the scores moved less than this in sum (GAPBS: 1e-4)"),
	WL_KEY("trials", OPT_COUNT, "1", 1, 1000, NULL,
	       "runs of the kernel, one after another on the same graph (GAPBS's -n: 16; bfs a new source each)"),
	WL_KEY("build", OPT_ENUM, "warm", 0, 0, "warm|measure", "the CSR build: warm-up, or measured"),
	WL_KEY("graph", OPT_ENUM, "stored", 0, 0, "stored|implicit",
	       "the graph built and stored in CSR, or its edges computed on demand (host memory grows with vertices only; the warm-up writes every page)"),
	WL_KEY("window", OPT_COUNT, "0", 0, 1ULL << 40, NULL,
	       "accesses of the kernel to measure, its first pass over the vertex arrays then warm-up (0: the whole kernel)"),
	WL_KEY("mlp", OPT_DOUBLE, "2", 1000, 64000, NULL, "accesses in flight (frontier neighbours and in-edges are independent, an offset then its list a chain; estimate)"),
	WL_KENTRY_PARAM,
	{0},
};

const struct workload_def wl_bfs = {
	.name = "bfs",
	.summary = "breadth-first search on a Kronecker graph (GAPBS, direction-optimizing)",
	.params = params, .state_size = sizeof(struct graph),
	.init = graph_init_close, .next = graph_next, .estimate = graph_estimate,
	.events = graph_events,
};

const struct workload_def wl_pr = {
	.name = "pr",
	.summary = "PageRank on a Kronecker graph (GAPBS: Gauss-Seidel pull, damping 0.85)",
	.params = params, .state_size = sizeof(struct graph),
	.init = graph_init_close, .next = graph_next, .estimate = graph_estimate,
	.events = graph_events,
};

const struct workload_def wl_cc = {
	.name = "cc",
	.summary = "connected components on a Kronecker graph (Shiloach-Vishkin)",
	.params = params, .state_size = sizeof(struct graph),
	.init = graph_init_close, .next = graph_next, .estimate = graph_estimate,
	.events = graph_events,
};

/* For tests: the kernel's results. */
const int32_t *graph_parents(const struct workload *w)
{
	return ((const struct graph *)w->state)->parent;
}

const float *graph_scores(const struct workload *w)
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

uint32_t graph_vertices(const struct workload *w)
{
	return ((const struct graph *)w->state)->nv;
}

const uint32_t *graph_neighbours(struct workload *w, uint32_t v, uint64_t *n)
{
	struct graph *g = w->state;
	*n = graph_deg(g, v);
	return graph_nbrs(g, v);
}
