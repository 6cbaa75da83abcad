/*
 * probe_cmd.c - `tpt probe`: measures this machine (probe.h) natively and
 * in the probe's own KVM guest, and, with --compare, runs the model on the
 * same loops and prints both; with --calibrate, writes the measured costs
 * as a --config fragment and compares under it.
 *
 * Which scheme models a row follows what translates it on this machine:
 * a process of a bare-metal host is native; a process of a host that is
 * itself a guest (the CPU's hypervisor bit) walks the outer hypervisor's
 * nested paging (outer pages --outer-page, prefaulted); the probe's guest
 * is under the host KVM's scheme, which for a shadow-paging KVM on a
 * nested host is a shadow table walked through the outer nested paging:
 * in the model, nested paging whose guest pages are the shadow table's
 * (the smaller of guest page and backing). Loops are simulated (gups,
 * gups loop=chase, churn); events (exits, CR3 loads, table writes, shadow
 * fills) are what the cost model charges one of them.
 */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "tpt/probe/probe.h"
#include "tpt/base/version.h"

enum {
	PO_SIZE = 1000, PO_UPDATES, PO_STEPS, PO_TOUCH, PO_EVENTS, PO_ROUNDS, PO_PHASES,
	PO_OUTER, PO_BUSY, PO_CONFIG, PO_CALIBRATE, PO_COMPARE, PO_JSON, PO_SEED, PO_JOBS,
	PO_WATCHDOG,
};

const struct cli_opt probe_opts[] = {
	{"size", "SIZE", PO_SIZE, "buffer of the independent and dependent loops, a power of two (default 1G)"},
	{"updates", "N", PO_UPDATES, "gups updates per round (default 4M)"},
	{"steps", "N", PO_STEPS, "dependent steps per round (default 1M)"},
	{"touch", "SIZE", PO_TOUCH, "fresh memory per first-touch and churn round, whole 2M (default 256M)"},
	{"events", "N", PO_EVENTS, "exits, CR3 loads and directory writes per round (default 2000; leaf table writes: 500 times as many)"},
	{"rounds", "N", PO_ROUNDS, "timed rounds of each loop, after one to warm up (default 5)"},
	{"phases", "LIST", PO_PHASES, "what to run: native, vm and loop names (independent, dependent, first-touch, churn, shadow-fill, pt-write, pd-write, cr3-switch, exit); default all"},
	{"outer-page", "4K|2M", PO_OUTER, "the outer hypervisor's page when this host is itself a guest (default 4K: Firecracker's and QEMU's default backing)"},
	{"allow-busy", NULL, PO_BUSY, "measure although other tasks are runnable"},
	{"config", "FILE", PO_CONFIG, "the model's configuration for --compare"},
	{"calibrate", "FILE", PO_CALIBRATE, "write the measured costs as a --config fragment, and compare under it"},
	{"compare", NULL, PO_COMPARE, "run the model on the same loops: measured against modelled, per row"},
	{"json", "FILE|-", PO_JSON, "the rows as a JSON array"},
	{"seed", "N", PO_SEED, "seed of the chains and streams (default 1)"},
	{"jobs", "N", PO_JOBS, "model runs at once (default: CPUs online)"},
	{"watchdog", "SECONDS", PO_WATCHDOG, "stop a guest call that runs longer (default 60)"},
};
const size_t probe_nopts = ARRAY_LEN(probe_opts);

#define MAX_ROWS 48

struct probe_cmd {
	struct probe_params p;
	const char *config, *calibrate, *json;
	bool allow_busy, compare;
	unsigned outer_shift, jobs;
	struct host_info h;
	struct probe_row rows[MAX_ROWS];
	size_t n;
	double model_ns[MAX_ROWS];
	const char *calibrates[MAX_ROWS];
	char vm_skipped[200];
};

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

