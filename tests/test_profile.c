/* SPDX-License-Identifier: MIT */
/*
 * test_profile.c - the profiler in the simulated guest: the counters it
 * reads (pt_updates, seq_accesses), its samples and their cost, and the
 * automatic policy and the mpki baseline switching TPT in whole runs.
 */
#include <stdio.h>

#include <math.h>

#include "helpers.h"

#include "tpt/sim/profile.h"

#define VA(i) (WL_BASE_VA + (uint64_t)(i) * PAGE_SIZE)

static void test_sampled_counters(void **state)
{
	(void)state;
	struct tsim *t = tsim_new("native", 12, 12, 4, false, "gups:size=64M,updates=1,init=none");
	const struct tpt_stats *st = sim_account(&t->s);
	uint64_t pt0 = st->pt_updates;
	tsim_access(t, VA(0), false);
	/* A first touch into an empty table writes an entry at every level. */
	assert_int_equal(st->pt_updates - pt0, 4);
	tsim_access(t, VA(0) + 8, false); /* same page */
	tsim_access(t, VA(1), true);      /* next page: one PTE */
	assert_int_equal(st->pt_updates - pt0, 5);
	tsim_access(t, VA(9), false);     /* a jump */
	tsim_access(t, VA(8), false);     /* backwards is not sequential */
	assert_int_equal(st->seq_accesses, 2);
	assert_int_equal(t->s.vm.cur->pt.pages, 4);
	tsim_check(t);
	tsim_free(t);
}

struct prun {
	struct tpt_result r;
	uint64_t lines, enables_logged;
	unsigned long long longest; /* cycles of the longest sampled interval */
};

static void run_policy(const char *scheme, enum profile_kind kind, const char *spec,
		       const struct tpt_config *cfg, struct prun *out)
{
	struct workload wl;
	struct sim *s = calloc(1, sizeof(*s));
	struct tpt_err e;
	assert_non_null(s);
	if (workload_open(&wl, spec, 1, &e))
		fail_msg("%s", e.msg);
	FILE *tl = tmpfile();
	assert_non_null(tl);
	struct sim_params prm = {.scheme = scheme_find(scheme), .guest_shift = 12, .host_shift = 12,
				 .levels = 4, .seed = 1, .policy = kind, .timeline = tl};
	if (sim_init(s, cfg, &prm, &wl, &e))
		fail_msg("sim_init: %s", e.msg);
	if (sim_run(s, &e))
		fail_msg("%s", e.msg);
	if (sim_check(s, &e))
		fail_msg("%s", e.msg);
	assert_int_equal(result_from_sim(&out->r, s, 1), 0);
	sim_fini(s);
	workload_close(&wl);
	free(s);
	rewind(tl);
	char line[512];
	out->lines = out->enables_logged = 0;
	out->longest = 0;
	while (fgets(line, sizeof(line), tl)) {
		unsigned long long cycles;
		if (sscanf(line, "%*d,%*[^,],%*u,%*u,%llu,", &cycles) == 1 && cycles > out->longest)
			out->longest = cycles;
		out->lines++;
		out->enables_logged += strstr(line, ",enable") != NULL;
	}
	fclose(tl);
}

#define HOT "gups:size=256M,updates=3M" /* a dozen intervals and more under the overlapping cost model */
#define COLD "sysbench:block=1M,total=512M,mode=seq"

