/* SPDX-License-Identifier: MIT */
/*
 * walk.c - the hardware page walkers the schemes are built from (mmu.h):
 * one-dimensional walks (native, shadow, TPT), host walks through the
 * nested TLB and the EPT, and nested paging's two-dimensional walk.
 *
 * Every reference goes through the cache hierarchy at its host-physical
 * address and is counted in the walk; entries are read and their accessed
 * and dirty bits set in place, as hardware does. Tag checks (TPT) read the
 * frame's RMP entry unless the RMP cache holds a passed check for it.
 */
#include "tpt/mmu/walk.h"

int walk_tag_check(struct mmu *m, const struct mmu_regs *r, struct walk *w, uint64_t hfn,
		   enum walk_checks mode, uint32_t overlap, bool defer)
{
	uint64_t v;
	if (m->rmpc.n && fa_lookup(&m->rmpc, hfn, &v)) {
		w->st->rmpc_hits++;
		return WALK_OK;
	}
	w->st->rmpc_misses++;
	int l = cache_access(&m->cache, rmp_entry_pa(m->rmp, hfn));
	w->st->walk_ref_level[l]++;
	w->rmp_refs++;
	uint32_t lat = m->cache.lat[l];
	uint32_t extra = mode == CHECKS_SERIAL ? lat : lat > overlap ? lat - overlap : 0;
	if (mode == CHECKS_PARALLEL && defer) {
		w->pending_check = lat;
		extra = 0;
	}
	w->cycles += extra;
	w->check_cycles += extra;
	if (rmp_owner(m->rmp, hfn) != r->tag) {
		w->st->tag_faults++;
		w->fault_addr = hfn << PAGE_SHIFT;
		return WALK_TAG_FAULT;
	}
	fa_insert(&m->rmpc, hfn, ~0ULL, 1);
	return WALK_OK;
}

int walk_1d(struct mmu *m, const struct mmu_regs *r, struct walk *w, uint64_t root, uint64_t va,
	    bool write, enum walk_checks checks, int missing)
{
	uint64_t table = root;
	for (int level = walk_start(m, w, va, r->asid, &table);; level--) {
		uint64_t epa = table + 8ULL * pt_index(va, level);
		uint32_t lat = walk_ref(m, w, epa);
		if (checks) {
			int rc = walk_tag_check(m, r, w, table >> PAGE_SHIFT, checks, lat, false);
			if (rc)
				return rc;
		}
		uint64_t e;
		if (!walk_entry(m, epa, level, write, &e)) {
			w->fault_addr = va;
			return missing;
		}
		if (e & PTE_SWITCH) {
			w->switch_table = e & PTE_ADDR;
			w->switch_level = level - 1;
			return WALK_SWITCH;
		}
		if (level == 1 || (e & PTE_PS)) {
			w->pa = pt_leaf_pa(e, level, va);
			w->shift = pt_shift(level);
			w->writable = e & PTE_W;
			if (checks)
				return walk_tag_check(m, r, w, pt_leaf_pa(e, level, 0) >> PAGE_SHIFT, checks, 0,
						 true);
			return WALK_OK;
		}
		table = e & PTE_ADDR;
		pwc_fill(&m->pwc, level, va, r->asid, table);
	}
}

int walk_host(struct mmu *m, const struct mmu_regs *r, struct walk *w, uint64_t gpa,
	      uint64_t *hpa, unsigned *shift)
{
	return walk_host_through(m, r, w, gpa, hpa, shift, walk_ept);
}

int walk_ept(struct mmu *m, const struct mmu_regs *r, struct walk *w, uint64_t gpa, uint64_t *hpa,
	     unsigned *shift)
{
	uint64_t table = r->eptp;
	int level = m->levels;
	bool hpwc = m->hpwc_on;
	if (hpwc) {
		level = pwc_lookup(&m->hpwc, gpa, 0, m->levels, &table);
		if (level < m->levels)
			w->st->hpwc_hits++;
		else
			w->st->hpwc_misses++;
	}
	for (;; level--) {
		uint64_t epa = table + 8ULL * pt_index(gpa, level);
		walk_ref(m, w, epa);
		uint64_t e;
		if (!walk_entry(m, epa, level, false, &e)) {
			w->fault_addr = gpa;
			return WALK_EPT_VIOLATION;
		}
		if (level == 1 || (e & PTE_PS)) {
			*hpa = pt_leaf_pa(e, level, gpa);
			*shift = pt_shift(level);
			return WALK_OK;
		}
		table = e & PTE_ADDR;
		if (hpwc)
			pwc_fill(&m->hpwc, level, gpa, 0, table);
	}
}

/* The 2D walk with `host` as its host dimension: inlined with walk_host
 * for nested paging, called through the pointer for a scheme's own. */
static inline int walk_2d_core(struct mmu *m, const struct mmu_regs *r, uint64_t va, bool write,
			       struct walk *w, int level, uint64_t gtable, bool fill_pwc,
			       walk_host_fn host)
{
	for (;; level--) {
		uint64_t htable;
		unsigned hs;
		int rc = host(m, r, w, gtable, &htable, &hs);
		if (rc)
			return rc;
		uint64_t epa = htable + 8ULL * pt_index(va, level);
		walk_ref(m, w, epa);
		uint64_t e;
		if (!walk_entry(m, epa, level, write, &e)) {
			w->fault_addr = va;
			return WALK_GUEST_PF;
		}
		if (level == 1 || (e & PTE_PS)) {
			unsigned gs = pt_shift(level);
			uint64_t gpa = pt_leaf_pa(e, level, va), hpa;
			rc = host(m, r, w, gpa, &hpa, &hs);
			if (rc)
				return rc;
			w->pa = hpa;
			w->shift = gs < hs ? gs : hs;
			w->writable = e & PTE_W;
			return WALK_OK;
		}
		gtable = e & PTE_ADDR;
		if (fill_pwc)
			pwc_fill(&m->pwc, level, va, r->asid, gtable);
	}
}

int walk_2d_from(struct mmu *m, const struct mmu_regs *r, uint64_t va, bool write, struct walk *w,
		 int level, uint64_t gtable, bool fill_pwc)
{
	return walk_2d_core(m, r, va, write, w, level, gtable, fill_pwc, walk_host);
}

int walk_2d_via(struct mmu *m, const struct mmu_regs *r, uint64_t va, bool write, struct walk *w,
		walk_host_fn host)
{
	uint64_t gtable = r->cr3;
	int level = walk_start(m, w, va, r->asid, &gtable);
	return walk_2d_core(m, r, va, write, w, level, gtable, true, host);
}

int walk_2d(struct mmu *m, const struct mmu_regs *r, uint64_t va, bool write, struct walk *w)
{
	uint64_t gtable = r->cr3;
	int level = walk_start(m, w, va, r->asid, &gtable);
	return walk_2d_from(m, r, va, write, w, level, gtable, true);
}
