/*
 * workload.c - spec parsing and the registry of workloads (see workload.h).
 * Called by the CLI and tests; generators live one per file beside it.
 */
#include <stdlib.h>
#include <string.h>

#include "tpt/workload/workload.h"

static const struct workload_def *const defs[] = {
	&wl_gups, &wl_sysbench, &wl_bfs, &wl_pr, &wl_cc, &wl_xsbench, &wl_canneal, &wl_memcached,
	&wl_churn, &wl_kcbench, &wl_trace,
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

int workload_estimate(const char *spec, uint64_t *host, uint64_t *footprint, struct tpt_err *e)
{
	struct workload w;
	*host = *footprint = 0;
	if (parse(&w, spec, 1, e))
		return -1;
	if (w.def->estimate)
		*host = w.def->estimate(&w, footprint);
	return 0;
}

int workload_files(const char *spec, bool scenario, workload_file_fn fn, void *ctx,
		   struct tpt_err *e)
{
	if (scenario)
		return workload_scenario_files(spec, fn, ctx, e);
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

int wl_host_memory(const struct workload *w, uint64_t bytes, struct tpt_err *e)
{
	uint64_t avail = tpt_mem_available();
	if (bytes <= avail)
		return 0;
	char a[32], b[32];
	return tpt_fail_mem(e, "%s: its own structures need about %s of this machine's memory; %s is "
			   "available", w->def->name, tpt_format_size(tpt_align_up(bytes, MiB), a),
			tpt_format_size(avail & ~(MiB - 1), b));
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

size_t wl_prologue(struct workload *w, struct event *ev)
{
	size_t k = 0;
	if (!w->names[0][0])
		snprintf(w->names[0], sizeof(w->names[0]), "%s", w->def->name);
	ev[k++] = (struct event){.type = EV_EXEC, .pid = 1, .arg = 0};
	for (unsigned i = 0; i < w->nregions; i++)
		ev[k++] = (struct event){.type = EV_MMAP, .pid = 1, .va = w->regions[i].start,
					 .arg = w->regions[i].len, .size = WL_MAP_W};
	return k;
}

void wl_sweep_init(struct wl_sweep *s, const struct region *r, uint64_t init_mode,
		   uint64_t word, uint32_t instrs_per_word)
{
	s->addr = r->start;
	s->end = init_mode == WL_INIT_NONE ? r->start : r->start + r->len;
	if (init_mode == WL_INIT_FULL) {
		s->stride = word;
		s->instrs = instrs_per_word;
	} else {
		/* One write per page stands for the page's words: same faults and tables. */
		s->stride = PAGE_SIZE;
		s->instrs = (uint32_t)(instrs_per_word * (PAGE_SIZE / word));
	}
}

size_t wl_sweep_next(struct wl_sweep *s, struct event *ev, size_t n)
{
	size_t k = 0;
	for (; k < n && s->addr < s->end; k++, s->addr += s->stride)
		ev[k] = (struct event){.va = s->addr, .instrs = s->instrs, .type = EV_WRITE, .size = 8,
				       .pid = 1};
	return k;
}

size_t wl_phases_next(struct wl_phases *ph, struct workload *w, struct event *ev, size_t n)
{
	size_t k = 0;
	if (ph->phase == WL_PH_PROLOGUE) {
		ph->phase = WL_PH_WARM;
		return wl_prologue(w, ev);
	}
	while (ph->phase == WL_PH_WARM && k < n) {
		if (ph->cur < ph->nsweeps) {
			size_t got = wl_sweep_next(&ph->sweep[ph->cur], ev + k, n - k);
			k += got;
			ph->cur += !got;
			continue;
		}
		bool done = true;
		size_t got = ph->warm ? ph->warm(w, ev + k, n - k, &done) : 0;
		k += got;
		if (done)
			ph->phase = WL_PH_MARK;
		else if (!got)
			break; /* no room left for the warm-up's next step */
	}
	if (ph->phase == WL_PH_MARK && k < n) {
		ev[k++] = (struct event){.type = EV_MARK, .pid = 1};
		ph->phase = WL_PH_WORK;
	}
	return k;
}
