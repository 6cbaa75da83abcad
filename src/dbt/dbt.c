/* SPDX-License-Identifier: MIT */
/*
 * dbt.c - a binary translator's memory path: the guest OS, and the SoftMMU,
 * BTMMU and direct schemes (see dbt.h).
 *
 * Called by `tpt dbt`. The scheme is chosen once per run; each access goes
 * through one switch. Guest RAM sits at host physical 0 (QEMU's guest RAM
 * block); page tables of the guest and BTMMU's shadow tables are written in
 * simulated memory, data pages never are. The software TLB array and the
 * shadow tables have host addresses of their own above guest RAM, so their
 * loads compete with data in the host caches.
 *
 * Invariants (dbt_check in check.c, run by the tests after every step):
 * every shadow entry maps a page the guest table maps, to the same frame;
 * every software-TLB entry translates as the guest table does.
 */
#include <stdlib.h>
#include <string.h>

#include "dbt_internal.h"
#include "tpt/base/tcgloop.h"

const char *const dbt_guest_name[GUEST_N] = {"ia32", "pae", "x86_64"};
const char *const dbt_scheme_name[DBT_N] = {"softmmu", "btmmu", "direct"};

#define MAX_PROCS 4096
#define GUEST_USER_BASE 0x08000000ULL /* where a 32-bit guest's mappings start */
#define GUEST_USER_TOP 0xc0000000ULL  /* the 3 GiB user/kernel split */

int dbt_supported(enum dbt_scheme s, enum dbt_guest g, const struct tpt_config *cfg,
		  const struct workload *w, struct tpt_err *e)
{
	uint64_t foot = workload_footprint(w), span = 0;
	for (unsigned i = 0; i < w->nregions; i++)
		span += (w->regions[i].len + 0xfffff) & ~0xfffffULL;
	uint64_t max_phys = g == GUEST_IA32 ? 4ULL << 30 : g == GUEST_PAE ? 64ULL << 30 : 0;
	if (max_phys && foot > max_phys - (256ULL << 20))
		return tpt_fail(e, "the workload touches %llu MiB, more than a %s guest can address "
				   "physically", (unsigned long long)(foot >> 20), dbt_guest_name[g]);
	if (g != GUEST_X86_64 && span > GUEST_USER_TOP - GUEST_USER_BASE)
		return tpt_fail(e, "the workload maps more than the 3 GiB a 32-bit guest's process "
				   "can address (use --guest x86_64, or a smaller workload)");
	if (s != DBT_DIRECT)
		return 0;
	/* Earlier hardware-assisted designs map guest pages into the translator's
	 * own host address space with host pages. */
	if (cfg->host_page != 4096)
		return tpt_fail(e, "direct: the guest's 4 KiB pages are smaller than the host's %llu KiB "
				   "pages, and direct mapping maps guest pages with host pages "
				   "(BTMMU handles this)", (unsigned long long)(cfg->host_page >> 10));
	uint64_t top = 0;
	for (unsigned i = 0; i < w->nregions; i++)
		if (w->regions[i].start + w->regions[i].len > top)
			top = w->regions[i].start + w->regions[i].len;
	unsigned bits = g == GUEST_X86_64 ? 64 - (unsigned)__builtin_clzll(top | 1) : 32;
	if (g == GUEST_X86_64 && bits < 47)
		bits = 47; /* an x86-64 guest may use its whole user half */
	if (bits > cfg->host_user_va_bits)
		return tpt_fail(e, "direct: the %s guest's %u-bit address space does not fit the host's "
				   "%u-bit user space (BTMMU handles this)", dbt_guest_name[g], bits,
				cfg->host_user_va_bits);
	return 0;
}

/* ---- set-up ---- */

static int reserve(struct dbt *d, const struct workload *w, struct tpt_err *e)
{
	uint64_t foot = workload_footprint(w);
	uint64_t ram = (foot + foot / 8 + (256ULL << 20) + (1ULL << 30) - 1) & ~((1ULL << 30) - 1);
	d->ram = ram;
	/* Above RAM: the software TLB array (1 GiB of room), then kernel memory
	 * for shadow tables, as much again as guest RAM holds tables. */
	d->stlb_base = ram;
	uint64_t total = ram + (1ULL << 30) + ram / 4 + (1ULL << 30);
	if (hostmem_init(&d->hm, total, e))
		return -1;
	if (dframes_init(&d->gfr, &d->hm, 0, ram, e) ||
	    dframes_init(&d->sfr, &d->hm, ram + (1ULL << 30), total, e))
		return -1;
	return 0;
}

