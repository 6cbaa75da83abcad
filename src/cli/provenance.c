/*
 * provenance.c - where a result came from (cli.h): every JSON result
 * carries the tool's release and commit, the command as given, the seed,
 * the complete effective configuration, and the host's CPU model and
 * kernel; and `tpt rerun`, which runs a result's command again under its
 * configuration. Called by the commands through emit_results and main.c.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "cli.h"
#include "tpt/base/config.h"
#include "tpt/base/version.h"

/* The CPU model of /proc/cpuinfo ("unknown" when it names none). */
static void cpu_model(char *buf, size_t len)
{
	snprintf(buf, len, "unknown");
	FILE *f = fopen("/proc/cpuinfo", "re");
	if (!f)
		return;
	char line[256];
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');
		if (colon && !strncmp(line, "model name", 10)) {
			colon += strspn(colon + 1, " \t") + 1;
			colon[strcspn(colon, "\n")] = 0;
			snprintf(buf, len, "%s", colon);
			break;
		}
	}
	fclose(f);
}

static void add_value(void *ctx, const char *section, const char *name, const char *value)
{
	json_t *cfg = ctx, *sec = json_object_get(cfg, section);
	if (!sec) {
		sec = json_object();
		json_object_set_new(cfg, section, sec);
	}
	json_object_set_new(sec, name, json_string(value));
}

/* How many words argv[i] takes if it is one of `names` among the options
 * of command argv[0] (cli_option_words), 0 otherwise. */
static int words_of(char *const *argv, int argc, int i, const char *const *names)
{
	const struct cli_command *c = cli_command_find(argv[0]);
	return c && c->opts ? cli_option_words(c->opts, *c->nopts, argv, argc, i, names) : 0;
}

json_t *provenance_json(const struct opts *o, const struct tpt_config *cfg)
{
	json_t *p = json_object(), *cmd = json_array(), *conf = json_object();
	if (o->rerun) {
		json_array_extend(cmd, json_object_get(o->rerun, "command"));
	} else {
		/* Where the outputs went, and how many runs went at once, is not
		 * how they were made: left out, so the same run gives the same
		 * bytes whatever its files are called and however many cores. */
		static const char *const left_out[] = {"json", "timeline", "jobs", NULL};
		for (int i = 0; i < o->argc; i++) {
			int skip = i ? words_of(o->argv, o->argc, i, left_out) : 0;
			if (skip)
				i += skip - 1;
			else
				json_array_append_new(cmd, json_string(o->argv[i]));
		}
	}
	config_foreach(cfg, add_value, conf);
	char cpu[128];
	struct utsname u;
	cpu_model(cpu, sizeof(cpu));
	if (uname(&u))
		snprintf(u.release, sizeof(u.release), "unknown");
	json_object_set_new(p, "tool", json_string("tpt"));
	json_object_set_new(p, "version", json_string(tpt_version()));
	json_object_set_new(p, "commit", json_string(tpt_commit()));
	json_object_set_new(p, "command", cmd);
	json_object_set_new(p, "seed", json_integer((json_int_t)o->seed));
	json_object_set_new(p, "config", conf);
	json_object_set_new(p, "host", json_pack("{s:s, s:s}", "cpu", cpu, "kernel", u.release));
	return p;
}

void provenance_attach(json_t *doc, const struct opts *o, const struct tpt_config *cfg)
{
	if (json_is_object(doc)) {
		json_object_set_new(doc, "provenance", provenance_json(o, cfg));
		return;
	}
	size_t i;
	json_t *v;
	json_array_foreach(doc, i, v)
		if (json_is_object(v))
			json_object_set_new(v, "provenance", provenance_json(o, cfg));
}

