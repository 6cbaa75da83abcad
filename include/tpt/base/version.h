/* SPDX-License-Identifier: MIT */
/*
 * version.h - what build this is: the release number (CMake's project
 * VERSION) and the git commit it was built from (scripts/version.sh, run at
 * every build), for --version and for the provenance every result carries.
 */
#ifndef TPT_VERSION_H
#define TPT_VERSION_H

/* "0.9.0" */
const char *tpt_version(void);
/* "5e6efd5a1b2c", with "-dirty" for uncommitted changes, or a sentence
 * saying the build was made outside git. */
const char *tpt_commit(void);

#endif
