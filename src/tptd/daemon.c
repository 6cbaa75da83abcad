/* SPDX-License-Identifier: MIT */
/*
 * daemon.c - tptd's round (see daemon.h).
 *
 * Called by main.c once per interval. Invariants: every watch holds a pidfd
 * of the process (pid, start); a watch is created only for a process that
 * passes the filters and min_rss; nothing is done to a process whose pidfd
 * says it exited; the thp budget never goes below zero.
 */
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"
#include "tpt/base/outfile.h"
#include "knob.h"
#include "score.h"

static const char *const mode_name[] = {"off", "on"};

double tptd_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double mib(uint64_t b)
{
	return (double)b / (1 << 20);
}

/* ---- start-up ---- */

static int resolve(struct tptd *d, struct tpt_err *e)
{
	const struct tptd_conf *c = &d->conf;
	struct tpt_err why = {.msg = ""};
	d->src = c->source == SRC_AUTO ? (d->probe.pmu ? SRC_PMU : SRC_HEURISTIC) : c->source;
	if (d->src == SRC_PMU && !d->probe.pmu)
		return tpt_fail(e, "source pmu: no hardware PMU (perf_event_open of cycles: %s); "
				   "use source=heuristic or auto", strerror(d->probe.pmu_errno));
	if (d->src == SRC_PMU && ctr_set_pmu(&d->pmu, &why))
		return tpt_fail(e, "source pmu: %s", why.msg);
	d->have_sw = !ctr_set_sw(&d->sw, &why) && d->probe.sw_events;

	bool knob = knob_present(c->sysfs), thp = d->probe.madv_collapse && d->probe.process_madvise;
	d->act = c->actuator == ACT_AUTO ? (knob ? ACT_TPT : thp ? ACT_THP : ACT_ADVISE) : c->actuator;
	if (d->act == ACT_TPT && !knob)
		return tpt_fail(e, "actuator tpt: no TPT knob at %s/kernel/mm/devirt/task_name "
				   "(not a TPT guest kernel; see --sysfs)", c->sysfs);
	if (d->act == ACT_THP && !d->probe.madv_collapse)
		return tpt_fail(e, "actuator thp: this kernel has no MADV_COLLAPSE (Linux 6.1 or later); "
				   "use actuator=advise");
	if (d->act == ACT_THP && !d->probe.process_madvise)
		return tpt_fail(e, "actuator thp: process_madvise is unavailable (%s)",
				strerror(d->probe.pmadv_errno));
	score_params(c, d->act, &d->prm);
	return 0;
}

/* The "on" program with the largest gain that is not already running with TPT. */
static const struct program *best_program(const struct tptd *d)
{
	const struct program *best = NULL;
	for (size_t i = 0; i < d->st.n; i++) {
		const struct program *p = &d->st.prog[i];
		bool running = false;
		for (size_t k = 0; k < d->n; k++)
			running |= d->w[k].tpt_running && !strcmp(d->w[k].comm, p->name);
		if (p->on && !running && (!best || p->gain > best->gain))
			best = p;
	}
	return best;
}

/* Arms the best program's name; disarms a name whose program was turned off. */
static void arm(struct tptd *d)
{
	if (d->act != ACT_TPT || d->conf.dry_run)
		return;
	const struct program *best = best_program(d);
	char cur[64] = "";
	if (knob_read(d->conf.sysfs, cur, sizeof(cur))) {
		tlog(&d->log, LOG_ERR, "cannot read the TPT knob: %s", strerror(errno));
		return;
	}
	if (cur[0] && strcmp(cur, d->st.armed)) {
		/* Someone else armed this name: tptd touches only what it armed. */
		tlog(&d->log, LOG_WARNING, "the TPT knob holds %s, which tptd did not arm: left alone",
		     cur);
		return;
	}
	const struct program *armed = cur[0] ? state_program(&d->st, cur, false) : NULL;
	const char *want = best ? best->name : armed && armed->on ? cur : "";
	if (!strcmp(want, cur) && !strcmp(want, d->st.armed))
		return;
	if (knob_write(d->conf.sysfs, want)) {
		tlog(&d->log, LOG_ERR, "cannot write the TPT knob: %s", strerror(errno));
		return;
	}
	if (strcmp(want, cur)) {
		if (want[0])
			tlog(&d->log, LOG_NOTICE, "armed %s (gain %.2f%%): it runs with TPT from its next start",
			     want, 100 * best->gain);
		else
			tlog(&d->log, LOG_NOTICE, "disarmed %s", cur);
	}
	snprintf(d->st.armed, sizeof(d->st.armed), "%.15s", want);
	d->st.armed_at = proc_now_ticks();
	d->st.boot_id_hash = d->boot;
}

