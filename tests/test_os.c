/* SPDX-License-Identifier: MIT */
/*
 * test_os.c - the guest OS and hypervisor model: a property test of random
 * OS events and accesses on several processes under every scheme, checked
 * after every step; and one test per cost counter of the model.
 */
#include "helpers.h"
#include "scheme/inspect.h"

#include "tpt/mmu/walk.h"

#define BASE WL_BASE_VA
#define PG(i) (BASE + (uint64_t)(i) * PAGE_SIZE)
/* A workload only sizes memory here: events come from the tests. */
#define SIZING "gups:size=256M,updates=1,init=none"

static struct tsim *start(const char *scheme, struct tpt_config *c, unsigned gs, unsigned hs)
{
	return tsim_cfg(scheme, c, gs, hs, SIZING);
}

static void exec_pid(struct tsim *t, uint16_t pid)
{
	snprintf(t->wl.names[0], 16, "prog");
	tsim_event(t, EV(.type = EV_EXEC, .pid = pid, .arg = 0));
}

static void mmap_pages(struct tsim *t, uint16_t pid, uint64_t first, uint64_t n, uint8_t flags)
{
	tsim_event(t, EV(.type = EV_MMAP, .pid = pid, .va = PG(first), .arg = n * PAGE_SIZE,
			 .size = flags));
}

static void touch(struct tsim *t, uint16_t pid, uint64_t va, bool write)
{
	tsim_event(t, EV(.type = write ? EV_WRITE : EV_READ, .pid = pid, .va = va, .instrs = 1,
			 .size = 8));
}

/* --- the property test ---------------------------------------------------- */

struct model {
	bool alive[8];
	int nalive;
};

static void random_step(struct tsim *t, struct model *m, struct rng *r)
{
	struct vm *vm = &t->s.vm;
	uint64_t op = rng_below(r, 100);
	uint16_t pid = (uint16_t)(1 + rng_below(r, 7));
	if (!m->alive[pid]) {
		/* A new program, or a child of a live one. */
		int parent = 0;
		for (int i = 1; i < 8; i++)
			if (m->alive[i] && rng_below(r, 2))
				parent = i;
		if (parent)
			tsim_event(t, EV(.type = EV_FORK, .pid = (uint16_t)parent, .arg = pid));
		else
			exec_pid(t, pid);
		m->alive[pid] = true;
		m->nalive++;
		return;
	}
	struct process *p = vm_proc(vm, pid);
	uint64_t a = rng_below(r, 16384), n = 1 + rng_below(r, 1024); /* within 64M, up to 4M */
	if (op < 8) {
		uint8_t flags = (uint8_t)(WL_MAP_W | (rng_below(r, 2) ? WL_MAP_THP : 0));
		if (rng_below(r, 3) == 0) {
			/* a mapping of one of three files, shared through the page cache */
			tsim_event(t, EV(.type = EV_FILE, .pid = pid, .va = 1 + rng_below(r, 3),
					 .arg = rng_below(r, 64)));
			flags = (uint8_t)(WL_MAP_FILE | (rng_below(r, 2) ? WL_MAP_W : 0));
		}
		mmap_pages(t, pid, a, n, flags);
	} else if (op < 14) {
		tsim_event(t, EV(.type = EV_MUNMAP, .pid = pid, .va = PG(a), .arg = n * PAGE_SIZE));
	} else if (op < 17) {
		tsim_event(t, EV(.type = EV_MPROTECT, .pid = pid, .va = PG(a), .arg = n * PAGE_SIZE,
				 .size = (uint8_t)(rng_below(r, 2) ? WL_MAP_W : 0)));
	} else if (op < 19) {
		tsim_event(t, EV(.type = EV_BRK, .pid = pid, .va = VM_BRK_BASE + a * PAGE_SIZE));
	} else if (op < 20 && m->nalive > 1) {
		tsim_event(t, EV(.type = EV_EXIT, .pid = pid));
		m->alive[pid] = false;
		m->nalive--;
	} else if (op < 21) {
		exec_pid(t, pid); /* a new image in the same process */
	} else if (op < 22 && vm->hv.gmap) {
		uint64_t gfn = rng_below(r, vm->guest_mem >> PAGE_SHIFT);
		if (vm->hv.gmap[gfn])
			assert_int_equal(vm_hv_migrate(vm, sim_account(&t->s), gfn), TPT_OK);
	} else if (op < 23) {
		tsim_event(t, EV(.type = EV_SYSCALL, .pid = pid, .arg = 1));
	} else if (op < 24 && t->s.scheme->enable) {
		/* The policy's lever: TPT on or off for a running process. */
		if (vm_own_table(vm, p))
			t->s.scheme->disable(vm, p);
		else
			assert_int_equal(t->s.scheme->enable(vm, p, &p->st), TPT_OK);
	} else if (op < 25 && vm->hv.gmap) {
		uint64_t gfn = rng_below(r, vm->guest_mem >> PAGE_SHIFT);
		if (vm->hv.gmap[gfn])
			vm_hv_reclaim(vm, sim_account(&t->s), gfn); /* refused for page-table pages: fine */
	} else if (p->nvmas) {
		/* Accesses inside a region, writes only where it is writable. */
		const struct vma *v = &p->vmas[rng_below(r, p->nvmas)];
		for (int k = 0; k < 8; k++) {
			uint64_t va = (v->start + rng_below(r, v->end - v->start)) & ~7ULL;
			touch(t, pid, va, (v->flags & WL_MAP_W) && rng_below(r, 2));
		}
	}
}

