/* SPDX-License-Identifier: MIT */
/*
 * runs.c - the runs of a command (cli.h: run_all), for sim, compare, policy
 * and probe: one scheme over one workload per run, in this process when
 * there is one, else each in a child process of its own, jobs at a time.
 *
 * Why processes: a generator's set-up (memcached's hash table, a graph's
 * edges) can cost more than the run itself. The parent sets it up once
 * (check_workload), and every child starts from a copy-on-write copy of it
 * as it stands, untouched by any run, so that n runs pay for one set-up and
 * share its pages. A workload that reads files (a trace, a scenario with
 * traces) is opened again by each child: file offsets and a decoder thread
 * cannot be shared that way.
 *
 * A child sends back, over a pipe, its status, its error and its result
 * (struct reply, then the result's nprocs process results) and ends with
 * _exit: nothing of the parent's is flushed or freed twice. Invariants: a
 * run's result is the same bytes whichever way it ran (a run depends only
 * on its options, the configuration and the workload's spec and seed); the
 * status and the one error line are those of the first failing run in
 * order; no run after a failing one is started, and those running are
 * stopped.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "tpt/sim/sim.h"
#include "tpt/workload/workload.h"

/* Runs one scheme; 0, or 1 (run failed) or 2 (bad input) with *err set
 * (empty when already said on stderr). On wl when given (left open), else
 * on a workload of its own. Progress only when asked. */
static int run_one(const struct opts *o, const struct tpt_config *cfg, const struct scheme *sc,
		   struct tpt_result *res, bool progress, struct workload *given,
		   struct tpt_err *err)
{
	struct workload own, *wl = given ? given : &own;
	struct sim *s = malloc(sizeof(*s));
	err->msg[0] = 0;
	if (!s) {
		tpt_nomem(err);
		return 1;
	}
	if (!given && open_workload(o, &own, err)) {
		free(s);
		return tpt_err_status(err);
	}
	struct sim_params prm = {.scheme = sc, .guest_shift = o->guest_shift,
				 .host_shift = o->host_shift, .levels = o->levels,
				 .no_walk_caches = o->no_walk_caches, .progress = progress,
				 .seed = o->seed, .policy = o->policy, .arm = o->arm,
				 .arm_names = (const char(*)[16])o->arm_names, .narm = o->narm,
				 .whole_run = o->whole_run, .sample = o->sample};
	int rc = 0;
	struct out tl;
	struct tpt_err e;
	if (o->timeline) {
		if (out_open(&tl, o->timeline)) {
			rc = 2;
			goto out;
		}
		prm.timeline = tl.f;
		provenance_csv(tl.f, o, cfg);
		profile_timeline_header(tl.f);
	}
	if (sim_init(s, cfg, &prm, wl, err)) {
		rc = tpt_err_status(err);
		goto out;
	}
	if (sim_run(s, &e)) {
		tpt_fail(err, "%s: %s", sc->name, e.msg);
		rc = 1;
	} else if (result_from_sim(res, s, o->seed)) {
		tpt_nomem(err);
		rc = 1;
	}
	sim_fini(s);
out:
	if (prm.timeline && out_close(&tl, rc == 0) && !rc)
		rc = 1;
	if (!given)
		workload_close(&own);
	free(s);
	return rc;
}

/* --- runs in child processes ----------------------------------------------- */

/* What a child sends: this, then res.nprocs struct proc_result when rc is 0. */
struct reply {
	int rc;
	struct tpt_err err;
	struct tpt_result res; /* procs: meaningless here */
};

/* A child at work: its run, its process and the read end of its pipe, and
 * what came so far. */
struct child {
	size_t i;
	pid_t pid;
	int fd;
	char *buf;
	size_t len, cap;
};

static int write_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	while (n) {
		ssize_t k = write(fd, c, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		c += k;
		n -= (size_t)k;
	}
	return 0;
}

