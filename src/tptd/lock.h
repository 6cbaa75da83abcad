/* SPDX-License-Identifier: MIT */
/*
 * lock.h - one watching tptd per machine.
 *
 * Two tptd that watch the same process corrupt each other's numbers: each
 * clears the process's accessed bits after reading them, so the other
 * reads only what was touched since (a hot set near zero, a walk share of
 * 0), and both may act on it. So a tptd that watches (--once, --foreground,
 * the daemon) first takes an exclusive flock(2) on [tptd] lock and holds it
 * until it exits; a second one gets one line naming the holder's pid,
 * which the holder keeps written in the file. The reports (--status,
 * --probe, --replay...) take no lock. Called by main.c only.
 */
#ifndef TPTD_LOCK_H
#define TPTD_LOCK_H

#include "tpt/base/util.h"

/* Takes the lock at path, making its directory (0755) if it is missing.
 * An unprivileged user who may not create it (no privileged tptd has run
 * since boot) takes /run/user/UID/tptd.lock instead. Returns the descriptor
 * that holds it (close-on-exec; kept open until exit), or -1 with e saying
 * why: held by another tptd, or not openable. */
int lock_take(const char *path, struct tpt_err *e);
/* Writes this process's pid into the held file: after taking the lock,
 * and again after detaching, whose fork keeps the lock but not the pid. */
void lock_note_pid(int fd);

#endif
