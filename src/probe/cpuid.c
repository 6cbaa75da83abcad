/* SPDX-License-Identifier: MIT */
/*
 * cpuid.c - the data caches from CPUID (cpuid.h): Intel's deterministic
 * cache parameters (leaf 4), AMD's (0x8000001D, the same layout) and AMD's
 * older L1 and L2/L3 descriptors (0x80000005, 0x80000006).
 *
 * Called by host.c where sysfs names no cache. cpuid_caches_read is the
 * only part that executes CPUID; the decoder reads a struct cpuid_caches.
 */
#include <cpuid.h>
#include <stdio.h>
#include <string.h>

#include "tpt/base/util.h"
#include "tpt/probe/cpuid.h"

static struct cpuid_regs regs(uint32_t leaf, uint32_t sub)
{
	struct cpuid_regs r;
	__cpuid_count(leaf, sub, r.a, r.b, r.c, r.d);
	return r;
}

/* A deterministic leaf's sub-leaves, up to the first with no cache. */
static unsigned read_subleaves(uint32_t leaf, struct cpuid_regs *out)
{
	unsigned n = 0;
	while (n < CPUID_MAX_SUB) {
		out[n] = regs(leaf, n);
		if (!(out[n].a & 0x1f))
			break;
		n++;
	}
	return n;
}

void cpuid_caches_read(struct cpuid_caches *c)
{
	memset(c, 0, sizeof(*c));
	uint32_t max = __get_cpuid_max(0, NULL), ext = __get_cpuid_max(0x80000000, NULL);
	if (max >= 4)
		c->n4 = read_subleaves(4, c->leaf4);
	/* 0x8000001D holds only where CPUID says so (TopologyExtensions). */
	if (ext >= 0x8000001d && (regs(0x80000001, 0).c >> 22 & 1))
		c->n1d = read_subleaves(0x8000001d, c->ext1d);
	if ((c->has_ext5 = ext >= 0x80000005))
		c->ext5 = regs(0x80000005, 0);
	if ((c->has_ext6 = ext >= 0x80000006))
		c->ext6 = regs(0x80000006, 0);
}

/* Intel's leaf 4 and AMD's 0x8000001D: type in EAX[4:0] (1 data, 2
 * instruction, 3 unified), level EAX[7:5], fully associative EAX[9]; ways,
 * partitions and line less one in EBX[31:22], [21:12], [11:0]; sets less
 * one in ECX. */
static void decode_deterministic(const struct cpuid_regs *r, unsigned n, const char *leaf,
				 uint64_t size[3], unsigned ways[3], char src[3][CPUID_WHY])
{
	for (unsigned i = 0; i < n; i++) {
		unsigned type = r[i].a & 0x1f, level = r[i].a >> 5 & 7;
		if ((type != 1 && type != 3) || level < 1 || level > 3 || size[level - 1])
			continue;
		uint64_t w = (r[i].b >> 22) + 1, parts = (r[i].b >> 12 & 0x3ff) + 1;
		uint64_t line = (r[i].b & 0xfff) + 1, sets = (uint64_t)r[i].c + 1;
		uint64_t bytes = w * parts * line * sets;
		if (r[i].a >> 9 & 1)
			w = bytes / line;
		size[level - 1] = bytes;
		ways[level - 1] = (unsigned)w;
		snprintf(src[level - 1], CPUID_WHY, "CPUID %s", leaf);
	}
}

/* AMD's associativity code of 0x80000006 (and Intel's, whose values are
 * the ranges' first): the range of ways it stands for; 0 for none. */
static void assoc_range(unsigned code, uint64_t lines, uint64_t *lo, uint64_t *hi)
{
	static const uint16_t from[16] = {0, 1, 2, 3, 4, 6, 8, 0, 16, 0, 32, 48, 64, 96, 128, 0};
	static const uint16_t to[16] = {0, 1, 2, 3, 5, 7, 15, 0, 31, 0, 47, 63, 95, 127, 0, 0};
	*lo = from[code & 15];
	*hi = code == 0xe ? lines - 1 : to[code & 15];
	if (code == 0xf)
		*lo = *hi = lines;
}

/*
 * One level from a descriptor of bytes and an associativity code: taken
 * when exactly one number of ways in the code's range divides the lines
 * into a power-of-two number of sets (the model's caches need one).
 */
static void decode_descriptor(unsigned l, uint64_t bytes, unsigned code, const char *leaf,
			      uint64_t size[3], unsigned ways[3], char src[3][CPUID_WHY])
{
	static const char *const name[3] = {"L1D", "L2", "L3"};
	if (size[l] || !bytes || !code)
		return;
	uint64_t lines = bytes / 64, lo, hi, found = 0, n = 0;
	assoc_range(code, lines, &lo, &hi);
	if (!lo) {
		snprintf(src[l], CPUID_WHY, "CPUID %s gives the %s's size, %llu KiB, and defers its "
			 "associativity to a leaf this CPU does not fill", leaf, name[l],
			 (unsigned long long)(bytes >> 10));
		return;
	}
	for (uint64_t w = lo; w <= hi && w <= lines; w++)
		if (lines % w == 0 && tpt_is_pow2(lines / w)) {
			found = w;
			n++;
		}
	if (n != 1) {
		snprintf(src[l], CPUID_WHY, "CPUID %s gives the %s's size, %llu KiB, and %llu to %llu ways, "
			 "of which %llu give a power-of-two number of sets", leaf, name[l],
			 (unsigned long long)(bytes >> 10), (unsigned long long)lo, (unsigned long long)hi,
			 (unsigned long long)n);
		return;
	}
	size[l] = bytes;
	ways[l] = (unsigned)found;
	if (lo == hi)
		snprintf(src[l], CPUID_WHY, "CPUID %s", leaf);
	else
		snprintf(src[l], CPUID_WHY, "CPUID %s (%llu to %llu ways; %llu alone gives a power-of-two "
			 "number of sets)", leaf, (unsigned long long)lo, (unsigned long long)hi,
			 (unsigned long long)found);
}

void cpuid_caches_decode(const struct cpuid_caches *c, uint64_t size[3], unsigned ways[3],
			 char src[3][CPUID_WHY])
{
	decode_deterministic(c->leaf4, c->n4, "leaf 4", size, ways, src);
	decode_deterministic(c->ext1d, c->n1d, "0x8000001D", size, ways, src);
	/* 0x80000005 ECX: the L1D's KiB in [31:24], its ways in [23:16]
	 * (0xff: fully associative). */
	if (c->has_ext5 && !size[0]) {
		uint64_t bytes = (uint64_t)(c->ext5.c >> 24) << 10;
		unsigned w = c->ext5.c >> 16 & 0xff;
		if (bytes && w) {
			size[0] = bytes;
			ways[0] = w == 0xff ? (unsigned)(bytes / 64) : w;
			snprintf(src[0], CPUID_WHY, "CPUID 0x80000005");
		}
	}
	/* 0x80000006 ECX: the L2's KiB in [31:16], its code in [15:12]; EDX:
	 * the L3's 512 KiB units in [31:18], its code in [15:12]. */
	if (c->has_ext6) {
		decode_descriptor(1, (uint64_t)(c->ext6.c >> 16) << 10, c->ext6.c >> 12 & 15, "0x80000006",
				  size, ways, src);
		decode_descriptor(2, (uint64_t)(c->ext6.d >> 18) << 19, c->ext6.d >> 12 & 15, "0x80000006",
				  size, ways, src);
	}
}
