/* SPDX-License-Identifier: MIT */
/*
 * dvmt.c - Do-It-Yourself Virtual Memory Translation (Alam, Zhang, Erez,
 * Etsion, ISCA 2017), in its hypervisor form: the guest keeps its page
 * table, and the gPA -> hPA dimension of every walk is the hypervisor's own
 * map instead of the EPT, with the permission to use each host frame
 * checked apart from the translation (a token check in the host frame
 * permission table, the RMP that TPT's tag checks read).
 *
 * The map ([hv] dvmt_layout) lies in host memory, where the walk reads it:
 *   flat  an 8-byte entry per host page of guest memory, by gPA: one
 *         reference per gPA;
 *   hash  16-byte slots (host page number + 1, entry), linear probing, at
 *         most half full: one reference per cache line probed;
 *   ds    one direct segment: guest frames [0, seg_frames) are at gPA +
 *         seg_off, with no reference. The hypervisor backs all guest memory
 *         at start on one run of host frames. A frame it later moves ends
 *         the segment below it; what lies above, and all guest memory when
 *         no run that long was free, is translated by the EPT, which the
 *         hypervisor keeps for every layout (for flat and hash it is only
 *         its record: no walk reads it).
 * A gPA is translated by the nested TLB, or else by the custom translation
 * (its references through the caches, dvmt_handler_cycles of work beside
 * them), which the nested TLB then holds. The permission is checked apart
 * from the translation, once per TLB fill: the data frame's token check in
 * the host frame permission table (the RMP, through its cache), issued
 * beside the data access as tpt-opt's last check is. The translations of
 * the guest table's own frames are the hypervisor's map's, like the EPT's,
 * and fill nothing. With no translation cache a walk reads g guest
 * entries, makes g+1 custom translations and one check: 10 references on
 * 4-level tables with flat, 5 with ds, against nested paging's 24.
 *
 * Not modelled (docs/related.md): the paper's form in which the process's
 * own map replaces both dimensions (`both`), and its per-application
 * choice of map; here one map serves the whole VM.
 *
 * Called through scheme.h and hv.h. State: per VM (struct dvmt_vm) the
 * registers and the map's host frames. Invariant (dvmt_check): flat: the
 * entry of a guest frame is present exactly when the frame is backed and
 * gives its host page; hash: every backed host page has one slot, reached
 * by probing from its hash without an empty slot between, and no other
 * slot is used; ds: every guest frame below seg_frames is backed at gPA +
 * seg_off.
 */
#include <stddef.h>

#include "tpt/mmu/walk.h"
#include "tpt/scheme/scheme.h"

struct dvmt_vm {
	struct dvmt_regs regs;
	uint64_t map_frames; /* flat, hash: host frames of the map, from regs.table on */
	uint64_t used;       /* hash: slots in use */
};

static struct dvmt_vm *dv_of_hv(struct hv *hv)
{
	struct vm *vm = (struct vm *)((char *)hv - offsetof(struct vm, hv));
	return vm->xs;
}

/* --- the map's entries, as the hardware reads them ------------------------- */

static uint64_t entry_of(uint64_t hfn, unsigned host_shift)
{
	return (hfn << PAGE_SHIFT) | ((uint64_t)host_shift << 1) | 1;
}

/* The slot a host page number probes first. */
static uint64_t hash_slot(uint64_t hpn, uint64_t mask)
{
	return (hpn * 0x9E3779B97F4A7C15ULL >> 17) & mask;
}

static uint64_t *word(struct hv *hv, uint64_t addr)
{
	return hostmem_word(&hv->mmu->hm, addr);
}

/* --- the hardware half ---------------------------------------------------- */

/* A gPA's custom translation: WALK_OK with *hpa and *shift, or
 * WALK_EPT_VIOLATION (the host page is not backed: the map has no entry). */
