/* SPDX-License-Identifier: MIT */
/*
 * report.h - results of runs: the cost model (cost.h) applied to each
 * process's counters, and their output as text tables and JSON. Every figure
 * printed here is computed from a struct tpt_stats counter and the config.
 */
#ifndef TPT_REPORT_H
#define TPT_REPORT_H

#include <jansson.h>
#include <stdio.h>

#include "tpt/base/cost.h"
#include "tpt/sim/sim.h"

struct proc_result {
	int pid;
	char name[16];
	char mode[16]; /* how it translated at the end: the scheme, or nested for a TPT fallback */
	double mlp;
	struct tpt_stats st;
	struct tpt_cost cost;
	/* Under a policy that enabled TPT for it: the counters and costs before
	 * the first enable, and from then on (construction included). */
	bool tpt_enabled;
	struct tpt_stats before, after;
	struct tpt_cost before_cost, after_cost;
};

struct tpt_result {
	char scheme[24];
	char workload[640];
	unsigned guest_shift, host_shift;
	int levels;
	bool no_walk_caches;
	uint64_t seed;
	double mlp;
	uint64_t guest_mem, host_mem;
	uint64_t guest_tables, ept_tables, shadow_tables, tpt_tables; /* table pages at the end */
	uint64_t guest_frames, host_frames; /* frames in use at the end, 4 KiB units */
	uint64_t guest_peak;   /* the most guest frames in use at once: the working set */
	struct tpt_stats st;   /* all processes and the system */
	struct tpt_cost cost;  /* the sum of the processes' and the system's */
	struct proc_result *procs;
	unsigned nprocs;
	struct sample_result sample; /* a sampled run's windows and intervals (.on false: exact) */
};
/* A sampled run's 95 % interval of its estimated cycles, relative (0.01 is
 * +-1 %); NAN with fewer than two windows, 0 for an exact run. */
double result_ci95_cycles(const struct tpt_result *r);
/* A sampled run's "sample" object (windows, accesses of each kind, ci95,
 * estimated_counters), as result_json carries it. */
json_t *result_sample_json(const struct tpt_result *r);

/* How a sampled run was sampled, on one line without its newline:
 * "W windows; accesses D in detail, M warming, F fast-forwarded", and how
 * many of them were warmed functionally where any were. */
void result_print_sampling(FILE *out, const struct sample_result *m);

/* 0, or -1 when out of memory. */
int result_from_sim(struct tpt_result *r, const struct sim *s, uint64_t seed);
void result_free(struct tpt_result *r);
uint64_t result_vm_exits(const struct tpt_result *r);
json_t *result_json(const struct tpt_result *r);
/* A counter row (stats.h) as a key of the JSON object ctx: how every
 * counter list (the simulator's, dbt's, power's) becomes JSON. Returns 0. */
int result_row_json(void *ctx, const struct stats_row *row);
/* Every counter and cost term of one run. */
void result_print(FILE *out, const struct tpt_result *r);
/* The comparison table of runs of one workload. */
void result_print_compare(FILE *out, const struct tpt_result *r, size_t n);

#endif
