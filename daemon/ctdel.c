/* SPDX-License-Identifier: GPL-2.0-only */
/* ctdel.c: delete conntrack entries by mark; see ctdel.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>

#include "ctdel.h"
#include "nlsock.h"

static int one_family(struct nlsock *ns, int family, uint32_t id)
{
	char buf[NLSOCK_REQ_BUF];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nfgenmsg *g;
	int r;

	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_DELETE;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = ++ns->seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->nfgen_family = (uint8_t)family;
	g->version = NFNETLINK_V0;
	mnl_attr_put_u32(nlh, CTA_MARK, htonl(id));
	mnl_attr_put_u32(nlh, CTA_MARK_MASK, htonl(0xffffffffU));
	r = nlsock_request(ns, nlh, NULL, NULL);	/* the ack: its error is ours */
	return r == -ENOENT ? 0 : r;			/* none had that mark */
}

int ctdel_mark(uint32_t id)
{
	struct nlsock ns;
	int r, r6;

	r = nlsock_open(&ns);
	if (r < 0)
		return r;
	r = one_family(&ns, AF_INET, id);
	r6 = one_family(&ns, AF_INET6, id);
	nlsock_close(&ns);
	return r < 0 ? r : r6;
}
