/* SPDX-License-Identifier: MIT */
/*
 * frame.h - a physical frame allocator for 4 KiB, 2 MiB and 1 GiB frames.
 *
 * Used for guest-physical memory (by the guest OS model) and for host-physical
 * memory (by the hypervisor model). Frames are numbers only; backing, if any,
 * is the caller's business. Deterministic: the same calls give the same frames.
 */
#ifndef TPT_FRAME_H
#define TPT_FRAME_H

#include "tpt/base/util.h"

enum { FRAME_4K = 0, FRAME_2M = 9, FRAME_1G = 18 }; /* orders, in 4 KiB frames */

struct frame_stack {
	uint64_t *v;
	size_t n, cap;
};

struct frames {
	uint64_t base, top;     /* allocatable pfns: [base, top) */
	uint64_t bump;          /* next never-used 1 GiB-aligned pfn */
	uint64_t bump_end;      /* end of the whole 1 GiB chunks */
	struct frame_stack free[3]; /* by class: 4K, 2M, 1G */
	struct frame_stack tables;  /* 4K frames for page tables, carved from their own 2M chunks */
	uint64_t used;          /* frames handed out, in 4 KiB units */
	uint64_t peak;          /* the most used at once */
	bool scatter;           /* 4K frames drawn at random (frames_scatter) */
	struct rng rng;         /* their draws */
};

/* base and limit must be multiples of 512 (2 MiB). */
int frames_init(struct frames *f, uint64_t base, uint64_t limit, struct tpt_err *e);
void frames_fini(struct frames *f);
/*
 * From now on a 4K frame is drawn at random from a pool of at least
 * FRAMES_SCATTER_POOL free ones, or an eighth of all frames where that is
 * fewer (while 2 MiB chunks remain to split), as a
 * long-running host's free lists hand them out, instead of in address
 * order: the cache sets a buffer's lines fall in are then as uneven as
 * such a host makes them. Page-table frames, and 2M and 1G frames, are
 * unaffected. Deterministic for a seed.
 */
#define FRAMES_SCATTER_POOL (64 * 512)
void frames_scatter(struct frames *f, uint64_t seed);
/* 0 and *pfn aligned to the order, or -1 when memory is exhausted. */
int frames_alloc(struct frames *f, unsigned order, uint64_t *pfn);
void frames_free(struct frames *f, uint64_t pfn, unsigned order);
/* n frames in a row (n a multiple of 512), from memory never handed out:
 * 0 and *pfn, or -1 when no run that long is left. What the whole 1 GiB
 * chunks hold beyond n goes to the free 2 MiB frames. */
int frames_alloc_run(struct frames *f, uint64_t n, uint64_t *pfn);
/*
 * Frames for page-table pages come from 2 MiB chunks that hold nothing else,
 * so the simulator can back tables with huge pages of its own; the model
 * sees only which cache sets table lines map to.
 */
int frames_alloc_table(struct frames *f, uint64_t *pfn);
void frames_free_table(struct frames *f, uint64_t pfn);
/* Checker, by the invariants it numbers: 1 every free frame aligned to its
 * size and in range; 2 none in the bump allocator's unallocated part; 3 no
 * two free frames overlap. */
int frames_check(const struct frames *f, struct tpt_err *e);

#endif
