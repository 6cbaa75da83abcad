/* SPDX-License-Identifier: MIT */
/*
 * check.c - the VM model's checker (vm_check), called by tests after every
 * change. It re-derives every table from first principles: the guest table
 * composed with the guest address map is the truth. The invariants, as
 * its messages number them:
 *   1  the EPT maps each backed gfn to the guest address map's hfn, and the
 *      RMP gives that frame this VM's tag
 *   2  a table of the scheme's own (shadow, TPT in use; vm_check_dual)
 *      agrees with guest table o guest address map: each leaf maps what
 *      the guest maps, no larger, writable only where the guest's is; a
 *      switching entry holds the gPA of the guest table at its place
 *   3  a table kept in sync (TPT) holds every guest mapping
 *   4  a guest mapping points at a data frame of guest memory, never a
 *      table page
 *   5  each guest frame's count equals the mappings covering it (and the
 *      page cache's own), so no freed frame is reachable
 *   6  the EPT maps exactly the backed frames
 *   7  the backed-page list holds each backed host page once, where its
 *      index says
 */
#include <stdlib.h>

#include "vm_internal.h"

struct chk {
	const struct vm *vm;
	const struct process *p;
	const struct pt *other; /* vm_check_dual: the table checked */
	struct tpt_err *e;
	const char *what;
	uint64_t frames;
	uint16_t *count; /* mappings per guest frame, recounted */
};

/* Every EPT leaf agrees with the guest address map. */
static int ept_leaf(void *ctx, uint64_t gpa, uint64_t pte, unsigned shift)
{
	struct chk *c = ctx;
	uint64_t hfn = (pte & PTE_ADDR) >> PAGE_SHIFT, gfn = gpa >> PAGE_SHIFT;
	for (uint64_t i = 0; i < (1ULL << (shift - PAGE_SHIFT)); i++) {
		if (c->vm->hv.gmap[gfn + i] != hfn + i)
			return tpt_broken(c->e, "vm_check", 1, "EPT maps gfn %llu to hfn %llu, the map says %u",
					(unsigned long long)(gfn + i), (unsigned long long)(hfn + i),
					c->vm->hv.gmap[gfn + i]);
		if (rmp_owner(&c->vm->hv.rmp, hfn + i) != c->vm->hv.tag)
			return tpt_broken(c->e, "vm_check", 1, "backed hfn %llu is not tagged for the VM",
					(unsigned long long)(hfn + i));
	}
	c->frames += 1ULL << (shift - PAGE_SHIFT);
	return 0;
}

/* A shadow or TPT leaf agrees with guest table o guest address map; a
 * switching entry holds the gPA of the guest table at its place. */
static int dual_leaf(void *ctx, uint64_t va, uint64_t pte, unsigned shift)
{
	struct chk *c = ctx;
	if (pte & PTE_STOP) {
		int level = (int)(shift - PAGE_SHIFT) / 9 + 1, at;
		uint64_t g = pt_peek(&c->p->pt, va, level, &at);
		if (at != level || !(g & PTE_P) || (g & PTE_PS) || (g & PTE_ADDR) != (pte & PTE_ADDR))
			return tpt_broken(c->e, "vm_check", 2, "switching entry for va %#llx holds %#llx, the guest table %#llx",
					(unsigned long long)va, (unsigned long long)(pte & PTE_ADDR),
					(unsigned long long)(g & PTE_ADDR));
		return 0;
	}
	uint64_t hpa;
	unsigned s;
	if (vm_ref_translate(c->vm, c->p, va, &hpa, &s))
		return tpt_broken(c->e, "vm_check", 2, "%s of pid %d maps va %#llx, which the guest does not",
				c->what, c->p->pid, (unsigned long long)va);
	if ((pte & PTE_ADDR) != hpa || shift > s)
		return tpt_broken(c->e, "vm_check", 2, "%s of pid %d maps va %#llx to %#llx (2^%u), the guest to %#llx (2^%u)",
				c->what, c->p->pid, (unsigned long long)va,
				(unsigned long long)(pte & PTE_ADDR), shift, (unsigned long long)hpa, s);
	if ((pte & PTE_W) && c->vm->hv.ops->hypervisor) {
		uint64_t gpa, gpte;
		unsigned gs;
		pt_lookup(&c->p->pt, va, &gpa, &gs, &gpte, NULL);
		if (!(gpte & PTE_W))
			return tpt_broken(c->e, "vm_check", 2, "%s of pid %d lets va %#llx be written, the guest does not",
					c->what, c->p->pid, (unsigned long long)va);
	}
	return 0;
}

