/* SPDX-License-Identifier: MIT */
/*
 * sample.c - sampled simulation's phases, windows and estimates (see
 * sample.h). Called by sim.c: at set-up, at the workload's mark, when the
 * access clock reaches the next phase change (through its tick), and at the
 * end of the run. The fast-forward access itself is sim.c's.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tpt/base/cost.h"
#include "tpt/sim/sim.h"

int sample_init(struct sim *s, uint64_t pages, struct tpt_err *e)
{
	struct sim_sample *m = &s->smp;
	*m = (struct sim_sample){.phase = SAMPLE_EXACT, .next = UINT64_MAX};
	if (!s->prm.sample)
		return 0;
	if (ffwd_init(&m->ff, pages))
		return tpt_fail_mem(e, "out of memory for fast-forward's memo");
	/* Up to the mark (or the first access of a whole run), fast-forward. */
	m->phase = SAMPLE_FAST;
	if (s->prm.whole_run)
		sample_mark(s);
	return 0;
}

void sample_fini(struct sim *s)
{
	ffwd_fini(&s->smp.ff);
	free(s->smp.snap);
	free(s->smp.win_acc);
	s->smp.snap = NULL;
	s->smp.win_acc = NULL;
}

static double mlp_of(const struct sim *s, int pid)
{
	return s->wl->mlp_of ? s->wl->mlp_of(s->wl, pid) : s->wl->mlp;
}

/* Room for every pid the VM has: snap and win_acc grow with it. */
static int room(struct sim_sample *m, unsigned n)
{
	if (n <= m->cap)
		return 0;
	struct tpt_stats *a = realloc(m->snap, n * sizeof(*a));
	if (a)
		m->snap = a;
	uint64_t *b = realloc(m->win_acc, n * sizeof(*b));
	if (b)
		m->win_acc = b;
	if (!a || !b)
		return -1;
	memset(a + m->cap, 0, (n - m->cap) * sizeof(*a));
	memset(b + m->cap, 0, (n - m->cap) * sizeof(*b));
	m->cap = n;
	return 0;
}

/* The phase begins: every process's counters now. A process created later
 * in the phase starts from zero, which its slot holds. */
static void snapshot(struct sim *s)
{
	struct sim_sample *m = &s->smp;
	if (room(m, s->vm.nprocs)) {
		/* Without room the run cannot be estimated: sample_finish fails it. */
		m->failed = true;
		m->phase = SAMPLE_EXACT;
		m->next = UINT64_MAX;
		return;
	}
	for (unsigned pid = 0; pid < m->cap; pid++) {
		const struct process *p = pid < s->vm.nprocs ? s->vm.procs[pid] : NULL;
		if (p)
			m->snap[pid] = p->st;
		else
			memset(&m->snap[pid], 0, sizeof(m->snap[pid]));
	}
}

/* A phase whose timing is not measured ends: each process's timing counters
 * go back to the phase's start (zero for one the phase created). */
static void drop_timing(struct sim *s)
{
	struct sim_sample *m = &s->smp;
	static const struct tpt_stats zero;
	for (unsigned pid = 0; pid < s->vm.nprocs; pid++) {
		struct process *p = s->vm.procs[pid];
		if (p)
			stats_copy_timed(&p->st, pid < m->cap ? &m->snap[pid] : &zero);
	}
}

static void sum_add(struct sample_sum *x, double v)
{
	x->sum += v;
	x->sumsq += v * v;
}

/* The window ends: what it measured, each process against its start. */
static void close_window(struct sim *s)
{
	struct sim_sample *m = &s->smp;
	double stall = 0, walk = 0, data = 0, cycles = 0;
	uint64_t n = 0;
	for (unsigned pid = 0; pid < s->vm.nprocs; pid++) {
		const struct process *p = s->vm.procs[pid];
		if (!p)
			continue;
		struct tpt_stats d = p->st;
		static const struct tpt_stats zero;
		stats_sub(&d, pid < m->cap ? &m->snap[pid] : &zero);
		if (!d.accesses)
			continue;
		if (room(m, pid + 1) == 0)
			m->win_acc[pid] += d.accesses;
		struct tpt_cost c;
		cost_compute(&d, &s->cfg, mlp_of(s, (int)pid), &c);
		walk += c.walk_stall;
		data += c.data_stall;
		cycles += c.total;
		n += d.accesses;
	}
	stall = walk + data;
	m->detailed += s->vm.now - m->phase_start;
	if (n) {
		m->windows++;
		sum_add(&m->stall, stall / (double)n);
		sum_add(&m->walk, walk / (double)n);
		sum_add(&m->data, data / (double)n);
		sum_add(&m->cycles, cycles / (double)n);
	}
	profile_window_end(&s->prof, s->scheme, &s->vm, mlp_of(s, s->vm.cur ? s->vm.cur->pid : 0),
			   (uint32_t)(m->period / s->cfg.sample_window));
	/* A scheme that decides from timing judges the window (shsp). */
	if (s->scheme->timed_decisions)
		s->scheme->tick(&s->vm, sim_account(s));
}

