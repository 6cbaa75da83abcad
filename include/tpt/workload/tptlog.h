/* SPDX-License-Identifier: MIT */
/*
 * tptlog.h - the log tpt's own Valgrind tool (tools/valgrind/tptrec.c)
 * writes, one per program run, and the recording reader reads
 * (src/workload/trace/tptlog.c). Freestanding: the tool is built without a
 * C library, so this header holds numbers only.
 *
 * A log: the header, then records to the end of the file.
 *   header   TPTLOG_MAGIC (8 bytes), flags (1 byte: TPTLOG_ROI), the length
 *            of the program's name (1 byte), the name (the last component
 *            of the path Valgrind ran)
 *   record   a tag byte, its low 4 bits the kind, then unsigned LEB128
 *            varints:
 *     TL_READ, TL_WRITE  instructions since the record before, the size
 *                        in bytes (1 to 64), then the zigzag difference
 *                        from the previous access's address
 *     TL_SYSCALL         instructions since the record before: a kernel entry
 *     TL_MMAP            address, length (the tag's high bits: WL_MAP_* flags)
 *     TL_MUNMAP          address, length
 *     TL_MPROTECT        address, length (high bits: WL_MAP_W if writable)
 *     TL_BRK             the new break
 *     TL_FILE            the file's id (FNV-1a of the path it was opened by),
 *                        the file page the next file mapping starts at
 *     TL_NOTE            a note for the recording's scheduler: its kind
 *                        (enum tptlog_note) and its argument
 * The kinds numbered as the event types they become (event.h), so a record
 * is an event of the log's process.
 */
#ifndef TPT_TPTLOG_H
#define TPT_TPTLOG_H

#define TPTLOG_MAGIC "TPTLOG01"
#define TPTLOG_ROI 1 /* recorded with --roi: its notes mark the region */

enum tptlog_kind {
	TL_READ = 0, TL_WRITE = 1, TL_MMAP = 4, TL_MUNMAP = 5, TL_MPROTECT = 6, TL_BRK = 7,
	TL_SYSCALL = 10, TL_FILE = 11, TL_NOTE = 14,
};

/* TL_NOTE's kinds: a fork (argument: the child's real pid), a wait that
 * blocks until a child ends, the start and end of the region of interest. */
enum tptlog_note { TN_FORK = 1, TN_WAIT = 2, TN_ROI_BEGIN = 3, TN_ROI_END = 4 };

/* The tool's client requests (tpt/roi.h): Valgrind's tool base for 'T','P'. */
#define TPTLOG_REQ_BASE ((unsigned)(('T' & 0xff) << 24 | ('P' & 0xff) << 16))
enum { TPTLOG_REQ_ROI_BEGIN = TPTLOG_REQ_BASE, TPTLOG_REQ_ROI_END = TPTLOG_REQ_BASE + 1 };

/* The id of a file from the path it was opened by: FNV-1a, never 0. */
static inline unsigned tptlog_file_id(const char *path, unsigned long len)
{
	unsigned h = 2166136261u;
	for (unsigned long i = 0; i < len; i++)
		h = (h ^ (unsigned char)path[i]) * 16777619u;
	return h ? h : 1;
}

#endif
