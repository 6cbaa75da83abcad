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
};

const struct opttab *power_table(void);
void power_defaults(struct power_params *p);

struct power_result {
	const struct lx_workload *w;
	const struct kvmppc_scheme *s;
	uint64_t priv_exits, tlb_misses, access_violations;
	struct kvmppc_counts c;     /* the hypervisor's own counts (tlb and faults without the guest's own) */
	double seconds;         /* the run's estimated time */
	double units;           /* boots, operations, iterations or KiB in the run */
	double value;           /* in the paper's unit: s, ms an operation, score, KB/s */
	uint64_t events;        /* privileged instructions executed */
};

/* One configuration of the kernel's shadow entries, at time t (s). */
struct power_snapshot {
	double t;
	unsigned n;
	const struct kvmppc_ent *ent;
};
typedef void (*power_timeline_fn)(void *ctx, const struct power_snapshot *snap);

/* Runs w under s. tl (may be NULL) gets every configuration as it changes. */
int power_run(const struct power_params *p, const struct lx_kernel *k, const struct lx_workload *w,
	      const struct kvmppc_scheme *s, uint64_t seed, power_timeline_fn tl, void *ctx,
	      struct power_result *out, struct tpt_err *e);
/* The paper's unit for a workload's figure: "s", "ms", "score", "KB/s". */
const char *power_unit(const struct lx_workload *w);

#endif
