/* SPDX-License-Identifier: MIT */
/*
 * power_cmd.c - `tpt power`: the embedded Power virtualization model (the
 * ASPLOS 2013 paper's in-place binary translation, adaptive page resizing
 * and data mirroring on an e500v2 under KVM): a workload under one scheme
 * or all, its exits and estimated time, beside the paper's figures when
 * given them, and Adapt-PR's shadow TLB configuration over time.
 */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "power/paper.h"
#include "power/power.h"
#include "tpt/base/outfile.h"
#include "tpt/base/version.h"

enum {
	PW_WORKLOAD = 1000, PW_SCHEME, PW_CONFIG, PW_DEFAULTS, PW_JSON, PW_TIMELINE, PW_PAPER, PW_SEED,
};

const struct cli_opt power_opts[] = {
	{"workload", "NAME|all", PW_WORKLOAD, "the paper's workload (default linux-boot; tpt power --workload list names them)"},
	{"scheme", "S|all", PW_SCHEME, "trap, pv, bt, bt-4k, bt+pr, bt+pr+dm, static-tlb, pr+ or all (default all)"},
	{"config", "FILE", PW_CONFIG, "the model's parameters (tpt power --defaults prints them with their sources)"},
	{"defaults", NULL, PW_DEFAULTS, "print the commented default parameters and exit"},
	{"json", "FILE|-", PW_JSON, "the runs as a JSON array"},
	{"timeline", "text|csv", PW_TIMELINE, "the kernel's shadow TLB entries over time (one workload, one scheme)"},
	{"paper", "FILE", PW_PAPER, "the paper's figures (data/power/paper.csv) beside the model's, with model/paper ratios"},
	{"seed", "N", PW_SEED, "seed of the kernel's layout and the draws (default 1)"},
};
const size_t power_nopts = ARRAY_LEN(power_opts);

struct timeline {
	bool csv;
	const struct kvmppc_ent *last;
	unsigned nlast;
};

static void size_name(uint64_t s, char *buf, size_t len)
{
	if (s >= (1ULL << 20) && s % (1ULL << 20) == 0)
		snprintf(buf, len, "%lluM", (unsigned long long)(s >> 20));
	else
		snprintf(buf, len, "%lluK", (unsigned long long)(s >> 10));
}

static void timeline_row(void *ctx, const struct power_snapshot *snap)
{
	struct timeline *t = ctx;
	if (t->csv) {
		for (unsigned i = 0; i < snap->n; i++)
			printf("%.3f,%u,%#llx,%llu,%s\n", snap->t, i,
			       (unsigned long long)(LX_KBASE + snap->ent[i].ea),
			       (unsigned long long)snap->ent[i].size, snap->ent[i].traced ? "traced" : "rw");
		return;
	}
	printf("%8.3f s  %2u entries:", snap->t, snap->n);
	/* Runs of equal size and tracing, as the paper's Figure 8 names them. */
	for (unsigned i = 0; i < snap->n;) {
		unsigned j = i;
		while (j < snap->n && snap->ent[j].size == snap->ent[i].size &&
		       snap->ent[j].traced == snap->ent[i].traced)
			j++;
		char sz[24], at[24];
		size_name(snap->ent[i].size, sz, sizeof(sz));
		size_name(snap->ent[i].ea, at, sizeof(at));
		printf(" %ux%s@%s%s", j - i, sz, snap->ent[i].ea ? at : "0", snap->ent[i].traced ? "(x)" : "");
		i = j;
	}
	printf("\n");
}

static void json_param(void *ctx, const char *section, const char *name, const char *value)
{
	char key[96];
	snprintf(key, sizeof(key), "%s.%s", section, name);
	json_object_set_new(ctx, key, json_string(value));
}

