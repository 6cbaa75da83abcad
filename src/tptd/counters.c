/* SPDX-License-Identifier: MIT */
/*
 * counters.c - perf counter groups named by libpfm4 (see counters.h).
 *
 * Called by the daemon when it starts watching a process (ctr_open), once a
 * round (ctr_rescan, ctr_read) and when it forgets one (ctr_close).
 * Invariant: for every thread entry, fd[i] is open iff fd[i - i%CTR_GROUP]
 * (its leader) is.
 */
#include <dirent.h>
#include <errno.h>
#include <perfmon/pfmlib_perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "counters.h"
#include "proc.h"
#include "tpt/base/util.h"

const char *const ctr_role_name[ROLE_N] = {"cycles", "instructions", "walk_cycles", "walks",
					     "task_clock", "page_faults"};

/* Candidates per slot, first that libpfm4 encodes on this CPU wins. Walk
 * cycles: WALK_ACTIVE (Skylake and later, incl. Sapphire Rapids), else
 * WALK_DURATION (Haswell/Broadwell). Walks: completed walks of every page
 * size, else the generic DTLB read miss. */
static const struct {
	enum ctr_role role;
	const char *names[3];
} pmu_slots[] = {
	{ROLE_CYCLES, {"UNHALTED_CORE_CYCLES", "perf::CYCLES", NULL}},
	{ROLE_INSTRS, {"INSTRUCTION_RETIRED", "perf::INSTRUCTIONS", NULL}},
	{ROLE_WALK_CYCLES, {"DTLB_LOAD_MISSES:WALK_ACTIVE", "DTLB_LOAD_MISSES:WALK_DURATION", NULL}},
	{ROLE_WALK_CYCLES, {"DTLB_STORE_MISSES:WALK_ACTIVE", "DTLB_STORE_MISSES:WALK_DURATION", NULL}},
	{ROLE_WALK_CYCLES, {"ITLB_MISSES:WALK_ACTIVE", "ITLB_MISSES:WALK_DURATION", NULL}},
	{ROLE_WALKS, {"DTLB_LOAD_MISSES:WALK_COMPLETED", "perf::PERF_COUNT_HW_CACHE_DTLB:READ:MISS", NULL}},
	{ROLE_WALKS, {"DTLB_STORE_MISSES:WALK_COMPLETED", NULL, NULL}},
	{ROLE_WALKS, {"ITLB_MISSES:WALK_COMPLETED", NULL, NULL}},
};

static int pfm_ready(struct tpt_err *e)
{
	int rc = pfm_initialize(); /* idempotent */
	if (rc != PFM_SUCCESS)
		return tpt_fail(e, "libpfm4: %s", pfm_strerror(rc));
	return 0;
}

static int encode(struct ctr_event *ev, enum ctr_role role, const char *name)
{
	memset(ev, 0, sizeof(*ev));
	pfm_perf_encode_arg_t arg;
	memset(&arg, 0, sizeof(arg));
	char *fstr = NULL;
	arg.size = sizeof(arg);
	arg.attr = &ev->attr;
	arg.fstr = &fstr;
	if (pfm_get_os_event_encoding(name, PFM_PLM3, PFM_OS_PERF_EVENT_EXT, &arg) != PFM_SUCCESS)
		return -1;
	ev->role = role;
	snprintf(ev->name, sizeof(ev->name), "%s", name);
	snprintf(ev->fstr, sizeof(ev->fstr), "%s", fstr ? fstr : name);
	free(fstr);
	return 0;
}

int ctr_set_pmu(struct ctr_set *s, struct tpt_err *e)
{
	memset(s, 0, sizeof(*s));
	if (pfm_ready(e))
		return -1;
	for (size_t i = 0; i < sizeof(pmu_slots) / sizeof(pmu_slots[0]); i++)
		for (int k = 0; k < 3 && pmu_slots[i].names[k]; k++)
			if (!encode(&s->ev[s->n], pmu_slots[i].role, pmu_slots[i].names[k])) {
				s->n++;
				break;
			}
	if (!ctr_has(s, ROLE_CYCLES))
		return tpt_fail(e, "libpfm4 knows no cycles event on this CPU");
	return 0;
}

int ctr_set_sw(struct ctr_set *s, struct tpt_err *e)
{
	memset(s, 0, sizeof(*s));
	if (pfm_ready(e))
		return -1;
	if (encode(&s->ev[0], ROLE_TASK_CLOCK, "perf::TASK-CLOCK") ||
	    encode(&s->ev[1], ROLE_FAULTS, "perf::PAGE-FAULTS"))
		return tpt_fail(e, "libpfm4 cannot encode the software events");
	s->n = 2;
	return 0;
}

