/* SPDX-License-Identifier: MIT */
/*
 * test_probe.c - tpt probe's parts: the loops (loops.S) against C versions
 * of themselves, the guest image (descriptor tables, page tables, register
 * state) built and walked without KVM, the statistics on synthetic
 * samples, the dependent chain, and, where /dev/kvm is usable, the VMM
 * running the same loops in a real guest (a guest that faults and one that
 * hangs are stopped and reported).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tpt/base/config.h"
#include "tpt/calib/calib.h"
#include "tpt/probe/cpuid.h"
#include "tpt/probe/loops.h"
#include "tpt/probe/probe.h"
#include "tpt/probe/vmm.h"
#include "tpt/sim/report.h"

/* HPCC's update loop in C: what probe_gups must do. */
static void gups_ref(uint64_t *table, uint64_t mask, uint64_t rounds, uint64_t *ran)
{
	for (uint64_t i = 0; i < rounds; i++)
		for (int j = 0; j < 128; j++) {
			ran[j] = (ran[j] << 1) ^ ((int64_t)ran[j] < 0 ? 7 : 0);
			table[ran[j] & mask] ^= ran[j];
		}
}

static void test_loops_native(void **state)
{
	(void)state;
	enum { WORDS = 4096 };
	uint64_t *a = malloc(WORDS * 8), *b = malloc(WORDS * 8), ra[128], rb[128];
	for (uint64_t i = 0; i < WORDS; i++)
		a[i] = b[i] = i * 0x9e3779b97f4a7c15ULL;
	for (int j = 0; j < 128; j++)
		ra[j] = rb[j] = (uint64_t)j * 0x12345 + 1 + ((uint64_t)(j & 1) << 63);
	probe_gups(a, WORDS - 1, 50, ra);
	gups_ref(b, WORDS - 1, 50, rb);
	assert_memory_equal(a, b, WORDS * 8);
	assert_memory_equal(ra, rb, sizeof(ra));
	probe_gups(a, WORDS - 1, 0, ra); /* no rounds: nothing */
	assert_memory_equal(a, b, WORDS * 8);

	/* A chase of three words in a ring ends where the count says. */
	uint64_t ring[3] = {(uint64_t)(uintptr_t)&ring[1], (uint64_t)(uintptr_t)&ring[2],
			    (uint64_t)(uintptr_t)&ring[0]};
	assert_int_equal(probe_chase(ring, 0), (uint64_t)(uintptr_t)ring);
	assert_int_equal(probe_chase(ring, 4), (uint64_t)(uintptr_t)&ring[1]);

	uint8_t *m = calloc(1, 64 * 1024);
	probe_touch(m + 7, 16, 4096);
	for (int i = 0; i < 64 * 1024; i++)
		assert_int_equal(m[i], (i % 4096 == 7) ? 1 : 0);
	assert_int_equal(probe_adds(3), 192);
	assert_int_equal(probe_adds(0), 0);

	/* Table writes: 1,000 flips over 512 entries; mask 0 flips entry 0 only. */
	uint64_t *ptes = calloc(512, 8);
	uint8_t *va = calloc(512, 4096);
	probe_ptwrite(ptes, va, 1000, 0x200000, 511);
	for (int i = 0; i < 512; i++)
		assert_int_equal(ptes[i], i < 1000 - 512 ? 0 : 0x200000);
	memset(ptes, 0, 512 * 8);
	probe_ptwrite(ptes, va, 3, 0x1000, 0);
	assert_int_equal(ptes[0], 0x1000);
	assert_int_equal(ptes[1], 0);
	free(a), free(b), free(m), free(ptes), free(va);
}

