/* SPDX-License-Identifier: GPL-2.0-only */
/* test_policy_names.c: policy.c without conf: the arena, name tables, zone aliases and the
 * value parsers (prefix, MAC, RFC 3339 time, date), fed hostile inputs in exact-size heap
 * buffers so sanitizers catch any over-read. */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "policy.h"

Suite *suite_policy_names(void);

/* An exact-size heap copy of s (NUL included), so ASan flags any read past the end. */
static char *heap(const char *s)
{
	size_t n = strlen(s) + 1;
	char *b = malloc(n);

	ck_assert_ptr_nonnull(b);
	memcpy(b, s, n);
	return b;
}

/* ---------------------------------------------------------------------------------------- */

static const struct {
	const char *in, *canon;
} canon_cases[] = {
	{ "mynumber", "mynumber" },
	{ "MyNumber", "mynumber" },
	{ "my-number", "mynumber" },
	{ "マイナンバー利用事務系", "mynumber" },
	{ "個人番号利用事務系", "mynumber" },
	{ "マイナンバー事務系", "mynumber" },
	{ "住民情報基幹系", "mynumber" },
	{ "基幹系", "mynumber" },
	{ "lgwan", "lgwan" },
	{ "LGWAN", "lgwan" },
	{ "LGWAN接続系", "lgwan" },
	{ "lgwan接続系", "lgwan" },
	{ "LGWAN 接続系", "lgwan" },
	{ "イントラネット系", "lgwan" },
	{ "イントラ系", "lgwan" },
	{ "internet", "internet" },
	{ "INTERNET", "internet" },
	{ "インターネット接続系", "internet" },
	{ "インターネット 接続系", "internet" },
	{ "dmz", "dmz" },
	{ "mynumber2", "mynumber2" },
	{ "接続系", "接続系" },
	{ "", "" },
};

START_TEST(test_zone_canon)
{
	char *in = heap(canon_cases[_i].in);
	const char *c = policy_zone_canon(in);

	ck_assert_str_eq(c, canon_cases[_i].canon);
	if (policy_zone_role(c) == ZONE_OTHER)
		ck_assert_ptr_eq(c, in);	/* unknown names come back as they are */
	free(in);
}
END_TEST

START_TEST(test_zone_roles)
{
	ck_assert_int_eq(policy_zone_role("mynumber"), ZONE_MYNUMBER);
	ck_assert_int_eq(policy_zone_role("lgwan"), ZONE_LGWAN);
	ck_assert_int_eq(policy_zone_role("internet"), ZONE_INTERNET);
	ck_assert_int_eq(policy_zone_role("dmz"), ZONE_OTHER);
	ck_assert_int_eq(policy_zone_role(NULL), ZONE_OTHER);
	ck_assert_str_eq(policy_zone_label_ja(ZONE_MYNUMBER), "マイナンバー利用事務系");
	ck_assert_str_eq(policy_zone_label_ja(ZONE_LGWAN), "LGWAN接続系");
	ck_assert_str_eq(policy_zone_label_ja(ZONE_INTERNET), "インターネット接続系");
	ck_assert_ptr_null(policy_zone_label_ja(ZONE_OTHER));
	ck_assert_ptr_null(policy_zone_canon(NULL));
}
END_TEST

