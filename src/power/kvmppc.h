/* SPDX-License-Identifier: MIT */
/*
 * kvmppc.h - the hypervisor of the embedded Power model: KVM on an e500v2 with
 * the ASPLOS 2013 paper's optimisations. It keeps the shadow TLB entries
 * that map the guest kernel's 256 MiB page (their sizes and rights are its
 * choice), patches hot privileged instructions in place, traces the pages
 * that hold patches (execute-only: a load or store there faults and is
 * emulated), resizes those pages adaptively (Adapt-PR), and mirrors the
 * data that faulting instructions touch (Adapt-DM).
 *
 * Called by power.c for every privileged instruction, fetch and data access
 * of the guest (linux.h), and at every interval of guest time. A walk of
 * the shadow TLB sees entries and rights only, as the e500's MMU does.
 * Invariants, as kvmppc_check numbers them: the kernel's entries tile its
 * 256 MiB page (1) in order without gap or overlap, (2) with aligned e500
 * sizes, (4) all of it; (3) an entry is traced iff one of its 64 KiB
 * regions needs tracing and was not untraced; (5) no more of them are
 * loaded than the TLB1 slots left to the kernel; (6) the shadow TLB0
 * passes e500_tlb_check; (7) a shadow entry never grants a right the
 * guest's own entry (supervisor rwx) lacks; a PC is patched (8) only on a
 * page the guest can neither read nor write, (9) exactly when its word
 * differs from the guest's, (10) only once hot (patch_after exits) under
 * binary translation.
 */
#ifndef TPT_POWER_KVMPPC_H
#define TPT_POWER_KVMPPC_H

#include "e500tlb.h"
#include "linux.h"

/* How the hypervisor maps the kernel's page. */
enum kvmppc_map {
	MAP_ONE,    /* one shadow entry, the guest's 256 MiB page */
	MAP_4K,     /* 4 KiB shadow entries in TLB0 */
	MAP_ADAPT,  /* adaptive page resizing (Adapt-PR) */
	MAP_STATIC, /* the paper's hand-tuned 13 entries (Static-TLB) */
};
/* Where translations of multi-instruction patches live. */
enum kvmppc_tc { TC_NONE, TC_STOLEN, TC_MODULE };

struct kvmppc_scheme {
	const char *name, *what;
	bool pv;      /* a paravirtual guest: privileged operations cost no exit */
	bool bt;      /* in-place binary translation of hot privileged instructions */
	uint8_t map;  /* enum kvmppc_map */
	uint8_t tc;   /* enum kvmppc_tc */
	bool dm;      /* adaptive data mirroring */
};
extern const struct kvmppc_scheme kvmppc_schemes[];
extern const unsigned kvmppc_nschemes;
const struct kvmppc_scheme *kvmppc_scheme_find(const char *name);

/* The hypervisor's parameters (power.c's table says where each comes from). */
struct kvmppc_params {
	uint32_t guest_tlb1;      /* TLB1 entries the guest keeps for other mappings */
	uint32_t patch_after;     /* exits of a PC before it is patched */
	uint32_t burst;           /* tracing faults in an interval that call for resizing */
	double burst_share;       /* share of them in one 64 KiB region that makes it a burst */
	uint32_t aging;           /* T falls by this much an interval */
	uint64_t shortest;        /* the smallest page resizing makes */
	uint32_t tc_bytes;        /* translation-cache bytes of a multi-instruction patch */
	uint64_t stolen;          /* bytes stolen from the data for the translation cache */
	uint64_t stolen_gap;      /* bytes of the data after them (0: its last bytes are stolen) */
	uint32_t mirror_words;    /* words of the mirror cache */
	uint32_t stolen_insns;    /* instructions that touch the stolen space's data */
	double stolen_heat;       /* the kernel's accesses to the stolen bytes against its data's average */
};

#define KP_MAXENT 64

