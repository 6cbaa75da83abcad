/* SPDX-License-Identifier: MIT */
/*
 * frame.c - physical frame allocator (see frame.h).
 *
 * Three free stacks, one per frame size. A 4 KiB request splits a 2 MiB chunk,
 * a 2 MiB request splits a 1 GiB chunk, and 1 GiB chunks come from a bump
 * pointer. Freed frames go back to their own size's stack; there is no
 * coalescing, so long runs fragment as a real allocator without compaction
 * does. With frames_scatter, 4 KiB frames come at random from a pool that
 * 2 MiB chunks are split into until it holds FRAMES_SCATTER_POOL. Invariant:
 * used == frames handed out and not freed.
 */
#include <stdlib.h>

#include "tpt/mem/frame.h"

static int class_of(unsigned order)
{
	return order == FRAME_4K ? 0 : order == FRAME_2M ? 1 : 2;
}

static int stack_push(struct frame_stack *s, uint64_t v)
{
	if (tpt_grow(&s->v, &s->cap, s->n + 1, sizeof(*s->v)))
		return -1;
	s->v[s->n++] = v;
	return 0;
}

/* Room for n more entries on s: afterwards n pushes cannot fail. */
static int stack_reserve(struct frame_stack *s, uint64_t n)
{
	return tpt_grow(&s->v, &s->cap, s->n + n, sizeof(*s->v));
}

/* Pushes the sub-chunks of [pfn, pfn + 512 * step) so the lowest pops
 * first; all of them or, out of memory, none. */
static int push_split(struct frame_stack *s, uint64_t pfn, uint64_t step, unsigned count)
{
	if (stack_reserve(s, count))
		return -1;
	for (unsigned i = count; i-- > 0;)
		s->v[s->n++] = pfn + i * step;
	return 0;
}

int frames_init(struct frames *f, uint64_t base, uint64_t limit, struct tpt_err *e)
{
	*f = (struct frames){0};
	if (base % 512 || limit % 512 || limit <= base)
		return tpt_fail(e, "frame range [%llu, %llu) is not 2M-aligned",
				(unsigned long long)base, (unsigned long long)limit);
	uint64_t first_1g = tpt_align_up(base, 1ULL << FRAME_1G);
	uint64_t last_1g = limit & ~((1ULL << FRAME_1G) - 1);
	if (first_1g > last_1g)
		first_1g = last_1g = limit;
	f->base = base;
	f->top = limit;
	f->bump = first_1g;
	f->bump_end = last_1g;
	/* 2M chunks above the last whole 1G chunk and below the first one. */
	for (uint64_t p = limit; p > last_1g;) {
		p -= 512;
		if (stack_push(&f->free[1], p))
			goto oom;
	}
	for (uint64_t p = first_1g; p > base;) {
		p -= 512;
		if (stack_push(&f->free[1], p))
			goto oom;
	}
	return 0;
oom:
	frames_fini(f);
	return tpt_fail_mem(e, "out of memory for the frame allocator");
}

void frames_fini(struct frames *f)
{
	for (int i = 0; i < 3; i++)
		free(f->free[i].v);
	free(f->tables.v);
	*f = (struct frames){0};
}

void frames_scatter(struct frames *f, uint64_t seed)
{
	f->scatter = true;
	rng_seed(&f->rng, seed);
}

static int take(struct frames *f, unsigned order, uint64_t *pfn);

/* Splits 2 MiB chunks into the 4K pool until it holds the scatter pool
 * (at most an eighth of the frames), or none is left; then swaps a frame
 * drawn at random to the top. -1 when the pool is empty. */
static int scatter_draw(struct frames *f)
{
	struct frame_stack *s = &f->free[0];
	uint64_t big, pool = (f->top - f->base) / 8; /* leaves most chunks whole for 2M requests */
	pool = pool < FRAMES_SCATTER_POOL ? pool : FRAMES_SCATTER_POOL;
	while (s->n < pool || s->n == 0) {
		if (stack_reserve(s, 512) || take(f, FRAME_2M, &big))
			break;
		f->used -= 1ULL << FRAME_2M;
		(void)push_split(s, big, 1, 512); /* room reserved: cannot fail */
	}
	if (s->n == 0)
		return -1;
	size_t r = (size_t)rng_below(&f->rng, s->n);
	uint64_t t = s->v[r];
	s->v[r] = s->v[s->n - 1];
	s->v[s->n - 1] = t;
	return 0;
}

