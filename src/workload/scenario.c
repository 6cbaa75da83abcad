/* SPDX-License-Identifier: MIT */
/*
 * scenario.c - several workloads as processes of one VM (see workload.h).
 *
 * Each section of the INI file is one program: its workload's events are
 * renumbered, pid p of program i into (i + 1) * 256 + p while p < 256, and
 * a larger p into the next free pid above every program's block (so a
 * program may have as many processes as fit in the 16-bit pid space), its
 * exec named after the section. All warm-ups run first, one after another; then a single mark;
 * then the programs take turns of `slice` instructions, round robin, until
 * every one has finished. Called through workload_next like any generator.
 */
#include <ini.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tpt/workload/workload.h"

#define MAX_SUBS 32
#define SUB_BUF 1024
#define PID_SPILL ((MAX_SUBS + 1) * 256) /* the first pid of no program's block */

struct sub {
	struct workload wl;
	char spec[256];
	bool tpt, open, done, warm;
	struct event buf[SUB_BUF];
	size_t pos, len;
	uint16_t *spill; /* pid p >= 256 -> its pid in the scenario (0: none yet); lazily */
};

struct scenario {
	struct sub *sub;
	unsigned n, cur;
	uint64_t slice, used;
	int phase; /* 0 warm-ups, 1 mark, 2 turns */
	uint8_t *owner;       /* pid - PID_SPILL -> program index + 1; lazily */
	unsigned next_spill;  /* the next free pid from PID_SPILL on */
};

struct parse {
	struct workload *w;
	struct scenario *sc;
	struct tpt_err *e;
	const char *path;
	int failed;
};

static int on_ini(void *user, const char *section, const char *name, const char *value)
{
	struct parse *ps = user;
	struct scenario *sc = ps->sc;
	if (ps->failed)
		return 0;
	if (!strcmp(section, "scenario")) {
		if (!strcmp(name, "slice") && !tpt_parse_count(value, &sc->slice) && sc->slice)
			return 1;
		tpt_fail(ps->e, "%s: [scenario] %s = %s: only slice = COUNT (instructions) is known",
			 ps->path, name, value);
		ps->failed = 1;
		return 0;
	}
	unsigned i;
	for (i = 0; i < sc->n; i++)
		if (!strcmp(ps->w->names[i], section))
			break;
	if (i == sc->n) {
		if (sc->n == MAX_SUBS || strlen(section) > 15) {
			tpt_fail(ps->e, "%s: [%s]: at most %d programs, names of at most 15 bytes",
				 ps->path, section, MAX_SUBS);
			ps->failed = 1;
			return 0;
		}
		snprintf(ps->w->names[sc->n++], 16, "%s", section);
	}
	if (!strcmp(name, "workload")) {
		snprintf(sc->sub[i].spec, sizeof(sc->sub[i].spec), "%s", value);
	} else if (!strcmp(name, "tpt") && (!strcmp(value, "yes") || !strcmp(value, "no"))) {
		sc->sub[i].tpt = !strcmp(value, "yes");
	} else {
		tpt_fail(ps->e, "%s: [%s] %s = %s: keys are workload = SPEC and tpt = yes|no",
			 ps->path, section, name, value);
		ps->failed = 1;
		return 0;
	}
	return 1;
}

static double mlp_of(const struct workload *w, int pid)
{
	const struct scenario *sc = w->state;
	unsigned i = (unsigned)pid / 256;
	if (pid >= PID_SPILL && sc->owner)
		i = sc->owner[pid - PID_SPILL];
	return i >= 1 && i <= sc->n ? sc->sub[i - 1].wl.mlp : w->mlp;
}

static void close_scenario(struct workload *w)
{
	struct scenario *sc = w->state;
	for (unsigned i = 0; i < sc->n; i++) {
		if (sc->sub[i].open)
			workload_close(&sc->sub[i].wl);
		free(sc->sub[i].spill);
	}
	free(sc->sub);
	free(sc->owner);
	sc->sub = NULL;
	sc->owner = NULL;
}

/* Program i's pid p in the scenario; 0 when the pid space is used up or
 * out of memory. */
static uint16_t pid_of(struct scenario *sc, unsigned i, unsigned p)
{
	if (p < 256)
		return (uint16_t)((i + 1) * 256 + p);
	struct sub *s = &sc->sub[i];
	if (!s->spill && !(s->spill = calloc(65536, sizeof(*s->spill))))
		return 0;
	if (!sc->owner && !(sc->owner = calloc(65536 - PID_SPILL, 1)))
		return 0;
	if (!s->spill[p]) {
		if (sc->next_spill > 65535)
			return 0;
		s->spill[p] = (uint16_t)sc->next_spill;
		sc->owner[sc->next_spill - PID_SPILL] = (uint8_t)(i + 1);
		sc->next_spill++;
	}
	return s->spill[p];
}

/* The next event of program i, renumbered; false when it has ended (or
 * when the scenario failed: then w->failed is set). */
