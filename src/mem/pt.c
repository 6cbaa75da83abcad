/*
 * pt.c - radix page tables in x86-64 format (see pt.h).
 *
 * Called by the guest OS model (guest tables), the hypervisor model (EPT,
 * shadow tables) and the TPT memory manager (TPT tables). The hardware walkers
 * in mmu/walk.c read the same words in place; pt_lookup here is the naive
 * reference they are tested against. Invariant: `tables` counts the table
 * pages reachable from root, and every present non-leaf entry points to one.
 */
#include <assert.h>

#include "tpt/pt.h"

/* 4 KiB pages an entry at this level maps (0 unless a present leaf). */
static uint64_t leaf_pages(uint64_t e, int level)
{
	if (!(e & PTE_P) || (e & PTE_STOP) || (level > 1 && !(e & PTE_PS)))
		return 0;
	return 1ULL << (pt_shift(level) - PAGE_SHIFT);
}

static void set_entry(struct pt *pt, uint64_t va, uint64_t table, unsigned idx, int level,
		      uint64_t val)
{
	uint64_t *slot = pt_slot(pt, table, idx);
	uint64_t old = *slot;
	*slot = val;
	pt->pages += leaf_pages(val, level) - leaf_pages(old, level);
	if (pt->ops->on_write)
		pt->ops->on_write(pt->ctx, pt, va, table, idx, level, old, val);
}

int pt_init(struct pt *pt, struct hostmem *hm, const uint32_t *gmap, int levels,
	    uint64_t limit, const struct pt_ops *ops, void *ctx)
{
	*pt = (struct pt){.hm = hm, .gmap = gmap, .levels = levels, .ops = ops, .ctx = ctx,
			  .limit = limit};
	if (levels != 4 && levels != 5)
		return -1;
	if (ops->alloc(ctx, pt, &pt->root))
		return -1;
	pt->tables = 1;
	return 0;
}

static void destroy_table(struct pt *pt, uint64_t table, int level)
{
	if (level > 1)
		for (unsigned i = 0; i < 512; i++) {
			uint64_t e = *pt_slot(pt, table, i);
			if ((e & PTE_P) && !(e & (PTE_PS | PTE_STOP)))
				destroy_table(pt, e & PTE_ADDR, level - 1);
			else
				pt->pages -= leaf_pages(e, level);
		}
	else
		for (unsigned i = 0; i < 512; i++)
			pt->pages -= leaf_pages(*pt_slot(pt, table, i), 1);
	pt->ops->free(pt->ctx, pt, table);
	pt->tables--;
}

void pt_destroy(struct pt *pt)
{
	if (pt->tables)
		destroy_table(pt, pt->root, pt->levels);
	pt->tables = 0;
	assert(pt->pages == 0);
}

int pt_map(struct pt *pt, uint64_t va, uint64_t pa, unsigned shift, uint64_t flags)
{
	int leaf = pt_leaf_level(shift);
	uint64_t table = pt->root;
	for (int level = pt->levels; level > leaf; level--) {
		unsigned idx = pt_index(va, level);
		uint64_t e = *pt_slot(pt, table, idx);
		if (!(e & PTE_P)) {
			uint64_t next;
			if (pt->ops->alloc(pt->ctx, pt, &next))
				return -1;
			pt->tables++;
			e = (next & PTE_ADDR) | PTE_P | PTE_W | PTE_U;
			set_entry(pt, va, table, idx, level, e);
		} else if (e & (PTE_PS | PTE_STOP)) {
			return -2;
		}
		table = e & PTE_ADDR;
	}
	unsigned idx = pt_index(va, leaf);
	uint64_t *slot = pt_slot(pt, table, idx);
	if (*slot & PTE_P) {
		/* Remapping the same size is an update; a table here is an overlap. */
		if ((leaf > 1 && !(*slot & PTE_PS)) || (*slot & PTE_STOP))
			return -2;
	}
	uint64_t val = (pa & PTE_ADDR) | flags | PTE_P | (leaf > 1 ? PTE_PS : 0);
	set_entry(pt, va, table, idx, leaf, val);
	return 0;
}

