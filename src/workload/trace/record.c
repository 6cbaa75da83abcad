/* SPDX-License-Identifier: MIT */
/*
 * record.c - runs a real program under Valgrind lackey and keeps one log
 * per program run, the recording that recording.c reads.
 *
 * Valgrind writes each process's log to DIR/PID.lk (its --log-file=%p):
 * a forked child opens its own, and a program started by exec opens the
 * same name again, truncating it. So the recorder watches DIR (inotify)
 * and renames every new DIR/PID.lk to DIR/SEQ.PID.lk at once; the file
 * stays open in Valgrind under its new name, and SEQ orders the logs by
 * creation. Valgrind opens its log before the program's first instruction,
 * so an exec cannot reopen the old name before the rename, unless the
 * recorder is held off the CPU for that long; then two opens of one name
 * fall between its creation and its rename, and the recording is refused
 * rather than silently short.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tpt/workload/trace.h"

#define PID_LIMIT 4194304 /* Linux's largest pid_max */

struct watch {
	int fd;
	const char *dir;
	uint32_t seq;
	uint8_t *opens; /* per pid: opens of DIR/PID.lk since it was created */
	bool lost, overflow;
};

static bool log_pid(const char *name, uint32_t *pid)
{
	unsigned p;
	int used = 0;
	if (sscanf(name, "%u.lk%n", &p, &used) != 1 || name[used] || !p || p > PID_LIMIT)
		return false;
	*pid = p;
	return true;
}

/* Handles the events waiting; false when the watch failed. */
static bool drain(struct watch *w)
{
	char buf[16384] __attribute__((aligned(__alignof__(struct inotify_event))));
	for (;;) {
		ssize_t n = read(w->fd, buf, sizeof(buf));
		if (n <= 0)
			return n == 0 || errno == EAGAIN || errno == EINTR;
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const void *)p;
			p += sizeof(*ev) + ev->len;
			uint32_t pid;
			if (ev->mask & IN_Q_OVERFLOW)
				w->overflow = true;
			if (!ev->len || !log_pid(ev->name, &pid))
				continue;
			if (ev->mask & IN_CREATE) {
				char from[4096], to[4096];
				snprintf(from, sizeof(from), "%s/%s", w->dir, ev->name);
				snprintf(to, sizeof(to), "%s/%u.%u.lk", w->dir, ++w->seq, pid);
				if (rename(from, to))
					w->lost = true;
				w->opens[pid] = 0;
			}
			if ((ev->mask & IN_OPEN) && ++w->opens[pid] > 1)
				w->lost = true; /* a second program's log truncated the first's */
		}
	}
}

/* Valgrind's command line: lackey tracing every access and the system
 * calls the trace needs, one log a process in dir, then argv. */
static char **valgrind_args(char *const argv[], bool children, char *logarg)
{
	size_t n = 0;
	while (argv[n])
		n++;
	char **args = calloc(n + 9, sizeof(*args));
	if (!args)
		return NULL;
	size_t a = 0;
	args[a++] = "valgrind";
	args[a++] = "--tool=lackey";
	args[a++] = "--trace-mem=yes";
	args[a++] = "--trace-syscalls=yes"; /* mmap, munmap, mprotect, brk, forks, kernel entries */
	args[a++] = children ? "--trace-children=yes" : "--child-silent-after-fork=yes";
	args[a++] = logarg;
	args[a++] = "--vgdb=no"; /* no gdbserver, and no pipes of its left in TMPDIR when killed */
	for (size_t i = 0; i < n; i++)
		args[a++] = argv[i];
	return args;
}

/* Valgrind started as a child that dies with the recorder; its pid, or -1. */
static pid_t valgrind_start(char **args, struct tpt_err *e)
{
	pid_t recorder = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		tpt_fail(e, "cannot start valgrind: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != recorder)
			_exit(127); /* it ended before the line above */
		execvp("valgrind", args);
		fprintf(stderr, "tpt trace: cannot run valgrind (install it: apt-get install valgrind)\n");
		_exit(127);
	}
	return pid;
}

/* Follows the logs valgrind opens in w->dir until it ends (*status). */
static int valgrind_wait(struct watch *w, pid_t pid, int *status, struct tpt_err *e)
{
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0), rc = 0;
	for (;;) {
		struct pollfd fds[2] = {{.fd = w->fd, .events = POLLIN}, {.fd = pidfd, .events = POLLIN}};
		int ready = poll(fds, pidfd >= 0 ? 2 : 1, pidfd >= 0 ? -1 : 50);
		if (ready < 0 && errno != EINTR) {
			rc = tpt_fail(e, "poll: %s", strerror(errno));
			break;
		}
		if (!drain(w)) {
			rc = tpt_fail(e, "reading the watch on %s: %s", w->dir, strerror(errno));
			break;
		}
		pid_t done = waitpid(pid, status, WNOHANG);
		if (done == pid)
			break;
		if (done < 0 && errno != EINTR) {
			rc = tpt_fail(e, "waiting for valgrind: %s", strerror(errno));
			break;
		}
	}
	if (pidfd >= 0)
		close(pidfd);
	return rc;
}

int trace_record_run(const char *dir, char *const argv[], bool children, int *status,
		     struct tpt_err *e)
{
	struct watch w = {.fd = -1, .dir = dir};
	int rc = -1;
	pid_t pid = -1;
	char logarg[4200];
	snprintf(logarg, sizeof(logarg), "--log-file=%s/%%p.lk", dir);
	char **args = valgrind_args(argv, children, logarg);
	w.opens = calloc(PID_LIMIT + 1, 1);
	if (!args || !w.opens) {
		tpt_nomem(e);
		goto out;
	}
	w.fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (w.fd < 0 || inotify_add_watch(w.fd, dir, IN_CREATE | IN_OPEN) < 0) {
		tpt_fail(e, "cannot watch %s: %s", dir, strerror(errno));
		goto out;
	}
	if ((pid = valgrind_start(args, e)) < 0 || valgrind_wait(&w, pid, status, e))
		goto out;
	pid = -1;
	drain(&w);
	if (w.overflow || w.lost)
		tpt_fail(e, "%s", w.overflow ? "too many programs started at once to follow "
					       "(the watch's queue overflowed)"
					     : "a program's log was lost (the recorder was held off "
					       "the CPU too long); record again");
	else
		rc = 0;
out:
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	if (w.fd >= 0)
		close(w.fd);
	free(w.opens);
	free(args);
	return rc;
}
