/* SPDX-License-Identifier: MIT */
/*
 * opttab.c - option tables (see opttab.h).
 *
 * Called by config.c (the simulator) and tptd's conf.c at start-up; never
 * on a hot path. A table row says where its value lives (an offset into the
 * caller's struct) and how to read it; nothing here knows either struct.
 */
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tpt/base/opttab.h"

static void *field(void *base, const struct opt *o)
{
	return (char *)base + o->off;
}

const struct opt *opttab_find(const struct opttab *t, const char *section, const char *name)
{
	for (size_t i = 0; i < t->n; i++)
		if ((!section || !strcmp(t->opts[i].section, section)) && !strcmp(t->opts[i].name, name))
			return &t->opts[i];
	return NULL;
}

static int set_enum(void *field, const struct opt *o, const char *v, const char *who,
		    struct tpt_err *e)
{
	size_t len = strlen(v);
	uint32_t idx = 0;
	for (const char *p = o->choices;; idx++) {
		size_t n = strcspn(p, "|");
		if (n == len && !strncmp(p, v, n)) {
			*(uint32_t *)field = idx;
			return 0;
		}
		if (!p[n])
			break;
		p += n + 1;
	}
	return tpt_fail(e, "%s: '%s' is not one of %s", who, v, o->choices);
}

int opt_parse(const struct opt *o, void *field, const char *v, const char *who,
	      struct tpt_err *e)
{
	uint64_t u;
	char a[32], b[32];
	switch (o->type) {
	case OPT_U32:
	case OPT_BOOL:
		if (o->type == OPT_BOOL && (!strcmp(v, "yes") || !strcmp(v, "true")))
			v = "1";
		else if (o->type == OPT_BOOL && (!strcmp(v, "no") || !strcmp(v, "false")))
			v = "0";
		if (tpt_parse_u64(v, &u))
			return tpt_fail(e, "%s: '%s' is not a whole number", who, v);
		if (u < o->min || u > o->max)
			return tpt_fail(e, "%s: %llu is outside %llu..%llu", who, (unsigned long long)u,
					(unsigned long long)o->min, (unsigned long long)o->max);
		*(uint32_t *)field = (uint32_t)u;
		return 0;
	case OPT_SIZE:
	case OPT_COUNT: {
		bool size = o->type == OPT_SIZE;
		const char *(*fmt)(uint64_t, char[32]) = size ? tpt_format_size : tpt_format_count;
		if ((size ? tpt_parse_size : tpt_parse_count)(v, &u))
			return tpt_fail(e, "%s: '%s' is not a %s", who, v,
					size ? "size (e.g. 48K, 16M, 4G)" : "count (e.g. 1000, 10K, 10M)");
		if (u < o->min || u > o->max)
			return tpt_fail(e, "%s: %s is out of range (%s..%s)", who, v, fmt(o->min, a),
					fmt(o->max, b));
		*(uint64_t *)field = u;
		return 0;
	}
	case OPT_ENUM:
		return set_enum(field, o, v, who, e);
	case OPT_DOUBLE: {
		char *end;
		double d = strtod(v, &end);
		if (end == v || *end || !(d * 1000 >= (double)o->min && d * 1000 <= (double)o->max))
			return tpt_fail(e, "%s: '%s' must be a number from %g to %g", who, v,
					o->min / 1000.0, o->max / 1000.0);
		*(double *)field = d;
		return 0;
	}
	case OPT_STR:
		if (strlen(v) >= o->max)
			return tpt_fail(e, "%s: '%.40s...' is longer than %llu bytes", who, v,
					(unsigned long long)o->max - 1);
		memcpy(field, v, strlen(v) + 1);
		return 0;
	case OPT_LIST: {
		struct opt_list *l = field;
		if (!*v) /* the default: no values */
			return 0;
		if (strlen(v) > o->min)
			return tpt_fail(e, "%s: '%.40s...' is longer than %llu bytes", who, v,
					(unsigned long long)o->min);
		if (l->n >= o->max)
			return tpt_fail(e, "%s: more than %llu values", who, (unsigned long long)o->max);
		char **grown = realloc(l->v, (l->n + 1) * sizeof(*l->v)), *copy = strdup(v);
		if (grown)
			l->v = grown;
		if (!grown || !copy) {
			free(copy);
			return tpt_nomem(e);
		}
		l->v[l->n++] = copy;
		return 0;
	}
	}
	return -1;
}

void opttab_free(const struct opttab *t, void *base)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->opts[i].type == OPT_LIST) {
			struct opt_list *l = (struct opt_list *)((char *)base + t->opts[i].off);
			for (uint32_t k = 0; k < l->n; k++)
				free(l->v[k]);
			free(l->v);
			*l = (struct opt_list){0};
		}
}

