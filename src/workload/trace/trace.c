/* SPDX-License-Identifier: MIT */
/*
 * trace.c - traces of any format (see trace.h): detection and dispatch to
 * the format's reader or writer, the writers' temporary files, and the
 * counts behind `tpt trace info`. What the formats themselves share is in
 * reader.c.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "trace_internal.h"

/* The formats, in enum trace_format's order, which is also the order
 * detection asks them in. */
static const struct trace_fmt *const formats[] = {&trace_fmt_tpt, &trace_fmt_lackey,
						       &trace_fmt_champsim};
_Static_assert(ARRAY_LEN(formats) == TRACE_CHAMPSIM + 1, "a format per enum trace_format");

const char *trace_format_name(int format)
{
	return format >= 0 && format <= TRACE_CHAMPSIM ? formats[format]->name : "?";
}

int trace_format_parse(const char *name)
{
	for (size_t i = 0; i < ARRAY_LEN(formats); i++)
		if (!strcmp(name, formats[i]->name))
			return (int)i;
	return -1;
}

/* The first format that recognises the first bytes (plain or through xz);
 * anything none does is refused, not guessed. */
static int detect(struct source *s, const char *path, struct tpt_err *e)
{
	const uint8_t *head;
	size_t got = source_peek(s, &head);
	if (s->err.msg[0])
		return tpt_fail(e, "%s: %s", path, s->err.msg);
	if (got == 0)
		return tpt_fail(e, "%s: empty trace", path);
	for (size_t i = 0; i < ARRAY_LEN(formats); i++) {
		int rc = formats[i]->recognise(head, got, path, e);
		if (rc)
			return rc < 0 ? -1 : (int)i;
	}
	return tpt_fail(e, "%s: not a tpt, lackey or ChampSim trace (give --format to read it as one)",
			path);
}

static void ahead_start(struct trace_reader *r);

int trace_open(struct trace_reader **out, const char *path, int format, struct tpt_err *e)
{
	*out = NULL;
	struct trace_reader *r = calloc(1, sizeof(*r));
	if (!r)
		return tpt_nomem(e);
	r->path = path;
	int rc;
	if (recording_is(path)) {
		/* A recording's directory: Valgrind logs (lackey's or tpt's tool's), under lackey's name. */
		r->format = TRACE_LACKEY;
		rc = format != TRACE_AUTO && format != TRACE_LACKEY
			     ? tpt_fail(e, "%s: a recording is read as lackey logs", path)
			     : recording_open(r, e);
	} else {
		if (source_open(&r->src, path, e)) {
			free(r);
			return -1;
		}
		if (format == TRACE_AUTO && (format = detect(&r->src, path, e)) < 0) {
			trace_close(r);
			return -1;
		}
		r->format = format;
		rc = formats[format]->open(r, e);
	}
	if (rc) {
		trace_close(r);
		return -1;
	}
	ahead_start(r);
	*out = r;
	return 0;
}

/* The format's reader, in whichever thread decodes. */
static size_t decode(struct trace_reader *r, struct event *ev, size_t n)
{
	if (r->failed || r->done || n < 3)
		return 0;
	size_t k = r->read(r, ev, n);
	if (k == 0)
		r->done = true;
	return r->failed ? 0 : k;
}

static void *ahead_main(void *arg)
{
	struct trace_reader *r = arg;
	struct ahead *a = r->ahead;
	for (;;) {
		pthread_mutex_lock(&a->lock);
		while (a->made - a->used == AHEAD_BATCHES && !a->stop)
			pthread_cond_wait(&a->cond, &a->lock);
		bool stop = a->stop;
		pthread_mutex_unlock(&a->lock);
		if (stop)
			return NULL;
		struct ahead_batch *b = &a->b[a->made % AHEAD_BATCHES];
		size_t k;
		b->n = 0;
		while (b->n + 3 <= AHEAD_EVENTS && (k = decode(r, b->ev + b->n, AHEAD_EVENTS - b->n)))
			b->n += k;
		memcpy(b->names, r->names, sizeof(b->names));
		pthread_mutex_lock(&a->lock);
		if (b->n)
			a->made++;
		a->end = r->done || r->failed;
		pthread_cond_broadcast(&a->cond);
		pthread_mutex_unlock(&a->lock);
		if (a->end)
			return NULL;
	}
}

