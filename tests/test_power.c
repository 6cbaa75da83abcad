/* SPDX-License-Identifier: MIT */
/*
 * test_power.c - the embedded Power model: the e500v2 MMU (the paper's
 * page-split example reproduced exactly, random splits covering their page
 * with aligned, supported, non-overlapping entries, TLB0/TLB1 look-ups);
 * the guest kernel's PCs against Tables 3 and 4; the hypervisor's
 * invariants after every change under every scheme (no right the guest
 * lacks, no load or store through a traced page unemulated, the guest's
 * view of its own code intact, the kernel's 256 MiB tiled); mirroring;
 * the run's accounting and determinism.
 */
#include <math.h>

#include "helpers.h"

#include "power/e500tlb.h"
#include "power/power.h"

#define MiB (1ULL << 20)

/* ASPLOS 2013, adaptive page resizing: the kernel's 256 MiB page at
 * 0xc0000000 broken around a patch at 0xc0801234 with a 4 MiB patch page. */
static void test_paper_split(void **st)
{
	(void)st;
	struct e500_tlbe p = {.ea = 0xc0000000, .pa = 0, .size = 256 * MiB, .perm = E500_SR | E500_SW | E500_SX,
			      .valid = true};
	struct e500_tlbe out[E500_TLB1];
	static const struct {
		uint64_t ea, size;
	} want[] = {
		{0xc0000000, 4 * MiB},  {0xc0400000, 4 * MiB},  {0xc0800000, 4 * MiB}, /* the patch page */
		{0xc0c00000, 4 * MiB},  {0xc1000000, 16 * MiB}, {0xc2000000, 16 * MiB},
		{0xc3000000, 16 * MiB}, {0xc4000000, 64 * MiB}, {0xc8000000, 64 * MiB},
		{0xcc000000, 64 * MiB},
	};
	int n = e500_split(&p, 0xc0801234, 4 * MiB, out, E500_TLB1);
	assert_int_equal(n, 10);
	for (int i = 0; i < n; i++) {
		assert_int_equal(out[i].ea, want[i].ea);
		assert_int_equal(out[i].size, want[i].size);
		assert_int_equal(out[i].pa, out[i].ea - 0xc0000000);
		assert_int_equal(out[i].ea % out[i].size, 0);
		assert_true(e500_size_ok(out[i].size));
		assert_int_equal(out[i].perm, p.perm);
	}
	/* Too few slots, a patch outside the page, an unsupported size: refused. */
	assert_int_equal(e500_split(&p, 0xc0801234, 4 * MiB, out, 9), -1);
	assert_int_equal(e500_split(&p, 0xd0000000, 4 * MiB, out, E500_TLB1), -1);
	assert_int_equal(e500_split(&p, 0xc0801234, 8 * MiB, out, E500_TLB1), -1);
}

static void test_random_splits(void **st)
{
	(void)st;
	uint64_t x = 2013;
	for (int i = 0; i < 5000; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		int k = 2 + (int)(x % 9), pk = 1 + (int)((x >> 8) % (unsigned)k);
		uint64_t size = 4096ULL << (2 * k), psize = 4096ULL << (2 * (pk - 1));
		uint64_t ea = ((x >> 16) % 4) * size, at = ea + (x >> 24) % size;
		struct e500_tlbe p = {.ea = ea, .pa = ea + size * 8, .size = size, .valid = true};
		struct e500_tlbe out[64];
		int n = e500_split(&p, at, psize, out, 64);
		assert_true(n >= 1);
		uint64_t next = ea;
		int patch = 0;
		for (int j = 0; j < n; j++) {
			assert_int_equal(out[j].ea, next); /* contiguous, in order: no gap, no overlap */
			assert_true(e500_size_ok(out[j].size));
			assert_int_equal(out[j].ea % out[j].size, 0);
			assert_int_equal(out[j].pa - p.pa, out[j].ea - ea);
			patch += out[j].ea == (at & ~(psize - 1)) && out[j].size == psize;
			next += out[j].size;
		}
		assert_int_equal(next, ea + size);
		assert_int_equal(patch, 1);
		/* Each side uses at most 3 pages of a size (4 make the next size up). */
		assert_true(n <= 1 + 2 * 3 * k);
	}
}

