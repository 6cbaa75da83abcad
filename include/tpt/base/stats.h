/* SPDX-License-Identifier: MIT */
/*
 * stats.h - every counter of a run, listed once. TPT_STATS below is the one
 * list: it generates struct tpt_stats, the sum and difference of two sets
 * of counters, the JSON keys (report.c) and the `tpt counters` listing, in
 * this order. Modules report events; the simulator counts them here, and
 * every figure printed is computed from these fields by the cost model
 * (cost.h). Counters cover the measured phase: they are zeroed at the
 * workload's EV_MARK.
 *
 * Rows of the list:
 *   C(name, doc)                      one counter
 *   V(name, n, key, names, total, doc) n counters, JSON keys key<names[i]>,
 *                                     preceded by their sum as `total` if not NULL
 *   R(name, fn, doc)                  a ratio derived from counters (JSON only)
 */
#ifndef TPT_STATS_H
#define TPT_STATS_H

#include "tpt/base/util.h"

/* Where in the cache hierarchy (cache.h) a reference is found. */
enum { CL_L1, CL_L2, CL_LLC, CL_DRAM, CL_N };

enum exit_reason {
	EXIT_EPT_VIOLATION, /* first touch of a guest-physical page under EPT */
	EXIT_SHADOW_FILL,   /* hidden page fault: fill a shadow entry (and back the page) */
	EXIT_PT_WRITE,      /* guest write to a write-protected page-table page, emulated */
	EXIT_PF_INTERCEPT,  /* guest page fault intercepted and reflected (shadow paging) */
	EXIT_CR3,           /* guest CR3 write (shadow paging: switch shadow roots) */
	EXIT_INVLPG,        /* guest INVLPG (shadow paging: drop the shadow entry) */
	EXIT_HYPERCALL,     /* hypercall (tpt-emul: EPT on for the kernel, off for the user) */
	EXIT_N
};

extern const char *const exit_reason_name[EXIT_N];
extern const char *const cache_level_name[CL_N];

#define TPT_STATS(C, V, R)                                                                        \
	C(instructions, "instructions retired")                                                   \
	C(accesses, "data accesses (loads and stores)")                                           \
	C(reads, "loads")                                                                         \
	C(writes, "stores")                                                                       \
	C(tlb_l1_hits, "accesses that hit the L1 DTLB")                                           \
	C(tlb_l2_hits, "accesses that missed the L1 DTLB and hit the STLB")                       \
	C(tlb_misses, "accesses that missed both TLBs")                                           \
	R(mpki, stats_mpki, "TLB misses per thousand instructions")                               \
	C(walks, "completed walks (those that yield a translation)")                              \
	C(walk_refs, "page-table entries read by completed walks")                                \
	C(rmp_refs, "tag checks of completed walks that went to memory")                          \
	R(refs_per_walk, stats_refs_per_walk, "(walk_refs + rmp_refs) / walks")                   \
	C(walk_cycles, "dependent latency of completed walks")                                    \
	C(faulted_walks, "walks cut short by a fault")                                            \
	C(faulted_walk_refs, "page-table entries read by faulted walks")                          \
	C(faulted_rmp_refs, "tag checks of faulted walks that went to memory")                    \
	C(faulted_walk_cycles, "dependent latency of faulted walks")                              \
	C(tag_check_cycles, "part of walk cycles spent waiting on tag checks")                    \
	C(tag_faults, "TPT walks that reached a frame the VM does not own")                       \
	V(walk_ref_level, CL_N, "walk_refs_", cache_level_name, NULL,                             \
	  "where walk references (and tag checks) hit")                                           \
	V(data_level, CL_N, "data_", cache_level_name, NULL, "where data accesses hit")           \
	C(chain_accesses, "accesses that wait for the access before them (EV_CHAIN)")             \
	C(chain_walk_cycles, "part of walk cycles (completed and faulted) of chained accesses")   \
	V(chain_data_level, CL_N, "chain_data_", cache_level_name, NULL,                          \
	  "where chained accesses' data hit (part of data_)")                                     \
	C(pwc_hits, "walk starts below the root thanks to a paging-structure cache")              \
	C(pwc_misses, "walk starts at the root")                                                  \
	C(ntlb_hits, "gPAs of 2D walks found in the nested TLB")                                  \
	C(ntlb_misses, "gPAs of 2D walks translated by a host walk")                              \
	C(hpwc_hits, "host walks started below the EPT root by its walk cache ([pwc] dims 2d)")  \
	C(hpwc_misses, "host walks started at the EPT root with its walk cache on")              \
	C(rmpc_hits, "tag checks answered by the RMP cache")                                      \
	C(rmpc_misses, "tag checks that read the RMP")                                            \
	C(dvmt_translations, "dvmt: gPAs translated by the custom map (nested TLB misses)")        \
	C(dvmt_refs, "dvmt: references of custom translations (part of walk references)")        \
	C(dvmt_token_checks, "dvmt: permission checks of custom translations (RMP cache or memory)") \
	C(dvmt_outside, "dvmt: gPAs outside the direct segment, translated by the EPT")          \
	C(guest_faults, "guest page faults")                                                      \
	C(cow_faults, "guest faults that broke copy-on-write")                                    \
	C(cleared_frames, "4 KiB frames a new huge page cleared beyond its first (2M: 511), the guest's or the host's") \
	V(exits, EXIT_N, "exits_", exit_reason_name, "vm_exits", "VM exits by reason")            \
	C(pvops, "dual page-table updates (TPT pv-ops)")                                          \
	C(tpt_built_pages, "TPT entries written when tables were built")                          \
	C(tpt_status_faults, "TPT status faults (the process falls back to nested)")              \
	C(tpt_repaired_pages, "TPT entries rewritten by repairs")                                 \
	C(tpt_fallback_walks, "walks of TPT processes on nested paging")                          \
	C(shadow_syncs, "shadow: out-of-sync leaf table pages synced at CR3 loads (shadow_unsync)") \
	C(agile_to_nested, "table pages agile paging switched to nested mode")                    \
	C(agile_to_shadow, "table pages agile paging switched back to shadow mode")               \
	C(shsp_to_shadow, "shsp: the VM switched from nested to shadow paging")                  \
	C(shsp_to_nested, "shsp: the VM switched from shadow to nested paging")                  \
	C(shsp_built_pages, "shsp: shadow entries built at a switch to shadow paging")            \
	C(context_switches, "CR3 writes")                                                         \
	C(tlb_flushes, "whole-TLB flushes")                                                       \
	C(invlpgs, "single-page TLB invalidations")                                               \
	C(kernel_entries, "system calls and interrupts")                                          \
	C(hv_migrations, "host pages the hypervisor moved")                                       \
	C(hv_reclaims, "host pages the hypervisor took back")                                     \
	C(pt_updates, "writes to the process's guest page-table entries")                         \
	C(seq_accesses, "accesses to the same or next 4 KiB page as the previous")                \
	C(profile_samples, "profiler samples of the process (each reads its counters)")           \
	C(policy_enables, "TPT switched on by the automatic policy")                              \
	C(policy_disables, "TPT switched off by the automatic policy")                            \
	C(policy_losing, "switches that reversed the previous one within policy_horizon")

