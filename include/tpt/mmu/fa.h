/* SPDX-License-Identifier: MIT */
/*
 * fa.h - a small fully associative buffer with true LRU replacement.
 *
 * The paging-structure caches (one per level), the nested TLB and the RMP
 * cache are each one of these. Each entry carries the time of its last use
 * (a per-buffer clock), and replacement takes the least recent: true LRU
 * without moving entries around (a list in recency order finds it). An entry matches a key when
 * (key & mask) == tag, which lets one buffer hold translations of several
 * page sizes. A buffer of up to FA_SCAN_MAX entries is scanned in slot
 * order and the first match wins; it also keeps, per distinct mask held
 * (up to FA_MASKS), a filter of FA_FILTER buckets, each the set of slots
 * (a bit each) whose tags hash there under that mask, so that a lookup
 * compares only the entries in its key's buckets (none: a walk's usual
 * miss), lowest slot first, and finds the entry the scan would. A larger one (the RMP cache) also keeps
 * a hash of (tag, mask): a lookup probes it once per distinct mask held and
 * takes the lowest slot that matches, the entry the scan would find; with
 * more than FA_MASKS distinct masks it scans.
 */
#ifndef TPT_FA_H
#define TPT_FA_H

#include "tpt/base/util.h"

#define FA_MASKS 4
#define FA_SCAN_MAX 32
#define FA_FILTER 256 /* buckets of a filter; a bucket's slots are bits of a uint32_t */
_Static_assert(FA_SCAN_MAX <= 32, "a filter bucket's slots are the bits of a uint32_t");

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
	/* Above FA_SCAN_MAX entries: (tag, mask) -> slot + 1 (0: empty),
	 * linear probing, hmask + 1 buckets, at most half full. Up to
	 * FA_SCAN_MAX: filter[k * FA_FILTER + b], the slots (bit i: slot i)
	 * of the entries with masks[k] whose tag hashes to bucket b. Both: the distinct masks held and how
	 * many entries use each; scan: more than FA_MASKS were held since the
	 * last flush (no hash probe nor filter then, only the scan). */
	uint32_t *hash, hmask;
	uint32_t *filter;
	uint64_t masks[FA_MASKS];
	uint32_t mask_refs[FA_MASKS], nmasks;
	bool scan;
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
/* Checker, by the invariants it numbers (the buffer named): 1 used <= n;
 * 2 no tag bit outside its mask; 3 no use after the clock, no two at one
 * time; 4 no two entries with the same tag and mask; 5 the recency list
 * holds every entry once, most recent first; 6 the hash holds every entry
 * once, each on its probe chain, and nothing else; 7 the mask counts add
 * up; 8 the filters hold every entry's slot in its bucket, nothing else. */
int fa_check(const struct fa *f, const char *name, struct tpt_err *e);

#endif
