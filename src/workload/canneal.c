/*
 * canneal.c - PARSEC's canneal: simulated annealing of a chip's netlist to
 * shorten its wires. Elements sit on a square grid of locations; each has
 * `fanout` neighbours. A move picks two elements at random, reads both
 * elements, their locations, and every neighbour's element and location
 * (canneal chases pointers: element -> location, element -> neighbour
 * element -> its location), computes the change of total Manhattan wire
 * length if they swapped, and swaps them (two location pointers written)
 * when it shortens the wires or, at temperature T, with probability
 * exp(-delta / T). T starts at `temp` and is multiplied by 0.95 every
 * `steps` moves.
 *
 * The netlist is real and random: neighbour lists are a fixed hash of
 * (element, i), the placement an array on the host that the swaps change.
 * Element structs are 64 bytes, locations 8.
 */
#include <math.h>
#include <stdlib.h>

#include "tpt/workload.h"
#include "inspect.h"

enum { P_ELEMENTS, P_FANOUT, P_MOVES, P_TEMP, P_STEPS, P_MLP, P_KENTRY };

static const struct opt params[] = {
	WL_KEY("elements", OPT_COUNT, "400K", 16, 1ULL << 31, NULL, "netlist elements (and grid locations)"),
	WL_KEY("fanout", OPT_COUNT, "4", 1, 64, NULL, "neighbours of each element"),
	WL_KEY("moves", OPT_COUNT, "500K", 1, 1ULL << 40, NULL, "swap attempts"),
	WL_KEY("temp", OPT_DOUBLE, "2000", 1, 1000000000, NULL, "starting temperature"),
	WL_KEY("steps", OPT_COUNT, "10K", 1, 1ULL << 40, NULL, "moves per temperature step"),
	WL_KEY("mlp", OPT_DOUBLE, "1.5", 1000, 64000, NULL, "memory-level parallelism (pointer chasing)"),
	WL_KENTRY_PARAM,
	{0},
};

#define ELEM 64
#define LOC 8
#define INSTRS 10

struct canneal {
	uint64_t n, side, moves, done, steps;
	uint32_t fanout;
	uint32_t *loc; /* element -> location */
	uint64_t va_elem, va_loc, va_nbr;
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
	free(c->loc);
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
	c->loc = malloc(c->n * sizeof(*c->loc));
	w->close = canneal_close;
	if (!c->loc)
		return tpt_fail(e, "canneal: out of host memory");
	rng_seed(&c->rng, w->seed);
	wl_kentry_init(&c->kentry, w->kentry);
	/* A random initial placement: a shuffle of the locations. */
	for (uint64_t i = 0; i < c->n; i++)
		c->loc[i] = (uint32_t)i;
	for (uint64_t i = c->n - 1; i > 0; i--) {
		uint64_t j = rng_below(&c->rng, i + 1);
		uint32_t t = c->loc[i];
		c->loc[i] = c->loc[j];
		c->loc[j] = t;
	}
	c->va_elem = WL_BASE_VA;
	c->va_loc = c->va_elem + tpt_align_up(c->n * ELEM, 2 * MiB);
	c->va_nbr = c->va_loc + tpt_align_up(c->n * LOC, 2 * MiB);
	w->regions[0] = (struct region){c->va_elem, tpt_align_up(c->n * ELEM, 2 * MiB)};
	w->regions[1] = (struct region){c->va_loc, tpt_align_up(c->n * LOC, 2 * MiB)};
	w->regions[2] = (struct region){c->va_nbr, tpt_align_up(c->n * c->fanout * 4, 2 * MiB)};
	w->nregions = 3;
	wl_sweep_init(&c->ph.sweep[0], &w->regions[0], WL_INIT_PAGE, 8, 2);
	wl_sweep_init(&c->ph.sweep[1], &w->regions[2], WL_INIT_PAGE, 8, 2);
	c->ph.nsweeps = 2;
	w->expected_events = c->moves * (6 + 6 * (uint64_t)c->fanout);
	return 0;
}

