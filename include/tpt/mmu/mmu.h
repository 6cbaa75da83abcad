/* SPDX-License-Identifier: MIT */
/*
 * mmu.h - the simulated machine's memory-management hardware: host
 * physical memory, the cache hierarchy, the TLBs, the paging-structure
 * caches, the nested TLB and the RMP cache, and the page walkers built on
 * them (walk.c).
 *
 * A walk sees what hardware sees: the MMU's structures, host memory, and
 * the registers of struct mmu_regs. It never consults OS or hypervisor
 * state; it returns the translation or the fault that stopped it, and the
 * simulator has the OS or hypervisor handle the fault. The OS and the
 * hypervisor reach the MMU only to flush and invalidate (tlb.h, pwc.h,
 * fa.h) and to place tables in host memory.
 *
 * Counters: a walk charges what it meets (references by cache level, PWC,
 * nested TLB and RMP cache hits and misses, tag faults) to the account its
 * caller names in the struct walk; the MMU holds none.
 */
#ifndef TPT_MMU_H
#define TPT_MMU_H

#include "tpt/mmu/cache.h"
#include "tpt/mmu/fa.h"
#include "tpt/mem/hostmem.h"
#include "tpt/mem/pt.h"
#include "tpt/mmu/pwc.h"
#include "tpt/mmu/rmp.h"
#include "tpt/base/stats.h"
#include "tpt/mmu/tlb.h"

struct mmu {
	struct hostmem hm; /* host physical memory */
	struct cache cache;
	struct tlb tlb;
	struct pwc pwc;
	struct pwc hpwc;      /* the EPT's upper levels, keyed by gPA ([pwc] dims 2d; else off) */
	bool hpwc_on;
	struct fa ntlb, rmpc; /* nested TLB (gfn -> hPA | shift), RMP cache (passed checks) */
	int levels;           /* of every table walked (4 or 5) */
	const struct rmp *rmp; /* the host frame permission table (like RMP_BASE), or NULL */
};

/* Agile paging: a shadow entry with this bit holds the gPA of the guest table
 * below it, and the walk continues there in nested mode. */
#define PTE_SWITCH PTE_STOP

/* DVMT's registers (dvmt.c): where the hypervisor's own gPA -> hPA map is
 * and how to read it. flat: an 8-byte entry per host page, by gPA; hash: 16-byte
 * slots (host page number + 1, entry), mask + 1 of them, probed linearly;
 * ds: guest frames below seg_frames are at gPA + seg_off. Entries are
 * host address | host page shift << 1 | present (bit 0). */
struct dvmt_regs {
	uint32_t layout;         /* DVMT_FLAT, DVMT_HASH, DVMT_DS (config.h) */
	uint32_t host_shift;     /* the VM's host page size */
	uint32_t handler_cycles; /* one custom translation's work beside its references */
	uint64_t table;          /* flat, hash: host address of the map (contiguous) */
	uint64_t mask;           /* hash: slots - 1 */
	uint64_t seg_frames;     /* ds: guest frames [0, seg_frames) in the segment */
	uint64_t seg_off;        /* ds: hPA - gPA inside it */
};

/* DVMT's per-process range registers (where = both): gVAs in [lo, hi) are
 * translated by the process's own map at table (flat: an entry per 4 KiB
 * page of the range; hash: mask + 1 slots keyed by page of the range + 1),
 * entries as above with the writable bit (bit 7). */
enum { DVMT_RANGES_MAX = 8 };
struct dvmt_app {
	unsigned n;
	struct dvmt_range {
		uint64_t lo, hi, table, mask;
	} r[DVMT_RANGES_MAX];
};

/* What the hardware walks with, as registers hold it. */
struct mmu_regs {
	uint64_t cr3;  /* the first table a walk reads: guest table, or shadow table */
	uint64_t eptp; /* EPT root: guest-physical addresses are translated through it */
	uint64_t tptr; /* TPT table root, 0 when the process has none in use */
	unsigned asid; /* PCID of the TLB and paging-structure cache entries */
	uint16_t tag;  /* the VM's owner id, which tag checks compare with the RMP */
	const struct dvmt_regs *dvmt; /* DVMT's map registers; NULL for every other scheme */
	const struct dvmt_app *dvmt_app; /* DVMT's range registers of the process (both) */
};

