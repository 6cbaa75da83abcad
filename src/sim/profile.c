/* SPDX-License-Identifier: MIT */
/*
 * profile.c - the simulated guest's profiler (see profile.h).
 *
 * Called from the simulator's tick, between accesses. The interval is
 * measured in the running process's own cycles (the cost model over its
 * counters since the last sample); the simulator's clock counts accesses,
 * so each call says how many accesses to wait, from the process's recent
 * cycles per access, polling 16 times an interval and at least every 16K
 * accesses, so that a phase change delays a sample by little.
 *
 * Invariants: a process's `last` counters never exceed its current ones;
 * the policy state passes policy_check after every decision.
 */
#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tpt/scheme/scheme.h"
#include "tpt/sim/profile.h"
#include "tpt/base/cost.h"
#include "tpt/vm/vm.h"

const char *const profile_kind_name[3] = {"off", "auto", "threshold"};

void profile_init(struct profiler *pf, enum profile_kind kind, const struct tpt_config *cfg)
{
	*pf = (struct profiler){.kind = kind, .mpki = cfg->policy_mpki,
				.interval = cfg->policy_interval};
	policy_params_from_config(&pf->prm, cfg);
}

void profile_fini(struct profiler *pf)
{
	free(pf->procs);
	pf->procs = NULL;
	pf->cap = 0;
}

int profile_start(struct profiler *pf, int pid, bool tpt)
{
	if (pf->kind == PROFILE_OFF)
		return 0;
	size_t had = pf->cap;
	if (tpt_grow(&pf->procs, &pf->cap, (size_t)pid + 1, sizeof(*pf->procs)))
		return -1;
	/* Pids never started read as not live (profile_window_begin walks them all). */
	if (pf->cap > had)
		memset(&pf->procs[had], 0, (pf->cap - had) * sizeof(*pf->procs));
	struct profile_proc *pp = &pf->procs[pid];
	memset(&pp->last, 0, sizeof(pp->last));
	policy_proc_init(&pp->pol, &pf->prm, tpt);
	pp->live = true;
	pp->enabled = false;
	return 0;
}

void profile_mark(struct profiler *pf)
{
	for (size_t i = 0; i < pf->cap; i++) {
		memset(&pf->procs[i].last, 0, sizeof(pf->procs[i].last));
		memset(&pf->procs[i].at_enable, 0, sizeof(pf->procs[i].at_enable));
	}
}

const struct tpt_stats *profile_enabled_at(const struct profiler *pf, int pid)
{
	if (pf->kind == PROFILE_OFF || pid < 0 || (size_t)pid >= pf->cap || !pf->procs[pid].enabled)
		return NULL;
	return &pf->procs[pid].at_enable;
}

/* The `threshold` baseline: on while STLB misses per thousand instructions exceed
 * the threshold, off otherwise. */
static enum policy_action decide_mpki(const struct profiler *pf, bool tpt,
				      const struct policy_sample *x)
{
	double mpki = x->instrs ? 1000.0 * (double)x->walks / (double)x->instrs : 0;
	if (!tpt && mpki > pf->mpki)
		return POLICY_ENABLE;
	if (tpt && mpki <= pf->mpki)
		return POLICY_DISABLE;
	return POLICY_KEEP;
}

void profile_timeline_header(FILE *f)
{
	fprintf(f, "pid,name,sample,instructions,cycles,mpki,walk_share,rss_pages,faults,"
		   "pt_updates,exits,seq_share,gain_share,threshold,mode,action,walks,walk_cycles,"
		   "accesses,seq_accesses\n");
}

static void log_sample(struct profiler *pf, const struct process *p, const struct profile_proc *pp,
		       const struct policy_sample *x, enum policy_action a)
{
	static const char *const act[] = {"keep", "enable", "disable"};
	if (!pf->timeline)
		return;
	double instrs = x->instrs ? (double)x->instrs : 1;
	fprintf(pf->timeline, "%d,", p->pid);
	tpt_csv_field(pf->timeline, p->name);
	fprintf(pf->timeline, ",%llu,%llu,%llu,%.3f,%.4f,%llu,%llu,%llu,%llu,%.4f,%.5f,%.5f,%s,%s,%llu,%llu,%llu,%llu\n",
		(unsigned long long)pp->pol.intervals,
		(unsigned long long)x->instrs, (unsigned long long)x->cycles,
		1000.0 * (double)x->walks / instrs,
		x->cycles ? (double)x->walk_cycles / (double)x->cycles : 0,
		(unsigned long long)x->rss_pages, (unsigned long long)x->faults,
		(unsigned long long)x->pt_updates, (unsigned long long)x->exits,
		x->accesses ? (double)x->seq_accesses / (double)x->accesses : 0, pp->pol.gain,
		pp->pol.threshold, x->tpt ? "tpt" : "nested", act[a],
		(unsigned long long)x->walks, (unsigned long long)x->walk_cycles,
		(unsigned long long)x->accesses, (unsigned long long)x->seq_accesses);
}

