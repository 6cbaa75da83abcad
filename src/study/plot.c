/* SPDX-License-Identifier: MIT */
/*
 * plot.c - a study's plots and tables (study_internal.h): for each page
 * pair, each metric's grouped bars (a group per workload, a bar per scheme
 * or policy), drawn by gnuplot as SVG in DIR/plots, and the same numbers
 * as Markdown tables in DIR/tables.md; a policy study adds each run's
 * timeline and the automatic policy's account.
 *
 * Every text from a row reaches gnuplot's script only through gp_set
 * (quoted), and its data files only through study_label (safe characters).
 */
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <string.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "study_internal.h"

unsigned study_distinct(const json_t *rows, const char *key, const char **out, unsigned max)
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

const json_t *study_find_row(const json_t *rows, const char *series, const char *w, const char *g,
			     const char *h, const char *sc)
{
	static const char *const keys[4] = {"workload", "guest_page", "host_page", NULL};
	const char *want[4] = {w, g, h, sc};
	size_t i;
	const json_t *r;
	json_array_foreach(rows, i, r) {
		int k = 0;
		for (; k < 4; k++) {
			const char *v = json_string_value(json_object_get(r, keys[k] ? keys[k] : series));
			if (!v || strcmp(v, want[k]))
				break;
		}
		if (k == 4)
			return r;
	}
	return NULL;
}

void study_label(const char *const *ws, unsigned n, unsigned i, char *buf, size_t len)
{
	size_t k = strcspn(ws[i], ":");
	unsigned same = 0;
	for (unsigned j = 0; j < n; j++)
		same += !strncmp(ws[j], ws[i], k) && strcspn(ws[j], ":") == k;
	if (same > 1)
		snprintf(buf, len, "%.*s#%u", (int)k, ws[i], i + 1);
	else
		snprintf(buf, len, "%.*s", (int)k, ws[i]);
	for (char *c = buf; *c; c++)
		if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      strchr("-_.#+/", *c)))
			*c = '_';
}

/* A gnuplot string variable: var = 'text', quotes doubled, newlines
 * dropped (so a path or a title may hold any other character). */
