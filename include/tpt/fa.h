/*
 * fa.h - a small fully associative buffer with true LRU replacement.
 *
 * The paging-structure caches (one per level), the nested TLB and the RMP
 * cache are each one of these. Each entry carries the time of its last use
 * (a per-buffer clock), and replacement takes the least recent: true LRU
 * without moving entries around (a list in recency order finds it). An entry matches a key when
 * (key & mask) == tag, which lets one buffer hold translations of several
 * page sizes.
 */
#ifndef TPT_FA_H
#define TPT_FA_H

#include "tpt/util.h"

struct fa {
	uint32_t n, used; /* capacity (0: switched off) and entries held */
	uint64_t clock;   /* ticks on every hit and insert */
	/* Entry i: tag[i], mask[i], val[i], last used at used_at[i]. */
	uint64_t *tag, *mask, *val, *used_at;
	/* The entries from most to least recent, as a list through prev and
	 * next (slot numbers): replacement takes the tail at once instead of
	 * searching used_at, which orders the same. */
	uint32_t *prev, *next;
	uint32_t head, tail;
};

int fa_init(struct fa *f, uint32_t n);
void fa_fini(struct fa *f);
/* true and *val on a hit (which becomes most recent). */
bool fa_lookup(struct fa *f, uint64_t key, uint64_t *val);
/* Inserts as most recent. The key must not be cached (insert after a lookup
 * missed); fa_check finds a violation. */
void fa_insert(struct fa *f, uint64_t key, uint64_t mask, uint64_t val);
void fa_flush(struct fa *f);
/* Drops every entry for which (entry.tag & mask) == (key & mask). */
void fa_flush_match(struct fa *f, uint64_t key, uint64_t mask);
/* Checker: used <= n; no two entries with the same tag and mask; no use in
 * the future; the recency list holds every entry once, in used_at order. */
int fa_check(const struct fa *f, const char *name, struct tpt_err *e);

#endif
