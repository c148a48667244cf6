// SPDX-License-Identifier: GPL-2.0-only
/* report.c: the auditor's report as one HTML page; see report.h. Pure: stdio into the
 * caller's stream. Every text from the policy, a user or the system goes through report_esc. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "compile.h"
#include "report.h"

#define DAY		86400
#define SOON_DAYS	30

/* The reader's language: English or Japanese. */
#define L(f, en, jp)	((f)->ja ? (jp) : (en))

/* <td>text</td>, escaped; "—" for nothing. */
static void td(FILE *out, const char *s)
{
	fputs("<td>", out);
	if (s && *s)
		report_esc(out, s);
	else
		fputs("\u2014", out);
	fputs("</td>", out);
}

static void td_time(FILE *out, int64_t t)
{
	char buf[48];

	if (t <= 0 || comp_time_text(t, buf, sizeof(buf)) < 0)
		buf[0] = '\0';
	td(out, buf);
}

static void th_row(FILE *out, const char *const *cols)
{
	fputs("<tr>", out);
	for (; *cols; cols++)
		fprintf(out, "<th>%s</th>", *cols);
	fputs("</tr>\n", out);
}

/* A table with no row says so (not counted: its class is not "row"). */
static void empty_row(const struct report_facts *f, int n, int cols, FILE *out)
{
	if (!n)
		fprintf(out, "<tr class=\"empty\"><td colspan=\"%d\">%s</td></tr>\n", cols,
			L(f, "none", "なし"));
}

static void ports_text(const struct port_range *v, int n, char *buf, size_t len)
{
	size_t o = 0;
	int i, k;

	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		k = v[i].lo == v[i].hi ? snprintf(buf + o, len - o, "%s%u", o ? "," : "", v[i].lo) :
		    snprintf(buf + o, len - o, "%s%u-%u", o ? "," : "", v[i].lo, v[i].hi);
		if (k < 0 || (size_t)k >= len - o)
			break;
		o += (size_t)k;
	}
}

static const char *proto_text(uint8_t proto, char *buf, size_t len)
{
	const char *n = policy_proto_name(proto);

	if (n)
		return n;
	snprintf(buf, len, "%u", proto);
	return buf;
}

static const char *zone_id(const struct policy *p, int z)
{
	return z >= 0 && z < p->n_zones ? p->zones[z].id : "gateway";
}

static const char css[] =
	"body{font-family:'Noto Sans CJK JP','Noto Sans JP','IPAGothic',sans-serif;margin:2em;"
	"color:#111}h1{font-size:1.6em}h2{font-size:1.2em;border-bottom:2px solid #234;"
	"margin-top:1.6em}table{border-collapse:collapse;margin:.5em 0;font-size:.85em}"
	"th,td{border:1px solid #999;padding:2px 6px;vertical-align:top;text-align:left}"
	"th{background:#e4ebf3}tr.soon td{background:#fff3b0}tr.bad td{background:#fdd}"
	"tr.done td{color:#777}.label{border:2px solid #c00;color:#c00;padding:2px 8px;"
	"font-weight:bold;display:inline-block}.ok{color:#1a7f37}.ng{color:#c00;font-weight:bold}"
	".grade{font-size:1.2em;text-align:center}svg{border:1px solid #ccc;max-width:100%;"
	"height:auto}#flows td:first-child,#flows td:nth-child(9),#services td:nth-child(3),"
	"#exceptions td:first-child{white-space:nowrap}.count{font-size:.8em;color:#555}#checklist td:first-child,td.grade{white-space:nowrap}.note{font-size:.8em;color:#444}@page{size:A4 landscape;margin:12mm}";

