/* SPDX-License-Identifier: MIT */
/*
 * tptlog.c - reads one log of tpt's own Valgrind tool (the format is
 * tptlog.h's) for recording.c: the same events and notes as lackey.c's
 * parser gives for a lackey log of the same run, since the tool counts as
 * that parser does. The header gives the program's name (LK_COMMAND) and
 * whether the region of interest was recorded (k->roi).
 *
 * Invariant: k->buf[k->pos .. k->len) holds the bytes read and not yet
 * parsed; k->iaddr is the address of the last access, which the next
 * access's difference is taken from.
 */
#include <string.h>

#include "trace_internal.h"
#include "tpt/workload/tptlog.h"

_Static_assert((int)TL_READ == EV_READ && (int)TL_WRITE == EV_WRITE &&
		       (int)TL_MMAP == EV_MMAP && (int)TL_MUNMAP == EV_MUNMAP &&
		       (int)TL_MPROTECT == EV_MPROTECT && (int)TL_BRK == EV_BRK &&
		       (int)TL_SYSCALL == EV_SYSCALL && (int)TL_FILE == EV_FILE,
	       "a log record's kind is its event's type");

/* The longest record: a tag, three varints of ten bytes and a size. */
#define RECORD_MAX 32

/* At least need bytes from k->pos, unless the log ends first; false on a
 * read error (r's error set). */
static bool fill(struct trace_reader *r, struct lk *k, size_t need)
{
	while (k->len - k->pos < need) {
		size_t rest = k->len - k->pos;
		memmove(k->buf, k->buf + k->pos, rest);
		k->buf_at += k->pos;
		k->pos = 0;
		k->len = rest;
		size_t got = source_read(k->src, k->buf + k->len, sizeof(k->buf) - k->len);
		if (k->src->err.msg[0]) {
			trace_fail(r, k->src->offset, "%s%s", k->label, k->src->err.msg);
			return false;
		}
		if (got == 0)
			break;
		k->len += got;
	}
	return true;
}

static bool get_var(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
	uint64_t x = 0;
	for (unsigned shift = 0; shift < 64; shift += 7) {
		if (*p >= end)
			return false;
		uint8_t b = *(*p)++;
		x |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*v = x;
			return true;
		}
	}
	return false;
}

/* The header: the program's name and the flags. */
static bool header(struct trace_reader *r, struct lk *k)
{
	size_t magic = sizeof(TPTLOG_MAGIC) - 1;
	if (!fill(r, k, magic + 2))
		return false;
	const uint8_t *h = (const uint8_t *)k->buf + k->pos;
	size_t have = k->len - k->pos;
	if (have < magic + 2 || memcmp(h, TPTLOG_MAGIC, magic) || (h[magic] & ~TPTLOG_ROI)) {
		trace_fail(r, k->buf_at + k->pos, "%snot a log of tpt's Valgrind tool (%s)", k->label,
			   have < magic + 2 ? "too short" : "a damaged header");
		return false;
	}
	k->roi = h[magic] & TPTLOG_ROI;
	k->iaddr = 0; /* the first access's difference is from 0 */
	size_t len = h[magic + 1];
	if (!fill(r, k, magic + 2 + len))
		return false;
	if (k->len - k->pos < magic + 2 + len) {
		trace_fail(r, k->buf_at + k->pos, "%sthe header ends inside the program's name",
			   k->label);
		return false;
	}
	const char *name = k->buf + k->pos + magic + 2;
	size_t keep = len < sizeof(k->command) - 1 ? len : sizeof(k->command) - 1;
	memcpy(k->command, name, keep);
	k->command[keep] = 0;
	k->pos += magic + 2 + len;
	k->started = true;
	k->note = LK_COMMAND;
	return true;
}

/* One record into ev (0 or 1 events; notes set k->note); false when the
 * record is malformed or runs past end. */
static bool record(struct lk *k, const uint8_t **p, const uint8_t *end,
		   struct event *ev, size_t *out)
{
	uint8_t tag = *(*p)++;
	unsigned kind = tag & 15, hi = tag >> 4;
	uint64_t a = 0, b = 0;
	struct event e = {.type = (uint8_t)kind};
	bool ok;
	switch (kind) {
	case TL_READ:
	case TL_WRITE:
		ok = get_var(p, end, &a) && a <= UINT32_MAX && *p < end && **p >= 1 && **p <= 64;
		if (ok) {
			e.instrs = (uint32_t)a;
			e.size = *(*p)++;
			ok = get_var(p, end, &b);
			k->iaddr += (uint64_t)((int64_t)(b >> 1) ^ -(int64_t)(b & 1));
			e.va = k->iaddr;
		}
		break;
	case TL_SYSCALL:
		ok = get_var(p, end, &a) && a <= UINT32_MAX;
		e.instrs = (uint32_t)a;
		e.arg = 1;
		break;
	case TL_MMAP:
	case TL_MUNMAP:
	case TL_MPROTECT:
		ok = get_var(p, end, &e.va) && get_var(p, end, &e.arg) && trace_range_ok(&e);
		e.size = (uint8_t)hi;
		break;
	case TL_BRK:
		ok = get_var(p, end, &e.va);
		break;
	case TL_FILE:
		ok = get_var(p, end, &e.va) && get_var(p, end, &e.arg) && e.va && e.va <= UINT32_MAX;
		break;
	case TL_NOTE:
		ok = get_var(p, end, &a) && get_var(p, end, &b) && a >= TN_FORK && a <= TN_ROI_END;
		if (ok) {
			static const int notes[] = {[TN_FORK] = LK_FORK, [TN_WAIT] = LK_WAIT,
						    [TN_ROI_BEGIN] = LK_ROI_BEGIN,
						    [TN_ROI_END] = LK_ROI_END};
			k->note = notes[a];
			k->note_arg = b;
		}
		return ok;
	default:
		ok = false;
		break;
	}
	if (ok)
		ev[(*out)++] = e;
	return ok;
	return true;
}

size_t tl_parse(struct trace_reader *r, struct lk *k, struct event *ev, size_t n)
{
	size_t out = 0;
	if (!k->started)
		return header(r, k), 0;
	while (out + 2 <= n && k->note == LK_NONE) {
		if (!fill(r, k, RECORD_MAX))
			return 0;
		if (k->pos == k->len) {
			k->eof = true;
			break;
		}
		const uint8_t *start = (const uint8_t *)k->buf + k->pos, *p = start;
		const uint8_t *end = (const uint8_t *)k->buf + k->len;
		if (!record(k, &p, end, ev, &out)) {
			if (p >= end)
				trace_fail(r, k->buf_at + k->pos, "%sthe log ends inside a record",
					   k->label);
			else
				trace_fail(r, k->buf_at + k->pos, "%sa malformed record (tag %#x)",
					   k->label, *start);
			return 0;
		}
		k->pos += (size_t)(p - start);
	}
	return out;
}
