/* SPDX-License-Identifier: GPL-2.0-only */
/* nflog.c: NFLOG over libmnl; see nflog.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_log.h>

#include "nflog.h"

#define NFLOG_RCVBUF	(4 << 20)	/* a burst of log packets waits here for the loop */

/* One config message: a command, or the copy mode. */
static int config(struct mnl_socket *nl, uint16_t group, const struct nfulnl_msg_config_cmd *cmd)
{
	char buf[8192];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nfgenmsg *g;
	struct nfulnl_msg_config_mode mode = { .copy_range = htonl(NFLOG_COPY),
					       .copy_mode = NFULNL_COPY_PACKET };
	unsigned int port = mnl_socket_get_portid(nl);
	int n;

	nlh->nlmsg_type = (NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_CONFIG;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = 1;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->nfgen_family = AF_UNSPEC;
	g->version = NFNETLINK_V0;
	g->res_id = htons(group);
	if (cmd)
		mnl_attr_put(nlh, NFULA_CFG_CMD, sizeof(*cmd), cmd);
	else
		mnl_attr_put(nlh, NFULA_CFG_MODE, sizeof(mode), &mode);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	n = (int)mnl_socket_recvfrom(nl, buf, sizeof(buf));
	if (n < 0)
		return -errno;
	if (mnl_cb_run(buf, (size_t)n, 1, port, NULL, NULL) < 0)
		return -errno;
	return 0;
}

int nflog_open(struct nflog *n, uint16_t group)
{
	struct nfulnl_msg_config_cmd bind = { .command = NFULNL_CFG_CMD_BIND };
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	int fd, r, sz = NFLOG_RCVBUF;

	n->nl = NULL;
	n->group = -1;
	if (!nl)
		return -errno;
	r = mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0 ? -errno : 0;
	if (r == 0)
		r = config(nl, group, &bind);
	if (r == -EPERM)
		r = -EBUSY;	/* the kernel's answer when another socket has the group */
	if (r == 0)
		r = config(nl, group, NULL);
	fd = mnl_socket_get_fd(nl);
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	if (r == 0 && fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0)
		r = -errno;
	if (r < 0) {
		mnl_socket_close(nl);
		return r;
	}
	n->nl = nl;
	n->group = group;
	return 0;
}

void nflog_close(struct nflog *n)
{
	if (n->nl)
		mnl_socket_close(n->nl);
	n->nl = NULL;
	n->group = -1;
}

int nflog_fd(const struct nflog *n)
{
	return n->nl ? mnl_socket_get_fd(n->nl) : -1;
}

/* Attributes with their lengths checked: a hostile length is refused, not read. */
static int attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	int t = mnl_attr_get_type(a);

	if (mnl_attr_type_valid(a, NFULA_MAX) < 0)
		return MNL_CB_OK;	/* newer kernels' attributes: skipped */
	switch (t) {
	case NFULA_MARK:
	case NFULA_IFINDEX_INDEV:
	case NFULA_IFINDEX_OUTDEV:
		if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
			return MNL_CB_ERROR;
		break;
	case NFULA_PACKET_HDR:
		if (mnl_attr_validate2(a, MNL_TYPE_UNSPEC,
				       sizeof(struct nfulnl_msg_packet_hdr)) < 0)
			return MNL_CB_ERROR;
		break;
	case NFULA_PREFIX:
		if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
			return MNL_CB_ERROR;
		break;
	default:
		break;
	}
	tb[t] = a;
	return MNL_CB_OK;
}

/* mnl_attr_parse stops quietly at an attribute that overruns its message: true only when
 * the attributes fill the message exactly (the last one's padding aside). */
static bool attrs_fit(const struct nlmsghdr *nlh)
{
	int left = (int)nlh->nlmsg_len - MNL_NLMSG_HDRLEN - MNL_ALIGN(sizeof(struct nfgenmsg));
	const struct nlattr *a = mnl_nlmsg_get_payload_offset(nlh, sizeof(struct nfgenmsg));

	while (left > 0 && mnl_attr_ok(a, left)) {
		left -= (int)MNL_ALIGN(a->nla_len);
		a = mnl_attr_next(a);
	}
	return left <= 0 && left > -MNL_ALIGNTO;
}

