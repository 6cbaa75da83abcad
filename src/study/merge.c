/* SPDX-License-Identifier: MIT */
/*
 * merge.c - a study's results merged into its report (study.h): each
 * run's JSON read back as untrusted input (a bounded regular file, every
 * value of the expected type and range), a row per run and scheme (or
 * policy), then results.csv, results.json, the plots and the page.
 *
 * A row's identity (pages, seed, config, and a policy run's workload) is
 * the plan's, never the result's: only values that are numbers, and names
 * checked against what tpt knows, come from a file.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "study_internal.h"
#include "tpt/scheme/scheme.h"
#include "tpt/base/version.h"

#define RESULT_MAX (64 << 20) /* bytes of one run's result */

static const char *const compare_columns[] = {
	"workload", "guest_page", "host_page", "seed", "config", "scheme", "cycles", "cycles_ci95", "instructions", "walks",
	"walk_refs", "refs_per_walk", "walk_stall", "walk_share", "vm_exits", "speedup_over_nested",
	"speedup_over_shadow",
};

static const struct study_metric compare_metrics[] = {
	{"speedup_over_nested", "speedup-nested", "speed-up over nested paging",
	 "speed-up over nested paging (x)", 1, "nested", true,
	 "nested paging's estimated cycles over the scheme's"},
	{"speedup_over_shadow", "speedup-shadow", "speed-up over shadow paging",
	 "speed-up over shadow paging (x)", 1, "shadow", true,
	 "shadow paging's estimated cycles over the scheme's"},
	{"refs_per_walk", "refs-per-walk", "memory references per walk", "references per walk", 1, NULL,
	 false, "page-table and tag references to the memory hierarchy per TLB-miss walk"},
	{"walk_share", "walk-share", "cycles stalled on walks", "walk stall, % of cycles", 100, NULL,
	 false, "the walk stall's share of the estimated cycles"},
	{"cycles_ci95", "cycles-ci95", "95 % interval of the cycles (sampled runs)",
	 "95 % half-width, % of cycles", 100, NULL, false,
	 "the half-width of the 95 % confidence interval of a sampled run's estimated cycles"},
};

/* A policy study: per run and policy, and for the processes the profiler
 * enabled TPT for, their walks before and after it did. */
static const char *const policy_columns[] = {
	"workload", "guest_page", "host_page", "seed", "config", "policy", "cycles", "cycles_ci95", "speedup_vs_never",
	"oracle_gain_share", "profiling_cycles", "profiling_share", "construction_cycles", "decisions",
	"losing_decisions", "enabled_processes", "before_instructions", "before_walk_refs", "before_refs_per_walk",
	"before_walk_cycles", "before_cycles", "after_instructions", "after_walk_refs", "after_refs_per_walk",
	"after_walk_cycles", "after_cycles", "before_walk_stall", "after_walk_stall",
};

static const struct study_metric policy_metrics[] = {
	{"speedup_vs_never", "speedup-never", "speed-up over never enabling TPT",
	 "speed-up over never (x)", 1, "never", true,
	 "the cycles of the run that never enables TPT over the policy's"},
	{"oracle_gain_share", "oracle-share", "share of the oracle's gain", "% of the oracle's gain", 100,
	 NULL, false, "the policy's gain over never as a share of the oracle's"},
	{"profiling_share", "profiling-share", "cycles spent profiling", "profiling, % of cycles", 100,
	 NULL, false, "the profiler's sampling cost as a share of the run's cycles"},
	{"cycles_ci95", "cycles-ci95", "95 % interval of the cycles (sampled runs)",
	 "95 % half-width, % of cycles", 100, NULL, false,
	 "the half-width of the 95 % confidence interval of a sampled run's estimated cycles"},
};

const struct study_layout study_layouts[2] = {
	{compare_columns, ARRAY_LEN(compare_columns), "scheme", compare_metrics, ARRAY_LEN(compare_metrics)},
	{policy_columns, ARRAY_LEN(policy_columns), "policy", policy_metrics, ARRAY_LEN(policy_metrics)},
};

/* ---- checked reading of a result ---- */

