/* SPDX-License-Identifier: MIT */
/*
 * test_policy.c - the automatic TPT policy on synthetic metric sequences:
 * steady benefit, steady none, noise around the threshold, phase changes,
 * construction and pv-op costs, the adaptive threshold, the learned walk
 * ratio. Every step runs the state checker.
 */
#include <math.h>

#include "helpers.h"

#include "tpt/policy/policy.h"

#define CYCLES 10000000ULL
#define TRUE_RATIO 0.3 /* the simulated process's TPT walk cost per nested walk cost */

/* A process as the profiler would see it over one interval. */
struct phase {
	double walk_share;  /* nested walk cycles / interval cycles */
	uint64_t rss_pages; /* resident 4 KiB pages */
	uint64_t updates;   /* guest PTE updates per interval */
};

static struct policy_sample observe(const struct phase *ph, bool tpt)
{
	double walk = ph->walk_share * CYCLES * (tpt ? TRUE_RATIO : 1);
	return (struct policy_sample){
		.cycles = CYCLES,
		.instrs = CYCLES,
		.walks = (uint64_t)(ph->walk_share * CYCLES / 100), /* the same misses either way */
		.walk_cycles = (uint64_t)walk,
		.rss_pages = ph->rss_pages,
		.pt_updates = ph->updates,
		.tpt = tpt,
	};
}

/* Runs n intervals of one phase; returns the interval (1-based) of the
 * first switch, 0 if none. */
static unsigned run(struct policy_proc *s, const struct policy_params *p, const struct phase *ph,
		    unsigned n, unsigned *switches)
{
	unsigned first = 0;
	for (unsigned i = 1; i <= n; i++) {
		struct policy_sample x = observe(ph, s->tpt);
		enum policy_action a = policy_decide(s, p, &x);
		assert_int_equal(policy_check(s, p), 0);
		if (a != POLICY_KEEP) {
			assert_true(s->tpt == (a == POLICY_ENABLE));
			if (!first)
				first = i;
			if (switches)
				++*switches;
		}
	}
	return first;
}

/* Default parameters and a process the policy has not switched yet. */
static void fresh(struct policy_params *p, struct policy_proc *s)
{
	policy_params_default(p);
	policy_proc_init(s, p, false);
}

static const struct phase hot = {0.30, 1 << 14, 100};  /* gups-like: 30 % of cycles walking */
static const struct phase cold = {0.001, 1 << 10, 10}; /* compute-bound */

static void test_steady_benefit(void **state)
{
	(void)state;
	struct policy_params p;
	struct policy_proc s;
	fresh(&p, &s);
	unsigned sw = 0;
	assert_int_equal(run(&s, &p, &hot, 200, &sw), p.confidence);
	assert_int_equal(sw, 1);
	assert_true(s.tpt);
	assert_int_equal(s.losing, 0);
	/* Having seen both modes it knows the true walk ratio. */
	assert_true(fabs(s.cpw[1] / s.cpw[0] - TRUE_RATIO) < 0.001);
}

static void test_steady_no_benefit(void **state)
{
	(void)state;
	struct policy_params p;
	struct policy_proc s;
	fresh(&p, &s);
	unsigned sw = 0;
	assert_int_equal(run(&s, &p, &cold, 500, &sw), 0);
	assert_int_equal(sw, 0);
	assert_false(s.tpt);
	assert_true(s.gain < p.threshold);
	/* Started on, it switches off and stays off. */
	policy_proc_init(&s, &p, true);
	assert_int_equal(run(&s, &p, &cold, 500, &sw), p.confidence);
	assert_int_equal(sw, 1);
	assert_false(s.tpt);
}

static void test_noise_does_not_flip(void **state)
{
	(void)state;
	struct policy_params p;
	struct policy_proc s;
	fresh(&p, &s);
	/* Gains scattered within the dead band: no votes at all. */
	uint64_t r = 12345;
	for (int i = 0; i < 2000; i++) {
		r = r * 6364136223846793005ULL + 1442695040888963407ULL;
		double u = (double)(r >> 11) / 9007199254740992.0 * 2 - 1; /* -1..1 */
		double g = p.threshold * (1 + 0.95 * p.band * u);
		/* walk share w with gain w*(1-ratio) - construction = g */
		struct phase ph = {0, 0, 0};
		ph.walk_share = g / (1 - p.walk_ratio);
		struct policy_sample x = observe(&ph, s.tpt);
		x.walks = 0; /* keep the prior ratio: the gain is exactly the one drawn */
		assert_int_equal(policy_decide(&s, &p, &x), POLICY_KEEP);
		assert_int_equal(policy_check(&s, &p), 0);
	}
	/* Wild swings, one interval each way: the counter never saturates. */
	policy_proc_init(&s, &p, false);
	unsigned sw = 0;
	for (int i = 0; i < 1000; i++)
		run(&s, &p, i % 2 ? &hot : &cold, 1, &sw);
	assert_int_equal(sw, 0);
}

static void test_phase_change(void **state)
{
	(void)state;
	struct policy_params p;
	struct policy_proc s;
	fresh(&p, &s);
	/* Graph load (cold), then BFS (hot), then a long cold tail. */
	assert_int_equal(run(&s, &p, &cold, 50, NULL), 0);
	assert_true(run(&s, &p, &hot, 50, NULL) <= 2);
	assert_true(s.tpt);
	assert_true(run(&s, &p, &cold, 50, NULL) <= 2);
	assert_false(s.tpt);
	assert_int_equal(s.decisions, 2);
	assert_int_equal(s.losing, 0); /* on for 50 intervals: longer than the horizon */
}

