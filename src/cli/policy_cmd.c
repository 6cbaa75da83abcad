/* SPDX-License-Identifier: MIT */
/*
 * policy_cmd.c - `tpt policy`: one scenario under every TPT policy, the
 * automatic one against its baselines.
 *
 *   never    no process gets TPT
 *   always   every process gets TPT from its start
 *   by-name  the programs the scenario arms (`tpt = yes`), as today
 *   threshold  TPT while STLB misses per kilo-instruction exceed policy_mpki
 *   oracle   each process's best static choice, from the never and always runs
 *   auto     the profiling policy (policy.h)
 *
 * and, named with --schemes, other schemes as baselines (nested, shsp,
 * dvmt, ...): each runs the same scenario whole with no TPT, a row of its
 * own named after it, judged against never like the policies.
 *
 * Every run counts whole programs, warm-ups included: a static choice pays
 * for TPT while the tables fill (pv-ops), a policy when it builds one.
 * Processes are matched across runs by their place in the result (the same
 * scenario and seed start the same processes in the same order).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum { P_NEVER, P_ALWAYS, P_BYNAME, P_MPKI, P_ORACLE, P_AUTO, P_N };
enum { MAX_BASELINES = 16, MAX_ROWS = P_N + MAX_BASELINES };

static const char *const pname[P_N] = {"never", "always", "by-name", "threshold", "oracle", "auto"};

/* Every row's run: the policies (P_*), then the baselines, in order. */
struct rows {
	size_t n; /* P_N + baselines */
	const struct scheme *base[MAX_BASELINES];
	struct tpt_result r[MAX_ROWS];
};

static const char *row_name(const struct rows *t, size_t p)
{
	return p < P_N ? pname[p] : t->base[p - P_N]->name;
}

struct row {
	double cycles, speedup, oracle_share, overhead_share, worst_slowdown;
	uint64_t construction, decisions, losing;
};

static double share_of_oracle(double never, double oracle, double cycles)
{
	double best = never - oracle;
	return best > 0 ? (never - cycles) / best : NAN;
}

static void summarize(const struct tpt_result *r, const struct tpt_result *never,
		      const struct tpt_result *oracle, struct row *x)
{
	x->cycles = r->cost.total;
	x->speedup = r->cost.total > 0 ? never->cost.total / r->cost.total : 0;
	x->oracle_share = share_of_oracle(never->cost.total, oracle->cost.total, r->cost.total);
	x->overhead_share = r->cost.total > 0 ? r->cost.policy / r->cost.total : 0;
	x->construction = (uint64_t)r->cost.construction;
	x->decisions = r->st.policy_enables + r->st.policy_disables + r->st.shsp_to_shadow +
		       r->st.shsp_to_nested;
	x->losing = r->st.policy_losing;
	x->worst_slowdown = 0;
	for (unsigned i = 0; i < r->nprocs && i < never->nprocs; i++) {
		double n = never->procs[i].cost.total, c = r->procs[i].cost.total;
		if (n > 0 && c / n - 1 > x->worst_slowdown)
			x->worst_slowdown = c / n - 1;
	}
}

static json_t *num_or_null(double v)
{
	return isnan(v) ? json_null() : json_real(v);
}

/* A process's run before or after the policy first enabled TPT for it. */
static json_t *split_json(const struct tpt_stats *st, const struct tpt_cost *c)
{
	json_t *o = json_object();
	json_object_set_new(o, "instructions", json_integer((json_int_t)st->instructions));
	json_object_set_new(o, "walks", json_integer((json_int_t)(st->walks + st->faulted_walks)));
	json_object_set_new(o, "walk_refs", json_integer((json_int_t)(st->walk_refs + st->faulted_walk_refs)));
	json_object_set_new(o, "walk_cycles", json_integer((json_int_t)(st->walk_cycles + st->faulted_walk_cycles)));
	json_object_set_new(o, "walk_stall", json_real(c->walk_stall));
	json_object_set_new(o, "profiling_cycles", json_real(c->policy));
	json_object_set_new(o, "construction_cycles", json_real(c->construction));
	json_object_set_new(o, "cycles", json_real(c->total));
	return o;
}

