/* SPDX-License-Identifier: GPL-2.0-only */
/* ops.c: what sansoctl can ask of sansod. Read-only requests (status, dump, verify, stats)
 * read the kernel, not the configuration; changes (reload, isolate, restore, breakout revoke
 * and restore) go through a new generation, atomically, and are refused as a whole when it
 * cannot be applied. Every refusal of a peer is logged. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include <arpa/inet.h>

#include "alert.h"
#include "change.h"
#include "clocksync.h"
#include "explain.h"
#include "nftgen.h"
#include "log.h"
#include "gen.h"
#include "backup.h"
#include "reportd.h"
#include "evidence.h"
#include "flowd.h"
#include "kprove.h"
#include "sign.h"
#include "version.h"
#include "mwin.h"
#include "ops.h"
#include "util_json.h"
#include "sansod.h"
#include "state.h"
#include "reply.h"
#include "trail.h"
#include "sha256.h"

struct counter_ctx {
	FILE *out;
	bool prom;
};

static void count_cb(void *arg, const char *chain, int idx, const char *comment, uint64_t pkts,
		     uint64_t bytes)
{
	struct counter_ctx *c = arg;

	if (c->prom)
		fprintf(c->out, "sanso_rule_packets_total{chain=\"%s\",rule=\"%d\",comment=\"%s\"} %" PRIu64 "\n"
			"sanso_rule_bytes_total{chain=\"%s\",rule=\"%d\",comment=\"%s\"} %" PRIu64 "\n",
			chain, idx, comment, pkts, chain, idx, comment, bytes);
	else
		fprintf(c->out, "  %-24s #%-2d %12" PRIu64 " packets %14" PRIu64 " bytes%s%s\n", chain,
			idx, pkts, bytes, comment[0] ? "  " : "", comment);
}

static int locked_counters(struct daemon *d, struct counter_ctx *c)
{
	int r;

	pthread_mutex_lock(&d->ap_lock);
	r = kdump_counters(count_cb, c);
	pthread_mutex_unlock(&d->ap_lock);
	return r;
}

static void engine_counts(struct daemon *d, FILE *out, bool prom)
{
	uint64_t c[EC_MAX] = { 0 }, enobufs = 0;
	int i;

	if (d->engine)
		queue_counts(&d->q, c, &enobufs);
	for (i = 0; i < EC_MAX; i++) {
		if (prom)
			fprintf(out, "sanso_engine_total{reason=\"%s\"} %" PRIu64 "\n",
				eng_count_name((enum eng_count)i), c[i]);
		else if (c[i])
			fprintf(out, "  %-28s %" PRIu64 "\n", eng_count_name((enum eng_count)i), c[i]);
	}
	if (prom)
		fprintf(out, "sanso_engine_enobufs_total %" PRIu64 "\n", enobufs);
	else
		fprintf(out, "  %-28s %" PRIu64 "\n", "enobufs", enobufs);
}

/* Decisions of this generation by flow or service, with their approvals. */
static void engine_records(struct daemon *d, FILE *out, bool prom)
{
	const char *name, *approval;
	uint64_t n;
	int i;

	if (!d->cur.tables)
		return;
	if (!prom)
		fprintf(out, "engine decisions (this generation):\n");
	for (i = 0; eng_tables_records(d->cur.tables, i, &name, &approval, &n) == 0; i++) {
		if (prom)
			fprintf(out, "sanso_engine_accepted_total{decision=\"%s\",approval=\"%s\"} %" PRIu64 "\n",
				name, approval, n);
		else
			fprintf(out, "  %-28s %-14s %" PRIu64 " accepted\n", name, approval, n);
	}
}

/* A Prometheus label value: backslash, quote and newline escaped (the text format). */
static void prom_label(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', out);
		if (*s == '\n')
			fputs("\\n", out);
		else
			fputc(*s, out);
	}
}

#define KERNEL_HITS_SHOWN	1024	/* more than flowhits.h's table holds */

/* Connections the kernel accepted by name (flowd.h): from the flow log since sansod started,
 * a lower bound (logging.kernel_rate). Nothing without --flow-log. */
static void kernel_records(FILE *out, bool prom)
{
	struct flowd_hit *v = calloc(KERNEL_HITS_SHOWN, sizeof(*v));
	uint64_t other = 0;
	int i, n = v ? flowd_hits(v, KERNEL_HITS_SHOWN, &other) : -ENOMEM;

	if (n >= 0)
		fputs(prom ? "# TYPE sanso_flow_connections_total counter\n" : "kernel accepts "
		      "(flow log, since sansod started; at least):\n", out);
	for (i = 0; i < n; i++) {
		if (!prom) {
			fprintf(out, "  %-28s %" PRIu64 " accepted\n", v[i].name, v[i].n);
			continue;
		}
		fputs("sanso_flow_connections_total{name=\"", out);
		prom_label(out, v[i].name);
		fprintf(out, "\"} %" PRIu64 "\n", v[i].n);
	}
	if (n >= 0 && prom)
		fprintf(out, "# TYPE sanso_flow_connections_unnamed_total counter\n"
			"sanso_flow_connections_unnamed_total %" PRIu64 "\n", other);
	else if (n >= 0 && other)
		fprintf(out, "  %-28s %" PRIu64 " accepted\n", "(no name, or no room)", other);
	free(v);
}

/* What a flood uses up (R44): the conntrack table and the engine's queues, read now. */
static void kernel_resources(struct daemon *d, FILE *out, bool prom)
{
	double warn = d->cur.policy ? d->cur.policy->limits.conntrack_warn : 0;
	struct kwatch_queue k;
	uint64_t count = 0, max = 0;
	int i, ct = kwatch_conntrack(&count, &max);

	if (prom && ct == 0)
		fprintf(out, "# TYPE sanso_conntrack_entries gauge\nsanso_conntrack_entries %" PRIu64
			"\n# TYPE sanso_conntrack_max gauge\nsanso_conntrack_max %" PRIu64 "\n",
			count, max);
	if (prom)
		fprintf(out, "# TYPE sanso_conntrack_warnings_total counter\n"
			"sanso_conntrack_warnings_total %" PRIu64 "\n# TYPE sanso_queue_dropped_total "
			"counter\n# TYPE sanso_queue_user_dropped_total counter\n", d->kw.warnings);
	else if (ct == 0)
		fprintf(out, "kernel resources:\n  conntrack %" PRIu64 " of %" PRIu64 " entries "
			"(%.4g%%), warning above %.4g%%, %" PRIu64 " warnings\n", count, max,
			max ? 100.0 * (double)count / (double)max : 0.0, 100.0 * warn,
			d->kw.warnings);
	else
		fprintf(out, "kernel resources:\n  conntrack (not loaded)\n");
	for (i = 0; d->engine && i < queue_workers(&d->q); i++) {
		if (kwatch_queue(queue_qnum(&d->q, i), &k) < 0)
			continue;
		if (prom)
			fprintf(out, "sanso_queue_dropped_total{queue=\"%d\"} %" PRIu64 "\n"
				"sanso_queue_user_dropped_total{queue=\"%d\"} %" PRIu64 "\n",
				queue_qnum(&d->q, i), k.dropped, queue_qnum(&d->q, i), k.user_dropped);
		else
			fprintf(out, "  queue %d: %12" PRIu64 " dropped (queue full) %12" PRIu64
				" dropped (socket full)\n", queue_qnum(&d->q, i), k.dropped,
				k.user_dropped);
	}
}

/* The counters in Prometheus's text format: `stats --prometheus` and --metrics-file. */
void ops_prometheus(struct daemon *d, FILE *out)
{
	struct counter_ctx c = { out, true };
	int i, n = 0;

	for (i = 0; i < d->ops.n_isolate; i++)
		n += !gen_resolves(d->cur.policy, d->ops.isolate[i]);
	fprintf(out, "# TYPE sanso_generation gauge\nsanso_generation %u\n", d->generation);
	fprintf(out, "# TYPE sanso_isolations gauge\nsanso_isolations{state=\"resolved\"} %d\n"
		"sanso_isolations{state=\"unresolved\"} %d\n", d->ops.n_isolate - n, n);
	fprintf(out, "# TYPE sanso_rule_packets_total counter\n# TYPE sanso_engine_total counter\n");
	if (locked_counters(d, &c) < 0)
		fprintf(out, "# kernel counters unavailable\n");
	engine_counts(d, out, true);
	engine_records(d, out, true);
	kernel_records(out, true);
	kernel_resources(d, out, true);
	alert_prometheus(out);
}

