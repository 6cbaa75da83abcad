/* SPDX-License-Identifier: MIT */
/*
 * test_sample.c - sampled simulation (sample.h): fast-forward applies every
 * OS and hypervisor event exactly (every counter outside TPT_STATS_TIMED
 * equals the exact run's, under every scheme, for a workload of faults and
 * one of mappings coming and going); the phases add up; the estimates come
 * near the exact run's, inside their interval; the memo forgets what an
 * invalidation made stale. The checkers run after every batch of events.
 */
#include <math.h>
#include "helpers.h"
#include "tpt/sim/ffwd.h"


static void run_cfg(const char *scheme, const char *spec, bool sample, const struct tpt_config *c,
		    struct tpt_result *r)
{
	struct tpt_config cfg = *c;
	struct workload wl;
	struct sim *s = calloc(1, sizeof(*s));
	struct tpt_err e;
	assert_non_null(s);
	if (workload_open(&wl, spec, 1, &e))
		fail_msg("%s: %s", spec, e.msg);
	struct sim_params prm = {.scheme = scheme_find(scheme), .guest_shift = 12, .host_shift = 12,
				 .levels = 4, .seed = 1, .sample = sample};
	if (sim_init(s, &cfg, &prm, &wl, &e))
		fail_msg("sim_init %s: %s", scheme, e.msg);
	struct tsim_drive d = {s, 0};
	if (workload_run(&wl, tsim_feed, &d, scheme, false, &e))
		fail_msg("%s %s: %s", scheme, spec, e.msg);
	if (sample_finish(s, &e))
		fail_msg("%s", e.msg);
	if (sim_check(s, &e))
		fail_msg("at the end: %s", e.msg);
	assert_int_equal(result_from_sim(r, s, 1), 0);
	sim_fini(s);
	workload_close(&wl);
	free(s);
}

static void run_warm(const char *scheme, const char *spec, bool sample, uint32_t warming,
		     struct tpt_result *r)
{
	struct tpt_config cfg;
	config_defaults(&cfg);
	cfg.sample_warmup = 5000;
	cfg.sample_window = 5000;
	cfg.sample_period = 50000;
	cfg.sample_warming = warming;
	run_cfg(scheme, spec, sample, &cfg, r);
}

static void run(const char *scheme, const char *spec, bool sample, struct tpt_result *r)
{
	run_warm(scheme, spec, sample, SAMPLE_WARM_NONE, r);
}

/* The counters fast-forward must keep exact: all but the timing model's. */
static struct tpt_stats exact_part(const struct tpt_stats *st)
{
	struct tpt_stats x = *st, zero = {0};
	stats_copy_timed(&x, &zero);
	return x;
}

static void test_os_events_exact(void **state)
{
	(void)state;
	const char *specs[] = {"gups:size=64M,updates=200K", "churn:rounds=4"};
	for (size_t k = 0; k < ARRAY_LEN(specs); k++)
		for (int i = 0; scheme_all[i]; i++) {
			if (scheme_all[i]->timed_decisions)
				continue; /* decides at windows, not intervals: test_shsp_windows */
			struct tpt_result a, b;
			run(scheme_all[i]->name, specs[k], false, &a);
			run(scheme_all[i]->name, specs[k], true, &b);
			struct tpt_stats x = exact_part(&a.st), y = exact_part(&b.st);
			if (memcmp(&x, &y, sizeof(x)))
				fail_msg("%s %s: a counter outside the timing model differs "
					 "(faults %llu/%llu, exits %llu/%llu, pt updates %llu/%llu)",
					 scheme_all[i]->name, specs[k],
					 (unsigned long long)a.st.guest_faults, (unsigned long long)b.st.guest_faults,
					 (unsigned long long)stats_exits(&a.st), (unsigned long long)stats_exits(&b.st),
					 (unsigned long long)a.st.pt_updates, (unsigned long long)b.st.pt_updates);
			assert_false(a.sample.on);
			assert_true(b.sample.on);
			result_free(&a);
			result_free(&b);
		}
}

/* Functional warming runs the detailed path uncounted: the same exact
 * counters, and estimates at least as close. */
static void test_full_warming(void **state)
{
	(void)state;
	struct tpt_result a, b;
	run("tpt-opt", "gups:size=512M,updates=200K", false, &a);
	run_warm("tpt-opt", "gups:size=512M,updates=200K", true, SAMPLE_WARM_FULL, &b);
	struct tpt_stats x = exact_part(&a.st), y = exact_part(&b.st);
	assert_memory_equal(&x, &y, sizeof(x));
	double err = (b.cost.total - a.cost.total) / a.cost.total;
	if (fabs(err) > 0.03)
		fail_msg("full warming: sampled cycles %.0f against exact %.0f (%.2f%%)", b.cost.total,
			 a.cost.total, 100 * err);
	result_free(&a);
	result_free(&b);
}

