/* SPDX-License-Identifier: MIT */
/*
 * rep_stos.c - a real program for the recorder's test (cli.sh): clears
 * argv[1] bytes of a page-aligned static buffer with one `rep stosb`, so
 * that two recordings differing only in the count show what one string
 * instruction adds to a trace.
 */
#include <stdlib.h>

static unsigned char buf[1 << 20] __attribute__((aligned(4096)));

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 0) : 0;
	if (n > sizeof(buf))
		return 2;
	void *d = buf;
#if defined(__x86_64__)
	__asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(0) : "memory");
#else
	for (size_t i = 0; i < n; i++)
		((volatile unsigned char *)d)[i] = 0;
#endif
	return buf[0];
}
