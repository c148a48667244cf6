/* SPDX-License-Identifier: GPL-2.0-only */
/* policy_check.c: policy_validate() resolves the names of a parsed policy and proves I1-I6,
 * reporting every violation; name lookups; the zone reachability matrix an auditor reads.
 * Pure: no syscalls, no logging. Every check hashes or sorts, never compares all pairs, so a
 * policy of 10k hosts, 10k flows and 100k prefixes validates in milliseconds. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "policy.h"
#include "psl.h"
#include "util_hash.h"

#define GATEWAY		"gateway"

/* ---------------------------------------------------------------------------------------- */
/* Name index: one open-addressing hash table over host and group names, in the arena. */

enum name_kind {
	NAME_NONE = 0,
	NAME_HOST,
	NAME_GROUP
};

struct name_slot {
	int32_t kind;			/* NAME_NONE: empty */
	int32_t idx;
};

struct policy_index {
	struct name_slot *slot;
	uint32_t mask;
};

static uint32_t name_hash(const char *s)
{
	return util_fnv32(UTIL_FNV32_BASIS, s, strlen(s));
}

static const char *slot_name(const struct policy *p, const struct name_slot *s)
{
	if (s->kind == NAME_HOST && s->idx >= 0 && s->idx < p->n_hosts)
		return p->hosts[s->idx].name;
	if (s->kind == NAME_GROUP && s->idx >= 0 && s->idx < p->n_groups)
		return p->groups[s->idx].name;
	return NULL;
}

/* The slot holding name, or the empty slot where it would go; NULL without an index. The
 * table is at most half full, so the probe ends. */
static struct name_slot *index_probe(const struct policy *p, const char *name)
{
	struct policy_index *ix = p->index;
	const char *s;
	uint32_t i;

	if (!ix || !ix->slot)
		return NULL;
	for (i = name_hash(name) & ix->mask;; i = (i + 1) & ix->mask) {
		if (ix->slot[i].kind == NAME_NONE)
			return &ix->slot[i];
		s = slot_name(p, &ix->slot[i]);
		if (s && !strcmp(s, name))
			return &ix->slot[i];
	}
}

static int name_find(const struct policy *p, const char *name, enum name_kind kind)
{
	const struct name_slot *s;
	int i;

	if (!p || !name)
		return -1;
	s = index_probe(p, name);
	if (s)
		return s->kind == (int32_t)kind ? s->idx : -1;
	for (i = 0; kind == NAME_HOST && i < p->n_hosts; i++) {
		if (!strcmp(p->hosts[i].name, name))
			return i;
	}
	for (i = 0; kind == NAME_GROUP && i < p->n_groups; i++) {
		if (!strcmp(p->groups[i].name, name))
			return i;
	}
	return -1;
}

int policy_host_find(const struct policy *p, const char *name)
{
	return name_find(p, name, NAME_HOST);
}

int policy_group_find(const struct policy *p, const char *name)
{
	return name_find(p, name, NAME_GROUP);
}

static int zone_count(const struct policy *p)
{
	return p->n_zones < POLICY_ZONES_MAX ? p->n_zones : POLICY_ZONES_MAX;
}

int policy_exc_max_days(const struct policy *p)
{
	return p->exception_max_days > 0 ? p->exception_max_days : POLICY_EXC_MAX_DAYS;
}

/* By canonical id (aliases go through policy_zone_canon()), then by label as written. */
int policy_zone_find(const struct policy *p, const char *name)
{
	const char *canon;
	int i, nz;

	if (!p || !name)
		return -1;
	nz = zone_count(p);
	canon = policy_zone_canon(name);
	for (i = 0; canon && i < nz; i++) {
		if (!strcmp(policy_zone_canon(p->zones[i].id), canon))
			return i;
	}
	for (i = 0; i < nz; i++) {
		if (p->zones[i].label && !strcmp(p->zones[i].label, name))
			return i;
	}
	return -1;
}

/* ---------------------------------------------------------------------------------------- */
/* Validation context and diagnostics */

struct span;

struct vctx {
	struct policy *p;
	struct diag *d;
	int64_t now;
	int nz;				/* zones looked at: at most POLICY_ZONES_MAX */
	int errors;
	bool stored;			/* the last report was stored: its Japanese may follow */
	int role[ZONE_ROLE_MAX];	/* zone index of each role, -1 if absent */
	int any_zone;			/* the zone with networks "any", -1 if none */
	struct span *all;		/* explicit networks of zones and segments, per zone */
	struct span *segs;		/* segments' networks only, merged per zone */
	int n_all, n_segs;
	bool *flow_bad, *exc_bad, *svc_bad;	/* errors found: left out of the matrix */
	bool *host_seg;			/* host address in a remote segment: no MAC to bind */
	int suggested;			/* "did you mean" looked up (bounded: it costs) */
	/* zones whose networks are missing or overlap another zone's: what is derived from
	 * addresses (the zone of a host, a group, a flow's ends) is not reported against them,
	 * so one mistake gives one error, not a follow-on error per host and flow */
	bool zone_bad[POLICY_ZONES_MAX];
	bool nets_missing;		/* networks missing or overlapping: addresses may fall into "any" */
};

/* The object a diagnostic is about: "<kind> '<name>': ..." at its line. */
struct obj {
	const char *kind, *kind_ja;
	const char *name;		/* NULL: the kind alone ("breakout") */
	int line;
	bool *bad;
};

