/* SPDX-License-Identifier: MIT */
/*
 * linux.h - the guest: an unmodified Linux 3.0 kernel on an e500v2, as the
 * ASPLOS 2013 embedded Power paper's KVM sees it. It maps itself with one
 * 256 MiB page at 0xc0000000: text (about 5 MiB), then its data sections,
 * then the memory its allocators hand out. It executes privileged
 * instructions at a few hundred PCs with the paper's heavy tail (Table 4)
 * and opcode mix (Table 3), and between them loads and stores to its data,
 * to tables that share a page with privileged code, and (booting) to its
 * own text.
 *
 * Called by power.c, which drives a workload's privileged instructions
 * through a scheme (kvmppc.h). Invariants: PCs are word-aligned inside the
 * text; the weights of all PCs sum to 1; a workload's counts come from the
 * paper's unmodified-KVM and bare-metal columns only.
 */
#ifndef TPT_POWER_LINUX_H
#define TPT_POWER_LINUX_H

#include <stdbool.h>
#include <stdint.h>

#include "tpt/base/util.h"

#define LX_KBASE 0xc0000000ULL
#define LX_KSIZE (256ULL << 20)
#define LX_REGION_SHIFT 16 /* 64 KiB: the shortest page of adaptive resizing */
#define LX_REGIONS (LX_KSIZE >> LX_REGION_SHIFT)

/* Opcode classes of the paper's Table 3; single-instruction translations
 * (a load or store to the shared space) exist for the first three. */
enum lx_op { OP_MFMSR, OP_MFSPR, OP_MTSPR, OP_WRTEE, OP_RFI, OP_MTMSR, OP_OTHER, OP_N };
extern const char *const lx_op_name[OP_N];

struct lx_pc {
	uint64_t ea;
	double weight;   /* share of the privileged instructions executed */
	uint8_t op;      /* enum lx_op */
	bool table;      /* a dispatch or exception table shares its 4 KiB page */
};

/* The kernel's shape: sizes and rates, each with its source in power.c's table. */
struct lx_params {
	uint64_t text, data, lowmem;  /* bytes from LX_KBASE: text, .data/.bss, allocated memory */
	uint64_t head;                /* the exception and entry code at the text's start */
	double hot_head, cold_head;   /* share of the hottest PCs (> 20000 exits) and of the others placed there */
	double data_per_priv;         /* kernel loads and stores per privileged instruction, a boot's */
	double data_share;            /* of them, to .data/.bss (the rest to allocated memory) */
	double code_per_priv;         /* other text pages fetched per privileged instruction */
	double table_share;           /* share of privileged code pages that hold a table */
	double table_per_priv;        /* table reads per privileged instruction on such a page */
	uint32_t table_words;         /* words of each table the kernel reads */
	double boot_scan;             /* text words linux-boot reads in its first tenth */
};

struct lx_kernel {
	struct lx_params p;
	struct lx_pc *pcs;
	uint32_t npc;
	/* Alias table over pcs by weight (Vose), for O(1) draws. */
	double *alias_p;
	uint32_t *alias_i;
};

/* A workload: what the unmodified-KVM run of one unit of it (a boot, an
 * lmbench operation, a Unixbench iteration, a KiB) costs. */
enum lx_unit { UNIT_S, UNIT_MS, UNIT_SCORE, UNIT_KBS };
struct lx_workload {
	const char *name, *what;
	uint8_t unit;             /* how the paper reports it: seconds, ms, score in 10 s, KB/s */
	double bare, kvm;         /* the paper's bare-metal and KVM figures, in that unit */
	double priv, tlb, acc;    /* KVM's exits a run (raw counts) or an operation (derived) */
	bool raw;                 /* priv, tlb, acc are the paper's raw counts of a whole run */
	bool boot;                /* the kernel scans its text early on */
};

extern const struct lx_workload lx_workloads[];
extern const unsigned lx_nworkloads;
const struct lx_workload *lx_workload_find(const char *name);

/* Builds the kernel for seed; -1 with e set on bad parameters or no memory. */
int lx_init(struct lx_kernel *k, const struct lx_params *p, uint64_t seed, struct tpt_err *e);
void lx_fini(struct lx_kernel *k);
/* The PC a privileged instruction executes at, from two uniform draws. */
uint32_t lx_draw(const struct lx_kernel *k, uint64_t r1, double r2);
/* Checker, by the invariants it numbers: 1 every PC a word of the text;
 * 2 every PC of a known class with a positive weight; 3 no two PCs at one
 * address; 4 the weights sum to 1; 5 each class's share of exits matches
 * Table 3's. */
int lx_check(const struct lx_kernel *k, struct tpt_err *e);

#endif
