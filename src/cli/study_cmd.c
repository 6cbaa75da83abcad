/* SPDX-License-Identifier: MIT */
/*
 * study_cmd.c - `tpt study`: the study engine's verbs (include/tpt/study.h).
 *
 *   tpt study plan FILE                  the runs, one a line: hash, command
 *   tpt study run FILE [--jobs N] [--dir DIR]
 *                                        the runs without a result, through GNU
 *                                        parallel (results under DIR/runs, default
 *                                        results/NAME)
 *   tpt study slurm FILE [--dir DIR] [--submit]
 *                                        the same runs as Slurm array jobs;
 *                                        --submit submits them and waits
 *   tpt study report FILE [--dir DIR]    the results merged: DIR/results.csv and
 *                                        .json, plots, DIR/index.html
 *   tpt study exec DIR HASH              one run (what GNU parallel and Slurm start)
 */
#include <getopt.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "tpt/sim/sim.h"
#include "tpt/study/study.h"

#define USAGE                                                                                      \
	"study: usage: tpt study plan FILE | tpt study run FILE [--jobs N] [--dir DIR] | "         \
	"tpt study slurm FILE [--dir DIR] [--submit] | tpt study report FILE [--dir DIR]"

/* The run's status, its error line said. */
static int said(int rc, const struct tpt_err *e)
{
	if (rc && e->msg[0])
		bad("%s", e->msg);
	return rc;
}

static int mib_desc(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? 1 : x > y ? -1 : 0;
}

static void mib_text(uint64_t mib, char *buf, size_t len)
{
	if (mib < 1024)
		snprintf(buf, len, "%llu MiB", (unsigned long long)mib);
	else
		snprintf(buf, len, "%.1f GiB", (double)mib / 1024);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* This machine's rate now, events a second, of the slowest kind of run the
 * exact core does (GUPS over 256 MiB under nested paging: nearly every
 * access a TLB miss and a 2D walk, a cache miss), or for a sampled study
 * the same run sampled with [sample]'s defaults (long enough for windows
 * and fast-forward in their proportion); 0 if it could not run. */
#define RATE_WORKLOAD "gups:size=256M,updates=400K"
#define RATE_WORKLOAD_SAMPLED "gups:size=256M,updates=8M"
static double sim_rate(bool sample)
{
	struct workload w;
	struct tpt_config cfg;
	struct tpt_err e;
	double rate = 0;
	struct sim *s = malloc(sizeof(*s));
	if (!s || workload_open(&w, sample ? RATE_WORKLOAD_SAMPLED : RATE_WORKLOAD, 1, &e)) {
		free(s);
		return 0;
	}
	config_defaults(&cfg);
	struct sim_params prm = {.scheme = scheme_find("nested"), .guest_shift = 12,
				 .host_shift = 12, .levels = 4, .seed = 1, .sample = sample};
	if (!sim_init(s, &cfg, &prm, &w, &e)) {
		double t0 = now_s();
		if (!sim_run(s, &e))
			rate = (double)w.expected_events / (now_s() - t0);
		sim_fini(s);
	}
	workload_close(&w);
	free(s);
	return rate;
}

static void secs_text(double t, char *buf, size_t len)
{
	if (t < 90)
		snprintf(buf, len, "%.0f s", t);
	else if (t < 90 * 60)
		snprintf(buf, len, "%.0f min", t / 60);
	else if (t < 48 * 3600)
		snprintf(buf, len, "%.1f h", t / 3600);
	else
		snprintf(buf, len, "%.1f days", t / 86400);
}

/* The time the study takes at `jobs` at once, from each run's events, its
 * simulations and this machine's rate measured now: an upper estimate, as
 * most workloads hit their TLBs more than the rate's GUPS. */
static void plan_time(const struct study *s, unsigned jobs)
{
	double largest = 0, total = 0;
	unsigned unknown = 0;
	for (unsigned i = 0; i < s->nrun; i++) {
		double n = (double)study_run_events(s, &s->run[i]) * study_run_sims(s);
		unknown += n == 0;
		largest = n > largest ? n : largest;
		total += n;
	}
	if (total == 0) {
		printf("# time: not estimated (its workloads cannot tell their length, as traces)\n");
		return;
	}
	double rate = sim_rate(s->f.sample);
	if (rate <= 0) {
		printf("# time: not estimated (the calibration run %s failed)\n",
		       s->f.sample ? RATE_WORKLOAD_SAMPLED : RATE_WORKLOAD);
		return;
	}
	double wall = total / rate / (jobs < s->nrun ? jobs : s->nrun);
	char big[32], all[32];
	secs_text(largest / rate, big, sizeof(big));
	secs_text(wall > largest / rate ? wall : largest / rate, all, sizeof(all));
	printf("# time, from the workloads' lengths at nested GUPS's %.1f M events/s%s measured now (most runs "
	       "go faster): %s for the largest run, %s for the study with %u at once", rate / 1e6,
	       s->f.sample ? " sampled" : "", big, all, jobs < s->nrun ? jobs : s->nrun);
	if (unknown)
		printf(" (%u runs not counted: they cannot tell their length)", unknown);
	printf("\n");
}

/* Each run's command, then what the study needs: memory for its largest
 * run and its `jobs` largest at once (the most running together can take),
 * and time. */