static void head(const struct report_facts *f, FILE *out)
{
	const struct policy *p = f->p;

	fprintf(out, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"
		"<title>", f->ja ? "ja" : "en");
	report_esc(out, p && p->organisation ? p->organisation : "");
	fprintf(out, " %s</title>\n<style>%s</style>\n</head>\n<body>\n",
		L(f, "network separation: auditor's report", "ネットワーク分離 監査報告書"), css);
	if (p && p->classification) {
		fputs("<p class=\"label\" id=\"classification\">", out);
		report_esc(out, p->classification);
		fputs("</p>\n", out);
	}
	fputs("<h1>", out);
	report_esc(out, p && p->organisation ? p->organisation : "");
	fprintf(out, " %s</h1>\n", L(f, "network separation (three-layer model): auditor's report",
				     "三層分離 ネットワーク監査報告書"));
}

/* The running version's proposer and approver, from the store. */
static const struct report_version *running_version(const struct report_facts *f)
{
	int i;

	for (i = 0; i < f->n_versions; i++) {
		if (f->versions[i].version == f->running)
			return &f->versions[i];
	}
	return NULL;
}

static void kv(FILE *out, const char *k, const char *v)
{
	fprintf(out, "<tr class=\"row\"><th>%s</th>", k);
	td(out, v);
	fputs("</tr>\n", out);
}

static void summary(const struct report_facts *f, FILE *out)
{
	const struct policy *p = f->p;
	const struct report_version *rv = running_version(f);
	char buf[512], t[48];

	fprintf(out, "<h2 id=\"s-summary\">1. %s</h2>\n<table id=\"summary\">\n",
		L(f, "Summary", "概要"));
	kv(out, L(f, "organisation", "組織"), p ? p->organisation : NULL);
	kv(out, L(f, "policy document", "情報セキュリティポリシー"), p ? p->document : NULL);
	kv(out, L(f, "classification", "機密性分類"), p ? p->classification : NULL);
	kv(out, L(f, "policy file", "ポリシーファイル"), p ? p->file : NULL);
	kv(out, L(f, "model", "分離モデル"), p ? policy_model_name(p->model) : NULL);
	snprintf(buf, sizeof(buf), "%u; sha256 %s", f->generation, f->config_sha256 ? f->config_sha256 : "-");
	kv(out, L(f, "generation", "世代"), buf);
	if (rv)
		snprintf(buf, sizeof(buf), "%u (%s) %s %s, %s %s", f->running, rv->kind,
			 L(f, "by", "申請"), rv->by[0] ? rv->by : "-", L(f, "approved by", "承認"),
			 rv->approved_by[0] ? rv->approved_by : "-");
	else
		snprintf(buf, sizeof(buf), "%s", f->store_on ? "-" :
			 L(f, "no configuration store", "構成ストアなし"));
	kv(out, L(f, "running version and approvals", "実施中の版と承認"), buf);
	if (f->pending_sha && *f->pending_sha)
		kv(out, L(f, "pending", "未承認の変更"), L(f, "the file differs from the running "
		   "version: not approved", "設定ファイルが実施中の版と異なります（未承認）"));
	snprintf(buf, sizeof(buf), "sansod %s; %s", f->sanso_version ? f->sanso_version : "-",
		 f->libs ? f->libs : "-");
	kv(out, L(f, "software", "ソフトウェアの版"), buf);
	if (comp_time_text(f->now, t, sizeof(t)) < 0)
		t[0] = '\0';
	snprintf(buf, sizeof(buf), "%s (%s %s)", t, L(f, "by", "作成者"), f->actor ? f->actor : "-");
	kv(out, L(f, "generated at", "作成日時"), buf);
	snprintf(buf, sizeof(buf), "%s (max error %ld us)", f->clock == REPORT_GOOD ?
		 L(f, "synchronised", "同期済み") : f->clock == REPORT_BAD ?
		 L(f, "NOT synchronised", "未同期") : L(f, "unknown", "不明"), f->clock_maxerror_us);
	kv(out, L(f, "clock", "時刻同期"), buf);
	fputs("</table>\n", out);
}