static void test_random_os_events_keep_every_table_consistent(void **state)
{
	(void)state;
	/* dvmt in each of its forms and layouts; in its process-map form every
	 * mapping is registered, up to four a process. */
	static const char *schemes[] = {"native", "nested", "shadow", "agile", "tpt-naive", "tpt-opt",
					"tpt-emul", "dvmt", "dvmt", "dvmt", "dvmt", "dvmt"};
	static const unsigned where[] = {0, 0, 0, 0, 0, 0, 0, DVMT_HYPERVISOR, DVMT_HYPERVISOR,
					 DVMT_HYPERVISOR, DVMT_BOTH, DVMT_BOTH};
	static const unsigned layout[] = {0, 0, 0, 0, 0, 0, 0, DVMT_FLAT, DVMT_HASH, DVMT_DS,
					  DVMT_FLAT, DVMT_HASH};
	static const unsigned hosts[] = {12, 21};
	for (size_t si = 0; si < ARRAY_LEN(schemes); si++)
		for (size_t hi = 0; hi < 2; hi++) {
			struct tpt_config c;
			config_defaults(&c);
			c.dvmt_where = where[si];
			c.dvmt_layout = layout[si];
			c.dvmt_min_range = PAGE_SIZE;
			c.thp = hi ? THP_MADVISE : THP_ALWAYS;
			c.agile_interval = 300;
			c.tpt_repair_delay = 50;
			c.shadow_roots = 2; /* so roots are evicted and rebuilt */
			c.pcid = hi;
			c.guest_mem = GiB; /* the checker scans every guest frame each step */
			struct tsim *t = start(schemes[si], &c, 12, hosts[hi]);
			struct model m = {0};
			struct rng r;
			rng_seed(&r, 1000 + si * 10 + hi);
			for (int step = 0; step < 1200; step++) {
				random_step(t, &m, &r);
				struct tpt_err e;
				if (sim_check(&t->s, &e))
					fail_msg("%s (%zu) host 2^%u, step %d: %s", schemes[si], si, hosts[hi], step,
						 e.msg);
			}
			tsim_free(t);
		}
}

/* --- counters ------------------------------------------------------------- */

static void test_context_switch_exits_and_flushes(void **state)
{
	(void)state;
	struct tpt_config c;
	config_defaults(&c);
	c.pcid = 0;
	struct tsim *t = start("shadow", &c, 12, 12);
	exec_pid(t, 1);
	exec_pid(t, 2);
	mmap_pages(t, 1, 0, 4, WL_MAP_W);
	mmap_pages(t, 2, 0, 4, WL_MAP_W);
	struct tpt_stats before;
	sim_totals(&t->s, &before);
	for (int i = 0; i < 10; i++)
		touch(t, (uint16_t)(1 + i % 2), PG(i % 4), true);
	struct tpt_stats after;
	sim_totals(&t->s, &after);
	/* Ten accesses alternating between two processes: ten CR3 writes. */
	assert_int_equal(after.context_switches - before.context_switches, 10);
	assert_int_equal(after.exits[EXIT_CR3] - before.exits[EXIT_CR3], 10);
	assert_int_equal(after.tlb_flushes - before.tlb_flushes, 10); /* no PCIDs */
	tsim_check(t);
	tsim_free(t);
	/* With PCIDs nothing is flushed, and nested paging does not exit. */
	config_defaults(&c);
	t = start("nested", &c, 12, 12);
	exec_pid(t, 1);
	exec_pid(t, 2);
	mmap_pages(t, 1, 0, 4, WL_MAP_W);
	mmap_pages(t, 2, 0, 4, WL_MAP_W);
	sim_totals(&t->s, &before);
	for (int i = 0; i < 10; i++)
		touch(t, (uint16_t)(1 + i % 2), PG(i % 4), true);
	sim_totals(&t->s, &after);
	assert_int_equal(after.context_switches - before.context_switches, 10);
	assert_int_equal(after.exits[EXIT_CR3], 0);
	assert_int_equal(after.tlb_flushes - before.tlb_flushes, 0);
	tsim_free(t);
}

/* The two processes the shadow_unsync tests run: pid 1 with 64 pages to
 * fault in one leaf table, pid 2 with 4, whose runs load their CR3s. */
static struct tsim *start_unsync(const char *scheme, struct tpt_config *c)
{
	struct tsim *t = start(scheme, c, 12, 12);
	exec_pid(t, 1);
	exec_pid(t, 2);
	mmap_pages(t, 1, 0, 64, WL_MAP_W);
	mmap_pages(t, 2, 0, 4, WL_MAP_W);
	return t;
}

/* KVM's out-of-sync leaf tables (shadow_unsync): a leaf table page's
 * first trapped write is the last until a CR3 load syncs it; the shadow
 * table stays what the guest's gives throughout (the checker). */
