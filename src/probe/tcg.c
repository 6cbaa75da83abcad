/* SPDX-License-Identifier: MIT */
/*
 * tcg.c - QEMU's TCG timed on this machine (tcg.h): writes the plan's
 * guest tpt carries (tcg_image.S: IA-32 or x86-64) to a temporary file,
 * boots it under qemu-system-i386 or qemu-system-x86_64 -accel tcg with
 * the plan as its command line, reads its rows from the serial port and
 * turns TSC cycles into ns.
 *
 * QEMU runs as a child (child.h) with its standard output on a pipe and
 * its input from /dev/null; one that outlives the plan's timeout is
 * killed. The temporary is removed whatever happens. Nothing here knows
 * the model.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <x86intrin.h>

#include "tpt/base/child.h"
#include "tpt/probe/tcg.h"

extern const uint8_t tcg_image[], tcg_image_end[], tcg_image64[], tcg_image64_end[];

const char *const tcg_loop_name[TCG_LOOP_N] = {"rmw", "chase", "seq", "gups"};

void tcg_plan_default(struct tcg_plan *p, uint64_t size, bool x86_64)
{
	/* The grown TLB holds twice the pages of the large loops' region. */
	unsigned grown = tpt_log2(size / PAGE_SIZE) + 1, max = TCG_TLB_MAX_BITS(x86_64);
	*p = (struct tcg_plan){.x86_64 = x86_64, .mem = size, .rounds = 5, .key = 1,
			       .tlb_bits = {8, grown > max ? max : grown}, .ntlb = 2, .timeout_s = 600};
	if (x86_64) {
		p->loop[0] = (struct tcg_loopspec){TCG_GUPS, size, 1 << 20};
		p->nloop = 1;
	} else {
		p->loop[0] = (struct tcg_loopspec){TCG_RMW, 1 * MiB, 4000000};
		p->loop[1] = (struct tcg_loopspec){TCG_RMW, size, 1000000};
		p->loop[2] = (struct tcg_loopspec){TCG_CHASE, size, 1000000};
		p->loop[3] = (struct tcg_loopspec){TCG_SEQ, size / 4, size / 16};
		p->nloop = 4;
	}
}

const char *tcg_qemu(bool x86_64)
{
	const char *q = getenv(x86_64 ? "TPT_QEMU_X86_64" : "TPT_QEMU");
	return q && *q ? q : x86_64 ? "qemu-system-x86_64" : "qemu-system-i386";
}

int tcg_qemu_version(bool x86_64, char *out, size_t n, struct tpt_err *e)
{
	char buf[512];
	const char *q = tcg_qemu(x86_64);
	char *argv[] = {(char *)q, "--version", NULL};
	int st = child_capture(argv, buf, sizeof(buf), true, 30);
	if (st == CHILD_LATE)
		return tpt_fail(e, "%s --version ran longer than 30 s and was stopped", q);
	if (st != 0 || strncmp(buf, "QEMU emulator", 13))
		return tpt_fail(e, "%s is not there or does not run (Debian's qemu-system-x86 has it; "
				   "%s names another)", q, x86_64 ? "TPT_QEMU_X86_64" : "TPT_QEMU");
	size_t len = strcspn(buf, "\n");
	snprintf(out, n, "%.*s", (int)len, buf);
	return 0;
}

double tcg_tsc_ghz(void)
{
	double v[3];
	for (unsigned i = 0; i < ARRAY_LEN(v); i++) {
		uint64_t t0 = sample_now_ns(), c0 = __rdtsc();
		usleep(200000);
		uint64_t t1 = sample_now_ns(), c1 = __rdtsc();
		v[i] = t1 > t0 ? (double)(c1 - c0) / (double)(t1 - t0) : 0;
	}
	return sample_median(v, ARRAY_LEN(v));
}

