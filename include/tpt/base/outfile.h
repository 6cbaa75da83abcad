/* SPDX-License-Identifier: MIT */
/*
 * outfile.h - files the tools write (results, timelines, traces), written
 * so that nothing the user has is lost (outfile.c).
 *
 * "-" is standard output. A device, FIFO or other non-regular file is
 * written in place. A regular file (or one to be created) is written to a
 * temporary created exclusively in the same directory and renamed over it
 * only when complete: a failed or interrupted run leaves the old file as
 * it was, the file keeps its mode, and a symlink to it stays a symlink
 * (its target is what is replaced), and the replacement keeps the old
 * file's owner where the writer may give it. A symlink the kernel's
 * protected_symlinks would not follow (another user's, in a sticky
 * world-writable directory such as /tmp) is refused. Temporaries are
 * removed on SIGINT, SIGTERM and SIGHUP. Every write, flush and close is
 * checked.
 */
#ifndef TPT_OUTFILE_H
#define TPT_OUTFILE_H

#include <stdbool.h>
#include <stdio.h>

#include "tpt/base/util.h"

struct outfile {
	FILE *f;
	char *path; /* what is replaced at the end (a symlink's target), or NULL for stdout */
	char *tmp;  /* the temporary being written, or NULL when written in place */
};

/* Whether path can be written, before any work is done: "-", a device or
 * FIFO we may write, or a regular file (existing or new) whose temporary
 * can be created beside it now (one is made and removed: a read-only or
 * pseudo file system fails here, not after the run). 0, or -1 with e
 * naming the path and the reason. */
int outfile_check(const char *path, struct tpt_err *e);
/* Whether two paths name the same file: the same device and inode where
 * both exist, else the same real directory and last component (x.out and
 * ./x.out are one file before either is written). */
bool outfile_same(const char *a, const char *b);
/* The checks of a run: every output writable, none of them one of the
 * run's inputs, no two outputs the same file. NULL entries are skipped.
 * 0, or -1 with e set. */
int outfile_check_run(const char *const *outputs, size_t nout, const char *const *inputs,
		      size_t nin, struct tpt_err *e);

int outfile_open(struct outfile *o, const char *path, struct tpt_err *e);
/* keep: flush, sync and put in place; else drop the temporary. 0, or -1
 * with e set (the temporary is removed). */
int outfile_close(struct outfile *o, bool keep, struct tpt_err *e);

/* A temporary directory (mkdtemp of tmpl, "...XXXXXX", rewritten in place),
 * emptied and removed by outfile_tmpdir_remove or on SIGINT, SIGTERM or
 * SIGHUP; one at a time. 0, or -1 with e set. */
int outfile_tmpdir(char *tmpl, struct tpt_err *e);
void outfile_tmpdir_remove(void);

/* Standard output flushed and free of errors: 0, or -1 with e set. */
int outfile_stdout_ok(struct tpt_err *e);

#endif
