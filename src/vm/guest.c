/* SPDX-License-Identifier: MIT */
/*
 * guest.c - the guest OS model: processes, their regions (VMAs) and page
 * tables, demand paging with transparent huge pages, copy-on-write fork,
 * exec, exit, munmap, mprotect, brk, TLB shootdowns and context switches.
 *
 * Called by the simulator for OS events and faults, and by schemes for
 * reflected faults. Every write to a guest page table goes through
 * guest_written, which is where the scheme's hypervisor half sees it
 * (hv_ops.guest_write: shadow paging's write-protected table pages exit,
 * TPT mirrors each update into its table by a pv-op).
 * Invariants: every guest frame the guest uses has been touched, so it is
 * backed; refs[gfn] counts the mappings that cover each 4K frame, and a
 * frame is freed when its count reaches zero; TLB entries of a process never
 * outlive the mapping they translate (shootdowns).
 */
#include <stdlib.h>
#include <string.h>

#include "tpt/base/event.h"
#include "vm_internal.h"

_Static_assert(VM_BRK_BASE == WL_BRK_BASE, "workloads and the guest agree on the break");

int vm_alloc_guest_table(struct vm *vm, struct tpt_stats *acct, uint64_t *gfn)
{
	if (frames_alloc_table(&vm->gframes, gfn))
		return TPT_ENOMEM;
	int rc = vm_touch(vm, acct, *gfn, true);
	if (rc)
		return rc;
	hostmem_zero_frame(&vm->mmu->hm, vm_gpa_to_hpa(vm, *gfn << PAGE_SHIFT) >> PAGE_SHIFT);
	bit_set(vm->hv.table_gfn, *gfn);
	return 0;
}

void vm_free_guest_table(struct vm *vm, uint64_t gfn)
{
	bit_clear(vm->hv.table_gfn, gfn);
	if (vm->hv.ops->table_freed)
		vm->hv.ops->table_freed(vm, gfn);
	/* The frame stays backed by the host: freeing is the guest's business. */
	frames_free_table(&vm->gframes, gfn);
}

static int guest_alloc(void *ctx, void *acct, const struct pt *pt, uint64_t *addr)
{
	struct process *p = ctx;
	uint64_t gfn;
	(void)pt;
	int rc = vm_alloc_guest_table(p->vm, acct, &gfn);
	if (rc)
		return rc;
	*addr = gfn << PAGE_SHIFT;
	return 0;
}

static void guest_free(void *ctx, void *acct, const struct pt *pt, uint64_t addr)
{
	struct process *p = ctx;
	(void)acct, (void)pt;
	vm_free_guest_table(p->vm, addr >> PAGE_SHIFT);
}

static int guest_written(void *ctx, void *acct, const struct pt *pt, uint64_t va, uint64_t table,
			 unsigned idx, int level, uint64_t old, uint64_t val)
{
	struct process *p = ctx;
	(void)pt;
	(void)idx;
	p->st.pt_updates++;
	const struct hv_ops *ops = p->vm->hv.ops;
	return ops->guest_write ? ops->guest_write(p->vm, p, acct, va, table, level, old, val) : TPT_OK;
}

const struct pt_ops vm_guest_pt_ops = {
	.alloc = guest_alloc, .free = guest_free, .on_write = guest_written};

/* --- frames --------------------------------------------------------------- */

static void ref(struct vm *vm, uint64_t gfn, unsigned shift)
{
	for (uint64_t i = 0; i < (1ULL << (shift - PAGE_SHIFT)); i++)
		vm->refs[gfn + i]++;
}

/* Drops a mapping of the page at gfn; frees what no mapping covers any more,
 * in one piece if the whole page went at once. */
static void unref(struct vm *vm, uint64_t gfn, unsigned shift)
{
	uint64_t n = 1ULL << (shift - PAGE_SHIFT), last = 0;
	for (uint64_t i = 0; i < n; i++)
		last += vm->refs[gfn + i] == 1;
	for (uint64_t i = 0; i < n; i++) {
		if (vm->refs[gfn + i] && --vm->refs[gfn + i] == 0 && last != n)
			frames_free(&vm->gframes, gfn + i, FRAME_4K);
	}
	if (last == n)
		frames_free(&vm->gframes, gfn, shift - PAGE_SHIFT);
}

