/* SPDX-License-Identifier: MIT */
/*
 * canneal.c - PARSEC's canneal: simulated annealing of a chip's netlist to
 * shorten its wires. Elements sit on a square grid of locations; each has
 * `fanout` neighbours. A move keeps the last move's second element as its
 * first and picks a new second one at random (as canneal does, "so that
 * reuse should help the cache"), reads both elements' location pointers
 * and locations, and for each element every neighbour's pointer, element
 * and location (canneal chases pointers: element -> neighbour element ->
 * its location), computes the change of total Manhattan wire length if
 * they swapped, and swaps their location pointers when it shortens the
 * wires or, at temperature T, with probability exp(-delta / T). T starts
 * at `temp` and is divided by 1.5 at the start of every `steps` moves.
 *
 * Layout as canneal's: elements are 88-byte structs in one array (a name
 * string, the fan-in and fan-out vectors, the location pointer last);
 * locations 8 bytes (x, y) in grid order, so a neighbour's location is
 * where the placement puts it; neighbour lists arrays of 8-byte pointers
 * (one per element here, in element order; canneal's are separate heap
 * blocks allocated in the netlist file's order). The random generator's
 * state and the stack are a hot region of their own.
 *
 * Calibrated against canneal itself (PARSEC 3.0 source, g++ 12 -O3, one
 * thread, a 99,999-element netlist with one or two fan-ins per element,
 * 40,000 moves more in one run than the other, under callgrind): the wire
 * cost of one element is 38.2 instructions, 18 reads (at two neighbours
 * a side, 16 at one) and 4 writes, plus 31.9 instructions and 4.6 reads a
 * neighbour; the rest of a move (drawing the new element, the acceptance
 * test with its exp(), the swap) 207 instructions, 51.5 reads and 24.6
 * writes. A move with four neighbours an element is 543 instructions, 120
 * reads and 32.5 writes. The netlist is random: the neighbour count of the
 * PARSEC inputs is not known here, and `fanout=4` (two fan-ins, two
 * fan-outs on average) is an estimate.
 */
#include <math.h>
#include <stdlib.h>

#include "tpt/workload/workload.h"
#include "inspect.h"

enum { P_ELEMENTS, P_FANOUT, P_MOVES, P_TEMP, P_STEPS, P_MLP, P_KENTRY };

static const struct opt params[] = {
	WL_KEY("elements", OPT_COUNT, "400K", 16, 1ULL << 31, NULL, "netlist elements (and grid locations)"),
	WL_KEY("fanout", OPT_COUNT, "4", 1, 64, NULL, "neighbours of each element"),
	WL_KEY("moves", OPT_COUNT, "500K", 1, 1ULL << 40, NULL, "swap attempts"),
	WL_KEY("temp", OPT_DOUBLE, "2000", 1, 1000000000, NULL, "starting temperature"),
	WL_KEY("steps", OPT_COUNT, "15000", 1, 1ULL << 40, NULL, "moves per temperature step (PARSEC's inputs: 15000)"),
	WL_KEY("mlp", OPT_DOUBLE, "1.5", 1000, 64000, NULL, "accesses in flight (a move chases element and location pointers: mostly a chain; estimate)"),
	WL_KENTRY_PARAM,
	{0},
};

#define ELEM 88
#define ELEM_LOC 80   /* the location pointer in an element */
#define ELEM_FANIN 32 /* the fan-in and fan-out vectors' begin and end */
#define LOC 8
#define NBR 8

/* Hot lines: the random generator's state, then the stack. */
#define HOT_RNG 0
#define HOT_STACK 4096

/* Per element's wire cost, per neighbour, and per move around them (see
 * above): hot reads and writes, instructions in 1/256. */
#define COST_READS 18
#define COST_WRITES 4
#define MOVE_READS 46 /* besides the two elements' pointers and locations */
#define MOVE_WRITES 23 /* besides the swap's two pointers */
#define COST_INSTRS_256 (382 * 256 / 10 / (COST_READS + COST_WRITES))
#define NBR_INSTRS_256 (319 * 256 / 10 / 4)
#define MOVE_INSTRS_256 (207 * 256 / (MOVE_READS + MOVE_WRITES + 6))

