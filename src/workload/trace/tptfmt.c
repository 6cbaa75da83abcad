/* SPDX-License-Identifier: MIT */
/*
 * tptfmt.c - tpt's own trace format, reader and writer.
 *
 * File: a 32-byte header, then blocks. Header (little-endian): "TPTTRACE",
 * version (u32, 1), flags (u32, 1: zstd blocks), footprint (u64: bytes of
 * the distinct 2 MiB pages the accesses touch), events (u64). Block: raw
 * length (u32, at most 8 MiB), compressed length (u32), one zstd frame.
 *
 * Records in a block: a tag byte, its low 4 bits the event type (ev_type;
 * 13 names a program, 15 sets the pid of what follows), its high 4 bits
 * log2 of an access's size (its bit 3: EV_CHAIN) or an mmap's flags; then unsigned LEB128
 * varints: instructions, then per type: accesses the zigzag difference from
 * the previous access's address; mmap/munmap/mprotect the address and
 * length; brk the address; exec, fork and syscall their argument; file
 * (EV_FILE) the file's id and its page.
 * Invariant (writer): every EV_EXEC is preceded in the file by the name it
 * refers to.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

#include "trace_internal.h"

#define MAGIC "TPTTRACE"
#define VERSION 1
#define BLOCK_MAX (8u << 20)
#define BLOCK_TARGET (1u << 20)
enum { TAG_NAME = 13, TAG_PID = 15 };

static void put_u32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put_u64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get_u64(const uint8_t *p)
{
	return (uint64_t)get_u32(p) | (uint64_t)get_u32(p + 4) << 32;
}

static size_t put_var(uint8_t *p, uint64_t v)
{
	size_t n = 0;
	do {
		p[n++] = (uint8_t)((v & 0x7f) | (v >= 0x80 ? 0x80 : 0));
		v >>= 7;
	} while (v);
	return n;
}

/* Reads a varint from [*p, end); false if it runs off the end or past 64 bits. */
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