/* frames_alloc without the peak: a chunk being split is not in use. */
static int take(struct frames *f, unsigned order, uint64_t *pfn)
{
	struct frame_stack *s = &f->free[class_of(order)];
	if (order == FRAME_4K && f->scatter) {
		if (scatter_draw(f))
			return -1;
	} else if (s->n == 0) {
		uint64_t big;
		if (order == FRAME_1G) {
			if (f->bump + (1ULL << FRAME_1G) > f->bump_end)
				return -1;
			f->used += 1ULL << FRAME_1G;
			*pfn = f->bump;
			f->bump += 1ULL << FRAME_1G;
			return 0;
		}
		unsigned up = order == FRAME_4K ? FRAME_2M : FRAME_1G;
		/* Room first, so that a chunk taken is never lost to a failed split. */
		if (stack_reserve(s, 512) || take(f, up, &big))
			return -1;
		f->used -= 1ULL << up;
		if (push_split(s, big, 1ULL << order, 512))
			return -1;
	}
	*pfn = s->v[--s->n];
	f->used += 1ULL << order;
	return 0;
}

int frames_alloc(struct frames *f, unsigned order, uint64_t *pfn)
{
	if (take(f, order, pfn))
		return -1;
	if (f->used > f->peak)
		f->peak = f->used;
	return 0;
}

void frames_free(struct frames *f, uint64_t pfn, unsigned order)
{
	/* A failed push loses the frame for the rest of the run; never wrong. */
	if (stack_push(&f->free[class_of(order)], pfn) == 0)
		f->used -= 1ULL << order;
}

int frames_alloc_run(struct frames *f, uint64_t n, uint64_t *pfn)
{
	uint64_t chunk = 1ULL << FRAME_1G, whole = tpt_align_up(n, chunk);
	if (!n || n % 512 || f->bump + whole > f->bump_end || stack_reserve(&f->free[1], (whole - n) / 512))
		return -1;
	*pfn = f->bump;
	f->bump += whole;
	for (uint64_t p = *pfn + whole; p > *pfn + n;) {
		p -= 512;
		f->free[1].v[f->free[1].n++] = p;
	}
	f->used += n;
	if (f->used > f->peak)
		f->peak = f->used;
	return 0;
}

int frames_alloc_table(struct frames *f, uint64_t *pfn)
{
	if (f->tables.n == 0) {
		uint64_t chunk;
		if (stack_reserve(&f->tables, 512) || take(f, FRAME_2M, &chunk))
			return -1;
		f->used -= 512;
		if (push_split(&f->tables, chunk, 1, 512))
			return -1;
	}
	*pfn = f->tables.v[--f->tables.n];
	if (++f->used > f->peak)
		f->peak = f->used;
	return 0;
}

void frames_free_table(struct frames *f, uint64_t pfn)
{
	if (stack_push(&f->tables, pfn) == 0)
		f->used--;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

int frames_check(const struct frames *f, struct tpt_err *e)
{
	static const uint64_t span[3] = {1, 512, 512 * 512};
	size_t total = f->free[0].n + f->free[1].n + f->free[2].n + f->tables.n;
	uint64_t *all = malloc((total + 1) * sizeof(*all));
	uint64_t *len = malloc((total + 1) * sizeof(*len));
	int rc = 0;
	if (!all || !len) {
		rc = tpt_fail_mem(e, "frames_check: out of memory");
		goto out;
	}
	size_t k = 0;
	/* Stacks 0-2 by size; stack 3 (page-table frames) holds 4K frames. */
	const struct frame_stack *stacks[4] = {&f->free[0], &f->free[1], &f->free[2], &f->tables};
	for (int si = 0; si < 4; si++)
		for (size_t i = 0; i < stacks[si]->n; i++) {
			int c = si == 3 ? 0 : si;
			uint64_t p = stacks[si]->v[i];
			if (p % span[c] || p < f->base || p + span[c] > f->top) {
				rc = tpt_broken(e, "frames_check", 1, "free frame %llu misaligned or out of range",
					      (unsigned long long)p);
				goto out;
			}
			if (p >= f->bump && p < f->bump_end) {
				rc = tpt_broken(e, "frames_check", 2, "free frame %llu above the bump pointer",
					      (unsigned long long)p);
				goto out;
			}
			all[k++] = p * 4 + (uint64_t)c; /* sort key keeps the class */
		}
	qsort(all, k, sizeof(*all), cmp_u64);
	for (size_t i = 0; i < k; i++)
		len[i] = span[all[i] & 3];
	for (size_t i = 1; i < k; i++) {
		uint64_t prev = all[i - 1] >> 2, cur = all[i] >> 2;
		if (prev + len[i - 1] > cur) {
			rc = tpt_broken(e, "frames_check", 3, "free frames %llu and %llu overlap",
				      (unsigned long long)prev, (unsigned long long)cur);
			goto out;
		}
	}
out:
	free(all);
	free(len);
	return rc;
}
