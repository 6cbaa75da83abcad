/*
 * scheme.h - translation schemes behind one interface. A scheme is chosen
 * once per run; the simulator calls its walk on every TLB miss.
 *
 * A walk is one hardware page walk attempt. It returns WALK_OK with the
 * translation, or the fault that cut it short; the simulator has the OS or
 * hypervisor model handle the fault and walks again.
 */
#ifndef TPT_SCHEME_H
#define TPT_SCHEME_H

#include "tpt/vm.h"

enum walk_rc {
	WALK_OK,
	WALK_GUEST_PF,      /* not present (or not writable) in the guest's view */
	WALK_EPT_VIOLATION, /* a gPA with no host mapping */
	WALK_SHADOW_MISS,   /* not present in the shadow table: hidden or true fault */
	WALK_TAG_FAULT,     /* a TPT walk reached a frame not owned by the VM */
	WALK_TPT_STATUS,    /* TPT table out of step with the guest table */
	WALK_SWITCH,        /* (internal to agile walks) a switching entry: go nested */
};

struct walk {
	uint64_t pa;      /* translated address, offset included */
	unsigned shift;   /* size of the TLB entry to fill */
	bool writable;
	uint32_t refs;     /* page-table entries read */
	uint32_t rmp_refs; /* tag checks that went to memory */
	uint64_t cycles;   /* dependent latency of the walk */
	uint64_t check_cycles; /* the part of cycles spent on tag checks */
	uint32_t pending_check; /* tpt-opt: the data frame's check, overlapped with the data access */
	uint64_t fault_addr;
	uint64_t switch_table; /* WALK_SWITCH: the guest table the walk continues in */
	int switch_level;      /* and its level */
};

struct sim;

struct scheme {
	const char *name;
	const char *summary;
	enum vm_mode mode;
	bool tag_checks, parallel_checks;
	int (*walk)(struct sim *s, struct process *p, uint64_t va, bool write, struct walk *w);
};

const struct scheme *scheme_find(const char *name);
/* All schemes, NULL-terminated, in the order compare runs them. */
extern const struct scheme *const scheme_all[];

#endif