static int custom(struct mmu *m, const struct mmu_regs *r, struct walk *w, uint64_t gpa,
		  uint64_t *hpa, unsigned *shift)
{
	const struct dvmt_regs *d = r->dvmt;
	uint64_t gfn = gpa >> PAGE_SHIFT, e = 0;
	w->st->dvmt_translations++;
	w->cycles += d->handler_cycles;
	if (d->layout == DVMT_DS) {
		if (gfn < d->seg_frames) {
			*hpa = gpa + d->seg_off;
			*shift = d->host_shift;
			return WALK_OK;
		}
		w->st->dvmt_outside++;
		return walk_ept(m, r, w, gpa, hpa, shift);
	}
	if (d->layout == DVMT_FLAT) {
		uint64_t at = d->table + 8 * (gfn >> (d->host_shift - PAGE_SHIFT));
		walk_ref(m, w, at);
		w->st->dvmt_refs++;
		e = *hostmem_word(&m->hm, at);
	} else {
		uint64_t key = (gfn >> (d->host_shift - PAGE_SHIFT)) + 1, line = ~0ULL;
		for (uint64_t i = hash_slot(key - 1, d->mask);; i = (i + 1) & d->mask) {
			uint64_t at = d->table + 16 * i;
			if (at >> 6 != line) {
				line = at >> 6;
				walk_ref(m, w, at);
				w->st->dvmt_refs++;
			}
			uint64_t k = *hostmem_word(&m->hm, at);
			if (k == key) {
				e = *hostmem_word(&m->hm, at + 8);
				break;
			}
			if (!k)
				break;
		}
	}
	if (!(e & 1)) {
		w->fault_addr = gpa;
		return WALK_EPT_VIOLATION;
	}
	*shift = (unsigned)((e >> 1) & 63);
	*hpa = (e & ~(PAGE_SIZE - 1)) | (gpa & ((1ULL << *shift) - 1));
	return WALK_OK;
}

/* gPA -> hPA: the nested TLB, or the custom translation, which the nested
 * TLB then holds. */
static int host(struct mmu *m, const struct mmu_regs *r, struct walk *w, uint64_t gpa,
		uint64_t *hpa, unsigned *shift)
{
	if (walk_ntlb(m, w, gpa, hpa, shift))
		return WALK_OK;
	int rc = custom(m, r, w, gpa, hpa, shift);
	if (rc == WALK_OK)
		walk_ntlb_fill(m, gpa, *hpa & ~((1ULL << *shift) - 1), *shift);
	return rc;
}

/* The 2D walk with the custom map as its host dimension. */
static int dvmt_walk(struct mmu *m, const struct mmu_regs *r, uint64_t va, bool write,
		     struct walk *w)
{
	uint64_t gtable = r->cr3;
	for (int level = walk_start(m, w, va, r->asid, &gtable);; level--) {
		uint64_t htable, hpa;
		unsigned hs;
		int rc = host(m, r, w, gtable, &htable, &hs);
		if (rc)
			return rc;
		uint64_t epa = htable + 8ULL * pt_index(va, level);
		walk_ref(m, w, epa);
		uint64_t e;
		if (!walk_entry(m, epa, level, write, &e)) {
			w->fault_addr = va;
			return WALK_GUEST_PF;
		}
		if (level == 1 || (e & PTE_PS)) {
			unsigned gs = pt_shift(level);
			rc = host(m, r, w, pt_leaf_pa(e, level, va), &hpa, &hs);
			if (rc)
				return rc;
			w->pa = hpa;
			w->shift = gs < hs ? gs : hs;
			w->writable = e & PTE_W;
			/* The fill's token check, beside the data access. */
			w->st->dvmt_token_checks++;
			return walk_tag_check(m, r, w, hpa >> PAGE_SHIFT, CHECKS_PARALLEL, 0, true);
		}
		gtable = e & PTE_ADDR;
		pwc_fill(&m->pwc, level, va, r->asid, gtable);
	}
}

/* g guest references, g+1 custom translations of one reference (flat, the
 * default layout) and the fill's token check. */
static unsigned dvmt_refs(unsigned g, unsigned h, unsigned g1)
{
	(void)h, (void)g1;
	return g + (g + 1) + 1;
}

static unsigned dvmt_checks(unsigned g, unsigned h, unsigned g1)
{
	(void)g, (void)h, (void)g1;
	return 1;
}

static void dvmt_regs_of(const struct vm *vm, const struct process *p, struct mmu_regs *r)
{
	scheme_guest_regs(vm, p, r);
	r->dvmt = &((const struct dvmt_vm *)vm->xs)->regs;
}