/* Whether another mapping shares any frame of the page at gfn. */
static bool shared(const struct vm *vm, uint64_t gfn, unsigned shift)
{
	for (uint64_t i = 0; i < (1ULL << (shift - PAGE_SHIFT)); i++)
		if (vm->refs[gfn + i] > 1)
			return true;
	return false;
}

/* A new page of 1 << shift bytes for the guest: allocated and cleared. */
static int new_page(struct vm *vm, struct tpt_stats *acct, unsigned shift, uint64_t *gfn)
{
	unsigned order = shift - PAGE_SHIFT;
	if (frames_alloc(&vm->gframes, order, gfn))
		return TPT_ENOMEM;
	/* The guest kernel clears the new page: its first touch of every frame.
	 * A fault's cost holds one frame's clearing; a huge page's others are
	 * counted apart. */
	acct->cleared_frames += (1ULL << order) - 1;
	for (uint64_t i = 0; i < (1ULL << order); i++) {
		int rc = vm_touch_gfn(vm, acct, *gfn + i);
		if (rc)
			return rc;
	}
	ref(vm, *gfn, shift);
	return TPT_OK;
}

/* --- leaves of a range ---------------------------------------------------- */

/* Replaces the huge leaf holding va by leaves of the next smaller size. */
static int split_leaf(struct vm *vm, struct process *p, const struct pt_leaf *l)
{
	unsigned small = l->shift == 30 ? 21 : 12;
	uint64_t gfn = (l->pte & PTE_ADDR) >> PAGE_SHIFT, flags = l->pte & (PTE_W | PTE_U);
	/* The same frames stay mapped, now by smaller leaves: counts do not change. */
	pt_unmap(&p->pt, &p->st, l->va);
	/* The huge page's TLB entries go (Linux flushes the range on a PMD split). */
	vm_shootdown(vm, p, l, 1);
	for (uint64_t off = 0; off < (1ULL << l->shift); off += 1ULL << small) {
		int rc = pt_map(&p->pt, &p->st, l->va + off, (gfn << PAGE_SHIFT) + off, small, flags);
		if (rc)
			return vm_rc(rc, TPT_ENOMEM);
	}
	return TPT_OK;
}

/* The leaves overlapping [start, end), after splitting those that stick out. */
static int range_leaves(struct vm *vm, struct process *p, uint64_t start, uint64_t end,
			struct pt_leaves *out)
{
	for (;;) {
		out->n = 0;
		if (pt_foreach_range(&p->pt, start, end, pt_collect_leaf, out))
			return TPT_ENOMEM;
		bool split = false;
		for (size_t i = 0; i < out->n; i++) {
			const struct pt_leaf *l = &out->v[i];
			if (l->va < start || l->va + (1ULL << l->shift) > end) {
				int rc = split_leaf(vm, p, l);
				if (rc)
					return rc;
				split = true;
			}
		}
		if (!split)
			return TPT_OK;
	}
}

/* --- regions -------------------------------------------------------------- */

static const struct vma *find_vma(const struct process *p, uint64_t va)
{
	for (size_t i = 0; i < p->nvmas; i++)
		if (va >= p->vmas[i].start && va < p->vmas[i].end)
			return &p->vmas[i];
	return NULL;
}

/* v restricted to [lo, hi), its file page moved with its start. */
static struct vma vma_part(struct vma v, uint64_t lo, uint64_t hi)
{
	if (v.file)
		v.fpage += (lo - v.start) >> PAGE_SHIFT;
	v.start = lo;
	v.end = hi;
	return v;
}

static int vma_add(struct process *p, struct vma v)
{
	for (size_t i = 0; i < p->nvmas; i++)
		if (v.start < p->vmas[i].end && p->vmas[i].start < v.end)
			return TPT_ESEGV;
	if (tpt_grow(&p->vmas, &p->cap, p->nvmas + 1, sizeof(*p->vmas)))
		return TPT_ENOMEM;
	p->vmas[p->nvmas++] = v;
	return TPT_OK;
}

