// SPDX-License-Identifier: GPL-2.0-only
/* prove_policy.c: what the kernel's ruleset reaches, against what the policy allows.
 * Reads the zone list, flows, exceptions and breakout of a validated policy (plain data; no
 * compiler code), evaluates the ruleset with prove.c, and prints each accepted packet class
 * the policy does not allow as a concrete witness with the rules it went through.
 * New flows: ct state new, ct mark 0, packet mark 0. Established/related flows: accepted only
 * with a ct mark some accepting new-flow path writes (the ct mark @live gate), else a witness.
 * Queue and opaque xt count as accepting (the engine's own tables are not read: open). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"
#include "prove.h"
#include "prove_policy.h"

#define PFX_MAX		4096
#define WITNESS_MAX	20

struct allowed {
	struct pv_box *b;
	int *from, *to;
	size_t n, cap;
	size_t *ord;		/* by zone pair, then source address (al_index) */
	pv_u128 *smax;		/* the highest source address up to each ord entry of its pair */
};

struct pctx {
	const struct policy *p;
	struct pv_model m;
	int zone_of[PV_IF_MAX];
	struct allowed al;
	struct allowed al_gw;		/* to and from the gateway itself (zone GW) */
	int if_lo, if_sync;		/* model indexes of "lo" and the HA sync link, -1 */
	int dir;			/* what is checked: 0 forward, 1 input, 2 output */
	struct pv_iv *wmark;		/* ct marks written by accepting new-flow paths */
	size_t n_wmark, cap_wmark;
	FILE *out;
	bool json;
	int n_witness;
	unsigned long n_dead;		/* live ids no new-flow path writes (note) */
	unsigned long work;		/* boxes made so far (budget: PV_WORK_MAX) */
	struct pv_hit memo;		/* the last lazy established class found clean */
	unsigned long memo_dead;
	unsigned long reach[POLICY_ZONES_MAX + 1][POLICY_ZONES_MAX + 1];
	unsigned long reach_gw[2][POLICY_ZONES_MAX + 1];	/* into, out of the gateway */
};

#define GW	(POLICY_ZONES_MAX + 1)	/* the gateway as a side of an allowed box */

static int al_push(struct allowed *a, const struct pv_box *b, int from, int to)
{
	if (a->n == a->cap) {
		size_t cap = a->cap ? 2 * a->cap : 64;
		struct pv_box *nb = realloc(a->b, cap * sizeof(*nb));
		int *nf, *nt;

		if (!nb)
			return -ENOMEM;
		a->b = nb;
		nf = realloc(a->from, cap * sizeof(*nf));
		if (!nf)
			return -ENOMEM;
		a->from = nf;
		nt = realloc(a->to, cap * sizeof(*nt));
		if (!nt)
			return -ENOMEM;
		a->to = nt;
		a->cap = cap;
	}
	a->b[a->n] = *b;
	a->from[a->n] = from;
	a->to[a->n++] = to;
	return 0;
}

static const struct allowed *ord_al;

static int cmp_ord(const void *x, const void *y)
{
	size_t a = *(const size_t *)x, b = *(const size_t *)y;
	const struct allowed *l = ord_al;

	if (l->from[a] != l->from[b])
		return l->from[a] < l->from[b] ? -1 : 1;
	if (l->to[a] != l->to[b])
		return l->to[a] < l->to[b] ? -1 : 1;
	if (l->b[a].d[PV_SADDR].lo != l->b[b].d[PV_SADDR].lo)
		return l->b[a].d[PV_SADDR].lo < l->b[b].d[PV_SADDR].lo ? -1 : 1;
	return a < b ? -1 : a > b;
}

/* Sort the allowed boxes by zone pair and source, with the running highest source of each
 * pair, so that a box meets only the allowed boxes whose sources can overlap its own. */
static int al_index(struct allowed *a)
{
	size_t i, k;

	a->ord = malloc((a->n ? a->n : 1) * sizeof(*a->ord));
	a->smax = malloc((a->n ? a->n : 1) * sizeof(*a->smax));
	if (!a->ord || !a->smax)
		return -ENOMEM;
	for (i = 0; i < a->n; i++)
		a->ord[i] = i;
	ord_al = a;		/* pure and single-threaded */
	qsort(a->ord, a->n, sizeof(*a->ord), cmp_ord);
	for (i = 0; i < a->n; i++) {
		k = a->ord[i];
		a->smax[i] = a->b[k].d[PV_SADDR].hi;
		if (i && a->from[a->ord[i - 1]] == a->from[k] && a->to[a->ord[i - 1]] == a->to[k] &&
		    a->smax[i - 1] > a->smax[i])
			a->smax[i] = a->smax[i - 1];
	}
	return 0;
}

/* The range [*lo, *hi) of ord that may meet box b of pair zf -> zt. */
static void al_range(const struct allowed *a, int zf, int zt, const struct pv_box *b,
		     size_t *lo, size_t *hi)
{
	size_t l = 0, h = a->n, m;

	while (l < h) {		/* first entry of the pair */
		m = (l + h) / 2;
		if (a->from[a->ord[m]] < zf || (a->from[a->ord[m]] == zf && a->to[a->ord[m]] < zt))
			l = m + 1;
		else
			h = m;
	}
	for (h = a->n; l < h;) {	/* first entry whose running highest source reaches b */
		m = (l + h) / 2;
		if (a->from[a->ord[m]] == zf && a->to[a->ord[m]] == zt &&
		    a->smax[m] < b->d[PV_SADDR].lo)
			l = m + 1;
		else
			h = m;
	}
	*lo = l;
	for (h = l; h < a->n && a->from[a->ord[h]] == zf && a->to[a->ord[h]] == zt &&
	     a->b[a->ord[h]].d[PV_SADDR].lo <= b->d[PV_SADDR].hi; h++)
		;
	*hi = h;
}

