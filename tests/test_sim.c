/* SPDX-License-Identifier: MIT */
/*
 * test_sim.c - the simulator's counters, exact on small crafted sequences;
 * the cost model's arithmetic; determinism of whole runs.
 */
#include <math.h>
#include "helpers.h"

#define VA(i) (WL_BASE_VA + (uint64_t)(i) * PAGE_SIZE)
#define SPEC "gups:size=64M,updates=1,init=none"

static void test_native_counts(void **state)
{
	(void)state;
	struct tsim *t = tsim_new("native", 12, 12, 4, false, SPEC);
	const struct tpt_stats *st = sim_account(&t->s);
	tsim_access(t, VA(0), false);
	assert_int_equal(st->guest_faults, 1);
	assert_int_equal(st->faulted_walks, 1);
	assert_int_equal(st->faulted_walk_refs, 1); /* the empty root entry */
	assert_int_equal(st->walks, 1);
	assert_int_equal(st->walk_refs, 4);
	tsim_access(t, VA(0) + 8, true); /* same page: TLB L1 hit, same line: L1 hit */
	assert_int_equal(st->tlb_l1_hits, 1);
	assert_int_equal(st->data_level[CL_L1], 1);
	tsim_access(t, VA(1), false);
	/* PWC: the PDE for this 2M region is cached, one reference. */
	assert_int_equal(st->faulted_walks, 2);
	assert_int_equal(st->pwc_hits, 2);
	assert_int_equal(st->walk_refs, 4 + 1);
	uint64_t exits = 0;
	for (int i = 0; i < EXIT_N; i++)
		exits += st->exits[i];
	assert_int_equal(exits, 0);
	assert_int_equal(st->accesses, 3);
	assert_int_equal(st->reads, 2);
	assert_int_equal(st->writes, 1);
	assert_int_equal(st->instructions, 3);
	assert_int_equal(st->tlb_l1_hits + st->tlb_l2_hits + st->tlb_misses, st->accesses);
	uint64_t d = 0;
	for (int l = 0; l < CL_N; l++)
		d += st->data_level[l];
	assert_int_equal(d, st->accesses);
	tsim_check(t);
	tsim_free(t);
}

static void test_nested_ept_violations(void **state)
{
	(void)state;
	/* Host 4K: every new guest frame (tables and data) is one EPT violation. */
	struct tsim *t = tsim_new("nested", 12, 12, 4, false, SPEC);
	const struct tpt_stats *st = sim_account(&t->s);
	assert_int_equal(st->exits[EXIT_EPT_VIOLATION], 1); /* the guest root, at spawn */
	tsim_access(t, VA(0), false);
	assert_int_equal(st->exits[EXIT_EPT_VIOLATION], 1 + 1 + 3);
	tsim_access(t, VA(1), false);
	assert_int_equal(st->exits[EXIT_EPT_VIOLATION], 6);
	assert_int_equal(st->guest_faults, 2);
	assert_int_equal(st->ntlb_misses + st->ntlb_hits > 0, 1);
	tsim_check(t);
	tsim_free(t);
	/* Host 2M: one violation backs a whole 2M chunk. The guest's tables come from
	 * one chunk and its data from another: two violations for twenty pages. */
	t = tsim_new("nested", 12, 21, 4, false, SPEC);
	st = sim_account(&t->s);
	for (int i = 0; i < 20; i++)
		tsim_access(t, VA(i), false);
	assert_int_equal(st->exits[EXIT_EPT_VIOLATION], 2);
	assert_int_equal(st->guest_faults, 20);
	tsim_check(t);
	tsim_free(t);
}