/* A guest mapping counts towards its frame's references. */
static int guest_leaf(void *ctx, uint64_t va, uint64_t pte, unsigned shift)
{
	struct chk *c = ctx;
	uint64_t gfn = (pte & PTE_ADDR) >> PAGE_SHIFT;
	if (gfn >= (c->vm->guest_mem >> PAGE_SHIFT) || bit_test(c->vm->hv.table_gfn, gfn))
		return tpt_broken(c->e, "vm_check", 4, "pid %d maps va %#llx to gfn %llu, not a data frame",
				c->p->pid, (unsigned long long)va, (unsigned long long)gfn);
	for (uint64_t i = 0; i < (1ULL << (shift - PAGE_SHIFT)); i++)
		c->count[gfn + i]++;
	return 0;
}

/* Every guest mapping is in the other table (kept in sync, not filled
 * lazily): each piece of min(guest page, host page). */
static int guest_in_other(void *ctx, uint64_t va, uint64_t pte, unsigned shift)
{
	struct chk *c = ctx;
	(void)pte;
	unsigned s = min_shift(shift, c->vm->hv.host_shift);
	for (uint64_t off = 0; off < (1ULL << shift); off += 1ULL << s) {
		uint64_t pa, tpte;
		unsigned ts;
		if (pt_lookup(c->other, va + off, &pa, &ts, &tpte, NULL))
			return tpt_broken(c->e, "vm_check", 3, "pid %d maps va %#llx, its %s does not",
					c->p->pid, (unsigned long long)(va + off), c->what);
	}
	return 0;
}

int vm_check_dual(const struct vm *vm, const struct process *p, const struct pt *t,
		  const char *what, bool complete, struct tpt_err *e)
{
	struct chk c = {.vm = vm, .p = p, .other = t, .e = e, .what = what};
	if (pt_check(t, e) || pt_foreach(t, dual_leaf, &c))
		return -1;
	return complete ? pt_foreach(&p->pt, guest_in_other, &c) : 0;
}

static int check_process(struct chk *c, const struct process *p)
{
	c->p = p;
	if (pt_check(&p->pt, c->e))
		return -1;
	if (c->vm->hv.ops->check && c->vm->hv.ops->check(c->vm, p, c->e))
		return -1;
	return pt_foreach(&p->pt, guest_leaf, c);
}

/* A frame the page cache holds: one reference of its own. */
static void count_cached(void *ctx, uint64_t gfn)
{
	struct chk *c = ctx;
	c->count[gfn]++;
}

int vm_check(const struct vm *vm, struct tpt_err *e)
{
	uint64_t gfr = vm->guest_mem >> PAGE_SHIFT;
	struct chk c = {.vm = vm, .e = e};
	int rc = -1;
	c.count = calloc(gfr, sizeof(*c.count));
	if (!c.count)
		return tpt_fail_mem(e, "vm_check: out of memory");
	if (frames_check(&vm->gframes, e))
		goto out;
	for (unsigned i = 0; i < vm->nprocs; i++)
		if (vm->procs[i] && vm->procs[i]->alive && check_process(&c, vm->procs[i]))
			goto out;
	pcache_foreach(&vm->pcache, count_cached, &c);
	for (uint64_t g = 0; g < gfr; g++)
		if (c.count[g] != vm->refs[g]) {
			tpt_broken(e, "vm_check", 5, "gfn %llu is mapped %u times, its count says %u",
				 (unsigned long long)g, c.count[g], vm->refs[g]);
			goto out;
		}
	if (!vm->hv.ops->hypervisor) {
		rc = 0;
		goto out;
	}
	if (frames_check(&vm->hv.hframes, e))
		goto out;
	if (vm->hv.ept.tables) {
		if (pt_check(&vm->hv.ept, e) || pt_foreach(&vm->hv.ept, ept_leaf, &c))
			goto out;
		if (c.frames != vm->hv.backed) {
			tpt_broken(e, "vm_check", 6, "EPT maps %llu frames, %llu are backed",
				 (unsigned long long)c.frames, (unsigned long long)vm->hv.backed);
			goto out;
		}
	}
	const struct hv *hv = &vm->hv;
	uint64_t per = 1ULL << (hv->host_shift - PAGE_SHIFT);
	if (hv->bpos && hv->nblist * per != hv->backed) {
		tpt_broken(e, "vm_check", 7, "%zu backed host pages listed, %llu frames are backed",
			 hv->nblist, (unsigned long long)hv->backed);
		goto out;
	}
	for (size_t i = 0; hv->bpos && i < hv->nblist; i++) {
		uint32_t g = hv->blist[i];
		if (g % per || !hv->gmap[g] || hv->bpos[g] != i + 1) {
			tpt_broken(e, "vm_check", 7, "backed-page list entry %zu (gfn %u) is not a backed "
				    "host page listed there", i, g);
			goto out;
		}
	}
	rc = 0;
out:
	free(c.count);
	return rc;
}