struct canneal {
	uint64_t n, side, moves, done, steps;
	uint32_t fanout;
	uint32_t *loc; /* element -> location */
	uint64_t va_elem, va_loc, va_nbr, va_hot;
	uint32_t b;     /* the last move's second element, this move's first */
	uint32_t carry; /* instructions, 1/256 */
	uint32_t move_instrs; /* the instructions of the move being emitted */
	double temp;
	uint64_t accepted;
	struct rng rng;
	struct wl_kentry kentry;
	struct wl_phases ph;
};

uint32_t canneal_neighbour(uint64_t n, uint32_t e, uint32_t i)
{
	uint64_t h = ((uint64_t)e << 8 | i) * 0x9e3779b97f4a7c15ULL;
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 32;
	return (uint32_t)(h % n);
}

static int64_t dist(const struct canneal *c, uint32_t la, uint32_t lb)
{
	int64_t ax = la % c->side, ay = la / c->side, bx = lb % c->side, by = lb / c->side;
	return llabs(ax - bx) + llabs(ay - by);
}

static void canneal_close(struct workload *w)
{
	struct canneal *c = w->state;
	tpt_huge_free(c->loc, c->n * sizeof(*c->loc));
}

static int canneal_init(struct workload *w, struct tpt_err *e)
{
	struct canneal *c = w->state;
	c->n = w->v[P_ELEMENTS].u;
	c->fanout = (uint32_t)w->v[P_FANOUT].u;
	c->moves = w->v[P_MOVES].u;
	c->temp = w->v[P_TEMP].d;
	c->steps = w->v[P_STEPS].u;
	c->side = (uint64_t)ceil(sqrt((double)c->n));
	if (wl_host_memory(w, c->n * sizeof(*c->loc), e))
		return -1;
	c->loc = tpt_huge_alloc(c->n * sizeof(*c->loc)); /* shuffled and read at random */
	w->close = canneal_close;
	if (!c->loc)
		return tpt_fail_mem(e, "canneal: out of host memory");
	rng_seed(&c->rng, w->seed);
	wl_kentry_init(&c->kentry, w->kentry);
	/* A random initial placement: a shuffle of the locations (Fisher-Yates).
	 * The partners are drawn AHEAD swaps early, in the same order, and
	 * their words prefetched: the same shuffle, its random misses
	 * overlapped (a billion elements: minutes otherwise). */
	enum { AHEAD = 32 };
	uint64_t js[AHEAD];
	for (uint64_t i = 0; i < c->n; i++)
		c->loc[i] = (uint32_t)i;
	for (uint64_t k = c->n - 1; k > 0 && k + AHEAD >= c->n; k--) {
		js[k % AHEAD] = rng_below(&c->rng, k + 1);
		__builtin_prefetch(&c->loc[js[k % AHEAD]], 1);
	}
	for (uint64_t i = c->n - 1; i > 0; i--) {
		uint64_t j = js[i % AHEAD];
		if (i > AHEAD) {
			js[i % AHEAD] = rng_below(&c->rng, i - AHEAD + 1);
			__builtin_prefetch(&c->loc[js[i % AHEAD]], 1);
		}
		uint32_t t = c->loc[i];
		c->loc[i] = c->loc[j];
		c->loc[j] = t;
	}
	c->va_elem = WL_BASE_VA;
	c->va_loc = c->va_elem + tpt_align_up(c->n * ELEM, 2 * MiB);
	c->va_nbr = c->va_loc + tpt_align_up(c->side * c->side * LOC, 2 * MiB);
	c->va_hot = c->va_nbr + tpt_align_up(c->n * c->fanout * NBR, 2 * MiB);
	w->regions[0] = (struct region){c->va_elem, tpt_align_up(c->n * ELEM, 2 * MiB)};
	w->regions[1] = (struct region){c->va_loc, tpt_align_up(c->side * c->side * LOC, 2 * MiB)};
	w->regions[2] = (struct region){c->va_nbr, tpt_align_up(c->n * c->fanout * NBR, 2 * MiB)};
	w->regions[3] = (struct region){c->va_hot, 2 * MiB};
	w->nregions = 4;
	wl_sweep_init(&c->ph.sweep[0], &w->regions[0], WL_INIT_PAGE, 8, 2);
	wl_sweep_init(&c->ph.sweep[1], &w->regions[1], WL_INIT_PAGE, 8, 2);
	wl_sweep_init(&c->ph.sweep[2], &w->regions[2], WL_INIT_PAGE, 8, 2);
	c->ph.nsweeps = 3;
	c->b = (uint32_t)rng_below(&c->rng, c->n);
	c->temp /= 1.5; /* the first temperature step's */
	w->expected_events = c->moves * (MOVE_READS + MOVE_WRITES + 8 +
					 2 * (COST_READS + COST_WRITES + 4 * (uint64_t)c->fanout));
	return 0;
}

