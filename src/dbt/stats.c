/* SPDX-License-Identifier: MIT */
/*
 * stats.c - what DBT_STATS generates besides the struct (dbt.h): the
 * derived figures and the rows, in list order, that tpt dbt's JSON and
 * `tpt counters dbt` are written from.
 */
#include "tpt/dbt/dbt.h"

static double per(double a, uint64_t b)
{
	return b ? a / (double)b : 0;
}

double dbt_host_per_access(const struct dbt_stats *st, const struct tpt_config *cfg)
{
	(void)cfg;
	return per((double)st->host_instructions, st->guest_accesses);
}

double dbt_cycles_per_access(const struct dbt_stats *st, const struct tpt_config *cfg)
{
	(void)cfg;
	return per(st->cycles, st->guest_accesses);
}

double dbt_stlb_hit_rate(const struct dbt_stats *st, const struct tpt_config *cfg)
{
	(void)cfg;
	return per((double)st->stlb_hits, st->stlb_hits + st->stlb_misses);
}

/* All host instructions but those of the guest's instructions that are
 * not memory accesses (each [dbt] expansion host instructions). */
double dbt_mem_path(const struct dbt_stats *st, const struct tpt_config *cfg)
{
	double other = (double)(st->guest_instructions - st->guest_accesses) * cfg->dbt_expansion;
	return per((double)st->host_instructions - other, st->guest_accesses);
}

int dbt_stats_rows(const struct dbt_stats *st, const struct tpt_config *cfg, stats_row_fn fn, void *ctx)
{
	int rc;
#define ROW_C(name, doc)                                                                          \
	if ((rc = stats_row_u64(fn, ctx, #name, doc, st->name)))                                  \
		return rc;
#define ROW_F(name, doc)                                                                          \
	if ((rc = stats_row_real(fn, ctx, #name, doc, st->name)))                                 \
		return rc;
#define ROW_R(name, fn_, doc)                                                                     \
	if ((rc = stats_row_real(fn, ctx, #name, doc, fn_(st, cfg))))                             \
		return rc;
	DBT_STATS(ROW_C, ROW_F, ROW_R)
	return 0;
}
