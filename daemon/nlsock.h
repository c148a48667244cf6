/* SPDX-License-Identifier: GPL-2.0-only */
/* nlsock.h: one NETLINK_NETFILTER socket (extended and capped acks) and one request on it:
 * send, then run a callback on every reply until the ack or the end of the dump. Each user
 * that may run while another talks to the kernel has its own socket (the read-back, the
 * dumps for sansoctl, the conntrack delete); only the socket that created table inet sanso
 * may change it while the table carries the 'owner' flag (apply.h). */
#ifndef SANSO_NLSOCK_H
#define SANSO_NLSOCK_H

#include <stdint.h>

#include <libmnl/libmnl.h>

#define NLSOCK_RECV_BUF		(1 << 17)
#define NLSOCK_REQ_BUF		1024	/* one request message */

struct nlsock {
	struct mnl_socket *nl;
	uint32_t portid;
	uint32_t seq;
};

/* bus: NETLINK_NETFILTER. Returns 0 or -errno. */
int nlsock_open(struct nlsock *s);
void nlsock_close(struct nlsock *s);	/* NULL-safe, idempotent */
/* Send nlh (its seq is checked in the replies), run cb on every reply until the ack or the
 * dump's end. Returns 0 or -errno (the kernel's error of the ack included). */
int nlsock_request(struct nlsock *s, struct nlmsghdr *nlh, mnl_cb_t cb, void *data);
/* The nftables ruleset generation id. */
int nlsock_genid(struct nlsock *s, uint32_t *ret);

#endif
