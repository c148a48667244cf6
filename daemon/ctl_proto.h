/* SPDX-License-Identifier: GPL-2.0-only */
/* ctl_proto.h: the control protocol between sansod and sansoctl over an AF_UNIX
 * SOCK_SEQPACKET socket (/run/sanso/control). One request message per exchange; the reply
 * is one or more messages, the last with CTL_F_END. Every message starts with ctl_hdr; the
 * body is UTF-8 text of at most CTL_BODY_MAX bytes: requests carry "key=value" lines, replies
 * carry the output (text, JSON or Prometheus, as asked). Versioned and size-bounded: a
 * message of another version or size is refused. The peer is identified by SO_PEERCRED. */
#ifndef SANSO_CTL_PROTO_H
#define SANSO_CTL_PROTO_H

#include <stdbool.h>
#include <stdint.h>

#define CTL_SOCKET_DEFAULT	"/run/sanso/control"
#define CTL_VERSION		1
#define CTL_BODY_MAX		(60 * 1024)
#define CTL_MSG_MAX		(sizeof(struct ctl_hdr) + CTL_BODY_MAX)

/* Who may send a request (ctl.h: the groups). Ordered: a role includes those below it. */
enum ctl_role {
	CTL_ROLE_AUDIT = 1,		/* read-only: sanso-audit, sanso-admin, root */
	CTL_ROLE_ADMIN,			/* changes: sanso-admin, root */
};

/*
 * The protocol in one table, one row per request:
 *   X(ID, name, mutates, role, handler)
 *   ID       the request type CTL_<ID>; its wire number is its row (the first is 1): new
 *            requests are appended, rows are never reordered or removed
 *   name     in logs, the audit trail and sansoctl (which writes a hyphen as a space:
 *            "breakout-revoke" is `sansoctl breakout revoke`)
 *   mutates  changes the kernel's ruleset or the operational state
 *   role     the least role that may send it (ctl_allowed); a mutating request needs more
 *            than CTL_ROLE_AUDIT (test_ctl)
 *   handler  the function of ops.c that serves it (sansod only; others ignore the column)
 * Arguments (key=value) are in sansoctl(8); sansoctl.c maps its command names to these rows.
 */
#define CTL_REQUESTS(X) \
	X(STATUS,	"status",		false,	CTL_ROLE_AUDIT,	h_status)	\
	X(DUMP,		"dump",			false,	CTL_ROLE_AUDIT,	h_dump)		\
	X(VERIFY,	"verify",		false,	CTL_ROLE_AUDIT,	h_verify)	\
	X(STATS,	"stats",		false,	CTL_ROLE_AUDIT,	h_stats)	\
	X(EXC_LIST,	"exception-list",	false,	CTL_ROLE_AUDIT,	h_exc_list)	\
	X(CHANGES,	"changes",		false,	CTL_ROLE_AUDIT,	h_changes)	\
	X(EXPLAIN,	"explain",		false,	CTL_ROLE_AUDIT,	h_explain)	\
	X(RELOAD,	"reload",		true,	CTL_ROLE_ADMIN,	h_reload)	\
	X(ISOLATE,	"isolate",		true,	CTL_ROLE_ADMIN,	h_change)	\
	X(RESTORE,	"restore",		true,	CTL_ROLE_ADMIN,	h_change)	\
	X(BO_REVOKE,	"breakout-revoke",	true,	CTL_ROLE_ADMIN,	h_change)	\
	X(BO_RESTORE,	"breakout-restore",	true,	CTL_ROLE_ADMIN,	h_change)	\
	X(EXC_ADD,	"exception-add",	true,	CTL_ROLE_ADMIN,	h_exc_add)	\
	X(EXC_REVOKE,	"exception-revoke",	true,	CTL_ROLE_ADMIN,	h_exc_revoke)	\
	X(PROPOSE,	"propose",		true,	CTL_ROLE_ADMIN,	h_propose)	\
	X(APPROVE,	"approve",		true,	CTL_ROLE_ADMIN,	h_approve)	\
	X(EMERGENCY,	"emergency",		true,	CTL_ROLE_ADMIN,	h_propose)	\
	X(RATIFY,	"ratify",		true,	CTL_ROLE_ADMIN,	h_approve)	\
	X(MAINT_OPEN,	"maintenance-open",	true,	CTL_ROLE_ADMIN,	mw_h_open)	\
	X(MAINT_APPROVE, "maintenance-approve",	true,	CTL_ROLE_ADMIN,	mw_h_approve)	\
	X(MAINT_CLOSE,	"maintenance-close",	true,	CTL_ROLE_ADMIN,	mw_h_close)	\
	X(MAINT_LIST,	"maintenance-list",	false,	CTL_ROLE_AUDIT,	mw_h_list)

/* Arguments by request (key=value lines; every request also takes lang=ja, and format=):
 *   reload [full=1: a table replace, never a delta]; dump format=text|json|nft; stats format=text|prometheus; explain src dst proto [port];
 *   isolate, restore target=ZONE|HOST|GROUP reason=; breakout-revoke, -restore service=NAME
 *   reason=; exception-add id from to proto [ports] reason requested-by approved-by expires;
 *   exception-revoke id; propose, emergency file (readable by sansod) reason (emergency:
 *   applies now, unratified); approve (not the proposer), ratify (not the one who applied
 *   it) id; maintenance-open vendor from to proto [ports] until reason (mwin.c);
 *   maintenance-approve (not the proposer), maintenance-close id; maintenance-list. */

#define CTL_ENUM_(id, name, mutates, role, handler)	CTL_##id,
enum ctl_type {
	CTL_TYPE_NONE = 0,		/* not a request */
	CTL_REQUESTS(CTL_ENUM_)
	CTL_TYPE_MAX
};
#undef CTL_ENUM_

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

#endif
