/* SPDX-License-Identifier: MIT */
/*
 * plan.c - the study file and its matrix of runs (study.h).
 *
 * Called by every `tpt study` verb before it does anything else, and by
 * the fuzz harness. Everything a run will read is read here once: a value
 * that would fail at run time (an unknown scheme, 3K pages, a directory as
 * config, a FIFO as trace) fails the plan instead, and nothing is read
 * without a bound (every file a regular file, read up to its size).
 * Invariant: after study_load, no two runs have the same hash and every
 * run's indices are within the study's lists.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tpt/base/config.h"
#include "tpt/scheme/scheme.h"
#include "tpt/study/study.h"
#include "tpt/base/version.h"
#include "tpt/workload/workload.h"

#define S(field) offsetof(struct study_file, field)
static const struct opt rows[] = {
	{"study", "command", OPT_ENUM, S(command), 0, 0, "compare", "the tpt command each run is",
	 "compare|policy"},
	{"study", "name", OPT_STR, S(name), 0, 64, "",
	 "the study's name: letters, digits, '-', '_' and '.' (default: the file's name without .ini)", NULL},
	{"study", "workload", OPT_LIST, S(workload), 640, STUDY_MAX_VALUES, "",
	 "a workload spec, a value of the matrix (repeat the key)", NULL},
	{"study", "scenario", OPT_LIST, S(scenario), 512, STUDY_MAX_VALUES, "",
	 "a scenario file or shipped name (policy studies), a value of the matrix", NULL},
	{"study", "config", OPT_LIST, S(config), 512, STUDY_MAX_VALUES, "",
	 "a --config file, a value of the matrix", NULL},
	{"study", "pages", OPT_STR, S(pages), 0, 256, "4K/4K",
	 "guest/host page pairs, space-separated (4K, 2M or 1G each)", NULL},
	{"study", "schemes", OPT_STR, S(schemes), 0, 256, "", "compare's --schemes (default: all); a policy study's baselines (policy --schemes)", NULL},
	{"study", "seeds", OPT_STR, S(seeds), 0, 256, "1", "seeds, space-separated", NULL},
	{"study", "sample", OPT_BOOL, S(sample), 0, 1, "no",
	 "every run sampled (--sample: [sample] of each run's config), for whole programs", NULL},
};
#undef S

static const struct opttab table = {
	rows, ARRAY_LEN(rows), NULL, 0,
	"; A tpt study: a matrix of runs (tpt study plan|run|slurm|report FILE).\n"
	"; Relative paths are read beside this file.\n",
	"study file", true,
};

const struct opttab *study_table(void)
{
	return &table;
}

/* FNV-1a, 64 bits. */
static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	return h;
}

/* The bytes of the file at path into the hash; it must be a regular file
 * (never a FIFO or device waited on or read without end). */
static int fnv_file(uint64_t *h, const char *path, struct tpt_err *e)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return tpt_fail(e, "cannot read %s: %s", path, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return tpt_fail(e, "%s is not a regular file", path);
	}
	char buf[65536];
	off_t left = st.st_size;
	while (left > 0) {
		ssize_t n = read(fd, buf, left < (off_t)sizeof(buf) ? (size_t)left : sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* shorter than it was: what was read is hashed */
		*h = fnv(*h, buf, (size_t)n);
		left -= n;
	}
	close(fd);
	return 0;
}

void study_free(struct study *s)
{
	for (unsigned i = 0; i < s->ninput; i++)
		free(s->input[i]);
	for (unsigned i = 0; i < s->nconfig; i++)
		free(s->config[i]);
	free(s->input);
	free(s->config);
	free(s->run);
	opttab_free(&table, &s->f);
	memset(s, 0, sizeof(*s));
}

bool study_run_scenario(const struct study *s, const struct study_run *r)
{
	return r->input >= s->nworkload;
}

void study_default_dir(const struct study *s, char *buf, size_t len)
{
	snprintf(buf, len, "results/%s", s->f.name);
}