static void diagram(const struct report_facts *f, FILE *out)
{
	fprintf(out, "<h2 id=\"s-diagram\">2. %s</h2>\n", L(f, "Zones and paths", "ゾーン構成図"));
	report_svg(f->p, f->ja, out);
	fprintf(out, "<p class=\"note\">%s</p>\n", L(f,
		"Edges: what crosses between two zones, by direction (flow, relay = sanitising "
		"relay, breakout = local breakout, exception). Dashed red with \u00d7: forbidden "
		"by invariant I2. Everything else is refused (default deny).",
		"線: ゾーン間を通過する通信の区分（flow=通信経路、relay=無害化通信、breakout=ローカル"
		"ブレイクアウト、exception=例外措置）。赤の破線と×: 不変条件 I2 により禁止。"
		"それ以外はすべて遮断（既定拒否）。"));
}

static void matrix(const struct report_facts *f, FILE *out)
{
	const struct policy *p = f->p;
	int a, b;

	fprintf(out, "<h2 id=\"s-matrix\">3. %s</h2>\n<table id=\"matrix\">\n<tr><th>%s</th>",
		L(f, "Reachability matrix", "ゾーン間到達性マトリクス"), L(f, "from \\ to", "送信元 \\ 宛先"));
	for (b = 0; b < p->n_zones; b++) {
		fputs("<th>", out);
		report_esc(out, p->zones[b].id);
		fputs("</th>", out);
	}
	fputs("</tr>\n", out);
	for (a = 0; a < p->n_zones; a++) {
		fprintf(out, "<tr class=\"row\"><th>");
		report_esc(out, p->zones[a].id);
		fputs("</th>", out);
		for (b = 0; b < p->n_zones; b++) {
			char l[96] = "";
			uint32_t bits = p->reach[a][b] & ~(1U << FLOW_MANAGEMENT);
			int c;
			size_t o = 0;

			for (c = 0; c < 18 && bits; c++) {
				const char *name = (bits & (1U << c)) ? report_reach_label(1U << c) : NULL;

				if (name && !strstr(l, name))
					o += (size_t)snprintf(l + o, sizeof(l) - o, "%s%s", o ? "," : "", name);
			}
			if (report_pair_forbidden(p, a, b) && !bits)
				fprintf(out, "<td class=\"ng\">\u00d7 %s", L(f, "forbidden", "禁止"));
			else
				fprintf(out, "<td>%s", l[0] ? l : "\u2014");
			if (f->pair_accepted && f->pair_refused)
				fprintf(out, "<br><span class=\"count\">%s %" PRIu64 " / %s %" PRIu64
					"</span>", L(f, "accepted", "許可"), f->pair_accepted[a][b],
					L(f, "refused", "遮断"), f->pair_refused[a][b]);
			fputs("</td>", out);
		}
		fputs("</tr>\n", out);
	}
	fprintf(out, "</table>\n<p class=\"note\">%s</p>\n", L(f,
		"Each cell: the classes that cross from the row's zone to the column's, then the "
		"kernel's counters of that pair (packets accepted, refused) since the table was made.",
		"各欄: 行のゾーンから列のゾーンへ通過する区分と、その組のカーネルの計数（許可・遮断した"
		"パケット数。テーブル作成以降）。"));
}

static const struct report_hit *hit_of(const struct report_facts *f, const char *name)
{
	int i;

	for (i = 0; i < f->n_hits; i++) {
		if (f->hits[i].name && !strcmp(f->hits[i].name, name))
			return &f->hits[i];
	}
	return NULL;
}

/* The connections of a flow or service and who counted them; "—" when nobody does. A
 * cross-zone one nobody counted yet is 0 when the kernel's accepts are counted: its first
 * connection would be logged. */