static void test_tlb(void **st)
{
	(void)st;
	struct e500_tlb t;
	struct tpt_err e;
	e500_tlb_init(&t);
	struct e500_tlbe k = {.ea = 0xc0000000, .pa = 0, .size = 256 * MiB, .tid = 0, .valid = true};
	assert_int_equal(e500_tlb_write(&t, &k, 0), 0);
	struct e500_tlbe u = {.ea = 0x10000000, .pa = 0x200000, .size = 4096, .tid = 5, .valid = true};
	assert_int_equal(e500_tlb_write(&t, &u, -1), 0);
	assert_int_equal(e500_tlb_check(&t, &e), 0);
	assert_ptr_equal(e500_tlb_lookup(&t, 0xc7654321, 9), &t.tlb1[0]); /* global */
	assert_non_null(e500_tlb_lookup(&t, 0x10000abc, 5));
	assert_null(e500_tlb_lookup(&t, 0x10000abc, 6)); /* another process */
	assert_null(e500_tlb_lookup(&t, 0x10001000, 5));
	/* TLB0 sets are 4-way, round robin: a fifth page of a set evicts the first. */
	for (uint64_t w = 1; w <= 4; w++) {
		struct e500_tlbe v = u;
		v.ea += w * 128 * 4096;
		assert_int_equal(e500_tlb_write(&t, &v, -1), 0);
	}
	assert_null(e500_tlb_lookup(&t, 0x10000abc, 5));
	assert_non_null(e500_tlb_lookup(&t, 0x10000000 + 4 * 128 * 4096, 5));
	/* Unaligned or unsupported entries are refused; overlap is caught. */
	struct e500_tlbe bad = {.ea = 0x1000, .size = 8192, .valid = true};
	assert_int_equal(e500_tlb_write(&t, &bad, 1), -1);
	bad.size = 16384;
	assert_int_equal(e500_tlb_write(&t, &bad, 1), -1);
	struct e500_tlbe over = {.ea = 0xc4000000, .pa = 0x4000000, .size = 64 * MiB, .valid = true};
	assert_int_equal(e500_tlb_write(&t, &over, 1), 0);
	assert_int_not_equal(e500_tlb_check(&t, &e), 0);
	assert_non_null(strstr(e.msg, "overlap"));
}

static struct lx_kernel *kernel(const struct power_params *p, uint64_t seed)
{
	static struct lx_kernel k;
	struct tpt_err e;
	if (lx_init(&k, &p->lx, seed, &e))
		fail_msg("%s", e.msg);
	return &k;
}

/* Table 4's heavy tail and Table 3's mix, as the kernel's PCs hold them. */
static void test_kernel(void **st)
{
	(void)st;
	struct power_params p;
	power_defaults(&p);
	struct lx_kernel *k = kernel(&p, 1);
	struct tpt_err e;
	assert_int_equal(lx_check(k, &e), 0);
	assert_int_equal(k->npc, 633);
	/* The 93 hottest PCs draw 91.9 % of the executions (of 99.9 % printed). */
	uint64_t hot = 0, n = 1000000, s = 7;
	for (uint64_t i = 0; i < n; i++) {
		s = s * 6364136223846793005ULL + 1442695040888963407ULL;
		uint32_t pc = lx_draw(k, s >> 20, (double)(s >> 11 & 0xfffff) / 1048576.0);
		hot += pc < 93;
	}
	assert_true(fabs((double)hot / (double)n - 91.9 / 99.9) < 0.005);
	/* The checker sees a PC moved out of the text. */
	uint64_t was = k->pcs[5].ea;
	k->pcs[5].ea = LX_KBASE + p.lx.text + 16;
	assert_int_not_equal(lx_check(k, &e), 0);
	assert_non_null(strstr(e.msg, "not a word of the text"));
	k->pcs[5].ea = was;
	/* A kernel that does not fit its page is refused. */
	struct lx_kernel k2;
	struct lx_params bad = p.lx;
	bad.lowmem = bad.text;
	assert_int_equal(lx_init(&k2, &bad, 1, &e), -1);
	lx_fini(k);
}

/*
 * A run driven by hand, as power_run drives it, with the checks after
 * every interval and around every data access: a load or store to a page
 * the shadow entry leaves unreadable is emulated (a fault) or served by a
 * mirror, never let through; one to a readable page is neither.
 */