static int parse(int argc, char **argv, struct probe_cmd *c)
{
	struct option lo[ARRAY_LEN(probe_opts) + 1];
	cli_longopts(probe_opts, probe_nopts, lo);
	c->p = (struct probe_params){.size = GiB, .updates = 4000000, .steps = 1000000,
				     .touch = 256 * MiB, .events = 2000, .rounds = 5,
				     .timeout_ms = 60000, .seed = 1, .progress = isatty(2) == 1};
	c->outer_shift = 12;
	if (parse_phases(&c->p, ""))
		return 2;
	bool seen[ARRAY_LEN(probe_opts)] = {false};
	opterr = 0;
	optind = 1;
	int o;
	uint64_t v;
	while ((o = cli_getopt(argc, argv, lo, seen, "probe: ")) != -1) {
		switch (o) {
		case CLI_TWICE: return 2;
		case PO_SIZE:
			if (tpt_parse_size(optarg, &v) || v < 4 * MiB || !tpt_is_pow2(v))
				return bad("probe: --size: '%s' is not a power of two of at least 4M", optarg);
			c->p.size = v;
			break;
		case PO_UPDATES:
			if (tpt_parse_count(optarg, &v) || v < 128 || v > (1ULL << 40))
				return bad("probe: --updates: '%s' is not a count from 128 to 1T", optarg);
			c->p.updates = v;
			break;
		case PO_STEPS:
			if (tpt_parse_count(optarg, &v) || v < 1 || v > (1ULL << 40))
				return bad("probe: --steps: '%s' is not a count from 1 to 1T", optarg);
			c->p.steps = v;
			break;
		case PO_TOUCH:
			if (tpt_parse_size(optarg, &v) || v < 2 * MiB || v % (2 * MiB))
				return bad("probe: --touch: '%s' is not a whole number of 2M", optarg);
			c->p.touch = v;
			break;
		case PO_EVENTS:
			if (tpt_parse_count(optarg, &v) || v < 1 || v > 100000000)
				return bad("probe: --events: '%s' is not a count from 1 to 100M", optarg);
			c->p.events = v;
			break;
		case PO_ROUNDS:
			if (tpt_parse_u64(optarg, &v) || v < 1 || v > PROBE_MAX_ROUNDS)
				return bad("probe: --rounds: '%s' is not a whole number from 1 to 64", optarg);
			c->p.rounds = (unsigned)v;
			break;
		case PO_PHASES:
			if (parse_phases(&c->p, optarg))
				return 2;
			break;
		case PO_OUTER:
			if (strcmp(optarg, "4K") && strcmp(optarg, "2M"))
				return bad("probe: --outer-page: '%s' is not 4K or 2M", optarg);
			c->outer_shift = optarg[0] == '4' ? 12 : 21;
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
		case PO_JOBS:
			if (tpt_parse_u64(optarg, &v) || v < 1 || v > 64)
				return bad("probe: --jobs: '%s' is not a whole number from 1 to 64", optarg);
			c->jobs = (unsigned)v;
			break;
		case PO_WATCHDOG:
			if (tpt_parse_u64(optarg, &v) || v < 1 || v > 86400)
				return bad("probe: --watchdog: '%s' is not a number of seconds from 1 to 86400", optarg);
			c->p.timeout_ms = (unsigned)v * 1000;
			break;
		case ':': return bad("probe: option %s needs a value", argv[optind - 1]);
		default: return bad("probe: unknown option '%s' (see tpt help)", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return bad("probe: unexpected argument '%s'", argv[optind]);
	if (c->calibrate && !strcmp(c->calibrate, "-"))
		return bad("probe: --calibrate wants a file, not '%s'", c->calibrate);
	c->p.updates = c->p.updates / 128 * 128;
	return 0;
}

/* The memory the largest phase needs at once: a buffer, its guest's tables
 * and the chain's order (4 bytes a line). */
static uint64_t memory_needed(const struct probe_params *p)
{
	uint64_t loops = p->size + p->size / 16 + p->size / 512 + 64 * MiB;
	uint64_t touch = p->touch + p->touch / 512 + 64 * MiB;
	return loops > touch ? loops : touch;
}

/* --- the model ------------------------------------------------------------- */

/* The rows the simulator runs: the loops, and natively first touch and
 * churn; the others are events, whose model is the cost model's charge. */
static bool simulated(const struct probe_row *x)
{
	return x->loop == LOOP_INDEPENDENT || x->loop == LOOP_DEPENDENT ||
	       (x->where == WHERE_NATIVE && (x->loop == LOOP_FIRST_TOUCH || x->loop == LOOP_CHURN));
}

/* The scheme and pages that translate row x on this machine (see the top). */
static const struct scheme *row_scheme(const struct probe_cmd *c, const struct probe_row *x,
				       unsigned *gs, unsigned *hs)
{
	unsigned backing = x->thp ? 21 : 12;
	if (x->where == WHERE_NATIVE) {
		*gs = x->page_shift;
		*hs = c->outer_shift;
		return scheme_find(c->h.in_vm ? "nested" : "native");
	}
	if (host_nested_paging(&c->h)) {
		*gs = x->page_shift;
		*hs = backing;
		return scheme_find("nested");
	}
	unsigned shadow = x->page_shift < backing ? x->page_shift : backing;
	if (c->h.in_vm) {
		*gs = shadow;
		*hs = c->outer_shift;
		return scheme_find("nested");
	}
	*gs = x->page_shift;
	*hs = backing;
	return scheme_find("shadow");
}

/* The workload a loop row runs in the model, and what one unit of it is. */
static double row_spec(const struct probe_cmd *c, const struct probe_row *x, char *spec, size_t len)
{
	const struct probe_params *p = &c->p;
	switch (x->loop) {
	case LOOP_INDEPENDENT:
		snprintf(spec, len, "gups:size=%llu,updates=%llu", (unsigned long long)p->size,
			 (unsigned long long)p->updates);
		return (double)p->updates;
	case LOOP_DEPENDENT:
		snprintf(spec, len, "gups:size=%llu,updates=%llu,loop=chase", (unsigned long long)p->size,
			 (unsigned long long)p->steps);
		return (double)p->steps;
	case LOOP_FIRST_TOUCH:
		snprintf(spec, len, "churn:region=%llu,rounds=1,work=0", (unsigned long long)p->touch);
		return (double)(p->touch >> x->page_shift);
	default:
		snprintf(spec, len, "churn:region=2M,rounds=%llu,work=0",
			 (unsigned long long)(p->touch / (2 * MiB)));
		return (double)(p->touch / PAGE_SIZE);
	}
}

/* Simulates the loop rows among idx[0..n) under cfg: their model ns, and
 * their results in keep (the caller frees them) when it is not NULL. 0, or
 * the runs' status. */
static int simulate(const struct probe_cmd *c, const struct tpt_config *cfg, const size_t *idx,
		    size_t n, double *ns, struct tpt_result *keep)
{
	struct opts o[MAX_ROWS];
	struct run runs[MAX_ROWS];
	struct tpt_result res[MAX_ROWS];
	char spec[MAX_ROWS][160];
	double units[MAX_ROWS];
	memset(res, 0, sizeof(res));
	for (size_t i = 0; i < n; i++) {
		const struct probe_row *x = &c->rows[idx[i]];
		units[i] = row_spec(c, x, spec[i], sizeof(spec[i]));
		o[i] = (struct opts){.workload = spec[i], .levels = 4, .seed = c->p.seed};
		const struct scheme *sc = row_scheme(c, x, &o[i].guest_shift, &o[i].host_shift);
		runs[i] = (struct run){&o[i], sc, &res[i], 0, {.msg = ""}};
	}
	/* A host that is itself a guest had its memory backed by the outer
	 * hypervisor long ago: no outer EPT violations. */
	struct tpt_config run_cfg = *cfg;
	if (c->h.in_vm)
		run_cfg.prefault = 1;
	int rc = run_all(runs, n, c->jobs ? c->jobs : default_jobs(), &run_cfg, NULL);
	for (size_t i = 0; i < n; i++) {
		if (!rc)
			ns[i] = res[i].cost.total / units[i] / cfg->clock_ghz;
		if (keep)
			keep[i] = res[i];
		else
			result_free(&res[i]);
	}
	return rc;
}

/* The row of this place, loop and page size, or NULL. */
static const struct probe_row *find(const struct probe_cmd *c, enum probe_where w, enum probe_loop l,
				    unsigned shift)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->rows[i].where == w && c->rows[i].loop == l && c->rows[i].page_shift == shift)
			return &c->rows[i];
	return NULL;
}

/* What the cost model charges one event row, in ns. */
static double event_ns(const struct probe_cmd *c, const struct probe_row *x, const struct tpt_config *cfg)
{
	bool trapping = !host_nested_paging(&c->h); /* shadow paging */
	double exit = cfg->exit_cycles, g = cfg->clock_ghz;
	const struct probe_row *nat = find(c, WHERE_NATIVE, LOOP_PT_WRITE, 12);
	switch (x->loop) {
	case LOOP_EXIT: return exit / g;
	case LOOP_CR3_SWITCH: return cfg->cr3_cycles / g;
	case LOOP_SHADOW_FILL: return (exit + cfg->shadow_fill_cycles) / g;
	case LOOP_FIRST_TOUCH:
		return (exit + (trapping ? cfg->shadow_fill_cycles : cfg->ept_violation_cycles)) / g;
	case LOOP_PT_WRITE:
	case LOOP_PD_WRITE:
		if (x->where == WHERE_NATIVE)
			return x->ns; /* ordinary memory: the baseline, not modelled */
		return (nat ? nat->ns : 0) + (trapping ? (exit + cfg->pt_write_cycles) / g : 0);
	default: return 0;
	}
}

/* Every row's model ns under cfg. */
static int model(struct probe_cmd *c, const struct tpt_config *cfg)
{
	size_t idx[MAX_ROWS] = {0}, n = 0;
	double ns[MAX_ROWS] = {0};
	for (size_t i = 0; i < c->n; i++) {
		if (simulated(&c->rows[i]))
			idx[n++] = i;
		else
			c->model_ns[i] = event_ns(c, &c->rows[i], cfg);
	}
	int rc = n ? simulate(c, cfg, idx, n, ns, NULL) : 0;
	for (size_t k = 0; !rc && k < n; k++)
		c->model_ns[idx[k]] = ns[k];
	return rc;
}

/* --- calibration ----------------------------------------------------------- */

struct fragment {
	char line[16][512];
	unsigned n;
};

/* Appends "; " lines of comment, wrapped at words to fit a config line. */
static size_t comment(char *out, size_t len, const char *text)
{
	size_t o = 0;
	while (*text && o + 4 < len) {
		size_t n = strlen(text);
		if (n > 96) {
			n = 96;
			while (n > 40 && text[n] != ' ')
				n--;
		}
		o += (size_t)snprintf(out + o, len - o, "; %.*s\n", (int)n, text);
		text += n;
		while (*text == ' ')
			text++;
	}
	return o < len ? o : len;
}

/* A value (key NULL: a comment only) under its section, after its reason. */
static void note(struct fragment *f, const char *sec, const char *key, const char *value,
		 const char *why)
{
	if (f->n == ARRAY_LEN(f->line))
		return;
	char *l = f->line[f->n++];
	size_t len = sizeof(f->line[0]);
	size_t o = (size_t)snprintf(l, len, "%s\n", sec);
	o += comment(l + o, len - o, why);
	if (key && o < len)
		snprintf(l + o, len - o, "%s = %s\n", key, value);
}

/* One loop row simulated under cfg: its model ns (and its result in keep). */
static int simulate_one(const struct probe_cmd *c, const struct tpt_config *cfg,
			const struct probe_row *x, double *ns, struct tpt_result *keep)
{
	size_t i = (size_t)(x - c->rows);
	return simulate(c, cfg, &i, 1, ns, keep);
}

/* A simulated row's ns under cfg with its processes at parallelism mlp:
 * the cost model alone, on the run's counters (walk and data latencies do
 * not depend on mlp or the walker count). */
static double recost_ns(const struct probe_cmd *c, const struct probe_row *x,
			const struct tpt_result *r, const struct tpt_config *cfg, double mlp)
{
	char spec[160];
	double t = 0, units = row_spec(c, x, spec, sizeof(spec));
	for (unsigned i = 0; i < r->nprocs; i++) {
		struct tpt_cost k;
		cost_compute(&r->procs[i].st, cfg, mlp, &k);
		t += k.total;
	}
	return t / units / cfg->clock_ghz;
}

/* Cycles as the configuration holds them: rounded, and 0 for a cost the
 * measurement puts below nothing. */
static uint32_t cycles_of(double x)
{
	return x < 0 ? 0 : (uint32_t)(x + 0.5);
}

/* A calibrated value into the fragment, and the row it came from marked. */
static void record(struct probe_cmd *c, struct fragment *f, const struct probe_row *x,
		   const char *sec, const char *key, const char *value, const char *why)
{
	note(f, sec, key, value, why);
	c->calibrates[x - c->rows] = key;
}

/*
 * The measured costs into cfg and the fragment f. The DRAM latency and the
 * fault cost are solved where the model is linear in them (two runs of a
 * dependent chain; one first touch), the parallelism by bisection on the
 * independent loop's counters, the walker count as the one that brings
 * the 4K loop nearest; an event's cost is its measured time. Rows that
 * calibrate a term are marked: they agree with the model by construction
 * (the walkers' row only as near as a whole count allows).
 */
static int calibrate(struct probe_cmd *c, struct tpt_config *cfg, struct fragment *f)
{
	char v[64], why[320];
	double g = c->h.ghz;
	cfg->clock_ghz = g;
	snprintf(v, sizeof(v), "%.3f", g);
	snprintf(why, sizeof(why), "measured: a chain of dependent adds retires %.3f a ns (one a cycle)", g);
	note(f, "[cost]", "clock_ghz", v, why);
	const struct probe_row *dep = find(c, WHERE_NATIVE, LOOP_DEPENDENT, 21);
	if (dep) {
		double m0, m1;
		uint32_t d0 = cfg->dram_latency;
		int rc = simulate_one(c, cfg, dep, &m0, NULL);
		cfg->dram_latency = d0 + 100;
		if (rc || (rc = simulate_one(c, cfg, dep, &m1, NULL)))
			return rc;
		double slope = (m1 - m0) / 100, d = slope > 0 ? d0 + (dep->ns - m0) / slope : d0;
		uint32_t lo = cfg->llc_latency + 1;
		cfg->dram_latency = d < lo ? lo : (uint32_t)(d + 0.5);
		snprintf(v, sizeof(v), "%u", cfg->dram_latency);
		snprintf(why, sizeof(why), "the native dependent loop on 2M pages: %.1f ns a step (spread %.2f); "
			 "the latency with which the model takes as long", dep->ns, dep->spread);
		record(c, f, dep, "[cache]", "dram_latency", v, why);
	}
	const struct probe_row *ind = find(c, WHERE_NATIVE, LOOP_INDEPENDENT, 21);
	if (ind) {
		/* The model falls as the parallelism rises: bisect for it. */
		struct tpt_result r;
		double m;
		int rc = simulate_one(c, cfg, ind, &m, &r);
		if (rc)
			return rc;
		/* Up to 64 in flight: a core may keep more misses going than the
		 * default's fill buffers, and then the buffers are raised too. */
		double lo = 1, hi = 64;
		uint32_t buffers = cfg->miss_buffers;
		cfg->miss_buffers = 64;
		double fast = recost_ns(c, ind, &r, cfg, hi), slow = recost_ns(c, ind, &r, cfg, lo);
		if (ind->ns >= fast) {
			for (int i = 0; i < 50; i++) {
				double mid = (lo + hi) / 2;
				if (recost_ns(c, ind, &r, cfg, mid) > ind->ns)
					lo = mid;
				else
					hi = mid;
			}
			cfg->mlp = ind->ns >= slow ? 1 : (lo + hi) / 2;
			cfg->miss_buffers = buffers > cfg->mlp ? buffers : (uint32_t)ceil(cfg->mlp);
			snprintf(v, sizeof(v), "%.2f", cfg->mlp);
			snprintf(why, sizeof(why), "the native independent (gups) loop on 2M pages: %.1f ns an "
				 "update (spread %.2f); the parallelism with which the model takes as long",
				 ind->ns, ind->spread);
			record(c, f, ind, "[cost]", "mlp", v, why);
			if (cfg->miss_buffers != buffers) {
				snprintf(v, sizeof(v), "%u", cfg->miss_buffers);
				snprintf(why, sizeof(why), "raised from %u: this core keeps at least the %.2f misses of "
					 "the independent loop in flight", buffers, cfg->mlp);
				note(f, "[cost]", "miss_buffers", v, why);
			}
		} else {
			cfg->mlp = 0;
			cfg->miss_buffers = buffers;
			snprintf(why, sizeof(why), "mlp left to the workloads: the native independent loop on 2M "
				 "pages takes %.1f ns an update, less than the model's %.1f ns with 64 accesses "
				 "in flight", ind->ns, fast);
			note(f, "[cost]", NULL, NULL, why);
		}
		result_free(&r);
	}
	const struct probe_row *ind4 = find(c, WHERE_NATIVE, LOOP_INDEPENDENT, 12);
	if (ind4 && cfg->mlp > 0) {
		/* The walker count that brings the walk-heavy 4K loop nearest. */
		struct tpt_result r;
		double m;
		int rc = simulate_one(c, cfg, ind4, &m, &r);
		if (rc)
			return rc;
		uint32_t best = cfg->walkers, given = cfg->walkers;
		double err = 1e300;
		for (uint32_t w = 1; w <= 16; w++) {
			cfg->walkers = w;
			double d = fabs(log(recost_ns(c, ind4, &r, cfg, cfg->mlp) / ind4->ns));
			if (d < err - 1e-9) {
				err = d;
				best = w;
			}
		}
		cfg->walkers = best;
		result_free(&r);
		snprintf(v, sizeof(v), "%u", best);
		snprintf(why, sizeof(why), "the native independent loop on 4K pages: %.1f ns an update (spread "
			 "%.2f); the walkers with which the model comes nearest (was %u)", ind4->ns, ind4->spread,
			 given);
		record(c, f, ind4, "[cost]", "walkers", v, why);
	}
	const struct probe_row *ft = find(c, WHERE_NATIVE, LOOP_FIRST_TOUCH, 12);
	if (ft) {
		double m;
		int rc = simulate_one(c, cfg, ft, &m, NULL);
		if (rc)
			return rc;
		double gf = cfg->guest_fault_cycles + (ft->ns - m) * g;
		cfg->guest_fault_cycles = cycles_of(gf);
		snprintf(v, sizeof(v), "%u", cfg->guest_fault_cycles);
		snprintf(why, sizeof(why), "native first touch of 4K pages: %.0f ns a page (spread %.2f), "
			 "less the model's other costs of a touch", ft->ns, ft->spread);
		record(c, f, ft, "[cost]", "guest_fault_cycles", v, why);
	}
	const struct probe_row *ex = find(c, WHERE_VM, LOOP_EXIT, 12);
	double exit = cfg->exit_cycles;
	if (ex) {
		exit = ex->ns * g;
		cfg->exit_cycles = cycles_of(exit);
		snprintf(v, sizeof(v), "%u", cfg->exit_cycles);
		snprintf(why, sizeof(why), "a guest store KVM hands to an ioeventfd in the kernel: %.0f ns "
			 "(spread %.2f), decoding the store included", ex->ns, ex->spread);
		record(c, f, ex, "[cost]", "exit_cycles", v, why);
	}
	bool shadow = !host_nested_paging(&c->h);
	const struct probe_row *sf = find(c, WHERE_VM, shadow ? LOOP_SHADOW_FILL : LOOP_FIRST_TOUCH, 12);
	if (sf) {
		double h = sf->ns * g - exit;
		uint32_t *dst = shadow ? &cfg->shadow_fill_cycles : &cfg->ept_violation_cycles;
		*dst = cycles_of(h);
		snprintf(v, sizeof(v), "%u", *dst);
		snprintf(why, sizeof(why), "a guest's first touch of a page %s: %.0f ns (spread %.2f), less the exit%s",
			 shadow ? "the host has backed (a shadow fill)" : "(an EPT violation)", sf->ns, sf->spread,
			 h < 0 ? "; it took less than the exit, whose store the host decodes and emulates: "
				 "exit_cycles overstates a bare exit by about the difference" : "");
		record(c, f, sf, "[cost]", shadow ? "shadow_fill_cycles" : "ept_violation_cycles", v, why);
	}
	const struct probe_row *pd = find(c, WHERE_VM, LOOP_PD_WRITE, 12);
	const struct probe_row *nat = find(c, WHERE_NATIVE, LOOP_PT_WRITE, 12);
	if (pd && nat && shadow) {
		double h = (pd->ns - nat->ns) * g - exit;
		cfg->pt_write_cycles = cycles_of(h);
		snprintf(v, sizeof(v), "%u", cfg->pt_write_cycles);
		snprintf(why, sizeof(why), "a guest write to a page-directory entry, then its use: %.0f ns beyond "
			 "the same loop on ordinary memory (spread %.2f), less one exit", pd->ns - nat->ns, pd->spread);
		record(c, f, pd, "[cost]", "pt_write_cycles", v, why);
	}
	const struct probe_row *cr = find(c, WHERE_VM, LOOP_CR3_SWITCH, 12);
	if (cr && shadow) {
		double h = cr->ns * g;
		cfg->cr3_cycles = cycles_of(h);
		snprintf(v, sizeof(v), "%u", cfg->cr3_cycles);
		snprintf(why, sizeof(why), "a CR3 load by the VMM on an exit (KVM_SET_SREGS), beyond the exit: "
			 "%.0f ns (spread %.2f); an upper bound: it resets KVM's whole MMU context, which a "
			 "guest's own MOV CR3 need not", cr->ns, cr->spread);
		record(c, f, cr, "[cost]", "cr3_cycles", v, why);
	}
	return 0;
}

static int write_fragment(const struct probe_cmd *c, const struct fragment *f)
{
	struct out o;
	if (out_open(&o, c->calibrate))
		return 1;
	time_t now = time(NULL);
	struct tm tm;
	char when[32];
	strftime(when, sizeof(when), "%Y-%m-%d", gmtime_r(&now, &tm));
	fprintf(o.f, "; tpt probe --calibrate: costs measured on this machine, %s (tpt %s, commit %s).\n"
		     "; %s; %s%s.\n; Load with --config; options left out keep their defaults.\n",
		when, tpt_version(), tpt_commit(), c->h.cpu, c->h.kvm_desc,
		c->h.in_vm ? "; this host is itself a guest (CPUID hypervisor bit)" : "");
	/* Grouped by section, in the order measured. */
	const char *secs[] = {"[cache]", "[cost]"};
	for (size_t s = 0; s < ARRAY_LEN(secs); s++) {
		bool head = false;
		for (unsigned i = 0; i < f->n; i++) {
			size_t l = strlen(secs[s]);
			if (strncmp(f->line[i], secs[s], l) || f->line[i][l] != '\n')
				continue;
			if (!head)
				fprintf(o.f, "\n%s\n", secs[s]);
			head = true;
			fputs(f->line[i] + l + 1, o.f);
		}
	}
	return out_close(&o, true) ? 1 : 0;
}

/* --- output ---------------------------------------------------------------- */

static const char *page_name(unsigned shift)
{
	return shift == 21 ? "2M" : "4K";
}

static void print_text(const struct probe_cmd *c)
{
	const struct host_info *h = &c->h;
	printf("host: %s, %.3f GHz (dependent adds), CPU %d\n", h->cpu, h->ghz, h->cpu_pinned);
	if (h->in_vm)
		printf("  itself a guest (CPUID hypervisor bit): its processes walk the outer hypervisor's "
		       "nested paging; modelled so, outer pages %s\n", page_name(c->outer_shift));
	printf("KVM: %s\n", h->kvm_desc);
	if (c->vm_skipped[0])
		printf("  no VM rows: %s\n", c->vm_skipped);
	printf("\n%-6s %-11s %-5s %-7s %11s %6s", "where", "loop", "guest", "backing", "ns", "spread");
	if (c->compare)
		printf(" %11s %6s  %-20s", "model ns", "ratio", "calibrates");
	printf("  KVM per event\n");
	for (size_t i = 0; i < c->n; i++) {
		const struct probe_row *x = &c->rows[i];
		printf("%-6s %-11s %-5s %-7s %11.1f %6.2f", probe_where_name[x->where], probe_loop_name[x->loop],
		       page_name(x->page_shift), x->thp ? "THP" : "4K", x->ns, x->spread);
		if (c->compare)
			printf(" %11.1f %6.2f  %-20s", c->model_ns[i],
			       c->model_ns[i] > 0 ? x->ns / c->model_ns[i] : 0.0,
			       c->calibrates[i] ? c->calibrates[i] : "");
		printf(" ");
		for (unsigned k = 0; k < x->nstats; k++)
			if (strcmp(x->stat[k], "vcpu.fpu_reload") && strcmp(x->stat[k], "vcpu.req_event"))
				printf(" %s %.2f", x->stat[k], x->stat_per[k]);
		if (x->thp && x->thp_share < 0.9)
			printf(" (THP backed only %.0f%%)", 100 * x->thp_share);
		printf("\n");
	}
	printf("\nns: median per access (independent: per update), per page or per event over %u rounds; "
	       "spread: slowest round / fastest.\n", c->p.rounds);
	if (!c->compare)
		return;
	/* What virtualization costs, measured and modelled: each guest loop over
	 * the same loop natively on the guest's page size. */
	bool head = false;
	for (size_t i = 0; i < c->n; i++) {
		const struct probe_row *x = &c->rows[i];
		if (x->where != WHERE_VM || (x->loop != LOOP_INDEPENDENT && x->loop != LOOP_DEPENDENT))
			continue;
		const struct probe_row *n = find(c, WHERE_NATIVE, x->loop, x->page_shift);
		if (!n || n->ns <= 0 || c->model_ns[n - c->rows] <= 0)
			continue;
		if (!head)
			printf("\nguest / native   %-11s %-5s %-7s %9s %9s %6s\n", "loop", "guest", "backing",
			       "measured", "modelled", "ratio");
		head = true;
		double m = x->ns / n->ns, mo = c->model_ns[i] / c->model_ns[n - c->rows];
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
	if (x->thp)
		json_object_set_new(r, "thp_share", json_real(x->thp_share));
	if (c->compare) {
		json_object_set_new(r, "model_ns", json_real(c->model_ns[i]));
		json_object_set_new(r, "ratio", json_real(c->model_ns[i] > 0 ? x->ns / c->model_ns[i] : 0));
		json_object_set_new(r, "calibrates", c->calibrates[i] ? json_string(c->calibrates[i]) : json_null());
	} else {
		json_object_set_new(r, "model_ns", json_null());
		json_object_set_new(r, "ratio", json_null());
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
	if (!c->allow_busy && host_quiet(&e)) {
		bad("probe: %s", e.msg);
		rc = 1;
		goto out;
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
	if (probe_measure(&c->p, &c->h, vm_ok, c->rows, MAX_ROWS, &c->n, &e)) {
		bad("probe: %s", e.msg);
		rc = 1;
		goto out;
	}
	if (!c->n) {
		rc = bad("probe: --phases selects nothing this machine can run");
		goto out;
	}
	struct fragment frag = {0};
	if (c->calibrate && ((rc = calibrate(c, &cfg, &frag)) || (rc = write_fragment(c, &frag))))
		goto out;
	if (c->compare && (rc = model(c, &cfg)))
		goto out;
	json_t *arr = json_array();
	for (size_t i = 0; c->json && i < c->n; i++)
		json_array_append_new(arr, row_json(c, i));
	rc = emit_results(&o, &cfg, arr, print_cb, c);
out:
	free(c);
	return rc;
}
