/*
 * tpt.c - Translation Pass-Through, the guest's side: each TPT process has
 * a second page table (gVA -> hPA) built from its guest table and the
 * hypervisor's guest address map, and every later guest page-table update
 * is mirrored into it by a pv-op (counted, never an exit). The TPT table's
 * pages are guest frames, so they carry this VM's tag in the RMP, and walks
 * reach them by host-physical address.
 *
 * Called by guest.c (every guest table write of a TPT process) and at spawn
 * (enable). Invariant: for every guest mapping of a TPT process, the TPT
 * table maps each piece of min(guest page, host page) to the host frame
 * that guest table o guest address map gives.
 */
#include "vm_internal.h"

static int tpt_alloc(void *ctx, const struct pt *pt, uint64_t *addr)
{
	struct vm *vm = ctx;
	uint64_t gfn;
	(void)pt;
	if (vm_alloc_guest_table(vm, &gfn))
		return -1;
	*addr = vm_gpa_to_hpa(vm, gfn << PAGE_SHIFT);
	return 0;
}

static void tpt_free(void *ctx, const struct pt *pt, uint64_t addr)
{
	struct vm *vm = ctx;
	(void)pt;
	frames_free_table(&vm->gframes, vm->rmap[addr >> PAGE_SHIFT]);
}

const struct pt_ops vm_tpt_pt_ops = {.alloc = tpt_alloc, .free = tpt_free};

/* Mirrors one guest leaf (page of 1 << gshift at gpa) into the TPT table. */
static int tpt_map_leaf(struct vm *vm, struct process *p, uint64_t va, uint64_t gpa,
			unsigned gshift, uint64_t flags, uint64_t *pages)
{
	unsigned s = min_shift(gshift, vm->host_shift);
	uint64_t base = va & ~((1ULL << gshift) - 1);
	for (uint64_t off = 0; off < (1ULL << gshift); off += 1ULL << s) {
		uint64_t gfn = (gpa + off) >> PAGE_SHIFT;
		/* A missing gfn -> hfn entry is first faulted in by touching the page. */
		int rc = vm_touch_gfn(vm, gfn);
		if (rc)
			return rc;
		vm->err = 0;
		if (pt_map(&p->tpt_pt, base + off, (uint64_t)vm->gmap[gfn] << PAGE_SHIFT, s,
			   flags & (PTE_W | PTE_U)))
			return vm->err ? vm->err : VM_ENOMEM;
		(*pages)++;
	}
	return VM_OK;
}

void tpt_guest_write(struct vm *vm, struct process *p, uint64_t va, int level, uint64_t old,
		     uint64_t val)
{
	uint64_t pages = 0;
	vm->st->pvops++;
	unsigned s = pt_shift(level);
	if ((old & PTE_P) && pte_is_leaf(level, old))
		vm_unmap_pieces(vm, &p->tpt_pt, va, s);
	if ((val & PTE_P) && pte_is_leaf(level, val)) {
		int rc = tpt_map_leaf(vm, p, va, val & PTE_ADDR, s, val, &pages);
		if (rc)
			vm->err = rc;
	}
}

struct build_ctx {
	struct vm *vm;
	struct process *p;
	int rc;
};

static int build_leaf(void *ctx, uint64_t va, uint64_t pte, unsigned shift)
{
	struct build_ctx *b = ctx;
	b->rc = tpt_map_leaf(b->vm, b->p, va, pte & PTE_ADDR, shift, pte,
			     &b->vm->st->tpt_built_pages);
	return b->rc;
}

int vm_tpt_enable(struct vm *vm, struct process *p)
{
	if (vm->mode != VM_TPT)
		return -1;
	if (pt_init(&p->tpt_pt, vm->hm, NULL, vm->levels, vm->host_mem, &vm_tpt_pt_ops, vm))
		return -1;
	p->tpt = true;
	struct build_ctx b = {vm, p, 0};
	pt_foreach(&p->pt, build_leaf, &b);
	return b.rc;
}
