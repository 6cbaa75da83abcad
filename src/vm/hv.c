/* SPDX-License-Identifier: MIT */
/*
 * hv.c - the hypervisor model (hv.h): host frames, the guest address map
 * (gfn -> hfn, and its reverse), the EPT, the host frame permission table,
 * the first-touch backing of guest memory, and migration and reclaim of
 * guest frames; and the hypervisor's half of each scheme (hv_ops).
 *
 * Called by the rest of the VM model (vm.c, guest.c, shadow.c, tpt.c). It
 * includes nothing of the guest: what a frame's move means for processes
 * is vm.c's, and every exit is charged to the account its caller names.
 * Invariants: gmap[gfn] is non-zero exactly for backed frames, and then the EPT (when live) maps gfn
 * to gmap[gfn], rmap[gmap[gfn]] == gfn, and the RMP gives the frame this
 * VM's tag. Backing is by whole host pages (host_shift). Frames the
 * hypervisor takes back stay in quarantine while any TPT table may still
 * point at them, so a stale TPT entry can never reach another frame of the
 * VM.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "tpt/vm/hv.h"
#include "tpt/mmu/mmu.h"

static int host_alloc(void *ctx, void *acct, const struct pt *pt, uint64_t *addr)
{
	struct hv *hv = ctx;
	uint64_t hfn;
	(void)acct, (void)pt;
	if (frames_alloc_table(&hv->hframes, &hfn))
		return TPT_EHOSTMEM;
	hostmem_zero_frame(&hv->mmu->hm, hfn);
	*addr = hfn << PAGE_SHIFT;
	return 0;
}

static void host_free(void *ctx, void *acct, const struct pt *pt, uint64_t addr)
{
	struct hv *hv = ctx;
	(void)acct, (void)pt;
	hostmem_release_frame(&hv->mmu->hm, addr >> PAGE_SHIFT);
	frames_free_table(&hv->hframes, addr >> PAGE_SHIFT);
}

const struct pt_ops hv_table_ops = {.alloc = host_alloc, .free = host_free};

void *hv_map_sparse(uint64_t bytes)
{
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

const struct hv_ops hv_native = {.first_touch = EXIT_EPT_VIOLATION};
const struct hv_ops hv_nested = {.hypervisor = true, .ept = true,
				 .first_touch = EXIT_EPT_VIOLATION};

uint64_t hv_hostmem_size(const struct hv_ops *hv, uint64_t guest_mem, uint64_t host_mem,
			 const struct tpt_config *cfg)
{
	if (!hv->hypervisor)
		return guest_mem;
	return host_mem + tpt_align_up((host_mem >> PAGE_SHIFT) * cfg->rmp_entry_bytes, PAGE_SIZE);
}

int hv_init(struct hv *hv, const struct hv_ops *ops, int levels, unsigned host_shift,
	    uint64_t guest_mem, uint64_t host_mem, const struct tpt_config *cfg, struct mmu *mmu,
	    struct tpt_err *e)
{
	memset(hv, 0, sizeof(*hv));
	hv->ops = ops;
	hv->traps_tlb = ops->traps_tlb;
	hv->mmu = mmu;
	hv->host_shift = ops->hypervisor ? host_shift : PAGE_SHIFT;
	hv->host_mem = ops->hypervisor ? host_mem : guest_mem;
	hv->tag = 1;
	uint64_t gfr = guest_mem >> PAGE_SHIFT, hfr = hv->host_mem >> PAGE_SHIFT;
	hv->table_gfn = calloc(gfr / 8 + 1, 1);
	if (!hv->table_gfn)
		return tpt_fail_mem(e, "out of memory for the guest frame maps");
	if (!ops->hypervisor)
		return 0;
	/* Frames 0..511 stay unused: a null host-physical page is a bug. */
	if (frames_init(&hv->hframes, 512, hfr, e))
		return -1;
	if (cfg->frame_order == FRAMES_SCATTERED)
		frames_scatter(&hv->hframes, 1); /* the same draws for every run */
	hv->gmap_bytes = tpt_align_up(gfr * sizeof(uint32_t), PAGE_SIZE);
	hv->rmap_bytes = tpt_align_up(hfr * sizeof(uint32_t), PAGE_SIZE);
	hv->gmap = hv_map_sparse(hv->gmap_bytes);
	hv->rmap = hv_map_sparse(hv->rmap_bytes);
	if (!hv->gmap || !hv->rmap)
		return tpt_fail_mem(e, "cannot reserve the guest address map");
	if (rmp_init(&hv->rmp, hfr, hv->host_mem, cfg->rmp_entry_bytes, e))
		return -1;
	if (ops->ept && pt_init(&hv->ept, NULL, &mmu->hm, NULL, levels, hv->host_mem, &hv_table_ops, hv))
		return tpt_fail(e, "cannot allocate the EPT root");
	if (cfg->migrate_every) {
		hv->bpos_bytes = tpt_align_up(gfr * sizeof(uint32_t), PAGE_SIZE);
		if (!(hv->bpos = hv_map_sparse(hv->bpos_bytes)))
			return tpt_fail_mem(e, "cannot reserve the list of backed pages");
	}
	return 0;
}