/* Every enum value prints a name that parses back to it; junk is refused. */
START_TEST(test_enum_roundtrip)
{
	static const char *const junk[] = { "", " peer", "peer ", "peer\n", "sanitised", "dns sni",
					    "none", "3", "-" };
	enum flow_class cls;
	enum relay_method m;
	enum policy_model mo;
	enum link_type l;
	enum svc_match ma;
	enum svc_type t;
	enum flow_verdict v;
	enum ech_policy e;
	size_t j;
	int i;

	for (i = 0; i < FLOW_CLASS_MAX; i++) {
		ck_assert_int_eq(policy_class_parse(policy_class_name(i), &cls), 0);
		ck_assert_int_eq(cls, i);
	}
	for (i = METHOD_NONE + 1; i < METHOD_MAX; i++) {
		ck_assert_int_eq(policy_method_parse(policy_method_name(i), &m), 0);
		ck_assert_int_eq(m, i);
	}
	for (i = 0; i < MODEL_MAX; i++) {
		ck_assert_int_eq(policy_model_parse(policy_model_name(i), &mo), 0);
		ck_assert_int_eq(mo, i);
	}
	for (i = 0; i < LINK_MAX; i++) {
		ck_assert_int_eq(policy_link_parse(policy_link_name(i), &l), 0);
		ck_assert_int_eq(l, i);
	}
	for (i = 0; i < MATCH_MAX; i++) {
		ck_assert_int_eq(policy_match_parse(policy_match_name(i), &ma), 0);
		ck_assert_int_eq(ma, i);
	}
	for (i = 0; i < SVC_TYPE_MAX; i++) {
		ck_assert_int_eq(policy_svctype_parse(policy_svctype_name(i), &t), 0);
		ck_assert_int_eq(t, i);
	}
	for (i = VERDICT_DEFAULT + 1; i < VERDICT_MAX; i++) {
		ck_assert_int_eq(policy_verdict_parse(policy_verdict_name(i), &v), 0);
		ck_assert_int_eq(v, i);
	}
	for (i = 0; i < ECH_MAX; i++) {
		ck_assert_int_eq(policy_ech_parse(policy_ech_name(i), &e), 0);
		ck_assert_int_eq(e, i);
	}
	for (j = 0; j < sizeof(junk) / sizeof(junk[0]); j++) {
		char *b = heap(junk[j]);

		ck_assert_int_eq(policy_class_parse(b, &cls), -EINVAL);
		ck_assert_int_eq(policy_method_parse(b, &m), -EINVAL);
		ck_assert_int_eq(policy_model_parse(b, &mo), -EINVAL);
		ck_assert_int_eq(policy_link_parse(b, &l), -EINVAL);
		ck_assert_int_eq(policy_match_parse(b, &ma), -EINVAL);
		ck_assert_int_eq(policy_svctype_parse(b, &t), -EINVAL);
		ck_assert_int_eq(policy_verdict_parse(b, &v), -EINVAL);
		ck_assert_int_eq(policy_ech_parse(b, &e), -EINVAL);
		free(b);
	}
	ck_assert_int_eq(policy_class_parse(NULL, &cls), -EINVAL);
	ck_assert_int_eq(policy_class_parse("Sanitised-Relay", &cls), 0);
	ck_assert_int_eq(cls, FLOW_SANITISED_RELAY);
	ck_assert_str_eq(policy_class_name(FLOW_CLASS_MAX), "?");
	ck_assert_str_eq(policy_method_name(METHOD_NONE), "none");
}
END_TEST

/* The verdict and ECH names: exact strings, "default" is never written, out of range is "?". */
START_TEST(test_verdict_ech_names)
{
	static const char *const bad[] = { "default", "kern", "engines", "outer", "outer_sni",
					   "allow", "kernel,engine" };
	enum flow_verdict v = VERDICT_MAX;
	enum ech_policy e = ECH_MAX;
	size_t j;

	ck_assert_str_eq(policy_verdict_name(VERDICT_KERNEL), "kernel");
	ck_assert_str_eq(policy_verdict_name(VERDICT_ENGINE), "engine");
	ck_assert_str_eq(policy_verdict_name(VERDICT_DEFAULT), "default");
	ck_assert_str_eq(policy_verdict_name(VERDICT_MAX), "?");
	ck_assert_str_eq(policy_ech_name(ECH_REFUSE), "refuse");
	ck_assert_str_eq(policy_ech_name(ECH_OUTER), "outer-sni");
	ck_assert_str_eq(policy_ech_name(ECH_MAX), "?");
	ck_assert_int_eq(policy_verdict_parse("Engine", &v), 0);
	ck_assert_int_eq(v, VERDICT_ENGINE);
	ck_assert_int_eq(policy_ech_parse("OUTER-SNI", &e), 0);
	ck_assert_int_eq(e, ECH_OUTER);
	for (j = 0; j < sizeof(bad) / sizeof(bad[0]); j++) {
		char *b = heap(bad[j]);

		v = VERDICT_MAX;
		e = ECH_MAX;
		ck_assert_int_eq(policy_verdict_parse(b, &v), -EINVAL);
		ck_assert_int_eq(policy_ech_parse(b, &e), -EINVAL);
		ck_assert_int_eq(v, VERDICT_MAX);		/* untouched on failure */
		ck_assert_int_eq(e, ECH_MAX);
		free(b);
	}
	ck_assert_int_eq(policy_verdict_parse(NULL, &v), -EINVAL);
	ck_assert_int_eq(policy_ech_parse(NULL, &e), -EINVAL);
}
END_TEST

