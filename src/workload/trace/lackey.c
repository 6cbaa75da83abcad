/* SPDX-License-Identifier: MIT */
/*
 * lackey.c - reads `valgrind --tool=lackey --trace-mem=yes` output: lines
 * "I  addr,size" (an instruction fetch), " L addr,size" (a load),
 * " S addr,size" (a store) and " M addr,size" (a modify: a load and a store
 * to the same address). Valgrind's own lines ("==pid== ...") and blank lines
 * are skipped. An access carries the instructions fetched since the
 * previous one; a second access of the same instruction carries none.
 *
 * A string instruction with a rep prefix reaches lackey as one fetch per
 * iteration at the same address (a rep stosb of N bytes: N fetches, N
 * one-byte stores). The hardware retires it as one instruction and moves
 * whole cache lines, so a fetch at the address of the one before, when that
 * one accessed memory, is a further iteration: it adds no instruction, and
 * its accesses count once per 64-byte line and direction (the first access
 * to each line is kept, the others in that line dropped).
 *
 * With --trace-syscalls=yes (tpt trace record asks for it) Valgrind logs
 * each system call: every call is a kernel entry (the completion of a call
 * that blocked is not another), and successful mmap, munmap, mprotect and
 * brk calls become OS events, an mmap of a file marked WL_MAP_FILE and
 * preceded by EV_FILE naming the file (its path's hash, from the open that
 * gave the descriptor) and the page it starts at, so the trace keeps the
 * program's own mappings (the kernel's at exec are not
 * logged: the base region stays under them).
 *
 * The line parser (struct lk) is shared with recording.c, which merges a
 * whole recording's logs: it stops at what a scheduler must see (the
 * program's name, a fork, a blocking wait) and reports it in k->note.
 */
#include <stdlib.h>
#include <string.h>