/* Sampled, SHSP judges each detailed window (its walk cycles and the exits
 * shadow paging would take there) as it judges an interval exactly: on
 * GUPS over 256 MiB it switches to shadow paging once, building the table,
 * and lands within 5 % of the better of the two sampled modes; on kcbench
 * (nested wins) it never switches and its run is sampled nested paging's. */
static void test_shsp_windows(void **state)
{
	(void)state;
	static const char *const specs[] = {"gups:size=256M,updates=2M", "kcbench:jobs=2,tasks=2,cc1=10M"};
	for (int i = 0; i < 2; i++) {
		struct tpt_result n, sd, h;
		run("nested", specs[i], true, &n);
		run("shadow", specs[i], true, &sd);
		run("shsp", specs[i], true, &h);
		double best = n.cost.total < sd.cost.total ? n.cost.total : sd.cost.total;
		if (h.cost.total > best * 1.05)
			fail_msg("%s: sampled shsp %.0f cycles, nested %.0f, shadow %.0f", specs[i],
				 h.cost.total, n.cost.total, sd.cost.total);
		assert_true(h.sample.windows > 10);
		if (i == 0) {
			assert_true(sd.cost.total < n.cost.total);
			assert_int_equal(h.st.shsp_to_shadow, 1);
			assert_int_equal(h.st.shsp_to_nested, 0);
			assert_true(h.st.shsp_built_pages >= 65536);
		} else {
			assert_true(n.cost.total < sd.cost.total);
			assert_int_equal(h.st.shsp_to_shadow + h.st.shsp_to_nested, 0);
			assert_true(fabs(h.cost.total - n.cost.total) < 1e-9 * n.cost.total);
		}
		result_free(&n);
		result_free(&sd);
		result_free(&h);
	}
}

/* Functional warming of the last stretch before each warm-up: the same
 * exact counters and windows, the prewarmed accesses counted with
 * fast-forward's, the checkers (sample_check's invariant 1 among them)
 * holding throughout, and the estimate within 3 % as full warming's is. */
static void test_prewarm(void **state)
{
	(void)state;
	struct tpt_result a, b, n;
	struct tpt_config cfg;
	config_defaults(&cfg);
	cfg.sample_warmup = 5000;
	cfg.sample_window = 5000;
	cfg.sample_period = 50000;
	run("tpt-opt", "gups:size=512M,updates=200K", false, &a);
	run("tpt-opt", "gups:size=512M,updates=200K", true, &n);
	cfg.sample_prewarm = 20000;
	run_cfg("tpt-opt", "gups:size=512M,updates=200K", true, &cfg, &b);
	struct tpt_stats x = exact_part(&a.st), y = exact_part(&b.st);
	assert_memory_equal(&x, &y, sizeof(x));
	assert_int_equal(b.sample.windows, n.sample.windows);
	assert_int_equal(b.sample.detailed, n.sample.detailed);
	assert_int_equal(b.sample.warmed, n.sample.warmed);
	assert_int_equal(b.sample.fast_forwarded, n.sample.fast_forwarded);
	/* Each period but the first (which starts at the mark) prewarms 20K. */
	assert_int_equal(n.sample.prewarmed, 0);
	assert_true(b.sample.prewarmed >= (b.sample.windows - 1) * 20000);
	assert_true(b.sample.prewarmed <= b.sample.windows * 20000);
	double err = (b.cost.total - a.cost.total) / a.cost.total;
	if (fabs(err) > 0.03)
		fail_msg("prewarm: sampled cycles %.0f against exact %.0f (%.2f%%)", b.cost.total,
			 a.cost.total, 100 * err);
	/* It changed what the windows saw: the caches were warmed. */
	assert_true(b.st.data_level[CL_DRAM] != n.st.data_level[CL_DRAM] ||
		    b.st.walk_ref_level[CL_DRAM] != n.st.walk_ref_level[CL_DRAM]);
	result_free(&a);
	result_free(&b);
	result_free(&n);
}

