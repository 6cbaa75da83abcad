/* SPDX-License-Identifier: MIT */
/*
 * calib.c - the model on tpt probe's rows, and the cost model's terms
 * solved from them (calib.h). The DRAM latency and the fault cost are
 * solved where the model is linear in them (two runs of a dependent chain;
 * one first touch), the parallelism by bisection on the independent loop's
 * counters, the walker count as the one that brings the 4K loop nearest; an
 * event's cost is its measured time. A row that calibrates a term agrees
 * with the model by construction (the walkers' row only as near as a whole
 * count allows), and is marked so.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tpt/calib/calib.h"
#include "tpt/base/cost.h"
#include "tpt/base/version.h"
#include "tpt/scheme/scheme.h"

/* --- the model ------------------------------------------------------------- */

/* The rows the simulator runs: the loops, and natively first touch and
 * churn; the others are events, whose model is the cost model's charge. */
static bool simulated(const struct probe_row *x)
{
	return probe_loop_on_buffer(x->loop) ||
	       (x->where == WHERE_NATIVE && (x->loop == LOOP_FIRST_TOUCH || x->loop == LOOP_CHURN));
}

/* The scheme and pages that translate row x on this machine (calib.h). */
static const struct scheme *row_scheme(const struct calib *c, const struct probe_row *x,
				       unsigned *gs, unsigned *hs)
{
	unsigned backing = x->thp ? 21 : 12;
	if (x->where == WHERE_NATIVE) {
		/* A host whose MMU walks the outer hypervisor's software shadow of
		 * its tables: a loop's walks are the shadow's, its leaves the
		 * smaller of the page and the outer's, through the outer's nested
		 * paging (as this host's own guests under kvm_pvm, below). Its
		 * kernel still faults a huge page in once: first touch and churn
		 * keep the page. */
		bool shadow = c->h->in_vm && c->h->shadowed && probe_loop_on_buffer(x->loop) &&
			      c->outer_shift < x->page_shift;
		*gs = shadow ? c->outer_shift : x->page_shift;
		*hs = c->outer_shift;
		return scheme_find(c->h->in_vm ? "nested" : "native");
	}
	if (host_nested_paging(c->h)) {
		*gs = x->page_shift;
		*hs = backing;
		return scheme_find("nested");
	}
	unsigned shadow = x->page_shift < backing ? x->page_shift : backing;
	if (c->h->in_vm) {
		*gs = shadow;
		*hs = c->outer_shift;
		return scheme_find("nested");
	}
	*gs = x->page_shift;
	*hs = backing;
	return scheme_find("shadow");
}

/* The workload a loop row runs in the model, and what one unit of it is. */
static double row_spec(const struct calib *c, const struct probe_row *x, char *spec, size_t len)
{
	const struct probe_params *p = c->p;
	switch (x->loop) {
	case LOOP_INDEPENDENT:
		snprintf(spec, len, "gups:size=%llu,updates=%llu", (unsigned long long)x->size,
			 (unsigned long long)p->updates);
		return (double)p->updates;
	case LOOP_DEPENDENT:
		snprintf(spec, len, "gups:size=%llu,updates=%llu,loop=chase", (unsigned long long)x->size,
			 (unsigned long long)p->steps);
		return (double)p->steps;
	case LOOP_PAGE_CHASE:
		snprintf(spec, len, "gups:size=%llu,updates=%llu,loop=chase,pages=%llu",
			 (unsigned long long)x->size, (unsigned long long)p->steps,
			 (unsigned long long)x->pages);
		return (double)p->steps;
	case LOOP_FIRST_TOUCH:
		snprintf(spec, len, "churn:region=%llu,rounds=1,work=0", (unsigned long long)p->touch);
		return (double)(p->touch >> x->page_shift);
	default:
		snprintf(spec, len, "churn:region=2M,rounds=%llu,work=0",
			 (unsigned long long)(p->touch / (2 * MiB)));
		return (double)(p->touch / PAGE_SIZE);
	}
}

/* Simulates the loop rows among idx[0..n) under cfg: their model ns, and
 * their results in keep (the caller frees them) when it is not NULL. 0, or
 * the runs' status. The machine measured has run long: its free lists hand
 * out 4K frames scattered (the same chain over 1 MiB, allocated afresh,
 * took 5.8 to 7.0 ns a step on one host, which frames in address order
 * cannot give), so the model's do too (frame_order). */
static int simulate(const struct calib *c, const struct tpt_config *cfg, const size_t *idx,
		    size_t n, double *ns, struct tpt_result *keep)
{
	struct calib_run runs[CALIB_MAX_ROWS];
	struct tpt_result res[CALIB_MAX_ROWS];
	double units[CALIB_MAX_ROWS];
	memset(res, 0, sizeof(res));
	for (size_t i = 0; i < n; i++) {
		const struct probe_row *x = &c->rows[idx[i]];
		runs[i] = (struct calib_run){.seed = c->p->seed, .res = &res[i]};
		units[i] = row_spec(c, x, runs[i].spec, sizeof(runs[i].spec));
		runs[i].sc = row_scheme(c, x, &runs[i].guest_shift, &runs[i].host_shift);
	}
	/* A host that is itself a guest had its memory backed by the outer
	 * hypervisor long ago: no outer EPT violations. */
	struct tpt_config run_cfg = *cfg;
	if (c->h->in_vm)
		run_cfg.prefault = 1;
	run_cfg.frame_order = FRAMES_SCATTERED;
	int rc = c->run(c->arg, runs, n, &run_cfg);
	for (size_t i = 0; i < n; i++) {
		if (!rc)
			ns[i] = res[i].cost.total / units[i] / cfg->clock_ghz;
		if (keep)
			keep[i] = res[i];
		else
			result_free(&res[i]);
	}
	return rc;
}

