/* SPDX-License-Identifier: MIT */
/*
 * guest.c - the TCG probe's bare-metal IA-32 guest. qemu-system-i386
 * -accel tcg loads it (Multiboot, boot.S); it maps its memory with 4 KiB
 * pages, sizes QEMU's software TLB, runs the loops of tcg.h and prints
 * their times on COM1; tpt probe --tcg (probe/tcg.c) reads them.
 *
 * The command line (-append) is the plan, words of key=value:
 *   tsc_khz=N    the host's TSC rate (QEMU's RDTSC reads the host's TSC)
 *   mem=SIZE     bytes mapped above 16 MiB for the loops
 *   rounds=N     timed rounds a row (after one warm round), 1 to 32
 *   key=N        the chase order's key
 *   tlb=B,...    the software-TLB sizes, log2 entries, one pass of the
 *                loops each
 *   rmw=SIZE:N, chase=SIZE:N, seq=SIZE   a loop over SIZE bytes, N
 *                iterations a round (seq: every word); the IA-32 build's
 *   gups=SIZE:N  HPCC's update over SIZE bytes, N a round (a multiple of
 *                128); the x86-64 build's (-m64, boot64.S), with loops.S
 * It prints "row B LOOP SIZE N C1 ... Cr" per row (hexadecimal TSC
 * cycles of each timed round), "done", and leaves through the
 * isa-debug-exit port with 0 (QEMU's exit status 1), or prints
 * "error WHY" and leaves with 1 (status 3).
 *
 * QEMU resizes its TLB only when the guest flushes it (tlb_mmu_resize_locked
 * in accel/tcg/cputlb.c: doubled if more than 70 % was in use since the
 * window began, shrunk towards the use if below 30 % for a 100 ms window).
 * So tlb_size() flushes twice after idle windows (down to the 64-entry
 * minimum), then fills three quarters of the table and flushes until it
 * has 2^B entries; the loops then run with no flush, at that size.
 */
#include <stdint.h>

#include "tpt/base/tcgloop.h"

#ifdef __x86_64__
/* The gups workload's loop, byte for byte the native probe's (loops.S). */
void probe_gups(uint64_t *table, uint64_t mask, uint64_t rounds, uint64_t *ran);
#else
uint32_t tcg_rmw(uint8_t *base, uint32_t shift, uint32_t n, uint32_t x);
uint32_t tcg_chase(uint32_t p, uint32_t n);
void tcg_seq(uint8_t *base, uint8_t *end);
#endif
void guest_main(const uint32_t *mbi);

#ifdef __x86_64__
#define GUEST_X86_64 1
#else
#define GUEST_X86_64 0
#endif
#define COM1 0x3f8
#define EXIT_PORT 0xf4
#define MAX_LOOPS 8
#define MAX_TLBS 4
#define MAX_ROUNDS 32

struct loop {
	enum tcg_loop kind;
	uint32_t size, iters;
};

struct plan {
	uint32_t tsc_khz, mem, rounds, key;
	uint32_t tlb[MAX_TLBS], ntlb;
	struct loop loop[MAX_LOOPS];
	uint32_t nloop;
};

static void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

static void put(const char *s)
{
	while (*s)
		outb(COM1, (uint8_t)*s++);
}

static void put_hex(uint64_t v)
{
	char b[17];
	int i = 16;
	b[i] = 0;
	do {
		b[--i] = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v);
	put(b + i);
}

static void leave(uint32_t code)
{
	outl(EXIT_PORT, code);
	for (;;)
		__asm__ volatile("cli; hlt");
}

static void fail(const char *why, const char *what)
{
	put("error ");
	put(why);
	put(what);
	put("\n");
	leave(1);
}

static uint32_t len(const char *a)
{
	uint32_t n = 0;
	while (a[n])
		n++;
	return n;
}

static int same(const char *a, const char *b, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (a[i] != b[i])
			return 0;
	return 1;
}

/* A number with an optional K, M or G; *s moves past it. */
static uint32_t number(const char **s)
{
	uint32_t v = 0;
	const char *p = *s;
	if (*p < '0' || *p > '9')
		fail("not a number at: ", p);
	while (*p >= '0' && *p <= '9')
		v = v * 10 + (uint32_t)(*p++ - '0');
	if (*p == 'K')
		v <<= 10, p++;
	else if (*p == 'M')
		v <<= 20, p++;
	else if (*p == 'G')
		v <<= 30, p++;
	*s = p;
	return v;
}

