/* SPDX-License-Identifier: MIT */
/*
 * common.c - what the tpt command's subcommands share (cli.h): the one
 * option parser of the simulation commands, configuration loading, the
 * workload opened and checked, and output files written whole or not at
 * all. The runs themselves are runs.c's.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "tpt/base/config.h"
#include "tpt/base/outfile.h"

int bad(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "tpt: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	return 2;
}

static int parse_page(const char *s, unsigned *shift)
{
	uint64_t v;
	if (tpt_parse_size(s, &v) || (v != 4 * KiB && v != 2 * MiB && v != GiB))
		return -1;
	*shift = tpt_log2(v);
	return 0;
}

/* The simulation commands' options: parsing (below), tpt help and the
 * manual page (mangen.c) all read this one table. */
const struct cli_opt cli_opts[] = {
	{"scheme", "S", 's', "native, nested, shadow, agile, shsp, dvmt, tpt-naive, tpt-opt, tpt-emul or ideal (sim)"},
	{"schemes", "LIST", 'S', "compare: schemes, in that order (default: all); policy: other schemes "
				 "run beside the policies as baselines"},
	{"workload", "W", 'w', "NAME:key=value,... (default for compare: " DEFAULT_WORKLOAD ")"},
	{"scenario", "FILE", 'x', "several workloads as processes of one VM (a file or a name)"},
	{"thp", "POLICY", 't', "never, always or madvise (guest transparent huge pages)"},
	{"no-pcid", NULL, 'p', "context switches flush the TLB"},
	{"guest-page", "SIZE", 'g', "4K, 2M or 1G (default 4K)"},
	{"host-page", "SIZE", 'h', "4K, 2M or 1G (default 4K)"},
	{"levels", "N", 'l', "4 or 5 page-table levels (default 4)"},
	{"no-walk-caches", NULL, 'n', "paging-structure caches, nested TLB and RMP cache off"},
	{"config", "FILE", 'c', "machine and cost parameters (see tpt config)"},
	{"seed", "N", 'r', "workload seed (default 1)"},
	{"json", "FILE|-", 'j', "write results as JSON, with their provenance"},
	{"policy", "P", 'P', "sim under a TPT scheme: auto (the profiling policy) or threshold "
			     "(TPT while STLB misses per kilo-instruction exceed [policy] policy_mpki)"},
	{"timeline", "FILE|-", 'T', "with --policy: every profiler sample as CSV"},
	{"sample", NULL, 'm', "sampled simulation: detailed windows of [sample] (tpt config), fast-forward "
			      "between them; estimated figures with 95 % intervals"},
	{"jobs", "N", 'J', "compare and policy: runs at once (default: the number of CPUs)"},
	{"plot", "FILE.svg", 'G', "compare and policy: the run's figure, a panel per metric (SVG, by gnuplot)"},
	{"csv", "FILE|-", 'V', "compare and policy: the run's rows as CSV (a study's results.csv columns)"},
};
const size_t cli_nopts = ARRAY_LEN(cli_opts);

void cli_longopts(const struct cli_opt *t, size_t n, struct option *lo)
{
	for (size_t i = 0; i < n; i++)
		lo[i] = (struct option){t[i].name, t[i].arg ? required_argument : no_argument, 0, t[i].val};
	lo[n] = (struct option){0, 0, 0, 0};
}

int cli_getopt_short(int argc, char **argv, const char *shorts, const struct option *lo, bool *seen,
		     const char *who)
{
	int li = -1, c = getopt_long(argc, argv, shorts, lo, &li);
	if (c > 0 && c < 128 && li < 0 && c != '?' && c != ':') /* a short option: its long row */
		for (int k = 0; lo[k].name; k++)
			if (lo[k].val == c)
				li = k;
	if (c != -1 && li >= 0) {
		if (seen[li]) {
			bad("%s--%s is given twice", who, lo[li].name);
			return CLI_TWICE;
		}
		seen[li] = true;
	}
	return c;
}

int cli_getopt(int argc, char **argv, const struct option *lo, bool *seen, const char *who)
{
	return cli_getopt_short(argc, argv, ":", lo, seen, who);
}

