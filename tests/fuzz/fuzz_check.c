/* SPDX-License-Identifier: GPL-2.0-only */
/* fuzz_check.c: the checker and the compiler on policies built directly from the input bytes,
 * without libconfig (fuzz_conf covers the text). The bytes are a compact decoding of a policy:
 * counts, then zones, segments, hosts, groups, flows, exceptions, breakout and engine, every
 * name, address, port and time picked from small tables so that references resolve, zones
 * overlap or not, and the invariants hold or fail. Missing bytes read as 0; an all-zero input
 * is a plain three-tier policy. What conf.c guarantees (names NUL-terminated, ports 1-65535
 * with lo <= hi, required names set) holds for every decoded policy.
 * Oracle, for every policy the checker accepts and the compiler compiles: no compiled element
 * joins a mynumber address with an internet address (I2), and no map of the zone pair
 * mynumber/internet holds an element. Seeds: tests/fuzz/corpus/check/. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile.h"
#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NOW	1790000000

struct in {
	const uint8_t *p;
	size_t n;
};

static unsigned int rd(struct in *in)
{
	if (!in->n)
		return 0;
	in->n--;
	return *in->p++;
}

/* A value below n; a table entry. */
#define PICK(in, tab) ((tab)[rd(in) % (sizeof(tab) / sizeof((tab)[0]))])

static const char *const zone_ids[] = { "mynumber", "lgwan", "internet", "dmz", "cloud" };
/* Names as written: ids, aliases (policy_zone_canon), hosts, groups, the gateway, unknown. */
static const char *const refs[] = {
	"h0", "h1", "mynumber", "lgwan", "internet", "dmz", "h2", "h3", "g0", "g1", "gateway",
	"cloud", "h4", "h5", "g2", "マイナンバー利用事務系", "LGWAN接続系", "インターネット接続系",
	"nope", "h6", "h7", "g3"
};
/* Zone references (hosts, segments). */
static const char *const zrefs[] = {
	"mynumber", "lgwan", "internet", "dmz", "cloud", "マイナンバー利用事務系", "LGWAN接続系",
	"インターネット接続系", "nope"
};
/* Group members that name hosts. */
static const char *const hrefs[] = { "h0", "h1", "h2", "h3", "h4", "h5", "h6", "h7", "x", "g0" };
static const char *const ifnames[] = { "mn0", "lg0", "in0", "dmz0", "cl0", "lg1", "mn1" };

struct pfx_spec {
	uint8_t family, len;
	uint8_t a[16];
};

