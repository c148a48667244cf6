/* SPDX-License-Identifier: GPL-2.0-only */
/* explain.c: would this packet pass, and why? Answered from the validated policy the
 * running generation was compiled from: the zones of both ends, the flow, exception or
 * breakout service that allows it (with its approval and source line), or the reason it is
 * refused. Pure: writes to a stdio stream only. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "explain.h"

#define EP_PFX_MAX 4096

static bool in_prefix(const struct prefix *pf, uint8_t family, const uint8_t *a)
{
	uint8_t lo[16], hi[16];
	int alen = family == AF_INET ? 4 : 16;

	if (pf->family != family)
		return false;
	policy_prefix_range(pf, lo, hi);
	return memcmp(a, lo, (size_t)alen) >= 0 && memcmp(a, hi, (size_t)alen) <= 0;
}

static bool ep_has(const struct policy *p, const struct endpoint *ep, uint8_t family,
		   const uint8_t *a, struct prefix *buf)
{
	int n = policy_ep_prefixes(p, ep, family, buf, EP_PFX_MAX), i;

	for (i = 0; i < n && i < EP_PFX_MAX; i++) {
		if (in_prefix(&buf[i], family, a))
			return true;
	}
	return false;
}

/* The zone of an address: a host's zone, else the zone whose networks hold it, else the
 * "any" zone. -1 when none. */
static int zone_of(const struct policy *p, uint8_t family, const uint8_t *a, struct prefix *buf,
		   const char **host)
{
	struct endpoint ep = { .kind = EP_HOST };
	int i, any = -1;

	*host = NULL;
	for (i = 0; i < p->n_hosts; i++) {
		ep.idx = i;
		if (ep_has(p, &ep, family, a, buf)) {
			*host = p->hosts[i].name;
			return p->hosts[i].zone;
		}
	}
	ep.kind = EP_ZONE;
	for (i = 0; i < p->n_zones; i++) {
		if (p->zones[i].any) {
			any = i;
			continue;
		}
		ep.idx = i;
		if (ep_has(p, &ep, family, a, buf))
			return i;
	}
	return any;
}

static bool port_ok(const struct port_range *r, int n, uint16_t port)
{
	int i;

	if (!n)
		return true;
	for (i = 0; i < n; i++) {
		if (port >= r[i].lo && port <= r[i].hi)
			return true;
	}
	return false;
}

static bool proto_ok(uint8_t want, uint8_t got, uint8_t family)
{
	return policy_proto_matches(want, family, got);
}

static int explain_flows(const struct policy *p, const struct explain_q *q, struct prefix *buf,
			 FILE *out)
{
	int i, n = 0;

	for (i = 0; i < p->n_flows; i++) {
		const struct flow *f = &p->flows[i];

		if (f->cls == FLOW_MANAGEMENT || !proto_ok(f->proto, q->proto, q->family) ||
		    !port_ok(f->ports, f->n_ports, q->port) ||
		    !ep_has(p, &f->from, q->family, q->src, buf) ||
		    !ep_has(p, &f->to, q->family, q->dst, buf))
			continue;
		fprintf(out, "allowed: flow '%s' (%s%s%s), approval %s, purpose \"%s\", %s:%d\n",
			f->name, policy_class_name(f->cls), f->method ? ", " : "",
			f->method ? policy_method_name(f->method) : "", f->approval,
			f->purpose ? f->purpose : "", p->file, f->loc.line);
		fprintf(out, "         new connections decided by the %s\n",
			f->verdict == VERDICT_ENGINE ?
			"verdict engine (MAC + IP + port re-checked)" : "kernel (set lookup)");
		n++;
	}
	for (i = 0; i < p->n_exceptions; i++) {
		const struct exception *x = &p->exceptions[i];

		if (x->expired || !proto_ok(x->proto, q->proto, q->family) ||
		    !port_ok(x->ports, x->n_ports, q->port) ||
		    !ep_has(p, &x->from, q->family, q->src, buf) ||
		    !ep_has(p, &x->to, q->family, q->dst, buf))
			continue;
		fprintf(out, "allowed: exception '%s' until %s (requested by %s, approved by %s): %s\n",
			x->id, x->expires_text ? x->expires_text : "?", x->requested_by,
			x->approved_by, x->reason ? x->reason : "");
		n++;
	}
	return n;
}

