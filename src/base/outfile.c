/* SPDX-License-Identifier: MIT */
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

#include "tpt/base/outfile.h"

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

/* The path a name will have: the real path of what exists, else the real
 * path of its directory and the last component (so x.out and ./x.out are
 * one file before either exists). false when neither resolves. */
static bool canon(const char *path, char *buf, size_t len)
{
	char dir[PATH_MAX], real[PATH_MAX];
	if (realpath(path, real)) {
		snprintf(buf, len, "%s", real);
		return true;
	}
	const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
	if (!*base || !realpath(dir_of(path, dir, sizeof(dir)), real))
		return false;
	return snprintf(buf, len, "%s/%s", strcmp(real, "/") ? real : "", base) < (int)len;
}

/* A symlink the kernel's protected_symlinks would not follow for us: in a
 * sticky, world-writable directory, owned neither by us nor by the
 * directory's owner (someone else's link in /tmp). Checked along the chain
 * of links the name leads through. 0, or -1 with e set. */
static int link_check(const char *path, struct tpt_err *e)
{
	char cur[PATH_MAX], next[PATH_MAX], dir[PATH_MAX];
	snprintf(cur, sizeof(cur), "%s", path);
	for (int hop = 0; hop < 40; hop++) {
		struct stat ls, ds;
		if (lstat(cur, &ls) || !S_ISLNK(ls.st_mode))
			return 0;
		dir_of(cur, dir, sizeof(dir));
		if (stat(dir, &ds) == 0 && (ds.st_mode & S_ISVTX) && (ds.st_mode & S_IWOTH) &&
		    ls.st_uid != geteuid() && ls.st_uid != ds.st_uid)
			return tpt_fail(e, "cannot write %s: %s is a symlink of user %u in the sticky "
					   "directory %s, which the kernel would not follow (protected_symlinks)",
					path, cur, (unsigned)ls.st_uid, dir);
		ssize_t n = readlink(cur, next, sizeof(next) - 1);
		if (n < 0)
			return 0;
		next[n] = 0;
		if (next[0] == '/')
			snprintf(cur, sizeof(cur), "%s", next);
		else if (snprintf(cur, sizeof(cur), "%s/%s", dir, next) >= (int)sizeof(cur))
			return tpt_fail(e, "cannot write %s: its link's target is too long", path);
	}
	return tpt_fail(e, "cannot write %s: too many levels of symbolic links", path);
}

/* The temporary's name beside target: ".NAME.XXXXXX", the name cut short
 * where a long one would make it longer than a file name may be. */
static char *tmp_name(const char *target)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(target, '/'), *base = slash ? slash + 1 : target;
	size_t n = strlen(target) + 16;
	char *t = malloc(n);
	if (t)
		snprintf(t, n, "%s/.%.*s.XXXXXX", dir_of(target, dir, sizeof(dir)), NAME_MAX - 8, base);
	return t;
}

/* Creates and removes the temporary a write would make: what stat and
 * access cannot tell (a name too long, a read-only or pseudo file system,
 * a full directory) fails now, not after the run. */
static int try_tmp(const char *path, const char *target, struct tpt_err *e)
{
	char *t = tmp_name(target);
	if (!t)
		return tpt_nomem(e);
	int fd = mkstemp(t);
	int err = errno;
	if (fd >= 0) {
		close(fd);
		unlink(t);
	}
	free(t);
	if (fd < 0) {
		char dir[PATH_MAX];
		return tpt_fail(e, "cannot write %s: no file can be created in %s (%s)", path,
				dir_of(target, dir, sizeof(dir)), strerror(err));
	}
	return 0;
}

int outfile_check(const char *path, struct tpt_err *e)
{
	struct stat st;
	if (!strcmp(path, "-"))
		return 0;
	if (!*path)
		return tpt_fail(e, "an empty output path");
	if (link_check(path, e))
		return -1;
	if (stat(path, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return tpt_fail(e, "cannot write %s: it is a directory", path);
		if (S_ISREG(st.st_mode)) {
			char real[PATH_MAX];
			if (!realpath(path, real))
				return tpt_fail(e, "cannot write %s: %s", path, strerror(errno));
			return try_tmp(path, real, e);
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
	return try_tmp(path, path, e);
}

bool outfile_same(const char *a, const char *b)
{
	struct stat sa, sb;
	if (!strcmp(a, "-") || !strcmp(b, "-"))
		return false;
	if (stat(a, &sa) == 0 && stat(b, &sb) == 0)
		return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
	char ca[PATH_MAX], cb[PATH_MAX];
	return canon(a, ca, sizeof(ca)) && canon(b, cb, sizeof(cb)) && !strcmp(ca, cb);
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

/* The replacement keeps the replaced file's owner and group where we may
 * give them: root may; another user keeps the group if a member of it,
 * else the file becomes theirs, as an editor's save would make it. */
static void keep_owner(int fd, const struct stat *st)
{
	if (st->st_uid == geteuid() && st->st_gid == getegid())
		return;
	if (fchown(fd, st->st_uid, st->st_gid) == 0)
		return;
	if (fchown(fd, (uid_t)-1, st->st_gid) == 0)
		return;
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
	if (link_check(path, e))
		return -1;
	char real[PATH_MAX];
	if (exists && !realpath(path, real))
		return tpt_fail(e, "cannot write %s: %s", path, strerror(errno));
	const char *target = exists ? real : path;
	o->path = strdup(target);
	o->tmp = tmp_name(target);
	if (!o->path || !o->tmp) {
		free(o->path);
		free(o->tmp);
		*o = (struct outfile){0};
		return tpt_nomem(e);
	}
	int fd = mkstemp(o->tmp); /* O_CREAT | O_EXCL: never an existing file or link */
	if (fd < 0) {
		tpt_fail(e, "cannot write %s: %s", path, strerror(errno));
		goto fail;
	}
	track(o->tmp, true);
	mode_t mode = 0666;
	if (exists) {
		mode = st.st_mode & 07777;
		keep_owner(fd, &st);
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
