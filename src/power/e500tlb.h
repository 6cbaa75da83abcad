/* SPDX-License-Identifier: MIT */
/*
 * e500tlb.h - the Freescale e500v2 software-managed MMU (the embedded
 * Power model's machine): TLB1, 16 fully associative entries of variable size (4 KiB
 * times a power of 4, up to 4 GiB, each aligned to its size in both address
 * spaces), and TLB0, 512 entries of 4 KiB pages in 128 sets of 4 ways.
 * Entries carry a translation id (0: global) and separate user and
 * supervisor read/write/execute rights. The hypervisor keeps its shadow
 * TLB entries here and chooses their sizes and rights; e500_split is how
 * adaptive page resizing breaks a large page around a patch site.
 * Called by kvmppc.c (the hypervisor's shadow entries) and the tests.
 */
#ifndef TPT_POWER_E500TLB_H
#define TPT_POWER_E500TLB_H

#include <stdbool.h>
#include <stdint.h>

#include "tpt/base/util.h"

enum { E500_UR = 1, E500_UW = 2, E500_UX = 4, E500_SR = 8, E500_SW = 16, E500_SX = 32 };

#define E500_TLB1 16
#define E500_TLB0_SETS 128
#define E500_TLB0_WAYS 4
#define E500_SIZES 11 /* 4K, 16K, ..., 4G */

struct e500_tlbe {
	uint64_t ea, pa, size; /* effective and real page address, bytes */
	uint32_t tid;
	uint8_t perm;
	bool valid;
};

struct e500_tlb {
	struct e500_tlbe tlb1[E500_TLB1];
	struct e500_tlbe tlb0[E500_TLB0_SETS][E500_TLB0_WAYS];
	uint8_t tlb0_next[E500_TLB0_SETS]; /* round-robin victim per set */
};

/* Whether size is a page size TLB1 supports. */
bool e500_size_ok(uint64_t size);
/* Breaks the page p (aligned, supported size) so that the patch_size page
 * holding `at` is an entry of its own and the rest of p is covered by the
 * fewest largest aligned pages: out gets them in address order. Returns
 * their number, or -1 (sizes unsupported, at outside p, patch larger than p,
 * more than max entries). */
int e500_split(const struct e500_tlbe *p, uint64_t at, uint64_t patch_size, struct e500_tlbe *out,
	       int max);

void e500_tlb_init(struct e500_tlb *t);
/* The entry translating ea for tid (TLB1 first, as the hardware's
 * priority), or NULL: a TLB miss, which traps to the (guest's) handler. */
const struct e500_tlbe *e500_tlb_lookup(const struct e500_tlb *t, uint64_t ea, uint32_t tid);
/* Writes an entry: TLB1 slot `esel` (0..15) or, for 4 KiB pages with esel
 * -1, TLB0 by round robin in its set. -1 for an unaligned or unsupported entry. */
int e500_tlb_write(struct e500_tlb *t, const struct e500_tlbe *e, int esel);
/* Checker, by the invariants it numbers: 1 every valid TLB1 entry aligned
 * and of a supported size; 2 no two valid TLB1 entries of one tid
 * overlapping; 3 TLB0 entries 4 KiB, in the set their address selects. */
int e500_tlb_check(const struct e500_tlb *t, struct tpt_err *e);

#endif