static struct pv_iv pfx_iv(const struct prefix *pf)
{
	uint8_t lo[16], hi[16];
	struct pv_iv iv = { 0, 0 };
	int i, n = pf->family == AF_INET ? 4 : 16;

	policy_prefix_range(pf, lo, hi);
	for (i = 0; i < n; i++) {
		iv.lo = (iv.lo << 8) | lo[i];
		iv.hi = (iv.hi << 8) | hi[i];
	}
	return iv;
}

struct allow_spec {
	const struct endpoint *from, *to;	/* to NULL: any destination */
	int zfrom, zto;
	uint8_t proto;				/* 0: tcp and udp (breakout) */
	const struct port_range *ports;
	int n_ports;
};

static int allow_ports_in(struct pctx *c, struct allowed *al, struct pv_box *b,
			  const struct allow_spec *s)
{
	int i, r = 0;

	(void)c;
	if (!s->n_ports)
		return al_push(al, b, s->zfrom, s->zto);
	for (i = 0; i < s->n_ports && !r; i++) {
		b->d[PV_DPORT].lo = s->ports[i].lo;
		b->d[PV_DPORT].hi = s->ports[i].hi;
		r = al_push(al, b, s->zfrom, s->zto);
	}
	return r;
}

static int allow_ports(struct pctx *c, struct pv_box *b, const struct allow_spec *s)
{
	return allow_ports_in(c, &c->al, b, s);
}



static int allow_fam(struct pctx *c, const struct allow_spec *s, int fam, struct prefix *sp,
		     struct prefix *dp)
{
	int ns, nd = 1, i, j, r = 0;
	struct pv_box b;

	ns = policy_ep_prefixes(c->p, s->from, fam, sp, PFX_MAX);
	if (s->to)
		nd = policy_ep_prefixes(c->p, s->to, fam, dp, PFX_MAX);
	if (ns < 0 || nd < 0 || ns > PFX_MAX || nd > PFX_MAX)
		return ns < 0 ? ns : nd < 0 ? nd : -E2BIG;
	pv_box_full(&c->m, &b, fam);
	for (i = 0; i < ns && !r; i++)
		for (j = 0; j < nd && !r; j++) {
			b.d[PV_SADDR] = pfx_iv(&sp[i]);
			if (s->to)
				b.d[PV_DADDR] = pfx_iv(&dp[j]);
			b.d[PV_L4PROTO].lo = policy_proto_wire(s->proto, fam);
			b.d[PV_L4PROTO].hi = s->proto ? b.d[PV_L4PROTO].lo : 17;
			r = allow_ports(c, &b, s);
		}
	return r;
}

static int allow(struct pctx *c, const struct allow_spec *s)
{
	struct prefix *sp = malloc(2 * PFX_MAX * sizeof(*sp));
	int r = -ENOMEM;

	if (s->zfrom < 0 || s->zto < 0) {
		free(sp);
		return 0;			/* the gateway itself: not a forwarded path */
	}
	if (sp)
		r = allow_fam(c, s, AF_INET, sp, sp + PFX_MAX) ?: allow_fam(c, s, AF_INET6, sp, sp + PFX_MAX);
	free(sp);
	return r;
}

static int zone_of_addr(const struct policy *p, const struct prefix *pf)
{
	struct prefix zp[64];
	struct endpoint ep = { .kind = EP_ZONE };
	int z, i, n;

	for (z = 0; z < p->n_zones; z++) {
		ep.idx = ep.zone = z;
		n = policy_ep_prefixes(p, &ep, pf->family, zp, 64);
		for (i = 0; i < n && i < 64; i++)
			if (policy_prefix_contains(&zp[i], pf))
				return z;
	}
	return -1;
}

/* Breakout DNS: the resolvers' queries to the upstreams (udp and tcp 53), zone to zone. */
static int allow_dns(struct pctx *c)
{
	const struct breakout *bo = &c->p->breakout;
	static const struct port_range p53 = { 53, 53 };
	struct pv_box b;
	int i, j, r = 0;

	for (i = 0; i < bo->n_resolvers && !r; i++)
		for (j = 0; j < bo->n_upstreams && !r; j++) {
			const struct prefix *rs = &bo->resolvers[i], *up = &bo->upstreams[j];
			struct allow_spec s = { .zfrom = zone_of_addr(c->p, rs),
						.zto = zone_of_addr(c->p, up), .ports = &p53,
						.n_ports = 1 };

			if (rs->family != up->family || s.zfrom < 0 || s.zto < 0)
				continue;
			pv_box_full(&c->m, &b, rs->family);
			b.d[PV_SADDR] = pfx_iv(rs);
			b.d[PV_DADDR] = pfx_iv(up);
			b.d[PV_L4PROTO].lo = 6;
			b.d[PV_L4PROTO].hi = 17;
			r = allow_ports(c, &b, &s);
		}
	return r;
}