/* Where in a result a value was looked for, for the error line. */
struct where {
	size_t item;
	const char *what; /* NULL, or "process N" */
	size_t proc;
};

static int bad_value(const struct where *at, const char *key, const char *why, struct tpt_err *e)
{
	if (at->what)
		return tpt_fail(e, "object %zu, process %zu: '%s' %s", at->item + 1, at->proc + 1, key, why);
	return tpt_fail(e, "object %zu: '%s' %s", at->item + 1, key, why);
}

/* What number() takes besides a finite number from 0 up. */
enum { NUM_NULL = 1, NUM_SIGNED = 2 };

/* o's key as a finite number, from 0 up unless NUM_SIGNED; null (as NaN)
 * only with NUM_NULL. */
static int number(const json_t *o, const char *key, int how, const struct where *at, double *out,
		  struct tpt_err *e)
{
	const json_t *v = json_object_get(o, key);
	bool null_ok = how & NUM_NULL;
	if (null_ok && json_is_null(v)) {
		*out = NAN;
		return 0;
	}
	if (!json_is_number(v))
		return bad_value(at, key, null_ok ? "is not a number or null" : "is not a number", e);
	double x = json_number_value(v);
	if (isnan(x) || isinf(x))
		return bad_value(at, key, "is not a finite number", e);
	if (!(how & NUM_SIGNED) && x < 0)
		return bad_value(at, key, "is not a finite number from 0 up", e);
	*out = x;
	return 0;
}

/* o's key as a name: a string of at most max bytes, none of them a control
 * character. */
static const char *name(const json_t *o, const char *key, size_t max, const struct where *at,
			struct tpt_err *e)
{
	const char *s = json_string_value(json_object_get(o, key));
	if (!s) {
		bad_value(at, key, "is not a string", e);
		return NULL;
	}
	size_t n = strlen(s);
	bool control = false;
	for (size_t i = 0; i < n && !control; i++)
		control = (unsigned char)s[i] < 0x20 || s[i] == 0x7f;
	if (control || n > max || n != json_string_length(json_object_get(o, key))) {
		bad_value(at, key, "is not a name (too long, or a control character)", e);
		return NULL;
	}
	return s;
}

static json_t *real_or_null(double v)
{
	return isnan(v) ? json_null() : json_real(v);
}

/* Where a result's rows come from: the plan's run (a study), or the one
 * run of a command (tpt compare or policy with --csv or --plot). */
struct origin {
	const char *input; /* a policy run's workload or scenario */
	const char *guest, *host, *config, *run;
	uint64_t seed;
};

/* The columns every row has from its origin: workload (a compare run's
 * from its result), pages, seed, config as the study file names it. */
static json_t *row_new(const struct origin *o, const char *workload)
{
	json_t *row = json_object();
	json_object_set_new(row, "workload", json_string(workload));
	json_object_set_new(row, "guest_page", json_string(o->guest));
	json_object_set_new(row, "host_page", json_string(o->host));
	json_object_set_new(row, "seed", json_integer((json_int_t)o->seed));
	json_object_set_new(row, "config", json_string(o->config));
	return row;
}

/* A sampled result's 95 % half-width of its cycles, relative (its
 * sample.ci95.cycles); null for an exact run. */
static json_t *cycles_ci95(const json_t *x)
{
	const json_t *c = json_object_get(json_object_get(json_object_get(x, "sample"), "ci95"), "cycles");
	return json_is_number(c) ? json_real(json_number_value(c)) : json_null();
}

/* The cycles of scheme name among the checked results, or 0. */
static double cycles_of(const json_t *res, const char *scheme)
{
	size_t i;
	const json_t *x;
	json_array_foreach(res, i, x)
		if (!strcmp(json_string_value(json_object_get(x, "scheme")), scheme))
			return json_number_value(json_object_get(x, "cycles"));
	return 0;
}

