/* SPDX-License-Identifier: MIT */
/*
 * shadow.c - shadow paging and agile paging, both halves: the hardware
 * walks only the hypervisor's shadow table (gVA -> hPA), loaded as CR3: g'
 * references per TLB miss; the hypervisor keeps that table in step.
 *
 * Shadow paging: hidden page faults fill the shadow table from the guest
 * table and the guest address map; guest table pages that a fill walked
 * through become write-protected, and every later guest write to them
 * exits and is emulated: the shadow entries the old value produced are
 * zapped, and the next access refills them with a hidden fault (as KVM
 * does). A table page written three times with no fill through it in
 * between is unshadowed, as KVM's write-flooding detection does. With
 * [hv] shadow_unsync, a leaf table page's first trapped write also lets
 * it go out of sync, as KVM's mmu_unsync does: its protection goes, later
 * writes to it are plain stores (the shadow entries their old values
 * produced still go, as KVM's sync at the INVLPG or flush that follows
 * them would update them), and the next CR3 load syncs it (protected
 * again, at shadow_sync_cycles). A guest page fault is intercepted and
 * reflected. Each process has its own shadow
 * table (one per guest CR3); the tables of the `shadow_roots` most
 * recently loaded processes are kept.
 *
 * Agile paging (Gandhi, Hill and Swift, ISCA 2016): the same shadow table,
 * but a guest table page written `agile_writes` times in one interval is
 * switched to nested mode: its shadow subtree is replaced by a switching
 * entry (PTE_SWITCH) holding the page's gPA, and walks continue there in
 * two dimensions; writes to it no longer exit. After an interval with no
 * write to it (the dirty-bit scan), it is switched back.
 *
 * Selective hardware/software paging (SHSP; Wang, Zang, Wang, Luo, Li, VEE
 * 2011): the whole VM runs under shadow paging or under nested paging and
 * is switched at interval boundaries. Each interval it compares what its
 * mode cost against an estimate of the other's: under nested, the walk
 * stall against a 1D walk's share of it (g of (g+1)(h+1)-1 references)
 * plus the exits shadow paging would take for the interval's guest table
 * updates, intercepted faults, CR3 writes and INVLPGs; under shadow, those
 * exits' cycles against the walk stall times the 2D walk's extra
 * references. With shadow_unsync both sides count a leaf table page's
 * writes after its first since the last CR3 load as stores, and each such
 * page as a sync at the next (nested mode marks the pages for this
 * alone). After `shsp_confidence` intervals in a row favour the other
 * mode by `shsp_margin`, it switches: to shadow, the TLBs and walk caches
 * are flushed and the shadow tables start empty, filled by hidden faults
 * (their cost charged as under shadow paging); to nested, every shadow
 * table is dropped and its guest tables unprotected. In nested mode CR3
 * writes, INVLPGs and guest table writes do not exit, and the hardware
 * walks in two dimensions (the registers name the EPT only then). In a
 * sampled run an interval is a detailed window (tick_start at its start,
 * the tick at its end): between windows nothing counts the walk cycles a
 * decision reads.
 *
 * State: per VM (struct shadow_vm) which guest table pages are shadowed
 * (write-protected) or switched, the writes to each in this interval, and
 * the switched entries; per process (struct shadow_proc) its shadow table.
 * Invariant: every shadow leaf maps va to the host frame that guest table
 * o guest address map gives, at a size no larger than either page; every
 * switching entry holds the gPA of the guest table page at its place.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "inspect.h"
#include "tpt/base/bitmap.h"
#include "tpt/scheme/scheme.h"

/* KVM unshadows a page table written this often with no walk through it. */
#define FLOOD_WRITES 3

struct agile_switch {
	int pid;
	uint64_t va;
	int level;
	uint64_t gfn;
};

