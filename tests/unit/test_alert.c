/* SPDX-License-Identifier: GPL-2.0-only */
/* test_alert.c: the alert registry and its renderings (alertfmt.h): RFC 5424 with
 * structured data (the escaping of '"', '\' and ']' in SD-PARAM values, control bytes),
 * the JSON of the alert command, the collector URLs, and the policy's alerts section with
 * its file:line:column errors. */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "alertfmt.h"
#include "conf.h"
#include "diag.h"
#include "policy.h"

Suite *suite_alert(void);

static char *render(int (*fn)(FILE *, const struct alert_msg *), const struct alert_msg *m)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fn(f, m), 0);
	fclose(f);
	return buf;
}

START_TEST(test_registry)
{
	const char *need[] = { "table.removed", "scan.detected", "ruleset.drift",
			       "change.not_ratified", "audit.failing", "flowlog.failing",
			       "engine.overload", "queue.drops", "exception.expiring",
			       "ismap.expiring", "clock.unsync", "ha.state", "alert.test" };
	const struct alert_event *ev;
	size_t i;
	int j, k;

	for (i = 0; i < sizeof(need) / sizeof(need[0]); i++)
		ck_assert_msg(alertfmt_event(need[i]), "%s is not an event", need[i]);
	ck_assert_ptr_null(alertfmt_event("table.restore"));
	ck_assert_ptr_null(alertfmt_event(NULL));
	for (j = 0; (ev = alertfmt_event_at(j)); j++) {
		/* a MSGID: 1-32 printable US-ASCII (RFC 5424 6.2.7), and unique */
		ck_assert(strlen(ev->name) >= 1 && strlen(ev->name) <= 32);
		ck_assert(strspn(ev->name, "abcdefghijklmnopqrstuvwxyz._") == strlen(ev->name));
		ck_assert(ev->sev >= ALERT_EMERG && ev->sev <= ALERT_DEBUG);
		for (k = 0; k < j; k++)
			ck_assert_str_ne(alertfmt_event_at(k)->name, ev->name);
	}
	ck_assert_int_gt(j, 15);
	ck_assert_str_eq(alertfmt_sev_name(ALERT_ALERT), "alert");
}
END_TEST

START_TEST(test_sd_escape)
{
	char out[64];

	ck_assert_int_eq(alertfmt_sd_escape("a\"b\\c]d", out, sizeof(out)), 10);
	ck_assert_str_eq(out, "a\\\"b\\\\c\\]d");
	ck_assert_int_eq(alertfmt_sd_escape("x\ny\tz", out, sizeof(out)), 5);
	ck_assert_str_eq(out, "x y z");
	ck_assert_int_eq(alertfmt_sd_escape("[=']", out, sizeof(out)), 5);
	ck_assert_str_eq(out, "[='\\]");
	ck_assert_int_eq(alertfmt_sd_escape("日本", out, sizeof(out)), 6);	/* UTF-8 passes */
	/* cut: never half an escape */
	ck_assert_int_eq(alertfmt_sd_escape("ab]", out, 4), -ENOSPC);
	ck_assert_str_eq(out, "ab");
	ck_assert_int_eq(alertfmt_sd_escape("", out, 1), 0);
}
END_TEST

START_TEST(test_rfc5424)
{
	struct alert_msg m = {
		.ev = alertfmt_event("table.removed"),
		.text = "removed by \"nft\" [pid 7] \\ back\nnow",
		.timestamp = "2026-12-05T23:07:03.123456+09:00",
		.host = "gw1", .pid = 42, .seq = 3, .suppressed = 2,
	};
	const char *want = "<133>1 2026-12-05T23:07:03.123456+09:00 - sansod 42 alert.test [";
	char *s = render(alertfmt_rfc5424, &m);

	/* local0 (16) * 8 + alert (1) = 129 */
	ck_assert_str_eq(s, "<129>1 2026-12-05T23:07:03.123456+09:00 gw1 sansod 42 table.removed "
			 "[sanso@32473 event=\"table.removed\" severity=\"alert\" seq=\"3\" "
			 "suppressed=\"2\" msg=\"removed by \\\"nft\\\" [pid 7\\] \\\\ back now\"] "
			 "\xEF\xBB\xBFremoved by \"nft\" [pid 7] \\ back now");
	free(s);
	m.host = "";
	m.ev = alertfmt_event("alert.test");
	s = render(alertfmt_rfc5424, &m);
	ck_assert_msg(!strncmp(s, want, strlen(want)), "%s", s);
	free(s);
}
END_TEST

START_TEST(test_json)
{
	struct alert_msg m = {
		.ev = alertfmt_event("scan.detected"), .text = "from \"1.2.3.4\"\n",
		.timestamp = "2026-12-05T23:07:03.000001+09:00", .host = "gw1", .pid = 1, .seq = 9,
	};
	char *s = render(alertfmt_json, &m);

	ck_assert(strstr(s, "\"event\": \"scan.detected\", \"severity\": \"warning\", \"priority\": 4"));
	ck_assert(strstr(s, "\"message\": \"from \\\"1.2.3.4\\\"\\u000a\""));
	ck_assert(strstr(s, "\"seq\": 9, \"suppressed\": 0}\n"));
	ck_assert_int_eq(strchr(s, '\n') - s, (long)strlen(s) - 1);	/* one line */
	free(s);
}
END_TEST

