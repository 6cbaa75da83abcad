/* SPDX-License-Identifier: MIT */
/*
 * cpuid.h - the data caches as the CPU's CPUID describes them (cpuid.c),
 * for a machine whose kernel publishes no cache geometry in sysfs (a
 * Firecracker guest's does not). The registers are read once into a
 * struct cpuid_caches; decoding it is pure, so tests decode recorded ones.
 *
 * Called by host.c. The deterministic leaves come first (Intel's leaf 4,
 * AMD's 0x8000001D: type, level, ways, partitions, line and sets); AMD's
 * older descriptors (0x80000005 for the L1D, 0x80000006 for the L2 and L3)
 * fill a level those leave out. Their associativity is a range ("8 to 15
 * ways"); a level is taken only where exactly one number of ways in the
 * range gives a power-of-two number of sets, and the source says so.
 */
#ifndef TPT_CPUID_H
#define TPT_CPUID_H

#include <stdbool.h>
#include <stdint.h>

#define CPUID_MAX_SUB 8
#define CPUID_WHY 160

struct cpuid_regs {
	uint32_t a, b, c, d;
};

struct cpuid_caches {
	unsigned n4;                              /* Intel's leaf 4, its sub-leaves read */
	struct cpuid_regs leaf4[CPUID_MAX_SUB];
	unsigned n1d;                             /* AMD's 0x8000001D, the same layout */
	struct cpuid_regs ext1d[CPUID_MAX_SUB];
	bool has_ext5, has_ext6;                  /* AMD's L1 and L2/L3 descriptors */
	struct cpuid_regs ext5, ext6;
};

/* Reads this CPU's leaves (those its maximum leaves and vendor offer). */
void cpuid_caches_read(struct cpuid_caches *c);

/*
 * Fills each level l (0 L1D, 1 L2, 2 last level) whose size[l] is 0 from c:
 * size[l] in bytes, ways[l], and src[l] naming the leaf (and how the ways
 * were chosen). A level CPUID cannot give stays 0, with why in src[l] when
 * a leaf named it but left its geometry open ("" when none named it).
 */
void cpuid_caches_decode(const struct cpuid_caches *c, uint64_t size[3], unsigned ways[3],
			 char src[3][CPUID_WHY]);

#endif