static int compare_rows(const struct origin *o, const json_t *res, json_t *rows,
			struct tpt_err *e)
{
	static const char *const nums[] = {"cycles", "instructions", "walks", "walk_refs", "refs_per_walk",
					   "cost_walk_stall", "vm_exits"};
	size_t i;
	const json_t *x;
	json_array_foreach(res, i, x) {
		struct where at = {i, NULL, 0};
		double v[ARRAY_LEN(nums)];
		if (!json_is_object(x))
			return tpt_fail(e, "object %zu is not an object", i + 1);
		const char *sc = name(x, "scheme", 32, &at, e);
		if (!sc || !name(x, "workload", 640, &at, e))
			return -1;
		if (!scheme_find(sc))
			return bad_value(&at, "scheme", "names no scheme of tpt", e);
		for (size_t k = 0; k < ARRAY_LEN(nums); k++)
			if (number(x, nums[k], 0, &at, &v[k], e))
				return -1;
	}
	double nested = cycles_of(res, "nested"), shadow = cycles_of(res, "shadow");
	json_array_foreach(res, i, x) {
		double cyc = json_number_value(json_object_get(x, "cycles"));
		double ws = json_number_value(json_object_get(x, "cost_walk_stall"));
		json_t *row = row_new(o, json_string_value(json_object_get(x, "workload")));
		json_object_set(row, "scheme", json_object_get(x, "scheme"));
		json_object_set_new(row, "cycles", json_real(cyc));
		json_object_set_new(row, "cycles_ci95", cycles_ci95(x));
		json_object_set(row, "instructions", json_object_get(x, "instructions"));
		json_object_set(row, "walks", json_object_get(x, "walks"));
		json_object_set(row, "walk_refs", json_object_get(x, "walk_refs"));
		json_object_set(row, "refs_per_walk", json_object_get(x, "refs_per_walk"));
		json_object_set_new(row, "walk_stall", json_real(ws));
		json_object_set_new(row, "walk_share", json_real(cyc > 0 ? ws / cyc : 0));
		json_object_set(row, "vm_exits", json_object_get(x, "vm_exits"));
		json_object_set_new(row, "speedup_over_nested", real_or_null(nested > 0 && cyc > 0 ? nested / cyc : NAN));
		json_object_set_new(row, "speedup_over_shadow", real_or_null(shadow > 0 && cyc > 0 ? shadow / cyc : NAN));
		json_object_set_new(row, "run", json_string(o->run));
		json_array_append_new(rows, row);
	}
	return 0;
}

/* A policy's name: lower-case letters and '-', as tpt policy names them. */
static bool policy_name(const char *p)
{
	size_t n = strspn(p, "abcdefghijklmnopqrstuvwxyz-");
	return n && n <= 15 && !p[n];
}

/* Before and after TPT, summed over the processes it was enabled for:
 * instructions, walk references, walk cycles (every walk's latency,
 * overlapped ones whole), cycles, walks, walk stall (the cycles walks
 * cost after overlap). */
struct halves {
	double v[2][6];
	unsigned enabled;
	double profiling;
};

static int sum_processes(const json_t *x, size_t item, struct halves *h, struct tpt_err *e)
{
	static const char *const keys[6] = {"instructions", "walk_refs", "walk_cycles", "cycles", "walks",
					    "walk_stall"};
	const json_t *procs = json_object_get(x, "processes");
	if (!json_is_array(procs))
		return tpt_fail(e, "object %zu: 'processes' is not a list", item + 1);
	size_t j;
	const json_t *p;
	json_array_foreach(procs, j, p) {
		struct where at = {item, "process", j};
		double prof;
		if (!json_is_object(p) || number(p, "profiling_cycles", 0, &at, &prof, e))
			return json_is_object(p) ? -1 : tpt_fail(e, "object %zu: process %zu is not an object",
								  item + 1, j + 1);
		h->profiling += prof;
		const json_t *sp[2] = {json_object_get(p, "before_tpt"), json_object_get(p, "after_tpt")};
		if (!json_is_object(sp[0]) || !json_is_object(sp[1]))
			continue; /* never enabled */
		h->enabled++;
		for (int half = 0; half < 2; half++)
			for (int k = 0; k < 6; k++) {
				double v;
				if (number(sp[half], keys[k], 0, &at, &v, e))
					return -1;
				h->v[half][k] += v;
			}
	}
	return 0;
}

