/* SPDX-License-Identifier: MIT */
/*
 * dvmt.c - Do-It-Yourself Virtual Memory Translation (Alam, Zhang, Erez,
 * Etsion, ISCA 2017) in its two virtualized forms ([hv] dvmt_where):
 *   hypervisor  the guest keeps its page table, and the gPA -> hPA
 *               dimension of every walk is the hypervisor's own map
 *               instead of the EPT;
 *   both        as above, and besides each process's own gVA -> hPA map
 *               over the ranges it registered replaces the whole walk
 *               there: one custom translation, no guest table.
 * Translation is decoupled from permission: the right to use a host frame
 * is checked apart, once per TLB fill, by the fill's token check in the
 * host frame permission table (the RMP that TPT's tag checks read, through
 * its cache), issued beside the data access as tpt-opt's last check is.
 *
 * The hypervisor's map ([hv] dvmt_layout) lies in host memory, where the
 * walk reads it:
 *   flat  an 8-byte entry per host page of guest memory, by gPA: one
 *         reference per gPA;
 *   hash  16-byte slots (host page number + 1, entry), linear probing, at
 *         most half full: one reference per cache line probed;
 *   ds    one direct segment: guest frames [0, seg_frames) are at gPA +
 *         seg_off, with no reference. The hypervisor backs all guest memory
 *         at start on one run of host frames. A frame it later moves ends
 *         the segment below it; what lies above, and all guest memory when
 *         no run that long was free, is translated by the EPT, which the
 *         hypervisor keeps for every layout (for flat and hash it is only
 *         its record: no walk reads it).
 * A gPA is translated by the nested TLB, or else by the custom translation
 * (its references through the caches, dvmt_handler_cycles of work beside
 * them), which the nested TLB then holds. With no translation cache a walk
 * reads g guest entries, makes g+1 custom translations and one check: 10
 * references on 4-level tables with flat, 5 with ds, against nested
 * paging's 24.
 *
 * A process's own maps (both) take the same layout, flat or hash, per 4 KiB
 * page of a range; a range is a mapping of at least dvmt_min_range,
 * registered at its first page while one of dvmt_ranges registers is
 * free, its map on a run of host frames. The guest keeps the map with its
 * table (each update mirrored, counted as a pv-op); an entry whose frame
 * the hypervisor moves goes, and a miss where the guest maps the page
 * refills it. ds with both is refused: the guest would have to place each
 * range contiguously in guest-physical memory, which its allocator does
 * not. A custom translation of a range costs one reference (flat) and a
 * check: 2 references.
 *
 * Called through scheme.h and hv.h. State: per VM (struct dvmt_vm) the
 * map's registers and host frames; per process (struct dvmt_proc) its
 * range registers and their maps' frames. Invariants (dvmt_check): flat:
 * the entry of a host page of guest memory is present exactly when it is
 * backed and gives its host frames; hash: every backed host page has one
 * slot, reached by probing from its hash without an empty slot between,
 * and no other slot is used; ds: every guest frame below seg_frames is
 * backed at gPA + seg_off; a process's map: every present entry gives what
 * its guest table and the guest address map give, and is writable only
 * where the guest's entry is.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "tpt/mmu/walk.h"
#include "tpt/scheme/scheme.h"

struct dvmt_vm {
	struct dvmt_regs regs;
	uint64_t map_frames; /* flat, hash: host frames of the map, from regs.table on */
	uint64_t used;       /* hash: slots in use */
	/* where = both: the programs that register ranges (DVMT's
	 * applications opt in): every one, or those named. */
	bool all;
	unsigned narmed;
	char armed[32][16];
};

/* A process's own maps (where = both): its range registers, and each map's
 * host frames (a run, from the register's table on). */
struct dvmt_proc {
	struct dvmt_app regs;
	uint64_t frames[DVMT_RANGES_MAX];
};

static struct dvmt_proc *dp(const struct process *p)
{
	return p->xs;
}

static struct dvmt_vm *dv_of_hv(struct hv *hv)
{
	struct vm *vm = (struct vm *)((char *)hv - offsetof(struct vm, hv));
	return vm->xs;
}

/* --- the map's entries, as the hardware reads them ------------------------- */

static uint64_t entry_of(uint64_t hfn, unsigned host_shift)
{
	return (hfn << PAGE_SHIFT) | ((uint64_t)host_shift << 1) | 1;
}

