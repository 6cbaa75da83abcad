/* SPDX-License-Identifier: MIT */
/*
 * dbt_cmd.c - `tpt dbt`: a workload's memory accesses through a full-system
 * binary translator's memory path, SoftMMU against BTMMU (and the direct
 * mapping BTMMU improves on, which refuses what it cannot run).
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "tpt/dbt/dbt.h"

static int find(const char *const *names, int n, const char *s)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(names[i], s))
			return i;
	return -1;
}

static json_t *stats_json(enum dbt_scheme s, const struct dbt_stats *st, const struct tpt_config *cfg)
{
	json_t *o = json_pack("{s:s}", "scheme", dbt_scheme_name[s]);
	dbt_stats_rows(st, cfg, result_row_json, o);
	return o;
}

/* tpt dbt's options: parsing, tpt help, the manual page and tpt rerun. */
const struct cli_opt dbt_opts[] = {
	{"workload", "W", 'w', "NAME:key=value,... (default " DEFAULT_WORKLOAD ")"},
	{"scheme", "S", 's', "softmmu, btmmu, direct or all (default all)"},
	{"guest", "G", 'g', "the guest's paging: ia32, pae or x86_64 (default x86_64)"},
	{"config", "FILE", 'c', "machine and cost parameters ([dbt] among them)"},
	{"json", "FILE|-", 'j', "write results as JSON, with their provenance"},
	{"seed", "N", 'r', "workload seed (default 1)"},
};
const size_t dbt_nopts = ARRAY_LEN(dbt_opts);

/* A tpt dbt command: what it was asked, and what each scheme did. */
struct dbt_cmd {
	const char *spec, *scheme, *guest;
	int g, only; /* the guest; the one scheme asked for, or -1 for all */
	struct opts o;
	struct tpt_config cfg;
	struct dbt_stats st[DBT_N];
	bool ran[DBT_N];
	char refused[DBT_N][512];
	char canon[640]; /* the workload's spec as it reads it */
};