static void test_settling_interval(void **state)
{
	(void)state;
	struct policy_params p;
	struct policy_proc s;
	fresh(&p, &s);
	assert_int_equal(run(&s, &p, &hot, 2, NULL), 2);
	/* The first interval on a freshly built table walks through cold lines:
	 * ten times the steady cost. It neither votes nor teaches the ratio. */
	struct policy_sample x = observe(&hot, true);
	x.walk_cycles *= 10;
	assert_int_equal(policy_decide(&s, &p, &x), POLICY_KEEP);
	assert_int_equal(s.counter, p.confidence);
	assert_true(s.cpw[1] == 0);
	assert_int_equal(run(&s, &p, &hot, 20, NULL), 0);
	assert_true(fabs(s.cpw[1] / s.cpw[0] - TRUE_RATIO) < 0.001);
	assert_true(s.gain > 0);
}

static void test_costs(void **state)
{
	(void)state;
	struct policy_params p;
	struct policy_proc s;
	policy_params_default(&p);
	/* The same walk savings (5 % of cycles) ... */
	struct phase small = {0.05 / (1 - TRUE_RATIO), 1 << 12, 0};
	struct phase big = small, churn = small;
	/* ... do not pay for building a table over 64 GiB of resident pages ... */
	big.rss_pages = 16ULL << 20;
	/* ... nor for a pv-op on each of 10,000 page-table updates per interval. */
	churn.updates = 10000;
	policy_proc_init(&s, &p, false);
	assert_true(run(&s, &p, &small, 20, NULL) > 0);
	policy_proc_init(&s, &p, false);
	assert_int_equal(run(&s, &p, &big, 20, NULL), 0);
	policy_proc_init(&s, &p, false);
	assert_int_equal(run(&s, &p, &churn, 20, NULL), 0);
	/* The estimate itself: savings minus pv-ops minus amortised construction. */
	struct policy_sample x = observe(&big, false);
	double want = (double)x.walk_cycles * (1 - p.walk_ratio) -
		      (double)big.rss_pages * p.construct_cycles / p.horizon;
	policy_proc_init(&s, &p, false);
	assert_true(fabs(policy_gain(&s, &p, &x) - want) < 1);
	x = observe(&churn, false);
	want = (double)x.walk_cycles * (1 - p.walk_ratio) - 10000.0 * p.pvop_cycles -
	       (double)churn.rss_pages * p.construct_cycles / p.horizon;
	assert_true(fabs(policy_gain(&s, &p, &x) - want) < 1);
	/* Once on, construction is sunk: only pv-ops count against. */
	x = observe(&big, true);
	want = (double)x.walk_cycles / p.walk_ratio - (double)x.walk_cycles;
	assert_true(fabs(policy_gain(&s, &p, &x) - want) < 1);
}

static void test_adaptive_threshold(void **state)
{
	(void)state;
	struct policy_params p;
	struct policy_proc s;
	fresh(&p, &s);
	/* A short burst: switched on, then off again within the horizon. */
	run(&s, &p, &hot, 3, NULL);
	assert_true(s.tpt);
	assert_int_equal(run(&s, &p, &cold, 2, NULL), 2);
	assert_false(s.tpt);
	assert_int_equal(s.decisions, 2);
	assert_int_equal(s.losing, 1);
	assert_true(fabs(s.threshold - p.threshold * p.raise) < 1e-12);
	/* A gain that would have switched it on before now does not... */
	struct phase mid = {1.8 * p.threshold / (1 - p.walk_ratio), 0, 0};
	struct policy_proc fresh;
	policy_proc_init(&fresh, &p, false);
	assert_true(run(&fresh, &p, &mid, 5, NULL) > 0);
	double raised = s.threshold;
	struct policy_sample x = observe(&mid, false);
	policy_decide(&s, &p, &x);
	assert_int_equal(s.counter, 0);
	/* ... until the threshold has aged back towards its base. */
	assert_true(s.threshold < raised);
	assert_true(run(&s, &p, &mid, 40, NULL) > 0);
	assert_true(s.tpt);
	/* Repeated reversals raise it no further than max_raise. */
	for (int i = 0; i < 20; i++) {
		run(&s, &p, &cold, 3, NULL);
		run(&s, &p, &hot, 3, NULL);
	}
	assert_true(s.threshold <= p.threshold * p.max_raise + 1e-12);
	assert_true(s.losing >= 3);
}

static void test_params_from_config(void **state)
{
	(void)state;
	struct tpt_config c;
	struct tpt_err e;
	struct policy_params p;
	config_defaults(&c);
	assert_int_equal(config_set(&c, "policy", "policy_confidence", "3", &e), 0);
	assert_int_equal(config_set(&c, "policy", "policy_threshold", "0.05", &e), 0);
	assert_int_equal(config_set(&c, "cost", "pvop_cycles", "99", &e), 0);
	assert_int_not_equal(config_set(&c, "policy", "policy_confidence", "0", &e), 0);
	assert_int_not_equal(config_set(&c, "policy", "policy_walk_ratio", "0", &e), 0);
	policy_params_from_config(&p, &c);
	assert_int_equal(p.confidence, 3);
	assert_true(p.threshold == 0.05);
	assert_int_equal(p.pvop_cycles, 99);
	/* Confidence 3: the third agreeing interval switches. */
	struct policy_proc s;
	policy_proc_init(&s, &p, false);
	assert_int_equal(run(&s, &p, &hot, 10, NULL), 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_steady_benefit),
		cmocka_unit_test(test_steady_no_benefit),
		cmocka_unit_test(test_noise_does_not_flip),
		cmocka_unit_test(test_phase_change),
		cmocka_unit_test(test_settling_interval),
		cmocka_unit_test(test_costs),
		cmocka_unit_test(test_adaptive_threshold),
		cmocka_unit_test(test_params_from_config),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