int study_dir_check(const char *dir, struct tpt_err *e)
{
	if (!*dir)
		return tpt_fail(e, "study: --dir is empty"), 2;
	for (const char *c = dir; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			return tpt_fail(e, "study: --dir holds a control character"), 2;
	/* Room for DIR/slurm/mem-NNNNNNM.sbatch and the like. */
	if (strlen(dir) > PATH_MAX - 64)
		return tpt_fail(e, "study: --dir is longer than %d bytes", PATH_MAX - 64), 2;
	return 0;
}

/* A plain name: letters, digits, '-', '_', '.', not starting with '.'. */
static bool plain_name(const char *n)
{
	if (!*n || *n == '.')
		return false;
	for (; *n; n++)
		if (!(*n == '-' || *n == '_' || *n == '.' || (*n >= '0' && *n <= '9') ||
		      (*n >= 'a' && *n <= 'z') || (*n >= 'A' && *n <= 'Z')))
			return false;
	return true;
}

/* A path as the study file gives it, resolved beside the study file. */
static char *beside(const struct study *s, const char *p)
{
	char buf[2 * PATH_MAX];
	if (p[0] == '/' || snprintf(buf, sizeof(buf), "%s/%s", s->dir, p) >= PATH_MAX)
		return strdup(p);
	return strdup(buf);
}

/* A workload spec with its path= value (a trace) resolved beside the
 * study file. */
static char *resolve_spec(const struct study *s, const char *spec)
{
	const char *colon = strchr(spec, ':'), *p = colon;
	while (p && strncmp(p + 1, "path=", 5))
		p = strchr(p + 1, ',');
	if (!p || p[6] == '/' || p[6] == ',' || !p[6])
		return strdup(spec);
	size_t head = (size_t)(p + 6 - spec), vlen = strcspn(p + 6, ",");
	size_t len = strlen(spec) + strlen(s->dir) + 2;
	char *out = malloc(len);
	if (out)
		snprintf(out, len, "%.*s%s/%.*s%s", (int)head, spec, s->dir, (int)vlen, p + 6,
			 p + 6 + vlen);
	return out;
}

/* Splits a space-separated value into words (in place in buf); their count,
 * or -1 when more than max. */
static int words(char *buf, char **out, int max)
{
	int n = 0;
	for (char *save = NULL, *w = strtok_r(buf, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		if (n == max)
			return -1;
		out[n++] = w;
	}
	return n;
}

static int page_text(const char *w, char out[4])
{
	uint64_t v;
	if (tpt_parse_size(w, &v) || (v != 4 * KiB && v != 2 * MiB && v != GiB))
		return -1;
	snprintf(out, 4, "%s", v == 4 * KiB ? "4K" : v == 2 * MiB ? "2M" : "1G");
	return 0;
}

static int parse_pages(struct study *s, struct tpt_err *e)
{
	char buf[256], *w[STUDY_MAX_VALUES];
	snprintf(buf, sizeof(buf), "%s", s->f.pages);
	int n = words(buf, w, STUDY_MAX_VALUES);
	if (n <= 0)
		return tpt_fail(e, "study: %s: pages names no pair, or more than %d", s->path,
				STUDY_MAX_VALUES);
	for (int i = 0; i < n; i++) {
		char *slash = strchr(w[i], '/');
		struct study_pages *p = &s->pages[s->npages];
		if (!slash || (*slash = 0, page_text(w[i], p->guest)) || page_text(slash + 1, p->host)) {
			if (slash)
				*slash = '/';
			return tpt_fail(e, "study: pages '%s' is not GUEST/HOST of 4K, 2M or 1G, as 4K/2M",
					w[i]);
		}
		for (unsigned k = 0; k < s->npages; k++)
			if (!strcmp(s->pages[k].guest, p->guest) && !strcmp(s->pages[k].host, p->host))
				return tpt_fail(e, "study: pages %s/%s is given twice", p->guest, p->host);
		s->npages++;
	}
	return 0;
}

static int parse_seeds(struct study *s, struct tpt_err *e)
{
	char buf[256], *w[STUDY_MAX_VALUES];
	snprintf(buf, sizeof(buf), "%s", s->f.seeds);
	int n = words(buf, w, STUDY_MAX_VALUES);
	if (n <= 0)
		return tpt_fail(e, "study: %s: seeds names no seed, or more than %d", s->path,
				STUDY_MAX_VALUES);
	for (int i = 0; i < n; i++) {
		uint64_t v;
		if (tpt_parse_u64(w[i], &v))
			return tpt_fail(e, "study: seed '%s' is not a whole number", w[i]);
		for (unsigned k = 0; k < s->nseed; k++)
			if (s->seed[k] == v)
				return tpt_fail(e, "study: seed %llu is given twice", (unsigned long long)v);
		s->seed[s->nseed++] = v;
	}
	return 0;
}

static int check_schemes(const struct study *s, struct tpt_err *e)
{
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", s->f.schemes);
	unsigned n = 0;
	for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save), n++) {
		const struct scheme *sc = scheme_find(t);
		if (!sc)
			return tpt_fail(e, "study: unknown scheme '%s' (see tpt schemes)", t);
		if (s->kind == STUDY_POLICY && sc->enable)
			return tpt_fail(e, "study: a policy study's schemes are its baselines, schemes "
					   "without TPT, not %s", t);
	}
	if (s->f.schemes[0] && !n)
		return tpt_fail(e, "study: schemes lists no scheme");
	return 0;
}

