/* SPDX-License-Identifier: MIT */
/*
 * probe.h - tpt probe's measurements of the real machine (probe.c, host.c,
 * sample.c): the probe's loops (loops.h) run natively and in the probe's
 * own KVM guest (vmm.h), each a number of rounds, pinned to one CPU; a row
 * is one loop at one page size and backing, its median per access or per
 * event and its spread.
 *
 * Called by the tpt probe command (cli/probe_cmd.c), which adds what the
 * model predicts for each row. Nothing here knows the simulator.
 */
#ifndef TPT_PROBE_H
#define TPT_PROBE_H

#include "tpt/base/util.h"
#include "tpt/probe/cpuid.h"

enum probe_where { WHERE_NATIVE, WHERE_VM, WHERE_N };
enum probe_loop {
	LOOP_INDEPENDENT, /* gups updates, per update */
	LOOP_DEPENDENT,   /* a pointer chase, per step */
	LOOP_PAGE_CHASE,  /* the chase through one line in each of some pages (native), per step */
	LOOP_FIRST_TOUCH, /* one store to each page of fresh memory, per page */
	LOOP_CHURN,       /* mmap, touch every page, munmap (native), per page */
	LOOP_SHADOW_FILL, /* first guest touch of pages the host has backed (vm) */
	LOOP_PT_WRITE,    /* a guest page-table entry written, then used (vm: per write) */
	LOOP_PD_WRITE,    /* the same for a page-directory entry */
	LOOP_CR3_SWITCH,  /* a CR3 load on an exit, beyond the exit (vm) */
	LOOP_EXIT,        /* an exit handled in the host kernel, round trip (vm) */
	LOOP_N
};
extern const char *const probe_where_name[WHERE_N];
/* The loops that run over a buffer of their own (a row's size); the others
 * are events. */
static inline bool probe_loop_on_buffer(enum probe_loop l)
{
	return l == LOOP_INDEPENDENT || l == LOOP_DEPENDENT || l == LOOP_PAGE_CHASE;
}
extern const char *const probe_loop_name[LOOP_N];

#define PROBE_MAX_ROUNDS 64
/* The latency sweep: the dependent loop on 2M pages over chains of 16K,
 * 64K, ... below the loops' size; and the independent loop over a table of
 * the smallest, which the L1 holds (what an update costs without misses). */
#define PROBE_SWEEP_MIN (16 * KiB)
/* The most the latency sweep's earlier placements keep mapped (each round
 * places the sweep afresh), so that a new one cannot be handed the frames
 * just freed. */
#define PROBE_SWEEP_KEEP (2ULL << 30)
#define PROBE_MAX_STATS 12
/* The page chase's pages at most (a quarter of the buffer's where that is
 * fewer): beyond the reach of any TLB measured here (1,536 to 4,096 4K
 * entries), while their lines (1 MiB) stay within the L2 or the L3, so
 * that what a step costs beyond a cache hit is the walk. */
#define PROBE_PAGE_CHASE_PAGES 16384

/* Medians and spreads of samples (sample.c). */
double sample_median(const double *v, unsigned n);
/* max / min over the samples (1 for one sample; 0 when min is not > 0). */
double sample_spread(const double *v, unsigned n);
/* The upper quartile over the lower (the 2nd and 4th of five; max / min
 * of two or three): how far the middle half of the rounds spans, which one
 * disturbed round does not move. */
double sample_noise(const double *v, unsigned n);

struct probe_row {
	enum probe_where where;
	enum probe_loop loop;
	unsigned page_shift;  /* the guest's page (native: the process's) */
	bool thp;             /* memory backed by transparent huge pages */
	uint64_t size;        /* a loop's chain or table, bytes (0: an event row) */
	uint64_t pages;       /* the page chase's pages (0: every other row) */
	double sample[PROBE_MAX_ROUNDS];
	unsigned n;
	double ns, spread;    /* median ns per access or event; max/min */
	double noise;         /* sample_noise of the rounds */
	double thp_share;     /* share of the buffer the kernel backed with huge pages (thp rows) */
	/* KVM's statistics that moved, per access or event (vm rows). */
	unsigned nstats;
	char stat[PROBE_MAX_STATS][48];
	double stat_per[PROBE_MAX_STATS];
};

/* What the probe measures and how. */
struct probe_params {
	uint64_t size;      /* buffer of the independent and dependent loops */
	uint64_t updates;   /* per round (a multiple of 128) */
	uint64_t steps;     /* dependent steps per round */
	uint64_t touch;     /* bytes of fresh memory per first-touch round */
	uint64_t events;    /* events per round of the exit, CR3 and table-write loops */
	unsigned rounds;
	unsigned round_gap_s; /* seconds between the native loops' rounds (0: none) */
	unsigned timeout_ms; /* watchdog of one guest call */
	uint64_t seed;
	bool where[WHERE_N];
	bool loop[LOOP_N];
	bool progress;      /* a line on stderr per phase */
	bool allow_busy;    /* measure although other tasks are runnable */
};

