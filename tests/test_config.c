/* SPDX-License-Identifier: MIT */
/* test_config.c - the option table: defaults, bounds, INI files, the sample. */
#include <stdio.h>
#include <unistd.h>

#include "helpers.h"

static char *write_tmp(const char *text)
{
	static char path[64];
	snprintf(path, sizeof(path), "/tmp/tpt-cfg-%d.ini", (int)getpid());
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

static void test_defaults_match_design(void **state)
{
	(void)state;
	struct tpt_config c;
	struct tpt_err e;
	config_defaults(&c);
	assert_int_equal(c.l1_4k_entries, 64);
	assert_int_equal(c.stlb_entries, 1536);
	assert_int_equal(c.stlb_ways, 12);
	assert_int_equal(c.pwc_pd, 32);
	assert_int_equal(c.ntlb_entries, 16);
	assert_int_equal(c.rmp_cache_entries, 64);
	assert_int_equal(c.l2_size, 1280 * KiB);
	assert_int_equal(c.llc_latency, 50);
	assert_int_equal(c.exit_cycles, 1500);
	assert_true(c.base_cpi == 1.0);
	assert_int_equal(config_validate(&c, &e), 0);
}

static void test_set_and_bounds(void **state)
{
	(void)state;
	struct tpt_config c;
	struct tpt_err e;
	config_defaults(&c);
	assert_int_equal(config_set(&c, "tlb", "stlb_entries", "2048", &e), 0);
	assert_int_equal(c.stlb_entries, 2048);
	assert_int_equal(config_set(&c, "tlb", "stlb_entries", "0", &e), -1);
	assert_non_null(strstr(e.msg, "outside"));
	assert_int_equal(config_set(&c, "tlb", "nope", "1", &e), -1);
	assert_non_null(strstr(e.msg, "unknown config option"));
	assert_int_equal(config_set(&c, "cache", "llc_size", "32M", &e), 0);
	assert_int_equal(c.llc_size, 32 * MiB);
	assert_int_equal(config_set(&c, "cache", "llc_size", "lots", &e), -1);
	assert_int_equal(config_set(&c, "cost", "base_cpi", "0.5", &e), 0);
	assert_true(c.base_cpi == 0.5);
	assert_int_equal(config_set(&c, "cost", "base_cpi", "-1", &e), -1);
	assert_int_equal(config_set(&c, "mem", "prefault", "yes", &e), 0);
	assert_int_equal(c.prefault, 1);
	/* 1536 entries in 8 ways is 192 sets: not a power of two. */
	config_defaults(&c);
	assert_int_equal(config_set(&c, "tlb", "stlb_ways", "8", &e), 0);
	assert_int_equal(config_validate(&c, &e), -1);
	assert_non_null(strstr(e.msg, "power-of-two"));
}

static void test_load_file(void **state)
{
	(void)state;
	struct tpt_config c;
	struct tpt_err e;
	config_defaults(&c);
	char *p = write_tmp("; comment\n[pwc]\npwc_pd = 64\n[ntlb]\nntlb_entries=0\n");
	assert_int_equal(config_load(&c, p, &e), 0);
	assert_int_equal(c.pwc_pd, 64);
	assert_int_equal(c.ntlb_entries, 0);
	p = write_tmp("[pwc]\npwc_pd = many\n");
	assert_int_equal(config_load(&c, p, &e), -1);
	assert_non_null(strstr(e.msg, "pwc_pd"));
	p = write_tmp("[pwc]\nthis line is not ini\n");
	assert_int_equal(config_load(&c, p, &e), -1);
	assert_non_null(strstr(e.msg, ":2:"));
	p = write_tmp("[tlb]\npwc_pd = 4\n"); /* right name, wrong section */
	assert_int_equal(config_load(&c, p, &e), -1);
	unlink(p);
	assert_int_equal(config_load(&c, "/nonexistent/tpt.ini", &e), -1);
	assert_non_null(strstr(e.msg, "cannot open"));
}

static void test_sample_round_trip(void **state)
{
	(void)state;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	config_write_sample(f);
	fclose(f);
	char *p = write_tmp(buf);
	struct tpt_config a, b;
	struct tpt_err e;
	config_defaults(&a);
	memset(&b, 0, sizeof(b));
	config_defaults(&b);
	b.stlb_entries = 1; /* must be overwritten by the file */
	assert_int_equal(config_load(&b, p, &e), 0);
	assert_memory_equal(&a, &b, sizeof(a));
	unlink(p);
	/* The committed sample is exactly what tpt config prints. */
	FILE *g = fopen(TPT_SOURCE_DIR "/configs/default.ini", "r");
	assert_non_null(g);
	char *disk = calloc(1, len + 2);
	size_t n = fread(disk, 1, len + 1, g);
	fclose(g);
	assert_int_equal(n, len);
	assert_memory_equal(disk, buf, len);
	free(disk);
	free(buf);
}

static void test_shipped_configs_load(void **state)
{
	(void)state;
	const char *names[] = {"default.ini", "icelake.ini"};
	for (size_t i = 0; i < ARRAY_LEN(names); i++) {
		char path[512];
		struct tpt_config c;
		struct tpt_err e;
		snprintf(path, sizeof(path), TPT_SOURCE_DIR "/configs/%s", names[i]);
		config_defaults(&c);
		if (config_load(&c, path, &e) || config_validate(&c, &e))
			fail_msg("%s: %s", names[i], e.msg);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_match_design),
		cmocka_unit_test(test_set_and_bounds),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_sample_round_trip),
		cmocka_unit_test(test_shipped_configs_load),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
