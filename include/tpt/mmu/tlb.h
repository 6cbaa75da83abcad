/* SPDX-License-Identifier: MIT */
/*
 * tlb.h - the data TLBs: an L1 DTLB per page size and a second-level STLB
 * (4 KiB and 2 MiB entries shared, 1 GiB separate), set associative, LRU.
 *
 * An entry caches a final translation, virtual page -> physical page, tagged
 * with an address-space id. Hits cost the same in every scheme, so a TLB hit
 * is counted and nothing else. Sets keep their ways in recency order.
 */
#ifndef TPT_TLB_H
#define TPT_TLB_H

#include "tpt/base/config.h"

enum { TLB_MISS = 0, TLB_HIT_L1 = 1, TLB_HIT_L2 = 2 };

#define TLBE_W 1ULL

struct tlbe {
	uint64_t tag; /* vpn << 16 | asid << 4 | size class << 1 | valid */
	uint64_t pa;  /* physical address of the page | TLBE_W if writable */
};

struct tlb_array {
	uint32_t sets, ways;
	struct tlbe *e; /* e[set * ways + way], way 0 most recent */
};

struct tlb {
	struct tlb_array l1[3]; /* by size class: 4K, 2M, 1G */
	struct tlb_array l2;    /* 4K and 2M */
	struct tlb_array l2_1g;
	/* The last translation used: a repeat is an L1 hit on a most-recent entry. */
	uint64_t memo_vpn, memo_pa;
	uint32_t memo_shift, memo_asid;
	bool memo_valid, memo_writable;
	uint64_t invalidations; /* flushes and INVLPGs so far: what fast-forward's memo follows */
	unsigned classes;       /* bit c: an entry of size class c was filled since the last
				   full flush (a lookup skips the classes never filled) */
};

int tlb_init(struct tlb *t, const struct tpt_config *c);
void tlb_fini(struct tlb *t);

int tlb_lookup_slow(struct tlb *t, uint64_t va, unsigned asid, bool write, uint64_t *pa);

/*
 * TLB_HIT_L1, TLB_HIT_L2 (then *pa is the translated address) or TLB_MISS.
 * A write to a page whose entry is not writable misses: the walk decides.
 */
static inline int tlb_lookup(struct tlb *t, uint64_t va, unsigned asid, bool write, uint64_t *pa)
{
	if (t->memo_valid && (va >> t->memo_shift) == t->memo_vpn && t->memo_asid == asid &&
	    (!write || t->memo_writable)) {
		*pa = t->memo_pa | (va & ((1ULL << t->memo_shift) - 1));
		return TLB_HIT_L1;
	}
	return tlb_lookup_slow(t, va, asid, write, pa);
}

/* Installs the translation of the page of 1 << shift bytes holding va. */
void tlb_fill(struct tlb *t, uint64_t va, unsigned asid, unsigned shift, uint64_t pa,
	      bool writable);
void tlb_flush(struct tlb *t);
void tlb_flush_asid(struct tlb *t, unsigned asid);
/* Drops every entry of asid that translates an address of the page of
 * 1 << shift bytes holding va (INVLPG: a large guest page backed by small
 * host pages has several entries, and all of them go). */
void tlb_invlpg(struct tlb *t, uint64_t va, unsigned shift, unsigned asid);
/* Calls fn for every entry: its page's address, asid, size and translation. */
typedef int (*tlb_entry_fn)(void *ctx, uint64_t va, unsigned asid, unsigned shift, uint64_t pa,
			    bool writable);
int tlb_foreach(const struct tlb *t, tlb_entry_fn fn, void *ctx);
/* Checker, by the invariants it numbers (each array named): 1 the valid
 * ways of a set come first; 2 every tag sits in its own set; 3 no tag twice
 * in a set; 4 no entry of a size class `classes` says was never filled. */
int tlb_check(const struct tlb *t, struct tpt_err *e);

#endif
