/* SPDX-License-Identifier: MIT */
/*
 * kcbench.c - a kernel-build-like run, calibrated against real compiles
 * recorded here (`tpt trace record -- gcc -O2 -c FILE`, see
 * docs/fidelity.md): `make` (pid 1) keeps `jobs` compiles in flight until `tasks`
 * have run. A compile is three programs, as gcc runs them: make forks the
 * driver `gcc`, which forks `cc1` and waits for it, then forks `as` and
 * waits, then exits. Jobs share the vCPU in slices of `slice` instructions.
 *
 * Each program maps its image (binary and libraries: a file mapping, read
 * only, the same file in every run of the program, so its read faults map
 * the fault-around window from the page cache) and touches, over
 * its run, its stack, pages of its image, and data pages (heap, grown with
 * brk in 128 KiB steps). From the recording of cc1 on src/core/cost.c (174 M
 * instructions): 2.64 instructions per access; 54 % of accesses to the
 * stack (25 pages), 14 % reads of the image (882 pages read), 32 % to data
 * (1,389 pages written); the driver and `as` likewise. Pages a program
 * needs to start (its libraries, its data at start-up) are first touched
 * in its first tenth; cc1's data then grows by 2.13 pages per million
 * instructions (the slope between compiles of cost.c, 180 M instructions
 * and 2,370 minor faults, and vm/guest.c, 1,105 M and 4,343: a larger
 * source file is a longer cc1 run with more heap, not more programs). An
 * access reuses a page of its region: with probability `far` any page
 * touched so far, else one of the few touched last (the recording's L1 TLB
 * hit rate, 99.2 %, says accesses stay on few pages). Estimates, not
 * measurements: where in the image the read pages lie (spread evenly),
 * 35 % of stack and 40 % of data accesses being writes (the recording:
 * 32 % of all accesses), and the slice (CFS with two tasks ready, 3 ms).
 * Kernel entries per million instructions are each program's: cc1's the
 * `kentry` key (6.2), the driver's 287 and as's 48 (a recorded make -j2 of
 * two files: the drivers' 325 and 326 system calls in 1.13 M instructions
 * each, the two as runs' 191 each in 4.2 M and 3.7 M).
 */
#include "tpt/workload/workload.h"

enum { P_JOBS, P_TASKS, P_CC1, P_FAR, P_CACHE, P_SLICE, P_MLP, P_KENTRY };
enum { CACHE_WARM, CACHE_COLD };

static const struct opt params[] = {
	WL_KEY("jobs", OPT_COUNT, "2", 1, 64, NULL, "compiles in flight (make -jN)"),
	WL_KEY("tasks", OPT_COUNT, "2", 1, 60000, NULL, "compiles in all (each: gcc, cc1, as)"),
	WL_KEY("cc1", OPT_COUNT, "175M", 1000000, 1ULL << 40, NULL,
	       "instructions of each cc1 run (175M: gcc -O2 on src/core/cost.c)"),
	WL_KEY("far", OPT_DOUBLE, "0.001", 0, 1000, NULL,
	       "share of accesses to any page touched so far, not one touched last"),
	WL_KEY("cache", OPT_ENUM, "warm", 0, 0, "warm|cold",
	       "warm: before the build, a process reads every page of the programs' images, "
	       "so the page cache holds them, backed (a machine that built before)"),
	WL_KEY("slice", OPT_COUNT, "4M", 1000, 1ULL << 40, NULL,
	       "instructions a job runs before the next one's turn"),
	WL_KEY("mlp", OPT_DOUBLE, "2", 1000, 64000, NULL, "accesses in flight (a compiler's pointer-rich data; estimate)"),
	WL_KEY("kentry", OPT_DOUBLE, "6.2", 0, 1000000000, NULL,
	       "cc1's kernel entries per million instructions (the recording: 6.1 system calls, and the "
	       "tick); the driver's and as's are their recordings' (287, 48); 0: none at all"),
	{0},
};