/* A row: a policy's, or a baseline's (which also names its scheme). */
static json_t *row_json(const char *name, bool baseline, const struct tpt_result *r,
			const struct tpt_result *never, const struct row *x)
{
	json_t *o = json_object();
	json_object_set_new(o, "policy", json_string(name));
	if (baseline)
		json_object_set_new(o, "scheme", json_string(r->scheme));
	json_object_set_new(o, "cycles", json_real(x->cycles));
	json_object_set_new(o, "speedup_vs_never", json_real(x->speedup));
	json_object_set_new(o, "oracle_gain_share", num_or_null(x->oracle_share));
	json_object_set_new(o, "profiling_overhead_share", json_real(x->overhead_share));
	json_object_set_new(o, "construction_cycles", json_integer((json_int_t)x->construction));
	json_object_set_new(o, "decisions", json_integer((json_int_t)x->decisions));
	json_object_set_new(o, "losing_decisions", json_integer((json_int_t)x->losing));
	json_object_set_new(o, "worst_process_slowdown_vs_never", json_real(x->worst_slowdown));
	if (r->sample.on)
		json_object_set_new(o, "sample", result_sample_json(r));
	json_t *procs = json_array();
	for (unsigned i = 0; i < r->nprocs; i++) {
		const struct proc_result *q = &r->procs[i];
		double n = i < never->nprocs ? never->procs[i].cost.total : 0;
		json_t *po = json_object();
		json_object_set_new(po, "pid", json_integer(q->pid));
		json_object_set_new(po, "name", json_string(q->name));
		json_object_set_new(po, "mode", json_string(q->mode));
		json_object_set_new(po, "cycles", json_real(q->cost.total));
		json_object_set_new(po, "speedup_vs_never",
				    json_real(q->cost.total > 0 ? n / q->cost.total : 0));
		json_object_set_new(po, "profiling_cycles", json_real(q->cost.policy));
		json_object_set_new(po, "construction_cycles", json_real(q->cost.construction));
		json_object_set_new(po, "decisions",
				    json_integer((json_int_t)(q->st.policy_enables + q->st.policy_disables +
							      q->st.shsp_to_shadow + q->st.shsp_to_nested)));
		json_object_set_new(po, "losing_decisions", json_integer((json_int_t)q->st.policy_losing));
		json_object_set_new(po, "before_tpt", q->tpt_enabled ? split_json(&q->before, &q->before_cost)
								     : json_null());
		json_object_set_new(po, "after_tpt", q->tpt_enabled ? split_json(&q->after, &q->after_cost)
								    : json_null());
		json_array_append_new(procs, po);
	}
	json_object_set_new(o, "processes", procs);
	return o;
}

