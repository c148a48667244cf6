/* SPDX-License-Identifier: GPL-2.0-only */
/* compile.c: policy -> table inet sanso (see compile.h for decisions and ct marks).
 * Pure: no syscalls, no logging.
 *
 * Layout:
 *   prerouting (prio -300, before conntrack): anti-spoof. On a zone interface a MAC-bound
 *     host must send with its MAC from its address; a bound address from another MAC, or a
 *     bound MAC with another address, is dropped; any other source must lie in the networks
 *     of the ingress interface's zone (or segment).
 *   forward (policy drop): invalid dropped; established/related pass only while ct mark is
 *     in @live; new traffic is dispatched by iifname . oifname to one chain per zone pair,
 *     where exceptions, flows and breakout services are map lookups that set ct mark.
 *   input/output (policy drop): loopback, ICMPv6 ND, and management flows.
 *   Every drop path ends in a rate-limited log naming the reason or zone pair, and a counter. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <time.h>

#include "compile.h"
#include "util_hash.h"

#define PRIO_PREROUTING	(-300)
#define PRIO_FILTER	0

/* Map kinds of a zone pair: with MAC (m), with ports (p) or protocol only (n). */
enum mapkind {
	MK_MP = 0,
	MK_MN,
	MK_P,
	MK_N,
	MK_MAX
};

static const char *const mk_name[MK_MAX] = { "mp", "mn", "p", "n" };

struct addrs {
	struct prefix *v;
	int n, cap;
};

struct pending {
	int set;
	struct ir_elem e;
};

struct ctx {
	const struct policy *p;
	struct ir_ruleset *rs;
	struct diag *diag;
	int64_t now;
	int err;			/* first -errno (ENOMEM, E2BIG) */
	int *pair_chain;		/* [from * n_zones + to] */
	bool *pair_engine;		/* the pair has flows the engine decides */
	int ch_pre, ch_fwd, ch_in, ch_out;
	int ch_cut, ch_spoof_bind, ch_spoof_src, ch_nopair, ch_invalid, ch_refused;
	int ch_fwd_again, ch_isolated;
	int ch_uplink;			/* R11 "uplink" drop chain; 0 without breakout lines */
	bool uplinks;			/* R11: uplinks declared */
	int ch_meter[2];		/* meter_rate, meter_conns; 0 until first used (chain 0
					 * is prerouting, never a meter's target) */
	const struct comp_extra *x;
	struct comp_decision *dec;
	int n_dec, cap_dec;
	uint32_t *ids;			/* open addressing: used decision ids */
	size_t ids_cap;
	struct pending *pend;
	int n_pend, cap_pend;
};

const char *comp_kind_name(enum comp_kind k)
{
	static const char *const n[COMP_KIND_MAX] = { "flow", "management", "service",
						      "exception", "dns" };

	return k < COMP_KIND_MAX ? n[k] : "?";
}

static void fail(struct ctx *c, int err)
{
	if (err < 0 && !c->err)
		c->err = err;
}

static int push(void **base, int *n, int *cap, size_t sz)
{
	void *v;
	int nc;

	if (*n < *cap)
		return 0;
	nc = *cap ? *cap * 2 : 16;
	v = realloc(*base, (size_t)nc * sz);
	if (!v)
		return -ENOMEM;
	*base = v;
	*cap = nc;
	return 0;
}

/* ---- addresses ---- */

static void addrs_add(struct ctx *c, struct addrs *a, const struct prefix *pf)
{
	if (push((void **)&a->v, &a->n, &a->cap, sizeof(*a->v))) {
		fail(c, -ENOMEM);
		return;
	}
	a->v[a->n++] = *pf;
}

/* The prefixes an endpoint stands for in one family (policy_ep_prefixes), appended to a. */
static void addr_append(struct ctx *c, struct addrs *a, const struct endpoint *ep, int family)
{
	int n = policy_ep_prefixes(c->p, ep, family, NULL, 0), got;
	struct prefix *v;

	if (n <= 0)
		return;
	if (a->n + n > a->cap) {
		v = realloc(a->v, (size_t)(a->n + n) * sizeof(*v));
		if (!v) {
			fail(c, -ENOMEM);
			return;
		}
		a->v = v;
		a->cap = a->n + n;
	}
	got = policy_ep_prefixes(c->p, ep, family, a->v + a->n, n);
	a->n += got < n ? got : n;
}

static void addr_zone(struct ctx *c, struct addrs *a, int z, int family)
{
	struct endpoint ep = { .kind = EP_ZONE, .idx = z };

	addr_append(c, a, &ep, family);
}

/* Addresses of an endpoint in one family. */
static void addr_ep(struct ctx *c, struct addrs *a, const struct endpoint *ep, int family)
{
	a->n = 0;
	addr_append(c, a, ep, family);
}

/* Last address of a prefix (network order). */
static void pfx_end(const struct prefix *pf, uint8_t *end)
{
	uint8_t lo[16], hi[16];

	policy_prefix_range(pf, lo, hi);
	memcpy(end, hi, pf->family == AF_INET ? 4 : 16);
}

/* ---- decisions ---- */

static bool id_used(struct ctx *c, uint32_t id)
{
	size_t i;

	if (!c->ids_cap)
		return false;
	i = (id * 2654435761U) & (c->ids_cap - 1);
	while (c->ids[i]) {
		if (c->ids[i] == id)
			return true;
		i = (i + 1) & (c->ids_cap - 1);
	}
	return false;
}

static int id_claim(struct ctx *c, uint32_t id)
{
	size_t i, ncap;
	uint32_t *old = c->ids, *nids;

	if ((size_t)(c->n_dec + 1) * 2 > c->ids_cap) {
		ncap = c->ids_cap ? c->ids_cap * 2 : 1024;
		nids = calloc(ncap, sizeof(*nids));
		if (!nids)
			return -ENOMEM;
		c->ids = nids;
		i = c->ids_cap;
		c->ids_cap = ncap;
		while (i--) {
			if (old[i])
				(void)id_claim(c, old[i]);
		}
		free(old);
	}
	i = (id * 2654435761U) & (c->ids_cap - 1);
	while (c->ids[i])
		i = (i + 1) & (c->ids_cap - 1);
	c->ids[i] = id;
	return 0;
}

static void pend_add(struct ctx *c, int set, const struct ir_elem *e)
{
	if (set < 0)
		return;
	if (push((void **)&c->pend, &c->n_pend, &c->cap_pend, sizeof(*c->pend))) {
		fail(c, -ENOMEM);
		return;
	}
	c->pend[c->n_pend].set = set;
	c->pend[c->n_pend].e = *e;
	c->n_pend++;
}

/* Turn the pending elements of one object into a decision: hash name + elements, claim a
 * free id (linear probing keeps earlier objects' ids), and add the elements with it. */
static uint32_t decide(struct ctx *c, enum comp_kind kind, int idx, const char *name,
		       uint64_t timeout_ms, uint32_t data_bits)
{
	uint32_t h = UTIL_FNV32_BASIS, id;
	size_t klen;
	int i;

	h = util_fnv32(h, comp_kind_name(kind), strlen(comp_kind_name(kind)) + 1);
	h = util_fnv32(h, name, strlen(name) + 1);
	for (i = 0; i < c->n_pend; i++) {
		const struct ir_set *s = &c->rs->sets[c->pend[i].set];

		klen = s->klen;
		h = util_fnv32(h, s->name, strlen(s->name) + 1);
		h = util_fnv32(h, c->pend[i].e.key, klen);
		h = util_fnv32(h, c->pend[i].e.key_end, klen);
	}
	id = h & COMP_MARK_MASK;
	while (id == 0 || id >= COMP_ID_RESERVED || id_used(c, id))
		id = (id + 1) & COMP_MARK_MASK;
	if (id_claim(c, id) ||
	    push((void **)&c->dec, &c->n_dec, &c->cap_dec, sizeof(*c->dec))) {
		fail(c, -ENOMEM);
		return 0;
	}
	c->dec[c->n_dec++] = (struct comp_decision){ id, kind, idx, timeout_ms,
						     c->n_pend ? c->pend[0].e.comment : NULL };
	for (i = 0; i < c->n_pend; i++) {
		c->pend[i].e.data = id | data_bits;
		c->pend[i].e.timeout_ms = timeout_ms;
		fail(c, ir_elem_add(c->rs, c->pend[i].set, &c->pend[i].e));
	}
	c->n_pend = 0;
	return id;
}

/* ---- sets ---- */

static int set_get(struct ctx *c, const char *name, const enum ir_field *key, int n_key,
		   enum ir_data data, uint32_t flags, const char *comment)
{
	int s = ir_set_find(c->rs, name);

	if (s >= 0)
		return s;
	s = ir_set_add(c->rs, name, key, n_key, data, flags, comment);
	fail(c, s);
	return s;
}

/* The map of a zone pair (or of the management plane when pfx is "in"/"out"). */
static int flow_map(struct ctx *c, const char *pfx, enum mapkind mk, int family, bool exc)
{
	enum ir_field key[IR_KEY_FIELDS_MAX];
	char name[IR_NAME_MAX];
	int n = 0;
	bool mgmt = !strcmp(pfx, "in") || !strcmp(pfx, "out");

	if (mk == MK_MP || mk == MK_MN)
		key[n++] = F_ETHER_SADDR;
	if (!mgmt || !strcmp(pfx, "in"))
		key[n++] = family == AF_INET ? F_IP_SADDR : F_IP6_SADDR;
	if (!mgmt || !strcmp(pfx, "out"))
		key[n++] = family == AF_INET ? F_IP_DADDR : F_IP6_DADDR;
	key[n++] = F_L4PROTO;
	if (mk == MK_MP || mk == MK_P)
		key[n++] = F_TH_DPORT;
	snprintf(name, sizeof(name), "%s%.72s_%s%c", exc ? "x_" : "", pfx, mk_name[mk],
		 family == AF_INET ? '4' : '6');
	return set_get(c, name, key, n, IR_DATA_MARK, exc ? IR_SET_TIMEOUT : 0, NULL);
}

static void put_range(uint8_t *k, uint8_t *ke, size_t *off, enum ir_field f,
		      const struct prefix *pf)
{
	uint8_t end[16];

	pfx_end(pf, end);
	ir_put(k, *off, f, pf->addr);
	*off = ir_put(ke, *off, f, end);
}

/* Elements of one flow-like object for one family into map s. */
static void flow_elems(struct ctx *c, int s, const uint8_t *mac, const struct addrs *src,
		       const struct addrs *dst, uint8_t proto, const struct port_range *ports,
		       int n_ports, int family, int line, const char *origin, const char *comment)
{
	const struct ir_set *set = &c->rs->sets[s];
	struct ir_elem e;
	size_t off;
	int i, j, k, np = n_ports ? n_ports : 1;
	uint8_t l4 = policy_proto_wire(proto, family);

	memset(&e, 0, sizeof(e));
	e.line = line;
	e.origin = origin;
	e.comment = comment;
	for (i = 0; i < (src ? src->n : 1); i++) {
		for (j = 0; j < (dst ? dst->n : 1); j++) {
			for (k = 0; k < np; k++) {
				int f = 0;

				off = 0;
				if (mac) {
					ir_put(e.key, off, set->key[f], mac);
					off = ir_put(e.key_end, off, set->key[f++], mac);
				}
				if (src)
					put_range(e.key, e.key_end, &off, set->key[f++], &src->v[i]);
				if (dst)
					put_range(e.key, e.key_end, &off, set->key[f++], &dst->v[j]);
				ir_put_u32(e.key, off, F_L4PROTO, l4);
				off = ir_put_u32(e.key_end, off, F_L4PROTO, l4);
				f++;
				if (n_ports) {
					ir_put_u32(e.key, off, F_TH_DPORT, ports[k].lo);
					ir_put_u32(e.key_end, off, F_TH_DPORT, ports[k].hi);
				}
				pend_add(c, s, &e);
			}
		}
	}
}

static bool has_ports(uint8_t proto)
{
	return proto == 6 || proto == 17 || proto == 132 || proto == 33 || proto == 136;
}

/* A flow or exception between two zones (or to/from the gateway when mgmt_dir is set). */
struct flowlike {
	const char *name;
	enum comp_kind kind;
	int idx;
	const struct endpoint *from, *to;
	uint8_t proto;
	const struct port_range *ports;
	int n_ports;
	int line;
	uint64_t timeout_ms;
	bool engine;
	const char *comment;		/* of its elements: name, approval (expiry) */
};

static const uint8_t *src_mac(struct ctx *c, const struct endpoint *ep)
{
	const struct host *h;

	if (ep->kind != EP_HOST)
		return NULL;
	h = &c->p->hosts[ep->idx];
	return h->has_mac ? h->mac : NULL;
}

