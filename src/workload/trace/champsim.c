/* SPDX-License-Identifier: MIT */
/*
 * champsim.c - ChampSim's binary traces: one 64-byte little-endian record
 * per instruction (ChampSim's input_instr: ip; is_branch; branch_taken; two
 * destination and four source register bytes; two destination and four
 * source memory addresses), plain or xz-compressed.
 *
 * Reading: each non-zero source address is a load, each non-zero
 * destination address a store, loads first; the first access of a record
 * carries the instructions since the previous access, the others none (so
 * a read-modify-write is one load and one store). Sizes are not recorded:
 * accesses are 8 bytes. Writing does the inverse: an access with n
 * instructions is n - 1 records without memory and one with it; an access
 * with none joins the previous record while it has a free slot. OS events
 * and warm-up marks cannot be written.
 */
#include <stdlib.h>
#include <string.h>

#include "trace_internal.h"

#define REC 64

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void wr64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

struct cs {
	uint8_t rec[REC];
	uint64_t rec_at;
	int slot; /* next memory slot of rec to deliver: 0-3 sources, 4-5 destinations; 6 done */
	uint32_t instrs;
	bool started;
};

/* Whether bytes look like ChampSim records: is_branch and branch_taken
 * (bytes 8 and 9 of each 64-byte record) are 0 or 1. */
static bool plausible(const uint8_t *rec, size_t len)
{
	for (size_t at = 0; at + 10 <= len; at += 64)
		if (rec[at + 8] > 1 || rec[at + 9] > 1)
			return false;
	return true;
}

static size_t champsim_read(struct trace_reader *r, struct event *ev, size_t n)
{
	struct cs *c = r->state;
	size_t out = 0;
	if (!c->started) {
		c->started = true;
		c->slot = 6;
		out = trace_prologue(r, ev);
	}
	while (out < n) {
		if (c->slot == 6) {
			c->rec_at = r->src.offset;
			size_t got = source_read(&r->src, c->rec, REC);
			if (r->src.err.msg[0])
				return trace_fail(r, r->src.offset, "%s", r->src.err.msg);
			if (got == 0)
				break;
			if (got < REC)
				return trace_fail(r, c->rec_at, "truncated record (%zu of 64 bytes)", got);
			if (!plausible(c->rec, REC))
				return trace_fail(r, c->rec_at, "not a ChampSim record (branch flags "
							       "%u and %u, not 0 or 1)",
						  c->rec[8], c->rec[9]);
			c->instrs++;
			c->slot = 0;
		}
		int s = c->slot++;
		/* Sources at 32 + 8i (i < 4) are loads; destinations at 16 + 8i (i < 2) stores. */
		uint64_t addr = s < 4 ? rd64(c->rec + 32 + 8 * s) : rd64(c->rec + 16 + 8 * (s - 4));
		if (!addr)
			continue;
		ev[out++] = (struct event){.va = addr, .instrs = c->instrs, .pid = 1, .size = 8,
					   .type = s < 4 ? EV_READ : EV_WRITE};
		c->instrs = 0;
	}
	return out;
}

static void champsim_close(struct trace_reader *r)
{
	free(r->state);
}

static int champsim_open(struct trace_reader *r, struct tpt_err *e)
{
	r->state = calloc(1, sizeof(struct cs));
	if (!r->state)
		return tpt_nomem(e);
	r->read = champsim_read;
	r->close = champsim_close;
	return 0;
}

/* --- writer --------------------------------------------------------------- */

struct cs_wr {
	uint8_t rec[REC];
	bool open;      /* rec holds an instruction not yet written */
	int loads, stores;
	uint64_t ip;
	bool xz;
	lzma_stream z;
	uint8_t out[1 << 16];
};

static int emit(struct trace_writer *w, struct cs_wr *c, const uint8_t *rec, struct tpt_err *e)
{
	if (!c->xz)
		return fwrite(rec, 1, REC, w->f) == REC ? 0 : tpt_fail(e, "cannot write %s", w->path);
	c->z.next_in = rec;
	c->z.avail_in = REC;
	while (c->z.avail_in) {
		if (lzma_code(&c->z, LZMA_RUN) != LZMA_OK)
			return tpt_fail(e, "xz compression failed");
		if (c->z.avail_out == 0) {
			if (fwrite(c->out, 1, sizeof(c->out), w->f) != sizeof(c->out))
				return tpt_fail(e, "cannot write %s", w->path);
			c->z.next_out = c->out;
			c->z.avail_out = sizeof(c->out);
		}
	}
	return 0;
}