static void test_shadow_unsync(void **state)
{
	(void)state;
	struct tpt_config c;
	config_defaults(&c);
	for (int unsync = 0; unsync <= 1; unsync++) {
		c.shadow_unsync = (uint32_t)unsync;
		struct tsim *t = start_unsync("shadow", &c);
		touch(t, 1, PG(0), true); /* the leaf table's first fill shadows it */
		const struct tpt_stats *st = &vm_proc(&t->s.vm, 1)->st;
		uint64_t ptw = st->exits[EXIT_PT_WRITE];
		/* Faults in one leaf table: each writes a PTE, then walks through it. */
		for (int i = 1; i < 40; i++) {
			touch(t, 1, PG(i), true);
			tsim_check(t);
		}
		assert_int_equal(st->exits[EXIT_PT_WRITE] - ptw, unsync ? 1 : 39);
		/* A PTE changed in place (munmap of a present page) keeps the shadow right. */
		tsim_event(t, EV(.type = EV_MUNMAP, .pid = 1, .va = PG(3), .arg = PAGE_SIZE));
		tsim_check(t);
		assert_int_equal(st->exits[EXIT_PT_WRITE] - ptw, unsync ? 1 : 40);
		/* Another process runs: its CR3 load syncs the page... */
		touch(t, 2, PG(0), true);
		assert_int_equal(vm_proc(&t->s.vm, 2)->st.shadow_syncs, (uint64_t)unsync);
		/* ...so the next write to it traps again, once. */
		touch(t, 1, PG(40), true);
		touch(t, 1, PG(41), true);
		tsim_check(t);
		assert_int_equal(st->exits[EXIT_PT_WRITE] - ptw, unsync ? 2 : 42);
		assert_int_equal(st->shadow_syncs, 0);
		tsim_free(t);
	}
}

/* SHSP under nested paging estimates what shadow_unsync would make of the
 * guest's table writes, as shadow paging does them: a leaf table page's
 * first write since the last CR3 load exits, the rest are stores, and the
 * next CR3 load syncs the page. Without shadow_unsync there is nothing to
 * estimate. Shadow paging's own counts, on the same steps, beside it. */
static void test_shsp_unsync_estimate(void **state)
{
	(void)state;
	struct tpt_config c;
	config_defaults(&c);
	for (int unsync = 0; unsync <= 1; unsync++) {
		c.shadow_unsync = (uint32_t)unsync;
		for (int shsp = 0; shsp <= 1; shsp++) {
			struct tsim *t = start_unsync(shsp ? "shsp" : "shadow", &c);
			uint64_t stores, syncs;
			for (int i = 0; i < 40; i++) {
				touch(t, 1, PG(i), true); /* a PTE written in one leaf table */
				tsim_check(t);
			}
			shadow_unsync_counts(&t->s.vm, &stores, &syncs);
			/* Shadow paging traps from the second write (the first
			 * fill shadows the page), and goes out of sync there. */
			assert_int_equal(stores, unsync ? (shsp ? 39 : 38) : 0);
			assert_int_equal(syncs, 0);
			touch(t, 2, PG(0), true); /* its CR3 load syncs the page */
			shadow_unsync_counts(&t->s.vm, &stores, &syncs);
			assert_int_equal(syncs, (uint64_t)unsync);
			/* ...so its next write exits again, and the one after is a store. */
			touch(t, 1, PG(40), true);
			touch(t, 1, PG(41), true);
			tsim_check(t);
			uint64_t before = stores;
			shadow_unsync_counts(&t->s.vm, &stores, &syncs);
			assert_int_equal(stores - before, (uint64_t)unsync);
			tsim_free(t);
		}
	}
}

static void test_munmap_shootdowns(void **state)
{
	(void)state;
	struct tpt_config c;
	config_defaults(&c);
	struct tsim *t = start("shadow", &c, 12, 12);
	exec_pid(t, 1);
	mmap_pages(t, 1, 0, 100, WL_MAP_W);
	for (int i = 0; i < 100; i++)
		touch(t, 1, PG(i), true);
	const struct tpt_stats *st = sim_account(&t->s);
	uint64_t inv = st->exits[EXIT_INVLPG], cr3 = st->exits[EXIT_CR3], fl = st->tlb_flushes;
	uint64_t ptw = st->exits[EXIT_PT_WRITE];
	/* Ten pages: ten INVLPGs, each an exit under shadow paging. */
	tsim_event(t, EV(.type = EV_MUNMAP, .pid = 1, .va = PG(0), .arg = 10 * PAGE_SIZE));
	assert_int_equal(st->invlpgs, 10);
	assert_int_equal(st->exits[EXIT_INVLPG] - inv, 10);
	/* Ten PTE clears in a row: three trap, then write flooding unshadows the page. */
	assert_int_equal(st->exits[EXIT_PT_WRITE] - ptw, 3);
	/* Forty pages: above the ceiling of 33, one full flush (a CR3 reload). */
	tsim_event(t, EV(.type = EV_MUNMAP, .pid = 1, .va = PG(10), .arg = 40 * PAGE_SIZE));
	assert_int_equal(st->invlpgs, 10);
	assert_int_equal(st->tlb_flushes - fl, 1);
	assert_int_equal(st->exits[EXIT_CR3] - cr3, 1);
	tsim_check(t);
	/* The unmapped pages are gone: touching one is a segmentation fault. */
	struct tpt_err e;
	struct event ev = EV(.type = EV_READ, .pid = 1, .va = PG(5), .size = 8);
	assert_int_equal(sim_events(&t->s, &ev, 1, &e), -1);
	assert_non_null(strstr(e.msg, "outside every region"));
	tsim_free(t);
}

