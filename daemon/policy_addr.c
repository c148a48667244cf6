/* SPDX-License-Identifier: GPL-2.0-only */
/* policy_addr.c: the addresses an endpoint stands for, as prefixes or inclusive ranges.
 * Shared by compile.c and engine.c. Pure. */
#include <errno.h>
#include <string.h>

#include "policy.h"

static int put(struct prefix *out, int max, int n, const struct prefix *pf)
{
	if (n < max)
		out[n] = *pf;
	return n + 1;
}

static int host_prefix(const struct host *h, int family, struct prefix *pf)
{
	memset(pf, 0, sizeof(*pf));
	pf->family = (uint8_t)family;
	if (family == AF_INET && h->has4) {
		pf->len = 32;
		memcpy(pf->addr, h->ip4, 4);
		return 1;
	}
	if (family == AF_INET6 && h->has6) {
		pf->len = 128;
		memcpy(pf->addr, h->ip6, 16);
		return 1;
	}
	return 0;
}

static int zone_prefixes(const struct policy *p, int z, int family, struct prefix *out, int max)
{
	struct prefix any = { .family = (uint8_t)family };
	int n = 0, i, j;

	if (p->zones[z].any)
		return put(out, max, 0, &any);
	for (i = 0; i < p->zones[z].n_nets; i++) {
		if (p->zones[z].nets[i].family == family)
			n = put(out, max, n, &p->zones[z].nets[i]);
	}
	for (i = 0; i < p->n_segments; i++) {
		if (p->segments[i].zone != z)
			continue;
		for (j = 0; j < p->segments[i].n_nets; j++) {
			if (p->segments[i].nets[j].family == family)
				n = put(out, max, n, &p->segments[i].nets[j]);
		}
	}
	return n;
}

int policy_ep_prefixes(const struct policy *p, const struct endpoint *ep, int family,
		       struct prefix *out, int max)
{
	const struct group *g;
	struct prefix pf;
	int n = 0, i;

	switch (ep->kind) {
	case EP_HOST:
		if (host_prefix(&p->hosts[ep->idx], family, &pf))
			n = put(out, max, n, &pf);
		return n;
	case EP_GROUP:
		g = &p->groups[ep->idx];
		for (i = 0; i < g->n_members; i++) {
			if (g->members[i].kind == MEMBER_HOST) {
				if (host_prefix(&p->hosts[g->members[i].host], family, &pf))
					n = put(out, max, n, &pf);
			} else if (g->members[i].pfx.family == family) {
				n = put(out, max, n, &g->members[i].pfx);
			}
		}
		return n;
	case EP_ZONE:
		return zone_prefixes(p, ep->idx, family, out, max);
	case EP_GATEWAY:
		return 0;
	default:
		return -EINVAL;
	}
}

void policy_prefix_range(const struct prefix *pf, uint8_t lo[16], uint8_t hi[16])
{
	int alen = pf->family == AF_INET ? 4 : 16, i, bits;

	memset(lo, 0, 16);
	memset(hi, 0, 16);
	memcpy(lo, pf->addr, (size_t)alen);
	memcpy(hi, pf->addr, (size_t)alen);
	for (i = 0; i < alen; i++) {
		bits = (int)pf->len - i * 8;
		if (bits < 8)
			hi[i] |= (uint8_t)(bits <= 0 ? 0xff : 0xff >> bits);
	}
}
