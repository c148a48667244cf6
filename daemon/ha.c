/* SPDX-License-Identifier: GPL-2.0-only */
/* ha.c: sansod in an HA pair (R99, R102). The node keepalived made master (its notify script
 * ran `sansoctl ha notify MASTER`, which writes ha-state next to the control socket) sends
 * its state every HA_TICK_MS: the SHA-256 of its policy text, its isolations,
 * revocations and exception ledger. The other node applies what differs from its own with
 * the same atomic commit as a local change, and only when both run the same policy text.
 * Every tick writes ha-sync next to the control socket: "in-sync ..." or "not-in-sync ...",
 * read by `sansoctl ha check` (keepalived's track_script): a node that is not in sync is not
 * eligible to be master. In sync: master; or the last state heard from the peer is ours; or
 * nothing heard for HA_GRACE_MS since start (alone: the peer is down). A node that comes back
 * while the peer runs converges first; a peer that falls silent leaves the last state it
 * sent in force (it may have died: this node must be able to take over). A peer whose master
 * runs another policy text pulls that version (haver.h) and applies it like an approval,
 * and copies the versions of the master's store it lacks (hahist.h).
 * Refused datagrams (forged, replayed, stale, not from the peer) are logged and audited, at
 * most once a second with their count. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alert.h"
#include "log.h"
#include "queue.h"
#include "gen.h"
#include "ha.h"
#include "hahist.h"
#include "haver.h"
#include "sansod.h"
#include "state.h"
#include "trail.h"

#define HA_GRACE_MS	3000	/* nothing heard this long after start: alone, in sync */

/* "<dir of the control socket>/name" */
static void side_file(const struct daemon *d, const char *name, char *out, size_t len)
{
	const char *s = strrchr(d->o.control, '/');

	snprintf(out, len, "%.*s%s", s ? (int)(s - d->o.control + 1) : 0, d->o.control, name);
}

static bool is_master(const struct daemon *d)
{
	char path[4096], st[32] = "";
	FILE *f;

	side_file(d, "ha-state", path, sizeof(path));
	f = fopen(path, "re");
	if (!f)
		return false;
	if (!fgets(st, sizeof(st), f))
		st[0] = '\0';
	fclose(f);
	return !strncmp(st, "MASTER", 6);
}

void ha_start(struct daemon *d)
{
	const struct policy *p = d->cur.policy;
	struct ha_node *h = &d->ha;

	memset(h, 0, sizeof(*h));
	h->s.fd = -1;
	h->start_ms = hasync_clock_ms(CLOCK_MONOTONIC);
	h->fresh_cursor = -1;
	if (!p || !p->ha.present)
		return;
	h->on = true;
	if (!d->o.state_dir) {
		snprintf(h->why, sizeof(h->why), "no --state-dir: no key, no sync");
		log_warnx("ha: %s; this node is never in sync", h->why);
		return;
	}
	if (hasync_open(&h->s, &p->ha, d->o.state_dir, h->why, sizeof(h->why)) < 0) {
		log_warnx("ha: %s; this node is never in sync (sansoctl ha check fails)", h->why);
		return;
	}
	log_info("ha: state sync %s -> %s, UDP port %d", h->s.own_addr, h->s.peer_addr,
		 p->ha.sync_port);
}

void ha_stop(struct daemon *d)
{
	haver_free(d);
	hahist_free(d);
	hasync_close(&d->ha.s);
}

int ha_fd(const struct daemon *d)
{
	return d->ha.s.fd;
}

/* "sha\t<policy>\n" and the shared operational state. */
static int payload(const struct daemon *d, const struct ops *o, char *buf, size_t cap,
		   size_t *len)
{
	FILE *f = fmemopen(buf, cap, "w");
	long n;

	if (!f)
		return -ENOMEM;
	fprintf(f, "sha\t%s\n", d->cur.sha256);
	state_write(o, f, false);
	n = ftell(f);
	if (fclose(f) || n < 0 || (size_t)n >= cap - 1)
		return -E2BIG;
	*len = (size_t)n;
	return 0;
}

static void refused(struct daemon *d, int e, const char *from)
{
	struct ha_node *h = &d->ha;
	int64_t now = hasync_clock_ms(CLOCK_MONOTONIC);
	char n[16];

	h->refused++;
	if (now - h->audit_ms < 1000)
		return;
	h->audit_ms = now;
	snprintf(n, sizeof(n), "%u", h->refused);
	log_warnx("ha: refused %u sync datagram(s), the last from %s: %s", h->refused, from,
		  hasync_err_name(e));
	(void)trail_audit(d, "sansod", AUDIT_EV_HA_SYNC_REFUSED, "from", from, "why",
			   hasync_err_name(e), "count", n, NULL);
	h->refused = 0;
}

