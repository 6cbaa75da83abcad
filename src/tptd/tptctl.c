/* SPDX-License-Identifier: MIT */
/*
 * tptctl.c - `tptctl status`: what tptd is watching, from its state file
 * (the same report as `tptd --status`).
 *
 * Exit status: 0 success, 1 no readable state file, 2 bad usage.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "conf.h"
#include "state.h"
#include "tpt/base/outfile.h"
#include "tpt/base/version.h"

int main(int argc, char **argv)
{
	struct tptd_conf c;
	struct tpt_err e;
	conf_defaults(&c);
	if (argc == 2 && !strcmp(argv[1], "--version")) {
		printf("tptctl %s (commit %s)\n", tpt_version(), tpt_commit());
		return outfile_stdout_ok(&e) ? 1 : 0;
	}
	if (argc < 2 || strcmp(argv[1], "status")) {
		fprintf(stderr, "usage: tptctl status [--state FILE | --config FILE] | tptctl --version\n");
		return 2;
	}
	/* status takes the table's options but --version (the command alone). */
	struct option lo[8];
	size_t n = 0;
	for (size_t i = 0; i < tptctl_nopts && n + 1 < ARRAY_LEN(lo); i++)
		if (tptctl_opts[i].val != 'V')
			lo[n++] = (struct option){tptctl_opts[i].name,
						  tptctl_opts[i].arg ? required_argument : no_argument, 0,
						  tptctl_opts[i].val};
	lo[n] = (struct option){0, 0, 0, 0};
	opterr = 0;
	optind = 2;
	int o;
	bool seen = false;
	while ((o = getopt_long(argc, argv, ":", lo, NULL)) != -1) {
		if (o == ':' || o == '?') {
			fprintf(stderr, "tptctl: %s '%s'\n", o == ':' ? "option needs a value:" : "unknown option",
				argv[optind - 1]);
			return 2;
		}
		/* --state and --config both name the state file: one of them, once. */
		if (seen) {
			fprintf(stderr, "tptctl: give --state or --config once\n");
			return 2;
		}
		seen = true;
		if (o == 'c' ? conf_load(&c, optarg, &e) : conf_set(&c, "tptd", "state", optarg, &e)) {
			fprintf(stderr, "tptctl: %s\n", e.msg);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "tptctl: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (state_print_status(stdout, c.state, &e) || outfile_stdout_ok(&e)) {
		fprintf(stderr, "tptctl: %s\n", e.msg);
		return 1;
	}
	return 0;
}
