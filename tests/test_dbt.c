/* SPDX-License-Identifier: MIT */
/*
 * test_dbt.c - the binary-translator model: QEMU's software TLB on crafted
 * sequences (hits, conflict misses, victim hits, rights, resizing), the
 * guest page-table formats against a reference map, BTMMU's shadow table
 * agreeing with the guest's after random map/unmap/mprotect/fork/exit
 * sequences (checked after every step), the direct scheme's refusals, and
 * the counters on a sequence whose outcome is known.
 */
#include "helpers.h"

#include "../src/dbt/dbt_internal.h"
#include "tpt/base/tcgloop.h"

static void test_softtlb_sequence(void **st)
{
	(void)st;
	struct softtlb t;
	struct tpt_err e;
	uint64_t pa;
	assert_int_equal(softtlb_init(&t, 8, 6, 12, false, 1000), 0);
	const uint64_t A = 0x400000, B = A + (256ULL << 12); /* same index, 256 entries */
	assert_false(softtlb_hit(&t, A, false, &pa));
	assert_false(softtlb_victim(&t, A, false, &pa));
	softtlb_fill(&t, A, 0x1000, true);
	assert_true(softtlb_hit(&t, A + 8, false, &pa));
	assert_int_equal(pa, 0x1000);
	assert_true(softtlb_hit(&t, A, true, &pa));
	/* B conflicts with A: A moves to the victim TLB. */
	assert_false(softtlb_hit(&t, B, false, &pa));
	softtlb_fill(&t, B, 0x2000, false);
	assert_false(softtlb_hit(&t, A, false, &pa));
	assert_true(softtlb_victim(&t, A, false, &pa)); /* swapped back in */
	assert_int_equal(pa, 0x1000);
	assert_true(softtlb_hit(&t, A, false, &pa));
	assert_false(softtlb_hit(&t, B, false, &pa));
	assert_true(softtlb_victim(&t, B, false, &pa));
	/* B is read-only: a store never matches it. */
	assert_false(softtlb_hit(&t, B, true, &pa));
	assert_false(softtlb_victim(&t, B, true, &pa));
	assert_int_equal(softtlb_check(&t, &e), 0);
	/* Nine more pages of that index: the victim TLB keeps the last 8 evicted. */
	for (uint64_t k = 2; k <= 10; k++)
		softtlb_fill(&t, A + (k * 256ULL << 12), 0x3000 + k * 4096, true);
	int victims = 0;
	for (uint64_t k = 0; k <= 10; k++) {
		uint64_t va = A + (k * 256ULL << 12), x;
		bool in_table = softtlb_hit(&t, va, false, &x);
		bool in_victim = false;
		for (int v = 0; v < STLB_VICTIMS; v++)
			in_victim |= t.v[v].addr_read == va;
		victims += in_victim;
		assert_false(in_table && in_victim);
	}
	assert_int_equal(victims, STLB_VICTIMS);
	assert_int_equal(softtlb_check(&t, &e), 0);
	/* INVLPG drops a page from the table and the victim TLB alike. */
	uint64_t last = A + (10 * 256ULL << 12);
	softtlb_flush_page(&t, last);
	assert_false(softtlb_hit(&t, last, false, &pa));
	assert_false(softtlb_victim(&t, last, false, &pa));
	assert_int_equal(softtlb_check(&t, &e), 0);
	softtlb_fini(&t);
}

