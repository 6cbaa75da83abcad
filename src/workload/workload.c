/*
 * workload.c - spec parsing and the registry of workloads (see workload.h).
 * Called by the CLI and tests; generators live one per file beside it.
 */
#include <stdlib.h>
#include <string.h>

#include "tpt/workload.h"

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
	for (int i = 0; d->params[i].key; i++)
		if (!strcmp(d->params[i].key, key))
			return i;
	return -1;
}

static int enum_index(const char *choices, const char *v)
{
	size_t len = strlen(v);
	int idx = 0;
	for (const char *p = choices;; idx++) {
		const char *bar = strchr(p, '|');
		size_t n = bar ? (size_t)(bar - p) : strlen(p);
		if (n == len && !strncmp(p, v, n))
			return idx;
		if (!bar)
			return -1;
		p = bar + 1;
	}
}

static const char *enum_name(const char *choices, uint64_t idx, char buf[32])
{
	const char *p = choices;
	for (uint64_t i = 0; i < idx && p; i++) {
		p = strchr(p, '|');
		if (p)
			p++;
	}
	size_t n = p ? strcspn(p, "|") : 0;
	snprintf(buf, 32, "%.*s", (int)n, p ? p : "");
	return buf;
}

static int set_value(struct workload *w, int i, const char *v, struct tpt_err *e)
{
	const struct wl_param *p = &w->def->params[i];
	const char *wn = w->def->name;
	uint64_t u;
	switch (p->type) {
	case WP_SIZE:
	case WP_COUNT:
		if ((p->type == WP_SIZE ? tpt_parse_size : tpt_parse_count)(v, &u))
			return tpt_fail(e, "%s: %s='%s' is not a %s", wn, p->key, v,
					p->type == WP_SIZE ? "size (like 4K, 2M, 129G)"
							   : "count (like 1000, 10K, 10M)");
		if (u < p->min || u > p->max) {
			char a[32], b[32];
			return tpt_fail(e, "%s: %s=%s is outside %s..%s", wn, p->key, v,
					(p->type == WP_SIZE ? tpt_format_size : tpt_format_count)(p->min, a),
					(p->type == WP_SIZE ? tpt_format_size : tpt_format_count)(p->max, b));
		}
		w->v[i].u = u;
		return 0;
	case WP_ENUM: {
		int k = enum_index(p->choices, v);
		if (k < 0)
			return tpt_fail(e, "%s: %s='%s' is not one of %s", wn, p->key, v, p->choices);
		w->v[i].u = (uint64_t)k;
		return 0;
	}
	case WP_DOUBLE: {
		char *end;
		double d = strtod(v, &end);
		if (end == v || *end || !(d >= (double)p->min / 1000 && d <= (double)p->max / 1000))
			return tpt_fail(e, "%s: %s='%s' must be a number from %g to %g", wn, p->key, v,
					(double)p->min / 1000, (double)p->max / 1000);
		w->v[i].d = d;
		return 0;
	}
	case WP_STRING: {
		/* Text keys take slots in the order the table lists them. */
		unsigned slot = 0;
		for (int k = 0; k < i; k++)
			slot += w->def->params[k].type == WP_STRING;
		if (slot >= ARRAY_LEN(w->str))
			return tpt_fail(e, "%s: too many text keys", wn);
		if (strlen(v) >= sizeof(w->str[0]))
			return tpt_fail(e, "%s: %s is longer than %zu bytes", wn, p->key,
					sizeof(w->str[0]) - 1);
		snprintf(w->str[slot], sizeof(w->str[0]), "%s", v);
		w->v[i].u = slot;
		return 0;
	}
	}
	return -1;
}

static void format_value(const struct workload *w, int i, char buf[32])
{
	const struct wl_param *p = &w->def->params[i];
	switch (p->type) {
	case WP_SIZE: tpt_format_size(w->v[i].u, buf); break;
	case WP_COUNT: tpt_format_count(w->v[i].u, buf); break;
	case WP_ENUM: enum_name(p->choices, w->v[i].u, buf); break;
	case WP_DOUBLE: snprintf(buf, 32, "%g", w->v[i].d); break;
	case WP_STRING: buf[0] = 0; break; /* written whole by workload_open */
	}
}

static void key_list(const struct workload_def *d, char *buf, size_t len)
{
	size_t o = 0;
	buf[0] = 0;
	for (int i = 0; d->params[i].key && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? ", " : "", d->params[i].key);
}

int workload_open(struct workload *w, const char *spec, uint64_t seed, struct tpt_err *e)
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
	for (int i = 0; w->def->params[i].key; i++)
		if (set_value(w, i, w->def->params[i].def, e))
			return -1;
	if (spec[nlen] == ':') {
		char *copy = strdup(spec + nlen + 1), *save = NULL;
		if (!copy)
			return tpt_fail(e, "out of memory");
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
		}
		free(copy);
	}
	size_t o = (size_t)snprintf(w->spec, sizeof(w->spec), "%s", w->def->name);
	for (int i = 0; w->def->params[i].key && o < sizeof(w->spec); i++) {
		char val[32];
		format_value(w, i, val);
		o += (size_t)snprintf(w->spec + o, sizeof(w->spec) - o, "%c%s=%s", i ? ',' : ':',
				      w->def->params[i].key,
				      w->def->params[i].type == WP_STRING ? w->str[w->v[i].u] : val);
	}
	int mi = workload_param(w->def, "mlp"), ki = workload_param(w->def, "kentry");
	w->mlp = mi >= 0 ? w->v[mi].d : 1.0;
	w->kentry = ki >= 0 ? w->v[ki].d : 0.0;
	w->state = calloc(1, w->def->state_size);
	if (!w->state)
		return tpt_fail(e, "out of memory");
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

void workload_list(FILE *out)
{
	for (size_t i = 0; i < ARRAY_LEN(defs); i++) {
		const struct workload_def *d = defs[i];
		fprintf(out, "%s - %s\n", d->name, d->summary);
		for (int k = 0; d->params[k].key; k++) {
			const struct wl_param *p = &d->params[k];
			fprintf(out, "    %-8s %s (default %s%s%s)\n", p->key, p->help, p->def,
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
