/* SPDX-License-Identifier: GPL-2.0-only */
/* util_time.h: proleptic Gregorian calendar arithmetic (H. Hinnant's civil-date algorithms),
 * independent of TZ, of timegm() and of the C library's range of time_t. Shared by the policy
 * (RFC 3339 times, printed dates) and the audit trail (JST timestamps).
 * Pure: no syscalls, no logging, no allocation.
 *
 * Contract: days count from 1970-01-01 (day 0) and may be negative; months are 1..12 and
 * days of the month 1..util_days_in_month(). util_days_from_civil() does not validate its
 * input (check the month and day first); util_civil_from_days() inverts it exactly. */
#ifndef SANSO_UTIL_TIME_H
#define SANSO_UTIL_TIME_H

#include <stdbool.h>
#include <stdint.h>

bool util_is_leap(int64_t y);
int util_days_in_month(int64_t y, int m);		/* 0 if m is not 1..12 */
int64_t util_days_from_civil(int64_t y, int m, int d);
void util_civil_from_days(int64_t days, int64_t *ret_y, int *ret_m, int *ret_d);

#endif
