/*
 * guest.c - the guest OS model: processes, their regions and page tables,
 * and demand paging.
 *
 * Called by the simulator (spawn, faults) and by shadow.c (reflected
 * faults). Every write to a guest page table goes through guest_written,
 * which is where shadow paging (write-protected table pages exit) and TPT
 * (each update is a pv-op on the dual table) see it. Invariant: every guest
 * frame the guest uses has been touched, so it is backed by the hypervisor.
 */
#include <string.h>

#include "vm_internal.h"

int vm_alloc_guest_table(struct vm *vm, uint64_t *gfn)
{
	if (frames_alloc_table(&vm->gframes, gfn)) {
		vm->err = VM_ENOMEM;
		return -1;
	}
	int rc = vm_touch(vm, *gfn, true);
	if (rc) {
		vm->err = rc;
		return -1;
	}
	hostmem_zero_frame(vm->hm, vm_gpa_to_hpa(vm, *gfn << PAGE_SHIFT) >> PAGE_SHIFT);
	return 0;
}

static int guest_alloc(void *ctx, const struct pt *pt, uint64_t *addr)
{
	struct process *p = ctx;
	uint64_t gfn;
	(void)pt;
	if (vm_alloc_guest_table(p->vm, &gfn))
		return -1;
	*addr = gfn << PAGE_SHIFT;
	return 0;
}

static void guest_free(void *ctx, const struct pt *pt, uint64_t addr)
{
	struct process *p = ctx;
	(void)pt;
	/* The frame stays backed by the host: freeing is the guest's business. */
	frames_free_table(&p->vm->gframes, addr >> PAGE_SHIFT);
}

static void guest_written(void *ctx, const struct pt *pt, uint64_t va, uint64_t table,
			  unsigned idx, int level, uint64_t old, uint64_t val)
{
	struct process *p = ctx;
	(void)pt;
	(void)idx;
	if (p->shadowed)
		shadow_guest_write(p->vm, p, va, table, level, old, val);
	if (p->tpt)
		tpt_guest_write(p->vm, p, va, level, old, val);
}

const struct pt_ops vm_guest_pt_ops = {
	.alloc = guest_alloc, .free = guest_free, .on_write = guest_written};

int vm_spawn(struct vm *vm, const char *name, bool tpt, struct tpt_err *e)
{
	struct process *p = &vm->proc;
	memset(p, 0, sizeof(*p));
	p->vm = vm;
	p->pid = 1;
	p->asid = 1;
	snprintf(p->name, sizeof(p->name), "%s", name);
	if (pt_init(&p->pt, vm->hm, vm->gmap, vm->levels, vm->guest_mem, &vm_guest_pt_ops, p))
		return tpt_fail(e, "cannot allocate the guest page table");
	if (vm->mode == VM_SHADOW) {
		if (pt_init(&p->shadow, vm->hm, NULL, vm->levels, vm->host_mem, &vm_host_pt_ops, vm))
			return tpt_fail(e, "cannot allocate the shadow page table");
		p->shadowed = true;
	}
	if (tpt && vm_tpt_enable(vm, p))
		return tpt_fail(e, "cannot build the TPT table");
	return 0;
}

int vm_add_vma(struct process *p, uint64_t start, uint64_t len, unsigned shift)
{
	if (p->nvmas == VM_MAX_VMAS)
		return -1;
	p->vmas[p->nvmas++] = (struct vma){start, start + len, shift};
	return 0;
}

static const struct vma *find_vma(const struct process *p, uint64_t va)
{
	for (unsigned i = 0; i < p->nvmas; i++)
		if (va >= p->vmas[i].start && va < p->vmas[i].end)
			return &p->vmas[i];
	return NULL;
}

int vm_guest_fault(struct vm *vm, struct process *p, uint64_t va, bool write)
{
	const struct vma *vma = find_vma(p, va);
	if (!vma)
		return VM_ESEGV;
	uint64_t pa, pte;
	unsigned shift;
	if (pt_lookup(&p->pt, va, &pa, &shift, &pte, NULL) == 0)
		return write && !(pte & PTE_W) ? VM_EPROT : VM_OK;
	vm->st->guest_faults++;
	unsigned order = vma->shift - PAGE_SHIFT;
	uint64_t gfn;
	if (frames_alloc(&vm->gframes, order, &gfn))
		return VM_ENOMEM;
	/* The guest kernel clears the new page: its first touch of every frame. */
	for (uint64_t i = 0; i < (1ULL << order); i++) {
		int rc = vm_touch_gfn(vm, gfn + i);
		if (rc)
			return rc;
	}
	vm->err = 0;
	uint64_t base = va & ~((1ULL << vma->shift) - 1);
	if (pt_map(&p->pt, base, gfn << PAGE_SHIFT, vma->shift, PTE_W | PTE_U))
		return vm->err ? vm->err : VM_ENOMEM;
	return vm->err;
}

int vm_ref_translate(const struct vm *vm, const struct process *p, uint64_t va, uint64_t *hpa,
		     unsigned *shift)
{
	uint64_t gpa;
	unsigned gshift;
	if (pt_lookup(&p->pt, va, &gpa, &gshift, NULL, NULL))
		return -1;
	if (vm->gmap && !vm->gmap[gpa >> PAGE_SHIFT])
		return -1;
	*hpa = vm_gpa_to_hpa(vm, gpa);
	*shift = min_shift(gshift, vm->host_shift);
	if (vm->mode == VM_NATIVE)
		*shift = gshift;
	return 0;
}
