/* SPDX-License-Identifier: MIT */
/*
 * config.h - machine and cost parameters (`tpt config` prints them, commented).
 *
 * One table (config.c) lists every option with its section, bounds, default
 * and help; it drives INI parsing, validation, `tpt config` and the sample
 * file configs/default.ini. Change an option there and everything follows.
 */
#ifndef TPT_CONFIG_H
#define TPT_CONFIG_H

#include <stdio.h>

#include "tpt/base/util.h"
#include "tpt/base/opttab.h"

struct tpt_config {
	/* [tlb] */
	uint32_t l1_4k_entries, l1_4k_ways, l1_2m_entries, l1_2m_ways, l1_1g_entries, l1_1g_ways;
	uint32_t stlb_entries, stlb_ways, stlb_1g_entries, stlb_1g_ways;
	/* [pwc] entries per level (0: off) */
	uint32_t pwc_pml5, pwc_pml4, pwc_pdpt, pwc_pd;
	uint32_t pwc_dims; /* PWC_DIMS_*: which dimensions of a 2D walk are cached */
	/* [ntlb] */
	uint32_t ntlb_entries;
	/* [rmp] */
	uint32_t rmp_entry_bytes, rmp_cache_entries;
	/* [cache] */
	uint64_t l1d_size, l2_size, llc_size;
	uint32_t l1d_ways, l2_ways, llc_ways;
	uint32_t l1d_latency, l2_latency, llc_latency, dram_latency;
	uint32_t l1d_replacement; /* CACHE_LRU or CACHE_RANDOM */
	uint32_t l2_replacement;  /* CACHE_LRU or CACHE_RANDOM */
	uint32_t llc_replacement; /* CACHE_LRU or CACHE_RANDOM */
	/* [cost] cycles */
	double base_cpi;
	double clock_ghz; /* cycles per ns: turns modelled cycles into time */
	double mlp;       /* memory-level parallelism of independent accesses; 0: each workload's */
	uint32_t walkers;      /* page walks in flight at once */
	uint32_t miss_buffers; /* data misses in flight at once */
	double prefetch;       /* share of sequential accesses' miss latency the prefetchers hide */
	uint32_t exit_cycles, shadow_fill_cycles, pt_write_cycles, ept_violation_cycles;
	uint32_t pf_intercept_cycles, guest_fault_cycles, pvop_cycles, tpt_construct_cycles;
	uint32_t clear_frame_cycles; /* a huge page's frames beyond its first, cleared */
	uint32_t shadow_sync_cycles; /* an out-of-sync leaf table page synced at a CR3 load */
	uint32_t shsp_build_cycles;
	uint32_t dvmt_handler_cycles;
	uint32_t cr3_cycles, invlpg_cycles, hypercall_cycles, status_fault_cycles;
	/* [guest] */
	uint32_t thp;            /* THP_NEVER, THP_ALWAYS, THP_MADVISE */
	uint32_t pcid;           /* context switches keep TLB entries (tagged) */
	uint32_t invlpg_ceiling; /* above this many pages a shootdown flushes everything */
	uint32_t fault_around;   /* bytes a read fault on a file mapping maps at once */
	/* [hv] */
	uint32_t shadow_roots;   /* shadow tables kept for descheduled processes */
	uint32_t shadow_unsync;  /* leaf table pages go out of sync after one trapped write */
	uint32_t agile_interval; /* accesses per agile paging interval */
	uint32_t agile_writes;   /* writes to a table page in one interval that switch it to nested */
	uint32_t shsp_interval;  /* accesses per SHSP decision interval */
	uint32_t shsp_confidence; /* agreeing intervals before SHSP switches */
	double shsp_margin;      /* the other mode's estimate must be better by this share */
	uint32_t dvmt_layout;    /* DVMT_FLAT, DVMT_HASH, DVMT_DS: the maps' layout */
	uint32_t dvmt_where;     /* DVMT_HYPERVISOR, DVMT_BOTH */
	uint32_t dvmt_ranges;    /* ranges a process registers for its own map (both) */
	uint64_t dvmt_min_range; /* the smallest mapping registered */
	uint32_t tpt_repair_delay; /* accesses a process runs on nested paging after a status fault */
	uint32_t migrate_every;  /* the hypervisor migrates a guest frame every this many accesses */
	/* [policy] automatic TPT enablement (policy.h) */
	uint32_t policy_interval;       /* cycles between samples of a process */
	uint32_t policy_counter_cycles; /* one counter read */
	double policy_threshold, policy_band, policy_walk_ratio, policy_age, policy_raise, policy_max_raise;
	uint32_t policy_confidence, policy_horizon;
	double policy_mpki; /* the `mpki` baseline's threshold */
	/* [dbt] the binary translator's memory path (dbt.h) */
	double dbt_expansion, dbt_cpi, dbt_mlp, softmmu_flush_per_entry;
	uint32_t dbt_rob;
	uint32_t softmmu_hit_instrs, softmmu_miss_instrs, softmmu_walk_level_instrs, softmmu_fill_instrs;
	uint32_t stlb_bits, stlb_min_bits, stlb_max_bits, stlb_dynamic, stlb_window;
	uint32_t guest_fault_instrs, guest_kernel_fault_instrs, guest_invlpg_instrs;
	uint32_t btmmu_access_instrs, btmmu_refill_instrs, btmmu_exception_instrs, btmmu_fill_instrs;
	uint32_t btmmu_walk_level_instrs, btmmu_sync_instrs, btmmu_switch_instrs;
	uint32_t host_exception_instrs, direct_map_instrs;
	uint32_t host_tlb_entries, host_tlb_pairs, host_user_va_bits;
	uint64_t host_page;
	/* [sample] sampled simulation (sim.h), in accesses */
	uint64_t sample_warmup, sample_window, sample_period, sample_prewarm;
	uint32_t sample_warming; /* SAMPLE_WARM_NONE, SAMPLE_WARM_FULL */
	double sample_ci;        /* target relative 95 % half-width of cycles; 0: none */
	/* [mem] */
	uint64_t guest_mem, host_mem; /* 0: sized from the workload */
	uint32_t prefault;            /* hypervisor maps all guest memory up front */
	uint32_t frame_order;         /* FRAMES_ORDERED or FRAMES_SCATTERED: 4K frames' */
};

