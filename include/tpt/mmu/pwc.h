/* SPDX-License-Identifier: MIT */
/*
 * pwc.h - paging-structure caches: one small fully associative LRU buffer per
 * upper level (PML5E, PML4E, PDPTE, PDE caches), as on Intel cores.
 *
 * The cache for level L holds entries of level-L tables: the virtual-address
 * bits that select the entry (va >> pt_shift(L)) and the address of the
 * table it points to. A hit lets a walk start at level L-1. In a nested walk
 * they cache the guest dimension (values are guest-physical).
 */
#ifndef TPT_PWC_H
#define TPT_PWC_H

#include "tpt/base/config.h"
#include "tpt/mmu/fa.h"

struct pwc {
	struct fa lv[6]; /* lv[2] .. lv[5]; lv[0], lv[1] unused */
	/* Flushes so far: a scheme's own tables changed (fast-forward's memo
	 * follows them, sim.c). */
	uint64_t invalidations;
};

int pwc_init(struct pwc *p, const struct tpt_config *c, bool off);
void pwc_fini(struct pwc *p);
/*
 * The deepest cached level for va: returns the level the walk continues at
 * (with *table set), or `levels` when nothing is cached (*table untouched).
 */
int pwc_lookup(struct pwc *p, uint64_t va, unsigned asid, int levels, uint64_t *table);
/* Records that the level-`level` entry for va points to next_table. */
void pwc_fill(struct pwc *p, int level, uint64_t va, unsigned asid, uint64_t next_table);
void pwc_flush(struct pwc *p);
void pwc_flush_asid(struct pwc *p, unsigned asid);
/* Checker: each level's buffer by fa_check's invariants (fa.h). */
int pwc_check(const struct pwc *p, struct tpt_err *e);

#endif