static int policy_rows(const struct origin *o, const json_t *res, json_t *rows,
		       struct tpt_err *e)
{
	static const char *const nums[] = {"cycles", "profiling_overhead_share", "construction_cycles",
					   "decisions", "losing_decisions"};
	/* oracle_gain_share is below 0 where a row loses to never and the
	 * oracle gains. */
	static const struct {
		const char *key;
		int how;
	} nullable[] = {{"speedup_vs_never", NUM_NULL}, {"oracle_gain_share", NUM_NULL | NUM_SIGNED}};
	size_t i;
	const json_t *x;
	json_array_foreach(res, i, x) {
		struct where at = {i, NULL, 0};
		double v;
		struct halves h = {{{0}}, 0, 0};
		if (!json_is_object(x))
			return tpt_fail(e, "object %zu is not an object", i + 1);
		const char *pol = name(x, "policy", 15, &at, e);
		if (!pol)
			return -1;
		if (!policy_name(pol))
			return bad_value(&at, "policy", "names no policy of tpt", e);
		for (size_t k = 0; k < ARRAY_LEN(nums); k++)
			if (number(x, nums[k], 0, &at, &v, e))
				return -1;
		for (size_t k = 0; k < ARRAY_LEN(nullable); k++)
			if (number(x, nullable[k].key, nullable[k].how, &at, &v, e))
				return -1;
		if (sum_processes(x, i, &h, e))
			return -1;
		json_t *row = row_new(o, o->input);
		json_object_set(row, "policy", json_object_get(x, "policy"));
		json_object_set_new(row, "cycles", json_real(json_number_value(json_object_get(x, "cycles"))));
		json_object_set_new(row, "cycles_ci95", cycles_ci95(x));
		json_object_set(row, "speedup_vs_never", json_object_get(x, "speedup_vs_never"));
		json_object_set(row, "oracle_gain_share", json_object_get(x, "oracle_gain_share"));
		json_object_set_new(row, "profiling_cycles", json_real(h.profiling));
		json_object_set(row, "profiling_share", json_object_get(x, "profiling_overhead_share"));
		json_object_set(row, "construction_cycles", json_object_get(x, "construction_cycles"));
		json_object_set(row, "decisions", json_object_get(x, "decisions"));
		json_object_set(row, "losing_decisions", json_object_get(x, "losing_decisions"));
		json_object_set_new(row, "enabled_processes", json_integer(h.enabled));
		static const char *const pre[2] = {"before_", "after_"};
		for (int half = 0; half < 2; half++) {
			const double *d = h.v[half];
			json_t *val[6] = {json_integer((json_int_t)d[0]), json_integer((json_int_t)d[1]),
					  d[4] > 0 ? json_real(d[1] / d[4]) : json_null(),
					  json_integer((json_int_t)d[2]), json_real(d[3]), json_real(d[5])};
			static const char *const col[6] = {"instructions", "walk_refs", "refs_per_walk",
							   "walk_cycles", "cycles", "walk_stall"};
			for (int k = 0; k < 6; k++) {
				char key[64];
				snprintf(key, sizeof(key), "%s%s", pre[half], col[k]);
				if (!h.enabled) {
					json_decref(val[k]);
					val[k] = json_null();
				}
				json_object_set_new(row, key, val[k]);
			}
		}
		json_object_set_new(row, "run", json_string(o->run));
		json_array_append_new(rows, row);
	}
	return 0;
}

static int rows_of(int kind, const struct origin *o, const json_t *res, json_t *rows, struct tpt_err *e)
{
	if (!json_is_array(res) || !json_array_size(res))
		return tpt_fail(e, "not a list of results"), 2;
	if (json_array_size(res) > 64)
		return tpt_fail(e, "more than 64 results in one run"), 2;
	size_t before = json_array_size(rows);
	int rc = kind == STUDY_COMPARE ? compare_rows(o, res, rows, e) : policy_rows(o, res, rows, e);
	if (rc) /* no row of a result that is not one */
		while (json_array_size(rows) > before)
			json_array_remove(rows, json_array_size(rows) - 1);
	return rc ? 2 : 0;
}

