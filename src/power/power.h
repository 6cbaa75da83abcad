/* SPDX-License-Identifier: MIT */
/*
 * power.h - the embedded Power virtualization model's run: one workload of
 * the ASPLOS 2013 paper (linux.h) under one scheme (kvmppc.h), its counts and
 * its estimated time. Called by `tpt power`. The parameters are one option
 * table (power.c), each row with its source: the paper, a derivation from
 * its unmodified-KVM and bare-metal columns, or a guess said as such.
 */
#ifndef TPT_POWER_POWER_H
#define TPT_POWER_POWER_H

#include "kvmppc.h"
#include "tpt/base/opttab.h"
#include "tpt/base/stats.h"

struct power_params {
	struct lx_params lx;
	struct kvmppc_params hv;
	double exit_ns;      /* a VM exit's round trip with its emulation */
	double single_ns;    /* a single-instruction translation (a shared-space load or store) */
	double branch_ns;    /* a translation reached by a branch, and back */
	double mirror_ns;    /* a mirrored access's check */
	double resize_ns;    /* rewriting the shadow entries after a resize */
	uint32_t interval_ms;
	uint64_t events;     /* privileged exits a derived workload's run is scaled to */
	uint32_t booted;     /* a benchmark starts from the hypervisor's state after linux-boot */
};

const struct opttab *power_table(void);
void power_defaults(struct power_params *p);

/*
 * Every figure of a run, listed once: POWER_RESULT generates struct
 * power_result's figures and its rows (power_rows: tpt power's JSON keys
 * and `tpt counters power`), in this order.
 *   C(name, doc)  a count            F(name, doc)  a measure (double)
 */
#define POWER_RESULT(C, F)                                                                         \
	C(priv_exits, "privileged instructions that exited to the hypervisor")                    \
	C(tlb_misses, "exits to refill a TLB: the hypervisor's and the guest's own")              \
	C(access_violations, "exits on a protection fault: tracing faults and the guest's own")   \
	F(seconds, "the run's estimated time, s: bare metal's plus exits, translations and checks") \
	F(value, "the run's figure in the paper's unit (unit): s, ms an operation, score or KB/s") \
	F(units, "boots, operations, iterations or KiB the run does")                            \
	C(privileged_instructions, "privileged instructions the guest executed")                 \
	C(translated_single, "privileged instructions run as single-instruction translations")    \
	C(translated_branch, "privileged instructions run as translations reached by a branch")   \
	C(mirrored_accesses, "data accesses a mirror served (Adapt-DM)")                         \
	C(kernel_data, "the kernel's loads and stores to its data and memory")                   \
	C(stolen_data, "of them, to the bytes stolen for the translation cache")                 \
	C(patches, "privileged instructions patched in place")                                   \
	C(unpatches, "patches undone")                                                           \
	C(splits, "kernel pages split by Adapt-PR")                                              \
	C(merges, "kernel pages merged by Adapt-PR")                                             \
	C(resizes, "intervals in which Adapt-PR changed the kernel's pages")

struct power_result {
	const struct lx_workload *w;
	const struct kvmppc_scheme *s;
#define POWER_FIELD_C(name, doc) uint64_t name;
#define POWER_FIELD_F(name, doc) double name;
	POWER_RESULT(POWER_FIELD_C, POWER_FIELD_F)
#undef POWER_FIELD_C
#undef POWER_FIELD_F
};

/* Calls fn for every figure of r in the list's order; stops at a non-zero return. */
int power_rows(const struct power_result *r, stats_row_fn fn, void *ctx);

/* One configuration of the kernel's shadow entries, at time t (s). */
struct power_snapshot {
	double t;
	unsigned n;
	const struct kvmppc_ent *ent;
};
typedef void (*power_timeline_fn)(void *ctx, const struct power_snapshot *snap);

/* The hypervisor as linux-boot leaves it under one scheme: where a
 * benchmark's run starts (p->booted), the guest it runs in having booted
 * under the same hypervisor. */
struct power_boot {
	struct kvmppc h;
	struct rng g;         /* the run's stream, where the boot left it */
	double next_interval; /* s until Adapt-PR's next interval */
};
/* Boots under s. 0, or -1 with e set; power_boot_fini frees it. */
int power_boot(const struct power_params *p, const struct lx_kernel *k, const struct kvmppc_scheme *s,
	       uint64_t seed, struct power_boot *b, struct tpt_err *e);
void power_boot_fini(struct power_boot *b);

/* Runs w under s: linux-boot from a fresh hypervisor, a benchmark (with
 * p->booted) from boot's state, which power_boot made under the same s,
 * p, k and seed (NULL: booted here first). tl (may be NULL) gets every
 * configuration as it changes, from the run's start. */
int power_run(const struct power_params *p, const struct lx_kernel *k, const struct lx_workload *w,
	      const struct kvmppc_scheme *s, uint64_t seed, const struct power_boot *boot,
	      power_timeline_fn tl, void *ctx, struct power_result *out, struct tpt_err *e);
/* The paper's unit for a workload's figure: "s", "ms", "score", "KB/s". */
const char *power_unit(const struct lx_workload *w);

#endif