/* One loop row simulated under cfg: its model ns (and its result in keep). */
static int simulate_one(const struct calib *c, const struct tpt_config *cfg,
			const struct probe_row *x, double *ns, struct tpt_result *keep)
{
	size_t i = (size_t)(x - c->rows);
	return simulate(c, cfg, &i, 1, ns, keep);
}

const struct probe_row *calib_find_size(const struct calib *c, enum probe_where w, enum probe_loop l,
					unsigned shift, uint64_t size)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->rows[i].where == w && c->rows[i].loop == l && c->rows[i].page_shift == shift &&
		    c->rows[i].size == size)
			return &c->rows[i];
	return NULL;
}

const struct probe_row *calib_find(const struct calib *c, enum probe_where w, enum probe_loop l,
				   unsigned shift)
{
	return calib_find_size(c, w, l, shift, probe_loop_on_buffer(l) ? c->p->size : 0);
}

/* What the cost model charges one event row, in ns. */
static double event_ns(const struct calib *c, const struct probe_row *x, const struct tpt_config *cfg)
{
	bool trapping = !host_nested_paging(c->h); /* shadow paging */
	double exit = cfg->exit_cycles, g = cfg->clock_ghz;
	const struct probe_row *nat = calib_find(c, WHERE_NATIVE, LOOP_PT_WRITE, 12);
	switch (x->loop) {
	case LOOP_EXIT: return exit / g;
	case LOOP_CR3_SWITCH: return cfg->cr3_cycles / g;
	case LOOP_SHADOW_FILL: return (exit + cfg->shadow_fill_cycles) / g;
	case LOOP_FIRST_TOUCH: {
		/* The host clears the huge page it backs the touched page with:
		 * its frames beyond the first (the exit's cost holds one). */
		double frames = x->thp ? (double)((1ULL << (21 - PAGE_SHIFT)) - 1) * x->thp_share : 0;
		return (exit + (trapping ? cfg->shadow_fill_cycles : cfg->ept_violation_cycles) +
			frames * cfg->clear_frame_cycles) / g;
	}
	case LOOP_PT_WRITE:
	case LOOP_PD_WRITE:
		if (x->where == WHERE_NATIVE)
			return x->ns; /* ordinary memory: the baseline, not modelled */
		/* A leaf table out of sync takes stores (its one trapped write in
		 * a round of thousands is left out). */
		if (x->loop == LOOP_PT_WRITE && cfg->shadow_unsync)
			trapping = false;
		return (nat ? nat->ns : 0) + (trapping ? (exit + cfg->pt_write_cycles) / g : 0);
	default: return 0;
	}
}

int calib_model(struct calib *c, const struct tpt_config *cfg)
{
	size_t idx[CALIB_MAX_ROWS] = {0}, n = 0;
	c->l1d_replacement = cfg->l1d_replacement;
	c->l2_replacement = cfg->l2_replacement;
	c->llc_replacement = cfg->llc_replacement;
	double ns[CALIB_MAX_ROWS] = {0};
	for (size_t i = 0; i < c->n; i++) {
		if (simulated(&c->rows[i]))
			idx[n++] = i;
		else
			c->model_ns[i] = event_ns(c, &c->rows[i], cfg);
	}
	int rc = n ? simulate(c, cfg, idx, n, ns, NULL) : 0;
	for (size_t k = 0; !rc && k < n; k++)
		c->model_ns[idx[k]] = ns[k];
	return rc;
}

/* Whether a model's ns is within tolerance of the measured ns. */
static bool within_tolerance(double model, double measured, double tolerance)
{
	return model > 0 && fabs(model / measured - 1) <= tolerance;
}

const char *calib_judge(double model, double measured, double noise, double tolerance)
{
	if (noise > 1 + tolerance)
		return "noisy";
	return within_tolerance(model, measured, tolerance) ? "within" : "off";
}

const char *calib_verdict(const struct calib *c, size_t i)
{
	const struct probe_row *x = &c->rows[i];
	double m = c->model_ns[i];
	if (m <= 0 || x->ns <= 0 || (x->where == WHERE_NATIVE && x->loop == LOOP_PT_WRITE))
		return "";
	return calib_judge(m, x->ns, x->noise, CALIB_TOLERANCE);
}

bool calib_noisy(const struct probe_row *x)
{
	return x->noise > 1 + CALIB_TOLERANCE;
}

/* --- the fragment ---------------------------------------------------------- */

/* Appends "; " lines of comment, wrapped at words to fit a config line. */
static size_t comment(char *out, size_t len, const char *text)
{
	size_t o = 0;
	while (*text && o + 4 < len) {
		size_t n = strlen(text);
		if (n > 96) {
			n = 96;
			while (n > 40 && text[n] != ' ')
				n--;
		}
		o += (size_t)snprintf(out + o, len - o, "; %.*s\n", (int)n, text);
		text += n;
		while (*text == ' ')
			text++;
	}
	return o < len ? o : len;
}

void calib_note(struct calib_fragment *f, const char *sec, const char *key, const char *value,
		const char *why)
{
	if (f->n == ARRAY_LEN(f->line))
		return;
	char *l = f->line[f->n++];
	size_t len = sizeof(f->line[0]);
	size_t o = (size_t)snprintf(l, len, "%s\n", sec);
	o += comment(l + o, len - o, why);
	if (key && o < len)
		snprintf(l + o, len - o, "%s = %s\n", key, value);
}

