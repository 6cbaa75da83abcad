/* SPDX-License-Identifier: MIT */
/*
 * pwc.c - paging-structure caches (see pwc.h). Called by the walkers in
 * walk.c. Keys are (va >> pt_shift(level)) << 12 | asid, so a flush by asid
 * is a masked match on the low 12 bits.
 */
#include "tpt/mem/pt.h"
#include "tpt/mmu/pwc.h"

int pwc_init(struct pwc *p, const struct tpt_config *c, bool off)
{
	p->invalidations = 0;
	const uint32_t n[6] = {0, 0, c->pwc_pd, c->pwc_pdpt, c->pwc_pml4, c->pwc_pml5};
	for (int l = 0; l < 6; l++)
		if (fa_init(&p->lv[l], off ? 0 : n[l])) {
			pwc_fini(p);
			return -1;
		}
	return 0;
}

void pwc_fini(struct pwc *p)
{
	for (int l = 0; l < 6; l++)
		fa_fini(&p->lv[l]);
}

static uint64_t key(uint64_t va, int level, unsigned asid)
{
	return (va >> pt_shift(level)) << 12 | (asid & 0xfff);
}

int pwc_lookup(struct pwc *p, uint64_t va, unsigned asid, int levels, uint64_t *table)
{
	for (int l = 2; l <= levels; l++) {
		if (p->lv[l].used && fa_lookup(&p->lv[l], key(va, l, asid), table))
			return l - 1;
	}
	return levels;
}

void pwc_fill(struct pwc *p, int level, uint64_t va, unsigned asid, uint64_t next_table)
{
	if (level >= 2)
		fa_insert(&p->lv[level], key(va, level, asid), ~0ULL, next_table);
}

void pwc_flush(struct pwc *p)
{
	p->invalidations++;
	for (int l = 0; l < 6; l++)
		fa_flush(&p->lv[l]);
}

void pwc_flush_asid(struct pwc *p, unsigned asid)
{
	p->invalidations++;
	for (int l = 0; l < 6; l++)
		fa_flush_match(&p->lv[l], asid, 0xfff);
}

int pwc_check(const struct pwc *p, struct tpt_err *e)
{
	static const char *names[6] = {"", "", "PDE cache", "PDPTE cache", "PML4E cache",
				       "PML5E cache"};
	for (int l = 2; l < 6; l++)
		if (fa_check(&p->lv[l], names[l], e))
			return -1;
	return 0;
}
