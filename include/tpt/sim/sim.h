/* SPDX-License-Identifier: MIT */
/*
 * sim.h - one simulated run: a machine (struct mmu: TLBs, paging-structure
 * caches, nested TLB, RMP cache, cache hierarchy), a VM (or a native OS), a
 * scheme and a workload. sim_run consumes the workload's events; every access is
 * translated (TLB, else a walk of the scheme) and then goes to the caches.
 *
 * No globals: two sims in one process behave as two processes would.
 */
#ifndef TPT_SIM_H
#define TPT_SIM_H

#include "tpt/mmu/mmu.h"
#include "tpt/sim/profile.h"
#include "tpt/sim/sample.h"
#include "tpt/scheme/scheme.h"
#include "tpt/workload/workload.h"

struct sim_params {
	const struct scheme *scheme;
	unsigned guest_shift, host_shift; /* 12, 21 or 30 */
	int levels;                       /* 4 or 5 */
	bool no_walk_caches;              /* PWC, nested TLB and RMP cache off */
	bool progress;                    /* progress line on stderr */
	bool no_prefetch;                 /* no host prefetching (results are identical) */
	uint64_t seed;                    /* for the hypervisor's choices */
	enum profile_kind policy;         /* automatic TPT (TPT schemes): nothing armed up front */
	enum { ARM_WORKLOAD, ARM_NONE, ARM_ALL, ARM_LIST } arm; /* without a policy: who gets TPT */
	const char (*arm_names)[16];      /* ARM_LIST: these programs */
	unsigned narm;
	FILE *timeline;                   /* the profiler's samples as CSV, or NULL */
	bool whole_run;                   /* count the warm-up too (ignore EV_MARK) */
	bool sample;                      /* sampled simulation ([sample], sample.h) */
};

struct sim {
	struct tpt_config cfg;
	struct sim_params prm;
	const struct scheme *scheme;
	struct workload *wl;
	struct mmu mmu;    /* the machine: host memory, caches, TLBs, walk caches */
	struct vm vm;      /* each process keeps its counters; sim_account names the running one's */
	uint64_t guest_mem, host_mem;
	uint64_t next_scheme, next_migrate, next_profile; /* access clock of the next tick, or UINT64_MAX */
	uint64_t next_tick;                /* the earliest of them */
	uint64_t last_page;                /* of the previous access, for seq_accesses */
	struct profiler prof;
	struct rng rng;    /* the hypervisor's choices (migrations) */
	struct sim_sample smp; /* sampled simulation's phases (SAMPLE_EXACT when not sampled) */
};

int sim_init(struct sim *s, const struct tpt_config *cfg, const struct sim_params *prm,
	     struct workload *wl, struct tpt_err *e);
void sim_fini(struct sim *s);
/* Runs the workload to its end. */
int sim_run(struct sim *s, struct tpt_err *e);
/* A batch of events, as the run loop feeds them (EV_MARK resets the counters). */
int sim_events(struct sim *s, const struct event *ev, size_t n, struct tpt_err *e);
/* One access, as the run loop does it (for tests). 0, or -1 with e set. */
int sim_access(struct sim *s, uint64_t va, bool write, uint32_t instrs, struct tpt_err *e);
/* Zeroes the counters (the workload's warm-up is over). */
void sim_reset_stats(struct sim *s);
/* The account of the running process, or the system's when none runs. */
static inline struct tpt_stats *sim_account(struct sim *s)
{
	return s->vm.cur ? &s->vm.cur->st : &s->vm.sys;
}
/* All counters summed: every process's and the system's. */
void sim_totals(const struct sim *s, struct tpt_stats *out);
/* One OS event (EV_EXEC ... EV_SYSCALL). 0, or -1 with e set. */
int sim_os_event(struct sim *s, const struct event *ev, struct tpt_err *e);
/* Runs every module's checker, and its own, by the invariants it numbers:
 * 1 every TLB entry belongs to a live process's PCID; 2 it translates as
 * the tables do now (no entry outlives its mapping); 3 it lets a write
 * through only where the guest table does. */
int sim_check(const struct sim *s, struct tpt_err *e);

#endif