struct shadow_vm {
	bool agile;
	/* shsp: the VM runs nested now; intervals in a row for the other mode;
	 * every process's counters summed at the interval's start */
	bool shsp, nested_now;
	unsigned votes;
	struct tpt_stats last;
	uint8_t *wp;            /* bit per gfn: that guest table page is shadowed (write-protected) */
	uint8_t *sw;            /* agile: bit per gfn: that table page is walked in nested mode */
	uint8_t *unsync;        /* bit per gfn: that leaf table page is out of sync (shadow_unsync) */
	uint64_t *unsynced;     /* the gfns that went out of sync since the last CR3 load */
	size_t nunsynced, capunsynced;
	/* shadow_unsync's table writes made stores, and its syncs; under
	 * SHSP's nested mode, those it would make (the estimate's); the
	 * counts at the interval's start */
	uint64_t stores, syncs, last_stores, last_syncs;
	uint32_t *writes;       /* writes per guest table page this interval */
	uint64_t writes_bytes;
	struct agile_switch *switched; /* agile: the switching entries */
	size_t nswitched, capswitched;
	uint64_t *written;      /* agile: gfns written in this interval */
	size_t nwritten, capwritten;
};

struct shadow_proc {
	bool live;      /* a shadow table is built (its root loaded at the last CR3 write) */
	struct pt pt;   /* gVA -> hPA (and switching entries), in hypervisor frames */
	uint64_t used;  /* vm->clock when its root was last loaded, for the root cache's LRU */
};

static struct shadow_vm *sv(const struct vm *vm)
{
	return vm->xs;
}

static struct shadow_proc *sp(const struct process *p)
{
	return p->xs;
}

bool shadow_loaded(const struct process *p)
{
	return sp(p)->live;
}

void shadow_unsync_counts(const struct vm *vm, uint64_t *stores, uint64_t *syncs)
{
	*stores = sv(vm)->stores;
	*syncs = sv(vm)->syncs;
}

/* --- the hardware half ---------------------------------------------------- */

/* CR3 holds the shadow root. */
static void shadow_regs(const struct vm *vm, const struct process *p, struct mmu_regs *r)
{
	scheme_guest_regs(vm, p, r);
	r->cr3 = sp(p)->pt.root;
}

/* Shadow paging, and agile paging with nothing switched: the shadow table alone. */
static unsigned shadow_refs(unsigned g, unsigned h, unsigned g1)
{
	(void)g, (void)h;
	return g1;
}

/* Agile paging with levels switched: at most the shadow part's switching
 * entry and a whole 2D walk below it. */
static unsigned agile_max_refs(unsigned g, unsigned h, unsigned g1)
{
	(void)g1;
	return (g + 1) * (h + 1);
}

static int shadow_walk(struct mmu *m, const struct mmu_regs *r, uint64_t va, bool write,
		       struct walk *w)
{
	return walk_1d(m, r, w, r->cr3, va, write, CHECKS_NONE, WALK_SHADOW_MISS);
}

/*
 * Agile paging: the walk starts in the shadow table and, at an entry
 * carrying the switching bit, continues in nested mode from the guest
 * table page that entry names. With no switched entry it costs g'
 * references like shadow paging; switched at the leaf table it costs the
 * shadow levels above plus (h+1) + h for the rest: between shadow and
 * nested, as agile paging promises. The paging-structure caches serve the
 * shadow part only: the nested part's guest-physical pointers would mix
 * address spaces in them.
 */
static int agile_walk(struct mmu *m, const struct mmu_regs *r, uint64_t va, bool write,
		      struct walk *w)
{
	int rc = walk_1d(m, r, w, r->cr3, va, write, CHECKS_NONE, WALK_SHADOW_MISS);
	if (rc != WALK_SWITCH)
		return rc;
	return walk_2d_from(m, r, va, write, w, w->switch_level, w->switch_table, false);
}

/* SHSP: nested mode names the EPT (2D walks of the guest table), shadow
 * mode the shadow root with EPT off, as the VMCS's controls would. */
static void shsp_regs(const struct vm *vm, const struct process *p, struct mmu_regs *r)
{
	if (sv(vm)->nested_now) {
		scheme_guest_regs(vm, p, r);
		return;
	}
	shadow_regs(vm, p, r);
	r->eptp = 0;
}

static int shsp_walk(struct mmu *m, const struct mmu_regs *r, uint64_t va, bool write, struct walk *w)
{
	return r->eptp ? walk_2d(m, r, va, write, w) : shadow_walk(m, r, va, write, w);
}

static unsigned shsp_max_refs(unsigned g, unsigned h, unsigned g1)
{
	(void)g1;
	return (g + 1) * (h + 1) - 1;
}

/* --- the hypervisor half: the shadow table ------------------------------------ */

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
	return vm_rc(pt_map(&sp(p)->pt, NULL, va & ~mask, vm_gpa_to_hpa(vm, gbase), s,
			    pte & (PTE_W | PTE_U)),
		     TPT_EHOSTMEM);
}

