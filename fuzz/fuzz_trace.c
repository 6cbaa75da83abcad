/* fuzz_trace.c - libFuzzer harness for the trace readers (make fuzz). */
#include "fuzz_entry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return tpt_fuzz_one(data, size);
}
