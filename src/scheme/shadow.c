/*
 * shadow.c - shadow paging: the hardware walks only the hypervisor's shadow
 * table (gVA -> hPA), loaded as CR3: g' references per TLB miss. A missing
 * entry is a hidden page fault (or a true guest fault) handled by
 * vm/shadow.c.
 */
#include "tpt/scheme/scheme.h"

/* Shadow and agile paging: CR3 holds the shadow root. */
static void shadow_regs(struct vm *vm, struct process *p, struct mmu_regs *r)
{
	scheme_guest_regs(vm, p, r);
	r->cr3 = p->shadow.root;
}

/* Shadow paging, and agile paging with nothing switched: the shadow table alone. */
static unsigned shadow_refs(unsigned g, unsigned h, unsigned g1)
{
	(void)g, (void)h;
	return g1;
}

static int shadow_walk(struct mmu *m, const struct mmu_regs *r, uint64_t va, bool write,
		       struct walk *w)
{
	return walk_1d(m, r, w, r->cr3, va, write, CHECKS_NONE, WALK_SHADOW_MISS);
}

const struct scheme scheme_shadow = {
	.name = "shadow",
	.summary = "shadow paging: 1D walk of the shadow table; exits keep it in sync",
	.hv = &hv_shadow,
	.regs = shadow_regs,
	.walk = shadow_walk,
	.miss_refs = shadow_refs,
};

/*
 * Agile paging (Gandhi, Hill and Swift, ISCA 2016): the walk starts in the
 * shadow table and, at an entry carrying the switching bit, continues in
 * nested mode from the guest table page that entry names. With no switched
 * entry it costs g' references like shadow paging; switched at the leaf
 * table it costs the shadow levels above plus (h+1) + h for the rest:
 * between shadow and nested, as agile paging promises.
 *
 * The paging-structure caches serve the shadow part only: the nested part's
 * guest-physical pointers would mix address spaces in them.
 */
static int agile_walk(struct mmu *m, const struct mmu_regs *r, uint64_t va, bool write,
		      struct walk *w)
{
	int rc = walk_1d(m, r, w, r->cr3, va, write, CHECKS_NONE, WALK_SHADOW_MISS);
	if (rc != WALK_SWITCH)
		return rc;
	return walk_2d_from(m, r, va, write, w, w->switch_level, w->switch_table, false);
}

const struct scheme scheme_agile = {
	.name = "agile",
	.summary = "agile paging: shadow walk that switches to nested for often-written tables",
	.hv = &hv_agile,
	.regs = shadow_regs,
	.walk = agile_walk,
	.miss_refs = shadow_refs,
};