/* The peer's state: same policy text, then its isolations, revocations and ledger. */
/* exception.expire in this node's trail: the peer's ledger does not say; keep ours by id. */
static void keep_expire_records(const struct ops *mine, struct ops *peer)
{
	int i, j;

	for (i = 0; i < peer->n_ledger; i++) {
		for (j = 0; j < mine->n_ledger; j++) {
			if (!strcmp(peer->ledger[i].id, mine->ledger[j].id))
				peer->ledger[i].expire_reported = mine->ledger[j].expire_reported;
		}
	}
}

static void apply_peer(struct daemon *d, char *text, size_t len)
{
	static char mine[HASYNC_PAYLOAD_MAX];
	struct ha_node *h = &d->ha;
	char *nl = strchr(text, '\n');
	struct ops *o;
	size_t mlen;
	FILE *f;

	if (!nl || strncmp(text, "sha\t", 4) || (size_t)(nl - text) != 4 + 64) {
		snprintf(h->why, sizeof(h->why), "the peer's state could not be read");
		h->synced = false;
		return;
	}
	if (strncmp(text + 4, d->cur.sha256, 64)) {
		char sha[65];

		snprintf(sha, sizeof(sha), "%.64s", text + 4);
		snprintf(h->why, sizeof(h->why), "the peer runs another policy text (%.16s, ours "
			 "%.16s)%s", sha, d->cur.sha256, !d->store_on ? "" :
			 strcmp(sha, h->ver_failed) ? ": taking it" :
			 ": it could not be applied here (see the log)");
		h->synced = false;
		if (d->store_on)
			haver_want(d, sha);	/* its version: pulled, checked, applied */
		return;
	}
	if (payload(d, &d->ops, mine, sizeof(mine), &mlen) == 0 && mlen == len &&
	    !memcmp(mine, text, len)) {
		h->synced = true;
		return;
	}
	o = calloc(1, sizeof(*o));
	f = o ? fmemopen(nl + 1, len - (size_t)(nl + 1 - text), "r") : NULL;
	if (!f || state_read(o, f, "ha peer") != 0) {
		snprintf(h->why, sizeof(h->why), "the peer's state could not be read");
		h->synced = false;
		goto out;
	}
	memcpy(d->ops.isolate, o->isolate, sizeof(o->isolate));
	d->ops.n_isolate = o->n_isolate;
	memcpy(d->ops.revoke, o->revoke, sizeof(o->revoke));
	d->ops.n_revoke = o->n_revoke;
	keep_expire_records(&d->ops, o);
	memcpy(d->ops.ledger, o->ledger, sizeof(o->ledger));
	d->ops.n_ledger = o->n_ledger;
	(void)trail_audit(d, h->s.peer_addr, AUDIT_EV_HA_SYNC_APPLY, NULL);
	state_save(d);
	h->synced = gen_apply_ops(d) == 0;
	if (!h->synced)
		snprintf(h->why, sizeof(h->why), "the peer's state could not be applied");
	log_info("ha: state of %s applied (%d isolation(s), %d revocation(s), %d exception(s))%s",
		 h->s.peer_addr, o->n_isolate, o->n_revoke, o->n_ledger,
		 h->synced ? "" : ": FAILED");
out:
	if (f)
		fclose(f);
	free(o);
}

/* ---- addresses learned from DNS (breakout) ----
 * The master sends them in datagrams of their own: "learn\t<policy sha>\n", then one line
 * per address: family, address, ms left, ms since learned, service ids, resolver, name. Each
 * tick first what was learned or extended since the last tick (HA_LEARN_FRESH datagrams at
 * most; the rest follows on the next tick), then the next slice of the whole table
 * (HA_LEARN_ROLL datagrams), so a peer that missed a datagram or came back converges. The
 * peer checks every record against its own policy (eng_learned_import). */
#define HA_LEARN_PER	200	/* records per datagram: < HASYNC_PAYLOAD_MAX at ~230 B each */
#define HA_LEARN_FRESH	8
#define HA_LEARN_ROLL	2

