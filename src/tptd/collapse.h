/* SPDX-License-Identifier: MIT */
/*
 * collapse.h - the thp actuator: collapse a process's nearly full 2 MiB
 * anonymous regions into huge pages with process_madvise(MADV_COLLAPSE).
 *
 * Regions come from /proc/PID/smaps (private, writable, anonymous or the
 * heap, whole 2 MiB-aligned regions only; a VMA with less than a region's
 * worth of 4 KiB-resident memory, or under 1/64 of the density a region
 * needs, is skipped without reading its pagemap); a region qualifies when at least
 * min_present of its 512 pages are present in /proc/PID/pagemap, since a
 * collapse fills the holes and a sparse region would multiply its RSS.
 * Calls carry at most `chunk` bytes (a large call stalls the target while
 * the kernel copies) and stop when the byte budget is spent. Regions done
 * (collapsed, or refused with EINVAL) are remembered and never tried again.
 *
 * Errors: EAGAIN is retried once, then the region waits for the next round;
 * ENOMEM and EBUSY end the process's turn (the caller backs off); EINVAL
 * marks the region done; ESRCH means the process is gone; EPERM/EACCES mean
 * tptd lacks CAP_SYS_NICE or ptrace access to it.
 */
#ifndef TPTD_COLLAPSE_H
#define TPTD_COLLAPSE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define REGION (2UL << 20)

/* Regions done for one process: a sorted set of 2 MiB region numbers. */
struct region_set {
	uint64_t *r;
	size_t n, cap;
};

enum collapse_status { COLLAPSE_OK, COLLAPSE_BACKOFF, COLLAPSE_GONE, COLLAPSE_DENIED,
		       COLLAPSE_ERROR };

struct collapse_result {
	enum collapse_status status;
	int err;              /* errno behind a status other than OK */
	uint64_t bytes;       /* collapsed */
	uint64_t calls, regions_skipped_sparse, regions_einval, regions_eagain;
	uint64_t vmas_skipped_sparse; /* reservations too sparse to scan (see collapse.c) */
	uint64_t eligible;    /* bytes in qualifying regions seen (the scan stops at the budget) */
};

struct collapse_req {
	int pidfd;
	pid_t pid;
	uint64_t chunk, budget; /* bytes */
	double min_present;
};

/* Collapses within the budget; fills r. 0, or -1 when maps or pagemap
 * cannot be read (r->status, r->err). */
int collapse_run(const struct collapse_req *q, struct region_set *done, struct collapse_result *r);

int region_set_add(struct region_set *s, uint64_t region);
int region_set_has(const struct region_set *s, uint64_t region);
void region_set_free(struct region_set *s);

/* Whether a /proc/PID/maps (or smaps header) line describes memory tptd may collapse:
 * private and writable, anonymous or [heap]; fills start and end. */
int collapse_vma_ok(const char *line, uint64_t *start, uint64_t *end);
/* Present pages among 512 pagemap entries. */
unsigned collapse_present(const uint64_t pm[512]);

#endif
