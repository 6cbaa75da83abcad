/* SPDX-License-Identifier: MIT */
/*
 * child.c - other programs run by tpt (see child.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tpt/base/child.h"

pid_t child_spawn(char *const *argv, int out, int err, bool group)
{
	pid_t parent = getpid(), pid = fork();
	if (pid > 0 && group)
		setpgid(pid, pid); /* here too: a signal may come before the child's own call */
	if (pid != 0)
		return pid;
	int null = open("/dev/null", O_RDWR);
	dup2(out >= 0 ? out : null, 1);
	dup2(err >= 0 ? err : null, 2);
	if (null >= 0)
		dup2(null, 0);
	if (group)
		setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent) /* the parent died before the signal was set */
		_exit(127);
	execvp(argv[0], argv);
	_exit(127);
}

int child_wait(pid_t pid)
{
	int st;
	if (pid < 0)
		return -1;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static long long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

int child_capture(char *const *argv, char *buf, size_t len, bool err, unsigned timeout_s)
{
	int fd[2];
	buf[0] = 0;
	if (pipe2(fd, O_CLOEXEC))
		return -1;
	pid_t pid = child_spawn(argv, fd[1], err ? fd[1] : -1, timeout_s > 0);
	close(fd[1]);
	size_t got = 0;
	char sink[512];
	long long end = now_ms() + (long long)timeout_s * 1000;
	bool late = false;
	for (;;) {
		if (timeout_s) {
			long long left = end - now_ms();
			struct pollfd p = {fd[0], POLLIN, 0};
			if (left <= 0) {
				late = true;
				break;
			}
			int r = poll(&p, 1, left > 1000 ? 1000 : (int)left);
			if (r < 0 && errno != EINTR)
				break;
			if (r <= 0)
				continue;
		}
		bool room = got + 1 < len;
		ssize_t n = read(fd[0], room ? buf + got : sink, room ? len - 1 - got : sizeof(sink));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (room)
			got += (size_t)n;
	}
	buf[got] = 0;
	close(fd[0]);
	if (late && pid > 0)
		kill(-pid, SIGKILL);
	int st = child_wait(pid);
	return late ? CHILD_LATE : st;
}
