/*
 * hv.c - the hypervisor model: host frames, the guest address map (gfn ->
 * hfn, and its reverse), the EPT, the host frame permission table, the
 * first-touch backing of guest memory, and migration and reclaim of guest
 * frames.
 *
 * Called by the guest model (every new guest frame is touched), by the
 * walkers (EPT reads) and by the simulator. Invariants: gmap[gfn] is
 * non-zero exactly for backed frames, and then the EPT (when live) maps gfn
 * to gmap[gfn], rmap[gmap[gfn]] == gfn, and the RMP gives the frame this
 * VM's tag. Backing is by whole host pages (host_shift). Frames the
 * hypervisor takes back stay in quarantine while any TPT table may still
 * point at them, so a stale TPT entry can never reach another frame of the
 * VM.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "vm_internal.h"

static int host_alloc(void *ctx, const struct pt *pt, uint64_t *addr)
{
	struct vm *vm = ctx;
	uint64_t hfn;
	(void)pt;
	if (frames_alloc_table(&vm->hv.hframes, &hfn))
		return VM_EHOSTMEM;
	hostmem_zero_frame(&vm->mmu->hm, hfn);
	*addr = hfn << PAGE_SHIFT;
	return 0;
}

static void host_free(void *ctx, const struct pt *pt, uint64_t addr)
{
	struct vm *vm = ctx;
	(void)pt;
	hostmem_release_frame(&vm->mmu->hm, addr >> PAGE_SHIFT);
	frames_free_table(&vm->hv.hframes, addr >> PAGE_SHIFT);
}

const struct pt_ops vm_host_pt_ops = {.alloc = host_alloc, .free = host_free};

static void *map_sparse(uint64_t bytes)
{
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

const struct hv_ops hv_native = {.first_touch = EXIT_EPT_VIOLATION};
const struct hv_ops hv_nested = {.hypervisor = true, .ept = true,
				 .first_touch = EXIT_EPT_VIOLATION};
const struct hv_ops hv_shadow = {.hypervisor = true, .shadow = true,
				 .first_touch = EXIT_SHADOW_FILL};
const struct hv_ops hv_agile = {.hypervisor = true, .ept = true, .shadow = true, .agile = true,
				.first_touch = EXIT_EPT_VIOLATION};
const struct hv_ops hv_tpt = {.hypervisor = true, .ept = true, .tpt = true,
			      .first_touch = EXIT_EPT_VIOLATION};
const struct hv_ops hv_tpt_emul = {.hypervisor = true, .ept = true, .tpt = true,
				   .kentry_hypercalls = 2, .first_touch = EXIT_EPT_VIOLATION};

uint64_t vm_hostmem_size(const struct hv_ops *hv, uint64_t guest_mem, uint64_t host_mem,
			 const struct tpt_config *cfg)
{
	if (!hv->hypervisor)
		return guest_mem;
	return host_mem + tpt_align_up((host_mem >> PAGE_SHIFT) * cfg->rmp_entry_bytes, PAGE_SIZE);
}

int vm_back(struct vm *vm, uint64_t gfn, bool table)
{
	unsigned order = vm->hv.host_shift - PAGE_SHIFT;
	uint64_t n = 1ULL << order, first = gfn & ~(n - 1), hfn;
	/* A 4K backing of a guest table page comes from the host's table chunks. */
	int rc = order == 0 && table ? frames_alloc_table(&vm->hv.hframes, &hfn)
				     : frames_alloc(&vm->hv.hframes, order, &hfn);
	if (rc)
		return VM_EHOSTMEM;
	for (uint64_t i = 0; i < n; i++) {
		vm->hv.gmap[first + i] = (uint32_t)(hfn + i);
		vm->hv.rmap[hfn + i] = (uint32_t)(first + i);
	}
	vm->hv.backed += n;
	rmp_assign(&vm->hv.rmp, hfn, n, vm->hv.tag);
	if (vm->hv.ept.tables &&
	    pt_map(&vm->hv.ept, first << PAGE_SHIFT, hfn << PAGE_SHIFT, vm->hv.host_shift, PTE_W | PTE_U))
		return VM_EHOSTMEM;
	return VM_OK;
}

int vm_touch(struct vm *vm, uint64_t gfn, bool table)
{
	if (!vm->hv.gmap || vm->hv.gmap[gfn])
		return VM_OK;
	int rc = vm_back(vm, gfn, table);
	if (rc == VM_OK)
		vm->st->exits[vm->hv.ops->first_touch]++;
	return rc;
}

int vm_touch_gfn(struct vm *vm, uint64_t gfn)
{
	return vm_touch(vm, gfn, false);
}

