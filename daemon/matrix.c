/* SPDX-License-Identifier: GPL-2.0-only */
/* matrix.c: the zone reachability matrix of a validated policy (sansod -n -v, sansoctl dump),
 * in English or Japanese, optionally with what each cell stands for: its flows, exceptions and
 * breakout services (hosts, protocol, ports, approval, file:line) and the implicit paths the
 * compiler adds (the breakout DNS path resolver -> upstream). Every line is a comment, so the
 * matrix may follow policy_print() output. Pure: stdio only. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "policy.h"

#define CELL_MAX	256

struct mx {
	const struct policy *p;
	FILE *out;
	bool ja;
	int nz;
};

static const char *str_or(const char *s, const char *dflt)
{
	return s && *s ? s : dflt;
}

/* The classes crossing from -> to, comma-separated; "" if none. */
static const char *reach_text(uint32_t bits, char *buf, size_t len)
{
	size_t o = 0;
	int c, n;

	buf[0] = '\0';
	for (c = 0; c < FLOW_CLASS_MAX + 2; c++) {
		const char *name = c < FLOW_CLASS_MAX ? policy_class_name((enum flow_class)c) :
				   c == FLOW_CLASS_MAX ? "exception" : "breakout";
		uint32_t bit = c < FLOW_CLASS_MAX ? 1U << c :
			       c == FLOW_CLASS_MAX ? REACH_EXCEPTION : REACH_BREAKOUT;

		if (!(bits & bit))
			continue;
		n = snprintf(buf + o, len - o, "%s%s", o ? "," : "", name);
		if (n < 0 || (size_t)n >= len - o)
			break;
		o += (size_t)n;
	}
	return buf;
}

/* The zone's name as configured (e.g. マイナンバー事務系); the role's Japanese name when the
 * config gave only the id; NULL when there is nothing to add to the id. */
static const char *zone_label(const struct zone *z)
{
	if (z->label && *z->label && strcmp(z->label, z->id))
		return z->label;
	return policy_zone_label_ja(policy_zone_role(z->id));
}

static void matrix_head(const struct mx *m)
{
	const struct policy *p = m->p;
	FILE *out = m->out;
	int i;

	fprintf(out, m->ja ? "# ゾーン間到達性マトリクス / zone reachability matrix\n" :
		"# zone reachability matrix / ゾーン間到達性マトリクス\n");
	fprintf(out, m->ja ? "# 組織: %s\n" : "# organisation: %s\n", str_or(p->organisation, "-"));
	fprintf(out, m->ja ? "# 基本方針: %s\n" : "# document: %s\n", str_or(p->document, "-"));
	fprintf(out, m->ja ? "# モデル: %s; 設定ファイル: %s\n" : "# model: %s; source: %s\n",
		policy_model_name(p->model), str_or(p->file, "(none)"));
	if (p->validated)
		fprintf(out, m->ja ? "# 状態: 検証済み (I1-I6 成立); 記載の区分だけが通過します\n" :
			"# status: validated (I1-I6 hold); only the classes listed cross\n");
	else
		fprintf(out, m->ja ? "# 状態: 未検証 (エラーあり); このマトリクスは何も証明しません\n" :
			"# status: NOT VALIDATED (errors found); the matrix proves nothing\n");
	fprintf(out, m->ja ? "# (管理通信はゲートウェイ自身で終端: ゾーンの組ではなく下に別記)\n" :
		"# (management flows end at the gateway itself: no zone pair, not shown)\n");
	fprintf(out, m->ja ? "# ゾーン:\n" : "# zones:\n");
	for (i = 0; i < m->nz; i++) {
		if (zone_label(&p->zones[i]))
			fprintf(out, "#   %-10s %s\n", p->zones[i].id, zone_label(&p->zones[i]));
		else
			fprintf(out, "#   %s\n", p->zones[i].id);
	}
}

static int matrix_width(const struct mx *m, int col, const char *corner)
{
	char buf[CELL_MAX];
	int i, w, best = col < 0 ? (int)strlen(corner) : (int)strlen(m->p->zones[col].id);

	for (i = 0; i < m->nz; i++) {
		w = (int)strlen(col < 0 ? m->p->zones[i].id :
				 reach_text(m->p->reach[i][col], buf, sizeof(buf)));
		if (w > best)
			best = w;
	}
	return best;
}

static void matrix_table(const struct mx *m)
{
	const char *corner = m->ja ? "送信元 \\ 宛先" : "from \\ to";
	char buf[CELL_MAX];
	int w[POLICY_ZONES_MAX], w0 = matrix_width(m, -1, corner), i, j, nz = m->nz;

	for (j = 0; j < nz; j++)
		w[j] = matrix_width(m, j, corner);
	fprintf(m->out, "#\n# %-*s", w0, corner);
	for (j = 0; j < nz; j++)
		fprintf(m->out, "  %-*s", j + 1 < nz ? w[j] : 0, m->p->zones[j].id);
	fprintf(m->out, "\n");
	for (i = 0; i < nz; i++) {
		fprintf(m->out, "# %-*s", w0, m->p->zones[i].id);
		for (j = 0; j < nz; j++) {
			reach_text(m->p->reach[i][j], buf, sizeof(buf));
			fprintf(m->out, "  %-*s", j + 1 < nz ? w[j] : 0, buf[0] ? buf : "-");
		}
		fprintf(m->out, "\n");
	}
}

