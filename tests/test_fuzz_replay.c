/* SPDX-License-Identifier: MIT */
/*
 * test_fuzz_replay.c - every stored fuzzing input through its entry point,
 * in the ordinary suite and under its sanitizers: the seeds
 * (tests/fuzz/seeds/TARGET) and the inputs that once crashed a harness
 * (tests/fuzz/regressions/TARGET), for each target of fuzz_entry.h.
 */
#include <dirent.h>
#include <stdio.h>

#include "helpers.h"

#include "../fuzz/fuzz_entry.h"

/* Runs every file of dir through run; how many there were (0 if no dir). */
static unsigned replay_dir(const char *dir, int (*run)(const uint8_t *, size_t))
{
	DIR *d = opendir(dir);
	unsigned n = 0;
	if (!d)
		return 0;
	struct dirent *de;
	uint8_t *buf = malloc(1 << 20);
	assert_non_null(buf);
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		char path[1024];
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		FILE *f = fopen(path, "rb");
		assert_non_null(f);
		size_t len = fread(buf, 1, 1 << 20, f);
		fclose(f);
		run(buf, len);
		n++;
	}
	free(buf);
	closedir(d);
	return n;
}

static void test_replay(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(tpt_fuzz_targets); i++) {
		const struct tpt_fuzz_target *t = &tpt_fuzz_targets[i];
		char dir[512];
		snprintf(dir, sizeof(dir), "%s/tests/fuzz/seeds/%s", TPT_SOURCE_DIR, t->name);
		/* Every target has seeds to start from. */
		if (replay_dir(dir, t->run) < 2)
			fail_msg("fuzz target %s has fewer than 2 seeds in %s", t->name, dir);
		snprintf(dir, sizeof(dir), "%s/tests/fuzz/regressions/%s", TPT_SOURCE_DIR, t->name);
		replay_dir(dir, t->run);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_replay)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
