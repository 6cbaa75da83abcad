/*
 * study_cmd.c - `tpt study`: a matrix of tpt runs named by a study file,
 * run on every core through GNU parallel. Each run is one tpt command
 * with its own JSON result, named by a hash of its inputs (the command,
 * the contents of the files it reads, tpt's release), so a finished run is
 * never redone and an interrupted study resumes where it stopped: a result
 * exists only once its run has finished (tpt writes it whole or not at all).
 *
 *   tpt study plan FILE                  the runs, one a line: hash, command
 *   tpt study run FILE [--jobs N] [--dir DIR]
 *                                        the runs not yet done (results under
 *                                        DIR/runs/HASH.json, default results/NAME)
 *   tpt study slurm FILE [--dir DIR] [--submit]
 *                                        the same runs as Slurm array jobs (a task
 *                                        per run, a job per size of memory asked);
 *                                        --submit submits them and waits
 *   tpt study report FILE [--dir DIR]    the results merged, a row per run and
 *                                        scheme (or policy): DIR/results.csv and
 *                                        .json, plots, DIR/index.html
 *
 * A study file ([study] section; repeated keys add values):
 *   command   compare or policy
 *   workload  a workload spec, repeated
 *   scenario  a scenario (policy only), repeated
 *   pages     guest/host page pairs, space-separated (default 4K/4K)
 *   schemes   compare's --schemes (default all)
 *   seeds     space-separated (default 1)
 *   config    a --config file, repeated: each is a value of the matrix
 *   name      the study's name (default: the file's name without .ini)
 */
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "tpt/opttab.h"
#include "tpt/outfile.h"
#include "tpt/version.h"
#include "tpt/workload.h"

#define MAX_VALUES 64
#define TIME_BIN "/usr/bin/time"
#define PEAK_LINE "tpt study: peak memory"
#define MAX_ARGS 24

struct study {
	char name[128], dir[1024]; /* dir: the study file's directory */
	char *command;
	char *workloads[MAX_VALUES], *scenarios[MAX_VALUES], *configs[MAX_VALUES];
	unsigned nw, ns, nc;
	char *pages, *schemes, *seeds;
	char err[512];
};

struct study_run {
	char hash[17];
	char *argv[MAX_ARGS];
	int argc;
};

static int on_key(void *ctx, const char *sec, const char *key, const char *value)
{
	struct study *s = ctx;
	if (strcmp(sec, "study")) {
		snprintf(s->err, sizeof(s->err), "unknown section [%s] (a study file has [study])", sec);
		return 0;
	}
	char **one = !strcmp(key, "command") ? &s->command
		     : !strcmp(key, "pages")  ? &s->pages
		     : !strcmp(key, "schemes") ? &s->schemes
		     : !strcmp(key, "seeds")  ? &s->seeds
					      : NULL;
	if (one) {
		if (*one) {
			snprintf(s->err, sizeof(s->err), "'%s' is given twice", key);
			return 0;
		}
		*one = strdup(value);
		return *one != NULL;
	}
	if (!strcmp(key, "name")) {
		snprintf(s->name, sizeof(s->name), "%s", value);
		return 1;
	}
	char **list = !strcmp(key, "workload") ? s->workloads
		      : !strcmp(key, "scenario") ? s->scenarios
		      : !strcmp(key, "config")   ? s->configs
						 : NULL;
	unsigned *n = list == s->workloads ? &s->nw : list == s->scenarios ? &s->ns : &s->nc;
	if (!list) {
		snprintf(s->err, sizeof(s->err),
			 "unknown key '%s' (command, workload, scenario, pages, schemes, seeds, config, name)", key);
		return 0;
	}
	if (*n == MAX_VALUES) {
		snprintf(s->err, sizeof(s->err), "more than %d values of '%s'", MAX_VALUES, key);
		return 0;
	}
	list[*n] = strdup(value);
	return list[(*n)++] != NULL;
}

static void study_free(struct study *s)
{
	free(s->command);
	free(s->pages);
	free(s->schemes);
	free(s->seeds);
	for (unsigned i = 0; i < s->nw; i++)
		free(s->workloads[i]);
	for (unsigned i = 0; i < s->ns; i++)
		free(s->scenarios[i]);
	for (unsigned i = 0; i < s->nc; i++)
		free(s->configs[i]);
}

static int study_load(struct study *s, const char *path)
{
	memset(s, 0, sizeof(*s));
	char *text;
	struct tpt_err e;
	if (opttab_read_ini(path, "study", &text, &e))
		return bad("%s", e.msg);
	int line = ini_parse_string(text, on_key, s);
	free(text);
	if (line) {
		return bad("study: %s:%d: %s", path, line, s->err[0] ? s->err : "not an INI line");
	}
	char copy[1024];
	snprintf(copy, sizeof(copy), "%s", path);
	snprintf(s->dir, sizeof(s->dir), "%s", dirname(copy));
	if (!s->name[0]) {
		snprintf(copy, sizeof(copy), "%s", path);
		char *b = basename(copy), *dot = strrchr(b, '.');
		if (dot && !strcmp(dot, ".ini"))
			*dot = 0;
		snprintf(s->name, sizeof(s->name), "%s", b);
	}
	for (const char *c = s->name; *c; c++)
		if (!(*c == '-' || *c == '_' || *c == '.' || (*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'z') ||
		      (*c >= 'A' && *c <= 'Z')))
			return bad("study: name '%s' may hold letters, digits, '-', '_' and '.' only", s->name);
	if (!s->command || (strcmp(s->command, "compare") && strcmp(s->command, "policy")))
		return bad("study: %s: 'command' must be compare or policy", path);
	if (!strcmp(s->command, "compare") && (!s->nw || s->ns))
		return bad("study: %s: a compare study names workloads (workload = ...), no scenario", path);
	if (!strcmp(s->command, "policy") && ((!s->ns && !s->nw) || s->schemes))
		return bad("study: %s: a policy study names workloads or scenarios (workload = ..., scenario = ...), "
			   "no schemes", path);
	for (unsigned i = 0; i < s->nw; i++)
		if (workload_check(s->workloads[i], &e))
			return bad("study: %s", e.msg);
	return 0;
}

/* FNV-1a, 64 bits, over a byte string. */
static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	return h;
}

/* A file's bytes into the hash (a name that is not a readable file: its name). */
static uint64_t fnv_file(uint64_t h, const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return fnv(h, path, strlen(path) + 1);
	char buf[8192];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		h = fnv(h, buf, n);
	fclose(f);
	return h;
}

/* A file the study names: beside the study file if it is there, else as
 * given (a path from here, or a shipped scenario's name). */
static char *path_in(const struct study *s, const char *p)
{
	char buf[2048];
	snprintf(buf, sizeof(buf), "%s/%s", s->dir, p);
	return strdup(p[0] != '/' && access(buf, F_OK) == 0 ? buf : p);
}

static void run_free(struct study_run *r)
{
	for (int i = 0; i < r->argc; i++)
		free(r->argv[i]);
}

