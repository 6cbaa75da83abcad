/* SPDX-License-Identifier: MIT */
/*
 * xsbench.c - XSBench's macroscopic cross-section lookup, unionized grid:
 * for a random energy and a material picked with XSBench's probabilities,
 * a binary search of the unionized energy grid, then for each nuclide of
 * the material its index-grid entry, the two nuclide grid points around
 * the energy, its concentration, and the running sum on the stack.
 *
 * The search's probes are a chain (each depends on the one before); the
 * nuclides' accesses overlap up to mlp.
 *
 * Calibrated against XSBench itself (github ANL-CESAR/XSBench at ba08e52,
 * openmp-threading, gcc 12 -O3, one thread, "-s large -g 1000", history
 * mode, 34,000 lookups more in one run than the other, under callgrind):
 * a lookup is 3,590 instructions, 723 reads and 245 writes; of them 58.5
 * instructions, 12 reads and 4 writes a nuclide (a large run's 55.7
 * nuclides a lookup against a small run's 15.5), 9.7 instructions a probe
 * of the search, and 154 instructions, 28 reads and 17 writes for the
 * rest (drawing energy and material, clearing and scanning the vector).
 * The generator emits those accesses, to the lines the loop touches.
 *
 * Sizes are XSBench's ("large": 355 isotopes, 11303 grid points each;
 * material 0, the fuel, has 321 nuclides, 34 in the small problem; the
 * others 5, 4, 4, 27, 21, 21, 21, 21, 21, 9, 9). The unionized grid's
 * energies are evenly spaced and each nuclide grid's too, so the binary
 * search's probes and the grid indices are computed, not stored: the index
 * grid (5.7 GiB large) and the nuclide grids need no backing, as the access
 * order depends only on the energy drawn. Warm-up is XSBench's grid
 * initialisation (one write per page of every grid).
 */
#include "tpt/workload/workload.h"
#include "inspect.h"

enum { P_ISOTOPES, P_GRIDPOINTS, P_LOOKUPS, P_INIT, P_MLP, P_KENTRY };

static const struct opt params[] = {
	WL_KEY("isotopes", OPT_COUNT, "355", 12, 100000, NULL, "isotopes (XSBench: 355 large, 68 small)"),
	WL_KEY("gridpoints", OPT_COUNT, "11303", 2, 100000000, NULL, "energy grid points per isotope"),
	WL_KEY("lookups", OPT_COUNT, "50K", 1, 1ULL << 40, NULL, "cross-section lookups"),
	WL_KEY("init", OPT_ENUM, "page", 0, 0, WL_INIT_CHOICES, "warm-up: one write per page of the grids, or none"),
	WL_KEY("mlp", OPT_DOUBLE, "4", 1000, 64000, NULL, "accesses in flight beside the search (a lookup's nuclides are independent; estimate); the search's probes are a chain (EV_CHAIN)"),
	WL_KENTRY_PARAM,
	{0},
};

#define POINT 48 /* energy and five cross sections, doubles */

/* The small tables and the stack share one region: concentrations at its
 * start (12 x 400 doubles), then the materials' nuclides, the materials'
 * probabilities, and the lookup's stack frame. */
#define MATS_OFF (64 << 10)
#define DIST_OFF (96 << 10)
#define STACK_OFF (1 * MiB)

enum { PART_PRE, PART_SEARCH, PART_NUC };

/* A lookup's own work around the search: the energy and material drawn
 * (the probabilities read), the vector cleared and scanned, the loop's
 * spills: PRE_READS reads (4 of the probability table) and PRE_WRITES
 * writes, on the stack unless said. */
#define PRE_READS 28
#define PRE_WRITES 17

static const int nucs_large[12] = {321, 5, 4, 4, 27, 21, 21, 21, 21, 21, 9, 9};
static const double mat_dist[12] = {0.140, 0.052, 0.275, 0.134, 0.154, 0.064,
				     0.066, 0.055, 0.008, 0.015, 0.025, 0.013};

struct xs {
	uint64_t isotopes, gridpoints, n_union, lookups, done;
	uint64_t va_nuc, va_union, va_index, va_conc;
	int nucs[12];
	uint32_t mat_nuc[12][400]; /* each material's nuclides */
	struct rng rng;
	struct wl_kentry kentry;
	struct wl_phases ph;
	/* the lookup in progress */
	int mat, nuc, step, part;
	uint32_t carry; /* instructions, 1/256 */
	uint64_t lo, hi, idx, gi; /* gi: the nuclide grids' point below the energy */
	double energy;
	/* for tests: the last lookup */
	uint64_t last_idx;
	int last_mat;
	double last_energy;
};

/* The unionized grid's lower index for e: E[i] = (i + 0.5) / n_union. */
static uint64_t union_index(const struct xs *x, double e)
{
	double f = e * (double)x->n_union - 0.5;
	if (f < 0)
		return 0;
	uint64_t i = (uint64_t)f;
	return i > x->n_union - 2 ? x->n_union - 2 : i;
}

