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
	int rc = walk_1d(s, w, p->shadow.root, va, p->asid, write, CHECKS_NONE, WALK_SHADOW_MISS);
	if (rc != WALK_SWITCH)
		return rc;
	return nested_walk_from(s, p, va, write, w, w->switch_level, w->switch_table, false);
}

const struct scheme scheme_agile = {
	.name = "agile",
	.summary = "agile paging: shadow walk that switches to nested for often-written tables",
	.mode = VM_AGILE,
	.walk = agile_walk,
};
