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
		s->vm.st->rmpc_hits++;
		return WALK_OK;
	}
	s->vm.st->rmpc_misses++;
	int l = cache_access(&s->cache, rmp_entry_pa(&s->vm.rmp, hfn));
	s->vm.st->walk_ref_level[l]++;
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
		s->vm.st->tag_faults++;
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
		uint64_t e;
		if (!walk_entry(s, epa, level, write, &e)) {
			w->fault_addr = va;
			return missing;
		}
		if (e & PTE_SWITCH) {
			w->switch_table = e & PTE_ADDR;
			w->switch_level = level - 1;
			return WALK_SWITCH;
		}
		if (level == 1 || (e & PTE_PS)) {
			w->pa = walk_leaf_pa(e, level, va);
			w->shift = pt_shift(level);
			w->writable = e & PTE_W;
			if (checks)
				return tag_check(s, w, walk_leaf_pa(e, level, 0) >> PAGE_SHIFT, checks, 0,
						 true);
			return WALK_OK;
		}
		table = e & PTE_ADDR;
		pwc_fill(&s->pwc, level, va, asid, table);
	}
}

int walk_host(struct sim *s, struct walk *w, uint64_t gpa, uint64_t *hpa, unsigned *shift)
{
	uint64_t gfn = gpa >> PAGE_SHIFT, v;
	if (s->ntlb.n && fa_lookup(&s->ntlb, gfn, &v)) {
		s->vm.st->ntlb_hits++;
		unsigned sh = (unsigned)(v & 63);
		*hpa = (v & ~(PAGE_SIZE - 1)) | (gpa & ((1ULL << sh) - 1));
		*shift = sh;
		return WALK_OK;
	}
	s->vm.st->ntlb_misses++;
	uint64_t table = s->vm.ept.root;
	for (int level = s->vm.levels;; level--) {
		uint64_t epa = table + 8ULL * pt_index(gpa, level);
		walk_ref(s, w, epa);
		uint64_t e;
		if (!walk_entry(s, epa, level, false, &e)) {
			w->fault_addr = gpa;
			return WALK_EPT_VIOLATION;
		}
		if (level == 1 || (e & PTE_PS)) {
			unsigned sh = pt_shift(level);
			uint64_t base = walk_leaf_pa(e, level, 0);
			*hpa = walk_leaf_pa(e, level, gpa);
			*shift = sh;
			fa_insert(&s->ntlb, gfn, ~((1ULL << (sh - PAGE_SHIFT)) - 1), base | sh);
			return WALK_OK;
		}
		table = e & PTE_ADDR;
	}
}

/* The slot of the entry that maps va (or the first non-present one on the
 * path), and its level; plain loads only. */
static const uint64_t *leaf_slot(const struct sim *s, const struct pt *pt, uint64_t va, int *lvl)
{
	uint64_t table = pt->root;
	for (int level = pt->levels;; level--) {
		uint64_t host = pt_host_addr(pt, table);
		if (host >= s->hm.size)
			return NULL;
		const uint64_t *slot = hostmem_word(&s->hm, host + 8ULL * pt_index(va, level));
		/* A level-1 entry is the line to prefetch: do not wait for it here. */
		if (level == 1 || !(*slot & PTE_P) || (*slot & PTE_PS)) {
			*lvl = level;
			return slot;
		}
		uint64_t e = *slot;
		table = e & PTE_ADDR;
		if (pt->gmap && (table >> PAGE_SHIFT) >= (s->vm.guest_mem >> PAGE_SHIFT))
			return NULL;
	}
}

/* Host address of a slot as the simulated machine sees it. */
static uint64_t slot_pa(const struct sim *s, const uint64_t *slot)
{
	return (uint64_t)((const uint8_t *)slot - s->hm.base);
}

void walk_prefetch(struct sim *s, uint64_t va, int stage, struct walk_pf *pf)
{
	struct vm *vm = &s->vm;
	struct process *p = vm->cur;
	bool tpt = p->tpt && !p->tpt_pending && !p->tpt_stale;
	/* A walk through the guest table in two dimensions (nested, TPT fallback). */
	bool two_d = vm->ept.tables && !p->shadowed && !tpt;
	if (stage == 1) {
		const struct pt *first = p->shadowed ? &p->shadow : tpt ? &p->tpt_pt : &p->pt;
		pf->slot[0] = leaf_slot(s, first, va, &pf->level[0]);
		pf->slot[1] = NULL;
		if (pf->slot[0])
			__builtin_prefetch(pf->slot[0]);
		return;
	}
	const uint64_t *slot = pf->slot[stage - 2];
	if (!slot || !(*slot & PTE_P) || (*slot & PTE_SWITCH))
		return;
	uint64_t a = walk_leaf_pa(*slot, pf->level[stage - 2], stage == 2 ? va : pf->addr);
	cache_prefetch(&s->cache, slot_pa(s, slot));
	if (two_d && stage == 2) {
		/* The guest entry gave a gPA: its EPT entry is the next miss. */
		pf->addr = a;
		pf->slot[1] = leaf_slot(s, &vm->ept, a, &pf->level[1]);
		if (pf->slot[1])
			__builtin_prefetch(pf->slot[1]);
		return;
	}
	cache_prefetch(&s->cache, a);
	if (tpt && vm->mode == VM_TPT && (a >> PAGE_SHIFT) < vm->rmp.nframes) {
		__builtin_prefetch(&vm->rmp.owner[a >> PAGE_SHIFT]);
		cache_prefetch(&s->cache, rmp_entry_pa(&vm->rmp, a >> PAGE_SHIFT));
	}
}
