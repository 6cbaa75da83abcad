/* SPDX-License-Identifier: MIT */
/*
 * kronecker.h - an undirected Kronecker graph computed on demand: host
 * memory grows with vertices (about 4 bytes each, plus 4 bytes per 1024
 * edge ends), never with edges, so that GAPBS's kernels can run on graphs
 * of 2^29 vertices and 2^33 edges (72 GiB in CSR) on a 24 GiB machine.
 *
 * Called by graph.c (graph=implicit) and its tests. Invariants after
 * kron_init (kron_check verifies them): offsets never fall, the edge ends
 * number an even `ends`, the pairing of ends is an involution, so every
 * edge is seen from both its vertices, and a vertex's list is sorted.
 */
#ifndef TPT_KRONECKER_H
#define TPT_KRONECKER_H

#include <stdint.h>

#include "tpt/base/util.h"

/* A keyed bijection on [0, 2^bits), with its inverse. */
struct kmix {
	uint64_t mask, add[4], mul[4], inv[4];
	unsigned bits, shift;
};

struct kron {
	uint32_t scale, nv;
	uint64_t ends;      /* edge ends: the sum of the degrees, even */
	uint32_t *rel;      /* offset of each vertex (nv + 1) from its block's base */
	uint64_t *base;     /* offset of every 1024th vertex */
	uint32_t *blk;      /* owner of every 1024th edge end */
	uint64_t nblk;
	uint32_t max_deg;
	struct kmix vmix;   /* label -> Kronecker index (the permutation of labels) */
	struct kmix emix;   /* over the ends: pairs them, two by two */
	uint64_t seed;
};

/* Host bytes kron_init allocates for a graph of 2^scale vertices and about
 * degree * 2^scale edges. */
uint64_t kron_host_bytes(uint32_t scale, uint64_t degree);

/* Degrees drawn from the Kronecker model, offsets laid out; 0, or -1 with e set. */
int kron_init(struct kron *k, uint32_t scale, uint64_t degree, uint64_t seed, struct tpt_err *e);
void kron_close(struct kron *k);

uint64_t kron_off(const struct kron *k, uint32_t v);
static inline uint64_t kron_deg(const struct kron *k, uint32_t v)
{
	return kron_off(k, v + 1) - kron_off(k, v);
}

/* The neighbours of v, sorted, into buf (room for max_deg); their number. */
uint64_t kron_list(const struct kron *k, uint32_t v, uint32_t *buf);

/* The vertex whose edge ends hold end t (t < ends). */
uint32_t kron_owner(const struct kron *k, uint64_t t);

/* The end paired with end t: kron_mate(kron_mate(t)) == t, never t itself. */
uint64_t kron_mate(const struct kron *k, uint64_t t);

/* The invariants above, over every vertex when full, else a sample; 0 or -1 with e set. */
int kron_check(const struct kron *k, int full, struct tpt_err *e);

#endif
