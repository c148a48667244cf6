/* SPDX-License-Identifier: GPL-2.0-only */
/* log.h: daemon logging (OpenBGPD-shaped). stderr only: under systemd every line carries a
 * "<N>" priority prefix (journald reads it), in the foreground plain text. Preserves errno.
 * Pure modules never log; the hot path never logs. */
#ifndef SANSO_LOG_H
#define SANSO_LOG_H

#include <stdbool.h>

void log_init(bool journal, int verbosity);
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));	/* + strerror */
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* An alert (syslog priority 1): the boundary was attacked or broken; prefixed "ALERT: ". */
void log_alert(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* An event at syslog priority prio (alert.c: an alert without the journal's socket). */
void log_event(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
