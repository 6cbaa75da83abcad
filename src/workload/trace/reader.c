/* SPDX-License-Identifier: MIT */
/*
 * reader.c - what the format readers (tptfmt.c, lackey.c, champsim.c)
 * share: an error that names the file and the byte offset, the
 * single-process prologue of formats without OS events, the check that an
 * OS event's range lies in a user address space, and what text is. Called by the
 * readers only (trace_internal.h).
 */
#include <stdarg.h>
#include <stdio.h>

#include "trace_internal.h"

size_t trace_fail(struct trace_reader *r, uint64_t offset, const char *fmt, ...)
{
	if (r->failed)
		return 0;
	char what[240];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	tpt_fail(&r->err, "%s: %s at byte %llu%s", r->path, what,
		 (unsigned long long)offset, r->src.xz ? " (of the decompressed data)" : "");
	r->failed = true;
	return 0;
}

bool trace_is_text(const uint8_t *head, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!(head[i] == '\n' || head[i] == '\t' || head[i] == '\r' || (head[i] >= 0x20 && head[i] <= 0x7e)))
			return false;
	return true;
}

bool trace_range_ok(const struct event *e)
{
	if (e->type != EV_MMAP && e->type != EV_MUNMAP && e->type != EV_MPROTECT)
		return true;
	return e->va <= TRACE_USER_TOP && e->arg <= TRACE_USER_TOP - e->va;
}

size_t trace_prologue(struct trace_reader *r, struct event *ev)
{
	snprintf(r->names[0], sizeof(r->names[0]), "trace");
	ev[0] = (struct event){.type = EV_EXEC, .pid = 1};
	/* No mmap events: one region over the 47-bit user address space. */
	ev[1] = (struct event){.type = EV_MMAP, .pid = 1, .va = 0, .arg = 1ULL << 47, .size = WL_MAP_W};
	ev[2] = (struct event){.type = EV_MARK, .pid = 1};
	return 3;
}
