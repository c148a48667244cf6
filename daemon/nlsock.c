/* SPDX-License-Identifier: GPL-2.0-only */
/* nlsock.c: a netfilter netlink socket and one request on it; see nlsock.h. */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libnftnl/common.h>
#include <libnftnl/gen.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netlink.h>
#include <sys/socket.h>

#include "nlsock.h"

#define DRAIN_WAIT_MS	1000

int nlsock_open(struct nlsock *s)
{
	int one = 1, fd, e;

	memset(s, 0, sizeof(*s));
	s->nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	if (!s->nl)
		return -errno;
	if (mnl_socket_bind(s->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		e = -errno;
		nlsock_close(s);
		return e;
	}
	fd = mnl_socket_get_fd(s->nl);
	(void)setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	(void)setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	s->portid = mnl_socket_get_portid(s->nl);
	s->seq = (uint32_t)time(NULL);
	return 0;
}

void nlsock_close(struct nlsock *s)
{
	if (!s || !s->nl)
		return;
	mnl_socket_close(s->nl);
	s->nl = NULL;
}

static bool has_end(const uint8_t *buf, ssize_t n, uint32_t seq)
{
	const struct nlmsghdr *m = (const struct nlmsghdr *)buf;
	int len = (int)n;

	for (; mnl_nlmsg_ok(m, len); m = mnl_nlmsg_next(m, &len)) {
		if (m->nlmsg_seq == seq &&
		    (m->nlmsg_type == NLMSG_DONE || m->nlmsg_type == NLMSG_ERROR))
			return true;
	}
	return false;
}

/* Read the rest of an interrupted dump (up to its NLMSG_DONE or error; n bytes of it are in
 * buf already), so the next request on this socket reads its own replies. Never waits more
 * than DRAIN_WAIT_MS for the next part. */
static void drain(struct nlsock *s, uint8_t *buf, ssize_t n, uint32_t seq)
{
	struct pollfd pfd = { .fd = mnl_socket_get_fd(s->nl), .events = POLLIN };

	while (n > 0 && !has_end(buf, n, seq)) {
		if (poll(&pfd, 1, DRAIN_WAIT_MS) <= 0)
			return;
		n = mnl_socket_recvfrom(s->nl, buf, NLSOCK_RECV_BUF);
	}
}

int nlsock_request(struct nlsock *s, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	uint8_t *buf = malloc(NLSOCK_RECV_BUF);
	uint32_t seq = nlh->nlmsg_seq;
	ssize_t n;
	int r;

	if (!buf)
		return -ENOMEM;
	if (mnl_socket_sendto(s->nl, nlh, nlh->nlmsg_len) < 0) {
		r = -errno;
		goto out;
	}
	do {
		n = mnl_socket_recvfrom(s->nl, buf, NLSOCK_RECV_BUF);
		if (n < 0) {
			r = -errno;
			goto out;
		}
		r = mnl_cb_run(buf, (size_t)n, seq, s->portid, cb, data);
	} while (r > 0);
	r = r < 0 ? -errno : 0;
	if (r == -EINTR)	/* a commit interrupted the dump: its rest must not be read later */
		drain(s, buf, n, seq);
out:
	free(buf);
	return r;
}

static int gen_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nftnl_gen *g = nftnl_gen_alloc();

	if (!g)
		return MNL_CB_ERROR;
	if (nftnl_gen_nlmsg_parse(nlh, g) == 0)
		*(uint32_t *)data = nftnl_gen_get_u32(g, NFTNL_GEN_ID);
	nftnl_gen_free(g);
	return MNL_CB_OK;
}

int nlsock_genid(struct nlsock *s, uint32_t *ret)
{
	char buf[NLSOCK_REQ_BUF];
	struct nlmsghdr *nlh;

	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETGEN, AF_UNSPEC, NLM_F_ACK, ++s->seq);
	return nlsock_request(s, nlh, gen_cb, ret);
}