static bool table_empty(const struct pt *pt, uint64_t table)
{
	for (unsigned i = 0; i < 512; i++)
		if (*pt_slot(pt, table, i) & PTE_P)
			return false;
	return true;
}

int pt_unmap(struct pt *pt, uint64_t va)
{
	uint64_t tables[PT_MAX_LEVELS + 1];
	uint64_t table = pt->root;
	int level;
	for (level = pt->levels;; level--) {
		tables[level] = table;
		uint64_t e = *pt_slot(pt, table, pt_index(va, level));
		if (!(e & PTE_P))
			return -1;
		if (level == 1 || (e & (PTE_PS | PTE_STOP)))
			break;
		table = e & PTE_ADDR;
	}
	set_entry(pt, va, table, pt_index(va, level), level, 0);
	/* Free the tables this emptied, bottom up; the root stays. */
	for (; level < pt->levels && table_empty(pt, tables[level]); level++) {
		pt->ops->free(pt->ctx, pt, tables[level]);
		pt->tables--;
		set_entry(pt, va, tables[level + 1], pt_index(va, level + 1), level + 1, 0);
	}
	return 0;
}

int pt_lookup(const struct pt *pt, uint64_t va, uint64_t *pa, unsigned *shift, uint64_t *pte,
	      struct pt_path *path)
{
	uint64_t table = pt->root;
	if (path)
		path->n = 0;
	for (int level = pt->levels; level >= 1; level--) {
		if (path)
			path->table[path->n++] = table;
		uint64_t e = *pt_slot(pt, table, pt_index(va, level));
		if (!(e & PTE_P))
			return -1;
		if (level == 1 || (e & PTE_PS)) {
			unsigned s = pt_shift(level);
			uint64_t mask = (1ULL << s) - 1;
			*pa = ((e & PTE_ADDR) & ~mask) | (va & mask);
			*shift = s;
			if (pte)
				*pte = e;
			return 0;
		}
		table = e & PTE_ADDR;
	}
	return -1;
}

uint64_t pt_peek(const struct pt *pt, uint64_t va, int level, int *at)
{
	uint64_t table = pt->root;
	for (int l = pt->levels;; l--) {
		uint64_t e = *pt_slot(pt, table, pt_index(va, l));
		if (l == level || !(e & PTE_P) || (e & (PTE_PS | PTE_STOP))) {
			*at = l;
			return e;
		}
		table = e & PTE_ADDR;
	}
}

static int foreach_table(const struct pt *pt, uint64_t table, int level, uint64_t va,
			 pt_leaf_fn fn, void *ctx)
{
	for (unsigned i = 0; i < 512; i++) {
		uint64_t e = *pt_slot(pt, table, i);
		if (!(e & PTE_P))
			continue;
		uint64_t v = va | ((uint64_t)i << pt_shift(level));
		int rc;
		if (level == 1 || (e & (PTE_PS | PTE_STOP)))
			rc = fn(ctx, v, e, pt_shift(level));
		else
			rc = foreach_table(pt, e & PTE_ADDR, level - 1, v, fn, ctx);
		if (rc)
			return rc;
	}
	return 0;
}

int pt_foreach(const struct pt *pt, pt_leaf_fn fn, void *ctx)
{
	return foreach_table(pt, pt->root, pt->levels, 0, fn, ctx);
}

static int range_table(const struct pt *pt, uint64_t table, int level, uint64_t va,
		       uint64_t start, uint64_t end, pt_leaf_fn fn, void *ctx)
{
	uint64_t span = 1ULL << pt_shift(level);
	unsigned first = start > va ? (unsigned)((start - va) / span) : 0;
	for (unsigned i = first; i < 512; i++) {
		uint64_t v = va + (uint64_t)i * span;
		if (v >= end)
			break;
		uint64_t e = *pt_slot(pt, table, i);
		if (!(e & PTE_P))
			continue;
		int rc;
		if (level == 1 || (e & (PTE_PS | PTE_STOP)))
			rc = fn(ctx, v, e, pt_shift(level));
		else
			rc = range_table(pt, e & PTE_ADDR, level - 1, v, start, end, fn, ctx);
		if (rc)
			return rc;
	}
	return 0;
}