/*
 * The timing model's counters: what the TLBs, walks, walk caches and caches
 * did. Sampled simulation (sim.h) counts them in its detailed windows only
 * and estimates them for the rest of the run; every other counter (the
 * work, the operating system's and hypervisor's events, the policy's) is
 * counted exactly throughout. T(field) names a field of struct tpt_stats.
 */
#define TPT_STATS_TIMED(T)                                                                        \
	T(tlb_l1_hits) T(tlb_l2_hits) T(tlb_misses) T(walks) T(walk_refs) T(rmp_refs)             \
	T(walk_cycles) T(faulted_walks) T(faulted_walk_refs) T(faulted_rmp_refs)                  \
	T(faulted_walk_cycles) T(tag_check_cycles) T(walk_ref_level) T(data_level)                \
	T(chain_walk_cycles) T(chain_data_level) T(pwc_hits) T(pwc_misses) T(ntlb_hits)           \
	T(ntlb_misses) T(hpwc_hits) T(hpwc_misses) T(rmpc_hits) T(rmpc_misses) T(tpt_fallback_walks) \
	T(dvmt_translations) T(dvmt_refs) T(dvmt_token_checks) T(dvmt_outside)

struct tpt_stats {
#define STATS_FIELD_C(name, doc) uint64_t name;
#define STATS_FIELD_V(name, n, key, names, total, doc) uint64_t name[n];
#define STATS_FIELD_R(name, fn, doc)
	TPT_STATS(STATS_FIELD_C, STATS_FIELD_V, STATS_FIELD_R)
#undef STATS_FIELD_C
#undef STATS_FIELD_V
#undef STATS_FIELD_R
};

/* to += from; to -= from (every counter of `from` at most `to`'s). */
void stats_add(struct tpt_stats *to, const struct tpt_stats *from);
void stats_sub(struct tpt_stats *to, const struct tpt_stats *from);
/* to's timing counters (TPT_STATS_TIMED) become from's; the rest stay. */
void stats_copy_timed(struct tpt_stats *to, const struct tpt_stats *from);
/* Each timing counter times f, rounded to the nearest. */
void stats_scale_timed(struct tpt_stats *st, double f);
/* Every timing counter 1, every other 0: what stats_rows says of a row's
 * kind (a row of this is non-zero exactly when it is timed). */
void stats_timed_mask(struct tpt_stats *st);
/* VM exits of every reason. */
uint64_t stats_exits(const struct tpt_stats *st);
/* The derived rows. */
double stats_mpki(const struct tpt_stats *st);
double stats_refs_per_walk(const struct tpt_stats *st);

/* One output row of the list: a counter (n == 1), one element of a vector,
 * a vector's total, or a derived ratio. */
struct stats_row {
	char key[40];
	const char *doc;
	enum { STATS_U64, STATS_REAL } type;
	uint64_t u;
	double d;
};

typedef int (*stats_row_fn)(void *ctx, const struct stats_row *row);
/* Calls fn for every row of st in the list's order; stops at a non-zero return. */
int stats_rows(const struct tpt_stats *st, stats_row_fn fn, void *ctx);
/* One row to fn, for the other models' lists (dbt.h, power.h): fn's return. */
int stats_row_u64(stats_row_fn fn, void *ctx, const char *key, const char *doc, uint64_t v);
int stats_row_real(stats_row_fn fn, void *ctx, const char *key, const char *doc, double v);

#endif
