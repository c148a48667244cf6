/* SPDX-License-Identifier: GPL-2.0-only */
/* ctl_proto.h: the control protocol between sansod and sansoctl over an AF_UNIX
 * SOCK_SEQPACKET socket (/run/sanso/control). One request message per exchange; the reply
 * is one or more messages, the last with CTL_F_END. Every message starts with ctl_hdr; the
 * body is UTF-8 text of at most CTL_BODY_MAX bytes: requests carry "key=value" lines, replies
 * carry the output (text, JSON or Prometheus, as asked). Versioned and size-bounded: a
 * message of another version or size is refused. The peer is identified by SO_PEERCRED. */
#ifndef SANSO_CTL_PROTO_H
#define SANSO_CTL_PROTO_H

#include <stdint.h>

#define CTL_SOCKET_DEFAULT	"/run/sanso/control"
#define CTL_VERSION		1
#define CTL_BODY_MAX		(60 * 1024)
#define CTL_MSG_MAX		(sizeof(struct ctl_hdr) + CTL_BODY_MAX)

enum ctl_type {
	CTL_STATUS = 1,			/* read-only */
	CTL_DUMP,			/* read-only: format=text|json|nft */
	CTL_VERIFY,			/* read-only: kernel vs compiled */
	CTL_STATS,			/* read-only: format=text|prometheus */
	CTL_EXC_LIST,			/* read-only: exceptions with time left */
	CTL_CHANGES,			/* read-only: proposals and emergency changes */
	CTL_EXPLAIN,			/* read-only: src dst proto port */
	CTL_RELOAD,			/* admin */
	CTL_ISOLATE,			/* admin: target=ZONE|HOST reason=... */
	CTL_RESTORE,			/* admin: target=ZONE|HOST */
	CTL_BO_REVOKE,			/* admin: service=NAME reason=... */
	CTL_BO_RESTORE,			/* admin: service=NAME */
	CTL_EXC_ADD,			/* admin: id from to proto ports reason requested-by
					 * approved-by expires */
	CTL_EXC_REVOKE,			/* admin: id */
	CTL_PROPOSE,			/* admin: file (readable by sansod) reason */
	CTL_APPROVE,			/* admin, not the proposer: id */
	CTL_EMERGENCY,			/* admin: file reason; applies now, unratified */
	CTL_RATIFY,			/* admin, not the one who applied it: id */
	CTL_TYPE_MAX
};

#define CTL_F_END	(1U << 0)	/* last message of a reply */

enum ctl_status {
	CTL_OK = 0,
	CTL_ERR_DENIED = 1,		/* not allowed for this peer */
	CTL_ERR_INVALID = 2,		/* malformed request, unknown type or argument */
	CTL_ERR_FAILED = 3,		/* the daemon could not do it (reason in the body) */
	CTL_ERR_DRIFT = 4,		/* verify: the kernel differs */
};

struct ctl_hdr {
	uint16_t version;
	uint16_t type;			/* enum ctl_type */
	uint32_t len;			/* body bytes after the header */
	uint32_t flags;			/* CTL_F_* */
	int32_t status;			/* replies: enum ctl_status */
};

static inline int ctl_type_mutates(uint16_t type)
{
	return type >= CTL_RELOAD && type < CTL_TYPE_MAX;
}

#endif