static void print_tables(FILE *out, const struct rows *t, const struct row *x)
{
	const struct tpt_result *r = t->r;
	fprintf(out, "workload %s; scheme %s; %u processes\n\n", r[P_NEVER].workload, r[P_NEVER].scheme,
		r[P_NEVER].nprocs);
	bool sampled = r[P_NEVER].sample.on;
	fprintf(out, "%-9s %15s %9s %12s %10s %13s %9s %7s %14s%s\n", "policy", "est. cycles",
		"vs never", "oracle gain", "profiling", "build cycles", "decisions", "losing",
		"worst slowdown", sampled ? "   cycles" : "");
	if (sampled)
		fprintf(out, "%-9s %15s %9s %12s %10s %13s %9s %7s %14s%s\n", "", "", "", "", "", "", "",
			"", "", "  95% +-");
	for (size_t p = 0; p < t->n; p++) {
		char share[16];
		if (isnan(x[p].oracle_share))
			snprintf(share, sizeof(share), "-");
		else
			snprintf(share, sizeof(share), "%.1f%%", 100 * x[p].oracle_share);
		fprintf(out, "%-9s %15.0f %8.3fx %12s %9.3f%% %13llu %9llu %7llu %13.2f%%", row_name(t, p),
			x[p].cycles, x[p].speedup, share, 100 * x[p].overhead_share,
			(unsigned long long)x[p].construction, (unsigned long long)x[p].decisions,
			(unsigned long long)x[p].losing, 100 * x[p].worst_slowdown);
		if (sampled) {
			double ci = result_ci95_cycles(&r[p]);
			if (isnan(ci))
				fprintf(out, "%9s", "n/a");
			else
				fprintf(out, "%8.2f%%", 100 * ci);
		}
		fprintf(out, "\n");
	}
	if (sampled) {
		fprintf(out, "sampled (never's run): ");
		result_print_sampling(out, &r[P_NEVER].sample);
		fprintf(out, "\n");
	}
	if (t->n > P_N)
		fprintf(out, "(below auto: other schemes as baselines, each run whole; their decisions "
			     "are shsp's switches of paging mode)\n");
	fprintf(out, "\nper process, speedup over never (mode at the end under auto):\n%-20s",
		"process");
	for (size_t p = 0; p < t->n; p++)
		fprintf(out, " %9s", row_name(t, p));
	fprintf(out, "  auto mode\n");
	enum { MAX_PROCS = 32 };
	for (unsigned i = 0; i < r[P_NEVER].nprocs; i++) {
		if (i == MAX_PROCS) {
			fprintf(out, "(%u more processes: see --json)\n", r[P_NEVER].nprocs - MAX_PROCS);
			break;
		}
		char label[40];
		snprintf(label, sizeof(label), "%s (%d)", r[P_NEVER].procs[i].name,
			 r[P_NEVER].procs[i].pid);
		fprintf(out, "%-20s", label);
		double n = r[P_NEVER].procs[i].cost.total;
		for (size_t p = 0; p < t->n; p++) {
			double c = i < r[p].nprocs ? r[p].procs[i].cost.total : 0;
			fprintf(out, " %8.3fx", c > 0 ? n / c : 0);
		}
		fprintf(out, "  %s\n", i < r[P_AUTO].nprocs ? r[P_AUTO].procs[i].mode : "-");
	}
	bool any = false;
	for (unsigned i = 0; i < r[P_AUTO].nprocs && i < MAX_PROCS; i++) {
		const struct proc_result *q = &r[P_AUTO].procs[i];
		if (!q->tpt_enabled)
			continue;
		if (!any)
			fprintf(out, "\nunder auto, before and after TPT was first enabled:\n%-20s %13s %13s "
				     "%11s %11s %11s %11s %14s\n", "process", "instr before", "instr after",
				"refs/wk bef", "refs/wk aft", "walk% bef", "walk% aft", "cycles/instr");
		any = true;
		char label[40];
		snprintf(label, sizeof(label), "%s (%d)", q->name, q->pid);
		const struct tpt_stats *b = &q->before, *a = &q->after;
		double bw = (double)(b->walks + b->faulted_walks), aw = (double)(a->walks + a->faulted_walks);
		fprintf(out, "%-20s %13llu %13llu %11.2f %11.2f %10.1f%% %10.1f%% %6.2f -> %.2f\n", label,
			(unsigned long long)b->instructions, (unsigned long long)a->instructions,
			bw ? (double)(b->walk_refs + b->faulted_walk_refs) / bw : 0,
			aw ? (double)(a->walk_refs + a->faulted_walk_refs) / aw : 0,
			q->before_cost.total ? 100 * q->before_cost.walk_stall / q->before_cost.total : 0,
			q->after_cost.total ? 100 * q->after_cost.walk_stall / q->after_cost.total : 0,
			b->instructions ? q->before_cost.total / (double)b->instructions : 0,
			a->instructions ? q->after_cost.total / (double)a->instructions : 0);
	}
}

struct tables {
	const struct rows *t;
	const struct row *x;
};

static void print_both(const void *ctx)
{
	const struct tables *t = ctx;
	print_tables(stdout, t->t, t->x);
}

/* What tpt policy refuses: a policy of its own, a scheme without TPT, a
 * TPT scheme or one named twice among the baselines. *sc the TPT scheme
 * (tpt-opt unless named); t's baselines from --schemes. */
static int policy_opts_check(struct opts *o, const struct scheme **sc, struct rows *t)
{
	size_t nb = 0;
	int rc;
	if (o->policy != PROFILE_OFF)
		return bad("policy runs every policy itself: no --policy");
	if (!o->workload && !o->scenario)
		o->scenario = "mix";
	if (!(*sc = scheme_find(o->scheme ? o->scheme : "tpt-opt")))
		return bad("unknown scheme '%s' (see tpt schemes)", o->scheme);
	if (!(*sc)->enable)
		return bad("policy needs a TPT scheme (tpt-naive, tpt-opt, tpt-emul), not %s", (*sc)->name);
	if (o->schemes && (rc = parse_schemes(o->schemes, t->base, MAX_BASELINES, &nb)))
		return rc;
	for (size_t i = 0; i < nb; i++) {
		if (t->base[i]->enable)
			return bad("policy's baselines are schemes without TPT (its policies are %s's), "
				   "not %s", (*sc)->name, t->base[i]->name);
		for (size_t j = 0; j < i; j++)
			if (t->base[j] == t->base[i])
				return bad("--schemes names %s twice", t->base[i]->name);
	}
	t->n = P_N + nb;
	return 0;
}

/* Every row's run into t->r: never and always first, at once; then the
 * oracle (each process's better static choice of the two) with the other
 * policies and the baselines, at once. */