static void test_sample(void **state)
{
	(void)state;
	const double odd[] = {5, 1, 3}, even[] = {4, 1, 3, 2}, zero[] = {0, 2};
	assert_true(sample_median(odd, 3) == 3);
	assert_true(sample_median(even, 4) == 2.5);
	assert_true(sample_median(odd, 0) == 0);
	assert_true(sample_spread(odd, 3) == 5);
	assert_true(sample_spread(odd, 1) == 1);
	assert_true(sample_spread(zero, 2) == 0);
	/* The median takes no sample's order from its input. */
	double v[] = {9, 8, 7};
	assert_true(sample_median(v, 3) == 8 && v[0] == 9);
	/* Noise: the 4th of five over the 2nd, which one wild round leaves be;
	 * of two or three, the largest over the smallest. */
	const double five[] = {10, 50, 11, 12, 10.5};
	assert_true(fabs(sample_noise(five, 5) - 12 / 10.5) < 1e-12);
	assert_true(sample_spread(five, 5) == 5);
	assert_true(sample_noise(odd, 3) == 5);
	assert_true(sample_noise(odd, 1) == 1);
	assert_true(sample_noise(zero, 2) == 0);
	assert_true(sample_noise(odd, 0) == 0);
	assert_true(sample_noise(v, 3) == 9.0 / 7 && v[0] == 9);
}

static void test_chain(void **state)
{
	(void)state;
	enum { LINES = 1024 };
	uint8_t *m = calloc(LINES, 64);
	struct tpt_err e;
	const uint64_t base = 0x40000000;
	assert_int_equal(probe_chain_build(m, LINES * 64, base, 7, &e), 0);
	/* One cycle through every line: from line 0, each once, then back. */
	char *seen = calloc(LINES, 1);
	uint64_t at = base;
	for (int i = 0; i < LINES; i++) {
		uint64_t line = (at - base) / 64;
		assert_true(at % 64 == 0 && line < LINES);
		assert_false(seen[line]);
		seen[line] = 1;
		memcpy(&at, m + line * 64, 8);
	}
	assert_int_equal(at, base);
	free(seen);
	free(m);
}

/* The page chase: one line in each of the pages picked, the first page's
 * first line among them, each line once a cycle, no two on a page. */
static void test_pages_chain(void **state)
{
	(void)state;
	enum { ALL = 256, PAGES = 100 };
	uint8_t *m = calloc(ALL, PAGE_SIZE);
	struct tpt_err e;
	const uint64_t base = 0x40000000;
	assert_int_equal(probe_pages_build(m, ALL * PAGE_SIZE, base, PAGES, 7, &e), 0);
	char seen[ALL] = {0};
	uint64_t at = base;
	for (int i = 0; i < PAGES; i++) {
		uint64_t o = at - base;
		assert_true(o % 64 == 0 && o < ALL * PAGE_SIZE);
		assert_false(seen[o / PAGE_SIZE]);
		seen[o / PAGE_SIZE] = 1;
		memcpy(&at, m + o, 8);
	}
	assert_int_equal(at, base);
	assert_int_equal(probe_pages_build(m, ALL * PAGE_SIZE, base, ALL + 1, 7, &e), -1);
	assert_non_null(strstr(e.msg, "cannot make a page chase"));
	free(m);
}

/* Decodes c into fresh arrays, the L1D preset to pre bytes ("sysfs"). */
static void decode(const struct cpuid_caches *c, uint64_t pre, uint64_t size[3], unsigned ways[3],
		   char src[3][CPUID_WHY])
{
	memset(size, 0, 3 * sizeof(*size));
	memset(ways, 0, 3 * sizeof(*ways));
	memset(src, 0, 3 * CPUID_WHY);
	if (pre) {
		size[0] = pre;
		ways[0] = 8;
		strcpy(src[0], "sysfs");
	}
	cpuid_caches_decode(c, size, ways, src);
}

