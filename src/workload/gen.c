/* SPDX-License-Identifier: MIT */
/*
 * gen.c - what the generators share (workload.h): the prologue of a
 * process's exec and mappings, warm-up sweeps and the phases before the
 * measured work, and the check of the host memory a generator's own
 * structures need. Called by the generators only; below workload.c, which
 * lists them.
 */
#include "tpt/workload/workload.h"

int wl_host_memory(const struct workload *w, uint64_t bytes, struct tpt_err *e)
{
	uint64_t avail = tpt_mem_available();
	if (bytes <= avail)
		return 0;
	char a[32], b[32];
	return tpt_fail_mem(e, "%s: its own structures need about %s of this machine's memory; %s is "
			   "available", w->def->name, tpt_format_size(tpt_align_up(bytes, MiB), a),
			tpt_format_size(avail & ~(MiB - 1), b));
}

size_t wl_prologue(struct workload *w, struct event *ev)
{
	size_t k = 0;
	if (!w->names[0][0])
		snprintf(w->names[0], sizeof(w->names[0]), "%s", w->def->name);
	ev[k++] = (struct event){.type = EV_EXEC, .pid = 1, .arg = 0};
	for (unsigned i = 0; i < w->nregions; i++)
		ev[k++] = (struct event){.type = EV_MMAP, .pid = 1, .va = w->regions[i].start,
					 .arg = w->regions[i].len, .size = WL_MAP_W};
	return k;
}

void wl_sweep_init(struct wl_sweep *s, const struct region *r, uint64_t init_mode,
		   uint64_t word, uint32_t instrs_per_word)
{
	s->addr = r->start;
	s->end = init_mode == WL_INIT_NONE ? r->start : r->start + r->len;
	if (init_mode == WL_INIT_FULL) {
		s->stride = word;
		s->instrs = instrs_per_word;
	} else {
		/* One write per page stands for the page's words: same faults and tables. */
		s->stride = PAGE_SIZE;
		s->instrs = (uint32_t)(instrs_per_word * (PAGE_SIZE / word));
	}
}

uint64_t wl_sweep_events(uint64_t len, uint64_t init_mode, uint64_t word)
{
	if (init_mode == WL_INIT_NONE)
		return 0;
	return len / (init_mode == WL_INIT_FULL ? word : PAGE_SIZE);
}

size_t wl_sweep_next(struct wl_sweep *s, struct event *ev, size_t n)
{
	size_t k = 0;
	for (; k < n && s->addr < s->end; k++, s->addr += s->stride)
		ev[k] = (struct event){.va = s->addr, .instrs = s->instrs, .type = EV_WRITE, .size = 8,
				       .pid = 1};
	return k;
}

size_t wl_phases_next(struct wl_phases *ph, struct workload *w, struct event *ev, size_t n)
{
	size_t k = 0;
	if (ph->phase == WL_PH_PROLOGUE) {
		ph->phase = WL_PH_WARM;
		return wl_prologue(w, ev);
	}
	while (ph->phase == WL_PH_WARM && k < n) {
		if (ph->cur < ph->nsweeps) {
			size_t got = wl_sweep_next(&ph->sweep[ph->cur], ev + k, n - k);
			k += got;
			ph->cur += !got;
			continue;
		}
		bool done = true;
		size_t got = ph->warm ? ph->warm(w, ev + k, n - k, &done) : 0;
		k += got;
		if (done)
			ph->phase = WL_PH_MARK;
		else if (!got)
			break; /* no room left for the warm-up's next step */
	}
	if (ph->phase == WL_PH_MARK && k < n) {
		ev[k++] = (struct event){.type = EV_MARK, .pid = 1};
		ph->phase = WL_PH_WORK;
	}
	return k;
}