static const struct pfx_spec nets[] = {
	{ AF_INET, 24, { 10, 10, 0, 0 } }, { AF_INET, 24, { 10, 20, 0, 0 } },
	{ AF_INET, 24, { 10, 30, 0, 0 } }, { AF_INET, 24, { 192, 168, 1, 0 } },
	{ AF_INET, 16, { 10, 10, 0, 0 } }, { AF_INET, 25, { 10, 20, 0, 128 } },
	{ AF_INET6, 64, { 0xfd, 0x10 } }, { AF_INET6, 64, { 0xfd, 0x20 } },
	{ AF_INET, 32, { 10, 30, 1, 5 } }, { AF_INET, 0, { 0 } }, { AF_INET, 24, { 10, 40, 0, 0 } },
	{ AF_INET, 24, { 8, 8, 8, 0 } }, { AF_INET6, 128, { 0xfd, 0x10, [15] = 5 } },
	{ AF_INET, 32, { 10, 10, 0, 5 } }, { AF_INET, 32, { 10, 20, 0, 53 } },
	{ AF_INET, 32, { 8, 8, 4, 4 } }, { AF_INET, 24, { 203, 0, 113, 0 } },
};
/* Host addresses: inside the nets above, on their edges, or outside all of them. */
static const uint8_t ip4s[][4] = {
	{ 10, 10, 0, 5 }, { 10, 20, 0, 9 }, { 10, 30, 0, 7 }, { 192, 168, 1, 3 }, { 8, 8, 8, 8 },
	{ 10, 20, 0, 200 }, { 10, 10, 0, 255 }, { 10, 40, 0, 1 }, { 10, 10, 0, 6 },
};
static const uint8_t ip6_tail[] = { 5, 6, 9, 0 };
static const uint8_t ip6_net[][2] = { { 0xfd, 0x10 }, { 0xfd, 0x20 }, { 0x20, 0x01 } };
static const struct port_range ports[] = {
	{ 443, 443 }, { 80, 80 }, { 53, 53 }, { 1000, 2000 }, { 1, 65535 }, { 8443, 8443 },
	{ 443, 443 }, { 25, 25 }, { 1500, 1600 },
};
static const uint8_t protos[] = { 6, 17, 1, 6, 58, 0, 132, 47, 33 };
static const char *const people[] = { "alice", "bob", "", "Alice" };
static const int64_t expiry[] = { NOW + 3600, NOW - 60, NOW + 400LL * 86400, NOW + 86400, 0 };
static const char *const fqdns[] = {
	"*.allowed.example", "sni.example", "update.example.com", "*.example", "a.b.example"
};
static const char *const fail_open[] = {
	"lgwan>internet", "mynumber>lgwan", "dmz>lgwan", "lgwan>mynumber", "internet>dmz",
	"nope>lgwan"
};

/* An arena array of n elements (at least one, so pointers are never NULL). */
static void *arr(struct policy *p, int n, size_t sz)
{
	void *r = policy_alloc(p, (size_t)(n ? n : 1) * sz);

	if (!r)
		abort();
	return r;
}

static char *dup(struct policy *p, const char *s)
{
	char *r = policy_strdup(p, s);

	if (!r)
		abort();
	return r;
}

static void name(char *dst, const char *fmt, int i)
{
	snprintf(dst, POLICY_NAME_MAX, fmt, i);
}

static void pfx_get(struct in *in, struct prefix *x)
{
	const struct pfx_spec *s = &PICK(in, nets);

	memset(x, 0, sizeof(*x));
	x->family = s->family;
	x->len = s->len;
	memcpy(x->addr, s->a, 16);
}

static struct prefix *pfx_list(struct in *in, struct policy *p, int max, int *n)
{
	struct prefix *v;
	int i;

	*n = (int)(rd(in) % (unsigned int)(max + 1));
	v = arr(p, *n, sizeof(*v));
	for (i = 0; i < *n; i++)
		pfx_get(in, &v[i]);
	return v;
}

/* One port by default; up to three, or none. */
static struct port_range *port_list(struct in *in, struct policy *p, int *n)
{
	struct port_range *v;
	int i;

	*n = (int)((rd(in) + 1) % 4);
	v = arr(p, *n, sizeof(*v));
	for (i = 0; i < *n; i++)
		v[i] = PICK(in, ports);
	return v;
}

static void zones(struct in *in, struct policy *p)
{
	int i, k;

	static const int counts[] = { 3, 4, 5, 2, 3 };

	p->n_zones = PICK(in, counts);
	p->zones = arr(p, p->n_zones, sizeof(*p->zones));
	for (i = 0; i < p->n_zones; i++) {
		struct zone *z = &p->zones[i];
		unsigned int b = rd(in);
		const char *id = zone_ids[(i + (b & 7)) % 5];

		snprintf(z->id, sizeof(z->id), "%s", id);
		z->role = policy_zone_role(id);
		z->loc.line = 10 + i;
		z->n_ifaces = 1 + (int)((b >> 3) & 1);
		for (k = 0; k < z->n_ifaces; k++)
			snprintf(z->ifaces[k], POLICY_IFNAME_MAX, "%s",
				 ifnames[(i + k * 5 + (b >> 4)) % 7]);
		if ((b & 0xc0) == 0 && z->role == ZONE_INTERNET) {
			z->any = true;		/* the default: internet is "any" */
			continue;
		}
		if ((b & 0xc0) == 0x40) {
			z->any = true;
			continue;
		}
		if ((b & 0xc0) == 0) {		/* default: the zone's own net */
			z->nets = arr(p, 1, sizeof(*z->nets));
			z->n_nets = 1;
			memset(z->nets, 0, sizeof(*z->nets));
			z->nets[0].family = AF_INET;
			z->nets[0].len = 24;
			z->nets[0].addr[0] = 10;
			z->nets[0].addr[1] = (uint8_t)(10 * (i + 1));
			continue;
		}
		z->nets = pfx_list(in, p, 3, &z->n_nets);
	}
}

