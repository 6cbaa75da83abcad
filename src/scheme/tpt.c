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
 * hypervisor moved a frame, has no TPT root loaded and walks in two
 * dimensions like nested paging. A missing TPT entry is WALK_TPT_MISS: a
 * guest fault, unless the guest table maps the page (then the table is out
 * of step, which the simulator reports).
 */
#include "tpt/scheme/scheme.h"

/* Tag-checked: the table's references and a check per table frame and for the data frame. */
static unsigned tpt_checked_refs(unsigned g, unsigned h, unsigned g1)
{
	(void)g, (void)h;
	return g1 + (g1 + 1);
}

/* The prototype's twin table, no check. */
static unsigned tpt_emul_refs(unsigned g, unsigned h, unsigned g1)
{
	(void)g, (void)h;
	return g1;
}

static void tpt_regs(struct vm *vm, struct process *p, struct mmu_regs *r)
{
	scheme_guest_regs(vm, p, r);
	if (vm_tpt_ready(vm, p, vm->now))
		r->tptr = p->tpt_pt.root;
	else if (vm_has_tpt(p))
		p->st.tpt_fallback_walks++; /* p runs: the simulator walks for it */
}

static inline int tpt_walk(struct mmu *m, const struct mmu_regs *r, uint64_t va, bool write,
			   struct walk *w, enum walk_checks checks)
{
	if (!r->tptr)
		return walk_2d(m, r, va, write, w);
	return walk_1d(m, r, w, r->tptr, va, write, checks, WALK_TPT_MISS);
}

static int tpt_naive_walk(struct mmu *m, const struct mmu_regs *r, uint64_t va, bool write,
			  struct walk *w)
{
	return tpt_walk(m, r, va, write, w, CHECKS_SERIAL);
}

static int tpt_opt_walk(struct mmu *m, const struct mmu_regs *r, uint64_t va, bool write,
			struct walk *w)
{
	return tpt_walk(m, r, va, write, w, CHECKS_PARALLEL);
}

static int tpt_emul_walk(struct mmu *m, const struct mmu_regs *r, uint64_t va, bool write,
			 struct walk *w)
{
	return tpt_walk(m, r, va, write, w, CHECKS_NONE);
}

const struct scheme scheme_tpt_naive = {
	.name = "tpt-naive",
	.summary = "TPT: 1D walk of the gVA->hPA table, tag checks one after another",
	.hv = &hv_tpt,
	.tag_checks = true,
	.regs = tpt_regs,
	.walk = tpt_naive_walk,
	.miss_refs = tpt_checked_refs,
};

const struct scheme scheme_tpt_opt = {
	.name = "tpt-opt",
	.summary = "TPT: as tpt-naive, tag checks issued in parallel with the walk",
	.hv = &hv_tpt,
	.tag_checks = true,
	.regs = tpt_regs,
	.walk = tpt_opt_walk,
	.miss_refs = tpt_checked_refs,
};

const struct scheme scheme_tpt_emul = {
	.name = "tpt-emul",
	.summary = "the TPT prototype on Intel: twin table as CR3, EPT off in user mode, no tag check",
	.hv = &hv_tpt_emul,
	.regs = tpt_regs,
	.walk = tpt_emul_walk,
	.miss_refs = tpt_emul_refs,
};
