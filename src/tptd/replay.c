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

int replay_run(const struct tptd_conf *c, const char *path, FILE *out, struct tpt_err *e)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return tpt_fail(e, "cannot open timeline %s", path);
	static const char *const act[] = {"keep", "enable", "disable"};
	struct tptd d;
	memset(&d, 0, sizeof(d));
	d.conf = *c;
	score_params(c, ACT_TPT, &d.prm);
	struct watch *w = NULL;
	size_t nw = 0, capw = 0;
	int idx[C_N], rc = 0, lineno = 1;
	char line[4096], *fld[MAX_FIELDS];
	/* Comment lines ("# ...", tpt's provenance) come before the header. */
	do {
		if (!fgets(line, sizeof(line), f))
			line[0] = 0;
		else
			lineno += line[0] == '#';
	} while (line[0] == '#');
	if (!line[0]) {
		rc = tpt_fail(e, "%s: empty timeline", path);
		goto out;
	}
	int nf = split(line, fld);
	if (nf < 0) {
		rc = tpt_fail(e, "%s:%d: a quoted field does not end", path, lineno);
		goto out;
	}
	for (int k = 0; k < C_N; k++) {
		idx[k] = -1;
		for (int i = 0; i < nf; i++)
			if (!strcmp(fld[i], col_name[k]))
				idx[k] = i;
		if (idx[k] < 0) {
			rc = tpt_fail(e, "%s: no column '%s' (a timeline of `tpt sim --policy auto`?)",
				      path, col_name[k]);
			goto out;
		}
	}
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		if (!strchr(line, '\n') && !feof(f)) {
			rc = tpt_fail(e, "%s:%d: a line longer than %zu bytes", path, lineno,
				      sizeof(line) - 2);
			goto out;
		}
		nf = split(line, fld);
		if (nf < 0) {
			rc = tpt_fail(e, "%s:%d: a quoted field does not end", path, lineno);
			goto out;
		}
		uint64_t v[C_N] = {0};
		for (int k = 0; k < C_N; k++)
			if (idx[k] >= nf || (k != C_NAME && k != C_MODE && u64(fld[idx[k]], &v[k]))) {
				rc = tpt_fail(e, "%s:%d: bad or missing '%s' (not a whole number)", path,
					      lineno, col_name[k]);
				goto out;
			}
		if (!v[C_PID] || v[C_PID] > PID_LIMIT) {
			rc = tpt_fail(e, "%s:%d: pid %llu is outside 1..%d", path, lineno,
				      (unsigned long long)v[C_PID], PID_LIMIT);
			goto out;
		}
		struct policy_sample x = {
			.cycles = v[C_CYCLES], .instrs = v[C_INSTRS], .walks = v[C_WALKS],
			.walk_cycles = v[C_WALK_CYCLES], .rss_pages = v[C_RSS], .faults = v[C_FAULTS],
			.pt_updates = v[C_UPDATES], .exits = v[C_EXITS], .accesses = v[C_ACCESSES],
			.seq_accesses = v[C_SEQ], .tpt = !strcmp(fld[idx[C_MODE]], "tpt"),
		};
		struct watch *p = NULL;
		for (size_t i = 0; i < nw; i++)
			if (w[i].pid == (pid_t)v[C_PID])
				p = &w[i];
		if (!p) {
			if (tpt_grow(&w, &capw, nw + 1, sizeof(*w))) {
				rc = tpt_nomem(e);
				goto out;
			}
			p = &w[nw++];
			memset(p, 0, sizeof(*p));
			p->pid = (pid_t)v[C_PID];
		}
		/* Sample 1 is a new process (exec or fork): fresh policy state. */
		if (v[C_SAMPLE] == 1)
			policy_proc_init(&p->pol, &d.prm, x.tpt);
		enum policy_action a = tptd_decide(&d, p, &x);
		/* A name is the traced program's to choose: no terminal control
		 * sequence of it reaches the reader's terminal. */
		for (char *ch = fld[idx[C_NAME]]; *ch; ch++)
			if ((unsigned char)*ch < 0x20 || *ch == 0x7f)
				*ch = '?';
		fprintf(out, "%d,", (int)p->pid);
		tpt_csv_field(out, fld[idx[C_NAME]]);
		fprintf(out, ",%llu,%s\n", (unsigned long long)v[C_SAMPLE], act[a]);
	}
out:
	free(w);
	fclose(f);
	return rc;
}