/* Drops every shadow entry (pages and switching entries) in [start, end). */
static void drop_range(struct vm *vm, struct process *p, uint64_t start, uint64_t end)
{
	struct pt_leaves l = {0};
	pt_foreach_range(&sp(p)->pt, start, end, pt_collect_leaf, &l);
	for (size_t i = 0; i < l.n; i++)
		pt_unmap(&sp(p)->pt, NULL, l.v[i].va);
	free(l.v);
	if (l.n)
		pwc_flush_asid(&vm->mmu->pwc, p->asid); /* they may hold freed shadow tables */
}

/* A guest table page a fill walked through: write-protected, unless it is
 * out of sync, which it stays until the next CR3 load. */
static void protect(struct shadow_vm *x, uint64_t gfn)
{
	if (!bit_test(x->unsync, gfn))
		bit_set(x->wp, gfn);
}

/* Marks a leaf table page out of sync until the next CR3 load: 0, or -1
 * (unmarked) when the list of such pages cannot grow. */
static int mark_unsync(struct shadow_vm *x, uint64_t gfn)
{
	if (tpt_grow(&x->unsynced, &x->capunsynced, x->nunsynced + 1, sizeof(*x->unsynced)))
		return -1;
	bit_set(x->unsync, gfn);
	x->unsynced[x->nunsynced++] = gfn;
	return 0;
}

/* Clears the mark of every page marked out of sync, protecting each again
 * where protect is set (the sync); returns how many were marked. A page
 * freed or dropped since it was marked is no longer, and is not counted. */
static uint64_t unmark_unsynced(struct shadow_vm *x, bool protect)
{
	uint64_t n = 0;
	for (size_t i = 0; i < x->nunsynced; i++) {
		uint64_t gfn = x->unsynced[i];
		if (!bit_test(x->unsync, gfn))
			continue;
		bit_clear(x->unsync, gfn);
		if (protect) {
			bit_set(x->wp, gfn);
			x->writes[gfn] = 0;
		}
		n++;
	}
	x->nunsynced = 0;
	return n;
}

/* Clears the write protection of a guest table page and the tables below it. */
static void unprotect(struct vm *vm, const struct pt *gpt, uint64_t table, int level)
{
	bit_clear(sv(vm)->wp, table >> PAGE_SHIFT);
	if (level == 1)
		return;
	for (unsigned i = 0; i < 512; i++) {
		uint64_t e = *pt_slot(gpt, table, i);
		if ((e & PTE_P) && !(e & PTE_PS))
			unprotect(vm, gpt, e & PTE_ADDR, level - 1);
	}
}

static void count_write(struct shadow_vm *x, uint64_t gfn)
{
	if (x->writes[gfn]++ == 0 && x->agile &&
	    !tpt_grow(&x->written, &x->capwritten, x->nwritten + 1, sizeof(*x->written)))
		x->written[x->nwritten++] = gfn;
}

/* Agile: the table page at `level` holding va's entries goes to nested mode. */
static void switch_to_nested(struct vm *vm, struct process *p, struct tpt_stats *acct,
			     uint64_t table, int level, uint64_t va)
{
	struct shadow_vm *x = sv(vm);
	if (level >= vm->levels)
		return; /* the root has no parent entry to switch */
	uint64_t gfn = table >> PAGE_SHIFT;
	if (tpt_grow(&x->switched, &x->capswitched, x->nswitched + 1, sizeof(*x->switched)))
		return;
	unprotect(vm, &p->pt, table, level);
	if (pt_install(&sp(p)->pt, NULL, va, level + 1, table | PTE_P | PTE_W | PTE_U | PTE_SWITCH))
		return;
	bit_set(x->sw, gfn);
	x->switched[x->nswitched++] = (struct agile_switch){p->pid, va, level + 1, gfn};
	acct->agile_to_nested++;
	pwc_flush_asid(&vm->mmu->pwc, p->asid);
}

/* A guest table entry changed (va an address it covers): a trapped write to a
 * shadowed table page drops what the shadow derived from it. */
