/* SPDX-License-Identifier: MIT */
/*
 * tpt.c - Translation Pass-Through, both halves.
 *
 * The walks: a 1D walk of the process's TPT table (gVA -> hPA), with every
 * table frame and the data frame tag-checked in the host frame permission
 * table: g' + (g'+1) references with no RMP cache. tpt-naive checks one
 * after another; tpt-opt issues each check beside the reference it guards,
 * so only the latency beyond that reference stalls the walk. tpt-emul is
 * what the public TPT prototype runs on Intel hardware: the twin table
 * loaded as the real CR3 with EPT off in user mode (a 1D walk and no tag
 * check at all), nested paging in the kernel, and two hypercalls per
 * kernel entry. A process without a TPT table, or whose table is stale
 * after the hypervisor moved a frame, has no TPT root loaded and walks in
 * two dimensions like nested paging.
 *
 * The guest's side: each TPT process has a second page table built from its
 * guest table and the hypervisor's guest address map, and every later guest
 * page-table update is mirrored into it by a pv-op (counted, never an
 * exit). The TPT table's pages are guest frames, so they carry this VM's
 * tag in the RMP, and walks reach them by host-physical address. When the
 * hypervisor moves a frame a TPT table reaches, the process owes a status
 * fault, taken at its next walk; it then runs on nested paging for
 * `tpt_repair_delay` accesses until the guest rebuilds the table, which
 * happens at the first walk after that (before_walk: where the miss is
 * handled). Programs are armed by name before they start (the task_name
 * knob), or switched at run time by a policy (enable, disable).
 *
 * State: per VM (struct tpt_vm) the armed names; per process (struct
 * tpt_proc) its table and its state. Invariant: for every guest mapping of
 * a TPT process that is not stale, the TPT table maps each piece of
 * min(guest page, host page) to the host frame that guest table o guest
 * address map gives.
 */
#include <string.h>

#include "inspect.h"
#include "tpt/scheme/scheme.h"

struct tpt_vm {
	char names[32][16]; /* programs armed for TPT (the task_name knob) */
	unsigned n;
	bool all;           /* every program is */
};

struct tpt_proc {
	enum tpt_state state;
	bool used;          /* it had a TPT table at some point (the table goes at exit) */
	uint64_t repair_at; /* the access clock when its stale table is repaired */
	struct pt pt;       /* gVA -> hPA, in guest frames, while the state is not TPT_NONE */
};

static struct tpt_vm *tv(const struct vm *vm)
{
	return vm->xs;
}

static struct tpt_proc *tp(const struct process *p)
{
	return p->xs;
}

enum tpt_state tpt_state_of(const struct process *p)
{
	return tp(p)->state;
}

static bool has_table(const struct process *p)
{
	return tp(p)->state != TPT_NONE;
}

/* --- the hardware half ---------------------------------------------------- */

/* Tag-checked: the table's references and a check per table frame and for the data frame. */
static unsigned tpt_checked_refs(unsigned g, unsigned h, unsigned g1)
{
	(void)g, (void)h;
	return g1 + (g1 + 1);
}

/* The prototype's twin table, no check. */
static unsigned tpt_emul_refs(unsigned g, unsigned h, unsigned g1)
{
	(void)g, (void)h;
	return g1;
}

/* The TPT root is loaded while the table is in use. */
static void tpt_regs(const struct vm *vm, const struct process *p, struct mmu_regs *r)
{
	scheme_guest_regs(vm, p, r);
	if (tp(p)->state == TPT_ON)
		r->tptr = tp(p)->pt.root;
}

static inline int tpt_walk(struct mmu *m, const struct mmu_regs *r, uint64_t va, bool write,
			   struct walk *w, enum walk_checks checks)
{
	if (!r->tptr)
		return walk_2d(m, r, va, write, w);
	return walk_1d(m, r, w, r->tptr, va, write, checks, WALK_TPT_MISS);
}

static int tpt_naive_walk(struct mmu *m, const struct mmu_regs *r, uint64_t va, bool write,
			  struct walk *w)
{
	return tpt_walk(m, r, va, write, w, CHECKS_SERIAL);
}

static int tpt_opt_walk(struct mmu *m, const struct mmu_regs *r, uint64_t va, bool write,
			struct walk *w)
{
	return tpt_walk(m, r, va, write, w, CHECKS_PARALLEL);
}

static int tpt_emul_walk(struct mmu *m, const struct mmu_regs *r, uint64_t va, bool write,
			 struct walk *w)
{
	return tpt_walk(m, r, va, write, w, CHECKS_NONE);
}

/* --- the guest's side: the TPT table --------------------------------------- */

/* The process changes how it translates: its paging-structure cache entries
 * hold the other mode's addresses (gPAs for nested, hPAs for TPT) and go. */
static void mode_change(struct vm *vm, struct process *p)
{
	pwc_flush_asid(&vm->mmu->pwc, p->asid);
}

static int table_alloc(void *ctx, void *acct, const struct pt *pt, uint64_t *addr)
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