static int h_stats(struct daemon *d, const struct ctl_peer *peer __attribute__((unused)),
		   const struct ctl_req *q, FILE *out)
{
	const char *f = ctl_req_get(q, "format");
	struct counter_ctx c = { out, false };

	if (f && !strcmp(f, "prometheus")) {
		ops_prometheus(d, out);
		return CTL_OK;
	}
	fprintf(out, "kernel counters (table inet sanso):\n");
	if (locked_counters(d, &c) < 0)
		fprintf(out, "  (unavailable)\n");
	fprintf(out, "verdict engine:\n");
	engine_counts(d, out, false);
	engine_records(d, out, false);
	kernel_records(out, false);
	kernel_resources(d, out, false);
	return CTL_OK;
}

/* alert test: one alert.test through every sink, then what the sinks are and did. The
 * sinks work asynchronously: a TCP collector or the command gets it after this reply. */
static int h_alert_test(struct daemon *d, const struct ctl_peer *peer, const struct ctl_req *q,
			FILE *out)
{
	(void)q;
	alert_raise("alert.test", "test alert requested by %s (uid %u) through sansoctl alert "
		    "test; generation %u is in force", peer->name, (unsigned)peer->uid,
		    d->generation);
	alert_tick();
	REPLY(d, out, "alert.test sent to every sink:\n", "alert.test を全ての送信先に送りました:\n");
	alert_describe(out);
	return CTL_OK;
}

static void status_ops(const struct daemon *d, FILE *out)
{
	int i;

	for (i = 0; i < d->ops.n_isolate; i++) {
		if (gen_resolves(d->cur.policy, d->ops.isolate[i]))
			fprintf(out, "isolated:    %s\n", d->ops.isolate[i]);
		else
			fprintf(out, "WARNING:     UNRESOLVED isolation '%s': no zone, host or group of "
				"that name in the policy, nothing is cut by it (sansoctl restore)\n",
				d->ops.isolate[i]);
	}
	for (i = 0; i < d->ops.n_revoke; i++)
		fprintf(out, "revoked:     %s\n", d->ops.revoke[i]);
}

/* Separation of duties (R61): users in the audit role and an approving role at once (from the
 * group database, as the roles are decided). */
#define OVERLAPS_SHOWN	16

static void status_roles(FILE *out)
{
	char names[OVERLAPS_SHOWN][CTL_OVERLAP_NAME];
	int i, n = ctl_role_overlaps(names, OVERLAPS_SHOWN);

	for (i = 0; i < n && i < OVERLAPS_SHOWN; i++)
		fprintf(out, "WARNING:     separation of duties (R61): user %s is in " CTL_AUDIT_GROUP
			" and in " CTL_ADMIN_GROUP " or " CTL_CISO_GROUP "\n", names[i]);
	if (n > OVERLAPS_SHOWN)
		fprintf(out, "WARNING:     separation of duties (R61): %d more such users\n",
			n - OVERLAPS_SHOWN);
	if (n < 0)
		fprintf(out, "roles:       UNKNOWN: the group database could not be read (%s)\n",
			strerror(-n));
}

static void roles_json(FILE *out)
{
	char names[OVERLAPS_SHOWN][CTL_OVERLAP_NAME];
	int i, n = ctl_role_overlaps(names, OVERLAPS_SHOWN);

	fprintf(out, "\"role_overlaps\": [");
	for (i = 0; i < n && i < OVERLAPS_SHOWN; i++) {
		fprintf(out, "%s", i ? ", " : "");
		util_json_str(out, names[i]);
	}
	fprintf(out, "], \"role_overlaps_total\": %d", n);
}

/* R36: the last FIB check (routing against the zones). */
static void status_fib(const struct daemon *d, FILE *out)
{
	int i;

	if (d->fib_err)
		fprintf(out, "fib:         UNKNOWN: the kernel could not be asked (%s)\n",
			strerror(-d->fib_err));
	if (!d->fib_ran)
		return;
	if (!d->fib.findings)
		fprintf(out, "fib:         routing agrees with the zones (%d lookups)\n",
			d->fib.lookups);
	for (i = 0; i < d->fib.n; i++)
		fprintf(out, "%s %s\n", d->fib.note[i] ? "fib note:   " : "WARNING:    ",
			d->fib.v[i] + (d->fib.note[i] ? strlen("note: ") : 0));
	if (d->fib.findings + d->fib.notes > d->fib.n)
		fprintf(out, "fib:         %d more not shown\n",
			d->fib.findings + d->fib.notes - d->fib.n);
}


static void status_fib_json(const struct daemon *d, FILE *out)
{
	int i, n = 0;

	fprintf(out, ", \"fib_findings\": [");
	for (i = 0; d->fib_ran && i < d->fib.n; i++) {
		if (d->fib.note[i])
			continue;
		fprintf(out, "%s", n++ ? ", " : "");
		util_json_str(out, d->fib.v[i]);
	}
	fprintf(out, "], \"fib_findings_total\": %d", d->fib_ran ? d->fib.findings : 0);
}

/* Time synchronisation as the kernel sees it (R92): logs and dumps are only as good as it. */
static void clock_state(FILE *out)
{
	struct clocksync c;

	clocksync_read(&c);
	if (c.err)
		fprintf(out, "clock:       unknown (%s)\n", strerror(-c.err));
	else
		fprintf(out, "clock:       %s (max error %ld us, estimated error %ld us)\n",
			clocksync_str(c.state, false), c.maxerror_us, c.esterror_us);
}

/* status for scripts: one JSON object, stable member order. */
static int status_json(struct daemon *d, FILE *out)
{
	const struct policy *p = d->cur.policy;
	int i, n = 0;

	fprintf(out, "{\"version\": ");
	util_json_str(out, version_sanso());
	fprintf(out, ", \"libraries\": ");
	util_json_str(out, version_libs());
	fprintf(out, ", \"uptime_s\": %ld, \"generation\": %u, \"policy\": ",
		(long)(time(NULL) - d->started), d->generation);
	util_json_str(out, p ? p->file : "");
	fprintf(out, ", \"organisation\": ");
	util_json_str(out, p && p->organisation ? p->organisation : "");
	fprintf(out, ", \"document\": ");
	util_json_str(out, p && p->document ? p->document : "");
	fprintf(out, ", \"includes\": [");
	for (i = 1; i < d->cur.text.n_files; i++) {
		fprintf(out, "%s{\"path\": ", i > 1 ? ", " : "");
		util_json_str(out, d->cur.text.files[i].path);
		fprintf(out, ", \"sha256\": \"%s\"}", d->cur.text.files[i].sha256);
	}
	fprintf(out, "], \"config_sha256\": \"%s\", \"decisions\": %d, \"genid\": %u,"
		" \"persist\": %s, \"queue\": \"%s\", \"engine\": %s, \"isolated\": [",
		d->cur.sha256, d->cur.cr ? d->cur.cr->n_decisions : 0, d->ap.genid,
		d->ap.persist ? "true" : "false",
		d->ap.queue_native ? "native" : d->ap.queue_compat ? "compat" : "none",
		d->engine ? "true" : "false");
	for (i = 0; i < d->ops.n_isolate; i++) {
		fprintf(out, "%s", i ? ", " : "");
		util_json_str(out, d->ops.isolate[i]);
	}
	fprintf(out, "], \"unresolved_isolations\": [");
	for (i = 0, n = 0; i < d->ops.n_isolate; i++) {
		if (gen_resolves(d->cur.policy, d->ops.isolate[i]))
			continue;
		fprintf(out, "%s", n++ ? ", " : "");
		util_json_str(out, d->ops.isolate[i]);
	}
	n = 0;
	fprintf(out, "], \"revoked\": [");
	for (i = 0; i < d->ops.n_revoke; i++) {
		fprintf(out, "%s", i ? ", " : "");
		util_json_str(out, d->ops.revoke[i]);
	}
	fprintf(out, "]");
	change_status_json(d, out);
	fprintf(out, ", \"last_commit\": {\"delta\": %s, \"changes\": %ld, \"ms\": %.1f, "
		"\"deltas\": %u, \"replaces\": %u, \"replace_why\": ", d->gs.delta ? "true" : "false",
		d->gs.delta ? d->gs.changes : 0, d->gs.ms, d->gs.deltas, d->gs.fulls);
	util_json_str(out, d->gs.delta ? "" : d->gs.full_why ? d->gs.full_why : "a new table");
	fprintf(out, "}, ");
	roles_json(out);
	status_fib_json(d, out);
	mwin_status_json(d, out);
	fprintf(out, "}\n");
	return CTL_OK;
}

