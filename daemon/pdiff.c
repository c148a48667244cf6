/* SPDX-License-Identifier: GPL-2.0-only */
/* pdiff.c: the policy-level difference of two policies; see pdiff.h.
 * Every object is first described as a record: its fields in a fixed order, each a short text
 * (NULL when not set) or a sorted list of texts. Two records of one kind and name are then
 * compared field by field; only the pairs being compared are described at a time. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "pdiff.h"
#include "util_json.h"
#include "util_time.h"

#define REC_FIELDS	16
#define NAME_BUF	(2 * POLICY_NAME_MAX + 8)

struct rf {
	const char *field;
	char *val;			/* text, or a list's elements joined by ", "; NULL: not set */
	char **el;			/* list: sorted elements */
	int n_el;
	bool list;
};

struct rec {
	struct rf f[REC_FIELDS];
	int n;
	int err;
};

static void rec_fini(struct rec *r)
{
	int i, j;

	for (i = 0; i < r->n; i++) {
		free(r->f[i].val);
		for (j = 0; j < r->f[i].n_el; j++)
			free(r->f[i].el[j]);
		free(r->f[i].el);
	}
	memset(r, 0, sizeof(*r));
}

static struct rf *rec_add(struct rec *r, const char *field, bool list)
{
	struct rf *f;

	if (r->n >= REC_FIELDS) {
		r->err = -EINVAL;	/* a kind with too many fields: a bug, not silence */
		return NULL;
	}
	f = &r->f[r->n++];
	f->field = field;
	f->list = list;
	return f;
}

/* A scalar field: s copied; NULL or "" is not set. */
static void rec_str(struct rec *r, const char *field, const char *s)
{
	struct rf *f = rec_add(r, field, false);

	if (f && s && *s && !(f->val = strdup(s)))
		r->err = -ENOMEM;
}

static void rec_fmt(struct rec *r, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void rec_fmt(struct rec *r, const char *field, const char *fmt, ...)
{
	struct rf *f = rec_add(r, field, false);
	va_list ap;

	if (!f)
		return;
	va_start(ap, fmt);
	if (vasprintf(&f->val, fmt, ap) < 0) {
		f->val = NULL;
		r->err = -ENOMEM;
	}
	va_end(ap);
}

static void rec_int(struct rec *r, const char *field, long long v)
{
	rec_fmt(r, field, "%lld", v);
}

/* An element of the list field opened last (rec_add(..., true)). */
static void rec_el(struct rec *r, const char *s)
{
	struct rf *f = r->n ? &r->f[r->n - 1] : NULL;
	char **v;

	if (!f || !f->list || r->err)
		return;
	if (!(f->n_el & (f->n_el - 1))) {	/* at 0, 1, 2, 4, ...: double */
		v = realloc(f->el, (size_t)(f->n_el ? f->n_el * 2 : 1) * sizeof(*v));
		if (!v) {
			r->err = -ENOMEM;
			return;
		}
		f->el = v;
	}
	if (!(f->el[f->n_el] = strdup(s ? s : ""))) {
		r->err = -ENOMEM;
		return;
	}
	f->n_el++;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Close the list field opened last: sort its elements, join them into val. */
static void rec_list_end(struct rec *r)
{
	struct rf *f = r->n ? &r->f[r->n - 1] : NULL;
	size_t len = 0, o = 0;
	int i;

	if (!f || !f->list || r->err || !f->n_el)
		return;
	qsort(f->el, (size_t)f->n_el, sizeof(*f->el), cmp_str);
	for (i = 0; i < f->n_el; i++)
		len += strlen(f->el[i]) + 2;
	if (!(f->val = malloc(len + 1))) {
		r->err = -ENOMEM;
		return;
	}
	for (i = 0; i < f->n_el; i++) {
		len = strlen(f->el[i]);
		if (i) {
			memcpy(f->val + o, ", ", 2);
			o += 2;
		}
		memcpy(f->val + o, f->el[i], len);
		o += len;
	}
	f->val[o] = '\0';
}

/* ---- values as text ---------------------------------------------------------------------- */

/* An address alone ("10.20.0.10", "fd10::5"). */
static const char *addr_text(uint8_t family, const uint8_t *a, char *buf, size_t len)
{
	struct prefix pf = { .family = family, .len = family == AF_INET6 ? 128 : 32 };
	char *slash;

	memcpy(pf.addr, a, family == AF_INET6 ? 16 : 4);
	if (policy_prefix_format(&pf, buf, len) < 0)
		return "?";
	slash = strrchr(buf, '/');
	if (slash)
		*slash = '\0';
	return buf;
}

/* Prefixes as a set; bare: a whole-address prefix without its length (resolvers). */
static void rec_prefixes(struct rec *r, const char *field, const struct prefix *v, int n,
			 bool bare)
{
	char buf[64];
	int i;

	if (!rec_add(r, field, true))
		return;
	for (i = 0; i < n; i++) {
		if (bare && v[i].len == (v[i].family == AF_INET6 ? 128 : 32))
			rec_el(r, addr_text(v[i].family, v[i].addr, buf, sizeof(buf)));
		else
			rec_el(r, policy_prefix_format(&v[i], buf, sizeof(buf)) < 0 ? "?" : buf);
	}
	rec_list_end(r);
}

static void rec_strings(struct rec *r, const char *field, char *const *v, int n)
{
	int i;

	if (!rec_add(r, field, true))
		return;
	for (i = 0; i < n; i++)
		rec_el(r, v[i]);
	rec_list_end(r);
}

static int cmp_port(const void *a, const void *b)
{
	const struct port_range *x = a, *y = b;

	return x->lo != y->lo ? (int)x->lo - (int)y->lo : (int)x->hi - (int)y->hi;
}

/* Ports as a set: "22,443,8000-8010"; NULL when there are none. */
static void rec_ports(struct rec *r, const struct port_range *v, int n)
{
	struct port_range s[POLICY_PORTS_MAX];
	char buf[POLICY_PORTS_MAX * 12 + 1];
	size_t o = 0;
	int i;

	n = n < 0 ? 0 : n > POLICY_PORTS_MAX ? POLICY_PORTS_MAX : n;
	if (n)
		memcpy(s, v, (size_t)n * sizeof(*s));
	qsort(s, (size_t)n, sizeof(*s), cmp_port);
	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, s[i].lo == s[i].hi ? "%s%u" :
				      "%s%u-%u", i ? "," : "", s[i].lo, s[i].hi);
	}
	rec_str(r, "ports", buf);
}

