/* SPDX-License-Identifier: MIT */
/*
 * page.c - a study's index.html (study_internal.h): its plots inline and
 * its rows in one self-contained page. Every text that came from a file
 * (a result's names and commit, a workload, a path) is escaped.
 */
#include <ctype.h>
#include <string.h>
#include <unistd.h>

#include "study_internal.h"
#include "tpt/base/version.h"

void study_put_html(FILE *f, const char *v)
{
	for (; *v; v++)
		switch (*v) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default: fputc(*v, f);
		}
}

/* An SVG file gnuplot wrote, inline (without its XML declaration); false
 * if unreadable. */
static bool put_svg(FILE *f, const char *path)
{
	FILE *in = fopen(path, "re");
	if (!in)
		return false;
	char line[4096];
	bool first = true;
	while (fgets(line, sizeof(line), in)) {
		if (!first || strncmp(line, "<?xml", 5))
			fputs(line, f);
		first = false;
	}
	fclose(in);
	return true;
}

/* A figure and its caption: what is plotted, how, and from which runs. */
static void figure(FILE *f, const char *svg, unsigned n, const char *caption)
{
	if (access(svg, R_OK))
		return;
	fprintf(f, "<figure class=\"plot\">\n");
	put_svg(f, svg);
	fprintf(f, "<figcaption><b>Figure %u.</b> ", n);
	study_put_html(f, caption);
	fprintf(f, "</figcaption></figure>\n");
}

/* A file as it is (the tables plot.c wrote, already escaped). */
static void put_file(FILE *f, const char *path)
{
	FILE *in = fopen(path, "re");
	char buf[4096];
	size_t n;
	while (in && (n = fread(buf, 1, sizeof(buf), in)) > 0)
		fwrite(buf, 1, n, f);
	if (in)
		fclose(in);
}

int study_page(const struct study *s, const struct study_layout *k, const char *dir,
	       const struct study_builds *made, struct tpt_err *e)
{
	char path[PATH_MAX];
	struct study_out o;
	study_path(path, sizeof(path), dir, NULL, "index", "html");
	if (study_out_open(&o, path, e))
		return 1;
	FILE *f = o.f;
	fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>tpt study ");
	study_put_html(f, s->f.name);
	fprintf(f, "</title>\n<style>body{font-family:sans-serif;margin:2em;max-width:80em}"
		   "table{border-collapse:collapse;margin:1em 0}caption{text-align:left;font-weight:bold;"
		   "padding:4px 0}td,th{border:1px solid #bbb;padding:2px 6px;text-align:right}"
		   "td:first-child,th:first-child{text-align:left}figure{margin:1.5em 0}"
		   "figcaption{max-width:60em}caption{white-space:nowrap}</style></head><body>\n<h1>tpt study ");
	study_put_html(f, s->f.name);
	fprintf(f, "</h1>\n<p>%u runs, made at ", s->nrun);
	study_builds_print(f, made, study_put_html);
	fprintf(f, "; merged by tpt %s (commit %s). Data: <a href=\"results.csv\">results.csv</a>, "
		   "<a href=\"results.json\">results.json</a>.</p>\n<h2>Figures</h2>\n", tpt_version(),
		   tpt_commit());
	unsigned fig = 0;
	const char *series = k->series;
	for (unsigned m = 0; m < k->nmetrics; m++) {
		const struct study_metric *mt = &k->metrics[m];
		char svg[PATH_MAX], caption[1024];
		int len = snprintf(caption, sizeof(caption), "%s: %s, per workload (a group each) and %s "
					  "(a bar each); one panel per page configuration (guest and "
					  "host page sizes).", mt->unit, mt->what, series);
		if (mt->baseline && len > 0 && (size_t)len < sizeof(caption))
			len += snprintf(caption + len, sizeof(caption) - (size_t)len,
					" The dashed line at 1 is %s itself.", mt->baseline);
		if (mt->geomean && len > 0 && (size_t)len < sizeof(caption))
			len += snprintf(caption + len, sizeof(caption) - (size_t)len,
					" gmean: the geometric mean over the workloads.");
		if (len > 0 && (size_t)len < sizeof(caption))
			snprintf(caption + len, sizeof(caption) - (size_t)len,
				 " From the %u runs of this study.", s->nrun);
		caption[0] = (char)toupper((unsigned char)caption[0]);
		if (!study_path(svg, sizeof(svg), dir, "plots", mt->file, "svg") && !access(svg, R_OK))
			figure(f, svg, ++fig, caption);
	}
	for (unsigned i = 0; i < s->nrun; i++) {
		const struct study_run *r = &s->run[i];
		char svg[PATH_MAX], name[40], caption[PATH_MAX + 256];
		struct study_argv a;
		study_argv(s, r, &a);
		snprintf(name, sizeof(name), "timeline-%s", r->hash);
		snprintf(caption, sizeof(caption),
			 "The automatic policy's run of %s, guest %s pages on host %s: its first process's "
			 "STLB misses per kilo-instruction (left axis) and the policy's estimated gain "
			 "(right axis, %% of cycles) at each profiling interval, shaded where it ran on TPT; "
			 "left, the whole run; right, its last intervals.",
			 a.v[2], s->pages[r->pages].guest, s->pages[r->pages].host);
		if (!study_path(svg, sizeof(svg), dir, "plots", name, "svg") && !access(svg, R_OK))
			figure(f, svg, ++fig, caption);
	}
	fprintf(f, "<h2>Tables</h2>\n");
	char tables[PATH_MAX];
	if (!study_path(tables, sizeof(tables), dir, "plots", "tables", "html"))
		put_file(f, tables);
	fprintf(f, "</body></html>\n");
	return study_out_close(&o, true, e);
}
