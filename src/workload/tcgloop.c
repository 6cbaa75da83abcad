/* SPDX-License-Identifier: MIT */
/*
 * tcgloop.c - the TCG probe's guest loops (tcgloop.h) as events: what the
 * bare-metal guest of tpt probe --tcg runs under QEMU, address for
 * address, so that tpt dbt predicts the very loop that was timed.
 *
 * A store to each page (the guest maps all its memory before it runs a
 * loop; tpt dbt's guest maps on first touch), one warm round, then
 * EV_MARK, then `rounds` measured rounds, as the guest runs a row. The region sits where the guest maps it (16 MiB, below
 * a 32-bit guest's 3 GiB, so tpt dbt keeps the address). An iteration's
 * instructions are the loop's own (tcgloop.h); the model counts each
 * access as an instruction, so a read-modify-write's store, which is the
 * same instruction as its load, makes the load's instrs one fewer.
 */
#include "tpt/base/tcgloop.h"
#include "tpt/workload/workload.h"

enum { P_LOOP, P_SIZE, P_ITERS, P_ROUNDS, P_KEY };

static const struct opt params[] = {
	WL_KEY("loop", OPT_ENUM, "rmw", 0, 0, "rmw|chase|seq|gups", "random read-modify-write, dependent chase, sequential read-modify-write, or HPCC's update (x86-64 guests)"),
	WL_KEY("size", OPT_SIZE, "1M", 4096, 1ULL << 30, NULL, "the loop's region, a power of two"),
	WL_KEY("iters", OPT_COUNT, "1M", 1, 1ULL << 32, NULL, "iterations a round (seq: every word of the region, whatever this says; gups: a multiple of 128)"),
	WL_KEY("rounds", OPT_COUNT, "1", 1, 32, NULL, "measured rounds after the warm one"),
	WL_KEY("key", OPT_COUNT, "1", 0, 0xffffffffULL, NULL, "the generator's start (rmw) or the chase order's key, as the guest's key="),
	{0},
};

struct tcgloop {
	int loop;
	uint32_t size, bits, shift, x, key;
	uint64_t iters, round, rounds, i; /* round 0 is the warm one */
	uint64_t touched;                 /* pages stored to before it */
	bool started;                     /* the prologue is out */
	uint64_t ran[TCG_GUPS_STREAMS];   /* gups: the streams */
	unsigned j;                       /* gups: the stream due next */
};

/* The events a run produces: the page stores, every round's accesses,
 * the prologue and EV_MARK. */
static uint64_t tcgloop_count(const struct workload *w)
{
	uint64_t loop = w->v[P_LOOP].u, iters = loop == TCG_SEQ ? w->v[P_SIZE].u / 4 : w->v[P_ITERS].u;
	uint64_t per = loop == TCG_CHASE ? 1 : loop == TCG_GUPS ? 4 : 2;
	return w->v[P_SIZE].u / PAGE_SIZE + (w->v[P_ROUNDS].u + 1) * iters * per + 4;
}

static int tcgloop_init(struct workload *w, struct tpt_err *e)
{
	struct tcgloop *s = w->state;
	uint64_t size = w->v[P_SIZE].u;
	if (!tpt_is_pow2(size))
		return tpt_fail(e, "tcgloop: size must be a power of two");
	s->loop = (int)w->v[P_LOOP].u;
	s->size = (uint32_t)size;
	s->shift = 32 - tpt_log2(size);
	s->bits = tpt_log2(size / TCG_LINE);
	s->key = s->x = (uint32_t)w->v[P_KEY].u;
	s->iters = s->loop == TCG_SEQ ? size / 4 : w->v[P_ITERS].u;
	s->rounds = w->v[P_ROUNDS].u;
	if (s->loop == TCG_GUPS) {
		if (s->iters % TCG_GUPS_STREAMS)
			return tpt_fail(e, "tcgloop: gups's iters must be a multiple of %d", TCG_GUPS_STREAMS);
		uint64_t per = s->iters / TCG_GUPS_STREAMS;
		for (unsigned j = 0; j < TCG_GUPS_STREAMS; j++)
			s->ran[j] = hpcc_starts(per * j + s->key);
	}
	w->independent = s->loop != TCG_CHASE;
	w->regions[0] = (struct region){TCG_BUF_ADDR, size};
	w->regions[1] = (struct region){TCG_RAN_ADDR, PAGE_SIZE};
	w->nregions = s->loop == TCG_GUPS ? 2 : 1;
	w->expected_events = tcgloop_count(w);
	return 0;
}

