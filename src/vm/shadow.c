/*
 * shadow.c - shadow paging and agile paging, the hypervisor's side.
 *
 * Shadow paging: hidden page faults fill the shadow table (gVA -> hPA) from
 * the guest table and the guest address map; guest table pages that a fill
 * walked through become write-protected, and every later guest write to
 * them exits and is emulated: the shadow entries the old value produced are
 * zapped, and the next access refills them with a hidden fault (as KVM
 * does). A table page written three times with no fill through it in
 * between is unshadowed, as KVM's write-flooding detection does. A guest
 * page fault is intercepted and reflected. Each
 * process has its own shadow table (one per guest CR3); the tables of the
 * `shadow_roots` most recently loaded processes are kept.
 *
 * Agile paging (Gandhi, Hill and Swift, ISCA 2016): the same shadow table,
 * but a guest table page written `agile_writes` times in one interval is
 * switched to nested mode: its shadow subtree is replaced by a switching
 * entry (PTE_SWITCH) holding the page's gPA, and walks continue there in
 * two dimensions; writes to it no longer exit. After an interval with no
 * write to it (the dirty-bit scan), it is switched back.
 *
 * Called by the simulator (faults, context switches, interval ticks) and by
 * guest.c (writes). Invariant: every shadow leaf maps va to the host frame
 * that guest table o guest address map gives, at a size no larger than
 * either page; every switching entry holds the gPA of the guest table page
 * at its place.
 */
#include <stdlib.h>

#include "vm_internal.h"

/* KVM unshadows a page table written this often with no walk through it. */
#define FLOOD_WRITES 3

static int shadow_install(struct vm *vm, struct process *p, uint64_t va, uint64_t gpa,
			  unsigned gshift, uint64_t pte)
{
	unsigned s = min_shift(gshift, vm->hv.host_shift);
	uint64_t mask = (1ULL << s) - 1;
	uint64_t gbase = gpa & ~mask;
	if (!vm->hv.gmap[gbase >> PAGE_SHIFT]) {
		int rc = hv_back(&vm->hv, gbase >> PAGE_SHIFT, false);
		if (rc)
			return rc;
	}
	return vm_rc(pt_map(&p->shadow, NULL, va & ~mask, vm_gpa_to_hpa(vm, gbase), s,
			    pte & (PTE_W | PTE_U)),
		     VM_EHOSTMEM);
}

/* Drops every shadow entry (pages and switching entries) in [start, end). */
static void drop_range(struct vm *vm, struct process *p, uint64_t start, uint64_t end)
{
	struct pt_leaves l = {0};
	pt_foreach_range(&p->shadow, start, end, pt_collect_leaf, &l);
	for (size_t i = 0; i < l.n; i++)
		pt_unmap(&p->shadow, NULL, l.v[i].va);
	free(l.v);
	if (l.n)
		pwc_flush_asid(&vm->mmu->pwc, p->asid); /* they may hold freed shadow tables */
}

/* Clears the write protection of a guest table page and the tables below it. */
static void unprotect(struct vm *vm, const struct pt *gpt, uint64_t table, int level)
{
	bit_clear(vm->wp, table >> PAGE_SHIFT);
	if (level == 1)
		return;
	for (unsigned i = 0; i < 512; i++) {
		uint64_t e = *pt_slot(gpt, table, i);
		if ((e & PTE_P) && !(e & PTE_PS))
			unprotect(vm, gpt, e & PTE_ADDR, level - 1);
	}
}

static void count_write(struct vm *vm, uint64_t gfn)
{
	if (vm->agile_writes[gfn]++ == 0 && vm->hv.ops->agile &&
	    !tpt_grow(&vm->written, &vm->capwritten, vm->nwritten + 1, sizeof(*vm->written)))
		vm->written[vm->nwritten++] = gfn;
}

/* Agile: the table page at `level` holding va's entries goes to nested mode. */
static void switch_to_nested(struct vm *vm, struct process *p, struct tpt_stats *acct,
			     uint64_t table, int level, uint64_t va)
{
	if (level >= vm->levels)
		return; /* the root has no parent entry to switch */
	uint64_t gfn = table >> PAGE_SHIFT;
	if (tpt_grow(&vm->switched, &vm->capswitched, vm->nswitched + 1, sizeof(*vm->switched)))
		return;
	unprotect(vm, &p->pt, table, level);
	if (pt_install(&p->shadow, NULL, va, level + 1, table | PTE_P | PTE_W | PTE_U | PTE_SWITCH))
		return;
	bit_set(vm->sw, gfn);
	vm->switched[vm->nswitched++] = (struct agile_switch){p->pid, va, level + 1, gfn};
	acct->agile_to_nested++;
	pwc_flush_asid(&vm->mmu->pwc, p->asid);
}

/* A guest table entry changed (va an address it covers): a trapped write to a
 * shadowed table page drops what the shadow derived from it. */
