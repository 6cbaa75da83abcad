/* SPDX-License-Identifier: MIT */
/*
 * probe.c - tpt probe's phases (probe.h): each loop of loops.S natively and
 * in the probe's guest, at each page size and backing, a warm-up round and
 * then p->rounds timed rounds; a row per loop and configuration.
 *
 * Called by the probe command on a thread it has pinned. Native memory is
 * mmap'd here, 2 MiB aligned, with MADV_NOHUGEPAGE or MADV_HUGEPAGE; guest
 * memory is the VMM's (vmm.h), whose buffer the host writes through its
 * own mapping (the dependent chain holds guest addresses there). The
 * native loops keep their buffers (and up to PROBE_SWEEP_KEEP of the
 * latency sweep's past placements) at once; every other phase frees each
 * buffer before it makes the next.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "tpt/probe/loops.h"
#include "tpt/probe/probe.h"
#include "tpt/probe/vmm.h"

const char *const probe_where_name[WHERE_N] = {"native", "vm"};
const char *const probe_loop_name[LOOP_N] = {
	"independent", "dependent", "page-chase", "first-touch", "churn", "shadow-fill",
	"pt-write", "pd-write", "cr3-switch", "exit",
};

/* Leaf table writes per event of the other event loops: a write KVM lets
 * through without an exit costs what a store does, so it needs many. */
#define LEAF_WRITES 500

/* Rows of the native loop phase at most: four at --size, a sweep of chains
 * from PROBE_SWEEP_MIN by fours below the largest size, the L1 table and
 * the reach table. */
#define PROBE_MAX_ROWS_NATIVE 32

struct run {
	const struct probe_params *p;
	struct probe_row *rows;
	size_t max, n;
	struct tpt_err *e;
};

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static bool wanted(const struct run *r, enum probe_where w, enum probe_loop l)
{
	return r->p->where[w] && r->p->loop[l];
}

/* A phase starts: a line on stderr if asked, and the machine checked
 * again, for a machine that turned busy during the probe is one whose
 * figures would not hold. 0, or -1 with r->e set. */
static int say(const struct run *r, const char *fmt, const char *a, const char *b)
{
	if (r->p->progress) {
		fprintf(stderr, "tpt probe: ");
		fprintf(stderr, fmt, a, b);
		fputc('\n', stderr);
	}
	if (!r->p->allow_busy && host_quiet(r->e))
		return -1;
	return 0;
}

static struct probe_row *row_new(struct run *r, enum probe_where w, enum probe_loop l,
				 unsigned shift, bool thp)
{
	if (r->n == r->max)
		return NULL;
	struct probe_row *x = &r->rows[r->n++];
	memset(x, 0, sizeof(*x));
	x->where = w;
	x->loop = l;
	x->page_shift = shift;
	x->thp = thp;
	return x;
}

/* A round's figure into x; round 0 warms up (the kernel's allocator, the
 * caches) and is not kept. */
static void row_round(struct probe_row *x, unsigned round, double ns)
{
	if (round)
		x->sample[x->n++] = ns;
}

static void row_done(struct probe_row *x)
{
	x->ns = sample_median(x->sample, x->n);
	x->spread = sample_spread(x->sample, x->n);
	x->noise = sample_noise(x->sample, x->n);
}

/* KVM's statistics that moved between a and b, per event, added to x. */
static void row_stats(struct probe_row *x, const struct vmm_stats *a, const struct vmm_stats *b,
		      double events)
{
	for (unsigned i = 0; i < b->n && i < a->n; i++) {
		double d = (double)(b->v[i] - a->v[i]) / events;
		if (d < 0.01 || !strcmp(b->name[i], "vcpu.halt_poll_fail_ns"))
			continue;
		unsigned k = 0;
		while (k < x->nstats && strcmp(x->stat[k], b->name[i]))
			k++;
		if (k == x->nstats) {
			if (k == PROBE_MAX_STATS)
				continue;
			snprintf(x->stat[k], sizeof(x->stat[k]), "%s", b->name[i]);
			x->stat_per[k] = 0;
			x->nstats++;
		}
		x->stat_per[k] += d;
	}
}