static void compile_flowlike(struct ctx *c, const struct flowlike *fl)
{
	const struct policy *p = c->p;
	struct addrs src = { 0 }, dst = { 0 };
	char pfx[IR_NAME_MAX];
	const uint8_t *mac = NULL;
	bool ports = fl->n_ports > 0 && has_ports(fl->proto);
	bool exc = fl->kind == COMP_EXCEPTION;
	int fam, s, families[2] = { AF_INET, AF_INET6 };
	enum mapkind mk;
	bool in = fl->to->kind == EP_GATEWAY, out = fl->from->kind == EP_GATEWAY;

	if (in || out)
		snprintf(pfx, sizeof(pfx), "%s", in ? "in" : "out");
	else
		snprintf(pfx, sizeof(pfx), "%.32s_%.32s", p->zones[fl->from->zone].id,
			 p->zones[fl->to->zone].id);
	if (!in && !out)
		mac = src_mac(c, fl->from);
	mk = mac ? (ports ? MK_MP : MK_MN) : (ports ? MK_P : MK_N);
	for (fam = 0; fam < 2; fam++) {
		if (!out)
			addr_ep(c, &src, fl->from, families[fam]);
		if (!in)
			addr_ep(c, &dst, fl->to, families[fam]);
		if ((!out && !src.n) || (!in && !dst.n))
			continue;
		s = flow_map(c, pfx, mk, families[fam], exc);
		flow_elems(c, s, mac, out ? NULL : &src, in ? NULL : &dst, fl->proto,
			   fl->ports, ports ? fl->n_ports : 0, families[fam], fl->line, fl->name,
			   fl->comment);
	}
	free(src.v);
	free(dst.v);
	if (!c->n_pend) {
		diag_add(c->diag, DIAG_WARNING, p->file, fl->line,
			 "%s '%s': its two ends share no address family: it compiles to nothing",
			 comp_kind_name(fl->kind), fl->name);
		diag_ja(c->diag, "%s '%s': 両端に共通のアドレスファミリがありません",
			comp_kind_name(fl->kind), fl->name);
		return;
	}
	decide(c, fl->kind, fl->idx, fl->name, fl->timeout_ms, fl->engine ? COMP_MARK_ENGINE : 0);
	if (fl->engine && !in && !out)
		c->pair_engine[fl->from->zone * p->n_zones + fl->to->zone] = true;
}

static void compile_flows(struct ctx *c)
{
	const struct policy *p = c->p;
	struct flowlike fl;
	int i;

	char when[40];

	for (i = 0; i < p->n_exceptions; i++) {
		const struct exception *x = &p->exceptions[i];

		if (x->expired || x->expires <= c->now)	/* also since validation */
			continue;
		comp_time_text(x->expires, when, sizeof(when));
		fl = (struct flowlike){ x->id, COMP_EXCEPTION, i, &x->from, &x->to, x->proto,
					x->ports, x->n_ports, x->loc.line,
					(uint64_t)(x->expires - c->now) * 1000, false,
					ir_comment(c->rs, "exception %s approved-by %s expires %s", x->id,
						   x->approved_by, when) };
		compile_flowlike(c, &fl);
	}
	for (i = 0; i < p->n_flows; i++) {
		const struct flow *f = &p->flows[i];

		fl = (struct flowlike){ f->name,
					f->cls == FLOW_MANAGEMENT ? COMP_MGMT : COMP_FLOW, i,
					&f->from, &f->to, f->proto, f->ports, f->n_ports,
					f->loc.line, 0, f->verdict == VERDICT_ENGINE,
					ir_comment(c->rs, "%s %s approval %s",
						   f->cls == FLOW_MANAGEMENT ? "management" : "flow",
						   f->name, f->approval[0] ? f->approval : "none") };
		compile_flowlike(c, &fl);
	}
}

/* ---- breakout services (kernel-decided: match "ip") ---- */

/* Prefixes of one family, merged into disjoint inclusive ranges in set s. The elements name
 * 'origin', which must live as long as the ruleset (the policy's strings, or a literal). */
static void service_prefixes(struct ctx *c, const struct service *sv, int s, int family,
			     const char *origin, const char *comment)
{
	struct ir_elem *r = NULL;
	int n = 0, i, w = 0, alen = family == AF_INET ? 4 : 16;

	r = calloc((size_t)sv->n_prefixes + 1, sizeof(*r));
	if (!r) {
		fail(c, -ENOMEM);
		return;
	}
	for (i = 0; i < sv->n_prefixes; i++) {
		if (sv->prefixes[i].family != family)
			continue;
		memcpy(r[n].key, sv->prefixes[i].addr, (size_t)alen);
		pfx_end(&sv->prefixes[i], r[n].key_end);
		r[n].line = sv->loc.line;
		r[n].origin = origin;
		r[n].comment = comment;
		n++;
	}
	w = ir_ranges_merge(r, n, (size_t)alen);
	for (i = 0; i < w; i++)
		pend_add(c, s, &r[i]);
	free(r);
}

/* "service NAME approval ID (ISMAP ...)", once per service and ruleset. */
static const char *svc_comment(struct ctx *c, const struct service *sv)
{
	return ir_comment(c->rs, "service %s approval %s%s%s%s", sv->name,
			  sv->approval[0] ? sv->approval : "none", sv->ismap[0] ? " (ISMAP " : "",
			  sv->ismap, sv->ismap[0] ? ")" : "");
}

static void compile_service(struct ctx *c, int i)
{
	const struct service *sv = &c->p->breakout.services[i];
	static const enum ir_field k4 = F_IP_DADDR, k6 = F_IP6_DADDR;
	static const enum ir_field kp[2] = { F_L4PROTO, F_TH_DPORT };
	char name[IR_NAME_MAX];
	struct ir_elem e;
	int s4, s6, sp, k;
	const char *cm = svc_comment(c, sv);

	snprintf(name, sizeof(name), "bo%d_4", i);
	s4 = set_get(c, name, &k4, 1, IR_DATA_NONE, IR_SET_INTERVAL, sv->name);
	snprintf(name, sizeof(name), "bo%d_6", i);
	s6 = set_get(c, name, &k6, 1, IR_DATA_NONE, IR_SET_INTERVAL, sv->name);
	snprintf(name, sizeof(name), "bo%d_ports", i);
	sp = set_get(c, name, kp, 2, IR_DATA_NONE, 0, sv->name);
	if (s4 < 0 || s6 < 0 || sp < 0)
		return;
	service_prefixes(c, sv, s4, AF_INET, sv->name, cm);
	service_prefixes(c, sv, s6, AF_INET6, sv->name, cm);
	memset(&e, 0, sizeof(e));
	e.line = sv->loc.line;
	e.origin = sv->name;
	e.comment = cm;
	for (k = 0; k < sv->n_ports; k++) {
		size_t off = ir_put_u32(e.key, 0, F_L4PROTO, 6);

		ir_put_u32(e.key_end, 0, F_L4PROTO, 6);
		ir_put_u32(e.key, off, F_TH_DPORT, sv->ports[k].lo);
		ir_put_u32(e.key_end, off, F_TH_DPORT, sv->ports[k].hi);
		if (sv->ports[k].lo != sv->ports[k].hi)
			c->rs->sets[sp].flags |= IR_SET_INTERVAL;
		pend_add(c, sp, &e);
	}
	decide(c, COMP_SERVICE, i, sv->name, 0, 0);
}

/* A decision whose identity is a text (engine-decided services: their elements are shared). */
static uint32_t decide_text(struct ctx *c, enum comp_kind kind, int idx, const char *text)
{
	c->n_pend = 0;
	return decide(c, kind, idx, text, 0, 0);
}

static void service_text(const struct service *sv, char *buf, size_t len)
{
	char pfx[64];
	size_t o;
	int i;

	o = (size_t)snprintf(buf, len, "%s|%d|%d", sv->name, sv->match, sv->type);
	for (i = 0; i < sv->n_fqdns && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "|%s", sv->fqdns[i]);
	for (i = 0; i < sv->n_prefixes && o < len; i++) {
		policy_prefix_format(&sv->prefixes[i], pfx, sizeof(pfx));
		o += (size_t)snprintf(buf + o, len - o, "|%s", pfx);
	}
	for (i = 0; i < sv->n_ports && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "|%u-%u", sv->ports[i].lo, sv->ports[i].hi);
}

/* Candidate sets of the engine-decided services (dns+sni, sni): their listed prefixes
 * (bo_list), the addresses learned from DNS (bo_learn, filled at run time), their ports. */
static void compile_engine_services(struct ctx *c)
{
	static const enum ir_field k4 = F_IP_DADDR, k6 = F_IP6_DADDR;
	static const enum ir_field kp[2] = { F_L4PROTO, F_TH_DPORT };
	const struct breakout *b = &c->p->breakout;
	struct service all = { 0 };
	struct ir_elem e;
	const char *cm;
	char *text;
	int i, k, s4, s6, sp, ss, n = 0;

	for (i = 0; i < b->n_services; i++)
		n += b->services[i].match != MATCH_IP ? b->services[i].n_prefixes : 0;
	text = malloc(1 << 16);
	all.prefixes = calloc((size_t)n + 1, sizeof(*all.prefixes));
	if (!text || !all.prefixes) {
		free(text);
		free(all.prefixes);
		fail(c, -ENOMEM);
		return;
	}
	s4 = set_get(c, "bo_list4", &k4, 1, IR_DATA_NONE, IR_SET_INTERVAL, "listed breakout prefixes");
	s6 = set_get(c, "bo_list6", &k6, 1, IR_DATA_NONE, IR_SET_INTERVAL, "listed breakout prefixes");
	set_get(c, "bo_learn4", &k4, 1, IR_DATA_NONE, IR_SET_TIMEOUT | IR_SET_DYNAMIC,
		"breakout addresses learned from DNS");
	set_get(c, "bo_learn6", &k6, 1, IR_DATA_NONE, IR_SET_TIMEOUT | IR_SET_DYNAMIC,
		"breakout addresses learned from DNS");
	sp = set_get(c, "bo_ports", kp, 2, IR_DATA_NONE, 0, "ports of dns+sni services");
	ss = set_get(c, "bo_sni_ports", kp, 2, IR_DATA_NONE, 0, "ports of sni services");
	for (i = 0; i < b->n_services; i++) {
		const struct service *sv = &b->services[i];

		if (sv->disabled || sv->match == MATCH_IP)
			continue;
		if (sv->match == MATCH_DNS_SNI && sv->n_prefixes) {
			memcpy(all.prefixes + all.n_prefixes, sv->prefixes,
			       (size_t)sv->n_prefixes * sizeof(*sv->prefixes));
			all.n_prefixes += sv->n_prefixes;
		}
		for (k = 0; k < sv->n_ports; k++) {
			size_t off;

			memset(&e, 0, sizeof(e));
			off = ir_put_u32(e.key, 0, F_L4PROTO, 6);
			ir_put_u32(e.key_end, 0, F_L4PROTO, 6);
			ir_put_u32(e.key, off, F_TH_DPORT, sv->ports[k].lo);
			ir_put_u32(e.key_end, off, F_TH_DPORT, sv->ports[k].hi);
			e.line = sv->loc.line;
			e.origin = sv->name;
			e.comment = svc_comment(c, sv);
			fail(c, ir_elem_add(c->rs, sv->match == MATCH_SNI ? ss : sp, &e));
		}
		service_text(sv, text, 1 << 16);
		if (decide_text(c, COMP_SERVICE, i, text))
			c->dec[c->n_dec - 1].comment = svc_comment(c, sv);
	}
	all.loc = b->loc;
	snprintf(all.name, sizeof(all.name), "breakout");
	cm = ir_comment(c->rs, "breakout: listed prefixes of the dns+sni services");
	service_prefixes(c, &all, s4, AF_INET, "breakout", cm);
	service_prefixes(c, &all, s6, AF_INET6, "breakout", cm);
	for (i = 0; i < c->n_pend; i++)
		fail(c, ir_elem_add(c->rs, c->pend[i].set, &c->pend[i].e));
	c->n_pend = 0;
	free(all.prefixes);
	free(text);
}

/* The resolvers may ask their upstreams (udp and tcp 53): one decision. Their answers are
 * queued to the engine, which learns the addresses of the services' names. */
#define ZONE_IF_ALL (POLICY_ZONE_IFACES_MAX * 4)
static int zone_ifaces(const struct policy *p, int z, const char **names, int *seg_of, int max);

/* The interface pairs the DNS tap may see: the resolvers' zone to the Internet zone (a
 * query), the answer the other way round (the same set, its key read backwards). Anything
 * else is never queued, whatever its addresses. */
static void compile_dns_ifs(struct ctx *c, int rz, int iz)
{
	static const enum ir_field k[2] = { F_IIFNAME, F_OIFNAME };
	const char *ia[ZONE_IF_ALL], *ib[ZONE_IF_ALL];
	int sa[ZONE_IF_ALL], sb[ZONE_IF_ALL], s, na, nb, i, j;
	struct ir_elem e;
	size_t off;

	s = set_get(c, "dns_if", k, 2, IR_DATA_NONE, 0,
		    "resolvers' zone . Internet zone: the interfaces of the DNS tap");
	if (s < 0 || c->rs->sets[s].n_elems)
		return;
	na = zone_ifaces(c->p, rz, ia, sa, ZONE_IF_ALL);
	nb = zone_ifaces(c->p, iz, ib, sb, ZONE_IF_ALL);
	for (i = 0; i < na; i++) {
		for (j = 0; j < nb; j++) {
			memset(&e, 0, sizeof(e));
			off = ir_put_str(e.key, 0, F_IIFNAME, ia[i]);
			ir_put_str(e.key, off, F_OIFNAME, ib[j]);
			memcpy(e.key_end, e.key, sizeof(e.key));
			e.line = c->p->breakout.loc.line;
			e.origin = "breakout";
			e.comment = "breakout DNS";
			fail(c, ir_elem_add(c->rs, s, &e));
		}
	}
}

