/* SPDX-License-Identifier: MIT */
/*
 * test_study_plan.c - the study engine's plan and its reading of results
 * (include/tpt/study.h): the matrix expanded in order with canonical
 * values, run names stable and distinct, a study's files read beside it,
 * and results tpt did not write refused with the reason, no row kept.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "tpt/study/study.h"

static char dir[] = "/tmp/tpt-study-XXXXXX";

static void write_file(const char *name, const char *text)
{
	char p[512];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int load(struct study *s, const char *text, struct tpt_err *e)
{
	char p[512];
	write_file("s.ini", text);
	snprintf(p, sizeof(p), "%s/s.ini", dir);
	return study_load(s, p, e);
}

static void test_plan(void **st)
{
	(void)st;
	struct study s;
	struct tpt_err e;
	write_file("c.ini", "[cost]\nbase_cpi = 2\n");
	assert_int_equal(load(&s, "[study]\ncommand = compare\nworkload = gups\nworkload = churn\n"
				  "pages = 4096/4K 2M/1G\nseeds = 07 1\nconfig = c.ini\n",
			      &e),
			 0);
	assert_int_equal(s.nrun, 8); /* 2 workloads x 2 page pairs x 2 seeds */
	assert_string_equal(s.f.name, "s");
	/* Canonical values, in the matrix's order: workloads, pages, seeds. */
	struct study_argv a;
	study_argv(&s, &s.run[1], &a);
	assert_string_equal(a.v[0], "compare");
	assert_string_equal(a.v[2], "gups");
	assert_string_equal(a.v[4], "4K");
	assert_string_equal(a.v[6], "4K");
	assert_string_equal(a.v[8], "1");
	assert_string_equal(a.v[a.n - 4], "--config");
	assert_non_null(strstr(a.v[a.n - 3], "/c.ini")); /* beside the study, absolute */
	assert_true(a.v[a.n - 3][0] == '/');
	study_argv(&s, &s.run[7], &a);
	assert_string_equal(a.v[2], "churn");
	assert_string_equal(a.v[4], "2M");
	assert_string_equal(a.v[6], "1G");
	for (unsigned i = 0; i < s.nrun; i++)
		for (unsigned j = i + 1; j < s.nrun; j++)
			assert_string_not_equal(s.run[i].hash, s.run[j].hash);
	char h0[17];
	memcpy(h0, s.run[0].hash, sizeof(h0));
	study_free(&s);
	/* The config's bytes name the runs. */
	write_file("c.ini", "[cost]\nbase_cpi = 3\n");
	assert_int_equal(load(&s, "[study]\ncommand = compare\nworkload = gups\nworkload = churn\n"
				  "pages = 4096/4K 2M/1G\nseeds = 07 1\nconfig = c.ini\n",
			      &e),
			 0);
	assert_string_not_equal(s.run[0].hash, h0);
	study_free(&s);
	/* A policy study's schemes are its baselines: passed on, and counted
	 * with its six policies. */
	assert_int_equal(load(&s, "[study]\ncommand = policy\nworkload = gups\nschemes = nested,shsp\n", &e),
			 0);
	study_argv(&s, &s.run[0], &a);
	assert_string_equal(a.v[0], "policy");
	assert_string_equal(a.v[9], "--schemes");
	assert_string_equal(a.v[10], "nested,shsp");
	assert_int_equal(study_run_sims(&s), 8);
	study_free(&s);
	/* Refused at the plan: what would fail at run time, or run twice. */
	static const struct {
		const char *text, *want;
	} bad[] = {
		{"[study]\ncommand = compare\nworkload = gups\nseeds = 1 1\n", "seed 1 is given twice"},
		{"[study]\ncommand = compare\nworkload = gups\npages = 4K/8K\n", "is not GUEST/HOST"},
		{"[study]\ncommand = compare\nworkload = gups\nschemes = nope\n", "unknown scheme 'nope'"},
		{"[study]\ncommand = compare\nworkload = gups\nconfig = missing.ini\n", "missing.ini"},
		{"[study]\ncommand = compare\nworkload = gups\nname = a/b\n", "not a plain name"},
		{"[study]\ncommand = compare\nworkload = gups\nworkload = gups\n", "the same run"},
		{"[study]\ncommand = policy\nworkload = gups\nschemes = nested,tpt-naive\n",
		 "schemes without TPT, not tpt-naive"},
		{"[study]\ncommand = policy\nschemes = nested\n", "names workloads or scenarios"},
		{"[study]\ncommand = compare\nworkload = gups\ncommand = policy\n", "given twice"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(load(&s, bad[i].text, &e), 2);
		if (!strstr(e.msg, bad[i].want))
			fail_msg("'%s': got '%s', want '%s'", bad[i].text, e.msg, bad[i].want);
		assert_int_equal(s.nrun, 0);
	}
}

