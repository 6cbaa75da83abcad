/* SPDX-License-Identifier: MIT */
/*
 * version.c - the build's identity (see version.h): TPT_VERSION comes from
 * CMake, TPT_COMMIT from the header scripts/version.sh generates.
 */
#include "tpt/base/version.h"
#include "tpt_commit.h"

const char *tpt_version(void)
{
	return TPT_VERSION;
}

const char *tpt_commit(void)
{
	return TPT_COMMIT;
}