static void drive(const struct kvmppc_scheme *sch, const struct power_params *p, struct lx_kernel *k,
		  uint64_t events, struct kvmppc_counts *out)
{
	struct kvmppc h;
	struct tpt_err e;
	if (kvmppc_init(&h, sch, &p->hv, k, &e))
		fail_msg("%s: %s", sch->name, e.msg);
	uint64_t s = 99;
	for (uint64_t i = 0; i < events; i++) {
		s = s * 6364136223846793005ULL + 1442695040888963407ULL;
		uint32_t pc = lx_draw(k, s >> 20, (double)(s >> 11 & 0xfffff) / 1048576.0);
		kvmppc_priv(&h, pc);
		uint64_t off;
		uint32_t insn = KP_INSN_NONE;
		switch (i % 4) {
		case 0: /* the table beside the PC, if any, else its own word */
			off = (k->pcs[pc].ea - LX_KBASE) & ~3ULL;
			insn = KP_INSN_TABLE + pc % 4096;
			break;
		case 1: /* the stolen space's data */
			off = h.stolen_at + (s >> 30) % p->hv.stolen;
			insn = KP_INSN_STOLEN + (uint32_t)((s >> 40) % 8);
			break;
		default:
			off = p->lx.text + (s >> 24) % (p->lx.lowmem - p->lx.text);
		}
		off &= ~3ULL;
		bool traced = !(kvmppc_rights(&h, off) & E500_SR);
		uint64_t before = h.c.access_violations + h.c.mirrored;
		kvmppc_data(&h, off, 3, insn);
		uint64_t moved = h.c.access_violations + h.c.mirrored - before;
		if (traced != (moved == 3))
			fail_msg("%s: access at %#llx (traced %d) moved the counts by %llu", sch->name,
				 (unsigned long long)off, traced, (unsigned long long)moved);
		if (i % 500 == 499) {
			kvmppc_interval(&h);
			if (kvmppc_check(&h, &e))
				fail_msg("%s after %llu events: %s", sch->name, (unsigned long long)i, e.msg);
			for (uint32_t j = 0; j < k->npc; j++)
				if (kvmppc_read_code(&h, j) != kvmppc_original(&h, j))
					fail_msg("%s: the guest reads a patched word at PC %u", sch->name, j);
		}
	}
	*out = h.c;
	kvmppc_fini(&h);
}

static void test_schemes_keep_invariants(void **st)
{
	(void)st;
	struct power_params p;
	power_defaults(&p);
	p.hv.patch_after = 4;
	p.hv.burst = 50; /* resize at this test's small scale */
	struct lx_kernel *k = kernel(&p, 3);
	for (unsigned i = 0; i < kvmppc_nschemes; i++) {
		struct kvmppc_counts c;
		drive(&kvmppc_schemes[i], &p, k, 60000, &c);
		const struct kvmppc_scheme *s = &kvmppc_schemes[i];
		if (!s->bt)
			assert_int_equal(c.patches, 0);
		else
			assert_true(c.patches > 0);
		if (s->pv)
			assert_int_equal(c.priv_exits, 0);
		if (!s->bt && !s->pv)
			assert_int_equal(c.priv_exits, 60000);
		if (s->map == MAP_ADAPT)
			assert_true(c.splits > 0);
	}
	lx_fini(k);
}

/* Adapt-DM: an instruction's first fault on the stolen space translates
 * it; its later accesses there are mirrored, another's still fault. */
static void test_mirroring(void **st)
{
	(void)st;
	struct power_params p;
	power_defaults(&p);
	struct lx_kernel *k = kernel(&p, 1);
	struct kvmppc h;
	struct tpt_err e;
	assert_int_equal(kvmppc_init(&h, kvmppc_scheme_find("bt+pr+dm"), &p.hv, k, &e), 0);
	uint64_t at = h.stolen_at + 128;
	assert_false(kvmppc_rights(&h, at) & E500_SR); /* the stolen space is traced from the start */
	kvmppc_data(&h, at, 1, KP_INSN_STOLEN + 1);
	assert_int_equal(h.c.access_violations, 1);
	kvmppc_data(&h, at + 8, 5, KP_INSN_STOLEN + 1);
	assert_int_equal(h.c.access_violations, 1);
	assert_int_equal(h.c.mirrored, 5);
	kvmppc_data(&h, at, 1, KP_INSN_STOLEN + 2);
	assert_int_equal(h.c.access_violations, 2);
	/* Outside the stolen space a translated instruction goes through the
	 * mirror cache: its first word misses (a fault), then hits. */
	uint64_t word = k->pcs[0].ea - LX_KBASE + 4;
	kvmppc_priv(&h, 0);
	for (uint32_t i = 0; i < p.hv.patch_after; i++)
		kvmppc_priv(&h, 0);
	assert_false(kvmppc_rights(&h, word) & E500_SR);
	uint64_t f = h.c.access_violations;
	kvmppc_data(&h, word, 1, KP_INSN_TABLE + 7);
	kvmppc_data(&h, word, 1, KP_INSN_TABLE + 7);
	assert_int_equal(h.c.access_violations, f + 2); /* the first fault translates, the second fills */
	kvmppc_data(&h, word, 1, KP_INSN_TABLE + 7);
	assert_int_equal(h.c.access_violations, f + 2);
	assert_int_equal(kvmppc_check(&h, &e), 0);
	kvmppc_fini(&h);
	lx_fini(k);
}