/* One program of a compile, from the recording (see the header). */
struct progdef {
	const char *name;
	double minstr;       /* millions of instructions (cc1: the cc1 key) */
	double ipa;          /* instructions per access */
	uint32_t stack, ro;  /* stack pages; image pages read */
	uint32_t data;       /* data pages written at start-up */
	double grow;         /* further data pages per million instructions */
	double to_stack, to_image; /* shares of accesses; the rest to data */
	uint64_t image;      /* bytes of the image mapping */
	double kentry;       /* kernel entries per million instructions (cc1: the kentry key) */
};

enum { GCC, CC1, AS };
static const struct progdef progs[3] = {
	[GCC] = {"gcc", 1.12, 3.93, 3, 126, 40, 0, 0.44, 0.39, 4 * MiB, 287},
	[CC1] = {"cc1", 0, 2.64, 25, 882, 1020, 2.13, 0.54, 0.14, 16 * MiB, 0},
	[AS] = {"as", 3.46, 2.90, 3, 222, 210, 0, 0.38, 0.41, 8 * MiB, 48},
};

#define IMAGE_VA (1ULL << 32)
#define STACK_VA (WL_BASE_VA + GiB)
#define STACK_LEN (8 * MiB)
#define BRK_STEP (128 * KiB)
/* Share of accesses to the line accessed last in their region or one
 * beside it: the recording's L1 data-cache hit rate (99 %) says most. */
#define STAY 0.95
/* A page touched last is entered at one of HOT_LINES lines of its own (an
 * estimate: a few objects of each page are the ones in use). */
#define HOT_LINES 8

enum { R_STACK, R_IMAGE, R_DATA };

/* A program running: where it is in its accesses and pages. */
struct run {
	int prog;
	uint16_t pid;
	uint64_t accesses, done;
	uint64_t fixed[3], grow; /* pages per region at start-up; data pages grown over the run */
	uint64_t touched[3];
	uint64_t brk;
	uint32_t ifix;           /* instructions, in 1/256, carried between accesses */
	uint32_t ipa256;
	uint64_t stride;         /* image pages between two pages read */
	struct wl_kentry kentry; /* the program's kernel entries */
	uint64_t page[3];        /* per region: the page and line accessed last */
	uint32_t line[3];
	int state;
};

enum { S_EXEC, S_FILE, S_IMAGE, S_STACK, S_RUN, S_DONE };
enum { J_IDLE, J_FORK_GCC, J_GCC1, J_FORK_CC1, J_CC1, J_FORK_AS, J_AS, J_GCC2 };

struct job {
	int state;
	uint16_t gcc_pid;
	struct run run; /* the program running now */
};

struct kcbench {
	struct job job[64];
	unsigned jobs, cur;
	uint64_t tasks, started, next_pid, slice, used;
	double far, cc1, kentry_cc1;
	struct wl_phases ph;
	struct rng rng;
	uint64_t warm_step; /* the warm-up's next event */
	uint16_t warm_pid;
};

static uint64_t run_accesses(const struct kcbench *c, int prog, double share)
{
	double minstr = prog == CC1 ? c->cc1 / 1e6 : progs[prog].minstr;
	return (uint64_t)(minstr * 1e6 * share / progs[prog].ipa) + 1;
}

/* Program prog starts in process pid, for share of its instructions. */
static void run_start(struct kcbench *c, struct run *r, int prog, uint16_t pid, double share,
		      bool fresh)
{
	const struct progdef *d = &progs[prog];
	double minstr = prog == CC1 ? c->cc1 / 1e6 : d->minstr;
	*r = (struct run){.prog = prog, .pid = pid, .state = fresh ? S_EXEC : S_RUN};
	r->accesses = run_accesses(c, prog, share);
	r->fixed[R_STACK] = d->stack;
	r->fixed[R_IMAGE] = d->ro;
	r->fixed[R_DATA] = d->data;
	r->grow = (uint64_t)(d->grow * minstr);
	r->ipa256 = (uint32_t)(d->ipa * 256 + 0.5);
	/* kentry=0: no kernel entries at all */
	wl_kentry_init(&r->kentry, prog == CC1 || c->kentry_cc1 == 0 ? c->kentry_cc1 : d->kentry);
	uint64_t pages = d->image / PAGE_SIZE;
	r->stride = pages / d->ro ? pages / d->ro : 1;
	if (!fresh) {
		/* The driver's second half: its pages are there. */
		for (int k = 0; k < 3; k++)
			r->touched[k] = r->fixed[k];
		r->brk = tpt_align_up(d->data * PAGE_SIZE, BRK_STEP);
	}
}

