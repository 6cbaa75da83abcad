/* SPDX-License-Identifier: MIT */
/*
 * workload.h - the workload interface: a generator or a trace, named by a
 * spec `NAME:key=value,...`, producing a stream of events in batches.
 *
 * Each workload declares its keys as option-table rows (opttab.h: type,
 * default, bounds, help), which drive parsing, the canonical spec printed
 * with results, and `tpt workloads`. A workload declares the virtual regions it uses up front;
 * an EV_MARK event separates warm-up (table initialisation) from the
 * measured phase. Same spec and seed, same stream.
 */
#ifndef TPT_WORKLOAD_H
#define TPT_WORKLOAD_H

#include <stdio.h>

#include "tpt/base/event.h"
#include "tpt/base/hpcc.h"
#include "tpt/base/opttab.h"

/* A workload key as an option-table row: name, type (OPT_SIZE, OPT_COUNT,
 * OPT_ENUM, OPT_DOUBLE in thousandths, OPT_STR), default, bounds, choices,
 * help. Its value is kept by the row's index (struct workload, v and str). */
#define WL_KEY(key, type, def, min, max, choices, help)                                            \
	{NULL, key, type, 0, min, max, def, help, choices}

#define WL_MAX_PARAMS 16
#define WL_MAX_REGIONS 8

struct region {
	uint64_t start, len;
};

struct workload;

struct workload_def {
	const char *name;
	const char *summary;
	const struct opt *params; /* ends with a row whose name is NULL */
	size_t state_size;
	int (*init)(struct workload *w, struct tpt_err *e);
	/* Fills up to n events; 0 at the end. */
	size_t (*next)(struct workload *w, struct event *ev, size_t n);
	/* From the parsed spec alone, nothing opened: host bytes of the
	 * generator's own structures, and *footprint, the simulated bytes
	 * (about; for sizing a run). NULL: unknown, both 0. */
	uint64_t (*estimate)(const struct workload *w, uint64_t *footprint);
	/* From the parsed spec alone: the events a run produces, about (what
	 * init sets expected_events to). NULL or 0: unknown. */
	uint64_t (*events)(const struct workload *w);
};

union wl_value {
	uint64_t u; /* sizes, counts, enum index; OPT_STR: index into str */
	double d;
};

struct workload {
	const struct workload_def *def;
	uint64_t seed;
	union wl_value v[WL_MAX_PARAMS]; /* by index in def->params */
	struct region regions[WL_MAX_REGIONS];
	unsigned nregions;
	double mlp;               /* memory-level parallelism of the data accesses */
	bool mlp_given;           /* the spec set the mlp key */
	bool independent;         /* the accesses are independent (the generator says) */
	double kentry;            /* kernel entries per million instructions (0: none) */
	uint64_t footprint;       /* most bytes mapped at once, for sizing memory */
	char names[32][16];       /* program names, for EV_EXEC */
	char tpt_names[32][16];   /* programs to run with TPT (scenarios); none: all */
	unsigned ntpt_names;
	bool tpt_listed;          /* tpt_names is the whole list (it may be empty) */
	uint64_t expected_events; /* for progress; 0 if unknown */
	void *state;
	char spec[640]; /* canonical: every key with its value */
	/* The files it reads (a trace's path, each trace of a scenario), which no
	 * output of the run may be. */
	const char *inputs[32];
	unsigned ninputs;
	char str[2][512]; /* WP_STRING values, by the key's place among the text keys */
	/* A generator that fails mid-stream (a malformed trace) returns 0 events
	 * and sets failed, with the reason in err. */
	bool failed;
	struct tpt_err err;
	/* Memory-level parallelism of a process (scenarios); NULL: mlp for all. */
	double (*mlp_of)(const struct workload *w, int pid);
	void (*close)(struct workload *w); /* frees what init allocated beyond state */
};

int workload_open(struct workload *w, const char *spec, uint64_t seed, struct tpt_err *e);
/* Checks a spec (name, keys, values) without starting the generator. */
int workload_check(const char *spec, struct tpt_err *e);
/*
 * A scenario: several workloads as processes of one VM, from an INI file (a
 * path, or the name of a shipped scenario in scenarios/). Each section is a
 * process: its name, `workload = SPEC` and `tpt = yes|no`; [scenario] holds
 * `slice`, the instructions a process runs before the next one's turn.
 */
int workload_open_scenario(struct workload *w, const char *path, uint64_t seed,
			   struct tpt_err *e);
/* Checks a scenario file and each program's spec without starting them. */
int workload_check_scenario(const char *path, struct tpt_err *e);

/* What a run of spec (or of the scenario at path) needs, without opening
 * it: the generators' own host bytes, the simulated footprint and the
 * events it produces, all about (0 where a generator cannot tell, as a
 * trace; a scenario's events are 0 unless every program's are known).
 * events may be NULL. 0, or -1 with e set. */
int workload_estimate(const char *spec, uint64_t *host, uint64_t *footprint, uint64_t *events,
		      struct tpt_err *e);
int workload_estimate_scenario(const char *path, uint64_t *host, uint64_t *footprint,
			       uint64_t *events, struct tpt_err *e);
