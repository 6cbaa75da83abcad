/* SPDX-License-Identifier: MIT */
/*
 * scheme.c - the registry of translation schemes: each is an object of its
 * own file (scheme.h), named here once, a line each, in the order compare
 * runs them.
 */
#include <string.h>

#include "tpt/scheme/scheme.h"

#define SCHEMES(X)      \
	X(native)       \
	X(nested)       \
	X(shadow)       \
	X(agile)        \
	X(shsp)         \
	X(dvmt)         \
	X(tpt_naive)    \
	X(tpt_opt)      \
	X(tpt_emul)     \
	X(ideal)

#define DECLARE(s) extern const struct scheme scheme_##s;
SCHEMES(DECLARE)
#undef DECLARE

#define ENTRY(s) &scheme_##s,
const struct scheme *const scheme_all[] = {SCHEMES(ENTRY) NULL};
#undef ENTRY

const struct scheme *scheme_find(const char *name)
{
	for (int i = 0; scheme_all[i]; i++)
		if (!strcmp(scheme_all[i]->name, name))
			return scheme_all[i];
	return NULL;
}