/* The wire length of element x's nets, with x at location lx (y moved to ly). */
static int64_t cost(struct canneal *c, uint32_t x, uint32_t lx, uint32_t y, uint32_t ly,
		    struct event *ev, size_t *k)
{
	int64_t sum = 0;
	for (uint32_t i = 0; i < c->fanout; i++) {
		uint32_t nb = canneal_neighbour(c->n, x, i);
		uint32_t lnb = nb == y ? ly : c->loc[nb];
		if (ev) {
			ev[(*k)++] = (struct event){.type = EV_READ, .pid = 1, .size = 8, .instrs = INSTRS,
						    .va = c->va_nbr + ((uint64_t)x * c->fanout + i) * 4};
			ev[(*k)++] = (struct event){.type = EV_READ, .pid = 1, .size = 8, .instrs = INSTRS,
						    .va = c->va_elem + (uint64_t)nb * ELEM};
			ev[(*k)++] = (struct event){.type = EV_READ, .pid = 1, .size = 8, .instrs = INSTRS,
						    .va = c->va_loc + (uint64_t)nb * LOC};
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
	size_t need = 8 + 6 * (size_t)c->fanout;
	while (c->ph.phase == WL_PH_WORK && k + need <= n && c->done < c->moves) {
		uint32_t a = (uint32_t)rng_below(&c->rng, c->n), b;
		do
			b = (uint32_t)rng_below(&c->rng, c->n);
		while (b == a && c->n > 1);
		uint32_t la = c->loc[a], lb = c->loc[b];
		ev[k++] = (struct event){.type = EV_READ, .pid = 1, .size = 8, .instrs = INSTRS,
					 .va = c->va_elem + (uint64_t)a * ELEM};
		ev[k++] = (struct event){.type = EV_READ, .pid = 1, .size = 8, .instrs = INSTRS,
					 .va = c->va_loc + (uint64_t)a * LOC};
		ev[k++] = (struct event){.type = EV_READ, .pid = 1, .size = 8, .instrs = INSTRS,
					 .va = c->va_elem + (uint64_t)b * ELEM};
		ev[k++] = (struct event){.type = EV_READ, .pid = 1, .size = 8, .instrs = INSTRS,
					 .va = c->va_loc + (uint64_t)b * LOC};
		/* Before and after, over both elements' nets (reads emitted once). */
		int64_t before = cost(c, a, la, b, lb, ev, &k) + cost(c, b, lb, a, la, ev, &k);
		int64_t after = cost(c, a, lb, b, la, NULL, NULL) + cost(c, b, la, a, lb, NULL, NULL);
		int64_t delta = after - before;
		if (delta < 0 || rng_double(&c->rng) < exp(-(double)delta / c->temp)) {
			c->loc[a] = lb;
			c->loc[b] = la;
			ev[k++] = (struct event){.type = EV_WRITE, .pid = 1, .size = 8, .instrs = INSTRS,
						 .va = c->va_loc + (uint64_t)a * LOC};
			ev[k++] = (struct event){.type = EV_WRITE, .pid = 1, .size = 8, .instrs = INSTRS,
						 .va = c->va_loc + (uint64_t)b * LOC};
			c->accepted++;
		}
		if (++c->done % c->steps == 0)
			c->temp *= 0.95;
		if (wl_kentry_due(&c->kentry, INSTRS * (uint32_t)need))
			ev[k++] = (struct event){.type = EV_SYSCALL, .arg = 1, .pid = 1};
	}
	return k;
}

const struct workload_def wl_canneal = {
	.name = "canneal",
	.summary = "PARSEC canneal: simulated-annealing swaps over a pointer-linked netlist",
	.params = params,
	.state_size = sizeof(struct canneal),
	.init = canneal_init,
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
