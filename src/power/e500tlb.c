/* SPDX-License-Identifier: MIT */
/*
 * e500tlb.c - the e500v2 MMU and page splitting (see e500tlb.h).
 *
 * Called by kvmppc.c, the hypervisor of the embedded Power model, and
 * by the tests.
 */
#include <string.h>

#include "e500tlb.h"

bool e500_size_ok(uint64_t size)
{
	for (int k = 0; k < E500_SIZES; k++)
		if (size == 4096ULL << (2 * k))
			return true;
	return false;
}

/* The largest supported page that starts at a and ends by b. */
static uint64_t largest(uint64_t a, uint64_t b)
{
	for (int k = E500_SIZES - 1; k >= 0; k--) {
		uint64_t s = 4096ULL << (2 * k);
		if (a % s == 0 && a + s <= b)
			return s;
	}
	return 0;
}

static int cover(const struct e500_tlbe *p, uint64_t a, uint64_t b, struct e500_tlbe *out, int n,
		 int max)
{
	while (a < b) {
		uint64_t s = largest(a, b);
		if (!s || n == max)
			return -1;
		out[n] = *p;
		out[n].ea = a;
		out[n].pa = p->pa + (a - p->ea);
		out[n].size = s;
		n++;
		a += s;
	}
	return n;
}

int e500_split(const struct e500_tlbe *p, uint64_t at, uint64_t patch_size, struct e500_tlbe *out,
	       int max)
{
	if (!e500_size_ok(p->size) || !e500_size_ok(patch_size) || patch_size > p->size ||
	    p->ea % p->size || p->pa % p->size || at < p->ea || at - p->ea >= p->size)
		return -1;
	uint64_t lo = at & ~(patch_size - 1), hi = lo + patch_size;
	int n = cover(p, p->ea, lo, out, 0, max);
	if (n < 0 || (n = cover(p, lo, hi, out, n, max)) < 0)
		return -1;
	return cover(p, hi, p->ea + p->size, out, n, max);
}

void e500_tlb_init(struct e500_tlb *t)
{
	memset(t, 0, sizeof(*t));
}

static bool matches(const struct e500_tlbe *e, uint64_t ea, uint32_t tid)
{
	return e->valid && ea - e->ea < e->size && (e->tid == 0 || e->tid == tid);
}

const struct e500_tlbe *e500_tlb_lookup(const struct e500_tlb *t, uint64_t ea, uint32_t tid)
{
	for (int i = 0; i < E500_TLB1; i++)
		if (matches(&t->tlb1[i], ea, tid))
			return &t->tlb1[i];
	const struct e500_tlbe *set = t->tlb0[(ea >> 12) % E500_TLB0_SETS];
	for (int w = 0; w < E500_TLB0_WAYS; w++)
		if (matches(&set[w], ea, tid))
			return &set[w];
	return NULL;
}

int e500_tlb_write(struct e500_tlb *t, const struct e500_tlbe *e, int esel)
{
	if (!e500_size_ok(e->size) || e->ea % e->size || e->pa % e->size || esel >= E500_TLB1)
		return -1;
	if (esel >= 0) {
		t->tlb1[esel] = *e;
		return 0;
	}
	if (e->size != 4096)
		return -1;
	unsigned s = (unsigned)((e->ea >> 12) % E500_TLB0_SETS);
	t->tlb0[s][t->tlb0_next[s]] = *e;
	t->tlb0_next[s] = (uint8_t)((t->tlb0_next[s] + 1) % E500_TLB0_WAYS);
	return 0;
}

int e500_tlb_check(const struct e500_tlb *t, struct tpt_err *e)
{
	for (int i = 0; i < E500_TLB1; i++) {
		const struct e500_tlbe *a = &t->tlb1[i];
		if (!a->valid)
			continue;
		if (!e500_size_ok(a->size) || a->ea % a->size || a->pa % a->size)
			return tpt_broken(e, "e500_tlb_check", 1, "TLB1[%d]: size %#llx or alignment not supported", i,
					(unsigned long long)a->size);
		for (int j = i + 1; j < E500_TLB1; j++) {
			const struct e500_tlbe *b = &t->tlb1[j];
			if (b->valid && b->tid == a->tid && a->ea < b->ea + b->size && b->ea < a->ea + a->size)
				return tpt_broken(e, "e500_tlb_check", 2, "TLB1[%d] and TLB1[%d] overlap", i, j);
		}
	}
	for (int s = 0; s < E500_TLB0_SETS; s++)
		for (int w = 0; w < E500_TLB0_WAYS; w++) {
			const struct e500_tlbe *a = &t->tlb0[s][w];
			if (a->valid && (a->size != 4096 || (a->ea >> 12) % E500_TLB0_SETS != (uint64_t)s))
				return tpt_broken(e, "e500_tlb_check", 3, "TLB0 set %d way %d: not a 4 KiB page of this set", s, w);
		}
	return 0;
}