static bool pull(struct workload *w, struct sub *s, unsigned i, struct event *out)
{
	struct scenario *sc = w->state;
	if (s->pos == s->len) {
		s->len = workload_next(&s->wl, s->buf, SUB_BUF);
		s->pos = 0;
		if (s->len == 0) {
			s->done = true;
			return false;
		}
	}
	*out = s->buf[s->pos++];
	out->pid = pid_of(sc, i, out->pid);
	if (out->type == EV_EXEC)
		out->arg = i;
	else if (out->type == EV_FORK)
		out->arg = pid_of(sc, i, (unsigned)out->arg & 0xffff);
	if (!out->pid || (out->type == EV_FORK && !out->arg)) {
		w->failed = true;
		tpt_fail(&w->err, "[%s]: the scenario's programs have more processes than its "
				  "16-bit pids can number", w->names[i]);
		s->done = true;
		return false;
	}
	return true;
}

static size_t scenario_next(struct workload *w, struct event *ev, size_t n)
{
	struct scenario *sc = w->state;
	size_t k = 0;
	for (unsigned i = 0; i < sc->n; i++)
		if (sc->sub[i].wl.failed) {
			/* A program's trace broke: the scenario stops with its reason. */
			w->failed = true;
			w->err = sc->sub[i].wl.err;
			return 0;
		}
	while (k < n) {
		if (sc->phase == 0) {
			/* Warm-ups in order: each program up to its mark. */
			while (sc->cur < sc->n && (sc->sub[sc->cur].warm || sc->sub[sc->cur].done))
				sc->cur++;
			if (sc->cur == sc->n) {
				sc->phase = 1;
				continue;
			}
			struct sub *s = &sc->sub[sc->cur];
			if (!pull(w, s, sc->cur, &ev[k])) {
				if (s->wl.failed || w->failed)
					break;
				continue;
			}
			if (ev[k].type == EV_MARK)
				s->warm = true;
			else
				k++;
		} else if (sc->phase == 1) {
			ev[k++] = (struct event){.type = EV_MARK, .pid = 256};
			sc->phase = 2;
			sc->cur = 0;
			sc->used = 0;
		} else {
			unsigned live = 0;
			for (unsigned i = 0; i < sc->n; i++)
				live += !sc->sub[i].done;
			if (!live)
				break;
			struct sub *s = &sc->sub[sc->cur];
			if (s->done || sc->used >= sc->slice) {
				sc->cur = (sc->cur + 1) % sc->n;
				sc->used = 0;
				continue;
			}
			if (pull(w, s, sc->cur, &ev[k])) {
				sc->used += ev[k].instrs;
				k++;
			} else if (s->wl.failed || w->failed) {
				break;
			}
		}
	}
	return k;
}

static int scenario_init(struct workload *w, struct tpt_err *e)
{
	(void)w;
	(void)e;
	return 0;
}

static const struct opt no_params[] = {{0}};

static const struct workload_def scenario_def = {
	.name = "scenario",
	.summary = "",
	.params = no_params,
	.state_size = sizeof(struct scenario),
	.init = scenario_init,
	.next = scenario_next,
};

/* What a check (not a start) of a scenario gathers: its programs'
 * estimates added to *host and *fp, and the files it reads to fn. */
struct check {
	uint64_t *host, *fp, *events; /* events: 0 once a program's are unknown */
	workload_file_fn fn;
	void *ctx;
};

/* Opens the scenario, its programs started (start) or only checked (c,
 * which may be NULL). */
/* A scenario's file: path itself, or a bare name found among the shipped
 * scenarios, in the source tree this tpt was built from, else where it is
 * installed (TPT_DATA_DIRS, ':'-separated). found holds what was found. */
static const char *scenario_path(const char *path, char *found, size_t len, struct tpt_err *e)
{
	const char *dirs = TPT_DATA_DIRS;
	while (!strchr(path, '/') && access(path, R_OK) != 0 && *dirs) {
		size_t n = strcspn(dirs, ":");
		int k = snprintf(found, len, "%.*s/scenarios/%s.ini", (int)n, dirs, path);
		dirs += n + (dirs[n] == ':');
		if (k > 0 && (size_t)k < len && access(found, R_OK) == 0)
			path = found;
	}
	if (access(path, F_OK)) {
		tpt_fail(e, "cannot open scenario %s (a file, or a name in %s/scenarios)", path, TPT_DATA_DIRS);
		return NULL;
	}
	return path;
}