static struct gproc *proc(struct dbt *d, int pid)
{
	return pid >= 0 && (size_t)pid < d->nprocs && d->procs[pid] && d->procs[pid]->live
		       ? d->procs[pid]
		       : NULL;
}

static int proc_new(struct dbt *d, int pid, struct tpt_err *e)
{
	if (pid < 0 || pid >= MAX_PROCS)
		return tpt_fail(e, "pid %d out of range", pid);
	if (pid >= (int)d->nprocs) {
		size_t n = (size_t)pid + 64 < MAX_PROCS ? (size_t)pid + 64 : MAX_PROCS;
		struct gproc **v = realloc(d->procs, n * sizeof(*v));
		if (!v)
			return tpt_nomem(e);
		memset(v + d->nprocs, 0, (n - d->nprocs) * sizeof(*v));
		d->procs = v;
		d->nprocs = n;
	}
	/* Each process apart, so pointers to it (d->cur) survive growth. */
	if (!d->procs[pid] && !(d->procs[pid] = calloc(1, sizeof(struct gproc))))
		return tpt_nomem(e);
	struct gproc *p = d->procs[pid];
	memset(p, 0, sizeof(*p));
	static const struct pt_format *const fmt[GUEST_N] = {&pt_ia32, &pt_pae, &pt_x86_64_4};
	if (pt_init_fmt(&p->pt, NULL, &d->hm, NULL, fmt[d->guest], d->ram, &dbt_table_ops, &d->gfr) ||
	    pt_init_fmt(&p->shadow, NULL, &d->hm, NULL, &pt_x86_64_4, d->ram, &dbt_table_ops, &d->sfr))
		return tpt_fail(e, "out of simulated memory for page tables");
	p->asid = d->next_asid++;
	p->live = true;
	return 0;
}

static int free_frame(void *ctx, uint64_t va, uint64_t pte, unsigned shift)
{
	(void)va;
	(void)shift;
	dframes_free(ctx, pte & PTE_ADDR);
	return 0;
}

/* The process's address space goes: its data frames, then its tables. */
static void proc_end(struct dbt *d, struct gproc *p)
{
	pt_foreach(&p->pt, free_frame, &d->gfr);
	pt_destroy(&p->pt, NULL);
	pt_destroy(&p->shadow, NULL);
	p->live = false;
	if (d->cur == p)
		d->cur = NULL; /* the next process's switch flushes */
}

/* ---- 32-bit guests: workload addresses to guest addresses ---- */

static int reloc_add(struct dbt *d, uint64_t va, uint64_t len, struct tpt_err *e)
{
	if (d->guest == GUEST_X86_64)
		return 0;
	/* Mappings that already fit stay where they are (traces of programs
	 * loaded low); a recorder's "everything" mapping at 0 covers them. */
	if (va + len <= GUEST_USER_TOP || (va == 0 && len >= GUEST_USER_TOP)) {
		uint64_t end = va + len <= GUEST_USER_TOP ? va + len : 0;
		if (end > d->next_gva)
			d->next_gva = (end + 0xfffff) & ~0xfffffULL;
		return 0;
	}
	for (size_t i = 0; i < d->nreloc; i++)
		if (va >= d->reloc[i].wva && va < d->reloc[i].wva + d->reloc[i].len) {
			if (va + len > d->reloc[i].wva + d->reloc[i].len)
				d->reloc[i].len = va + len - d->reloc[i].wva; /* grows (brk) */
			return 0;
		}
	if (d->nreloc == sizeof(d->reloc) / sizeof(d->reloc[0]))
		return tpt_fail(e, "too many distinct mappings for a 32-bit guest");
	uint64_t room = len < (256ULL << 20) && va == d->brk_base ? 256ULL << 20 : len;
	room = (room + 0xfffff) & ~0xfffffULL;
	if (d->next_gva + room > GUEST_USER_TOP)
		return tpt_fail(e, "the workload maps more than the 3 GiB a 32-bit guest's process "
				   "can address (use --guest x86_64, or a smaller workload)");
	d->reloc[d->nreloc++] = (struct reloc){va, len, d->next_gva};
	d->next_gva += room;
	return 0;
}

