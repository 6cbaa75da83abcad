/* SPDX-License-Identifier: MIT */
/* test_frame.c - the frame allocator, checked after every change. */
#include "helpers.h"

static void check(struct frames *f)
{
	struct tpt_err e;
	if (frames_check(f, &e))
		fail_msg("%s", e.msg);
}

static void test_alloc_sizes_aligned(void **state)
{
	(void)state;
	struct frames f;
	struct tpt_err e;
	assert_int_equal(frames_init(&f, 512, 4 * 262144, &e), 0); /* 2M .. 4G */
	check(&f);
	uint64_t p, q, g;
	assert_int_equal(frames_alloc(&f, FRAME_4K, &p), 0);
	assert_int_equal(p, 512); /* lowest first */
	/* The 2M chunk split for it is not in use: one frame is. */
	assert_int_equal(f.used, 1);
	assert_int_equal(f.peak, 1);
	assert_int_equal(frames_alloc(&f, FRAME_4K, &q), 0);
	assert_int_equal(q, 513);
	assert_int_equal(frames_alloc(&f, FRAME_2M, &q), 0);
	assert_int_equal(q % 512, 0);
	assert_int_equal(frames_alloc(&f, FRAME_1G, &g), 0);
	assert_int_equal(g % 262144, 0);
	assert_true(g >= 262144);
	assert_int_equal(f.used, 2 + 512 + 262144);
	assert_int_equal(f.peak, 2 + 512 + 262144);
	check(&f);
	frames_free(&f, p, FRAME_4K);
	frames_free(&f, g, FRAME_1G);
	assert_int_equal(f.used, 1 + 512);
	assert_int_equal(f.peak, 2 + 512 + 262144); /* the high-water mark stays */
	check(&f);
	uint64_t again;
	assert_int_equal(frames_alloc(&f, FRAME_1G, &again), 0);
	assert_int_equal(again, g); /* reused */
	frames_fini(&f);
}

static void test_exhaustion(void **state)
{
	(void)state;
	struct frames f;
	struct tpt_err e;
	assert_int_equal(frames_init(&f, 512, 2048, &e), 0); /* 6 MiB: three 2M chunks */
	uint64_t p;
	int n = 0;
	while (frames_alloc(&f, FRAME_4K, &p) == 0) {
		assert_true(p >= 512 && p < 2048);
		n++;
	}
	assert_int_equal(n, 1536);
	assert_int_equal(frames_alloc(&f, FRAME_2M, &p), -1);
	assert_int_equal(frames_alloc(&f, FRAME_1G, &p), -1);
	check(&f);
	frames_fini(&f);
	assert_int_equal(frames_init(&f, 100, 2048, &e), -1); /* not 2M-aligned */
}

static void test_checker_catches_double_free(void **state)
{
	(void)state;
	struct frames f;
	struct tpt_err e;
	assert_int_equal(frames_init(&f, 512, 262144 * 2, &e), 0);
	uint64_t p;
	assert_int_equal(frames_alloc(&f, FRAME_4K, &p), 0);
	frames_free(&f, p, FRAME_4K);
	frames_free(&f, p, FRAME_4K);
	assert_int_equal(frames_check(&f, &e), -1);
	assert_non_null(strstr(e.msg, "overlap"));
	frames_fini(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alloc_sizes_aligned),
		cmocka_unit_test(test_exhaustion),
		cmocka_unit_test(test_checker_catches_double_free),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
