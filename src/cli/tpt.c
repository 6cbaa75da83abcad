/* SPDX-License-Identifier: MIT */
/*
 * tpt.c - main() of the tpt command: the subcommand named first runs
 * (commands.c); a listing's write error on standard output is an error.
 */
#include <stdio.h>

#include "cli.h"

int main(int argc, char **argv)
{
	if (argc < 2) {
		cli_usage(stderr);
		return 2;
	}
	int rc = run_command(argc - 1, argv + 1, NULL);
	struct tpt_err e;
	if (!rc && outfile_stdout_ok(&e)) {
		bad("%s", e.msg);
		return 1;
	}
	return rc;
}
