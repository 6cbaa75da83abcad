/* SPDX-License-Identifier: MIT */
/*
 * study.h - a study: a matrix of tpt runs named by a study file, run on
 * every core through GNU parallel or as Slurm array jobs, resumed where it
 * stopped, merged into one report (src/study/). Called by `tpt study` and
 * by the fuzz harness (study files and results are untrusted input).
 *
 * A run is one tpt command with its own JSON result, named by a hash of
 * what decides its result: tpt's release, the command, and the bytes of
 * every file it reads (its --config, its scenario and the traces that
 * names, a trace of its workload spec). A finished run is never redone;
 * a run whose inputs changed has another name and is run anew. Relative
 * paths in a study file are read beside the study file (a scenario that
 * is not there may be a shipped one's name).
 *
 * A study's directory holds runs/HASH.json (and a policy run's timeline
 * runs/HASH.csv), args/HASH (the run's arguments, which `tpt study exec`
 * reads), logs/HASH.log, and the report: results.csv, results.json,
 * tables.md, plots/ and index.html.
 *
 * Status: study functions return 0; 1 when something failed at run time
 * (e holds the line, or the failed runs were each named on stderr and e is
 * empty); 2 for bad input (e holds the line).
 */
#ifndef TPT_STUDY_H
#define TPT_STUDY_H

#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "tpt/base/opttab.h"
#include "tpt/base/util.h"

#define STUDY_MAX_VALUES 64   /* values of one key */
#define STUDY_MAX_RUNS 100000 /* runs of one study: more is a plan to split */
#define STUDY_MAX_ARGS 20     /* words of a run's command */
#define STUDY_NO_CONFIG 0xffff

enum study_kind { STUDY_COMPARE, STUDY_POLICY };

/* The study file as written: [study] and the keys of study_table(). */
struct study_file {
	uint32_t command; /* enum study_kind */
	char name[64];
	struct opt_list workload, scenario, config;
	char pages[256], schemes[256], seeds[256];
	uint32_t sample; /* every run with --sample */
};

struct study_pages {
	char guest[4], host[4]; /* "4K", "2M" or "1G" */
};

/* One run of the matrix: its place in each list of values. */
struct study_run {
	char hash[17];
	uint16_t input;  /* s->input: the workloads, then the scenarios */
	uint16_t config; /* s->config, or STUDY_NO_CONFIG */
	uint8_t pages;   /* s->pages */
	uint8_t seed;    /* s->seed */
};

struct study {
	struct study_file f;
	enum study_kind kind;
	char path[PATH_MAX], dir[PATH_MAX]; /* the study file, and its directory */
	/* The matrix's values, canonical: workload specs with their trace's
	 * path resolved, then scenario paths; config paths; page pairs of
	 * 4K/2M/1G; seeds as numbers. */
	char **input, **config;
	unsigned ninput, nworkload, nconfig, npages, nseed;
	struct study_pages pages[STUDY_MAX_VALUES];
	uint64_t seed[STUDY_MAX_VALUES];
	struct study_run *run;
	unsigned nrun;
};

/* A run's tpt command without its outputs (argv[0] the subcommand). */
struct study_argv {
	const char *v[STUDY_MAX_ARGS];
	int n;
	char seed[24];
};

/* The study file's option table (tpt study's manual page lists it). */
const struct opttab *study_table(void);
/* Reads and checks the study file at path, and plans its runs: every value
 * checked (workloads, scenarios, configs read; schemes known; pages and
 * seeds canonical), no two runs the same, at most STUDY_MAX_RUNS. 0, or 2
 * with e set (s is then empty). */
int study_load(struct study *s, const char *path, struct tpt_err *e);
void study_free(struct study *s);
bool study_run_scenario(const struct study *s, const struct study_run *r);
void study_argv(const struct study *s, const struct study_run *r, struct study_argv *a);
/* The default directory of a study, results/NAME, in buf. */
void study_default_dir(const struct study *s, char *buf, size_t len);
/* A study directory given by the user: no control character, room for
 * the files below it. 0, or 2 with e set. */
int study_dir_check(const char *dir, struct tpt_err *e);

/* tpt study run: the runs without a result, jobs at a time, through GNU
 * parallel; progress on stderr when it is a terminal. */
int study_run_local(const struct study *s, const char *dir, unsigned jobs, struct tpt_err *e);
/* tpt study slurm: the runs without a result as Slurm array jobs, a job per
 * size of memory asked; with submit, submitted and waited for. */
int study_slurm(const struct study *s, const char *dir, bool submit, struct tpt_err *e);
/* tpt study exec: one run of the study directory dir, by its hash, as GNU
 * parallel and a Slurm task start it: its command from args/HASH,
 * its result to runs/HASH.json, its output to logs/HASH.log. The run's
 * status. */
int study_exec(const char *dir, const char *hash, struct tpt_err *e);
/* The memory run r needs, MiB, from its workload's sizes: the generator's
 * own host bytes and about 1/128 of the simulated footprint, plus 64 MiB,
 * up to a power of two, at least 256 (Slurm asks for it; plan prints it). */
uint64_t study_run_mem_mib(const struct study *s, const struct study_run *r);
/* The events one simulation of run r consumes, from its workload's
 * parameters (workload_estimate), about; 0 where they cannot tell (traces,
 * a scenario with one). */
uint64_t study_run_events(const struct study *s, const struct study_run *r);
/* The simulations each run of s does: its schemes, or a policy run's six. */
unsigned study_run_sims(const struct study *s);
/* tpt study report: every run's result merged (each checked as untrusted
 * input), a row per run and scheme (or policy). */
int study_report(const struct study *s, const char *dir, struct tpt_err *e);
/* One result of run r as report rows appended to rows; 0, or 2 with e
 * saying what in it is not a result of the study's command. */
int study_rows(const struct study *s, const struct study_run *r, const json_t *res, json_t *rows,
	       struct tpt_err *e);

/* One run of tpt compare or policy as a study's report would show it
 * (--csv, --plot): its result (the JSON array the command writes) as the
 * report's rows, written as CSV to csv and drawn as one figure, a panel per
 * metric, to svg (either may be NULL; each whole or not at all). */
struct study_single {
	enum study_kind kind;
	const char *input; /* the workload or scenario as given (policy's rows name it) */
	const char *guest, *host; /* page sizes, as 4K */
	uint64_t seed;
	const char *csv, *svg;
	const char *title; /* the figure's: what ran */
};
int study_run_report(const struct study_single *one, const json_t *res, struct tpt_err *e);

#endif