/* Splits a space-separated list into out (strdup'ed); its count or -1. */
static int words(const char *list, const char *dflt, char **out, int max)
{
	char buf[1024];
	snprintf(buf, sizeof(buf), "%s", list ? list : dflt);
	int n = 0;
	for (char *save = NULL, *w = strtok_r(buf, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		if (n == max)
			return -1;
		out[n++] = strdup(w);
	}
	return n;
}

/* Every run of the matrix, in order: configs, workloads or scenarios, pages, seeds. */
static int expand(const struct study *s, struct study_run **out, unsigned *nout)
{
	char *pages[MAX_VALUES], *seeds[MAX_VALUES];
	int np = words(s->pages, "4K/4K", pages, MAX_VALUES), nseed = words(s->seeds, "1", seeds, MAX_VALUES);
	int rc = 0;
	if (np <= 0 || nseed <= 0) {
		rc = bad("study: too many or no pages or seeds");
		goto out;
	}
	for (int i = 0; i < np; i++) {
		char *slash = strchr(pages[i], '/');
		uint64_t v;
		if (!slash || tpt_parse_size(slash + 1, &v) || (*slash = 0, tpt_parse_size(pages[i], &v))) {
			rc = bad("study: pages '%s' is not GUEST/HOST, as 4K/2M", pages[i]);
			goto out;
		}
		*slash = '/';
	}
	for (int i = 0; i < nseed; i++) {
		uint64_t v;
		if (tpt_parse_u64(seeds[i], &v)) {
			rc = bad("study: seed '%s' is not a number", seeds[i]);
			goto out;
		}
	}
	bool cmp = !strcmp(s->command, "compare");
	unsigned nin = s->nw + s->ns, ncfg = s->nc ? s->nc : 1;
	unsigned total = ncfg * nin * (unsigned)np * (unsigned)nseed;
	struct study_run *runs = calloc(total, sizeof(*runs));
	if (!runs) {
		rc = bad("out of memory");
		goto out;
	}
	unsigned k = 0;
	for (unsigned c = 0; c < ncfg; c++)
		for (unsigned w = 0; w < nin; w++)
			for (int p = 0; p < np; p++)
				for (int d = 0; d < nseed; d++) {
					struct study_run *r = &runs[k++];
					char g[16], h[16];
					snprintf(g, sizeof(g), "%.*s", (int)(strchr(pages[p], '/') - pages[p]), pages[p]);
					snprintf(h, sizeof(h), "%s", strchr(pages[p], '/') + 1);
					char **a = r->argv;
					bool scen = w >= s->nw;
					a[r->argc++] = strdup(s->command);
					a[r->argc++] = strdup(scen ? "--scenario" : "--workload");
					a[r->argc++] = scen ? path_in(s, s->scenarios[w - s->nw]) : strdup(s->workloads[w]);
					a[r->argc++] = strdup("--guest-page");
					a[r->argc++] = strdup(g);
					a[r->argc++] = strdup("--host-page");
					a[r->argc++] = strdup(h);
					a[r->argc++] = strdup("--seed");
					a[r->argc++] = strdup(seeds[d]);
					if (cmp && s->schemes) {
						a[r->argc++] = strdup("--schemes");
						a[r->argc++] = strdup(s->schemes);
					}
					if (s->nc) {
						a[r->argc++] = strdup("--config");
						a[r->argc++] = path_in(s, s->configs[c]);
					}
					a[r->argc++] = strdup("--jobs");
					a[r->argc++] = strdup("1");
					uint64_t hash = fnv(0xcbf29ce484222325ULL, tpt_version(), strlen(tpt_version()) + 1);
					for (int i = 0; i < r->argc; i++)
						hash = fnv(hash, a[i], strlen(a[i]) + 1);
					if (s->nc)
						hash = fnv_file(hash, a[r->argc - 3]);
					if (scen)
						hash = fnv_file(hash, a[2]);
					snprintf(r->hash, sizeof(r->hash), "%016llx", (unsigned long long)hash);
				}
	for (unsigned i = 0; i < total && !rc; i++)
		for (unsigned j = i + 1; j < total && !rc; j++)
			if (!strcmp(runs[i].hash, runs[j].hash)) {
				rc = bad("study: runs %u and %u are the same run (a value given twice?)", i + 1, j + 1);
			}
	if (rc) {
		for (unsigned i = 0; i < total; i++)
			run_free(&runs[i]);
		free(runs);
		goto out;
	}
	*out = runs;
	*nout = total;
out:
	for (int i = 0; i < np; i++)
		free(pages[i]);
	for (int i = 0; i < nseed; i++)
		free(seeds[i]);
	return rc;
}

/* One argument for a POSIX shell, in single quotes. */
static void put_quoted(FILE *f, const char *a)
{
	fputc('\'', f);
	for (; *a; a++)
		if (*a == '\'')
			fputs("'\\''", f);
		else
			fputc(*a, f);
	fputc('\'', f);
}

static int mkdirs(const char *path)
{
	char buf[1024];
	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++)
		if (*p == '/') {
			*p = 0;
			if (mkdir(buf, 0777) && errno != EEXIST)
				return -1;
			*p = '/';
		}
	return mkdir(buf, 0777) && errno != EEXIST ? -1 : 0;
}

static bool exists(const char *dir, const char *hash)
{
	char p[1200];
	snprintf(p, sizeof(p), "%s/runs/%s.json", dir, hash);
	return access(p, F_OK) == 0;
}

/* Finished and failed runs in the joblog (parallel's: a header, then
 * Seq Host Starttime JobRuntime Send Receive Exitval Signal Command). */
static void joblog(const char *path, unsigned *finished, unsigned *failed, double *busy)
{
	*finished = *failed = 0;
	*busy = 0;
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	char line[8192];
	bool header = true;
	while (fgets(line, sizeof(line), f)) {
		if (header) {
			header = false;
			continue;
		}
		double start, runtime;
		int exitval, sig;
		if (sscanf(line, "%*s %*s %lf %lf %*s %*s %d %d", &start, &runtime, &exitval, &sig) == 4) {
			(*finished)++;
			*failed += exitval != 0 || sig != 0;
			*busy += runtime;
		}
	}
	fclose(f);
}

/* A run as one shell command line: tpt and its arguments, its result
 * (and a policy run's timeline) under dir/runs, its output to dir/logs. */
static void put_job(FILE *f, const char *self, const struct study *s, const struct study_run *r, const char *dir)
{
	char p[1200];
	if (access(TIME_BIN, X_OK) == 0) /* GNU time: the run's peak memory, last in its log */
		fprintf(f, "%s -f '" PEAK_LINE " %%M KiB, %%e s' ", TIME_BIN);
	put_quoted(f, self);
	for (int a = 0; a < r->argc; a++) {
		fputc(' ', f);
		put_quoted(f, r->argv[a]);
	}
	if (!strcmp(s->command, "policy")) {
		fprintf(f, " --timeline ");
		snprintf(p, sizeof(p), "%s/runs/%s.csv", dir, r->hash);
		put_quoted(f, p);
	}
	fprintf(f, " --json ");
	snprintf(p, sizeof(p), "%s/runs/%s.json", dir, r->hash);
	put_quoted(f, p);
	fprintf(f, " >");
	snprintf(p, sizeof(p), "%s/logs/%s.log", dir, r->hash);
	put_quoted(f, p);
	fprintf(f, " 2>&1\n");
}

/* Names the run whose log reports the largest peak memory, if any does. */
static void say_largest(const struct study *s, const struct study_run *runs, unsigned n, const char *dir)
{
	uint64_t best = 0;
	unsigned which = 0;
	for (unsigned i = 0; i < n; i++) {
		char p[1200], line[512];
		snprintf(p, sizeof(p), "%s/logs/%s.log", dir, runs[i].hash);
		FILE *f = fopen(p, "r");
		if (!f)
			continue;
		unsigned long long kib;
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, PEAK_LINE " %llu KiB", &kib) == 1 && kib > best) {
				best = kib;
				which = i;
			}
		fclose(f);
	}
	if (best)
		printf("study %s: the largest run peaked at %.2f GiB (%s)\n", s->name, (double)best / (1 << 20),
		       runs[which].hash);
}