static uint64_t gva_of(const struct dbt *d, uint64_t va)
{
	if (d->guest == GUEST_X86_64)
		return va;
	for (size_t i = 0; i < d->nreloc; i++)
		if (va - d->reloc[i].wva < d->reloc[i].len)
			return d->reloc[i].gva + (va - d->reloc[i].wva);
	return va & 0xffffffffULL; /* identity below 4 GiB; above, folded */
}

/* ---- costs ---- */

/* A host load: its latency beyond L1 joins the current access's stall,
 * which the access's end charges (access_stall). */
static void load(struct dbt *d, uint64_t pa)
{
	int lvl = cache_access(&d->cache, pa);
	if (lvl != CL_L1)
		d->acc_stall += d->cache.lat[lvl];
}

/* The stall of an access whose loads took acc_stall cycles one after
 * another (a software-TLB entry, walk entries, then the data through the
 * addend): alone if chained, else overlapped with its neighbours' misses,
 * as many at a time as the reorder window holds of the host instructions
 * since the last access that stalled (host: this access's, added to
 * them), at most dbt_mlp and at least 1; a prefetched (sequential) one
 * dbt_mlp at a time, as the prefetchers stream ahead of the window. */
static void access_stall(struct dbt *d, uint64_t host, bool chained, bool prefetched)
{
	d->since_stall += host;
	if (!d->acc_stall)
		return;
	double m = 1;
	if (!chained && d->cfg->dbt_mlp > 1) {
		m = (double)d->cfg->dbt_rob / (double)(d->since_stall ? d->since_stall : 1);
		m = m > d->cfg->dbt_mlp || prefetched ? d->cfg->dbt_mlp : m < 1 ? 1 : m;
	}
	d->stall += (double)d->acc_stall / m;
	d->acc_stall = 0;
	d->since_stall = 0;
}

static void guest_kernel(struct dbt *d, uint64_t guest_instrs)
{
	d->st.guest_instructions += guest_instrs;
	d->st.host_instructions += (uint64_t)((double)guest_instrs * d->cfg->dbt_expansion);
}

/* A table walk as hardware or software does it: the host addresses of the
 * entries read (one per level down to a missing one), and if va is mapped,
 * 0 with its page's frame and write right. */
int table_walk(const struct pt *t, uint64_t va, uint64_t refs[PT_MAX_LEVELS], int *n,
	       uint64_t *pa, uint64_t *flags)
{
	struct pt_path path;
	uint64_t a, pte;
	unsigned shift;
	int rc = pt_lookup(t, va, &a, &shift, &pte, &path);
	*n = path.n;
	for (int i = 0; i < path.n; i++)
		refs[i] = path.entry[i];
	if (rc)
		return -1;
	*pa = a & ~(PAGE_SIZE - 1);
	*flags = pte & PTE_W;
	return 0;
}

/* The guest kernel maps va on a page fault (demand paging). */
static int guest_fault(struct dbt *d, struct gproc *p, uint64_t va, struct tpt_err *e)
{
	uint64_t pa;
	d->st.guest_faults++;
	guest_kernel(d, d->cfg->guest_kernel_fault_instrs);
	if (dframes_alloc(&d->gfr, &pa) || pt_map(&p->pt, NULL, va, pa, PAGE_SHIFT, PTE_W))
		return tpt_fail(e, "guest memory exhausted");
	return 0;
}

/* A walk of the guest table by the translator or the module. */
static int walk_guest(struct dbt *d, struct gproc *p, uint64_t va, uint32_t per_level, uint64_t *pa,
		      uint64_t *flags)
{
	uint64_t refs[PT_MAX_LEVELS];
	int n;
	int rc = table_walk(&p->pt, va, refs, &n, pa, flags);
	d->st.walks++;
	d->st.walk_refs += (uint64_t)n;
	d->st.host_instructions += (uint64_t)n * per_level;
	for (int i = 0; i < n; i++)
		load(d, refs[i]);
	return rc;
}

