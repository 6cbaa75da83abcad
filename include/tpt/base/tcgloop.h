/* SPDX-License-Identifier: MIT */
/*
 * tcgloop.h - the loops of the TCG probe, as the bare-metal IA-32 guest
 * that runs them under QEMU (src/probe/tcg/) and the tcgloop workload that
 * tpt dbt models them with (src/workload/tcgloop.c) both see them.
 * Included by freestanding 32-bit code and assembly: <stdint.h> only.
 *
 * Each loop is one assembly function in the guest (tcg/boot.S) with a
 * fixed count of guest instructions per iteration, and its access stream
 * is a function of the loop's arguments alone, so the model replays the
 * very addresses the guest touched:
 *   rmw    random read-modify-write: x = x * 1664525 + 1013904223, then
 *          add 1 to the 4-byte word at offset (x >> (32 - log2 size)) & ~3;
 *          8 instructions, a load and a store
 *   chase  mov p, [p] through every 64-byte line of the region in the
 *          cyclic order tcg_perm(0), tcg_perm(1), ...; 3 instructions, a
 *          load that depends on the one before
 *   seq    add 1 to each 4-byte word in order; 4 instructions, a load and
 *          a store
 *   gups   HPCC RandomAccess's update, the gups workload's loop (x86-64
 *          guests: src/probe/loops.S's probe_gups): 128 streams ran[j] at
 *          TCG_RAN_ADDR, each stepped by the LFSR, Table[ran[j] & mask] ^=
 *          ran[j]; 13 instructions, ran[j]'s load and store and the table
 *          word's load and store; ran[j] starts at hpcc_starts(per * j + key), per = iterations a round / 128
 * A row is one loop at one software-TLB size: a warm round, then timed
 * rounds. rmw's generator runs on across rounds; chase and seq start each
 * round from the region's beginning (the chain's head).
 */
#ifndef TPT_BASE_TCGLOOP_H
#define TPT_BASE_TCGLOOP_H

#ifndef __ASSEMBLER__
#include <stdint.h>

#include "tpt/base/hpcc.h"

enum tcg_loop { TCG_RMW, TCG_CHASE, TCG_SEQ, TCG_GUPS, TCG_LOOP_N };
#endif

/* Guest instructions an iteration retires, and its accesses. */
#define TCG_RMW_INSTRS 8
#define TCG_CHASE_INSTRS 3
#define TCG_SEQ_INSTRS 4
#define TCG_GUPS_INSTRS 13
#define TCG_GUPS_STREAMS 128

#define TCG_LCG_MUL 1664525u
#define TCG_LCG_ADD 1013904223u
#define TCG_LINE 64u

/* QEMU 7.2's largest software TLB, log2 entries (CPU_TLB_DYN_MAX_BITS,
 * min(22, virtual address bits - 12)): for qemu-system-i386's targets and
 * for x86-64. tpt dbt grows its own to it; the probe's guests to it at most. */
#define TCG_TLB_MAX_BITS_I386 20
#define TCG_TLB_MAX_BITS_X86_64 22
#define TCG_TLB_MAX_BITS(x86_64) ((x86_64) ? TCG_TLB_MAX_BITS_X86_64 : TCG_TLB_MAX_BITS_I386)

/* Where the guest keeps its tables and loop memory (identity mapped). */
#define TCG_PD_ADDR 0x200000u   /* page directory; its tables follow */
#define TCG_BUF_ADDR 0x1000000u /* 16 MiB: the loops' region starts here */
#define TCG_RAN_ADDR 0xf00000u  /* gups's 128 streams, 1 KiB */

#ifndef __ASSEMBLER__
static inline uint32_t tcg_lcg(uint32_t x)
{
	return x * TCG_LCG_MUL + TCG_LCG_ADD;
}

/* A keyed bijection of [0, 2^bits), bits 1 to 30: the chase's order. */
static inline uint32_t tcg_perm(uint32_t i, uint32_t bits, uint32_t key)
{
	uint32_t m = (1u << bits) - 1, s = (bits + 1) / 2;
	for (uint32_t r = 0; r < 4; r++) {
		i = (i * 0x9e3779b1u + key + r * 0x7f4a7c15u) & m; /* odd multiplier */
		i ^= i >> s;
	}
	return i;
}
#endif

#endif
