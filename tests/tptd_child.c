/* SPDX-License-Identifier: MIT */
/*
 * tptd_child.c - processes for tptd's tests to watch.
 *
 *   tptd_child NAME mem MIB SECONDS RATEFILE   random read-modify-write over
 *       MIB of anonymous memory (first touched page by page), one line
 *       "seconds accesses-per-CPU-second" per 0.25 s window to RATEFILE
 *   tptd_child NAME compute SECONDS            arithmetic on 16 KiB
 *   tptd_child NAME idle MIB SECONDS            touches MIB, then sleeps
 *
 * Each prints "ready" on standard output once its memory is touched, so
 * that a test on a busy machine waits for it instead of guessing a delay.
 * NAME becomes the process name (comm), which tptd's allow list matches.
 * The access loop's own rate is the speed-up the tests print: it is what
 * the program would see, not a model.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <time.h>

static double clock_s(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double now(void)
{
	return clock_s(CLOCK_MONOTONIC);
}

/* The rate is per second of this process's CPU time, so that other
 * processes competing for the CPUs do not look like a slow-down. */
static double cpu(void)
{
	return clock_s(CLOCK_PROCESS_CPUTIME_ID);
}

static void ready(void)
{
	printf("ready\n");
	fflush(stdout);
}

static int mem(size_t mib, double secs, const char *ratefile)
{
	size_t len = mib << 20;
	uint64_t *a = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (a == MAP_FAILED) {
		perror("tptd_child: mmap");
		return 1;
	}
	for (size_t i = 0; i < len / 8; i += 512)
		a[i] = i;
	FILE *out = fopen(ratefile, "w");
	if (!out) {
		perror("tptd_child: rate file");
		return 1;
	}
	setvbuf(out, NULL, _IOLBF, 0);
	ready();
	uint64_t x = 88172645463325252ULL, n = len / 8, done = 0;
	double t0 = now(), w0 = t0, c0 = cpu(), t;
	while ((t = now()) - t0 < secs) {
		for (int k = 0; k < 4096; k++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			a[x % n] += x;
		}
		done += 4096;
		if (t - w0 >= 0.25) {
			double c = cpu();
			fprintf(out, "%.3f %.0f\n", t - t0, (double)done / (c - c0));
			done = 0;
			w0 = t;
			c0 = c;
		}
	}
	fclose(out);
	return 0;
}

static int compute(double secs)
{
	volatile uint64_t buf[2048];
	uint64_t x = 1;
	double t0 = now();
	ready();
	while (now() - t0 < secs)
		for (int k = 0; k < 100000; k++) {
			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
			buf[x % 2048] += x;
		}
	return 0;
}

static int idle(size_t mib, double secs)
{
	size_t len = mib << 20;
	volatile uint8_t *a = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
				   -1, 0);
	if (a == MAP_FAILED) {
		perror("tptd_child: mmap");
		return 1;
	}
	for (size_t i = 0; i < len; i += 4096)
		a[i] = 1;
	ready();
	struct timespec ts = {(time_t)secs, (long)((secs - (double)(time_t)secs) * 1e9)};
	nanosleep(&ts, NULL);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 4)
		prctl(PR_SET_NAME, argv[1], 0, 0, 0);
	if (argc == 6 && !strcmp(argv[2], "mem"))
		return mem(strtoul(argv[3], NULL, 10), atof(argv[4]), argv[5]);
	if (argc == 4 && !strcmp(argv[2], "compute"))
		return compute(atof(argv[3]));
	if (argc == 5 && !strcmp(argv[2], "idle"))
		return idle(strtoul(argv[3], NULL, 10), atof(argv[4]));
	fprintf(stderr, "usage: tptd_child NAME mem MIB SECONDS RATEFILE | NAME compute SECONDS | "
			"NAME idle MIB SECONDS\n");
	return 2;
}