static void table_free(void *ctx, void *acct, const struct pt *pt, uint64_t addr)
{
	struct vm *vm = ctx;
	(void)acct, (void)pt;
	vm_free_guest_table(vm, vm->hv.rmap[addr >> PAGE_SHIFT]);
}

/* TPT tables: guest frames, reached at their hPA; ctx = the vm. */
static const struct pt_ops table_ops = {.alloc = table_alloc, .free = table_free};

/* Mirrors one guest leaf (page of 1 << gshift at gpa) into the TPT table. */
static int map_leaf(struct vm *vm, struct process *p, struct tpt_stats *acct, uint64_t va,
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
		rc = pt_map(&tp(p)->pt, acct, base + off, (uint64_t)vm->hv.gmap[gfn] << PAGE_SHIFT, s,
			    flags & (PTE_W | PTE_U));
		if (rc)
			return vm_rc(rc, TPT_ENOMEM);
		(*pages)++;
	}
	return TPT_OK;
}

/* A guest table entry changed: the pv-op mirrors it into the TPT table.
 * TPT_OK, or why the TPT table could not follow. */
static int tpt_guest_write(struct vm *vm, struct process *p, struct tpt_stats *acct, uint64_t va,
			   uint64_t table, int level, uint64_t old, uint64_t val)
{
	(void)table;
	if (!has_table(p))
		return TPT_OK;
	uint64_t pages = 0;
	acct->pvops++;
	unsigned s = pt_shift(level);
	if ((old & PTE_P) && pte_is_leaf(level, old))
		vm_unmap_pieces(vm, &tp(p)->pt, acct, va, s);
	if ((val & PTE_P) && pte_is_leaf(level, val))
		return map_leaf(vm, p, acct, va, val & PTE_ADDR, s, val, &pages);
	return TPT_OK;
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
	b->rc = map_leaf(b->vm, b->p, b->acct, va, pte & PTE_ADDR, shift, pte, b->pages);
	return b->rc;
}

/* A fresh TPT table from the guest table; *pages counts the entries written. */
static int build(struct vm *vm, struct process *p, struct tpt_stats *acct, uint64_t *pages)
{
	if (pt_init(&tp(p)->pt, acct, &vm->mmu->hm, NULL, vm->levels, vm->hv.host_mem, &table_ops, vm))
		return TPT_ENOMEM;
	tp(p)->state = TPT_ON;
	tp(p)->used = true;
	struct build_ctx b = {vm, p, acct, pages, 0};
	pt_foreach(&p->pt, build_leaf, &b);
	return b.rc;
}

/* Builds p's TPT table from its guest table and the guest address map,
 * costed per page (in p's counters; first touches in acct); a running
 * process switches to TPT. */
static int tpt_enable(struct vm *vm, struct process *p, struct tpt_stats *acct)
{
	if (has_table(p))
		return TPT_OK;
	mode_change(vm, p);
	return build(vm, p, acct, &p->st.tpt_built_pages);
}

/* Drops p's TPT table: it runs on nested paging. */
static void tpt_disable(struct vm *vm, struct process *p)
{
	if (!has_table(p))
		return;
	pt_destroy(&tp(p)->pt, NULL);
	tp(p)->state = TPT_NONE;
	mode_change(vm, p);
	vm_release_quarantine(vm);
}

/* A TPT walk met a frame the hypervisor took back: the process falls back to
 * nested paging until its table is repaired. */
static void status_fault(struct vm *vm, struct process *p)
{
	p->st.tpt_status_faults++;
	tp(p)->state = TPT_STALE;
	tp(p)->repair_at = vm->now + vm->cfg->tpt_repair_delay;
	mode_change(vm, p);
}

/* Before p walks: a pending status fault is taken; a stale table whose
 * repair is due is rebuilt (the guest's work, charged to p, which runs); a
 * walk on nested paging for want of a usable table is counted. */
static void tpt_before_walk(struct vm *vm, struct process *p, uint64_t now, struct tpt_stats *acct)
{
	struct tpt_proc *x = tp(p);
	if (x->state == TPT_NONE)
		return;
	if (x->state == TPT_PENDING)
		status_fault(vm, p);
	if (x->state == TPT_STALE && now >= x->repair_at) {
		/* The guest rebuilds the table from its own and the current address map. */
		pt_destroy(&x->pt, NULL);
		x->state = TPT_NONE;
		if (build(vm, p, &p->st, &p->st.tpt_repaired_pages)) {
			tpt_disable(vm, p);
		} else {
			mode_change(vm, p);
			vm_release_quarantine(vm);
		}
	}
	if (x->state != TPT_ON && has_table(p))
		acct->tpt_fallback_walks++;
}

/* A missing TPT entry is a guest fault, unless the guest table maps the
 * page: then the table is out of step, a bug the run reports. */
static int tpt_fault(struct vm *vm, struct process *p, int rc, uint64_t va, bool write,
		     struct tpt_err *e)
{
	(void)rc;
	if (vm_guest_maps(p, va, write))
		return tpt_fail(e, "TPT table of pid %d out of step with its guest table at gVA %#llx",
				p->pid, (unsigned long long)va);
	return vm_guest_fault(vm, p, va, write);
}

