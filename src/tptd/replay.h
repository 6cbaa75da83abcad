/* SPDX-License-Identifier: MIT */
/*
 * replay.h - `tptd --replay FILE`: the samples of a simulator timeline
 * (`tpt sim --policy auto --timeline FILE`) fed through the daemon's own
 * decision path (tptd_decide, tpt actuator parameters), one line out per
 * sample: pid,name,sample,action. Equal actions to the timeline's show
 * that the daemon and the simulator decide alike on the same numbers.
 */
#ifndef TPTD_REPLAY_H
#define TPTD_REPLAY_H

#include <stdio.h>

#include "conf.h"

int replay_run(const struct tptd_conf *c, const char *path, FILE *out, struct tpt_err *e);

#endif