static void test_phases_and_estimates(void **state)
{
	(void)state;
	struct tpt_result a, b;
	/* 800K measured accesses: 16 periods of 50K. */
	run("nested", "gups:size=512M,updates=200K", false, &a);
	run("nested", "gups:size=512M,updates=200K", true, &b);
	const struct sample_result *m = &b.sample;
	assert_int_equal(b.st.accesses, 800000);
	assert_int_equal(m->windows, 16);
	assert_int_equal(m->detailed, 16 * 5000);
	assert_int_equal(m->warmed, 16 * 5000);
	assert_int_equal(m->detailed + m->warmed + m->fast_forwarded, b.st.accesses);
	/* The timing counters are estimates of the whole run, consistent as
	 * the exact ones are (each scaled alike, rounded). */
	assert_true(llabs((long long)(b.st.tlb_l1_hits + b.st.tlb_l2_hits + b.st.tlb_misses) -
			  (long long)b.st.accesses) <= 3);
	double err = (b.cost.total - a.cost.total) / a.cost.total;
	double ci = result_ci95_cycles(&b);
	assert_false(isnan(ci));
	assert_true(ci > 0 && ci < 0.05);
	if (fabs(err) > 0.05)
		fail_msg("sampled cycles %.0f against exact %.0f (%.2f%%), interval +-%.2f%%", b.cost.total,
			 a.cost.total, 100 * err, 100 * ci);
	/* The JSON says which counters are estimated and how sure the figures are. */
	json_t *j = result_json(&b), *smp = json_object_get(j, "sample");
	assert_non_null(smp);
	assert_int_equal(json_integer_value(json_object_get(smp, "windows")), 16);
	assert_true(json_is_real(json_object_get(json_object_get(smp, "ci95"), "cycles")));
	json_t *est = json_object_get(smp, "estimated_counters");
	bool walks = false, faults = false;
	for (size_t i = 0; i < json_array_size(est); i++) {
		const char *k = json_string_value(json_array_get(est, i));
		walks |= !strcmp(k, "walks");
		faults |= !strcmp(k, "guest_faults");
	}
	assert_true(walks && !faults);
	json_decref(j);
	assert_null(json_object_get(j = result_json(&a), "sample"));
	json_decref(j);
	result_free(&a);
	result_free(&b);
}

/* sample_ci: a target half the interval the period gives adds windows
 * (about four times as many) until it is met; what is exact stays exact. */
static void test_target_precision(void **state)
{
	(void)state;
	struct tpt_config cfg;
	struct tpt_result a, b;
	config_defaults(&cfg);
	cfg.sample_warmup = cfg.sample_window = 1000;
	cfg.sample_period = 1000000;
	run_cfg("nested", "gups:size=256M,updates=8M", true, &cfg, &a);
	double ci = result_ci95_cycles(&a);
	assert_true(ci > 0 && !isnan(ci));
	cfg.sample_ci = ci / 2;
	run_cfg("nested", "gups:size=256M,updates=8M", true, &cfg, &b);
	assert_true(b.sample.windows > 2 * a.sample.windows);
	if (!(result_ci95_cycles(&b) <= cfg.sample_ci * 1.1))
		fail_msg("target +-%.3f%%, reached +-%.3f%% with %llu windows (%llu without)", 100 * cfg.sample_ci,
			 100 * result_ci95_cycles(&b), (unsigned long long)b.sample.windows,
			 (unsigned long long)a.sample.windows);
	struct tpt_stats x = exact_part(&a.st), y = exact_part(&b.st);
	assert_memory_equal(&x, &y, sizeof(x));
	assert_true(b.sample.period >= 2000 && b.sample.period <= 1000000);
	assert_true(b.sample.target == cfg.sample_ci && a.sample.target == 0);
	result_free(&a);
	result_free(&b);
}

/* One window only: no interval, and the result says so. */
static void test_one_window(void **state)
{
	(void)state;
	struct tpt_result b;
	run("nested", "gups:size=64M,updates=2K", true, &b);
	assert_int_equal(b.sample.windows, 1);
	assert_true(isnan(result_ci95_cycles(&b)));
	result_free(&b);
}

