/* SPDX-License-Identifier: GPL-2.0-only */
/* log.c: see log.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "log.h"

struct log_state {
	bool journal;
	int verbosity;
};

static struct log_state log_st;	/* process-wide settings, written once at startup */

void log_init(bool journal, int verbosity)
{
	log_st.journal = journal;
	log_st.verbosity = verbosity;
}

static void vlog(int prio, const char *fmt, va_list ap, int err) __attribute__((format(printf, 2, 0)));

static void vlog(int prio, const char *fmt, va_list ap, int err)
{
	char msg[2048];
	int saved = errno;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_st.journal)
		fprintf(stderr, "<%d>", prio);
	else
		fputs("sansod: ", stderr);
	if (err >= 0)
		fprintf(stderr, "%s: %s\n", msg, strerror(err));
	else
		fprintf(stderr, "%s\n", msg);
	errno = saved;
}

void log_warn(const char *fmt, ...)
{
	va_list ap;
	int err = errno;

	va_start(ap, fmt);
	vlog(4, fmt, ap, err);
	va_end(ap);
}

void log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(4, fmt, ap, -1);
	va_end(ap);
}

static void plog(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void plog(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(prio, fmt, ap, -1);
	va_end(ap);
}

void log_alert(const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	plog(1, "ALERT: %s", msg);
}

void log_event(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(prio, fmt, ap, -1);
	va_end(ap);
}

void log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(6, fmt, ap, -1);
	va_end(ap);
}

void log_debug(const char *fmt, ...)
{
	va_list ap;

	if (log_st.verbosity < 2)
		return;
	va_start(ap, fmt);
	vlog(7, fmt, ap, -1);
	va_end(ap);
}
