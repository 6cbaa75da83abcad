/* SPDX-License-Identifier: MIT */
/*
 * sim.c - one simulated run (see sim.h): set-up from the configuration,
 * scheme and workload; the access loop; fault dispatch to the OS and
 * hypervisor models; counters.
 *
 * Hot path (sim_access): TLB lookup; on a miss the scheme's walk, retried
 * after each fault the models handle; then the data access through the
 * caches. No allocation per access.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tpt/sim/sim.h"

#include "prefetch.h"

static const char *page_name(unsigned shift)
{
	return shift == 12 ? "4K" : shift == 21 ? "2M" : "1G";
}

/* The earliest of the periodic deadlines. */
static void next_tick(struct sim *s)
{
	uint64_t t = s->next_scheme < s->next_migrate ? s->next_scheme : s->next_migrate;
	s->next_tick = t < s->next_profile ? t : s->next_profile;
}

/* The guest memory the workload's regions need (*footprint), each region
 * checked against the tables' reach and the guest page size. */
static int sim_footprint(const struct sim_params *prm, struct workload *wl, uint64_t *footprint,
			 struct tpt_err *e)
{
	unsigned gs = prm->guest_shift;
	uint64_t va_limit = prm->levels == 5 ? 1ULL << 56 : 1ULL << 47;
	uint64_t fp = 0, page = 1ULL << gs;
	char a[32];
	/* The workload's largest region holds guest pages of the size asked
	 * for; a smaller one (a stack, a program's globals) is mapped with 4K
	 * pages, as the guest maps a region that does not fit its page size. */
	uint64_t largest = 0;
	for (unsigned i = 0; i < wl->nregions; i++) {
		const struct region *r = &wl->regions[i];
		uint64_t unit = r->len < page ? PAGE_SIZE : page;
		if (r->start % unit || r->len > va_limit || r->start > va_limit - r->len)
			return tpt_fail(e, "%s: region at %#llx does not fit %d-level tables",
					wl->def->name, (unsigned long long)r->start, prm->levels);
		fp += tpt_align_up(r->len, unit);
		largest = r->len > largest ? r->len : largest;
	}
	if (wl->nregions && largest < page)
		return tpt_fail(e, "%s: a region of %s is smaller than one %s guest page",
				wl->def->name, tpt_format_size(largest, a), page_name(gs));
	if (workload_footprint(wl) > fp)
		fp = tpt_align_up(workload_footprint(wl), page);
	*footprint = fp;
	return 0;
}

/* Guest and host memory for a footprint, as configured or sized to fit,
 * and whether this machine can hold their simulation's state. */
static int sim_memory(struct sim *s, uint64_t footprint, struct tpt_err *e)
{
	const struct tpt_config *cfg = &s->cfg;
	unsigned gs = s->prm.guest_shift, hs = s->prm.host_shift;
	char a[32], b[32];
	/* Room beside the workload for the guest's page tables (4K leaves take
	 * 1/512 of what they map; twice that covers sparse layouts and the
	 * levels above) and the kernel: at least 1 GiB. */
	uint64_t room = tpt_align_up(footprint / 256, GiB);
	s->guest_mem = cfg->guest_mem ? cfg->guest_mem
				      : tpt_align_up(footprint, GiB) + (room > GiB ? room : GiB);
	if (s->guest_mem < footprint + 4 * MiB)
		return tpt_fail(e, "guest memory of %s cannot hold the workload's %s and its tables",
				tpt_format_size(s->guest_mem, a), tpt_format_size(footprint, b));
	if (!s->scheme->hv->hypervisor) {
		s->host_mem = s->guest_mem;
	} else {
		s->host_mem = cfg->host_mem ? cfg->host_mem
					    : s->guest_mem + GiB + tpt_align_up(s->guest_mem / 64, GiB);
		if (s->host_mem < s->guest_mem + GiB)
			return tpt_fail(e, "host memory of %s cannot back %s of guest memory and the host's tables",
					tpt_format_size(s->host_mem, a), tpt_format_size(s->guest_mem, b));
	}
	/* Data is never backed, but per-frame state and table pages are. Measured
	 * peaks (gups:size=32G under tpt-opt): 3.3 MB per GiB of guest memory at
	 * 2M/2M, 9.4 MB at 4K/4K; bounded above by 4 MiB per GiB of guest memory
	 * and 8 MiB per GiB mapped with 4K pages at either level. */
	uint64_t need = (s->guest_mem / GiB) * 4 * MiB +
			(gs == 12 || hs == 12 ? footprint / GiB * 8 * MiB : 0);
	uint64_t avail = tpt_mem_available();
	if (need > avail)
		return tpt_fail_mem(e, "simulating %s of guest memory needs about %s of this machine's "
				   "memory; %s is available",
				tpt_format_size(s->guest_mem, a), tpt_format_size(tpt_align_up(need, MiB), b),
				tpt_format_size(avail & ~(MiB - 1), (char[32]){0}));
	return 0;
}