static void test_cpuid_caches(void **state)
{
	(void)state;
	uint64_t size[3];
	unsigned ways[3];
	char src[3][CPUID_WHY];

	/* Recorded on 2026-12-07 on an AMD EPYC (family 1Ah) in a Firecracker
	 * guest, whose kernel has no cache information in sysfs: no leaf 4
	 * caches, no 0x8000001D (TopologyExtensions clear), and the older
	 * descriptors. The L2's code 6 is "8 to 15 ways": of those, only 8
	 * makes 1 MiB a power-of-two number of sets. The L3's code 9 defers to
	 * 0x8000001D, so its size alone does not describe it. */
	struct cpuid_caches amd = {
		.has_ext5 = true, .ext5 = {0xff60ff40, 0xff60ff40, 0x300c0140, 0x20080140},
		.has_ext6 = true, .ext6 = {0x40802040, 0x60804040, 0x04006140, 0x0fe09140},
	};
	decode(&amd, 0, size, ways, src);
	assert_int_equal(size[0], 48 * KiB);
	assert_int_equal(ways[0], 12);
	assert_string_equal(src[0], "CPUID 0x80000005");
	assert_int_equal(size[1], MiB);
	assert_int_equal(ways[1], 8);
	assert_non_null(strstr(src[1], "8 to 15 ways; 8 alone"));
	assert_int_equal(size[2], 0);
	assert_int_equal(ways[2], 0);
	assert_non_null(strstr(src[2], "defers its associativity"));

	/* What sysfs gave stays. */
	decode(&amd, 32 * KiB, size, ways, src);
	assert_int_equal(size[0], 32 * KiB);
	assert_int_equal(ways[0], 8);
	assert_string_equal(src[0], "sysfs");
	assert_int_equal(size[1], MiB);

	/* Deterministic leaves, laid out as Intel's SDM gives leaf 4 (AMD's
	 * 0x8000001D is the same): an L1D of 48 KiB, 12 ways and 64 sets; an
	 * instruction cache, which is skipped; a unified L2 of 2 MiB, 16 ways;
	 * a unified L3 of 32 MiB, 16 ways. They win over the descriptors. */
	struct cpuid_caches det = amd;
	det.n4 = 4;
	det.leaf4[0] = (struct cpuid_regs){0x21, 11u << 22 | 63, 63, 0};
	det.leaf4[1] = (struct cpuid_regs){0x22, 7u << 22 | 63, 63, 0};
	det.leaf4[2] = (struct cpuid_regs){0x43, 15u << 22 | 63, 2047, 0};
	det.leaf4[3] = (struct cpuid_regs){0x63, 15u << 22 | 63, 32767, 0};
	decode(&det, 0, size, ways, src);
	assert_int_equal(size[0], 48 * KiB);
	assert_int_equal(ways[0], 12);
	assert_int_equal(size[1], 2 * MiB);
	assert_int_equal(ways[1], 16);
	assert_int_equal(size[2], 32 * MiB);
	assert_int_equal(ways[2], 16);
	for (int l = 0; l < 3; l++)
		assert_string_equal(src[l], "CPUID leaf 4");
	/* The same in 0x8000001D; a fully associative level (EAX[9]) has as
	 * many ways as lines. */
	struct cpuid_caches ext = {.n1d = 1};
	ext.ext1d[0] = (struct cpuid_regs){0x21 | 1u << 9, 0u << 22 | 63, 63, 0};
	decode(&ext, 0, size, ways, src);
	assert_int_equal(size[0], 4 * KiB);
	assert_int_equal(ways[0], 64);
	assert_string_equal(src[0], "CPUID 0x8000001D");

	/* The descriptors' other codes: a fully associative L1D (0xff) and L2
	 * (0xf); an exact count (2 ways); 16 to 31 ways over 512 KiB (16); 8
	 * to 15 over 1.5 MiB (12); none of 8 to 15 over 1000 KiB; a disabled
	 * L3 (code 0), which nothing names. */
	struct cpuid_caches d = {.has_ext5 = true, .has_ext6 = true};
	d.ext5.c = 16u << 24 | 0xffu << 16;
	d.ext6.c = 256u << 16 | 0xfu << 12;
	decode(&d, 0, size, ways, src);
	assert_int_equal(ways[0], 256);
	assert_int_equal(ways[1], 4096);
	assert_string_equal(src[1], "CPUID 0x80000006");
	assert_int_equal(size[2], 0);
	assert_string_equal(src[2], "");
	const struct {
		uint32_t kib, code;
		unsigned ways;
	} l2[] = {{256, 2, 2}, {512, 8, 16}, {1536, 6, 12}, {1000, 6, 0}};
	for (size_t i = 0; i < ARRAY_LEN(l2); i++) {
		d.ext6.c = l2[i].kib << 16 | l2[i].code << 12;
		decode(&d, 0, size, ways, src);
		assert_int_equal(ways[1], l2[i].ways);
		assert_int_equal(size[1], l2[i].ways ? (uint64_t)l2[i].kib * KiB : 0);
	}
	assert_non_null(strstr(src[1], "8 to 15 ways, of which 0 give"));

	/* This CPU's own: every level it names has a size, ways, and a power
	 * of two of sets where CPUID chose the ways from a range. */
	struct cpuid_caches self;
	cpuid_caches_read(&self);
	decode(&self, 0, size, ways, src);
	for (int l = 0; l < 3; l++)
		if (size[l]) {
			assert_true(ways[l] > 0 && size[l] % 64 == 0);
			assert_true(strncmp(src[l], "CPUID ", 6) == 0);
			if (strstr(src[l], " alone "))
				assert_true(tpt_is_pow2(size[l] / 64 / ways[l]));
		}
}

