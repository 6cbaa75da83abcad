/* SPDX-License-Identifier: MIT */
/*
 * report.c - results as text and JSON (see report.h). Called by the CLI
 * after each run. Derived figures: MPKI = tlb_misses * 1000 / instructions;
 * refs_per_walk = (walk_refs + rmp_refs) / walks; walk share = walk stall /
 * total cycles; speedups are ratios of estimated cycles.
 */
#include <math.h>
#include <string.h>

#include "tpt/sim/report.h"

static const char *page_name(unsigned shift)
{
	return shift == 12 ? "4K" : shift == 21 ? "2M" : "1G";
}

static const char *mode_of(const struct sim *s, const struct process *p)
{
	const char *m = s->scheme->mode ? s->scheme->mode(p) : NULL;
	return m ? m : s->scheme->name;
}

int result_from_sim(struct tpt_result *r, const struct sim *s, uint64_t seed)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->scheme, sizeof(r->scheme), "%s", s->scheme->name);
	snprintf(r->workload, sizeof(r->workload), "%s", s->wl->spec);
	r->guest_shift = s->prm.guest_shift;
	r->host_shift = s->prm.host_shift;
	r->levels = s->prm.levels;
	r->no_walk_caches = s->prm.no_walk_caches;
	r->seed = seed;
	r->mlp = s->wl->mlp;
	r->guest_mem = s->guest_mem;
	r->host_mem = s->host_mem;
	r->ept_tables = s->vm.hv.ept.tables;
	r->guest_frames = s->vm.gframes.used;
	r->guest_peak = s->vm.gframes.peak;
	r->host_frames = s->vm.hv.hframes.used;
	sim_totals(s, &r->st);
	sample_result(s, &r->sample);
	/* The system's own work (hypervisor migrations), then each process. */
	cost_compute(&s->vm.sys, &s->cfg, 1.0, &r->cost);
	r->procs = calloc(s->vm.nprocs + 1, sizeof(*r->procs));
	if (!r->procs)
		return -1;
	for (unsigned i = 0; i < s->vm.nprocs; i++) {
		const struct process *p = s->vm.procs[i];
		if (!p)
			continue;
		struct proc_result *x = &r->procs[r->nprocs++];
		x->pid = p->pid;
		snprintf(x->name, sizeof(x->name), "%s", p->name);
		snprintf(x->mode, sizeof(x->mode), "%s", mode_of(s, p));
		x->mlp = s->wl->mlp_of ? s->wl->mlp_of(s->wl, p->pid) : s->wl->mlp;
		x->st = p->st;
		cost_compute(&p->st, &s->cfg, x->mlp, &x->cost);
		const struct tpt_stats *at = profile_enabled_at(&s->prof, p->pid);
		if (at) {
			x->tpt_enabled = true;
			x->before = *at;
			x->after = p->st;
			stats_sub(&x->after, at);
			cost_compute(&x->before, &s->cfg, x->mlp, &x->before_cost);
			cost_compute(&x->after, &s->cfg, x->mlp, &x->after_cost);
		}
		cost_add(&r->cost, &x->cost);
		if (p->alive) {
			r->guest_tables += p->pt.tables;
			if (s->scheme->count_tables)
				s->scheme->count_tables(p, &r->shadow_tables, &r->tpt_tables);
		}
	}
	return 0;
}

void result_free(struct tpt_result *r)
{
	free(r->procs);
	r->procs = NULL;
	r->nprocs = 0;
}

uint64_t result_vm_exits(const struct tpt_result *r)
{
	return stats_exits(&r->st);
}

static double ratio(double a, double b)
{
	return b > 0 ? a / b : 0.0;
}

#define U(k, v) json_object_set_new(o, k, json_integer((json_int_t)(v)))
/* (o is the object being filled in each function below) */
#define D(k, v) json_object_set_new(o, k, json_real(v))