static void td_hits(const struct report_facts *f, const char *name, bool cross, FILE *out)
{
	const struct report_hit *h = hit_of(f, name);
	unsigned src = h ? h->src : 0;
	uint64_t e = h ? h->engine : 0, k = h ? h->kernel : 0;

	if (!src && f->kernel_hits && cross)
		src = REPORT_HIT_KERNEL;
	if (!src) {
		td(out, NULL);
		return;
	}
	fprintf(out, "<td class=\"hits\" data-n=\"%" PRIu64 "\" data-src=\"%s\">%" PRIu64
		"<br><span class=\"count\">", e + k, src == REPORT_HIT_ENGINE ? "engine" :
		src == REPORT_HIT_KERNEL ? "kernel" : "engine kernel", e + k);
	if (src == REPORT_HIT_ENGINE)
		fputs(L(f, "engine", "判定エンジン"), out);
	else if (src == REPORT_HIT_KERNEL)
		fputs(L(f, "kernel (at least)", "カーネル（下限）"), out);
	else
		fprintf(out, "%s %" PRIu64 " + %s %" PRIu64, L(f, "engine", "判定エンジン"), e,
			L(f, "kernel (at least)", "カーネル（下限）"), k);
	fputs("</span></td>", out);
}

static void flow_row(const struct report_facts *f, const struct flow *fl, FILE *out)
{
	const struct policy *p = f->p;
	char ports[256], pb[8], cls[96];

	ports_text(fl->ports, fl->n_ports, ports, sizeof(ports));
	snprintf(cls, sizeof(cls), "%s%s%s", policy_class_name(fl->cls),
		 fl->method ? " / " : "", fl->method ? policy_method_name(fl->method) : "");
	fputs("<tr class=\"row\">", out);
	td(out, fl->name);
	td(out, cls);
	td(out, fl->from.name);
	td(out, zone_id(p, fl->from.zone));
	td(out, fl->to.name);
	td(out, zone_id(p, fl->to.zone));
	td(out, proto_text(fl->proto, pb, sizeof(pb)));
	td(out, ports);
	td(out, fl->approval);
	td(out, fl->purpose);
	td(out, policy_verdict_name(fl->verdict));
	td_hits(f, fl->name, fl->from.zone != fl->to.zone, out);
	fputs("</tr>\n", out);
}

static void flows(const struct report_facts *f, FILE *out)
{
	const char *cols_en[] = { "name", "class", "from", "zone", "to", "zone", "proto", "ports",
				  "approval", "purpose", "decided by", "connections", NULL };
	const char *cols_ja[] = { "名前", "区分", "送信元", "ゾーン", "宛先", "ゾーン", "プロトコル",
				  "ポート", "承認番号", "目的", "判定", "接続数", NULL };
	int i;

	fprintf(out, "<h2 id=\"s-flows\">4. %s</h2>\n<table id=\"flows\">\n",
		L(f, "Flows", "許可された通信経路"));
	th_row(out, f->ja ? cols_ja : cols_en);
	for (i = 0; i < f->p->n_flows; i++)
		flow_row(f, &f->p->flows[i], out);
	fprintf(out, "</table>\n<p class=\"note\">%s</p>\n", L(f,
		"connections: \u201cengine\u201d: accepted by the verdict engine under this "
		"generation; \u201ckernel\u201d: new connections the kernel accepted, from the flow "
		"log since sansod started (a lower bound: the kernel rate-limits its log lines, "
		"logging.kernel_rate). \u2014: not counted (no flow log, or a flow within one zone).",
		"接続数: 「判定エンジン」はこの世代で判定エンジンが許可した接続、「カーネル」はカーネル"
		"が許可した新規接続をフローログから sansod 起動以降で計数したもの（下限値: カーネルは"
		"ログ行を logging.kernel_rate で制限します）。\u2014: 計数なし（フローログなし、または"
		"ゾーン内の通信）。"));
}

static const struct report_exc *ledger_of(const struct report_facts *f, const char *id)
{
	int i;

	for (i = 0; i < f->n_ledger; i++) {
		if (!strcmp(f->ledger[i].id, id))
			return &f->ledger[i];
	}
	return NULL;
}

