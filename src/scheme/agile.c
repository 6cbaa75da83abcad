/*
 * agile.c - agile paging (Gandhi, Hill and Swift, ISCA 2016): the walk
 * starts in the shadow table and, at an entry carrying the switching bit,
 * continues in nested mode from the guest table page that entry names. With
 * no switched entry it costs g' references like shadow paging; switched at
 * the leaf table it costs the shadow levels above plus (h+1) + h for the
 * rest: between shadow and nested, as agile paging promises.
 *
 * The paging-structure caches serve the shadow part only: the nested part's
 * guest-physical pointers would mix address spaces in them.
 */
#include "mmu/walk.h"

static int agile_walk(struct sim *s, struct process *p, uint64_t va, bool write, struct walk *w)
{
	uint64_t table = p->shadow.root;
	for (int level = walk_start(s, va, p->asid, &table);; level--) {
		uint64_t epa = table + 8ULL * pt_index(va, level);
		walk_ref(s, w, epa);
		uint64_t e;
		if (!walk_entry(s, epa, level, write, &e)) {
			w->fault_addr = va;
			return WALK_SHADOW_MISS;
		}
		if (e & PTE_SWITCH)
			return nested_walk_from(s, p, va, write, w, level - 1, e & PTE_ADDR, false);
		if (level == 1 || (e & PTE_PS)) {
			w->pa = walk_leaf_pa(e, level, va);
			w->shift = pt_shift(level);
			w->writable = e & PTE_W;
			return WALK_OK;
		}
		table = e & PTE_ADDR;
		pwc_fill(&s->pwc, level, va, p->asid, table);
	}
}

const struct scheme scheme_agile = {
	.name = "agile",
	.summary = "agile paging: shadow walk that switches to nested for often-written tables",
	.mode = VM_AGILE,
	.walk = agile_walk,
};