/* The 95 % half-width of a mean per access over n windows (Student's t
 * would widen it by under 5 % from 30 windows), per access. */
static double half_width_per_access(const struct sample_sum *x, uint64_t n)
{
	if (n < 2)
		return 0;
	double mean = x->sum / (double)n;
	double var = (x->sumsq - (double)n * mean * mean) / (double)(n - 1);
	return 1.96 * sqrt(var > 0 ? var : 0) / sqrt((double)n);
}

/* sample_ci: after a window, the period that fits the windows the target
 * needs (n (h / target)^2 at the relative half-width h seen so far) into
 * what remains of the workload's length; never longer than [sample]'s
 * period, nor shorter than warm-up and window. */
static void retarget(struct sim *s)
{
	struct sim_sample *m = &s->smp;
	const struct tpt_config *c = &s->cfg;
	uint64_t len = s->wl->expected_events;
	if (c->sample_ci <= 0 || m->windows < 10 || len <= s->vm.now)
		return;
	double mean = m->cycles.sum / (double)m->windows;
	double h = mean > 0 ? half_width_per_access(&m->stall, m->windows) / mean : 0;
	double more = (double)m->windows * (h / c->sample_ci) * (h / c->sample_ci) - (double)m->windows;
	uint64_t p = c->sample_period, least = c->sample_warmup + c->sample_window;
	if (more >= 1 && (double)(len - s->vm.now) / more < (double)p)
		p = (uint64_t)((double)(len - s->vm.now) / more);
	m->period = p > least ? p : least;
}

/* Enters phase ph at the access clock now, until `until`. */
static void enter(struct sim *s, enum sample_phase ph, uint64_t until)
{
	struct sim_sample *m = &s->smp;
	m->phase = ph;
	m->phase_start = s->vm.now;
	m->next = until;
	snapshot(s);
	if (ph == SAMPLE_WINDOW) {
		profile_window_begin(&s->prof, &s->vm);
		if (s->scheme->timed_decisions)
			s->scheme->tick_start(&s->vm);
	}
}

/* A period begins: warming, or straight into its window. */
static void begin_period(struct sim *s)
{
	const struct tpt_config *c = &s->cfg;
	s->smp.period_start = s->vm.now;
	if (c->sample_warmup)
		enter(s, SAMPLE_WARM, s->vm.now + c->sample_warmup);
	else
		enter(s, SAMPLE_WINDOW, s->vm.now + c->sample_window);
}

void sample_mark(struct sim *s)
{
	struct sim_sample *m = &s->smp;
	if (m->phase == SAMPLE_EXACT)
		return;
	m->windows = m->detailed = m->warmed = m->fast = m->prewarmed = 0;
	m->stall = m->walk = m->data = m->cycles = (struct sample_sum){0};
	m->period = s->cfg.sample_period;
	if (m->win_acc)
		memset(m->win_acc, 0, m->cap * sizeof(*m->win_acc));
	begin_period(s);
}

void sample_change(struct sim *s)
{
	struct sim_sample *m = &s->smp;
	const struct tpt_config *c = &s->cfg;
	switch (m->phase) {
	case SAMPLE_EXACT:
		return;
	case SAMPLE_WARM:
		m->warmed += s->vm.now - m->phase_start;
		drop_timing(s);
		enter(s, SAMPLE_WINDOW, s->vm.now + c->sample_window);
		return;
	case SAMPLE_WINDOW: {
		close_window(s);
		retarget(s);
		uint64_t end = m->period_start + m->period;
		uint64_t warm = c->sample_prewarm < end - s->vm.now ? end - c->sample_prewarm : s->vm.now;
		if (end <= s->vm.now)
			begin_period(s);
		else if (warm > s->vm.now)
			enter(s, SAMPLE_FAST, warm);
		else
			enter(s, SAMPLE_PREWARM, end);
		return;
	}
	case SAMPLE_FAST:
		m->fast += s->vm.now - m->phase_start;
		drop_timing(s);
		if (c->sample_prewarm && m->period_start + m->period > s->vm.now)
			enter(s, SAMPLE_PREWARM, m->period_start + m->period);
		else
			begin_period(s);
		return;
	case SAMPLE_PREWARM:
		m->fast += s->vm.now - m->phase_start;
		m->prewarmed += s->vm.now - m->phase_start;
		drop_timing(s);
		begin_period(s);
		return;
	}
}