bool ctr_has(const struct ctr_set *s, enum ctr_role r)
{
	for (int i = 0; i < s->n; i++)
		if (s->ev[i].role == r)
			return true;
	return false;
}

static void close_thread(struct ctr_thread *t)
{
	for (int i = 0; i < CTR_MAX; i++)
		if (t->fd[i] >= 0)
			close(t->fd[i]);
}

static int open_thread(struct ctr_thread *t, const struct ctr_set *s, pid_t tid)
{
	t->tid = tid;
	for (int i = 0; i < CTR_MAX; i++)
		t->fd[i] = -1;
	for (int i = 0; i < s->n; i++) {
		struct perf_event_attr a = s->ev[i].attr;
		int leader = i - i % CTR_GROUP;
		a.size = sizeof(a);
		a.inherit = 1;
		a.disabled = 0;
		a.read_format = PERF_FORMAT_GROUP | PERF_FORMAT_TOTAL_TIME_ENABLED |
				PERF_FORMAT_TOTAL_TIME_RUNNING;
		int fd = (int)syscall(SYS_perf_event_open, &a, tid, -1,
				      i == leader ? -1 : t->fd[leader], PERF_FLAG_FD_CLOEXEC);
		if (fd < 0) {
			int e = errno;
			close_thread(t);
			errno = e;
			return -1;
		}
		t->fd[i] = fd;
	}
	return 0;
}

static bool known(const struct ctr_proc *p, pid_t tid)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->t[i].tid == tid)
			return true;
	return false;
}

static int scan(struct ctr_proc *p, const struct ctr_set *s, pid_t pid, bool first)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	DIR *d = opendir(path);
	if (!d) {
		errno = ESRCH;
		return -1;
	}
	int rc = 0, opened = 0, err = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		pid_t tid = (pid_t)atoi(de->d_name);
		struct proc_stat ts;
		if (tid <= 0 || known(p, tid))
			continue;
		/* A thread that started after the open is counted by inheritance. */
		if (!first && (proc_read_task_stat(pid, tid, &ts) || ts.starttime > p->opened))
			continue;
		if (tpt_grow(&p->t, &p->cap, p->n + 1, sizeof(*p->t))) {
			err = ENOMEM;
			rc = -1;
			break;
		}
		if (open_thread(&p->t[p->n], s, tid)) {
			if (errno == ESRCH) /* the thread exited meanwhile */
				continue;
			err = errno;
			rc = -1;
			break;
		}
		p->n++;
		opened++;
	}
	closedir(d);
	if (!rc && first && !opened) {
		err = ESRCH;
		rc = -1;
	}
	errno = err;
	return rc;
}

int ctr_open(struct ctr_proc *p, const struct ctr_set *s, pid_t pid)
{
	memset(p, 0, sizeof(*p));
	p->opened = proc_now_ticks();
	if (scan(p, s, pid, true)) {
		int e = errno;
		ctr_close(p);
		errno = e;
		return -1;
	}
	return 0;
}

int ctr_rescan(struct ctr_proc *p, const struct ctr_set *s, pid_t pid)
{
	return scan(p, s, pid, false);
}

int ctr_read(const struct ctr_proc *p, const struct ctr_set *s, double out[ROLE_N])
{
	memset(out, 0, ROLE_N * sizeof(double));
	for (size_t t = 0; t < p->n; t++)
		for (int g = 0; g < s->n; g += CTR_GROUP) {
			uint64_t buf[3 + CTR_GROUP];
			int nr = s->n - g < CTR_GROUP ? s->n - g : CTR_GROUP;
			ssize_t want = (ssize_t)((3 + (size_t)nr) * sizeof(uint64_t));
			if (p->t[t].fd[g] < 0 || read(p->t[t].fd[g], buf, sizeof(buf)) != want)
				return -1;
			/* {nr, time_enabled, time_running, values[nr]} */
			double scale = buf[2] ? (double)buf[1] / (double)buf[2] : 0;
			for (int i = 0; i < nr; i++)
				out[s->ev[g + i].role] += (double)buf[3 + i] * scale;
		}
	return 0;
}

void ctr_close(struct ctr_proc *p)
{
	for (size_t i = 0; i < p->n; i++)
		close_thread(&p->t[i]);
	free(p->t);
	memset(p, 0, sizeof(*p));
}