/* A calibrated value into the fragment, and the row it came from marked. */
static void record(struct calib *c, struct calib_fragment *f, const struct probe_row *x,
		   const char *sec, const char *key, const char *value, const char *why)
{
	calib_note(f, sec, key, value, why);
	c->calibrates[x - c->rows] = key;
}

/* A cycle count set in the fragment with its reason, from the row x. */
static void record_cycles(struct calib *c, struct calib_fragment *f, const struct probe_row *x,
			  const char *key, uint32_t v, const char *why)
{
	char s[16];
	snprintf(s, sizeof(s), "%u", v);
	record(c, f, x, "[cost]", key, s, why);
}

/* Cycles as the configuration holds them: rounded, and 0 for a cost the
 * measurement puts below nothing. */
static uint32_t cycles_of(double x)
{
	return x < 0 ? 0 : (uint32_t)(x + 0.5);
}

/* A simulated row's ns under cfg with its processes at parallelism mlp:
 * the cost model alone, on the run's counters (walk and data latencies do
 * not depend on mlp or the walker count). */
static double recost_ns(const struct calib *c, const struct probe_row *x,
			const struct tpt_result *r, const struct tpt_config *cfg, double mlp)
{
	char spec[160];
	double t = 0, units = row_spec(c, x, spec, sizeof(spec));
	for (unsigned i = 0; i < r->nprocs; i++) {
		struct tpt_cost k;
		cost_compute(&r->procs[i].st, cfg, mlp, &k);
		t += k.total;
	}
	return t / units / cfg->clock_ghz;
}

/* --- the terms, each from its row ------------------------------------------ */

/* The data caches' sizes and ways, as this CPU reports them (sysfs, else
 * CPUID), where the model can take them (a power-of-two number of sets);
 * a level it does not report keeps the model's, and the fragment says why. */
static void fit_caches(struct calib *c, struct tpt_config *cfg, struct calib_fragment *f)
{
	static const char *const name[3] = {"L1D", "L2", "last-level cache"};
	static const char *const size_key[3] = {"l1d_size", "l2_size", "llc_size"};
	static const char *const ways_key[3] = {"l1d_ways", "l2_ways", "llc_ways"};
	uint64_t *size[3] = {&cfg->l1d_size, &cfg->l2_size, &cfg->llc_size};
	uint32_t *ways[3] = {&cfg->l1d_ways, &cfg->l2_ways, &cfg->llc_ways};
	for (int l = 0; l < 3; l++) {
		uint64_t b = c->h->cache_size[l], w = c->h->cache_ways[l];
		const char *src = c->h->cache_src[l];
		char v[32], why[320];
		if (!b || !w) {
			snprintf(why, sizeof(why), "%s%s: the model keeps its own %s, %llu KiB %u-way",
				 src[0] ? src : "neither sysfs nor CPUID describes this CPU's ", src[0] ? "" : name[l],
				 name[l], (unsigned long long)(*size[l] / KiB), *ways[l]);
			calib_note(f, "[cache]", NULL, NULL, why);
			continue;
		}
		if (b % 64 || (b / 64) % w || !tpt_is_pow2(b / 64 / w)) {
			snprintf(why, sizeof(why), "this CPU's %s (%s): %llu KiB, %llu ways, not a power-of-two "
				 "number of sets; the model keeps its own", name[l], src,
				 (unsigned long long)(b / KiB), (unsigned long long)w);
			calib_note(f, "[cache]", NULL, NULL, why);
			continue;
		}
		*size[l] = b;
		*ways[l] = (uint32_t)w;
		snprintf(v, sizeof(v), "%lluK", (unsigned long long)(b / KiB));
		snprintf(why, sizeof(why), "this CPU's %s, as reported by %s%s", name[l], src,
			 l == 2 ? " (shared: other tenants of a shared host may hold part of it)" : "");
		calib_note(f, "[cache]", size_key[l], v, why);
		snprintf(v, sizeof(v), "%llu", (unsigned long long)w);
		calib_note(f, "[cache]", ways_key[l], v, "its associativity, the same");
	}
}

/* A term of the cost model the rows solve for, each linear in the row
 * that calibrates it: the CPI, the latencies in the order of the levels,
 * and the clearing of a huge page's frames. */
enum term { T_BASE_CPI, T_L1D, T_L2, T_LLC, T_DRAM, T_CLEAR };

static double term_get(const struct tpt_config *cfg, enum term t)
{
	switch (t) {
	case T_BASE_CPI: return cfg->base_cpi;
	case T_L1D: return cfg->l1d_latency;
	case T_L2: return cfg->l2_latency;
	case T_LLC: return cfg->llc_latency;
	case T_DRAM: return cfg->dram_latency;
	case T_CLEAR: return cfg->clear_frame_cycles;
	}
	return 0;
}

/* Sets term t to v, no lower than the level above it allows (a latency at
 * least one cycle beyond the nearer level's; a CPI of at least 0.05; a
 * clearing of no less than nothing). */
