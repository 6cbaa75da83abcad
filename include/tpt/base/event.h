/* SPDX-License-Identifier: MIT */
/*
 * event.h - the event stream: what a workload or a trace produces and the
 * simulator (and dbt) consume, per process. The one interface between the
 * programs being modelled and the machine: generators and trace readers
 * write these, and nothing else passes between them.
 */
#ifndef TPT_EVENT_H
#define TPT_EVENT_H

#include "tpt/base/util.h"

/*
 * Events. Every event belongs to a process (pid, numbered by the workload);
 * an event of another process than the running one is a context switch.
 *   EV_READ, EV_WRITE   va, size bytes (1 to 64), after instrs instructions;
 *                       size | EV_CHAIN: the address came from the data of
 *                       the process's access before it (a binary search's
 *                       probe, a pointer followed), so no other access
 *                       overlaps its walk and miss (cost.h)
 *   EV_MARK             warm-up ends: counters start here
 *   EV_EXEC             the process (created if new) runs program names[arg]
 *   EV_MMAP             maps [va, va + arg); size holds MAP_* flags
 *   EV_MUNMAP           unmaps [va, va + arg)
 *   EV_MPROTECT         [va, va + arg) becomes writable if size has WL_MAP_W
 *   EV_BRK              moves the program break to va
 *   EV_FORK             creates process arg as a copy-on-write child of pid
 *   EV_EXIT             the process ends
 *   EV_SYSCALL          arg kernel entries (system calls, interrupts)
 *   EV_FILE             the process's next EV_MMAP with WL_MAP_FILE maps file
 *                       va (an id, 1 .. 2^32 - 1) from its page arg: mappings of
 *                       one file share its pages (the page cache); a file
 *                       mapping without it has pages of its own
 */
enum ev_type {
	EV_READ, EV_WRITE, EV_MARK, EV_EXEC, EV_MMAP, EV_MUNMAP, EV_MPROTECT, EV_BRK,
	EV_FORK, EV_EXIT, EV_SYSCALL, EV_FILE,
};

/* An access's size bits; EV_CHAIN as above. */
enum { EV_SIZE = 0x7f, EV_CHAIN = 0x80 };

/* EV_MMAP flags; WL_MAP_FILE: a file's pages (the page cache), not anonymous memory */
enum { WL_MAP_W = 1, WL_MAP_THP = 2, WL_MAP_HUGE = 4, WL_MAP_FILE = 8 };

struct event {
	uint64_t va;
	uint64_t arg;
	uint32_t instrs; /* instructions retired since the previous event */
	uint8_t type;    /* enum ev_type */
	uint8_t size;    /* bytes accessed, or flags */
	uint16_t pid;
};

/* Where workloads place their data: 16 TiB, 1 GiB-aligned, canonical on 4 and 5 levels. */
#define WL_BASE_VA (16ULL << 40)
/* Where a process's program break starts (the guest's VM_BRK_BASE). */
#define WL_BRK_BASE (32ULL << 40)

#endif
