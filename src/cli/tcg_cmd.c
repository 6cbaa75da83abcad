/* SPDX-License-Identifier: MIT */
/*
 * tcg_cmd.c - tpt probe --tcg: QEMU's TCG timed here (probe/tcg.h) beside
 * tpt dbt's SoftMMU on the same loops (calib/tcgcalib.h), and with
 * --calibrate the [dbt] costs that bring the model to it, as a --config
 * fragment that also carries the host's caches the model ran with.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "tpt/base/version.h"
#include "tpt/calib/tcgcalib.h"

struct tcg_cmd {
	const struct tcg_args *a;
	struct tcg_plan plan, plan64; /* the IA-32 guest's loops, the x86-64 guest's */
	char qemu[160], qemu64[160], busy[200];
	double tsc_ghz;
	struct tcg_row rows[TCG_MAX_TLBS * TCG_MAX_LOOPS];
	struct tcg_calib m;
	const struct tpt_config *cfg;
};

static void print_text(const void *ctx)
{
	const struct tcg_cmd *c = ctx;
	printf("QEMU: %s, -accel tcg, tpt's own IA-32 and x86-64 guests on 4 KiB pages\n", c->qemu);
	printf("host TSC %.3f GHz (QEMU's RDTSC reads it); model clock %.3f GHz\n", c->tsc_ghz,
	       c->cfg->clock_ghz);
	if (c->busy[0])
		printf("measured on a busy machine (--allow-busy): %s\n", c->busy);
	printf("\n%-6s %-5s %-6s %6s %10s %9s %6s", "guest", "tlb", "loop", "size", "iters", "ns", "noise");
	if (c->a->compare)
		printf(" %9s %6s  %-7s %s", "model ns", "ratio", "verdict", "calibrates");
	printf("\n");
	unsigned v[3] = {0};
	for (size_t i = 0; i < c->m.n; i++) {
		const struct tcg_row *x = &c->rows[i];
		char sz[32];
		printf("%-6s 2^%-3u %-6s %6s %10llu %9.2f %6.2f", x->x86_64 ? "x86_64" : "ia32", x->tlb_bits,
		       tcg_loop_name[x->spec.loop],
		       tpt_format_size(x->spec.size, sz), (unsigned long long)x->spec.iters, x->ns, x->noise);
		if (c->a->compare) {
			const char *vd = tcg_verdict(&c->m, i);
			v[vd[0] == 'w' ? 0 : vd[0] == 'o' ? 1 : 2]++;
			printf(" %9.2f %6.2f  %-7s %s", c->m.model_ns[i], x->ns / c->m.model_ns[i], vd,
			       c->m.calibrates[i] ? c->m.calibrates[i] : "");
		}
		printf("\n");
	}
	printf("\nns: median per iteration (rmw and seq: a load and a store; chase: a load; gups: an "
	       "update, HPCC's) over %u rounds after a warm one; noise: upper quartile / lower.\n",
	       c->plan.rounds);
	if (c->a->compare)
		printf("verdict: tpt dbt --scheme softmmu --guest ia32 or x86_64 on the same loop (tpt dbt "
		       "--workload 'tcgloop:...') within %.0f %% of QEMU (%u rows), off (%u), noisy: not "
		       "judged (%u).\n",
		       100 * TCG_TOLERANCE, v[0], v[1], v[2]);
}

static json_t *row_json(const struct tcg_cmd *c, size_t i)
{
	const struct tcg_row *x = &c->rows[i];
	char spec[160];
	tcg_spec(&c->m, i, spec, sizeof(spec));
	json_t *samples = json_array();
	for (unsigned k = 0; k < x->n; k++)
		json_array_append_new(samples, json_real(x->sample[k]));
	json_t *r = json_pack("{s:s, s:i, s:s, s:I, s:I, s:f, s:f, s:o, s:s, s:f, s:s}", "guest",
			      x->x86_64 ? "x86_64" : "ia32", "tlb_bits",
			      (int)x->tlb_bits, "loop", tcg_loop_name[x->spec.loop], "size",
			      (json_int_t)x->spec.size, "iters", (json_int_t)x->spec.iters, "ns", x->ns,
			      "noise", x->noise, "samples", samples, "qemu", x->x86_64 ? c->qemu64 : c->qemu,
			      "tsc_ghz", c->tsc_ghz,
			      "workload", spec);
	json_object_set_new(r, "host_busy", c->busy[0] ? json_string(c->busy) : json_null());
	bool m = c->a->compare;
	json_object_set_new(r, "model_ns", m ? json_real(c->m.model_ns[i]) : json_null());
	json_object_set_new(r, "ratio", m ? json_real(x->ns / c->m.model_ns[i]) : json_null());
	json_object_set_new(r, "verdict", m ? json_string(tcg_verdict(&c->m, i)) : json_null());
	json_object_set_new(r, "calibrates",
			    m && c->m.calibrates[i] ? json_string(c->m.calibrates[i]) : json_null());
	return r;
}

struct frag_ctx {
	FILE *f;
};

/* The [cache] values the model ran with: the host's, from --config. */
static void cache_line(void *ctx, const char *section, const char *name, const char *value)
{
	struct frag_ctx *x = ctx;
	if (!strcmp(section, "cache"))
		fprintf(x->f, "%s = %s\n", name, value);
}

