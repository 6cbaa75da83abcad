/*
 * tpt.c - Translation Pass-Through walks: a 1D walk of the process's TPT
 * table (gVA -> hPA), with every table frame and the data frame
 * tag-checked in the host frame permission table: g' + (g'+1) references
 * with no RMP cache. tpt-naive checks one after another; tpt-opt issues
 * each check beside the reference it guards, so only the latency beyond
 * that reference stalls the walk.
 *
 * tpt-emul is what the public TPT prototype runs on Intel hardware: the
 * twin table loaded as the real CR3 with EPT off in user mode (a 1D walk
 * and no tag check at all), nested paging in the kernel, and two
 * hypercalls per kernel entry (vm_kernel_entry).
 *
 * A process without a TPT table, or whose table is stale after the
 * hypervisor moved a frame, walks in two dimensions like nested paging.
 */
#include "mmu/walk.h"

static int tpt_walk_mode(struct sim *s, struct process *p, uint64_t va, bool write,
			 struct walk *w, enum walk_checks checks)
{
	if (!vm_tpt_ready(&s->vm, p, s->vm.now)) {
		if (p->tpt)
			s->vm.st->tpt_fallback_walks++;
		return nested_walk(s, p, va, write, w);
	}
	int rc = walk_1d(s, w, p->tpt_pt.root, va, p->asid, write, checks, WALK_GUEST_PF);
	if (rc == WALK_GUEST_PF) {
		uint64_t pa, pte;
		unsigned sh;
		/* Mapped (and writable if needed) for the guest, yet not in TPT: out of step. */
		if (pt_lookup(&p->pt, va, &pa, &sh, &pte, NULL) == 0 && (!write || (pte & PTE_W)))
			return WALK_TPT_STATUS;
	}
	return rc;
}

static int tpt_naive_walk(struct sim *s, struct process *p, uint64_t va, bool write,
			  struct walk *w)
{
	return tpt_walk_mode(s, p, va, write, w, CHECKS_SERIAL);
}

static int tpt_opt_walk(struct sim *s, struct process *p, uint64_t va, bool write, struct walk *w)
{
	return tpt_walk_mode(s, p, va, write, w, CHECKS_PARALLEL);
}

static int tpt_emul_walk(struct sim *s, struct process *p, uint64_t va, bool write, struct walk *w)
{
	return tpt_walk_mode(s, p, va, write, w, CHECKS_NONE);
}

const struct scheme scheme_tpt_naive = {
	.name = "tpt-naive",
	.summary = "TPT: 1D walk of the gVA->hPA table, tag checks one after another",
	.mode = VM_TPT,
	.tag_checks = true,
	.walk = tpt_naive_walk,
};

const struct scheme scheme_tpt_opt = {
	.name = "tpt-opt",
	.summary = "TPT: as tpt-naive, tag checks issued in parallel with the walk",
	.mode = VM_TPT,
	.tag_checks = true,
	.parallel_checks = true,
	.walk = tpt_opt_walk,
};

const struct scheme scheme_tpt_emul = {
	.name = "tpt-emul",
	.summary = "the TPT prototype on Intel: twin table as CR3, EPT off in user mode, no tag check",
	.mode = VM_TPT_EMUL,
	.walk = tpt_emul_walk,
};
