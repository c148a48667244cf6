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

/* Who may send a request: a set of roles. A role is a system group (ctl.h: CTL_ROLE_GROUPS);
 * a peer holds the roles of all its groups at once, root every role. */
enum ctl_role {
	CTL_ROLE_CISO = 1U << 0,	/* sanso-ciso: approves, ratifies (My Number exceptions) */
	CTL_ROLE_ADMIN = 1U << 1,	/* sanso-admin: changes, proposes, approves another's */
	CTL_ROLE_OPERATOR = 1U << 2,	/* sanso-operator: containment, no policy change */
	CTL_ROLE_AUDIT = 1U << 3,	/* sanso-audit: reads only */
	CTL_ROLE_CONTRACTOR = 1U << 4,	/* sanso-contractor: proposes only */
};
#define CTL_ROLE_N		5
#define CTL_ROLES_ALL		((1U << CTL_ROLE_N) - 1)

/* The sets the table gives (sansoctl(8) ROLES prints them as one table). */
#define CTL_ROLES_WATCH	 (CTL_ROLE_CISO | CTL_ROLE_ADMIN | CTL_ROLE_OPERATOR | CTL_ROLE_AUDIT)
#define CTL_ROLES_READ	 (CTL_ROLE_CISO | CTL_ROLE_ADMIN | CTL_ROLE_AUDIT)
#define CTL_ROLES_CONTAIN (CTL_ROLE_ADMIN | CTL_ROLE_OPERATOR)
#define CTL_ROLES_CHANGE (CTL_ROLE_ADMIN)
#define CTL_ROLES_PROPOSE (CTL_ROLE_ADMIN | CTL_ROLE_CONTRACTOR)
#define CTL_ROLES_APPROVE (CTL_ROLE_CISO | CTL_ROLE_ADMIN)

/*
 * The protocol in one table, one row per request:
 *   X(ID, name, mutates, roles, handler)
 *   ID       the request type CTL_<ID>; its wire number is its row (the first is 1): new
 *            requests are appended, rows are never reordered or removed
 *   name     in logs, the audit trail and sansoctl (which writes a hyphen as a space:
 *            "breakout-revoke" is `sansoctl breakout revoke`)
 *   mutates  changes the kernel's ruleset or the operational state (a read is not: reads
 *            are recorded per uid and minute, ctl.read)
 *   roles    the roles that may send it (ctl_allowed), the only place authorization is
 *            decided; a mutating request never includes CTL_ROLE_AUDIT, a request audit may
 *            send is one admin and ciso may send too (test_ctl)
 *   handler  the function of ops.c that serves it (sansod only; others ignore the column)
 * Arguments (key=value) are in sansoctl(8); sansoctl.c maps its command names to these rows.
 */