static void compile_dns(struct ctx *c)
{
	static const enum ir_field k4[2] = { F_IP_SADDR, F_IP_DADDR };
	static const enum ir_field k6[2] = { F_IP6_SADDR, F_IP6_DADDR };
	static const struct port_range dns = { 53, 53 };
	const struct breakout *b = &c->p->breakout;
	struct addrs res = { 0 }, up = { 0 };
	struct ir_elem e;
	char pfx[IR_NAME_MAX];
	int fam, i, j, s, sl, rz, iz = -1, alen;
	const char *cm = ir_comment(c->rs, "breakout DNS: upstream answers to the resolvers (line %d)",
				    b->loc.line);
	const char *path = ir_comment(c->rs, "breakout DNS: resolvers to upstreams (line %d)",
				      b->loc.line);

	for (i = 0; i < c->p->n_zones; i++)
		iz = c->p->zones[i].role == ZONE_INTERNET ? i : iz;
	if (!b->n_resolvers || !b->n_upstreams || iz < 0)
		return;
	for (fam = AF_INET; fam <= AF_INET6; fam += AF_INET6 - AF_INET) {
		alen = fam == AF_INET ? 4 : 16;
		res.n = up.n = 0;
		for (i = 0; i < b->n_resolvers; i++)
			if (b->resolvers[i].family == fam)
				addrs_add(c, &res, &b->resolvers[i]);
		for (i = 0; i < b->n_upstreams; i++)
			if (b->upstreams[i].family == fam)
				addrs_add(c, &up, &b->upstreams[i]);
		if (!res.n || !up.n)
			continue;
		sl = set_get(c, fam == AF_INET ? "dns4" : "dns6", fam == AF_INET ? k4 : k6, 2,
			     IR_DATA_NONE, 0, "upstream . resolver: DNS answers to learn from");
		for (i = 0; i < up.n; i++) {
			for (j = 0; j < res.n; j++) {
				memset(&e, 0, sizeof(e));
				ir_put(e.key, 0, fam == AF_INET ? F_IP_SADDR : F_IP6_SADDR,
				       up.v[i].addr);
				ir_put(e.key, alen, fam == AF_INET ? F_IP_DADDR : F_IP6_DADDR,
				       res.v[j].addr);
				memcpy(e.key_end, e.key, sizeof(e.key));
				e.line = b->loc.line;
				e.origin = "breakout";
				e.comment = cm;
				fail(c, ir_elem_add(c->rs, sl, &e));
			}
		}
		rz = -1;
		for (i = 0; i < c->p->n_zones && rz < 0; i++) {
			struct addrs z = { 0 };

			addr_zone(c, &z, i, fam);
			for (j = 0; j < z.n && rz < 0; j++)
				if (i != iz && policy_prefix_contains(&z.v[j], &res.v[0]))
					rz = i;
			free(z.v);
		}
		if (rz < 0)
			continue;
		compile_dns_ifs(c, rz, iz);
		snprintf(pfx, sizeof(pfx), "%.32s_%.32s", c->p->zones[rz].id, c->p->zones[iz].id);
		s = flow_map(c, pfx, MK_P, fam, false);
		flow_elems(c, s, NULL, &res, &up, 17, &dns, 1, fam, b->loc.line, "breakout DNS", path);
		flow_elems(c, s, NULL, &res, &up, 6, &dns, 1, fam, b->loc.line, "breakout DNS", path);
	}
	free(res.v);
	free(up.v);
	if (c->n_pend)
		decide(c, COMP_DNS, 0, "breakout DNS", 0, 0);
}

/* Members of the breakout source groups (zones as a whole need no set). */
static void compile_breakout_sources(struct ctx *c)
{
	static const enum ir_field k4 = F_IP_SADDR, k6 = F_IP6_SADDR;
	const struct breakout *b = &c->p->breakout;
	struct service srcs = { 0 };
	struct addrs a = { 0 };
	struct endpoint ep = { 0 };
	int i, fam, s;
	const char *cm;

	for (i = 0; i < b->n_from; i++) {
		if (!b->from_group || b->from_group[i] < 0)
			continue;
		ep.kind = EP_GROUP;
		ep.idx = b->from_group[i];
		for (fam = AF_INET; fam <= AF_INET6; fam += AF_INET6 - AF_INET) {
			struct addrs one = { 0 };
			int j;

			addr_ep(c, &one, &ep, fam);
			for (j = 0; j < one.n; j++)
				addrs_add(c, &a, &one.v[j]);
			free(one.v);
		}
	}
	if (!a.n)
		return;
	srcs.prefixes = a.v;
	srcs.n_prefixes = a.n;
	srcs.loc = b->loc;
	snprintf(srcs.name, sizeof(srcs.name), "breakout sources");
	cm = ir_comment(c->rs, "breakout sources (line %d)", b->loc.line);
	s = set_get(c, "bo_src4", &k4, 1, IR_DATA_NONE, IR_SET_INTERVAL, "breakout source groups");
	service_prefixes(c, &srcs, s, AF_INET, "breakout sources", cm);
	s = set_get(c, "bo_src6", &k6, 1, IR_DATA_NONE, IR_SET_INTERVAL, "breakout source groups");
	service_prefixes(c, &srcs, s, AF_INET6, "breakout sources", cm);
	for (i = 0; i < c->n_pend; i++)
		fail(c, ir_elem_add(c->rs, c->pend[i].set, &c->pend[i].e));
	c->n_pend = 0;
	free(a.v);
}

static void compile_services(struct ctx *c)
{
	const struct breakout *b = &c->p->breakout;
	int i;

	for (i = 0; i < b->n_services; i++) {
		if (!b->services[i].disabled && b->services[i].match == MATCH_IP)
			compile_service(c, i);
	}
	if (b->n_services) {
		compile_breakout_sources(c);
		compile_engine_services(c);
		compile_dns(c);
	}
}

/* ---- anti-spoof ---- */

/* Interfaces of zone z: its own, then those of its segments (seg_of[i] = segment or -1). */
static int zone_ifaces(const struct policy *p, int z, const char **names, int *seg_of, int max)
{
	int n = 0, i;

	for (i = 0; i < p->zones[z].n_ifaces && n < max; i++) {
		seg_of[n] = -1;
		names[n++] = p->zones[z].ifaces[i];
	}
	for (i = 0; i < p->n_segments && n < max; i++) {
		if (p->segments[i].zone == z && p->segments[i].iface[0]) {
			seg_of[n] = i;
			names[n++] = p->segments[i].iface;
		}
	}
	return n;
}


static void bind_host(struct ctx *c, const struct host *h, const char *ifname, int s4, int s6)
{
	struct ir_elem e;
	size_t off;

	memset(&e, 0, sizeof(e));
	e.line = h->loc.line;
	e.origin = h->name;
	e.comment = ir_comment(c->rs, "host %s", h->name);
	off = ir_put_str(e.key, 0, F_IIFNAME, ifname);
	off = ir_put(e.key, off, F_ETHER_SADDR, h->mac);
	if (h->has4) {
		ir_put(e.key, off, F_IP_SADDR, h->ip4);
		memcpy(e.key_end, e.key, sizeof(e.key));
		fail(c, ir_elem_add(c->rs, s4, &e));
	}
	if (h->has6) {
		ir_put(e.key, off, F_IP6_SADDR, h->ip6);
		memcpy(e.key_end, e.key, sizeof(e.key));
		fail(c, ir_elem_add(c->rs, s6, &e));
	}
}

static void single(struct ctx *c, int s, enum ir_field f, const void *v, int line,
		   const char *origin, const char *comment)
{
	struct ir_elem e;

	memset(&e, 0, sizeof(e));
	e.line = line;
	e.origin = origin;
	e.comment = comment;
	if (f == F_IIFNAME || f == F_OIFNAME)
		ir_put_str(e.key, 0, f, v);
	else
		ir_put(e.key, 0, f, v);
	memcpy(e.key_end, e.key, sizeof(e.key));
	fail(c, ir_elem_add(c->rs, s, &e));
}

static void compile_bindings(struct ctx *c)
{
	static const enum ir_field kb4[3] = { F_IIFNAME, F_ETHER_SADDR, F_IP_SADDR };
	static const enum ir_field kb6[3] = { F_IIFNAME, F_ETHER_SADDR, F_IP6_SADDR };
	static const enum ir_field ka4 = F_IP_SADDR, ka6 = F_IP6_SADDR, km = F_ETHER_SADDR;
	const struct policy *p = c->p;
	int s4, s6, sa4, sa6, sm, i, j;

	s4 = set_get(c, "bind4", kb4, 3, IR_DATA_NONE, 0, "MAC+IPv4 bindings (R4, R32)");
	s6 = set_get(c, "bind6", kb6, 3, IR_DATA_NONE, 0, "MAC+IPv6 bindings (R4, R32)");
	sa4 = set_get(c, "bound4", &ka4, 1, IR_DATA_NONE, 0, "IPv4 addresses bound to a MAC");
	sa6 = set_get(c, "bound6", &ka6, 1, IR_DATA_NONE, 0, "IPv6 addresses bound to a MAC");
	sm = set_get(c, "boundmac", &km, 1, IR_DATA_NONE, 0, "MACs bound to addresses");
	if (s4 < 0 || s6 < 0 || sa4 < 0 || sa6 < 0 || sm < 0)
		return;
	for (i = 0; i < p->n_hosts; i++) {
		const struct host *h = &p->hosts[i];
		const struct zone *z;
		const char *cm;

		if (!h->has_mac || h->zone < 0)
			continue;
		z = &p->zones[h->zone];
		cm = ir_comment(c->rs, "host %s", h->name);
		for (j = 0; j < z->n_ifaces; j++)
			bind_host(c, h, z->ifaces[j], s4, s6);
		if (h->has4)
			single(c, sa4, F_IP_SADDR, h->ip4, h->loc.line, h->name, cm);
		if (h->has6)
			single(c, sa6, F_IP6_SADDR, h->ip6, h->loc.line, h->name, cm);
		single(c, sm, F_ETHER_SADDR, h->mac, h->loc.line, h->name, cm);
	}
}

/* 128-bit big-endian helpers for complements. */
static void be_inc(uint8_t *a, int len)
{
	while (len-- > 0 && ++a[len] == 0)
		;
}

static void be_dec(uint8_t *a, int len)
{
	while (len-- > 0 && a[len]-- == 0)
		;
}

/* Explicit networks of every zone but 'skip', merged, sorted: the "any" zone gets the gaps. */
static int other_nets(struct ctx *c, int skip, int family, struct ir_elem **ret)
{
	const struct policy *p = c->p;
	struct addrs a = { 0 };
	struct ir_elem *r;
	int z, i, n = 0, w = 0, alen = family == AF_INET ? 4 : 16;

	for (z = 0; z < p->n_zones; z++) {
		if (z != skip && !p->zones[z].any)
			addr_zone(c, &a, z, family);
	}
	r = calloc((size_t)a.n + 1, sizeof(*r));
	if (!r) {
		free(a.v);
		fail(c, -ENOMEM);
		return 0;
	}
	for (i = 0; i < a.n; i++) {
		memcpy(r[n].key, a.v[i].addr, (size_t)alen);
		pfx_end(&a.v[i], r[n++].key_end);
	}
	free(a.v);
	w = ir_ranges_merge(r, n, (size_t)alen);
	*ret = r;
	return w;
}

static void src_range(struct ctx *c, int s, const char *ifname, enum ir_field f,
		      const uint8_t *lo, const uint8_t *hi, int line, const char *origin,
		      const char *comment)
{
	struct ir_elem e;
	size_t off;

	memset(&e, 0, sizeof(e));
	e.line = line;
	e.origin = origin;
	e.comment = comment;
	ir_put_str(e.key, 0, F_IIFNAME, ifname);
	off = ir_put_str(e.key_end, 0, F_IIFNAME, ifname);
	ir_put(e.key, off, f, lo);
	ir_put(e.key_end, off, f, hi);
	fail(c, ir_elem_add(c->rs, s, &e));
}

static bool is_max(const uint8_t *a, int alen)
{
	int i;

	for (i = 0; i < alen; i++) {
		if (a[i] != 0xff)
			return false;
	}
	return true;
}

/* Sources of an "any" zone: every address outside the other zones' networks. */
static void src_any(struct ctx *c, int s, const char *ifname, int z, int family)
{
	enum ir_field f = family == AF_INET ? F_IP_SADDR : F_IP6_SADDR;
	const struct zone *zn = &c->p->zones[z];
	uint8_t lo[16] = { 0 }, hi[16];
	struct ir_elem *r = NULL;
	int n, i, alen = family == AF_INET ? 4 : 16;

	const char *cm = ir_comment(c->rs, "zone %s: every address outside the other zones", zn->id);

	n = other_nets(c, z, family, &r);
	for (i = 0; i < n; i++) {
		if (memcmp(r[i].key, lo, (size_t)alen) > 0) {
			memcpy(hi, r[i].key, (size_t)alen);
			be_dec(hi, alen);
			src_range(c, s, ifname, f, lo, hi, zn->loc.line, zn->id, cm);
		}
		if (is_max(r[i].key_end, alen))
			break;
		memcpy(lo, r[i].key_end, (size_t)alen);
		be_inc(lo, alen);
	}
	if (i == n) {
		memset(hi, 0xff, (size_t)alen);
		src_range(c, s, ifname, f, lo, hi, zn->loc.line, zn->id, cm);
	}
	free(r);
}