/* The running tpt's path into self, and dir's runs and logs made. */
static int prepare(const char *dir, char *self, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", self, len - 1);
	if (n <= 0)
		return bad("study: cannot find the tpt binary (/proc/self/exe)");
	self[n] = 0;
	char sub[1200];
	snprintf(sub, sizeof(sub), "%s/runs", dir);
	if (mkdirs(sub))
		return bad("study: cannot create %s", sub);
	snprintf(sub, sizeof(sub), "%s/logs", dir);
	if (mkdirs(sub))
		return bad("study: cannot create %s", sub);
	return 0;
}

/* Says which runs have no result, with their commands; their number. */
static unsigned report_failed(const struct study *s, const struct study_run *runs, unsigned n, const char *dir)
{
	unsigned bad_runs = 0;
	for (unsigned i = 0; i < n; i++) {
		if (exists(dir, runs[i].hash))
			continue;
		bad_runs++;
		fprintf(stderr, "tpt: study %s: run %s failed (log %s/logs/%s.log): tpt", s->name, runs[i].hash, dir,
			runs[i].hash);
		for (int a = 0; a < runs[i].argc; a++)
			fprintf(stderr, " %s", runs[i].argv[a]);
		fprintf(stderr, "\n");
	}
	return bad_runs;
}

static int study_execute(const struct study *s, struct study_run *runs, unsigned n, const char *dir, unsigned jobs)
{
	char jobsfile[1200], log[1200], self[1024];
	if (prepare(dir, self, sizeof(self)))
		return 2;
	snprintf(jobsfile, sizeof(jobsfile), "%s/jobs.txt", dir);
	snprintf(log, sizeof(log), "%s/joblog.txt", dir);
	struct out jo;
	if (out_open(&jo, jobsfile))
		return 1;
	FILE *f = jo.f;
	unsigned todo = 0;
	for (unsigned i = 0; i < n; i++) {
		if (exists(dir, runs[i].hash))
			continue;
		put_job(f, self, s, &runs[i], dir);
		todo++;
	}
	if (out_close(&jo, true))
		return 1;
	if (!todo) {
		printf("study %s: all %u runs done (%s/runs)\n", s->name, n, dir);
		return 0;
	}
	unlink(log);
	char jn[16];
	snprintf(jn, sizeof(jn), "%u", jobs);
	pid_t pid = fork();
	if (pid < 0)
		return bad("study: cannot start GNU parallel (fork)");
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		if (null >= 0) {
			dup2(null, 1);
			dup2(null, 2);
		}
		prctl(PR_SET_PDEATHSIG, SIGTERM); /* tpt killed: parallel starts no more runs */
		execlp("parallel", "parallel", "--will-cite", "--jobs", jn, "--joblog", log, "--halt", "never",
		       "::::", jobsfile, (char *)NULL);
		_exit(127);
	}
	bool tty = isatty(2) == 1;
	int status = 0;
	for (;;) {
		pid_t w = waitpid(pid, &status, tty ? WNOHANG : 0);
		if (w == pid)
			break;
		if (w < 0 && errno != EINTR)
			return bad("study: lost GNU parallel");
		if (!tty)
			continue;
		unsigned fin, failed;
		double busy;
		joblog(log, &fin, &failed, &busy);
		unsigned running = todo - fin < jobs ? todo - fin : jobs;
		char eta[32] = "?";
		if (fin) /* the finished runs' mean time, over the runs left, on the cores */
			snprintf(eta, sizeof(eta), "%.0f s", busy / fin * (todo - fin) / jobs);
		fprintf(stderr, "\rstudy %s: %u of %u done, %u running, %u failed, about %s left\033[K", s->name,
			fin - failed, todo, running, failed, eta);
		sleep(1);
	}
	if (tty)
		fprintf(stderr, "\r\033[K");
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		return bad("study: GNU parallel is not installed (make deps installs it)");
	unsigned bad_runs = report_failed(s, runs, n, dir);
	printf("study %s: %u runs, %u done before, %u run now, %u failed (%s/runs)\n", s->name, n, n - todo,
	       todo - bad_runs, bad_runs, dir);
	say_largest(s, runs, n, dir);
	return bad_runs ? 1 : 0;
}

/* Object r's number under key, or NaN where it has none (in a report row,
 * null: no process was enabled, or no oracle gain to share). */
static double value(const json_t *r, const char *key)
{
	const json_t *v = json_object_get(r, key);
	return json_is_number(v) ? json_number_value(v) : NAN;
}

/* The same, 0 where it has none. */
static double num(const json_t *o, const char *k)
{
	double v = value(o, k);
	return isnan(v) ? 0 : v;
}

/* The cycles of scheme name in a compare result, or 0. */
static double cycles_of_scheme(const json_t *res, const char *name)
{
	size_t i;
	const json_t *x;
	json_array_foreach(res, i, x) {
		const char *sc = json_string_value(json_object_get(x, "scheme"));
		if (sc && !strcmp(sc, name))
			return num(x, "cycles");
	}
	return 0;
}

/* What a report holds for each kind of study: its columns, the key whose
 * values are a plot's bars, and the plots: for each page pair, each
 * metric's grouped bars (a group per workload, a bar per scheme or
 * policy), drawn by gnuplot as SVG in DIR/plots. */
struct metric {
	const char *key, *file, *title;
};

struct kind {
	const char *const *columns;
	size_t ncolumns;
	const char *series;
	const struct metric *metrics;
	size_t nmetrics;
};

static const char *const compare_columns[] = {
	"workload", "guest_page", "host_page", "seed", "config", "scheme", "cycles", "instructions", "walks",
	"walk_refs", "refs_per_walk", "walk_stall", "walk_share", "vm_exits", "speedup_over_nested",
	"speedup_over_shadow",
};

static const struct metric compare_metrics[] = {
	{"speedup_over_nested", "speedup-nested", "speed-up over nested paging"},
	{"speedup_over_shadow", "speedup-shadow", "speed-up over shadow paging"},
	{"refs_per_walk", "refs-per-walk", "memory references per walk"},
	{"walk_share", "walk-share", "share of cycles stalled on walks"},
};

/* A policy study: per run and policy, and for the processes the profiler
 * enabled TPT for, their walks before and after it did. */
static const char *const policy_columns[] = {
	"workload", "guest_page", "host_page", "seed", "config", "policy", "cycles", "speedup_vs_never",
	"oracle_gain_share", "profiling_cycles", "profiling_share", "construction_cycles", "decisions",
	"losing_decisions", "enabled_processes", "before_instructions", "before_walk_refs", "before_refs_per_walk",
	"before_walk_cycles", "before_cycles", "after_instructions", "after_walk_refs", "after_refs_per_walk",
	"after_walk_cycles", "after_cycles",
};

static const struct metric policy_metrics[] = {
	{"speedup_vs_never", "speedup-never", "speed-up over never enabling TPT"},
	{"oracle_gain_share", "oracle-share", "share of the oracle's gain"},
	{"profiling_share", "profiling-share", "share of cycles spent profiling"},
};

static const struct kind kinds[] = {
	{compare_columns, ARRAY_LEN(compare_columns), "scheme", compare_metrics, ARRAY_LEN(compare_metrics)},
	{policy_columns, ARRAY_LEN(policy_columns), "policy", policy_metrics, ARRAY_LEN(policy_metrics)},
};

