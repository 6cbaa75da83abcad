/* SPDX-License-Identifier: MIT */
/* test_tlb.c - L1 DTLBs and STLB: hits, LRU eviction, permissions, flushes. */
#include "helpers.h"

static struct tlb *tlb_new(struct tpt_config *c)
{
	struct tlb *t = calloc(1, sizeof(*t));
	assert_int_equal(tlb_init(t, c), 0);
	return t;
}

static void check(struct tlb *t)
{
	struct tpt_err e;
	if (tlb_check(t, &e))
		fail_msg("%s", e.msg);
}

static void test_fill_hit_levels(void **state)
{
	(void)state;
	struct tpt_config c;
	config_defaults(&c);
	struct tlb *t = tlb_new(&c);
	uint64_t pa;
	assert_int_equal(tlb_lookup(t, 0x1234000, 1, false, &pa), TLB_MISS);
	tlb_fill(t, 0x1234000, 1, 12, 0x99000, true);
	assert_int_equal(tlb_lookup(t, 0x1234abc, 1, false, &pa), TLB_HIT_L1);
	assert_int_equal(pa, 0x99abc);
	assert_int_equal(tlb_lookup(t, 0x1234abc, 2, false, &pa), TLB_MISS); /* other asid */
	/* 2M and 1G entries are found by any address inside them. */
	tlb_fill(t, 0x40000000, 1, 21, 0x80000000, true);
	tlb_fill(t, 0x80000000, 1, 30, 0x1c0000000, false);
	assert_int_equal(tlb_lookup(t, 0x401fffff, 1, false, &pa), TLB_HIT_L1);
	assert_int_equal(pa, 0x801fffff);
	assert_int_equal(tlb_lookup(t, 0xbfffffff, 1, false, &pa), TLB_HIT_L1);
	assert_int_equal(pa, 0x1ffffffff);
	/* A write to a read-only entry misses, so the walk can fault. */
	assert_int_equal(tlb_lookup(t, 0x80000000, 1, true, &pa), TLB_MISS);
	check(t);
	tlb_fini(t);
	free(t);
}

static void test_l1_eviction_then_stlb_hit(void **state)
{
	(void)state;
	struct tpt_config c;
	config_defaults(&c);
	struct tlb *t = tlb_new(&c);
	uint64_t pa;
	/* 4K L1: 16 sets x 4 ways. Five pages in one set evict the first from L1 only. */
	for (uint64_t i = 0; i < 5; i++)
		tlb_fill(t, i * 16 * PAGE_SIZE, 1, 12, (i + 100) * PAGE_SIZE, true);
	assert_int_equal(tlb_lookup(t, 0, 1, false, &pa), TLB_HIT_L2);
	assert_int_equal(pa, 100 * PAGE_SIZE);
	assert_int_equal(tlb_lookup(t, 0, 1, false, &pa), TLB_HIT_L1); /* refilled into L1 */
	/* The STLB (128 sets x 12 ways): thirteen pages in one set evict the first. */
	for (uint64_t i = 0; i < 13; i++)
		tlb_fill(t, (1ULL << 32) + i * 128 * PAGE_SIZE, 1, 12, i * PAGE_SIZE, true);
	assert_int_equal(tlb_lookup(t, 1ULL << 32, 1, false, &pa), TLB_MISS);
	assert_int_equal(tlb_lookup(t, (1ULL << 32) + 12 * 128 * PAGE_SIZE, 1, false, &pa),
			 TLB_HIT_L1);
	check(t);
	tlb_fini(t);
	free(t);
}

static void test_lru_not_fifo(void **state)
{
	(void)state;
	struct tpt_config c;
	config_defaults(&c);
	struct tlb *t = tlb_new(&c);
	uint64_t pa;
	for (uint64_t i = 0; i < 4; i++)
		tlb_fill(t, i * 16 * PAGE_SIZE, 1, 12, i * PAGE_SIZE, true);
	/* Touch the oldest; the next fill must evict the second oldest. */
	assert_int_equal(tlb_lookup(t, 0, 1, false, &pa), TLB_HIT_L1);
	assert_int_equal(tlb_lookup(t, 16 * PAGE_SIZE + 8, 1, false, &pa), TLB_HIT_L1);
	assert_int_equal(tlb_lookup(t, 0, 1, false, &pa), TLB_HIT_L1);
	tlb_fill(t, 4 * 16 * PAGE_SIZE, 1, 12, 4 * PAGE_SIZE, true);
	assert_int_equal(tlb_lookup(t, 0, 1, false, &pa), TLB_HIT_L1);
	assert_int_equal(tlb_lookup(t, 2 * 16 * PAGE_SIZE, 1, false, &pa), TLB_HIT_L2);
	check(t);
	tlb_fini(t);
	free(t);
}

