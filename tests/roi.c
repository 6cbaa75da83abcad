/* SPDX-License-Identifier: MIT */
/*
 * roi.c - a real program for the recorder's test (record.sh) that marks a
 * region of interest: it writes one byte in each of WARM pages, then, in
 * its region, one in each of HOT new pages and the WARM pages again, then
 * one in each of AFTER pages. Recorded with --roi, the trace measures the
 * region alone: HOT first touches, WARM pages already there, AFTER absent.
 */
#include <tpt/roi.h>

enum { PAGE = 4096, WARM = 64, HOT = 16, AFTER = 32 };

static volatile unsigned char warm[WARM * PAGE] __attribute__((aligned(PAGE)));
static volatile unsigned char hot[HOT * PAGE] __attribute__((aligned(PAGE)));
static volatile unsigned char after[AFTER * PAGE] __attribute__((aligned(PAGE)));

int main(void)
{
	for (int i = 0; i < WARM; i++)
		warm[i * PAGE] = 1;
	TPT_ROI_BEGIN();
	for (int i = 0; i < HOT; i++)
		hot[i * PAGE] = 1;
	for (int i = 0; i < WARM; i++)
		warm[i * PAGE] = 2;
	TPT_ROI_END();
	for (int i = 0; i < AFTER; i++)
		after[i * PAGE] = 1;
	return 0;
}
