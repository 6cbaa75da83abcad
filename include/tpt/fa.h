/*
 * fa.h - a small fully associative buffer with true LRU replacement.
 *
 * The paging-structure caches (one per level), the nested TLB and the RMP
 * cache are each one of these. Entries are kept in recency order (slot 0 is
 * the most recent), so a lookup scans from the likeliest hit and replacement
 * is the last slot. An entry matches a key when (key & mask) == tag, which
 * lets one buffer hold translations of several page sizes.
 */
#ifndef TPT_FA_H
#define TPT_FA_H

#include "tpt/util.h"

struct fa_entry {
	uint64_t tag, mask, val;
};

struct fa {
	uint32_t n, used; /* capacity (0: switched off) and entries held */
	struct fa_entry *e;
};

int fa_init(struct fa *f, uint32_t n);
void fa_fini(struct fa *f);
/* true and *val on a hit (which becomes most recent). */
bool fa_lookup(struct fa *f, uint64_t key, uint64_t *val);
/* Inserts as most recent, replacing an entry with the same tag and mask. */
void fa_insert(struct fa *f, uint64_t key, uint64_t mask, uint64_t val);
void fa_flush(struct fa *f);
/* Drops every entry for which (entry.tag & mask) == (key & mask). */
void fa_flush_match(struct fa *f, uint64_t key, uint64_t mask);
/* Checker: used <= n; no two entries with the same tag and mask. */
int fa_check(const struct fa *f, const char *name, struct tpt_err *e);

#endif
