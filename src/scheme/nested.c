/*
 * nested.c - nested paging (Intel EPT, AMD NPT): a two-dimensional walk.
 * Every guest-table pointer, and the final guest-physical address, is
 * translated through the host table, so a TLB miss with no translation
 * caches costs (g+1)(h+1)-1 references: 24 on 4/4 levels, 35 on 5/5.
 *
 * The paging-structure caches hold the guest dimension (gVA prefix -> gPA of
 * the next guest table); the nested TLB holds gPA -> hPA. The TLB entry is
 * the smaller of the guest and host pages. nested_walk_from is also the
 * lower part of agile paging's walks and the fallback of TPT processes.
 */
#include "mmu/walk.h"

int nested_walk_from(struct sim *s, struct process *p, uint64_t va, bool write, struct walk *w,
		     int level, uint64_t gtable, bool fill_pwc)
{
	for (;; level--) {
		uint64_t htable;
		unsigned hs;
		int rc = walk_host(s, w, gtable, &htable, &hs);
		if (rc)
			return rc;
		uint64_t epa = htable + 8ULL * pt_index(va, level);
		walk_ref(s, w, epa);
		uint64_t e;
		if (!walk_entry(s, epa, level, write, &e)) {
			w->fault_addr = va;
			return WALK_GUEST_PF;
		}
		if (level == 1 || (e & PTE_PS)) {
			unsigned gs = pt_shift(level);
			uint64_t gpa = walk_leaf_pa(e, level, va), hpa;
			rc = walk_host(s, w, gpa, &hpa, &hs);
			if (rc)
				return rc;
			w->pa = hpa;
			w->shift = gs < hs ? gs : hs;
			w->writable = e & PTE_W;
			return WALK_OK;
		}
		gtable = e & PTE_ADDR;
		if (fill_pwc)
			pwc_fill(&s->pwc, level, va, p->asid, gtable);
	}
}

int nested_walk(struct sim *s, struct process *p, uint64_t va, bool write, struct walk *w)
{
	uint64_t gtable = p->pt.root;
	int level = walk_start(s, va, p->asid, &gtable);
	return nested_walk_from(s, p, va, write, w, level, gtable, true);
}

const struct scheme scheme_nested = {
	.name = "nested",
	.summary = "nested paging (EPT/NPT): 2D walk, (g+1)(h+1)-1 references",
	.mode = VM_NESTED,
	.walk = nested_walk,
};