static int allow_breakout(struct pctx *c)
{
	const struct breakout *bo = &c->p->breakout;
	struct endpoint ep;
	int i, inet = -1, r = 0;

	for (i = 0; i < c->p->n_zones; i++)
		if (c->p->zones[i].role == ZONE_INTERNET)
			inet = i;
	r = allow_dns(c);
	for (i = 0; i < bo->n_from && bo->n_services && inet >= 0 && !r; i++) {
		memset(&ep, 0, sizeof(ep));
		ep.kind = bo->from_group && bo->from_group[i] >= 0 ? EP_GROUP : EP_ZONE;
		ep.idx = ep.kind == EP_GROUP ? bo->from_group[i] : bo->from[i];
		ep.zone = ep.kind == EP_GROUP ? c->p->groups[ep.idx].zone : bo->from[i];
		r = allow(c, &(struct allow_spec){ .from = &ep, .zfrom = ep.zone, .zto = inet });
	}
	return r;
}

/* What the policy allows, per zone pair: flows, live exceptions, breakout (any destination
 * in the Internet zone: learned addresses are not known here). */
static int allowed_build(struct pctx *c)
{
	const struct policy *p = c->p;
	int i, r = 0;

	for (i = 0; i < p->n_flows && !r; i++) {
		const struct flow *f = &p->flows[i];

		r = allow(c, &(struct allow_spec){ &f->from, &f->to, f->from.zone, f->to.zone,
						   f->proto, f->ports, f->n_ports });
	}
	for (i = 0; i < p->n_exceptions && !r; i++) {
		const struct exception *x = &p->exceptions[i];

		if (!x->expired)
			r = allow(c, &(struct allow_spec){ &x->from, &x->to, x->from.zone,
							   x->to.zone, x->proto, x->ports,
							   x->n_ports });
	}
	return r ?: allow_breakout(c);
}

/* ---- the gateway itself: what may reach it (input) and what it may reach (output) ---- */

/* One box per prefix of ep (the far end), both families: into the gateway (in) from ep, or
 * out of it to ep; the gateway's own addresses are not narrowed (any). */
static int allow_gw_ep(struct pctx *c, const struct endpoint *ep, bool in, uint8_t proto,
		       const struct port_range *ports, int n_ports)
{
	static const int fams[2] = { AF_INET, AF_INET6 };
	struct prefix *pf = malloc(PFX_MAX * sizeof(*pf));
	struct allow_spec s = { .ports = ports, .n_ports = n_ports,
				.zfrom = in ? ep->zone : GW, .zto = in ? GW : ep->zone };
	struct pv_box b;
	int f, i, n, r = 0;

	if (!pf)
		return -ENOMEM;
	for (f = 0; f < 2 && !r; f++) {
		n = policy_ep_prefixes(c->p, ep, fams[f], pf, PFX_MAX);
		if (n < 0 || n > PFX_MAX) {
			r = n < 0 ? n : -E2BIG;
			break;
		}
		for (i = 0; i < n && !r; i++) {
			pv_box_full(&c->m, &b, fams[f]);
			b.d[in ? PV_SADDR : PV_DADDR] = pfx_iv(&pf[i]);
			b.d[PV_L4PROTO].lo = policy_proto_wire(proto, fams[f]);
			b.d[PV_L4PROTO].hi = proto ? b.d[PV_L4PROTO].lo : 17;
			r = allow_ports_in(c, &c->al_gw, &b, &s);
		}
	}
	free(pf);
	return r;
}

/* Both directions of box b between the gateway and side z (z: a zone or -1). */
static int allow_gw_both(struct pctx *c, struct pv_box *b, int z)
{
	return al_push(&c->al_gw, b, z, GW) ?: al_push(&c->al_gw, b, GW, z);
}

/* HA: VRRP to its multicast group on every zone interface; conntrackd's and sansod's sync
 * with the nodes' addresses on the sync link. */
static int allow_gw_ha(struct pctx *c)
{
	const struct ha_conf *ha = &c->p->ha;
	const int ports[2] = { ha->conntrackd_port, ha->sync_port };
	struct pv_box b;
	int z, n, i, f, r = 0;

	for (f = 0; f < 2 && ha->present && !r; f++)
		for (z = 0; z < c->p->n_zones && !r; z++) {
			pv_box_full(&c->m, &b, f ? AF_INET6 : AF_INET);
			b.d[PV_L4PROTO].lo = b.d[PV_L4PROTO].hi = 112;
			b.d[PV_DADDR].lo = b.d[PV_DADDR].hi = f ? (pv_u128)0xff02 << 112 | 0x12 :
							     0xe0000012;
			r = allow_gw_both(c, &b, z);
		}
	for (n = 0; n < ha->n_nodes && c->if_sync >= 0 && !r; n++)
		for (i = 0; i < 4 && !r; i++) {		/* two ports, two directions */
			pv_box_full(&c->m, &b, ha->nodes[n].family);
			b.d[i % 2 ? PV_OIF : PV_IIF].lo = b.d[i % 2 ? PV_OIF : PV_IIF].hi =
				(pv_u128)c->if_sync;
			b.d[PV_L4PROTO].lo = b.d[PV_L4PROTO].hi = 17;
			b.d[PV_DPORT].lo = b.d[PV_DPORT].hi = (pv_u128)ports[i / 2];
			b.d[i % 2 ? PV_DADDR : PV_SADDR] = pfx_iv(&ha->nodes[n]);
			r = i % 2 ? al_push(&c->al_gw, &b, GW, -1) : al_push(&c->al_gw, &b, -1, GW);
		}
	return r;
}