static void segments(struct in *in, struct policy *p, int n)
{
	int i;

	p->n_segments = n;
	p->segments = arr(p, n, sizeof(*p->segments));
	for (i = 0; i < n; i++) {
		struct segment *s = &p->segments[i];

		name(s->name, "s%d", i);
		s->zone = -1;
		s->zone_name = dup(p, PICK(in, zrefs));
		s->link = (enum link_type)(rd(in) % LINK_MAX);
		snprintf(s->iface, sizeof(s->iface), "%s", PICK(in, ifnames));
		s->nets = pfx_list(in, p, 2, &s->n_nets);
		s->loc.line = 20 + i;
	}
}

static void hosts(struct in *in, struct policy *p, int n)
{
	int i;

	p->n_hosts = n;
	p->hosts = arr(p, n, sizeof(*p->hosts));
	for (i = 0; i < n; i++) {
		struct host *h = &p->hosts[i];
		unsigned int b = rd(in);

		name(h->name, "h%d", i);
		h->zone = -1;
		h->zone_name = dup(p, zrefs[(rd(in) + (unsigned int)i) % (sizeof(zrefs) / sizeof(*zrefs))]);
		h->has_mac = !(b & 2);
		h->mac[0] = 2;
		h->mac[5] = (uint8_t)(b & 4 ? 1 : i);
		h->has4 = !(b & 8);
		memcpy(h->ip4, ip4s[(rd(in) + (unsigned int)i) % (sizeof(ip4s) / sizeof(*ip4s))], 4);
		h->has6 = b & 16;
		if (h->has6) {
			memcpy(h->ip6, PICK(in, ip6_net), 2);
			h->ip6[15] = PICK(in, ip6_tail);
		}
		h->internet_connected = (int)((b >> 5) % 3) - 1;
		h->loc.line = 30 + i;
	}
}

static void groups(struct in *in, struct policy *p, int n)
{
	int i, k;

	p->n_groups = n;
	p->groups = arr(p, n, sizeof(*p->groups));
	for (i = 0; i < n; i++) {
		struct group *g = &p->groups[i];

		name(g->name, "g%d", i);
		g->zone = -1;
		g->n_members = 1 + (int)(rd(in) % 3);
		g->members = arr(p, g->n_members, sizeof(*g->members));
		for (k = 0; k < g->n_members; k++) {
			struct member *m = &g->members[k];
			unsigned int b = rd(in);

			m->host = -1;
			if (b & 1) {
				m->kind = MEMBER_PREFIX;
				pfx_get(in, &m->pfx);
			} else {
				m->kind = MEMBER_HOST;
				m->name = dup(p, hrefs[(b >> 1) % (sizeof(hrefs) / sizeof(*hrefs))]);
			}
		}
		g->loc.line = 40 + i;
	}
}

/* Endpoint k of a flow: by default, from h0 to h1. */
static void endpoint(struct in *in, struct policy *p, struct endpoint *ep, unsigned int k)
{
	ep->name = dup(p, refs[(rd(in) + k) % (sizeof(refs) / sizeof(*refs))]);
	ep->idx = ep->zone = -1;
}

