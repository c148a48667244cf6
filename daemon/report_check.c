// SPDX-License-Identifier: GPL-2.0-only
/* report_check.c: the self-inspection checklist of the auditor's report (R109); see report.h.
 * Only what the gateway itself can judge, each row graded from the facts with its evidence.
 * Pure. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "report.h"

#define DAY		86400
#define SOON_DAYS	30

const char *report_grade_mark(enum report_grade g)
{
	static const char *const marks[GRADE_MAX] = { "\u25cb", "\u25b3", "\u00d7", "\u2212" };

	return g < GRADE_MAX ? marks[g] : "?";
}

struct cl {
	const struct report_facts *f;
	struct report_check *v;
	int n, max;
};

static void row(struct cl *c, const char *req, const char *en, const char *ja,
		enum report_grade g, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static void row(struct cl *c, const char *req, const char *en, const char *ja,
		enum report_grade g, const char *fmt, ...)
{
	struct report_check *k;
	va_list ap;

	if (c->n >= c->max)
		return;
	k = &c->v[c->n++];
	k->req = req;
	k->what_en = en;
	k->what_ja = ja;
	k->grade = g;
	va_start(ap, fmt);
	vsnprintf(k->evidence, sizeof(k->evidence), fmt, ap);
	va_end(ap);
}

static int zone_of_role(const struct policy *p, enum zone_role r)
{
	int i;

	for (i = 0; i < p->n_zones; i++) {
		if (policy_zone_role(p->zones[i].id) == r)
			return i;
	}
	return -1;
}

/* I1-I6: proved when the policy was validated; I2 and I4 read again from the matrix. */
static void invariants(struct cl *c)
{
	const struct policy *p = c->f->p;
	int mn = zone_of_role(p, ZONE_MYNUMBER), in = zone_of_role(p, ZONE_INTERNET);
	int lg = zone_of_role(p, ZONE_LGWAN), i, approved = 0, cross = 0;
	uint32_t ok4 = (1U << FLOW_SANITISED_RELAY) | REACH_BREAKOUT | REACH_EXCEPTION;
	bool i2 = mn < 0 || in < 0 || (!p->reach[mn][in] && !p->reach[in][mn]);
	bool i4 = lg < 0 || in < 0 || !((p->reach[lg][in] | p->reach[in][lg]) & ~ok4);

	for (i = 0; i < p->n_flows; i++) {
		if (p->flows[i].from.zone == p->flows[i].to.zone)
			continue;
		cross++;
		approved += p->flows[i].approval[0] && p->flows[i].purpose && *p->flows[i].purpose;
	}
	row(c, "I1", "zone membership is disjoint", "ゾーン所属の重複なし",
	    p->validated ? GRADE_OK : GRADE_FIX, "policy validated: %s; %d zones, %d hosts",
	    p->validated ? "yes" : "NO", p->n_zones, p->n_hosts);
	row(c, "I2", "no path between My Number and the Internet",
	    "マイナンバー利用事務系とインターネット接続系の間に経路なし",
	    mn < 0 || in < 0 ? GRADE_NA : i2 ? GRADE_OK : GRADE_FIX,
	    "reachability matrix: %s", mn < 0 || in < 0 ? "the model has no such pair" :
	    i2 ? "empty both ways" : "NOT EMPTY");
	row(c, "I3", "My Number flows: single hosts, MAC + IP, ports", "マイナンバー系通信は端末・MAC・ポート固定",
	    mn < 0 ? GRADE_NA : p->validated ? GRADE_OK : GRADE_FIX,
	    "proved at validation (policy_check)");
	row(c, "I4", "LGWAN and Internet only through relays or breakout",
	    "LGWAN接続系とインターネット接続系は無害化通信かブレイクアウトのみ",
	    lg < 0 || in < 0 ? GRADE_NA : i4 ? GRADE_OK : GRADE_FIX, "reachability matrix: %s",
	    lg < 0 || in < 0 ? "the model has no such pair" : i4 ? "relay/breakout/exception only" :
	    "OTHER CLASSES CROSS");
	row(c, "I5", "every cross-zone flow has an approval and a purpose", "ゾーン間通信すべてに承認番号と目的",
	    approved == cross ? GRADE_OK : GRADE_FIX, "%d of %d cross-zone flows", approved, cross);
}

static void exceptions_check(struct cl *c)
{
	const struct policy *p = c->f->p;
	int i, n = 0, expired = 0, soon = 0;

	for (i = 0; i < p->n_exceptions; i++) {
		if (p->exceptions[i].window)
			continue;
		n++;
		expired += p->exceptions[i].expired;
		soon += !p->exceptions[i].expired &&
			p->exceptions[i].expires - c->f->now < SOON_DAYS * DAY;
	}
	row(c, "I6", "exceptions: reason, expiry, requester \u2260 approver",
	    "例外措置: 理由・期限・申請者と承認者が別人", n == 0 ? GRADE_NA :
	    expired ? GRADE_ADVISE : GRADE_OK,
	    "%d exceptions; %d expired still listed; %d ending within %d days", n, expired, soon,
	    SOON_DAYS);
}

