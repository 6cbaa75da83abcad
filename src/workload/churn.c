/* SPDX-License-Identifier: MIT */
/*
 * churn.c - page-table churn: a process that maps a region, writes each of
 * its pages and works on it a little, then unmaps it, round after round, as
 * a program that mallocs and frees a buffer glibc serves with mmap and
 * munmap every time does: one above 32 MiB (glibc's largest dynamic mmap
 * threshold on 64-bit; region=64M), or of any size once
 * MALLOC_MMAP_THRESHOLD_ fixes the threshold (region=2M). Checked with a
 * real program (malloc, memset, free, 20 rounds) under strace: 21 munmaps
 * at 40 MiB and at 2 MiB with the threshold fixed, 2 at 2 MiB otherwise
 * (glibc raises its threshold after the first free and serves the rest
 * from the heap). Every round faults every page in and tears every
 * mapping down: the guest's page tables change all the time, which is what
 * shadow paging pays exits for and TPT pays pv-ops for.
 *
 * Per page: a first store (the fault), then `work` loads and stores walking
 * the page's 64-byte lines. Instructions per access: 4 (estimate).
 */
#include "tpt/workload/workload.h"

enum { P_REGION, P_ROUNDS, P_WORK, P_MLP, P_KENTRY };

static const struct opt params[] = {
	WL_KEY("region", OPT_SIZE, "2M", 4096, 1ULL << 40, NULL, "bytes mapped and unmapped each round"),
	WL_KEY("rounds", OPT_COUNT, "500", 1, 1ULL << 40, NULL, "map-touch-unmap rounds"),
	WL_KEY("work", OPT_COUNT, "64", 0, 1ULL << 20, NULL, "accesses per page after its first touch"),
	WL_KEY("mlp", OPT_DOUBLE, "2", 1000, 64000, NULL, "accesses in flight (the lines of a page are independent of each other; estimate)"),
	WL_KENTRY_PARAM,
	{0},
};

#define INSTRS 4

struct churn {
	uint64_t base, region, rounds, work;
	uint64_t round, page, step; /* step 0: map; then accesses; last: unmap */
	struct wl_phases ph;
	struct wl_kentry kentry;
};

static int churn_init(struct workload *w, struct tpt_err *e)
{
	struct churn *c = w->state;
	(void)e;
	c->base = WL_BASE_VA;
	c->region = tpt_align_up(w->v[P_REGION].u, PAGE_SIZE);
	c->rounds = w->v[P_ROUNDS].u;
	c->work = w->v[P_WORK].u;
	wl_kentry_init(&c->kentry, w->kentry);
	w->footprint = c->region;
	w->expected_events = c->rounds * (c->region / PAGE_SIZE * (1 + c->work) + 2);
	return 0;
}

static size_t churn_next(struct workload *w, struct event *ev, size_t n)
{
	struct churn *c = w->state;
	/* Nothing to warm up: the churn is the workload. */
	size_t k = wl_phases_next(&c->ph, w, ev, n);
	uint64_t pages = c->region / PAGE_SIZE;
	while (k + 2 <= n && c->ph.phase == WL_PH_WORK && c->round < c->rounds) {
		if (c->step == 0 && c->page == 0) {
			ev[k++] = (struct event){.type = EV_MMAP, .pid = 1, .va = c->base,
						 .arg = c->region, .size = WL_MAP_W};
			c->step = 1;
			continue;
		}
		if (c->page == pages) {
			ev[k++] = (struct event){.type = EV_MUNMAP, .pid = 1, .va = c->base,
						 .arg = c->region};
			c->page = c->step = 0;
			c->round++;
			continue;
		}
		/* Access step-1 of this page: the first a store, then lines in turn. */
		uint64_t i = c->step - 1;
		uint64_t va = c->base + c->page * PAGE_SIZE + (i * 64) % PAGE_SIZE;
		ev[k++] = (struct event){.va = va, .instrs = INSTRS, .pid = 1, .size = 8,
					 .type = (i == 0 || (i & 1)) ? EV_WRITE : EV_READ};
		if (wl_kentry_due(&c->kentry, INSTRS))
			ev[k++] = (struct event){.type = EV_SYSCALL, .arg = 1, .pid = 1};
		if (++c->step > c->work + 1) {
			c->step = 1;
			c->page++;
		}
	}
	return k;
}

static uint64_t churn_estimate(const struct workload *w, uint64_t *footprint)
{
	*footprint = w->v[P_REGION].u;
	return 0;
}

static uint64_t churn_events(const struct workload *w)
{
	uint64_t region = tpt_align_up(w->v[P_REGION].u, PAGE_SIZE);
	return w->v[P_ROUNDS].u * (region / PAGE_SIZE * (1 + w->v[P_WORK].u) + 2);
}

const struct workload_def wl_churn = {
	.name = "churn",
	.summary = "page-table churn: map a region, touch and work on every page, unmap, repeat",
	.params = params,
	.state_size = sizeof(struct churn),
	.init = churn_init,
	.estimate = churn_estimate,
	.events = churn_events,
	.next = churn_next,
};