static int parse(int argc, char **argv, const json_t *rerun, struct dbt_cmd *d)
{
	d->spec = DEFAULT_WORKLOAD, d->scheme = "all", d->guest = "x86_64";
	d->o = (struct opts){.seed = 1, .argc = argc, .argv = argv, .rerun = rerun, .table = dbt_opts,
			     .ntable = dbt_nopts};
	struct option lo[ARRAY_LEN(dbt_opts) + 1];
	cli_longopts(dbt_opts, dbt_nopts, lo);
	bool seen[ARRAY_LEN(dbt_opts)] = {false};
	opterr = 0;
	optind = 1;
	int c;
	while ((c = cli_getopt(argc, argv, lo, seen, "dbt: ")) != -1) {
		switch (c) {
		case CLI_TWICE: return 2;
		case 'w': d->spec = optarg; break;
		case 's': d->scheme = optarg; break;
		case 'g': d->guest = optarg; break;
		case 'c': d->o.config = optarg; break;
		case 'j': d->o.json = optarg; break;
		case 'r':
			if (tpt_parse_u64(optarg, &d->o.seed))
				return bad("dbt: --seed wants a number, not '%s'", optarg);
			break;
		case ':': return bad("dbt: %s needs a value", argv[optind - 1]);
		default: return bad("dbt: unknown option '%s' (see tpt help)", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return bad("dbt: unexpected argument '%s'", argv[optind]);
	d->o.workload = d->spec;
	if ((d->g = find(dbt_guest_name, GUEST_N, d->guest)) < 0)
		return bad("dbt: unknown guest '%s' (ia32, pae or x86_64)", d->guest);
	d->only = strcmp(d->scheme, "all") ? find(dbt_scheme_name, DBT_N, d->scheme) : -1;
	if (d->only < 0 && strcmp(d->scheme, "all"))
		return bad("dbt: unknown scheme '%s' (softmmu, btmmu, direct or all)", d->scheme);
	return 0;
}

/* Runs scheme s, or records why it refuses the workload. 0, or the status
 * after saying why on stderr. */
static int run_scheme(struct dbt_cmd *d, enum dbt_scheme s)
{
	struct workload wl;
	struct tpt_err e;
	if (workload_open(&wl, d->spec, d->o.seed, &e)) {
		bad("%s", e.msg);
		return tpt_err_status(&e);
	}
	snprintf(d->canon, sizeof(d->canon), "%s", wl.spec);
	int rc = 0;
	if (dbt_supported(s, (enum dbt_guest)d->g, &d->cfg, &wl, &e)) {
		if (d->only >= 0)
			rc = bad("%s", e.msg);
		else
			snprintf(d->refused[s], sizeof(d->refused[s]), "%s", e.msg);
	} else if (dbt_run(&wl, &d->cfg, s, (enum dbt_guest)d->g, true, &d->st[s], &e)) {
		bad("%s", e.msg);
		rc = 1;
	} else {
		d->ran[s] = true;
	}
	workload_close(&wl);
	return rc;
}

/* SoftMMU's cycles over BTMMU's, or 0 when either did not run. */
static double speedup(const struct dbt_cmd *d)
{
	return d->ran[DBT_SOFTMMU] && d->ran[DBT_BTMMU] && d->st[DBT_BTMMU].cycles > 0
		       ? d->st[DBT_SOFTMMU].cycles / d->st[DBT_BTMMU].cycles
		       : 0;
}

static json_t *doc_json(const struct dbt_cmd *d)
{
	json_t *doc;
	if (d->only >= 0) {
		doc = stats_json((enum dbt_scheme)d->only, &d->st[d->only], &d->cfg);
	} else {
		json_t *runs = json_object();
		for (int s = 0; s < DBT_N; s++)
			json_object_set_new(runs, dbt_scheme_name[s],
					    d->ran[s] ? stats_json((enum dbt_scheme)s, &d->st[s], &d->cfg)
						      : json_pack("{s:s}", "refused", d->refused[s]));
		doc = json_pack("{s:o, s:f}", "schemes", runs, "speedup_btmmu_over_softmmu", speedup(d));
	}
	json_object_set_new(doc, "workload", json_string(d->canon));
	json_object_set_new(doc, "guest", json_string(dbt_guest_name[d->g]));
	return doc;
}

static void print_table(const void *ctx)
{
	const struct dbt_cmd *d = ctx;
	printf("workload %s, %s guest\n", d->canon, dbt_guest_name[d->g]);
	printf("%-8s %13s %9s %9s %9s %8s %10s %10s %10s %9s\n", "scheme", "guest acc", "instr/acc",
	       "mem/acc", "cyc/acc", "sTLB hit", "walks", "exceptions", "hTLB miss", "Gcycles");
	for (int s = 0; s < DBT_N; s++) {
		if (d->refused[s][0])
			printf("%-8s refused: %s\n", dbt_scheme_name[s], d->refused[s]);
		if (!d->ran[s])
			continue;
		const struct dbt_stats *x = &d->st[s];
		const struct tpt_config *cfg = &d->cfg;
		printf("%-8s %13llu %9.2f %9.2f %9.2f %7.2f%% %10llu %10llu %10llu %9.3f\n",
		       dbt_scheme_name[s], (unsigned long long)x->guest_accesses,
		       dbt_host_per_access(x, cfg), dbt_mem_path(x, cfg), dbt_cycles_per_access(x, cfg),
		       s == DBT_SOFTMMU ? 100 * dbt_stlb_hit_rate(x, cfg) : 0.0, (unsigned long long)x->walks,
		       (unsigned long long)x->exceptions, (unsigned long long)x->host_tlb_misses,
		       x->cycles / 1e9);
	}
	if (speedup(d) > 0)
		printf("BTMMU speed-up over SoftMMU: %.3fx\n", speedup(d));
}

int cmd_dbt(int argc, char **argv, const json_t *rerun)
{
	struct dbt_cmd *d = calloc(1, sizeof(*d));
	if (!d)
		return bad("out of memory");
	int rc = parse(argc, argv, rerun, d);
	if (rc || (rc = check_outputs(&d->o)) || (rc = load_config(&d->o, &d->cfg)))
		goto out;
	for (int s = 0; s < DBT_N && !rc; s++)
		if (d->only < 0 || s == d->only)
			rc = run_scheme(d, (enum dbt_scheme)s);
	if (rc)
		goto out;
	if (!d->ran[DBT_SOFTMMU] && !d->ran[DBT_BTMMU] && !d->ran[DBT_DIRECT]) {
		rc = bad("%s", d->refused[DBT_SOFTMMU]);
		goto out;
	}
	rc = emit_results(&d->o, &d->cfg, doc_json(d), print_table, d);
out:
	free(d);
	return rc;
}