static int h_status(struct daemon *d, const struct ctl_peer *peer __attribute__((unused)),
		    const struct ctl_req *q, FILE *out)
{
	const struct policy *p = d->cur.policy;
	const char *f = ctl_req_get(q, "format");
	time_t now = time(NULL);

	if (f && !strcmp(f, "json"))
		return status_json(d, out);
	fprintf(out, "sansod:      running for %lds, generation %u\n", (long)(now - d->started),
		d->generation);
	fprintf(out, "version:     %s; %s\n", version_sanso(), version_libs());
	if (p) {
		fprintf(out, "policy:      %s (%s)\n", p->file, policy_model_name(p->model));
		fprintf(out, "organisation: %s\n", p->organisation ? p->organisation : "");
		fprintf(out, "document:    %s\n", p->document ? p->document : "");
		fprintf(out, "decisions:   %d\n", d->cur.cr ? d->cur.cr->n_decisions : 0);
		fprintf(out, "config:      sha256 %s\n", d->cur.sha256);
		for (int i = 1; i < d->cur.text.n_files; i++)
			fprintf(out, "include:     %s sha256 %s\n", d->cur.text.files[i].path,
				d->cur.text.files[i].sha256);
	}
	clock_state(out);
	fprintf(out, "kernel:      genid %u, persist %s, queue %s\n", d->ap.genid,
		d->ap.persist ? "yes" : "no",
		d->ap.queue_native ? "native" : d->ap.queue_compat ? "xtables NFQUEUE (compat)" :
		"unavailable");
	fprintf(out, "last commit: %s (%.1f ms%s%s); deltas %u, table replaces %u\n",
		d->gs.delta ? "delta" : "table replace", d->gs.ms, d->gs.delta ? "" : ": ",
		d->gs.delta ? "" : d->gs.full_why ? d->gs.full_why : "a new table", d->gs.deltas,
		d->gs.fulls);
	fprintf(out, "engine:      %s\n", d->engine ? "running" : "not running");
	if (d->o.audit)
		fprintf(out, "audit:       %s%s\n", d->o.audit,
			!d->audit_failed ? "" : d->blocking ?
			" — UNUSABLE: every zone is isolated until it is repaired (then reload)" :
			" — UNUSABLE: changes are refused");
	if (d->flowlog_blocks)
		fprintf(out, "flow log:    %s — NOT WRITTEN: every zone is isolated until it is "
			"written again (logging.on_failure = block-crosszone)\n", d->o.flow_log);
	change_status(d, out);
	status_ops(d, out);
	status_roles(out);
	mwin_status(d, out);
	status_fib(d, out);
	return CTL_OK;
}

static int dump_body(struct daemon *d, bool json, FILE *out);

/* The dump carries the SHA-256 of its own body, so a copy handed to an auditor can be
 * checked later (text: the last line; JSON: a member beside the dump). */
/* nft syntax of what the kernel holds: the compiled generation, printed only once a read-back
 * has shown that the kernel's table is exactly it. */
static int dump_nft(struct daemon *d, FILE *out)
{
	struct diag diag;
	int r;

	diag_init(&diag);
	pthread_mutex_lock(&d->ap_lock);
	r = readback_verify(&d->ap, d->cur.cr->rs, &diag);
	pthread_mutex_unlock(&d->ap_lock);
	if (r != 0) {
		diag_print(&diag, out, d->ja);
		fprintf(out, "# the kernel differs from generation %u: no nft dump (see sansoctl dump)\n",
			d->generation);
		diag_fini(&diag);
		return CTL_ERR_DRIFT;
	}
	diag_fini(&diag);
	fprintf(out, "# generation %u, read back from the kernel and identical (I7)\n",
		d->generation);
	return nftgen_print(d->cur.cr->rs, out, false) < 0 ? CTL_ERR_FAILED : CTL_OK;
}

static int dump_signed(struct daemon *d, const struct ctl_peer *peer, bool json,
		       const char *body, const char *hex, FILE *out);

static int h_dump(struct daemon *d, const struct ctl_peer *peer, const struct ctl_req *q,
		  FILE *out)
{
	const char *f = ctl_req_get(q, "format");
	bool json = f && !strcmp(f, "json");
	uint8_t dg[SHA256_DIGEST_SIZE];
	char hex[SHA256_HEX_SIZE], *body = NULL;
	size_t len = 0;
	FILE *b = open_memstream(&body, &len);
	int r;

	if (!b)
		return CTL_ERR_FAILED;
	r = f && !strcmp(f, "nft") ? (d->cur.cr ? dump_nft(d, b) : CTL_ERR_FAILED) :
	    dump_body(d, json, b);
	fclose(b);
	sha256_buf(body, len, dg);
	sha256_hex(dg, hex);
	if (ctl_req_get(q, "signed"))
		r = r == CTL_OK ? dump_signed(d, peer, json, body, hex, out) : r;
	else if (json)
		fprintf(out, "{\"sha256\": \"%s\",\n\"dump\": %s}\n", hex, body);
	else
		fprintf(out, "%s# sha256 %s (of every line above: head -n -1 FILE | sha256sum)\n",
			body, hex);
	free(body);
	return r;
}

/* dump --signed: the dump with its evidence header, signed with the gateway's key. */
static int dump_signed(struct daemon *d, const struct ctl_peer *peer, bool json,
		       const char *body, const char *hex, FILE *out)
{
	char *doc = NULL, id[SIGN_KEYID_LEN + 1] = "", pub[SIGN_PUB_MAX], gen[16];
	size_t len = 0;
	FILE *b = open_memstream(&doc, &len);
	int r;

	if (!b)
		return CTL_ERR_FAILED;
	if (json)
		fprintf(b, "{\"sha256\": \"%s\",\n\"dump\": %s}\n", hex, body);
	else
		fprintf(b, "%s# sha256 %s (of the dump lines above it)\n", body, hex);
	fclose(b);
	snprintf(gen, sizeof(gen), "%u", d->generation);
	r = d->o.state_dir ? sign_pubkey(d->o.state_dir, pub, sizeof(pub), id) : -ENOTSUP;
	if (r == 0 && trail_audit(d, peer->name, AUDIT_EV_EVIDENCE_DUMP, "key", id,
				  "generation", gen, "dump_sha256", hex, NULL) < 0)
		r = -EIO;
	if (r == 0)
		r = evidence_dump(d, peer->name, doc, len, out);
	free(doc);
	if (r < 0)
		REPLY(d, out, "refused: %s\n", "拒否: %s\n", r == -ENOENT ? (d->reply_ja ?
		      "署名鍵がありません: sansoctl keygen" : "no signing key: sansoctl keygen") :
		      r == -ENOTSUP ? (d->reply_ja ? "署名付きの証拠には sansod --state-dir が必要です" :
		      "signed evidence needs sansod --state-dir") : r == -EIO ? (d->reply_ja ?
		      "監査証跡に書き込めません" : "the audit trail cannot be written") : strerror(-r));
	return r < 0 ? CTL_ERR_FAILED : CTL_OK;
}

/* keygen: the gateway's signing key in the state directory; the public key to the caller. */
static int h_keygen(struct daemon *d, const struct ctl_peer *peer, const struct ctl_req *q,
		    FILE *out)
{
	char pub[SIGN_PUB_MAX], id[SIGN_KEYID_LEN + 1] = "";
	int r;

	(void)q;
	if (!d->o.state_dir) {
		REPLY(d, out, "refused: a signing key needs sansod --state-dir\n",
		      "拒否: 署名鍵には sansod --state-dir が必要です\n");
		return CTL_ERR_FAILED;
	}
	r = sign_keygen(d->o.state_dir, pub, sizeof(pub));
	if (r == -EEXIST) {
		REPLY(d, out, "a signing key exists already; its public key:\n%s",
		      "署名鍵は既にあります。公開鍵:\n%s", pub);
		return CTL_ERR_FAILED;
	}
	if (r == 0)
		r = sign_pubkey(d->o.state_dir, pub, sizeof(pub), id);
	if (r < 0) {
		REPLY(d, out, "refused: cannot create the signing key: %s\n",
		      "拒否: 署名鍵を作れません: %s\n", strerror(-r));
		return CTL_ERR_FAILED;
	}
	(void)trail_audit(d, peer->name, AUDIT_EV_EVIDENCE_KEYGEN, "key", id, NULL);
	(void)trail_checkpoint(d, true);	/* the trail so far, signed at once */
	log_info("signing key %s created by %s", id, peer->name);
	fprintf(out, "%s", pub);
	return CTL_OK;
}

