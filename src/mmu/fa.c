/*
 * fa.c - fully associative LRU buffer (see fa.h). Used by pwc.c and by the
 * walkers for the nested TLB and the RMP cache. Invariant: e[0..used) are
 * valid, no two share tag and mask, and their use times are distinct and
 * not after the clock.
 */
#include <stdlib.h>

#include "tpt/fa.h"

int fa_init(struct fa *f, uint32_t n)
{
	*f = (struct fa){.n = n};
	if (n == 0)
		return 0;
	f->tag = calloc(4 * (size_t)n, sizeof(uint64_t));
	if (!f->tag)
		return -1;
	f->mask = f->tag + n;
	f->val = f->mask + n;
	f->used_at = f->val + n;
	return 0;
}

void fa_fini(struct fa *f)
{
	free(f->tag);
	*f = (struct fa){0};
}

bool fa_lookup(struct fa *f, uint64_t key, uint64_t *val)
{
	for (uint32_t i = 0; i < f->used; i++) {
		if ((key & f->mask[i]) == f->tag[i]) {
			f->used_at[i] = ++f->clock;
			*val = f->val[i];
			return true;
		}
	}
	return false;
}

void fa_insert(struct fa *f, uint64_t key, uint64_t mask, uint64_t val)
{
	if (f->n == 0)
		return;
	uint64_t tag = key & mask;
	uint32_t slot = f->used;
	if (slot == f->n) {
		/* Full: the least recently used entry goes. */
		uint64_t oldest = f->used_at[0];
		slot = 0;
		for (uint32_t i = 1; i < f->n; i++)
			if (f->used_at[i] < oldest) {
				oldest = f->used_at[i];
				slot = i;
			}
	} else {
		f->used++;
	}
	f->tag[slot] = tag;
	f->mask[slot] = mask;
	f->val[slot] = val;
	f->used_at[slot] = ++f->clock;
}

void fa_flush(struct fa *f)
{
	f->used = 0;
}

void fa_flush_match(struct fa *f, uint64_t key, uint64_t mask)
{
	uint32_t k = 0;
	for (uint32_t i = 0; i < f->used; i++)
		if ((f->tag[i] & mask) != (key & mask)) {
			f->tag[k] = f->tag[i];
			f->mask[k] = f->mask[i];
			f->val[k] = f->val[i];
			f->used_at[k] = f->used_at[i];
			k++;
		}
	f->used = k;
}

int fa_check(const struct fa *f, const char *name, struct tpt_err *e)
{
	if (f->used > f->n)
		return tpt_fail(e, "%s: %u entries in a buffer of %u", name, f->used, f->n);
	for (uint32_t i = 0; i < f->used; i++) {
		if (f->tag[i] & ~f->mask[i])
			return tpt_fail(e, "%s: entry %u has tag bits outside its mask", name, i);
		if (f->used_at[i] > f->clock)
			return tpt_fail(e, "%s: entry %u was used after the clock", name, i);
		for (uint32_t j = i + 1; j < f->used; j++) {
			if (f->tag[i] == f->tag[j] && f->mask[i] == f->mask[j])
				return tpt_fail(e, "%s: entries %u and %u duplicate", name, i, j);
			if (f->used_at[i] == f->used_at[j])
				return tpt_fail(e, "%s: entries %u and %u share a use time", name, i, j);
		}
	}
	return 0;
}