/* Cuts [start, end) out of the regions; with keep, the cut part is kept with
 * new write permission instead (mprotect). */
static int vma_cut(struct process *p, uint64_t start, uint64_t end, bool keep, uint8_t flags)
{
	struct vma *old = p->vmas;
	size_t n = p->nvmas;
	int rc = TPT_OK;
	p->vmas = NULL;
	p->nvmas = p->cap = 0;
	for (size_t i = 0; i < n; i++) {
		struct vma v = old[i];
		if (end <= v.start || start >= v.end) {
			rc |= vma_add(p, v);
			continue;
		}
		uint64_t lo = start > v.start ? start : v.start, hi = end < v.end ? end : v.end;
		if (v.start < lo)
			rc |= vma_add(p, vma_part(v, v.start, lo));
		if (hi < v.end)
			rc |= vma_add(p, vma_part(v, hi, v.end));
		if (keep) {
			struct vma k = vma_part(v, lo, hi);
			k.flags = (uint8_t)(flags | (v.flags & ~WL_MAP_W));
			rc |= vma_add(p, k);
		}
	}
	free(old);
	return rc ? TPT_ENOMEM : TPT_OK;
}

/* --- TLB shootdowns ------------------------------------------------------- */

/* Drops all of p's TLB entries: a CR3 reload if it runs, else before it runs again. */
static void flush_process(struct vm *vm, struct process *p)
{
	tlb_flush_asid(&vm->mmu->tlb, p->asid);
	pwc_flush_asid(&vm->mmu->pwc, p->asid);
	if (p != vm->cur)
		return;
	p->st.tlb_flushes++;
	if (vm->hv.traps_tlb)
		p->st.exits[EXIT_CR3]++;
}

void vm_shootdown(struct vm *vm, struct process *p, const struct pt_leaf *page, size_t n)
{
	if (!n)
		return;
	if (p != vm->cur || n > vm->cfg->invlpg_ceiling) {
		flush_process(vm, p);
		return;
	}
	for (size_t i = 0; i < n; i++)
		tlb_invlpg(&vm->mmu->tlb, page[i].va, page[i].shift, p->asid);
	p->st.invlpgs += n;
	if (vm->hv.traps_tlb)
		p->st.exits[EXIT_INVLPG] += n;
	/* INVLPG drops every paging-structure cache entry of the PCID. */
	pwc_flush_asid(&vm->mmu->pwc, p->asid);
}

/* --- processes ------------------------------------------------------------ */

static int proc_init_as(struct vm *vm, struct process *p)
{
	int rc = pt_init(&p->pt, &p->st, &vm->mmu->hm, vm->hv.gmap, vm->levels, vm->guest_mem,
			 &vm_guest_pt_ops, p);
	p->brk_start = p->brk_end = VM_BRK_BASE;
	return rc ? TPT_ENOMEM : TPT_OK;
}

static struct process *proc_create(struct vm *vm, int pid)
{
	if (pid < 0 || pid > 65535)
		return NULL;
	if ((unsigned)pid >= vm->nprocs) {
		unsigned n = (unsigned)pid + 1;
		struct process **np = realloc(vm->procs, n * sizeof(*np));
		if (!np)
			return NULL;
		memset(np + vm->nprocs, 0, (n - vm->nprocs) * sizeof(*np));
		vm->procs = np;
		vm->nprocs = n;
	}
	struct process *p = vm->procs[pid];
	size_t xs = vm->hv.ops->proc_size;
	if (!p) {
		p = calloc(1, sizeof(*p));
		if (!p || (xs && !(p->xs = calloc(1, xs)))) {
			free(p);
			return NULL;
		}
		vm->procs[pid] = p;
	} else {
		/* A pid used again: keep the counters, start a new address space
		 * (and the scheme's state of it: its tables went at exit). */
		free(p->vmas);
		struct tpt_stats keep = p->st;
		void *keep_xs = p->xs;
		memset(p, 0, sizeof(*p));
		p->st = keep;
		p->xs = keep_xs;
		if (xs)
			memset(p->xs, 0, xs);
	}
	p->vm = vm;
	p->pid = pid;
	p->asid = (unsigned)pid % 4095 + 1;
	p->alive = true;
	if (proc_init_as(vm, p))
		return NULL;
	return p;
}