static void test_softtlb_resize(void **st)
{
	(void)st;
	struct softtlb t;
	struct tpt_err e;
	assert_int_equal(softtlb_init(&t, 8, 6, 10, true, 1000), 0);
	for (uint64_t p = 0; p < 200; p++) /* 78 % of 256 */
		softtlb_fill(&t, p << 12, p << 12, true);
	softtlb_flush(&t, 10);
	assert_int_equal(t.bits, 9); /* doubled */
	assert_int_equal(softtlb_check(&t, &e), 0);
	for (uint64_t p = 0; p < 500; p++)
		softtlb_fill(&t, p << 12, p << 12, true);
	softtlb_flush(&t, 20);
	assert_int_equal(t.bits, 10);
	for (uint64_t p = 0; p < 1000; p++)
		softtlb_fill(&t, p << 12, p << 12, true);
	softtlb_flush(&t, 30);
	assert_int_equal(t.bits, 10); /* the ceiling */
	/* Light use within the window: no shrinking yet... */
	softtlb_fill(&t, 0, 0, true);
	softtlb_flush(&t, 500);
	assert_int_equal(t.bits, 10);
	/* ...after a whole window below 30 %: down to the floor (10 entries
	 * used: pow2ceil 16, at most 64 entries kept). */
	for (uint64_t p = 0; p < 10; p++)
		softtlb_fill(&t, p << 12, p << 12, true);
	softtlb_flush(&t, 5000);
	softtlb_flush(&t, 7000);
	assert_int_equal(t.bits, 6);
	assert_int_equal(t.resizes, 3);
	softtlb_fini(&t);
}

/* The guests' tables (IA32, PAE, x86-64) in the model's own frames: the
 * walk reads one entry per level, frames come back when tables go. */
static void test_table_formats(void **st)
{
	(void)st;
	struct hostmem hm;
	struct tpt_err e;
	assert_int_equal(hostmem_init(&hm, 1ULL << 30, &e), 0);
	const struct pt_format *fmts[] = {&pt_ia32, &pt_pae, &pt_x86_64_4};
	for (int f = 0; f < 3; f++) {
		struct dframes fr;
		struct pt r;
		assert_int_equal(dframes_init(&fr, &hm, 0, 1ULL << 30, &e), 0);
		assert_int_equal(pt_init_fmt(&r, NULL, &hm, NULL, fmts[f], 1ULL << 30, &dbt_table_ops, &fr), 0);
		enum { N = 512 };
		uint64_t ref[N] = {0}; /* page k of a spread-out set -> pa + 1, 0 unmapped */
		uint64_t x = 7 + (uint64_t)f;
		const struct pt_format *fm = fmts[f];
		unsigned vbits = fm->shift[fm->levels] + fm->bits[fm->levels];
		for (int step = 0; step < 4000; step++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			int k = (int)(x % N);
			uint64_t va = ((uint64_t)k * 0x9e3779b1ULL << 12) & ((1ULL << vbits) - 1) & ~0xfffULL;
			if (x & 0x100000) {
				uint64_t pa = ((x >> 20) % 4096) << 12;
				assert_int_equal(pt_map(&r, NULL, va, pa, PAGE_SHIFT, x & PTE_W), 0);
				ref[k] = pa + 1 + (x & PTE_W ? 1ULL << 40 : 0);
			} else {
				assert_int_equal(pt_unmap(&r, NULL, va) == 0, ref[k] != 0);
				ref[k] = 0;
			}
			uint64_t refs[PT_MAX_LEVELS], pa, fl;
			int n;
			int rc = table_walk(&r, va, refs, &n, &pa, &fl);
			assert_int_equal(rc == 0, ref[k] != 0);
			if (!rc) {
				assert_int_equal(n, r.levels); /* one entry read per level */
				assert_int_equal(pa + 1 + (fl ? 1ULL << 40 : 0), ref[k]);
			}
			if (step % 256 == 0)
				assert_int_equal(pt_check(&r, &e), 0);
		}
		uint64_t mapped = 0;
		for (int k = 0; k < N; k++)
			mapped += ref[k] != 0;
		assert_int_equal(r.pages, mapped);
		assert_int_equal(pt_check(&r, &e), 0);
		pt_destroy(&r, NULL);
		assert_int_equal(fr.f.used, 0);
		dframes_fini(&fr);
	}
	hostmem_fini(&hm);
}

static struct workload sizing(void)
{
	struct workload w;
	struct tpt_err e;
	assert_int_equal(workload_open(&w, "gups:size=64M,updates=1", 1, &e), 0);
	return w;
}

#define EVA(t, p, v, a, s) ((struct event){.type = (t), .pid = (p), .va = (v), .arg = (a), .size = (s), .instrs = 3})