static void term_set(struct tpt_config *cfg, enum term t, double v)
{
	double lo = t == T_BASE_CPI ? 0.05 : t == T_CLEAR ? 0 : t == T_L1D ? 1 :
		    term_get(cfg, (enum term)(t - 1)) + 1;
	v = v < lo ? lo : v;
	switch (t) {
	case T_BASE_CPI: cfg->base_cpi = round(v * 1000) / 1000; break;
	case T_L1D: cfg->l1d_latency = (uint32_t)(v + 0.5); break;
	case T_L2: cfg->l2_latency = (uint32_t)(v + 0.5); break;
	case T_LLC: cfg->llc_latency = (uint32_t)(v + 0.5); break;
	case T_DRAM: cfg->dram_latency = (uint32_t)(v + 0.5); break;
	case T_CLEAR: cfg->clear_frame_cycles = (uint32_t)(v + 0.5); break;
	}
}

/* Term t solved on row x: two runs of the model, step apart, give the
 * slope; the value at which the model takes as long as x measured. */
static int fit_linear(struct calib *c, struct tpt_config *cfg, struct calib_fragment *f,
		      const struct probe_row *x, enum term t, const char *sec, const char *key,
		      const char *what)
{
	static const double step[] = {[T_BASE_CPI] = 1, [T_L1D] = 10, [T_L2] = 20, [T_LLC] = 50, [T_DRAM] = 100,
				      [T_CLEAR] = 1000};
	static const char *const noun[] = {[T_BASE_CPI] = "CPI", [T_L1D] = "latency", [T_L2] = "latency",
					   [T_LLC] = "latency", [T_DRAM] = "latency",
					   [T_CLEAR] = "clearing of each 4 KiB frame beyond the first"};
	double m0, m1, v0 = term_get(cfg, t);
	char v[32], why[320];
	int rc = simulate_one(c, cfg, x, &m0, NULL);
	term_set(cfg, t, v0 + step[t]);
	double v1 = term_get(cfg, t);
	if (rc || (rc = simulate_one(c, cfg, x, &m1, NULL)))
		return rc;
	double slope = (m1 - m0) / (v1 - v0);
	term_set(cfg, t, slope > 0 ? v0 + (x->ns - m0) / slope : v0);
	snprintf(v, sizeof(v), t == T_BASE_CPI ? "%.3f" : "%.0f", term_get(cfg, t));
	snprintf(why, sizeof(why), "%s: %.1f ns (spread %.2f%s); the %s with which the model takes as long",
		 what, x->ns, x->spread, calib_noisy(x) ? ", noisy: an uncertain value" : "",
		 noun[t]);
	record(c, f, x, sec, key, v, why);
	return 0;
}

/* The sweep's chain that a cache level holds: the largest of at most
 * limit bytes and beyond the level above's size, or NULL. */
static const struct probe_row *sweep_row(const struct calib *c, uint64_t above, uint64_t limit)
{
	const struct probe_row *best = NULL;
	for (uint64_t s = PROBE_SWEEP_MIN; s < c->p->size; s *= 4) {
		const struct probe_row *x = calib_find_size(c, WHERE_NATIVE, LOOP_DEPENDENT, 21, s);
		if (x && s <= limit && s > above)
			best = x;
	}
	return best;
}

/* The core without misses (the independent loop over the L1 table), then
 * each level's latency on the sweep's chain it holds (a private level's
 * within half of it, the shared last level's within a quarter), and the
 * DRAM latency on the dependent loop at --size, each level's after the
 * nearer one's. */
static int fit_latencies(struct calib *c, struct tpt_config *cfg, struct calib_fragment *f)
{
	const struct probe_row *base = calib_find_size(c, WHERE_NATIVE, LOOP_INDEPENDENT, 21, PROBE_SWEEP_MIN);
	const struct probe_row *l1 = sweep_row(c, 0, cfg->l1d_size / 2);
	const struct probe_row *l2 = sweep_row(c, cfg->l1d_size, cfg->l2_size / 2);
	const struct probe_row *llc = sweep_row(c, cfg->l2_size, cfg->llc_size / 4);
	const struct probe_row *dep = calib_find(c, WHERE_NATIVE, LOOP_DEPENDENT, 21);
	char what[160];
	int rc = 0;
	if (base && !rc)
		rc = fit_linear(c, cfg, f, base, T_BASE_CPI, "[cost]", "base_cpi",
				"the native independent (gups) loop over a 16 KiB table, which the L1 holds");
	snprintf(what, sizeof(what), "the native dependent loop on 2M pages over %llu KiB, which the L1 holds",
		 (unsigned long long)(l1 ? l1->size / KiB : 0));
	if (l1 && !rc)
		rc = fit_linear(c, cfg, f, l1, T_L1D, "[cache]", "l1d_latency", what);
	snprintf(what, sizeof(what), "the same over %llu KiB, which the L2 holds",
		 (unsigned long long)(l2 ? l2->size / KiB : 0));
	if (l2 && !rc)
		rc = fit_linear(c, cfg, f, l2, T_L2, "[cache]", "l2_latency", what);
	snprintf(what, sizeof(what), "the same over %llu KiB, which the last level holds",
		 (unsigned long long)(llc ? llc->size / KiB : 0));
	if (llc && !rc)
		rc = fit_linear(c, cfg, f, llc, T_LLC, "[cache]", "llc_latency", what);
	if (dep && !rc)
		rc = fit_linear(c, cfg, f, dep, T_DRAM, "[cache]", "dram_latency",
				"the native dependent loop on 2M pages over --size");
	return rc;
}

/* The parallelism bisected for on a result's counters, with the walkers
 * cfg has: the mlp at which the model takes ns (the model falls as it
 * rises), or 0 when even 64 in flight take longer. */
