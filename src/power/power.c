/*
 * power.c - the parameters and the run of the embedded Power model (see
 * power.h).
 *
 * A run draws the workload's privileged instructions one by one (linux.h's
 * PCs, by weight) and, with each, what the kernel does around it: a fetch
 * of its page, fetches elsewhere in the text, loads and stores to its data
 * and memory (sampled: each sample stands for `weight` accesses to one
 * page), the read of a table on the page where it has one, and, booting,
 * reads of its own text. The hypervisor (kvmppc.h) answers each; its exits,
 * translations and mirrored accesses cost what the table below says, on
 * top of the bare-metal time, and every 100 ms of the resulting guest time
 * Adapt-PR takes its decisions. The guest's own TLB misses and access
 * violations (the KVM column's counts) are spread over the run unchanged:
 * no scheme removes them.
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
	L(data_per_priv, OPT_DOUBLE, 0, 100000000, "100", "kernel loads and stores per privileged instruction (estimate: a boot's 6.5 s at 1.2 GHz, IPC about 0.6, a third memory operations, over 11.5 M privileged instructions is about 130)"),
	L(data_share, OPT_DOUBLE, 0, 1000, "0.5", "share of them to .data/.bss; the rest to allocated memory, uniformly (guess)"),
	L(code_per_priv, OPT_DOUBLE, 0, 1000000, "2", "text pages fetched per privileged instruction besides its own (guess)"),
	L(table_share, OPT_DOUBLE, 0, 1000, "0.25", "share of privileged code pages outside the entry code that hold a dispatch or exception table (guess; the entry code's all do)"),
	L(table_per_priv, OPT_DOUBLE, 0, 1000, "0.067", "table reads per privileged instruction on such a page (guess: one an exception, which runs about 15)"),
	L(table_words, OPT_U32, 1, 1024, "16", "words of a table the kernel reads (guess)"),
	L(boot_scan, OPT_DOUBLE, 0, 1000000000000, "20000", "text words linux-boot reads in its first tenth (guess; the paper: Linux scans its code at boot)"),
	H(guest_tlb1, OPT_U32, 0, 15, "2", "TLB1 entries the guest keeps besides its kernel page (guess: CCSR and I/O)"),
	H(patch_after, OPT_U32, 1, 1000000000, "64", "exits of a PC before it is patched (guess; the paper patches \"hot\" PCs)"),
	H(burst, OPT_U32, 0, 1000000000, "5000", "tracing faults in an interval that make a page resized (the paper)"),
	H(burst_share, OPT_DOUBLE, 0, 1000, "0.5", "share of them in one 64 KiB region that makes a burst, not a scan (guess)"),
	H(aging, OPT_U32, 0, 1000000000, "500", "fall of the threshold T an interval (the paper: 500 exits per 100 ms)"),
	H(shortest, OPT_SIZE, 65536, 1ULL << 28, "64K", "the shortest page resizing makes (the paper: 64 KiB)"),
	H(tc_bytes, OPT_U32, 4, 4096, "32", "translation-cache bytes of a multi-instruction patch (guess)"),
	H(stolen, OPT_SIZE, 4096, 64ULL << 20, "64K", "data stolen for the translation cache (the paper: 64 KiB)"),
	H(mirror_words, OPT_U32, 0, 65536, "128", "words of the mirror cache (the paper: 512 B)"),
	H(stolen_insns, OPT_U32, 1, 65536, "256", "instructions that touch the stolen space's data (guess)"),
	C(exit_ns, OPT_DOUBLE, 1, 1000000000000, "1973", "any exit with its handling, ns (emulation, TLB refill, tracing fault: the paper times none apart): linux-boot's (30.03 - 6.5 s) over its 11,925,956 exits (derived)"),
	C(single_ns, OPT_DOUBLE, 0, 1000000000000, "2", "a single-instruction translation, ns (guess: a load or store that hits)"),
	C(branch_ns, OPT_DOUBLE, 0, 1000000000000, "10", "a translation reached by a branch and back, ns (guess: about 12 instructions)"),
	C(mirror_ns, OPT_DOUBLE, 0, 1000000000000, "10", "a mirrored access's check, ns (guess)"),
	C(resize_ns, OPT_DOUBLE, 0, 1000000000000, "20000", "rewriting the shadow entries after a resize, ns (guess: ten exits)"),
	C(interval_ms, OPT_U32, 1, 100000, "100", "Adapt-PR's interval (the paper: 100 ms)"),
	C(events, OPT_COUNT, 1000, 1ULL << 36, "2M", "privileged exits of a derived workload's run (lmbench, Unixbench file tests)"),
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

int power_run(const struct power_params *p, const struct lx_kernel *k, const struct lx_workload *w,
	      const struct kvmppc_scheme *s, uint64_t seed, power_timeline_fn tl, void *ctx,
	      struct power_result *out, struct tpt_err *e)
{
	memset(out, 0, sizeof(*out));
	out->w = w;
	out->s = s;
	double bare_u = unit_seconds(w, w->bare), kvm_u = unit_seconds(w, w->kvm);
	double exit_s = p->exit_ns * 1e-9, exits_u = (kvm_u - bare_u) / exit_s;
	if (exits_u <= 0)
		exits_u = 0;
	double priv, tlb = 0, acc = 0;
	if (w->raw) {
		priv = w->priv;
		tlb = w->tlb;
		acc = w->acc;
		out->units = w->unit == UNIT_S ? 1 : (exits_u > 0 ? (priv + tlb + acc) / exits_u : 1);
	} else {
		/* All the time KVM adds is taken for privileged exits (the paper
		 * counts none for these). */
		out->units = exits_u > 0 ? (double)p->events / exits_u : 1;
		priv = out->units * exits_u;
	}
	uint64_t n = (uint64_t)llround(priv);
	double bare = out->units * bare_u;
	double per = n ? bare / (double)n : 0;
	struct kvmppc h;
	if (kvmppc_init(&h, s, &p->hv, k, e))
		return -1;
	struct rng g; /* not the kernel's layout's stream (lx_init seeds with seed) */
	rng_seed(&g, ~seed);
	const struct lx_params *x = &k->p;
	uint64_t scan_until = w->boot ? n / 10 : 0;
	double scan_per = scan_until ? x->boot_scan / (double)scan_until : 0;
	uint32_t weight = (uint32_t)llround(x->data_per_priv / DATA_SAMPLES);
	uint64_t data_lo = x->text, lowmem_lo = x->text + x->data;
	uint64_t stolen_lo = h.stolen_at, stolen_n = s->tc == TC_STOLEN ? p->hv.stolen : 0;
	double interval = p->interval_ms * 1e-3, t = 0, next_interval = interval;
	struct kvmppc_counts last = h.c;
	if (tl)
		snapshot(&h, 0, tl, ctx);
	for (uint64_t i = 0; i < n; i++) {
		uint32_t pc = lx_draw(k, rng_next(&g), rng_double(&g));
		kvmppc_priv(&h, pc);
		const struct lx_pc *q = &k->pcs[pc];
		uint64_t page = (q->ea - LX_KBASE) & ~4095ULL;
		if (q->table && rng_double(&g) < x->table_per_priv) {
			/* The table sits at its page's end. */
			uint64_t word = rng_below(&g, x->table_words);
			kvmppc_data(&h, page + 4096 - 4 * x->table_words + 4 * word, 1, KP_INSN_TABLE + pc % 4096);
		}
		for (uint32_t j = draw_count(&g, x->code_per_priv); j > 0; j--)
			kvmppc_fetch(&h, rng_below(&g, x->text));
		for (int j = 0; j < DATA_SAMPLES && weight; j++) {
			uint64_t off = rng_double(&g) < x->data_share ? data_lo + rng_below(&g, x->data)
								      : lowmem_lo + rng_below(&g, x->lowmem - lowmem_lo);
			uint32_t insn = off - stolen_lo < stolen_n ? KP_INSN_STOLEN + (uint32_t)rng_below(&g, p->hv.stolen_insns)
								   : KP_INSN_NONE;
			kvmppc_data(&h, off & ~3ULL, weight, insn);
		}
		if (i < scan_until)
			for (uint32_t j = draw_count(&g, scan_per); j > 0; j--)
				kvmppc_data(&h, rng_below(&g, x->text) & ~3ULL, 1, KP_INSN_SCAN);
		/* Time: bare metal's share, and what the hypervisor added. */
		struct kvmppc_counts *c = &h.c;
		t += per + (double)(c->priv_exits - last.priv_exits + c->tlb_misses - last.tlb_misses +
				    c->access_violations - last.access_violations) * exit_s +
		     ((double)(c->single - last.single) * p->single_ns + (double)(c->branch - last.branch) * p->branch_ns +
		      (double)(c->mirrored - last.mirrored) * p->mirror_ns) * 1e-9;
		last = *c;
		while (t >= next_interval) {
			uint64_t resizes = h.c.resizes;
			kvmppc_interval(&h);
			next_interval += interval;
			if (h.c.resizes != resizes) {
				t += p->resize_ns * 1e-9;
				if (tl)
					snapshot(&h, t, tl, ctx);
			}
			last = h.c;
		}
	}
	/* The guest's own misses and faults, which every scheme keeps. */
	t += (tlb + acc) * exit_s;
	out->events = n;
	out->c = h.c;
	out->priv_exits = h.c.priv_exits;
	out->tlb_misses = h.c.tlb_misses + (uint64_t)llround(tlb);
	out->access_violations = h.c.access_violations + (uint64_t)llround(acc);
	out->seconds = t;
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
	kvmppc_fini(&h);
	return 0;
}
