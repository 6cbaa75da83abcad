/* test_pt.c - radix page tables: map, look up, unmap, hooks, checker. */
#include "helpers.h"

struct env {
	struct hostmem hm;
	struct frames f;
	unsigned writes;
	uint64_t last_va;
	int last_level;
};

static int alloc(void *ctx, const struct pt *pt, uint64_t *addr)
{
	struct env *v = ctx;
	uint64_t pfn;
	(void)pt;
	if (frames_alloc(&v->f, FRAME_4K, &pfn))
		return -1;
	hostmem_zero_frame(&v->hm, pfn);
	*addr = pfn << PAGE_SHIFT;
	return 0;
}

static void release(void *ctx, const struct pt *pt, uint64_t addr)
{
	struct env *v = ctx;
	(void)pt;
	frames_free(&v->f, addr >> PAGE_SHIFT, FRAME_4K);
}

static void written(void *ctx, const struct pt *pt, uint64_t va, uint64_t table, unsigned idx,
		    int level, uint64_t old, uint64_t val)
{
	struct env *v = ctx;
	(void)pt, (void)table, (void)idx, (void)old, (void)val;
	v->writes++;
	v->last_va = va;
	v->last_level = level;
}

static const struct pt_ops ops = {.alloc = alloc, .free = release, .on_write = written};

static struct env *env_new(void)
{
	struct env *v = calloc(1, sizeof(*v));
	struct tpt_err e;
	assert_int_equal(hostmem_init(&v->hm, 8 * GiB, &e), 0);
	assert_int_equal(frames_init(&v->f, 512, 8 * 262144, &e), 0);
	return v;
}

static void env_free(struct env *v)
{
	frames_fini(&v->f);
	hostmem_fini(&v->hm);
	free(v);
}

static void check(struct pt *pt)
{
	struct tpt_err e;
	if (pt_check(pt, &e))
		fail_msg("%s", e.msg);
}

static void test_map_lookup_all_sizes(void **state)
{
	(void)state;
	for (int levels = 4; levels <= 5; levels++) {
		struct env *v = env_new();
		struct pt pt;
		assert_int_equal(pt_init(&pt, &v->hm, NULL, levels, 8 * GiB, &ops, v), 0);
		uint64_t base = levels == 5 ? (1ULL << 52) : (1ULL << 44);
		assert_int_equal(pt_map(&pt, base, 0x5000, 12, PTE_W), 0);
		assert_int_equal(pt_map(&pt, base + GiB, 0x40000000, 21, PTE_W), 0);
		assert_int_equal(pt_map(&pt, base + 2 * GiB, 0x80000000, 30, 0), 0);
		check(&pt);
		assert_int_equal(pt.pages, 1 + 512 + 512 * 512);
		/* Remapping a leaf changes no count; unmapping subtracts its size. */
		assert_int_equal(pt_map(&pt, base, 0x6000, 12, PTE_W), 0);
		assert_int_equal(pt.pages, 1 + 512 + 512 * 512);
		assert_int_equal(pt_unmap(&pt, base + GiB), 0);
		assert_int_equal(pt.pages, 1 + 512 * 512);
		assert_int_equal(pt_map(&pt, base + GiB, 0x40000000, 21, PTE_W), 0);
		assert_int_equal(pt_map(&pt, base, 0x5000, 12, PTE_W), 0);
		check(&pt);
		uint64_t pa, pte;
		unsigned sh;
		struct pt_path path;
		assert_int_equal(pt_lookup(&pt, base + 0x123, &pa, &sh, &pte, &path), 0);
		assert_int_equal(pa, 0x5123);
		assert_int_equal(sh, 12);
		assert_int_equal(path.n, levels);
		assert_true(pte & PTE_W);
		assert_int_equal(pt_lookup(&pt, base + GiB + 0x1fffff, &pa, &sh, &pte, &path), 0);
		assert_int_equal(pa, 0x40000000 + 0x1fffff);
		assert_int_equal(sh, 21);
		assert_int_equal(path.n, levels - 1);
		assert_int_equal(pt_lookup(&pt, base + 2 * GiB + 12345, &pa, &sh, &pte, NULL), 0);
		assert_int_equal(pa, 0x80000000 + 12345);
		assert_int_equal(sh, 30);
		assert_false(pte & PTE_W);
		assert_int_equal(pt_lookup(&pt, base + 4096, &pa, &sh, &pte, NULL), -1);
		/* Every entry read in place: the PTE sits in hostmem at its physical address. */
		uint64_t table = pt.root;
		for (int l = levels; l > 1; l--)
			table = *pt_slot(&pt, table, pt_index(base, l)) & PTE_ADDR;
		assert_int_equal(*hostmem_word(&v->hm, table + 8ULL * pt_index(base, 1)) & PTE_ADDR,
				 0x5000);
		env_free(v);
	}
}

