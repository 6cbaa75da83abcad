/* SPDX-License-Identifier: MIT */
/*
 * provenance.c - where a result came from (cli.h): every JSON result
 * carries the tool's release and commit, the command as given, the seed,
 * the complete effective configuration, and the host's CPU model and
 * kernel; and the results of a command emitted with it (emit_results).
 * Called by the commands and by runs.c (a timeline's comment lines).
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

json_t *provenance_json(const struct opts *o, const struct tpt_config *cfg)
{
	json_t *p = json_object(), *cmd = json_array(), *conf = json_object();
	if (o->rerun) {
		json_array_extend(cmd, json_object_get(o->rerun, "command"));
	} else {
		/* Where the outputs went, and how many runs went at once, is not
		 * how they were made: left out, so the same run gives the same
		 * bytes whatever its files are called and however many cores. */
		static const char *const left_out[] = {"json", "timeline", "plot", "csv", "jobs", NULL};
		for (int i = 0; i < o->argc; i++) {
			int skip = i && o->table ? cli_option_words(o->table, o->ntable, o->argv,
								      o->argc, i, left_out)
					       : 0;
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

int emit_results(const struct opts *o, const struct tpt_config *cfg, json_t *doc,
		 void (*print)(const void *ctx), const void *ctx)
{
	int rc = 0;
	if (o->json) {
		provenance_attach(doc, o, cfg);
		rc = write_json(o->json, doc) ? 1 : 0;
	}
	json_decref(doc);
	/* The text report stays off standard output when JSON or CSV is there. */
	if ((!o->json || strcmp(o->json, "-")) && (!o->csv || strcmp(o->csv, "-")))
		print(ctx);
	return rc;
}
