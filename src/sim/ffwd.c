/* SPDX-License-Identifier: MIT */
/*
 * ffwd.c - fast-forward's memo of translations (see ffwd.h). Called by
 * sample.c and by the fast-forward access in sim.c.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "tpt/base/util.h"

#include "tpt/sim/ffwd.h"

/* Two entries a page of the footprint, at least 1K buckets, at most 2^23
 * (512 MiB, for 64 GiB of 4K pages; above, entries are replaced and
 * fast-forward walks more). */
int ffwd_init(struct ffwd *f, uint64_t pages)
{
	uint64_t buckets = 1024;
	while (buckets < pages / 2 && buckets < (1ULL << 23))
		buckets *= 2;
	size_t bytes = buckets * 4 * sizeof(struct ffwd_entry);
	/* Zeroed pages on first touch: a large memo costs what it holds. */
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		*f = (struct ffwd){0};
		return -1;
	}
	/* Looked up at random: huge pages spare the host's TLB (best effort). */
	(void)madvise(p, bytes, MADV_HUGEPAGE);
	*f = (struct ffwd){.e = p, .mask = buckets - 1, .gen = 1};
	return 0;
}

void ffwd_fini(struct ffwd *f)
{
	if (f->e)
		munmap(f->e, (f->mask + 1) * 4 * sizeof(struct ffwd_entry));
	*f = (struct ffwd){0};
}

void ffwd_clear(struct ffwd *f)
{
	if (++f->gen == 1U << 31) {
		/* The generation wrapped: entries of generation 1 would come back. */
		memset(f->e, 0, (f->mask + 1) * 4 * sizeof(struct ffwd_entry));
		f->gen = 1;
	}
}

void ffwd_fill(struct ffwd *f, uint64_t va, unsigned asid, uint64_t pa, bool writable)
{
	uint64_t tag = ffwd_tag(va, asid);
	struct ffwd_entry *b = ffwd_bucket(f, tag);
	int way = -1;
	for (int i = 0; i < 4; i++) {
		if (b[i].gen_w >> 1 == f->gen && b[i].tag == tag) {
			way = i; /* a read's entry, now written */
			break;
		}
		if (way < 0 && b[i].gen_w >> 1 != f->gen)
			way = i;
	}
	if (way < 0)
		way = (int)(tag >> 12 & 3); /* a full bucket: any one goes */
	b[way] = (struct ffwd_entry){.tag = tag, .pfn = (uint32_t)(pa >> 12),
				     .gen_w = f->gen << 1 | (writable ? 1 : 0)};
}

int ffwd_check(const struct ffwd *f, struct tpt_err *e)
{
	for (uint64_t k = 0; k <= f->mask; k++) {
		const struct ffwd_entry *b = &f->e[k * 4];
		for (int i = 0; i < 4; i++) {
			if (b[i].gen_w >> 1 != f->gen)
				continue;
			if (ffwd_bucket(f, b[i].tag) != b)
				return tpt_broken(e, "ffwd_check", 2, "entry %#llx sits in bucket %llu, not its own",
						  (unsigned long long)b[i].tag, (unsigned long long)k);
			for (int j = 0; j < i; j++)
				if (b[j].gen_w >> 1 == f->gen && b[j].tag == b[i].tag)
					return tpt_broken(e, "ffwd_check", 1, "entry %#llx twice in bucket %llu",
							  (unsigned long long)b[i].tag, (unsigned long long)k);
		}
	}
	return 0;
}