/* Frees everything the address space holds: TPT and shadow tables, pages, tables. */
static void teardown(struct vm *vm, struct process *p)
{
	if (vm->hv.ops->end)
		vm->hv.ops->end(vm, p);
	struct pt_leaves l = {0};
	pt_foreach(&p->pt, pt_collect_leaf, &l);
	for (size_t i = 0; i < l.n; i++)
		unref(vm, (l.v[i].pte & PTE_ADDR) >> PAGE_SHIFT, l.v[i].shift);
	free(l.v);
	pt_destroy(&p->pt, &p->st);
	p->nvmas = 0;
	tlb_flush_asid(&vm->mmu->tlb, p->asid);
	pwc_flush_asid(&vm->mmu->pwc, p->asid);
}

static int exec_as(struct vm *vm, struct process *p, const char *name);

int vm_exec(struct vm *vm, int pid, const char *name)
{
	struct process *p = vm_proc(vm, pid);
	if (p && p->alive) {
		teardown(vm, p);
		if (proc_init_as(vm, p))
			return TPT_ENOMEM;
	} else if (!(p = proc_create(vm, pid))) {
		return TPT_ENOMEM;
	}
	/* What exec does is the new program's cost (exec_as charges p). */
	return exec_as(vm, p, name);
}

static int exec_as(struct vm *vm, struct process *p, const char *name)
{
	snprintf(p->name, sizeof(p->name), "%s", name);
	const struct hv_ops *ops = vm->hv.ops;
	if (vm->cur == p && ops->cr3_load) {
		/* The new address space's CR3 write. */
		int rc = ops->cr3_load(vm, p);
		if (rc)
			return rc;
	}
	return ops->start ? ops->start(vm, p, NULL, &p->st) : TPT_OK;
}

int vm_fork(struct vm *vm, int parent, int child)
{
	struct process *par = vm_proc(vm, parent), *c = vm_proc(vm, child);
	if (!par || !par->alive || (c && c->alive) || parent == child)
		return TPT_ESEGV;
	if (!(c = proc_create(vm, child)))
		return TPT_ENOMEM;
	memcpy(c->name, par->name, sizeof(c->name));
	c->brk_start = par->brk_start;
	c->brk_end = par->brk_end;
	for (size_t i = 0; i < par->nvmas; i++)
		if (vma_add(c, par->vmas[i]))
			return TPT_ENOMEM;
	struct pt_leaves l = {0};
	if (pt_foreach(&par->pt, pt_collect_leaf, &l)) {
		free(l.v);
		return TPT_ENOMEM;
	}
	int rc = TPT_OK;
	for (size_t i = 0; i < l.n && !rc; i++) {
		const struct pt_leaf *x = &l.v[i];
		uint64_t pa = x->pte & PTE_ADDR, flags = x->pte & (PTE_W | PTE_U);
		/* Private writable pages become copy-on-write in both. */
		if (flags & PTE_W) {
			flags &= ~PTE_W;
			rc = vm_rc(pt_map(&par->pt, &par->st, x->va, pa, x->shift, flags), TPT_ENOMEM);
		}
		if (!rc)
			rc = vm_rc(pt_map(&c->pt, &par->st, x->va, pa, x->shift, flags), TPT_ENOMEM);
		ref(vm, pa >> PAGE_SHIFT, x->shift);
	}
	/* fork flushes the parent's TLB (flush_tlb_mm). */
	if (!rc && l.n)
		flush_process(vm, par);
	free(l.v);
	if (!rc && vm->hv.ops->start)
		rc = vm->hv.ops->start(vm, c, par, &par->st);
	return rc;
}

int vm_exit(struct vm *vm, int pid)
{
	struct process *p = vm_proc(vm, pid);
	if (!p || !p->alive)
		return TPT_ESEGV;
	teardown(vm, p);
	p->alive = false;
	if (vm->cur == p)
		vm->cur = NULL;
	return TPT_OK;
}

