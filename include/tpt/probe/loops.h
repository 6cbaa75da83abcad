/* SPDX-License-Identifier: MIT */
/*
 * loops.h - the probe's measured loops (loops.S): the same machine code runs
 * natively and in the probe's guest. Each is an ordinary function here.
 */
#ifndef TPT_LOOPS_H
#define TPT_LOOPS_H

#include <stdint.h>

/* The bytes the VMM copies into the guest: every loop and the entry. */
extern const uint8_t probe_loops_begin[], probe_loops_end[];

/* rounds x 128 updates of HPCC RandomAccess: table[ran[j] & mask] ^= ran[j]. */
void probe_gups(uint64_t *table, uint64_t mask, uint64_t rounds, uint64_t *ran);
/* p = *p, steps times; where it ended. */
uint64_t probe_chase(uint64_t *p, uint64_t steps);
/* One byte stored every stride bytes, n times. */
void probe_touch(uint8_t *p, uint64_t n, uint64_t stride);
/* n x 64 dependent adds (one a cycle); returns 64 n. */
uint64_t probe_adds(uint64_t n);
/* n x CPUID leaf 0. */
void probe_cpuid(uint64_t n);
/* n times: ptes[i] ^= flip, then a load from page i of va; i runs 0..mask. */
void probe_ptwrite(uint64_t *ptes, uint8_t *va, uint64_t n, uint64_t flip, uint64_t mask);
/* n stores to bell, a doorbell address (guest only). */
void probe_ring(uint64_t n, uint64_t bell);
/* The guest's entry: calls rax, then rings DOORBELL_DONE (guest only). */
void probe_guest_entry(void);

#endif
