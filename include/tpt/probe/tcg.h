/* SPDX-License-Identifier: MIT */
/*
 * tcg.h - tpt probe --tcg's measurement (tcg.c): QEMU's TCG, the real
 * SoftMMU, timed on this machine. tpt boots its own bare-metal guest
 * (tcg/guest.c, carried inside tpt) under -accel tcg: the IA-32 build
 * under qemu-system-i386, the x86-64 one (the gups loop) under
 * qemu-system-x86_64; the guest sizes QEMU's software TLB, runs the loops
 * of tcgloop.h and prints
 * each round's host TSC cycles, which QEMU's RDTSC reads. A row is one
 * loop at one TLB size: its median ns per iteration and its noise.
 *
 * Called by the tpt probe command (cli/probe_cmd.c); the model's side is
 * calib's, which runs the tcgloop workload through tpt dbt.
 */
#ifndef TPT_PROBE_TCG_H
#define TPT_PROBE_TCG_H

#include "tpt/base/tcgloop.h"
#include "tpt/base/util.h"
#include "tpt/probe/probe.h"

#define TCG_MAX_TLBS 4
#define TCG_MAX_LOOPS 8
#define TCG_MAX_ROUNDS 32

extern const char *const tcg_loop_name[TCG_LOOP_N];

struct tcg_loopspec {
	enum tcg_loop loop;
	uint64_t size, iters; /* iters: a round's (seq: size / 4) */
};

/* What the guest runs: every loop at every TLB size, in the IA-32 guest
 * (rmw, chase, seq) or the x86-64 one (gups). */
struct tcg_plan {
	bool x86_64;       /* qemu-system-x86_64 and the x86-64 guest */
	uint64_t mem;      /* bytes the guest maps for the loops (>= every size) */
	unsigned rounds;   /* timed rounds a row, after a warm one */
	uint32_t key;      /* rmw's generator start and the chase order's key */
	unsigned tlb_bits[TCG_MAX_TLBS], ntlb;
	struct tcg_loopspec loop[TCG_MAX_LOOPS];
	unsigned nloop;
	unsigned timeout_s; /* QEMU is stopped after this long */
};

struct tcg_row {
	bool x86_64;       /* measured in the x86-64 guest */
	unsigned tlb_bits;
	struct tcg_loopspec spec;
	double sample[TCG_MAX_ROUNDS]; /* ns per iteration, each round */
	unsigned n;
	double ns, noise; /* median, and sample_noise of the rounds */
};

/* The plan over size bytes (a power of two, 4M to 1G), 5 rounds, key 1,
 * at QEMU's 256 entries and at twice the pages of size (2^17 for 256M),
 * at most QEMU's largest: in the IA-32 guest random RMW over 1 MiB
 * (software-TLB hits) and over size, a chase over size, sequential RMW
 * over size / 4; in the x86-64 one (x86_64) the gups workload's loop
 * (HPCC's update, loops.S's probe_gups) over size, 1M updates a round. */
void tcg_plan_default(struct tcg_plan *p, uint64_t size, bool x86_64);
/* The QEMU that runs a guest: "qemu-system-i386" or $TPT_QEMU, and
 * "qemu-system-x86_64" or $TPT_QEMU_X86_64. */
const char *tcg_qemu(bool x86_64);
/* That QEMU's version line into out; -1 with e naming what is missing. */
int tcg_qemu_version(bool x86_64, char *out, size_t n, struct tpt_err *e);
/* This CPU's TSC rate, GHz (RDTSC against CLOCK_MONOTONIC over 200 ms). */
double tcg_tsc_ghz(void);
/* Boots the guest with the plan and reads its rows (every TLB size's
 * every loop, in the plan's order) into rows; *n set. 0, or -1 with e set
 * (QEMU missing or failing, the guest refusing the plan, a timeout). */
int tcg_measure(const struct tcg_plan *p, double tsc_ghz, struct tcg_row *rows, size_t max,
		size_t *n, struct tpt_err *e);

#endif