static size_t tcgloop_next(struct workload *w, struct event *ev, size_t n)
{
	struct tcgloop *s = w->state;
	size_t k = 0;
	if (!s->round && !s->i && !s->started && n >= 9) {
		k = wl_prologue(w, ev);
		s->started = true; /* the prologue; EV_MARK follows round 0 */
		return k;
	}
	for (; k < n && s->touched < s->size / PAGE_SIZE; s->touched++)
		ev[k++] = (struct event){.va = TCG_BUF_ADDR + s->touched * PAGE_SIZE, .type = EV_WRITE,
					 .size = 4, .pid = 1};
	while (k + 2 <= n && s->round <= s->rounds) {
		if (s->i == s->iters) {
			s->i = 0;
			if (s->round++ == 0)
				ev[k++] = (struct event){.type = EV_MARK, .pid = 1};
			continue;
		}
		uint64_t va;
		if (s->loop == TCG_RMW) {
			s->x = tcg_lcg(s->x);
			va = TCG_BUF_ADDR + ((s->x >> s->shift) & ~3u);
			ev[k++] = (struct event){.va = va, .type = EV_READ, .size = 4, .pid = 1,
						 .instrs = TCG_RMW_INSTRS - 2};
			ev[k++] = (struct event){.va = va, .type = EV_WRITE, .size = 4, .pid = 1};
		} else if (s->loop == TCG_CHASE) {
			uint32_t line = tcg_perm((uint32_t)(s->i % (1ULL << s->bits)), s->bits, s->key);
			va = TCG_BUF_ADDR + (uint64_t)line * TCG_LINE;
			ev[k++] = (struct event){.va = va, .type = EV_READ, .size = 4 | EV_CHAIN,
						 .pid = 1, .instrs = TCG_CHASE_INSTRS - 1};
		} else if (s->loop == TCG_GUPS) {
			/* probe_gups: ran[j]'s load, 7 instructions, its store, the
			 * mask, the table word's xor in place, the loop's compare
			 * and branch (2, before the next load). */
			if (k + 4 > n)
				break;
			uint64_t ran_va = TCG_RAN_ADDR + 8 * s->j, r = hpcc_step(s->ran[s->j]);
			s->ran[s->j] = r;
			s->j = (s->j + 1) % TCG_GUPS_STREAMS;
			va = TCG_BUF_ADDR + (r & (s->size / 8 - 1)) * 8;
			ev[k++] = (struct event){.va = ran_va, .type = EV_READ, .size = 8, .pid = 1, .instrs = 2};
			ev[k++] = (struct event){.va = ran_va, .type = EV_WRITE, .size = 8, .pid = 1, .instrs = 7};
			ev[k++] = (struct event){.va = va, .type = EV_READ, .size = 8, .pid = 1};
			ev[k++] = (struct event){.va = va, .type = EV_WRITE, .size = 8, .pid = 1};
		} else {
			va = TCG_BUF_ADDR + s->i * 4;
			ev[k++] = (struct event){.va = va, .type = EV_READ, .size = 4, .pid = 1,
						 .instrs = TCG_SEQ_INSTRS - 2};
			ev[k++] = (struct event){.va = va, .type = EV_WRITE, .size = 4, .pid = 1};
		}
		s->i++;
	}
	return k;
}

static uint64_t tcgloop_estimate(const struct workload *w, uint64_t *footprint)
{
	*footprint = w->v[P_SIZE].u;
	return 0;
}

static uint64_t tcgloop_events(const struct workload *w)
{
	return tcgloop_count(w);
}

const struct workload_def wl_tcgloop = {
	.name = "tcgloop",
	.summary = "the loops tpt probe --tcg times in its QEMU guest: random or sequential read-modify-write, or a chase",
	.params = params,
	.state_size = sizeof(struct tcgloop),
	.init = tcgloop_init,
	.estimate = tcgloop_estimate,
	.events = tcgloop_events,
	.next = tcgloop_next,
};