/* w as the scenario the INI text describes, its programs not yet opened. */
static int scenario_parse(struct workload *w, const char *path, char *text, uint64_t seed, struct tpt_err *e)
{
	struct scenario *sc = calloc(1, sizeof(*sc));
	if (!sc)
		return tpt_nomem(e);
	w->def = &scenario_def;
	w->state = sc;
	w->seed = seed;
	w->mlp = 1.0;
	w->mlp_of = mlp_of;
	w->close = close_scenario;
	sc->slice = 10000000;
	sc->sub = calloc(MAX_SUBS, sizeof(*sc->sub));
	sc->next_spill = PID_SPILL;
	struct parse ps = {w, sc, e, path, 0};
	int rc = sc->sub ? ini_parse_string(text, on_ini, &ps) : -2;
	if (rc == -2)
		return tpt_nomem(e);
	if (ps.failed)
		return -1;
	if (rc)
		return tpt_fail(e, "%s:%d: not a valid INI line", path, rc);
	if (sc->n == 0)
		return tpt_fail(e, "%s: no program: add a section with workload = SPEC", path);
	return 0;
}

/* Program i's cost from its spec alone: its host and simulated bytes
 * added to c's, its input files named to c. */
static int scenario_estimate(struct workload *w, unsigned i, const char *path, const struct check *c,
			     struct tpt_err *e)
{
	const struct sub *s = &((struct scenario *)w->state)->sub[i];
	struct tpt_err sub;
	uint64_t h, f, n;
	if (workload_estimate(s->spec, &h, &f, &n, &sub) || (c && c->fn && workload_files(s->spec, c->fn, c->ctx, &sub)))
		return tpt_fail(e, "%s: [%s]: %s", path, w->names[i], sub.msg);
	if (c && c->host) {
		*c->host += h;
		*c->fp += f;
		*c->events = n && (i == 0 || *c->events) ? *c->events + n : 0; /* unknown if one is */
	}
	return 0;
}

/* Program i opened, with its inputs, footprint and events added to w's
 * and its name to the spec (at *o). */
static int scenario_start(struct workload *w, unsigned i, const char *path, size_t *o, struct tpt_err *e)
{
	struct sub *s = &((struct scenario *)w->state)->sub[i];
	struct tpt_err sub;
	if (workload_open(&s->wl, s->spec, w->seed + i, &sub))
		return tpt_fail(e, "%s: [%s]: %s", path, w->names[i], sub.msg);
	s->open = true;
	for (unsigned k = 0; k < s->wl.ninputs && w->ninputs < 32; k++)
		w->inputs[w->ninputs++] = s->wl.inputs[k];
	w->footprint += workload_footprint(&s->wl);
	w->expected_events += s->wl.expected_events;
	if (s->tpt)
		memcpy(w->tpt_names[w->ntpt_names++], w->names[i], 16);
	if (*o < sizeof(w->spec))
		*o += (size_t)snprintf(w->spec + *o, sizeof(w->spec) - *o, "%s%s%s", i ? "," : "", w->names[i],
				       s->tpt ? "@tpt" : "");
	return 0;
}

static int open_scenario(struct workload *w, const char *path, uint64_t seed, bool start,
			 const struct check *c, struct tpt_err *e)
{
	char found[1024], *text;
	memset(w, 0, sizeof(*w));
	if (!(path = scenario_path(path, found, sizeof(found), e)) || opttab_read_ini(path, "scenario", &text, e))
		return -1;
	if (c && c->fn)
		c->fn(c->ctx, path);
	int rc = scenario_parse(w, path, text, seed, e);
	free(text);
	if (rc)
		goto fail;
	w->tpt_listed = true;
	const struct scenario *sc = w->state;
	size_t o = (size_t)snprintf(w->spec, sizeof(w->spec), "scenario:");
	for (unsigned i = 0; i < sc->n; i++) {
		if (!sc->sub[i].spec[0]) {
			tpt_fail(e, "%s: [%s] has no workload", path, w->names[i]);
			goto fail;
		}
		if (start ? scenario_start(w, i, path, &o, e) : scenario_estimate(w, i, path, c, e))
			goto fail;
	}
	return 0;
fail:
	workload_close(w);
	return -1;
}

int workload_open_scenario(struct workload *w, const char *path, uint64_t seed,
			   struct tpt_err *e)
{
	return open_scenario(w, path, seed, true, NULL, e);
}

int workload_check_scenario(const char *path, struct tpt_err *e)
{
	struct workload w;
	int rc = open_scenario(&w, path, 1, false, NULL, e);
	if (!rc)
		workload_close(&w);
	return rc;
}

int workload_estimate_scenario(const char *path, uint64_t *host, uint64_t *footprint,
			       uint64_t *events, struct tpt_err *e)
{
	struct workload w;
	uint64_t n = 0;
	*host = *footprint = 0;
	struct check c = {host, footprint, &n, NULL, NULL};
	int rc = open_scenario(&w, path, 1, false, &c, e);
	if (!rc)
		workload_close(&w);
	if (events)
		*events = rc ? 0 : n;
	return rc;
}

int workload_scenario_files(const char *path, workload_file_fn fn, void *ctx, struct tpt_err *e)
{
	struct workload w;
	struct check c = {NULL, NULL, NULL, fn, ctx};
	int rc = open_scenario(&w, path, 1, false, &c, e);
	if (!rc)
		workload_close(&w);
	return rc;
}
