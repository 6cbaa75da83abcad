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
 * A hash table of 128 MiB regions (address space and va >> 27), linear
 * probing, each slot with two bits a 4 KiB page (seen; writable) in 8 KiB
 * of its own: a 16 GiB footprint's memo is 1 MiB of bits and 16 KiB of
 * slots, most of it in the host's caches, where an entry a page was 128
 * MiB of host misses. (2 MiB regions ran 15 % slower at 16 GiB and 2 to 3
 * times slower at 129 GiB, their slots beyond the host's caches.) A slot is
 * valid while its generation is the memo's, so forgetting everything is one
 * increment; past three quarters full the memo forgets everything (the next
 * accesses walk again, which is always safe).
 *
 * Invariants (ffwd_check): 1 no region twice among valid slots; 2 every
 * valid slot is reached from its home slot through valid slots; 3 no page
 * writable without being seen; 4 `used` counts the valid slots.
 */
#ifndef TPT_FFWD_H
#define TPT_FFWD_H

#include <stdbool.h>
#include <stdint.h>

struct ffwd_slot {
	uint64_t key; /* (va >> FFWD_SHIFT) << 12 | asid */
	uint32_t gen; /* the memo's generation when claimed; 0: never */
	uint32_t pad;
};

#define FFWD_SHIFT 27                           /* a region's size, log2 */
#define FFWD_PAGES (1u << (FFWD_SHIFT - 12))    /* 4 KiB pages a region */
#define FFWD_WORDS (FFWD_PAGES / 32)            /* 64-bit words of page bits a region */

struct ffwd {
	struct ffwd_slot *slot; /* slot[i] */
	uint64_t *bits;         /* bits[i * FFWD_WORDS + word], 64-byte aligned */
	uint64_t mask;          /* slots - 1 */
	uint64_t used;          /* slots valid in this generation */
	uint32_t gen;           /* 1 to 2^32 - 1 */
};

/* Sized for a footprint of `pages` 4 KiB pages. 0, or -1 out of memory. */
int ffwd_init(struct ffwd *f, uint64_t pages);
void ffwd_fini(struct ffwd *f);
/* Forgets every page. */
void ffwd_clear(struct ffwd *f);

static inline uint64_t ffwd_key(uint64_t va, unsigned asid)
{
	return (va >> FFWD_SHIFT) << 12 | (asid & 0xfff);
}

static inline uint64_t ffwd_home(const struct ffwd *f, uint64_t key)
{
	return (key * 0x9e3779b97f4a7c15ULL) >> 32 & f->mask;
}

/* The word of slot i's bits that holds va's page (32 pages a word), and
 * where in it the page's two bits (seen, writable) start. */
static inline uint64_t *ffwd_word(const struct ffwd *f, uint64_t i, uint64_t va)
{
	return &f->bits[i * FFWD_WORDS + (va >> 17 & (FFWD_WORDS - 1))];
}

static inline unsigned ffwd_bit(uint64_t va)
{
	return 2 * (va >> 12 & 31);
}

/* Whether the page holding va is here for asid, writable if write. */
static inline bool ffwd_lookup(const struct ffwd *f, uint64_t va, unsigned asid, bool write)
{
	uint64_t key = ffwd_key(va, asid);
	for (uint64_t i = ffwd_home(f, key);; i = (i + 1) & f->mask) {
		const struct ffwd_slot *s = &f->slot[i];
		if (s->gen != f->gen)
			return false;
		if (s->key == key) {
			uint64_t b = *ffwd_word(f, i, va) >> ffwd_bit(va);
			return (b & 1) && (!write || (b & 2));
		}
	}
}

/* Host hint: the lines a lookup of va will read first. */
static inline void ffwd_prefetch(const struct ffwd *f, uint64_t va, unsigned asid)
{
	uint64_t i = ffwd_home(f, ffwd_key(va, asid));
	__builtin_prefetch(&f->slot[i]);
	__builtin_prefetch(ffwd_word(f, i, va));
}

/* Records the page holding va as translated for asid, writable if so. */
void ffwd_fill(struct ffwd *f, uint64_t va, unsigned asid, bool writable);
struct tpt_err;
int ffwd_check(const struct ffwd *f, struct tpt_err *e);

#endif