static int dump_body(struct daemon *d, bool json, FILE *out)
{
	const struct policy *p = d->cur.policy;
	int r;

	if (!d->cur.cr)
		return CTL_ERR_FAILED;
	if (json) {
		fprintf(out, "{\n  \"version\": \"%s\",\n  \"libraries\": \"%s\",\n",
			version_sanso(), version_libs());
		fprintf(out, "  \"generation\": %u,\n  \"genid\": %u,\n  \"policy\": \"%s\",\n"
			"  \"config_sha256\": \"%s\",\n  \"changes\": \"%s\",\n"
			"  \"running_version\": %u,\n  ", d->generation, d->ap.genid, p->file,
			d->cur.sha256, change_single(d) ? "single" : "two-person", d->running);
		roles_json(out);
		fprintf(out, ",\n");
	} else {
		fprintf(out, "# sanso dump: table inet sanso as the kernel holds it\n");
		fprintf(out, "# generation %u, kernel genid %u, policy %s\n", d->generation,
			d->ap.genid, p->file);
		fprintf(out, "# sansod %s; %s\n", version_sanso(), version_libs());
		fprintf(out, "# %s / %s\n", p->organisation ? p->organisation : "",
			p->document ? p->document : "");
		fprintf(out, "# config sha256 %s\n", d->cur.sha256);
		if (d->store_on)
			fprintf(out, "# %s: version %u running\n", change_single(d) ?
				"FINDING: policy.changes = \"single\" (one person can change it, R62)" :
				"changes two-person", d->running);
		status_ops(d, out);
		status_roles(out);
		clock_state(out);
		policy_print_matrix(p, out);
		policy_print_uplinks(p, out);
	}
	pthread_mutex_lock(&d->ap_lock);
	r = kdump_print(d->cur.cr->rs, out, json);
	pthread_mutex_unlock(&d->ap_lock);
	if (json)
		fprintf(out, "}\n");
	return r < 0 ? CTL_ERR_FAILED : CTL_OK;
}

static int h_verify(struct daemon *d, const struct ctl_peer *peer __attribute__((unused)),
		    const struct ctl_req *q, FILE *out)
{
	const char *f = ctl_req_get(q, "format");
	struct diag diag;
	int r, i;

	if (!d->cur.cr)
		return CTL_ERR_FAILED;
	diag_init(&diag);
	pthread_mutex_lock(&d->ap_lock);
	r = readback_verify(&d->ap, d->cur.cr->rs, &diag);
	pthread_mutex_unlock(&d->ap_lock);
	if (f && !strcmp(f, "json")) {
		fprintf(out, "{\"generation\": %u, \"in_sync\": %s, \"differences\": [",
			d->generation, r == 0 ? "true" : "false");
		for (i = 0; i < diag.n; i++) {
			fprintf(out, "%s", i ? ", " : "");
			util_json_str(out, diag.v[i].msg);
		}
		fprintf(out, "]}\n");
		diag_fini(&diag);
		return r == 0 ? CTL_OK : r == 1 ? CTL_ERR_DRIFT : CTL_ERR_FAILED;
	}
	diag_print(&diag, out, d->ja);
	diag_fini(&diag);
	if (r == 0)
		REPLY(d, out, "in sync: the kernel enforces generation %u\n",
		    "一致: カーネルは第 %u 世代を実施しています\n", d->generation);
	else if (r == 1)
		REPLY(d, out, "drift: the kernel differs from generation %u\n",
		    "差分あり: カーネルの内容が第 %u 世代と異なります\n", d->generation);
	else
		REPLY(d, out, "cannot read the kernel: %s\n", "カーネルを読めません: %s\n",
		      strerror(-r));
	return r == 0 ? CTL_OK : r == 1 ? CTL_ERR_DRIFT : CTL_ERR_FAILED;
}

/* Is name something of the running policy that can be isolated? */
static bool isolatable(const struct policy *p, const char *name)
{
	return policy_zone_find(p, name) >= 0 || policy_host_find(p, name) >= 0 ||
	       policy_group_find(p, name) >= 0;
}

static bool is_service(const struct policy *p, const char *name)
{
	int i;

	for (i = 0; i < p->breakout.n_services; i++) {
		if (!strcmp(p->breakout.services[i].name, name))
			return true;
	}
	return false;
}

static int find_name(char list[][POLICY_NAME_MAX], int n, const char *name)
{
	int i;

	for (i = 0; i < n; i++) {
		if (!strcmp(list[i], name))
			return i;
	}
	return -1;
}

/* Add or remove name in one of the ops lists, then apply a generation; undone on failure. */
/* The decision id of a breakout service in the running generation, 0 if none. */
static uint32_t service_id(const struct daemon *d, const char *name)
{
	const struct policy *p = d->cur.policy;
	int i, j;

	for (i = 0; p && d->cur.cr && i < p->breakout.n_services; i++) {
		if (strcmp(p->breakout.services[i].name, name))
			continue;
		for (j = 0; j < d->cur.cr->n_decisions; j++) {
			if (d->cur.cr->decisions[j].kind == COMP_SERVICE &&
			    d->cur.cr->decisions[j].idx == i)
				return d->cur.cr->decisions[j].id;
		}
	}
	return 0;
}

static int change(struct daemon *d, FILE *out, bool isolate, bool add, const char *name,
		  const char *who, const char *reason)
{
	uint32_t old_id;
	char (*list)[POLICY_NAME_MAX] = isolate ? d->ops.isolate : d->ops.revoke;
	int *n = isolate ? &d->ops.n_isolate : &d->ops.n_revoke;
	struct ops saved = d->ops;
	int i = find_name(list, *n, name);

	if (add && i >= 0) {
		fprintf(out, "'%s' is already %s\n", name, isolate ? "isolated" : "revoked");
		return CTL_OK;
	}
	if (!add && i < 0) {
		fprintf(out, "'%s' is not %s\n", name, isolate ? "isolated" : "revoked");
		return CTL_ERR_INVALID;
	}
	if (add && *n >= OPS_MAX)
		return CTL_ERR_FAILED;
	if (trail_audit(d, who, isolate ? (add ? AUDIT_EV_ISOLATE : AUDIT_EV_ISOLATE_LIFT) :
			 (add ? AUDIT_EV_REVOKE : AUDIT_EV_REVOKE_LIFT), "target", name, "reason",
			 reason ? reason : "", NULL) < 0) {
		REPLY(d, out, "refused: the audit trail cannot be written\n",
		      "拒否: 監査証跡に書き込めません\n");
		return CTL_ERR_FAILED;
	}
	if (add) {
		snprintf(list[(*n)++], POLICY_NAME_MAX, "%s", name);
	} else {
		memmove(list[i], list[i + 1], (size_t)(*n - i - 1) * POLICY_NAME_MAX);
		(*n)--;
	}
	old_id = !isolate && add ? service_id(d, name) : 0;
	if (gen_apply_ops(d) != 0) {
		d->ops = saved;
		REPLY(d, out, "refused: the new generation could not be applied; nothing changed\n",
		    "拒否: 新しい世代を適用できませんでした。変更はありません\n");
		return CTL_ERR_FAILED;
	}
	if (old_id && ctdel_mark(old_id) < 0)
		log_warn("conntrack entries of '%s' could not be deleted (the ruleset cuts them)",
			 name);
	state_save(d);
	log_info("%s by %s: %s '%s' (generation %u)", isolate ? "isolation" : "breakout revocation",
		 who, add ? "set" : "lifted", name, d->generation);
	if (d->reply_ja)
		fprintf(out, "'%s' を%sしました: 第 %u 世代を適用\n", name,
			isolate ? (add ? "遮断" : "遮断解除") : (add ? "即時遮断" : "遮断解除"),
			d->generation);
	else
		fprintf(out, "%s '%s': generation %u applied\n",
			isolate ? (add ? "isolated" : "restored") : (add ? "revoked" : "restored"),
			name, d->generation);
	return CTL_OK;
}

