/*
 * dbt.h - the memory path of a full-system binary translator running a
 * guest ISA on another host: QEMU-style SoftMMU against BTMMU
 * (VEE 2021), and the earlier hardware-assisted "direct" mapping that
 * BTMMU improves on.
 *
 * A workload's event stream is the guest program; a small guest OS gives
 * each process a page table in the guest's format (IA32 two-level, PAE
 * three-level, x86-64 four-level) and maps pages on demand. Every guest
 * load and store goes through the scheme's translation; instructions and
 * cycles are those of the host, costed by the [dbt] options, with every
 * memory reference (data, software-TLB entries, guest and shadow page-table
 * entries) going through the host cache model.
 */
#ifndef TPT_DBT_H
#define TPT_DBT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "tpt/base/config.h"
#include "tpt/base/util.h"
#include "tpt/workload/workload.h"

enum dbt_guest { GUEST_IA32, GUEST_PAE, GUEST_X86_64, GUEST_N };
enum dbt_scheme { DBT_SOFTMMU, DBT_BTMMU, DBT_DIRECT, DBT_N };

extern const char *const dbt_guest_name[GUEST_N];
extern const char *const dbt_scheme_name[DBT_N];

struct dbt_stats {
	uint64_t guest_instrs, guest_accesses;
	uint64_t host_instrs;
	double cycles;              /* host cycles: instructions x CPI + memory stalls */
	uint64_t stlb_hits, stlb_misses, victim_hits; /* SoftMMU's software TLB */
	uint64_t stlb_flushes, stlb_resizes;
	uint32_t stlb_entries;      /* its size at the end (dynamic resizing) */
	uint64_t walks, walk_refs;  /* guest page-table walks and the entries they read */
	uint64_t host_tlb_misses, refill_refs; /* BTMMU/direct: host TLB refills, shadow entries read */
	uint64_t shadow_fills, shadow_invalidations;
	uint64_t exceptions;        /* guest page faults delivered + BTMMU's MMU exceptions */
	uint64_t guest_faults;      /* demand-paging faults taken by the guest kernel */
	uint64_t context_switches;
	uint64_t mem_stall_cycles;
};

/* Checks that the scheme can run this guest on the configured host; an
 * error naming the limit otherwise (the direct scheme's refusals). */
int dbt_supported(enum dbt_scheme s, enum dbt_guest g, const struct tpt_config *cfg,
		  const struct workload *w, struct tpt_err *e);
/* Runs the whole workload (warm-up included) under one scheme; progress on
 * stderr when asked and stderr is a terminal. */
int dbt_run(struct workload *w, const struct tpt_config *cfg, enum dbt_scheme s, enum dbt_guest g,
	    bool progress, struct dbt_stats *st, struct tpt_err *e);
/* SoftMMU's software-TLB hit rate: hits over lookups (0 with no lookup). */
double dbt_stlb_hit_rate(const struct dbt_stats *st);

#endif