static void put(struct canneal *c, struct event *ev, size_t *k, uint8_t type, uint64_t va,
		uint32_t per_256)
{
	uint32_t instrs = wl_instrs(&c->carry, per_256);
	c->move_instrs += instrs;
	ev[(*k)++] = (struct event){.type = type, .pid = 1, .size = 8, .va = va, .instrs = instrs};
}

/* Hot accesses: reads, then writes, spread over a line of the generator's
 * state (rng) or the stack. */
static void put_hot(struct canneal *c, struct event *ev, size_t *k, unsigned reads, unsigned writes,
		    uint64_t at, uint32_t per_256)
{
	for (unsigned i = 0; i < reads + writes; i++)
		put(c, ev, k, i < reads ? EV_READ : EV_WRITE, c->va_hot + at + 8 * (i % 8), per_256);
}

/* The wire length of element x's nets, with x at location lx (y moved to
 * ly); with ev, the accesses canneal's swap_cost makes for x. */
static int64_t cost(struct canneal *c, uint32_t x, uint32_t lx, uint32_t y, uint32_t ly,
		    struct event *ev, size_t *k)
{
	int64_t sum = 0;
	if (ev) {
		/* The element's vectors; the rest on the stack. */
		for (unsigned i = 0; i < 4; i++)
			put(c, ev, k, EV_READ, c->va_elem + (uint64_t)x * ELEM + ELEM_FANIN + 8 * i,
			    COST_INSTRS_256);
		put_hot(c, ev, k, COST_READS - 4, COST_WRITES, HOT_STACK, COST_INSTRS_256);
	}
	for (uint32_t i = 0; i < c->fanout; i++) {
		uint32_t nb = canneal_neighbour(c->n, x, i);
		uint32_t lnb = nb == y ? ly : c->loc[nb];
		if (ev) {
			put(c, ev, k, EV_READ, c->va_nbr + ((uint64_t)x * c->fanout + i) * NBR, NBR_INSTRS_256);
			put(c, ev, k, EV_READ, c->va_elem + (uint64_t)nb * ELEM + ELEM_LOC, NBR_INSTRS_256);
			put(c, ev, k, EV_READ, c->va_loc + (uint64_t)lnb * LOC, NBR_INSTRS_256);
			put(c, ev, k, EV_READ, c->va_loc + (uint64_t)lnb * LOC + 4, NBR_INSTRS_256);
		}
		if (nb != x) /* a net to itself has no length */
			sum += dist(c, lx, lnb);
	}
	return sum;
}

