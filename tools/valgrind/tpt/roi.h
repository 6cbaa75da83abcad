/* SPDX-License-Identifier: MIT */
/*
 * tpt/roi.h - marks a program's region of interest for `tpt trace record
 * --roi`: the trace measures from TPT_ROI_BEGIN() to TPT_ROI_END(), what
 * ran before it is the warm-up (simulated, not counted: page tables, faults,
 * caches and TLBs filled as the program filled them), and the trace ends
 * at TPT_ROI_END(). The first begin and the first end after it count; a
 * program may leave out TPT_ROI_END() (the region runs to the end).
 *
 * Outside tpt's Valgrind tool (run natively, or under another tool) each
 * marker is a few instructions that do nothing. Needs Valgrind's
 * <valgrind/valgrind.h> (Debian's valgrind package).
 *
 *     #include <tpt/roi.h>
 *     ...
 *     load_input();
 *     TPT_ROI_BEGIN();
 *     compute();
 *     TPT_ROI_END();
 */
#ifndef TPT_ROI_H
#define TPT_ROI_H

#include <valgrind/valgrind.h>

#define TPT_ROI_BEGIN()                                                                            \
	VALGRIND_DO_CLIENT_REQUEST_STMT(VG_USERREQ_TOOL_BASE('T', 'P'), 0, 0, 0, 0, 0)
#define TPT_ROI_END()                                                                              \
	VALGRIND_DO_CLIENT_REQUEST_STMT(VG_USERREQ_TOOL_BASE('T', 'P') + 1, 0, 0, 0, 0, 0)

#endif