static int close_record(struct trace_writer *w, struct cs_wr *c, struct tpt_err *e)
{
	if (!c->open)
		return 0;
	c->open = false;
	return emit(w, c, c->rec, e);
}

static void new_record(struct cs_wr *c)
{
	memset(c->rec, 0, REC);
	wr64(c->rec, c->ip);
	c->ip += 4;
	c->loads = c->stores = 0;
	c->open = true;
}

static int champsim_write(struct trace_writer *w, const struct event *ev, size_t n,
			  const char (*names)[16], struct tpt_err *e)
{
	struct cs_wr *c = w->state;
	(void)names;
	for (size_t i = 0; i < n; i++) {
		const struct event *x = &ev[i];
		if (x->type > EV_WRITE) {
			w->dropped++; /* ChampSim has no OS events */
			continue;
		}
		bool load = x->type == EV_READ;
		/* An access without instructions shares the previous record if it can
		 * (a load only while no store is in it: loads are read back first). */
		bool join = x->instrs == 0 && c->open &&
			    (load ? c->loads < 4 && c->stores == 0 : c->stores < 2);
		if (!join) {
			if (close_record(w, c, e))
				return -1;
			uint8_t filler[REC];
			for (uint32_t k = 1; k < x->instrs; k++) {
				memset(filler, 0, REC);
				wr64(filler, c->ip);
				c->ip += 4;
				if (emit(w, c, filler, e))
					return -1;
			}
			new_record(c);
		}
		if (load)
			wr64(c->rec + 32 + 8 * c->loads++, x->va);
		else
			wr64(c->rec + 16 + 8 * c->stores++, x->va);
	}
	return 0;
}

static int champsim_finish(struct trace_writer *w, struct tpt_err *e)
{
	struct cs_wr *c = w->state;
	if (close_record(w, c, e))
		return -1;
	if (!c->xz)
		return 0;
	for (;;) {
		lzma_ret rc = lzma_code(&c->z, LZMA_FINISH);
		size_t have = sizeof(c->out) - c->z.avail_out;
		if (have && fwrite(c->out, 1, have, w->f) != have)
			return tpt_fail(e, "cannot write %s", w->path);
		c->z.next_out = c->out;
		c->z.avail_out = sizeof(c->out);
		if (rc == LZMA_STREAM_END)
			return 0;
		if (rc != LZMA_OK)
			return tpt_fail(e, "xz compression failed");
	}
}

static void champsim_free(struct trace_writer *w)
{
	struct cs_wr *c = w->state;
	if (c && c->xz)
		lzma_end(&c->z);
	free(c);
}

static int champsim_create(struct trace_writer *w, bool xz, struct tpt_err *e)
{
	struct cs_wr *c = calloc(1, sizeof(*c));
	w->state = c;
	w->write = champsim_write;
	w->finish = champsim_finish;
	w->free = champsim_free;
	if (!c)
		return tpt_nomem(e);
	c->ip = 0x400000;
	c->xz = xz;
	if (xz) {
		lzma_stream init = LZMA_STREAM_INIT;
		c->z = init;
		lzma_mt mt = {.threads = xz_threads(), .block_size = XZ_BLOCK, .preset = 3,
			      .check = LZMA_CHECK_CRC64};
		if (lzma_stream_encoder_mt(&c->z, &mt) != LZMA_OK)
			return tpt_fail(e, "cannot start the xz encoder");
		c->z.next_out = c->out;
		c->z.avail_out = sizeof(c->out);
	}
	return 0;
}

/* By its records: no other bytes tell. */
static int champsim_recognise(const uint8_t *head, size_t len, const char *path, struct tpt_err *e)
{
	(void)path, (void)e;
	return plausible(head, len);
}

const struct trace_fmt trace_fmt_champsim = {
	.name = "champsim",
	.recognise = champsim_recognise,
	.open = champsim_open,
	.create = champsim_create,
};