/* The values of the matrix, each checked: the runs will not fail on them. */
static int values(struct study *s, struct tpt_err *e)
{
	const struct study_file *f = &s->f;
	struct tpt_err sub;
	if (!(s->input = calloc(f->workload.n + f->scenario.n + 1, sizeof(*s->input))) ||
	    !(s->config = calloc(f->config.n + 1, sizeof(*s->config))))
		return tpt_nomem(e);
	for (uint32_t i = 0; i < f->workload.n; i++) {
		char *spec = resolve_spec(s, f->workload.v[i]);
		if (!spec)
			return tpt_nomem(e);
		s->input[s->ninput++] = spec;
		s->nworkload++;
		if (workload_check(spec, &sub))
			return tpt_fail(e, "study: %s", sub.msg);
	}
	for (uint32_t i = 0; i < f->scenario.n; i++) {
		char *p = beside(s, f->scenario.v[i]);
		if (p && access(p, F_OK)) { /* not beside the study: a shipped scenario's name */
			free(p);
			p = strdup(f->scenario.v[i]);
		}
		if (!p)
			return tpt_nomem(e);
		s->input[s->ninput++] = p;
		if (workload_check_scenario(p, &sub))
			return tpt_fail(e, "study: %s", sub.msg);
	}
	for (uint32_t i = 0; i < f->config.n; i++) {
		struct tpt_config cfg;
		if (!(s->config[s->nconfig++] = beside(s, f->config.v[i])))
			return tpt_nomem(e);
		config_defaults(&cfg);
		if (config_load(&cfg, s->config[i], &sub) || config_validate(&cfg, &sub))
			return tpt_fail(e, "study: config: %s", sub.msg);
	}
	return check_schemes(s, e) || parse_pages(s, e) || parse_seeds(s, e) ? -1 : 0;
}

void study_argv(const struct study *s, const struct study_run *r, struct study_argv *a)
{
	const char **v = a->v;
	bool scen = study_run_scenario(s, r);
	int n = 0;
	snprintf(a->seed, sizeof(a->seed), "%llu", (unsigned long long)s->seed[r->seed]);
	v[n++] = s->kind == STUDY_COMPARE ? "compare" : "policy";
	v[n++] = scen ? "--scenario" : "--workload";
	v[n++] = s->input[r->input];
	v[n++] = "--guest-page";
	v[n++] = s->pages[r->pages].guest;
	v[n++] = "--host-page";
	v[n++] = s->pages[r->pages].host;
	v[n++] = "--seed";
	v[n++] = a->seed;
	if (s->f.schemes[0]) {
		v[n++] = "--schemes";
		v[n++] = s->f.schemes;
	}
	if (r->config != STUDY_NO_CONFIG) {
		v[n++] = "--config";
		v[n++] = s->config[r->config];
	}
	if (s->f.sample)
		v[n++] = "--sample";
	v[n++] = "--jobs";
	v[n++] = "1";
	a->n = n;
}

