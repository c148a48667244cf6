/* SPDX-License-Identifier: GPL-2.0-only */
/* ctl.h: the control socket of sansod (protocol in ctl_proto.h). Requests are parsed and
 * bounded here (ctl_req_parse is pure and fuzzed); who may ask what is decided here too, from
 * the roles column of the protocol table (CTL_REQUESTS) only: a peer holds the roles of its
 * system groups (CTL_ROLE_GROUPS), root all of them; a request is allowed when the peer holds
 * one of the row's roles, everything else is refused (and recorded by the caller). Any local
 * user may connect (the socket is 0666): a peer without a role is refused at its request.
 * sansoctl links this file for the table (ctl_request). */
#ifndef SANSO_CTL_H
#define SANSO_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "ctl_proto.h"

/* The group of each role, in the order of the bits of enum ctl_role. */
#define CTL_CISO_GROUP		"sanso-ciso"
#define CTL_ADMIN_GROUP		"sanso-admin"
#define CTL_OPERATOR_GROUP	"sanso-operator"
#define CTL_AUDIT_GROUP		"sanso-audit"
#define CTL_CONTRACTOR_GROUP	"sanso-contractor"
#define CTL_ROLE_GROUPS { CTL_CISO_GROUP, CTL_ADMIN_GROUP, CTL_OPERATOR_GROUP, CTL_AUDIT_GROUP, \
			  CTL_CONTRACTOR_GROUP }
#define CTL_ARGS_MAX		16
#define CTL_ARG_MAX		256

struct ctl_req {
	uint16_t type;
	int fd;				/* a descriptor passed with it (SCM_RIGHTS: the text of
					 * propose/emergency), -1 if none; the daemon closes it
					 * after the handler */
	int n;
	char key[CTL_ARGS_MAX][32];
	char val[CTL_ARGS_MAX][CTL_ARG_MAX];
};

struct ctl_peer {
	pid_t pid;
	uid_t uid;
	gid_t gid;
	unsigned roles;			/* enum ctl_role bits: its groups (root: all) */
	bool contractor;		/* in sanso-contractor (not root): its proposals are
					 * marked and need an admin or CISO approval */
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
	unsigned roles;			/* enum ctl_role bits that may send it */
};

/* Pure: the row of type, NULL if it is not a request. */
const struct ctl_request *ctl_request(uint16_t type);
/* Pure: the request called name ("breakout-revoke"), NULL if none. */
const struct ctl_request *ctl_request_find(const char *name);
/* Pure: may this peer make this request? By the row's roles only (root: every request). */
bool ctl_allowed(const struct ctl_peer *p, uint16_t type);
const char *ctl_type_name(uint16_t type);	/* "unknown" if not a request */
const char *ctl_role_group(enum ctl_role role);	/* "sanso-admin"; NULL if not one role */
const char *ctl_role_name(enum ctl_role role);	/* "admin"; NULL if not one role */
/* Pure: roles as text, their names joined by sep ("admin,audit"), "none" if there is none;
 * with groups, the groups' names ("sanso-admin or sanso-ciso" with sep " or "). */
const char *ctl_roles_text(unsigned roles, bool groups, const char *sep, char *buf, size_t len);
/* The roles of a user from the group database: the groups of uid's name (primary gid from
 * the credentials) that are role groups; root holds every role. */
unsigned ctl_roles_of(uid_t uid, gid_t gid, const char *user);

/* Separation of duties (R61): the users (names) that hold an approving role (sanso-admin or
 * sanso-ciso) and the audit role at once, from the group database (members and primary
 * groups). Up to max names into names; returns how many there are in all (or -errno). */
#define CTL_OVERLAP_NAME	32
int ctl_role_overlaps(char (*names)[CTL_OVERLAP_NAME], int max);

/* Read-only requests and refusals are recorded per uid and minute (R65): a table of fixed size,
 * no allocation per request. A refusal of a request is recorded at once the first time in a
 * minute (the caller writes it when ctl_tally_note says so), the rest of that minute counted. */
#define CTL_TALLY_MAX		32
struct ctl_tally {
	int64_t minute;			/* unix time / 60; 0: a free slot */
	uid_t uid;
	unsigned roles;
	uint64_t refusal_seen;		/* by type: the first refusal of the minute is recorded */
	char name[64];
	uint32_t reads[CTL_TYPE_MAX], refused[CTL_TYPE_MAX];
};
struct ctl_tallies {
	struct ctl_tally t[CTL_TALLY_MAX];
};
#define CTL_TALLY_FIRST_REFUSAL	1	/* record this refusal at once */
#define CTL_TALLY_EVICTED	2	/* the table was full: *evicted is to be recorded now */
/* Pure: count a read (refused false) or a refusal of p at minute: CTL_TALLY_* bits. */
int ctl_tally_note(struct ctl_tallies *ts, const struct ctl_peer *p, int64_t minute,
		   uint16_t type, bool refused, struct ctl_tally *evicted);
/* Pure: take out one tally of a minute before `before` (INT64_MAX: any): 1, or 0 if none. */
int ctl_tally_take(struct ctl_tallies *ts, int64_t before, struct ctl_tally *ret);
/* Pure: "status:200 dump:1" of counts (reads or refused of a tally); returns the sum. */
uint32_t ctl_tally_text(const uint32_t *counts, char *buf, size_t len);

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
