/* SPDX-License-Identifier: MIT */
/* test_util.c - parsing, formatting, the RNG and huge-page arrays. */
#include "helpers.h"

static void test_sizes(void **state)
{
	(void)state;
	uint64_t v;
	assert_int_equal(tpt_parse_size("4K", &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(tpt_parse_size("129G", &v), 0);
	assert_int_equal(v, 129 * GiB);
	assert_int_equal(tpt_parse_size("2MiB", &v), 0);
	assert_int_equal(v, 2 * MiB);
	assert_int_equal(tpt_parse_size("1t", &v), 0);
	assert_int_equal(v, 1024 * GiB);
	assert_int_equal(tpt_parse_size("4096", &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(tpt_parse_size("4X", &v), -1);
	assert_int_equal(tpt_parse_size("", &v), -1);
	assert_int_equal(tpt_parse_size("-4K", &v), -1);
	assert_int_equal(tpt_parse_size("4KK", &v), -1);
	assert_int_equal(tpt_parse_size("99999999999999999999", &v), -1);
	assert_int_equal(tpt_parse_size("20000000T", &v), -1); /* overflows */
	char buf[32];
	assert_string_equal(tpt_format_size(4096, buf), "4K");
	assert_string_equal(tpt_format_size(3 * GiB, buf), "3G");
	assert_string_equal(tpt_format_size(1280 * KiB, buf), "1280K");
	assert_string_equal(tpt_format_size(4097, buf), "4097");
}

static void test_counts(void **state)
{
	(void)state;
	uint64_t v;
	assert_int_equal(tpt_parse_count("10M", &v), 0);
	assert_int_equal(v, 10000000);
	assert_int_equal(tpt_parse_count("4K", &v), 0);
	assert_int_equal(v, 4000);
	assert_int_equal(tpt_parse_count("x", &v), -1);
	char buf[32];
	assert_string_equal(tpt_format_count(10000000, buf), "10M");
	assert_string_equal(tpt_format_count(1500, buf), "1500");
	assert_int_equal(tpt_parse_u64("12", &v), 0);
	assert_int_equal(v, 12);
	assert_int_equal(tpt_parse_u64("12k", &v), -1);
}

static void test_rng(void **state)
{
	(void)state;
	struct rng a, b;
	rng_seed(&a, 42);
	rng_seed(&b, 42);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(rng_next(&a), rng_next(&b));
	rng_seed(&b, 43);
	assert_true(rng_next(&a) != rng_next(&b));
	/* rng_below stays in range and covers it roughly evenly. */
	unsigned hist[10] = {0};
	for (int i = 0; i < 100000; i++) {
		uint64_t x = rng_below(&a, 10);
		assert_true(x < 10);
		hist[x]++;
	}
	for (int i = 0; i < 10; i++)
		assert_true(hist[i] > 9000 && hist[i] < 11000);
	for (int i = 0; i < 1000; i++) {
		double d = rng_double(&a);
		assert_true(d >= 0 && d < 1);
	}
}

/* Huge-page arrays: on a 2 MiB boundary, zeroed, all of it writable. */
static void test_huge_alloc(void **state)
{
	(void)state;
	const size_t sizes[] = {1, 4096, (2u << 20) + 8, 5u << 20};
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		uint8_t *p = tpt_huge_alloc(sizes[k]);
		assert_non_null(p);
		assert_int_equal((uintptr_t)p % (2u << 20), 0);
		for (size_t i = 0; i < sizes[k]; i += 4096)
			assert_int_equal(p[i], 0);
		assert_int_equal(p[sizes[k] - 1], 0);
		memset(p, 0xa5, sizes[k]);
		assert_int_equal(p[sizes[k] - 1], 0xa5);
		tpt_huge_free(p, sizes[k]);
	}
	tpt_huge_free(NULL, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_rng),
		cmocka_unit_test(test_huge_alloc),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