static void src_nets(struct ctx *c, int s4, int s6, const char *ifname, const struct prefix *nets,
		     int n, int line, const char *origin, const char *comment)
{
	uint8_t end[16];
	int i;

	for (i = 0; i < n; i++) {
		pfx_end(&nets[i], end);
		if (nets[i].family == AF_INET)
			src_range(c, s4, ifname, F_IP_SADDR, nets[i].addr, end, line, origin,
				  comment);
		else
			src_range(c, s6, ifname, F_IP6_SADDR, nets[i].addr, end, line, origin,
				  comment);
	}
}

static void compile_sources(struct ctx *c)
{
	static const enum ir_field k4[2] = { F_IIFNAME, F_IP_SADDR };
	static const enum ir_field k6[2] = { F_IIFNAME, F_IP6_SADDR };
	static const enum ir_field ki = F_IIFNAME;
	const struct policy *p = c->p;
	const char *ifs[ZONE_IF_ALL];
	int seg[ZONE_IF_ALL], s4, s6, si, z, i, n;

	si = set_get(c, "zone_ifs", &ki, 1, IR_DATA_NONE, 0, "interfaces of every zone");
	s4 = set_get(c, "src4", k4, 2, IR_DATA_NONE, IR_SET_INTERVAL, "IPv4 sources per interface");
	s6 = set_get(c, "src6", k6, 2, IR_DATA_NONE, IR_SET_INTERVAL, "IPv6 sources per interface");
	if (si < 0 || s4 < 0 || s6 < 0)
		return;
	for (z = 0; z < p->n_zones; z++) {
		const struct zone *zn = &p->zones[z];
		const char *cm = ir_comment(c->rs, "zone %s", zn->id);

		n = zone_ifaces(p, z, ifs, seg, ZONE_IF_ALL);
		for (i = 0; i < n; i++) {
			single(c, si, F_IIFNAME, ifs[i], zn->loc.line, zn->id, cm);
			if (seg[i] >= 0) {
				const struct segment *sg = &p->segments[seg[i]];

				src_nets(c, s4, s6, ifs[i], sg->nets, sg->n_nets, sg->loc.line,
					 sg->name, ir_comment(c->rs, "segment %s", sg->name));
			} else if (zn->any) {
				src_any(c, s4, ifs[i], z, AF_INET);
				src_any(c, s6, ifs[i], z, AF_INET6);
			} else {
				src_nets(c, s4, s6, ifs[i], zn->nets, zn->n_nets, zn->loc.line,
					 zn->id, cm);
			}
		}
	}
}

/* ---- rules ---- */

static struct ir_stmt *st(struct ctx *c, struct ir_rule *r, enum ir_op op)
{
	struct ir_stmt *s = ir_stmt(r, op);

	if (!s) {		/* cannot happen with the rules below; fail the build */
		fail(c, -E2BIG);
		s = &r->s[IR_RULE_STMTS_MAX - 1];
	}
	return s;
}

static void fields(struct ir_stmt *s, const enum ir_field *f, int n)
{
	memcpy(s->f, f, (size_t)n * sizeof(*f));
	s->n_f = n;
}

static void emit(struct ctx *c, int ch, struct ir_rule *r)
{
	fail(c, ir_rule_add(c->rs, ch, r));
}

static void verdict(struct ctx *c, struct ir_rule *r, enum ir_op op, int chain)
{
	st(c, r, op)->aux = (uint32_t)chain;
}

static void lookup(struct ctx *c, struct ir_rule *r, int set, bool neg)
{
	const struct ir_set *s = &c->rs->sets[set];
	struct ir_stmt *x = st(c, r, OP_LOOKUP);

	fields(x, s->key, s->n_key);
	x->set = set;
	x->neg = neg;
}

/* limit rate R/second burst 2R, log prefix P group G: NFLOG to sansod's flow log (R84), the
 * kernel's limit per rule so a flood costs the daemon at most R lines a second per rule. */
static void log_stmts(struct ctx *c, struct ir_rule *r, const char *prefix, bool mark)
{
	const struct logging_conf *lg = &c->p->logging;
	struct ir_stmt *x;

	x = st(c, r, OP_LIMIT);
	x->value = (uint32_t)lg->kernel_rate;
	x->aux = 2 * (uint32_t)lg->kernel_rate;
	if (mark)
		st(c, r, OP_META_FROM_CT);
	x = st(c, r, OP_LOG);
	x->str = ir_str(c->rs, prefix);
	x->value = (uint32_t)lg->group;
	if (mark)
		st(c, r, OP_META_MARK_SET)->value = 0;
}

static void log_drop(struct ctx *c, int ch, const char *prefix, int line)
{
	struct ir_rule r;

	ir_rule_init(&r, "refused: logged (rate-limited)", line);
	log_stmts(c, &r, prefix, false);
	emit(c, ch, &r);
	ir_rule_init(&r, "refused: counted and dropped", line);
	st(c, &r, OP_COUNTER);
	st(c, &r, OP_DROP);
	emit(c, ch, &r);
}

/* An accepted new connection, logged with its decision: NFLOG carries no conntrack here, so
 * the packet mark takes ct mark (the decision id) for the log and is cleared after it, as the
 * engine's verdict path leaves it. Rate-limited like the drops; a packet over the limit is
 * accepted unlogged (its mark untouched) by the next rule. */
static void log_accept(struct ctx *c, int ch, struct ir_rule *r, const char *prefix)
{
	log_stmts(c, r, prefix, true);
	emit(c, ch, r);
}

/* Refused by the engine: a TCP connection whose handshake already passed (breakout) gets a
 * reset, so the client fails at once instead of retransmitting for minutes. */
static int refused_chain(struct ctx *c)
{
	int ch = ir_chain_add(c->rs, "refused", IR_HOOK_NONE, 0, false);
	struct ir_rule r;
	struct ir_stmt *x;

	fail(c, ch);
	if (ch < 0)
		return ch;
	ir_rule_init(&r, "refused: logged (rate-limited)", 0);
	log_stmts(c, &r, "sanso refused ", false);
	emit(c, ch, &r);
	ir_rule_init(&r, "refused: TCP reset", 0);
	x = st(c, &r, OP_MATCH);
	x->f[0] = F_L4PROTO;
	x->n_f = 1;
	ir_put_u32(x->val, 0, F_L4PROTO, 6);
	st(c, &r, OP_COUNTER);
	st(c, &r, OP_REJECT_RST);
	emit(c, ch, &r);
	ir_rule_init(&r, "refused: counted and dropped", 0);
	st(c, &r, OP_COUNTER);
	st(c, &r, OP_DROP);
	emit(c, ch, &r);
	return ch;
}

static int drop_chain(struct ctx *c, const char *name, const char *prefix)
{
	int ch = ir_chain_add(c->rs, name, IR_HOOK_NONE, 0, false);

	fail(c, ch);
	if (ch >= 0)
		log_drop(c, ch, prefix, 0);
	return ch;
}

/* The comment of a one-lookup rule: what the set stands for (anti-spoofing, I1/I3). */
static const char *simple_comment(const struct ctx *c, int set, bool neg)
{
	static const struct { const char *set, *comment; } t[] = {
		{ "zone_ifs", "anti-spoofing: interfaces of no zone are not checked here" },
		{ "bind4", "anti-spoofing: host on its own MAC and address (I3)" },
		{ "bind6", "anti-spoofing: host on its own MAC and address (I3)" },
		{ "bound4", "anti-spoofing: a bound address from another MAC (I3)" },
		{ "bound6", "anti-spoofing: a bound address from another MAC (I3)" },
		{ "boundmac", "anti-spoofing: a bound MAC with another address (I3)" },
		{ "src4", "anti-spoofing: source in its zone's networks (I1)" },
		{ "src6", "anti-spoofing: source in its zone's networks (I1)" },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (!strcmp(c->rs->sets[set].name, t[i].set))
			return neg && i == 0 ? t[0].comment : t[i].comment;
	}
	return "link-local neighbour discovery";
}

static void simple(struct ctx *c, int ch, int set, bool neg, enum ir_op v, int target)
{
	struct ir_rule r;

	if (set < 0 || (!neg && c->rs->sets[set].n_elems == 0))
		return;
	ir_rule_init(&r, simple_comment(c, set, neg), 0);
	lookup(c, &r, set, neg);
	verdict(c, &r, v, target);
	emit(c, ch, &r);
}

static void rule_prefix_accept(struct ctx *c, int ch, const char *pfx)
{
	struct ir_rule r;
	struct ir_stmt *x;
	struct prefix pf;

	if (policy_prefix_parse(pfx, &pf) < 0)
		return;
	ir_rule_init(&r, "anti-spoofing: link-local and unspecified IPv6 sources stay on the link", 0);
	x = st(c, &r, OP_PREFIX);
	x->f[0] = F_IP6_SADDR;
	x->n_f = 1;
	memcpy(x->val, pf.addr, 16);
	x->value = pf.len;
	st(c, &r, OP_ACCEPT);
	emit(c, ch, &r);
}

static void rules_prerouting(struct ctx *c)
{
	int ch = c->ch_pre, zi = ir_set_find(c->rs, "zone_ifs");

	simple(c, ch, zi, true, OP_ACCEPT, 0);
	simple(c, ch, ir_set_find(c->rs, "bind4"), false, OP_ACCEPT, 0);
	simple(c, ch, ir_set_find(c->rs, "bind6"), false, OP_ACCEPT, 0);
	simple(c, ch, ir_set_find(c->rs, "bound4"), false, OP_JUMP, c->ch_spoof_bind);
	simple(c, ch, ir_set_find(c->rs, "bound6"), false, OP_JUMP, c->ch_spoof_bind);
	rule_prefix_accept(c, ch, "fe80::/10");		/* link-local: never forwarded */
	rule_prefix_accept(c, ch, "::/128");		/* duplicate address detection */
	simple(c, ch, ir_set_find(c->rs, "boundmac"), false, OP_JUMP, c->ch_spoof_bind);
	simple(c, ch, ir_set_find(c->rs, "src4"), false, OP_ACCEPT, 0);
	simple(c, ch, ir_set_find(c->rs, "src6"), false, OP_ACCEPT, 0);
	{
		struct ir_rule r;

		ir_rule_init(&r, "anti-spoofing: any other source address is refused (I1)", 0);
		verdict(c, &r, OP_JUMP, c->ch_spoof_src);
		emit(c, ch, &r);
	}
}

static void queue_stmt(struct ctx *c, struct ir_rule *r, bool bypass)
{
	const struct engine_conf *e = &c->p->engine;
	struct ir_stmt *x;

	st(c, r, OP_META_FROM_CT);		/* the engine reads the decision from NFQA_MARK */
	x = st(c, r, OP_QUEUE);
	x->value = (uint32_t)e->queue_base;
	x->aux = (uint32_t)(e->queues > 0 ? e->queues : 1);
	x->neg = bypass;
}

static void mark_bit(struct ctx *c, struct ir_rule *r, enum ir_op op, uint32_t mask, uint32_t v)
{
	struct ir_stmt *x = st(c, r, op);

	x->aux = mask;
	x->value = v;
}

/* ct mark in @live: pass (any state: a retransmitted SYN, an engine verdict); a connection
 * whose decision is gone is cut. input/output have no engine and no breakout. */
static void rules_established(struct ctx *c, int ch, bool invalid, bool cut)
{
	int live = ir_set_find(c->rs, "live");
	struct ir_rule r;

	if (invalid) {
		ir_rule_init(&r, "conntrack state invalid: refused", 0);
		st(c, &r, OP_CT_STATE)->value = IR_CT_INVALID;
		verdict(c, &r, OP_JUMP, c->ch_invalid);
		emit(c, ch, &r);
	}
	ir_rule_init(&r, "established: the connection's decision is still live", 0);
	lookup(c, &r, live, false);
	st(c, &r, OP_ACCEPT);
	emit(c, ch, &r);
	if (!cut)
		return;
	ir_rule_init(&r, "established: decision withdrawn, connection cut", 0);
	st(c, &r, OP_CT_STATE)->value = IR_CT_ESTABLISHED | IR_CT_RELATED;
	verdict(c, &r, OP_JUMP, c->ch_cut);
	emit(c, ch, &r);
}

/* ---- high availability (R99, R102): the pair talks only as the ha section says ---- */

static struct ir_stmt *ha_match(struct ctx *c, struct ir_rule *r, enum ir_field f)
{
	struct ir_stmt *x = st(c, r, OP_MATCH);

	x->f[0] = f;
	x->n_f = 1;
	return x;
}

static void ha_ifname(struct ctx *c, struct ir_rule *r, bool out, const char *name)
{
	enum ir_field f = out ? F_OIFNAME : F_IIFNAME;

	ir_put_str(ha_match(c, r, f)->val, 0, f, name);
}

