/*
 * walk.h - the hardware page walkers the schemes are built from (walk.c).
 * Each reads page-table entries in place in simulated memory, sends every
 * reference through the cache hierarchy, and accounts it in a struct walk.
 */
#ifndef TPT_WALK_H
#define TPT_WALK_H

#include "tpt/sim.h"

/* One page-table reference: through the caches, counted in the walk. */
static inline uint32_t walk_ref(struct sim *s, struct walk *w, uint64_t pa)
{
	int l = cache_access(&s->cache, pa);
	s->vm.st->walk_ref_level[l]++;
	w->refs++;
	w->cycles += s->cache.lat[l];
	return s->cache.lat[l];
}

/*
 * Reads the entry at host address epa for a walk: false if it stops the walk
 * (not present, or not writable for a write). Otherwise sets the accessed
 * bit in place, and the dirty bit on a leaf being written, as hardware does.
 */
static inline bool walk_entry(struct sim *s, uint64_t epa, int level, bool write, uint64_t *out)
{
	uint64_t *slot = hostmem_word(&s->hm, epa);
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

/* The address a leaf entry at `level` maps va to. */
static inline uint64_t walk_leaf_pa(uint64_t e, int level, uint64_t va)
{
	uint64_t mask = (1ULL << pt_shift(level)) - 1;
	return ((e & PTE_ADDR) & ~mask) | (va & mask);
}

/* Where a walk of the guest dimension starts: the deepest PWC hit, or the root. */
static inline int walk_start(struct sim *s, uint64_t va, unsigned asid, uint64_t *table)
{
	int levels = s->vm.levels;
	int level = pwc_lookup(&s->pwc, va, asid, levels, table);
	if (level < levels)
		s->vm.st->pwc_hits++;
	else
		s->vm.st->pwc_misses++;
	return level;
}

/* Tag checks done by a 1D walk (TPT). */
enum walk_checks { CHECKS_NONE, CHECKS_SERIAL, CHECKS_PARALLEL };

/*
 * A one-dimensional walk of a table in host-physical memory, using the
 * paging-structure caches. Returns WALK_OK or `missing` when an entry is not
 * present (or not writable for a write), or WALK_TAG_FAULT.
 */
int walk_1d(struct sim *s, struct walk *w, uint64_t root, uint64_t va, unsigned asid, bool write,
	    enum walk_checks checks, int missing);

/* Translates a guest-physical address through the nested TLB or an EPT walk.
 * WALK_OK with *hpa and *shift, or WALK_EPT_VIOLATION. */
int walk_host(struct sim *s, struct walk *w, uint64_t gpa, uint64_t *hpa, unsigned *shift);

/* Nested paging's 2D walk (scheme/nested.c), whole or from a guest table at
 * `level` on: the lower part of agile walks and TPT's fallback. */
int nested_walk(struct sim *s, struct process *p, uint64_t va, bool write, struct walk *w);
int nested_walk_from(struct sim *s, struct process *p, uint64_t va, bool write, struct walk *w,
		     int level, uint64_t gtable, bool fill_pwc);

/*
 * Host-side prefetch for an access a few events ahead. Stage 1 follows the
 * first table's path with plain loads and prefetches its leaf entry; stage 2,
 * closer in, reads that entry and prefetches the next dependent line (the
 * EPT entry under nested paging, the RMP owner under TPT) and the cache
 * model's tag sets; stage 3 does the same for nested paging's second
 * dimension. No accessed bits, no cache-model state, no counters: a hint
 * only, and results never depend on it.
 */
struct walk_pf {
	const uint64_t *slot[2];
	int level[2];
	uint64_t addr; /* nested: the gPA stage 2 found */
};

void walk_prefetch(struct sim *s, uint64_t va, int stage, struct walk_pf *pf);

#endif
