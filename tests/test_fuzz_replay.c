/*
 * test_fuzz_replay.c - every stored fuzzing input (tests/fuzz/seeds and the
 * crashing inputs kept in tests/fuzz/regressions) through every trace
 * reader, in the ordinary suite and under its sanitizers.
 */
#include <dirent.h>
#include <stdio.h>

#include "helpers.h"

#include "../fuzz/fuzz_entry.h"

static unsigned replay_dir(const char *dir)
{
	DIR *d = opendir(dir);
	unsigned n = 0;
	assert_non_null(d);
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		char path[1024];
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		FILE *f = fopen(path, "rb");
		assert_non_null(f);
		uint8_t *buf = malloc(1 << 20);
		size_t len = fread(buf, 1, 1 << 20, f);
		fclose(f);
		tpt_fuzz_one(buf, len);
		free(buf);
		n++;
	}
	closedir(d);
	return n;
}

static void test_replay(void **state)
{
	(void)state;
	assert_true(replay_dir(TPT_SOURCE_DIR "/tests/fuzz/seeds") >= 3);
	replay_dir(TPT_SOURCE_DIR "/tests/fuzz/regressions");
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_replay)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
