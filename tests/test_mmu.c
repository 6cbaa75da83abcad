/* SPDX-License-Identifier: MIT */
/*
 * test_mmu.c - the MMU layer alone: walks on page tables built by hand in
 * host memory, with no guest OS, no hypervisor model and no simulator.
 * Every reference count is the README's ("Schemes and what a TLB miss
 * costs"), accessed and dirty bits are set in place, the walk caches shorten later walks, tag
 * checks read the RMP, and a missing entry is the fault the scheme names.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "tpt/mmu/mmu.h"

#define HOST (64 * MiB)

struct rig {
	struct mmu m;
	struct tpt_stats st;
	struct rmp rmp;
	uint64_t next; /* the next free host frame for a table */
};

static void rig_init_dims(struct rig *g, bool walk_caches, uint32_t dims)
{
	struct tpt_config cfg;
	struct tpt_err e;
	config_defaults(&cfg);
	cfg.pwc_dims = dims;
	memset(g, 0, sizeof(*g));
	assert_int_equal(mmu_init(&g->m, &cfg, HOST + MiB, 4, !walk_caches, &e), 0);
	assert_int_equal(rmp_init(&g->rmp, HOST >> PAGE_SHIFT, HOST, 16, &e), 0);
	g->m.rmp = &g->rmp;
	g->next = 1; /* frame 0 stays empty */
}

static void rig_init(struct rig *g, bool walk_caches)
{
	rig_init_dims(g, walk_caches, PWC_DIMS_1D_NT);
}

static void rig_fini(struct rig *g)
{
	struct tpt_err e;
	assert_int_equal(mmu_check(&g->m, &e), 0);
	rmp_fini(&g->rmp);
	mmu_fini(&g->m);
}

static uint64_t new_table(struct rig *g)
{
	uint64_t pa = g->next++ << PAGE_SHIFT;
	hostmem_zero_frame(&g->m.hm, pa >> PAGE_SHIFT);
	return pa;
}

/* Maps va -> pa with a 4 KiB leaf in the 4-level table at root (addresses
 * as written: host or guest physical, the caller translates them). */
static void map4k(struct rig *g, uint64_t root, uint64_t (*to_host)(uint64_t), uint64_t va,
		  uint64_t pa)
{
	uint64_t table = root;
	for (int level = 4; level > 1; level--) {
		uint64_t *slot = hostmem_word(&g->m.hm, to_host(table) + 8ULL * pt_index(va, level));
		if (!(*slot & PTE_P))
			*slot = new_table(g) | PTE_P | PTE_W | PTE_U;
		table = *slot & PTE_ADDR;
	}
	*hostmem_word(&g->m.hm, to_host(table) + 8ULL * pt_index(va, 1)) = pa | PTE_P | PTE_W | PTE_U;
}

static uint64_t same(uint64_t a)
{
	return a;
}

#define VA 0x7f1234567000ULL

static void test_walk_1d(void **state)
{
	(void)state;
	struct rig g;
	rig_init(&g, true);
	uint64_t root = new_table(&g);
	map4k(&g, root, same, VA, 0x2000000);
	struct mmu_regs r = {.cr3 = root, .asid = 1};
	struct walk w = {.st = &g.st};
	assert_int_equal(walk_1d(&g.m, &r, &w, r.cr3, VA + 0x10, true, CHECKS_NONE, WALK_GUEST_PF),
			 WALK_OK);
	assert_int_equal(w.pa, 0x2000010);
	assert_int_equal(w.shift, 12);
	assert_true(w.writable);
	assert_int_equal(w.refs, 4);
	assert_int_equal(g.st.pwc_misses, 1);
	/* Accessed and dirty set in place, as hardware does. */
	uint64_t table = root;
	for (int level = 4; level > 1; level--) {
		uint64_t e = *hostmem_word(&g.m.hm, table + 8ULL * pt_index(VA, level));
		assert_true(e & PTE_A);
		assert_false(e & PTE_D);
		table = e & PTE_ADDR;
	}
	uint64_t leaf = *hostmem_word(&g.m.hm, table + 8ULL * pt_index(VA, 1));
	assert_true((leaf & (PTE_A | PTE_D)) == (PTE_A | PTE_D));
	/* The next page: the PWC holds the leaf table, one reference. */
	map4k(&g, root, same, VA + PAGE_SIZE, 0x3000000);
	w = (struct walk){.st = &g.st};
	assert_int_equal(walk_1d(&g.m, &r, &w, r.cr3, VA + PAGE_SIZE, false, CHECKS_NONE,
				 WALK_GUEST_PF),
			 WALK_OK);
	assert_int_equal(w.refs, 1);
	assert_int_equal(g.st.pwc_hits, 1);
	/* Another PCID shares nothing. */
	r.asid = 2;
	w = (struct walk){.st = &g.st};
	walk_1d(&g.m, &r, &w, r.cr3, VA, false, CHECKS_NONE, WALK_GUEST_PF);
	assert_int_equal(w.refs, 4);
	/* A hole is the fault the caller names, with the address. */
	w = (struct walk){.st = &g.st};
	assert_int_equal(walk_1d(&g.m, &r, &w, r.cr3, VA + 2 * PAGE_SIZE, false, CHECKS_NONE,
				 WALK_SHADOW_MISS),
			 WALK_SHADOW_MISS);
	assert_int_equal(w.fault_addr, VA + 2 * PAGE_SIZE);
	uint64_t refs = 0;
	for (int l = 0; l < CL_N; l++)
		refs += g.st.walk_ref_level[l];
	assert_int_equal(refs, 4 + 1 + 4 + w.refs);
	rig_fini(&g);
}