static void test_memo(void **state)
{
	(void)state;
	struct ffwd f;
	struct tpt_err e;
	const uint64_t R = 1ULL << FFWD_SHIFT; /* a region's bytes */
	assert_int_equal(ffwd_init(&f, 1000), 0);
	assert_int_equal(f.mask + 1, 1024);
	assert_false(ffwd_lookup(&f, 0x1000, 1, false));
	ffwd_fill(&f, 0x1234, 1, false);
	assert_true(ffwd_lookup(&f, 0x1000, 1, false));
	assert_false(ffwd_lookup(&f, 0x1000, 1, true)); /* read-only so far */
	assert_false(ffwd_lookup(&f, 0x1000, 2, false)); /* another address space */
	assert_false(ffwd_lookup(&f, 0x2000, 1, false)); /* the next page, same region */
	assert_false(ffwd_lookup(&f, R + 0x1000, 1, false)); /* the same page of the next region */
	ffwd_fill(&f, 0x1000, 1, true);
	assert_true(ffwd_lookup(&f, 0x1fff, 1, true));
	ffwd_fill(&f, 0x1000, 1, false); /* a read fill keeps what a write gave */
	assert_true(ffwd_lookup(&f, 0x1000, 1, true));
	assert_int_equal(f.used, 1);
	assert_int_equal(ffwd_check(&f, &e), 0);
	/* Every page of 3 regions in three address spaces, alternate pages
	 * writable: each found, writable where filled so. */
	const uint64_t base = 0x7f0000000000ULL, pages = 3ULL * FFWD_PAGES;
	for (uint64_t i = 0; i < pages; i++)
		ffwd_fill(&f, base + (i << 12), 3 + (unsigned)(i % 3), i & 1);
	assert_int_equal(ffwd_check(&f, &e), 0);
	for (uint64_t i = 0; i < pages; i++) {
		uint64_t va = base + (i << 12);
		assert_true(ffwd_lookup(&f, va, 3 + (unsigned)(i % 3), false));
		assert_true(ffwd_lookup(&f, va, 3 + (unsigned)(i % 3), true) == (i & 1));
		assert_false(ffwd_lookup(&f, va, 3 + (unsigned)((i + 1) % 3), false));
	}
	assert_int_equal(f.used, 1 + 3 * 3);
	ffwd_clear(&f);
	assert_false(ffwd_lookup(&f, 0x1000, 1, false));
	for (uint64_t i = 0; i < pages; i++)
		assert_false(ffwd_lookup(&f, base + (i << 12), 3 + (unsigned)(i % 3), false));
	assert_int_equal(ffwd_check(&f, &e), 0);
	/* More regions than three quarters of the slots: the memo starts
	 * again, and what it holds is right. */
	for (uint64_t r = 0; r < 1000; r++)
		ffwd_fill(&f, r * R, 7, false);
	assert_true(f.used <= 3 * (f.mask + 1) / 4);
	assert_true(ffwd_lookup(&f, 999 * R, 7, false));
	assert_false(ffwd_lookup(&f, 0, 7, false)); /* forgotten at the restart */
	assert_int_equal(ffwd_check(&f, &e), 0);
	/* The checker sees a page writable but not seen. */
	for (uint64_t i = 0; i <= f.mask; i++)
		if (f.slot[i].gen == f.gen && f.slot[i].key == ffwd_key(999 * R, 7))
			f.bits[i * FFWD_WORDS + 1] |= 2;
	assert_int_not_equal(ffwd_check(&f, &e), 0);
	assert_non_null(strstr(e.msg, "invariant 3"));
	ffwd_clear(&f);
	/* The generation wraps: everything older is gone, not revived. */
	f.gen = UINT32_MAX;
	ffwd_fill(&f, 0x5000, 1, false);
	ffwd_clear(&f);
	assert_int_equal(f.gen, 1);
	assert_false(ffwd_lookup(&f, 0x5000, 1, false));
	assert_int_equal(ffwd_check(&f, &e), 0);
	ffwd_fini(&f);
}

/* [sample] keys that cannot work are refused in one line. */
static void test_config_refused(void **state)
{
	(void)state;
	struct tpt_config c;
	struct tpt_err e;
	config_defaults(&c);
	c.sample_warmup = 600000;
	c.sample_window = 600000;
	assert_int_equal(config_validate(&c, &e), -1);
	assert_non_null(strstr(e.msg, "exceed sample_period"));
	config_defaults(&c);
	c.sample_prewarm = 800000;
	assert_int_equal(config_validate(&c, &e), -1);
	assert_non_null(strstr(e.msg, "sample_prewarm (1100000) exceed sample_period"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_os_events_exact),
		cmocka_unit_test(test_phases_and_estimates),
		cmocka_unit_test(test_full_warming),
		cmocka_unit_test(test_prewarm),
		cmocka_unit_test(test_shsp_windows),
		cmocka_unit_test(test_one_window),
		cmocka_unit_test(test_target_precision),
		cmocka_unit_test(test_memo),
		cmocka_unit_test(test_config_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
