/*
 * study_cmd.c - `tpt study`: the study engine's verbs (include/tpt/study.h).
 *
 *   tpt study plan FILE                  the runs, one a line: hash, command
 *   tpt study run FILE [--jobs N] [--dir DIR]
 *                                        the runs without a result, through GNU
 *                                        parallel (results under DIR/runs, default
 *                                        results/NAME)
 *   tpt study slurm FILE [--dir DIR] [--submit]
 *                                        the same runs as Slurm array jobs;
 *                                        --submit submits them and waits
 *   tpt study report FILE [--dir DIR]    the results merged: DIR/results.csv and
 *                                        .json, plots, DIR/index.html
 *   tpt study exec DIR HASH              one run (what GNU parallel and Slurm start)
 */
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "tpt/study/study.h"

#define USAGE                                                                                      \
	"study: usage: tpt study plan FILE | tpt study run FILE [--jobs N] [--dir DIR] | "         \
	"tpt study slurm FILE [--dir DIR] [--submit] | tpt study report FILE [--dir DIR]"

/* The run's status, its error line said. */
static int said(int rc, const struct tpt_err *e)
{
	if (rc && e->msg[0])
		bad("%s", e->msg);
	return rc;
}

static void plan(const struct study *s)
{
	for (unsigned i = 0; i < s->nrun; i++) {
		struct study_argv a;
		study_argv(s, &s->run[i], &a);
		printf("%s tpt", s->run[i].hash);
		for (int k = 0; k < a.n; k++)
			printf(" %s", a.v[k]);
		printf("\n");
	}
	printf("# study %s: %u runs\n", s->f.name, s->nrun);
}

int cmd_study(int argc, char **argv)
{
	static const char *const verbs[] = {"plan", "run", "slurm", "report", "exec"};
	size_t verb = 0;
	while (argc >= 3 && verb < ARRAY_LEN(verbs) && strcmp(argv[1], verbs[verb]))
		verb++;
	if (argc < 3 || verb == ARRAY_LEN(verbs))
		return bad(USAGE);
	struct tpt_err e = {.msg = ""};
	if (verb == 4) {
		if (argc != 4)
			return bad("study: usage: tpt study exec DIR HASH");
		return said(study_exec(argv[2], argv[3], &e), &e);
	}
	bool run = verb == 1, slurm = verb == 2, submit = false;
	const char *dir = NULL;
	uint64_t jobs = default_jobs();
	for (int i = 3; i < argc; i++) {
		if (run && !strcmp(argv[i], "--jobs") && i + 1 < argc) {
			if (tpt_parse_u64(argv[++i], &jobs) || jobs < 1 || jobs > 256)
				return bad("study: --jobs: '%s' is not a whole number from 1 to 256", argv[i]);
		} else if (verb && !strcmp(argv[i], "--dir") && i + 1 < argc && !dir) {
			dir = argv[++i];
		} else if (slurm && !strcmp(argv[i], "--submit") && !submit) {
			submit = true;
		} else {
			return bad("study: unexpected argument '%s'", argv[i]);
		}
	}
	struct study s;
	if (study_load(&s, argv[2], &e))
		return said(2, &e);
	char d[PATH_MAX];
	study_default_dir(&s, d, sizeof(d));
	if (!dir)
		dir = d;
	int rc = 0;
	switch (verb) {
	case 0: plan(&s); break;
	case 1: rc = study_run_local(&s, dir, (unsigned)jobs, &e); break;
	case 2: rc = study_slurm(&s, dir, submit, &e); break;
	default: rc = study_report(&s, dir, &e); break;
	}
	study_free(&s);
	return said(rc, &e);
}