/* Distinct values of key over rows, in order of first appearance. */
static unsigned distinct(const json_t *rows, const char *key, const char **out, unsigned max)
{
	unsigned n = 0;
	size_t i;
	const json_t *r;
	json_array_foreach(rows, i, r) {
		const char *v = json_string_value(json_object_get(r, key));
		unsigned j = 0;
		while (v && j < n && strcmp(out[j], v))
			j++;
		if (v && j == n && n < max)
			out[n++] = v;
	}
	return n;
}

static const json_t *find_row(const json_t *rows, const char *series, const char *w, const char *g,
			      const char *h, const char *sc)
{
	size_t i;
	const json_t *r;
	json_array_foreach(rows, i, r)
		if (!strcmp(json_string_value(json_object_get(r, "workload")), w) &&
		    !strcmp(json_string_value(json_object_get(r, "guest_page")), g) &&
		    !strcmp(json_string_value(json_object_get(r, "host_page")), h) &&
		    !strcmp(json_string_value(json_object_get(r, series)), sc))
			return r;
	return NULL;
}

/* A workload's label: its name, with the spec's position if the name repeats. */
static void label(const char **ws, unsigned n, unsigned i, char *buf, size_t len)
{
	size_t k = strcspn(ws[i], ":");
	unsigned same = 0;
	for (unsigned j = 0; j < n; j++)
		same += !strncmp(ws[j], ws[i], k) && strcspn(ws[j], ":") == k;
	if (same > 1)
		snprintf(buf, len, "%.*s#%u", (int)k, ws[i], i + 1);
	else
		snprintf(buf, len, "%.*s", (int)k, ws[i]);
}

/* Runs gnuplot on a script, its messages (warnings of flat ranges and
 * the like) into the script's name with .log; 0, or what went wrong said. */
static int gnuplot(const char *gp)
{
	char log[1400];
	snprintf(log, sizeof(log), "%s.log", gp);
	pid_t pid = fork();
	if (pid == 0) {
		/* The log only as a regular file: never a FIFO waited on or a device written. */
		int null = open("/dev/null", O_WRONLY),
		    lf = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_NONBLOCK, 0666);
		struct stat st;
		if (lf >= 0 && (fstat(lf, &st) || !S_ISREG(st.st_mode))) {
			close(lf);
			lf = -1;
		}
		if (null >= 0)
			dup2(null, 1);
		dup2(lf >= 0 ? lf : null, 2);
		execlp("gnuplot", "gnuplot", gp, (char *)NULL);
		_exit(127);
	}
	int status = 0;
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return bad("study: cannot run gnuplot");
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		return bad("study: gnuplot is not installed (make deps installs it)");
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		return bad("study: gnuplot failed on %s (its messages: %s)", gp, log);
	return 0;
}

/* A gnuplot string variable: var = 'text', quotes in text doubled (so a
 * path or a title may hold any character but a newline). */
static void gp_set(FILE *g, const char *var, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void gp_set(FILE *g, const char *var, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fprintf(g, "%s = '", var);
	for (const char *c = buf; *c; c++)
		if (*c == '\'')
			fputs("''", g);
		else if (*c != '\n')
			fputc(*c, g);
	fputs("'\n", g);
}

/* The pid of a timeline's first sample (after its provenance comments and
 * header), or -1 when it has none. */
static long timeline_pid(const char *csv)
{
	FILE *f = fopen(csv, "r");
	if (!f)
		return -1;
	char line[1024];
	long pid = -1;
	bool header = true;
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '#') /* the provenance */
			continue;
		if (header) {
			header = false;
			continue;
		}
		pid = strtol(line, NULL, 10);
		break;
	}
	fclose(f);
	return pid > 0 ? pid : -1;
}

/* A timeline plot of run r: its first process's misses, the policy's
 * estimated gain and when it ran on TPT. */
static void plot_timeline(FILE *g, const char *pd, const char *dir, const struct study_run *r)
{
	char csv[1200];
	snprintf(csv, sizeof(csv), "%s/runs/%s.csv", dir, r->hash);
	long pid = timeline_pid(csv);
	if (pid < 0)
		return;
	gp_set(g, "out", "%s/timeline-%s.svg", pd, r->hash);
	gp_set(g, "ttl", "policy auto: %s, guest %s pages on host %s", r->argv[2], r->argv[4], r->argv[6]);
	gp_set(g, "csv", "%s", csv);
	fprintf(g, "set output out\nset title ttl noenhanced\n"
		   "set datafile separator ','\nstats csv every ::1 using 6 nooutput\n"
		   "set xlabel 'profiling interval'\nset ylabel 'STLB misses per kilo-instruction'\n"
		   "set y2label 'estimated gain, %% of cycles'\nset ytics nomirror\nset y2tics\n"
		   "set style data lines\nset xtics norotate\nset yrange [0:*]\nset y2range [*:*]\n");
	fprintf(g, "plot csv every ::1 using 3:(($1 == %ld && strcol(15) eq 'tpt') ? STATS_max : 1/0) "
		   "with boxes fs transparent solid 0.2 noborder lc rgb '#2ca02c' title 'on TPT', "
		   "'' every ::1 using 3:($1 == %ld ? $6 : 1/0) lw 2 lc rgb '#1f77b4' title 'misses (left)', "
		   "'' every ::1 using 3:($1 == %ld ? 100 * $13 : 1/0) axes x1y2 lw 1.5 lc rgb '#d62728' "
		   "title 'estimated gain (right)'\n",
		pid, pid, pid);
	fprintf(g, "unset xlabel\nunset ylabel\nunset y2label\nunset y2tics\nset ytics mirror\n"
		   "set datafile separator whitespace\nset style data histograms\nset xtics rotate by -30\n");
}

/* a / b from row r's keys, or NaN where either is missing or b is 0. */
static double ratio(const json_t *r, const char *a, const char *b)
{
	double y = value(r, b);
	return y == 0 ? NAN : value(r, a) / y;
}

static void md_cell(FILE *md, double x, const char *fmt)
{
	if (isnan(x))
		fprintf(md, " - |");
	else
		fprintf(md, fmt, x);
}

/* A policy study's tables.md ends with the automatic policy's account per
 * workload and page pair: what it cost (profiling, construction) and, for
 * the processes it enabled TPT for, their walks and cycles per instruction
 * before and after it did. */
static void auto_table(FILE *md, const json_t *rows, const char **ws, unsigned nw, const char **gs, unsigned ng,
		       const char **hs, unsigned nh)
{
	fprintf(md, "The automatic policy: its costs, and walks before and after it enabled TPT:\n\n"
		    "| workload | pages | speed-up over never | profiling share | construction share | "
		    "instructions before | refs/walk before | after | walk share before | after | "
		    "cycles/instruction before | after |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n");
	for (unsigned w = 0; w < nw; w++)
		for (unsigned a = 0; a < ng; a++)
			for (unsigned b = 0; b < nh; b++) {
				const json_t *r = find_row(rows, "policy", ws[w], gs[a], hs[b], "auto");
				if (!r)
					continue;
				char l[64];
				label(ws, nw, w, l, sizeof(l));
				fprintf(md, "| %s | %s/%s |", l, gs[a], hs[b]);
				md_cell(md, value(r, "speedup_vs_never"), " %.3f |");
				md_cell(md, value(r, "profiling_share"), " %.2g |");
				md_cell(md, ratio(r, "construction_cycles", "cycles"), " %.2g |");
				md_cell(md, value(r, "before_instructions"), " %.3g |");
				md_cell(md, value(r, "before_refs_per_walk"), " %.2f |");
				md_cell(md, value(r, "after_refs_per_walk"), " %.2f |");
				md_cell(md, ratio(r, "before_walk_cycles", "before_cycles"), " %.2f |");
				md_cell(md, ratio(r, "after_walk_cycles", "after_cycles"), " %.2f |");
				md_cell(md, ratio(r, "before_cycles", "before_instructions"), " %.2f |");
				md_cell(md, ratio(r, "after_cycles", "after_instructions"), " %.2f |");
				fputc('\n', md);
			}
	fputc('\n', md);
}