static bool pair_forbidden(const struct policy *p, int a, int b)
{
	enum zone_role ra = policy_zone_role(p->zones[a].id), rb = policy_zone_role(p->zones[b].id);

	return (ra == ZONE_MYNUMBER && rb == ZONE_INTERNET) ||
	       (ra == ZONE_INTERNET && rb == ZONE_MYNUMBER);
}

/* "tcp/443,8000-8080", "icmp", "proto 89". */
static void proto_ports(uint8_t proto, const struct port_range *pr, int n, char *buf, size_t len)
{
	const char *name = policy_proto_name(proto);
	size_t o;
	int i, k;

	k = name ? snprintf(buf, len, "%s", name) : snprintf(buf, len, "proto %u", proto);
	o = k > 0 ? (size_t)k : 0;
	for (i = 0; i < n && o < len; i++) {
		k = pr[i].lo == pr[i].hi ?
		    snprintf(buf + o, len - o, "%c%u", i ? ',' : '/', pr[i].lo) :
		    snprintf(buf + o, len - o, "%c%u-%u", i ? ',' : '/', pr[i].lo, pr[i].hi);
		if (k < 0)
			break;
		o += (size_t)k;
	}
}

static void cell_flow(const struct mx *m, const struct flow *f)
{
	char pp[CELL_MAX];

	proto_ports(f->proto, f->ports, f->n_ports, pp, sizeof(pp));
	fprintf(m->out, m->ja ? "#   フロー %s: %s -> %s %s 承認 %s%s%s [%s:%d]\n" :
		"#   flow %s: %s -> %s %s approval %s%s%s [%s:%d]\n", f->name,
		str_or(f->from.name, "?"), str_or(f->to.name, "?"), pp,
		str_or(f->approval, m->ja ? "なし" : "none"),
		f->verdict != VERDICT_ENGINE ? "" : m->ja ? " (検査エンジンが判定)" :
		" (verdict engine)",
		!f->local ? "" : m->ja ? " (ゲートウェイを通らない: ここでは制御されない)" :
		" (never crosses the gateway: not enforced here)",
		str_or(m->p->file, "-"), f->loc.line);
}

static void cell_exception(const struct mx *m, const struct exception *x)
{
	char pp[CELL_MAX];

	proto_ports(x->proto, x->ports, x->n_ports, pp, sizeof(pp));
	fprintf(m->out, m->ja ? "#   例外 %s: %s -> %s %s 承認者 %s 期限 %s [%s:%d]\n" :
		"#   exception %s: %s -> %s %s approved-by %s expires %s [%s:%d]\n", x->id,
		str_or(x->from.name, "?"), str_or(x->to.name, "?"), pp, x->approved_by,
		str_or(x->expires_text, "?"), str_or(m->p->file, "-"), x->loc.line);
}

static void cell_service(const struct mx *m, const struct service *sv)
{
	char pp[CELL_MAX];
	int i;

	proto_ports(6, sv->ports, sv->n_ports, pp, sizeof(pp));
	fprintf(m->out, m->ja ? "#   サービス %s:" : "#   service %s:", sv->name);
	for (i = 0; i < sv->n_fqdns && i < 3; i++)
		fprintf(m->out, "%s%s", i ? "," : " ", sv->fqdns[i]);
	if (sv->n_fqdns > 3)
		fprintf(m->out, ",...(%d)", sv->n_fqdns);
	fprintf(m->out, m->ja ? " %s %s 承認 %s [%s:%d]\n" : " %s %s approval %s [%s:%d]\n", pp,
		policy_match_name(sv->match), str_or(sv->approval, m->ja ? "なし" : "none"),
		str_or(m->p->file, "-"), sv->loc.line);
}

/* Zone (not the "any" zone) whose networks hold the prefix r; -1 if none. */
static int zone_of(const struct policy *p, int nz, const struct prefix *r)
{
	struct prefix v[64];
	struct endpoint ep = { 0 };
	int z, i, n;

	for (z = 0; z < nz; z++) {
		if (p->zones[z].any)
			continue;
		ep.kind = EP_ZONE;
		ep.idx = ep.zone = z;
		n = policy_ep_prefixes(p, &ep, r->family, v, 64);
		for (i = 0; i < n && i < 64; i++) {
			if (policy_prefix_contains(&v[i], r))
				return z;
		}
	}
	return -1;
}