static int shadow_guest_write(struct vm *vm, struct process *p, struct tpt_stats *acct,
			      uint64_t va, uint64_t table, int level, uint64_t old, uint64_t val)
{
	struct shadow_vm *x = sv(vm);
	uint64_t gfn = table >> PAGE_SHIFT;
	(void)val; /* the new value reaches the shadow table at the next access's fill */
	if (!sp(p)->live)
		return TPT_OK;
	if (x->agile && bit_test(x->sw, gfn)) {
		count_write(x, gfn); /* seen by the interval's dirty-bit scan */
		return TPT_OK;
	}
	unsigned s = pt_shift(level);
	uint64_t base = va & ~((1ULL << s) - 1);
	if (bit_test(x->unsync, gfn)) {
		/* Out of sync: a store; the sync updates what the old value produced. */
		x->stores++;
		if (old & PTE_P)
			drop_range(vm, p, base, base + (1ULL << s));
		return TPT_OK;
	}
	if (!bit_test(x->wp, gfn))
		return TPT_OK; /* not shadowed: the write does not trap */
	acct->exits[EXIT_PT_WRITE]++;
	if (old & PTE_P)
		drop_range(vm, p, base, base + (1ULL << s));
	if (level == 1 && vm->cfg->shadow_unsync && !x->agile && !mark_unsync(x, gfn)) {
		bit_clear(x->wp, gfn);
		return TPT_OK;
	}
	count_write(x, gfn);
	if (x->agile) {
		if (x->writes[gfn] >= vm->cfg->agile_writes)
			switch_to_nested(vm, p, acct, table, level, va);
	} else if (x->writes[gfn] >= FLOOD_WRITES && level < vm->levels) {
		/* Write flooding: stop shadowing this table page and what is below it. */
		uint64_t span = 1ULL << (s + 9), lo = va & ~(span - 1);
		unprotect(vm, &p->pt, table, level);
		drop_range(vm, p, lo, lo + span);
	}
	return TPT_OK;
}

/* A shadow walk found nothing for va: a true guest fault is reflected, a
 * hidden one fills the shadow entry; either way the walk is retried. */
static int shadow_fault(struct vm *vm, struct process *p, int rc, uint64_t va, bool write,
			struct tpt_err *e)
{
	struct shadow_vm *x = sv(vm);
	struct pt_path path;
	uint64_t gpa, pte;
	unsigned gshift;
	(void)rc, (void)e;
	if (pt_lookup(&p->pt, va, &gpa, &gshift, &pte, &path) || (write && !(pte & PTE_W))) {
		p->st.exits[EXIT_PF_INTERCEPT]++;
		return vm_guest_fault(vm, p, va, write);
	}
	p->st.exits[EXIT_SHADOW_FILL]++;
	for (int i = 0; i < path.n; i++) {
		uint64_t gfn = path.table[i] >> PAGE_SHIFT;
		int level = vm->levels - i;
		if (x->agile && i > 0 && bit_test(x->sw, gfn)) {
			/* Below here the walk is nested: install the switching entry. */
			int r = pt_install(&sp(p)->pt, NULL, va, level + 1,
					   path.table[i] | PTE_P | PTE_W | PTE_U | PTE_SWITCH);
			if (r)
				return vm_rc(r, TPT_EHOSTMEM);
			/* pt_install may have freed shadow tables the PWC still points to. */
			pwc_flush_asid(&vm->mmu->pwc, p->asid);
			return TPT_OK;
		}
		protect(x, gfn);
		if (!x->agile)
			x->writes[gfn] = 0; /* a walk through it: not flooding */
	}
	return shadow_install(vm, p, va, gpa, gshift, pte);
}

/* The shadow entries of the guest leaf mapping va, a host page at a time,
 * and its guest table pages write-protected; *installs counts the entries
 * tried. TPT_OK (also when the guest maps nothing there) or the first
 * install's error. */
static int shadow_leaf(struct vm *vm, struct process *p, uint64_t va, uint64_t *installs)
{
	struct pt_path path;
	uint64_t gpa, pte;
	unsigned gs;
	if (pt_lookup(&p->pt, va, &gpa, &gs, &pte, &path))
		return TPT_OK;
	for (int k = 0; k < path.n; k++)
		protect(sv(vm), path.table[k] >> PAGE_SHIFT);
	uint64_t step = 1ULL << min_shift(gs, vm->hv.host_shift);
	for (uint64_t off = 0; off < (1ULL << gs); off += step) {
		++*installs;
		int rc = shadow_install(vm, p, va + off, gpa + off, gs, pte);
		if (rc)
			return rc;
	}
	return TPT_OK;
}

