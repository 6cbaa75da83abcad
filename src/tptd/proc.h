/* SPDX-License-Identifier: MIT */
/*
 * proc.h - what tptd reads about a process from /proc, and the pidfd that
 * pins its identity.
 *
 * A process is (pid, starttime): a PID reused by a new process has a later
 * start time. proc_pin opens a pidfd and re-reads the start time through
 * it, so the fd held is known to refer to the process that was scored;
 * from then on every action goes through the pidfd (process_madvise) or is
 * preceded by proc_alive, and a recycled PID is never acted upon.
 */
#ifndef TPTD_PROC_H
#define TPTD_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct proc_stat {
	pid_t pid;
	char comm[16];         /* control characters replaced by '?' */
	bool comm_odd;         /* the real name held control characters */
	char state;
	bool kthread;
	uint64_t minflt, majflt;
	uint64_t utime, stime; /* clock ticks */
	uint64_t starttime;    /* clock ticks after boot */
	uint64_t rss_pages;
	uint32_t threads;
	uid_t uid;
};

/* Bytes, from /proc/PID/smaps_rollup: the slow path (it walks every mapping). */
struct proc_mem {
	uint64_t rss, anon, anon_huge, referenced;
};

/* Anonymous memory still mapped with 4 KiB pages. */
static inline uint64_t proc_mem_anon4k(const struct proc_mem *m)
{
	return m->anon > m->anon_huge ? m->anon - m->anon_huge : 0;
}

/* 0, or -1 when the process is gone (or unreadable: errno says). */
int proc_read_stat(pid_t pid, struct proc_stat *st);
/* The same for one thread of pid (its start time, CPU times, faults). */
int proc_read_task_stat(pid_t pid, pid_t tid, struct proc_stat *st);
int proc_read_mem(pid_t pid, struct proc_mem *m);
/* Clears the accessed bits of every page of the process (clear_refs 1):
 * `Referenced` then counts what it touches from now on. */
int proc_clear_refs(pid_t pid);
/* The unified-hierarchy cgroup path ("0::/x/y"), or the first one listed. */
int proc_read_cgroup(pid_t pid, char *out, size_t n);
/* A pidfd for pid if it is still the process that started at starttime; -1 if not. */
int proc_pin(pid_t pid, uint64_t starttime);
/* Whether the process behind a pidfd has not exited. */
bool proc_alive(int pidfd);
/* Clock ticks since boot, comparable with starttime. */
uint64_t proc_now_ticks(void);
long proc_ticks_per_second(void);

#endif
