/* SPDX-License-Identifier: MIT */
/*
 * counters.h - per-thread perf counter groups for one process, with events
 * named through libpfm4.
 *
 * A counter set is a list of events, each with a role (cycles, walk cycles,
 * ...), resolved once at start-up: hardware events through libpfm4, so the
 * encoding fits this CPU generation (Intel renamed and renumbered its walk
 * events across Haswell, Skylake, Ice Lake and Sapphire Rapids); software
 * events (task clock, page faults) through libpfm4's perf:: table.
 *
 * A process is counted by one group of up to CTR_GROUP events per thread
 * that existed when it was opened, each with `inherit`, so threads it
 * creates later count in their creator's group; each round's rescan adds
 * threads that started before the open but were missed by the listing.
 * Groups that the PMU had to multiplex are scaled by time enabled / time
 * running.
 */
#ifndef TPTD_COUNTERS_H
#define TPTD_COUNTERS_H

#include <perfmon/pfmlib_perf_event.h> /* libpfm4 ships its own perf_event.h */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "tpt/base/util.h"

#define CTR_MAX 10
#define CTR_GROUP 4

enum ctr_role { ROLE_CYCLES, ROLE_INSTRS, ROLE_WALK_CYCLES, ROLE_WALKS, ROLE_TASK_CLOCK,
		ROLE_FAULTS, ROLE_N };

extern const char *const ctr_role_name[ROLE_N];

struct ctr_event {
	enum ctr_role role;
	char name[64];  /* as asked of libpfm4 */
	char fstr[256]; /* libpfm4's fully qualified encoding */
	struct perf_event_attr attr;
};

struct ctr_set {
	struct ctr_event ev[CTR_MAX];
	int n;
};

struct ctr_thread {
	pid_t tid;
	int fd[CTR_MAX]; /* -1: not open; group leaders at multiples of CTR_GROUP */
};

struct ctr_proc {
	struct ctr_thread *t;
	size_t n, cap;
	uint64_t opened; /* clock ticks after boot: later threads are inherited */
};

/* The hardware set: cycles, instructions, walk cycles and walks, each the
 * first candidate name libpfm4 encodes for this CPU. -1 if libpfm4 cannot
 * initialise or knows no cycles event; e says why. */
int ctr_set_pmu(struct ctr_set *s, struct tpt_err *e);
/* The software set: task clock (ns) and page faults. */
int ctr_set_sw(struct ctr_set *s, struct tpt_err *e);
/* Whether the set has an event with this role. */
bool ctr_has(const struct ctr_set *s, enum ctr_role r);

/* Opens the groups on every thread of pid. 0, or -1 with errno (EACCES:
 * perf_event_paranoid or capabilities; ESRCH: gone; ENOENT: no such PMU). */
int ctr_open(struct ctr_proc *p, const struct ctr_set *s, pid_t pid);
/* Adds threads that started before the open and have no group yet. */
int ctr_rescan(struct ctr_proc *p, const struct ctr_set *s, pid_t pid);
/* Sums over threads, scaled for multiplexing, by role. */
int ctr_read(const struct ctr_proc *p, const struct ctr_set *s, double out[ROLE_N]);
void ctr_close(struct ctr_proc *p);

#endif
