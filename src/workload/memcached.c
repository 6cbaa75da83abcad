/* SPDX-License-Identifier: MIT */
/*
 * memcached.c - a memcached-like key-value store under a Facebook ETC-like
 * load: a chained hash table of buckets, items in slab classes (chunk sizes
 * from 96 bytes growing by memcached's factor 1.25, 1 MiB slab pages), keys
 * drawn from a Zipf distribution and spread over the table by a bijective
 * permutation, mostly gets (ETC is about 30:1).
 *
 * Warm-up inserts every key (bucket link, item header and value written),
 * or with init=page writes each page of the table and the slabs once: the
 * same pages faulted in and the same tables, without the 7 or so writes an
 * item that a warm-up of 3 x 10^8 keys spends most of its time on.
 * A get hashes the key, reads its bucket, walks the chain reading each
 * item's header until the key is found, then reads the value's lines; a set
 * does the same walk and rewrites the header and value in place. The chains
 * are real (next[] and bucket heads kept on the host), so the walk visits
 * what memcached's would; values are 1/2 to 3/2 of `value` bytes, fixed per
 * key. Instructions: 300 for hashing (an estimate), 4 per table access.
 *
 * Around the table, each request does what memcached 1.6's worker does for
 * it: reads the request from its connection, parses it, builds and sends
 * the reply, back in the event loop; `loop` accesses (half before the
 * table, half after) to the worker's own data: HOT_PAGES pages (stack,
 * libevent's and the statistics' structures) whose lines every request
 * touches again, and RING_NEW pages a request of a ring of RING_PAGES
 * (buffers that move on from request to request). Measured with
 * bench/memcached.sh (docs/fidelity.md): Debian's memcached 1.6, one
 * worker, background threads off, recorded by tpt's Valgrind tool under
 * memcaslap's load, an idle run taken off: 3,373 instructions and 1,183
 * accesses (34 % writes) per request, 2.58 kernel entries (766 per
 * million instructions), and 29.5 distinct 4 KiB pages in a request's
 * worth of accesses, 35.3 in two requests' (about 23.6 the same every
 * request, 5.9 new ones). HOT_PAGES and RING_NEW are set so that the
 * generator's windows, counted the same way, give 29.6 and 35.3 (with the
 * table's bucket and item pages; tests/test_workload.c holds them). The default loop is the accesses less the table's 6.9, at
 * LOOP_IPA instructions each (the rest less the table's 324). Natively,
 * with its defaults, memcached's background threads take 4.3 % of the
 * worker's CPU time (32 % of its user time), on their own core: they are
 * not in this stream. Which lines of a page an access falls on, and the
 * ring's size, are estimates.
 */
#include <stdlib.h>

#include "tpt/workload/workload.h"
#include "zipf.h"

enum { P_KEYS, P_VALUE, P_GETS, P_ZIPF, P_OPS, P_LOOP, P_INIT, P_MLP, P_KENTRY };

static const struct opt params[] = {
	WL_KEY("keys", OPT_COUNT, "1M", 2, 1ULL << 32, NULL, "items stored"),
	WL_KEY("value", OPT_SIZE, "256", 8, 1 * MiB, NULL, "mean value size (values are 1/2 to 3/2 of it)"),
	WL_KEY("gets", OPT_DOUBLE, "0.97", 0, 1000, NULL, "share of requests that are gets (ETC: about 30:1)"),
	WL_KEY("zipf", OPT_DOUBLE, "0.99", 10, 999, NULL, "Zipf exponent of key popularity, below 1"),
	WL_KEY("ops", OPT_COUNT, "100K", 1, 1ULL << 40, NULL, "requests after the warm-up"),
	WL_KEY("loop", OPT_COUNT, "1176", 0, 1000000, NULL,
	       "accesses per request outside the table: protocol, buffers, event loop (measured)"),
	WL_KEY("init", OPT_ENUM, "full", 0, 0, "full|page",
	       "warm-up: insert every key (bucket, header and value lines written), or one write per page of the table and slabs"),
	WL_KEY("mlp", OPT_DOUBLE, "2", 1000, 64000, NULL, "accesses in flight (a request walks its hash chain, a chain; requests are independent; estimate)"),
	WL_KEY("kentry", OPT_DOUBLE, "766", 0, 1000000000, NULL, "kernel entries per million instructions (measured: 2.58 a request, bench/memcached.sh)"),
	{0},
};

