/* SPDX-License-Identifier: MIT */
/*
 * pt.h - radix page tables stored in simulated memory, in any of the formats
 * of struct pt_format: x86-64 with 4 or 5 levels (the simulator's guest
 * tables, EPT, shadow and TPT tables), and the 32-bit guests' IA32 and PAE
 * tables of the binary-translator model.
 *
 * One struct pt is one table hierarchy: a guest page table (addresses are
 * guest-physical, reached through the guest address map), an EPT/NPT, a shadow
 * table or a TPT table (addresses are host-physical). Entries are real 4- or
 * 8-byte words in hostmem, so every entry has a physical address the caches
 * see. The flag bits (P, W, U, A, D, PS) sit where x86 puts them in every
 * format.
 *
 * Levels count from the leaf: 1 = PT (4K leaves), 2 = PD (2M leaves),
 * 3 = PDPT (1G leaves), 4 = PML4, 5 = PML5. The inline helpers pt_shift and
 * pt_index are x86-64's, for the hardware walkers (which walk x86-64 tables
 * only); the functions below follow the table's own format.
 */
#ifndef TPT_PT_H
#define TPT_PT_H

#include "tpt/mem/hostmem.h"

#define PTE_P  (1ULL << 0)
#define PTE_W  (1ULL << 1)
#define PTE_U  (1ULL << 2)
#define PTE_A  (1ULL << 5)
#define PTE_D  (1ULL << 6)
#define PTE_PS (1ULL << 7)
#define PTE_NX (1ULL << 63)
#define PTE_ADDR 0x000ffffffffff000ULL
/* Bits a table entry may carry: the address, the flags above, software bits 9-11. */
#define PTE_LEGAL (PTE_ADDR | PTE_P | PTE_W | PTE_U | PTE_A | PTE_D | PTE_PS | PTE_NX | 0xe00ULL)

#define PT_MAX_LEVELS 5

static inline unsigned pt_shift(int level)
{
	return 12u + 9u * (unsigned)(level - 1);
}

static inline unsigned pt_index(uint64_t va, int level)
{
	return (unsigned)(va >> pt_shift(level)) & 511u;
}

/* The address a leaf entry at `level` maps va to (x86-64). */
static inline uint64_t pt_leaf_pa(uint64_t e, int level, uint64_t va)
{
	uint64_t mask = (1ULL << pt_shift(level)) - 1;
	return ((e & PTE_ADDR) & ~mask) | (va & mask);
}

/* The level whose entries map pages of 1 << page_shift bytes (x86-64). */
static inline int pt_leaf_level(unsigned page_shift)
{
	return (int)(page_shift - 12u) / 9 + 1;
}

/* A table format: levels, entry size, index bits per level. */
struct pt_format {
	const char *name;
	int levels;
	unsigned entry_bytes;                 /* 4 or 8 */
	unsigned bits[PT_MAX_LEVELS + 1];     /* index bits of each level (by level, 1 = leaf) */
	unsigned shift[PT_MAX_LEVELS + 1];    /* the address bit each level's index starts at */
	uint64_t addr;                        /* an entry's address field */
	unsigned huge;                        /* bit l set: level l may hold a leaf (PS) */
};

extern const struct pt_format pt_x86_64_4, pt_x86_64_5, pt_ia32, pt_pae;

/*
 * The functions below return TPT_OK or a code of enum tpt_code (util.h):
 * TPT_ENOENT and TPT_EOVERLAP of their own; an operation (alloc, on_write)
 * that fails returns its owner's code (TPT_ENOMEM where the owner has no
 * better one), and the function that called it returns that code
 * unchanged: the guest's table writes tell the hypervisor's and the
 * schemes' handlers, and their errors come back as return values.
 */

struct pt;
/*
 * The operations of a table's owner. ctx is the owner's, given at pt_init;
 * arg is the caller's, given to the call that made the operation happen
 * (pt_map, pt_unmap, pt_install, pt_init, pt_destroy): the simulator's
 * account to charge for what the operation costs.
 */
/* Allocates a zeroed table page; *addr is its address in the table's space.
 * 0, or a negative code (TPT_ENOMEM where the owner has none of its own). */
typedef int (*pt_alloc_fn)(void *ctx, void *arg, const struct pt *pt, uint64_t *addr);
/* Returns a table page no longer used (after pt_unmap emptied it). */
typedef void (*pt_free_fn)(void *ctx, void *arg, const struct pt *pt, uint64_t addr);
/* Told after each entry write: an address the entry covers, the table's
 * address, the slot, its level, and the old and new values. 0, or a
 * negative code that the write's caller returns (the entry stays written). */
typedef int (*pt_write_fn)(void *ctx, void *arg, const struct pt *pt, uint64_t va, uint64_t table,
			   unsigned idx, int level, uint64_t old, uint64_t val);

struct pt_ops {
	pt_alloc_fn alloc;
	pt_free_fn free;
	pt_write_fn on_write; /* may be NULL */
};

struct pt {
	const struct pt_format *fmt;
	struct hostmem *hm;
	const uint32_t *gmap; /* NULL: table addresses are host-physical; else gfn -> hfn */
	int levels;
	uint64_t root; /* address of the top-level table */
	const struct pt_ops *ops;
	void *ctx;
	uint64_t tables; /* table pages in use, root included */
	uint64_t pages;  /* 4 KiB pages its leaves map (a 2 MiB leaf: 512) */
	uint64_t limit;  /* leaf addresses must lie below this (for the checker) */
};

