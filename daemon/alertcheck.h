/* SPDX-License-Identifier: GPL-2.0-only */
/* alertcheck.h: the daemon's periodic checks that end in an alert (alert.h): exceptions
 * and ISMAP registrations expiring within ALERTCHECK_EXPIRY_DAYS (once a day each).
 * Not the clock: adjtimex(2) is in @clock, which the unit's ProtectClock= forbids even to
 * read (clock.unsync waits for a source the sandbox allows, e.g. timesyncd's flag file). */
#ifndef SANSO_ALERTCHECK_H
#define SANSO_ALERTCHECK_H

#include <stdint.h>

#include "sansod.h"

#define ALERTCHECK_EXPIRY_DAYS	30
#define ALERTCHECK_DAY_S	86400

/* now: the policy clock (gen_clock). Cheap between the intervals: call it every turn. */
void alertcheck_tick(struct daemon *d, int64_t now);
/* Exceptions and services expiring within the window at now (returns how many alerts). */
int alertcheck_expiry(const struct policy *p, int64_t now);

#endif
