/* SPDX-License-Identifier: MIT */
/*
 * knob.c - reading and writing the TPT knob (see knob.h).
 *
 * Called by the daemon's tpt actuator. A name is written as `echo NAME >`
 * would write it, newline included.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "knob.h"

void knob_path(char *out, size_t n, const char *sysfs)
{
	snprintf(out, n, "%s/kernel/mm/devirt/task_name", sysfs);
}

bool knob_present(const char *sysfs)
{
	char p[4200];
	knob_path(p, sizeof(p), sysfs);
	return access(p, F_OK) == 0;
}

int knob_read(const char *sysfs, char *name, size_t n)
{
	char p[4200];
	knob_path(p, sizeof(p), sysfs);
	int fd = open(p, O_RDONLY | O_CLOEXEC | O_NOFOLLOW); /* never a link it did not make */
	if (fd < 0)
		return -1;
	char buf[64];
	ssize_t got = read(fd, buf, sizeof(buf) - 1);
	int e = errno;
	close(fd);
	if (got < 0) {
		errno = e;
		return -1;
	}
	buf[got] = 0;
	buf[strcspn(buf, "\n")] = 0;
	snprintf(name, n, "%s", buf);
	return 0;
}

int knob_write(const char *sysfs, const char *name)
{
	if (strlen(name) > 15) {
		errno = EINVAL;
		return -1;
	}
	char p[4200], buf[20];
	knob_path(p, sizeof(p), sysfs);
	/* O_TRUNC: a regular file standing in for sysfs (tests) must not keep
	 * the tail of a longer name; on sysfs it is ignored. */
	int fd = open(p, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -1;
	int len = snprintf(buf, sizeof(buf), "%s\n", name);
	ssize_t w = write(fd, buf, (size_t)len);
	int e = errno;
	if (close(fd) || w != len) {
		errno = w < 0 ? e : EIO;
		return -1;
	}
	return 0;
}
