/*
 * sample.c - the probe's statistics over rounds (probe.h): the median, and
 * the spread as the largest sample over the smallest. Pure functions;
 * the tests feed them synthetic samples.
 */
#include <stdlib.h>
#include <string.h>

#include "tpt/probe/probe.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

double sample_median(const double *v, unsigned n)
{
	if (!n)
		return 0;
	double s[PROBE_MAX_ROUNDS];
	if (n > PROBE_MAX_ROUNDS)
		n = PROBE_MAX_ROUNDS;
	memcpy(s, v, n * sizeof(*v));
	qsort(s, n, sizeof(*s), cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

double sample_spread(const double *v, unsigned n)
{
	if (!n)
		return 0;
	double lo = v[0], hi = v[0];
	for (unsigned i = 1; i < n; i++) {
		lo = v[i] < lo ? v[i] : lo;
		hi = v[i] > hi ? v[i] : hi;
	}
	return lo > 0 ? hi / lo : 0;
}
