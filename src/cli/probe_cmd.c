/* SPDX-License-Identifier: MIT */
/*
 * probe_cmd.c - `tpt probe`: measures this machine (probe.h) natively and
 * in the probe's own KVM guest, and, with --compare, runs the model on the
 * same loops and prints both; with --calibrate, writes the measured costs
 * as a --config fragment and compares under it.
 *
 * What the model predicts and how a term is solved is calib.h's; this
 * file reads the options, measures, and prints.
 */
#include <assert.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "tpt/calib/calib.h"
#include "tpt/base/version.h"

enum {
	PO_SIZE = 1000, PO_UPDATES, PO_STEPS, PO_TOUCH, PO_EVENTS, PO_ROUNDS, PO_PHASES,
	PO_OUTER, PO_BUSY, PO_CONFIG, PO_CALIBRATE, PO_COMPARE, PO_JSON, PO_SEED, PO_JOBS,
	PO_WATCHDOG, PO_TCG, PO_GAP,
};

const struct cli_opt probe_opts[] = {
	{"size", "SIZE", PO_SIZE, "buffer of the independent and dependent loops, a power of two (default 1G)"},
	{"updates", "N", PO_UPDATES, "gups updates per round (default 4M)"},
	{"steps", "N", PO_STEPS, "dependent steps per round (default 1M)"},
	{"touch", "SIZE", PO_TOUCH, "fresh memory per first-touch and churn round, whole 2M (default 256M)"},
	{"events", "N", PO_EVENTS, "exits, CR3 loads and directory writes per round (default 2000; leaf table writes: 500 times as many)"},
	{"rounds", "N", PO_ROUNDS, "timed rounds of each loop, after one to warm up (default 5)"},
	{"round-gap", "SECONDS", PO_GAP, "wait this long between the native loops' timed rounds, so that a drift of minutes shows in their spread (default 0)"},
	{"phases", "LIST", PO_PHASES, "what to run: native, vm and loop names (independent, dependent, page-chase, first-touch, churn, shadow-fill, pt-write, pd-write, cr3-switch, exit); default all"},
	{"outer-page", "4K|2M|auto", PO_OUTER, "the outer hypervisor's page when this host is itself a guest (default auto: with --compare or --calibrate, the one that brings the model nearer the native loops; else 4K, Firecracker's and QEMU's default backing)"},
	{"allow-busy", NULL, PO_BUSY, "measure although other tasks are runnable"},
	{"config", "FILE", PO_CONFIG, "the model's configuration for --compare"},
	{"calibrate", "FILE", PO_CALIBRATE, "write the measured costs as a --config fragment, and compare under it"},
	{"compare", NULL, PO_COMPARE, "run the model on the same loops: measured against modelled, per row"},
	{"json", "FILE|-", PO_JSON, "the rows as a JSON array"},
	{"seed", "N", PO_SEED, "seed of the chains and streams (default 1)"},
	{"jobs", "N", PO_JOBS, "model runs at once (default: CPUs online)"},
	{"watchdog", "SECONDS", PO_WATCHDOG, "stop a guest call that runs longer (default 60; --tcg: the whole QEMU run, default 600)"},
	{"tcg", NULL, PO_TCG, "time QEMU's TCG instead (qemu-system-i386 and qemu-system-x86_64 booting tpt's own IA-32 and x86-64 guests): random, chained and sequential loops and the gups workload's, at two software-TLB sizes; --size is then the large loops' region (default 256M, at most 1G), --seed their key; with --compare or --calibrate, tpt dbt on the same loops"},
};
const size_t probe_nopts = ARRAY_LEN(probe_opts);

struct probe_cmd {
	struct probe_params p;
	const char *config, *calibrate, *json;
	bool allow_busy, compare;
	unsigned outer_shift, jobs;
	bool outer_auto;
	bool tcg;             /* --tcg: QEMU's TCG (tcg_cmd.c) */
	bool size_given, rounds_given, watchdog_given;
	const char *not_tcg;  /* the name of an option --tcg does not take, if one was given */
	struct host_info h;
	struct probe_row rows[CALIB_MAX_ROWS];
	size_t n;
	struct calib m; /* the model on the rows */
	char vm_skipped[200];
	char busy[200];   /* with --allow-busy, how busy the machine was at the start ("" quiet) */
};

