/*
 * outfile.c - files written so that nothing the user has is lost
 * (outfile.h). Called by the tpt command (results, timelines) and the
 * trace writers.
 *
 * The live temporaries are listed in a fixed table, and the one live
 * temporary directory by its descriptor and path, so that a signal handler
 * can remove them: the one piece of process-wide state here, since a
 * handler has nothing else to reach. The directory is emptied with
 * getdents64 and unlinkat, which a handler may call (readdir may not).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tpt/outfile.h"

enum { MAX_TMPS = 8 };
static char *live_tmps[MAX_TMPS];
static volatile sig_atomic_t handlers_set;
static volatile sig_atomic_t live_dir_fd = -1;
static char live_dir[PATH_MAX];

/* Removes the files of the directory open as fd, then the directory; reads
 * it again after a pass that removed something, since removing while
 * reading may skip an entry. */
static void empty_dir(int fd, const char *path)
{
	char buf[4096] __attribute__((aligned(8)));
	for (bool again = true; again;) {
		again = false;
		lseek(fd, 0, SEEK_SET);
		ssize_t n;
		while ((n = getdents64(fd, buf, sizeof(buf))) > 0)
			for (ssize_t at = 0; at < n;) {
				const struct dirent64 *d = (const void *)(buf + at);
				at += d->d_reclen;
				if (d->d_name[0] != '.' && unlinkat(fd, d->d_name, 0) == 0)
					again = true;
			}
	}
	rmdir(path);
}

static void on_signal(int sig)
{
	for (int i = 0; i < MAX_TMPS; i++)
		if (live_tmps[i])
			unlink(live_tmps[i]);
	if (live_dir_fd >= 0)
		empty_dir(live_dir_fd, live_dir);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void set_handlers(void)
{
	if (!handlers_set) {
		struct sigaction sa = {.sa_handler = on_signal};
		sigemptyset(&sa.sa_mask);
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGHUP, &sa, NULL);
		handlers_set = 1;
	}
}

static void track(char *tmp, bool add)
{
	set_handlers();
	for (int i = 0; i < MAX_TMPS; i++)
		if (add ? !live_tmps[i] : live_tmps[i] == tmp) {
			live_tmps[i] = add ? tmp : NULL;
			return;
		}
}

/* The directory part of path ("." if none), in buf. */
static const char *dir_of(const char *path, char *buf, size_t len)
{
	const char *slash = strrchr(path, '/');
	if (!slash) {
		snprintf(buf, len, ".");
		return buf;
	}
	size_t n = slash == path ? 1 : (size_t)(slash - path);
	if (n >= len)
		n = len - 1;
	memcpy(buf, path, n);
	buf[n] = 0;
	return buf;
}