static int plot(const struct kind *k, const char *dir, const json_t *rows, const struct study_run *runs, unsigned n,
		bool policy)
{
	const char *ws[MAX_VALUES * 4], *sc[16], *gs[8], *hs[8];
	unsigned nw = distinct(rows, "workload", ws, ARRAY_LEN(ws)), ns = distinct(rows, k->series, sc, 16);
	unsigned ng = distinct(rows, "guest_page", gs, 8), nh = distinct(rows, "host_page", hs, 8);
	char pd[1200], gp[1300];
	snprintf(pd, sizeof(pd), "%s/plots", dir);
	if (mkdirs(pd))
		return bad("study: cannot create %s", pd);
	snprintf(gp, sizeof(gp), "%s/plots.gp", pd);
	char mdp[1200];
	snprintf(mdp, sizeof(mdp), "%s/tables.md", dir);
	struct out go, mo;
	if (out_open(&go, gp))
		return 1;
	if (out_open(&mo, mdp)) {
		out_close(&go, false);
		return 1;
	}
	FILE *g = go.f;
	fprintf(g, "set terminal svg size 900,420 dynamic font 'sans,12' background '#ffffff'\n"
		   "set style data histograms\nset style histogram clustered gap 1\n"
		   "set style fill solid 0.85 border -1\nset key outside right top\n"
		   "set grid ytics\nset yrange [0:*]\nset xtics rotate by -30\n");
	for (unsigned a = 0; a < ng; a++)
		for (unsigned b = 0; b < nh; b++)
			for (unsigned m = 0; m < k->nmetrics; m++) {
				char dat[1400], name[128];
				snprintf(name, sizeof(name), "%s-%s-%s", k->metrics[m].file, gs[a], hs[b]);
				snprintf(dat, sizeof(dat), "%s/%s.dat", pd, name);
				struct out fo;
				if (out_open(&fo, dat)) {
					out_close(&go, false);
					out_close(&mo, false);
					return 1;
				}
				FILE *f = fo.f;
				bool any = false; /* a table only where a plot is */
				for (unsigned w = 0; w < nw; w++)
					for (unsigned j = 0; j < ns; j++) {
						const json_t *r = find_row(rows, k->series, ws[w], gs[a], hs[b], sc[j]);
						any |= r && json_is_number(json_object_get(r, k->metrics[m].key));
					}
				FILE *md = any ? mo.f : NULL;
				fprintf(f, "workload");
				if (md)
					fprintf(md, "%s, guest %s pages on host %s:\n\n| workload |", k->metrics[m].title, gs[a], hs[b]);
				for (unsigned j = 0; j < ns; j++) {
					fprintf(f, " %s", sc[j]);
					if (md)
						fprintf(md, " %s |", sc[j]);
				}
				fputc('\n', f);
				if (md)
					fprintf(md, "\n|---|");
				for (unsigned j = 0; j < ns; j++)
					if (md)
						fprintf(md, "---|");
				if (md)
					fputc('\n', md);
				for (unsigned w = 0; w < nw; w++) {
					char l[64];
					label(ws, nw, w, l, sizeof(l));
					fprintf(f, "%s", l);
					if (md)
						fprintf(md, "| %s |", l);
					for (unsigned j = 0; j < ns; j++) {
						const json_t *r = find_row(rows, k->series, ws[w], gs[a], hs[b], sc[j]);
						const json_t *v = r ? json_object_get(r, k->metrics[m].key) : NULL;
						if (json_is_number(v)) {
							fprintf(f, " %.6g", json_number_value(v));
							double x = json_number_value(v);
							if (md)
								fprintf(md, fabs(x) >= 0.1 || x == 0 ? " %.2f |"
									    : fabs(x) >= 0.001 ? " %.3f |"
												: " %.2g |",
									x);
						} else {
							fprintf(f, " NaN");
							if (md)
								fprintf(md, " - |");
						}
					}
					fputc('\n', f);
					if (md)
						fputc('\n', md);
				}
				if (md)
					fputc('\n', md);
				if (out_close(&fo, true)) {
					out_close(&go, false);
					out_close(&mo, false);
					return 1;
				}
				if (!any)
					continue;
				gp_set(g, "out", "%s/%s.svg", pd, name);
				gp_set(g, "ttl", "%s, guest %s pages on host %s", k->metrics[m].title, gs[a], hs[b]);
				gp_set(g, "dat", "%s", dat);
				fprintf(g, "set output out\nset title ttl noenhanced\n"
					   "plot for [i=2:%u] dat using i:xtic(1) title columnheader(i)\n", ns + 1);
			}
	/* A policy study: the auto policy's timeline per run, and its account. */
	for (unsigned i = 0; policy && i < n; i++)
		plot_timeline(g, pd, dir, &runs[i]);
	if (policy)
		auto_table(mo.f, rows, ws, nw, gs, ng, hs, nh);
	if (out_close(&mo, true)) {
		out_close(&go, false);
		return 1;
	}
	if (out_close(&go, true))
		return 1;
	return gnuplot(gp);
}

/* HTML text: &, <, > and quotes escaped. */
static void put_html(FILE *f, const char *v)
{
	for (; *v; v++)
		switch (*v) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc(*v, f);
		}
}

/* An SVG file inline (without its XML declaration); false if unreadable. */
static bool put_svg(FILE *f, const char *path)
{
	FILE *in = fopen(path, "r");
	if (!in)
		return false;
	char line[4096];
	bool first = true;
	while (fgets(line, sizeof(line), in)) {
		if (first && !strncmp(line, "<?xml", 5)) {
			first = false;
			continue;
		}
		first = false;
		fputs(line, f);
	}
	fclose(in);
	return true;
}

/* The builds that made a study's runs: each commit named by a result's
 * provenance, and how many runs it made (in the order first met). */
struct builds {
	char commit[8][48];
	unsigned runs[8], n, other; /* other: runs beyond eight distinct commits */
};

static void builds_add(struct builds *b, const json_t *res)
{
	const json_t *first = json_is_array(res) ? json_array_get(res, 0) : res;
	const char *c = json_string_value(json_object_get(json_object_get(first, "provenance"), "commit"));
	if (!c)
		c = "unknown";
	for (unsigned i = 0; i < b->n; i++)
		if (!strcmp(b->commit[i], c)) {
			b->runs[i]++;
			return;
		}
	if (b->n == ARRAY_LEN(b->commit)) {
		b->other++;
		return;
	}
	snprintf(b->commit[b->n], sizeof(b->commit[0]), "%s", c);
	b->runs[b->n++] = 1;
}