static void test_shadow_exits(void **state)
{
	(void)state;
	struct tsim *t = tsim_new("shadow", 12, 12, 4, false, SPEC);
	const struct tpt_stats *st = sim_account(&t->s);
	assert_int_equal(st->exits[EXIT_SHADOW_FILL], 1); /* root backed at spawn */
	tsim_access(t, VA(0), false);
	/* Intercepted #PF; backing data + 3 tables; then a hidden fault fills the entry. */
	assert_int_equal(st->exits[EXIT_PF_INTERCEPT], 1);
	assert_int_equal(st->exits[EXIT_SHADOW_FILL], 1 + 1 + 3 + 1);
	assert_int_equal(st->exits[EXIT_PT_WRITE], 0); /* tables were not shadowed yet */
	assert_int_equal(st->faulted_walks, 2);
	assert_int_equal(st->walks, 1);
	tsim_access(t, VA(1), false);
	/* Now the PT page is write-protected: the intercepted fault, the guest's
	 * PTE write (an exit, emulated), backing the new frame, and the hidden
	 * fault of the retried walk that fills the entry. */
	assert_int_equal(st->exits[EXIT_PF_INTERCEPT], 2);
	assert_int_equal(st->exits[EXIT_PT_WRITE], 1);
	assert_int_equal(st->exits[EXIT_SHADOW_FILL], 6 + 1 + 1);
	assert_int_equal(st->faulted_walks, 4);
	assert_int_equal(st->walks, 2);
	/* Sequential faults never flood: each fill walks through the PT page. */
	for (int i = 2; i < 40; i++)
		tsim_access(t, VA(i), false);
	assert_int_equal(st->exits[EXIT_PT_WRITE], 39);
	assert_int_equal(st->exits[EXIT_PF_INTERCEPT], 40);
	tsim_check(t);
	tsim_free(t);
}

static void test_tpt_pvops_and_construction(void **state)
{
	(void)state;
	struct tsim *t = tsim_new("tpt-opt", 12, 12, 4, false, SPEC);
	const struct tpt_stats *st = sim_account(&t->s);
	/* Guest root and TPT root are guest frames: two violations at spawn. */
	assert_int_equal(st->exits[EXIT_EPT_VIOLATION], 2);
	tsim_access(t, VA(0), true);
	assert_int_equal(st->pvops, 4); /* three table links and the leaf */
	assert_int_equal(st->exits[EXIT_EPT_VIOLATION], 2 + 1 + 3 + 3);
	tsim_access(t, VA(1), true);
	assert_int_equal(st->pvops, 5);
	assert_int_equal(st->exits[EXIT_PF_INTERCEPT] + st->exits[EXIT_SHADOW_FILL] +
			 st->exits[EXIT_PT_WRITE], 0);
	for (int i = 2; i < 10; i++)
		tsim_access(t, VA(i), false);
	tsim_check(t);
	/* Rebuilding the TPT table of a running process: one construction per mapped page. */
	struct process *p = t->s.vm.cur;
	const struct scheme *sc = t->s.scheme;
	sc->disable(&t->s.vm, p);
	assert_false(vm_own_table(&t->s.vm, p));
	assert_int_equal(st->tpt_built_pages, 0);
	assert_int_equal(sc->enable(&t->s.vm, p, &p->st), 0);
	assert_int_equal(st->tpt_built_pages, 10);
	tlb_flush(&t->s.mmu.tlb);
	pwc_flush(&t->s.mmu.pwc);
	tsim_check(t);
	for (int i = 0; i < 10; i++)
		tsim_access(t, VA(i), false);
	tsim_free(t);
}

