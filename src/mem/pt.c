/* SPDX-License-Identifier: MIT */
/*
 * pt.c - radix page tables in any format (see pt.h).
 *
 * Called by the guest OS model (guest tables), the hypervisor model (EPT,
 * shadow tables), the TPT memory manager (TPT tables) and the
 * binary-translator model (its guests' IA32, PAE and x86-64 tables and
 * BTMMU's shadow tables). The hardware walkers in mmu/walk.c read the same
 * words in place; pt_lookup here is the naive reference they are tested
 * against. Invariant: `tables` counts the table
 * pages reachable from root, and every present non-leaf entry points to one.
 */
#include <assert.h>
#include <string.h>

#include "tpt/mem/pt.h"

const struct pt_format pt_x86_64_4 = {"x86-64", 4, 8, {0, 9, 9, 9, 9}, {0, 12, 21, 30, 39},
				      PTE_ADDR, 1u << 2 | 1u << 3};
const struct pt_format pt_x86_64_5 = {"x86-64 (5 levels)", 5, 8, {0, 9, 9, 9, 9, 9},
				      {0, 12, 21, 30, 39, 48}, PTE_ADDR, 1u << 2 | 1u << 3};
/* 32-bit paging: two levels of 1024 4-byte entries (4 MiB pages not modelled). */
const struct pt_format pt_ia32 = {"ia32", 2, 4, {0, 10, 10}, {0, 12, 22}, 0xfffff000ULL, 0};
/* PAE: a 4-entry PDPT above two levels of 512 8-byte entries (2 MiB pages not modelled). */
const struct pt_format pt_pae = {"pae", 3, 8, {0, 9, 9, 2}, {0, 12, 21, 30}, PTE_ADDR, 0};

static unsigned nentries(const struct pt *pt, int level)
{
	return 1u << pt->fmt->bits[level];
}

static unsigned lshift(const struct pt *pt, int level)
{
	return pt->fmt->shift[level];
}

static unsigned idx_of(const struct pt *pt, uint64_t va, int level)
{
	return (unsigned)(va >> lshift(pt, level)) & (nentries(pt, level) - 1);
}

static uint64_t addr_of(const struct pt *pt, uint64_t e)
{
	return e & pt->fmt->addr;
}