static void parse(const char *s, struct plan *pl)
{
	static const char *const kind[TCG_LOOP_N] = {"rmw=", "chase=", "seq=", "gups="};
	while (*s) {
		while (*s == ' ')
			s++;
		if (!*s)
			break;
		const char *w = s, *eq = s;
		while (*eq && *eq != ' ' && *eq != '=')
			eq++;
		if (*eq != '=') { /* the kernel's file name QEMU puts first */
			s = eq;
			continue;
		}
		if (same(w, "tsc_khz=", 8)) {
			s += 8, pl->tsc_khz = number(&s);
		} else if (same(w, "mem=", 4)) {
			s += 4, pl->mem = number(&s);
		} else if (same(w, "rounds=", 7)) {
			s += 7, pl->rounds = number(&s);
		} else if (same(w, "key=", 4)) {
			s += 4, pl->key = number(&s);
		} else if (same(w, "tlb=", 4)) {
			s += 4;
			do {
				if (pl->ntlb == MAX_TLBS)
					fail("too many TLB sizes at: ", w);
				pl->tlb[pl->ntlb++] = number(&s);
			} while (*s == ',' && s++);
		} else {
			int k = -1;
			for (int i = 0; i < TCG_LOOP_N && k < 0; i++)
				if (same(w, kind[i], len(kind[i])))
					k = i;
#ifdef __x86_64__
			if (k != TCG_GUPS)
				k = -1; /* the 32-bit loops are the IA-32 guest's */
#else
			if (k == TCG_GUPS)
				k = -1; /* probe_gups is x86-64 code */
#endif
			if (k < 0 || pl->nloop == MAX_LOOPS)
				fail("unknown or one loop too many: ", w);
			s += len(kind[k]);
			struct loop *l = &pl->loop[pl->nloop++];
			l->kind = (enum tcg_loop)k;
			l->size = number(&s);
			l->iters = l->size / 4;
			if (*s == ':')
				s++, l->iters = number(&s);
		}
		if (*s && *s != ' ')
			fail("malformed word: ", w);
	}
	if (!pl->tsc_khz || !pl->rounds || pl->rounds > MAX_ROUNDS || !pl->ntlb || !pl->nloop)
		fail("the plan needs tsc_khz, rounds (1 to 32), tlb and a loop", "");
	for (uint32_t i = 0; i < pl->nloop; i++) {
		uint32_t z = pl->loop[i].size;
		if (z < 4096 || (z & (z - 1)) || z > pl->mem || !pl->loop[i].iters)
			fail("a loop's size is not a power of two from 4K to mem, or it has no iterations", "");
		if (pl->loop[i].kind == TCG_GUPS && pl->loop[i].iters % TCG_GUPS_STREAMS)
			fail("gups's iterations are not a multiple of 128", "");
	}
	for (uint32_t i = 0; i < pl->ntlb; i++)
		if (pl->tlb[i] < 6 || pl->tlb[i] > TCG_TLB_MAX_BITS(GUEST_X86_64) ||
		    (uint64_t)(4096u << (pl->tlb[i] - 3)) * 3 > pl->mem)
			fail("a TLB size is beyond QEMU's for this guest, or mem cannot fill three quarters of it", "");
}

#ifdef __x86_64__
/* 4-level tables of 4 KiB pages over [0, ram) at TCG_PD_ADDR (boot64.S
 * entered long mode on 2 MiB pages; this replaces them). */
static void paging_on(uint32_t ram)
{
	uint64_t *pml4 = (uint64_t *)(uintptr_t)TCG_PD_ADDR, *pdpt = pml4 + 512, *pd = pdpt + 512;
	uint32_t pages = ram >> 12, tables = (pages + 511) / 512, dirs = (tables + 511) / 512;
	uint64_t *pt = pd + 512 * dirs;
	for (uint32_t i = 0; i < 1024; i++)
		pml4[i] = 0; /* the PML4 and the PDPT */
	pml4[0] = (uintptr_t)pdpt | 3;
	for (uint32_t d = 0; d < dirs; d++)
		pdpt[d] = (uintptr_t)(pd + 512 * d) | 3;
	for (uint32_t i = 0; i < 512 * dirs; i++)
		pd[i] = i < tables ? (uintptr_t)(pt + 512 * i) | 3 : 0;
	for (uint32_t i = 0; i < 512 * tables; i++)
		pt[i] = i < pages ? (uint64_t)i << 12 | 3 : 0;
	__asm__ volatile("mov %0, %%cr3" : : "r"((uintptr_t)pml4) : "memory");
}
#else
static void paging_on(uint32_t ram)
{
	uint32_t *pd = (uint32_t *)TCG_PD_ADDR, *pt = pd + 1024;
	uint32_t pages = ram >> 12;
	for (uint32_t i = 0; i < 1024; i++)
		pd[i] = 0;
	for (uint32_t i = 0; i < pages; i++)
		pt[i] = i << 12 | 3; /* present, writable */
	for (uint32_t i = 0; i < (pages + 1023) / 1024; i++)
		pd[i] = (uint32_t)(uintptr_t)(pt + i * 1024) | 3;
	__asm__ volatile("mov %0, %%cr3" : : "r"(pd) : "memory");
	uint32_t cr0;
	__asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
	cr0 |= 0x80010000u; /* PG, WP */
	__asm__ volatile("mov %0, %%cr0" : : "r"(cr0) : "memory");
}
#endif

static void flush(void)
{
	uintptr_t cr3;
	__asm__ volatile("mov %%cr3, %0; mov %0, %%cr3" : "=r"(cr3) : : "memory");
}

