/* SPDX-License-Identifier: MIT */
/*
 * guest.c - the probe guest's image (vmm.h): its descriptor tables, code
 * and 4-level page tables, laid out in guest memory the caller gives, and
 * the register state that starts it at CPL3 in long mode.
 *
 * Called by kvm.c (vmm_open) and by the tests, which walk the tables with
 * pt_lookup without KVM. The page tables are pt.h's: real x86-64 entries
 * in guest memory, every one with U, W and P. Table pages come from a bump
 * allocator over [GUEST_TABLES, tables_end); nothing is freed before the
 * image is.
 */
#include <string.h>

#include "tpt/probe/loops.h"
#include "tpt/probe/vmm.h"

#define SCRATCH_BYTES (4 * MiB)

/* Bytes of page tables for guest memory of mem bytes on 4K pages, with
 * room for the low regions, rounded to 2 MiB. */
static uint64_t tables_bytes(uint64_t mem)
{
	uint64_t pages = mem / (2 * MiB) + mem / GiB + 16;
	return tpt_align_up(pages * PAGE_SIZE, 2 * MiB);
}

static uint64_t scratch_at(uint64_t buffer_size)
{
	uint64_t t = GUEST_TABLES + tables_bytes(buffer_size + 64 * MiB);
	return tpt_align_up(t, SCRATCH_BYTES);
}

static uint64_t buffer_at(uint64_t buffer_size)
{
	return scratch_at(buffer_size) + SCRATCH_BYTES;
}

uint64_t guest_mem_size(uint64_t buffer_size)
{
	return buffer_at(buffer_size) + tpt_align_up(buffer_size, 2 * MiB);
}

static int table_alloc(void *ctx, void *arg, const struct pt *pt, uint64_t *addr)
{
	struct guest_image *g = ctx;
	(void)arg, (void)pt;
	if (g->next_table >= g->tables_end)
		return TPT_ENOMEM;
	*addr = g->next_table;
	g->next_table += PAGE_SIZE;
	memset(g->mem + *addr, 0, PAGE_SIZE);
	return 0;
}

static void table_free(void *ctx, void *arg, const struct pt *pt, uint64_t addr)
{
	(void)ctx, (void)arg, (void)pt, (void)addr;
}

static const struct pt_ops table_ops = {table_alloc, table_free, NULL};

static int map_range(struct guest_image *g, uint64_t start, uint64_t end, unsigned shift,
		     struct tpt_err *e)
{
	for (uint64_t a = start; a < end; a += 1ULL << shift) {
		int rc = pt_map(&g->pt, NULL, a, a, shift, PTE_W | PTE_U);
		if (rc)
			return tpt_fail(e, "probe guest: mapping 0x%llx failed (%d)", (unsigned long long)a, rc);
	}
	return 0;
}

static void put_u64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, sizeof(v));
}

/* The GDT: null, kernel code and data, user code and data, and a 64-bit
 * TSS (two slots). */
static void build_gdt(struct guest_image *g)
{
	uint8_t *gdt = g->mem + GUEST_GDT;
	put_u64(gdt + 8, 0x00af9b000000ffffULL);  /* kernel code, L */
	put_u64(gdt + 16, 0x00cf93000000ffffULL); /* kernel data */
	put_u64(gdt + 24, 0x00affb000000ffffULL); /* user code, L, DPL 3 */
	put_u64(gdt + 32, 0x00cff3000000ffffULL); /* user data, DPL 3 */
	uint64_t b = GUEST_TSS, lim = 0x67;
	uint64_t lo = (lim & 0xffff) | (b & 0xffffff) << 16 | 0x8bULL << 40 | ((lim >> 16) & 0xf) << 48 |
		      ((b >> 24) & 0xff) << 56;
	put_u64(gdt + 40, lo);
	put_u64(gdt + 48, b >> 32);
	/* The TSS: no I/O bitmap (its offset past the limit); IOPL 3 lets OUT through. */
	uint16_t iomap = 0x68;
	memcpy(g->mem + GUEST_TSS + 102, &iomap, sizeof(iomap));
}