static void gp_set(FILE *g, const char *var, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void gp_set(FILE *g, const char *var, const char *fmt, ...)
{
	char buf[2 * PATH_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fprintf(g, "%s = '", var);
	for (const char *c = buf; *c; c++)
		if (*c == '\'')
			fputs("''", g);
		else if ((unsigned char)*c >= 0x20)
			fputc(*c, g);
	fputs("'\n", g);
}

/* Runs gnuplot on a script, its messages into the script's name with .log
 * (only as a regular file: never a FIFO waited on or a device written). */
static int gnuplot(const char *gp, struct tpt_err *e)
{
	char log[PATH_MAX + 8];
	snprintf(log, sizeof(log), "%s.log", gp);
	int lf = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0666);
	struct stat st;
	if (lf >= 0 && (fstat(lf, &st) || !S_ISREG(st.st_mode))) {
		close(lf);
		lf = -1;
	}
	char *argv[] = {"gnuplot", (char *)gp, NULL};
	int rc = study_wait(study_spawn(argv, -1, lf, false));
	if (lf >= 0)
		close(lf);
	if (rc == 127)
		return tpt_fail(e, "study: gnuplot is not installed (Debian: apt install gnuplot-nox; from the "
				   "source tree: make deps)"), 1;
	if (rc)
		return tpt_fail(e, "study: gnuplot failed on %s (its messages: %s)", gp, log), 1;
	return 0;
}

/* The pid of a timeline's first sample (after its provenance comments and
 * header), or -1 when it has none. */
static long timeline_pid(const char *csv)
{
	FILE *f = fopen(csv, "re");
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
	return pid > 0 && pid < 1 << 30 ? pid : -1;
}

/* A timeline plot of run r: its first process's misses, the policy's
 * estimated gain and when it ran on TPT. */
static void plot_timeline(FILE *g, const char *pd, const char *dir, const struct study *s,
			  const struct study_run *r)
{
	char csv[PATH_MAX];
	if (study_path(csv, sizeof(csv), dir, "runs", r->hash, "csv"))
		return;
	long pid = timeline_pid(csv);
	if (pid < 0)
		return;
	struct study_argv a;
	study_argv(s, r, &a);
	gp_set(g, "out", "%s/timeline-%s.svg", pd, r->hash);
	gp_set(g, "ttl", "policy auto: %s, guest %s pages on host %s", a.v[2], s->pages[r->pages].guest,
	       s->pages[r->pages].host);
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

/* Row r's number under key, or NaN where it has none. */
static double value(const json_t *r, const char *key)
{
	const json_t *v = json_object_get(r, key);
	return json_is_number(v) ? json_number_value(v) : NAN;
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
				const json_t *r = study_find_row(rows, "policy", ws[w], gs[a], hs[b], "auto");
				if (!r)
					continue;
				char l[64];
				study_label(ws, nw, w, l, sizeof(l));
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

/* What one bar chart draws: its rows' distinct values. */
struct chart {
	const struct study_layout *k;
	const json_t *rows;
	const char *ws[STUDY_MAX_VALUES * 4], *sc[16], *gs[8], *hs[8];
	unsigned nw, ns, ng, nh;
};

/* The data file and Markdown table of metric m for pages gs[a]/hs[b]; true
 * when there was anything to plot (then the script draws it). */
static int chart_one(const struct chart *c, unsigned m, unsigned a, unsigned b, const char *pd, FILE *g,
		     FILE *mdf, struct tpt_err *e)
{
	const struct study_metric *mt = &c->k->metrics[m];
	char dat[PATH_MAX], name[128];
	snprintf(name, sizeof(name), "%s-%s-%s", mt->file, c->gs[a], c->hs[b]);
	if (study_path(dat, sizeof(dat), pd, NULL, name, "dat"))
		return tpt_fail(e, "study: --dir is too long"), 1;
	bool any = false; /* a table only where a plot is */
	for (unsigned w = 0; w < c->nw; w++)
		for (unsigned j = 0; j < c->ns; j++) {
			const json_t *r = study_find_row(c->rows, c->k->series, c->ws[w], c->gs[a], c->hs[b], c->sc[j]);
			any |= r && json_is_number(json_object_get(r, mt->key));
		}
	struct study_out o;
	if (study_out_open(&o, dat, e))
		return 1;
	FILE *f = o.f, *md = any ? mdf : NULL;
	fprintf(f, "workload");
	if (md)
		fprintf(md, "%s, guest %s pages on host %s:\n\n| workload |", mt->title, c->gs[a], c->hs[b]);
	for (unsigned j = 0; j < c->ns; j++) {
		fprintf(f, " %s", c->sc[j]);
		if (md)
			fprintf(md, " %s |", c->sc[j]);
	}
	fputc('\n', f);
	if (md) {
		fprintf(md, "\n|---|");
		for (unsigned j = 0; j < c->ns; j++)
			fprintf(md, "---|");
		fputc('\n', md);
	}
	for (unsigned w = 0; w < c->nw; w++) {
		char l[64];
		study_label(c->ws, c->nw, w, l, sizeof(l));
		fprintf(f, "%s", l);
		if (md)
			fprintf(md, "| %s |", l);
		for (unsigned j = 0; j < c->ns; j++) {
			const json_t *r = study_find_row(c->rows, c->k->series, c->ws[w], c->gs[a], c->hs[b], c->sc[j]);
			const json_t *v = r ? json_object_get(r, mt->key) : NULL;
			if (json_is_number(v)) {
				double x = json_number_value(v);
				fprintf(f, " %.6g", x);
				if (md)
					fprintf(md, fabs(x) >= 0.1 || x == 0 ? " %.2f |" : fabs(x) >= 0.001 ? " %.3f |" : " %.2g |",
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
	if (study_out_close(&o, true, e))
		return 1;
	if (any) {
		gp_set(g, "out", "%s/%s.svg", pd, name);
		gp_set(g, "ttl", "%s, guest %s pages on host %s", mt->title, c->gs[a], c->hs[b]);
		gp_set(g, "dat", "%s", dat);
		fprintf(g, "set output out\nset title ttl noenhanced\n"
			   "plot for [i=2:%u] dat using i:xtic(1) title columnheader(i)\n", c->ns + 1);
	}
	return 0;
}

int study_plot(const struct study *s, const struct study_layout *k, const char *dir, const json_t *rows,
	       struct tpt_err *e)
{
	struct chart c = {.k = k, .rows = rows};
	c.nw = study_distinct(rows, "workload", c.ws, ARRAY_LEN(c.ws));
	c.ns = study_distinct(rows, k->series, c.sc, ARRAY_LEN(c.sc));
	c.ng = study_distinct(rows, "guest_page", c.gs, ARRAY_LEN(c.gs));
	c.nh = study_distinct(rows, "host_page", c.hs, ARRAY_LEN(c.hs));
	char pd[PATH_MAX], gp[PATH_MAX], mdp[PATH_MAX];
	if (study_path(pd, sizeof(pd), dir, "plots", NULL, NULL) || study_path(gp, sizeof(gp), pd, NULL, "plots", "gp") ||
	    study_path(mdp, sizeof(mdp), dir, NULL, "tables", "md"))
		return tpt_fail(e, "study: --dir is too long"), 1;
	struct study_out go, mo;
	if (study_out_open(&go, gp, e))
		return 1;
	if (study_out_open(&mo, mdp, e)) {
		study_out_close(&go, false, NULL);
		return 1;
	}
	fprintf(go.f, "set terminal svg size 900,420 dynamic font 'sans,12' background '#ffffff'\n"
		      "set style data histograms\nset style histogram clustered gap 1\n"
		      "set style fill solid 0.85 border -1\nset key outside right top\n"
		      "set grid ytics\nset yrange [0:*]\nset xtics rotate by -30\n");
	int rc = 0;
	for (unsigned a = 0; a < c.ng && !rc; a++)
		for (unsigned b = 0; b < c.nh && !rc; b++)
			for (unsigned m = 0; m < k->nmetrics && !rc; m++)
				rc = chart_one(&c, m, a, b, pd, go.f, mo.f, e);
	if (s->kind == STUDY_POLICY && !rc) {
		for (unsigned i = 0; i < s->nrun; i++)
			plot_timeline(go.f, pd, dir, s, &s->run[i]);
		auto_table(mo.f, rows, c.ws, c.nw, c.gs, c.ng, c.hs, c.nh);
	}
	if (study_out_close(&mo, !rc, rc ? NULL : e))
		rc = 1;
	if (study_out_close(&go, !rc, rc ? NULL : e))
		rc = 1;
	return rc ? rc : gnuplot(gp, e);
}