/* An empty x86-64 table of `levels` (4 or 5) levels; 0, or -1. */
int pt_init(struct pt *pt, void *arg, struct hostmem *hm, const uint32_t *gmap, int levels,
	    uint64_t limit, const struct pt_ops *ops, void *ctx);
/* An empty table of any format. */
int pt_init_fmt(struct pt *pt, void *arg, struct hostmem *hm, const uint32_t *gmap,
		const struct pt_format *fmt, uint64_t limit, const struct pt_ops *ops, void *ctx);
/* Frees every table page, root included. */
void pt_destroy(struct pt *pt, void *arg);

/* Host physical address of a table address (identity unless gmap is set). */
static inline uint64_t pt_host_addr(const struct pt *pt, uint64_t addr)
{
	if (!pt->gmap)
		return addr;
	return ((uint64_t)pt->gmap[addr >> PAGE_SHIFT] << PAGE_SHIFT) | (addr & (PAGE_SIZE - 1));
}

/* The host address of entry idx of a table. */
static inline uint64_t pt_entry_addr(const struct pt *pt, uint64_t table, unsigned idx)
{
	return pt_host_addr(pt, table) + (uint64_t)pt->fmt->entry_bytes * idx;
}

/* The bytes of address space the table translates: addresses from 0 to below it. */
static inline uint64_t pt_span(const struct pt *pt)
{
	unsigned top = pt->fmt->shift[pt->fmt->levels] + pt->fmt->bits[pt->fmt->levels];
	return top >= 64 ? UINT64_MAX : 1ULL << top;
}

/* An 8-byte entry in place (x86-64 and PAE formats). */
static inline uint64_t *pt_slot(const struct pt *pt, uint64_t table, unsigned idx)
{
	return hostmem_word(pt->hm, pt_entry_addr(pt, table, idx));
}

/*
 * Maps [va, va + 2^shift) to pa with flags (PTE_P is implied). Creates the
 * tables on the way. 0, TPT_EOVERLAP when the range overlaps an existing
 * mapping of another size (or the format has no such page), or an
 * operation's code.
 */
int pt_map(struct pt *pt, void *arg, uint64_t va, uint64_t pa, unsigned shift, uint64_t flags);
/* Removes the mapping containing va; frees tables left empty. 0, TPT_ENOENT
 * if none, or an operation's code. */
int pt_unmap(struct pt *pt, void *arg, uint64_t va);

/* What a lookup read, top first: table[i] is the table at level levels - i,
 * entry[i] the host address of the entry it read there. */
struct pt_path {
	uint64_t table[PT_MAX_LEVELS];
	uint64_t entry[PT_MAX_LEVELS];
	int n;
};

/*
 * The naive reference walker: no caches, no side effects. 0 with *pa (the
 * translated address, offset included), *shift and *pte set, or TPT_ENOENT
 * if va is not mapped. path (optional) records the tables visited.
 */
int pt_lookup(const struct pt *pt, uint64_t va, uint64_t *pa, unsigned *shift, uint64_t *pte,
	      struct pt_path *path);

/* Software bit 10 marks an entry that ends the walk of this table although it
 * is not a page: agile paging's switch to nested mode (vm.h, PTE_SWITCH). */
#define PTE_STOP (1ULL << 10)

/* The entry for va at `level`, or the leaf or empty entry above it that ends
 * the path first (then *at is its level). No side effects. */
uint64_t pt_peek(const struct pt *pt, uint64_t va, int level, int *at);

typedef int (*pt_leaf_fn)(void *ctx, uint64_t va, uint64_t pte, unsigned shift);
/* Calls fn for every leaf (and PTE_STOP entry) in address order; stops at the
 * first non-zero return. */
int pt_foreach(const struct pt *pt, pt_leaf_fn fn, void *ctx);
/* The same for the leaves that overlap [start, end), skipping empty subtrees. */
int pt_foreach_range(const struct pt *pt, uint64_t start, uint64_t end, pt_leaf_fn fn,
		     void *ctx);
/* Leaves gathered by pt_collect_leaf, a pt_leaf_fn (it returns -1 when out of
 * memory). The caller frees v. */
struct pt_leaf {
	uint64_t va, pte;
	unsigned shift;
};
struct pt_leaves {
	struct pt_leaf *v;
	size_t n, cap;
};
int pt_collect_leaf(void *ctx, uint64_t va, uint64_t pte, unsigned shift);
/* Calls fn(ctx, table address, level) for every table page, root first. */
typedef void (*pt_table_fn)(void *ctx, uint64_t table, int level);
void pt_foreach_table(const struct pt *pt, pt_table_fn fn, void *ctx);
/*
 * Writes val as the entry at `level` for va, creating tables above it and
 * freeing a table that was below it. For entries that are neither pages nor
 * tables (PTE_STOP). 0, or an operation's code.
 */
int pt_install(struct pt *pt, void *arg, uint64_t va, int level, uint64_t val);

/* Checker, by the invariants it numbers: 1 every table page-aligned; 2 no
 * present entry with a reserved bit; 3 the page-size bit only where the
 * format has leaves; 4 every leaf aligned to its size and below the
 * table's limit; 5 the pages and tables counted are those reachable. */
int pt_check(const struct pt *pt, struct tpt_err *e);

#endif