/* Programs armed for TPT before they start (the task_name knob); under an
 * automatic policy none: it decides as they run. */
static void sim_arm(struct sim *s)
{
	const struct sim_params *prm = &s->prm;
	const struct workload *wl = s->wl;
	const char(*names)[16] = prm->arm_names;
	if (prm->arm != ARM_LIST)
		names = (const char(*)[16])wl->tpt_names;
	unsigned nnames = prm->arm == ARM_LIST ? prm->narm : wl->ntpt_names;
	bool armed = prm->policy == PROFILE_OFF && prm->arm != ARM_NONE && s->scheme->arm;
	if (armed && (prm->arm == ARM_ALL || (prm->arm == ARM_WORKLOAD && !wl->tpt_listed)))
		s->scheme->arm(&s->vm, NULL);
	else if (armed)
		for (unsigned i = 0; i < nnames; i++)
			s->scheme->arm(&s->vm, names[i]);
}

int sim_init(struct sim *s, const struct tpt_config *cfg, const struct sim_params *prm,
	     struct workload *wl, struct tpt_err *e)
{
	memset(s, 0, sizeof(*s));
	s->cfg = *cfg;
	s->prm = *prm;
	s->scheme = prm->scheme;
	s->wl = wl;
	if (config_validate(cfg, e))
		return -1;
	/* A measured parallelism replaces the generator's estimate, not a key
	 * the user gave. */
	if (cfg->mlp > 0 && wl->independent && !wl->mlp_given)
		workload_set_mlp(wl, cfg->mlp);
	unsigned gs = prm->guest_shift, hs = prm->host_shift;
	if ((gs != 12 && gs != 21 && gs != 30) || (hs != 12 && hs != 21 && hs != 30))
		return tpt_fail(e, "page sizes must be 4K, 2M or 1G");
	if (prm->levels != 4 && prm->levels != 5)
		return tpt_fail(e, "page tables have 4 or 5 levels, not %d", prm->levels);
	uint64_t footprint = 0;
	if (sim_footprint(prm, wl, &footprint, e) || sim_memory(s, footprint, e))
		return -1;
	if (mmu_init(&s->mmu, cfg,
		     vm_hostmem_size(s->scheme->hv, s->guest_mem, s->host_mem, cfg), prm->levels,
		     prm->no_walk_caches, e))
		return -1;
	if (vm_init(&s->vm, s->scheme->hv, prm->levels, gs, hs, s->guest_mem, s->host_mem, cfg,
		    &s->mmu, e))
		goto fail;
	s->mmu.rmp = &s->vm.hv.rmp;
	profile_init(&s->prof, prm->policy, cfg);
	s->prof.timeline = prm->timeline;
	if (prm->policy != PROFILE_OFF && !s->scheme->enable) {
		tpt_fail(e, "policy %s needs a TPT scheme (tpt-naive, tpt-opt or tpt-emul), not %s",
			 profile_kind_name[prm->policy], s->scheme->name);
		goto fail;
	}
	sim_arm(s);
	rng_seed(&s->rng, prm->seed ^ 0x7470742d6876ULL);
	/* Sampled, a tick that reads timing runs at each window's end (sample.c). */
	s->next_scheme = s->scheme->tick && !(prm->sample && s->scheme->timed_decisions)
				 ? s->scheme->tick_interval(cfg)
				 : UINT64_MAX;
	s->next_migrate = cfg->migrate_every && s->scheme->hv->hypervisor ? cfg->migrate_every
									    : UINT64_MAX;
	/* Sampled, the profiler samples the windows (sample.c). */
	s->next_profile = prm->policy != PROFILE_OFF && !prm->sample ? 4096 : UINT64_MAX;
	if (sample_init(s, footprint / PAGE_SIZE, e))
		goto fail;
	next_tick(s);
	return 0;
fail:
	sim_fini(s);
	return -1;
}

