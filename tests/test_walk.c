/* SPDX-License-Identifier: MIT */
/*
 * test_walk.c - the structural contract (README, "Schemes and what a TLB
 * miss costs", and each scheme's miss_refs): exact references per TLB miss
 * for every registered scheme, page-size pair and level count with the
 * translation caches off; every scheme's translation equal to
 * guest table o host table; a forged TPT entry raising a tag-check fault.
 */
#include "helpers.h"

#include "tpt/mmu/walk.h"

static const unsigned shifts[] = {12, 21, 30};

/* Every scheme of the registry against its own declared contract
 * (miss_refs), whatever its name: the references of each completed walk
 * with every translation cache off, and for a tag-checking scheme one check
 * per table frame and one for the data frame. */
static void test_refs_per_walk_exact(void **state)
{
	(void)state;
	for (int levels = 4; levels <= 5; levels++)
		for (size_t si = 0; scheme_all[si]; si++)
			for (size_t gi = 0; gi < 3; gi++)
				for (size_t hi = 0; hi < 3; hi++) {
					const struct scheme *sc = scheme_all[si];
					unsigned gs = shifts[gi], hs = shifts[hi];
					struct tsim *t = tsim_new(sc->name, gs, hs, levels, true,
								  "gups:size=2G,updates=1,init=none");
					struct rng r;
					rng_seed(&r, 7);
					for (int i = 0; i < 300; i++) {
						uint64_t va = WL_BASE_VA + rng_below(&r, 2 * GiB);
						tsim_access(t, va & ~7ULL, i & 1);
					}
					const struct tpt_stats *st = sim_account(&t->s);
					unsigned g1 = levels_for(levels, gs < hs ? gs : hs);
					uint64_t want = sc->miss_refs(levels_for(levels, gs),
								      levels_for(levels, hs), g1);
					assert_true(st->walks > 0);
					uint64_t refs = st->walk_refs + st->rmp_refs;
					if (sc->max_miss_refs) {
						/* Agile: levels switched to nested cost more, up to
						 * the scheme's bound. */
						uint64_t most = sc->max_miss_refs(levels_for(levels, gs),
										  levels_for(levels, hs), g1);
						assert_true(refs >= st->walks * want);
						assert_true(refs <= st->walks * most);
					} else if (refs != st->walks * want)
						fail_msg("%s %d-level guest 2^%u host 2^%u: %llu refs over %llu walks, want %llu each",
							 sc->name, levels, gs, hs,
							 (unsigned long long)refs,
							 (unsigned long long)st->walks,
							 (unsigned long long)want);
					unsigned checks = !sc->tag_checks ? 0
							  : sc->miss_checks ? sc->miss_checks(levels_for(levels, gs), levels_for(levels, hs), g1)
									    : g1 + 1;
					assert_int_equal(st->rmp_refs, st->walks * checks);
					tsim_check(t);
					tsim_free(t);
				}
}

/* The reference 2D composition: guest table, then the host table (EPT) or, with
 * no EPT (shadow, native), the guest address map. */
static uint64_t compose(struct tsim *t, uint64_t va)
{
	struct vm *vm = &t->s.vm;
	uint64_t gpa, hpa, pte;
	unsigned gs, hs;
	assert_int_equal(pt_lookup(&vm->cur->pt, va, &gpa, &gs, &pte, NULL), 0);
	if (!vm->hv.ops->hypervisor)
		return gpa;
	if (vm->hv.ept.tables) {
		assert_int_equal(pt_lookup(&vm->hv.ept, gpa, &hpa, &hs, &pte, NULL), 0);
		return hpa;
	}
	return vm_gpa_to_hpa(vm, gpa);
}

/* The registry: every scheme whole (its operations bound), found by its name. */
static void test_registry(void **state)
{
	(void)state;
	size_t n = 0;
	for (size_t i = 0; scheme_all[i]; i++, n++) {
		const struct scheme *sc = scheme_all[i];
		assert_non_null(sc->name);
		assert_non_null(sc->summary);
		assert_non_null(sc->regs);
		assert_non_null(sc->walk);
		assert_non_null(sc->miss_refs);
		assert_non_null(sc->hv);
		assert_ptr_equal(scheme_find(sc->name), sc);
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(scheme_all[j]->name, sc->name);
	}
	assert_true(n >= 7);
	assert_null(scheme_find("no-such-scheme"));
}

/* DVMT's three maps: exact references per walk with every translation
 * cache off (g guest entries, g+1 custom translations, one token check:
 * flat one reference each, ds none, hash at least one), translations equal
 * to guest table o EPT, and the map's checker. In the process-map form
 * (both) the table is a registered range: one custom translation and one
 * check per walk. */