static void test_guest_2m_on_host_4k(void **state)
{
	(void)state;
	/* A 2M guest page over 4K host pages: 512 backings, and TPT keeps 512 4K entries. */
	struct tsim *t = tsim_new("tpt-naive", 21, 12, 4, false, SPEC);
	const struct tpt_stats *st = sim_account(&t->s);
	uint64_t before = st->exits[EXIT_EPT_VIOLATION];
	tsim_access(t, WL_BASE_VA + 4096 * 3, false);
	/* 512 data frames; guest PDPT and PD (2M leaf); TPT PDPT, PD and PT (4K leaves). */
	assert_int_equal(st->exits[EXIT_EPT_VIOLATION] - before, 512 + 2 + 3);
	assert_int_equal(st->guest_faults, 1);
	tsim_check(t);
	/* The whole 2M page translates without another fault. */
	for (int i = 0; i < 512; i += 37)
		tsim_access(t, WL_BASE_VA + (uint64_t)i * 4096, false);
	assert_int_equal(st->guest_faults, 1);
	uint64_t shadow = 0, tpt = 0;
	t->s.scheme->count_tables(t->s.vm.cur, &shadow, &tpt);
	assert_int_equal(tpt, 4);
	assert_int_equal(shadow, 0);
	tsim_free(t);
}

static void test_prefault_removes_exits(void **state)
{
	(void)state;
	struct tsim *t = calloc(1, sizeof(*t));
	struct tpt_err e;
	config_defaults(&t->cfg);
	t->cfg.prefault = 1;
	assert_int_equal(workload_open(&t->wl, SPEC, 1, &e), 0);
	struct sim_params prm = {.scheme = scheme_find("nested"), .guest_shift = 12,
				 .host_shift = 21, .levels = 4};
	assert_int_equal(sim_init(&t->s, &t->cfg, &prm, &t->wl, &e), 0);
	tsim_start(t);
	for (int i = 0; i < 50; i++)
		tsim_access(t, VA(i * 17), true);
	assert_int_equal(sim_account(&t->s)->exits[EXIT_EPT_VIOLATION], 0);
	assert_int_equal(t->s.vm.hv.backed, t->s.guest_mem >> PAGE_SHIFT);
	tsim_check(t);
	tsim_free(t);
}

static void test_segv_and_exhaustion(void **state)
{
	(void)state;
	struct tsim *t = tsim_new("nested", 12, 12, 4, false, SPEC);
	struct tpt_err e;
	assert_int_equal(sim_access(&t->s, WL_BASE_VA - 4 * MiB, false, 1, &e), -1);
	assert_non_null(strstr(e.msg, "outside every region"));
	tsim_free(t);
	/* Guest memory too small for the pages touched. */
	t = calloc(1, sizeof(*t));
	config_defaults(&t->cfg);
	t->cfg.guest_mem = GiB;
	assert_int_equal(workload_open(&t->wl, "gups:size=1G,updates=1,init=none", 1, &e), 0);
	struct sim_params prm = {.scheme = scheme_find("native"), .guest_shift = 12,
				 .host_shift = 12, .levels = 4};
	assert_int_equal(sim_init(&t->s, &t->cfg, &prm, &t->wl, &e), -1);
	assert_non_null(strstr(e.msg, "cannot hold"));
	workload_close(&t->wl);
	free(t);
	/* A 1G guest page on a table too small for it. */
	t = calloc(1, sizeof(*t));
	config_defaults(&t->cfg);
	assert_int_equal(workload_open(&t->wl, "gups:size=256M", 1, &e), 0);
	prm.guest_shift = 30;
	assert_int_equal(sim_init(&t->s, &t->cfg, &prm, &t->wl, &e), -1);
	assert_non_null(strstr(e.msg, "smaller than one 1G guest page"));
	workload_close(&t->wl);
	free(t);
	/* A 1G table on 1G guest pages: its stack, smaller, on a 4K page. */
	t = tsim_new("native", 30, 30, 4, false, "gups:size=1G,updates=1000");
	if (sim_run(&t->s, &e))
		fail_msg("%s", e.msg);
	tsim_check(t);
	assert_true(t->s.vm.gframes.peak >= (GiB >> PAGE_SHIFT) + 1);
	assert_true(t->s.vm.gframes.peak < ((GiB + 2 * MiB) >> PAGE_SHIFT));
	tsim_free(t);
}