/* Pages of region k the run has touched by now, as it should. */
static uint64_t run_target(const struct run *r, int k)
{
	double at = (double)r->done / (double)r->accesses;
	double early = at >= 0.1 ? 1 : at / 0.1;
	uint64_t t = (uint64_t)((double)r->fixed[k] * early + 0.999);
	if (k == R_DATA)
		t += (uint64_t)((double)r->grow * at);
	return t ? t : 1;
}

static uint64_t region_va(const struct run *r, int k, uint64_t page)
{
	switch (k) {
	case R_STACK: return STACK_VA + STACK_LEN - (page + 1) * PAGE_SIZE;
	case R_IMAGE: return IMAGE_VA + page * r->stride * PAGE_SIZE;
	default: return WL_BRK_BASE + page * PAGE_SIZE;
	}
}

/* The run's next event into *ev; false when it has ended. */
static bool run_step(struct kcbench *c, struct run *r, struct event *ev)
{
	const struct progdef *d = &progs[r->prog];
	uint16_t pid = r->pid;
	switch (r->state) {
	case S_EXEC:
		*ev = (struct event){.type = EV_EXEC, .pid = pid, .arg = (uint64_t)(1 + r->prog)};
		r->state = S_FILE;
		return true;
	case S_FILE:
		/* Every run of a program maps the same file: its pages are cached. */
		*ev = (struct event){.type = EV_FILE, .pid = pid, .va = (uint64_t)(1 + r->prog)};
		r->state = S_IMAGE;
		return true;
	case S_IMAGE:
		*ev = (struct event){.type = EV_MMAP, .pid = pid, .va = IMAGE_VA, .arg = d->image,
				     .size = WL_MAP_FILE};
		r->state = S_STACK;
		return true;
	case S_STACK:
		*ev = (struct event){.type = EV_MMAP, .pid = pid, .va = STACK_VA, .arg = STACK_LEN,
				     .size = WL_MAP_W};
		r->state = S_RUN;
		return true;
	case S_RUN:
		break;
	default:
		return false;
	}
	if (r->done == r->accesses) {
		r->state = S_DONE;
		return false;
	}
	double u = rng_double(&c->rng);
	int k = u < d->to_stack ? R_STACK : u < d->to_stack + d->to_image ? R_IMAGE : R_DATA;
	uint64_t page, want = run_target(r, k);
	uint32_t line = (uint32_t)rng_below(&c->rng, 64);
	bool first = r->touched[k] < want;
	if (first) {
		page = r->touched[k];
		if (k == R_DATA && (page + 1) * PAGE_SIZE > r->brk) {
			/* malloc asks for more: brk grows by a step. */
			r->brk += BRK_STEP;
			*ev = (struct event){.type = EV_BRK, .pid = pid, .va = WL_BRK_BASE + r->brk};
			return true;
		}
		r->touched[k]++;
	} else if (rng_double(&c->rng) < STAY) {
		/* The line accessed last in this region, or one beside it. */
		page = r->page[k];
		line = r->line[k] + (uint32_t)rng_below(&c->rng, 3);
		line = line == 0 ? 0 : line - 1 > 63 ? 63 : line - 1;
	} else if (rng_double(&c->rng) < c->far) {
		page = rng_below(&c->rng, r->touched[k]);
	} else {

		/* One of the pages touched last: 0..15 back, nearer more likely. */
		uint64_t back = rng_below(&c->rng, 1 + rng_below(&c->rng, 16));
		page = r->touched[k] - 1 - (back < r->touched[k] ? back : r->touched[k] - 1);
		line = (uint32_t)((page * 29 + rng_below(&c->rng, HOT_LINES)) % 64);
	}
	r->page[k] = page;
	r->line[k] = line;
	bool write = k != R_IMAGE &&
		     (first || rng_double(&c->rng) < (k == R_STACK ? 0.35 : 0.40));
	uint32_t instrs = wl_instrs(&r->ifix, r->ipa256);
	*ev = (struct event){.type = write ? EV_WRITE : EV_READ, .pid = pid, .size = 8,
			     .instrs = instrs,
			     .va = region_va(r, k, page) + 64 * line};
	r->done++;
	return true;
}

