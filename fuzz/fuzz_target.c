/* SPDX-License-Identifier: MIT */
/*
 * fuzz_target.c - one libFuzzer harness per entry point (make fuzz): built
 * once per target with TPT_FUZZ_TARGET naming its entry (CMakeLists.txt).
 */
#include "fuzz_entry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return TPT_FUZZ_TARGET(data, size);
}
