/* SPDX-License-Identifier: GPL-2.0-only */
/* engine.c: building the engine's tables and preallocated state; see engine.h. Runs on
 * reload, never per packet. Pure: no syscalls, no logging. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"
#include "util_hash.h"

#define PFX_MAX 4096			/* prefixes of one endpoint the engine takes */

static const char *const count_names[EC_MAX] = {
	[EC_PACKETS] = "packets",
	[EC_FLOW_OK] = "flow_accepted",
	[EC_FLOW_REFUSED] = "flow_refused",
	[EC_FLOW_DISAGREE] = "flow_disagree",
	[EC_BO_OK] = "breakout_accepted",
	[EC_BO_REFUSED_NAME] = "breakout_refused_name",
	[EC_BO_REFUSED_ADDR] = "breakout_refused_address",
	[EC_BO_REFUSED_ECH] = "breakout_refused_ech",
	[EC_BO_REFUSED_PROTO] = "breakout_refused_protocol",
	[EC_BO_PENDING] = "breakout_pending_segments",
	[EC_BO_GAP] = "breakout_gap_dropped",
	[EC_BO_STATE_FULL] = "breakout_state_full",
	[EC_BO_NO_HANDSHAKE] = "breakout_no_handshake",
	[EC_BO_ANCHOR] = "breakout_anchor_contradicted",
	[EC_BO_SOURCE_QUOTA] = "breakout_source_quota",
	[EC_BO_HTTP_CUT] = "breakout_http_second_request",
	[EC_DNS_ANSWERS] = "dns_answers",
	[EC_DNS_LEARNED] = "dns_learned",
	[EC_DNS_QUERIES] = "dns_queries",
	[EC_DNS_UNMATCHED] = "dns_unmatched",
	[EC_DNS_FORGED] = "dns_forged",
	[EC_DNS_ERROR] = "dns_error_answers",
	[EC_DNS_CAPPED] = "dns_ttl_capped",
	[EC_DNS_LEARN_DEFERRED] = "dns_learn_deferred",
	[EC_DNS_LEARN_OVERFLOW] = "dns_learn_overflow",
	[EC_DNS_LEARN_RETRIED] = "dns_learn_retried",
	[EC_MALFORMED] = "malformed",
	[EC_UNKNOWN_MARK] = "unknown_mark",
};

const char *eng_count_name(enum eng_count c)
{
	return c < EC_MAX ? count_names[c] : "?";
}

int eng_addr_len(uint8_t family)
{
	return family == AF_INET ? 4 : 16;
}

uint32_t eng_hash(const void *data, size_t len, uint32_t h)
{
	h = util_fnv32(h, data, len);
	return h ^ (h >> 15);
}

static uint64_t rotl(uint64_t x, int b)
{
	return (x << b) | (x >> (64 - b));
}

static void sip_round(uint64_t v[4])
{
	v[0] += v[1];
	v[1] = rotl(v[1], 13) ^ v[0];
	v[0] = rotl(v[0], 32);
	v[2] += v[3];
	v[3] = rotl(v[3], 16) ^ v[2];
	v[0] += v[3];
	v[3] = rotl(v[3], 21) ^ v[0];
	v[2] += v[1];
	v[1] = rotl(v[1], 17) ^ v[2];
	v[2] = rotl(v[2], 32);
}

static void sip_block(uint64_t v[4], uint64_t m)
{
	v[3] ^= m;
	sip_round(v);
	sip_round(v);
	v[0] ^= m;
}

