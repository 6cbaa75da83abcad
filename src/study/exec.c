/* SPDX-License-Identifier: MIT */
/*
 * exec.c - a study's runs on this machine (study.h): every run without a
 * result through GNU parallel, and `tpt study exec`, the one run each job
 * of GNU parallel or Slurm starts. Also what the engine's files share
 * about the study's directory and about starting programs.
 *
 * No command line goes through a shell: GNU parallel gets its command as
 * arguments (--quote) and a list of run hashes; a run's arguments are in
 * args/HASH, NUL-separated, written here and read back as untrusted.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "study_internal.h"

#define ARGS_MAX 65536 /* bytes of an args/HASH file */

int study_path(char *buf, size_t len, const char *dir, const char *sub, const char *hash,
	       const char *ext)
{
	int n = snprintf(buf, len, "%s%s%s%s%s%s%s", dir, sub ? "/" : "", sub ? sub : "", hash ? "/" : "",
			 hash ? hash : "", ext ? "." : "", ext ? ext : "");
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

bool study_done(const char *dir, const struct study_run *r)
{
	char p[PATH_MAX];
	return !study_path(p, sizeof(p), dir, "runs", r->hash, "json") && access(p, F_OK) == 0;
}

static int mkdirs(const char *path)
{
	char buf[PATH_MAX];
	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++)
		if (*p == '/') {
			*p = 0;
			if (mkdir(buf, 0777) && errno != EEXIST)
				return -1;
			*p = '/';
		}
	return mkdir(buf, 0777) && errno != EEXIST ? -1 : 0;
}

int study_mkdirs(const char *path, struct tpt_err *e)
{
	struct stat st;
	if (mkdirs(path) || stat(path, &st) || !S_ISDIR(st.st_mode))
		return tpt_fail(e, "study: cannot create the directory %s: %s", path,
				strerror(errno ? errno : ENOTDIR)), 1;
	if (access(path, W_OK | X_OK))
		return tpt_fail(e, "study: cannot write in %s: %s", path, strerror(errno)), 1;
	return 0;
}

int study_prepare(const char *dir, struct tpt_err *e)
{
	static const char *const subs[] = {NULL, "runs", "logs", "args"};
	for (size_t i = 0; i < ARRAY_LEN(subs); i++) {
		char p[PATH_MAX];
		study_path(p, sizeof(p), dir, subs[i], NULL, NULL);
		if (study_mkdirs(p, e))
			return 1;
	}
	return 0;
}

int study_self(char *buf, size_t len, struct tpt_err *e)
{
	ssize_t n = readlink("/proc/self/exe", buf, len - 1);
	if (n <= 0 || (size_t)n >= len - 1)
		return tpt_fail(e, "study: cannot find the tpt binary (/proc/self/exe)"), 1;
	buf[n] = 0;
	return 0;
}

int study_out_open(struct study_out *o, const char *path, struct tpt_err *e)
{
	if (outfile_open(&o->of, path, e))
		return 1;
	o->f = o->of.f;
	return 0;
}

int study_out_close(struct study_out *o, bool keep, struct tpt_err *e)
{
	return outfile_close(&o->of, keep, e) ? 1 : 0;
}

long study_write_args(const struct study *s, const char *dir, FILE *list, struct tpt_err *e)
{
	long todo = 0;
	for (unsigned i = 0; i < s->nrun; i++) {
		const struct study_run *r = &s->run[i];
		if (study_done(dir, r))
			continue;
		char p[PATH_MAX];
		struct study_argv a;
		struct study_out o;
		study_argv(s, r, &a);
		if (study_path(p, sizeof(p), dir, "args", r->hash, NULL) || study_out_open(&o, p, e))
			return tpt_fail(e, "study: cannot write %s", p);
		for (int k = 0; k < a.n; k++)
			fwrite(a.v[k], 1, strlen(a.v[k]) + 1, o.f);
		if (study_out_close(&o, true, e))
			return -1;
		if (list)
			fprintf(list, "%s\n", r->hash);
		todo++;
	}
	return todo;
}

unsigned study_report_failed(const struct study *s, const char *dir)
{
	unsigned failed = 0;
	for (unsigned i = 0; i < s->nrun; i++) {
		const struct study_run *r = &s->run[i];
		if (study_done(dir, r))
			continue;
		failed++;
		struct study_argv a;
		study_argv(s, r, &a);
		fprintf(stderr, "tpt: study %s: run %s failed (log %s/logs/%s.log): tpt", s->f.name, r->hash,
			dir, r->hash);
		for (int k = 0; k < a.n; k++)
			fprintf(stderr, " %s", a.v[k]);
		fprintf(stderr, "\n");
	}
	return failed;
}