static void kernel_checks(struct cl *c)
{
	const struct report_facts *f = c->f;

	row(c, "I7", "the kernel enforces exactly the compiled policy", "カーネルの実施内容がポリシーと一致",
	    f->drift == REPORT_GOOD ? GRADE_OK : f->drift == REPORT_BAD ? GRADE_FIX : GRADE_ADVISE,
	    "read-back of generation %u: %s", f->generation, f->drift == REPORT_GOOD ? "in sync" :
	    f->drift == REPORT_BAD ? "DRIFT" : "not readable");
	row(c, "I2/I4", "no path the policy forbids, proven from the kernel's table",
	    "ポリシーが禁じる経路がないことをカーネルから証明", f->proof == REPORT_GOOD ? GRADE_OK :
	    f->proof == REPORT_BAD ? GRADE_FIX : f->proof == REPORT_NONE ? GRADE_NA : GRADE_ADVISE,
	    "independent proof (sansoctl prove): %s", f->proof == REPORT_GOOD ? "proven" :
	    f->proof == REPORT_BAD ? "a witness of a path the policy does not allow" :
	    f->proof == REPORT_NONE ? "no policy" : "cannot evaluate");
	row(c, "R36", "routing agrees with the zones", "ルーティングとゾーン定義の整合",
	    f->fib == REPORT_NONE ? GRADE_NA : f->fib == REPORT_GOOD ? GRADE_OK : GRADE_ADVISE,
	    "FIB check: %s, %d findings", f->fib == REPORT_NONE ? "not run" :
	    f->fib == REPORT_UNKNOWN ? "kernel not asked" : "ran", f->fib_findings);
	row(c, "R44", "denial-of-service limits per source", "送信元ごとの DoS 制限",
	    f->p->limits.dflt.rate > 0 && f->p->limits.dflt.ct_count > 0 ? GRADE_OK : GRADE_ADVISE,
	    "default %d/s burst %d, %d connections at once; %d pairs listed",
	    f->p->limits.dflt.rate, f->p->limits.dflt.burst, f->p->limits.dflt.ct_count,
	    f->p->limits.n_pairs);
}

static void service_check(struct cl *c)
{
	const struct breakout *b = &c->f->p->breakout;
	int i, bad = 0, soon = 0;

	for (i = 0; i < b->n_services; i++) {
		const struct service *s = &b->services[i];

		if (s->type != SVC_CLOUD)
			continue;
		bad += s->disabled || !s->ismap[0];
		soon += !s->disabled && s->ismap_valid_until &&
			s->ismap_valid_until - c->f->now < SOON_DAYS * DAY;
	}
	row(c, "R25", "local breakout only to ISMAP-registered services",
	    "ローカルブレイクアウトは ISMAP 登録サービスのみ", !b->n_services ? GRADE_NA :
	    bad ? GRADE_FIX : soon ? GRADE_ADVISE : GRADE_OK,
	    "%d services; %d without a valid registration; %d expiring within %d days",
	    b->n_services, bad, soon, SOON_DAYS);
}

static void people_checks(struct cl *c)
{
	const struct report_facts *f = c->f;
	int i, own = 0;

	row(c, "R61", "separation of duties: auditor \u2260 approver", "職務分離: 監査者と承認者が別人",
	    f->role_overlaps < 0 ? GRADE_ADVISE : f->role_overlaps ? GRADE_FIX : GRADE_OK,
	    "%s%d users hold the audit role and an approving role",
	    f->role_overlaps < 0 ? "group database not readable: " : "",
	    f->role_overlaps < 0 ? 0 : f->role_overlaps);
	row(c, "R62", "two-person change control", "二人制による設定変更",
	    !f->store_on || f->p->changes.single ? GRADE_FIX : f->unratified ? GRADE_ADVISE : GRADE_OK,
	    "policy.changes = %s; store %s; %d emergency changes not ratified",
	    f->p->changes.single ? "single" : "two-person", f->store_on ? "on" : "OFF",
	    f->unratified);
	row(c, "R66", "versioned configuration with approvals", "構成の版管理と承認記録",
	    f->store_on && f->running ? GRADE_OK : GRADE_FIX, "running version %u; %d versions kept",
	    f->running, f->n_versions);
	for (i = 0; i < f->n_windows; i++)
		own += f->windows[i].by2[0] && !strcmp(f->windows[i].by, f->windows[i].by2);
	row(c, "R80", "remote maintenance: approved by another, time-bounded",
	    "リモート保守: 別人の承認と期限", !f->n_windows ? GRADE_NA : own ? GRADE_FIX : GRADE_OK,
	    "%d windows; %d approved by their proposer", f->n_windows, own);
}

