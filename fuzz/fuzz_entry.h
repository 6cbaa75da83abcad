/* SPDX-License-Identifier: MIT */
/*
 * fuzz_entry.h - the fuzzing entry points (fuzz_entry.c): one per input
 * surface. Each takes any bytes; any outcome but a crash, a hang or a
 * sanitizer report is fine, since malformed input must end in a clean
 * error. Called by the libFuzzer harnesses (fuzz/fuzz_*.c, make fuzz) and
 * by the suite's replay of stored inputs (tests/test_fuzz_replay.c).
 */
#ifndef TPT_FUZZ_ENTRY_H
#define TPT_FUZZ_ENTRY_H

#include <stddef.h>
#include <stdint.h>

/* The bytes as a trace, through every reader and through detection. */
int tpt_fuzz_trace(const uint8_t *data, size_t size);
/* The bytes after the first as the one log of a recording's directory:
 * tpt's Valgrind tool's (first byte even) or lackey's (odd). */
int tpt_fuzz_recording(const uint8_t *data, size_t size);
/* The bytes as tpt's --config file and as tptd's configuration file. */
int tpt_fuzz_config(const uint8_t *data, size_t size);
/* The bytes as a scenario file, and as one workload spec. */
int tpt_fuzz_scenario(const uint8_t *data, size_t size);
/* The bytes as a lackey trace (its system calls are OS events) through the
 * binary-translator model, every scheme it supports, 32- and 64-bit guests. */
int tpt_fuzz_dbt(const uint8_t *data, size_t size);
/* The bytes as a timeline for tptd --replay. */
int tpt_fuzz_replay(const uint8_t *data, size_t size);
/* The bytes as tpt power's --paper file and as its --config file (the
 * kernel and every scheme's hypervisor set up under it, nothing run). */
int tpt_fuzz_power(const uint8_t *data, size_t size);

/* The bytes as a study file and, after a line "%%", a result of its first
 * run read back into the report's rows. */
int tpt_fuzz_study(const uint8_t *data, size_t size);

struct tpt_fuzz_target {
	const char *name; /* also the seed directory's: tests/fuzz/seeds/NAME */
	int (*run)(const uint8_t *data, size_t size);
};
extern const struct tpt_fuzz_target tpt_fuzz_targets[8];

#endif
