/* SPDX-License-Identifier: MIT */
/*
 * knob.h - the TPT guest kernel's knob, <sysfs>/kernel/mm/devirt/task_name:
 * one process name (at most 15 bytes, the kernel's TASK_COMM_LEN - 1); a
 * program whose name matches when it starts runs with TPT.
 */
#ifndef TPTD_KNOB_H
#define TPTD_KNOB_H

#include <stdbool.h>
#include <stddef.h>

void knob_path(char *out, size_t n, const char *sysfs);
bool knob_present(const char *sysfs);
/* The armed name ("" none), without the newline. 0 or -1 (errno). */
int knob_read(const char *sysfs, char *name, size_t n);
/* Arms name ("" disarms). -1 with errno, or EINVAL for a name over 15 bytes. */
int knob_write(const char *sysfs, const char *name);

#endif
