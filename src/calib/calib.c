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
	return x->loop == LOOP_INDEPENDENT || x->loop == LOOP_DEPENDENT ||
	       (x->where == WHERE_NATIVE && (x->loop == LOOP_FIRST_TOUCH || x->loop == LOOP_CHURN));
}

/* The scheme and pages that translate row x on this machine (calib.h). */
static const struct scheme *row_scheme(const struct calib *c, const struct probe_row *x,
				       unsigned *gs, unsigned *hs)
{
	unsigned backing = x->thp ? 21 : 12;
	if (x->where == WHERE_NATIVE) {
		*gs = x->page_shift;
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
		snprintf(spec, len, "gups:size=%llu,updates=%llu", (unsigned long long)p->size,
			 (unsigned long long)p->updates);
		return (double)p->updates;
	case LOOP_DEPENDENT:
		snprintf(spec, len, "gups:size=%llu,updates=%llu,loop=chase", (unsigned long long)p->size,
			 (unsigned long long)p->steps);
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
 * the runs' status. */
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

const struct probe_row *calib_find(const struct calib *c, enum probe_where w, enum probe_loop l,
				   unsigned shift)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->rows[i].where == w && c->rows[i].loop == l && c->rows[i].page_shift == shift)
			return &c->rows[i];
	return NULL;
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
	case LOOP_FIRST_TOUCH:
		return (exit + (trapping ? cfg->shadow_fill_cycles : cfg->ept_violation_cycles)) / g;
	case LOOP_PT_WRITE:
	case LOOP_PD_WRITE:
		if (x->where == WHERE_NATIVE)
			return x->ns; /* ordinary memory: the baseline, not modelled */
		return (nat ? nat->ns : 0) + (trapping ? (exit + cfg->pt_write_cycles) / g : 0);
	default: return 0;
	}
}