static void test_fork_copy_on_write(void **state)
{
	(void)state;
	struct tpt_config c;
	config_defaults(&c);
	struct tsim *t = start("tpt-opt", &c, 12, 12);
	struct vm *vm = &t->s.vm;
	exec_pid(t, 1);
	mmap_pages(t, 1, 0, 8, WL_MAP_W);
	for (int i = 0; i < 8; i++)
		touch(t, 1, PG(i), true);
	tsim_event(t, EV(.type = EV_FORK, .pid = 1, .arg = 2));
	tsim_check(t);
	struct process *par = vm_proc(vm, 1), *ch = vm_proc(vm, 2);
	uint64_t gpa_p, gpa_c;
	unsigned sh;
	assert_int_equal(pt_lookup(&par->pt, PG(3), &gpa_p, &sh, NULL, NULL), 0);
	assert_int_equal(pt_lookup(&ch->pt, PG(3), &gpa_c, &sh, NULL, NULL), 0);
	assert_int_equal(gpa_p, gpa_c); /* shared */
	assert_int_equal(vm->refs[gpa_p >> PAGE_SHIFT], 2);
	assert_int_equal(ch->st.tpt_built_pages, 8); /* the child's TPT table */
	/* The child writes: a copy. */
	touch(t, 2, PG(3), true);
	assert_int_equal(ch->st.cow_faults, 1);
	assert_int_equal(pt_lookup(&ch->pt, PG(3), &gpa_c, &sh, NULL, NULL), 0);
	assert_true(gpa_c != gpa_p);
	assert_int_equal(vm->refs[gpa_p >> PAGE_SHIFT], 1);
	/* The parent writes the same page: the last sharer keeps its frame. */
	touch(t, 1, PG(3), true);
	assert_int_equal(par->st.cow_faults, 1);
	assert_int_equal(pt_lookup(&par->pt, PG(3), &gpa_c, &sh, NULL, NULL), 0);
	assert_int_equal(gpa_c, gpa_p);
	tsim_check(t);
	/* Exit frees the child's copy and drops its share of the rest. */
	tsim_event(t, EV(.type = EV_EXIT, .pid = 2));
	assert_int_equal(vm->refs[gpa_p >> PAGE_SHIFT], 1);
	tsim_check(t);
	tsim_free(t);
}

/* A read fault on a file's page maps the aligned fault_around window
 * around it (within the region and one page table), read-only; a write
 * then copies; anonymous memory and fault_around = 0 map one page. */
static void test_file_fault_around(void **state)
{
	(void)state;
	struct tpt_config c;
	config_defaults(&c);
	for (int round = 0; round < 3; round++) {
		c.fault_around = round == 2 ? 0 : 65536;
		struct tsim *t = start(round ? "nested" : "shadow", &c, 12, 12);
		struct vm *vm = &t->s.vm;
		exec_pid(t, 1);
		/* pages 14..40 of a file, writable (a private data mapping) */
		mmap_pages(t, 1, 14, 27, WL_MAP_W | WL_MAP_FILE);
		mmap_pages(t, 1, 64, 16, WL_MAP_W); /* anonymous */
		struct process *p = vm_proc(vm, 1);
		touch(t, 1, PG(20), false);
		tsim_check(t);
		assert_int_equal(p->st.guest_faults, 1);
		for (int i = 14; i < 41; i++) {
			/* the window of PG(20) is pages 16..31 */
			bool in = round == 2 ? i == 20 : i >= 16 && i < 32;
			assert_int_equal(vm_guest_maps(p, PG(i), false), in);
			assert_false(vm_guest_maps(p, PG(i), true));
		}
		touch(t, 1, PG(15), false); /* the window 0..15, clipped to the region: 14, 15 */
		assert_int_equal(p->st.guest_faults, 2);
		assert_int_equal(vm_guest_maps(p, PG(14), false), round != 2);
		touch(t, 1, PG(25), false);
		assert_int_equal(p->st.guest_faults, round == 2 ? 3 : 2);
		touch(t, 1, PG(25), true); /* copy on write */
		assert_int_equal(p->st.cow_faults, 1);
		assert_true(vm_guest_maps(p, PG(25), true));
		touch(t, 1, PG(64), false); /* anonymous: one page */
		assert_false(vm_guest_maps(p, PG(65), false));
		tsim_check(t);
		tsim_free(t);
	}
}

/* Mappings of one file share the page cache's frames, which outlive them
 * and stay backed: a second process's faults on them take no new frame
 * and, under nested paging, no EPT violation; a mapping's file pages follow
 * its offset, through mprotect's splits; a write copies. */
