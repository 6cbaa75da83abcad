/* SPDX-License-Identifier: MIT */
/*
 * inspect.h - what the tests may see of the schemes' private state, to
 * check it directly (shadow.c, tpt.c). The simulator never includes it: it
 * asks the scheme object (scheme.h).
 */
#ifndef TPT_SCHEME_INSPECT_H
#define TPT_SCHEME_INSPECT_H

#include "tpt/vm/vm.h"

/* How a TPT process translates (tpt.c). */
enum tpt_state {
	TPT_NONE,    /* no TPT table: nested paging */
	TPT_ON,      /* its TPT table */
	TPT_PENDING, /* its TPT table, but the hypervisor moved a frame the table maps:
		      * the next walk takes a status fault */
	TPT_STALE,   /* after a status fault: nested paging until the table is repaired */
};
enum tpt_state tpt_state_of(const struct process *p);

/* Whether p has a shadow table built (shadow.c). */
bool shadow_loaded(const struct process *p);

/* shadow_unsync's table writes made stores and its syncs so far, in the
 * VM; under SHSP's nested mode, those it would make (shadow.c). */
void shadow_unsync_counts(const struct vm *vm, uint64_t *stores, uint64_t *syncs);

#endif