/* ---- SoftMMU ---- */

static int softmmu_access(struct dbt *d, struct gproc *p, uint64_t va, bool write, uint64_t *pa,
			  struct tpt_err *e)
{
	const struct tpt_config *c = d->cfg;
	d->st.host_instructions += c->softmmu_hit_instrs;
	load(d, d->stlb_base + (uint64_t)softtlb_index(&d->stlb, va) * sizeof(struct stlb_entry));
	if (softtlb_hit(&d->stlb, va, write, pa)) {
		d->st.stlb_hits++;
		return 0;
	}
	d->st.stlb_misses++;
	d->st.host_instructions += c->softmmu_miss_instrs;
	if (softtlb_victim(&d->stlb, va, write, pa)) {
		d->st.victim_hits++;
		return 0;
	}
	uint64_t flags;
	if (walk_guest(d, p, va, c->softmmu_walk_level_instrs, pa, &flags)) {
		/* The guest page fault: out of the translated block, into the
		 * guest's handler, and the access is retried. */
		d->st.exceptions++;
		d->st.host_instructions += c->guest_fault_instrs;
		if (guest_fault(d, p, va, e))
			return -1;
		walk_guest(d, p, va, c->softmmu_walk_level_instrs, pa, &flags);
	}
	d->st.host_instructions += c->softmmu_fill_instrs;
	softtlb_fill(&d->stlb, va, *pa, flags & PTE_W);
	return 0;
}

/* ---- BTMMU and direct: the host MMU translates through a shadow table ---- */

static uint64_t htlb_key(const struct dbt *d, const struct gproc *p, uint64_t va)
{
	return ((uint64_t)p->asid << 52) | (va >> (12 + d->cfg->host_tlb_pairs));
}

static int shadow_access(struct dbt *d, struct gproc *p, uint64_t va, bool write, uint64_t *pa,
			 struct tpt_err *e)
{
	const struct tpt_config *c = d->cfg;
	(void)write;
	d->st.host_instructions += d->sc.access;
	uint64_t key = htlb_key(d, p, va), half = c->host_tlb_pairs ? 1ULL << ((va >> 12) & 1) : 1, val;
	if (fa_lookup(&d->htlb, key, &val) && (val & half)) {
		uint64_t refs[PT_MAX_LEVELS], flags;
		int n;
		/* The translation the entry holds is the shadow's (kept equal). */
		table_walk(&p->shadow, va, refs, &n, pa, &flags);
		return 0;
	}
	/* Software refill from the shadow table (the MIPS refill handler reads
	 * the even and odd entries of the pair). */
	d->st.host_tlb_misses++;
	d->st.host_instructions += c->btmmu_refill_instrs;
	uint64_t refs[PT_MAX_LEVELS], flags;
	int n;
	int rc = table_walk(&p->shadow, va, refs, &n, pa, &flags);
	d->st.refill_refs += (uint64_t)n;
	for (int i = 0; i < n; i++)
		load(d, refs[i]);
	if (rc) {
		/* No shadow entry: an MMU exception. BTMMU takes it through its
		 * dedicated entrance and walks the guest table in the module;
		 * direct mapping takes the host kernel's general fault path and
		 * mirrors the guest mapping with an mmap. */
		d->st.exceptions++;
		d->st.host_instructions += d->sc.exception;
		uint64_t gpa, gflags;
		if (walk_guest(d, p, va, d->sc.walk_level, &gpa, &gflags)) {
			d->st.exceptions++;
			d->st.host_instructions += c->guest_fault_instrs;
			if (guest_fault(d, p, va, e))
				return -1;
			walk_guest(d, p, va, d->sc.walk_level, &gpa, &gflags);
		}
		d->st.host_instructions += d->sc.fill;
		if (pt_map(&p->shadow, NULL, va, gpa, PAGE_SHIFT, gflags))
			return tpt_fail(e, "out of simulated memory for shadow tables");
		d->st.shadow_fills++;
		table_walk(&p->shadow, va, refs, &n, pa, &flags);
	}
	/* The entry covers the pair: which halves the shadow maps. */
	uint64_t mask = 0, base = c->host_tlb_pairs ? va & ~0x1fffULL : va & ~0xfffULL;
	for (int h = 0; h <= (int)c->host_tlb_pairs; h++) {
		uint64_t hp, hf;
		if (!table_walk(&p->shadow, base + ((uint64_t)h << 12), refs, &n, &hp, &hf))
			mask |= 1ULL << h;
	}
	fa_flush_match(&d->htlb, key, ~0ULL);
	fa_insert(&d->htlb, key, ~0ULL, mask);
	return 0;
}

