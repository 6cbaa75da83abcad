/*
 * main.c - tptd, the live daemon (issue 6, in progress): today it probes
 * what this machine offers (`tptd --probe`). Profiling real processes and
 * acting for them through the TPT knob or MADV_COLLAPSE come next.
 *
 * Exit status: 0 success, 2 bad usage.
 */
#include <stdio.h>
#include <string.h>

#include "probe.h"

static void usage(FILE *out)
{
	fprintf(out, "usage: tptd --probe    metric sources and actuators this machine offers\n"
		     "       tptd --help\n");
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "--probe")) {
		struct probe p;
		probe_run(&p);
		probe_print(stdout, &p);
		return 0;
	}
	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		usage(stdout);
		return 0;
	}
	if (argc < 2)
		fprintf(stderr, "tptd: give --probe (see tptd --help)\n");
	else
		fprintf(stderr, "tptd: unknown option '%s' (see tptd --help)\n", argv[1]);
	return 2;
}