void sim_fini(struct sim *s)
{
	sample_fini(s);
	profile_fini(&s->prof);
	vm_fini(&s->vm);
	mmu_fini(&s->mmu);
}

void sim_reset_stats(struct sim *s)
{
	profile_mark(&s->prof);
	memset(&s->vm.sys, 0, sizeof(s->vm.sys));
	for (unsigned i = 0; i < s->vm.nprocs; i++)
		if (s->vm.procs[i])
			memset(&s->vm.procs[i]->st, 0, sizeof(s->vm.procs[i]->st));
}

void sim_totals(const struct sim *s, struct tpt_stats *out)
{
	*out = s->vm.sys;
	for (unsigned i = 0; i < s->vm.nprocs; i++)
		if (s->vm.procs[i])
			stats_add(out, &s->vm.procs[i]->st);
}

static int fault_error(struct tpt_err *e, int rc, uint64_t va)
{
	switch (rc) {
	case TPT_ESEGV:
		return tpt_fail(e, "access to gVA %#llx outside every region of the workload",
				(unsigned long long)va);
	case TPT_ENOMEM:
		return tpt_fail(e, "guest memory exhausted at gVA %#llx (raise [mem] guest_mem)",
				(unsigned long long)va);
	case TPT_EHOSTMEM:
		return tpt_fail(e, "host memory exhausted at gVA %#llx (raise [mem] host_mem)",
				(unsigned long long)va);
	case TPT_EPROT:
		return tpt_fail(e, "write to read-only page at gVA %#llx", (unsigned long long)va);
	}
	return tpt_fail(e, "fault %d at gVA %#llx", rc, (unsigned long long)va);
}

/* A TLB miss: walk, and after each fault let the models handle it and walk
 * again. The walks count in st (p's account, or fast-forward's scratch);
 * what the models do counts in p's. */
static __attribute__((noinline)) int translate(struct sim *s, struct process *p, struct tpt_stats *st,
					       uint64_t va, bool write, uint64_t *pa, uint32_t *pending,
					       struct tpt_err *e)
{
	int last = 0;
	for (int tries = 0; tries < 8; tries++) {
		struct walk w = {.st = st};
		struct mmu_regs r;
		if (s->scheme->before_walk)
			s->scheme->before_walk(&s->vm, p, s->vm.now, st);
		s->scheme->regs(&s->vm, p, &r);
		int rc = s->scheme->walk(&s->mmu, &r, va, write, &w);
		last = rc;
		st->tag_check_cycles += w.check_cycles;
		if (rc == WALK_OK) {
			st->walks++;
			st->walk_refs += w.refs;
			st->rmp_refs += w.rmp_refs;
			st->walk_cycles += w.cycles;
			tlb_fill(&s->mmu.tlb, va, p->asid, w.shift, w.pa, w.writable);
			*pa = w.pa;
			*pending = w.pending_check;
			return 0;
		}
		st->faulted_walks++;
		st->faulted_walk_refs += w.refs;
		st->faulted_rmp_refs += w.rmp_refs;
		st->faulted_walk_cycles += w.cycles;
		int vrc;
		switch (rc) {
		case WALK_GUEST_PF:
			vrc = vm_guest_fault(&s->vm, p, va, write);
			break;
		case WALK_EPT_VIOLATION:
			vrc = vm_touch_gfn(&s->vm, &p->st, w.fault_addr >> PAGE_SHIFT);
			break;
		case WALK_TAG_FAULT:
			return tpt_fail(e, "tag-check fault at gVA %#llx of pid %d: the TPT walk reached host frame %#llx, not owned by VM %u",
					(unsigned long long)va, p->pid,
					(unsigned long long)(w.fault_addr >> PAGE_SHIFT), s->vm.hv.tag);
		default:
			/* A fault of the scheme's own (a shadow miss, a TPT miss). */
			if (!s->scheme->fault)
				return tpt_fail(e, "walk of gVA %#llx of pid %d ended in an unknown fault %d",
						(unsigned long long)va, p->pid, rc);
			if ((vrc = s->scheme->fault(&s->vm, p, rc, va, write, e)) == TPT_EFAIL)
				return -1;
		}
		if (vrc)
			return fault_error(e, vrc, va);
	}
	static const char *const kind[] = {"ok", "guest page fault", "EPT violation", "shadow miss",
					   "tag fault", "TPT miss", "switch", "DVMT miss"};
	return tpt_fail(e, "translation of gVA %#llx of pid %d did not settle after 8 walks (the last: %s)",
			(unsigned long long)va, p->pid, kind[last < 8 ? last : 0]);
}

