/* SPDX-License-Identifier: MIT */
/*
 * tcgcalib.c - tpt dbt's SoftMMU on the loops QEMU's TCG ran (tcgcalib.h).
 *
 * Each row is the tcgloop workload at the row's region and iterations,
 * one measured round after the warm one, through tpt dbt's SoftMMU with
 * the row's guest (IA-32: two-level tables of 4 KiB pages; x86-64: four
 * levels, as the probe's guests map) and a software TLB fixed at the
 * row's size (the guest sized QEMU's and never flushed after). Model ns
 * = cycles / clock_ghz.
 *
 * The fit solves one [dbt] term per row it uses, each where that row's
 * time is mostly that term; every row is judged afterwards under all of
 * them. Cycles are linear in dbt_cpi (stalls do not depend on it), so it
 * is solved in closed form; softmmu_fill_instrs too, repeated because the
 * overlap of a miss depends on the instructions between misses; dbt_rob
 * by bisection, as more of it only overlaps more. The gups rows (x86-64)
 * are judged, never fitted.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tpt/calib/tcgcalib.h"
#include "tpt/dbt/dbt.h"
#include "tpt/workload/workload.h"

void tcg_spec(const struct tcg_calib *c, size_t i, char *out, size_t n)
{
	const struct tcg_loopspec *l = &c->rows[i].spec;
	snprintf(out, n, "tcgloop:loop=%s,size=%llu,iters=%llu,rounds=1,key=%u", tcg_loop_name[l->loop],
		 (unsigned long long)l->size, (unsigned long long)l->iters, c->key);
}

/* Row i under cfg: its stats and ns per iteration. */
static int model_row(const struct tcg_calib *c, size_t i, const struct tpt_config *cfg,
		     struct dbt_stats *st, double *ns, struct tpt_err *e)
{
	char spec[160];
	tcg_spec(c, i, spec, sizeof(spec));
	struct tpt_config k = *cfg;
	k.stlb_bits = c->rows[i].tlb_bits;
	if (k.stlb_max_bits < k.stlb_bits)
		k.stlb_max_bits = k.stlb_bits;
	k.stlb_dynamic = 0;
	struct workload w;
	if (workload_open(&w, spec, 1, e))
		return -1;
	int rc = dbt_run(&w, &k, DBT_SOFTMMU, c->rows[i].x86_64 ? GUEST_X86_64 : GUEST_IA32, false, st, e);
	workload_close(&w);
	if (!rc)
		*ns = st->cycles / (double)c->rows[i].spec.iters / k.clock_ghz;
	return rc;
}

int tcg_model(struct tcg_calib *c, const struct tpt_config *cfg, struct tpt_err *e)
{
	for (size_t i = 0; i < c->n; i++) {
		struct dbt_stats st;
		if (model_row(c, i, cfg, &st, &c->model_ns[i], e))
			return -1;
	}
	return 0;
}

const char *tcg_verdict(const struct tcg_calib *c, size_t i)
{
	const struct tcg_row *x = &c->rows[i];
	return calib_judge(c->model_ns[i], x->ns, x->noise, TCG_TOLERANCE);
}

/* The rmw row at the smallest (or largest) TLB and, among those, with
 * the smallest (or largest) region; -1 if none. */
static long pick(const struct tcg_calib *c, bool big_tlb, bool big_region)
{
	long best = -1;
	for (size_t i = 0; i < c->n; i++) {
		const struct tcg_row *x = &c->rows[i], *b = best < 0 ? NULL : &c->rows[best];
		if (x->spec.loop != TCG_RMW || x->x86_64)
			continue;
		if (!b)
			best = (long)i;
		else if (x->tlb_bits != b->tlb_bits && (x->tlb_bits > b->tlb_bits) == big_tlb)
			best = (long)i;
		else if (x->tlb_bits == b->tlb_bits && x->spec.size != b->spec.size &&
			 (x->spec.size > b->spec.size) == big_region)
			best = (long)i;
	}
	return best;
}

/* A [dbt] term of the fragment after its reason (printf-formatted). */
static void add_term(struct calib_fragment *f, const char *key, const char *value, const char *fmt,
		     ...) __attribute__((format(printf, 4, 5)));