int result_row_json(void *ctx, const struct stats_row *row)
{
	json_t *o = ctx;
	if (row->type == STATS_REAL)
		D(row->key, row->d);
	else
		U(row->key, row->u);
	return 0;
}

/* Every counter and cost term of a run or a process, as keys of o. */
static void stats_json(json_t *o, const struct tpt_stats *st, const struct tpt_cost *c)
{
	stats_rows(st, result_row_json, o);
	D("cost_base", c->base);
	D("cost_data_stall", c->data_stall);
	D("cost_walk_stall", c->walk_stall);
	U("cost_exits", c->exits);
	U("cost_faults", c->faults);
	U("cost_pvops", c->pvops);
	U("cost_construction", c->construction);
	U("cost_policy", c->policy);
	D("cycles", c->total);
}

static double rel(double hw, double of, uint64_t windows)
{
	return windows < 2 ? NAN : of > 0 ? hw / of : 0;
}

double result_ci95_cycles(const struct tpt_result *r)
{
	return r->sample.on ? rel(r->sample.stall_hw, r->cost.total, r->sample.windows) : 0;
}

static json_t *num_or_null(double v)
{
	return isnan(v) ? json_null() : json_real(v);
}

static int timed_key(void *ctx, const struct stats_row *row)
{
	if (row->type == STATS_U64 && row->u)
		json_array_append_new(ctx, json_string(row->key));
	return 0;
}

/* A sampled run: its windows, the accesses of each kind, the relative 95 %
 * half-widths of the estimated figures, and which counters are estimated
 * (the rest are exact). */
json_t *result_sample_json(const struct tpt_result *r)
{
	const struct sample_result *m = &r->sample;
	json_t *o = json_object(), *ci = json_object(), *est = json_array();
	json_object_set_new(o, "windows", json_integer((json_int_t)m->windows));
	json_object_set_new(o, "accesses_detailed", json_integer((json_int_t)m->detailed));
	json_object_set_new(o, "accesses_warming", json_integer((json_int_t)m->warmed));
	json_object_set_new(o, "accesses_fast_forwarded", json_integer((json_int_t)m->fast_forwarded));
	json_object_set_new(o, "accesses_prewarmed", json_integer((json_int_t)m->prewarmed));
	json_object_set_new(o, "target_ci95", m->target > 0 ? json_real(m->target) : json_null());
	json_object_set_new(o, "last_period", json_integer((json_int_t)m->period));
	json_object_set_new(ci, "cycles", num_or_null(result_ci95_cycles(r)));
	json_object_set_new(ci, "walk_stall", num_or_null(rel(m->walk_hw, r->cost.walk_stall, m->windows)));
	json_object_set_new(ci, "data_stall", num_or_null(rel(m->data_hw, r->cost.data_stall, m->windows)));
	json_object_set_new(o, "ci95", ci);
	struct tpt_stats mask;
	stats_timed_mask(&mask);
	stats_rows(&mask, timed_key, est);
	json_object_set_new(o, "estimated_counters", est);
	return o;
}

json_t *result_json(const struct tpt_result *r)
{
	json_t *o = json_object();
	json_object_set_new(o, "scheme", json_string(r->scheme));
	json_object_set_new(o, "workload", json_string(r->workload));
	json_object_set_new(o, "guest_page", json_string(page_name(r->guest_shift)));
	json_object_set_new(o, "host_page", json_string(page_name(r->host_shift)));
	U("levels", r->levels);
	json_object_set_new(o, "walk_caches", json_boolean(!r->no_walk_caches));
	U("seed", r->seed);
	D("mlp", r->mlp);
	U("guest_mem", r->guest_mem);
	U("host_mem", r->host_mem);
	stats_json(o, &r->st, &r->cost);
	U("guest_table_pages", r->guest_tables);
	U("ept_table_pages", r->ept_tables);
	U("shadow_table_pages", r->shadow_tables);
	U("tpt_table_pages", r->tpt_tables);
	U("guest_frames_used", r->guest_frames);
	U("guest_peak_bytes", r->guest_peak << PAGE_SHIFT);
	U("host_frames_used", r->host_frames);
	json_t *procs = json_array();
	for (unsigned i = 0; i < r->nprocs; i++) {
		const struct proc_result *x = &r->procs[i];
		json_t *po = json_object();
		json_object_set_new(po, "pid", json_integer(x->pid));
		json_object_set_new(po, "name", json_string(x->name));
		json_object_set_new(po, "mode", json_string(x->mode));
		json_object_set_new(po, "mlp", json_real(x->mlp));
		stats_json(po, &x->st, &x->cost);
		json_array_append_new(procs, po);
	}
	json_object_set_new(o, "processes", procs);
	if (r->sample.on)
		json_object_set_new(o, "sample", result_sample_json(r));
	return o;
}