struct parse_ctx {
	nflog_fn *fn;
	void *arg;
	int n;
};

static int msg_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[NFULA_MAX + 1] = { 0 };
	struct parse_ctx *pc = data;
	struct nflog_pkt p;
	size_t len;

	if (nlh->nlmsg_type != ((NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_PACKET))
		return MNL_CB_OK;
	if (nlh->nlmsg_len < MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(struct nfgenmsg)) ||
	    !attrs_fit(nlh) || mnl_attr_parse(nlh, sizeof(struct nfgenmsg), attr_cb, tb) < 0) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	memset(&p, 0, sizeof(p));
	if (tb[NFULA_PREFIX]) {
		len = strnlen(mnl_attr_get_str(tb[NFULA_PREFIX]), sizeof(p.prefix) - 1);
		memcpy(p.prefix, mnl_attr_get_str(tb[NFULA_PREFIX]), len);
	}
	p.has_mark = tb[NFULA_MARK] != NULL;
	p.mark = p.has_mark ? ntohl(mnl_attr_get_u32(tb[NFULA_MARK])) : 0;
	if (tb[NFULA_IFINDEX_INDEV])
		p.indev = ntohl(mnl_attr_get_u32(tb[NFULA_IFINDEX_INDEV]));
	if (tb[NFULA_IFINDEX_OUTDEV])
		p.outdev = ntohl(mnl_attr_get_u32(tb[NFULA_IFINDEX_OUTDEV]));
	if (tb[NFULA_PACKET_HDR])
		p.hw_proto = ntohs(((const struct nfulnl_msg_packet_hdr *)
				    mnl_attr_get_payload(tb[NFULA_PACKET_HDR]))->hw_protocol);
	if (tb[NFULA_PAYLOAD]) {
		p.payload = mnl_attr_get_payload(tb[NFULA_PAYLOAD]);
		p.payload_len = mnl_attr_get_payload_len(tb[NFULA_PAYLOAD]);
	}
	pc->n++;
	pc->fn(pc->arg, &p);
	return MNL_CB_OK;
}

/* Every message within len, and len all messages. Not mnl_nlmsg_ok(): it takes an
 * nlmsg_len above INT_MAX for negative, and steps outside the buffer. */
static bool msgs_fit(const void *buf, size_t len)
{
	const struct nlmsghdr *h;
	size_t off = 0;

	while (len - off >= sizeof(*h)) {
		h = (const void *)((const char *)buf + off);
		if (h->nlmsg_len < sizeof(*h) || h->nlmsg_len > len - off)
			return false;
		off += MNL_ALIGN(h->nlmsg_len);
		if (off > len)
			off = len;	/* the last message's padding */
	}
	return off == len;
}

int nflog_parse(const void *buf, size_t len, nflog_fn *fn, void *arg)
{
	struct parse_ctx pc = { fn, arg, 0 };

	if (len > 65536 || !msgs_fit(buf, len))
		return -EBADMSG;
	if (len && mnl_cb_run(buf, len, 0, 0, msg_cb, &pc) < 0)
		return -EBADMSG;
	return pc.n;
}

int nflog_read(struct nflog *n, nflog_fn *fn, void *arg)
{
	static char buf[65536];		/* the main loop only */
	int total = 0, r;
	ssize_t got;

	if (!n->nl)
		return -EBADF;
	for (;;) {
		got = mnl_socket_recvfrom(n->nl, buf, sizeof(buf));
		if (got < 0 && errno == ENOBUFS) {
			n->lost++;
			continue;
		}
		if (got < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? total : -errno;
		r = nflog_parse(buf, (size_t)got, fn, arg);
		if (r < 0)
			n->bad++;
		else
			total += r;
	}
}
