/* SPDX-License-Identifier: MIT */
/*
 * rmp.h - the host frame permission table: the tag (owner id) of every 4 KiB
 * host frame, like AMD SEV-SNP's Reverse Map Table. Tag 0 is the hypervisor;
 * VMs have tags from 1.
 *
 * The table occupies `entry_bytes` per frame of host physical memory from
 * `base_pa` on, and a TPT walk's tag check reads that address through the
 * cache model. The owner ids themselves are kept compactly (2 bytes per frame
 * in a sparse mapping) rather than inside 16-byte entries, which would commit
 * 8x more real memory for the same information.
 */
#ifndef TPT_RMP_H
#define TPT_RMP_H

#include "tpt/base/util.h"

#define RMP_HYPERVISOR 0

struct rmp {
	uint16_t *owner;  /* owner[hfn], sparse: untouched frames read as 0 */
	uint64_t nframes;
	uint64_t base_pa; /* host physical address of the entry of frame 0 */
	uint32_t entry_bytes;
};

int rmp_init(struct rmp *r, uint64_t nframes, uint64_t base_pa, uint32_t entry_bytes,
	     struct tpt_err *e);
void rmp_fini(struct rmp *r);

static inline uint16_t rmp_owner(const struct rmp *r, uint64_t hfn)
{
	return hfn < r->nframes ? r->owner[hfn] : RMP_HYPERVISOR;
}

static inline uint64_t rmp_entry_pa(const struct rmp *r, uint64_t hfn)
{
	return r->base_pa + hfn * r->entry_bytes;
}

/* Assigns frames [hfn, hfn + n) to owner. */
void rmp_assign(struct rmp *r, uint64_t hfn, uint64_t n, uint16_t owner);

#endif
