/* SPDX-License-Identifier: MIT */
/*
 * main.c - tptd, the live daemon: options, the configuration (file plus
 * command-line overrides, both re-applied on SIGHUP), detaching, signals,
 * systemd readiness, and the loop around tptd_round.
 *
 * Exit status: 0 success, 1 a runtime failure (state file, permissions,
 * a source or actuator this machine lacks), 2 bad usage or configuration.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "counters.h"
#include "tpt/base/opttab.h"
#include "tpt/base/outfile.h"
#include "tpt/base/version.h"
#include "daemon.h"
#include "lock.h"
#include "probe.h"
#include "replay.h"

static void usage(FILE *out)
{
	fprintf(out, "usage: tptd [options]\n");
	for (size_t i = 0; i < tptd_cli_nopts; i++)
		opt_help_line(out, tptd_cli_opts[i].name, tptd_cli_opts[i].arg, tptd_cli_opts[i].help);
}

#define MAX_SETS 64

struct args {
	const char *config, *replay;
	bool once, foreground, status, probe, events, print_config;
	/* command-line settings, applied over the file on every (re)load */
	const char *set[MAX_SETS][3];
	int nset;
	char buf[MAX_SETS][256];
};

static int add_set(struct args *a, const char *sec, const char *key, const char *val)
{
	if (a->nset == MAX_SETS) {
		fprintf(stderr, "tptd: too many settings\n");
		return -1;
	}
	for (int i = 0; sec && i < a->nset; i++)
		if (!strcmp(a->set[i][0], sec) && !strcmp(a->set[i][1], key)) {
			fprintf(stderr, "tptd: [%s] %s is given twice on the command line\n", sec, key);
			return -1;
		}
	a->set[a->nset][0] = sec;
	a->set[a->nset][1] = key;
	a->set[a->nset][2] = val;
	a->nset++;
	return 0;
}

/* "sec.key=value" into the buffers. */
static int add_dotted(struct args *a, const char *s)
{
	if (a->nset == MAX_SETS)
		return add_set(a, NULL, NULL, NULL); /* says "too many settings" */
	char *b = a->buf[a->nset];
	if (strlen(s) >= 256) {
		fprintf(stderr, "tptd: --set '%.40s...' is longer than 255 bytes\n", s);
		return -1;
	}
	snprintf(b, 256, "%s", s);
	char *dot = strchr(b, '.'), *eq = strchr(b, '=');
	if (!dot || !eq || dot > eq) {
		fprintf(stderr, "tptd: --set wants SECTION.KEY=VALUE, not '%s'\n", s);
		return -1;
	}
	*dot = *eq = 0;
	return add_set(a, b, dot + 1, eq + 1);
}

/* A listing's end: standard output written whole, or 1 said on stderr. */
static int stdout_done(void)
{
	struct tpt_err e;
	if (outfile_stdout_ok(&e)) {
		fprintf(stderr, "tptd: %s\n", e.msg);
		return 1;
	}
	return 0;
}