int sample_finish(struct sim *s, struct tpt_err *e)
{
	struct sim_sample *m = &s->smp;
	if (m->failed)
		return tpt_fail_mem(e, "out of memory for sampling's per-process counters");
	switch (m->phase) {
	case SAMPLE_EXACT:
		return 0;
	case SAMPLE_WINDOW:
		close_window(s);
		break;
	case SAMPLE_WARM:
		m->warmed += s->vm.now - m->phase_start;
		drop_timing(s);
		break;
	case SAMPLE_PREWARM:
		m->prewarmed += s->vm.now - m->phase_start;
		/* fall through */
	case SAMPLE_FAST:
		m->fast += s->vm.now - m->phase_start;
		drop_timing(s);
		break;
	}
	m->phase_start = s->vm.now;
	m->next = UINT64_MAX;
	/* Each process's timing counters: its windows' times its accesses over
	 * theirs. One that never ran in a window keeps none (and the result
	 * says how many accesses that leaves unestimated). */
	for (unsigned pid = 0; pid < s->vm.nprocs; pid++) {
		struct process *p = s->vm.procs[pid];
		uint64_t w = pid < m->cap ? m->win_acc[pid] : 0;
		if (p && w)
			stats_scale_timed(&p->st, (double)p->st.accesses / (double)w);
		else if (p)
			stats_copy_timed(&p->st, &(struct tpt_stats){0});
	}
	/* The policy's before/after split, scaled the same way. */
	for (unsigned pid = 0; pid < s->vm.nprocs && pid < s->prof.cap; pid++) {
		struct process *p = s->vm.procs[pid];
		uint64_t w = pid < m->cap ? m->win_acc[pid] : 0;
		if (p && w && s->prof.procs[pid].enabled)
			stats_scale_timed(&s->prof.procs[pid].at_enable,
					  (double)p->st.accesses / (double)w);
	}
	m->phase = SAMPLE_EXACT; /* finished: the counters are the estimates now */
	return 0;
}

/* The 95 % half-width, in cycles over `accesses`, of a mean per access over
 * the windows. */
static double half_width(const struct sample_sum *x, uint64_t n, uint64_t accesses)
{
	return half_width_per_access(x, n) * (double)accesses;
}

void sample_result(const struct sim *s, struct sample_result *r)
{
	const struct sim_sample *m = &s->smp;
	*r = (struct sample_result){0};
	if (!s->prm.sample)
		return;
	uint64_t accesses = 0;
	for (unsigned pid = 0; pid < s->vm.nprocs; pid++)
		if (s->vm.procs[pid])
			accesses += s->vm.procs[pid]->st.accesses;
	r->on = true;
	r->windows = m->windows;
	r->detailed = m->detailed;
	r->warmed = m->warmed;
	r->fast_forwarded = m->fast;
	r->prewarmed = m->prewarmed;
	r->target = s->cfg.sample_ci;
	r->period = m->period;
	r->stall_hw = half_width(&m->stall, m->windows, accesses);
	r->walk_hw = half_width(&m->walk, m->windows, accesses);
	r->data_hw = half_width(&m->data, m->windows, accesses);
}

int sample_check(const struct sim *s, struct tpt_err *e)
{
	const struct sim_sample *m = &s->smp;
	if (m->phase == SAMPLE_EXACT)
		return 0;
	if (m->phase == SAMPLE_FAST || m->phase == SAMPLE_PREWARM)
		for (unsigned pid = 0; pid < s->vm.nprocs && pid < m->cap; pid++) {
			const struct process *p = s->vm.procs[pid];
			struct tpt_stats x;
			if (!p)
				continue;
			x = p->st;
			stats_copy_timed(&x, &m->snap[pid]);
			if (memcmp(&x, &p->st, sizeof(x)))
				return tpt_broken(e, "sample_check", 1,
						  "pid %u's timing counters moved in fast-forward", pid);
		}
	return ffwd_check(&m->ff, e);
}
