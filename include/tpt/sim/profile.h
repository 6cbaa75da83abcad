/* SPDX-License-Identifier: MIT */
/*
 * profile.h - the profiler in the simulated guest: samples each process at
 * a fixed interval of its simulated cycles, turns its counters into a
 * policy_sample, asks the policy, and switches TPT on or off.
 *
 * Called by the simulator from its periodic tick. A sample reads
 * PROFILE_COUNTERS counters of the process, each policy_counter_cycles,
 * charged to the process (the `policy` cost term).
 */
#ifndef TPT_PROFILE_H
#define TPT_PROFILE_H

#include <stdio.h>

#include "tpt/base/config.h"
#include "tpt/base/cost.h"
#include "tpt/policy/policy.h"
#include "tpt/base/stats.h"

enum profile_kind { PROFILE_OFF, PROFILE_AUTO, PROFILE_MPKI /* the `threshold` baseline */ };

extern const char *const profile_kind_name[3];

struct profile_proc {
	struct tpt_stats last; /* the counters at the last sample */
	struct tpt_stats at_enable; /* the counters when TPT was first enabled, if enabled */
	struct policy_proc pol;
	bool live, enabled;
};

struct vm;
struct scheme;

struct profiler {
	enum profile_kind kind;
	struct policy_params prm;
	double mpki;       /* PROFILE_MPKI: the threshold */
	uint32_t interval; /* cycles */
	struct profile_proc *procs; /* by pid */
	size_t cap;
	FILE *timeline;    /* CSV of every sample, or NULL */
};

void profile_init(struct profiler *pf, enum profile_kind kind, const struct tpt_config *cfg);
void profile_fini(struct profiler *pf);
/* The timeline CSV's header line, naming the columns of each sample's row. */
void profile_timeline_header(FILE *f);
/* A new process (exec or fork) starts with fresh state, in the mode it has
 * (a fork's child keeps its parent's TPT table). */
int profile_start(struct profiler *pf, int pid, bool tpt);
/* The counters were zeroed (the measured phase begins). */
void profile_mark(struct profiler *pf);
/* Samples the running process if its interval is over, and acts. Returns
 * the accesses until it should be called again. A table that cannot be
 * built (host memory exhausted) leaves the process on nested paging. */
uint64_t profile_tick(struct profiler *pf, const struct scheme *sc, struct vm *vm, double mlp);
/* A sampled run (sample.h) profiles in its detailed windows only, as a
 * sampling profiler sees a machine: a window begins (each process's sample
 * starts here), and ends (the running process is sampled over it and the
 * policy acts, whatever the interval; the window stands for `span`
 * intervals, its period over its length). */
void profile_window_begin(struct profiler *pf, const struct vm *vm);
void profile_window_end(struct profiler *pf, const struct scheme *sc, struct vm *vm, double mlp,
			uint32_t span);
/* Process pid's counters just before the profiler first enabled TPT for it
 * (so its construction comes after), or NULL when it never did. */
const struct tpt_stats *profile_enabled_at(const struct profiler *pf, int pid);

#endif
