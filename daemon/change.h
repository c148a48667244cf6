/* SPDX-License-Identifier: GPL-2.0-only */
/* change.h: change control over the configuration store (store.h) — approved versions only.
 *   policy.changes = "two-person" (the default): the running version changes only by approve,
 *   emergency, ratify (keeps it, clears the flag), rollback (a proposal) or an unconfirmed
 *   approve --confirm-within (reverted). A reload (SIGHUP, sansoctl reload) applies the running
 *   version again from the store, and reports a configuration file that differs from it as
 *   "pending: not approved" (audited), never applies it.
 *   policy.changes = "single": a reload applies the file (a finding; each one is a version).
 * At the first start (empty store) the file is adopted as version 1. The changes (proposals)
 * are kept in STATE_DIR/changes.state, without a fixed limit. Handlers of ctl_proto.h's
 * table are change_h_*. Every function returns 0 or -errno, handlers an enum ctl_status. */
#ifndef SANSO_CHANGE_H
#define SANSO_CHANGE_H

#include <stdio.h>

#include "sansod.h"

/* Start (daemon mode): the running version from the store, or adopt the file. */
int change_start(struct daemon *d);
struct ctl_peer;
struct ctl_req;
/* A reload (SIGHUP: peer NULL, sansoctl reload); out gets the reply (may be NULL).
 * 0, -EAGAIN (applied the running version; the file is pending: not approved) or -errno. */
int change_reload(struct daemon *d, const struct ctl_peer *peer, FILE *out);
/* The loop: revert an unconfirmed change in time, alert on unratified emergencies. */
void change_tick(struct daemon *d, int64_t now);
/* Milliseconds until change_tick has something to do (a confirm deadline), -1: nothing. */
int change_next_ms(const struct daemon *d, int64_t now);
/* Status and dump lines; JSON members (", \"key\": ..."). */
void change_status(const struct daemon *d, FILE *out);
void change_status_json(const struct daemon *d, FILE *out);
bool change_single(const struct daemon *d);
void change_free(struct daemon *d);

int change_h_reload(struct daemon *d, const struct ctl_peer *peer, const struct ctl_req *q,
		    FILE *out);
int change_h_list(struct daemon *d, const struct ctl_peer *peer, const struct ctl_req *q,
		  FILE *out);
/* The HA peer's running version (ha.c, its text checked against sha): applied with the same
 * atomic commit as an approval and stored as a version of this node with the peer's meta
 * (kind, who proposed and approved, reason), audited (ha.version). Two-person mode only
 * (-ENOTSUP: single mode, or no store). 0 or -errno (nothing changed). */
struct store_ver;
int change_adopt_peer(struct daemon *d, const char *text, size_t len, const char *sha,
		      const struct store_ver *meta, const char *peer_addr);
/* A proposal of a text in hand (a restore): staged and checked like a proposed file, kept
 * for another person's approve. 0 (the id printed to out and in ret_id) or -errno. */
#define CHANGE_ID_SIZE	17
int change_propose_text(struct daemon *d, const struct ctl_peer *peer, const char *text,
			size_t len, const char *reason, char ret_id[CHANGE_ID_SIZE], FILE *out);
int change_h_propose(struct daemon *d, const struct ctl_peer *peer, const struct ctl_req *q,
		     FILE *out);
int change_h_diff(struct daemon *d, const struct ctl_peer *peer, const struct ctl_req *q,
		  FILE *out);
int change_h_approve(struct daemon *d, const struct ctl_peer *peer, const struct ctl_req *q,
		     FILE *out);
int change_h_history(struct daemon *d, const struct ctl_peer *peer, const struct ctl_req *q,
		     FILE *out);
int change_h_show(struct daemon *d, const struct ctl_peer *peer, const struct ctl_req *q,
		  FILE *out);
int change_h_rollback(struct daemon *d, const struct ctl_peer *peer, const struct ctl_req *q,
		      FILE *out);
int change_h_confirm(struct daemon *d, const struct ctl_peer *peer, const struct ctl_req *q,
		     FILE *out);

#endif
