/* SPDX-License-Identifier: MIT */
/*
 * zipf.h - Zipfian ranks in [0, n) with exponent theta in (0, 1): rank r has
 * probability proportional to 1 / (r + 1)^theta. Gray et al.'s method
 * ("Quickly generating billion-record synthetic databases", SIGMOD 1994),
 * as YCSB uses it: O(1) per draw after computing zeta(n, theta), which is
 * summed exactly up to 10 million terms and completed by its integral
 * (Euler-Maclaurin) beyond.
 */
#ifndef TPT_ZIPF_H
#define TPT_ZIPF_H

#include "tpt/base/util.h"

struct zipf {
	uint64_t n;
	double theta, alpha, zetan, eta, half_pow;
};

void zipf_init(struct zipf *z, uint64_t n, double theta);
uint64_t zipf_next(const struct zipf *z, struct rng *r);

#endif
