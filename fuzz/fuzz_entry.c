/*
 * fuzz_entry.c - one fuzzing input through every trace reader: the bytes
 * become a file (a memfd), read to the end as tpt, lackey and ChampSim and
 * as detected. Any outcome but a crash, a hang or a sanitizer report is
 * fine: malformed input must end in a clean error. Used by libFuzzer
 * (fuzz/fuzz_trace.c) and by the suite's replay of stored inputs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tpt/trace.h"
#include "fuzz_entry.h"

int tpt_fuzz_one(const uint8_t *data, size_t size)
{
	int fd = memfd_create("tpt-fuzz", 0);
	if (fd < 0)
		return 0;
	if (size && write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	enum { N = 512 };
	static struct event ev[N];
	for (int format = TRACE_AUTO; format <= TRACE_CHAMPSIM; format++) {
		struct trace_reader *r;
		struct tpt_err e;
		if (trace_open(&r, path, format, &e))
			continue;
		/* Bounded: a valid trace of a few kilobytes has at most a few million events. */
		for (int rounds = 0; rounds < 100000 && trace_read(r, ev, N) > 0; rounds++)
			;
		trace_close(r);
	}
	close(fd);
	return 0;
}
