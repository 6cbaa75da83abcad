/* SPDX-License-Identifier: MIT */
/*
 * cli.h - what the tpt command's subcommands share (common.c): options,
 * configuration, the workload, output files; the runs (runs.c); and the commands
 * themselves, one file each, that main.c dispatches to.
 */
#ifndef TPT_CLI_H
#define TPT_CLI_H

#include <getopt.h>
#include <jansson.h>

#include "tpt/base/outfile.h"
#include "tpt/sim/report.h"
#include "tpt/study/study.h"

#define DEFAULT_WORKLOAD "gups"

struct opts {
	const char *scheme, *schemes, *workload, *scenario, *config, *json, *thp, *timeline;
	const char *plot, *csv; /* compare and policy: the run's figure and rows */
	enum profile_kind policy;
	bool no_pcid;
	unsigned guest_shift, host_shift;
	int levels;
	bool no_walk_caches, whole_run, sample;
	uint64_t seed;
	int arm; /* sim_params.arm: who gets TPT without a policy */
	char arm_names[32][16];
	unsigned narm;
	/* Provenance: the command as given (argv[0] the subcommand), and when
	 * re-running a result (tpt rerun) that result's provenance, whose
	 * configuration replaces defaults and --config, and whose command is
	 * the one recorded. */
	int argc;
	char **argv;
	const json_t *rerun;
	unsigned jobs; /* runs at once (compare, policy); 0: default_jobs() */
	/* The command's option table: how provenance reads argv (which words
	 * are outputs, however spelled). */
	const struct cli_opt *table;
	size_t ntable;
};

/* An option of the simulation commands: --name [ARG], the value getopt
 * returns for it, and its help line. */
struct cli_opt {
	const char *name, *arg; /* arg: its metavariable, NULL for a flag */
	int val;
	const char *help;
};
extern const struct cli_opt cli_opts[];
extern const size_t cli_nopts;
/* The options of tpt probe (probe_cmd.c). */
extern const struct cli_opt probe_opts[];
extern const size_t probe_nopts;
/* The options of tpt dbt (dbt_cmd.c). */
extern const struct cli_opt dbt_opts[];
extern const size_t dbt_nopts;
/* The options of tpt power (power_cmd.c). */
extern const struct cli_opt power_opts[];
extern const size_t power_nopts;
/* The options of tpt trace (trace_cmd.c), tpt study (study_cmd.c) and
 * tpt rerun (commands.c). */
extern const struct cli_opt trace_opts[];
extern const size_t trace_nopts;
extern const struct cli_opt study_opts[];
extern const size_t study_nopts;
extern const struct cli_opt rerun_opts[];
extern const size_t rerun_nopts;
/* getopt_long's table of n options (lo has room for n + 1). */
void cli_longopts(const struct cli_opt *t, size_t n, struct option *lo);
/* getopt_long over lo (optstring ":"), refusing an option given twice (an
 * option given twice is a mistake, not "the last one wins"): the next
 * option's value, -1 at the end, or CLI_TWICE after saying "WHO--NAME is
 * given twice". seen: one flag per row of lo, false at the start. */
enum { CLI_TWICE = -2 };
int cli_getopt(int argc, char **argv, const struct option *lo, bool *seen, const char *who);
/* The same with short options (shorts: getopt's optstring, ':' first);
 * a short option is the row of lo with its letter as val, and counts as it. */
int cli_getopt_short(int argc, char **argv, const char *shorts, const struct option *lo, bool *seen,
		     const char *who);

/* A subcommand: its name, synopsis, one-line summary, and what runs it (the
 * simulation commands take the provenance of a result being re-run, and
 * name their option table, by which a recorded command is read again). */
struct cli_command {
	const char *name, *synopsis, *summary;
	int (*run)(int argc, char **argv);
	int (*sim)(int argc, char **argv, const json_t *rerun);
	const struct cli_opt *opts;
	const size_t *nopts;
	const char *example; /* a command line a user would type (tpt X --help, tpt(1)) */
};
/* The command named name, or NULL. */
const struct cli_command *cli_command_find(const char *name);
/* How many words argv[i] and the ones after it take when it is one of the
 * options `names` (NULL-terminated, without "--") of table t, spelled as
 * getopt_long would accept it (--name, an unambiguous prefix, =VALUE): 2
 * for "--name VALUE", 1 for "--name=VALUE" or a flag, 0 when it is
 * another word. */
int cli_option_words(const struct cli_opt *t, size_t n, char *const *argv, int argc, int i,
		     const char *const *names);
extern const struct cli_command cli_commands[];
extern const size_t cli_ncommands;
/* The usage text: commands and options, from the two tables. */
void cli_usage(FILE *out);

