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
	int rc = child_wait(child_spawn(argv, -1, lf, false));
	if (lf >= 0)
		close(lf);
	if (rc == 127)
		return tpt_fail(e, "study: gnuplot is not installed (Debian: apt install gnuplot-nox; from the "
				   "source tree: make deps)"), 1;
	if (rc)
		return tpt_fail(e, "study: gnuplot failed on %s (its messages: %s)", gp, log), 1;
	return 0;
}

/* What a timeline holds for its plot: its first sample's process, that
 * process's samples, the first at which the policy acted (0: never), and
 * the interval numbers (the `sample` column) of its first and last: a
 * sampled run's windows stand for several intervals each, so they step by
 * more than one. */
struct timeline {
	long pid;
	unsigned long samples, first_action;
	double first_x, last_x;
};

/* The interval number of a timeline's k-th sample (1-based), the samples
 * taken as evenly spaced. */
static double timeline_x(const struct timeline *t, unsigned long k)
{
	double step = t->samples > 1 ? (t->last_x - t->first_x) / (double)(t->samples - 1) : 1;
	return t->first_x + (double)(k ? k - 1 : 0) * step;
}

static bool timeline_scan(const char *csv, struct timeline *t)
{
	FILE *f = fopen(csv, "re");
	if (!f)
		return false;
	char line[1024];
	bool header = true;
	*t = (struct timeline){.pid = -1};
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '#') /* the provenance */
			continue;
		if (header) {
			header = false;
			continue;
		}
		long pid = strtol(line, NULL, 10);
		if (t->pid < 0)
			t->pid = pid > 0 && pid < 1 << 30 ? pid : -2;
		if (pid != t->pid)
			continue;
		t->samples++;
		const char *x = strchr(line, ','); /* the 3rd column: the interval number */
		x = x ? strchr(x + 1, ',') : NULL;
		double xv = x ? strtod(x + 1, NULL) : (double)t->samples;
		if (t->samples == 1)
			t->first_x = xv;
		t->last_x = xv;
		const char *c = line; /* the 16th column: the action */
		for (int i = 0; i < 15 && c; i++)
			if ((c = strchr(c, ',')))
				c++;
		if (c && strncmp(c, "keep", 4) && !t->first_action)
			t->first_action = t->samples;
	}
	fclose(f);
	return t->pid > 0;
}

/* A timeline plot of run r: its first process's misses, the policy's
 * estimated gain and when it ran on TPT; the whole run at the left, its
 * last intervals (from a little before the policy first acted) at the
 * right, where most runs' warm-up would squeeze them. */