/* Guest-physical memory of the 2D rig: gPA x lives at host 32 MiB + x. */
#define GBASE (32 * MiB)
static uint64_t guest_to_host(uint64_t gpa)
{
	return GBASE + gpa;
}

static void test_walk_2d_24_refs(void **state)
{
	(void)state;
	struct rig g;
	rig_init(&g, false);
	/* The EPT maps 16 MiB of guest-physical memory at host GBASE, 4 KiB pages. */
	uint64_t ept = new_table(&g);
	for (uint64_t gpa = 0; gpa < 16 * MiB; gpa += PAGE_SIZE)
		map4k(&g, ept, same, gpa, GBASE + gpa);
	/* The guest table lives in guest-physical frames from 1 MiB on. */
	uint64_t saved = g.next;
	g.next = (GBASE + MiB) >> PAGE_SHIFT;
	uint64_t groot = new_table(&g) - GBASE;
	/* Each guest table's frame: a host frame above GBASE, named by its gPA. */
	uint64_t table = groot;
	for (int level = 4; level > 1; level--) {
		uint64_t *slot = hostmem_word(&g.m.hm, guest_to_host(table) + 8ULL * pt_index(VA, level));
		uint64_t t = new_table(&g) - GBASE;
		*slot = t | PTE_P | PTE_W | PTE_U;
		table = t;
	}
	*hostmem_word(&g.m.hm, guest_to_host(table) + 8ULL * pt_index(VA, 1)) =
		(8 * MiB) | PTE_P | PTE_W | PTE_U;
	g.next = saved;
	struct mmu_regs r = {.cr3 = groot, .eptp = ept, .asid = 1};
	struct walk w = {.st = &g.st};
	assert_int_equal(walk_2d(&g.m, &r, VA + 0x28, false, &w), WALK_OK);
	assert_int_equal(w.pa, GBASE + 8 * MiB + 0x28);
	assert_int_equal(w.refs, 24); /* (4+1)(4+1) - 1 */
	assert_int_equal(w.shift, 12);
	assert_int_equal(g.st.ntlb_misses, 5);
	/* A guest-physical address the EPT does not map. */
	w = (struct walk){.st = &g.st};
	uint64_t hpa;
	unsigned sh;
	assert_int_equal(walk_host(&g.m, &r, &w, 20 * MiB, &hpa, &sh), WALK_EPT_VIOLATION);
	assert_int_equal(w.fault_addr, 20 * MiB);
	rig_fini(&g);
}

/* [pwc] pwc_dims, Bhargava et al.'s walk caches: a cold 2D walk, then a
 * walk of the next page, which the guest PDE cache starts at level 1.
 * Its table's gPA and its data page's are translated by an EPT walk (1d:
 * 4 + 1 + 4 references), by the nested TLB for the table (1d+nt: 1 + 4),
 * by the EPT's PDE cache (2d: 1 + 1 + 1), or both (2d+nt: 1 + 1). */
