/* SPDX-License-Identifier: GPL-2.0-only */
/* test_audit.c: the audit trail. A golden record (hash computed with Python's hashlib), JST
 * time across year and leap-day boundaries (checked against gmtime_r), JSON escaping of hostile
 * strings, the field API, the line limit; a 50-record trail in a temp dir that verifies, and
 * each tampering (edit, rehash, delete, swap, insert, duplicate, truncate, drop trailing lines
 * with and without the anchor) found at the right line for the right reason, by the buffer and
 * the file verifier alike; reopen continuing the chain; refusals at open; a short write (via
 * RLIMIT_FSIZE) and a failing anchor leaving the trail consistent. Parsed inputs live in
 * exact-size heap buffers. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define TRAIL_N		50
#define T0		INT64_C(1798728900)	/* 2026-12-31T23:55:00+09:00; JST new year at i=23 */

Suite *suite_audit(void);

/* ---- helpers ---------------------------------------------------------------------------- */

static char *dup_exact(const char *p, size_t len)
{
	char *b = malloc(len ? len : 1);

	ck_assert_ptr_nonnull(b);
	if (len)
		memcpy(b, p, len);
	return b;
}

static char tmpdir[64];

static void tmp_setup(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/sanso-audit-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

/* Remove tmpdir and what is in it, one level of subdirectories deep. */
static void rm_dir(const char *dir, int depth)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char p[512];

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		if (unlink(p) < 0 && errno == EISDIR && depth < 1)
			rm_dir(p, depth + 1);
	}
	closedir(d);
	rmdir(dir);
}

static void tmp_teardown(void)
{
	rm_dir(tmpdir, 0);
}

static const char *tpath(const char *name)
{
	static char p[4][256];
	static int k;

	k = (k + 1) % 4;
	snprintf(p[k], sizeof(p[k]), "%s/%s", tmpdir, name);
	return p[k];
}

static char *slurp(const char *path, size_t *ret_len)
{
	struct stat st;
	char *b;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fstat(fd, &st), 0);
	b = malloc(st.st_size ? (size_t)st.st_size : 1);
	ck_assert_ptr_nonnull(b);
	ck_assert_int_eq(read(fd, b, (size_t)st.st_size), st.st_size);
	close(fd);
	*ret_len = (size_t)st.st_size;
	return b;
}

static void spill(const char *path, const char *b, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, b, len), (ssize_t)len);
	close(fd);
}

static off_t fsize(const char *path)
{
	struct stat st;

	ck_assert_int_eq(stat(path, &st), 0);
	return st.st_size;
}

static const enum audit_ev events[] = {
	AUDIT_E_CONFIG_APPLY, AUDIT_E_CONFIG_RESULT, AUDIT_E_EXCEPTION_ADD, AUDIT_E_ISOLATE,
	AUDIT_E_REVOKE, AUDIT_E_DRIFT, AUDIT_E_CTL_REFUSED, AUDIT_E_EXCEPTION_EXP,
};

static int64_t rec_time(int i)
{
	return i == 39 ? T0 + 13 * i - 600 : T0 + 13 * i;	/* record 40: a clock step back */
}

/* Append records first..last (1-based) to an open trail. */
static void append_records(struct audit *a, int first, int last)
{
	struct audit_fields f;
	char actor[64];
	int i;

	for (i = first - 1; i < last; i++) {
		audit_fields_init(&f);
		audit_field_str(&f, "zone", i % 2 ? "lgwan" : "mynumber");
		audit_field_int(&f, "n", i * 1000 - 7000);
		audit_field_bool(&f, "emergency", i % 5 == 0);
		if (i == 12)	/* a hostile value, raw Japanese text and a clean one */
			audit_field_str(&f, "reason", "\"},\"hash\":\"x\n\xff\xe4\xb8\x89\\");
		snprintf(actor, sizeof(actor), "uid=%d(op%d) pid=%d", 1000 + i % 3, i % 3, 4000 + i);
		ck_assert_int_eq(audit_append(a, rec_time(i), actor,
					      audit_events[events[i % ARRAY_SIZE(events)]].name,
					      &f), 0);
	}
}

/* A fresh trail of n records at tpath("trail"), anchored at tpath("anchor"). */
static void make_trail(int n)
{
	struct audit a;

	ck_assert_int_eq(audit_open(&a, tpath("trail"), tpath("anchor")), 0);
	append_records(&a, 1, n);
	audit_close(&a);
}

static int verify_copy(const char *b, size_t len, const struct audit_anchor *an,
		       struct audit_report *rep)
{
	char *c = dup_exact(b, len);
	int r = audit_verify_buf(c, len, an, rep);

	free(c);
	return r;
}

/* ---- time --------------------------------------------------------------------------- */

struct time_case {
	int64_t t;
	const char *s;
};

static const struct time_case time_cases[] = {
	{ 0, "1970-01-01T09:00:00+09:00" },
	{ INT64_C(1798729199), "2026-12-31T23:59:59+09:00" },
	{ INT64_C(1798729200), "2027-01-01T00:00:00+09:00" },	/* UTC: 2026-12-31T15:00 */
	{ INT64_C(1709132400), "2024-02-29T00:00:00+09:00" },
	{ INT64_C(4107510000), "2100-03-01T00:00:00+09:00" },	/* 2100: no leap day */
	{ INT64_C(951750000), "2000-02-29T00:00:00+09:00" },
	{ INT64_C(1795309262), "2026-11-22T10:01:02+09:00" },
	{ INT64_C(2147483648), "2038-01-19T12:14:08+09:00" },
	{ AUDIT_TIME_MAX, "9999-12-31T23:59:59+09:00" },
};

START_TEST(test_time_table)
{
	const struct time_case *c = &time_cases[_i];
	char out[AUDIT_TIME_LEN + 1];
	int64_t t = -1;
	char *b;

	memset(out, 'x', sizeof(out));
	ck_assert_int_eq(audit_time_format(c->t, out), AUDIT_TIME_LEN);
	ck_assert_str_eq(out, c->s);
	b = dup_exact(c->s, AUDIT_TIME_LEN);
	ck_assert_int_eq(audit_time_parse(b, AUDIT_TIME_LEN, &t), 0);
	ck_assert_int_eq(t, c->t);
	free(b);
}
END_TEST

START_TEST(test_time_range)
{
	char out[AUDIT_TIME_LEN + 1];

	ck_assert_int_eq(audit_time_format(-1, out), -ERANGE);
	ck_assert_int_eq(audit_time_format(AUDIT_TIME_MAX + 1, out), -ERANGE);
	ck_assert_int_eq(audit_time_format(INT64_MIN, out), -ERANGE);
	ck_assert_int_eq(audit_time_format(INT64_MAX, out), -ERANGE);
}
END_TEST

/* 20000 times spread over 1970..9999 and around "now": format agrees with gmtime_r of the
 * time shifted by nine hours, and parses back. (Asserts only on a mismatch: valgrind.) */
START_TEST(test_time_gmtime)
{
	char out[AUDIT_TIME_LEN + 1], want[64];
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	struct tm tm;
	int64_t t, back;
	time_t jt;
	int i;

	for (i = 0; i < 20000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		t = i % 2 ? (int64_t)(x % (uint64_t)(AUDIT_TIME_MAX + 1)) :
			    INT64_C(1700000000) + (int64_t)(x % 400000000);
		jt = (time_t)(t + 9 * 3600);
		ck_assert_ptr_nonnull(gmtime_r(&jt, &tm));
		snprintf(want, sizeof(want), "%04d-%02d-%02dT%02d:%02d:%02d+09:00",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
			 tm.tm_sec);
		if (audit_time_format(t, out) != AUDIT_TIME_LEN || strcmp(out, want) ||
		    audit_time_parse(out, AUDIT_TIME_LEN, &back) || back != t)
			ck_abort_msg("t=%lld: '%s', want '%s'", (long long)t, out, want);
	}
}
END_TEST

