/*
 * xsbench.c - XSBench's macroscopic cross-section lookup, unionized grid:
 * for a random energy and a material picked with XSBench's probabilities,
 * a binary search of the unionized energy grid, then for each nuclide of
 * the material one read of the index grid and of the two nuclide grid
 * points around the energy (and of its concentration).
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
#include "tpt/workload.h"
#include "inspect.h"

enum { P_ISOTOPES, P_GRIDPOINTS, P_LOOKUPS, P_INIT, P_MLP, P_KENTRY };

static const struct opt params[] = {
	WL_KEY("isotopes", OPT_COUNT, "355", 12, 100000, NULL, "isotopes (XSBench: 355 large, 68 small)"),
	WL_KEY("gridpoints", OPT_COUNT, "11303", 2, 100000000, NULL, "energy grid points per isotope"),
	WL_KEY("lookups", OPT_COUNT, "50K", 1, 1ULL << 40, NULL, "cross-section lookups"),
	WL_KEY("init", OPT_ENUM, "page", 0, 0, WL_INIT_CHOICES, "warm-up: one write per page of the grids, or none"),
	WL_KEY("mlp", OPT_DOUBLE, "4", 1000, 64000, NULL, "memory-level parallelism (independent nuclides)"),
	WL_KENTRY_PARAM,
	{0},
};

#define POINT 48 /* energy and five cross sections, doubles */
#define INSTRS 8

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
	int mat, nuc, step, probes;
	uint64_t lo, hi, idx;
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
	w->expected_events = x->lookups * 120;
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

static size_t xs_next(struct workload *w, struct event *ev, size_t n)
{
	struct xs *x = w->state;
	size_t k = wl_phases_next(&x->ph, w, ev, n);
	while (k + 2 <= n && x->ph.phase == WL_PH_WORK && x->done < x->lookups) {
		struct event *e = &ev[k];
		*e = (struct event){.type = EV_READ, .pid = 1, .size = 8, .instrs = INSTRS};
		if (x->mat < 0) {
			/* A new lookup: the energy, the material, the search bounds. */
			x->energy = rng_double(&x->rng);
			x->mat = pick_material(x);
			x->lo = 0;
			x->hi = x->n_union - 1;
			x->nuc = 0;
			x->step = 0;
			x->probes = 0;
		}
		if (x->hi - x->lo > 1) {
			/* Binary search of the unionized grid. */
			uint64_t mid = (x->lo + x->hi) / 2;
			e->va = x->va_union + 8 * mid;
			if ((double)mid + 0.5 > x->energy * (double)x->n_union)
				x->hi = mid;
			else
				x->lo = mid;
			x->probes++;
		} else {
			uint32_t nuc = x->mat_nuc[x->mat][x->nuc];
			uint64_t gi = (uint64_t)(x->energy * (double)(x->gridpoints - 1));
			if (gi > x->gridpoints - 2)
				gi = x->gridpoints - 2;
			uint64_t point = x->va_nuc + ((uint64_t)nuc * x->gridpoints + gi) * POINT;
			switch (x->step) {
			case 0: /* index grid: where this nuclide's grid stands at the energy */
				e->va = x->va_index + (x->lo * x->isotopes + nuc) * 4;
				x->idx = x->lo;
				break;
			case 1: /* the grid point below, then the one above */
				e->va = point;
				break;
			case 2:
				e->va = point + POINT;
				break;
			default: /* the nuclide's concentration in the material */
				e->va = x->va_conc + (uint64_t)(x->mat * 400 + x->nuc) * 8;
				break;
			}
			if (++x->step == 4) {
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
		if (wl_kentry_due(&x->kentry, INSTRS))
			ev[k++] = (struct event){.type = EV_SYSCALL, .arg = 1, .pid = 1};
	}
	return k;
}

const struct workload_def wl_xsbench = {
	.name = "xsbench",
	.summary = "XSBench: unionized-grid macroscopic cross-section lookups (Monte Carlo transport)",
	.params = params,
	.state_size = sizeof(struct xs),
	.init = xs_init,
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
