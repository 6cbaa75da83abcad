/*
 * hv.c - the hypervisor model: host frames, the guest address map (gfn ->
 * hfn, and its reverse), the EPT, the host frame permission table, and the
 * first-touch backing of guest memory.
 *
 * Called by the guest model (every new guest frame is touched), by the
 * walkers (EPT reads) and by the simulator at set-up. Invariants: gmap[gfn]
 * is non-zero exactly for backed frames, and then the EPT (when live) maps
 * gfn to gmap[gfn], rmap[gmap[gfn]] == gfn, and the RMP gives the frame this
 * VM's tag. Backing is by whole host pages (host_shift).
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
	if (frames_alloc_table(&vm->hframes, &hfn)) {
		vm->err = VM_EHOSTMEM;
		return -1;
	}
	hostmem_zero_frame(vm->hm, hfn);
	*addr = hfn << PAGE_SHIFT;
	return 0;
}

static void host_free(void *ctx, const struct pt *pt, uint64_t addr)
{
	struct vm *vm = ctx;
	(void)pt;
	hostmem_release_frame(vm->hm, addr >> PAGE_SHIFT);
	frames_free_table(&vm->hframes, addr >> PAGE_SHIFT);
}

const struct pt_ops vm_host_pt_ops = {.alloc = host_alloc, .free = host_free};

static void *map_sparse(uint64_t bytes)
{
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

uint64_t vm_hostmem_size(enum vm_mode mode, uint64_t guest_mem, uint64_t host_mem,
			 const struct tpt_config *cfg)
{
	if (mode == VM_NATIVE)
		return guest_mem;
	return host_mem + tpt_align_up((host_mem >> PAGE_SHIFT) * cfg->rmp_entry_bytes, PAGE_SIZE);
}

int vm_back(struct vm *vm, uint64_t gfn, bool table)
{
	unsigned order = vm->host_shift - PAGE_SHIFT;
	uint64_t n = 1ULL << order, first = gfn & ~(n - 1), hfn;
	/* A 4K backing of a guest table page comes from the host's table chunks. */
	int rc = order == 0 && table ? frames_alloc_table(&vm->hframes, &hfn)
				     : frames_alloc(&vm->hframes, order, &hfn);
	if (rc)
		return VM_EHOSTMEM;
	for (uint64_t i = 0; i < n; i++) {
		vm->gmap[first + i] = (uint32_t)(hfn + i);
		vm->rmap[hfn + i] = (uint32_t)(first + i);
	}
	vm->backed += n;
	rmp_assign(&vm->rmp, hfn, n, vm->tag);
	if (vm->ept.tables &&
	    pt_map(&vm->ept, first << PAGE_SHIFT, hfn << PAGE_SHIFT, vm->host_shift, PTE_W | PTE_U))
		return VM_EHOSTMEM;
	return VM_OK;
}

int vm_touch(struct vm *vm, uint64_t gfn, bool table)
{
	if (!vm->gmap || vm->gmap[gfn])
		return VM_OK;
	int rc = vm_back(vm, gfn, table);
	if (rc == VM_OK)
		vm->st->exits[vm->mode == VM_SHADOW ? EXIT_SHADOW_FILL : EXIT_EPT_VIOLATION]++;
	return rc;
}

int vm_touch_gfn(struct vm *vm, uint64_t gfn)
{
	return vm_touch(vm, gfn, false);
}

int vm_init(struct vm *vm, enum vm_mode mode, int levels, unsigned host_shift,
	    uint64_t guest_mem, uint64_t host_mem, const struct tpt_config *cfg,
	    struct tpt_stats *st, struct hostmem *hm, struct tpt_err *e)
{
	memset(vm, 0, sizeof(*vm));
	vm->mode = mode;
	vm->levels = levels;
	vm->host_shift = mode == VM_NATIVE ? PAGE_SHIFT : host_shift;
	vm->cfg = cfg;
	vm->st = st;
	vm->hm = hm;
	vm->guest_mem = guest_mem;
	vm->host_mem = mode == VM_NATIVE ? guest_mem : host_mem;
	vm->tag = 1;
	uint64_t gfr = guest_mem >> PAGE_SHIFT, hfr = vm->host_mem >> PAGE_SHIFT;
	/* Frame 0..511 stay unused: a null guest-physical or host-physical page is a bug. */
	if (frames_init(&vm->gframes, 512, gfr, e))
		return -1;
	if (mode == VM_NATIVE)
		return 0;
	if (frames_init(&vm->hframes, 512, hfr, e))
		goto fail;
	vm->gmap_bytes = tpt_align_up(gfr * sizeof(uint32_t), PAGE_SIZE);
	vm->rmap_bytes = tpt_align_up(hfr * sizeof(uint32_t), PAGE_SIZE);
	vm->gmap = map_sparse(vm->gmap_bytes);
	vm->rmap = map_sparse(vm->rmap_bytes);
	if (!vm->gmap || !vm->rmap) {
		tpt_fail(e, "cannot reserve the guest address map");
		goto fail;
	}
	if (rmp_init(&vm->rmp, hfr, vm->host_mem, cfg->rmp_entry_bytes, e))
		goto fail;
	if ((mode == VM_NESTED || mode == VM_TPT) &&
	    pt_init(&vm->ept, hm, NULL, levels, vm->host_mem, &vm_host_pt_ops, vm)) {
		tpt_fail(e, "cannot allocate the EPT root");
		goto fail;
	}
	if (mode == VM_SHADOW) {
		vm->wp = calloc(gfr / 8 + 1, 1);
		if (!vm->wp) {
			tpt_fail(e, "out of memory for the write-protection map");
			goto fail;
		}
	}
	if (cfg->prefault) {
		uint64_t step = 1ULL << (vm->host_shift - PAGE_SHIFT);
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
	if (vm->gmap)
		munmap(vm->gmap, vm->gmap_bytes);
	if (vm->rmap)
		munmap(vm->rmap, vm->rmap_bytes);
	rmp_fini(&vm->rmp);
	free(vm->wp);
	frames_fini(&vm->hframes);
	frames_fini(&vm->gframes);
	memset(vm, 0, sizeof(*vm));
}