static const struct {
	const char *in, *canon;		/* canon NULL: refused */
	const char *why;		/* a word of the reason */
} urls[] = {
	{ "udp://10.20.0.60:514", "udp://10.20.0.60:514", NULL },
	{ "udp://10.20.0.60", "udp://10.20.0.60:514", NULL },
	{ "tcp://10.20.0.60:6514", "tcp://10.20.0.60:6514", NULL },
	{ "tcp://[2001:db8::60]:6514", "tcp://[2001:db8::60]:6514", NULL },
	{ "udp://[2001:DB8:0::60]", "udp://[2001:db8::60]:514", NULL },
	{ "udp://10.20.0.60:0", NULL, "port" },
	{ "udp://10.20.0.60:65536", NULL, "port" },
	{ "udp://10.20.0.60:", NULL, "port" },
	{ "udp://10.20.0.60:51x", NULL, "port" },
	{ "udp://10.20.0.60:+51", NULL, "port" },
	{ "udp://syslog.example", NULL, "literal" },
	{ "udp://10.20.0.256", NULL, "literal" },
	{ "udp://", NULL, "literal" },
	{ "tcp://[2001:db8::60", NULL, "literal" },
	{ "tcp://2001:db8::60", NULL, "literal" },
	{ "syslog://10.0.0.1", NULL, "udp://ADDRESS" },
	{ "UDP://10.0.0.1", NULL, "udp://ADDRESS" },
	{ "", NULL, "udp://ADDRESS" },
};

START_TEST(test_url)
{
	struct alert_url u;
	const char *why = NULL;
	int r = alertfmt_url_parse(urls[_i].in, &u, &why);

	if (urls[_i].canon) {
		ck_assert_int_eq(r, 0);
		ck_assert_ptr_null(why);
		ck_assert_str_eq(u.text, urls[_i].canon);
	} else {
		ck_assert_int_eq(r, -EINVAL);
		ck_assert_ptr_nonnull(why);
		ck_assert_msg(strstr(why, urls[_i].why), "%s: %s", urls[_i].in, why);
	}
}
END_TEST

START_TEST(test_url_fields)
{
	struct alert_url u;
	const char *why;
	uint8_t a[4];

	ck_assert_int_eq(alertfmt_url_parse("tcp://192.0.2.7:601", &u, &why), 0);
	ck_assert_int_eq(u.proto, ALERT_TCP);
	ck_assert_int_eq(u.family, AF_INET);
	ck_assert_int_eq(u.port, 601);
	inet_pton(AF_INET, "192.0.2.7", a);
	ck_assert(!memcmp(u.addr, a, 4));
}
END_TEST

#define POLICY_HEAD								\
	"policy: { organisation = \"t\"; model = \"three-tier\"; };\n"		\
	"zones: { mynumber: { interfaces = [\"mn0\"]; networks = [\"10.10.0.0/24\"]; }; "	\
	"lgwan: { interfaces = [\"lg0\"]; networks = [\"10.20.0.0/24\"]; }; "		\
	"internet: { interfaces = [\"in0\"]; networks = [\"any\"]; }; };\n"

START_TEST(test_conf_alerts)
{
	const char *text = POLICY_HEAD "alerts: {\n  syslog = [\"udp://10.20.0.60:514\", "
		"\"tcp://10.20.0.61\"];\n  command = \"/usr/lib/sanso/notify-mail\";\n"
		"  command_timeout = 20;\n};\n";
	struct policy *p = NULL;
	struct diag d;

	diag_init(&d);
	ck_assert_int_eq(conf_load_string("t.conf", text, &p, &d), 0);
	ck_assert(p->alerts.present);
	ck_assert_int_eq(p->alerts.n_syslog, 2);
	ck_assert_str_eq(p->alerts.syslog[1], "tcp://10.20.0.61");
	ck_assert_str_eq(p->alerts.command, "/usr/lib/sanso/notify-mail");
	ck_assert_int_eq(p->alerts.command_timeout, 20);
	policy_free(p);
	diag_fini(&d);
}
END_TEST

/* file:line:column: the column of the key whose value is wrong */
START_TEST(test_conf_alerts_column)
{
	const char *text = POLICY_HEAD "alerts: {\n    syslog = [\"udp://gw.example\"];\n};\n";
	struct policy *p = NULL;
	struct diag d;

	diag_init(&d);
	ck_assert_int_eq(conf_load_string("t.conf", text, &p, &d), -EINVAL);
	ck_assert_int_eq(d.n, 1);
	ck_assert_int_eq(d.v[0].line, 4);
	ck_assert_int_eq(d.v[0].col, 5);
	ck_assert(strstr(d.v[0].msg, "alerts: syslog: 'udp://gw.example' is not a collector"));
	diag_fini(&d);
}
END_TEST

Suite *suite_alert(void)
{
	Suite *s = suite_create("alert");
	TCase *tc = tcase_create("alertfmt");

	tcase_add_test(tc, test_registry);
	tcase_add_test(tc, test_sd_escape);
	tcase_add_test(tc, test_rfc5424);
	tcase_add_test(tc, test_json);
	tcase_add_loop_test(tc, test_url, 0, (int)(sizeof(urls) / sizeof(urls[0])));
	tcase_add_test(tc, test_url_fields);
	tcase_add_test(tc, test_conf_alerts);
	tcase_add_test(tc, test_conf_alerts_column);
	suite_add_tcase(s, tc);
	return s;
}