const char *opt_format(const struct opt *o, const void *field, char *buf, size_t len)
{
	char tmp[32];
	switch (o->type) {
	case OPT_U32:
	case OPT_BOOL:
		snprintf(buf, len, "%u", *(const uint32_t *)field);
		break;
	case OPT_SIZE:
		snprintf(buf, len, "%s", tpt_format_size(*(const uint64_t *)field, tmp));
		break;
	case OPT_COUNT:
		snprintf(buf, len, "%s", tpt_format_count(*(const uint64_t *)field, tmp));
		break;
	case OPT_ENUM: {
		const char *p = o->choices;
		for (uint32_t i = 0; i < *(const uint32_t *)field && p; i++)
			if ((p = strchr(p, '|')))
				p++;
		snprintf(buf, len, "%.*s", p ? (int)strcspn(p, "|") : 0, p ? p : "");
		break;
	}
	case OPT_DOUBLE:
		snprintf(buf, len, "%g", *(const double *)field);
		break;
	case OPT_STR:
		snprintf(buf, len, "%s", (const char *)field);
		break;
	case OPT_LIST: { /* the values, one per line as the file gives them */
		const struct opt_list *l = field;
		size_t n = 0;
		buf[0] = 0;
		for (uint32_t k = 0; k < l->n && n < len; k++)
			n += (size_t)snprintf(buf + n, len - n, "%s%s", k ? "\n" : "", l->v[k]);
		break;
	}
	}
	return buf;
}

static int set_opt(void *base, const struct opt *o, const char *v, struct tpt_err *e)
{
	char who[96];
	snprintf(who, sizeof(who), "[%s] %s", o->section, o->name);
	return opt_parse(o, field(base, o), v, who, e);
}

void opttab_defaults(const struct opttab *t, void *base)
{
	for (size_t i = 0; i < t->n; i++)
		if (set_opt(base, &t->opts[i], t->opts[i].def, NULL))
			abort(); /* a default outside its own bounds is a bug in the table */
}

int opttab_set(const struct opttab *t, void *base, const char *section, const char *name,
	       const char *value, struct tpt_err *e)
{
	const struct opt *o = opttab_find(t, section, name);
	if (o)
		return set_opt(base, o, value, e);
	if (!t->what)
		return tpt_fail(e, "unknown config option [%s] %s", section ? section : "?", name);
	char keys[256] = "";
	size_t n = 0;
	for (size_t i = 0; i < t->n && n < sizeof(keys); i++)
		if (section && !strcmp(t->opts[i].section, section))
			n += (size_t)snprintf(keys + n, sizeof(keys) - n, "%s%s", n ? ", " : "",
					      t->opts[i].name);
	if (!n)
		return tpt_fail(e, "unknown section [%s] (a %s has [%s])", section ? section : "?", t->what,
				t->opts[0].section);
	return tpt_fail(e, "unknown key '%s' (%s)", name, keys);
}

struct load_ctx {
	const struct opttab *t;
	void *base;
	struct tpt_err sub; /* why the handler stopped */
	int failed;
	bool *seen;         /* t->once: by row */
};

static int on_ini(void *user, const char *section, const char *name, const char *value)
{
	struct load_ctx *l = user;
	if (l->failed)
		return 0;
	const struct opt *o = l->seen ? opttab_find(l->t, section, name) : NULL;
	bool twice = o && o->type != OPT_LIST && l->seen[o - l->t->opts];
	if (o)
		l->seen[o - l->t->opts] = true;
	if (twice)
		tpt_fail(&l->sub, "[%s] %s is given twice", section, name);
	else if (!opttab_set(l->t, l->base, section, name, value, &l->sub))
		return 1;
	l->failed = 1;
	return 0;
}

int opttab_read_ini(const char *path, const char *what, char **text, struct tpt_err *e)
{
	*text = NULL;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return tpt_fail(e, "cannot open %s %s: %s", what, path, strerror(errno));
	struct stat st;
	char *buf = NULL;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		tpt_fail(e, "%s %s is not a regular file", what, path);
		goto fail;
	}
	if (st.st_size > OPTTAB_MAX_FILE) {
		tpt_fail(e, "%s %s is larger than %d bytes", what, path, OPTTAB_MAX_FILE);
		goto fail;
	}
	if (!(buf = malloc((size_t)st.st_size + 1))) {
		tpt_nomem(e);
		goto fail;
	}
	size_t n = 0;
	ssize_t got;
	while (n < (size_t)st.st_size && (got = read(fd, buf + n, (size_t)st.st_size - n)) > 0)
		n += (size_t)got;
	buf[n] = 0;
	if (strlen(buf) != n) {
		tpt_fail(e, "%s %s holds a NUL byte: not a text file", what, path);
		goto fail;
	}
	int line = 1;
	for (const char *p = buf; *p; line++) {
		size_t len = strcspn(p, "\n");
		if (len > OPTTAB_MAX_LINE) {
			tpt_fail(e, "%s:%d: a line longer than %d characters", path, line, OPTTAB_MAX_LINE);
			goto fail;
		}
		p += len + (p[len] == '\n');
	}
	close(fd);
	*text = buf;
	return 0;