static const char *const bad_times[] = {
	"2026-02-29T00:00:00+09:00", "2100-02-29T00:00:00+09:00", "2026-13-01T00:00:00+09:00",
	"2026-00-10T00:00:00+09:00", "2026-01-00T00:00:00+09:00", "2026-04-31T00:00:00+09:00",
	"2026-01-01T24:00:00+09:00", "2026-01-01T23:60:00+09:00", "2026-01-01T23:59:60+09:00",
	"2026-01-01T00:00:00+00:00", "2026-01-01T00:00:00+09:30", "2026-01-01t00:00:00+09:00",
	"2026-01-01 00:00:00+09:00", "1969-12-31T23:59:59+09:00", "1970-01-01T08:59:59+09:00",
	" 026-01-01T00:00:00+09:00", "2026-1-01T00:00:00+09:00", "2026-01-01T00:00:00Z",
	"2026-01-01T00:00:00+09:000", "+026-01-01T00:00:00+09:00", "2026/01/01T00:00:00+09:00",
	"",
};

START_TEST(test_time_rejects)
{
	size_t len = strlen(bad_times[_i]);
	char *b = dup_exact(bad_times[_i], len);
	int64_t t = 42;

	ck_assert_int_eq(audit_time_parse(b, len, &t), -EINVAL);
	ck_assert_int_eq(t, 42);
	free(b);
}
END_TEST

/* ---- strings -------------------------------------------------------------------------- */

struct esc_case {
	const char *in;
	size_t len;
	const char *esc;
	const char *unesc;		/* NULL: the input */
};

#define E(s) s, sizeof(s) - 1
static const struct esc_case esc_cases[] = {
	{ E("plain text"), "plain text", NULL },
	{ E("a\"b\\c"), "a\\\"b\\\\c", NULL },
	{ E("l1\nl2\r\t"), "l1\\nl2\\r\\t", NULL },
	{ E("\x01\x1f\x7f"), "\\u0001\\u001f\\u007f", NULL },
	{ E("\b\f"), "\\u0008\\u000c", NULL },
	{ E("a\0b"), "a\\u0000b", NULL },
	{ E("</script>"), "</script>", NULL },
	{ E("\xe4\xb8\x89\xe5\xb1\xa4\xe5\x88\x86\xe9\x9b\xa2"), "\xe4\xb8\x89\xe5\xb1\xa4\xe5\x88\x86"
	  "\xe9\x9b\xa2", NULL },				/* 三層分離 */
	{ E("\xef\xbf\xbd"), "\xef\xbf\xbd", NULL },		/* a real U+FFFD stays raw */
	{ E("\xf0\x9f\x98\x80"), "\xf0\x9f\x98\x80", NULL },	/* 4-byte form */
	{ E("\xe2\x80\xa8"), "\xe2\x80\xa8", NULL },		/* U+2028 */
	{ E("\xff"), "\\ufffd", "\xef\xbf\xbd" },
	{ E("\x80"), "\\ufffd", "\xef\xbf\xbd" },		/* stray continuation */
	{ E("\xc0\xaf"), "\\ufffd\\ufffd", "\xef\xbf\xbd\xef\xbf\xbd" },	/* overlong '/' */
	{ E("\xed\xa0\x80"), "\\ufffd\\ufffd\\ufffd",			/* surrogate D800 */
	  "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
	{ E("\xf4\x90\x80\x80"), "\\ufffd\\ufffd\\ufffd\\ufffd",	/* above U+10FFFF */
	  "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
	{ E("\xe4\xb8x"), "\\ufffd\\ufffdx", "\xef\xbf\xbd\xef\xbf\xbdx" },	/* cut short */
	{ E("x\xe4\xb8"), "x\\ufffd\\ufffd", "x\xef\xbf\xbd\xef\xbf\xbd" },	/* at the end */
	{ E(""), "", NULL },
};
#undef E

START_TEST(test_escape)
{
	const struct esc_case *c = &esc_cases[_i];
	const char *want = c->unesc ? c->unesc : c->in;
	size_t wlen = c->unesc ? strlen(c->unesc) : c->len;
	char out[128], back[128];
	char *in = dup_exact(c->in, c->len), *e;
	int n;

	n = audit_escape(in, c->len, out, sizeof(out));
	ck_assert_int_eq(n, (int)strlen(c->esc));
	ck_assert_str_eq(out, c->esc);
	ck_assert_int_eq(audit_escape(in, c->len, out, (size_t)n), -EMSGSIZE);
	e = dup_exact(out, (size_t)n);
	ck_assert_int_eq(audit_unescape(e, (size_t)n, back, sizeof(back)), (int)wlen);
	ck_assert_mem_eq(back, want, wlen);
	free(e);
	free(in);
}
END_TEST

/* Bodies the writer never produces. */
static const char *const bad_bodies[] = {
	"\\/", "\\b", "\\f", "\\u0041", "\\u000a", "\\u0009", "\\u000d", "\\u00E9", "\\uFFFD",
	"\\u00", "\\", "a\\", "\\x41", "\x01", "\x7f", "\t", "\xff", "\xc0\xaf", "\xed\xa0\x80",
	"a\"b", "\\u0080", "\\ud800",
};

START_TEST(test_unescape_rejects)
{
	size_t len = strlen(bad_bodies[_i]);
	char *b = dup_exact(bad_bodies[_i], len);
	char out[64];

	ck_assert_int_eq(audit_unescape(b, len, out, sizeof(out)), -EINVAL);
	free(b);
}
END_TEST

/* ---- fields and records --------------------------------------------------------------- */

static const uint8_t zero[SHA256_DIGEST_SIZE];

START_TEST(test_golden_record)
{
	static const char want[] =
		"{\"seq\":1,\"time\":\"2026-11-22T10:01:02+09:00\",\"actor\":\"uid=0(root)\","
		"\"event\":\"config.apply\",\"prev\":\""
		"0000000000000000000000000000000000000000000000000000000000000000\","
		"\"policy\":\"\xe4\xb8\x89\xe5\xb1\xa4.conf\",\"version\":42,"
		"\"min\":-9223372036854775808,\"dry_run\":false,"
		"\"note\":\"a\\\"b\\\\c\\n\\u0001\\ufffd\",\"hash\":\""
		"f8b26c29f6cee72299503bd0665b2571e45fc64a6913aa30c0fc1b3c5ec866bf\"}\n";
	struct audit_fields f;
	struct audit_line l;
	char line[AUDIT_LINE_MAX], actor[64];
	char *b;
	int n;

	audit_fields_init(&f);
	ck_assert_int_eq(audit_field_str(&f, "policy", "\xe4\xb8\x89\xe5\xb1\xa4.conf"), 0);
	ck_assert_int_eq(audit_field_int(&f, "version", 42), 0);
	ck_assert_int_eq(audit_field_int(&f, "min", INT64_MIN), 0);
	ck_assert_int_eq(audit_field_bool(&f, "dry_run", false), 0);
	ck_assert_int_eq(audit_field_strn(&f, "note", "a\"b\\c\n\x01\xff", 8), 0);
	n = audit_format_line(line, sizeof(line), 1, zero, INT64_C(1795309262), "uid=0(root)",
			      AUDIT_EV_CONFIG_APPLY, &f);
	ck_assert_int_eq(n, (int)sizeof(want) - 1);
	ck_assert_mem_eq(line, want, sizeof(want) - 1);

	b = dup_exact(line, (size_t)n - 1);
	ck_assert_int_eq(audit_line_parse(b, (size_t)n - 1, &l), 0);
	ck_assert_uint_eq(l.seq, 1);
	ck_assert_int_eq(l.time, INT64_C(1795309262));
	ck_assert_int_eq(audit_unescape(l.actor, l.actor_len, actor, sizeof(actor)), 11);
	ck_assert_str_eq(actor, "uid=0(root)");
	ck_assert_uint_eq(l.event_len, strlen(AUDIT_EV_CONFIG_APPLY));
	ck_assert_mem_eq(l.event, AUDIT_EV_CONFIG_APPLY, l.event_len);
	ck_assert_mem_eq(l.prev, zero, sizeof(zero));
	ck_assert_uint_eq(l.hashed_len, (size_t)n - AUDIT_TAIL_LEN);
	ck_assert_uint_eq(l.fields_len, strlen(",\"policy\":\"\xe4\xb8\x89\xe5\xb1\xa4.conf\","
					       "\"version\":42,\"min\":-9223372036854775808,"
					       "\"dry_run\":false,\"note\":\"a\\\"b\\\\c\\n"
					       "\\u0001\\ufffd\""));
	ck_assert_int_eq(l.fields[0], ',');
	free(b);

	/* Without fields; NULL and an empty set are the same. */
	audit_fields_init(&f);
	n = audit_format_line(line, sizeof(line), 7, zero, 0, "sansod", "x", NULL);
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(audit_format_line(line + n, sizeof(line) - (size_t)n, 7, zero, 0,
					   "sansod", "x", &f), n);
	ck_assert_mem_eq(line, line + n, (size_t)n);
}
END_TEST

START_TEST(test_fields_refused)
{
	static const char *const bad_keys[] = {
		"", "Zone", "1st", "_x", "a-b", "a.b", "a b", "seq", "time", "actor", "event",
		"prev", "hash", "k\"", "abcdefghijklmnopqrstuvwxyz0123456",	/* 33 bytes */
	};
	struct audit_fields f;
	char line[AUDIT_LINE_MAX], key[8];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad_keys); i++) {
		audit_fields_init(&f);
		ck_assert_int_eq(audit_field_int(&f, bad_keys[i], 1), -EINVAL);
		/* Sticky: a good field after it fails too, and so does the record. */
		ck_assert_int_eq(audit_field_int(&f, "ok", 1), -EINVAL);
		ck_assert_int_eq(audit_format_line(line, sizeof(line), 1, zero, 0, "a", "e", &f),
				 -EINVAL);
	}
	audit_fields_init(&f);
	ck_assert_int_eq(audit_field_int(&f, NULL, 1), -EINVAL);
	audit_fields_init(&f);
	ck_assert_int_eq(audit_field_str(&f, "v", NULL), -EINVAL);
	audit_fields_init(&f);
	ck_assert_int_eq(audit_field_strn(&f, "v", NULL, 0), 0);
	ck_assert_int_eq(audit_field_int(&f, "abcdefghijklmnopqrstuvwxyz012345", 1), 0);
	ck_assert_int_eq(audit_field_str(&f, "v", "again"), -EINVAL);	/* duplicate */
	audit_fields_init(&f);
	for (i = 0; i < AUDIT_FIELDS_MAX; i++) {
		snprintf(key, sizeof(key), "k%zu", i);
		ck_assert_int_eq(audit_field_bool(&f, key, true), 0);
	}
	ck_assert_int_eq(audit_field_bool(&f, "one_more", true), -EINVAL);
}
END_TEST