static void test_cost_arithmetic(void **state)
{
	(void)state;
	struct tpt_config c;
	config_defaults(&c);
	struct tpt_stats st = {0};
	st.instructions = 1000;
	st.data_level[CL_L1] = 10;
	st.data_level[CL_L2] = 4;   /* 4 x 9 beyond L1 */
	st.data_level[CL_DRAM] = 2; /* 2 x 195 */
	st.walk_cycles = 700;
	st.faulted_walk_cycles = 30;
	st.exits[EXIT_EPT_VIOLATION] = 2;
	st.exits[EXIT_PT_WRITE] = 1;
	st.shadow_syncs = 2; /* 1,000 cycles each, within the CR3 loads' exits */
	st.guest_faults = 3;
	st.cleared_frames = 511; /* a 2M page's frames beyond its first, 500 cycles each */
	c.clear_frame_cycles = 500;
	st.pvops = 5;
	st.tpt_built_pages = 7;
	struct tpt_cost k;
	cost_compute(&st, &c, 2.0, &k);
	assert_true(k.base == 1000.0);
	/* Two in flight, two walkers: (730 walk + 426 data) / 2, of which the
	 * data alone would take 426 / 2. */
	double stall = (730.0 + 4 * 9 + 2 * 195) / 2;
	assert_true(fabs(k.data_stall - 426.0 / 2) < 1e-9);
	assert_true(fabs(k.walk_stall - (stall - 426.0 / 2)) < 1e-9);
	assert_int_equal(k.exits, 2 * (1500 + 2500) + 1 * (1500 + 1000) + 2 * 1000);
	assert_int_equal(k.faults, 3000 + 511 * 500);
	assert_int_equal(k.pvops, 750);
	assert_int_equal(k.construction, 700);
	assert_true(fabs(k.total - (1000.0 + stall + 12500 + 3000 + 511 * 500 + 750 + 700)) < 1e-6);
	/* The terms add up to the total. */
	assert_true(fabs(k.base + k.data_stall + k.walk_stall + (double)k.exits + (double)k.faults +
			 (double)k.pvops + (double)k.construction + (double)k.policy - k.total) < 1e-6);
	/* A chain pays every latency: mlp 1. */
	cost_compute(&st, &c, 1.0, &k);
	assert_true(fabs(k.walk_stall - 730) < 1e-9 && fabs(k.data_stall - 426) < 1e-9);
	/* Sequential accesses: the prefetchers hide their share of the data stall. */
	st.accesses = 16;
	st.seq_accesses = 16;
	cost_compute(&st, &c, 1.0, &k);
	assert_true(fabs(k.data_stall - 426 * (1 - c.prefetch)) < 1e-9);
}

/* A stream of independent misses that only walk: walks overlap up to the
 * walker count, and up to what is in flight, no further; a chain gains
 * nothing from walkers. */
static void test_cost_overlap(void **state)
{
	(void)state;
	struct tpt_config c;
	config_defaults(&c);
	struct tpt_stats st = {0};
	st.instructions = 100;
	st.walk_cycles = 8000;
	struct tpt_cost k;
	const double want[] = {8000, 4000, 2000, 1000, 1000, 1000}; /* walkers 1, 2, 4, 8, 16, 64 */
	const uint32_t walkers[] = {1, 2, 4, 8, 16, 64};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		c.walkers = walkers[i];
		cost_compute(&st, &c, 8.0, &k); /* eight independent accesses in flight */
		assert_true(fabs(k.walk_stall - want[i]) < 1e-9);
		assert_true(k.data_stall == 0);
		cost_compute(&st, &c, 1.0, &k); /* a chain */
		assert_true(fabs(k.walk_stall - 8000) < 1e-9);
	}
	/* The miss buffers bound what is in flight. */
	c.walkers = 64;
	c.miss_buffers = 4;
	cost_compute(&st, &c, 8.0, &k);
	assert_true(fabs(k.walk_stall - 2000) < 1e-9);
	/* Data misses overlap walks of other accesses: with walkers to spare, the
	 * stream takes (walks + data) / in flight. */
	c.miss_buffers = 12;
	st.data_level[CL_DRAM] = 40; /* 40 x 195 */
	cost_compute(&st, &c, 8.0, &k);
	assert_true(fabs(k.walk_stall + k.data_stall - (8000.0 + 40 * 195) / 8) < 1e-9);
	/* Two walkers: the walks bound it. */
	c.walkers = 2;
	cost_compute(&st, &c, 8.0, &k);
	assert_true(fabs(k.walk_stall + k.data_stall - 4000) < 1e-9);
}