static int policy_runs(const struct opts *o, const struct scheme *sc, const struct tpt_config *cfg,
		       struct workload *wl, struct rows *t)
{
	static const int first[] = {P_NEVER, P_ALWAYS, P_BYNAME, P_MPKI, P_AUTO};
	struct tpt_result *r = t->r;
	struct opts q[P_N], base;
	struct run runs[MAX_ROWS];
	for (size_t k = 0; k < ARRAY_LEN(first); k++) {
		int p = first[k];
		q[p] = *o;
		q[p].timeline = NULL;
		switch (p) {
		case P_NEVER: q[p].arm = ARM_NONE; break;
		case P_ALWAYS: q[p].arm = ARM_ALL; break;
		case P_BYNAME: q[p].arm = ARM_WORKLOAD; break;
		case P_MPKI: q[p].policy = PROFILE_MPKI; break;
		case P_AUTO:
			q[p].policy = PROFILE_AUTO;
			q[p].timeline = o->timeline;
			break;
		}
		runs[k] = (struct run){&q[p], sc, &r[p], 0, {.msg = ""}};
	}
	unsigned jobs = o->jobs ? o->jobs : default_jobs();
	int rc = run_all(runs, 2, jobs, cfg, wl);
	if (rc)
		return rc;
	struct opts *or = &q[P_ORACLE];
	*or = *o;
	or->timeline = NULL;
	or->arm = ARM_LIST;
	or->narm = 0;
	for (unsigned i = 0; i < r[P_NEVER].nprocs && i < r[P_ALWAYS].nprocs; i++)
		if (r[P_ALWAYS].procs[i].cost.total < r[P_NEVER].procs[i].cost.total &&
		    or->narm < ARRAY_LEN(or->arm_names))
			memcpy(or->arm_names[or->narm++], r[P_NEVER].procs[i].name, 16);
	/* In the order one after another would run them. */
	runs[0] = runs[2];
	runs[1] = runs[3];
	runs[3] = runs[4];
	runs[2] = (struct run){or, sc, &r[P_ORACLE], 0, {.msg = ""}};
	base = *o;
	base.timeline = NULL;
	base.arm = ARM_WORKLOAD; /* as sim and compare run them (dvmt: who registers ranges) */
	for (size_t p = P_N; p < t->n; p++)
		runs[4 + p - P_N] = (struct run){&base, t->base[p - P_N], &r[p], 0, {.msg = ""}};
	if ((rc = run_all(runs, 4 + t->n - P_N, jobs, cfg, wl)))
		return rc;
	for (size_t p = 0; p < t->n; p++)
		if (r[p].nprocs != r[P_NEVER].nprocs) {
			bad("%s ran %u processes, never ran %u: cannot compare", row_name(t, p), r[p].nprocs,
			    r[P_NEVER].nprocs);
			return 1;
		}
	return 0;
}

int cmd_policy(int argc, char **argv, const json_t *rerun)
{
	struct opts o;
	struct tpt_config cfg;
	struct workload wl;
	const struct scheme *sc = NULL;
	struct rows *t = calloc(1, sizeof(*t));
	int rc = t ? parse_opts(argc, argv, &o) : bad("out of memory");
	if (rc) {
		free(t);
		return rc;
	}
	o.rerun = rerun;
	t->n = P_N;
	if ((rc = policy_opts_check(&o, &sc, t)) || (rc = check_outputs(&o)) || (rc = load_config(&o, &cfg)) ||
	    (rc = check_workload(&o, &wl))) {
		free(t);
		return rc;
	}
	/* Policies act from a process's start: warm-ups count, for all alike. */
	o.whole_run = true;
	struct tpt_result *r = t->r;
	if (!(rc = policy_runs(&o, sc, &cfg, &wl, t))) {
		struct row x[MAX_ROWS];
		for (size_t p = 0; p < t->n; p++)
			summarize(&r[p], &r[P_NEVER], &r[P_ORACLE], &x[p]);
		json_t *arr = json_array();
		for (size_t p = 0; (o.json || o.plot || o.csv) && p < t->n; p++)
			json_array_append_new(arr, row_json(row_name(t, p), p >= P_N, &r[p], &r[P_NEVER], &x[p]));
		struct tables tb = {t, x};
		if ((rc = emit_figure(&o, STUDY_POLICY, arr)))
			json_decref(arr);
		else
			rc = emit_results(&o, &cfg, arr, print_both, &tb);
	}
	for (size_t p = 0; p < t->n; p++)
		result_free(&r[p]);
	free(t);
	workload_close(&wl);
	return rc;
}
