/*
 * vm_internal.h - what the files of the VM model share among themselves:
 * the page-table callbacks of each kind of table, and the hooks through
 * which a guest page-table write reaches shadow paging and TPT.
 */
#ifndef TPT_VM_INTERNAL_H
#define TPT_VM_INTERNAL_H

#include "tpt/mmu/mmu.h"
#include "tpt/vm/vm.h"

extern const struct pt_ops vm_guest_pt_ops; /* guest tables: guest frames; ctx = process */
extern const struct pt_ops vm_tpt_pt_ops;   /* TPT tables: guest frames at hPA; ctx = vm */

/* Whether the program name is armed for TPT (the task_name knob). */
bool vm_armed(const struct vm *vm, const char *name);
/* Returns quarantined host frames once no TPT table can reach them. */
void vm_release_quarantine(struct vm *vm);


static inline bool bit_test(const uint8_t *map, uint64_t i)
{
	return (map[i >> 3] >> (i & 7)) & 1;
}

static inline void bit_set(uint8_t *map, uint64_t i)
{
	map[i >> 3] |= (uint8_t)(1u << (i & 7));
}

static inline void bit_clear(uint8_t *map, uint64_t i)
{
	map[i >> 3] &= (uint8_t) ~(1u << (i & 7));
}

/* vm_touch_gfn, telling whether the frame is a page-table page. */
int vm_touch(struct vm *vm, struct tpt_stats *acct, uint64_t gfn, bool table);
/* A page-table call's result as a VM code: the guest's or hypervisor's own
 * code that came through it, else dflt for the table module's failures. */
static inline int vm_rc(int rc, int dflt)
{
	return rc == 0 || rc <= VM_ESEGV ? rc : dflt;
}

/* Allocates, backs and zeroes a guest frame for a table page (VM_OK or the
 * reason it could not); frees one. */
int vm_alloc_guest_table(struct vm *vm, struct tpt_stats *acct, uint64_t *gfn);
void vm_free_guest_table(struct vm *vm, uint64_t gfn);

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

/* A shootdown of the n guest pages listed (address and size) of p. */
void vm_shootdown(struct vm *vm, struct process *p, const struct pt_leaf *page, size_t n);

#endif