static void test_page_cache_shared(void **state)
{
	(void)state;
	struct tpt_config c;
	config_defaults(&c);
	struct tsim *t = start("nested", &c, 12, 12);
	struct vm *vm = &t->s.vm;
	exec_pid(t, 1);
	tsim_event(t, EV(.type = EV_FILE, .pid = 1, .va = 7, .arg = 0));
	mmap_pages(t, 1, 0, 64, WL_MAP_FILE); /* pages 0..63 of file 7 */
	touch(t, 1, PG(20), false);
	tsim_check(t);
	struct process *p1 = vm_proc(vm, 1);
	uint64_t g1, g2, g3;
	unsigned sh;
	assert_int_equal(pt_lookup(&p1->pt, PG(20), &g1, &sh, NULL, NULL), 0);
	assert_int_equal(vm->refs[g1 >> PAGE_SHIFT], 2); /* its mapping and the cache */
	exec_pid(t, 2);
	/* pid 2 maps the same file from its page 4, and splits it with mprotect */
	tsim_event(t, EV(.type = EV_FILE, .pid = 2, .va = 7, .arg = 4));
	mmap_pages(t, 2, 100, 32, WL_MAP_W | WL_MAP_FILE); /* private, writable */
	tsim_event(t, EV(.type = EV_MPROTECT, .pid = 2, .va = PG(104), .arg = 4 * PAGE_SIZE,
			 .size = 0));
	mmap_pages(t, 2, 99, 1, WL_MAP_W); /* its page tables for the region, built first */
	touch(t, 2, PG(99), true);
	uint64_t frames = vm->gframes.used, ept = sim_account(&t->s)->exits[EXIT_EPT_VIOLATION];
	touch(t, 2, PG(116), false); /* file page 20 */
	tsim_check(t);
	struct process *p2 = vm_proc(vm, 2);
	assert_int_equal(pt_lookup(&p2->pt, PG(116), &g2, &sh, NULL, NULL), 0);
	assert_int_equal(g2, g1);
	assert_int_equal(vm->refs[g1 >> PAGE_SHIFT], 3);
	assert_int_equal(vm->gframes.used, frames); /* the window was cached */
	assert_int_equal(sim_account(&t->s)->exits[EXIT_EPT_VIOLATION], ept);
	/* pid 1 exits: the frame stays in the cache */
	tsim_event(t, EV(.type = EV_EXIT, .pid = 1));
	assert_int_equal(vm->refs[g1 >> PAGE_SHIFT], 2);
	tsim_check(t);
	/* a write copies: the cache's frame is not written */
	touch(t, 2, PG(116), true);
	assert_int_equal(pt_lookup(&p2->pt, PG(116), &g3, &sh, NULL, NULL), 0);
	assert_true(g3 != g1);
	assert_int_equal(vm->refs[g1 >> PAGE_SHIFT], 1);
	tsim_check(t);
	tsim_free(t);
}

static void test_thp_and_hugetlb(void **state)
{
	(void)state;
	struct tpt_config c;
	config_defaults(&c);
	c.thp = THP_ALWAYS;
	struct tsim *t = start("nested", &c, 12, 21);
	exec_pid(t, 1);
	mmap_pages(t, 1, 0, 1024, WL_MAP_W); /* 4M, 2M-aligned */
	for (int i = 0; i < 1024; i += 8)
		touch(t, 1, PG(i), true);
	/* Two 2M faults map the whole region, each clearing 511 frames more
	 * than a 4K fault; and the host clears each 2M page it backs. */
	const struct tpt_stats *a = sim_account(&t->s);
	assert_int_equal(a->guest_faults, 2);
	assert_true(a->exits[EXIT_EPT_VIOLATION] > 0);
	assert_int_equal(a->cleared_frames, 511 * (2 + a->exits[EXIT_EPT_VIOLATION]));
	tsim_check(t);
	/* Unmapping half a huge page splits it: the other half stays mapped. */
	tsim_event(t, EV(.type = EV_MUNMAP, .pid = 1, .va = PG(0), .arg = 256 * PAGE_SIZE));
	tsim_check(t);
	touch(t, 1, PG(300), false);
	assert_int_equal(sim_account(&t->s)->guest_faults, 2);
	tsim_free(t);
	/* On 4K host pages only the guest's huge pages clear more. */
	t = start("nested", &c, 12, 12);
	exec_pid(t, 1);
	mmap_pages(t, 1, 0, 1024, WL_MAP_W);
	touch(t, 1, PG(0), true);
	touch(t, 1, PG(700), false);
	assert_int_equal(sim_account(&t->s)->cleared_frames, 2 * 511);
	tsim_free(t);
	/* madvise: only regions that ask get huge pages. */
	c.thp = THP_MADVISE;
	t = start("nested", &c, 12, 21);
	exec_pid(t, 1);
	mmap_pages(t, 1, 0, 512, WL_MAP_W);
	mmap_pages(t, 1, 512, 512, WL_MAP_W | WL_MAP_THP);
	for (int i = 0; i < 1024; i += 64)
		touch(t, 1, PG(i), true);
	assert_int_equal(sim_account(&t->s)->guest_faults, 8 + 1);
	/* hugetlb: 1G pages. */
	tsim_event(t, EV(.type = EV_MMAP, .pid = 1, .va = 1ULL << 41, .arg = GiB,
			 .size = WL_MAP_W | WL_MAP_HUGE));
	touch(t, 1, (1ULL << 41) + 12345 * 8, true);
	touch(t, 1, (1ULL << 41) + GiB - 8, true);
	assert_int_equal(sim_account(&t->s)->guest_faults, 8 + 1 + 1);
	tsim_check(t);
	tsim_free(t);
}

static void test_tpt_emul_hypercalls(void **state)
{
	(void)state;
	struct tpt_config c;
	config_defaults(&c);
	struct tsim *t = start("tpt-emul", &c, 12, 12);
	exec_pid(t, 1);
	tsim_event(t, EV(.type = EV_SYSCALL, .pid = 1, .arg = 3));
	assert_int_equal(sim_account(&t->s)->kernel_entries, 3);
	assert_int_equal(sim_account(&t->s)->exits[EXIT_HYPERCALL], 6);
	/* A walk of the twin table has no tag check: g references. */
	mmap_pages(t, 1, 0, 1, WL_MAP_W);
	touch(t, 1, PG(0), true);
	assert_int_equal(sim_account(&t->s)->rmp_refs, 0);
	tsim_free(t);
	/* Under tpt-opt, kernel entries cost nothing extra. */
	t = start("tpt-opt", &c, 12, 12);
	exec_pid(t, 1);
	tsim_event(t, EV(.type = EV_SYSCALL, .pid = 1, .arg = 3));
	assert_int_equal(sim_account(&t->s)->exits[EXIT_HYPERCALL], 0);
	tsim_free(t);
}