#define APP_W (1ULL << 7) /* a process's map: the page is writable */

/* The slot a host page number probes first. */
static uint64_t hash_slot(uint64_t hpn, uint64_t mask)
{
	return (hpn * 0x9E3779B97F4A7C15ULL >> 17) & mask;
}

static uint64_t *word(struct hv *hv, uint64_t addr)
{
	return hostmem_word(&hv->mmu->hm, addr);
}

/* --- the hardware half ---------------------------------------------------- */

/* Entry n of the map at table (flat: an array; hash: mask + 1 slots keyed
 * n + 1), read as the hardware reads it: a reference per cache line it
 * touches. 0 when the map has none. */
static uint64_t map_read(struct mmu *m, struct walk *w, unsigned layout, uint64_t table,
			 uint64_t mask, uint64_t n)
{
	if (layout == DVMT_FLAT) {
		walk_ref(m, w, table + 8 * n);
		w->st->dvmt_refs++;
		return *hostmem_word(&m->hm, table + 8 * n);
	}
	uint64_t line = ~0ULL;
	for (uint64_t i = hash_slot(n, mask);; i = (i + 1) & mask) {
		uint64_t at = table + 16 * i;
		if (at >> 6 != line) {
			line = at >> 6;
			walk_ref(m, w, at);
			w->st->dvmt_refs++;
		}
		uint64_t k = *hostmem_word(&m->hm, at);
		if (k == n + 1)
			return *hostmem_word(&m->hm, at + 8);
		if (!k)
			return 0;
	}
}

/* A gPA's custom translation: WALK_OK with *hpa and *shift, or
 * WALK_EPT_VIOLATION (the host page is not backed: the map has no entry). */
static int custom(struct mmu *m, const struct mmu_regs *r, struct walk *w, uint64_t gpa,
		  uint64_t *hpa, unsigned *shift)
{
	const struct dvmt_regs *d = r->dvmt;
	uint64_t gfn = gpa >> PAGE_SHIFT, e;
	w->st->dvmt_translations++;
	w->cycles += d->handler_cycles;
	if (d->layout == DVMT_DS) {
		if (gfn < d->seg_frames) {
			*hpa = gpa + d->seg_off;
			*shift = d->host_shift;
			return WALK_OK;
		}
		w->st->dvmt_outside++;
		return walk_ept(m, r, w, gpa, hpa, shift);
	}
	e = map_read(m, w, d->layout, d->table, d->mask, gfn >> (d->host_shift - PAGE_SHIFT));
	if (!(e & 1)) {
		w->fault_addr = gpa;
		return WALK_EPT_VIOLATION;
	}
	*shift = (unsigned)((e >> 1) & 63);
	*hpa = (e & ~(PAGE_SIZE - 1)) | (gpa & ((1ULL << *shift) - 1));
	return WALK_OK;
}

/* gPA -> hPA: the nested TLB, or the custom translation, which the nested
 * TLB then holds. */
static int host(struct mmu *m, const struct mmu_regs *r, struct walk *w, uint64_t gpa,
		uint64_t *hpa, unsigned *shift)
{
	return walk_host_through(m, r, w, gpa, hpa, shift, custom);
}

/* The fill's token check of the frame w translated to, beside the data
 * access. */
static int token_check(struct mmu *m, const struct mmu_regs *r, struct walk *w)
{
	w->st->dvmt_token_checks++;
	return walk_tag_check(m, r, w, w->pa >> PAGE_SHIFT, CHECKS_PARALLEL, 0, true);
}

/* A gVA in a registered range: the process's own map gives the host
 * address, and the fill's token check runs beside the data access. */
static int app_walk(struct mmu *m, const struct mmu_regs *r, const struct dvmt_range *g,
		    uint64_t va, bool write, struct walk *w)
{
	uint64_t page = (va - g->lo) >> PAGE_SHIFT, e;
	w->st->dvmt_translations++;
	w->cycles += r->dvmt->handler_cycles;
	w->st->pwc_misses++; /* no paging-structure cache serves it */
	e = map_read(m, w, r->dvmt->layout, g->table, g->mask, page);
	if (!(e & 1) || (write && !(e & APP_W))) {
		w->fault_addr = va;
		return WALK_DVMT_MISS;
	}
	w->shift = (unsigned)((e >> 1) & 63);
	w->pa = (e & ~(PAGE_SIZE - 1)) | (va & ((1ULL << w->shift) - 1));
	w->writable = e & APP_W;
	return token_check(m, r, w);
}

