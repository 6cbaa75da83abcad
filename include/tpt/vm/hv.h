/* SPDX-License-Identifier: MIT */
/*
 * hv.h - the hypervisor: host frames, the guest address map (gfn -> hfn
 * and back), the EPT, the host frame permission table (RMP), and the
 * quarantine of frames taken from the VM; and the hypervisor's half of
 * each translation scheme (struct hv_ops). Part of the VM model (vm.h),
 * which embeds one struct hv.
 */
#ifndef TPT_HV_H
#define TPT_HV_H

#include "tpt/base/config.h"
#include "tpt/mem/frame.h"
#include "tpt/mem/pt.h"
#include "tpt/mmu/rmp.h"
#include "tpt/base/stats.h"

struct vm;
struct process;
struct hv;

/*
 * The hypervisor's (and the paravirtual guest kernel's) half of a
 * translation scheme (scheme.h): what it keeps and what traps. The guest
 * and hypervisor models act on these properties and call these operations,
 * never on a scheme's name; the state a scheme keeps is its own, behind
 * vm->xs (vm_size bytes, per VM; what it points to is init's and fini's)
 * and p->xs (proc_size bytes, per process, zeroed again when a pid is used
 * again; tables in it go at `end`), which the VM allocates zeroed and
 * frees.
 */
struct hv_ops {
	bool hypervisor; /* false: bare metal, guest frames are host frames, nothing exits */
	bool ept;        /* guest-physical memory is mapped by an EPT (2D walks) */
	bool traps_tlb;  /* CR3 writes and INVLPG exit (the hypervisor follows the guest's TLB) */
	uint8_t kentry_hypercalls;    /* per kernel entry of a process on the scheme's own
				       * table (the TPT prototype toggles EPT on entry and exit) */
	enum exit_reason first_touch; /* the exit a guest frame's first touch costs */
	size_t vm_size, proc_size;    /* of the scheme's private state */
	/*
	 * All optional (NULL: nothing to do). TPT_OK or a TPT_E* code where an
	 * int is returned; acct: the account the work is charged to.
	 *   init, fini    the scheme's per-VM state (vm->xs, zeroed) set up and
	 *                 freed; init fails with e set
		 *   guest_write   an entry of p's guest table changed (va an address it covers)
	 *   cr3_load      a CR3 write for p traps (shadow roots)
	 *   start         p begins: exec (parent NULL) or fork
	 *   end           p's address space goes
	 *   frames_moved  host frames [lo, hi) left the VM; p's table may reach them
	 *   table_freed   the guest freed the table page at gfn
	 *   holds_moved   some table of the scheme may still reach frames that
	 *                 left the VM: they stay in quarantine
	 *   own_table     p has a table of the scheme's (in use or not yet repaired)
	 *   check         p's tables of the scheme agree with the guest's (vm_check)
	 *   backed        the host page of guest frames [gfn, gfn + n) is now at
	 *                 host frames [hfn, hfn + n) (as the EPT is told; hv.c)
	 *   unbacked      the host page of guest frames [gfn, gfn + n) left
	 *                 host frames [hfn, hfn + n)
	 */
	int (*init)(struct vm *vm, struct tpt_err *e);
	void (*fini)(struct vm *vm);
	int (*guest_write)(struct vm *vm, struct process *p, struct tpt_stats *acct, uint64_t va,
			   uint64_t table, int level, uint64_t old, uint64_t val);
	int (*cr3_load)(struct vm *vm, struct process *p);
	int (*start)(struct vm *vm, struct process *p, const struct process *parent,
		     struct tpt_stats *acct);
	void (*end)(struct vm *vm, struct process *p);
	void (*frames_moved)(struct vm *vm, struct process *p, uint64_t lo, uint64_t hi);
	void (*table_freed)(struct vm *vm, uint64_t gfn);
	bool (*holds_moved)(const struct vm *vm);
	bool (*own_table)(const struct process *p);
	int (*check)(const struct vm *vm, const struct process *p, struct tpt_err *e);
	int (*backed)(struct hv *hv, uint64_t gfn, uint64_t hfn, uint64_t n);
	void (*unbacked)(struct hv *hv, uint64_t gfn, uint64_t hfn, uint64_t n);
};