int vm_init(struct vm *vm, const struct hv_ops *hv, int levels, unsigned guest_shift,
	    unsigned host_shift, uint64_t guest_mem, uint64_t host_mem,
	    const struct tpt_config *cfg, struct mmu *mmu, struct tpt_err *e)
{
	memset(vm, 0, sizeof(*vm));
	vm->hv.ops = hv;
	vm->levels = levels;
	vm->guest_shift = guest_shift;
	vm->hv.host_shift = hv->hypervisor ? host_shift : PAGE_SHIFT;
	vm->cfg = cfg;
	vm->st = &vm->sys;
	vm->mmu = mmu;
	vm->guest_mem = guest_mem;
	vm->hv.host_mem = hv->hypervisor ? host_mem : guest_mem;
	vm->hv.tag = 1;
	vm->agile_interval_end = cfg->agile_interval;
	uint64_t gfr = guest_mem >> PAGE_SHIFT, hfr = vm->hv.host_mem >> PAGE_SHIFT;
	vm->refs_bytes = tpt_align_up(gfr * sizeof(uint16_t), PAGE_SIZE);
	vm->refs = map_sparse(vm->refs_bytes);
	vm->hv.table_gfn = calloc(gfr / 8 + 1, 1);
	if (!vm->refs || !vm->hv.table_gfn) {
		tpt_fail(e, "out of memory for the guest frame maps");
		goto fail;
	}
	/* Frames 0..511 stay unused: a null guest-physical or host-physical page is a bug. */
	if (frames_init(&vm->gframes, 512, gfr, e))
		goto fail;
	if (!hv->hypervisor)
		return 0;
	if (frames_init(&vm->hv.hframes, 512, hfr, e))
		goto fail;
	vm->hv.gmap_bytes = tpt_align_up(gfr * sizeof(uint32_t), PAGE_SIZE);
	vm->hv.rmap_bytes = tpt_align_up(hfr * sizeof(uint32_t), PAGE_SIZE);
	vm->hv.gmap = map_sparse(vm->hv.gmap_bytes);
	vm->hv.rmap = map_sparse(vm->hv.rmap_bytes);
	if (!vm->hv.gmap || !vm->hv.rmap) {
		tpt_fail(e, "cannot reserve the guest address map");
		goto fail;
	}
	if (rmp_init(&vm->hv.rmp, hfr, vm->hv.host_mem, cfg->rmp_entry_bytes, e))
		goto fail;
	if (hv->ept && pt_init(&vm->hv.ept, &mmu->hm, NULL, levels, vm->hv.host_mem, &vm_host_pt_ops, vm)) {
		tpt_fail(e, "cannot allocate the EPT root");
		goto fail;
	}
	if (hv->shadow) {
		vm->wp = calloc(gfr / 8 + 1, 1);
		vm->sw = calloc(gfr / 8 + 1, 1);
		vm->agile_writes = map_sparse(tpt_align_up(gfr * sizeof(uint32_t), PAGE_SIZE));
		if (!vm->wp || !vm->sw || !vm->agile_writes) {
			tpt_fail(e, "out of memory for the write-protection map");
			goto fail;
		}
	}
	if (cfg->prefault) {
		uint64_t step = 1ULL << (vm->hv.host_shift - PAGE_SHIFT);
		for (uint64_t g = 0; g < gfr; g += step)
			if (vm_back(vm, g, false)) {
				tpt_fail(e, "host memory cannot back all guest memory for the prefault");
				goto fail;
			}
	}
	return 0;
fail:
	vm_fini(vm);
	return -1;
}

void vm_fini(struct vm *vm)
{
	/* Table pages live in hostmem, which the owner unmaps whole: nothing to walk. */
	for (unsigned i = 0; i < vm->nprocs; i++)
		if (vm->procs[i]) {
			free(vm->procs[i]->vmas);
			free(vm->procs[i]);
		}
	free(vm->procs);
	if (vm->hv.gmap)
		munmap(vm->hv.gmap, vm->hv.gmap_bytes);
	if (vm->hv.rmap)
		munmap(vm->hv.rmap, vm->hv.rmap_bytes);
	if (vm->refs)
		munmap(vm->refs, vm->refs_bytes);
	if (vm->agile_writes)
		munmap(vm->agile_writes, tpt_align_up((vm->guest_mem >> PAGE_SHIFT) * 4, PAGE_SIZE));
	rmp_fini(&vm->hv.rmp);
	free(vm->wp);
	free(vm->sw);
	free(vm->hv.table_gfn);
	free(vm->hv.quarantine);
	free(vm->switched);
	free(vm->written);
	frames_fini(&vm->hv.hframes);
	frames_fini(&vm->gframes);
	memset(vm, 0, sizeof(*vm));
}

/* The hypervisor changed gfn -> hfn: every cached translation may be stale (INVEPT). */
static void flush_all(struct vm *vm)
{
	tlb_flush(&vm->mmu->tlb);
	pwc_flush(&vm->mmu->pwc);
	fa_flush(&vm->mmu->ntlb);
	fa_flush(&vm->mmu->rmpc);
}