int outfile_check(const char *path, struct tpt_err *e)
{
	struct stat st;
	if (!strcmp(path, "-"))
		return 0;
	if (!*path)
		return tpt_fail(e, "an empty output path");
	if (stat(path, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return tpt_fail(e, "cannot write %s: it is a directory", path);
		if (S_ISREG(st.st_mode)) {
			char dir[PATH_MAX], real[PATH_MAX];
			if (!realpath(path, real))
				return tpt_fail(e, "cannot write %s: %s", path, strerror(errno));
			if (access(dir_of(real, dir, sizeof(dir)), W_OK | X_OK))
				return tpt_fail(e, "cannot write %s: its directory %s is not writable",
						path, dir);
			return 0;
		}
		if (access(path, W_OK))
			return tpt_fail(e, "cannot write %s: %s", path, strerror(errno));
		return 0;
	}
	if (errno != ENOENT)
		return tpt_fail(e, "cannot write %s: %s", path, strerror(errno));
	char dir[PATH_MAX];
	dir_of(path, dir, sizeof(dir));
	if (stat(dir, &st) || !S_ISDIR(st.st_mode))
		return tpt_fail(e, "cannot write %s: no directory %s", path, dir);
	if (access(dir, W_OK | X_OK))
		return tpt_fail(e, "cannot write %s: its directory %s is not writable", path, dir);
	return 0;
}

bool outfile_same(const char *a, const char *b)
{
	struct stat sa, sb;
	return strcmp(a, "-") && strcmp(b, "-") && stat(a, &sa) == 0 && stat(b, &sb) == 0 &&
	       sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

int outfile_check_run(const char *const *outputs, size_t nout, const char *const *inputs,
		      size_t nin, struct tpt_err *e)
{
	for (size_t i = 0; i < nout; i++) {
		if (!outputs[i])
			continue;
		if (outfile_check(outputs[i], e))
			return -1;
		for (size_t k = 0; k < nin; k++)
			if (inputs[k] && strcmp(inputs[k], "-") &&
			    (!strcmp(outputs[i], inputs[k]) || outfile_same(outputs[i], inputs[k])))
				return tpt_fail(e, "output %s is this run's input %s: refused",
						outputs[i], inputs[k]);
		for (size_t k = 0; k < i; k++)
			if (outputs[k] && strcmp(outputs[i], "-") &&
			    (!strcmp(outputs[k], outputs[i]) || outfile_same(outputs[k], outputs[i])))
				return tpt_fail(e, "two outputs of this run are the same file %s",
						outputs[i]);
	}
	return 0;
}

int outfile_open(struct outfile *o, const char *path, struct tpt_err *e)
{
	*o = (struct outfile){0};
	if (!strcmp(path, "-")) {
		o->f = stdout;
		return 0;
	}
	struct stat st;
	bool exists = stat(path, &st) == 0;
	if (exists && !S_ISREG(st.st_mode)) {
		/* A device or FIFO: written in place, never replaced. */
		if (!(o->f = fopen(path, "w")))
			return tpt_fail(e, "cannot write %s: %s", path, strerror(errno));
		return 0;
	}
	char real[PATH_MAX], dir[PATH_MAX];
	if (exists && !realpath(path, real))
		return tpt_fail(e, "cannot write %s: %s", path, strerror(errno));
	const char *target = exists ? real : path;
	const char *slash = strrchr(target, '/');
	o->path = strdup(target);
	o->tmp = malloc(strlen(target) + 16);
	if (!o->path || !o->tmp) {
		free(o->path);
		free(o->tmp);
		*o = (struct outfile){0};
		return tpt_fail(e, "out of memory");
	}
	sprintf(o->tmp, "%s/.%s.XXXXXX", dir_of(target, dir, sizeof(dir)), slash ? slash + 1 : target);
	int fd = mkstemp(o->tmp); /* O_CREAT | O_EXCL: never an existing file or link */
	if (fd < 0) {
		tpt_fail(e, "cannot write %s: %s", path, strerror(errno));
		goto fail;
	}
	track(o->tmp, true);
	mode_t mode = 0666;
	if (exists) {
		mode = st.st_mode & 07777;
	} else {
		mode_t mask = umask(0);
		umask(mask);
		mode &= ~mask;
	}
	if (fchmod(fd, mode) || !(o->f = fdopen(fd, "w"))) {
		tpt_fail(e, "cannot write %s: %s", path, strerror(errno));
		close(fd);
		unlink(o->tmp);
		track(o->tmp, false);
		goto fail;
	}
	return 0;
fail:
	free(o->path);
	free(o->tmp);
	*o = (struct outfile){0};
	return -1;
}

int outfile_close(struct outfile *o, bool keep, struct tpt_err *e)
{
	int rc = 0;
	if (o->f == stdout) {
		if (keep && (fflush(stdout) || ferror(stdout)))
			rc = tpt_fail(e, "cannot write standard output: %s", strerror(errno));
		*o = (struct outfile){0};
		return rc;
	}
	const char *name = o->path ? o->path : "the output";
	if (keep && (fflush(o->f) || ferror(o->f) || (o->tmp && fsync(fileno(o->f)))))
		rc = tpt_fail(e, "cannot write %s: %s", name, strerror(errno ? errno : EIO));
	if (fclose(o->f) && keep && !rc)
		rc = tpt_fail(e, "cannot write %s: %s", name, strerror(errno));
	if (o->tmp) {
		if (keep && !rc && rename(o->tmp, o->path))
			rc = tpt_fail(e, "cannot put %s in place: %s", o->path, strerror(errno));
		if (!keep || rc)
			unlink(o->tmp);
		track(o->tmp, false);
	}
	free(o->path);
	free(o->tmp);
	*o = (struct outfile){0};
	return rc;
}

int outfile_stdout_ok(struct tpt_err *e)
{
	if (fflush(stdout) || ferror(stdout))
		return tpt_fail(e, "cannot write standard output: %s", strerror(errno ? errno : EIO));
	return 0;
}

int outfile_tmpdir(char *tmpl, struct tpt_err *e)
{
	if (live_dir_fd >= 0)
		return tpt_fail(e, "a temporary directory is in use already");
	if (strlen(tmpl) >= sizeof(live_dir) || !mkdtemp(tmpl))
		return tpt_fail(e, "cannot create a temporary directory %s: %s", tmpl, strerror(errno));
	int fd = open(tmpl, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		rmdir(tmpl);
		return tpt_fail(e, "cannot open the temporary directory %s: %s", tmpl, strerror(errno));
	}
	set_handlers();
	memcpy(live_dir, tmpl, strlen(tmpl) + 1);
	live_dir_fd = fd;
	return 0;
}

void outfile_tmpdir_remove(void)
{
	int fd = live_dir_fd;
	if (fd < 0)
		return;
	live_dir_fd = -1;
	empty_dir(fd, live_dir);
	close(fd);
}