/* The hypervisor halves without state of their own: bare metal and nested paging. */
extern const struct hv_ops hv_native, hv_nested;


struct mmu;

struct hv {
	const struct hv_ops *ops; /* the hypervisor's half of the scheme */
	struct mmu *mmu;          /* host memory for its tables; the caches INVEPT flushes */
	unsigned host_shift;      /* host page size backing guest memory (EPT leaves) */
	uint64_t host_mem;
	struct frames hframes;
	uint32_t *gmap; /* gfn -> hfn, 0 = not backed; NULL in native mode */
	uint32_t *rmap; /* hfn -> gfn for frames backing guest memory */
	uint64_t gmap_bytes, rmap_bytes;
	uint64_t backed; /* guest frames with a host frame */
	struct pt ept;
	struct rmp rmp;
	uint16_t tag; /* this VM's owner id in the RMP */
	bool traps_tlb; /* CR3 writes and INVLPG exit now: ops->traps_tlb, or as shsp
			   switched the VM (its nested mode traps neither) */
	uint8_t *table_gfn; /* bit per gfn: holds a guest or TPT table page (copied on migration) */
	uint64_t *quarantine; /* host frames taken from the VM, held until no TPT table is stale */
	size_t nquarantine, capquarantine;
	/* With migrations on: the first gfn of every backed host page, in no
	 * order, and each one's index + 1 there (sparse, by gfn; 0: not listed). */
	uint32_t *blist, *bpos;
	size_t nblist, capblist;
	uint64_t bpos_bytes;
};

/* EPT and shadow tables: frames of host memory; ctx = the struct hv. */
extern const struct pt_ops hv_table_ops;

/* Host physical memory a run needs for these sizes (RAM plus the RMP). */
uint64_t hv_hostmem_size(const struct hv_ops *ops, uint64_t guest_mem, uint64_t host_mem,
			 const struct tpt_config *cfg);
/* Anonymous memory the kernel backs only where written. NULL on failure. */
void *hv_map_sparse(uint64_t bytes);
/* The hypervisor of a VM with guest_mem of guest-physical memory. 0, or -1
 * with e set (hv_fini cleans up either way). */
int hv_init(struct hv *hv, const struct hv_ops *ops, int levels, unsigned host_shift,
	    uint64_t guest_mem, uint64_t host_mem, const struct tpt_config *cfg, struct mmu *mmu,
	    struct tpt_err *e);
void hv_fini(struct hv *hv);
/* Backs the host page holding gfn (table: it holds a page table) without an exit. */
int hv_back(struct hv *hv, uint64_t gfn, bool table);
/* Backs the host page holding gfn with host frames from hfn on, which the
 * caller took from hv->hframes (a direct segment's placement). */
int hv_back_at(struct hv *hv, uint64_t gfn, uint64_t hfn);
/* A guest frame's first touch: backed, and its exit charged to acct. */
int hv_touch(struct hv *hv, struct tpt_stats *acct, uint64_t gfn, bool table);
/* The first gfn of backed host page number r % (backed host pages), for
 * picking one at random; -1 when none is backed or migrations are off. */
int hv_backed_page(const struct hv *hv, uint64_t r, uint64_t *gfn);
/* INVEPT: every cached translation goes after gfn -> hfn changed. */
void hv_flush(struct hv *hv);
/* Moves the host page backing gfn to new frames (migration) or takes it
 * away (reclaim), counted in acct; *old: the first of the frames it left,
 * now quarantined. The caller tells the guest's tables and flushes. */
int hv_migrate(struct hv *hv, struct tpt_stats *acct, uint64_t gfn, uint64_t *old);
int hv_reclaim(struct hv *hv, struct tpt_stats *acct, uint64_t gfn, uint64_t *old);
/* Frees the quarantined frames (no TPT table can reach them any more). */
void hv_release_quarantine(struct hv *hv);

/* gPA -> hPA through the guest address map (identity in native mode). */
static inline uint64_t hv_gpa_to_hpa(const struct hv *hv, uint64_t gpa)
{
	if (!hv->gmap)
		return gpa;
	return ((uint64_t)hv->gmap[gpa >> PAGE_SHIFT] << PAGE_SHIFT) | (gpa & (PAGE_SIZE - 1));
}

#endif
