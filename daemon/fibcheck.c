/* SPDX-License-Identifier: GPL-2.0-only */
/* fibcheck.c: R36, does the kernel route each zone network out of its zone's interfaces? */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>

#include "fibcheck.h"

struct fib_ctx {
	const struct policy *p;
	struct fib_report *r;
	struct mnl_socket *nl;
	unsigned int seq, portid;
};

struct fib_route {
	int err;			/* -errno from the kernel, 0 */
	int type;			/* RTN_* */
	uint32_t oif;
	uint8_t gw[16];
	bool has_gw;
};

static void fib_add(struct fib_report *r, bool note, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void fib_add(struct fib_report *r, bool note, const char *fmt, ...)
{
	va_list ap;

	if (note)
		r->notes++;
	else
		r->findings++;
	if (r->n >= FIB_FINDINGS_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(r->v[r->n], FIB_TEXT_MAX, fmt, ap);
	va_end(ap);
	r->note[r->n++] = note;
}

static int route_attr(const struct nlattr *a, void *data)
{
	struct fib_route *rt = data;
	uint16_t len = mnl_attr_get_payload_len(a);

	switch (mnl_attr_get_type(a)) {
	case RTA_OIF:
		if (len >= sizeof(uint32_t))
			rt->oif = mnl_attr_get_u32(a);
		break;
	case RTA_GATEWAY:
		if (len == 4 || len == 16) {
			memcpy(rt->gw, mnl_attr_get_payload(a), len);
			rt->has_gw = true;
		}
		break;
	}
	return MNL_CB_OK;
}

static int route_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	struct fib_route *rt = data;

	if (nlh->nlmsg_type != RTM_NEWROUTE)
		return MNL_CB_OK;
	rt->type = rtm->rtm_type;
	return mnl_attr_parse(nlh, sizeof(*rtm), route_attr, rt);
}

/* `ip route get addr`: 0 and rt filled (rt->err set when the kernel has no route), or -errno
 * when the socket failed. */
static int fib_get(struct fib_ctx *c, int af, const uint8_t *addr, struct fib_route *rt)
{
	char buf[8192];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct rtmsg *rtm;
	ssize_t n;
	int r;

	memset(rt, 0, sizeof(*rt));
	nlh->nlmsg_type = RTM_GETROUTE;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = ++c->seq;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (uint8_t)af;
	rtm->rtm_dst_len = af == AF_INET ? 32 : 128;
	mnl_attr_put(nlh, RTA_DST, af == AF_INET ? 4 : 16, addr);
	if (mnl_socket_sendto(c->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	c->r->lookups++;
	for (;;) {
		n = mnl_socket_recvfrom(c->nl, buf, sizeof(buf));
		if (n < 0)
			return -errno;
		r = mnl_cb_run(buf, (size_t)n, c->seq, c->portid, route_cb, rt);
		if (r < 0) {
			rt->err = errno ? -errno : -EIO;
			return 0;
		}
		if (r == MNL_CB_STOP)
			return 0;
	}
}

/* Sample addresses of a prefix: first, middle and last host (fewer for tiny prefixes). */
static int samples(const struct prefix *pf, uint8_t out[3][16])
{
	int alen = pf->family == AF_INET ? 4 : 16, bits = alen * 8, i, n = 0;
	uint8_t base[16], last[16], mid[16];

	memcpy(base, pf->addr, 16);
	for (i = pf->len; i < bits; i++)
		base[i / 8] &= (uint8_t)~(0x80 >> (i % 8));
	memcpy(last, base, 16);
	for (i = pf->len; i < bits; i++)
		last[i / 8] |= (uint8_t)(0x80 >> (i % 8));
	if (bits - pf->len < 2) {
		memcpy(out[n++], base, 16);
		return n;
	}
	memcpy(mid, base, 16);
	mid[pf->len / 8] |= (uint8_t)(0x80 >> (pf->len % 8));
	base[alen - 1] |= 1;				/* first host */
	if (pf->family == AF_INET)
		last[alen - 1] &= 0xfe;			/* not the broadcast address */
	memcpy(out[n++], base, 16);
	memcpy(out[n++], mid, 16);
	if (memcmp(last, base, 16))
		memcpy(out[n++], last, 16);
	return n;
}

static bool iface_ok(const char *name, const char (*ifs)[POLICY_IFNAME_MAX], int n,
		     const char *seg_if)
{
	int i;

	if (seg_if)
		return !strcmp(name, seg_if);
	for (i = 0; i < n; i++)
		if (!strcmp(name, ifs[i]))
			return true;
	return false;
}

/* Every sample of one prefix of zone z (of segment seg_if when not NULL). */
static int check_prefix(struct fib_ctx *c, const struct zone *z, const struct prefix *pf,
			const char *seg_if)
{
	char a[INET6_ADDRSTRLEN], net[INET6_ADDRSTRLEN], gw[INET6_ADDRSTRLEN + 6], oif[IF_NAMESIZE];
	uint8_t s[3][16];
	struct fib_route rt;
	int i, n = samples(pf, s), af = pf->family == AF_INET ? AF_INET : AF_INET6, r;

	inet_ntop(af, pf->addr, net, sizeof(net));
	for (i = 0; i < n && c->r->lookups < FIB_SAMPLES_MAX; i++) {
		r = fib_get(c, af, s[i], &rt);
		if (r < 0)
			return r;
		inet_ntop(af, s[i], a, sizeof(a));
		if (rt.err) {
			fib_add(c->r, false, "R36: zone %s network %s/%u: %s has no route (%s); "
				"want out of %s", z->id, net, pf->len, a, strerror(-rt.err),
				seg_if ? seg_if : z->ifaces[0]);
			continue;
		}
		if (rt.type == RTN_LOCAL)		/* an address of the gateway itself */
			continue;
		if (!rt.oif || !if_indextoname(rt.oif, oif))
			snprintf(oif, sizeof(oif), "#%u", rt.oif);
		if (iface_ok(oif, z->ifaces, z->n_ifaces, seg_if))
			continue;
		gw[0] = '\0';
		if (rt.has_gw) {
			memcpy(gw, " via ", 6);
			inet_ntop(af, rt.gw, gw + 5, sizeof(gw) - 5);
		}
		fib_add(c->r, false, "R36: zone %s network %s/%u: %s is routed out of %s%s, not "
			"out of %s%s", z->id, net, pf->len, a, oif, gw,
			seg_if ? seg_if : z->ifaces[0],
			!seg_if && z->n_ifaces > 1 ? " (or another interface of the zone)" : "");
	}
	return 0;
}

static int read_int(const char *path, int *ret)
{
	FILE *f;
	int r;

	f = fopen(path, "re");
	if (!f)
		return -errno;
	r = fscanf(f, "%d", ret) == 1 ? 0 : -EINVAL;
	fclose(f);
	return r;
}

/* rp_filter of one interface: effective max(all, IF); a missing interface is a finding. */
static void check_rp(struct fib_ctx *c, const struct zone *z, const char *ifname, int all)
{
	char path[96];
	int v;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/rp_filter", ifname);
	if (read_int(path, &v) < 0) {
		fib_add(c->r, false, "R36: interface %s of zone %s does not exist here", ifname,
			z->id);
		return;
	}
	if ((v > all ? v : all) == 0)
		fib_add(c->r, true, "note: rp_filter is 0 on %s (zone %s): sanso's anti-spoof "
			"chain is the only guard against forged sources there", ifname, z->id);
}

static bool crosses(const struct policy *p)
{
	int a, b;

	for (a = 0; a < p->n_zones; a++)
		for (b = 0; b < p->n_zones; b++)
			if (a != b && p->reach[a][b])
				return true;
	return false;
}

static bool has_v6(const struct policy *p)
{
	int i, j;

	for (i = 0; i < p->n_zones; i++)
		for (j = 0; j < p->zones[i].n_nets; j++)
			if (p->zones[i].nets[j].family == AF_INET6)
				return true;
	return false;
}

static void check_sysctls(struct fib_ctx *c)
{
	const struct policy *p = c->p;
	int v, all = 0, i, j;

	if (crosses(p)) {
		if (read_int("/proc/sys/net/ipv4/ip_forward", &v) == 0 && v != 1)
			fib_add(c->r, false, "R36: net.ipv4.ip_forward is %d but the policy lets "
				"traffic cross zones", v);
		if (has_v6(p) &&
		    read_int("/proc/sys/net/ipv6/conf/all/forwarding", &v) == 0 && v != 1)
			fib_add(c->r, false, "R36: net.ipv6.conf.all.forwarding is %d but the "
				"policy lets IPv6 traffic cross zones", v);
	}
	(void)read_int("/proc/sys/net/ipv4/conf/all/rp_filter", &all);
	for (i = 0; i < p->n_zones; i++)
		for (j = 0; j < p->zones[i].n_ifaces; j++)
			check_rp(c, &p->zones[i], p->zones[i].ifaces[j], all);
	for (i = 0; i < p->n_segments; i++)
		if (p->segments[i].iface[0] && p->segments[i].zone >= 0)
			check_rp(c, &p->zones[p->segments[i].zone], p->segments[i].iface, all);
}

static int check_routes(struct fib_ctx *c)
{
	const struct policy *p = c->p;
	int i, j, r;

	for (i = 0; i < p->n_zones; i++) {
		const struct zone *z = &p->zones[i];

		for (j = 0; !z->any && j < z->n_nets; j++)
			if ((r = check_prefix(c, z, &z->nets[j], NULL)) < 0)
				return r;
	}
	for (i = 0; i < p->n_segments; i++) {
		const struct segment *s = &p->segments[i];

		if (s->zone < 0)
			continue;
		for (j = 0; j < s->n_nets; j++)
			if ((r = check_prefix(c, &p->zones[s->zone], &s->nets[j],
					      s->iface[0] ? s->iface : NULL)) < 0)
				return r;
	}
	return 0;
}

int fibcheck_run(const struct policy *p, struct fib_report *r)
{
	struct fib_ctx c = { .p = p, .r = r, .seq = (unsigned int)time(NULL) };
	int ret;

	memset(r, 0, sizeof(*r));
	c.nl = mnl_socket_open(NETLINK_ROUTE);
	if (!c.nl)
		return -errno;
	if (mnl_socket_bind(c.nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = -errno;
		goto out;
	}
	c.portid = mnl_socket_get_portid(c.nl);
	ret = check_routes(&c);
	if (ret == 0)
		check_sysctls(&c);
out:
	mnl_socket_close(c.nl);
	return ret;
}

/* The i-th finding (not note) of r, or NULL. */
static const char *finding(const struct fib_report *r, int i)
{
	int j;

	for (j = 0; j < r->n; j++)
		if (!r->note[j] && i-- == 0)
			return r->v[j];
	return NULL;
}

bool fibcheck_same(const struct fib_report *a, const struct fib_report *b)
{
	const char *x, *y;
	int i;

	if (a->findings != b->findings)
		return false;
	for (i = 0; (x = finding(a, i)), (y = finding(b, i)), x || y; i++)
		if (!x || !y || strcmp(x, y))
			return false;
	return true;
}