/* The files a run of spec reads (a trace's path=), or of the scenario at
 * path (its own file as workload_open_scenario finds it, then its
 * programs' traces), named to fn one by one (each name valid during the
 * call) without opening any of them. 0, or -1 with e set (a bad spec or
 * scenario). */
typedef void (*workload_file_fn)(void *ctx, const char *path);
int workload_files(const char *spec, workload_file_fn fn, void *ctx, struct tpt_err *e);
int workload_scenario_files(const char *path, workload_file_fn fn, void *ctx, struct tpt_err *e);
/* Frees what open made; closing a closed workload does nothing. */
void workload_close(struct workload *w);

static inline size_t workload_next(struct workload *w, struct event *ev, size_t n)
{
	return w->def->next(w, ev, n);
}

/* Takes a batch of n events; 0, or -1 with e set (the run stops). */
typedef int (*workload_consumer_fn)(void *ctx, const struct event *ev, size_t n,
				    struct tpt_err *e);
/* The one run loop: every event of w, in batches, to consume; progress on
 * stderr (labelled) when asked and stderr is a terminal. 0, or -1 with e
 * set by the consumer or by a generator that failed mid-stream. */
int workload_run(struct workload *w, workload_consumer_fn consume, void *ctx,
		 const char *label, bool progress, struct tpt_err *e);

/* Bytes mapped at most: declared regions, or the generator's own estimate. */
uint64_t workload_footprint(const struct workload *w);
/* For generators about to allocate bytes of host memory for their own
 * structures: 0, or -1 with e naming the need when this machine cannot give
 * that much (a run refused up front, not killed later). */
int wl_host_memory(const struct workload *w, uint64_t bytes, struct tpt_err *e);
/* Index of key in the workload's table (for generators reading their values). */
int workload_param(const struct workload_def *d, const char *key);
/* Sets the parallelism (a measured one replacing the estimate); the
 * canonical spec says the new value. */
void workload_set_mlp(struct workload *w, double mlp);
void workload_list(FILE *out);
/* Every generator, in the order tpt workloads lists them; *n of them. */
const struct workload_def *const *workload_defs(size_t *n);

extern const struct workload_def wl_gups, wl_sysbench, wl_churn, wl_trace, wl_kcbench,
	wl_memcached, wl_bfs, wl_pr, wl_cc, wl_xsbench, wl_canneal, wl_tcgloop;

/* Shared by generators: kernel entries at a rate per million instructions. */
struct wl_kentry {
	double period, acc; /* instructions between entries (0: none), accumulated */
};

static inline void wl_kentry_init(struct wl_kentry *k, double per_million)
{
	k->period = per_million > 0 ? 1e6 / per_million : 0;
	k->acc = 0;
}

/* Counts instrs; true when a kernel entry is due. */
static inline bool wl_kentry_due(struct wl_kentry *k, uint32_t instrs)
{
	if (k->period == 0)
		return false;
	k->acc += instrs;
	if (k->acc < k->period)
		return false;
	k->acc -= k->period;
	return true;
}

/* Shared by generators: a fractional count of instructions per access, in
 * 1/256, carried between accesses: the instructions of the next access. */
static inline uint32_t wl_instrs(uint32_t *carry, uint32_t per_256)
{
	*carry += per_256;
	uint32_t n = *carry >> 8;
	*carry &= 255;
	return n;
}

#define WL_KENTRY_PARAM                                                                           \
	WL_KEY("kentry", OPT_DOUBLE, "0.1", 0, 1000000000, NULL,                                  \
	       "kernel entries (system calls, timer interrupts) per million instructions")

/* Shared by generators: EV_EXEC of pid 1 as names[0] (the workload's name
 * unless the generator named it) and EV_MMAP of each declared region. Returns the events written (<= 9). */
size_t wl_prologue(struct workload *w, struct event *ev);

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
/* The events wl_sweep_init's sweep of len bytes writes (without its last). */
uint64_t wl_sweep_events(uint64_t len, uint64_t init_mode, uint64_t word);

/*
 * Shared by generators: the phases before the measured work. The prologue
 * (wl_prologue) comes alone in the first batch; then the warm-up: each
 * sweep in order, then `warm` if set (a warm-up of the generator's own:
 * it writes up to n events and sets *done at its end); then EV_MARK. A
 * generator calls wl_phases_next first in each batch and writes its
 * measured work after what it returned once phase is WL_PH_WORK.
 */
enum { WL_PH_PROLOGUE, WL_PH_WARM, WL_PH_MARK, WL_PH_WORK };

struct wl_phases {
	int phase;
	unsigned cur, nsweeps;
	struct wl_sweep sweep[3];
	size_t (*warm)(struct workload *w, struct event *ev, size_t n, bool *done);
};

size_t wl_phases_next(struct wl_phases *ph, struct workload *w, struct event *ev, size_t n);

#define WL_INIT_CHOICES "page|full|none"
enum { WL_INIT_PAGE, WL_INIT_FULL, WL_INIT_NONE };

/* HPCC RandomAccess's generator (hpcc.h) and its period. */
#define GUPS_PERIOD 1317624576693539401LL

static inline uint64_t gups_step(uint64_t r)
{
	return hpcc_step(r);
}

/* The generator's value after n steps from 1 (HPCC_starts), in O(log n). */
uint64_t gups_starts(int64_t n);

#endif