static int xs_init(struct workload *w, struct tpt_err *e)
{
	struct xs *x = w->state;
	x->isotopes = w->v[P_ISOTOPES].u;
	x->gridpoints = w->v[P_GRIDPOINTS].u;
	x->n_union = x->isotopes * x->gridpoints;
	x->lookups = w->v[P_LOOKUPS].u;
	if (x->n_union * x->isotopes > (1ULL << 40) / 4)
		return tpt_fail(e, "xsbench: an index grid of %llu entries is too large",
				(unsigned long long)(x->n_union * x->isotopes));
	rng_seed(&x->rng, w->seed);
	wl_kentry_init(&x->kentry, w->kentry);
	for (int m = 0; m < 12; m++) {
		int n = m == 0 && x->isotopes == 68 ? 34 : nucs_large[m];
		x->nucs[m] = n > (int)x->isotopes ? (int)x->isotopes : n;
		/* Distinct nuclides: a random pick without repetition. */
		for (int j = 0; j < x->nucs[m]; j++) {
			uint32_t c;
			bool dup;
			do {
				c = (uint32_t)rng_below(&x->rng, x->isotopes);
				dup = false;
				for (int k = 0; k < j; k++)
					dup |= x->mat_nuc[m][k] == c;
			} while (dup);
			x->mat_nuc[m][j] = c;
		}
	}
	uint64_t nuc_bytes = x->isotopes * x->gridpoints * POINT;
	uint64_t union_bytes = x->n_union * 8, index_bytes = x->n_union * x->isotopes * 4;
	x->va_nuc = WL_BASE_VA;
	x->va_union = x->va_nuc + tpt_align_up(nuc_bytes, GiB);
	x->va_index = x->va_union + tpt_align_up(union_bytes, GiB);
	x->va_conc = x->va_index + tpt_align_up(index_bytes, GiB);
	w->regions[0] = (struct region){x->va_nuc, tpt_align_up(nuc_bytes, 2 * MiB)};
	w->regions[1] = (struct region){x->va_union, tpt_align_up(union_bytes, 2 * MiB)};
	w->regions[2] = (struct region){x->va_index, tpt_align_up(index_bytes, 2 * MiB)};
	w->regions[3] = (struct region){x->va_conc, 2 * MiB};
	w->nregions = 4;
	for (int r = 0; r < 3; r++)
		wl_sweep_init(&x->ph.sweep[r], &w->regions[r], w->v[P_INIT].u, 8, 2);
	x->ph.nsweeps = 3;
	x->mat = -1;
	w->expected_events = x->lookups * (PRE_READS + PRE_WRITES + 64 + 16 * 56);
	return 0;
}

static int pick_material(struct xs *x)
{
	double r = rng_double(&x->rng), acc = 0;
	for (int m = 0; m < 11; m++)
		if (r < (acc += mat_dist[m]))
			return m;
	return 11;
}

/*
 * One nuclide's accesses, in the order XSBench's calculate_macro_xs and
 * calculate_micro_xs make them (gcc -O3): the material's nuclide and its
 * concentration, the index grid entry (read twice), the two grid points'
 * energies and cross sections (gcc loads some in pairs: 4 loads a point),
 * and the running macroscopic vector on the stack.
 */
enum { AT_INDEX, AT_MATS, AT_CONC, AT_LOW, AT_HIGH, AT_STACK, AT_DIST };

static const struct step {
	uint8_t at, type, off;
} nuc_steps[] = {
	{AT_MATS, EV_READ, 0},	{AT_CONC, EV_READ, 0},	{AT_INDEX, EV_READ, 0},	{AT_INDEX, EV_READ, 0},
	{AT_HIGH, EV_READ, 0},	{AT_LOW, EV_READ, 0},	{AT_HIGH, EV_READ, 8},	{AT_LOW, EV_READ, 8},
	{AT_HIGH, EV_READ, 24}, {AT_LOW, EV_READ, 24},	{AT_HIGH, EV_READ, 40}, {AT_LOW, EV_READ, 40},
	{AT_STACK, EV_WRITE, 0}, {AT_STACK, EV_WRITE, 8}, {AT_STACK, EV_WRITE, 16}, {AT_STACK, EV_WRITE, 24},
};
#define NUC_STEPS (sizeof(nuc_steps) / sizeof(nuc_steps[0]))


/* Instructions in 1/256 per access of each kind (measured; see params). */
#define PRE_INSTRS_256 (154 * 256 / (PRE_READS + PRE_WRITES))
#define PROBE_INSTRS_256 (97 * 256 / 10)
#define NUC_INSTRS_256 (585 * 256 / 10 / NUC_STEPS)