static void flows(struct in *in, struct policy *p, int n)
{
	int i;

	p->n_flows = n;
	p->flows = arr(p, n, sizeof(*p->flows));
	for (i = 0; i < n; i++) {
		struct flow *f = &p->flows[i];
		unsigned int b = rd(in);

		name(f->name, "f%d", i % 6);		/* duplicates now and then */
		f->cls = (enum flow_class)((rd(in) + FLOW_PUBLIC_VIA_LGWAN) % FLOW_CLASS_MAX);
		if (f->cls == FLOW_SANITISED_RELAY)
			f->method = (enum relay_method)(b & 1 ? 0 : 1 + rd(in) % 3);
		endpoint(in, p, &f->from, 0);
		endpoint(in, p, &f->to, 1);
		f->proto = PICK(in, protos);
		f->ports = port_list(in, p, &f->n_ports);
		if (!(b & 2))
			snprintf(f->approval, sizeof(f->approval), "AP-%d", i);
		if (!(b & 4))
			f->purpose = dup(p, "p");
		if (b & 8)
			f->authority = dup(p, "J-LIS");
		f->verdict = (enum flow_verdict)((b >> 4) % (VERDICT_MAX + 1));
		f->loc.line = 50 + i;
	}
}

static void exceptions(struct in *in, struct policy *p, int n)
{
	int i;

	p->n_exceptions = n;
	p->exceptions = arr(p, n, sizeof(*p->exceptions));
	for (i = 0; i < n; i++) {
		struct exception *e = &p->exceptions[i];
		unsigned int b = rd(in);

		name(e->id, "EX-%d", i % 3);
		endpoint(in, p, &e->from, 0);
		endpoint(in, p, &e->to, 1);
		e->proto = PICK(in, protos);
		e->ports = port_list(in, p, &e->n_ports);
		if (!(b & 1))
			e->reason = dup(p, "r");
		snprintf(e->requested_by, sizeof(e->requested_by), "%s", people[(b >> 1) & 3]);
		snprintf(e->approved_by, sizeof(e->approved_by), "%s", people[((b >> 3) & 3) ^ 1]);
		e->expires = PICK(in, expiry);
		e->expires_text = dup(p, "2026-01-01T00:00:00+09:00");
		e->loc.line = 60 + i;
	}
}

static void services(struct in *in, struct policy *p, struct breakout *bo, int n)
{
	int i, k;

	bo->n_services = n;
	bo->services = arr(p, n, sizeof(*bo->services));
	for (i = 0; i < n; i++) {
		struct service *s = &bo->services[i];
		unsigned int b = rd(in);

		name(s->name, "svc%d", i);
		s->type = (enum svc_type)(b & 1);
		if (!(b & 2))
			snprintf(s->ismap, sizeof(s->ismap), "C%d", i);
		s->ismap_valid_until = b & 4 ? 0 : PICK(in, expiry);
		if (s->ismap_valid_until)
			s->ismap_valid_text = dup(p, "2026-01-01");
		s->n_fqdns = (int)(rd(in) % 3);
		s->fqdns = arr(p, s->n_fqdns, sizeof(*s->fqdns));
		for (k = 0; k < s->n_fqdns; k++)
			s->fqdns[k] = dup(p, PICK(in, fqdns));
		s->prefixes = pfx_list(in, p, 2, &s->n_prefixes);
		s->ports = port_list(in, p, &s->n_ports);
		s->match = (enum svc_match)((b >> 3) % MATCH_MAX);
		if (!(b & 32))
			snprintf(s->approval, sizeof(s->approval), "AP-S%d", i);
		s->handles_admin_docs = (int)((b >> 6) % 3) - 1;
		s->tls_required = b & 0x80;
		s->loc.line = 80 + i;
	}
}

