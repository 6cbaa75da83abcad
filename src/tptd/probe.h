/* SPDX-License-Identifier: MIT */
/*
 * probe.h - what this machine offers tptd, found at start-up: metric
 * sources (hardware PMU, software perf events, /proc) and actuators (the
 * TPT knob, MADV_COLLAPSE through process_madvise). `tptd --probe` prints it.
 */
#ifndef TPTD_PROBE_H
#define TPTD_PROBE_H

#include <stdbool.h>
#include <stdio.h>

#include "tpt/probe/probe.h"

struct probe {
	bool pmu;          /* a hardware cycles counter opens for this process */
	int pmu_errno;     /* why not */
	bool sw_events;    /* software perf events (task-clock, page faults) open */
	int sw_errno;
	int paranoid;      /* /proc/sys/kernel/perf_event_paranoid, or -100 unknown */
	bool pidfd;        /* pidfd_open works: recycled PIDs are never acted upon */
	bool tpt_knob;     /* /sys/kernel/mm/devirt/task_name exists */
	bool tpt_knob_writable;
	bool madv_collapse; /* MADV_COLLAPSE accepted on our own memory */
	int collapse_errno;
	bool process_madvise; /* process_madvise on a pidfd exists */
	int pmadv_errno;
	bool clear_refs;   /* /proc/self/clear_refs is there (hot working set) */
	/* Pages touched after clear_refs, past the TLB's reach, show as
	 * Referenced again: the MMU sets accessed bits as it walks (a
	 * hypervisor's software shadow of our tables does not, and the hot
	 * set cannot be measured: score.h's fallback). */
	bool accessed_bits;
	unsigned refs_seen; /* host_accessed_bits: of HOST_AB_PAGES pages, the fewest that showed */
	char thp[32];      /* transparent_hugepage/enabled: the bracketed choice */
};

/* Fills p; never fails (what is missing is recorded, with its errno). */
void probe_run(struct probe *p);
/* The report `tptd --probe` prints, including the source and actuators
 * tptd will use. */
void probe_print(FILE *out, const struct probe *p);

#endif