struct hashing {
	uint64_t h;
	int failed;
	struct tpt_err e;
};

static void hash_file(void *ctx, const char *path)
{
	struct hashing *x = ctx;
	if (!x->failed && fnv_file(&x->h, path, &x->e))
		x->failed = 1;
}

/* The run's name: tpt's release, the command with paths as the study file
 * writes them (where the study is makes no difference), the contents of
 * its config, then of every file its workload or scenario reads. */
static int run_hash(const struct study *s, struct study_run *r, struct tpt_err *e)
{
	struct study_argv a;
	study_argv(s, r, &a);
	bool scen = study_run_scenario(s, r);
	const struct study_file *f = &s->f;
	a.v[2] = scen ? f->scenario.v[r->input - s->nworkload] : f->workload.v[r->input];
	if (r->config != STUDY_NO_CONFIG)
		a.v[a.n - 3] = f->config.v[r->config];
	struct hashing x = {.h = fnv(0xcbf29ce484222325ULL, tpt_version(), strlen(tpt_version()) + 1)};
	for (int i = 0; i < a.n; i++)
		x.h = fnv(x.h, a.v[i], strlen(a.v[i]) + 1);
	if (r->config != STUDY_NO_CONFIG)
		hash_file(&x, s->config[r->config]);
	struct tpt_err sub;
	if (!x.failed && (scen ? workload_scenario_files(s->input[r->input], hash_file, &x, &sub)
				 : workload_files(s->input[r->input], hash_file, &x, &sub)))
		return tpt_fail(e, "study: %s", sub.msg);
	if (x.failed)
		return tpt_fail(e, "study: %s", x.e.msg);
	snprintf(r->hash, sizeof(r->hash), "%016llx", (unsigned long long)x.h);
	return 0;
}

/* Every run, in order: configs, then workloads and scenarios, pages, seeds;
 * two runs with one hash refused (found through an open-addressing set). */
static int expand(struct study *s, struct tpt_err *e)
{
	unsigned ncfg = s->nconfig ? s->nconfig : 1;
	uint64_t total = (uint64_t)ncfg * s->ninput * s->npages * s->nseed;
	if (total > STUDY_MAX_RUNS)
		return tpt_fail(e, "study: %s plans %llu runs; at most %d (split it into studies)", s->path,
				(unsigned long long)total, STUDY_MAX_RUNS);
	size_t slots = 16;
	while (slots < 2 * total)
		slots *= 2;
	uint32_t *set = calloc(slots, sizeof(*set)); /* run index + 1, 0 empty */
	if (!(s->run = calloc(total, sizeof(*s->run))) || !set) {
		free(set);
		return tpt_nomem(e);
	}
	int rc = 0;
	for (unsigned c = 0; c < ncfg && !rc; c++)
		for (unsigned w = 0; w < s->ninput && !rc; w++)
			for (unsigned p = 0; p < s->npages && !rc; p++)
				for (unsigned d = 0; d < s->nseed && !rc; d++) {
					struct study_run *r = &s->run[s->nrun];
					*r = (struct study_run){.input = (uint16_t)w, .pages = (uint8_t)p,
								.seed = (uint8_t)d,
								.config = s->nconfig ? (uint16_t)c : STUDY_NO_CONFIG};
					if ((rc = run_hash(s, r, e)))
						break;
					size_t at = strtoull(r->hash, NULL, 16) & (slots - 1);
					while (set[at] && strcmp(s->run[set[at] - 1].hash, r->hash))
						at = (at + 1) & (slots - 1);
					if (set[at])
						rc = tpt_fail(e, "study: runs %u and %u are the same run (a value "
								 "given twice?)", set[at], s->nrun + 1);
					set[at] = ++s->nrun;
				}
	free(set);
	return rc;
}