/* More processes than this are shown summed by program name. */
#define PROC_ROWS 16

/* The rows of a process table: each process, or each program's sum. *n in, rows out. */
static struct proc_result *proc_rows(const struct tpt_result *r, unsigned *n, bool *grouped)
{
	struct proc_result *rows = calloc(r->nprocs + 1, sizeof(*rows));
	*grouped = r->nprocs > PROC_ROWS;
	*n = 0;
	if (!rows)
		return NULL;
	for (unsigned i = 0; i < r->nprocs; i++) {
		const struct proc_result *x = &r->procs[i];
		unsigned k = *n;
		if (*grouped)
			for (k = 0; k < *n; k++)
				if (!strcmp(rows[k].name, x->name) && !strcmp(rows[k].mode, x->mode))
					break;
		if (k == *n) {
			rows[k] = *x;
			rows[k].pid = 1;
			(*n)++;
			if (!*grouped)
				rows[k].pid = x->pid;
			continue;
		}
		/* Sum the counters, field by field, and the costs. */
		stats_add(&rows[k].st, &x->st);
		cost_add(&rows[k].cost, &x->cost);
		rows[k].pid++;
	}
	return rows;
}

static void print_procs(FILE *out, const struct tpt_result *r)
{
	unsigned n;
	bool grouped;
	struct proc_result *rows = proc_rows(r, &n, &grouped);
	if (!rows)
		return;
	fprintf(out, "\n%6s %-15s %-10s %12s %8s %12s %9s %8s %14s\n", grouped ? "procs" : "pid",
		"process", "mode", "accesses", "MPKI", "walk stall", "VM exits", "pv-ops",
		"est. cycles");
	fprintf(out, "%6s %-15s %-10s %12s %8s %12s %9s %8s %14s\n", "", "", "", "", "/1K ins",
		"cycles", "", "", "cycles");
	for (unsigned i = 0; i < n; i++) {
		const struct proc_result *x = &rows[i];
		fprintf(out, "%6d %-15s %-10s %12llu %8.3f %12.0f %9llu %8llu %14.0f\n", x->pid,
			x->name, x->mode, (unsigned long long)x->st.accesses,
			stats_mpki(&x->st),
			x->cost.walk_stall, (unsigned long long)stats_exits(&x->st),
			(unsigned long long)x->st.pvops, x->cost.total);
	}
	free(rows);
}

/* What ran, and its instructions and accesses. */
static void print_work(FILE *out, const struct tpt_result *r)
{
	const struct tpt_stats *st = &r->st;
	fprintf(out, "scheme %s, workload %s\n", r->scheme, r->workload);
	fprintf(out, "guest page %s, host page %s, %d levels, walk caches %s, seed %llu\n",
		page_name(r->guest_shift), page_name(r->host_shift), r->levels,
		r->no_walk_caches ? "off" : "on", (unsigned long long)r->seed);
	fprintf(out, "\n%-22s %16llu\n", "instructions", (unsigned long long)st->instructions);
	fprintf(out, "%-22s %16llu  (%llu reads, %llu writes)\n", "accesses",
		(unsigned long long)st->accesses, (unsigned long long)st->reads,
		(unsigned long long)st->writes);
}