/* What the host is, read from the CPU flags, KVM's modules and parameters. */
enum host_kvm { KVM_NONE, KVM_EPT, KVM_NPT, KVM_SHADOW_HW, KVM_PVM, KVM_OTHER };
struct host_info {
	double ghz;          /* measured: dependent adds per ns */
	bool in_vm;          /* the CPU's hypervisor bit: this host is itself a guest */
	char cpu[96];
	enum host_kvm kvm;
	char kvm_desc[160];  /* one line: what the host's KVM is */
	char kvm_unusable[160]; /* why the VM phase cannot run, or "" */
	int cpu_pinned;      /* the CPU the probe runs on */
	/* The data caches this CPU reports, L1D, L2, last level (sysfs, else
	 * CPUID); 0 where neither gives one. cache_src: where each came from,
	 * or why CPUID could not give it ("" when nothing named it). */
	uint64_t cache_size[3];
	unsigned cache_ways[3];
	char cache_src[3][CPUID_WHY];
	/* On a host that is a guest: whether its MMU walks a software shadow of
	 * its tables (the outer hypervisor's, as PVM keeps one) rather than the
	 * tables themselves, by host_accessed_bits: shadowed unless
	 * host_ab_walked (ab_seen: the fewest of HOST_AB_PAGES that showed). */
	bool shadowed;
	unsigned ab_seen;
};
extern const char *const host_kvm_name[];

/* CLOCK_MONOTONIC in ns: every time the probe measures. */
uint64_t sample_now_ns(void);
/* Whether the host's KVM uses hardware nested paging (EPT or NPT); else
 * it shadows the guest's tables. */
bool host_nested_paging(const struct host_info *h);
/* Fills *h (the clock needs the caller pinned first). */
void host_probe(struct host_info *h);
/* Whether the MMU sets accessed bits as it walks this process's tables:
 * touches that many 4 KiB pages of our own (MADV_NOHUGEPAGE), clears our bits
 * (/proc/self/clear_refs), touches them again and counts the Referenced
 * ones; trials times, returning the fewest (0 where clear_refs or the
 * mapping is refused). clear_refs leaves the TLB alone, so pages must be
 * beyond the TLB's reach for the touches to walk: HOST_AB_PAGES, four
 * times the largest STLB's 4,096 entries. A hypervisor's shadow refills
 * can set them by chance; HOST_AB_TRIALS all passing does not, here. */
enum { HOST_AB_PAGES = 16384, HOST_AB_TRIALS = 9 };
unsigned host_accessed_bits(unsigned pages, unsigned trials);
/* host_accessed_bits's verdict: the MMU walks our tables when at least 90 %
 * of the pages showed in every trial (a few may keep a TLB entry). */
static inline bool host_ab_walked(unsigned seen, unsigned pages)
{
	return (uint64_t)seen * 10 >= (uint64_t)pages * 9;
}
/* Pins the calling thread to the CPU it runs on; that CPU, or -1. */
int host_pin(void);
/* The cycles per ns of a dependent add chain, median of a few rounds. */
double host_clock_ghz(void);
/* 0 when the machine is quiet enough to measure; else -1 with the reason
 * (other runnable tasks, seen in most of a few samples of /proc/stat). */
int host_quiet(struct tpt_err *e);
/* Bytes of free memory the kernel reports available. */
uint64_t host_mem_available(void);
/* Share of [addr, addr + len) the kernel backs with huge pages (smaps). */
double host_thp_share(const void *addr, uint64_t len);

/* A dependent chain through every 64-byte line of mem (size bytes) in a
 * random cyclic order: word 0 of each line holds the address, in the space
 * the loop runs in (base), of the next. 0, or -1 (no memory for the order). */
int probe_chain_build(uint8_t *mem, uint64_t size, uint64_t base, uint64_t seed, struct tpt_err *e);

/* The page chase's chain: one line in each of pages pages of mem picked at
 * random (the first page among them, whose first line the chain passes
 * through), the i-th picked at 64 i bytes into its page modulo the page,
 * in a random cyclic order. 0, or -1 (no memory for the pick). */
int probe_pages_build(uint8_t *mem, uint64_t size, uint64_t base, uint64_t pages, uint64_t seed,
		      struct tpt_err *e);

/*
 * Runs the selected loops and appends their rows to rows (room for max);
 * before each phase the machine must still be quiet (host_quiet) unless
 * p->allow_busy.
 * The VM rows need vm_ok (the caller checked /dev/kvm); *nrows is set. 0,
 * or -1 with e set (a guest that failed, memory that could not be had).
 */
int probe_measure(const struct probe_params *p, const struct host_info *h, bool vm_ok,
	      struct probe_row *rows, size_t max, size_t *nrows, struct tpt_err *e);

#endif
