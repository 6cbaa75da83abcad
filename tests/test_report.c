/* SPDX-License-Identifier: MIT */
/*
 * test_report.c - the counter list (stats.h) and its outputs: every counter
 * reaches the JSON under its key and the text report with its value; the
 * sum and difference touch every field.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tpt/sim/report.h"

/* Every field a distinct value no other field or figure shares. */
static void fill(struct tpt_stats *st)
{
	uint64_t *w = (uint64_t *)st;
	for (size_t i = 0; i < sizeof(*st) / sizeof(*w); i++)
		w[i] = 7000003 + 1009 * (uint64_t)i;
}

struct seen {
	char *text;
	json_t *json;
	unsigned rows, missing;
};

static int check_row(void *ctx, const struct stats_row *row)
{
	struct seen *s = ctx;
	json_t *v = json_object_get(s->json, row->key);
	s->rows++;
	assert_non_null(row->doc);
	assert_true(row->doc[0] != '\0');
	if (!v)
		fail_msg("JSON lacks counter %s", row->key);
	if (row->type == STATS_REAL) {
		assert_true(json_is_real(v));
		assert_true(json_real_value(v) == row->d);
		return 0;
	}
	assert_int_equal(json_integer_value(v), row->u);
	char num[32];
	snprintf(num, sizeof(num), "%llu", (unsigned long long)row->u);
	if (!strstr(s->text, num)) {
		print_error("the text report lacks counter %s (%s)\n", row->key, num);
		s->missing++;
	}
	return 0;
}

static void test_every_counter_reported(void **state)
{
	(void)state;
	struct tpt_result r = {.guest_shift = 12, .host_shift = 12, .levels = 4, .mlp = 1};
	snprintf(r.scheme, sizeof(r.scheme), "nested");
	snprintf(r.workload, sizeof(r.workload), "gups");
	fill(&r.st);
	struct tpt_config cfg;
	config_defaults(&cfg);
	cost_compute(&r.st, &cfg, 1.0, &r.cost);
	struct seen s = {0};
	size_t len;
	FILE *f = open_memstream(&s.text, &len);
	assert_non_null(f);
	result_print(f, &r);
	fclose(f);
	s.json = result_json(&r);
	assert_int_equal(stats_rows(&r.st, check_row, &s), 0);
	assert_int_equal(s.missing, 0);
	/* One row per counter, plus the exit total and the two ratios. */
	assert_int_equal(s.rows, sizeof(struct tpt_stats) / sizeof(uint64_t) + 3);
	json_decref(s.json);
	free(s.text);
}

static int stop_at_third(void *ctx, const struct stats_row *row)
{
	(void)row;
	return ++*(int *)ctx == 3 ? 42 : 0;
}

static void test_rows_stop(void **state)
{
	(void)state;
	struct tpt_stats st = {0};
	int n = 0;
	assert_int_equal(stats_rows(&st, stop_at_third, &n), 42);
	assert_int_equal(n, 3);
}

static void test_add_sub(void **state)
{
	(void)state;
	struct tpt_stats a, b, c;
	fill(&a);
	memset(&b, 0, sizeof(b));
	uint64_t *w = (uint64_t *)&b;
	for (size_t i = 0; i < sizeof(b) / sizeof(*w); i++)
		w[i] = i + 1;
	c = a;
	stats_add(&c, &b);
	const uint64_t *wa = (const uint64_t *)&a, *wc = (const uint64_t *)&c;
	for (size_t i = 0; i < sizeof(a) / sizeof(*wa); i++)
		assert_int_equal(wc[i], wa[i] + i + 1);
	stats_sub(&c, &b);
	assert_memory_equal(&c, &a, sizeof(a));
	assert_int_equal(stats_exits(&b), 0 + (offsetof(struct tpt_stats, exits) / 8 + 1) * EXIT_N +
						  EXIT_N * (EXIT_N - 1) / 2);
}

static void test_ratios(void **state)
{
	(void)state;
	struct tpt_stats st = {0};
	assert_true(stats_mpki(&st) == 0.0);
	assert_true(stats_refs_per_walk(&st) == 0.0);
	st.instructions = 4000;
	st.tlb_misses = 10;
	st.walks = 4;
	st.walk_refs = 30;
	st.rmp_refs = 6;
	assert_true(stats_mpki(&st) == 2.5);
	assert_true(stats_refs_per_walk(&st) == 9.0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_counter_reported),
		cmocka_unit_test(test_rows_stop),
		cmocka_unit_test(test_add_sub),
		cmocka_unit_test(test_ratios),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