static void shadow_guest_write(struct vm *vm, struct process *p, struct tpt_stats *acct,
			       uint64_t va, uint64_t table, int level, uint64_t old, uint64_t val)
{
	uint64_t gfn = table >> PAGE_SHIFT;
	(void)val; /* the new value reaches the shadow table at the next access's fill */
	if (vm->hv.ops->agile && bit_test(vm->sw, gfn)) {
		count_write(vm, gfn); /* seen by the interval's dirty-bit scan */
		return;
	}
	if (!bit_test(vm->wp, gfn))
		return; /* not shadowed: the write does not trap */
	acct->exits[EXIT_PT_WRITE]++;
	unsigned s = pt_shift(level);
	uint64_t base = va & ~((1ULL << s) - 1);
	if (old & PTE_P)
		drop_range(vm, p, base, base + (1ULL << s));
	count_write(vm, gfn);
	if (vm->hv.ops->agile) {
		if (vm->agile_writes[gfn] >= vm->cfg->agile_writes)
			switch_to_nested(vm, p, acct, table, level, va);
	} else if (vm->agile_writes[gfn] >= FLOOD_WRITES && level < vm->levels) {
		/* Write flooding: stop shadowing this table page and what is below it. */
		uint64_t span = 1ULL << (s + 9), lo = va & ~(span - 1);
		unprotect(vm, &p->pt, table, level);
		drop_range(vm, p, lo, lo + span);
	}
}

int vm_shadow_fault(struct vm *vm, struct process *p, uint64_t va, bool write)
{
	struct pt_path path;
	uint64_t gpa, pte;
	unsigned gshift;
	if (pt_lookup(&p->pt, va, &gpa, &gshift, &pte, &path) || (write && !(pte & PTE_W))) {
		p->st.exits[EXIT_PF_INTERCEPT]++;
		return vm_guest_fault(vm, p, va, write);
	}
	p->st.exits[EXIT_SHADOW_FILL]++;
	for (int i = 0; i < path.n; i++) {
		uint64_t gfn = path.table[i] >> PAGE_SHIFT;
		int level = vm->levels - i;
		if (vm->hv.ops->agile && i > 0 && bit_test(vm->sw, gfn)) {
			/* Below here the walk is nested: install the switching entry. */
			int rc = pt_install(&p->shadow, NULL, va, level + 1,
					    path.table[i] | PTE_P | PTE_W | PTE_U | PTE_SWITCH);
			if (rc)
				return vm_rc(rc, VM_EHOSTMEM);
			/* pt_install may have freed shadow tables the PWC still points to. */
			pwc_flush_asid(&vm->mmu->pwc, p->asid);
			return VM_OK;
		}
		bit_set(vm->wp, gfn);
		if (!vm->hv.ops->agile)
			vm->agile_writes[gfn] = 0; /* a walk through it: not flooding */
	}
	return shadow_install(vm, p, va, gpa, gshift, pte);
}

/* Rebuilds, in one go, the shadow entries below the level-`level` entry for
 * va from the guest table (one fill's work for the whole table page). */
static void reshadow(struct vm *vm, struct process *p, struct tpt_stats *acct, uint64_t va, int level)
{
	uint64_t span = 1ULL << pt_shift(level), lo = va & ~(span - 1);
	struct pt_leaves l = {0};
	pt_foreach_range(&p->pt, lo, lo + span, pt_collect_leaf, &l);
	for (size_t i = 0; i < l.n; i++) {
		struct pt_path path;
		uint64_t gpa, pte;
		unsigned gs;
		if (pt_lookup(&p->pt, l.v[i].va, &gpa, &gs, &pte, &path))
			continue;
		for (int k = 0; k < path.n; k++)
			bit_set(vm->wp, path.table[k] >> PAGE_SHIFT);
		for (uint64_t off = 0; off < (1ULL << gs); off += 1ULL << min_shift(gs, vm->hv.host_shift))
			if (shadow_install(vm, p, l.v[i].va + off, gpa + off, gs, pte))
				break;
	}
	free(l.v);
	acct->exits[EXIT_SHADOW_FILL]++;
}

void vm_agile_tick(struct vm *vm, struct tpt_stats *acct)
{
	size_t k = 0;
	for (size_t i = 0; i < vm->nswitched; i++) {
		struct agile_switch r = vm->switched[i];
		struct process *p = vm_proc(vm, r.pid);
		if (!bit_test(vm->sw, r.gfn) || !p || !p->alive || vm_xlat(p) != XLAT_SHADOW)
			continue; /* freed or dropped meanwhile */
		if (vm->agile_writes[r.gfn]) {
			vm->switched[k++] = r;
			continue;
		}
		/* Quiet for an interval: back to shadow mode. */
		bit_clear(vm->sw, r.gfn);
		int at;
		uint64_t e = pt_peek(&p->shadow, r.va, r.level, &at);
		if (at == r.level && (e & PTE_SWITCH) && (e & PTE_ADDR) >> PAGE_SHIFT == r.gfn) {
			pt_unmap(&p->shadow, NULL, r.va);
			pwc_flush_asid(&vm->mmu->pwc, p->asid);
			reshadow(vm, p, acct, r.va, r.level);
		}
		acct->agile_to_shadow++;
	}
	vm->nswitched = k;
	for (size_t i = 0; i < vm->nwritten; i++)
		vm->agile_writes[vm->written[i]] = 0;
	vm->nwritten = 0;
}