static void rec_proto(struct rec *r, uint8_t proto)
{
	const char *n = policy_proto_name(proto);

	if (n)
		rec_str(r, "proto", n);
	else
		rec_int(r, "proto", proto);
}

/* t in Japan: "2026-12-31T23:59:59+09:00", or the date alone ("2099-03-31"). */
static void rec_time(struct rec *r, const char *field, int64_t t, bool date)
{
	int64_t y, days, sec;
	int m, d;

	t += 9 * 3600;
	days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
	sec = t - days * 86400;
	util_civil_from_days(days, &y, &m, &d);
	if (date)
		rec_fmt(r, field, "%04lld-%02d-%02d", (long long)y, m, d);
	else
		rec_fmt(r, field, "%04lld-%02d-%02dT%02d:%02d:%02d+09:00", (long long)y, m, d,
			(int)(sec / 3600), (int)(sec / 60 % 60), (int)(sec % 60));
}

static const char *zone_ref(const struct policy *p, int idx, const char *written)
{
	if (idx >= 0 && idx < p->n_zones)
		return p->zones[idx].id;
	return written ? policy_zone_canon(written) : "";
}

/* An endpoint by the name of what it resolved to, else as written (zones canonical). */
static const char *ep_ref(const struct policy *p, const struct endpoint *e)
{
	if (e->kind == EP_HOST && e->idx >= 0 && e->idx < p->n_hosts)
		return p->hosts[e->idx].name;
	if (e->kind == EP_GROUP && e->idx >= 0 && e->idx < p->n_groups)
		return p->groups[e->idx].name;
	if (e->kind == EP_ZONE && e->idx >= 0 && e->idx < p->n_zones)
		return p->zones[e->idx].id;
	if (e->kind == EP_GATEWAY)
		return "gateway";
	return e->name ? policy_zone_canon(e->name) : "";
}

static const char *bool_text(int v)
{
	return v < 0 ? NULL : v ? "true" : "false";
}

/* ---- the kinds: how many objects, the name of one, its record ---------------------------- */

static int n_one(const struct policy *p)
{
	(void)p;
	return 1;
}

static const char *name_fixed(const struct policy *p, int i, char *buf, size_t len,
			      const char *name)
{
	(void)p;
	(void)i;
	(void)len;
	(void)buf;
	return name;
}

static const char *name_policy(const struct policy *p, int i, char *buf, size_t len)
{
	return name_fixed(p, i, buf, len, "policy");
}