int pt_foreach_range(const struct pt *pt, uint64_t start, uint64_t end, pt_leaf_fn fn,
		     void *ctx)
{
	return range_table(pt, pt->root, pt->levels, 0, start, end, fn, ctx);
}

static void tables_of(const struct pt *pt, uint64_t table, int level, pt_table_fn fn, void *ctx)
{
	fn(ctx, table, level);
	if (level == 1)
		return;
	for (unsigned i = 0; i < 512; i++) {
		uint64_t e = *pt_slot(pt, table, i);
		if ((e & PTE_P) && !(e & (PTE_PS | PTE_STOP)))
			tables_of(pt, e & PTE_ADDR, level - 1, fn, ctx);
	}
}

void pt_foreach_table(const struct pt *pt, pt_table_fn fn, void *ctx)
{
	tables_of(pt, pt->root, pt->levels, fn, ctx);
}

int pt_install(struct pt *pt, uint64_t va, int level, uint64_t val)
{
	uint64_t table = pt->root;
	for (int l = pt->levels; l > level; l--) {
		unsigned idx = pt_index(va, l);
		uint64_t e = *pt_slot(pt, table, idx);
		if (!(e & PTE_P) || (e & (PTE_PS | PTE_STOP))) {
			uint64_t next;
			if (pt->ops->alloc(pt->ctx, pt, &next))
				return -1;
			pt->tables++;
			e = (next & PTE_ADDR) | PTE_P | PTE_W | PTE_U;
			set_entry(pt, va, table, idx, l, e);
		}
		table = e & PTE_ADDR;
	}
	unsigned idx = pt_index(va, level);
	uint64_t old = *pt_slot(pt, table, idx);
	if (level > 1 && (old & PTE_P) && !(old & (PTE_PS | PTE_STOP)))
		destroy_table(pt, old & PTE_ADDR, level - 1);
	set_entry(pt, va, table, idx, level, val);
	return 0;
}

static int check_table(const struct pt *pt, uint64_t table, int level, uint64_t *count,
		       uint64_t *pages, struct tpt_err *e)
{
	(*count)++;
	if (table & (PAGE_SIZE - 1))
		return tpt_fail(e, "pt_check: table at %#llx is not page-aligned",
				(unsigned long long)table);
	for (unsigned i = 0; i < 512; i++) {
		uint64_t v = *pt_slot(pt, table, i);
		if (!(v & PTE_P))
			continue;
		if (v & ~PTE_LEGAL)
			return tpt_fail(e, "pt_check: entry %#llx at level %d has reserved bits",
					(unsigned long long)v, level);
		if (v & PTE_PS) {
			if (level != 2 && level != 3)
				return tpt_fail(e, "pt_check: page-size bit at level %d", level);
		}
		if (v & PTE_STOP)
			continue; /* ends the walk of this table; its address is another space's */
		*pages += leaf_pages(v, level);
		if (level == 1 || (v & PTE_PS)) {
			uint64_t a = v & PTE_ADDR, size = 1ULL << pt_shift(level);
			if (a & (size - 1))
				return tpt_fail(e, "pt_check: leaf %#llx not aligned to its size",
						(unsigned long long)a);
			if (a + size > pt->limit)
				return tpt_fail(e, "pt_check: leaf %#llx beyond memory",
						(unsigned long long)a);
		} else if (check_table(pt, v & PTE_ADDR, level - 1, count, pages, e)) {
			return -1;
		}
	}
	return 0;
}

int pt_check(const struct pt *pt, struct tpt_err *e)
{
	uint64_t count = 0, pages = 0;
	if (check_table(pt, pt->root, pt->levels, &count, &pages, e))
		return -1;
	if (pages != pt->pages)
		return tpt_fail(e, "pt_check: leaves map %llu pages, %llu counted",
				(unsigned long long)pages, (unsigned long long)pt->pages);
	if (count != pt->tables)
		return tpt_fail(e, "pt_check: %llu tables reachable, %llu counted",
				(unsigned long long)count, (unsigned long long)pt->tables);
	return 0;
}
