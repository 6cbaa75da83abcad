/* SPDX-License-Identifier: MIT */
/*
 * run.c - the one run loop (workload_run in workload.h): pulls a
 * workload's events in batches and hands each batch to a consumer (the
 * simulator, the binary-translator model), with a progress line on stderr
 * when it is a terminal. A generator that fails mid-stream (a malformed
 * trace) ends the run with its reason.
 */
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "tpt/workload/workload.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

int workload_run(struct workload *w, workload_consumer_fn consume, void *ctx,
		 const char *label, bool progress, struct tpt_err *e)
{
	enum { BATCH = 4096 };
	struct event *buf = malloc(BATCH * sizeof(*buf));
	if (!buf)
		return tpt_nomem(e);
	progress = progress && isatty(STDERR_FILENO);
	double start = progress ? now() : 0, last = start;
	uint64_t done = 0, expect = w->expected_events;
	int rc = 0;
	size_t n;
	while ((n = workload_next(w, buf, BATCH)) > 0) {
		if ((rc = consume(ctx, buf, n, e)))
			break;
		done += n;
		if (progress && (done & ((1u << 20) - 1)) < BATCH) {
			double t = now();
			if (t - last >= 0.5) {
				last = t;
				double f = expect ? (double)done / (double)expect : 0.0;
				fprintf(stderr, "\r  %-10s %5.1f%% of %.1fM events, %.0f s", label, 100 * f,
					(double)expect / 1e6, t - start);
				if (f > 0.01 && f < 1) /* the rate so far, for the rest */
					fprintf(stderr, ", about %.0f s left ", (t - start) * (1 - f) / f);
			}
		}
	}
	if (progress && last > start)
		fprintf(stderr, "\r%78s\r", "");
	free(buf);
	if (!rc && w->failed)
		rc = tpt_fail(e, "%s", w->err.msg);
	return rc;
}
