/*
 * scheme.c - the registry of translation schemes.
 */
#include <string.h>

#include "tpt/scheme/scheme.h"

extern const struct scheme scheme_native, scheme_nested, scheme_shadow, scheme_agile,
	scheme_tpt_naive, scheme_tpt_opt, scheme_tpt_emul;

const struct scheme *const scheme_all[] = {
	&scheme_native, &scheme_nested, &scheme_shadow, &scheme_agile,
	&scheme_tpt_naive, &scheme_tpt_opt, &scheme_tpt_emul, NULL,
};

const struct scheme *scheme_find(const char *name)
{
	for (int i = 0; scheme_all[i]; i++)
		if (!strcmp(scheme_all[i]->name, name))
			return scheme_all[i];
	return NULL;
}
