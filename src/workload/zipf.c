/* SPDX-License-Identifier: MIT */
/* zipf.c - Zipfian sampler (see zipf.h). */
#include <math.h>

#include "zipf.h"

static double zeta(uint64_t n, double theta)
{
	const uint64_t exact = 10000000;
	uint64_t m = n < exact ? n : exact;
	double sum = 0;
	for (uint64_t i = 1; i <= m; i++)
		sum += pow((double)i, -theta);
	if (n > m) {
		/* sum_{i=m+1}^{n} i^-t ~ integral + half the end terms' difference */
		double a = (double)m, b = (double)n;
		sum += (pow(b, 1 - theta) - pow(a, 1 - theta)) / (1 - theta) +
		       (pow(b, -theta) - pow(a, -theta)) / 2;
	}
	return sum;
}

void zipf_init(struct zipf *z, uint64_t n, double theta)
{
	z->n = n;
	z->theta = theta;
	z->alpha = 1 / (1 - theta);
	z->zetan = zeta(n, theta);
	z->half_pow = 1 + pow(0.5, theta);
	double zeta2 = 1 + pow(2.0, -theta);
	z->eta = (1 - pow(2.0 / (double)n, 1 - theta)) / (1 - zeta2 / z->zetan);
}

uint64_t zipf_next(const struct zipf *z, struct rng *r)
{
	double u = rng_double(r), uz = u * z->zetan;
	if (uz < 1)
		return 0;
	if (uz < z->half_pow)
		return 1;
	uint64_t k = (uint64_t)((double)z->n * pow(z->eta * u - z->eta + 1, z->alpha));
	return k < z->n ? k : z->n - 1;
}
