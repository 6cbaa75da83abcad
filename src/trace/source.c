/*
 * source.c - the byte source under every trace reader (see
 * trace_internal.h): a file read in 64 KiB chunks, through liblzma's
 * decoder when it starts with the xz magic. Invariant: offset counts the
 * (decompressed) bytes handed out, so errors can name where they are.
 */
#include <string.h>

#include "trace_internal.h"

static const uint8_t xz_magic[6] = {0xfd, '7', 'z', 'X', 'Z', 0x00};

int source_open(struct source *s, const char *path, struct tpt_err *e)
{
	memset(s, 0, sizeof(*s));
	s->f = fopen(path, "rb");
	if (!s->f)
		return tpt_fail(e, "cannot open trace %s", path);
	uint8_t head[6];
	size_t got = fread(head, 1, sizeof(head), s->f);
	s->xz = got == sizeof(head) && !memcmp(head, xz_magic, sizeof(head));
	rewind(s->f);
	if (s->xz) {
		lzma_stream init = LZMA_STREAM_INIT;
		s->z = init;
		if (lzma_stream_decoder(&s->z, UINT64_MAX, LZMA_CONCATENATED) != LZMA_OK) {
			fclose(s->f);
			return tpt_fail(e, "cannot start the xz decoder for %s", path);
		}
	}
	return 0;
}

size_t source_read(struct source *s, void *buf, size_t n)
{
	if (!s->xz) {
		size_t got = fread(buf, 1, n, s->f);
		if (got < n && ferror(s->f))
			snprintf(s->err, sizeof(s->err), "read error");
		s->offset += got;
		return got;
	}
	s->z.next_out = buf;
	s->z.avail_out = n;
	while (s->z.avail_out && !s->err[0]) {
		if (s->z.avail_in == 0 && !s->eof) {
			s->z.next_in = s->in;
			s->z.avail_in = fread(s->in, 1, sizeof(s->in), s->f);
			if (s->z.avail_in < sizeof(s->in))
				s->eof = true;
		}
		lzma_ret rc = lzma_code(&s->z, s->eof ? LZMA_FINISH : LZMA_RUN);
		if (rc == LZMA_STREAM_END)
			break;
		/* With no input left, liblzma reports a truncated stream as LZMA_BUF_ERROR. */
		if (rc != LZMA_OK) {
			snprintf(s->err, sizeof(s->err), "corrupt or truncated xz data (liblzma error %d)",
				 (int)rc);
			break;
		}
	}
	size_t got = n - s->z.avail_out;
	s->offset += got;
	return got;
}

void source_close(struct source *s)
{
	if (s->xz)
		lzma_end(&s->z);
	if (s->f)
		fclose(s->f);
	s->f = NULL;
}