/* Accesses until the next poll: the cycles to wait at the recent rate, but
 * at most 16K accesses (a phase can make accesses 100 times dearer). */
static uint64_t accesses_for(double cycles, double per_access)
{
	double n = cycles / per_access;
	return n < 64 ? 64 : n > 16384 ? 16384 : (uint64_t)n;
}

/* Samples the running process when its interval is over, or now if
 * `span` is not 0 (a sampled run's window ends: the sample is the window,
 * and stands for `span` intervals). */
static uint64_t sample(struct profiler *pf, const struct scheme *sc, struct vm *vm, double mlp,
		       uint32_t span)
{
	bool window = span != 0;
	struct process *p = vm->cur;
	if (!p || (size_t)p->pid >= pf->cap || !pf->procs[p->pid].live)
		return 4096;
	struct profile_proc *pp = &pf->procs[p->pid];
	struct tpt_stats d;
	struct tpt_cost c;
	d = p->st;
	stats_sub(&d, &pp->last);
	cost_compute(&d, vm->cfg, mlp, &c);
	double per_access = d.accesses ? c.total / (double)d.accesses : 100;
	if (per_access < 1)
		per_access = 1;
	/* Polls 16 times an interval: a phase change that makes accesses dearer
	 * than the recent rate would otherwise stretch the interval. */
	double poll = pf->interval / 16.0;
	if (!window && c.total < pf->interval)
		return accesses_for(fmin(pf->interval - c.total, poll), per_access);
	struct policy_sample x = {
		.cycles = (uint64_t)c.total,
		.instrs = d.instructions,
		.walks = d.walks + d.faulted_walks,
		.walk_cycles = (uint64_t)c.walk_stall,
		.rss_pages = p->pt.pages,
		.faults = d.guest_faults,
		.pt_updates = d.pt_updates,
		.exits = stats_exits(&d),
		.accesses = d.accesses,
		.seq_accesses = d.seq_accesses,
		.tpt = vm_own_table(vm, p),
		/* A window stands for its period: the run went on between. */
		.span = window ? span : 1,
	};
	p->st.profile_samples++;
	uint64_t losing = pp->pol.losing;
	enum policy_action a = pf->kind == PROFILE_AUTO ? policy_decide(&pp->pol, &pf->prm, &x)
							: decide_mpki(pf, vm_own_table(vm, p), &x);
	if (pf->kind != PROFILE_AUTO)
		pp->pol.intervals += x.span;
	p->st.policy_losing += pp->pol.losing - losing;
	assert(policy_check(&pp->pol, &pf->prm) == 0);
	log_sample(pf, p, pp, &x, a);
	if (a == POLICY_ENABLE) {
		struct tpt_stats before = p->st;
		if (sc->enable(vm, p, &p->st)) {
			sc->disable(vm, p); /* what was built goes; the policy votes again */
			policy_proc_init(&pp->pol, &pf->prm, false);
		} else {
			p->st.policy_enables++;
			if (!pp->enabled)
				pp->at_enable = before;
			pp->enabled = true;
		}
	} else if (a == POLICY_DISABLE) {
		sc->disable(vm, p);
		p->st.policy_disables++;
	}
	pp->last = p->st;
	return accesses_for(poll, per_access);
}

uint64_t profile_tick(struct profiler *pf, const struct scheme *sc, struct vm *vm, double mlp)
{
	return sample(pf, sc, vm, mlp, 0);
}

void profile_window_begin(struct profiler *pf, const struct vm *vm)
{
	if (pf->kind == PROFILE_OFF)
		return;
	for (size_t pid = 0; pid < pf->cap && pid < vm->nprocs; pid++)
		if (pf->procs[pid].live && vm->procs[pid])
			pf->procs[pid].last = vm->procs[pid]->st;
}

void profile_window_end(struct profiler *pf, const struct scheme *sc, struct vm *vm, double mlp,
			uint32_t span)
{
	if (pf->kind != PROFILE_OFF)
		sample(pf, sc, vm, mlp, span ? span : 1);
}
