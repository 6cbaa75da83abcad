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
	char line[48][768];
	unsigned n;
};

/* The caches' replacements calib_fit tries (see repl_within). */
#define CALIB_REPLS 8

struct calib {
	const struct probe_params *p;
	const struct host_info *h;
	unsigned outer_shift;          /* the outer hypervisor's page, when h->in_vm */
	bool outer_auto;               /* chosen by calib_choose_outer */
	const struct probe_row *rows;
	size_t n;                      /* at most CALIB_MAX_ROWS */
	calib_runner run;
	void *arg;
	/* Filled: */
	double model_ns[CALIB_MAX_ROWS];
	const char *calibrates[CALIB_MAX_ROWS]; /* the key a row calibrates, or NULL */
	/* the model's replacement, CACHE_LRU or CACHE_RANDOM, of each cache
	 * at the last calib_model */
	uint32_t l1d_replacement, l2_replacement, llc_replacement;
	/* Whether each was chosen: both are chosen on the native loop rows,
	 * and stay as given where the probe has none to judge. */
	bool outer_chosen, repl_chosen;
	/* calib_choose_outer's measures, outer pages 4K and 2M: the native
	 * loop rows within CALIB_TOLERANCE, and the mean squared log error. */
	unsigned outer_within[2];
	double outer_error[2];
	/* calib_fit's, the same for each replacement tried: r is the L1D's
	 * (r >> 2), the L2's (r >> 1 & 1) and the LLC's (r & 1), each 0 for
	 * LRU and 1 for random. */
	unsigned repl_within[CALIB_REPLS];
	double repl_error[CALIB_REPLS];
};

/* A replacement's value in a config file: "lru" or "random". */
const char *calib_repl_key(uint32_t replacement);

/* The row of this place, loop and page size (a loop's at the probe's
 * --size), or NULL. */
const struct probe_row *calib_find(const struct calib *c, enum probe_where w, enum probe_loop l,
				   unsigned shift);
/* The same, of a loop over size bytes (the latency sweep's). */
const struct probe_row *calib_find_size(const struct calib *c, enum probe_where w, enum probe_loop l,
					unsigned shift, uint64_t size);

/* How near a modelled row must come to its measurement: 20 %, as the
 * timing issue asks of every native loop after calibration. */
#define CALIB_TOLERANCE 0.20
/* Whether a row's rounds are too noisy to judge or fit to the tolerance:
 * the middle half of them spans more than it (sample_noise). */
bool calib_noisy(const struct probe_row *x);
/* What row i's model says of its measurement, after calib_model: "within"
 * CALIB_TOLERANCE, "off", "noisy" (calib_noisy: not judged), or "" (a row
 * the model does not predict). A row that calibrates a term is judged
 * too: whole cycles and the floors between levels keep some from fitting
 * exactly. */
const char *calib_verdict(const struct calib *c, size_t i);
/* A model's ns against a measurement whose rounds' noise is noise:
 * "noisy" when that exceeds 1 + tolerance (not judged), else "within"
 * tolerance or "off" (calib_verdict's rule, and probe --tcg's). */
const char *calib_judge(double model, double measured, double noise, double tolerance);
/* Appends a value (key NULL: a comment only) to f under its section
 * ("[cost]"), after its reason wrapped as "; " lines that fit a config
 * line. */
void calib_note(struct calib_fragment *f, const char *sec, const char *key, const char *value,
		const char *why);
/* Every row's model ns under cfg into c->model_ns. 0, or the runs' status. */
int calib_model(struct calib *c, const struct tpt_config *cfg);
/* On a host that is a guest with outer_auto set: the outer page (4K or
 * 2M) with which the model under cfg comes nearer the native loops (the
 * smaller mean squared log error; the rows within tolerance are counted
 * too), into outer_shift. 0, or the runs' status. */
int calib_choose_outer(struct calib *c, const struct tpt_config *cfg);
/* The measured costs into cfg and f, and the rows that set a term marked
 * in c->calibrates, under the LLC replacement (LRU or random) and, on a
 * host that is a guest with outer_auto set, the outer page that fit
 * nearer (as calib_choose_outer, each pair fitted in full). 0, or the
 * runs' status. */
int calib_fit(struct calib *c, struct tpt_config *cfg, struct calib_fragment *f);
/* The fragment as a config file, headed by when, where and by what. */
void calib_write(const struct calib *c, const struct calib_fragment *f, FILE *out);

#endif
