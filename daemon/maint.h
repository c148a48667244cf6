/* SPDX-License-Identifier: GPL-2.0-only */
/* maint.h: remote maintenance windows (R80), the model. A window gives one vendor address or
 * prefix access to one host of the policy, one protocol and its ports, until a time at most
 * MW_AHEAD_MAX seconds ahead. It is proposed by one person and approved by another (R62); once
 * approved it is compiled like an exception (mw_merge: a group for the vendor's prefix and an
 * exception to the host, validated against every invariant, its elements carrying a kernel
 * timeout), so the kernel ends it even while sansod is stopped.
 * Pure: no syscalls, no logging; text goes to the stream the caller hands in. */
#ifndef SANSO_MAINT_H
#define SANSO_MAINT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "diag.h"
#include "policy.h"

#define MW_MAX		64		/* windows kept (the oldest ended one makes room) */
#define MW_AHEAD_MAX	86400		/* --until: at most this many seconds ahead */
#define MW_SESSIONS_AUDIT 100		/* session records per window; the rest are counted */

enum mw_state {
	MW_PROPOSED = 0,
	MW_ACTIVE,			/* approved: compiled, the kernel's timeout ends it */
	MW_CLOSED,			/* ended early (sansoctl maintenance close) */
	MW_EXPIRED,			/* its time is over */
	MW_TAMPERED,			/* its line in the state file was changed: never applied */
	MW_STATE_MAX
};

struct mwin {
	char id[16];			/* "mw-N" */
	char vendor[64], from[64], to[POLICY_NAME_MAX], proto[16], ports[128], reason[256];
	char until[48];			/* RFC 3339 (comp_time_text) */
	int64_t until_t;		/* unix seconds */
	char by[64], by2[64];		/* proposer, approver (user names from SO_PEERCRED) */
	uid_t uid, uid2;
	int64_t opened_at, approved_at, ended_at;
	enum mw_state state;
	bool end_reported;		/* maintenance.expire / .close is in the trail */
	uint64_t sessions, suppressed, bytes;	/* sessions seen, not recorded, bytes (acct) */
};

const char *mw_state_name(enum mw_state s);
/* --until: "+N" with s, m or h, or RFC 3339; after now, at most MW_AHEAD_MAX ahead.
 * 0, -EINVAL (not a time), -ERANGE (past or too far). */
int mw_until_parse(const char *s, int64_t now, int64_t *ret);
/* The arguments of a proposal: 0, or -EINVAL with the reason in why. */
int mw_check(const struct mwin *w, char *why, size_t len);
/* The state-file line of w (no newline) and its inverse (line is changed); a line whose digest
 * does not match its fields, or whose end lies more than MW_AHEAD_MAX after its proposal, is
 * read with state MW_TAMPERED. 0 or -EINVAL. */
void mw_write(const struct mwin *w, FILE *f);
int mw_parse(char *line, struct mwin *w);
/* The approved windows of v still open at now, into p before policy_validate(): for each, a
 * group "<id>-from" (the vendor's prefix) and an exception "<id>" to the host. 0, -ENOMEM. */
int mw_merge(const struct mwin *v, int n, struct policy *p, int64_t now);
/* Index of the window called id, or -1. */
int mw_find(const struct mwin *v, int n, const char *id);
/* One window as text (list, status) or as a JSON object. */
/* kc: the kernel counter of its rule (packets, bytes) while it is compiled, else NULL. */
void mw_print(const struct mwin *w, const uint64_t kc[2], FILE *out);
void mw_json(const struct mwin *w, const uint64_t kc[2], FILE *out);

#endif
