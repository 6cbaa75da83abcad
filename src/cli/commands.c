/* SPDX-License-Identifier: MIT */
/*
 * commands.c - the tpt command's table of subcommands (read by the
 * dispatch, tpt help, the manual page and the shell completion) and the
 * dispatch to them. Each command lives in its own file (*_cmd.c); what they
 * share is in common.c; main() is in tpt.c.
 *
 * Exit status: 0 success, 1 a run failed, 2 bad usage or input.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "trace_cmd.h"
#include "tpt/base/opttab.h"
#include "tpt/base/version.h"

static int cmd_version(int argc, char **argv)
{
	if (argc > 1)
		return bad("--version takes no argument, not '%s'", argv[1]);
	printf("tpt %s (commit %s)\n", tpt_version(), tpt_commit());
	return 0;
}

const struct cli_opt rerun_opts[] = {
	{"json", "OUT", 'j', "the re-run's result as JSON (default: its text report only)"},
};
const size_t rerun_nopts = ARRAY_LEN(rerun_opts);

/* tpt rerun RESULT.json [--json OUT]: a result's command again, under its
 * recorded configuration. */
static int cmd_rerun(int argc, char **argv)
{
	struct option lo[ARRAY_LEN(rerun_opts) + 1];
	cli_longopts(rerun_opts, rerun_nopts, lo);
	bool seen[ARRAY_LEN(rerun_opts)] = {false};
	const char *out = NULL;
	opterr = 0;
	optind = 1;
	int c;
	while ((c = cli_getopt(argc, argv, lo, seen, "rerun: ")) != -1) {
		if (c == CLI_TWICE)
			return 2;
		if (c == ':')
			return bad("rerun: %s needs a value", argv[optind - 1]);
		if (c != 'j')
			return bad("rerun: unknown option '%s'", argv[optind - 1]);
		out = optarg;
	}
	if (optind != argc - 1)
		return bad("usage: tpt rerun RESULT.json [--json OUT]");
	const char *path = argv[optind];
	const char *outs[] = {out}, *ins[] = {path};
	struct tpt_err e;
	if (outfile_check_run(outs, 1, ins, 1, &e))
		return bad("%s", e.msg);
	json_t *doc;
	const json_t *prov;
	const char *name;
	if (rerun_load(path, &doc, &prov, &name))
		return 2;
	const struct cli_command *cmd = cli_command_find(name);
	int rc, n;
	char **v = NULL;
	if (!cmd || !cmd->sim)
		rc = bad("rerun: '%s' is not a command that writes results", name);
	else if (!(v = rerun_argv(json_object_get(prov, "command"), cmd->opts, *cmd->nopts, out, &n)))
		rc = bad("%s: the recorded command is not a list of strings", path);
	else
		rc = cmd->sim(n, v, prov);
	free(v);
	json_decref(doc);
	return rc;
}

/* One command's help: its synopsis, what it does, and its options, from
 * its row of the command table and its option table. */
static void command_help(FILE *out, const struct cli_command *c)
{
	fprintf(out, "usage: tpt %s%s%s\n  %s\n", c->name, c->synopsis[0] ? " " : "", c->synopsis, c->summary);
	if (c->example)
		fprintf(out, "example:\n  %s\n", c->example);
	if (!c->opts)
		return;
	fprintf(out, "\noptions%s:\n", c->opts == cli_opts ? " (of sim, compare and policy)" : "");
	for (size_t k = 0; k < *c->nopts; k++)
		opt_help_line(out, c->opts[k].name, c->opts[k].arg, c->opts[k].help);
}

/* tpt help [COMMAND] */
static int cmd_help(int argc, char **argv)
{
	if (argc > 2)
		return bad("help: unexpected argument '%s'", argv[2]);
	const struct cli_command *c = argc == 2 ? cli_command_find(argv[1]) : NULL;
	if (argc == 2 && !c)
		return bad("help: unknown command '%s' (see tpt help)", argv[1]);
	if (c && c->synopsis)
		command_help(stdout, c);
	else
		cli_usage(stdout);
	return 0;
}

