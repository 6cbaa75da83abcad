/* SPDX-License-Identifier: MIT */
/*
 * hpcc.h - HPCC RandomAccess's random stream: x -> x * t over GF(2)
 * modulo x^64 + x^2 + x + 1 (HPCC's POLY 7), and HPCC_starts, the stream's
 * value after n steps. The gups workload, the tcgloop workload and the TCG
 * probe's guest draw their updates from it. Freestanding: <stdint.h> only.
 */
#ifndef TPT_BASE_HPCC_H
#define TPT_BASE_HPCC_H

#include <stdint.h>

#define HPCC_POLY 0x7ULL

static inline uint64_t hpcc_step(uint64_t r)
{
	return (r << 1) ^ ((int64_t)r < 0 ? HPCC_POLY : 0);
}

/* The stream's value after n steps from 1 (HPCC_starts, n below the
 * period), in O(log n): squarings by the table of x^(2i). */
static inline uint64_t hpcc_starts(uint64_t n)
{
	if (n == 0)
		return 1;
	uint64_t m2[64], t = 1;
	for (int i = 0; i < 64; i++) {
		m2[i] = t;
		t = hpcc_step(hpcc_step(t));
	}
	int i = 62;
	while (i >= 0 && !((n >> i) & 1))
		i--;
	uint64_t ran = 2; /* x^1: the top bit of n */
	while (i > 0) {
		uint64_t sq = 0;
		for (int j = 0; j < 64; j++)
			if ((ran >> j) & 1)
				sq ^= m2[j];
		ran = sq;
		i--;
		if ((n >> i) & 1)
			ran = hpcc_step(ran);
	}
	return ran;
}

#endif
