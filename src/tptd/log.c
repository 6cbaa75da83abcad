/* SPDX-License-Identifier: MIT */
/*
 * log.c - tptd's log sink (see log.h).
 *
 * systemd's documented test for "stderr is the journal": JOURNAL_STREAM
 * holds the device and inode of the stream it connected, and they match
 * fd 2. Then messages go through sd_journal_print with their priority
 * (structured, filterable with journalctl -p); otherwise to stderr.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#include "log.h"

void tlog_init(struct tlog *l)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	l->journal = js && sscanf(js, "%llu:%llu", &dev, &ino) == 2 && !fstat(2, &st) &&
		     st.st_dev == dev && st.st_ino == ino;
}

void tlog_detach(struct tlog *l)
{
	l->journal = access("/run/systemd/journal/socket", F_OK) == 0;
	l->syslog = !l->journal;
	if (l->syslog)
		openlog("tptd", LOG_PID, LOG_DAEMON);
}

void tlog(const struct tlog *l, int prio, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (l->journal) {
		sd_journal_printv(prio, fmt, ap);
	} else if (l->syslog) {
		vsyslog(prio, fmt, ap);
	} else {
		fputs("tptd: ", stderr);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	}
	va_end(ap);
}
