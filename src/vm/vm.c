/* SPDX-License-Identifier: MIT */
/*
 * vm.c - the VM as a whole (vm.h): a guest OS and a hypervisor (hv.c) set
 * up and torn down together, and where the two meet: a guest frame's first
 * touch, charged to the account the caller names; the hypervisor moving or taking
 * back frames, after which the scheme's own tables are told (shadow entries
 * to them go, TPT tables that reach them owe a status fault); the
 * quarantine released once the scheme holds no table that may reach them;
 * the scheme's own state allocated and freed.
 *
 * Called by the simulator and by the other files of the VM model.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "vm_internal.h"

uint64_t vm_hostmem_size(const struct hv_ops *hv, uint64_t guest_mem, uint64_t host_mem,
			 const struct tpt_config *cfg)
{
	return hv_hostmem_size(hv, guest_mem, host_mem, cfg);
}

int vm_init(struct vm *vm, const struct hv_ops *hv, int levels, unsigned guest_shift,
	    unsigned host_shift, uint64_t guest_mem, uint64_t host_mem,
	    const struct tpt_config *cfg, struct mmu *mmu, struct tpt_err *e)
{
	memset(vm, 0, sizeof(*vm));
	vm->levels = levels;
	vm->guest_shift = guest_shift;
	vm->cfg = cfg;
	vm->mmu = mmu;
	vm->guest_mem = guest_mem;
	uint64_t gfr = guest_mem >> PAGE_SHIFT;
	vm->refs_bytes = tpt_align_up(gfr * sizeof(uint16_t), PAGE_SIZE);
	vm->refs = hv_map_sparse(vm->refs_bytes);
	if (!vm->refs) {
		tpt_fail_mem(e, "out of memory for the guest frame maps");
		goto fail;
	}
	if (hv_init(&vm->hv, hv, levels, host_shift, guest_mem, host_mem, cfg, mmu, e))
		goto fail;
	/* Frames 0..511 stay unused: a null guest-physical page is a bug. */
	if (frames_init(&vm->gframes, 512, gfr, e))
		goto fail;
	if (cfg->frame_order == FRAMES_SCATTERED)
		frames_scatter(&vm->gframes, 2); /* the same draws for every run, not the host's */
	/* The scheme's own state: its size zeroed here, its arrays its own. */
	if (hv->vm_size && !(vm->xs = calloc(1, hv->vm_size))) {
		tpt_nomem(e);
		goto fail;
	}
	if (hv->init && hv->init(vm, e))
		goto fail;
	if (!hv->hypervisor)
		return 0;
	if (cfg->prefault) {
		uint64_t step = 1ULL << (vm->hv.host_shift - PAGE_SHIFT);
		for (uint64_t g = 0; g < gfr; g += step)
			if (!vm->hv.gmap[g] && hv_back(&vm->hv, g, false)) {
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
	const struct hv_ops *ops = vm->hv.ops;
	for (unsigned i = 0; i < vm->nprocs; i++)
		if (vm->procs[i]) {
			free(vm->procs[i]->xs);
			free(vm->procs[i]->vmas);
			free(vm->procs[i]);
		}
	if (ops && ops->fini && vm->xs)
		ops->fini(vm);
	free(vm->xs);
	free(vm->procs);
	pcache_fini(&vm->pcache);
	if (vm->refs)
		munmap(vm->refs, vm->refs_bytes);
	hv_fini(&vm->hv);
	frames_fini(&vm->gframes);
	memset(vm, 0, sizeof(*vm));
}

int vm_touch(struct vm *vm, struct tpt_stats *acct, uint64_t gfn, bool table)
{
	return hv_touch(&vm->hv, acct, gfn, table);
}

int vm_touch_gfn(struct vm *vm, struct tpt_stats *acct, uint64_t gfn)
{
	return vm_touch(vm, acct, gfn, false);
}

void vm_release_quarantine(struct vm *vm)
{
	if (!vm->hv.ops->holds_moved || !vm->hv.ops->holds_moved(vm))
		hv_release_quarantine(&vm->hv);
}

/* After frames [lo, hi) left the VM: shadow entries to them go, TPT tables
 * that reach them owe a status fault, and every cached translation is flushed. */
static void frames_moved(struct vm *vm, uint64_t lo, uint64_t hi)
{
	for (unsigned i = 0; i < vm->nprocs; i++) {
		struct process *p = vm->procs[i];
		if (!p || !p->alive)
			continue;
		if (vm->hv.ops->frames_moved)
			vm->hv.ops->frames_moved(vm, p, lo, hi);
	}
	hv_flush(&vm->hv);
}

int vm_hv_migrate(struct vm *vm, struct tpt_stats *acct, uint64_t gfn)
{
	uint64_t old;
	int rc = hv_migrate(&vm->hv, acct, gfn, &old);
	if (rc == TPT_OK) {
		frames_moved(vm, old, old + (1ULL << (vm->hv.host_shift - PAGE_SHIFT)));
		vm_release_quarantine(vm); /* at once unless a TPT table is now stale */
	}
	return rc;
}

int vm_hv_reclaim(struct vm *vm, struct tpt_stats *acct, uint64_t gfn)
{
	uint64_t old;
	int rc = hv_reclaim(&vm->hv, acct, gfn, &old);
	if (rc == TPT_OK) {
		frames_moved(vm, old, old + (1ULL << (vm->hv.host_shift - PAGE_SHIFT)));
		vm_release_quarantine(vm);
	}
	return rc;
}