/* ---- address-space events ---- */

/* The guest drops va's translation (INVLPG after unmap or mprotect). */
static void softmmu_invalidate(struct dbt *d, struct gproc *p, uint64_t va)
{
	if (p == d->cur) {
		d->st.host_instructions += d->cfg->guest_invlpg_instrs;
		softtlb_flush_page(&d->stlb, va);
	}
}

static void shadow_invalidate(struct dbt *d, struct gproc *p, uint64_t va)
{
	if (pt_unmap(&p->shadow, NULL, va) == 0) {
		d->st.shadow_invalidations++;
		d->st.host_instructions += d->sc.sync;
		fa_flush_match(&d->htlb, htlb_key(d, p, va), ~0ULL);
	}
}

/* A CR3 write without PCIDs: QEMU flushes its TLB. */
static void softmmu_switched(struct dbt *d)
{
	uint32_t n = softtlb_flush(&d->stlb, d->st.guest_instructions);
	d->st.host_instructions += (uint64_t)((double)n * d->cfg->softmmu_flush_per_entry);
	d->st.stlb_flushes++;
}

/* A new ASID and shadow root. */
static void shadow_switched(struct dbt *d)
{
	d->st.host_instructions += d->cfg->btmmu_switch_instrs;
}

static const struct dbt_ops dbt_ops[DBT_N] = {
	[DBT_SOFTMMU] = {softmmu_access, softmmu_invalidate, softmmu_switched, softmmu_switched, true},
	[DBT_BTMMU] = {shadow_access, shadow_invalidate, shadow_switched, NULL, false},
	[DBT_DIRECT] = {shadow_access, shadow_invalidate, shadow_switched, NULL, false},
};

/* Linux x86's tlb_single_page_flush_ceiling: a range of more pages is
 * flushed whole (flush_tlb_mm_range; without PCIDs a CR3 reload). */
#define GUEST_FLUSH_CEILING 33

/* munmap (keep false) or mprotect (keep: the pages stay, with flags) of
 * [va, va + len) in the guest: costs what is mapped there, not the range's
 * length; a range past the table's reach is cut at it. The running
 * process's TLB loses each page (INVLPG), or everything at once past
 * GUEST_FLUSH_CEILING pages, as the guest kernel does. */
static int unmap_range(struct dbt *d, struct gproc *p, uint64_t va, uint64_t len, bool keep,
		       uint64_t flags, struct tpt_err *e)
{
	uint64_t start = va & ~0xfffULL, end = va + len;
	if (end < va || end > pt_span(&p->pt))
		end = pt_span(&p->pt);
	struct pt_leaves l = {0};
	int rc = pt_foreach_range(&p->pt, start, end, pt_collect_leaf, &l);
	bool whole = d->ops->flushed && p == d->cur && (end - start) >> PAGE_SHIFT > GUEST_FLUSH_CEILING;
	for (size_t i = 0; i < l.n && !rc; i++) {
		uint64_t a = l.v[i].va, pa = l.v[i].pte & PTE_ADDR;
		if (keep) {
			rc = pt_map(&p->pt, NULL, a, pa, PAGE_SHIFT, flags);
		} else {
			pt_unmap(&p->pt, NULL, a);
			dframes_free(&d->gfr, pa);
		}
		if (!whole)
			d->ops->invalidate(d, p, a);
	}
	if (whole && l.n)
		d->ops->flushed(d);
	free(l.v);
	return rc ? tpt_fail(e, "guest memory exhausted") : 0;
}

static void switch_to(struct dbt *d, struct gproc *p)
{
	if (p == d->cur)
		return;
	d->cur = p;
	d->st.context_switches++;
	d->ops->switched(d);
}

