/* SPDX-License-Identifier: MIT */
/*
 * slurm.c - a study's runs as Slurm array jobs (study.h): a job per size
 * of memory asked, a task per run, each task `tpt study exec DIR HASH`.
 *
 * sbatch and squeue run by their argv, never through a shell; the one
 * shell program written, a job's script, quotes every path it names.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "study_internal.h"
#include "tpt/workload/workload.h"

/* One argument for a POSIX shell, in single quotes. */
static void put_quoted(FILE *f, const char *a)
{
	fputc('\'', f);
	for (; *a; a++)
		if (*a == '\'')
			fputs("'\\''", f);
		else
			fputc(*a, f);
	fputc('\'', f);
}

/* sbatch's --output: Slurm reads '%' as a pattern, so '%%' stands for one. */
static void output_opt(char *buf, size_t len, const char *abs)
{
	size_t n = (size_t)snprintf(buf, len, "--output=");
	for (const char *c = abs; *c && n + 3 < len; c++) {
		if (*c == '%')
			buf[n++] = '%';
		buf[n++] = *c;
	}
	snprintf(buf + n, len - n, "/logs/slurm-%%A_%%a.out");
}

/* The job of the runs asking mib MiB: its list of hashes and its script. */
static int write_job(const struct study *s, const char *abs, const char *self, const uint64_t *mem,
		     uint64_t mib, char *script, size_t slen, unsigned *k, struct tpt_err *e)
{
	char list[PATH_MAX], name[32];
	snprintf(name, sizeof(name), "mem-%lluM", (unsigned long long)mib);
	if (study_path(list, sizeof(list), abs, "slurm", name, "jobs") ||
	    study_path(script, slen, abs, "slurm", name, "sbatch"))
		return tpt_fail(e, "study: --dir is too long"), 2;
	struct study_out o;
	if (study_out_open(&o, list, e))
		return 1;
	*k = 0;
	for (unsigned i = 0; i < s->nrun; i++)
		if (mem[i] == mib) { /* 0 for a run already done */
			fprintf(o.f, "%s\n", s->run[i].hash);
			(*k)++;
		}
	if (study_out_close(&o, true, e) || study_out_open(&o, script, e))
		return 1;
	fprintf(o.f, "#!/bin/sh\n# tpt study %s: %u runs asking %llu MiB each (tpt study slurm)\n", s->f.name,
		*k, (unsigned long long)mib);
	fprintf(o.f, "#SBATCH --job-name=tpt-%s\n#SBATCH --array=0-%u\n#SBATCH --ntasks=1\n"
		     "#SBATCH --cpus-per-task=1\n#SBATCH --mem=%lluM\n",
		s->f.name, *k - 1, (unsigned long long)mib);
	fprintf(o.f, "run=$(sed -n \"$((SLURM_ARRAY_TASK_ID + 1))p\" ");
	put_quoted(o.f, list);
	fprintf(o.f, ")\nexec ");
	put_quoted(o.f, self);
	fprintf(o.f, " study exec ");
	put_quoted(o.f, abs);
	fprintf(o.f, " \"$run\"\n");
	return study_out_close(&o, true, e);
}

/* Submits a script; its job id appended to ids. */
static int submit_job(const char *script, const char *output, char *ids, size_t len, struct tpt_err *e)
{
	char out[512];
	char *argv[] = {"sbatch", "--parsable", (char *)output, (char *)script, NULL};
	int st = child_capture(argv, out, sizeof(out), false, 0);
	out[strcspn(out, "\n")] = 0;
	if (st || !(out[0] >= '0' && out[0] <= '9'))
		return tpt_fail(e, "study: sbatch %s failed (is Slurm running here?): %s", script,
				st == 127 ? "sbatch is not installed" : out), 2;
	out[strspn(out, "0123456789")] = 0;
	size_t n = strlen(ids);
	if (n + strlen(out) + 2 > len)
		return tpt_fail(e, "study: too many Slurm jobs"), 1;
	snprintf(ids + n, len - n, "%s%s", n ? "," : "", out);
	return 0;
}

