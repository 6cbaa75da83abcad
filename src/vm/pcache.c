/* SPDX-License-Identifier: MIT */
/*
 * pcache.c - the guest's page cache (see pcache.h). Called by guest.c on
 * faults in file mappings and by check.c. Invariant: n <= cap / 2, every
 * key appears once, and a page's key is (file << 32 | page) + 1 with page
 * below 2^32 - 1 (16 TiB of a file).
 */
#include <stdlib.h>

#include "tpt/vm/pcache.h"

static uint64_t slot(const struct pcache *c, uint64_t key)
{
	return (key * 0x9E3779B97F4A7C15ULL) >> 17 & (c->cap - 1);
}

static uint64_t key_of(uint32_t file, uint64_t page)
{
	return ((uint64_t)file << 32 | (page & 0xffffffffULL)) + 1;
}

bool pcache_find(const struct pcache *c, uint32_t file, uint64_t page, uint64_t *gfn)
{
	if (!c->cap)
		return false;
	uint64_t key = key_of(file, page);
	for (uint64_t i = slot(c, key);; i = (i + 1) & (c->cap - 1)) {
		if (c->key[i] == key) {
			*gfn = c->gfn[i];
			return true;
		}
		if (!c->key[i])
			return false;
	}
}

static void put(struct pcache *c, uint64_t key, uint64_t gfn)
{
	uint64_t i = slot(c, key);
	while (c->key[i])
		i = (i + 1) & (c->cap - 1);
	c->key[i] = key;
	c->gfn[i] = gfn;
	c->n++;
}

int pcache_add(struct pcache *c, uint32_t file, uint64_t page, uint64_t gfn)
{
	if (2 * (c->n + 1) > c->cap) {
		struct pcache g = {.cap = c->cap ? 2 * c->cap : 1024};
		g.key = calloc(g.cap, sizeof(*g.key));
		g.gfn = malloc(g.cap * sizeof(*g.gfn));
		if (!g.key || !g.gfn) {
			free(g.key);
			free(g.gfn);
			return -1;
		}
		for (uint64_t i = 0; i < c->cap; i++)
			if (c->key[i])
				put(&g, c->key[i], c->gfn[i]);
		pcache_fini(c);
		*c = g;
	}
	put(c, key_of(file, page), gfn);
	return 0;
}

void pcache_foreach(const struct pcache *c, void (*fn)(void *ctx, uint64_t gfn), void *ctx)
{
	for (uint64_t i = 0; i < c->cap; i++)
		if (c->key[i])
			fn(ctx, c->gfn[i]);
}

void pcache_fini(struct pcache *c)
{
	free(c->key);
	free(c->gfn);
	*c = (struct pcache){0};
}
