// SPDX-License-Identifier: GPL-2.0-only
/* reportd.c: sansoctl report — the daemon gathers the facts (policy in force, store, changes,
 * ledger, windows, containment, engine counts, audit trail, drift, clock, roles) and hands
 * them to the pure renderer (report.h). See reportd.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "clocksync.h"
#include "flowd.h"
#include "gen.h"
#include "kprove.h"
#include "report.h"
#include "reportd.h"
#include "version.h"

#define VERSIONS_SHOWN	200		/* newest versions of the store in the report */
#define CHANGES_SHOWN	200
#define HITS_MAX	1024
/* A trail larger than this is not read again here: the control loop would stall on it (the
 * daemon checked the whole chain when it opened it; sansoctl audit verify reads any size). */
#define AUDIT_REVERIFY_MAX	(64L << 20)
/* The same bound for the flow log's segments together (sansoctl flowlog verify reads any). */
#define FLOWLOG_REVERIFY_MAX	(64L << 20)

/* What the facts point into (freed once the page is rendered). */
struct gathered {
	uint64_t acc[POLICY_ZONES_MAX][POLICY_ZONES_MAX], ref[POLICY_ZONES_MAX][POLICY_ZONES_MAX];
	struct report_version *versions;
	struct report_change *changes;
	struct report_exc *ledger;
	struct report_hit *hits;
	struct flowd_hit *khits;	/* the names hits[] of the kernel point into */
	bool resolved[OPS_MAX];
};

static const char *const change_states[CHANGE_STATE_MAX] = {
	"proposed", "applied", "emergency (not ratified)", "emergency, ratified", "superseded",
	"expired",
};

static void clock_facts(struct report_facts *f)
{
	struct clocksync c;

	clocksync_read(&c);
	f->clock = c.state == CLOCKSYNC_SYNCED ? REPORT_GOOD : c.state == CLOCKSYNC_UNSYNCED ?
		   REPORT_BAD : REPORT_UNKNOWN;
	f->clock_maxerror_us = c.maxerror_us;
}

