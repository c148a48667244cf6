/* SPDX-License-Identifier: GPL-2.0-only */
/* alertcheck.c: see alertcheck.h. */
#include <string.h>
#include <time.h>

#include "alert.h"
#include "alertcheck.h"
#include "log.h"

static struct alertcheck_state {
	int64_t expiry_at;		/* policy clock of the last expiry scan; 0: never */
	struct clockwatch clock;
} ac;

static int days_left(int64_t until, int64_t now)
{
	return (int)((until - now + ALERTCHECK_DAY_S - 1) / ALERTCHECK_DAY_S);
}

int alertcheck_expiry(const struct policy *p, int64_t now)
{
	const int64_t win = (int64_t)ALERTCHECK_EXPIRY_DAYS * ALERTCHECK_DAY_S;
	int i, n = 0;

	for (i = 0; p && i < p->n_exceptions; i++) {
		const struct exception *e = &p->exceptions[i];

		if (e->expired || e->expires <= now || e->expires - now > win)
			continue;
		alert_raise("exception.expiring", "exception '%s' expires at %s, in %d day(s): "
			    "renew it through change control or let it end", e->id,
			    e->expires_text ? e->expires_text : "?", days_left(e->expires, now));
		n++;
	}
	for (i = 0; p && i < p->breakout.n_services; i++) {
		const struct service *s = &p->breakout.services[i];

		if (s->disabled || !s->ismap_valid_until || s->ismap_valid_until <= now ||
		    s->ismap_valid_until - now > win)
			continue;
		alert_raise("ismap.expiring", "breakout service '%s': ISMAP registration %s is valid "
			    "until %s, %d day(s) left; after that the service is refused",
			    s->name, s->ismap[0] ? s->ismap : "-",
			    s->ismap_valid_text ? s->ismap_valid_text : "?",
			    days_left(s->ismap_valid_until, now));
		n++;
	}
	return n;
}

int alertcheck_clock(struct clockwatch *w, enum clocksync_state s, int64_t now)
{
	bool changed = !w->seen || s != w->last;

	w->seen = true;
	w->last = s;
	if (s == CLOCKSYNC_UNSYNCED) {
		if (!changed && now - w->alerted_at < ALERTCHECK_CLOCK_REPEAT_S && now >= w->alerted_at)
			return 0;
		w->alerted_at = now;
		return 1;
	}
	return changed ? -1 : 0;
}

static void clock_check(void)
{
	int64_t now = (int64_t)time(NULL);
	struct clocksync c;
	int r;

	if (ac.clock.seen && now - ac.clock.read_at < ALERTCHECK_CLOCK_S && now >= ac.clock.read_at)
		return;
	ac.clock.read_at = now;
	clocksync_read(&c);
	r = alertcheck_clock(&ac.clock, c.state, now);
	if (r > 0)
		alert_raise("clock.unsync", "the clock is not synchronised (max error %ld us): "
			    "timestamps of the audit trail, the flow log and dumps are doubtful; "
			    "check the time service (timedatectl, chronyc tracking)", c.maxerror_us);
	else if (r < 0 && c.state == CLOCKSYNC_SYNCED)
		log_info("clock: synchronised (max error %ld us)", c.maxerror_us);
	else if (r < 0)
		log_warnx("clock: its synchronisation cannot be read (adjtimex: %s): dumps and "
			  "reports say unknown", strerror(-c.err));
}

void alertcheck_tick(struct daemon *d, int64_t now)
{
	clock_check();
	/* once a day (and at start); a clock set back starts the day again */
	if (d->cur.policy && (!ac.expiry_at || now - ac.expiry_at >= ALERTCHECK_DAY_S ||
			      now < ac.expiry_at)) {
		ac.expiry_at = now;
		(void)alertcheck_expiry(d->cur.policy, now);
	}
}
