/* SPDX-License-Identifier: MIT */
/*
 * trace_internal.h - what the trace formats share: a byte source that reads
 * plain or xz-compressed files and knows its offset, and the reader and
 * writer structures with one set of operations per format.
 */
#ifndef TPT_TRACE_INTERNAL_H
#define TPT_TRACE_INTERNAL_H

#include <lzma.h>
#include <pthread.h>
#include <stdio.h>

#include "pageset.h"
#include "tpt/base/outfile.h"
#include "tpt/workload/trace.h"

/* A byte source: the file's bytes, decompressed when it is xz. It reads
 * the file once, front to back, so a pipe works as well as a file. */
struct source {
	FILE *f;
	bool xz, eof;
	lzma_stream z;
	uint8_t in[1 << 16];
	uint8_t raw[6];       /* the file's first bytes, read to look for the xz magic */
	size_t raw_len, raw_pos;
	uint8_t peek[512];    /* bytes source_peek read, handed out again first */
	size_t peek_len, peek_pos;
	uint64_t offset; /* bytes delivered so far (decompressed) */
	struct tpt_err err; /* the failure, once one happened (msg empty before) */
};

/* Threads liblzma may use to code xz: the CPUs online, at most 8. Files
 * tpt writes come in XZ_BLOCK-byte blocks (of decompressed data), which
 * the decoder spreads over them; a one-block file decodes on one. The
 * blocks, not the threads, decide the bytes written. */
#define XZ_BLOCK (8u << 20)
uint32_t xz_threads(void);

int source_open(struct source *s, const char *path, struct tpt_err *e);
/* Up to n bytes; fewer only at the end or on an error (then s->err is set). */
size_t source_read(struct source *s, void *buf, size_t n);
/* The next bytes (at most sizeof(peek)), which the next reads deliver again. */
size_t source_peek(struct source *s, const uint8_t **head);
void source_close(struct source *s);

/* Decoding ahead: a second thread runs the format's reader into a ring of
 * batches that trace_read hands out, so decompression and parsing overlap
 * the simulation. Each batch carries the program names as they stood when
 * its last event was decoded. */
#define AHEAD_BATCHES 4
#define AHEAD_EVENTS 16384
struct ahead_batch {
	struct event ev[AHEAD_EVENTS];
	size_t n;
	char names[32][16];
};
struct ahead {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct ahead_batch *b; /* AHEAD_BATCHES of them */
	uint64_t made, used;   /* batches decoded and handed out so far */
	size_t pos;            /* events of batch `used` handed out */
	bool end, stop;        /* the decoder finished (end or error); asked to stop */
	char names[32][16];    /* the names of what trace_read handed out last */
};

struct trace_reader {
	int format;
	struct source src;
	size_t (*read)(struct trace_reader *r, struct event *ev, size_t n);
	void (*close)(struct trace_reader *r);
	void *state;
	char names[32][16];
	uint64_t footprint;
	bool failed, done;
	struct tpt_err err;
	const char *path;
	struct ahead *ahead; /* NULL: decoded in the caller's thread */
};

/* Sets the reader's error (with the byte offset) and returns 0. */
size_t trace_fail(struct trace_reader *r, uint64_t offset, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The top of the largest user address space (5-level paging): a successful
 * mmap, munmap or mprotect range lies below it, so one beyond it (or one whose
 * end wraps) marks a corrupt trace. */
#define TRACE_USER_TOP (1ULL << 57)
bool trace_range_ok(const struct event *e);
/* The single-process prologue for formats without OS events. */
size_t trace_prologue(struct trace_reader *r, struct event *ev);

/* Whether len bytes are text a lackey log could hold. */
bool trace_is_text(const uint8_t *head, size_t len);

/* The parser of one log of a recording, one per log being read: lackey's
 * text (lackey.c, lk_parse) or the log of tpt's own Valgrind tool
 * (tptlog.c, tl_parse). A parser returns events without their pid, and
 * stops early at a note: the log's program name (lackey's "Command:" line,
 * the tool's header), a fork (note_arg: the child's real pid), a wait that
 * blocks until a child ends, or the start or end of the region of
 * interest (the tool's, when recorded with --roi: then roi is set). It
 * fills at most n events and needs n >= 2. */
enum lk_note { LK_NONE, LK_COMMAND, LK_FORK, LK_WAIT, LK_ROI_BEGIN, LK_ROI_END };
struct lk {
	struct source *src;
	const char *label; /* prefix of its error messages */
	char buf[1 << 16];
	size_t len, pos;
	uint64_t buf_at; /* source offset of buf[0] */
	uint64_t line;
	uint32_t instrs;
	bool started, eof, roi;
	struct event pending[2]; /* the store half of an M, or an OS event (a file's, then its mmap) */
	unsigned npending, ipending;
	uint32_t files[1024]; /* per file descriptor: the id of the file it opened, 0 none */
	char call[512]; /* a system call whose result Valgrind logs on a later line */
	uint64_t iaddr;   /* the instruction fetched last (the tool's log: the last access's address) */
	bool iaccess;     /* it accessed memory */
	bool rep;         /* the fetch was a further iteration of it */
	uint64_t lines[2]; /* the cache lines it loaded and stored last */
	int note;         /* enum lk_note */
	uint64_t note_arg;
	char command[16];
};
void lk_init(struct lk *k, struct source *src, const char *label);
size_t lk_parse(struct trace_reader *r, struct lk *k, struct event *ev, size_t n);
size_t tl_parse(struct trace_reader *r, struct lk *k, struct event *ev, size_t n);

/* A recording: a directory of logs, lackey's or the tool's, one per program
 * run (recording.c). */
int recording_open(struct trace_reader *r, struct tpt_err *e);
bool recording_is(const char *path);

struct trace_writer {
	int format;
	FILE *f;           /* of.f */
	struct outfile of; /* written whole or not at all (outfile.h) */
	char *path;
	int (*write)(struct trace_writer *w, const struct event *ev, size_t n,
		     const char (*names)[16], struct tpt_err *e);
	int (*finish)(struct trace_writer *w, struct tpt_err *e);
	void (*free)(struct trace_writer *w);
	void *state;
	uint64_t dropped; /* events the format cannot hold */
};

/*
 * A trace format, one file each (tptfmt.c, lackey.c, champsim.c); trace.c
 * holds the table, in enum trace_format's order, and dispatches through it.
 *   recognise  from a file's first bytes (at least one): 1 it is one; 0
 *              it is not; -1 with e set when it is a damaged one
 *   open       a reader of the source in r->src
 *   create     a writer (xz: compressed with xz); NULL: not written
 */
struct trace_fmt {
	const char *name;
	int (*recognise)(const uint8_t *head, size_t len, const char *path, struct tpt_err *e);
	int (*open)(struct trace_reader *r, struct tpt_err *e);
	int (*create)(struct trace_writer *w, bool xz, struct tpt_err *e);
};
extern const struct trace_fmt trace_fmt_tpt, trace_fmt_lackey, trace_fmt_champsim;

#endif
