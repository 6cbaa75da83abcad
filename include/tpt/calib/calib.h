/* SPDX-License-Identifier: MIT */
/*
 * calib.h - the model held against the measured machine (calib.c): for each
 * row tpt probe measured (probe.h), what the model predicts, and the cost
 * model's terms solved from the rows (tpt probe --calibrate).
 *
 * Which scheme models a row follows what translates it on this machine: a
 * process of a bare-metal host is native; a process of a host that is
 * itself a guest (the CPU's hypervisor bit) walks the outer hypervisor's
 * nested paging (outer pages: outer_shift, prefaulted); the probe's guest
 * is under the host KVM's scheme, which for a shadow-paging KVM on a nested
 * host is a shadow table walked through the outer nested paging: in the
 * model, nested paging whose guest pages are the shadow table's (the
 * smaller of guest page and backing). Loops are simulated (gups, gups
 * loop=chase, churn); events (exits, CR3 loads, table writes, shadow
 * fills) are what the cost model charges one of them.
 *
 * The simulations themselves are the caller's (the tpt command's runs, in
 * parallel processes): calib says what to run and reads the results.
 * Called by cli/probe_cmd.c. Invariant: model_ns[i] and calibrates[i]
 * belong to rows[i].
 */
#ifndef TPT_CALIB_H
#define TPT_CALIB_H

#include <stdio.h>

#include "tpt/base/config.h"
#include "tpt/probe/probe.h"
#include "tpt/sim/report.h"

#define CALIB_MAX_ROWS 48

/* One simulation calib asks for: a workload spec under a scheme. */
struct calib_run {
	char spec[160];
	const struct scheme *sc;
	unsigned guest_shift, host_shift;
	uint64_t seed;
	struct tpt_result *res; /* filled by the runner */
};
/* Runs n simulations under cfg, filling each res; 0 or the runs' status. */
typedef int (*calib_runner)(void *arg, struct calib_run *runs, size_t n, const struct tpt_config *cfg);

/* The config fragment --calibrate writes: values with their reasons. */
struct calib_fragment {
	char line[16][512];
	unsigned n;
};

struct calib {
	const struct probe_params *p;
	const struct host_info *h;
	unsigned outer_shift;          /* the outer hypervisor's page, when h->in_vm */
	const struct probe_row *rows;
	size_t n;                      /* at most CALIB_MAX_ROWS */
	calib_runner run;
	void *arg;
	/* Filled: */
	double model_ns[CALIB_MAX_ROWS];
	const char *calibrates[CALIB_MAX_ROWS]; /* the key a row calibrates, or NULL */
};

/* The row of this place, loop and page size, or NULL. */
const struct probe_row *calib_find(const struct calib *c, enum probe_where w, enum probe_loop l,
				   unsigned shift);
/* Every row's model ns under cfg into c->model_ns. 0, or the runs' status. */
int calib_model(struct calib *c, const struct tpt_config *cfg);
/* The measured costs into cfg and f, and the rows that set a term marked
 * in c->calibrates. 0, or the runs' status. */
int calib_fit(struct calib *c, struct tpt_config *cfg, struct calib_fragment *f);
/* The fragment as a config file, headed by when, where and by what. */
void calib_write(const struct calib *c, const struct calib_fragment *f, FILE *out);

#endif
