/* SPDX-License-Identifier: MIT */
/*
 * pcache.h - the guest kernel's page cache: which guest frame holds each
 * page of a file, by (file id, page in the file). guest.c maps file pages
 * from it, so processes mapping the same file share its frames; each frame
 * it holds keeps one reference of its own (refs[]), so it outlives its
 * mappings and stays backed by the host. Open addressing, linear probing,
 * grown at half full. Files are never evicted: the cache is warm.
 */
#ifndef TPT_PCACHE_H
#define TPT_PCACHE_H

#include <stdbool.h>
#include <stdint.h>

struct pcache {
	uint64_t *key; /* file << 32 | page + 1; 0: empty */
	uint64_t *gfn;
	uint64_t cap, n;
};

/* The frame of the file's page, if cached. */
bool pcache_find(const struct pcache *c, uint32_t file, uint64_t page, uint64_t *gfn);
/* Records it; 0, or -1 out of memory. */
int pcache_add(struct pcache *c, uint32_t file, uint64_t page, uint64_t gfn);
/* Calls fn for each frame held (vm_check counts their references). */
void pcache_foreach(const struct pcache *c, void (*fn)(void *ctx, uint64_t gfn), void *ctx);
void pcache_fini(struct pcache *c);

#endif