static int quarantine(struct vm *vm, uint64_t hfn)
{
	if (tpt_grow(&vm->hv.quarantine, &vm->hv.capquarantine, vm->hv.nquarantine + 1,
		     sizeof(*vm->hv.quarantine)))
		return VM_EHOSTMEM;
	vm->hv.quarantine[vm->hv.nquarantine++] = hfn;
	return VM_OK;
}

void vm_release_quarantine(struct vm *vm)
{
	for (unsigned i = 0; i < vm->nprocs; i++) {
		struct process *p = vm->procs[i];
		if (p && (vm_xlat(p) == XLAT_TPT_PENDING || vm_xlat(p) == XLAT_TPT_STALE))
			return;
	}
	unsigned order = vm->hv.host_shift - PAGE_SHIFT;
	for (size_t i = 0; i < vm->hv.nquarantine; i++)
		frames_free(&vm->hv.hframes, vm->hv.quarantine[i], order);
	vm->hv.nquarantine = 0;
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

/* After frames [lo, hi) left the VM: shadow entries to them go, TPT tables
 * that reach them owe a status fault, and every cached translation is flushed. */
static void frames_moved(struct vm *vm, uint64_t lo, uint64_t hi)
{
	for (unsigned i = 0; i < vm->nprocs; i++) {
		struct process *p = vm->procs[i];
		if (!p || !p->alive)
			continue;
		struct moved m = {lo, hi, false};
		if (vm_xlat(p) == XLAT_SHADOW)
			vm_shadow_drop_frames(vm, p, lo, hi);
		if (vm_xlat(p) == XLAT_TPT || vm_xlat(p) == XLAT_TPT_STALE) {
			m.hit = false;
			pt_foreach(&p->tpt_pt, maps_moved, &m);
			pt_foreach_table(&p->tpt_pt, table_in_moved, &m);
			if (m.hit)
				p->xlat = XLAT_TPT_PENDING;
		}
	}
	flush_all(vm);
}

/* Unbacks the host page holding gfn; its old frames go to quarantine. */
static int unback(struct vm *vm, uint64_t gfn, uint64_t *old)
{
	unsigned order = vm->hv.host_shift - PAGE_SHIFT;
	uint64_t n = 1ULL << order, first = gfn & ~(n - 1);
	if (!vm->hv.gmap || !vm->hv.gmap[first])
		return VM_ESEGV;
	*old = vm->hv.gmap[first];
	for (uint64_t i = 0; i < n; i++)
		vm->hv.gmap[first + i] = 0;
	vm->hv.backed -= n;
	rmp_assign(&vm->hv.rmp, *old, n, RMP_HYPERVISOR);
	if (vm->hv.ept.tables)
		pt_unmap(&vm->hv.ept, first << PAGE_SHIFT);
	return quarantine(vm, *old);
}

int vm_hv_migrate(struct vm *vm, struct tpt_stats *acct, uint64_t gfn)
{
	unsigned order = vm->hv.host_shift - PAGE_SHIFT;
	uint64_t n = 1ULL << order, first = gfn & ~(n - 1), old;
	if (!vm->hv.gmap || !vm->hv.gmap[first])
		return VM_ESEGV;
	bool tables = false;
	for (uint64_t i = 0; i < n; i++)
		tables |= (vm->hv.table_gfn[(first + i) >> 3] >> ((first + i) & 7)) & 1;
	int rc = unback(vm, first, &old);
	if (rc || (rc = vm_back(vm, first, tables)))
		return rc;
	/* Page-table pages carry content: copy it to the new frames. */
	for (uint64_t i = 0; i < n; i++)
		if ((vm->hv.table_gfn[(first + i) >> 3] >> ((first + i) & 7)) & 1)
			memcpy(hostmem_word(&vm->mmu->hm, (uint64_t)vm->hv.gmap[first + i] << PAGE_SHIFT),
			       hostmem_word(&vm->mmu->hm, (old + i) << PAGE_SHIFT), PAGE_SIZE);
	acct->hv_migrations++;
	frames_moved(vm, old, old + n);
	return VM_OK;
}

int vm_hv_reclaim(struct vm *vm, struct tpt_stats *acct, uint64_t gfn)
{
	unsigned order = vm->hv.host_shift - PAGE_SHIFT;
	uint64_t n = 1ULL << order, first = gfn & ~(n - 1), old;
	for (uint64_t i = 0; i < n; i++)
		if ((vm->hv.table_gfn[(first + i) >> 3] >> ((first + i) & 7)) & 1)
			return VM_EPROT; /* page tables are never swapped out */
	int rc = unback(vm, first, &old);
	if (rc)
		return rc;
	acct->hv_reclaims++;
	frames_moved(vm, old, old + n);
	return VM_OK;
}