static void spin_ms(const struct plan *pl, uint32_t ms)
{
	uint64_t end = rdtsc() + (uint64_t)pl->tsc_khz * ms;
	while (rdtsc() < end)
		;
}

/* QEMU's software TLB to 2^bits entries (see the file's head). */
static void tlb_size(const struct plan *pl, uint32_t bits)
{
	for (int i = 0; i < 2; i++) {
		spin_ms(pl, 150);
		flush();
	}
	volatile uint32_t *buf = (volatile uint32_t *)(uintptr_t)TCG_BUF_ADDR;
	uint32_t sum = 0;
	for (uint32_t size = 64; size < 1u << bits; size <<= 1) {
		for (uint32_t p = 0; p < size / 4 * 3 + 1; p++)
			sum += buf[p * 1024];
		flush();
	}
	(void)sum;
}

#ifdef __x86_64__
/* One round of the loop; x: rmw's generator. */
static void round_of(const struct plan *pl, const struct loop *l, uint32_t *x)
{
	(void)pl;
	(void)x;
	probe_gups((uint64_t *)(uintptr_t)TCG_BUF_ADDR, l->size / 8 - 1, l->iters / TCG_GUPS_STREAMS,
		   (uint64_t *)(uintptr_t)TCG_RAN_ADDR);
}

static void prepare(const struct plan *pl, const struct loop *l)
{
	uint64_t per = l->iters / TCG_GUPS_STREAMS, *r = (uint64_t *)(uintptr_t)TCG_RAN_ADDR;
	for (uint32_t j = 0; j < TCG_GUPS_STREAMS; j++)
		r[j] = hpcc_starts(per * j + pl->key);
}
#else
static uint32_t head;

static void chain_build(uint32_t size, uint32_t key)
{
	uint32_t bits = 0, lines = size / TCG_LINE;
	while (1u << bits < lines)
		bits++;
	uint32_t first = tcg_perm(0, bits, key), cur = first;
	for (uint32_t i = 1; i <= lines; i++) {
		uint32_t next = i == lines ? first : tcg_perm(i, bits, key);
		*(volatile uint32_t *)(uintptr_t)(TCG_BUF_ADDR + cur * TCG_LINE) = TCG_BUF_ADDR + next * TCG_LINE;
		cur = next;
	}
}

static uint32_t shift_of(uint32_t size)
{
	uint32_t b = 0;
	while (1u << b < size)
		b++;
	return 32 - b;
}


static void round_of(const struct plan *pl, const struct loop *l, uint32_t *x)
{
	(void)pl;
	uint8_t *base = (uint8_t *)TCG_BUF_ADDR;
	if (l->kind == TCG_RMW)
		*x = tcg_rmw(base, shift_of(l->size), l->iters, *x);
	else if (l->kind == TCG_CHASE)
		tcg_chase(head, l->iters);
	else
		tcg_seq(base, base + l->size);
}

static void prepare(const struct plan *pl, const struct loop *l)
{
	if (l->kind != TCG_CHASE)
		return;
	chain_build(l->size, pl->key);
	uint32_t b = 0;
	while (1u << b < l->size / TCG_LINE)
		b++;
	head = TCG_BUF_ADDR + tcg_perm(0, b, pl->key) * TCG_LINE;
}
#endif

static void run(const struct plan *pl, uint32_t bits, const struct loop *l)
{
	uint32_t x = pl->key;
	uint64_t c[MAX_ROUNDS];
	prepare(pl, l);
	for (uint32_t r = 0; r <= pl->rounds; r++) {
		uint64_t t0 = rdtsc();
		round_of(pl, l, &x);
		uint64_t t1 = rdtsc();
		if (r)
			c[r - 1] = t1 - t0;
	}
	static const char *const name[TCG_LOOP_N] = {"rmw", "chase", "seq", "gups"};
	put("row ");
	put_hex(bits);
	put(" ");
	put(name[l->kind]);
	put(" ");
	put_hex(l->size);
	put(" ");
	put_hex(l->iters);
	for (uint32_t r = 0; r < pl->rounds; r++) {
		put(" ");
		put_hex(c[r]);
	}
	put("\n");
}

void guest_main(const uint32_t *mbi)
{
	struct plan pl = {0};
	if (!(mbi[0] & 4))
		fail("no command line", "");
	parse((const char *)(uintptr_t)mbi[4], &pl);
	uint32_t ram = TCG_BUF_ADDR + pl.mem;
	if (!(mbi[0] & 1) || (mbi[2] + 1024) << 10 < ram)
		fail("less memory than the plan maps", "");
	paging_on(ram);
	put("ready\n");
	for (uint32_t t = 0; t < pl.ntlb; t++) {
		tlb_size(&pl, pl.tlb[t]);
		for (uint32_t i = 0; i < pl.nloop; i++)
			run(&pl, pl.tlb[t], &pl.loop[i]);
	}
	put("done\n");
	leave(0);
}