/* The process's registered ranges by their own map; the rest by the 2D
 * walk with the hypervisor's map as its host dimension. */
static int dvmt_walk(struct mmu *m, const struct mmu_regs *r, uint64_t va, bool write,
		     struct walk *w)
{
	if (r->dvmt_app)
		for (unsigned i = 0; i < r->dvmt_app->n; i++)
			if (va >= r->dvmt_app->r[i].lo && va < r->dvmt_app->r[i].hi)
				return app_walk(m, r, &r->dvmt_app->r[i], va, write, w);
	int rc = walk_2d_via(m, r, va, write, w, host);
	if (rc)
		return rc;
	return token_check(m, r, w);
}

/* g guest references, g+1 custom translations of one reference (flat, the
 * default layout) and the fill's token check. */
static unsigned dvmt_refs(unsigned g, unsigned h, unsigned g1)
{
	(void)h, (void)g1;
	return g + (g + 1) + 1;
}

static unsigned dvmt_checks(unsigned g, unsigned h, unsigned g1)
{
	(void)g, (void)h, (void)g1;
	return 1;
}

static void dvmt_regs_of(const struct vm *vm, const struct process *p, struct mmu_regs *r)
{
	scheme_guest_regs(vm, p, r);
	r->dvmt = &((const struct dvmt_vm *)vm->xs)->regs;
	if (vm->cfg->dvmt_where == DVMT_BOTH)
		r->dvmt_app = &dp(p)->regs;
}

/* --- the hypervisor half: the map follows the guest address map ----------- */

/* The hash map at t with mask + 1 slots: key n (stored as n + 1) gets
 * entry; 1 if it took a new slot. */
static int hash_put(struct hv *hv, uint64_t t, uint64_t mask, uint64_t n, uint64_t entry)
{
	uint64_t i = hash_slot(n, mask);
	while (*word(hv, t + 16 * i) && *word(hv, t + 16 * i) != n + 1)
		i = (i + 1) & mask;
	uint64_t *k = word(hv, t + 16 * i);
	int fresh = !*k;
	*k = n + 1;
	*word(hv, t + 16 * i + 8) = entry;
	return fresh;
}

/* Linear probing's deletion: the slots after the hole that probed past it
 * move back into it. 1 if key n was there. */
static int hash_drop(struct hv *hv, uint64_t t, uint64_t mask, uint64_t n)
{
	uint64_t i = hash_slot(n, mask);
	while (*word(hv, t + 16 * i) != n + 1) {
		if (!*word(hv, t + 16 * i))
			return 0;
		i = (i + 1) & mask;
	}
	for (uint64_t j = (i + 1) & mask;; j = (j + 1) & mask) {
		uint64_t k = *word(hv, t + 16 * j);
		if (!k)
			break;
		uint64_t home = hash_slot(k - 1, mask);
		/* The entry at j stays if its home lies cyclically in (i, j]. */
		if (i <= j ? (home > i && home <= j) : (home > i || home <= j))
			continue;
		*word(hv, t + 16 * i) = k;
		*word(hv, t + 16 * i + 8) = *word(hv, t + 16 * j + 8);
		i = j;
	}
	*word(hv, t + 16 * i) = 0;
	*word(hv, t + 16 * i + 8) = 0;
	return 1;
}

static int dvmt_backed(struct hv *hv, uint64_t gfn, uint64_t hfn, uint64_t n)
{
	struct dvmt_vm *x = dv_of_hv(hv);
	switch (x->regs.layout) {
	case DVMT_FLAT:
		*word(hv, x->regs.table + 8 * (gfn / n)) = entry_of(hfn, hv->host_shift);
		break;
	case DVMT_HASH:
		x->used += hash_put(hv, x->regs.table, x->regs.mask, gfn / n, entry_of(hfn, hv->host_shift));
		break;
	}
	return TPT_OK;
}