struct copy_ctx {
	struct dbt *d;
	struct gproc *child;
	int failed;
};

static int copy_one(void *ctx, uint64_t va, uint64_t pte, unsigned shift)
{
	struct copy_ctx *c = ctx;
	uint64_t npa;
	/* The child gets its own frames (copy-on-write is not modelled). */
	if (dframes_alloc(&c->d->gfr, &npa) || pt_map(&c->child->pt, NULL, va, npa, shift, pte & PTE_W))
		c->failed = 1;
	return 0;
}

static int os_event(struct dbt *d, const struct event *ev, struct tpt_err *e)
{
	struct gproc *p = proc(d, ev->pid);
	switch (ev->type) {
	case EV_EXEC:
		if (p)
			proc_end(d, p);
		if (proc_new(d, ev->pid, e))
			return -1;
		switch_to(d, proc(d, ev->pid));
		return 0;
	case EV_FORK: {
		if (!p)
			return 0;
		if (proc_new(d, (int)ev->arg, e))
			return -1;
		p = proc(d, ev->pid);
		struct copy_ctx c = {d, proc(d, (int)ev->arg), 0};
		pt_foreach(&p->pt, copy_one, &c);
		/* dup_mmap write-protects the parent's pages and flushes its TLB. */
		if (d->ops->flushed && p == d->cur)
			d->ops->flushed(d);
		return c.failed ? tpt_fail(e, "guest memory exhausted on fork") : 0;
	}
	case EV_EXIT:
		if (p)
			proc_end(d, p);
		return 0;
	case EV_MMAP:
		return reloc_add(d, ev->va, ev->arg, e);
	case EV_BRK:
		/* The first break a process sets is where its heap starts (generators
		 * use WL_BRK_BASE, traces the real program's). */
		if (!d->brk_base)
			d->brk_base = ev->va;
		return reloc_add(d, d->brk_base, ev->va > d->brk_base ? ev->va - d->brk_base : 0, e);
	case EV_MUNMAP:
		if (p)
			return unmap_range(d, p, gva_of(d, ev->va), ev->arg, false, 0, e);
		return 0;
	case EV_MPROTECT:
		if (p)
			return unmap_range(d, p, gva_of(d, ev->va), ev->arg, true,
					   ev->size & WL_MAP_W ? PTE_W : 0, e);
		return 0;
	default:
		return 0;
	}
}

/* ---- the run ---- */

int dbt_init(struct dbt *d, const struct workload *w, const struct tpt_config *cfg, enum dbt_scheme s,
	     enum dbt_guest g, struct tpt_err *e)
{
	memset(d, 0, sizeof(*d));
	d->cfg = cfg;
	d->scheme = s;
	d->ops = &dbt_ops[s];
	if (s == DBT_BTMMU)
		d->sc = (struct dbt_shadow_cost){cfg->btmmu_access_instrs, cfg->btmmu_exception_instrs,
						 cfg->btmmu_walk_level_instrs, cfg->btmmu_fill_instrs,
						 cfg->btmmu_sync_instrs};
	else
		d->sc = (struct dbt_shadow_cost){1, cfg->host_exception_instrs,
						 cfg->softmmu_walk_level_instrs,
						 cfg->direct_map_instrs, cfg->direct_map_instrs};
	d->guest = g;
	d->next_gva = GUEST_USER_BASE;
	d->next_asid = 1;
	if (dbt_supported(s, g, cfg, w, e) || reserve(d, w, e))
		goto fail;
	if (cache_init(&d->cache, cfg)) {
		tpt_fail_mem(e, "out of memory for the cache model");
		goto fail;
	}
	uint32_t max_bits = cfg->stlb_max_bits ? cfg->stlb_max_bits : TCG_TLB_MAX_BITS(g == GUEST_X86_64);
	if (softtlb_init(&d->stlb, cfg->stlb_bits, cfg->stlb_min_bits, max_bits, cfg->stlb_dynamic,
			 cfg->stlb_window) ||
	    fa_init(&d->htlb, cfg->host_tlb_entries)) {
		tpt_fail_mem(e, "out of memory for the TLBs");
		goto fail;
	}
	return 0;
fail:
	dbt_fini(d);
	return -1;
}