#include "trace_internal.h"
#include "tpt/workload/tptlog.h"

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
			trace_fail(r, k->buf_at + k->pos, "%sline %llu is too long", k->label,
				   (unsigned long long)k->line + 1);
			return false;
		}
		memmove(k->buf, k->buf + k->pos, rest);
		k->buf_at += k->pos;
		k->pos = 0;
		k->len = rest;
		size_t got = source_read(k->src, k->buf + k->len, sizeof(k->buf) - 1 - k->len);
		if (k->src->err.msg[0]) {
			trace_fail(r, k->src->offset, "%s%s", k->label, k->src->err.msg);
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

/* The numbers in a call's parentheses; how many were read. */
static int call_args(const char *line, uint64_t arg[6])
{
	const char *name = strstr(line, "sys_");
	const char *p = name ? strchr(name, '(') : NULL;
	if (!p)
		return 0;
	p++;
	int i;
	for (i = 0; i < 6; i++) {
		char *end;
		arg[i] = strtoull(p, &end, 0);
		if (end == p)
			break;
		p = end;
		while (*p == ' ' || *p == ',')
			p++;
	}
	return i;
}

/* A successful open: the descriptor now names the file in its "(path)". */
static void opened(struct lk *k, const char *line, const char *ok)
{
	uint64_t fd = strtoull(ok + 8, NULL, 0);
	const char *open = strstr(line, "sys_open");
	const char *args = open ? strchr(open, '(') : NULL;
	const char *path = args ? strchr(args + 1, '(') : NULL;
	const char *close = path ? strchr(path, ')') : NULL;
	if (fd < ARRAY_LEN(k->files) && close)
		k->files[fd] = tptlog_file_id(path + 1, (size_t)(close - path - 1));
}

/* A successful mmap, munmap, mprotect or brk line as OS events (a file
 * mapping's file first); how many (0 to 2). */
static unsigned syscall_events(struct lk *k, const char *line, struct event e[2])
{
	const char *name = strstr(line, "sys_"), *ok = strstr(line, "Success(");
	uint64_t arg[6] = {0};
	if (!name || !ok || !call_args(line, arg))
		return 0;
	uint64_t result = strtoull(ok + 8, NULL, 0);
	enum { PROT_W = 2, ANONYMOUS = 0x20 }; /* PROT_WRITE, MAP_ANONYMOUS */
	unsigned n = 0;
	if (!strncmp(name, "sys_mmap ", 9) && arg[1]) {
		uint8_t flags = (arg[2] & PROT_W) ? WL_MAP_W : 0;
		if (!(arg[3] & ANONYMOUS)) {
			flags |= WL_MAP_FILE;
			if (arg[4] < ARRAY_LEN(k->files) && k->files[arg[4]])
				e[n++] = (struct event){.type = EV_FILE, .va = k->files[arg[4]],
							.arg = arg[5] / PAGE_SIZE};
		}
		e[n++] = (struct event){.type = EV_MMAP, .va = result, .arg = arg[1], .size = flags};
	} else if (!strncmp(name, "sys_munmap ", 11) && arg[1]) {
		e[n++] = (struct event){.type = EV_MUNMAP, .va = arg[0], .arg = arg[1]};
	} else if (!strncmp(name, "sys_mprotect ", 13) && arg[1]) {
		e[n++] = (struct event){.type = EV_MPROTECT, .va = arg[0], .arg = arg[1],
					.size = (arg[2] & PROT_W) ? WL_MAP_W : 0};
	} else if (!strncmp(name, "sys_brk ", 8)) {
		e[n++] = (struct event){.type = EV_BRK, .va = result};
	} else if (!strncmp(name, "sys_open", 8)) {
		opened(k, line, ok);
	}
	return n;
}

/* A wait that blocks until a child ends: wait4 or waitid without WNOHANG. */
static bool blocking_wait(const char *line)
{
	enum { NOHANG = 1 }; /* WNOHANG */
	uint64_t arg[6] = {0};
	int n = call_args(line, arg);
	if (strstr(line, "sys_wait4 (") && n >= 3)
		return !(arg[2] & NOHANG);
	if (strstr(line, "sys_waitid (") && n >= 4)
		return !(arg[3] & NOHANG);
	return false;
}

/* "==pid== Command: PROGRAM ARGS": PROGRAM's last path component. */
static void command_name(const char *cmd, char name[16])
{
	char word[256];
	size_t n = 0;
	for (const char *p = cmd; *p && *p != ' ' && n < sizeof(word) - 1; p++) {
		if (*p == '\\' && p[1])
			p++; /* Valgrind escapes spaces and quotes in the command */
		word[n++] = *p;
	}
	word[n] = 0;
	const char *base = strrchr(word, '/');
	base = base ? base + 1 : word;
	size_t len = strnlen(base, 15);
	memcpy(name, base, len);
	name[len] = 0;
}

/* A "SYSCALL[pid,tid](nr) ..." line, or a " --> result" line that ends the
 * call logged before it. Returns the events it makes (0, 1 or 2 with the
 * pending one). */
static size_t syscall_line(struct trace_reader *r, struct lk *k, const char *line, uint64_t at,
			   struct event *ev)
{
	size_t out = 0;
	bool result = strstr(line, "-->") != NULL;
	if (line[0] == 'S') {
		const char *body = strchr(line, ')');
		bool completion = body && !strncmp(body, ") ... ", 6);
		if (!completion) {
			/* The kernel entry carries the instructions before it. */
			ev[out++] = (struct event){.type = EV_SYSCALL, .arg = 1, .instrs = k->instrs};
			k->instrs = 0;
			snprintf(k->call, sizeof(k->call), "%s", line);
			const char *child = strstr(line, " created child ");
			if (child) {
				k->note = LK_FORK;
				k->note_arg = strtoull(child + 15, NULL, 10);
			} else if (strstr(line, "[async]") && blocking_wait(line)) {
				k->note = LK_WAIT;
			}
		} else if (k->call[0]) {
			size_t len = strlen(k->call);
			snprintf(k->call + len, sizeof(k->call) - len, "%s", line);
		}
	} else if (k->call[0]) {
		size_t len = strlen(k->call);
		snprintf(k->call + len, sizeof(k->call) - len, "%s", line);
	}
	if (result && k->call[0] && !strstr(line, "--> [async]")) {
		k->npending = syscall_events(k, k->call, k->pending);
		k->ipending = 0;
		k->call[0] = 0;
		if (k->npending && !trace_range_ok(&k->pending[k->npending - 1])) {
			trace_fail(r, at, "%sline %llu: a successful call on a range beyond the user "
				   "address space", k->label, (unsigned long long)k->line);
			return 0;
		}
	}
	return out;
}

size_t lk_parse(struct trace_reader *r, struct lk *k, struct event *ev, size_t n)
{
	size_t out = 0;
	while (out + 2 <= n && k->note == LK_NONE) {
		if (k->ipending < k->npending) {
			ev[out++] = k->pending[k->ipending++];
			continue;
		}
		char *line;
		uint64_t at;
		if (!next_line(r, k, &line, &at)) {
			k->eof = !r->failed;
			break;
		}
		if (!strncmp(line, "SYSCALL[", 8) || !strncmp(line, " --> ", 5)) {
			out += syscall_line(r, k, line, at, ev + out);
			if (r->failed)
				return 0;
			continue;
		}
		if (line[0] == '=') {
			const char *cmd = strstr(line, "== Command: ");
			if (cmd && !k->command[0]) {
				command_name(cmd + 12, k->command);
				k->note = LK_COMMAND;
			}
			continue;
		}
		if (line[0] == 0 || line[0] == '-')
			continue;
		char kind;
		unsigned long long addr;
		unsigned size;
		int used = 0;
		if (sscanf(line, " %c %llx,%u%n", &kind, &addr, &size, &used) != 3 || line[used] ||
		    !size || !strchr("ILSM", kind) || (kind != 'I' && line[0] != ' ')) {
			trace_fail(r, at, "%sline %llu is not a lackey record: '%.40s'", k->label,
				   (unsigned long long)k->line, line);
			return 0;
		}
		if (kind == 'I') {
			/* A further iteration of a rep string instruction, or a new instruction. */
			k->rep = addr == k->iaddr && k->iaccess;
			if (!k->rep) {
				k->instrs++;
				k->iaddr = addr;
				k->iaccess = false;
				k->lines[0] = k->lines[1] = UINT64_MAX;
			}
			continue;
		}
		k->iaccess = true;
		uint64_t cl = addr >> 6;
		bool load = kind != 'S', store = kind != 'L';
		if (k->rep) {
			load = load && cl != k->lines[0];
			store = store && cl != k->lines[1];
		}
		if (load)
			k->lines[0] = cl;
		if (store)
			k->lines[1] = cl;
		if (!load && !store)
			continue; /* a line this rep instruction already touched */
		struct event e = {.va = addr, .instrs = k->instrs,
				  .size = (uint8_t)(size > 64 ? 64 : size),
				  .type = load ? EV_READ : EV_WRITE};
		k->instrs = 0;
		ev[out++] = e;
		if (load && store) {
			e.type = EV_WRITE;
			e.instrs = 0;
			k->pending[0] = e;
			k->npending = 1;
			k->ipending = 0;
		}
	}
	return out;
}

void lk_init(struct lk *k, struct source *src, const char *label)
{
	memset(k, 0, sizeof(*k));
	k->src = src;
	k->label = label;
	k->iaddr = UINT64_MAX;
	k->lines[0] = k->lines[1] = UINT64_MAX;
}

/* One log, one process: pid 1 under the single-process prologue. */
static size_t lackey_read(struct trace_reader *r, struct event *ev, size_t n)
{
	struct lk *k = r->state;
	size_t out = 0;
	if (!k->started) {
		k->started = true;
		out = trace_prologue(r, ev);
	}
	while (out + 2 <= n && !k->eof && !r->failed) {
		k->note = LK_NONE; /* one process: forks, waits and names do not matter */
		out += lk_parse(r, k, ev + out, n - out);
	}
	for (size_t i = 0; i < out; i++)
		ev[i].pid = 1;
	return out;
}

static void lackey_close(struct trace_reader *r)
{
	free(r->state);
}

static int lackey_open(struct trace_reader *r, struct tpt_err *e)
{
	struct lk *k = malloc(sizeof(*k));
	if (!k)
		return tpt_nomem(e);
	lk_init(k, &r->src, "");
	r->state = k;
	r->read = lackey_read;
	r->close = lackey_close;
	return 0;
}

/* Any text: Valgrind lackey's log is. */
static int lackey_recognise(const uint8_t *head, size_t len, const char *path, struct tpt_err *e)
{
	(void)path, (void)e;
	return trace_is_text(head, len);
}

const struct trace_fmt trace_fmt_lackey = {
	.name = "lackey",
	.recognise = lackey_recognise,
	.open = lackey_open,
	.create = NULL,
};