static int explain_breakout(const struct policy *p, const struct explain_q *q, int zs, int zd,
			    struct prefix *buf, FILE *out)
{
	const struct breakout *b = &p->breakout;
	bool from = false;
	int i, j, n = 0;

	for (i = 0; i < b->n_from; i++) {
		struct endpoint ep = { .kind = EP_GROUP, .idx = b->from_group ? b->from_group[i] : -1 };

		from |= b->from[i] == zs || (ep.idx >= 0 && ep_has(p, &ep, q->family, q->src, buf));
	}
	if (!from || zd < 0 || p->zones[zd].role != ZONE_INTERNET || q->proto != 6)
		return 0;
	for (i = 0; i < b->n_services; i++) {
		const struct service *sv = &b->services[i];
		bool listed = false;

		if (!port_ok(sv->ports, sv->n_ports, q->port))
			continue;
		for (j = 0; j < sv->n_prefixes; j++)
			listed |= in_prefix(&sv->prefixes[j], q->family, q->dst);
		if (sv->disabled) {
			fprintf(out, "refused: breakout service '%s' is disabled or revoked\n", sv->name);
			continue;
		}
		if (sv->match == MATCH_IP && !listed)
			continue;
		fprintf(out, "%s: breakout service '%s' (ISMAP %s, approval %s, match %s)%s\n",
			sv->match == MATCH_IP ? "allowed" : "allowed if the name matches",
			sv->name, sv->ismap[0] ? sv->ismap : "-", sv->approval,
			policy_match_name(sv->match),
			sv->match == MATCH_DNS_SNI ? (listed ? ": the address is listed" :
						     ": the address must have been learned from DNS") : "");
		for (j = 0; sv->match != MATCH_IP && j < sv->n_fqdns; j++)
			fprintf(out, "         name %s\n", sv->fqdns[j]);
		n++;
	}
	return n;
}

int explain(const struct policy *p, const struct explain_q *q, const char *const *isolated,
	    int n_isolated, FILE *out)
{
	struct prefix *buf = calloc(EP_PFX_MAX, sizeof(*buf));
	const char *hs, *hd;
	int zs, zd, i, n;

	if (!buf)
		return -ENOMEM;
	zs = zone_of(p, q->family, q->src, buf, &hs);
	zd = zone_of(p, q->family, q->dst, buf, &hd);
	fprintf(out, "from: %s%s%s (zone %s)\nto:   %s%s%s (zone %s)\n", hs ? "host " : "",
		hs ? hs : "", hs ? "" : "address", zs >= 0 ? p->zones[zs].id : "none",
		hd ? "host " : "", hd ? hd : "", hd ? "" : "address",
		zd >= 0 ? p->zones[zd].id : "none");
	for (i = 0; i < n_isolated; i++) {
		if ((hs && !strcmp(isolated[i], hs)) || (hd && !strcmp(isolated[i], hd)) ||
		    (zs >= 0 && policy_zone_find(p, isolated[i]) == zs) ||
		    (zd >= 0 && policy_zone_find(p, isolated[i]) == zd)) {
			fprintf(out, "refused: '%s' is isolated (sansoctl isolate)\n", isolated[i]);
			free(buf);
			return 0;
		}
	}
	n = explain_flows(p, q, buf, out) + explain_breakout(p, q, zs, zd, buf, out);
	if (!n && zs >= 0 && zd >= 0) {
		bool i2 = (p->zones[zs].role == ZONE_MYNUMBER && p->zones[zd].role == ZONE_INTERNET) ||
			  (p->zones[zs].role == ZONE_INTERNET && p->zones[zd].role == ZONE_MYNUMBER);

		fprintf(out, "refused: %s\n", i2 ?
			"I2: nothing crosses between the My Number zone and the Internet zone" :
			"no flow, exception or breakout service allows it (default drop)");
		fprintf(out, "         counted in chain fwd_%s_%s, logged as \"sanso drop %s>%s\"\n",
			p->zones[zs].id, p->zones[zd].id, p->zones[zs].id, p->zones[zd].id);
	} else if (!n) {
		fprintf(out, "refused: an address outside every zone (anti-spoof or no zone pair)\n");
	}
	free(buf);
	return n;
}