static void plan(const struct study *s, unsigned jobs)
{
	uint64_t *mib = calloc(s->nrun ? s->nrun : 1, sizeof(*mib));
	for (unsigned i = 0; i < s->nrun; i++) {
		struct study_argv a;
		study_argv(s, &s->run[i], &a);
		printf("%s tpt", s->run[i].hash);
		for (int k = 0; k < a.n; k++)
			printf(" %s", a.v[k]);
		if (mib)
			mib[i] = study_run_mem_mib(s, &s->run[i]);
		printf("\n");
	}
	if (mib && s->nrun) {
		qsort(mib, s->nrun, sizeof(*mib), mib_desc);
		uint64_t at_once = 0;
		for (unsigned i = 0; i < s->nrun && i < jobs; i++)
			at_once += mib[i];
		char big[32], all[32];
		mib_text(mib[0], big, sizeof(big));
		mib_text(at_once, all, sizeof(all));
		printf("# memory, from the workloads' sizes: %s for the largest run, %s with %u at once "
		       "(--jobs)\n", big, all, jobs < s->nrun ? jobs : s->nrun);
		plan_time(s, jobs);
	}
	printf("# study %s: %u runs\n", s->f.name, s->nrun);
	free(mib);
}

enum { ST_JOBS = 1000, ST_DIR, ST_SUBMIT };

const struct cli_opt study_opts[] = {
	{"jobs", "N", ST_JOBS, "run: runs at once, 1 to 256 (default: CPUs online); plan: the memory they need"},
	{"dir", "DIR", ST_DIR, "run, slurm, report: where results go (default results/NAME)"},
	{"submit", NULL, ST_SUBMIT, "slurm: submit the array jobs and wait for them"},
};
const size_t study_nopts = ARRAY_LEN(study_opts);

struct study_cmd {
	size_t verb; /* plan, run, slurm, report */
	const char *dir;
	uint64_t jobs;
	bool submit;
};

/* The verb's FILE and options, each option where its verb takes it
 * (argv[0] is the verb). *file the study file. */
static int parse(int argc, char **argv, struct study_cmd *c, const char **file)
{
	static const char *const takes[] = {[ST_JOBS - ST_JOBS] = "plan run", [ST_DIR - ST_JOBS] = "run slurm report",
					    [ST_SUBMIT - ST_JOBS] = "slurm"};
	static const char *const verbs[] = {"plan", "run", "slurm", "report"};
	struct option lo[ARRAY_LEN(study_opts) + 1];
	cli_longopts(study_opts, study_nopts, lo);
	bool seen[ARRAY_LEN(study_opts)] = {false};
	c->jobs = default_jobs();
	opterr = 0;
	optind = 1;
	int o;
	while ((o = cli_getopt(argc, argv, lo, seen, "study: ")) != -1) {
		if (o == CLI_TWICE)
			return 2;
		if (o == ':')
			return bad("study: %s needs a value", argv[optind - 1]);
		if (o < ST_JOBS || o > ST_SUBMIT)
			return bad("study: unknown option '%s'", argv[optind - 1]);
		if (!strstr(takes[o - ST_JOBS], verbs[c->verb]))
			return bad("study: %s takes no --%s", verbs[c->verb], study_opts[o - ST_JOBS].name);
		if (o == ST_JOBS && (tpt_parse_u64(optarg, &c->jobs) || c->jobs < 1 || c->jobs > 256))
			return bad("study: --jobs: '%s' is not a whole number from 1 to 256", optarg);
		if (o == ST_DIR)
			c->dir = optarg;
		if (o == ST_SUBMIT)
			c->submit = true;
	}
	if (optind == argc)
		return bad("study: %s wants a study FILE", verbs[c->verb]);
	if (optind < argc - 1)
		return bad("study: unexpected argument '%s'", argv[optind + 1]);
	*file = argv[optind];
	return 0;
}

int cmd_study(int argc, char **argv)
{
	static const char *const verbs[] = {"plan", "run", "slurm", "report", "exec"};
	struct study_cmd c = {0};
	while (argc >= 3 && c.verb < ARRAY_LEN(verbs) && strcmp(argv[1], verbs[c.verb]))
		c.verb++;
	if (argc < 3 || c.verb == ARRAY_LEN(verbs))
		return bad(USAGE);
	struct tpt_err e = {.msg = ""};
	if (c.verb == 4) {
		if (argc != 4)
			return bad("study: usage: tpt study exec DIR HASH");
		return said(study_exec(argv[2], argv[3], &e), &e);
	}
	const char *file = NULL;
	int rc = parse(argc - 1, argv + 1, &c, &file);
	if (rc)
		return rc;
	struct study s;
	if (study_load(&s, file, &e))
		return said(2, &e);
	char d[PATH_MAX];
	study_default_dir(&s, d, sizeof(d));
	const char *dir = c.dir ? c.dir : d;
	switch (c.verb) {
	case 0: plan(&s, (unsigned)c.jobs); break;
	case 1: rc = study_run_local(&s, dir, (unsigned)c.jobs, &e); break;
	case 2: rc = study_slurm(&s, dir, c.submit, &e); break;
	default: rc = study_report(&s, dir, &e); break;
	}
	study_free(&s);
	return said(rc, &e);
}
