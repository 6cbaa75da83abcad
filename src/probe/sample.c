/* SPDX-License-Identifier: MIT */
/*
 * sample.c - the probe's clock and its statistics over rounds (probe.h):
 * the median, the spread as the largest sample over the smallest, and the
 * noise as the upper quartile over the lower.
 * Below everything else of the probe (host.c, kvm.c and probe.c time with
 * it); the statistics are pure functions the tests feed synthetic samples.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tpt/probe/probe.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* The first n samples (at most PROBE_MAX_ROUNDS) sorted into s; how many. */
static unsigned sorted(const double *v, unsigned n, double s[PROBE_MAX_ROUNDS])
{
	if (n > PROBE_MAX_ROUNDS)
		n = PROBE_MAX_ROUNDS;
	memcpy(s, v, n * sizeof(*v));
	qsort(s, n, sizeof(*s), cmp_double);
	return n;
}

double sample_median(const double *v, unsigned n)
{
	if (!n)
		return 0;
	double s[PROBE_MAX_ROUNDS];
	n = sorted(v, n, s);
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

double sample_noise(const double *v, unsigned n)
{
	if (!n)
		return 0;
	double s[PROBE_MAX_ROUNDS];
	n = sorted(v, n, s);
	double lo = s[(n - 1) / 4], hi = s[n - 1 - (n - 1) / 4];
	return lo > 0 ? hi / lo : 0;
}

uint64_t sample_now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ULL + (uint64_t)t.tv_nsec;
}
