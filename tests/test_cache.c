/* SPDX-License-Identifier: MIT */
/* test_cache.c - the cache hierarchy: fills, LRU, levels, checker. */
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_levels_and_fill),
		cmocka_unit_test(test_llc_and_lru),
		cmocka_unit_test(test_checker_catches_duplicate),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