/* Translation: TLBs, walks, where their references hit, the caches. */
static void print_translation(FILE *out, const struct tpt_result *r)
{
	const struct tpt_stats *st = &r->st;
	fprintf(out, "%-22s %16llu  L1 hits %llu, STLB hits %llu\n", "TLB misses",
		(unsigned long long)st->tlb_misses, (unsigned long long)st->tlb_l1_hits,
		(unsigned long long)st->tlb_l2_hits);
	fprintf(out, "%-22s %16.3f\n", "TLB MPKI",
		stats_mpki(st));
	fprintf(out, "%-22s %16llu  %llu PTE refs, %llu tag checks to memory, %.2f refs/walk\n",
		"walks", (unsigned long long)st->walks, (unsigned long long)st->walk_refs,
		(unsigned long long)st->rmp_refs,
		stats_refs_per_walk(st));
	fprintf(out, "%-22s %16llu  %llu refs, %llu tag checks, %llu cycles\n", "faulted walks",
		(unsigned long long)st->faulted_walks, (unsigned long long)st->faulted_walk_refs,
		(unsigned long long)st->faulted_rmp_refs, (unsigned long long)st->faulted_walk_cycles);
	fprintf(out, "%-22s %16llu  tag faults %llu\n", "walk cycles",
		(unsigned long long)st->walk_cycles, (unsigned long long)st->tag_faults);
	fprintf(out, "%-22s %16s  L1 %llu, L2 %llu, LLC %llu, DRAM %llu\n", "walk refs hit", "",
		(unsigned long long)st->walk_ref_level[0], (unsigned long long)st->walk_ref_level[1],
		(unsigned long long)st->walk_ref_level[2], (unsigned long long)st->walk_ref_level[3]);
	fprintf(out, "%-22s %16s  L1 %llu, L2 %llu, LLC %llu, DRAM %llu\n", "data accesses hit", "",
		(unsigned long long)st->data_level[0], (unsigned long long)st->data_level[1],
		(unsigned long long)st->data_level[2], (unsigned long long)st->data_level[3]);
	fprintf(out, "%-22s %16llu  walk cycles %llu; data L1 %llu, L2 %llu, LLC %llu, DRAM %llu\n",
		"chained accesses", (unsigned long long)st->chain_accesses,
		(unsigned long long)st->chain_walk_cycles, (unsigned long long)st->chain_data_level[0],
		(unsigned long long)st->chain_data_level[1], (unsigned long long)st->chain_data_level[2],
		(unsigned long long)st->chain_data_level[3]);
	fprintf(out, "%-22s %16s  PWC %llu/%llu, nested TLB %llu/%llu, RMP cache %llu/%llu\n",
		"cache hits/misses", "", (unsigned long long)st->pwc_hits,
		(unsigned long long)st->pwc_misses, (unsigned long long)st->ntlb_hits,
		(unsigned long long)st->ntlb_misses, (unsigned long long)st->rmpc_hits,
		(unsigned long long)st->rmpc_misses);
	if (st->hpwc_hits + st->hpwc_misses)
		fprintf(out, "%-22s %16s  EPT walk cache %llu/%llu\n", "", "",
			(unsigned long long)st->hpwc_hits, (unsigned long long)st->hpwc_misses);
	if (st->dvmt_translations)
		fprintf(out, "%-22s %16llu  their references %llu, token checks %llu, by the EPT %llu\n",
			"dvmt translations", (unsigned long long)st->dvmt_translations,
			(unsigned long long)st->dvmt_refs, (unsigned long long)st->dvmt_token_checks,
			(unsigned long long)st->dvmt_outside);
}

