/*
 * lackey.c - reads `valgrind --tool=lackey --trace-mem=yes` output: lines
 * "I  addr,size" (an instruction fetch), " L addr,size" (a load),
 * " S addr,size" (a store) and " M addr,size" (a modify: a load and a store
 * to the same address). Valgrind's own lines ("==pid== ...") and blank lines
 * are skipped. An access carries the instructions fetched since the
 * previous one; a second access of the same instruction carries none.
 */
#include <stdlib.h>
#include <string.h>

#include "trace_internal.h"

struct lk {
	char buf[1 << 16];
	size_t len, pos;
	uint64_t buf_at; /* source offset of buf[0] */
	uint64_t line;
	uint32_t instrs;
	bool started;
	struct event pending; /* the store half of an M */
	bool has_pending;
};

/* The next line (without its newline) into *out; false at the end. */
static bool next_line(struct trace_reader *r, struct lk *k, char **out, uint64_t *at)
{
	for (;;) {
		char *nl = memchr(k->buf + k->pos, '\n', k->len - k->pos);
		if (nl) {
			*nl = 0;
			*out = k->buf + k->pos;
			*at = k->buf_at + k->pos;
			k->pos = (size_t)(nl - k->buf) + 1;
			k->line++;
			return true;
		}
		/* Move the partial line to the front and read more. */
		size_t rest = k->len - k->pos;
		if (rest == sizeof(k->buf) - 1) {
			trace_fail(r, k->buf_at + k->pos, "line %llu is too long",
				   (unsigned long long)k->line + 1);
			return false;
		}
		memmove(k->buf, k->buf + k->pos, rest);
		k->buf_at += k->pos;
		k->pos = 0;
		k->len = rest;
		size_t got = source_read(&r->src, k->buf + k->len, sizeof(k->buf) - 1 - k->len);
		if (r->src.err[0]) {
			trace_fail(r, r->src.offset, "%s", r->src.err);
			return false;
		}
		if (got == 0) {
			if (k->len == 0)
				return false;
			k->buf[k->len++] = '\n'; /* a last line without a newline */
			continue;
		}
		k->len += got;
	}
}

static size_t lackey_read(struct trace_reader *r, struct event *ev, size_t n)
{
	struct lk *k = r->state;
	size_t out = 0;
	if (!k->started) {
		k->started = true;
		out = trace_prologue(r, ev);
	}
	while (out < n) {
		if (k->has_pending) {
			ev[out++] = k->pending;
			k->has_pending = false;
			continue;
		}
		char *line;
		uint64_t at;
		if (!next_line(r, k, &line, &at))
			break;
		if (line[0] == 0 || line[0] == '=' || line[0] == '-')
			continue;
		char kind;
		unsigned long long addr;
		unsigned size;
		int used = 0;
		if (sscanf(line, " %c %llx,%u%n", &kind, &addr, &size, &used) != 3 || line[used] ||
		    !size || !strchr("ILSM", kind) || (kind != 'I' && line[0] != ' ')) {
			trace_fail(r, at, "line %llu is not a lackey record: '%.40s'",
				   (unsigned long long)k->line, line);
			return 0;
		}
		if (kind == 'I') {
			k->instrs++;
			continue;
		}
		struct event e = {.va = addr, .instrs = k->instrs, .pid = 1,
				  .size = (uint8_t)(size > 128 ? 128 : size),
				  .type = kind == 'S' ? EV_WRITE : EV_READ};
		k->instrs = 0;
		ev[out++] = e;
		if (kind == 'M') {
			e.type = EV_WRITE;
			e.instrs = 0;
			k->pending = e;
			k->has_pending = true;
		}
	}
	return out;
}

static void lackey_close(struct trace_reader *r)
{
	free(r->state);
}

int lackey_open(struct trace_reader *r, struct tpt_err *e)
{
	r->state = calloc(1, sizeof(struct lk));
	if (!r->state)
		return tpt_fail(e, "out of memory");
	r->read = lackey_read;
	r->close = lackey_close;
	return 0;
}