static void dvmt_unbacked(struct hv *hv, uint64_t gfn, uint64_t hfn, uint64_t n)
{
	struct dvmt_vm *x = dv_of_hv(hv);
	(void)hfn;
	switch (x->regs.layout) {
	case DVMT_FLAT:
		*word(hv, x->regs.table + 8 * (gfn / n)) = 0;
		break;
	case DVMT_HASH:
		x->used -= hash_drop(hv, x->regs.table, x->regs.mask, gfn / n);
		break;
	case DVMT_DS:
		/* The segment cannot hold a frame that moved: it ends below it. */
		if (gfn < x->regs.seg_frames)
			x->regs.seg_frames = gfn;
		break;
	}
}

/* The map's host frames, one run (the hardware reads it by address). */
static int map_alloc(struct vm *vm, struct dvmt_vm *x, uint64_t bytes, struct tpt_err *e)
{
	uint64_t pfn;
	x->map_frames = tpt_align_up(tpt_align_up(bytes, PAGE_SIZE) >> PAGE_SHIFT, 512);
	if (frames_alloc_run(&vm->hv.hframes, x->map_frames, &pfn))
		return tpt_fail(e, "dvmt: host memory has no run of %llu MiB for the %s map "
				   "(raise [mem] host_mem)",
				(unsigned long long)(x->map_frames >> 8),
				x->regs.layout == DVMT_FLAT ? "flat" : "hash");
	x->regs.table = pfn << PAGE_SHIFT;
	return 0;
}

/* ds: all guest memory backed at start on one run of host frames, if the
 * host has it; else no segment, and every gPA goes through the EPT. */
static int segment(struct vm *vm, struct dvmt_vm *x, struct tpt_err *e)
{
	uint64_t gfr = vm->guest_mem >> PAGE_SHIFT, run, step = 1ULL << (vm->hv.host_shift - PAGE_SHIFT);
	if (frames_alloc_run(&vm->hv.hframes, gfr, &run))
		return 0;
	for (uint64_t g = 0; g < gfr; g += step)
		if (hv_back_at(&vm->hv, g, run + g))
			return tpt_fail(e, "dvmt: out of memory backing the direct segment");
	x->regs.seg_frames = gfr;
	x->regs.seg_off = run << PAGE_SHIFT;
	return 0;
}

static int dvmt_init(struct vm *vm, struct tpt_err *e)
{
	struct dvmt_vm *x = vm->xs;
	if (vm->cfg->dvmt_where == DVMT_BOTH && vm->cfg->dvmt_layout == DVMT_DS)
		return tpt_fail(e, "dvmt: dvmt_layout = ds with dvmt_where = both is not modelled (the guest "
				   "would place each range contiguously in guest-physical memory); use flat or hash");
	uint64_t pages = vm->guest_mem >> vm->hv.host_shift, slots = 1;
	x->regs = (struct dvmt_regs){.layout = vm->cfg->dvmt_layout, .host_shift = vm->hv.host_shift,
				     .handler_cycles = vm->cfg->dvmt_handler_cycles};
	switch (x->regs.layout) {
	case DVMT_FLAT:
		return map_alloc(vm, x, 8 * pages, e);
	case DVMT_HASH:
		while (slots < 2 * pages)
			slots <<= 1;
		x->regs.mask = slots - 1;
		return map_alloc(vm, x, 16 * slots, e);
	default:
		return segment(vm, x, e);
	}
}

/* --- the guest's half (where = both): each process's own maps ------------- */

static const struct dvmt_range *range_of(const struct process *p, uint64_t va)
{
	const struct dvmt_app *a = &dp(p)->regs;
	for (unsigned i = 0; i < a->n; i++)
		if (va >= a->r[i].lo && va < a->r[i].hi)
			return &a->r[i];
	return NULL;
}

/* The entry of va's page in range g; NULL when a hash map has none (with
 * make, a slot is taken for it). */
static uint64_t *app_slot(struct hv *hv, const struct dvmt_range *g, unsigned layout, uint64_t va,
			  bool make)
{
	uint64_t page = (va - g->lo) >> PAGE_SHIFT;
	if (layout == DVMT_FLAT)
		return word(hv, g->table + 8 * page);
	for (uint64_t i = hash_slot(page, g->mask);; i = (i + 1) & g->mask) {
		uint64_t *k = word(hv, g->table + 16 * i);
		if (*k == page + 1 || (!*k && make)) {
			*k = page + 1;
			return word(hv, g->table + 16 * i + 8);
		}
		if (!*k)
			return NULL;
	}
}

