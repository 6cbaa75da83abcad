/* SPDX-License-Identifier: MIT */
/*
 * pageset.h - a set of page numbers (open addressing, linear probing), for
 * counting the distinct pages of a trace. Grows as needed.
 */
#ifndef TPT_PAGESET_H
#define TPT_PAGESET_H

#include "tpt/base/util.h"

struct pageset {
	uint64_t *slot; /* key + 1; 0 = empty */
	size_t cap, n;
};

int pageset_init(struct pageset *s);
/* 1 if new, 0 if already there, -1 when out of memory. */
int pageset_add(struct pageset *s, uint64_t page);
/* Empties the set, keeping its capacity. */
void pageset_clear(struct pageset *s);
void pageset_fini(struct pageset *s);

#endif
