/* SPDX-License-Identifier: MIT */
/*
 * paper.c - the paper's figures as a CSV file (see paper.h).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvmppc.h"
#include "linux.h"
#include "paper.h"
#include "tpt/base/opttab.h"

/* The largest figure a row may give: more than any run's exit count or
 * time in the paper (its largest count is about 1.2e8), and exact as a
 * double and in a table's "%.0f". */
#define PAPER_MAX 1e15

/* A figure: NAN for an empty field, -1 for one that is not a number from 0
 * to PAPER_MAX. */
static double figure(const char *s)
{
	if (!*s)
		return NAN;
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	return errno || *end || !(v >= 0 && v <= PAPER_MAX) ? -1 : v;
}

/* Splits line at commas into f (at most six); how many fields it has. */
static int split(char *line, char **f)
{
	int n = 0;
	for (char *c = line;; n++) {
		char *comma = strchr(c, ',');
		if (n < 6)
			f[n] = c;
		if (!comma)
			return n + 1;
		*comma = 0;
		c = comma + 1;
	}
}

int paper_load(struct paper *p, const char *path, struct tpt_err *e)
{
	char *text;
	*p = (struct paper){0};
	/* A regular file, no NUL byte, no overlong line (as a config file). */
	if (opttab_read_ini(path, "paper's figures", &text, e))
		return -1;
	int rc = 0, line = 0;
	bool header = false;
	for (char *l = text, *nl; l && *l && !rc; l = nl) {
		line++;
		if ((nl = strchr(l, '\n')))
			*nl++ = 0;
		size_t len = strlen(l);
		if (len && l[len - 1] == '\r')
			l[--len] = 0;
		if (l[0] == '#' || !len)
			continue;
		if (!header) {
			if (strcmp(l, PAPER_HEADER))
				rc = tpt_fail(e, "%s:%d: not tpt's paper-figure header (%s)", path, line, PAPER_HEADER);
			header = true;
			continue;
		}
		char *f[6];
		struct paper_row r;
		if (split(l, f) != 6 || strlen(f[0]) >= sizeof(r.workload) || strlen(f[1]) >= sizeof(r.scheme) ||
		    !f[0][0] || !f[1][0]) {
			rc = tpt_fail(e, "%s:%d: wants six comma-separated fields, a workload and a scheme first", path,
				      line);
			break;
		}
		snprintf(r.workload, sizeof(r.workload), "%s", f[0]);
		snprintf(r.scheme, sizeof(r.scheme), "%s", f[1]);
		if (!lx_workload_find(r.workload)) {
			rc = tpt_fail(e, "%s:%d: no workload '%s' (tpt power --workload list names them)", path,
				      line, r.workload);
			break;
		}
		if (!kvmppc_scheme_find(r.scheme)) {
			rc = tpt_fail(e, "%s:%d: no scheme '%s' of tpt power (trap, pv, bt, bt-4k, bt+pr, "
					 "bt+pr+dm, static-tlb, pr+)", path, line, r.scheme);
			break;
		}
		r.value = figure(f[2]);
		r.priv = figure(f[3]);
		r.tlb = figure(f[4]);
		r.acc = figure(f[5]);
		if (r.value < 0 || r.priv < 0 || r.tlb < 0 || r.acc < 0) {
			rc = tpt_fail(e, "%s:%d: a figure is not a number from 0 to %.0e", path, line, PAPER_MAX);
			break;
		}
		if (paper_find(p, r.workload, r.scheme)) {
			rc = tpt_fail(e, "%s:%d: %s under %s a second time", path, line, r.workload, r.scheme);
			break;
		}
		if (tpt_grow(&p->rows, &p->cap, p->n + 1, sizeof(*p->rows))) {
			rc = tpt_nomem(e);
			break;
		}
		p->rows[p->n++] = r;
	}
	if (!rc && !header)
		rc = tpt_fail(e, "%s: no header line (%s)", path, PAPER_HEADER);
	free(text);
	if (rc)
		paper_free(p);
	return rc;
}

void paper_free(struct paper *p)
{
	free(p->rows);
	*p = (struct paper){0};
}

const struct paper_row *paper_find(const struct paper *p, const char *w, const char *s)
{
	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(p->rows[i].workload, w) && !strcmp(p->rows[i].scheme, s))
			return &p->rows[i];
	return NULL;
}