int guest_build(struct guest_image *g, uint8_t *mem, uint64_t mem_size, uint64_t buffer_size,
		unsigned buffer_shift, struct tpt_err *e)
{
	memset(g, 0, sizeof(*g));
	if (buffer_shift != 12 && buffer_shift != 21)
		return tpt_fail(e, "probe guest: pages of 4K or 2M only");
	if (!buffer_size || buffer_size % (1ULL << buffer_shift))
		return tpt_fail(e, "probe guest: the buffer must be whole guest pages");
	if (mem_size < guest_mem_size(buffer_size))
		return tpt_fail(e, "probe guest: %llu bytes of memory, %llu needed",
				(unsigned long long)mem_size,
				(unsigned long long)guest_mem_size(buffer_size));
	g->mem = mem;
	g->mem_size = mem_size;
	g->buffer = buffer_at(buffer_size);
	g->buffer_size = buffer_size;
	g->buffer_shift = buffer_shift;
	g->scratch = scratch_at(buffer_size);
	g->code_size = (uint64_t)(probe_loops_end - probe_loops_begin);
	if (g->code_size > GUEST_RAN - GUEST_CODE - 0x10000)
		return tpt_fail(e, "probe guest: code of %llu bytes does not fit",
				(unsigned long long)g->code_size);
	g->next_table = GUEST_TABLES;
	g->tables_end = g->scratch;
	g->hm = (struct hostmem){mem, mem_size};
	if (pt_init(&g->pt, NULL, &g->hm, NULL, 4, mem_size, &table_ops, g))
		return tpt_fail(e, "probe guest: no room for the page-table root");
	build_gdt(g);
	memcpy(g->mem + GUEST_CODE, probe_loops_begin, g->code_size);
	g->doorbell_gpa = tpt_align_up(mem_size, GiB);
	if (map_range(g, PAGE_SIZE, GUEST_DOORBELL, 12, e) ||
	    pt_map(&g->pt, NULL, GUEST_DOORBELL, g->doorbell_gpa, 12, PTE_W | PTE_U) ||
	    map_range(g, GUEST_DOORBELL + PAGE_SIZE, g->tables_end, 12, e) ||
	    map_range(g, g->scratch, g->scratch + SCRATCH_BYTES / 2, 12, e) ||
	    map_range(g, g->buffer, g->buffer + buffer_size, buffer_shift, e))
		goto fail;
	/* The 4K table that maps the scratch region: the last level of its walk. */
	struct pt_path path;
	uint64_t pa, pte;
	unsigned shift;
	if (pt_lookup(&g->pt, g->scratch, &pa, &shift, &pte, &path) || path.n != 4) {
		tpt_fail(e, "probe guest: the scratch region is not mapped");
		goto fail;
	}
	g->scratch_pt = path.table[3];
	g->scratch_pde = path.entry[2];
	if (table_alloc(g, NULL, &g->pt, &g->scratch_pt2)) {
		tpt_fail(e, "probe guest: no room for a second scratch table");
		goto fail;
	}
	memcpy(g->mem + g->scratch_pt2, g->mem + g->scratch_pt, PAGE_SIZE);
	/* A second root sharing every lower table: a CR3 switch between two
	 * address spaces that map the same. */
	if (table_alloc(g, NULL, &g->pt, &g->root2)) {
		tpt_fail(e, "probe guest: no room for a second root");
		goto fail;
	}
	g->root = g->pt.root;
	memcpy(g->mem + g->root2, g->mem + g->root, PAGE_SIZE);
	return 0;
fail:
	pt_destroy(&g->pt, NULL);
	return -1;
}

void guest_destroy(struct guest_image *g)
{
	if (g->mem)
		pt_destroy(&g->pt, NULL);
	g->mem = NULL;
}

/* va maps to pa with a leaf of shift, P, W and U on every level. */
static int check_map(const struct guest_image *g, uint64_t va, uint64_t pa, unsigned shift,
		     struct tpt_err *e)
{
	uint64_t got, pte;
	unsigned s;
	struct pt_path path;
	if (pt_lookup(&g->pt, va, &got, &s, &pte, &path) || got != pa || s != shift)
		return tpt_broken(e, "guest_check", 7, "0x%llx does not map to 0x%llx with %u-bit pages",
				(unsigned long long)va, (unsigned long long)pa, shift);
	for (int i = 0; i < path.n; i++) {
		uint64_t ent;
		memcpy(&ent, g->mem + path.entry[i], sizeof(ent));
		if ((ent & (PTE_P | PTE_W | PTE_U)) != (PTE_P | PTE_W | PTE_U))
			return tpt_broken(e, "guest_check", 7, "an entry on the walk of 0x%llx lacks P, W or U",
					(unsigned long long)va);
	}
	return 0;
}

