/* SPDX-License-Identifier: GPL-2.0-only */
/* alertcheck.h: the daemon's periodic checks that end in an alert (alert.h): exceptions
 * and ISMAP registrations expiring within ALERTCHECK_EXPIRY_DAYS (once a day each), and the
 * clock (R92): clock.unsync when it is not synchronised (at start, on the change, and again
 * every ALERTCHECK_CLOCK_REPEAT_S while it lasts), a log line when it is again. */
#ifndef SANSO_ALERTCHECK_H
#define SANSO_ALERTCHECK_H

#include <stdint.h>

#include "clocksync.h"
#include "sansod.h"

#define ALERTCHECK_EXPIRY_DAYS	30
#define ALERTCHECK_DAY_S	86400
#define ALERTCHECK_CLOCK_S	60		/* between readings of the clock */
#define ALERTCHECK_CLOCK_REPEAT_S (6 * 3600)

struct clockwatch {
	enum clocksync_state last;
	bool seen;			/* read at least once */
	int64_t read_at, alerted_at;	/* real seconds */
};

/* now: the policy clock (gen_clock). Cheap between the intervals: call it every turn. */
void alertcheck_tick(struct daemon *d, int64_t now);
/* A reading s at now: 1 when clock.unsync is due, -1 when the clock is synchronised again
 * (or cannot be read for the first time), 0 nothing to say. */
int alertcheck_clock(struct clockwatch *w, enum clocksync_state s, int64_t now);
/* Exceptions and services expiring within the window at now (returns how many alerts). */
int alertcheck_expiry(const struct policy *p, int64_t now);

#endif
