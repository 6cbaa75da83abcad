/* SPDX-License-Identifier: MIT */
/*
 * child.h - other programs run by tpt (child.c): never through a shell,
 * standard input from /dev/null, killed when tpt dies. Called by the study
 * engine (GNU parallel, Slurm, gnuplot) and the TCG probe (QEMU).
 */
#ifndef TPT_BASE_CHILD_H
#define TPT_BASE_CHILD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* child_capture's status for a program stopped at its timeout. */
#define CHILD_LATE (-2)

/* Starts argv[0] (found in PATH) with argv: its standard output and error
 * to the descriptors out and err (-1: /dev/null), in a process group of its
 * own if group is set; it gets SIGTERM if this process dies. Its pid, or -1. */
pid_t child_spawn(char *const *argv, int out, int err, bool group);
/* Waits for pid: its exit status, 128 + a signal that killed it, 127 when
 * it could not be started, or -1 when it could not be waited for. */
int child_wait(pid_t pid);
/* Runs argv and reads its standard output, and its error too if err, (at
 * most len - 1 bytes, the rest read and dropped) into buf; its status as
 * child_wait's. With timeout_s (0: none) it runs in a group of its own,
 * killed whole once that long has passed: CHILD_LATE. */
int child_capture(char *const *argv, char *buf, size_t len, bool err, unsigned timeout_s);

#endif