static void test_tpt_by_name_and_mixed_processes(void **state)
{
	(void)state;
	struct tpt_config c;
	config_defaults(&c);
	static const char names[1][16] = {"fast"};
	struct tsim *t = tsim_cfg_arm("tpt-opt", &c, 12, 12, SIZING, names, 1);
	struct vm *vm = &t->s.vm;
	const struct scheme *sc = t->s.scheme;
	snprintf(t->wl.names[0], 16, "fast");
	snprintf(t->wl.names[1], 16, "slow");
	tsim_event(t, EV(.type = EV_EXEC, .pid = 1, .arg = 0));
	tsim_event(t, EV(.type = EV_EXEC, .pid = 2, .arg = 1));
	assert_true(vm_own_table(vm, vm_proc(vm, 1)));
	assert_false(vm_own_table(vm, vm_proc(vm, 2)));
	mmap_pages(t, 1, 0, 4, WL_MAP_W);
	mmap_pages(t, 2, 0, 4, WL_MAP_W);
	for (int i = 0; i < 4; i++) {
		touch(t, 1, PG(i), true);
		touch(t, 2, PG(i), true);
	}
	/* The armed program walks its TPT table; the other one nested. */
	assert_true(vm_proc(vm, 1)->st.rmp_refs + vm_proc(vm, 1)->st.rmpc_hits > 0);
	assert_int_equal(vm_proc(vm, 2)->st.rmp_refs + vm_proc(vm, 2)->st.rmpc_hits, 0);
	assert_true(vm_proc(vm, 2)->st.ntlb_misses > 0);
	assert_int_equal(vm_proc(vm, 1)->st.pvops, 4 + 3);
	assert_int_equal(vm_proc(vm, 2)->st.pvops, 0);
	/* Switching TPT on for the running one: costed by its mapped pages. */
	struct process *slow = vm_proc(vm, 2);
	assert_int_equal(sc->enable(vm, slow, &slow->st), TPT_OK);
	assert_int_equal(slow->st.tpt_built_pages, 4);
	tsim_check(t);
	sc->disable(vm, slow);
	assert_false(vm_own_table(vm, slow));
	touch(t, 2, PG(1) + 8, false);
	tsim_check(t);
	tsim_free(t);
}

static void test_tpt_status_fault_fallback_and_repair(void **state)
{
	(void)state;
	struct tpt_config c;
	config_defaults(&c);
	c.tpt_repair_delay = 100;
	struct tsim *t = start("tpt-naive", &c, 12, 12);
	struct vm *vm = &t->s.vm;
	exec_pid(t, 1);
	mmap_pages(t, 1, 0, 64, WL_MAP_W);
	for (int i = 0; i < 64; i++)
		touch(t, 1, PG(i), true);
	struct process *p = vm->cur;
	uint64_t gpa;
	unsigned sh;
	assert_int_equal(pt_lookup(&p->pt, PG(7), &gpa, &sh, NULL, NULL), 0);
	uint64_t old = vm->hv.gmap[gpa >> PAGE_SHIFT];
	/* The hypervisor migrates the frame behind page 7. */
	assert_int_equal(vm_hv_migrate(vm, sim_account(&t->s), gpa >> PAGE_SHIFT), TPT_OK);
	assert_true(vm->hv.gmap[gpa >> PAGE_SHIFT] != old);
	assert_int_equal(rmp_owner(&vm->hv.rmp, old), RMP_HYPERVISOR);
	assert_true(tpt_state_of(p) == TPT_PENDING);
	tsim_check(t);
	/* The next walk takes the status fault; walks go nested until the repair. */
	touch(t, 1, PG(7), false);
	assert_int_equal(p->st.tpt_status_faults, 1);
	assert_true(tpt_state_of(p) == TPT_STALE);
	for (int i = 0; i < 99; i++)
		touch(t, 1, PG(i % 64) + 64 * (uint64_t)(i / 64 + 1), false);
	assert_true(p->st.tpt_fallback_walks > 0);
	assert_true(tpt_state_of(p) == TPT_STALE);
	assert_int_equal(p->st.tpt_repaired_pages, 0);
	/* Quarantined until the table is repaired: the old frame is not reused. */
	assert_int_equal(vm->hv.nquarantine, 1);
	tlb_flush(&t->s.mmu.tlb);
	touch(t, 1, PG(8), false);
	touch(t, 1, PG(9), false);
	assert_false(tpt_state_of(p) == TPT_STALE);
	assert_int_equal(p->st.tpt_repaired_pages, 64);
	assert_int_equal(vm->hv.nquarantine, 0);
	tsim_check(t);
	/* The repaired table reaches the new frame. */
	struct walk w = {0};
	tlb_flush(&t->s.mmu.tlb);
	assert_int_equal(tsim_walk(&t->s, PG(7), false, &w), WALK_OK);
	assert_int_equal(w.pa >> PAGE_SHIFT, vm->hv.gmap[gpa >> PAGE_SHIFT]);
	tsim_free(t);
}

