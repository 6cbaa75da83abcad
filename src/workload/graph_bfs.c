/* SPDX-License-Identifier: MIT */
/*
 * graph_bfs.c - GAPBS's direction-optimizing breadth-first search (DOBFS)
 * on the graph of graph.c, one step at a time: top-down steps while the
 * frontier is small, bottom-up steps over a bitmap while it is large
 * (GAPBS's alpha 15 and beta 18). Called by graph.c's kernel step; each
 * step emits the accesses GAPBS's loop makes, at its rate (graph.h).
 */
#include "graph.h"

static bool bit(const uint64_t *bm, uint32_t v)
{
	return bm[v >> 6] >> (v & 63) & 1;
}

/* InitParent: minus the degree, or -1, for every vertex; then the source. */
static void bfs_init(struct graph *g, uint32_t u)
{
	g->rate = RATE_BFS_INIT;
	R(g, g->va_off + 8ULL * u);
	R(g, g->va_off + 8ULL * (u + 1));
	g->parent[u] = graph_deg(g, u) ? -(int32_t)graph_deg(g, u) : -1;
	W(g, g->va_a + 4ULL * u);
	if (++g->i < g->nv)
		return;
	g->parent[g->source] = (int32_t)g->source;
	W(g, g->va_a + 4ULL * g->source);
	g->queue[0] = g->source;
	W(g, g->va_b);
	g->wstart = 0;
	g->wend = g->tail = 1;
	g->edges_to_check = (int64_t)graph_first(g, g->nv);
	g->scout = (int64_t)graph_deg(g, g->source);
	g->bstep = B_DECIDE;
}

/* Done, bottom-up or top-down: DOBFS's choice before each step. */
static void bfs_decide(struct graph *g)
{
	if (g->wstart == g->wend) {
		g->bstep = B_CLEAN;
		g->i = 0;
	} else if (g->scout > g->edges_to_check / ALPHA) {
		g->bstep = B_Q2B;
		g->i = g->wstart;
	} else {
		g->edges_to_check -= g->scout;
		g->scout = 0;
		g->bstep = B_TD;
		g->i = g->wstart;
	}
}

/* TDStep: a frontier vertex's out-neighbours, top-down. */
static void bfs_top_down(struct graph *g)
{
	g->rate = RATE_TD;
	uint32_t x = g->queue[g->i];
	R(g, g->va_b + 4 * g->i);
	uint64_t lo, n;
	const uint32_t *l = graph_list(g, x, &lo, &n);
	for (uint64_t k = lo; k < lo + n; k++) {
		uint32_t v = l[k - lo];
		R(g, g->va_nbr + 4 * k);
		R(g, g->va_a + 4ULL * v);
		int32_t cur = g->parent[v];
		if (cur < 0) {
			g->parent[v] = (int32_t)x;
			W(g, g->va_a + 4ULL * v);
			g->scout += -cur;
			g->queue[g->tail] = v;
			W(g, g->va_b + 4 * g->tail++);
		}
	}
	if (++g->i == g->wend) {
		g->wstart = g->wend;
		g->wend = g->tail;
		g->bstep = B_DECIDE;
	}
}

/* QueueToBitmap: a frontier vertex into the front bitmap. */
static void bfs_queue_to_bitmap(struct graph *g)
{
	g->rate = RATE_Q2B;
	uint32_t x = g->queue[g->i];
	R(g, g->va_b + 4 * g->i);
	g->front[x >> 6] |= 1ULL << (x & 63);
	R(g, g->va_front + 8ULL * (x >> 6));
	W(g, g->va_front + 8ULL * (x >> 6));
	if (++g->i == g->wend) {
		g->awake = (int64_t)(g->wend - g->wstart);
		g->wstart = g->wend;
		g->wend = g->tail;
		g->bstep = B_BU_RESET;
		g->i = 0;
	}
}

/* A bottom-up step clears its next bitmap, a word at a time. */
static void bfs_bottom_up_reset(struct graph *g)
{
	g->rate = RATE_BU;
	g->next[g->i] = 0;
	W(g, g->va_next + 8 * g->i);
	if (++g->i == ((uint64_t)g->nv + 63) / 64) {
		g->old_awake = g->awake;
		g->awake = 0;
		g->bstep = B_BU;
		g->i = 0;
	}
}

/* BUStep: an unvisited vertex looks for a parent in the front; at the
 * end, front and next swap, and DOBFS stays bottom-up or goes back. */
static void bfs_bottom_up(struct graph *g, uint32_t u)
{
	g->rate = RATE_BU;
	R(g, g->va_a + 4ULL * u);
	if (g->parent[u] < 0) {
		uint64_t lo, n;
		const uint32_t *l = graph_list(g, u, &lo, &n);
		for (uint64_t k = lo; k < lo + n; k++) {
			uint32_t v = l[k - lo];
			R(g, g->va_nbr + 4 * k);
			R(g, g->va_front + 8ULL * (v >> 6));
			if (bit(g->front, v)) {
				g->parent[u] = (int32_t)v;
				W(g, g->va_a + 4ULL * u);
				g->awake++;
				g->next[u >> 6] |= 1ULL << (u & 63);
				R(g, g->va_next + 8ULL * (u >> 6));
				W(g, g->va_next + 8ULL * (u >> 6));
				break;
			}
		}
	}
	if (++g->i < g->nv)
		return;
	uint64_t *t = g->front, va = g->va_front;
	g->front = g->next;
	g->next = t;
	g->va_front = g->va_next;
	g->va_next = va;
	g->i = 0;
	if (g->awake >= g->old_awake || g->awake > (int64_t)(g->nv / BETA))
		g->bstep = B_BU_RESET;
	else
		g->bstep = B_B2Q;
}

/* BitmapToQueue: the front bitmap back into the queue. */
static void bfs_bitmap_to_queue(struct graph *g, uint32_t u)
{
	g->rate = RATE_B2Q;
	R(g, g->va_front + 8ULL * (u >> 6));
	if (bit(g->front, u)) {
		g->queue[g->tail] = u;
		W(g, g->va_b + 4 * g->tail++);
	}
	if (++g->i == g->nv) {
		g->wstart = g->wend;
		g->wend = g->tail;
		g->scout = 1;
		g->bstep = B_DECIDE;
	}
}

/* DOBFS's last loop: unreached vertices to -1. */
static void bfs_clean(struct graph *g, uint32_t u)
{
	g->rate = RATE_CLEAN;
	R(g, g->va_a + 4ULL * u);
	if (g->parent[u] < -1) {
		g->parent[u] = -1;
		W(g, g->va_a + 4ULL * u);
	}
	if (++g->i == g->nv)
		g->bstep = B_DONE;
}

bool graph_bfs_step(struct graph *g)
{
	uint32_t u = (uint32_t)g->i;
	switch (g->bstep) {
	case B_INIT: bfs_init(g, u); return true;
	case B_DECIDE: bfs_decide(g); return true;
	case B_TD: bfs_top_down(g); return true;
	case B_Q2B: bfs_queue_to_bitmap(g); return true;
	case B_BU_RESET: bfs_bottom_up_reset(g); return true;
	case B_BU: bfs_bottom_up(g, u); return true;
	case B_B2Q: bfs_bitmap_to_queue(g, u); return true;
	case B_CLEAN: bfs_clean(g, u); return true;
	default: return false;
	}
}