/* The periodic work: the scheme's (agile intervals), frame migrations, the profiler. */
static __attribute__((noinline)) void tick(struct sim *s)
{
	uint64_t now = s->vm.now;
	if (now >= s->next_scheme) {
		s->scheme->tick(&s->vm, sim_account(s));
		s->next_scheme += s->scheme->tick_interval(&s->cfg);
	}
	if (now >= s->next_migrate) {
		s->next_migrate += s->cfg.migrate_every;
		/* A backed host page picked at random; no process asked for it: the
		 * system's account. */
		uint64_t gfn;
		if (!hv_backed_page(&s->vm.hv, rng_next(&s->rng), &gfn))
			vm_hv_migrate(&s->vm, &s->vm.sys, gfn);
	}
	if (now >= s->next_profile) {
		int pid = s->vm.cur ? s->vm.cur->pid : 0;
		double mlp = s->wl->mlp_of ? s->wl->mlp_of(s->wl, pid) : s->wl->mlp;
		s->next_profile = now + profile_tick(&s->prof, s->scheme, &s->vm, mlp);
	}
	next_tick(s);
}

/* An access's work, in detail or fast-forwarded: counted, and the clock's
 * periodic work done when due. */
static inline __attribute__((always_inline)) void count_work(struct sim *s, struct tpt_stats *st,
							      uint64_t va, bool write, uint32_t instrs)
{
	st->instructions += instrs;
	st->accesses++;
	st->writes += write;
	st->reads += !write;
	st->seq_accesses += (va >> PAGE_SHIFT) - s->last_page <= 1;
	s->last_page = va >> PAGE_SHIFT;
	if (++s->vm.now >= s->next_tick)
		tick(s);
}

/* Fast-forward's memo forgets everything once the TLB or the walk caches
 * were invalidated since it last looked. */
static inline void ffwd_follow(struct sim *s)
{
	uint64_t epoch = s->mmu.tlb.invalidations + s->mmu.pwc.invalidations;
	if (epoch != s->smp.epoch) {
		ffwd_clear(&s->smp.ff);
		s->smp.epoch = epoch;
	}
}