/* Memory of its own for a native buffer, 2 MiB aligned. */
struct nbuf {
	void *map;
	size_t map_size;
	uint8_t *p;
	uint64_t size;
};

static int nbuf_open(struct nbuf *b, uint64_t size, bool thp, struct tpt_err *e)
{
	b->size = size;
	b->map_size = size + 2 * MiB;
	b->map = mmap(NULL, b->map_size, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (b->map == MAP_FAILED) {
		b->map = NULL;
		return tpt_fail_mem(e, "probe: cannot map %llu bytes", (unsigned long long)size);
	}
	b->p = (uint8_t *)tpt_align_up((uint64_t)(uintptr_t)b->map, 2 * MiB);
	madvise(b->p, size, thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
	return 0;
}

static void nbuf_close(struct nbuf *b)
{
	munmap(b->map, b->map_size);
}

/* order[0..n) as a uniformly random single cycle of 0..n-1 (Sattolo's
 * shuffle), drawing from the stream s. */
static void cycle_order(uint32_t *order, uint64_t n, uint64_t *s)
{
	for (uint64_t i = 0; i < n; i++)
		order[i] = (uint32_t)i;
	for (uint64_t i = n ? n - 1 : 0; i > 0; i--) {
		uint64_t j = splitmix(s) % i;
		uint32_t t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
}

/* The order is cycle_order's. */
int probe_chain_build(uint8_t *mem, uint64_t size, uint64_t base, uint64_t seed,
		       struct tpt_err *e)
{
	uint64_t lines = size / 64;
	if (lines > UINT32_MAX)
		return tpt_fail(e, "probe: a chain of %llu lines is too long", (unsigned long long)lines);
	uint32_t *order = malloc(lines * sizeof(*order));
	if (!order)
		return tpt_fail(e, "probe: no memory for a chain of %llu lines", (unsigned long long)lines);
	uint64_t s = seed;
	cycle_order(order, lines, &s);
	for (uint64_t i = 0; i < lines; i++) {
		uint64_t next = order[(i + 1) % lines];
		uint64_t at = base + next * 64;
		memcpy(mem + (uint64_t)order[i] * 64, &at, sizeof(at));
	}
	free(order);
	return 0;
}

/* The pages are the first of a partial Fisher-Yates shuffle of the
 * buffer's, of which the first stays the buffer's first, so that the chain
 * passes through mem's first word, where the loop starts; their order is
 * cycle_order's, as the full chain's. */
int probe_pages_build(uint8_t *mem, uint64_t size, uint64_t base, uint64_t pages, uint64_t seed,
		      struct tpt_err *e)
{
	uint64_t all = size / PAGE_SIZE;
	if (!pages || pages > all || all > UINT32_MAX)
		return tpt_fail(e, "probe: %llu pages of a %llu-page buffer cannot make a page chase",
				(unsigned long long)pages, (unsigned long long)all);
	uint32_t *page = malloc(all * sizeof(*page));
	uint32_t *order = malloc(pages * sizeof(*order));
	int rc = -1;
	if (!page || !order) {
		tpt_fail(e, "probe: no memory for a page chase over %llu pages", (unsigned long long)all);
		goto out;
	}
	for (uint64_t i = 0; i < all; i++)
		page[i] = (uint32_t)i;
	uint64_t s = seed;
	for (uint64_t i = 1; i < pages; i++) {
		uint64_t j = i + splitmix(&s) % (all - i);
		uint32_t t = page[i];
		page[i] = page[j];
		page[j] = t;
	}
	cycle_order(order, pages, &s);
#define PAGE_LINE(i) ((uint64_t)page[i] * PAGE_SIZE + (i) % (PAGE_SIZE / 64) * 64)
	for (uint64_t i = 0; i < pages; i++) {
		uint64_t at = base + PAGE_LINE(order[(i + 1) % pages]);
		memcpy(mem + PAGE_LINE(order[i]), &at, sizeof(at));
	}
#undef PAGE_LINE
	rc = 0;
out:
	free(page);
	free(order);
	return rc;
}

static void ran_init(uint64_t *ran, uint64_t seed)
{
	uint64_t s = seed;
	for (int j = 0; j < 128; j++)
		ran[j] = splitmix(&s) | 1;
}

/* A native loop row: its own chain or table, what a round runs, and what
 * runs untimed before each round (a pass over the chain, a quarter of the
 * updates) so that a row finds its caches as it left them, whichever rows
 * ran between its rounds. */
struct nloop {
	struct probe_row *x;
	uint8_t *p;
	uint64_t n, warm;
};

/* n steps or updates of l's loop over its buffer; ns per step or update. */
static double nloop_run(const struct nloop *l, uint64_t n, uint64_t *ran)
{
	uint64_t t = sample_now_ns();
	if (l->x->loop == LOOP_INDEPENDENT)
		probe_gups((uint64_t *)(void *)l->p, l->x->size / 8 - 1, n / 128, ran);
	else
		probe_chase((uint64_t *)(void *)l->p, n);
	return (double)(sample_now_ns() - t) / (double)n;
}

/* A row of loop lp over size bytes at p, into l. 0, or -1 with r->e set. */
static int nloop_add(struct run *r, struct nloop *l, enum probe_loop lp, bool thp, uint8_t *p,
		     uint64_t size, double share)
{
	if (!(l->x = row_new(r, WHERE_NATIVE, lp, thp ? 21 : 12, thp)))
		return tpt_fail(r->e, "probe: more rows than the probe keeps");
	l->x->size = size;
	l->x->thp_share = share;
	l->p = p;
	if (lp == LOOP_INDEPENDENT) {
		l->n = r->p->updates;
		l->warm = l->n / 4 / 128 * 128;
		l->warm = l->warm ? l->warm : 128;
		return 0;
	}
	l->n = r->p->steps;
	if (lp == LOOP_PAGE_CHASE) {
		uint64_t quarter = size / PAGE_SIZE / 4;
		l->x->pages = quarter < PROBE_PAGE_CHASE_PAGES ? (quarter ? quarter : 1) : PROBE_PAGE_CHASE_PAGES;
		l->warm = l->x->pages < l->n ? l->x->pages : l->n;
		return probe_pages_build(p, size, (uint64_t)(uintptr_t)p, l->x->pages, r->p->seed, r->e);
	}
	l->warm = size / 64 < l->n ? size / 64 : l->n;
	return probe_chain_build(p, size, (uint64_t)(uintptr_t)p, r->p->seed, r->e);
}

/* The buffers of the native loops: a chain and a table on 4K pages and on
 * THP, the sweep's chains and its small table (THP), and a table of four
 * times the size on 4K pages, whose page tables outgrow the caches where
 * those of --size may not: the reach of the walks (what tells the outer
 * hypervisor's page size on a host that is a guest); and the page chase
 * on 4K pages and THP, whose steps each miss the TLB where their data hits
 * a cache. */
enum { NB_CHAIN4K, NB_TABLE4K, NB_CHAIN2M, NB_TABLE2M, NB_SWEEP, NB_REACH, NB_PAGES4K, NB_PAGES2M,
       NB_N };
#define REACH_TIMES 4

/*
 * The sweep's loops l[0..n), whose buffer starts at *at, placed afresh in
 * b: a new buffer, touched, its chains built again at the same offsets.
 * Which frames the kernel (and an outer hypervisor) gives a buffer decides
 * which cache sets its lines share, so a chain near a cache's size hits or
 * misses by its placement: the same chain over 1 MiB took 4.6 to 7.5 ns
 * a step over five placements on one host. A round per placement puts that
 * in the row's spread and noise. 0, or -1 with r->e set.
 */
static int sweep_place(struct run *r, struct nloop *l, unsigned n, uint8_t **at, struct nbuf *b,
		       uint64_t bytes)
{
	if (nbuf_open(b, bytes, true, r->e))
		return -1;
	probe_touch(b->p, b->size / PAGE_SIZE, PAGE_SIZE);
	double share = host_thp_share(b->p, b->size);
	for (unsigned i = 0; i < n; i++) {
		l[i].p = b->p + (l[i].p - *at);
		if (share < l[i].x->thp_share)
			l[i].x->thp_share = share; /* the least of its placements */
		if (l[i].x->loop == LOOP_DEPENDENT &&
		    probe_chain_build(l[i].p, l[i].x->size, (uint64_t)(uintptr_t)l[i].p, r->p->seed, r->e))
			return -1;
	}
	*at = b->p;
	return 0;
}

/*
 * The independent and dependent loops natively, on 4K pages and THP, and
 * the latency sweep; every row in each round before any row's next, so
 * that a machine that drifts during the phase moves every row alike.
 */
static int native_loops(struct run *r)
{
	bool ind = wanted(r, WHERE_NATIVE, LOOP_INDEPENDENT), dep = wanted(r, WHERE_NATIVE, LOOP_DEPENDENT);
	bool pch = wanted(r, WHERE_NATIVE, LOOP_PAGE_CHASE);
	if (!ind && !dep && !pch)
		return 0;
	if (say(r, "native loops on 4K and 2M (THP) pages, and the latency sweep", "", ""))
		return -1;
	const uint64_t size = r->p->size;
	/* The sweep's chains, largest (top) first, each aligned to its size;
	 * then the L1 table. They fill less than half of size. */
	uint64_t sweep = 0, top = PROBE_SWEEP_MIN;
	for (uint64_t s = PROBE_SWEEP_MIN; s < size; s *= 4)
		sweep += top = s;
	sweep = tpt_align_up(sweep + PROBE_SWEEP_MIN, 2 * MiB);
	struct nbuf b[NB_N] = {0};
	struct nloop l[PROBE_MAX_ROWS_NATIVE];
	unsigned nl = 0, s0 = 0, s1 = 0, oldest = 0;
	uint64_t ran[128];
	uint8_t *sweep_at = NULL;
	int rc = -1;
	/* The sweep's placements: round k's in placed[k] (round 0's is b[NB_SWEEP]). */
	struct nbuf *placed = calloc(r->p->rounds + 1, sizeof(*placed));
	if (!placed)
		return tpt_fail_mem(r->e, "probe: no memory for the sweep's placements");
	ran_init(ran, r->p->seed);
	for (int k = 0; k < NB_N; k++) {
		bool chain = k == NB_CHAIN4K || k == NB_CHAIN2M, pages = k == NB_PAGES4K || k == NB_PAGES2M;
		bool thp = k == NB_CHAIN2M || k == NB_TABLE2M || k == NB_SWEEP || k == NB_PAGES2M;
		if ((k == NB_SWEEP ? !dep && !ind : chain ? !dep : pages ? !pch : !ind))
			continue;
		uint64_t bytes = k == NB_SWEEP ? sweep : k == NB_REACH ? REACH_TIMES * size : size;
		if (nbuf_open(&b[k], bytes, thp, r->e))
			goto out;
		/* Every page faulted in first: a table the loop has not yet
		 * written reads the zero page, and THP is seen only once touched. */
		probe_touch(b[k].p, b[k].size / PAGE_SIZE, PAGE_SIZE);
		double share = thp ? host_thp_share(b[k].p, b[k].size) : 0;
		if (k != NB_SWEEP) {
			enum probe_loop lp = chain ? LOOP_DEPENDENT : pages ? LOOP_PAGE_CHASE : LOOP_INDEPENDENT;
			if (nloop_add(r, &l[nl++], lp, thp, b[k].p, bytes, share))
				goto out;
			continue;
		}
		uint64_t at = 0;
		s0 = nl;
		sweep_at = b[k].p;
		for (uint64_t s = top; dep && s >= PROBE_SWEEP_MIN && s < size; s /= 4, at += s * 4)
			if (nloop_add(r, &l[nl++], LOOP_DEPENDENT, true, b[k].p + at, s, share))
				goto out;
		if (ind && nloop_add(r, &l[nl++], LOOP_INDEPENDENT, true, b[k].p + sweep - PROBE_SWEEP_MIN,
				     PROBE_SWEEP_MIN, share))
			goto out;
		s1 = nl;
	}
	for (unsigned round = 0; round <= r->p->rounds; round++) {
		if (round && s1 > s0) {
			/* Earlier placements go, oldest first, beyond PROBE_SWEEP_KEEP. */
			for (; (round - oldest) * sweep > PROBE_SWEEP_KEEP; oldest++) {
				struct nbuf *old = oldest ? &placed[oldest] : &b[NB_SWEEP];
				nbuf_close(old);
				old->map = NULL;
			}
			if (sweep_place(r, l + s0, s1 - s0, &sweep_at, &placed[round], sweep))
				goto out;
		}
		for (unsigned i = 0; i < nl; i++) {
			nloop_run(&l[i], l[i].warm, ran);
			row_round(l[i].x, round, nloop_run(&l[i], l[i].n, ran));
		}
		/* Spaced rounds: a drift of minutes (neighbours taking the
		 * shared cache, then leaving it) lands in the spread. */
		if (round && round < r->p->rounds && r->p->round_gap_s) {
			struct timespec gap = {.tv_sec = r->p->round_gap_s};
			while (nanosleep(&gap, &gap))
				;
		}
	}
	for (unsigned i = 0; i < nl; i++)
		row_done(l[i].x);
	rc = 0;
out:
	for (int k = 0; k < NB_N; k++)
		if (b[k].map)
			nbuf_close(&b[k]);
	for (unsigned k = 1; k <= r->p->rounds; k++)
		if (placed[k].map)
			nbuf_close(&placed[k]);
	free(placed);
	return rc;
}

/* First touch of fresh memory, and mmap-touch-munmap churn, natively. */
static int native_touch(struct run *r)
{
	for (int thp = 0; thp <= 1; thp++) {
		if (!wanted(r, WHERE_NATIVE, LOOP_FIRST_TOUCH))
			break;
		unsigned shift = thp ? 21 : 12;
		struct probe_row *x = row_new(r, WHERE_NATIVE, LOOP_FIRST_TOUCH, shift, thp);
		if (!x)
			return 0;
		if (say(r, "native first touch on %s pages", thp ? "2M (THP)" : "4K", ""))
			return -1;
		for (unsigned i = 0; i <= r->p->rounds; i++) {
			struct nbuf b;
			if (nbuf_open(&b, r->p->touch, thp, r->e))
				return -1;
			uint64_t pages = r->p->touch >> shift, t = sample_now_ns();
			probe_touch(b.p, pages, 1ULL << shift);
			double ns = (double)(sample_now_ns() - t) / (double)pages;
			if (thp)
				x->thp_share = host_thp_share(b.p, b.size);
			nbuf_close(&b);
			row_round(x, i, ns);
		}
		row_done(x);
	}
	if (wanted(r, WHERE_NATIVE, LOOP_CHURN)) {
		struct probe_row *x = row_new(r, WHERE_NATIVE, LOOP_CHURN, 12, false);
		if (!x)
			return 0;
		if (say(r, "native mmap/munmap churn", "", ""))
			return -1;
		uint64_t regions = r->p->touch / (2 * MiB);
		regions = regions ? regions : 1;
		for (unsigned i = 0; i <= r->p->rounds; i++) {
			uint64_t t = sample_now_ns();
			for (uint64_t k = 0; k < regions; k++) {
				void *m = mmap(NULL, 2 * MiB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
				if (m == MAP_FAILED)
					return tpt_fail(r->e, "probe: mmap failed during the churn loop");
				madvise(m, 2 * MiB, MADV_NOHUGEPAGE);
				probe_touch(m, 512, PAGE_SIZE);
				munmap(m, 2 * MiB);
			}
			double ns = (double)(sample_now_ns() - t) / (double)(regions * 512);
			row_round(x, i, ns);
		}
		row_done(x);
	}
	if (wanted(r, WHERE_NATIVE, LOOP_PT_WRITE)) {
		/* The table-write loop on ordinary memory: what the guest's costs beyond. */
		struct probe_row *x = row_new(r, WHERE_NATIVE, LOOP_PT_WRITE, 12, false);
		if (!x)
			return 0;
		struct nbuf b;
		if (nbuf_open(&b, 4 * MiB, false, r->e))
			return -1;
		probe_touch(b.p, 1024, PAGE_SIZE);
		for (unsigned i = 0; i <= r->p->rounds; i++) {
			uint64_t t = sample_now_ns(), n = r->p->events * LEAF_WRITES;
			probe_ptwrite((uint64_t *)(void *)(b.p + 2 * MiB), b.p, n, 2 * MiB, 511);
			double ns = (double)(sample_now_ns() - t) / (double)n;
			row_round(x, i, ns);
		}
		nbuf_close(&b);
		row_done(x);
	}
	return 0;
}

/* One guest call, timed; its ns less the cost of entering and leaving. */
static int vm_time(struct vmm *v, const void *fn, const uint64_t a[5], double base, unsigned timeout,
		   double *ns, struct tpt_err *e)
{
	uint64_t ret, t;
	if (vmm_call(v, fn, a, timeout, &ret, &t, e))
		return -1;
	*ns = (double)t - base;
	return 0;
}

/* The fixed cost of a guest call (entry, the done doorbell), median of a few. */
static int vm_call_base(struct vmm *v, unsigned timeout, double *base, struct tpt_err *e)
{
	double s[5];
	const uint64_t a[5] = {0};
	for (unsigned i = 0; i < ARRAY_LEN(s); i++)
		if (vm_time(v, probe_adds, a, 0, timeout, &s[i], e))
			return -1;
	*base = sample_median(s, ARRAY_LEN(s));
	return 0;
}

/* Rounds of one guest loop into row x: args, events per call. */
static int vm_rounds(struct run *r, struct vmm *v, struct probe_row *x, const void *fn,
		     const uint64_t a[5], double events, double base)
{
	struct vmm_stats s0, s1;
	double ns;
	if (vm_time(v, fn, a, base, r->p->timeout_ms, &ns, r->e)) /* warm-up */
		return -1;
	for (unsigned i = 0; i < r->p->rounds; i++) {
		if (vmm_stats_read(v, &s0, r->e) ||
		    vm_time(v, fn, a, base, r->p->timeout_ms, &ns, r->e) ||
		    vmm_stats_read(v, &s1, r->e))
			return -1;
		x->sample[x->n++] = ns / events;
		row_stats(x, &s0, &s1, events * r->p->rounds);
	}
	row_done(x);
	return 0;
}

/* The independent and dependent loops in the guest: guest pages 4K and 2M,
 * backing 4K and THP. */
static int vm_loops(struct run *r)
{
	for (int gp = 0; gp <= 1; gp++)
		for (int thp = 0; thp <= 1; thp++) {
			if (!wanted(r, WHERE_VM, LOOP_INDEPENDENT) && !wanted(r, WHERE_VM, LOOP_DEPENDENT))
				return 0;
			unsigned shift = gp ? 21 : 12;
			if (say(r, "guest loops on %s guest pages, %s backing", gp ? "2M" : "4K", thp ? "THP" : "4K"))
				return -1;
			struct vmm v;
			if (vmm_open(&v, r->p->size, shift, thp, r->e))
				return -1;
			int rc = -1;
			uint8_t *buf = guest_ptr(&v.g, v.g.buffer);
			if (probe_chain_build(buf, r->p->size, v.g.buffer, r->p->seed, r->e))
				goto out;
			ran_init(guest_ptr(&v.g, GUEST_RAN), r->p->seed);
			double base, share = thp ? host_thp_share(v.mem, v.mem_size) : 0;
			if (vm_call_base(&v, r->p->timeout_ms, &base, r->e))
				goto out;
			for (int l = LOOP_DEPENDENT; l >= LOOP_INDEPENDENT; l--) {
				if (!wanted(r, WHERE_VM, (enum probe_loop)l))
					continue;
				struct probe_row *x = row_new(r, WHERE_VM, (enum probe_loop)l, shift, thp);
				if (!x)
					break;
				x->thp_share = share;
				x->size = r->p->size;
				uint64_t rounds = r->p->updates / 128;
				const uint64_t gups[5] = {v.g.buffer, r->p->size / 8 - 1, rounds, GUEST_RAN, 0};
				const uint64_t chase[5] = {v.g.buffer, r->p->steps, 0, 0, 0};
				if (l == LOOP_INDEPENDENT ? vm_rounds(r, &v, x, probe_gups, gups, (double)(rounds * 128), base)
							  : vm_rounds(r, &v, x, probe_chase, chase, (double)r->p->steps, base))
					goto out;
			}
			rc = 0;
out:
			vmm_close(&v);
			if (rc)
				return rc;
		}
	return 0;
}

/* First touch in a fresh guest each round: pages the host never backed
 * (first-touch), or backed before the guest touches them (shadow-fill). */
static int vm_touch(struct run *r, enum probe_loop l, unsigned shift, bool thp)
{
	if (!wanted(r, WHERE_VM, l))
		return 0;
	struct probe_row *x = row_new(r, WHERE_VM, l, shift, thp);
	if (!x)
		return 0;
	if (say(r, "guest %s, %s", probe_loop_name[l], shift == 12 ? "4K pages" : "2M pages, THP"))
		return -1;
	uint64_t pages = r->p->touch >> shift;
	for (unsigned i = 0; i <= r->p->rounds; i++) {
		struct vmm v;
		struct vmm_stats s0, s1;
		if (vmm_open(&v, r->p->touch, shift, thp, r->e))
			return -1;
		double base, ns;
		const uint64_t a[5] = {v.g.buffer, pages, 1ULL << shift, 0, 0};
		if (l == LOOP_SHADOW_FILL) /* the host backs every page first */
			probe_touch(guest_ptr(&v.g, v.g.buffer), r->p->touch / PAGE_SIZE, PAGE_SIZE);
		int rc = vm_call_base(&v, r->p->timeout_ms, &base, r->e) || vmm_stats_read(&v, &s0, r->e) ||
			 vm_time(&v, probe_touch, a, base, r->p->timeout_ms, &ns, r->e) ||
			 vmm_stats_read(&v, &s1, r->e);
		if (!rc && thp)
			x->thp_share = host_thp_share(v.mem, v.mem_size);
		vmm_close(&v);
		if (rc)
			return -1;
		row_round(x, i, ns / (double)pages);
		if (i)
			row_stats(x, &s0, &s1, (double)pages * r->p->rounds);
	}
	row_done(x);
	return 0;
}

/* Exits: the in-kernel doorbell; CR3 loads; page-table and directory writes. */
static int vm_events(struct run *r)
{
	bool any = false;
	for (int l = LOOP_PT_WRITE; l <= LOOP_EXIT; l++)
		any |= wanted(r, WHERE_VM, (enum probe_loop)l);
	if (!any)
		return 0;
	if (say(r, "guest exits, CR3 loads and table writes", "", ""))
		return -1;
	struct vmm v;
	if (vmm_open(&v, 2 * MiB, 12, false, r->e))
		return -1;
	int rc = -1;
	double base, n = (double)r->p->events;
	if (vm_call_base(&v, r->p->timeout_ms, &base, r->e))
		goto out;
	struct probe_row *x;
	if (wanted(r, WHERE_VM, LOOP_EXIT) && (x = row_new(r, WHERE_VM, LOOP_EXIT, 12, false))) {
		const uint64_t a[5] = {r->p->events, GUEST_DOORBELL + DOORBELL_KERNEL, 0, 0, 0};
		if (vm_rounds(r, &v, x, probe_ring, a, n, base))
			goto out;
	}
	if (wanted(r, WHERE_VM, LOOP_CR3_SWITCH) && (x = row_new(r, WHERE_VM, LOOP_CR3_SWITCH, 12, false))) {
		/* Each round: CR3 rings less as many rings that only exit. */
		const uint64_t nop[5] = {r->p->events, GUEST_DOORBELL + DOORBELL_NOP, 0, 0, 0};
		const uint64_t cr3[5] = {r->p->events, GUEST_DOORBELL + DOORBELL_CR3, 0, 0, 0};
		struct vmm_stats s0, s1;
		double a, b;
		if (vm_time(&v, probe_ring, cr3, base, r->p->timeout_ms, &b, r->e))
			goto out;
		for (unsigned i = 0; i < r->p->rounds; i++) {
			if (vm_time(&v, probe_ring, nop, base, r->p->timeout_ms, &a, r->e) ||
			    vmm_stats_read(&v, &s0, r->e) ||
			    vm_time(&v, probe_ring, cr3, base, r->p->timeout_ms, &b, r->e) ||
			    vmm_stats_read(&v, &s1, r->e))
				goto out;
			x->sample[x->n++] = (b - a) / n;
			row_stats(x, &s0, &s1, n * r->p->rounds);
		}
		row_done(x);
	}
	if (wanted(r, WHERE_VM, LOOP_PT_WRITE) && (x = row_new(r, WHERE_VM, LOOP_PT_WRITE, 12, false))) {
		/* Flip the scratch pages between the region's two halves. */
		const uint64_t a[5] = {v.g.scratch_pt, v.g.scratch, r->p->events * LEAF_WRITES, 2 * MiB, 511};
		if (vm_rounds(r, &v, x, probe_ptwrite, a, n * LEAF_WRITES, base))
			goto out;
	}
	if (wanted(r, WHERE_VM, LOOP_PD_WRITE) && (x = row_new(r, WHERE_VM, LOOP_PD_WRITE, 12, false))) {
		/* Flip the directory entry between the scratch table and its copy. */
		const uint64_t a[5] = {v.g.scratch_pde, v.g.scratch, r->p->events,
				       v.g.scratch_pt ^ v.g.scratch_pt2, 0};
		if (vm_rounds(r, &v, x, probe_ptwrite, a, n, base))
			goto out;
	}
	rc = 0;
out:
	vmm_close(&v);
	return rc;
}

int probe_measure(const struct probe_params *p, const struct host_info *h, bool vm_ok,
	      struct probe_row *rows, size_t max, size_t *nrows, struct tpt_err *e)
{
	(void)h;
	struct run r = {p, rows, max, 0, e};
	int rc = native_loops(&r) || native_touch(&r);
	if (!rc && vm_ok)
		rc = vm_loops(&r) || vm_touch(&r, LOOP_FIRST_TOUCH, 12, false) ||
		     vm_touch(&r, LOOP_FIRST_TOUCH, 21, true) || vm_touch(&r, LOOP_SHADOW_FILL, 12, false) ||
		     vm_events(&r);
	*nrows = r.n;
	return rc ? -1 : 0;
}
