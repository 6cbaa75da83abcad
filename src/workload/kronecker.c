/* SPDX-License-Identifier: MIT */
/*
 * kronecker.c - an undirected Kronecker graph whose edges are computed on
 * demand (see kronecker.h for the contract).
 *
 * Graph500's generator draws each of degree * 2^scale edges from the
 * Kronecker product of the initiator (A 0.57, B 0.19, C 0.19, D 0.05): an
 * end of an edge is vertex k with probability p(k) = 0.76^zeros(k) *
 * 0.24^ones(k) over its scale bits, for either end, since B = C. So the
 * number of edge ends at k is Binomial(2 ne, p(k)), which is Poisson with
 * mean 2 ne p(k) at these sizes; it depends only on how many bits of k are
 * set. Here each vertex draws its degree so from a hash of the seed and its
 * label (labels are a keyed bijection of the Kronecker index, as Graph500
 * permutes them), the degrees are laid out as CSR offsets, and the ends are
 * paired two by two by a keyed bijection over them: end t's mate is
 * pi^-1(pi(t) xor 1). An end's vertex is found from the offsets. So
 * neighbour lists are symmetric by construction and every vertex has its
 * Kronecker degree; what is not Kronecker is whom a vertex's ends meet:
 * any end with equal chance, which gives a neighbour probability
 * proportional to its degree (the Chung-Lu graph with Kronecker weights).
 * The initiator is nearly a product of its margins (0.57 against
 * 0.76 * 0.76 = 0.578), so the two differ little. As GAPBS would before
 * squishing, a list keeps its repeated edges and self-loops.
 *
 * Memory: 4 bytes per vertex (offsets within blocks of 1024 vertices),
 * 8 per block, 4 per 1024 edge ends (the owner of each block of ends),
 * and one list buffer as long as the largest degree.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kronecker.h"

#define VBLOCK_SHIFT 10 /* vertices per offset base */
#define EBLOCK_SHIFT 10 /* edge ends per owner entry */
#define POISSON_TABLE 1000.0 /* means up to this draw from a table; above, the normal law */
#define CDF_CAP 1400          /* the table's length: past a mean of 1000 by 12 deviations */
#define GUIDE 256             /* a uniform's first index in the table, per 1/256 */

static uint64_t splitmix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* Bits set in x, without the library call a baseline x86-64 build makes of it. */
static unsigned popcount(uint64_t x)
{
	x -= (x >> 1) & 0x5555555555555555ULL;
	x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
	x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
	return (unsigned)((x * 0x0101010101010101ULL) >> 56);
}

static void kmix_init(struct kmix *m, unsigned bits, uint64_t key)
{
	m->bits = bits;
	m->mask = bits >= 64 ? ~0ULL : (1ULL << bits) - 1;
	m->shift = (bits + 1) / 2 ? (bits + 1) / 2 : 1;
	for (int r = 0; r < 4; r++) {
		key = splitmix(key);
		m->add[r] = key & m->mask;
		key = splitmix(key);
		uint64_t a = key | 1, inv = a;
		for (int i = 0; i < 6; i++) /* Newton: inv = a^-1 mod 2^64 */
			inv *= 2 - a * inv;
		m->mul[r] = a & m->mask;
		m->inv[r] = inv & m->mask;
	}
}

static uint64_t kmix_fwd(const struct kmix *m, uint64_t x)
{
	for (int r = 0; r < 4; r++) {
		x = (x + m->add[r]) & m->mask;
		x = (x * m->mul[r]) & m->mask;
		x ^= x >> m->shift;
	}
	return x;
}

static uint64_t kmix_inv(const struct kmix *m, uint64_t y)
{
	for (int r = 3; r >= 0; r--) {
		uint64_t x = y;
		for (unsigned i = m->shift; i < m->bits; i += m->shift)
			x = y ^ (x >> m->shift);
		y = (x * m->inv[r]) & m->mask;
		y = (y - m->add[r]) & m->mask;
	}
	return y;
}

uint64_t kron_host_bytes(uint32_t scale, uint64_t degree)
{
	uint64_t nv = 1ULL << scale, ends = 2 * degree * nv;
	double top = (double)ends * pow(0.76, scale); /* the mean degree of index 0, the largest */
	return 4 * (nv + 1) + 8 * ((nv >> VBLOCK_SHIFT) + 2) +
	       4 * (((ends + ends / 8) >> EBLOCK_SHIFT) + 2) + 4 * (uint64_t)(top * 1.1 + 1024);
}

