/* SPDX-License-Identifier: MIT */
/*
 * vm.h - the guest OS and hypervisor model.
 *
 * Guest: processes with a page table (gVA -> gPA) in guest-physical frames,
 * regions (VMAs), demand paging, copy-on-write fork, exec, exit, munmap,
 * mprotect, brk, transparent huge pages, TLB shootdowns, context switches
 * with or without PCIDs. Hypervisor: host frames, the guest address map
 * (gfn -> hfn, kept in step with the EPT), the EPT and the host frame
 * permission table (hv.h).
 *
 * Which structures exist, what traps, and the tables a scheme keeps of its
 * own (shadow tables, TPT tables) are the hypervisor's half of the scheme
 * (struct hv_ops), bound once per run, with its state behind vm->xs and
 * p->xs. Native has no hypervisor: guest frames are host frames.
 */
#ifndef TPT_VM_H
#define TPT_VM_H

#include "tpt/base/config.h"
#include "tpt/mem/frame.h"
#include "tpt/vm/hv.h"
#include "tpt/vm/pcache.h"
#include "tpt/mem/pt.h"
#include "tpt/mmu/rmp.h"
#include "tpt/base/stats.h"



enum { THP_NEVER, THP_ALWAYS, THP_MADVISE };

/* Where the program break starts: 32 TiB, clear of the workloads' data at 16 TiB. */
#define VM_BRK_BASE (32ULL << 40)

struct vma {
	uint64_t start, end;
	unsigned shift; /* base page size the guest maps it with */
	uint8_t flags;  /* WL_MAP_W, WL_MAP_THP, WL_MAP_HUGE, WL_MAP_FILE (event.h) */
	uint32_t file;  /* WL_MAP_FILE: the file's id (0: pages of its own, not cached) */
	uint64_t fpage; /* the file's page at start */
};

struct mmu;

struct process {
	struct vm *vm;
	int pid;
	unsigned asid;
	char name[16];
	bool alive;
	struct pt pt; /* guest page table, gVA -> gPA */
	struct vma *vmas;
	size_t nvmas, cap;
	uint64_t brk_start, brk_end;
	uint32_t next_file;    /* EV_FILE: the file its next file mapping maps, */
	uint64_t next_fpage;   /* from this page */
	void *xs;             /* the scheme's state of this process (hv_ops.proc_size) */
	struct tpt_stats st;  /* this process's counters */
};

struct vm {
	struct hv hv;         /* the hypervisor: host frames, guest address map, EPT, RMP */
	int levels;
	unsigned guest_shift; /* base page size of new regions */
	const struct tpt_config *cfg;
	struct tpt_stats sys; /* work no process asked for */
	struct mmu *mmu;      /* host memory for tables; TLB, PWC, nested TLB and RMP cache to flush */
	uint64_t guest_mem;
	/* guest */
	struct frames gframes;
	uint16_t *refs; /* mappings of each guest frame, and one if the page cache holds it (sparse) */
	struct pcache pcache; /* file pages (pcache.h) */
	uint64_t refs_bytes;
	struct process **procs; /* by pid; NULL if never created */
	unsigned nprocs;        /* pids 0 .. nprocs-1 */
	struct process *cur;
	uint64_t clock;        /* context switches so far */
	uint64_t now;          /* accesses so far (the simulator's clock) */
	void *xs;              /* the scheme's state of this VM (hv_ops.vm_size) */
};

/* Host physical memory the run needs for these sizes (RAM plus the RMP). */
uint64_t vm_hostmem_size(const struct hv_ops *hv, uint64_t guest_mem, uint64_t host_mem,
			 const struct tpt_config *cfg);
int vm_init(struct vm *vm, const struct hv_ops *hv, int levels, unsigned guest_shift,
	    unsigned host_shift, uint64_t guest_mem, uint64_t host_mem,
	    const struct tpt_config *cfg, struct mmu *mmu, struct tpt_err *e);
void vm_fini(struct vm *vm);

/* OS events (workload.h). TPT_OK, or a TPT_E* code with the reason. */
int vm_exec(struct vm *vm, int pid, const char *name);
int vm_fork(struct vm *vm, int parent, int child);
int vm_exit(struct vm *vm, int pid);
int vm_mmap(struct process *p, uint64_t start, uint64_t len, uint8_t flags);
int vm_munmap(struct process *p, uint64_t start, uint64_t len);
/* EV_FILE: p's next file mapping maps file (1 .. 2^32 - 1) from its page. */
int vm_file_next(struct process *p, uint64_t file, uint64_t page);
int vm_mprotect(struct process *p, uint64_t start, uint64_t len, bool writable);
int vm_brk(struct process *p, uint64_t end);
/* Makes pid the running process: a CR3 write (and its exit where CR3 writes trap). */
int vm_switch(struct vm *vm, int pid);
/* n kernel entries and returns (system calls or interrupts) of p, the
 * running process (NULL: none; the system's account). */