/* Rebuilds, in one go, the shadow entries below the level-`level` entry for
 * va from the guest table (one fill's work for the whole table page). */
static void reshadow(struct vm *vm, struct process *p, struct tpt_stats *acct, uint64_t va, int level)
{
	uint64_t span = 1ULL << pt_shift(level), lo = va & ~(span - 1), installs = 0;
	struct pt_leaves l = {0};
	pt_foreach_range(&p->pt, lo, lo + span, pt_collect_leaf, &l);
	for (size_t i = 0; i < l.n; i++)
		shadow_leaf(vm, p, l.v[i].va, &installs);
	free(l.v);
	acct->exits[EXIT_SHADOW_FILL]++;
}

/* Agile: an interval ends; table pages with no write in it go back to
 * shadow mode, and the interval's counts start again. */
static void agile_tick(struct vm *vm, struct tpt_stats *acct)
{
	struct shadow_vm *x = sv(vm);
	size_t k = 0;
	for (size_t i = 0; i < x->nswitched; i++) {
		struct agile_switch r = x->switched[i];
		struct process *p = vm_proc(vm, r.pid);
		if (!bit_test(x->sw, r.gfn) || !p || !p->alive || !sp(p)->live)
			continue; /* freed or dropped meanwhile */
		if (x->writes[r.gfn]) {
			x->switched[k++] = r;
			continue;
		}
		/* Quiet for an interval: back to shadow mode. */
		bit_clear(x->sw, r.gfn);
		int at;
		uint64_t e = pt_peek(&sp(p)->pt, r.va, r.level, &at);
		if (at == r.level && (e & PTE_SWITCH) && (e & PTE_ADDR) >> PAGE_SHIFT == r.gfn) {
			pt_unmap(&sp(p)->pt, NULL, r.va);
			pwc_flush_asid(&vm->mmu->pwc, p->asid);
			reshadow(vm, p, acct, r.va, r.level);
		}
		acct->agile_to_shadow++;
	}
	x->nswitched = k;
	for (size_t i = 0; i < x->nwritten; i++)
		x->writes[x->written[i]] = 0;
	x->nwritten = 0;
}

static uint64_t agile_interval(const struct tpt_config *cfg)
{
	return cfg->agile_interval;
}

static void clear_protection(void *ctx, uint64_t table, int level)
{
	struct vm *vm = ctx;
	(void)level;
	bit_clear(sv(vm)->wp, table >> PAGE_SHIFT);
	bit_clear(sv(vm)->sw, table >> PAGE_SHIFT);
	bit_clear(sv(vm)->unsync, table >> PAGE_SHIFT);
}

/* Drops p's shadow table and unprotects its guest table pages. */
static void shadow_drop(struct vm *vm, struct process *p)
{
	if (!sp(p)->live)
		return;
	pt_destroy(&sp(p)->pt, NULL);
	sp(p)->live = false;
	pt_foreach_table(&p->pt, clear_protection, vm);
	pwc_flush_asid(&vm->mmu->pwc, p->asid);
}

/* Builds p's shadow root, evicting the least recently loaded one if needed. */
static int shadow_load(struct vm *vm, struct process *p)
{
	sp(p)->used = vm->clock;
	if (sp(p)->live)
		return TPT_OK;
	unsigned live = 0;
	struct process *lru = NULL;
	for (unsigned i = 0; i < vm->nprocs; i++) {
		struct process *q = vm->procs[i];
		if (!q || !sp(q)->live || q == p)
			continue;
		live++;
		if (!lru || sp(q)->used < sp(lru)->used)
			lru = q;
	}
	if (lru && live > vm->cfg->shadow_roots)
		shadow_drop(vm, lru);
	if (pt_init(&sp(p)->pt, NULL, &vm->mmu->hm, NULL, vm->levels, vm->hv.host_mem, &hv_table_ops,
		    &vm->hv))
		return TPT_EHOSTMEM;
	sp(p)->live = true;
	return TPT_OK;
}

/* The leaf table pages out of sync are synced (protected again), each
 * costed to p, whose CR3 load syncs them. */
