/* SPDX-License-Identifier: MIT */
/*
 * gups.c - HPCC RandomAccess (GUPS), the sequential reference version.
 *
 * A table of 2^k 64-bit words; 128 interleaved streams of the HPCC LFSR,
 * each update `Table[ran & (size - 1)] ^= ran`: one 8-byte load and one
 * store to the same word. Warm-up is the benchmark's own table
 * initialisation (Table[i] = i). The streams start at HPCC_starts((updates /
 * 128) * j + seed), so seed 0 is the official sequence. HPCC requires a
 * power-of-two table; other sizes (the TPT paper's 129 GiB) index with
 * ran mod words instead of the mask.
 *
 * loop=chase is tpt probe's dependent loop over the same table: each step
 * one 8-byte load of a line whose address the load before gave (`p = *p`,
 * 3 instructions), so nothing overlaps: its parallelism is 1. As the
 * probe's chain, it visits every line of the table once a cycle, in a
 * random order (a keyed bijection of the line numbers); its warm-up ends
 * with a pass from the chain's head of as many steps as it measures (at
 * most one cycle), and the measured steps start from the head again: as
 * the probe's rounds do, each walking its steps from the head after an
 * untimed pass, so that fewer steps than lines touch the same lines
 * twice.
 *
 * pages=N makes the chase tpt probe's page-chase loop: one line in each of
 * N pages of the table, picked at random (a keyed bijection of the page
 * numbers, cycle-walked into the table), the i-th line at 64 i bytes into
 * its page modulo the page, so that the lines spread over the caches' sets
 * while every step lands on another page: with N beyond the TLB's reach and
 * N lines within the caches, what a step costs beyond a cache hit is the
 * walk.
 *
 * Calibrated on the reference loop itself (bench/programs/randomaccess.c,
 * gcc -O2, recorded at two numbers of updates; docs/fidelity.md): an update
 * is 13 instructions and 4 accesses, ran[j]'s load and store (the 1 KiB
 * array of the streams, on the stack) and the table word's load and store.
 */
#include "tpt/workload/workload.h"

enum { P_SIZE, P_UPDATES, P_INIT, P_LOOP, P_PAGES, P_MLP, P_KENTRY };
enum { LOOP_UPDATE, LOOP_CHASE };

static const struct opt params[] = {
	WL_KEY("size", OPT_SIZE, "1G", 4096, 1ULL << 42, NULL, "table size in bytes (a power of two as in HPCC; else indices are taken mod words)"),
	WL_KEY("updates", OPT_COUNT, "4M", 1, 1ULL << 40, NULL, "number of updates (HPCC uses 4 x table words)"),
	WL_KEY("init", OPT_ENUM, "page", 0, 0, WL_INIT_CHOICES, "warm-up: one write per page, the full Table[i] = i loop, or none"),
	WL_KEY("loop", OPT_ENUM, "update", 0, 0, "update|chase", "HPCC's independent updates, or a dependent chain of loads (tpt probe's dependent loop)"),
	WL_KEY("pages", OPT_COUNT, "0", 0, 1ULL << 30, NULL, "loop=chase: the chain visits one line in each of this many pages of the table, picked at random (tpt probe's page-chase loop); 0: every line"),
	WL_KEY("mlp", OPT_DOUBLE, "4", 1000, 64000, NULL, "updates in flight (independent: the index comes from the LFSR, not from data; estimate; [cost] mlp when measured); loop=chase: none, every load a chain (EV_CHAIN)"),
	WL_KENTRY_PARAM,
	{0},
};

#define STREAMS 128
/* The stack, where ran[] (the streams' state, 1 KiB) lives: a 2 MiB region
 * (a region holds at least one guest page of any size), of which the
 * warm-up touches ran[]'s page. */
#define STACK_VA (WL_BASE_VA - 2 * MiB)
/* An update's 13 instructions, by the access they lead to. */
#define INSTRS_RAN_LOAD 3
#define INSTRS_RAN_STORE 4
#define INSTRS_LOAD 4
#define INSTRS_STORE 2
#define INSTRS_UPDATE (INSTRS_RAN_LOAD + INSTRS_RAN_STORE + INSTRS_LOAD + INSTRS_STORE)
/* A step of the chase: the load, the count, the branch. */
#define INSTRS_CHASE 3