static void job_start(struct kcbench *c, struct job *j)
{
	if (c->started == c->tasks) {
		j->state = J_IDLE;
		return;
	}
	c->started++;
	j->gcc_pid = (uint16_t)c->next_pid++;
	j->state = J_FORK_GCC;
}

/* One event of job j into *ev; false when the job has nothing left. */
static bool job_step(struct kcbench *c, struct job *j, struct event *ev)
{
	for (;;) {
		switch (j->state) {
		case J_IDLE:
			return false;
		case J_FORK_GCC:
			*ev = (struct event){.type = EV_FORK, .pid = 1, .arg = j->gcc_pid};
			run_start(c, &j->run, GCC, j->gcc_pid, 0.5, true);
			j->state = J_GCC1;
			return true;
		case J_FORK_CC1:
		case J_FORK_AS: {
			uint16_t child = (uint16_t)c->next_pid++;
			*ev = (struct event){.type = EV_FORK, .pid = j->gcc_pid, .arg = child};
			run_start(c, &j->run, j->state == J_FORK_CC1 ? CC1 : AS, child, 1, true);
			j->state++;
			return true;
		}
		default:
			break;
		}
		if (run_step(c, &j->run, ev))
			return true;
		/* The program ended. */
		if (j->state == J_CC1 || j->state == J_AS) {
			*ev = (struct event){.type = EV_EXIT, .pid = j->run.pid};
			if (j->state == J_AS)
				run_start(c, &j->run, GCC, j->gcc_pid, 0.5, false);
			j->state = j->state == J_CC1 ? J_FORK_AS : J_GCC2;
			return true;
		}
		if (j->state == J_GCC1) {
			j->state = J_FORK_CC1;
			continue;
		}
		*ev = (struct event){.type = EV_EXIT, .pid = j->gcc_pid};
		job_start(c, j);
		return true;
	}
}

/* The warm-up (cache=warm): a process `cat` maps each program's image and
 * reads one word per fault-around window, then exits: the page cache holds
 * every page of the images, and the host has backed them. */
static size_t kc_warm(struct workload *w, struct event *ev, size_t n, bool *done)
{
	struct kcbench *c = w->state;
	size_t k = 0;
	uint16_t pid = c->warm_pid;
	*done = false;
	while (k < n) {
		uint64_t s = c->warm_step;
		if (s == 0) {
			ev[k++] = (struct event){.type = EV_FORK, .pid = 1, .arg = pid};
		} else if (s == 1) {
			ev[k++] = (struct event){.type = EV_EXEC, .pid = pid, .arg = 4};
		} else {
			/* per program: file, mmap, reads, munmap */
			s -= 2;
			int prog = 0;
			uint64_t steps = 0;
			for (; prog < 3; prog++) {
				steps = 3 + progs[prog].image / (64 * KiB);
				if (s < steps)
					break;
				s -= steps;
			}
			if (prog == 3) {
				ev[k++] = (struct event){.type = EV_EXIT, .pid = pid};
				*done = true;
				c->warm_step++;
				return k;
			}
			uint64_t image = progs[prog].image;
			if (s == 0)
				ev[k++] = (struct event){.type = EV_FILE, .pid = pid,
							 .va = (uint64_t)(1 + prog)};
			else if (s == 1)
				ev[k++] = (struct event){.type = EV_MMAP, .pid = pid, .va = IMAGE_VA,
							 .arg = image, .size = WL_MAP_FILE};
			else if (s < steps - 1)
				ev[k++] = (struct event){.type = EV_READ, .pid = pid, .size = 8,
							 .instrs = 4,
							 .va = IMAGE_VA + (s - 2) * 64 * KiB};
			else
				ev[k++] = (struct event){.type = EV_MUNMAP, .pid = pid, .va = IMAGE_VA,
							 .arg = image};
		}
		c->warm_step++;
	}
	return k;
}