static const struct {
	const char *in;
	int proto;		/* -1: invalid */
} proto_cases[] = {
	{ "tcp", 6 }, { "TCP", 6 }, { "udp", 17 }, { "sctp", 132 }, { "icmp", 1 },
	{ "icmpv6", 1 }, { "esp", 50 }, { "ah", 51 }, { "gre", 47 }, { "6", 6 }, { "255", 255 },
	{ "1", 1 }, { "58", 1 }, { "89", 89 },
	{ "0", -1 }, { "256", -1 }, { "006", -1 }, { "-6", -1 }, { "+6", -1 }, { " 6", -1 },
	{ "6 ", -1 }, { "", -1 }, { "tcp6", -1 }, { "1000", -1 }, { "icmp6x", -1 },
};

START_TEST(test_proto)
{
	char *b = heap(proto_cases[_i].in);
	uint8_t p = 0xee;
	int r = policy_proto_parse(b, &p);

	if (proto_cases[_i].proto < 0) {
		ck_assert_int_eq(r, -EINVAL);
		ck_assert_int_eq(p, 0xee);
	} else {
		ck_assert_int_eq(r, 0);
		ck_assert_int_eq(p, proto_cases[_i].proto);
	}
	free(b);
}
END_TEST

START_TEST(test_proto_names)
{
	ck_assert_str_eq(policy_proto_name(6), "tcp");
	ck_assert_str_eq(policy_proto_name(17), "udp");
	ck_assert_str_eq(policy_proto_name(1), "icmp");
	ck_assert_str_eq(policy_proto_name(132), "sctp");
	ck_assert_ptr_null(policy_proto_name(200));
	ck_assert_ptr_null(policy_proto_name(0));
}
END_TEST

/* ---------------------------------------------------------------------------------------- */

static const struct {
	const char *in, *out;
} pfx_ok[] = {
	{ "10.0.0.0/8", "10.0.0.0/8" },
	{ "10.10.0.5", "10.10.0.5/32" },
	{ "0.0.0.0/0", "0.0.0.0/0" },
	{ "255.255.255.255", "255.255.255.255/32" },
	{ "10.20.0.128/25", "10.20.0.128/25" },
	{ "fd10::/64", "fd10::/64" },
	{ "FD10::5", "fd10::5/128" },
	{ "::", "::/128" },
	{ "::/0", "::/0" },
	{ "::1", "::1/128" },
	{ "1::", "1::/128" },
	{ "2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1/128" },
	{ "2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1/128" },
	{ "1:0:0:0:0:0:0:8", "1::8/128" },
	{ "1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0/128" },
	{ "::2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8/128" },
	{ "::ffff:10.0.0.1", "::ffff:a00:1/128" },
	{ "64:ff9b::192.0.2.33", "64:ff9b::c000:221/128" },
	{ "fe80::/10", "fe80::/10" },
};

START_TEST(test_prefix_ok)
{
	char *b = heap(pfx_ok[_i].in);
	char out[64];
	struct prefix p, q;

	ck_assert_int_eq(policy_prefix_parse(b, &p), 0);
	ck_assert_int_gt(policy_prefix_format(&p, out, sizeof(out)), 0);
	ck_assert_str_eq(out, pfx_ok[_i].out);
	ck_assert_int_eq(p.family, strchr(pfx_ok[_i].in, ':') ? AF_INET6 : AF_INET);
	/* the formatted text parses back to the same prefix */
	ck_assert_int_eq(policy_prefix_parse(out, &q), 0);
	ck_assert_mem_eq(&p, &q, sizeof(p));
	free(b);
}
END_TEST

static const char *const pfx_bad[] = {
	"10.0.0.1/24", "10.0.0.0/33", "10.0.0", "10.0.0.0.0", "010.0.0.0", "256.0.0.0",
	"10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/08", "10.0.0.0/+8", "::/129", ":::", "1::2::3",
	"12345::", "fd00::/8 ", " 10.0.0.0", "", "/", "/8", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7",
	"::ffff:1.2.3", "g::", "fe80::1%eth0", "1.2.3.4/32/1", "1.2.3.4/1000", "fd00::1/64",
	":1::", "1:", "1::2:", "::1.2.3.4.5", "1:2:3:4:5:6:7:1.2.3.4", "1.2.3.4:5", "any",
	"10.0.0.0/8\n", "0x0a.0.0.0", "1..2.3", "::ffff:256.0.0.1", "10.0.0.0 /8",
	"1:2:3:4:5:6:7:8::", "::1:2:3:4:5:6:7:8",
};