/* Loopback, ICMPv6 neighbour discovery and MLD (any type: the proof does not model ICMPv6
 * types) from and to any side, and allow_gw_ha. */
static int allow_gw_local(struct pctx *c)
{
	struct pv_box b;
	int z, f, r;

	for (f = 0, r = 0; f < 2 && !r; f++) {
		pv_box_full(&c->m, &b, f ? AF_INET6 : AF_INET);
		b.d[PV_IIF].lo = b.d[PV_IIF].hi = (pv_u128)c->if_lo;
		r = al_push(&c->al_gw, &b, -1, GW);
		pv_box_full(&c->m, &b, f ? AF_INET6 : AF_INET);
		b.d[PV_OIF].lo = b.d[PV_OIF].hi = (pv_u128)c->if_lo;
		r = r ?: al_push(&c->al_gw, &b, GW, -1);
	}
	for (z = -1; z < c->p->n_zones && !r; z++) {
		pv_box_full(&c->m, &b, AF_INET6);
		b.d[PV_L4PROTO].lo = b.d[PV_L4PROTO].hi = 58;
		r = allow_gw_both(c, &b, z);
	}
	return r ?: allow_gw_ha(c);
}

/* What may reach the gateway and what it may reach: management flows and exceptions that
 * name it, and allow_gw_local. */
static int allowed_gw_build(struct pctx *c)
{
	const struct policy *p = c->p;
	int i, r = allow_gw_local(c);

	for (i = 0; i < p->n_flows && !r; i++) {
		const struct flow *f = &p->flows[i];

		if (f->to.kind == EP_GATEWAY && f->from.kind != EP_GATEWAY)
			r = allow_gw_ep(c, &f->from, true, f->proto, f->ports, f->n_ports);
		else if (f->from.kind == EP_GATEWAY && f->to.kind != EP_GATEWAY)
			r = allow_gw_ep(c, &f->to, false, f->proto, f->ports, f->n_ports);
	}
	for (i = 0; i < p->n_exceptions && !r; i++) {
		const struct exception *x = &p->exceptions[i];

		if (x->expired)
			continue;
		if (x->to.kind == EP_GATEWAY && x->from.kind != EP_GATEWAY)
			r = allow_gw_ep(c, &x->from, true, x->proto, x->ports, x->n_ports);
		else if (x->from.kind == EP_GATEWAY && x->to.kind != EP_GATEWAY)
			r = allow_gw_ep(c, &x->to, false, x->proto, x->ports, x->n_ports);
	}
	return r;
}

static int zones_load(struct pctx *c)
{
	const struct policy *p = c->p;
	int i, j, x;

	for (i = 0; i < PV_IF_MAX; i++)
		c->zone_of[i] = -1;
	for (i = 0; i < p->n_zones; i++)
		for (j = 0; j < p->zones[i].n_ifaces; j++) {
			x = pv_model_ifindex(&c->m, p->zones[i].ifaces[j]);
			if (x < 0)
				return x;
			c->zone_of[x] = i;
		}
	for (i = 0; i < p->n_segments; i++) {
		x = pv_model_ifindex(&c->m, p->segments[i].iface);
		if (x < 0)
			return x;
		c->zone_of[x] = p->segments[i].zone;
	}
	c->if_lo = pv_model_ifindex(&c->m, "lo");
	c->if_sync = p->ha.present ? pv_model_ifindex(&c->m, p->ha.sync_if) : -1;
	return c->if_lo < 0 ? c->if_lo : 0;
}

static const char *zname(const struct pctx *c, int z)
{
	return z >= 0 ? c->p->zones[z].id : "(no zone)";
}

void pv_addr_format(pv_u128 a, int nfproto, char *buf, size_t len)
{
	unsigned char b[16];
	int i;

	for (i = 15; i >= 0; i--, a >>= 8)
		b[i] = (unsigned char)a;
	if (nfproto == 2)
		snprintf(buf, len, "%u.%u.%u.%u", b[12], b[13], b[14], b[15]);
	else
		for (i = 0, buf[0] = 0; i < 16; i += 2)
			snprintf(buf + strlen(buf), len - strlen(buf), "%s%x", i ? ":" : "",
				 b[i] << 8 | b[i + 1]);
}

void pv_trace_print(const struct pv_model *m, const struct pv_trace *t, FILE *out)
{
	const struct pv_rule *r;

	if (!t)
		return;
	pv_trace_print(m, t->up, out);
	r = &m->c[t->chain].r[t->rule];
	fprintf(out, "    chain %s handle %d: %.200s\n", m->c[t->chain].name, r->handle,
		r->text ? r->text : "");
}

static void trace_json(const struct pv_model *m, const struct pv_trace *t, FILE *out, bool last)
{
	if (!t)
		return;
	trace_json(m, t->up, out, false);
	fprintf(out, "{\"chain\":\"%s\",\"handle\":%d}%s", m->c[t->chain].name,
		m->c[t->chain].r[t->rule].handle, last ? "" : ",");
}