static void breakout(struct in *in, struct policy *p, int n)
{
	struct breakout *bo = &p->breakout;
	unsigned int b;
	int i;

	if (!n)
		return;
	bo->n_from = 1 + (int)(rd(in) % 2);
	bo->from_names = arr(p, bo->n_from, sizeof(*bo->from_names));
	bo->from = arr(p, bo->n_from, sizeof(*bo->from));
	bo->from_group = arr(p, bo->n_from, sizeof(*bo->from_group));
	for (i = 0; i < bo->n_from; i++) {
		bo->from_names[i] = dup(p, PICK(in, refs));
		bo->from[i] = bo->from_group[i] = -1;
	}
	bo->resolvers = pfx_list(in, p, 2, &bo->n_resolvers);
	bo->upstreams = pfx_list(in, p, 2, &bo->n_upstreams);
	b = rd(in);
	if (b & 1)
		bo->dns_floor = (int)rd(in) * 4;
	if (b & 2)
		bo->dns_grace = (int)rd(in) - 8;
	if (b & 4)
		bo->dns_max = (int)rd(in) << 12;
	bo->ech = (enum ech_policy)((b >> 3) % (ECH_MAX + 1));
	bo->loc.line = 70;
	services(in, p, bo, n);
}

static void engine(struct in *in, struct policy *p)
{
	struct engine_conf *e = &p->engine;
	unsigned int b = rd(in);
	int i;

	if (b & 1)
		e->queues = 1 + (int)(rd(in) % ENGINE_QUEUES_MAX);
	if (b & 2)
		e->queue_base = (int)(rd(in) << 8);
	e->n_fail_open = (int)((b >> 2) % 3);
	e->fail_open = arr(p, e->n_fail_open, sizeof(*e->fail_open));
	e->fail_open_from = arr(p, e->n_fail_open, sizeof(int));
	e->fail_open_to = arr(p, e->n_fail_open, sizeof(int));
	for (i = 0; i < e->n_fail_open; i++) {
		e->fail_open[i] = dup(p, PICK(in, fail_open));
		e->fail_open_from[i] = e->fail_open_to[i] = -1;
	}
}

static struct policy *decode(struct in *in)
{
	struct policy *p = policy_new("fuzz.conf");
	unsigned int c1, c2;

	if (!p)
		abort();
	p->organisation = dup(p, "f");
	c1 = rd(in);
	c2 = rd(in);
	p->model = (enum policy_model)((c1 & 3) % (MODEL_MAX + 1));
	zones(in, p);
	segments(in, p, (int)((c1 >> 2) % 3));
	hosts(in, p, 2 + (int)((c1 >> 4) % 7));
	groups(in, p, (int)(c2 & 3));
	flows(in, p, 1 + (int)((c2 >> 2) & 7));
	exceptions(in, p, (int)((c2 >> 5) & 3));
	breakout(in, p, (int)((c1 >> 7) + (c2 >> 7)));
	engine(in, p);
	return p;
}

/* ---- the oracle ---- */

#define REGION_MAX	256

struct iv {
	uint8_t lo[16], hi[16];
};

/* A set of addresses of one family: the union of v[], or (inverse) everything outside it. */
struct region {
	struct iv v[REGION_MAX];
	int n;
	bool inverse;
	size_t alen;
};

static void region_add(struct region *r, const struct prefix *pf)
{
	if (pf->family != (r->alen == 4 ? AF_INET : AF_INET6) || r->n == REGION_MAX)
		return;
	policy_prefix_range(pf, r->v[r->n].lo, r->v[r->n].hi);
	r->n++;
}

static void region_addr(struct region *r, int family, const uint8_t *a)
{
	struct prefix pf = { .family = (uint8_t)family, .len = family == AF_INET ? 32 : 128 };

	memcpy(pf.addr, a, family == AF_INET ? 4 : 16);
	region_add(r, &pf);
}

static size_t g_alen;

static int iv_cmp(const void *a, const void *b)
{
	return memcmp(((const struct iv *)a)->lo, ((const struct iv *)b)->lo, g_alen);
}

