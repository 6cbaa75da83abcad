/*
 * vm.h - the guest OS and hypervisor model.
 *
 * Guest: processes with a page table (gVA -> gPA) in guest-physical frames,
 * regions (VMAs), demand paging, copy-on-write fork, exec, exit, munmap,
 * mprotect, brk, transparent huge pages, TLB shootdowns, context switches
 * with or without PCIDs. Hypervisor: host frames, the guest address map
 * (gfn -> hfn, kept in step with the EPT), the EPT, shadow tables per guest
 * CR3 (with agile paging's switching entries), the host frame permission
 * table, and for TPT processes the TPT table (gVA -> hPA) kept in sync with
 * the guest table by pv-ops.
 *
 * Which structures exist and what traps is the hypervisor's half of the
 * scheme (struct hv_ops), bound once per run. Native has no hypervisor:
 * guest frames are host frames.
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

/* How a process translates: one state per process. */
enum xlat {
	XLAT_GUEST,       /* its guest table: natively, or in two dimensions (nested paging) */
	XLAT_SHADOW,      /* a live shadow table (shadow and agile paging) */
	XLAT_TPT,         /* its TPT table */
	XLAT_TPT_PENDING, /* its TPT table, but the hypervisor moved a frame the table maps:
			   * the next walk takes a status fault */
	XLAT_TPT_STALE,   /* after a status fault: nested paging until the table is repaired */
};

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
	enum xlat xlat;   /* how it translates: read it through vm_xlat() */
	bool tpt_used;    /* it had a TPT table at some point (the table goes at exit) */
	/* TPT */
	uint64_t tpt_repair_at; /* the process's access count when the repair happens */
	struct pt tpt_pt; /* gVA -> hPA, in guest frames, while the state is XLAT_TPT* */
	/* shadow and agile paging */
	struct pt shadow; /* gVA -> hPA (and switching entries), in hypervisor frames, while XLAT_SHADOW */
	uint64_t shadow_used; /* when this root was last loaded, for the root cache's LRU */
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
	char tpt_names[32][16]; /* programs armed for TPT (the task_name knob) */
	unsigned ntpt_names;
	bool tpt_all;          /* every program gets TPT */
	uint64_t clock;        /* context switches, for the shadow root cache */
	/* shadow paging's side of the hypervisor */
	uint8_t *wp;     /* shadow/agile: bit per gfn, set while that table page is shadowed */
	uint32_t *agile_writes; /* agile: writes per guest table page this interval */
	uint64_t agile_interval_end;
	uint64_t now;       /* accesses so far (the simulator's clock) */
	/* agile paging */
	uint8_t *sw;        /* bit per gfn: this guest table page is walked in nested mode */
	struct agile_switch { int pid; uint64_t va; int level; uint64_t gfn; } *switched;
	size_t nswitched, capswitched;
	uint64_t *written;  /* gfns written in this interval */
	size_t nwritten, capwritten;
};

/* Host physical memory the run needs for these sizes (RAM plus the RMP). */
uint64_t vm_hostmem_size(const struct hv_ops *hv, uint64_t guest_mem, uint64_t host_mem,
			 const struct tpt_config *cfg);
int vm_init(struct vm *vm, const struct hv_ops *hv, int levels, unsigned guest_shift,
	    unsigned host_shift, uint64_t guest_mem, uint64_t host_mem,
	    const struct tpt_config *cfg, struct mmu *mmu, struct tpt_err *e);
void vm_fini(struct vm *vm);

/* Arms a program name for TPT, as `echo NAME > /sys/kernel/mm/devirt/task_name`. */
void vm_tpt_arm(struct vm *vm, const char *name);

/* OS events (workload.h). 0, or VM_E* with the reason. */
int vm_exec(struct vm *vm, int pid, const char *name);
int vm_fork(struct vm *vm, int parent, int child);
int vm_exit(struct vm *vm, int pid);
int vm_mmap(struct process *p, uint64_t start, uint64_t len, uint8_t flags);
int vm_munmap(struct process *p, uint64_t start, uint64_t len);
/* EV_FILE: p's next file mapping maps file (1 .. 2^32 - 1) from its page. */
int vm_file_next(struct process *p, uint64_t file, uint64_t page);
int vm_mprotect(struct process *p, uint64_t start, uint64_t len, bool writable);
int vm_brk(struct process *p, uint64_t end);
/* Makes pid the running process: a CR3 write (and its exit under shadow paging). */
int vm_switch(struct vm *vm, int pid);
/* n kernel entries and returns (system calls or interrupts) of p, the
 * running process (NULL: none; the system's account). */
void vm_kernel_entry(struct vm *vm, struct process *p, uint64_t n);

static inline enum xlat vm_xlat(const struct process *p)
{
	return p->xlat;
}

/* p has a TPT table, whether in use or awaiting its status fault or repair. */
static inline bool vm_has_tpt(const struct process *p)
{
	return vm_xlat(p) >= XLAT_TPT;
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
/* Shadow or agile paging: a shadow walk found nothing for va. Reflects a true
 * guest fault or fills the shadow entry; either way the walk can be retried. */
int vm_shadow_fault(struct vm *vm, struct process *p, uint64_t va, bool write);
/* Agile paging: ends an interval, switching quiet table pages back to
 * shadow (the work charged to acct). */
void vm_agile_tick(struct vm *vm, struct tpt_stats *acct);

/* Builds p's TPT table from its guest table and the guest address map,
 * costed per page (in p's counters; first touches in acct); a running
 * process switches to TPT. */
int vm_tpt_enable(struct vm *vm, struct process *p, struct tpt_stats *acct);
/* Drops p's TPT table: it runs on nested paging. */
void vm_tpt_disable(struct vm *vm, struct process *p);
/* A TPT walk met a frame the hypervisor took back: the process falls back to
 * nested paging until its table is repaired. */
void vm_tpt_status_fault(struct vm *vm, struct process *p);
/* Repairs a stale TPT table if its time has come; true if p uses TPT now. */
bool vm_tpt_ready(struct vm *vm, struct process *p, uint64_t now);

/* The hypervisor moves the host page backing gfn to a new frame (migration),
 * or takes it away (reclaim): tags change, tables are fixed; counted in acct
 * (the system's account when no process asked for it). */
int vm_hv_migrate(struct vm *vm, struct tpt_stats *acct, uint64_t gfn);
int vm_hv_reclaim(struct vm *vm, struct tpt_stats *acct, uint64_t gfn);

/* The reference translation: guest table, then guest address map. */
int vm_ref_translate(const struct vm *vm, const struct process *p, uint64_t va, uint64_t *hpa,
		     unsigned *shift);
/* Checker: tables well formed; gmap agrees with the EPT; shadow and (fresh)
 * TPT tables agree with guest table o guest address map; frame reference
 * counts match the mappings; no freed frame is reachable from a table. */
int vm_check(const struct vm *vm, struct tpt_err *e);

#endif