static void test_dvmt_layouts(void **state)
{
	(void)state;
	const unsigned pairs[][2] = {{12, 12}, {12, 21}, {21, 12}, {21, 21}};
	const unsigned layouts[] = {DVMT_FLAT, DVMT_HASH, DVMT_DS, DVMT_FLAT, DVMT_HASH};
	for (size_t li = 0; li < ARRAY_LEN(layouts); li++)
		for (size_t pi = 0; pi < ARRAY_LEN(pairs); pi++) {
			bool both = li >= 3;
			struct tpt_config c;
			config_defaults(&c);
			c.dvmt_layout = layouts[li];
			c.dvmt_where = both ? DVMT_BOTH : DVMT_HYPERVISOR;
			c.pwc_pml5 = c.pwc_pml4 = c.pwc_pdpt = c.pwc_pd = 0;
			c.ntlb_entries = c.rmp_cache_entries = 0;
			struct tsim *t = tsim_cfg("dvmt", &c, pairs[pi][0], pairs[pi][1],
						  "gups:size=2G,updates=1,init=none");
			tsim_start(t);
			struct rng r;
			rng_seed(&r, 5);
			uint64_t vas[300];
			for (int i = 0; i < 300; i++) {
				vas[i] = (WL_BASE_VA + rng_below(&r, 2 * GiB)) & ~7ULL;
				tsim_access(t, vas[i], i & 1);
			}
			tsim_check(t);
			const struct tpt_stats *st = sim_account(&t->s);
			uint64_t g = levels_for(4, pairs[pi][0]), w = st->walks;
			assert_true(w > 0);
			if (both) {
				assert_int_equal(st->dvmt_token_checks, w);
				assert_int_equal(st->rmp_refs, w);
				if (layouts[li] == DVMT_FLAT)
					assert_int_equal(st->walk_refs, w);
				else
					assert_true(st->walk_refs >= w);
				g = 0;
			}
			/* Faulted walks translate too: the counters hold more. */
			assert_true(st->dvmt_translations >= w * (g + 1));
			assert_int_equal(st->dvmt_token_checks, w);
			assert_int_equal(st->rmp_refs, w);
			assert_int_equal(st->dvmt_outside, 0);
			if (both)
				;
			else if (layouts[li] == DVMT_FLAT)
				assert_int_equal(st->walk_refs, w * g + w * (g + 1));
			else if (layouts[li] == DVMT_DS)
				assert_int_equal(st->walk_refs, w * g);
			else
				assert_true(st->walk_refs >= w * g + w * (g + 1));
			assert_int_equal(st->dvmt_refs, layouts[li] == DVMT_FLAT ? st->dvmt_translations
							: layouts[li] == DVMT_DS ? 0 : st->dvmt_refs);
			if (layouts[li] == DVMT_HASH)
				assert_true(st->dvmt_refs >= st->dvmt_translations);
			for (int i = 0; i < 300; i += 7) {
				struct walk wk = {0};
				assert_int_equal(tsim_walk(&t->s, vas[i], false, &wk), WALK_OK);
				assert_int_equal(wk.pa, compose(t, vas[i]));
			}
			tsim_free(t);
		}
}

static void test_all_schemes_agree_with_composition(void **state)
{
	(void)state;
	const unsigned pairs[][2] = {{12, 12}, {12, 21}, {21, 12}, {21, 21}, {30, 21}};
	/* Every scheme of the registry, whatever its name. */
	for (size_t si = 0; scheme_all[si]; si++)
		for (size_t pi = 0; pi < ARRAY_LEN(pairs); pi++) {
			const char *name = scheme_all[si]->name;
			struct tsim *t = tsim_new(name, pairs[pi][0], pairs[pi][1], 4, false,
						  "gups:size=2G,updates=1,init=none");
			struct rng r;
			rng_seed(&r, 99);
			uint64_t vas[400];
			for (int i = 0; i < 400; i++) {
				vas[i] = (WL_BASE_VA + rng_below(&r, 2 * GiB)) & ~7ULL;
				tsim_access(t, vas[i], i % 3 == 0);
			}
			tsim_check(t);
			struct sim *s = &t->s;
			for (int i = 0; i < 400; i++) {
				uint64_t want = compose(t, vas[i]), pa;
				/* What the TLB holds, if it holds it. */
				if (tlb_lookup(&s->mmu.tlb, vas[i], s->vm.cur->asid, false, &pa))
					assert_int_equal(pa, want);
				/* What a fresh hardware walk gives (after the hidden fault that
				 * refills a shadow entry dropped by write-flood detection). */
				struct walk w = {0};
				int rc = tsim_walk(s, vas[i], false, &w);
				if (rc == WALK_SHADOW_MISS) {
					struct tpt_err e;
					assert_int_equal(s->scheme->fault(&s->vm, s->vm.cur, rc, vas[i], false, &e), 0);
					memset(&w, 0, sizeof(w));
					rc = tsim_walk(s, vas[i], false, &w);
				}
				assert_int_equal(rc, WALK_OK);
				if (w.pa != want)
					fail_msg("%s guest 2^%u host 2^%u: va %#llx walks to %#llx, want %#llx",
						 name, pairs[pi][0], pairs[pi][1],
						 (unsigned long long)vas[i], (unsigned long long)w.pa,
						 (unsigned long long)want);
				/* And the reference translation used by the checkers. */
				uint64_t ref;
				unsigned sh;
				assert_int_equal(vm_ref_translate(&s->vm, s->vm.cur, vas[i], &ref, &sh), 0);
				assert_int_equal(ref, want);
			}
			tsim_free(t);
		}
}