enum { SAMPLE_WARM_NONE, SAMPLE_WARM_FULL };
/* [pwc] dims (Bhargava et al., ASPLOS 2008): the guest dimension's upper
 * levels and the nested TLB (the default, as Intel cores); the guest
 * dimension alone; both dimensions' upper levels; both and the nested TLB. */
enum { PWC_DIMS_1D_NT, PWC_DIMS_1D, PWC_DIMS_2D, PWC_DIMS_2D_NT };
/* [cache] l1d_replacement, l2_replacement, llc_replacement: the way a full
 * set gives up. */
enum { CACHE_LRU, CACHE_RANDOM };
/* [mem] frame_order: the order the guest OS and the host hand out 4K
 * frames (frame.h's frames_scatter). */
enum { FRAMES_ORDERED, FRAMES_SCATTERED };
/* [hv] dvmt_layout (Alam et al., ISCA 2017): the hypervisor's own gPA -> hPA
 * map that DVMT walks instead of the EPT: an array by host page, a hash
 * table by host page, or a direct segment (base plus offset). */
enum { DVMT_FLAT, DVMT_HASH, DVMT_DS };
/* [hv] dvmt_where: the hypervisor's map alone, or with each process's own
 * gVA -> hPA map over its registered ranges replacing the whole walk there. */
enum { DVMT_HYPERVISOR, DVMT_BOTH };

void config_defaults(struct tpt_config *c);
/* Reads an INI file over the current values. */
int config_load(struct tpt_config *c, const char *path, struct tpt_err *e);
/* Sets one option from text, checking type and bounds. */
int config_set(struct tpt_config *c, const char *section, const char *name, const char *value,
	       struct tpt_err *e);
/* Cross-option checks: power-of-two set counts, ways that divide entries. */
int config_validate(const struct tpt_config *c, struct tpt_err *e);
/* The commented default configuration, as in configs/default.ini. */
void config_write_sample(FILE *out);
/* The option table itself (for the manual page). */
const struct opttab *config_table(void);
/* Every option's effective value, as text (the provenance of a result). */
void config_foreach(const struct tpt_config *c, opttab_value_fn fn, void *ctx);

#endif
