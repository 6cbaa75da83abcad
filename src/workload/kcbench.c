/*
 * kcbench.c - a kernel-build-like run: `make` (pid 1) keeps `jobs` compiler
 * processes in flight until `tasks` have run. Each one is forked from make,
 * execs `cc1`, maps the compiler and its libraries read-only, grows its heap
 * with brk in 1 MiB steps while it works through it (touching a `touch`
 * share of the pages, `work` accesses each, with reads of the library
 * mapped in between), writes an output buffer it maps and unmaps, and
 * exits. Jobs share the vCPU in slices of `slice` accesses. Every task is a
 * new address space built and torn down: page-table churn across
 * processes, forks and context switches.
 *
 * Heap sizes are drawn per task from [heap/4, heap]; instructions per access
 * (6) are an estimate for compiler code.
 */
#include "tpt/workload.h"

enum { P_JOBS, P_TASKS, P_HEAP, P_TOUCH, P_WORK, P_LIB, P_SLICE, P_MLP, P_KENTRY };

static const struct opt params[] = {
	WL_KEY("jobs", OPT_COUNT, "4", 1, 64, NULL, "compiler processes in flight (make -jN)"),
	WL_KEY("tasks", OPT_COUNT, "200", 1, 60000, NULL, "compiler runs in all"),
	WL_KEY("heap", OPT_SIZE, "16M", 1 * MiB, 64 * GiB, NULL, "largest heap a run grows to"),
	WL_KEY("touch", OPT_DOUBLE, "0.6", 0, 1000, NULL, "share of heap pages a run touches"),
	WL_KEY("work", OPT_COUNT, "16", 1, 1ULL << 20, NULL, "accesses per touched page"),
	WL_KEY("lib", OPT_SIZE, "8M", 4096, 16 * GiB, NULL, "compiler and libraries mapped read-only per run"),
	WL_KEY("slice", OPT_COUNT, "20K", 1, 1ULL << 40, NULL, "accesses a job runs before the next one's turn"),
	WL_KEY("mlp", OPT_DOUBLE, "2", 1000, 64000, NULL, "memory-level parallelism (estimate)"),
	WL_KENTRY_PARAM,
	{0},
};

#define INSTRS 6
#define LIB_VA (1ULL << 32)
#define BRK_STEP MiB
#define VM_BRK WL_BRK_BASE
enum { ST_FORK, ST_EXEC, ST_LIB, ST_HEAP, ST_OUT_MAP, ST_OUT, ST_OUT_UNMAP, ST_EXIT, ST_IDLE };

struct job {
	int state;
	uint16_t pid;
	uint64_t heap_pages, page, out_pages, brk;
	uint32_t k; /* access within the current page */
	bool touched;
};

struct kcbench {
	struct job job[64];
	unsigned jobs, cur;
	uint64_t tasks, started, used, slice, next_pid, lib_pages;
	uint32_t work;
	double touch;
	struct wl_phases ph;
	struct rng rng;
	struct wl_kentry kentry;
};

static void start_task(struct kcbench *c, struct job *j, uint64_t heap)
{
	if (c->started == c->tasks) {
		j->state = ST_IDLE;
		return;
	}
	c->started++;
	uint64_t pages = heap / PAGE_SIZE;
	j->heap_pages = pages / 4 + rng_below(&c->rng, pages - pages / 4 + 1);
	j->out_pages = j->heap_pages / 8 + 1;
	j->pid = (uint16_t)c->next_pid++;
	j->page = j->k = 0;
	j->brk = 0;
	j->state = ST_FORK;
}

static int kcbench_init(struct workload *w, struct tpt_err *e)
{
	struct kcbench *c = w->state;
	(void)e;
	c->jobs = (unsigned)w->v[P_JOBS].u;
	c->tasks = w->v[P_TASKS].u;
	c->work = (uint32_t)w->v[P_WORK].u;
	c->touch = w->v[P_TOUCH].d;
	c->slice = w->v[P_SLICE].u;
	c->lib_pages = w->v[P_LIB].u / PAGE_SIZE;
	c->next_pid = 2;
	rng_seed(&c->rng, w->seed);
	wl_kentry_init(&c->kentry, w->kentry);
	snprintf(w->names[0], 16, "make");
	snprintf(w->names[1], 16, "cc1");
	for (unsigned i = 0; i < c->jobs; i++)
		start_task(c, &c->job[i], w->v[P_HEAP].u);
	uint64_t heap = w->v[P_HEAP].u;
	w->footprint = c->jobs * (heap + heap / 8 + w->v[P_LIB].u) + 64 * MiB;
	w->expected_events = (uint64_t)((double)c->tasks * (double)(heap * 5 / 8 / PAGE_SIZE) *
					(c->touch * c->work + 1));
	return 0;
}

