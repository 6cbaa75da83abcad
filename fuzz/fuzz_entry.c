/* SPDX-License-Identifier: MIT */
/*
 * fuzz_entry.c - the fuzzing entry points (see fuzz_entry.h). Each input
 * becomes a file (a memfd, reached as /proc/self/fd/N, a regular file as
 * the readers require) and goes through the same code a user's file does.
 * Work per input is bounded, so the fuzzer's timeout means a real hang.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "conf.h"
#include "power/paper.h"
#include "power/power.h"
#include "replay.h"
#include "tpt/base/config.h"
#include "tpt/dbt/dbt.h"
#include "tpt/study/study.h"
#include "tpt/workload/trace.h"
#include "tpt/workload/workload.h"
#include "fuzz_entry.h"

/* The bytes in a memfd; its path in path. The fd, or -1. */
static int as_file(const uint8_t *data, size_t size, char path[64])
{
	int fd = memfd_create("tpt-fuzz", 0);
	if (fd < 0)
		return -1;
	if (size && write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return -1;
	}
	snprintf(path, 64, "/proc/self/fd/%d", fd);
	return fd;
}

int tpt_fuzz_trace(const uint8_t *data, size_t size)
{
	char path[64];
	int fd = as_file(data, size, path);
	if (fd < 0)
		return 0;
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

int tpt_fuzz_recording(const uint8_t *data, size_t size)
{
	char dir[] = "/tmp/tpt-fuzz-XXXXXX", path[64];
	if (!size || !mkdtemp(dir))
		return 0;
	snprintf(path, sizeof(path), "%s/1.100.%s", dir, data[0] & 1 ? "lk" : "tb");
	FILE *f = fopen(path, "wb");
	if (f) {
		size_t n = fwrite(data + 1, 1, size - 1, f);
		if (!fclose(f) && n == size - 1) {
			enum { N = 512 };
			static struct event ev[N];
			struct trace_reader *r;
			struct tpt_err e;
			if (!trace_open(&r, dir, TRACE_AUTO, &e)) {
				/* Bounded as a trace's read is. */
				for (int rounds = 0; rounds < 100000 && trace_read(r, ev, N) > 0; rounds++)
					;
				trace_close(r);
			}
		}
		unlink(path);
	}
	rmdir(dir);
	return 0;
}

int tpt_fuzz_config(const uint8_t *data, size_t size)
{
	char path[64];
	int fd = as_file(data, size, path);
	if (fd < 0)
		return 0;
	struct tpt_config c;
	struct tpt_err e;
	config_defaults(&c);
	if (!config_load(&c, path, &e))
		config_validate(&c, &e);
	struct tptd_conf d;
	conf_defaults(&d);
	if (!conf_load(&d, path, &e))
		conf_finish(&d, &e);
	close(fd);
	return 0;
}

int tpt_fuzz_scenario(const uint8_t *data, size_t size)
{
	char path[64];
	int fd = as_file(data, size, path);
	if (fd < 0)
		return 0;
	struct tpt_err e;
	workload_check_scenario(path, &e);
	close(fd);
	char *spec = malloc(size + 1);
	if (spec) {
		memcpy(spec, data, size);
		spec[size] = 0;
		workload_check(spec, &e);
		free(spec);
	}
	return 0;
}

int tpt_fuzz_dbt(const uint8_t *data, size_t size)
{
	char path[64], spec[128];
	int fd = as_file(data, size, path);
	if (fd < 0)
		return 0;
	snprintf(spec, sizeof(spec), "trace:path=%s,format=lackey", path);
	struct tpt_config c;
	config_defaults(&c);
	static const enum dbt_guest guests[] = {GUEST_IA32, GUEST_X86_64};
	for (int g = 0; g < 2; g++)
		for (int s = 0; s < DBT_N; s++) {
			struct workload w;
			struct tpt_err e;
			struct dbt_stats st;
			if (workload_open(&w, spec, 1, &e))
				goto out;
			if (!dbt_supported((enum dbt_scheme)s, guests[g], &c, &w, &e))
				dbt_run(&w, &c, (enum dbt_scheme)s, guests[g], false, &st, &e);
			workload_close(&w);
		}
out:
	close(fd);
	return 0;
}

int tpt_fuzz_replay(const uint8_t *data, size_t size)
{
	char path[64];
	int fd = as_file(data, size, path);
	if (fd < 0)
		return 0;
	FILE *out = fopen("/dev/null", "w");
	if (out) {
		struct tptd_conf c;
		struct tpt_err e;
		conf_defaults(&c);
		if (!conf_finish(&c, &e))
			replay_run(&c, path, out, &e);
		fclose(out);
	}
	close(fd);
	return 0;
}

int tpt_fuzz_power(const uint8_t *data, size_t size)
{
	char path[64];
	int fd = as_file(data, size, path);
	if (fd < 0)
		return 0;
	struct tpt_err e;
	struct paper paper;
	if (!paper_load(&paper, path, &e))
		paper_free(&paper);
	struct power_params p;
	power_defaults(&p);
	struct lx_kernel k;
	if (!opttab_load(power_table(), &p, path, &e) && !lx_init(&k, &p.lx, 1, &e)) {
		for (unsigned i = 0; i < kvmppc_nschemes; i++) {
			struct kvmppc h;
			if (!kvmppc_init(&h, &kvmppc_schemes[i], &p.hv, &k, &e))
				kvmppc_fini(&h);
		}
		lx_fini(&k);
	}
	close(fd);
	return 0;
}

int tpt_fuzz_study(const uint8_t *data, size_t size)
{
	/* A study file, then after a line "%%" a result of its first run. */
	const uint8_t *mark = NULL;
	for (size_t i = 0; i + 4 <= size && !mark; i++)
		if (!memcmp(data + i, "\n%%\n", 4))
			mark = data + i + 1;
	size_t head = mark ? (size_t)(mark - data) : size;
	char path[64];
	int fd = as_file(data, head, path);
	if (fd < 0)
		return 0;
	struct study s;
	struct tpt_err e;
	if (!study_load(&s, path, &e)) {
		json_t *rows = json_array();
		json_t *res = mark ? json_loadb((const char *)mark + 3, size - head - 3, 0, NULL) : NULL;
		if (res && rows && s.nrun)
			study_rows(&s, &s.run[0], res, rows, &e);
		json_decref(res);
		json_decref(rows);
		study_free(&s);
	}
	close(fd);
	return 0;
}

const struct tpt_fuzz_target tpt_fuzz_targets[8] = {
	{"trace", tpt_fuzz_trace},   {"config", tpt_fuzz_config}, {"scenario", tpt_fuzz_scenario},
	{"dbt", tpt_fuzz_dbt},       {"replay", tpt_fuzz_replay}, {"power", tpt_fuzz_power},
	{"study", tpt_fuzz_study},   {"recording", tpt_fuzz_recording},
};