static int h_change(struct daemon *d, const struct ctl_peer *peer, const struct ctl_req *q,
		    FILE *out)
{
	bool isolate = q->type == CTL_ISOLATE || q->type == CTL_RESTORE;
	bool add = q->type == CTL_ISOLATE || q->type == CTL_BO_REVOKE;
	const char *name = ctl_req_get(q, isolate ? "target" : "service");

	if (!name || !d->cur.policy) {
		REPLY(d, out, "missing %s\n", "%s がありません\n", isolate ?
		      (d->reply_ja ? "対象" : "target") : (d->reply_ja ? "サービス" : "service"));
		return CTL_ERR_INVALID;
	}
	if (add && (isolate ? !isolatable(d->cur.policy, name) : !is_service(d->cur.policy, name))) {
		REPLY(d, out, "unknown %s '%s'\n", "%s '%s' はありません\n", isolate ?
		      (d->reply_ja ? "ゾーン、ホスト、グループ" : "zone, host or group") :
		      (d->reply_ja ? "サービス" : "service"), name);
		return CTL_ERR_INVALID;
	}
	return change(d, out, isolate, add, name, peer->name, ctl_req_get(q, "reason"));
}

/* One row of the exception register (R60): every exception of the policy file and every one
 * ever added, proposed, revoked or expired through sansoctl (the ledger). */
struct exc_row {
	const char *id, *from, *to, *proto, *ports, *expires, *req, *appr, *reason, *by;
	const char *state;		/* proposed, active, expired, revoked */
	const char *source;		/* policy, ledger */
	int64_t left;			/* seconds */
};

/* The kernel's counters of the register (R60): the @live element of each exception in force
 * (comment "exception ID ...") counts the packets of its connections after the first. */
struct exc_hit {
	char id[POLICY_NAME_MAX];
	uint64_t pkts, bytes;
};

struct exc_hits {
	struct exc_hit *v;
	int n, cap;
	bool read;			/* false: the kernel could not be read */
};

static void exc_hits_cb(void *arg, const char *comment, int len, uint64_t pkts, uint64_t bytes)
{
	struct exc_hits *h = arg;
	const char *id = comment + strlen("exception "), *end;
	struct exc_hit *nv;

	if (len <= (int)strlen("exception ") || strncmp(comment, "exception ", 10))
		return;
	if (h->n == h->cap) {
		nv = realloc(h->v, (size_t)(h->cap ? h->cap * 2 : 64) * sizeof(*nv));
		if (!nv)
			return;		/* that one shows "-" */
		h->v = nv;
		h->cap = h->cap ? h->cap * 2 : 64;
	}
	end = memchr(id, ' ', (size_t)(comment + len - id));
	if (!end)
		end = comment + len;
	snprintf(h->v[h->n].id, sizeof(h->v[0].id), "%.*s", (int)(end - id), id);
	h->v[h->n].pkts = pkts;
	h->v[h->n++].bytes = bytes;
}

static int hit_cmp(const void *a, const void *b)
{
	return strcmp(((const struct exc_hit *)a)->id, ((const struct exc_hit *)b)->id);
}

static void exc_hits_read(struct daemon *d, struct exc_hits *h)
{
	memset(h, 0, sizeof(*h));
	if (!d->cur.cr)
		return;
	pthread_mutex_lock(&d->ap_lock);
	h->read = kdump_set_counters("live", exc_hits_cb, h) == 0;
	pthread_mutex_unlock(&d->ap_lock);
	if (h->n)
		qsort(h->v, (size_t)h->n, sizeof(h->v[0]), hit_cmp);
}

/* The counter of exception id: NULL when it has none in the kernel (not in force). */
static const struct exc_hit *exc_hits_of(const struct exc_hits *h, const char *id)
{
	struct exc_hit key;

	if (!h->n || snprintf(key.id, sizeof(key.id), "%s", id) >= (int)sizeof(key.id))
		return NULL;
	return bsearch(&key, h->v, (size_t)h->n, sizeof(h->v[0]), hit_cmp);
}

static const char *ledger_state(const struct ledger_entry *l, int64_t t, int64_t now)
{
	return l->revoked ? "revoked" : l->proposed ? "proposed" : t <= now ? "expired" : "active";
}

/* Row i of the register (file exceptions first, then the ledger); false past the end. */
static bool exc_row(const struct daemon *d, int i, int64_t now, struct exc_row *r)
{
	const struct policy *p = d->cur.policy;
	const struct ledger_entry *l;
	int nf = d->cur.n_file_exceptions;
	int64_t t = 0;

	memset(r, 0, sizeof(*r));
	if (i < nf) {
		const struct exception *x = &p->exceptions[i];

		*r = (struct exc_row){ x->id, x->from.name, x->to.name,
				       policy_proto_name(x->proto) ? policy_proto_name(x->proto) : "?",
				       "", x->expires_text ? x->expires_text : "", x->requested_by,
				       x->approved_by, x->reason ? x->reason : "", "policy file",
				       x->expires > now ? "active" : "expired", "policy",
				       x->expires > now ? x->expires - now : 0 };
		return true;
	}
	if (i - nf >= d->ops.n_ledger)
		return false;
	l = &d->ops.ledger[i - nf];
	(void)policy_time_parse(l->expires, &t);
	*r = (struct exc_row){ l->id, l->from, l->to, l->proto, l->ports, l->expires,
			       l->requested_by, l->approved_by, l->reason, l->added_by,
			       ledger_state(l, t, now), "ledger", t > now ? t - now : 0 };
	return true;
}

static int exc_list_json(struct daemon *d, FILE *out)
{
	int64_t now = (int64_t)time(NULL);
	const struct exc_hit *hit;
	struct exc_hits h;
	struct exc_row r;
	int i;

	exc_hits_read(d, &h);
	fprintf(out, "[");
	for (i = 0; exc_row(d, i, now, &r); i++) {
		const char *k[] = { "id", "from", "to", "proto", "ports", "expires", "requested_by",
				    "approved_by", "reason", "added_by", "state", "source" };
		const char *v[] = { r.id, r.from, r.to, r.proto, r.ports, r.expires, r.req, r.appr,
				    r.reason, r.by, r.state, r.source };
		size_t j;

		fprintf(out, "%s\n {", i ? "," : "");
		for (j = 0; j < sizeof(k) / sizeof(k[0]); j++) {
			fprintf(out, "%s\"%s\": ", j ? ", " : "", k[j]);
			util_json_str(out, v[j]);
		}
		fprintf(out, ", \"seconds_left\": %lld", (long long)r.left);
		if ((hit = exc_hits_of(&h, r.id)))
			fprintf(out, ", \"kernel_packets\": %" PRIu64 ", \"kernel_bytes\": %" PRIu64,
				hit->pkts, hit->bytes);
		fputc('}', out);
	}
	fprintf(out, "\n]\n");
	free(h.v);
	return CTL_OK;
}

static int h_exc_list(struct daemon *d, const struct ctl_peer *peer __attribute__((unused)),
		      const struct ctl_req *q, FILE *out)
{
	const char *f = ctl_req_get(q, "format");
	int64_t now = (int64_t)time(NULL);
	const struct exc_hit *hit;
	struct exc_hits h;
	struct exc_row r;
	int i;

	if (!d->cur.policy)
		return CTL_ERR_FAILED;
	if (f && !strcmp(f, "json"))
		return exc_list_json(d, out);
	exc_hits_read(d, &h);
	fprintf(out, "%-16s %-9s %-12s %-12s %-10s %-26s %-12s %-10s %s\n", "ID", "STATE", "FROM",
		"TO", "PROTO", "EXPIRES", "LEFT", "HITS", "REQUESTED/APPROVED, SOURCE");
	for (i = 0; exc_row(d, i, now, &r); i++) {
		fprintf(out, "%-16s %-9s %-12s %-12s %-10s %-26s ", r.id, r.state, r.from, r.to,
			r.proto, r.expires);
		if (r.left > 0 && strcmp(r.state, "revoked"))
			fprintf(out, "%lldd%02lldh%02lldm   ", (long long)(r.left / 86400),
				(long long)(r.left / 3600 % 24), (long long)(r.left / 60 % 60));
		else
			fprintf(out, "%-12s ", "-");
		if ((hit = exc_hits_of(&h, r.id)))
			fprintf(out, "%-10" PRIu64 " ", hit->pkts);
		else
			fprintf(out, "%-10s ", "-");
		fprintf(out, "%s/%s, %s\n", r.req, r.appr,
			strcmp(r.source, "ledger") ? "policy file" : "ledger (sansoctl)");
	}
	if (d->cur.cr && !h.read)
		REPLY(d, out, "(hits: the kernel's counters could not be read)\n",
		      "(HITS: カーネルのカウンタを読めませんでした)\n");
	free(h.v);
	return CTL_OK;
}

