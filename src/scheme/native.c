/* SPDX-License-Identifier: MIT */
/*
 * native.c - no virtualization: one walk of the process's page table,
 * whose physical addresses are host addresses. g references per TLB miss.
 */
#include "tpt/scheme/scheme.h"

static int native_walk(struct mmu *m, const struct mmu_regs *r, uint64_t va, bool write,
		       struct walk *w)
{
	return walk_1d(m, r, w, r->cr3, va, write, CHECKS_NONE, WALK_GUEST_PF);
}

static unsigned native_refs(unsigned g, unsigned h, unsigned g1)
{
	(void)h, (void)g1;
	return g;
}

const struct scheme scheme_native = {
	.name = "native",
	.summary = "bare metal: a 1D walk of the guest table, gPA == hPA",
	.hv = &hv_native,
	.cr3_gpa = true, /* gPA == hPA */
	.regs = scheme_guest_regs,
	.walk = native_walk,
	.miss_refs = native_refs,
};