#define CTL_REQUESTS(X) \
	X(STATUS,	"status",		false,	CTL_ROLES_WATCH,	h_status)	\
	X(DUMP,		"dump",			false,	CTL_ROLES_READ,		h_dump)		\
	X(VERIFY,	"verify",		false,	CTL_ROLES_READ,		h_verify)	\
	X(STATS,	"stats",		false,	CTL_ROLES_WATCH,	h_stats)	\
	X(EXC_LIST,	"exception-list",	false,	CTL_ROLES_READ,		h_exc_list)	\
	X(CHANGES,	"changes",		false,	CTL_ROLES_READ,		change_h_list)	\
	X(EXPLAIN,	"explain",		false,	CTL_ROLES_WATCH,	h_explain)	\
	X(RELOAD,	"reload",		true,	CTL_ROLES_CHANGE,	change_h_reload) \
	X(ISOLATE,	"isolate",		true,	CTL_ROLES_CONTAIN,	h_change)	\
	X(RESTORE,	"restore",		true,	CTL_ROLES_CONTAIN,	h_change)	\
	X(BO_REVOKE,	"breakout-revoke",	true,	CTL_ROLES_CONTAIN,	h_change)	\
	X(BO_RESTORE,	"breakout-restore",	true,	CTL_ROLES_CONTAIN,	h_change)	\
	X(EXC_ADD,	"exception-add",	true,	CTL_ROLES_CHANGE,	h_exc_add)	\
	X(EXC_REVOKE,	"exception-revoke",	true,	CTL_ROLES_CHANGE,	h_exc_revoke)	\
	X(PROPOSE,	"propose",		true,	CTL_ROLES_PROPOSE,	change_h_propose) \
	X(APPROVE,	"approve",		true,	CTL_ROLES_APPROVE,	h_approve)	\
	X(EMERGENCY,	"emergency",		true,	CTL_ROLES_CHANGE,	change_h_propose) \
	X(RATIFY,	"ratify",		true,	CTL_ROLES_APPROVE,	change_h_approve) \
	X(PROVE,	"prove",		false,	CTL_ROLES_READ,		h_prove)	\
	X(KEYGEN,	"keygen",		true,	CTL_ROLES_CHANGE,	h_keygen)	\
	X(HISTORY,	"history",		false,	CTL_ROLES_READ,		change_h_history) \
	X(SHOW,		"show",			false,	CTL_ROLES_READ,		change_h_show)	\
	X(ROLLBACK,	"rollback",		true,	CTL_ROLES_CHANGE,	change_h_rollback) \
	X(CONFIRM,	"confirm",		true,	CTL_ROLES_APPROVE,	change_h_confirm) \
	X(VDIFF,	"version-diff",		false,	CTL_ROLES_READ,		change_h_diff) \
	X(MAINT_OPEN,	"maintenance-open",	true,	CTL_ROLES_CHANGE,	mw_h_open) \
	X(MAINT_APPROVE,	"maintenance-approve",	true,	CTL_ROLES_APPROVE,	mw_h_approve) \
	X(MAINT_CLOSE,	"maintenance-close",	true,	CTL_ROLES_CONTAIN,	mw_h_close) \
	X(MAINT_LIST,	"maintenance-list",	false,	CTL_ROLES_READ,	mw_h_list)	\
	X(BACKUP,	"backup",		false,	CTL_ROLES_APPROVE,	backup_h_create) \
	X(BACKUP_RESTORE, "backup-restore",	true,	CTL_ROLES_CHANGE,	backup_h_restore) \
	X(ALERT_TEST,	"alert-test",		false,	CTL_ROLES_READ,		h_alert_test) \
	X(REPORT,	"report",		false,	CTL_ROLES_READ,		report_h_create)

/* Arguments by request (key=value lines; every request also takes lang=ja, and format=):
 *   reload [full=1: a table replace, never a delta]; dump format=text|json|nft; stats format=text|prometheus; explain src dst proto [port];
 *   isolate, restore target=ZONE|HOST|GROUP reason=; breakout-revoke, -restore service=NAME
 *   reason=; exception-add id from to proto [ports] reason requested-by approved-by expires;
 *   exception-revoke id; propose, emergency file reason, the text itself passed with the
 *   request (ctl_req.fd: a memfd sansoctl filled, SCM_RIGHTS; without one, the path is read) (emergency:
 *   applies now, unratified; [confirm-within=DURATION]); approve (not the proposer)
 *   id [confirm-within=DURATION: 90s, 10m, 1h]: a proposed change, or a proposed exception
 *   (ops.c); ratify (not the one who applied it) id; history; show version; rollback version
 *   reason (a proposal); confirm; prove [format=json]: the kernel's table proven against the
 *   policy in force (the kernel read through libnftables, prove_policy.h), CTL_ERR_FAILED
 *   when it allows a path the policy does not; keygen: the gateway's Ed25519 signing key
 *   (state directory), its public key returned; dump signed=1: the dump signed with it
 *   (evidence.h); version-diff version [to] (default: the running one): the policy-level
 *   difference of two stored versions (pdiff.h); maintenance-open vendor from to proto
 *   [ports] until reason (mwin.c); maintenance-approve (not the proposer), maintenance-close
 *   id; maintenance-list; backup (the archive, backup.h); backup-restore, the archive passed
 *   with the request (ctl_req.fd): its running version proposed; alert-test: one alert.test
 *   through every alert sink (alert.h), the sinks' state returned; report [lang=ja|en]: the
 *   auditor's report, one HTML page (reportd.h; sansoctl writes it to -o FILE). */

#define CTL_ENUM_(id, name, mutates, roles, handler)	CTL_##id,
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
	CTL_ERR_CANNOT = 5,		/* prove: the kernel's table cannot be evaluated */
};

struct ctl_hdr {
	uint16_t version;
	uint16_t type;			/* enum ctl_type */
	uint32_t len;			/* body bytes after the header */
	uint32_t flags;			/* CTL_F_* */
	int32_t status;			/* replies: enum ctl_status */
};

#endif