/* Two-person change control (R62): the default; policy.changes = "single" lets one person
 * change what is enforced (a finding). */
static bool two_person(const struct daemon *d)
{
	return !d->cur.policy || !d->cur.policy->changes.single;
}

/* The CISO role approves exceptions touching the My Number zone (root holds every role). */
static bool peer_ciso(const struct ctl_peer *peer)
{
	return (peer->roles & CTL_ROLE_CISO) != 0;
}

/* The zone an exception end names (zone, host or group), -1 if none. */
static int end_zone(const struct policy *p, const char *name)
{
	int i;

	if ((i = policy_zone_find(p, name)) >= 0)
		return i;
	if ((i = policy_host_find(p, name)) >= 0)
		return p->hosts[i].zone;
	if ((i = policy_group_find(p, name)) >= 0)
		return p->groups[i].zone;
	return -1;
}

static bool touches_mynumber(const struct policy *p, const struct ledger_entry *l)
{
	int f = p ? end_zone(p, l->from) : -1, t = p ? end_zone(p, l->to) : -1;

	return !p || (f >= 0 && p->zones[f].role == ZONE_MYNUMBER) ||
	       (t >= 0 && p->zones[t].role == ZONE_MYNUMBER);
}

/* The expiry of a ledger entry within (now, now + exception_max_days]: 0, or a message. */
static const struct reply_why why_time = {
	"--expires is not an RFC 3339 time with an offset (2026-12-24T18:00:00+09:00)",
	"--expires が時差つきの RFC 3339 時刻ではありません (2026-12-24T18:00:00+09:00)" };
static const struct reply_why why_past = { "--expires is not in the future",
				     "--expires が未来の時刻ではありません" };
static const struct reply_why why_long = {
	"--expires is beyond policy.exception_max_days (R58): shorten it",
	"--expires が policy.exception_max_days を超えています (R58): 短くしてください" };
static const struct reply_why why_self = {
	"the approver must be another person than the proposer (R62)",
	"承認者は申請者と別の人でなければなりません (R62)" };
static const struct reply_why why_ciso = {
	"it touches the My Number zone: only the CISO role (sanso-ciso) approves it",
	"マイナンバー利用事務系に関わるため、CISO ロール (sanso-ciso) だけが承認できます" };
static const struct reply_why why_stale = {
	"its expiry has passed or is beyond policy.exception_max_days: propose it again",
	"期限が過ぎたか policy.exception_max_days を超えています: もう一度申請してください" };

static const struct reply_why *life_refused(const struct daemon *d, const char *expires, int64_t now)
{
	int64_t t;
	int days = d->cur.policy ? policy_exc_max_days(d->cur.policy) : POLICY_EXC_MAX_DAYS;

	if (policy_time_parse(expires, &t) < 0)
		return &why_time;
	if (t <= now)
		return &why_past;
	if (t > now + (int64_t)days * 86400)
		return &why_long;
	return NULL;
}

static struct ledger_entry *ledger_find(struct daemon *d, const char *id, bool proposed)
{
	int i;

	for (i = 0; id && i < d->ops.n_ledger; i++) {
		if (!d->ops.ledger[i].revoked && d->ops.ledger[i].proposed == proposed &&
		    !strcmp(d->ops.ledger[i].id, id))
			return &d->ops.ledger[i];
	}
	return NULL;
}

static const char *const exc_need[] = { "id", "from", "to", "proto", "reason", "requested-by",
					"expires", "approved-by" };

/* The request's arguments, checked: 0 or a CTL_ERR_* with the message written. */
static int exc_args(struct daemon *d, const struct ctl_req *q, bool tp, FILE *out)
{
	const struct reply_why *why;
	size_t i, n = sizeof(exc_need) / sizeof(exc_need[0]) - tp;
	int j;

	for (i = 0; i < n; i++) {
		if (!ctl_req_get(q, exc_need[i]) || !*ctl_req_get(q, exc_need[i])) {
			REPLY(d, out, "missing --%s\n", "--%s がありません\n", exc_need[i]);
			return CTL_ERR_INVALID;
		}
	}
	if (tp && ctl_req_get(q, "approved-by")) {
		REPLY(d, out, "refused: in two-person mode the approver is the person who runs "
		      "`sansoctl approve ID` (R62), not a name typed here: leave out --approved-by\n",
		      "拒否: 二人制では承認者は `sansoctl approve ID` を実行する人です (R62)。ここで"
		      "名前を書くことはできません: --approved-by を外してください\n");
		return CTL_ERR_INVALID;
	}
	for (j = 0; d->cur.policy && j < d->cur.policy->n_exceptions; j++) {
		if (!strcmp(d->cur.policy->exceptions[j].id, ctl_req_get(q, "id")))
			break;
	}
	if ((d->cur.policy && j < d->cur.policy->n_exceptions) ||
	    ledger_find(d, ctl_req_get(q, "id"), true)) {
		REPLY(d, out, "exception '%s' exists already\n", "例外措置 '%s' は既にあります\n",
		      ctl_req_get(q, "id"));
		return CTL_ERR_INVALID;
	}
	if ((why = life_refused(d, ctl_req_get(q, "expires"), (int64_t)time(NULL)))) {
		REPLY(d, out, "refused: %s\n", "拒否: %s\n", reply_why(d, why));
		return CTL_ERR_INVALID;
	}
	return d->ops.n_ledger >= LEDGER_MAX ? CTL_ERR_FAILED : 0;
}

static void exc_fill(struct ledger_entry *l, const struct ctl_req *q, const struct ctl_peer *peer,
		     bool tp)
{
	memset(l, 0, sizeof(*l));
	snprintf(l->id, sizeof(l->id), "%s", ctl_req_get(q, "id"));
	snprintf(l->from, sizeof(l->from), "%s", ctl_req_get(q, "from"));
	snprintf(l->to, sizeof(l->to), "%s", ctl_req_get(q, "to"));
	snprintf(l->proto, sizeof(l->proto), "%s", ctl_req_get(q, "proto"));
	snprintf(l->ports, sizeof(l->ports), "%s", ctl_req_get(q, "ports") ? ctl_req_get(q, "ports") : "");
	snprintf(l->reason, sizeof(l->reason), "%s", ctl_req_get(q, "reason"));
	snprintf(l->requested_by, sizeof(l->requested_by), "%s", ctl_req_get(q, "requested-by"));
	snprintf(l->approved_by, sizeof(l->approved_by), "%s",
		 tp ? "-" : ctl_req_get(q, "approved-by"));
	snprintf(l->expires, sizeof(l->expires), "%s", ctl_req_get(q, "expires"));
	snprintf(l->added_by, sizeof(l->added_by), "%s", peer->name);
	l->added_at = (int64_t)time(NULL);
}

/* Two-person mode: the exception is checked (it would build) and kept as a proposal. */
static int exc_propose(struct daemon *d, const struct ctl_peer *peer, struct ledger_entry *l,
		       FILE *out)
{
	d->ops.n_ledger++;
	snprintf(l->approved_by, sizeof(l->approved_by), "%s", "pending-approval");
	if (gen_check_ops(d, &d->ops) != 0) {
		d->ops.n_ledger--;
		fprintf(out, "refused: exception '%s' is not valid (see above); nothing changed\n",
			l->id);
		return CTL_ERR_FAILED;
	}
	snprintf(l->approved_by, sizeof(l->approved_by), "-");
	l->proposed = true;
	if (trail_audit(d, peer->name, AUDIT_EV_EXCEPTION_PROPOSE, "id", l->id, "from", l->from,
			 "to", l->to, "proto", l->proto, "ports", l->ports, "reason", l->reason,
			 "requested_by", l->requested_by, "expires", l->expires, NULL) < 0) {
		d->ops.n_ledger--;
		REPLY(d, out, "refused: the audit trail cannot be written\n",
		      "拒否: 監査証跡に書き込めません\n");
		return CTL_ERR_FAILED;
	}
	state_save(d);
	REPLY(d, out, "proposed exception '%s'; another person approves it with: sansoctl approve "
	      "%s%s\n", "例外措置 '%s' を申請しました。別の人が次のコマンドで承認します: sansoctl "
	      "approve %s%s\n", l->id, l->id, !touches_mynumber(d->cur.policy, l) ? "" :
	      d->reply_ja ? " (マイナンバー利用事務系に関わるため CISO ロールが承認します)" :
	      " (it touches the My Number zone: the CISO role approves)");
	return CTL_OK;
}