/* "commit X" or "commits X (3 runs), Y (1 run)". */
static void builds_print(FILE *f, const struct builds *b)
{
	if (b->n == 1 && !b->other) {
		fprintf(f, "commit %s", b->commit[0]);
		return;
	}
	fprintf(f, "commits");
	for (unsigned i = 0; i < b->n; i++)
		fprintf(f, "%s %s (%u run%s)", i ? "," : "", b->commit[i], b->runs[i], b->runs[i] == 1 ? "" : "s");
	if (b->other)
		fprintf(f, ", others (%u run%s)", b->other, b->other == 1 ? "" : "s");
}

/* DIR/index.html: the study's table and plots in one self-contained page. */
static int page(const struct study *s, const struct kind *k, const char *dir, const json_t *rows,
		const struct study_run *runs, unsigned n, const struct builds *made)
{
	char path[1200];
	snprintf(path, sizeof(path), "%s/index.html", dir);
	struct out o;
	if (out_open(&o, path))
		return 1;
	FILE *f = o.f;
	fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>tpt study ");
	put_html(f, s->name);
	fprintf(f, "</title>\n<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
		   "td,th{border:1px solid #bbb;padding:2px 6px;text-align:right}td:first-child,th{text-align:left}"
		   "figure{margin:1em 0}</style></head><body>\n<h1>tpt study ");
	put_html(f, s->name);
	fprintf(f, "</h1>\n<p>%u runs, made at ", n);
	builds_print(f, made);
	fprintf(f, "; merged by tpt %s (commit %s). Data: <a href=\"results.csv\">results.csv</a>, "
		   "<a href=\"results.json\">results.json</a>.</p>\n<h2>Plots</h2>\n", tpt_version(), tpt_commit());
	const char *gs[8], *hs[8];
	unsigned ng = distinct(rows, "guest_page", gs, 8), nh = distinct(rows, "host_page", hs, 8);
	for (unsigned a = 0; a < ng; a++)
		for (unsigned b = 0; b < nh; b++)
			for (unsigned m = 0; m < k->nmetrics; m++) {
				char svg[1400];
				snprintf(svg, sizeof(svg), "%s/plots/%s-%s-%s.svg", dir, k->metrics[m].file, gs[a], hs[b]);
				if (access(svg, R_OK))
					continue;
				fprintf(f, "<figure class=\"plot\">\n");
				put_svg(f, svg);
				fprintf(f, "<figcaption>%s, guest %s pages on host %s</figcaption></figure>\n",
					k->metrics[m].title, gs[a], hs[b]);
			}
	for (unsigned i = 0; i < n; i++) {
		char svg[1400];
		snprintf(svg, sizeof(svg), "%s/plots/timeline-%s.svg", dir, runs[i].hash);
		if (access(svg, R_OK))
			continue;
		fprintf(f, "<figure class=\"plot\">\n");
		put_svg(f, svg);
		fprintf(f, "<figcaption>policy timeline: ");
		put_html(f, runs[i].argv[2]);
		fprintf(f, ", guest %s pages on host %s</figcaption></figure>\n", runs[i].argv[4], runs[i].argv[6]);
	}
	fprintf(f, "<h2>Results</h2>\n<table>\n<tr>");
	for (size_t c = 0; c < k->ncolumns; c++)
		fprintf(f, "<th>%s</th>", k->columns[c]);
	fprintf(f, "</tr>\n");
	size_t i;
	const json_t *r;
	json_array_foreach(rows, i, r) {
		fprintf(f, "<tr>");
		for (size_t c = 0; c < k->ncolumns; c++) {
			const json_t *v = json_object_get(r, k->columns[c]);
			fprintf(f, "<td>");
			if (json_is_string(v))
				put_html(f, json_string_value(v));
			else if (json_is_integer(v))
				fprintf(f, "%lld", (long long)json_integer_value(v));
			else if (json_is_real(v))
				fprintf(f, "%.4g", json_real_value(v));
			fprintf(f, "</td>");
		}
		fprintf(f, "</tr>\n");
	}
	fprintf(f, "</table>\n</body></html>\n");
	return out_close(&o, true) ? 1 : 0;
}

/* A compare result's rows: one per scheme. */
static int compare_rows(const struct study *s, const struct study_run *r, const json_t *res, json_t *rows)
{
	if (!json_is_array(res))
		return -1;
	double nested = cycles_of_scheme(res, "nested"), shadow = cycles_of_scheme(res, "shadow");
	size_t k;
	json_t *x;
	json_array_foreach(res, k, x) {
		double cyc = num(x, "cycles"), ws = num(x, "cost_walk_stall");
		json_t *row = json_object();
		json_object_set(row, "workload", json_object_get(x, "workload"));
		json_object_set(row, "guest_page", json_object_get(x, "guest_page"));
		json_object_set(row, "host_page", json_object_get(x, "host_page"));
		json_object_set(row, "seed", json_object_get(x, "seed"));
		json_object_set_new(row, "config", json_string(s->nc ? r->argv[r->argc - 3] : ""));
		json_object_set(row, "scheme", json_object_get(x, "scheme"));
		json_object_set_new(row, "cycles", json_real(cyc));
		json_object_set(row, "instructions", json_object_get(x, "instructions"));
		json_object_set(row, "walks", json_object_get(x, "walks"));
		json_object_set(row, "walk_refs", json_object_get(x, "walk_refs"));
		json_object_set(row, "refs_per_walk", json_object_get(x, "refs_per_walk"));
		json_object_set_new(row, "walk_stall", json_real(ws));
		json_object_set_new(row, "walk_share", json_real(cyc > 0 ? ws / cyc : 0));
		json_object_set(row, "vm_exits", json_object_get(x, "vm_exits"));
		json_object_set_new(row, "speedup_over_nested", nested > 0 && cyc > 0 ? json_real(nested / cyc) : json_null());
		json_object_set_new(row, "speedup_over_shadow", shadow > 0 && cyc > 0 ? json_real(shadow / cyc) : json_null());
		json_object_set_new(row, "run", json_string(r->hash));
		json_array_append_new(rows, row);
	}
	return 0;
}

/* A policy result's rows: one per policy; before and after summed over
 * the processes the profiler enabled TPT for. The run's own arguments say
 * what ran (a policy result holds only the policies). */
