/* SPDX-License-Identifier: MIT */
/*
 * workload.c - spec parsing and the registry of workloads (see workload.h).
 * Called by the CLI and tests; generators live one per file beside it.
 */
#include <stdlib.h>
#include <string.h>

#include "tpt/workload/workload.h"

static const struct workload_def *const defs[] = {
	&wl_gups, &wl_sysbench, &wl_bfs, &wl_pr, &wl_cc, &wl_xsbench, &wl_canneal, &wl_memcached,
	&wl_churn, &wl_kcbench, &wl_tcgloop, &wl_trace,
};

static const struct workload_def *find_def(const char *name, size_t len)
{
	for (size_t i = 0; i < ARRAY_LEN(defs); i++)
		if (strlen(defs[i]->name) == len && !strncmp(defs[i]->name, name, len))
			return defs[i];
	return NULL;
}

int workload_param(const struct workload_def *d, const char *key)
{
	for (int i = 0; d->params[i].name; i++)
		if (!strcmp(d->params[i].name, key))
			return i;
	return -1;
}

/* Sets the value of key i from text through the option table's parser. */
static int set_value(struct workload *w, int i, const char *v, struct tpt_err *e)
{
	const struct opt *p = &w->def->params[i];
	char who[64];
	snprintf(who, sizeof(who), "%s: %s", w->def->name, p->name);
	switch (p->type) {
	case OPT_ENUM: {
		uint32_t k;
		if (opt_parse(p, &k, v, who, e))
			return -1;
		w->v[i].u = k;
		return 0;
	}
	case OPT_STR: {
		/* Text keys take slots in the order the table lists them. */
		unsigned slot = 0;
		for (int k = 0; k < i; k++)
			slot += w->def->params[k].type == OPT_STR;
		if (slot >= ARRAY_LEN(w->str))
			return tpt_fail(e, "%s: too many text keys", w->def->name);
		w->v[i].u = slot;
		return opt_parse(p, w->str[slot], v, who, e);
	}
	case OPT_DOUBLE:
		return opt_parse(p, &w->v[i].d, v, who, e);
	default:
		return opt_parse(p, &w->v[i].u, v, who, e);
	}
}

/* Key i's value as text, as set_value reads it. */
static const char *format_value(const struct workload *w, int i, char *buf, size_t len)
{
	const struct opt *p = &w->def->params[i];
	if (p->type == OPT_ENUM) {
		uint32_t k = (uint32_t)w->v[i].u;
		return opt_format(p, &k, buf, len);
	}
	if (p->type == OPT_STR)
		return opt_format(p, w->str[w->v[i].u], buf, len);
	return opt_format(p, &w->v[i], buf, len);
}

static void key_list(const struct workload_def *d, char *buf, size_t len)
{
	size_t o = 0;
	buf[0] = 0;
	for (int i = 0; d->params[i].name && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? ", " : "", d->params[i].name);
}

/* The canonical spec: the name and every key with its value. */
static void spec_build(struct workload *w)
{
	size_t o = (size_t)snprintf(w->spec, sizeof(w->spec), "%s", w->def->name);
	for (int i = 0; w->def->params[i].name && o < sizeof(w->spec); i++) {
		char val[sizeof(w->str[0])];
		o += (size_t)snprintf(w->spec + o, sizeof(w->spec) - o, "%c%s=%s", i ? ',' : ':',
				      w->def->params[i].name, format_value(w, i, val, sizeof(val)));
	}
}

