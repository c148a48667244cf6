/* SPDX-License-Identifier: GPL-2.0-only */
/* test_util.c: the helpers kept once (issue 8): FNV-1a (util_hash.h) against the reference
 * vectors of the FNV authors, calendar arithmetic (util_time.h) against Python's
 * datetime.date and by round trip, JSON string escaping (util_json.h), the ICMP/ICMPv6
 * protocol mapping (policy_proto_wire) and the range sort-and-merge (ir_ranges_merge). */
#include <check.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ir.h"
#include "policy.h"
#include "util_hash.h"
#include "util_json.h"
#include "util_time.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

Suite *suite_util(void);

/* ---- FNV-1a ---------------------------------------------------------------------------- */

static const struct {
	const char *s;
	uint32_t h32;
	uint64_t h64;
} fnv_vecs[] = {
	{ "", 0x811c9dc5U, 0xcbf29ce484222325ULL },
	{ "a", 0xe40c292cU, 0xaf63dc4c8601ec8cULL },
	{ "foobar", 0xbf9cf968U, 0x85944171f73967e8ULL },
};

START_TEST(test_fnv_vectors)
{
	const char *s = fnv_vecs[_i].s;

	ck_assert_uint_eq(util_fnv32(UTIL_FNV32_BASIS, s, strlen(s)), fnv_vecs[_i].h32);
	ck_assert_uint_eq(util_fnv64(UTIL_FNV64_BASIS, s, strlen(s)), fnv_vecs[_i].h64);
}
END_TEST

START_TEST(test_fnv_chained)
{
	uint32_t h32 = util_fnv32(UTIL_FNV32_BASIS, "foo", 3);
	uint64_t h64 = util_fnv64(UTIL_FNV64_BASIS, "foo", 3);

	ck_assert_uint_eq(util_fnv32(h32, "bar", 3), 0xbf9cf968U);
	ck_assert_uint_eq(util_fnv64(h64, "bar", 3), 0x85944171f73967e8ULL);
	ck_assert_uint_eq(util_fnv32(h32, NULL, 0), h32);
}
END_TEST

/* ---- calendar -------------------------------------------------------------------------- */

static const struct {
	int y, m, d;
	int64_t days;			/* (date - 1970-01-01).days in Python */
} cal_vecs[] = {
	{ 1970, 1, 1, 0 },	{ 2000, 2, 29, 11016 },	{ 2000, 3, 1, 11017 },
	{ 1969, 12, 31, -1 },	{ 1900, 3, 1, -25508 },	{ 2024, 12, 31, 20088 },
	{ 1, 1, 1, -719162 },	{ 9999, 12, 31, 2932896 },
};

START_TEST(test_cal_vectors)
{
	int64_t y;
	int m, d;

	ck_assert_int_eq(util_days_from_civil(cal_vecs[_i].y, cal_vecs[_i].m, cal_vecs[_i].d),
			 cal_vecs[_i].days);
	util_civil_from_days(cal_vecs[_i].days, &y, &m, &d);
	ck_assert_int_eq(y, cal_vecs[_i].y);
	ck_assert_int_eq(m, cal_vecs[_i].m);
	ck_assert_int_eq(d, cal_vecs[_i].d);
}
END_TEST

/* Every day from 1600-01-01 to 2400-12-31 round-trips and follows the previous one. */
START_TEST(test_cal_round_trip)
{
	int64_t day, end = util_days_from_civil(2400, 12, 31), y, py = 1599;
	int m, d, pm = 12, pd = 31;
	bool next;

	for (day = util_days_from_civil(1600, 1, 1); day <= end; day++) {
		util_civil_from_days(day, &y, &m, &d);
		if (d == 1)
			next = pd == util_days_in_month(py, pm) && m == pm % 12 + 1 && y == py + (m == 1);
		else
			next = y == py && m == pm && d == pd + 1;
		if (!next || util_days_from_civil(y, m, d) != day)
			ck_abort_msg("day %lld: %lld-%02d-%02d after %lld-%02d-%02d", (long long)day,
				     (long long)y, m, d, (long long)py, pm, pd);
		py = y, pm = m, pd = d;
	}
	ck_assert_int_eq(py, 2400);
}
END_TEST

START_TEST(test_cal_months)
{
	ck_assert(util_is_leap(2000) && util_is_leap(2024) && util_is_leap(-4));
	ck_assert(!util_is_leap(1900) && !util_is_leap(2023) && !util_is_leap(2100));
	ck_assert_int_eq(util_days_in_month(2024, 2), 29);
	ck_assert_int_eq(util_days_in_month(2023, 2), 28);
	ck_assert_int_eq(util_days_in_month(2023, 4), 30);
	ck_assert_int_eq(util_days_in_month(2023, 12), 31);
	ck_assert_int_eq(util_days_in_month(2023, 0), 0);
	ck_assert_int_eq(util_days_in_month(2023, 13), 0);
}
END_TEST

/* ---- JSON strings ---------------------------------------------------------------------- */

static char *json_of(const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *o = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(o);
	util_json_str(o, s);
	ck_assert_int_eq(fclose(o), 0);
	return buf;
}

START_TEST(test_json_str)
{
	char *j;

	j = json_of("plain \xe6\x97\xa5\xe6\x9c\xac");		/* UTF-8 passes through */
	ck_assert_str_eq(j, "\"plain \xe6\x97\xa5\xe6\x9c\xac\"");
	free(j);
	j = json_of("q\"b\\n\nt\t\x1f\x7f");
	ck_assert_str_eq(j, "\"q\\\"b\\\\n\\u000at\\u0009\\u001f\x7f\"");
	free(j);
	j = json_of(NULL);
	ck_assert_str_eq(j, "\"\"");
	free(j);
}
END_TEST