static double solve_mlp(const struct calib *c, const struct probe_row *x, const struct tpt_result *r,
			struct tpt_config *cfg)
{
	double lo = 1, hi = 64;
	if (x->ns < recost_ns(c, x, r, cfg, hi))
		return 0;
	if (x->ns >= recost_ns(c, x, r, cfg, lo))
		return 1;
	for (int i = 0; i < 50; i++) {
		double mid = (lo + hi) / 2;
		if (recost_ns(c, x, r, cfg, mid) > x->ns)
			lo = mid;
		else
			hi = mid;
	}
	return (lo + hi) / 2;
}

/* The parallelism and the walker count together: for each count of
 * walkers, the mlp with which the independent loop on 2M pages takes as
 * long as measured; of those, the pair that brings the walk-heavy loop on
 * 4K pages nearest. Up to 64 in flight: a core may keep more misses going
 * than the default's fill buffers, and then the buffers are raised too. */
static int fit_mlp(struct calib *c, struct tpt_config *cfg, struct calib_fragment *f)
{
	const struct probe_row *ind = calib_find(c, WHERE_NATIVE, LOOP_INDEPENDENT, 21);
	const struct probe_row *ind4 = calib_find(c, WHERE_NATIVE, LOOP_INDEPENDENT, 12);
	if (!ind)
		return 0;
	struct tpt_result r, r4;
	double m;
	int rc = simulate_one(c, cfg, ind, &m, &r);
	if (rc)
		return rc;
	if (ind4 && (rc = simulate_one(c, cfg, ind4, &m, &r4))) {
		result_free(&r);
		return rc;
	}
	uint32_t buffers = cfg->miss_buffers, given = cfg->walkers, best_w = 0;
	double best_mlp = 0, err = 1e300;
	cfg->miss_buffers = 64;
	for (uint32_t w = ind4 ? 1 : given; w <= (ind4 ? 16 : given); w++) {
		cfg->walkers = w;
		double mlp = solve_mlp(c, ind, &r, cfg);
		if (mlp <= 0)
			continue;
		double d = ind4 ? fabs(log(recost_ns(c, ind4, &r4, cfg, mlp) / ind4->ns)) : 0;
		if (d < err - 1e-9) {
			err = d;
			best_w = w;
			best_mlp = mlp;
		}
	}
	result_free(&r);
	if (ind4)
		result_free(&r4);
	char v[32], why[320];
	if (!best_w) {
		cfg->mlp = 0;
		cfg->walkers = given;
		cfg->miss_buffers = buffers;
		snprintf(why, sizeof(why), "mlp left to the workloads: the native independent loop on 2M "
			 "pages takes %.1f ns an update, less than the model with 64 accesses in flight and "
			 "any number of walkers", ind->ns);
		calib_note(f, "[cost]", NULL, NULL, why);
		return 0;
	}
	cfg->mlp = round(best_mlp * 100) / 100;
	cfg->walkers = best_w;
	cfg->miss_buffers = buffers > cfg->mlp ? buffers : (uint32_t)ceil(cfg->mlp);
	snprintf(v, sizeof(v), "%.2f", cfg->mlp);
	snprintf(why, sizeof(why), "the native independent (gups) loop on 2M pages: %.1f ns an "
		 "update (spread %.2f%s); the parallelism with which the model takes as long, with the "
		 "walkers below", ind->ns, ind->spread, calib_noisy(ind) ? ", noisy: an uncertain value" : "");
	record(c, f, ind, "[cost]", "mlp", v, why);
	if (cfg->miss_buffers != buffers) {
		snprintf(v, sizeof(v), "%u", cfg->miss_buffers);
		snprintf(why, sizeof(why), "raised from %u: this core keeps at least the %.2f misses of "
			 "the independent loop in flight", buffers, cfg->mlp);
		calib_note(f, "[cost]", "miss_buffers", v, why);
	}
	if (ind4) {
		snprintf(why, sizeof(why), "the native independent loop on 4K pages: %.1f ns an update "
			 "(spread %.2f); with mlp, the walkers with which the model comes nearest (was %u)",
			 ind4->ns, ind4->spread, given);
		record_cycles(c, f, ind4, "walkers", best_w, why);
	}
	return 0;
}

/* The guest fault: the model is linear in it on the native first touch of
 * 4K pages; then the clearing of a huge page's other frames, fitted on the
 * first touch of 2M pages as every linear term is. */
static int fit_fault(struct calib *c, struct tpt_config *cfg, struct calib_fragment *f)
{
	const struct probe_row *ft = calib_find(c, WHERE_NATIVE, LOOP_FIRST_TOUCH, 12);
	const struct probe_row *ft2 = calib_find(c, WHERE_NATIVE, LOOP_FIRST_TOUCH, 21);
	char why[320];
	double m;
	int rc;
	if (ft) {
		if ((rc = simulate_one(c, cfg, ft, &m, NULL)))
			return rc;
		cfg->guest_fault_cycles = cycles_of(cfg->guest_fault_cycles + (ft->ns - m) * c->h->ghz);
		snprintf(why, sizeof(why), "native first touch of 4K pages: %.0f ns a page (spread %.2f), "
			 "less the model's other costs of a touch", ft->ns, ft->spread);
		record_cycles(c, f, ft, "guest_fault_cycles", cfg->guest_fault_cycles, why);
	}
	/* Only where the kernel gave the buffer huge pages: else the row
	 * measured 4K faults. */
	if (!ft2 || ft2->thp_share < 0.5)
		return 0;
	snprintf(why, sizeof(why), "native first touch of 2M pages (THP, %.0f %% of the buffer), a page",
		 100 * ft2->thp_share);
	return fit_linear(c, cfg, f, ft2, T_CLEAR, "[cost]", "clear_frame_cycles", why);
}