/* The guest's page tables walked as a CPU would: present, user, writable
 * on every level, mapping va to pa with a leaf of shift. */
static void assert_mapped(const struct guest_image *g, uint64_t va, uint64_t pa, unsigned shift)
{
	uint64_t got, pte;
	unsigned s;
	struct pt_path path;
	assert_int_equal(pt_lookup(&g->pt, va, &got, &s, &pte, &path), 0);
	assert_int_equal(got, pa);
	assert_int_equal(s, shift);
	for (int i = 0; i < path.n; i++) {
		uint64_t e;
		memcpy(&e, g->mem + path.entry[i], 8);
		assert_true((e & (PTE_P | PTE_U | PTE_W)) == (PTE_P | PTE_U | PTE_W));
	}
}

static void check_image(unsigned shift)
{
	const uint64_t size = 8 * MiB;
	uint64_t mem_size = guest_mem_size(size);
	uint8_t *mem = calloc(1, mem_size);
	struct guest_image g;
	struct tpt_err e;
	assert_int_equal(guest_build(&g, mem, mem_size, size, shift, &e), 0);
	assert_true(g.buffer % (2 * MiB) == 0 && g.buffer + size <= mem_size);
	assert_true(g.scratch % (4 * MiB) == 0 && g.scratch + 4 * MiB <= g.buffer);
	uint64_t pa, pte;
	unsigned s;
	assert_int_equal(pt_lookup(&g.pt, 0, &pa, &s, &pte, NULL), TPT_ENOENT); /* page 0: unmapped */
	uint64_t low[] = {GUEST_GDT, GUEST_TSS, GUEST_CODE, GUEST_RAN, GUEST_STACK_TOP - 8, GUEST_TABLES};
	for (size_t i = 0; i < sizeof(low) / sizeof(low[0]); i++)
		assert_mapped(&g, low[i], low[i], 12);
	assert_mapped(&g, g.scratch, g.scratch, 12);
	assert_int_equal(pt_lookup(&g.pt, g.scratch + 2 * MiB, &pa, &s, &pte, NULL), TPT_ENOENT);
	for (uint64_t a = g.buffer; a < g.buffer + size; a += 1ULL << shift)
		assert_mapped(&g, a + 8, a + 8, shift);
	/* The doorbell: mapped, to guest-physical memory that does not exist. */
	assert_mapped(&g, GUEST_DOORBELL, g.doorbell_gpa, 12);
	assert_true(g.doorbell_gpa >= mem_size);
	/* The directory entry the pd-write loop flips points at the scratch
	 * table, whose copy maps the same. */
	uint64_t pde;
	memcpy(&pde, mem + g.scratch_pde, 8);
	assert_int_equal(pde & PTE_ADDR, g.scratch_pt);
	assert_memory_equal(mem + g.scratch_pt, mem + g.scratch_pt2, PAGE_SIZE);
	assert_memory_equal(mem + g.root, mem + g.root2, PAGE_SIZE);
	assert_memory_equal(mem + GUEST_CODE, probe_loops_begin, g.code_size);
	assert_int_equal(guest_fn(&g, probe_gups), GUEST_CODE + (uint64_t)((const uint8_t *)probe_gups - probe_loops_begin));
	/* GDT: user code is 64-bit, DPL 3, present; the TSS descriptor's base. */
	uint64_t ucode, tss;
	memcpy(&ucode, mem + GUEST_GDT + (GUEST_SEL_CODE & ~7), 8);
	assert_int_equal((ucode >> 45) & 3, 3); /* DPL */
	assert_true(ucode & (1ULL << 47));      /* present */
	assert_true(ucode & (1ULL << 53));      /* L */
	memcpy(&tss, mem + GUEST_GDT + GUEST_SEL_TSS, 8);
	assert_int_equal(((tss >> 16) & 0xffffff) | ((tss >> 56) << 24), GUEST_TSS);
	struct kvm_sregs sr;
	memset(&sr, 0, sizeof(sr));
	guest_sregs(&g, &sr);
	assert_int_equal(sr.cs.dpl, 3);
	assert_int_equal(sr.cs.l, 1);
	assert_int_equal(sr.cs.selector & 3, 3);
	assert_int_equal(sr.ss.dpl, 3);
	assert_int_equal(sr.ss.selector & 3, 3);
	assert_true((sr.cr0 & 0x80000001ULL) == 0x80000001ULL); /* PG, PE */
	assert_true(sr.cr4 & 0x20);                          /* PAE */
	assert_true((sr.efer & 0x500) == 0x500);             /* LME, LMA */
	assert_int_equal(sr.cr3, g.root);
	assert_int_equal(sr.tr.base, GUEST_TSS);
	assert_int_equal(guest_check(&g, &e), 0);
	/* The checker sees what breaks: a flipped directory entry is fine, a
	 * stray one is not; overwritten code is named. */
	uint64_t flip = g.scratch_pt ^ g.scratch_pt2, keep;
	memcpy(&keep, mem + g.scratch_pde, 8);
	uint64_t bad = keep ^ flip;
	memcpy(mem + g.scratch_pde, &bad, 8);
	assert_int_equal(guest_check(&g, &e), 0);
	bad = keep ^ 0x1000000;
	memcpy(mem + g.scratch_pde, &bad, 8);
	assert_int_equal(guest_check(&g, &e), -1);
	memcpy(mem + g.scratch_pde, &keep, 8);
	mem[GUEST_CODE] ^= 0xff;
	assert_int_equal(guest_check(&g, &e), -1);
	assert_non_null(strstr(e.msg, "code"));
	mem[GUEST_CODE] ^= 0xff;
	assert_int_equal(guest_check(&g, &e), 0);
	guest_destroy(&g);
	free(mem);
}