/* VRRP (IP protocol 112) to its group 224.0.0.18 / ff02::12 on the zone interfaces. */
static void rule_ha_vrrp(struct ctx *c, int ch, bool out, bool v6)
{
	static const uint8_t g4[4] = { 224, 0, 0, 18 };
	static const uint8_t g6[16] = { 0xff, 0x02, [15] = 0x12 };
	struct ir_rule r;
	struct ir_stmt *x;

	ir_rule_init(&r, "ha: VRRP on the zone interfaces", c->p->ha.loc.line);
	x = st(c, &r, OP_LOOKUP);
	x->f[0] = out ? F_OIFNAME : F_IIFNAME;
	x->n_f = 1;
	x->set = ir_set_find(c->rs, "zone_ifs");
	ha_match(c, &r, F_L4PROTO)->val[0] = 112;
	memcpy(ha_match(c, &r, v6 ? F_IP6_DADDR : F_IP_DADDR)->val, v6 ? g6 : g4, v6 ? 16 : 4);
	st(c, &r, OP_ACCEPT);
	if (x->set >= 0)
		emit(c, ch, &r);
}

static void rule_ha_udp(struct ctx *c, int ch, bool out, int node, int port, const char *what)
{
	const struct ha_conf *h = &c->p->ha;
	bool v6 = h->nodes[0].family == AF_INET6;
	enum ir_field fa = out ? (v6 ? F_IP6_DADDR : F_IP_DADDR) : (v6 ? F_IP6_SADDR : F_IP_SADDR);
	struct ir_rule r;
	struct ir_stmt *x;

	ir_rule_init(&r, what, h->loc.line);
	ha_ifname(c, &r, out, h->sync_if);
	memcpy(ha_match(c, &r, fa)->val, h->nodes[node].addr, v6 ? 16 : 4);
	ha_match(c, &r, F_L4PROTO)->val[0] = IPPROTO_UDP;
	x = ha_match(c, &r, F_TH_DPORT);
	x->val[0] = (uint8_t)(port >> 8);
	x->val[1] = (uint8_t)port;
	st(c, &r, OP_ACCEPT);
	emit(c, ch, &r);
}

/* conntrackd's and sansod's sync between the two nodes' addresses on the sync link, then
 * ND there, and nothing else on it. */
static void rules_ha_sync(struct ctx *c, int ch, bool out)
{
	const struct ha_conf *h = &c->p->ha;
	struct ir_rule r;
	int i;

	for (i = 0; i < h->n_nodes; i++)
		rule_ha_udp(c, ch, out, i, h->conntrackd_port, "ha: conntrackd sync");
	for (i = 0; i < h->n_nodes; i++)
		rule_ha_udp(c, ch, out, i, h->sync_port, "ha: sansod sync");
	if (h->nodes[0].family == AF_INET6) {
		ir_rule_init(&r, "ha: neighbour discovery on the sync link", h->loc.line);
		ha_ifname(c, &r, out, h->sync_if);
		lookup(c, &r, ir_set_find(c->rs, "nd"), false);
		st(c, &r, OP_ACCEPT);
		emit(c, ch, &r);
	}
	ir_rule_init(&r, "ha: the sync link carries nothing else", h->loc.line);
	ha_ifname(c, &r, out, h->sync_if);
	st(c, &r, OP_COUNTER);
	st(c, &r, OP_DROP);
	emit(c, ch, &r);
}

static void rules_ha_local(struct ctx *c, int ch, bool out)
{
	if (!c->p->ha.present)
		return;
	rule_ha_vrrp(c, ch, out, false);
	rule_ha_vrrp(c, ch, out, true);
	rules_ha_sync(c, ch, out);
}

/* Nothing is forwarded from or to the sync link, whatever its conntrack entry says. */
static void rules_ha_forward(struct ctx *c)
{
	struct ir_rule r;
	int out;

	if (!c->p->ha.present)
		return;
	for (out = 0; out < 2; out++) {
		ir_rule_init(&r, "ha: the sync link is not forwarded", c->p->ha.loc.line);
		ha_ifname(c, &r, out, c->p->ha.sync_if);
		st(c, &r, OP_COUNTER);
		st(c, &r, OP_DROP);
		emit(c, c->ch_fwd, &r);
	}
}

/* The DNS learning tap: the resolvers' queries to their upstreams (any state, original
 * direction) and the upstreams' answers (established replies only: a forged datagram has no
 * conntrack entry and never reaches the engine) go to the engine, which records the queries
 * and learns only from answers that match one. Its verdict is never a forwarding decision:
 * NF_REPEAT with COMP_ID_DNS_SEEN, so the chain decides again without the tap, and the packet
 * passes only where the policy passes it (@live for answers, the flow map for queries). The
 * queue is chosen by a hash of the addresses that is the same in both directions (the
 * kernel's nfqueue_hash), so a query and its answer reach the same worker. */
static void rule_dns_tap(struct ctx *c, int set, uint8_t proto, bool answer)
{
	struct ir_rule r;
	struct ir_stmt *x;

	ir_rule_init(&r, answer ? "breakout DNS learning" : "breakout DNS queries", 0);
	x = st(c, &r, OP_MATCH);
	x->f[0] = F_L4PROTO;
	x->n_f = 1;
	ir_put_u32(x->val, 0, F_L4PROTO, proto);
	x = st(c, &r, OP_MATCH);
	x->f[0] = answer ? F_TH_SPORT : F_TH_DPORT;
	x->n_f = 1;
	ir_put_u32(x->val, 0, x->f[0], 53);
	if (answer)
		st(c, &r, OP_CT_STATE)->value = IR_CT_ESTABLISHED;
	x = st(c, &r, OP_MATCH);
	x->f[0] = F_CT_DIRECTION;
	x->n_f = 1;
	ir_put_u32(x->val, 0, F_CT_DIRECTION, answer ? 1 : 0);
	x = st(c, &r, OP_MARK_BIT);	/* not yet seen by the engine */
	x->aux = 0xffffffffU;
	x->value = COMP_ID_DNS_SEEN;
	x->neg = true;
	x = st(c, &r, OP_LOOKUP);	/* resolvers' zone . Internet zone, or back */
	x->set = ir_set_find(c->rs, "dns_if");
	x->n_f = 2;
	x->f[0] = answer ? F_OIFNAME : F_IIFNAME;
	x->f[1] = answer ? F_IIFNAME : F_OIFNAME;
	if (x->set < 0)
		fail(c, -EINVAL);
	x = st(c, &r, OP_LOOKUP);	/* upstream . resolver: saddr . daddr of an answer */
	x->set = set;
	x->n_f = 2;
	x->f[0] = c->rs->sets[set].key[answer ? 0 : 1];
	x->f[1] = c->rs->sets[set].key[answer ? 1 : 0];
	st(c, &r, OP_META_MARK_SET)->value = answer ? COMP_ID_DNS : COMP_ID_DNS_QUERY;
	x = st(c, &r, OP_QUEUE);
	x->value = (uint32_t)c->p->engine.queue_base;
	x->aux = (uint32_t)(c->p->engine.queues > 0 ? c->p->engine.queues : 1);
	emit(c, c->ch_fwd, &r);
}

static void rules_dns(struct ctx *c)
{
	static const char *const sets[2] = { "dns4", "dns6" };
	static const uint8_t protos[2] = { 17, 6 };
	struct ir_rule r;
	int i, j, s, n = 0;

	for (i = 0; i < 2; i++) {
		s = ir_set_find(c->rs, sets[i]);
		if (s < 0 || !c->rs->sets[s].n_elems)
			continue;
		for (j = 0; j < 2; j++) {
			rule_dns_tap(c, s, protos[j], false);
			rule_dns_tap(c, s, protos[j], true);
		}
		n++;
	}
	if (!n)
		return;
	ir_rule_init(&r, "breakout DNS: engine seen", 0);	/* clear the tap's mark */
	mark_bit(c, &r, OP_MARK_BIT, 0xffffffffU, COMP_ID_DNS_SEEN);
	st(c, &r, OP_META_MARK_SET)->value = 0;
	emit(c, c->ch_fwd, &r);
}

/* Isolated targets into iso4/iso6 (addresses) and iso_if (a zone's interfaces). The sets
 * exist in every generation, empty when nothing is isolated, so an isolation changes
 * elements only (comp_isolate). */
static void compile_isolation(struct ctx *c)
{
	static const enum ir_field k4 = F_IP_SADDR, k6 = F_IP6_SADDR, ki = F_IIFNAME;
	const struct policy *p = c->p;
	const char *ifs[ZONE_IF_ALL];
	int seg[ZONE_IF_ALL], i, j, n, z, si, s4, s6, fam;
	struct service addrs = { 0 };
	struct addrs a = { 0 };
	struct endpoint ep;

	si = set_get(c, "iso_if", &ki, 1, IR_DATA_NONE, 0, "isolated zones (sansoctl isolate)");
	s4 = set_get(c, "iso4", &k4, 1, IR_DATA_NONE, IR_SET_INTERVAL,
		     "isolated hosts (sansoctl isolate)");
	s6 = set_get(c, "iso6", &k6, 1, IR_DATA_NONE, IR_SET_INTERVAL,
		     "isolated hosts (sansoctl isolate)");
	if (si < 0 || s4 < 0 || s6 < 0 || !c->x || !c->x->n_isolate)
		return;
	for (i = 0; i < c->x->n_isolate; i++) {
		const char *name = ir_str(c->rs, c->x->isolate[i]);	/* outlives x */

		if (!name) {
			fail(c, -ENOMEM);
			return;
		}
		memset(&ep, 0, sizeof(ep));
		if ((z = policy_zone_find(p, name)) >= 0) {
			n = zone_ifaces(p, z, ifs, seg, ZONE_IF_ALL);
			for (j = 0; j < n; j++)
				single(c, si, F_IIFNAME, ifs[j], 0, name,
				       ir_comment(c->rs, "isolated zone %s", name));
			continue;
		}
		if ((ep.idx = policy_host_find(p, name)) >= 0)
			ep.kind = EP_HOST;
		else if ((ep.idx = policy_group_find(p, name)) >= 0)
			ep.kind = EP_GROUP;
		else
			continue;	/* checked by the caller before it asks */
		for (fam = AF_INET; fam <= AF_INET6; fam += AF_INET6 - AF_INET) {
			struct addrs one = { 0 };

			addr_ep(c, &one, &ep, fam);
			for (j = 0; j < one.n; j++)
				addrs_add(c, &a, &one.v[j]);
			free(one.v);
		}
	}
	addrs.prefixes = a.v;
	addrs.n_prefixes = a.n;
	snprintf(addrs.name, sizeof(addrs.name), "isolated");
	service_prefixes(c, &addrs, s4, AF_INET, "isolated",
			 ir_comment(c->rs, "isolated (sansoctl isolate)"));
	service_prefixes(c, &addrs, s6, AF_INET6, "isolated",
			 ir_comment(c->rs, "isolated (sansoctl isolate)"));
	for (i = 0; i < c->n_pend; i++)
		fail(c, ir_elem_add(c->rs, c->pend[i].set, &c->pend[i].e));
	c->n_pend = 0;
	free(a.v);
}

/* Isolation first: it cuts established connections too (R50, R51). */
static void rules_isolation(struct ctx *c)
{
	static const struct { const char *set; enum ir_field f; } m[] = {
		{ "iso_if", F_IIFNAME }, { "iso_if", F_OIFNAME }, { "iso4", F_IP_SADDR },
		{ "iso4", F_IP_DADDR }, { "iso6", F_IP6_SADDR }, { "iso6", F_IP6_DADDR },
	};
	struct ir_rule r;
	struct ir_stmt *x;
	size_t i;
	int s;

	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		s = ir_set_find(c->rs, m[i].set);
		if (s < 0)
			continue;
		ir_rule_init(&r, "isolated", 0);
		x = st(c, &r, OP_LOOKUP);
		x->f[0] = m[i].f;
		x->n_f = 1;
		x->set = s;
		verdict(c, &r, OP_JUMP, c->ch_isolated);
		emit(c, c->ch_fwd, &r);
	}
}

static bool engine_services(const struct ctx *c)
{
	int i;

	for (i = 0; i < c->p->breakout.n_services; i++) {
		if (!c->p->breakout.services[i].disabled &&
		    c->p->breakout.services[i].match != MATCH_IP)
			return true;
	}
	return false;
}

/* Established traffic of a live decision is accepted by the second rule (the first only
 * exists with breakout: DNS answers must reach the engine before). Invalid packets have no
 * conntrack, so no ct mark, and fall through to their own drop. */
/* R80: the traffic of each remote maintenance window, both ways, on a counter of its own
 * (comment "maintenance window ID"), read by the daemon for the window's record. */
static void rules_window_counters(struct ctx *c)
{
	const struct exception *x;
	struct ir_rule r;
	int i;

	for (i = 0; i < c->n_dec; i++) {
		if (c->dec[i].kind != COMP_EXCEPTION)
			continue;
		x = &c->p->exceptions[c->dec[i].idx];
		if (!x->window)
			continue;
		ir_rule_init(&r, ir_comment(c->rs, "maintenance window %s", x->id), 0);
		mark_bit(c, &r, OP_CTMARK_BIT, COMP_MARK_MASK, c->dec[i].id);
		st(c, &r, OP_COUNTER);
		emit(c, c->ch_fwd, &r);
	}
}

