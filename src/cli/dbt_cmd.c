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

/* Host instructions of the memory path itself: all but the translated
 * guest instructions that are not memory accesses (x expansion). */
static double mem_path(const struct dbt_stats *st, const struct tpt_config *cfg)
{
	double acc = st->guest_accesses ? (double)st->guest_accesses : 1;
	return ((double)st->host_instrs -
		(double)(st->guest_instrs - st->guest_accesses) * cfg->dbt_expansion) / acc;
}

static json_t *stats_json(enum dbt_scheme s, const struct dbt_stats *st, const struct tpt_config *cfg)
{
	double acc = st->guest_accesses ? (double)st->guest_accesses : 1;
	return json_pack("{s:s, s:I, s:I, s:I, s:f, s:f, s:f, s:f, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, "
			 "s:I, s:I, s:I, s:f}",
			 "scheme", dbt_scheme_name[s], "guest_accesses", (json_int_t)st->guest_accesses,
			 "guest_instructions", (json_int_t)st->guest_instrs, "host_instructions",
			 (json_int_t)st->host_instrs, "cycles", st->cycles, "host_instructions_per_access",
			 (double)st->host_instrs / acc, "cycles_per_access", st->cycles / acc,
			 "stlb_hit_rate", dbt_stlb_hit_rate(st), "stlb_misses", (json_int_t)st->stlb_misses,
			 "victim_hits", (json_int_t)st->victim_hits, "stlb_entries",
			 (json_int_t)st->stlb_entries, "walks", (json_int_t)st->walks, "walk_refs",
			 (json_int_t)st->walk_refs, "exceptions", (json_int_t)st->exceptions,
			 "guest_faults", (json_int_t)st->guest_faults, "host_tlb_misses",
			 (json_int_t)st->host_tlb_misses, "shadow_fills", (json_int_t)st->shadow_fills,
			 "shadow_invalidations", (json_int_t)st->shadow_invalidations,
			 "context_switches", (json_int_t)st->context_switches,
			 "memory_path_instructions_per_access", mem_path(st, cfg));
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

int cmd_dbt(int argc, char **argv, const json_t *rerun)
{
	const char *spec = DEFAULT_WORKLOAD, *scheme = "all", *guest = "x86_64", *config = NULL,
		   *json = NULL;
	uint64_t seed = 1;
	struct option lo[ARRAY_LEN(dbt_opts) + 1];
	cli_longopts(dbt_opts, dbt_nopts, lo);
	bool seen[ARRAY_LEN(dbt_opts)] = {false};
	opterr = 0;
	optind = 1;
	int c;
	while ((c = cli_getopt(argc, argv, lo, seen, "dbt: ")) != -1) {
		switch (c) {
		case CLI_TWICE: return 2;
		case 'w': spec = optarg; break;
		case 's': scheme = optarg; break;
		case 'g': guest = optarg; break;
		case 'c': config = optarg; break;
		case 'j': json = optarg; break;
		case 'r':
			if (tpt_parse_u64(optarg, &seed))
				return bad("dbt: --seed wants a number, not '%s'", optarg);
			break;
		case ':': return bad("dbt: %s needs a value", argv[optind - 1]);
		default: return bad("dbt: unknown option '%s' (see tpt help)", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return bad("dbt: unexpected argument '%s'", argv[optind]);
	int g = find(dbt_guest_name, GUEST_N, guest);
	if (g < 0)
		return bad("dbt: unknown guest '%s' (ia32, pae or x86_64)", guest);
	int only = strcmp(scheme, "all") ? find(dbt_scheme_name, DBT_N, scheme) : -1;
	if (only < 0 && strcmp(scheme, "all"))
		return bad("dbt: unknown scheme '%s' (softmmu, btmmu, direct or all)", scheme);
	struct opts o;
	memset(&o, 0, sizeof(o));
	o.config = config;
	o.json = json;
	o.workload = spec;
	o.seed = seed;
	o.argc = argc;
	o.argv = argv;
	o.rerun = rerun;
	o.table = dbt_opts;
	o.ntable = dbt_nopts;
	if (check_outputs(&o))
		return 2;
	struct tpt_config cfg;
	int rc = load_config(&o, &cfg);
	if (rc)
		return rc;

	struct dbt_stats st[DBT_N];
	bool ran[DBT_N] = {false};
	char refused[DBT_N][512] = {{0}};
	char canon[640] = "";
	for (int s = 0; s < DBT_N; s++) {
		if (only >= 0 && s != only)
			continue;
		struct workload wl;
		struct tpt_err e;
		if (workload_open(&wl, spec, seed, &e)) {
			bad("%s", e.msg);
			return tpt_err_status(&e);
		}
		snprintf(canon, sizeof(canon), "%s", wl.spec);
		if (dbt_supported((enum dbt_scheme)s, (enum dbt_guest)g, &cfg, &wl, &e)) {
			workload_close(&wl);
			if (only >= 0) {
				bad("%s", e.msg);
				return 2;
			}
			snprintf(refused[s], sizeof(refused[s]), "%s", e.msg);
			continue;
		}
		rc = dbt_run(&wl, &cfg, (enum dbt_scheme)s, (enum dbt_guest)g, true, &st[s], &e);
		workload_close(&wl);
		if (rc) {
			bad("%s", e.msg);
			return 1;
		}
		ran[s] = true;
	}
	if (!ran[DBT_SOFTMMU] && !ran[DBT_BTMMU] && !ran[DBT_DIRECT]) {
		bad("%s", refused[DBT_SOFTMMU]);
		return 2;
	}
	double speedup = ran[DBT_SOFTMMU] && ran[DBT_BTMMU] && st[DBT_BTMMU].cycles > 0
				 ? st[DBT_SOFTMMU].cycles / st[DBT_BTMMU].cycles
				 : 0;
	if (json) {
		json_t *doc;
		if (only >= 0) {
			doc = stats_json((enum dbt_scheme)only, &st[only], &cfg);
		} else {
			json_t *runs = json_object();
			for (int s = 0; s < DBT_N; s++)
				if (ran[s])
					json_object_set_new(runs, dbt_scheme_name[s], stats_json((enum dbt_scheme)s, &st[s], &cfg));
				else
					json_object_set_new(runs, dbt_scheme_name[s], json_pack("{s:s}", "refused", refused[s]));
			doc = json_pack("{s:o, s:f}", "schemes", runs, "speedup_btmmu_over_softmmu", speedup);
		}
		json_object_set_new(doc, "workload", json_string(canon));
		json_object_set_new(doc, "guest", json_string(dbt_guest_name[g]));
		provenance_attach(doc, &o, &cfg);
		rc = write_json(json, doc) ? 1 : 0;
		json_decref(doc);
		if (!strcmp(json, "-"))
			return rc;
	}
	printf("workload %s, %s guest\n", canon, dbt_guest_name[g]);
	printf("%-8s %13s %9s %9s %9s %8s %10s %10s %10s %9s\n", "scheme", "guest acc", "instr/acc",
	       "mem/acc", "cyc/acc", "sTLB hit", "walks", "exceptions", "hTLB miss", "Gcycles");
	for (int s = 0; s < DBT_N; s++) {
		if (refused[s][0])
			printf("%-8s refused: %s\n", dbt_scheme_name[s], refused[s]);
		if (!ran[s])
			continue;
		const struct dbt_stats *x = &st[s];
		double acc = x->guest_accesses ? (double)x->guest_accesses : 1;
		printf("%-8s %13llu %9.2f %9.2f %9.2f %7.2f%% %10llu %10llu %10llu %9.3f\n",
		       dbt_scheme_name[s], (unsigned long long)x->guest_accesses,
		       (double)x->host_instrs / acc, mem_path(x, &cfg), x->cycles / acc,
		       s == DBT_SOFTMMU ? 100 * dbt_stlb_hit_rate(x) : 0.0, (unsigned long long)x->walks,
		       (unsigned long long)x->exceptions, (unsigned long long)x->host_tlb_misses,
		       x->cycles / 1e9);
	}
	if (speedup > 0)
		printf("BTMMU speed-up over SoftMMU: %.3fx\n", speedup);
	return rc;
}
