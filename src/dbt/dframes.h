/* SPDX-License-Identifier: MIT */
/*
 * dframes.h - the binary-translator model's physical memory (dframes.c):
 * 4 KiB frames of guest RAM (data pages and the guest's own tables) and of
 * the host kernel memory that holds BTMMU's shadow tables, from the
 * simulator's frame allocator (frame.h), with table pages in chunks of
 * their own as there. Tables in these frames are struct pt tables
 * (dbt_table_ops); addresses here are physical, not frame numbers.
 */
#ifndef TPT_DBT_DFRAMES_H
#define TPT_DBT_DFRAMES_H

#include <stdint.h>

#include "tpt/mem/frame.h"
#include "tpt/mem/hostmem.h"
#include "tpt/mem/pt.h"

struct dframes {
	struct hostmem *hm;
	struct frames f;
};

/* Frames of [base, limit), both 2 MiB-aligned. 0, or -1 with e set. */
int dframes_init(struct dframes *d, struct hostmem *hm, uint64_t base, uint64_t limit,
		 struct tpt_err *e);
void dframes_fini(struct dframes *d);
/* A data page: 0 and its physical address, or -1 when memory is exhausted. */
int dframes_alloc(struct dframes *d, uint64_t *pa);
void dframes_free(struct dframes *d, uint64_t pa);

/* Page-table frames from a struct dframes (the pt's ctx), zeroed when taken. */
extern const struct pt_ops dbt_table_ops;

#endif