/* The operating system and the hypervisor: faults, exits, pv-ops, TPT, tables. */
static void print_os(FILE *out, const struct tpt_result *r)
{
	const struct tpt_stats *st = &r->st;
	fprintf(out, "%-22s %16llu  (copy-on-write %llu; huge-page frames cleared beyond the first %llu)\n",
		"guest page faults", (unsigned long long)st->guest_faults, (unsigned long long)st->cow_faults,
		(unsigned long long)st->cleared_frames);
	fprintf(out, "%-22s %16llu  TLB flushes %llu, INVLPGs %llu, kernel entries %llu\n",
		"context switches", (unsigned long long)st->context_switches,
		(unsigned long long)st->tlb_flushes, (unsigned long long)st->invlpgs,
		(unsigned long long)st->kernel_entries);
	fprintf(out, "%-22s %16llu ", "VM exits", (unsigned long long)result_vm_exits(r));
	for (int i = 0; i < EXIT_N; i++)
		fprintf(out, " %s %llu", exit_reason_name[i], (unsigned long long)st->exits[i]);
	fprintf(out, "\n%-22s %16llu  (TPT pages built %llu)\n", "pv-op updates",
		(unsigned long long)st->pvops, (unsigned long long)st->tpt_built_pages);
	fprintf(out, "%-22s %16llu  repaired pages %llu, walks on nested meanwhile %llu\n",
		"TPT status faults", (unsigned long long)st->tpt_status_faults,
		(unsigned long long)st->tpt_repaired_pages, (unsigned long long)st->tpt_fallback_walks);
	fprintf(out, "%-22s %16s  to nested %llu, back to shadow %llu\n", "agile switches", "",
		(unsigned long long)st->agile_to_nested, (unsigned long long)st->agile_to_shadow);
	if (st->shsp_to_shadow + st->shsp_to_nested)
		fprintf(out, "%-22s %16s  to shadow %llu, to nested %llu, shadow entries built %llu\n",
			"shsp switches", "", (unsigned long long)st->shsp_to_shadow,
			(unsigned long long)st->shsp_to_nested, (unsigned long long)st->shsp_built_pages);
	if (st->shadow_syncs)
		fprintf(out, "%-22s %16llu  out-of-sync leaf table pages synced at CR3 loads\n",
			"shadow syncs", (unsigned long long)st->shadow_syncs);
	fprintf(out, "%-22s %16llu  reclaims %llu\n", "hypervisor migrations",
		(unsigned long long)st->hv_migrations, (unsigned long long)st->hv_reclaims);
	fprintf(out, "%-22s %16llu  sequential accesses %llu\n", "page-table updates",
		(unsigned long long)st->pt_updates, (unsigned long long)st->seq_accesses);
	fprintf(out, "%-22s %16llu  TPT switched on %llu, off %llu (reversals %llu)\n",
		"profiler samples", (unsigned long long)st->profile_samples,
		(unsigned long long)st->policy_enables, (unsigned long long)st->policy_disables,
		(unsigned long long)st->policy_losing);
	fprintf(out, "%-22s %16.1f MiB  (the most guest memory in use at once, tables included)\n",
		"working set", (double)(r->guest_peak << PAGE_SHIFT) / MiB);
	fprintf(out, "%-22s %16s  guest %llu, EPT %llu, shadow %llu, TPT %llu\n", "table pages", "",
		(unsigned long long)r->guest_tables, (unsigned long long)r->ept_tables,
		(unsigned long long)r->shadow_tables, (unsigned long long)r->tpt_tables);
}

