/* SPDX-License-Identifier: MIT */
/*
 * ffwd.h - fast-forward's memo of translations (sampled simulation,
 * sample.c): the pages of each address space that a walk translated, or the
 * TLB held, since the last invalidation of the TLB or the paging-structure
 * caches. Not a hardware structure but the simulator's: between detailed
 * windows an access whose page is here cannot fault (every change that could
 * make its walk fault invalidates one of the two, as the hardware contract
 * requires and sim_check's invariant 2 checks), so fast-forward walks only
 * the others and applies their faults exactly.
 *
 * Buckets of four 16-byte entries, one host cache line each; an entry is
 * valid while its generation is the memo's, so forgetting everything is one
 * increment. Invariant: a valid entry was filled in this generation.
 */
#ifndef TPT_FFWD_H
#define TPT_FFWD_H

#include <stdbool.h>
#include <stdint.h>

struct ffwd_entry {
	uint64_t tag;  /* vpn << 12 | asid, of a 4 KiB page */
	uint32_t pfn;  /* the host frame it translates to (16 TiB of host memory) */
	uint32_t gen_w; /* the memo's generation when filled << 1 | writable */
};

struct ffwd {
	struct ffwd_entry *e; /* e[bucket * 4 + way], 64-byte aligned */
	uint64_t mask;        /* buckets - 1 */
	uint32_t gen;         /* 1 to 2^31 - 1: a zeroed entry is invalid */
	uint64_t epoch;       /* the invalidation count the current generation follows */
};

/* Sized for a footprint of `pages` 4 KiB pages. 0, or -1 out of memory. */
int ffwd_init(struct ffwd *f, uint64_t pages);
void ffwd_fini(struct ffwd *f);
/* Forgets every entry. */
void ffwd_clear(struct ffwd *f);

static inline struct ffwd_entry *ffwd_bucket(const struct ffwd *f, uint64_t tag)
{
	uint64_t h = tag * 0x9e3779b97f4a7c15ULL;
	return &f->e[((h >> 32) & f->mask) * 4];
}

static inline uint64_t ffwd_tag(uint64_t va, unsigned asid)
{
	return (va >> 12) << 12 | (asid & 0xfff);
}

/* Whether the page holding va is here for asid, writable if write; then
 * *pa is va's host-physical address. */
static inline bool ffwd_lookup(const struct ffwd *f, uint64_t va, unsigned asid, bool write,
			       uint64_t *pa)
{
	uint64_t tag = ffwd_tag(va, asid);
	const struct ffwd_entry *b = ffwd_bucket(f, tag);
	for (int i = 0; i < 4; i++)
		if (b[i].tag == tag && b[i].gen_w >> 1 == f->gen) {
			*pa = (uint64_t)b[i].pfn << 12 | (va & 0xfff);
			return !write || (b[i].gen_w & 1);
		}
	return false;
}

/* Where a lookup of va will look (for a host prefetch ahead of it). */
static inline const void *ffwd_where(const struct ffwd *f, uint64_t va, unsigned asid)
{
	return ffwd_bucket(f, ffwd_tag(va, asid));
}

/* Records the page holding va as translated for asid, to host-physical pa. */
void ffwd_fill(struct ffwd *f, uint64_t va, unsigned asid, uint64_t pa, bool writable);
/* Checker: 1 no tag twice among a bucket's valid entries; 2 every valid
 * entry sits in its own bucket. */
struct tpt_err;
int ffwd_check(const struct ffwd *f, struct tpt_err *e);

#endif