/* The registry: names unique and writable, keys writable and unique per event, found back. */
START_TEST(test_registry)
{
	char line[AUDIT_LINE_MAX], key[AUDIT_KEY_MAX + 8];
	struct audit_fields f;
	const char *k, *e;
	int i, j;

	for (i = 0; i < AUDIT_E_MAX; i++) {
		ck_assert_ptr_nonnull(audit_events[i].name);
		ck_assert_ptr_nonnull(audit_events[i].keys);
		ck_assert_int_eq(audit_event_find(audit_events[i].name), i);
		for (j = 0; j < i; j++)
			ck_assert_str_ne(audit_events[j].name, audit_events[i].name);
		audit_fields_init(&f);
		for (k = audit_events[i].keys; *k; k = *e ? e + 1 : e) {
			e = k + strcspn(k, " ");
			ck_assert_int_lt(e - k, (long)sizeof(key));
			snprintf(key, sizeof(key), "%.*s", (int)(e - k), k);
			if (key[0] == '[')	/* optional: "[key]" */
				snprintf(key, sizeof(key), "%.*s", (int)(e - k - 2), k + 1);
			ck_assert_msg(audit_field_str(&f, key, "v") == 0, "%s: key '%s'",
				      audit_events[i].name, key);
		}
		ck_assert_msg(audit_format_line(line, sizeof(line), 1, zero, 0, "sansod",
						audit_events[i].name, &f) > 0, "%s",
			      audit_events[i].name);
	}
	ck_assert_int_eq(audit_event_find("no.such.event"), -ENOENT);
	ck_assert_int_eq(audit_event_find(NULL), -ENOENT);
	ck_assert_str_eq(AUDIT_EV_EXCEPTION_EXP, "exception.expire");
	ck_assert_str_eq(AUDIT_EV(HA_SYNC_APPLY), "ha.sync.apply");
}
END_TEST

START_TEST(test_record_refused)
{
	static const char *const bad_events[] = {
		"", "Config.apply", "1config", ".x", "a b", "a\"b", "a/b", "a\n",
		"e2345678901234567890123456789012345678901234567890123456789012345",	/* 65 */
	};
	char line[AUDIT_LINE_MAX], actor[AUDIT_ACTOR_MAX + 2];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad_events); i++)
		ck_assert_msg(audit_format_line(line, sizeof(line), 1, zero, 0, "a", bad_events[i],
						NULL) == -EINVAL, "event '%s'", bad_events[i]);
	ck_assert_int_gt(audit_format_line(line, sizeof(line), 1, zero, 0, "a", "e2345678901234567"
					   "89012345678901234567890123456789012345678901234", NULL),
			 0);	/* 64 */
	ck_assert_int_eq(audit_format_line(line, sizeof(line), 1, zero, 0, "a", NULL, NULL),
			 -EINVAL);
	ck_assert_int_eq(audit_format_line(line, sizeof(line), 1, zero, 0, "", "e", NULL),
			 -EINVAL);
	ck_assert_int_eq(audit_format_line(line, sizeof(line), 1, zero, 0, NULL, "e", NULL),
			 -EINVAL);
	ck_assert_int_eq(audit_format_line(line, sizeof(line), 0, zero, 0, "a", "e", NULL),
			 -EINVAL);
	ck_assert_int_eq(audit_format_line(line, sizeof(line), 1, zero, -1, "a", "e", NULL),
			 -EINVAL);
	memset(actor, 'a', sizeof(actor) - 1);
	actor[sizeof(actor) - 1] = '\0';
	ck_assert_int_eq(audit_format_line(line, sizeof(line), 1, zero, 0, actor, "e", NULL),
			 -EINVAL);
	/* The longest actor, all of it invalid UTF-8: 6 bytes per byte, and it verifies. */
	memset(actor, 0xff, AUDIT_ACTOR_MAX);
	actor[AUDIT_ACTOR_MAX] = '\0';
	ck_assert_int_gt(audit_format_line(line, sizeof(line), 1, zero, 0, actor, "e", NULL), 0);
	ck_assert_int_eq(audit_format_line(line, 100, 1, zero, 0, "a", "e", NULL), -EMSGSIZE);
}
END_TEST

/* The longest value that fits gives a line of exactly AUDIT_LINE_MAX bytes, which verifies;
 * one more byte is -EMSGSIZE and leaves the trail as it was. */