static size_t canneal_next(struct workload *w, struct event *ev, size_t n)
{
	struct canneal *c = w->state;
	size_t k = wl_phases_next(&c->ph, w, ev, n);
	size_t need = MOVE_READS + MOVE_WRITES + 9 + 2 * (COST_READS + COST_WRITES + 4 * (size_t)c->fanout);
	while (c->ph.phase == WL_PH_WORK && k + need <= n && c->done < c->moves) {
		c->move_instrs = 0;
		uint32_t a = c->b, b;
		do
			b = (uint32_t)rng_below(&c->rng, c->n);
		while (b == a && c->n > 1);
		c->b = b;
		uint32_t la = c->loc[a], lb = c->loc[b];
		/* Drawing b (the generator's state), then both elements'
		 * location pointers and locations. */
		put_hot(c, ev, &k, MOVE_READS / 2, MOVE_WRITES / 2, HOT_RNG, MOVE_INSTRS_256);
		put(c, ev, &k, EV_READ, c->va_elem + (uint64_t)a * ELEM + ELEM_LOC, MOVE_INSTRS_256);
		put(c, ev, &k, EV_READ, c->va_elem + (uint64_t)b * ELEM + ELEM_LOC, MOVE_INSTRS_256);
		put(c, ev, &k, EV_READ, c->va_loc + (uint64_t)la * LOC, MOVE_INSTRS_256);
		put(c, ev, &k, EV_READ, c->va_loc + (uint64_t)la * LOC + 4, MOVE_INSTRS_256);
		put(c, ev, &k, EV_READ, c->va_loc + (uint64_t)lb * LOC, MOVE_INSTRS_256);
		put(c, ev, &k, EV_READ, c->va_loc + (uint64_t)lb * LOC + 4, MOVE_INSTRS_256);
		/* Before and after, over both elements' nets (reads emitted once). */
		int64_t before = cost(c, a, la, b, lb, ev, &k) + cost(c, b, lb, a, la, ev, &k);
		int64_t after = cost(c, a, lb, b, la, NULL, NULL) + cost(c, b, la, a, lb, NULL, NULL);
		int64_t delta = after - before;
		/* The acceptance test (exp() and the generator) and the loop. */
		put_hot(c, ev, &k, MOVE_READS - MOVE_READS / 2, MOVE_WRITES - MOVE_WRITES / 2, HOT_STACK,
			MOVE_INSTRS_256);
		if (delta < 0 || rng_double(&c->rng) < exp(-(double)delta / c->temp)) {
			c->loc[a] = lb;
			c->loc[b] = la;
			put(c, ev, &k, EV_WRITE, c->va_elem + (uint64_t)a * ELEM + ELEM_LOC, 0);
			put(c, ev, &k, EV_WRITE, c->va_elem + (uint64_t)b * ELEM + ELEM_LOC, 0);
			c->accepted++;
		}
		if (++c->done % c->steps == 0)
			c->temp /= 1.5;
		if (wl_kentry_due(&c->kentry, c->move_instrs))
			ev[k++] = (struct event){.type = EV_SYSCALL, .arg = 1, .pid = 1};
	}
	return k;
}

static uint64_t canneal_estimate(const struct workload *w, uint64_t *footprint)
{
	uint64_t n = w->v[P_ELEMENTS].u;
	*footprint = n * (ELEM + LOC + w->v[P_FANOUT].u * NBR);
	return n * sizeof(uint32_t);
}

static uint64_t canneal_events(const struct workload *w)
{
	return w->v[P_MOVES].u * (MOVE_READS + MOVE_WRITES + 8 +
				  2 * (COST_READS + COST_WRITES + 4 * w->v[P_FANOUT].u));
}

const struct workload_def wl_canneal = {
	.name = "canneal",
	.summary = "PARSEC canneal: simulated-annealing swaps over a pointer-linked netlist",
	.params = params,
	.state_size = sizeof(struct canneal),
	.init = canneal_init,
	.estimate = canneal_estimate,
	.events = canneal_events,
	.next = canneal_next,
};

/* For tests: total wire length of the current placement. */
int64_t canneal_wirelength(const struct workload *w)
{
	struct canneal *c = w->state;
	int64_t sum = 0;
	for (uint32_t e = 0; e < c->n; e++)
		sum += cost(c, e, c->loc[e], e, c->loc[e], NULL, NULL);
	return sum;
}
