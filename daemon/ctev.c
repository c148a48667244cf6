/* SPDX-License-Identifier: GPL-2.0-only */
/* ctev.c: conntrack NEW/DESTROY events over ctnetlink; see ctev.h. */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>

#include "ctev.h"

#define ACCT_SYSCTL "/proc/sys/net/netfilter/nf_conntrack_acct"

/* Bytes in DESTROY events need conntrack accounting: on already (sysctl.d), or turned on
 * here where that is allowed (not under ProtectKernelTunables). */
static bool acct_on(void)
{
	char v = '0';
	int fd = open(ACCT_SYSCTL, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	if (read(fd, &v, 1) != 1)
		v = '0';
	close(fd);
	if (v != '0')
		return true;
	fd = open(ACCT_SYSCTL, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	v = write(fd, "1", 1) == 1 ? '1' : '0';
	close(fd);
	return v == '1';
}

int ctev_open(struct ctev *c)
{
	struct mnl_socket *nl = mnl_socket_open(NETLINK_NETFILTER);
	int fd, r;

	if (!nl)
		return -errno;
	if (mnl_socket_bind(nl, NF_NETLINK_CONNTRACK_NEW | NF_NETLINK_CONNTRACK_DESTROY,
			    MNL_SOCKET_AUTOPID) < 0) {
		r = -errno;
		mnl_socket_close(nl);
		return r;
	}
	fd = mnl_socket_get_fd(nl);
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
		r = -errno;
		mnl_socket_close(nl);
		return r;
	}
	c->acct_off = !acct_on();
	c->nl = nl;
	return 0;
}

void ctev_close(struct ctev *c)
{
	if (c->nl)
		mnl_socket_close(c->nl);
	c->nl = NULL;
}

int ctev_fd(const struct ctev *c)
{
	return c->nl ? mnl_socket_get_fd(c->nl) : -1;
}

static int attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	int t = mnl_attr_get_type(a);

	if (t <= CTA_MAX)	/* every nest level here has fewer types than CTA_MAX */
		tb[t] = a;
	return MNL_CB_OK;
}

static void tuple(const struct nlattr *nest, struct ctev_event *e)
{
	const struct nlattr *tb[CTA_MAX + 1] = { 0 }, *ip[CTA_MAX + 1] = { 0 },
			    *pr[CTA_MAX + 1] = { 0 };

	mnl_attr_parse_nested(nest, attr_cb, tb);
	if (tb[CTA_TUPLE_IP])
		mnl_attr_parse_nested(tb[CTA_TUPLE_IP], attr_cb, ip);
	if (tb[CTA_TUPLE_PROTO])
		mnl_attr_parse_nested(tb[CTA_TUPLE_PROTO], attr_cb, pr);
	if (ip[CTA_IP_V4_SRC] && ip[CTA_IP_V4_DST]) {
		memcpy(e->src, mnl_attr_get_payload(ip[CTA_IP_V4_SRC]), 4);
		memcpy(e->dst, mnl_attr_get_payload(ip[CTA_IP_V4_DST]), 4);
	} else if (ip[CTA_IP_V6_SRC] && ip[CTA_IP_V6_DST]) {
		memcpy(e->src, mnl_attr_get_payload(ip[CTA_IP_V6_SRC]), 16);
		memcpy(e->dst, mnl_attr_get_payload(ip[CTA_IP_V6_DST]), 16);
	}
	if (pr[CTA_PROTO_NUM])
		e->proto = mnl_attr_get_u8(pr[CTA_PROTO_NUM]);
	if (pr[CTA_PROTO_SRC_PORT])
		e->sport = ntohs(mnl_attr_get_u16(pr[CTA_PROTO_SRC_PORT]));
	if (pr[CTA_PROTO_DST_PORT])
		e->dport = ntohs(mnl_attr_get_u16(pr[CTA_PROTO_DST_PORT]));
}

static void counters(const struct nlattr *nest, struct ctev_event *e)
{
	const struct nlattr *tb[CTA_MAX + 1] = { 0 };

	if (!nest)
		return;
	mnl_attr_parse_nested(nest, attr_cb, tb);
	if (tb[CTA_COUNTERS_BYTES])
		e->bytes += be64toh(mnl_attr_get_u64(tb[CTA_COUNTERS_BYTES]));
	if (tb[CTA_COUNTERS_PACKETS])
		e->packets += be64toh(mnl_attr_get_u64(tb[CTA_COUNTERS_PACKETS]));
	e->counted = true;
}

struct read_ctx {
	ctev_fn *fn;
	void *arg;
	int n;
};

static int msg_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[CTA_MAX + 1] = { 0 };
	const struct nfgenmsg *g = mnl_nlmsg_get_payload(nlh);
	struct read_ctx *rc = data;
	struct ctev_event e = { 0 };
	int type = nlh->nlmsg_type & 0xff;

	if ((nlh->nlmsg_type >> 8) != NFNL_SUBSYS_CTNETLINK ||
	    (type != IPCTNL_MSG_CT_NEW && type != IPCTNL_MSG_CT_DELETE))
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(*g), attr_cb, tb);
	e.destroy = type == IPCTNL_MSG_CT_DELETE;
	e.family = g->nfgen_family;
	if (tb[CTA_MARK])
		e.mark = ntohl(mnl_attr_get_u32(tb[CTA_MARK]));
	if (tb[CTA_ID])
		e.id = ntohl(mnl_attr_get_u32(tb[CTA_ID]));
	if (tb[CTA_TUPLE_ORIG])
		tuple(tb[CTA_TUPLE_ORIG], &e);
	counters(tb[CTA_COUNTERS_ORIG], &e);
	counters(tb[CTA_COUNTERS_REPLY], &e);
	rc->fn(rc->arg, &e);
	rc->n++;
	return MNL_CB_OK;
}

int ctev_read(struct ctev *c, ctev_fn *fn, void *arg)
{
	char buf[16384];		/* MNL_SOCKET_BUFFER_SIZE is a VLA (page size) */
	struct read_ctx rc = { fn, arg, 0 };
	ssize_t n;

	while (c->nl) {
		n = mnl_socket_recvfrom(c->nl, buf, sizeof(buf));
		if (n < 0 && errno == ENOBUFS) {	/* events were lost: go on reading */
			c->lost++;
			continue;
		}
		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? rc.n : -errno;
		(void)mnl_cb_run(buf, (size_t)n, 0, 0, msg_cb, &rc);
	}
	return rc.n;
}

void ctev_addr(const struct ctev_event *e, bool dst, char *buf, size_t len)
{
	if (!inet_ntop(e->family == AF_INET6 ? AF_INET6 : AF_INET, dst ? e->dst : e->src, buf,
		       (socklen_t)len))
		snprintf(buf, len, "?");
}