static bool name_sendable(const char *s)
{
	for (; *s; s++) {
		if (*s <= ' ' || *s >= 0x7f)
			return false;
	}
	return true;
}

static int learn_payload(const struct daemon *d, const struct eng_learn_rec *r, int n,
			 char *buf, size_t cap, size_t *len)
{
	char a[INET6_ADDRSTRLEN], c[INET6_ADDRSTRLEN];
	FILE *f = fmemopen(buf, cap, "w");
	long pos;
	int i, j;

	if (!f)
		return -ENOMEM;
	fprintf(f, "learn\t%s\n", d->cur.sha256);
	for (i = 0; i < n; i++) {
		if (!name_sendable(r[i].name) || !inet_ntop(r[i].family, r[i].addr, a, sizeof(a)) ||
		    !inet_ntop(r[i].family, r[i].client, c, sizeof(c)))
			continue;
		fprintf(f, "%d\t%s\t%lld\t%lld\t", r[i].family == AF_INET ? 4 : 6, a,
			(long long)r[i].left_ms, (long long)r[i].age_ms);
		for (j = 0; j < ENG_SVC_PER_ADDR; j++)
			fprintf(f, "%s%u", j ? "," : "", r[i].svc[j]);
		fprintf(f, "\t%s\t%s\n", c, r[i].name);
	}
	pos = ftell(f);
	if (fclose(f) || pos < 0 || (size_t)pos >= cap - 1)
		return -E2BIG;
	*len = (size_t)pos;
	return 0;
}

/* Up to dgrams datagrams of entries touched since since, from *cursor on. */
static void learn_send(struct daemon *d, int64_t now, int64_t since, int *cursor, int dgrams)
{
	static struct eng_learn_rec r[HA_LEARN_PER];
	static char buf[HASYNC_PAYLOAD_MAX];
	size_t len;
	int n;

	if (*cursor < 0)
		*cursor = 0;
	while (dgrams-- > 0 && *cursor >= 0) {
		n = queue_learned_export(&d->q, now, since, cursor, r, HA_LEARN_PER);
		if (n > 0 && learn_payload(d, r, n, buf, sizeof(buf), &len) == 0)
			(void)hasync_send(&d->ha.s, buf, len, hasync_clock_ms(CLOCK_REALTIME));
	}
}

static void learn_tick(struct daemon *d)
{
	struct ha_node *h = &d->ha;
	int64_t now = hasync_clock_ms(CLOCK_REALTIME);

	if (!d->engine)
		return;
	if (h->fresh_cursor < 0) {	/* the last fresh pass ended: the next starts now */
		h->fresh_since = h->fresh_next;
		h->fresh_next = now - HA_TICK_MS;	/* overlap: learned during this pass */
	}
	learn_send(d, now, h->fresh_since, &h->fresh_cursor, HA_LEARN_FRESH);
	learn_send(d, now, 0, &h->roll_cursor, HA_LEARN_ROLL);
	if (h->roll_cursor < 0)
		h->roll_cursor = 0;
}

/* "4\t10.30.0.100\t6000\t1200\t7,0,0,0\t10.20.0.53\twww.allowed.example" */
static int learn_line(char *line, struct eng_learn_rec *r)
{
	char *f[7], *save = NULL, *p, *end;
	long long v;
	int i;

	memset(r, 0, sizeof(*r));
	for (i = 0, p = strtok_r(line, "\t", &save); p && i < 7; p = strtok_r(NULL, "\t", &save))
		f[i++] = p;
	if (i != 7 || p || (strcmp(f[0], "4") && strcmp(f[0], "6")))
		return -EINVAL;
	r->family = f[0][0] == '4' ? AF_INET : AF_INET6;
	if (inet_pton(r->family, f[1], r->addr) != 1 || inet_pton(r->family, f[5], r->client) != 1)
		return -EINVAL;
	errno = 0;
	r->left_ms = strtoll(f[2], &end, 10);
	if (errno || *end || (v = strtoll(f[3], &end, 10), errno || *end))
		return -EINVAL;
	r->age_ms = v;
	for (i = 0, p = f[4]; i < ENG_SVC_PER_ADDR; i++) {
		r->svc[i] = (uint32_t)strtoul(p, &end, 10);
		if (end == p || (*end && *end != ','))
			return -EINVAL;
		p = *end ? end + 1 : end;
	}
	if (*p || strlen(f[6]) >= sizeof(r->name) || !name_sendable(f[6]))
		return -EINVAL;
	memcpy(r->name, f[6], strlen(f[6]) + 1);
	return 0;
}

