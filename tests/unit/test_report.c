/* SPDX-License-Identifier: GPL-2.0-only */
/* test_report.c: the auditor's report renderer (report.c, report_svg.c, report_check.c): one
 * row per flow, exception and service of a small policy; markup in a purpose, a reason, an
 * organisation or a ledger entry stays text (an attacker writes them); the diagram's nodes,
 * edges and forbidden pair; the self-inspection grades follow the facts; both languages. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "report.h"
#include "reportd.h"
#include "sansod.h"

#define NOW 1790000000		/* 2026-09-21T14:13:20Z */

static const char *conf =
	"policy: { organisation = \"<b>Town</b> & co\"; document = \"Policy 1\"; model = \"three-tier\";"
	"  classification = \"機密性2\"; };\n"
	"zones: { mynumber: { interfaces = [\"mn0\"]; networks = [\"10.10.0.0/24\"]; };\n"
	"  lgwan: { interfaces = [\"lg0\"]; networks = [\"10.20.0.0/24\"]; };\n"
	"  internet: { interfaces = [\"in0\"]; networks = [\"any\"]; };\n"
	"  dmz: { name = \"電子申請DMZ\"; interfaces = [\"dz0\"]; networks = [\"10.40.0.0/24\"]; }; };\n"
	"hosts: ( { name = \"admin\"; zone = \"lgwan\"; ipv4 = \"10.20.0.10\"; },\n"
	"  { name = \"mail-lg\"; zone = \"lgwan\"; ipv4 = \"10.20.0.25\"; },\n"
	"  { name = \"mail-conv\"; zone = \"internet\"; ipv4 = \"10.30.0.25\"; },\n"
	"  { name = \"eapply\"; zone = \"dmz\"; ipv4 = \"10.40.0.10\"; } );\n"
	"groups: ( { name = \"terms\"; members = [\"10.20.0.128/25\"]; } );\n"
	"flows: ( { name = \"mail\"; class = \"sanitised-relay\"; method = \"mail-text\";\n"
	"    from = \"mail-conv\"; to = \"mail-lg\"; proto = \"tcp\"; ports = [25];\n"
	"    approval = \"AP-1\"; purpose = \"<script>alert(\\\"x\\\")</script> & 'q'\"; },\n"
	"  { name = \"log\"; class = \"peer\"; from = \"admin\"; to = \"eapply\"; proto = \"udp\";\n"
	"    ports = [514]; approval = \"AP-2\"; purpose = \"logs\"; } );\n"
	"exceptions: ( { id = \"EX-1\"; from = \"admin\"; to = \"eapply\"; proto = \"tcp\";\n"
	"    ports = [22]; reason = \"\\\"><img src=x onerror=alert(1)>\"; requested_by = \"a\";\n"
	"    approved_by = \"b\"; expires = \"2026-09-30T00:00:00+09:00\"; } );\n"
	"breakout: { from = [\"terms\"]; resolvers = [\"10.20.0.53\"]; upstreams = [\"10.30.0.53\"];\n"
	"  services: ( { name = \"Far\"; type = \"cloud\"; ismap = \"C1\"; ismap_valid_until = \"2099-03-31\";\n"
	"      fqdns = [\"far.example.jp\"]; ports = [443]; approval = \"AP-3\"; },\n"
	"    { name = \"Near\"; type = \"cloud\"; ismap = \"C2\"; ismap_valid_until = \"2026-10-01\";\n"
	"      fqdns = [\"near.example.jp\"]; ports = [443]; approval = \"AP-4\"; } ); };\n";

static struct policy *load(void)
{
	struct policy *p = NULL;
	struct diag d;

	diag_init(&d);
	if (conf_load_string("t.conf", conf, &p, &d) == 0 && policy_validate(p, NOW, &d) < 0) {
		policy_free(p);
		p = NULL;
	}
	if (!p)
		diag_print(&d, stderr, 0);
	diag_fini(&d);
	ck_assert_ptr_nonnull(p);
	return p;
}

