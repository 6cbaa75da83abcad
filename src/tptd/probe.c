/* SPDX-License-Identifier: MIT */
/*
 * probe.c - tptd's start-up probe (see probe.h).
 *
 * Called once by tptd before its first round. Every probe acts only on
 * tptd's own process and memory; nothing outside it is touched.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <linux/perf_event.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "probe.h"

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25
#endif

#define TPT_KNOB "/sys/kernel/mm/devirt/task_name"

static int perf_open(uint32_t type, uint64_t config)
{
	struct perf_event_attr a;
	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.type = type;
	a.config = config;
	a.disabled = 1;
	a.exclude_kernel = 1;
	a.exclude_hv = 1;
	return (int)syscall(SYS_perf_event_open, &a, 0, -1, -1, 0);
}

static bool try_perf(uint32_t type, uint64_t config, int *err)
{
	int fd = perf_open(type, config);
	if (fd < 0) {
		*err = errno;
		return false;
	}
	close(fd);
	*err = 0;
	return true;
}

static int read_int(const char *path, int dflt)
{
	FILE *f = fopen(path, "r");
	int v = dflt;
	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = dflt;
		fclose(f);
	}
	return v;
}

/* "always [madvise] never" -> "madvise". */
static void read_thp(char *out, size_t n)
{
	char line[128] = "";
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
	snprintf(out, n, "unavailable");
	if (!f)
		return;
	if (fgets(line, sizeof(line), f)) {
		char *a = strchr(line, '['), *b = a ? strchr(a, ']') : NULL;
		if (a && b)
			snprintf(out, n, "%.*s", (int)(b - a - 1), a + 1);
	}
	fclose(f);
}

/* MADV_COLLAPSE on a 2 MiB-aligned region of our own, one page touched. */
static bool try_collapse(int *err)
{
	size_t len = 4UL << 20;
	char *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED) {
		*err = errno;
		return false;
	}
	char *a = (char *)(((uintptr_t)m + (2UL << 20) - 1) & ~((2UL << 20) - 1));
	a[0] = 1;
	int rc = madvise(a, 2UL << 20, MADV_COLLAPSE);
	*err = rc ? errno : 0;
	munmap(m, len);
	/* EINVAL: the kernel does not know the advice. Anything else (EAGAIN,
	 * ENOMEM under pressure) means it does. */
	return rc == 0 || *err != EINVAL;
}

static bool try_process_madvise(int pidfd, int *err)
{
	char b[1];
	struct iovec v = {b, 0};
	long rc = syscall(SYS_process_madvise, pidfd, &v, 1, MADV_COLLAPSE, 0);
	*err = rc < 0 ? errno : 0;
	return rc >= 0 || (errno != ENOSYS && errno != EBADF);
}

void probe_run(struct probe *p)
{
	memset(p, 0, sizeof(*p));
	p->pmu = try_perf(PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES, &p->pmu_errno);
	p->sw_events = try_perf(PERF_TYPE_SOFTWARE, PERF_COUNT_SW_TASK_CLOCK, &p->sw_errno);
	p->paranoid = read_int("/proc/sys/kernel/perf_event_paranoid", -100);
	int pidfd = (int)syscall(SYS_pidfd_open, getpid(), 0);
	p->pidfd = pidfd >= 0;
	p->tpt_knob = access(TPT_KNOB, F_OK) == 0;
	p->tpt_knob_writable = p->tpt_knob && access(TPT_KNOB, W_OK) == 0;
	p->madv_collapse = try_collapse(&p->collapse_errno);
	if (p->pidfd) {
		p->process_madvise = try_process_madvise(pidfd, &p->pmadv_errno);
		close(pidfd);
	} else {
		p->pmadv_errno = ENOSYS;
	}
	p->clear_refs = access("/proc/self/clear_refs", W_OK) == 0;
	p->refs_seen = p->clear_refs ? host_accessed_bits(HOST_AB_PAGES, HOST_AB_TRIALS) : 0;
	p->accessed_bits = host_ab_walked(p->refs_seen, HOST_AB_PAGES);
	read_thp(p->thp, sizeof(p->thp));
}

static const char *yes(bool b)
{
	return b ? "yes" : "no";
}

void probe_print(FILE *out, const struct probe *p)
{
	fprintf(out, "metric sources\n");
	fprintf(out, "  hardware PMU (cycles)        %s", yes(p->pmu));
	if (!p->pmu)
		fprintf(out, " (%s)", strerror(p->pmu_errno));
	fprintf(out, "\n  software perf events         %s", yes(p->sw_events));
	if (!p->sw_events)
		fprintf(out, " (%s)", strerror(p->sw_errno));
	fprintf(out, "\n  perf_event_paranoid          %d\n", p->paranoid);
	fprintf(out, "  /proc/PID/clear_refs         %s\n", yes(p->clear_refs));
	fprintf(out, "  accessed bits after clear    %s (%u of %d pages touched show as Referenced, the fewest "
		"of %d trials%s)\n", yes(p->accessed_bits), p->refs_seen, HOST_AB_PAGES, HOST_AB_TRIALS,
		p->accessed_bits ? "" : ": the hot set is taken as all anonymous 4 KiB memory");
	fprintf(out, "  pidfd_open                   %s\n", yes(p->pidfd));
	fprintf(out, "actuators\n");
	fprintf(out, "  tpt (%s)  %s%s\n", TPT_KNOB, yes(p->tpt_knob),
		p->tpt_knob && !p->tpt_knob_writable ? " (not writable)" : "");
	fprintf(out, "  thp: MADV_COLLAPSE           %s", yes(p->madv_collapse));
	if (p->collapse_errno)
		fprintf(out, " (own memory: %s)", strerror(p->collapse_errno));
	fprintf(out, "\n  thp: process_madvise         %s", yes(p->process_madvise));
	if (p->pmadv_errno && !p->process_madvise)
		fprintf(out, " (%s)", strerror(p->pmadv_errno));
	fprintf(out, "\n  transparent_hugepage         %s\n", p->thp);
	const char *src = p->pmu ? "pmu" : "heuristic (no PMU: CPU share, faults, 4 KiB-mapped anon, hot set)";
	const char *act = p->tpt_knob_writable ? "tpt"
			  : p->madv_collapse && p->process_madvise ? "thp"
								    : "advise";
	fprintf(out, "would use\n  source                       %s\n  actuator                     %s\n",
		src, act);
}