/* Random OS events and accesses on three processes; every structure checked
 * after every step, under every scheme that runs. */
static void test_shadow_agrees(void **st)
{
	(void)st;
	struct tpt_config cfg;
	config_defaults(&cfg);
	cfg.host_page = 4096; /* so that direct runs too (ia32) */
	for (int s = 0; s < DBT_N; s++)
		for (int g = 0; g < GUEST_N; g++) {
			struct workload w = sizing();
			struct tpt_err e;
			struct dbt *d = malloc(sizeof(*d));
			assert_non_null(d);
			if (dbt_init(d, &w, &cfg, (enum dbt_scheme)s, (enum dbt_guest)g, &e)) {
				assert_int_equal(s, DBT_DIRECT); /* only direct refuses (x86_64's VA) */
				free(d);
				workload_close(&w);
				continue;
			}
			uint64_t base = WL_BASE_VA, x = 99 + (uint64_t)(s * 3 + g);
			for (int p = 0; p < 3; p++) {
				assert_int_equal(dbt_step(d, &EVA(EV_EXEC, p, 0, 0, 0), &e), 0);
				assert_int_equal(dbt_step(d, &EVA(EV_MMAP, p, base, 16ULL << 20, WL_MAP_W), &e), 0);
			}
			for (int step = 0; step < 3000; step++) {
				x ^= x << 13, x ^= x >> 7, x ^= x << 17;
				int pid = (int)(x % 3);
				uint64_t va = base + ((x >> 8) % 4096) * 4096;
				struct event ev;
				switch ((x >> 40) % 16) {
				case 0:
					ev = EVA(EV_MUNMAP, pid, va, 4096 * (1 + (x >> 50) % 40), 0);
					break;
				case 1:
					ev = EVA(EV_MPROTECT, pid, va, 4096 * 4, (x >> 50) & 1 ? WL_MAP_W : 0);
					break;
				case 2:
					ev = EVA(EV_FORK, pid, 0, 3 + (x >> 50) % 4, 0);
					break;
				case 3:
					ev = EVA(EV_EXIT, 3 + (x >> 50) % 4, 0, 0, 0);
					break;
				default:
					ev = EVA((x >> 45) & 1 ? EV_WRITE : EV_READ, pid, va + (x & 0xff8), 0, 8);
				}
				assert_int_equal(dbt_step(d, &ev, &e), 0);
				if (dbt_check(d, &e))
					fail_msg("%s/%s step %d: %s", dbt_scheme_name[s], dbt_guest_name[g], step, e.msg);
			}
			struct dbt_stats a;
			dbt_finish(d, &a);
			assert_true(a.guest_accesses > 2000);
			if (s != DBT_SOFTMMU)
				assert_true(a.shadow_fills > 0 && a.shadow_invalidations > 0);
			dbt_fini(d);
			free(d);
			workload_close(&w);
		}
}