static int policy_rows(const struct study *s, const struct study_run *r, const json_t *res, json_t *rows)
{
	if (!json_is_array(res))
		return -1;
	size_t k;
	json_t *x;
	json_array_foreach(res, k, x) {
		if (!json_is_object(x) || !json_is_string(json_object_get(x, "policy")))
			return -1;
		double cyc = num(x, "cycles"), prof = 0, half[2][5] = {{0}}; /* instructions, refs, walk cycles, cycles, walks */
		unsigned enabled = 0;
		size_t j;
		json_t *p;
		json_array_foreach(json_object_get(x, "processes"), j, p) {
			prof += num(p, "profiling_cycles");
			const json_t *sp[2] = {json_object_get(p, "before_tpt"), json_object_get(p, "after_tpt")};
			if (!json_is_object(sp[0]) || !json_is_object(sp[1]))
				continue;
			enabled++;
			for (int h = 0; h < 2; h++) {
				half[h][0] += num(sp[h], "instructions");
				half[h][1] += num(sp[h], "walk_refs");
				half[h][2] += num(sp[h], "walk_cycles");
				half[h][3] += num(sp[h], "cycles");
				half[h][4] += num(sp[h], "walks");
			}
		}
		json_t *row = json_object();
		json_object_set_new(row, "workload", json_string(r->argv[2]));
		json_object_set_new(row, "guest_page", json_string(r->argv[4]));
		json_object_set_new(row, "host_page", json_string(r->argv[6]));
		json_object_set_new(row, "seed", json_integer(strtoll(r->argv[8], NULL, 10)));
		json_object_set_new(row, "config", json_string(s->nc ? r->argv[r->argc - 3] : ""));
		json_object_set(row, "policy", json_object_get(x, "policy"));
		json_object_set_new(row, "cycles", json_real(cyc));
		json_object_set(row, "speedup_vs_never", json_object_get(x, "speedup_vs_never"));
		json_object_set(row, "oracle_gain_share", json_object_get(x, "oracle_gain_share"));
		json_object_set_new(row, "profiling_cycles", json_real(prof));
		json_object_set(row, "profiling_share", json_object_get(x, "profiling_overhead_share"));
		json_object_set(row, "construction_cycles", json_object_get(x, "construction_cycles"));
		json_object_set(row, "decisions", json_object_get(x, "decisions"));
		json_object_set(row, "losing_decisions", json_object_get(x, "losing_decisions"));
		json_object_set_new(row, "enabled_processes", json_integer(enabled));
		static const char *const pre[2] = {"before_", "after_"};
		for (int h = 0; h < 2; h++) {
			char key[64];
			bool some = enabled > 0;
#define SET(name, v)                                                   \
	snprintf(key, sizeof(key), "%s%s", pre[h], name);              \
	json_object_set_new(row, key, some ? (v) : json_null())
			SET("instructions", json_integer((json_int_t)half[h][0]));
			SET("walk_refs", json_integer((json_int_t)half[h][1]));
			SET("refs_per_walk", half[h][4] > 0 ? json_real(half[h][1] / half[h][4]) : json_null());
			SET("walk_cycles", json_integer((json_int_t)half[h][2]));
			SET("cycles", json_real(half[h][3]));
#undef SET
		}
		json_object_set_new(row, "run", json_string(r->hash));
		json_array_append_new(rows, row);
	}
	return 0;
}

/* The study's results, a row per run and scheme (or policy), as CSV and JSON. */
static int study_report(const struct study *s, struct study_run *runs, unsigned n, const char *dir)
{
	bool cmp = !strcmp(s->command, "compare");
	const struct kind *k = &kinds[cmp ? 0 : 1];
	char csv[1200], js[1200];
	snprintf(csv, sizeof(csv), "%s/results.csv", dir);
	snprintf(js, sizeof(js), "%s/results.json", dir);
	unsigned missing = 0;
	for (unsigned i = 0; i < n; i++)
		missing += !exists(dir, runs[i].hash);
	if (missing) {
		bad("study %s: %u of %u runs have no result in %s/runs (tpt study run finishes them)", s->name, missing, n,
		    dir);
		return 1;
	}
	json_t *rows = json_array();
	struct builds b = {0};
	int rc = 0;
	for (unsigned i = 0; i < n && !rc; i++) {
		char p[1200];
		snprintf(p, sizeof(p), "%s/runs/%s.json", dir, runs[i].hash);
		json_error_t je;
		json_t *res = json_load_file(p, 0, &je);
		if (!res || (cmp ? compare_rows(s, &runs[i], res, rows) : policy_rows(s, &runs[i], res, rows))) {
			fprintf(stderr, "tpt: study %s: %s: not a %s result (%s)\n", s->name, p, s->command,
				res ? "unexpected contents" : je.text);
			rc = 1;
		} else {
			builds_add(&b, res);
		}
		json_decref(res);
	}
	if (rc) {
		json_decref(rows);
		return rc;
	}
	/* The CSV: a comment saying where it came from, a header, the rows. */
	struct out o;
	if (out_open(&o, csv)) {
		json_decref(rows);
		return 1;
	}
	fprintf(o.f, "# tpt study report %s: tpt %s (commit %s); runs made at ", s->name, tpt_version(),
		tpt_commit());
	builds_print(o.f, &b);
	fputc('\n', o.f);
	if (b.n > 1 || b.other) {
		/* A run's name holds the release, not the commit: say when builds mixed. */
		fprintf(stderr, "tpt study: note: %s's runs were made by more than one build, ", s->name);
		builds_print(stderr, &b);
		fprintf(stderr, "; tpt study run --dir on a fresh directory makes them all with this one\n");
	}
	for (size_t c = 0; c < k->ncolumns; c++)
		fprintf(o.f, "%s%s", c ? "," : "", k->columns[c]);
	fputc('\n', o.f);
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row) {
		for (size_t c = 0; c < k->ncolumns; c++) {
			const json_t *v = json_object_get(row, k->columns[c]);
			if (c)
				fputc(',', o.f);
			if (json_is_string(v))
				tpt_csv_field(o.f, json_string_value(v));
			else if (json_is_integer(v))
				fprintf(o.f, "%lld", (long long)json_integer_value(v));
			else if (json_is_real(v))
				fprintf(o.f, "%.6g", json_real_value(v));
		}
		fputc('\n', o.f);
	}
	if (out_close(&o, true)) {
		json_decref(rows);
		return 1;
	}
	if (plot(k, dir, rows, runs, n, !cmp)) {
		json_decref(rows);
		return 2;
	}
	if (page(s, k, dir, rows, runs, n, &b)) {
		json_decref(rows);
		return 1;
	}
	json_t *made = json_object();
	for (unsigned j = 0; j < b.n; j++)
		json_object_set_new(made, b.commit[j], json_integer(b.runs[j]));
	if (b.other)
		json_object_set_new(made, "others", json_integer(b.other));
	json_t *doc = json_pack("{s:s, s:s, s:s, s:s, s:I, s:o, s:o}", "study", s->name, "command", s->command,
				"release", tpt_version(), "commit", tpt_commit(), "runs", (json_int_t)n, "run_commits",
				made, "rows", rows);
	rc = write_json(js, doc) ? 1 : 0;
	json_decref(doc);
	if (!rc)
		printf("study %s: %u runs merged into %s and %s; plots in %s/plots, all in %s/index.html\n", s->name,
		       n, csv, js, dir, dir);
	return rc;
}

/* Memory to ask of a scheduler for run r, MiB: the generators' own host
 * bytes and about 1/128 of the simulated footprint for the simulator's
 * tables and frames (1.2 GiB peaks measured for 129 GiB of GUPS under
 * nested paging: 0.9 % of it), plus 64 MiB, up to a power of two. */
static uint64_t run_mem_mib(const struct study_run *r)
{
	uint64_t host = 0, fp = 0, mib = 256;
	struct tpt_err e;
	if (!strcmp(r->argv[1], "--scenario") ? workload_estimate_scenario(r->argv[2], &host, &fp, &e)
					       : workload_estimate(r->argv[2], &host, &fp, &e))
		host = fp = 0;
	uint64_t need = (host + fp / 128) / MiB + 64;
	while (mib < need)
		mib *= 2;
	return mib;
}