/* --- the hypervisor half --------------------------------------------------- */

static bool armed(const struct vm *vm, const char *name)
{
	if (tv(vm)->all)
		return true;
	for (unsigned i = 0; i < tv(vm)->n; i++)
		if (!strncmp(tv(vm)->names[i], name, 15))
			return true;
	return false;
}

/* Arms a program name for TPT, as `echo NAME > /sys/kernel/mm/devirt/task_name`;
 * NULL arms every program. */
static void tpt_arm(struct vm *vm, const char *name)
{
	struct tpt_vm *x = tv(vm);
	if (!name)
		x->all = true;
	else if (x->n < ARRAY_LEN(x->names))
		snprintf(x->names[x->n++], 16, "%s", name);
}

/* A new program armed for TPT, or a child of a TPT process, gets a table. */
static int tpt_start(struct vm *vm, struct process *p, const struct process *parent,
		     struct tpt_stats *acct)
{
	if ((parent && has_table(parent)) || armed(vm, p->name))
		return tpt_enable(vm, p, acct);
	return TPT_OK;
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
	if (tp(p)->state != TPT_ON && tp(p)->state != TPT_STALE)
		return;
	struct moved m = {lo, hi, false};
	pt_foreach(&tp(p)->pt, maps_moved, &m);
	pt_foreach_table(&tp(p)->pt, table_in_moved, &m);
	if (m.hit)
		tp(p)->state = TPT_PENDING;
}

/* A table pending its status fault or stale may reach frames that left. */
static bool tpt_holds_moved(const struct vm *vm)
{
	for (unsigned i = 0; i < vm->nprocs; i++) {
		const struct process *p = vm->procs[i];
		if (p && (tp(p)->state == TPT_PENDING || tp(p)->state == TPT_STALE))
			return true;
	}
	return false;
}

static bool tpt_own_table(const struct process *p)
{
	return has_table(p);
}

/* A table in use agrees with the guest's and holds every guest mapping. */
static int tpt_check(const struct vm *vm, const struct process *p, struct tpt_err *e)
{
	return tp(p)->state == TPT_ON ? vm_check_dual(vm, p, &tp(p)->pt, "TPT table", true, e) : 0;
}

/* A process on TPT (or that was, if it exited) ran as the scheme; else nested. */
static const char *tpt_mode(const struct process *p)
{
	return (p->alive ? tp(p)->state == TPT_ON : tp(p)->used) ? NULL : "nested";
}

static void tpt_count_tables(const struct process *p, uint64_t *shadow, uint64_t *tpt)
{
	(void)shadow;
	*tpt += has_table(p) ? tp(p)->pt.tables : 0;
}

static const struct hv_ops hv_tpt = {
	.hypervisor = true, .ept = true, .first_touch = EXIT_EPT_VIOLATION,
	.vm_size = sizeof(struct tpt_vm), .proc_size = sizeof(struct tpt_proc),
	.guest_write = tpt_guest_write, .start = tpt_start, .end = tpt_disable,
	.frames_moved = tpt_moved, .holds_moved = tpt_holds_moved, .own_table = tpt_own_table,
	.check = tpt_check,
};

static const struct hv_ops hv_tpt_emul = {
	.hypervisor = true, .ept = true, .kentry_hypercalls = 2, .first_touch = EXIT_EPT_VIOLATION,
	.vm_size = sizeof(struct tpt_vm), .proc_size = sizeof(struct tpt_proc),
	.guest_write = tpt_guest_write, .start = tpt_start, .end = tpt_disable,
	.frames_moved = tpt_moved, .holds_moved = tpt_holds_moved, .own_table = tpt_own_table,
	.check = tpt_check,
};

#define TPT_OPS                                                                                \
	.cr3_gpa = true, .regs = tpt_regs, .before_walk = tpt_before_walk, .fault = tpt_fault,   \
	.enable = tpt_enable, .disable = tpt_disable, .arm = tpt_arm, .mode = tpt_mode,           \
	.count_tables = tpt_count_tables

const struct scheme scheme_tpt_naive = {
	.name = "tpt-naive",
	.summary = "TPT: 1D walk of the gVA->hPA table, tag checks one after another",
	.hv = &hv_tpt,
	.tag_checks = true,
	.walk = tpt_naive_walk,
	.miss_refs = tpt_checked_refs,
	TPT_OPS,
};

const struct scheme scheme_tpt_opt = {
	.name = "tpt-opt",
	.summary = "TPT: as tpt-naive, tag checks issued in parallel with the walk",
	.hv = &hv_tpt,
	.tag_checks = true,
	.walk = tpt_opt_walk,
	.miss_refs = tpt_checked_refs,
	TPT_OPS,
};

const struct scheme scheme_tpt_emul = {
	.name = "tpt-emul",
	.summary = "the TPT prototype on Intel: twin table as CR3, EPT off in user mode, no tag check",
	.hv = &hv_tpt_emul,
	.walk = tpt_emul_walk,
	.miss_refs = tpt_emul_refs,
	TPT_OPS,
};