int tptd_init(struct tptd *d, const struct tptd_conf *c, struct tpt_err *e)
{
	memset(d, 0, sizeof(*d));
	d->conf = *c;
	tlog_init(&d->log);
	probe_run(&d->probe);
	d->self = getpid();
	d->boot = state_boot_id();
	if (resolve(d, e) || state_prepare_dir(c->state, e) || state_load(&d->st, c->state, e))
		return -1;
	if (d->st.boot_id_hash != d->boot)
		d->st.armed_at = 0; /* a name armed before a reboot is not armed now */
	d->budget = (double)c->rate * c->interval;
	d->t_round = tptd_now();
	if (tptd_save(d, e))
		return -1;
	tlog(&d->log, LOG_INFO, "started: source %s%s, actuator %s%s, interval %gs, state %s",
	     tptd_source_name[d->src],
	     d->src == SRC_HEURISTIC && !d->probe.accessed_bits
		     ? " (no accessed bits on this machine: hot set taken as all anonymous 4 KiB memory)"
		     : "",
	     tptd_actuator_name[d->act], c->dry_run ? " (dry run)" : "", c->interval, c->state);
	arm(d);
	return 0;
}

/* ---- watches ---- */

static void watch_free(struct watch *w)
{
	if (w->pidfd >= 0)
		close(w->pidfd);
	if (w->counting)
		ctr_close(&w->ctr);
	region_set_free(&w->done);
}

static void drop_all(struct tptd *d)
{
	for (size_t i = 0; i < d->n; i++)
		watch_free(&d->w[i]);
	d->n = 0;
}

int tptd_reconfigure(struct tptd *d, const struct tptd_conf *c, struct tpt_err *e)
{
	struct tptd_conf old = d->conf;
	enum tptd_source src = d->src;
	enum tptd_actuator act = d->act;
	d->conf = *c;
	if (resolve(d, e))
		goto refuse;
	/* A new state file is made ready and written now, or the reload is
	 * refused: rounds that cannot save would lose every decision. */
	if (strcmp(old.state, c->state)) {
		struct state there;
		if (state_prepare_dir(c->state, e) || state_load(&there, c->state, e))
			goto refuse;
		state_free(&there);
		if (tptd_save(d, e))
			goto refuse;
	}
	if (src != d->src || act != d->act) {
		tlog(&d->log, LOG_NOTICE, "source or actuator changed: watching afresh");
		drop_all(d);
	}
	/* The lock is taken at start and held to the end (main.c, lock.h). */
	if (strcmp(old.lock, c->lock)) {
		tlog(&d->log, LOG_WARNING, "[tptd] lock is read at start: %s stays held; %s takes effect "
		     "when tptd restarts", old.lock, c->lock);
		memcpy(d->conf.lock, old.lock, sizeof(d->conf.lock));
	}
	tlog(&d->log, LOG_INFO, "configuration reloaded");
	return 0;
refuse:
	d->conf = old;
	resolve(d, NULL);
	return -1;
}

static struct watch *find(struct tptd *d, pid_t pid)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->w[i].pid == pid)
			return &d->w[i];
	return NULL;
}

static bool wanted(const struct tptd *d, const struct proc_stat *st)
{
	if (st->kthread || st->pid == d->self || st->state == 'Z' || st->state == 'X' ||
	    st->rss_pages * 4096 < d->conf.min_rss)
		return false;
	/* Its name cannot be written to the knob as it is. */
	if (st->comm_odd && d->act == ACT_TPT)
		return false;
	char cg[512];
	const char *cgp = NULL;
	if (conf_wants_cgroup(&d->conf)) {
		if (proc_read_cgroup(st->pid, cg, sizeof(cg)))
			return false;
		cgp = cg;
	}
	return conf_allows(&d->conf, st->comm, cgp, st->uid);
}