static void ahead_free(struct trace_reader *r)
{
	struct ahead *a = r->ahead;
	pthread_mutex_destroy(&a->lock);
	pthread_cond_destroy(&a->cond);
	free(a->b);
	free(a);
	r->ahead = NULL;
}

/* Starts decoding ahead; on any failure the reader simply decodes in place. */
static void ahead_start(struct trace_reader *r)
{
	struct ahead *a = calloc(1, sizeof(*a));
	if (!a || !(a->b = malloc(AHEAD_BATCHES * sizeof(*a->b)))) {
		free(a);
		return;
	}
	pthread_mutex_init(&a->lock, NULL);
	pthread_cond_init(&a->cond, NULL);
	r->ahead = a;
	if (pthread_create(&a->thread, NULL, ahead_main, r))
		ahead_free(r);
}

static void ahead_stop(struct trace_reader *r)
{
	struct ahead *a = r->ahead;
	if (!a)
		return;
	pthread_mutex_lock(&a->lock);
	a->stop = true;
	pthread_cond_broadcast(&a->cond);
	pthread_mutex_unlock(&a->lock);
	pthread_join(a->thread, NULL);
	ahead_free(r);
}

size_t trace_read(struct trace_reader *r, struct event *ev, size_t n)
{
	struct ahead *a = r->ahead;
	if (!a)
		return decode(r, ev, n);
	pthread_mutex_lock(&a->lock);
	while (a->used == a->made && !a->end)
		pthread_cond_wait(&a->cond, &a->lock);
	size_t k = 0;
	if (a->used < a->made) {
		struct ahead_batch *b = &a->b[a->used % AHEAD_BATCHES];
		k = b->n - a->pos < n ? b->n - a->pos : n;
		if (a->pos == 0)
			memcpy(a->names, b->names, sizeof(a->names));
		memcpy(ev, b->ev + a->pos, k * sizeof(*ev));
		a->pos += k;
		if (a->pos == b->n) {
			a->pos = 0;
			a->used++;
			pthread_cond_broadcast(&a->cond);
		}
	}
	pthread_mutex_unlock(&a->lock);
	return k;
}

const char *trace_error(const struct trace_reader *r)
{
	/* While decoding ahead, the decoder's verdict counts once all it made is read. */
	if (r->ahead) {
		struct ahead *a = r->ahead;
		pthread_mutex_lock(&a->lock);
		bool said = a->end && a->used == a->made && r->failed;
		pthread_mutex_unlock(&a->lock);
		return said ? r->err.msg : NULL;
	}
	return r->failed ? r->err.msg : NULL;
}

int trace_format_of(const struct trace_reader *r)
{
	return r->format;
}

const char *trace_name(const struct trace_reader *r, unsigned idx)
{
	if (idx >= 32)
		return "";
	return r->ahead ? r->ahead->names[idx] : r->names[idx];
}

uint64_t trace_footprint(const struct trace_reader *r)
{
	return r->footprint;
}

void trace_close(struct trace_reader *r)
{
	if (!r)
		return;
	ahead_stop(r);
	if (r->close)
		r->close(r);
	source_close(&r->src);
	free(r);
}

/* --- writers -------------------------------------------------------------- */

int trace_create(struct trace_writer **out, const char *path, int format, struct tpt_err *e)
{
	*out = NULL;
	size_t len = strlen(path);
	bool xz = len > 3 && !strcmp(path + len - 3, ".xz");
	if (format == TRACE_AUTO)
		format = xz || (len > 9 && !strcmp(path + len - 9, ".champsim")) ? TRACE_CHAMPSIM
										 : TRACE_TPT;
	if (format == TRACE_TPT && xz)
		return tpt_fail(e, "%s: a tpt trace is compressed with zstd, not xz: drop the .xz, or "
				   "write ChampSim (--to champsim)", path);
	if (format < 0 || format > TRACE_CHAMPSIM || !formats[format]->create)
		return tpt_fail(e, "traces are written as tpt or champsim, not %s",
				format >= 0 && format <= TRACE_CHAMPSIM ? formats[format]->name : "?");
	struct trace_writer *w = calloc(1, sizeof(*w));
	if (!w)
		return tpt_nomem(e);
	w->format = format;
	w->path = strdup(path);
	if (!w->path) {
		trace_abort(w);
		return tpt_nomem(e);
	}
	if (outfile_open(&w->of, path, e)) {
		trace_abort(w);
		return -1;
	}
	w->f = w->of.f;
	int rc = formats[format]->create(w, xz, e);
	if (rc) {
		trace_abort(w);
		return -1;
	}
	*out = w;
	return 0;
}

