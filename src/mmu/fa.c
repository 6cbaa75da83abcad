/*
 * fa.c - fully associative LRU buffer (see fa.h). Used by pwc.c and by the
 * walkers for the nested TLB and the RMP cache. Invariant: e[0..used) are
 * valid, no two share tag and mask, and their use times are distinct and
 * not after the clock; the list from head through next holds each of them
 * once, in decreasing use time, ending at tail.
 */
#include <stdlib.h>

#include "tpt/fa.h"

int fa_init(struct fa *f, uint32_t n)
{
	*f = (struct fa){.n = n};
	if (n == 0)
		return 0;
	f->tag = calloc(4 * (size_t)n, sizeof(uint64_t));
	f->prev = calloc(2 * (size_t)n, sizeof(uint32_t));
	if (!f->tag || !f->prev) {
		fa_fini(f);
		return -1;
	}
	f->mask = f->tag + n;
	f->val = f->mask + n;
	f->used_at = f->val + n;
	f->next = f->prev + n;
	return 0;
}

void fa_fini(struct fa *f)
{
	free(f->tag);
	free(f->prev);
	*f = (struct fa){0};
}

static void unlink_slot(struct fa *f, uint32_t i)
{
	if (i == f->head)
		f->head = f->next[i];
	else
		f->next[f->prev[i]] = f->next[i];
	if (i == f->tail)
		f->tail = f->prev[i];
	else
		f->prev[f->next[i]] = f->prev[i];
}

/* Slot i becomes the most recent; `linked`: it is in the list now. */
static void to_head(struct fa *f, uint32_t i, bool linked)
{
	if (linked) {
		if (i == f->head)
			return;
		unlink_slot(f, i);
	}
	bool empty = linked ? f->used == 1 : f->used == 0;
	f->next[i] = f->head;
	if (empty)
		f->tail = i;
	else
		f->prev[f->head] = i;
	f->head = i;
}

bool fa_lookup(struct fa *f, uint64_t key, uint64_t *val)
{
	for (uint32_t i = 0; i < f->used; i++) {
		if ((key & f->mask[i]) == f->tag[i]) {
			f->used_at[i] = ++f->clock;
			to_head(f, i, true);
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
	bool linked = slot == f->n;
	if (linked)
		slot = f->tail; /* full: the least recently used entry goes */
	f->tag[slot] = tag;
	f->mask[slot] = mask;
	f->val[slot] = val;
	f->used_at[slot] = ++f->clock;
	to_head(f, slot, linked);
	if (!linked)
		f->used++;
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
	/* Slots moved: the recency list again, from the use times (rare). */
	uint32_t order[k ? k : 1]; /* slots, most recent first */
	for (uint32_t i = 0; i < k; i++) {
		uint32_t j = i;
		while (j > 0 && f->used_at[order[j - 1]] < f->used_at[i]) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = i;
	}
	for (uint32_t j = 0; j < k; j++) {
		uint32_t i = order[j];
		f->prev[i] = j ? order[j - 1] : 0;
		f->next[i] = j + 1 < k ? order[j + 1] : 0;
	}
	f->head = k ? order[0] : 0;
	f->tail = k ? order[k - 1] : 0;
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
	/* The list: every entry once, from the most to the least recent. */
	uint32_t count = 0;
	for (uint32_t i = f->head; f->used && count < f->used; i = f->next[i]) {
		if (i >= f->used)
			return tpt_fail(e, "%s: the recency list reaches slot %u", name, i);
		if (count && f->used_at[i] >= f->used_at[f->prev[i]])
			return tpt_fail(e, "%s: the recency list is out of order at slot %u", name, i);
		count++;
		if (i == f->tail)
			break;
	}
	if (count != f->used)
		return tpt_fail(e, "%s: the recency list holds %u of %u entries", name, count, f->used);
	return 0;
}