/* The backed-page list (only with migrations on): add or drop a host page. */
static int blist_add(struct hv *hv, uint64_t first)
{
	if (!hv->bpos)
		return TPT_OK;
	if (tpt_grow(&hv->blist, &hv->capblist, hv->nblist + 1, sizeof(*hv->blist)))
		return TPT_EHOSTMEM;
	hv->blist[hv->nblist++] = (uint32_t)first;
	hv->bpos[first] = (uint32_t)hv->nblist;
	return TPT_OK;
}

static void blist_drop(struct hv *hv, uint64_t first)
{
	if (!hv->bpos)
		return;
	uint32_t at = hv->bpos[first] - 1, last = hv->blist[--hv->nblist];
	hv->blist[at] = last;
	hv->bpos[last] = at + 1;
	hv->bpos[first] = 0;
}

int hv_backed_page(const struct hv *hv, uint64_t r, uint64_t *gfn)
{
	if (!hv->nblist)
		return -1;
	*gfn = hv->blist[r % hv->nblist];
	return 0;
}

void hv_fini(struct hv *hv)
{
	if (hv->gmap)
		munmap(hv->gmap, hv->gmap_bytes);
	if (hv->rmap)
		munmap(hv->rmap, hv->rmap_bytes);
	if (hv->bpos)
		munmap(hv->bpos, hv->bpos_bytes);
	free(hv->blist);
	rmp_fini(&hv->rmp);
	free(hv->table_gfn);
	free(hv->quarantine);
	frames_fini(&hv->hframes);
	memset(hv, 0, sizeof(*hv));
}

int hv_back(struct hv *hv, uint64_t gfn, bool table)
{
	unsigned order = hv->host_shift - PAGE_SHIFT;
	uint64_t hfn;
	/* A 4K backing of a guest table page comes from the host's table chunks. */
	int rc = order == 0 && table ? frames_alloc_table(&hv->hframes, &hfn)
				     : frames_alloc(&hv->hframes, order, &hfn);
	if (rc)
		return TPT_EHOSTMEM;
	return hv_back_at(hv, gfn, hfn);
}

int hv_back_at(struct hv *hv, uint64_t gfn, uint64_t hfn)
{
	unsigned order = hv->host_shift - PAGE_SHIFT;
	uint64_t n = 1ULL << order, first = gfn & ~(n - 1);
	for (uint64_t i = 0; i < n; i++) {
		hv->gmap[first + i] = (uint32_t)(hfn + i);
		hv->rmap[hfn + i] = (uint32_t)(first + i);
	}
	hv->backed += n;
	if (blist_add(hv, first))
		return TPT_EHOSTMEM;
	rmp_assign(&hv->rmp, hfn, n, hv->tag);
	if (hv->ept.tables &&
	    pt_map(&hv->ept, NULL, first << PAGE_SHIFT, hfn << PAGE_SHIFT, hv->host_shift, PTE_W | PTE_U))
		return TPT_EHOSTMEM;
	return hv->ops->backed ? hv->ops->backed(hv, first, hfn, n) : TPT_OK;
}