static inline __attribute__((always_inline)) int access_one(struct sim *s, uint64_t va, bool write, bool chain,
			     uint32_t instrs, struct tpt_err *e)
{
	struct process *p = s->vm.cur;
	struct tpt_stats *st = &p->st;
	uint64_t pa;
	uint32_t pending = 0;
	uint64_t walked = chain ? st->walk_cycles + st->faulted_walk_cycles : 0; /* chained accesses only */
	count_work(s, st, va, write, instrs);
	int h = tlb_lookup(&s->mmu.tlb, va, p->asid, write, &pa);
	if (h == TLB_HIT_L1) {
		st->tlb_l1_hits++;
	} else if (h == TLB_HIT_L2) {
		st->tlb_l2_hits++;
	} else {
		st->tlb_misses++;
		if (translate(s, p, st, va, write, &pa, &pending, e))
			return -1;
	}
	int l = cache_access(&s->mmu.cache, pa);
	st->data_level[l]++;
	if (pending > s->mmu.cache.lat[l]) {
		/* tpt-opt: the data frame's check outlasted the data access. */
		st->walk_cycles += pending - s->mmu.cache.lat[l];
		st->tag_check_cycles += pending - s->mmu.cache.lat[l];
	}
	if (chain) {
		st->chain_accesses++;
		st->chain_walk_cycles += st->walk_cycles + st->faulted_walk_cycles - walked;
		st->chain_data_level[l]++;
	}
	return 0;
}

/* One access fast-forwarded (sample.h): counted as work, its page's walk
 * made (and its faults taken) only where the memo does not hold it; no TLB,
 * walk cache, cache or timing model. */
static int access_fast(struct sim *s, uint64_t va, bool write, bool chain, uint32_t instrs,
		       struct tpt_err *e)
{
	struct process *p = s->vm.cur;
	struct tpt_stats *st = &p->st;
	struct sim_sample *m = &s->smp;
	count_work(s, st, va, write, instrs);
	st->chain_accesses += chain;
	uint64_t pa;
	uint32_t pending = 0;
	if (s->cfg.sample_warming == SAMPLE_WARM_FULL || m->phase == SAMPLE_PREWARM) {
		/* Functional warming: the detailed path, its walks counted aside. */
		if (tlb_lookup(&s->mmu.tlb, va, p->asid, write, &pa) == TLB_MISS &&
		    translate(s, p, &m->scratch, va, write, &pa, &pending, e))
			return -1;
		cache_access(&s->mmu.cache, pa);
		return 0;
	}
	/* What the scheme does before a walk when its time comes (a TPT
	 * table's repair) is done at the first access after it. */
	if (s->scheme->before_walk)
		s->scheme->before_walk(&s->vm, p, s->vm.now, &m->scratch);
	ffwd_follow(s);
	if (ffwd_lookup(&m->ff, va, p->asid, write))
		return 0;
	if (tlb_lookup(&s->mmu.tlb, va, p->asid, write, &pa) == TLB_MISS &&
	    translate(s, p, &m->scratch, va, write, &pa, &pending, e))
		return -1;
	ffwd_follow(s); /* a fault may have changed tables */
	ffwd_fill(&m->ff, va, p->asid, write);
	return 0;
}

static int os_error(struct tpt_err *e, int rc, const struct event *ev)
{
	static const char *names[] = {"read", "write", "mark", "exec", "mmap", "munmap",
				      "mprotect", "brk", "fork", "exit", "syscall", "file"};
	const char *what = ev->type < ARRAY_LEN(names) ? names[ev->type] : "event";
	switch (rc) {
	case TPT_ENOMEM:
		return tpt_fail(e, "%s of pid %u: guest memory exhausted (raise [mem] guest_mem)",
				what, ev->pid);
	case TPT_EHOSTMEM:
		return tpt_fail(e, "%s of pid %u: host memory exhausted (raise [mem] host_mem)",
				what, ev->pid);
	default:
		return tpt_fail(e, "%s of pid %u at %#llx is invalid (no such process, or a bad range)",
				what, ev->pid, (unsigned long long)ev->va);
	}
}

/* Makes the event's process the running one, if it is not. */
static int run_pid(struct sim *s, uint16_t pid, struct tpt_err *e)
{
	if (s->vm.cur && s->vm.cur->pid == pid)
		return 0;
	int rc = vm_switch(&s->vm, pid);
	if (rc == TPT_ESEGV)
		return tpt_fail(e, "event for pid %u, which is not running (no exec, or it exited)",
				pid);
	if (rc)
		return tpt_fail(e, "context switch to pid %u: host memory exhausted", pid);
	return 0;
}

