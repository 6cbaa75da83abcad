/* SPDX-License-Identifier: MIT */
/*
 * power.c - the parameters and the run of the embedded Power model (see
 * power.h).
 *
 * A run draws the workload's privileged instructions one by one (linux.h's
 * PCs, by weight) and, with each, what the kernel does around it: a fetch
 * of its page, fetches elsewhere in the text, loads and stores to its data
 * and memory (sampled: each sample stands for about `weight` accesses to
 * one page; as many a privileged instruction as the bare-metal time
 * between two allows, at most a boot's), the read of a table on the page
 * where it has one, and, booting, reads of its own text. The hypervisor
 * (kvmppc.h) answers each; its exits, translations and mirrored accesses
 * cost what the table below says, on top of the bare-metal time, and every
 * 100 ms of the resulting guest time Adapt-PR takes its decisions. The
 * guest's own TLB misses and access violations (the KVM column's counts)
 * are spread over the run unchanged: no scheme removes them.
 */
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "power.h"

#define DATA_SAMPLES 4

#define L(field, type, min, max, def, help) \
	{"kernel", #field, type, offsetof(struct power_params, lx.field), min, max, def, help, NULL}
#define H(field, type, min, max, def, help) \
	{"hv", #field, type, offsetof(struct power_params, hv.field), min, max, def, help, NULL}
#define C(field, type, min, max, def, help) \
	{"cost", #field, type, offsetof(struct power_params, field), min, max, def, help, NULL}

static const struct opt opts[] = {
	L(text, OPT_SIZE, 65536, 64ULL << 20, "5M", "kernel text (the paper: \"nearly 5MB long\")"),
	L(data, OPT_SIZE, 65536, 64ULL << 20, "1M", "kernel .data and .bss after the text (guess)"),
	L(lowmem, OPT_SIZE, 1ULL << 20, 256ULL << 20, "64M", "end of the memory the kernel's allocators hand out and it touches (guess)"),
	L(head, OPT_SIZE, 4096, 64ULL << 20, "64K", "exception vectors and entry code at the text's start (guess: head_fsl_booke.S and entry_32.S)"),
	L(hot_head, OPT_DOUBLE, 0, 1000, "0.5", "share of the hottest PCs (> 20000 exits, Table 4) in the entry code (guess)"),
	L(cold_head, OPT_DOUBLE, 0, 1000, "0.1", "share of the other PCs there (guess)"),
	L(data_per_priv, OPT_DOUBLE, 0, 100000000, "100", "kernel loads and stores per privileged instruction in a boot (estimate: 6.5 s at 1.2 GHz, IPC 0.6, a third memory operations, over 11.5 M is 130); fewer where closer (derived)"),
	L(data_share, OPT_DOUBLE, 0, 1000, "0.5", "share of them to .data/.bss; the rest to allocated memory, uniformly (guess)"),
	L(code_per_priv, OPT_DOUBLE, 0, 1000000, "2", "text pages fetched per privileged instruction besides its own (guess)"),
	L(table_share, OPT_DOUBLE, 0, 1000, "0.25", "share of privileged code pages outside the entry code that hold a dispatch or exception table (guess; the entry code's all do)"),
	L(table_per_priv, OPT_DOUBLE, 0, 1000, "0.067", "table reads per privileged instruction on such a page (guess: one an exception, which runs about 15)"),
	L(table_words, OPT_U32, 1, 1024, "16", "words of a table the kernel reads (guess)"),
	L(boot_scan, OPT_DOUBLE, 0, 1000000000000, "20000", "text words linux-boot reads in its first tenth (guess; the paper: Linux scans its code at boot)"),
	H(guest_tlb1, OPT_U32, 0, 15, "2", "TLB1 entries the guest keeps besides its kernel page (guess: CCSR and I/O)"),
	H(patch_after, OPT_U32, 1, 1000000000, "88", "exits of a PC before it is patched (derived: Static-TLB's boot keeps 41,770 privileged exits; Table 4's 420 PCs under 1,000 keep theirs, 23,020, and 213 this many: 18,750 / 213)"),
	H(burst, OPT_U32, 0, 1000000000, "5000", "tracing faults in an interval that make a page resized (the paper)"),
	H(burst_share, OPT_DOUBLE, 0, 1000, "0.5", "share of them in one 64 KiB region that makes a burst, not a scan (guess)"),
	H(aging, OPT_U32, 0, 1000000000, "500", "fall of the threshold T an interval (the paper: 500 exits per 100 ms)"),
	H(shortest, OPT_SIZE, 65536, 1ULL << 28, "64K", "the shortest page resizing makes (the paper: 64 KiB)"),
	H(tc_bytes, OPT_U32, 4, 4096, "32", "translation-cache bytes of a multi-instruction patch (guess)"),
	H(stolen, OPT_SIZE, 4096, 64ULL << 20, "64K", "data stolen for the translation cache (the paper: 64 KiB)"),
	H(stolen_gap, OPT_SIZE, 0, 64ULL << 20, "0", "kernel data after the stolen space: 0 steals the data's last bytes (guess; the paper does not say which it stole)"),
	H(mirror_words, OPT_U32, 0, 65536, "128", "words of the mirror cache (the paper: 512 B)"),
	H(stolen_heat, OPT_DOUBLE, 0, 1000000, "1", "how often the kernel touches the stolen bytes against its .data/.bss's average (guess: 1; the paper does not say which bytes it stole)"),
	H(stolen_insns, OPT_U32, 1, 65536, "256", "instructions that touch the stolen space's data (guess)"),
	C(exit_ns, OPT_DOUBLE, 1, 1000000000000, "1973", "any exit with its handling, ns (emulation, TLB refill, tracing fault: the paper times none apart): linux-boot's (30.03 - 6.5 s) over its 11,925,956 exits (derived)"),
	C(single_ns, OPT_DOUBLE, 0, 1000000000000, "2", "a single-instruction translation, ns (guess: a load or store that hits)"),
	C(branch_ns, OPT_DOUBLE, 0, 1000000000000, "10", "a translation reached by a branch and back, ns (guess: about 12 instructions)"),
	C(mirror_ns, OPT_DOUBLE, 0, 1000000000000, "10", "a mirrored access's check, ns (guess)"),
	C(resize_ns, OPT_DOUBLE, 0, 1000000000000, "20000", "rewriting the shadow entries after a resize, ns (guess: ten exits)"),
	C(interval_ms, OPT_U32, 1, 100000, "100", "Adapt-PR's interval (the paper: 100 ms)"),
	C(events, OPT_COUNT, 1000, 1ULL << 36, "2M", "privileged exits of a derived workload's run (lmbench, Unixbench file tests)"),
	C(booted, OPT_BOOL, 0, 1, "1", "a benchmark runs in the guest linux-boot booted, from the hypervisor's patches, traces and pages as the boot left them (as the paper measures); 0: a fresh hypervisor"),
};

static const char *const notes[][2] = {
	{"kernel", "The guest Linux kernel (linux.h); the paper publishes none of these."},
	{"hv", "The hypervisor's optimisations (kvmppc.h)."},
	{"cost", "Costs. Only exit_ns is derived, from the KVM and bare-metal columns."},
};

static const struct opttab table = {opts, ARRAY_LEN(opts), notes, ARRAY_LEN(notes),
				    "; tpt power: the embedded Power model's parameters (tpt power --config FILE reads them)", NULL, false};

const struct opttab *power_table(void)
{
	return &table;
}

void power_defaults(struct power_params *p)
{
	memset(p, 0, sizeof(*p));
	opttab_defaults(&table, p);
}

const char *power_unit(const struct lx_workload *w)
{
	static const char *const u[] = {"s", "ms", "score", "KB/s"};
	return u[w->unit];
}

/* Seconds a unit (a run, an operation, an iteration, a KiB) takes. */
static double unit_seconds(const struct lx_workload *w, double v)
{
	switch (w->unit) {
	case UNIT_MS:
		return v / 1000;
	case UNIT_SCORE:
		return 10 / v;
	case UNIT_KBS:
		return 1 / v;
	default:
		return v;
	}
}

/* A count with fractional mean x: floor(x), plus one with probability frac(x). */
static uint32_t draw_count(struct rng *g, double x)
{
	double f = floor(x);
	return (uint32_t)f + (rng_double(g) < x - f);
}

static void snapshot(const struct kvmppc *h, double t, power_timeline_fn tl, void *ctx)
{
	struct power_snapshot snap = {.t = t, .n = h->nent, .ent = h->ent};
	tl(ctx, &snap);
}

/* A run's state between its privileged instructions. */
struct run {
	const struct power_params *p;
	const struct lx_kernel *k;
	struct kvmppc h;
	struct rng g;
	uint64_t scan_until;   /* linux-boot scans the text for its first tenth */
	double scan_per;
	uint32_t weight;       /* accesses a data sample stands for, */
	double weight_frac;    /* plus one with this probability (none drawn at 0: a boot's) */
	uint64_t data_lo, lowmem_lo, stolen_lo, stolen_n;
	uint64_t data;         /* the kernel's loads and stores drawn */
	uint64_t stolen_data;  /* of them, to the stolen space */
	double exit_s, per;    /* an exit's and a privileged instruction's bare share, s */
	double interval, t, next_interval;
	struct kvmppc_counts last;
	power_timeline_fn tl;
	void *ctx;
};

/* How much w's run does: out->units, and the privileged, TLB-miss and
 * access-violation exits of the trap scheme (*priv, *tlb, *acc). */
static void run_scale(const struct power_params *p, const struct lx_workload *w, struct power_result *out,
		      double *priv, double *tlb, double *acc)
{
	double bare_u = unit_seconds(w, w->bare), kvm_u = unit_seconds(w, w->kvm);
	double exits_u = (kvm_u - bare_u) / (p->exit_ns * 1e-9);
	if (exits_u <= 0)
		exits_u = 0;
	*tlb = *acc = 0;
	if (w->raw) {
		*priv = w->priv;
		*tlb = w->tlb;
		*acc = w->acc;
		out->units = w->unit == UNIT_S ? 1 : (exits_u > 0 ? (*priv + *tlb + *acc) / exits_u : 1);
	} else {
		/* All the time KVM adds is taken for privileged exits (the paper
		 * counts none for these). */
		out->units = exits_u > 0 ? (double)p->events / exits_u : 1;
		*priv = out->units * exits_u;
	}
}

/*
 * The kernel's loads and stores per privileged instruction in a workload
 * whose privileged instructions are per seconds apart at bare metal: a
 * boot's data_per_priv where they are as far apart as a boot's (the
 * kernel runs nearly all of a boot), proportionally fewer where closer
 * (lmbench's write to /dev/null: 20 ns, so 3.5), never more (where they are
 * farther apart, user code takes the rest: lame's 7.3 us).
 */
static double data_per_priv(const struct power_params *p, double per)
{
	const struct lx_workload *boot = lx_workload_find("linux-boot");
	double boot_per = boot->bare / boot->priv;
	return p->lx.data_per_priv * (per < boot_per ? per / boot_per : 1);
}

/*
 * An offset in .data/.bss the kernel loads or stores at: uniform, except
 * that the stolen space draws stolen_heat times its size's share (a draw
 * that falls in it is moved out with probability 1 - heat, or one that
 * falls outside moved in so that the share grows by heat - 1).
 */
static uint64_t data_offset(struct run *r, struct rng *g)
{
	const struct lx_params *x = &r->k->p;
	double heat = r->p->hv.stolen_heat;
	uint64_t off = r->data_lo + rng_below(g, x->data);
	if (heat == 1 || !r->stolen_n)
		return off;
	double f = (double)r->stolen_n / (double)x->data;
	if (off - r->stolen_lo < r->stolen_n) {
		if (heat < 1 && rng_double(g) >= heat) {
			off = r->data_lo + rng_below(g, x->data - r->stolen_n);
			off += off >= r->stolen_lo ? r->stolen_n : 0;
		}
	} else if (heat > 1 && rng_double(g) < (heat - 1) * f / (1 - f)) {
		off = r->stolen_lo + rng_below(g, r->stolen_n);
	}
	return off;
}

/* Privileged instruction i and what the kernel does around it. */
static void run_step(struct run *r, uint64_t i)
{
	const struct lx_params *x = &r->k->p;
	struct rng *g = &r->g;
	uint32_t pc = lx_draw(r->k, rng_next(g), rng_double(g));
	kvmppc_priv(&r->h, pc);
	const struct lx_pc *q = &r->k->pcs[pc];
	uint64_t page = (q->ea - LX_KBASE) & ~4095ULL;
	if (q->table && rng_double(g) < x->table_per_priv) {
		/* The table sits at its page's end. */
		uint64_t word = rng_below(g, x->table_words);
		kvmppc_data(&r->h, page + 4096 - 4 * x->table_words + 4 * word, 1, KP_INSN_TABLE + pc % 4096);
	}
	for (uint32_t j = draw_count(g, x->code_per_priv); j > 0; j--)
		kvmppc_fetch(&r->h, rng_below(g, x->text));
	for (int j = 0; j < DATA_SAMPLES && (r->weight || r->weight_frac > 0); j++) {
		uint32_t n = r->weight + (r->weight_frac > 0 && rng_double(g) < r->weight_frac);
		r->data += n;
		uint64_t off = rng_double(g) < x->data_share ? data_offset(r, g)
							     : r->lowmem_lo + rng_below(g, x->lowmem - r->lowmem_lo);
		uint32_t insn = off - r->stolen_lo < r->stolen_n
					? KP_INSN_STOLEN + (uint32_t)rng_below(g, r->p->hv.stolen_insns)
					: KP_INSN_NONE;
		if (insn != KP_INSN_NONE)
			r->stolen_data += n;
		if (n)
			kvmppc_data(&r->h, off & ~3ULL, n, insn);
	}
	if (i < r->scan_until)
		for (uint32_t j = draw_count(g, r->scan_per); j > 0; j--)
			kvmppc_data(&r->h, rng_below(g, x->text) & ~3ULL, 1, KP_INSN_SCAN);
}

/* The time step i took: bare metal's share and what the hypervisor added;
 * and Adapt-PR's decisions at every interval it crossed. */
static void run_clock(struct run *r)
{
	const struct power_params *p = r->p;
	struct kvmppc_counts *c = &r->h.c, *last = &r->last;
	r->t += r->per +
		(double)(c->priv_exits - last->priv_exits + c->tlb_misses - last->tlb_misses +
			 c->access_violations - last->access_violations) * r->exit_s +
		((double)(c->single - last->single) * p->single_ns + (double)(c->branch - last->branch) * p->branch_ns +
		 (double)(c->mirrored - last->mirrored) * p->mirror_ns) * 1e-9;
	*last = *c;
	while (r->t >= r->next_interval) {
		uint64_t resizes = c->resizes;
		kvmppc_interval(&r->h);
		r->next_interval += r->interval;
		if (c->resizes != resizes) {
			r->t += p->resize_ns * 1e-9;
			if (r->tl)
				snapshot(&r->h, r->t, r->tl, r->ctx);
		}
		*last = *c;
	}
}

/* out's figures from the hypervisor's counts and the run's time. */
static void run_result(const struct run *r, const struct lx_workload *w, double tlb, double acc,
		       struct power_result *out)
{
	const struct kvmppc_counts *c = &r->h.c;
	/* The guest's own misses and faults, which every scheme keeps. */
	double t = r->t + (tlb + acc) * r->exit_s;
	out->priv_exits = c->priv_exits;
	out->tlb_misses = c->tlb_misses + (uint64_t)llround(tlb);
	out->access_violations = c->access_violations + (uint64_t)llround(acc);
	out->seconds = t;
	out->translated_single = c->single;
	out->translated_branch = c->branch;
	out->mirrored_accesses = c->mirrored;
	out->kernel_data = r->data;
	out->stolen_data = r->stolen_data;
	out->patches = c->patches;
	out->unpatches = c->unpatches;
	out->splits = c->splits;
	out->merges = c->merges;
	out->resizes = c->resizes;
	double per_unit = out->units > 0 ? t / out->units : t;
	switch (w->unit) {
	case UNIT_MS:
		out->value = per_unit * 1000;
		break;
	case UNIT_SCORE:
		out->value = 10 / per_unit;
		break;
	case UNIT_KBS:
		out->value = 1 / per_unit;
		break;
	default:
		out->value = per_unit;
	}
}

/* The privileged instructions of w's run, from its own scale. */
static uint64_t run_phase(struct run *r, const struct lx_workload *w, struct power_result *out, double *tlb,
			  double *acc)
{
	double priv;
	run_scale(r->p, w, out, &priv, tlb, acc);
	uint64_t n = (uint64_t)llround(priv);
	double bare = out->units * unit_seconds(w, w->bare);
	const struct lx_params *x = &r->k->p;
	r->per = n ? bare / (double)n : 0;
	double weight = data_per_priv(r->p, r->per) / DATA_SAMPLES;
	r->weight = (uint32_t)floor(weight);
	r->weight_frac = weight - floor(weight);
	r->scan_until = w->boot ? n / 10 : 0;
	r->scan_per = r->scan_until ? x->boot_scan / (double)r->scan_until : 0;
	for (uint64_t i = 0; i < n; i++) {
		run_step(r, i);
		run_clock(r);
	}
	return n;
}

/* r's hypervisor and stream fresh under s, and what its steps need. */
static int run_open(struct run *r, const struct power_params *p, const struct lx_kernel *k,
		    const struct kvmppc_scheme *s, uint64_t seed, const struct power_boot *boot,
		    struct tpt_err *e)
{
	*r = (struct run){.p = p, .k = k, .exit_s = p->exit_ns * 1e-9};
	r->interval = r->next_interval = p->interval_ms * 1e-3;
	if (boot) {
		if (kvmppc_copy(&r->h, &boot->h, e))
			return -1;
		r->g = boot->g;
		r->next_interval = boot->next_interval;
		memset(&r->h.c, 0, sizeof(r->h.c));
	} else {
		if (kvmppc_init(&r->h, s, &p->hv, k, e))
			return -1;
		rng_seed(&r->g, ~seed); /* not the kernel's layout's stream (lx_init seeds with seed) */
	}
	const struct lx_params *x = &k->p;
	r->data_lo = x->text;
	r->lowmem_lo = x->text + x->data;
	r->stolen_lo = r->h.stolen_at;
	r->stolen_n = s->tc == TC_STOLEN ? p->hv.stolen : 0;
	return 0;
}

int power_boot(const struct power_params *p, const struct lx_kernel *k, const struct kvmppc_scheme *s,
	       uint64_t seed, struct power_boot *b, struct tpt_err *e)
{
	struct run r;
	struct power_result out;
	double tlb, acc;
	memset(b, 0, sizeof(*b));
	memset(&out, 0, sizeof(out));
	if (run_open(&r, p, k, s, seed, NULL, e))
		return -1;
	run_phase(&r, lx_workload_find("linux-boot"), &out, &tlb, &acc);
	b->h = r.h;
	b->g = r.g;
	b->next_interval = r.next_interval - r.t;
	return 0;
}

void power_boot_fini(struct power_boot *b)
{
	kvmppc_fini(&b->h);
}

int power_run(const struct power_params *p, const struct lx_kernel *k, const struct lx_workload *w,
	      const struct kvmppc_scheme *s, uint64_t seed, const struct power_boot *boot,
	      power_timeline_fn tl, void *ctx, struct power_result *out, struct tpt_err *e)
{
	memset(out, 0, sizeof(*out));
	out->w = w;
	out->s = s;
	struct power_boot own;
	bool booted = !w->boot && p->booted;
	if (booted && !boot) {
		if (power_boot(p, k, s, seed, &own, e))
			return -1;
	}
	struct run r;
	int rc = run_open(&r, p, k, s, seed, booted ? (boot ? boot : &own) : NULL, e);
	if (booted && !boot)
		power_boot_fini(&own);
	if (rc)
		return -1;
	r.last = r.h.c;
	r.tl = tl;
	r.ctx = ctx;
	if (tl)
		snapshot(&r.h, 0, tl, ctx);
	double tlb, acc;
	out->privileged_instructions = run_phase(&r, w, out, &tlb, &acc);
	run_result(&r, w, tlb, acc, out);
	kvmppc_fini(&r.h);
	return 0;
}

int power_rows(const struct power_result *r, stats_row_fn fn, void *ctx)
{
	int rc;
#define ROW_C(name, doc)                                                                          \
	if ((rc = stats_row_u64(fn, ctx, #name, doc, r->name)))                                   \
		return rc;
#define ROW_F(name, doc)                                                                          \
	if ((rc = stats_row_real(fn, ctx, #name, doc, r->name)))                                  \
		return rc;
	POWER_RESULT(ROW_C, ROW_F)
	return 0;
}