static void exc_row(const struct report_facts *f, const struct exception *e, FILE *out)
{
	bool soon = !e->expired && e->expires - f->now < SOON_DAYS * DAY;
	char ports[256], pb[8];

	ports_text(e->ports, e->n_ports, ports, sizeof(ports));
	fprintf(out, "<tr class=\"row%s\">", e->expired ? " done" : soon ? " soon" : "");
	td(out, e->id);
	td(out, e->expired ? L(f, "expired", "期限切れ") : L(f, "active", "有効"));
	td(out, e->from.name);
	td(out, e->to.name);
	td(out, proto_text(e->proto, pb, sizeof(pb)));
	td(out, ports);
	td(out, e->reason);
	td(out, e->requested_by);
	td(out, e->approved_by);
	td(out, e->expires_text);
	td(out, ledger_of(f, e->id) ? "sansoctl" : L(f, "policy file", "ポリシー"));
	fputs("</tr>\n", out);
}

static void ledger_row(const struct report_facts *f, const struct report_exc *x, FILE *out)
{
	fputs("<tr class=\"row done\">", out);
	td(out, x->id);
	td(out, x->revoked ? L(f, "revoked", "取消") : L(f, "proposed", "申請中"));
	td(out, x->from);
	td(out, x->to);
	td(out, x->proto);
	td(out, x->ports);
	td(out, x->reason);
	td(out, x->requested_by);
	td(out, x->approved_by);
	td(out, x->expires);
	td(out, "sansoctl");
	fputs("</tr>\n", out);
}

static void exceptions(const struct report_facts *f, FILE *out)
{
	const char *cols_en[] = { "id", "state", "from", "to", "proto", "ports", "reason",
				  "requested by", "approved by", "expires", "source", NULL };
	const char *cols_ja[] = { "番号", "状態", "送信元", "宛先", "プロトコル", "ポート", "理由",
				  "申請者", "承認者", "期限", "登録元", NULL };
	const struct policy *p = f->p;
	int i, n = 0;

	fprintf(out, "<h2 id=\"s-exceptions\">5. %s</h2>\n<table id=\"exceptions\">\n",
		L(f, "Exceptions", "例外措置"));
	th_row(out, f->ja ? cols_ja : cols_en);
	for (i = 0; i < p->n_exceptions; i++) {
		if (!p->exceptions[i].window)
			exc_row(f, &p->exceptions[i], out);
		n += !p->exceptions[i].window;
	}
	for (i = 0; i < f->n_ledger; i++) {
		if (f->ledger[i].revoked || f->ledger[i].proposed)
			ledger_row(f, &f->ledger[i], out);
		else
			n--;	/* active: a row of the policy's above */
	}
	empty_row(f, n + f->n_ledger, 11, out);
	fprintf(out, "</table>\n<p class=\"note\">%s</p>\n", L(f,
		"Highlighted: ends within 30 days.", "強調表示: 30 日以内に期限切れ。"));
}

static void window_row(const struct report_facts *f, const struct mwin *w, FILE *out)
{
	char n[64];

	fprintf(out, "<tr class=\"row%s\">", w->state == MW_ACTIVE ? "" : " done");
	td(out, w->id);
	td(out, mw_state_name(w->state));
	td(out, w->vendor);
	td(out, w->from);
	td(out, w->to);
	td(out, w->proto);
	td(out, w->ports);
	td(out, w->until);
	td(out, w->by);
	td(out, w->by2);
	td(out, w->reason);
	snprintf(n, sizeof(n), "%" PRIu64, w->sessions);
	td(out, n);
	(void)f;
	fputs("</tr>\n", out);
}

static void windows(const struct report_facts *f, FILE *out)
{
	const char *cols_en[] = { "id", "state", "vendor", "from", "to", "proto", "ports", "until",
				  "proposed by", "approved by", "reason", "sessions", NULL };
	const char *cols_ja[] = { "番号", "状態", "保守事業者", "接続元", "接続先", "プロトコル",
				  "ポート", "終了", "申請者", "承認者", "理由", "セッション数", NULL };
	int i;

	fprintf(out, "<h2 id=\"s-windows\">6. %s</h2>\n<table id=\"windows\">\n",
		L(f, "Remote maintenance windows", "リモート保守"));
	th_row(out, f->ja ? cols_ja : cols_en);
	for (i = 0; i < f->n_windows; i++)
		window_row(f, &f->windows[i], out);
	empty_row(f, f->n_windows, 12, out);
	fputs("</table>\n", out);
}

