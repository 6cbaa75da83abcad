/* SPDX-License-Identifier: MIT */
/*
 * fa.c - fully associative LRU buffer (see fa.h). Used by pwc.c and by the
 * walkers for the nested TLB and the RMP cache. Invariant: e[0..used) are
 * valid, no two share tag and mask, and their use times are distinct and
 * not after the clock; the list from head through next holds each of them
 * once, in decreasing use time, ending at tail. A buffer above FA_SCAN_MAX
 * entries also has a hash holding each of them once under (tag, mask); a
 * smaller one, unless scan, filters whose row k holds, per bucket, the
 * slots (a bit each) of the entries using masks[k] whose tag falls there. Unless scan, masks[0..nmasks) are the
 * distinct masks held, mask_refs[k] of them using masks[k].
 */
#include <stdlib.h>
#include <string.h>

#include "tpt/mmu/fa.h"

int fa_init(struct fa *f, uint32_t n)
{
	*f = (struct fa){.n = n};
	if (n == 0)
		return 0;
	f->tag = calloc(4 * (size_t)n, sizeof(uint64_t));
	f->prev = calloc(2 * (size_t)n, sizeof(uint32_t));
	if (n > FA_SCAN_MAX) {
		uint32_t buckets = 4;
		while (buckets < 2 * n)
			buckets *= 2;
		f->hmask = buckets - 1;
		f->hash = calloc(buckets, sizeof(uint32_t));
	} else {
		f->filter = calloc(FA_MASKS * FA_FILTER, sizeof(*f->filter));
	}
	if (!f->tag || !f->prev || (n > FA_SCAN_MAX ? !f->hash : !f->filter)) {
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
	free(f->hash);
	free(f->filter);
	*f = (struct fa){0};
}

static inline uint32_t home(const struct fa *f, uint64_t tag, uint64_t mask)
{
	uint64_t h = (tag ^ mask * 0xff51afd7ed558ccdULL) * 0x9e3779b97f4a7c15ULL;
	return (uint32_t)(h >> 32) & f->hmask;
}

/* A filter's bucket for a tag. */
static inline uint32_t bucket(uint64_t tag)
{
	return (uint32_t)((tag * 0x9e3779b97f4a7c15ULL) >> 56);
}

/* Slot's mask counted (and in a small buffer, its bit in that mask's
 * filter); past FA_MASKS masks the buffer scans until its next flush. */
static void mask_add(struct fa *f, uint32_t slot)
{
	if (f->scan)
		return;
	uint32_t k = 0;
	while (k < f->nmasks && f->masks[k] != f->mask[slot])
		k++;
	if (k == f->nmasks) {
		if (f->nmasks == FA_MASKS) {
			f->scan = true;
			return;
		}
		f->masks[k] = f->mask[slot];
		f->mask_refs[k] = 0;
		f->nmasks++;
	}
	f->mask_refs[k]++;
	if (f->filter)
		f->filter[k * FA_FILTER + bucket(f->tag[slot])] |= 1u << slot;
}

static void mask_remove(struct fa *f, uint32_t slot)
{
	if (f->scan)
		return;
	for (uint32_t k = 0; k < f->nmasks; k++)
		if (f->masks[k] == f->mask[slot]) {
			if (f->filter)
				f->filter[k * FA_FILTER + bucket(f->tag[slot])] &= ~(1u << slot);
			if (--f->mask_refs[k] == 0) {
				uint32_t last = --f->nmasks;
				f->masks[k] = f->masks[last];
				f->mask_refs[k] = f->mask_refs[last];
				if (f->filter && k != last) /* row k is all zero now */
					memcpy(&f->filter[k * FA_FILTER], &f->filter[last * FA_FILTER],
					       FA_FILTER * sizeof(*f->filter));
				if (f->filter && k != last)
					memset(&f->filter[last * FA_FILTER], 0, FA_FILTER * sizeof(*f->filter));
			}
			return;
		}
}

static __attribute__((noinline)) void hash_add(struct fa *f, uint32_t slot)
{
	uint32_t b = home(f, f->tag[slot], f->mask[slot]);
	while (f->hash[b])
		b = (b + 1) & f->hmask;
	f->hash[b] = slot + 1;
}

/* Takes slot out of the hash (backward-shift deletion keeps every probe
 * chain unbroken). */
static __attribute__((noinline)) void hash_remove(struct fa *f, uint32_t slot)
{
	uint32_t b = home(f, f->tag[slot], f->mask[slot]);
	while (f->hash[b] != slot + 1)
		b = (b + 1) & f->hmask;
	for (uint32_t j = (b + 1) & f->hmask; f->hash[j]; j = (j + 1) & f->hmask) {
		uint32_t s = f->hash[j] - 1, h = home(f, f->tag[s], f->mask[s]);
		/* The entry at j may move to the hole at b if its home is not in (b, j]. */
		if (((j - h) & f->hmask) >= ((j - b) & f->hmask)) {
			f->hash[b] = f->hash[j];
			b = j;
		}
	}
	f->hash[b] = 0;
}

/* Nothing held: the hash or the filters empty, no masks. */
static void index_clear(struct fa *f)
{
	if (f->hash)
		memset(f->hash, 0, ((size_t)f->hmask + 1) * sizeof(*f->hash));
	if (f->filter)
		memset(f->filter, 0, (size_t)FA_FILTER * (f->scan ? FA_MASKS : f->nmasks) * sizeof(*f->filter));
	f->nmasks = 0;
	f->scan = false;
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

/* The lowest slot whose (tag, mask) the hash holds for key, or used. */
static uint32_t hash_find(const struct fa *f, uint64_t key)
{
	uint32_t best = f->used;
	for (uint32_t k = 0; k < f->nmasks; k++) {
		uint64_t m = f->masks[k], t = key & m;
		for (uint32_t b = home(f, t, m); f->hash[b]; b = (b + 1) & f->hmask) {
			uint32_t s = f->hash[b] - 1;
			if (f->tag[s] == t && f->mask[s] == m) {
				if (s < best)
					best = s;
				break;
			}
		}
	}
	return best;
}

/* Slot i was found for a lookup: it becomes the most recent. */
static bool hit(struct fa *f, uint32_t i, uint64_t *val)
{
	f->used_at[i] = ++f->clock;
	to_head(f, i, true);
	*val = f->val[i];
	return true;
}

static __attribute__((noinline)) bool lookup_hashed(struct fa *f, uint64_t key, uint64_t *val)
{
	uint32_t i = hash_find(f, key);
	return i < f->used && hit(f, i, val);
}

bool fa_lookup(struct fa *f, uint64_t key, uint64_t *val)
{
	if (f->hash && !f->scan)
		return lookup_hashed(f, key, val);
	if (!f->scan) {
		/* Only the slots some mask's filter holds at key's bucket can
		 * match; the lowest matching one is the scan's. */
		uint32_t cand = 0;
		for (uint32_t k = 0; k < f->nmasks; k++)
			cand |= f->filter[k * FA_FILTER + bucket(key & f->masks[k])];
		for (; cand; cand &= cand - 1) {
			uint32_t i = (uint32_t)__builtin_ctz(cand);
			if ((key & f->mask[i]) == f->tag[i])
				return hit(f, i, val);
		}
		return false;
	}
	for (uint32_t i = 0; i < f->used; i++)
		if ((key & f->mask[i]) == f->tag[i])
			return hit(f, i, val);
	return false;
}

void fa_insert(struct fa *f, uint64_t key, uint64_t mask, uint64_t val)
{
	if (f->n == 0)
		return;
	uint64_t tag = key & mask;
	uint32_t slot = f->used;
	bool linked = slot == f->n;
	if (linked) {
		slot = f->tail; /* full: the least recently used entry goes */
		if (f->hash)
			hash_remove(f, slot);
		mask_remove(f, slot);
	}
	f->tag[slot] = tag;
	f->mask[slot] = mask;
	f->val[slot] = val;
	f->used_at[slot] = ++f->clock;
	if (f->hash)
		hash_add(f, slot);
	mask_add(f, slot);
	to_head(f, slot, linked);
	if (!linked)
		f->used++;
}

void fa_flush(struct fa *f)
{
	if (f->used)
		index_clear(f);
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
	index_clear(f);
	for (uint32_t i = 0; i < k; i++) {
		if (f->hash)
			hash_add(f, i);
		mask_add(f, i);
	}
}

int fa_check(const struct fa *f, const char *name, struct tpt_err *e)
{
	if (f->used > f->n)
		return tpt_broken(e, name, 1, "%u entries in a buffer of %u", f->used, f->n);
	for (uint32_t i = 0; i < f->used; i++) {
		if (f->tag[i] & ~f->mask[i])
			return tpt_broken(e, name, 2, "entry %u has tag bits outside its mask", i);
		if (f->used_at[i] > f->clock)
			return tpt_broken(e, name, 3, "entry %u was used after the clock", i);
		for (uint32_t j = i + 1; j < f->used; j++) {
			if (f->tag[i] == f->tag[j] && f->mask[i] == f->mask[j])
				return tpt_broken(e, name, 4, "entries %u and %u duplicate", i, j);
			if (f->used_at[i] == f->used_at[j])
				return tpt_broken(e, name, 3, "entries %u and %u share a use time", i, j);
		}
	}
	/* The list: every entry once, from the most to the least recent. */
	uint32_t count = 0;
	for (uint32_t i = f->head; f->used && count < f->used; i = f->next[i]) {
		if (i >= f->used)
			return tpt_broken(e, name, 5, "the recency list reaches slot %u", i);
		if (count && f->used_at[i] >= f->used_at[f->prev[i]])
			return tpt_broken(e, name, 5, "the recency list is out of order at slot %u", i);
		count++;
		if (i == f->tail)
			break;
	}
	if (count != f->used)
		return tpt_broken(e, name, 5, "the recency list holds %u of %u entries", count, f->used);
	/* The filters: each entry's slot once, in its mask's row and its
	 * tag's bucket. */
	if (f->filter && !f->scan) {
		for (uint32_t k = 0; k < f->nmasks; k++)
			for (uint32_t b = 0; b < FA_FILTER; b++) {
				uint32_t want = 0;
				for (uint32_t i = 0; i < f->used; i++)
					if (f->mask[i] == f->masks[k] && bucket(f->tag[i]) == b)
						want |= 1u << i;
				if (want != f->filter[k * FA_FILTER + b])
					return tpt_broken(e, name, 8, "mask %u's filter holds slots %#x at bucket %u, "
								  "the entries there are %#x", k,
							  f->filter[k * FA_FILTER + b], b, want);
			}
		for (size_t x = (size_t)f->nmasks * FA_FILTER; x < (size_t)FA_MASKS * FA_FILTER; x++)
			if (f->filter[x])
				return tpt_broken(e, name, 8, "a filter of no mask holds entries");
	}
	uint32_t refs = 0;
	if (!f->scan) {
		for (uint32_t k = 0; k < f->nmasks; k++) {
			uint32_t c = 0;
			for (uint32_t i = 0; i < f->used; i++)
				c += f->mask[i] == f->masks[k];
			if (!c || c != f->mask_refs[k])
				return tpt_broken(e, name, 7, "mask %u counts %u entries, %u hold it", k,
							  f->mask_refs[k], c);
			refs += c;
		}
		if (refs != f->used)
			return tpt_broken(e, name, 7, "the masks cover %u of %u entries", refs, f->used);
	}
	/* The hash: each entry once, reachable from its home; nothing else. */
	if (!f->hash)
		return 0;
	uint32_t held = 0;
	for (uint32_t b = 0; b <= f->hmask; b++) {
		if (!f->hash[b])
			continue;
		uint32_t s = f->hash[b] - 1;
		if (s >= f->used)
			return tpt_broken(e, name, 6, "the hash names slot %u of %u", s, f->used);
		for (uint32_t c = home(f, f->tag[s], f->mask[s]); c != b; c = (c + 1) & f->hmask)
			if (!f->hash[c])
				return tpt_broken(e, name, 6, "slot %u is out of its probe chain", s);
		held++;
	}
	if (held != f->used)
		return tpt_broken(e, name, 6, "the hash holds %u of %u entries", held, f->used);
	return 0;
}