START_TEST(test_prefix_bad)
{
	char *b = heap(pfx_bad[_i]);
	struct prefix p;

	memset(&p, 0xaa, sizeof(p));
	ck_assert_msg(policy_prefix_parse(b, &p) == -EINVAL, "accepted '%s'", pfx_bad[_i]);
	ck_assert_int_eq(p.family, 0xaa);	/* out-param untouched */
	free(b);
}
END_TEST

/* Formatting into buffers of every size: -ENOSPC until it fits, never a byte past the end. */
START_TEST(test_prefix_format_sizes)
{
	const char *in = _i ? "2001:db8:1234:5678:9abc:def0:1234:5678/127" : "255.255.255.254/31";
	struct prefix p;
	size_t need, len;

	ck_assert_int_eq(policy_prefix_parse(in, &p), 0);
	need = strlen(in) + 1;
	for (len = 0; len <= need; len++) {
		char *buf = malloc(len ? len : 1);
		int r;

		ck_assert_ptr_nonnull(buf);
		r = policy_prefix_format(&p, len ? buf : NULL, len);
		if (len < need) {
			ck_assert_int_eq(r, -ENOSPC);
		} else {
			ck_assert_int_eq(r, (int)need - 1);
			ck_assert_str_eq(buf, in);
		}
		free(buf);
	}
	p.family = 99;
	{
		char buf[64];

		ck_assert_int_eq(policy_prefix_format(&p, buf, sizeof(buf)), -EINVAL);
	}
}
END_TEST

START_TEST(test_prefix_contains)
{
	struct prefix a, b, c, d, e;

	ck_assert_int_eq(policy_prefix_parse("10.0.0.0/8", &a), 0);
	ck_assert_int_eq(policy_prefix_parse("10.20.0.0/16", &b), 0);
	ck_assert_int_eq(policy_prefix_parse("11.0.0.0/8", &c), 0);
	ck_assert_int_eq(policy_prefix_parse("::/0", &d), 0);
	ck_assert_int_eq(policy_prefix_parse("10.20.0.128/25", &e), 0);
	ck_assert(policy_prefix_contains(&a, &b));
	ck_assert(!policy_prefix_contains(&b, &a));
	ck_assert(policy_prefix_contains(&a, &a));
	ck_assert(policy_prefix_contains(&b, &e));
	ck_assert(!policy_prefix_contains(&a, &c));
	ck_assert(!policy_prefix_contains(&d, &a));	/* families never mix */
	ck_assert(policy_prefix_overlap(&a, &b));
	ck_assert(policy_prefix_overlap(&b, &a));
	ck_assert(!policy_prefix_overlap(&a, &c));
	ck_assert(!policy_prefix_overlap(&a, &d));
	ck_assert_int_eq(policy_prefix_parse("10.20.0.0/17", &c), 0);
	ck_assert(policy_prefix_overlap(&c, &e));
	ck_assert_int_eq(policy_prefix_parse("10.20.0.0/25", &c), 0);
	ck_assert(!policy_prefix_overlap(&c, &e));	/* adjacent halves */
}
END_TEST

/* ---------------------------------------------------------------------------------------- */

static const char *const mac_ok[] = {
	"02:00:00:00:10:05", "02-00-00-00-10-05", "AA:bb:cc:dd:ee:ff", "00:00:00:00:00:00",
};

static const char *const mac_bad[] = {
	"02:00:00:00:10", "02:00:00:00:10:05:06", "02:00:00-00:10:05", "0g:00:00:00:10:05",
	"2:0:0:0:10:5", "", "02:00:00:00:10:05 ", " 02:00:00:00:10:05", "02.00.00.00.10.05",
	"0200.0000.1005", "020000001005", "02::00:00:10:05:0",
};

START_TEST(test_mac)
{
	uint8_t m[6], want[6] = { 0x02, 0, 0, 0, 0x10, 0x05 };
	size_t i;

	for (i = 0; i < sizeof(mac_ok) / sizeof(mac_ok[0]); i++) {
		char *b = heap(mac_ok[i]);

		ck_assert_int_eq(policy_mac_parse(b, m), 0);
		free(b);
	}
	ck_assert_int_eq(policy_mac_parse("02-00-00-00-10-05", m), 0);
	ck_assert_mem_eq(m, want, 6);
	for (i = 0; i < sizeof(mac_bad) / sizeof(mac_bad[0]); i++) {
		char *b = heap(mac_bad[i]);

		memset(m, 0x55, sizeof(m));
		ck_assert_msg(policy_mac_parse(b, m) == -EINVAL, "accepted '%s'", mac_bad[i]);
		ck_assert_int_eq(m[0], 0x55);
		free(b);
	}
}
END_TEST

