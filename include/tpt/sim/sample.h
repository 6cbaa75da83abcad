/* SPDX-License-Identifier: MIT */
/*
 * sample.h - sampled simulation (sample.c, driven by sim.c's run loop):
 * systematic sampling as SMARTS does it. From the measured phase on, each
 * period of [sample] sample_period accesses starts with sample_warmup
 * accesses simulated in detail whose timing counters are dropped (they warm
 * the TLBs, walk caches and caches), then sample_window accesses measured in
 * detail; the rest of the period is fast-forwarded: every access is made and
 * every operating-system and hypervisor event applied and costed exactly
 * (faults, exits, table updates and construction, migrations, the policy's
 * decisions), but the TLBs, walk caches, caches and timing are left alone
 * (walks are made only where ffwd.h says a fault is possible). With
 * sample_prewarm, the last accesses of that stretch, before the next
 * warm-up, run the detailed path uncounted (functional warming, as
 * sample_warming = full does for all of it). The workload's warm-up before
 * its mark is fast-forwarded whole.
 *
 * With a target precision (sample_ci), the period shrinks after each
 * window from the 10th on, so that the run's remaining length holds the
 * windows the target needs at the variance seen so far.
 *
 * At the end each process's timing counters (stats.h, TPT_STATS_TIMED) are
 * its windows' times its accesses over its windows' accesses; every other
 * counter is exact. The windows' memory stall per access gives the 95 %
 * confidence interval of the estimated cycles.
 *
 * Invariant: in fast-forward (and its functional warming) the timing
 * counters of every process are those at the phase's start (snap): its
 * walks count elsewhere (scratch).
 */
#ifndef TPT_SAMPLE_H
#define TPT_SAMPLE_H

#include "tpt/base/stats.h"
#include "tpt/sim/ffwd.h"

enum sample_phase { SAMPLE_EXACT, SAMPLE_FAST, SAMPLE_PREWARM, SAMPLE_WARM, SAMPLE_WINDOW };

/* Sums over windows of one figure per access, for its interval. */
struct sample_sum {
	double sum, sumsq;
};

struct sim_sample {
	enum sample_phase phase; /* SAMPLE_EXACT: not sampled (the default) */
	uint64_t next;           /* access clock of the next phase change; UINT64_MAX none */
	uint64_t period_start, phase_start; /* access clock at their starts */
	uint64_t windows;        /* windows measured since the mark */
	uint64_t period;         /* accesses from a window's start to the next: [sample]'s, or
				    less as sample_ci asks */
	uint64_t detailed, warmed, fast; /* accesses of each kind since the mark (fast: with
					    the functional warming's) */
	uint64_t prewarmed;              /* ... of fast, those sample_prewarm warmed */
	struct sample_sum stall, walk, data; /* memory stall, walk stall, data stall per access */
	struct sample_sum cycles;            /* estimated cycles per access */
	struct tpt_stats *snap;  /* by pid: the counters at the phase's start */
	uint64_t *win_acc;       /* by pid: accesses in windows since the mark */
	unsigned cap;            /* pids snap and win_acc hold */
	struct ffwd ff;
	uint64_t epoch;          /* the MMU's invalidations ff follows */
	struct tpt_stats scratch; /* what fast-forward's walks count, dropped */
	bool failed;              /* out of memory: the run cannot be estimated */
};

/* What a sampled run says of itself (report.h): its windows, the accesses
 * of each kind, and the 95 % confidence half-widths of the estimated
 * figures, in cycles (0 with fewer than two windows). */
struct sample_result {
	bool on;
	uint64_t windows, detailed, warmed, fast_forwarded;
	uint64_t prewarmed; /* of fast_forwarded, functionally warmed by sample_prewarm */
	double stall_hw, walk_hw, data_hw;
	double target;       /* [sample] sample_ci, or 0 */
	uint64_t period;     /* the last period: sample_period, or less as the target asked */
};

struct sim;
/* Sets up sampling for a footprint of `pages` 4 KiB pages when the run asked
 * for it (sim_params.sample): 0, or -1 with e set. */
int sample_init(struct sim *s, uint64_t pages, struct tpt_err *e);
void sample_fini(struct sim *s);
/* The workload's mark: sampling starts over from here. */
void sample_mark(struct sim *s);
/* The access clock reached s->smp.next: the next phase. */
void sample_change(struct sim *s);
/* The run ended: the last window closed, timing counters estimated. 0, or
 * -1 with e set when sampling ran out of memory on the way. */
int sample_finish(struct sim *s, struct tpt_err *e);
void sample_result(const struct sim *s, struct sample_result *r);
/* Checker: 1 in fast-forward every process's timing counters are the
 * phase's start's; 2 the memo's own (ffwd_check). */
int sample_check(const struct sim *s, struct tpt_err *e);

#endif
