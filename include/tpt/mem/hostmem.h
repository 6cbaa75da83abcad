/* SPDX-License-Identifier: MIT */
/*
 * hostmem.h - simulated host physical memory.
 *
 * One sparse anonymous mapping covers the whole host physical address space,
 * so a host physical address is an offset from `base`. Only page-table pages
 * are ever written; the kernel backs just those, so data pages of a 129 GiB
 * working set cost nothing. Reads of never-written memory return zeros.
 * Table pages sit in 2 MiB chunks of their own (frame.h), which the
 * simulator backs with transparent huge pages where the host allows.
 */
#ifndef TPT_HOSTMEM_H
#define TPT_HOSTMEM_H

#include "tpt/base/util.h"

struct hostmem {
	uint8_t *base;
	uint64_t size; /* bytes of host physical address space */
};

int hostmem_init(struct hostmem *hm, uint64_t size, struct tpt_err *e);
void hostmem_fini(struct hostmem *hm);

/* The 8-byte word at host physical address pa (8-byte aligned, < size). */
static inline uint64_t *hostmem_word(const struct hostmem *hm, uint64_t pa)
{
	return (uint64_t *)(void *)(hm->base + pa);
}

/* Zeroes the 4 KiB host frame pfn (a fresh page-table page). */
void hostmem_zero_frame(struct hostmem *hm, uint64_t pfn);
/* Gives a frame's backing back to the kernel; it reads as zeros again. */
void hostmem_release_frame(struct hostmem *hm, uint64_t pfn);

#endif