static void test_flushes(void **state)
{
	(void)state;
	struct tpt_config c;
	config_defaults(&c);
	struct tlb *t = tlb_new(&c);
	uint64_t pa;
	tlb_fill(t, 0x1000, 1, 12, 0x5000, true);
	tlb_fill(t, 0x2000, 1, 12, 0x6000, true);
	tlb_fill(t, 0x1000, 2, 12, 0x7000, true);
	tlb_invlpg(t, 0x1000, 12, 1);
	assert_int_equal(tlb_lookup(t, 0x1000, 1, false, &pa), TLB_MISS);
	assert_int_equal(tlb_lookup(t, 0x2000, 1, false, &pa), TLB_HIT_L1);
	assert_int_equal(tlb_lookup(t, 0x1000, 2, false, &pa), TLB_HIT_L1);
	/* A 2M guest page backed by 4K host pages: INVLPG drops all its pieces. */
	tlb_fill(t, 0x40000000, 1, 12, 0x5000000, true);
	tlb_fill(t, 0x401ff000, 1, 12, 0x51ff000, true);
	tlb_fill(t, 0x40200000, 1, 12, 0x5200000, true);
	tlb_invlpg(t, 0x40000000, 21, 1);
	assert_int_equal(tlb_lookup(t, 0x40000000, 1, false, &pa), TLB_MISS);
	assert_int_equal(tlb_lookup(t, 0x401ff000, 1, false, &pa), TLB_MISS);
	assert_int_equal(tlb_lookup(t, 0x40200000, 1, false, &pa), TLB_HIT_L1);
	tlb_flush_asid(t, 2);
	assert_int_equal(tlb_lookup(t, 0x1000, 2, false, &pa), TLB_MISS);
	assert_int_equal(tlb_lookup(t, 0x2000, 1, false, &pa), TLB_HIT_L1);
	check(t);
	tlb_flush(t);
	assert_int_equal(tlb_lookup(t, 0x2000, 1, false, &pa), TLB_MISS);
	check(t);
	tlb_fini(t);
	free(t);
}

/* Size classes never filled are not looked at, and a full flush forgets
 * which were; the checker finds an entry of a class the TLB says it holds
 * none of. */
static void test_size_classes_skipped(void **state)
{
	(void)state;
	struct tpt_config c;
	config_defaults(&c);
	struct tlb *t = tlb_new(&c);
	struct tpt_err e;
	uint64_t pa;
	assert_int_equal(t->classes, 0);
	tlb_fill(t, 0x1234000, 1, 12, 0x99000, true);
	assert_int_equal(t->classes, 1);
	tlb_fill(t, 0x40000000, 1, 21, 0x80000000, true);
	assert_int_equal(t->classes, 3);
	assert_int_equal(tlb_lookup(t, 0x401fffff, 1, false, &pa), TLB_HIT_L1);
	check(t);
	tlb_flush_asid(t, 1); /* entries dropped, the classes kept: still right */
	assert_int_equal(t->classes, 3);
	check(t);
	tlb_flush(t);
	assert_int_equal(t->classes, 0);
	check(t);
	/* A 1G entry planted behind the TLB's back is caught. */
	tlb_fill(t, 0x1234000, 1, 12, 0x99000, true);
	t->l1[2].e[0].tag = 1ULL << 16 | 1 << 4 | 2 << 1 | 1;
	assert_int_equal(tlb_check(t, &e), -1);
	assert_non_null(strstr(e.msg, "never filled"));
	tlb_fini(t);
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fill_hit_levels),
		cmocka_unit_test(test_l1_eviction_then_stlb_hit),
		cmocka_unit_test(test_lru_not_fifo),
		cmocka_unit_test(test_flushes),
		cmocka_unit_test(test_size_classes_skipped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
