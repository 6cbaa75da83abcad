/* SPDX-License-Identifier: MIT */
/*
 * daemon.h - tptd's state and its sampling round.
 *
 * A round scans /proc, pins each new process worth watching with a pidfd,
 * samples the watched ones (counters, /proc, smaps_rollup on the slow
 * path), feeds each sample to the shared policy (policy.h) and applies its
 * decision through the actuator, then writes the state file. All state is
 * in struct tptd: two daemons in one process would not interfere.
 */
#ifndef TPTD_DAEMON_H
#define TPTD_DAEMON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "collapse.h"
#include "conf.h"
#include "counters.h"
#include "log.h"
#include "probe.h"
#include "proc.h"
#include "state.h"
#include "tpt/policy/policy.h"

struct watch {
	pid_t pid;
	uint64_t start;        /* with pid, the process's identity */
	int pidfd;
	uid_t uid;             /* its owner when first seen */
	char comm[16];
	struct proc_stat last; /* at the previous sample */
	double t_last;         /* monotonic seconds of that sample */
	bool counting;         /* counter groups are open (else /proc times) */
	struct ctr_proc ctr;
	double ctr_last[ROLE_N];
	struct policy_proc pol;
	bool on;               /* acted for: collapsed (thp) or chosen for TPT */
	bool tpt_running;      /* started after its name was armed: runs with TPT */
	bool gone, seen, denied;
	double walk_share;     /* the last score */
	const char *source;
	char action[64], effect[96];
	uint32_t backoff, backoff_len;
	struct region_set done;
	uint64_t intervals;
};

struct tptd {
	struct tptd_conf conf;
	struct tlog log;
	struct probe probe;
	enum tptd_source src;    /* resolved: SRC_PMU or SRC_HEURISTIC */
	enum tptd_actuator act;  /* resolved: ACT_TPT, ACT_THP or ACT_ADVISE */
	struct ctr_set pmu, sw;
	bool have_sw;
	struct policy_params prm;
	struct watch *w;
	size_t n, cap;
	struct state st;
	uint64_t rounds;
	double budget;           /* bytes the thp actuator may still collapse */
	double t_round;          /* monotonic seconds of the last round */
	pid_t self;
	uint64_t boot;
};

/* Resolves source and actuator against the probe, loads the state file and
 * (tpt actuator) arms the best program recorded in it. One error line in e. */
int tptd_init(struct tptd *d, const struct tptd_conf *c, struct tpt_err *e);
/* Replaces the configuration (SIGHUP): a changed source or actuator drops
 * every watch and starts afresh. */
int tptd_reconfigure(struct tptd *d, const struct tptd_conf *c, struct tpt_err *e);
int tptd_round(struct tptd *d);
int tptd_save(struct tptd *d, struct tpt_err *e);
void tptd_fini(struct tptd *d);
double tptd_now(void);

/* The daemon's decision for one sample of one watched process. */
enum policy_action tptd_decide(const struct tptd *d, struct watch *w, const struct policy_sample *x);

#endif