static void counters_sample(const struct tptd *d, struct watch *w, double now[ROLE_N])
{
	const struct ctr_set *s = d->src == SRC_PMU ? &d->pmu : &d->sw;
	if (w->counting && (ctr_rescan(&w->ctr, s, w->pid), ctr_read(&w->ctr, s, now))) {
		ctr_close(&w->ctr);
		w->counting = false;
	}
}

static int watch_new(struct tptd *d, const struct proc_stat *st)
{
	if (d->n == d->conf.max_procs)
		return 0;
	int fd = proc_pin(st->pid, st->starttime);
	if (fd < 0)
		return 0; /* gone, or already someone else */
	if (tpt_grow(&d->w, &d->cap, d->n + 1, sizeof(*d->w))) {
		close(fd);
		return -1;
	}
	struct watch *w = &d->w[d->n++];
	memset(w, 0, sizeof(*w));
	w->pid = st->pid;
	w->start = st->starttime;
	w->uid = st->uid;
	w->pidfd = fd;
	w->seen = true;
	w->last = *st;
	w->t_last = tptd_now();
	memcpy(w->comm, st->comm, sizeof(w->comm));
	snprintf(w->action, sizeof(w->action), "-");
	snprintf(w->effect, sizeof(w->effect), "-");
	const struct ctr_set *s = d->src == SRC_PMU ? &d->pmu : &d->sw;
	if ((d->src == SRC_PMU || d->have_sw) && !ctr_open(&w->ctr, s, st->pid)) {
		w->counting = true;
		ctr_read(&w->ctr, s, w->ctr_last);
	} else if (d->src == SRC_PMU) {
		tlog(&d->log, LOG_WARNING, "%s[%d]: counters do not open (%s): not scored", w->comm,
		     (int)w->pid, strerror(errno));
	}
	w->source = d->src == SRC_PMU ? "pmu" : w->counting ? "heuristic" : "heur/proc";
	/* A process that started after its name was armed runs with TPT. */
	struct program *p = state_program(&d->st, w->comm, false);
	if (p)
		p->runs++;
	if (p && d->act == ACT_TPT) {
		if (!strcmp(d->st.armed, w->comm) && d->st.armed_at && st->starttime >= d->st.armed_at) {
			w->tpt_running = w->on = true;
			snprintf(w->action, sizeof(w->action), "started armed: TPT");
		}
	}
	policy_proc_init(&w->pol, &d->prm, w->on);
	if (d->src == SRC_HEURISTIC && d->probe.accessed_bits)
		proc_clear_refs(w->pid); /* the hot set is what it touches from now on */
	return 0;
}

/* ---- acting ---- */