static int write_fragment(const struct tcg_cmd *c, const struct calib_fragment *f,
			  const struct tpt_config *cfg)
{
	struct out o;
	if (out_open(&o, c->a->calibrate))
		return 1;
	time_t now = time(NULL);
	struct tm tm;
	char when[32];
	strftime(when, sizeof(when), "%Y-%m-%d", gmtime_r(&now, &tm));
	fprintf(o.f, "; tpt probe --tcg --calibrate: QEMU's SoftMMU measured on this machine, %s (tpt %s, "
		     "commit %s).\n; %s, -accel tcg; host TSC %.3f GHz.\n; Load with tpt dbt --config; "
		     "options left out keep their defaults.\n\n[cache]\n; the host's caches, as the model "
		     "ran them (--config's, else the defaults)\n", when, tpt_version(), tpt_commit(), c->qemu,
		c->tsc_ghz);
	struct frag_ctx x = {o.f};
	config_foreach(cfg, cache_line, &x);
	fprintf(o.f, "\n[cost]\n; measured: a chain of dependent adds retires %.3f a ns; the model's "
		     "cycles become ns at this rate\nclock_ghz = %.3f\n\n[dbt]\n", cfg->clock_ghz,
		cfg->clock_ghz);
	for (unsigned i = 0; i < f->n; i++)
		fputs(f->line[i] + strlen("[dbt]\n"), o.f);
	return out_close(&o, true) ? 1 : 0;
}

int probe_tcg(const struct tcg_args *a, const struct opts *o, const struct tpt_config *cfg0)
{
	struct tcg_cmd *c = calloc(1, sizeof(*c));
	struct tpt_config *cfg = malloc(sizeof(*cfg));
	int rc = 1;
	struct tpt_err e;
	if (!c || !cfg) {
		bad("probe: out of memory");
		goto out;
	}
	*cfg = *cfg0;
	c->a = a;
	c->cfg = cfg;
	if (a->size && a->size > GiB) {
		rc = bad("probe: --tcg: --size is at most 1G (an IA-32 guest maps it below 4 GiB)");
		goto out;
	}
	tcg_plan_default(&c->plan, a->size ? a->size : 256 * MiB, false);
	tcg_plan_default(&c->plan64, a->size ? a->size : 256 * MiB, true);
	if (a->rounds)
		c->plan.rounds = c->plan64.rounds = a->rounds;
	if (a->timeout_s)
		c->plan.timeout_s = c->plan64.timeout_s = a->timeout_s;
	if (a->seed > 0xffffffffULL) {
		rc = bad("probe: --tcg: --seed is the guest's 32-bit key, at most 4294967295");
		goto out;
	}
	c->plan.key = c->plan64.key = (uint32_t)a->seed;
	if (c->plan.rounds > TCG_MAX_ROUNDS) {
		rc = bad("probe: --tcg: --rounds is at most %d", TCG_MAX_ROUNDS);
		goto out;
	}
	if (tcg_qemu_version(false, c->qemu, sizeof(c->qemu), &e) ||
	    tcg_qemu_version(true, c->qemu64, sizeof(c->qemu64), &e)) {
		bad("probe: --tcg: %s", e.msg);
		goto out;
	}
	if (host_quiet(&e)) {
		if (!a->allow_busy) {
			bad("probe: %s", e.msg);
			goto out;
		}
		snprintf(c->busy, sizeof(c->busy), "%.*s", (int)strcspn(e.msg, ";"), e.msg);
	}
	if (host_pin() < 0) {
		bad("probe: cannot pin to one CPU");
		goto out;
	}
	/* The model's clock, measured as tpt probe measures it: its cycles
	 * become ns at the rate this core retires dependent adds. */
	cfg->clock_ghz = round(host_clock_ghz() * 1000) / 1000;
	c->tsc_ghz = tcg_tsc_ghz();
	size_t n = 0, n64 = 0;
	const struct tcg_plan *plans[] = {&c->plan, &c->plan64};
	for (int k = 0; k < 2; k++) {
		size_t *got = k ? &n64 : &n;
		if (isatty(2))
			fprintf(stderr, "tpt: probe --tcg: %s with %u TLB sizes x %u loops...\n",
				tcg_qemu(k), plans[k]->ntlb, plans[k]->nloop);
		if (tcg_measure(plans[k], c->tsc_ghz, c->rows + n, ARRAY_LEN(c->rows) - n, got, &e)) {
			bad("probe: %s", e.msg);
			goto out;
		}
	}
	n += n64;
	c->m = (struct tcg_calib){.rows = c->rows, .n = n, .key = c->plan.key};
	struct calib_fragment frag = {0};
	if (a->calibrate) {
		if (cfg->mlp > 0)
			cfg->dbt_mlp = cfg->mlp; /* measured natively by tpt probe --calibrate */
		if (tcg_fit(&c->m, cfg, &frag, &e)) {
			bad("probe: %s", e.msg);
			goto out;
		}
		if ((rc = write_fragment(c, &frag, cfg)))
			goto out;
		rc = 1;
	}
	if (a->compare && tcg_model(&c->m, cfg, &e)) {
		bad("probe: --tcg: the model: %s", e.msg);
		goto out;
	}
	json_t *arr = json_array();
	for (size_t i = 0; a->json && i < n; i++)
		json_array_append_new(arr, row_json(c, i));
	rc = emit_results(o, cfg, arr, print_text, c);
out:
	free(cfg);
	free(c);
	return rc;
}
