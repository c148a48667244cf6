/* SPDX-License-Identifier: GPL-2.0-only */
/* nfq_accept.c: the baseline of `make bench` — a minimal accept-all NFQUEUE loop with
 * batched verdicts (one NFQNL_MSG_VERDICT_BATCH per receive), on the same libmnl +
 * libnetfilter_queue nlmsg API as sansod. Prints the packets it accepted on SIGTERM.
 *   nfq_accept QUEUE */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <libnetfilter_queue/libnetfilter_queue.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink_queue.h>

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

struct st {
	uint32_t last_id;
	unsigned long long packets;
};

static int cb(const struct nlmsghdr *nlh, void *data)
{
	struct nlattr *a[NFQA_MAX + 1] = { NULL };
	struct st *s = data;
	const struct nfqnl_msg_packet_hdr *ph;

	if (nfq_nlmsg_parse(nlh, a) < 0 || !a[NFQA_PACKET_HDR])
		return MNL_CB_OK;
	ph = mnl_attr_get_payload(a[NFQA_PACKET_HDR]);
	s->last_id = ntohl(ph->packet_id);
	s->packets++;
	return MNL_CB_OK;
}

static int cfg(struct mnl_socket *nl, uint16_t q, int step)
{
	char buf[1024];
	struct nlmsghdr *nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, q);

	if (step == 0) {
		nfq_nlmsg_cfg_put_cmd(nlh, AF_INET, NFQNL_CFG_CMD_BIND);
	} else {
		nfq_nlmsg_cfg_put_params(nlh, NFQNL_COPY_PACKET, 128);
		nfq_nlmsg_cfg_put_qmaxlen(nlh, 4096);
		mnl_attr_put_u32(nlh, NFQA_CFG_FLAGS, htonl(NFQA_CFG_F_GSO));
		mnl_attr_put_u32(nlh, NFQA_CFG_MASK, htonl(NFQA_CFG_F_GSO));
	}
	return mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0 ? -errno : 0;
}

int main(int argc, char **argv)
{
	static char buf[1 << 18];
	struct st s = { 0 };
	struct mnl_socket *nl;
	struct sigaction sa = { .sa_handler = on_term };
	char vbuf[256];
	struct nlmsghdr *nlh;
	uint16_t q = argc > 1 ? (uint16_t)atoi(argv[1]) : 0;
	int v = 8 << 20;
	ssize_t n;

	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	nl = mnl_socket_open(NETLINK_NETFILTER);
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0 || cfg(nl, q, 0) || cfg(nl, q, 1)) {
		perror("nfq_accept");
		return 1;
	}
	setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof(v));
	while (!stop) {
		n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0)
			continue;
		if (mnl_cb_run(buf, (size_t)n, 0, mnl_socket_get_portid(nl), cb, &s) < 0)
			continue;
		nlh = nfq_nlmsg_put(vbuf, NFQNL_MSG_VERDICT_BATCH, q);
		nfq_nlmsg_verdict_put(nlh, (int)s.last_id, NF_ACCEPT);
		mnl_socket_sendto(nl, nlh, nlh->nlmsg_len);
	}
	printf("%llu\n", s.packets);
	mnl_socket_close(nl);
	return 0;
}
