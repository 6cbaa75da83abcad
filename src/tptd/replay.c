/* SPDX-License-Identifier: MIT */
/*
 * replay.c - simulator timelines through the daemon's policy (see replay.h).
 *
 * Columns are found by name in the header (after any "# " comment lines),
 * so added columns do not break it; a row with a missing or malformed field
 * is an error naming the line.
 */
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "replay.h"
#include "score.h"

enum col { C_PID, C_NAME, C_SAMPLE, C_INSTRS, C_CYCLES, C_RSS, C_FAULTS, C_UPDATES, C_EXITS,
	   C_MODE, C_WALKS, C_WALK_CYCLES, C_ACCESSES, C_SEQ, C_N };

static const char *const col_name[C_N] = {"pid", "name", "sample", "instructions", "cycles",
					   "rss_pages", "faults", "pt_updates", "exits", "mode",
					   "walks", "walk_cycles", "accesses", "seq_accesses"};

#define MAX_FIELDS 64

/* Splits a CSV line in place (RFC 4180: a field in double quotes may hold
 * commas, and "" for a quote). The number of fields, or -1 for a quote
 * that does not close. */
static int split(char *line, char *f[MAX_FIELDS])
{
	int n = 0;
	line[strcspn(line, "\r\n")] = 0;
	char *p = line;
	while (n < MAX_FIELDS) {
		char *out = p;
		f[n++] = out;
		if (*p == '"') {
			for (p++;; p++) {
				if (!*p)
					return -1;
				if (*p == '"' && p[1] != '"')
					break;
				if (*p == '"')
					p++;
				*out++ = *p;
			}
			p++;
			if (*p && *p != ',')
				return -1;
		} else {
			while (*p && *p != ',')
				*out++ = *p++;
		}
		bool more = *p == ',';
		*out = 0;
		if (!more)
			break;
		p++;
	}
	return n;
}

static int u64(const char *s, uint64_t *v)
{
	return tpt_parse_u64(s, v);
}

/* Largest pid Linux gives (PID_MAX_LIMIT). */
#define PID_LIMIT 4194304

/* A replay in progress: the timeline, its columns, the processes seen. */
struct replay {
	FILE *f, *out;
	const char *path;
	int lineno;
	int idx[C_N];        /* each column's field */
	struct tptd d;
	struct watch *w;
	size_t nw, capw;
	char line[4096];
	char *fld[MAX_FIELDS];
};

/* The header, after comment lines ("# ...", tpt's provenance): every
 * column the policy reads. */
static int replay_header(struct replay *r, struct tpt_err *e)
{
	r->lineno = 1;
	do {
		if (!fgets(r->line, sizeof(r->line), r->f))
			r->line[0] = 0;
		else
			r->lineno += r->line[0] == '#';
	} while (r->line[0] == '#');
	if (!r->line[0])
		return tpt_fail(e, "%s: empty timeline", r->path);
	int nf = split(r->line, r->fld);
	if (nf < 0)
		return tpt_fail(e, "%s:%d: a quoted field does not end", r->path, r->lineno);
	for (int k = 0; k < C_N; k++) {
		r->idx[k] = -1;
		for (int i = 0; i < nf; i++)
			if (!strcmp(r->fld[i], col_name[k]))
				r->idx[k] = i;
		if (r->idx[k] < 0)
			return tpt_fail(e, "%s: no column '%s' (a timeline of `tpt sim --policy auto`?)", r->path,
					col_name[k]);
	}
	return 0;
}

/* The process pid's state, new if it was not seen before (NULL: no memory). */
static struct watch *replay_watch(struct replay *r, pid_t pid)
{
	for (size_t i = 0; i < r->nw; i++)
		if (r->w[i].pid == pid)
			return &r->w[i];
	if (tpt_grow(&r->w, &r->capw, r->nw + 1, sizeof(*r->w)))
		return NULL;
	struct watch *p = &r->w[r->nw++];
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	return p;
}

/* One sample of the line read: the policy's decision on it, written out. */
static int replay_row(struct replay *r, struct tpt_err *e)
{
	static const char *const act[] = {"keep", "enable", "disable"};
	const int *idx = r->idx;
	int nf = split(r->line, r->fld);
	if (nf < 0)
		return tpt_fail(e, "%s:%d: a quoted field does not end", r->path, r->lineno);
	uint64_t v[C_N] = {0};
	for (int k = 0; k < C_N; k++)
		if (idx[k] >= nf || (k != C_NAME && k != C_MODE && u64(r->fld[idx[k]], &v[k])))
			return tpt_fail(e, "%s:%d: bad or missing '%s' (not a whole number)", r->path, r->lineno,
					col_name[k]);
	if (!v[C_PID] || v[C_PID] > PID_LIMIT)
		return tpt_fail(e, "%s:%d: pid %llu is outside 1..%d", r->path, r->lineno,
				(unsigned long long)v[C_PID], PID_LIMIT);
	struct policy_sample x = {
		.cycles = v[C_CYCLES], .instrs = v[C_INSTRS], .walks = v[C_WALKS],
		.walk_cycles = v[C_WALK_CYCLES], .rss_pages = v[C_RSS], .faults = v[C_FAULTS],
		.pt_updates = v[C_UPDATES], .exits = v[C_EXITS], .accesses = v[C_ACCESSES],
		.seq_accesses = v[C_SEQ], .tpt = !strcmp(r->fld[idx[C_MODE]], "tpt"),
	};
	struct watch *p = replay_watch(r, (pid_t)v[C_PID]);
	if (!p)
		return tpt_nomem(e);
	/* Sample 1 is a new process (exec or fork): fresh policy state. */
	if (v[C_SAMPLE] == 1)
		policy_proc_init(&p->pol, &r->d.prm, x.tpt);
	enum policy_action a = tptd_decide(&r->d, p, &x);
	/* A name is the traced program's to choose: no terminal control
	 * sequence of it reaches the reader's terminal. */
	for (char *ch = r->fld[idx[C_NAME]]; *ch; ch++)
		if ((unsigned char)*ch < 0x20 || *ch == 0x7f)
			*ch = '?';
	fprintf(r->out, "%d,", (int)p->pid);
	tpt_csv_field(r->out, r->fld[idx[C_NAME]]);
	fprintf(r->out, ",%llu,%s\n", (unsigned long long)v[C_SAMPLE], act[a]);
	return 0;
}

int replay_run(const struct tptd_conf *c, const char *path, FILE *out, struct tpt_err *e)
{
	struct replay *r = calloc(1, sizeof(*r));
	if (!r)
		return tpt_nomem(e);
	int rc = 0;
	if (!(r->f = fopen(path, "re"))) {
		rc = tpt_fail(e, "cannot open timeline %s", path);
		goto out;
	}
	r->out = out;
	r->path = path;
	r->d.conf = *c;
	score_params(c, ACT_TPT, &r->d.prm);
	if ((rc = replay_header(r, e)))
		goto out;
	while (fgets(r->line, sizeof(r->line), r->f)) {
		r->lineno++;
		if (!strchr(r->line, '\n') && !feof(r->f)) {
			rc = tpt_fail(e, "%s:%d: a line longer than %zu bytes", path, r->lineno, sizeof(r->line) - 2);
			goto out;
		}
		if ((rc = replay_row(r, e)))
			goto out;
	}
out:
	if (r->f)
		fclose(r->f);
	free(r->w);
	free(r);
	return rc;
}