static void learn_input(struct daemon *d, char *text)
{
	static struct eng_learn_rec r[HA_LEARN_PER];
	struct ha_node *h = &d->ha;
	char *line, *save = NULL;
	int n = 0, bad = 0, refused = 0, e;

	line = strtok_r(text, "\n", &save);
	if (!line || strlen(line) != 6 + 64 || strcmp(line + 6, d->cur.sha256))
		return;		/* another policy text: the state datagram says so */
	while ((line = strtok_r(NULL, "\n", &save)) && n < HA_LEARN_PER) {
		if (learn_line(line, &r[n]) == 0)
			n++;
		else
			bad++;
	}
	e = n ? gen_learn_peer(d, r, n, &refused) : 0;
	h->learned_rx += (unsigned)(n - refused);
	h->learn_refused += (unsigned)(bad + refused);
	if (e < 0 && e != -ENOENT)
		log_warnx("ha: addresses learned by %s: kernel set update failed: %s",
			  h->s.peer_addr, strerror(-e));
}

void ha_input(struct daemon *d)
{
	static char buf[HASYNC_PAYLOAD_MAX + 1];
	struct ha_node *h = &d->ha;
	char from[64];
	size_t len;
	int r, i;

	for (i = 0; i < 64; i++) {
		r = hasync_recv(&h->s, buf, sizeof(buf), &len, hasync_clock_ms(CLOCK_REALTIME), from,
				sizeof(from));
		if (r < 0)
			return;
		if (r > 0) {
			refused(d, r, from);
			continue;
		}
		h->heard = true;
		h->rx_ms = hasync_clock_ms(CLOCK_MONOTONIC);
		if (!strncmp(buf, "need\t", 5)) {	/* the peer pulls our version */
			(void)haver_input(d, buf, len);
			continue;
		}
		if (hahist_input(d, buf, len, is_master(d)))	/* the store's history */
			continue;
		if (is_master(d))	/* both masters: each keeps its own, same policy */
			continue;
		if (haver_input(d, buf, len))
			continue;
		if (!strncmp(buf, "learn\t", 6)) {
			learn_input(d, buf);
			continue;
		}
		bool was = h->synced, first = !h->heard_state;

		apply_peer(d, buf, len);
		h->heard_state = true;
		if (was != h->synced || (first && !h->synced))
			alert_raise("ha.state", "ha: this node is %s with %s%s%s", h->synced ?
				    "in sync" : "NOT in sync", h->s.peer_addr, h->synced ? "" : ": ",
				    h->synced ? "" : h->why);
	}
}

static void write_status(const struct daemon *d, bool in_sync, const char *why)
{
	char path[4096], tmp[4200];
	FILE *f;

	side_file(d, "ha-sync", path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	f = fopen(tmp, "we");
	if (!f)
		return;
	fprintf(f, "%s %s\n", in_sync ? "in-sync" : "not-in-sync", why);
	fprintf(f, "learned-from-peer %u refused %u\n", d->ha.learned_rx, d->ha.learn_refused);
	fprintf(f, "versions-from-peer %u\n", d->ha.versions_rx);
	if (fclose(f) == 0)
		(void)rename(tmp, path);
}

void ha_tick(struct daemon *d)
{
	static char buf[HASYNC_PAYLOAD_MAX];
	struct ha_node *h = &d->ha;
	int64_t now = hasync_clock_ms(CLOCK_MONOTONIC);
	bool master;
	size_t len;

	if (!h->on)
		return;
	if (h->s.fd < 0) {
		write_status(d, false, h->why);
		return;
	}
	master = is_master(d);
	if (master && now - h->tx_ms >= HA_TICK_MS) {
		h->tx_ms = now;
		if (payload(d, &d->ops, buf, sizeof(buf), &len) == 0)
			(void)hasync_send(&h->s, buf, len, hasync_clock_ms(CLOCK_REALTIME));
		hahist_announce(d);
		learn_tick(d);
	}
	if (master)
		write_status(d, true, "master: the source of the state");
	else if (h->heard && h->synced)
		write_status(d, true, "the peer's last state applied");
	else if (!h->heard && now - h->start_ms > HA_GRACE_MS)
		write_status(d, true, "no peer heard: alone");
	else if (!h->heard)
		write_status(d, false, "waiting for the peer's state");
	else
		write_status(d, false, h->why);
}
