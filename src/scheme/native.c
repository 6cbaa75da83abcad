/*
 * native.c - no virtualization: one walk of the process's page table,
 * whose physical addresses are host addresses. g references per TLB miss.
 */
#include "mmu/walk.h"

static int native_walk(struct sim *s, struct process *p, uint64_t va, bool write, struct walk *w)
{
	return walk_1d(s, w, p->pt.root, va, p->asid, write, CHECKS_NONE, WALK_GUEST_PF);
}

const struct scheme scheme_native = {
	.name = "native",
	.summary = "bare metal: a 1D walk of the guest table, gPA == hPA",
	.mode = VM_NATIVE,
	.walk = native_walk,
};
