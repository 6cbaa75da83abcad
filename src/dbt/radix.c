/*
 * radix.c - guest and shadow page tables for the DBT model (see radix.h).
 *
 * Called by dbt.c on guest page faults, unmaps and walks. Invariants
 * (radix_check): every present non-leaf entry points at a table frame below
 * the allocator's high-water mark; the leaves counted equal `pages`.
 */
#include <stdlib.h>
#include <string.h>

#include "radix.h"

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

/* Index bits per level, top first. */
static const struct {
	int levels;
	unsigned esize;
	unsigned shift[4], bits[4];
} fmt_of[] = {
	[FMT_IA32] = {2, 4, {22, 12}, {10, 10}},
	[FMT_PAE] = {3, 8, {30, 21, 12}, {2, 9, 9}},
	[FMT_X86_64] = {4, 8, {39, 30, 21, 12}, {9, 9, 9, 9}},
};

unsigned radix_va_bits(enum radix_fmt fmt)
{
	return fmt_of[fmt].shift[0] + fmt_of[fmt].bits[0];
}

static unsigned idx(const struct radix *r, uint64_t va, int lvl)
{
	return (unsigned)(va >> fmt_of[r->fmt].shift[lvl]) & ((1U << fmt_of[r->fmt].bits[lvl]) - 1);
}

static uint64_t addr_mask(const struct radix *r)
{
	return r->esize == 4 ? 0xfffff000ULL : 0x000ffffffffff000ULL;
}

static uint64_t get(const struct radix *r, uint64_t pa)
{
	uint8_t *p = r->fr->hm->base + pa;
	if (r->esize == 4) {
		uint32_t v;
		memcpy(&v, p, 4);
		return v;
	}
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

static void set(const struct radix *r, uint64_t pa, uint64_t v)
{
	uint8_t *p = r->fr->hm->base + pa;
	if (r->esize == 4) {
		uint32_t w = (uint32_t)v;
		memcpy(p, &w, 4);
	} else {
		memcpy(p, &v, 8);
	}
}

static int new_table(struct radix *r, uint64_t *pa)
{
	if (dframes_alloc(r->fr, pa))
		return -1;
	hostmem_zero_frame(r->fr->hm, *pa >> 12);
	r->tables++;
	return 0;
}

int radix_init(struct radix *r, struct dframes *fr, enum radix_fmt fmt)
{
	memset(r, 0, sizeof(*r));
	r->fr = fr;
	r->fmt = fmt;
	r->levels = fmt_of[fmt].levels;
	r->esize = fmt_of[fmt].esize;
	return new_table(r, &r->root);
}

static void destroy(struct radix *r, uint64_t table, int lvl)
{
	if (lvl < r->levels - 1) {
		unsigned n = 1U << fmt_of[r->fmt].bits[lvl];
		for (unsigned i = 0; i < n; i++) {
			uint64_t e = get(r, table + i * r->esize);
			if (e & 1)
				destroy(r, e & addr_mask(r), lvl + 1);
		}
	}
	hostmem_release_frame(r->fr->hm, table >> 12);
	dframes_free(r->fr, table);
	r->tables--;
}

void radix_destroy(struct radix *r)
{
	if (r->fr && r->tables)
		destroy(r, r->root, 0);
	r->pages = 0;
}

int radix_map(struct radix *r, uint64_t va, uint64_t pa, uint64_t flags)
{
	uint64_t table = r->root;
	for (int l = 0; l < r->levels - 1; l++) {
		uint64_t slot = table + idx(r, va, l) * r->esize, e = get(r, slot);
		if (!(e & 1)) {
			uint64_t t;
			if (new_table(r, &t))
				return -1;
			e = t | 1 | RADIX_W;
			set(r, slot, e);
		}
		table = e & addr_mask(r);
	}
	uint64_t slot = table + idx(r, va, r->levels - 1) * r->esize;
	if (!(get(r, slot) & 1))
		r->pages++;
	set(r, slot, (pa & addr_mask(r)) | 1 | (flags & RADIX_W));
	return 0;
}

static bool table_empty(const struct radix *r, uint64_t table, int lvl)
{
	unsigned n = 1U << fmt_of[r->fmt].bits[lvl];
	for (unsigned i = 0; i < n; i++)
		if (get(r, table + i * r->esize) & 1)
			return false;
	return true;
}

bool radix_unmap(struct radix *r, uint64_t va)
{
	uint64_t slots[4], table = r->root;
	int l;
	for (l = 0;; l++) {
		slots[l] = table + idx(r, va, l) * r->esize;
		uint64_t e = get(r, slots[l]);
		if (!(e & 1))
			return false;
		if (l == r->levels - 1)
			break;
		table = e & addr_mask(r);
	}
	set(r, slots[l], 0);
	r->pages--;
	/* Free the tables this emptied, bottom up, as Linux's free_pgtables
	 * does; the root stays. */
	for (; l > 0; l--) {
		uint64_t t = slots[l] & ~0xfffULL;
		if (!table_empty(r, t, l))
			break;
		hostmem_release_frame(r->fr->hm, t >> 12);
		dframes_free(r->fr, t);
		r->tables--;
		set(r, slots[l - 1], 0);
	}
	return true;
}

int radix_walk(const struct radix *r, uint64_t va, uint64_t refs[4], int *nrefs, uint64_t *pa,
	       uint64_t *flags)
{
	uint64_t table = r->root;
	*nrefs = 0;
	for (int l = 0; l < r->levels; l++) {
		uint64_t slot = table + idx(r, va, l) * r->esize, e = get(r, slot);
		refs[(*nrefs)++] = slot;
		if (!(e & 1))
			return -1;
		table = e & addr_mask(r);
	}
	*pa = table;
	*flags = get(r, refs[*nrefs - 1]) & RADIX_W;
	return 0;
}

struct walker {
	const struct radix *r;
	void (*fn)(void *ctx, uint64_t va, uint64_t pa, uint64_t flags);
	void *ctx;
	uint64_t leaves;
	int bad;
};

static void visit(struct walker *w, uint64_t table, int lvl, uint64_t va)
{
	const struct radix *r = w->r;
	unsigned n = 1U << fmt_of[r->fmt].bits[lvl];
	for (unsigned i = 0; i < n; i++) {
		uint64_t e = get(r, table + i * r->esize);
		if (!(e & 1))
			continue;
		uint64_t v = va | ((uint64_t)i << fmt_of[r->fmt].shift[lvl]);
		if (lvl == r->levels - 1) {
			w->leaves++;
			if (w->fn)
				w->fn(w->ctx, v, e & addr_mask(r), e & RADIX_W);
		} else if ((e & addr_mask(r)) >= r->fr->next) {
			w->bad++;
		} else {
			visit(w, e & addr_mask(r), lvl + 1, v);
		}
	}
}

void radix_foreach(const struct radix *r, void (*fn)(void *ctx, uint64_t va, uint64_t pa, uint64_t flags),
		   void *ctx)
{
	struct walker w = {r, fn, ctx, 0, 0};
	visit(&w, r->root, 0, 0);
}

int radix_check(const struct radix *r, struct tpt_err *e)
{
	struct walker w = {r, NULL, NULL, 0, 0};
	visit(&w, r->root, 0, 0);
	if (w.bad)
		return tpt_fail(e, "radix: %d table pointers outside allocated memory", w.bad);
	if (w.leaves != r->pages)
		return tpt_fail(e, "radix: %llu leaves but %llu pages counted",
				(unsigned long long)w.leaves, (unsigned long long)r->pages);
	return 0;
}