/* The spec's keys into w, checked, without starting the generator. */
static int parse(struct workload *w, const char *spec, uint64_t seed, struct tpt_err *e)
{
	memset(w, 0, sizeof(*w));
	size_t nlen = strcspn(spec, ":");
	w->def = find_def(spec, nlen);
	if (!w->def) {
		char known[128];
		size_t o = 0;
		for (size_t i = 0; i < ARRAY_LEN(defs); i++)
			o += (size_t)snprintf(known + o, sizeof(known) - o, "%s%s", i ? ", " : "",
					      defs[i]->name);
		return tpt_fail(e, "unknown workload '%.*s' (known: %s)", (int)nlen, spec, known);
	}
	w->seed = seed;
	for (int i = 0; w->def->params[i].name; i++)
		if (set_value(w, i, w->def->params[i].def, e))
			return -1;
	if (spec[nlen] == ':') {
		char *copy = strdup(spec + nlen + 1), *save = NULL;
		if (!copy)
			return tpt_nomem(e);
		for (char *kv = strtok_r(copy, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
			char *eq = strchr(kv, '=');
			if (!eq) {
				tpt_fail(e, "%s: '%s' is not key=value", w->def->name, kv);
				free(copy);
				return -1;
			}
			*eq = 0;
			int i = workload_param(w->def, kv);
			if (i < 0) {
				char keys[200];
				key_list(w->def, keys, sizeof(keys));
				tpt_fail(e, "%s: unknown key '%s' (keys: %s)", w->def->name, kv, keys);
				free(copy);
				return -1;
			}
			if (set_value(w, i, eq + 1, e)) {
				free(copy);
				return -1;
			}
			if (!strcmp(kv, "mlp"))
				w->mlp_given = true;
		}
		free(copy);
	}
	spec_build(w);
	int mi = workload_param(w->def, "mlp"), ki = workload_param(w->def, "kentry");
	w->mlp = mi >= 0 ? w->v[mi].d : 1.0;
	w->kentry = ki >= 0 ? w->v[ki].d : 0.0;
	return 0;
}

void workload_set_mlp(struct workload *w, double mlp)
{
	int mi = workload_param(w->def, "mlp");
	w->mlp = mlp;
	if (mi < 0)
		return;
	w->v[mi].d = mlp;
	spec_build(w);
}

int workload_check(const char *spec, struct tpt_err *e)
{
	struct workload w;
	return parse(&w, spec, 1, e);
}

int workload_estimate(const char *spec, uint64_t *host, uint64_t *footprint, uint64_t *events,
		      struct tpt_err *e)
{
	struct workload w;
	*host = *footprint = 0;
	if (events)
		*events = 0;
	if (parse(&w, spec, 1, e))
		return -1;
	if (w.def->estimate)
		*host = w.def->estimate(&w, footprint);
	if (events && w.def->events)
		*events = w.def->events(&w);
	return 0;
}

int workload_files(const char *spec, workload_file_fn fn, void *ctx, struct tpt_err *e)
{
	struct workload w;
	if (parse(&w, spec, 1, e))
		return -1;
	for (int i = 0; w.def->params[i].name; i++)
		if (w.def->params[i].type == OPT_STR && !strcmp(w.def->params[i].name, "path") &&
		    w.str[w.v[i].u][0])
			fn(ctx, w.str[w.v[i].u]);
	return 0;
}

int workload_open(struct workload *w, const char *spec, uint64_t seed, struct tpt_err *e)
{
	if (parse(w, spec, seed, e))
		return -1;
	w->state = calloc(1, w->def->state_size);
	if (!w->state)
		return tpt_nomem(e);
	if (w->def->init(w, e)) {
		workload_close(w);
		return -1;
	}
	return 0;
}


void workload_close(struct workload *w)
{
	if (w->close && w->state)
		w->close(w);
	free(w->state);
	w->state = NULL;
}

uint64_t workload_footprint(const struct workload *w)
{
	if (w->footprint)
		return w->footprint;
	uint64_t sum = 0;
	for (unsigned i = 0; i < w->nregions; i++)
		sum += w->regions[i].len;
	return sum;
}

const struct workload_def *const *workload_defs(size_t *n)
{
	*n = ARRAY_LEN(defs);
	return defs;
}

void workload_list(FILE *out)
{
	for (size_t i = 0; i < ARRAY_LEN(defs); i++) {
		const struct workload_def *d = defs[i];
		fprintf(out, "%s - %s\n", d->name, d->summary);
		for (int k = 0; d->params[k].name; k++) {
			const struct opt *p = &d->params[k];
			fprintf(out, "    %-8s %s (default %s%s%s)\n", p->name, p->help, p->def,
				p->choices ? "; one of " : "", p->choices ? p->choices : "");
		}
	}
}




