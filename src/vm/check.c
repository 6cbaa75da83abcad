/*
 * check.c - the VM model's checker (vm_check), called by tests after every
 * change. It re-derives every table from first principles: the guest table
 * composed with the guest address map is the truth; the EPT, the shadow
 * table and the TPT table must agree with it, and the RMP must give every
 * backed frame this VM's tag.
 */
#include "vm_internal.h"

struct chk {
	const struct vm *vm;
	const struct process *p;
	const struct pt *other;
	struct tpt_err *e;
	const char *what;
	uint64_t frames;
};

/* Every EPT leaf agrees with the guest address map. */
static int ept_leaf(void *ctx, uint64_t gpa, uint64_t pte, unsigned shift)
{
	struct chk *c = ctx;
	uint64_t hfn = (pte & PTE_ADDR) >> PAGE_SHIFT, gfn = gpa >> PAGE_SHIFT;
	for (uint64_t i = 0; i < (1ULL << (shift - PAGE_SHIFT)); i++) {
		if (c->vm->gmap[gfn + i] != hfn + i)
			return tpt_fail(c->e, "vm_check: EPT maps gfn %llu to hfn %llu, the map says %u",
					(unsigned long long)(gfn + i), (unsigned long long)(hfn + i),
					c->vm->gmap[gfn + i]);
		if (rmp_owner(&c->vm->rmp, hfn + i) != c->vm->tag)
			return tpt_fail(c->e, "vm_check: backed hfn %llu is not tagged for the VM",
					(unsigned long long)(hfn + i));
	}
	c->frames += 1ULL << (shift - PAGE_SHIFT);
	return 0;
}

/* A shadow or TPT leaf agrees with guest table o guest address map. */
static int dual_leaf(void *ctx, uint64_t va, uint64_t pte, unsigned shift)
{
	struct chk *c = ctx;
	uint64_t hpa;
	unsigned s;
	if (vm_ref_translate(c->vm, c->p, va, &hpa, &s))
		return tpt_fail(c->e, "vm_check: %s maps va %#llx, which the guest does not",
				c->what, (unsigned long long)va);
	if ((pte & PTE_ADDR) != hpa || shift > s)
		return tpt_fail(c->e, "vm_check: %s maps va %#llx to %#llx (size 2^%u), the guest to %#llx (2^%u)",
				c->what, (unsigned long long)va,
				(unsigned long long)(pte & PTE_ADDR), shift, (unsigned long long)hpa, s);
	return 0;
}

/* Every guest mapping is in the TPT table (it is kept in sync, not filled lazily). */
static int guest_leaf_in_tpt(void *ctx, uint64_t va, uint64_t pte, unsigned shift)
{
	struct chk *c = ctx;
	unsigned s = min_shift(shift, c->vm->host_shift);
	(void)pte;
	for (uint64_t off = 0; off < (1ULL << shift); off += 1ULL << s) {
		uint64_t pa, tpte;
		unsigned ts;
		if (pt_lookup(c->other, va + off, &pa, &ts, &tpte, NULL))
			return tpt_fail(c->e, "vm_check: guest maps va %#llx, the TPT table does not",
					(unsigned long long)(va + off));
	}
	return 0;
}

int vm_check(const struct vm *vm, struct tpt_err *e)
{
	const struct process *p = &vm->proc;
	struct chk c = {.vm = vm, .p = p, .e = e};
	if (frames_check(&vm->gframes, e))
		return -1;
	if (p->vm && pt_check(&p->pt, e))
		return -1;
	if (vm->mode == VM_NATIVE)
		return 0;
	if (frames_check(&vm->hframes, e))
		return -1;
	if (vm->ept.tables) {
		if (pt_check(&vm->ept, e) || pt_foreach(&vm->ept, ept_leaf, &c))
			return -1;
		if (c.frames != vm->backed)
			return tpt_fail(e, "vm_check: EPT maps %llu frames, %llu are backed",
					(unsigned long long)c.frames, (unsigned long long)vm->backed);
	}
	if (p->shadowed) {
		c.what = "shadow table";
		if (pt_check(&p->shadow, e) || pt_foreach(&p->shadow, dual_leaf, &c))
			return -1;
	}
	if (p->tpt) {
		c.what = "TPT table";
		c.other = &p->tpt_pt;
		if (pt_check(&p->tpt_pt, e) || pt_foreach(&p->tpt_pt, dual_leaf, &c) ||
		    pt_foreach(&p->pt, guest_leaf_in_tpt, &c))
			return -1;
	}
	return 0;
}
