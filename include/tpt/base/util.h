/* SPDX-License-Identifier: MIT */
/*
 * util.h - small shared helpers: error reporting, size and count parsing,
 * and the deterministic random number generator every generator uses.
 *
 * Errors: setup and parsing functions take a struct tpt_err and return -1
 * with one line of text in it; hot-path functions return codes only.
 */
#ifndef TPT_UTIL_H
#define TPT_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define KiB (1ULL << 10)
#define MiB (1ULL << 20)
#define GiB (1ULL << 30)

#define PAGE_SHIFT 12
#define PAGE_SIZE (1ULL << PAGE_SHIFT)

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/*
 * The one set of return codes below the command line. Functions that say
 * why return TPT_EFAIL with the reason in a struct tpt_err; the models'
 * functions (page tables, the guest, the hypervisor, the schemes) return a
 * code, and whoever calls them from the run's boundary (the simulator, the
 * binary-translator model) attaches the message.
 */
enum tpt_code {
	TPT_OK = 0,
	TPT_EFAIL = -1,    /* failed; the reason is in the struct tpt_err given */
	TPT_ENOENT = -2,   /* no such mapping */
	TPT_EOVERLAP = -3, /* a mapping of another size, or a table, is in the way */
	TPT_ENOMEM = -4,   /* guest memory (or a table allocator's) exhausted */
	TPT_EHOSTMEM = -5, /* host memory exhausted */
	TPT_ESEGV = -6,    /* outside every region: no such process, a bad range */
	TPT_EPROT = -7,    /* a write to a read-only page */
};

/* What kind of failure an error is: the input's fault (the default), or
 * this machine's (memory it cannot give), which commands report with
 * status 1 rather than 2. */
enum tpt_err_kind { TPT_ERR_INPUT, TPT_ERR_MEMORY };

struct tpt_err {
	char msg[320];
	enum tpt_err_kind kind;
};

/* Writes the message into e (if any), marks it the input's fault, and
 * returns TPT_EFAIL (-1). */
int tpt_fail(struct tpt_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The same for memory this machine cannot give ("out of memory" when fmt
 * is NULL). */
int tpt_fail_mem(struct tpt_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define tpt_nomem(e) tpt_fail_mem(e, "out of memory")
/* A checker found invariant n of who broken: "who: invariant n: ..." in e
 * (each module's header numbers its invariants as its checker reports
 * them). Returns TPT_EFAIL. */
int tpt_broken(struct tpt_err *e, const char *who, int n, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* A command's exit status for e: 1 for memory, 2 for input. */
static inline int tpt_err_status(const struct tpt_err *e)
{
	return e->kind == TPT_ERR_MEMORY ? 1 : 2;
}

/* "4096", "4K", "2M", "129G", "1T": binary multiples, whole bytes only. */
int tpt_parse_size(const char *s, uint64_t *out);
/* "1000", "10K", "10M", "2G": decimal multiples (10M is ten million). */
int tpt_parse_count(const char *s, uint64_t *out);
/* Unsigned decimal integer, no suffix. */
int tpt_parse_u64(const char *s, uint64_t *out);
/* Shortest exact binary-suffixed form: 4096 -> "4K", 3*GiB -> "3G". */
const char *tpt_format_size(uint64_t v, char buf[32]);
/* Shortest exact decimal-suffixed form: 10000000 -> "10M". */
const char *tpt_format_count(uint64_t v, char buf[32]);

/* Makes room for `need` elements of `elem` bytes in the array *v of capacity
 * *cap, doubling it; 0, or -1 when out of memory (*v unchanged). */
int tpt_grow(void *v, size_t *cap, size_t need, size_t elem);

/* Writes s as one CSV field (RFC 4180): in double quotes, inner quotes
 * doubled, when it holds a comma, quote, CR or LF; as it is otherwise. */
void tpt_csv_field(FILE *f, const char *s);

/* A big array the host reads at random (a generator's tables): bytes of
 * zeroed memory on 2 MiB boundaries, advised for transparent huge pages, so
 * that its random accesses do not each cost the host a TLB miss; NULL when
 * out of memory. Freed by tpt_huge_free with the same bytes. */
void *tpt_huge_alloc(size_t bytes);
void tpt_huge_free(void *p, size_t bytes);

/* Bytes this machine can still give a process (MemAvailable + SwapFree of
 * /proc/meminfo), or UINT64_MAX when that cannot be read. */
uint64_t tpt_mem_available(void);

static inline bool tpt_is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

static inline unsigned tpt_log2(uint64_t v)
{
	return 63u - (unsigned)__builtin_clzll(v);
}

static inline uint64_t tpt_align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

/* xoshiro256** seeded through splitmix64: fast, and the same on every host. */
struct rng {
	uint64_t s[4];
};

void rng_seed(struct rng *r, uint64_t seed);

static inline uint64_t rng_rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static inline uint64_t rng_next(struct rng *r)
{
	uint64_t *s = r->s;
	uint64_t res = rng_rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rng_rotl(s[3], 45);
	return res;
}

/* Uniform in [0, 1) with 53 bits, as sysbench's sb_rand_uniform_double. */
static inline double rng_double(struct rng *r)
{
	return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

/* Uniform in [0, n) without modulo bias worth noticing (Lemire's method). */
static inline uint64_t rng_below(struct rng *r, uint64_t n)
{
	return (uint64_t)(((unsigned __int128)rng_next(r) * n) >> 64);
}

#endif