static void rec_policy(const struct policy *p, int i, struct rec *r)
{
	(void)i;
	rec_str(r, "organisation", p->organisation);
	rec_str(r, "document", p->document);
	rec_str(r, "classification", p->classification);
	rec_str(r, "model", policy_model_name(p->model));
	rec_str(r, "changes", p->changes.single ? "single" : "two-person");
	rec_int(r, "exception_max_days", policy_exc_max_days(p));
	rec_str(r, "verify", p->verify_prove ? "prove" : "readback");
}

static int n_zones(const struct policy *p)
{
	return p->n_zones;
}

static const char *name_zone(const struct policy *p, int i, char *buf, size_t len)
{
	(void)buf;
	(void)len;
	return p->zones[i].id;
}

static void rec_zone(const struct policy *p, int i, struct rec *r)
{
	const struct zone *z = &p->zones[i];
	char buf[64];
	int j;

	/* a label that is only another spelling of the id ("LGWAN接続系") is no name */
	rec_str(r, "name", z->label && strcmp(policy_zone_canon(z->label), z->id) ? z->label :
		NULL);
	rec_add(r, "interfaces", true);
	for (j = 0; j < z->n_ifaces; j++)
		rec_el(r, z->ifaces[j]);
	rec_list_end(r);
	if (z->any) {
		rec_add(r, "networks", true);
		rec_el(r, "any");
		rec_list_end(r);
	} else {
		rec_prefixes(r, "networks", z->nets, z->n_nets, false);
	}
	rec_add(r, "uplinks", true);
	for (j = 0; z->has_uplinks && j < z->n_ifaces; j++) {
		snprintf(buf, sizeof(buf), "%s=%s", z->ifaces[j],
			 policy_uplink_name((enum uplink_role)z->uplink[j]));
		rec_el(r, buf);
	}
	rec_list_end(r);
}

static int n_segments(const struct policy *p)
{
	return p->n_segments;
}

static const char *name_segment(const struct policy *p, int i, char *buf, size_t len)
{
	(void)buf;
	(void)len;
	return p->segments[i].name;
}

static void rec_segment(const struct policy *p, int i, struct rec *r)
{
	const struct segment *s = &p->segments[i];

	rec_str(r, "zone", zone_ref(p, s->zone, s->zone_name));
	rec_str(r, "link", policy_link_name(s->link));
	rec_str(r, "interface", s->iface);
	rec_prefixes(r, "networks", s->nets, s->n_nets, false);
}

static int n_hosts(const struct policy *p)
{
	return p->n_hosts;
}

static const char *name_host(const struct policy *p, int i, char *buf, size_t len)
{
	(void)buf;
	(void)len;
	return p->hosts[i].name;
}

static void rec_host(const struct policy *p, int i, struct rec *r)
{
	const struct host *h = &p->hosts[i];
	char buf[64];

	rec_str(r, "zone", zone_ref(p, h->zone, h->zone_name));
	if (h->has_mac)
		rec_fmt(r, "mac", "%02x:%02x:%02x:%02x:%02x:%02x", h->mac[0], h->mac[1],
			h->mac[2], h->mac[3], h->mac[4], h->mac[5]);
	else
		rec_str(r, "mac", NULL);
	rec_str(r, "ipv4", h->has4 ? addr_text(AF_INET, h->ip4, buf, sizeof(buf)) : NULL);
	rec_str(r, "ipv6", h->has6 ? addr_text(AF_INET6, h->ip6, buf, sizeof(buf)) : NULL);
	rec_str(r, "internet_connected", bool_text(h->internet_connected));
}

static int n_groups(const struct policy *p)
{
	return p->n_groups;
}

static const char *name_group(const struct policy *p, int i, char *buf, size_t len)
{
	(void)buf;
	(void)len;
	return p->groups[i].name;
}

static void rec_group(const struct policy *p, int i, struct rec *r)
{
	const struct group *g = &p->groups[i];
	char buf[64];
	int j;

	rec_add(r, "members", true);
	for (j = 0; j < g->n_members; j++) {
		const struct member *m = &g->members[j];

		if (m->kind == MEMBER_PREFIX)
			rec_el(r, policy_prefix_format(&m->pfx, buf, sizeof(buf)) < 0 ? "?" : buf);
		else if (m->host >= 0 && m->host < p->n_hosts && p->validated)
			rec_el(r, p->hosts[m->host].name);
		else
			rec_el(r, m->name);
	}
	rec_list_end(r);
}

