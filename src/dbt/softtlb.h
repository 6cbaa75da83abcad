/* SPDX-License-Identifier: MIT */
/*
 * softtlb.h - QEMU's software TLB (accel/tcg/cputlb.c), as the SoftMMU uses
 * it: a direct-mapped table indexed by the virtual page number, with
 * separate read and write tags (a read-only page never matches a store),
 * an 8-entry fully associative victim TLB filled round-robin with the
 * entries that fills evict, and QEMU's dynamic resizing at flushes.
 *
 * Invariants (softtlb_check): every valid entry sits at the index its page
 * selects; no page is valid both in the table and the victim TLB; n_used
 * counts the valid table entries.
 */
#ifndef TPT_DBT_SOFTTLB_H
#define TPT_DBT_SOFTTLB_H

#include <stdbool.h>
#include <stdint.h>

#include "tpt/base/util.h"

#define STLB_INVALID (~0ULL)
#define STLB_VICTIMS 8

struct stlb_entry {
	uint64_t addr_read, addr_write; /* page address, or STLB_INVALID */
	uint64_t pa;                    /* the page's physical address (QEMU: the addend) */
	uint64_t pad;                   /* 32 bytes, as QEMU's CPUTLBEntry on a 64-bit host */
};

struct softtlb {
	struct stlb_entry *t;
	uint32_t bits, min_bits, max_bits;
	bool dynamic;
	struct stlb_entry v[STLB_VICTIMS];
	uint32_t vidx;
	uint32_t n_used, window_max;
	uint64_t window_begin, window_len; /* in guest instructions */
	uint64_t resizes, flushes;
};

int softtlb_init(struct softtlb *s, uint32_t bits, uint32_t min_bits, uint32_t max_bits, bool dynamic,
		 uint64_t window_len);
void softtlb_fini(struct softtlb *s);

static inline uint32_t softtlb_index(const struct softtlb *s, uint64_t va)
{
	return (uint32_t)(va >> 12) & ((1U << s->bits) - 1);
}

/* The inline fast path: the entry va selects matches for this access. */
static inline bool softtlb_hit(const struct softtlb *s, uint64_t va, bool write, uint64_t *pa)
{
	const struct stlb_entry *e = &s->t[softtlb_index(s, va)];
	uint64_t page = va & ~0xfffULL;
	if ((write ? e->addr_write : e->addr_read) != page)
		return false;
	*pa = e->pa;
	return true;
}

/* The slow path's first step: a victim-TLB hit swaps the entry back into the table. */
bool softtlb_victim(struct softtlb *s, uint64_t va, bool write, uint64_t *pa);
/* Installs a translation; the entry it replaces goes to the victim TLB. */
void softtlb_fill(struct softtlb *s, uint64_t va, uint64_t pa, bool writable);
void softtlb_flush_page(struct softtlb *s, uint64_t va);
/* Flushes everything; with dynamic resizing, first resizes as QEMU does.
 * now: guest instructions so far. Returns the entries the flush cleared. */
uint32_t softtlb_flush(struct softtlb *s, uint64_t now);
/* Checker, by the invariants it numbers: 1 an entry sits at its page's
 * index; 2 its read and write pages agree; 3 no page both in the table and
 * the victim TLB; 4 the valid entries number n_used. */
int softtlb_check(const struct softtlb *s, struct tpt_err *e);

#endif
