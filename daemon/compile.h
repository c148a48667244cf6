/* SPDX-License-Identifier: GPL-2.0-only */
/* compile.h: a validated policy -> the ruleset of table inet sanso (ir.h).
 * Pure: no syscalls, no logging; errors (elements the kernel could not hold together) go to a
 * diag with the policy's file:line.
 *
 * Decisions. Every flow, management flow, breakout service and exception gets a decision id,
 * the value its connections carry in ct mark. The id is a hash of the object's name and of
 * every kernel element it compiles to, so it is stable across reloads while the object is
 * unchanged, and changes (cutting its connections) when the object changes. Forwarded and
 * management traffic in state established/related passes only while its ct mark is in the
 * set @live, which every generation rebuilds; exceptions carry their kernel timeout there too,
 * so an expired exception is cut by the kernel alone. */
#ifndef SANSO_COMPILE_H
#define SANSO_COMPILE_H

#include <stdint.h>

#include "diag.h"
#include "ir.h"
#include "policy.h"

/* ct mark / packet mark layout:
 *   bits 0-29  decision id (0: none). Ids from COMP_ID_RESERVED up are special values.
 *   bit 30     ENGINE: in ct mark, the verdict engine decides this connection (a My Number
 *              flow it must confirm, or a breakout candidate waiting for its TLS/HTTP name).
 *   bit 31     COPY: in the packet mark of an engine verdict (NF_REPEAT): the forward chain
 *              copies the id into ct mark, clears the packet mark and decides again. */
#define COMP_MARK_MASK		0x3fffffffU
#define COMP_MARK_ENGINE	0x40000000U
#define COMP_MARK_COPY		0x80000000U
#define COMP_ID_RESERVED	0x3ffffff0U
#define COMP_ID_REFUSED		0x3fffffffU	/* the engine refused the connection */
#define COMP_ID_DNS		0x3ffffffeU	/* packet mark: a DNS answer to learn from */
#define COMP_ID_DNS_QUERY	0x3ffffffdU	/* packet mark: a resolver's query to an upstream */
#define COMP_ID_DNS_SEEN	0x3ffffffcU	/* packet mark of the engine's verdict on either:
						 * the forward chain decides again, without the tap */

enum comp_kind {
	COMP_FLOW = 0,
	COMP_MGMT,
	COMP_SERVICE,
	COMP_EXCEPTION,
	COMP_DNS,			/* the resolvers' queries to their upstreams */
	COMP_KIND_MAX
};

struct comp_decision {
	uint32_t id;
	enum comp_kind kind;
	int idx;			/* index in the policy's array of that kind */
	uint64_t timeout_ms;		/* exceptions: time left; 0 otherwise */
	const char *comment;		/* its elements' comment (owned by the ruleset), or NULL */
};

struct comp_result {
	struct ir_ruleset *rs;
	struct comp_decision *decisions;
	int n_decisions;
};

/* Compile p (validated) at time now (unix seconds). On success *ret is owned by the caller
 * (comp_result_free). Returns 0, -EINVAL with diag entries, or -ENOMEM. */
int comp_build(const struct policy *p, int64_t now, struct comp_result **ret, struct diag *diag);

/* Operational state compiled into a generation (R50, R51): isolated zones, hosts or groups
 * are cut from everything at the top of the forward chain, established connections
 * included. (Revoked breakout services are compiled as disabled services: their decision
 * ids leave @live, which cuts their connections.) */
struct comp_extra {
	const char *const *isolate;	/* zone ids/aliases, host or group names */
	int n_isolate;
};
int comp_build_ex(const struct policy *p, int64_t now, const struct comp_extra *x,
		  struct comp_result **ret, struct diag *diag);
/* base (compiled from p, at any time) with the isolations of x instead of its own: a copy
 * whose iso sets alone are built again, checked like comp_build_ex() checks them. Exception
 * timeouts stay base's (the kernel counts them down; timeouts are not compared, delta.h).
 * Returns 0, -EINVAL with diag entries, -ENOENT (base has no iso sets: build it whole),
 * or -ENOMEM. */
int comp_isolate(const struct policy *p, const struct comp_result *base,
		 const struct comp_extra *x, struct comp_result **ret, struct diag *diag);
void comp_result_free(struct comp_result *cr);

const char *comp_kind_name(enum comp_kind k);
/* Time t (unix seconds) as RFC 3339 in the local time zone (TZ), e.g.
 * "2026-12-07T12:00:00+09:00": how element comments name an exception's expiry. Returns the
 * length, or -1 if len is too small. */
int comp_time_text(int64_t t, char *buf, size_t len);

#endif
