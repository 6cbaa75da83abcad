/* SPDX-License-Identifier: MIT */
/*
 * conf.h - tptd's configuration: one option table (conf.c) drives the INI
 * reader (--config FILE), `tptd --print-config` and etc/tptd.conf; the
 * allow/deny lists are parsed into filter form once, after loading.
 */
#ifndef TPTD_CONF_H
#define TPTD_CONF_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "tpt/policy/policy.h"
#include "tpt/base/util.h"

enum tptd_source { SRC_AUTO, SRC_PMU, SRC_HEURISTIC };
enum tptd_actuator { ACT_AUTO, ACT_TPT, ACT_THP, ACT_ADVISE };

extern const char *const tptd_source_name[3];
extern const char *const tptd_actuator_name[4];

#define CONF_LIST 512
#define CONF_MAX_ITEMS 32

/* A comma-separated list of names, cgroup paths or uids, split in place into
 * NUL-terminated items at offsets (not pointers: the struct may be copied). */
struct conf_list {
	char text[CONF_LIST];
	uint16_t item[CONF_MAX_ITEMS];
	uint32_t n;
};

struct tptd_conf {
	/* [tptd] */
	double interval;   /* seconds between samples */
	uint32_t source, actuator;
	char state[PATH_MAX];
	char lock[PATH_MAX]; /* flock(2)ed while watching: one watching tptd per machine */
	char sysfs[PATH_MAX]; /* root of sysfs: the TPT knob is <sysfs>/kernel/mm/devirt/task_name */
	uint32_t dry_run;
	uint64_t min_rss;  /* processes with less resident memory are not scored */
	double min_cpu;    /* ... nor those using less CPU than this share of one core */
	uint32_t max_procs;
	/* [policy] (policy.h) */
	struct policy_params pol;
	/* [heuristic] */
	double cpu_ghz;       /* cycles per second of CPU time, for the heuristic's cycle counts */
	uint64_t tlb_reach;   /* bytes the STLB covers with 4 KiB pages */
	double walk_share_max; /* share of cycles in walks when every access misses the STLB */
	/* [pmu] */
	double walk_cost;     /* cycles per walk, on CPUs without a walk-cycle event */
	/* [thp] */
	uint64_t chunk;       /* bytes per process_madvise call */
	uint64_t rate;        /* bytes collapsed per second, all processes together */
	double min_present;   /* share of a 2 MiB region's pages present before it is collapsed */
	uint32_t collapse_cycles; /* per 4 KiB page collapsed: the thp actuator's cost of acting */
	uint32_t backoff;     /* rounds a process is left alone after ENOMEM/EBUSY (doubles) */
	/* [filter] */
	struct conf_list allow_names, deny_names, allow_cgroups, deny_cgroups, allow_uids, deny_uids;
	struct conf_list arm_uids; /* whose processes may arm the TPT knob (default root's) */
};

/* tptd's command-line options: one table for parsing (main.c), --help and
 * the manual page. A row with sec and key sets that configuration option. */
enum tptd_cli_id { TC_KEY, TC_CONFIG, TC_REPLAY, TC_SET, TC_DRY, TC_ONCE, TC_FG, TC_STATUS,
		   TC_PROBE, TC_EVENTS, TC_PRINT, TC_HELP, TC_VERSION };
struct tptd_cli_opt {
	const char *name, *arg; /* arg: the metavariable, NULL for a flag */
	enum tptd_cli_id id;
	const char *sec, *key;
	const char *help;
};
extern const struct tptd_cli_opt tptd_cli_opts[];
extern const size_t tptd_cli_nopts;
/* tptctl's options: tptctl.c parses with this table, tpt-mangen writes
 * tptctl(8) and its completion from it. */
struct tptctl_opt {
	const char *name, *arg; /* arg: the metavariable, NULL for a flag */
	int val;
	const char *help;
};
extern const struct tptctl_opt tptctl_opts[];
extern const size_t tptctl_nopts;
/* The configuration file's option table (for the manual page). */
const struct opttab *conf_table(void);

void conf_defaults(struct tptd_conf *c);
/* Reads FILE over the current values; one error line in e on failure. */
int conf_load(struct tptd_conf *c, const char *path, struct tpt_err *e);
int conf_set(struct tptd_conf *c, const char *section, const char *name, const char *value,
	     struct tpt_err *e);
/* Cross-option checks and list splitting; call after loading and setting. */
int conf_finish(struct tptd_conf *c, struct tpt_err *e);
void conf_write_sample(FILE *out);

/* Whether a process passes the allow/deny lists (deny wins; an empty allow
 * list allows everything). cgroup may be NULL when no cgroup list is set. */
bool conf_allows(const struct tptd_conf *c, const char *comm, const char *cgroup, uid_t uid);
/* Whether a process of uid may arm the TPT knob: the knob names a program
 * for every later start of that name, whoever starts it, and a process's
 * name is its own to choose, so only trusted users' processes arm it. */
bool conf_may_arm(const struct tptd_conf *c, uid_t uid);
/* Whether a cgroup list is configured (then tptd reads /proc/PID/cgroup). */
bool conf_wants_cgroup(const struct tptd_conf *c);

#endif
