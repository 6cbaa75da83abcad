/*
 * walk.c - hardware page walkers (see walk.h), shared by the schemes.
 *
 * Every reference goes through the cache hierarchy at its host-physical
 * address and is counted in the walk; entries are read and their accessed
 * and dirty bits set in place, as hardware does. Tag checks (TPT) read the
 * frame's RMP entry unless the RMP cache holds a passed check for it.
 */
#include "walk.h"

/*
 * Checks that host frame hfn belongs to the VM. Serial checks add their
 * latency to the walk; parallel ones only what exceeds `overlap`, the
 * latency of the reference they run beside. A deferred check (the data
 * frame's, in parallel mode) is left in pending_check for the data access.
 */
static int tag_check(struct sim *s, struct walk *w, uint64_t hfn, enum walk_checks mode,
		     uint32_t overlap, bool defer)
{
	uint64_t v;
	if (s->rmpc.n && fa_lookup(&s->rmpc, hfn, &v)) {
		s->st.rmpc_hits++;
		return WALK_OK;
	}
	s->st.rmpc_misses++;
	int l = cache_access(&s->cache, rmp_entry_pa(&s->vm.rmp, hfn));
	s->st.walk_ref_level[l]++;
	w->rmp_refs++;
	uint32_t lat = s->cache.lat[l];
	uint32_t extra = mode == CHECKS_SERIAL ? lat : lat > overlap ? lat - overlap : 0;
	if (mode == CHECKS_PARALLEL && defer) {
		w->pending_check = lat;
		extra = 0;
	}
	w->cycles += extra;
	w->check_cycles += extra;
	if (rmp_owner(&s->vm.rmp, hfn) != s->vm.tag) {
		s->st.tag_faults++;
		w->fault_addr = hfn << PAGE_SHIFT;
		return WALK_TAG_FAULT;
	}
	fa_insert(&s->rmpc, hfn, ~0ULL, 1);
	return WALK_OK;
}

int walk_1d(struct sim *s, struct walk *w, uint64_t root, uint64_t va, unsigned asid, bool write,
	    enum walk_checks checks, int missing)
{
	uint64_t table = root;
	for (int level = walk_start(s, va, asid, &table);; level--) {
		uint64_t epa = table + 8ULL * pt_index(va, level);
		uint32_t lat = walk_ref(s, w, epa);
		if (checks) {
			int rc = tag_check(s, w, table >> PAGE_SHIFT, checks, lat, false);
			if (rc)
				return rc;
		}
		uint64_t *slot = hostmem_word(&s->hm, epa);
		uint64_t e = *slot;
		if (!(e & PTE_P) || (write && !(e & PTE_W))) {
			w->fault_addr = va;
			return missing;
		}
		if (level == 1 || (e & PTE_PS)) {
			uint64_t set = PTE_A | (write ? PTE_D : 0);
			if ((e & set) != set)
				*slot = e | set;
			unsigned sh = pt_shift(level);
			uint64_t mask = (1ULL << sh) - 1;
			w->pa = ((e & PTE_ADDR) & ~mask) | (va & mask);
			w->shift = sh;
			w->writable = e & PTE_W;
			if (checks)
				return tag_check(s, w, (w->pa & ~mask) >> PAGE_SHIFT, checks, 0, true);
			return WALK_OK;
		}
		if (!(e & PTE_A))
			*slot = e | PTE_A;
		table = e & PTE_ADDR;
		pwc_fill(&s->pwc, level, va, asid, table);
	}
}

int walk_host(struct sim *s, struct walk *w, uint64_t gpa, uint64_t *hpa, unsigned *shift)
{
	uint64_t gfn = gpa >> PAGE_SHIFT, v;
	if (s->ntlb.n && fa_lookup(&s->ntlb, gfn, &v)) {
		s->st.ntlb_hits++;
		unsigned sh = (unsigned)(v & 63);
		*hpa = (v & ~(PAGE_SIZE - 1)) | (gpa & ((1ULL << sh) - 1));
		*shift = sh;
		return WALK_OK;
	}
	s->st.ntlb_misses++;
	uint64_t table = s->vm.ept.root;
	for (int level = s->vm.levels;; level--) {
		uint64_t epa = table + 8ULL * pt_index(gpa, level);
		walk_ref(s, w, epa);
		uint64_t *slot = hostmem_word(&s->hm, epa);
		uint64_t e = *slot;
		if (!(e & PTE_P)) {
			w->fault_addr = gpa;
			return WALK_EPT_VIOLATION;
		}
		if (!(e & PTE_A))
			*slot = e | PTE_A;
		if (level == 1 || (e & PTE_PS)) {
			unsigned sh = pt_shift(level);
			uint64_t mask = (1ULL << sh) - 1, base = (e & PTE_ADDR) & ~mask;
			*hpa = base | (gpa & mask);
			*shift = sh;
			fa_insert(&s->ntlb, gfn, ~((1ULL << (sh - PAGE_SHIFT)) - 1), base | sh);
			return WALK_OK;
		}
		table = e & PTE_ADDR;
	}
}
