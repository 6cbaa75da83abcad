/* SPDX-License-Identifier: MIT */
/*
 * scheme.h - translation schemes behind one interface. A scheme is one
 * object, chosen once per run, whose operations are bound once: its
 * hardware half (the registers a process's walks run with, the walk) and
 * its hypervisor's half (struct hv_ops, hv.h: what the VM model asks of it,
 * with the scheme's private per-VM and per-process state). Nothing outside
 * a scheme's own files tests which scheme runs; adding one is its file and
 * a line in scheme.c's list (docs/extending.md).
 *
 * A walk is one hardware page walk attempt (mmu.h): it sees the MMU and
 * the registers, returns WALK_OK with the translation or the fault that cut
 * it short; the simulator has the OS, the hypervisor or the scheme handle
 * the fault and walks again.
 */
#ifndef TPT_SCHEME_H
#define TPT_SCHEME_H

#include "tpt/mmu/mmu.h"
#include "tpt/vm/vm.h"

struct scheme {
	const char *name;
	const char *summary;
	const struct hv_ops *hv; /* its hypervisor's half: what exists, what traps, its upkeep */
	bool tag_checks; /* its walks read the RMP (what the host prefetches for it) */
	bool cr3_gpa;    /* CR3 holds a guest-physical address, walked in two dimensions */
	/* Its tick reads timing counters (shsp). Sampled, such a tick runs at
	 * the end of each detailed window instead of every tick_interval
	 * accesses, the window begun by tick_start (sample.c): fast-forward
	 * counts no timing for it to read. */
	bool timed_decisions;
	/* Its structural contract: memory references of a TLB miss with every
	 * translation cache off, for g guest-table levels, h host-table levels
	 * and g1 levels of a table with the smaller page (agile: with no level
	 * switched to nested). Tag checks count as references. */
	unsigned (*miss_refs)(unsigned g, unsigned h, unsigned g1);
	/* Optional: the most a miss may cost when it varies (agile: a level
	 * switched to nested); NULL: exactly miss_refs. */
	unsigned (*max_miss_refs)(unsigned g, unsigned h, unsigned g1);
	/* Optional, for a scheme with tag checks: how many of miss_refs are
	 * checks; NULL: g1 + 1 (TPT: each table frame and the data frame). */
	unsigned (*miss_checks)(unsigned g, unsigned h, unsigned g1);
	/* The registers p's walks run with, as the OS and hypervisor left them;
	 * nothing changes. */
	void (*regs)(const struct vm *vm, const struct process *p, struct mmu_regs *r);
	int (*walk)(struct mmu *m, const struct mmu_regs *r, uint64_t va, bool write, struct walk *w);
	/* Optional. Before each walk of p at access clock now, the hypervisor's
	 * and guest's work due on a TLB miss (TPT: a status fault taken, a
	 * stale table repaired), charged to acct. */
	void (*before_walk)(struct vm *vm, struct process *p, uint64_t now, struct tpt_stats *acct);
	/* Optional. A fault only this scheme's walks return (rc, enum walk_rc):
	 * handled for p, TPT_OK to walk again or a TPT_E* code; TPT_EFAIL with e set when
	 * the model is out of step (a bug the run reports). */
	int (*fault)(struct vm *vm, struct process *p, int rc, uint64_t va, bool write,
		     struct tpt_err *e);
	/* Optional. The periodic work every tick_interval accesses (agile
	 * paging's intervals), charged to acct. */
	void (*tick)(struct vm *vm, struct tpt_stats *acct);
	uint64_t (*tick_interval)(const struct tpt_config *cfg);
	/* With timed_decisions: an interval the next tick judges begins now. */
	void (*tick_start)(struct vm *vm);
	/* Optional: a second table a process can be switched onto and off at
	 * run time (TPT: the automatic policy's lever) and armed for by
	 * program name before it starts (the task_name knob; NULL: every
	 * program). */
	int (*enable)(struct vm *vm, struct process *p, struct tpt_stats *acct);
	void (*disable)(struct vm *vm, struct process *p);
	void (*arm)(struct vm *vm, const char *name);
	/* Optional. How p ran, for its result: NULL for the scheme's name, or
	 * the mode it ran in instead (TPT: "nested" without its table). */
	const char *(*mode)(const struct process *p);
	/* Optional. Table pages of p's second table, added to the shadow or TPT
	 * count of a result. */
	void (*count_tables)(const struct process *p, uint64_t *shadow, uint64_t *tpt);
};

const struct scheme *scheme_find(const char *name);
/* All schemes, NULL-terminated, in the order compare runs them. */
extern const struct scheme *const scheme_all[];

/* The registers every virtualized scheme shares: the guest table, the EPT,
 * the process's PCID and the VM's tag. */
static inline void scheme_guest_regs(const struct vm *vm, const struct process *p,
				     struct mmu_regs *r)
{
	*r = (struct mmu_regs){.cr3 = p->pt.root, .eptp = vm->hv.ept.root, .asid = p->asid,
			       .tag = vm->hv.tag};
}

#endif
