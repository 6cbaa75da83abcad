/* SPDX-License-Identifier: MIT */
/*
 * stats.c - what TPT_STATS generates besides the struct (stats.h): the sum
 * and difference of two counter sets, the derived ratios, and the rows in
 * list order that the JSON and the `tpt counters` listing are written from.
 */
#include <assert.h>
#include <string.h>
#include <math.h>
#include <stdio.h>

#include "tpt/base/stats.h"

const char *const exit_reason_name[EXIT_N] = {"ept_violation", "shadow_fill", "pt_write",
					      "pf_intercept", "cr3", "invlpg", "hypercall"};
const char *const cache_level_name[CL_N] = {"l1", "l2", "llc", "dram"};

void stats_add(struct tpt_stats *to, const struct tpt_stats *from)
{
#define ADD_C(name, doc) to->name += from->name;
#define ADD_V(name, n, key, names, total, doc)                                                    \
	for (int i = 0; i < (n); i++)                                                             \
		to->name[i] += from->name[i];
#define ADD_R(name, fn, doc)
	TPT_STATS(ADD_C, ADD_V, ADD_R)
}

void stats_sub(struct tpt_stats *to, const struct tpt_stats *from)
{
#define SUB_C(name, doc)                                                                          \
	assert(to->name >= from->name);                                                           \
	to->name -= from->name;
#define SUB_V(name, n, key, names, total, doc)                                                    \
	for (int i = 0; i < (n); i++) {                                                           \
		assert(to->name[i] >= from->name[i]);                                             \
		to->name[i] -= from->name[i];                                                     \
	}
#define SUB_R(name, fn, doc)
	TPT_STATS(SUB_C, SUB_V, SUB_R)
}

void stats_copy_timed(struct tpt_stats *to, const struct tpt_stats *from)
{
#define COPY_T(f) memcpy(&to->f, &from->f, sizeof(to->f));
	TPT_STATS_TIMED(COPY_T)
}

/* Each uint64_t of the field, as scalars and vectors alike. */
#define EACH_WORD(st, f, w) for (uint64_t *w = (uint64_t *)&(st)->f; w < (uint64_t *)(&(st)->f + 1); w++)

void stats_scale_timed(struct tpt_stats *st, double f)
{
#define SCALE_T(fld) EACH_WORD(st, fld, w) *w = (uint64_t)llround((double)*w * f);
	TPT_STATS_TIMED(SCALE_T)
}

void stats_timed_mask(struct tpt_stats *st)
{
	memset(st, 0, sizeof(*st));
#define MASK_T(fld) EACH_WORD(st, fld, w) *w = 1;
	TPT_STATS_TIMED(MASK_T)
}

uint64_t stats_exits(const struct tpt_stats *st)
{
	uint64_t n = 0;
	for (int i = 0; i < EXIT_N; i++)
		n += st->exits[i];
	return n;
}

static double ratio(double a, double b)
{
	return b > 0 ? a / b : 0.0;
}

double stats_mpki(const struct tpt_stats *st)
{
	return ratio((double)st->tlb_misses * 1000, (double)st->instructions);
}

double stats_refs_per_walk(const struct tpt_stats *st)
{
	return ratio((double)(st->walk_refs + st->rmp_refs), (double)st->walks);
}

static int row_u64(struct stats_row *r, const char *key, const char *sub, const char *doc,
		   uint64_t v)
{
	snprintf(r->key, sizeof(r->key), "%s%s", key, sub);
	r->doc = doc;
	r->type = STATS_U64;
	r->u = v;
	r->d = 0;
	return 0;
}

int stats_row_u64(stats_row_fn fn, void *ctx, const char *key, const char *doc, uint64_t v)
{
	struct stats_row r;
	row_u64(&r, key, "", doc, v);
	return fn(ctx, &r);
}

int stats_row_real(stats_row_fn fn, void *ctx, const char *key, const char *doc, double v)
{
	struct stats_row r = {.doc = doc, .type = STATS_REAL, .d = v};
	snprintf(r.key, sizeof(r.key), "%s", key);
	return fn(ctx, &r);
}

int stats_rows(const struct tpt_stats *st, stats_row_fn fn, void *ctx)
{
	struct stats_row r;
	int rc;
#define ROW_C(name, doc)                                                                          \
	row_u64(&r, #name, "", doc, st->name);                                                    \
	if ((rc = fn(ctx, &r)))                                                                   \
		return rc;
#define ROW_V(name, n, key, names, total, doc)                                                    \
	if (total) {                                                                              \
		uint64_t sum = 0;                                                                 \
		for (int i = 0; i < (n); i++)                                                     \
			sum += st->name[i];                                                       \
		row_u64(&r, total, "", doc, sum);                                        \
		if ((rc = fn(ctx, &r)))                                                           \
			return rc;                                                                \
	}                                                                                         \
	for (int i = 0; i < (n); i++) {                                                           \
		row_u64(&r, key, names[i], doc, st->name[i]);                                     \
		if ((rc = fn(ctx, &r)))                                                           \
			return rc;                                                                \
	}
#define ROW_R(name, fn_, text)                                                                    \
	snprintf(r.key, sizeof(r.key), "%s", #name);                                              \
	r.doc = text;                                                                             \
	r.type = STATS_REAL;                                                                      \
	r.u = 0;                                                                                  \
	r.d = fn_(st);                                                                            \
	if ((rc = fn(ctx, &r)))                                                                   \
		return rc;
	TPT_STATS(ROW_C, ROW_V, ROW_R)
	return 0;
}
