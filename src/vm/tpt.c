/*
 * tpt.c - Translation Pass-Through, the guest's side: each TPT process has
 * a second page table (gVA -> hPA) built from its guest table and the
 * hypervisor's guest address map, and every later guest page-table update
 * is mirrored into it by a pv-op (counted, never an exit). The TPT table's
 * pages are guest frames, so they carry this VM's tag in the RMP, and walks
 * reach them by host-physical address.
 *
 * Called by guest.c (every guest table write of a TPT process, exec, fork,
 * exit), by the simulator (enable, disable) and by the TPT walk (status).
 * When the hypervisor moves a frame a TPT table reaches, the process owes a
 * status fault; it then runs on nested paging for `tpt_repair_delay`
 * accesses until the guest rebuilds the table. Invariant: for every guest
 * mapping of a TPT process that is not stale, the TPT table maps each piece
 * of min(guest page, host page) to the host frame that guest table o guest
 * address map gives.
 */
#include "vm_internal.h"

/* The process changes how it translates: its paging-structure cache entries
 * hold the other mode's addresses (gPAs for nested, hPAs for TPT) and go. */
static void mode_change(struct vm *vm, struct process *p)
{
	pwc_flush_asid(&vm->mmu->pwc, p->asid);
}

static int tpt_alloc(void *ctx, void *acct, const struct pt *pt, uint64_t *addr)
{
	struct vm *vm = ctx;
	uint64_t gfn;
	(void)pt;
	int rc = vm_alloc_guest_table(vm, acct, &gfn);
	if (rc)
		return rc;
	*addr = vm_gpa_to_hpa(vm, gfn << PAGE_SHIFT);
	return 0;
}

static void tpt_free(void *ctx, void *acct, const struct pt *pt, uint64_t addr)
{
	struct vm *vm = ctx;
	(void)acct, (void)pt;
	vm_free_guest_table(vm, vm->hv.rmap[addr >> PAGE_SHIFT]);
}

const struct pt_ops vm_tpt_pt_ops = {.alloc = tpt_alloc, .free = tpt_free};

/* Mirrors one guest leaf (page of 1 << gshift at gpa) into the TPT table. */
static int tpt_map_leaf(struct vm *vm, struct process *p, struct tpt_stats *acct, uint64_t va,
			uint64_t gpa, unsigned gshift, uint64_t flags, uint64_t *pages)
{
	unsigned s = min_shift(gshift, vm->hv.host_shift);
	uint64_t base = va & ~((1ULL << gshift) - 1);
	for (uint64_t off = 0; off < (1ULL << gshift); off += 1ULL << s) {
		uint64_t gfn = (gpa + off) >> PAGE_SHIFT;
		/* A missing gfn -> hfn entry is first faulted in by touching the page. */
		int rc = vm_touch_gfn(vm, acct, gfn);
		if (rc)
			return rc;
		rc = pt_map(&p->tpt_pt, acct, base + off, (uint64_t)vm->hv.gmap[gfn] << PAGE_SHIFT, s,
			    flags & (PTE_W | PTE_U));
		if (rc)
			return vm_rc(rc, VM_ENOMEM);
		(*pages)++;
	}
	return VM_OK;
}

/* A guest table entry changed: the pv-op mirrors it into the TPT table.
 * VM_OK, or why the TPT table could not follow. */
static int tpt_guest_write(struct vm *vm, struct process *p, struct tpt_stats *acct, uint64_t va,
			   int level, uint64_t old, uint64_t val)
{
	uint64_t pages = 0;
	acct->pvops++;
	unsigned s = pt_shift(level);
	if ((old & PTE_P) && pte_is_leaf(level, old))
		vm_unmap_pieces(vm, &p->tpt_pt, acct, va, s);
	if ((val & PTE_P) && pte_is_leaf(level, val))
		return tpt_map_leaf(vm, p, acct, va, val & PTE_ADDR, s, val, &pages);
	return VM_OK;
}

struct build_ctx {
	struct vm *vm;
	struct process *p;
	struct tpt_stats *acct;
	uint64_t *pages;
	int rc;
};

static int build_leaf(void *ctx, uint64_t va, uint64_t pte, unsigned shift)
{
	struct build_ctx *b = ctx;
	b->rc = tpt_map_leaf(b->vm, b->p, b->acct, va, pte & PTE_ADDR, shift, pte, b->pages);
	return b->rc;
}

/* A fresh TPT table from the guest table; *pages counts the entries written. */
static int build(struct vm *vm, struct process *p, struct tpt_stats *acct, uint64_t *pages)
{
	if (pt_init(&p->tpt_pt, acct, &vm->mmu->hm, NULL, vm->levels, vm->hv.host_mem, &vm_tpt_pt_ops, vm))
		return VM_ENOMEM;
	p->xlat = XLAT_TPT;
	p->tpt_used = true;
	struct build_ctx b = {vm, p, acct, pages, 0};
	pt_foreach(&p->pt, build_leaf, &b);
	return b.rc;
}

