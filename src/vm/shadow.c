/*
 * shadow.c - shadow paging, the hypervisor's side: hidden page faults fill
 * the shadow table (gVA -> hPA) from the guest table and the guest address
 * map; guest page-table pages that a shadow fill walked through become
 * write-protected, and every later guest write to them exits and is
 * emulated (the shadow entry is updated in place, as KVM's pte prefetch on
 * write does). A guest page fault is intercepted and reflected.
 *
 * Called by the simulator (vm_shadow_fault) and by guest.c (writes).
 * Invariant: every shadow leaf maps va to the host frame that guest table
 * o guest address map gives, at a size no larger than either page.
 */
#include "vm_internal.h"

static bool wp_test(const struct vm *vm, uint64_t gfn)
{
	return vm->wp[gfn >> 3] & (1u << (gfn & 7));
}

static void wp_set(struct vm *vm, uint64_t gfn)
{
	vm->wp[gfn >> 3] |= (uint8_t)(1u << (gfn & 7));
}

/* Maps the piece of the guest page (gpa, gshift) that holds va. */
static int shadow_install(struct vm *vm, struct process *p, uint64_t va, uint64_t gpa,
			  unsigned gshift, uint64_t pte)
{
	unsigned s = min_shift(gshift, vm->host_shift);
	uint64_t mask = (1ULL << s) - 1;
	uint64_t gbase = (gpa & ~mask);
	if (!vm->gmap[gbase >> PAGE_SHIFT]) {
		int rc = vm_back(vm, gbase >> PAGE_SHIFT, false);
		if (rc)
			return rc;
	}
	vm->err = 0;
	if (pt_map(&p->shadow, va & ~mask, vm_gpa_to_hpa(vm, gbase), s, pte & (PTE_W | PTE_U)))
		return vm->err ? vm->err : VM_EHOSTMEM;
	return VM_OK;
}

void shadow_guest_write(struct vm *vm, struct process *p, uint64_t va, uint64_t table,
			int level, uint64_t old, uint64_t val)
{
	if (!wp_test(vm, table >> PAGE_SHIFT))
		return; /* not shadowed yet: the write does not trap */
	vm->st->exits[EXIT_PT_WRITE]++;
	unsigned s = pt_shift(level);
	if ((old & PTE_P) && pte_is_leaf(level, old))
		vm_unmap_pieces(vm, &p->shadow, va, s);
	if ((val & PTE_P) && pte_is_leaf(level, val) && s <= vm->host_shift) {
		uint64_t gpa = (val & PTE_ADDR) | (va & ((1ULL << s) - 1) & ~(PAGE_SIZE - 1));
		int rc = shadow_install(vm, p, va, gpa, s, val);
		if (rc)
			vm->err = rc;
	}
}

int vm_shadow_fault(struct vm *vm, struct process *p, uint64_t va, bool write)
{
	struct pt_path path;
	uint64_t gpa, pte;
	unsigned gshift;
	if (pt_lookup(&p->pt, va, &gpa, &gshift, &pte, &path) || (write && !(pte & PTE_W))) {
		vm->st->exits[EXIT_PF_INTERCEPT]++;
		return vm_guest_fault(vm, p, va, write);
	}
	vm->st->exits[EXIT_SHADOW_FILL]++;
	for (int i = 0; i < path.n; i++)
		wp_set(vm, path.table[i] >> PAGE_SHIFT);
	return shadow_install(vm, p, va, gpa, gshift, pte);
}