/* The guest's events: an exit, a shadow fill or EPT violation beyond it, a
 * page-directory write beyond ordinary memory and an exit, a CR3 load. The
 * last two only where the host shadows (they trap only there). */
static void fit_events(struct calib *c, struct tpt_config *cfg, struct calib_fragment *f)
{
	double g = c->h->ghz, exit = cfg->exit_cycles;
	bool shadow = !host_nested_paging(c->h);
	char why[320];
	const struct probe_row *ex = calib_find(c, WHERE_VM, LOOP_EXIT, 12);
	if (ex) {
		exit = ex->ns * g;
		cfg->exit_cycles = cycles_of(exit);
		snprintf(why, sizeof(why), "a guest store KVM hands to an ioeventfd in the kernel: %.0f ns "
			 "(spread %.2f), decoding the store included", ex->ns, ex->spread);
		record_cycles(c, f, ex, "exit_cycles", cfg->exit_cycles, why);
	}
	const struct probe_row *sf = calib_find(c, WHERE_VM, shadow ? LOOP_SHADOW_FILL : LOOP_FIRST_TOUCH, 12);
	if (sf) {
		double h = sf->ns * g - exit;
		uint32_t *dst = shadow ? &cfg->shadow_fill_cycles : &cfg->ept_violation_cycles;
		*dst = cycles_of(h);
		snprintf(why, sizeof(why), "a guest's first touch of a page %s: %.0f ns (spread %.2f), less the exit%s",
			 shadow ? "the host has backed (a shadow fill)" : "(an EPT violation)", sf->ns, sf->spread,
			 h < 0 ? "; it took less than the exit, whose store the host decodes and emulates: "
				 "exit_cycles overstates a bare exit by about the difference" : "");
		record_cycles(c, f, sf, shadow ? "shadow_fill_cycles" : "ept_violation_cycles", *dst, why);
	}
	const struct probe_row *pd = calib_find(c, WHERE_VM, LOOP_PD_WRITE, 12);
	const struct probe_row *nat = calib_find(c, WHERE_NATIVE, LOOP_PT_WRITE, 12);
	if (pd && nat && shadow) {
		cfg->pt_write_cycles = cycles_of((pd->ns - nat->ns) * g - exit);
		snprintf(why, sizeof(why), "a guest write to a page-directory entry, then its use: %.0f ns beyond "
			 "the same loop on ordinary memory (spread %.2f), less one exit", pd->ns - nat->ns, pd->spread);
		record_cycles(c, f, pd, "pt_write_cycles", cfg->pt_write_cycles, why);
	}
	/* Leaf table writes that cost a tenth of an exit or less do not exit:
	 * the host's KVM lets the table go out of sync. */
	const struct probe_row *pt = calib_find(c, WHERE_VM, LOOP_PT_WRITE, 12);
	if (pt && nat && shadow && ex) {
		cfg->shadow_unsync = pt->ns - nat->ns < ex->ns / 10;
		snprintf(why, sizeof(why), "a guest write to a leaf page-table entry, then its use: %.1f ns beyond "
			 "the same loop on ordinary memory, %s a tenth of an exit (%.0f ns): this KVM %s",
			 pt->ns - nat->ns, cfg->shadow_unsync ? "under" : "over", ex->ns,
			 cfg->shadow_unsync ? "lets a leaf table go out of sync after its first trapped write (mmu_unsync)"
					    : "traps every write");
		record(c, f, pt, "[hv]", "shadow_unsync", cfg->shadow_unsync ? "1" : "0", why);
	}
	const struct probe_row *cr = calib_find(c, WHERE_VM, LOOP_CR3_SWITCH, 12);
	if (cr && shadow) {
		cfg->cr3_cycles = cycles_of(cr->ns * g);
		snprintf(why, sizeof(why), "a CR3 load by the VMM on an exit (KVM_SET_SREGS), beyond the exit: "
			 "%.0f ns (spread %.2f); an upper bound: it resets KVM's whole MMU context, which a "
			 "guest's own MOV CR3 need not", cr->ns, cr->spread);
		record_cycles(c, f, cr, "cr3_cycles", cfg->cr3_cycles, why);
	}
}

/* Every term, in order, into cfg and f. */
static int fit_all(struct calib *c, struct tpt_config *cfg, struct calib_fragment *f)
{
	char v[32], why[160];
	memset(c->calibrates, 0, sizeof(c->calibrates));
	/* Every value as the fragment writes it, so that a run under the
	 * fragment is the run compared here. */
	cfg->clock_ghz = round(c->h->ghz * 1000) / 1000;
	snprintf(v, sizeof(v), "%.3f", cfg->clock_ghz);
	snprintf(why, sizeof(why), "measured: a chain of dependent adds retires %.3f a ns (one a cycle)",
		 c->h->ghz);
	calib_note(f, "[cost]", "clock_ghz", v, why);
	fit_caches(c, cfg, f);
	int rc;
	if ((rc = fit_latencies(c, cfg, f)) || (rc = fit_mlp(c, cfg, f)) || (rc = fit_fault(c, cfg, f)))
		return rc;
	fit_events(c, cfg, f);
	return 0;
}

/* Whether a row is one native_error judges the model on: a native loop
 * measured, and not too noisy to judge. */
