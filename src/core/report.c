/*
 * report.c - results as text and JSON (see report.h). Called by the CLI
 * after each run. Derived figures: MPKI = tlb_misses * 1000 / instructions;
 * refs_per_walk = (walk_refs + rmp_refs) / walks; walk share = walk stall /
 * total cycles; speedups are ratios of estimated cycles.
 */
#include <string.h>

#include "tpt/report.h"

static const char *page_name(unsigned shift)
{
	return shift == 12 ? "4K" : shift == 21 ? "2M" : "1G";
}

void result_from_sim(struct tpt_result *r, const struct sim *s, uint64_t seed)
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
	const struct process *p = &s->vm.proc;
	r->guest_tables = p->pt.tables;
	r->ept_tables = s->vm.ept.tables;
	r->shadow_tables = p->shadowed ? p->shadow.tables : 0;
	r->tpt_tables = p->tpt ? p->tpt_pt.tables : 0;
	r->guest_frames = s->vm.gframes.used;
	r->host_frames = s->vm.hframes.used;
	r->st = s->st;
	cost_compute(&s->st, &s->cfg, s->wl->mlp, &r->cost);
}

uint64_t result_vm_exits(const struct tpt_result *r)
{
	uint64_t n = 0;
	for (int i = 0; i < EXIT_N; i++)
		n += r->st.exits[i];
	return n;
}

static double ratio(double a, double b)
{
	return b > 0 ? a / b : 0.0;
}

#define U(k, v) json_object_set_new(o, k, json_integer((json_int_t)(v)))
#define D(k, v) json_object_set_new(o, k, json_real(v))

json_t *result_json(const struct tpt_result *r)
{
	static const char *lv[CL_N] = {"l1", "l2", "llc", "dram"};
	const struct tpt_stats *st = &r->st;
	json_t *o = json_object();
	char key[64];
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
	U("instructions", st->instructions);
	U("accesses", st->accesses);
	U("reads", st->reads);
	U("writes", st->writes);
	U("tlb_l1_hits", st->tlb_l1_hits);
	U("tlb_l2_hits", st->tlb_l2_hits);
	U("tlb_misses", st->tlb_misses);
	D("mpki", ratio((double)st->tlb_misses * 1000, (double)st->instructions));
	U("walks", st->walks);
	U("walk_refs", st->walk_refs);
	U("rmp_refs", st->rmp_refs);
	D("refs_per_walk", ratio((double)(st->walk_refs + st->rmp_refs), (double)st->walks));
	U("walk_cycles", st->walk_cycles);
	U("faulted_walks", st->faulted_walks);
	U("faulted_walk_refs", st->faulted_walk_refs);
	U("faulted_rmp_refs", st->faulted_rmp_refs);
	U("faulted_walk_cycles", st->faulted_walk_cycles);
	U("tag_check_cycles", st->tag_check_cycles);
	U("tag_faults", st->tag_faults);
	for (int l = 0; l < CL_N; l++) {
		snprintf(key, sizeof(key), "walk_refs_%s", lv[l]);
		U(key, st->walk_ref_level[l]);
	}
	for (int l = 0; l < CL_N; l++) {
		snprintf(key, sizeof(key), "data_%s", lv[l]);
		U(key, st->data_level[l]);
	}
	U("pwc_hits", st->pwc_hits);
	U("pwc_misses", st->pwc_misses);
	U("ntlb_hits", st->ntlb_hits);
	U("ntlb_misses", st->ntlb_misses);
	U("rmpc_hits", st->rmpc_hits);
	U("rmpc_misses", st->rmpc_misses);
	U("guest_faults", st->guest_faults);
	U("vm_exits", result_vm_exits(r));
	for (int i = 0; i < EXIT_N; i++) {
		snprintf(key, sizeof(key), "exits_%s", exit_reason_name[i]);
		U(key, st->exits[i]);
	}
	U("pvops", st->pvops);
	U("tpt_built_pages", st->tpt_built_pages);
	U("guest_table_pages", r->guest_tables);
	U("ept_table_pages", r->ept_tables);
	U("shadow_table_pages", r->shadow_tables);
	U("tpt_table_pages", r->tpt_tables);
	U("guest_frames_used", r->guest_frames);
	U("host_frames_used", r->host_frames);
	D("cost_base", r->cost.base);
	D("cost_data_stall", r->cost.data_stall);
	U("cost_walk_stall", r->cost.walk_stall);
	U("cost_exits", r->cost.exits);
	U("cost_faults", r->cost.faults);
	U("cost_pvops", r->cost.pvops);
	U("cost_construction", r->cost.construction);
	U("cost_policy", r->cost.policy);
	D("cycles", r->cost.total);
	return o;
}