/* N pages touched once each, then each again: every count is known. */
static void test_counters(void **st)
{
	(void)st;
	struct tpt_config cfg;
	config_defaults(&cfg);
	enum { N = 100 };
	for (int s = DBT_SOFTMMU; s <= DBT_BTMMU; s++) {
		struct workload w = sizing();
		struct tpt_err e;
		struct dbt *d = malloc(sizeof(*d));
		assert_int_equal(dbt_init(d, &w, &cfg, (enum dbt_scheme)s, GUEST_X86_64, &e), 0);
		assert_int_equal(dbt_step(d, &EVA(EV_EXEC, 0, 0, 0, 0), &e), 0);
		assert_int_equal(dbt_step(d, &EVA(EV_MMAP, 0, WL_BASE_VA, N * 4096, WL_MAP_W), &e), 0);
		for (int round = 0; round < 2; round++)
			for (uint64_t k = 0; k < N; k++)
				assert_int_equal(dbt_step(d, &EVA(EV_READ, 0, WL_BASE_VA + k * 4096, 0, 8), &e), 0);
		struct dbt_stats a;
		dbt_finish(d, &a);
		assert_int_equal(a.guest_accesses, 2 * N);
		assert_int_equal(a.guest_faults, N);
		if (s == DBT_SOFTMMU) {
			assert_int_equal(a.stlb_misses, N); /* 100 pages fit 256 entries */
			assert_int_equal(a.stlb_hits, N);
			assert_int_equal(a.walks, 2 * N); /* fails, the guest maps, walks again */
			/* Successful walks read 4 entries; the failing ones too, but for
			 * the very first, which stops at the empty top level. */
			assert_int_equal(a.walk_refs, N * 4 + (N - 1) * 4 + 1);
			assert_int_equal(a.exceptions, N);
		} else {
			assert_int_equal(a.shadow_fills, N);
			assert_int_equal(a.exceptions, 2 * N); /* the MMU exception and the guest fault */
			/* 64 pair entries hold 128 pages: the second round hits */
			assert_int_equal(a.host_tlb_misses, N);
			assert_int_equal(a.stlb_hits + a.stlb_misses, 0);
		}
		assert_true(a.cycles >= (double)a.host_instructions * cfg.dbt_cpi);
		dbt_fini(d);
		free(d);
		workload_close(&w);
	}
}

/* Two processes taking turns: every switch is counted, and under the
 * SoftMMU flushes the software TLB (a CR3 write without PCIDs); pages
 * 256 apart conflict in its table and come back from the victim TLB. */
static void test_switches_and_victims(void **st)
{
	(void)st;
	struct tpt_config cfg;
	config_defaults(&cfg);
	cfg.stlb_dynamic = 0;
	struct workload w = sizing();
	struct tpt_err e;
	struct dbt *d = malloc(sizeof(*d));
	assert_int_equal(dbt_init(d, &w, &cfg, DBT_SOFTMMU, GUEST_PAE, &e), 0);
	for (int p = 0; p < 2; p++) {
		assert_int_equal(dbt_step(d, &EVA(EV_EXEC, p, 0, 0, 0), &e), 0);
		assert_int_equal(dbt_step(d, &EVA(EV_MMAP, p, WL_BASE_VA, 8ULL << 20, WL_MAP_W), &e), 0);
	}
	struct dbt_stats a;
	dbt_finish(d, &a);
	uint64_t sw0 = a.context_switches, fl0 = a.stlb_flushes;
	for (int i = 0; i < 10; i++)
		assert_int_equal(dbt_step(d, &EVA(EV_READ, i % 2, WL_BASE_VA, 0, 8), &e), 0);
	dbt_finish(d, &a);
	assert_int_equal(a.context_switches - sw0, 10);
	assert_int_equal(a.stlb_flushes - fl0, 10);
	/* Process 1 alone: A, B (same index), A again: the victim TLB answers. */
	const uint64_t A = WL_BASE_VA, B = WL_BASE_VA + (256ULL << 12);
	uint64_t v0 = a.victim_hits;
	assert_int_equal(dbt_step(d, &EVA(EV_READ, 1, A, 0, 8), &e), 0);
	assert_int_equal(dbt_step(d, &EVA(EV_READ, 1, B, 0, 8), &e), 0);
	assert_int_equal(dbt_step(d, &EVA(EV_READ, 1, A, 0, 8), &e), 0);
	assert_int_equal(dbt_step(d, &EVA(EV_READ, 1, B, 0, 8), &e), 0);
	dbt_finish(d, &a);
	assert_int_equal(a.victim_hits - v0, 2);
	/* Walks: each of the 10 turns misses (the switch flushed), the first
	 * turn of each process faults and walks twice: 12; B faults: 2. */
	assert_int_equal(a.walks, 14);
	assert_true(a.mem_stall_cycles > 0);
	assert_true(a.guest_instructions >= a.guest_accesses);
	assert_int_equal(dbt_check(d, &e), 0);
	dbt_fini(d);
	free(d);
	workload_close(&w);
}