static bool native_judged(const struct probe_row *x)
{
	return x->where == WHERE_NATIVE && probe_loop_on_buffer(x->loop) && !calib_noisy(x) && x->ns > 0;
}

/* How many rows the outer page and the replacement are chosen on. */
static unsigned native_rows(const struct calib *c)
{
	unsigned n = 0;
	for (size_t i = 0; i < c->n; i++)
		n += native_judged(&c->rows[i]);
	return n;
}

/* How far the model is from the native loops (at every size), after
 * calib_model, over the rows not too noisy to judge: how many are within
 * the tolerance, and the mean squared log of model over measured. */
static double native_error(const struct calib *c, unsigned *within)
{
	double e = 0;
	unsigned n = 0;
	*within = 0;
	for (size_t i = 0; i < c->n; i++) {
		const struct probe_row *x = &c->rows[i];
		if (!native_judged(x) || c->model_ns[i] <= 0)
			continue;
		double d = log(c->model_ns[i] / x->ns);
		e += d * d;
		n++;
		*within += within_tolerance(c->model_ns[i], x->ns, CALIB_TOLERANCE);
	}
	return n ? e / n : 0;
}

/* The model nearer the native loops: each outer page (4K and 2M) where
 * try_outer, else c->outer_shift's; each combination of the caches'
 * replacements (LRU or random for each of L1D, L2 and LLC) where try_repl,
 * else cfg's. Each is tried under cfg as it is, or, with
 * fitted set, after fitting every term under it. The winner goes into
 * c->outer_shift, and its fit into *fitted, *ff and c->calibrates; each
 * choice's measures beside the other's into c->outer_* and c->repl_*. */
static int choose_model(struct calib *c, const struct tpt_config *cfg, bool try_outer, bool try_repl,
			struct tpt_config *fitted, struct calib_fragment *ff)
{
	static const unsigned shifts[] = {12, 21};
	static const uint32_t repls[] = {CACHE_LRU, CACHE_RANDOM};
	/* Replacement r: the L1D's repls[r >> 2], the L2's repls[r >> 1 & 1],
	 * the LLC's repls[r & 1]. Each fit's fragment is 36 KiB: on the heap. */
	struct tried {
		struct tpt_config cfg;
		struct calib_fragment f;
		const char *calibrates[CALIB_MAX_ROWS];
		unsigned within;
		double error;
	} (*tried)[CALIB_REPLS] = calloc(2, sizeof(*tried)); /* [outer][replacement] */
	if (!tried) {
		fprintf(stderr, "tpt: probe: out of memory for the model's fits\n");
		return 1; /* the exit status, as a failed run's */
	}
	size_t no = try_outer ? 2 : 1, nr = try_repl ? CALIB_REPLS : 1, bo = 0, br = 0;
	int rc = 0;
	for (size_t o = 0; o < no; o++)
		for (size_t r = 0; r < nr; r++) {
			tried[o][r].cfg = *cfg;
			if (try_repl) {
				tried[o][r].cfg.l1d_replacement = repls[r >> 2];
				tried[o][r].cfg.l2_replacement = repls[r >> 1 & 1];
				tried[o][r].cfg.llc_replacement = repls[r & 1];
			}
			tried[o][r].f = (struct calib_fragment){0};
			if (try_outer)
				c->outer_shift = shifts[o];
			if (fitted && c->p->progress) /* each fit simulates every loop row again */
				fprintf(stderr, "tpt probe: fitting the model (%zu of %zu)\n", o * nr + r + 1, no * nr);
			if ((fitted && (rc = fit_all(c, &tried[o][r].cfg, &tried[o][r].f))) ||
			    (rc = calib_model(c, &tried[o][r].cfg)))
				goto out;
			memcpy(tried[o][r].calibrates, c->calibrates, sizeof(c->calibrates));
			tried[o][r].error = native_error(c, &tried[o][r].within);
			/* The nearer on all the rows: a count of rows within the
			 * tolerance turns on whichever row sits at its edge (a noisy
			 * L3 row flipped it between runs an hour apart), where the
			 * error moves smoothly. Ties keep the first (4K, LRU
			 * throughout). */
			if (tried[o][r].error < tried[bo][br].error)
				bo = o, br = r;
		}
	for (size_t k = 0; k < no; k++) {
		c->outer_within[k] = tried[k][br].within;
		c->outer_error[k] = tried[k][br].error;
	}
	for (size_t k = 0; k < nr; k++) {
		c->repl_within[k] = tried[bo][k].within;
		c->repl_error[k] = tried[bo][k].error;
	}
	if (try_outer)
		c->outer_shift = shifts[bo];
	c->outer_chosen = try_outer;
	c->repl_chosen = try_repl;
	memcpy(c->calibrates, tried[bo][br].calibrates, sizeof(c->calibrates));
	if (fitted) {
		*fitted = tried[bo][br].cfg;
		*ff = tried[bo][br].f;
	}
out:
	free(tried);
	return rc;
}

int calib_choose_outer(struct calib *c, const struct tpt_config *cfg)
{
	if (!c->h->in_vm || !c->outer_auto || !native_rows(c))
		return 0;
	int rc = choose_model(c, cfg, true, false, NULL, NULL);
	memset(c->calibrates, 0, sizeof(c->calibrates));
	return rc;
}

const char *calib_repl_key(uint32_t r)
{
	return r == CACHE_RANDOM ? "random" : "lru";
}

