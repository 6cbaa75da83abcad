/* SPDX-License-Identifier: MIT */
/*
 * tlb.c - L1 DTLBs and the STLB (see tlb.h). Called by the simulator on every
 * access (lookup) and after every completed walk (fill); flushed by the guest
 * and hypervisor models. Invariant: an entry sits in the set its vpn indexes,
 * at most once per array; the memo, when valid, names an entry that is the
 * most recent of its L1 set; no entry of a size class whose bit of `classes`
 * is clear.
 */
#include <stdlib.h>
#include <string.h>

#include "tpt/mmu/tlb.h"

static const unsigned class_shift[3] = {12, 21, 30};

static int class_of(unsigned shift)
{
	return shift == 12 ? 0 : shift == 21 ? 1 : 2;
}

static uint64_t make_tag(uint64_t vpn, unsigned asid, int cls)
{
	return vpn << 16 | (uint64_t)(asid & 0xfff) << 4 | (uint64_t)cls << 1 | 1;
}

static int array_init(struct tlb_array *a, uint32_t entries, uint32_t ways)
{
	a->ways = ways;
	a->sets = entries / ways;
	a->e = calloc(entries, sizeof(*a->e));
	return a->e ? 0 : -1;
}

int tlb_init(struct tlb *t, const struct tpt_config *c)
{
	memset(t, 0, sizeof(*t));
	if (array_init(&t->l1[0], c->l1_4k_entries, c->l1_4k_ways) ||
	    array_init(&t->l1[1], c->l1_2m_entries, c->l1_2m_ways) ||
	    array_init(&t->l1[2], c->l1_1g_entries, c->l1_1g_ways) ||
	    array_init(&t->l2, c->stlb_entries, c->stlb_ways) ||
	    array_init(&t->l2_1g, c->stlb_1g_entries, c->stlb_1g_ways)) {
		tlb_fini(t);
		return -1;
	}
	return 0;
}

void tlb_fini(struct tlb *t)
{
	for (int i = 0; i < 3; i++)
		free(t->l1[i].e);
	free(t->l2.e);
	free(t->l2_1g.e);
	memset(t, 0, sizeof(*t));
}

/* Looks tag up in its set; on a hit moves it to the front and returns it. */
static struct tlbe *array_find(struct tlb_array *a, uint64_t vpn, uint64_t tag)
{
	struct tlbe *set = &a->e[(vpn & (a->sets - 1)) * a->ways];
	for (uint32_t w = 0; w < a->ways; w++) {
		if (set[w].tag == tag) {
			struct tlbe hit = set[w];
			for (; w > 0; w--)
				set[w] = set[w - 1];
			set[0] = hit;
			return &set[0];
		}
	}
	return NULL;
}

/* Inserts at the front of its set; the least recent way falls out. */
static void array_insert(struct tlb_array *a, uint64_t vpn, uint64_t tag, uint64_t pa)
{
	struct tlbe *set = &a->e[(vpn & (a->sets - 1)) * a->ways];
	uint32_t w;
	for (w = 0; w < a->ways - 1; w++)
		if (set[w].tag == tag)
			break;
	for (; w > 0; w--)
		set[w] = set[w - 1];
	set[0] = (struct tlbe){.tag = tag, .pa = pa};
}

static void set_memo(struct tlb *t, uint64_t vpn, unsigned shift, unsigned asid, uint64_t pa)
{
	t->memo_vpn = vpn;
	t->memo_shift = shift;
	t->memo_asid = asid;
	t->memo_pa = pa & ~TLBE_W;
	t->memo_writable = pa & TLBE_W;
	t->memo_valid = true;
}

int tlb_lookup_slow(struct tlb *t, uint64_t va, unsigned asid, bool write, uint64_t *pa)
{
	t->memo_valid = false;
	for (int c = 0; c < 3; c++) {
		if (!(t->classes >> c & 1))
			continue;
		uint64_t vpn = va >> class_shift[c];
		struct tlbe *e = array_find(&t->l1[c], vpn, make_tag(vpn, asid, c));
		if (e) {
			if (write && !(e->pa & TLBE_W))
				return TLB_MISS;
			set_memo(t, vpn, class_shift[c], asid, e->pa);
			*pa = t->memo_pa | (va & ((1ULL << class_shift[c]) - 1));
			return TLB_HIT_L1;
		}
	}
	for (int c = 0; c < 3; c++) {
		if (!(t->classes >> c & 1))
			continue;
		uint64_t vpn = va >> class_shift[c];
		struct tlb_array *a = c == 2 ? &t->l2_1g : &t->l2;
		struct tlbe *e = array_find(a, vpn, make_tag(vpn, asid, c));
		if (e) {
			if (write && !(e->pa & TLBE_W))
				return TLB_MISS;
			uint64_t pe = e->pa;
			array_insert(&t->l1[c], vpn, make_tag(vpn, asid, c), pe);
			set_memo(t, vpn, class_shift[c], asid, pe);
			*pa = t->memo_pa | (va & ((1ULL << class_shift[c]) - 1));
			return TLB_HIT_L2;
		}
	}
	return TLB_MISS;
}

void tlb_fill(struct tlb *t, uint64_t va, unsigned asid, unsigned shift, uint64_t pa,
	      bool writable)
{
	int c = class_of(shift);
	uint64_t vpn = va >> shift;
	uint64_t tag = make_tag(vpn, asid, c);
	uint64_t base = (pa & ~((1ULL << shift) - 1)) | (writable ? TLBE_W : 0);
	t->classes |= 1u << c;
	array_insert(c == 2 ? &t->l2_1g : &t->l2, vpn, tag, base);
	array_insert(&t->l1[c], vpn, tag, base);
	set_memo(t, vpn, shift, asid, base);
}

