/* SPDX-License-Identifier: MIT */
/*
 * page.c - a study's index.html (study_internal.h): its plots inline and
 * its rows in one self-contained page. Every text that came from a file
 * (a result's names and commit, a workload, a path) is escaped.
 */
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

static void figure(FILE *f, const char *svg, const char *caption, const char *g, const char *h)
{
	if (access(svg, R_OK))
		return;
	fprintf(f, "<figure class=\"plot\">\n");
	put_svg(f, svg);
	fprintf(f, "<figcaption>");
	study_put_html(f, caption);
	fprintf(f, ", guest ");
	study_put_html(f, g);
	fprintf(f, " pages on host ");
	study_put_html(f, h);
	fprintf(f, "</figcaption></figure>\n");
}

int study_page(const struct study *s, const struct study_layout *k, const char *dir, const json_t *rows,
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
	fprintf(f, "</title>\n<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
		   "td,th{border:1px solid #bbb;padding:2px 6px;text-align:right}td:first-child,th{text-align:left}"
		   "figure{margin:1em 0}</style></head><body>\n<h1>tpt study ");
	study_put_html(f, s->f.name);
	fprintf(f, "</h1>\n<p>%u runs, made at ", s->nrun);
	study_builds_print(f, made, study_put_html);
	fprintf(f, "; merged by tpt %s (commit %s). Data: <a href=\"results.csv\">results.csv</a>, "
		   "<a href=\"results.json\">results.json</a>.</p>\n<h2>Plots</h2>\n", tpt_version(), tpt_commit());
	const char *gs[8], *hs[8];
	unsigned ng = study_distinct(rows, "guest_page", gs, 8), nh = study_distinct(rows, "host_page", hs, 8);
	for (unsigned a = 0; a < ng; a++)
		for (unsigned b = 0; b < nh; b++)
			for (unsigned m = 0; m < k->nmetrics; m++) {
				char svg[PATH_MAX], name[128];
				snprintf(name, sizeof(name), "%s-%s-%s", k->metrics[m].file, gs[a], hs[b]);
				if (!study_path(svg, sizeof(svg), dir, "plots", name, "svg"))
					figure(f, svg, k->metrics[m].title, gs[a], hs[b]);
			}
	for (unsigned i = 0; i < s->nrun; i++) {
		const struct study_run *r = &s->run[i];
		char svg[PATH_MAX], name[40], caption[PATH_MAX + 32];
		struct study_argv a;
		study_argv(s, r, &a);
		snprintf(name, sizeof(name), "timeline-%s", r->hash);
		snprintf(caption, sizeof(caption), "policy timeline: %s", a.v[2]);
		if (!study_path(svg, sizeof(svg), dir, "plots", name, "svg"))
			figure(f, svg, caption, s->pages[r->pages].guest, s->pages[r->pages].host);
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
				study_put_html(f, json_string_value(v));
			else if (json_is_integer(v))
				fprintf(f, "%lld", (long long)json_integer_value(v));
			else if (json_is_real(v))
				fprintf(f, "%.4g", json_real_value(v));
			fprintf(f, "</td>");
		}
		fprintf(f, "</tr>\n");
	}
	fprintf(f, "</table>\n</body></html>\n");
	return study_out_close(&o, true, e);
}
