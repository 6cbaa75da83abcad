/* SPDX-License-Identifier: MIT */
/*
 * log.h - tptd's log: the journal when stderr is connected to it (systemd
 * sets JOURNAL_STREAM), else stderr, or syslog once detached; one line per
 * event or decision.
 */
#ifndef TPTD_LOG_H
#define TPTD_LOG_H

#include <stdbool.h>
#include <syslog.h>

struct tlog {
	bool journal;
	bool syslog; /* detached (no --foreground) without the journal */
};

void tlog_init(struct tlog *l);
/* After detaching: stderr is gone, so the journal if it runs, else syslog. */
void tlog_detach(struct tlog *l);
void tlog(const struct tlog *l, int prio, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
