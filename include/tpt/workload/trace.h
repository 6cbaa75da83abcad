/* SPDX-License-Identifier: MIT */
/*
 * trace.h - memory traces: tpt's own format (versioned header, zstd
 * blocks of delta-encoded records with process and OS events), Valgrind
 * lackey's text (`valgrind --tool=lackey --trace-mem=yes`), and ChampSim's
 * binary `input_instr` records, plain or xz-compressed. Readers stream:
 * a trace larger than memory reads in constant space.
 *
 * Lackey and ChampSim traces carry no OS events: their readers present one
 * process, `exec`'d and given one region covering the user address space.
 */
#ifndef TPT_TRACE_H
#define TPT_TRACE_H

#include "tpt/workload/workload.h"

enum trace_format { TRACE_AUTO = -1, TRACE_TPT = 0, TRACE_LACKEY, TRACE_CHAMPSIM };

/* A format's name ("tpt", "lackey", "champsim"), "?" for none. */
const char *trace_format_name(int format);
/* "tpt", "lackey", "champsim" -> the format, else -1. */
int trace_format_parse(const char *name);

struct trace_reader;

int trace_open(struct trace_reader **r, const char *path, int format, struct tpt_err *e);
/* Up to n events; 0 at the end or on an error (then trace_error says which). */
size_t trace_read(struct trace_reader *r, struct event *ev, size_t n);
/* The error that stopped the reader (with its byte offset), or NULL. */
const char *trace_error(const struct trace_reader *r);
int trace_format_of(const struct trace_reader *r);
/* Program name of EV_EXEC's arg (empty if the trace gave none). */
const char *trace_name(const struct trace_reader *r, unsigned idx);
/* Bytes of memory the trace maps at most, from a tpt header; 0 if unknown. */
uint64_t trace_footprint(const struct trace_reader *r);
void trace_close(struct trace_reader *r);

struct trace_writer;

/* Writes to a temporary file renamed to path by trace_finish: a failed
 * write never leaves a partial file in place of an old one. ChampSim output
 * is xz-compressed when path ends in ".xz". TRACE_AUTO: the format the name
 * says (ChampSim for *.champsim and *.xz, else tpt); a tpt trace named *.xz
 * is refused (its blocks are zstd). */
int trace_create(struct trace_writer **w, const char *path, int format, struct tpt_err *e);
/* names: the program names EV_EXEC events refer to (32 of 16 bytes). */
int trace_write(struct trace_writer *w, const struct event *ev, size_t n,
		const char (*names)[16], struct tpt_err *e);
/* Events written so far that the format cannot hold (ChampSim: OS events). */
uint64_t trace_dropped(const struct trace_writer *w);
int trace_finish(struct trace_writer *w, struct tpt_err *e);
void trace_abort(struct trace_writer *w);

/* How a program is recorded. */
struct trace_recorder {
	bool children; /* follow forked and exec'd programs */
	bool roi;      /* record the region-of-interest markers (tpt/roi.h): tpt's tool only */
	bool lackey;   /* Valgrind lackey, even where tpt's own tool is there */
	bool progress; /* a progress line on stderr when it is a terminal */
};
/* The directory holding tpt's Valgrind tool into found ($TPT_TOOL_DIR, else
 * the build's or the installation's); false where it is missing. */
bool trace_record_tool(char *found, size_t size);
/* Runs argv under Valgrind, tpt's tool (lackey where it is missing, or
 * asked for) with its logs in the empty directory dir (a recording:
 * trace_open reads the directory). *status: valgrind's wait status, which
 * is the program's. 0, or -1 with e set when the recording failed. */
int trace_record_run(const char *dir, char *const argv[], const struct trace_recorder *how,
		     int *status, struct tpt_err *e);

/* What `tpt trace info` prints. */
struct trace_stats {
	uint64_t events, accesses, reads, writes, instructions;
	uint64_t by_type[16];
	uint64_t pages[3]; /* distinct 4K, 2M, 1G pages touched */
	uint64_t processes; /* distinct pids */
	/* With a window of N accesses (trace_counter.window): the whole
	 * windows, and the distinct 4K pages of each summed, least, most. */
	uint64_t windows, window_pages, window_min, window_max;
};

/* One process of a trace, as `tpt trace info --processes` lists it. */
struct trace_proc {
	uint16_t parent;  /* the pid that forked it; 0: none */
	char name[16];    /* the program it ran last */
	uint64_t execs, instructions, accesses, syscalls;
	bool exited;
};

struct pageset;
struct trace_counter {
	struct trace_stats st;
	struct pageset *sets[3];
	uint64_t window;         /* accesses a window (0: none); set before the first add */
	uint64_t in_window;      /* accesses of the window under way */
	struct pageset *wpages;  /* its distinct 4K pages */
	uint8_t *pids; /* bit per pid seen */
	struct trace_proc *procs; /* by pid */
};

int trace_counter_init(struct trace_counter *c);
/* names: the program names EV_EXEC events refer to (32 of 16 bytes). */
void trace_counter_add(struct trace_counter *c, const struct event *ev, size_t n,
		       const char (*names)[16]);
void trace_counter_fini(struct trace_counter *c);

#endif