#define HEADER 48   /* memcached's item header */
#define KEYLEN 32   /* key bytes stored after it */
#define SLAB_PAGE MiB
#define MAX_CLASSES 40
#define REQUEST_INSTRS 300
#define INSTRS 4
#define HOT_PAGES 21     /* touched by every request (calibrated, above) */
#define RING_PAGES 64    /* the ring of pages requests move through (estimate) */
#define RING_NEW 3       /* ring pages a request touches (calibrated, above) */
#define RING_EVERY 16    /* every 16th loop access falls in the ring (estimate) */
#define LOOP_WRITES 34   /* % of loop accesses that write (measured) */
#define LOOP_IPA_256 664 /* 2.59 instructions per loop access, in 1/256 (measured) */
#define PERMUTE 0x9e3779b97f4a7c15ULL /* odd: a bijection modulo a power of two */

struct mc {
	uint64_t keys, ops, done, buckets_mask, value;
	uint64_t table, slabs;        /* addresses of the hash table and the slab area */
	uint64_t *addr;               /* item address per key */
	uint32_t *next, *head;        /* chains: key + 1, 0 ends */
	uint32_t chunk[MAX_CLASSES];  /* chunk size per class */
	uint64_t used[MAX_CLASSES];   /* chunks handed out per class */
	unsigned classes;
	uint64_t slab_pages;
	uint64_t keymask;
	double gets;
	struct zipf z;
	struct rng rng;
	struct wl_kentry kentry;
	/* the request in progress */
	struct wl_phases ph; /* the warm-up is mc_warm */
	uint64_t key, step, nsteps, cur; /* cur: item on the chain being read */
	bool set, header_done;
	uint64_t warm;
	uint64_t hot, loop;      /* the worker's hot data; loop accesses per request */
	uint64_t loop_left, loop_at; /* of the request's half in progress; its walk */
	uint64_t ring_at;            /* the request's first ring page */
	uint32_t ifix;
	bool parsed, replied;    /* the request's halves of loop accesses began */
};

static uint64_t value_size(const struct mc *m, uint64_t key)
{
	uint64_t h = (key + 1) * 0xff51afd7ed558ccdULL;
	h ^= h >> 31;
	return m->value / 2 + h % (m->value + 1);
}

static uint64_t bucket_of(const struct mc *m, uint64_t key)
{
	uint64_t h = key * 0xc4ceb9fe1a85ec53ULL;
	return (h ^ (h >> 29)) & m->buckets_mask;
}

static unsigned class_of(const struct mc *m, uint64_t bytes)
{
	for (unsigned c = 0; c < m->classes; c++)
		if (m->chunk[c] >= bytes)
			return c;
	return m->classes - 1;
}

static void mc_close(struct workload *w)
{
	struct mc *m = w->state;
	tpt_huge_free(m->addr, m->keys * sizeof(*m->addr));
	tpt_huge_free(m->next, m->keys * sizeof(*m->next));
	tpt_huge_free(m->head, (m->buckets_mask + 1) * sizeof(*m->head));
}

static size_t mc_warm(struct workload *w, struct event *ev, size_t n, bool *done);

