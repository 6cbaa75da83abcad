/* SPDX-License-Identifier: MIT */
/*
 * cost.h - the cost model (docs/cost-model.md): estimated cycles as a sum
 * of terms, each printed on its own, computed from a set of counters and
 * the configuration alone (cost.c). Called by the reports and by the
 * profiler, which costs each sample the same way.
 */
#ifndef TPT_COST_H
#define TPT_COST_H

#include "tpt/base/config.h"
#include "tpt/base/stats.h"

/* Counters a profiler sample reads, each policy_counter_cycles: cycles,
 * instructions, STLB misses, walk cycles, faults, PTE updates, exits,
 * sequential accesses (RSS is the kernel's own count). */
#define PROFILE_COUNTERS 8

/*
 * The memory stall of an access stream whose serial walk latency is W and
 * data latency beyond L1 is D (sequential accesses' less what the
 * prefetchers hide): with m = min(mlp, miss_buffers) accesses in flight, of
 * which at most min(walkers, m) walk at once,
 *
 *     stall = max(W / min(walkers, m), (W + D) / m)
 *
 * of which data_stall = D / m (the stall without walks) and walk_stall the
 * rest (what the walks add). A chain (mlp 1) pays W + D; a walk's own
 * references stay serial in W. Chained accesses (EV_CHAIN: the
 * chain_ counters) are taken out of W and D and paid in full, Wc + Dc,
 * whatever the process's mlp: the stall is the overlapped part's above
 * plus Wc + Dc, data_stall D / m + Dc.
 */
struct tpt_cost {
	double base;          /* instructions x base_cpi */
	double data_stall;    /* the data latencies' share of the memory stall */
	double walk_stall;    /* the walks' share (completed and faulted walks) */
	uint64_t exits;       /* exits x (exit cost + handler) */
	uint64_t faults;      /* guest page faults */
	uint64_t pvops;       /* dual page-table updates */
	uint64_t construction; /* TPT table construction */
	uint64_t policy;      /* profiling samples (each reads the process's counters) */
	double total;
};

void cost_compute(const struct tpt_stats *st, const struct tpt_config *c, double mlp,
		  struct tpt_cost *out);
/* to += from, term by term. */
void cost_add(struct tpt_cost *to, const struct tpt_cost *from);

#endif