/* before: the sample's smaps_rollup when it read one, else NULL. */
static void do_collapse(struct tptd *d, struct watch *w, const struct proc_mem *sampled)
{
	if (w->denied || w->gone)
		return;
	if (w->backoff) {
		w->backoff--;
		return;
	}
	if (d->budget < REGION) {
		snprintf(w->action, sizeof(w->action), "collapse waits for budget");
		return;
	}
	struct proc_mem before, after;
	if (sampled)
		before = *sampled;
	else if (proc_read_mem(w->pid, &before)) {
		w->gone = true;
		return;
	}
	struct collapse_req q = {w->pidfd, w->pid, d->conf.chunk, (uint64_t)d->budget, d->conf.min_present};
	struct collapse_result r;
	double t0 = tptd_now();
	collapse_run(&q, &w->done, &r);
	double secs = tptd_now() - t0;
	d->budget = fmax(0, d->budget - (double)r.bytes);
	bool measured = !proc_read_mem(w->pid, &after);
	if (r.bytes || r.status != COLLAPSE_OK) {
		snprintf(w->action, sizeof(w->action), "collapsed %.0f MiB in %llu calls", mib(r.bytes),
			 (unsigned long long)r.calls);
		if (measured)
			snprintf(w->effect, sizeof(w->effect), "AnonHugePages %.0f -> %.0f MiB in %.2fs",
				 mib(before.anon_huge), mib(after.anon_huge), secs);
		tlog(&d->log, LOG_NOTICE,
		     "%s[%d]: collapsed %.0f MiB (%llu calls, %llu sparse regions and %llu sparse "
		     "mappings skipped, %llu EINVAL, %llu EAGAIN); AnonHugePages %.0f -> %.0f MiB",
		     w->comm, (int)w->pid, mib(r.bytes), (unsigned long long)r.calls,
		     (unsigned long long)r.regions_skipped_sparse,
		     (unsigned long long)r.vmas_skipped_sparse, (unsigned long long)r.regions_einval,
		     (unsigned long long)r.regions_eagain, mib(before.anon_huge),
		     measured ? mib(after.anon_huge) : 0.0);
	}
	switch (r.status) {
	case COLLAPSE_OK:
		break;
	case COLLAPSE_GONE:
		tlog(&d->log, LOG_INFO, "%s[%d]: exited during the collapse; forgotten", w->comm, (int)w->pid);
		w->gone = true;
		break;
	case COLLAPSE_BACKOFF:
		w->backoff_len = w->backoff_len ? w->backoff_len * 2 : d->conf.backoff;
		w->backoff = w->backoff_len;
		tlog(&d->log, LOG_WARNING, "%s[%d]: MADV_COLLAPSE: %s; backing off %u rounds", w->comm,
		     (int)w->pid, strerror(r.err), w->backoff);
		break;
	case COLLAPSE_DENIED:
		w->denied = true;
		snprintf(w->action, sizeof(w->action), "denied: %s", strerror(r.err));
		tlog(&d->log, LOG_WARNING, "%s[%d]: cannot collapse (%s): tptd needs CAP_SYS_NICE and "
		     "ptrace access (CAP_SYS_PTRACE) to it", w->comm, (int)w->pid, strerror(r.err));
		break;
	case COLLAPSE_ERROR:
		tlog(&d->log, LOG_ERR, "%s[%d]: collapse failed: %s", w->comm, (int)w->pid, strerror(r.err));
		break;
	}
}

enum policy_action tptd_decide(const struct tptd *d, struct watch *w, const struct policy_sample *x)
{
	enum policy_action a = policy_decide(&w->pol, &d->prm, x);
	if (a != POLICY_KEEP)
		w->on = a == POLICY_ENABLE;
	return a;
}

static void apply(struct tptd *d, struct watch *w, enum policy_action a, const struct policy_sample *x,
		  const struct score_in *in)
{
	bool act = !d->conf.dry_run && d->act != ACT_ADVISE;
	if (a != POLICY_KEEP) {
		char why[224];
		if (d->src == SRC_HEURISTIC && in->no_refs)
			snprintf(why, sizeof(why), "heuristic: hot taken as all %.0f MiB anon on 4K (no accessed "
				 "bits), RSS %.0f MiB, cpu %.2fs", mib(proc_mem_anon4k(&in->mem)),
				 mib(in->mem.rss), in->cpu_ns * 1e-9);
		else if (d->src == SRC_HEURISTIC)
			snprintf(why, sizeof(why), "heuristic: hot %.0f MiB of RSS %.0f MiB, %.0f MiB anon on 4K, cpu %.2fs",
				 mib(in->mem.referenced), mib(in->mem.rss),
				 mib(proc_mem_anon4k(&in->mem)),
				 in->cpu_ns * 1e-9);
		else
			snprintf(why, sizeof(why), "pmu: %.3g cycles, %.3g walks, %.3g walk cycles",
				 (double)x->cycles, (double)x->walks, (double)x->walk_cycles);
		tlog(&d->log, LOG_NOTICE,
		     "%s %s[%d]: walk share %.1f%%, net gain %.2f%% vs threshold %.2f%% (%s); actuator %s%s",
		     a == POLICY_ENABLE ? "enable" : "disable", w->comm, (int)w->pid, 100 * w->walk_share,
		     100 * w->pol.gain, 100 * w->pol.threshold, why, tptd_actuator_name[d->act],
		     act ? "" : " (advise only)");
		/* Arming names a program for everyone: a process of a user not
		 * trusted to ([filter] arm_uids) is decided for, not armed. */
		bool trusted = d->act != ACT_TPT || conf_may_arm(&d->conf, w->uid);
		if (!trusted) {
			tlog(&d->log, LOG_WARNING, "%s[%d]: user %u may not arm the TPT knob for everyone "
			     "([filter] arm_uids): decision not taken", w->comm, (int)w->pid, (unsigned)w->uid);
			snprintf(w->action, sizeof(w->action), "not armed: user %u", (unsigned)w->uid);
			return;
		}
		struct program *p = state_program(&d->st, w->comm, true);
		if (p) {
			p->on = a == POLICY_ENABLE;
			p->gain = w->pol.gain;
			p->decided = (int64_t)time(NULL);
			p->decisions++;
		}
		const char *verb = d->act == ACT_TPT ? (a == POLICY_ENABLE ? "arm for next start" : "disarm")
				   : a == POLICY_ENABLE ? "collapse" : "stop collapsing";
		snprintf(w->action, sizeof(w->action), "%s%s", act ? "" : "would ", verb);
	}
	if (act && d->act == ACT_THP && w->on)
		do_collapse(d, w, in->mem_valid ? &in->mem : NULL);
}