static void test_direct_refusals(void **st)
{
	(void)st;
	struct tpt_config cfg;
	struct tpt_err e;
	config_defaults(&cfg);
	struct workload w = sizing();
	assert_int_equal(dbt_supported(DBT_SOFTMMU, GUEST_X86_64, &cfg, &w, &e), 0);
	assert_int_equal(dbt_supported(DBT_BTMMU, GUEST_X86_64, &cfg, &w, &e), 0);
	assert_int_not_equal(dbt_supported(DBT_DIRECT, GUEST_IA32, &cfg, &w, &e), 0);
	assert_non_null(strstr(e.msg, "16 KiB pages"));
	cfg.host_page = 4096;
	assert_int_equal(dbt_supported(DBT_DIRECT, GUEST_IA32, &cfg, &w, &e), 0);
	assert_int_not_equal(dbt_supported(DBT_DIRECT, GUEST_X86_64, &cfg, &w, &e), 0);
	assert_non_null(strstr(e.msg, "does not fit the host's 40-bit user space"));
	cfg.host_user_va_bits = 48;
	assert_int_equal(dbt_supported(DBT_DIRECT, GUEST_X86_64, &cfg, &w, &e), 0);
	workload_close(&w);
}

/* The TCG probe's loops (tcgloop.h) counted from their EV_MARK: the warm
 * round's faults and accesses are not in the counters, the measured
 * rounds' instructions and accesses are, each loop's own per iteration
 * (gups in an x86-64 guest, as the probe runs it). */
static void test_warmup_and_tcgloop(void **st)
{
	(void)st;
	struct tpt_config cfg;
	config_defaults(&cfg);
	static const struct {
		const char *spec;
		uint64_t accesses, instrs;
	} c[] = {
		{"tcgloop:loop=chase,size=64K,iters=1024,rounds=3", 3 * 1024, 3 * 1024 * TCG_CHASE_INSTRS},
		{"tcgloop:loop=rmw,size=64K,iters=5000,rounds=2", 2 * 2 * 5000, 2 * 5000 * TCG_RMW_INSTRS},
		{"tcgloop:loop=seq,size=64K,rounds=1", 2 * 16384, 16384 * TCG_SEQ_INSTRS},
		{"tcgloop:loop=gups,size=64K,iters=1280,rounds=2", 2 * 4 * 1280, 2 * 1280 * TCG_GUPS_INSTRS},
	};
	for (size_t i = 0; i < ARRAY_LEN(c); i++) {
		struct workload w;
		struct tpt_err e;
		struct dbt_stats a;
		assert_int_equal(workload_open(&w, c[i].spec, 1, &e), 0);
		enum dbt_guest g = strstr(c[i].spec, "gups") ? GUEST_X86_64 : GUEST_IA32;
		assert_int_equal(dbt_run(&w, &cfg, DBT_SOFTMMU, g, false, &a, &e), 0);
		workload_close(&w);
		assert_int_equal(a.guest_accesses, c[i].accesses);
		assert_int_equal(a.guest_instructions, c[i].instrs);
		/* The warm round touched each of the 16 pages (and gups's
		 * streams' page): no fault and no walk is left for the measured
		 * rounds. gups's streams (page 0xf00) share index 0 of the
		 * 256-entry table with the table's first page, as in QEMU: those
		 * misses, and only those, the victim TLB answers. */
		assert_int_equal(a.guest_faults, 0);
		assert_int_equal(a.walks, 0);
		assert_int_equal(a.stlb_misses, a.victim_hits);
		if (g == GUEST_IA32)
			assert_int_equal(a.stlb_misses, 0);
		else
			assert_true(a.stlb_misses > 0);
		assert_int_equal(a.context_switches, 0);
	}
}

/* The guest kernel's flushes: munmap of more than 33 pages reloads CR3
 * (one flush, the table emptied), of fewer drops each page; fork flushes
 * the parent. Flushes after filling the table grow it past QEMU's old
 * 4096 entries, up to 2^20 for an ia32 guest (stlb_max_bits 0). */