static void test_overlap_and_unmap(void **state)
{
	(void)state;
	struct env *v = env_new();
	struct pt pt;
	assert_int_equal(pt_init(&pt, &v->hm, NULL, 4, 8 * GiB, &ops, v), 0);
	uint64_t va = 1ULL << 40;
	assert_int_equal(pt_map(&pt, va, 0x200000, 21, 0), 0);
	assert_int_equal(pt_map(&pt, va + 4096, 0x1000, 12, 0), -2); /* inside a 2M page */
	assert_int_equal(pt_map(&pt, va + 2 * MiB, 0x1000, 12, 0), 0);
	assert_int_equal(pt_map(&pt, va + 2 * MiB, 0x400000, 21, 0), -2); /* over a table */
	uint64_t tables = pt.tables;
	assert_int_equal(tables, 4); /* PML4, PDPT, PD, one PT */
	check(&pt);
	assert_int_equal(pt_unmap(&pt, va + 2 * MiB + 5), 0);
	assert_int_equal(pt.tables, 3); /* the emptied PT is freed */
	check(&pt);
	assert_int_equal(pt_unmap(&pt, va + 2 * MiB), -1);
	assert_int_equal(pt_unmap(&pt, va), 0);
	assert_int_equal(pt.tables, 1); /* only the root is left */
	check(&pt);
	pt_destroy(&pt);
	assert_int_equal(v->f.used, 0);
	env_free(v);
}

static int count_leaf(void *ctx, uint64_t va, uint64_t pte, unsigned shift)
{
	uint64_t *n = ctx;
	(void)pte;
	assert_int_equal(va & ((1ULL << shift) - 1), 0);
	(*n)++;
	return 0;
}

static void test_hooks_and_foreach(void **state)
{
	(void)state;
	struct env *v = env_new();
	struct pt pt;
	assert_int_equal(pt_init(&pt, &v->hm, NULL, 4, 8 * GiB, &ops, v), 0);
	uint64_t va = (1ULL << 40) + 7 * PAGE_SIZE;
	assert_int_equal(pt_map(&pt, va, 0x9000, 12, 0), 0);
	assert_int_equal(v->writes, 4); /* three new tables linked, one leaf */
	assert_int_equal(v->last_level, 1);
	assert_int_equal(v->last_va, va);
	assert_int_equal(pt_map(&pt, va + PAGE_SIZE, 0xa000, 12, 0), 0);
	assert_int_equal(v->writes, 5);
	uint64_t n = 0;
	assert_int_equal(pt_foreach(&pt, count_leaf, &n), 0);
	assert_int_equal(n, 2);
	env_free(v);
}

static void test_checker_catches_corruption(void **state)
{
	(void)state;
	struct env *v = env_new();
	struct pt pt;
	struct tpt_err e;
	assert_int_equal(pt_init(&pt, &v->hm, NULL, 4, 8 * GiB, &ops, v), 0);
	assert_int_equal(pt_map(&pt, 1ULL << 40, 0x200000, 21, 0), 0);
	check(&pt);
	/* A PS bit at level 1 is illegal. */
	uint64_t table = pt.root;
	for (int l = 4; l > 2; l--)
		table = *pt_slot(&pt, table, pt_index(1ULL << 40, l)) & PTE_ADDR;
	uint64_t *pde = pt_slot(&pt, table, pt_index(1ULL << 40, 2));
	*pde = (*pde & ~PTE_ADDR) | 0x201000; /* misaligned 2M leaf */
	assert_int_equal(pt_check(&pt, &e), -1);
	assert_non_null(strstr(e.msg, "aligned"));
	*pde = (*pde & ~PTE_ADDR) | (16 * GiB); /* beyond memory */
	assert_int_equal(pt_check(&pt, &e), -1);
	*pde = (*pde & ~PTE_ADDR) | 0x200000 | (1ULL << 52); /* reserved bit */
	assert_int_equal(pt_check(&pt, &e), -1);
	/* A leaf the count does not know of. */
	*pde = (*pde & ~(PTE_ADDR | (1ULL << 52))) | 0x200000;
	check(&pt);
	pt.pages++;
	assert_int_equal(pt_check(&pt, &e), -1);
	assert_non_null(strstr(e.msg, "pages"));
	pt.pages--;
	env_free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_map_lookup_all_sizes),
		cmocka_unit_test(test_overlap_and_unmap),
		cmocka_unit_test(test_hooks_and_foreach),
		cmocka_unit_test(test_checker_catches_corruption),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