int guest_check(const struct guest_image *g, struct tpt_err *e)
{
	uint64_t ucode, udata, pde;
	if (memcmp(g->mem + GUEST_CODE, probe_loops_begin, g->code_size))
		return tpt_broken(e, "guest_check", 1, "the loops' code was overwritten");
	memcpy(&ucode, g->mem + GUEST_GDT + (GUEST_SEL_CODE & ~7), sizeof(ucode));
	memcpy(&udata, g->mem + GUEST_GDT + (GUEST_SEL_DATA & ~7), sizeof(udata));
	if (((ucode >> 45) & 3) != 3 || !(ucode >> 53 & 1) || ((udata >> 45) & 3) != 3)
		return tpt_broken(e, "guest_check", 2, "the user segments are not 64-bit DPL 3");
	const uint64_t low[] = {GUEST_GDT, GUEST_TSS, GUEST_CODE, GUEST_RAN, GUEST_STACK_TOP - 8};
	for (size_t i = 0; i < ARRAY_LEN(low); i++)
		if (check_map(g, low[i], low[i], 12, e))
			return -1;
	if (check_map(g, GUEST_DOORBELL, g->doorbell_gpa, 12, e))
		return -1;
	if (g->doorbell_gpa < g->mem_size)
		return tpt_broken(e, "guest_check", 3, "the doorbell is backed by memory");
	for (uint64_t a = g->buffer; a < g->buffer + g->buffer_size; a += 1ULL << g->buffer_shift)
		if (check_map(g, a, a, g->buffer_shift, e))
			return -1;
	memcpy(&pde, g->mem + g->scratch_pde, sizeof(pde));
	if ((pde & PTE_ADDR) != g->scratch_pt && (pde & PTE_ADDR) != g->scratch_pt2)
		return tpt_broken(e, "guest_check", 4, "the scratch directory entry points elsewhere");
	/* Alike but for the accessed and dirty bits the guest's walks set. */
	for (unsigned i = 0; i < 512; i++) {
		uint64_t a, b;
		memcpy(&a, g->mem + g->root + 8 * i, sizeof(a));
		memcpy(&b, g->mem + g->root2 + 8 * i, sizeof(b));
		if ((a ^ b) & ~(PTE_A | PTE_D))
			return tpt_broken(e, "guest_check", 5, "the two roots differ at entry %u", i);
	}
	if (g->next_table > g->tables_end)
		return tpt_broken(e, "guest_check", 6, "table pages past their region");
	return 0;
}

uint64_t guest_fn(const struct guest_image *g, const void *fn)
{
	(void)g;
	return GUEST_CODE + (uint64_t)((const uint8_t *)fn - probe_loops_begin);
}

static struct kvm_segment segment(uint16_t sel, uint8_t type, uint8_t s, uint8_t l, uint8_t db)
{
	return (struct kvm_segment){.base = 0, .limit = 0xffffffff, .selector = sel, .type = type,
				    .present = 1, .dpl = 3, .db = db, .s = s, .l = l, .g = 1};
}

void guest_sregs(const struct guest_image *g, struct kvm_sregs *s)
{
	struct kvm_segment data = segment(GUEST_SEL_DATA, 3, 1, 0, 1);
	s->cs = segment(GUEST_SEL_CODE, 11, 1, 1, 0);
	s->ds = s->es = s->fs = s->gs = s->ss = data;
	s->tr = (struct kvm_segment){.base = GUEST_TSS, .limit = 0x67, .selector = GUEST_SEL_TSS,
				     .type = 11, .present = 1};
	s->ldt = (struct kvm_segment){.type = 2, .unusable = 1};
	s->gdt = (struct kvm_dtable){.base = GUEST_GDT, .limit = 7 * 8 - 1};
	s->idt = (struct kvm_dtable){.base = 0, .limit = 0}; /* any exception: shutdown */
	s->cr0 = 0x80050033ULL; /* PG, AM, WP, NE, ET, MP, PE */
	s->cr4 = 0x620ULL;      /* OSXMMEXCPT, OSFXSR, PAE */
	s->efer = 0x500ULL;     /* LMA, LME */
	s->cr3 = g->root;
}
