/* SPDX-License-Identifier: MIT */
/*
 * walk.h - the steps every page walker is made of: one reference through
 * the caches, one entry read in place with its accessed and dirty bits set
 * as hardware sets them, and where a walk starts. The walkers of walk.c
 * (mmu.h) are built from them, and so may a scheme's own walk be
 * (scheme.h, docs/extending.md).
 */
#ifndef TPT_WALK_H
#define TPT_WALK_H

#include "tpt/mmu/mmu.h"

/* One page-table reference: through the caches, counted in the walk. */
static inline uint32_t walk_ref(struct mmu *m, struct walk *w, uint64_t pa)
{
	int l = cache_access(&m->cache, pa);
	w->st->walk_ref_level[l]++;
	w->refs++;
	w->cycles += m->cache.lat[l];
	return m->cache.lat[l];
}

/*
 * Reads the entry at host address epa for a walk: false if it stops the walk
 * (not present, or not writable for a write). Otherwise sets the accessed
 * bit in place, and the dirty bit on a leaf being written, as hardware does.
 */
static inline bool walk_entry(struct mmu *m, uint64_t epa, int level, bool write, uint64_t *out)
{
	uint64_t *slot = hostmem_word(&m->hm, epa);
	uint64_t e = *slot;
	if (!(e & PTE_P) || (write && !(e & PTE_W)))
		return false;
	bool leaf = level == 1 || (e & PTE_PS);
	uint64_t set = PTE_A | (write && leaf ? PTE_D : 0);
	if ((e & set) != set)
		*slot = e | set;
	*out = e;
	return true;
}

/* Where a walk of the guest dimension starts: the deepest PWC hit, or the root. */
static inline int walk_start(struct mmu *m, struct walk *w, uint64_t va, unsigned asid, uint64_t *table)
{
	int level = pwc_lookup(&m->pwc, va, asid, m->levels, table);
	if (level < m->levels)
		w->st->pwc_hits++;
	else
		w->st->pwc_misses++;
	return level;
}

#endif