static int n_flows(const struct policy *p)
{
	return p->n_flows;
}

static const char *name_flow(const struct policy *p, int i, char *buf, size_t len)
{
	(void)buf;
	(void)len;
	return p->flows[i].name;
}

static void rec_flow(const struct policy *p, int i, struct rec *r)
{
	const struct flow *f = &p->flows[i];

	rec_str(r, "from", ep_ref(p, &f->from));
	rec_str(r, "to", ep_ref(p, &f->to));
	rec_proto(r, f->proto);
	rec_ports(r, f->ports, f->n_ports);
	rec_str(r, "class", policy_class_name(f->cls));
	rec_str(r, "method", f->method != METHOD_NONE ? policy_method_name(f->method) : NULL);
	rec_str(r, "approval", f->approval);
	rec_str(r, "purpose", f->purpose);
	rec_str(r, "authority", f->authority);
	rec_str(r, "comment", f->comment);
	rec_str(r, "verdict", f->verdict != VERDICT_DEFAULT ? policy_verdict_name(f->verdict) :
		NULL);
}

static int n_exceptions(const struct policy *p)
{
	return p->n_exceptions;
}

static const char *name_exception(const struct policy *p, int i, char *buf, size_t len)
{
	(void)buf;
	(void)len;
	return p->exceptions[i].id;
}

static void rec_exception(const struct policy *p, int i, struct rec *r)
{
	const struct exception *x = &p->exceptions[i];

	rec_str(r, "from", ep_ref(p, &x->from));
	rec_str(r, "to", ep_ref(p, &x->to));
	rec_proto(r, x->proto);
	rec_ports(r, x->ports, x->n_ports);
	rec_time(r, "expires", x->expires, false);
	rec_str(r, "reason", x->reason);
	rec_str(r, "requested_by", x->requested_by);
	rec_str(r, "approved_by", x->approved_by);
}

static int n_breakout(const struct policy *p)
{
	return p->breakout.n_services > 0 || p->breakout.n_from > 0;
}

static const char *name_breakout(const struct policy *p, int i, char *buf, size_t len)
{
	return name_fixed(p, i, buf, len, "breakout");
}

static void rec_breakout(const struct policy *p, int i, struct rec *r)
{
	const struct breakout *b = &p->breakout;
	int g;

	(void)i;
	rec_add(r, "from", true);
	for (i = 0; i < b->n_from; i++) {
		g = b->from_group ? b->from_group[i] : -1;
		if (g >= 0 && g < p->n_groups)
			rec_el(r, p->groups[g].name);
		else
			rec_el(r, zone_ref(p, b->from ? b->from[i] : -1,
					   b->from_names ? b->from_names[i] : NULL));
	}
	rec_list_end(r);
	rec_prefixes(r, "resolvers", b->resolvers, b->n_resolvers, true);
	rec_prefixes(r, "upstreams", b->upstreams, b->n_upstreams, true);
	rec_int(r, "dns_floor", b->dns_floor);
	rec_int(r, "dns_grace", b->dns_grace);
	rec_int(r, "dns_ttl_max", b->dns_ttl_max);
	rec_int(r, "dns_max", b->dns_max);
	rec_str(r, "ech", policy_ech_name(b->ech));
	rec_int(r, "port_span_max", b->port_span_max);
}

static int n_services(const struct policy *p)
{
	return p->breakout.n_services;
}

static const char *name_service(const struct policy *p, int i, char *buf, size_t len)
{
	(void)buf;
	(void)len;
	return p->breakout.services[i].name;
}

static void rec_service(const struct policy *p, int i, struct rec *r)
{
	const struct service *s = &p->breakout.services[i];

	rec_str(r, "type", policy_svctype_name(s->type));
	rec_strings(r, "fqdns", s->fqdns, s->n_fqdns);
	rec_prefixes(r, "prefixes", s->prefixes, s->n_prefixes, false);
	rec_ports(r, s->ports, s->n_ports);
	rec_str(r, "match", policy_match_name(s->match));
	rec_str(r, "approval", s->approval);
	rec_str(r, "ismap", s->ismap);
	if (s->ismap_valid_until)
		rec_time(r, "ismap_valid_until", s->ismap_valid_until, true);
	else
		rec_str(r, "ismap_valid_until", NULL);
	rec_str(r, "handles_admin_docs", bool_text(s->handles_admin_docs));
	rec_str(r, "tls", s->tls_required ? "required" : NULL);
	rec_str(r, "psl_override", s->psl_override);
}