/* An option's name in probe_opts, by its code. */
static const char *opt_name(int o)
{
	for (size_t i = 0; i < probe_nopts; i++)
		if (probe_opts[i].val == o)
			return probe_opts[i].name;
	assert(!"every option code is in probe_opts");
	return "";
}

static int parse_phases(struct probe_params *p, const char *list)
{
	bool any_where = false, any_loop = false;
	memset(p->where, 0, sizeof(p->where));
	memset(p->loop, 0, sizeof(p->loop));
	char buf[256];
	if (strlen(list) >= sizeof(buf)) /* every phase once is far shorter */
		return bad("probe: --phases is longer than %zu characters", sizeof(buf) - 1);
	snprintf(buf, sizeof(buf), "%s", list);
	char *save = NULL;
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		int k = -1;
		for (int i = 0; i < WHERE_N && k < 0; i++)
			if (!strcmp(t, probe_where_name[i]))
				k = i, p->where[i] = any_where = true;
		for (int i = 0; i < LOOP_N && k < 0; i++)
			if (!strcmp(t, probe_loop_name[i]))
				k = i, p->loop[i] = any_loop = true;
		if (k < 0)
			return bad("probe: unknown phase '%s' (native, vm, independent, dependent, first-touch, "
				   "churn, shadow-fill, pt-write, pd-write, cr3-switch, exit)", t);
	}
	for (int i = 0; i < WHERE_N && !any_where; i++)
		p->where[i] = true;
	for (int i = 0; i < LOOP_N && !any_loop; i++)
		p->loop[i] = true;
	return 0;
}

/* An option that is an amount (a size, a count, rounds, jobs, seconds),
 * checked against its range. 0, or 2 said. */
static int parse_amount(struct probe_cmd *c, int o, const char *arg)
{
	uint64_t v;
	switch (o) {
	case PO_SIZE:
		if (tpt_parse_size(arg, &v) || v < 4 * MiB || !tpt_is_pow2(v))
			return bad("probe: --size: '%s' is not a power of two of at least 4M", arg);
		c->p.size = v;
		break;
	case PO_UPDATES:
		if (tpt_parse_count(arg, &v) || v < 128 || v > (1ULL << 40))
			return bad("probe: --updates: '%s' is not a count from 128 to 1T", arg);
		c->p.updates = v;
		break;
	case PO_STEPS:
		if (tpt_parse_count(arg, &v) || v < 1 || v > (1ULL << 40))
			return bad("probe: --steps: '%s' is not a count from 1 to 1T", arg);
		c->p.steps = v;
		break;
	case PO_TOUCH:
		if (tpt_parse_size(arg, &v) || v < 2 * MiB || v % (2 * MiB))
			return bad("probe: --touch: '%s' is not a whole number of 2M", arg);
		c->p.touch = v;
		break;
	case PO_EVENTS:
		if (tpt_parse_count(arg, &v) || v < 1 || v > 100000000)
			return bad("probe: --events: '%s' is not a count from 1 to 100M", arg);
		c->p.events = v;
		break;
	case PO_ROUNDS:
		if (tpt_parse_u64(arg, &v) || v < 1 || v > PROBE_MAX_ROUNDS)
			return bad("probe: --rounds: '%s' is not a whole number from 1 to 64", arg);
		c->p.rounds = (unsigned)v;
		break;
	case PO_JOBS:
		if (tpt_parse_u64(arg, &v) || v < 1 || v > 64)
			return bad("probe: --jobs: '%s' is not a whole number from 1 to 64", arg);
		c->jobs = (unsigned)v;
		break;
	case PO_GAP:
		if (tpt_parse_u64(arg, &v) || v > 3600)
			return bad("probe: --round-gap: '%s' is not a number of seconds from 0 to 3600", arg);
		c->p.round_gap_s = (unsigned)v;
		break;
	case PO_WATCHDOG:
		if (tpt_parse_u64(arg, &v) || v < 1 || v > 86400)
			return bad("probe: --watchdog: '%s' is not a number of seconds from 1 to 86400", arg);
		c->p.timeout_ms = (unsigned)v * 1000;
		break;
	}
	return 0;
}