/* In the child: runs r, sends the reply on fd, and ends. */
static _Noreturn void child_main(struct run *r, const struct tpt_config *cfg, bool progress,
				 struct workload *wl, int fd, pid_t parent)
{
	/* A parent that is gone takes its runs with it (also one gone before
	 * this line). Runs are stopped with SIGTERM, which outfile.c's handler
	 * catches to remove a timeline's temporary first. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(1);
	struct reply rp;
	memset(&rp, 0, sizeof(rp));
	rp.rc = run_one(r->o, cfg, r->sc, &rp.res, progress, wl, &rp.err);
	int bad = write_all(fd, &rp, sizeof(rp));
	if (!bad && rp.rc == 0 && rp.res.nprocs)
		bad = write_all(fd, rp.res.procs, rp.res.nprocs * sizeof(*rp.res.procs));
	fflush(stdout);
	_exit(bad ? 1 : 0);
}

/* Starts run i in a child: 0, or -1 with the run's error set. */
static int child_start(struct child *c, struct run *runs, size_t i, const struct tpt_config *cfg,
		       bool progress, struct workload *wl)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC)) {
		tpt_fail(&runs[i].err, "cannot start the %s run: pipe: %s", runs[i].sc->name,
			 strerror(errno));
		return -1;
	}
	fflush(NULL); /* nothing buffered is written twice */
	pid_t parent = getpid(), pid = fork();
	if (pid < 0) {
		tpt_fail(&runs[i].err, "cannot start the %s run: fork: %s", runs[i].sc->name,
			 strerror(errno));
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		close(p[0]);
		child_main(&runs[i], cfg, progress, wl, p[1], parent);
	}
	close(p[1]);
	*c = (struct child){.i = i, .pid = pid, .fd = p[0]};
	return 0;
}

/* Reads what is there; 1 at the end of the child's reply, 0 for more, -1
 * out of memory. */
