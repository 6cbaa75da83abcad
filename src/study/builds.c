/* SPDX-License-Identifier: MIT */
/*
 * builds.c - the builds that made a study's runs (study_internal.h): each
 * commit a result's provenance names, as text safe in a CSV comment and a
 * page, and how many runs it made. Called by merge.c and page.c.
 */
#include <string.h>

#include "study_internal.h"

void study_put_text(FILE *f, const char *v)
{
	fputs(v, f);
}

void study_builds_add(struct study_builds *b, const json_t *res)
{
	const json_t *prov = json_object_get(json_array_get(res, 0), "provenance");
	const char *c = json_string_value(json_object_get(prov, "commit"));
	char clean[48];
	snprintf(clean, sizeof(clean), "%s", c && *c ? c : "unknown");
	for (char *p = clean; *p; p++) /* a doctored commit cannot break a line or the page */
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      *p == '-' || *p == '.' || *p == '+'))
			*p = '?';
	for (unsigned i = 0; i < b->n; i++)
		if (!strcmp(b->commit[i], clean)) {
			b->runs[i]++;
			return;
		}
	if (b->n == ARRAY_LEN(b->commit)) {
		b->other++;
		return;
	}
	memcpy(b->commit[b->n], clean, sizeof(clean));
	b->runs[b->n++] = 1;
}

void study_builds_print(FILE *f, const struct study_builds *b, void (*put)(FILE *, const char *))
{
	if (b->n == 1 && !b->other) {
		fprintf(f, "commit ");
		put(f, b->commit[0]);
		return;
	}
	fprintf(f, "commits");
	for (unsigned i = 0; i < b->n; i++) {
		fprintf(f, "%s ", i ? "," : "");
		put(f, b->commit[i]);
		fprintf(f, " (%u run%s)", b->runs[i], b->runs[i] == 1 ? "" : "s");
	}
	if (b->other)
		fprintf(f, ", others (%u run%s)", b->other, b->other == 1 ? "" : "s");
}
