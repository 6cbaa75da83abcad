/* SPDX-License-Identifier: MIT */
/*
 * opttab.h - an option table (name, type, bounds, default, help) that drives
 * INI parsing, validation and the commented sample file for any struct.
 *
 * The simulator's machine configuration (config.c) and tptd's daemon
 * configuration each declare one table of rows pointing into their own
 * struct; the workloads declare their keys as rows too (workload.h), whose
 * values workload.c keeps by row. Parsing, checking and printing a value
 * are here alone, so none of them can drift in how they do it.
 */
#ifndef TPT_OPTTAB_H
#define TPT_OPTTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "tpt/base/util.h"

enum opt_type {
	OPT_U32,    /* uint32_t, bounds min..max */
	OPT_SIZE,   /* uint64_t with a K/M/G/T suffix, bounds min..max */
	OPT_COUNT,  /* uint64_t with a decimal K/M/G suffix (10M is ten million), bounds min..max */
	OPT_DOUBLE, /* double, bounds min/1000..max/1000 */
	OPT_BOOL,   /* uint32_t 0/1; yes/no/true/false accepted */
	OPT_ENUM,   /* uint32_t index into choices "a|b|c" */
	OPT_STR,    /* char[max] (max counts the terminating NUL) */
	OPT_LIST,   /* struct opt_list: a key that may be repeated, each value a
		     * string of at most min bytes, at most max values */
};

/* An OPT_LIST's values, in the order given (opttab_free frees them). */
struct opt_list {
	char **v;
	uint32_t n;
};

struct opt {
	const char *section, *name;
	enum opt_type type;
	size_t off;
	uint64_t min, max;
	const char *def;
	const char *help;
	const char *choices;
};

struct opttab {
	const struct opt *opts;
	size_t n;
	const char *const (*notes)[2]; /* {section, comment} shown above each section */
	size_t n_notes;
	const char *intro;             /* the sample file's opening comment */
	const char *what;              /* what a file of it is called ("study file"); NULL: "config file" */
	bool once;                     /* a key but a list's given twice in one file is refused */
};

/* Every option to its default. A default outside its own bounds aborts: the
 * table is wrong. */
void opttab_defaults(const struct opttab *t, void *base);
/* Frees what OPT_LIST rows hold (their values), leaving them empty. */
void opttab_free(const struct opttab *t, void *base);
/* Sets one option from text (section NULL: any section), checking its type and bounds. */
int opttab_set(const struct opttab *t, void *base, const char *section, const char *name,
	       const char *value, struct tpt_err *e);
/*
 * An INI file read whole and checked before it is parsed: a regular file
 * (not a device, FIFO or directory; opened without blocking) of at most
 * OPTTAB_MAX_FILE bytes, no NUL byte, and no line longer than
 * OPTTAB_MAX_LINE characters (the INI parser would split it and read its
 * tail as a setting). 0 with *text (free it), or -1 with e naming the file,
 * and the line, and why. what: "config file", "scenario", ...
 */
#define OPTTAB_MAX_FILE (1 << 20)
#define OPTTAB_MAX_LINE 190
int opttab_read_ini(const char *path, const char *what, char **text, struct tpt_err *e);
/* Reads an INI file over the current values; the error names file and line. */
int opttab_load(const struct opttab *t, void *base, const char *path, struct tpt_err *e);
/* The commented sample file: every option with its default and help. */
void opttab_write_sample(const struct opttab *t, FILE *out);
/* The row for section/name, or NULL. */
const struct opt *opttab_find(const struct opttab *t, const char *section, const char *name);

/* One row's value from text into field (its storage), checked against the
 * row's type and bounds; errors begin with `who` (like "[cache] l1d_size"). */
int opt_parse(const struct opt *o, void *field, const char *v, const char *who,
	      struct tpt_err *e);
/* One row's value as text, as opt_parse reads it back (OPT_STR: the string). */
const char *opt_format(const struct opt *o, const void *field, char *buf, size_t len);
/* An option's bounds as text: "1 to 64", "4K to 1T", "yes or no", the
 * choices "a, b or c", or "text of at most N bytes". */
const char *opt_bounds(const struct opt *o, char *buf, size_t len);
/* One line of a command's --help: "  --name ARG           help". */
void opt_help_line(FILE *out, const char *name, const char *arg, const char *help);
/* Calls fn with every option's section, name and value as text, in table order. */
typedef void (*opttab_value_fn)(void *ctx, const char *section, const char *name, const char *value);
void opttab_foreach(const struct opttab *t, const void *base, opttab_value_fn fn, void *ctx);

#endif