struct gups {
	uint64_t base, mask, words, updates, done; /* mask 0: index = ran % words */
	uint64_t ran[STREAMS];
	unsigned j;
	bool chase;
	/* The chase: lines in the chain, the bits that number them, the
	 * position in the cycle, the warm-up pass's steps left; with pages,
	 * the table's pages (0 without) and the bits that number them. */
	uint64_t lines, pos, warm_left, table_pages;
	unsigned bits, page_bits;
	struct wl_phases ph;
	struct wl_kentry kentry;
};

uint64_t gups_starts(int64_t n)
{
	while (n < 0)
		n += GUPS_PERIOD;
	while (n > GUPS_PERIOD)
		n -= GUPS_PERIOD;
	return hpcc_starts((uint64_t)n);
}

/* Line number x (bits wide) to its place in the chain: a bijection of
 * [0, 2^bits), rounds of an odd multiply, a key and an xor-shift, each
 * invertible modulo 2^bits, so that neighbouring places land in unrelated
 * cache sets and pages. */
static uint64_t chase_perm(uint64_t x, unsigned bits, uint64_t key)
{
	uint64_t mask = bits >= 64 ? ~0ULL : (1ULL << bits) - 1;
	for (int r = 0; r < 3; r++) {
		x = (x * 0x9e3779b97f4a7c15ULL + key) & mask;
		x ^= x >> ((bits + 1) / 2);
	}
	return x;
}

/* The chase's next line: the cycle's next place, skipping the places
 * beyond a table whose lines are not a power of two. */
static uint64_t chase_next(struct gups *g)
{
	uint64_t line, mask = g->bits >= 64 ? ~0ULL : (1ULL << g->bits) - 1;
	do {
		g->pos = (g->pos + 1) & mask;
		line = chase_perm(g->pos, g->bits, g->ran[0]);
	} while (line >= g->lines);
	return line;
}

/* Where line number x of the chain lies: the x-th line of the table, or
 * with pages, line x mod 64 of the x-th page picked (a bijection of the
 * table's pages, walked until it lands inside the table). */
static uint64_t chase_line_va(const struct gups *g, uint64_t x)
{
	if (!g->table_pages)
		return g->base + x * 64;
	uint64_t page = x;
	do
		page = chase_perm(page, g->page_bits, g->ran[1]);
	while (page >= g->table_pages);
	return g->base + page * PAGE_SIZE + x % (PAGE_SIZE / 64) * 64;
}

static struct event chase_event(struct gups *g)
{
	return (struct event){.va = chase_line_va(g, chase_next(g)), .instrs = INSTRS_CHASE,
			      .type = EV_READ, .size = 8 | EV_CHAIN, .pid = 1};
}

/* The warm-up's pass over the chain, after the table's initialisation. */
static size_t chase_warm(struct workload *w, struct event *ev, size_t n, bool *done)
{
	struct gups *g = w->state;
	size_t k = 0;
	for (; k < n && g->warm_left; k++, g->warm_left--)
		ev[k] = chase_event(g);
	*done = !g->warm_left;
	if (*done)
		g->pos = 0; /* the measured steps start from the head again */
	return k;
}

