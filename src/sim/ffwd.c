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

/* Four slots a region of the footprint, at least 1,024: scattered mappings
 * and other address spaces' regions have room, and at three quarters full
 * the memo starts again. */
int ffwd_init(struct ffwd *f, uint64_t pages)
{
	uint64_t slots = 1024;
	while (slots < 4 * (pages / FFWD_PAGES + 1))
		slots *= 2;
	*f = (struct ffwd){.mask = slots - 1, .gen = 1};
	/* Zeroed pages on first touch: a large memo costs what it holds. */
	void *a = mmap(NULL, slots * sizeof(*f->slot), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	void *b = mmap(NULL, slots * FFWD_WORDS * sizeof(*f->bits), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	f->slot = a == MAP_FAILED ? NULL : a;
	f->bits = b == MAP_FAILED ? NULL : b;
	if (!f->slot || !f->bits) {
		ffwd_fini(f);
		return -1;
	}
	/* Looked up at random: huge pages spare the host's TLB (best effort). */
	(void)madvise(f->bits, slots * FFWD_WORDS * sizeof(*f->bits), MADV_HUGEPAGE);
	return 0;
}

void ffwd_fini(struct ffwd *f)
{
	uint64_t slots = f->mask + 1;
	if (f->slot)
		munmap(f->slot, slots * sizeof(*f->slot));
	if (f->bits)
		munmap(f->bits, slots * FFWD_WORDS * sizeof(*f->bits));
	*f = (struct ffwd){0};
}

void ffwd_clear(struct ffwd *f)
{
	f->used = 0;
	if (++f->gen == 0) {
		/* The generation wrapped: slots of generation 1 would come back. */
		memset(f->slot, 0, (f->mask + 1) * sizeof(*f->slot));
		f->gen = 1;
	}
}

void ffwd_fill(struct ffwd *f, uint64_t va, unsigned asid, bool writable)
{
	uint64_t key = ffwd_key(va, asid), i = ffwd_home(f, key);
	for (;; i = (i + 1) & f->mask) {
		struct ffwd_slot *s = &f->slot[i];
		if (s->gen == f->gen && s->key == key)
			break;
		if (s->gen != f->gen) {
			if (4 * (f->used + 1) > 3 * (f->mask + 1)) {
				/* Full: forget everything, then claim the region's home. */
				ffwd_clear(f);
				i = ffwd_home(f, key);
				s = &f->slot[i];
			}
			*s = (struct ffwd_slot){.key = key, .gen = f->gen};
			memset(&f->bits[i * FFWD_WORDS], 0, FFWD_WORDS * sizeof(*f->bits));
			f->used++;
			break;
		}
	}
	*ffwd_word(f, i, va) |= (writable ? 3ULL : 1ULL) << ffwd_bit(va);
}

int ffwd_check(const struct ffwd *f, struct tpt_err *e)
{
	uint64_t valid = 0;
	for (uint64_t i = 0; i <= f->mask; i++) {
		const struct ffwd_slot *s = &f->slot[i];
		if (s->gen != f->gen)
			continue;
		valid++;
		for (uint64_t j = ffwd_home(f, s->key); j != i; j = (j + 1) & f->mask) {
			if (f->slot[j].gen != f->gen)
				return tpt_broken(e, "ffwd_check", 2, "region %#llx past an empty slot",
						  (unsigned long long)s->key);
			if (f->slot[j].key == s->key)
				return tpt_broken(e, "ffwd_check", 1, "region %#llx twice",
						  (unsigned long long)s->key);
		}
		for (unsigned w = 0; w < FFWD_WORDS; w++) {
			uint64_t b = f->bits[i * FFWD_WORDS + w];
			if ((b >> 1) & ~b & 0x5555555555555555ULL)
				return tpt_broken(e, "ffwd_check", 3, "region %#llx: a page writable, not seen",
						  (unsigned long long)s->key);
		}
	}
	if (valid != f->used)
		return tpt_broken(e, "ffwd_check", 4, "%llu slots valid, %llu counted",
				  (unsigned long long)valid, (unsigned long long)f->used);
	return 0;
}
