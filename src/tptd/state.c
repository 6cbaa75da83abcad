/* SPDX-License-Identifier: MIT */
/*
 * state.c - the state file's programs and the status report (see state.h).
 *
 * The daemon (daemon.c) serialises the watch table itself; this file reads
 * back what must survive a restart and prints what an admin asks for.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "state.h"

uint64_t state_boot_id(void)
{
	char id[64] = "";
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");
	if (f) {
		if (!fgets(id, sizeof(id), f))
			id[0] = 0;
		fclose(f);
	}
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */
	for (const char *p = id; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	return h;
}

struct program *state_program(struct state *s, const char *name, bool create)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->prog[i].name, name))
			return &s->prog[i];
	if (!create)
		return NULL;
	if (tpt_grow(&s->prog, &s->cap, s->n + 1, sizeof(*s->prog)))
		return NULL;
	struct program *p = &s->prog[s->n++];
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", name);
	return p;
}

void state_free(struct state *s)
{
	free(s->prog);
	memset(s, 0, sizeof(*s));
}

/* The state file as JSON, read bounded: a regular file of at most 16 MiB,
 * opened without blocking (a FIFO or device is refused, not waited on).
 * NULL with e set, or with *missing when there is none. */
static json_t *load(const char *path, bool *missing, json_error_t *je, struct tpt_err *e)
{
	*missing = false;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		*missing = errno == ENOENT;
		tpt_fail(e, "cannot read state file %s: %s", path, strerror(errno));
		return NULL;
	}
	struct stat st;
	json_t *root = NULL;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode))
		tpt_fail(e, "state file %s is not a regular file", path);
	else if (st.st_size > (16 << 20))
		tpt_fail(e, "state file %s is larger than 16 MiB", path);
	else if (!(root = json_loadfd(fd, 0, je)))
		tpt_fail(e, "state file %s:%d: %s (not overwritten; move it away to start afresh)", path,
			 je->line, je->text);
	close(fd);
	return root;
}

int state_make_parent(const char *path, mode_t mode, char *dir, size_t n)
{
	snprintf(dir, n, "%s", path);
	char *slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = 0;
	struct stat st;
	if (!stat(dir, &st))
		return 0;
	return errno != ENOENT || mkdir(dir, mode) ? -1 : 0;
}

int state_prepare_dir(const char *path, struct tpt_err *e)
{
	char dir[4096];
	if (state_make_parent(path, 0700, dir, sizeof(dir)))
		return tpt_fail(e, "cannot create the state directory %s: %s", dir, strerror(errno));
	return 0;
}

int state_load(struct state *s, const char *path, struct tpt_err *e)
{
	memset(s, 0, sizeof(*s));
	json_error_t je;
	bool missing;
	json_t *root = load(path, &missing, &je, e);
	if (!root && missing)
		return 0;
	if (!root)
		return -1;
	json_t *progs = json_object_get(root, "programs");
	if (!json_is_object(root) || json_integer_value(json_object_get(root, "version")) != 1 ||
	    (progs && !json_is_object(progs))) {
		json_decref(root);
		return tpt_fail(e, "state file %s is not a tptd state file (version 1); not overwritten",
				path);
	}
	const char *name;
	json_t *v;
	json_object_foreach(progs, name, v) {
		if (strlen(name) > 15)
			continue;
		struct program *p = state_program(s, name, true);
		if (!p) {
			json_decref(root);
			return tpt_fail_mem(e, "out of memory reading %s", path);
		}
		p->on = json_is_true(json_object_get(v, "on"));
		p->gain = json_number_value(json_object_get(v, "gain"));
		p->decided = json_integer_value(json_object_get(v, "decided"));
		p->decisions = (uint64_t)json_integer_value(json_object_get(v, "decisions"));
		p->runs = (uint64_t)json_integer_value(json_object_get(v, "runs"));
	}
	const char *armed = json_string_value(json_object_get(root, "armed"));
	snprintf(s->armed, sizeof(s->armed), "%s", armed ? armed : "");
	s->armed_at = (uint64_t)json_integer_value(json_object_get(root, "armed_at"));
	s->boot_id_hash = (uint64_t)json_integer_value(json_object_get(root, "boot"));
	json_decref(root);
	return 0;
}

/* A string of the state file for the terminal: control characters become
 * '?', so that a hand-edited file cannot forge a line of the report. */
static const char *printable(const char *s, char buf[128])
{
	snprintf(buf, 128, "%s", s ? s : "-");
	for (char *c = buf; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	return buf;
}
#define str(o, k) printable(json_string_value(json_object_get(o, k)), (char[128]){0})

int state_print_status(FILE *out, const char *path, struct tpt_err *e)
{
	json_error_t je;
	bool missing;
	json_t *root = load(path, &missing, &je, e);
	if (!root)
		return missing ? tpt_fail(e, "cannot read state file %s: no such file (is tptd running? "
					     "see --state)", path)
			       : -1;
	fprintf(out, "tptd  source %s  actuator %s  rounds %lld  armed %s\n", str(root, "source"),
		str(root, "actuator"), (long long)json_integer_value(json_object_get(root, "rounds")),
		json_string_length(json_object_get(root, "armed")) ? str(root, "armed") : "-");
	fprintf(out, "%7s %-15s %6s %7s %-9s %-4s %-34s %s\n", "PID", "NAME", "WALK%", "GAIN%",
		"SOURCE", "MODE", "LAST ACTION", "EFFECT");
	size_t i;
	json_t *p;
	json_array_foreach(json_object_get(root, "processes"), i, p) {
		double gain = 100 * json_number_value(json_object_get(p, "gain"));
		fprintf(out, "%7lld %-15s %6.1f %7.2f %-9s %-4s %-34s %s\n",
			(long long)json_integer_value(json_object_get(p, "pid")), str(p, "name"),
			100 * json_number_value(json_object_get(p, "walk_share")),
			fabs(gain) < 0.005 ? 0.0 : gain, str(p, "source"),
			str(p, "mode"), str(p, "action"), str(p, "effect"));
	}
	const char *name;
	json_t *v;
	json_t *progs = json_object_get(root, "programs");
	if (json_object_size(progs))
		fprintf(out, "programs (past decisions)\n");
	json_object_foreach(progs, name, v)
		fprintf(out, "  %-15s %-3s gain %.2f%%  decisions %lld  runs %lld\n",
			printable(name, (char[128]){0}),
			json_is_true(json_object_get(v, "on")) ? "on" : "off",
			100 * json_number_value(json_object_get(v, "gain")),
			(long long)json_integer_value(json_object_get(v, "decisions")),
			(long long)json_integer_value(json_object_get(v, "runs")));
	json_decref(root);
	return 0;
}