/* Chained accesses (EV_CHAIN) are counted apart, and only they: their
 * walks' cycles and where their data hit, each a part of the totals. */
static void test_chain_counts(void **state)
{
	(void)state;
	struct tsim *t = tsim_new("nested", 12, 12, 4, false, SPEC);
	const struct tpt_stats *st = sim_account(&t->s);
	uint64_t walked = 0, chained = 0;
	for (int i = 0; i < 64; i++) {
		bool chain = i % 3 == 0;
		struct event ev = {.type = i % 2 ? EV_WRITE : EV_READ, .pid = 1, .instrs = 5,
				   .va = VA((i * 37) % 300) + 8 * (uint64_t)i,
				   .size = (uint8_t)(8 | (chain ? EV_CHAIN : 0))};
		uint64_t before = st->walk_cycles + st->faulted_walk_cycles;
		struct tpt_err e;
		if (sim_events(&t->s, &ev, 1, &e))
			fail_msg("%s", e.msg);
		walked += st->walk_cycles + st->faulted_walk_cycles - before;
		if (chain)
			chained += st->walk_cycles + st->faulted_walk_cycles - before;
	}
	assert_int_equal(st->accesses, 64);
	assert_int_equal(st->chain_accesses, 22);
	assert_int_equal(st->chain_walk_cycles, chained);
	assert_true(chained > 0 && chained < walked);
	uint64_t d = 0;
	for (int l = 0; l < CL_N; l++) {
		assert_true(st->chain_data_level[l] <= st->data_level[l]);
		d += st->chain_data_level[l];
	}
	assert_int_equal(d, 22);
	tsim_check(t);
	tsim_free(t);
}

/* The cost of chained accesses: paid in full whatever the mlp and walkers;
 * a stream all chained costs what the same stream does at mlp 1 and, as
 * each chained access waits for its whole load-to-use latency, an L1 hit's
 * more each (which an unchained access's pipeline hides). */
