/*
 * dframes.h - the binary-translator model's physical memory (dframes.c):
 * 4 KiB frames of guest RAM (data pages and the guest's own tables) and of
 * the host kernel memory that holds BTMMU's shadow tables, handed out by
 * bumping from a base and reused last-freed-first, so that a run's
 * addresses, and with them the host cache sets, follow from its events
 * alone. Tables in these frames are struct pt tables (dbt_table_ops).
 */
#ifndef TPT_DBT_DFRAMES_H
#define TPT_DBT_DFRAMES_H

#include <stdint.h>

#include "tpt/hostmem.h"
#include "tpt/pt.h"

struct dframes {
	struct hostmem *hm;
	uint64_t next, limit; /* physical addresses */
	uint64_t *free;
	size_t nfree, cap;
	uint64_t used;
};

int dframes_init(struct dframes *f, struct hostmem *hm, uint64_t base, uint64_t limit);
void dframes_fini(struct dframes *f);
int dframes_alloc(struct dframes *f, uint64_t *pa);
void dframes_free(struct dframes *f, uint64_t pa);

/* Page-table frames from a struct dframes (the pt's ctx), zeroed when taken. */
extern const struct pt_ops dbt_table_ops;

#endif
