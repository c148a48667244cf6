/* SPDX-License-Identifier: GPL-2.0-only */
/* alert.h: named alerts (alertfmt.h lists them) sent to every sink at once: the journal
 * with structured fields (SANSO_EVENT=, SANSO_SEVERITY=; stderr when there is no journal),
 * the syslog collectors of the policy's alerts section (RFC 5424 over UDP, or TCP with
 * octet counting) and its command (the event as JSON on stdin).
 *
 * Nothing here may stall the caller (the daemon's poll loop): sockets are non-blocking, a
 * TCP collector that stops reading gets at most ALERT_TCP_BUF bytes queued (then alerts to
 * it are dropped and counted), at most ALERT_CHILDREN commands run at once (ALERT_PENDING
 * more wait, the rest are dropped and counted), and a command still running after its
 * timeout is killed with its process group. Each event is rate-limited: alerts.rate a
 * minute (default ALERTS_RATE), then the count of those suppressed goes out with the next one (or at the end of
 * the minute). Process-wide state, safe to call from any thread; not from the queue
 * workers' per-packet path. */
#ifndef SANSO_ALERT_H
#define SANSO_ALERT_H

#include <poll.h>
#include <stdio.h>

#include "alertfmt.h"
#include "policy.h"

#define ALERT_SINKS_MAX		8	/* syslog collectors */
#define ALERT_TCP_BUF		(64 * 1024)
#define ALERT_CHILDREN		4
#define ALERT_PENDING		32
#define ALERT_POLLFDS		(ALERT_SINKS_MAX + ALERT_CHILDREN)

/* Raise the event (a name of alertfmt.h's registry, e.g. "table.restored"), the message
 * printf-formatted. An unknown name is refused with a log line, so a typo shows in tests. */
void alert_raise(const char *event, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The sinks of the policy in force (NULL: none but the journal). Kept when unchanged (a
 * reload does not reconnect). */
void alert_configure(const struct alerts_conf *c);

/* The poll loop: the descriptors to watch (returns how many, at most max), the longest the
 * loop may sleep (ms; -1: no limit), and the work after poll (write, connect, reap, kill,
 * the rate limit's summaries). */
int alert_pollfds(struct pollfd *pfd, int max);
int alert_next_ms(void);
void alert_tick(void);

/* The sinks and their counters, for `sansoctl alert test` (text) and the metrics. */
void alert_describe(FILE *out);
void alert_prometheus(FILE *out);

/* Stop: close the sockets, kill the commands still running (daemon exit: nobody would
 * time them out), drop the waiting ones. */
void alert_shutdown(void);

#endif