/* One concrete packet of box b: its lowest corner. */
static void witness(struct pctx *c, const struct pv_box *b, const struct pv_trace *t,
		    enum pv_verdict how, const char *why)
{
	char s[64], d[64];
	unsigned long long mac = (unsigned long long)b->d[PV_ETHSRC].lo;
	int fam = (int)b->d[PV_NFPROTO].lo;

	if (c->n_witness++ >= WITNESS_MAX)
		return;
	pv_addr_format(b->d[PV_SADDR].lo, fam, s, sizeof(s));
	pv_addr_format(b->d[PV_DADDR].lo, fam, d, sizeof(d));
	fprintf(c->out, c->json ? "%s{\"why\":\"%s\",\"iif\":\"%s\",\"oif\":\"%s\","
		"\"mac\":\"%02llx:%02llx:%02llx:%02llx:%02llx:%02llx\",\"saddr\":\"%s\","
		"\"daddr\":\"%s\",\"proto\":%u,\"dport\":%u,\"ct_state\":%u,\"ct_mark\":%u,"
		"\"via\":\"%s\",\"rules\":[" :
		"%switness: %s\n  iif %s oif %s ether saddr %02llx:%02llx:%02llx:%02llx:%02llx:%02llx"
		" %s -> %s proto %u dport %u ct state %u ct mark 0x%x (%s)\n  rules:\n",
		c->json && c->n_witness > 1 ? "," : "", why,
		c->dir == 2 ? "-" : c->m.ifname[(int)b->d[PV_IIF].lo],
		c->dir == 1 ? "(the gateway)" : c->m.ifname[(int)b->d[PV_OIF].lo],
		mac >> 40 & 0xff, mac >> 32 & 0xff, mac >> 24 & 0xff, mac >> 16 & 0xff,
		mac >> 8 & 0xff, mac & 0xff, s, d, (unsigned)b->d[PV_L4PROTO].lo,
		(unsigned)b->d[PV_DPORT].lo, (unsigned)b->d[PV_CTSTATE].lo,
		(unsigned)b->d[PV_CTMARK].lo, how == PV_V_QUEUE ? "queue: engine not read, open" :
		how == PV_V_XT ? "opaque xt target: possibly accepting" : "accept");
	if (c->json) {
		trace_json(&c->m, t, c->out, true);
		fputs("]}", c->out);
	} else {
		pv_trace_print(&c->m, t, c->out);
	}
}

/* Subtract every box of 'sub' (as intervals or whole boxes) from b; report what is left. */
static int leftover(struct pctx *c, const struct allowed *al, const struct pv_box *b,
		    const struct pv_hit *h, int zf, int zt, const char *why)
{
	struct pv_box *cur = malloc(sizeof(*cur)), *nx, parts[2 * PV_DIMS];
	size_t n = 1, i, k, nn, lo, hi;
	int j, np;

	if (!cur)
		return -ENOMEM;
	cur[0] = *b;
	al_range(al, zf, zt, b, &lo, &hi);
	for (i = lo; i < hi && n; i++) {
		if (!pv_box_meet(b, &al->b[al->ord[i]], &parts[0]))
			continue;
		c->work += n;
		if (c->work > PV_WORK_MAX)
			return free(cur), -E2BIG;
		nx = malloc(n * 2 * PV_DIMS * sizeof(*nx));
		if (!nx)
			return free(cur), -ENOMEM;
		for (k = 0, nn = 0; k < n; k++) {
			np = pv_box_minus(&cur[k], &al->b[al->ord[i]], parts);
			for (j = 0; j < np; j++)
				nx[nn++] = parts[j];
		}
		free(cur);
		cur = nx;
		n = nn;
	}
	for (k = 0; k < n; k++) {	/* a lazy set: only a piece that meets it is open */
		c->work += h->lz ? h->lz->n / 16 + 1 : 0;
		if (c->work > PV_WORK_MAX)
			return free(cur), -E2BIG;
		if (pv_lz_narrow(h->lz, h->lzk, &cur[k])) {
			witness(c, &cur[k], h->t, h->how, why);
			break;
		}
	}
	free(cur);
	return k < n ? 1 : 0;
}

static const char *pair_why(const struct pctx *c, int zf, int zt)
{
	enum zone_role f = zf >= 0 ? c->p->zones[zf].role : ZONE_OTHER;
	enum zone_role t = zt >= 0 ? c->p->zones[zt].role : ZONE_OTHER;

	if (zf < 0 || zt < 0)
		return "accepted on an interface of no zone";
	if (f == ZONE_MYNUMBER && t == ZONE_INTERNET)
		return "I2: a path from mynumber to internet";
	if ((f == ZONE_LGWAN && t == ZONE_INTERNET) || (f == ZONE_INTERNET && t == ZONE_LGWAN))
		return "I4: an lgwan/internet path the policy does not allow";
	return "a path the policy does not allow";
}