/* The estimated cycles and each cost term's share. */
static void print_cost(FILE *out, const struct tpt_result *r)
{
	const struct tpt_stats *st = &r->st;
	const struct tpt_cost *c = &r->cost;
	double cyc = c->total;
	fprintf(out, "\nestimated cycles       %16.0f\n", cyc);
	fprintf(out, "  instructions x CPI   %16.0f  %5.1f%%\n", c->base, 100 * ratio(c->base, cyc));
	fprintf(out, "  data stall (mlp %g)  %16.0f  %5.1f%%\n", r->mlp, c->data_stall,
		100 * ratio(c->data_stall, cyc));
	fprintf(out, "  walk stall           %16.0f  %5.1f%%  (tag checks %llu serial)\n",
		c->walk_stall, 100 * ratio(c->walk_stall, cyc),
		(unsigned long long)st->tag_check_cycles);
	fprintf(out, "  VM exits             %16llu  %5.1f%%\n", (unsigned long long)c->exits,
		100 * ratio((double)c->exits, cyc));
	fprintf(out, "  guest faults         %16llu  %5.1f%%\n", (unsigned long long)c->faults,
		100 * ratio((double)c->faults, cyc));
	fprintf(out, "  pv-ops               %16llu  %5.1f%%\n", (unsigned long long)c->pvops,
		100 * ratio((double)c->pvops, cyc));
	fprintf(out, "  TPT construction     %16llu  %5.1f%%\n", (unsigned long long)c->construction,
		100 * ratio((double)c->construction, cyc));
	fprintf(out, "  policy               %16llu  %5.1f%%\n", (unsigned long long)c->policy,
		100 * ratio((double)c->policy, cyc));
}

static void print_ci(FILE *out, const char *what, double v)
{
	if (isnan(v))
		fprintf(out, "  %s n/a (fewer than 2 windows)", what);
	else
		fprintf(out, "  %s +-%.2f%%", what, 100 * v);
}

void result_print_sampling(FILE *out, const struct sample_result *m)
{
	fprintf(out, "%llu windows; accesses %llu in detail, %llu warming, %llu fast-forwarded",
		(unsigned long long)m->windows, (unsigned long long)m->detailed,
		(unsigned long long)m->warmed, (unsigned long long)m->fast_forwarded);
	if (m->prewarmed)
		fprintf(out, " (%llu of them warmed functionally, sample_prewarm)",
			(unsigned long long)m->prewarmed);
}

/* A sampled run: how it was sampled and how sure its estimates are. */
static void print_sample(FILE *out, const struct tpt_result *r)
{
	const struct sample_result *m = &r->sample;
	fprintf(out, "\nsampled: ");
	result_print_sampling(out, m);
	fprintf(out, "\n");
	fprintf(out, "95%% intervals of the estimates (TLB, walk and cache counters; the rest exact):\n");
	print_ci(out, "est. cycles", result_ci95_cycles(r));
	print_ci(out, "walk stall", rel(m->walk_hw, r->cost.walk_stall, m->windows));
	print_ci(out, "data stall", rel(m->data_hw, r->cost.data_stall, m->windows));
	fprintf(out, "\n");
	/* The half-width shrinks as the square root of the windows (SMARTS's
	 * second run): what the target (sample_ci, or +-1 %) would take. */
	double ci = result_ci95_cycles(r), want = m->target > 0 ? m->target : 0.01;
	uint64_t all = m->detailed + m->warmed + m->fast_forwarded;
	if (m->target > 0)
		fprintf(out, "target +-%.2g%% on est. cycles (sample_ci): %s; last sample_period %llu\n",
			100 * m->target, isnan(ci) ? "not known (fewer than 2 windows)" : ci <= m->target ? "met" :
			"not met (the run ended first, or its length is not known)",
			(unsigned long long)m->period);
	if (!isnan(ci) && ci > want) {
		double need = (double)m->windows * (ci / want) * (ci / want);
		fprintf(out, "for +-%.2g%% on est. cycles: about %.0f windows, [sample] sample_period about %.0f\n",
			100 * want, ceil(need), floor((double)all / need));
	}
}

void result_print(FILE *out, const struct tpt_result *r)
{
	print_work(out, r);
	print_translation(out, r);
	print_os(out, r);
	print_cost(out, r);
	if (r->sample.on)
		print_sample(out, r);
	if (r->nprocs > 1)
		print_procs(out, r);
}

static const struct tpt_result *find(const struct tpt_result *r, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(r[i].scheme, name))
			return &r[i];
	return NULL;
}