static void facts(struct report_facts *f, const struct policy *p, bool ja)
{
	static const struct report_version v[] = {
		{ .version = 1, .kind = "adopted", .by = "uid=0(root)", .at = NOW - 60,
		  .reason = "first <start>" },
	};
	static const struct report_exc ledger[] = {
		{ .id = "EX-<i>", .from = "admin", .to = "eapply", .proto = "tcp", .ports = "22",
		  .reason = "<svg onload=alert(1)>", .requested_by = "a", .approved_by = "-",
		  .expires = "2026-09-29T00:00:00+09:00", .revoked = true },
	};
	static const struct report_hit hits[] = { { "Far", 7 } };

	memset(f, 0, sizeof(*f));
	f->ja = ja;
	f->now = NOW;
	f->p = p;
	f->sanso_version = "0.9.0 (build test)";
	f->libs = "libnftnl 1";
	f->actor = "uid=0(root)";
	f->generation = 3;
	f->config_sha256 = "00";
	f->clock = REPORT_GOOD;
	f->store_on = true;
	f->running = 1;
	f->versions = v;
	f->n_versions = 1;
	f->ledger = ledger;
	f->n_ledger = 1;
	f->hits = hits;
	f->n_hits = 1;
	f->audit_on = true;
	f->audit_state = REPORT_GOOD;
	f->drift = REPORT_GOOD;
	f->fib = REPORT_NONE;
	f->flowlog = REPORT_NONE;
}

static char *render(const struct report_facts *f)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(report_html(f, m), 0);
	fclose(m);
	return buf;
}

static int count(const char *from, const char *to, const char *needle)
{
	int n = 0;

	for (from = strstr(from, needle); from && (!to || from < to); from = strstr(from + 1, needle))
		n++;
	return n;
}

/* Rows of <table id="ID">. */
static int rows(const char *html, const char *id)
{
	char open[64];
	const char *s;

	snprintf(open, sizeof(open), "<table id=\"%s\">", id);
	s = strstr(html, open);
	ck_assert_msg(s != NULL, "no table %s", id);
	return count(s, strstr(s, "</table>"), "<tr class=\"row");
}

START_TEST(test_counts)
{
	struct policy *p = load();
	struct report_facts f;
	char *html;

	facts(&f, p, true);
	html = render(&f);
	ck_assert_int_eq(rows(html, "flows"), p->n_flows);
	ck_assert_int_eq(rows(html, "exceptions"), p->n_exceptions + 1);	/* + the revoked one */
	ck_assert_int_eq(rows(html, "services"), p->breakout.n_services);
	ck_assert_int_eq(rows(html, "matrix"), p->n_zones);
	ck_assert_int_eq(rows(html, "versions"), 1);
	ck_assert_int_eq(rows(html, "windows"), 0);
	ck_assert_int_eq(count(strstr(html, "<table id=\"windows\">"),
			       strstr(html, "<table id=\"services\">"), "<tr class=\"empty\">"), 1);
	ck_assert_int_eq(count(strstr(html, "<table id=\"flows\">"),
			       strstr(html, "<table id=\"windows\">"), "<tr class=\"empty\">"), 0);
	ck_assert_int_ge(rows(html, "checklist"), 15);
	/* Near's registration ends within 30 days, Far's does not; EX-1 ends in 9 days */
	ck_assert_int_eq(count(strstr(html, "<table id=\"services\">"), NULL, "<tr class=\"row soon\">"), 1);
	ck_assert_int_eq(count(strstr(html, "<table id=\"exceptions\">"),
			       strstr(html, "<table id=\"windows\">"), "<tr class=\"row soon\">"), 1);
	ck_assert_ptr_nonnull(strstr(html, "<td>7</td>"));	/* Far's connections */
	ck_assert_ptr_nonnull(strstr(html, "<html lang=\"ja\">"));
	ck_assert_ptr_nonnull(strstr(html, "自己点検"));
	ck_assert_ptr_nonnull(strstr(html, "機密性2"));
	free(html);
	policy_free(p);
}
END_TEST

