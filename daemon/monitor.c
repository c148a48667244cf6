/* SPDX-License-Identifier: GPL-2.0-only */
/* monitor.c: see monitor.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include "ir.h"
#include "monitor.h"

#define MON_BUF 65536

int monitor_open(struct monitor *m)
{
	int e, rcvbuf = 8 << 20;

	memset(m, 0, sizeof(*m));
	m->nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (!m->nl)
		return -errno;
	/* deleting or committing the table announces every element: room for a few of those
	 * (CAP_NET_ADMIN may exceed rmem_max; without it the default stays) */
	(void)setsockopt(mnl_socket_get_fd(m->nl), SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
			 sizeof(rcvbuf));
	if (mnl_socket_bind(m->nl, 1U << (NFNLGRP_NFTABLES - 1), MNL_SOCKET_AUTOPID) < 0) {
		e = -errno;
		monitor_close(m);
		return e;
	}
	return 0;
}

void monitor_close(struct monitor *m)
{
	if (!m || !m->nl)
		return;
	mnl_socket_close(m->nl);
	m->nl = NULL;
}

int monitor_fd(const struct monitor *m)
{
	return m->nl ? mnl_socket_get_fd(m->nl) : -1;
}

struct mon_ctx {
	struct monitor *m;
	pid_t self;
	void (*cb)(void *arg, const struct monitor_event *e);
	void *arg;
};

/* Table, chain, rule, set and element messages all name their table in attribute 1. */
static bool names_sanso(const struct nlmsghdr *nlh)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg)) {
		if (mnl_attr_get_type(a) == 1 && mnl_attr_validate(a, MNL_TYPE_NUL_STRING) >= 0)
			return !strcmp(mnl_attr_get_str(a), IR_TABLE);
	}
	return false;
}

static bool is_inet(const struct nlmsghdr *nlh)
{
	const struct nfgenmsg *g = mnl_nlmsg_get_payload(nlh);

	return nlh->nlmsg_len >= MNL_NLMSG_HDRLEN + sizeof(*g) && g->nfgen_family == NFPROTO_INET;
}

static int mon_cb(const struct nlmsghdr *nlh, void *data)
{
	struct mon_ctx *c = data;
	struct monitor_event e = { 0 };
	const struct nlattr *a;

	if ((nlh->nlmsg_type >> 8) != NFNL_SUBSYS_NFTABLES)
		return MNL_CB_OK;
	if ((nlh->nlmsg_type & 0xff) != NFT_MSG_NEWGEN) {
		bool ours = names_sanso(nlh);

		c->m->ours_touched |= ours;
		c->m->ours_deleted |= ours && (nlh->nlmsg_type & 0xff) == NFT_MSG_DELTABLE &&
				      is_inet(nlh);
		return MNL_CB_OK;
	}
	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg)) {
		if (mnl_attr_get_type(a) == NFTA_GEN_PROC_PID &&
		    mnl_attr_validate(a, MNL_TYPE_U32) >= 0)
			e.pid = (pid_t)ntohl(mnl_attr_get_u32(a));
		else if (mnl_attr_get_type(a) == NFTA_GEN_PROC_NAME &&
			 mnl_attr_validate(a, MNL_TYPE_NUL_STRING) >= 0)
			snprintf(e.comm, sizeof(e.comm), "%s", mnl_attr_get_str(a));
	}
	e.sanso = c->m->ours_touched;
	e.deleted = c->m->ours_deleted;
	c->m->ours_touched = false;
	c->m->ours_deleted = false;
	if (e.pid != c->self)
		c->cb(c->arg, &e);
	return MNL_CB_OK;
}

int monitor_read(struct monitor *m, pid_t self, void (*cb)(void *arg,
							 const struct monitor_event *e),
		 void *arg)
{
	static char buf[MON_BUF];
	struct mon_ctx c = { m, self, cb, arg };
	ssize_t n;

	for (;;) {
		n = recv(mnl_socket_get_fd(m->nl), buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0)
			return errno == EAGAIN ? 0 : -errno;
		(void)mnl_cb_run(buf, (size_t)n, 0, 0, mon_cb, &c);
	}
}