void result_print_compare(FILE *out, const struct tpt_result *r, size_t n)
{
	if (n == 0)
		return;
	const struct tpt_result *nat = find(r, n, "native"), *nes = find(r, n, "nested");
	fprintf(out, "workload %s\n", r[0].workload);
	fprintf(out, "guest page %s, host page %s, %d levels, walk caches %s, seed %llu\n\n",
		page_name(r[0].guest_shift), page_name(r[0].host_shift), r[0].levels,
		r[0].no_walk_caches ? "off" : "on", (unsigned long long)r[0].seed);
	/* Sampled runs add their estimated cycles' 95 % interval, last. */
	bool sampled = false;
	for (size_t i = 0; i < n; i++)
		sampled |= r[i].sample.on;
	fprintf(out, "%-10s %8s %9s %12s %6s %9s %14s %9s %9s%s\n", "scheme", "MPKI", "refs/walk",
		"walk stall", "walk%", "VM exits", "est. cycles", "vs native", "vs nested",
		sampled ? "   cycles" : "");
	fprintf(out, "%-10s %8s %9s %12s %6s %9s %14s %9s %9s%s\n", "", "/1K ins", "refs", "cycles",
		"of cyc", "", "cycles", "speed-up", "speed-up", sampled ? "  95% +-" : "");
	for (size_t i = 0; i < n; i++) {
		const struct tpt_result *x = &r[i];
		const struct tpt_stats *st = &x->st;
		char vn[16] = "-", vs[16] = "-";
		if (nat)
			snprintf(vn, sizeof(vn), "%.3fx", ratio(nat->cost.total, x->cost.total));
		if (nes)
			snprintf(vs, sizeof(vs), "%.3fx", ratio(nes->cost.total, x->cost.total));
		fprintf(out, "%-10s %8.3f %9.2f %12.0f %5.1f%% %9llu %14.0f %9s %9s", x->scheme,
			stats_mpki(st),
			stats_refs_per_walk(st),
			x->cost.walk_stall,
			100 * ratio(x->cost.walk_stall, x->cost.total),
			(unsigned long long)result_vm_exits(x), x->cost.total, vn, vs);
		double ci = result_ci95_cycles(x);
		if (sampled && isnan(ci))
			fprintf(out, "%9s", "n/a");
		else if (sampled)
			fprintf(out, "%8.2f%%", 100 * ci);
		fprintf(out, "\n");
	}
	if (r[0].nprocs <= 1)
		return;
	/* Per process (or per program, when many): estimated cycles under each scheme. */
	unsigned rows_n[16];
	bool grouped = false;
	struct proc_result *rows[16] = {0};
	size_t m = n < 16 ? n : 16;
	for (size_t i = 0; i < m; i++)
		rows[i] = proc_rows(&r[i], &rows_n[i], &grouped);
	fprintf(out, "\nestimated cycles of each process under each scheme:\n%6s %-15s",
		grouped ? "procs" : "pid", "process");
	for (size_t i = 0; i < m; i++)
		fprintf(out, " %16s", r[i].scheme);
	fprintf(out, "\n");
	for (unsigned k = 0; rows[0] && k < rows_n[0]; k++) {
		fprintf(out, "%6d %-15s", rows[0][k].pid, rows[0][k].name);
		for (size_t i = 0; i < m; i++) {
			const struct proc_result *x = rows[i] && k < rows_n[i] ? &rows[i][k] : NULL;
			char cell[40] = "-";
			if (x)
				snprintf(cell, sizeof(cell), "%.0f%s", x->cost.total,
					 strcmp(x->mode, r[i].scheme) ? "*" : "");
			fprintf(out, " %16s", cell);
		}
		fprintf(out, "\n");
	}
	for (size_t i = 0; i < m; i++)
		free(rows[i]);
	fprintf(out, "(* ran on nested paging: TPT was not enabled for it, or fell back)\n");
}