static int versions(struct daemon *d, struct report_version **ret)
{
	struct report_version *v;
	struct store_ver sv;
	unsigned n;
	int k = 0;

	*ret = v = calloc(VERSIONS_SHOWN, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (n = d->store_on ? d->store.last : 0; n > 0 && k < VERSIONS_SHOWN; n--) {
		if (store_get(&d->store, n, &sv) < 0)
			continue;		/* removed by retention */
		v[k].version = sv.version;
		v[k].parent = sv.parent;
		v[k].kind = store_kind_name(sv.kind);
		snprintf(v[k].by, sizeof(v[k].by), "%s", sv.by);
		snprintf(v[k].approved_by, sizeof(v[k].approved_by), "%s", sv.approved_by);
		v[k].at = sv.at;
		snprintf(v[k].reason, sizeof(v[k].reason), "%s", sv.reason);
		v[k].reverted = sv.reverted;
		k++;
	}
	return k;
}

static int changes(struct daemon *d, struct report_change **ret, int *unratified)
{
	struct report_change *v;
	int i, k = 0;

	*unratified = 0;
	*ret = v = calloc(CHANGES_SHOWN, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (i = d->ch.n - 1; i >= 0; i--) {	/* newest first */
		const struct change *c = &d->ch.v[i];

		*unratified += c->state == CHANGE_EMERGENCY;
		if (k >= CHANGES_SHOWN)
			continue;
		snprintf(v[k].id, sizeof(v[k].id), "%s", c->id);
		snprintf(v[k].state, sizeof(v[k].state), "%s",
			 c->state < CHANGE_STATE_MAX ? change_states[c->state] : "?");
		snprintf(v[k].by, sizeof(v[k].by), "%s", c->by);
		snprintf(v[k].by2, sizeof(v[k].by2), "%s", c->by2);
		v[k].at = c->at;
		v[k].version = c->version;
		snprintf(v[k].reason, sizeof(v[k].reason), "%s", c->reason);
		k++;
	}
	return k;
}

static int ledger(struct daemon *d, struct report_exc **ret)
{
	struct report_exc *v;
	int i;

	*ret = v = calloc((size_t)d->ops.n_ledger + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (i = 0; i < d->ops.n_ledger; i++) {
		const struct ledger_entry *e = &d->ops.ledger[i];

		snprintf(v[i].id, sizeof(v[i].id), "%s", e->id);
		snprintf(v[i].from, sizeof(v[i].from), "%s", e->from);
		snprintf(v[i].to, sizeof(v[i].to), "%s", e->to);
		snprintf(v[i].proto, sizeof(v[i].proto), "%s", e->proto);
		snprintf(v[i].ports, sizeof(v[i].ports), "%s", e->ports);
		snprintf(v[i].reason, sizeof(v[i].reason), "%s", e->reason);
		snprintf(v[i].requested_by, sizeof(v[i].requested_by), "%s", e->requested_by);
		snprintf(v[i].approved_by, sizeof(v[i].approved_by), "%s", e->approved_by);
		snprintf(v[i].expires, sizeof(v[i].expires), "%s", e->expires);
		v[i].revoked = e->revoked;
		v[i].proposed = e->proposed;
	}
	return d->ops.n_ledger;
}

/* The kernel's count h into v[0..k) by name: the new k. */
static int kernel_hit(struct report_hit *v, int k, const struct flowd_hit *h)
{
	int i;

	for (i = 0; i < k && strcmp(v[i].name, h->name); i++)
		;
	if (i == HITS_MAX)
		return k;
	v[i].name = h->name;
	v[i].src |= REPORT_HIT_KERNEL;
	v[i].kernel += h->n;
	return i == k ? k + 1 : k;
}

/* The engine's accepts of this generation (its tables), then the kernel's since sansod
 * started (the flow log, flowd.h), merged by name. */
static int hits(struct daemon *d, struct gathered *g, struct report_facts *f)
{
	struct report_hit *v;
	const char *approval;
	uint64_t other;
	int i, k = 0, n;

	g->hits = v = calloc(HITS_MAX, sizeof(*v));
	g->khits = calloc(HITS_MAX, sizeof(*g->khits));
	if (!v || !g->khits)
		return -ENOMEM;
	while (d->cur.tables && k < HITS_MAX &&
	       eng_tables_records(d->cur.tables, k, &v[k].name, &approval, &v[k].engine) == 0)
		v[k++].src = REPORT_HIT_ENGINE;
	n = flowd_hits(g->khits, HITS_MAX, &other);
	f->kernel_hits = n >= 0;
	for (i = 0; i < n; i++)
		k = kernel_hit(v, k, &g->khits[i]);
	return k;
}

/* The trail read back and its chain checked now (R87), against the anchor when there is one. */
static void audit_facts(struct daemon *d, struct report_facts *f)
{
	struct audit_anchor an, *anp = NULL;
	struct audit_report rep;
	char path[4200];
	struct stat st;
	int r;

	f->audit_on = d->o.audit != NULL;
	if (!d->o.audit)
		return;
	if (stat(d->o.audit, &st) == 0 && st.st_size > AUDIT_REVERIFY_MAX) {
		f->audit_state = d->audit_failed ? REPORT_BAD : REPORT_UNKNOWN;
		f->audit_last_seq = d->au.last.seq;
		snprintf(f->audit_why, sizeof(f->audit_why), "%lld MiB: not read again here "
			 "(sansoctl audit verify %s)", (long long)(st.st_size >> 20), d->o.audit);
		return;
	}
	if (d->o.state_dir) {
		snprintf(path, sizeof(path), "%s/audit.anchor", d->o.state_dir);
		anp = audit_anchor_read(path, &an) == 0 ? &an : NULL;
	}
	r = audit_verify(d->o.audit, anp, &rep);
	if (r == 0) {
		f->audit_state = d->audit_failed ? REPORT_BAD : REPORT_GOOD;
		f->audit_records = rep.lines;
		f->audit_last_seq = rep.last.seq;
		snprintf(f->audit_why, sizeof(f->audit_why), "%s%s", anp ? "anchored" : "no anchor",
			 d->audit_failed ? "; the trail cannot be written now" : "");
	} else if (r == -EBADMSG) {
		f->audit_state = REPORT_BAD;
		f->audit_records = rep.lines;
		f->audit_last_seq = rep.last.seq;
		snprintf(f->audit_why, sizeof(f->audit_why), "broken at line %llu: %s",
			 (unsigned long long)rep.line, audit_bad_str(rep.bad));
	} else {
		f->audit_state = REPORT_BAD;
		snprintf(f->audit_why, sizeof(f->audit_why), "cannot be read: %s", strerror(-r));
	}
}

/* The flow log (R84-R86): the writer's state, and its segments read back now like the trail
 * above (every segment's chain and the links between them), within the same bound. */
static void flowlog_facts(struct daemon *d, struct report_facts *f)
{
	struct report_flowcheck *c = &f->flowcheck;
	struct flowlog_verify v;
	int r;

	r = flowd_state(f->flowlog_why, sizeof(f->flowlog_why), f->ja);
	f->flowlog = r > 0 ? REPORT_GOOD : r < 0 ? REPORT_BAD : REPORT_NONE;
	c->state = REPORT_NONE;
	c->dir = d->o.flow_log;
	if (!d->o.flow_log)
		return;
	r = flowlog_dir_size(d->o.flow_log, &c->bytes, &c->segments);
	if (r == 0 && c->bytes > FLOWLOG_REVERIFY_MAX) {
		c->state = REPORT_UNKNOWN;	/* not read again here */
		return;
	}
	if (r == 0)
		r = flowlog_verify_dir(d->o.flow_log, NULL, &v);
	c->state = r == 0 ? REPORT_GOOD : REPORT_BAD;
	if (r != 0 && r != -EBADMSG) {
		c->err = r;
		return;
	}
	c->segments = v.segments;
	c->lines = v.lines;
	snprintf(c->bad_seg, sizeof(c->bad_seg), "%s", v.bad_seg);
	c->bad_line = v.bad_line;
	c->why = v.why;
	c->first_unlinked = v.first_unlinked;
}

struct pair_ctx {
	const struct policy *p;
	struct gathered *g;
};

/* A counter of chain fwd_<from>_<to>: its accept rule or its final drop (nftgen's comments). */
static void pair_cb(void *arg, const char *chain, int idx, const char *comment, uint64_t pkts,
		    uint64_t bytes)
{
	struct pair_ctx *c = arg;
	char name[2 * POLICY_NAME_MAX + 8];
	int a, b;

	(void)idx;
	(void)bytes;
	if (strncmp(chain, "fwd_", 4) || !c->p)
		return;
	for (a = 0; a < c->p->n_zones; a++) {
		for (b = 0; b < c->p->n_zones; b++) {
			snprintf(name, sizeof(name), "fwd_%s_%s", c->p->zones[a].id, c->p->zones[b].id);
			if (strcmp(chain, name))
				continue;
			if (strstr(comment, "accepted"))
				c->g->acc[a][b] += pkts;
			else if (strstr(comment, "refused"))
				c->g->ref[a][b] += pkts;
		}
	}
}

/* The independent proof, run now (kprove: a child, bounded in time and memory): its result
 * and the first witness, or why it could not run. */
static void proof_facts(struct daemon *d, struct report_facts *f)
{
	char why[512] = "", *text = NULL, *w;
	size_t len = 0;
	FILE *out;
	int r;

	f->proof = REPORT_NONE;
	if (!d->cur.policy || !(out = open_memstream(&text, &len)))
		return;
	r = kprove_run(d->cur.policy, out, false, why, sizeof(why));
	fclose(out);
	f->proof = r == 0 ? REPORT_GOOD : r == 1 ? REPORT_BAD : REPORT_UNKNOWN;
	w = r == 1 && text ? strstr(text, "witness: ") : NULL;
	if (w) {
		w += strlen("witness: ");
		snprintf(f->proof_detail, sizeof(f->proof_detail), "%.*s", (int)strcspn(w, "\n"),
			 w);
	} else if (r < 0) {
		snprintf(f->proof_detail, sizeof(f->proof_detail), "%s", why);
	}
	free(text);
}

static void kernel_facts(struct daemon *d, struct report_facts *f, struct gathered *g)
{
	char names[4][CTL_OVERLAP_NAME];
	struct diag diag;
	int r;

	f->drift = REPORT_UNKNOWN;
	if (d->cur.cr) {
		diag_init(&diag);
		pthread_mutex_lock(&d->ap_lock);
		r = readback_verify(&d->ap, d->cur.cr->rs, &diag);
		pthread_mutex_unlock(&d->ap_lock);
		f->drift = r == 0 ? REPORT_GOOD : r == 1 ? REPORT_BAD : REPORT_UNKNOWN;
		f->drift_differences = diag.n;
		diag_fini(&diag);
	}
	if (d->cur.cr) {
		struct pair_ctx c = { d->cur.policy, g };

		pthread_mutex_lock(&d->ap_lock);
		r = kdump_counters(pair_cb, &c);
		pthread_mutex_unlock(&d->ap_lock);
		f->pair_accepted = r < 0 ? NULL : (const uint64_t (*)[POLICY_ZONES_MAX])g->acc;
		f->pair_refused = r < 0 ? NULL : (const uint64_t (*)[POLICY_ZONES_MAX])g->ref;
	}
	proof_facts(d, f);
	f->role_overlaps = ctl_role_overlaps(names, 4);
	f->fib = !d->fib_ran ? (d->fib_err ? REPORT_UNKNOWN : REPORT_NONE) :
		 d->fib.findings ? REPORT_BAD : REPORT_GOOD;
	f->fib_findings = d->fib_ran ? d->fib.findings : 0;
}


static int gather(struct daemon *d, const struct ctl_peer *peer, struct gathered *g,
		  struct report_facts *f)
{
	int i;

	f->now = (int64_t)time(NULL);
	f->p = d->cur.policy;
	f->sanso_version = version_sanso();
	f->libs = version_libs();
	f->actor = peer->name;
	f->generation = d->generation;
	f->config_sha256 = d->cur.sha256;
	f->store_on = d->store_on;
	f->running = d->running;
	f->running_sha = d->running_sha;
	f->pending_sha = d->pending_sha;
	clock_facts(f);
	if ((f->n_versions = versions(d, &g->versions)) < 0 ||
	    (f->n_changes = changes(d, &g->changes, &f->unratified)) < 0 ||
	    (f->n_ledger = ledger(d, &g->ledger)) < 0 || (f->n_hits = hits(d, g, f)) < 0)
		return -ENOMEM;
	f->versions = g->versions;
	f->changes = g->changes;
	f->ledger = g->ledger;
	f->hits = g->hits;
	f->windows = d->ops.mw;
	f->n_windows = d->ops.n_mw;
	f->isolations = (const char (*)[POLICY_NAME_MAX])d->ops.isolate;
	f->n_isolations = d->ops.n_isolate;
	for (i = 0; i < d->ops.n_isolate && i < OPS_MAX; i++)
		g->resolved[i] = gen_resolves(d->cur.policy, d->ops.isolate[i]);
	f->isolation_resolved = g->resolved;
	f->revocations = (const char (*)[POLICY_NAME_MAX])d->ops.revoke;
	f->n_revocations = d->ops.n_revoke;
	flowlog_facts(d, f);
	audit_facts(d, f);
	kernel_facts(d, f, g);
	return 0;
}

int report_h_create(struct daemon *d, const struct ctl_peer *peer, const struct ctl_req *q,
		    FILE *out)
{
	const char *lang = ctl_req_get(q, "lang");
	struct report_facts f = { .ja = !lang || strcmp(lang, "en") };
	struct gathered *g;
	int r;

	if (lang && strcmp(lang, "en") && strcmp(lang, "ja")) {
		fprintf(out, "refused: lang must be ja or en\n");
		return CTL_ERR_INVALID;
	}
	g = calloc(1, sizeof(*g));
	r = g ? gather(d, peer, g, &f) : -ENOMEM;
	if (r == 0)
		r = report_html(&f, out);
	if (g) {
		free(g->versions);
		free(g->changes);
		free(g->ledger);
		free(g->hits);
		free(g->khits);
	}
	free(g);
	if (r < 0) {
		fprintf(out, "refused: the report cannot be made: %s\n", strerror(-r));
		return CTL_ERR_FAILED;
	}
	return CTL_OK;
}