static bool revoked(const struct report_facts *f, const char *name)
{
	int i;

	for (i = 0; i < f->n_revocations; i++) {
		if (!strcmp(f->revocations[i], name))
			return true;
	}
	return false;
}

static void service_row(const struct report_facts *f, const struct service *s, FILE *out)
{
	bool soon = !s->disabled && s->ismap_valid_until &&
		    s->ismap_valid_until - f->now < SOON_DAYS * DAY;
	const char *state = revoked(f, s->name) ? L(f, "revoked", "遮断中") :
			    s->disabled ? L(f, "registration expired", "登録期限切れ") :
			    soon ? L(f, "expires within 30 days", "30 日以内に期限") : L(f, "valid", "有効");
	char ports[256], names[512] = "";
	size_t o = 0;
	int i;

	for (i = 0; i < s->n_fqdns && o < sizeof(names) - 1; i++)
		o += (size_t)snprintf(names + o, sizeof(names) - o, "%s%s", i ? " " : "", s->fqdns[i]);
	ports_text(s->ports, s->n_ports, ports, sizeof(ports));
	fprintf(out, "<tr class=\"row%s\">", s->disabled || revoked(f, s->name) ? " bad" :
		soon ? " soon" : "");
	td(out, s->name);
	td(out, policy_svctype_name(s->type));
	td(out, s->ismap);
	td(out, s->ismap_valid_text);
	td(out, state);
	td(out, names);
	td(out, ports);
	td(out, policy_match_name(s->match));
	td(out, s->approval);
	td_hits(f, s->name, true, out);
	fputs("</tr>\n", out);
}

static void services(const struct report_facts *f, FILE *out)
{
	const char *cols_en[] = { "service", "type", "ISMAP number", "valid until", "state", "names",
				  "ports", "match", "approval", "connections", NULL };
	const char *cols_ja[] = { "サービス", "種別", "ISMAP 登録番号", "有効期限", "状態", "名前",
				  "ポート", "照合", "承認番号", "接続数", NULL };
	const struct breakout *b = &f->p->breakout;
	int i;

	fprintf(out, "<h2 id=\"s-services\">7. %s</h2>\n<table id=\"services\">\n",
		L(f, "Local breakout services", "ローカルブレイクアウト先クラウドサービス"));
	th_row(out, f->ja ? cols_ja : cols_en);
	for (i = 0; i < b->n_services; i++)
		service_row(f, &b->services[i], out);
	empty_row(f, b->n_services, 10, out);
	fputs("</table>\n", out);
}

static void containment(const struct report_facts *f, FILE *out)
{
	int i;

	fprintf(out, "<h2 id=\"s-isolations\">8. %s</h2>\n<table id=\"isolations\">\n<tr><th>%s"
		"</th><th>%s</th><th>%s</th></tr>\n", L(f, "Isolations and revocations", "遮断と利用停止"),
		L(f, "kind", "種類"), L(f, "target", "対象"), L(f, "state", "状態"));
	for (i = 0; i < f->n_isolations; i++) {
		bool ok = !f->isolation_resolved || f->isolation_resolved[i];

		fprintf(out, "<tr class=\"row%s\">", ok ? "" : " bad");
		td(out, L(f, "isolation", "遮断"));
		td(out, f->isolations[i]);
		td(out, ok ? L(f, "in force", "実施中") : L(f, "UNRESOLVED: nothing is cut",
							  "対象不明: 何も遮断されていません"));
		fputs("</tr>\n", out);
	}
	for (i = 0; i < f->n_revocations; i++) {
		fputs("<tr class=\"row\">", out);
		td(out, L(f, "breakout revocation", "ブレイクアウト遮断"));
		td(out, f->revocations[i]);
		td(out, L(f, "in force", "実施中"));
		fputs("</tr>\n", out);
	}
	empty_row(f, f->n_isolations + f->n_revocations, 3, out);
	fputs("</table>\n", out);
}