/* Entry idx of a table, as a word of the format's size. */
static uint64_t get(const struct pt *pt, uint64_t table, unsigned idx)
{
	const uint8_t *p = (const uint8_t *)hostmem_word(pt->hm, pt_entry_addr(pt, table, idx));
	if (pt->fmt->entry_bytes == 4) {
		uint32_t v;
		memcpy(&v, p, 4);
		return v;
	}
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

static void put(const struct pt *pt, uint64_t table, unsigned idx, uint64_t v)
{
	uint8_t *p = (uint8_t *)hostmem_word(pt->hm, pt_entry_addr(pt, table, idx));
	if (pt->fmt->entry_bytes == 4) {
		uint32_t w = (uint32_t)v;
		memcpy(p, &w, 4);
	} else {
		memcpy(p, &v, 8);
	}
}

/* A leaf (or PTE_STOP entry) ends the path here rather than pointing to a table. */
static bool ends_path(const struct pt *pt, uint64_t e, int level)
{
	(void)pt;
	return level == 1 || (e & (PTE_PS | PTE_STOP));
}

/* 4 KiB pages an entry at this level maps (0 unless a present leaf). */
static uint64_t leaf_pages(const struct pt *pt, uint64_t e, int level)
{
	if (!(e & PTE_P) || (e & PTE_STOP) || (level > 1 && !(e & PTE_PS)))
		return 0;
	return 1ULL << (lshift(pt, level) - PAGE_SHIFT);
}

static int set_entry(struct pt *pt, void *arg, uint64_t va, uint64_t table, unsigned idx,
		     int level, uint64_t val)
{
	uint64_t old = get(pt, table, idx);
	put(pt, table, idx, val);
	pt->pages += leaf_pages(pt, val, level) - leaf_pages(pt, old, level);
	return pt->ops->on_write ? pt->ops->on_write(pt->ctx, arg, pt, va, table, idx, level, old, val)
				 : 0;
}

int pt_init(struct pt *pt, void *arg, struct hostmem *hm, const uint32_t *gmap, int levels,
	    uint64_t limit, const struct pt_ops *ops, void *ctx)
{
	if (levels != 4 && levels != 5)
		return -1;
	return pt_init_fmt(pt, arg, hm, gmap, levels == 4 ? &pt_x86_64_4 : &pt_x86_64_5, limit, ops,
			   ctx);
}

int pt_init_fmt(struct pt *pt, void *arg, struct hostmem *hm, const uint32_t *gmap,
		const struct pt_format *fmt, uint64_t limit, const struct pt_ops *ops, void *ctx)
{
	*pt = (struct pt){.fmt = fmt, .hm = hm, .gmap = gmap, .levels = fmt->levels, .ops = ops,
			  .ctx = ctx, .limit = limit};
	int rc = ops->alloc(ctx, arg, pt, &pt->root);
	if (rc)
		return rc;
	pt->tables = 1;
	return 0;
}

static void destroy_table(struct pt *pt, void *arg, uint64_t table, int level)
{
	for (unsigned i = 0; i < nentries(pt, level); i++) {
		uint64_t e = get(pt, table, i);
		if ((e & PTE_P) && !ends_path(pt, e, level))
			destroy_table(pt, arg, addr_of(pt, e), level - 1);
		else
			pt->pages -= leaf_pages(pt, e, level);
	}
	pt->ops->free(pt->ctx, arg, pt, table);
	pt->tables--;
}

void pt_destroy(struct pt *pt, void *arg)
{
	if (pt->tables)
		destroy_table(pt, arg, pt->root, pt->levels);
	pt->tables = 0;
	assert(pt->pages == 0);
}

/* A new table below va's entry at `level` of table; *e the entry now there. */
static int new_table(struct pt *pt, void *arg, uint64_t va, uint64_t table, int level,
		     uint64_t *e)
{
	uint64_t next;
	int rc = pt->ops->alloc(pt->ctx, arg, pt, &next);
	if (rc)
		return rc;
	pt->tables++;
	*e = addr_of(pt, next) | PTE_P | PTE_W | PTE_U;
	return set_entry(pt, arg, va, table, idx_of(pt, va, level), level, *e);
}

/* The level whose entries map pages of 1 << shift bytes: 0 if none can. */
static int leaf_level(const struct pt *pt, unsigned shift)
{
	for (int level = 1; level <= pt->levels; level++)
		if (lshift(pt, level) == shift)
			return level == 1 || (pt->fmt->huge >> level & 1) ? level : 0;
	return 0;
}

int pt_map(struct pt *pt, void *arg, uint64_t va, uint64_t pa, unsigned shift, uint64_t flags)
{
	int leaf = leaf_level(pt, shift), rc;
	if (!leaf)
		return TPT_EOVERLAP;
	uint64_t table = pt->root;
	for (int level = pt->levels; level > leaf; level--) {
		uint64_t e = get(pt, table, idx_of(pt, va, level));
		if ((e & PTE_P) && (e & (PTE_PS | PTE_STOP)))
			return TPT_EOVERLAP;
		if (!(e & PTE_P) && (rc = new_table(pt, arg, va, table, level, &e)))
			return rc;
		table = addr_of(pt, e);
	}
	unsigned idx = idx_of(pt, va, leaf);
	uint64_t old = get(pt, table, idx);
	if (old & PTE_P) {
		/* Remapping the same size is an update; a table here is an overlap. */
		if ((leaf > 1 && !(old & PTE_PS)) || (old & PTE_STOP))
			return TPT_EOVERLAP;
	}
	uint64_t val = addr_of(pt, pa) | flags | PTE_P | (leaf > 1 ? PTE_PS : 0);
	return set_entry(pt, arg, va, table, idx, leaf, val);
}

static bool table_empty(const struct pt *pt, uint64_t table, int level)
{
	for (unsigned i = 0; i < nentries(pt, level); i++)
		if (get(pt, table, i) & PTE_P)
			return false;
	return true;
}

int pt_unmap(struct pt *pt, void *arg, uint64_t va)
{
	uint64_t tables[PT_MAX_LEVELS + 1];
	uint64_t table = pt->root;
	int level;
	for (level = pt->levels;; level--) {
		tables[level] = table;
		uint64_t e = get(pt, table, idx_of(pt, va, level));
		if (!(e & PTE_P))
			return TPT_ENOENT;
		if (ends_path(pt, e, level))
			break;
		table = addr_of(pt, e);
	}
	int rc = set_entry(pt, arg, va, table, idx_of(pt, va, level), level, 0);
	/* Free the tables this emptied, bottom up; the root stays. */
	for (; !rc && level < pt->levels && table_empty(pt, tables[level], level); level++) {
		pt->ops->free(pt->ctx, arg, pt, tables[level]);
		pt->tables--;
		rc = set_entry(pt, arg, va, tables[level + 1], idx_of(pt, va, level + 1), level + 1, 0);
	}
	return rc;
}

int pt_lookup(const struct pt *pt, uint64_t va, uint64_t *pa, unsigned *shift, uint64_t *pte,
	      struct pt_path *path)
{
	uint64_t table = pt->root;
	if (path)
		path->n = 0;
	for (int level = pt->levels; level >= 1; level--) {
		unsigned idx = idx_of(pt, va, level);
		if (path) {
			path->table[path->n] = table;
			path->entry[path->n++] = pt_entry_addr(pt, table, idx);
		}
		uint64_t e = get(pt, table, idx);
		if (!(e & PTE_P))
			return TPT_ENOENT;
		if (level == 1 || (e & PTE_PS)) {
			unsigned s = lshift(pt, level);
			uint64_t mask = (1ULL << s) - 1;
			*pa = (addr_of(pt, e) & ~mask) | (va & mask);
			*shift = s;
			if (pte)
				*pte = e;
			return 0;
		}
		table = addr_of(pt, e);
	}
	return TPT_ENOENT;
}

uint64_t pt_peek(const struct pt *pt, uint64_t va, int level, int *at)
{
	uint64_t table = pt->root;
	for (int l = pt->levels;; l--) {
		uint64_t e = get(pt, table, idx_of(pt, va, l));
		if (l == level || !(e & PTE_P) || (e & (PTE_PS | PTE_STOP))) {
			*at = l;
			return e;
		}
		table = addr_of(pt, e);
	}
}

static int foreach_table(const struct pt *pt, uint64_t table, int level, uint64_t va,
			 pt_leaf_fn fn, void *ctx)
{
	for (unsigned i = 0; i < nentries(pt, level); i++) {
		uint64_t e = get(pt, table, i);
		if (!(e & PTE_P))
			continue;
		uint64_t v = va | ((uint64_t)i << lshift(pt, level));
		int rc;
		if (ends_path(pt, e, level))
			rc = fn(ctx, v, e, lshift(pt, level));
		else
			rc = foreach_table(pt, addr_of(pt, e), level - 1, v, fn, ctx);
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
	uint64_t span = 1ULL << lshift(pt, level);
	unsigned first = start > va ? (unsigned)((start - va) / span) : 0;
	for (unsigned i = first; i < nentries(pt, level); i++) {
		uint64_t v = va + (uint64_t)i * span;
		if (v >= end)
			break;
		uint64_t e = get(pt, table, i);
		if (!(e & PTE_P))
			continue;
		int rc;
		if (ends_path(pt, e, level))
			rc = fn(ctx, v, e, lshift(pt, level));
		else
			rc = range_table(pt, addr_of(pt, e), level - 1, v, start, end, fn, ctx);
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

int pt_collect_leaf(void *ctx, uint64_t va, uint64_t pte, unsigned shift)
{
	struct pt_leaves *l = ctx;
	if (tpt_grow(&l->v, &l->cap, l->n + 1, sizeof(*l->v)))
		return -1;
	l->v[l->n++] = (struct pt_leaf){va, pte, shift};
	return 0;
}

static void tables_of(const struct pt *pt, uint64_t table, int level, pt_table_fn fn, void *ctx)
{
	fn(ctx, table, level);
	if (level == 1)
		return;
	for (unsigned i = 0; i < nentries(pt, level); i++) {
		uint64_t e = get(pt, table, i);
		if ((e & PTE_P) && !ends_path(pt, e, level))
			tables_of(pt, addr_of(pt, e), level - 1, fn, ctx);
	}
}

void pt_foreach_table(const struct pt *pt, pt_table_fn fn, void *ctx)
{
	tables_of(pt, pt->root, pt->levels, fn, ctx);
}

int pt_install(struct pt *pt, void *arg, uint64_t va, int level, uint64_t val)
{
	uint64_t table = pt->root;
	int rc;
	for (int l = pt->levels; l > level; l--) {
		uint64_t e = get(pt, table, idx_of(pt, va, l));
		if ((!(e & PTE_P) || (e & (PTE_PS | PTE_STOP))) &&
		    (rc = new_table(pt, arg, va, table, l, &e)))
			return rc;
		table = addr_of(pt, e);
	}
	unsigned idx = idx_of(pt, va, level);
	uint64_t old = get(pt, table, idx);
	if (level > 1 && (old & PTE_P) && !ends_path(pt, old, level))
		destroy_table(pt, arg, addr_of(pt, old), level - 1);
	return set_entry(pt, arg, va, table, idx, level, val);
}

static int check_table(const struct pt *pt, uint64_t table, int level, uint64_t *count,
		       uint64_t *pages, struct tpt_err *e)
{
	(*count)++;
	if (table & (PAGE_SIZE - 1))
		return tpt_broken(e, "pt_check", 1, "table at %#llx is not page-aligned",
				(unsigned long long)table);
	uint64_t legal = (PTE_LEGAL & ~PTE_ADDR) | pt->fmt->addr;
	if (pt->fmt->entry_bytes == 4)
		legal &= 0xffffffffULL;
	for (unsigned i = 0; i < nentries(pt, level); i++) {
		uint64_t v = get(pt, table, i);
		if (!(v & PTE_P))
			continue;
		if (v & ~legal)
			return tpt_broken(e, "pt_check", 2, "entry %#llx at level %d has reserved bits",
					(unsigned long long)v, level);
		if ((v & PTE_PS) && !(pt->fmt->huge >> level & 1))
			return tpt_broken(e, "pt_check", 3, "page-size bit at level %d", level);
		if (v & PTE_STOP)
			continue; /* ends the walk of this table; its address is another space's */
		*pages += leaf_pages(pt, v, level);
		if (level == 1 || (v & PTE_PS)) {
			uint64_t a = addr_of(pt, v), size = 1ULL << lshift(pt, level);
			if (a & (size - 1))
				return tpt_broken(e, "pt_check", 4, "leaf %#llx not aligned to its size",
						(unsigned long long)a);
			if (a + size > pt->limit)
				return tpt_broken(e, "pt_check", 4, "leaf %#llx beyond memory",
						(unsigned long long)a);
		} else if (check_table(pt, addr_of(pt, v), level - 1, count, pages, e)) {
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
		return tpt_broken(e, "pt_check", 5, "leaves map %llu pages, %llu counted",
				(unsigned long long)pages, (unsigned long long)pt->pages);
	if (count != pt->tables)
		return tpt_broken(e, "pt_check", 5, "%llu tables reachable, %llu counted",
				(unsigned long long)count, (unsigned long long)pt->tables);
	return 0;
}
