/*
 * scheme.h - translation schemes behind one interface. A scheme is chosen
 * once per run; the simulator asks it for the registers of the running
 * process and calls its walk on every TLB miss.
 *
 * A walk is one hardware page walk attempt (mmu.h): it sees the MMU and
 * the registers, returns WALK_OK with the translation or the fault that cut
 * it short; the simulator has the OS or hypervisor model handle the fault
 * and walks again.
 */
#ifndef TPT_SCHEME_H
#define TPT_SCHEME_H

#include "tpt/mmu/mmu.h"
#include "tpt/vm/vm.h"

struct scheme {
	const char *name;
	const char *summary;
	const struct hv_ops *hv; /* its hypervisor's half: what exists and what traps */
	bool tag_checks; /* its walks read the RMP (what the host prefetches for it) */
	/* Its structural contract: memory references of a TLB miss with every
	 * translation cache off, for g guest-table levels, h host-table levels
	 * and g1 levels of a table with the smaller page (agile: with no level
	 * switched to nested). Tag checks count as references. */
	unsigned (*miss_refs)(unsigned g, unsigned h, unsigned g1);
	/* The registers p's walks run with, set as the OS and hypervisor set
	 * them before p resumes (a TPT scheme first has a stale table whose
	 * repair is due rebuilt). Called before every walk. */
	void (*regs)(struct vm *vm, struct process *p, struct mmu_regs *r);
	int (*walk)(struct mmu *m, const struct mmu_regs *r, uint64_t va, bool write, struct walk *w);
};

const struct scheme *scheme_find(const char *name);
/* All schemes, NULL-terminated, in the order compare runs them. */
extern const struct scheme *const scheme_all[];

/* The registers every virtualized scheme shares: the guest table, the EPT,
 * the process's PCID and the VM's tag. */
static inline void scheme_guest_regs(struct vm *vm, struct process *p,
				     struct mmu_regs *r)
{
	*r = (struct mmu_regs){.cr3 = p->pt.root, .eptp = vm->hv.ept.root, .asid = p->asid,
			       .tag = vm->hv.tag};
}

#endif