static void test_walk_caches_2d(void **state)
{
	(void)state;
	static const struct {
		uint32_t dims;
		unsigned cold, warm;
	} want[] = {{PWC_DIMS_1D, 24, 9}, {PWC_DIMS_1D_NT, 24, 5}, {PWC_DIMS_2D, 13, 3}, {PWC_DIMS_2D_NT, 13, 2}};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		struct rig g;
		rig_init_dims(&g, true, want[i].dims);
		uint64_t ept = new_table(&g);
		for (uint64_t gpa = 0; gpa < 16 * MiB; gpa += PAGE_SIZE)
			map4k(&g, ept, same, gpa, GBASE + gpa);
		uint64_t saved = g.next;
		g.next = (GBASE + MiB) >> PAGE_SHIFT;
		uint64_t groot = new_table(&g) - GBASE, table = groot;
		for (int level = 4; level > 1; level--) {
			uint64_t *slot = hostmem_word(&g.m.hm, guest_to_host(table) + 8ULL * pt_index(VA, level));
			uint64_t t = new_table(&g) - GBASE;
			*slot = t | PTE_P | PTE_W | PTE_U;
			table = t;
		}
		for (uint64_t k = 0; k < 2; k++)
			*hostmem_word(&g.m.hm, guest_to_host(table) + 8ULL * pt_index(VA + k * PAGE_SIZE, 1)) =
				(8 * MiB + k * PAGE_SIZE) | PTE_P | PTE_W | PTE_U;
		g.next = saved;
		struct mmu_regs r = {.cr3 = groot, .eptp = ept, .asid = 1};
		struct walk w = {.st = &g.st};
		assert_int_equal(walk_2d(&g.m, &r, VA, false, &w), WALK_OK);
		assert_int_equal(w.refs, want[i].cold);
		w = (struct walk){.st = &g.st};
		assert_int_equal(walk_2d(&g.m, &r, VA + PAGE_SIZE + 8, false, &w), WALK_OK);
		assert_int_equal(w.pa, GBASE + 8 * MiB + PAGE_SIZE + 8);
		if (w.refs != want[i].warm)
			fail_msg("dims %u: %u references, want %u", want[i].dims, w.refs, want[i].warm);
		bool two_d = want[i].dims == PWC_DIMS_2D || want[i].dims == PWC_DIMS_2D_NT;
		assert_int_equal(g.st.hpwc_hits > 0, two_d);
		assert_int_equal(g.st.hpwc_misses, two_d); /* the first EPT walk only */
		assert_int_equal(g.st.ntlb_hits > 0, want[i].dims == PWC_DIMS_1D_NT || want[i].dims == PWC_DIMS_2D_NT);
		rig_fini(&g);
	}
}

static void test_tag_checks(void **state)
{
	(void)state;
	for (int mode = CHECKS_SERIAL; mode <= CHECKS_PARALLEL; mode++) {
		struct rig g;
		rig_init(&g, false);
		uint64_t root = new_table(&g);
		map4k(&g, root, same, VA, 0x2000000);
		/* Every table frame and the data frame belong to VM 3. */
		rmp_assign(&g.rmp, 1, g.next - 1, 3);
		rmp_assign(&g.rmp, 0x2000, 1, 3);
		struct mmu_regs r = {.tptr = root, .asid = 1, .tag = 3};
		struct walk w = {.st = &g.st};
		assert_int_equal(walk_1d(&g.m, &r, &w, r.tptr, VA, false, mode, WALK_TPT_MISS),
				 WALK_OK);
		assert_int_equal(w.refs, 4);
		/* With no RMP cache: a check per table frame, and the data frame's. */
		assert_int_equal(w.rmp_refs + w.refs, 9);
		if (mode == CHECKS_SERIAL)
			assert_int_equal(w.pending_check, 0);
		else
			assert_true(w.pending_check > 0); /* overlapped with the data access */
		/* The data frame handed to another VM: the walk faults. */
		rmp_assign(&g.rmp, 0x2000, 1, 4);
		w = (struct walk){.st = &g.st};
		assert_int_equal(walk_1d(&g.m, &r, &w, r.tptr, VA, false, mode, WALK_TPT_MISS),
				 WALK_TAG_FAULT);
		assert_int_equal(w.fault_addr, 0x2000000);
		assert_int_equal(g.st.tag_faults, 1);
		/* A missing TPT entry is a TPT miss. */
		w = (struct walk){.st = &g.st};
		assert_int_equal(walk_1d(&g.m, &r, &w, r.tptr, VA + PAGE_SIZE, false, mode,
					 WALK_TPT_MISS),
				 WALK_TPT_MISS);
		rig_fini(&g);
	}
}

static void test_switch_entry(void **state)
{
	(void)state;
	struct rig g;
	rig_init(&g, true);
	uint64_t root = new_table(&g);
	map4k(&g, root, same, VA, 0x2000000);
	/* Mark the level-2 entry as agile paging's switch to a guest table. */
	uint64_t table = root;
	for (int level = 4; level > 2; level--)
		table = *hostmem_word(&g.m.hm, table + 8ULL * pt_index(VA, level)) & PTE_ADDR;
	uint64_t *slot = hostmem_word(&g.m.hm, table + 8ULL * pt_index(VA, 2));
	*slot = 0x5000 | PTE_P | PTE_W | PTE_SWITCH;
	struct mmu_regs r = {.cr3 = root, .asid = 1};
	struct walk w = {.st = &g.st};
	assert_int_equal(walk_1d(&g.m, &r, &w, r.cr3, VA, false, CHECKS_NONE, WALK_SHADOW_MISS),
			 WALK_SWITCH);
	assert_int_equal(w.switch_table, 0x5000);
	assert_int_equal(w.switch_level, 1);
	assert_int_equal(w.refs, 3);
	rig_fini(&g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_walk_1d),
		cmocka_unit_test(test_walk_2d_24_refs),
		cmocka_unit_test(test_walk_caches_2d),
		cmocka_unit_test(test_tag_checks),
		cmocka_unit_test(test_switch_entry),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
