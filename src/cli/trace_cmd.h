/* SPDX-License-Identifier: MIT */
/* trace_cmd.h - the `tpt trace` subcommands (trace_cmd.c). */
#ifndef TPT_TRACE_CMD_H
#define TPT_TRACE_CMD_H

int cmd_trace(int argc, char **argv);

#endif