static void plot_timeline(FILE *g, const char *pd, const char *dir, const struct study *s,
			  const struct study_run *r)
{
	char csv[PATH_MAX];
	struct timeline t;
	if (study_path(csv, sizeof(csv), dir, "runs", r->hash, "csv") || !timeline_scan(csv, &t))
		return;
	/* The right panel: from a little before the first action (or the last
	 * quarter) and at least 20 intervals; none for a short run. */
	bool zoom = t.samples >= 40;
	unsigned long from = t.samples * 3 / 4;
	if (t.first_action) {
		unsigned long margin = (t.samples - t.first_action) / 4 + 5;
		from = t.first_action > margin ? t.first_action - margin : 0;
	}
	if (t.samples - from < 20)
		from = t.samples - 20;
	/* Half an interval's step: the x range's margin round the samples. */
	double half = (timeline_x(&t, 2) - timeline_x(&t, 1)) / 2;
	struct study_argv a;
	study_argv(s, r, &a);
	gp_set(g, "out", "%s/timeline-%s.svg", pd, r->hash);
	gp_set(g, "ttl", "policy auto: %s, guest %s pages on host %s", a.v[2], s->pages[r->pages].guest,
	       s->pages[r->pages].host);
	gp_set(g, "csv", "%s", csv);
	fprintf(g, "set terminal svg size 1000,420 dynamic font 'sans,12' background '#ffffff'\n"
		   "set output out\nset datafile separator ','\nunset offsets\n"
		   "stats csv every ::1 using 6 nooutput\nymax = STATS_max > 0 ? STATS_max * 1.15 : 1\n"
		   "set style data lines\nset xtics norotate\nset yrange [0:ymax]\nset y2range [*:*]\n"
		   "set boxwidth 1 absolute\nset multiplot title ttl noenhanced\n"
		   "set xlabel 'profiling interval'\nset ylabel 'STLB misses per kilo-instruction'\n"
		   "set y2label 'estimated gain, %% of cycles'\nset ytics nomirror\nset y2tics\n");
	const char *plot = "plot csv every ::1 using 3:(($1 == %ld && strcol(15) eq 'tpt') ? ymax : 1/0) "
			   "with boxes fs solid 0.35 noborder lc rgb '#2ca02c' title 'on TPT', "
			   "'' every ::1 using 3:($1 == %ld ? $6 : 1/0) lw 2 lc rgb '#1f77b4' "
			   "title 'STLB MPKI (left)', "
			   "'' every ::1 using 3:($1 == %ld ? 100 * $13 : 1/0) axes x1y2 lw 1.5 "
			   "lc rgb '#d62728' title 'estimated gain, %% (right)'\n";
	fprintf(g, "set key outside top center horizontal samplen 1.5\n");
	if (zoom) {
		/* The whole run, narrow; a box where the right panel looks. */
		fprintf(g, "set size 0.32,0.92\nset origin 0,0\nset title 'whole run'\nunset key\n"
			   "unset y2label\nset format y2 ''\nset xrange [%g:%g]\n"
			   "set object 1 rect from %g, graph 0 to %g, graph 1 fs empty "
			   "border lc rgb '#555555' dt 2 front\n",
			timeline_x(&t, 1) - half, timeline_x(&t, t.samples) + half, timeline_x(&t, from) + half,
			timeline_x(&t, t.samples) + half);
		fprintf(g, plot, t.pid, t.pid, t.pid);
		fprintf(g, "unset object 1\nset format y2 '%%g'\nset size 0.68,0.92\nset origin 0.32,0\n"
			   "set title 'its last %lu intervals (dashed box)'\n"
			   "set key outside top center horizontal samplen 1.5\nunset ylabel\n"
			   "set y2label 'estimated gain, %% of cycles'\n",
			t.samples - from);
	} else {
		fprintf(g, "set size 1,0.92\nset origin 0,0\nunset title\n");
	}
	fprintf(g, "set xrange [%g:%g]\n", (zoom ? timeline_x(&t, from) : timeline_x(&t, 1) - 2 * half) + half,
		timeline_x(&t, t.samples) + half);
	fprintf(g, plot, t.pid, t.pid, t.pid);
	fprintf(g, "unset multiplot\nunset xlabel\nunset ylabel\nunset y2label\nunset y2tics\n"
		   "set ytics mirror\nunset xrange\nset size 1,1\nset origin 0,0\nunset title\n"
		   "set datafile separator whitespace\nset style data histograms\n"
		   "set xtics rotate by -30\nset yrange [0:*]\nset offsets 0, 0, graph 0.18, 0\n");
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

/* A table written twice from one loop: Markdown (tables.md) and HTML (the
 * page's, plots/tables.html). Numbers only from rows, text escaped. */
struct tab {
	FILE *md, *html;
	unsigned ncol;
};

static void tab_begin(struct tab *t, const char *heading, const char *const *cols, unsigned n)
{
	t->ncol = n;
	fprintf(t->md, "%s:\n\n|", heading);
	fprintf(t->html, "<table>\n<caption>");
	study_put_html(t->html, heading);
	fprintf(t->html, "</caption>\n<tr>");
	for (unsigned i = 0; i < n; i++) {
		fprintf(t->md, " %s |", cols[i]);
		fprintf(t->html, "<th>");
		study_put_html(t->html, cols[i]);
		fprintf(t->html, "</th>");
	}
	fprintf(t->md, "\n|");
	for (unsigned i = 0; i < n; i++)
		fprintf(t->md, "---|");
	fprintf(t->md, "\n");
	fprintf(t->html, "</tr>\n");
}

static void tab_row(struct tab *t, const char *label)
{
	fprintf(t->md, "| %s |", label);
	fprintf(t->html, "<tr><td>");
	study_put_html(t->html, label);
	fprintf(t->html, "</td>");
}

static void tab_text(struct tab *t, const char *text)
{
	fprintf(t->md, " %s |", text);
	fprintf(t->html, "<td>");
	study_put_html(t->html, text);
	fprintf(t->html, "</td>");
}

/* A number, as fmt gives it (a printf format of one double), or "-". */
static void tab_num(struct tab *t, double x, const char *fmt)
{
	char buf[64];
	if (isnan(x))
		snprintf(buf, sizeof(buf), "-");
	else
		snprintf(buf, sizeof(buf), fmt, x);
	tab_text(t, buf);
}

/* A number with the digits its size needs: two decimals from 1 up, three
 * significant digits below (a share of 3e-05 %% stays readable). */
static void tab_auto(struct tab *t, double x)
{
	tab_num(t, x, x == 0 ? "0" : fabs(x) >= 1 ? "%.2f" : "%.3g");
}

static void tab_row_end(struct tab *t)
{
	fprintf(t->md, "\n");
	fprintf(t->html, "</tr>\n");
}

static void tab_end(struct tab *t)
{
	fprintf(t->md, "\n");
	fprintf(t->html, "</table>\n");
}

/* A policy study's tables end with the automatic policy's account per
 * workload and page pair: what it cost (profiling, construction) and, for
 * the processes it enabled TPT for, their walks and cycles per instruction
 * before and after it did. */
/* A row of the automatic policy's account: run r of workload w. */
static void auto_row(struct tab *t, const json_t *r, const char **ws, unsigned nw, unsigned w,
		     const char *g, const char *h, const char *run)
{
	char l[64], pages[40];
	study_label(ws, nw, w, l, sizeof(l));
	snprintf(pages, sizeof(pages), "%s/%s", g, h);
	tab_row(t, l);
	tab_text(t, pages);
	tab_text(t, run);
	tab_num(t, value(r, "speedup_vs_never"), "%.3f");
	tab_num(t, 100 * value(r, "profiling_share"), "%.2g");
	tab_num(t, 100 * ratio(r, "construction_cycles", "cycles"), "%.2g");
	tab_num(t, value(r, "before_instructions"), "%.3g");
	tab_num(t, value(r, "before_refs_per_walk"), "%.2f");
	tab_num(t, value(r, "after_refs_per_walk"), "%.2f");
	tab_num(t, 100 * ratio(r, "before_walk_stall", "before_cycles"), "%.1f");
	tab_num(t, 100 * ratio(r, "after_walk_stall", "after_cycles"), "%.1f");
	tab_num(t, ratio(r, "before_cycles", "before_instructions"), "%.2f");
	tab_num(t, ratio(r, "after_cycles", "after_instructions"), "%.2f");
	tab_row_end(t);
}

static void auto_table(struct tab *t, const json_t *rows, const char **ws, unsigned nw,
		       const char *const *pg, const char *const *ph, unsigned np, const char *const *sc,
		       unsigned ns)
{
	static const char *const cols[] = {
		"workload", "pages", "run", "speed-up over never (x)", "profiling (% of cycles)",
		"construction (% of cycles)", "instructions before", "refs/walk before", "refs/walk after",
		"walk stall before (% of cycles)", "walk stall after (% of cycles)",
		"cycles/instruction before", "cycles/instruction after"};
	tab_begin(t, "The automatic policy: its costs, and walks before and after it enabled TPT", cols,
		  ARRAY_LEN(cols));
	/* The auto series: "auto", or with several configs or seeds one each
	 * ("auto c1", series_rows), its run named after what follows. */
	for (unsigned w = 0; w < nw; w++)
		for (unsigned p = 0; p < np; p++)
			for (unsigned j = 0; j < ns; j++) {
				if (strncmp(sc[j], "auto", 4) || (sc[j][4] && sc[j][4] != ' '))
					continue;
				const json_t *r = study_find_row(rows, "policy", ws[w], pg[p], ph[p], sc[j]);
				if (r)
					auto_row(t, r, ws, nw, w, pg[p], ph[p], sc[j][4] ? sc[j] + 5 : "-");
			}
	tab_end(t);
}

/* What the bar charts draw: the rows' workloads, series (schemes or
 * policies) and page pairs, in the order met. */
struct chart {
	const struct study_layout *k;
	const json_t *rows;
	const char *ws[STUDY_MAX_VALUES * 4], *sc[64], *pg[16], *ph[16];
	unsigned nw, ns, np;
};

static void chart_pairs(struct chart *c)
{
	size_t i;
	const json_t *r;
	json_array_foreach(c->rows, i, r) {
		const char *g = json_string_value(json_object_get(r, "guest_page"));
		const char *h = json_string_value(json_object_get(r, "host_page"));
		unsigned p = 0;
		while (g && h && p < c->np && (strcmp(c->pg[p], g) || strcmp(c->ph[p], h)))
			p++;
		if (g && h && p == c->np && c->np < ARRAY_LEN(c->pg)) {
			c->pg[c->np] = g;
			c->ph[c->np++] = h;
		}
	}
}

/* Metric m of workload w and series j at page pair p, scaled; NaN where no
 * row has it. */
static double chart_value(const struct chart *c, const struct study_metric *mt, unsigned w, unsigned j,
			  unsigned p)
{
	const json_t *r = study_find_row(c->rows, c->k->series, c->ws[w], c->pg[p], c->ph[p], c->sc[j]);
	return r ? value(r, mt->key) * mt->scale : NAN;
}

/* The geometric mean of series j over the workloads; NaN unless every
 * workload has a positive value. */
static double chart_geomean(const struct chart *c, const struct study_metric *mt, unsigned j, unsigned p)
{
	double sum = 0;
	for (unsigned w = 0; w < c->nw; w++) {
		double x = chart_value(c, mt, w, j, p);
		if (!(x > 0))
			return NAN;
		sum += log(x);
	}
	return c->nw ? exp(sum / c->nw) : NAN;
}

/* Whether series j is drawn for metric mt: not its baseline (the line at 1). */
static bool chart_drawn(const struct chart *c, const struct study_metric *mt, unsigned j)
{
	return !mt->baseline || strcmp(c->sc[j], mt->baseline);
}

/* The data file and tables of metric mt at page pair p; *any: there was a
 * number to plot. */
static int chart_pair(const struct chart *c, const struct study_metric *mt, unsigned p, const char *pd,
		      struct tab *t, bool *any, struct tpt_err *e)
{
	char dat[PATH_MAX], name[128];
	snprintf(name, sizeof(name), "%s-%s-%s", mt->file, c->pg[p], c->ph[p]);
	if (study_path(dat, sizeof(dat), pd, NULL, name, "dat"))
		return tpt_fail(e, "study: --dir is too long"), 1;
	*any = false;
	for (unsigned w = 0; w < c->nw; w++)
		for (unsigned j = 0; j < c->ns; j++)
			*any |= chart_drawn(c, mt, j) && !isnan(chart_value(c, mt, w, j, p));
	struct study_out o;
	if (study_out_open(&o, dat, e))
		return 1;
	const char *cols[ARRAY_LEN(c->sc) + 1] = {"workload"};
	unsigned ncol = 1;
	fprintf(o.f, "workload");
	for (unsigned j = 0; j < c->ns; j++)
		if (chart_drawn(c, mt, j)) {
			fprintf(o.f, " %s", c->sc[j]);
			cols[ncol++] = c->sc[j];
		}
	fputc('\n', o.f);
	char heading[256];
	snprintf(heading, sizeof(heading), "%s, guest %s pages on host %s", mt->unit, c->pg[p], c->ph[p]);
	if (*any)
		tab_begin(t, heading, cols, ncol);
	for (unsigned w = 0; w <= c->nw; w++) {
		bool mean = w == c->nw;
		if (mean && !mt->geomean)
			break;
		char l[64];
		if (mean)
			snprintf(l, sizeof(l), "gmean");
		else
			study_label(c->ws, c->nw, w, l, sizeof(l));
		fprintf(o.f, "%s", l);
		if (*any)
			tab_row(t, l);
		for (unsigned j = 0; j < c->ns; j++) {
			if (!chart_drawn(c, mt, j))
				continue;
			double x = mean ? chart_geomean(c, mt, j, p) : chart_value(c, mt, w, j, p);
			fprintf(o.f, isnan(x) ? " NaN" : " %.6g", x);
			if (*any)
				tab_auto(t, x);
		}
		fputc('\n', o.f);
		if (*any)
			tab_row_end(t);
	}
	if (*any)
		tab_end(t);
	return study_out_close(&o, true, e);
}

/* One figure of metric m: a panel per page pair with a bar per series in a
 * group per workload (and the geometric means), the baseline as the line
 * at 1. Drawn only where some pair has a number. */
static int chart_metric(const struct chart *c, unsigned m, const char *pd, FILE *g, struct tab *t,
			struct tpt_err *e)
{
	const struct study_metric *mt = &c->k->metrics[m];
	bool drawn[ARRAY_LEN(c->pg)], any = false;
	for (unsigned p = 0; p < c->np; p++) {
		if (chart_pair(c, mt, p, pd, t, &drawn[p], e))
			return 1;
		any |= drawn[p];
	}
	if (!any)
		return 0;
	unsigned cols = c->np <= 3 ? c->np : 2, rows = (c->np + cols - 1) / cols, nser = 0;
	for (unsigned j = 0; j < c->ns; j++)
		nser += chart_drawn(c, mt, j);
	fprintf(g, "set terminal svg size %u,%u dynamic font 'sans,12' background '#ffffff'\n",
		60 + 380 * cols, 40 + 320 * rows);
	gp_set(g, "out", "%s/%s.svg", pd, mt->file);
	gp_set(g, "ylab", "%s", mt->unit);
	fprintf(g, "set output out\nset multiplot layout %u,%u\nset ylabel ylab noenhanced\n", rows, cols);
	if (mt->baseline) {
		gp_set(g, "base", "%s = 1", mt->baseline);
		fprintf(g, "set arrow 1 from graph 0, first 1 to graph 1, first 1 nohead dt 2 lw 2 "
			   "lc rgb '#333333' front\n"
			   "set label 1 base at graph 0.99, first 1 right offset 0,0.6 font ',10' boxed front "
			   "noenhanced\n");
	}
	for (unsigned p = 0; p < c->np; p++) {
		char name[128];
		snprintf(name, sizeof(name), "%s-%s-%s", mt->file, c->pg[p], c->ph[p]);
		gp_set(g, "ttl", "guest %s pages, host %s", c->pg[p], c->ph[p]);
		gp_set(g, "dat", "%s/%s.dat", pd, name);
		fprintf(g, "set title ttl noenhanced\n%s\n", p == 0 ? "set key inside top left horizontal "
								      "noenhanced samplen 1.5" : "unset key");
		if (drawn[p])
			fprintf(g, "plot for [i=2:%u] dat using i:xtic(1) title columnheader(i)\n", nser + 1);
		else
			fprintf(g, "set multiplot next\n");
	}
	fprintf(g, "unset multiplot\nunset arrow 1\nunset label 1\n");
	return 0;
}

/* The rows as the charts and tables draw them: where the study has more
 * than one config or seed, each (scheme or policy, config, seed) is a
 * series of its own, named "dvmt flat" or "nested s2" (config: its file's
 * name less .ini; none: defaults), so that no two runs of a workload and
 * page pair share a bar. A new reference. */
static json_t *series_rows(const json_t *rows, const char *series)
{
	const char *cf[STUDY_MAX_VALUES];
	unsigned ncf = study_distinct(rows, "config", cf, ARRAY_LEN(cf)), nseed = 0;
	json_int_t seed0 = 0;
	size_t i;
	const json_t *r;
	json_array_foreach(rows, i, r) {
		json_int_t sd = json_integer_value(json_object_get(r, "seed"));
		if (!i)
			seed0 = sd;
		nseed = nseed > 1 || sd != seed0 ? 2 : 1;
	}
	if (ncf <= 1 && nseed <= 1)
		return json_incref((json_t *)rows);
	json_t *out = json_array();
	json_array_foreach(rows, i, r) {
		json_t *x = json_deep_copy(r);
		const char *name = json_string_value(json_object_get(r, series));
		const char *cfg = json_string_value(json_object_get(r, "config"));
		char buf[160], base[64] = "defaults";
		if (cfg && cfg[0]) {
			const char *b = strrchr(cfg, '/');
			b = b ? b + 1 : cfg;
			size_t n = strlen(b);
			if (n > 4 && !strcmp(b + n - 4, ".ini"))
				n -= 4;
			snprintf(base, sizeof(base), "%.*s", (int)(n < 63 ? n : 63), b);
		}
		int at = snprintf(buf, sizeof(buf), "%s", name ? name : "?");
		if (ncf > 1)
			at += snprintf(buf + at, sizeof(buf) - (size_t)at, " %s", base);
		if (nseed > 1)
			snprintf(buf + at, sizeof(buf) - (size_t)at, " s%lld",
				 (long long)json_integer_value(json_object_get(r, "seed")));
		json_object_set_new(x, series, json_string(buf));
		json_array_append_new(out, x);
	}
	return out;
}

int study_plot(const struct study *s, const struct study_layout *k, const char *dir, const json_t *all,
	       struct tpt_err *e)
{
	json_t *own = series_rows(all, k->series);
	struct chart c = {.k = k, .rows = own};
	c.nw = study_distinct(own, "workload", c.ws, ARRAY_LEN(c.ws));
	c.ns = study_distinct(own, k->series, c.sc, ARRAY_LEN(c.sc));
	chart_pairs(&c);
	char pd[PATH_MAX], gp[PATH_MAX], mdp[PATH_MAX], hp[PATH_MAX];
	struct study_out go, mo, ho;
	int rc = 1;
	if (study_path(pd, sizeof(pd), dir, "plots", NULL, NULL) || study_path(gp, sizeof(gp), pd, NULL, "plots", "gp") ||
	    study_path(mdp, sizeof(mdp), dir, NULL, "tables", "md") ||
	    study_path(hp, sizeof(hp), pd, NULL, "tables", "html")) {
		tpt_fail(e, "study: --dir is too long");
		goto out;
	}
	if (study_out_open(&go, gp, e))
		goto out;
	if (study_out_open(&mo, mdp, e)) {
		study_out_close(&go, false, NULL);
		goto out;
	}
	if (study_out_open(&ho, hp, e)) {
		study_out_close(&go, false, NULL);
		study_out_close(&mo, false, NULL);
		goto out;
	}
	fprintf(go.f, "set style textbox opaque noborder\n"
		      "set style data histograms\nset style histogram clustered gap 1\n"
		      "set style fill solid 0.85 border -1\nset offsets 0, 0, graph 0.18, 0\n"
		      "set grid ytics\nset yrange [0:*]\nset xtics rotate by -30\n");
	struct tab t = {.md = mo.f, .html = ho.f};
	rc = 0;
	for (unsigned m = 0; m < k->nmetrics && !rc; m++)
		rc = chart_metric(&c, m, pd, go.f, &t, e);
	if (s && s->kind == STUDY_POLICY && !rc) {
		for (unsigned i = 0; i < s->nrun; i++)
			plot_timeline(go.f, pd, dir, s, &s->run[i]);
		auto_table(&t, own, c.ws, c.nw, c.pg, c.ph, c.np, c.sc, c.ns);
	}
	if (study_out_close(&ho, !rc, rc ? NULL : e))
		rc = 1;
	if (study_out_close(&mo, !rc, rc ? NULL : e))
		rc = 1;
	if (study_out_close(&go, !rc, rc ? NULL : e))
		rc = 1;
	if (!rc)
		rc = gnuplot(gp, e);
out:
	json_decref(own);
	return rc;
}

/* The first line of a file into buf (empty when unreadable). */
static void first_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	buf[0] = 0;
	if (f && fgets(buf, (int)len, f))
		buf[strcspn(buf, "\n")] = 0;
	if (f)
		fclose(f);
}