static void test_reclaim_refaults(void **state)
{
	(void)state;
	struct tpt_config c;
	config_defaults(&c);
	static const char *schemes[] = {"nested", "shadow", "tpt-opt"};
	for (int k = 0; k < 3; k++) {
		struct tsim *t = start(schemes[k], &c, 12, 12);
		struct vm *vm = &t->s.vm;
		exec_pid(t, 1);
		mmap_pages(t, 1, 0, 4, WL_MAP_W);
		touch(t, 1, PG(2), true);
		uint64_t gpa;
		unsigned sh;
		assert_int_equal(pt_lookup(&vm->cur->pt, PG(2), &gpa, &sh, NULL, NULL), 0);
		assert_int_equal(vm_hv_reclaim(vm, sim_account(&t->s), gpa >> PAGE_SHIFT), TPT_OK);
		assert_int_equal(vm->hv.gmap[gpa >> PAGE_SHIFT], 0);
		tsim_check(t);
		uint64_t exits = sim_account(&t->s)->exits[EXIT_EPT_VIOLATION] + sim_account(&t->s)->exits[EXIT_SHADOW_FILL];
		/* The next access brings it back: one more exit for the first touch. */
		touch(t, 1, PG(2), false);
		for (int i = 0; i < 150; i++) /* past the TPT repair delay */
			touch(t, 1, PG(i % 4) + 8 * (uint64_t)(i / 4), false);
		assert_true(vm->hv.gmap[gpa >> PAGE_SHIFT] != 0);
		assert_true(sim_account(&t->s)->exits[EXIT_EPT_VIOLATION] + sim_account(&t->s)->exits[EXIT_SHADOW_FILL] > exits);
		assert_int_equal(sim_account(&t->s)->hv_reclaims + vm->sys.hv_reclaims, 1);
		tsim_check(t);
		tsim_free(t);
	}
}

static void test_agile_switches_and_refs_between(void **state)
{
	(void)state;
	struct tpt_config c;
	config_defaults(&c);
	c.agile_interval = 1000;
	struct tsim *t = start("agile", &c, 12, 12);
	exec_pid(t, 1);
	mmap_pages(t, 1, 0, 512, WL_MAP_W);
	/* Fault pages of one 2M region: the shadowed PT page is written again and again. */
	for (int i = 0; i < 8; i++)
		touch(t, 1, PG(i), true);
	const struct tpt_stats *st = sim_account(&t->s);
	assert_int_equal(st->agile_to_nested, 1);
	tsim_check(t);
	/* Later faults in that region write the switched page without exiting. */
	uint64_t pt_writes = st->exits[EXIT_PT_WRITE];
	for (int i = 8; i < 16; i++)
		touch(t, 1, PG(i), true);
	assert_int_equal(st->exits[EXIT_PT_WRITE], pt_writes);
	tsim_check(t);
	/* A whole quiet interval switches it back: the one the writes fell in ends
	 * at access 1000, the next, with no write, at 2000. */
	for (int i = 0; i < 2100; i++)
		touch(t, 1, PG(i % 16), false);
	assert_int_equal(st->agile_to_shadow, 1);
	tsim_check(t);
	tsim_free(t);
	/* With caches off, a walk switched at the leaf table costs between shadow
	 * (4) and nested (24): 3 shadow levels, then (h+1) + h = 9. */
	c.agile_interval = 1000000;
	struct tsim *u = tsim_new("agile", 12, 12, 4, true, SIZING);
	exec_pid(u, 1);
	mmap_pages(u, 1, 0, 512, WL_MAP_W);
	for (int i = 0; i < 8; i++)
		touch(u, 1, PG(i), true);
	assert_int_equal(sim_account(&u->s)->agile_to_nested, 1);
	uint64_t w0 = sim_account(&u->s)->walks, r0 = sim_account(&u->s)->walk_refs;
	tlb_flush(&u->s.mmu.tlb);
	for (int i = 0; i < 8; i++)
		touch(u, 1, PG(i) + 8, false);
	assert_int_equal(sim_account(&u->s)->walks - w0, 8);
	assert_int_equal(sim_account(&u->s)->walk_refs - r0, 8 * (3 + 4 + 1 + 4));
	tsim_free(u);
}

static void test_shadow_root_cache(void **state)
{
	(void)state;
	struct tpt_config c;
	config_defaults(&c);
	c.shadow_roots = 2;
	struct tsim *t = start("shadow", &c, 12, 12);
	struct vm *vm = &t->s.vm;
	for (uint16_t pid = 1; pid <= 3; pid++) {
		exec_pid(t, pid);
		mmap_pages(t, pid, 0, 1, WL_MAP_W);
		touch(t, pid, PG(0), true);
	}
	/* Three processes, room for two shadow roots besides the running one. */
	assert_true(shadow_loaded(vm_proc(vm, 3)));
	unsigned live = 0;
	for (uint16_t pid = 1; pid <= 3; pid++)
		live += shadow_loaded(vm_proc(vm, pid));
	assert_int_equal(live, 3);
	exec_pid(t, 4);
	mmap_pages(t, 4, 0, 1, WL_MAP_W);
	touch(t, 4, PG(0), true);
	assert_false(shadow_loaded(vm_proc(vm, 1))); /* the least recently loaded went */
	/* Coming back rebuilds it with hidden faults (the TLB keeps PCID-tagged
	 * entries: flush them so the walk happens). */
	uint64_t fills = vm_proc(vm, 1)->st.exits[EXIT_SHADOW_FILL];
	tlb_flush(&t->s.mmu.tlb);
	touch(t, 1, PG(0), false);
	assert_true(shadow_loaded(vm_proc(vm, 1)));
	assert_int_equal(vm_proc(vm, 1)->st.exits[EXIT_SHADOW_FILL], fills + 1);
	tsim_check(t);
	tsim_free(t);
}