/* Drops the entries `drop` selects, keeping the others in recency order. */
static void array_drop(struct tlb_array *a, bool (*drop)(uint64_t tag, const void *arg),
		       const void *arg)
{
	for (uint32_t s = 0; s < a->sets; s++) {
		struct tlbe *set = &a->e[s * a->ways];
		uint32_t k = 0;
		for (uint32_t w = 0; w < a->ways; w++)
			if (set[w].tag && !drop(set[w].tag, arg))
				set[k++] = set[w];
		for (; k < a->ways; k++)
			set[k] = (struct tlbe){0};
	}
}

static void for_arrays(struct tlb *t, bool (*drop)(uint64_t, const void *), const void *arg)
{
	for (int c = 0; c < 3; c++)
		array_drop(&t->l1[c], drop, arg);
	array_drop(&t->l2, drop, arg);
	array_drop(&t->l2_1g, drop, arg);
	t->memo_valid = false;
}

void tlb_flush(struct tlb *t)
{
	t->invalidations++;
	for (int c = 0; c < 3; c++)
		memset(t->l1[c].e, 0, (size_t)t->l1[c].sets * t->l1[c].ways * sizeof(struct tlbe));
	memset(t->l2.e, 0, (size_t)t->l2.sets * t->l2.ways * sizeof(struct tlbe));
	memset(t->l2_1g.e, 0, (size_t)t->l2_1g.sets * t->l2_1g.ways * sizeof(struct tlbe));
	t->memo_valid = false;
	t->classes = 0;
}

static bool asid_matches(uint64_t tag, const void *arg)
{
	return ((tag >> 4) & 0xfff) == (*(const unsigned *)arg & 0xfff);
}

void tlb_flush_asid(struct tlb *t, unsigned asid)
{
	t->invalidations++;
	for_arrays(t, asid_matches, &asid);
}

struct va_asid {
	uint64_t lo, hi; /* the page: [lo, hi) */
	unsigned asid;
};

static bool va_matches(uint64_t tag, const void *arg)
{
	const struct va_asid *k = arg;
	unsigned s = class_shift[(tag >> 1) & 3];
	uint64_t lo = (tag >> 16) << s, hi = lo + (1ULL << s);
	return asid_matches(tag, &k->asid) && lo < k->hi && k->lo < hi;
}

void tlb_invlpg(struct tlb *t, uint64_t va, unsigned shift, unsigned asid)
{
	t->invalidations++;
	uint64_t lo = va & ~((1ULL << shift) - 1);
	struct va_asid k = {lo, lo + (1ULL << shift), asid};
	for_arrays(t, va_matches, &k);
}

static int array_foreach(const struct tlb_array *a, tlb_entry_fn fn, void *ctx)
{
	for (uint32_t i = 0; i < a->sets * a->ways; i++) {
		uint64_t tag = a->e[i].tag;
		if (!tag)
			continue;
		unsigned shift = class_shift[(tag >> 1) & 3];
		int rc = fn(ctx, (tag >> 16) << shift, (unsigned)(tag >> 4) & 0xfff, shift,
			    a->e[i].pa & ~TLBE_W, a->e[i].pa & TLBE_W);
		if (rc)
			return rc;
	}
	return 0;
}

int tlb_foreach(const struct tlb *t, tlb_entry_fn fn, void *ctx)
{
	for (int c = 0; c < 3; c++)
		if (array_foreach(&t->l1[c], fn, ctx))
			return -1;
	if (array_foreach(&t->l2, fn, ctx) || array_foreach(&t->l2_1g, fn, ctx))
		return -1;
	return 0;
}

static int array_check(const struct tlb_array *a, unsigned classes, const char *name, struct tpt_err *e)
{
	for (uint32_t s = 0; s < a->sets; s++) {
		const struct tlbe *set = &a->e[s * a->ways];
		bool hole = false;
		for (uint32_t w = 0; w < a->ways; w++) {
			uint64_t tag = set[w].tag;
			if (!tag) {
				hole = true;
				continue;
			}
			if (hole)
				return tpt_broken(e, name, 1, "set %u has an entry after an empty way", s);
			if (!(classes >> ((tag >> 1) & 3) & 1))
				return tpt_broken(e, name, 4, "set %u holds a size class never filled", s);
			if (((tag >> 16) & (a->sets - 1)) != s)
				return tpt_broken(e, name, 2, "entry in set %u belongs to set %llu", s,
						(unsigned long long)((tag >> 16) & (a->sets - 1)));
			for (uint32_t v = w + 1; v < a->ways; v++)
				if (set[v].tag == tag)
					return tpt_broken(e, name, 3, "set %u holds a tag twice", s);
		}
	}
	return 0;
}

int tlb_check(const struct tlb *t, struct tpt_err *e)
{
	static const char *l1names[3] = {"L1 DTLB 4K", "L1 DTLB 2M", "L1 DTLB 1G"};
	for (int c = 0; c < 3; c++)
		if (array_check(&t->l1[c], t->classes, l1names[c], e))
			return -1;
	if (array_check(&t->l2, t->classes, "STLB", e) || array_check(&t->l2_1g, t->classes, "STLB 1G", e))
		return -1;
	return 0;
}
