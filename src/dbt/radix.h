/*
 * radix.h - the radix page tables of the binary-translator model: a guest's
 * own table in its ISA's format (IA32: two levels of 4-byte entries; PAE:
 * three levels, the top one of 4 entries; x86-64: four levels of 512), and
 * BTMMU's shadow table (guest virtual -> host physical, four levels of
 * 8-byte entries, as a MIPS64 kernel would keep it). Entries are real words
 * in simulated memory, read in place; only table frames are ever written.
 */
#ifndef TPT_DBT_RADIX_H
#define TPT_DBT_RADIX_H

#include <stdbool.h>
#include <stdint.h>

#include "tpt/hostmem.h"
#include "tpt/util.h"

enum radix_fmt { FMT_IA32, FMT_PAE, FMT_X86_64 };

/* 4 KiB frames of simulated memory: bump allocation and a free list. */
struct dframes {
	struct hostmem *hm;
	uint64_t next, limit; /* physical addresses */
	uint64_t *free;
	size_t nfree, cap;
	uint64_t used;
};

struct radix {
	struct dframes *fr;
	enum radix_fmt fmt;
	int levels;
	unsigned esize;   /* bytes per entry */
	uint64_t root;    /* physical address of the top table */
	uint64_t pages;   /* leaves mapped */
	uint64_t tables;  /* table frames held */
};

#define RADIX_W 2ULL /* writable (bit 1 in both formats); bit 0 is present */

int dframes_init(struct dframes *f, struct hostmem *hm, uint64_t base, uint64_t limit);
void dframes_fini(struct dframes *f);
int dframes_alloc(struct dframes *f, uint64_t *pa);
void dframes_free(struct dframes *f, uint64_t pa);

int radix_init(struct radix *r, struct dframes *fr, enum radix_fmt fmt);
/* Frees every table. */
void radix_destroy(struct radix *r);
/* Maps the 4 KiB page at va to pa. -1: out of frames. */
int radix_map(struct radix *r, uint64_t va, uint64_t pa, uint64_t flags);
/* Unmaps va's page; true if it was mapped. */
bool radix_unmap(struct radix *r, uint64_t va);
/* Walks for va: the physical addresses of the entries read go to refs
 * (up to 4), their number to *nrefs. 0 and *pa, *flags if mapped, else -1. */
int radix_walk(const struct radix *r, uint64_t va, uint64_t refs[4], int *nrefs, uint64_t *pa,
	       uint64_t *flags);
/* Calls fn for every mapped page. */
void radix_foreach(const struct radix *r, void (*fn)(void *ctx, uint64_t va, uint64_t pa, uint64_t flags),
		   void *ctx);
/* Checker: table pointers inside allocated memory, leaf count = pages. */
int radix_check(const struct radix *r, struct tpt_err *e);
/* Bits of virtual address the format translates. */
unsigned radix_va_bits(enum radix_fmt fmt);

#endif
