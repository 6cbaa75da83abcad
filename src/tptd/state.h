/* SPDX-License-Identifier: MIT */
/*
 * state.h - tptd's state file: the only file it writes.
 *
 * JSON, replaced atomically (written beside it, then renamed) after every
 * round. It holds the per-program record of past decisions that outlives
 * processes and reboots (the tpt actuator arms a program's name before its
 * next start from it), the name armed and when, and the watch table that
 * `tptd --status` and `tptctl status` print. A file that exists but cannot
 * be parsed is never overwritten: tptd refuses to start.
 */
#ifndef TPTD_STATE_H
#define TPTD_STATE_H

#include <stdbool.h>
#include <sys/types.h>
#include <stdint.h>
#include <stdio.h>

#include "tpt/base/util.h"

struct program {
	char name[16];
	bool on;          /* the last decision: should run with TPT / huge pages */
	double gain;      /* the estimated net gain share behind it */
	int64_t decided;  /* unix time */
	uint64_t decisions, runs; /* runs: processes of this name seen */
};

struct state {
	struct program *prog;
	size_t n, cap;
	char armed[16];     /* what tptd last wrote to the knob ("" none) */
	uint64_t armed_at;  /* clock ticks after boot */
	uint64_t boot_id_hash; /* armed_at means nothing after a reboot */
};

/* Creates the state file's directory (mode 0700) when it is missing and its
 * parent exists, as systemd's StateDirectory= would. */
int state_prepare_dir(const char *path, struct tpt_err *e);
/* The same for any file tptd keeps (the state file's, the lock's): the
 * directory of path into dir, made with mode when it is missing (one
 * level). 0, or -1 with errno. */
int state_make_parent(const char *path, mode_t mode, char *dir, size_t n);
/* Reads path into s (a missing file is an empty state). */
int state_load(struct state *s, const char *path, struct tpt_err *e);
struct program *state_program(struct state *s, const char *name, bool create);
void state_free(struct state *s);
uint64_t state_boot_id(void);

/* Prints the watch table of a state file (tptd --status, tptctl status). */
int state_print_status(FILE *out, const char *path, struct tpt_err *e);

#endif
