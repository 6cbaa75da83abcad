/* SPDX-License-Identifier: MIT */
/*
 * lock.c - the lock file of the one watching tptd (see lock.h).
 *
 * flock(2) belongs to the open file description, so it survives daemon(3)'s
 * fork and is released by the kernel however the holder ends: a stale file
 * never blocks. The file is opened without O_CREAT first, because in a
 * sticky world-writable directory such as /run/lock (fs.protected_regular)
 * O_CREAT on a file another user made fails even for root; read-only where
 * the file is not ours to write (the unit's, for a user), since flock needs
 * no write access.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lock.h"
#include "proc.h"
#include "state.h"

static int open_lock(const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 && errno == EACCES)
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 && errno == ENOENT) {
		fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
		if (fd >= 0)
			fchmod(fd, 0644); /* readable whatever the umask: others read the pid */
	}
	return fd;
}

/* The lock at path; -1 with e said and errno kept from the failing call
 * (EWOULDBLOCK: held). */
static int take_at(const char *path, struct tpt_err *e)
{
	char dir[4096];
	if (state_make_parent(path, 0755, dir, sizeof(dir))) {
		int err = errno;
		tpt_fail(e, "cannot create the lock directory %s: %s (see [tptd] lock)", dir, strerror(err));
		errno = err;
		return -1;
	}
	int fd = open_lock(path);
	if (fd < 0) {
		int err = errno;
		tpt_fail(e, "cannot open the lock file %s: %s (see [tptd] lock)", path, strerror(err));
		errno = err;
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		tpt_fail(e, "lock file %s is not a regular file", path);
		errno = EINVAL;
		return -1;
	}
	if (!flock(fd, LOCK_EX | LOCK_NB)) {
		lock_note_pid(fd);
		return fd;
	}
	int err = errno;
	char buf[32] = "";
	ssize_t n = err == EWOULDBLOCK ? pread(fd, buf, sizeof(buf) - 1, 0) : -1;
	close(fd);
	long pid = n > 0 ? strtol(buf, NULL, 10) : 0;
	/* A live tptd: the file may hold an old holder's pid when the present
	 * one could open it only read-only. */
	struct proc_stat holder;
	if (err != EWOULDBLOCK)
		tpt_fail(e, "cannot lock %s: %s", path, strerror(err));
	else if (pid > 0 && !proc_read_stat((pid_t)pid, &holder) && !strcmp(holder.comm, "tptd"))
		tpt_fail(e, "another tptd (pid %ld) is watching processes; it holds %s, and two would clear "
			 "each other's accessed bits", pid, path);
	else
		tpt_fail(e, "another tptd is watching processes; it holds %s, and two would clear each "
			 "other's accessed bits", path);
	errno = err;
	return -1;
}

int lock_take(const char *path, struct tpt_err *e)
{
	int fd = take_at(path, e);
	if (fd >= 0 || (errno != EACCES && errno != EPERM) || geteuid() == 0)
		return fd;
	/* An unprivileged user where no privileged tptd has made the lock:
	 * the user's runtime directory, where that user's own tptd meet. */
	char dir[48], user[64];
	struct stat st;
	snprintf(dir, sizeof(dir), "/run/user/%u", (unsigned)getuid());
	snprintf(user, sizeof(user), "%s/tptd.lock", dir);
	if (stat(dir, &st) || !S_ISDIR(st.st_mode))
		return -1; /* e says why the configured lock failed */
	return take_at(user, e);
}

void lock_note_pid(int fd)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	/* A file held read-only keeps its old contents (take_at checks them). */
	if (ftruncate(fd, 0) == 0) {
		ssize_t w = pwrite(fd, buf, (size_t)n, 0);
		(void)w;
	}
}