/* Each interface pair inside one accepted box, against the policy of its zone pair. */
static int check_hit(struct pctx *c, const struct pv_hit *h)
{
	struct pv_box b = h->b;
	pv_u128 i, o;
	int zf, zt, bad = 0, r;

	for (i = h->b.d[PV_IIF].lo; i <= h->b.d[PV_IIF].hi; i++)
		for (o = h->b.d[PV_OIF].lo; o <= h->b.d[PV_OIF].hi; o++) {
			b.d[PV_IIF].lo = b.d[PV_IIF].hi = i;
			b.d[PV_OIF].lo = b.d[PV_OIF].hi = o;
			zf = c->zone_of[(int)i];
			zt = c->zone_of[(int)o];
			c->reach[zf + 1][zt + 1]++;
			r = leftover(c, &c->al, &b, h, zf < 0 || zt < 0 ? -2 : zf, zt,
				     pair_why(c, zf, zt));
			if (r < 0)
				return r;
			bad |= r;
		}
	return bad;
}

/* An accepted class of the input (in) or output hook, interface by interface, against
 * what may reach the gateway or what it may reach. */
static int check_gw_hit(struct pctx *c, const struct pv_hit *h, bool in)
{
	enum pv_dim dim = in ? PV_IIF : PV_OIF;
	struct pv_box b = h->b;
	char why[160];
	pv_u128 i;
	int z, bad = 0, r;

	for (i = h->b.d[dim].lo; i <= h->b.d[dim].hi; i++) {
		b.d[dim].lo = b.d[dim].hi = i;
		z = c->zone_of[(int)i];
		c->reach_gw[in ? 0 : 1][z + 1]++;
		snprintf(why, sizeof(why), in ? "into the gateway from %s: not a management flow of "
			 "the policy" : "out of the gateway to %s: not a management flow of the "
			 "policy", zname(c, z));
		r = leftover(c, &c->al_gw, &b, h, in ? z : GW, in ? GW : z, why);
		if (r < 0)
			return r;
		bad |= r;
	}
	return bad;
}