int hv_touch(struct hv *hv, struct tpt_stats *acct, uint64_t gfn, bool table)
{
	if (!hv->gmap || hv->gmap[gfn])
		return TPT_OK;
	int rc = hv_back(hv, gfn, table);
	if (rc == TPT_OK) {
		acct->exits[hv->ops->first_touch]++;
		/* The host clears its new page; its exit's cost holds one frame's. */
		acct->cleared_frames += (1ULL << (hv->host_shift - PAGE_SHIFT)) - 1;
	}
	return rc;
}

void hv_flush(struct hv *hv)
{
	tlb_flush(&hv->mmu->tlb);
	pwc_flush(&hv->mmu->pwc);
	pwc_flush(&hv->mmu->hpwc);
	fa_flush(&hv->mmu->ntlb);
	fa_flush(&hv->mmu->rmpc);
}

static int quarantine(struct hv *hv, uint64_t hfn)
{
	if (tpt_grow(&hv->quarantine, &hv->capquarantine, hv->nquarantine + 1,
		     sizeof(*hv->quarantine)))
		return TPT_EHOSTMEM;
	hv->quarantine[hv->nquarantine++] = hfn;
	return TPT_OK;
}

void hv_release_quarantine(struct hv *hv)
{
	unsigned order = hv->host_shift - PAGE_SHIFT;
	for (size_t i = 0; i < hv->nquarantine; i++)
		frames_free(&hv->hframes, hv->quarantine[i], order);
	hv->nquarantine = 0;
}

static bool is_table(const struct hv *hv, uint64_t gfn)
{
	return (hv->table_gfn[gfn >> 3] >> (gfn & 7)) & 1;
}

/* Unbacks the host page holding gfn; its old frames go to quarantine. */
static int unback(struct hv *hv, uint64_t gfn, uint64_t *old)
{
	unsigned order = hv->host_shift - PAGE_SHIFT;
	uint64_t n = 1ULL << order, first = gfn & ~(n - 1);
	if (!hv->gmap || !hv->gmap[first])
		return TPT_ESEGV;
	*old = hv->gmap[first];
	for (uint64_t i = 0; i < n; i++)
		hv->gmap[first + i] = 0;
	hv->backed -= n;
	blist_drop(hv, first);
	rmp_assign(&hv->rmp, *old, n, RMP_HYPERVISOR);
	if (hv->ept.tables)
		pt_unmap(&hv->ept, NULL, first << PAGE_SHIFT);
	if (hv->ops->unbacked)
		hv->ops->unbacked(hv, first, *old, n);
	return quarantine(hv, *old);
}

int hv_migrate(struct hv *hv, struct tpt_stats *acct, uint64_t gfn, uint64_t *old)
{
	unsigned order = hv->host_shift - PAGE_SHIFT;
	uint64_t n = 1ULL << order, first = gfn & ~(n - 1);
	if (!hv->gmap || !hv->gmap[first])
		return TPT_ESEGV;
	bool tables = false;
	for (uint64_t i = 0; i < n; i++)
		tables |= is_table(hv, first + i);
	int rc = unback(hv, first, old);
	if (rc || (rc = hv_back(hv, first, tables)))
		return rc;
	/* Page-table pages carry content: copy it to the new frames. */
	for (uint64_t i = 0; i < n; i++)
		if (is_table(hv, first + i))
			memcpy(hostmem_word(&hv->mmu->hm, (uint64_t)hv->gmap[first + i] << PAGE_SHIFT),
			       hostmem_word(&hv->mmu->hm, (*old + i) << PAGE_SHIFT), PAGE_SIZE);
	acct->hv_migrations++;
	return TPT_OK;
}

int hv_reclaim(struct hv *hv, struct tpt_stats *acct, uint64_t gfn, uint64_t *old)
{
	unsigned order = hv->host_shift - PAGE_SHIFT;
	uint64_t n = 1ULL << order, first = gfn & ~(n - 1);
	for (uint64_t i = 0; i < n; i++)
		if (is_table(hv, first + i))
			return TPT_EPROT; /* page tables are never swapped out */
	int rc = unback(hv, first, old);
	if (rc)
		return rc;
	acct->hv_reclaims++;
	return TPT_OK;
}