START_TEST(test_line_limit)
{
	char *val = malloc(AUDIT_LINE_MAX), *line = malloc(AUDIT_LINE_MAX), *b;
	struct audit_report rep;
	struct audit_fields f;
	struct audit a;
	size_t base, len;
	int n;

	ck_assert_ptr_nonnull(val);
	ck_assert_ptr_nonnull(line);
	memset(val, 'v', AUDIT_LINE_MAX);
	ck_assert_int_eq(audit_open(&a, tpath("trail"), NULL), 0);
	audit_fields_init(&f);
	audit_field_strn(&f, "v", val, 0);
	n = audit_format_line(line, AUDIT_LINE_MAX, 1, zero, 0, "op", "e", &f);
	ck_assert_int_gt(n, 0);
	base = (size_t)n;
	audit_fields_init(&f);
	audit_field_strn(&f, "v", val, AUDIT_LINE_MAX - base + 1);
	ck_assert_int_eq(audit_append(&a, 0, "op", "e", &f), -EMSGSIZE);
	ck_assert_int_eq(fsize(tpath("trail")), 0);
	audit_fields_init(&f);
	audit_field_strn(&f, "v", val, AUDIT_LINE_MAX - base);
	ck_assert_int_eq(audit_append(&a, 0, "op", "e", &f), 0);
	ck_assert_int_eq(fsize(tpath("trail")), AUDIT_LINE_MAX);
	/* Escaping counts: 2000 control bytes take 12000. */
	memset(val, 1, 2000);
	audit_fields_init(&f);
	ck_assert_int_eq(audit_field_strn(&f, "v", val, 2000), -EMSGSIZE);
	ck_assert_int_eq(audit_append(&a, 1, "op", "e", &f), -EMSGSIZE);
	audit_close(&a);

	b = slurp(tpath("trail"), &len);
	ck_assert_int_eq(verify_copy(b, len, NULL, &rep), 0);
	ck_assert_uint_eq(rep.lines, 1);
	free(b);
	free(line);
	free(val);
}
END_TEST

/* Hostile actors and values go through append, verify, parse and unescape unchanged (invalid
 * UTF-8 bytes as U+FFFD). */
START_TEST(test_hostile_strings)
{
	static const char *const hostile[] = {
		"\",\"hash\":\"0000\"}\n{\"seq\":2", "\\\\\\\"", "\r\n\r\n", "\x1b[31mred\x1b[0m",
		"\xff\xfe", "uid=0(root)\x7f", "\t\v\f\b\a", "\xe4\xb8\x89\xe5\xb1\xa4 \xc3(",
	};
	struct audit_report rep;
	struct audit_fields f;
	struct audit_line l;
	struct audit a;
	char out[256], esc[256], *b, *nl, *p;
	size_t len, i;

	ck_assert_int_eq(audit_open(&a, tpath("trail"), tpath("anchor")), 0);
	for (i = 0; i < ARRAY_SIZE(hostile); i++) {
		audit_fields_init(&f);
		audit_field_str(&f, "value", hostile[i]);
		ck_assert_int_eq(audit_append(&a, T0, hostile[i], "ctl.refused", &f), 0);
	}
	audit_close(&a);
	b = slurp(tpath("trail"), &len);
	ck_assert_int_eq(verify_copy(b, len, NULL, &rep), 0);
	ck_assert_uint_eq(rep.lines, ARRAY_SIZE(hostile));
	for (i = 0, p = b; i < ARRAY_SIZE(hostile); i++, p = nl + 1) {
		nl = memchr(p, '\n', len - (size_t)(p - b));
		ck_assert_ptr_nonnull(nl);
		ck_assert_int_eq(audit_line_parse(p, (size_t)(nl - p), &l), 0);
		ck_assert_int_ge(audit_unescape(l.actor, l.actor_len, out, sizeof(out)), 0);
		ck_assert_int_ge(audit_escape(out, strlen(out), esc, sizeof(esc)), 0);
		if (strchr(hostile[i], '\xff') || strstr(hostile[i], "\xc3(")) {
			/* invalid UTF-8: each bad byte came back as U+FFFD */
			ck_assert_ptr_nonnull(strstr(out, "\xef\xbf\xbd"));
			continue;
		}
		ck_assert_str_eq(out, hostile[i]);
		ck_assert_uint_eq(strlen(esc), l.actor_len);	/* re-escapes to the same */
		ck_assert_mem_eq(esc, l.actor, l.actor_len);
	}
	free(b);
}
END_TEST

/* ---- the chain -------------------------------------------------------------------------- */

static void ck_trail_ok(size_t lines)
{
	struct audit_report rep, rep2;
	struct audit_anchor an;
	size_t len;
	char *b = slurp(tpath("trail"), &len);

	ck_assert_int_eq(audit_anchor_read(tpath("anchor"), &an), 0);
	ck_assert_int_eq(verify_copy(b, len, &an, &rep), 0);
	ck_assert_int_eq(rep.bad, AUDIT_OK);
	ck_assert_uint_eq(rep.lines, lines);
	ck_assert_uint_eq(rep.last.seq, lines);
	ck_assert_mem_eq(rep.last.hash, an.hash, sizeof(an.hash));
	ck_assert_uint_eq(an.seq, lines);
	ck_assert_uint_eq(rep.after_anchor, 0);
	ck_assert_int_eq(audit_verify(tpath("trail"), &an, &rep2), 0);
	ck_assert_mem_eq(&rep, &rep2, sizeof(rep));
	free(b);
}

START_TEST(test_trail_ok)
{
	struct audit_report rep;
	struct audit_anchor an;
	size_t len;
	char *b;

	make_trail(TRAIL_N);
	ck_trail_ok(TRAIL_N);
	b = slurp(tpath("trail"), &len);
	ck_assert_int_eq(verify_copy(b, len, NULL, &rep), 0);
	ck_assert_int_eq(rep.first_time, T0);
	ck_assert_int_eq(rep.last_time, rec_time(TRAIL_N - 1));
	ck_assert_uint_eq(rep.time_back, 1);
	ck_assert_ptr_nonnull(memmem(b, len, "\"time\":\"2026-12-31T23:59:59+09:00\"", 34));
	ck_assert_ptr_nonnull(memmem(b, len, "\"time\":\"2027-01-01T00:00:12+09:00\"", 34));
	/* An older anchor: the trail holds it and goes on. */
	ck_assert_int_eq(audit_verify(tpath("trail"), NULL, &rep), 0);
	an.seq = 0;
	memset(an.hash, 0, sizeof(an.hash));
	ck_assert_int_eq(verify_copy(b, len, &an, &rep), 0);
	ck_assert_uint_eq(rep.after_anchor, TRAIL_N);
	free(b);
	ck_assert_str_eq(audit_bad_str(AUDIT_BAD_HASH), "hash does not match the record (edited)");
	ck_assert_str_eq(audit_bad_str(AUDIT_BAD_MAX), "unknown");
}
END_TEST

/* Tampering. Lines are held separately so the mutations read plainly. */
struct lines {
	char *l[TRAIL_N + 8];
	size_t len[TRAIL_N + 8];
	int n;
};

static void lines_load(struct lines *ls)
{
	size_t len, off = 0;
	char *b = slurp(tpath("trail"), &len), *nl;

	ls->n = 0;
	while (off < len && (nl = memchr(b + off, '\n', len - off))) {
		ls->len[ls->n] = (size_t)(nl - (b + off)) + 1;
		ls->l[ls->n] = dup_exact(b + off, ls->len[ls->n]);
		ls->n++;
		off += ls->len[ls->n - 1];
	}
	free(b);
}