void vm_kernel_entry(struct vm *vm, struct process *p, uint64_t n);

/* p has a table of the scheme's own (hv_ops.own_table), in use or not. */
static inline bool vm_own_table(const struct vm *vm, const struct process *p)
{
	return vm->hv.ops->own_table && vm->hv.ops->own_table(p);
}

static inline struct process *vm_proc(const struct vm *vm, int pid)
{
	return pid >= 0 && (unsigned)pid < vm->nprocs ? vm->procs[pid] : NULL;
}

/* gPA -> hPA through the guest address map (identity in native mode). */
static inline uint64_t vm_gpa_to_hpa(const struct vm *vm, uint64_t gpa)
{
	return hv_gpa_to_hpa(&vm->hv, gpa);
}

/* First touch of a guest frame: the hypervisor backs its host page (an
 * exit, charged to acct). */
int vm_touch_gfn(struct vm *vm, struct tpt_stats *acct, uint64_t gfn);
/* Whether p's guest table maps va (writably, for a write). */
bool vm_guest_maps(const struct process *p, uint64_t va, bool write);
/* Guest page fault on va: allocate, zero, map, or break copy-on-write. */
int vm_guest_fault(struct vm *vm, struct process *p, uint64_t va, bool write);
/* The hypervisor moves the host page backing gfn to a new frame (migration),
 * or takes it away (reclaim): tags change, tables are fixed; counted in acct
 * (the system's account when no process asked for it). */
int vm_hv_migrate(struct vm *vm, struct tpt_stats *acct, uint64_t gfn);
int vm_hv_reclaim(struct vm *vm, struct tpt_stats *acct, uint64_t gfn);

/* The reference translation: guest table, then guest address map. */
int vm_ref_translate(const struct vm *vm, const struct process *p, uint64_t va, uint64_t *hpa,
		     unsigned *shift);
/* Checker: tables well formed; gmap agrees with the EPT; the scheme's own
 * tables agree with guest table o guest address map (hv_ops.check); frame
 * reference counts match the mappings; no freed frame is reachable from a
 * table. */
int vm_check(const struct vm *vm, struct tpt_err *e);

/* --- what the VM offers a scheme's hypervisor half (scheme.h) ------------- */

/* Allocates, backs (first touch charged to acct) and zeroes a guest frame
 * for a table page: TPT_OK or the reason it could not. Frees one. */
int vm_alloc_guest_table(struct vm *vm, struct tpt_stats *acct, uint64_t *gfn);
void vm_free_guest_table(struct vm *vm, uint64_t gfn);
/* Frees quarantined host frames unless the scheme holds a table that may
 * reach them (hv_ops.holds_moved). */
void vm_release_quarantine(struct vm *vm);
/* Checks t, a gVA -> hPA table of p (what: "shadow table", ...), against
 * guest table o guest address map: every leaf agrees (a switching entry
 * holds the guest table's gPA), and with complete, every guest mapping is
 * in it. 0, or -1 with e naming the first disagreement. */
int vm_check_dual(const struct vm *vm, const struct process *p, const struct pt *t,
		  const char *what, bool complete, struct tpt_err *e);

/* A page-table call's result as the VM reports it: the table module's own
 * failures (a missing or overlapping mapping) as dflt, any other code (the
 * guest's or hypervisor's, which came through it) as it is. */
static inline int vm_rc(int rc, int dflt)
{
	return rc == TPT_ENOENT || rc == TPT_EOVERLAP ? dflt : rc;
}

static inline bool pte_is_leaf(int level, uint64_t pte)
{
	return level == 1 || (pte & PTE_PS);
}

static inline unsigned min_shift(unsigned a, unsigned b)
{
	return a < b ? a : b;
}

/* Removes from a gVA -> hPA table (shadow, TPT) every piece of the guest page
 * of 1 << shift bytes holding va; pieces are min(guest, host page). */
static inline void vm_unmap_pieces(struct vm *vm, struct pt *t, struct tpt_stats *acct, uint64_t va,
				   unsigned shift)
{
	uint64_t base = va & ~((1ULL << shift) - 1);
	unsigned piece = min_shift(shift, vm->hv.host_shift);
	for (uint64_t off = 0; off < (1ULL << shift); off += 1ULL << piece)
		pt_unmap(t, acct, base + off);
}

#endif
