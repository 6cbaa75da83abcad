/* SPDX-License-Identifier: MIT */
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
#include "tpt/base/stats.h"
#include "tpt/base/util.h"
#include "tpt/workload/workload.h"

enum dbt_guest { GUEST_IA32, GUEST_PAE, GUEST_X86_64, GUEST_N };
enum dbt_scheme { DBT_SOFTMMU, DBT_BTMMU, DBT_DIRECT, DBT_N };

extern const char *const dbt_guest_name[GUEST_N];
extern const char *const dbt_scheme_name[DBT_N];

/*
 * Every figure of a dbt run, listed once: DBT_STATS generates struct
 * dbt_stats, its rows (dbt_stats_rows: the JSON keys and `tpt counters
 * dbt`), in this order.
 *   C(name, doc)      a count            F(name, doc)  a measure (double)
 *   R(name, fn, doc)  derived: fn(st, cfg), in the rows only
 */
#define DBT_STATS(C, F, R)                                                                        \
	C(guest_accesses, "guest loads and stores")                                               \
	C(guest_instructions, "guest instructions run (a guest kernel's included)")               \
	C(host_instructions, "host instructions: translated code and the memory path")            \
	F(cycles, "host cycles: host instructions x [dbt] cpi + memory stalls")                  \
	R(host_instructions_per_access, dbt_host_per_access, "host_instructions / guest_accesses") \
	R(cycles_per_access, dbt_cycles_per_access, "cycles / guest_accesses")                    \
	R(stlb_hit_rate, dbt_stlb_hit_rate, "software-TLB hits / (hits + misses)")                \
	C(stlb_misses, "SoftMMU: software-TLB lookups that missed")                               \
	C(victim_hits, "SoftMMU: misses the victim TLB answered")                                 \
	C(stlb_entries, "SoftMMU: software-TLB entries at the end (dynamic resizing)")            \
	C(walks, "guest page-table walks")                                                        \
	C(walk_refs, "guest page-table entries the walks read")                                   \
	C(exceptions, "guest page faults delivered, and BTMMU's MMU exceptions")                  \
	C(guest_faults, "demand-paging faults the guest kernel took")                             \
	C(host_tlb_misses, "BTMMU and direct: host TLB refills")                                  \
	C(shadow_fills, "BTMMU and direct: shadow entries filled")                                \
	C(shadow_invalidations, "BTMMU and direct: shadow entries dropped")                       \
	C(context_switches, "guest address-space switches")                                       \
	R(memory_path_instructions_per_access, dbt_mem_path,                                      \
	  "host instructions of the memory path per access: all but the guest's other instructions x [dbt] expansion") \
	C(stlb_hits, "SoftMMU: software-TLB lookups that hit")                                    \
	C(stlb_flushes, "SoftMMU: whole software-TLB flushes")                                    \
	C(stlb_resizes, "SoftMMU: software-TLB resizes")                                          \
	C(refill_refs, "BTMMU and direct: shadow entries read by host TLB refills")              \
	C(mem_stall_cycles, "host cycles waiting on memory (data, software-TLB and table entries)")

struct dbt_stats {
#define DBT_FIELD_C(name, doc) uint64_t name;
#define DBT_FIELD_F(name, doc) double name;
#define DBT_FIELD_R(name, fn, doc)
	DBT_STATS(DBT_FIELD_C, DBT_FIELD_F, DBT_FIELD_R)
#undef DBT_FIELD_C
#undef DBT_FIELD_F
#undef DBT_FIELD_R
};

/* Checks that the scheme can run this guest on the configured host; an
 * error naming the limit otherwise (the direct scheme's refusals). */
int dbt_supported(enum dbt_scheme s, enum dbt_guest g, const struct tpt_config *cfg,
		  const struct workload *w, struct tpt_err *e);
/* Runs the whole workload under one scheme, counting from its EV_MARK
 * (the warm-up's state is kept, its counts are not); progress on stderr
 * when asked and stderr is a terminal. */
int dbt_run(struct workload *w, const struct tpt_config *cfg, enum dbt_scheme s, enum dbt_guest g,
	    bool progress, struct dbt_stats *st, struct tpt_err *e);
/* The derived rows: host instructions and cycles per guest access,
 * SoftMMU's software-TLB hit rate (0 with no lookup), and the memory path's
 * own host instructions per access. */
double dbt_host_per_access(const struct dbt_stats *st, const struct tpt_config *cfg);
double dbt_cycles_per_access(const struct dbt_stats *st, const struct tpt_config *cfg);
double dbt_stlb_hit_rate(const struct dbt_stats *st, const struct tpt_config *cfg);
double dbt_mem_path(const struct dbt_stats *st, const struct tpt_config *cfg);
/* Calls fn for every row of st in the list's order; stops at a non-zero return. */
int dbt_stats_rows(const struct dbt_stats *st, const struct tpt_config *cfg, stats_row_fn fn, void *ctx);

#endif
