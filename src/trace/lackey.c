/*
 * lackey.c - reads `valgrind --tool=lackey --trace-mem=yes` output: lines
 * "I  addr,size" (an instruction fetch), " L addr,size" (a load),
 * " S addr,size" (a store) and " M addr,size" (a modify: a load and a store
 * to the same address). Valgrind's own lines ("==pid== ...") and blank lines
 * are skipped. An access carries the instructions fetched since the
 * previous one; a second access of the same instruction carries none.
 *
 * With --trace-syscalls=yes (tpt trace record asks for it) Valgrind logs
 * each system call: every one is a kernel entry, and successful mmap,
 * munmap, mprotect and brk calls become OS events, so the trace keeps the
 * program's own mappings (the kernel's at exec are not logged: the base
 * region stays under them).
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
	struct event pending; /* the store half of an M, or an OS event */
	bool has_pending;
	char call[512]; /* a system call whose result Valgrind logs on a later line */
};

/* The next line (without its LF or CRLF) into *out; false at the end. */
static bool next_line(struct trace_reader *r, struct lk *k, char **out, uint64_t *at)
{
	for (;;) {
		char *nl = memchr(k->buf + k->pos, '\n', k->len - k->pos);
		if (nl) {
			*nl = 0;
			if (nl > k->buf + k->pos && nl[-1] == '\r')
				nl[-1] = 0; /* a CRLF line end */
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

/* A successful mmap, munmap, mprotect or brk line as an OS event. */
static bool syscall_event(const char *line, struct event *e)
{
	const char *name = strstr(line, "sys_"), *ok = strstr(line, "Success(");
	const char *open = name ? strchr(name, '(') : NULL;
	if (!name || !ok || !open)
		return false;
	uint64_t arg[6] = {0};
	const char *p = open + 1;
	for (int i = 0; i < 6; i++) {
		char *end;
		arg[i] = strtoull(p, &end, 0);
		if (end == p)
			break;
		p = end;
		while (*p == ' ' || *p == ',')
			p++;
	}
	uint64_t result = strtoull(ok + 8, NULL, 0);
	*e = (struct event){.pid = 1};
	if (!strncmp(name, "sys_mmap ", 9)) {
		*e = (struct event){.type = EV_MMAP, .pid = 1, .va = result, .arg = arg[1],
				    .size = (arg[2] & 2) ? WL_MAP_W : 0};
	} else if (!strncmp(name, "sys_munmap ", 11)) {
		*e = (struct event){.type = EV_MUNMAP, .pid = 1, .va = arg[0], .arg = arg[1]};
	} else if (!strncmp(name, "sys_mprotect ", 13)) {
		*e = (struct event){.type = EV_MPROTECT, .pid = 1, .va = arg[0], .arg = arg[1],
				    .size = (arg[2] & 2) ? WL_MAP_W : 0};
	} else if (!strncmp(name, "sys_brk ", 8)) {
		*e = (struct event){.type = EV_BRK, .pid = 1, .va = result};
	} else {
		return false;
	}
	return e->type == EV_BRK || e->arg != 0;
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
		if (!strncmp(line, "SYSCALL[", 8) || !strncmp(line, " --> ", 5)) {
			/* A call, or the result of one logged on the line before. */
			bool result = strstr(line, "-->") != NULL;
			if (line[0] == 'S') {
				/* The kernel entry carries the instructions before it. */
				ev[out++] = (struct event){.type = EV_SYSCALL, .arg = 1, .pid = 1,
							   .instrs = k->instrs};
				k->instrs = 0;
				snprintf(k->call, sizeof(k->call), "%s", line);
			} else if (k->call[0]) {
				size_t len = strlen(k->call);
				snprintf(k->call + len, sizeof(k->call) - len, "%s", line);
			}
			if (result && k->call[0]) {
				k->has_pending = syscall_event(k->call, &k->pending);
				k->call[0] = 0;
				if (k->has_pending && !trace_range_ok(&k->pending)) {
					trace_fail(r, at, "line %llu: a successful call on a range "
						   "beyond the user address space",
						   (unsigned long long)k->line);
					return 0;
				}
			}
			continue;
		}
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
