/* SPDX-License-Identifier: MIT */
/*
 * sysbench.c - sysbench's memory test (`sysbench memory`), one thread,
 * global scope, as sysbench 1.0.20 (Debian 12's, the TPT artifact's) runs
 * it, calibrated against recordings of that binary here (docs/fidelity.md).
 *
 * A buffer of `block` bytes is memset at start (the warm-up); then events
 * run until `total` bytes are done, each over the whole block in 8-byte
 * words: seq walks it in order, rnd draws idx = uniform_double * block / 8
 * for each word. op=read loads, op=write stores.
 *
 * Per word, from the recordings (the difference between runs of 2 MiB and
 * 6 MiB in all, so start-up cancels): seq, one access and 5 instructions,
 * 7 at each 64-byte line (5.25 on average); rnd, 31 instructions and 7
 * accesses: the xoroshiro128+ state's two words read and written back, a
 * local and a global read, and the buffer's word.
 */
#include "tpt/workload/workload.h"

enum { P_BLOCK, P_TOTAL, P_MODE, P_OP, P_INIT, P_MLP, P_KENTRY };
enum { MODE_SEQ, MODE_RND };
enum { OP_READ, OP_WRITE };

static const struct opt params[] = {
	WL_KEY("block", OPT_SIZE, "128M", 4096, 1ULL << 42, NULL, "memory block size (--memory-block-size)"),
	WL_KEY("total", OPT_SIZE, "128M", 4, 1ULL << 50, NULL, "total bytes transferred (--memory-total-size)"),
	WL_KEY("mode", OPT_ENUM, "rnd", 0, 0, "seq|rnd", "access mode (--memory-access-mode)"),
	WL_KEY("op", OPT_ENUM, "write", 0, 0, "read|write", "operation (--memory-oper)"),
	WL_KEY("init", OPT_ENUM, "page", 0, 0, WL_INIT_CHOICES, "warm-up: one write per page, the full memset, or none"),
	WL_KEY("mlp", OPT_DOUBLE, "4", 1000, 64000, NULL, "words in flight (rnd: independent, the RNG gives the index; estimate; [cost] mlp when measured; seq: the prefetchers hide [cost] prefetch of its misses)"),
	WL_KENTRY_PARAM,
	{0},
};

/* rnd's accesses per word besides the buffer's: thread-local RNG state and
 * a local (one page), a global (the next); instructions before each. */
#define SB_TLS_VA (WL_BASE_VA - 2 * MiB)
static const struct {
	uint16_t off; /* from SB_TLS_VA */
	uint8_t write, instrs;
} rnd_step[7] = {
	{0x5c0, 0, 4}, {0x5c8, 0, 1}, {0x5c8, 1, 16}, {0x5c0, 1, 3}, {0x640, 0, 5},
	{0, 0, 1} /* the buffer's word */, {0x1538, 0, 1},
};
enum { RND_BUF = 5 };

struct sysbench {
	uint64_t base, words, events, event, i;
	int mode, write;
	unsigned step; /* rnd: the access of the word's iteration due next */
	uint64_t idx;
	struct rng rng;
	struct wl_phases ph;
	struct wl_kentry kentry;
};

static int sysbench_init(struct workload *w, struct tpt_err *e)
{
	struct sysbench *s = w->state;
	uint64_t block = w->v[P_BLOCK].u;
	if (block % 8)
		return tpt_fail(e, "sysbench: block must be a multiple of 8 bytes");
	s->base = WL_BASE_VA;
	s->words = block / 8;
	s->events = (w->v[P_TOTAL].u + block - 1) / block;
	s->mode = (int)w->v[P_MODE].u;
	w->independent = s->mode == MODE_RND; /* each word's index from the RNG, not from data */
	s->write = w->v[P_OP].u == OP_WRITE;
	rng_seed(&s->rng, w->seed);
	wl_kentry_init(&s->kentry, w->kentry);
	w->regions[0] = (struct region){s->base, block};
	w->regions[1] = (struct region){SB_TLS_VA, 2 * PAGE_SIZE};
	w->nregions = 2;
	wl_sweep_init(&s->ph.sweep[0], &w->regions[0], w->v[P_INIT].u, 64, 2);
	s->ph.nsweeps = 1;
	w->expected_events = (s->ph.sweep[0].end - s->ph.sweep[0].addr) / s->ph.sweep[0].stride + 1 +
			     s->events * s->words * (s->mode == MODE_RND ? 7 : 1);
	return 0;
}

static size_t sysbench_next(struct workload *w, struct event *ev, size_t n)
{
	struct sysbench *s = w->state;
	size_t k = wl_phases_next(&s->ph, w, ev, n);
	if (s->ph.phase != WL_PH_WORK)
		return k;
	uint8_t type = s->write ? EV_WRITE : EV_READ;
	while (k + 2 <= n && s->event < s->events) {
		struct event *x = &ev[k++];
		if (s->mode == MODE_SEQ) {
			*x = (struct event){.va = s->base + s->i * 8, .type = type, .size = 8, .pid = 1,
					    .instrs = s->i % 8 ? 5 : 7};
		} else if (s->step == RND_BUF) {
			*x = (struct event){.va = s->base + s->idx * 8, .type = type, .size = 8,
					    .pid = 1, .instrs = rnd_step[RND_BUF].instrs};
		} else {
			if (s->step == 0)
				s->idx = (uint64_t)(rng_double(&s->rng) * (double)s->words);
			*x = (struct event){.va = SB_TLS_VA + rnd_step[s->step].off, .size = 8, .pid = 1,
					    .type = rnd_step[s->step].write ? EV_WRITE : EV_READ,
					    .instrs = rnd_step[s->step].instrs};
		}
		if (wl_kentry_due(&s->kentry, x->instrs))
			ev[k++] = (struct event){.type = EV_SYSCALL, .arg = 1, .pid = 1};
		if (s->mode == MODE_RND && ++s->step < ARRAY_LEN(rnd_step))
			continue;
		s->step = 0;
		if (++s->i == s->words) {
			s->i = 0;
			s->event++;
		}
	}
	return k;
}

static uint64_t sysbench_estimate(const struct workload *w, uint64_t *footprint)
{
	*footprint = w->v[P_BLOCK].u;
	return 0;
}

static uint64_t sysbench_events(const struct workload *w)
{
	uint64_t block = w->v[P_BLOCK].u, runs = block ? (w->v[P_TOTAL].u + block - 1) / block : 0;
	return wl_sweep_events(block, w->v[P_INIT].u, 64) + 1 +
	       runs * (block / 8) * (w->v[P_MODE].u == MODE_RND ? 7 : 1);
}

const struct workload_def wl_sysbench = {
	.name = "sysbench",
	.summary = "sysbench memory test (1.0.20): seq or rnd reads or writes of 8-byte words over a block",
	.params = params,
	.state_size = sizeof(struct sysbench),
	.init = sysbench_init,
	.estimate = sysbench_estimate,
	.events = sysbench_events,
	.next = sysbench_next,
};
