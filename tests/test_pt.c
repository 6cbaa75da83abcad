/* SPDX-License-Identifier: MIT */
/* test_pt.c - radix page tables in every format: map, look up, unmap, hooks, checker. */
#include "helpers.h"

struct env {
	struct hostmem hm;
	struct frames f;
	unsigned writes;
	int refuse; /* what the write hook returns */
	uint64_t last_va;
	int last_level;
	void *alloc_arg, *free_arg, *write_arg; /* the caller's argument each hook saw last */
};

static int alloc(void *ctx, void *arg, const struct pt *pt, uint64_t *addr)
{
	struct env *v = ctx;
	uint64_t pfn;
	(void)pt;
	v->alloc_arg = arg;
	if (frames_alloc(&v->f, FRAME_4K, &pfn))
		return TPT_ENOMEM;
	hostmem_zero_frame(&v->hm, pfn);
	*addr = pfn << PAGE_SHIFT;
	return 0;
}

static void release(void *ctx, void *arg, const struct pt *pt, uint64_t addr)
{
	struct env *v = ctx;
	(void)pt;
	v->free_arg = arg;
	frames_free(&v->f, addr >> PAGE_SHIFT, FRAME_4K);
}

static int written(void *ctx, void *arg, const struct pt *pt, uint64_t va, uint64_t table, unsigned idx,
		   int level, uint64_t old, uint64_t val)
{
	struct env *v = ctx;
	(void)pt, (void)table, (void)idx, (void)old, (void)val;
	v->writes++;
	v->write_arg = arg;
	v->last_va = va;
	v->last_level = level;
	return v->refuse;
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

/* Each operation hands its caller's argument (the simulator's account) to
 * the hooks it runs. */
static void test_hook_arg(void **state)
{
	(void)state;
	struct env *v = env_new();
	struct pt pt;
	int init, map, unmap, destroy;
	assert_int_equal(pt_init(&pt, &init, &v->hm, NULL, 4, 8 * GiB, &ops, v), 0);
	assert_ptr_equal(v->alloc_arg, &init);
	assert_int_equal(pt_map(&pt, &map, 1ULL << 30, 0x5000, 12, PTE_W), 0);
	assert_ptr_equal(v->alloc_arg, &map);
	assert_ptr_equal(v->write_arg, &map);
	assert_int_equal(pt_unmap(&pt, &unmap, 1ULL << 30), 0);
	assert_ptr_equal(v->free_arg, &unmap);
	assert_ptr_equal(v->write_arg, &unmap);
	assert_int_equal(pt_install(&pt, &map, 1ULL << 31, 2, PTE_P | PTE_STOP), 0);
	assert_ptr_equal(v->alloc_arg, &map);
	pt_destroy(&pt, &destroy);
	assert_ptr_equal(v->free_arg, &destroy);
	env_free(v);
}

static void test_map_lookup_all_sizes(void **state)
{
	(void)state;
	for (int levels = 4; levels <= 5; levels++) {
		struct env *v = env_new();
		struct pt pt;
		assert_int_equal(pt_init(&pt, NULL, &v->hm, NULL, levels, 8 * GiB, &ops, v), 0);
		uint64_t base = levels == 5 ? (1ULL << 52) : (1ULL << 44);
		assert_int_equal(pt_map(&pt, NULL, base, 0x5000, 12, PTE_W), 0);
		assert_int_equal(pt_map(&pt, NULL, base + GiB, 0x40000000, 21, PTE_W), 0);
		assert_int_equal(pt_map(&pt, NULL, base + 2 * GiB, 0x80000000, 30, 0), 0);
		check(&pt);
		assert_int_equal(pt.pages, 1 + 512 + 512 * 512);
		/* Remapping a leaf changes no count; unmapping subtracts its size. */
		assert_int_equal(pt_map(&pt, NULL, base, 0x6000, 12, PTE_W), 0);
		assert_int_equal(pt.pages, 1 + 512 + 512 * 512);
		assert_int_equal(pt_unmap(&pt, NULL, base + GiB), 0);
		assert_int_equal(pt.pages, 1 + 512 * 512);
		assert_int_equal(pt_map(&pt, NULL, base + GiB, 0x40000000, 21, PTE_W), 0);
		assert_int_equal(pt_map(&pt, NULL, base, 0x5000, 12, PTE_W), 0);
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
		assert_int_equal(pt_lookup(&pt, base + 4096, &pa, &sh, &pte, NULL), TPT_ENOENT);
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
	assert_int_equal(pt_init(&pt, NULL, &v->hm, NULL, 4, 8 * GiB, &ops, v), 0);
	uint64_t va = 1ULL << 40;
	assert_int_equal(pt_map(&pt, NULL, va, 0x200000, 21, 0), 0);
	assert_int_equal(pt_map(&pt, NULL, va + 4096, 0x1000, 12, 0), TPT_EOVERLAP); /* inside a 2M page */
	assert_int_equal(pt_map(&pt, NULL, va + 2 * MiB, 0x1000, 12, 0), 0);
	assert_int_equal(pt_map(&pt, NULL, va + 2 * MiB, 0x400000, 21, 0), TPT_EOVERLAP); /* over a table */
	uint64_t tables = pt.tables;
	assert_int_equal(tables, 4); /* PML4, PDPT, PD, one PT */
	check(&pt);
	assert_int_equal(pt_unmap(&pt, NULL, va + 2 * MiB + 5), 0);
	assert_int_equal(pt.tables, 3); /* the emptied PT is freed */
	check(&pt);
	assert_int_equal(pt_unmap(&pt, NULL, va + 2 * MiB), TPT_ENOENT);
	assert_int_equal(pt_unmap(&pt, NULL, va), 0);
	assert_int_equal(pt.tables, 1); /* only the root is left */
	check(&pt);
	pt_destroy(&pt, NULL);
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
	assert_int_equal(pt_init(&pt, NULL, &v->hm, NULL, 4, 8 * GiB, &ops, v), 0);
	uint64_t va = (1ULL << 40) + 7 * PAGE_SIZE;
	assert_int_equal(pt_map(&pt, NULL, va, 0x9000, 12, 0), 0);
	assert_int_equal(v->writes, 4); /* three new tables linked, one leaf */
	assert_int_equal(v->last_level, 1);
	assert_int_equal(v->last_va, va);
	assert_int_equal(pt_map(&pt, NULL, va + PAGE_SIZE, 0xa000, 12, 0), 0);
	assert_int_equal(v->writes, 5);
	uint64_t n = 0;
	assert_int_equal(pt_foreach(&pt, count_leaf, &n), 0);
	assert_int_equal(n, 2);
	/* A hook's error comes back from the call that wrote the entry, the entry written. */
	v->refuse = -77;
	assert_int_equal(pt_map(&pt, NULL, va + 2 * PAGE_SIZE, 0xb000, 12, 0), -77);
	assert_int_equal(pt_unmap(&pt, NULL, va), -77);
	v->refuse = 0;
	uint64_t pa, pte;
	unsigned sh;
	assert_int_equal(pt_lookup(&pt, va + 2 * PAGE_SIZE, &pa, &sh, &pte, NULL), 0);
	assert_int_equal(pt_lookup(&pt, va, &pa, &sh, &pte, NULL), TPT_ENOENT);
	assert_int_equal(pt_unmap(&pt, NULL, va), TPT_ENOENT);
	check(&pt);
	env_free(v);
}

static void test_checker_catches_corruption(void **state)
{
	(void)state;
	struct env *v = env_new();
	struct pt pt;
	struct tpt_err e;
	assert_int_equal(pt_init(&pt, NULL, &v->hm, NULL, 4, 8 * GiB, &ops, v), 0);
	assert_int_equal(pt_map(&pt, NULL, 1ULL << 40, 0x200000, 21, 0), 0);
	check(&pt);
	/* A PS bit at level 1 is illegal. */
	uint64_t table = pt.root;
	for (int l = 4; l > 2; l--)
		table = *pt_slot(&pt, table, pt_index(1ULL << 40, l)) & PTE_ADDR;
	uint64_t *pde = pt_slot(&pt, table, pt_index(1ULL << 40, 2));
	*pde = (*pde & ~PTE_ADDR) | 0x201000; /* misaligned 2M leaf */
	assert_int_equal(pt_check(&pt, &e), -1);
	assert_non_null(strstr(e.msg, "pt_check: invariant 4: leaf"));
	assert_non_null(strstr(e.msg, "aligned"));
	*pde = (*pde & ~PTE_ADDR) | (16 * GiB); /* beyond memory */
	assert_int_equal(pt_check(&pt, &e), -1);
	assert_non_null(strstr(e.msg, "pt_check: invariant 4: "));
	*pde = (*pde & ~PTE_ADDR) | 0x200000 | (1ULL << 52); /* reserved bit */
	assert_int_equal(pt_check(&pt, &e), -1);
	assert_non_null(strstr(e.msg, "pt_check: invariant 2: "));
	/* A leaf the count does not know of. */
	*pde = (*pde & ~(PTE_ADDR | (1ULL << 52))) | 0x200000;
	check(&pt);
	pt.pages++;
	assert_int_equal(pt_check(&pt, &e), -1);
	assert_non_null(strstr(e.msg, "pt_check: invariant 5: leaves map"));
	pt.pages--;
	env_free(v);
}

/*
 * Every format (x86-64 on 4 and 5 levels, IA32, PAE): random 4 KiB maps,
 * remaps and unmaps against a reference array, the checker after each
 * change; lookups read one entry per level of the format's size at the
 * address its index bits give; emptied tables are freed.
 */
static void test_every_format(void **state)
{
	(void)state;
	const struct pt_format *fmts[] = {&pt_x86_64_4, &pt_x86_64_5, &pt_ia32, &pt_pae};
	enum { N = 64 };
	for (size_t f = 0; f < ARRAY_LEN(fmts); f++) {
		const struct pt_format *fmt = fmts[f];
		struct env *v = env_new();
		struct pt pt;
		struct tpt_err e;
		assert_int_equal(pt_init_fmt(&pt, NULL, &v->hm, NULL, fmt, 8 * GiB, &ops, v), 0);
		assert_int_equal(pt.levels, fmt->levels);
		/* Addresses the format can hold: the top of its address space included. */
		uint64_t top = 1ULL << (fmt->shift[fmt->levels] + fmt->bits[fmt->levels]);
		uint64_t va[N], ref[N] = {0};
		struct rng r;
		rng_seed(&r, 7 + f);
		for (int k = 0; k < N; k++)
			va[k] = (rng_below(&r, top >> PAGE_SHIFT) << PAGE_SHIFT);
		va[0] = 0;
		va[1] = top - PAGE_SIZE;
		for (int step = 0; step < 2000; step++) {
			int k = (int)rng_below(&r, N);
			uint64_t pa = (1 + rng_below(&r, 1u << 19)) << PAGE_SHIFT; /* below 2 GiB */
			bool dup = false;
			for (int j = 0; j < k; j++)
				dup |= va[j] == va[k];
			if (dup)
				continue;
			if (rng_below(&r, 3) == 0) {
				assert_int_equal(pt_unmap(&pt, NULL, va[k]) == 0, ref[k] != 0);
				ref[k] = 0;
			} else {
				assert_int_equal(pt_map(&pt, NULL, va[k], pa, PAGE_SHIFT, PTE_W), 0);
				ref[k] = pa;
			}
			assert_int_equal(pt_check(&pt, &e), 0);
		}
		uint64_t mapped = 0;
		for (int k = 0; k < N; k++) {
			bool dup = false;
			for (int j = 0; j < k; j++)
				dup |= va[j] == va[k];
			if (dup)
				continue;
			uint64_t pa, pte;
			unsigned sh;
			struct pt_path path;
			int rc = pt_lookup(&pt, va[k] + 0x123, &pa, &sh, &pte, &path);
			if (!ref[k]) {
				assert_int_equal(rc, TPT_ENOENT);
				continue;
			}
			mapped++;
			assert_int_equal(rc, 0);
			assert_int_equal(pa, ref[k] + 0x123);
			assert_int_equal(sh, PAGE_SHIFT);
			assert_true(pte & PTE_W);
			/* One entry per level, each where the format puts it. */
			assert_int_equal(path.n, fmt->levels);
			for (int i = 0; i < path.n; i++) {
				int level = fmt->levels - i;
				unsigned idx = (unsigned)(va[k] >> fmt->shift[level]) &
					       ((1u << fmt->bits[level]) - 1);
				assert_int_equal(path.entry[i], path.table[i] + fmt->entry_bytes * idx);
			}
			/* The leaf entry is a word of the format's size. */
			uint64_t leaf = 0;
			memcpy(&leaf, hostmem_word(&v->hm, path.entry[path.n - 1]), fmt->entry_bytes);
			assert_int_equal(leaf & fmt->addr, ref[k]);
		}
		assert_int_equal(pt.pages, mapped);
		/* Unmapping everything leaves the root alone. */
		for (int k = 0; k < N; k++)
			pt_unmap(&pt, NULL, va[k]);
		assert_int_equal(pt.pages, 0);
		assert_int_equal(pt.tables, 1);
		assert_int_equal(pt_check(&pt, &e), 0);
		/* No huge leaves where the format has none. */
		if (!fmt->huge)
			assert_int_equal(pt_map(&pt, NULL, 0, 0, fmt->shift[2], PTE_W), TPT_EOVERLAP);
		pt_destroy(&pt, NULL);
		env_free(v);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hook_arg),
		cmocka_unit_test(test_map_lookup_all_sizes),
		cmocka_unit_test(test_overlap_and_unmap),
		cmocka_unit_test(test_hooks_and_foreach),
		cmocka_unit_test(test_checker_catches_corruption),
		cmocka_unit_test(test_every_format),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