/* One event of job j into *ev; false when the job has nothing left. */
static bool job_step(struct workload *w, struct kcbench *c, struct job *j, struct event *ev)
{
	uint16_t pid = j->pid;
	switch (j->state) {
	case ST_FORK:
		*ev = (struct event){.type = EV_FORK, .pid = 1, .arg = pid};
		j->state = ST_EXEC;
		return true;
	case ST_EXEC:
		*ev = (struct event){.type = EV_EXEC, .pid = pid, .arg = 1};
		j->state = ST_LIB;
		return true;
	case ST_LIB:
		*ev = (struct event){.type = EV_MMAP, .pid = pid, .va = LIB_VA,
				     .arg = c->lib_pages * PAGE_SIZE};
		j->state = ST_HEAP;
		return true;
	case ST_HEAP:
		if (j->page == j->heap_pages) {
			j->state = ST_OUT_MAP;
			return job_step(w, c, j, ev);
		}
		if (j->k == 0 && (j->page + 1) * PAGE_SIZE > j->brk) {
			/* malloc asks for more: brk grows by a step. */
			j->brk += BRK_STEP;
			*ev = (struct event){.type = EV_BRK, .pid = pid, .va = VM_BRK + j->brk};
			return true;
		}
		if (j->k == 0)
			j->touched = rng_double(&c->rng) < c->touch;
		if (!j->touched) {
			j->page++;
			return job_step(w, c, j, ev);
		}
		if (j->k % 4 == 3) {
			/* Code and read-only data of the compiler. */
			uint64_t lp = rng_below(&c->rng, c->lib_pages);
			*ev = (struct event){.type = EV_READ, .pid = pid, .size = 8, .instrs = INSTRS,
					     .va = LIB_VA + lp * PAGE_SIZE + 64 * (j->k % 64)};
		} else {
			*ev = (struct event){.pid = pid, .size = 8, .instrs = INSTRS,
					     .va = VM_BRK + j->page * PAGE_SIZE + 64 * (j->k % 64),
					     .type = (j->k == 0 || (j->k & 1)) ? EV_WRITE : EV_READ};
		}
		if (++j->k == c->work) {
			j->k = 0;
			j->page++;
		}
		return true;
	case ST_OUT_MAP:
		*ev = (struct event){.type = EV_MMAP, .pid = pid, .va = WL_BASE_VA,
				     .arg = j->out_pages * PAGE_SIZE, .size = WL_MAP_W};
		j->page = 0;
		j->state = ST_OUT;
		return true;
	case ST_OUT:
		if (j->page == j->out_pages) {
			j->state = ST_OUT_UNMAP;
			return job_step(w, c, j, ev);
		}
		*ev = (struct event){.type = EV_WRITE, .pid = pid, .size = 8, .instrs = INSTRS,
				     .va = WL_BASE_VA + j->page++ * PAGE_SIZE};
		return true;
	case ST_OUT_UNMAP:
		*ev = (struct event){.type = EV_MUNMAP, .pid = pid, .va = WL_BASE_VA,
				     .arg = j->out_pages * PAGE_SIZE};
		j->state = ST_EXIT;
		return true;
	case ST_EXIT:
		*ev = (struct event){.type = EV_EXIT, .pid = pid};
		start_task(c, j, w->v[P_HEAP].u);
		return true;
	default:
		return false;
	}
}

static size_t kcbench_next(struct workload *w, struct event *ev, size_t n)
{
	struct kcbench *c = w->state;
	size_t k = wl_phases_next(&c->ph, w, ev, n); /* make's exec; no warm-up */
	while (k + 2 <= n && c->ph.phase == WL_PH_WORK) {
		unsigned live = 0;
		for (unsigned i = 0; i < c->jobs; i++)
			live += c->job[i].state != ST_IDLE;
		if (!live)
			break;
		struct job *j = &c->job[c->cur];
		if (j->state == ST_IDLE || c->used >= c->slice) {
			c->cur = (c->cur + 1) % c->jobs;
			c->used = 0;
			continue;
		}
		if (!job_step(w, c, j, &ev[k]))
			continue;
		if (ev[k].type <= EV_WRITE) {
			c->used++;
			if (wl_kentry_due(&c->kentry, INSTRS)) {
				k++;
				ev[k] = (struct event){.type = EV_SYSCALL, .arg = 1, .pid = ev[k - 1].pid};
			}
		}
		k++;
	}
	return k;
}

const struct workload_def wl_kcbench = {
	.name = "kcbench",
	.summary = "kernel-build-like process churn: make forks short-lived compilers, -jN",
	.params = params,
	.state_size = sizeof(struct kcbench),
	.init = kcbench_init,
	.next = kcbench_next,
};