/* Waits for the jobs to leave the queue. */
static int wait_jobs(const struct study *s, const char *ids, struct tpt_err *e)
{
	bool tty = isatty(2) == 1;
	for (;;) {
		char out[65536];
		char *argv[] = {"squeue", "-h", "-r", "-j", (char *)ids, "-o", "%i", NULL};
		if (child_capture(argv, out, sizeof(out), false, 0))
			return tpt_fail(e, "study: squeue failed"), 1;
		long left = 0;
		for (const char *c = out; *c; c++)
			left += *c == '\n';
		if (left <= 0)
			break;
		if (tty)
			fprintf(stderr, "\rstudy %s: Slurm jobs %s: %ld tasks queued or running\033[K", s->f.name,
				ids, left);
		sleep(2);
	}
	if (tty)
		fprintf(stderr, "\r\033[K");
	return 0;
}

int study_slurm(const struct study *s, const char *dir, bool submit, struct tpt_err *e)
{
	char self[PATH_MAX], abs[PATH_MAX], sd[PATH_MAX], output[2 * PATH_MAX];
	int rc;
	if ((rc = study_dir_check(dir, e)) || (rc = study_prepare(dir, e)) ||
	    (rc = study_self(self, sizeof(self), e)))
		return rc;
	if (!realpath(dir, abs))
		return tpt_fail(e, "study: cannot resolve %s", dir), 1;
	study_path(sd, sizeof(sd), abs, "slurm", NULL, NULL);
	if (study_dir_check(abs, e) || study_mkdirs(sd, e))
		return 1;
	output_opt(output, sizeof(output), abs);
	uint64_t sizes[64]; /* powers of two MiB in a uint64_t: fewer than 64 */
	unsigned nsizes = 0;
	uint64_t *mem = calloc(s->nrun + 1, sizeof(*mem));
	if (!mem)
		return tpt_nomem(e), 1;
	long todo = study_write_args(s, abs, NULL, e);
	for (unsigned i = 0; todo > 0 && i < s->nrun; i++) {
		if (study_done(abs, &s->run[i]))
			continue;
		mem[i] = study_run_mem_mib(s, &s->run[i]);
		unsigned j = 0;
		while (j < nsizes && sizes[j] != mem[i])
			j++;
		if (j == nsizes)
			sizes[nsizes++] = mem[i];
	}
	if (todo <= 0) {
		free(mem);
		if (todo < 0)
			return 1;
		printf("study %s: all %u runs done (%s/runs)\n", s->f.name, s->nrun, dir);
		return 0;
	}
	char ids[4096] = "";
	for (unsigned j = 0; j < nsizes && !rc; j++) {
		char script[PATH_MAX];
		unsigned k;
		rc = write_job(s, abs, self, mem, sizes[j], script, sizeof(script), &k, e);
		if (rc)
			break;
		if (submit) {
			rc = submit_job(script, output, ids, sizeof(ids), e);
			continue;
		}
		printf("sbatch ");
		put_quoted(stdout, output);
		putchar(' ');
		put_quoted(stdout, script);
		putchar('\n');
	}
	free(mem);
	if (rc)
		return rc;
	if (!submit) {
		printf("# study %s: %ld runs in %u array jobs; tpt study report %s merges them when they are "
		       "done\n", s->f.name, todo, nsizes, dir);
		return 0;
	}
	if ((rc = wait_jobs(s, ids, e)))
		return rc;
	unsigned failed = study_report_failed(s, dir);
	printf("study %s: %u runs, %ld done before, %ld run now through Slurm (jobs %s), %u failed (%s/runs)\n",
	       s->f.name, s->nrun, (long)s->nrun - todo, todo - failed, ids, failed, dir);
	study_say_largest(s, dir);
	e->msg[0] = 0;
	return failed ? 1 : 0;
}