static void sync_unsynced(struct vm *vm, struct process *p)
{
	uint64_t n = unmark_unsynced(sv(vm), true);
	p->st.shadow_syncs += n;
	sv(vm)->syncs += n;
}

/* A CR3 write traps: the process's shadow root is loaded. */
static int shadow_cr3(struct vm *vm, struct process *p)
{
	p->st.exits[EXIT_CR3]++;
	sync_unsynced(vm, p);
	return shadow_load(vm, p);
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

/* Host frames [lo, hi) left the VM: p's shadow entries that map them go. */
static void shadow_moved(struct vm *vm, struct process *p, uint64_t lo, uint64_t hi)
{
	if (!sp(p)->live)
		return;
	struct drop_frames d = {lo, hi, {0}};
	pt_foreach(&sp(p)->pt, maps_frames, &d);
	for (size_t i = 0; i < d.l.n; i++)
		pt_unmap(&sp(p)->pt, NULL, d.l.v[i].va);
	free(d.l.v);
	pwc_flush_asid(&vm->mmu->pwc, p->asid);
}

static void shadow_table_freed(struct vm *vm, uint64_t gfn)
{
	bit_clear(sv(vm)->wp, gfn);
	bit_clear(sv(vm)->sw, gfn);
	bit_clear(sv(vm)->unsync, gfn);
}

static int shadow_check(const struct vm *vm, const struct process *p, struct tpt_err *e)
{
	const struct shadow_vm *x = sv(vm);
	if (x->shsp && vm->hv.traps_tlb == x->nested_now)
		return tpt_broken(e, "shsp", 1, "CR3 writes %s in %s mode", vm->hv.traps_tlb ? "trap" : "do not trap",
				  x->nested_now ? "nested" : "shadow");
	if (x->shsp && x->nested_now && sp(p)->live)
		return tpt_broken(e, "shsp", 2, "pid %d has a shadow table in nested mode", p->pid);
	return sp(p)->live ? vm_check_dual(vm, p, &sp(p)->pt, "shadow table", false, e) : 0;
}

static void shadow_count_tables(const struct process *p, uint64_t *shadow, uint64_t *tpt)
{
	(void)tpt;
	*shadow += sp(p)->live ? sp(p)->pt.tables : 0;
}

/* --- SHSP: the VM's mode, switched at intervals ------------------------------- */

/* Nested mode, for the estimate: what shadow_unsync would make of a leaf
 * table write. The page's first write since the last CR3 load exits and
 * lets it go out of sync, so later ones are stores; the page is marked in
 * the unsync map, which nested mode has no other use for. */
static void estimate_unsync(struct shadow_vm *x, uint64_t gfn)
{
	if (bit_test(x->unsync, gfn))
		x->stores++;
	else
		(void)mark_unsync(x, gfn); /* no memory: counted as an exit, as without shadow_unsync */
}

static int shsp_guest_write(struct vm *vm, struct process *p, struct tpt_stats *acct, uint64_t va,
			    uint64_t table, int level, uint64_t old, uint64_t val)
{
	if (!sv(vm)->nested_now)
		return shadow_guest_write(vm, p, acct, va, table, level, old, val);
	/* Nested paging: the guest owns its table. */
	if (level == 1 && vm->cfg->shadow_unsync)
		estimate_unsync(sv(vm), table >> PAGE_SHIFT);
	return TPT_OK;
}

static int shsp_cr3(struct vm *vm, struct process *p)
{
	if (!sv(vm)->nested_now)
		return shadow_cr3(vm, p);
	sv(vm)->syncs += unmark_unsynced(sv(vm), false); /* what shadow paging would sync here */
	return TPT_OK;
}

/* Every process's counters, summed. */
static void sum_procs(const struct vm *vm, struct tpt_stats *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned i = 0; i < vm->nprocs; i++)
		if (vm->procs[i])
			stats_add(out, &vm->procs[i]->st);
}

/* The cycles shadow paging's exits cost for d's events: table updates
 * trapped and emulated (but those shadow_unsync makes stores), faults
 * intercepted, CR3 writes and INVLPGs; and shadow_unsync's syncs. */
