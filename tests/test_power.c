/*
 * test_power.c - the e500v2 MMU model: the paper's page-split example
 * reproduced exactly, random splits covering their page with aligned,
 * supported, non-overlapping entries, and TLB0/TLB1 lookups.
 */
#include "helpers.h"

#include "power/e500tlb.h"

#define MiB (1ULL << 20)

/* ASPLOS 2013, adaptive page resizing: the kernel's 256 MiB page at
 * 0xc0000000 broken around a patch at 0xc0801234 with a 4 MiB patch page. */
static void test_paper_split(void **st)
{
	(void)st;
	struct e500_tlbe p = {.ea = 0xc0000000, .pa = 0, .size = 256 * MiB, .perm = E500_SR | E500_SW | E500_SX,
			      .valid = true};
	struct e500_tlbe out[E500_TLB1];
	static const struct {
		uint64_t ea, size;
	} want[] = {
		{0xc0000000, 4 * MiB},  {0xc0400000, 4 * MiB},  {0xc0800000, 4 * MiB}, /* the patch page */
		{0xc0c00000, 4 * MiB},  {0xc1000000, 16 * MiB}, {0xc2000000, 16 * MiB},
		{0xc3000000, 16 * MiB}, {0xc4000000, 64 * MiB}, {0xc8000000, 64 * MiB},
		{0xcc000000, 64 * MiB},
	};
	int n = e500_split(&p, 0xc0801234, 4 * MiB, out, E500_TLB1);
	assert_int_equal(n, 10);
	for (int i = 0; i < n; i++) {
		assert_int_equal(out[i].ea, want[i].ea);
		assert_int_equal(out[i].size, want[i].size);
		assert_int_equal(out[i].pa, out[i].ea - 0xc0000000);
		assert_int_equal(out[i].ea % out[i].size, 0);
		assert_true(e500_size_ok(out[i].size));
		assert_int_equal(out[i].perm, p.perm);
	}
	/* Too few slots, a patch outside the page, an unsupported size: refused. */
	assert_int_equal(e500_split(&p, 0xc0801234, 4 * MiB, out, 9), -1);
	assert_int_equal(e500_split(&p, 0xd0000000, 4 * MiB, out, E500_TLB1), -1);
	assert_int_equal(e500_split(&p, 0xc0801234, 8 * MiB, out, E500_TLB1), -1);
}

static void test_random_splits(void **st)
{
	(void)st;
	uint64_t x = 2013;
	for (int i = 0; i < 5000; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		int k = 2 + (int)(x % 9), pk = 1 + (int)((x >> 8) % (unsigned)k);
		uint64_t size = 4096ULL << (2 * k), psize = 4096ULL << (2 * (pk - 1));
		uint64_t ea = ((x >> 16) % 4) * size, at = ea + (x >> 24) % size;
		struct e500_tlbe p = {.ea = ea, .pa = ea + size * 8, .size = size, .valid = true};
		struct e500_tlbe out[64];
		int n = e500_split(&p, at, psize, out, 64);
		assert_true(n >= 1);
		uint64_t next = ea;
		int patch = 0;
		for (int j = 0; j < n; j++) {
			assert_int_equal(out[j].ea, next); /* contiguous, in order: no gap, no overlap */
			assert_true(e500_size_ok(out[j].size));
			assert_int_equal(out[j].ea % out[j].size, 0);
			assert_int_equal(out[j].pa - p.pa, out[j].ea - ea);
			patch += out[j].ea == (at & ~(psize - 1)) && out[j].size == psize;
			next += out[j].size;
		}
		assert_int_equal(next, ea + size);
		assert_int_equal(patch, 1);
		/* Each side uses at most 3 pages of a size (4 make the next size up). */
		assert_true(n <= 1 + 2 * 3 * k);
	}
}

static void test_tlb(void **st)
{
	(void)st;
	struct e500_tlb t;
	struct tpt_err e;
	e500_tlb_init(&t);
	struct e500_tlbe k = {.ea = 0xc0000000, .pa = 0, .size = 256 * MiB, .tid = 0, .valid = true};
	assert_int_equal(e500_tlb_write(&t, &k, 0), 0);
	struct e500_tlbe u = {.ea = 0x10000000, .pa = 0x200000, .size = 4096, .tid = 5, .valid = true};
	assert_int_equal(e500_tlb_write(&t, &u, -1), 0);
	assert_int_equal(e500_tlb_check(&t, &e), 0);
	assert_ptr_equal(e500_tlb_lookup(&t, 0xc7654321, 9), &t.tlb1[0]); /* global */
	assert_non_null(e500_tlb_lookup(&t, 0x10000abc, 5));
	assert_null(e500_tlb_lookup(&t, 0x10000abc, 6)); /* another process */
	assert_null(e500_tlb_lookup(&t, 0x10001000, 5));
	/* TLB0 sets are 4-way, round robin: a fifth page of a set evicts the first. */
	for (uint64_t w = 1; w <= 4; w++) {
		struct e500_tlbe v = u;
		v.ea += w * 128 * 4096;
		assert_int_equal(e500_tlb_write(&t, &v, -1), 0);
	}
	assert_null(e500_tlb_lookup(&t, 0x10000abc, 5));
	assert_non_null(e500_tlb_lookup(&t, 0x10000000 + 4 * 128 * 4096, 5));
	/* Unaligned or unsupported entries are refused; overlap is caught. */
	struct e500_tlbe bad = {.ea = 0x1000, .size = 8192, .valid = true};
	assert_int_equal(e500_tlb_write(&t, &bad, 1), -1);
	bad.size = 16384;
	assert_int_equal(e500_tlb_write(&t, &bad, 1), -1);
	struct e500_tlbe over = {.ea = 0xc4000000, .pa = 0x4000000, .size = 64 * MiB, .valid = true};
	assert_int_equal(e500_tlb_write(&t, &over, 1), 0);
	assert_int_not_equal(e500_tlb_check(&t, &e), 0);
	assert_non_null(strstr(e.msg, "overlap"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paper_split),
		cmocka_unit_test(test_random_splits),
		cmocka_unit_test(test_tlb),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