int study_rows(const struct study *s, const struct study_run *r, const json_t *res, json_t *rows,
	       struct tpt_err *e)
{
	bool scen = study_run_scenario(s, r);
	const struct study_pages *p = &s->pages[r->pages];
	struct origin o = {
		.input = scen ? s->f.scenario.v[r->input - s->nworkload] : s->f.workload.v[r->input],
		.guest = p->guest,
		.host = p->host,
		.config = r->config == STUDY_NO_CONFIG ? "" : s->f.config.v[r->config],
		.run = r->hash,
		.seed = s->seed[r->seed],
	};
	return rows_of(s->kind, &o, res, rows, e);
}

/* A run's result: a regular file of at most RESULT_MAX bytes, JSON. */
static json_t *load_result(const char *path, struct tpt_err *e)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	json_t *doc = NULL;
	char *buf = NULL;
	if (fd < 0) {
		tpt_fail(e, "cannot read it: %s", strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size > RESULT_MAX) {
		tpt_fail(e, "not a regular file of at most %d MiB", RESULT_MAX >> 20);
		goto out;
	}
	if (!(buf = malloc((size_t)st.st_size + 1))) {
		tpt_nomem(e);
		goto out;
	}
	size_t got = 0;
	ssize_t n;
	while (got < (size_t)st.st_size && (n = read(fd, buf + got, (size_t)st.st_size - got)) > 0)
		got += (size_t)n;
	json_error_t je;
	if (!(doc = json_loadb(buf, got, 0, &je)))
		tpt_fail(e, "line %d: %s", je.line, je.text);
out:
	free(buf);
	close(fd);
	return doc;
}

/* ---- the report ---- */

/* The rows as CSV: the layout's columns, a line per row. */
static void csv_rows(FILE *f, const struct study_layout *k, const json_t *rows)
{
	for (size_t c = 0; c < k->ncolumns; c++)
		fprintf(f, "%s%s", c ? "," : "", k->columns[c]);
	fputc('\n', f);
	size_t i;
	const json_t *row;
	json_array_foreach(rows, i, row) {
		for (size_t c = 0; c < k->ncolumns; c++) {
			const json_t *v = json_object_get(row, k->columns[c]);
			if (c)
				fputc(',', f);
			if (json_is_string(v))
				tpt_csv_field(f, json_string_value(v));
			else if (json_is_integer(v))
				fprintf(f, "%lld", (long long)json_integer_value(v));
			else if (json_is_real(v))
				fprintf(f, "%.6g", json_real_value(v));
		}
		fputc('\n', f);
	}
}

static int write_csv(const struct study *s, const struct study_layout *k, const char *dir, const json_t *rows,
		     const struct study_builds *b, struct tpt_err *e)
{
	char path[PATH_MAX];
	struct study_out o;
	study_path(path, sizeof(path), dir, NULL, "results", "csv");
	if (study_out_open(&o, path, e))
		return 1;
	fprintf(o.f, "# tpt study report %s: tpt %s (commit %s); runs made at ", s->f.name, tpt_version(),
		tpt_commit());
	study_builds_print(o.f, b, study_put_text);
	fputc('\n', o.f);
	csv_rows(o.f, k, rows);
	return study_out_close(&o, true, e);
}

int study_run_report(const struct study_single *one, const json_t *res, struct tpt_err *e)
{
	const struct study_layout *k = &study_layouts[one->kind];
	struct origin o = {.input = one->input, .guest = one->guest, .host = one->host, .config = "",
			   .run = "", .seed = one->seed};
	json_t *rows = json_array();
	int rc = rows_of(one->kind, &o, res, rows, e);
	if (!rc && one->csv) {
		struct study_out out;
		rc = study_out_open(&out, one->csv, e);
		if (!rc) {
			fprintf(out.f, "# tpt %s: tpt %s (commit %s)\n",
				one->kind == STUDY_COMPARE ? "compare" : "policy", tpt_version(), tpt_commit());
			csv_rows(out.f, k, rows);
			rc = study_out_close(&out, true, e);
		}
	}
	if (!rc && one->svg)
		rc = study_plot_run(k, rows, one->svg, one->title, e);
	json_decref(rows);
	return rc;
}

