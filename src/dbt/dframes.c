/* SPDX-License-Identifier: MIT */
/*
 * dframes.c - the binary-translator model's physical frames (dframes.h):
 * the simulator's frame allocator over a range of physical addresses, and
 * the page-table operations that take table frames from it. Called by
 * dbt.c for data pages and, through dbt_table_ops, by the page tables.
 */
#include <string.h>

#include "dframes.h"

int dframes_init(struct dframes *d, struct hostmem *hm, uint64_t base, uint64_t limit,
		 struct tpt_err *e)
{
	memset(d, 0, sizeof(*d));
	d->hm = hm;
	return frames_init(&d->f, base >> PAGE_SHIFT, limit >> PAGE_SHIFT, e);
}

void dframes_fini(struct dframes *d)
{
	frames_fini(&d->f);
}

int dframes_alloc(struct dframes *d, uint64_t *pa)
{
	uint64_t pfn;
	if (frames_alloc(&d->f, FRAME_4K, &pfn))
		return -1;
	*pa = pfn << PAGE_SHIFT;
	return 0;
}

void dframes_free(struct dframes *d, uint64_t pa)
{
	frames_free(&d->f, pa >> PAGE_SHIFT, FRAME_4K);
}

static int table_alloc(void *ctx, void *arg, const struct pt *pt, uint64_t *addr)
{
	struct dframes *d = ctx;
	uint64_t pfn;
	(void)arg, (void)pt;
	if (frames_alloc_table(&d->f, &pfn))
		return TPT_ENOMEM;
	hostmem_zero_frame(d->hm, pfn);
	*addr = pfn << PAGE_SHIFT;
	return 0;
}

static void table_free(void *ctx, void *arg, const struct pt *pt, uint64_t addr)
{
	struct dframes *d = ctx;
	(void)arg, (void)pt;
	hostmem_release_frame(d->hm, addr >> PAGE_SHIFT);
	frames_free_table(&d->f, addr >> PAGE_SHIFT);
}

const struct pt_ops dbt_table_ops = {.alloc = table_alloc, .free = table_free};
