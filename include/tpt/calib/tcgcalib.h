/* SPDX-License-Identifier: MIT */
/*
 * tcgcalib.h - tpt dbt's SoftMMU against QEMU's TCG measured here (the
 * rows of probe/tcg.h): each row's loop run through tpt dbt as the
 * tcgloop workload, the model's ns beside the measured; and the [dbt]
 * costs solved from three rows, the others judged.
 *
 * Called by tpt probe --tcg (cli/tcg_cmd.c).
 */
#ifndef TPT_CALIB_TCGCALIB_H
#define TPT_CALIB_TCGCALIB_H

#include <stdio.h>

#include "tpt/base/config.h"
#include "tpt/calib/calib.h"
#include "tpt/probe/tcg.h"

/* Within this of QEMU's time, a row passes (issue 37's criterion). */
#define TCG_TOLERANCE 0.25

struct tcg_calib {
	const struct tcg_row *rows;
	size_t n;
	uint32_t key;
	double model_ns[TCG_MAX_TLBS * TCG_MAX_LOOPS];
	const char *calibrates[TCG_MAX_TLBS * TCG_MAX_LOOPS]; /* the [dbt] key a row sets, or NULL */
};

/* The tcgloop spec of row i (one measured round). */
void tcg_spec(const struct tcg_calib *c, size_t i, char *out, size_t n);
/* Every row's model ns under cfg (its clock_ghz turns cycles into ns). 0,
 * or -1 with e set. */
int tcg_model(struct tcg_calib *c, const struct tpt_config *cfg, struct tpt_err *e);
/* "within" TCG_TOLERANCE, "off", or "noisy" (the rounds' middle half
 * spans more than the tolerance: not judged). */
const char *tcg_verdict(const struct tcg_calib *c, size_t i);
/*
 * Solves, on cfg: dbt_cpi from the rmw row that hits the software TLB
 * (the smallest region at the smallest TLB), softmmu_fill_instrs from the
 * rmw row that misses it most (the largest region at the smallest TLB),
 * and dbt_rob from the rmw row whose misses overlap (the largest region
 * at the largest TLB); the fragment's lines say what each came from. 0,
 * or -1 with e set (a row missing, or the model not reaching it).
 */
int tcg_fit(struct tcg_calib *c, struct tpt_config *cfg, struct calib_fragment *f,
	    struct tpt_err *e);

#endif