static void rules_forward(struct ctx *c)
{
	static const enum ir_field k[2] = { F_IIFNAME, F_OIFNAME };
	struct ir_rule r;
	struct ir_stmt *x;

	rules_ha_forward(c);
	rules_isolation(c);
	rules_dns(c);
	rules_window_counters(c);
	rules_established(c, c->ch_fwd, false, false);
	ir_rule_init(&r, "conntrack state invalid: refused", 0);
	st(c, &r, OP_CT_STATE)->value = IR_CT_INVALID;
	verdict(c, &r, OP_JUMP, c->ch_invalid);
	emit(c, c->ch_fwd, &r);
	/* an engine verdict (NF_REPEAT): its decision goes into ct mark, then decide again */
	ir_rule_init(&r, "engine verdict", 0);
	mark_bit(c, &r, OP_MARK_BIT, COMP_MARK_COPY, COMP_MARK_COPY);
	st(c, &r, OP_CTMARK_FROM_META)->aux = COMP_MARK_MASK;
	st(c, &r, OP_META_MARK_SET)->value = 0;
	verdict(c, &r, OP_JUMP, c->ch_fwd_again);
	emit(c, c->ch_fwd, &r);
	ir_rule_init(&r, "refused by the verdict engine", 0);
	mark_bit(c, &r, OP_CTMARK_BIT, 0xffffffffU, COMP_ID_REFUSED);
	verdict(c, &r, OP_JUMP, c->ch_refused);
	emit(c, c->ch_fwd, &r);
	if (engine_services(c)) {
		/* related too: an ICMP error (PMTU) of a connection the engine still sees */
		ir_rule_init(&r, "breakout: waiting for the server name", 0);
		st(c, &r, OP_CT_STATE)->value = IR_CT_ESTABLISHED | IR_CT_RELATED;
		mark_bit(c, &r, OP_CTMARK_BIT, COMP_MARK_ENGINE, COMP_MARK_ENGINE);
		queue_stmt(c, &r, false);
		emit(c, c->ch_fwd, &r);
	}
	ir_rule_init(&r, "established: decision withdrawn, connection cut", 0);
	st(c, &r, OP_CT_STATE)->value = IR_CT_ESTABLISHED | IR_CT_RELATED;
	verdict(c, &r, OP_JUMP, c->ch_cut);
	emit(c, c->ch_fwd, &r);
	ir_rule_init(&r, "zone pair: dispatch by interfaces", 0);
	x = st(c, &r, OP_VMAP);
	fields(x, k, 2);
	x->set = ir_set_find(c->rs, "dispatch");
	emit(c, c->ch_fwd, &r);
	ir_rule_init(&r, "no zone pair: refused", 0);
	verdict(c, &r, OP_JUMP, c->ch_nopair);
	emit(c, c->ch_fwd, &r);
	/* after an engine verdict: the new ct mark is live (accept) or the refusal (drop) */
	ir_rule_init(&r, "engine decision is live: logged (rate-limited)", 0);
	lookup(c, &r, ir_set_find(c->rs, "live"), false);
	log_accept(c, c->ch_fwd_again, &r, "sanso engine accept ");
	ir_rule_init(&r, "engine decision is live: accepted", 0);
	lookup(c, &r, ir_set_find(c->rs, "live"), false);
	st(c, &r, OP_ACCEPT);
	emit(c, c->ch_fwd_again, &r);
	ir_rule_init(&r, "engine decision refused", 0);
	verdict(c, &r, OP_JUMP, c->ch_refused);
	emit(c, c->ch_fwd_again, &r);
}

/* ct mark set 0, then one map lookup per non-empty map of this prefix (exceptions first,
 * so a flow that also matches wins and its connections outlive the exception). */
/* "flows PAIR: a, b, ..." naming the objects of map s (cut by ir_comment()). */
static const char *map_comment(struct ctx *c, int s, bool exc, const char *pfx)
{
	const struct ir_set *set = &c->rs->sets[s];
	const char *seen[16];
	char buf[IR_STR_MAX * 2];
	struct ir_elem e;
	int i, j, n = 0;
	size_t o;

	o = (size_t)snprintf(buf, sizeof(buf), "%s %s:", exc ? "exceptions" : "flows", pfx);
	for (i = 0; i < set->n_elems && o < IR_STR_MAX; i++) {
		ir_elem_get(set, i, &e);
		for (j = 0; j < n && e.origin && seen[j] != e.origin; j++)
			;
		if (!e.origin || j < n)
			continue;
		if (n < 16)
			seen[n++] = e.origin;
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s %s", n > 1 ? "," : "",
				      e.origin);
	}
	return ir_comment(c->rs, "%s", buf);
}

static void rules_maps(struct ctx *c, int ch, const char *pfx)
{
	static const char fam[2] = { '4', '6' };
	char name[IR_NAME_MAX];
	struct ir_rule r;
	struct ir_stmt *x;
	int exc, f, mk, s;

	ir_rule_init(&r, "decision: cleared before the flow lookups", 0);
	st(c, &r, OP_CTMARK_SET)->value = 0;
	emit(c, ch, &r);
	for (exc = 1; exc >= 0; exc--) {
		for (f = 0; f < 2; f++) {
			for (mk = 0; mk < MK_MAX; mk++) {
				snprintf(name, sizeof(name), "%s%s_%s%c", exc ? "x_" : "", pfx,
					 mk_name[mk], fam[f]);
				s = ir_set_find(c->rs, name);
				if (s < 0 || !c->rs->sets[s].n_elems)
					continue;
				ir_rule_init(&r, map_comment(c, s, exc, pfx), 0);
				x = st(c, &r, OP_CTMARK_MAP);
				fields(x, c->rs->sets[s].key, c->rs->sets[s].n_key);
				x->set = s;
				emit(c, ch, &r);
			}
		}
	}
}

static void rules_accept_marked(struct ctx *c, int ch, const char *what, const char *prefix,
				const char *flow_prefix)
{
	struct ir_rule r;

	if (flow_prefix) {
		ir_rule_init(&r, "a new connection accepted: logged (rate-limited)", 0);
		st(c, &r, OP_CTMARK_NONZERO);
		log_accept(c, ch, &r, flow_prefix);
	}
	ir_rule_init(&r, what, 0);
	st(c, &r, OP_CTMARK_NONZERO);
	st(c, &r, OP_COUNTER);
	st(c, &r, OP_ACCEPT);
	emit(c, ch, &r);
	log_drop(c, ch, prefix, 0);
}

/* ---- R11: uplinks of the Internet zone ---- */

/* With uplinks declared: "uplink_bo", the interfaces that may carry local breakout
 * (breakout-line, security-cloud+breakout), and "uplink_line", the breakout lines, which carry
 * nothing else. Nothing is compiled without uplinks (today's behaviour). */
static void uplink_elem(struct ctx *c, const char *set, const char *comment,
			const struct zone *zn, int i)
{
	static const enum ir_field k = F_OIFNAME;
	int s = set_get(c, set, &k, 1, IR_DATA_NONE, IR_SET_CONSTANT, comment);
	struct ir_elem e;

	if (s < 0)
		return;
	memset(&e, 0, sizeof(e));
	ir_put_str(e.key, 0, F_OIFNAME, zn->ifaces[i]);
	memcpy(e.key_end, e.key, sizeof(e.key));
	e.line = zn->loc.line;
	e.origin = zn->id;
	e.comment = ir_comment(c->rs, "zone %s uplink %s", zn->id, zn->ifaces[i]);
	fail(c, ir_elem_add(c->rs, s, &e));
}

static void compile_uplinks(struct ctx *c)
{
	const struct policy *p = c->p;
	int z, i;

	for (z = 0; z < p->n_zones; z++) {
		const struct zone *zn = &p->zones[z];

		c->uplinks |= zn->has_uplinks;
		for (i = 0; zn->has_uplinks && i < zn->n_ifaces; i++) {
			if (zn->uplink[i] != UPLINK_SECURITY_CLOUD)
				uplink_elem(c, "uplink_bo", "R11: Internet-zone interfaces that "
					    "may carry local breakout", zn, i);
			if (zn->uplink[i] != UPLINK_BREAKOUT_LINE)
				continue;
			uplink_elem(c, "uplink_line", "R11: breakout lines: local breakout only",
				    zn, i);
			if (!c->ch_uplink)
				c->ch_uplink = drop_chain(c, "uplink", "sanso uplink ");
		}
	}
	if (c->uplinks && p->breakout.n_services && ir_set_find(c->rs, "uplink_bo") < 0) {
		diag_add(c->diag, DIAG_ERROR, p->file, p->breakout.loc.line,
			 "breakout: no Internet-zone interface may carry local breakout; give one "
			 "the uplinks role \"breakout-line\" or \"security-cloud+breakout\" (R11)");
		diag_ja(c->diag, "breakout: ローカルブレイクアウトを通せるインターネット接続系のインター"
			"フェースがありません。uplinks で \"breakout-line\" または "
			"\"security-cloud+breakout\" を指定してください (R11)");
	}
}

/* A breakout rule leaves only through an interface that may carry breakout. Returns false
 * when none may: the rule is then not emitted. */
static bool uplink_oif(struct ctx *c, struct ir_rule *r)
{
	int s = ir_set_find(c->rs, "uplink_bo");

	if (!c->uplinks)
		return true;
	if (s < 0)
		return false;
	lookup(c, r, s, false);
	return true;
}

/* After the breakout rules: anything else out of a breakout line is refused. */
static void rule_uplink_line(struct ctx *c, int ch)
{
	int s = ir_set_find(c->rs, "uplink_line");
	struct ir_rule r;

	if (s < 0 || !c->rs->sets[s].n_elems || c->ch_uplink <= 0)
		return;
	ir_rule_init(&r, "R11: breakout line carries local breakout only", 0);
	lookup(c, &r, s, false);
	verdict(c, &r, OP_JUMP, c->ch_uplink);
	emit(c, ch, &r);
}

static void rule_service(struct ctx *c, int ch, int i, uint32_t id, int whole_zone)
{
	const struct service *sv = &c->p->breakout.services[i];
	char name[IR_NAME_MAX];
	struct ir_rule r;
	int f, s, sp;

	snprintf(name, sizeof(name), "bo%d_ports", i);
	sp = ir_set_find(c->rs, name);
	for (f = 4; f <= 6; f += 2) {
		snprintf(name, sizeof(name), "bo%d_%d", i, f);
		s = ir_set_find(c->rs, name);
		if (s < 0 || sp < 0 || !c->rs->sets[s].n_elems || !c->rs->sets[sp].n_elems)
			continue;
		ir_rule_init(&r, svc_comment(c, sv), sv->loc.line);
		if (!uplink_oif(c, &r))
			continue;
		if (!whole_zone) {
			int src = ir_set_find(c->rs, f == 4 ? "bo_src4" : "bo_src6");

			if (src < 0)
				continue;
			lookup(c, &r, src, false);
		}
		lookup(c, &r, s, false);
		lookup(c, &r, sp, false);
		st(c, &r, OP_COUNTER);
		st(c, &r, OP_CTMARK_SET)->value = id;
		st(c, &r, OP_ACCEPT);
		emit(c, ch, &r);
	}
}

static uint32_t decision_of(const struct ctx *c, enum comp_kind k, int idx)
{
	int i;

	for (i = 0; i < c->n_dec; i++) {
		if (c->dec[i].kind == k && c->dec[i].idx == idx)
			return c->dec[i].id;
	}
	return 0;
}

/* Is zone z a breakout source: 1 as a whole zone, 0 through groups only, -1 not at all. */
static int breakout_from(const struct policy *p, int z)
{
	int i, r = -1;

	for (i = 0; i < p->breakout.n_from; i++) {
		if (p->breakout.from[i] == z)
			return 1;
		if (p->breakout.from_group && p->breakout.from_group[i] >= 0 &&
		    p->groups[p->breakout.from_group[i]].zone == z)
			r = 0;
	}
	return r;
}

static bool fail_open(const struct policy *p, int a, int b)
{
	int i;

	for (i = 0; i < p->engine.n_fail_open; i++) {
		if (p->engine.fail_open_from && p->engine.fail_open_from[i] == a &&
		    p->engine.fail_open_to[i] == b)
			return true;
	}
	return false;
}

/* New connections of flows the engine decides: the SYN goes to the engine (fail closed
 * unless the pair is configured fail open). */
static void rule_engine_queue(struct ctx *c, int ch, bool bypass)
{
	struct ir_rule r;

	ir_rule_init(&r, "verdict engine", 0);
	mark_bit(c, &r, OP_CTMARK_BIT, COMP_MARK_ENGINE, COMP_MARK_ENGINE);
	queue_stmt(c, &r, bypass);
	emit(c, ch, &r);
}

/* Breakout candidates: a listed or learned address (dns+sni) or any address (sni) on a
 * service port. The first packet goes to the engine too (fail closed): only a clean SYN
 * starts a candidate; the engine anchors the stream there and reads the name from it. */