int calib_fit(struct calib *c, struct tpt_config *cfg, struct calib_fragment *f)
{
	/* Both choices are made on the native loop rows; without them
	 * (--phases left them out, or every one was noisy) each stays as
	 * given, and the notes say so. */
	unsigned judged = native_rows(c);
	bool try_outer = c->h->in_vm && c->outer_auto && judged, try_repl = judged > 0;
	const char *outer = c->outer_shift == 21 ? "2M" : "4K";
	char why[640];
	struct tpt_config t;
	struct calib_fragment tf;
	/* Each choice fitted in full; the winner's fit is kept, after the
	 * notes that say why it won. */
	int rc = choose_model(c, cfg, try_outer, try_repl, &t, &tf);
	if (rc)
		return rc;
	outer = c->outer_shift == 21 ? "2M" : "4K";
	if (try_outer)
		snprintf(why, sizeof(why), "this host is a guest: the model walks its outer hypervisor's "
			 "pages, %s, which bring the native loops nearer (rows within %.0f %%: 4K %u, 2M %u; "
			 "mean squared log error 4K %.4f, 2M %.4f); tpt sim --scheme nested --host-page %s "
			 "models its processes", outer, 100 * CALIB_TOLERANCE, c->outer_within[0],
			 c->outer_within[1], c->outer_error[0], c->outer_error[1], outer);
	else if (c->h->in_vm)
		snprintf(why, sizeof(why), "this host is a guest: the model walks its outer hypervisor's "
			 "pages, %s (%s); tpt sim --scheme nested --host-page %s models its processes", outer,
			 c->outer_auto ? "no native loop row to choose by" : "--outer-page", outer);
	if (c->h->in_vm && c->h->shadowed) {
		size_t l = strlen(why);
		snprintf(why + l, sizeof(why) - l, "; its MMU walks the outer's software shadow of its "
			 "tables (%u of %d pages touched after clear_refs showed accessed bits), whose "
			 "leaves are no larger than %s: give tpt sim pages no larger", c->h->ab_seen,
			 HOST_AB_PAGES, outer);
	}
	if (c->h->in_vm)
		calib_note(f, "[cost]", NULL, NULL, why);
	const char *l1 = calib_repl_key(t.l1d_replacement), *l2 = calib_repl_key(t.l2_replacement),
		   *llc = calib_repl_key(t.llc_replacement);
	if (!try_repl) {
		snprintf(why, sizeof(why), "the caches' replacement is left as configured (L1D %s, L2 %s, "
			 "LLC %s): no native loop row to choose it by", l1, l2, llc);
		calib_note(f, "[cache]", NULL, NULL, why);
	} else {
		int o = snprintf(why, sizeof(why), "the caches' replacements that bring the native loops "
				 "nearer: each level LRU or random, all eight tried (L1D/L2/LLC: rows within "
				 "%.0f %%, mean squared log error;", 100 * CALIB_TOLERANCE);
		for (unsigned r = 0; r < CALIB_REPLS && o > 0 && (size_t)o < sizeof(why); r++)
			o += snprintf(why + o, sizeof(why) - (size_t)o, " %s/%s/%s %u %.4f%s",
				      calib_repl_key(r >> 2), calib_repl_key(r >> 1 & 1), calib_repl_key(r & 1),
				      c->repl_within[r], c->repl_error[r], r + 1 < CALIB_REPLS ? "," : ")");
		calib_note(f, "[cache]", "l1d_replacement", l1, why);
		calib_note(f, "[cache]", "l2_replacement", l2, "chosen with the L1D's: the chains near "
			   "and beyond the L2's size tell LRU from random");
		calib_note(f, "[cache]", "llc_replacement", llc, "chosen with the L1D's: the chains beyond "
			   "the LLC's size and the loops whose walks reuse their table lines tell them apart");
	}
	for (unsigned i = 0; i < tf.n && f->n < ARRAY_LEN(f->line); i++)
		memcpy(f->line[f->n++], tf.line[i], sizeof(f->line[0]));
	calib_note(f, "[mem]", "frame_order", "scattered", "this machine has run a while: its free lists "
		   "hand out 4K frames scattered, and the probe's loops were modelled so");
	t.frame_order = FRAMES_SCATTERED;
	*cfg = t;
	return 0;
}

void calib_write(const struct calib *c, const struct calib_fragment *f, FILE *out)
{
	time_t now = time(NULL);
	struct tm tm;
	char when[32];
	strftime(when, sizeof(when), "%Y-%m-%d", gmtime_r(&now, &tm));
	fprintf(out, "; tpt probe --calibrate: costs measured on this machine, %s (tpt %s, commit %s).\n"
		     "; %s; %s%s.\n; Load with --config; options left out keep their defaults.\n",
		when, tpt_version(), tpt_commit(), c->h->cpu, c->h->kvm_desc,
		c->h->in_vm ? "; this host is itself a guest (CPUID hypervisor bit)" : "");
	/* Grouped by section, in the order measured. */
	const char *secs[] = {"[cache]", "[cost]", "[hv]", "[mem]"};
	for (size_t s = 0; s < ARRAY_LEN(secs); s++) {
		bool head = false;
		for (unsigned i = 0; i < f->n; i++) {
			size_t l = strlen(secs[s]);
			if (strncmp(f->line[i], secs[s], l) || f->line[i][l] != '\n')
				continue;
			if (!head)
				fprintf(out, "\n%s\n", secs[s]);
			head = true;
			fputs(f->line[i] + l + 1, out);
		}
	}
}