int vm_switch(struct vm *vm, int pid)
{
	struct process *p = vm_proc(vm, pid);
	if (!p || !p->alive)
		return TPT_ESEGV;
	if (vm->cur == p)
		return TPT_OK;
	vm->cur = p;
	vm->clock++;
	p->st.context_switches++;
	if (!vm->cfg->pcid) {
		tlb_flush(&vm->mmu->tlb);
		pwc_flush(&vm->mmu->pwc);
		p->st.tlb_flushes++;
	}
	return vm->hv.ops->cr3_load ? vm->hv.ops->cr3_load(vm, p) : TPT_OK;
}

void vm_kernel_entry(struct vm *vm, struct process *p, uint64_t n)
{
	struct tpt_stats *acct = p ? &p->st : &vm->sys;
	acct->kernel_entries += n;
	/* The TPT prototype switches EPT on for the kernel and off for the user. */
	if (vm->hv.ops->kentry_hypercalls && p && vm_own_table(vm, p))
		acct->exits[EXIT_HYPERCALL] += vm->hv.ops->kentry_hypercalls * n;
}

/* --- memory events -------------------------------------------------------- */

int vm_munmap(struct process *p, uint64_t start, uint64_t len);

int vm_mmap(struct process *p, uint64_t start, uint64_t len, uint8_t flags)
{
	struct vm *vm = p->vm;
	if (start % PAGE_SIZE || !len || len > UINT64_MAX - start - PAGE_SIZE)
		return TPT_ESEGV;
	len = tpt_align_up(len, PAGE_SIZE);
	unsigned shift = vm->guest_shift;
	if (flags & WL_MAP_HUGE)
		shift = 30;
	/* A region that does not fit the base page size falls back to 4K pages. */
	if ((start | len) & ((1ULL << shift) - 1))
		shift = (flags & WL_MAP_HUGE) ? 0 : PAGE_SHIFT;
	if (!shift)
		return TPT_ESEGV;
	/* The address is the one the program got: like MAP_FIXED, it replaces
	 * whatever was mapped there. */
	int rc = vm_munmap(p, start, len);
	if (rc)
		return rc;
	struct vma v = {start, start + len, shift, flags, 0, 0};
	if (flags & WL_MAP_FILE) {
		v.file = p->next_file;
		v.fpage = p->next_fpage;
	}
	p->next_file = 0;
	return vma_add(p, v);
}

int vm_file_next(struct process *p, uint64_t file, uint64_t page)
{
	if (!file || file > UINT32_MAX || page >= UINT32_MAX)
		return TPT_ESEGV;
	p->next_file = (uint32_t)file;
	p->next_fpage = page;
	return TPT_OK;
}

int vm_munmap(struct process *p, uint64_t start, uint64_t len)
{
	struct vm *vm = p->vm;
	if (len > UINT64_MAX - start - PAGE_SIZE)
		return TPT_ESEGV; /* the range wraps */
	uint64_t end = start + tpt_align_up(len, PAGE_SIZE);
	struct pt_leaves l = {0};
	int rc = range_leaves(vm, p, start, end, &l);
	for (size_t i = 0; i < l.n && !rc; i++) {
		pt_unmap(&p->pt, &p->st, l.v[i].va);
		unref(vm, (l.v[i].pte & PTE_ADDR) >> PAGE_SHIFT, l.v[i].shift);
	}
	if (!rc)
		vm_shootdown(vm, p, l.v, l.n);
	free(l.v);
	return rc ? rc : vma_cut(p, start, end, false, 0);
}

int vm_mprotect(struct process *p, uint64_t start, uint64_t len, bool writable)
{
	struct vm *vm = p->vm;
	if (len > UINT64_MAX - start - PAGE_SIZE)
		return TPT_ESEGV; /* the range wraps */
	uint64_t end = start + tpt_align_up(len, PAGE_SIZE);
	int rc = vma_cut(p, start, end, true, writable ? WL_MAP_W : 0);
	if (rc || writable)
		return rc; /* pages become writable on their next write fault */
	struct pt_leaves l = {0};
	rc = range_leaves(vm, p, start, end, &l);
	size_t n = 0;
	for (size_t i = 0; i < l.n && !rc; i++) {
		if (!(l.v[i].pte & PTE_W))
			continue;
		rc = vm_rc(pt_map(&p->pt, &p->st, l.v[i].va, l.v[i].pte & PTE_ADDR, l.v[i].shift, PTE_U),
			   TPT_ENOMEM);
		l.v[n++] = l.v[i]; /* the pages that lost write permission */
	}
	if (!rc)
		vm_shootdown(vm, p, l.v, n);
	free(l.v);
	return rc;
}

