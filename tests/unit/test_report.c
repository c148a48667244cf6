/* SPDX-License-Identifier: GPL-2.0-only */
/* test_report.c: the auditor's report renderer (report.c, report_svg.c, report_check.c): one
 * row per flow, exception and service of a small policy; markup in a purpose, a reason, an
 * organisation or a ledger entry stays text (an attacker writes them); the diagram's nodes,
 * edges and forbidden pair; the self-inspection grades follow the facts; both languages. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "flowd.h"
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
	static const struct report_hit hits[] = {
		{ .name = "Far", .src = REPORT_HIT_ENGINE, .engine = 7 },
	};

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
	f->proof = REPORT_GOOD;
	f->fib = REPORT_NONE;
	f->flowlog = REPORT_NONE;
	f->flowcheck.state = REPORT_NONE;
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
	/* Far's connections, counted by the engine */
	ck_assert_ptr_nonnull(strstr(html, "<td class=\"hits\" data-n=\"7\" data-src=\"engine\">7"));
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

/* The row of <table id="TABLE"> whose cells include <td>NAME</td> (freed by the caller). */
static char *row_of(const char *html, const char *table, const char *name)
{
	char open[64], cell[128];
	const char *t, *end, *c, *r;

	snprintf(open, sizeof(open), "<table id=\"%s\">", table);
	snprintf(cell, sizeof(cell), "<td>%s</td>", name);
	t = strstr(html, open);
	ck_assert_msg(t != NULL, "no table %s", table);
	end = strstr(t, "</table>");
	c = strstr(t, cell);
	ck_assert_msg(c != NULL && c < end, "no row %s in %s", name, table);
	for (r = c; r > t && strncmp(r, "<tr", 3); r--)
		;
	end = strstr(c, "</tr>");
	ck_assert_ptr_nonnull(end);
	return strndup(r, (size_t)(end - r));
}

static void row_has(const char *html, const char *table, const char *name, const char *want)
{
	char *row = row_of(html, table, name);

	ck_assert_msg(strstr(row, want) != NULL, "%s row %s: no '%s' in %s", table, name, want,
		      row);
	free(row);
}

/* Who counted each connection: the engine (this generation), the kernel (the flow log, a
 * lower bound) or both; a cross-zone row nobody counted yet is 0 once the kernel's accepts
 * are counted, and — while they are not. */
START_TEST(test_hits_sources)
{
	static const struct report_hit hits[] = {
		{ .name = "Far", .src = REPORT_HIT_ENGINE, .engine = 7 },
		{ .name = "mail", .src = REPORT_HIT_KERNEL, .kernel = 12 },
		{ .name = "log", .src = REPORT_HIT_ENGINE | REPORT_HIT_KERNEL, .engine = 2,
		  .kernel = 3 },
	};
	struct policy *p = load();
	struct report_facts f;
	char *html;

	facts(&f, p, false);
	f.hits = hits;
	f.n_hits = 3;
	html = render(&f);
	row_has(html, "flows", "mail", "<td class=\"hits\" data-n=\"12\" data-src=\"kernel\">12"
		"<br><span class=\"count\">kernel (at least)</span></td>");
	row_has(html, "flows", "log", "data-n=\"5\" data-src=\"engine kernel\">5<br><span "
		"class=\"count\">engine 2 + kernel (at least) 3</span>");
	row_has(html, "services", "Far", "data-n=\"7\" data-src=\"engine\">7<br><span "
		"class=\"count\">engine</span>");
	row_has(html, "services", "Near", "<td>AP-4</td><td>\u2014</td>");	/* nobody counts it */
	ck_assert_ptr_nonnull(strstr(html, "lower bound: the kernel rate-limits its log lines, "
				     "logging.kernel_rate"));
	free(html);
	f.ja = true;
	f.kernel_hits = true;			/* sansod keeps a flow log: counted, none yet */
	html = render(&f);
	row_has(html, "services", "Near", "data-n=\"0\" data-src=\"kernel\">0<br><span "
		"class=\"count\">カーネル（下限）</span>");
	row_has(html, "flows", "mail", "data-n=\"12\" data-src=\"kernel\">12<br><span "
		"class=\"count\">カーネル（下限）</span>");
	row_has(html, "flows", "log", "判定エンジン 2 + カーネル（下限） 3");
	ck_assert_ptr_nonnull(strstr(html, "logging.kernel_rate で制限します"));
	free(html);
	policy_free(p);
}
END_TEST