static void add_term(struct calib_fragment *f, const char *key, const char *value, const char *fmt,
		     ...)
{
	char why[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	calib_note(f, "[dbt]", key, value, why);
}

static const char *row_name(const struct tcg_row *x, char *buf, size_t n)
{
	char sz[32];
	snprintf(buf, n, "%s loop over %s at 2^%u software-TLB entries", tcg_loop_name[x->spec.loop],
		 tpt_format_size(x->spec.size, sz), x->tlb_bits);
	return buf;
}

int tcg_fit(struct tcg_calib *c, struct tpt_config *cfg, struct calib_fragment *f, struct tpt_err *e)
{
	long hit = pick(c, false, false), miss = pick(c, false, true), grown = pick(c, true, true);
	if (hit < 0 || miss < 0 || grown < 0 || hit == miss || miss == grown ||
	    c->rows[miss].tlb_bits == c->rows[grown].tlb_bits)
		return tpt_fail(e, "probe --tcg --calibrate: needs rmw rows over two regions at the "
				   "smallest TLB and the largest region at a larger TLB");
	char name[3][96];
	row_name(&c->rows[hit], name[0], sizeof(name[0]));
	row_name(&c->rows[miss], name[1], sizeof(name[1]));
	row_name(&c->rows[grown], name[2], sizeof(name[2]));
	struct dbt_stats st;
	double ns;
	/* Three passes: each term moves the rows the others are solved on. */
	for (int pass = 0; pass < 3; pass++) {
		/* dbt_cpi: the hit row's cycles are host x cpi + stall. */
		if (model_row(c, (size_t)hit, cfg, &st, &ns, e))
			return -1;
		double want = c->rows[hit].ns * (double)c->rows[hit].spec.iters * cfg->clock_ghz;
		double cpi = (want - (double)st.mem_stall_cycles) / (double)st.host_instructions;
		cfg->dbt_cpi = round((cpi < 0.01 ? 0.01 : cpi) * 1000) / 1000;
		/* softmmu_fill_instrs: the miss row's cycles grow by cpi an
		 * instruction of each fill (a miss the victim TLB does not
		 * answer: QEMU's tlb_fill, its walk and tlb_set_page). */
		for (int k = 0; k < 3; k++) {
			if (model_row(c, (size_t)miss, cfg, &st, &ns, e))
				return -1;
			want = c->rows[miss].ns * (double)c->rows[miss].spec.iters * cfg->clock_ghz;
			uint64_t fills = st.stlb_misses - st.victim_hits;
			double extra = (want - st.cycles) / cfg->dbt_cpi / (double)(fills ? fills : 1);
			double v = (double)cfg->softmmu_fill_instrs + extra;
			cfg->softmmu_fill_instrs = (uint32_t)(v < 0 ? 0 : v > 100000 ? 100000 : v + 0.5);
		}
		/* dbt_rob: the grown row's misses overlap more the larger it is. */
		uint32_t lo = 1, hi = 100000;
		while (lo < hi) {
			uint32_t mid = lo + (hi - lo) / 2;
			cfg->dbt_rob = mid;
			if (model_row(c, (size_t)grown, cfg, &st, &ns, e))
				return -1;
			if (ns > c->rows[grown].ns)
				lo = mid + 1;
			else
				hi = mid;
		}
		cfg->dbt_rob = lo;
	}
	char v[32];
	snprintf(v, sizeof(v), "%.3f", cfg->dbt_cpi);
	add_term(f, "dbt_cpi", v, "QEMU's TCG here, the %s: %.2f ns an iteration (noise %.2f); the CPI "
		 "with which the model takes as long", name[0], c->rows[hit].ns, c->rows[hit].noise);
	snprintf(v, sizeof(v), "%u", cfg->softmmu_fill_instrs);
	add_term(f, "softmmu_fill_instrs", v, "the %s: %.1f ns (noise %.2f); the instructions of a fill "
		 "beyond its walk's with which the model takes as long (a miss the victim TLB answers pays "
		 "softmmu_miss_instrs alone)", name[1], c->rows[miss].ns, c->rows[miss].noise);
	snprintf(v, sizeof(v), "%.2f", cfg->dbt_mlp);
	add_term(f, "dbt_mlp", v, "the native independent loop's parallelism ([cost] mlp of --config, "
		 "from tpt probe --calibrate)");
	snprintf(v, sizeof(v), "%u", cfg->dbt_rob);
	add_term(f, "dbt_rob", v, "the %s: %.1f ns (noise %.2f); the reorder window with which the "
		 "model takes as long%s", name[2], c->rows[grown].ns, c->rows[grown].noise,
		 cfg->dbt_rob == 100000 ? " (at its bound: the model cannot overlap enough)" : "");
	c->calibrates[hit] = "dbt_cpi";
	c->calibrates[miss] = "softmmu_fill_instrs";
	c->calibrates[grown] = "dbt_rob";
	return 0;
}