/* Drops the entries of [va, va + len) that lie in range g. */
static void app_clear(struct hv *hv, const struct dvmt_range *g, unsigned layout, uint64_t va,
		      uint64_t len)
{
	for (uint64_t a = va; a < va + len; a += PAGE_SIZE) {
		if (a < g->lo || a >= g->hi)
			continue;
		if (layout == DVMT_FLAT)
			*word(hv, g->table + 8 * ((a - g->lo) >> PAGE_SHIFT)) = 0;
		else
			hash_drop(hv, g->table, g->mask, (a - g->lo) >> PAGE_SHIFT);
	}
}

/* Writes the entries of a guest leaf (a page of 1 << gshift at gpa, its
 * entry pte) that lie in range g: each 4 KiB page names its piece of
 * min(guest page, host page), backed first if it is not. */
static int app_fill(struct vm *vm, const struct dvmt_range *g, struct tpt_stats *acct, uint64_t va,
		    uint64_t gpa, unsigned gshift, uint64_t pte)
{
	unsigned s = min_shift(gshift, vm->hv.host_shift);
	uint64_t base = va & ~((1ULL << gshift) - 1), gbase = gpa & ~((1ULL << gshift) - 1);
	for (uint64_t off = 0; off < (1ULL << gshift); off += 1ULL << s) {
		uint64_t first = base + off, last = first + (1ULL << s);
		if (last <= g->lo || first >= g->hi)
			continue;
		uint64_t gfn = (gbase + off) >> PAGE_SHIFT;
		int rc = vm_touch_gfn(vm, acct, gfn);
		if (rc)
			return rc;
		uint64_t e = entry_of(vm_gpa_to_hpa(vm, gfn << PAGE_SHIFT) >> PAGE_SHIFT, s) |
			     (pte & PTE_W ? APP_W : 0);
		for (uint64_t a = first; a < last; a += PAGE_SIZE)
			if (a >= g->lo && a < g->hi)
				*app_slot(&vm->hv, g, vm->cfg->dvmt_layout, a, true) = e;
	}
	return TPT_OK;
}

/* A program armed (a scenario's tpt = yes, or every program) opts in:
 * its large mappings register. */
static void dvmt_arm(struct vm *vm, const char *name)
{
	struct dvmt_vm *x = vm->xs;
	if (!name)
		x->all = true;
	else if (x->narmed < ARRAY_LEN(x->armed))
		snprintf(x->armed[x->narmed++], 16, "%s", name);
}

static bool opted_in(const struct vm *vm, const char *name)
{
	const struct dvmt_vm *x = vm->xs;
	if (x->all)
		return true;
	for (unsigned i = 0; i < x->narmed; i++)
		if (!strncmp(x->armed[i], name, 15))
			return true;
	return false;
}

/* Registers the mapping that holds va if its program opted in, the
 * mapping is large enough and a range register is free, its map on a run
 * of host frames; NULL if not (the walk stays two-dimensional there). */
static const struct dvmt_range *app_register(struct vm *vm, struct process *p, uint64_t va)
{
	struct dvmt_proc *x = dp(p);
	if (x->regs.n >= vm->cfg->dvmt_ranges || !opted_in(vm, p->name))
		return NULL;
	for (size_t i = 0; i < p->nvmas; i++) {
		const struct vma *v = &p->vmas[i];
		if (va < v->start || va >= v->end)
			continue;
		if (v->end - v->start < vm->cfg->dvmt_min_range)
			return NULL;
		uint64_t pages = (v->end - v->start) >> PAGE_SHIFT, slots = 1, pfn;
		while (slots < 2 * pages)
			slots <<= 1;
		uint64_t bytes = vm->cfg->dvmt_layout == DVMT_FLAT ? 8 * pages : 16 * slots;
		uint64_t frames = tpt_align_up(tpt_align_up(bytes, PAGE_SIZE) >> PAGE_SHIFT, 512);
		if (frames_alloc_run(&vm->hv.hframes, frames, &pfn))
			return NULL;
		struct dvmt_range *g = &x->regs.r[x->regs.n];
		*g = (struct dvmt_range){v->start, v->end, pfn << PAGE_SHIFT, slots - 1};
		x->frames[x->regs.n++] = frames;
		return g;
	}
	return NULL;
}

/* A guest table entry changed: the guest mirrors it into the process's
 * map (a dual update, counted as TPT's pv-ops are); the first leaf in a
 * large mapping registers it. */