/* The data and script of study_plot_run in the temporary directory tmp;
 * out: where gnuplot writes the figure. */
static int run_script(const struct study_layout *k, const json_t *rows, const char *tmp, const char *out,
		      const char *title, char *gp, size_t gplen, struct tpt_err *e)
{
	const char *sc[16];
	unsigned ns = study_distinct(rows, k->series, sc, ARRAY_LEN(sc)), nm = 0;
	unsigned shown[8];
	for (unsigned m = 0; m < k->nmetrics && nm < ARRAY_LEN(shown); m++) {
		const struct study_metric *mt = &k->metrics[m];
		char dat[PATH_MAX + 64];
		snprintf(dat, sizeof(dat), "%s/%s.dat", tmp, mt->file);
		FILE *f = fopen(dat, "we");
		if (!f)
			return tpt_fail(e, "cannot write %s", dat), 1;
		unsigned any = 0;
		for (unsigned j = 0; j < ns; j++) {
			if (mt->baseline && !strcmp(sc[j], mt->baseline))
				continue;
			size_t i;
			const json_t *r;
			json_array_foreach(rows, i, r)
				if (!strcmp(json_string_value(json_object_get(r, k->series)), sc[j])) {
					double x = value(r, mt->key) * mt->scale;
					fprintf(f, "%s %.6g %u\n", sc[j], x, j + 1); /* a series' colour: its index */
					any += !isnan(x);
					break;
				}
		}
		if (fclose(f))
			return tpt_fail(e, "cannot write %s", dat), 1;
		if (any)
			shown[nm++] = m;
	}
	if (!nm)
		return tpt_fail(e, "nothing to plot: the run has none of the figure's metrics"), 1;
	if (snprintf(gp, gplen, "%s/plot.gp", tmp) >= (int)gplen)
		return tpt_fail(e, "TMPDIR is too long"), 1;
	FILE *g = fopen(gp, "we");
	if (!g)
		return tpt_fail(e, "cannot write %s", gp), 1;
	unsigned cols = nm <= 3 ? nm : 2, nrows = (nm + cols - 1) / cols;
	fprintf(g, "set terminal svg size %u,%u dynamic font 'sans,12' background '#ffffff'\n",
		40 + 330 * cols, 60 + 320 * nrows);
	gp_set(g, "out", "%s", out);
	gp_set(g, "ttl", "%s", title);
	fprintf(g, "set output out\nset style textbox opaque noborder\n"
		   "set multiplot layout %u,%u title ttl noenhanced\n"
		   "set style fill solid 0.85 border -1\nset grid ytics\nset yrange [0:*]\n"
		   "set offsets 0.6, 0.6, graph 0.15, 0\nset xtics rotate by -30 noenhanced\nunset key\n",
		nrows, cols);
	for (unsigned i = 0; i < nm; i++) {
		const struct study_metric *mt = &k->metrics[shown[i]];
		gp_set(g, "ttl", "%s", mt->title);
		gp_set(g, "ylab", "%s", mt->unit);
		gp_set(g, "dat", "%s/%s.dat", tmp, mt->file);
		fprintf(g, "set title ttl noenhanced\nset ylabel ylab noenhanced\n");
		if (mt->baseline) {
			gp_set(g, "base", "%s = 1", mt->baseline);
			fprintf(g, "set arrow 1 from graph 0, first 1 to graph 1, first 1 nohead dt 2 lw 2 "
				   "lc rgb '#333333' front\nset label 1 base at graph 0.99, first 1 right "
				   "offset 0,0.6 font ',10' boxed front noenhanced\n");
		}
		fprintf(g, "plot dat using 0:2:(0.7):3:xtic(1) with boxes lc variable\n"
			   "unset arrow 1\nunset label 1\n");
	}
	fprintf(g, "unset multiplot\n");
	return fclose(g) ? (tpt_fail(e, "cannot write %s", gp), 1) : 0;
}