static void test_cost_chain(void **state)
{
	(void)state;
	struct tpt_config c;
	config_defaults(&c);
	c.walkers = 4;
	struct tpt_stats st = {0};
	st.instructions = 100;
	st.accesses = 60;
	st.walk_cycles = 8000;
	st.faulted_walk_cycles = 1000;
	st.data_level[CL_DRAM] = 40;
	struct tpt_cost one, all, part;
	cost_compute(&st, &c, 1.0, &one);
	st.chain_walk_cycles = 9000;
	st.chain_data_level[CL_DRAM] = 40;
	st.chain_accesses = 60;
	for (double mlp = 1; mlp <= 16; mlp *= 2) {
		cost_compute(&st, &c, mlp, &all);
		assert_true(fabs(all.walk_stall - one.walk_stall) < 1e-9);
		assert_true(fabs(all.data_stall - one.data_stall - 40.0 * c.l1d_latency) < 1e-9);
	}
	/* Chained L1 hits: their latency, which unchained ones do not pay. */
	st.data_level[CL_L1] = st.chain_data_level[CL_L1] = 10;
	cost_compute(&st, &c, 4.0, &part);
	assert_true(fabs(part.data_stall - all.data_stall - 10.0 * c.l1d_latency) < 1e-9);
	st.chain_data_level[CL_L1] = 0;
	cost_compute(&st, &c, 4.0, &part);
	st.data_level[CL_L1] = 0;
	cost_compute(&st, &c, 4.0, &one);
	assert_true(fabs(part.data_stall - one.data_stall) < 1e-9);
	/* Half the walks and data chained, at mlp 8: the rest overlaps as before,
	 * the chained half adds in full. */
	double lat = c.dram_latency - c.l1d_latency, full = c.dram_latency;
	st.chain_walk_cycles = 4500;
	st.chain_data_level[CL_DRAM] = 20;
	cost_compute(&st, &c, 8.0, &part);
	double stall = fmax(4500.0 / 4, (4500 + 20 * lat) / 8) + 4500 + 20 * full;
	assert_true(fabs(part.walk_stall + part.data_stall - stall) < 1e-6);
	assert_true(fabs(part.data_stall - (20 * lat / 8 + 20 * full)) < 1e-6);
	double sum = part.base + part.data_stall + part.walk_stall + (double)part.exits +
		     (double)part.faults + (double)part.pvops + (double)part.construction +
		     (double)part.policy;
	assert_true(fabs(sum - part.total) < 1e-6);
}

static void run_full(const char *scheme, struct tpt_result *r)
{
	struct tsim *t = tsim_new(scheme, 12, 21, 4, false, "gups:size=64M,updates=20K");
	struct tpt_err e;
	t->s.prm.no_prefetch = getenv("TPT_TEST_NO_PREFETCH") != NULL;
	if (sim_run(&t->s, &e))
		fail_msg("%s", e.msg);
	tsim_check(t);
	assert_int_equal(result_from_sim(r, &t->s, 1), 0);
	tsim_free(t);
}

/* A whole run of spec under scheme with cfg, its checkers run as it goes. */
static double run_cfg(const char *scheme, const char *spec, const struct tpt_config *cfg,
		      struct tpt_stats *st)
{
	struct workload wl;
	struct sim *s = calloc(1, sizeof(*s));
	struct tpt_err e;
	struct tpt_result r;
	assert_non_null(s);
	if (workload_open(&wl, spec, 1, &e))
		fail_msg("%s: %s", spec, e.msg);
	struct sim_params prm = {.scheme = scheme_find(scheme), .guest_shift = 12, .host_shift = 12,
				 .levels = 4, .seed = 1};
	if (sim_init(s, cfg, &prm, &wl, &e))
		fail_msg("sim_init %s: %s", scheme, e.msg);
	struct tsim_drive d = {s, 0};
	if (workload_run(&wl, tsim_feed, &d, scheme, false, &e) || sim_check(s, &e))
		fail_msg("%s %s: %s", scheme, spec, e.msg);
	assert_int_equal(result_from_sim(&r, s, 1), 0);
	double cycles = r.cost.total;
	*st = r.st;
	result_free(&r);
	sim_fini(s);
	workload_close(&wl);
	free(s);
	return cycles;
}

/* SHSP (VEE 2011) lands within 5 % of the better of nested and shadow
 * paging where one clearly wins: GUPS over 256 MiB (shadow: 1D walks, few
 * table updates), to which it switches once and builds the shadow table;
 * kcbench and page-table churn (nested: shadow paging exits on every table
 * update), where it never leaves nested paging. */