static void test_auto_enables_hot_process(void **state)
{
	(void)state;
	struct tpt_config c;
	config_defaults(&c);
	struct prun a, b, never;
	run_policy("tpt-opt", PROFILE_AUTO, HOT, &c, &a);
	const struct tpt_stats *st = &a.r.st;
	assert_int_equal(st->policy_enables, 1);
	assert_int_equal(st->policy_disables, 0);
	assert_int_equal(a.enables_logged, 1);
	assert_true(st->profile_samples > 10);
	assert_true(a.lines >= st->profile_samples); /* the timeline has the warm-up too */
	/* Each sample reads PROFILE_COUNTERS counters. */
	assert_true(a.r.cost.policy == (double)(st->profile_samples * PROFILE_COUNTERS *
						c.policy_counter_cycles));
	/* The table was built in the measured phase: every resident page once
	 * (the table's and ran[]'s). */
	assert_int_equal(st->tpt_built_pages, 256 * MiB / PAGE_SIZE + 1);
	/* Before and after the enable: the two add up to the run, the table's
	 * construction falls after, and walks cost fewer references once on
	 * TPT (nested walks 4 to 24, TPT's 1 to 4 with the caches). */
	const struct proc_result *p = &a.r.procs[0];
	assert_true(p->tpt_enabled);
	struct tpt_stats sum = p->before;
	stats_add(&sum, &p->after);
	assert_memory_equal(&sum, &p->st, sizeof(sum));
	assert_int_equal(p->before.tpt_built_pages, 0);
	assert_int_equal(p->after.tpt_built_pages, st->tpt_built_pages);
	assert_true(p->before_cost.construction == 0 && p->after_cost.construction > 0);
	assert_true(fabs(p->before_cost.total + p->after_cost.total - p->cost.total) < 1e-6 * p->cost.total);
	double before_rpw = (double)p->before.walk_refs / (double)p->before.walks,
	       after_rpw = (double)p->after.walk_refs / (double)p->after.walks;
	assert_true(before_rpw > 2 * after_rpw);
	assert_int_equal(p->before.policy_enables, 0);
	/* Same seed, same decisions. */
	run_policy("tpt-opt", PROFILE_AUTO, HOT, &c, &b);
	assert_memory_equal(&a.r.st, &b.r.st, sizeof(a.r.st));
	/* Faster than nested paging throughout, construction and the phase
	 * before the switch included (TPT from the start: 1.29x). */
	run_policy("nested", PROFILE_OFF, HOT, &c, &never);
	assert_true(a.r.cost.total < 0.9 * never.r.cost.total);
	result_free(&a.r);
	result_free(&b.r);
	result_free(&never.r);
}

static void test_auto_leaves_cold_process(void **state)
{
	(void)state;
	struct tpt_config c;
	config_defaults(&c);
	struct prun a;
	run_policy("tpt-opt", PROFILE_AUTO, COLD, &c, &a);
	assert_int_equal(a.r.st.policy_enables, 0);
	assert_int_equal(a.r.st.tpt_built_pages, 0);
	assert_int_equal(a.enables_logged, 0);
	assert_false(a.r.procs[0].tpt_enabled);
	assert_true(a.r.st.profile_samples > 0);
	/* Sequential streaming: nearly every access is to the same or next page. */
	assert_true(a.r.st.seq_accesses * 100 > a.r.st.accesses * 99);
	result_free(&a.r);
}

static void test_mpki_baseline(void **state)
{
	(void)state;
	struct tpt_config c;
	config_defaults(&c);
	struct prun a;
	run_policy("tpt-opt", PROFILE_MPKI, HOT, &c, &a);
	/* The warm-up's misses (2 per kilo-instruction) already pass 1.0: it is on
	 * before the measured phase, whose walks are all TPT walks (tag checks). */
	assert_true(a.enables_logged >= 1);
	assert_true(a.r.st.rmp_refs > 0);
	result_free(&a.r);
	c.policy_mpki = 1e5; /* unreachable */
	run_policy("tpt-opt", PROFILE_MPKI, HOT, &c, &a);
	assert_int_equal(a.r.st.policy_enables, 0);
	assert_int_equal(a.r.st.tpt_built_pages, 0);
	assert_int_equal(a.r.st.rmp_refs, 0);
	assert_int_equal(a.enables_logged, 0);
	result_free(&a.r);
}

static void test_samples_keep_their_interval(void **state)
{
	(void)state;
	struct tpt_config c;
	config_defaults(&c);
	struct prun a;
	/* The build streams through cache at a few cycles an access, the search
	 * then misses at over a hundred: the sample at the change stays short. */
	run_policy("tpt-opt", PROFILE_AUTO, "bfs:scale=16,build=measure", &c, &a);
	assert_true(a.lines > 10);
	/* (Polling once an interval at the old rate made one 29 M cycles long.) */
	assert_true(a.longest < 2.0 * c.policy_interval);
	assert_true(a.enables_logged >= 1);
	result_free(&a.r);
}

static void test_policy_needs_tpt_scheme(void **state)
{
	(void)state;
	struct tpt_config c;
	struct workload wl;
	struct sim s;
	struct tpt_err e;
	config_defaults(&c);
	assert_int_equal(workload_open(&wl, HOT, 1, &e), 0);
	struct sim_params prm = {.scheme = scheme_find("nested"), .guest_shift = 12,
				 .host_shift = 12, .levels = 4, .policy = PROFILE_AUTO};
	assert_int_not_equal(sim_init(&s, &c, &prm, &wl, &e), 0);
	assert_non_null(strstr(e.msg, "needs a TPT scheme"));
	workload_close(&wl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sampled_counters),
		cmocka_unit_test(test_auto_enables_hot_process),
		cmocka_unit_test(test_auto_leaves_cold_process),
		cmocka_unit_test(test_mpki_baseline),
		cmocka_unit_test(test_samples_keep_their_interval),
		cmocka_unit_test(test_policy_needs_tpt_scheme),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