static int wmark_add(struct pctx *c, struct pv_iv iv)
{
	if (c->n_wmark == c->cap_wmark) {
		size_t cap = c->cap_wmark ? 2 * c->cap_wmark : 64;
		struct pv_iv *n = realloc(c->wmark, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		c->wmark = n;
		c->cap_wmark = cap;
	}
	c->wmark[c->n_wmark++] = iv;
	return 0;
}

static int cmp_iv(const void *x, const void *y)
{
	const struct pv_iv *a = x, *b = y;

	return a->lo < b->lo ? -1 : a->lo > b->lo;
}

/* Sort the written marks and merge those that overlap or touch. */
static void wmark_merge(struct pctx *c)
{
	size_t i, m = 0;

	qsort(c->wmark, c->n_wmark, sizeof(*c->wmark), cmp_iv);
	for (i = 0; i < c->n_wmark; i++) {
		if (m && c->wmark[i].lo <= c->wmark[m - 1].hi + 1) {
			if (c->wmark[i].hi > c->wmark[m - 1].hi)
				c->wmark[m - 1].hi = c->wmark[i].hi;
			continue;
		}
		c->wmark[m++] = c->wmark[i];
	}
	c->n_wmark = m;
}

static int eval_new(struct pctx *c, enum pv_hook h, struct pv_result *res)
{
	static const int fams[2] = { AF_INET, AF_INET6 };
	struct pv_box start;
	int i, r = 0;

	for (i = 0; i < 2 && !r; i++) {
		pv_box_full(&c->m, &start, fams[i]);
		start.d[PV_CTSTATE].lo = start.d[PV_CTSTATE].hi = PV_CT_NEW;
		start.d[PV_CTMARK].hi = start.d[PV_MARK].hi = 0;
		r = pv_eval(&c->m, h, &start, res);
	}
	return r;
}

/* The ct marks accepted new flows leave (the engine writes mark & 0x3fffffff). */
static int mark_add(struct pctx *c, struct pv_iv iv)
{
	int r = wmark_add(c, iv);

	if (!r && iv.lo == iv.hi)
		r = wmark_add(c, (struct pv_iv){ iv.lo & 0x3fffffff, iv.lo & 0x3fffffff });
	return r;
}

/* The lazy set of h is a one-field set on the ct mark. */
static bool lz_mark(const struct pv_hit *h)
{
	return h->lz && h->lzk->n == 1 && h->lzk->d[0] == PV_CTMARK;
}

/* A concatenation with the ct mark: the marks of the elements that meet h (never the hull:
 * the written marks must not be over-approximated). */
static int marks_concat(struct pctx *c, const struct pv_hit *h)
{
	struct pv_box b;
	size_t i;
	int k, r = 0;

	for (i = 0; i < h->lz->n && !r; i++) {
		b = h->b;
		for (k = 0; k < h->lzk->n; k++) {
			const struct pv_iv *e = &h->lz->e[i].k[k];
			struct pv_iv *d = &b.d[h->lzk->d[k]];

			d->lo = e->lo > d->lo ? e->lo : d->lo;
			d->hi = e->hi < d->hi ? e->hi : d->hi;
			if (d->lo > d->hi)
				break;
		}
		if (k == h->lzk->n)
			r = mark_add(c, b.d[PV_CTMARK]);
	}
	return r;
}

/* The marks of one accepted class: with a lazy set on the ct mark, only its elements. */
static int marks_hit(struct pctx *c, const struct pv_hit *h)
{
	struct pv_iv iv = h->b.d[PV_CTMARK], e;
	size_t i;
	int r = 0;

	if (h->lz && !lz_mark(h)) {
		for (i = 0; i < (size_t)h->lzk->n; i++)
			if (h->lzk->d[i] == PV_CTMARK)
				return marks_concat(c, h);
	}
	if (!lz_mark(h))
		return mark_add(c, iv);
	for (i = pv_set_first(h->lz, iv.lo); i < h->lz->n && !r; i++) {
		e = h->lz->e[i].k[0];
		if (e.lo > iv.hi)
			break;
		e.lo = e.lo > iv.lo ? e.lo : iv.lo;
		e.hi = e.hi < iv.hi ? e.hi : iv.hi;
		r = mark_add(c, e);
	}
	return r;
}

static int marks_of(struct pctx *c, const struct pv_result *res)
{
	size_t i;
	int r = 0;

	for (i = 0; i < res->n && !r; i++)
		r = marks_hit(c, &res->h[i]);
	return r;
}

/* The hits of one hook checked against its allowed classes (forward: zone pairs; input,
 * output: the gateway's own). */
static int check_hits(struct pctx *c, const struct pv_result *res, int dir, int *bad)
{
	size_t i;
	int r = 0;

	c->dir = dir;
	for (i = 0; i < res->n && r >= 0; i++) {
		r = dir ? check_gw_hit(c, &res->h[i], dir == 1) : check_hit(c, &res->h[i]);
		if (r > 0)
			*bad = 1, r = 0;
	}
	c->dir = 0;
	return r;
}

/* New flows of both families through forward (zone pairs), input and output (the gateway's
 * own flows), each compared with the policy; their marks kept for the established check. */
static int prove_new(struct pctx *c, int *bad)
{
	struct pv_result res[3] = { { 0 } };
	static const enum pv_hook hooks[3] = { PV_H_FORWARD, PV_H_INPUT, PV_H_OUTPUT };
	int i, r = 0;

	for (i = 0; i < 3 && !r; i++) {
		res[i].work = c->work;
		r = eval_new(c, hooks[i], &res[i]);
		c->work = res[i].work;
		c->m.approx |= res[i].approx;
	}
	for (i = 0; i < 3 && !r; i++)
		r = marks_of(c, &res[i]);
	if (!r)
		wmark_merge(c);
	for (i = 0; i < 3 && r >= 0; i++)
		r = check_hits(c, &res[i], i, bad);
	for (i = 0; i < 3; i++)
		pv_result_free(&res[i]);
	return r;
}

/* One ct mark range [lo, hi] of h that no new-flow path writes: a dead id, or a witness. */
static int est_gap(struct pctx *c, const struct pv_hit *h, pv_u128 lo, pv_u128 hi)
{
	struct pv_box w = h->b;

	if (lo == hi && lo) {
		c->n_dead++;		/* a decision id no current path writes */
		return 0;
	}
	w.d[PV_CTMARK].lo = lo;
	w.d[PV_CTMARK].hi = hi;
	witness(c, &w, h->t, h->how,
		"established/related accepted with a ct mark no new-flow path writes");
	return 1;
}

/* The ct marks [at, end] of h outside the written ones (c->wmark, merged), gap by gap. */
static int est_range(struct pctx *c, const struct pv_hit *h, pv_u128 at, pv_u128 end)
{
	size_t l = 0, r = c->n_wmark, m;

	while (l < r) {		/* the first written range that ends at or after 'at' */
		m = (l + r) / 2;
		if (c->wmark[m].hi < at)
			l = m + 1;
		else
			r = m;
	}
	for (; l < c->n_wmark && at <= end; l++) {
		if (c->wmark[l].lo > end)
			break;
		if (c->wmark[l].lo > at && est_gap(c, h, at, c->wmark[l].lo - 1))
			return 1;
		if (c->wmark[l].hi >= end)
			return 0;
		at = c->wmark[l].hi + 1;
	}
	return at <= end ? est_gap(c, h, at, end) : 0;
}

/* An accepted established class: with a lazy set on the ct mark, element by element; the
 * same lazy class as the last clean one (another host through the same rules) is clean. */
static int est_hit(struct pctx *c, const struct pv_hit *h)
{
	struct pv_iv iv = h->b.d[PV_CTMARK], e;
	unsigned long dead = c->n_dead;
	size_t i;
	int r = 0;

	if (!lz_mark(h))		/* another lazy set: its hull, more than it accepts */
		return est_range(c, h, iv.lo, iv.hi);
	if (c->memo.lz == h->lz && c->memo.b.d[PV_CTMARK].lo == iv.lo &&
	    c->memo.b.d[PV_CTMARK].hi == iv.hi)
		return c->n_dead += c->memo_dead, 0;
	for (i = pv_set_first(h->lz, iv.lo); i < h->lz->n && !r; i++) {
		e = h->lz->e[i].k[0];
		if (e.lo > iv.hi)
			break;
		if (++c->work > PV_WORK_MAX)
			return -E2BIG;
		r = est_range(c, h, e.lo > iv.lo ? e.lo : iv.lo, e.hi < iv.hi ? e.hi : iv.hi);
	}
	if (!r) {
		c->memo = *h;
		c->memo_dead = c->n_dead - dead;
	}
	return r;
}

static int prove_est(struct pctx *c, int *bad)
{
	struct pv_result res = { 0 };
	struct pv_box start;
	size_t i;
	static const int fams[2] = { AF_INET, AF_INET6 };
	int f, st, r = 0;

	res.work = c->work;
	for (f = 0; f < 2 && !r; f++)
		for (st = PV_CT_ESTABLISHED; st <= PV_CT_RELATED && !r; st *= 2) {
			pv_box_full(&c->m, &start, fams[f]);
			start.d[PV_CTSTATE].lo = start.d[PV_CTSTATE].hi = (pv_u128)st;
			start.d[PV_MARK].hi = 0;
			r = pv_eval(&c->m, PV_H_FORWARD, &start, &res);
		}
	c->work = res.work;
	c->m.approx |= res.approx;
	for (i = 0; i < res.n && r >= 0; i++) {
		r = est_hit(c, &res.h[i]);
		if (r > 0)
			*bad = 1, r = 0;
	}
	pv_result_free(&res);
	return r;
}

static void matrix(struct pctx *c)
{
	int i, j, first = 1;

	fputs(c->json ? "\"matrix\":[" : "reachability from the kernel (accepted classes per zone pair):\n",
	      c->out);
	for (i = 0; i <= c->p->n_zones; i++)
		for (j = 0; j <= c->p->n_zones; j++) {
			if (!c->reach[i][j])
				continue;
			fprintf(c->out, c->json ? "%s{\"from\":\"%s\",\"to\":\"%s\",\"classes\":%lu}" :
				"%s  %s -> %s: %lu\n", c->json && !first ? "," : "",
				zname(c, i - 1), zname(c, j - 1), c->reach[i][j]);
			first = 0;
		}
	for (i = 0; i < 2; i++)
		for (j = 0; j <= c->p->n_zones; j++) {
			if (!c->reach_gw[i][j])
				continue;
			fprintf(c->out, c->json ? "%s{\"from\":\"%s\",\"to\":\"%s\",\"classes\":%lu}" :
				"%s  %s -> %s: %lu\n", c->json && !first ? "," : "",
				i ? "(gateway)" : zname(c, j - 1), i ? zname(c, j - 1) : "(gateway)",
				c->reach_gw[i][j]);
			first = 0;
		}
	fputs(c->json ? "]," : "", c->out);
}

static int prove_run(struct pctx *c, const char *json_text, int *bad)
{
	size_t len = strlen(json_text);
	int r = zones_load(c);

	if (!r && len > PV_JSON_MAX) {	/* the parsed tree takes ~15 times the text */
		snprintf(c->m.why, sizeof(c->m.why), "the ruleset is too large for the proof's "
			 "budget (%zu bytes of JSON, at most %lu)", len, (unsigned long)PV_JSON_MAX);
		return -E2BIG;
	}
	if (!r)
		r = pv_json_load(&c->m, json_text);
	if (r < 0)
		return r;
	pv_model_seal(&c->m);
	r = allowed_build(c) ?: al_index(&c->al) ?: allowed_gw_build(c) ?: al_index(&c->al_gw);
	if (c->json && !r)
		fputs("{\"witnesses\":[", c->out);
	if (!r)
		r = prove_new(c, bad);
	if (!r)
		r = prove_est(c, bad);
	if (c->json && !r)
		fputs("],", c->out);
	return r;
}

int pv_prove(const struct policy *p, const char *json_text, FILE *out, bool json,
	     char *why, size_t whylen)
{
	struct pctx *c = calloc(1, sizeof(*c));
	int bad = 0, r;

	if (!c)
		return -ENOMEM;
	c->p = p;
	c->out = out;
	c->json = json;
	pv_model_init(&c->m);
	r = prove_run(c, json_text, &bad);
	if (r == -E2BIG && c->work > PV_WORK_MAX)
		snprintf(c->m.why, sizeof(c->m.why), "the ruleset is too large for the proof's "
			 "budget (%lu boxes)", c->work);
	if (r < 0) {
		snprintf(why, whylen, "%s", c->m.why[0] ? c->m.why : strerror(-r));
		goto out;
	}
	matrix(c);
	fprintf(out, c->json ? "\"dead_live_ids\":%lu," :
		"established flows accepted for decision ids no new-flow path writes: %lu (note)\n",
		c->n_dead);
	fprintf(out, c->json ? "\"queue\":\"open\",\"opaque_xt\":%s,\"approximate\":%s,"
		"\"witnesses_total\":%d,\"result\":\"%s\"}\n" :
		"queue: counted as accepting (the engine's tables are not read)\n"
		"opaque xt target seen: %s (counted as possibly accepting)\napproximate: %s\n"
		"witnesses: %d\nresult: %s\n", c->m.opaque ? "true" : "false",
		c->m.approx ? (c->json ? "true" : "true (over-approximated toward accepting: a "
			       "masked match on a range, or a big set whose miss was kept whole; "
			       "a witness may be a false alarm, a proof stands)") : "false",
		c->n_witness, bad ? "violation" : "proven");
	r = bad;
out:
	pv_model_free(&c->m);
	free(c->al.b);
	free(c->al.from);
	free(c->al.to);
	free(c->al.ord);
	free(c->al.smax);
	free(c->al_gw.b);
	free(c->al_gw.from);
	free(c->al_gw.to);
	free(c->al_gw.ord);
	free(c->al_gw.smax);
	free(c->wmark);
	free(c);
	return r;
}
