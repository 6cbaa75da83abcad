/* SPDX-License-Identifier: MIT */
/*
 * prefetch.c - the simulator's host-side prefetch (prefetch.h): for an
 * access a few events ahead, the host lines the walk will read are loaded
 * early, so the simulator's own cache misses overlap. It reads the running
 * process's tables with plain loads; it sets no accessed bit, touches no
 * cache-model state and no counter, so results never depend on it.
 */
#include "prefetch.h"

/* The slot of the entry that maps va (or the first non-present one on the
 * path) in the table at root, and its level; plain loads only. gmap: the
 * table's pointers are guest-physical, reached through it. */
static const uint64_t *leaf_slot(const struct sim *s, uint64_t root, const uint32_t *gmap,
				 uint64_t va, int *lvl)
{
	uint64_t table = root;
	for (int level = s->vm.levels;; level--) {
		uint64_t host = gmap ? ((uint64_t)gmap[table >> PAGE_SHIFT] << PAGE_SHIFT) : table;
		if (host >= s->mmu.hm.size)
			return NULL;
		const uint64_t *slot = hostmem_word(&s->mmu.hm, host + 8ULL * pt_index(va, level));
		/* A level-1 entry is the line to prefetch: do not wait for it here. */
		if (level == 1 || !(*slot & PTE_P) || (*slot & PTE_PS)) {
			*lvl = level;
			return slot;
		}
		uint64_t e = *slot;
		table = e & PTE_ADDR;
		if (gmap && (table >> PAGE_SHIFT) >= (s->vm.guest_mem >> PAGE_SHIFT))
			return NULL;
	}
}

/* Host address of a slot as the simulated machine sees it. */
static uint64_t slot_pa(const struct sim *s, const uint64_t *slot)
{
	return (uint64_t)((const uint8_t *)slot - s->mmu.hm.base);
}

void sim_prefetch(struct sim *s, uint64_t va, int stage, struct sim_pf *pf)
{
	struct vm *vm = &s->vm;
	if (stage == 1) {
		/* The first table the walk reads, from the registers it will run
		 * with: TPT's when loaded, else CR3's (guest-physical, and the walk
		 * 2D, where the scheme says so and there is an EPT). */
		struct mmu_regs r;
		s->scheme->regs(vm, vm->cur, &r);
		pf->tpt = r.tptr != 0;
		pf->two_d = !pf->tpt && s->scheme->cr3_gpa && r.eptp && vm->hv.ept.tables;
		pf->slot[0] = leaf_slot(s, pf->tpt ? r.tptr : r.cr3,
					!pf->tpt && s->scheme->cr3_gpa && r.eptp ? vm->hv.gmap : NULL, va,
					&pf->level[0]);
		pf->slot[1] = NULL;
		if (pf->slot[0])
			__builtin_prefetch(pf->slot[0]);
		return;
	}
	const uint64_t *slot = pf->slot[stage - 2];
	if (!slot || !(*slot & PTE_P) || (*slot & PTE_SWITCH))
		return;
	uint64_t a = pt_leaf_pa(*slot, pf->level[stage - 2], stage == 2 ? va : pf->addr);
	cache_prefetch(&s->mmu.cache, slot_pa(s, slot));
	if (pf->two_d && stage == 2) {
		/* The guest entry gave a gPA: its EPT entry is the next miss. */
		pf->addr = a;
		pf->slot[1] = leaf_slot(s, vm->hv.ept.root, NULL, a, &pf->level[1]);
		if (pf->slot[1])
			__builtin_prefetch(pf->slot[1]);
		return;
	}
	cache_prefetch(&s->mmu.cache, a);
	if (pf->tpt && s->scheme->tag_checks && (a >> PAGE_SHIFT) < vm->hv.rmp.nframes) {
		__builtin_prefetch(&vm->hv.rmp.owner[a >> PAGE_SHIFT]);
		cache_prefetch(&s->mmu.cache, rmp_entry_pa(&vm->hv.rmp, a >> PAGE_SHIFT));
	}
}
