/* SPDX-License-Identifier: MIT */
/*
 * check.c - the DBT model's checker (dbt_internal.h): called by tests after
 * every step. Each structure's own checker passes, and the invariants its
 * messages number hold: 1 shadow entries map what the guest table maps, to
 * the same frame with the same rights; 2 software-TLB entries translate as
 * the current process's table does.
 */
#include "dbt_internal.h"

struct agree_ctx {
	const struct gproc *p;
	int bad;
};

static int shadow_agrees(void *ctx, uint64_t va, uint64_t pte, unsigned shift)
{
	struct agree_ctx *c = ctx;
	uint64_t refs[PT_MAX_LEVELS], gpa, gflags;
	int n;
	(void)shift;
	if (table_walk(&c->p->pt, va, refs, &n, &gpa, &gflags) || gpa != (pte & PTE_ADDR) ||
	    gflags != (pte & PTE_W))
		c->bad++;
	return 0;
}

int dbt_check(const struct dbt *d, struct tpt_err *e)
{
	for (size_t i = 0; i < d->nprocs; i++) {
		const struct gproc *p = d->procs[i];
		if (!p || !p->live)
			continue;
		if (pt_check(&p->pt, e) || pt_check(&p->shadow, e))
			return -1;
		struct agree_ctx c = {p, 0};
		pt_foreach(&p->shadow, shadow_agrees, &c);
		if (c.bad)
			return tpt_broken(e, "dbt_check", 1, "pid %zu: %d shadow entries disagree with the guest table",
					  i, c.bad);
	}
	if (softtlb_check(&d->stlb, e))
		return -1;
	if (d->ops->softtlb && d->cur)
		for (uint32_t i = 0; i < 1U << d->stlb.bits; i++) {
			const struct stlb_entry *t = &d->stlb.t[i];
			if (t->addr_read == STLB_INVALID)
				continue;
			uint64_t refs[PT_MAX_LEVELS], pa, f;
			int n;
			if (table_walk(&d->cur->pt, t->addr_read, refs, &n, &pa, &f) || pa != t->pa)
				return tpt_broken(e, "dbt_check", 2, "software TLB entry %u disagrees with the guest table", i);
		}
	return fa_check(&d->htlb, "host TLB", e);
}