static void report(struct vctx *c, enum diag_sev sev, const struct obj *o, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void report_ja(struct vctx *c, const struct obj *o, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void report(struct vctx *c, enum diag_sev sev, const struct obj *o, const char *fmt, ...)
{
	char *msg = NULL;
	va_list ap;
	int n, before;

	if (sev == DIAG_ERROR) {
		c->errors++;
		if (o->bad)
			*o->bad = true;
	}
	c->stored = false;
	if (!c->d)
		return;
	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	before = c->d->n;
	if (o->name)
		diag_add(c->d, sev, c->p->file, o->line, "%s '%s': %s", o->kind, o->name,
			 n < 0 ? "(out of memory)" : msg);
	else
		diag_add(c->d, sev, c->p->file, o->line, "%s: %s", o->kind,
			 n < 0 ? "(out of memory)" : msg);
	c->stored = c->d->n > before;
	if (n >= 0)
		free(msg);
}

static void report_ja(struct vctx *c, const struct obj *o, const char *fmt, ...)
{
	char *msg = NULL;
	va_list ap;
	int n;

	if (!c->d || !c->stored)
		return;
	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (o->name)
		diag_ja(c->d, "%s '%s': %s", o->kind_ja, o->name, msg);
	else
		diag_ja(c->d, "%s: %s", o->kind_ja, msg);
	free(msg);
}

static struct obj obj_zone(struct vctx *c, int i)
{
	return (struct obj){ "zone", "ゾーン", c->p->zones[i].id, c->p->zones[i].loc.line, NULL };
}

static struct obj obj_seg(struct vctx *c, int i)
{
	const struct segment *s = &c->p->segments[i];

	return (struct obj){ "segment", "セグメント", s->name, s->loc.line, NULL };
}

static struct obj obj_host(struct vctx *c, int i)
{
	return (struct obj){ "host", "ホスト", c->p->hosts[i].name, c->p->hosts[i].loc.line, NULL };
}

static struct obj obj_group(struct vctx *c, int i)
{
	const struct group *g = &c->p->groups[i];

	return (struct obj){ "group", "グループ", g->name, g->loc.line, NULL };
}

static struct obj obj_flow(struct vctx *c, int i)
{
	const struct flow *f = &c->p->flows[i];

	return (struct obj){ "flow", "フロー", f->name, f->loc.line, &c->flow_bad[i] };
}

static struct obj obj_exc(struct vctx *c, int i)
{
	const struct exception *x = &c->p->exceptions[i];

	return (struct obj){ "exception", "例外措置", x->id, x->loc.line, &c->exc_bad[i] };
}

static struct obj obj_svc(struct vctx *c, int i)
{
	const struct service *s = &c->p->breakout.services[i];

	return (struct obj){ "service", "サービス", s->name, s->loc.line, &c->svc_bad[i] };
}

static struct obj obj_breakout(struct vctx *c)
{
	return (struct obj){ "breakout", "ブレイクアウト", NULL, c->p->breakout.loc.line, NULL };
}

static struct obj obj_engine(struct vctx *c)
{
	return (struct obj){ "engine", "エンジン", NULL, c->p->engine.loc.line, NULL };
}

static const char *str_or(const char *s, const char *dflt)
{
	return s && *s ? s : dflt;
}

static const char *zone_id(const struct vctx *c, int z)
{
	return z >= 0 && z < c->nz ? c->p->zones[z].id : "?";
}

static bool is_role(const struct vctx *c, int z, enum zone_role r)
{
	return z >= 0 && z == c->role[r];
}

/* A zone between the two ends of I2: neither mynumber nor internet. */
static bool is_mid(const struct vctx *c, int z)
{
	return z >= 0 && !is_role(c, z, ZONE_MYNUMBER) && !is_role(c, z, ZONE_INTERNET);
}

static bool ep_ok(const struct endpoint *e)
{
	return e->kind == EP_GATEWAY || (e->kind != EP_UNRESOLVED && e->zone >= 0);
}

static bool proto_is_icmp(uint8_t proto)
{
	return proto == POLICY_PROTO_ICMP || proto == POLICY_PROTO_ICMPV6;
}

/* ---------------------------------------------------------------------------------------- */
/* Address spans: a prefix as an inclusive [lo, hi] range, so overlaps are found by sorting. */

struct span {
	uint8_t fam;
	uint8_t lo[16], hi[16];		/* IPv4 in the first 4 bytes, the rest zero */
	int zone;			/* or an owner kind, as the builder decides */
	int a, b;			/* owner, as the builder decides */
	int seq;			/* insertion order: a stable sort */
};

static int span_set(struct span *s, const struct prefix *x)
{
	int alen, i, bits;
	uint8_t m;

	if (x->family == AF_INET)
		alen = 4;
	else if (x->family == AF_INET6)
		alen = 16;
	else
		return -EINVAL;
	if (x->len > alen * 8)
		return -EINVAL;
	memset(s->lo, 0, sizeof(s->lo));
	memset(s->hi, 0, sizeof(s->hi));
	s->fam = x->family;
	for (i = 0; i < alen; i++) {
		bits = x->len - i * 8;
		m = bits >= 8 ? 0xff : bits <= 0 ? 0 : (uint8_t)(0xff << (8 - bits));
		s->lo[i] = x->addr[i] & m;
		s->hi[i] = (uint8_t)(s->lo[i] | (uint8_t)~m);
	}
	return 0;
}

/* fam, then lo ascending, then hi descending (containers first), then insertion order. */
static int span_cmp(const void *x, const void *y)
{
	const struct span *a = x, *b = y;
	int r;

	if (a->fam != b->fam)
		return a->fam < b->fam ? -1 : 1;
	r = memcmp(a->lo, b->lo, sizeof(a->lo));
	if (r)
		return r;
	r = memcmp(b->hi, a->hi, sizeof(a->hi));
	if (r)
		return r;
	return (a->seq > b->seq) - (a->seq < b->seq);
}

static void spans_sort(struct span *v, int n)
{
	if (n > 1)
		qsort(v, (size_t)n, sizeof(*v), span_cmp);
}

/* b starts within a or right after it (a->lo <= b->lo, same family). */
static bool span_touches(const struct span *a, const struct span *b)
{
	uint8_t next[16];
	int i, alen = a->fam == AF_INET ? 4 : 16;

	memcpy(next, a->hi, sizeof(next));
	for (i = alen - 1; i >= 0; i--) {
		if (++next[i])
			break;
	}
	if (i < 0)
		return true;		/* a reaches the end of the address space */
	return memcmp(b->lo, next, sizeof(next)) <= 0;
}

/* Merge sorted spans of the same zone that overlap or touch; returns the new count. */
static int spans_merge(struct span *v, int n)
{
	int i, k = 0;

	if (n <= 0)
		return 0;
	for (i = 1; i < n; i++) {
		if (v[i].zone == v[k].zone && v[i].fam == v[k].fam && span_touches(&v[k], &v[i])) {
			if (memcmp(v[i].hi, v[k].hi, sizeof(v[k].hi)) > 0)
				memcpy(v[k].hi, v[i].hi, sizeof(v[k].hi));
			continue;
		}
		v[++k] = v[i];
	}
	return k + 1;
}

static bool span_le(const struct span *a, const struct span *x)
{
	return a->fam < x->fam || (a->fam == x->fam && memcmp(a->lo, x->lo, sizeof(a->lo)) <= 0);
}

/* Number of spans of sorted v that start at or before x. */
static int spans_upper(const struct span *v, int n, const struct span *x)
{
	int lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (span_le(&v[mid], x))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

enum { SPAN_SPLIT = -1, SPAN_NONE = 0, SPAN_INSIDE = 1 };

/* Where x lies in sorted, merged (disjoint) spans v: inside one (*ret set), in none, or split
 * across a boundary. */
static int spans_find(const struct span *v, int n, const struct span *x, const struct span **ret)
{
	int k = spans_upper(v, n, x);

	if (k > 0 && v[k - 1].fam == x->fam && memcmp(x->lo, v[k - 1].hi, sizeof(x->lo)) <= 0) {
		if (memcmp(x->hi, v[k - 1].hi, sizeof(x->hi)) > 0)
			return SPAN_SPLIT;
		if (ret)
			*ret = &v[k - 1];
		return SPAN_INSIDE;
	}
	if (k < n && v[k].fam == x->fam && memcmp(v[k].lo, x->hi, sizeof(x->hi)) <= 0)
		return SPAN_SPLIT;
	return SPAN_NONE;
}

enum { ZONE_SPLIT = -2, ZONE_NOWHERE = -1 };

/* The zone of a prefix: the zone whose explicit networks hold it, else the one "any" zone.
 * *ret_explicit tells which. */
static int zone_of(const struct vctx *c, const struct prefix *x, bool *ret_explicit)
{
	const struct span *m = NULL;
	struct span s;
	int r;

	if (ret_explicit)
		*ret_explicit = false;
	if (span_set(&s, x) < 0)
		return ZONE_NOWHERE;
	r = spans_find(c->all, c->n_all, &s, &m);
	if (r == SPAN_SPLIT)
		return ZONE_SPLIT;
	if (r == SPAN_INSIDE) {
		if (ret_explicit)
			*ret_explicit = true;
		return m->zone;
	}
	return c->any_zone >= 0 ? c->any_zone : ZONE_NOWHERE;
}

static void host_prefix(const struct host *h, uint8_t fam, struct prefix *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->family = fam;
	if (fam == AF_INET) {
		memcpy(ret->addr, h->ip4, 4);
		ret->len = 32;
	} else {
		memcpy(ret->addr, h->ip6, 16);
		ret->len = 128;
	}
}

static const char *pfx_str(const struct prefix *x, char *buf, size_t len)
{
	if (policy_prefix_format(x, buf, len) < 0)
		snprintf(buf, len, "?");
	return buf;
}

/* A single address without its length: "10.0.0.1", not "10.0.0.1/32". */
static const char *addr_str(const struct prefix *x, char *buf, size_t len)
{
	char *slash;

	pfx_str(x, buf, len);
	slash = strchr(buf, '/');
	if (slash && x->len == (x->family == AF_INET ? 32 : 128))
		*slash = '\0';
	return buf;
}

/* ---------------------------------------------------------------------------------------- */
/* 1. Zones and the model */

static const struct {
	bool need[ZONE_ROLE_MAX];
	bool forbid[ZONE_ROLE_MAX];
} model_zones[MODEL_MAX] = {
	[MODEL_THREE_TIER] = {
		.need = { [ZONE_MYNUMBER] = true, [ZONE_LGWAN] = true, [ZONE_INTERNET] = true },
	},
	[MODEL_LGWAN_INTERNET] = {
		.need = { [ZONE_LGWAN] = true, [ZONE_INTERNET] = true },
		.forbid = { [ZONE_MYNUMBER] = true },
	},
	[MODEL_MYNUMBER_INTERNET] = {
		.need = { [ZONE_MYNUMBER] = true, [ZONE_INTERNET] = true },
		.forbid = { [ZONE_LGWAN] = true },
	},
};

static const char *const role_id[ZONE_ROLE_MAX] = {
	[ZONE_MYNUMBER] = "mynumber", [ZONE_LGWAN] = "lgwan", [ZONE_INTERNET] = "internet",
};

/* A zone declared twice (also through an alias) or a second "any" zone. */
static void check_zone_dup(struct vctx *c, int i)
{
	struct zone *z = &c->p->zones[i];
	struct obj o = obj_zone(c, i);
	int j;

	for (j = 0; j < i; j++) {
		if (strcmp(policy_zone_canon(c->p->zones[j].id), policy_zone_canon(z->id)))
			continue;
		report(c, DIAG_ERROR, &o, "I1: zone declared twice (first at line %d)",
		       c->p->zones[j].loc.line);
		report_ja(c, &o, "I1: ゾーンが二重に宣言されています (最初は %d 行目)",
			  c->p->zones[j].loc.line);
		return;
	}
	if (!z->any)
		return;
	if (c->any_zone >= 0) {
		j = c->any_zone;
		report(c, DIAG_ERROR, &o, "I1: networks \"any\" already belong to zone '%s' "
		       "(line %d); only one zone may hold the rest of the address space",
		       c->p->zones[j].id, c->p->zones[j].loc.line);
		report_ja(c, &o, "I1: networks \"any\" はすでにゾーン '%s' (%d 行目) のものです。"
			  "残りのアドレス空間を持てるゾーンは一つだけです",
			  c->p->zones[j].id, c->p->zones[j].loc.line);
		return;
	}
	c->any_zone = i;
}

static void check_model(struct vctx *c)
{
	struct policy *p = c->p;
	const char *model = policy_model_name(p->model);
	struct obj o = { "model", "モデル", model, p->n_zones ? p->zones[0].loc.line : 0, NULL };
	int r;

	if ((int)p->model < 0 || p->model >= MODEL_MAX) {
		report(c, DIAG_ERROR, &o, "I1: unknown zone model");
		report_ja(c, &o, "I1: 不明なゾーンモデルです");
		return;
	}
	for (r = ZONE_MYNUMBER; r < ZONE_ROLE_MAX; r++) {
		if (model_zones[p->model].need[r] && c->role[r] < 0) {
			report(c, DIAG_ERROR, &o, "I1: needs zone '%s', none is declared",
			       role_id[r]);
			report_ja(c, &o, "I1: ゾーン '%s' (%s) が必要ですが、宣言されていません",
				  role_id[r], policy_zone_label_ja((enum zone_role)r));
		}
		if (model_zones[p->model].forbid[r] && c->role[r] >= 0) {
			struct obj oz = obj_zone(c, c->role[r]);

			report(c, DIAG_ERROR, &oz, "I1: model '%s' has no zone '%s'; declare "
			       "model \"three-tier\" or remove the zone", model, role_id[r]);
			report_ja(c, &oz, "I1: モデル '%s' にゾーン '%s' はありません。model を "
				  "\"three-tier\" にするか、ゾーンを削除してください",
				  model, role_id[r]);
		}
	}
}

static void check_zones(struct vctx *c)
{
	struct policy *p = c->p;
	struct obj o;
	int i;
	enum zone_role r;

	if (p->n_zones > POLICY_ZONES_MAX) {
		o = obj_zone(c, POLICY_ZONES_MAX);
		report(c, DIAG_ERROR, &o, "I1: more than %d zones", POLICY_ZONES_MAX);
		report_ja(c, &o, "I1: ゾーンが %d を超えています", POLICY_ZONES_MAX);
	}
	for (i = 0; i < c->nz; i++) {
		r = policy_zone_role(p->zones[i].id);
		p->zones[i].role = r;
		check_zone_dup(c, i);
		if (p->zones[i].n_nets == 0 && !p->zones[i].any) {
			o = obj_zone(c, i);
			report(c, DIAG_ERROR, &o, "I1: the zone has no networks; list its address "
			       "ranges, e.g. networks = [\"10.20.0.0/24\"]; (\"any\" for the Internet "
			       "zone)");
			report_ja(c, &o, "I1: ゾーンにネットワークがありません。アドレス範囲を "
				  "networks = [\"10.20.0.0/24\"]; のように書いてください "
				  "(インターネット接続系は \"any\")");
			c->zone_bad[i] = true;
			c->nets_missing = true;
		}
		if (r != ZONE_OTHER && c->role[r] < 0)
			c->role[r] = i;
	}
	check_model(c);
}

/* ---------------------------------------------------------------------------------------- */
/* 2. Resolve names: zones of segments and hosts, the name index, groups, endpoints */

#define SUGGEST_MAX	64		/* unknown names given a "did you mean" */

static void try_name(const char *name, const char *cand, const char **best, int *bd)
{
	int d;

	if (cand && *cand && policy_name_close(name, cand) &&
	    (d = policy_name_distance(name, cand)) < *bd) {
		*bd = d;
		*best = cand;
	}
}

/* "Did you mean": the closest zone (id, label, an alias of a zone of the policy, Japanese
 * names too) and, when objs, host or group name; NULL when none is close enough. */
static const char *suggest(struct vctx *c, const char *name, bool objs)
{
	const struct policy *p = c->p;
	const char *best = NULL, *a;
	int bd = 99, i;
	size_t k;

	if (!name || !*name || c->suggested++ >= SUGGEST_MAX)
		return NULL;
	for (i = 0; i < c->nz; i++) {
		try_name(name, p->zones[i].id, &best, &bd);
		try_name(name, p->zones[i].label, &best, &bd);
	}
	for (k = 0; (a = policy_zone_alias(k)); k++) {
		if (policy_zone_find(p, a) >= 0)
			try_name(name, a, &best, &bd);
	}
	for (i = 0; objs && i < p->n_hosts; i++)
		try_name(name, p->hosts[i].name, &best, &bd);
	for (i = 0; objs && i < p->n_groups; i++)
		try_name(name, p->groups[i].name, &best, &bd);
	return best;
}

static int resolve_zone(struct vctx *c, const struct obj *o, const char *name)
{
	int z = policy_zone_find(c->p, name);
	const char *hint;

	if (z < 0) {
		hint = suggest(c, name, false);
		report(c, DIAG_ERROR, o, "I1: unknown zone '%s'%s%s%s", str_or(name, ""),
		       hint ? " (did you mean '" : "", hint ? hint : "", hint ? "'?)" : "");
		report_ja(c, o, "I1: ゾーン '%s' は宣言されていません%s%s%s", str_or(name, ""),
			  hint ? " ('" : "", hint ? hint : "", hint ? "' の誤りでは?)" : "");
	}
	return z;
}

static void resolve_zones(struct vctx *c)
{
	struct policy *p = c->p;
	struct obj o;
	int i;

	for (i = 0; i < p->n_segments; i++) {
		o = obj_seg(c, i);
		p->segments[i].zone = resolve_zone(c, &o, p->segments[i].zone_name);
	}
	for (i = 0; i < p->n_hosts; i++) {
		o = obj_host(c, i);
		p->hosts[i].zone = resolve_zone(c, &o, p->hosts[i].zone_name);
	}
}

/* A name must identify one object: not another host or group, not a zone, not the gateway. */
static void index_add(struct vctx *c, const struct obj *o, enum name_kind kind, int idx)
{
	struct name_slot *s = index_probe(c->p, o->name);
	const char *other;
	int line;

	if (!strcmp(o->name, GATEWAY) || policy_zone_find(c->p, o->name) >= 0) {
		report(c, DIAG_ERROR, o, "I1: name is also a %s; a name must identify one object",
		       strcmp(o->name, GATEWAY) ? "zone" : "keyword ('gateway')");
		report_ja(c, o, "I1: この名前は%sと同じです。"
			  "名前は一つの対象だけを指す必要があります",
			  strcmp(o->name, GATEWAY) ? "ゾーン" : "予約語 'gateway' ");
	}
	if (s->kind == NAME_NONE) {
		s->kind = (int32_t)kind;
		s->idx = idx;
		return;
	}
	other = s->kind == NAME_HOST ? "host" : "group";
	line = s->kind == NAME_HOST ? c->p->hosts[s->idx].loc.line : c->p->groups[s->idx].loc.line;
	report(c, DIAG_ERROR, o, "I1: name already used by the %s at line %d; a name must "
	       "identify one object", other, line);
	report_ja(c, o, "I1: この名前は %d 行目の%sですでに使われています。名前は一つの対象"
		  "だけを指す必要があります", line, s->kind == NAME_HOST ? "ホスト" : "グループ");
}

static int build_index(struct vctx *c)
{
	struct policy *p = c->p;
	struct policy_index *ix;
	size_t n = (size_t)p->n_hosts + (size_t)p->n_groups, size = 16;
	struct obj o;
	int i;

	while (size < 2 * n + 2)
		size *= 2;
	p->index = NULL;
	ix = policy_alloc(p, sizeof(*ix));
	if (!ix)
		return -ENOMEM;
	ix->slot = policy_alloc(p, size * sizeof(*ix->slot));
	if (!ix->slot)
		return -ENOMEM;
	ix->mask = (uint32_t)(size - 1);
	p->index = ix;
	for (i = 0; i < p->n_hosts; i++) {
		o = obj_host(c, i);
		index_add(c, &o, NAME_HOST, i);
	}
	for (i = 0; i < p->n_groups; i++) {
		o = obj_group(c, i);
		index_add(c, &o, NAME_GROUP, i);
	}
	return 0;
}

/* The zone of one group member; -1 after an error. */
static int member_zone(struct vctx *c, const struct obj *o, struct member *m)
{
	char buf[64];
	int z;

	if (m->kind == MEMBER_HOST) {
		m->host = policy_host_find(c->p, m->name);
		if (m->host >= 0)
			return c->p->hosts[m->host].zone;
		report(c, DIAG_ERROR, o, "I1: member '%s' is not a host", str_or(m->name, ""));
		report_ja(c, o, "I1: メンバー '%s' はホストではありません", str_or(m->name, ""));
		return -1;
	}
	z = zone_of(c, &m->pfx, NULL);
	if (z >= 0)
		return z;
	pfx_str(&m->pfx, buf, sizeof(buf));
	if (z == ZONE_SPLIT) {
		report(c, DIAG_ERROR, o, "I1: member %s straddles the edge of a zone's networks",
		       buf);
		report_ja(c, o, "I1: メンバー %s はゾーンのネットワークの境界をまたいでいます",
			  buf);
	} else {
		report(c, DIAG_ERROR, o, "I1: member %s lies in no zone's networks", buf);
		report_ja(c, o, "I1: メンバー %s はどのゾーンのネットワークにも含まれません", buf);
	}
	return -1;
}

static void resolve_group(struct vctx *c, int gi)
{
	struct group *g = &c->p->groups[gi];
	struct obj o = obj_group(c, gi);
	int i, z, first = -1, zone = -1;
	bool ok = g->n_members > 0;

	if (!ok) {
		report(c, DIAG_ERROR, &o, "I1: group has no members");
		report_ja(c, &o, "I1: グループにメンバーがありません");
	}
	for (i = 0; i < g->n_members; i++) {
		z = member_zone(c, &o, &g->members[i]);
		if (z < 0) {
			ok = false;
		} else if (zone < 0) {
			zone = z;
			first = i;
		} else if (z != zone && ok) {
			report(c, DIAG_ERROR, &o, "I1: group spans zones: member %d is in zone "
			       "'%s', member %d in zone '%s'", first + 1, zone_id(c, zone), i + 1,
			       zone_id(c, z));
			report_ja(c, &o, "I1: グループが複数のゾーンにまたがっています: "
				  "%d 番目のメンバーはゾーン '%s'、%d 番目はゾーン '%s' です",
				  first + 1, zone_id(c, zone), i + 1, zone_id(c, z));
			ok = false;
		}
	}
	g->zone = ok ? zone : -1;
}

static void resolve_ep(struct vctx *c, const struct obj *o, struct endpoint *e, const char *side)
{
	e->kind = EP_UNRESOLVED;
	e->idx = -1;
	e->zone = -1;
	if (!e->name || !*e->name) {
		report(c, DIAG_ERROR, o, "I1: no '%s' endpoint", side);
		report_ja(c, o, "I1: '%s' の端点がありません", side);
		return;
	}
	if (!strcmp(e->name, GATEWAY)) {
		e->kind = EP_GATEWAY;
	} else if ((e->idx = policy_host_find(c->p, e->name)) >= 0) {
		e->kind = EP_HOST;
		e->zone = c->p->hosts[e->idx].zone;
	} else if ((e->idx = policy_group_find(c->p, e->name)) >= 0) {
		e->kind = EP_GROUP;
		e->zone = c->p->groups[e->idx].zone;
	} else if ((e->idx = policy_zone_find(c->p, e->name)) >= 0) {
		e->kind = EP_ZONE;
		e->zone = e->idx;
	} else {
		const char *hint = suggest(c, e->name, true);

		report(c, DIAG_ERROR, o, "I1: unknown '%s' endpoint '%s': no host, group or zone "
		       "has this name%s%s%s", side, e->name, hint ? " (did you mean '" : "",
		       hint ? hint : "", hint ? "'?)" : "");
		report_ja(c, o, "I1: '%s' の端点 '%s' は、ホスト、グループ、ゾーンのいずれにも"
			  "ありません%s%s%s", side, e->name, hint ? " ('" : "", hint ? hint : "",
			  hint ? "' の誤りでは?)" : "");
	}
}

/* Each breakout source names a zone (all of it) or a group (its members only). */
static int resolve_breakout(struct vctx *c)
{
	struct breakout *b = &c->p->breakout;
	struct obj o = obj_breakout(c);
	const char *name;
	int i;

	if (b->n_from > 0 && !b->from)
		b->from = policy_alloc(c->p, (size_t)b->n_from * sizeof(*b->from));
	if (b->n_from > 0 && !b->from_group)
		b->from_group = policy_alloc(c->p, (size_t)b->n_from * sizeof(*b->from_group));
	if (b->n_from > 0 && (!b->from || !b->from_group))
		return -ENOMEM;
	for (i = 0; i < b->n_from; i++) {
		name = b->from_names ? b->from_names[i] : NULL;
		b->from[i] = policy_zone_find(c->p, name);
		b->from_group[i] = b->from[i] < 0 ? policy_group_find(c->p, name) : -1;
		if (b->from[i] >= 0 || b->from_group[i] >= 0)
			continue;
		report(c, DIAG_ERROR, &o, "I4: unknown 'from' source '%s': no zone or group has "
		       "this name", str_or(name, ""));
		report_ja(c, &o, "I4: 'from' の '%s' は、ゾーン、グループのいずれにもありません",
			  str_or(name, ""));
	}
	/* a registration that ran out is off; check_services() says so */
	for (i = 0; i < b->n_services; i++) {
		struct service *s = &b->services[i];

		s->disabled = s->type == SVC_CLOUD && s->ismap_valid_until &&
			      s->ismap_valid_until < c->now;
	}
	return 0;
}

static void resolve_endpoints(struct vctx *c)
{
	struct policy *p = c->p;
	struct obj o;
	int i;

	for (i = 0; i < p->n_groups; i++)
		resolve_group(c, i);
	for (i = 0; i < p->n_flows; i++) {
		o = obj_flow(c, i);
		resolve_ep(c, &o, &p->flows[i].from, "from");
		resolve_ep(c, &o, &p->flows[i].to, "to");
	}
	for (i = 0; i < p->n_exceptions; i++) {
		struct exception *x = &p->exceptions[i];

		o = obj_exc(c, i);
		resolve_ep(c, &o, &x->from, "from");
		resolve_ep(c, &o, &x->to, "to");
		x->expired = x->expires && x->expires <= c->now;	/* check_i6() says so */
	}
}

/* ---------------------------------------------------------------------------------------- */
/* 3. I1: disjoint membership */

struct ifent {
	const char *name;
	int zone, seg, seq;		/* seg -1: the zone's own interface */
};

static int ifent_cmp(const void *x, const void *y)
{
	const struct ifent *a = x, *b = y;
	int r = strcmp(a->name, b->name);

	return r ? r : (a->seq > b->seq) - (a->seq < b->seq);
}

static void iface_conflict(struct vctx *c, const struct ifent *first, const struct ifent *e)
{
	struct obj o = e->seg >= 0 ? obj_seg(c, e->seg) : obj_zone(c, e->zone);
	int line = first->seg >= 0 ? c->p->segments[first->seg].loc.line :
		   c->p->zones[first->zone].loc.line;

	report(c, DIAG_ERROR, &o, "I1: interface '%s' is already an interface of zone '%s' "
	       "(line %d); an interface belongs to one zone", e->name, zone_id(c, first->zone),
	       line);
	report_ja(c, &o, "I1: インターフェース '%s' はすでにゾーン '%s' (%d 行目) のものです。"
		  "インターフェースは一つのゾーンにだけ属します", e->name,
		  zone_id(c, first->zone), line);
}

/* The sync link belongs to no zone (R102): neither its interface nor the nodes' addresses. */
static void check_ha(struct vctx *c)
{
	const struct ha_conf *h = &c->p->ha;
	struct obj o = { "ha", "冗長構成", NULL, h->loc.line, NULL };
	bool expl;
	char a[64];
	int i, j, z;

	if (!h->present)
		return;
	for (i = 0; i < c->nz; i++) {
		for (j = 0; j < c->p->zones[i].n_ifaces && j < POLICY_ZONE_IFACES_MAX; j++) {
			if (strcmp(c->p->zones[i].ifaces[j], h->sync_if))
				continue;
			report(c, DIAG_ERROR, &o, "sync_interface '%s' is an interface of zone '%s' "
			       "(line %d); the sync link belongs to no zone", h->sync_if,
			       zone_id(c, i), c->p->zones[i].loc.line);
			report_ja(c, &o, "sync_interface '%s' はゾーン '%s' (%d 行目) のインター"
				  "フェースです。同期リンクはどのゾーンにも属しません", h->sync_if,
				  zone_id(c, i), c->p->zones[i].loc.line);
		}
	}
	for (i = 0; i < c->p->n_segments; i++) {
		const struct segment *s = &c->p->segments[i];

		if (strcmp(s->iface, h->sync_if))
			continue;
		report(c, DIAG_ERROR, &o, "sync_interface '%s' is the interface of segment '%s' "
		       "(line %d); the sync link belongs to no zone", h->sync_if, s->name,
		       s->loc.line);
		report_ja(c, &o, "sync_interface '%s' はセグメント '%s' (%d 行目) のインターフェース"
			  "です。同期リンクはどのゾーンにも属しません", h->sync_if, s->name,
			  s->loc.line);
	}
	for (i = 0; i < h->n_nodes; i++) {
		z = zone_of(c, &h->nodes[i], &expl);
		if (z < 0 || !expl)
			continue;
		report(c, DIAG_ERROR, &o, "node address %s is in the networks of zone '%s'; the "
		       "sync link needs addresses of its own", addr_str(&h->nodes[i], a, sizeof(a)),
		       zone_id(c, z));
		report_ja(c, &o, "ノードのアドレス %s はゾーン '%s' のネットワーク内です。同期リンク"
			  "には専用のアドレスが必要です", addr_str(&h->nodes[i], a, sizeof(a)),
			  zone_id(c, z));
	}
}

static int check_ifaces(struct vctx *c)
{
	struct policy *p = c->p;
	size_t max = (size_t)c->nz * POLICY_ZONE_IFACES_MAX + (size_t)p->n_segments;
	struct ifent *v = malloc((max ? max : 1) * sizeof(*v));
	int i, j, n = 0, start;

	if (!v)
		return -ENOMEM;
	for (i = 0; i < c->nz; i++) {
		for (j = 0; j < p->zones[i].n_ifaces && j < POLICY_ZONE_IFACES_MAX; j++)
			v[n] = (struct ifent){ p->zones[i].ifaces[j], i, -1, n }, n++;
	}
	for (i = 0; i < p->n_segments; i++) {
		const struct segment *s = &p->segments[i];

		if (s->zone >= 0 && s->iface[0])
			v[n] = (struct ifent){ s->iface, s->zone, i, n }, n++;
	}
	if (n > 1)
		qsort(v, (size_t)n, sizeof(*v), ifent_cmp);
	for (i = 1, start = 0; i < n; i++) {
		if (strcmp(v[i].name, v[start].name))
			start = i;
		else if (v[i].zone != v[start].zone)
			iface_conflict(c, &v[start], &v[i]);
	}
	free(v);
	return 0;
}

static void net_conflict(struct vctx *c, const struct span *cur, const struct span *e,
			 const struct prefix *cp, const struct prefix *ep)
{
	struct obj o = e->a >= 0 ? obj_seg(c, e->a) : obj_zone(c, e->zone);
	char b1[64], b2[64], owner[256], owner_ja[256];

	pfx_str(ep, b1, sizeof(b1));
	pfx_str(cp, b2, sizeof(b2));
	if (cur->a >= 0) {
		const struct segment *s = &c->p->segments[cur->a];

		snprintf(owner, sizeof(owner), "segment '%s' (zone '%s', line %d)", s->name,
			 zone_id(c, cur->zone), s->loc.line);
		snprintf(owner_ja, sizeof(owner_ja), "セグメント '%s' (ゾーン '%s'、%d 行目)",
			 s->name, zone_id(c, cur->zone), s->loc.line);
	} else {
		snprintf(owner, sizeof(owner), "zone '%s' (line %d)", zone_id(c, cur->zone),
			 c->p->zones[cur->zone].loc.line);
		snprintf(owner_ja, sizeof(owner_ja), "ゾーン '%s' (%d 行目)", zone_id(c, cur->zone),
			 c->p->zones[cur->zone].loc.line);
	}
	report(c, DIAG_ERROR, &o, "I1: network %s overlaps %s of %s; zones must be disjoint",
	       b1, b2, owner);
	report_ja(c, &o, "I1: ネットワーク %s が %s の %s と重なっています。ゾーンは互いに"
		  "重なってはなりません", b1, owner_ja, b2);
}

static const struct prefix *span_prefix(const struct vctx *c, const struct span *s)
{
	return s->a >= 0 ? &c->p->segments[s->a].nets[s->b] : &c->p->zones[s->zone].nets[s->b];
}

/* Sorted networks of all zones and segments: overlaps of two zones are errors. */
static void check_net_overlap(struct vctx *c, const struct span *v, int n)
{
	int i, cur = 0;

	for (i = 1; i < n; i++) {
		if (v[i].fam != v[cur].fam || memcmp(v[i].lo, v[cur].hi, sizeof(v[i].lo)) > 0) {
			cur = i;
			continue;
		}
		if (v[i].zone != v[cur].zone) {
			net_conflict(c, &v[cur], &v[i], span_prefix(c, &v[cur]),
				     span_prefix(c, &v[i]));
			c->zone_bad[v[i].zone] = c->zone_bad[v[cur].zone] = true;
			c->nets_missing = true;
		}
		if (memcmp(v[i].hi, v[cur].hi, sizeof(v[i].hi)) > 0)
			cur = i;
	}
}

static int net_spans(struct vctx *c, struct span **ret)
{
	struct policy *p = c->p;
	size_t max = 0;
	struct span *v;
	int i, j, n = 0;

	for (i = 0; i < c->nz; i++)
		max += (size_t)(p->zones[i].n_nets > 0 ? p->zones[i].n_nets : 0);
	for (i = 0; i < p->n_segments; i++)
		max += (size_t)(p->segments[i].n_nets > 0 ? p->segments[i].n_nets : 0);
	v = malloc((max ? max : 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (i = 0; i < c->nz; i++) {
		for (j = 0; j < p->zones[i].n_nets; j++) {
			if (span_set(&v[n], &p->zones[i].nets[j]) == 0)
				v[n].zone = i, v[n].a = -1, v[n].b = j, v[n].seq = n, n++;
		}
	}
	for (i = 0; i < p->n_segments; i++) {
		for (j = 0; p->segments[i].zone >= 0 && j < p->segments[i].n_nets; j++) {
			if (span_set(&v[n], &p->segments[i].nets[j]) == 0) {
				v[n].zone = p->segments[i].zone;
				v[n].a = i, v[n].b = j, v[n].seq = n, n++;
			}
		}
	}
	spans_sort(v, n);
	*ret = v;
	return n;
}

/* Build c->all and c->segs, reporting overlaps between zones on the way. */
static int build_nets(struct vctx *c)
{
	struct span *v = NULL;
	int i, n, k = 0;

	n = net_spans(c, &v);
	if (n < 0)
		return n;
	check_net_overlap(c, v, n);
	c->segs = malloc((n ? (size_t)n : 1) * sizeof(*c->segs));
	if (!c->segs) {
		free(v);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		if (v[i].a >= 0)
			c->segs[k++] = v[i];
	}
	c->n_segs = spans_merge(c->segs, k);
	c->all = v;
	c->n_all = spans_merge(v, n);
	return 0;
}

/* The zone z was derived from broken networks (see zone_bad): say nothing more about it. */
static bool zone_unsure(const struct vctx *c, int z)
{
	if (z < 0 || z >= POLICY_ZONES_MAX)
		return false;
	return c->zone_bad[z] || (c->nets_missing && z == c->any_zone);
}

static void check_host_addr(struct vctx *c, int hi, uint8_t fam)
{
	struct host *h = &c->p->hosts[hi];
	struct obj o = obj_host(c, hi);
	struct prefix x;
	struct span s;
	bool expl;
	char buf[64];
	int z;

	host_prefix(h, fam, &x);
	if (span_set(&s, &x) == 0 && spans_find(c->segs, c->n_segs, &s, NULL) == SPAN_INSIDE)
		c->host_seg[hi] = true;
	z = zone_of(c, &x, &expl);
	if (z == h->zone || zone_unsure(c, h->zone) || zone_unsure(c, z))
		return;
	addr_str(&x, buf, sizeof(buf));
	if (z >= 0 && expl) {
		report(c, DIAG_ERROR, &o, "I1: address %s lies in the networks of zone '%s', not "
		       "of its zone '%s'", buf, zone_id(c, z), zone_id(c, h->zone));
		report_ja(c, &o, "I1: アドレス %s は所属ゾーン '%s' ではなく、ゾーン '%s' の"
			  "ネットワークにあります", buf, zone_id(c, h->zone), zone_id(c, z));
	} else {
		report(c, DIAG_ERROR, &o, "I1: address %s is outside the networks of its zone '%s'",
		       buf, zone_id(c, h->zone));
		report_ja(c, &o, "I1: アドレス %s は所属ゾーン '%s' のネットワークの外にあります",
			  buf, zone_id(c, h->zone));
	}
}

static void check_hosts(struct vctx *c)
{
	struct obj o;
	int i;

	for (i = 0; i < c->p->n_hosts; i++) {
		const struct host *h = &c->p->hosts[i];

		if (!h->has4 && !h->has6) {
			o = obj_host(c, i);
			report(c, DIAG_ERROR, &o, "I1: host has no address");
			report_ja(c, &o, "I1: ホストにアドレスがありません");
		}
		if (h->zone < 0)
			continue;
		if (h->has4)
			check_host_addr(c, i, AF_INET);
		if (h->has6)
			check_host_addr(c, i, AF_INET6);
	}
}

struct hkey {
	uint8_t k[16];
	int idx;
};

static int hkey_cmp(const void *x, const void *y)
{
	const struct hkey *a = x, *b = y;
	int r = memcmp(a->k, b->k, sizeof(a->k));

	return r ? r : (a->idx > b->idx) - (a->idx < b->idx);
}

/* what: 0 MAC, 4 IPv4, 6 IPv6 */
static void hkey_dup(struct vctx *c, const struct hkey *first, const struct hkey *e, int what)
{
	const struct host *h = &c->p->hosts[first->idx];
	struct obj o = obj_host(c, e->idx);
	struct prefix x;
	char buf[64];

	if (what == 0) {
		snprintf(buf, sizeof(buf), "%02x:%02x:%02x:%02x:%02x:%02x", h->mac[0], h->mac[1],
			 h->mac[2], h->mac[3], h->mac[4], h->mac[5]);
	} else {
		host_prefix(h, what == 4 ? AF_INET : AF_INET6, &x);
		addr_str(&x, buf, sizeof(buf));
	}
	report(c, DIAG_ERROR, &o, "I1: %s %s is also bound to host '%s' (line %d); a host "
	       "is bound in one place only", what ? "address" : "MAC", buf, h->name, h->loc.line);
	report_ja(c, &o, "I1: %s %s はホスト '%s' (%d 行目) にも割り当てられています。"
		  "一つの%sは一か所にしか割り当てられません", what ? "アドレス" : "MAC アドレス",
		  buf, h->name, h->loc.line, what ? "アドレス" : "MAC アドレス");
}

static int check_host_dups(struct vctx *c, int what)
{
	const struct policy *p = c->p;
	struct hkey *v = malloc((p->n_hosts ? (size_t)p->n_hosts : 1) * sizeof(*v));
	int i, n = 0, start;

	if (!v)
		return -ENOMEM;
	for (i = 0; i < p->n_hosts; i++) {
		const struct host *h = &p->hosts[i];
		bool has = what == 0 ? h->has_mac : what == 4 ? h->has4 : h->has6;

		if (!has)
			continue;
		memset(v[n].k, 0, sizeof(v[n].k));
		memcpy(v[n].k, what == 0 ? h->mac : what == 4 ? h->ip4 : h->ip6,
		       what == 0 ? 6 : what == 4 ? 4 : 16);
		v[n++].idx = i;
	}
	if (n > 1)
		qsort(v, (size_t)n, sizeof(*v), hkey_cmp);
	for (i = 1, start = 0; i < n; i++) {
		if (memcmp(v[i].k, v[start].k, sizeof(v[i].k)))
			start = i;
		else
			hkey_dup(c, &v[start], &v[i], what);
	}
	free(v);
	return 0;
}

static void check_segments(struct vctx *c)
{
	struct obj o;
	int i;

	for (i = 0; i < c->p->n_segments; i++) {
		const struct segment *s = &c->p->segments[i];

		o = obj_seg(c, i);
		if (!s->iface[0]) {
			report(c, DIAG_ERROR, &o, "I1: segment has no interface; a remote segment "
			       "arrives on its own interface");
			report_ja(c, &o, "I1: セグメントにインターフェースがありません。リモート"
				  "セグメントは専用のインターフェースで接続します");
		}
		if (s->zone < 0 || s->link == LINK_DEDICATED)
			continue;
		if (!is_role(c, s->zone, ZONE_MYNUMBER) && !is_role(c, s->zone, ZONE_LGWAN))
			continue;
		report(c, DIAG_ERROR, &o, "I1: link '%s': a segment of zone '%s' must be on a "
		       "dedicated line (R7, R9)", policy_link_name(s->link), zone_id(c, s->zone));
		report_ja(c, &o, "I1: 回線 '%s': ゾーン '%s' のセグメントは専用回線 (dedicated) で"
			  "接続しなければなりません (R7, R9)", policy_link_name(s->link),
			  zone_id(c, s->zone));
	}
}

/* ---------------------------------------------------------------------------------------- */
/* 4. I2: no path between mynumber and internet */

/* A flow or exception joining mynumber and internet; 'cls' < 0 for an exception. */
static void i2_ends(struct vctx *c, const struct obj *o, const struct endpoint *f,
		    const struct endpoint *t, int cls)
{
	bool mn_in = (is_role(c, f->zone, ZONE_MYNUMBER) && is_role(c, t->zone, ZONE_INTERNET)) ||
		     (is_role(c, f->zone, ZONE_INTERNET) && is_role(c, t->zone, ZONE_MYNUMBER));
	bool mn_lg = (is_role(c, f->zone, ZONE_MYNUMBER) && is_role(c, t->zone, ZONE_LGWAN)) ||
		     (is_role(c, f->zone, ZONE_LGWAN) && is_role(c, t->zone, ZONE_MYNUMBER));

	if (mn_in) {
		report(c, DIAG_ERROR, o, "I2: joins zones '%s' and '%s'; nothing may cross between "
		       "mynumber and internet, whatever its class (public systems are reached via "
		       "LGWAN)", zone_id(c, f->zone), zone_id(c, t->zone));
		report_ja(c, o, "I2: ゾーン '%s' と '%s' を結んでいます。マイナンバー利用事務系と"
			  "インターネット接続系の間は、クラスにかかわらず通信できません (公的機関の"
			  "システムへは LGWAN 経由で接続します)", zone_id(c, f->zone),
			  zone_id(c, t->zone));
	} else if (cls == FLOW_PUBLIC_VIA_LGWAN && !mn_lg && f->zone >= 0 && t->zone >= 0) {
		report(c, DIAG_ERROR, o, "I2: class public-system-via-lgwan joins zones '%s' and "
		       "'%s': it must join mynumber and lgwan, and egress via the LGWAN uplink "
		       "(R6)", zone_id(c, f->zone), zone_id(c, t->zone));
		report_ja(c, o, "I2: public-system-via-lgwan がゾーン '%s' と '%s' を結んでいます。"
			  "このクラスはマイナンバー利用事務系と LGWAN 接続系を結び、"
			  "LGWAN の回線から出なければなりません (R6)",
			  zone_id(c, f->zone), zone_id(c, t->zone));
	}
}

/* The zone of breakout source i: its own zone, or the zone of its group; -1 if unresolved. */
static int source_zone(const struct vctx *c, int i)
{
	const struct breakout *b = &c->p->breakout;
	int g = b->from_group ? b->from_group[i] : -1;

	if (b->from && b->from[i] >= 0)
		return b->from[i];
	return g >= 0 && g < c->p->n_groups ? c->p->groups[g].zone : -1;
}

static void i2_breakout(struct vctx *c)
{
	const struct breakout *b = &c->p->breakout;
	struct obj o = obj_breakout(c);
	char what[3 * POLICY_NAME_MAX], what_ja[3 * POLICY_NAME_MAX];
	int i, z;

	for (i = 0; i < b->n_from; i++) {
		z = source_zone(c, i);
		if (z < 0)
			continue;
		if (b->from[i] >= 0) {
			snprintf(what, sizeof(what), "zone '%s'", zone_id(c, z));
			snprintf(what_ja, sizeof(what_ja), "ゾーン '%s'", zone_id(c, z));
		} else {
			snprintf(what, sizeof(what), "group '%s' in zone '%s'",
				 c->p->groups[b->from_group[i]].name, zone_id(c, z));
			snprintf(what_ja, sizeof(what_ja), "ゾーン '%s' のグループ '%s'",
				 zone_id(c, z), c->p->groups[b->from_group[i]].name);
		}
		if (is_role(c, z, ZONE_MYNUMBER)) {
			report(c, DIAG_ERROR, &o, "I2: no breakout from %s", what);
			report_ja(c, &o, "I2: %s からのブレイクアウトはできません", what_ja);
		} else if (is_role(c, z, ZONE_INTERNET)) {
			report(c, DIAG_ERROR, &o, "I2: breakout from %s: local breakout "
			       "leaves from lgwan (or another zone), not from internet (R25)", what);
			report_ja(c, &o, "I2: %s からのブレイクアウト: "
				  "ローカルブレイクアウトは LGWAN 接続系 (または他のゾーン) "
				  "から行うものです (R25)", what_ja);
		}
	}
}

/* Two-hop paths through the gateway (I2, R5): an object that talks with mynumber ("T") may
 * not also talk with internet ("U"), itself, through an overlapping address (a breakout
 * group's members and the resolvers count as talking with internet), or through its zone (a
 * zone endpoint, or breakout from the zone). One pair is let through: a terminal that
 * reaches mynumber only by screen transfer (R13) and internet only by screen transfer or
 * breakout (R21, R25) carries no data between them, and the seeds sanction both paths.
 * A ref names the flow behind a mark: flows [0, nf), exceptions [nf, nf + ne), services after
 * them, then the breakout resolvers. */
enum hop_mark {
	HOP_T = 0,			/* first ref joining the object with mynumber */
	HOP_TS,				/* the same, screen-transfer-into-mynumber left out */
	HOP_U,				/* first ref joining the object with internet */
	HOP_US,				/* the same, screen-transfer relays and breakout left out */
	HOP_MAX
};

struct hop {
	int ref[HOP_MAX];
};

struct hops {
	struct hop *host, *group, zone[POLICY_ZONES_MAX];
	bool *done;			/* per ref: one report per flow */
	struct span *t, *u;		/* zone: owner kind (EP_HOST, EP_GROUP, 0), a: index */
	int nt, nu;
};

static int ref_flows(const struct vctx *c)
{
	return c->p->n_flows;
}

static int ref_svc(const struct vctx *c, int s)
{
	return c->p->n_flows + c->p->n_exceptions + s;
}

static int ref_resolvers(const struct vctx *c)
{
	return ref_svc(c, c->p->breakout.n_services);
}

static struct obj ref_obj(struct vctx *c, int ref)
{
	return ref < ref_flows(c) ? obj_flow(c, ref) : obj_exc(c, ref - ref_flows(c));
}

static void ref_text(struct vctx *c, int ref, bool ja, char *buf, size_t len)
{
	struct obj o;

	if (ref == ref_resolvers(c)) {
		snprintf(buf, len, ja ? "ブレイクアウトの DNS リゾルバ (%d 行目)" :
			 "the breakout resolvers (line %d)", c->p->breakout.loc.line);
		return;
	}
	if (ref >= ref_svc(c, 0))
		o = obj_svc(c, ref - ref_svc(c, 0));
	else
		o = ref_obj(c, ref);
	if (ja)
		snprintf(buf, len, "%s '%s' (%d 行目)", o.kind_ja, o.name, o.line);
	else
		snprintf(buf, len, "%s '%s' (line %d)", o.kind, o.name, o.line);
}

static struct hop *hop_of(struct hops *h, const struct endpoint *e)
{
	if (e->kind == EP_HOST)
		return &h->host[e->idx];
	if (e->kind == EP_GROUP)
		return &h->group[e->idx];
	if (e->kind == EP_ZONE && e->idx < POLICY_ZONES_MAX)
		return &h->zone[e->idx];
	return NULL;
}

static void hop_set(struct hop *m, enum hop_mark k, int ref)
{
	if (m->ref[k] < 0)
		m->ref[k] = ref;
}

/* Mark b by its partner a. 'soft': a screen transfer, which carries no data. */
static void hop_pair(const struct vctx *c, struct hops *h, const struct endpoint *a,
		     const struct endpoint *b, int ref, bool soft)
{
	struct hop *m = hop_of(h, b);

	if (!m || !is_mid(c, b->zone))
		return;
	if (is_role(c, a->zone, ZONE_MYNUMBER)) {
		hop_set(m, HOP_T, ref);
		if (!soft)
			hop_set(m, HOP_TS, ref);
	}
	if (is_role(c, a->zone, ZONE_INTERNET)) {
		hop_set(m, HOP_U, ref);
		if (!soft)
			hop_set(m, HOP_US, ref);
	}
}

static void hop_mark_breakout(struct vctx *c, struct hops *h)
{
	const struct breakout *b = &c->p->breakout;
	int i, j;

	for (i = 0; i < b->n_from; i++) {
		struct hop *m = b->from[i] >= 0 ? &h->zone[b->from[i]] :
				b->from_group[i] >= 0 ? &h->group[b->from_group[i]] : NULL;

		for (j = 0; m && is_mid(c, source_zone(c, i)) && j < b->n_services; j++) {
			if (!b->services[j].disabled)
				hop_set(m, HOP_U, ref_svc(c, j));
		}
	}
}

static void hop_mark(struct vctx *c, struct hops *h)
{
	const struct policy *p = c->p;
	int i;

	for (i = 0; i < p->n_flows; i++) {
		const struct flow *f = &p->flows[i];
		bool soft = f->cls == FLOW_SCREEN_INTO_MYNUMBER ||
			    (f->cls == FLOW_SANITISED_RELAY && f->method == METHOD_SCREEN_TRANSFER);

		if (f->cls == FLOW_MANAGEMENT || !ep_ok(&f->from) || !ep_ok(&f->to))
			continue;
		hop_pair(c, h, &f->from, &f->to, i, soft);
		hop_pair(c, h, &f->to, &f->from, i, soft);
	}
	for (i = 0; i < p->n_exceptions; i++) {
		const struct exception *x = &p->exceptions[i];

		if (x->expired || !ep_ok(&x->from) || !ep_ok(&x->to))
			continue;
		hop_pair(c, h, &x->from, &x->to, ref_flows(c) + i, false);
		hop_pair(c, h, &x->to, &x->from, ref_flows(c) + i, false);
	}
	hop_mark_breakout(c, h);
}

static void hop_report(struct vctx *c, struct hops *h, int tref, const char *x,
		       const char *via, const char *via_ja, int uref)
{
	struct obj o;
	char u[160], uj[160];

	if (h->done[tref])
		return;
	h->done[tref] = true;
	o = ref_obj(c, tref);
	ref_text(c, uref, false, u, sizeof(u));
	ref_text(c, uref, true, uj, sizeof(uj));
	report(c, DIAG_ERROR, &o, "I2: path mynumber -> %s -> internet: '%s' is joined with "
	       "mynumber here and %s reaches the internet zone by %s; a peer of mynumber must "
	       "have no path to the internet (R5)", x, x, via, u);
	report_ja(c, &o, "I2: マイナンバー利用事務系 -> %s -> インターネット接続系 の経路が"
		  "あります: '%s' はここでマイナンバー利用事務系と通信し、%s が %s でインターネット"
		  "接続系に届きます。マイナンバー利用事務系の接続先にはインターネットへの経路が"
		  "あってはなりません (R5)", x, x, via_ja, uj);
}

static const char *hop_name(const struct vctx *c, const struct span *s, char *buf, size_t len)
{
	char pfx[64];

	if (s->zone == EP_HOST)
		snprintf(buf, len, "%s", c->p->hosts[s->a].name);
	else if (s->zone == EP_GROUP)
		snprintf(buf, len, "%s", c->p->groups[s->a].name);
	else
		snprintf(buf, len, "resolver %s",
			 addr_str(&c->p->breakout.resolvers[s->a], pfx, sizeof(pfx)));
	return buf;
}

/* An object that talks with mynumber, in a zone that talks with internet as a whole. */
static void hop_zones(struct vctx *c, struct hops *h, const struct hop *m, int zone,
		      const char *name)
{
	char via[160], via_ja[160];
	const struct hop *zm;

	if (zone < 0 || zone >= POLICY_ZONES_MAX || m->ref[HOP_T] < 0)
		return;
	zm = &h->zone[zone];
	snprintf(via, sizeof(via), "its zone '%s'", zone_id(c, zone));
	snprintf(via_ja, sizeof(via_ja), "所属ゾーン '%s'", zone_id(c, zone));
	if (m->ref[HOP_TS] >= 0 && zm->ref[HOP_U] >= 0)
		hop_report(c, h, m->ref[HOP_TS], name, via, via_ja, zm->ref[HOP_U]);
	else if (zm->ref[HOP_US] >= 0)
		hop_report(c, h, m->ref[HOP_T], name, via, via_ja, zm->ref[HOP_US]);
}

static void hop_add(struct span *v, int *n, int kind, int idx, int ref, const struct prefix *x)
{
	if (span_set(&v[*n], x) < 0)
		return;
	v[*n].zone = kind;
	v[*n].a = idx;
	v[*n].b = ref;
	v[*n].seq = *n;
	(*n)++;
}

static void hop_add_host(struct span *v, int *n, int kind, int idx, int ref,
			 const struct host *hh)
{
	struct prefix x;

	if (hh->has4) {
		host_prefix(hh, AF_INET, &x);
		hop_add(v, n, kind, idx, ref, &x);
	}
	if (hh->has6) {
		host_prefix(hh, AF_INET6, &x);
		hop_add(v, n, kind, idx, ref, &x);
	}
}

static void hop_add_group(struct vctx *c, struct span *v, int *n, int gi, int ref)
{
	const struct group *g = &c->p->groups[gi];
	int i;

	for (i = 0; i < g->n_members; i++) {
		const struct member *m = &g->members[i];

		if (m->kind == MEMBER_PREFIX)
			hop_add(v, n, EP_GROUP, gi, ref, &m->pfx);
		else if (m->host >= 0 && m->host < c->p->n_hosts)
			hop_add_host(v, n, EP_GROUP, gi, ref, &c->p->hosts[m->host]);
	}
}

/* Sorted spans of every host and group with mark k; with the resolvers for a U mark. */
static int hop_spans(struct vctx *c, struct hops *h, enum hop_mark k, struct span **ret)
{
	const struct policy *p = c->p;
	size_t max = 2 * (size_t)p->n_hosts + (size_t)p->breakout.n_resolvers;
	struct span *v;
	int i, n = 0;

	for (i = 0; i < p->n_groups; i++)
		max += 2 * (size_t)p->groups[i].n_members;
	v = malloc((max ? max : 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (i = 0; i < p->n_hosts; i++) {
		if (h->host[i].ref[k] >= 0)
			hop_add_host(v, &n, EP_HOST, i, h->host[i].ref[k], &p->hosts[i]);
	}
	for (i = 0; i < p->n_groups; i++) {
		if (h->group[i].ref[k] >= 0)
			hop_add_group(c, v, &n, i, h->group[i].ref[k]);
	}
	for (i = 0; k >= HOP_U && i < p->breakout.n_resolvers; i++)
		hop_add(v, &n, 0, i, ref_resolvers(c), &p->breakout.resolvers[i]);
	spans_sort(v, n);
	*ret = v;
	return n;
}

/* The U span overlapping t: the one reaching furthest among those that start no later
 * (best[] holds their running maximum), or the first that starts inside t; -1 if none. */
static int hop_partner(const struct hops *h, const int *best, const struct span *t)
{
	int k = spans_upper(h->u, h->nu, t);

	if (k > 0 && h->u[best[k - 1]].fam == t->fam &&
	    memcmp(h->u[best[k - 1]].hi, t->lo, sizeof(t->lo)) >= 0)
		return best[k - 1];
	if (k < h->nu && h->u[k].fam == t->fam && memcmp(h->u[k].lo, t->hi, sizeof(t->hi)) <= 0)
		return k;
	return -1;
}

static int hop_overlaps(struct vctx *c, struct hops *h)
{
	int *best = malloc((h->nu ? (size_t)h->nu : 1) * sizeof(*best));
	char b1[80], b2[80], via[100];
	int i, u;

	if (!best)
		return -ENOMEM;
	for (i = 0; i < h->nu; i++) {
		best[i] = i;
		if (i && h->u[i - 1].fam == h->u[i].fam &&
		    memcmp(h->u[best[i - 1]].hi, h->u[i].hi, sizeof(h->u[i].hi)) > 0)
			best[i] = best[i - 1];
	}
	for (i = 0; i < h->nt; i++) {
		u = hop_partner(h, best, &h->t[i]);
		if (u < 0)
			continue;
		snprintf(via, sizeof(via), "'%s'", hop_name(c, &h->u[u], b2, sizeof(b2)));
		hop_report(c, h, h->t[i].b, hop_name(c, &h->t[i], b1, sizeof(b1)), via, via,
			   h->u[u].b);
	}
	free(best);
	return 0;
}

/* T spans with mark kt against U spans with mark ku. */
static int hop_pass(struct vctx *c, struct hops *h, enum hop_mark kt, enum hop_mark ku)
{
	free(h->t);
	free(h->u);
	h->t = h->u = NULL;
	h->nt = hop_spans(c, h, kt, &h->t);
	if (h->nt < 0)
		return h->nt;
	h->nu = hop_spans(c, h, ku, &h->u);
	if (h->nu < 0)
		return h->nu;
	return hop_overlaps(c, h);
}

static int hop_check(struct vctx *c, struct hops *h)
{
	const struct policy *p = c->p;
	int i, r;

	for (i = 0; i < p->n_hosts; i++)
		hop_zones(c, h, &h->host[i], p->hosts[i].zone, p->hosts[i].name);
	for (i = 0; i < p->n_groups; i++)
		hop_zones(c, h, &h->group[i], p->groups[i].zone, p->groups[i].name);
	r = hop_pass(c, h, HOP_TS, HOP_U);
	if (r >= 0)
		r = hop_pass(c, h, HOP_T, HOP_US);
	return r;
}

static int check_two_hop(struct vctx *c)
{
	const struct policy *p = c->p;
	struct hops h = { 0 };
	size_t nref = (size_t)ref_resolvers(c) + 1;
	int r = -ENOMEM;

	h.host = malloc((p->n_hosts ? (size_t)p->n_hosts : 1) * sizeof(*h.host));
	h.group = malloc((p->n_groups ? (size_t)p->n_groups : 1) * sizeof(*h.group));
	h.done = calloc(nref, sizeof(*h.done));
	if (!h.host || !h.group || !h.done)
		goto out;
	memset(h.host, 0xff, (size_t)p->n_hosts * sizeof(*h.host));	/* every ref -1 */
	memset(h.group, 0xff, (size_t)p->n_groups * sizeof(*h.group));
	memset(h.zone, 0xff, sizeof(h.zone));
	hop_mark(c, &h);
	r = hop_check(c, &h);
out:
	free(h.host);
	free(h.group);
	free(h.done);
	free(h.t);
	free(h.u);
	return r;
}

/* R5, attested: a host attested internet_connected = true may not be an end of a flow or
 * exception touching mynumber (the derived paths are check_two_hop()'s). */
static void r5_host(struct vctx *c, const struct obj *o, int hi)
{
	const struct host *h = &c->p->hosts[hi];

	if (h->internet_connected != 1)
		return;
	report(c, DIAG_ERROR, o, "I2: host '%s' is attested internet_connected = true (line %d); "
	       "a peer of mynumber must have no path to the internet (R5)", h->name, h->ic_line);
	report_ja(c, o, "I2: ホスト '%s' はインターネットに接続していると申告されています "
		  "(internet_connected = true、%d 行目)。マイナンバー利用事務系の接続先には"
		  "インターネットへの経路があってはなりません (R5)", h->name, h->ic_line);
}

static void r5_end(struct vctx *c, const struct obj *o, const struct endpoint *e)
{
	const struct group *g;
	int i;

	if (e->kind == EP_HOST && e->idx >= 0 && e->idx < c->p->n_hosts) {
		r5_host(c, o, e->idx);
		return;
	}
	if (e->kind != EP_GROUP || e->idx < 0 || e->idx >= c->p->n_groups)
		return;
	g = &c->p->groups[e->idx];
	for (i = 0; i < g->n_members; i++) {
		if (g->members[i].kind == MEMBER_HOST && g->members[i].host >= 0 &&
		    g->members[i].host < c->p->n_hosts)
			r5_host(c, o, g->members[i].host);
	}
}

static void r5_pair(struct vctx *c, const struct obj *o, const struct endpoint *f,
		    const struct endpoint *t)
{
	if (!ep_ok(f) || !ep_ok(t) ||
	    (!is_role(c, f->zone, ZONE_MYNUMBER) && !is_role(c, t->zone, ZONE_MYNUMBER)))
		return;
	r5_end(c, o, f);
	r5_end(c, o, t);
}

static void check_r5_attested(struct vctx *c)
{
	const struct policy *p = c->p;
	struct obj o;
	int i;

	for (i = 0; i < p->n_flows; i++) {
		o = obj_flow(c, i);
		r5_pair(c, &o, &p->flows[i].from, &p->flows[i].to);
	}
	for (i = 0; i < p->n_exceptions; i++) {
		if (p->exceptions[i].expired)
			continue;
		o = obj_exc(c, i);
		r5_pair(c, &o, &p->exceptions[i].from, &p->exceptions[i].to);
	}
}

static void check_i2(struct vctx *c)
{
	struct policy *p = c->p;
	struct obj o;
	int i;

	for (i = 0; i < p->n_flows; i++) {
		o = obj_flow(c, i);
		i2_ends(c, &o, &p->flows[i].from, &p->flows[i].to, (int)p->flows[i].cls);
	}
	for (i = 0; i < p->n_exceptions; i++) {
		o = obj_exc(c, i);
		i2_ends(c, &o, &p->exceptions[i].from, &p->exceptions[i].to, -1);
	}
	i2_breakout(c);
}

/* ---------------------------------------------------------------------------------------- */
/* 5. I3: flows touching mynumber name single MAC-bound hosts and single ports */

static bool touches_mn(const struct vctx *c, const struct endpoint *f, const struct endpoint *t)
{
	return is_role(c, f->zone, ZONE_MYNUMBER) || is_role(c, t->zone, ZONE_MYNUMBER);
}

/* One end of a flow touching mynumber. 'cross': the flow leaves the zone. */
static void i3_end(struct vctx *c, const struct obj *o, const struct endpoint *e, bool cross,
		   bool group_ok)
{
	const struct host *h;

	if (e->kind == EP_GATEWAY || (e->kind == EP_GROUP && group_ok))
		return;
	if (e->kind != EP_HOST) {
		report(c, DIAG_ERROR, o, "I3: endpoint '%s' is a whole %s; a flow touching "
		       "mynumber names single hosts", e->name,
		       e->kind == EP_ZONE ? "zone" : "group");
		report_ja(c, o, "I3: 端点 '%s' は%s全体です。マイナンバー利用事務系に関わる通信"
			  "は個々のホストを指定します", e->name,
			  e->kind == EP_ZONE ? "ゾーン" : "グループ");
		return;
	}
	h = &c->p->hosts[e->idx];
	if (!is_role(c, h->zone, ZONE_MYNUMBER) || h->has_mac)
		return;
	if (cross) {
		report(c, DIAG_ERROR, o, "I3: host '%s' has no MAC; a mynumber host on a flow to "
		       "another zone is pinned to MAC + IP + port (R4)", h->name);
		report_ja(c, o, "I3: ホスト '%s' に MAC アドレスがありません。他のゾーンと通信する"
			  "マイナンバー利用事務系のホストは MAC + IP + ポートで限定します (R4)",
			  h->name);
	} else if (!c->host_seg[e->idx]) {
		report(c, DIAG_ERROR, o, "I3: host '%s' sits on the zone's own network and has no "
		       "MAC; only a remote-segment host may go without one", h->name);
		report_ja(c, o, "I3: ホスト '%s' はゾーン内のネットワークにあるのに MAC アドレスが"
			  "ありません。MAC を省略できるのはリモートセグメントのホストだけです",
			  h->name);
	}
}

static void i3_ports(struct vctx *c, const struct obj *o, uint8_t proto,
		     const struct port_range *v, int n)
{
	int i;

	if (proto_is_icmp(proto))
		return;
	if (proto == 0 || n <= 0) {
		report(c, DIAG_ERROR, o, "I3: no %s; a flow touching mynumber names its protocol "
		       "and ports (R4)", proto ? "ports" : "protocol");
		report_ja(c, o, "I3: %sがありません。マイナンバー利用事務系に関わる通信はプロトコル"
			  "とポートを指定します (R4)", proto ? "ポート" : "プロトコル");
		return;
	}
	for (i = 0; i < n; i++) {
		if (v[i].lo == v[i].hi)
			continue;
		report(c, DIAG_ERROR, o, "I3: port range %u-%u; a flow touching mynumber names "
		       "single ports", v[i].lo, v[i].hi);
		report_ja(c, o, "I3: ポート範囲 %u-%u は使えません。マイナンバー利用事務系に関わる"
			  "通信は個々のポートを指定します", v[i].lo, v[i].hi);
		return;
	}
}

static void i3_flow(struct vctx *c, int i)
{
	const struct flow *f = &c->p->flows[i];
	struct obj o = obj_flow(c, i);
	bool cross = f->from.zone != f->to.zone, scr = f->cls == FLOW_SCREEN_INTO_MYNUMBER;

	if (!ep_ok(&f->from) || !ep_ok(&f->to) || !touches_mn(c, &f->from, &f->to))
		return;
	if (f->cls == FLOW_SANITISED_RELAY) {
		report(c, DIAG_ERROR, &o, "I3: class sanitised-relay may not touch mynumber; only "
		       "peer, public-system-via-lgwan, screen-transfer-into-mynumber and internal "
		       "flows may (R3)");
		report_ja(c, &o, "I3: sanitised-relay はマイナンバー利用事務系に関われません。"
			  "使えるのは peer、public-system-via-lgwan、"
			  "screen-transfer-into-mynumber、internal だけです (R3)");
		return;
	}
	i3_end(c, &o, &f->from, cross, scr && !is_role(c, f->from.zone, ZONE_MYNUMBER));
	i3_end(c, &o, &f->to, cross, false);
	i3_ports(c, &o, f->proto, f->ports, f->n_ports);
}

static void check_i3(struct vctx *c)
{
	struct policy *p = c->p;
	struct obj o;
	int i;

	for (i = 0; i < p->n_flows; i++)
		i3_flow(c, i);
	for (i = 0; i < p->n_exceptions; i++) {
		const struct exception *x = &p->exceptions[i];

		if (!ep_ok(&x->from) || !ep_ok(&x->to) || !touches_mn(c, &x->from, &x->to))
			continue;
		o = obj_exc(c, i);
		i3_end(c, &o, &x->from, x->from.zone != x->to.zone, false);
		i3_end(c, &o, &x->to, x->from.zone != x->to.zone, false);
		i3_ports(c, &o, x->proto, x->ports, x->n_ports);
	}
}

/* ---------------------------------------------------------------------------------------- */
/* 6. I4: lgwan <-> internet only through sanitised relays or breakout */

static bool is_lg_in(const struct vctx *c, const struct endpoint *f, const struct endpoint *t)
{
	return (is_role(c, f->zone, ZONE_LGWAN) && is_role(c, t->zone, ZONE_INTERNET)) ||
	       (is_role(c, f->zone, ZONE_INTERNET) && is_role(c, t->zone, ZONE_LGWAN));
}

static void i4_host_ends(struct vctx *c, const struct obj *o, const struct flow *f, bool grp)
{
	const struct endpoint *e[2] = { &f->from, &f->to };
	int i;

	for (i = 0; i < 2; i++) {
		if (e[i]->kind == EP_HOST || (i == 0 && grp && e[i]->kind == EP_GROUP))
			continue;
		report(c, DIAG_ERROR, o, "I4: endpoint '%s' is not a single host; a relay names "
		       "one host at each end (R19)", e[i]->name);
		report_ja(c, o, "I4: 端点 '%s' は単一のホストではありません。無害化の中継は両端"
			  "とも一つのホストを指定します (R19)", e[i]->name);
	}
}

/* A sanitised relay between lgwan and internet: method, direction, ends, ports. */
static void i4_relay(struct vctx *c, const struct obj *o, const struct flow *f)
{
	bool in_lg = is_role(c, f->to.zone, ZONE_LGWAN);
	bool scr = f->method == METHOD_SCREEN_TRANSFER;

	if (f->method == METHOD_NONE)
		return;			/* check_i4() reported it */
	if (scr && in_lg) {
		report(c, DIAG_ERROR, o, "I4: screen transfer is opened from lgwan: 'from' must be "
		       "in lgwan and 'to' the screen-transfer server in internet (R21)");
		report_ja(c, o, "I4: 画面転送は LGWAN 接続系から開始します。"
			  "'from' は LGWAN 接続系、'to' はインターネット接続系の画面転送サーバに"
			  "してください (R21)");
	} else if (!scr && !in_lg) {
		report(c, DIAG_ERROR, o, "I4: method '%s' carries data from internet into lgwan: "
		       "'from' must be the relay in internet and 'to' the host in lgwan (R20, R22)",
		       policy_method_name(f->method));
		report_ja(c, o, "I4: 方式 '%s' はインターネット接続系から LGWAN 接続系へ"
			  "データを渡します。'from' はインターネット接続系の中継サーバ、"
			  "'to' は LGWAN 接続系のホストにしてください (R20, R22)",
			  policy_method_name(f->method));
	}
	i4_host_ends(c, o, f, scr);
	if (f->n_ports <= 0 && !proto_is_icmp(f->proto)) {
		report(c, DIAG_ERROR, o, "I4: no ports; a relay between lgwan and internet names "
		       "the ports of its method");
		report_ja(c, o, "I4: ポートがありません。LGWAN 接続系とインターネット接続系の間の"
			  "中継は、方式で使うポートを指定します");
	}
}

static void i4_flow(struct vctx *c, int i)
{
	const struct flow *f = &c->p->flows[i];
	struct obj o = obj_flow(c, i);

	if (f->cls == FLOW_SANITISED_RELAY && f->method == METHOD_NONE) {
		report(c, DIAG_ERROR, &o, "I4: sanitised relay without a method (mail-text, "
		       "screen-transfer or file-sanitise) (R19)");
		report_ja(c, &o, "I4: 無害化の方式 (mail-text、screen-transfer、file-sanitise) が"
			  "指定されていません (R19)");
	} else if (f->cls != FLOW_SANITISED_RELAY && f->method != METHOD_NONE) {
		report(c, DIAG_WARNING, &o, "I4: method '%s' applies only to class "
		       "sanitised-relay, ignoring", policy_method_name(f->method));
		report_ja(c, &o, "I4: 方式 '%s' は sanitised-relay にだけ使えます。無視します",
			  policy_method_name(f->method));
	}
	if (!ep_ok(&f->from) || !ep_ok(&f->to) || !is_lg_in(c, &f->from, &f->to))
		return;
	if (f->cls != FLOW_SANITISED_RELAY) {
		report(c, DIAG_ERROR, &o, "I4: class '%s' between lgwan and internet; only "
		       "sanitised relays (mail-text, screen-transfer, file-sanitise) may cross "
		       "(R10)", policy_class_name(f->cls));
		report_ja(c, &o, "I4: LGWAN 接続系とインターネット接続系の間にクラス '%s' は使え"
			  "ません。通信できるのは無害化の中継 (mail-text、screen-transfer、"
			  "file-sanitise) だけです (R10)", policy_class_name(f->cls));
		return;
	}
	i4_relay(c, &o, f);
}

static void i4_cloud(struct vctx *c, const struct obj *o, const struct service *s)
{
	if (!s->ismap[0]) {
		report(c, DIAG_ERROR, o, "I4: cloud service without an ISMAP registration; local "
		       "breakout reaches only ISMAP-listed services (R25)");
		report_ja(c, o, "I4: ISMAP の登録がないクラウドサービスです。ローカルブレイクアウト"
			  "の接続先は ISMAP クラウドサービスリストのサービスに限ります (R25)");
	}
	if (!s->ismap_valid_until) {
		report(c, DIAG_ERROR, o, "I4: no ISMAP registration end date (ismap_valid_until)");
		report_ja(c, o, "I4: ISMAP 登録の有効期限 (ismap_valid_until) がありません");
	} else if (s->disabled) {
		report(c, DIAG_WARNING, o, "I4: ISMAP registration expired on %s, service "
		       "disabled, ignoring", str_or(s->ismap_valid_text, "?"));
		report_ja(c, o, "I4: ISMAP の登録が %s に期限切れになりました。サービスを無効にし、"
			  "無視します", str_or(s->ismap_valid_text, "?"));
	}
}

static void i4_secupdate(struct vctx *c, const struct obj *o, const struct service *s)
{
	int i;

	if (s->handles_admin_docs != 0) {
		report(c, DIAG_ERROR, o, "I4: a security-update service must attest "
		       "handles_admin_docs = false (R26)");
		report_ja(c, o, "I4: security-update のサービスは行政文書を扱わないこと "
			  "(handles_admin_docs = false) を明示しなければなりません (R26)");
	}
	if (s->n_fqdns <= 0 || s->match == MATCH_IP) {
		report(c, DIAG_ERROR, o, "I4: a security-update service is restricted by name: "
		       "it lists its FQDNs and matches them (match \"dns+sni\" or \"sni\") (R26)");
		report_ja(c, o, "I4: security-update のサービスは名前で接続先を限定します。"
			  "FQDN を列挙し、名前で照合 (match \"dns+sni\" または \"sni\") "
			  "してください (R26)");
	}
	for (i = 0; i < s->n_fqdns; i++) {
		if (!s->fqdns[i] || !strchr(s->fqdns[i], '*'))
			continue;
		report(c, DIAG_ERROR, o, "I4: FQDN '%s' is a wildcard; a security-update service "
		       "lists its confirmed names only (R26)", s->fqdns[i]);
		report_ja(c, o, "I4: FQDN '%s' はワイルドカードです。security-update のサービスは"
			  "確認済みの名前だけを列挙します (R26)", s->fqdns[i]);
		break;
	}
	if (!s->tls_required) {
		report(c, DIAG_ERROR, o, "I4: a security-update service needs tls = \"required\" "
		       "(R26: certificate authentication of the provider)");
		report_ja(c, o, "I4: security-update のサービスには tls = \"required\" が必要です "
			  "(R26: 証明書による提供元の認証)");
	}
}

static void i4_svc_prefixes(struct vctx *c, const struct obj *o, const struct service *s)
{
	char buf[64];
	int i, z;

	for (i = 0; i < s->n_prefixes; i++) {
		z = zone_of(c, &s->prefixes[i], NULL);
		if (is_role(c, z, ZONE_INTERNET))
			continue;
		pfx_str(&s->prefixes[i], buf, sizeof(buf));
		report(c, DIAG_ERROR, o, "%s: prefix %s is not in the internet zone (zone '%s'); "
		       "breakout reaches the internet only", is_role(c, z, ZONE_MYNUMBER) ? "I2" :
		       "I4", buf, zone_id(c, z));
		report_ja(c, o, "%s: プレフィックス %s はインターネット接続系ではなくゾーン '%s' "
			  "にあります。ブレイクアウトの接続先はインターネットだけです",
			  is_role(c, z, ZONE_MYNUMBER) ? "I2" : "I4", buf, zone_id(c, z));
	}
}

/* R26: a service with tls = "required" is reached by TLS only: no port 80 (plain HTTP). */
static void i4_svc_tls_ports(struct vctx *c, const struct obj *o, const struct service *s)
{
	int i;

	for (i = 0; s->tls_required && i < s->n_ports; i++) {
		if (s->ports[i].lo > 80 || s->ports[i].hi < 80)
			continue;
		report(c, DIAG_ERROR, o, "I4: port 80 (plain HTTP) on a service with tls = "
		       "\"required\"; it is reached by TLS only (R26)");
		report_ja(c, o, "I4: tls = \"required\" のサービスにポート 80 (平文の HTTP) があり"
			  "ます。TLS だけで接続します (R26)");
		return;
	}
}

/* The engine tells the client side of a breakout flow by its server port: a wide range
 * would take clients' ports for servers'. */
static void i4_svc_port_span(struct vctx *c, const struct obj *o, const struct service *s)
{
	int i, span;

	for (i = 0; i < s->n_ports; i++) {
		span = (int)s->ports[i].hi - (int)s->ports[i].lo + 1;
		if (span <= c->p->breakout.port_span_max)
			continue;
		report(c, DIAG_ERROR, o, "I4: port range %u-%u spans %d ports, more than "
		       "breakout.port_span_max (%d): the engine tells the client side by the "
		       "server port", s->ports[i].lo, s->ports[i].hi, span,
		       c->p->breakout.port_span_max);
		report_ja(c, o, "I4: ポート範囲 %u-%u は %d 個で、breakout.port_span_max (%d) を"
			  "超えています。エンジンはサーバ側のポートでクライアント側を判別します",
			  s->ports[i].lo, s->ports[i].hi, span, c->p->breakout.port_span_max);
	}
}

/* The suffix after the wildcard part of a pattern ("*.co.jp", "*cdn.x.net",
 * "a.*.x.net": after the last label holding '*'); NULL when it holds no '*'. */
static const char *psl_suffix(const char *pattern)
{
	const char *star = strrchr(pattern, '*'), *dot;

	if (!star)
		return NULL;
	dot = strchr(star, '.');
	return dot ? dot + 1 : "";
}

/* 0: pattern is no wildcard, or its suffix is not a public suffix; 1: it is (or there is
 * no list to tell: fail closed). */
int policy_psl_check(const struct psl *l, const char *pattern)
{
	const char *suffix = pattern ? psl_suffix(pattern) : NULL;

	if (!suffix)
		return 0;
	return psl_is_public(l, suffix) != 0;
}

static void i4_svc_psl(struct vctx *c, const struct obj *o, const struct service *s)
{
	const struct psl *l = c->p->psl;
	int i;

	if (s->type == SVC_SECURITY_UPDATE)
		return;		/* i4_secupdate() refuses every wildcard */
	for (i = 0; !s->psl_override && i < s->n_fqdns; i++) {
		if (!s->fqdns[i] || !policy_psl_check(l, s->fqdns[i]))
			continue;
		if (!l || l->missing) {
			report(c, DIAG_ERROR, o, "I4: FQDN '%s' is a wildcard and the Public Suffix "
			       "List (%s) cannot be read to check it: install the package "
			       "publicsuffix", s->fqdns[i], l ? l->path : PSL_DEFAULT_PATH);
			report_ja(c, o, "I4: FQDN '%s' はワイルドカードですが、検査に使う Public "
				  "Suffix List (%s) を読めません。パッケージ publicsuffix を"
				  "インストールしてください", s->fqdns[i],
				  l ? l->path : PSL_DEFAULT_PATH);
			continue;
		}
		report(c, DIAG_ERROR, o, "I4: FQDN '%s' is a wildcard over the public suffix '%s' "
		       "(names of any owner); list the names, or give psl_override = \"why\"",
		       s->fqdns[i], psl_suffix(s->fqdns[i]));
		report_ja(c, o, "I4: FQDN '%s' は公開サフィックス '%s' のワイルドカードです (所有者"
			  "を問わない名前)。名前を列挙するか、psl_override = \"理由\" を指定して"
			  "ください", s->fqdns[i], psl_suffix(s->fqdns[i]));
	}
}

static void i4_service(struct vctx *c, int i)
{
	const struct service *s = &c->p->breakout.services[i];
	struct obj o = obj_svc(c, i);

	if (!s->approval[0]) {
		report(c, DIAG_ERROR, &o, "I5: service without an approval id");
		report_ja(c, &o, "I5: サービスに承認番号 (approval) がありません");
	}
	if (s->n_ports <= 0) {
		report(c, DIAG_ERROR, &o, "I4: service without ports");
		report_ja(c, &o, "I4: サービスにポートがありません");
	}
	if (s->match == MATCH_IP && s->n_prefixes <= 0) {
		report(c, DIAG_ERROR, &o, "I4: match \"ip\" needs prefixes");
		report_ja(c, &o, "I4: match \"ip\" にはプレフィックス (prefixes) が必要です");
	} else if (s->match != MATCH_IP && s->n_fqdns <= 0 && s->type == SVC_CLOUD) {
		report(c, DIAG_ERROR, &o, "I4: match \"%s\" needs fqdns",
		       policy_match_name(s->match));
		report_ja(c, &o, "I4: match \"%s\" には FQDN (fqdns) が必要です",
			  policy_match_name(s->match));
	}
	if (s->type == SVC_CLOUD)
		i4_cloud(c, &o, s);
	else
		i4_secupdate(c, &o, s);
	i4_svc_prefixes(c, &o, s);
	i4_svc_tls_ports(c, &o, s);
	i4_svc_port_span(c, &o, s);
	i4_svc_psl(c, &o, s);
}

/* Resolvers serve the terminals that break out: each lies in the zone of a source (a zone, or
 * the zone of a group). The two-hop check counts them as reaching the internet. */
static void i4_resolvers(struct vctx *c)
{
	const struct breakout *b = &c->p->breakout;
	struct obj o = obj_breakout(c);
	char buf[64];
	int i, j, z;

	for (i = 0; i < b->n_resolvers; i++) {
		z = zone_of(c, &b->resolvers[i], NULL);
		for (j = 0; j < b->n_from && (z < 0 || source_zone(c, j) != z); j++)
			;
		if (j < b->n_from)
			continue;
		addr_str(&b->resolvers[i], buf, sizeof(buf));
		report(c, DIAG_ERROR, &o, "I4: resolver %s lies outside the zones of the breakout "
		       "sources (zone '%s'); a resolver serves the zones or groups that break out",
		       buf, zone_id(c, z));
		report_ja(c, &o, "I4: リゾルバ %s はブレイクアウト元のゾーンの外 (ゾーン '%s') に"
			  "あります。リゾルバはブレイクアウトするゾーンまたはグループのためのもの"
			  "です", buf, zone_id(c, z));
	}
}

/* Upstream DNS servers are on the internet side; dns+sni learns addresses from them. */
static void i4_upstreams(struct vctx *c)
{
	const struct breakout *b = &c->p->breakout;
	struct obj o = obj_breakout(c);
	char buf[64];
	int i, z;

	for (i = 0; i < b->n_upstreams; i++) {
		z = zone_of(c, &b->upstreams[i], NULL);
		if (is_role(c, z, ZONE_INTERNET))
			continue;
		addr_str(&b->upstreams[i], buf, sizeof(buf));
		if (z < 0) {
			report(c, DIAG_ERROR, &o, "I1: upstream %s lies in no zone's networks; "
			       "upstream DNS servers are in the internet zone", buf);
			report_ja(c, &o, "I1: 上位 DNS サーバ %s はどのゾーンのネットワークにも"
				  "含まれません。上位 DNS サーバはインターネット接続系に置きます", buf);
			continue;
		}
		report(c, DIAG_ERROR, &o, "%s: upstream %s lies in zone '%s', not in internet; "
		       "upstream DNS servers are in the internet zone",
		       is_role(c, z, ZONE_MYNUMBER) ? "I2" : "I1", buf, zone_id(c, z));
		report_ja(c, &o, "%s: 上位 DNS サーバ %s はインターネット接続系ではなくゾーン '%s' "
			  "にあります。上位 DNS サーバはインターネット接続系に置きます",
			  is_role(c, z, ZONE_MYNUMBER) ? "I2" : "I1", buf, zone_id(c, z));
	}
	for (i = 0; b->n_upstreams <= 0 && i < b->n_services; i++) {
		if (b->services[i].disabled || b->services[i].match != MATCH_DNS_SNI)
			continue;
		report(c, DIAG_ERROR, &o, "I4: service '%s' matches dns+sni and needs upstreams: "
		       "the resolvers' answers are learned from their upstream servers",
		       b->services[i].name);
		report_ja(c, &o, "I4: サービス '%s' は dns+sni で照合するため upstreams が必要です。"
			  "リゾルバの応答は上位 DNS サーバからのものを学習します",
			  b->services[i].name);
		break;
	}
}

static void i4_breakout(struct vctx *c)
{
	const struct breakout *b = &c->p->breakout;
	struct obj o = obj_breakout(c);
	int i;

	if (b->n_services > 0 && b->n_from <= 0) {
		report(c, DIAG_ERROR, &o, "I4: no 'from' zone or group");
		report_ja(c, &o, "I4: 'from' のゾーンまたはグループがありません");
	}
	i4_resolvers(c);
	i4_upstreams(c);
	for (i = 0; i < b->n_services; i++)
		i4_service(c, i);
}

static void check_i4(struct vctx *c)
{
	struct policy *p = c->p;
	struct obj o;
	int i;

	for (i = 0; i < p->n_flows; i++)
		i4_flow(c, i);
	for (i = 0; i < p->n_exceptions; i++) {
		if (!ep_ok(&p->exceptions[i].from) || !ep_ok(&p->exceptions[i].to) ||
		    !is_lg_in(c, &p->exceptions[i].from, &p->exceptions[i].to))
			continue;
		o = obj_exc(c, i);
		report(c, DIAG_ERROR, &o, "I4: an exception may not join lgwan and internet; only "
		       "sanitised relays or breakout may cross (R10)");
		report_ja(c, &o, "I4: 例外措置で LGWAN 接続系とインターネット接続系を結ぶことは"
			  "できません。通信できるのは無害化の中継とブレイクアウトだけです (R10)");
	}
	i4_breakout(c);
}

/* ---------------------------------------------------------------------------------------- */
/* 7. I5: classes match their zones; cross-zone flows carry an approval and a purpose */

static bool zone_ep_zone_ok(const struct vctx *c, int z)
{
	return z >= 0 && z < c->nz && (c->p->zones[z].role == ZONE_OTHER ||
				       c->p->zones[z].role == ZONE_LGWAN);
}

/* A whole zone as an endpoint: only internal or peer between lgwan and other zones, with a
 * warning (R37). Flows touching mynumber (I3) or joining lgwan and internet (I4) are done. */
static void i5_zone_ep(struct vctx *c, const struct obj *o, const struct endpoint *f,
		       const struct endpoint *t, int cls)
{
	const struct endpoint *z = f->kind == EP_ZONE ? f : t;

	if (z->kind != EP_ZONE || touches_mn(c, f, t) || is_lg_in(c, f, t))
		return;
	if ((cls == FLOW_INTERNAL || cls == FLOW_PEER) && zone_ep_zone_ok(c, f->zone) &&
	    zone_ep_zone_ok(c, t->zone)) {
		report(c, DIAG_WARNING, o, "I5: endpoint '%s' is a whole zone; least privilege "
		       "asks for hosts or groups (R37)", z->name);
		report_ja(c, o, "I5: 端点 '%s' はゾーン全体です。最小権限のため、ホストまたは"
			  "グループを指定してください (R37)", z->name);
		return;
	}
	report(c, DIAG_ERROR, o, "I5: endpoint '%s' is a whole zone; only internal or peer flows "
	       "between lgwan and other zones may name one", z->name);
	report_ja(c, o, "I5: 端点 '%s' はゾーン全体です。ゾーンを指定できるのは、LGWAN 接続系と"
		  "その他のゾーンの間の internal または peer だけです", z->name);
}

static void i5_gateway(struct vctx *c, const struct obj *o, const struct flow *f)
{
	int ngw = (f->from.kind == EP_GATEWAY) + (f->to.kind == EP_GATEWAY);

	if (f->cls != FLOW_MANAGEMENT && ngw) {
		report(c, DIAG_ERROR, o, "I5: 'gateway' may appear only in management flows");
		report_ja(c, o, "I5: 'gateway' は management のフローにだけ使えます");
	} else if (f->cls == FLOW_MANAGEMENT && ngw != 1) {
		report(c, DIAG_ERROR, o, "I5: a management flow has exactly one end 'gateway'");
		report_ja(c, o, "I5: management のフローは片方の端点だけを 'gateway' にします");
	} else if (f->cls == FLOW_MANAGEMENT &&
		   (f->from.kind == EP_ZONE || f->to.kind == EP_ZONE)) {
		report(c, DIAG_ERROR, o, "I5: management from or to a whole zone; name hosts or "
		       "groups");
		report_ja(c, o, "I5: management にゾーン全体は指定できません。ホストまたはグループ"
			  "を指定してください");
	}
}

static void i5_class(struct vctx *c, const struct obj *o, const struct flow *f)
{
	const char *cn = policy_class_name(f->cls);

	if (zone_unsure(c, f->from.zone) || zone_unsure(c, f->to.zone))
		return;
	if (f->cls == FLOW_INTERNAL && f->from.zone != f->to.zone) {
		report(c, DIAG_ERROR, o, "I5: class internal joins zones '%s' and '%s'; an "
		       "internal flow stays in one zone", zone_id(c, f->from.zone),
		       zone_id(c, f->to.zone));
		report_ja(c, o, "I5: internal がゾーン '%s' と '%s' を結んでいます。"
			  "internal は一つのゾーンの中の通信です", zone_id(c, f->from.zone),
			  zone_id(c, f->to.zone));
	} else if (f->cls != FLOW_INTERNAL && f->from.zone == f->to.zone) {
		report(c, DIAG_ERROR, o, "I5: class '%s' joins two different zones, but both ends "
		       "are in zone '%s'; use class internal", cn, zone_id(c, f->to.zone));
		report_ja(c, o, "I5: クラス '%s' は異なるゾーンを結ぶものですが、"
			  "両端ともゾーン '%s' にあります。internal を使ってください", cn,
			  zone_id(c, f->to.zone));
	} else if (f->cls == FLOW_SCREEN_INTO_MYNUMBER &&
		   !is_role(c, f->to.zone, ZONE_MYNUMBER)) {
		report(c, DIAG_ERROR, o, "I5: class screen-transfer-into-mynumber ends in zone "
		       "mynumber, not '%s' (R13)", zone_id(c, f->to.zone));
		report_ja(c, o, "I5: screen-transfer-into-mynumber の 'to' はゾーン '%s' ではなく"
			  "マイナンバー利用事務系にします (R13)", zone_id(c, f->to.zone));
	}
}

static void i5_approval(struct vctx *c, const struct obj *o, const char *approval,
			const char *purpose)
{
	if (!approval || !approval[0]) {
		report(c, DIAG_ERROR, o, "I5: no approval id; a flow across zones is approved");
		report_ja(c, o, "I5: 承認番号 (approval) がありません。ゾーンをまたぐ通信には承認"
			  "が必要です");
	}
	if (!purpose || !purpose[0]) {
		report(c, DIAG_ERROR, o, "I5: no purpose; a flow across zones states why it is "
		       "needed");
		report_ja(c, o, "I5: 目的 (purpose) がありません。ゾーンをまたぐ通信には必要な理由"
			  "を記載します");
	}
}

static void i5_flow(struct vctx *c, int i)
{
	const struct flow *f = &c->p->flows[i];
	struct obj o = obj_flow(c, i);
	bool mgmt = f->cls == FLOW_MANAGEMENT;

	i5_gateway(c, &o, f);
	if (!ep_ok(&f->from) || !ep_ok(&f->to))
		return;
	if (mgmt || f->from.zone != f->to.zone)
		i5_approval(c, &o, f->approval, f->purpose);
	if (mgmt || f->from.kind == EP_GATEWAY || f->to.kind == EP_GATEWAY)
		return;
	i5_class(c, &o, f);
	i5_zone_ep(c, &o, &f->from, &f->to, (int)f->cls);
}

static void check_i5(struct vctx *c)
{
	int i;

	for (i = 0; i < c->p->n_flows; i++)
		i5_flow(c, i);
}

/* ---------------------------------------------------------------------------------------- */
/* 8. I6: exceptions are justified, approved by another person, and expire */

static void i6_people(struct vctx *c, const struct obj *o, const struct exception *x)
{
	if (!x->reason || !x->reason[0]) {
		report(c, DIAG_ERROR, o, "I6: no reason (R58)");
		report_ja(c, o, "I6: 理由 (reason) がありません (R58)");
	}
	if (!x->requested_by[0] || !x->approved_by[0]) {
		report(c, DIAG_ERROR, o, "I6: no %s (R58, R61)",
		       x->requested_by[0] ? "approved_by" : "requested_by");
		report_ja(c, o, "I6: %s がありません (R58, R61)",
			  x->requested_by[0] ? "承認者 (approved_by)" : "申請者 (requested_by)");
	} else if (policy_name_same(x->requested_by, x->approved_by)) {
		report(c, DIAG_ERROR, o, "I6: requested and approved by '%s'; requester and "
		       "approver must be different people (R61)", x->approved_by);
		report_ja(c, o, "I6: 申請者と承認者がともに '%s' です。申請者と承認者は別の人で"
			  "なければなりません (R61)", x->approved_by);
	}
}

static void i6_exception(struct vctx *c, int i)
{
	struct exception *x = &c->p->exceptions[i];
	struct obj o = obj_exc(c, i);

	i6_people(c, &o, x);
	if (!x->expires) {
		report(c, DIAG_ERROR, &o, "I6: no expiry; every exception is time-bounded (R58)");
		report_ja(c, &o, "I6: 有効期限 (expires) がありません。例外措置には必ず期限を設け"
			  "ます (R58)");
	} else if (x->expired) {
		report(c, DIAG_WARNING, &o, "I6: expired on %s, ignoring",
		       str_or(x->expires_text, "?"));
		report_ja(c, &o, "I6: %s に期限切れになりました。無視します",
			  str_or(x->expires_text, "?"));
	}
	if (x->from.kind == EP_GATEWAY || x->to.kind == EP_GATEWAY) {
		report(c, DIAG_ERROR, &o, "I6: an exception may not touch the gateway; use a "
		       "management flow");
		report_ja(c, &o, "I6: 例外措置でゲートウェイ自身は指定できません。management の"
			  "フローを使ってください");
	} else if (ep_ok(&x->from) && ep_ok(&x->to)) {
		i5_zone_ep(c, &o, &x->from, &x->to, FLOW_PEER);
	}
}

/* Warnings for what can never apply or is risky: both ends in one zone that has one interface
 * and no remote segment (the traffic never crosses the gateway: not enforced here); a TCP or UDP rule open on every port. They do not refuse the policy. */
static bool one_link_zone(const struct vctx *c, int z)
{
	int i;

	if (z < 0 || z >= c->nz || c->p->zones[z].n_ifaces != 1 || zone_unsure(c, z))
		return false;
	for (i = 0; i < c->p->n_segments; i++) {
		if (c->p->segments[i].zone == z)
			return false;
	}
	return true;
}

/* Returns true when the rule never crosses the gateway (both ends in one one-link zone). */
static bool warn_rule(struct vctx *c, const struct obj *o, const struct endpoint *f,
		      const struct endpoint *t, const struct port_range *ports, int n_ports)
{
	bool local = false;
	int i;

	if (f->kind != EP_GATEWAY && t->kind != EP_GATEWAY && ep_ok(f) && ep_ok(t) &&
	    f->zone == t->zone && one_link_zone(c, f->zone)) {
		report(c, DIAG_WARNING, o, "both ends are in zone '%s', which has one interface: "
		       "this traffic never crosses the gateway, so the gateway does not enforce it, "
		       "whatever the matrix shows; a switch or a host firewall must enforce it", zone_id(c, f->zone));
		report_ja(c, o, "両端がゾーン '%s' (インターフェースは 1 つ) の中にあります。この通信は"
			  "ゲートウェイを通らないため、マトリクスの表示にかかわらずゲートウェイでは制御されません。"
			  "スイッチやホストのファイアウォールで制御してください", zone_id(c, f->zone));
		local = true;
	}
	for (i = 0; i < n_ports; i++) {
		if (ports[i].lo <= 1 && ports[i].hi == 65535) {
			report(c, DIAG_WARNING, o, "open on every port (1-65535): name the ports the "
			       "service needs");
			report_ja(c, o, "全ポート (1-65535) が開いています。必要なポートだけを指定して"
				  "ください");
			break;
		}
	}
	return local;
}

static void check_warnings(struct vctx *c)
{
	int i;

	for (i = 0; i < c->p->n_flows; i++) {
		const struct flow *f = &c->p->flows[i];
		struct obj o = obj_flow(c, i);

		if (!c->flow_bad[i])
			c->p->flows[i].local = warn_rule(c, &o, &f->from, &f->to, f->ports,
							 f->n_ports);
	}
	for (i = 0; i < c->p->n_exceptions; i++) {
		const struct exception *x = &c->p->exceptions[i];
		struct obj o = obj_exc(c, i);

		if (!c->exc_bad[i])
			warn_rule(c, &o, &x->from, &x->to, x->ports, x->n_ports);
	}
}

static void check_i6(struct vctx *c)
{
	int i;

	for (i = 0; i < c->p->n_exceptions; i++)
		i6_exception(c, i);
}

/* ---------------------------------------------------------------------------------------- */
/* 9. Duplicates: names, ids, and the same traffic twice */

struct nref {
	const char *name;
	int idx;
};

static int nref_cmp(const void *x, const void *y)
{
	const struct nref *a = x, *b = y;
	int r = strcmp(a->name, b->name);

	return r ? r : (a->idx > b->idx) - (a->idx < b->idx);
}

enum named { NAMED_FLOW, NAMED_EXC, NAMED_SVC, NAMED_MAX };

static struct obj obj_named(struct vctx *c, enum named kind, int i)
{
	if (kind == NAMED_FLOW)
		return obj_flow(c, i);
	return kind == NAMED_EXC ? obj_exc(c, i) : obj_svc(c, i);
}

static int named_count(const struct policy *p, enum named kind)
{
	if (kind == NAMED_FLOW)
		return p->n_flows;
	return kind == NAMED_EXC ? p->n_exceptions : p->breakout.n_services;
}

/* Flow names, exception ids and service names are decision ids: each is used once. */
static int check_names(struct vctx *c, enum named kind)
{
	static const char *const tag[NAMED_MAX] = { "I5", "I6", "I4" };
	int n = named_count(c->p, kind), i, first;
	struct nref *v = malloc((n ? (size_t)n : 1) * sizeof(*v));
	struct obj o, f;

	if (!v)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		v[i] = (struct nref){ obj_named(c, kind, i).name, i };
	if (n > 1)
		qsort(v, (size_t)n, sizeof(*v), nref_cmp);
	for (i = 1, first = 0; i < n; i++) {
		if (strcmp(v[i].name, v[first].name)) {
			first = i;
			continue;
		}
		o = obj_named(c, kind, v[i].idx);
		f = obj_named(c, kind, v[first].idx);
		report(c, DIAG_ERROR, &o, "%s: %s already used at line %d", tag[kind],
		       kind == NAMED_EXC ? "id" : "name", f.line);
		report_ja(c, &o, "%s: この%sは %d 行目ですでに使われています", tag[kind],
			  kind == NAMED_EXC ? " id " : "名前", f.line);
	}
	free(v);
	return 0;
}

/* One port range of a flow or exception, keyed by its resolved ends and protocol. */
struct tkey {
	int fk, fi, tk, ti, proto;
	int lo, hi;
	int ref;			/* as in struct hop */
};

static int tkey_cmp(const void *x, const void *y)
{
	const struct tkey *a = x, *b = y;
	const int ka[] = { a->fk, a->fi, a->tk, a->ti, a->proto, a->lo, -a->hi, a->ref };
	const int kb[] = { b->fk, b->fi, b->tk, b->ti, b->proto, b->lo, -b->hi, b->ref };
	size_t i;

	for (i = 0; i < sizeof(ka) / sizeof(ka[0]); i++) {
		if (ka[i] != kb[i])
			return ka[i] < kb[i] ? -1 : 1;
	}
	return 0;
}

static void tkey_add(struct tkey *v, int *n, const struct endpoint *f, const struct endpoint *t,
		     uint8_t proto, const struct port_range *pr, int np, int ref)
{
	struct tkey k = { (int)f->kind, f->idx, (int)t->kind, t->idx, proto, 0, 65535, ref };
	int i;

	if (!ep_ok(f) || !ep_ok(t))
		return;
	if (np <= 0) {
		v[(*n)++] = k;
		return;
	}
	for (i = 0; i < np; i++) {
		k.lo = pr[i].lo;
		k.hi = pr[i].hi;
		v[(*n)++] = k;
	}
}

/* Reported on the later-declared of the two, naming the earlier. */
static void same_traffic(struct vctx *c, int a, int b)
{
	struct obj o = ref_obj(c, a > b ? a : b), f = ref_obj(c, a > b ? b : a);

	report(c, DIAG_WARNING, &o, "I5: same traffic as %s '%s' (line %d): from, to, protocol "
	       "and ports overlap; one of them is redundant", f.kind, f.name, f.line);
	report_ja(c, &o, "I5: %s '%s' (%d 行目) と同じ通信です (from、to、プロトコル、ポートが"
		  "重なっています)。どちらかは不要です", f.kind_ja, f.name, f.line);
}

static bool tkey_same_ends(const struct tkey *a, const struct tkey *b)
{
	return a->fk == b->fk && a->fi == b->fi && a->tk == b->tk && a->ti == b->ti &&
	       a->proto == b->proto;
}

static void check_same_traffic_sorted(struct vctx *c, const struct tkey *v, int n, bool *done)
{
	int i, cur = 0, late;

	for (i = 1; i < n; i++) {
		if (!tkey_same_ends(&v[i], &v[cur]) || v[i].lo > v[cur].hi) {
			cur = i;
			continue;
		}
		late = v[i].ref > v[cur].ref ? v[i].ref : v[cur].ref;
		if (v[i].ref != v[cur].ref && !done[late]) {
			done[late] = true;
			same_traffic(c, v[cur].ref, v[i].ref);
		}
		if (v[i].hi > v[cur].hi)
			cur = i;
	}
}

static int check_same_traffic(struct vctx *c)
{
	const struct policy *p = c->p;
	size_t max = 0;
	struct tkey *v;
	bool *done;
	int i, n = 0, nf = p->n_flows;

	for (i = 0; i < p->n_flows; i++)
		max += (size_t)(p->flows[i].n_ports > 0 ? p->flows[i].n_ports : 1);
	for (i = 0; i < p->n_exceptions; i++)
		max += (size_t)(p->exceptions[i].n_ports > 0 ? p->exceptions[i].n_ports : 1);
	v = malloc((max ? max : 1) * sizeof(*v));
	done = calloc((size_t)(nf + p->n_exceptions) + 1, sizeof(*done));
	if (!v || !done) {
		free(v);
		free(done);
		return -ENOMEM;
	}
	for (i = 0; i < p->n_flows; i++) {
		const struct flow *f = &p->flows[i];

		tkey_add(v, &n, &f->from, &f->to, f->proto, f->ports, f->n_ports, i);
	}
	for (i = 0; i < p->n_exceptions; i++) {
		const struct exception *x = &p->exceptions[i];

		if (!x->expired)
			tkey_add(v, &n, &x->from, &x->to, x->proto, x->ports, x->n_ports, nf + i);
	}
	if (n > 1)
		qsort(v, (size_t)n, sizeof(*v), tkey_cmp);
	check_same_traffic_sorted(c, v, n, done);
	free(v);
	free(done);
	return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* 10. The verdict engine: who decides each flow, where it may fail open, its tunables */

/* Without a verdict, a flow touching mynumber is re-checked by the engine; management flows
 * end at the gateway itself and are decided in the kernel. */
static void check_verdicts(struct vctx *c)
{
	struct obj o;
	int i;

	for (i = 0; i < c->p->n_flows; i++) {
		struct flow *f = &c->p->flows[i];

		o = obj_flow(c, i);
		if ((unsigned int)f->verdict >= VERDICT_MAX) {
			report(c, DIAG_ERROR, &o, "I5: unknown verdict %d", (int)f->verdict);
			report_ja(c, &o, "I5: 不明な verdict %d です", (int)f->verdict);
			continue;
		}
		if (f->cls == FLOW_MANAGEMENT && f->verdict == VERDICT_ENGINE) {
			report(c, DIAG_ERROR, &o, "I5: verdict \"engine\" on a management flow; "
			       "traffic of the gateway itself is decided in the kernel");
			report_ja(c, &o, "I5: management のフローに verdict \"engine\" は使えません。"
				  "ゲートウェイ自身の通信はカーネルで判定します");
		}
		if (f->verdict != VERDICT_DEFAULT)
			continue;
		f->verdict = f->cls != FLOW_MANAGEMENT && touches_mn(c, &f->from, &f->to) ?
			     VERDICT_ENGINE : VERDICT_KERNEL;
	}
}

/* "from>to": split at its one '>', dropping spaces around it. */
static int pair_split(const char *s, char *from, char *to, size_t len)
{
	const char *gt = s ? strchr(s, '>') : NULL, *b;
	size_t a;

	if (!gt || strchr(gt + 1, '>'))
		return -EINVAL;
	for (a = (size_t)(gt - s); a > 0 && s[a - 1] == ' '; a--)
		;
	for (b = gt + 1; *b == ' '; b++)
		;
	if (a == 0 || !*b || a >= len || strlen(b) >= len)
		return -EINVAL;
	memcpy(from, s, a);
	from[a] = '\0';
	memcpy(to, b, strlen(b) + 1);
	return 0;
}

/* One fail_open pair: resolved into *ret_from, *ret_to, or an error reported. */
static void fail_open_resolve(struct vctx *c, const struct obj *o, const char *pair,
			      int *ret_from, int *ret_to)
{
	char from[2 * POLICY_NAME_MAX], to[2 * POLICY_NAME_MAX];
	int zf, zt;

	*ret_from = *ret_to = -1;
	if (pair_split(pair, from, to, sizeof(from)) < 0) {
		report(c, DIAG_ERROR, o, "I1: fail_open '%s' is not a zone pair \"from>to\"",
		       str_or(pair, ""));
		report_ja(c, o, "I1: fail_open '%s' はゾーンの組 \"from>to\" ではありません",
			  str_or(pair, ""));
		return;
	}
	zf = policy_zone_find(c->p, from);
	zt = policy_zone_find(c->p, to);
	if (zf < 0 || zt < 0) {
		report(c, DIAG_ERROR, o, "I1: fail_open '%s': unknown zone '%s'", pair,
		       zf < 0 ? from : to);
		report_ja(c, o, "I1: fail_open '%s': ゾーン '%s' は宣言されていません", pair,
			  zf < 0 ? from : to);
		return;
	}
	*ret_from = zf;
	*ret_to = zt;
}

/* The engine fails closed. A pair may fail open only where no path between the separated
 * zones could open: never a pair touching mynumber, never lgwan <-> internet. */
static void fail_open_check(struct vctx *c, const struct obj *o, const char *pair, int zf,
			    int zt)
{
	const char *f = zone_id(c, zf), *t = zone_id(c, zt);

	if (is_role(c, zf, ZONE_MYNUMBER) || is_role(c, zt, ZONE_MYNUMBER)) {
		report(c, DIAG_ERROR, o, "I2: fail_open '%s': traffic to or from mynumber is "
		       "never accepted unchecked; the engine fails closed there", pair);
		report_ja(c, o, "I2: fail_open '%s': マイナンバー利用事務系との通信を検査なしで"
			  "通すことはできません。エンジン停止時は遮断します", pair);
	} else if ((is_role(c, zf, ZONE_LGWAN) && is_role(c, zt, ZONE_INTERNET)) ||
		   (is_role(c, zf, ZONE_INTERNET) && is_role(c, zt, ZONE_LGWAN))) {
		report(c, DIAG_ERROR, o, "I4: fail_open '%s': breakout and sanitised relays "
		       "between lgwan and internet fail closed", pair);
		report_ja(c, o, "I4: fail_open '%s': LGWAN 接続系とインターネット接続系の間の"
			  "ブレイクアウトと無害化の中継は、エンジン停止時に遮断します", pair);
	} else {
		report(c, DIAG_WARNING, o, "fail_open '%s': new connections of %s>%s are accepted "
		       "unchecked while the engine is down", pair, f, t);
		report_ja(c, o, "fail_open '%s': エンジンの停止中、%s>%s の新しい接続は検査なしで"
			  "許可されます", pair, f, t);
	}
}

static int check_fail_open(struct vctx *c)
{
	struct engine_conf *e = &c->p->engine;
	struct obj o = obj_engine(c);
	size_t n = e->n_fail_open > 0 ? (size_t)e->n_fail_open : 0;
	int i;

	if (n && !e->fail_open_from)
		e->fail_open_from = policy_alloc(c->p, n * sizeof(*e->fail_open_from));
	if (n && !e->fail_open_to)
		e->fail_open_to = policy_alloc(c->p, n * sizeof(*e->fail_open_to));
	if (n && (!e->fail_open_from || !e->fail_open_to))
		return -ENOMEM;
	for (i = 0; i < e->n_fail_open; i++) {
		const char *pair = e->fail_open ? e->fail_open[i] : NULL;

		fail_open_resolve(c, &o, pair, &e->fail_open_from[i], &e->fail_open_to[i]);
		if (e->fail_open_from[i] >= 0)
			fail_open_check(c, &o, pair, e->fail_open_from[i], e->fail_open_to[i]);
	}
	return 0;
}

/* The tunables, as conf.c limits them; checked again for policies built in code. */
struct limit {
	const char *key;
	int v, lo, hi;
};

static void check_limits(struct vctx *c, const struct obj *o, const struct limit *l, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (l[i].v >= l[i].lo && l[i].v <= l[i].hi)
			continue;
		report(c, DIAG_ERROR, o, "%s: %d is out of range %d-%d", l[i].key, l[i].v, l[i].lo,
		       l[i].hi);
		report_ja(c, o, "%s: %d は %d-%d の範囲外です", l[i].key, l[i].v, l[i].lo, l[i].hi);
	}
}

static void check_tunables(struct vctx *c)
{
	const struct engine_conf *e = &c->p->engine;
	const struct breakout *b = &c->p->breakout;
	int queues = e->queues >= 1 && e->queues <= ENGINE_QUEUES_MAX ? e->queues : 1;
	const struct limit el[] = {
		{ "queues", e->queues, 1, ENGINE_QUEUES_MAX },
		{ "queue_base", e->queue_base, 0, 65535 - queues },
		{ "queue_maxlen", e->queue_maxlen, 16, 65536 },
		{ "source_quota", e->source_quota, 1, ENGINE_SOURCE_QUOTA_MAX },
	};
	const struct limit bl[] = {
		{ "dns_floor", b->dns_floor, 1, 86400 },
		{ "dns_grace", b->dns_grace, 0, 86400 },
		{ "dns_ttl_max", b->dns_ttl_max, 1, 604800 },
		{ "dns_max", b->dns_max, 16, 1048576 },
		{ "ech", (int)b->ech, 0, ECH_MAX - 1 },
	};
	struct obj o = obj_engine(c);

	check_limits(c, &o, el, sizeof(el) / sizeof(el[0]));
	if (b->n_services <= 0 && b->n_from <= 0)
		return;
	o = obj_breakout(c);
	check_limits(c, &o, bl, sizeof(bl) / sizeof(bl[0]));
}

static int check_engine(struct vctx *c)
{
	check_verdicts(c);
	check_tunables(c);
	return check_fail_open(c);
}

/* ---------------------------------------------------------------------------------------- */
/* 11. The reachability matrix */

static void set_reach(struct vctx *c, int from, int to, uint32_t bit)
{
	if (from >= 0 && from < c->nz && to >= 0 && to < c->nz)
		c->p->reach[from][to] |= bit;
}

static void compute_reach(struct vctx *c)
{
	struct policy *p = c->p;
	const struct breakout *b = &p->breakout;
	int i, j;

	for (i = 0; i < p->n_flows; i++) {
		const struct flow *f = &p->flows[i];

		if (!c->flow_bad[i] && f->cls != FLOW_MANAGEMENT && (unsigned int)f->cls < 16)
			set_reach(c, f->from.zone, f->to.zone, 1U << f->cls);
	}
	for (i = 0; i < p->n_exceptions; i++) {
		const struct exception *x = &p->exceptions[i];

		if (!c->exc_bad[i] && !x->expired)
			set_reach(c, x->from.zone, x->to.zone, REACH_EXCEPTION);
	}
	for (i = 0; i < b->n_services; i++) {
		if (c->svc_bad[i] || b->services[i].disabled)
			continue;
		for (j = 0; j < b->n_from; j++)
			set_reach(c, source_zone(c, j), c->role[ZONE_INTERNET], REACH_BREAKOUT);
	}
}

/* ---------------------------------------------------------------------------------------- */
/* policy_validate() */

static int vctx_init(struct vctx *c, struct policy *p, int64_t now, struct diag *diag)
{
	size_t one = 1;
	int r;

	memset(c, 0, sizeof(*c));
	c->p = p;
	c->d = diag;
	c->now = now;
	c->nz = zone_count(p);
	c->any_zone = -1;
	for (r = 0; r < ZONE_ROLE_MAX; r++)
		c->role[r] = -1;
	c->flow_bad = calloc(p->n_flows > 0 ? (size_t)p->n_flows : one, sizeof(bool));
	c->exc_bad = calloc(p->n_exceptions > 0 ? (size_t)p->n_exceptions : one, sizeof(bool));
	c->svc_bad = calloc(p->breakout.n_services > 0 ? (size_t)p->breakout.n_services : one,
			    sizeof(bool));
	c->host_seg = calloc(p->n_hosts > 0 ? (size_t)p->n_hosts : one, sizeof(bool));
	if (!c->flow_bad || !c->exc_bad || !c->svc_bad || !c->host_seg)
		return -ENOMEM;
	return 0;
}

static void vctx_fini(struct vctx *c)
{
	free(c->flow_bad);
	free(c->exc_bad);
	free(c->svc_bad);
	free(c->host_seg);
	free(c->all);
	free(c->segs);
}

static void policy_reset(struct policy *p)
{
	int i;

	p->validated = false;
	p->index = NULL;
	memset(p->reach, 0, sizeof(p->reach));
	for (i = 0; i < p->n_exceptions; i++)
		p->exceptions[i].expired = false;
	for (i = 0; i < p->breakout.n_services; i++)
		p->breakout.services[i].disabled = false;
}

/* Steps 1-3: the zones, the names and membership (I1). */
static int validate_members(struct vctx *c)
{
	int r;

	check_zones(c);
	resolve_zones(c);
	r = build_index(c);
	if (r >= 0)
		r = build_nets(c);
	if (r >= 0)
		r = check_ifaces(c);
	if (r < 0)
		return r;
	check_ha(c);
	check_hosts(c);
	resolve_endpoints(c);
	r = resolve_breakout(c);
	if (r >= 0)
		r = check_host_dups(c, 0);
	if (r >= 0)
		r = check_host_dups(c, 4);
	if (r >= 0)
		r = check_host_dups(c, 6);
	check_segments(c);
	return r;
}

/* Steps 4-11: I2-I6, duplicates, the engine, the matrix. */
static int validate_flows(struct vctx *c)
{
	int r;

	check_i2(c);
	check_r5_attested(c);
	r = check_two_hop(c);
	if (r < 0)
		return r;
	check_i3(c);
	check_i4(c);
	check_i5(c);
	check_i6(c);
	check_warnings(c);
	r = check_names(c, NAMED_FLOW);
	if (r >= 0)
		r = check_names(c, NAMED_EXC);
	if (r >= 0)
		r = check_names(c, NAMED_SVC);
	if (r >= 0)
		r = check_same_traffic(c);
	if (r >= 0)
		r = check_engine(c);
	if (r >= 0)
		compute_reach(c);
	return r;
}

int policy_validate(struct policy *p, int64_t now, struct diag *diag)
{
	struct vctx c;
	int r;

	if (!p)
		return -EINVAL;
	policy_reset(p);
	r = vctx_init(&c, p, now, diag);
	if (r >= 0)
		r = validate_members(&c);
	if (r >= 0)
		r = validate_flows(&c);
	if (r >= 0 && c.errors)
		r = -EINVAL;
	p->validated = r >= 0;
	vctx_fini(&c);
	return r;
}