static int gups_init(struct workload *w, struct tpt_err *e)
{
	struct gups *g = w->state;
	uint64_t size = w->v[P_SIZE].u;
	if (size % PAGE_SIZE)
		return tpt_fail(e, "gups: size must be a whole number of 4K pages");
	g->base = WL_BASE_VA;
	g->words = size / 8;
	g->mask = tpt_is_pow2(size) ? g->words - 1 : 0;
	g->updates = w->v[P_UPDATES].u;
	g->chase = w->v[P_LOOP].u == LOOP_CHASE;
	w->independent = !g->chase;
	g->lines = size / 64;
	if (w->v[P_PAGES].u) {
		if (!g->chase)
			return tpt_fail(e, "gups: pages needs loop=chase");
		if (w->v[P_PAGES].u > size / PAGE_SIZE)
			return tpt_fail(e, "gups: pages=%llu, more than the table's %llu",
					(unsigned long long)w->v[P_PAGES].u,
					(unsigned long long)(size / PAGE_SIZE));
		g->table_pages = size / PAGE_SIZE;
		g->page_bits = tpt_log2(g->table_pages) + !tpt_is_pow2(g->table_pages);
		g->lines = w->v[P_PAGES].u;
	}
	g->bits = tpt_log2(g->lines) + !tpt_is_pow2(g->lines);
	g->warm_left = g->chase ? (g->lines < g->updates ? g->lines : g->updates) : 0;
	uint64_t per = g->updates / STREAMS;
	for (unsigned j = 0; j < STREAMS; j++)
		g->ran[j] = gups_starts((int64_t)(per * j + w->seed));
	w->regions[0] = (struct region){g->base, size};
	w->regions[1] = (struct region){STACK_VA, 2 * MiB};
	w->nregions = 2;
	wl_sweep_init(&g->ph.sweep[0], &w->regions[0], w->v[P_INIT].u, 8, 2);
	const struct region ran = {STACK_VA, STREAMS * 8};
	wl_sweep_init(&g->ph.sweep[1], &ran, w->v[P_INIT].u, 8, 2);
	g->ph.nsweeps = 2;
	if (g->chase)
		g->ph.warm = chase_warm;
	wl_kentry_init(&g->kentry, w->kentry);
	w->expected_events = (g->ph.sweep[0].end - g->ph.sweep[0].addr) / g->ph.sweep[0].stride + 1 +
			     g->warm_left + (g->chase ? 1 : 4) * g->updates;
	return 0;
}

static size_t gups_next(struct workload *w, struct event *ev, size_t n)
{
	struct gups *g = w->state;
	size_t k = wl_phases_next(&g->ph, w, ev, n);
	if (g->ph.phase != WL_PH_WORK)
		return k;
	while (k + 5 <= n && g->done < g->updates && g->chase) {
		/* The chase: the chain's next line, its first word (the next pointer). */
		ev[k++] = chase_event(g);
		if (wl_kentry_due(&g->kentry, INSTRS_CHASE))
			ev[k++] = (struct event){.type = EV_SYSCALL, .arg = 1, .pid = 1};
		g->done++;
	}
	while (k + 5 <= n && g->done < g->updates) {
		uint64_t r = gups_step(g->ran[g->j]), ran_va = STACK_VA + 8 * g->j;
		g->ran[g->j] = r;
		g->j = (g->j + 1) % STREAMS;
		uint64_t va = g->base + (g->mask ? r & g->mask : r % g->words) * 8;
		ev[k++] = (struct event){.va = ran_va, .instrs = INSTRS_RAN_LOAD, .type = EV_READ, .size = 8, .pid = 1};
		ev[k++] = (struct event){.va = ran_va, .instrs = INSTRS_RAN_STORE, .type = EV_WRITE, .size = 8, .pid = 1};
		ev[k++] = (struct event){.va = va, .instrs = INSTRS_LOAD, .type = EV_READ, .size = 8, .pid = 1};
		ev[k++] = (struct event){.va = va, .instrs = INSTRS_STORE, .type = EV_WRITE, .size = 8, .pid = 1};
		if (wl_kentry_due(&g->kentry, INSTRS_UPDATE))
			ev[k++] = (struct event){.type = EV_SYSCALL, .arg = 1, .pid = 1};
		g->done++;
	}
	return k;
}

/* Host bytes of its own: none to speak of; the table is the footprint. */
static uint64_t gups_estimate(const struct workload *w, uint64_t *footprint)
{
	*footprint = w->v[P_SIZE].u;
	return 0;
}

static uint64_t gups_events(const struct workload *w)
{
	uint64_t lines = w->v[P_PAGES].u ? w->v[P_PAGES].u : w->v[P_SIZE].u / 64, n = w->v[P_UPDATES].u;
	bool chase = w->v[P_LOOP].u == LOOP_CHASE;
	return wl_sweep_events(w->v[P_SIZE].u, w->v[P_INIT].u, 8) + 1 +
	       (chase ? (lines < n ? lines : n) + n : 4 * n);
}

const struct workload_def wl_gups = {
	.name = "gups",
	.summary = "HPCC RandomAccess: random read-modify-write of 64-bit words in a large table",
	.params = params,
	.state_size = sizeof(struct gups),
	.init = gups_init,
	.estimate = gups_estimate,
	.events = gups_events,
	.next = gups_next,
};