static double shadow_exit_cycles(const struct tpt_config *c, const struct tpt_stats *d, uint64_t stores,
				 uint64_t syncs)
{
	double trapped = d->pt_updates > stores ? (double)(d->pt_updates - stores) : 0;
	return trapped * (c->exit_cycles + c->pt_write_cycles) + (double)syncs * c->shadow_sync_cycles +
	       (double)d->guest_faults * (c->exit_cycles + c->pf_intercept_cycles) +
	       (double)d->context_switches * (c->exit_cycles + c->cr3_cycles) +
	       (double)d->invlpgs * (c->exit_cycles + c->invlpg_cycles);
}

/* The running process's shadow table built whole from its guest table at
 * the switch (each entry shsp_build_cycles, as construction); the others
 * fill theirs by hidden faults when they next run. */
static int shsp_build(struct vm *vm, struct process *p, struct tpt_stats *acct)
{
	int rc = shadow_load(vm, p);
	struct pt_leaves l = {0};
	if (rc || pt_foreach(&p->pt, pt_collect_leaf, &l)) {
		free(l.v);
		return rc ? rc : TPT_EHOSTMEM;
	}
	for (size_t i = 0; i < l.n && !rc; i++)
		rc = shadow_leaf(vm, p, l.v[i].va, &acct->shsp_built_pages);
	free(l.v);
	return rc;
}

static void shsp_switch(struct vm *vm, struct tpt_stats *acct, bool to_nested)
{
	struct shadow_vm *x = sv(vm);
	x->nested_now = to_nested;
	x->votes = 0;
	vm->hv.traps_tlb = !to_nested;
	unmark_unsynced(x, false); /* neither the estimate's marks nor shadow's outlive the mode */
	if (to_nested) {
		for (unsigned i = 0; i < vm->nprocs; i++)
			if (vm->procs[i])
				shadow_drop(vm, vm->procs[i]);
		acct->shsp_to_nested++;
	} else {
		acct->shsp_to_shadow++;
	}
	hv_flush(&vm->hv);
	if (!to_nested && vm->cur && shsp_build(vm, vm->cur, acct)) {
		/* No host memory for it: back to nested, as the switch never was. */
		shadow_drop(vm, vm->cur);
		x->nested_now = true;
		vm->hv.traps_tlb = false;
	}
}

/* An interval ends: its walks and exits against the other mode's estimate. */
static void shsp_tick(struct vm *vm, struct tpt_stats *acct)
{
	struct shadow_vm *x = sv(vm);
	const struct tpt_config *c = vm->cfg;
	struct tpt_stats now, d;
	sum_procs(vm, &now);
	d = now;
	if (now.accesses >= x->last.accesses) /* else the counters were zeroed at the mark */
		stats_sub(&d, &x->last);
	x->last = now;
	uint64_t stores = x->stores - x->last_stores, syncs = x->syncs - x->last_syncs;
	x->last_stores = x->stores;
	x->last_syncs = x->syncs;
	double g = vm->levels, full = (g + 1) * (g + 1) - 1;
	/* Walk cycles are what the walks' references cost, before overlap. */
	double walk = (double)(d.walk_cycles + d.faulted_walk_cycles);
	double cost_nested, cost_shadow;
	if (x->nested_now) {
		cost_nested = walk;
		cost_shadow = walk * g / full + shadow_exit_cycles(c, &d, stores, syncs);
	} else {
		cost_shadow = walk + shadow_exit_cycles(c, &d, stores, syncs);
		cost_nested = walk * full / g;
	}
	bool other = x->nested_now ? cost_shadow * (1 + c->shsp_margin) < cost_nested
				   : cost_nested * (1 + c->shsp_margin) < cost_shadow;
	x->votes = other ? x->votes + 1 : 0;
	if (x->votes >= c->shsp_confidence)
		shsp_switch(vm, acct, !x->nested_now);
}

/* A sampled window begins: the next tick judges from here. */
static void shsp_tick_start(struct vm *vm)
{
	struct shadow_vm *x = sv(vm);
	sum_procs(vm, &x->last);
	x->last_stores = x->stores;
	x->last_syncs = x->syncs;
}

static uint64_t shsp_interval(const struct tpt_config *cfg)
{
	return cfg->shsp_interval;
}