/* ---- the round ---- */

static void sample(struct tptd *d, struct watch *w, const struct proc_stat *st, double now)
{
	struct score_in in;
	memset(&in, 0, sizeof(in));
	double c[ROLE_N] = {0};
	counters_sample(d, w, c);
	long hz = proc_ticks_per_second();
	if (w->counting) {
		for (int r = 0; r < ROLE_N; r++)
			in.ctr[r] = fmax(0, c[r] - w->ctr_last[r]);
		memcpy(w->ctr_last, c, sizeof(c));
	}
	if (d->src == SRC_HEURISTIC && w->counting)
		in.cpu_ns = in.ctr[ROLE_TASK_CLOCK];
	else
		in.cpu_ns = (double)(st->utime + st->stime - w->last.utime - w->last.stime) * 1e9 / (double)hz;
	in.faults = w->counting && d->src == SRC_HEURISTIC
			    ? (uint64_t)in.ctr[ROLE_FAULTS]
			    : st->minflt + st->majflt - w->last.minflt - w->last.majflt;
	in.pmu = d->src == SRC_PMU;
	in.no_refs = !d->probe.accessed_bits;
	in.walk_cycle_event = ctr_has(&d->pmu, ROLE_WALK_CYCLES);
	double dt = now - w->t_last;
	bool busy = dt > 0 && in.cpu_ns * 1e-9 / dt >= d->conf.min_cpu;
	/* Idle, stopped or exiting: nothing to score, no decision (the policy
	 * would read an empty interval as a loss). A collapse cannot be undone:
	 * a process tptd collapsed is not scored again, only kept collapsed. */
	bool asleep = st->state == 'T' || st->state == 't' || st->state == 'Z' || st->state == 'X';
	bool collapsed = d->act == ACT_THP && w->on;
	if (!busy || asleep || collapsed) {
		if (collapsed && !asleep && !d->conf.dry_run)
			do_collapse(d, w, NULL);
		else if (!collapsed)
			snprintf(w->action, sizeof(w->action), "%s: not scored",
				 asleep ? "stopped" : "idle");
		w->last = *st;
		w->t_last = now;
		return;
	}
	/* The slow path: smaps_rollup walks every mapping. */
	in.mem_valid = !proc_read_mem(w->pid, &in.mem);
	struct policy_sample x;
	bool mode = d->act == ACT_TPT ? w->tpt_running : w->on;
	w->walk_share = score_sample(&d->conf, &in, mode, d->act, &x);
	w->intervals++;
	enum policy_action a = tptd_decide(d, w, &x);
	apply(d, w, a, &x, &in);
	if (d->src == SRC_HEURISTIC && d->probe.accessed_bits && !w->gone)
		proc_clear_refs(w->pid);
	w->last = *st;
	w->t_last = now;
}