/* --- the hypervisor half: the map follows the guest address map ----------- */

static void hash_put(struct hv *hv, struct dvmt_vm *x, uint64_t hpn, uint64_t entry)
{
	uint64_t mask = x->regs.mask, i = hash_slot(hpn, mask);
	while (*word(hv, x->regs.table + 16 * i) && *word(hv, x->regs.table + 16 * i) != hpn + 1)
		i = (i + 1) & mask;
	uint64_t *k = word(hv, x->regs.table + 16 * i);
	if (!*k)
		x->used++;
	*k = hpn + 1;
	*word(hv, x->regs.table + 16 * i + 8) = entry;
}

/* Linear probing's deletion: the slots after the hole that probed past it
 * move back into it. */
static void hash_drop(struct hv *hv, struct dvmt_vm *x, uint64_t hpn)
{
	uint64_t mask = x->regs.mask, i = hash_slot(hpn, mask), t = x->regs.table;
	while (*word(hv, t + 16 * i) != hpn + 1) {
		if (!*word(hv, t + 16 * i))
			return;
		i = (i + 1) & mask;
	}
	for (uint64_t j = (i + 1) & mask;; j = (j + 1) & mask) {
		uint64_t k = *word(hv, t + 16 * j);
		if (!k)
			break;
		uint64_t home = hash_slot(k - 1, mask);
		/* The entry at j stays if its home lies cyclically in (i, j]. */
		if (i <= j ? (home > i && home <= j) : (home > i || home <= j))
			continue;
		*word(hv, t + 16 * i) = k;
		*word(hv, t + 16 * i + 8) = *word(hv, t + 16 * j + 8);
		i = j;
	}
	*word(hv, t + 16 * i) = 0;
	*word(hv, t + 16 * i + 8) = 0;
	x->used--;
}

static int dvmt_backed(struct hv *hv, uint64_t gfn, uint64_t hfn, uint64_t n)
{
	struct dvmt_vm *x = dv_of_hv(hv);
	switch (x->regs.layout) {
	case DVMT_FLAT:
		*word(hv, x->regs.table + 8 * (gfn / n)) = entry_of(hfn, hv->host_shift);
		break;
	case DVMT_HASH:
		hash_put(hv, x, gfn / n, entry_of(hfn, hv->host_shift));
		break;
	}
	return TPT_OK;
}

static void dvmt_unbacked(struct hv *hv, uint64_t gfn, uint64_t hfn, uint64_t n)
{
	struct dvmt_vm *x = dv_of_hv(hv);
	(void)hfn;
	switch (x->regs.layout) {
	case DVMT_FLAT:
		*word(hv, x->regs.table + 8 * (gfn / n)) = 0;
		break;
	case DVMT_HASH:
		hash_drop(hv, x, gfn / n);
		break;
	case DVMT_DS:
		/* The segment cannot hold a frame that moved: it ends below it. */
		if (gfn < x->regs.seg_frames)
			x->regs.seg_frames = gfn;
		break;
	}
}

/* The map's host frames, one run (the hardware reads it by address). */
static int map_alloc(struct vm *vm, struct dvmt_vm *x, uint64_t bytes, struct tpt_err *e)
{
	uint64_t pfn;
	x->map_frames = tpt_align_up(tpt_align_up(bytes, PAGE_SIZE) >> PAGE_SHIFT, 512);
	if (frames_alloc_run(&vm->hv.hframes, x->map_frames, &pfn))
		return tpt_fail(e, "dvmt: host memory has no run of %llu MiB for the %s map "
				   "(raise [mem] host_mem)",
				(unsigned long long)(x->map_frames >> 8),
				x->regs.layout == DVMT_FLAT ? "flat" : "hash");
	x->regs.table = pfn << PAGE_SHIFT;
	return 0;
}

/* ds: all guest memory backed at start on one run of host frames, if the
 * host has it; else no segment, and every gPA goes through the EPT. */
