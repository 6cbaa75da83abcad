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

/* A run comes whole from memory never handed out; the rest of its last
 * 1 GiB chunk is free 2M frames; no run longer than what is left. */
static void test_runs(void **state)
{
	(void)state;
	struct frames f;
	struct tpt_err e;
	uint64_t p, q, used;
	assert_int_equal(frames_init(&f, 512, 4 * 262144, &e), 0); /* 2M .. 4G: 3 whole 1G chunks */
	assert_int_equal(frames_alloc(&f, FRAME_4K, &p), 0);
	used = f.used;
	assert_int_equal(frames_alloc_run(&f, 262144 + 1024, &p), 0); /* 1G + 4M */
	assert_int_equal(p % 262144, 0);
	assert_int_equal(f.used, used + 262144 + 1024);
	check(&f);
	/* The tail of the second chunk is handed out as 2M frames, outside the run. */
	for (int i = 0; i < 510; i++) {
		assert_int_equal(frames_alloc(&f, FRAME_2M, &q), 0);
		assert_true(q >= p + 262144 + 1024 || q < p);
	}
	check(&f);
	assert_int_equal(frames_alloc_run(&f, 2 * 262144, &q), -1); /* one whole chunk left */
	assert_int_equal(frames_alloc_run(&f, 100, &q), -1);         /* not a 2M multiple */
	assert_int_equal(frames_alloc_run(&f, 262144, &q), 0);
	assert_int_equal(q, p + 2 * 262144);
	check(&f);
	frames_fini(&f);
}

/* frames_scatter: 4K frames come at random from a pool of 64 split 2M
 * chunks, each once, the same for a seed; 2M frames keep their alignment;
 * every frame of a small memory is still handed out, none twice. */
static void test_scatter(void **state)
{
	(void)state;
	struct frames f, g;
	struct tpt_err e;
	int n;
	assert_int_equal(frames_init(&f, 512, 4 * 262144, &e), 0); /* 2M .. 4G */
	assert_int_equal(frames_init(&g, 512, 4 * 262144, &e), 0);
	frames_scatter(&f, 7);
	frames_scatter(&g, 7);
	/* 256 frames (1 MiB): over the pool, in no order; a 1 MiB L2 of 16
	 * ways has 16 page colours, which they fill unevenly. */
	uint64_t lo = UINT64_MAX, hi = 0, p, q;
	unsigned colour[16] = {0}, ascending = 0, most = 0;
	for (int i = 0; i < 256; i++) {
		assert_int_equal(frames_alloc(&f, FRAME_4K, &p), 0);
		assert_int_equal(frames_alloc(&g, FRAME_4K, &q), 0);
		assert_int_equal(p, q); /* the same seed, the same frames */
		assert_true(p >= 512 && p < 4 * 262144);
		ascending += p > hi && hi;
		lo = p < lo ? p : lo;
		hi = p > hi ? p : hi;
		colour[p % 16]++;
	}
	check(&f);
	assert_true(hi - lo > 32 * 512); /* from well beyond one 2M chunk */
	assert_true(ascending < 32);     /* a running maximum rises about ln 256 times */
	for (int c = 0; c < 16; c++)
		most = colour[c] > most ? colour[c] : most;
	assert_true(most > 16);
	assert_int_equal(f.used, 256);
	assert_int_equal(frames_alloc(&f, FRAME_2M, &p), 0);
	assert_int_equal(p % 512, 0);
	check(&f);
	frames_fini(&f);
	frames_fini(&g);
	/* The pool takes at most an eighth of the frames: a 64 MiB memory
	 * keeps 28 of its 32 chunks for 2M requests after a 4K draw. */
	assert_int_equal(frames_init(&f, 512, 512 + 16384, &e), 0);
	frames_scatter(&f, 3);
	assert_int_equal(frames_alloc(&f, FRAME_4K, &p), 0);
	n = 0;
	while (frames_alloc(&f, FRAME_2M, &q) == 0)
		n++;
	assert_int_equal(n, 32 - 4);
	check(&f);
	frames_fini(&f);
	/* 6 MiB: three chunks, all of them pooled; each frame once. */
	assert_int_equal(frames_init(&f, 512, 2048, &e), 0);
	frames_scatter(&f, 1);
	static uint8_t seen[2048];
	memset(seen, 0, sizeof(seen));
	n = 0;
	while (frames_alloc(&f, FRAME_4K, &p) == 0) {
		assert_true(p >= 512 && p < 2048 && !seen[p]);
		seen[p] = 1;
		n++;
	}
	assert_int_equal(n, 1536);
	check(&f);
	frames_fini(&f);
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
		cmocka_unit_test(test_runs),
		cmocka_unit_test(test_scatter),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