/* ---------------------------------------------------------------------------------------- */

static const struct {
	const char *in;
	int64_t t;
} time_ok[] = {
	{ "1970-01-01T00:00:00Z", 0 },
	{ "1969-12-31T23:59:59Z", -1 },
	{ "2026-12-31T23:59:59+09:00", 1798729199 },
	{ "2026-12-31t14:59:59z", 1798729199 },
	{ "2026-12-31T14:59:59.999999Z", 1798729199 },
	{ "2000-02-29T12:00:00-05:30", 951845400 },
	{ "2024-02-29T23:59:59+09:00", 1709218799 },
	{ "2026-01-01T00:00:00+14:00", 1767175200 },
	{ "9999-12-31T23:59:59Z", 253402300799LL },
	{ "0001-01-01T00:00:00Z", -62135596800LL },
	{ "0000-01-01T00:00:00Z", -62167219200LL },
};

START_TEST(test_time_ok)
{
	char *b = heap(time_ok[_i].in);
	int64_t t = 0;

	ck_assert_int_eq(policy_time_parse(b, &t), 0);
	ck_assert_int_eq(t, time_ok[_i].t);
	free(b);
}
END_TEST

static const char *const time_bad[] = {
	"2026-12-31T23:59:59", "2026-12-31", "2026-02-29T00:00:00Z", "1900-02-29T00:00:00Z",
	"2024-02-30T00:00:00Z", "2026-13-01T00:00:00Z", "2026-00-01T00:00:00Z",
	"2026-01-00T00:00:00Z", "2026-04-31T00:00:00Z", "2026-01-01T24:00:00Z",
	"2026-01-01T00:60:00Z", "2026-01-01T00:00:60Z", "2026-01-01T00:00:00+24:00",
	"2026-01-01T00:00:00+09:60", "2026-01-01T00:00:00+09", "2026-01-01T00:00:00+0900",
	"2026-01-01T00:00:00Zx", "2026-01-01T00:00:00+09:00 ", "2026-01-01 00:00:00Z",
	"2026-1-01T00:00:00Z", "+2026-01-01T00:00:00Z", "2026-01-01T00:00:00.Z",
	"2026-01-01T00:00:00,5Z", "", "Z", "2026-01-01T0:00:00Z", "2026/01/01T00:00:00Z",
	"2026-01-01T00:00:00-", "2026-01-01T00:00:00+-9:00", "2026-01-01T00:00:00UTC",
};

START_TEST(test_time_bad)
{
	char *b = heap(time_bad[_i]);
	int64_t t = 42;

	ck_assert_msg(policy_time_parse(b, &t) == -EINVAL, "accepted '%s'", time_bad[_i]);
	ck_assert_int_eq(t, 42);
	free(b);
}
END_TEST

START_TEST(test_date)
{
	static const char *const bad[] = { "2027-3-31", "2027-03-31T00:00:00Z", "2027-02-29",
					   "20270331", "", "2027-03-31 ", "2027-03-32" };
	int64_t t = 0;
	size_t i;

	ck_assert_int_eq(policy_date_parse("2027-03-31", &t), 0);
	ck_assert_int_eq(t, 1806505199);	/* 2027-03-31T23:59:59+09:00 */
	ck_assert_int_eq(policy_date_parse("2028-02-29", &t), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *b = heap(bad[i]);

		t = 7;
		ck_assert_msg(policy_date_parse(b, &t) == -EINVAL, "accepted '%s'", bad[i]);
		ck_assert_int_eq(t, 7);
		free(b);
	}
}
END_TEST