static void clear_protection(void *ctx, uint64_t table, int level)
{
	struct vm *vm = ctx;
	(void)level;
	bit_clear(vm->wp, table >> PAGE_SHIFT);
	bit_clear(vm->sw, table >> PAGE_SHIFT);
}

/* Drops p's shadow table and unprotects its guest table pages. */
static void vm_shadow_drop(struct vm *vm, struct process *p)
{
	if (vm_xlat(p) != XLAT_SHADOW)
		return;
	pt_destroy(&p->shadow, NULL);
	p->xlat = XLAT_GUEST;
	pt_foreach_table(&p->pt, clear_protection, vm);
	pwc_flush_asid(&vm->mmu->pwc, p->asid);
}

/* Builds p's shadow root, evicting the least recently loaded one if needed. */
static int vm_shadow_load(struct vm *vm, struct process *p)
{
	p->shadow_used = vm->clock;
	if (vm_xlat(p) == XLAT_SHADOW)
		return VM_OK;
	unsigned live = 0;
	struct process *lru = NULL;
	for (unsigned i = 0; i < vm->nprocs; i++) {
		struct process *q = vm->procs[i];
		if (!q || vm_xlat(q) != XLAT_SHADOW || q == p)
			continue;
		live++;
		if (!lru || q->shadow_used < lru->shadow_used)
			lru = q;
	}
	if (lru && live > vm->cfg->shadow_roots)
		vm_shadow_drop(vm, lru);
	if (pt_init(&p->shadow, NULL, &vm->mmu->hm, NULL, vm->levels, vm->hv.host_mem, &hv_table_ops, &vm->hv))
		return VM_EHOSTMEM;
	p->xlat = XLAT_SHADOW;
	return VM_OK;
}

struct drop_frames {
	uint64_t lo, hi;
	struct pt_leaves l;
};

static int maps_frames(void *ctx, uint64_t va, uint64_t pte, unsigned shift)
{
	struct drop_frames *d = ctx;
	uint64_t f = (pte & PTE_ADDR) >> PAGE_SHIFT;
	if (!(pte & PTE_SWITCH) && f < d->hi && f + (1ULL << (shift - PAGE_SHIFT)) > d->lo)
		return pt_collect_leaf(&d->l, va, pte, shift);
	return 0;
}

/* Drops p's shadow entries that map host frames [lo, hi). */
static void vm_shadow_drop_frames(struct vm *vm, struct process *p, uint64_t lo, uint64_t hi)
{
	struct drop_frames d = {lo, hi, {0}};
	pt_foreach(&p->shadow, maps_frames, &d);
	for (size_t i = 0; i < d.l.n; i++)
		pt_unmap(&p->shadow, NULL, d.l.v[i].va);
	free(d.l.v);
	pwc_flush_asid(&vm->mmu->pwc, p->asid);
}

/* --- shadow and agile paging's half of the scheme (hv_ops) ------------------ */

static int shadow_write_op(struct vm *vm, struct process *p, struct tpt_stats *acct, uint64_t va,
			   uint64_t table, int level, uint64_t old, uint64_t val)
{
	if (vm_xlat(p) == XLAT_SHADOW)
		shadow_guest_write(vm, p, acct, va, table, level, old, val);
	return VM_OK;
}

static int shadow_cr3(struct vm *vm, struct process *p)
{
	p->st.exits[EXIT_CR3]++;
	return vm_shadow_load(vm, p);
}

static void shadow_moved(struct vm *vm, struct process *p, uint64_t lo, uint64_t hi)
{
	if (vm_xlat(p) == XLAT_SHADOW)
		vm_shadow_drop_frames(vm, p, lo, hi);
}

const struct hv_ops hv_shadow = {
	.hypervisor = true, .shadow = true, .first_touch = EXIT_SHADOW_FILL,
	.guest_write = shadow_write_op, .cr3_load = shadow_cr3, .end = vm_shadow_drop,
	.frames_moved = shadow_moved,
};

const struct hv_ops hv_agile = {
	.hypervisor = true, .ept = true, .shadow = true, .agile = true,
	.first_touch = EXIT_EPT_VIOLATION, .guest_write = shadow_write_op, .cr3_load = shadow_cr3,
	.end = vm_shadow_drop, .frames_moved = shadow_moved,
};