static char *lines_join(const struct lines *ls, size_t *ret_len)
{
	size_t len = 0;
	char *b;
	int i;

	for (i = 0; i < ls->n; i++)
		len += ls->len[i];
	b = malloc(len ? len : 1);
	ck_assert_ptr_nonnull(b);
	for (len = 0, i = 0; i < ls->n; i++) {
		memcpy(b + len, ls->l[i], ls->len[i]);
		len += ls->len[i];
	}
	*ret_len = len;
	return b;
}

static void lines_free(struct lines *ls)
{
	int i;

	for (i = 0; i < ls->n; i++)
		free(ls->l[i]);
	ls->n = 0;
}

static void lines_insert(struct lines *ls, int at, char *line, size_t len)
{
	memmove(&ls->l[at + 1], &ls->l[at], (size_t)(ls->n - at) * sizeof(ls->l[0]));
	memmove(&ls->len[at + 1], &ls->len[at], (size_t)(ls->n - at) * sizeof(ls->len[0]));
	ls->l[at] = line;
	ls->len[at] = len;
	ls->n++;
}

static void lines_delete(struct lines *ls, int at)
{
	free(ls->l[at]);
	memmove(&ls->l[at], &ls->l[at + 1], (size_t)(ls->n - at - 1) * sizeof(ls->l[0]));
	memmove(&ls->len[at], &ls->len[at + 1], (size_t)(ls->n - at - 1) * sizeof(ls->len[0]));
	ls->n--;
}

/* Recompute a line's own hash after an edit, as a forger would. */
static void rehash(char *line, size_t len)
{
	uint8_t h[SHA256_DIGEST_SIZE];
	char hex[SHA256_HEX_SIZE];

	sha256_buf(line, len - AUDIT_TAIL_LEN, h);
	sha256_hex(h, hex);
	memcpy(line + len - AUDIT_TAIL_LEN + strlen(",\"hash\":\""), hex, 64);
}

static char *find(char *line, size_t len, const char *what)
{
	char *p = memmem(line, len, what, strlen(what));

	ck_assert_ptr_nonnull(p);
	return p + strlen(what);
}

/* A forged record with a correct hash: seq, prev of line 'after' (1-based; 0: zeros). */
static char *forge(const struct lines *ls, uint64_t seq, int after, size_t *ret_len)
{
	uint8_t prev[SHA256_DIGEST_SIZE] = { 0 };
	char *line = malloc(AUDIT_LINE_MAX);
	int n;

	ck_assert_ptr_nonnull(line);
	if (after)
		sha256_buf(ls->l[after - 1], ls->len[after - 1], prev);
	n = audit_format_line(line, AUDIT_LINE_MAX, seq, prev, T0, "uid=0(mallory)",
			      AUDIT_EV_ISOLATE_LIFT, NULL);
	ck_assert_int_gt(n, 0);
	*ret_len = (size_t)n;
	return line;
}

enum mut {
	M_NONE, M_EDIT_ACTOR, M_EDIT_HASH, M_EDIT_TIME, M_REHASH, M_BAD_TIME_REHASH,
	M_RENUMBER, M_DELETE, M_DELETE_FIRST, M_SWAP, M_DUP, M_INSERT_FORGED,
	M_INSERT_BAD_PREV, M_INSERT_FAR_SEQ, M_TRUNC_LAST, M_DROP_LAST3, M_REWRITE_LAST,
	M_CRLF, M_EMPTY_LINE, M_NUL, M_LONG_LINE, M_LONG_TAIL,
};

enum anch { A_NONE, A_LAST, A_AT40, A_AT40_WRONG };

struct tamper {
	const char *name;
	enum mut m;
	int k;				/* the line (1-based) the mutation is about */
	enum anch anchor;
	enum audit_bad bad;
	uint64_t line, expect, got;	/* expect/got checked when non-zero */
};

static const struct tamper tampers[] = {
	{ "intact", M_NONE, 0, A_LAST, AUDIT_OK, 0, 0, 0 },
	{ "intact, older anchor", M_NONE, 0, A_AT40, AUDIT_OK, 0, 0, 0 },
	{ "anchor hash wrong", M_NONE, 0, A_AT40_WRONG, AUDIT_BAD_ANCHOR_HASH, 40, 0, 40 },
	{ "edit a byte of the actor", M_EDIT_ACTOR, 20, A_NONE, AUDIT_BAD_HASH, 20, 0, 20 },
	{ "edit the hash", M_EDIT_HASH, 20, A_NONE, AUDIT_BAD_HASH, 20, 0, 20 },
	{ "edit the time", M_EDIT_TIME, 33, A_NONE, AUDIT_BAD_HASH, 33, 0, 33 },
	{ "edit and rehash", M_REHASH, 20, A_NONE, AUDIT_BAD_PREV, 21, 21, 21 },
	{ "edit and rehash the first", M_REHASH, 1, A_NONE, AUDIT_BAD_PREV, 2, 2, 2 },
	{ "invalid time, rehashed", M_BAD_TIME_REHASH, 33, A_NONE, AUDIT_BAD_TIME, 33, 0, 33 },
	{ "renumber, rehashed", M_RENUMBER, 12, A_NONE, AUDIT_BAD_SEQ_GAP, 12, 12, 13 },
	{ "delete a middle line", M_DELETE, 25, A_NONE, AUDIT_BAD_SEQ_GAP, 25, 25, 26 },
	{ "delete the first line", M_DELETE_FIRST, 1, A_NONE, AUDIT_BAD_SEQ_GAP, 1, 1, 2 },
	{ "swap two lines", M_SWAP, 30, A_NONE, AUDIT_BAD_SEQ_ORDER, 30, 30, 31 },
	{ "duplicate a line", M_DUP, 5, A_NONE, AUDIT_BAD_SEQ_REPEAT, 6, 6, 5 },
	{ "insert a forged line", M_INSERT_FORGED, 10, A_NONE, AUDIT_BAD_SEQ_REPEAT, 12, 12, 11 },
	{ "insert, wrong prev", M_INSERT_BAD_PREV, 10, A_NONE, AUDIT_BAD_PREV, 11, 11, 11 },
	{ "insert, far seq", M_INSERT_FAR_SEQ, 10, A_NONE, AUDIT_BAD_SEQ_ORDER, 11, 11, 1000 },
	{ "truncate the last line", M_TRUNC_LAST, 50, A_NONE, AUDIT_BAD_TRUNCATED, 50, 0, 0 },
	{ "truncate the last line, anchor", M_TRUNC_LAST, 50, A_LAST, AUDIT_BAD_TRUNCATED, 50,
	  0, 0 },
	{ "drop the last 3 lines", M_DROP_LAST3, 0, A_NONE, AUDIT_OK, 0, 0, 0 },
	{ "drop the last 3 lines, anchor", M_DROP_LAST3, 0, A_LAST, AUDIT_BAD_ANCHOR_SHORT, 48,
	  50, 47 },
	{ "rewrite the last line", M_REWRITE_LAST, 50, A_NONE, AUDIT_OK, 0, 0, 0 },
	{ "rewrite the last line, anchor", M_REWRITE_LAST, 50, A_LAST, AUDIT_BAD_ANCHOR_HASH, 50,
	  0, 50 },
	{ "CRLF", M_CRLF, 7, A_NONE, AUDIT_BAD_SYNTAX, 7, 0, 0 },
	{ "empty line", M_EMPTY_LINE, 8, A_NONE, AUDIT_BAD_SYNTAX, 8, 0, 0 },
	{ "NUL byte", M_NUL, 9, A_NONE, AUDIT_BAD_SYNTAX, 9, 0, 0 },
	{ "long line", M_LONG_LINE, 51, A_NONE, AUDIT_BAD_TOO_LONG, 51, 0, 0 },
	{ "long tail", M_LONG_TAIL, 51, A_NONE, AUDIT_BAD_TOO_LONG, 51, 0, 0 },
};