static void test_guest_image(void **state)
{
	(void)state;
	check_image(12);
	check_image(21);
	/* What it refuses. */
	struct guest_image g;
	struct tpt_err e;
	uint8_t *mem = calloc(1, guest_mem_size(8 * MiB));
	assert_int_equal(guest_build(&g, mem, guest_mem_size(8 * MiB), 8 * MiB, 30, &e), -1);
	assert_int_equal(guest_build(&g, mem, guest_mem_size(8 * MiB), 8 * MiB + 4096, 21, &e), -1);
	assert_int_equal(guest_build(&g, mem, 4 * MiB, 8 * MiB, 12, &e), -1);
	assert_non_null(strstr(e.msg, "needed"));
	free(mem);
}

/* The same loops in a real guest, where /dev/kvm can be used. */
static void test_vm(void **state)
{
	(void)state;
	char why[200];
	vmm_available(why, sizeof(why));
	if (why[0]) {
		print_message("skipped: %s\n", why);
		skip();
	}
	struct vmm v;
	struct tpt_err e;
	const uint64_t size = 4 * MiB;
	assert_int_equal(vmm_open(&v, size, 12, false, &e), 0);
	uint64_t ret, ns;
	uint64_t a[5] = {10, 0, 0, 0, 0};
	assert_int_equal(vmm_call(&v, probe_adds, a, 10000, &ret, &ns, &e), 0);
	assert_int_equal(ret, 640);
	/* gups in the guest leaves the table as it does natively. */
	uint64_t *table = guest_ptr(&v.g, v.g.buffer), *ran = guest_ptr(&v.g, GUEST_RAN);
	uint64_t *ref = malloc(size), rref[128];
	for (uint64_t i = 0; i < size / 8; i++)
		table[i] = ref[i] = i;
	for (int j = 0; j < 128; j++)
		ran[j] = rref[j] = (uint64_t)j * 977 + 3;
	uint64_t g[5] = {v.g.buffer, size / 8 - 1, 100, GUEST_RAN, 0};
	struct vmm_stats s0, s1;
	assert_int_equal(vmm_stats_read(&v, &s0, &e), 0);
	assert_int_equal(vmm_call(&v, probe_gups, g, 10000, &ret, &ns, &e), 0);
	assert_int_equal(vmm_stats_read(&v, &s1, &e), 0);
	gups_ref(ref, size / 8 - 1, 100, rref);
	assert_memory_equal(table, ref, size);
	assert_int_equal(guest_check(&v.g, &e), 0);
	assert_memory_equal(ran, rref, sizeof(rref));
	/* KVM counted the exits of the call (its end, at least). */
	assert_true(vmm_stat(&s1, "vcpu.exits") > vmm_stat(&s0, "vcpu.exits"));
	/* The in-kernel doorbell: 100 exits the VMM never sees. */
	uint64_t ring[5] = {100, GUEST_DOORBELL + DOORBELL_KERNEL, 0, 0, 0};
	assert_int_equal(vmm_stats_read(&v, &s0, &e), 0);
	assert_int_equal(vmm_call(&v, probe_ring, ring, 10000, &ret, &ns, &e), 0);
	assert_int_equal(vmm_stats_read(&v, &s1, &e), 0);
	assert_true(vmm_stat(&s1, "vcpu.exits") - vmm_stat(&s0, "vcpu.exits") >= 100);
	/* CR3 rings switch between the two roots. */
	uint64_t cr3[5] = {3, GUEST_DOORBELL + DOORBELL_CR3, 0, 0, 0};
	assert_int_equal(vmm_call(&v, probe_ring, cr3, 10000, &ret, &ns, &e), 0);
	assert_int_equal(v.cr3_switches, 3);
	/* Directory writes in the guest leave the image whole. */
	uint64_t pd[5] = {v.g.scratch_pde, v.g.scratch, 7, v.g.scratch_pt ^ v.g.scratch_pt2, 0};
	assert_int_equal(vmm_call(&v, probe_ptwrite, pd, 10000, &ret, &ns, &e), 0);
	assert_int_equal(guest_check(&v.g, &e), 0);
	/* A hang: a chase round a one-word ring, stopped by the watchdog. */
	uint64_t self = v.g.buffer;
	memcpy(table, &self, 8);
	uint64_t hang[5] = {v.g.buffer, UINT64_MAX, 0, 0, 0};
	assert_int_equal(vmm_call(&v, probe_chase, hang, 300, &ret, &ns, &e), -1);
	assert_non_null(strstr(e.msg, "watchdog"));
	assert_int_equal(vmm_call(&v, probe_adds, a, 10000, &ret, &ns, &e), -1);
	assert_non_null(strstr(e.msg, "stopped before"));
	vmm_close(&v);
	/* A fault: a chase from page 0, which the guest does not map. */
	assert_int_equal(vmm_open(&v, size, 21, true, &e), 0);
	uint64_t fault[5] = {0, 1, 0, 0, 0};
	assert_int_equal(vmm_call(&v, probe_chase, fault, 10000, &ret, &ns, &e), -1);
	assert_non_null(strstr(e.msg, "exception"));
	vmm_close(&v);
	free(ref);
}