int study_load(struct study *s, const char *path, struct tpt_err *e)
{
	memset(s, 0, sizeof(*s));
	opttab_defaults(&table, &s->f);
	if (strlen(path) >= sizeof(s->path)) {
		tpt_fail(e, "study: the study file's name is too long");
		goto fail;
	}
	if (opttab_load(&table, &s->f, path, e))
		goto fail;
	snprintf(s->path, sizeof(s->path), "%s", path);
	/* Its directory, absolute: the runs may start anywhere (a Slurm node). */
	char copy[PATH_MAX];
	snprintf(copy, sizeof(copy), "%s", path);
	char *slash = strrchr(copy, '/');
	if (slash)
		slash[slash == copy] = 0;
	if (!realpath(slash ? copy : ".", s->dir)) {
		tpt_fail(e, "study: cannot resolve the directory of %s: %s", path, strerror(errno));
		goto fail;
	}
	if (!s->f.name[0]) {
		const char *b = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
		size_t n = strlen(b);
		if (n > 4 && !strcmp(b + n - 4, ".ini"))
			n -= 4;
		snprintf(s->f.name, sizeof(s->f.name), "%.*s", (int)(n < 63 ? n : 63), b);
	}
	if (!plain_name(s->f.name)) {
		tpt_fail(e, "study: name '%s' is not a plain name (letters, digits, '-', '_' and '.', "
			    "not first)", s->f.name);
		goto fail;
	}
	s->kind = s->f.command;
	if (s->kind == STUDY_COMPARE && (!s->f.workload.n || s->f.scenario.n)) {
		tpt_fail(e, "study: %s: a compare study names workloads (workload = ...), no scenario", path);
		goto fail;
	}
	if (s->kind == STUDY_POLICY && !s->f.workload.n && !s->f.scenario.n) {
		tpt_fail(e, "study: %s: a policy study names workloads or scenarios (workload = ..., "
			    "scenario = ...)", path);
		goto fail;
	}
	if (values(s, e) || expand(s, e))
		goto fail;
	return 0;
fail:
	study_free(s);
	return 2;
}

/* The memory run r needs, MiB (what Slurm is asked for, what plan says): the generators' own host bytes and about
 * 1/128 of the simulated footprint for the simulator's tables and frames
 * (1.2 GiB peaks measured for 129 GiB of GUPS under nested paging: 0.9 %
 * of it), plus 64 MiB, up to a power of two; at least 256 MiB. */
uint64_t study_run_mem_mib(const struct study *s, const struct study_run *r)
{
	uint64_t host = 0, fp = 0, mib = 256;
	const char *in = s->input[r->input];
	if (study_run_scenario(s, r) ? workload_estimate_scenario(in, &host, &fp, NULL, NULL)
				     : workload_estimate(in, &host, &fp, NULL, NULL))
		host = fp = 0;
	uint64_t need = (host + fp / 128) / MiB + 64;
	while (mib < need)
		mib *= 2;
	return mib;
}

uint64_t study_run_events(const struct study *s, const struct study_run *r)
{
	uint64_t host, fp, events = 0;
	const char *in = s->input[r->input];
	if (study_run_scenario(s, r) ? workload_estimate_scenario(in, &host, &fp, &events, NULL)
				     : workload_estimate(in, &host, &fp, &events, NULL))
		return 0;
	return events;
}

unsigned study_run_sims(const struct study *s)
{
	/* A policy study: never, always, by-name, threshold, oracle, auto,
	 * and its baselines. */
	unsigned n = s->kind == STUDY_POLICY ? 6 : 0;
	if (!s->f.schemes[0] && s->kind == STUDY_COMPARE) {
		while (scheme_all[n])
			n++;
		return n;
	}
	char buf[256], *save = NULL;
	snprintf(buf, sizeof(buf), "%s", s->f.schemes);
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save))
		n++;
	return n;
}