int trace_write(struct trace_writer *w, const struct event *ev, size_t n,
		const char (*names)[16], struct tpt_err *e)
{
	return w->write(w, ev, n, names, e);
}

uint64_t trace_dropped(const struct trace_writer *w)
{
	return w->dropped;
}

int trace_finish(struct trace_writer *w, struct tpt_err *e)
{
	int rc = w->finish(w, e);
	if (!rc && outfile_close(&w->of, true, e))
		rc = -1;
	w->f = NULL;
	if (rc) {
		trace_abort(w);
		return -1;
	}
	if (w->free)
		w->free(w);
	free(w->path);
	free(w);
	return 0;
}

void trace_abort(struct trace_writer *w)
{
	if (!w)
		return;
	struct tpt_err ignored;
	if (w->f)
		outfile_close(&w->of, false, &ignored);
	if (w->free)
		w->free(w);
	free(w->path);
	free(w);
}

/* --- counts --------------------------------------------------------------- */

int trace_counter_init(struct trace_counter *c)
{
	memset(c, 0, sizeof(*c));
	c->pids = calloc(65536 / 8, 1);
	c->procs = calloc(65536, sizeof(*c->procs));
	for (int i = 0; i < 4; i++) {
		struct pageset **ps = i < 3 ? &c->sets[i] : &c->wpages;
		*ps = malloc(sizeof(struct pageset));
		if (!*ps || pageset_init(*ps))
			return -1;
	}
	return c->pids && c->procs ? 0 : -1;
}

void trace_counter_add(struct trace_counter *c, const struct event *ev, size_t n,
		       const char (*names)[16])
{
	static const unsigned shift[3] = {12, 21, 30};
	struct trace_stats *st = &c->st;
	for (size_t i = 0; i < n; i++) {
		const struct event *x = &ev[i];
		st->events++;
		st->by_type[x->type & 15]++;
		st->instructions += x->instrs;
		if (!(c->pids[x->pid >> 3] >> (x->pid & 7) & 1)) {
			c->pids[x->pid >> 3] |= (uint8_t)(1u << (x->pid & 7));
			st->processes++;
		}
		struct trace_proc *p = &c->procs[x->pid];
		p->instructions += x->instrs;
		if (x->type == EV_EXEC) {
			p->execs++;
			memcpy(p->name, names[x->arg < 32 ? x->arg : 0], 16);
			p->name[15] = 0;
		} else if (x->type == EV_FORK && x->arg < 65536) {
			c->procs[x->arg].parent = x->pid;
			memcpy(c->procs[x->arg].name, p->name, 16);
		} else if (x->type == EV_EXIT) {
			p->exited = true;
		} else if (x->type == EV_SYSCALL) {
			p->syscalls += x->arg;
		}
		if (x->type > EV_WRITE)
			continue;
		p->accesses++;
		st->accesses++;
		st->reads += x->type == EV_READ;
		st->writes += x->type == EV_WRITE;
		for (int s = 0; s < 3; s++)
			if (pageset_add(c->sets[s], x->va >> shift[s]) > 0)
				st->pages[s]++;
		if (c->window) {
			pageset_add(c->wpages, x->va >> shift[0]);
			if (++c->in_window == c->window) {
				uint64_t np = c->wpages->n;
				st->window_pages += np;
				st->window_min = st->windows && st->window_min < np ? st->window_min : np;
				st->window_max = st->window_max > np ? st->window_max : np;
				st->windows++;
				c->in_window = 0;
				pageset_clear(c->wpages);
			}
		}
	}
}

void trace_counter_fini(struct trace_counter *c)
{
	for (int i = 0; i < 3; i++)
		if (c->sets[i]) {
			pageset_fini(c->sets[i]);
			free(c->sets[i]);
		}
	if (c->wpages) {
		pageset_fini(c->wpages);
		free(c->wpages);
	}
	free(c->pids);
	free(c->procs);
	memset(c, 0, sizeof(*c));
}