/* The plan as the guest's command line (guest.c). */
static int plan_line(const struct tcg_plan *p, double tsc_ghz, char *s, size_t max, struct tpt_err *e)
{
	size_t n = (size_t)snprintf(s, max, "tsc_khz=%llu mem=%lluK rounds=%u key=%u tlb=",
				    (unsigned long long)(tsc_ghz * 1e6 + 0.5),
				    (unsigned long long)(p->mem >> 10), p->rounds, p->key);
	for (unsigned i = 0; i < p->ntlb && n < max; i++)
		n += (size_t)snprintf(s + n, max - n, "%s%u", i ? "," : "", p->tlb_bits[i]);
	for (unsigned i = 0; i < p->nloop && n < max; i++) {
		const struct tcg_loopspec *l = &p->loop[i];
		n += (size_t)snprintf(s + n, max - n, " %s=%lluK:%llu", tcg_loop_name[l->loop],
				      (unsigned long long)(l->size >> 10), (unsigned long long)l->iters);
	}
	return n < max ? 0 : tpt_fail(e, "probe --tcg: the plan is too long for the guest's command line");
}

static int check_plan(const struct tcg_plan *p, struct tpt_err *e)
{
	if (!p->ntlb || p->ntlb > TCG_MAX_TLBS || !p->nloop || p->nloop > TCG_MAX_LOOPS ||
	    !p->rounds || p->rounds > TCG_MAX_ROUNDS)
		return tpt_fail(e, "probe --tcg: a plan needs 1 to %d TLB sizes, 1 to %d loops and 1 to "
				   "%d rounds", TCG_MAX_TLBS, TCG_MAX_LOOPS, TCG_MAX_ROUNDS);
	if (p->mem < 4 * MiB || p->mem > 1 * GiB)
		return tpt_fail(e, "probe --tcg: the guest maps 4M to 1G for its loops");
	unsigned max_bits = TCG_TLB_MAX_BITS(p->x86_64);
	for (unsigned i = 0; i < p->ntlb; i++)
		if (p->tlb_bits[i] < 6 || p->tlb_bits[i] > max_bits ||
		    (PAGE_SIZE << p->tlb_bits[i]) / 8 * 3 > p->mem)
			return tpt_fail(e, "probe --tcg: TLB size 2^%u: QEMU's TLB has 2^6 to 2^%u "
					   "entries, and growing it to 2^%u touches %llu MiB, more than the "
					   "guest maps (--size)", p->tlb_bits[i], max_bits, p->tlb_bits[i],
					(unsigned long long)((PAGE_SIZE << p->tlb_bits[i]) / 8 * 3 >> 20));
	for (unsigned i = 0; i < p->nloop; i++) {
		const struct tcg_loopspec *l = &p->loop[i];
		if (!tpt_is_pow2(l->size) || l->size < PAGE_SIZE || l->size > p->mem || !l->iters ||
		    l->iters > 0xffffffffULL)
			return tpt_fail(e, "probe --tcg: a loop's region is a power of two from 4K to the "
					   "guest's memory, with 1 to 2^32 - 1 iterations");
		if ((l->loop == TCG_GUPS) != p->x86_64 || (l->loop == TCG_GUPS && l->iters % TCG_GUPS_STREAMS))
			return tpt_fail(e, "probe --tcg: gups runs in the x86-64 guest alone, 128 streams "
					   "at a time; the other loops in the IA-32 guest");
	}
	return 0;
}

/* One "row B LOOP SIZE N C1 ... Cr" line of the guest's (hexadecimal). */
static int parse_row(const char *line, const struct tcg_plan *p, double tsc_ghz, struct tcg_row *r)
{
	char name[16];
	unsigned bits;
	unsigned long long size, iters;
	int used;
	if (sscanf(line, "row %x %15s %llx %llx%n", &bits, name, &size, &iters, &used) != 4)
		return -1;
	memset(r, 0, sizeof(*r));
	r->x86_64 = p->x86_64;
	r->tlb_bits = bits;
	int k = -1;
	for (int i = 0; i < TCG_LOOP_N; i++)
		if (!strcmp(name, tcg_loop_name[i]))
			k = i;
	if (k < 0 || !iters)
		return -1;
	r->spec = (struct tcg_loopspec){(enum tcg_loop)k, size, iters};
	const char *s = line + used;
	unsigned long long c;
	int m;
	while (r->n < p->rounds && sscanf(s, " %llx%n", &c, &m) == 1) {
		r->sample[r->n++] = (double)c / tsc_ghz / (double)iters;
		s += m;
	}
	if (r->n != p->rounds)
		return -1;
	r->ns = sample_median(r->sample, r->n);
	r->noise = sample_noise(r->sample, r->n);
	return 0;
}