void result_print(FILE *out, const struct tpt_result *r)
{
	const struct tpt_stats *st = &r->st;
	const struct tpt_cost *c = &r->cost;
	double cyc = c->total;
	fprintf(out, "scheme %s, workload %s\n", r->scheme, r->workload);
	fprintf(out, "guest page %s, host page %s, %d levels, walk caches %s, seed %llu\n",
		page_name(r->guest_shift), page_name(r->host_shift), r->levels,
		r->no_walk_caches ? "off" : "on", (unsigned long long)r->seed);
	fprintf(out, "\n%-22s %16llu\n", "instructions", (unsigned long long)st->instructions);
	fprintf(out, "%-22s %16llu  (%llu reads, %llu writes)\n", "accesses",
		(unsigned long long)st->accesses, (unsigned long long)st->reads,
		(unsigned long long)st->writes);
	fprintf(out, "%-22s %16llu  L1 hits %llu, STLB hits %llu\n", "TLB misses",
		(unsigned long long)st->tlb_misses, (unsigned long long)st->tlb_l1_hits,
		(unsigned long long)st->tlb_l2_hits);
	fprintf(out, "%-22s %16.3f\n", "TLB MPKI",
		ratio((double)st->tlb_misses * 1000, (double)st->instructions));
	fprintf(out, "%-22s %16llu  %llu PTE refs, %llu tag checks to memory, %.2f refs/walk\n",
		"walks", (unsigned long long)st->walks, (unsigned long long)st->walk_refs,
		(unsigned long long)st->rmp_refs,
		ratio((double)(st->walk_refs + st->rmp_refs), (double)st->walks));
	fprintf(out, "%-22s %16llu  %llu refs, %llu tag checks\n", "faulted walks",
		(unsigned long long)st->faulted_walks, (unsigned long long)st->faulted_walk_refs,
		(unsigned long long)st->faulted_rmp_refs);
	fprintf(out, "%-22s %16s  L1 %llu, L2 %llu, LLC %llu, DRAM %llu\n", "walk refs hit", "",
		(unsigned long long)st->walk_ref_level[0], (unsigned long long)st->walk_ref_level[1],
		(unsigned long long)st->walk_ref_level[2], (unsigned long long)st->walk_ref_level[3]);
	fprintf(out, "%-22s %16s  L1 %llu, L2 %llu, LLC %llu, DRAM %llu\n", "data accesses hit", "",
		(unsigned long long)st->data_level[0], (unsigned long long)st->data_level[1],
		(unsigned long long)st->data_level[2], (unsigned long long)st->data_level[3]);
	fprintf(out, "%-22s %16s  PWC %llu/%llu, nested TLB %llu/%llu, RMP cache %llu/%llu\n",
		"cache hits/misses", "", (unsigned long long)st->pwc_hits,
		(unsigned long long)st->pwc_misses, (unsigned long long)st->ntlb_hits,
		(unsigned long long)st->ntlb_misses, (unsigned long long)st->rmpc_hits,
		(unsigned long long)st->rmpc_misses);
	fprintf(out, "%-22s %16llu\n", "guest page faults", (unsigned long long)st->guest_faults);
	fprintf(out, "%-22s %16llu ", "VM exits", (unsigned long long)result_vm_exits(r));
	for (int i = 0; i < EXIT_N; i++)
		fprintf(out, " %s %llu", exit_reason_name[i], (unsigned long long)st->exits[i]);
	fprintf(out, "\n%-22s %16llu  (TPT pages built %llu)\n", "pv-op updates",
		(unsigned long long)st->pvops, (unsigned long long)st->tpt_built_pages);
	fprintf(out, "%-22s %16s  guest %llu, EPT %llu, shadow %llu, TPT %llu\n", "table pages", "",
		(unsigned long long)r->guest_tables, (unsigned long long)r->ept_tables,
		(unsigned long long)r->shadow_tables, (unsigned long long)r->tpt_tables);
	fprintf(out, "\nestimated cycles       %16.0f\n", cyc);
	fprintf(out, "  instructions x CPI   %16.0f  %5.1f%%\n", c->base, 100 * ratio(c->base, cyc));
	fprintf(out, "  data stall (mlp %g)  %16.0f  %5.1f%%\n", r->mlp, c->data_stall,
		100 * ratio(c->data_stall, cyc));
	fprintf(out, "  walk stall           %16llu  %5.1f%%  (tag checks %llu)\n",
		(unsigned long long)c->walk_stall, 100 * ratio((double)c->walk_stall, cyc),
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
	fprintf(out, "%-10s %8s %9s %12s %6s %9s %14s %9s %9s\n", "scheme", "MPKI", "refs/walk",
		"walk cycles", "walk%", "VM exits", "est. cycles", "vs native", "vs nested");
	for (size_t i = 0; i < n; i++) {
		const struct tpt_result *x = &r[i];
		const struct tpt_stats *st = &x->st;
		char vn[16] = "-", vs[16] = "-";
		if (nat)
			snprintf(vn, sizeof(vn), "%.3fx", ratio(nat->cost.total, x->cost.total));
		if (nes)
			snprintf(vs, sizeof(vs), "%.3fx", ratio(nes->cost.total, x->cost.total));
		fprintf(out, "%-10s %8.3f %9.2f %12llu %5.1f%% %9llu %14.0f %9s %9s\n", x->scheme,
			ratio((double)st->tlb_misses * 1000, (double)st->instructions),
			ratio((double)(st->walk_refs + st->rmp_refs), (double)st->walks),
			(unsigned long long)x->cost.walk_stall,
			100 * ratio((double)x->cost.walk_stall, x->cost.total),
			(unsigned long long)result_vm_exits(x), x->cost.total, vn, vs);
	}
}