/* The flow log's verification in the integrity table, both languages. */
START_TEST(test_flowcheck_text)
{
	struct policy *p = load();
	struct report_facts f;
	char *html;

	facts(&f, p, false);
	f.flowlog = REPORT_GOOD;
	f.flowcheck = (struct report_flowcheck){ .state = REPORT_BAD, .dir = "/var/log/sanso/flows",
		.segments = 3, .lines = 120, .bad_seg = "flows-20260921T000000Z-2.jsonl",
		.bad_line = 17, .why = "the line's hash does not match" };
	html = render(&f);
	ck_assert_ptr_nonnull(strstr(html, "<tr class=\"row\" id=\"flowlog-verify\"><th>flow log "
				     "verified now</th><td class=\"ng\">BROKEN: segment "
				     "flows-20260921T000000Z-2.jsonl, line 17: the line&#39;s hash "
				     "does not match (3 segments, 120 lines read)</td>"));
	free(html);
	f.ja = true;
	html = render(&f);
	ck_assert_ptr_nonnull(strstr(html, "改ざんを検出: セグメント flows-20260921T000000Z-2.jsonl "
				     "の 17 行目"));
	free(html);
	f.flowcheck = (struct report_flowcheck){ .state = REPORT_UNKNOWN, .segments = 9,
		.bytes = 70L << 20, .dir = "/var/log/sanso/flows" };
	html = render(&f);
	ck_assert_ptr_nonnull(strstr(html, "未検証: 9 セグメント、70 MiB はここでは読み直しません"
				     "（sansoctl flowlog verify /var/log/sanso/flows）"));
	free(html);
	f.ja = false;
	html = render(&f);
	ck_assert_ptr_nonnull(strstr(html, "<td class=\"\">not verified: 9 segments, 70 MiB: not "
				     "read again here (sansoctl flowlog verify /var/log/sanso/flows)"));
	free(html);
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
	ck_assert_int_eq(grade_of(&f, "I2/I4"), GRADE_OK);
	f.proof = REPORT_BAD;
	snprintf(f.proof_detail, sizeof(f.proof_detail), "into the gateway from internet: <x>");
	ck_assert_int_eq(grade_of(&f, "I2/I4"), GRADE_FIX);
	{
		char *html = render(&f);

		ck_assert_ptr_nonnull(strstr(html, "違反: into the gateway from internet: "
					    "&lt;x&gt;"));
		free(html);
	}
	f.proof = REPORT_UNKNOWN;
	ck_assert_int_eq(grade_of(&f, "I2/I4"), GRADE_ADVISE);
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
	/* R84: the writer and the chain read back now */
	ck_assert_int_eq(grade_of(&f, "R84"), GRADE_ADVISE);	/* no flow log */
	f.flowlog = REPORT_GOOD;
	f.flowcheck.state = REPORT_GOOD;
	ck_assert_int_eq(grade_of(&f, "R84"), GRADE_OK);
	f.flowcheck.state = REPORT_UNKNOWN;			/* too large to read here */
	ck_assert_int_eq(grade_of(&f, "R84"), GRADE_ADVISE);
	f.flowcheck.state = REPORT_BAD;
	ck_assert_int_eq(grade_of(&f, "R84"), GRADE_FIX);
	f.flowcheck.state = REPORT_GOOD;
	f.flowlog = REPORT_BAD;					/* not written now */
	ck_assert_int_eq(grade_of(&f, "R84"), GRADE_FIX);
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

extern const struct flowd_hit *stub_flowd_hits;	/* test_ops.c's stubs */
extern int stub_flowd_n, stub_flowd_state;

/* A flow log of three accepted mail connections, one segment; its name into seg. */
static void flowlog_made(const char *dir, char *seg, size_t len)
{
	static const struct logging_conf lc = {
		.group = 7, .kernel_rate = 50, .source_lines = 10, .source_window = 2,
		.segment_bytes = 1 << 20, .segment_seconds = 86400, .retention_days = 400,
		.scan_ports = 5, .scan_hosts = 20, .scan_window = 10,
	};
	struct flowlog *fl = calloc(1, sizeof(*fl));
	struct flowlog_event ev;
	int i;

	ck_assert_ptr_nonnull(fl);
	memset(&ev, 0, sizeof(ev));
	ev.event_type = "flow";
	ev.decision = "accept";
	snprintf(ev.rule, sizeof(ev.rule), "sanso flow internet>lgwan");
	snprintf(ev.name, sizeof(ev.name), "mail");
	ck_assert_int_eq(flowlog_open(fl, dir, &lc, NOW), 0);
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(flowlog_write(fl, &ev, (int64_t)NOW * 1000000 + i), 0);
	snprintf(seg, len, "%s", fl->seg);
	flowlog_close(fl);
	free(fl);
}

/* One byte of a file changed: the first 'mail' of its third line becomes 'nail'. */
static void tamper(const char *dir, const char *seg)
{
	char path[512], buf[8192];
	const char *at;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, seg);
	fd = open(path, O_RDWR);
	ck_assert_int_ge(fd, 0);
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	ck_assert_int_gt(n, 0);
	buf[n] = '\0';
	at = strstr(strchr(strchr(buf, '\n') + 1, '\n') + 1, "\"mail\"");
	ck_assert_ptr_nonnull(at);
	ck_assert_int_eq(pwrite(fd, "n", 1, at + 1 - buf), 1);
	close(fd);
}