int tcg_measure(const struct tcg_plan *p, double tsc_ghz, struct tcg_row *rows, size_t max,
		size_t *nrows, struct tpt_err *e)
{
	char path[4096], line[1024], mem[32];
	char *out = NULL;
	int fd = -1, rc = -1;
	*nrows = 0;
	if (check_plan(p, e) || plan_line(p, tsc_ghz, line, sizeof(line), e))
		return -1;
	if ((size_t)p->ntlb * p->nloop > max)
		return tpt_fail(e, "probe --tcg: room for %zu rows, the plan has %u", max, p->ntlb * p->nloop);
	const char *tmp = getenv("TMPDIR");
	snprintf(path, sizeof(path), "%s/tpt-tcg-guest.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if ((fd = mkstemp(path)) < 0) {
		tpt_fail(e, "probe --tcg: cannot write the guest to %s: %s", path, strerror(errno));
		path[0] = 0;
		goto out;
	}
	const uint8_t *img = p->x86_64 ? tcg_image64 : tcg_image;
	size_t len = (size_t)(p->x86_64 ? tcg_image64_end - tcg_image64 : tcg_image_end - tcg_image), done = 0;
	while (done < len) {
		ssize_t k = write(fd, img + done, len - done);
		if (k <= 0) {
			tpt_fail(e, "probe --tcg: cannot write the guest to %s: %s", path, strerror(errno));
			goto out;
		}
		done += (size_t)k;
	}
	close(fd);
	fd = -1;
	/* Room for the tables and code below 16 MiB, the loops above. */
	snprintf(mem, sizeof(mem), "%lluM", (unsigned long long)((TCG_BUF_ADDR + p->mem) >> 20) + 16);
	char *argv[] = {(char *)tcg_qemu(p->x86_64), "-accel", "tcg", "-m", mem, "-display", "none",
			"-nodefaults", "-no-reboot", "-serial", "stdio", "-device",
			"isa-debug-exit,iobase=0xf4,iosize=4", "-kernel", path, "-append", line, NULL};
	enum { OUT_MAX = 1 << 16 };
	if (!(out = malloc(OUT_MAX))) {
		tpt_nomem(e);
		goto out;
	}
	int st = child_capture(argv, out, OUT_MAX, true, p->timeout_s);
	if (st == CHILD_LATE) {
		tpt_fail(e, "%s ran longer than %u s and was stopped", argv[0], p->timeout_s);
		goto out;
	}
	if (st == 127 && !out[0]) {
		tpt_fail(e, "%s could not be started", argv[0]);
		goto out;
	}
	/* isa-debug-exit: the guest's 0 is QEMU's status 1, its 1 is 3. */
	char *err = strstr(out, "error ");
	if (err || st != 1 || !strstr(out, "\ndone")) {
		const char *why = err ? err : out;
		size_t wl = strcspn(why, "\n");
		tpt_fail(e, "probe --tcg: %s %s: %.*s", tcg_qemu(p->x86_64),
			 err ? "ran, the guest refused" : "failed", (int)(wl > 300 ? 300 : wl),
			 *why ? why : "(nothing printed)");
		goto out;
	}
	for (char *s = out; (s = strstr(s, "row ")); s++) {
		if (*nrows == max || parse_row(s, p, tsc_ghz, &rows[*nrows])) {
			tpt_fail(e, "probe --tcg: the guest printed a row that does not read: %.*s",
				 (int)strcspn(s, "\n"), s);
			goto out;
		}
		(*nrows)++;
	}
	if (*nrows != (size_t)p->ntlb * p->nloop) {
		tpt_fail(e, "probe --tcg: the guest printed %zu rows of %u", *nrows, p->ntlb * p->nloop);
		goto out;
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (path[0])
		unlink(path);
	free(out);
	return rc;
}