static const char *name_engine(const struct policy *p, int i, char *buf, size_t len)
{
	return name_fixed(p, i, buf, len, "engine");
}

static void rec_engine(const struct policy *p, int i, struct rec *r)
{
	const struct engine_conf *e = &p->engine;
	char buf[NAME_BUF];
	int f, t;

	rec_int(r, "queues", e->queues);
	rec_int(r, "queue_base", e->queue_base);
	rec_int(r, "queue_maxlen", e->queue_maxlen);
	rec_int(r, "source_quota", e->source_quota);
	rec_add(r, "fail_open", true);
	for (i = 0; i < e->n_fail_open; i++) {
		f = e->fail_open_from ? e->fail_open_from[i] : -1;
		t = e->fail_open_to ? e->fail_open_to[i] : -1;
		if (f >= 0 && f < p->n_zones && t >= 0 && t < p->n_zones) {
			snprintf(buf, sizeof(buf), "%s>%s", p->zones[f].id, p->zones[t].id);
			rec_el(r, buf);
		} else {
			rec_el(r, e->fail_open[i]);
		}
	}
	rec_list_end(r);
}

static void rec_pair_limits(struct rec *r, const struct pair_limits *l)
{
	rec_int(r, "rate", l->rate);
	rec_int(r, "burst", l->burst);
	rec_int(r, "ct_count", l->ct_count);
}

static const char *name_limits(const struct policy *p, int i, char *buf, size_t len)
{
	return name_fixed(p, i, buf, len, "limits");
}

static void rec_limits(const struct policy *p, int i, struct rec *r)
{
	(void)i;
	rec_pair_limits(r, &p->limits.dflt);
	rec_fmt(r, "conntrack_warn", "%.9g", p->limits.conntrack_warn);
}

static int n_pairs(const struct policy *p)
{
	return p->limits.n_pairs;
}

static const char *name_pair(const struct policy *p, int i, char *buf, size_t len)
{
	const struct limit_pair *x = &p->limits.pairs[i];

	if (x->from < 0 || x->from >= p->n_zones || x->to < 0 || x->to >= p->n_zones)
		return x->pair ? x->pair : "";
	snprintf(buf, len, "%s>%s", p->zones[x->from].id, p->zones[x->to].id);
	return buf;
}

static void rec_pair(const struct policy *p, int i, struct rec *r)
{
	rec_pair_limits(r, &p->limits.pairs[i].l);
}

static int n_ha(const struct policy *p)
{
	return p->ha.present;
}

static const char *name_ha(const struct policy *p, int i, char *buf, size_t len)
{
	return name_fixed(p, i, buf, len, "ha");
}

static void rec_ha(const struct policy *p, int i, struct rec *r)
{
	const struct ha_conf *h = &p->ha;
	char buf[64];

	rec_str(r, "sync_interface", h->sync_if);
	rec_add(r, "nodes", true);
	for (i = 0; i < h->n_nodes; i++)
		rec_el(r, addr_text(h->nodes[i].family, h->nodes[i].addr, buf, sizeof(buf)));
	rec_list_end(r);
	rec_int(r, "conntrackd_port", h->conntrackd_port);
	rec_int(r, "sync_port", h->sync_port);
}

struct kind {
	const char *name, *label_ja;
	int (*count)(const struct policy *p);
	const char *(*name_of)(const struct policy *p, int i, char *buf, size_t len);
	void (*build)(const struct policy *p, int i, struct rec *r);
};

static const struct kind kinds[PDIFF_KIND_MAX] = {
	[PDIFF_POLICY] = { "policy", "ポリシー", n_one, name_policy, rec_policy },
	[PDIFF_ZONE] = { "zone", "ゾーン", n_zones, name_zone, rec_zone },
	[PDIFF_SEGMENT] = { "segment", "セグメント", n_segments, name_segment, rec_segment },
	[PDIFF_HOST] = { "host", "ホスト", n_hosts, name_host, rec_host },
	[PDIFF_GROUP] = { "group", "グループ", n_groups, name_group, rec_group },
	[PDIFF_FLOW] = { "flow", "フロー", n_flows, name_flow, rec_flow },
	[PDIFF_EXCEPTION] = { "exception", "例外", n_exceptions, name_exception, rec_exception },
	[PDIFF_BREAKOUT] = { "breakout", "ブレイクアウト", n_breakout, name_breakout,
			     rec_breakout },
	[PDIFF_SERVICE] = { "service", "サービス", n_services, name_service, rec_service },
	[PDIFF_ENGINE] = { "engine", "検査エンジン", n_one, name_engine, rec_engine },
	[PDIFF_LIMITS] = { "limits", "制限", n_one, name_limits, rec_limits },
	[PDIFF_LIMIT_PAIR] = { "limit-pair", "ゾーン対の制限", n_pairs, name_pair, rec_pair },
	[PDIFF_HA] = { "ha", "冗長構成", n_ha, name_ha, rec_ha },
};

