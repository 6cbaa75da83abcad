/*
 * tptctl.c - `tptctl status`: what tptd is watching, from its state file
 * (the same report as `tptd --status`).
 *
 * Exit status: 0 success, 1 no readable state file, 2 bad usage.
 */
#include <stdio.h>
#include <string.h>

#include "conf.h"
#include "state.h"

int main(int argc, char **argv)
{
	struct tptd_conf c;
	struct tpt_err e;
	conf_defaults(&c);
	if (argc < 2 || strcmp(argv[1], "status")) {
		fprintf(stderr, "usage: tptctl status [--state FILE | --config FILE]\n");
		return 2;
	}
	for (int i = 2; i < argc; i++) {
		if (i + 1 >= argc || (strcmp(argv[i], "--state") && strcmp(argv[i], "--config"))) {
			fprintf(stderr, "tptctl: unknown or incomplete option '%s'\n", argv[i]);
			return 2;
		}
		if (!strcmp(argv[i], "--config") ? conf_load(&c, argv[i + 1], &e)
						 : conf_set(&c, "tptd", "state", argv[i + 1], &e)) {
			fprintf(stderr, "tptctl: %s\n", e.msg);
			return 2;
		}
		i++;
	}
	if (state_print_status(stdout, c.state, &e)) {
		fprintf(stderr, "tptctl: %s\n", e.msg);
		return 1;
	}
	return 0;
}