/* Overwrites the TPT leaf for va with a pointer to host frame hfn. */
static void forge_tpt_leaf(struct sim *s, uint64_t va, uint64_t hfn)
{
	struct mmu_regs r;
	s->scheme->regs(&s->vm, s->vm.cur, &r);
	assert_true(r.tptr != 0); /* the TPT root is loaded; its pointers are host addresses */
	uint64_t table = r.tptr;
	for (int level = s->vm.levels; level > 1; level--)
		table = *hostmem_word(&s->mmu.hm, table + 8ULL * pt_index(va, level)) & PTE_ADDR;
	uint64_t *slot = hostmem_word(&s->mmu.hm, table + 8ULL * pt_index(va, 1));
	assert_true(*slot & PTE_P);
	*slot = (hfn << PAGE_SHIFT) | (*slot & ~PTE_ADDR);
}

static void test_forged_tpt_entry_faults(void **state)
{
	(void)state;
	const char *tpts[] = {"tpt-naive", "tpt-opt"};
	for (int k = 0; k < 2; k++) {
		struct tsim *t = tsim_new(tpts[k], 12, 12, 4, false, "gups:size=64M,updates=1,init=none");
		struct sim *s = &t->s;
		uint64_t va = WL_BASE_VA + 12345 * 8;
		tsim_access(t, va, true);
		/* A frame that belongs to another VM (tag 2). */
		uint64_t other;
		assert_int_equal(frames_alloc(&s->vm.hv.hframes, FRAME_4K, &other), 0);
		rmp_assign(&s->vm.hv.rmp, other, 1, 2);
		forge_tpt_leaf(s, va, other);
		tlb_flush(&s->mmu.tlb);
		fa_flush(&s->mmu.rmpc);
		struct walk w = {0};
		assert_int_equal(tsim_walk(s, va, false, &w), WALK_TAG_FAULT);
		/* Through the simulator: an error, never a translation. */
		struct tpt_err e;
		uint64_t before = sim_account(s)->tag_faults;
		assert_int_equal(sim_access(s, va, false, 1, &e), -1);
		assert_non_null(strstr(e.msg, "tag-check fault"));
		assert_int_equal(sim_account(s)->tag_faults, before + 1);
		assert_int_equal(sim_account(s)->walks, 1); /* only the first, honest walk completed */
		/* A forged pointer to a hypervisor frame (the EPT root) faults too. */
		forge_tpt_leaf(s, va, s->vm.hv.ept.root >> PAGE_SHIFT);
		fa_flush(&s->mmu.rmpc);
		memset(&w, 0, sizeof(w));
		assert_int_equal(tsim_walk(s, va, false, &w), WALK_TAG_FAULT);
		tsim_free(t);
	}
}

static void test_tpt_opt_hides_check_latency(void **state)
{
	(void)state;
	/* Same stream, same references; the parallel checks stall less. */
	struct tsim *a = tsim_new("tpt-naive", 12, 12, 4, true, "gups:size=256M,updates=1,init=none");
	struct tsim *b = tsim_new("tpt-opt", 12, 12, 4, true, "gups:size=256M,updates=1,init=none");
	struct rng r1, r2;
	rng_seed(&r1, 3);
	rng_seed(&r2, 3);
	for (int i = 0; i < 2000; i++) {
		tsim_access(a, (WL_BASE_VA + rng_below(&r1, 256 * MiB)) & ~7ULL, false);
		tsim_access(b, (WL_BASE_VA + rng_below(&r2, 256 * MiB)) & ~7ULL, false);
	}
	assert_int_equal(sim_account(&a->s)->walk_refs, sim_account(&b->s)->walk_refs);
	assert_int_equal(sim_account(&a->s)->rmp_refs, sim_account(&b->s)->rmp_refs);
	assert_true(sim_account(&b->s)->walk_cycles < sim_account(&a->s)->walk_cycles);
	assert_true(sim_account(&b->s)->tag_check_cycles < sim_account(&a->s)->tag_check_cycles);
	/* Naive: every check's latency is in the walk; at least an L1 hit each. */
	assert_true(sim_account(&a->s)->tag_check_cycles >=
		    (sim_account(&a->s)->rmp_refs + sim_account(&a->s)->faulted_rmp_refs) * a->cfg.l1d_latency);
	tsim_free(a);
	tsim_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refs_per_walk_exact),
		cmocka_unit_test(test_registry),
		cmocka_unit_test(test_all_schemes_agree_with_composition),
		cmocka_unit_test(test_dvmt_layouts),
		cmocka_unit_test(test_forged_tpt_entry_faults),
		cmocka_unit_test(test_tpt_opt_hides_check_latency),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