static int segment(struct vm *vm, struct dvmt_vm *x, struct tpt_err *e)
{
	uint64_t gfr = vm->guest_mem >> PAGE_SHIFT, run, step = 1ULL << (vm->hv.host_shift - PAGE_SHIFT);
	if (frames_alloc_run(&vm->hv.hframes, gfr, &run))
		return 0;
	for (uint64_t g = 0; g < gfr; g += step)
		if (hv_back_at(&vm->hv, g, run + g))
			return tpt_fail(e, "dvmt: out of memory backing the direct segment");
	x->regs.seg_frames = gfr;
	x->regs.seg_off = run << PAGE_SHIFT;
	return 0;
}

static int dvmt_init(struct vm *vm, struct tpt_err *e)
{
	struct dvmt_vm *x = vm->xs;
	uint64_t pages = vm->guest_mem >> vm->hv.host_shift, slots = 1;
	x->regs = (struct dvmt_regs){.layout = vm->cfg->dvmt_layout, .host_shift = vm->hv.host_shift,
				     .handler_cycles = vm->cfg->dvmt_handler_cycles};
	switch (x->regs.layout) {
	case DVMT_FLAT:
		return map_alloc(vm, x, 8 * pages, e);
	case DVMT_HASH:
		while (slots < 2 * pages)
			slots <<= 1;
		x->regs.mask = slots - 1;
		return map_alloc(vm, x, 16 * slots, e);
	default:
		return segment(vm, x, e);
	}
}

static int broken(struct tpt_err *e, int inv, uint64_t gfn, const char *what)
{
	return tpt_broken(e, "dvmt_check", inv, "guest frame %#llx: %s", (unsigned long long)gfn, what);
}

/* The map agrees with the guest address map (the invariant above). */
static int dvmt_check(const struct vm *vm, const struct process *p, struct tpt_err *e)
{
	struct hv *hv = (struct hv *)&vm->hv;
	const struct dvmt_vm *x = vm->xs;
	uint64_t gfr = vm->guest_mem >> PAGE_SHIFT, step = 1ULL << (hv->host_shift - PAGE_SHIFT);
	uint64_t found = 0;
	(void)p;
	for (uint64_t g = 0; g < gfr; g += step) {
		uint64_t want = hv->gmap[g] ? entry_of(hv->gmap[g], hv->host_shift) : 0;
		if (x->regs.layout == DVMT_FLAT) {
			if (*word(hv, x->regs.table + 8 * (g / step)) != want)
				return broken(e, 1, g, "its flat entry is not its host page");
		} else if (x->regs.layout == DVMT_HASH && want) {
			uint64_t i = hash_slot(g / step, x->regs.mask);
			while (*word(hv, x->regs.table + 16 * i) != g / step + 1) {
				if (!*word(hv, x->regs.table + 16 * i))
					return broken(e, 2, g, "backed, and no slot of the hash map reached");
				i = (i + 1) & x->regs.mask;
			}
			if (*word(hv, x->regs.table + 16 * i + 8) != want)
				return broken(e, 2, g, "its hash entry is not its host page");
			found++;
		} else if (x->regs.layout == DVMT_DS && g < x->regs.seg_frames &&
			   ((uint64_t)hv->gmap[g] << PAGE_SHIFT) != (g << PAGE_SHIFT) + x->regs.seg_off)
			return broken(e, 3, g, "in the direct segment, backed elsewhere");
	}
	if (x->regs.layout == DVMT_HASH && found != x->used)
		return tpt_broken(e, "dvmt_check", 2, "%llu hash slots used for %llu backed host pages",
				  (unsigned long long)x->used, (unsigned long long)found);
	return 0;
}

static const struct hv_ops hv_dvmt = {
	.hypervisor = true, .ept = true, .first_touch = EXIT_EPT_VIOLATION,
	.vm_size = sizeof(struct dvmt_vm), .init = dvmt_init, .check = dvmt_check,
	.backed = dvmt_backed, .unbacked = dvmt_unbacked,
};

const struct scheme scheme_dvmt = {
	.name = "dvmt",
	.summary = "DVMT (hypervisor form): the guest table, then the hypervisor's own map ([hv] dvmt_layout) for gPAs, token-checked",
	.hv = &hv_dvmt,
	.tag_checks = true,
	.cr3_gpa = true,
	.regs = dvmt_regs_of,
	.walk = dvmt_walk,
	.miss_refs = dvmt_refs,
	.miss_checks = dvmt_checks,
};
