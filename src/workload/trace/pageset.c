/* SPDX-License-Identifier: MIT */
/*
 * pageset.c - set of page numbers (see pageset.h). Invariant: n < cap / 2,
 * cap a power of two.
 */
#include <stdlib.h>
#include <string.h>

#include "pageset.h"

static size_t hash(uint64_t k, size_t cap)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	return (size_t)k & (cap - 1);
}

int pageset_init(struct pageset *s)
{
	s->cap = 1024;
	s->n = 0;
	s->slot = calloc(s->cap, sizeof(*s->slot));
	return s->slot ? 0 : -1;
}

static int insert(uint64_t *slot, size_t cap, uint64_t key)
{
	for (size_t i = hash(key, cap);; i = (i + 1) & (cap - 1)) {
		if (slot[i] == key + 1)
			return 0;
		if (!slot[i]) {
			slot[i] = key + 1;
			return 1;
		}
	}
}

int pageset_add(struct pageset *s, uint64_t page)
{
	if (2 * (s->n + 1) > s->cap) {
		size_t cap = 2 * s->cap;
		uint64_t *n = calloc(cap, sizeof(*n));
		if (!n)
			return -1;
		for (size_t i = 0; i < s->cap; i++)
			if (s->slot[i])
				insert(n, cap, s->slot[i] - 1);
		free(s->slot);
		s->slot = n;
		s->cap = cap;
	}
	int rc = insert(s->slot, s->cap, page);
	s->n += (size_t)rc;
	return rc;
}

void pageset_clear(struct pageset *s)
{
	memset(s->slot, 0, s->cap * sizeof(*s->slot));
	s->n = 0;
}

void pageset_fini(struct pageset *s)
{
	free(s->slot);
	s->slot = NULL;
}