fail:
	free(buf);
	close(fd);
	return -1;
}

int opttab_load(const struct opttab *t, void *base, const char *path, struct tpt_err *e)
{
	char *text;
	if (opttab_read_ini(path, t->what ? t->what : "config file", &text, e))
		return -1;
	struct load_ctx l = {.t = t, .base = base};
	if (t->once && !(l.seen = calloc(t->n, sizeof(*l.seen)))) {
		free(text);
		return tpt_nomem(e);
	}
	int rc = ini_parse_string(text, on_ini, &l);
	free(text);
	free(l.seen);
	if (l.failed)
		return tpt_fail(e, "%s:%d: %s", path, rc, l.sub.msg);
	if (rc > 0)
		return tpt_fail(e, "%s:%d: not a valid INI line", path, rc);
	if (rc < 0)
		return tpt_fail(e, "cannot read config file %s", path);
	return 0;
}

void opttab_write_sample(const struct opttab *t, FILE *out)
{
	fputs(t->intro, out);
	const char *sec = NULL;
	for (size_t i = 0; i < t->n; i++) {
		const struct opt *o = &t->opts[i];
		if (!sec || strcmp(sec, o->section)) {
			sec = o->section;
			fprintf(out, "\n");
			for (size_t k = 0; k < t->n_notes; k++)
				if (!strcmp(t->notes[k][0], sec))
					fprintf(out, "; %s\n", t->notes[k][1]);
			fprintf(out, "[%s]\n", sec);
		}
		if (o->choices)
			fprintf(out, "; %s (%s)\n%s = %s\n", o->help, o->choices, o->name, o->def);
		else
			fprintf(out, "; %s\n%s = %s\n", o->help, o->name, o->def);
	}
}

void opttab_foreach(const struct opttab *t, const void *base, opttab_value_fn fn, void *ctx)
{
	for (size_t i = 0; i < t->n; i++) {
		const struct opt *o = &t->opts[i];
		char buf[256];
		fn(ctx, o->section, o->name,
		   opt_format(o, (const char *)base + o->off, buf, sizeof(buf)));
	}
}

const char *opt_bounds(const struct opt *o, char *buf, size_t len)
{
	char a[32], b[32];
	switch (o->type) {
	case OPT_U32:
		snprintf(buf, len, "%llu to %llu", (unsigned long long)o->min, (unsigned long long)o->max);
		break;
	case OPT_SIZE:
		snprintf(buf, len, "%s to %s", tpt_format_size(o->min, a), tpt_format_size(o->max, b));
		break;
	case OPT_COUNT:
		snprintf(buf, len, "%s to %s", tpt_format_count(o->min, a), tpt_format_count(o->max, b));
		break;
	case OPT_DOUBLE:
		snprintf(buf, len, "%g to %g", (double)o->min / 1000, (double)o->max / 1000);
		break;
	case OPT_BOOL:
		snprintf(buf, len, "yes or no");
		break;
	case OPT_ENUM: {
		size_t n = 0, k = 0, count = 1;
		for (const char *p = o->choices; *p; p++)
			count += *p == '|';
		for (const char *p = o->choices; *p && n + 4 < len; p++) {
			if (*p != '|') {
				buf[n++] = *p;
				continue;
			}
			const char *sep = ++k == count - 1 ? " or " : ", ";
			n += (size_t)snprintf(buf + n, len - n, "%s", sep);
		}
		buf[n < len ? n : len - 1] = 0;
		break;
	}
	case OPT_STR:
		snprintf(buf, len, "text of at most %llu bytes", (unsigned long long)o->max - 1);
		break;
	case OPT_LIST:
		snprintf(buf, len, "repeated, at most %llu values of %llu bytes",
			 (unsigned long long)o->max, (unsigned long long)o->min);
		break;
	}
	return buf;
}

void opt_help_line(FILE *out, const char *name, const char *arg, const char *help)
{
	char head[40];
	snprintf(head, sizeof(head), "--%s%s%s", name, arg ? " " : "", arg ? arg : "");
	fprintf(out, "  %-20s %s\n", head, help);
}