/* The run's accounting: unmodified KVM reproduces its inputs, and its
 * time is bare metal plus every exit; the same seed gives the same run. */
/* power_rows gives every figure of the list once, in order, with its value. */
struct rows_seen {
	const struct power_result *r;
	unsigned n;
};

static int row_seen(void *ctx, const struct stats_row *row)
{
	struct rows_seen *rs = ctx;
	const struct power_result *r = rs->r;
	assert_non_null(row->doc);
	assert_true(row->doc[0] != 0);
	if (!strcmp(row->key, "priv_exits"))
		assert_int_equal(row->u, r->priv_exits);
	if (!strcmp(row->key, "seconds"))
		assert_true(row->type == STATS_REAL && row->d == r->seconds);
	if (!strcmp(row->key, "resizes"))
		assert_int_equal(row->u, r->resizes);
	if (!strcmp(row->key, "patches"))
		assert_int_equal(row->u, r->patches);
	rs->n++;
	return rs->n == 99; /* never: a non-zero return would stop the rows */
}

static void check_rows(const struct power_result *r)
{
	struct rows_seen rs = {r, 0};
	assert_int_equal(power_rows(r, row_seen, &rs), 0);
	assert_int_equal(rs.n, 17);
}

static void test_run(void **st)
{
	(void)st;
	struct power_params p;
	power_defaults(&p);
	struct lx_kernel *k = kernel(&p, 1);
	const struct lx_workload *lame = lx_workload_find("lame");
	assert_non_null(lame);
	struct power_result a, b;
	struct tpt_err e;
	assert_int_equal(power_run(&p, k, lame, kvmppc_scheme_find("trap"), 1, NULL, NULL, NULL, &a, &e), 0);
	assert_int_equal(a.priv_exits, 60312);
	assert_int_equal(a.access_violations, 23);
	assert_true(a.tlb_misses >= 1932 && a.tlb_misses < 1932 + 16);
	double want = 0.44 + (double)(a.priv_exits + a.tlb_misses + a.access_violations) * p.exit_ns * 1e-9;
	assert_true(fabs(a.seconds - want) < 1e-9);
	assert_true(fabs(a.value - a.seconds) < 1e-12);
	const struct kvmppc_scheme *dm = kvmppc_scheme_find("bt+pr+dm");
	assert_int_equal(power_run(&p, k, lame, dm, 1, NULL, NULL, NULL, &a, &e), 0);
	assert_int_equal(power_run(&p, k, lame, dm, 1, NULL, NULL, NULL, &b, &e), 0);
	assert_memory_equal(&a, &b, sizeof(a));
	assert_true(a.seconds == b.seconds);
	assert_int_equal(power_run(&p, k, lame, dm, 2, NULL, NULL, NULL, &b, &e), 0);
	assert_memory_not_equal(&a, &b, sizeof(a));
	check_rows(&b);
	/* A benchmark runs in the guest linux-boot booted: from one boot
	 * made apart, the same run as from its own; the boot's patches carry,
	 * so fewer PCs exit than from a fresh hypervisor. */
	struct power_boot boot;
	assert_int_equal(power_boot(&p, k, dm, 1, &boot, &e), 0);
	assert_int_equal(kvmppc_check(&boot.h, &e), 0);
	assert_true(boot.h.c.patches > 0);
	assert_int_equal(power_run(&p, k, lame, dm, 1, &boot, NULL, NULL, &b, &e), 0);
	assert_memory_equal(&a, &b, sizeof(a));
	power_boot_fini(&boot);
	p.booted = 0;
	assert_int_equal(power_run(&p, k, lame, dm, 1, NULL, NULL, NULL, &b, &e), 0);
	assert_true(b.priv_exits > a.priv_exits);
	assert_true(b.patches > a.patches);
	p.booted = 1;
	/* A derived workload reports in its unit: lmbench, ms an operation. */
	const struct lx_workload *sc = lx_workload_find("lmbench-syscall");
	p.events = 20000;
	assert_int_equal(power_run(&p, k, sc, kvmppc_scheme_find("trap"), 1, NULL, NULL, NULL, &a, &e), 0);
	assert_true(fabs(a.value - 0.020) < 0.0005);
	/* Its kernel runs as many loads and stores a privileged instruction
	 * as the bare-metal time between two allows: 0.2 us an operation over
	 * its 10 exits, against a boot's 6.5 s over 11.5 M; lame, whose user
	 * code takes the rest of its 7.3 us, a boot's whole 100. */
	double exits_op = (0.020 - 0.0002) * 1e-3 / (p.exit_ns * 1e-9);
	double want_data = p.lx.data_per_priv * (0.0002e-3 / exits_op) / (6.5 / 11509859.0);
	double got_data = (double)a.kernel_data / (double)a.privileged_instructions;
	assert_true(want_data > 3 && want_data < 4);
	assert_true(fabs(got_data / want_data - 1) < 0.02);
	assert_int_equal(power_run(&p, k, lame, kvmppc_scheme_find("trap"), 1, NULL, NULL, NULL, &b, &e), 0);
	assert_true(b.kernel_data == (uint64_t)llround(p.lx.data_per_priv) * b.privileged_instructions);
	/* The stolen space draws stolen_heat times its size's share of the
	 * kernel's .data/.bss accesses (half of them; 64 KiB of 1 MiB). */
	const struct kvmppc_scheme *pr = kvmppc_scheme_find("bt+pr");
	double share = p.lx.data_share * (double)p.hv.stolen / (double)p.lx.data;
	const double heats[] = {1, 0.125, 4, 0};
	p.booted = 0;
	for (unsigned i = 0; i < ARRAY_LEN(heats); i++) {
		p.hv.stolen_heat = heats[i];
		assert_int_equal(power_run(&p, k, lame, pr, 1, NULL, NULL, NULL, &a, &e), 0);
		double got = (double)a.stolen_data / (double)a.kernel_data;
		/* Each of lame's samples stands for a boot's 25 accesses: four
		 * standard errors of the samples expected there. */
		double samples = (double)a.kernel_data / (p.lx.data_per_priv / 4);
		double tol = 4 / sqrt(samples * heats[i] * share + 1);
		if (heats[i] == 0)
			assert_int_equal(a.stolen_data, 0);
		else
			assert_true(fabs(got / (heats[i] * share) - 1) < tol);
	}
	/* Without stolen space nothing lands there. */
	p.hv.stolen_heat = 4;
	assert_int_equal(power_run(&p, k, lame, kvmppc_scheme_find("pr+"), 1, NULL, NULL, NULL, &a, &e), 0);
	assert_int_equal(a.stolen_data, 0);
	assert_true(a.kernel_data > 0);
	/* stolen_gap moves the stolen space from the data's end towards its
	 * start; one that leaves the data is refused. */
	struct kvmppc h;
	p.hv.stolen_gap = p.lx.data - p.hv.stolen;
	assert_int_equal(kvmppc_init(&h, pr, &p.hv, k, &e), 0);
	assert_int_equal(h.stolen_at, p.lx.text);
	assert_int_equal(kvmppc_check(&h, &e), 0);
	kvmppc_fini(&h);
	p.hv.stolen_gap = 0;
	assert_int_equal(kvmppc_init(&h, pr, &p.hv, k, &e), 0);
	assert_int_equal(h.stolen_at, p.lx.text + p.lx.data - p.hv.stolen);
	kvmppc_fini(&h);
	p.hv.stolen_gap = p.lx.data - p.hv.stolen + 4096;
	assert_int_equal(kvmppc_init(&h, pr, &p.hv, k, &e), -1);
	assert_non_null(strstr(e.msg, "stolen_gap"));
	p.hv.stolen_gap = 4095;
	assert_int_equal(kvmppc_init(&h, pr, &p.hv, k, &e), -1);
	p.hv.stolen_gap = 0;
	p.hv.stolen_heat = 0.5;
	p.hv.stolen = p.lx.data;
	assert_int_equal(power_run(&p, k, lame, pr, 1, NULL, NULL, NULL, &a, &e), -1);
	assert_non_null(strstr(e.msg, "outside the stolen space"));
	p.hv.stolen = 65536;
	p.hv.stolen_heat = 17;
	assert_int_equal(power_run(&p, k, lame, pr, 1, NULL, NULL, NULL, &a, &e), -1);
	assert_non_null(strstr(e.msg, "stolen_heat"));
	p.hv.stolen_heat = 1;
	p.booted = 1;
	/* An impossible configuration is refused with a reason. */
	p.hv.guest_tlb1 = 15;
	assert_int_equal(power_run(&p, k, lame, dm, 1, NULL, NULL, NULL, &a, &e), -1);
	assert_non_null(strstr(e.msg, "no TLB1 entry"));
	lx_fini(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paper_split),
		cmocka_unit_test(test_random_splits),
		cmocka_unit_test(test_tlb),
		cmocka_unit_test(test_kernel),
		cmocka_unit_test(test_schemes_keep_invariants),
		cmocka_unit_test(test_mirroring),
		cmocka_unit_test(test_run),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