const char *pdiff_kind_name(enum pdiff_kind k)
{
	return (unsigned)k < PDIFF_KIND_MAX ? kinds[k].name : "?";
}

const char *pdiff_kind_label_ja(enum pdiff_kind k)
{
	return (unsigned)k < PDIFF_KIND_MAX ? kinds[k].label_ja : "?";
}

const char *pdiff_op_name(enum pdiff_op op)
{
	static const char *const names[PDIFF_OP_MAX] = { "added", "removed", "changed" };

	return (unsigned)op < PDIFF_OP_MAX ? names[op] : "?";
}

/* ---- the difference ---------------------------------------------------------------------- */

struct sort_ctx {
	const struct kind *k;
	const struct policy *p;
};

static int cmp_index(const void *a, const void *b, void *arg)
{
	const struct sort_ctx *c = arg;
	char x[NAME_BUF], y[NAME_BUF];
	int i = *(const int *)a, j = *(const int *)b;
	int r = strcmp(c->k->name_of(c->p, i, x, sizeof(x)), c->k->name_of(c->p, j, y, sizeof(y)));

	return r ? r : i - j;
}

/* Indexes 0..n-1 of the objects of one kind, sorted by name; NULL when n is 0 or on ENOMEM. */
static int *sorted(const struct kind *k, const struct policy *p, int n)
{
	struct sort_ctx c = { k, p };
	int *v, i;

	if (n <= 0 || !(v = malloc((size_t)n * sizeof(*v))))
		return NULL;
	for (i = 0; i < n; i++)
		v[i] = i;
	qsort_r(v, (size_t)n, sizeof(*v), cmp_index, &c);
	return v;
}

