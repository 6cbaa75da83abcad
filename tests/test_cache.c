/* SPDX-License-Identifier: MIT */
/* test_cache.c - the cache hierarchy: fills, LRU, random replacement,
 * levels, checker. */
#include "helpers.h"

static void check(struct cache *c)
{
	struct tpt_err e;
	if (cache_check(c, &e))
		fail_msg("%s", e.msg);
}

static void test_levels_and_fill(void **state)
{
	(void)state;
	struct tpt_config cfg;
	config_defaults(&cfg);
	struct cache c;
	assert_int_equal(cache_init(&c, &cfg), 0);
	assert_int_equal(c.lv[0].sets, 64);
	assert_int_equal(c.lv[1].sets, 1024);
	assert_int_equal(c.lv[2].sets, 16384);
	assert_int_equal(cache_access(&c, 0x10000), CL_DRAM);
	assert_int_equal(cache_access(&c, 0x10008), CL_L1); /* same line */
	/* 13 lines in one L1 set (stride 64 sets x 64 B) push the first out of L1 only. */
	for (uint64_t i = 1; i <= 12; i++)
		assert_int_equal(cache_access(&c, 0x10000 + i * 4096), CL_DRAM);
	assert_int_equal(cache_access(&c, 0x10000), CL_L2);
	assert_int_equal(cache_access(&c, 0x10000), CL_L1);
	check(&c);
	cache_fini(&c);
}

static void test_llc_and_lru(void **state)
{
	(void)state;
	struct tpt_config cfg;
	config_defaults(&cfg);
	struct cache c;
	assert_int_equal(cache_init(&c, &cfg), 0);
	/* 21 lines in one L2 set (stride 1024 x 64 B = 64K): the first leaves L2 but stays in the LLC. */
	for (uint64_t i = 0; i < 21; i++)
		cache_access(&c, i * 65536);
	assert_int_equal(cache_access(&c, 0), CL_LLC);
	/* Lines 1 MiB apart share one set at every level (LLC 16 ways, L2 20). */
	cache_flush(&c);
	for (uint64_t i = 0; i < 16; i++)
		cache_access(&c, i * MiB);
	cache_access(&c, 0); /* refresh line 0: line 1 MiB is now least recent everywhere */
	for (uint64_t i = 16; i <= 20; i++)
		cache_access(&c, i * MiB);
	/* 21 lines: line 1 MiB left the LLC at the 17th and L2 at the 21st. */
	assert_int_equal(cache_access(&c, 1 * MiB), CL_DRAM);
	/* Line 0 was refreshed six lines ago: still in the 12-way L1. */
	assert_int_equal(cache_access(&c, 0), CL_L1);
	/* Refilling line 1 MiB evicted line 2 MiB from L2; line 3 MiB left the
	 * 16-way LLC but is still in the 20-way L2. */
	assert_int_equal(cache_access(&c, 3 * MiB), CL_L2);
	assert_int_equal(cache_access(&c, 2 * MiB), CL_DRAM);
	check(&c);
	cache_fini(&c);
}

static void test_checker_catches_duplicate(void **state)
{
	(void)state;
	struct tpt_config cfg;
	config_defaults(&cfg);
	struct cache c;
	struct tpt_err e;
	assert_int_equal(cache_init(&c, &cfg), 0);
	cache_access(&c, 0);
	cache_access(&c, 4096);
	c.lv[0].tag[1] = c.lv[0].tag[0];
	assert_int_equal(cache_check(&c, &e), -1);
	cache_fini(&c);
}

/* LLC hits of four passes over a cycle of 32 MiB of lines (twice the
 * LLC, 25 times the L2), the first pass left out. */
static double cycle_llc_hits(uint32_t replacement, struct cache *c)
{
	struct tpt_config cfg;
	config_defaults(&cfg);
	cfg.llc_replacement = replacement;
	assert_int_equal(cache_init(c, &cfg), 0);
	uint64_t lines = 2 * cfg.llc_size / 64, hits = 0;
	for (int pass = 0; pass < 4; pass++)
		for (uint64_t i = 0; i < lines; i++) {
			int l = cache_access(c, i * 64);
			assert_true(l == CL_LLC || l == CL_DRAM);
			hits += pass && l == CL_LLC;
		}
	check(c);
	return (double)hits / (double)(3 * lines);
}

