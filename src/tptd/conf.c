/* SPDX-License-Identifier: MIT */
/*
 * conf.c - tptd's option table and filters (see conf.h).
 *
 * Called by tptd's main at start-up and on SIGHUP. Loading goes into a
 * scratch copy that replaces the live one only when it is whole and valid,
 * so a bad edit never leaves the daemon half-configured.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "tpt/base/opttab.h"

const char *const tptd_source_name[3] = {"auto", "pmu", "heuristic"};
const char *const tptd_actuator_name[4] = {"auto", "tpt", "thp", "advise"};

#define O(sec, field, type, min, max, def, help) \
	{sec, #field, type, offsetof(struct tptd_conf, field), min, max, def, help, NULL}
#define P(field, type, min, max, def, help) \
	{"policy", #field, type, offsetof(struct tptd_conf, pol.field), min, max, def, help, NULL}
#define E(sec, field, choices, def, help) \
	{sec, #field, OPT_ENUM, offsetof(struct tptd_conf, field), 0, 0, def, help, choices}
#define S(sec, field, def, help) \
	{sec, #field, OPT_STR, offsetof(struct tptd_conf, field), 0, \
	 sizeof(((struct tptd_conf *)0)->field), def, help, NULL}
#define L(field, help) \
	{"filter", #field, OPT_STR, offsetof(struct tptd_conf, field.text), 0, CONF_LIST, "", help, NULL}

static const struct opt opts[] = {
	O("tptd", interval, OPT_DOUBLE, 100, 86400000, "10", "seconds between two samples of every watched process"),
	E("tptd", source, "auto|pmu|heuristic", "auto", "metric source; auto: the PMU when its counters open, else the heuristic"),
	E("tptd", actuator, "auto|tpt|thp|advise", "auto", "auto: tpt on a TPT guest kernel, else thp where MADV_COLLAPSE works, else advise"),
	S("tptd", state, "/var/lib/tptd/state.json", "past decisions per program and the watch table (the only file tptd writes besides its lock)"),
	S("tptd", lock, "/run/tptd/lock", "held while tptd watches (read at start): a second tptd would clear the first's accessed bits and act on its processes"),
	S("tptd", sysfs, "/sys", "sysfs root; the TPT knob is <sysfs>/kernel/mm/devirt/task_name"),
	O("tptd", dry_run, OPT_BOOL, 0, 1, "no", "decide and log, but act on nothing (as the advise actuator)"),
	O("tptd", min_rss, OPT_SIZE, 0, 1ULL << 50, "64M", "processes with less resident memory are not watched"),
	O("tptd", min_cpu, OPT_DOUBLE, 0, 1000000, "0.05", "a watched process that used less CPU than this share of one core is not scored (smaps_rollup is not read)"),
	O("tptd", max_procs, OPT_U32, 1, 1000000, "1024", "most processes watched at once (the first found win)"),
	P(threshold, OPT_DOUBLE, 0, 1000, "0.01", "net gain, as a share of the process's cycles, that votes for acting"),
	P(band, OPT_DOUBLE, 0, 1000, "0.5", "dead band: a gain within threshold*(1 +- band) votes neither way"),
	P(walk_ratio, OPT_DOUBLE, 10, 4000, "0.4", "walk cycles after acting per walk cycle before (TPT: one-dimensional walk; thp: 2 MiB pages)"),
	P(age, OPT_DOUBLE, 0, 1000, "0.9", "each interval a raised threshold keeps this share of its excess over the base"),
	P(raise, OPT_DOUBLE, 1000, 100000, "2.0", "a decision reversed within the horizon multiplies the threshold by this"),
	P(max_raise, OPT_DOUBLE, 1000, 1000000, "16", "the threshold rises to at most this many times its base"),
	P(confidence, OPT_U32, 1, 64, "2", "agreeing intervals before acting (--once watches this many)"),
	P(horizon, OPT_U32, 1, 1000000, "16", "the cost of acting is amortised over the intervals a process has run, at least this many"),
	P(pvop_cycles, OPT_U32, 0, 10000000, "150", "tpt: cycles per page-table update (a pv-op), counted per page fault"),
	P(construct_cycles, OPT_U32, 0, 10000000, "100", "cycles per resident 4 KiB page to act: TPT table construction (thp: see collapse_cycles)"),
	O("heuristic", cpu_ghz, OPT_DOUBLE, 100, 100000, "3.0", "cycles per nanosecond of CPU time"),
	O("heuristic", tlb_reach, OPT_SIZE, 4096, 1ULL << 40, "6M", "memory the STLB covers with 4 KiB pages (1536 entries)"),
	O("heuristic", walk_share_max, OPT_DOUBLE, 0, 1000, "0.3", "share of cycles spent walking when every access misses the STLB (GUPS-like)"),
	O("pmu", walk_cost, OPT_DOUBLE, 0, 100000000, "30", "cycles per walk, on CPUs without a walk-cycle event"),
	O("thp", chunk, OPT_SIZE, 2ULL << 20, 32ULL << 20, "8M", "bytes per process_madvise call (2M to 32M: a large call stalls the target)"),
	O("thp", rate, OPT_SIZE, 2ULL << 20, 1ULL << 40, "256M", "bytes collapsed per second of interval, all processes together"),
	O("thp", min_present, OPT_DOUBLE, 500, 1000, "0.9", "share of a 2 MiB region's 4 KiB pages present before it is collapsed"),
	O("thp", collapse_cycles, OPT_U32, 0, 100000000, "2000", "cycles per 4 KiB page to collapse (copy and remap)"),
	O("thp", backoff, OPT_U32, 1, 1000, "4", "rounds a process is left alone after ENOMEM or EBUSY (doubles each time)"),
	L(allow_names, "comma-separated process names (comm); if set, only these are watched"),
	L(deny_names, "process names never watched"),
	L(allow_cgroups, "cgroup paths (as in /proc/PID/cgroup); a process in one of them or below is allowed"),
	L(deny_cgroups, "cgroup paths never watched, with everything below them"),
	L(allow_uids, "numeric user ids; if set, only their processes are watched"),
	L(deny_uids, "user ids never watched"),
	{"filter", "arm_uids", OPT_STR, offsetof(struct tptd_conf, arm_uids.text), 0, CONF_LIST, "0",
	 "user ids whose processes may arm the TPT knob: it names a program for every user's next start, "
	 "and any user may name a process anything (others are decided for and logged, not armed)", NULL},
};

static const char *const notes[][2] = {
	{"tptd", "The daemon: sampling, source and actuator, the state file."},
	{"policy", "The automatic policy (the simulator's, include/tpt/policy.h), fed once per interval."},
	{"heuristic", "The score without a PMU: walk share = walk_share_max * P(STLB miss), with P the\n"
		      "; share of the hot 4 KiB-mapped anonymous memory beyond tlb_reach (docs/tptd.md)."},
	{"pmu", "Hardware counters, named through libpfm4."},
	{"thp", "The thp actuator: MADV_COLLAPSE through process_madvise, rate-limited."},
	{"filter", "Which processes tptd may watch. Deny wins; an empty allow list allows all."},
};

static const struct opttab table = {
	opts, ARRAY_LEN(opts), notes, ARRAY_LEN(notes),
	"; tptd configuration: the defaults, as `tptd --print-config` prints them.\n"
	"; Load with --config FILE (SIGHUP reloads it); options left out keep their default.\n",
	NULL, false,
};

void conf_defaults(struct tptd_conf *c)
{
	memset(c, 0, sizeof(*c));
	opttab_defaults(&table, c);
}

int conf_set(struct tptd_conf *c, const char *section, const char *name, const char *value,
	     struct tpt_err *e)
{
	return opttab_set(&table, c, section, name, value, e);
}

int conf_load(struct tptd_conf *c, const char *path, struct tpt_err *e)
{
	return opttab_load(&table, c, path, e);
}

const struct tptd_cli_opt tptd_cli_opts[] = {
	{"once", NULL, TC_ONCE, NULL, NULL, "watch for as many intervals as the policy needs to decide "
					    "([policy] confidence), act, print the status, exit"},
	{"foreground", NULL, TC_FG, NULL, NULL, "do not detach (systemd runs it so)"},
	{"dry-run", NULL, TC_DRY, NULL, NULL, "decide and log, act on nothing"},
	{"config", "FILE", TC_CONFIG, NULL, NULL,
	 "INI configuration (tptd --print-config shows every option)"},
	{"interval", "SECONDS", TC_KEY, "tptd", "interval", "seconds between samples"},
	{"actuator", "A", TC_KEY, "tptd", "actuator", "auto, tpt, thp or advise"},
	{"source", "S", TC_KEY, "tptd", "source", "auto, pmu or heuristic"},
	{"state", "FILE", TC_KEY, "tptd", "state", "the state file (default /var/lib/tptd/state.json)"},
	{"sysfs", "DIR", TC_KEY, "tptd", "sysfs",
	 "sysfs root holding kernel/mm/devirt/task_name (default /sys)"},
	{"allow", "NAMES", TC_KEY, "filter", "allow_names",
	 "watch only these process names (comma-separated)"},
	{"set", "SEC.KEY=VALUE", TC_SET, NULL, NULL, "set any configuration option"},
	{"status", NULL, TC_STATUS, NULL, NULL, "print the watch table from the state file, exit"},
	{"probe", NULL, TC_PROBE, NULL, NULL, "print the metric sources and actuators found, exit"},
	{"events", NULL, TC_EVENTS, NULL, NULL,
	 "print the counter events libpfm4 chose for this CPU, exit"},
	{"print-config", NULL, TC_PRINT, NULL, NULL, "print the default configuration, exit"},
	{"replay", "FILE", TC_REPLAY, NULL, NULL,
	 "decide on a `tpt sim --timeline` CSV, print the actions, exit"},
	{"help", NULL, TC_HELP, NULL, NULL, "this text"},
	{"version", NULL, TC_VERSION, NULL, NULL, "the release and the git commit tptd was built from"},
};
const size_t tptd_cli_nopts = ARRAY_LEN(tptd_cli_opts);

const struct tptctl_opt tptctl_opts[] = {
	{"state", "FILE", 's', "the state file (default /var/lib/tptd/state.json)"},
	{"config", "FILE", 'c', "tptd's configuration, for the state file it names"},
	{"version", NULL, 'V', "the release and the git commit tptctl was built from"},
};
const size_t tptctl_nopts = ARRAY_LEN(tptctl_opts);

const struct opttab *conf_table(void)
{
	return &table;
}

void conf_write_sample(FILE *out)
{
	opttab_write_sample(&table, out);
}

static int split(struct conf_list *l, const char *what, bool numeric, struct tpt_err *e)
{
	l->n = 0;
	for (char *p = l->text; *p;) {
		char *end = p + strcspn(p, ",");
		char *next = *end ? end + 1 : end;
		*end = 0;
		while (*p == ' ')
			p++;
		for (char *q = end; q > p && q[-1] == ' ';)
			*--q = 0;
		if (*p) {
			if (l->n == CONF_MAX_ITEMS)
				return tpt_fail(e, "[filter] %s: more than %d entries", what, CONF_MAX_ITEMS);
			char *bad;
			if (numeric && (strtoul(p, &bad, 10), *bad))
				return tpt_fail(e, "[filter] %s: '%s' is not a numeric uid", what, p);
			l->item[l->n++] = (uint16_t)(p - l->text);
		}
		p = next;
	}
	return 0;
}

int conf_finish(struct tptd_conf *c, struct tpt_err *e)
{
	if (split(&c->allow_names, "allow_names", false, e) || split(&c->deny_names, "deny_names", false, e) ||
	    split(&c->allow_cgroups, "allow_cgroups", false, e) ||
	    split(&c->deny_cgroups, "deny_cgroups", false, e) ||
	    split(&c->allow_uids, "allow_uids", true, e) || split(&c->deny_uids, "deny_uids", true, e) ||
	    split(&c->arm_uids, "arm_uids", true, e))
		return -1;
	if (c->chunk % (2ULL << 20))
		return tpt_fail(e, "[thp] chunk: %llu is not a multiple of 2 MiB",
				(unsigned long long)c->chunk);
	if (!c->state[0])
		return tpt_fail(e, "[tptd] state: a state file is needed");
	if (!c->lock[0])
		return tpt_fail(e, "[tptd] lock: a lock file is needed (one watching tptd per machine)");
	return 0;
}

static bool in_list(const struct conf_list *l, const char *s)
{
	for (uint32_t i = 0; i < l->n; i++)
		if (!strcmp(l->text + l->item[i], s))
			return true;
	return false;
}

/* A cgroup is in a listed one when equal to it or below it. */
static bool under(const struct conf_list *l, const char *cg)
{
	for (uint32_t i = 0; i < l->n; i++) {
		const char *it = l->text + l->item[i];
		size_t n = strlen(it);
		while (n > 1 && it[n - 1] == '/')
			n--;
		if (!strncmp(cg, it, n) && (cg[n] == 0 || cg[n] == '/' || n == 1))
			return true;
	}
	return false;
}

bool conf_wants_cgroup(const struct tptd_conf *c)
{
	return c->allow_cgroups.n || c->deny_cgroups.n;
}

bool conf_may_arm(const struct tptd_conf *c, uid_t uid)
{
	char u[24];
	snprintf(u, sizeof(u), "%u", (unsigned)uid);
	return in_list(&c->arm_uids, u);
}

bool conf_allows(const struct tptd_conf *c, const char *comm, const char *cgroup, uid_t uid)
{
	char u[24];
	snprintf(u, sizeof(u), "%u", (unsigned)uid);
	if (in_list(&c->deny_names, comm) || in_list(&c->deny_uids, u))
		return false;
	if (cgroup && under(&c->deny_cgroups, cgroup))
		return false;
	if (c->allow_names.n && !in_list(&c->allow_names, comm))
		return false;
	if (c->allow_uids.n && !in_list(&c->allow_uids, u))
		return false;
	if (c->allow_cgroups.n && !(cgroup && under(&c->allow_cgroups, cgroup)))
		return false;
	return true;
}
