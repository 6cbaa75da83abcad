/* SPDX-License-Identifier: MIT */
/*
 * record.c - runs a real program under Valgrind, with tpt's own tool
 * (tools/valgrind/tptrec.c, found in TPT_TOOL_DIRS or $TPT_TOOL_DIR) or
 * lackey, and keeps one log per program run, the recording that
 * recording.c reads.
 *
 * Each process writes its log to DIR/PID.tb (the tool's) or DIR/PID.lk
 * (lackey's, Valgrind's --log-file=%p): a forked child opens its own, and
 * a program started by exec opens the same name again. So the recorder
 * watches DIR (inotify) and renames every new DIR/PID.* to DIR/SEQ.PID.*
 * at once; the file stays open under its new name, and SEQ orders the
 * logs by creation. The tool never reuses a name (it waits for the rename);
 * lackey truncates, which takes the recorder held off the CPU for a whole
 * Valgrind start-up: then two opens of one name fall between its creation
 * and its rename, and the recording is refused rather than silently short.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
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
	uint8_t *opens; /* per pid: opens of DIR/PID.* since it was created */
	bool lost, overflow;
};

/* DIR/PID.lk or DIR/PID.tb: the pid and the kind. */
static bool log_pid(const char *name, uint32_t *pid, const char **kind)
{
	unsigned p;
	int used = 0;
	if (sscanf(name, "%u.%n", &p, &used) != 1 || !p || p > PID_LIMIT ||
	    (strcmp(name + used, "lk") && strcmp(name + used, "tb")))
		return false;
	*pid = p;
	*kind = name + used;
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
			const char *kind;
			if (ev->mask & IN_Q_OVERFLOW)
				w->overflow = true;
			if (!ev->len || !log_pid(ev->name, &pid, &kind))
				continue;
			if (ev->mask & IN_CREATE) {
				char from[4096], to[4096];
				snprintf(from, sizeof(from), "%s/%s", w->dir, ev->name);
				snprintf(to, sizeof(to), "%s/%u.%u.%s", w->dir, ++w->seq, pid, kind);
				if (rename(from, to))
					w->lost = true;
				w->opens[pid] = 0;
			}
			if ((ev->mask & IN_OPEN) && ++w->opens[pid] > 1)
				w->lost = true; /* a second program's log truncated the first's */
		}
	}
}

bool trace_record_tool(char *found, size_t size)
{
	const char *env = getenv("TPT_TOOL_DIR");
	const char *dirs = env ? env : TPT_TOOL_DIRS; /* ':'-separated */
	for (const char *d = dirs; *d;) {
		size_t len = strcspn(d, ":");
		char path[4200];
		snprintf(path, sizeof(path), "%.*s/tptrec-amd64-linux", (int)len, d);
		if (len && len < size && access(path, X_OK) == 0) {
			snprintf(found, size, "%.*s", (int)len, d);
			return true;
		}
		d += len + (d[len] == ':');
	}
	return false;
}

/* Valgrind's command line: the tool (or lackey) tracing every access and
 * the system calls the trace needs, one log a process in dir, then argv. */
static char **valgrind_args(char *const argv[], const struct trace_recorder *how, bool tool,
			    char *logarg)
{
	size_t n = 0;
	while (argv[n])
		n++;
	char **args = calloc(n + 10, sizeof(*args));
	if (!args)
		return NULL;
	size_t a = 0;
	args[a++] = "valgrind";
	if (tool) {
		args[a++] = "-q"; /* the preamble: the log has the program's name */
		args[a++] = "--tool=tptrec";
		args[a++] = how->children ? "--tpt-children=yes" : "--tpt-children=no";
		args[a++] = how->roi ? "--tpt-roi=yes" : "--tpt-roi=no";
		args[a++] = how->children ? "--trace-children=yes" : "--trace-children=no";
	} else {
		args[a++] = "--tool=lackey";
		args[a++] = "--trace-mem=yes";
		args[a++] = "--trace-syscalls=yes"; /* mmap, munmap, mprotect, brk, forks, kernel entries */
		args[a++] = how->children ? "--trace-children=yes" : "--child-silent-after-fork=yes";
	}
	args[a++] = logarg;
	args[a++] = "--vgdb=no"; /* no gdbserver, and no pipes of its left in TMPDIR when killed */
	for (size_t i = 0; i < n; i++)
		args[a++] = argv[i];
	return args;
}

/* Valgrind started as a child that dies with the recorder; its pid, or -1. */
static pid_t valgrind_start(char **args, const char *tool, struct tpt_err *e)
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
		if (tool && setenv("VALGRIND_LIB", tool, 1))
			_exit(127);
		execvp("valgrind", args);
		fprintf(stderr, "tpt trace: cannot run valgrind (install it: apt-get install valgrind)\n");
		_exit(127);
	}
	return pid;
}

/* The bytes of the logs in w->dir so far. */
static uint64_t logs_bytes(const struct watch *w)
{
	DIR *d = opendir(w->dir);
	uint64_t sum = 0;
	struct dirent *de;
	struct stat st;
	while (d && (de = readdir(d)))
		if (de->d_name[0] != '.' && fstatat(dirfd(d), de->d_name, &st, 0) == 0)
			sum += (uint64_t)st.st_size;
	if (d)
		closedir(d);
	return sum;
}

/* The progress line: time, programs run, what their logs hold. */
static void progress(const struct watch *w, const struct timespec *t0, bool last)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	double s = (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) * 1e-9;
	fprintf(stderr, "\rtpt trace record: %.0f s, %u program run%s, %.1f MB of logs%s", s, w->seq,
		w->seq == 1 ? "" : "s", (double)logs_bytes(w) / 1e6, last ? "\n" : " ");
}

/* Follows the logs valgrind opens in w->dir until it ends (*status). */
static int valgrind_wait(struct watch *w, pid_t pid, bool show, int *status, struct tpt_err *e)
{
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0), rc = 0;
	struct timespec t0, last;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	last = t0;
	for (;;) {
		struct pollfd fds[2] = {{.fd = w->fd, .events = POLLIN}, {.fd = pidfd, .events = POLLIN}};
		int wait_ms = pidfd >= 0 ? (show ? 1000 : -1) : 50;
		int ready = poll(fds, pidfd >= 0 ? 2 : 1, wait_ms);
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
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (show && now.tv_sec > last.tv_sec) {
			progress(w, &t0, false);
			last = now;
		}
	}
	if (show && last.tv_sec > t0.tv_sec)
		progress(w, &t0, true);
	if (pidfd >= 0)
		close(pidfd);
	return rc;
}

int trace_record_run(const char *dir, char *const argv[], const struct trace_recorder *how,
		     int *status, struct tpt_err *e)
{
	struct watch w = {.fd = -1, .dir = dir};
	int rc = -1;
	pid_t pid = -1;
	char found[4096];
	const char *tool = !how->lackey && trace_record_tool(found, sizeof(found)) ? found : NULL;
	if (how->roi && !tool)
		return tpt_fail(e, "--roi needs tpt's Valgrind tool (%s)",
				how->lackey ? "not lackey" : "not built: install valgrind and build again");
	char logarg[4200];
	snprintf(logarg, sizeof(logarg), "%s=%s/%%p.%s", tool ? "--tpt-log" : "--log-file", dir,
		 tool ? "tb" : "lk");
	char **args = valgrind_args(argv, how, tool != NULL, logarg);
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
	bool show = how->progress && isatty(STDERR_FILENO);
	if ((pid = valgrind_start(args, tool, e)) < 0 || valgrind_wait(&w, pid, show, status, e))
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