void study_say_largest(const struct study *s, const char *dir)
{
	uint64_t best = 0;
	const char *which = NULL;
	for (unsigned i = 0; i < s->nrun; i++) {
		char p[PATH_MAX], line[512];
		FILE *f = study_path(p, sizeof(p), dir, "logs", s->run[i].hash, "log") ? NULL : fopen(p, "re");
		if (!f)
			continue;
		unsigned long long kib;
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, STUDY_PEAK_LINE " %llu KiB", &kib) == 1 && kib > best) {
				best = kib;
				which = s->run[i].hash;
			}
		fclose(f);
	}
	if (which)
		printf("study %s: the largest run peaked at %.2f GiB (%s)\n", s->f.name, (double)best / (1 << 20),
		       which);
}

/* Finished and failed runs in GNU parallel's joblog (a header, then Seq
 * Host Starttime JobRuntime Send Receive Exitval Signal Command), their
 * summed run time and when the last of them ended (seconds since 1970). */
static void joblog(const char *path, unsigned *finished, unsigned *failed, double *busy, double *last)
{
	*finished = *failed = 0;
	*busy = *last = 0;
	FILE *f = fopen(path, "re");
	if (!f)
		return;
	char line[8192];
	bool header = true;
	while (fgets(line, sizeof(line), f)) {
		if (header) {
			header = false;
			continue;
		}
		double start, runtime;
		int exitval, sig;
		if (sscanf(line, "%*s %*s %lf %lf %*s %*s %d %d", &start, &runtime, &exitval, &sig) == 4) {
			(*finished)++;
			*failed += exitval != 0 || sig != 0;
			*busy += runtime;
			if (start + runtime > *last)
				*last = start + runtime;
		}
	}
	fclose(f);
}

/* Waits for GNU parallel, showing progress on a terminal. */
static int watch(const struct study *s, pid_t pid, const char *log, long todo, unsigned jobs)
{
	if (isatty(2) != 1)
		return child_wait(pid);
	int st;
	for (;;) {
		pid_t w = waitpid(pid, &st, WNOHANG);
		if (w == pid)
			break;
		if (w < 0 && errno != EINTR)
			return -1;
		unsigned fin, failed;
		double busy, last;
		joblog(log, &fin, &failed, &busy, &last);
		unsigned running = todo - fin < jobs ? (unsigned)(todo - fin) : jobs;
		char eta[32] = "?";
		if (fin) {
			/* The finished runs' mean time for each run left, less what the
			 * running ones have done since the last run ended, on the cores:
			 * it counts down between runs, not only when one ends. */
			struct timespec now;
			clock_gettime(CLOCK_REALTIME, &now);
			double since = (double)now.tv_sec - last, mean = busy / fin;
			double work = mean * (double)(todo - fin) - (since > 0 ? since : 0) * running;
			snprintf(eta, sizeof(eta), "%.0f s", (work > 0 ? work : 0) / jobs);
		}
		fprintf(stderr, "\rstudy %s: %u of %ld done, %u running, %u failed, about %s left\033[K",
			s->f.name, fin - failed, todo, running, failed, eta);
		sleep(1);
	}
	fprintf(stderr, "\r\033[K");
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int study_run_local(const struct study *s, const char *dir, unsigned jobs, struct tpt_err *e)
{
	char self[PATH_MAX], list[PATH_MAX], log[PATH_MAX];
	int rc;
	if ((rc = study_dir_check(dir, e)) || (rc = study_prepare(dir, e)) ||
	    (rc = study_self(self, sizeof(self), e)))
		return rc;
	study_path(list, sizeof(list), dir, NULL, "jobs", "txt");
	study_path(log, sizeof(log), dir, NULL, "joblog", "txt");
	struct study_out o;
	if (study_out_open(&o, list, e))
		return 1;
	long todo = study_write_args(s, dir, o.f, e);
	if (study_out_close(&o, todo >= 0, todo >= 0 ? e : NULL) || todo < 0)
		return 1;
	if (!todo) {
		printf("study %s: all %u runs done (%s/runs)\n", s->f.name, s->nrun, dir);
		return 0;
	}
	unlink(log);
	char jn[16];
	snprintf(jn, sizeof(jn), "%u", jobs);
	char *argv[] = {"parallel", "--will-cite", "--quote", "--jobs", jn, "--joblog", log, "--halt",
			"never", "-a", list, self, "study", "exec", (char *)dir, "{}", NULL};
	int st = watch(s, child_spawn(argv, -1, -1, false), log, todo, jobs);
	if (st == 127)
		return tpt_fail(e, "study: GNU parallel is not installed (Debian: apt install parallel; "
				   "from the source tree: make deps)"), 1;
	if (st < 0)
		return tpt_fail(e, "study: lost GNU parallel"), 1;
	unsigned failed = study_report_failed(s, dir);
	printf("study %s: %u runs, %ld done before, %ld run now, %u failed (%s/runs)\n", s->f.name, s->nrun,
	       (long)s->nrun - todo, todo - failed, failed, dir);
	study_say_largest(s, dir);
	e->msg[0] = 0;
	return failed ? 1 : 0;
}

/* args/HASH read back: NUL-separated words, a command of a study. */
static int read_args(const char *path, char *buf, char **v, int *n, struct tpt_err *e)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	if (fd < 0)
		return tpt_fail(e, "study exec: cannot read %s: %s", path, strerror(errno));
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size > ARGS_MAX) {
		close(fd);
		return tpt_fail(e, "study exec: %s is not a regular file of at most %d bytes", path, ARGS_MAX);
	}
	ssize_t got = read(fd, buf, (size_t)st.st_size);
	close(fd);
	if (got != st.st_size || !got || buf[got - 1])
		return tpt_fail(e, "study exec: %s is not a run's arguments", path);
	*n = 0;
	for (ssize_t at = 0; at < got; at += (ssize_t)strlen(buf + at) + 1) {
		if (*n == STUDY_MAX_ARGS)
			return tpt_fail(e, "study exec: %s holds more than %d arguments", path, STUDY_MAX_ARGS);
		v[(*n)++] = buf + at;
	}
	if (strcmp(v[0], "compare") && strcmp(v[0], "policy"))
		return tpt_fail(e, "study exec: %s is not a compare or policy run", path);
	return 0;
}