uint64_t eng_khash(const uint64_t key[2], const void *data, size_t len)
{
	uint64_t v[4] = { key[0] ^ 0x736f6d6570736575ULL, key[1] ^ 0x646f72616e646f6dULL,
			  key[0] ^ 0x6c7967656e657261ULL, key[1] ^ 0x7465646279746573ULL };
	const uint8_t *b = data;
	uint64_t m;
	size_t i, j;

	for (i = 0; i + 8 <= len; i += 8) {
		for (m = 0, j = 0; j < 8; j++)
			m |= (uint64_t)b[i + j] << (8 * j);
		sip_block(v, m);
	}
	for (m = (uint64_t)len << 56, j = 0; i + j < len; j++)
		m |= (uint64_t)b[i + j] << (8 * j);
	sip_block(v, m);
	v[2] ^= 0xff;
	for (j = 0; j < 4; j++)
		sip_round(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

/* The decision id of every object of kind k (0: none), index by the policy's array: one
 * pass over the decisions instead of one per object. NULL on ENOMEM. */
static uint32_t *decision_ids(const struct comp_result *cr, enum comp_kind k, int n)
{
	uint32_t *v = calloc((size_t)n + 1, sizeof(*v));
	int i;

	for (i = 0; v && i < cr->n_decisions; i++) {
		const struct comp_decision *d = &cr->decisions[i];

		if (d->kind == k && d->idx >= 0 && d->idx < n && !v[d->idx])
			v[d->idx] = d->id;
	}
	return v;
}

static int flow_cmp(const void *a, const void *b)
{
	const struct eng_flow *x = a, *y = b;

	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	return memcmp(x->src, y->src, 16);
}

static int grow_flows(struct eng_tables *t, int *cap)
{
	struct eng_flow *v;

	if (t->n_flows < *cap)
		return 0;
	*cap = *cap ? *cap * 2 : 64;
	v = realloc(t->flows, (size_t)*cap * sizeof(*v));
	if (!v)
		return -ENOMEM;
	t->flows = v;
	return 0;
}

/* Every (source prefix, destination prefix) of one engine flow in one family. */
static int add_flow(struct eng_tables *t, int *cap, const struct policy *p, const struct flow *f,
		    uint32_t id, int family, struct prefix *src, struct prefix *dst)
{
	const struct host *h = f->from.kind == EP_HOST ? &p->hosts[f->from.idx] : NULL;
	int ns, nd, i, j;

	ns = policy_ep_prefixes(p, &f->from, family, src, PFX_MAX);
	nd = policy_ep_prefixes(p, &f->to, family, dst, PFX_MAX);
	if (ns < 0 || nd < 0 || ns > PFX_MAX || nd > PFX_MAX)
		return -E2BIG;
	for (i = 0; i < ns; i++) {
		for (j = 0; j < nd; j++) {
			struct eng_flow *e;

			if (grow_flows(t, cap) < 0)
				return -ENOMEM;
			e = &t->flows[t->n_flows++];
			memset(e, 0, sizeof(*e));
			e->id = id;
			e->has_mac = h && h->has_mac;
			if (e->has_mac)
				memcpy(e->mac, h->mac, 6);
			e->family = (uint8_t)family;
			e->proto = policy_proto_wire(f->proto, family);
			policy_prefix_range(&src[i], e->src, e->src_end);
			policy_prefix_range(&dst[j], e->dst, e->dst_end);
			e->ports = f->ports;
			e->n_ports = f->n_ports;
		}
	}
	return 0;
}

static int build_flows(struct eng_tables *t, const struct policy *p, const uint32_t *flow_id)
{
	struct prefix *src = calloc(PFX_MAX, sizeof(*src)), *dst = calloc(PFX_MAX, sizeof(*dst));
	int i, cap = 0, r = src && dst ? 0 : -ENOMEM;

	for (i = 0; i < p->n_flows && r >= 0; i++) {
		const struct flow *f = &p->flows[i];
		uint32_t id = flow_id[i];

		if (f->verdict != VERDICT_ENGINE || !id)
			continue;
		r = add_flow(t, &cap, p, f, id, AF_INET, src, dst);
		if (r >= 0)
			r = add_flow(t, &cap, p, f, id, AF_INET6, src, dst);
	}
	free(src);
	free(dst);
	if (r >= 0 && t->n_flows)
		qsort(t->flows, (size_t)t->n_flows, sizeof(*t->flows), flow_cmp);
	return r;
}

static int range_cmp(const void *a, const void *b)
{
	const struct eng_range *x = a, *y = b;

	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	return memcmp(x->lo, y->lo, 16);
}

static int build_service(struct eng_tables *t, const struct service *sv, uint32_t id)
{
	struct eng_service *s = &t->svcs[t->n_svcs];
	int i, port;

	memset(s, 0, sizeof(*s));
	s->id = id;
	s->match = sv->match;
	s->tls_only = sv->tls_required;
	s->patterns = sv->fqdns;
	s->n_patterns = sv->n_fqdns;
	s->ports = sv->ports;
	s->n_ports = sv->n_ports;
	s->ranges = calloc((size_t)sv->n_prefixes + 1, sizeof(*s->ranges));
	if (!s->ranges)
		return -ENOMEM;
	for (i = 0; i < sv->n_prefixes; i++) {
		s->ranges[i].family = sv->prefixes[i].family;
		policy_prefix_range(&sv->prefixes[i], s->ranges[i].lo, s->ranges[i].hi);
	}
	s->n_ranges = sv->n_prefixes;
	qsort(s->ranges, (size_t)s->n_ranges, sizeof(*s->ranges), range_cmp);
	for (i = 0; i < sv->n_ports; i++) {
		for (port = sv->ports[i].lo; port <= sv->ports[i].hi; port++)
			t->ports[port / 8] |= (uint8_t)(1U << (port % 8));
	}
	t->n_svcs++;
	return 0;
}

static int record_cmp(const void *a, const void *b)
{
	const struct eng_record *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/* One record per engine-decided flow and per engine-decided service. */
static int build_records(struct eng_tables *t, const struct policy *p, const uint32_t *flow_id,
			 const uint32_t *svc_id)
{
	int i, n = 0;

	t->records = calloc((size_t)(p->n_flows + p->breakout.n_services) + 1,
			    sizeof(*t->records));
	if (!t->records)
		return -ENOMEM;
	for (i = 0; i < p->n_flows; i++) {
		uint32_t id = flow_id[i];

		if (p->flows[i].verdict == VERDICT_ENGINE && id) {
			t->records[n].id = id;
			t->records[n].name = p->flows[i].name;
			t->records[n++].approval = p->flows[i].approval;
		}
	}
	for (i = 0; i < p->breakout.n_services; i++) {
		uint32_t id = svc_id[i];

		if (id && p->breakout.services[i].match != MATCH_IP) {
			t->records[n].id = id;
			t->records[n].name = p->breakout.services[i].name;
			t->records[n++].approval = p->breakout.services[i].approval;
		}
	}
	t->n_records = n;
	qsort(t->records, (size_t)n, sizeof(*t->records), record_cmp);
	return 0;
}

int eng_tables_records(const struct eng_tables *t, int i, const char **name,
		       const char **approval, uint64_t *accepted)
{
	if (i < 0 || i >= t->n_records)
		return -ENOENT;
	*name = t->records[i].name;
	*approval = t->records[i].approval;
	*accepted = atomic_load_explicit(&t->records[i].accepted, memory_order_relaxed);
	return 0;
}

struct eng_tables *eng_tables_build(const struct policy *p, const struct comp_result *cr)
{
	struct eng_tables *t = calloc(1, sizeof(*t));
	const struct breakout *b = &p->breakout;
	uint32_t *flow_id = decision_ids(cr, COMP_FLOW, p->n_flows);
	uint32_t *svc_id = decision_ids(cr, COMP_SERVICE, b->n_services);
	int i, r = flow_id && svc_id ? 0 : -ENOMEM;

	if (!t || r < 0) {
		free(t);
		free(flow_id);
		free(svc_id);
		return NULL;
	}
	t->policy = (struct policy *)(uintptr_t)p;
	t->dns_floor = b->dns_floor > 0 ? b->dns_floor : 60;
	t->dns_grace = b->dns_grace >= 0 ? b->dns_grace : 30;
	t->dns_ttl_max = b->dns_ttl_max > 0 ? (uint32_t)b->dns_ttl_max : 3600;
	t->ech = b->ech;
	t->source_quota = p->engine.source_quota > 0 ? p->engine.source_quota :
			  ENGINE_SOURCE_QUOTA;
	r = build_flows(t, p, flow_id);
	if (r >= 0)
		r = build_records(t, p, flow_id, svc_id);
	t->svcs = calloc((size_t)b->n_services + 1, sizeof(*t->svcs));
	if (!t->svcs)
		r = -ENOMEM;
	for (i = 0; i < b->n_services && r >= 0; i++) {
		const struct service *sv = &b->services[i];
		uint32_t id = svc_id[i];

		if (!sv->disabled && sv->match != MATCH_IP && id)
			r = build_service(t, sv, id);
	}
	free(flow_id);
	free(svc_id);
	if (r < 0) {
		eng_tables_free(t);
		return NULL;
	}
	return t;
}

void eng_tables_free(struct eng_tables *t)
{
	int i;

	if (!t)
		return;
	for (i = 0; i < t->n_svcs; i++)
		free(t->svcs[i].ranges);
	free(t->svcs);
	free(t->flows);
	free(t->records);
	free(t);
}

int eng_tables_flows(const struct eng_tables *t)
{
	return t->n_flows;
}

int eng_tables_services(const struct eng_tables *t)
{
	return t->n_svcs;
}

static int pow2(int n)
{
	int c = 16;

	while (c < n && c < (1 << 30))
		c *= 2;
	return c;
}

struct eng_flows *eng_flows_new(int slots, const uint8_t key[16])
{
	struct eng_flows *f = calloc(1, sizeof(*f));
	int i;

	if (!f)
		return NULL;
	f->cap = pow2(slots);
	f->hs_cap = pow2(2 * ENG_HS_PER_SLOT * f->cap);
	f->src_cap = f->hs_cap;
	f->v = calloc((size_t)f->cap, sizeof(*f->v));
	f->dns.cap = pow2(ENG_DNS_PEND_SLOTS);
	f->dns.v = calloc((size_t)f->dns.cap, sizeof(*f->dns.v));
	f->dns.tcp = calloc(ENG_DNS_TCP_SLOTS, sizeof(*f->dns.tcp));
	f->hs = calloc((size_t)f->hs_cap, sizeof(*f->hs));
	f->src = calloc((size_t)f->src_cap, sizeof(*f->src));
	if (!f->v || !f->dns.v || !f->dns.tcp || !f->hs || !f->src) {
		eng_flows_free(f);
		return NULL;
	}
	for (i = 0; i < 16; i++)
		f->key[i / 8] |= (uint64_t)key[i] << (8 * (i % 8));
	return f;
}

void eng_flows_seed(struct eng_flows *f, uint32_t key)
{
	f->dns.key = key;
}

void eng_flows_free(struct eng_flows *f)
{
	if (!f)
		return;
	free(f->dns.tcp);
	free(f->dns.v);
	free(f->v);
	free(f->hs);
	free(f->src);
	free(f);
}

struct eng_learned *eng_learned_new(int max)
{
	struct eng_learned *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	l->max = max > 0 ? max : 65536;
	l->cap = pow2(l->max * 2);
	l->v = calloc((size_t)l->cap, sizeof(*l->v));
	l->scratch = calloc((size_t)l->max, sizeof(*l->scratch));
	if (!l->v || !l->scratch) {
		eng_learned_free(l);
		return NULL;
	}
	return l;
}

void eng_learned_free(struct eng_learned *l)
{
	if (!l)
		return;
	free(l->v);
	free(l->scratch);
	free(l);
}

int eng_learned_count(const struct eng_learned *l, int64_t now_ms)
{
	int i, n = 0;

	for (i = 0; i < l->cap; i++)
		n += l->v[i].used && l->v[i].expires_ms > now_ms;
	return n;
}

int eng_learned_list(const struct eng_learned *l, int64_t now_ms, struct eng_update *out,
		     int max)
{
	int i, n = 0;

	for (i = 0; i < l->cap; i++) {
		const struct eng_learn_entry *e = &l->v[i];

		if (!e->used || e->expires_ms <= now_ms)
			continue;
		if (n < max) {
			out[n].family = e->family;
			memcpy(out[n].addr, e->addr, 16);
			out[n].timeout_ms = (uint64_t)(e->expires_ms - now_ms);
		}
		n++;
	}
	return n;
}

int eng_learned_export(const struct eng_learned *l, int64_t now_ms, int64_t since_ms,
		       int *cursor, struct eng_learn_rec *out, int max)
{
	int i, n = 0;

	for (i = *cursor < 0 ? 0 : *cursor; i < l->cap; i++) {
		const struct eng_learn_entry *e = &l->v[i];

		if (!e->used || e->expires_ms <= now_ms || e->touched_ms < since_ms)
			continue;
		if (n == max) {
			*cursor = i;
			return n;
		}
		out[n].family = e->family;
		memcpy(out[n].addr, e->addr, 16);
		memcpy(out[n].svc, e->svc, sizeof(out[n].svc));
		out[n].age_ms = now_ms - e->learned_ms;
		out[n].left_ms = e->expires_ms - now_ms;
		memcpy(out[n].name, e->name, sizeof(out[n].name));
		memcpy(out[n].client, e->client, 16);
		n++;
	}
	*cursor = -1;
	return n;
}

int eng_learned_explain(const struct eng_learned *l, uint8_t family, const uint8_t *addr,
			int64_t now_ms, char *name, size_t len, int64_t *ret_learned_ms,
			int64_t *ret_expires_ms, uint8_t ret_client[16])
{
	int i;

	for (i = 0; i < l->cap; i++) {
		const struct eng_learn_entry *e = &l->v[i];

		if (!e->used || e->family != family || e->expires_ms <= now_ms ||
		    memcmp(e->addr, addr, (size_t)eng_addr_len(family)))
			continue;
		snprintf(name, len, "%s", e->name);
		*ret_learned_ms = e->learned_ms;
		*ret_expires_ms = e->expires_ms;
		memcpy(ret_client, e->client, 16);
		return 0;
	}
	return -ENOENT;
}
