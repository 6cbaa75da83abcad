/* SPDX-License-Identifier: MIT */
/*
 * softtlb.c - QEMU's software TLB (see softtlb.h).
 *
 * Called by the SoftMMU scheme in dbt.c on every guest access (the inline
 * check is in the header), on misses, INVLPG and address-space switches.
 */
#include <stdlib.h>
#include <string.h>

#include "softtlb.h"

static void clear(struct stlb_entry *e, size_t n)
{
	for (size_t i = 0; i < n; i++)
		e[i] = (struct stlb_entry){STLB_INVALID, STLB_INVALID, 0, 0};
}

static bool valid(const struct stlb_entry *e)
{
	return e->addr_read != STLB_INVALID || e->addr_write != STLB_INVALID;
}

static uint64_t page_of(const struct stlb_entry *e)
{
	return e->addr_read != STLB_INVALID ? e->addr_read : e->addr_write;
}

int softtlb_init(struct softtlb *s, uint32_t bits, uint32_t min_bits, uint32_t max_bits, bool dynamic,
		 uint64_t window_len)
{
	memset(s, 0, sizeof(*s));
	s->bits = bits;
	s->min_bits = min_bits;
	s->max_bits = max_bits < bits ? bits : max_bits;
	s->dynamic = dynamic;
	s->window_len = window_len;
	s->t = malloc(sizeof(*s->t) << bits);
	if (!s->t)
		return -1;
	clear(s->t, 1U << bits);
	clear(s->v, STLB_VICTIMS);
	return 0;
}

void softtlb_fini(struct softtlb *s)
{
	free(s->t);
	s->t = NULL;
}

bool softtlb_victim(struct softtlb *s, uint64_t va, bool write, uint64_t *pa)
{
	uint64_t page = va & ~0xfffULL;
	for (int k = 0; k < STLB_VICTIMS; k++) {
		struct stlb_entry *v = &s->v[k];
		if ((write ? v->addr_write : v->addr_read) != page)
			continue;
		/* Swap it with what the table holds at that index. */
		struct stlb_entry *t = &s->t[softtlb_index(s, va)], tmp = *t;
		s->n_used += !valid(t);
		*t = *v;
		*v = tmp;
		*pa = t->pa;
		return true;
	}
	return false;
}

void softtlb_fill(struct softtlb *s, uint64_t va, uint64_t pa, bool writable)
{
	uint64_t page = va & ~0xfffULL;
	struct stlb_entry *t = &s->t[softtlb_index(s, va)];
	/* The same page may sit in the victim TLB with other rights: drop it. */
	for (int k = 0; k < STLB_VICTIMS; k++)
		if (valid(&s->v[k]) && page_of(&s->v[k]) == page)
			clear(&s->v[k], 1);
	if (valid(t) && page_of(t) != page)
		s->v[s->vidx++ % STLB_VICTIMS] = *t;
	s->n_used += !valid(t);
	*t = (struct stlb_entry){page, writable ? page : STLB_INVALID, pa & ~0xfffULL, 0};
}

void softtlb_flush_page(struct softtlb *s, uint64_t va)
{
	uint64_t page = va & ~0xfffULL;
	struct stlb_entry *t = &s->t[softtlb_index(s, va)];
	if (valid(t) && page_of(t) == page) {
		clear(t, 1);
		s->n_used--;
	}
	for (int k = 0; k < STLB_VICTIMS; k++)
		if (valid(&s->v[k]) && page_of(&s->v[k]) == page)
			clear(&s->v[k], 1);
}

static uint64_t pow2ceil(uint64_t x)
{
	uint64_t p = 1;
	while (p < x)
		p <<= 1;
	return p;
}

/* QEMU's tlb_mmu_resize_locked: grow when the window's peak use exceeds
 * 70 % of the table, shrink towards it when below 30 % for a whole window. */
static void resize(struct softtlb *s, uint64_t now)
{
	uint64_t old = 1ULL << s->bits, size = old;
	bool expired = now > s->window_begin + s->window_len;
	if (s->n_used > s->window_max)
		s->window_max = s->n_used;
	uint64_t rate = (uint64_t)s->window_max * 100 / old;
	if (rate > 70) {
		size = old << 1 > (1ULL << s->max_bits) ? 1ULL << s->max_bits : old << 1;
	} else if (rate < 30 && expired) {
		uint64_t ceil = pow2ceil(s->window_max ? s->window_max : 1);
		if ((uint64_t)s->window_max * 100 / ceil > 70)
			ceil *= 2;
		size = ceil < (1ULL << s->min_bits) ? 1ULL << s->min_bits : ceil;
	}
	if (size == old) {
		if (expired) {
			s->window_begin = now;
			s->window_max = s->n_used;
		}
		return;
	}
	struct stlb_entry *t = realloc(s->t, sizeof(*t) * size);
	if (!t)
		return; /* keep the old size */
	s->t = t;
	s->bits = (uint32_t)__builtin_ctzll(size);
	s->resizes++;
	s->window_begin = now;
	s->window_max = 0;
}

uint32_t softtlb_flush(struct softtlb *s, uint64_t now)
{
	if (s->dynamic)
		resize(s, now);
	uint32_t n = 1U << s->bits;
	clear(s->t, n);
	clear(s->v, STLB_VICTIMS);
	s->n_used = 0;
	s->flushes++;
	return n;
}

int softtlb_check(const struct softtlb *s, struct tpt_err *e)
{
	uint32_t used = 0;
	for (uint32_t i = 0; i < 1U << s->bits; i++) {
		const struct stlb_entry *t = &s->t[i];
		if (!valid(t))
			continue;
		used++;
		if (softtlb_index(s, page_of(t)) != i)
			return tpt_broken(e, "softtlb_check", 1, "entry %u holds page %#llx of index %u", i,
					(unsigned long long)page_of(t), softtlb_index(s, page_of(t)));
		if (t->addr_write != STLB_INVALID && t->addr_write != t->addr_read)
			return tpt_broken(e, "softtlb_check", 2, "entry %u has different read and write pages", i);
		for (int k = 0; k < STLB_VICTIMS; k++)
			if (valid(&s->v[k]) && page_of(&s->v[k]) == page_of(t))
				return tpt_broken(e, "softtlb_check", 3, "page %#llx both in the table and the victim TLB",
						(unsigned long long)page_of(t));
	}
	if (used != s->n_used)
		return tpt_broken(e, "softtlb_check", 4, "%u valid entries but n_used %u", used, s->n_used);
	return 0;
}
