/* SPDX-License-Identifier: MIT */
/*
 * helpers.h - shared set-up for the tests: a simulator over a workload's
 * regions, driven access by access.
 */
#ifndef TPT_TEST_HELPERS_H
#define TPT_TEST_HELPERS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tpt/base/config.h"
#include "tpt/sim/report.h"
#include "tpt/sim/sim.h"

static int scratch_rm(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb, (void)flag, (void)ftw;
	return remove(path);
}

static char scratch_dir[64];

static void scratch_cleanup(void)
{
	nftw(scratch_dir, scratch_rm, 8, FTW_DEPTH | FTW_PHYS);
}

/*
 * A path for a test's file in a directory of this test process's own
 * (mkdtemp, removed at exit), so that suites run side by side never share
 * a file. Eight paths stay valid at once.
 */
static inline const char *scratch(const char *name)
{
	static char buf[8][128];
	static unsigned next;
	if (!scratch_dir[0]) {
		snprintf(scratch_dir, sizeof(scratch_dir), "/tmp/tpt-test-XXXXXX");
		if (!mkdtemp(scratch_dir))
			abort();
		atexit(scratch_cleanup);
	}
	char *p = buf[next++ % 8];
	snprintf(p, sizeof(buf[0]), "%s/%s", scratch_dir, name);
	return p;
}

struct tsim {
	struct tpt_config cfg;
	struct workload wl;
	struct sim s;
};

/* Runs the workload's prologue: its process is exec'd, its regions mapped. */
static inline void tsim_start(struct tsim *t)
{
	struct event ev[16];
	struct tpt_err e;
	size_t n = wl_prologue(&t->wl, ev);
	if (sim_events(&t->s, ev, n, &e))
		fail_msg("prologue: %s", e.msg);
}

static inline struct tsim *tsim_new(const char *scheme, unsigned gshift, unsigned hshift,
				    int levels, bool no_caches, const char *spec)
{
	struct tsim *t = calloc(1, sizeof(*t));
	struct tpt_err e;
	assert_non_null(t);
	config_defaults(&t->cfg);
	if (workload_open(&t->wl, spec, 1, &e))
		fail_msg("workload %s: %s", spec, e.msg);
	struct sim_params prm = {.scheme = scheme_find(scheme), .guest_shift = gshift,
				 .host_shift = hshift, .levels = levels, .no_walk_caches = no_caches};
	assert_non_null(prm.scheme);
	if (sim_init(&t->s, &t->cfg, &prm, &t->wl, &e))
		fail_msg("sim_init %s: %s", scheme, e.msg);
	tsim_start(t);
	return t;
}

static inline void tsim_free(struct tsim *t)
{
	sim_fini(&t->s);
	workload_close(&t->wl);
	free(t);
}

static inline void tsim_access(struct tsim *t, uint64_t va, bool write)
{
	struct tpt_err e;
	if (sim_access(&t->s, va, write, 1, &e))
		fail_msg("access %#llx: %s", (unsigned long long)va, e.msg);
}

static inline void tsim_check(struct tsim *t)
{
	struct tpt_err e;
	if (sim_check(&t->s, &e))
		fail_msg("check: %s", e.msg);
}

/* The workload's whole run, the checkers after it, and its totals. */
static inline void tsim_run(struct tsim *t, struct tpt_stats *tot)
{
	struct tpt_err e;
	if (sim_run(&t->s, &e))
		fail_msg("run: %s", e.msg);
	tsim_check(t);
	sim_totals(&t->s, tot);
}

/* Feeds one event as the run loop would; fails the test on an error. */
/* One hardware walk of va by the running process, with the registers its
 * scheme loads, as the simulator does on a TLB miss. */
static inline int tsim_walk(struct sim *s, uint64_t va, bool write, struct walk *w)
{
	struct mmu_regs r;
	s->scheme->regs(&s->vm, s->vm.cur, &r);
	w->st = sim_account(s);
	return s->scheme->walk(&s->mmu, &r, va, write, w);
}

static inline void tsim_event(struct tsim *t, struct event ev)
{
	struct tpt_err e;
	if (sim_events(&t->s, &ev, 1, &e))
		fail_msg("event %u of pid %u: %s", ev.type, ev.pid, e.msg);
}

/* With names (n of them), only those programs are armed for TPT (ARM_LIST);
 * without, what the workload arms (every program, for a generator). */
static inline struct tsim *tsim_cfg_arm(const char *scheme, const struct tpt_config *cfg,
					unsigned gshift, unsigned hshift, const char *spec,
					const char (*names)[16], unsigned n)
{
	struct tsim *t = calloc(1, sizeof(*t));
	struct tpt_err e;
	t->cfg = *cfg;
	if (workload_open(&t->wl, spec, 1, &e))
		fail_msg("workload %s: %s", spec, e.msg);
	struct sim_params prm = {.scheme = scheme_find(scheme), .guest_shift = gshift,
				 .host_shift = hshift, .levels = 4, .seed = 1,
				 .arm = names ? ARM_LIST : ARM_WORKLOAD, .arm_names = names,
				 .narm = n};
	assert_non_null(prm.scheme);
	if (sim_init(&t->s, &t->cfg, &prm, &t->wl, &e))
		fail_msg("sim_init %s: %s", scheme, e.msg);
	return t;
}

static inline struct tsim *tsim_cfg(const char *scheme, const struct tpt_config *cfg,
				    unsigned gshift, unsigned hshift, const char *spec)
{
	return tsim_cfg_arm(scheme, cfg, gshift, hshift, spec, NULL, 0);
}

#define EV(...) ((struct event){__VA_ARGS__})

/* Levels walked for a page of 1 << shift on an n-level table. */
static inline unsigned levels_for(int levels, unsigned shift)
{
	return (unsigned)levels - (shift - 12) / 9;
}

/* Writes text to a file the test owns. */
static inline void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* Every event a source yields, in a growing array the caller frees. */
typedef size_t (*event_source_fn)(void *src, struct event *ev, size_t n);

/* workload_run's feed for a whole run: the events into the simulator, and
 * every checker after each 8th batch. */
struct tsim_drive {
	struct sim *s;
	unsigned batches;
};

static inline int tsim_feed(void *ctx, const struct event *ev, size_t n, struct tpt_err *e)
{
	struct tsim_drive *d = ctx;
	if (sim_events(d->s, ev, n, e))
		return -1;
	if (++d->batches % 8 == 0 && sim_check(d->s, e))
		fail_msg("after batch %u: %s", d->batches, e->msg);
	return 0;
}

static inline struct event *drain_events(event_source_fn next, void *src, size_t *count)
{
	enum { CHUNK = 4096 };
	size_t cap = 1 << 16, n = 0, k;
	struct event *ev = malloc(cap * sizeof(*ev));
	assert_non_null(ev);
	while ((k = next(src, ev + n, cap - n < CHUNK ? cap - n : CHUNK)) > 0) {
		n += k;
		if (cap - n < CHUNK) {
			cap *= 2;
			ev = realloc(ev, cap * sizeof(*ev));
			assert_non_null(ev);
		}
	}
	*count = n;
	return ev;
}

#endif
