/*
 * shadow.c - shadow paging: the hardware walks only the hypervisor's shadow
 * table (gVA -> hPA), g' references per TLB miss. A missing entry is a
 * hidden page fault (or a true guest fault) handled by vm/shadow.c.
 */
#include "mmu/walk.h"

static int shadow_walk(struct sim *s, struct process *p, uint64_t va, bool write, struct walk *w)
{
	return walk_1d(s, w, p->shadow.root, va, p->asid, write, CHECKS_NONE, WALK_SHADOW_MISS);
}

const struct scheme scheme_shadow = {
	.name = "shadow",
	.summary = "shadow paging: 1D walk of the shadow table; exits keep it in sync",
	.mode = VM_SHADOW,
	.walk = shadow_walk,
};
