/* SPDX-License-Identifier: MIT */
/*
 * study_internal.h - what the study engine's files share (study.h is the
 * contract): the layout of a study's directory, running a program by its
 * argv (never through a shell), and the report's pieces.
 */
#ifndef TPT_STUDY_INTERNAL_H
#define TPT_STUDY_INTERNAL_H

#include <jansson.h>
#include <stdio.h>
#include <sys/types.h>

#include "tpt/base/child.h"
#include "tpt/base/outfile.h"
#include "tpt/study/study.h"

#define STUDY_TIME_BIN "/usr/bin/time"
#define STUDY_PEAK_LINE "tpt study: peak memory"

/* DIR/SUB/HASH.EXT (sub, hash or ext may be NULL) into buf; 0, or -1 when
 * it does not fit. */
int study_path(char *buf, size_t len, const char *dir, const char *sub, const char *hash,
	       const char *ext);
/* Whether run r has its result in dir. */
bool study_done(const char *dir, const struct study_run *r);
/* Makes the directory path and those above it; 0, or 1 with e set. */
int study_mkdirs(const char *path, struct tpt_err *e);
/* Makes dir and its runs/, logs/ and args/ (0777 less the umask); 0, or 1 with e set. */
int study_prepare(const char *dir, struct tpt_err *e);
/* Writes the args/HASH of each run without a result (what study_exec
 * reads) and, if list is given, their hashes a line each to it; their
 * number, or -1 with e set. */
long study_write_args(const struct study *s, const char *dir, FILE *list, struct tpt_err *e);
/* Names each run without a result on stderr with its command; their number. */
unsigned study_report_failed(const struct study *s, const char *dir);
/* Says which run peaked highest in memory, where the logs say. */
void study_say_largest(const struct study *s, const char *dir);
/* The running tpt's path. 0, or 1 with e set. */
int study_self(char *buf, size_t len, struct tpt_err *e);

/* An output file of the report; its failure in e (1). */
struct study_out {
	struct outfile of;
	FILE *f;
};
int study_out_open(struct study_out *o, const char *path, struct tpt_err *e);
int study_out_close(struct study_out *o, bool keep, struct tpt_err *e);

/* The report's kinds: columns of a row, the key whose values are a plot's
 * bars (scheme or policy) and the metrics plotted. */
struct study_metric {
	const char *key, *file, *title;
	const char *unit;     /* the y axis and the table's heading: what and in which unit */
	double scale;         /* a row's value times this is plotted (100: a share as %) */
	const char *baseline; /* the series this is relative to (drawn as the line at 1), or NULL */
	bool geomean;         /* a group of the geometric means over the workloads */
	const char *what;     /* the caption: how a value is computed */
};
struct study_layout {
	const char *const *columns;
	size_t ncolumns;
	const char *series;
	const struct study_metric *metrics;
	size_t nmetrics;
};
extern const struct study_layout study_layouts[2];

/* The builds that made a study's runs: each commit a result's provenance
 * names, and how many runs it made (in the order first met). */
struct study_builds {
	char commit[8][48];
	unsigned runs[8], n, other; /* other: runs beyond eight distinct commits */
};
/* Counts the run whose result is res (its first object's provenance). */
void study_builds_add(struct study_builds *b, const json_t *res);
/* "commit X" or "commits X (3 runs), Y (1 run)", each commit written by
 * put (study_put_text, or study_put_html for a page). */
void study_builds_print(FILE *f, const struct study_builds *b, void (*put)(FILE *, const char *));
/* Text as it is. */
void study_put_text(FILE *f, const char *v);

/* Text for an HTML page, escaped. */
void study_put_html(FILE *f, const char *v);
/* Distinct string values of key over rows, in order of first appearance. */
unsigned study_distinct(const json_t *rows, const char *key, const char **out, unsigned max);
/* The row of workload w, pages g/h and series value sc, or NULL. */
const json_t *study_find_row(const json_t *rows, const char *series, const char *w, const char *g,
			     const char *h, const char *sc);
/* A workload's label for plots and tables: its name, with its place in the
 * list if the name repeats; only characters safe in a gnuplot data file. */
void study_label(const char *const *ws, unsigned n, unsigned i, char *buf, size_t len);

/* DIR/plots (gnuplot SVGs) and DIR/tables.md; DIR/index.html. */
int study_plot(const struct study *s, const struct study_layout *k, const char *dir, const json_t *rows,
	       struct tpt_err *e);
/* The figure of one run (study_run_report): a panel per metric, a bar per
 * series. 0, or 1 with e set. */
int study_plot_run(const struct study_layout *k, const json_t *rows, const char *svg, const char *title,
		   struct tpt_err *e);
int study_page(const struct study *s, const struct study_layout *k, const char *dir,
	       const struct study_builds *made, struct tpt_err *e);

#endif