struct kvmppc_ent {
	uint64_t ea, size;     /* offset in the kernel's page, bytes */
	uint64_t used;         /* LRU stamp */
	bool traced, loaded;
};

struct kvmppc_region {
	uint64_t faults_since, exits_since; /* since its last trace or untrace */
	uint32_t faults, exits;             /* in this interval */
	double t;                           /* threshold T */
	bool need, untraced, stolen;
};

struct kvmppc_counts {
	uint64_t priv_exits, tlb_misses, access_violations;
	uint64_t single, branch;  /* privileged instructions run as translations */
	uint64_t mirrored;        /* accesses served by a mirror */
	uint64_t patches, unpatches, resizes, splits, merges;
};

struct kvmppc {
	const struct kvmppc_scheme *s;
	struct kvmppc_params p;
	const struct lx_kernel *k;
	struct kvmppc_ent ent[KP_MAXENT];
	unsigned nent, slots, loaded;
	uint64_t stamp;
	struct kvmppc_region *reg;      /* LX_REGIONS */
	uint8_t *page_need;         /* MAP_4K: per 4 KiB page of the kernel */
	struct e500_tlb tlb0;       /* MAP_4K */
	uint32_t *pc_exits;
	bool *pc_patched;
	uint32_t *pc_word;          /* the word in guest memory at each PC */
	uint32_t *pc_orig;          /* the guest's own instruction there (kept while patched) */
	uint64_t stolen_at;         /* offset of the stolen space (TC_STOLEN) */
	bool *insn_mirrored;        /* DM: instructions translated to use a mirror */
	uint64_t *mirror;           /* DM: the mirror cache's words (+1; 0 empty) */
	uint64_t *mirror_used;
	bool changed;               /* the configuration moved this interval */
	struct kvmppc_counts c;
};

/* Instruction ids of data accesses (for Adapt-DM): none (an access no
 * mirror can serve), the boot's scan of the text, a table's reader
 * (KP_INSN_TABLE + the index of a PC on its page), a user of the stolen
 * space's data (KP_INSN_STOLEN + i). */
enum { KP_INSN_NONE, KP_INSN_SCAN, KP_INSN_TABLE, KP_INSN_STOLEN = KP_INSN_TABLE + 4096,
       KP_INSNS = KP_INSN_STOLEN + 65536 };

int kvmppc_init(struct kvmppc *h, const struct kvmppc_scheme *s, const struct kvmppc_params *p, const struct lx_kernel *k,
	    struct tpt_err *e);
void kvmppc_fini(struct kvmppc *h);
/* dst becomes an independent copy of src (its own arrays). 0, or -1 with
 * e set (out of memory; dst then holds nothing). */
int kvmppc_copy(struct kvmppc *dst, const struct kvmppc *src, struct tpt_err *e);
/* The guest executes privileged instruction pc (an index into k->pcs). */
void kvmppc_priv(struct kvmppc *h, uint32_t pc);
/* An instruction fetch at kernel offset off. */
void kvmppc_fetch(struct kvmppc *h, uint64_t off);
/* weight loads or stores at kernel offset off, by instruction insn (KP_INSN_*). */
void kvmppc_data(struct kvmppc *h, uint64_t off, uint32_t weight, uint32_t insn);
/* The end of an interval of guest time: Adapt-PR's decisions and merges. */
void kvmppc_interval(struct kvmppc *h);
/* What a guest load of the word at PC pc returns: the memory word where
 * the page is readable, else the hypervisor's emulation of the load. */
uint32_t kvmppc_read_code(const struct kvmppc *h, uint32_t pc);
/* The guest's own instruction at PC pc (what it wrote there). */
uint32_t kvmppc_original(const struct kvmppc *h, uint32_t pc);
/* Checker (see above); 0 or -1 with e set. */
int kvmppc_check(const struct kvmppc *h, struct tpt_err *e);
/* Rights the shadow entry holding off grants the supervisor (E500_S*). */
uint8_t kvmppc_rights(const struct kvmppc *h, uint64_t off);

#endif