void dbt_fini(struct dbt *d)
{
	for (size_t i = 0; i < d->nprocs; i++) {
		if (d->procs[i] && d->procs[i]->live)
			proc_end(d, d->procs[i]);
		free(d->procs[i]);
	}
	free(d->procs);
	softtlb_fini(&d->stlb);
	fa_fini(&d->htlb);
	cache_fini(&d->cache);
	dframes_fini(&d->gfr);
	dframes_fini(&d->sfr);
	if (d->hm.base)
		hostmem_fini(&d->hm);
	memset(d, 0, sizeof(*d));
}

int dbt_step(struct dbt *d, const struct event *ev, struct tpt_err *e)
{
	if (ev->type == EV_MARK) {
		/* Warm-up ends: the counters start here, as every command's do;
		 * the translator's state (tables, TLBs, caches) stays. */
		d->st = (struct dbt_stats){0};
		d->stall = 0;
		d->resizes_at_mark = d->stlb.resizes;
		return 0;
	}
	if (ev->type != EV_READ && ev->type != EV_WRITE) {
		uint64_t host0 = d->st.host_instructions;
		d->st.guest_instructions += ev->instrs;
		d->st.host_instructions += (uint64_t)((double)ev->instrs * d->cfg->dbt_expansion);
		int rc = os_event(d, ev, e);
		access_stall(d, d->st.host_instructions - host0, true, false);
		return rc;
	}
	struct gproc *p = proc(d, ev->pid);
	if (!p) {
		if (proc_new(d, ev->pid, e))
			return -1;
		p = proc(d, ev->pid);
	}
	switch_to(d, p);
	uint64_t host0 = d->st.host_instructions;
	d->st.guest_instructions += ev->instrs + 1;
	d->st.host_instructions += (uint64_t)((double)ev->instrs * d->cfg->dbt_expansion);
	d->st.guest_accesses++;
	uint64_t va = gva_of(d, ev->va), pa;
	bool write = ev->type == EV_WRITE;
	if (d->ops->access(d, p, va, write, &pa, e))
		return -1;
	/* The data: on the page of the access before or the next one, the
	 * prefetchers hide [cost] prefetch of its miss, as the simulator's
	 * cost model has it for sequential accesses. */
	uint64_t before = d->acc_stall;
	load(d, pa | (va & 0xfff));
	bool seq = (va >> PAGE_SHIFT) - d->last_page <= 1;
	if (seq)
		d->acc_stall = before + (uint64_t)((double)(d->acc_stall - before) * (1 - d->cfg->prefetch) + 0.5);
	d->last_page = va >> PAGE_SHIFT;
	access_stall(d, d->st.host_instructions - host0, ev->size & EV_CHAIN, seq);
	return 0;
}

void dbt_finish(struct dbt *d, struct dbt_stats *st)
{
	d->st.stlb_resizes = d->stlb.resizes - d->resizes_at_mark;
	d->st.stlb_entries = 1U << d->stlb.bits;
	d->st.mem_stall_cycles = (uint64_t)(d->stall + 0.5);
	d->st.cycles = (double)d->st.host_instructions * d->cfg->dbt_cpi + (double)d->st.mem_stall_cycles;
	*st = d->st;
}

static int consume(void *ctx, const struct event *ev, size_t n, struct tpt_err *e)
{
	for (size_t i = 0; i < n; i++)
		if (dbt_step(ctx, &ev[i], e))
			return -1;
	return 0;
}

int dbt_run(struct workload *w, const struct tpt_config *cfg, enum dbt_scheme s, enum dbt_guest g,
	    bool progress, struct dbt_stats *st, struct tpt_err *e)
{
	struct dbt *dp = malloc(sizeof(*dp));
	if (!dp)
		return tpt_nomem(e);
	if (dbt_init(dp, w, cfg, s, g, e)) {
		free(dp);
		return -1;
	}
	int rc = workload_run(w, consume, dp, dbt_scheme_name[s], progress, e);
	if (!rc)
		dbt_finish(dp, st);
	dbt_fini(dp);
	free(dp);
	return rc;
}

