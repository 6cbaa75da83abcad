/* SPDX-License-Identifier: MIT */
/*
 * bench.c - tpt-bench: simulation speed and memory of one configuration.
 *
 *   tpt-bench SCHEME WORKLOAD [GUEST_PAGE HOST_PAGE LEVELS]
 *
 * Prints one line: scheme, workload, warm-up and measured accesses with
 * the wall and CPU seconds of each, the measured phase's simulated accesses
 * per second of wall time and per CPU-second (the one to compare on a
 * shared host, whose wall clock swings), and the process's peak resident
 * memory. Run one configuration per process (bench/run.sh), since
 * peak memory is per process.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "tpt/base/config.h"
#include "tpt/sim/sim.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* This process's CPU time: what a shared host does not inflate. */
static double cpu(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static unsigned shift_of(const char *s)
{
	return !strcmp(s, "2M") ? 21 : !strcmp(s, "1G") ? 30 : 12;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: tpt-bench SCHEME WORKLOAD [GUEST_PAGE HOST_PAGE LEVELS]\n");
		return 2;
	}
	struct tpt_config cfg;
	struct tpt_err e;
	struct workload wl;
	static struct sim s;
	config_defaults(&cfg);
	struct sim_params prm = {.scheme = scheme_find(argv[1]),
				 .guest_shift = argc > 3 ? shift_of(argv[3]) : 12,
				 .host_shift = argc > 4 ? shift_of(argv[4]) : 12,
				 .levels = argc > 5 ? atoi(argv[5]) : 4};
	if (!prm.scheme) {
		fprintf(stderr, "tpt-bench: unknown scheme %s\n", argv[1]);
		return 2;
	}
	if (workload_open(&wl, argv[2], 1, &e) || sim_init(&s, &cfg, &prm, &wl, &e)) {
		fprintf(stderr, "tpt-bench: %s\n", e.msg);
		return 2;
	}
	enum { BATCH = 4096 };
	static struct event ev[BATCH];
	double t0 = now(), tmark = t0, c0 = cpu(), cmark = c0;
	uint64_t warm = 0, measured = 0;
	bool in_measure = false;
	size_t n;
	while ((n = workload_next(&wl, ev, BATCH)) > 0) {
		size_t m = 0;
		if (!in_measure) {
			while (m < n && ev[m].type != EV_MARK)
				m++;
			warm += m;
			if (m < n) {
				/* Time the measured phase from the mark on. */
				if (sim_events(&s, ev, m, &e))
					goto fail;
				tmark = now();
				cmark = cpu();
				in_measure = true;
				measured--; /* the mark itself is not an access */
			} else {
				m = 0;
			}
		}
		if (sim_events(&s, ev + m, n - m, &e))
			goto fail;
		if (in_measure)
			measured += n - m;
	}
	double t1 = now(), c1 = cpu();
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("%-10s %-44s warm-up %10llu in %6.2fs (%6.2f CPU-s)  measured %11llu in %7.2fs (%7.2f CPU-s)  "
	       "%7.2f M acc/s  %7.2f M acc/CPU-s  peak %7.1f MiB\n",
	       argv[1], wl.spec, (unsigned long long)warm, tmark - t0, cmark - c0,
	       (unsigned long long)measured, t1 - tmark, c1 - cmark,
	       (double)measured / (t1 - tmark) / 1e6, (double)measured / (c1 - cmark) / 1e6,
	       ru.ru_maxrss / 1024.0);
	sim_fini(&s);
	workload_close(&wl);
	return 0;
fail:
	fprintf(stderr, "tpt-bench: %s\n", e.msg);
	return 1;
}