static json_t *run_json(const struct power_result *r, const struct paper_row *pr)
{
	json_t *o = json_pack("{s:s, s:s, s:s}", "workload", r->w->name, "scheme", r->s->name, "unit",
			      power_unit(r->w));
	power_rows(r, result_row_json, o);
	if (pr) {
		json_t *p = json_object();
		const char *k[] = {"value", "priv_exits", "tlb_misses", "access_violations"};
		double v[] = {pr->value, pr->priv, pr->tlb, pr->acc};
		for (int i = 0; i < 4; i++)
			if (!isnan(v[i]))
				json_object_set_new(p, k[i], json_real(v[i]));
		json_object_set_new(o, "paper", p);
	}
	return o;
}

/* model / paper, or "" where the paper has no figure. */
static const char *ratio(double model, double paper, char *buf, size_t len)
{
	double r = model / paper;
	if (isnan(paper) || paper <= 0)
		snprintf(buf, len, "%s", "");
	else
		snprintf(buf, len, r < 1e6 ? "%.2f" : "%.3g", r);
	return buf;
}

static void print_table(const struct power_result *r, unsigned n, const struct paper *paper)
{
	for (unsigned i = 0; i < n; i++) {
		const struct power_result *x = &r[i];
		if (i == 0 || x->w != r[i - 1].w) {
			printf("%sworkload %s (%s), %s\n", i ? "\n" : "", x->w->name, x->w->what, power_unit(x->w));
			if (paper->n)
				printf("%-11s %12s %10s %10s %11s %7s %12s %10s %10s %11s %7s %7s %7s %7s\n", "scheme",
				       "priv exits", "TLB miss", "acc viol", "value", "vs trap", "paper priv",
				       "TLB miss", "acc viol", "value", "priv", "TLB", "acc", "value");
			else
				printf("%-11s %12s %10s %10s %11s %7s\n", "scheme", "priv exits", "TLB miss", "acc viol",
				       "value", "vs trap");
		}
		const struct power_result *trap = NULL;
		for (unsigned j = 0; j < n; j++)
			if (r[j].w == x->w && !strcmp(r[j].s->name, "trap"))
				trap = &r[j];
		char vs[16] = "";
		if (trap && x->seconds > 0)
			snprintf(vs, sizeof(vs), "%.2fx", trap->seconds / x->seconds);
		printf("%-11s %12llu %10llu %10llu %11.5g %7s", x->s->name, (unsigned long long)x->priv_exits,
		       (unsigned long long)x->tlb_misses, (unsigned long long)x->access_violations, x->value, vs);
		const struct paper_row *p = paper->n ? paper_find(paper, x->w->name, x->s->name) : NULL;
		if (p) {
			char a[4][24]; /* figures are at most 1e15 (paper.c) */
			double pv[3] = {p->priv, p->tlb, p->acc};
			for (int k = 0; k < 3; k++)
				if (isnan(pv[k]))
					snprintf(a[k], sizeof(a[k]), "-");
				else
					snprintf(a[k], sizeof(a[k]), "%.0f", pv[k]);
			/* A score or KB/s: higher is better, so the ratio is of times. */
			bool rate = x->w->unit == UNIT_SCORE || x->w->unit == UNIT_KBS;
			char rr[4][16];
			printf(" %12s %10s %10s %11.5g %7s %7s %7s %7s", a[0], a[1], a[2], p->value,
			       ratio((double)x->priv_exits, p->priv, rr[0], 16),
			       ratio((double)x->tlb_misses, p->tlb, rr[1], 16),
			       ratio((double)x->access_violations, p->acc, rr[2], 16),
			       rate ? ratio(p->value, x->value, rr[3], 16) : ratio(x->value, p->value, rr[3], 16));
		}
		printf("\n");
	}
	if (paper->n)
		printf("\nratios are model / paper (of times: a score's and a rate's inverted); the trap rows are the "
		       "model's inputs\n");
}

struct power_cmd {
	const char *workload, *scheme, *config, *json, *timeline, *paper_path;
	bool defaults;
	uint64_t seed;
	const struct lx_workload *only_w;  /* NULL: all */
	const struct kvmppc_scheme *only_s; /* NULL: all */
	struct timeline t;
	struct power_params p;
	struct lx_kernel k;
	struct paper paper;
	struct power_result *res;
	unsigned n;
};