static int parse(int argc, char **argv, struct probe_cmd *c)
{
	struct option lo[ARRAY_LEN(probe_opts) + 1];
	cli_longopts(probe_opts, probe_nopts, lo);
	c->p = (struct probe_params){.size = GiB, .updates = 4000000, .steps = 1000000,
				     .touch = 256 * MiB, .events = 2000, .rounds = 5,
				     .timeout_ms = 60000, .seed = 1, .progress = isatty(2) == 1};
	c->outer_shift = 12;
	c->outer_auto = true;
	if (parse_phases(&c->p, ""))
		return 2;
	bool seen[ARRAY_LEN(probe_opts)] = {false};
	opterr = 0;
	optind = 1;
	int o;
	while ((o = cli_getopt(argc, argv, lo, seen, "probe: ")) != -1) {
		switch (o) {
		case CLI_TWICE: return 2;
		case PO_SIZE: case PO_UPDATES: case PO_STEPS: case PO_TOUCH: case PO_EVENTS: case PO_ROUNDS:
		case PO_JOBS: case PO_WATCHDOG: case PO_GAP:
			if (parse_amount(c, o, optarg))
				return 2;
			c->size_given |= o == PO_SIZE;
			c->rounds_given |= o == PO_ROUNDS;
			c->watchdog_given |= o == PO_WATCHDOG;
			if (o == PO_UPDATES || o == PO_STEPS || o == PO_TOUCH || o == PO_EVENTS || o == PO_GAP)
				c->not_tcg = opt_name(o);
			break;
		case PO_TCG: c->tcg = true; break;
		case PO_PHASES:
			c->not_tcg = opt_name(o);
			if (parse_phases(&c->p, optarg))
				return 2;
			break;
		case PO_OUTER:
			c->not_tcg = opt_name(o);
			if (strcmp(optarg, "4K") && strcmp(optarg, "2M") && strcmp(optarg, "auto"))
				return bad("probe: --outer-page: '%s' is not 4K, 2M or auto", optarg);
			c->outer_auto = optarg[0] == 'a';
			c->outer_shift = optarg[0] == '2' ? 21 : 12;
			break;
		case PO_BUSY: c->allow_busy = c->p.allow_busy = true; break;
		case PO_CONFIG: c->config = optarg; break;
		case PO_CALIBRATE: c->calibrate = optarg; break;
		case PO_COMPARE: c->compare = true; break;
		case PO_JSON: c->json = optarg; break;
		case PO_SEED:
			if (tpt_parse_u64(optarg, &c->p.seed))
				return bad("probe: --seed: '%s' is not a whole number", optarg);
			break;
		case ':': return bad("probe: option %s needs a value", argv[optind - 1]);
		default: return bad("probe: unknown option '%s' (see tpt help)", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return bad("probe: unexpected argument '%s'", argv[optind]);
	if (c->calibrate && !strcmp(c->calibrate, "-"))
		return bad("probe: --calibrate wants a file, not '%s'", c->calibrate);
	if (c->tcg && c->not_tcg)
		return bad("probe: --tcg does not take --%s (it runs its own loops)", c->not_tcg);
	c->p.updates = c->p.updates / 128 * 128;
	return 0;
}

/* The memory the largest phase needs at once: natively, a chain, a table
 * and a page chase on each page size, the sweep's chains (under half the
 * size) and the reach table (four times it); in the guest, a buffer and its tables;
 * and a chain's order (4 bytes a line). */
static uint64_t memory_needed(const struct probe_params *p)
{
	/* Natively: the loops' buffers (ten times --size), the sweep's (under
	 * half of it) and the sweep's earlier placements. */
	uint64_t placed = (uint64_t)p->rounds * (p->size / 2);
	uint64_t native = p->where[WHERE_NATIVE] ? 10 * p->size + p->size / 2 +
							   (placed < PROBE_SWEEP_KEEP ? placed : PROBE_SWEEP_KEEP)
						 : 0;
	uint64_t vm = p->where[WHERE_VM] ? p->size + p->size / 512 : 0;
	uint64_t loops = (native > vm ? native : vm) + p->size / 16 + 64 * MiB;
	uint64_t touch = p->touch + p->touch / 512 + 64 * MiB;
	return loops > touch ? loops : touch;
}

/* --- the model's runs -------------------------------------------------------- */

/* calib's simulations, as the tpt command runs any: run_all, jobs at once. */
static int run_rows(void *arg, struct calib_run *runs, size_t n, const struct tpt_config *cfg)
{
	const struct probe_cmd *c = arg;
	struct opts o[CALIB_MAX_ROWS];
	struct run r[CALIB_MAX_ROWS];
	for (size_t i = 0; i < n; i++) {
		o[i] = (struct opts){.workload = runs[i].spec, .levels = 4, .seed = runs[i].seed,
				     .guest_shift = runs[i].guest_shift, .host_shift = runs[i].host_shift};
		r[i] = (struct run){&o[i], runs[i].sc, runs[i].res, 0, {.msg = ""}};
	}
	return run_all(r, n, c->jobs ? c->jobs : default_jobs(), cfg, NULL);
}

static int write_fragment(const struct probe_cmd *c, const struct calib_fragment *f)
{
	struct out o;
	if (out_open(&o, c->calibrate))
		return 1;
	calib_write(&c->m, f, o.f);
	return out_close(&o, true) ? 1 : 0;
}

/* --- output ---------------------------------------------------------------- */

static const char *page_name(unsigned shift)
{
	return shift == 21 ? "2M" : "4K";
}

static const char *repl_name(uint32_t r)
{
	return r == CACHE_RANDOM ? "random" : "LRU";
}

/* The data caches this CPU reports, and from where; the model's own
 * stand in for a level it does not (the fragment names them). */
static void print_caches(const struct host_info *h)
{
	static const char *const name[3] = {"L1D", "L2", "last level"};
	printf("  caches:");
	for (int l = 0; l < 3; l++) {
		printf(" %s ", name[l]);
		if (h->cache_size[l])
			printf("%llu KiB %u-way (%s)", (unsigned long long)(h->cache_size[l] / KiB),
			       h->cache_ways[l], h->cache_src[l]);
		else
			printf("not reported (%s)", h->cache_src[l][0] ? h->cache_src[l] : "neither sysfs nor CPUID");
		printf("%s", l < 2 ? ";" : "\n");
	}
}

static void print_text(const struct probe_cmd *c)
{
	const struct host_info *h = &c->h;
	printf("host: %s, %.3f GHz (dependent adds), CPU %d\n", h->cpu, h->ghz, h->cpu_pinned);
	if (h->in_vm) {
		printf("  itself a guest (CPUID hypervisor bit)");
		if (h->shadowed)
			printf(" whose MMU walks a software shadow of its tables (%u of %d pages touched after "
			       "clear_refs showed accessed bits): its processes walk the outer hypervisor's "
			       "shadow table through nested paging, leaves no larger than the outer's pages",
			       h->ab_seen, HOST_AB_PAGES);
		else
			printf(": its processes walk the outer hypervisor's nested paging");
		printf("; modelled so, outer pages %s", page_name(c->outer_shift));
		if (c->compare && c->outer_auto && !c->m.outer_chosen)
			printf(" (no native loop row to choose by)");
		else if (c->compare && c->outer_auto)
			printf(" (nearer the native loops than %s: rows within %.0f %% 4K %u, 2M %u; mean squared "
			       "log error 4K %.4f, 2M %.4f)", c->outer_shift == 21 ? "4K" : "2M",
			       100 * CALIB_TOLERANCE, c->m.outer_within[0], c->m.outer_within[1],
			       c->m.outer_error[0], c->m.outer_error[1]);
		printf("\n");
	}
	if (c->calibrate) {
		printf("  caches modelled with L1D %s, L2 %s and LLC %s replacement", repl_name(c->m.l1d_replacement),
		       repl_name(c->m.l2_replacement), repl_name(c->m.llc_replacement));
		if (!c->m.repl_chosen) {
			printf(", as configured (no native loop row to choose by)");
		} else {
			printf(" (L1D/L2/LLC: rows within %.0f %%, mean squared log error;", 100 * CALIB_TOLERANCE);
			for (unsigned r = 0; r < CALIB_REPLS; r++)
				printf(" %s/%s/%s %u %.4f%s", repl_name(r >> 2), repl_name(r >> 1 & 1),
				       repl_name(r & 1), c->m.repl_within[r], c->m.repl_error[r],
				       r + 1 < CALIB_REPLS ? "," : ")");
		}
		printf("\n");
	}
	print_caches(h);
	printf("KVM: %s\n", h->kvm_desc);
	if (c->vm_skipped[0])
		printf("  no VM rows: %s\n", c->vm_skipped);
	if (c->busy[0])
		printf("measured on a busy machine (--allow-busy): %s\n", c->busy);
	printf("\n%-6s %-11s %-5s %-7s %5s %11s %6s %5s", "where", "loop", "guest", "backing", "size", "ns",
	       "spread", "noise");
	if (c->compare)
		printf(" %11s %6s  %-7s %-20s", "model ns", "ratio", "verdict", "calibrates");
	printf("  KVM per event\n");
	unsigned verdicts[4] = {0};
	for (size_t i = 0; i < c->n; i++) {
		const struct probe_row *x = &c->rows[i];
		char sz[32];
		printf("%-6s %-11s %-5s %-7s %5s %11.1f %6.2f %5.2f", probe_where_name[x->where],
		       probe_loop_name[x->loop], page_name(x->page_shift), x->thp ? "THP" : "4K",
		       x->size ? tpt_format_size(x->size, sz) : "", x->ns, x->spread, x->noise);
		if (c->compare) {
			const char *v = calib_verdict(&c->m, i);
			printf(" %11.1f %6.2f  %-7s %-20s", c->m.model_ns[i],
			       c->m.model_ns[i] > 0 ? x->ns / c->m.model_ns[i] : 0.0, v,
			       c->m.calibrates[i] ? c->m.calibrates[i] : "");
			verdicts[!strcmp(v, "within") ? 0 : !strcmp(v, "off") ? 1 : !strcmp(v, "noisy") ? 2 : 3]++;
		}
		printf(" ");
		for (unsigned k = 0; k < x->nstats; k++)
			if (strcmp(x->stat[k], "vcpu.fpu_reload") && strcmp(x->stat[k], "vcpu.req_event"))
				printf(" %s %.2f", x->stat[k], x->stat_per[k]);
		if (x->thp && x->thp_share < 0.9)
			printf(" (THP backed only %.0f%%)", 100 * x->thp_share);
		printf("\n");
	}
	printf("\nns: median per access (independent: per update), per page or per event over %u rounds, "
	       "every loop's round before any loop's next; spread: slowest round / fastest; noise: upper quartile / lower.\n", c->p.rounds);
	if (c->p.round_gap_s)
		printf("the native loops' rounds %u s apart (--round-gap): their spread and noise include what drifted "
		       "in that time.\n", c->p.round_gap_s);
	for (size_t i = 0; i < c->n; i++)
		if (c->rows[i].loop == LOOP_PAGE_CHASE) {
			printf("page-chase: the dependent loop through one line in each of %llu pages of the buffer, "
			       "picked at random: each step a TLB miss, its data within the caches.\n",
			       (unsigned long long)c->rows[i].pages);
			break;
		}
	if (!c->compare)
		return;
	printf("verdict: the model within %.0f %% of the measurement (%u rows), off (%u), noisy: the "
	       "middle half of the rounds spans more than that, not judged (%u).\n",
	       100 * CALIB_TOLERANCE, verdicts[0], verdicts[1], verdicts[2]);
	/* What virtualization costs, measured and modelled: each guest loop over
	 * the same loop natively on the guest's page size. */
	bool head = false;
	for (size_t i = 0; i < c->n; i++) {
		const struct probe_row *x = &c->rows[i];
		if (x->where != WHERE_VM || (x->loop != LOOP_INDEPENDENT && x->loop != LOOP_DEPENDENT))
			continue;
		const struct probe_row *n = calib_find(&c->m, WHERE_NATIVE, x->loop, x->page_shift);
		if (!n || n->ns <= 0 || c->m.model_ns[n - c->rows] <= 0)
			continue;
		if (!head)
			printf("\nguest / native   %-11s %-5s %-7s %9s %9s %6s\n", "loop", "guest", "backing",
			       "measured", "modelled", "ratio");
		head = true;
		double m = x->ns / n->ns, mo = c->m.model_ns[i] / c->m.model_ns[n - c->rows];
		printf("                 %-11s %-5s %-7s %9.3f %9.3f %6.2f\n", probe_loop_name[x->loop],
		       page_name(x->page_shift), x->thp ? "THP" : "4K", m, mo, mo > 0 ? m / mo : 0.0);
	}
}

static json_t *row_json(const struct probe_cmd *c, size_t i)
{
	const struct probe_row *x = &c->rows[i];
	json_t *stats = json_object(), *samples = json_array();
	for (unsigned k = 0; k < x->nstats; k++)
		json_object_set_new(stats, x->stat[k], json_real(x->stat_per[k]));
	for (unsigned k = 0; k < x->n; k++)
		json_array_append_new(samples, json_real(x->sample[k]));
	json_t *r = json_pack("{s:s, s:s, s:s, s:s, s:f, s:f, s:o, s:o, s:f, s:b, s:s}",
			      "where", probe_where_name[x->where], "loop", probe_loop_name[x->loop],
			      "guest_page", page_name(x->page_shift), "backing", x->thp ? "THP" : "4K",
			      "ns", x->ns, "spread", x->spread, "samples", samples, "kvm_stats", stats,
			      "clock_ghz", c->h.ghz, "host_in_vm", c->h.in_vm, "host_kvm",
			      host_kvm_name[c->h.kvm]);
	json_object_set_new(r, "host_busy", c->busy[0] ? json_string(c->busy) : json_null());
	json_object_set_new(r, "noise", json_real(x->noise));
	json_object_set_new(r, "outer_page", c->h.in_vm ? json_string(page_name(c->outer_shift)) : json_null());
	json_object_set_new(r, "outer_shadow", c->h.in_vm ? json_boolean(c->h.shadowed) : json_null());
	json_object_set_new(r, "size", x->size ? json_integer((json_int_t)x->size) : json_null());
	json_object_set_new(r, "pages", x->pages ? json_integer((json_int_t)x->pages) : json_null());
	if (x->thp)
		json_object_set_new(r, "thp_share", json_real(x->thp_share));
	if (c->compare) {
		json_object_set_new(r, "model_ns", json_real(c->m.model_ns[i]));
		json_object_set_new(r, "l1d_replacement", json_string(calib_repl_key(c->m.l1d_replacement)));
		json_object_set_new(r, "l2_replacement", json_string(calib_repl_key(c->m.l2_replacement)));
		json_object_set_new(r, "llc_replacement", json_string(calib_repl_key(c->m.llc_replacement)));
		json_object_set_new(r, "ratio", json_real(c->m.model_ns[i] > 0 ? x->ns / c->m.model_ns[i] : 0));
		json_object_set_new(r, "calibrates", c->m.calibrates[i] ? json_string(c->m.calibrates[i]) : json_null());
		const char *v = calib_verdict(&c->m, i);
		json_object_set_new(r, "verdict", v[0] ? json_string(v) : json_null());
	} else {
		json_object_set_new(r, "model_ns", json_null());
		json_object_set_new(r, "l1d_replacement", json_null());
		json_object_set_new(r, "l2_replacement", json_null());
		json_object_set_new(r, "llc_replacement", json_null());
		json_object_set_new(r, "ratio", json_null());
		json_object_set_new(r, "verdict", json_null());
	}
	return r;
}

static void print_cb(const void *ctx)
{
	print_text(ctx);
}

int cmd_probe(int argc, char **argv)
{
	struct probe_cmd *c = calloc(1, sizeof(*c));
	if (!c)
		return 1;
	int rc = parse(argc, argv, c);
	struct opts o = {.config = c->config, .json = c->json, .levels = 4, .seed = c->p.seed,
			 .argc = argc, .argv = argv, .table = probe_opts, .ntable = probe_nopts};
	struct tpt_config cfg;
	if (rc || (rc = check_outputs(&o)) || (rc = load_config(&o, &cfg)))
		goto out;
	/* The fragment is written after minutes of measuring: its path is
	 * checked now, by the file it names, not by its spelling. */
	struct tpt_err oe;
	const char *outs[] = {c->json, c->calibrate};
	if (c->calibrate && c->config && outfile_same(c->calibrate, c->config)) {
		rc = bad("probe: --calibrate would overwrite the --config it reads, '%s'", c->calibrate);
		goto out;
	}
	if (outfile_check_run(outs, 2, NULL, 0, &oe)) {
		rc = bad("probe: %s", oe.msg);
		goto out;
	}
	if (c->calibrate)
		c->compare = true;
	if (c->tcg) {
		struct tcg_args a = {.size = c->size_given ? c->p.size : 0,
				     .rounds = c->rounds_given ? c->p.rounds : 0,
				     .timeout_s = c->watchdog_given ? c->p.timeout_ms / 1000 : 0,
				     .seed = c->p.seed, .allow_busy = c->allow_busy, .compare = c->compare,
				     .calibrate = c->calibrate, .json = c->json};
		rc = probe_tcg(&a, &o, &cfg);
		goto out;
	}
	uint64_t need = memory_needed(&c->p), have = host_mem_available();
	if (need > have) {
		fprintf(stderr, "tpt: probe: --size %llu MiB and --touch %llu MiB need %llu MiB of memory, "
				"%llu MiB available\n", (unsigned long long)(c->p.size >> 20),
			(unsigned long long)(c->p.touch >> 20), (unsigned long long)(need >> 20),
			(unsigned long long)(have >> 20));
		rc = 2;
		goto out;
	}
	struct tpt_err e;
	if (host_quiet(&e)) {
		if (!c->allow_busy) {
			bad("probe: %s", e.msg);
			rc = 1;
			goto out;
		}
		/* Measured all the same: every result says so. */
		snprintf(c->busy, sizeof(c->busy), "%.*s", (int)strcspn(e.msg, ";"), e.msg);
	}
	if (host_pin() < 0) {
		bad("probe: cannot pin to one CPU");
		rc = 1;
		goto out;
	}
	host_probe(&c->h);
	bool vm_ok = c->p.where[WHERE_VM] && !c->h.kvm_unusable[0];
	if (c->p.where[WHERE_VM] && c->h.kvm_unusable[0]) {
		snprintf(c->vm_skipped, sizeof(c->vm_skipped), "%s", c->h.kvm_unusable);
		bad("probe: measuring natively only: %s", c->h.kvm_unusable);
	}
	if (probe_measure(&c->p, &c->h, vm_ok, c->rows, CALIB_MAX_ROWS, &c->n, &e)) {
		bad("probe: %s", e.msg);
		rc = 1;
		goto out;
	}
	if (!c->n) {
		rc = bad("probe: --phases selects nothing this machine can run");
		goto out;
	}
	c->m = (struct calib){.p = &c->p, .h = &c->h, .outer_shift = c->outer_shift,
			      .outer_auto = c->outer_auto, .rows = c->rows,
			      .n = c->n, .run = run_rows, .arg = c};
	struct calib_fragment frag = {0};
	if (c->calibrate && ((rc = calib_fit(&c->m, &cfg, &frag)) || (rc = write_fragment(c, &frag))))
		goto out;
	if (c->compare && !c->calibrate && (rc = calib_choose_outer(&c->m, &cfg)))
		goto out;
	if (c->compare && (rc = calib_model(&c->m, &cfg)))
		goto out;
	c->outer_shift = c->m.outer_shift;
	json_t *arr = json_array();
	for (size_t i = 0; c->json && i < c->n; i++)
		json_array_append_new(arr, row_json(c, i));
	rc = emit_results(&o, &cfg, arr, print_cb, c);
out:
	free(c);
	return rc;
}