static void history(const struct report_facts *f, FILE *out)
{
	const char *vc_en[] = { "version", "kind", "parent", "by", "approved by", "at", "reason", NULL };
	const char *vc_ja[] = { "版", "種別", "元の版", "申請者", "承認者", "日時", "理由", NULL };
	const char *cc_en[] = { "change", "state", "by", "approved by", "at", "version", "reason", NULL };
	const char *cc_ja[] = { "変更", "状態", "申請者", "承認者", "日時", "版", "理由", NULL };
	char n[16], m[16];
	int i;

	fprintf(out, "<h2 id=\"s-history\">9. %s</h2>\n<table id=\"versions\">\n",
		L(f, "Change history", "変更履歴"));
	th_row(out, f->ja ? vc_ja : vc_en);
	for (i = 0; i < f->n_versions; i++) {
		const struct report_version *v = &f->versions[i];

		snprintf(n, sizeof(n), "%u%s", v->version, v->version == f->running ? " *" : "");
		snprintf(m, sizeof(m), "%u", v->parent);
		fprintf(out, "<tr class=\"row%s\">", v->reverted ? " bad" : "");
		td(out, n);
		td(out, v->kind);
		td(out, v->parent ? m : NULL);
		td(out, v->by);
		td(out, v->approved_by);
		td_time(out, v->at);
		td(out, v->reason);
		fputs("</tr>\n", out);
	}
	fputs("</table>\n<table id=\"changes\">\n", out);
	th_row(out, f->ja ? cc_ja : cc_en);
	for (i = 0; i < f->n_changes; i++) {
		const struct report_change *c = &f->changes[i];

		snprintf(n, sizeof(n), "%u", c->version);
		fputs("<tr class=\"row\">", out);
		td(out, c->id);
		td(out, c->state);
		td(out, c->by);
		td(out, c->by2);
		td_time(out, c->at);
		td(out, c->version ? n : NULL);
		td(out, c->reason);
		fputs("</tr>\n", out);
	}
	empty_row(f, f->n_changes, 7, out);
	fputs("</table>\n", out);
}

static void state_line(const struct report_facts *f, FILE *out, const char *id, const char *what,
		       enum report_tri t, const char *text)
{
	fprintf(out, "<tr class=\"row\" id=\"%s\"><th>%s</th><td class=\"%s\">", id, what,
		t == REPORT_GOOD ? "ok" : t == REPORT_BAD ? "ng" : "");
	report_esc(out, text);
	fputs("</td></tr>\n", out);
	(void)f;
}

