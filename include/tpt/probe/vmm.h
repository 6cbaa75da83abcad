/* SPDX-License-Identifier: MIT */
/*
 * vmm.h - the probe's small virtual machine monitor: plain KVM ioctls, one
 * vCPU, one memory slot, no devices (in the spirit of kvmtool).
 *
 * The guest is the probe's loops (loops.S) and nothing else. It runs in
 * 64-bit mode at CPL3: user code and data segments and the U bit in every
 * page-table entry, so that a software shadow-paging KVM (which emulates
 * CPL0 code instruction by instruction) runs it natively. It calls the
 * VMM by a store to its doorbell page, which no memory backs: an MMIO exit
 * on any KVM (a port OUT at CPL3 takes #GP on kvm_pvm, IOPL 3 or not).
 * Its memory, guest-physical = guest-virtual but for the doorbell:
 *
 *   0x1000   GDT      0x2000 TSS      0x3000 the doorbell (guest-physical:
 *   doorbell_gpa, past guest memory)  0x10000  the loops' code
 *   0x100000 stack, ran[] below its top
 *   0x200000 page tables (built with pt.h, 4-level x86-64)
 *   scratch  two 2 MiB halves, 4 MiB aligned; the first mapped with 4K
 *            pages (the page-table write loop flips them to the second)
 *   buffer   the measured buffer, 2 MiB aligned, on 4K or 2M guest pages
 *
 * Called by probe.c. guest_build lays the image out in memory it is given,
 * so tests build and walk it without KVM; vmm_* run it under /dev/kvm.
 */
#ifndef TPT_VMM_H
#define TPT_VMM_H

#include <linux/kvm.h>

#include "tpt/mem/pt.h"

#define GUEST_GDT 0x1000ULL
#define GUEST_TSS 0x2000ULL
#define GUEST_CODE 0x10000ULL
#define GUEST_STACK_TOP 0x1ff000ULL
#define GUEST_RAN (GUEST_STACK_TOP - 0x10000ULL)
#define GUEST_TABLES 0x200000ULL
#define GUEST_SEL_CODE 0x1b /* GDT entry 3, RPL 3 */
#define GUEST_SEL_DATA 0x23 /* GDT entry 4, RPL 3 */
#define GUEST_SEL_TSS 0x28
#define GUEST_RFLAGS 0x2ULL
#define GUEST_DOORBELL 0x3000ULL

/* Offsets in the doorbell page a store rings: the end of a call, an exit
 * to the VMM that only returns, one whose handler switches CR3 to the other
 * root, and one KVM handles in the kernel (an ioeventfd: the VMM never
 * sees it). */
enum { DOORBELL_DONE = 0, DOORBELL_NOP = 0x100, DOORBELL_CR3 = 0x200, DOORBELL_KERNEL = 0x300 };

struct guest_image {
	uint8_t *mem;          /* guest physical memory (the caller's) */
	uint64_t mem_size;
	uint64_t buffer, buffer_size; /* guest address of the measured buffer */
	unsigned buffer_shift; /* its guest page: 12 or 21 */
	uint64_t scratch;      /* guest address of the scratch region */
	uint64_t scratch_pt;   /* guest address of the 4K table mapping it */
	uint64_t scratch_pt2;  /* a copy of that table (a directory write flips to it) */
	uint64_t scratch_pde;  /* guest address of the directory entry pointing at it */
	uint64_t code_size;
	uint64_t root, root2;  /* two PML4s mapping the same (for CR3 switches) */
	uint64_t doorbell_gpa; /* what GUEST_DOORBELL maps to: no memory */
	struct hostmem hm;
	struct pt pt, pt2;
	uint64_t next_table, tables_end;
};

/* The guest memory a buffer of size bytes needs (2 MiB aligned). */
uint64_t guest_mem_size(uint64_t buffer_size);
/* Lays the image out in mem (mem_size bytes, zeroed, from guest_mem_size):
 * GDT, TSS, code, page tables. 0, or -1 with e set. */
int guest_build(struct guest_image *g, uint8_t *mem, uint64_t mem_size, uint64_t buffer_size,
		unsigned buffer_shift, struct tpt_err *e);
void guest_destroy(struct guest_image *g);
/* The image's invariants, as the checker numbers them (the tests call it
 * after every change): 1 the loops' bytes in place; 2 the user segments DPL
 * 3 and 64-bit; 7 every region mapped to itself with P, W and U on every
 * level, the buffer with leaves of its page size; 3 the doorbell past
 * memory; 4 the scratch directory entry at the scratch table or its copy;
 * 5 both roots alike (accessed and dirty bits apart); 6 table pages inside
 * their region. 0, or -1 with e naming the first that fails. */
int guest_check(const struct guest_image *g, struct tpt_err *e);
/* The guest address of a loop (a function of loops.S). */
uint64_t guest_fn(const struct guest_image *g, const void *fn);
/* The special registers that start the guest at CPL3 in long mode. */
void guest_sregs(const struct guest_image *g, struct kvm_sregs *s);
/* Host address of guest address gpa. */
static inline void *guest_ptr(const struct guest_image *g, uint64_t gpa)
{
	return g->mem + gpa;
}

/* KVM's statistics (its binary stats file) of the VM and the vCPU. */
#define VMM_MAX_STATS 128
struct vmm_stats {
	unsigned n;
	char name[VMM_MAX_STATS][48];
	uint64_t v[VMM_MAX_STATS];
};

struct vmm {
	int kvm, vm, vcpu;
	int stats_vm, stats_vcpu, eventfd;
	struct kvm_run *run;
	size_t run_size;
	uint8_t *mem;          /* guest memory mapping (aligned within map) */
	void *map;
	size_t map_size;
	uint64_t mem_size;
	bool thp;
	struct guest_image g;
	uint64_t cr3_switches;
};

/* Why /dev/kvm cannot be used here, or "" when it can (a line for the user). */
void vmm_available(char *why, size_t len);
/* A VM whose guest memory (backed by 4K pages or THP) holds a buffer of
 * buffer_size bytes on guest pages of 1 << buffer_shift. 0, or -1 with e set. */
int vmm_open(struct vmm *v, uint64_t buffer_size, unsigned buffer_shift, bool thp,
	     struct tpt_err *e);
void vmm_close(struct vmm *v);
/*
 * Calls loop fn (a function of loops.S) in the guest with up to five
 * arguments and waits for it, at most timeout_ms (then the guest is stopped
 * and it is an error). *ret is its rax, *ns the time from entry to return.
 * 0, or -1 with e set (a guest that faulted, hung or exited oddly).
 */
int vmm_call(struct vmm *v, const void *fn, const uint64_t args[5], unsigned timeout_ms,
	     uint64_t *ret, uint64_t *ns, struct tpt_err *e);
/* KVM's statistics now, VM's and vCPU's together (names prefixed vm. and vcpu.). */
int vmm_stats_read(const struct vmm *v, struct vmm_stats *s, struct tpt_err *e);
/* A statistic's value in s, or 0. */
uint64_t vmm_stat(const struct vmm_stats *s, const char *name);

#endif
