/*
 * dframes.c - the binary-translator model's physical frames (dframes.h).
 * Called by dbt.c for data pages and, through dbt_table_ops, by the page
 * tables. Invariant: `used` counts the frames handed out and not returned.
 */
#include <stdlib.h>
#include <string.h>

#include "dframes.h"

int dframes_init(struct dframes *f, struct hostmem *hm, uint64_t base, uint64_t limit)
{
	memset(f, 0, sizeof(*f));
	f->hm = hm;
	f->next = base;
	f->limit = limit;
	return 0;
}

void dframes_fini(struct dframes *f)
{
	free(f->free);
	memset(f, 0, sizeof(*f));
}

int dframes_alloc(struct dframes *f, uint64_t *pa)
{
	if (f->nfree) {
		*pa = f->free[--f->nfree];
	} else {
		if (f->next + 4096 > f->limit)
			return -1;
		*pa = f->next;
		f->next += 4096;
	}
	f->used++;
	return 0;
}

void dframes_free(struct dframes *f, uint64_t pa)
{
	if (tpt_grow(&f->free, &f->cap, f->nfree + 1, sizeof(*f->free)))
		return; /* the frame is leaked to the model, never reused: harmless */
	f->free[f->nfree++] = pa;
	f->used--;
}

static int table_alloc(void *ctx, const struct pt *pt, uint64_t *addr)
{
	struct dframes *f = ctx;
	(void)pt;
	if (dframes_alloc(f, addr))
		return PT_ENOMEM;
	hostmem_zero_frame(f->hm, *addr >> PAGE_SHIFT);
	return 0;
}

static void table_free(void *ctx, const struct pt *pt, uint64_t addr)
{
	struct dframes *f = ctx;
	(void)pt;
	hostmem_release_frame(f->hm, addr >> PAGE_SHIFT);
	dframes_free(f, addr);
}

const struct pt_ops dbt_table_ops = {.alloc = table_alloc, .free = table_free};
