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
 *   tpt study report FILE [--dir DIR]    the results merged, a row per run and
 *                                        scheme: DIR/results.csv and .json
 *
 * A study file ([study] section; repeated keys add values):
 *   command   compare or policy
 *   workload  a workload spec (compare), repeated
 *   scenario  a scenario (policy), repeated
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "tpt/opttab.h"
#include "tpt/outfile.h"
#include "tpt/version.h"
#include "tpt/workload.h"

#define MAX_VALUES 64
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
	if (!strcmp(s->command, "policy") && (!s->ns || s->nw || s->schemes))
		return bad("study: %s: a policy study names scenarios (scenario = ...), no workload or schemes", path);
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
	unsigned nin = cmp ? s->nw : s->ns, ncfg = s->nc ? s->nc : 1;
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
					a[r->argc++] = strdup(s->command);
					a[r->argc++] = strdup(cmp ? "--workload" : "--scenario");
					a[r->argc++] = cmp ? strdup(s->workloads[w]) : path_in(s, s->scenarios[w]);
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
					if (!cmp)
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

static int study_execute(const struct study *s, struct study_run *runs, unsigned n, const char *dir, unsigned jobs)
{
	char sub[1200], jobsfile[1200], log[1200], self[1024];
	ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (len <= 0)
		return bad("study: cannot find the tpt binary (/proc/self/exe)");
	self[len] = 0;
	snprintf(sub, sizeof(sub), "%s/runs", dir);
	if (mkdirs(sub))
		return bad("study: cannot create %s", sub);
	snprintf(sub, sizeof(sub), "%s/logs", dir);
	if (mkdirs(sub))
		return bad("study: cannot create %s", sub);
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
		put_quoted(f, self);
		for (int a = 0; a < runs[i].argc; a++) {
			fputc(' ', f);
			put_quoted(f, runs[i].argv[a]);
		}
		fprintf(f, " --json ");
		char p[1200];
		snprintf(p, sizeof(p), "%s/runs/%s.json", dir, runs[i].hash);
		put_quoted(f, p);
		fprintf(f, " >");
		snprintf(p, sizeof(p), "%s/logs/%s.log", dir, runs[i].hash);
		put_quoted(f, p);
		fprintf(f, " 2>&1\n");
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
	unsigned fin, failed;
	double busy;
	joblog(log, &fin, &failed, &busy);
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
	printf("study %s: %u runs, %u done before, %u run now, %u failed (%s/runs)\n", s->name, n, n - todo,
	       todo - bad_runs, bad_runs, dir);
	return bad_runs ? 1 : 0;
}

