/* SPDX-License-Identifier: MIT */
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

/* A model of true LRU: keys with their last use, the victim the least recent. */
struct lru_model {
	uint64_t key[8], at[8];
	unsigned n;
	uint64_t clock;
};

static int model_find(const struct lru_model *m, uint64_t key)
{
	for (unsigned i = 0; i < m->n; i++)
		if (m->key[i] == key)
			return (int)i;
	return -1;
}

/* Random lookups, inserts and flushes against the model: the buffer keeps
 * exactly the keys true LRU keeps, and its checker (the recency list
 * included) holds after every step. */
static void test_fa_is_true_lru(void **state)
{
	(void)state;
	struct fa f;
	struct lru_model m = {0};
	struct rng r;
	struct tpt_err e;
	rng_seed(&r, 42);
	assert_int_equal(fa_init(&f, 8), 0);
	for (int step = 0; step < 200000; step++) {
		uint64_t key = rng_below(&r, 24), v;
		unsigned op = (unsigned)rng_below(&r, 100);
		int at = model_find(&m, key);
		if (op < 2) {
			/* Drop every key with the same low bit as this one. */
			fa_flush_match(&f, key, 1);
			unsigned k = 0;
			for (unsigned i = 0; i < m.n; i++)
				if ((m.key[i] & 1) != (key & 1)) {
					m.key[k] = m.key[i];
					m.at[k++] = m.at[i];
				}
			m.n = k;
		} else if (op < 3) {
			fa_flush(&f);
			m.n = 0;
		} else {
			bool hit = fa_lookup(&f, key, &v);
			assert_int_equal(hit, at >= 0);
			if (hit) {
				assert_int_equal(v, key * 3);
				m.at[at] = ++m.clock;
			} else {
				fa_insert(&f, key, ~0ULL, key * 3);
				unsigned slot = m.n;
				if (m.n == 8) {
					slot = 0;
					for (unsigned i = 1; i < 8; i++)
						if (m.at[i] < m.at[slot])
							slot = i;
				} else {
					m.n++;
				}
				m.key[slot] = key;
				m.at[slot] = ++m.clock;
			}
		}
		if (fa_check(&f, "lru", &e))
			fail_msg("step %d: %s", step, e.msg);
		assert_int_equal(f.used, m.n);
	}
	fa_fini(&f);
}

/* The buffer as it was before its hash: slots in order, the first whose
 * masked key matches wins, the least recently used slot is replaced in
 * place, a masked flush keeps the others in slot order. */
struct scan_model {
	uint64_t tag[48], mask[48], val[48], at[48];
	unsigned n, cap;
	uint64_t clock;
};

static int scan_find(const struct scan_model *m, uint64_t key)
{
	for (unsigned i = 0; i < m->n; i++)
		if ((key & m->mask[i]) == m->tag[i])
			return (int)i;
	return -1;
}

/* Lookups, inserts under several masks (2M-style entries over 4K keys, and
 * more distinct masks than the hash follows, which falls back to the scan),
 * masked and whole flushes: every answer is the scan's, and the checker
 * (the hash and the mask counts included) holds after every step. */
static void test_fa_matches_a_scan(void **state)
{
	(void)state;
	static const uint64_t masks[6] = {~0ULL, ~511ULL, ~3ULL, ~7ULL, ~1ULL, ~15ULL};
	struct tpt_err e;
	struct rng r;
	rng_seed(&r, 7);
	for (unsigned nmasks = 1; nmasks <= 6; nmasks++) {
		struct fa f;
		/* Odd rounds fit the scan (and its filters), even ones get the hash. */
		struct scan_model m = {.cap = nmasks % 2 ? 6 + nmasks : FA_SCAN_MAX + 2 * nmasks};
		bool scanned = false;
		assert_int_equal(fa_init(&f, m.cap), 0);
		for (int step = 0; step < 40000; step++) {
			uint64_t key = rng_below(&r, 2048), v;
			unsigned op = (unsigned)rng_below(&r, 200);
			if (op == 0) {
				uint64_t fm = rng_below(&r, 2) ? 1 : ~0ULL;
				fa_flush_match(&f, key, fm);
				unsigned k = 0;
				for (unsigned i = 0; i < m.n; i++)
					if ((m.tag[i] & fm) != (key & fm)) {
						m.tag[k] = m.tag[i];
						m.mask[k] = m.mask[i];
						m.val[k] = m.val[i];
						m.at[k++] = m.at[i];
					}
				m.n = k;
			} else if (op == 1) {
				fa_flush(&f);
				m.n = 0;
			} else {
				int at = scan_find(&m, key);
				bool hit = fa_lookup(&f, key, &v);
				assert_int_equal(hit, at >= 0);
				if (hit) {
					assert_int_equal(v, m.val[at]);
					m.at[at] = ++m.clock;
				} else {
					uint64_t mask = masks[rng_below(&r, nmasks)];
					fa_insert(&f, key, mask, key * 5 + 1);
					unsigned slot = m.n;
					if (m.n == m.cap) {
						slot = 0;
						for (unsigned i = 1; i < m.n; i++)
							if (m.at[i] < m.at[slot])
								slot = i;
					} else {
						m.n++;
					}
					m.tag[slot] = key & mask;
					m.mask[slot] = mask;
					m.val[slot] = key * 5 + 1;
					m.at[slot] = ++m.clock;
				}
			}
			if (fa_check(&f, "scan", &e))
				fail_msg("masks %u, step %d: %s", nmasks, step, e.msg);
			assert_int_equal(f.used, m.n);
			scanned |= f.scan;
		}
		assert_int_equal(scanned, nmasks > FA_MASKS); /* a small buffer's filters, a large one's hash */
		fa_fini(&f);
	}
}

/* The checker finds a hash that lost an entry or holds a stray one. */
static void test_fa_check_sees_the_hash(void **state)
{
	(void)state;
	struct fa f;
	struct tpt_err e;
	assert_int_equal(fa_init(&f, FA_SCAN_MAX + 1), 0);
	fa_insert(&f, 10, ~0ULL, 1);
	fa_insert(&f, 20, ~0ULL, 2);
	assert_int_equal(fa_check(&f, "h", &e), 0);
	uint32_t b = 0;
	while (f.hash[b] != 2) /* slot 1, key 20 */
		b++;
	f.hash[b] = 0;
	assert_int_equal(fa_check(&f, "h", &e), -1);
	assert_non_null(strstr(e.msg, "hash holds 1 of 2"));
	f.hash[b] = 2;
	f.hash[(b + 1) & f.hmask] = f.hash[(b + 1) & f.hmask] ? f.hash[(b + 1) & f.hmask] : 9;
	assert_int_equal(fa_check(&f, "h", &e), -1);
	f.hash[(b + 1) & f.hmask] = 0;
	f.mask_refs[0] = 5;
	assert_int_equal(fa_check(&f, "h", &e), -1);
	assert_non_null(strstr(e.msg, "mask 0 counts 5"));
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
		cmocka_unit_test(test_fa_is_true_lru),
		cmocka_unit_test(test_fa_matches_a_scan),
		cmocka_unit_test(test_fa_check_sees_the_hash),
		cmocka_unit_test(test_pwc_deepest_level),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
