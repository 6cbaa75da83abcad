/* SPDX-License-Identifier: MIT */
/*
 * randomaccess.c - the loop of HPCC RandomAccess's sequential reference
 * (core_single_cpu), for bench/fidelity.sh to build and record as the real
 * program beside the gups generator: a table of 2^LOG2 64-bit words set to
 * their index, then UPDATES updates in 128 interleaved streams,
 * Table[ran[j] & (size - 1)] ^= ran[j], each ran[j] stepping through
 * x -> x * t over GF(2) modulo x^64 + x^2 + x + 1, stream j starting at
 * element (UPDATES / 128) * j of the sequence (HPCC_starts). Usage:
 * randomaccess LOG2 UPDATES
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define POLY 0x7ULL
#define PERIOD 1317624576693539401LL

static uint64_t step(uint64_t x)
{
	return (x << 1) ^ ((int64_t)x < 0 ? POLY : 0);
}

/* Element n of the sequence from 1, by squaring: m2[i] is x^(2i). */
static uint64_t starts(int64_t n)
{
	while (n < 0)
		n += PERIOD;
	while (n > PERIOD)
		n -= PERIOD;
	if (n == 0)
		return 1;
	uint64_t m2[64], t = 1;
	for (int i = 0; i < 64; i++) {
		m2[i] = t;
		t = step(step(t));
	}
	int i = 62;
	while (i >= 0 && !((n >> i) & 1))
		i--;
	uint64_t ran = 2;
	while (i > 0) {
		t = 0;
		for (int j = 0; j < 64; j++)
			if ((ran >> j) & 1)
				t ^= m2[j];
		ran = t;
		i--;
		if ((n >> i) & 1)
			ran = step(ran);
	}
	return ran;
}

int main(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	unsigned log2 = (unsigned)strtoul(argv[1], NULL, 0);
	uint64_t updates = strtoull(argv[2], NULL, 0);
	if (log2 < 3 || log2 > 40)
		return 2;
	uint64_t size = 1ULL << log2;
	uint64_t *table = malloc(size * sizeof(*table));
	if (!table)
		return 1;
	for (uint64_t i = 0; i < size; i++)
		table[i] = i;
	uint64_t ran[128];
	for (int j = 0; j < 128; j++)
		ran[j] = starts((int64_t)(updates / 128) * j);
	for (uint64_t i = 0; i < updates / 128; i++) {
		for (int j = 0; j < 128; j++) {
			ran[j] = step(ran[j]);
			table[ran[j] & (size - 1)] ^= ran[j];
		}
	}
	/* The check HPCC makes is a second pass; a sum keeps the table live. */
	uint64_t sum = 0;
	for (uint64_t i = 0; i < size; i++)
		sum += table[i];
	printf("%llu\n", (unsigned long long)sum);
	free(table);
	return 0;
}