static bool str_same(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/* Copy the elements of x not in y (both sorted) into *out. */
static int only_in(const struct rf *x, const struct rf *y, char ***out, int *n)
{
	int i, j = 0;

	for (i = 0; i < x->n_el; i++) {
		while (j < y->n_el && strcmp(y->el[j], x->el[i]) < 0)
			j++;
		if (j < y->n_el && !strcmp(y->el[j], x->el[i]))
			continue;
		if (!*out && !(*out = calloc((size_t)x->n_el, sizeof(**out))))
			return -ENOMEM;
		if (!((*out)[*n] = strdup(x->el[i])))
			return -ENOMEM;
		(*n)++;
	}
	return 0;
}

static void field_fini(struct pdiff_field *f)
{
	int i;

	free(f->old);
	free(f->new);
	for (i = 0; i < f->n_added; i++)
		free(f->added[i]);
	for (i = 0; i < f->n_removed; i++)
		free(f->removed[i]);
	free(f->added);
	free(f->removed);
}

/* Field i of a (old, may be NULL) and b (new, may be NULL) into out if it is part of the
 * change: 1 taken, 0 not, -ENOMEM. */
static int field_of(struct rec *a, struct rec *b, int i, struct pdiff_field *out)
{
	struct rf *x = a ? &a->f[i] : NULL, *y = b ? &b->f[i] : NULL;
	int r = 0;

	if (x && y && str_same(x->val, y->val))
		return 0;
	if ((x && !x->val && !y) || (y && !y->val && !x))
		return 0;			/* not set, on the only side there is */
	memset(out, 0, sizeof(*out));
	out->field = (x ? x : y)->field;
	out->list = (x ? x : y)->list;
	if (x && y && out->list) {
		r = only_in(y, x, &out->added, &out->n_added);
		if (r >= 0)
			r = only_in(x, y, &out->removed, &out->n_removed);
	}
	if (x) {
		out->old = x->val;
		x->val = NULL;
	}
	if (y) {
		out->new = y->val;
		y->val = NULL;
	}
	if (r < 0)
		field_fini(out);
	return r < 0 ? r : 1;
}

static int push_change(struct pdiff *d, const struct pdiff_change *c)
{
	struct pdiff_change *v;
	int n = d->n_changes;

	if (!(n & (n - 1))) {
		v = realloc(d->changes, (size_t)(n ? n * 2 : 1) * sizeof(*v));
		if (!v)
			return -ENOMEM;
		d->changes = v;
	}
	d->changes[d->n_changes++] = *c;
	return 0;
}

static void change_fini(struct pdiff_change *c)
{
	int i;

	for (i = 0; i < c->n_fields; i++)
		field_fini(&c->fields[i]);
	free(c->fields);
	free(c->name);
}

/* Compare records a and b (either may be NULL) of one object; a change goes into d. */
static int compare(struct pdiff *d, enum pdiff_kind k, const char *name, struct rec *a,
		   struct rec *b)
{
	struct pdiff_change c = { .kind = k, .op = !a ? PDIFF_ADDED : !b ? PDIFF_REMOVED :
				  PDIFF_CHANGED };
	int i, r = 0, n = (a ? a : b)->n;

	if (!(c.fields = calloc((size_t)n, sizeof(*c.fields))))
		return -ENOMEM;
	for (i = 0; i < n && r >= 0; i++) {
		r = field_of(a, b, i, &c.fields[c.n_fields]);
		if (r > 0)
			c.n_fields++;
	}
	if (r >= 0 && c.op == PDIFF_CHANGED && !c.n_fields) {
		change_fini(&c);
		return 0;
	}
	if (r >= 0 && !(c.name = strdup(name)))
		r = -ENOMEM;
	if (r >= 0)
		r = push_change(d, &c);
	if (r < 0)
		change_fini(&c);
	return r < 0 ? r : 0;
}

/* Object i of pa (or none: -1) against object j of pb (or none). */
static int diff_one(struct pdiff *d, enum pdiff_kind k, const struct policy *pa, int i,
		    const struct policy *pb, int j)
{
	const struct kind *kd = &kinds[k];
	struct rec a, b;
	char buf[NAME_BUF];
	int r;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	if (i >= 0)
		kd->build(pa, i, &a);
	if (j >= 0)
		kd->build(pb, j, &b);
	r = a.err ? a.err : b.err;
	if (!r)
		r = compare(d, k, i >= 0 ? kd->name_of(pa, i, buf, sizeof(buf)) :
			    kd->name_of(pb, j, buf, sizeof(buf)), i >= 0 ? &a : NULL,
			    j >= 0 ? &b : NULL);
	rec_fini(&a);
	rec_fini(&b);
	return r;
}

/* Every object of kind k: both lists sorted by name, walked together. */
static int diff_kind(struct pdiff *d, enum pdiff_kind k, const struct policy *a,
		     const struct policy *b)
{
	const struct kind *kd = &kinds[k];
	int na = kd->count(a), nb = kd->count(b);
	int *ia = sorted(kd, a, na), *ib = sorted(kd, b, nb);
	char x[NAME_BUF], y[NAME_BUF];
	int i = 0, j = 0, c, r = 0;

	if ((na > 0 && !ia) || (nb > 0 && !ib))
		r = -ENOMEM;
	while (r >= 0 && (i < na || j < nb)) {
		c = i >= na ? 1 : j >= nb ? -1 : strcmp(kd->name_of(a, ia[i], x, sizeof(x)),
							 kd->name_of(b, ib[j], y, sizeof(y)));
		if (c < 0)
			r = diff_one(d, k, a, ia[i++], b, -1);
		else if (c > 0)
			r = diff_one(d, k, a, -1, b, ib[j++]);
		else
			r = diff_one(d, k, a, ia[i++], b, ib[j++]);
	}
	free(ia);
	free(ib);
	return r;
}

int pdiff_compute(const struct policy *old, const struct policy *new, struct pdiff *d)
{
	int k, r = 0;

	if (!d)
		return -EINVAL;
	memset(d, 0, sizeof(*d));
	if (!old || !new)
		return -EINVAL;
	for (k = 0; k < PDIFF_KIND_MAX && r >= 0; k++)
		r = diff_kind(d, (enum pdiff_kind)k, old, new);
	return r;
}

void pdiff_fini(struct pdiff *d)
{
	int i;

	if (!d)
		return;
	for (i = 0; i < d->n_changes; i++)
		change_fini(&d->changes[i]);
	free(d->changes);
	memset(d, 0, sizeof(*d));
}

/* ---- text ---------------------------------------------------------------------------------- */

static const char *fval(const struct pdiff_change *c, const char *field)
{
	int i;

	for (i = 0; i < c->n_fields; i++) {
		if (!strcmp(c->fields[i].field, field))
			return c->fields[i].new;
	}
	return NULL;
}

static const char *or_none(const char *s, bool ja)
{
	return s ? s : ja ? "(なし)" : "(none)";
}

/* An added flow or exception: "from -> to proto/ports" (" until expires"). */
static void print_path(const struct pdiff_change *c, FILE *out, bool ja)
{
	const char *ports = fval(c, "ports"), *exp = fval(c, "expires");

	fprintf(out, ": %s -> %s %s%s%s", or_none(fval(c, "from"), ja), or_none(fval(c, "to"), ja),
		or_none(fval(c, "proto"), ja), ports ? "/" : "", ports ? ports : "");
	if (exp)
		fprintf(out, ja ? " 期限 %s" : " until %s", exp);
}

static void print_list_delta(const struct pdiff_field *f, FILE *out)
{
	int i;

	for (i = 0; i < f->n_added; i++)
		fprintf(out, " +%s", f->added[i]);
	for (i = 0; i < f->n_removed; i++)
		fprintf(out, " -%s", f->removed[i]);
}

static void print_change(const struct pdiff_change *c, FILE *out, bool ja)
{
	static const char mark[PDIFF_OP_MAX] = { '+', '-', '~' };
	const struct pdiff_field *f;
	int i;

	fprintf(out, "%c %s", mark[c->op], ja ? pdiff_kind_label_ja(c->kind) :
		pdiff_kind_name(c->kind));
	if (strcmp(c->name, pdiff_kind_name(c->kind)))	/* a section is named by its kind */
		fprintf(out, " %s", c->name);
	if (c->op == PDIFF_ADDED && (c->kind == PDIFF_FLOW || c->kind == PDIFF_EXCEPTION)) {
		print_path(c, out, ja);
	} else if (c->op != PDIFF_REMOVED) {
		for (i = 0; i < c->n_fields; i++) {
			f = &c->fields[i];
			fprintf(out, "%s%s", i ? "; " : ": ", f->field);
			if (c->op == PDIFF_ADDED)
				fprintf(out, " %s", or_none(f->new, ja));
			else if (f->n_added || f->n_removed)
				print_list_delta(f, out);
			else
				fprintf(out, " %s -> %s", or_none(f->old, ja), or_none(f->new, ja));
		}
	}
	fputc('\n', out);
}

int pdiff_print_text(const struct pdiff *d, FILE *out, bool ja)
{
	int i;

	for (i = 0; i < d->n_changes; i++)
		print_change(&d->changes[i], out, ja);
	return ferror(out) ? -EIO : 0;
}

/* ---- JSON ---------------------------------------------------------------------------------- */

static void json_str_or_null(FILE *out, const char *s)
{
	if (s)
		util_json_str(out, s);
	else
		fputs("null", out);
}

static void json_strings(FILE *out, const char *key, char *const *v, int n)
{
	int i;

	fprintf(out, ", \"%s\": [", key);
	for (i = 0; i < n; i++) {
		if (i)
			fputs(", ", out);
		util_json_str(out, v[i]);
	}
	fputc(']', out);
}

static void json_field(FILE *out, const struct pdiff_field *f)
{
	fputs("{\"field\": ", out);
	util_json_str(out, f->field);
	fputs(", \"old\": ", out);
	json_str_or_null(out, f->old);
	fputs(", \"new\": ", out);
	json_str_or_null(out, f->new);
	if (f->n_added || f->n_removed) {
		json_strings(out, "added", f->added, f->n_added);
		json_strings(out, "removed", f->removed, f->n_removed);
	}
	fputc('}', out);
}

int pdiff_print_json(const struct pdiff *d, FILE *out)
{
	const struct pdiff_change *c;
	int i, j;

	fputc('[', out);
	for (i = 0; i < d->n_changes; i++) {
		c = &d->changes[i];
		fputs(i ? ",\n  {\"kind\": " : "\n  {\"kind\": ", out);
		util_json_str(out, pdiff_kind_name(c->kind));
		fputs(", \"name\": ", out);
		util_json_str(out, c->name);
		fprintf(out, ", \"change\": \"%s\", \"fields\": [", pdiff_op_name(c->op));
		for (j = 0; j < c->n_fields; j++) {
			if (j)
				fputs(", ", out);
			json_field(out, &c->fields[j]);
		}
		fputs("]}", out);
	}
	fputs(d->n_changes ? "\n]\n" : "]\n", out);
	return ferror(out) ? -EIO : 0;
}
