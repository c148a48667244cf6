/* SPDX-License-Identifier: GPL-2.0-only */
/* clocksync.c: see clocksync.h. */
#include <errno.h>
#include <sys/timex.h>

#include "clocksync.h"

void clocksync_read(struct clocksync *c)
{
	struct timex tx = { 0 };	/* modes 0: read only */
	int s = adjtimex(&tx);

	c->err = s < 0 ? -errno : 0;
	c->maxerror_us = s < 0 ? -1 : tx.maxerror;
	c->esterror_us = s < 0 ? -1 : tx.esterror;
	c->state = s < 0 ? CLOCKSYNC_UNKNOWN : s == TIME_ERROR || (tx.status & STA_UNSYNC) ?
		   CLOCKSYNC_UNSYNCED : CLOCKSYNC_SYNCED;
}

const char *clocksync_str(enum clocksync_state s, bool ja)
{
	switch (s) {
	case CLOCKSYNC_SYNCED:
		return ja ? "同期済み" : "synchronised";
	case CLOCKSYNC_UNSYNCED:
		return ja ? "同期していません" : "NOT synchronised";
	default:
		return ja ? "不明" : "unknown";
	}
}