int vm_tpt_enable(struct vm *vm, struct process *p, struct tpt_stats *acct)
{
	if (!vm->hv.ops->tpt)
		return VM_EPROT;
	if (vm_has_tpt(p))
		return VM_OK;
	mode_change(vm, p);
	return build(vm, p, acct, &p->st.tpt_built_pages);
}

void vm_tpt_disable(struct vm *vm, struct process *p)
{
	if (!vm_has_tpt(p))
		return;
	pt_destroy(&p->tpt_pt, NULL);
	p->xlat = XLAT_GUEST;
	mode_change(vm, p);
	vm_release_quarantine(vm);
}

void vm_tpt_status_fault(struct vm *vm, struct process *p)
{
	p->st.tpt_status_faults++;
	p->xlat = XLAT_TPT_STALE;
	p->tpt_repair_at = vm->now + vm->cfg->tpt_repair_delay;
	mode_change(vm, p);
}

bool vm_tpt_ready(struct vm *vm, struct process *p, uint64_t now)
{
	if (!vm_has_tpt(p))
		return false;
	if (vm_xlat(p) == XLAT_TPT_PENDING)
		vm_tpt_status_fault(vm, p);
	if (vm_xlat(p) == XLAT_TPT)
		return true;
	if (now < p->tpt_repair_at)
		return false;
	/* The guest rebuilds the table from its own and the current address map:
	 * the work of p, which runs. */
	pt_destroy(&p->tpt_pt, NULL);
	p->xlat = XLAT_GUEST;
	if (build(vm, p, &p->st, &p->st.tpt_repaired_pages)) {
		vm_tpt_disable(vm, p);
		return false;
	}
	mode_change(vm, p);
	vm_release_quarantine(vm);
	return true;
}

/* --- TPT's half of the scheme (hv_ops) ----------------------------------- */

static int tpt_write_op(struct vm *vm, struct process *p, struct tpt_stats *acct, uint64_t va,
			uint64_t table, int level, uint64_t old, uint64_t val)
{
	(void)table;
	return vm_has_tpt(p) ? tpt_guest_write(vm, p, acct, va, level, old, val) : VM_OK;
}

/* A new program armed for TPT, or a child of a TPT process, gets a table. */
static int tpt_start(struct vm *vm, struct process *p, const struct process *parent,
		     struct tpt_stats *acct)
{
	if ((parent && vm_has_tpt(parent)) || vm_armed(vm, p->name))
		return vm_tpt_enable(vm, p, acct);
	return VM_OK;
}

struct moved {
	uint64_t lo, hi; /* host frames taken away: [lo, hi) */
	bool hit;
};

static int maps_moved(void *ctx, uint64_t va, uint64_t pte, unsigned shift)
{
	struct moved *m = ctx;
	uint64_t f = (pte & PTE_ADDR) >> PAGE_SHIFT, n = 1ULL << (shift - PAGE_SHIFT);
	(void)va;
	if (f < m->hi && f + n > m->lo)
		m->hit = true;
	return m->hit;
}

static void table_in_moved(void *ctx, uint64_t table, int level)
{
	struct moved *m = ctx;
	(void)level;
	if ((table >> PAGE_SHIFT) >= m->lo && (table >> PAGE_SHIFT) < m->hi)
		m->hit = true;
}

/* A TPT table that reaches a moved frame owes a status fault. */
static void tpt_moved(struct vm *vm, struct process *p, uint64_t lo, uint64_t hi)
{
	(void)vm;
	if (vm_xlat(p) != XLAT_TPT && vm_xlat(p) != XLAT_TPT_STALE)
		return;
	struct moved m = {lo, hi, false};
	pt_foreach(&p->tpt_pt, maps_moved, &m);
	pt_foreach_table(&p->tpt_pt, table_in_moved, &m);
	if (m.hit)
		p->xlat = XLAT_TPT_PENDING;
}

const struct hv_ops hv_tpt = {
	.hypervisor = true, .ept = true, .tpt = true, .first_touch = EXIT_EPT_VIOLATION,
	.guest_write = tpt_write_op, .start = tpt_start, .end = vm_tpt_disable,
	.frames_moved = tpt_moved,
};

const struct hv_ops hv_tpt_emul = {
	.hypervisor = true, .ept = true, .tpt = true, .kentry_hypercalls = 2,
	.first_touch = EXIT_EPT_VIOLATION, .guest_write = tpt_write_op, .start = tpt_start,
	.end = vm_tpt_disable, .frames_moved = tpt_moved,
};
