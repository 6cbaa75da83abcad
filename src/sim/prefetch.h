/* SPDX-License-Identifier: MIT */
/*
 * prefetch.h - host-side prefetch for an access a few events ahead
 * (prefetch.c), called by the run loop. Stage 1 follows the first table's
 * path with plain loads and prefetches its leaf entry; stage 2, closer in,
 * reads that entry and prefetches the next dependent line (the EPT entry
 * under nested paging, the RMP owner under TPT) and the cache model's tag
 * sets; stage 3 does the same for nested paging's second dimension. A hint
 * only: results never depend on it.
 */
#ifndef TPT_PREFETCH_H
#define TPT_PREFETCH_H

#include "tpt/sim/sim.h"

struct sim_pf {
	const uint64_t *slot[2];
	int level[2];
	uint64_t addr; /* nested: the gPA stage 2 found */
	bool tpt;      /* stage 1 found a TPT root loaded */
	bool two_d;    /* ... or a guest table walked in two dimensions */
};

void sim_prefetch(struct sim *s, uint64_t va, int stage, struct sim_pf *pf);

#endif