int cli_option_words(const struct cli_opt *t, size_t n, char *const *argv, int argc, int i,
		     const char *const *names)
{
	const char *a = argv[i];
	if (strncmp(a, "--", 2) || !a[2])
		return 0;
	size_t len = strcspn(a + 2, "=");
	const struct cli_opt *hit = NULL, *exact = NULL;
	unsigned prefixes = 0;
	for (size_t k = 0; k < n; k++)
		if (!strncmp(t[k].name, a + 2, len)) {
			hit = &t[k];
			prefixes++;
			if (strlen(t[k].name) == len)
				exact = &t[k];
		}
	if (exact) /* an exact name wins over the names it is a prefix of */
		hit = exact;
	else if (prefixes != 1) /* none, or ambiguous: getopt_long takes neither */
		return 0;
	bool named = false;
	for (; *names; names++)
		named |= !strcmp(*names, hit->name);
	if (!named)
		return 0;
	return a[2 + len] == '=' || !hit->arg || i + 1 >= argc ? 1 : 2;
}

int parse_opts(int argc, char **argv, struct opts *o)
{
	struct option lo[ARRAY_LEN(cli_opts) + 1];
	cli_longopts(cli_opts, cli_nopts, lo);
	*o = (struct opts){.guest_shift = 12, .host_shift = 12, .levels = 4, .seed = 1,
			   .argc = argc, .argv = argv, .table = cli_opts, .ntable = cli_nopts};
	opterr = 0;
	optind = 1;
	int c;
	uint64_t v;
	bool seen[ARRAY_LEN(cli_opts)] = {false};
	while ((c = cli_getopt(argc, argv, lo, seen, "")) != -1) {
		switch (c) {
		case CLI_TWICE: return 2;
		case 's': o->scheme = optarg; break;
		case 'S': o->schemes = optarg; break;
		case 'w': o->workload = optarg; break;
		case 'c': o->config = optarg; break;
		case 'j': o->json = optarg; break;
		case 'G': o->plot = optarg; break;
		case 'V': o->csv = optarg; break;
		case 'n': o->no_walk_caches = true; break;
		case 'm': o->sample = true; break;
		case 'x': o->scenario = optarg; break;
		case 't': o->thp = optarg; break;
		case 'p': o->no_pcid = true; break;
		case 'T': o->timeline = optarg; break;
		case 'P':
			if (!strcmp(optarg, "auto"))
				o->policy = PROFILE_AUTO;
			else if (!strcmp(optarg, "threshold"))
				o->policy = PROFILE_MPKI;
			else
				return bad("--policy: '%s' is not auto or threshold", optarg);
			break;
		case 'g':
			if (parse_page(optarg, &o->guest_shift))
				return bad("--guest-page: '%s' is not 4K, 2M or 1G", optarg);
			break;
		case 'h':
			if (parse_page(optarg, &o->host_shift))
				return bad("--host-page: '%s' is not 4K, 2M or 1G", optarg);
			break;
		case 'l':
			if (tpt_parse_u64(optarg, &v) || (v != 4 && v != 5))
				return bad("--levels: '%s' is not 4 or 5", optarg);
			o->levels = (int)v;
			break;
		case 'r':
			if (tpt_parse_u64(optarg, &o->seed))
				return bad("--seed: '%s' is not a whole number", optarg);
			break;
		case 'J':
			if (tpt_parse_u64(optarg, &v) || v < 1 || v > 64)
				return bad("--jobs: '%s' is not a whole number from 1 to 64", optarg);
			o->jobs = (unsigned)v;
			break;
		case ':':
			return bad("option %s needs a value", argv[optind - 1]);
		default:
			return bad("unknown option '%s' (see tpt help)", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return bad("unexpected argument '%s'", argv[optind]);
	if (o->scenario && o->workload)
		return bad("give --workload or --scenario, not both");
	if (o->plot && !strcmp(o->plot, "-"))
		return bad("--plot needs a file (an SVG figure is not written to standard output)");
	const char *std[] = {o->json, o->timeline, o->csv};
	for (int a = 0; a < 3; a++)
		for (int b = a + 1; b < 3; b++)
			if (std[a] && std[b] && !strcmp(std[a], "-") && !strcmp(std[b], "-"))
				return bad("--%s - and --%s - would share standard output",
					   a == 0 ? "json" : "timeline", b == 1 ? "timeline" : "csv");
	return 0;
}

/* Opens the run's workload: a spec, or a scenario. */
int open_workload(const struct opts *o, struct workload *wl, struct tpt_err *e)
{
	if (o->scenario)
		return workload_open_scenario(wl, o->scenario, o->seed, e);
	return workload_open(wl, o->workload, o->seed, e);
}

/* Output files: see outfile.h. 0, or -1 said on stderr. */
int out_open(struct out *o, const char *path)
{
	struct tpt_err e;
	if (outfile_open(&o->of, path, &e)) {
		bad("%s", e.msg);
		return -1;
	}
	o->f = o->of.f;
	return 0;
}

/* keep: put in place (a failure says so and returns -1); else drop. */
int out_close(struct out *o, bool keep)
{
	struct tpt_err e;
	if (outfile_close(&o->of, keep, &e)) {
		bad("%s", e.msg);
		return -1;
	}
	return 0;
}

/* Writes JSON to stdout ("-"), or to a file. */
int write_json(const char *path, json_t *doc)
{
	struct out o;
	if (out_open(&o, path))
		return -1;
	bool ok = !json_dumpf(doc, o.f, JSON_INDENT(2)) && fputc('\n', o.f) != EOF;
	if (!ok) {
		out_close(&o, false);
		bad("cannot write %s", path);
		return -1;
	}
	return out_close(&o, true);
}

const char *spec_path(const char *spec, char *buf, size_t len)
{
	const char *p = spec ? strstr(spec, "path=") : NULL;
	if (!p)
		return NULL;
	p += 5;
	size_t n = strcspn(p, ",");
	snprintf(buf, len, "%.*s", (int)n, p);
	return buf;
}

int check_outputs(const struct opts *o)
{
	char trace[512];
	const char *outs[] = {o->json, o->timeline, o->plot, o->csv};
	const char *ins[] = {o->config, o->scenario, spec_path(o->workload, trace, sizeof(trace))};
	struct tpt_err e;
	if (outfile_check_run(outs, 4, ins, 3, &e))
		return bad("%s", e.msg);
	return 0;
}

int parse_schemes(const char *s, const struct scheme **list, size_t max, size_t *n)
{
	char *copy = strdup(s), *save = NULL;
	int rc = 0;
	*n = 0;
	if (!copy)
		return bad("out of memory");
	for (char *t = strtok_r(copy, ",", &save); t && !rc; t = strtok_r(NULL, ",", &save)) {
		const struct scheme *sc = scheme_find(t);
		if (!sc)
			rc = bad("unknown scheme '%s' (see tpt schemes)", t);
		else if (*n == max)
			rc = bad("--schemes lists more than %zu schemes", max);
		else
			list[(*n)++] = sc;
	}
	free(copy);
	if (!rc && *n == 0)
		rc = bad("--schemes lists no scheme");
	return rc;
}

unsigned default_jobs(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (unsigned)n : 1;
}

int load_config(const struct opts *o, struct tpt_config *cfg)
{
	struct tpt_err e;
	config_defaults(cfg);
	if (o->config && config_load(cfg, o->config, &e)) {
		bad("%s", e.msg);
		return 2;
	}
	/* A rerun: the recorded configuration, every value of it. */
	const char *sec, *key;
	json_t *keys, *v;
	json_object_foreach(json_object_get(o->rerun, "config"), sec, keys) {
		json_object_foreach(keys, key, v) {
			if (!json_is_string(v) || config_set(cfg, sec, key, json_string_value(v), &e)) {
				if (json_is_string(v)) /* e names the option already */
					bad("the recorded configuration: %s", e.msg);
				else
					bad("the recorded configuration: [%s] %s: not a string",
						sec, key);
				return 2;
			}
		}
	}
	if (o->thp && config_set(cfg, "guest", "thp", o->thp, &e)) {
		bad("--thp: %s", e.msg);
		return 2;
	}
	if (o->no_pcid)
		cfg->pcid = 0;
	if (config_validate(cfg, &e)) {
		bad("%s", e.msg);
		return 2;
	}
	return 0;
}

int check_workload(const struct opts *o, struct workload *wl)
{
	struct tpt_err e;
	if (open_workload(o, wl, &e)) {
		bad("%s", e.msg);
		return tpt_err_status(&e);
	}
	const char *outs[] = {o->json, o->timeline, o->plot, o->csv};
	if (outfile_check_run(outs, 4, wl->inputs, wl->ninputs, &e)) {
		workload_close(wl);
		return bad("%s", e.msg);
	}
	return 0;
}


int emit_figure(const struct opts *o, enum study_kind kind, const json_t *res)
{
	if (!o->plot && !o->csv)
		return 0;
	static const char *const size[] = {[12] = "4K", [21] = "2M", [30] = "1G"};
	const char *input = o->scenario ? o->scenario : o->workload;
	char title[700];
	snprintf(title, sizeof(title), "tpt %s: %s, guest %s pages on host %s",
		 kind == STUDY_COMPARE ? "compare" : "policy", input, size[o->guest_shift],
		 size[o->host_shift]);
	struct study_single one = {.kind = kind, .input = input, .guest = size[o->guest_shift],
				   .host = size[o->host_shift], .seed = o->seed, .csv = o->csv,
				   .svg = o->plot, .title = title};
	struct tpt_err e;
	if (study_run_report(&one, res, &e))
		return bad("%s", e.msg), 1;
	return 0;
}