/* a + 1 in place; false if it wrapped (a was the last address). */
static bool inc(uint8_t *a, size_t n)
{
	while (n--) {
		if (++a[n])
			return true;
	}
	return false;
}

/* Does [lo, hi] share an address with r? */
static bool region_meets(struct region *r, const uint8_t *lo, const uint8_t *hi)
{
	uint8_t cur[16];
	int i;

	if (!r->inverse) {
		for (i = 0; i < r->n; i++) {
			if (memcmp(r->v[i].lo, hi, r->alen) <= 0 && memcmp(r->v[i].hi, lo, r->alen) >= 0)
				return true;
		}
		return false;
	}
	g_alen = r->alen;
	qsort(r->v, (size_t)r->n, sizeof(r->v[0]), iv_cmp);
	memcpy(cur, lo, r->alen);
	for (i = 0; i < r->n; i++) {
		if (memcmp(r->v[i].lo, cur, r->alen) > 0)
			return true;		/* cur is outside every interval */
		if (memcmp(r->v[i].hi, cur, r->alen) < 0)
			continue;
		memcpy(cur, r->v[i].hi, r->alen);
		if (!inc(cur, r->alen) || memcmp(cur, hi, r->alen) > 0)
			return false;		/* covered up to hi */
	}
	return true;
}

static void zone_into(const struct policy *p, int z, struct region *r)
{
	int i;

	if (p->zones[z].any) {
		r->inverse = true;	/* filled below with everything else */
		return;
	}
	for (i = 0; i < p->zones[z].n_nets; i++)
		region_add(r, &p->zones[z].nets[i]);
	for (i = 0; i < p->n_segments; i++) {
		int k;

		for (k = 0; p->segments[i].zone == z && k < p->segments[i].n_nets; k++)
			region_add(r, &p->segments[i].nets[k]);
	}
	for (i = 0; i < p->n_hosts; i++) {
		const struct host *h = &p->hosts[i];

		if (h->zone != z)
			continue;
		if (h->has4 && r->alen == 4)
			region_addr(r, AF_INET, h->ip4);
		if (h->has6 && r->alen == 16)
			region_addr(r, AF_INET6, h->ip6);
	}
}

/* Everything that belongs to a zone other than z: what an "any" zone z is not. */
static void others_into(const struct policy *p, int z, struct region *r)
{
	int i, k;

	for (i = 0; i < p->n_zones; i++) {
		if (i != z && !p->zones[i].any)
			zone_into(p, i, r);
	}
	for (i = 0; i < p->n_groups; i++) {
		for (k = 0; p->groups[i].zone != z && k < p->groups[i].n_members; k++) {
			if (p->groups[i].members[k].kind == MEMBER_PREFIX)
				region_add(r, &p->groups[i].members[k].pfx);
		}
	}
	r->inverse = true;
}

static void role_region(const struct policy *p, enum zone_role role, size_t alen,
			struct region *r)
{
	int z;

	memset(r, 0, sizeof(*r));
	r->alen = alen;
	for (z = 0; z < p->n_zones; z++) {
		if (p->zones[z].role != role)
			continue;
		if (p->zones[z].any)
			others_into(p, z, r);
		else
			zone_into(p, z, r);
		return;
	}
}

static int field_at(const struct ir_set *s, enum ir_field f, size_t *off)
{
	int i;

	*off = 0;
	for (i = 0; i < s->n_key; i++) {
		if (s->key[i] == f)
			return 0;
		*off += (ir_field(s->key[i])->len + 3U) & ~3U;	/* fields are register-padded */
	}
	return -1;
}