/* The daemon's side of the flow log: the directory's chains verified now (intact, a changed
 * byte, too large to read here), the R84 row following them, and the kernel's counts merged
 * into the flows table. */
START_TEST(test_handler_flowlog)
{
	static const struct flowd_hit kh[] = { { "mail", 4 }, { "no-such-flow", 1 } };
	struct daemon *d = calloc(1, sizeof(*d));
	char dir[] = "/tmp/sanso-report.XXXXXX", seg[FLOWLOG_SEG_NAME_MAX], path[600], cmd[600];
	char *html = NULL, *row;
	int fd;

	ck_assert_ptr_nonnull(d);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	pthread_mutex_init(&d->ap_lock, NULL);
	d->cur.policy = load();
	flowlog_made(dir, seg, sizeof(seg));
	d->o.flow_log = dir;
	stub_flowd_state = 1;
	stub_flowd_hits = kh;
	stub_flowd_n = 2;
	ck_assert_int_eq(report_req(d, "en", &html), CTL_OK);
	ck_assert_ptr_nonnull(strstr(html, "id=\"flowlog-verify\"><th>flow log verified now</th>"
				     "<td class=\"ok\">chain intact: 1 segments, 4 lines</td>"));
	row_has(html, "flows", "mail", "data-n=\"4\" data-src=\"kernel\"");
	row_has(html, "flows", "log", "data-n=\"0\" data-src=\"kernel\"");
	row = row_of(html, "checklist", "R84");
	ck_assert_msg(strstr(row, "grade-0") != NULL, "R84 not met: %s", row);
	free(row);
	free(html);

	tamper(dir, seg);
	ck_assert_int_eq(report_req(d, "en", &html), CTL_OK);
	snprintf(path, sizeof(path), "<td class=\"ng\">BROKEN: segment %s, line 3: ", seg);
	ck_assert_msg(strstr(html, path) != NULL, "no '%s'", path);
	row = row_of(html, "checklist", "R84");
	ck_assert_msg(strstr(row, "grade-2") != NULL, "R84 not to be fixed: %s", row);
	free(row);
	free(html);
	ck_assert_int_eq(report_req(d, NULL, &html), CTL_OK);
	snprintf(path, sizeof(path), "改ざんを検出: セグメント %s の 3 行目", seg);
	ck_assert_msg(strstr(html, path) != NULL, "no '%s'", path);
	free(html);

	/* over the bound: not read (a sparse segment), said how to verify it */
	snprintf(path, sizeof(path), "%s/flows-20990101T000000Z-1.jsonl", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, 65L << 20), 0);
	close(fd);
	ck_assert_int_eq(report_req(d, "en", &html), CTL_OK);
	snprintf(path, sizeof(path), "not verified: 2 segments, 65 MiB: not read again here "
		 "(sansoctl flowlog verify %s)", dir);
	ck_assert_msg(strstr(html, path) != NULL, "no '%s'", path);
	row = row_of(html, "checklist", "R84");
	ck_assert_msg(strstr(row, "grade-1") != NULL, "R84 not advised: %s", row);
	free(row);
	free(html);

	stub_flowd_state = 0;
	stub_flowd_hits = NULL;
	stub_flowd_n = -ENODATA;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
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
	tcase_add_test(tc, test_hits_sources);
	tcase_add_test(tc, test_flowcheck_text);
	tcase_add_test(tc, test_handler_flowlog);
	suite_add_tcase(s, tc);
	return s;
}
