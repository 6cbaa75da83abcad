/*
 * stats.h - every counter of a run, in one struct. Modules report events; the
 * simulator counts them here, and every figure printed is computed from these
 * fields (report.c) by the cost model (cost.c). Counters cover the measured
 * phase: they are zeroed at the workload's EV_MARK.
 */
#ifndef TPT_STATS_H
#define TPT_STATS_H

#include "tpt/cache.h"

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

struct tpt_stats {
	uint64_t instructions, accesses, reads, writes;
	uint64_t tlb_l1_hits, tlb_l2_hits, tlb_misses;
	/* Completed walks (those that yield a translation) and their references. */
	uint64_t walks, walk_refs, rmp_refs, walk_cycles;
	/* Walks cut short by a fault, and their references. */
	uint64_t faulted_walks, faulted_walk_refs, faulted_rmp_refs, faulted_walk_cycles;
	uint64_t tag_check_cycles;       /* part of walk cycles spent waiting on tag checks */
	uint64_t walk_ref_level[CL_N];   /* where walk references (and tag checks) hit */
	uint64_t data_level[CL_N];       /* where data accesses hit */
	uint64_t pwc_hits, pwc_misses;   /* per walk start (guest dimension) */
	uint64_t ntlb_hits, ntlb_misses; /* per gPA translated in a 2D walk */
	uint64_t rmpc_hits, rmpc_misses; /* per tag check */
	uint64_t guest_faults, exits[EXIT_N], pvops, tpt_built_pages, tag_faults;
	uint64_t cow_faults;          /* guest faults that broke copy-on-write */
	uint64_t context_switches, tlb_flushes, invlpgs, kernel_entries;
	uint64_t tpt_status_faults;   /* falls back to nested paging */
	uint64_t tpt_repaired_pages;  /* TPT entries rewritten by repairs */
	uint64_t tpt_fallback_walks;  /* walks of TPT processes on nested paging */
	uint64_t agile_to_nested, agile_to_shadow; /* table pages switched by agile paging */
	uint64_t hv_migrations, hv_reclaims;
	uint64_t pt_updates;          /* writes to the process's guest page-table entries */
	uint64_t seq_accesses;        /* accesses to the same or next 4 KiB page as the previous */
	uint64_t profile_samples;     /* profiler samples of the process (each reads its counters) */
	uint64_t policy_enables, policy_disables; /* TPT switched by the automatic policy */
	uint64_t policy_losing;       /* switches that reversed the previous one within policy_horizon */
};

#endif
