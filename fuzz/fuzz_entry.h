/* fuzz_entry.h - the trace readers' fuzzing entry point (fuzz_entry.c). */
#ifndef TPT_FUZZ_ENTRY_H
#define TPT_FUZZ_ENTRY_H

#include <stddef.h>
#include <stdint.h>

int tpt_fuzz_one(const uint8_t *data, size_t size);

#endif