/* A prefix; a single address without its /32 or /128. */
static void host_text(const struct prefix *pf, char *buf, size_t len)
{
	char *slash;

	policy_prefix_format(pf, buf, len);
	slash = strchr(buf, '/');
	if (slash && pf->len == (pf->family == AF_INET ? 32 : 128))
		*slash = '\0';
}

/* The breakout DNS path: the resolvers in zone a may ask the upstreams (in the Internet zone
 * b) on udp and tcp 53; the compiler adds it for the breakout section. */
static void cell_implicit(const struct mx *m, int a, int b)
{
	const struct breakout *br = &m->p->breakout;
	char r[64], u[64];
	int i, j;

	if (!br->n_services || policy_zone_role(m->p->zones[b].id) != ZONE_INTERNET)
		return;
	for (i = 0; i < br->n_resolvers; i++) {
		if (zone_of(m->p, m->nz, &br->resolvers[i]) != a)
			continue;
		host_text(&br->resolvers[i], r, sizeof(r));
		for (j = 0; j < br->n_upstreams; j++) {
			if (br->upstreams[j].family != br->resolvers[i].family)
				continue;
			host_text(&br->upstreams[j], u, sizeof(u));
			fprintf(m->out, m->ja ? "#   暗黙: ブレイクアウト DNS %s -> %s udp,tcp/53 "
				"(breakout の resolvers, upstreams) [%s:%d]\n" :
				"#   implicit: breakout DNS %s -> %s udp,tcp/53 (breakout resolvers, "
				"upstreams) [%s:%d]\n", r, u, str_or(m->p->file, "-"), br->loc.line);
		}
	}
}

static bool breakout_from(const struct policy *p, int z)
{
	const struct breakout *b = &p->breakout;
	int i, g;

	for (i = 0; i < b->n_from; i++) {
		g = b->from_group ? b->from_group[i] : -1;
		if ((b->from && b->from[i] == z) ||
		    (g >= 0 && g < p->n_groups && p->groups[g].zone == z))
			return true;
	}
	return false;
}

/* What the cell a -> b stands for. */
static void matrix_cell(const struct mx *m, int a, int b)
{
	const struct policy *p = m->p;
	int i;

	for (i = 0; i < p->n_flows; i++) {
		const struct flow *f = &p->flows[i];

		if (f->cls != FLOW_MANAGEMENT && f->from.zone == a && f->to.zone == b)
			cell_flow(m, f);
	}
	for (i = 0; i < p->n_exceptions; i++) {
		const struct exception *x = &p->exceptions[i];

		if (!x->expired && x->from.zone == a && x->to.zone == b)
			cell_exception(m, x);
	}
	if ((p->reach[a][b] & REACH_BREAKOUT) && breakout_from(p, a)) {
		for (i = 0; i < p->breakout.n_services; i++) {
			if (!p->breakout.services[i].disabled)
				cell_service(m, &p->breakout.services[i]);
		}
	}
	cell_implicit(m, a, b);
}

static void matrix_gateway(const struct mx *m)
{
	int i, n = 0;

	for (i = 0; i < m->p->n_flows; i++) {
		if (m->p->flows[i].cls != FLOW_MANAGEMENT)
			continue;
		if (!n++)
			fprintf(m->out, m->ja ? "#\n# ゲートウェイ (管理通信):\n" :
				"#\n# gateway (management):\n");
		cell_flow(m, &m->p->flows[i]);
	}
}

static void matrix_pairs(const struct mx *m, bool cells)
{
	char buf[CELL_MAX];
	int i, j;

	fprintf(m->out, "#\n");
	for (i = 0; i < m->nz; i++) {
		for (j = 0; j < m->nz; j++) {
			reach_text(m->p->reach[i][j], buf, sizeof(buf));
			if (i == j && !buf[0])
				continue;
			fprintf(m->out, "# %s -> %s: %s%s\n", m->p->zones[i].id, m->p->zones[j].id,
				buf[0] ? buf : m->ja ? "なし" : "none",
				!buf[0] && pair_forbidden(m->p, i, j) ? " (I2)" : "");
			if (cells)
				matrix_cell(m, i, j);
		}
	}
	if (cells)
		matrix_gateway(m);
}

int policy_print_matrix_ex(const struct policy *p, FILE *out, bool ja, bool cells)
{
	struct mx m = { p, out, ja, 0 };

	if (!p || !out)
		return -EINVAL;
	m.nz = p->n_zones < POLICY_ZONES_MAX ? p->n_zones : POLICY_ZONES_MAX;
	matrix_head(&m);
	matrix_table(&m);
	matrix_pairs(&m, cells);
	if (fflush(out) == EOF || ferror(out))
		return errno ? -errno : -EIO;
	return 0;
}

int policy_print_matrix(const struct policy *p, FILE *out)
{
	return policy_print_matrix_ex(p, out, false, false);
}