void report_flowcheck_text(const struct report_flowcheck *c, bool ja, char *buf, size_t len)
{
	switch (c->state) {
	case REPORT_GOOD:
		snprintf(buf, len, ja ? "改ざんなし: %d セグメント、%llu 行%s" :
			 "chain intact: %d segments, %llu lines%s", c->segments,
			 (unsigned long long)c->lines, !c->first_unlinked ? "" : ja ?
			 "（最古のセグメントは保存期間で削除されたものに続きます）" :
			 " (the oldest links to a segment deleted by retention)");
		break;
	case REPORT_BAD:
		if (c->err)
			snprintf(buf, len, ja ? "'%s' を読めません: %s" : "'%s' cannot be read: %s",
				 c->dir ? c->dir : "-", strerror(-c->err));
		else
			snprintf(buf, len, ja ? "改ざんを検出: セグメント %s の %llu 行目: %s "
				 "（%d セグメント、%llu 行を検査）" : "BROKEN: segment %s, line %llu: "
				 "%s (%d segments, %llu lines read)", c->bad_seg,
				 (unsigned long long)c->bad_line, c->why ? c->why : "-",
				 c->segments, (unsigned long long)c->lines);
		break;
	case REPORT_UNKNOWN:
		snprintf(buf, len, ja ? "未検証: %d セグメント、%lld MiB はここでは読み直しません"
			 "（sansoctl flowlog verify %s）" : "not verified: %d segments, %lld MiB: "
			 "not read again here (sansoctl flowlog verify %s)", c->segments,
			 (long long)(c->bytes >> 20), c->dir ? c->dir : "DIR");
		break;
	default:
		snprintf(buf, len, "%s", ja ? "フローログなし" : "no flow log");
		break;
	}
}

static void record_checks(struct cl *c)
{
	const struct report_facts *f = c->f;
	char chain[2 * REPORT_TEXT];

	row(c, "R72", "versions of the software and its libraries known", "ソフトウェアとライブラリの版",
	    f->sanso_version && *f->sanso_version ? GRADE_OK : GRADE_ADVISE, "sansod %s; %s",
	    f->sanso_version ? f->sanso_version : "-", f->libs ? f->libs : "-");
	row(c, "R85", "audit trail written and its chain intact", "監査証跡の記録と改ざん検知",
	    !f->audit_on ? GRADE_FIX : f->audit_state == REPORT_GOOD ? GRADE_OK :
	    f->audit_state == REPORT_BAD ? GRADE_FIX : GRADE_ADVISE,
	    "%s: %llu records, last seq %llu%s%s", !f->audit_on ? "no audit trail" :
	    f->audit_state == REPORT_GOOD ? "intact" : f->audit_state == REPORT_BAD ? "BROKEN" :
	    "not verified", (unsigned long long)f->audit_records,
	    (unsigned long long)f->audit_last_seq, f->audit_why[0] ? "; " : "", f->audit_why);
	report_flowcheck_text(&f->flowcheck, f->ja, chain, sizeof(chain));
	row(c, "R84", "flows and drops logged (flow log)", "通信と破棄の記録（フローログ）",
	    f->flowlog == REPORT_BAD || f->flowcheck.state == REPORT_BAD ? GRADE_FIX :
	    f->flowlog == REPORT_GOOD && f->flowcheck.state == REPORT_GOOD ? GRADE_OK :
	    GRADE_ADVISE, "%s; %s", f->flowlog_why[0] ? f->flowlog_why : "-", chain);
	row(c, "R92", "clock synchronised", "時刻同期",
	    f->clock == REPORT_GOOD ? GRADE_OK : GRADE_ADVISE, "kernel: %s (max error %ld us)",
	    f->clock == REPORT_GOOD ? "synchronised" : f->clock == REPORT_BAD ?
	    "NOT synchronised" : "unknown", f->clock_maxerror_us);
	row(c, "R50", "isolations resolve to something of the policy", "遮断対象がポリシー上に存在",
	    !f->n_isolations ? GRADE_NA : GRADE_OK, "%d isolations, %d revocations",
	    f->n_isolations, f->n_revocations);
	if (c->n && f->n_isolations && f->isolation_resolved) {
		int i, un = 0;

		for (i = 0; i < f->n_isolations; i++)
			un += !f->isolation_resolved[i];
		if (un) {
			c->v[c->n - 1].grade = GRADE_ADVISE;
			snprintf(c->v[c->n - 1].evidence, sizeof(c->v[0].evidence),
				 "%d isolations, %d UNRESOLVED (nothing is cut by them)",
				 f->n_isolations, un);
		}
	}
}

int report_checklist(const struct report_facts *f, struct report_check *out, int max)
{
	struct cl c = { f, out, 0, max };

	if (!f->p)
		return 0;
	invariants(&c);
	exceptions_check(&c);
	kernel_checks(&c);
	service_check(&c);
	people_checks(&c);
	record_checks(&c);
	return c.n;
}
