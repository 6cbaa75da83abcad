/* SPDX-License-Identifier: MIT */
/*
 * hostmem.c - the sparse host physical memory of the simulator.
 *
 * Called by the hypervisor model (host frames), the page-table module and the
 * walkers. Invariant: base..base+size is one MAP_NORESERVE mapping; only
 * page-table frames are written, and they come in 2 MiB chunks of their own
 * (frames_alloc_table), so transparent huge pages commit no extra memory.
 */
#include <string.h>
#include <sys/mman.h>

#include "tpt/mem/hostmem.h"

int hostmem_init(struct hostmem *hm, uint64_t size, struct tpt_err *e)
{
	hm->base = NULL;
	hm->size = 0;
	if (size == 0 || size % PAGE_SIZE)
		return tpt_fail(e, "host memory size %llu is not a whole number of 4K frames",
				(unsigned long long)size);
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return tpt_fail_mem(e, "cannot reserve %llu GiB of address space for simulated memory",
				(unsigned long long)(size >> 30));
	/*
	 * Only page-table pages are ever written, and the frame allocators keep
	 * them in 2 MiB chunks of their own, so huge pages cost no extra memory
	 * and spare the host a TLB miss on most walk references. Best effort.
	 */
	(void)madvise(p, size, MADV_HUGEPAGE);
	hm->base = p;
	hm->size = size;
	return 0;
}

void hostmem_fini(struct hostmem *hm)
{
	if (hm->base)
		munmap(hm->base, hm->size);
	hm->base = NULL;
	hm->size = 0;
}

void hostmem_zero_frame(struct hostmem *hm, uint64_t pfn)
{
	memset(hm->base + (pfn << PAGE_SHIFT), 0, PAGE_SIZE);
}

void hostmem_release_frame(struct hostmem *hm, uint64_t pfn)
{
	(void)madvise(hm->base + (pfn << PAGE_SHIFT), PAGE_SIZE, MADV_DONTNEED);
}