static void crlf(struct lines *ls, int k)
{
	char *x = malloc(ls->len[k] + 1);

	ck_assert_ptr_nonnull(x);
	memcpy(x, ls->l[k], ls->len[k] - 1);
	memcpy(x + ls->len[k] - 1, "\r\n", 2);
	free(ls->l[k]);
	ls->l[k] = x;
	ls->len[k]++;
}

/* A line of AUDIT_LINE_MAX + 3000 bytes at the end, with or without its '\n'. */
static void append_long(struct lines *ls, bool newline)
{
	size_t len = AUDIT_LINE_MAX + 3000;
	char *x = malloc(len);

	ck_assert_ptr_nonnull(x);
	memset(x, '{', len);
	if (newline)
		x[len - 1] = '\n';
	lines_insert(ls, ls->n, x, len);
}

static void mutate(struct lines *ls, const struct tamper *t)
{
	int k = t->k - 1;
	size_t len;
	char *p, *x;

	switch (t->m) {
	case M_NONE:
	case M_DROP_LAST3:
		if (t->m == M_DROP_LAST3)
			for (k = 0; k < 3; k++)
				lines_delete(ls, ls->n - 1);
		break;
	case M_EDIT_ACTOR:
		find(ls->l[k], ls->len[k], "\"actor\":\"uid=")[0] ^= 1;
		break;
	case M_EDIT_HASH:
		ls->l[k][ls->len[k] - 4] ^= 1;		/* last hex digit: 0<->1, a<->` ... */
		if (ls->l[k][ls->len[k] - 4] == '`')
			ls->l[k][ls->len[k] - 4] = 'b';
		break;
	case M_EDIT_TIME:
	case M_BAD_TIME_REHASH:
		p = find(ls->l[k], ls->len[k], "\"time\":\"");
		memcpy(p + 5, t->m == M_EDIT_TIME ? "02" : "13", 2);
		if (t->m == M_BAD_TIME_REHASH)
			rehash(ls->l[k], ls->len[k]);
		break;
	case M_REHASH:
		find(ls->l[k], ls->len[k], "\"actor\":\"uid=")[0] ^= 1;
		rehash(ls->l[k], ls->len[k]);
		break;
	case M_RENUMBER:
		memcpy(find(ls->l[k], ls->len[k], "{\"seq\":"), "13", 2);
		rehash(ls->l[k], ls->len[k]);
		break;
	case M_DELETE:
	case M_DELETE_FIRST:
		lines_delete(ls, k);
		break;
	case M_SWAP:
		x = ls->l[k], ls->l[k] = ls->l[k + 1], ls->l[k + 1] = x;
		len = ls->len[k], ls->len[k] = ls->len[k + 1], ls->len[k + 1] = len;
		break;
	case M_DUP:
		lines_insert(ls, k + 1, dup_exact(ls->l[k], ls->len[k]), ls->len[k]);
		break;
	case M_INSERT_FORGED:
	case M_INSERT_BAD_PREV:
	case M_INSERT_FAR_SEQ:
		x = forge(ls, t->m == M_INSERT_FAR_SEQ ? 1000 : (uint64_t)t->k + 1,
			  t->m == M_INSERT_BAD_PREV ? 0 : t->k, &len);
		lines_insert(ls, t->k, x, len);
		break;
	case M_TRUNC_LAST:
		ls->len[k] /= 2;
		break;
	case M_REWRITE_LAST:
		find(ls->l[k], ls->len[k], "\"actor\":\"uid=")[0] ^= 1;
		rehash(ls->l[k], ls->len[k]);
		break;
	case M_CRLF:
		crlf(ls, k);
		break;
	case M_EMPTY_LINE:
		lines_insert(ls, k, dup_exact("\n", 1), 1);
		break;
	case M_NUL:
		find(ls->l[k], ls->len[k], "\"actor\":\"uid=")[0] = '\0';
		break;
	case M_LONG_LINE:
	case M_LONG_TAIL:
		append_long(ls, t->m == M_LONG_LINE);
		break;
	}
}

static void tamper_anchor(const struct tamper *t, struct audit_anchor *an)
{
	struct audit_report rep;
	size_t len;
	char *b;

	if (t->anchor == A_LAST) {
		ck_assert_int_eq(audit_anchor_read(tpath("anchor"), an), 0);
		return;
	}
	/* The state after record 40: verify a copy cut after its line. */
	b = slurp(tpath("trail"), &len);
	len = (size_t)((char *)memmem(b, len, "{\"seq\":41,", 10) - b);
	ck_assert_int_eq(verify_copy(b, len, NULL, &rep), 0);
	*an = rep.last;
	ck_assert_uint_eq(an->seq, 40);
	if (t->anchor == A_AT40_WRONG)
		an->hash[7] ^= 0x10;
	free(b);
}

START_TEST(test_tamper)
{
	const struct tamper *t = &tampers[_i];
	struct audit_report rep, rep2;
	struct audit_anchor an;
	struct lines ls;
	size_t len;
	char *b;
	int want = t->bad == AUDIT_OK ? 0 : -EBADMSG;

	make_trail(TRAIL_N);
	if (t->anchor != A_NONE)
		tamper_anchor(t, &an);
	lines_load(&ls);
	ck_assert_int_eq(ls.n, TRAIL_N);
	mutate(&ls, t);
	b = lines_join(&ls, &len);
	spill(tpath("tampered"), b, len);

	ck_assert_msg(verify_copy(b, len, t->anchor ? &an : NULL, &rep) == want,
		      "%s: got %s at line %llu", t->name, audit_bad_str(rep.bad),
		      (unsigned long long)rep.line);
	ck_assert_msg(rep.bad == t->bad, "%s: got %s", t->name, audit_bad_str(rep.bad));
	ck_assert_uint_eq(rep.line, t->line);
	if (t->expect)
		ck_assert_uint_eq(rep.expect_seq, t->expect);
	if (t->got)
		ck_assert_uint_eq(rep.got_seq, t->got);
	if (t->m == M_DROP_LAST3)
		ck_assert_uint_eq(rep.last.seq, TRAIL_N - 3);
	if (t->anchor == A_AT40 && t->bad == AUDIT_OK)
		ck_assert_uint_eq(rep.after_anchor, 10);
	/* The file verifier agrees, byte for byte of the report. */
	ck_assert_int_eq(audit_verify(tpath("tampered"), t->anchor ? &an : NULL, &rep2), want);
	ck_assert_mem_eq(&rep, &rep2, sizeof(rep));
	free(b);
	lines_free(&ls);
}
END_TEST

/* Every prefix of a short trail: complete prefixes verify, others are TRUNCATED. */
START_TEST(test_every_prefix)
{
	struct audit_report rep;
	size_t len, cut, nls = 0;
	char *b;

	make_trail(4);
	b = slurp(tpath("trail"), &len);
	for (cut = 0; cut <= len; cut++) {
		if (cut && b[cut - 1] == '\n')
			nls++;
		if (cut == 0 || b[cut - 1] == '\n') {
			ck_assert_int_eq(verify_copy(b, cut, NULL, &rep), 0);
			ck_assert_uint_eq(rep.last.seq, nls);
		} else {
			ck_assert_int_eq(verify_copy(b, cut, NULL, &rep), -EBADMSG);
			ck_assert_int_eq(rep.bad, AUDIT_BAD_TRUNCATED);
			ck_assert_uint_eq(rep.line, nls + 1);
		}
	}
	free(b);
}
END_TEST

