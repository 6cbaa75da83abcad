/* SPDX-License-Identifier: MIT */
/*
 * rerun.c - what `tpt rerun RESULT` reads of a result (cli.h): its
 * provenance, checked as untrusted input, and the recorded command made
 * ready to run again. The dispatch itself is commands.c's.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "tpt/base/version.h"

int rerun_load(const char *path, json_t **doc, const json_t **prov, const char **name)
{
	json_error_t je;
	*doc = json_load_file(path, 0, &je);
	if (!*doc)
		return bad("%s", je.text[0] ? je.text : "cannot read the result");
	const json_t *first = json_is_array(*doc) ? json_array_get(*doc, 0) : *doc;
	*prov = json_object_get(first, "provenance");
	const json_t *cmd = json_object_get(*prov, "command");
	*name = json_string_value(json_array_get(cmd, 0));
	if (!json_is_object(json_object_get(*prov, "config")) || !*name) {
		json_decref(*doc);
		*doc = NULL;
		return bad("%s carries no provenance with a command and configuration (not a result "
			   "of this tpt?)", path);
	}
	const char *commit = json_string_value(json_object_get(*prov, "commit"));
	if (!commit || strcmp(commit, tpt_commit()))
		bad("note: %s came from commit %s, this is %s: numbers may differ",
			path, commit ? commit : "?", tpt_commit());
	return 0;
}

char **rerun_argv(const json_t *cmd, const struct cli_opt *t, size_t nt, const char *out, int *argc)
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
		int skip = i && t ? cli_option_words(t, nt, all, (int)n, i, dropped) : 0;
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