int tptd_round(struct tptd *d)
{
	double now = tptd_now();
	d->budget = fmin(d->budget + (double)d->conf.rate * (now - d->t_round),
			 (double)d->conf.rate * d->conf.interval);
	d->t_round = now;
	for (size_t i = 0; i < d->n; i++)
		d->w[i].seen = false;
	DIR *dir = opendir("/proc");
	if (!dir) {
		tlog(&d->log, LOG_ERR, "cannot list /proc: %s", strerror(errno));
		return -1;
	}
	struct dirent *de;
	while ((de = readdir(dir))) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);
		struct proc_stat st;
		if (*end || pid <= 0 || proc_read_stat((pid_t)pid, &st))
			continue;
		struct watch *w = find(d, (pid_t)pid);
		if (w && w->start != st.starttime) {
			tlog(&d->log, LOG_INFO, "pid %ld is a new process (%s); %s's state dropped", pid,
			     st.comm, w->comm);
			w->gone = true; /* dropped below; the new one is watched from the next round */
			w->seen = true;
			continue;
		}
		if (w) {
			w->seen = true;
			if (!w->gone)
				sample(d, w, &st, now);
		} else if (wanted(d, &st) && watch_new(d, &st)) {
			closedir(dir);
			tlog(&d->log, LOG_ERR, "out of memory");
			return -1;
		}
	}
	closedir(dir);
	size_t k = 0;
	for (size_t i = 0; i < d->n; i++) {
		struct watch *w = &d->w[i];
		if (!w->seen || w->gone || !proc_alive(w->pidfd)) {
			watch_free(w);
			continue;
		}
		d->w[k++] = *w;
	}
	d->n = k;
	d->rounds++;
	arm(d);
	return 0;
}

/* ---- the state file ---- */

static json_t *watch_json(const struct tptd *d, const struct watch *w)
{
	const char *mode = d->act == ACT_TPT ? (w->tpt_running ? "tpt" : w->on ? "armd" : "nest")
					     : mode_name[w->on];
	return json_pack("{s:i, s:s, s:I, s:f, s:f, s:s, s:s, s:s, s:s, s:I, s:b}", "pid", (int)w->pid,
			 "name", w->comm, "start", (json_int_t)w->start, "walk_share", w->walk_share,
			 "gain", w->pol.gain, "source", w->source, "mode", mode, "action", w->action,
			 "effect", w->effect, "intervals", (json_int_t)w->intervals, "heuristic",
			 d->src == SRC_HEURISTIC);
}

int tptd_save(struct tptd *d, struct tpt_err *e)
{
	json_t *root = json_pack("{s:i, s:s, s:s, s:b, s:I, s:s, s:I, s:I}", "version", 1, "source",
				 tptd_source_name[d->src], "actuator", tptd_actuator_name[d->act],
				 "dry_run", d->conf.dry_run != 0, "rounds", (json_int_t)d->rounds, "armed",
				 d->st.armed, "armed_at", (json_int_t)d->st.armed_at, "boot",
				 (json_int_t)d->st.boot_id_hash);
	json_t *progs = json_object(), *procs = json_array();
	if (!root || !progs || !procs)
		goto nomem;
	json_object_set_new(root, "programs", progs);
	json_object_set_new(root, "processes", procs);
	for (size_t i = 0; i < d->st.n; i++) {
		const struct program *p = &d->st.prog[i];
		json_object_set_new(progs, p->name,
				    json_pack("{s:b, s:f, s:I, s:I, s:I}", "on", p->on, "gain", p->gain,
					      "decided", (json_int_t)p->decided, "decisions",
					      (json_int_t)p->decisions, "runs", (json_int_t)p->runs));
	}
	for (size_t i = 0; i < d->n; i++)
		json_array_append_new(procs, watch_json(d, &d->w[i]));
	/* Replaced whole through an exclusive temporary; a link stays a link. */
	struct outfile of;
	struct tpt_err sub;
	if (outfile_open(&of, d->conf.state, &sub)) {
		json_decref(root);
		return tpt_fail(e, "cannot write state file: %s", sub.msg);
	}
	bool ok = !json_dumpf(root, of.f, JSON_INDENT(1) | JSON_SORT_KEYS);
	json_decref(root);
	if (outfile_close(&of, ok, &sub) || !ok)
		return tpt_fail(e, "cannot write state file: %s", ok ? sub.msg : d->conf.state);
	return 0;
nomem:
	json_decref(root);
	json_decref(progs);
	json_decref(procs);
	return tpt_fail_mem(e, "out of memory writing the state file");
}

void tptd_fini(struct tptd *d)
{
	drop_all(d);
	free(d->w);
	state_free(&d->st);
	memset(d, 0, sizeof(*d));
}
