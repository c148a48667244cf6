/* SPDX-License-Identifier: GPL-2.0-only */
/* ctl.h: the control socket of sansod (protocol in ctl_proto.h). Requests are parsed and
 * bounded here (ctl_req_parse is pure and fuzzed); who may ask what is decided here too, from
 * the role column of the protocol table (CTL_REQUESTS): CTL_ROLE_AUDIT requests for root and
 * the audit and admin groups, CTL_ROLE_ADMIN ones for root and the admin group only,
 * everything else refused (and recorded by the caller). sansoctl links this file for the
 * table (ctl_request). */
#ifndef SANSO_CTL_H
#define SANSO_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "ctl_proto.h"

#define CTL_ADMIN_GROUP		"sanso-admin"
#define CTL_AUDIT_GROUP		"sanso-audit"
#define CTL_ARGS_MAX		16
#define CTL_ARG_MAX		256

struct ctl_req {
	uint16_t type;
	int n;
	char key[CTL_ARGS_MAX][32];
	char val[CTL_ARGS_MAX][CTL_ARG_MAX];
};

struct ctl_peer {
	pid_t pid;
	uid_t uid;
	gid_t gid;
	bool admin, audit;		/* member of the groups (or root for admin) */
	char name[64];			/* "uid=1000(tanaka)" */
};

struct ctl_server {
	int fd;
	char path[108];
};

/* Pure: a received message -> request. -EPROTO (version), -EMSGSIZE (size), -EINVAL (type,
 * keys, values: printable UTF-8 without newlines, bounded). */
int ctl_req_parse(const void *msg, size_t len, struct ctl_req *ret);
const char *ctl_req_get(const struct ctl_req *r, const char *key);	/* NULL if absent */
/* One row of the protocol table (ctl_proto.h), without the handler (ops.c has that). */
struct ctl_request {
	uint16_t type;
	const char *name;
	bool mutates;
	enum ctl_role role;
};

/* Pure: the row of type, NULL if it is not a request. */
const struct ctl_request *ctl_request(uint16_t type);
/* Pure: the request called name ("breakout-revoke"), NULL if none. */
const struct ctl_request *ctl_request_find(const char *name);
/* Pure: may this peer make this request? By the row's role only. */
bool ctl_allowed(const struct ctl_peer *p, uint16_t type);
const char *ctl_type_name(uint16_t type);	/* "unknown" if not a request */
const char *ctl_role_group(enum ctl_role role);	/* the group a role needs */

int ctl_listen(struct ctl_server *s, const char *path);
void ctl_close(struct ctl_server *s);
/* Accept one client (non-blocking listener): its fd (SOCK_CLOEXEC | SOCK_NONBLOCK) and
 * credentials. */
int ctl_accept(struct ctl_server *s, int *ret_fd, struct ctl_peer *ret);

/* A client is served without ever blocking the daemon: its socket is non-blocking, its
 * request must arrive within CTL_RECV_MS of the connection and its reply must be taken within
 * CTL_SEND_MS, or the connection is closed. A uid may hold CTL_CLIENTS_PER_UID connections
 * at once (CTL_CLIENTS_MAX in all); more are refused with a reply and closed. */
#define CTL_CLIENTS_MAX		64
#define CTL_CLIENTS_PER_UID	16
#define CTL_RECV_MS		1000
#define CTL_SEND_MS		10000

struct ctl_conn {
	int fd;				/* -1: a free slot */
	struct ctl_peer peer;
	char *out;			/* the reply: framed messages (ctl_hdr + body) */
	size_t len, off;		/* bytes framed, bytes sent (message boundaries) */
	int64_t deadline;		/* monotonic ms */
};

/* Receive the request: 0, -EAGAIN (nothing yet), -errno or the ctl_req_parse error. */
int ctl_conn_recv(struct ctl_conn *c, struct ctl_req *ret);
/* Frame a reply (body split into messages, the last with CTL_F_END) to be sent by
 * ctl_conn_flush: 0 or -ENOMEM. */
int ctl_conn_queue(struct ctl_conn *c, int status, const char *body, size_t len);
/* Send what the socket takes now: 1 all sent, 0 the rest waits for POLLOUT, -errno. */
int ctl_conn_flush(struct ctl_conn *c);
void ctl_conn_close(struct ctl_conn *c);
/* One short reply without waiting (a refused connection): 0 or -errno. */
int ctl_reply_now(int fd, int status, const char *body);

#endif