static int kcbench_init(struct workload *w, struct tpt_err *e)
{
	struct kcbench *c = w->state;
	(void)e;
	c->jobs = (unsigned)w->v[P_JOBS].u;
	c->tasks = w->v[P_TASKS].u;
	c->cc1 = (double)w->v[P_CC1].u;
	c->far = w->v[P_FAR].d;
	c->slice = w->v[P_SLICE].u;
	c->next_pid = 2;
	if (w->v[P_CACHE].u == CACHE_WARM) {
		c->warm_pid = (uint16_t)c->next_pid++;
		c->ph.warm = kc_warm;
	}
	rng_seed(&c->rng, w->seed);
	c->kentry_cc1 = w->kentry;
	snprintf(w->names[0], 16, "make");
	for (int p = 0; p < 3; p++)
		snprintf(w->names[1 + p], 16, "%s", progs[p].name);
	snprintf(w->names[4], 16, "cat");
	for (unsigned i = 0; i < c->jobs; i++)
		job_start(c, &c->job[i]);
	uint64_t data = 0, per_task = 0;
	for (int p = 0; p < 3; p++) {
		double minstr = p == CC1 ? c->cc1 / 1e6 : progs[p].minstr;
		data += progs[p].image + STACK_LEN +
			(uint64_t)(progs[p].data + progs[p].grow * minstr + 64) * PAGE_SIZE;
		per_task += run_accesses(c, p, 1) + 16;
	}
	w->footprint = c->jobs * data + 64 * MiB;
	w->expected_events = c->tasks * per_task;
	return 0;
}

static size_t kcbench_next(struct workload *w, struct event *ev, size_t n)
{
	struct kcbench *c = w->state;
	size_t k = wl_phases_next(&c->ph, w, ev, n); /* make's exec; no warm-up */
	while (k + 2 <= n && c->ph.phase == WL_PH_WORK) {
		unsigned live = 0;
		for (unsigned i = 0; i < c->jobs; i++)
			live += c->job[i].state != J_IDLE;
		if (!live)
			break;
		struct job *j = &c->job[c->cur];
		if (j->state == J_IDLE || c->used >= c->slice) {
			c->cur = (c->cur + 1) % c->jobs;
			c->used = 0;
			continue;
		}
		if (!job_step(c, j, &ev[k]))
			continue;
		if (ev[k].type <= EV_WRITE) {
			c->used += ev[k].instrs;
			if (wl_kentry_due(&j->run.kentry, ev[k].instrs)) {
				k++;
				ev[k] = (struct event){.type = EV_SYSCALL, .arg = 1, .pid = ev[k - 1].pid};
			}
		}
		k++;
	}
	return k;
}

/* About 7 MiB a compile in flight (working sets measured at 2 and 32 jobs:
 * 40 and 213 MiB). */
static uint64_t kcbench_estimate(const struct workload *w, uint64_t *footprint)
{
	*footprint = 16 * MiB + w->v[P_JOBS].u * 8 * MiB;
	return 0;
}

const struct workload_def wl_kcbench = {
	.name = "kcbench",
	.summary = "kernel-build-like: make runs gcc, cc1 and as per compile, -jN (calibrated on real gcc)",
	.params = params,
	.state_size = sizeof(struct kcbench),
	.init = kcbench_init,
	.estimate = kcbench_estimate,
	.next = kcbench_next,
};
