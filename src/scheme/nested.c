/* SPDX-License-Identifier: MIT */
/*
 * nested.c - nested paging (Intel EPT, AMD NPT): a two-dimensional walk
 * (walk_2d). Every guest-table pointer, and the final guest-physical
 * address, is translated through the host table, so a TLB miss with no
 * translation caches costs (g+1)(h+1)-1 references: 24 on 4/4 levels, 35
 * on 5/5.
 *
 * The paging-structure caches hold the guest dimension (gVA prefix -> gPA of
 * the next guest table); the nested TLB holds gPA -> hPA. The TLB entry is
 * the smaller of the guest and host pages.
 */
#include "tpt/scheme/scheme.h"

static unsigned nested_refs(unsigned g, unsigned h, unsigned g1)
{
	(void)g1;
	return (g + 1) * (h + 1) - 1;
}

const struct scheme scheme_nested = {
	.name = "nested",
	.summary = "nested paging (EPT/NPT): 2D walk, (g+1)(h+1)-1 references",
	.hv = &hv_nested,
	.cr3_gpa = true,
	.regs = scheme_guest_regs,
	.walk = walk_2d,
	.miss_refs = nested_refs,
};