static int init(struct vm *vm, bool agile, struct tpt_err *e)
{
	struct shadow_vm *x = sv(vm);
	uint64_t gfr = vm->guest_mem >> PAGE_SHIFT;
	x->agile = agile;
	x->writes_bytes = tpt_align_up(gfr * sizeof(uint32_t), PAGE_SIZE);
	x->wp = calloc(gfr / 8 + 1, 1);
	x->sw = calloc(gfr / 8 + 1, 1);
	x->unsync = calloc(gfr / 8 + 1, 1);
	x->writes = hv_map_sparse(x->writes_bytes);
	if (!x->wp || !x->sw || !x->unsync || !x->writes)
		return tpt_fail_mem(e, "out of memory for the write-protection map");
	return 0;
}

static int shadow_init(struct vm *vm, struct tpt_err *e)
{
	return init(vm, false, e);
}

static int agile_init(struct vm *vm, struct tpt_err *e)
{
	return init(vm, true, e);
}

/* SHSP starts under nested paging, which needs nothing built. */
static int shsp_init(struct vm *vm, struct tpt_err *e)
{
	if (init(vm, false, e))
		return -1;
	sv(vm)->shsp = sv(vm)->nested_now = true;
	vm->hv.traps_tlb = false;
	return 0;
}

static void shadow_fini(struct vm *vm)
{
	struct shadow_vm *x = sv(vm);
	if (x->writes)
		munmap(x->writes, x->writes_bytes);
	free(x->wp);
	free(x->sw);
	free(x->unsync);
	free(x->unsynced);
	free(x->switched);
	free(x->written);
}

static const struct hv_ops hv_shadow = {
	.hypervisor = true, .traps_tlb = true, .first_touch = EXIT_SHADOW_FILL,
	.vm_size = sizeof(struct shadow_vm), .proc_size = sizeof(struct shadow_proc),
	.init = shadow_init, .fini = shadow_fini, .guest_write = shadow_guest_write,
	.cr3_load = shadow_cr3, .end = shadow_drop, .frames_moved = shadow_moved,
	.table_freed = shadow_table_freed, .check = shadow_check,
};

static const struct hv_ops hv_agile = {
	.hypervisor = true, .ept = true, .traps_tlb = true, .first_touch = EXIT_EPT_VIOLATION,
	.vm_size = sizeof(struct shadow_vm), .proc_size = sizeof(struct shadow_proc),
	.init = agile_init, .fini = shadow_fini, .guest_write = shadow_guest_write,
	.cr3_load = shadow_cr3, .end = shadow_drop, .frames_moved = shadow_moved,
	.table_freed = shadow_table_freed, .check = shadow_check,
};

static const struct hv_ops hv_shsp = {
	.hypervisor = true, .ept = true, .traps_tlb = true, .first_touch = EXIT_EPT_VIOLATION,
	.vm_size = sizeof(struct shadow_vm), .proc_size = sizeof(struct shadow_proc),
	.init = shsp_init, .fini = shadow_fini, .guest_write = shsp_guest_write,
	.cr3_load = shsp_cr3, .end = shadow_drop, .frames_moved = shadow_moved,
	.table_freed = shadow_table_freed, .check = shadow_check,
};

const struct scheme scheme_shadow = {
	.name = "shadow",
	.summary = "shadow paging: 1D walk of the shadow table; exits keep it in sync",
	.hv = &hv_shadow,
	.regs = shadow_regs,
	.walk = shadow_walk,
	.miss_refs = shadow_refs,
	.fault = shadow_fault,
	.count_tables = shadow_count_tables,
};

const struct scheme scheme_agile = {
	.name = "agile",
	.summary = "agile paging: shadow walk that switches to nested for often-written tables",
	.hv = &hv_agile,
	.regs = shadow_regs,
	.walk = agile_walk,
	.miss_refs = shadow_refs,
	.max_miss_refs = agile_max_refs,
	.fault = shadow_fault,
	.tick = agile_tick,
	.tick_interval = agile_interval,
	.count_tables = shadow_count_tables,
};

const struct scheme scheme_shsp = {
	.name = "shsp",
	.summary = "selective paging (VEE 2011): the VM switched between nested and shadow at intervals",
	.hv = &hv_shsp,
	.cr3_gpa = true,
	.timed_decisions = true,
	.regs = shsp_regs,
	.walk = shsp_walk,
	.miss_refs = shadow_refs,
	.max_miss_refs = shsp_max_refs,
	.fault = shadow_fault,
	.tick = shsp_tick,
	.tick_interval = shsp_interval,
	.tick_start = shsp_tick_start,
	.count_tables = shadow_count_tables,
};