/* L1D and L2 replace at random as the LLC does, each by its own key: a
 * cycle of 1.5 times the L2 (12 times the L1D, LLC hits then) keeps
 * h = exp(-1.5 (1 - h)) = 0.42 of its lines in a random L2 and none in an
 * LRU one; a cycle of 1.5 times the L1D keeps its share there alike. */
static void test_inner_random_replacement(void **state)
{
	(void)state;
	struct tpt_config cfg;
	config_defaults(&cfg);
	for (int level = 0; level < 2; level++)
		for (uint32_t repl = CACHE_LRU; repl <= CACHE_RANDOM; repl++) {
			struct cache c;
			cfg.l1d_replacement = level == 0 ? repl : CACHE_LRU;
			cfg.l2_replacement = level == 1 ? repl : CACHE_LRU;
			assert_int_equal(cache_init(&c, &cfg), 0);
			uint64_t lines = 3 * (level ? cfg.l2_size : cfg.l1d_size) / 128, hits = 0;
			for (int pass = 0; pass < 8; pass++)
				for (uint64_t i = 0; i < lines; i++) {
					int l = cache_access(&c, i * 64);
					hits += pass >= 2 && l == level;
				}
			check(&c);
			double h = (double)hits / (double)(6 * lines);
			if (repl == CACHE_LRU)
				assert_true(h == 0);
			else if (h < 0.38 || h > 0.46)
				fail_msg("level %d at random: hit share %.3f, not about 0.42", level, h);
			cache_fini(&c);
		}
}

static void test_random_replacement(void **state)
{
	(void)state;
	struct cache lru, a, b;
	/* LRU keeps nothing of a cycle larger than itself. */
	assert_true(cycle_llc_hits(CACHE_LRU, &lru) == 0);
	/* At random, a line survives the (1 - h) 2W misses its set takes
	 * before its turn comes again with probability exp(-2 (1 - h)) = h:
	 * h = 0.203. */
	double h = cycle_llc_hits(CACHE_RANDOM, &a);
	assert_true(h > 0.18 && h < 0.23);
	/* Reproducible: a second cache draws the same ways. */
	assert_true(cycle_llc_hits(CACHE_RANDOM, &b) == h);
	assert_memory_equal(a.lv[2].tag, b.lv[2].tag, (size_t)a.lv[2].sets * a.lv[2].ways * 4);
	/* An LLC hit leaves its set's order alone: lines 0 and 1 MiB share
	 * LLC set 0, 23 lines 64K apart in other LLC sets push both out of
	 * the L1 and L2 (which stay LRU), and line 0 then hits the LLC. */
	cache_flush(&a);
	cache_access(&a, 0);
	cache_access(&a, MiB);
	for (uint64_t k = 1; k <= 24; k++)
		if (k % 16)
			cache_access(&a, k * 65536);
	uint32_t before[16];
	memcpy(before, a.lv[2].tag, sizeof(before));
	assert_int_equal(before[0], (uint32_t)1 | 0x80000000u);
	assert_int_equal(cache_access(&a, 0), CL_LLC);
	assert_memory_equal(before, a.lv[2].tag, sizeof(before));
	check(&a);
	for (uint64_t i = 2; i < 16; i++)
		cache_access(&a, i * MiB);
	/* A full set gives up one way for the 17th line: 16 of 17 remain. */
	cache_access(&a, 16 * MiB);
	int kept = 0;
	for (uint64_t i = 0; i <= 16; i++)
		for (int w = 0; w < 16; w++)
			kept += a.lv[2].tag[w] == ((uint32_t)((i * MiB / 64) >> a.lv[2].set_bits) | 0x80000000u);
	assert_int_equal(kept, 16);
	check(&a);
	a.rng = (struct rng){{0}};
	struct tpt_err e;
	assert_int_equal(cache_check(&a, &e), -1);
	cache_fini(&lru);
	cache_fini(&a);
	cache_fini(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_levels_and_fill),
		cmocka_unit_test(test_llc_and_lru),
		cmocka_unit_test(test_checker_catches_duplicate),
		cmocka_unit_test(test_random_replacement),
		cmocka_unit_test(test_inner_random_replacement),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