static void test_shsp_follows_the_better(void **state)
{
	(void)state;
	struct tpt_config cfg;
	config_defaults(&cfg);
	cfg.shsp_interval = 100000;
	static const char *const specs[] = {"gups:size=256M,updates=4M", "kcbench:jobs=2,tasks=2,cc1=20M",
					    "churn:region=64M,rounds=4,work=16"};
	for (int i = 0; i < 3; i++) {
		struct tpt_stats sn, ss, sh;
		double n = run_cfg("nested", specs[i], &cfg, &sn), sd = run_cfg("shadow", specs[i], &cfg, &ss);
		double h = run_cfg("shsp", specs[i], &cfg, &sh), best = n < sd ? n : sd;
		if (h > best * 1.05)
			fail_msg("%s: shsp %.0f cycles, nested %.0f, shadow %.0f", specs[i], h, n, sd);
		if (i == 0) {
			assert_true(sd < n);
			assert_int_equal(sh.shsp_to_shadow, 1);
			assert_int_equal(sh.shsp_to_nested, 0);
			assert_true(sh.shsp_built_pages >= 65536); /* the table's pages, at least */
		} else {
			assert_true(n < sd);
			assert_int_equal(sh.shsp_to_shadow + sh.shsp_to_nested, 0);
			assert_true(fabs(h - n) < 1e-9 * n); /* nested paging's run exactly */
		}
	}
}

/* [mem] frame_order = scattered reaches the frames a process's pages get:
 * a chain over exactly the L2 (1 MiB in 16 ways: 16 page colours) on 4K
 * pages never leaves an LRU L2 whose sets it fills evenly, as frames in
 * address order do; scattered, the colours hold Binomial(256, 1/16) pages
 * each, and the sets of every colour given more than 16 miss on every
 * step (about half the steps), the same for every run. Under random
 * replacement those sets keep most of their lines (about a fifth miss). */
static void test_scattered_frames(void **state)
{
	(void)state;
	struct tpt_config cfg;
	config_defaults(&cfg);
	cfg.l2_size = MiB;
	cfg.l2_ways = 16;
	const char *spec = "gups:size=1M,updates=200000,loop=chase";
	double share[3];
	for (int k = 0; k < 3; k++) {
		struct tpt_stats st;
		cfg.frame_order = k ? FRAMES_SCATTERED : FRAMES_ORDERED;
		cfg.l2_replacement = k == 2 ? CACHE_RANDOM : CACHE_LRU;
		run_cfg("native", spec, &cfg, &st);
		share[k] = (double)st.chain_data_level[CL_LLC] / (double)st.chain_accesses;
		if (k == 1) {
			struct tpt_stats again;
			run_cfg("native", spec, &cfg, &again);
			assert_memory_equal(&st, &again, sizeof(st));
		}
	}
	assert_true(share[0] < 0.01);
	if (share[1] < 0.35 || share[1] > 0.75)
		fail_msg("scattered frames, LRU L2: %.3f of the steps miss it, not about half", share[1]);
	if (share[2] < 0.1 || share[2] > 0.35)
		fail_msg("scattered frames, random L2: %.3f of the steps miss it, not about a fifth", share[2]);
}

