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

/* The nested TLB: true with gpa's translation (*hpa, *shift) if it holds it,
 * counted either way. */
static inline bool walk_ntlb(struct mmu *m, struct walk *w, uint64_t gpa, uint64_t *hpa,
			     unsigned *shift)
{
	uint64_t v;
	if (m->ntlb.n && fa_lookup(&m->ntlb, gpa >> PAGE_SHIFT, &v)) {
		w->st->ntlb_hits++;
		unsigned sh = (unsigned)(v & 63);
		*hpa = (v & ~(PAGE_SIZE - 1)) | (gpa & ((1ULL << sh) - 1));
		*shift = sh;
		return true;
	}
	w->st->ntlb_misses++;
	return false;
}

/* The nested TLB learns gpa's host page: at host address base, 1 << sh bytes. */
static inline void walk_ntlb_fill(struct mmu *m, uint64_t gpa, uint64_t base, unsigned sh)
{
	fa_insert(&m->ntlb, gpa >> PAGE_SHIFT, ~((1ULL << (sh - PAGE_SHIFT)) - 1), base | sh);
}

/* A gPA's host translation: the nested TLB, or else `miss` (the EPT walk,
 * or DVMT's map), whose translation the nested TLB then learns. */
static inline int walk_host_through(struct mmu *m, const struct mmu_regs *r, struct walk *w,
				    uint64_t gpa, uint64_t *hpa, unsigned *shift, walk_host_fn miss)
{
	if (walk_ntlb(m, w, gpa, hpa, shift))
		return WALK_OK;
	int rc = miss(m, r, w, gpa, hpa, shift);
	if (rc == WALK_OK)
		walk_ntlb_fill(m, gpa, *hpa & ~((1ULL << *shift) - 1), *shift);
	return rc;
}

/*
 * Checks that host frame hfn belongs to the VM (r->tag), through the RMP
 * cache or the RMP. Serial checks add their latency to the walk; parallel
 * ones only what exceeds `overlap`, the latency of the reference they run
 * beside. A deferred check (the data frame's, in parallel mode) is left in
 * pending_check for the data access. WALK_OK or WALK_TAG_FAULT.
 */
int walk_tag_check(struct mmu *m, const struct mmu_regs *r, struct walk *w, uint64_t hfn,
		   enum walk_checks mode, uint32_t overlap, bool defer);

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
