/* SPDX-License-Identifier: MIT */
/*
 * cache.c - the cache hierarchy (see cache.h). Called for every data access
 * and every walk reference. Tags are 32-bit (line >> set_bits, bit 31 marks
 * valid), which keeps a 16-way LLC set in one host cache line; physical
 * addresses must stay below 2^(37 + 6 + set_bits) bytes, far above any
 * configurable memory. Invariant: each set's valid ways come first (in
 * recency order under LRU), each tag once.
 */
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "tpt/mmu/cache.h"

#define VALID 0x80000000u

int cache_init(struct cache *c, const struct tpt_config *cfg)
{
	const uint64_t size[3] = {cfg->l1d_size, cfg->l2_size, cfg->llc_size};
	const uint32_t ways[3] = {cfg->l1d_ways, cfg->l2_ways, cfg->llc_ways};
	memset(c, 0, sizeof(*c));
	for (int l = 0; l < 3; l++) {
		struct cache_level *v = &c->lv[l];
		v->ways = ways[l];
		v->sets = (uint32_t)(size[l] / 64 / ways[l]);
		v->set_bits = tpt_log2(v->sets);
		/* On host-line boundaries: a 16-way set is one host line. */
		size_t bytes = tpt_align_up((size_t)v->sets * v->ways * sizeof(*v->tag), 64);
		v->tag = aligned_alloc(64, bytes);
		if (v->tag)
			memset(v->tag, 0, bytes);
		if (!v->tag) {
			cache_fini(c);
			return -1;
		}
	}
	c->lv[0].random = cfg->l1d_replacement == CACHE_RANDOM;
	c->lv[1].random = cfg->l2_replacement == CACHE_RANDOM;
	c->lv[2].random = cfg->llc_replacement == CACHE_RANDOM;
	rng_seed(&c->rng, 1); /* the same draws for every run */
	c->lat[CL_L1] = cfg->l1d_latency;
	c->lat[CL_L2] = cfg->l2_latency;
	c->lat[CL_LLC] = cfg->llc_latency;
	c->lat[CL_DRAM] = cfg->dram_latency;
	c->last_line = UINT64_MAX;
	return 0;
}

void cache_fini(struct cache *c)
{
	for (int l = 0; l < 3; l++)
		free(c->lv[l].tag);
	memset(c, 0, sizeof(*c));
}

static inline uint32_t *set_of(const struct cache_level *v, uint64_t line)
{
	return &v->tag[(line & (v->sets - 1)) * v->ways];
}

static inline uint32_t tag_of(const struct cache_level *v, uint64_t line)
{
	return (uint32_t)(line >> v->set_bits) | VALID;
}

/* Moves way w of set to the front with tag t (w = ways - 1 evicts the LRU). */
static inline void promote(uint32_t *set, uint32_t w, uint32_t t)
{
	if (w)
		memmove(&set[1], &set[0], w * sizeof(*set));
	set[0] = t;
}

/* The way holding t, or ways if none. */
static inline uint32_t find_way(const uint32_t *set, uint32_t ways, uint32_t t)
{
	uint32_t w = 0;
#ifdef __SSE2__
	__m128i k = _mm_set1_epi32((int)t);
	for (; w + 4 <= ways; w += 4) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)&set[w]);
		int m = _mm_movemask_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(v, k)));
		if (m)
			return w + (uint32_t)__builtin_ctz((unsigned)m);
	}
#endif
	for (; w < ways; w++)
		if (set[w] == t)
			return w;
	return ways;
}

/* Puts line in v's set: into its first empty way, else over its LRU way,
 * or over a way at random where v replaces so. */
static inline void fill(struct cache *c, const struct cache_level *v, uint64_t line)
{
	uint32_t *set = set_of(v, line), t = tag_of(v, line);
	if (v->random && set[v->ways - 1]) {
		set[rng_below(&c->rng, v->ways)] = t;
		return;
	}
	promote(set, v->ways - 1, t);
}

int cache_access_slow(struct cache *c, uint64_t line)
{
	c->last_line = line;
	int hit = CL_DRAM;
	for (int l = 0; l < 3; l++) {
		const struct cache_level *v = &c->lv[l];
		uint32_t *set = set_of(v, line), t = tag_of(v, line);
		uint32_t w = find_way(set, v->ways, t);
		if (w < v->ways) {
			if (!v->random)
				promote(set, w, t);
			hit = l;
			goto filled;
		}
	}
filled:
	for (int l = 0; l < hit && l < 3; l++)
		fill(c, &c->lv[l], line);
	return hit;
}

void cache_flush(struct cache *c)
{
	/* The generator goes on: a flush empties the sets, it does not rewind. */
	for (int l = 0; l < 3; l++)
		memset(c->lv[l].tag, 0, (size_t)c->lv[l].sets * c->lv[l].ways * sizeof(uint32_t));
	c->last_line = UINT64_MAX;
}

int cache_check(const struct cache *c, struct tpt_err *e)
{
	static const char *names[3] = {"L1D", "L2", "LLC"};
	if (!(c->rng.s[0] | c->rng.s[1] | c->rng.s[2] | c->rng.s[3]))
		return tpt_broken(e, "cache", 3, "the random generator's state is all zero");
	for (int l = 0; l < 3; l++) {
		const struct cache_level *v = &c->lv[l];
		for (uint32_t s = 0; s < v->sets; s++) {
			const uint32_t *set = &v->tag[(size_t)s * v->ways];
			bool hole = false;
			for (uint32_t w = 0; w < v->ways; w++) {
				if (!set[w]) {
					hole = true;
					continue;
				}
				if (hole || !(set[w] & VALID))
					return tpt_broken(e, names[l], 1, "set %u is out of order", s);
				for (uint32_t x = w + 1; x < v->ways; x++)
					if (set[x] == set[w])
						return tpt_broken(e, names[l], 2, "set %u holds a line twice", s);
			}
		}
	}
	return 0;
}