/* Runs cmd and reads its first line of output into out; 0, or -1. */
static int first_line(const char *cmd, char *out, size_t len)
{
	FILE *p = popen(cmd, "r");
	if (!p)
		return -1;
	out[0] = 0;
	if (!fgets(out, (int)len, p))
		out[0] = 0;
	char rest[256];
	while (fgets(rest, sizeof(rest), p))
		;
	int st = pclose(p);
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

/* tpt study slurm: the unfinished runs as Slurm array jobs, one task per
 * run, a job per size of memory asked; submitted and waited for with
 * --submit. */
static int study_slurm(const struct study *s, struct study_run *runs, unsigned n, const char *dir, bool submit)
{
	char self[1024], abs[PATH_MAX], sd[PATH_MAX + 16];
	if (prepare(dir, self, sizeof(self)))
		return 2;
	if (!realpath(dir, abs))
		return bad("study: cannot resolve %s", dir);
	snprintf(sd, sizeof(sd), "%s/slurm", abs);
	if (mkdirs(sd))
		return bad("study: cannot create %s", sd);
	uint64_t sizes[64]; /* powers of two MiB in a uint64_t: fewer than 64 */
	unsigned nsizes = 0, todo = 0;
	uint64_t *mem = calloc(n + 1, sizeof(*mem));
	if (!mem)
		return bad("out of memory");
	for (unsigned i = 0; i < n; i++) {
		if (exists(dir, runs[i].hash))
			continue;
		todo++;
		mem[i] = run_mem_mib(&runs[i]);
		unsigned j = 0;
		while (j < nsizes && sizes[j] != mem[i])
			j++;
		if (j == nsizes)
			sizes[nsizes++] = mem[i];
	}
	if (!todo) {
		free(mem);
		printf("study %s: all %u runs done (%s/runs)\n", s->name, n, dir);
		return 0;
	}
	char ids[1024] = "";
	int rc = 0;
	for (unsigned j = 0; j < nsizes && !rc; j++) {
		char jobs[PATH_MAX + 64], script[PATH_MAX + 64];
		snprintf(jobs, sizeof(jobs), "%s/mem-%lluM.jobs", sd, (unsigned long long)sizes[j]);
		snprintf(script, sizeof(script), "%s/mem-%lluM.sbatch", sd, (unsigned long long)sizes[j]);
		struct out jo, so;
		if (out_open(&jo, jobs)) {
			rc = 1;
			break;
		}
		unsigned k = 0;
		for (unsigned i = 0; i < n; i++)
			if (mem[i] == sizes[j]) { /* 0 for a run already done */
				put_job(jo.f, self, s, &runs[i], abs);
				k++;
			}
		if (out_close(&jo, true) || out_open(&so, script)) {
			rc = 1;
			break;
		}
		fprintf(so.f, "#!/bin/sh\n# tpt study %s: %u runs asking %llu MiB each (tpt study slurm)\n", s->name, k,
			(unsigned long long)sizes[j]);
		fprintf(so.f, "#SBATCH --job-name=tpt-%s\n#SBATCH --array=0-%u\n#SBATCH --ntasks=1\n"
			      "#SBATCH --cpus-per-task=1\n#SBATCH --mem=%lluM\n#SBATCH --output=%s/logs/slurm-%%A_%%a.out\n",
			s->name, k - 1, (unsigned long long)sizes[j], abs);
		fprintf(so.f, "line=$(sed -n \"$((SLURM_ARRAY_TASK_ID + 1))p\" ");
		put_quoted(so.f, jobs);
		fprintf(so.f, ")\nexec sh -c \"$line\"\n");
		if (out_close(&so, true)) {
			rc = 1;
			break;
		}
		if (!submit) {
			printf("sbatch %s\n", script);
			continue;
		}
		char cmd[PATH_MAX + 128], line[512];
		snprintf(cmd, sizeof(cmd), "sbatch --parsable '%s' 2>&1", script);
		if (first_line(cmd, line, sizeof(line)) || !(line[0] >= '0' && line[0] <= '9')) {
			line[strcspn(line, "\n")] = 0;
			rc = bad("study: sbatch %s failed (is Slurm running here?): %s", script, line);
			break;
		}
		line[strspn(line, "0123456789")] = 0;
		size_t len = strlen(ids);
		snprintf(ids + len, sizeof(ids) - len, "%s%s", len ? "," : "", line);
	}
	free(mem);
	if (rc || !submit) {
		if (!rc)
			printf("# study %s: %u runs in %u array jobs; tpt study report %s merges them when they are done\n",
			       s->name, todo, nsizes, dir);
		return rc;
	}
	/* Wait for the jobs to leave the queue. */
	bool tty = isatty(2) == 1;
	for (;;) {
		char cmd[1200], line[256];
		snprintf(cmd, sizeof(cmd), "squeue -h -r -j %s -o %%i 2>/dev/null | wc -l", ids);
		if (first_line(cmd, line, sizeof(line)))
			return bad("study: squeue failed");
		long left = strtol(line, NULL, 10);
		if (left <= 0)
			break;
		if (tty)
			fprintf(stderr, "\rstudy %s: Slurm jobs %s: %ld tasks queued or running\033[K", s->name, ids, left);
		sleep(2);
	}
	if (tty)
		fprintf(stderr, "\r\033[K");
	unsigned bad_runs = report_failed(s, runs, n, dir);
	printf("study %s: %u runs, %u done before, %u run now through Slurm (jobs %s), %u failed (%s/runs)\n", s->name,
	       n, n - todo, todo - bad_runs, ids, bad_runs, dir);
	say_largest(s, runs, n, dir);
	return bad_runs ? 1 : 0;
}

int cmd_study(int argc, char **argv)
{
	if (argc < 3 || (strcmp(argv[1], "plan") && strcmp(argv[1], "run") && strcmp(argv[1], "report") &&
			 strcmp(argv[1], "slurm")))
		return bad("study: usage: tpt study plan FILE | tpt study run FILE [--jobs N] [--dir DIR] | "
			   "tpt study slurm FILE [--dir DIR] [--submit] | tpt study report FILE [--dir DIR]");
	bool run = !strcmp(argv[1], "run"), report = !strcmp(argv[1], "report"), slurm = !strcmp(argv[1], "slurm");
	bool submit = false;
	const char *dir = NULL;
	uint64_t jobs = (uint64_t)sysconf(_SC_NPROCESSORS_ONLN);
	for (int i = 3; i < argc; i++) {
		if (run && !strcmp(argv[i], "--jobs") && i + 1 < argc) {
			if (tpt_parse_u64(argv[++i], &jobs) || jobs < 1 || jobs > 256)
				return bad("study: --jobs: '%s' is not a whole number from 1 to 256", argv[i]);
		} else if ((run || report || slurm) && !strcmp(argv[i], "--dir") && i + 1 < argc) {
			dir = argv[++i];
		} else if (slurm && !strcmp(argv[i], "--submit") && !submit) {
			submit = true;
		} else {
			return bad("study: unexpected argument '%s'", argv[i]);
		}
	}
	struct study s;
	int rc = study_load(&s, argv[2]);
	struct study_run *runs = NULL;
	unsigned n = 0;
	if (!rc)
		rc = expand(&s, &runs, &n);
	char d[1024];
	snprintf(d, sizeof(d), "results/%s", s.name);
	if (!rc && report) {
		rc = study_report(&s, runs, n, dir ? dir : d);
	} else if (!rc && slurm) {
		rc = study_slurm(&s, runs, n, dir ? dir : d, submit);
	} else if (!rc && !run) {
		for (unsigned i = 0; i < n; i++) {
			printf("%s tpt", runs[i].hash);
			for (int a = 0; a < runs[i].argc; a++)
				printf(" %s", runs[i].argv[a]);
			printf("\n");
		}
		printf("# study %s: %u runs\n", s.name, n);
	} else if (!rc) {
		rc = study_execute(&s, runs, n, dir ? dir : d, (unsigned)jobs);
	}
	for (unsigned i = 0; i < n; i++)
		run_free(&runs[i]);
	free(runs);
	study_free(&s);
	return rc;
}