static int child_read(struct child *c)
{
	if (c->cap - c->len < 65536) {
		size_t cap = c->cap ? 2 * c->cap : 65536 + sizeof(struct reply);
		char *b = realloc(c->buf, cap);
		if (!b)
			return -1;
		c->buf = b;
		c->cap = cap;
	}
	ssize_t k = read(c->fd, c->buf + c->len, c->cap - c->len);
	if (k < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : 1;
	c->len += (size_t)k;
	return k == 0;
}

/* The child has ended (its pipe closed): waits for it and takes its reply
 * into its run. */
static void child_finish(struct child *c, struct run *r)
{
	int status = 0;
	close(c->fd);
	while (waitpid(c->pid, &status, 0) < 0 && errno == EINTR)
		;
	struct reply rp;
	size_t want = sizeof(rp);
	if (c->len >= sizeof(rp)) {
		memcpy(&rp, c->buf, sizeof(rp));
		if (rp.rc == 0)
			want += (size_t)rp.res.nprocs * sizeof(struct proc_result);
	}
	if (c->len < sizeof(rp) || c->len != want || !WIFEXITED(status) ||
	    WEXITSTATUS(status)) {
		r->rc = 1;
		if (WIFSIGNALED(status))
			tpt_fail(&r->err, "%s: the run's process was killed by signal %d (%s)",
				 r->sc->name, WTERMSIG(status), strsignal(WTERMSIG(status)));
		else
			tpt_fail(&r->err, "%s: the run's process ended without its result",
				 r->sc->name);
		goto out;
	}
	r->rc = rp.rc;
	r->err = rp.err;
	if (rp.rc)
		goto out;
	*r->res = rp.res;
	r->res->procs = NULL;
	if (rp.res.nprocs) {
		size_t bytes = (size_t)rp.res.nprocs * sizeof(struct proc_result);
		if (!(r->res->procs = malloc(bytes))) {
			r->res->nprocs = 0;
			r->rc = 1;
			tpt_nomem(&r->err);
			goto out;
		}
		memcpy(r->res->procs, c->buf + sizeof(rp), bytes);
	}
out:
	free(c->buf);
	c->buf = NULL;
}

/* The first failing run's index, or n. */
static size_t first_failure(const struct run *runs, size_t n)
{
	size_t i = 0;
	while (i < n && !runs[i].rc)
		i++;
	return i;
}

static double seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The runs' progress line: how many done and running, the time so far and,
 * from the runs done so far, about how long the rest take. */
static void runs_progress(size_t done, size_t n, unsigned running, double start)
{
	double t = seconds() - start;
	fprintf(stderr, "\rtpt: %zu of %zu runs done, %u running, %.0f s", done, n, running, t);
	if (done && done < n)
		fprintf(stderr, ", about %.0f s left", t / (double)done * (double)(n - done));
	fprintf(stderr, "    ");
}

static void run_children(struct run *runs, size_t n, unsigned jobs, const struct tpt_config *cfg,
			 struct workload *wl)
{
	double start = seconds();
	struct child kids[64];
	struct pollfd pf[64];
	unsigned active = 0;
	size_t next = 0, done = 0;
	/* One at a time: each run shows its own progress; else the count. */
	bool own_progress = jobs == 1, count = jobs > 1 && isatty(2) == 1;
	if (jobs > 64)
		jobs = 64;
	for (;;) {
		/* Nothing after a failure in order is needed. */
		size_t stop = first_failure(runs, n);
		while (active < jobs && next < n && next < stop) {
			if (child_start(&kids[active], runs, next, cfg, own_progress, wl)) {
				runs[next].rc = 1;
				stop = next;
				break;
			}
			active++;
			next++;
		}
		if (!active)
			break;
		for (unsigned k = 0; k < active; k++)
			pf[k] = (struct pollfd){.fd = kids[k].fd, .events = POLLIN};
		int ready = poll(pf, active, count ? 1000 : -1);
		if (count)
			runs_progress(done, n, active, start);
		if (ready < 0) {
			if (errno == EINTR)
				continue;
			/* poll itself failed: read each in turn, waiting on it. */
			for (unsigned k = 0; k < active; k++)
				pf[k].revents = POLLIN;
		}
		for (unsigned k = 0; k < active; k++) {
			if (!pf[k].revents)
				continue;
			int end = child_read(&kids[k]);
			if (end == 0)
				continue;
			if (end < 0) {
				/* Out of memory here: the run cannot be taken. */
				kill(kids[k].pid, SIGTERM);
				kids[k].len = 0;
			}
			child_finish(&kids[k], &runs[kids[k].i]);
			/* A failure makes the runs after it in order useless. */
			if (runs[kids[k].i].rc)
				for (unsigned m = 0; m < active; m++)
					if (kids[m].i > kids[k].i)
						kill(kids[m].pid, SIGTERM);
			done++;
			/* Its place goes to the last one; pf is rebuilt next time. */
			kids[k] = kids[--active];
			pf[k] = pf[active];
			k--;
		}
	}
	if (count) {
		runs_progress(done, n, 0, start);
		fputc('\n', stderr);
	}
}

int run_all(struct run *runs, size_t n, unsigned jobs, const struct tpt_config *cfg,
	    struct workload *wl)
{
	if (jobs > n)
		jobs = (unsigned)n;
	if (!jobs)
		jobs = 1;
	if (n == 1)
		runs[0].rc = run_one(runs[0].o, cfg, runs[0].sc, runs[0].res, true, wl,
				     &runs[0].err);
	else if (n > 1) {
		/* Each child opens a trace again: this one would only decode ahead
		 * for nobody while they run (workload_close is idempotent). */
		if (wl && wl->ninputs)
			workload_close(wl);
		run_children(runs, n, jobs, cfg, wl && wl->ninputs == 0 ? wl : NULL);
	}
	size_t i = first_failure(runs, n);
	if (i == n)
		return 0;
	if (runs[i].err.msg[0])
		bad("%s", runs[i].err.msg);
	return runs[i].rc;
}