static int parse(int argc, char **argv, struct power_cmd *pc)
{
	pc->workload = "linux-boot", pc->scheme = "all", pc->seed = 1;
	struct option lo[ARRAY_LEN(power_opts) + 1];
	cli_longopts(power_opts, power_nopts, lo);
	bool seen[ARRAY_LEN(power_opts)] = {false};
	opterr = 0;
	optind = 1;
	int c;
	while ((c = cli_getopt(argc, argv, lo, seen, "power: ")) != -1) {
		switch (c) {
		case CLI_TWICE: return 2;
		case PW_WORKLOAD: pc->workload = optarg; break;
		case PW_SCHEME: pc->scheme = optarg; break;
		case PW_CONFIG: pc->config = optarg; break;
		case PW_DEFAULTS: pc->defaults = true; break;
		case PW_JSON: pc->json = optarg; break;
		case PW_TIMELINE: pc->timeline = optarg; break;
		case PW_PAPER: pc->paper_path = optarg; break;
		case PW_SEED:
			if (tpt_parse_u64(optarg, &pc->seed))
				return bad("power: --seed wants a number, not '%s'", optarg);
			break;
		case ':': return bad("power: %s needs a value", argv[optind - 1]);
		default: return bad("power: unknown option '%s' (see tpt help)", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return bad("power: unexpected argument '%s'", argv[optind]);
	return 0;
}

/* The workload, the scheme and the timeline asked for. */
static int choose(struct power_cmd *pc)
{
	if (strcmp(pc->workload, "all") && !(pc->only_w = lx_workload_find(pc->workload)))
		return bad("power: unknown workload '%s' (tpt power --workload list)", pc->workload);
	if (strcmp(pc->scheme, "all") && !(pc->only_s = kvmppc_scheme_find(pc->scheme)))
		return bad("power: unknown scheme '%s' (trap, pv, bt, bt-4k, bt+pr, bt+pr+dm, static-tlb, pr+ or all)",
			   pc->scheme);
	const char *tl = pc->timeline;
	if (!tl)
		return 0;
	if (strcmp(tl, "text") && strcmp(tl, "csv"))
		return bad("power: --timeline is text or csv, not '%s'", tl);
	if (!pc->only_w || !pc->only_s)
		return bad("power: --timeline follows one workload under one scheme");
	if (pc->only_s->map != MAP_ADAPT)
		return bad("power: --timeline: %s does not resize the kernel's pages (bt+pr, bt+pr+dm and pr+ do)",
			   pc->only_s->name);
	if (pc->json && !strcmp(pc->json, "-"))
		return bad("power: --timeline and --json - both want stdout");
	pc->t.csv = !strcmp(tl, "csv");
	return 0;
}

/* The parameters, the kernel, the paper's figures and the output file,
 * each checked before any run: an impossible configuration is said first. */
static int prepare(struct power_cmd *pc)
{
	struct tpt_err e;
	power_defaults(&pc->p);
	if (pc->config && opttab_load(power_table(), &pc->p, pc->config, &e))
		return bad("%s", e.msg);
	if (lx_init(&pc->k, &pc->p.lx, pc->seed, &e))
		return bad("%s", e.msg);
	for (unsigned j = 0; j < kvmppc_nschemes; j++) {
		struct kvmppc h;
		if (pc->only_s && pc->only_s != &kvmppc_schemes[j])
			continue;
		if (kvmppc_init(&h, &kvmppc_schemes[j], &pc->p.hv, &pc->k, &e))
			return bad("%s", e.msg);
		kvmppc_fini(&h);
	}
	if (pc->paper_path && paper_load(&pc->paper, pc->paper_path, &e))
		return bad("%s", e.msg);
	if (pc->json && strcmp(pc->json, "-")) {
		const char *outs[] = {pc->json};
		const char *ins[] = {pc->config, pc->paper_path};
		if (outfile_check_run(outs, 1, ins, 2, &e))
			return bad("%s", e.msg);
	}
	return 0;
}

static int run_each(struct power_cmd *pc)
{
	unsigned nw = pc->only_w ? 1 : lx_nworkloads, ns = pc->only_s ? 1 : kvmppc_nschemes;
	if (!(pc->res = calloc((size_t)nw * ns, sizeof(*pc->res))))
		return bad("out of memory");
	if (pc->timeline && pc->t.csv)
		printf("t,entry,ea,size,rights\n");
	bool progress = isatty(2) == 1;
	int rc = 0;
	/* Each scheme's boot once, for every benchmark that runs after it. */
	struct power_boot *boot = calloc(kvmppc_nschemes, sizeof(*boot));
	bool *booted = calloc(kvmppc_nschemes, sizeof(*booted));
	if (!boot || !booted) {
		free(boot);
		free(booted);
		return bad("out of memory");
	}
	for (unsigned i = 0; i < nw && !rc; i++)
		for (unsigned j = 0; j < ns && !rc; j++) {
			const struct lx_workload *w = pc->only_w ? pc->only_w : &lx_workloads[i];
			const struct kvmppc_scheme *s = pc->only_s ? pc->only_s : &kvmppc_schemes[j];
			size_t si = (size_t)(s - kvmppc_schemes);
			struct tpt_err e;
			if (progress)
				fprintf(stderr, "\rtpt power: %s under %s (%u of %u)\033[K", w->name, s->name, pc->n + 1,
					nw * ns);
			bool after_boot = !w->boot && pc->p.booted;
			if (after_boot && !booted[si]) {
				if (power_boot(&pc->p, &pc->k, s, pc->seed, &boot[si], &e)) {
					bad("%s", e.msg);
					rc = 1;
					break;
				}
				booted[si] = true;
			}
			if (power_run(&pc->p, &pc->k, w, s, pc->seed, after_boot ? &boot[si] : NULL,
				      pc->timeline ? timeline_row : NULL, &pc->t, &pc->res[pc->n], &e)) {
				bad("%s", e.msg);
				rc = 1; /* a run failed: not the user's input */
			}
			else
				pc->n++;
		}
	for (unsigned j = 0; j < kvmppc_nschemes; j++)
		if (booted[j])
			power_boot_fini(&boot[j]);
	free(boot);
	free(booted);
	if (progress)
		fprintf(stderr, "\r\033[K");
	return rc;
}

static int emit_json(const struct power_cmd *pc)
{
	json_t *arr = json_array();
	for (unsigned i = 0; i < pc->n; i++) {
		const struct power_result *r = &pc->res[i];
		const struct paper_row *pr = pc->paper.n ? paper_find(&pc->paper, r->w->name, r->s->name) : NULL;
		json_array_append_new(arr, run_json(r, pr));
	}
	json_t *doc = json_pack("{s:s, s:s, s:s, s:I, s:o}", "tool", "tpt power", "release", tpt_version(), "commit",
				tpt_commit(), "seed", (json_int_t)pc->seed, "runs", arr);
	json_t *params = json_object();
	opttab_foreach(power_table(), &pc->p, json_param, params);
	json_object_set_new(doc, "parameters", params);
	int rc = write_json(pc->json, doc) ? 1 : 0;
	json_decref(doc);
	return rc;
}

static void list_workloads(void)
{
	for (unsigned i = 0; i < lx_nworkloads; i++)
		printf("%-20s %-5s %s\n", lx_workloads[i].name, power_unit(&lx_workloads[i]), lx_workloads[i].what);
}

int cmd_power(int argc, char **argv)
{
	struct power_cmd pc = {0};
	int rc = parse(argc, argv, &pc);
	if (rc)
		return rc;
	if (pc.defaults) {
		opttab_write_sample(power_table(), stdout);
		return 0;
	}
	if (!strcmp(pc.workload, "list")) {
		list_workloads();
		return 0;
	}
	if ((rc = choose(&pc)))
		return rc;
	if (!(rc = prepare(&pc)) && !(rc = run_each(&pc)) && pc.json)
		rc = emit_json(&pc);
	if (!rc && !pc.timeline && !(pc.json && !strcmp(pc.json, "-")))
		print_table(pc.res, pc.n, &pc.paper);
	free(pc.res);
	lx_fini(&pc.k);
	paper_free(&pc.paper);
	return rc;
}