static void test_guest_flushes(void **st)
{
	(void)st;
	struct tpt_config cfg;
	config_defaults(&cfg);
	struct workload w;
	struct tpt_err e;
	assert_int_equal(workload_open(&w, "gups:size=2G,updates=1", 1, &e), 0);
	struct dbt *d = malloc(sizeof(*d));
	assert_int_equal(dbt_init(d, &w, &cfg, DBT_SOFTMMU, GUEST_IA32, &e), 0);
	assert_int_equal(d->stlb.max_bits, 20);
	const uint64_t B = WL_BASE_VA;
	assert_int_equal(dbt_step(d, &EVA(EV_EXEC, 1, 0, 0, 0), &e), 0);
	assert_int_equal(dbt_step(d, &EVA(EV_MMAP, 1, B, 2ULL << 30, WL_MAP_W), &e), 0);
	struct dbt_stats a;
	for (uint64_t k = 0; k < 100; k++)
		assert_int_equal(dbt_step(d, &EVA(EV_READ, 1, B + k * 4096, 0, 8), &e), 0);
	dbt_finish(d, &a);
	uint64_t fl = a.stlb_flushes;
	assert_int_equal(dbt_step(d, &EVA(EV_MUNMAP, 1, B, 10 * 4096, 0), &e), 0);
	dbt_finish(d, &a);
	assert_int_equal(a.stlb_flushes, fl);
	assert_int_equal(d->stlb.n_used, 90);
	assert_int_equal(dbt_step(d, &EVA(EV_MUNMAP, 1, B + 10 * 4096, 40 * 4096, 0), &e), 0);
	dbt_finish(d, &a);
	assert_int_equal(a.stlb_flushes, fl + 1);
	assert_int_equal(d->stlb.n_used, 0);
	assert_int_equal(dbt_check(d, &e), 0);
	assert_int_equal(dbt_step(d, &EVA(EV_READ, 1, B + 60 * 4096, 0, 8), &e), 0);
	assert_int_equal(dbt_step(d, &EVA(EV_FORK, 1, 0, 2, 0), &e), 0);
	dbt_finish(d, &a);
	assert_int_equal(a.stlb_flushes, fl + 2);
	/* Fill three quarters of the table and munmap past the ceiling: doubled each time. */
	for (uint64_t round = 0; round < 12; round++) {
		uint32_t n = (1U << d->stlb.bits) / 4 * 3 + 1;
		for (uint32_t k = 0; k < n; k++)
			assert_int_equal(dbt_step(d, &EVA(EV_WRITE, 1, B + (uint64_t)k * 4096, 0, 8), &e), 0);
		assert_int_equal(dbt_step(d, &EVA(EV_MPROTECT, 1, B, 64 * 4096, WL_MAP_W), &e), 0);
	}
	assert_int_equal(d->stlb.bits, 20);
	assert_int_equal(dbt_check(d, &e), 0);
	dbt_fini(d);
	free(d);
	workload_close(&w);
}

/* Same workload, same seed: the same numbers, run after run. */
static void test_deterministic(void **st)
{
	(void)st;
	struct tpt_config cfg;
	config_defaults(&cfg);
	struct dbt_stats a[2];
	for (int i = 0; i < 2; i++) {
		struct workload w;
		struct tpt_err e;
		assert_int_equal(workload_open(&w, "kcbench:jobs=2,tasks=6,cc1=2M", 3, &e), 0);
		assert_int_equal(dbt_run(&w, &cfg, DBT_BTMMU, GUEST_IA32, false, &a[i], &e), 0);
		workload_close(&w);
	}
	assert_memory_equal(&a[0], &a[1], sizeof(a[0]));
	assert_true(a[0].context_switches > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_softtlb_sequence), cmocka_unit_test(test_softtlb_resize),
		cmocka_unit_test(test_table_formats),    cmocka_unit_test(test_shadow_agrees),
		cmocka_unit_test(test_counters),         cmocka_unit_test(test_switches_and_victims),
		cmocka_unit_test(test_direct_refusals),
		cmocka_unit_test(test_deterministic),    cmocka_unit_test(test_warmup_and_tcgloop),
		cmocka_unit_test(test_guest_flushes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
