/* SPDX-License-Identifier: GPL-2.0-only */
/* test_alertcheck.c: when clock.unsync is due (at start, on the change, again after
 * ALERTCHECK_CLOCK_REPEAT_S while it lasts, never while synchronised) and the one reading
 * of the clock (clocksync) against adjtimex itself. */
#include <check.h>
#include <sys/timex.h>

#include "alertcheck.h"
#include "clocksync.h"

Suite *suite_alertcheck(void);

START_TEST(test_clock_due)
{
	struct clockwatch w = { 0 };
	int64_t t = 1796601600;

	ck_assert_int_eq(alertcheck_clock(&w, CLOCKSYNC_UNSYNCED, t), 1);	/* at start */
	ck_assert_int_eq(alertcheck_clock(&w, CLOCKSYNC_UNSYNCED, t + 60), 0);
	ck_assert_int_eq(alertcheck_clock(&w, CLOCKSYNC_UNSYNCED,
					  t + ALERTCHECK_CLOCK_REPEAT_S - 1), 0);
	ck_assert_int_eq(alertcheck_clock(&w, CLOCKSYNC_UNSYNCED, t + ALERTCHECK_CLOCK_REPEAT_S), 1);
	ck_assert_int_eq(alertcheck_clock(&w, CLOCKSYNC_SYNCED, t + 40000), -1);	/* back */
	ck_assert_int_eq(alertcheck_clock(&w, CLOCKSYNC_SYNCED, t + 40060), 0);
	ck_assert_int_eq(alertcheck_clock(&w, CLOCKSYNC_UNSYNCED, t + 40120), 1);	/* lost */
	/* a clock set back does not silence it */
	ck_assert_int_eq(alertcheck_clock(&w, CLOCKSYNC_UNSYNCED, t), 1);
	ck_assert_int_eq(alertcheck_clock(&w, CLOCKSYNC_UNKNOWN, t + 60), -1);
	ck_assert_int_eq(alertcheck_clock(&w, CLOCKSYNC_UNKNOWN, t + 120), 0);
}
END_TEST

START_TEST(test_clock_synced_start)
{
	struct clockwatch w = { 0 };

	ck_assert_int_eq(alertcheck_clock(&w, CLOCKSYNC_SYNCED, 1000), -1);	/* logged once */
	ck_assert_int_eq(alertcheck_clock(&w, CLOCKSYNC_SYNCED, 1060), 0);
}
END_TEST

START_TEST(test_clocksync_read)
{
	struct timex tx = { 0 };
	struct clocksync c;
	int s = adjtimex(&tx);

	clocksync_read(&c);
	if (s < 0) {
		ck_assert_int_eq(c.state, CLOCKSYNC_UNKNOWN);
		ck_assert_int_lt(c.err, 0);
		return;
	}
	ck_assert_int_eq(c.err, 0);
	ck_assert_int_eq(c.state, s == TIME_ERROR || (tx.status & STA_UNSYNC) ?
			 CLOCKSYNC_UNSYNCED : CLOCKSYNC_SYNCED);
	ck_assert_str_eq(clocksync_str(CLOCKSYNC_UNSYNCED, false), "NOT synchronised");
	ck_assert_str_eq(clocksync_str(CLOCKSYNC_SYNCED, true), "同期済み");
}
END_TEST

Suite *suite_alertcheck(void)
{
	Suite *s = suite_create("alertcheck");
	TCase *tc = tcase_create("alertcheck");

	tcase_add_test(tc, test_clock_due);
	tcase_add_test(tc, test_clock_synced_start);
	tcase_add_test(tc, test_clocksync_read);
	suite_add_tcase(s, tc);
	return s;
}
