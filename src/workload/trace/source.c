/* SPDX-License-Identifier: MIT */
/*
 * source.c - the byte source under every trace reader (see
 * trace_internal.h): a file read once from front to back in 64 KiB
 * chunks (a pipe works), through liblzma's multi-threaded decoder when it
 * starts with the xz magic. Invariant: offset counts the (decompressed) bytes handed out,
 * peeked bytes not until they are read, so errors can name where they are.
 */
#include <string.h>
#include <unistd.h>

#include "trace_internal.h"

static const uint8_t xz_magic[6] = {0xfd, '7', 'z', 'X', 'Z', 0x00};

uint32_t xz_threads(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > 8 ? 8 : (uint32_t)n;
}

int source_open(struct source *s, const char *path, struct tpt_err *e)
{
	memset(s, 0, sizeof(*s));
	s->f = fopen(path, "rb");
	if (!s->f)
		return tpt_fail(e, "cannot open trace %s", path);
	s->raw_len = fread(s->raw, 1, sizeof(s->raw), s->f);
	if (s->raw_len < sizeof(s->raw) && ferror(s->f)) {
		fclose(s->f);
		return tpt_fail(e, "cannot read trace %s", path);
	}
	s->xz = s->raw_len == sizeof(s->raw) && !memcmp(s->raw, xz_magic, sizeof(xz_magic));
	if (s->xz) {
		lzma_stream init = LZMA_STREAM_INIT;
		s->z = init;
		/* Blocks decode in parallel within 1 GiB of buffers, else in turn. */
		lzma_mt mt = {.flags = LZMA_CONCATENATED, .threads = xz_threads(),
			      .memlimit_threading = 1ULL << 30, .memlimit_stop = UINT64_MAX};
		if (lzma_stream_decoder_mt(&s->z, &mt) != LZMA_OK) {
			fclose(s->f);
			return tpt_fail(e, "cannot start the xz decoder for %s", path);
		}
		/* The magic already read is the decoder's first input. */
		memcpy(s->in, s->raw, s->raw_len);
		s->z.next_in = s->in;
		s->z.avail_in = s->raw_len;
		s->raw_len = 0;
	}
	return 0;
}

/* The file's bytes after the ones already taken. */
static size_t file_read(struct source *s, uint8_t *buf, size_t n)
{
	size_t got = 0;
	while (got < n && s->raw_pos < s->raw_len)
		buf[got++] = s->raw[s->raw_pos++];
	if (got < n) {
		got += fread(buf + got, 1, n - got, s->f);
		if (got < n && ferror(s->f))
			tpt_fail(&s->err, "read error");
	}
	return got;
}

static size_t decoded_read(struct source *s, uint8_t *buf, size_t n)
{
	if (!s->xz)
		return file_read(s, buf, n);
	s->z.next_out = buf;
	s->z.avail_out = n;
	while (s->z.avail_out && !s->err.msg[0]) {
		if (s->z.avail_in == 0 && !s->eof) {
			s->z.next_in = s->in;
			s->z.avail_in = file_read(s, s->in, sizeof(s->in));
			if (s->z.avail_in < sizeof(s->in))
				s->eof = true;
		}
		lzma_ret rc = lzma_code(&s->z, s->eof ? LZMA_FINISH : LZMA_RUN);
		if (rc == LZMA_STREAM_END)
			break;
		/* With no input left, liblzma reports a truncated stream as LZMA_BUF_ERROR. */
		if (rc != LZMA_OK) {
			tpt_fail(&s->err, "corrupt or truncated xz data (liblzma error %d)",
				 (int)rc);
			break;
		}
	}
	return n - s->z.avail_out;
}

size_t source_read(struct source *s, void *buf, size_t n)
{
	uint8_t *out = buf;
	size_t got = 0;
	while (got < n && s->peek_pos < s->peek_len)
		out[got++] = s->peek[s->peek_pos++];
	if (got < n && !s->err.msg[0])
		got += decoded_read(s, out + got, n - got);
	s->offset += got;
	return got;
}

size_t source_peek(struct source *s, const uint8_t **head)
{
	/* Keep what is still unread, fill up behind it. */
	size_t left = s->peek_len - s->peek_pos;
	memmove(s->peek, s->peek + s->peek_pos, left);
	s->peek_pos = 0;
	s->peek_len = left;
	if (!s->err.msg[0])
		s->peek_len += decoded_read(s, s->peek + left, sizeof(s->peek) - left);
	*head = s->peek;
	return s->peek_len;
}

void source_close(struct source *s)
{
	if (s->xz)
		lzma_end(&s->z);
	if (s->f)
		fclose(s->f);
	s->f = NULL;
}
