/* SPDX-License-Identifier: MIT */
/*
 * compare_cmd.c - tpt compare: several schemes on the same access stream
 * (each run opens the workload anew with the same seed), one table.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

struct table {
	const struct tpt_result *res;
	size_t n;
};

static void print_table(const void *ctx)
{
	const struct table *t = ctx;
	result_print_compare(stdout, t->res, t->n);
}

int cmd_compare(int argc, char **argv, const json_t *rerun)
{
	struct opts o;
	struct tpt_config cfg;
	struct workload wl;
	const struct scheme *list[16];
	size_t n = 0;
	int rc = parse_opts(argc, argv, &o);
	if (rc)
		return rc;
	o.rerun = rerun;
	if (o.scheme)
		return bad("compare takes --schemes a,b,... (not --scheme %s)", o.scheme);
	if (o.policy != PROFILE_OFF || o.timeline)
		return bad("compare takes no --policy or --timeline (see tpt sim, tpt policy)");
	if (!o.workload && !o.scenario)
		o.workload = DEFAULT_WORKLOAD;
	if (o.schemes) {
		if ((rc = parse_schemes(o.schemes, list, ARRAY_LEN(list), &n)))
			return rc;
	} else {
		for (int i = 0; scheme_all[i]; i++)
			list[n++] = scheme_all[i];
	}
	if ((rc = check_outputs(&o)) || (rc = load_config(&o, &cfg)) || (rc = check_workload(&o, &wl)))
		return rc;
	struct tpt_result *res = calloc(n, sizeof(*res));
	if (!res) {
		workload_close(&wl);
		return 1;
	}
	struct run runs[ARRAY_LEN(list)];
	for (size_t i = 0; i < n; i++)
		runs[i] = (struct run){&o, list[i], &res[i], 0, {.msg = ""}};
	if ((rc = run_all(runs, n, o.jobs ? o.jobs : default_jobs(), &cfg, &wl)))
		goto out;
	json_t *arr = json_array();
	for (size_t i = 0; (o.json || o.plot || o.csv) && i < n; i++)
		json_array_append_new(arr, result_json(&res[i]));
	struct table t = {res, n};
	if ((rc = emit_figure(&o, STUDY_COMPARE, arr))) {
		json_decref(arr);
		goto out;
	}
	rc = emit_results(&o, &cfg, arr, print_table, &t);
out:
	for (size_t i = 0; i < n; i++)
		result_free(&res[i]);
	free(res);
	workload_close(&wl);
	return rc;
}