int vm_brk(struct process *p, uint64_t end)
{
	end = tpt_align_up(end, PAGE_SIZE);
	if (p->brk_end == p->brk_start && end < p->brk_start)
		p->brk_start = p->brk_end = end; /* a trace's first brk names its break */
	if (end < p->brk_start)
		return TPT_ESEGV;
	int rc = TPT_OK;
	if (end > p->brk_end) {
		/* Like mmap, growth replaces whatever was mapped where the heap goes. */
		rc = vm_munmap(p, p->brk_end, end - p->brk_end);
		if (!rc && p->brk_end > p->brk_start)
			rc = vma_cut(p, p->brk_start, p->brk_end, false, 0);
		if (!rc)
			rc = vma_add(p, (struct vma){p->brk_start, end, PAGE_SHIFT, WL_MAP_W, 0, 0});
	} else if (end < p->brk_end) {
		rc = vm_munmap(p, end, p->brk_end - end);
	}
	if (!rc)
		p->brk_end = end;
	return rc;
}

/* --- faults --------------------------------------------------------------- */

/* The page size a fault at va maps: the region's, or a transparent huge page. */
static unsigned fault_shift(const struct vm *vm, const struct process *p, const struct vma *v,
			    uint64_t va)
{
	if (v->shift != PAGE_SHIFT)
		return v->shift;
	uint32_t thp = vm->cfg->thp;
	if (v->flags & WL_MAP_FILE)
		return PAGE_SHIFT; /* the page cache holds 4K pages */
	if (thp == THP_NEVER || (thp == THP_MADVISE && !(v->flags & WL_MAP_THP)))
		return PAGE_SHIFT;
	uint64_t base = va & ~(2 * MiB - 1);
	if (base < v->start || base + 2 * MiB > v->end)
		return PAGE_SHIFT;
	int at;
	uint64_t pde = pt_peek(&p->pt, va, 2, &at);
	/* Only where no page table holds 4K pages of this 2M region yet. */
	return (at == 2 && (pde & PTE_P)) ? PAGE_SHIFT : 21;
}

static int break_cow(struct vm *vm, struct process *p, uint64_t va, uint64_t pte, unsigned shift)
{
	uint64_t gfn = (pte & PTE_ADDR) >> PAGE_SHIFT, base = va & ~((1ULL << shift) - 1);
	p->st.cow_faults++;
	int rc;
	if (!shared(vm, gfn, shift)) {
		/* The last sharer: the page becomes writable where it is. */
		rc = pt_map(&p->pt, &p->st, base, gfn << PAGE_SHIFT, shift, PTE_W | PTE_U);
	} else {
		uint64_t copy;
		if ((rc = new_page(vm, &p->st, shift, &copy)))
			return rc;
		unref(vm, gfn, shift);
		rc = pt_map(&p->pt, &p->st, base, copy << PAGE_SHIFT, shift, PTE_W | PTE_U);
	}
	if (rc)
		return vm_rc(rc, TPT_ENOMEM);
	struct pt_leaf page = {base, pte, shift};
	vm_shootdown(vm, p, &page, 1);
	return TPT_OK;
}

bool vm_guest_maps(const struct process *p, uint64_t va, bool write)
{
	uint64_t pa, pte;
	unsigned shift;
	return pt_lookup(&p->pt, va, &pa, &shift, &pte, NULL) == 0 && (!write || (pte & PTE_W));
}

/* The frame of a file mapping's page at va, mapped read-only: the page
 * cache's (shared with every mapping of the file, and held by the cache
 * with a reference of its own), or for a mapping without a file id a new
 * frame of its own. */