void provenance_csv(FILE *f, const struct opts *o, const struct tpt_config *cfg)
{
	json_t *p = provenance_json(o, cfg), *defaults = json_object();
	struct tpt_config d;
	config_defaults(&d);
	config_foreach(&d, add_value, defaults);
	json_t *host = json_object_get(p, "host");
	fprintf(f, "# tpt %s (commit %s), seed %llu, on %s, Linux %s\n# command: tpt", tpt_version(),
		tpt_commit(), (unsigned long long)o->seed,
		json_string_value(json_object_get(host, "cpu")),
		json_string_value(json_object_get(host, "kernel")));
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(p, "command"), i, v)
		fprintf(f, " %s", json_string_value(v));
	fprintf(f, "\n# configuration: the defaults of this release, except:");
	const char *sec, *key;
	json_t *keys;
	int changed = 0;
	json_object_foreach(json_object_get(p, "config"), sec, keys) {
		json_object_foreach(keys, key, v) {
			const char *def = json_string_value(json_object_get(json_object_get(defaults, sec), key));
			if (def && !strcmp(def, json_string_value(v)))
				continue;
			fprintf(f, "%s [%s] %s = %s", changed++ ? ";" : "", sec, key, json_string_value(v));
		}
	}
	fprintf(f, "%s\n", changed ? "" : " none");
	json_decref(defaults);
	json_decref(p);
}

/* --- tpt rerun ------------------------------------------------------------ */

/* The recorded command, to run now: its own --json and --timeline outputs
 * dropped (the rerun writes where it is told, never over the recorded
 * files), --config dropped (the recorded configuration is complete), and
 * --json OUT added when OUT is given. NULL-terminated; *argc set. */
static char **rerun_argv(const json_t *cmd, const char *out, int *argc)
{
	static const char *const dropped[] = {"json", "timeline", "config", NULL};
	size_t n = json_array_size(cmd);
	char **all = calloc(n + 1, sizeof(*all)), **v = calloc(n + 3, sizeof(*v));
	if (!all || !v)
		goto fail;
	for (size_t i = 0; i < n; i++)
		if (!(all[i] = (char *)json_string_value(json_array_get(cmd, i))))
			goto fail;
	int k = 0;
	for (int i = 0; i < (int)n; i++) {
		int skip = i ? words_of(all, (int)n, i, dropped) : 0;
		if (skip)
			i += skip - 1;
		else
			v[k++] = all[i];
	}
	if (out) {
		v[k++] = "--json";
		v[k++] = (char *)out;
	}
	free(all);
	*argc = k;
	return v;
fail:
	free(all);
	free(v);
	return NULL;
}

int cmd_rerun(int argc, char **argv)
{
	static const struct option lo[] = {{"json", required_argument, 0, 'j'}, {0, 0, 0, 0}};
	const char *out = NULL;
	opterr = 0;
	optind = 1;
	int c;
	while ((c = getopt_long(argc, argv, ":", lo, NULL)) != -1) {
		if (c == ':')
			return bad("option %s needs a value", argv[optind - 1]);
		if (c == '?')
			return bad("rerun: unknown option '%s'", argv[optind - 1]);
		if (out)
			return bad("rerun: --json is given twice%s", "");
		out = optarg;
	}
	if (optind != argc - 1)
		return bad("usage: tpt rerun RESULT.json [--json OUT]%s", "");
	const char *path = argv[optind];
	const char *outs[] = {out}, *ins[] = {path};
	struct tpt_err e;
	if (outfile_check_run(outs, 1, ins, 1, &e))
		return bad("%s", e.msg);
	json_error_t je;
	json_t *doc = json_load_file(path, 0, &je);
	if (!doc)
		return bad("%s", je.text[0] ? je.text : "cannot read the result");
	const json_t *first = json_is_array(doc) ? json_array_get(doc, 0) : doc;
	const json_t *prov = json_object_get(first, "provenance");
	const json_t *cmd = json_object_get(prov, "command");
	int rc;
	if (!json_is_object(json_object_get(prov, "config")) || !json_array_size(cmd)) {
		rc = bad("%s carries no provenance with a command and configuration (not a result "
			 "of this tpt?)", path);
		goto out;
	}
	const char *commit = json_string_value(json_object_get(prov, "commit"));
	if (!commit || strcmp(commit, tpt_commit()))
		fprintf(stderr, "tpt: note: %s came from commit %s, this is %s: numbers may differ\n",
			path, commit ? commit : "?", tpt_commit());
	int n;
	char **v = rerun_argv(cmd, out, &n);
	if (!v) {
		rc = bad("%s: the recorded command is not a list of strings", path);
		goto out;
	}
	rc = run_command(n, v, prov);
	free(v);
out:
	json_decref(doc);
	return rc;
}