/* A compare result of two schemes, cycles as given. */
static json_t *result(const char *cycles_native)
{
	char text[1024];
	snprintf(text, sizeof(text),
		 "[{\"scheme\": \"native\", \"workload\": \"gups:size=1M\", \"cycles\": %s, \"instructions\": 10, "
		 "\"walks\": 2, \"walk_refs\": 8, \"refs_per_walk\": 4.0, \"cost_walk_stall\": 50, \"vm_exits\": 0},"
		 "{\"scheme\": \"nested\", \"workload\": \"gups:size=1M\", \"cycles\": 200, \"instructions\": 10, "
		 "\"walks\": 2, \"walk_refs\": 48, \"refs_per_walk\": 24.0, \"cost_walk_stall\": 150, \"vm_exits\": 3}]",
		 cycles_native);
	json_t *r = json_loads(text, 0, NULL);
	assert_non_null(r);
	return r;
}

static void test_rows(void **st)
{
	(void)st;
	struct study s;
	struct tpt_err e;
	assert_int_equal(load(&s, "[study]\ncommand = compare\nworkload = gups:size=1M\npages = 2M/4K\n", &e), 0);
	json_t *rows = json_array(), *res = result("100");
	assert_int_equal(study_rows(&s, &s.run[0], res, rows, &e), 0);
	assert_int_equal(json_array_size(rows), 2);
	json_t *r = json_array_get(rows, 0);
	assert_string_equal(json_string_value(json_object_get(r, "guest_page")), "2M"); /* the plan's */
	assert_true(json_real_value(json_object_get(r, "speedup_over_nested")) == 2.0);
	assert_true(json_real_value(json_object_get(r, "walk_share")) == 0.5);
	assert_true(json_is_null(json_object_get(r, "speedup_over_shadow")));
	json_decref(res);
	/* Not results: refused with the reason, and no row of them kept. */
	static const struct {
		const char *text, *want;
	} bad[] = {
		{"[1, 2, 3]", "object 1 is not an object"},
		{"{}", "not a list of results"},
		{"[]", "not a list of results"},
		{"[{\"scheme\": \"native\", \"cycles\": 1}]", "'workload' is not a string"},
		{"[{\"scheme\": \"warp\", \"workload\": \"w\"}]", "names no scheme"},
		{"[{\"scheme\": \"native\", \"workload\": \"a\\nb\"}]", "control character"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		res = json_loads(bad[i].text, 0, NULL);
		assert_int_equal(study_rows(&s, &s.run[0], res, rows, &e), 2);
		if (!strstr(e.msg, bad[i].want))
			fail_msg("'%s': got '%s', want '%s'", bad[i].text, e.msg, bad[i].want);
		json_decref(res);
	}
	const char *numbers[] = {"-1", "\"100\"", "null"};
	for (size_t i = 0; i < 3; i++) {
		res = result(numbers[i]);
		assert_int_equal(study_rows(&s, &s.run[0], res, rows, &e), 2);
		assert_non_null(strstr(e.msg, "object 1: 'cycles'"));
		json_decref(res);
	}
	assert_int_equal(json_array_size(rows), 2);
	json_decref(rows);
	study_free(&s);
}

static int setup(void **st)
{
	(void)st;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **st)
{
	(void)st;
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plan),
		cmocka_unit_test(test_rows),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