/* Host memory of host_bytes and every structure sized by cfg (the PWC,
 * nested TLB and RMP cache off with no_walk_caches). 0, or -1 with e set. */
int mmu_init(struct mmu *m, const struct tpt_config *cfg, uint64_t host_bytes, int levels,
	     bool no_walk_caches, struct tpt_err *e);
void mmu_fini(struct mmu *m);
/* Checker: every structure's own invariants. */
int mmu_check(const struct mmu *m, struct tpt_err *e);

enum walk_rc {
	WALK_OK,
	WALK_GUEST_PF,      /* not present (or not writable) in the guest's view */
	WALK_EPT_VIOLATION, /* a gPA with no host mapping */
	WALK_SHADOW_MISS,   /* not present in the shadow table: hidden or true fault */
	WALK_TAG_FAULT,     /* a TPT walk reached a frame not owned by the VM */
	WALK_TPT_MISS,      /* not present (or not writable) in the TPT table */
	WALK_SWITCH,        /* (internal to agile walks) a switching entry: go nested */
	WALK_DVMT_MISS,     /* not present (or not writable) in the process's DVMT map */
};

/* One walk attempt: the translation, or the fault, and what it cost. */
struct walk {
	struct tpt_stats *st; /* the account the walk charges: set by the caller */
	uint64_t pa;      /* translated address, offset included */
	unsigned shift;   /* size of the TLB entry to fill */
	bool writable;
	uint32_t refs;     /* page-table entries read */
	uint32_t rmp_refs; /* tag checks that went to memory */
	uint64_t cycles;   /* dependent latency of the walk */
	uint64_t check_cycles; /* the part of cycles spent on tag checks */
	uint32_t pending_check; /* tpt-opt: the data frame's check, overlapped with the data access */
	uint64_t fault_addr;
	uint64_t switch_table; /* WALK_SWITCH: the guest table the walk continues in */
	int switch_level;      /* and its level */
};

/* Tag checks done by a 1D walk (TPT). */
enum walk_checks { CHECKS_NONE, CHECKS_SERIAL, CHECKS_PARALLEL };

/*
 * A one-dimensional walk of the table at host address root, using the
 * paging-structure caches. Returns WALK_OK, `missing` when an entry is not
 * present (or not writable for a write), WALK_SWITCH at an agile switching
 * entry, or WALK_TAG_FAULT.
 */
int walk_1d(struct mmu *m, const struct mmu_regs *r, struct walk *w, uint64_t root, uint64_t va,
	    bool write, enum walk_checks checks, int missing);

/* Translates a guest-physical address through the nested TLB or an EPT walk.
 * WALK_OK with *hpa and *shift, or WALK_EPT_VIOLATION. */
int walk_host(struct mmu *m, const struct mmu_regs *r, struct walk *w, uint64_t gpa,
	      uint64_t *hpa, unsigned *shift);
/* The EPT walk alone (its walk cache, no nested TLB): what walk_host does
 * on a nested TLB miss before the nested TLB learns the translation. */
int walk_ept(struct mmu *m, const struct mmu_regs *r, struct walk *w, uint64_t gpa, uint64_t *hpa,
	     unsigned *shift);

/* The 2D walk of nested paging from the guest table at r->cr3, or from the
 * guest table gtable at `level` on (agile paging's lower part, with
 * fill_pwc false: its guest-physical pointers stay out of the PWC). */
int walk_2d(struct mmu *m, const struct mmu_regs *r, uint64_t va, bool write, struct walk *w);
int walk_2d_from(struct mmu *m, const struct mmu_regs *r, uint64_t va, bool write, struct walk *w,
		 int level, uint64_t gtable, bool fill_pwc);
/* A host dimension: gPA -> hPA and the size of its host page, or the fault. */
typedef int (*walk_host_fn)(struct mmu *m, const struct mmu_regs *r, struct walk *w, uint64_t gpa,
			    uint64_t *hpa, unsigned *shift);
/* The 2D walk of r->cr3 (with the PWC) whose gPAs `host` translates (DVMT:
 * the hypervisor's own map instead of the EPT). */
int walk_2d_via(struct mmu *m, const struct mmu_regs *r, uint64_t va, bool write, struct walk *w,
		walk_host_fn host);

#endif
