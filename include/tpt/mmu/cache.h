/* SPDX-License-Identifier: MIT */
/*
 * cache.h - the data cache hierarchy: L1D, L2 and LLC, set associative with
 * 64-byte lines and LRU, then DRAM. Page walks and data accesses both go
 * through it, so page-table entries compete with data for capacity.
 *
 * A miss fills every level it missed (non-inclusive, no write-backs
 * modelled: latency depends only on where a line is found). The LLC may
 * instead replace a way at random ([cache] llc_replacement): then a hit
 * leaves its set's order alone, and a fill of a full set overwrites a way
 * drawn from the cache's own generator, so runs stay reproducible.
 */
#ifndef TPT_CACHE_H
#define TPT_CACHE_H

#include "tpt/base/config.h"
#include "tpt/base/stats.h" /* CL_L1 .. CL_DRAM */

struct cache_level {
	uint32_t sets, ways, set_bits;
	bool random; /* replacement at random; else LRU */
	uint32_t *tag; /* tag[set * ways + way], way 0 most recent (LRU); 0 = empty */
};

struct cache {
	struct cache_level lv[3];
	uint32_t lat[CL_N];
	struct rng rng; /* random replacement's draws */
	uint64_t last_line; /* the line of the previous access: an L1 hit on repeat */
};

int cache_init(struct cache *c, const struct tpt_config *cfg);
void cache_fini(struct cache *c);
int cache_access_slow(struct cache *c, uint64_t line);

/* Accesses the line holding pa; returns the level that supplied it. */
static inline int cache_access(struct cache *c, uint64_t pa)
{
	uint64_t line = pa >> 6;
	if (line == c->last_line)
		return CL_L1;
	return cache_access_slow(c, line);
}

/* Host hint: fetch the L2 and LLC tag sets pa maps to; no model state changes. */
static inline void cache_prefetch(const struct cache *c, uint64_t pa)
{
	uint64_t line = pa >> 6;
	for (int l = CL_L2; l <= CL_LLC; l++) {
		const uint32_t *set = &c->lv[l].tag[(line & (c->lv[l].sets - 1)) * c->lv[l].ways];
		__builtin_prefetch(set);
		__builtin_prefetch(set + c->lv[l].ways - 1);
	}
}

void cache_flush(struct cache *c);
/* Checker, by the invariants it numbers (each level named): 1 the valid
 * ways of a set come first, each tag valid; 2 no line twice in a set;
 * 3 the random generator's state is not all zero. */
int cache_check(const struct cache *c, struct tpt_err *e);

#endif
