/*
 * workload.h - the workload interface: a generator or a trace, named by a
 * spec `NAME:key=value,...`, producing a stream of events in batches.
 *
 * Each workload declares its keys in a table (type, default, bounds, help),
 * which drives parsing, the canonical spec printed with results, and
 * `tpt workloads`. A workload declares the virtual regions it uses up front;
 * an EV_MARK event separates warm-up (table initialisation) from the
 * measured phase. Same spec and seed, same stream.
 */
#ifndef TPT_WORKLOAD_H
#define TPT_WORKLOAD_H

#include <stdio.h>

#include "tpt/util.h"

enum ev_type { EV_READ, EV_WRITE, EV_MARK };

struct event {
	uint64_t va;
	uint32_t instrs; /* instructions retired since the previous access */
	uint8_t type;    /* enum ev_type */
	uint8_t size;    /* bytes accessed */
	uint16_t pad;
};

enum wp_type { WP_SIZE, WP_COUNT, WP_ENUM, WP_DOUBLE };

struct wl_param {
	const char *key;
	enum wp_type type;
	const char *def;
	uint64_t min, max;   /* WP_SIZE / WP_COUNT bounds */
	const char *choices; /* WP_ENUM: "a|b|c" */
	const char *help;
};

#define WL_MAX_PARAMS 16
#define WL_MAX_REGIONS 8
/* Where workloads place their data: 16 TiB, 1 GiB-aligned, canonical on 4 and 5 levels. */
#define WL_BASE_VA (16ULL << 40)

struct region {
	uint64_t start, len;
};

struct workload;

struct workload_def {
	const char *name;
	const char *summary;
	const struct wl_param *params; /* ends with a NULL key */
	size_t state_size;
	int (*init)(struct workload *w, struct tpt_err *e);
	/* Fills up to n events; 0 at the end. */
	size_t (*next)(struct workload *w, struct event *ev, size_t n);
};

union wl_value {
	uint64_t u; /* sizes, counts, enum index */
	double d;
};

struct workload {
	const struct workload_def *def;
	uint64_t seed;
	union wl_value v[WL_MAX_PARAMS]; /* by index in def->params */
	struct region regions[WL_MAX_REGIONS];
	unsigned nregions;
	double mlp;               /* memory-level parallelism of the data accesses */
	uint64_t expected_events; /* for progress; 0 if unknown */
	void *state;
	char spec[256]; /* canonical: every key with its value */
};

int workload_open(struct workload *w, const char *spec, uint64_t seed, struct tpt_err *e);
void workload_close(struct workload *w);

static inline size_t workload_next(struct workload *w, struct event *ev, size_t n)
{
	return w->def->next(w, ev, n);
}

/* Bytes of all declared regions. */
uint64_t workload_footprint(const struct workload *w);
/* Index of key in the workload's table (for generators reading their values). */
int workload_param(const struct workload_def *d, const char *key);
void workload_list(FILE *out);

extern const struct workload_def wl_gups, wl_sysbench;

/* Shared by generators: a sweep of writes from addr to end, one per stride
 * (the warm-up that initialises a table). */
struct wl_sweep {
	uint64_t addr, end, stride;
	uint32_t instrs;
};

size_t wl_sweep_next(struct wl_sweep *s, struct event *ev, size_t n);
/* Sets up the warm-up sweep of a region for init=page|full|none (enum index). */
void wl_sweep_init(struct wl_sweep *s, const struct region *r, uint64_t init_mode,
		   uint64_t word, uint32_t instrs_per_word);

#define WL_INIT_CHOICES "page|full|none"
enum { WL_INIT_PAGE, WL_INIT_FULL, WL_INIT_NONE };

/* HPCC RandomAccess's generator: x -> x * t over GF(2) modulo x^64 + x^2 + x + 1. */
#define GUPS_POLY 0x7ULL
#define GUPS_PERIOD 1317624576693539401LL

static inline uint64_t gups_step(uint64_t r)
{
	return (r << 1) ^ ((int64_t)r < 0 ? GUPS_POLY : 0);
}

/* The generator's value after n steps from 1 (HPCC_starts), in O(log n). */
uint64_t gups_starts(int64_t n);

#endif
