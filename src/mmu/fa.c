/*
 * fa.c - fully associative LRU buffer (see fa.h). Used by pwc.c and by the
 * walkers for the nested TLB and the RMP cache. Invariant: e[0..used) are
 * valid, most recent first, and no two share tag and mask.
 */
#include <stdlib.h>
#include <string.h>

#include "tpt/fa.h"

int fa_init(struct fa *f, uint32_t n)
{
	*f = (struct fa){.n = n};
	if (n == 0)
		return 0;
	f->e = calloc(n, sizeof(*f->e));
	return f->e ? 0 : -1;
}

void fa_fini(struct fa *f)
{
	free(f->e);
	*f = (struct fa){0};
}

bool fa_lookup(struct fa *f, uint64_t key, uint64_t *val)
{
	struct fa_entry *e = f->e;
	for (uint32_t i = 0; i < f->used; i++) {
		if ((key & e[i].mask) == e[i].tag) {
			struct fa_entry hit = e[i];
			memmove(&e[1], &e[0], i * sizeof(*e));
			e[0] = hit;
			*val = hit.val;
			return true;
		}
	}
	return false;
}

void fa_insert(struct fa *f, uint64_t key, uint64_t mask, uint64_t val)
{
	if (f->n == 0)
		return;
	struct fa_entry ne = {.tag = key & mask, .mask = mask, .val = val};
	uint32_t i;
	for (i = 0; i < f->used; i++)
		if (f->e[i].tag == ne.tag && f->e[i].mask == mask)
			break;
	if (i == f->used) {
		if (f->used < f->n)
			f->used++;
		i = f->used - 1; /* the LRU slot, or the new one */
	}
	memmove(&f->e[1], &f->e[0], i * sizeof(*f->e));
	f->e[0] = ne;
}

void fa_flush(struct fa *f)
{
	f->used = 0;
}

void fa_flush_match(struct fa *f, uint64_t key, uint64_t mask)
{
	uint32_t k = 0;
	for (uint32_t i = 0; i < f->used; i++)
		if ((f->e[i].tag & mask) != (key & mask))
			f->e[k++] = f->e[i];
	f->used = k;
}

int fa_check(const struct fa *f, const char *name, struct tpt_err *e)
{
	if (f->used > f->n)
		return tpt_fail(e, "%s: %u entries in a buffer of %u", name, f->used, f->n);
	for (uint32_t i = 0; i < f->used; i++) {
		if (f->e[i].tag & ~f->e[i].mask)
			return tpt_fail(e, "%s: entry %u has tag bits outside its mask", name, i);
		for (uint32_t j = i + 1; j < f->used; j++)
			if (f->e[i].tag == f->e[j].tag && f->e[i].mask == f->e[j].mask)
				return tpt_fail(e, "%s: entries %u and %u duplicate", name, i, j);
	}
	return 0;
}
