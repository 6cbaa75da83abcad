/* SPDX-License-Identifier: MIT */
/*
 * collapse.c - the thp actuator (see collapse.h).
 *
 * Called by the daemon's round for a process the policy chose, under a rate
 * budget the daemon keeps. Invariant: `done` is sorted and without repeats.
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "collapse.h"
#include "tpt/base/util.h"

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25
#endif

#define PM_PRESENT (1ULL << 63)
#define MAX_IOV 16 /* 32 MiB of 2 MiB regions */

static size_t lower_bound(const struct region_set *s, uint64_t region)
{
	size_t lo = 0, hi = s->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (s->r[mid] < region)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int region_set_has(const struct region_set *s, uint64_t region)
{
	size_t i = lower_bound(s, region);
	return i < s->n && s->r[i] == region;
}

int region_set_add(struct region_set *s, uint64_t region)
{
	size_t i = lower_bound(s, region);
	if (i < s->n && s->r[i] == region)
		return 0;
	if (tpt_grow(&s->r, &s->cap, s->n + 1, sizeof(*s->r)))
		return -1;
	memmove(s->r + i + 1, s->r + i, (s->n - i) * sizeof(*s->r));
	s->r[i] = region;
	s->n++;
	return 0;
}

void region_set_free(struct region_set *s)
{
	free(s->r);
	memset(s, 0, sizeof(*s));
}

int collapse_vma_ok(const char *line, uint64_t *start, uint64_t *end)
{
	char perms[8] = "", path[256] = "";
	unsigned long long a, b, off, inode;
	unsigned dmaj, dmin;
	int n = sscanf(line, "%llx-%llx %7s %llx %x:%x %llu %255s", &a, &b, perms, &off, &dmaj, &dmin,
		       &inode, path);
	if (n < 7 || strlen(perms) < 4)
		return 0;
	*start = a;
	*end = b;
	bool anon = inode == 0 && (n == 7 || !strcmp(path, "[heap]"));
	return perms[0] == 'r' && perms[1] == 'w' && perms[3] == 'p' && anon;
}

unsigned collapse_present(const uint64_t pm[512])
{
	unsigned n = 0;
	for (int i = 0; i < 512; i++)
		n += !!(pm[i] & PM_PRESENT);
	return n;
}

struct batch {
	struct iovec iov[MAX_IOV];
	int n;
};

/* One call over the batch; regions collapsed go into done. */
static int flush(const struct collapse_req *q, struct batch *b, struct region_set *done,
		 struct collapse_result *r)
{
	int first = 0;
	bool retried = false;
	while (first < b->n) {
		r->calls++;
		long got = syscall(SYS_process_madvise, q->pidfd, b->iov + first, b->n - first,
				   MADV_COLLAPSE, 0);
		if (got >= 0) {
			/* All of it, or the regions before the one that failed. */
			int whole = (int)((uint64_t)got / REGION);
			for (int i = first; i < first + whole; i++)
				if (region_set_add(done, (uint64_t)(uintptr_t)b->iov[i].iov_base / REGION))
					goto nomem;
			r->bytes += (uint64_t)whole * REGION;
			first += whole;
			retried = false;
			if (!whole)
				break; /* no progress and no error: leave it */
			continue;
		}
		int e = errno;
		uint64_t region = (uint64_t)(uintptr_t)b->iov[first].iov_base / REGION;
		switch (e) {
		case EAGAIN:
			if (!retried) {
				retried = true;
				continue;
			}
			r->regions_eagain++;
			first++; /* try it next round */
			retried = false;
			continue;
		case EINVAL:
			r->regions_einval++;
			if (region_set_add(done, region))
				goto nomem;
			first++;
			continue;
		case ENOMEM:
		case EBUSY:
			r->status = COLLAPSE_BACKOFF;
			break;
		case ESRCH:
			r->status = COLLAPSE_GONE;
			break;
		case EPERM:
		case EACCES:
			r->status = COLLAPSE_DENIED;
			break;
		default:
			r->status = COLLAPSE_ERROR;
		}
		r->err = e;
		b->n = 0;
		return -1;
	}
	b->n = 0;
	return 0;
nomem:
	r->status = COLLAPSE_ERROR;
	r->err = ENOMEM;
	b->n = 0;
	return -1;
}

struct scan {
	const struct collapse_req *q;
	struct region_set *done;
	struct collapse_result *r;
	struct batch b;
	int pm, per_call;
	uint64_t need, planned;
};

/* One VMA's whole 2 MiB regions. 0: go on; 1: the budget is spent; -1: an
 * error (r->status). rss4k is the VMA's resident memory on 4 KiB pages. */
static int scan_vma(struct scan *c, uint64_t s, uint64_t e, uint64_t rss4k)
{
	struct collapse_result *r = c->r;
	/* Too little resident for one region, or so sparse that reading its
	 * pagemap would cost more than it could find (reservations such as
	 * sanitizer shadows span terabytes): skip it whole. */
	if (rss4k < c->need * 4096)
		return 0;
	if ((e - s) / 64 > (uint64_t)((double)rss4k / c->q->min_present)) {
		r->vmas_skipped_sparse++;
		return 0;
	}
	uint64_t found = 0;
	for (uint64_t a = (s + REGION - 1) & ~(REGION - 1); a + REGION <= e && found < rss4k;
	     a += REGION) {
		if (region_set_has(c->done, a / REGION))
			continue;
		uint64_t ent[512];
		if (pread(c->pm, ent, sizeof(ent), (off_t)(a / 4096 * 8)) != (ssize_t)sizeof(ent)) {
			r->status = COLLAPSE_GONE;
			r->err = ESRCH;
			return -1;
		}
		unsigned present = collapse_present(ent);
		found += (uint64_t)present * 4096;
		if (present < c->need) {
			r->regions_skipped_sparse += present > 0;
			continue;
		}
		r->eligible += REGION;
		if (c->planned + REGION > c->q->budget)
			return 1; /* the rest waits for the next round's budget */
		c->planned += REGION;
		c->b.iov[c->b.n++] = (struct iovec){(void *)(uintptr_t)a, REGION};
		if (c->b.n == c->per_call && flush(c->q, &c->b, c->done, r))
			return -1;
	}
	return 0;
}

int collapse_run(const struct collapse_req *q, struct region_set *done, struct collapse_result *r)
{
	memset(r, 0, sizeof(*r));
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/smaps", (int)q->pid);
	FILE *smaps = fopen(path, "re");
	snprintf(path, sizeof(path), "/proc/%d/pagemap", (int)q->pid);
	int pm = open(path, O_RDONLY | O_CLOEXEC);
	if (!smaps || pm < 0) {
		r->err = errno;
		r->status = errno == ENOENT || errno == ESRCH ? COLLAPSE_GONE
			    : errno == EACCES || errno == EPERM ? COLLAPSE_DENIED
								 : COLLAPSE_ERROR;
		if (smaps)
			fclose(smaps);
		if (pm >= 0)
			close(pm);
		return -1;
	}
	struct scan c = {.q = q, .done = done, .r = r, .pm = pm};
	c.need = (uint64_t)(q->min_present * 512 + 0.999999);
	c.per_call = (int)(q->chunk / REGION);
	if (c.per_call < 1)
		c.per_call = 1;
	if (c.per_call > MAX_IOV)
		c.per_call = MAX_IOV;
	/* smaps: a maps-style header per VMA, then "Key: value kB" lines. */
	char line[512];
	int rc = 0;
	bool ok = false;
	uint64_t s = 0, e = 0, rss = 0, huge = 0;
	for (bool more = true; more;) {
		more = fgets(line, sizeof(line), smaps) != NULL;
		unsigned long long kb;
		if (more && sscanf(line, "Rss: %llu kB", &kb) == 1) {
			rss = kb << 10;
			continue;
		}
		if (more && sscanf(line, "AnonHugePages: %llu kB", &kb) == 1) {
			huge = kb << 10;
			continue;
		}
		unsigned long long x, y;
		bool header = more && sscanf(line, "%llx-%llx ", &x, &y) == 2;
		if (!header && more)
			continue;
		if (ok && (rc = scan_vma(&c, s, e, rss > huge ? rss - huge : 0)))
			break;
		if (header) {
			ok = collapse_vma_ok(line, &s, &e);
			rss = huge = 0;
		}
	}
	if (rc >= 0 && c.b.n && flush(q, &c.b, done, r))
		rc = -1;
	fclose(smaps);
	close(pm);
	return rc < 0 ? -1 : 0;
}
