/* SPDX-License-Identifier: MIT */
/*
 * score.c - interval measurements to policy samples (see score.h).
 *
 * Pure: called by the daemon's round and by tests with made-up inputs.
 */
#include <math.h>
#include <string.h>

#include "score.h"

void score_params(const struct tptd_conf *c, enum tptd_actuator act, struct policy_params *p)
{
	*p = c->pol;
	if (act == ACT_THP) {
		p->pvop_cycles = 0;
		p->construct_cycles = c->collapse_cycles;
	}
}

static double heuristic_share(const struct tptd_conf *c, const struct proc_mem *m, bool no_refs)
{
	if (!m->rss)
		return 0;
	double anon4k = (double)proc_mem_anon4k(m);
	double hot4k = no_refs ? anon4k : fmin((double)m->referenced * anon4k / (double)m->rss, anon4k);
	double reach = (double)c->tlb_reach;
	return hot4k > reach ? c->walk_share_max * (1 - reach / hot4k) : 0;
}

double score_sample(const struct tptd_conf *c, const struct score_in *in, bool on,
		    enum tptd_actuator act, struct policy_sample *x)
{
	memset(x, 0, sizeof(*x));
	x->tpt = on;
	x->faults = in->faults;
	x->pt_updates = in->faults; /* each fault installs an entry: one pv-op under TPT */
	if (in->mem_valid) {
		uint64_t anon4k = proc_mem_anon4k(&in->mem);
		/* What acting costs grows with: TPT builds a table for all of RSS,
		 * a collapse copies the anonymous memory still on 4 KiB pages. */
		x->rss_pages = (act == ACT_THP ? anon4k : in->mem.rss) >> 12;
	}
	if (in->pmu) {
		x->cycles = (uint64_t)in->ctr[ROLE_CYCLES];
		x->instrs = (uint64_t)in->ctr[ROLE_INSTRS];
		x->walks = (uint64_t)in->ctr[ROLE_WALKS];
		x->walk_cycles = in->walk_cycle_event ? (uint64_t)in->ctr[ROLE_WALK_CYCLES]
						      : (uint64_t)(in->ctr[ROLE_WALKS] * c->walk_cost);
		if (x->walk_cycles > x->cycles)
			x->walk_cycles = x->cycles;
	} else {
		x->cycles = (uint64_t)(in->cpu_ns * c->cpu_ghz);
		double share = in->mem_valid ? heuristic_share(c, &in->mem, in->no_refs) : 0;
		x->walk_cycles = (uint64_t)((double)x->cycles * share);
	}
	return x->cycles ? (double)x->walk_cycles / (double)x->cycles : 0;
}