/* Every day from 1900 to 2100 at noon JST: the arithmetic agrees with a day counter. */
START_TEST(test_time_days)
{
	static const int dm[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int64_t t, want = -2208988800LL + 3 * 3600;	/* 1900-01-01T12:00:00+09:00 */
	char buf[40];
	int y, m, d, n;

	for (y = 1900; y <= 2100; y++) {
		for (m = 1; m <= 12; m++) {
			n = dm[m - 1] + (m == 2 && ((y % 4 == 0 && y % 100) || y % 400 == 0));
			for (d = 1; d <= n; d++) {
				snprintf(buf, sizeof(buf), "%04d-%02d-%02dT12:00:00+09:00", y, m, d);
				ck_assert_int_eq(policy_time_parse(buf, &t), 0);
				ck_assert_int_eq(t, want);
				want += 86400;
			}
		}
	}
}
END_TEST

/* ---------------------------------------------------------------------------------------- */

START_TEST(test_arena)
{
	struct policy *p = policy_new("x.conf");
	uint64_t *big;
	int *v = NULL;
	char *s;
	int i;

	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(p->file, "x.conf");
	for (i = 1; i < 200; i++) {
		unsigned char *a = policy_alloc(p, (size_t)i);
		int j;

		ck_assert_ptr_nonnull(a);
		ck_assert_int_eq((uintptr_t)a % 16, 0);
		for (j = 0; j < i; j++)
			ck_assert_int_eq(a[j], 0);
		memset(a, 0xff, (size_t)i);
	}
	big = policy_alloc(p, 1 << 20);
	ck_assert_ptr_nonnull(big);
	ck_assert_int_eq(big[(1 << 17) - 1], 0);
	s = policy_strdup(p, "マイナンバー");
	ck_assert_str_eq(s, "マイナンバー");
	/* grow one element at a time, interleaved with other allocations */
	for (i = 0; i < 100000; i++) {
		v = policy_grow(p, v, i, sizeof(*v));
		ck_assert_ptr_nonnull(v);
		ck_assert_int_eq(v[i], 0);
		v[i] = i;
		if (i % 1000 == 0)
			ck_assert_ptr_nonnull(policy_alloc(p, 100));
	}
	for (i = 0; i < 100000; i++)
		ck_assert_int_eq(v[i], i);
	ck_assert_ptr_null(policy_grow(p, v, -1, sizeof(*v)));
	ck_assert_ptr_null(policy_grow(p, v, 1, SIZE_MAX / 2));
	ck_assert_ptr_null(policy_alloc(p, SIZE_MAX - 4));
	policy_free(p);
	policy_free(NULL);
	p = policy_new(NULL);
	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_null(p->file);
	policy_free(p);
}
END_TEST

/* A new policy carries the documented defaults of breakout and the engine. */
START_TEST(test_defaults)
{
	struct policy *p = policy_new("x.conf");

	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(p->breakout.dns_floor, 60);
	ck_assert_int_eq(p->breakout.dns_grace, 30);
	ck_assert_int_eq(p->breakout.dns_max, 65536);
	ck_assert_int_eq(p->breakout.ech, ECH_OUTER);
	ck_assert_int_eq(p->breakout.n_upstreams, 0);
	ck_assert_ptr_null(p->breakout.from_group);
	ck_assert_int_eq(p->engine.queues, 1);
	ck_assert_int_eq(p->engine.queue_base, 0);
	ck_assert_int_eq(p->engine.queue_maxlen, 4096);
	ck_assert_int_eq(p->engine.n_fail_open, 0);
	ck_assert_int_eq(p->engine.loc.line, 0);
	policy_free(p);
}
END_TEST

Suite *suite_policy_names(void)
{
	Suite *s = suite_create("policy_names");
	TCase *tc = tcase_create("names");

	tcase_add_loop_test(tc, test_zone_canon, 0, sizeof(canon_cases) / sizeof(canon_cases[0]));
	tcase_add_test(tc, test_zone_roles);
	tcase_add_test(tc, test_enum_roundtrip);
	tcase_add_test(tc, test_verdict_ech_names);
	tcase_add_loop_test(tc, test_proto, 0, sizeof(proto_cases) / sizeof(proto_cases[0]));
	tcase_add_test(tc, test_proto_names);
	suite_add_tcase(s, tc);

	tc = tcase_create("values");
	tcase_add_loop_test(tc, test_prefix_ok, 0, sizeof(pfx_ok) / sizeof(pfx_ok[0]));
	tcase_add_loop_test(tc, test_prefix_bad, 0, sizeof(pfx_bad) / sizeof(pfx_bad[0]));
	tcase_add_loop_test(tc, test_prefix_format_sizes, 0, 2);
	tcase_add_test(tc, test_prefix_contains);
	tcase_add_test(tc, test_mac);
	tcase_add_loop_test(tc, test_time_ok, 0, sizeof(time_ok) / sizeof(time_ok[0]));
	tcase_add_loop_test(tc, test_time_bad, 0, sizeof(time_bad) / sizeof(time_bad[0]));
	tcase_add_test(tc, test_date);
	tcase_add_test(tc, test_time_days);
	suite_add_tcase(s, tc);

	tc = tcase_create("arena");
	tcase_add_test(tc, test_arena);
	tcase_add_test(tc, test_defaults);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}
