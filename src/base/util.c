/* SPDX-License-Identifier: MIT */
/*
 * util.c - error text, size/count parsing and formatting, RNG seeding.
 * Used by every module that parses user input; no state.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "tpt/base/util.h"

int tpt_fail(struct tpt_err *e, const char *fmt, ...)
{
	if (e) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
		va_end(ap);
		e->kind = TPT_ERR_INPUT;
	}
	return -1;
}

int tpt_broken(struct tpt_err *e, const char *who, int n, const char *fmt, ...)
{
	if (e) {
		char what[256];
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(what, sizeof(what), fmt, ap);
		va_end(ap);
		tpt_fail(e, "%s: invariant %d: %s", who, n, what);
	}
	return TPT_EFAIL;
}

int tpt_fail_mem(struct tpt_err *e, const char *fmt, ...)
{
	if (e) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
		va_end(ap);
		e->kind = TPT_ERR_MEMORY;
	}
	return -1;
}

int tpt_parse_u64(const char *s, uint64_t *out)
{
	char *end;
	if (!s || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

static int parse_suffixed(const char *s, uint64_t *out, const uint64_t mult[4])
{
	char *end;
	if (!s || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno)
		return -1;
	uint64_t m = 1;
	if (*end) {
		switch (toupper((unsigned char)*end)) {
		case 'K': m = mult[0]; break;
		case 'M': m = mult[1]; break;
		case 'G': m = mult[2]; break;
		case 'T': m = mult[3]; break;
		default: return -1;
		}
		end++;
		/* Accept "4KB", "4KiB" as well as "4K". */
		if (*end == 'i' || *end == 'I')
			end++;
		if (*end == 'B' || *end == 'b')
			end++;
		if (*end)
			return -1;
	}
	if (v > UINT64_MAX / m)
		return -1;
	*out = v * m;
	return 0;
}

int tpt_parse_size(const char *s, uint64_t *out)
{
	static const uint64_t bin[4] = {KiB, MiB, GiB, 1024 * GiB};
	return parse_suffixed(s, out, bin);
}

int tpt_parse_count(const char *s, uint64_t *out)
{
	static const uint64_t dec[4] = {1000ULL, 1000000ULL, 1000000000ULL, 1000000000000ULL};
	return parse_suffixed(s, out, dec);
}

static const char *format_suffixed(uint64_t v, char buf[32], uint64_t base)
{
	static const char sfx[] = "KMGT";
	int i = -1;
	while (v && i < 3 && v % base == 0) {
		v /= base;
		i++;
	}
	if (i < 0)
		snprintf(buf, 32, "%llu", (unsigned long long)v);
	else
		snprintf(buf, 32, "%llu%c", (unsigned long long)v, sfx[i]);
	return buf;
}

const char *tpt_format_size(uint64_t v, char buf[32])
{
	return format_suffixed(v, buf, 1024);
}

const char *tpt_format_count(uint64_t v, char buf[32])
{
	return format_suffixed(v, buf, 1000);
}

int tpt_grow(void *v, size_t *cap, size_t need, size_t elem)
{
	void **pv = v;
	if (need <= *cap)
		return 0;
	size_t n = *cap ? *cap : 16;
	while (n < need)
		n *= 2;
	void *nv = realloc(*pv, n * elem);
	if (!nv)
		return -1;
	*pv = nv;
	*cap = n;
	return 0;
}

void tpt_csv_field(FILE *f, const char *s)
{
	if (!s[strcspn(s, ",\"\r\n")]) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

#define HUGE_PAGE (2u << 20)

void *tpt_huge_alloc(size_t bytes)
{
	size_t len = tpt_align_up(bytes ? bytes : 1, HUGE_PAGE);
	/* Over-map by one huge page, then trim to the boundary. */
	uint8_t *m = mmap(NULL, len + HUGE_PAGE, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return NULL;
	size_t head = (size_t)(tpt_align_up((uintptr_t)m, HUGE_PAGE) - (uintptr_t)m);
	uint8_t *p = m + head;
	if (head)
		munmap(m, head);
	munmap(p + len, HUGE_PAGE - head); /* head < HUGE_PAGE: a tail always remains */
	(void)madvise(p, len, MADV_HUGEPAGE); /* best effort */
	return p;
}

void tpt_huge_free(void *p, size_t bytes)
{
	if (p)
		munmap(p, tpt_align_up(bytes ? bytes : 1, HUGE_PAGE));
}

uint64_t tpt_mem_available(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	if (!f)
		return UINT64_MAX;
	char line[128];
	unsigned long long kb, sum = 0;
	int found = 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1 ||
		    sscanf(line, "SwapFree: %llu kB", &kb) == 1) {
			sum += kb;
			found++;
		}
	fclose(f);
	return found ? sum * 1024 : UINT64_MAX;
}

void rng_seed(struct rng *r, uint64_t seed)
{
	uint64_t z = seed;
	for (int i = 0; i < 4; i++) {
		z += 0x9e3779b97f4a7c15ULL;
		uint64_t x = z;
		x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
		x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
		r->s[i] = x ^ (x >> 31);
	}
}