uint64_t kron_off(const struct kron *k, uint32_t v)
{
	return k->base[v >> VBLOCK_SHIFT] + k->rel[v];
}

uint32_t kron_owner(const struct kron *k, uint64_t t)
{
	uint64_t b = t >> EBLOCK_SHIFT;
	uint32_t lo = k->blk[b], hi = b + 1 < k->nblk ? k->blk[b + 1] : k->nv - 1;
	/* The last vertex in [lo, hi] whose ends start at or before t. */
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo + 1) / 2;
		if (kron_off(k, mid) <= t)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

/* pi over [0, ends), cycle-walking the bijection over [0, 2^bits). */
static uint64_t perm(const struct kron *k, uint64_t t)
{
	do
		t = kmix_fwd(&k->emix, t);
	while (t >= k->ends);
	return t;
}

static uint64_t unperm(const struct kron *k, uint64_t t)
{
	do
		t = kmix_inv(&k->emix, t);
	while (t >= k->ends);
	return t;
}

uint64_t kron_mate(const struct kron *k, uint64_t t)
{
	return unperm(k, perm(k, t) ^ 1);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

uint64_t kron_list(const struct kron *k, uint32_t v, uint32_t *buf)
{
	uint64_t lo = kron_off(k, v), n = kron_off(k, v + 1) - lo;
	for (uint64_t j = 0; j < n; j++)
		buf[j] = kron_owner(k, kron_mate(k, lo + j));
	if (n <= 16) {
		for (uint64_t j = 1; j < n; j++) {
			uint32_t x = buf[j];
			uint64_t i = j;
			for (; i > 0 && buf[i - 1] > x; i--)
				buf[i] = buf[i - 1];
			buf[i] = x;
		}
	} else {
		qsort(buf, n, sizeof(*buf), cmp_u32);
	}
	return n;
}

/* Poisson(mean)'s cumulative distribution, up to where it is 1 to double precision. */
static unsigned poisson_cdf(double mean, double *cdf, unsigned cap)
{
	double p = exp(-mean), sum = 0;
	unsigned n = 0;
	while (n < cap) {
		sum += p;
		cdf[n++] = sum;
		if (sum >= 1 - 1e-15 && n > mean)
			break;
		p *= mean / n;
	}
	cdf[n - 1] = 2; /* above any uniform */
	return n;
}

int kron_init(struct kron *k, uint32_t scale, uint64_t degree, uint64_t seed, struct tpt_err *e)
{
	memset(k, 0, sizeof(*k));
	k->scale = scale;
	k->nv = (uint32_t)(1ULL << scale);
	k->seed = seed;
	kmix_init(&k->vmix, scale, splitmix(seed ^ 0x6b726f6e));
	/* The mean degree of an index with c bits set, and a table for the small ones. */
	double mean[33], (*cdf)[CDF_CAP] = malloc(33 * sizeof(*cdf));
	uint16_t (*guide)[GUIDE] = malloc(33 * sizeof(*guide));
	unsigned ncdf[33];
	uint64_t nv = k->nv, bases = (nv >> VBLOCK_SHIFT) + 2;
	size_t cap = ((2 * degree * nv + degree * nv / 4) >> EBLOCK_SHIFT) + 16;
	k->rel = malloc((nv + 1) * sizeof(*k->rel));
	k->base = malloc(bases * sizeof(*k->base));
	k->blk = malloc(cap * sizeof(*k->blk));
	if (!cdf || !guide || !k->rel || !k->base || !k->blk)
		goto oom;
	for (uint32_t c = 0; c <= scale; c++) {
		mean[c] = 2.0 * (double)degree * (double)nv * pow(0.76, scale - c) * pow(0.24, c);
		ncdf[c] = mean[c] <= POISSON_TABLE ? poisson_cdf(mean[c], cdf[c], CDF_CAP) : 0;
		for (unsigned j = 0, i = 0; ncdf[c] && j < GUIDE; j++) {
			while (cdf[c][i] <= (double)j / GUIDE)
				i++;
			guide[c][j] = (uint16_t)i;
		}
	}
	uint64_t off = 0;
	for (uint64_t v = 0; v < nv; v++) {
		if ((v & ((1u << VBLOCK_SHIFT) - 1)) == 0)
			k->base[v >> VBLOCK_SHIFT] = off;
		uint64_t rel = off - k->base[v >> VBLOCK_SHIFT];
		if (rel > UINT32_MAX) {
			tpt_fail(e, "kronecker: 1024 vertices hold more than 2^32 edge ends");
			goto fail;
		}
		k->rel[v] = (uint32_t)rel;
		unsigned c = popcount(kmix_fwd(&k->vmix, v));
		uint64_t h = splitmix(seed * 0x2545f4914f6cdd1dULL + v);
		double u = (double)(h >> 11) * 0x1.0p-53;
		uint64_t d;
		if (ncdf[c]) {
			unsigned i = guide[c][(unsigned)(u * GUIDE)]; /* the first i with cdf[i] > u */
			while (cdf[c][i] <= u)
				i++;
			d = i;
		} else {
			double u2 = (double)(splitmix(h) >> 11) * 0x1.0p-53;
			double z = sqrt(-2 * log(u > 0 ? u : 0x1.0p-53)) * cos(2 * M_PI * u2);
			double x = mean[c] + sqrt(mean[c]) * z;
			d = x > 0 ? (uint64_t)llround(x) : 0;
		}
		if (v == nv - 1 && (off + d) % 2)
			d++; /* ends pair up two by two */
		if (d > UINT32_MAX) {
			tpt_fail(e, "kronecker: a degree above 2^32");
			goto fail;
		}
		/* The owner of every block of ends that starts within v's. */
		while ((k->nblk << EBLOCK_SHIFT) < off + d) {
			if (tpt_grow(&k->blk, &cap, k->nblk + 1, sizeof(*k->blk)))
				goto oom;
			k->blk[k->nblk++] = (uint32_t)v;
		}
		if (d > k->max_deg)
			k->max_deg = (uint32_t)d;
		off += d;
	}
	if ((nv & ((1u << VBLOCK_SHIFT) - 1)) == 0)
		k->base[nv >> VBLOCK_SHIFT] = off;
	k->rel[nv] = (uint32_t)(off - k->base[nv >> VBLOCK_SHIFT]);
	k->ends = off;
	unsigned bits = off > 1 ? tpt_log2(off - 1) + 1 : 1;
	kmix_init(&k->emix, bits, splitmix(seed ^ 0x70616972));
	free(cdf);
	free(guide);
	return 0;
oom:
	tpt_fail_mem(e, "kronecker: scale %u: out of host memory", scale);
fail:
	free(cdf);
	free(guide);
	kron_close(k);
	return -1;
}

void kron_close(struct kron *k)
{
	free(k->rel);
	free(k->base);
	free(k->blk);
	k->rel = NULL;
	k->base = NULL;
	k->blk = NULL;
}

int kron_check(const struct kron *k, int full, struct tpt_err *e)
{
	if (k->ends % 2 || kron_off(k, k->nv) != k->ends)
		return tpt_fail(e, "kronecker: %llu ends, the offsets end at %llu",
				(unsigned long long)k->ends, (unsigned long long)kron_off(k, k->nv));
	uint64_t step = full ? 1 : k->nv / 4096 + 1;
	for (uint64_t v = 0; v < k->nv; v += step)
		if (kron_off(k, (uint32_t)v + 1) < kron_off(k, (uint32_t)v) ||
		    kron_deg(k, (uint32_t)v) > k->max_deg)
			return tpt_fail(e, "kronecker: vertex %llu: offsets fall or degree above the largest",
					(unsigned long long)v);
	step = full ? 1 : k->ends / 65536 + 1;
	for (uint64_t t = 0; t < k->ends; t += step) {
		uint64_t m = kron_mate(k, t);
		uint32_t v = kron_owner(k, t);
		if (m == t || m >= k->ends || kron_mate(k, m) != t)
			return tpt_fail(e, "kronecker: end %llu: mate %llu is no pairing",
					(unsigned long long)t, (unsigned long long)m);
		if (kron_off(k, v) > t || kron_off(k, v + 1) <= t)
			return tpt_fail(e, "kronecker: end %llu: owner %u does not hold it",
					(unsigned long long)t, v);
	}
	return 0;
}