static int parse_args(int argc, char **argv, struct args *a)
{
	struct option lo[32];
	for (size_t i = 0; i < tptd_cli_nopts; i++)
		lo[i] = (struct option){tptd_cli_opts[i].name,
					tptd_cli_opts[i].arg ? required_argument : no_argument, 0,
					(int)i + 16};
	lo[tptd_cli_nopts] = (struct option){0, 0, 0, 0};
	opterr = 0;
	optind = 1;
	int c;
	while ((c = getopt_long(argc, argv, ":h", lo, NULL)) != -1) {
		if (c == 'h')
			c = 16 + (int)tptd_cli_nopts; /* -h: --help */
		if (c == ':') {
			fprintf(stderr, "tptd: %s needs a value\n", argv[optind - 1]);
			return -1;
		}
		if (c == '?' || c < 16) {
			fprintf(stderr, "tptd: unknown option '%s' (see tptd --help)\n", argv[optind - 1]);
			return -1;
		}
		const struct tptd_cli_opt *o = c - 16 < (int)tptd_cli_nopts ? &tptd_cli_opts[c - 16] : NULL;
		switch (o ? o->id : TC_HELP) {
		case TC_KEY:
			if (add_set(a, o->sec, o->key, optarg))
				return -1;
			break;
		case TC_CONFIG: a->config = optarg; break;
		case TC_REPLAY: a->replay = optarg; break;
		case TC_SET:
			if (add_dotted(a, optarg))
				return -1;
			break;
		case TC_DRY:
			if (add_set(a, "tptd", "dry_run", "yes"))
				return -1;
			break;
		case TC_ONCE: a->once = true; break;
		case TC_FG: a->foreground = true; break;
		case TC_STATUS: a->status = true; break;
		case TC_PROBE: a->probe = true; break;
		case TC_EVENTS: a->events = true; break;
		case TC_PRINT: a->print_config = true; break;
		case TC_HELP:
			usage(stdout);
			exit(stdout_done());
		case TC_VERSION:
			printf("tptd %s (commit %s)\n", tpt_version(), tpt_commit());
			exit(stdout_done());
		}
	}
	if (optind < argc) {
		fprintf(stderr, "tptd: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	return 0;
}

static int load_conf(const struct args *a, struct tptd_conf *c, struct tpt_err *e)
{
	conf_defaults(c);
	if (a->config && conf_load(c, a->config, e))
		return -1;
	for (int i = 0; i < a->nset; i++)
		if (conf_set(c, a->set[i][0], a->set[i][1], a->set[i][2], e))
			return -1;
	return conf_finish(c, e);
}

static void print_events(void)
{
	struct ctr_set s;
	struct tpt_err err;
	for (int k = 0; k < 2; k++) {
		int rc = k == 0 ? ctr_set_pmu(&s, &err) : ctr_set_sw(&s, &err);
		printf("%s\n", k == 0 ? "hardware (libpfm4)" : "software (libpfm4 perf::)");
		if (rc) {
			printf("  none: %s\n", err.msg);
			continue;
		}
		for (int i = 0; i < s.n; i++)
			printf("  %-12s %-34s %s\n", ctr_role_name[s.ev[i].role], s.ev[i].name, s.ev[i].fstr);
		if (k == 0 && !ctr_has(&s, ROLE_WALK_CYCLES))
			printf("  (no walk-cycle event: walk cycles = walks x [pmu] walk_cost)\n");
	}
}

/* Progress for --once on a terminal: rounds take whole intervals. */
static void progress(int r, int n)
{
	if (isatty(2))
		fprintf(stderr, "\rtptd: round %d/%d%s", r, n, r == n ? "\n" : "");
}

static int run_once(struct tptd *d, struct tpt_err *e)
{
	int n = (int)d->conf.pol.confidence + 1; /* the first round only takes baselines */
	for (int r = 1; r <= n; r++) {
		progress(r, n);
		if (tptd_round(d))
			return tpt_fail(e, "round %d failed", r);
		if (r < n)
			usleep((useconds_t)(d->conf.interval * 1e6));
	}
	if (tptd_save(d, e))
		return -1;
	return state_print_status(stdout, d->conf.state, e);
}

static int run_daemon(struct tptd *d, const struct args *a, struct tpt_err *e)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	int sfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (sfd < 0)
		return tpt_fail(e, "signalfd: %s", strerror(errno));
	sd_notifyf(0, "READY=1\nSTATUS=source %s, actuator %s", tptd_source_name[d->src],
		   tptd_actuator_name[d->act]);
	for (;;) {
		double t0 = tptd_now();
		if (tptd_round(d) == 0) {
			struct tpt_err se;
			if (tptd_save(d, &se))
				tlog(&d->log, LOG_ERR, "%s", se.msg);
		}
		sd_notifyf(0, "STATUS=%zu processes watched, %llu rounds", d->n,
			   (unsigned long long)d->rounds);
		double wait = d->conf.interval - (tptd_now() - t0);
		struct pollfd p = {sfd, POLLIN, 0};
		int rc = poll(&p, 1, wait > 0 ? (int)(wait * 1000) : 0);
		if (rc <= 0)
			continue;
		struct signalfd_siginfo si;
		if (read(sfd, &si, sizeof(si)) != (ssize_t)sizeof(si))
			continue;
		if (si.ssi_signo == SIGHUP) {
			sd_notify(0, "RELOADING=1");
			struct tptd_conf c;
			struct tpt_err ce;
			if (load_conf(a, &c, &ce) || tptd_reconfigure(d, &c, &ce))
				tlog(&d->log, LOG_ERR, "reload refused, configuration kept: %s", ce.msg);
			sd_notify(0, "READY=1");
			continue;
		}
		tlog(&d->log, LOG_INFO, "signal %u: saving state and exiting", si.ssi_signo);
		sd_notify(0, "STOPPING=1");
		break;
	}
	close(sfd);
	return tptd_save(d, e);
}

int main(int argc, char **argv)
{
	static struct args a; /* large buffers: not on the stack */
	struct tpt_err e;
	struct tptd_conf c;
	if (argc < 2) {
		fprintf(stderr, "tptd: give --foreground, --once or another option (see tptd --help)\n");
		return 2;
	}
	if (parse_args(argc, argv, &a))
		return 2;
	if (a.print_config) {
		conf_write_sample(stdout);
		return stdout_done();
	}
	if (a.probe) {
		struct probe p;
		probe_run(&p);
		probe_print(stdout, &p);
		return stdout_done();
	}
	if (a.events) {
		print_events();
		return stdout_done();
	}
	if (load_conf(&a, &c, &e)) {
		fprintf(stderr, "tptd: %s\n", e.msg);
		return 2;
	}
	if (a.replay || a.status) {
		int rc = a.replay ? replay_run(&c, a.replay, stdout, &e)
				  : state_print_status(stdout, c.state, &e);
		if (rc)
			fprintf(stderr, "tptd: %s\n", e.msg);
		/* A bad timeline is bad input (2), as a bad trace is to tpt. */
		return rc ? (a.replay ? 2 : 1) : stdout_done();
	}
	/* One fd per counter per thread: take what the hard limit allows. */
	struct rlimit rl;
	if (!getrlimit(RLIMIT_NOFILE, &rl)) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	int lock = lock_take(c.lock, &e);
	if (lock < 0) {
		fprintf(stderr, "tptd: %s\n", e.msg);
		return 1;
	}
	static struct tptd d;
	if (tptd_init(&d, &c, &e)) {
		fprintf(stderr, "tptd: %s\n", e.msg);
		tptd_fini(&d);
		close(lock);
		return 1;
	}
	if (!a.once && !a.foreground) {
		if (daemon(0, 0)) {
			fprintf(stderr, "tptd: cannot detach: %s\n", strerror(errno));
			tptd_fini(&d);
			close(lock);
			return 1;
		}
		tlog_detach(&d.log);
		lock_note_pid(lock);
	}
	int rc = a.once ? run_once(&d, &e) : run_daemon(&d, &a, &e);
	if (rc) {
		if (a.once || a.foreground)
			fprintf(stderr, "tptd: %s\n", e.msg);
		else
			tlog(&d.log, LOG_ERR, "%s", e.msg);
	}
	tptd_fini(&d);
	close(lock);
	return rc ? 1 : 0;
}
