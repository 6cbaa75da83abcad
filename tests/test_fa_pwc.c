/* test_fa_pwc.c - fully associative LRU buffers and the paging-structure caches. */
#include "helpers.h"

static void test_fa_lru_and_masks(void **state)
{
	(void)state;
	struct fa f;
	struct tpt_err e;
	uint64_t v;
	assert_int_equal(fa_init(&f, 3), 0);
	fa_insert(&f, 1, ~0ULL, 10);
	fa_insert(&f, 2, ~0ULL, 20);
	fa_insert(&f, 3, ~0ULL, 30);
	assert_true(fa_lookup(&f, 1, &v)); /* 1 becomes most recent */
	assert_int_equal(v, 10);
	fa_insert(&f, 4, ~0ULL, 40); /* evicts 2 */
	assert_false(fa_lookup(&f, 2, &v));
	assert_true(fa_lookup(&f, 3, &v));
	/* A masked entry matches every key under it (a 2M translation in 4K units). */
	fa_insert(&f, 0x1000, ~511ULL, 7);
	assert_true(fa_lookup(&f, 0x11ff, &v));
	assert_int_equal(v, 7);
	assert_false(fa_lookup(&f, 0x1200, &v));
	assert_int_equal(fa_check(&f, "t", &e), 0);
	/* Inserting a key that is cached breaks the contract: the checker says so. */
	fa_insert(&f, 0x1000, ~511ULL, 8);
	assert_int_equal(fa_check(&f, "t", &e), -1);
	assert_non_null(strstr(e.msg, "duplicate"));
	fa_flush_match(&f, 0x1000, ~511ULL);
	fa_insert(&f, 0x1000, ~511ULL, 7);
	fa_flush_match(&f, 0x1000, ~511ULL);
	assert_false(fa_lookup(&f, 0x1000, &v));
	fa_flush(&f);
	assert_false(fa_lookup(&f, 3, &v));
	fa_fini(&f);
	/* Capacity 0 is off: inserts are dropped. */
	assert_int_equal(fa_init(&f, 0), 0);
	fa_insert(&f, 1, ~0ULL, 1);
	assert_false(fa_lookup(&f, 1, &v));
	fa_fini(&f);
}

static void test_pwc_deepest_level(void **state)
{
	(void)state;
	struct tpt_config c;
	struct tpt_err e;
	config_defaults(&c);
	struct pwc p;
	assert_int_equal(pwc_init(&p, &c, false), 0);
	uint64_t va = (1ULL << 44) + 5 * GiB + 3 * MiB, t = 0;
	assert_int_equal(pwc_lookup(&p, va, 1, 4, &t), 4);
	pwc_fill(&p, 4, va, 1, 0xa000); /* PML4E -> PDPT */
	pwc_fill(&p, 3, va, 1, 0xb000); /* PDPTE -> PD */
	assert_int_equal(pwc_lookup(&p, va, 1, 4, &t), 2);
	assert_int_equal(t, 0xb000);
	pwc_fill(&p, 2, va, 1, 0xc000); /* PDE -> PT */
	assert_int_equal(pwc_lookup(&p, va, 1, 4, &t), 1);
	assert_int_equal(t, 0xc000);
	/* Another 2M region in the same 1G: only the PDPTE cache hits. */
	assert_int_equal(pwc_lookup(&p, va + 2 * MiB, 1, 4, &t), 2);
	assert_int_equal(pwc_lookup(&p, va, 2, 4, &t), 4); /* other asid */
	pwc_flush_asid(&p, 1);
	assert_int_equal(pwc_lookup(&p, va, 1, 4, &t), 4);
	assert_int_equal(pwc_check(&p, &e), 0);
	pwc_fini(&p);
	/* Switched off: nothing is ever cached. */
	assert_int_equal(pwc_init(&p, &c, true), 0);
	pwc_fill(&p, 2, va, 1, 0xc000);
	assert_int_equal(pwc_lookup(&p, va, 1, 4, &t), 4);
	pwc_fini(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fa_lru_and_masks),
		cmocka_unit_test(test_pwc_deepest_level),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