/* The file verifier reads in chunks: lines across chunk borders and over-long lines. */
START_TEST(test_verify_fd_chunks)
{
	struct audit_report rep, rep2;
	struct audit_fields f;
	struct audit a;
	char *big = malloc(7000), *b;
	size_t len;
	int i;

	ck_assert_ptr_nonnull(big);
	memset(big, 'x', 7000);
	ck_assert_int_eq(audit_open(&a, tpath("trail"), NULL), 0);
	for (i = 0; i < 40; i++) {	/* ~280 KB: several 64 KiB reads */
		audit_fields_init(&f);
		audit_field_strn(&f, "blob", big, (size_t)(i * 997) % 7000);
		ck_assert_int_eq(audit_append(&a, T0 + i, "op", "e", &f), 0);
	}
	audit_close(&a);
	b = slurp(tpath("trail"), &len);
	ck_assert_int_eq(audit_verify(tpath("trail"), NULL, &rep), 0);
	ck_assert_uint_eq(rep.lines, 40);
	ck_assert_int_eq(verify_copy(b, len, NULL, &rep2), 0);
	ck_assert_mem_eq(&rep, &rep2, sizeof(rep));
	/* Break line 20 into one over-long line by dropping a '\n'. */
	*((char *)memmem(b, len, "{\"seq\":21,", 10) - 1) = ' ';
	spill(tpath("tampered"), b, len);
	ck_assert_int_eq(audit_verify(tpath("tampered"), NULL, &rep), -EBADMSG);
	ck_assert_int_eq(verify_copy(b, len, NULL, &rep2), -EBADMSG);
	ck_assert_mem_eq(&rep, &rep2, sizeof(rep));
	ck_assert_uint_eq(rep.lines, 39);
	ck_assert_uint_eq(rep.line, 20);
	free(b);
	free(big);
}
END_TEST

/* ---- reopen, refusals, failures --------------------------------------------------------- */

START_TEST(test_reopen_continues)
{
	struct audit_anchor an;
	struct audit_line l;
	struct audit_report rep;
	struct audit a;
	uint8_t h[SHA256_DIGEST_SIZE];
	char *b, *l6;
	size_t len;

	make_trail(5);
	ck_assert_int_eq(audit_open(&a, tpath("trail"), tpath("anchor")), 0);
	audit_last(&a, &an);
	ck_assert_uint_eq(an.seq, 5);
	append_records(&a, 6, 10);
	audit_close(&a);
	ck_trail_ok(10);

	b = slurp(tpath("trail"), &len);
	l6 = memmem(b, len, "{\"seq\":6,", 9);
	ck_assert_ptr_nonnull(l6);
	sha256_buf(memmem(b, len, "{\"seq\":5,", 9), (size_t)(l6 - (char *)memmem(b, len,
			   "{\"seq\":5,", 9)), h);
	ck_assert_int_eq(audit_line_parse(l6, (size_t)((char *)memchr(l6, '\n', 9000) - l6), &l),
			 0);
	ck_assert_mem_eq(l.prev, h, sizeof(h));
	ck_assert_int_eq(verify_copy(b, len, NULL, &rep), 0);
	free(b);

	/* Without an anchor path, too. */
	ck_assert_int_eq(audit_open(&a, tpath("trail"), NULL), 0);
	append_records(&a, 11, 11);
	audit_close(&a);
	ck_assert_int_eq(audit_verify(tpath("trail"), NULL, &rep), 0);
	ck_assert_uint_eq(rep.last.seq, 11);
}
END_TEST

START_TEST(test_open_refuses)
{
	struct audit_report rep;
	struct audit a, a2;
	size_t len;
	char *b;
	int fd;

	make_trail(10);
	b = slurp(tpath("trail"), &len);

	/* A second writer. */
	ck_assert_int_eq(audit_open(&a, tpath("trail"), tpath("anchor")), 0);
	ck_assert_int_eq(audit_open(&a2, tpath("trail"), NULL), -EBUSY);
	audit_close(&a2);		/* a no-op after a failed open */
	audit_close(&a);
	audit_close(NULL);

	/* A torn last line, and a last line that is not a record. */
	spill(tpath("trail"), b, len - 1);
	ck_assert_int_eq(audit_open(&a, tpath("trail"), NULL), -EBADMSG);
	b[len - 5] ^= 1;
	spill(tpath("trail"), b, len);
	ck_assert_int_eq(audit_open(&a, tpath("trail"), NULL), -EBADMSG);
	b[len - 5] ^= 1;
	spill(tpath("trail"), "\n", 1);
	ck_assert_int_eq(audit_open(&a, tpath("trail"), NULL), -EBADMSG);

	/* Trailing records removed behind the anchor's back. */
	spill(tpath("trail"), b, (size_t)((char *)memmem(b, len, "{\"seq\":8,", 9) - b));
	ck_assert_int_eq(audit_open(&a, tpath("trail"), tpath("anchor")), -EBADMSG);
	ck_assert_int_eq(audit_open(&a, tpath("trail"), NULL), 0);	/* undetectable alone */
	audit_close(&a);
	/* An emptied trail. */
	spill(tpath("trail"), b, 0);
	ck_assert_int_eq(audit_open(&a, tpath("trail"), tpath("anchor")), -EBADMSG);

	/* The anchor one record behind (a crash between the two writes) is accepted, and the
	 * next append brings it up to date. */
	spill(tpath("trail"), b, (size_t)((char *)memmem(b, len, "{\"seq\":10,", 10) - b));
	ck_assert_int_eq(audit_verify(tpath("trail"), NULL, &rep), 0);
	ck_assert_uint_eq(rep.last.seq, 9);
	ck_assert_int_eq(audit_anchor_write(tpath("anchor"), &rep.last), 0);
	spill(tpath("trail"), b, len);
	ck_assert_int_eq(audit_open(&a, tpath("trail"), tpath("anchor")), 0);
	append_records(&a, 11, 11);
	audit_close(&a);
	ck_trail_ok(11);

	/* A missing anchor counts as seq 0: fine for one record, not for eleven. */
	ck_assert_int_eq(unlink(tpath("anchor")), 0);
	ck_assert_int_eq(audit_open(&a, tpath("trail"), tpath("anchor")), -EBADMSG);
	spill(tpath("trail"), b, (size_t)((char *)memmem(b, len, "{\"seq\":2,", 9) - b));
	ck_assert_int_eq(audit_open(&a, tpath("trail"), tpath("anchor")), 0);
	append_records(&a, 2, 2);
	audit_close(&a);
	ck_trail_ok(2);
	/* A malformed anchor. */
	spill(tpath("anchor"), "{\"seq\":2}\n", 10);
	ck_assert_int_eq(audit_open(&a, tpath("trail"), tpath("anchor")), -EBADMSG);

	/* audit_open_fd wants O_RDWR|O_APPEND on a regular file. */
	fd = open(tpath("trail"), O_WRONLY | O_APPEND | O_CLOEXEC);
	ck_assert_int_eq(audit_open_fd(&a, fd, NULL), -EINVAL);
	close(fd);
	fd = open(tpath("trail"), O_RDWR | O_CLOEXEC);
	ck_assert_int_eq(audit_open_fd(&a, fd, NULL), -EINVAL);
	close(fd);
	fd = open(tmpdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_eq(audit_open_fd(&a, fd, NULL), -EINVAL);
	close(fd);
	ck_assert_int_eq(audit_open(&a, tmpdir, NULL), -EISDIR);
	free(b);
}
END_TEST

/* RLIMIT_FSIZE makes the kernel write only part of a line, then EFBIG: the part is cut off
 * again, the trail stays valid, and the next append continues the chain. */
START_TEST(test_short_write)
{
	struct rlimit old, lim;
	struct audit_report rep;
	void (*old_xfsz)(int);
	struct audit a;
	off_t size;
	int r;

	make_trail(3);
	ck_assert_int_eq(audit_open(&a, tpath("trail"), tpath("anchor")), 0);
	size = fsize(tpath("trail"));
	ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
	old_xfsz = signal(SIGXFSZ, SIG_IGN);
	lim = old;
	lim.rlim_cur = (rlim_t)size + 50;
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
	r = audit_append(&a, T0, "op", AUDIT_EV_CONFIG_APPLY, NULL);
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, old_xfsz);
	ck_assert_int_eq(r, -EFBIG);
	ck_assert_int_eq(fsize(tpath("trail")), size);
	ck_assert_int_eq(audit_append(&a, T0, "op", AUDIT_EV_CONFIG_APPLY, NULL), 0);
	audit_close(&a);
	ck_trail_ok(4);
	ck_assert_int_eq(audit_verify(tpath("trail"), NULL, &rep), 0);
}
END_TEST