static int dvmt_guest_write(struct vm *vm, struct process *p, struct tpt_stats *acct, uint64_t va,
			    uint64_t table, int level, uint64_t old, uint64_t val)
{
	(void)table;
	if (vm->cfg->dvmt_where != DVMT_BOTH)
		return TPT_OK;
	const struct dvmt_range *g = range_of(p, va);
	bool leaf = (val & PTE_P) && pte_is_leaf(level, val);
	if (!g && leaf)
		g = app_register(vm, p, va);
	if (!g)
		return TPT_OK;
	acct->pvops++;
	unsigned s = pt_shift(level);
	if ((old & PTE_P) && pte_is_leaf(level, old))
		app_clear(&vm->hv, g, vm->cfg->dvmt_layout, va & ~((1ULL << s) - 1), 1ULL << s);
	return leaf ? app_fill(vm, g, acct, va, val & PTE_ADDR, s, val) : TPT_OK;
}

/* A miss in the process's map. If the guest maps the page (its entry went
 * when the hypervisor moved the frame, or the page was mapped before its
 * range was registered), the map learns it; else it is the guest's page
 * fault, whose table update fills the map. */
static int dvmt_fault(struct vm *vm, struct process *p, int rc, uint64_t va, bool write,
		      struct tpt_err *e)
{
	uint64_t gpa, pte;
	unsigned gs;
	if (rc != WALK_DVMT_MISS)
		return tpt_fail(e, "dvmt: walk of gVA %#llx ended in fault %d", (unsigned long long)va, rc);
	if (!vm_guest_maps(p, va, write))
		return vm_guest_fault(vm, p, va, write);
	const struct dvmt_range *g = range_of(p, va);
	if (!g || pt_lookup(&p->pt, va, &gpa, &gs, &pte, NULL))
		return tpt_fail(e, "dvmt: map of pid %d out of step at gVA %#llx", p->pid,
				(unsigned long long)va);
	return app_fill(vm, g, &p->st, va, gpa, gs, pte);
}

/* Entries that reach host frames [lo, hi) go; the next walk refills them. */
static void dvmt_moved(struct vm *vm, struct process *p, uint64_t lo, uint64_t hi)
{
	const struct dvmt_app *a = &dp(p)->regs;
	unsigned layout = vm->cfg->dvmt_layout;
	for (unsigned i = 0; i < a->n; i++) {
		const struct dvmt_range *g = &a->r[i];
		for (uint64_t va = g->lo; va < g->hi; va += PAGE_SIZE) {
			uint64_t *slot = app_slot(&vm->hv, g, layout, va, false);
			if (!slot || !(*slot & 1))
				continue;
			uint64_t f = *slot >> PAGE_SHIFT, n = 1ULL << (((*slot >> 1) & 63) - PAGE_SHIFT);
			if (f < hi && f + n > lo)
				app_clear(&vm->hv, g, layout, va, PAGE_SIZE);
		}
	}
}

/* The process's maps go with its address space. */
static void dvmt_end(struct vm *vm, struct process *p)
{
	struct dvmt_proc *x = dp(p);
	for (unsigned i = 0; i < x->regs.n; i++) {
		uint64_t pfn = x->regs.r[i].table >> PAGE_SHIFT;
		for (uint64_t f = 0; f < x->frames[i]; f++)
			hostmem_release_frame(&vm->mmu->hm, pfn + f);
		for (uint64_t f = 0; f < x->frames[i]; f += 512)
			frames_free(&vm->hv.hframes, pfn + f, FRAME_2M);
	}
	memset(x, 0, sizeof(*x));
}

/* Every entry of the process's maps gives what its guest table and the
 * guest address map give, and is writable only where the guest's is. */
