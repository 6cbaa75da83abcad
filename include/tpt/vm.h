/*
 * vm.h - the guest OS and hypervisor model.
 *
 * Guest: processes with a page table (gVA -> gPA) in guest-physical frames,
 * regions (VMAs), demand paging on first touch. Hypervisor: host frames, the
 * guest address map (gfn -> hfn, kept in step with the EPT), the EPT itself,
 * shadow tables, the host frame permission table, and for TPT processes the
 * TPT table (gVA -> hPA) kept in sync with the guest table by pv-ops.
 *
 * Which structures exist depends on the mode, fixed per run by the scheme.
 * Native has no hypervisor: guest frames are host frames.
 */
#ifndef TPT_VM_H
#define TPT_VM_H

#include "tpt/frame.h"
#include "tpt/pt.h"
#include "tpt/rmp.h"
#include "tpt/stats.h"

enum vm_mode { VM_NATIVE, VM_NESTED, VM_SHADOW, VM_TPT };

/* Fault handler results. */
enum { VM_OK = 0, VM_ESEGV = -1, VM_ENOMEM = -2, VM_EHOSTMEM = -3, VM_EPROT = -4 };

struct vma {
	uint64_t start, end;
	unsigned shift; /* page size the guest maps it with */
};

#define VM_MAX_VMAS 16

struct vm;

struct process {
	struct vm *vm;
	int pid;
	unsigned asid;
	char name[16];
	struct pt pt; /* guest page table, gVA -> gPA */
	struct vma vmas[VM_MAX_VMAS];
	unsigned nvmas;
	bool tpt;         /* runs with TPT: tpt_pt is live */
	struct pt tpt_pt; /* TPT table, gVA -> hPA, in guest frames */
	bool shadowed;    /* shadow paging: shadow is live */
	struct pt shadow; /* shadow table, gVA -> hPA, in hypervisor frames */
};

struct vm {
	enum vm_mode mode;
	int levels;
	unsigned host_shift; /* host page size backing guest memory (EPT leaves) */
	const struct tpt_config *cfg;
	struct tpt_stats *st;
	struct hostmem *hm;
	uint64_t guest_mem, host_mem;
	/* guest */
	struct frames gframes;
	struct process proc;
	/* hypervisor */
	struct frames hframes;
	uint32_t *gmap; /* gfn -> hfn, 0 = not backed; NULL in native mode */
	uint32_t *rmap; /* hfn -> gfn for frames backing guest memory */
	uint64_t gmap_bytes, rmap_bytes;
	uint64_t backed; /* guest frames with a host frame */
	int err;         /* why the last table allocation failed (VM_E*) */
	struct pt ept;
	uint8_t *wp; /* shadow paging: bit per gfn, set while that table page is shadowed */
	struct rmp rmp;
	uint16_t tag; /* this VM's owner id in the RMP */
};

/* Host physical memory the run needs for these sizes (RAM plus the RMP). */
uint64_t vm_hostmem_size(enum vm_mode mode, uint64_t guest_mem, uint64_t host_mem,
			 const struct tpt_config *cfg);
int vm_init(struct vm *vm, enum vm_mode mode, int levels, unsigned host_shift,
	    uint64_t guest_mem, uint64_t host_mem, const struct tpt_config *cfg,
	    struct tpt_stats *st, struct hostmem *hm, struct tpt_err *e);
void vm_fini(struct vm *vm);

/* Starts the VM's process; with tpt, TPT is enabled before it runs (task_name). */
int vm_spawn(struct vm *vm, const char *name, bool tpt, struct tpt_err *e);
int vm_add_vma(struct process *p, uint64_t start, uint64_t len, unsigned shift);

/* gPA -> hPA through the guest address map (identity in native mode). */
static inline uint64_t vm_gpa_to_hpa(const struct vm *vm, uint64_t gpa)
{
	if (!vm->gmap)
		return gpa;
	return ((uint64_t)vm->gmap[gpa >> PAGE_SHIFT] << PAGE_SHIFT) | (gpa & (PAGE_SIZE - 1));
}

/* First touch of a guest frame: the hypervisor backs its host page (an exit). */
int vm_touch_gfn(struct vm *vm, uint64_t gfn);
/* Guest page fault on va: allocate, zero, map (and keep shadow/TPT in step). */
int vm_guest_fault(struct vm *vm, struct process *p, uint64_t va, bool write);
/* Shadow paging: a shadow walk found nothing for va. Reflects a true guest
 * fault or fills the shadow entry; either way the walk can be retried. */
int vm_shadow_fault(struct vm *vm, struct process *p, uint64_t va, bool write);
/* Builds p's TPT table from its guest table and the guest address map. */
int vm_tpt_enable(struct vm *vm, struct process *p);

/* The reference translation: guest table, then guest address map. */
int vm_ref_translate(const struct vm *vm, const struct process *p, uint64_t va, uint64_t *hpa,
		     unsigned *shift);
/* Checker: tables well formed; gmap agrees with the EPT; the shadow and TPT
 * tables agree with guest table o guest address map for every mapping. */
int vm_check(const struct vm *vm, struct tpt_err *e);

#endif
