/* SPDX-License-Identifier: MIT */
/*
 * cost.c - the cost model (cost.h): estimated cycles as a sum of terms,
 * each printed on its own. Pure function of counters and config; the
 * memory stall overlaps walks and misses as cost.h says.
 */
#include <math.h>

#include "tpt/base/cost.h"

void cost_compute(const struct tpt_stats *st, const struct tpt_config *c, double mlp,
		  struct tpt_cost *out)
{
	const uint32_t lat[CL_N] = {c->l1d_latency, c->l2_latency, c->llc_latency, c->dram_latency};
	const uint32_t handler[EXIT_N] = {
		[EXIT_EPT_VIOLATION] = c->ept_violation_cycles,
		[EXIT_SHADOW_FILL] = c->shadow_fill_cycles,
		[EXIT_PT_WRITE] = c->pt_write_cycles,
		[EXIT_PF_INTERCEPT] = c->pf_intercept_cycles,
		[EXIT_CR3] = c->cr3_cycles,
		[EXIT_INVLPG] = c->invlpg_cycles,
		[EXIT_HYPERCALL] = c->hypercall_cycles,
	};
	*out = (struct tpt_cost){0};
	out->base = (double)st->instructions * c->base_cpi;
	uint64_t beyond = 0, chain = 0;
	/* An access beyond the L1 stalls for the latency beyond an L1 hit, which
	 * the core's pipeline hides; a chained access (its address is the
	 * data of the one before) waits for its whole load-to-use latency, an
	 * L1 hit's included. */
	for (int l = CL_L1; l < CL_N; l++) {
		uint64_t extra = l > CL_L1 && lat[l] > lat[CL_L1] ? lat[l] - lat[CL_L1] : 0;
		beyond += (st->data_level[l] - st->chain_data_level[l]) * extra;
		chain += st->chain_data_level[l] * lat[l];
	}
	double seq = st->accesses ? (double)st->seq_accesses / (double)st->accesses : 0;
	double d = (double)beyond * (1 - c->prefetch * seq);
	double w = (double)(st->walk_cycles + st->faulted_walk_cycles - st->chain_walk_cycles);
	double m = mlp > 1 ? mlp : 1;
	if (m > c->miss_buffers)
		m = c->miss_buffers;
	double pw = c->walkers < m ? c->walkers : m;
	double stall = fmax(w / pw, (w + d) / m) + (double)(st->chain_walk_cycles + chain);
	/* The data's share is what the stall would be without walks; the walks'
	 * is what they add to it. */
	out->data_stall = d / m + (double)chain;
	out->walk_stall = stall - out->data_stall;
	for (int r = 0; r < EXIT_N; r++)
		out->exits += st->exits[r] * ((uint64_t)c->exit_cycles + handler[r]);
	out->exits += st->shadow_syncs * c->shadow_sync_cycles; /* in the CR3 loads' exits */
	out->faults = st->guest_faults * c->guest_fault_cycles +
		      st->cleared_frames * c->clear_frame_cycles +
		      st->tpt_status_faults * c->status_fault_cycles;
	out->pvops = st->pvops * c->pvop_cycles;
	out->construction = (st->tpt_built_pages + st->tpt_repaired_pages) * c->tpt_construct_cycles +
			    st->shsp_built_pages * c->shsp_build_cycles;
	out->policy = st->profile_samples * PROFILE_COUNTERS * c->policy_counter_cycles;
	out->total = out->base + out->data_stall + out->walk_stall + (double)out->exits +
		     (double)out->faults + (double)out->pvops + (double)out->construction +
		     (double)out->policy;
}

void cost_add(struct tpt_cost *to, const struct tpt_cost *from)
{
	to->base += from->base;
	to->data_stall += from->data_stall;
	to->walk_stall += from->walk_stall;
	to->exits += from->exits;
	to->faults += from->faults;
	to->pvops += from->pvops;
	to->construction += from->construction;
	to->policy += from->policy;
	to->total += from->total;
}