/* The runs calib_model asks of a runner: their pages, each costing 1. */
struct shifts {
	unsigned n, guest[4], host[4];
	char scheme[4][16];
};
static int record_runs(void *arg, struct calib_run *runs, size_t n, const struct tpt_config *cfg)
{
	(void)cfg;
	struct shifts *s = arg;
	for (size_t i = 0; i < n && s->n < 4; i++, s->n++) {
		s->guest[s->n] = runs[i].guest_shift;
		s->host[s->n] = runs[i].host_shift;
		snprintf(s->scheme[s->n], sizeof(s->scheme[0]), "%s", runs[i].sc->name);
		runs[i].res->cost.total = 1;
	}
	return 0;
}

/* A host that is a guest models its processes' walks through its outer
 * hypervisor's pages; where its MMU walks the outer's software shadow of
 * its tables (h.shadowed), a loop's 2M page is walked as the shadow's
 * leaves, no larger than the outer's 4K; under nested paging the 2M page
 * stays, and so it does for the first touch, which its kernel faults in
 * whole either way. */
static void test_calib_outer_shadow(void **state)
{
	(void)state;
	struct probe_params p = {.size = 64 << 20, .updates = 128, .steps = 100, .seed = 1};
	struct probe_row rows[3] = {
		{.where = WHERE_NATIVE, .loop = LOOP_PAGE_CHASE, .page_shift = 12, .size = 64 << 20, .pages = 16},
		{.where = WHERE_NATIVE, .loop = LOOP_PAGE_CHASE, .page_shift = 21, .thp = true,
		 .size = 64 << 20, .pages = 16},
		{.where = WHERE_NATIVE, .loop = LOOP_FIRST_TOUCH, .page_shift = 21, .thp = true},
	};
	struct tpt_config cfg;
	config_defaults(&cfg);
	for (int shadowed = 0; shadowed < 2; shadowed++)
		for (unsigned outer = 12; outer <= 21; outer += 9) {
			struct host_info h = {.in_vm = true, .shadowed = shadowed};
			struct shifts s = {0};
			struct calib c = {.p = &p, .h = &h, .outer_shift = outer, .rows = rows, .n = 3,
					  .run = record_runs, .arg = &s};
			assert_int_equal(calib_model(&c, &cfg), 0);
			assert_int_equal(s.n, 3);
			for (unsigned i = 0; i < 3; i++) {
				assert_string_equal(s.scheme[i], "nested");
				assert_int_equal(s.host[i], outer);
				unsigned page = rows[i].page_shift;
				bool walks = rows[i].loop == LOOP_PAGE_CHASE;
				assert_int_equal(s.guest[i], shadowed && walks && outer < page ? outer : page);
			}
		}
	/* Not a guest: its own tables, natively. */
	struct host_info h = {.shadowed = true};
	struct shifts s = {0};
	struct calib c = {.p = &p, .h = &h, .outer_shift = 12, .rows = rows, .n = 2, .run = record_runs, .arg = &s};
	assert_int_equal(calib_model(&c, &cfg), 0);
	assert_string_equal(s.scheme[1], "native");
	assert_int_equal(s.guest[1], 21);
}

/* The accessed-bit probe counts pages of its own: never more than it
 * touched, and nothing of no pages. */
static void test_accessed_bits(void **state)
{
	(void)state;
	assert_int_equal(host_accessed_bits(0, 3), 0);
	assert_true(host_accessed_bits(256, 2) <= 256);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_loops_native),
		cmocka_unit_test(test_sample),
		cmocka_unit_test(test_chain),
		cmocka_unit_test(test_pages_chain),
		cmocka_unit_test(test_cpuid_caches),
		cmocka_unit_test(test_calib_outer_shadow),
		cmocka_unit_test(test_accessed_bits),
		cmocka_unit_test(test_guest_image),
		cmocka_unit_test(test_vm),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