static int map_file_page(struct vm *vm, struct process *p, const struct vma *v, uint64_t va)
{
	uint64_t gfn, page = v->fpage + ((va - v->start) >> PAGE_SHIFT);
	int rc;
	if (v->file && pcache_find(&vm->pcache, v->file, page, &gfn)) {
		ref(vm, gfn, PAGE_SHIFT);
	} else {
		if ((rc = new_page(vm, &p->st, PAGE_SHIFT, &gfn)))
			return rc;
		if (v->file) {
			if (pcache_add(&vm->pcache, v->file, page, gfn))
				return TPT_ENOMEM;
			ref(vm, gfn, PAGE_SHIFT); /* the cache's own */
		}
	}
	return vm_rc(pt_map(&p->pt, &p->st, va, gfn << PAGE_SHIFT, PAGE_SHIFT, PTE_U), TPT_ENOMEM);
}

/* A read fault on a file's page maps it and the file's other pages around
 * it that are not mapped yet (Linux's fault-around: an aligned window of
 * fault_around bytes, within the region and within one page table), all
 * read-only, so a write makes the process's own copy (copy on write). The
 * page cache is warm: every page of the window is there. */
static int fault_around(struct vm *vm, struct process *p, const struct vma *v, uint64_t va)
{
	uint64_t window = PAGE_SIZE;
	while (window * 2 <= vm->cfg->fault_around)
		window *= 2;
	uint64_t lo = va & ~(window - 1), hi = lo + window;
	uint64_t table = va & ~(2 * MiB - 1);
	lo = lo < v->start ? v->start : lo < table ? table : lo;
	hi = hi > v->end ? v->end : hi > table + 2 * MiB ? table + 2 * MiB : hi;
	va &= ~(uint64_t)(PAGE_SIZE - 1);
	int rc = map_file_page(vm, p, v, va);
	for (uint64_t at = lo; at < hi && !rc; at += PAGE_SIZE) {
		uint64_t pa;
		unsigned shift;
		if (at != va && pt_lookup(&p->pt, at, &pa, &shift, NULL, NULL) != 0)
			rc = map_file_page(vm, p, v, at);
	}
	return rc;
}

int vm_guest_fault(struct vm *vm, struct process *p, uint64_t va, bool write)
{
	const struct vma *v = find_vma(p, va);
	if (!v)
		return TPT_ESEGV;
	if (write && !(v->flags & WL_MAP_W))
		return TPT_EPROT;
	uint64_t pa, pte;
	unsigned shift;
	if (pt_lookup(&p->pt, va, &pa, &shift, &pte, NULL) == 0) {
		if (!write || (pte & PTE_W))
			return TPT_OK; /* already there (another walk's fault fixed it) */
		p->st.guest_faults++;
		return break_cow(vm, p, va, pte, shift);
	}
	p->st.guest_faults++;
	if ((v->flags & WL_MAP_FILE) && !write && v->shift == PAGE_SHIFT)
		return fault_around(vm, p, v, va);
	shift = fault_shift(vm, p, v, va);
	uint64_t gfn;
	int rc = new_page(vm, &p->st, shift, &gfn);
	if (rc == TPT_ENOMEM && shift != PAGE_SHIFT && v->shift == PAGE_SHIFT)
		rc = new_page(vm, &p->st, shift = PAGE_SHIFT, &gfn); /* no huge page free: 4K */
	if (rc)
		return rc;
	uint64_t base = va & ~((1ULL << shift) - 1);
	return vm_rc(pt_map(&p->pt, &p->st, base, gfn << PAGE_SHIFT, shift,
			    (v->flags & WL_MAP_W ? PTE_W : 0) | PTE_U),
		     TPT_ENOMEM);
}

int vm_ref_translate(const struct vm *vm, const struct process *p, uint64_t va, uint64_t *hpa,
		     unsigned *shift)
{
	uint64_t gpa;
	unsigned gshift;
	if (pt_lookup(&p->pt, va, &gpa, &gshift, NULL, NULL))
		return -1;
	if (vm->hv.gmap && !vm->hv.gmap[gpa >> PAGE_SHIFT])
		return -1;
	*hpa = vm_gpa_to_hpa(vm, gpa);
	*shift = vm->hv.ops->hypervisor ? min_shift(gshift, vm->hv.host_shift) : gshift;
	return 0;
}