static int app_check(const struct vm *vm, const struct process *p, struct tpt_err *e)
{
	const struct dvmt_app *a = &dp(p)->regs;
	struct hv *hv = (struct hv *)&vm->hv;
	for (unsigned i = 0; i < a->n; i++) {
		const struct dvmt_range *g = &a->r[i];
		for (uint64_t va = g->lo; va < g->hi; va += PAGE_SIZE) {
			uint64_t *slot = app_slot(hv, g, vm->cfg->dvmt_layout, va, false), hpa, gpa, pte;
			unsigned sh, gs;
			if (!slot || !(*slot & 1))
				continue;
			if (vm_ref_translate(vm, p, va, &hpa, &sh) || pt_lookup(&p->pt, va, &gpa, &gs, &pte, NULL))
				return tpt_broken(e, "dvmt_check", 4, "pid %d gVA %#llx: in its map, not in its guest table",
						  p->pid, (unsigned long long)va);
			unsigned s = (unsigned)((*slot >> 1) & 63);
			if (s > sh || (*slot & ~(PAGE_SIZE - 1)) != (hpa & ~((1ULL << s) - 1)))
				return tpt_broken(e, "dvmt_check", 4, "pid %d gVA %#llx: its map gives %#llx, its tables %#llx",
						  p->pid, (unsigned long long)va,
						  (unsigned long long)(*slot & ~(PAGE_SIZE - 1)), (unsigned long long)hpa);
			if ((*slot & APP_W) && !(pte & PTE_W))
				return tpt_broken(e, "dvmt_check", 5, "pid %d gVA %#llx: writable in its map only",
						  p->pid, (unsigned long long)va);
		}
	}
	return 0;
}

static int broken(struct tpt_err *e, int inv, uint64_t gfn, const char *what)
{
	return tpt_broken(e, "dvmt_check", inv, "guest frame %#llx: %s", (unsigned long long)gfn, what);
}

/* The map agrees with the guest address map (the invariant above). */
static int dvmt_check(const struct vm *vm, const struct process *p, struct tpt_err *e)
{
	struct hv *hv = (struct hv *)&vm->hv;
	const struct dvmt_vm *x = vm->xs;
	uint64_t gfr = vm->guest_mem >> PAGE_SHIFT, step = 1ULL << (hv->host_shift - PAGE_SHIFT);
	uint64_t found = 0;
	(void)p;
	for (uint64_t g = 0; g < gfr; g += step) {
		uint64_t want = hv->gmap[g] ? entry_of(hv->gmap[g], hv->host_shift) : 0;
		if (x->regs.layout == DVMT_FLAT) {
			if (*word(hv, x->regs.table + 8 * (g / step)) != want)
				return broken(e, 1, g, "its flat entry is not its host page");
		} else if (x->regs.layout == DVMT_HASH && want) {
			uint64_t i = hash_slot(g / step, x->regs.mask);
			while (*word(hv, x->regs.table + 16 * i) != g / step + 1) {
				if (!*word(hv, x->regs.table + 16 * i))
					return broken(e, 2, g, "backed, and no slot of the hash map reached");
				i = (i + 1) & x->regs.mask;
			}
			if (*word(hv, x->regs.table + 16 * i + 8) != want)
				return broken(e, 2, g, "its hash entry is not its host page");
			found++;
		} else if (x->regs.layout == DVMT_DS && g < x->regs.seg_frames &&
			   ((uint64_t)hv->gmap[g] << PAGE_SHIFT) != (g << PAGE_SHIFT) + x->regs.seg_off)
			return broken(e, 3, g, "in the direct segment, backed elsewhere");
	}
	if (x->regs.layout == DVMT_HASH && found != x->used)
		return tpt_broken(e, "dvmt_check", 2, "%llu hash slots used for %llu backed host pages",
				  (unsigned long long)x->used, (unsigned long long)found);
	return app_check(vm, p, e);
}

static const struct hv_ops hv_dvmt = {
	.hypervisor = true, .ept = true, .first_touch = EXIT_EPT_VIOLATION,
	.vm_size = sizeof(struct dvmt_vm), .proc_size = sizeof(struct dvmt_proc),
	.init = dvmt_init, .check = dvmt_check, .backed = dvmt_backed, .unbacked = dvmt_unbacked,
	.guest_write = dvmt_guest_write, .frames_moved = dvmt_moved, .end = dvmt_end,
};

const struct scheme scheme_dvmt = {
	.name = "dvmt",
	.summary = "DVMT: the guest table with the hypervisor's own gPA map for the EPT; dvmt_where = both: each process's own map in its ranges",
	.hv = &hv_dvmt,
	.tag_checks = true,
	.cr3_gpa = true,
	.regs = dvmt_regs_of,
	.walk = dvmt_walk,
	.miss_refs = dvmt_refs,
	.miss_checks = dvmt_checks,
	.fault = dvmt_fault,
	.arm = dvmt_arm,
};
