/*
 * sysbench.c - sysbench's memory test (`sysbench memory`), one thread,
 * global scope, as in tests/memory/sb_memory.c of sysbench 1.0.
 *
 * A buffer of `block` bytes is memset at start (the warm-up); then events
 * run until `total` bytes are done, each over the whole block in 4-byte ints:
 * seq walks it in order, rnd picks idx = (int)(uniform_double * block / 4)
 * for each int. op=read loads, op=write stores.
 *
 * Instructions per access are estimates from the loops' code: 3 for seq
 * (store/load, add, compare-and-branch), 20 for rnd (the xoshiro step and
 * the double conversion of sb_rand_uniform_double).
 */
#include "tpt/workload.h"

enum { P_BLOCK, P_TOTAL, P_MODE, P_OP, P_INIT, P_MLP, P_KENTRY };
enum { MODE_SEQ, MODE_RND };
enum { OP_READ, OP_WRITE };

static const struct opt params[] = {
	WL_KEY("block", OPT_SIZE, "128M", 4096, 1ULL << 42, NULL, "memory block size (--memory-block-size)"),
	WL_KEY("total", OPT_SIZE, "128M", 4, 1ULL << 50, NULL, "total bytes transferred (--memory-total-size)"),
	WL_KEY("mode", OPT_ENUM, "rnd", 0, 0, "seq|rnd", "access mode (--memory-access-mode)"),
	WL_KEY("op", OPT_ENUM, "write", 0, 0, "read|write", "operation (--memory-oper)"),
	WL_KEY("init", OPT_ENUM, "page", 0, 0, WL_INIT_CHOICES, "warm-up: one write per page, the full memset, or none"),
	WL_KEY("mlp", OPT_DOUBLE, "4", 1000, 64000, NULL, "memory-level parallelism of the accesses (estimate; prefetching is not modelled)"),
	WL_KENTRY_PARAM,
	{0},
};

struct sysbench {
	uint64_t base, words, events, event, i;
	int mode, write;
	uint32_t instrs;
	struct rng rng;
	struct wl_phases ph;
	struct wl_kentry kentry;
};

static int sysbench_init(struct workload *w, struct tpt_err *e)
{
	struct sysbench *s = w->state;
	uint64_t block = w->v[P_BLOCK].u;
	if (block % 4)
		return tpt_fail(e, "sysbench: block must be a multiple of 4 bytes");
	if (block / 4 > 0x7fffffffULL)
		return tpt_fail(e, "sysbench: block above 8G overflows sysbench's int index");
	s->base = WL_BASE_VA;
	s->words = block / 4;
	s->events = (w->v[P_TOTAL].u + block - 1) / block;
	s->mode = (int)w->v[P_MODE].u;
	s->write = w->v[P_OP].u == OP_WRITE;
	s->instrs = s->mode == MODE_SEQ ? 3 : 20;
	rng_seed(&s->rng, w->seed);
	wl_kentry_init(&s->kentry, w->kentry);
	w->regions[0] = (struct region){s->base, block};
	w->nregions = 1;
	wl_sweep_init(&s->ph.sweep[0], &w->regions[0], w->v[P_INIT].u, 64, 2);
	s->ph.nsweeps = 1;
	w->expected_events = (s->ph.sweep[0].end - s->ph.sweep[0].addr) / s->ph.sweep[0].stride + 1 +
			     s->events * s->words;
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
		uint64_t idx = s->i;
		if (s->mode == MODE_RND)
			idx = (uint64_t)(int)(rng_double(&s->rng) * (double)s->words);
		ev[k++] = (struct event){.va = s->base + idx * 4, .instrs = s->instrs, .type = type,
					 .size = 4, .pid = 1};
		if (wl_kentry_due(&s->kentry, s->instrs))
			ev[k++] = (struct event){.type = EV_SYSCALL, .arg = 1, .pid = 1};
		if (++s->i == s->words) {
			s->i = 0;
			s->event++;
		}
	}
	return k;
}

const struct workload_def wl_sysbench = {
	.name = "sysbench",
	.summary = "sysbench memory test: seq or rnd reads or writes of 4-byte ints over a block",
	.params = params,
	.state_size = sizeof(struct sysbench),
	.init = sysbench_init,
	.next = sysbench_next,
};
