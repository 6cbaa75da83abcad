/* SPDX-License-Identifier: MIT */
/*
 * paper.h - the paper's figures tpt power sets beside its own: a CSV file
 * (data/power/paper.csv) of one row per workload and scheme with the run's
 * value in the paper's unit and its exit counts, any of them empty. Read by
 * power_cmd.c's --paper; every malformed file ends in one error naming its
 * line (fuzzed: tpt_fuzz_power).
 */
#ifndef TPT_POWER_PAPER_H
#define TPT_POWER_PAPER_H

#include <stddef.h>

#include "tpt/base/util.h"

#define PAPER_HEADER "workload,scheme,value,priv_exits,tlb_misses,access_violations"

/* One row; NAN where the paper has no figure. */
struct paper_row {
	char workload[40], scheme[16];
	double value, priv, tlb, acc;
};

struct paper {
	struct paper_row *rows;
	size_t n, cap;
};

/* Reads path (lines starting with '#' are comments). 0, or -1 with e set
 * (and p empty). */
int paper_load(struct paper *p, const char *path, struct tpt_err *e);
void paper_free(struct paper *p);
/* The row for workload w under scheme s, or NULL. */
const struct paper_row *paper_find(const struct paper *p, const char *w, const char *s);

#endif