START_TEST(test_escaping)
{
	struct policy *p = load();
	struct report_facts f;
	char *html;

	facts(&f, p, false);
	html = render(&f);
	/* the page has no script, image or svg-with-handler of anyone's making */
	ck_assert_ptr_null(strstr(html, "<script"));
	ck_assert_ptr_null(strstr(html, "<img"));
	ck_assert_ptr_null(strstr(html, "<svg onload"));
	ck_assert_ptr_null(strstr(html, "<b>"));
	ck_assert_ptr_null(strstr(html, "<start>"));
	ck_assert_ptr_null(strstr(html, "EX-<i>"));
	ck_assert_ptr_nonnull(strstr(html, "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39;"));
	ck_assert_ptr_nonnull(strstr(html, "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"));
	ck_assert_ptr_nonnull(strstr(html, "&lt;b&gt;Town&lt;/b&gt; &amp; co"));
	ck_assert_ptr_nonnull(strstr(html, "&lt;svg onload=alert(1)&gt;"));
	ck_assert_ptr_nonnull(strstr(html, "<html lang=\"en\">"));
	ck_assert_ptr_nonnull(strstr(html, "Self-inspection"));
	free(html);
	policy_free(p);
}
END_TEST

START_TEST(test_svg)
{
	struct policy *p = load();
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	int i;

	report_svg(p, true, m);
	fclose(m);
	ck_assert_int_eq(count(buf, NULL, "<g class=\"zone\""), p->n_zones);
	for (i = 0; i < p->n_zones; i++) {
		char want[96];

		snprintf(want, sizeof(want), "<g class=\"zone\" data-zone=\"%s\">", p->zones[i].id);
		ck_assert_msg(strstr(buf, want) != NULL, "no node %s", p->zones[i].id);
	}
	ck_assert_ptr_nonnull(strstr(buf, "電子申請DMZ"));
	ck_assert_ptr_nonnull(strstr(buf, "マイナンバー利用事務系"));
	/* mynumber-internet forbidden; lgwan<->internet (breakout, relay) and lgwan->dmz (flow,
	 * exception) drawn */
	ck_assert_int_eq(count(buf, NULL, "<g class=\"forbidden\""), 1);
	ck_assert_int_eq(count(buf, NULL, "<g class=\"edge\""), 2);
	ck_assert_ptr_nonnull(strstr(buf, "lgwan\u2192internet: breakout"));
	ck_assert_ptr_nonnull(strstr(buf, "internet\u2192lgwan: relay"));
	ck_assert_ptr_nonnull(strstr(buf, "lgwan\u2192dmz: flow,exception"));
	free(buf);
	policy_free(p);
}
END_TEST

static enum report_grade grade_of(const struct report_facts *f, const char *req)
{
	struct report_check v[REPORT_CHECKS_MAX];
	int i, n = report_checklist(f, v, REPORT_CHECKS_MAX);

	for (i = 0; i < n; i++) {
		if (!strcmp(v[i].req, req))
			return v[i].grade;
	}
	ck_abort_msg("no row %s", req);
	return GRADE_MAX;
}

START_TEST(test_checklist)
{
	struct policy *p = load();
	struct report_facts f;

	facts(&f, p, true);
	ck_assert_int_eq(grade_of(&f, "I2"), GRADE_OK);
	ck_assert_int_eq(grade_of(&f, "I5"), GRADE_OK);
	ck_assert_int_eq(grade_of(&f, "I7"), GRADE_OK);
	ck_assert_int_eq(grade_of(&f, "R61"), GRADE_OK);
	ck_assert_int_eq(grade_of(&f, "R62"), GRADE_OK);
	ck_assert_int_eq(grade_of(&f, "R85"), GRADE_OK);
	ck_assert_int_eq(grade_of(&f, "R25"), GRADE_ADVISE);	/* Near expires in 10 days */
	ck_assert_int_eq(grade_of(&f, "R80"), GRADE_NA);
	ck_assert_int_eq(grade_of(&f, "R36"), GRADE_NA);
	f.drift = REPORT_BAD;
	f.role_overlaps = 2;
	f.audit_state = REPORT_BAD;
	f.unratified = 1;
	f.clock = REPORT_BAD;
	ck_assert_int_eq(grade_of(&f, "I7"), GRADE_FIX);
	ck_assert_int_eq(grade_of(&f, "R61"), GRADE_FIX);
	ck_assert_int_eq(grade_of(&f, "R85"), GRADE_FIX);
	ck_assert_int_eq(grade_of(&f, "R62"), GRADE_ADVISE);
	ck_assert_int_eq(grade_of(&f, "R92"), GRADE_ADVISE);
	f.store_on = false;
	ck_assert_int_eq(grade_of(&f, "R62"), GRADE_FIX);
	ck_assert_str_eq(report_grade_mark(GRADE_OK), "\u25cb");
	ck_assert_str_eq(report_grade_mark(GRADE_NA), "\u2212");
	policy_free(p);
}
END_TEST