int sim_os_event(struct sim *s, const struct event *ev, struct tpt_err *e)
{
	struct vm *vm = &s->vm;
	int rc;
	switch (ev->type) {
	case EV_EXEC: {
		const char *name = ev->arg < ARRAY_LEN(s->wl->names) && s->wl->names[ev->arg][0]
					   ? s->wl->names[ev->arg]
					   : s->wl->def->name;
		struct process *p = vm_proc(vm, ev->pid);
		if (p && p->alive && run_pid(s, ev->pid, e))
			return -1;
		if ((rc = vm_exec(vm, ev->pid, name)))
			return os_error(e, rc, ev);
		if (profile_start(&s->prof, ev->pid, vm_own_table(vm, vm_proc(vm, ev->pid))))
			return tpt_fail_mem(e, "out of memory for the profiler");
		return run_pid(s, ev->pid, e);
	}
	case EV_EXIT:
		if ((rc = vm_exit(vm, ev->pid)))
			return os_error(e, rc, ev);
		return 0;
	case EV_FORK:
		if (ev->arg > 65535)
			return os_error(e, TPT_ESEGV, ev);
		if (run_pid(s, ev->pid, e))
			return -1;
		if ((rc = vm_fork(vm, ev->pid, (int)ev->arg)))
			return os_error(e, rc, ev);
		if (profile_start(&s->prof, (int)ev->arg, vm_own_table(vm, vm_proc(vm, (int)ev->arg))))
			return tpt_fail_mem(e, "out of memory for the profiler");
		return 0;
	default:
		break;
	}
	if (run_pid(s, ev->pid, e))
		return -1;
	struct process *p = vm->cur;
	switch (ev->type) {
	case EV_MMAP:
		rc = vm_mmap(p, ev->va, ev->arg, ev->size);
		break;
	case EV_MUNMAP:
		rc = vm_munmap(p, ev->va, ev->arg);
		break;
	case EV_MPROTECT:
		rc = vm_mprotect(p, ev->va, ev->arg, ev->size & WL_MAP_W);
		break;
	case EV_BRK:
		rc = vm_brk(p, ev->va);
		break;
	case EV_SYSCALL:
		vm_kernel_entry(vm, p, ev->arg);
		rc = 0;
		break;
	case EV_FILE:
		rc = vm_file_next(p, ev->va, ev->arg);
		break;
	default:
		return tpt_fail(e, "unknown event type %u", ev->type);
	}
	return rc ? os_error(e, rc, ev) : 0;
}

int sim_access(struct sim *s, uint64_t va, bool write, uint32_t instrs, struct tpt_err *e)
{
	if (!s->vm.cur)
		return tpt_fail(e, "access at %#llx with no process running", (unsigned long long)va);
	return access_one(s, va, write, false, instrs, e);
}

/* Event k touches another 4K page than event k - 1: its translation may miss. */
static inline bool new_page(const struct event *ev, size_t k)
{
	return ev[k].type <= EV_WRITE && (ev[k].va ^ ev[k - 1].va) >> PAGE_SHIFT;
}