/* The anchor cannot be written: the record that got into the trail is reported as failed,
 * the next append writes nothing while the anchor still fails, and all recovers after. */
START_TEST(test_anchor_failure)
{
	struct audit_report rep;
	struct audit_anchor an;
	const char *dir = tpath("state"), *anchor = tpath("state/anchor");
	struct audit a;

	ck_assert_int_eq(audit_open(&a, tpath("trail"), anchor), 0);
	ck_assert_int_eq(audit_append(&a, T0, "op", "e", NULL), -ENOENT);
	ck_assert_int_eq(audit_append(&a, T0, "op", "e", NULL), -ENOENT);
	ck_assert_int_eq(audit_verify(tpath("trail"), NULL, &rep), 0);
	ck_assert_uint_eq(rep.lines, 1);
	ck_assert_int_eq(mkdir(dir, 0750), 0);
	ck_assert_int_eq(audit_append(&a, T0, "op", "e", NULL), 0);
	audit_close(&a);
	ck_assert_int_eq(audit_anchor_read(anchor, &an), 0);
	ck_assert_int_eq(audit_verify(tpath("trail"), &an, &rep), 0);
	ck_assert_uint_eq(rep.lines, 2);
	ck_assert_uint_eq(an.seq, 2);
	ck_assert_int_eq(access(tpath("state/anchor.tmp"), F_OK), -1);
}
END_TEST

START_TEST(test_anchor_parse)
{
	static const char *const bad[] = {
		"", "{\"seq\":1,\"hash\":\"00\"}\n", "{\"seq\":01,\"hash\":\"@\"}\n",
		"{\"seq\":1,\"hash\":\"@\"}", "{\"seq\":1,\"hash\":\"@\"}\n\n",
		"{\"seq\":1, \"hash\":\"@\"}\n", "{\"seq\":-1,\"hash\":\"@\"}\n",
		"{\"seq\":18446744073709551616,\"hash\":\"@\"}\n",
		"{\"seq\":0,\"hash\":\"@\"}\n",	/* seq 0 needs a zero hash */
	};
	struct audit_anchor an = { UINT64_MAX, { 0xab, 1, 2, 3 } }, back;
	char buf[AUDIT_ANCHOR_LEN_MAX + 1], hex[SHA256_HEX_SIZE], text[256], *b;
	size_t i;
	int n;

	n = audit_anchor_format(&an, buf, sizeof(buf));
	ck_assert_int_eq(n, (int)AUDIT_ANCHOR_LEN_MAX);
	ck_assert_int_eq(audit_anchor_format(&an, text, (size_t)n), -EMSGSIZE);
	b = dup_exact(buf, (size_t)n);
	ck_assert_int_eq(audit_anchor_parse(b, (size_t)n, &back), 0);
	ck_assert_mem_eq(&back, &an, sizeof(an));
	free(b);
	sha256_hex(an.hash, hex);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		const char *at = strchr(bad[i], '@');	/* '@' stands for the 64 hex digits */

		if (at)
			snprintf(text, sizeof(text), "%.*s%s%s", (int)(at - bad[i]), bad[i], hex,
				 at + 1);
		else
			snprintf(text, sizeof(text), "%s", bad[i]);
		b = dup_exact(text, strlen(text));
		ck_assert_int_eq(audit_anchor_parse(b, strlen(text), &back), -EBADMSG);
		free(b);
	}
	ck_assert_int_eq(audit_anchor_read(tpath("none"), &back), -ENOENT);
}
END_TEST

START_TEST(test_failure_policy)
{
	enum audit_fail_mode m = AUDIT_FAIL_MODE_MAX;

	ck_assert_int_eq(audit_fail_mode_parse("block-crosszone", &m), 0);
	ck_assert_int_eq(m, AUDIT_FAIL_BLOCK);
	ck_assert_int_eq(audit_fail_mode_parse("alert-only", &m), 0);
	ck_assert_int_eq(m, AUDIT_FAIL_ALERT);
	ck_assert_int_eq(audit_fail_mode_parse("ignore", &m), -EINVAL);
	ck_assert(!audit_must_refuse(0, AUDIT_CLASS_CHANGE, AUDIT_FAIL_ALERT));
	ck_assert(audit_must_refuse(-EIO, AUDIT_CLASS_CHANGE, AUDIT_FAIL_ALERT));
	ck_assert(audit_must_refuse(-EIO, AUDIT_CLASS_CHANGE, AUDIT_FAIL_BLOCK));
	ck_assert(audit_must_refuse(-ENOSPC, AUDIT_CLASS_TRAFFIC, AUDIT_FAIL_BLOCK));
	ck_assert(!audit_must_refuse(-ENOSPC, AUDIT_CLASS_TRAFFIC, AUDIT_FAIL_ALERT));
	ck_assert(!audit_must_refuse(0, AUDIT_CLASS_TRAFFIC, AUDIT_FAIL_BLOCK));
	ck_assert(audit_must_refuse(-EIO, AUDIT_CLASS_MAX, AUDIT_FAIL_ALERT));
}
END_TEST

Suite *suite_audit(void)
{
	Suite *s = suite_create("audit");
	TCase *tc = tcase_create("format");
	TCase *tf = tcase_create("trail");

	tcase_add_loop_test(tc, test_time_table, 0, ARRAY_SIZE(time_cases));
	tcase_add_test(tc, test_time_range);
	tcase_add_test(tc, test_registry);
	tcase_add_test(tc, test_time_gmtime);
	tcase_add_loop_test(tc, test_time_rejects, 0, ARRAY_SIZE(bad_times));
	tcase_add_loop_test(tc, test_escape, 0, ARRAY_SIZE(esc_cases));
	tcase_add_loop_test(tc, test_unescape_rejects, 0, ARRAY_SIZE(bad_bodies));
	tcase_add_test(tc, test_golden_record);
	tcase_add_test(tc, test_fields_refused);
	tcase_add_test(tc, test_record_refused);
	tcase_add_test(tc, test_failure_policy);
	suite_add_tcase(s, tc);

	tcase_add_checked_fixture(tf, tmp_setup, tmp_teardown);
	tcase_set_timeout(tf, 30);
	tcase_add_test(tf, test_line_limit);
	tcase_add_test(tf, test_hostile_strings);
	tcase_add_test(tf, test_trail_ok);
	tcase_add_loop_test(tf, test_tamper, 0, ARRAY_SIZE(tampers));
	tcase_add_test(tf, test_every_prefix);
	tcase_add_test(tf, test_verify_fd_chunks);
	tcase_add_test(tf, test_reopen_continues);
	tcase_add_test(tf, test_open_refuses);
	tcase_add_test(tf, test_short_write);
	tcase_add_test(tf, test_anchor_failure);
	tcase_add_test(tf, test_anchor_parse);
	suite_add_tcase(s, tf);
	return s;
}