/* argv[0] of a command is its name. A NULL synopsis: an alias, not listed. */
const struct cli_command cli_commands[] = {
	{"sim", "--scheme S (--workload W | --scenario FILE) [options]",
	 "one scheme, every counter", NULL, cmd_sim, cli_opts, &cli_nopts,
	 "tpt sim --scheme tpt-opt --workload gups:size=1G --json run.json"},
	{"compare", "[--workload W | --scenario FILE] [--schemes a,b,...] [options]",
	 "several schemes on one access stream", NULL, cmd_compare, cli_opts, &cli_nopts,
	 "tpt compare --workload bfs:scale=16 --guest-page 2M --host-page 2M"},
	{"policy", "[--scenario FILE] [--scheme S] [--schemes baselines] [--timeline FILE] [options]",
	 "automatic TPT against its baselines", NULL, cmd_policy, cli_opts, &cli_nopts,
	 "tpt policy --scenario mix --timeline auto.csv"},
	{"dbt", "[--workload W] [--guest ia32|pae|x86_64] [--scheme softmmu|btmmu|direct|all] "
		"[--config FILE] [--seed N] [--json FILE|-]",
	 "a binary translator's memory path: SoftMMU against BTMMU", NULL, cmd_dbt, dbt_opts, &dbt_nopts,
	 "tpt dbt --workload gups:size=64M --guest ia32 --scheme all"},
	{"trace", "info FILE [--processes] | convert IN OUT [--to F] | write --workload W -o OUT | "
		  "record -o OUT [--no-children] [--allow-failure] -- PROGRAM [ARGS]",
	 "traces: what one holds, between formats, from a generator, from a real program",
	 cmd_trace, NULL, trace_opts, &trace_nopts,
	 "tpt trace record -o ls.tpt -- ls /usr"},
	{"probe", "[--compare] [--calibrate FILE] [--json FILE|-] [--phases LIST] [options of probe]",
	 "measures this machine natively and in a KVM guest of its own, beside the model", cmd_probe,
	 NULL, probe_opts, &probe_nopts,
	 "tpt probe --compare --calibrate my-machine.ini"},
	{"power", "[--workload NAME|all|list] [--scheme S|all] [--paper FILE] [--timeline text|csv] [options of power]",
	 "the embedded Power model: in-place binary translation, page resizing, data mirroring", cmd_power, NULL, power_opts, &power_nopts,
	 "tpt power --workload lame --paper data/power/paper.csv"},
	{"study", "plan FILE | run FILE [--jobs N] [--dir DIR] | slurm FILE [--dir DIR] [--submit] | report FILE [--dir DIR] | exec DIR HASH",
	 "a matrix of runs from a study file, on every core (GNU parallel) or a Slurm cluster, resumable, merged", cmd_study,
	 NULL, study_opts, &study_nopts,
	 "tpt study run studies/smoke-small.ini --jobs 2"},
	{"rerun", "RESULT.json [--json OUT]", "a result's command again, under its configuration",
	 cmd_rerun, NULL, rerun_opts, &rerun_nopts,
	 "tpt rerun run.json --json again.json"},
	{"config", "", "the commented default configuration", cmd_config, NULL, NULL, NULL,
	 "tpt config > my.ini"},
	{"workloads", "", "workloads and their keys", cmd_workloads, NULL, NULL, NULL,
	 "tpt workloads"},
	{"schemes", "", "schemes and the references a TLB miss costs each", cmd_schemes, NULL, NULL, NULL,
	 "tpt schemes"},
	{"counters", "[sim|dbt|power]", "every counter of a model's run, as its JSON names it", cmd_counters, NULL, NULL, NULL,
	 "tpt counters dbt"},
	{"help", "[COMMAND]", "this text, or one command's", cmd_help, NULL, NULL, NULL,
	 "tpt help compare"},
	{"--help", NULL, NULL, cmd_help, NULL, NULL, NULL, NULL},
	{"-h", NULL, NULL, cmd_help, NULL, NULL, NULL, NULL},
	{"--version", "", "release and git commit of this build", cmd_version, NULL, NULL, NULL,
	 "tpt --version"},
	{"version", NULL, NULL, cmd_version, NULL, NULL, NULL, NULL},
};
const size_t cli_ncommands = ARRAY_LEN(cli_commands);

void cli_usage(FILE *out)
{
	fprintf(out, "usage:\n");
	for (size_t i = 0; i < cli_ncommands; i++) {
		const struct cli_command *c = &cli_commands[i];
		if (c->synopsis)
			fprintf(out, "  tpt %s%s%s\n      %s\n", c->name, c->synopsis[0] ? " " : "",
				c->synopsis, c->summary);
	}
	fprintf(out, "\noptions of sim, compare and policy:\n");
	for (size_t i = 0; i < cli_nopts; i++)
		opt_help_line(out, cli_opts[i].name, cli_opts[i].arg, cli_opts[i].help);
	/* Every other command's table, as the command table names it. */
	for (size_t i = 0; i < cli_ncommands; i++) {
		const struct cli_command *c = &cli_commands[i];
		if (!c->opts || c->opts == cli_opts || !c->synopsis)
			continue;
		fprintf(out, "\noptions of %s:\n", c->name);
		for (size_t k = 0; k < *c->nopts; k++)
			opt_help_line(out, c->opts[k].name, c->opts[k].arg, c->opts[k].help);
	}
}

const struct cli_command *cli_command_find(const char *name)
{
	for (size_t i = 0; i < cli_ncommands; i++)
		if (!strcmp(name, cli_commands[i].name))
			return &cli_commands[i];
	return NULL;
}

int run_command(int argc, char **argv, const json_t *rerun)
{
	const struct cli_command *c = cli_command_find(argv[0]);
	if (!c)
		return bad("unknown command '%s' (see tpt help)", argv[0]);
	if (rerun && !c->sim)
		return bad("rerun: '%s' is not a command that writes results", argv[0]);
	/* COMMAND --help (or -h) anywhere before a "--": that command's help. */
	for (int i = 1; !rerun && c->synopsis && i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			command_help(stdout, c);
			return 0;
		}
	return c->sim ? c->sim(argc, argv, rerun) : c->run(argc, argv);
}