int sim_events(struct sim *s, const struct event *ev, size_t n, struct tpt_err *e)
{
	/* Host prefetch pipeline: stage k runs for the event ahead[k] places on. */
	enum { RING = 32 };
	static const size_t ahead[4] = {0, 24, 16, 8};
	struct sim_pf ring[RING];
	bool prefetch = !s->prm.no_prefetch;
	uint64_t active = 0; /* bit j % 64: event j is followed by the pipeline */
	for (size_t i = 0; i < n; i++) {
		if (s->smp.phase == SAMPLE_FAST && s->cfg.sample_warming == SAMPLE_WARM_NONE) {
			/* Fast-forward: the memo's bucket of the access ahead. */
			size_t j = i + 32;
			if (j < n && ev[j].type <= EV_WRITE && s->vm.cur)
				ffwd_prefetch(&s->smp.ff, ev[j].va, s->vm.cur->asid);
		} else if (prefetch) {
			/* Stage 1 decides, once per event, whether it is worth following. */
			size_t j = i + ahead[1];
			if (j < n) {
				uint64_t bit = 1ULL << (j % 64);
				active &= ~bit;
				if (new_page(ev, j) && s->vm.cur && ev[j].pid == s->vm.cur->pid) {
					active |= bit;
					sim_prefetch(s, ev[j].va, 1, &ring[j % RING]);
				}
			}
			for (int k = 2; k <= 3; k++) {
				j = i + ahead[k];
				if (j < n && (active >> (j % 64) & 1) && s->vm.cur)
					sim_prefetch(s, ev[j].va, k, &ring[j % RING]);
			}
		}
		const struct event *x = &ev[i];
		if (x->type <= EV_WRITE) {
			/* A sampled run's phases change between accesses. */
			if (s->vm.now >= s->smp.next)
				sample_change(s);
			if ((!s->vm.cur || s->vm.cur->pid != x->pid) && run_pid(s, x->pid, e))
				return -1;
			if (s->smp.phase == SAMPLE_FAST || s->smp.phase == SAMPLE_PREWARM
				    ? access_fast(s, x->va, x->type == EV_WRITE, x->size & EV_CHAIN, x->instrs, e)
				    : access_one(s, x->va, x->type == EV_WRITE, x->size & EV_CHAIN, x->instrs, e))
				return -1;
		} else if (x->type == EV_MARK) {
			if (!s->prm.whole_run) {
				sim_reset_stats(s);
				sample_mark(s);
			}
		} else if (sim_os_event(s, x, e)) {
			return -1;
		} else {
			/* The instructions before an OS event ran too (in its process). */
			sim_account(s)->instructions += x->instrs;
		}
	}
	return 0;
}

static int consume(void *ctx, const struct event *ev, size_t n, struct tpt_err *e)
{
	return sim_events(ctx, ev, n, e);
}

int sim_run(struct sim *s, struct tpt_err *e)
{
	if (workload_run(s->wl, consume, s, s->scheme->name, s->prm.progress, e))
		return -1;
	return sample_finish(s, e);
}

struct tlb_chk {
	const struct sim *s;
	struct tpt_err *e;
};

/* A TLB entry translates as the tables do now: no entry outlives its mapping. */
static int tlb_entry_ok(void *ctx, uint64_t va, unsigned asid, unsigned shift, uint64_t pa,
			bool writable)
{
	struct tlb_chk *c = ctx;
	const struct vm *vm = &c->s->vm;
	const struct process *owner = NULL;
	for (unsigned i = 0; i < vm->nprocs; i++) {
		const struct process *p = vm->procs[i];
		if (p && p->alive && p->asid == asid) {
			if (owner)
				return 0; /* two processes share the PCID: nothing to check */
			owner = p;
		}
	}
	if (!owner)
		return tpt_broken(c->e, "sim_check", 1, "TLB holds va %#llx for PCID %u, which no process has",
				(unsigned long long)va, asid);
	uint64_t hpa, pte, gpa;
	unsigned s, gs;
	if (vm_ref_translate(vm, owner, va, &hpa, &s) || s != shift ||
	    (hpa & ~((1ULL << s) - 1)) != pa)
		return tpt_broken(c->e, "sim_check", 2, "TLB maps va %#llx of pid %d to %#llx (2^%u); the tables do not",
				(unsigned long long)va, owner->pid, (unsigned long long)pa, shift);
	if (writable && (pt_lookup(&owner->pt, va, &gpa, &gs, &pte, NULL) || !(pte & PTE_W)))
		return tpt_broken(c->e, "sim_check", 3, "TLB lets pid %d write va %#llx; the guest table does not",
				owner->pid, (unsigned long long)va);
	return 0;
}

int sim_check(const struct sim *s, struct tpt_err *e)
{
	struct tlb_chk c = {s, e};
	if (tlb_foreach(&s->mmu.tlb, tlb_entry_ok, &c))
		return -1;
	if (mmu_check(&s->mmu, e) || vm_check(&s->vm, e) || sample_check(s, e))
		return -1;
	return 0;
}