static int write_json(const struct study *s, const char *dir, json_t *rows, const struct study_builds *b,
		      struct tpt_err *e)
{
	char path[PATH_MAX];
	json_t *made = json_object();
	for (unsigned j = 0; j < b->n; j++)
		json_object_set_new(made, b->commit[j], json_integer(b->runs[j]));
	if (b->other)
		json_object_set_new(made, "others", json_integer(b->other));
	json_t *doc = json_pack("{s:s, s:s, s:s, s:s, s:I, s:o, s:O}", "study", s->f.name, "command",
				s->kind == STUDY_COMPARE ? "compare" : "policy", "release", tpt_version(),
				"commit", tpt_commit(), "runs", (json_int_t)s->nrun, "run_commits", made,
				"rows", rows);
	struct study_out o;
	study_path(path, sizeof(path), dir, NULL, "results", "json");
	int rc = !doc ? (tpt_nomem(e), 1) : study_out_open(&o, path, e);
	if (!rc) {
		bool ok = !json_dumpf(doc, o.f, JSON_INDENT(2)) && fputc('\n', o.f) != EOF;
		rc = study_out_close(&o, ok, e);
		if (!ok && !rc)
			rc = (tpt_fail(e, "cannot write %s", path), 1);
	}
	json_decref(doc);
	return rc;
}

/* Every file the report writes can be written, before any is. */
static int check_outputs(const char *dir, struct tpt_err *e)
{
	static const char *const files[][3] = {
		{NULL, "results", "csv"}, {NULL, "results", "json"}, {NULL, "tables", "md"},
		{NULL, "index", "html"},  {"plots", "plots", "gp"},
	};
	char p[PATH_MAX];
	if (study_path(p, sizeof(p), dir, "plots", NULL, NULL) || study_mkdirs(p, e))
		return 1;
	for (size_t i = 0; i < ARRAY_LEN(files); i++) {
		study_path(p, sizeof(p), dir, files[i][0], files[i][1], files[i][2]);
		if (outfile_check(p, e))
			return 1;
	}
	return 0;
}

int study_report(const struct study *s, const char *dir, struct tpt_err *e)
{
	const struct study_layout *k = &study_layouts[s->kind];
	int rc;
	if ((rc = study_dir_check(dir, e)))
		return rc;
	unsigned missing = 0;
	for (unsigned i = 0; i < s->nrun; i++)
		missing += !study_done(dir, &s->run[i]);
	if (missing)
		return tpt_fail(e, "study %s: %u of %u runs have no result in %s/runs (tpt study run finishes "
				   "them)", s->f.name, missing, s->nrun, dir), 1;
	if ((rc = check_outputs(dir, e)))
		return rc;
	json_t *rows = json_array();
	struct study_builds b = {0};
	for (unsigned i = 0; i < s->nrun && !rc; i++) {
		char p[PATH_MAX];
		struct tpt_err sub;
		study_path(p, sizeof(p), dir, "runs", s->run[i].hash, "json");
		json_t *res = load_result(p, &sub);
		if (res && !study_rows(s, &s->run[i], res, rows, &sub))
			study_builds_add(&b, res);
		else
			rc = (tpt_fail(e, "study %s: %s: not a %s result: %s", s->f.name, p,
				       s->kind == STUDY_COMPARE ? "compare" : "policy", sub.msg), 2);
		json_decref(res);
	}
	if (!rc && (b.n > 1 || b.other)) {
		/* A run's name holds the release, not the commit: say when builds mixed. */
		fprintf(stderr, "tpt study: note: %s's runs were made by more than one build, ", s->f.name);
		study_builds_print(stderr, &b, study_put_text);
		fprintf(stderr, "; tpt study run --dir on a fresh directory makes them all with this one\n");
	}
	if (!rc)
		rc = write_csv(s, k, dir, rows, &b, e);
	if (!rc)
		rc = study_plot(s, k, dir, rows, e);
	if (!rc)
		rc = study_page(s, k, dir, &b, e);
	if (!rc)
		rc = write_json(s, dir, rows, &b, e);
	json_decref(rows);
	if (!rc)
		printf("study %s: %u runs merged into %s/results.csv and %s/results.json; plots in %s/plots, all "
		       "in %s/index.html\n", s->f.name, s->nrun, dir, dir, dir, dir);
	return rc;
}