static int mc_init(struct workload *w, struct tpt_err *e)
{
	struct mc *m = w->state;
	m->keys = w->v[P_KEYS].u;
	m->value = w->v[P_VALUE].u;
	m->ops = w->v[P_OPS].u;
	m->gets = w->v[P_GETS].d;
	uint64_t buckets = 1;
	while (buckets < m->keys * 4 / 3)
		buckets <<= 1;
	m->buckets_mask = buckets - 1;
	m->keymask = 1;
	while (m->keymask < m->keys)
		m->keymask <<= 1;
	m->keymask--;
	if (wl_host_memory(w, m->keys * (sizeof(*m->addr) + sizeof(*m->next)) +
				      buckets * sizeof(*m->head), e))
		return -1;
	/* Host arrays read at random, here and by every request: huge pages. */
	m->addr = tpt_huge_alloc(m->keys * sizeof(*m->addr));
	m->next = tpt_huge_alloc(m->keys * sizeof(*m->next));
	m->head = tpt_huge_alloc(buckets * sizeof(*m->head));
	w->close = mc_close;
	if (!m->addr || !m->next || !m->head)
		return tpt_fail_mem(e, "memcached: %llu keys need more host memory",
				(unsigned long long)m->keys);
	/* Slab classes: 96 bytes up to 1 MiB by 1.25. */
	double size = 96;
	while (m->classes < MAX_CLASSES && size < SLAB_PAGE) {
		m->chunk[m->classes++] = (uint32_t)tpt_align_up((uint64_t)size, 8);
		size *= 1.25;
	}
	m->chunk[m->classes - 1] = SLAB_PAGE;
	/* Place every item (the warm-up writes them in this order) and chain it. */
	uint64_t per_class_pages[MAX_CLASSES] = {0};
	for (uint64_t k = 0; k < m->keys; k++) {
		unsigned c = class_of(m, HEADER + KEYLEN + value_size(m, k));
		uint64_t per_page = SLAB_PAGE / m->chunk[c];
		if (m->used[c] % per_page == 0)
			per_class_pages[c]++;
		m->used[c]++;
	}
	/* Slab pages of each class are contiguous in this model, classes in order. */
	uint64_t base[MAX_CLASSES], off = 0;
	for (unsigned c = 0; c < m->classes; c++) {
		base[c] = off;
		off += per_class_pages[c] * SLAB_PAGE;
		m->used[c] = 0;
	}
	m->slab_pages = off / SLAB_PAGE;
	m->table = WL_BASE_VA;
	m->slabs = WL_BASE_VA + tpt_align_up(buckets * 8, 2 * MiB);
	for (uint64_t k = 0; k < m->keys; k++) {
		unsigned c = class_of(m, HEADER + KEYLEN + value_size(m, k));
		uint64_t per_page = SLAB_PAGE / m->chunk[c], i = m->used[c]++;
		m->addr[k] = m->slabs + base[c] + (i / per_page) * SLAB_PAGE +
			     (i % per_page) * m->chunk[c];
		uint64_t b = bucket_of(m, k);
		if (k + 32 < m->keys) /* the bucket 32 keys on: its miss overlaps this work */
			__builtin_prefetch(&m->head[bucket_of(m, k + 32)], 1);
		m->next[k] = m->head[b];
		m->head[b] = (uint32_t)(k + 1);
	}
	m->hot = m->slabs + tpt_align_up(off, 2 * MiB);
	m->loop = w->v[P_LOOP].u;
	w->regions[0] = (struct region){m->table, tpt_align_up(buckets * 8, 2 * MiB)};
	w->regions[1] = (struct region){m->slabs, tpt_align_up(off, 2 * MiB)};
	w->regions[2] = (struct region){m->hot, (HOT_PAGES + RING_PAGES) * PAGE_SIZE};
	w->nregions = 3;
	zipf_init(&m->z, m->keys, w->v[P_ZIPF].d);
	rng_seed(&m->rng, w->seed);
	wl_kentry_init(&m->kentry, w->kentry);
	w->expected_events = m->keys * 4 + m->ops * (3 + m->value / 64 + m->loop);
	if (w->v[P_INIT].u == 1) {
		for (int r = 0; r < 2; r++)
			wl_sweep_init(&m->ph.sweep[r], &w->regions[r], WL_INIT_PAGE, 8, 2);
		m->ph.nsweeps = 2;
	} else {
		m->ph.warm = mc_warm;
	}
	return 0;
}

/* The key of a popularity rank: a fixed permutation spreads hot keys. */
static uint64_t key_of(const struct mc *m, uint64_t rank)
{
	uint64_t k = (rank * PERMUTE) & m->keymask;
	while (k >= m->keys) /* keys is not a power of two: cycle-walk */
		k = (k * PERMUTE + 1) & m->keymask;
	return k;
}

/* The warm-up: insert every key in turn: link its bucket, write its header and value. */
static size_t mc_warm(struct workload *w, struct event *ev, size_t n, bool *done)
{
	struct mc *m = w->state;
	size_t k = 0;
	while (k + 3 <= n && m->warm < m->keys) {
		uint64_t key = m->warm;
		if (m->step == 0) {
			ev[k++] = (struct event){.type = EV_WRITE, .pid = 1, .size = 8, .instrs = 100,
						 .va = m->table + bucket_of(m, key) * 8};
			m->step = 1;
			m->nsteps = (HEADER + KEYLEN + value_size(m, key) + 63) / 64;
			continue;
		}
		ev[k++] = (struct event){.type = EV_WRITE, .pid = 1, .size = 8, .instrs = INSTRS,
					 .va = m->addr[key] + (m->step - 1) * 64};
		if (m->step++ == m->nsteps) {
			m->step = 0;
			m->warm++;
		}
	}
	*done = m->warm == m->keys;
	return k;
}

