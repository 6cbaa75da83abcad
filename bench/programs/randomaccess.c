/*
 * randomaccess.c - the loop of HPCC RandomAccess's sequential reference
 * (core_single_cpu), for bench/fidelity.sh to build and record as the real
 * program beside the gups generator: a table of 2^LOG2 64-bit words set to
 * their index, then UPDATES updates in 128 interleaved streams,
 * Table[ran[j] & (size - 1)] ^= ran[j], each ran[j] stepping through
 * x -> x * t over GF(2) modulo x^64 + x^2 + x + 1. The streams start from
 * 128 distinct seeds rather than HPCC_starts (the same loop, not the
 * official sequence). Usage: randomaccess LOG2 UPDATES
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define POLY 0x7ULL

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
		ran[j] = (uint64_t)(j + 1) * 0x9E3779B97F4A7C15ULL;
	for (uint64_t i = 0; i < updates / 128; i++) {
		for (int j = 0; j < 128; j++) {
			ran[j] = (ran[j] << 1) ^ ((int64_t)ran[j] < 0 ? POLY : 0);
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
