/* SPDX-License-Identifier: MIT */
/*
 * policy.h - automatic TPT enablement: per-process metrics in, decisions
 * out.
 *
 * The simulator's profiler and the live daemon both fill a policy_sample
 * per process per interval and call policy_decide; nothing here knows where
 * the numbers came from. The policy estimates the cycles TPT would save in
 * the next interval (walk cycles under nested paging minus the TPT walk)
 * against what it costs (pv-ops, which grow with page-table churn, and the
 * table's construction, which grows with RSS and is amortised over the
 * intervals the process can be expected to keep running: as many as it has
 * run, at least `horizon`), and acts on that estimate only after `confidence`
 * intervals agree, outside a dead band around a threshold that rises after
 * each decision that proved wrong and ages back to its base.
 */
#ifndef TPT_POLICY_H
#define TPT_POLICY_H

#include <stdbool.h>
#include <stdint.h>

struct tpt_config;

struct policy_params {
	double threshold;   /* net gain, as a share of cycles, that argues for TPT */
	double band;        /* dead band: +-band*threshold around it changes nothing */
	double walk_ratio;  /* prior: TPT walk cycles / nested walk cycles */
	double age;         /* per interval, the raised threshold keeps this share of its excess */
	double raise;       /* a losing decision multiplies the threshold by this */
	double max_raise;   /* ... up to this many times its base */
	uint32_t confidence; /* agreeing intervals before a switch (saturating counter) */
	uint32_t horizon;   /* fewest intervals construction is amortised over */
	uint32_t pvop_cycles, construct_cycles; /* per PTE update, per resident page */
};

/* One process over one interval: counter deltas, except rss_pages. */
struct policy_sample {
	uint64_t cycles, instrs;
	uint64_t walks, walk_cycles; /* STLB misses and the cycles their walks took */
	uint64_t rss_pages;          /* 4 KiB pages resident at the end */
	uint64_t faults, pt_updates, exits;
	uint64_t accesses, seq_accesses; /* seq: same or next 4 KiB page as the previous */
	bool tpt;                        /* the mode the interval ran in */
	uint32_t span; /* intervals of the process's run it stands for: 1 (0 is taken
			* as 1), or more for a sampled run's window (sample.h) */
};

enum policy_action { POLICY_KEEP, POLICY_ENABLE, POLICY_DISABLE };

/* Per-process state. */
struct policy_proc {
	bool tpt;             /* the mode the policy has chosen */
	uint32_t counter;     /* 0 .. confidence: votes for TPT */
	double threshold;     /* current (raised, ageing) threshold */
	double cpw[2];        /* EWMA walk cycles per walk: [0] nested, [1] TPT; 0 unknown */
	double gain;          /* the last interval's estimated net gain share */
	uint32_t since;       /* intervals since the last switch */
	bool settle;          /* the interval after a switch: caches refill, no vote, no learning */
	uint64_t intervals, decisions, losing; /* losing: reversed within `horizon` */
};

void policy_params_default(struct policy_params *p);
void policy_params_from_config(struct policy_params *p, const struct tpt_config *c);
void policy_proc_init(struct policy_proc *s, const struct policy_params *p, bool tpt);

/* Net cycles TPT would gain over the interval (negative: it costs). */
double policy_gain(const struct policy_proc *s, const struct policy_params *p,
		   const struct policy_sample *x);
/* Feeds one interval; says what to do before the next. */
enum policy_action policy_decide(struct policy_proc *s, const struct policy_params *p,
				 const struct policy_sample *x);
/* Checker of the state for tests: 0 if sound, else -N for the first
 * invariant N broken: 1 the agreeing-interval counter within confidence; 2
 * the threshold between its base and max_raise times it; 3 no more losing
 * decisions than decisions, no more decisions than intervals; 4 no
 * negative walk cost learned. */
int policy_check(const struct policy_proc *s, const struct policy_params *p);

#endif