/* A number of a result object, or 0 when it lacks it. */
static double num(const json_t *o, const char *k)
{
	const json_t *v = json_object_get(o, k);
	return json_is_number(v) ? json_number_value(v) : 0;
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

static const char *const columns[] = {
	"workload", "guest_page", "host_page", "seed", "config", "scheme", "cycles", "instructions", "walks",
	"walk_refs", "refs_per_walk", "walk_stall", "walk_share", "vm_exits", "speedup_over_nested",
	"speedup_over_shadow",
};

/* The plots: for each page pair, each metric's grouped bars (a group per
 * workload, a bar per scheme), drawn by gnuplot as SVG in DIR/plots. */
static const struct {
	const char *key, *file, *title;
} metrics[] = {
	{"speedup_over_nested", "speedup-nested", "speed-up over nested paging"},
	{"speedup_over_shadow", "speedup-shadow", "speed-up over shadow paging"},
	{"refs_per_walk", "refs-per-walk", "memory references per walk"},
	{"walk_share", "walk-share", "share of cycles stalled on walks"},
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

static const json_t *find_row(const json_t *rows, const char *w, const char *g, const char *h, const char *sc)
{
	size_t i;
	const json_t *r;
	json_array_foreach(rows, i, r)
		if (!strcmp(json_string_value(json_object_get(r, "workload")), w) &&
		    !strcmp(json_string_value(json_object_get(r, "guest_page")), g) &&
		    !strcmp(json_string_value(json_object_get(r, "host_page")), h) &&
		    !strcmp(json_string_value(json_object_get(r, "scheme")), sc))
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

static int plot(const char *dir, const json_t *rows)
{
	const char *ws[MAX_VALUES * 4], *sc[16], *gs[8], *hs[8];
	unsigned nw = distinct(rows, "workload", ws, ARRAY_LEN(ws)), ns = distinct(rows, "scheme", sc, 16);
	unsigned ng = distinct(rows, "guest_page", gs, 8), nh = distinct(rows, "host_page", hs, 8);
	char pd[1200], gp[1300];
	snprintf(pd, sizeof(pd), "%s/plots", dir);
	if (mkdirs(pd))
		return bad("study: cannot create %s", pd);
	snprintf(gp, sizeof(gp), "%s/plots.gp", pd);
	struct out go;
	if (out_open(&go, gp))
		return 1;
	FILE *g = go.f;
	fprintf(g, "set terminal svg size 900,420 dynamic font 'sans,12' background '#ffffff'\n"
		   "set style data histograms\nset style histogram clustered gap 1\n"
		   "set style fill solid 0.85 border -1\nset key outside right top\n"
		   "set grid ytics\nset yrange [0:*]\nset xtics rotate by -30\n");
	for (unsigned a = 0; a < ng; a++)
		for (unsigned b = 0; b < nh; b++)
			for (unsigned m = 0; m < ARRAY_LEN(metrics); m++) {
				char dat[1400], name[128];
				snprintf(name, sizeof(name), "%s-%s-%s", metrics[m].file, gs[a], hs[b]);
				snprintf(dat, sizeof(dat), "%s/%s.dat", pd, name);
				struct out fo;
				if (out_open(&fo, dat)) {
					out_close(&go, false);
					return 1;
				}
				FILE *f = fo.f;
				fprintf(f, "workload");
				for (unsigned k = 0; k < ns; k++)
					fprintf(f, " %s", sc[k]);
				fputc('\n', f);
				bool some = false;
				for (unsigned w = 0; w < nw; w++) {
					char l[64];
					label(ws, nw, w, l, sizeof(l));
					fprintf(f, "%s", l);
					for (unsigned k = 0; k < ns; k++) {
						const json_t *r = find_row(rows, ws[w], gs[a], hs[b], sc[k]);
						const json_t *v = r ? json_object_get(r, metrics[m].key) : NULL;
						if (json_is_number(v)) {
							fprintf(f, " %.6g", json_number_value(v));
							some = true;
						} else {
							fprintf(f, " NaN");
						}
					}
					fputc('\n', f);
				}
				if (out_close(&fo, true)) {
					out_close(&go, false);
					return 1;
				}
				if (!some)
					continue;
				fprintf(g, "set output '%s/%s.svg'\nset title '%s, guest %s pages on host %s'\n", pd, name,
					metrics[m].title, gs[a], hs[b]);
				fprintf(g, "plot for [i=2:%u] '%s' using i:xtic(1) title columnheader(i)\n", ns + 1, dat);
			}
	if (out_close(&go, true))
		return 1;
	pid_t pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		if (null >= 0)
			dup2(null, 1);
		execlp("gnuplot", "gnuplot", gp, (char *)NULL);
		_exit(127);
	}
	int status = 0;
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return bad("study: cannot run gnuplot");
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		return bad("study: gnuplot is not installed (make deps installs it)");
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		return bad("study: gnuplot failed on %s", gp);
	return 0;
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

/* DIR/index.html: the study's table and plots in one self-contained page. */
static int page(const struct study *s, const char *dir, const json_t *rows, unsigned n)
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
	fprintf(f, "</h1>\n<p>%u runs; tpt %s (commit %s). Data: <a href=\"results.csv\">results.csv</a>, "
		   "<a href=\"results.json\">results.json</a>.</p>\n<h2>Plots</h2>\n", n, tpt_version(), tpt_commit());
	const char *gs[8], *hs[8];
	unsigned ng = distinct(rows, "guest_page", gs, 8), nh = distinct(rows, "host_page", hs, 8);
	for (unsigned a = 0; a < ng; a++)
		for (unsigned b = 0; b < nh; b++)
			for (unsigned m = 0; m < ARRAY_LEN(metrics); m++) {
				char svg[1400];
				snprintf(svg, sizeof(svg), "%s/plots/%s-%s-%s.svg", dir, metrics[m].file, gs[a], hs[b]);
				if (access(svg, R_OK))
					continue;
				fprintf(f, "<figure class=\"plot\">\n");
				put_svg(f, svg);
				fprintf(f, "<figcaption>%s, guest %s pages on host %s</figcaption></figure>\n", metrics[m].title,
					gs[a], hs[b]);
			}
	fprintf(f, "<h2>Results</h2>\n<table>\n<tr>");
	for (size_t c = 0; c < ARRAY_LEN(columns); c++)
		fprintf(f, "<th>%s</th>", columns[c]);
	fprintf(f, "</tr>\n");
	size_t i;
	const json_t *r;
	json_array_foreach(rows, i, r) {
		fprintf(f, "<tr>");
		for (size_t c = 0; c < ARRAY_LEN(columns); c++) {
			const json_t *v = json_object_get(r, columns[c]);
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

/* The study's results, a row per run and scheme, as CSV and JSON. */
static int study_report(const struct study *s, struct study_run *runs, unsigned n, const char *dir)
{
	if (strcmp(s->command, "compare"))
		return bad("study: report: %s", "policy studies are not merged yet (compare studies are)");
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
	int rc = 0;
	for (unsigned i = 0; i < n && !rc; i++) {
		char p[1200];
		snprintf(p, sizeof(p), "%s/runs/%s.json", dir, runs[i].hash);
		json_error_t je;
		json_t *res = json_load_file(p, 0, &je);
		if (!json_is_array(res)) {
			fprintf(stderr, "tpt: study %s: %s: not a compare result (%s)\n", s->name, p, je.text);
			json_decref(res);
			rc = 1;
			break;
		}
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
			json_object_set_new(row, "config", json_string(s->nc ? runs[i].argv[runs[i].argc - 3] : ""));
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
			json_object_set_new(row, "run", json_string(runs[i].hash));
			json_array_append_new(rows, row);
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
	fprintf(o.f, "# tpt study report %s: tpt %s (commit %s)\n", s->name, tpt_version(), tpt_commit());
	for (size_t c = 0; c < ARRAY_LEN(columns); c++)
		fprintf(o.f, "%s%s", c ? "," : "", columns[c]);
	fputc('\n', o.f);
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row) {
		for (size_t c = 0; c < ARRAY_LEN(columns); c++) {
			const json_t *v = json_object_get(row, columns[c]);
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
	if (plot(dir, rows)) {
		json_decref(rows);
		return 2;
	}
	if (page(s, dir, rows, n)) {
		json_decref(rows);
		return 1;
	}
	json_t *doc = json_pack("{s:s, s:s, s:s, s:I, s:o}", "study", s->name, "release", tpt_version(), "commit",
				tpt_commit(), "runs", (json_int_t)n, "rows", rows);
	rc = write_json(js, doc) ? 1 : 0;
	json_decref(doc);
	if (!rc)
		printf("study %s: %u runs merged into %s and %s; plots in %s/plots, all in %s/index.html\n", s->name,
		       n, csv, js, dir, dir);
	return rc;
}

int cmd_study(int argc, char **argv)
{
	if (argc < 3 || (strcmp(argv[1], "plan") && strcmp(argv[1], "run") && strcmp(argv[1], "report")))
		return bad("study: usage: tpt study plan FILE | tpt study run FILE [--jobs N] [--dir DIR] | "
				       "tpt study report FILE [--dir DIR]");
	bool run = !strcmp(argv[1], "run"), report = !strcmp(argv[1], "report");
	const char *dir = NULL;
	uint64_t jobs = (uint64_t)sysconf(_SC_NPROCESSORS_ONLN);
	for (int i = 3; i < argc; i++) {
		if (run && !strcmp(argv[i], "--jobs") && i + 1 < argc) {
			if (tpt_parse_u64(argv[++i], &jobs) || jobs < 1 || jobs > 256)
				return bad("study: --jobs: '%s' is not a whole number from 1 to 256", argv[i]);
		} else if ((run || report) && !strcmp(argv[i], "--dir") && i + 1 < argc) {
			dir = argv[++i];
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
