/* SPDX-License-Identifier: MIT */
/*
 * ideal.c - the upper bound every memory-virtualization paper plots: a
 * machine on which every translation costs what a TLB hit costs. It runs
 * natively (no hypervisor, guest frames are host frames); a TLB miss still
 * finds its translation in the process's page table, as hardware must to
 * fill the TLB, and sets accessed and dirty bits as hardware does, but
 * reads the entries without a reference: nothing goes through the caches,
 * no cycle is spent, no paging-structure cache is consulted (every walk
 * starts at the root, a PWC miss in the counters). 0 references per TLB
 * miss; what is left between it and native is the walks.
 *
 * Called by the simulator through scheme.h. It has no state of its own.
 */
#include "tpt/mmu/walk.h"
#include "tpt/scheme/scheme.h"

static unsigned ideal_refs(unsigned g, unsigned h, unsigned g1)
{
	(void)g, (void)h, (void)g1;
	return 0;
}

/* The 1D walk of the guest table, free: entries read in place, none through
 * the caches. */
static int ideal_walk(struct mmu *m, const struct mmu_regs *r, uint64_t va, bool write,
		      struct walk *w)
{
	uint64_t table = r->cr3;
	w->st->pwc_misses++;
	for (int level = m->levels;; level--) {
		uint64_t e;
		if (!walk_entry(m, table + 8ULL * pt_index(va, level), level, write, &e)) {
			w->fault_addr = va;
			return WALK_GUEST_PF;
		}
		if (level == 1 || (e & PTE_PS)) {
			w->pa = pt_leaf_pa(e, level, va);
			w->shift = pt_shift(level);
			w->writable = e & PTE_W;
			return WALK_OK;
		}
		table = e & PTE_ADDR;
	}
}

const struct scheme scheme_ideal = {
	.name = "ideal",
	.summary = "the upper bound: native, and every TLB miss as cheap as a hit (0 references)",
	.hv = &hv_native,
	.cr3_gpa = true, /* gPA == hPA */
	.regs = scheme_guest_regs,
	.walk = ideal_walk,
	.miss_refs = ideal_refs,
};