START_TEST(test_json_escape)
{
	char out[16];

	ck_assert_int_eq(util_json_escape("a\"\x01", out, sizeof(out)), 9);
	ck_assert_str_eq(out, "a\\\"\\u0001");
	ck_assert_int_eq(util_json_escape("", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "");
	/* exactly fits (8 bytes and the NUL), then one byte short */
	ck_assert_int_eq(util_json_escape("\\\\\\\\", out, 9), 8);
	ck_assert_str_eq(out, "\\\\\\\\\\\\\\\\");
	ck_assert_int_eq(util_json_escape("\\\\\\\\", out, 8), -EMSGSIZE);
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(util_json_escape("\x02", out, 6), -EMSGSIZE);
	ck_assert_int_eq(util_json_escape("x", out, 0), -EMSGSIZE);
}
END_TEST

/* ---- ICMP and ICMPv6 ------------------------------------------------------------------- */

START_TEST(test_proto_wire)
{
	ck_assert_uint_eq(policy_proto_wire(1, AF_INET), 1);
	ck_assert_uint_eq(policy_proto_wire(1, AF_INET6), 58);
	ck_assert_uint_eq(policy_proto_wire(6, AF_INET6), 6);
	ck_assert_uint_eq(policy_proto_wire(0, AF_INET6), 0);
	ck_assert(policy_proto_matches(1, AF_INET6, 58));
	ck_assert(policy_proto_matches(1, AF_INET, 1));
	ck_assert(!policy_proto_matches(1, AF_INET, 58));
	ck_assert(!policy_proto_matches(6, AF_INET6, 17));
	ck_assert(policy_proto_matches(17, AF_INET6, 17));
}
END_TEST

/* ---- ranges ---------------------------------------------------------------------------- */

static void range4(struct ir_elem *e, const char *lo, const char *hi, int line)
{
	unsigned a, b, c, d;

	memset(e, 0, sizeof(*e));
	ck_assert_int_eq(sscanf(lo, "%u.%u.%u.%u", &a, &b, &c, &d), 4);
	e->key[0] = (uint8_t)a, e->key[1] = (uint8_t)b, e->key[2] = (uint8_t)c, e->key[3] = (uint8_t)d;
	ck_assert_int_eq(sscanf(hi, "%u.%u.%u.%u", &a, &b, &c, &d), 4);
	e->key_end[0] = (uint8_t)a, e->key_end[1] = (uint8_t)b;
	e->key_end[2] = (uint8_t)c, e->key_end[3] = (uint8_t)d;
	e->line = line;
}

static void check4(const struct ir_elem *e, const char *lo, const char *hi)
{
	char l[16], h[16];

	snprintf(l, sizeof(l), "%u.%u.%u.%u", e->key[0], e->key[1], e->key[2], e->key[3]);
	snprintf(h, sizeof(h), "%u.%u.%u.%u", e->key_end[0], e->key_end[1], e->key_end[2],
		 e->key_end[3]);
	ck_assert_str_eq(l, lo);
	ck_assert_str_eq(h, hi);
}

START_TEST(test_ranges_merge)
{
	struct ir_elem v[6];

	range4(&v[0], "10.0.2.0", "10.0.2.255", 1);
	range4(&v[1], "10.0.0.0", "10.0.0.255", 2);
	range4(&v[2], "10.0.0.128", "10.0.1.10", 3);	/* overlaps v[1], reaches further */
	range4(&v[3], "10.0.0.5", "10.0.0.6", 4);	/* inside v[1] */
	range4(&v[4], "10.0.3.0", "10.0.3.0", 5);	/* touches v[0]: kept apart */
	range4(&v[5], "192.168.0.0", "192.168.255.255", 6);
	ck_assert_int_eq(ir_ranges_merge(v, 6, 4), 4);
	check4(&v[0], "10.0.0.0", "10.0.1.10");
	ck_assert_int_eq(v[0].line, 2);
	check4(&v[1], "10.0.2.0", "10.0.2.255");
	check4(&v[2], "10.0.3.0", "10.0.3.0");
	check4(&v[3], "192.168.0.0", "192.168.255.255");
	ck_assert_int_eq(ir_ranges_merge(v, 0, 4), 0);
	ck_assert_int_eq(ir_ranges_merge(v, 1, 4), 1);
	check4(&v[0], "10.0.0.0", "10.0.1.10");
}
END_TEST

Suite *suite_util(void)
{
	Suite *s = suite_create("util");
	TCase *tc = tcase_create("util");

	tcase_add_loop_test(tc, test_fnv_vectors, 0, ARRAY_SIZE(fnv_vecs));
	tcase_add_test(tc, test_fnv_chained);
	tcase_add_loop_test(tc, test_cal_vectors, 0, ARRAY_SIZE(cal_vecs));
	tcase_add_test(tc, test_cal_round_trip);
	tcase_add_test(tc, test_cal_months);
	tcase_add_test(tc, test_json_str);
	tcase_add_test(tc, test_json_escape);
	tcase_add_test(tc, test_proto_wire);
	tcase_add_test(tc, test_ranges_merge);
	suite_add_tcase(s, tc);
	return s;
}