static void rules_candidates(struct ctx *c, int ch, int whole_zone)
{
	static const char *const dst[4] = { "bo_list4", "bo_learn4", "bo_list6", "bo_learn6" };
	int sp = ir_set_find(c->rs, "bo_ports"), ss = ir_set_find(c->rs, "bo_sni_ports");
	struct ir_rule r;
	int i, s, src;

	for (i = 0; i < 4 && sp >= 0 && c->rs->sets[sp].n_elems; i++) {
		s = ir_set_find(c->rs, dst[i]);
		if (s < 0 || (!c->rs->sets[s].n_elems && !(c->rs->sets[s].flags & IR_SET_DYNAMIC)))
			continue;
		src = whole_zone ? -1 : ir_set_find(c->rs, i < 2 ? "bo_src4" : "bo_src6");
		if (!whole_zone && src < 0)
			continue;
		ir_rule_init(&r, "breakout candidate", 0);
		if (!uplink_oif(c, &r))
			continue;
		if (src >= 0)
			lookup(c, &r, src, false);
		lookup(c, &r, s, false);
		lookup(c, &r, sp, false);
		st(c, &r, OP_CTMARK_SET)->value = COMP_MARK_ENGINE;
		queue_stmt(c, &r, false);
		emit(c, ch, &r);
	}
	/* sni: any address; from a whole zone, or from the source groups (bo_src) */
	for (i = 0; i < (whole_zone ? 1 : 2) && ss >= 0 && c->rs->sets[ss].n_elems; i++) {
		src = whole_zone ? -1 : ir_set_find(c->rs, i ? "bo_src6" : "bo_src4");
		if (!whole_zone && (src < 0 || !c->rs->sets[src].n_elems))
			continue;
		ir_rule_init(&r, "breakout candidate (sni)", 0);
		if (!uplink_oif(c, &r))
			continue;
		if (src >= 0)
			lookup(c, &r, src, false);
		lookup(c, &r, ss, false);
		st(c, &r, OP_CTMARK_SET)->value = COMP_MARK_ENGINE;
		queue_stmt(c, &r, false);
		emit(c, ch, &r);
	}
}

/* ---- denial of service (R44): per-source meters in each zone pair chain ---- */

#define METER_SIZE		65535	/* sources per meter */
#define METER_TIMEOUT_MS	60000	/* a rate meter forgets a source idle this long */
#define METER_PLEN6		64	/* IPv6 sources count per /64 */

/* Can anything pass this pair chain (a non-empty map, breakout, the engine)? Elsewhere every
 * new connection is dropped anyway, so no meter is needed. */
static bool pair_open(const struct ctx *c, int a, int b, const char *pfx)
{
	const struct policy *p = c->p;
	char name[IR_NAME_MAX];
	int exc, f, mk, s;

	if (c->pair_engine[a * p->n_zones + b] ||
	    (p->zones[b].role == ZONE_INTERNET && breakout_from(p, a) >= 0))
		return true;
	for (exc = 0; exc < 2; exc++) {
		for (f = 0; f < 2; f++) {
			for (mk = 0; mk < MK_MAX; mk++) {
				snprintf(name, sizeof(name), "%s%.66s_%s%c", exc ? "x_" : "", pfx,
					 mk_name[mk], f ? '6' : '4');
				s = ir_set_find(c->rs, name);
				if (s >= 0 && c->rs->sets[s].n_elems)
					return true;
			}
		}
	}
	return false;
}

static int meter_chain(struct ctx *c, int conns)
{
	if (!c->ch_meter[conns])
		c->ch_meter[conns] = drop_chain(c, conns ? "meter_conns" : "meter_rate",
						conns ? "sanso meter conns " : "sanso meter rate ");
	return c->ch_meter[conns];
}

/* update @<pfx>_rate4 { ip saddr limit rate over R/second burst B packets } counter
 * jump meter_rate, and likewise add @<pfx>_conns4 { ip saddr ct count over N }; IPv6 per /64. */
static void rule_meter(struct ctx *c, int ch, const char *pfx, int conns, int v6,
		       const struct pair_limits *l)
{
	const enum ir_field k = v6 ? F_IP6_SADDR : F_IP_SADDR;
	char name[IR_NAME_MAX];
	struct ir_rule r;
	struct ir_stmt *x;
	int s, target = meter_chain(c, conns);

	snprintf(name, sizeof(name), "%s_%s%c", pfx, conns ? "conns" : "rate", v6 ? '6' : '4');
	s = set_get(c, name, &k, 1, IR_DATA_NONE, IR_SET_METER | IR_SET_DYNAMIC |
		    (conns ? 0 : IR_SET_TIMEOUT), conns ? "connections per source (meter)" :
		    "new connections per source (meter)");
	if (s < 0 || target < 0)
		return;
	c->rs->sets[s].size = METER_SIZE;
	c->rs->sets[s].timeout_ms = conns ? 0 : METER_TIMEOUT_MS;
	ir_rule_init(&r, conns ? "meter: connections per source" : "meter: rate per source", 0);
	x = st(c, &r, conns ? OP_METER_CONNS : OP_METER_RATE);
	fields(x, &k, 1);
	x->set = s;
	x->value = (uint32_t)(conns ? l->ct_count : l->rate);
	x->aux = (uint32_t)l->burst;
	x->plen = v6 ? METER_PLEN6 : 0;
	st(c, &r, OP_COUNTER);
	verdict(c, &r, OP_JUMP, target);
	emit(c, ch, &r);
}

/* First in the pair chain, which sees only new connections: a source over the rate, or
 * holding too many connections, is dropped before any lookup or the engine's queue. */
static void rules_meters(struct ctx *c, int ch, int a, int b, const char *pfx)
{
	const struct pair_limits *l = policy_limits(c->p, a, b);
	int v6;

	if (!pair_open(c, a, b, pfx))
		return;
	for (v6 = 0; v6 < 2 && l->rate > 0; v6++)
		rule_meter(c, ch, pfx, 0, v6, l);
	for (v6 = 0; v6 < 2 && l->ct_count > 0; v6++)
		rule_meter(c, ch, pfx, 1, v6, l);
}

static void rules_pairs(struct ctx *c)
{
	const struct policy *p = c->p;
	char pfx[IR_NAME_MAX], log[IR_STR_MAX], flog[IR_STR_MAX];
	int a, b, i, ch;

	for (a = 0; a < p->n_zones; a++) {
		for (b = 0; b < p->n_zones; b++) {
			ch = c->pair_chain[a * p->n_zones + b];
			snprintf(pfx, sizeof(pfx), "%.32s_%.32s", p->zones[a].id, p->zones[b].id);
			rules_meters(c, ch, a, b, pfx);
			rules_maps(c, ch, pfx);
			if (p->zones[b].role == ZONE_INTERNET && breakout_from(p, a) >= 0) {
				for (i = 0; i < p->breakout.n_services; i++) {
					uint32_t id = decision_of(c, COMP_SERVICE, i);

					if (id && p->breakout.services[i].match == MATCH_IP)
						rule_service(c, ch, i, id, breakout_from(p, a));
				}
				rules_candidates(c, ch, breakout_from(p, a));
			}
			if (p->zones[b].role == ZONE_INTERNET)
				rule_uplink_line(c, ch);
			if (c->pair_engine[a * p->n_zones + b])
				rule_engine_queue(c, ch, fail_open(p, a, b));
			snprintf(log, sizeof(log), "sanso drop %.32s>%.32s ", p->zones[a].id,
				 p->zones[b].id);
			snprintf(flog, sizeof(flog), "sanso flow %.32s>%.32s ", p->zones[a].id,
				 p->zones[b].id);
			rules_accept_marked(c, ch, "a flow of this zone pair matched: accepted", log,
					    a != b ? flog : NULL);
		}
	}
}

/* The management map matches the source address only: an interface of no zone (no
 * anti-spoofing there) could carry a management host's address to the gateway. */
static void rule_nozone_in(struct ctx *c, int ch)
{
	struct ir_rule r;

	if (ir_set_find(c->rs, "zone_ifs") < 0)
		return;
	ir_rule_init(&r, "an interface of no zone: nothing new reaches the gateway from it", 0);
	lookup(c, &r, ir_set_find(c->rs, "zone_ifs"), true);
	verdict(c, &r, OP_JUMP, c->ch_nopair);
	emit(c, ch, &r);
}

static void rules_local(struct ctx *c)
{
	struct ir_rule r;
	int nd = ir_set_find(c->rs, "nd"), io;

	for (io = 0; io < 2; io++) {
		int ch = io ? c->ch_out : c->ch_in;
		struct ir_stmt *x;

		ir_rule_init(&r, "loopback", 0);
		x = st(c, &r, OP_MATCH);
		x->f[0] = io ? F_OIFNAME : F_IIFNAME;
		x->n_f = 1;
		ir_put_str(x->val, 0, x->f[0], "lo");
		st(c, &r, OP_ACCEPT);
		emit(c, ch, &r);
		rules_ha_local(c, ch, io);
		simple(c, ch, nd, false, OP_ACCEPT, 0);
		rules_established(c, ch, !io, true);
		if (!io)	/* management flows come in on their zone's interfaces only */
			rule_nozone_in(c, ch);
		rules_maps(c, ch, io ? "out" : "in");
		rules_accept_marked(c, ch, "a management flow matched: accepted",
				    io ? "sanso drop gateway> " : "sanso drop >gateway ",
				    io ? NULL : "sanso flow >gateway ");
	}
}

/* ---- sets of the whole table ---- */

/* Every decision's element counts the packets of its connections after the first (the
 * register's hits: sansoctl exception list). */
static void compile_live(struct ctx *c)
{
	static const enum ir_field k = F_CT_MARK;
	struct ir_elem e;
	int s, i;

	s = set_get(c, "live", &k, 1, IR_DATA_NONE, IR_SET_TIMEOUT | IR_SET_COUNTER,
		    "decisions of this generation: established traffic passes only with one");
	if (s < 0)
		return;
	for (i = 0; i < c->n_dec; i++) {
		memset(&e, 0, sizeof(e));
		ir_put_u32(e.key, 0, F_CT_MARK, c->dec[i].id);
		memcpy(e.key_end, e.key, sizeof(e.key));
		e.timeout_ms = c->dec[i].timeout_ms;
		e.comment = c->dec[i].comment ? c->dec[i].comment :
			    ir_comment(c->rs, "%s", comp_kind_name(c->dec[i].kind));
		fail(c, ir_elem_add(c->rs, s, &e));
	}
}

static void compile_dispatch(struct ctx *c)
{
	static const enum ir_field k[2] = { F_IIFNAME, F_OIFNAME };
	const struct policy *p = c->p;
	const char *ia[ZONE_IF_ALL], *ib[ZONE_IF_ALL];
	int sa[ZONE_IF_ALL], sb[ZONE_IF_ALL], s, a, b, i, j, na, nb;
	struct ir_elem e;
	size_t off;

	s = set_get(c, "dispatch", k, 2, IR_DATA_VERDICT, 0, "zone pair of each interface pair");
	if (s < 0)
		return;
	for (a = 0; a < p->n_zones; a++) {
		na = zone_ifaces(p, a, ia, sa, ZONE_IF_ALL);
		for (b = 0; b < p->n_zones; b++) {
			const char *cm = ir_comment(c->rs, "zone pair %s>%s", p->zones[a].id,
						    p->zones[b].id);

			nb = zone_ifaces(p, b, ib, sb, ZONE_IF_ALL);
			for (i = 0; i < na; i++) {
				for (j = 0; j < nb; j++) {
					if (!strcmp(ia[i], ib[j]))
						continue;
					memset(&e, 0, sizeof(e));
					off = ir_put_str(e.key, 0, F_IIFNAME, ia[i]);
					ir_put_str(e.key, off, F_OIFNAME, ib[j]);
					memcpy(e.key_end, e.key, sizeof(e.key));
					e.data = (uint32_t)c->pair_chain[a * p->n_zones + b];
					e.line = p->zones[a].loc.line;
					e.origin = p->zones[a].id;
					e.comment = cm;
					fail(c, ir_elem_add(c->rs, s, &e));
				}
			}
		}
	}
}

static void compile_nd(struct ctx *c)
{
	static const enum ir_field k = F_ICMPV6_TYPE;
	static const uint8_t types[] = { 130, 131, 132, 133, 134, 135, 136, 137, 143 };
	size_t i;
	int s;

	s = set_get(c, "nd", &k, 1, IR_DATA_NONE, IR_SET_CONSTANT,
		    "ICMPv6 neighbour discovery and MLD");
	if (s < 0)
		return;
	for (i = 0; i < sizeof(types); i++)
		single(c, s, F_ICMPV6_TYPE, &types[i], 0, "nd", "ICMPv6 neighbour discovery, MLD");
}

static int compile_chains(struct ctx *c)
{
	const struct policy *p = c->p;
	char name[IR_NAME_MAX];
	int a, b, ch;

	c->ch_pre = ir_chain_add(c->rs, "prerouting", IR_HOOK_PREROUTING, PRIO_PREROUTING, false);
	c->ch_fwd = ir_chain_add(c->rs, "forward", IR_HOOK_FORWARD, PRIO_FILTER, true);
	c->ch_in = ir_chain_add(c->rs, "input", IR_HOOK_INPUT, PRIO_FILTER, true);
	c->ch_out = ir_chain_add(c->rs, "output", IR_HOOK_OUTPUT, PRIO_FILTER, true);
	c->pair_chain = calloc((size_t)(p->n_zones * p->n_zones) + 1, sizeof(int));
	c->pair_engine = calloc((size_t)(p->n_zones * p->n_zones) + 1, sizeof(bool));
	if (!c->pair_chain || !c->pair_engine)
		return -ENOMEM;
	for (a = 0; a < p->n_zones; a++) {
		for (b = 0; b < p->n_zones; b++) {
			snprintf(name, sizeof(name), "fwd_%.32s_%.32s", p->zones[a].id, p->zones[b].id);
			ch = ir_chain_add(c->rs, name, IR_HOOK_NONE, 0, false);
			fail(c, ch);
			c->pair_chain[a * p->n_zones + b] = ch;
		}
	}
	c->ch_cut = drop_chain(c, "cut", "sanso cut ");
	c->ch_invalid = drop_chain(c, "invalid", "sanso invalid ");
	c->ch_spoof_bind = drop_chain(c, "spoof_bind", "sanso spoof mac/ip ");
	c->ch_spoof_src = drop_chain(c, "spoof_src", "sanso spoof src ");
	c->ch_nopair = drop_chain(c, "nopair", "sanso drop no-zone ");
	c->ch_refused = refused_chain(c);
	c->ch_isolated = drop_chain(c, "isolated", "sanso isolated ");
	c->ch_fwd_again = ir_chain_add(c->rs, "engine_verdict", IR_HOOK_NONE, 0, false);
	fail(c, c->ch_fwd_again);
	fail(c, c->ch_pre);
	fail(c, c->ch_fwd);
	fail(c, c->ch_in);
	fail(c, c->ch_out);
	return c->err;
}