static int h_exc_add(struct daemon *d, const struct ctl_peer *peer, const struct ctl_req *q,
		     FILE *out)
{
	struct ledger_entry *l = &d->ops.ledger[d->ops.n_ledger];
	bool tp = two_person(d);
	int r = exc_args(d, q, tp, out);

	if (r)
		return r;
	exc_fill(l, q, peer, tp);
	if (tp)
		return exc_propose(d, peer, l, out);
	if (trail_audit(d, peer->name, AUDIT_EV_EXCEPTION_ADD, "id", l->id, "from", l->from,
			 "to", l->to, "proto", l->proto, "ports", l->ports, "reason", l->reason,
			 "requested_by", l->requested_by, "approved_by", l->approved_by, "expires",
			 l->expires, NULL) < 0) {
		REPLY(d, out, "refused: the audit trail cannot be written\n",
		      "拒否: 監査証跡に書き込めません\n");
		return CTL_ERR_FAILED;
	}
	d->ops.n_ledger++;
	if (gen_apply_ops(d) != 0) {
		d->ops.n_ledger--;
		fprintf(out, "refused: exception '%s' is not valid (see above); nothing changed\n",
			l->id);
		return CTL_ERR_FAILED;
	}
	state_save(d);
	log_info("exception '%s' added by %s (requested by %s, approved by %s, until %s)", l->id,
		 peer->name, l->requested_by, l->approved_by, l->expires);
	REPLY(d, out, "exception '%s' in force until %s: generation %u applied\n",
	      "例外措置 '%s' を %s まで有効にしました: 第 %u 世代を適用\n", l->id, l->expires,
	      d->generation);
	return CTL_OK;
}

/* `sansoctl approve ID` of a proposed exception: by another person than the proposer, by the
 * CISO role when it touches the My Number zone, while its expiry is still ahead. */
static int exc_approve(struct daemon *d, const struct ctl_peer *peer, struct ledger_entry *l,
		       FILE *out)
{
	const struct reply_why *why = NULL;

	if (!strcmp(l->added_by, peer->name))
		why = &why_self;
	else if (touches_mynumber(d->cur.policy, l) && !peer_ciso(peer))
		why = &why_ciso;
	else if (life_refused(d, l->expires, (int64_t)time(NULL)))
		why = &why_stale;
	if (why) {
		REPLY(d, out, "refused: exception '%s': %s\n", "拒否: 例外措置 '%s': %s\n", l->id,
		      reply_why(d, why));
		(void)trail_audit(d, peer->name, AUDIT_EV_CHANGE_REFUSED, "id", l->id, "why",
				  why->en, NULL);
		return CTL_ERR_DENIED;
	}
	if (trail_audit(d, peer->name, AUDIT_EV_EXCEPTION_APPROVE, "id", l->id, "proposed_by",
			 l->added_by, "expires", l->expires, NULL) < 0) {
		REPLY(d, out, "refused: the audit trail cannot be written\n",
		      "拒否: 監査証跡に書き込めません\n");
		return CTL_ERR_FAILED;
	}
	l->proposed = false;
	snprintf(l->approved_by, sizeof(l->approved_by), "%s", peer->name);
	if (gen_apply_ops(d) != 0) {
		l->proposed = true;
		snprintf(l->approved_by, sizeof(l->approved_by), "-");
		REPLY(d, out, "refused: exception '%s' is not valid any more (see above); nothing "
		      "changed\n", "拒否: 例外措置 '%s' はもう正しくありません (上記参照)。何も変わって"
		      "いません\n", l->id);
		return CTL_ERR_FAILED;
	}
	state_save(d);
	log_info("exception '%s' approved by %s (proposed by %s, until %s)", l->id, peer->name,
		 l->added_by, l->expires);
	REPLY(d, out, "exception '%s' approved: in force until %s, generation %u applied\n",
	      "例外措置 '%s' を承認しました: %s まで有効、第 %u 世代を適用\n", l->id, l->expires,
	      d->generation);
	return CTL_OK;
}

static int h_exc_revoke(struct daemon *d, const struct ctl_peer *peer, const struct ctl_req *q,
			FILE *out)
{
	const char *id = ctl_req_get(q, "id");
	struct ledger_entry *l = ledger_find(d, id, true);

	if (l) {				/* a proposal withdrawn: nothing was enforced */
		if (trail_audit(d, peer->name, AUDIT_EV_EXCEPTION_DEL, "id", id, "state",
				 "proposed", NULL) < 0) {
			REPLY(d, out, "refused: the audit trail cannot be written\n",
			      "拒否: 監査証跡に書き込めません\n");
			return CTL_ERR_FAILED;
		}
		l->revoked = true;
		state_save(d);
		REPLY(d, out, "proposed exception '%s' withdrawn\n",
		      "申請中の例外措置 '%s' を取り下げました\n", id);
		return CTL_OK;
	}
	if (!(l = ledger_find(d, id, false))) {
		REPLY(d, out, "no exception '%s' in the ledger (exceptions of the policy file are "
		      "changed there)\n", "台帳に例外措置 '%s' はありません (ポリシーファイルの例外措置は"
		      "ファイルで変更します)\n", id ? id : "");
		return CTL_ERR_INVALID;
	}
	if (trail_audit(d, peer->name, AUDIT_EV_EXCEPTION_DEL, "id", id, NULL) < 0) {
		REPLY(d, out, "refused: the audit trail cannot be written\n",
		      "拒否: 監査証跡に書き込めません\n");
		return CTL_ERR_FAILED;
	}
	l->revoked = true;
	if (gen_apply_ops(d) != 0) {
		l->revoked = false;
		REPLY(d, out, "refused: the new generation could not be applied\n",
		      "拒否: 新しい世代を適用できませんでした\n");
		return CTL_ERR_FAILED;
	}
	state_save(d);
	log_info("exception '%s' revoked by %s", id, peer->name);
	REPLY(d, out, "exception '%s' revoked: generation %u applied\n",
	      "例外措置 '%s' を取り消しました: 第 %u 世代を適用\n", id, d->generation);
	return CTL_OK;
}

/* Where a learned breakout address came from (R25 provenance): name, time, resolver. */
static void learned_provenance(struct daemon *d, const struct explain_q *e, FILE *out)
{
	char name[128], cl[INET6_ADDRSTRLEN] = "?", when[32];
	int64_t learned, expires, now = (int64_t)time(NULL) * 1000;
	uint8_t client[16];
	time_t t;
	int r;

	if (!d->engine)
		return;
	r = queue_explain_learned(&d->q, e->family, e->dst, now, name, sizeof(name), &learned,
				  &expires, client);
	if (r < 0)
		return;
	inet_ntop(e->family, client, cl, sizeof(cl));
	t = (time_t)(learned / 1000);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
	fprintf(out, "learned: %s from the DNS answer for '%s' to resolver %s at %s, %lld s left\n",
		"destination", name, cl, when, (long long)((expires - now) / 1000));
}