int calib_model(struct calib *c, const struct tpt_config *cfg)
{
	size_t idx[CALIB_MAX_ROWS] = {0}, n = 0;
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

/* A value (key NULL: a comment only) under its section, after its reason. */
static void note(struct calib_fragment *f, const char *sec, const char *key, const char *value,
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
	note(f, sec, key, value, why);
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

/* The DRAM latency: the model is linear in it on the native dependent loop. */
static int fit_dram(struct calib *c, struct tpt_config *cfg, struct calib_fragment *f)
{
	const struct probe_row *dep = calib_find(c, WHERE_NATIVE, LOOP_DEPENDENT, 21);
	if (!dep)
		return 0;
	double m0, m1;
	uint32_t d0 = cfg->dram_latency;
	int rc = simulate_one(c, cfg, dep, &m0, NULL);
	cfg->dram_latency = d0 + 100;
	if (rc || (rc = simulate_one(c, cfg, dep, &m1, NULL)))
		return rc;
	double slope = (m1 - m0) / 100, d = slope > 0 ? d0 + (dep->ns - m0) / slope : d0;
	uint32_t lo = cfg->llc_latency + 1;
	cfg->dram_latency = d < lo ? lo : (uint32_t)(d + 0.5);
	char v[16], why[320];
	snprintf(v, sizeof(v), "%u", cfg->dram_latency);
	snprintf(why, sizeof(why), "the native dependent loop on 2M pages: %.1f ns a step (spread %.2f); "
		 "the latency with which the model takes as long", dep->ns, dep->spread);
	record(c, f, dep, "[cache]", "dram_latency", v, why);
	return 0;
}

/* The parallelism: the model falls as it rises, so it is bisected for on
 * the native independent loop's counters. Up to 64 in flight: a core may
 * keep more misses going than the default's fill buffers, and then the
 * buffers are raised too. */
static int fit_mlp(struct calib *c, struct tpt_config *cfg, struct calib_fragment *f)
{
	const struct probe_row *ind = calib_find(c, WHERE_NATIVE, LOOP_INDEPENDENT, 21);
	if (!ind)
		return 0;
	struct tpt_result r;
	double m;
	int rc = simulate_one(c, cfg, ind, &m, &r);
	if (rc)
		return rc;
	double lo = 1, hi = 64;
	uint32_t buffers = cfg->miss_buffers;
	cfg->miss_buffers = 64;
	double fast = recost_ns(c, ind, &r, cfg, hi), slow = recost_ns(c, ind, &r, cfg, lo);
	char v[32], why[320];
	if (ind->ns < fast) {
		cfg->mlp = 0;
		cfg->miss_buffers = buffers;
		snprintf(why, sizeof(why), "mlp left to the workloads: the native independent loop on 2M "
			 "pages takes %.1f ns an update, less than the model's %.1f ns with 64 accesses "
			 "in flight", ind->ns, fast);
		note(f, "[cost]", NULL, NULL, why);
		result_free(&r);
		return 0;
	}
	for (int i = 0; i < 50; i++) {
		double mid = (lo + hi) / 2;
		if (recost_ns(c, ind, &r, cfg, mid) > ind->ns)
			lo = mid;
		else
			hi = mid;
	}
	result_free(&r);
	cfg->mlp = ind->ns >= slow ? 1 : (lo + hi) / 2;
	cfg->miss_buffers = buffers > cfg->mlp ? buffers : (uint32_t)ceil(cfg->mlp);
	snprintf(v, sizeof(v), "%.2f", cfg->mlp);
	snprintf(why, sizeof(why), "the native independent (gups) loop on 2M pages: %.1f ns an "
		 "update (spread %.2f); the parallelism with which the model takes as long",
		 ind->ns, ind->spread);
	record(c, f, ind, "[cost]", "mlp", v, why);
	if (cfg->miss_buffers != buffers) {
		snprintf(v, sizeof(v), "%u", cfg->miss_buffers);
		snprintf(why, sizeof(why), "raised from %u: this core keeps at least the %.2f misses of "
			 "the independent loop in flight", buffers, cfg->mlp);
		note(f, "[cost]", "miss_buffers", v, why);
	}
	return 0;
}

/* The walker count that brings the walk-heavy native 4K loop nearest. */
static int fit_walkers(struct calib *c, struct tpt_config *cfg, struct calib_fragment *f)
{
	const struct probe_row *ind4 = calib_find(c, WHERE_NATIVE, LOOP_INDEPENDENT, 12);
	if (!ind4 || cfg->mlp <= 0)
		return 0;
	struct tpt_result r;
	double m;
	int rc = simulate_one(c, cfg, ind4, &m, &r);
	if (rc)
		return rc;
	uint32_t best = cfg->walkers, given = cfg->walkers;
	double err = 1e300;
	for (uint32_t w = 1; w <= 16; w++) {
		cfg->walkers = w;
		double d = fabs(log(recost_ns(c, ind4, &r, cfg, cfg->mlp) / ind4->ns));
		if (d < err - 1e-9) {
			err = d;
			best = w;
		}
	}
	cfg->walkers = best;
	result_free(&r);
	char why[320];
	snprintf(why, sizeof(why), "the native independent loop on 4K pages: %.1f ns an update (spread "
		 "%.2f); the walkers with which the model comes nearest (was %u)", ind4->ns, ind4->spread,
		 given);
	record_cycles(c, f, ind4, "walkers", best, why);
	return 0;
}

/* The guest fault: the model is linear in it on the native first touch. */
static int fit_fault(struct calib *c, struct tpt_config *cfg, struct calib_fragment *f)
{
	const struct probe_row *ft = calib_find(c, WHERE_NATIVE, LOOP_FIRST_TOUCH, 12);
	if (!ft)
		return 0;
	double m;
	int rc = simulate_one(c, cfg, ft, &m, NULL);
	if (rc)
		return rc;
	cfg->guest_fault_cycles = cycles_of(cfg->guest_fault_cycles + (ft->ns - m) * c->h->ghz);
	char why[320];
	snprintf(why, sizeof(why), "native first touch of 4K pages: %.0f ns a page (spread %.2f), "
		 "less the model's other costs of a touch", ft->ns, ft->spread);
	record_cycles(c, f, ft, "guest_fault_cycles", cfg->guest_fault_cycles, why);
	return 0;
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
	const struct probe_row *cr = calib_find(c, WHERE_VM, LOOP_CR3_SWITCH, 12);
	if (cr && shadow) {
		cfg->cr3_cycles = cycles_of(cr->ns * g);
		snprintf(why, sizeof(why), "a CR3 load by the VMM on an exit (KVM_SET_SREGS), beyond the exit: "
			 "%.0f ns (spread %.2f); an upper bound: it resets KVM's whole MMU context, which a "
			 "guest's own MOV CR3 need not", cr->ns, cr->spread);
		record_cycles(c, f, cr, "cr3_cycles", cfg->cr3_cycles, why);
	}
}

int calib_fit(struct calib *c, struct tpt_config *cfg, struct calib_fragment *f)
{
	char v[32], why[160];
	cfg->clock_ghz = c->h->ghz;
	snprintf(v, sizeof(v), "%.3f", c->h->ghz);
	snprintf(why, sizeof(why), "measured: a chain of dependent adds retires %.3f a ns (one a cycle)",
		 c->h->ghz);
	note(f, "[cost]", "clock_ghz", v, why);
	int rc;
	if ((rc = fit_dram(c, cfg, f)) || (rc = fit_mlp(c, cfg, f)) || (rc = fit_walkers(c, cfg, f)) ||
	    (rc = fit_fault(c, cfg, f)))
		return rc;
	fit_events(c, cfg, f);
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
	const char *secs[] = {"[cache]", "[cost]"};
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