static size_t mc_next(struct workload *w, struct event *ev, size_t n)
{
	struct mc *m = w->state;
	size_t k = wl_phases_next(&m->ph, w, ev, n);
	while (k + 3 <= n && m->ph.phase == WL_PH_WORK && m->done < m->ops) {
		if (m->loop_left) {
			/* The worker's own data: a fixed walk over the hot pages'
			 * lines, and every RING_EVERY-th access in the request's
			 * ring pages. */
			uint64_t j = m->loop_at++, line = (j * 37) % (HOT_PAGES * 64);
			if (j % RING_EVERY == 0)
				line = (HOT_PAGES + (m->ring_at + j / RING_EVERY % RING_NEW) % RING_PAGES) * 64 +
				       j / RING_EVERY % 64;
			uint32_t instrs = wl_instrs(&m->ifix, LOOP_IPA_256);
			ev[k++] = (struct event){.type = (j * 41) % 100 < LOOP_WRITES ? EV_WRITE : EV_READ,
						 .pid = 1, .size = 8, .instrs = instrs,
						 .va = m->hot + line * 64 + (j % 8) * 8};
			if (wl_kentry_due(&m->kentry, instrs))
				ev[k++] = (struct event){.type = EV_SYSCALL, .arg = 1, .pid = 1};
			if (--m->loop_left == 0 && m->replied) {
				m->replied = m->parsed = false;
				m->done++;
			}
			continue;
		}
		if (m->step == 0 && !m->parsed && m->loop) {
			/* Read and parse the request, into the ring's next pages. */
			m->parsed = true;
			m->ring_at = (m->ring_at + RING_NEW) % RING_PAGES;
			m->loop_at = 0;
			m->loop_left = m->loop / 2;
			if (m->loop_left)
				continue;
		}
		if (m->step == 0) {
			/* A new request: parse, hash, read the bucket. */
			m->key = key_of(m, zipf_next(&m->z, &m->rng));
			m->set = rng_double(&m->rng) >= m->gets;
			m->cur = m->head[bucket_of(m, m->key)];
			m->header_done = false;
			m->nsteps = (value_size(m, m->key) + 63) / 64;
			ev[k++] = (struct event){.type = EV_READ, .pid = 1, .size = 8,
						 .instrs = REQUEST_INSTRS,
						 .va = m->table + bucket_of(m, m->key) * 8};
			m->step = 1;
			if (wl_kentry_due(&m->kentry, REQUEST_INSTRS))
				ev[k++] = (struct event){.type = EV_SYSCALL, .arg = 1, .pid = 1};
			continue;
		}
		if (!m->header_done) {
			/* Walk the chain: read each item's header until the key. */
			uint64_t item = m->cur - 1;
			ev[k++] = (struct event){.type = EV_READ, .pid = 1, .size = 8, .instrs = INSTRS,
						 .va = m->addr[item]};
			if (item == m->key) {
				m->header_done = true;
				if (m->set) /* the header's time and flags */
					ev[k++] = (struct event){.type = EV_WRITE, .pid = 1, .size = 8,
								 .instrs = INSTRS, .va = m->addr[item]};
			} else {
				m->cur = m->next[item];
			}
			continue;
		}
		uint64_t line = m->step - 1;
		uint64_t va = m->addr[m->key] + HEADER + KEYLEN + line * 64;
		ev[k++] = (struct event){.type = m->set ? EV_WRITE : EV_READ, .pid = 1, .size = 8,
					 .instrs = INSTRS, .va = va};
		if (m->step++ == m->nsteps) {
			/* Build and send the reply. */
			m->step = 0;
			m->loop_at = 0;
			m->loop_left = m->loop - m->loop / 2;
			if (m->loop_left) {
				m->replied = true;
			} else {
				m->parsed = false;
				m->done++;
			}
		}
	}
	return k;
}

/* The table, and per key its header, key, value and a tenth for the slab
 * classes' rounding; host: an address and a link per key, a head per bucket. */
static uint64_t mc_estimate(const struct workload *w, uint64_t *footprint)
{
	uint64_t keys = w->v[P_KEYS].u, buckets = 1;
	while (buckets < keys * 4 / 3)
		buckets <<= 1;
	*footprint = buckets * 8 + keys * (HEADER + KEYLEN + w->v[P_VALUE].u) / 10 * 11;
	return keys * 12 + buckets * 4;
}

static uint64_t mc_events(const struct workload *w)
{
	return w->v[P_KEYS].u * 4 + w->v[P_OPS].u * (3 + w->v[P_VALUE].u / 64 + w->v[P_LOOP].u);
}

const struct workload_def wl_memcached = {
	.name = "memcached",
	.summary = "memcached-like: hash table, slab items, Zipf keys, ETC-like get/set mix",
	.params = params,
	.state_size = sizeof(struct mc),
	.init = mc_init,
	.estimate = mc_estimate,
	.events = mc_events,
	.next = mc_next,
};