static void integrity(const struct report_facts *f, FILE *out)
{
	char buf[512];

	fprintf(out, "<h2 id=\"s-integrity\">10. %s</h2>\n<table id=\"integrity\">\n",
		L(f, "Audit trail, flow log and drift", "監査証跡・通信記録・差分検査"));
	snprintf(buf, sizeof(buf), "%s: %llu %s, %s %llu%s%s", !f->audit_on ?
		 L(f, "no audit trail", "監査証跡なし") : f->audit_state == REPORT_GOOD ?
		 L(f, "chain intact", "改ざんなし") : f->audit_state == REPORT_BAD ?
		 L(f, "BROKEN", "改ざん・障害を検出") : L(f, "not verified", "未検証"),
		 (unsigned long long)f->audit_records, L(f, "records", "件"),
		 L(f, "last seq", "最終番号"), (unsigned long long)f->audit_last_seq,
		 f->audit_why[0] ? "; " : "", f->audit_why);
	state_line(f, out, "audit-state", L(f, "audit trail", "監査証跡"),
		   f->audit_on ? f->audit_state : REPORT_BAD, buf);
	/* the writer's words (flowd_state) say writing, or why not */
	snprintf(buf, sizeof(buf), "%s", f->flowlog_why[0] ? f->flowlog_why :
		 f->flowlog == REPORT_NONE ? "\u2014" : f->flowlog == REPORT_GOOD ?
		 L(f, "writing", "記録中") : L(f, "NOT WRITTEN", "記録できません"));
	state_line(f, out, "flowlog-state", L(f, "flow log", "通信記録"), f->flowlog, buf);
	report_flowcheck_text(&f->flowcheck, f->ja, buf, sizeof(buf));
	state_line(f, out, "flowlog-verify", L(f, "flow log verified now", "通信記録の改ざん検知"),
		   f->flowcheck.state, buf);
	snprintf(buf, sizeof(buf), "%s (%s %u, %d %s)", f->drift == REPORT_GOOD ?
		 L(f, "in sync", "一致") : f->drift == REPORT_BAD ? L(f, "DRIFT", "差分あり") :
		 L(f, "kernel not readable", "カーネルを読めません"), L(f, "generation", "世代"),
		 f->generation, f->drift_differences, L(f, "differences", "件の差分"));
	state_line(f, out, "drift-state", L(f, "kernel vs policy", "カーネルとポリシーの照合"),
		   f->drift, buf);
	snprintf(buf, sizeof(buf), "%s%s%s", f->proof == REPORT_GOOD ?
		 L(f, "proven: the kernel's table allows no path the policy does not",
		   "証明済み: カーネルのルールセットはポリシーにない経路を通しません") :
		 f->proof == REPORT_BAD ? L(f, "VIOLATION: ", "違反: ") :
		 f->proof == REPORT_NONE ? "\u2014" : L(f, "cannot evaluate: ", "評価できません: "),
		 f->proof == REPORT_GOOD ? "" : f->proof_detail, "");
	state_line(f, out, "proof-state", L(f, "independent proof of the kernel's table",
					       "カーネルのルールセットの独立した証明"), f->proof, buf);
	fputs("</table>\n", out);
}

static void checklist(const struct report_facts *f, FILE *out)
{
	struct report_check v[REPORT_CHECKS_MAX];
	int i, n = report_checklist(f, v, REPORT_CHECKS_MAX);

	fprintf(out, "<h2 id=\"s-checklist\">11. %s</h2>\n<p class=\"note\">%s</p>\n"
		"<table id=\"checklist\">\n<tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr>\n",
		L(f, "Self-inspection", "自己点検"),
		L(f, "\u25cb met \u00b7 \u25b3 improvement advised \u00b7 \u00d7 to be fixed \u00b7 "
		  "\u2212 not applicable", "○：適正　△：改善を推奨　×：改善を要する　−：該当なし"),
		L(f, "requirement", "要件"), L(f, "item", "項目"), L(f, "grade", "判定"),
		L(f, "evidence", "根拠"));
	for (i = 0; i < n; i++) {
		fprintf(out, "<tr class=\"row grade-%d\">", v[i].grade);
		td(out, v[i].req);
		td(out, f->ja ? v[i].what_ja : v[i].what_en);
		fprintf(out, "<td class=\"grade\">%s</td>", report_grade_mark(v[i].grade));
		td(out, v[i].evidence);
		fputs("</tr>\n", out);
	}
	fputs("</table>\n", out);
}

int report_html(const struct report_facts *f, FILE *out)
{
	head(f, out);
	summary(f, out);
	if (f->p) {
		diagram(f, out);
		matrix(f, out);
		flows(f, out);
		exceptions(f, out);
		windows(f, out);
		services(f, out);
	}
	containment(f, out);
	history(f, out);
	integrity(f, out);
	if (f->p)
		checklist(f, out);
	fputs("<p class=\"note\">sanso ", out);
	report_esc(out, f->sanso_version);
	if (f->p && f->p->classification) {
		fputs(" \u00b7 ", out);
		report_esc(out, f->p->classification);
	}
	fputs("</p>\n</body>\n</html>\n", out);
	return ferror(out) ? -EIO : 0;
}
