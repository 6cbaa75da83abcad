/* SPDX-License-Identifier: MIT */
/*
 * list_cmd.c - the commands that list what can be named or set: tpt config
 * (the commented default configuration), tpt workloads, tpt schemes and
 * tpt counters (every counter of a run, from the lists in stats.h, dbt.h
 * and power.h). Only tpt counters takes an argument: which model's list.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "power/power.h"
#include "tpt/dbt/dbt.h"

static int no_args(int argc, char **argv)
{
	if (argc > 1)
		return bad("unexpected argument '%s'", argv[1]);
	return 0;
}

int cmd_config(int argc, char **argv)
{
	int rc = no_args(argc, argv);
	if (!rc)
		config_write_sample(stdout);
	return rc;
}

int cmd_workloads(int argc, char **argv)
{
	int rc = no_args(argc, argv);
	if (!rc)
		workload_list(stdout);
	return rc;
}

int cmd_schemes(int argc, char **argv)
{
	int rc = no_args(argc, argv);
	if (!rc)
		printf("%-10s %7s %7s  %s\n", "scheme", "4-level", "5-level",
		       "(references per TLB miss, caches off, 4K pages; agile: none switched; shsp: in shadow mode, nested's in nested mode)");
	for (int i = 0; !rc && scheme_all[i]; i++) {
		const struct scheme *sc = scheme_all[i];
		printf("%-10s %7u %7u  %s\n", sc->name, sc->miss_refs(4, 4, 4), sc->miss_refs(5, 5, 5),
		       sc->summary);
	}
	return rc;
}

static int print_row(void *ctx, const struct stats_row *row)
{
	(void)ctx;
	printf("%-26s %s\n", row->key, row->doc);
	return 0;
}

/* tpt counters [sim|dbt|power]: the list the model's JSON is written from. */
int cmd_counters(int argc, char **argv)
{
	const char *which = argc > 1 ? argv[1] : "sim";
	if (argc > 2)
		return bad("counters: unexpected argument '%s'", argv[2]);
	if (!strcmp(which, "sim")) {
		struct tpt_stats zero = {0};
		return stats_rows(&zero, print_row, NULL);
	}
	if (!strcmp(which, "dbt")) {
		struct dbt_stats zero = {0};
		struct tpt_config cfg;
		config_defaults(&cfg);
		return dbt_stats_rows(&zero, &cfg, print_row, NULL);
	}
	if (!strcmp(which, "power")) {
		struct power_result zero = {0};
		return power_rows(&zero, print_row, NULL);
	}
	return bad("counters: no model '%s' (sim, dbt or power)", which);
}
