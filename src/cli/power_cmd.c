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
	json_t *o = json_pack("{s:s, s:s, s:I, s:I, s:I, s:f, s:f, s:s, s:f, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
			      "workload", r->w->name, "scheme", r->s->name, "priv_exits", (json_int_t)r->priv_exits,
			      "tlb_misses", (json_int_t)r->tlb_misses, "access_violations",
			      (json_int_t)r->access_violations, "seconds", r->seconds, "value", r->value, "unit",
			      power_unit(r->w), "units", r->units, "privileged_instructions", (json_int_t)r->events,
			      "translated_single", (json_int_t)r->c.single, "translated_branch",
			      (json_int_t)r->c.branch, "mirrored_accesses", (json_int_t)r->c.mirrored, "patches",
			      (json_int_t)r->c.patches, "unpatches", (json_int_t)r->c.unpatches, "splits",
			      (json_int_t)r->c.splits, "merges", (json_int_t)r->c.merges);
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

int cmd_power(int argc, char **argv)
{
	const char *wname = "linux-boot", *sname = "all", *config = NULL, *json = NULL, *tl = NULL,
		   *paper_path = NULL;
	bool defaults = false;
	uint64_t seed = 1;
	struct option lo[ARRAY_LEN(power_opts) + 1];
	cli_longopts(power_opts, power_nopts, lo);
	bool seen[ARRAY_LEN(power_opts)] = {false};
	opterr = 0;
	optind = 1;
	int c;
	while ((c = cli_getopt(argc, argv, lo, seen, "power: ")) != -1) {
		switch (c) {
		case CLI_TWICE: return 2;
		case PW_WORKLOAD: wname = optarg; break;
		case PW_SCHEME: sname = optarg; break;
		case PW_CONFIG: config = optarg; break;
		case PW_DEFAULTS: defaults = true; break;
		case PW_JSON: json = optarg; break;
		case PW_TIMELINE: tl = optarg; break;
		case PW_PAPER: paper_path = optarg; break;
		case PW_SEED:
			if (tpt_parse_u64(optarg, &seed))
				return bad("power: --seed wants a number, not '%s'", optarg);
			break;
		case ':': return bad("power: %s needs a value", argv[optind - 1]);
		default: return bad("power: unknown option '%s' (see tpt help)", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return bad("power: unexpected argument '%s'", argv[optind]);
	if (defaults) {
		opttab_write_sample(power_table(), stdout);
		return 0;
	}
	if (!strcmp(wname, "list")) {
		for (unsigned i = 0; i < lx_nworkloads; i++)
			printf("%-20s %-5s %s\n", lx_workloads[i].name, power_unit(&lx_workloads[i]), lx_workloads[i].what);
		return 0;
	}
	const struct lx_workload *only_w = strcmp(wname, "all") ? lx_workload_find(wname) : NULL;
	if (strcmp(wname, "all") && !only_w)
		return bad("power: unknown workload '%s' (tpt power --workload list)", wname);
	const struct kvmppc_scheme *only_s = strcmp(sname, "all") ? kvmppc_scheme_find(sname) : NULL;
	if (strcmp(sname, "all") && !only_s)
		return bad("power: unknown scheme '%s' (trap, pv, bt, bt-4k, bt+pr, bt+pr+dm, static-tlb, pr+ or all)",
			   sname);
	struct timeline t = {0};
	if (tl) {
		if (strcmp(tl, "text") && strcmp(tl, "csv"))
			return bad("power: --timeline is text or csv, not '%s'", tl);
		if (!only_w || !only_s)
			return bad("power: --timeline follows one workload under one scheme");
		if (only_s->map != MAP_ADAPT)
			return bad("power: --timeline: %s does not resize the kernel's pages (bt+pr, bt+pr+dm and pr+ do)",
				   only_s->name);
		if (json && !strcmp(json, "-"))
			return bad("power: --timeline and --json - both want stdout");
		t.csv = !strcmp(tl, "csv");
	}
	struct power_params p;
	power_defaults(&p);
	struct tpt_err e;
	if (config && opttab_load(power_table(), &p, config, &e))
		return bad("%s", e.msg);
	/* An impossible configuration is said before any run. */
	struct lx_kernel k;
	if (lx_init(&k, &p.lx, seed, &e))
		return bad("%s", e.msg);
	for (unsigned j = 0; j < kvmppc_nschemes; j++) {
		struct kvmppc h;
		if (only_s && only_s != &kvmppc_schemes[j])
			continue;
		if (kvmppc_init(&h, &kvmppc_schemes[j], &p.hv, &k, &e)) {
			lx_fini(&k);
			return bad("%s", e.msg);
		}
		kvmppc_fini(&h);
	}
	struct paper paper = {0};
	int rc = 0;
	if (paper_path && paper_load(&paper, paper_path, &e)) {
		lx_fini(&k);
		return bad("%s", e.msg);
	}
	if (json && strcmp(json, "-")) {
		const char *outs[] = {json};
		const char *ins[] = {config, paper_path};
		if (outfile_check_run(outs, 1, ins, 2, &e)) {
			lx_fini(&k);
			paper_free(&paper);
			return bad("%s", e.msg);
		}
	}
	unsigned nw = only_w ? 1 : lx_nworkloads, ns = only_s ? 1 : kvmppc_nschemes;
	struct power_result *res = calloc((size_t)nw * ns, sizeof(*res));
	if (!res) {
		lx_fini(&k);
		paper_free(&paper);
		return bad("out of memory");
	}
	if (tl && t.csv)
		printf("t,entry,ea,size,rights\n");
	unsigned n = 0;
	bool progress = isatty(2) == 1;
	for (unsigned i = 0; i < nw && !rc; i++)
		for (unsigned j = 0; j < ns && !rc; j++) {
			const struct lx_workload *w = only_w ? only_w : &lx_workloads[i];
			const struct kvmppc_scheme *s = only_s ? only_s : &kvmppc_schemes[j];
			if (progress)
				fprintf(stderr, "\rtpt power: %s under %s (%u of %u)\033[K", w->name, s->name, n + 1, nw * ns);
			if (power_run(&p, &k, w, s, seed, tl ? timeline_row : NULL, &t, &res[n], &e)) {
				bad("%s", e.msg);
				rc = 1;
				break;
			}
			n++;
		}
	if (progress)
		fprintf(stderr, "\r\033[K");
	if (!rc && json) {
		json_t *arr = json_array();
		for (unsigned i = 0; i < n; i++)
			json_array_append_new(arr, run_json(&res[i], paper.n ? paper_find(&paper, res[i].w->name,
											  res[i].s->name)
									     : NULL));
		json_t *doc = json_pack("{s:s, s:s, s:s, s:I, s:o}", "tool", "tpt power", "release", tpt_version(),
					"commit", tpt_commit(), "seed", (json_int_t)seed, "runs", arr);
		json_t *params = json_object();
		opttab_foreach(power_table(), &p, json_param, params);
		json_object_set_new(doc, "parameters", params);
		rc = write_json(json, doc) ? 1 : 0;
		json_decref(doc);
	}
	if (!rc && !tl && !(json && !strcmp(json, "-")))
		print_table(res, n, &paper);
	free(res);
	lx_fini(&k);
	paper_free(&paper);
	return rc;
}
