/*
 * main.c - the tpt command: the table of subcommands and the dispatch to
 * them. Each command lives in its own file (*_cmd.c); what they share is
 * in common.c.
 *
 * Exit status: 0 success, 1 a run failed, 2 bad usage or input.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "trace_cmd.h"
#include "tpt/version.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: tpt sim --scheme S --workload W [options]\n"
		"       tpt compare [--workload W] [--schemes a,b,...] [options]\n"
		"       tpt policy [--scenario FILE|NAME] [--scheme S] [--timeline FILE] [options]\n"
		"       tpt trace info|convert|write|record ... (see tpt trace help)\n"
		"       tpt dbt [--workload W] [--guest ia32|pae|x86_64] [--scheme softmmu|btmmu|direct|all]\n"
		"               [--config FILE] [--seed N] [--json FILE|-]   binary-translator memory path\n"
		"       tpt rerun RESULT.json [--json OUT]   a result's command again, under its configuration\n"
		"       tpt config | tpt workloads | tpt schemes | tpt counters | tpt help | tpt --version\n"
		"\noptions:\n"
		"  --scheme S          native, nested, shadow, agile, tpt-naive, tpt-opt, tpt-emul\n"
		"  --schemes LIST      schemes for compare (default: all)\n"
		"  --workload W        NAME:key=value,... (default for compare: " DEFAULT_WORKLOAD ")\n"
		"  --scenario FILE     several workloads as processes of one VM (a file or a name)\n"
		"  --thp POLICY        never, always or madvise (guest transparent huge pages)\n"
		"  --no-pcid           context switches flush the TLB\n"
		"  --guest-page SIZE   4K, 2M or 1G (default 4K)\n"
		"  --host-page SIZE    4K, 2M or 1G (default 4K)\n"
		"  --levels N          4 or 5 page-table levels (default 4)\n"
		"  --no-walk-caches    paging-structure caches, nested TLB and RMP cache off\n"
		"  --config FILE       machine and cost parameters (see tpt config)\n"
		"  --seed N            workload seed (default 1)\n"
		"  --json FILE|-       write results as JSON\n"
		"  --policy P          sim under a TPT scheme: auto (the profiling policy) or threshold\n"
		"                      (TPT while STLB misses per kilo-instruction exceed [policy] policy_mpki)\n"
		"  --timeline FILE     with --policy: every profiler sample as CSV\n");
}


static int cmd_version(int argc, char **argv)
{
	if (argc > 1)
		return bad("--version takes no argument, not '%s'", argv[1]);
	printf("tpt %s (commit %s)\n", tpt_version(), tpt_commit());
	return 0;
}

static int cmd_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	usage(stdout);
	return 0;
}

/* argv[0] of a command is its name. The simulation commands take the
 * provenance of the result being re-run (NULL: none); the others do not. */
static const struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	int (*sim)(int argc, char **argv, const json_t *rerun);
} commands[] = {
	{"sim", NULL, cmd_sim},           {"compare", NULL, cmd_compare},
	{"policy", NULL, cmd_policy},     {"dbt", NULL, cmd_dbt},
	{"trace", cmd_trace, NULL},       {"rerun", cmd_rerun, NULL},
	{"config", cmd_config, NULL},     {"workloads", cmd_workloads, NULL},
	{"schemes", cmd_schemes, NULL},   {"counters", cmd_counters, NULL},
	{"help", cmd_help, NULL},         {"--help", cmd_help, NULL},
	{"-h", cmd_help, NULL},           {"--version", cmd_version, NULL},
	{"version", cmd_version, NULL},
};

int run_command(int argc, char **argv, const json_t *rerun)
{
	for (size_t i = 0; i < ARRAY_LEN(commands); i++) {
		const struct command *c = &commands[i];
		if (strcmp(argv[0], c->name))
			continue;
		if (rerun && !c->sim)
			return bad("rerun: '%s' is not a command that writes results", argv[0]);
		return c->sim ? c->sim(argc, argv, rerun) : c->run(argc, argv);
	}
	return bad("unknown command '%s' (see tpt help)", argv[0]);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	int rc = run_command(argc - 1, argv + 1, NULL);
	struct tpt_err e;
	if (!rc && outfile_stdout_ok(&e)) {
		fprintf(stderr, "tpt: %s\n", e.msg);
		return 1;
	}
	return rc;
}