/* ---- finishing: interval flags, duplicates, overlaps ---- */

static bool elem_is_range(const struct ir_set *s, const struct ir_elem *e)
{
	return memcmp(e->key, e->key_end, s->klen) != 0;
}

static int elem_same(const struct ir_set *s, const struct ir_elem *a, const struct ir_elem *b)
{
	return !memcmp(a->key, b->key, s->klen) && !memcmp(a->key_end, b->key_end, s->klen) &&
	       a->data == b->data;
}

#define CLASH_REPORT_MAX 20

static void finish_set(struct ctx *c, struct ir_set *s)
{
	struct ir_elem e, f;
	const struct ir_elem *x = &e, *y = &f;
	int i, a, b, reported = 0;

	for (i = 0; i < s->n_elems && !(s->flags & IR_SET_INTERVAL); i++) {
		ir_elem_get(s, i, &e);
		if (elem_is_range(s, &e))
			s->flags |= IR_SET_INTERVAL;
	}
	while (ir_set_check(s, &a, &b) == -EEXIST) {
		ir_elem_get(s, a, &e);
		ir_elem_get(s, b, &f);
		if (!elem_same(s, x, y) && reported++ < CLASH_REPORT_MAX) {
			diag_add(c->diag, DIAG_ERROR, c->p->file, y->line,
				 "'%s' and '%s' (line %d) name overlapping traffic with different decisions (set %s): the kernel cannot hold both; make them disjoint or merge them",
				 y->origin ? y->origin : "?", x->origin ? x->origin : "?", x->line,
				 s->name);
			diag_ja(c->diag, "'%s' と '%s' (%d行目) が重なる通信を別々の判断で指定しています。重ならないように分けるか、統合してください",
				y->origin ? y->origin : "?", x->origin ? x->origin : "?", x->line);
		}
		ir_elem_del(s, b);
	}
}

void comp_result_free(struct comp_result *cr)
{
	if (!cr)
		return;
	ir_free(cr->rs);
	free(cr->decisions);
	free(cr);
}

/* ---- coverage: every flow, exception, service and isolation yields kernel elements in a
 * set some rule looks at, or the policy is refused (nothing may compile to nothing quietly) */
struct coverage {
	bool *used;			/* [set]: a rule refers to it */
	const char **origins;		/* origins of the elements of used sets, sorted */
	size_t n;
};

static int ptr_cmp(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)*(const char *const *)a, y = (uintptr_t)*(const char *const *)b;

	return x < y ? -1 : x > y;
}

/* cv->used; with origins, cv->origins too. */
static int cov_init(struct ctx *c, struct coverage *cv, bool origins)
{
	const struct ir_ruleset *rs = c->rs;
	struct ir_elem e;
	size_t n = 0;
	int i, j, k;

	cv->used = calloc((size_t)rs->n_sets + 1, sizeof(*cv->used));
	for (i = 0; cv->used && i < rs->n_chains; i++) {
		for (j = 0; j < rs->chains[i].n_rules; j++) {
			const struct ir_rule *r = &rs->chains[i].rules[j];

			for (k = 0; k < r->n; k++) {
				if ((r->s[k].op == OP_LOOKUP || r->s[k].op == OP_CTMARK_MAP ||
				     r->s[k].op == OP_VMAP) && !r->s[k].neg)
					cv->used[r->s[k].set] = true;
			}
		}
	}
	for (i = 0; cv->used && origins && i < rs->n_sets; i++)
		n += cv->used[i] ? (size_t)rs->sets[i].n_elems : 0;
	cv->origins = calloc(n + 1, sizeof(*cv->origins));
	if (!cv->used || !cv->origins)
		return -ENOMEM;
	for (i = 0; origins && i < rs->n_sets; i++) {
		for (j = 0; cv->used[i] && j < rs->sets[i].n_elems; j++) {
			ir_elem_get(&rs->sets[i], j, &e);
			cv->origins[cv->n++] = e.origin;
		}
	}
	qsort(cv->origins, cv->n, sizeof(*cv->origins), ptr_cmp);
	return 0;
}

static bool cov_has(const struct coverage *cv, const char *name)
{
	return bsearch(&name, cv->origins, cv->n, sizeof(*cv->origins), ptr_cmp) != NULL;
}

/* Is every address of an isolated host or group inside an element of a used iso set? */
static bool cov_isolated(struct ctx *c, const struct coverage *cv, const struct endpoint *ep)
{
	int fam, i, j, s, n = 0, alen;
	struct addrs a = { 0 };
	uint8_t end[16];
	struct ir_elem e;
	bool all = true;

	for (fam = AF_INET; fam <= AF_INET6 && all; fam += AF_INET6 - AF_INET) {
		alen = fam == AF_INET ? 4 : 16;
		s = ir_set_find(c->rs, fam == AF_INET ? "iso4" : "iso6");
		addr_ep(c, &a, ep, fam);
		for (i = 0; i < a.n && all; i++, n++) {
			pfx_end(&a.v[i], end);
			for (j = 0, all = false; s >= 0 && cv->used[s] && j < c->rs->sets[s].n_elems &&
			     !all; j++) {
				ir_elem_get(&c->rs->sets[s], j, &e);
				all = memcmp(e.key, a.v[i].addr, (size_t)alen) <= 0 &&
				      memcmp(e.key_end, end, (size_t)alen) >= 0;
			}
		}
	}
	free(a.v);
	return all && n > 0;
}

static void cov_refuse(struct ctx *c, int line, const char *what, const char *name)
{
	diag_add(c->diag, DIAG_ERROR, c->p->file, line,
		 "%s '%s' compiles to no kernel element a rule looks at: the policy is refused "
		 "(compile-coverage check)", what, name);
	diag_ja(c->diag, "%s '%s' はカーネル要素 (ルールが参照するもの) を生成しません: ポリシーを拒否します",
		what, name);
}

/* Does a used iso_if element name the isolated zone? */
static bool cov_zone(struct ctx *c, const struct coverage *cv, const char *name)
{
	int s = ir_set_find(c->rs, "iso_if"), j;
	struct ir_elem e;

	for (j = 0; s >= 0 && cv->used[s] && j < c->rs->sets[s].n_elems; j++) {
		ir_elem_get(&c->rs->sets[s], j, &e);
		if (e.origin && !strcmp(e.origin, name))
			return true;
	}
	return false;
}

static void cov_isolations(struct ctx *c, const struct coverage *cv)
{
	const struct policy *p = c->p;
	struct endpoint ep = { 0 };
	int i;

	for (i = 0; c->x && i < c->x->n_isolate; i++) {
		const char *name = c->x->isolate[i];

		if (policy_zone_find(p, name) >= 0) {
			if (cov_zone(c, cv, name))
				continue;
		} else {
			ep.kind = (ep.idx = policy_host_find(p, name)) >= 0 ? EP_HOST : EP_GROUP;
			if (ep.kind == EP_GROUP)
				ep.idx = policy_group_find(p, name);
			if (ep.idx >= 0 && cov_isolated(c, cv, &ep))
				continue;
		}
		cov_refuse(c, 0, "isolation", name);
	}
}

static void check_coverage(struct ctx *c)
{
	const struct policy *p = c->p;
	struct coverage cv = { 0 };
	int i;

	if (c->err || cov_init(c, &cv, true) < 0) {
		fail(c, -ENOMEM);
		goto out;
	}
	for (i = 0; i < p->n_flows; i++) {
		if (!cov_has(&cv, p->flows[i].name))
			cov_refuse(c, p->flows[i].loc.line, "flow", p->flows[i].name);
	}
	for (i = 0; i < p->n_exceptions; i++) {
		if (!p->exceptions[i].expired && !cov_has(&cv, p->exceptions[i].id))
			cov_refuse(c, p->exceptions[i].loc.line, "exception", p->exceptions[i].id);
	}
	for (i = 0; i < p->breakout.n_services; i++) {
		const struct service *sv = &p->breakout.services[i];

		if (!sv->disabled && !cov_has(&cv, sv->name))
			cov_refuse(c, sv->loc.line, "breakout service", sv->name);
	}
	cov_isolations(c, &cv);
out:
	free(cv.used);
	free(cv.origins);
}

int comp_time_text(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char z[8];
	size_t n;

	if (!localtime_r(&tt, &tm) || !strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm) ||
	    !strftime(z, sizeof(z), "%z", &tm) || strlen(z) != 5)
		return snprintf(buf, len, "@%lld", (long long)t);
	n = strlen(buf);	/* +hhmm -> +hh:mm (RFC 3339) */
	return n + 7 <= len ? snprintf(buf + n, len - n, "%.3s:%.2s", z, z + 3) + (int)n : -1;
}

int comp_build(const struct policy *p, int64_t now, struct comp_result **ret, struct diag *diag)
{
	return comp_build_ex(p, now, NULL, ret, diag);
}

int comp_build_ex(const struct policy *p, int64_t now, const struct comp_extra *x,
		  struct comp_result **ret, struct diag *diag)
{
	struct ctx c = { .p = p, .diag = diag, .now = now, .x = x };
	struct comp_result *cr = NULL;
	int i, errors = diag->errors, r = -ENOMEM;

	if (!p->validated)
		return -EINVAL;
	c.rs = ir_new();
	cr = calloc(1, sizeof(*cr));
	if (!c.rs || !cr)
		goto out;
	c.rs->table_flags = 0;
	r = compile_chains(&c);
	if (r < 0)
		goto out;
	compile_bindings(&c);
	compile_sources(&c);
	compile_flows(&c);
	compile_services(&c);
	compile_isolation(&c);
	compile_live(&c);
	compile_dispatch(&c);
	compile_uplinks(&c);
	compile_nd(&c);
	rules_prerouting(&c);
	rules_forward(&c);
	rules_local(&c);
	rules_pairs(&c);
	check_coverage(&c);
	for (i = 0; i < c.rs->n_sets; i++)
		finish_set(&c, &c.rs->sets[i]);
	r = c.err;
	if (r >= 0 && diag->errors > errors)
		r = -EINVAL;
	if (r < 0)
		goto out;
	cr->rs = c.rs;
	cr->decisions = c.dec;
	cr->n_decisions = c.n_dec;
	c.rs = NULL;
	c.dec = NULL;
	*ret = cr;
	cr = NULL;
out:
	comp_result_free(cr);
	ir_free(c.rs);
	free(c.dec);
	free(c.ids);
	free(c.pend);
	free(c.pair_chain);
	free(c.pair_engine);
	return r;
}

/* ---- an isolation change on a compiled generation (gen_apply_ops: instant at any size) */

static const char *const iso_sets[] = { "iso_if", "iso4", "iso6" };

static int iso_rebuild(struct ctx *c)
{
	struct coverage cv = { 0 };
	size_t i;
	int s;

	for (i = 0; i < sizeof(iso_sets) / sizeof(iso_sets[0]); i++) {
		if ((s = ir_set_find(c->rs, iso_sets[i])) < 0)
			return -ENOENT;
		c->rs->sets[s].n_elems = 0;
	}
	compile_isolation(c);
	if (!c->err && cov_init(c, &cv, false) < 0)
		fail(c, -ENOMEM);
	if (!c->err)
		cov_isolations(c, &cv);
	for (i = 0; !c->err && i < sizeof(iso_sets) / sizeof(iso_sets[0]); i++)
		finish_set(c, &c->rs->sets[ir_set_find(c->rs, iso_sets[i])]);
	free(cv.used);
	free(cv.origins);
	return c->err;
}

int comp_isolate(const struct policy *p, const struct comp_result *base,
		 const struct comp_extra *x, struct comp_result **ret, struct diag *diag)
{
	struct ctx c = { .p = p, .diag = diag, .x = x };
	struct comp_result *cr = calloc(1, sizeof(*cr));
	int errors = diag->errors, r = -ENOMEM;

	if (!cr)
		return -ENOMEM;
	cr->decisions = malloc(((size_t)base->n_decisions + 1) * sizeof(*cr->decisions));
	c.rs = p->validated && cr->decisions ? ir_copy(base->rs) : NULL;
	if (!c.rs) {
		r = p->validated ? -ENOMEM : -EINVAL;
		goto out;
	}
	memcpy(cr->decisions, base->decisions, (size_t)base->n_decisions * sizeof(*cr->decisions));
	cr->n_decisions = base->n_decisions;
	r = iso_rebuild(&c);
	if (r >= 0 && diag->errors > errors)
		r = -EINVAL;
	if (r < 0)
		goto out;
	cr->rs = c.rs;
	c.rs = NULL;
	*ret = cr;
	cr = NULL;
out:
	comp_result_free(cr);
	ir_free(c.rs);
	free(c.pend);
	return r;
}
