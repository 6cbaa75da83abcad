/* SPDX-License-Identifier: MIT */
/*
 * rmp.c - host frame permission table (see rmp.h). Written by the hypervisor
 * model when it hands frames to a VM or takes them back; read by TPT walks.
 */
#include <sys/mman.h>

#include "tpt/mmu/rmp.h"

int rmp_init(struct rmp *r, uint64_t nframes, uint64_t base_pa, uint32_t entry_bytes,
	     struct tpt_err *e)
{
	*r = (struct rmp){.nframes = nframes, .base_pa = base_pa, .entry_bytes = entry_bytes};
	size_t bytes = tpt_align_up(nframes * sizeof(uint16_t), PAGE_SIZE);
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return tpt_fail_mem(e, "cannot reserve the host frame permission table");
	r->owner = p;
	return 0;
}

void rmp_fini(struct rmp *r)
{
	if (r->owner)
		munmap(r->owner, tpt_align_up(r->nframes * sizeof(uint16_t), PAGE_SIZE));
	*r = (struct rmp){0};
}

void rmp_assign(struct rmp *r, uint64_t hfn, uint64_t n, uint16_t owner)
{
	for (uint64_t i = 0; i < n && hfn + i < r->nframes; i++)
		r->owner[hfn + i] = owner;
}