static void test_periodic_migrations(void **state)
{
	(void)state;
	struct tpt_config c;
	config_defaults(&c);
	c.migrate_every = 2000;
	c.tpt_repair_delay = 500;
	struct tsim *t = tsim_cfg("tpt-opt", &c, 12, 21, "gups:size=64M,updates=20K");
	struct tpt_stats tot;
	tsim_run(t, &tot);
	/* 80K measured accesses: a migration every 2000, counted as the system's work. */
	assert_int_equal(t->s.vm.sys.hv_migrations, 40);
	assert_int_equal(tot.hv_migrations, 40);
	assert_true(tot.tpt_status_faults > 0);
	assert_true(tot.tpt_repaired_pages > 0);
	assert_true(tot.tpt_fallback_walks > 0);
	tsim_free(t);
}

/* A migration on every access: outside TPT no frame stays in quarantine
 * (they leaked before), and each migration costs what is backed. */
static void test_migrations_release_frames(void **state)
{
	(void)state;
	static const char *schemes[] = {"nested", "shadow", "agile", "tpt-opt"};
	for (size_t i = 0; i < ARRAY_LEN(schemes); i++) {
		struct tpt_config c;
		config_defaults(&c);
		c.migrate_every = 1;
		struct tsim *t = tsim_cfg(schemes[i], &c, 12, 12, "gups:size=16M,updates=2K");
		struct tpt_stats tot;
		tsim_run(t, &tot);
		assert_true(tot.hv_migrations >= 4000);
		if (!t->s.vm.hv.ops->holds_moved)
			assert_int_equal(t->s.vm.hv.nquarantine, 0);
		/* Every backed host page is listed once for the random draw. */
		assert_int_equal(t->s.vm.hv.nblist, t->s.vm.hv.backed);
		tsim_free(t);
	}
}

/* DVMT's map follows the hypervisor's migrations (its checker after the
 * run); a direct segment ends below the first frame moved out of it, and
 * what lies above is translated by the EPT. */
static void test_dvmt_follows_migrations(void **state)
{
	(void)state;
	const unsigned layouts[] = {DVMT_FLAT, DVMT_HASH, DVMT_DS, DVMT_FLAT, DVMT_HASH};
	const unsigned wheres[] = {DVMT_HYPERVISOR, DVMT_HYPERVISOR, DVMT_HYPERVISOR, DVMT_BOTH, DVMT_BOTH};
	for (size_t li = 0; li < ARRAY_LEN(layouts); li++)
		for (unsigned hs = 12; hs <= 21; hs += 9) {
			struct tpt_config c;
			config_defaults(&c);
			c.dvmt_layout = layouts[li];
			c.dvmt_where = wheres[li];
			c.migrate_every = 500;
			struct tsim *t = tsim_cfg("dvmt", &c, 12, hs, "gups:size=64M,updates=20K");
			struct vm *vm = &t->s.vm;
			uint64_t gfr = vm->guest_mem >> PAGE_SHIFT;
			if (layouts[li] == DVMT_DS) /* all guest memory backed at start */
				assert_int_equal(vm->hv.backed, gfr);
			struct tpt_stats tot;
			tsim_run(t, &tot);
			assert_true(tot.hv_migrations >= 100);
			assert_int_equal(vm->hv.nquarantine, 0);
			if (layouts[li] == DVMT_DS) {
				const struct dvmt_regs *d = NULL;
				struct mmu_regs r;
				t->s.scheme->regs(vm, vm->cur, &r);
				d = r.dvmt;
				assert_true(d->seg_frames < gfr);
				assert_true(tot.dvmt_outside > 0);
			} else {
				assert_int_equal(tot.dvmt_outside, 0);
			}
			if (wheres[li] == DVMT_BOTH) {
				/* The table is one registered range: almost every walk is one
				 * custom translation of the process's map. */
				struct mmu_regs r;
				t->s.scheme->regs(vm, vm->cur, &r);
				assert_int_equal(r.dvmt_app->n, 1);
				assert_true(tot.dvmt_translations > 0);
				assert_int_equal(tot.dvmt_token_checks, tot.walks);
			}
			tsim_free(t);
		}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_os_events_keep_every_table_consistent),
		cmocka_unit_test(test_context_switch_exits_and_flushes),
		cmocka_unit_test(test_munmap_shootdowns),
		cmocka_unit_test(test_fork_copy_on_write),
		cmocka_unit_test(test_file_fault_around),
		cmocka_unit_test(test_page_cache_shared),
		cmocka_unit_test(test_thp_and_hugetlb),
		cmocka_unit_test(test_shadow_unsync),
		cmocka_unit_test(test_shsp_unsync_estimate),
		cmocka_unit_test(test_tpt_emul_hypercalls),
		cmocka_unit_test(test_tpt_by_name_and_mixed_processes),
		cmocka_unit_test(test_tpt_status_fault_fallback_and_repair),
		cmocka_unit_test(test_reclaim_refaults),
		cmocka_unit_test(test_agile_switches_and_refs_between),
		cmocka_unit_test(test_shadow_root_cache),
		cmocka_unit_test(test_periodic_migrations),
		cmocka_unit_test(test_migrations_release_frames),
		cmocka_unit_test(test_dvmt_follows_migrations),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
