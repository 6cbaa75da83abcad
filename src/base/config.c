/* SPDX-License-Identifier: MIT */
/*
 * config.c - the machine option table (see config.h); parsing and the
 * sample file come from opttab.c.
 *
 * Called by the CLI before a run. Every option is a row of `opts`: where it
 * lives in struct tpt_config, its type, bounds, default and help. Parsing,
 * validation and the sample file are all derived from that table.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "tpt/base/config.h"
#include "tpt/base/opttab.h"

#define O(sec, field, type, min, max, def, help) \
	{sec, #field, type, offsetof(struct tpt_config, field), min, max, def, help, NULL}
#define E(sec, field, choices, def, help) \
	{sec, #field, OPT_ENUM, offsetof(struct tpt_config, field), 0, 0, def, help, choices}

static const struct opt opts[] = {
	O("tlb", l1_4k_entries, OPT_U32, 1, 4096, "64", "L1 DTLB entries for 4 KiB pages"),
	O("tlb", l1_4k_ways, OPT_U32, 1, 4096, "4", "L1 DTLB associativity for 4 KiB pages"),
	O("tlb", l1_2m_entries, OPT_U32, 1, 4096, "32", "L1 DTLB entries for 2 MiB pages"),
	O("tlb", l1_2m_ways, OPT_U32, 1, 4096, "4", "L1 DTLB associativity for 2 MiB pages"),
	O("tlb", l1_1g_entries, OPT_U32, 1, 4096, "4", "L1 DTLB entries for 1 GiB pages"),
	O("tlb", l1_1g_ways, OPT_U32, 1, 4096, "4", "L1 DTLB associativity for 1 GiB pages (= entries: fully associative)"),
	O("tlb", stlb_entries, OPT_U32, 1, 65536, "1536", "L2 STLB entries, shared by 4 KiB and 2 MiB pages"),
	O("tlb", stlb_ways, OPT_U32, 1, 65536, "12", "L2 STLB associativity"),
	O("tlb", stlb_1g_entries, OPT_U32, 1, 65536, "16", "L2 STLB entries for 1 GiB pages"),
	O("tlb", stlb_1g_ways, OPT_U32, 1, 65536, "4", "L2 STLB associativity for 1 GiB pages"),
	O("pwc", pwc_pml5, OPT_U32, 0, 1024, "2", "PML5E cache entries (0: off). Intel publishes no sizes: estimate"),
	O("pwc", pwc_pml4, OPT_U32, 0, 1024, "2", "PML4E cache entries (0: off). Estimate"),
	O("pwc", pwc_pdpt, OPT_U32, 0, 1024, "4", "PDPTE cache entries (0: off). Estimate"),
	O("pwc", pwc_pd, OPT_U32, 0, 1024, "32", "PDE cache entries (0: off). Estimate"),
	E("pwc", pwc_dims, "1d+nt|1d|2d|2d+nt", "1d+nt", "2D walks cache the guest's upper levels (1d) or the EPT's too, by gPA, sizes as above (2d; Bhargava, ASPLOS 2008), with or without the nested TLB (+nt)"),
	O("ntlb", ntlb_entries, OPT_U32, 0, 1024, "16", "nested TLB entries, gPA -> hPA, fully associative (0: off)"),
	O("rmp", rmp_entry_bytes, OPT_U32, 8, 64, "16", "bytes per 4 KiB host frame in the host frame permission table (SEV-SNP RMP: 16)"),
	O("rmp", rmp_cache_entries, OPT_U32, 0, 4096, "64", "RMP cache entries: passed tag checks per host frame (0: off)"),
	O("cache", l1d_size, OPT_SIZE, 1024, 1ULL << 30, "48K", "L1 data cache size"),
	O("cache", l1d_ways, OPT_U32, 1, 64, "12", "L1 data cache associativity"),
	O("cache", l1d_latency, OPT_U32, 1, 10000, "5", "L1 hit latency, cycles"),
	O("cache", l2_size, OPT_SIZE, 1024, 1ULL << 34, "1280K", "L2 cache size"),
	O("cache", l2_ways, OPT_U32, 1, 64, "20", "L2 associativity"),
	O("cache", l2_latency, OPT_U32, 1, 10000, "14", "L2 hit latency, cycles"),
	O("cache", llc_size, OPT_SIZE, 1024, 1ULL << 36, "16M", "last-level cache size"),
	O("cache", llc_ways, OPT_U32, 1, 64, "16", "LLC associativity"),
	O("cache", llc_latency, OPT_U32, 1, 10000, "50", "LLC hit latency, cycles"),
	E("cache", l1d_replacement, "lru|random", "lru", "L1D replacement, as llc_replacement (tpt probe --calibrate takes each cache's nearer this CPU's loops)"),
	E("cache", l2_replacement, "lru|random", "lru", "L2 replacement, as llc_replacement (tpt probe --calibrate takes each cache's nearer this CPU's loops)"),
	E("cache", llc_replacement, "lru|random", "lru", "LLC replacement: the least recently used way, or a way at random (vendors publish neither; tpt probe --calibrate takes the one nearer this CPU's loops)"),
	O("cache", dram_latency, OPT_U32, 1, 100000, "200", "DRAM latency, cycles"),
	O("cost", base_cpi, OPT_DOUBLE, 1, 100000, "1.0", "cycles per instruction with a perfect memory system"),
	O("cost", clock_ghz, OPT_DOUBLE, 100, 1000000, "3.0", "core clock, GHz: turns modelled cycles into seconds (estimate; tpt probe measures it)"),
	O("cost", mlp, OPT_DOUBLE, 0, 1000000, "0", "parallelism of independent accesses (gups updates, sysbench rnd) where no mlp key is given; 0: the workloads' estimates (tpt probe --calibrate measures it)"),
	O("cost", walkers, OPT_U32, 1, 64, "2", "page walks in flight at once (Intel since Broadwell: two page walkers; Intel 64 and IA-32 Optimization Reference Manual)"),
	O("cost", miss_buffers, OPT_U32, 1, 256, "12", "data misses in flight at once (Skylake: 12 L1D fill buffers; Intel Optimization Reference Manual)"),
	O("cost", prefetch, OPT_DOUBLE, 0, 1000, "0.8", "share of the miss latency of sequential accesses the hardware prefetchers hide (estimate)"),
	O("cost", exit_cycles, OPT_U32, 0, 10000000, "1500", "VM exit and re-entry, before the handler's work"),
	O("cost", shadow_fill_cycles, OPT_U32, 0, 10000000, "2000", "handler: fill a shadow entry on a hidden page fault"),
	O("cost", pt_write_cycles, OPT_U32, 0, 10000000, "1000", "handler: emulate a guest write to a write-protected page-table page"),
	O("cost", ept_violation_cycles, OPT_U32, 0, 10000000, "2500", "handler: back a guest-physical page on an EPT violation"),
	O("cost", pf_intercept_cycles, OPT_U32, 0, 10000000, "500", "handler: reflect a guest page fault intercepted under shadow paging"),
	O("cost", guest_fault_cycles, OPT_U32, 0, 10000000, "1000", "guest minor page fault, in the guest kernel"),
	O("cost", shadow_sync_cycles, OPT_U32, 0, 10000000, "1000", "syncing an out-of-sync leaf table page at a CR3 load (shadow_unsync): its 512 guest entries compared with their shadow ones (estimate: two cycles an entry)"),
	O("cost", clear_frame_cycles, OPT_U32, 0, 10000000, "500", "clearing a new huge page's 4 KiB frames beyond the first, guest's or host's (2M: 511); estimate: 4 KiB at 25 GB/s at 3 GHz, as tpt probe measured on an AMD EPYC (--calibrate measures it)"),
	O("cost", pvop_cycles, OPT_U32, 0, 10000000, "150", "pv-op: one dual page-table update by the guest"),
	O("cost", tpt_construct_cycles, OPT_U32, 0, 10000000, "100", "TPT table construction, per mapped page"),
	O("cost", shsp_build_cycles, OPT_U32, 0, 10000000, "100", "shsp: a shadow entry built when the VM switches to shadow paging (a guess: tpt_construct_cycles' work)"),
	O("cost", dvmt_handler_cycles, OPT_U32, 0, 10000000, "10", "dvmt: computing one custom gPA -> hPA translation, on top of its memory references (a guess: index or hash arithmetic and a compare; the paper's figure was not at hand)"),
	O("cost", cr3_cycles, OPT_U32, 0, 10000000, "1000", "handler: a guest CR3 write under shadow paging (find or build the shadow root)"),
	O("cost", invlpg_cycles, OPT_U32, 0, 10000000, "500", "handler: a guest INVLPG under shadow paging"),
	O("cost", hypercall_cycles, OPT_U32, 0, 10000000, "300", "handler: a hypercall (tpt-emul switches EPT on and off with one)"),
	O("cost", status_fault_cycles, OPT_U32, 0, 10000000, "2000", "guest: take a TPT status fault and fall back to nested paging"),
	E("guest", thp, "never|always|madvise", "never", "transparent huge pages for regions mapped with 4K base pages"),
	O("guest", pcid, OPT_BOOL, 0, 1, "1", "context switches keep TLB and paging-structure cache entries, tagged by PCID"),
	O("guest", fault_around, OPT_U32, 0, 2097152, "65536", "bytes of a file mapping a read fault maps at once, rounded down to a power of two (Linux: fault_around_bytes; the page cache is taken as warm)"),
	O("guest", invlpg_ceiling, OPT_U32, 0, 1000000, "33", "a shootdown of more pages flushes the whole TLB instead (Linux: tlb_single_page_flush_ceiling)"),
	O("hv", shadow_roots, OPT_U32, 1, 4096, "8", "shadow tables kept for descheduled processes; the least recently loaded goes"),
	O("hv", shadow_unsync, OPT_BOOL, 0, 1, "0", "shadow paging: a leaf table page's first trapped write lets it go out of sync, later writes do not exit, and the next CR3 load syncs it (KVM's mmu_unsync; tpt probe's guest measured it)"),
	O("hv", agile_interval, OPT_U32, 1, 1000000000, "100000", "agile paging: accesses per interval"),
	O("hv", shsp_interval, OPT_U32, 1000, 4000000000U, "1000000", "shsp: accesses per decision interval (the paper samples at intervals; its length here is a guess)"),
	O("hv", shsp_confidence, OPT_U32, 1, 64, "2", "shsp: intervals in a row that favour the other mode before the VM switches (a guess)"),
	O("hv", shsp_margin, OPT_DOUBLE, 0, 10000, "0.1", "shsp: the other mode's estimated overhead must be lower by this share (a guess)"),
	E("hv", dvmt_layout, "flat|hash|ds", "flat", "dvmt: the maps' layout: an array by page (flat), a hash table (hash), or a direct segment over guest memory backed on one host run at start (ds); Alam et al., ISCA 2017"),
	E("hv", dvmt_where, "hypervisor|both", "hypervisor", "dvmt: the hypervisor's gPA -> hPA map replaces the EPT; both: also each process's own gVA -> hPA map in the ranges it registers"),
	O("hv", dvmt_ranges, OPT_U32, 1, 8, "4", "dvmt both: range registers per process, each a mapping it registers for its own map (a guess)"),
	O("hv", dvmt_min_range, OPT_SIZE, 4096, 1ULL << 42, "16M", "dvmt both: the smallest mapping a process registers, at its first page (a guess: the paper registers an application's large data regions)"),
	O("hv", agile_writes, OPT_U32, 1, 1000000, "2", "agile paging: writes to a table page in one interval that switch it to nested mode"),
	O("hv", tpt_repair_delay, OPT_U32, 0, 1000000000, "10000", "TPT: accesses a process runs on nested paging after a status fault, until its table is repaired"),
	O("hv", migrate_every, OPT_U32, 0, 4000000000U, "0", "the hypervisor migrates a random backed guest page every this many accesses (0: never)"),
	O("policy", policy_interval, OPT_U32, 1000, 4000000000U, "10000000", "profiling interval, cycles of a process's run between samples (10M: 4 ms at 2.5 GHz)"),
	O("policy", policy_counter_cycles, OPT_U32, 0, 1000000, "40", "one performance-counter read (rdpmc); a sample reads one per metric"),
	O("policy", policy_threshold, OPT_DOUBLE, 0, 1000, "0.01", "net gain, as a share of the interval's cycles, that votes for TPT"),
	O("policy", policy_band, OPT_DOUBLE, 0, 1000, "0.5", "dead band: a gain within threshold*(1 +- band) votes neither way"),
	O("policy", policy_walk_ratio, OPT_DOUBLE, 10, 4000, "0.4", "prior for TPT walk cycles per nested walk cycle, until both modes were seen"),
	O("policy", policy_age, OPT_DOUBLE, 0, 1000, "0.9", "each interval a raised threshold keeps this share of its excess over the base"),
	O("policy", policy_raise, OPT_DOUBLE, 1000, 100000, "2.0", "a decision reversed within the horizon multiplies the threshold by this"),
	O("policy", policy_max_raise, OPT_DOUBLE, 1000, 1000000, "16", "the threshold rises to at most this many times its base"),
	O("policy", policy_confidence, OPT_U32, 1, 64, "2", "agreeing intervals before TPT is switched on or off"),
	O("policy", policy_horizon, OPT_U32, 1, 1000000, "16", "TPT's construction is amortised over the intervals a process has run, at least this many; a reversal within it counts as a losing decision"),
	O("policy", policy_mpki, OPT_DOUBLE, 0, 100000000, "1.0", "the threshold baseline: TPT on while STLB misses per thousand instructions exceed this"),
	O("dbt", dbt_expansion, OPT_DOUBLE, 1000, 100000, "5.0", "host instructions per guest instruction that is not a memory access (TCG code; estimate)"),
	O("dbt", dbt_cpi, OPT_DOUBLE, 10, 100000, "1.0", "host cycles per host instruction, memory stalls apart (a 4-issue Loongson-class core; estimate)"),
	O("dbt", dbt_mlp, OPT_DOUBLE, 1000, 1000000, "1", "host misses in flight: independent accesses overlap their stalls up to this many, as dbt_rob allows; chained ones never (1: none; estimate; probe --tcg --calibrate: [cost] mlp)"),
	O("dbt", dbt_rob, OPT_U32, 1, 100000, "64", "host instructions in flight (reorder window): misses I host instructions apart overlap dbt_rob / I at a time at most (estimate; tpt probe --tcg --calibrate measures it)"),
	O("dbt", softmmu_hit_instrs, OPT_U32, 1, 1000, "10", "SoftMMU fast path per guest access: index, load the entry, compare, branch, add the addend (QEMU's inline TLB check)"),
	O("dbt", softmmu_miss_instrs, OPT_U32, 0, 100000, "60", "SoftMMU slow path: helper call, victim-TLB search of 8 entries, return (QEMU load/store helpers; estimate)"),
	O("dbt", softmmu_walk_level_instrs, OPT_U32, 0, 100000, "20", "software page walk, per level: load the entry, check present and rights, set accessed (QEMU get_physical_address; estimate)"),
	O("dbt", softmmu_fill_instrs, OPT_U32, 0, 100000, "70", "filling a software-TLB entry, the old one moved to the victim TLB (QEMU tlb_set_page; estimate)"),
	O("dbt", softmmu_flush_per_entry, OPT_DOUBLE, 0, 1000000, "4", "host instructions per software-TLB entry cleared by a full flush (a 32-byte entry, 8-byte stores)"),
	O("dbt", stlb_bits, OPT_U32, 6, 22, "8", "software TLB: log2 of its entries at start (QEMU: 256)"),
	O("dbt", stlb_min_bits, OPT_U32, 6, 22, "6", "dynamic resizing never shrinks below 2^this (QEMU: 64 entries)"),
	O("dbt", stlb_max_bits, OPT_U32, 0, 22, "0", "... nor grows beyond 2^this; 0: QEMU 7.2's CPU_TLB_DYN_MAX_BITS, min(22, virtual address bits - 12): 2^20 for ia32 and pae guests, 2^22 for x86_64"),
	O("dbt", stlb_dynamic, OPT_BOOL, 0, 1, "1", "resize the software TLB at flushes: double above 70 % use, shrink below 30 % over a window (QEMU's policy)"),
	O("dbt", stlb_window, OPT_U32, 1000, 4000000000U, "100000000", "guest instructions per resizing window (QEMU: 100 ms)"),
	O("dbt", guest_fault_instrs, OPT_U32, 0, 10000000, "400", "SoftMMU: host instructions to raise a guest page fault and re-enter the translated guest handler (cpu_loop_exit, TB lookup; estimate)"),
	O("dbt", guest_kernel_fault_instrs, OPT_U32, 0, 10000000, "1500", "guest instructions the guest kernel's page-fault handler runs to map a page (the same under every scheme; estimate)"),
	O("dbt", guest_invlpg_instrs, OPT_U32, 0, 10000000, "50", "SoftMMU: host instructions to drop one page from the software TLB on a guest INVLPG"),
	O("dbt", btmmu_access_instrs, OPT_U32, 1, 1000, "1", "BTMMU: host instructions per guest access (one memory instruction in the guest's address space)"),
	O("dbt", btmmu_refill_instrs, OPT_U32, 0, 100000, "20", "BTMMU/direct: MIPS-style software TLB refill handler, entry reads apart (estimate)"),
	O("dbt", btmmu_exception_instrs, OPT_U32, 0, 10000000, "150", "BTMMU: a guest-related MMU exception through its dedicated entrance (VEE 2021: cheaper than the kernel's general path)"),
	O("dbt", btmmu_fill_instrs, OPT_U32, 0, 1000000, "60", "BTMMU: the kernel module fills a shadow entry after walking the guest table (estimate)"),
	O("dbt", btmmu_walk_level_instrs, OPT_U32, 0, 100000, "8", "BTMMU: the kernel module's guest page walk, per level (compiled C; estimate)"),
	O("dbt", btmmu_sync_instrs, OPT_U32, 0, 10000000, "300", "BTMMU: the translator tells the module to drop a shadow page (guest INVLPG or unmap; an ioctl; estimate)"),
	O("dbt", btmmu_switch_instrs, OPT_U32, 0, 10000000, "100", "BTMMU: a guest address-space switch (shadow root and ASID; estimate)"),
	O("dbt", host_exception_instrs, OPT_U32, 0, 10000000, "1000", "the host kernel's general page-fault path, which direct mapping relies on (estimate)"),
	O("dbt", direct_map_instrs, OPT_U32, 0, 10000000, "2000", "direct: mirroring a guest mapping into the host process (an mmap call; estimate)"),
	O("dbt", host_tlb_entries, OPT_U32, 1, 65536, "64", "host TLB entries, fully associative, software refilled (Loongson 3A: 64-entry JTLB)"),
	O("dbt", host_tlb_pairs, OPT_BOOL, 0, 1, "1", "a host TLB entry maps an even/odd pair of pages (MIPS)"),
	O("dbt", host_user_va_bits, OPT_U32, 20, 64, "40", "host user address space: 2^this bytes (MIPS64 xuseg with SEGBITS 40)"),
	O("dbt", host_page, OPT_SIZE, 4096, 1ULL << 30, "16K", "host kernel page size (Loongson Linux: 16 KiB)"),
	O("sample", sample_warmup, OPT_COUNT, 0, 1ULL << 40, "250K", "--sample: accesses run in detail before each window, counters dropped, warming TLBs, walk caches and caches (bench/sample.sh: 50K left the LLC cold)"),
	O("sample", sample_window, OPT_COUNT, 1000, 1ULL << 40, "50K", "--sample: accesses measured in each window (a guess: about one 10M-cycle profiler interval at 100-200 cycles an access)"),
	O("sample", sample_prewarm, OPT_COUNT, 0, 1ULL << 40, "0", "--sample: accesses before each warm-up fast-forwarded with functional warming (TLBs, walks and caches as in detail, uncounted), the rest of fast-forward left cold; 0: none"),
	E("sample", sample_warming, "none|full", "none", "--sample: what fast-forward keeps warm: none (caches keep what windows left), or full (TLBs, walks and caches as in detail, uncounted; near exact cost)"),
	O("sample", sample_period, OPT_COUNT, 1000, 1ULL << 50, "1M", "--sample: accesses from one window's start to the next, the rest fast-forwarded (systematic, as SMARTS, ISCA 2003; the period is a guess)"),
	O("sample", sample_ci, OPT_DOUBLE, 0, 500, "0", "--sample: target 95 % half-width of est. cycles, relative (0.01: +-1 %); from the 10th window, sample_period shrinks to fit the windows it needs in the run's known length; 0: none"),
	O("mem", guest_mem, OPT_SIZE, 0, 1ULL << 42, "0", "guest physical memory; 0 sizes it from the workload"),
	O("mem", host_mem, OPT_SIZE, 0, 1ULL << 42, "0", "host physical memory; 0 sizes it from the guest's"),
	O("mem", prefault, OPT_BOOL, 0, 1, "0", "hypervisor maps all guest memory at start (the TPT artifact's devirt prefault)"),
	E("mem", frame_order, "ordered|scattered", "ordered", "4K frames of guest OS and host: in address order, or drawn at random from 128 MiB of free ones as a long-running machine's free lists give them"),
};

static const char *const section_notes[][2] = {
	{"tlb", "Translation lookaside buffers: a Skylake-class core. Sets = entries / ways must be a\n"
		"; power of two. Ice Lake / Sapphire Rapids: see configs/icelake.ini."},
	{"pwc", "Paging-structure caches (guest dimension), fully associative, LRU. Intel documents\n"
		"; their existence but not their sizes: these are estimates."},
	{"ntlb", "Nested TLB: caches gPA -> hPA translations during two-dimensional walks."},
	{"rmp", "Host frame permission table (like AMD SEV-SNP's RMP): the tag of the VM owning each\n"
		"; host frame, checked by TPT walks. It lives in host memory above RAM."},
	{"cache", "Data cache hierarchy shared by data accesses and page walks: 64-byte lines, LRU,\n"
		"; non-inclusive fill. Latencies are load-to-use for a hit at that level."},
	{"cost", "Cost model (cycles, estimates). Walks and data misses of independent accesses overlap:\n"
		"; up to min(mlp, miss_buffers) accesses in flight, of which at most walkers walk; a\n"
		"; dependent chain (mlp 1) pays every latency in full. VM exit round trip ~1,500 cycles on recent Intel\n"
		"; cores (Agesen et al., 'Software techniques for avoiding hardware virtualization\n"
		"; exits', ATC 2012, measure 1,000-1,500); handler costs are KVM-like estimates;\n"
		"; the pv-op and construction costs follow the TPT paper's design discussion."},
	{"guest", "Guest OS: transparent huge pages, PCIDs, TLB shootdowns."},
	{"hv", "Hypervisor: the shadow root cache, agile paging's switching policy, TPT repair."},
	{"policy", "Automatic TPT enablement: the profiler's interval and cost, and the policy's\n"
		   "; threshold, hysteresis and ageing (include/tpt/policy.h)."},
	{"dbt", "A full-system binary translator's memory path (tpt dbt): SoftMMU and BTMMU costs in\n"
		"; host instructions. Sources are named per option; most are estimates."},
	{"sample", "Sampled simulation (--sample; include/tpt/sim/sample.h), in accesses: each period\n"
		   "; warms, measures one window in detail and fast-forwards the rest, OS events exact."},
	{"mem", "Memory sizes. Only page-table pages take real memory in the simulator."},
};

static const struct opttab table = {
	opts, ARRAY_LEN(opts), section_notes, ARRAY_LEN(section_notes),
	"; tpt machine configuration: the defaults, as `tpt config` prints them.\n"
	"; Load with --config FILE; any option left out keeps its default.\n",
	NULL, false,
};

void config_defaults(struct tpt_config *c)
{
	memset(c, 0, sizeof(*c));
	opttab_defaults(&table, c);
}

int config_set(struct tpt_config *c, const char *section, const char *name, const char *value,
	       struct tpt_err *e)
{
	return opttab_set(&table, c, section, name, value, e);
}

int config_load(struct tpt_config *c, const char *path, struct tpt_err *e)
{
	return opttab_load(&table, c, path, e);
}

static int check_assoc(const char *what, uint64_t entries, uint64_t ways, struct tpt_err *e)
{
	if (ways > entries || entries % ways || !tpt_is_pow2(entries / ways))
		return tpt_fail(e, "%s: %llu entries in %llu ways do not give a power-of-two number of sets",
				what, (unsigned long long)entries, (unsigned long long)ways);
	return 0;
}

int config_validate(const struct tpt_config *c, struct tpt_err *e)
{
	if (check_assoc("L1 DTLB 4K", c->l1_4k_entries, c->l1_4k_ways, e) ||
	    check_assoc("L1 DTLB 2M", c->l1_2m_entries, c->l1_2m_ways, e) ||
	    check_assoc("L1 DTLB 1G", c->l1_1g_entries, c->l1_1g_ways, e) ||
	    check_assoc("STLB", c->stlb_entries, c->stlb_ways, e) ||
	    check_assoc("STLB 1G", c->stlb_1g_entries, c->stlb_1g_ways, e) ||
	    check_assoc("L1D", c->l1d_size / 64, c->l1d_ways, e) ||
	    check_assoc("L2", c->l2_size / 64, c->l2_ways, e) ||
	    check_assoc("LLC", c->llc_size / 64, c->llc_ways, e))
		return -1;
	if (c->l1d_size % 64 || c->l2_size % 64 || c->llc_size % 64)
		return tpt_fail(e, "cache sizes must be whole 64-byte lines");
	if (c->guest_mem % GiB || c->host_mem % GiB)
		return tpt_fail(e, "[mem] sizes must be whole GiB");
	if (c->sample_warmup + c->sample_window > c->sample_period)
		return tpt_fail(e, "[sample] sample_warmup + sample_window (%llu) exceed sample_period (%llu)",
				(unsigned long long)(c->sample_warmup + c->sample_window),
				(unsigned long long)c->sample_period);
	if (c->sample_warmup + c->sample_window + c->sample_prewarm > c->sample_period)
		return tpt_fail(e, "[sample] sample_warmup + sample_window + sample_prewarm (%llu) exceed sample_period (%llu)",
				(unsigned long long)(c->sample_warmup + c->sample_window + c->sample_prewarm),
				(unsigned long long)c->sample_period);
	return 0;
}

void config_write_sample(FILE *out)
{
	opttab_write_sample(&table, out);
}

void config_foreach(const struct tpt_config *c, opttab_value_fn fn, void *ctx)
{
	opttab_foreach(&table, c, fn, ctx);
}

const struct opttab *config_table(void)
{
	return &table;
}
