/* SPDX-License-Identifier: MIT */
/*
 * vm_internal.h - what the files of the VM model share among themselves:
 * the guest tables' callbacks, the first touch, and shootdowns.
 */
#ifndef TPT_VM_INTERNAL_H
#define TPT_VM_INTERNAL_H

#include "tpt/base/bitmap.h"
#include "tpt/mmu/mmu.h"
#include "tpt/vm/vm.h"

extern const struct pt_ops vm_guest_pt_ops; /* guest tables: guest frames; ctx = process */

/* vm_touch_gfn, telling whether the frame is a page-table page. */
int vm_touch(struct vm *vm, struct tpt_stats *acct, uint64_t gfn, bool table);

/* A shootdown of the n guest pages listed (address and size) of p. */
void vm_shootdown(struct vm *vm, struct process *p, const struct pt_leaf *page, size_t n);

#endif