int study_plot_run(const struct study_layout *k, const json_t *rows, const char *svg, const char *title,
		   struct tpt_err *e)
{
	const char *tmpdir = getenv("TMPDIR");
	char tmp[PATH_MAX], gp[PATH_MAX + 16], log[PATH_MAX + 32];
	if (snprintf(tmp, sizeof(tmp), "%s/tpt-plot-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp") >=
	    (int)sizeof(tmp))
		return tpt_fail(e, "TMPDIR is too long"), 1;
	if (outfile_tmpdir(tmp, e))
		return 1;
	struct study_out o;
	int rc = study_out_open(&o, svg, e);
	if (rc) {
		outfile_tmpdir_remove();
		return rc;
	}
	rc = run_script(k, rows, tmp, o.of.tmp ? o.of.tmp : o.of.path, title, gp, sizeof(gp), e);
	if (!rc && (rc = gnuplot(gp, e))) {
		char first[256];
		snprintf(log, sizeof(log), "%s.log", gp);
		first_line(log, first, sizeof(first));
		tpt_fail(e, "gnuplot failed drawing %s%s%s", svg, first[0] ? ": " : "", first);
	}
	outfile_tmpdir_remove();
	if (study_out_close(&o, !rc, rc ? NULL : e))
		rc = 1;
	return rc;
}
