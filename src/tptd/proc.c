/* SPDX-License-Identifier: MIT */
/*
 * proc.c - /proc readers and pidfds for tptd (see proc.h).
 *
 * Called by the daemon's round for every process it scans. Every reader
 * tolerates the process vanishing at any point: it returns -1 and the
 * caller forgets the process.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "proc.h"

#define PF_KTHREAD 0x00200000

static int read_file(const char *path, char *buf, size_t n)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	size_t got = 0;
	while (got + 1 < n) {
		ssize_t r = read(fd, buf + got, n - 1 - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r < 0) {
				close(fd);
				return -1;
			}
			break;
		}
		got += (size_t)r;
	}
	buf[got] = 0;
	close(fd);
	return 0;
}

/* The stat file of a process or thread directory (/proc/P or /proc/P/task/T). */
static int read_stat_in(const char *dir, pid_t pid, struct proc_stat *st)
{
	char path[96], buf[1024];
	snprintf(path, sizeof(path), "%s/stat", dir);
	if (read_file(path, buf, sizeof(buf)))
		return -1;
	/* comm may hold spaces and parentheses: it ends at the last ')'. */
	char *l = strchr(buf, '('), *r = strrchr(buf, ')');
	if (!l || !r || r < l)
		return -1;
	memset(st, 0, sizeof(*st));
	st->pid = pid;
	snprintf(st->comm, sizeof(st->comm), "%.*s", (int)(r - l - 1), l + 1);
	/* A name is the program's to choose: a newline in it must not forge a
	 * log line, nor reach the knob. */
	for (char *c = st->comm; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f) {
			*c = '?';
			st->comm_odd = true;
		}
	unsigned long long f[24] = {0};
	char *p = r + 2;
	st->state = *p;
	p += 1;
	/* Fields 4..24 of proc(5), field n in f[n - 1]: 9 flags, 10 minflt, 12
	 * majflt, 14 utime, 15 stime, 20 threads, 22 starttime, 24 rss. */
	for (int i = 4; i <= 24; i++) {
		char *end;
		f[i - 1] = strtoull(p, &end, 10);
		if (end == p)
			return -1;
		p = end;
	}
	st->kthread = f[8] & PF_KTHREAD;
	st->minflt = f[9];
	st->majflt = f[11];
	st->utime = f[13];
	st->stime = f[14];
	st->threads = (uint32_t)f[19];
	st->starttime = f[21];
	st->rss_pages = f[23];
	struct stat sb;
	if (stat(dir, &sb))
		return -1;
	st->uid = sb.st_uid;
	return 0;
}

int proc_read_stat(pid_t pid, struct proc_stat *st)
{
	char dir[32];
	snprintf(dir, sizeof(dir), "/proc/%d", (int)pid);
	return read_stat_in(dir, pid, st);
}

int proc_read_task_stat(pid_t pid, pid_t tid, struct proc_stat *st)
{
	char dir[64];
	snprintf(dir, sizeof(dir), "/proc/%d/task/%d", (int)pid, (int)tid);
	return read_stat_in(dir, tid, st);
}

int proc_read_mem(pid_t pid, struct proc_mem *m)
{
	char path[64], buf[4096];
	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", (int)pid);
	if (read_file(path, buf, sizeof(buf)))
		return -1;
	memset(m, 0, sizeof(*m));
	static const struct {
		const char *key;
		size_t off;
	} keys[] = {
		{"Rss:", offsetof(struct proc_mem, rss)},
		{"Anonymous:", offsetof(struct proc_mem, anon)},
		{"AnonHugePages:", offsetof(struct proc_mem, anon_huge)},
		{"Referenced:", offsetof(struct proc_mem, referenced)},
	};
	int found = 0;
	for (char *line = buf; line && *line;) {
		char *nl = strchr(line, '\n');
		for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
			size_t n = strlen(keys[k].key);
			if (!strncmp(line, keys[k].key, n)) {
				*(uint64_t *)((char *)m + keys[k].off) = strtoull(line + n, NULL, 10) << 10;
				found++;
			}
		}
		line = nl ? nl + 1 : NULL;
	}
	/* A kernel thread or a zombie has an empty rollup. */
	return found ? 0 : -1;
}

int proc_clear_refs(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/clear_refs", (int)pid);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = write(fd, "1", 1) == 1 ? 0 : -1;
	close(fd);
	return rc;
}

int proc_read_cgroup(pid_t pid, char *out, size_t n)
{
	char path[64], buf[4096];
	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	if (read_file(path, buf, sizeof(buf)))
		return -1;
	char *line = strstr(buf, "0::");
	char *path0 = line ? line + 3 : strchr(buf, ':') ? strchr(strchr(buf, ':') + 1, ':') : NULL;
	if (!path0)
		return -1;
	if (!line)
		path0++;
	snprintf(out, n, "%.*s", (int)strcspn(path0, "\n"), path0);
	return 0;
}

int proc_pin(pid_t pid, uint64_t starttime)
{
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (fd < 0)
		return -1;
	/* The pidfd holds whichever process had the PID at open time; it is the
	 * one we scored only if the start time still matches. */
	struct proc_stat st;
	if (proc_read_stat(pid, &st) || st.starttime != starttime || !proc_alive(fd)) {
		close(fd);
		return -1;
	}
	return fd;
}

bool proc_alive(int pidfd)
{
	/* Signal 0 checks existence; EPERM means it exists but is not ours. */
	return syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) == 0 || errno == EPERM;
}

long proc_ticks_per_second(void)
{
	long t = sysconf(_SC_CLK_TCK);
	return t > 0 ? t : 100;
}

uint64_t proc_now_ticks(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_BOOTTIME, &ts);
	long hz = proc_ticks_per_second();
	return (uint64_t)ts.tv_sec * (uint64_t)hz + (uint64_t)ts.tv_nsec / (1000000000UL / (uint64_t)hz);
}
