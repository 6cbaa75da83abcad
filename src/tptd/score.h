/* SPDX-License-Identifier: MIT */
/*
 * score.h - from what tptd measured over one interval to the policy's
 * sample (policy.h), for either metric source.
 *
 * PMU: cycles, instructions and walk cycles are counted (walk cycles of
 * loads, stores and instruction fetches; without a walk-cycle event, walks
 * times [pmu] walk_cost).
 *
 * Heuristic (no PMU): the share of cycles spent walking is estimated as
 *     walk_share = walk_share_max * P(miss),
 *     P(miss)    = 1 - tlb_reach / hot4k   (0 when hot4k <= tlb_reach),
 *     hot4k      = Referenced * (Anonymous - AnonHugePages) / Rss,
 * i.e. the hot working set measured through cleared accessed bits (the
 * pages walked since: clear_refs leaves the TLB alone, so what it holds is
 * not counted, at most tlb_reach and costing no walks), in the
 * proportion of anonymous memory still mapped with 4 KiB pages, against what
 * the STLB covers, for uniformly spread accesses; cycles are CPU time times
 * [heuristic] cpu_ghz. Walks are left 0 so the policy never "learns" a walk
 * cost from a number it was given.
 *
 * Where the machine's MMU does not set accessed bits again after
 * clear_refs (probe.h: accessed_bits; a PVM guest, whose hypervisor
 * shadows its tables in software), Referenced stays near zero
 * whatever the process touches; then hot4k is all of Anonymous -
 * AnonHugePages, an upper bound, and the log and status say so.
 */
#ifndef TPTD_SCORE_H
#define TPTD_SCORE_H

#include <stdbool.h>

#include "conf.h"
#include "counters.h"
#include "proc.h"
#include "tpt/policy/policy.h"

struct score_in {
	double cpu_ns;        /* CPU time in the interval */
	uint64_t faults;      /* page faults in the interval */
	struct proc_mem mem;  /* at the end of the interval (heuristic: Referenced since its start) */
	bool mem_valid;
	bool no_refs;         /* accessed bits unavailable: every 4 KiB-mapped anon page counts as hot */
	bool pmu;
	double ctr[ROLE_N];   /* PMU deltas */
	bool walk_cycle_event;
};

/* Fills x for a process in mode `on`; returns the estimated walk share. */
double score_sample(const struct tptd_conf *c, const struct score_in *in, bool on,
		    enum tptd_actuator act, struct policy_sample *x);
/* The policy's parameters for an actuator: thp costs collapse_cycles per
 * 4 KiB page and no pv-ops; tpt the [policy] pv-op and construction costs. */
void score_params(const struct tptd_conf *c, enum tptd_actuator act, struct policy_params *p);

#endif
