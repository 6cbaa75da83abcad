/* SPDX-License-Identifier: MIT */
/*
 * dbt_internal.h - the DBT model's state, for dbt.c and its tests.
 */
#ifndef TPT_DBT_INTERNAL_H
#define TPT_DBT_INTERNAL_H

#include "dframes.h"
#include "softtlb.h"
#include "tpt/mmu/cache.h"
#include "tpt/dbt/dbt.h"
#include "tpt/mmu/fa.h"
#include "tpt/mem/hostmem.h"

struct gproc {
	bool live;
	struct pt pt;     /* the guest's own table, in its ISA's format */
	struct pt shadow; /* BTMMU/direct: guest virtual -> host physical, x86-64 format */
	uint64_t asid;
};

/* 32-bit guests: a workload mapping placed in the guest's 3 GiB. */
struct reloc {
	uint64_t wva, len, gva;
};

struct dbt;

/* A scheme of the translator, bound once at dbt_init (dbt.c). */
struct dbt_ops {
	/* A guest load or store: the host-physical address in *pa. 0, or -1 with e set. */
	int (*access)(struct dbt *d, struct gproc *p, uint64_t va, bool write, uint64_t *pa,
		      struct tpt_err *e);
	/* The guest dropped va's translation (INVLPG after munmap or mprotect). */
	void (*invalidate)(struct dbt *d, struct gproc *p, uint64_t va);
	/* The guest wrote CR3: another process runs. */
	void (*switched)(struct dbt *d);
	/* The guest flushed its whole TLB (a CR3 reload of the running
	 * process), or NULL where each unmapped page is dropped anyway. */
	void (*flushed)(struct dbt *d);
	bool softtlb; /* translations live in the software TLB (what the checker compares) */
};

/* Host instructions of a shadow scheme's steps: BTMMU's module, or direct
 * mapping's host kernel paths (from the [dbt] options). */
struct dbt_shadow_cost {
	uint64_t access, exception, walk_level, fill, sync;
};

struct dbt {
	const struct tpt_config *cfg;
	enum dbt_scheme scheme;
	const struct dbt_ops *ops;
	struct dbt_shadow_cost sc;
	enum dbt_guest guest;
	struct hostmem hm;
	struct dframes gfr, sfr; /* guest RAM frames; kernel frames for shadow tables */
	uint64_t ram, stlb_base;
	struct cache cache;
	struct softtlb stlb;
	struct fa htlb;          /* the host TLB: key ASID | VPN pair, value: valid halves */
	struct gproc **procs; /* by pid */
	size_t nprocs;
	struct gproc *cur;
	uint64_t next_asid;
	struct reloc reloc[64];
	size_t nreloc;
	uint64_t next_gva;
	uint64_t brk_base; /* the first program break seen (32-bit guests) */
	struct dbt_stats st;      /* since the workload's EV_MARK (warm-up apart) */
	uint64_t acc_stall;       /* the current access's load latencies beyond L1, in turn */
	uint64_t since_stall;     /* host instructions since the last access that stalled */
	double stall;             /* the stalls charged (access_stall), into st at dbt_finish */
	uint64_t last_page;       /* the page of the last data access (sequential ones are prefetched) */
	uint64_t resizes_at_mark; /* the software TLB's resizes before it */
};

/* A walk of a guest or shadow table (dbt.c): the entries read into refs,
 * 0 with the page's frame and its write right, or -1 if va is not mapped. */
int table_walk(const struct pt *t, uint64_t va, uint64_t refs[PT_MAX_LEVELS], int *n,
	       uint64_t *pa, uint64_t *flags);

int dbt_init(struct dbt *d, const struct workload *w, const struct tpt_config *cfg, enum dbt_scheme s,
	     enum dbt_guest g, struct tpt_err *e);
int dbt_step(struct dbt *d, const struct event *ev, struct tpt_err *e);
void dbt_finish(struct dbt *d, struct dbt_stats *st);
void dbt_fini(struct dbt *d);
/* Checker: shadow entries agree with the guest tables, software-TLB
 * entries with the current process's table, every structure's own checker. */
int dbt_check(const struct dbt *d, struct tpt_err *e);

#endif