static uint64_t step_va(const struct xs *x, const struct step *s)
{
	uint32_t nuc = x->mat_nuc[x->mat][x->nuc];
	uint64_t point = x->va_nuc + ((uint64_t)nuc * x->gridpoints + x->gi) * POINT;
	switch (s->at) {
	case AT_INDEX: /* where this nuclide's grid stands at the energy */
		return x->va_index + (x->lo * x->isotopes + nuc) * 4;
	case AT_MATS:
		return x->va_conc + MATS_OFF + (uint64_t)(x->mat * 400 + x->nuc) * 4;
	case AT_CONC:
		return x->va_conc + (uint64_t)(x->mat * 400 + x->nuc) * 8;
	case AT_LOW:
		return point + s->off;
	case AT_HIGH:
		return point + POINT + s->off;
	default:
		return x->va_conc + STACK_OFF + s->off;
	}
}

static size_t xs_next(struct workload *w, struct event *ev, size_t n)
{
	struct xs *x = w->state;
	size_t k = wl_phases_next(&x->ph, w, ev, n);
	while (k + 2 <= n && x->ph.phase == WL_PH_WORK && x->done < x->lookups) {
		struct event *e = &ev[k];
		*e = (struct event){.type = EV_READ, .pid = 1, .size = 8};
		if (x->mat < 0) {
			/* A new lookup: the energy, the material, the search bounds. */
			x->energy = rng_double(&x->rng);
			x->mat = pick_material(x);
			/* Each nuclide grid's point below the energy (evenly spaced). */
			x->gi = (uint64_t)(x->energy * (double)(x->gridpoints - 1));
			if (x->gi > x->gridpoints - 2)
				x->gi = x->gridpoints - 2;
			x->lo = 0;
			x->hi = x->n_union - 1;
			x->nuc = 0;
			x->step = 0;
			x->part = PART_PRE;
		}
		if (x->part == PART_SEARCH && x->hi - x->lo <= 1)
			x->part = PART_NUC;
		if (x->part == PART_PRE) {
			/* The lookup's own work, before its search. */
			int s = x->step++;
			if (s < 4) {
				e->va = x->va_conc + DIST_OFF + 8 * (uint64_t)s;
			} else if (s < PRE_READS) {
				e->va = x->va_conc + STACK_OFF + 8 * (uint64_t)(s % 16);
			} else {
				e->type = EV_WRITE;
				e->va = x->va_conc + STACK_OFF + 8 * (uint64_t)(s % 16);
			}
			e->instrs = wl_instrs(&x->carry, PRE_INSTRS_256);
			if (x->step == PRE_READS + PRE_WRITES) {
				x->step = 0;
				x->part = PART_SEARCH;
			}
		} else if (x->part == PART_SEARCH) {
			/* Binary search of the unionized grid. */
			uint64_t mid = (x->lo + x->hi) / 2;
			e->va = x->va_union + 8 * mid;
			e->size = 8 | EV_CHAIN; /* where it looks depends on what it found */
			e->instrs = wl_instrs(&x->carry, PROBE_INSTRS_256);
			if ((double)mid + 0.5 > x->energy * (double)x->n_union)
				x->hi = mid;
			else
				x->lo = mid;
		} else {
			const struct step *s = &nuc_steps[x->step];
			e->type = s->type;
			e->va = step_va(x, s);
			e->instrs = wl_instrs(&x->carry, NUC_INSTRS_256);
			if (++x->step == NUC_STEPS) {
				x->step = 0;
				if (++x->nuc == x->nucs[x->mat]) {
					x->last_idx = x->lo;
					x->last_mat = x->mat;
					x->last_energy = x->energy;
					x->mat = -1;
					x->done++;
				}
			}
		}
		k++;
		if (wl_kentry_due(&x->kentry, e->instrs))
			ev[k++] = (struct event){.type = EV_SYSCALL, .arg = 1, .pid = 1};
	}
	return k;
}

static uint64_t xs_estimate(const struct workload *w, uint64_t *footprint)
{
	uint64_t n = w->v[P_ISOTOPES].u, g = w->v[P_GRIDPOINTS].u;
	*footprint = n * g * (POINT + 8 + 4 * n);
	return 0;
}

static uint64_t xs_events(const struct workload *w)
{
	return w->v[P_LOOKUPS].u * (PRE_READS + PRE_WRITES + 64 + 16 * 56);
}

const struct workload_def wl_xsbench = {
	.name = "xsbench",
	.summary = "XSBench: unionized-grid macroscopic cross-section lookups (Monte Carlo transport)",
	.params = params,
	.state_size = sizeof(struct xs),
	.init = xs_init,
	.estimate = xs_estimate,
	.events = xs_events,
	.next = xs_next,
};

uint64_t xsbench_union_index(const struct workload *w, double energy)
{
	return union_index(w->state, energy);
}

void xsbench_last(const struct workload *w, double *energy, int *mat, uint64_t *idx)
{
	const struct xs *x = w->state;
	*energy = x->last_energy;
	*mat = x->last_mat;
	*idx = x->last_idx;
}