/* explain for scripts: {"allowed": bool, "lines": [the text lines]} */
static int explain_json(struct daemon *d, const struct explain_q *e, const char **iso, FILE *out)
{
	char *body = NULL, *line, *save = NULL;
	size_t len = 0;
	FILE *b = open_memstream(&body, &len);
	int n, i = 0;

	if (!b)
		return CTL_ERR_FAILED;
	n = explain(d->cur.policy, e, iso, d->ops.n_isolate, b);
	learned_provenance(d, e, b);
	fclose(b);
	fprintf(out, "{\"allowed\": %s, \"lines\": [", n > 0 ? "true" : "false");
	for (line = strtok_r(body, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		fprintf(out, "%s", i++ ? ", " : "");
		util_json_str(out, line);
	}
	fprintf(out, "]}\n");
	free(body);
	return n < 0 ? CTL_ERR_FAILED : CTL_OK;
}

static int h_explain(struct daemon *d, const struct ctl_peer *peer __attribute__((unused)),
		     const struct ctl_req *q, FILE *out)
{
	const char *f = ctl_req_get(q, "format");
	const char *src = ctl_req_get(q, "src"), *dst = ctl_req_get(q, "dst");
	const char *proto = ctl_req_get(q, "proto"), *port = ctl_req_get(q, "port");
	const char *iso[OPS_MAX];
	struct explain_q e = { 0 };
	int i, fs = AF_INET;

	if (!d->cur.policy || !src || !dst || !proto)
		return CTL_ERR_INVALID;
	if (inet_pton(AF_INET, src, e.src) != 1) {
		fs = AF_INET6;
		if (inet_pton(AF_INET6, src, e.src) != 1)
			goto bad;
	}
	if (inet_pton(fs, dst, e.dst) != 1 || policy_proto_parse(proto, &e.proto) < 0)
		goto bad;
	e.family = (uint8_t)fs;
	e.proto = policy_proto_wire(e.proto, fs);
	e.port = port ? (uint16_t)strtoul(port, NULL, 10) : 0;
	for (i = 0; i < d->ops.n_isolate; i++)
		iso[i] = d->ops.isolate[i];
	if (f && !strcmp(f, "json"))
		return explain_json(d, &e, iso, out);
	if (explain(d->cur.policy, &e, iso, d->ops.n_isolate, out) < 0)
		return CTL_ERR_FAILED;
	learned_provenance(d, &e, out);
	return CTL_OK;
bad:
	fprintf(out, "usage: explain SRC-ADDRESS DST-ADDRESS PROTO [PORT]\n");
	return CTL_ERR_INVALID;
}

/* The kernel's table proven independently against the policy in force (issue 13). */
static int h_prove(struct daemon *d, const struct ctl_peer *peer __attribute__((unused)),
		   const struct ctl_req *q, FILE *out)
{
	const char *f = ctl_req_get(q, "format");
	char why[512] = "";
	int r;

	if (!d->cur.policy) {
		fprintf(out, "cannot evaluate: no policy in force\n");
		return CTL_ERR_CANNOT;
	}
	r = kprove_run(d->cur.policy, out, f && !strcmp(f, "json"), why, sizeof(why));
	if (r < 0) {
		fprintf(out, "cannot evaluate: %s\n", why);
		return CTL_ERR_CANNOT;
	}
	return r == 0 ? CTL_OK : CTL_ERR_FAILED;
}

/* approve ID: a proposed exception (the ledger), else a proposed change (change.c). */
static int h_approve(struct daemon *d, const struct ctl_peer *peer, const struct ctl_req *q,
		     FILE *out)
{
	struct ledger_entry *l = ledger_find(d, ctl_req_get(q, "id"), true);
	int r;

	if (l)
		return exc_approve(d, peer, l, out);
	r = change_h_approve(d, peer, q, out);
	if (r == CTL_OK)	/* a restore's proposal: its history, ledger, containment too */
		(void)backup_restore_approved(d, peer, ctl_req_get(q, "id"), out);
	return r;
}

/* The handler column of the protocol table (ctl_proto.h); ctl.c has the other columns. */
typedef int ctl_handler(struct daemon *d, const struct ctl_peer *peer, const struct ctl_req *q,
			FILE *out);
#define OPS_HANDLER_(id, name, mutates, roles, handler)	[CTL_##id] = handler,
static ctl_handler *const handlers[CTL_TYPE_MAX] = { CTL_REQUESTS(OPS_HANDLER_) };
#undef OPS_HANDLER_

/* One tally in the audit trail (R65): ctl.read with the minute's reads by request, and
 * ctl.refused.repeated with the refusals beyond the first of each request (recorded then). */
static void tally_write(struct daemon *d, const struct ctl_tally *t)
{
	char list[CTL_TYPE_MAX * 32], minute[24], roles[64], count[16];
	time_t at = (time_t)(t->minute * 60);
	struct tm tm;
	uint32_t n;

	strftime(minute, sizeof(minute), "%Y-%m-%dT%H:%MZ", gmtime_r(&at, &tm));
	ctl_roles_text(t->roles, false, ",", roles, sizeof(roles));
	n = ctl_tally_text(t->reads, list, sizeof(list));
	snprintf(count, sizeof(count), "%u", (unsigned)n);
	if (n)
		(void)trail_audit(d, t->name, AUDIT_EV_CTL_READ, "count", count, "minute", minute,
				   "requests", list, "roles", roles, NULL);
	n = ctl_tally_text(t->refused, list, sizeof(list));
	snprintf(count, sizeof(count), "%u", (unsigned)n);
	if (n)
		(void)trail_audit(d, t->name, AUDIT_EV_CTL_REFUSED_MORE, "count", count,
				   "minute", minute, "requests", list, "roles", roles, NULL);
}

void ops_tally_flush(struct daemon *d, int64_t now, bool all)
{
	struct ctl_tally t;

	while (ctl_tally_take(&d->tallies, all ? INT64_MAX : now / 60, &t))
		tally_write(d, &t);
}

/* Count a read or a refusal; an evicted tally (the table was full) is written now. */
static int tally_note(struct daemon *d, const struct ctl_peer *peer, uint16_t type, bool refused)
{
	struct ctl_tally ev;
	int f = ctl_tally_note(&d->tallies, peer, (int64_t)time(NULL) / 60, type, refused, &ev);

	if (f & CTL_TALLY_EVICTED)
		tally_write(d, &ev);
	return f;
}

static int refuse(struct daemon *d, const struct ctl_peer *peer, const struct ctl_request *r,
		  FILE *out)
{
	char roles[64], groups[160];

	ctl_roles_text(peer->roles, false, ",", roles, sizeof(roles));
	if (tally_note(d, peer, r->type, true) & CTL_TALLY_FIRST_REFUSAL) {
		log_warnx("control: %s refused for %s (pid %d, roles: %s)", r->name, peer->name,
			  (int)peer->pid, roles);
		(void)trail_audit(d, peer->name, AUDIT_EV_CTL_REFUSED, "request", r->name, "roles",
				   roles, NULL);
	}
	if (!peer->roles) {
		ctl_roles_text(CTL_ROLES_ALL, true, ", ", groups, sizeof(groups));
		REPLY(d, out, "permission denied: %s holds no sanso role (groups %s; sansoctl(8) ROLES)\n",
		    "権限がありません: %s は sanso の役割を持っていません (グループ %s; sansoctl(8) 役割)\n",
		    peer->name, groups);
		return CTL_ERR_DENIED;
	}
	ctl_roles_text(r->roles, true, " or ", groups, sizeof(groups));
	REPLY(d, out, "permission denied: %s needs the group %s (your roles: %s)\n",
	    "権限がありません: %s には %s グループが必要です (あなたの役割: %s)\n", r->name, groups,
	    roles);
	return CTL_ERR_DENIED;
}

int ops_handle(struct daemon *d, const struct ctl_peer *peer, const struct ctl_req *q, FILE *out)
{
	const struct ctl_request *r = ctl_request(q->type);
	const char *lang = ctl_req_get(q, "lang");

	d->reply_ja = lang && !strcmp(lang, "ja");
	if (!r || !handlers[q->type])
		return CTL_ERR_INVALID;
	ops_tally_flush(d, (int64_t)time(NULL), false);	/* the minutes before this one */
	if (!ctl_allowed(peer, q->type))
		return refuse(d, peer, r, out);
	if (!r->mutates)
		(void)tally_note(d, peer, q->type, false);
	return handlers[q->type](d, peer, q, out);
}

/* The kernel ends an exception by itself (its elements time out); the trail learns of it
 * here, once per ledger entry. A record that cannot be written is tried again at the next
 * call (the trail over-reports, never under-reports); none is tried while the trail is
 * broken. */
int ops_expire_check(struct daemon *d, int64_t now)
{
	int64_t t;
	int i, n = 0;

	for (i = 0; !d->audit_failed && i < d->ops.n_ledger; i++) {
		struct ledger_entry *l = &d->ops.ledger[i];

		if (l->revoked || l->proposed || l->expire_reported ||
		    policy_time_parse(l->expires, &t) < 0 ||
		    t > now)
			continue;
		if (trail_audit(d, "sansod", AUDIT_EV_EXCEPTION_EXP, "id", l->id, "expires",
				 l->expires, "from", l->from, "to", l->to, NULL) < 0)
			break;
		l->expire_reported = true;
		log_info("exception '%s' (%s -> %s) expired at %s", l->id, l->from, l->to,
			 l->expires);
		n++;
	}
	if (n)
		state_save(d);
	return n;
}