static volatile sig_atomic_t run_pgid;

static void forward(int sig)
{
	if (run_pgid > 0)
		kill(-run_pgid, sig);
	signal(sig, SIG_DFL);
	raise(sig);
}

int study_exec(const char *dir, const char *hash, struct tpt_err *e)
{
	int rc;
	if ((rc = study_dir_check(dir, e)))
		return rc;
	if (strlen(hash) != 16 || strspn(hash, "0123456789abcdef") != 16)
		return tpt_fail(e, "study exec: '%s' is not a run's name", hash), 2;
	char args[PATH_MAX], json[PATH_MAX], tl[PATH_MAX], logp[PATH_MAX], self[PATH_MAX];
	study_path(args, sizeof(args), dir, "args", hash, NULL);
	study_path(json, sizeof(json), dir, "runs", hash, "json");
	study_path(tl, sizeof(tl), dir, "runs", hash, "csv");
	study_path(logp, sizeof(logp), dir, "logs", hash, "log");
	char *buf = malloc(ARGS_MAX + 1);
	char *v[STUDY_MAX_ARGS + 12];
	int n = 0;
	if (!buf)
		return tpt_nomem(e), 1;
	if (read_args(args, buf, v + 4, &n, e) || study_self(self, sizeof(self), e)) {
		free(buf);
		return 2;
	}
	/* GNU time first where it is: the run's peak memory ends its log. */
	int at = 0;
	if (access(STUDY_TIME_BIN, X_OK) == 0) {
		v[at++] = STUDY_TIME_BIN;
		v[at++] = "-f";
		v[at++] = STUDY_PEAK_LINE " %M KiB, %e s";
	}
	v[at++] = self;
	memmove(v + at, v + 4, (size_t)n * sizeof(*v));
	at += n;
	if (!strcmp(v[at - n], "policy")) {
		v[at++] = "--timeline";
		v[at++] = tl;
	}
	v[at++] = "--json";
	v[at++] = json;
	v[at] = NULL;
	int log = open(logp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0666);
	struct stat st;
	if (log < 0 || fstat(log, &st) || !S_ISREG(st.st_mode)) {
		if (log >= 0)
			close(log);
		free(buf);
		return tpt_fail(e, "study exec: cannot write the log %s", logp), 1;
	}
	/* A signal to this process (GNU parallel's, Slurm's) reaches the run
	 * and GNU time alike: they are a process group of their own. */
	struct sigaction sa = {.sa_handler = forward};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	pid_t pid = child_spawn(v, log, log, true);
	if (pid > 0)
		run_pgid = pid;
	close(log);
	free(buf);
	rc = child_wait(pid);
	if (rc < 0)
		return tpt_fail(e, "study exec: cannot start or wait for the run"), 1;
	e->msg[0] = 0;
	return rc;
}
