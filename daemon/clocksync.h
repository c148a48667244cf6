/* SPDX-License-Identifier: GPL-2.0-only */
/* clocksync.h: whether the clock is synchronised, as the kernel keeps it (R92): adjtimex(2)
 * with modes 0, which reads and changes nothing (setting the clock needs CAP_SYS_TIME, which
 * sansod never holds; the unit allows adjtimex for this read, see sansod.service). The one
 * reading for status, dumps, the report and the clock.unsync alert. */
#ifndef SANSO_CLOCKSYNC_H
#define SANSO_CLOCKSYNC_H

#include <stdbool.h>

enum clocksync_state {
	CLOCKSYNC_UNKNOWN = 0,		/* adjtimex failed (err) */
	CLOCKSYNC_SYNCED,
	CLOCKSYNC_UNSYNCED,		/* STA_UNSYNC set or TIME_ERROR */
};

struct clocksync {
	enum clocksync_state state;
	long maxerror_us, esterror_us;	/* -1 when unknown */
	int err;			/* -errno of adjtimex, 0 */
};

void clocksync_read(struct clocksync *c);
/* "synchronised", "NOT synchronised", "unknown" (ja: 同期済み, 同期していません, 不明). */
const char *clocksync_str(enum clocksync_state s, bool ja);

#endif