/* One line "tpt: ..." on stderr; returns 2. */
int bad(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int parse_opts(int argc, char **argv, struct opts *o);
int load_config(const struct opts *o, struct tpt_config *cfg);
/* The run's workload (a spec, or a scenario), opened. 0, or -1 with e set. */
int open_workload(const struct opts *o, struct workload *wl, struct tpt_err *e);
/* Opens the workload before any run, so errors come first and once; no
 * output may be a file it reads (a trace, a scenario's traces). 0 with *wl
 * open (the caller closes it, after the runs that use it), or 2 said. */
int check_workload(const struct opts *o, struct workload *wl);
/* The trace a workload spec reads (trace:path=FILE), in buf, or NULL. */
const char *spec_path(const char *spec, char *buf, size_t len);
/* Before any run: the outputs writable, none an input of the run, no two
 * the same file. 0, or 2 said on stderr. */
int check_outputs(const struct opts *o);
/* One run of several: its options, scheme, result, status and error. */
struct run {
	const struct opts *o;
	const struct scheme *sc;
	struct tpt_result *res;
	int rc;
	struct tpt_err err;
};
/*
 * Runs them (each rc 0 on entry; runs.c), jobs at a time. One run runs in
 * this process; several run each in a child process of its own, which sends
 * its result back, so that a generator is set up once: wl, when not NULL, is
 * the workload every run names, open (check_workload), and each child takes
 * a copy-on-write copy of it as it stands; a workload that reads files (a
 * trace) is closed here and opened again by each child instead. Results are the same bytes
 * for any jobs and with or without wl; the status and the one error line are
 * those of the first failing run in order, as one after another would give,
 * and one after another (jobs 1) stops at the first failure. wl is used up
 * by a run in this process; the caller closes it either way.
 */
int run_all(struct run *runs, size_t n, unsigned jobs, const struct tpt_config *cfg,
	    struct workload *wl);
/* --schemes's comma-separated names into list (at most max), in order;
 * 0, or 1 with one line said for an unknown name, too many or none. */
int parse_schemes(const char *s, const struct scheme **list, size_t max, size_t *n);
/* The number of CPUs online (--jobs's default). */
unsigned default_jobs(void);
/* An output file (outfile.h): written whole or not at all. */
struct out {
	FILE *f;
	struct outfile of;
};
int out_open(struct out *o, const char *path);
int out_close(struct out *o, bool keep);
/* To stdout ("-") or through out_open. 0 or -1 (said on stderr). */
int write_json(const char *path, json_t *doc);
/* A command's results: doc (taken), with its provenance, to --json's path if
 * given, then the text report by print(ctx) unless the JSON went to stdout. 0, or 1 when the
 * JSON could not be written. */
/* --plot and --csv of compare and policy: the run's result (its JSON array,
 * before provenance) as a study's report would draw and list it. 0, or 1
 * said on stderr. */
int emit_figure(const struct opts *o, enum study_kind kind, const json_t *res);
int emit_results(const struct opts *o, const struct tpt_config *cfg, json_t *doc,
		 void (*print)(const void *ctx), const void *ctx);
/* tpt probe --tcg (tcg_cmd.c): what probe_cmd.c parsed for it; 0 where
 * the option was not given (the plan's default). */
struct tcg_args {
	uint64_t size, seed;
	unsigned rounds, timeout_s;
	bool allow_busy, compare;
	const char *calibrate, *json;
};
/* Times QEMU's TCG, runs tpt dbt on the same loops with --compare, writes
 * the [dbt] fragment with --calibrate; the exit status. */
int probe_tcg(const struct tcg_args *a, const struct opts *o, const struct tpt_config *cfg);
/* tpt rerun RESULT (rerun.c): the result at path read, its provenance in
 * *prov and its command's name in *name (doc holds both; the caller frees
 * it). 0, or 2 said. */
int rerun_load(const char *path, json_t **doc, const json_t **prov, const char **name);
/* The recorded command to run now, by the command's option table t: its
 * own --json, --timeline and --config dropped however they were spelled
 * (the rerun writes where it is told, never over the recorded files; the
 * recorded configuration is complete), --json OUT added when OUT is given.
 * NULL-terminated, its words the JSON's; NULL when a word is not a string. */
char **rerun_argv(const json_t *cmd, const struct cli_opt *t, size_t nt, const char *out, int *argc);
/* Runs subcommand argv[0] with opts.rerun set (NULL: an ordinary run). */
int run_command(int argc, char **argv, const json_t *rerun);

/* What a result carries to say where it came from: tool, release, commit,
 * the command, the seed, every configuration value, the host's CPU model
 * and kernel. */
json_t *provenance_json(const struct opts *o, const struct tpt_config *cfg);
/* The same as comment lines ("# ...") opening a CSV: the configuration as
 * the values that differ from this release's defaults. */
void provenance_csv(FILE *f, const struct opts *o, const struct tpt_config *cfg);
/* Adds the provenance to doc: to the object, or to each object of an array. */
void provenance_attach(json_t *doc, const struct opts *o, const struct tpt_config *cfg);

/* The commands: argv[0] is the command's name. 0, 1 (a run failed) or 2 (bad input). */
int cmd_sim(int argc, char **argv, const json_t *rerun);
int cmd_compare(int argc, char **argv, const json_t *rerun);
int cmd_probe(int argc, char **argv);
int cmd_power(int argc, char **argv);
int cmd_study(int argc, char **argv);
int cmd_policy(int argc, char **argv, const json_t *rerun);
int cmd_dbt(int argc, char **argv, const json_t *rerun);
int cmd_config(int argc, char **argv);
int cmd_workloads(int argc, char **argv);
int cmd_schemes(int argc, char **argv);
int cmd_counters(int argc, char **argv);

#endif