static void test_runs_are_deterministic(void **state)
{
	(void)state;
	for (int i = 0; scheme_all[i]; i++) {
		struct tpt_result a, b;
		run_full(scheme_all[i]->name, &a);
		run_full(scheme_all[i]->name, &b);
		/* Warm-up is excluded: the measured phase is the 20K updates,
		 * four accesses each. */
		const struct tpt_stats *x = &a.st;
		assert_int_equal(x->accesses, 80000);
		/* The accounting identities every run keeps. */
		assert_int_equal(x->walks, x->tlb_misses);
		assert_int_equal(x->tlb_l1_hits + x->tlb_l2_hits + x->tlb_misses, x->accesses);
		assert_int_equal(x->reads + x->writes, x->accesses);
		uint64_t dl = 0, wl = 0;
		for (int l = 0; l < CL_N; l++) {
			dl += x->data_level[l];
			wl += x->walk_ref_level[l];
		}
		assert_int_equal(dl, x->accesses);
		assert_int_equal(wl, x->walk_refs + x->rmp_refs + x->faulted_walk_refs +
					     x->faulted_rmp_refs);
		assert_int_equal(x->pwc_hits + x->pwc_misses, x->walks + x->faulted_walks);
		assert_int_equal(x->rmpc_misses, x->rmp_refs + x->faulted_rmp_refs);
		assert_true(x->tag_check_cycles <= x->walk_cycles + x->faulted_walk_cycles);
		if (!strcmp(scheme_all[i]->name, "nested") || !strcmp(scheme_all[i]->name, "dvmt"))
			assert_true(x->ntlb_hits > 0 && x->ntlb_misses > 0);
		else if (strcmp(scheme_all[i]->name, "agile") && strcmp(scheme_all[i]->name, "shsp"))
			assert_int_equal(x->ntlb_hits + x->ntlb_misses, 0);
		if (!strcmp(scheme_all[i]->name, "tpt-naive") || !strcmp(scheme_all[i]->name, "tpt-opt") ||
		    !strcmp(scheme_all[i]->name, "dvmt"))
			assert_true(x->rmpc_hits > 0 && x->rmp_refs > 0);
		else
			assert_int_equal(x->rmpc_hits + x->rmpc_misses, 0);
		/* DVMT: each nested TLB miss is a custom translation; each walk
		 * ends in one token check (flat: one reference each). */
		assert_int_equal(x->dvmt_translations, !strcmp(scheme_all[i]->name, "dvmt") ? x->ntlb_misses : 0);
		assert_int_equal(x->dvmt_token_checks, !strcmp(scheme_all[i]->name, "dvmt") ? x->walks : 0);
		assert_int_equal(x->dvmt_refs, x->dvmt_translations);
		/* The working set: the 64M table and its page tables, at most. */
		assert_true(a.guest_peak >= (64 * MiB >> PAGE_SHIFT));
		assert_true(a.guest_peak <= (66 * MiB >> PAGE_SHIFT));
		/* Per-process counters add up to the totals. */
		assert_int_equal(a.nprocs, 1);
		assert_int_equal(a.procs[0].st.accesses, x->accesses);
		assert_true(a.procs[0].cost.total <= a.cost.total);
		assert_memory_equal(&a.st, &b.st, sizeof(a.st));
		json_t *ja = result_json(&a), *jb = result_json(&b);
		char *sa = json_dumps(ja, JSON_INDENT(2)), *sb = json_dumps(jb, JSON_INDENT(2));
		assert_string_equal(sa, sb);
		free(sa);
		free(sb);
		json_decref(ja);
		json_decref(jb);
		result_free(&a);
		result_free(&b);
	}
}

static void test_prefetch_changes_nothing(void **state)
{
	(void)state;
	for (int i = 0; scheme_all[i]; i++) {
		struct tpt_result a, b;
		unsetenv("TPT_TEST_NO_PREFETCH");
		run_full(scheme_all[i]->name, &a);
		setenv("TPT_TEST_NO_PREFETCH", "1", 1);
		run_full(scheme_all[i]->name, &b);
		unsetenv("TPT_TEST_NO_PREFETCH");
		assert_memory_equal(&a.st, &b.st, sizeof(a.st));
		result_free(&a);
		result_free(&b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_native_counts),
		cmocka_unit_test(test_nested_ept_violations),
		cmocka_unit_test(test_shadow_exits),
		cmocka_unit_test(test_tpt_pvops_and_construction),
		cmocka_unit_test(test_guest_2m_on_host_4k),
		cmocka_unit_test(test_prefault_removes_exits),
		cmocka_unit_test(test_segv_and_exhaustion),
		cmocka_unit_test(test_cost_arithmetic),
		cmocka_unit_test(test_cost_overlap),
		cmocka_unit_test(test_chain_counts),
		cmocka_unit_test(test_cost_chain),
		cmocka_unit_test(test_shsp_follows_the_better),
		cmocka_unit_test(test_scattered_frames),
		cmocka_unit_test(test_runs_are_deterministic),
		cmocka_unit_test(test_prefetch_changes_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