START_TEST(test_no_policy)
{
	struct report_facts f;
	char *html;

	facts(&f, NULL, true);
	html = render(&f);
	ck_assert_ptr_nonnull(strstr(html, "</html>"));
	ck_assert_ptr_null(strstr(html, "<table id=\"flows\">"));
	free(html);
}
END_TEST

/* The daemon's side (reportd.c, against test_ops.c's stubs): lang checked, the ledger's
 * revoked entry and an isolation shown, the language followed. */
static int report_req(struct daemon *d, const char *lang, char **html)
{
	struct ctl_peer root = { .uid = 0, .roles = CTL_ROLES_ALL, .name = "uid=0(root)" };
	struct ctl_req q = { .type = CTL_REPORT, .fd = -1 };
	size_t len = 0;
	FILE *out = open_memstream(html, &len);
	int r;

	ck_assert_ptr_nonnull(out);
	if (lang) {
		snprintf(q.key[0], sizeof(q.key[0]), "lang");
		snprintf(q.val[0], sizeof(q.val[0]), "%s", lang);
		q.n = 1;
	}
	r = report_h_create(d, &root, &q, out);
	fclose(out);
	return r;
}

START_TEST(test_handler)
{
	struct daemon *d = calloc(1, sizeof(*d));
	struct ledger_entry *l;
	char *html = NULL;

	ck_assert_ptr_nonnull(d);
	pthread_mutex_init(&d->ap_lock, NULL);
	d->cur.policy = load();
	l = &d->ops.ledger[d->ops.n_ledger++];
	snprintf(l->id, sizeof(l->id), "EX-<9>");
	snprintf(l->reason, sizeof(l->reason), "<b>why</b>");
	l->revoked = true;
	snprintf(d->ops.isolate[d->ops.n_isolate++], POLICY_NAME_MAX, "admin");
	ck_assert_int_eq(report_req(d, "fr", &html), CTL_ERR_INVALID);
	free(html);
	ck_assert_int_eq(report_req(d, NULL, &html), CTL_OK);
	ck_assert_ptr_nonnull(strstr(html, "<html lang=\"ja\">"));
	ck_assert_int_eq(rows(html, "exceptions"), d->cur.policy->n_exceptions + 1);
	ck_assert_int_eq(rows(html, "isolations"), 1);
	ck_assert_ptr_nonnull(strstr(html, "EX-&lt;9&gt;"));
	ck_assert_ptr_null(strstr(html, "<b>why"));
	free(html);
	ck_assert_int_eq(report_req(d, "en", &html), CTL_OK);
	ck_assert_ptr_nonnull(strstr(html, "<html lang=\"en\">"));
	ck_assert_ptr_nonnull(strstr(html, "no audit trail"));
	free(html);
	policy_free(d->cur.policy);
	pthread_mutex_destroy(&d->ap_lock);
	free(d);
}
END_TEST

Suite *suite_report(void);

Suite *suite_report(void)
{
	Suite *s = suite_create("report");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_counts);
	tcase_add_test(tc, test_escaping);
	tcase_add_test(tc, test_svg);
	tcase_add_test(tc, test_checklist);
	tcase_add_test(tc, test_no_policy);
	tcase_add_test(tc, test_handler);
	suite_add_tcase(s, tc);
	return s;
}