static uint64_t zigzag(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static int64_t unzigzag(uint64_t v)
{
	return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

/* --- reader --------------------------------------------------------------- */

struct tpt_rd {
	uint8_t *raw, *z;
	size_t len, pos;
	uint64_t block_at; /* file offset of the current block */
	uint64_t last_va;
	uint16_t pid;
};

static int next_block(struct trace_reader *r, struct tpt_rd *t)
{
	uint8_t h[8];
	t->block_at = r->src.offset;
	size_t got = source_read(&r->src, h, sizeof(h));
	if (got == 0)
		return 0; /* the end */
	if (got < sizeof(h))
		return trace_fail(r, t->block_at, "truncated block header"), -1;
	uint32_t raw = get_u32(h), zlen = get_u32(h + 4);
	if (raw == 0 || raw > BLOCK_MAX || zlen == 0 || zlen > ZSTD_compressBound(raw))
		return trace_fail(r, t->block_at, "block header with impossible sizes (%u, %u)", raw,
				  zlen),
		       -1;
	if (source_read(&r->src, t->z, zlen) < zlen)
		return trace_fail(r, t->block_at, "truncated block of %u bytes", zlen), -1;
	size_t n = ZSTD_decompress(t->raw, BLOCK_MAX, t->z, zlen);
	if (ZSTD_isError(n) || n != raw)
		return trace_fail(r, t->block_at, "corrupt block (%s)",
				  ZSTD_isError(n) ? ZSTD_getErrorName(n) : "wrong length"),
		       -1;
	t->len = raw;
	t->pos = 0;
	return 1;
}

static size_t tpt_read(struct trace_reader *r, struct event *ev, size_t n)
{
	struct tpt_rd *t = r->state;
	size_t k = 0;
	while (k < n) {
		if (t->pos == t->len) {
			int rc = next_block(r, t);
			if (rc <= 0)
				return rc < 0 ? 0 : k;
		}
		const uint8_t *p = t->raw + t->pos, *end = t->raw + t->len, *start = p;
		uint8_t tag = *p++;
		unsigned type = tag & 15, hi = tag >> 4;
		uint64_t a = 0, b = 0;
		bool ok = true;
		struct event *e = &ev[k];
		if (type == TAG_PID) {
			ok = get_var(&p, end, &a) && a <= 65535;
			t->pid = (uint16_t)a;
		} else if (type == TAG_NAME) {
			ok = get_var(&p, end, &a) && get_var(&p, end, &b) && a < 32 && b < 16 &&
			     (size_t)(end - p) >= b;
			if (ok) {
				memcpy(r->names[a], p, b);
				r->names[a][b] = 0;
				p += b;
			}
		} else if (type <= EV_FILE) {
			*e = (struct event){.type = (uint8_t)type, .pid = t->pid};
			ok = get_var(&p, end, &a) && a <= UINT32_MAX;
			e->instrs = (uint32_t)a;
			switch (type) {
			case EV_READ:
			case EV_WRITE:
				ok = ok && get_var(&p, end, &a) && hi <= 15;
				t->last_va += (uint64_t)unzigzag(a);
				e->va = t->last_va;
				e->size = (uint8_t)(1u << ((hi & 7) > 6 ? 6 : hi & 7) | (hi & 8 ? EV_CHAIN : 0));
				break;
			case EV_MMAP:
			case EV_MUNMAP:
			case EV_MPROTECT:
				ok = ok && get_var(&p, end, &e->va) && get_var(&p, end, &e->arg) &&
				     trace_range_ok(e);
				e->size = (uint8_t)hi;
				break;
			case EV_BRK:
				ok = ok && get_var(&p, end, &e->va);
				break;
			case EV_FILE:
				ok = ok && get_var(&p, end, &e->va) && get_var(&p, end, &e->arg) &&
				     e->va && e->va <= UINT32_MAX;
				break;
			case EV_EXEC:
			case EV_FORK:
			case EV_SYSCALL:
				ok = ok && get_var(&p, end, &e->arg);
				break;
			default:
				break;
			}
			if (ok)
				k++;
		} else {
			ok = false;
		}
		if (!ok)
			return trace_fail(r, t->block_at + 8,
					  "malformed record at byte %zu of the block's data (tag %#x)",
					  (size_t)(start - t->raw), tag);
		t->pos = (size_t)(p - t->raw);
	}
	return k;
}

static void tpt_close(struct trace_reader *r)
{
	struct tpt_rd *t = r->state;
	if (t) {
		free(t->raw);
		free(t->z);
		free(t);
	}
}

static int tptfmt_open(struct trace_reader *r, struct tpt_err *e)
{
	uint8_t h[32];
	if (source_read(&r->src, h, sizeof(h)) < sizeof(h) || memcmp(h, MAGIC, 8))
		return tpt_fail(e, "%s: not a tpt trace (no TPTTRACE header)", r->path);
	if (get_u32(h + 8) != VERSION)
		return tpt_fail(e, "%s: tpt trace version %u; this tpt reads version %u", r->path,
				get_u32(h + 8), VERSION);
	if (get_u32(h + 12) != 1)
		return tpt_fail(e, "%s: unknown tpt trace flags %#x", r->path, get_u32(h + 12));
	r->footprint = get_u64(h + 16);
	if (r->footprint > TRACE_USER_TOP)
		return tpt_fail(e, "%s: the header's footprint of %llu bytes is beyond any user "
				   "address space", r->path, (unsigned long long)r->footprint);
	struct tpt_rd *t = calloc(1, sizeof(*t));
	if (!t || !(t->raw = malloc(BLOCK_MAX)) || !(t->z = malloc(ZSTD_compressBound(BLOCK_MAX)))) {
		r->state = t;
		return tpt_nomem(e);
	}
	t->pid = 1;
	r->state = t;
	r->read = tpt_read;
	r->close = tpt_close;
	return 0;
}

/* --- writer --------------------------------------------------------------- */

struct tpt_wr {
	uint8_t *raw, *z;
	size_t len;
	uint64_t last_va, events;
	int pid;
	uint32_t named; /* bit per program name already written */
	struct pageset pages;
};

static int flush(struct trace_writer *w, struct tpt_wr *t, struct tpt_err *e)
{
	if (!t->len)
		return 0;
	size_t z = ZSTD_compress(t->z, ZSTD_compressBound(BLOCK_MAX), t->raw, t->len, 3);
	if (ZSTD_isError(z))
		return tpt_fail(e, "zstd: %s", ZSTD_getErrorName(z));
	uint8_t h[8];
	put_u32(h, (uint32_t)t->len);
	put_u32(h + 4, (uint32_t)z);
	if (fwrite(h, 1, 8, w->f) != 8 || fwrite(t->z, 1, z, w->f) != z)
		return tpt_fail(e, "cannot write %s", w->path);
	t->len = 0;
	return 0;
}

static int tpt_write(struct trace_writer *w, const struct event *ev, size_t n,
		     const char (*names)[16], struct tpt_err *e)
{
	struct tpt_wr *t = w->state;
	for (size_t i = 0; i < n; i++) {
		const struct event *x = &ev[i];
		if (x->type > EV_FILE)
			return tpt_fail(e, "cannot write event type %u", x->type);
		if (t->len > BLOCK_TARGET && flush(w, t, e))
			return -1;
		uint8_t *p = t->raw + t->len;
		if (x->pid != t->pid) {
			*p++ = TAG_PID;
			p += put_var(p, x->pid);
			t->pid = x->pid;
		}
		if (x->type == EV_EXEC && names && x->arg < 32 && !(t->named >> x->arg & 1)) {
			size_t len = strnlen(names[x->arg], 15);
			*p++ = TAG_NAME;
			p += put_var(p, x->arg);
			p += put_var(p, len);
			memcpy(p, names[x->arg], len);
			p += len;
			t->named |= 1u << x->arg;
		}
		unsigned hi = 0;
		if (x->type <= EV_WRITE)
			hi = (x->size & EV_SIZE ? tpt_log2(x->size & EV_SIZE) : 3) | (x->size & EV_CHAIN ? 8 : 0);
		else if (x->type == EV_MMAP || x->type == EV_MPROTECT)
			hi = x->size & 15;
		*p++ = (uint8_t)(x->type | hi << 4);
		p += put_var(p, x->instrs);
		switch (x->type) {
		case EV_READ:
		case EV_WRITE:
			p += put_var(p, zigzag((int64_t)(x->va - t->last_va)));
			t->last_va = x->va;
			if (pageset_add(&t->pages, x->va >> 21) < 0)
				return tpt_nomem(e);
			break;
		case EV_MMAP:
		case EV_MUNMAP:
		case EV_MPROTECT:
		case EV_FILE:
			p += put_var(p, x->va);
			p += put_var(p, x->arg);
			break;
		case EV_BRK:
			p += put_var(p, x->va);
			break;
		case EV_EXEC:
		case EV_FORK:
		case EV_SYSCALL:
			p += put_var(p, x->arg);
			break;
		default:
			break;
		}
		t->len = (size_t)(p - t->raw);
		t->events++;
	}
	return 0;
}

static int tpt_finish(struct trace_writer *w, struct tpt_err *e)
{
	struct tpt_wr *t = w->state;
	if (flush(w, t, e))
		return -1;
	uint8_t h[32];
	memcpy(h, MAGIC, 8);
	put_u32(h + 8, VERSION);
	put_u32(h + 12, 1);
	put_u64(h + 16, (uint64_t)t->pages.n << 21);
	put_u64(h + 24, t->events);
	if (fseek(w->f, 0, SEEK_SET) || fwrite(h, 1, sizeof(h), w->f) != sizeof(h))
		return tpt_fail(e, "cannot write the header of %s", w->path);
	return 0;
}

static void tpt_free(struct trace_writer *w)
{
	struct tpt_wr *t = w->state;
	if (t) {
		free(t->raw);
		free(t->z);
		pageset_fini(&t->pages);
		free(t);
	}
}

static int tptfmt_create(struct trace_writer *w, bool xz, struct tpt_err *e)
{
	(void)xz; /* trace_create refuses xz for tpt: it is compressed with zstd */
	struct tpt_wr *t = calloc(1, sizeof(*t));
	w->state = t;
	w->write = tpt_write;
	w->finish = tpt_finish;
	w->free = tpt_free;
	/* Room for one more record beyond the target, whatever its size. */
	if (!t || !(t->raw = malloc(BLOCK_TARGET + 256)) ||
	    !(t->z = malloc(ZSTD_compressBound(BLOCK_MAX))) || pageset_init(&t->pages))
		return tpt_nomem(e);
	t->pid = 1;
	uint8_t h[32] = {0};
	if (fwrite(h, 1, sizeof(h), w->f) != sizeof(h)) /* filled in by tpt_finish */
		return tpt_fail(e, "cannot write %s", w->path);
	return 0;
}

/* By its magic; a file that starts as one and is not text had its magic
 * damaged (a text file is lackey's). */
static int tptfmt_recognise(const uint8_t *head, size_t len, const char *path, struct tpt_err *e)
{
	if (len >= 8 && !memcmp(head, "TPTTRACE", 8))
		return 1;
	if (len >= 3 && !memcmp(head, "TPT", 3) && !trace_is_text(head, len))
		return tpt_fail(e, "%s: not a tpt trace (its magic is damaged)", path);
	return 0;
}

const struct trace_fmt trace_fmt_tpt = {
	.name = "tpt",
	.recognise = tptfmt_recognise,
	.open = tptfmt_open,
	.create = tptfmt_create,
};