/* No element of a map keyed by source and destination joins mynumber and internet. */
static void check_set(const struct ir_set *s, struct region *mn, struct region *in)
{
	bool v6 = false;
	struct ir_elem e;
	size_t so, dof;
	int i;

	if (field_at(s, F_IP_SADDR, &so) || field_at(s, F_IP_DADDR, &dof)) {
		if (field_at(s, F_IP6_SADDR, &so) || field_at(s, F_IP6_DADDR, &dof))
			return;
		v6 = true;
	}
	for (i = 0; i < s->n_elems; i++) {
		ir_elem_get(s, i, &e);
		if ((region_meets(&mn[v6], e.key + so, e.key_end + so) &&
		     region_meets(&in[v6], e.key + dof, e.key_end + dof)) ||
		    (region_meets(&in[v6], e.key + so, e.key_end + so) &&
		     region_meets(&mn[v6], e.key + dof, e.key_end + dof))) {
			fprintf(stderr, "I2 broken: set %s element of '%s' (line %d)\n", s->name,
				e.origin ? e.origin : "?", e.line);
			abort();	/* I2: a mynumber address joined with an internet one */
		}
	}
}

/* No map of a mynumber/internet zone pair holds an element. */
static void check_pairs(const struct policy *p, const struct ir_ruleset *rs)
{
	char n1[IR_NAME_MAX], n2[IR_NAME_MAX];
	int a, b, i, k;

	for (a = 0; a < p->n_zones; a++) {
		for (b = 0; b < p->n_zones; b++) {
			if (!((p->zones[a].role == ZONE_MYNUMBER && p->zones[b].role == ZONE_INTERNET) ||
			      (p->zones[a].role == ZONE_INTERNET && p->zones[b].role == ZONE_MYNUMBER)))
				continue;
			snprintf(n1, sizeof(n1), "%s_%s_", p->zones[a].id, p->zones[b].id);
			snprintf(n2, sizeof(n2), "x_%s", n1);
			for (i = 0; i < rs->n_sets; i++) {
				const struct ir_set *s = &rs->sets[i];

				k = !strncmp(s->name, n1, strlen(n1)) || !strncmp(s->name, n2, strlen(n2));
				if (k && s->n_elems)
					abort();
			}
		}
	}
}

static void oracle(const struct policy *p, const struct comp_result *cr)
{
	static struct region mn[2], in[2];
	int i, f;

	if (!cr || !cr->rs)
		abort();
	for (f = 0; f < 2; f++) {
		role_region(p, ZONE_MYNUMBER, f ? 16 : 4, &mn[f]);
		role_region(p, ZONE_INTERNET, f ? 16 : 4, &in[f]);
	}
	for (i = 0; i < cr->rs->n_sets; i++)
		check_set(&cr->rs->sets[i], mn, in);
	check_pairs(p, cr->rs);
	for (i = 0; i < cr->n_decisions; i++) {
		if (!cr->decisions[i].id || cr->decisions[i].id >= COMP_ID_RESERVED)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const isolate[] = { "h0", "g0", "lgwan", "dmz" };
	static int debug = -1;
	struct comp_extra x = { isolate, 0 };
	struct in in = { data, size };
	struct comp_result *cr = NULL;
	struct policy *p;
	struct diag d;
	unsigned int b;

	if (size > 4096)
		return 0;
	b = rd(&in);
	p = decode(&in);
	diag_init(&d);
	if (policy_validate(p, NOW, &d) == 0) {
		x.n_isolate = (int)(b & 3) == 3 ? 0 : (int)(b & 3);
		if (comp_build_ex(p, NOW, &x, &cr, &d) == 0)
			oracle(p, cr);
		else if (cr)
			abort();
	}
	if (debug < 0)
		debug = getenv("FUZZ_CHECK_DEBUG") != NULL;
	if (debug) {
		for (int i = 0; i < d.n; i++)
			fprintf(stderr, "%s\n", d.v[i].msg);
		fprintf(stderr, "validated=%d compiled=%d\n", p->validated, cr != NULL);
	}
	comp_result_free(cr);
	policy_free(p);
	diag_fini(&d);
	return 0;
}
