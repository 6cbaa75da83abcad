/* SPDX-License-Identifier: MIT */
/*
 * mmu.c - the machine's memory-management hardware as one object (mmu.h):
 * set-up and tear-down of host memory and every translation structure, and
 * the checker over them. The walkers are in walk.c.
 */
#include <string.h>

#include "tpt/mmu/mmu.h"

int mmu_init(struct mmu *m, const struct tpt_config *cfg, uint64_t host_bytes, int levels,
	     bool no_walk_caches, struct tpt_err *e)
{
	memset(m, 0, sizeof(*m));
	m->levels = levels;
	if (hostmem_init(&m->hm, host_bytes, e))
		return -1;
	bool two_d = cfg->pwc_dims == PWC_DIMS_2D || cfg->pwc_dims == PWC_DIMS_2D_NT;
	bool nt = cfg->pwc_dims == PWC_DIMS_1D_NT || cfg->pwc_dims == PWC_DIMS_2D_NT;
	if (cache_init(&m->cache, cfg) || tlb_init(&m->tlb, cfg) ||
	    pwc_init(&m->pwc, cfg, no_walk_caches) || pwc_init(&m->hpwc, cfg, no_walk_caches || !two_d) ||
	    fa_init(&m->ntlb, no_walk_caches || !nt ? 0 : cfg->ntlb_entries) ||
	    fa_init(&m->rmpc, no_walk_caches ? 0 : cfg->rmp_cache_entries)) {
		mmu_fini(m);
		return tpt_fail_mem(e, "out of memory for the MMU structures");
	}
	m->hpwc_on = two_d && !no_walk_caches;
	return 0;
}

void mmu_fini(struct mmu *m)
{
	fa_fini(&m->rmpc);
	fa_fini(&m->ntlb);
	pwc_fini(&m->hpwc);
	pwc_fini(&m->pwc);
	tlb_fini(&m->tlb);
	cache_fini(&m->cache);
	hostmem_fini(&m->hm);
}

int mmu_check(const struct mmu *m, struct tpt_err *e)
{
	if (tlb_check(&m->tlb, e) || pwc_check(&m->pwc, e) || pwc_check(&m->hpwc, e) ||
	    fa_check(&m->ntlb, "nested TLB", e) ||
	    fa_check(&m->rmpc, "RMP cache", e) || cache_check(&m->cache, e))
		return -1;
	return 0;
}
