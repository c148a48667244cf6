/* SPDX-License-Identifier: GPL-2.0-only */
/* ops.c: what sansoctl can ask of sansod. Read-only requests (status, dump, verify, stats)
 * read the kernel, not the configuration; changes (reload, isolate, restore, breakout revoke
 * and restore) go through a new generation, atomically, and are refused as a whole when it
 * cannot be applied. Every refusal of a peer is logged. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "sansod.h"

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
	r = apply_counters(&d->ap, count_cb, c);
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

static int h_stats(struct daemon *d, const struct ctl_req *q, FILE *out)
{
	const char *f = ctl_req_get(q, "format");
	struct counter_ctx c = { out, f && !strcmp(f, "prometheus") };

	if (c.prom) {
		fprintf(out, "# TYPE sanso_generation gauge\nsanso_generation %u\n", d->generation);
		fprintf(out, "# TYPE sanso_rule_packets_total counter\n# TYPE sanso_engine_total counter\n");
	} else {
		fprintf(out, "kernel counters (table inet sanso):\n");
	}
	if (locked_counters(d, &c) < 0)
		fprintf(out, c.prom ? "# kernel counters unavailable\n" : "  (unavailable)\n");
	if (!c.prom)
		fprintf(out, "verdict engine:\n");
	engine_counts(d, out, c.prom);
	return CTL_OK;
}

static void status_ops(const struct daemon *d, FILE *out)
{
	int i;

	for (i = 0; i < d->ops.n_isolate; i++)
		fprintf(out, "isolated:    %s\n", d->ops.isolate[i]);
	for (i = 0; i < d->ops.n_revoke; i++)
		fprintf(out, "revoked:     %s\n", d->ops.revoke[i]);
}

static int h_status(struct daemon *d, const struct ctl_req *q, FILE *out)
{
	const struct policy *p = d->cur.policy;
	const char *f = ctl_req_get(q, "format");
	time_t now = time(NULL);

	(void)f;
	fprintf(out, "sansod:      running for %lds, generation %u\n", (long)(now - d->started),
		d->generation);
	if (p) {
		fprintf(out, "policy:      %s (%s)\n", p->file, policy_model_name(p->model));
		fprintf(out, "organisation: %s\n", p->organisation ? p->organisation : "");
		fprintf(out, "document:    %s\n", p->document ? p->document : "");
		fprintf(out, "decisions:   %d\n", d->cur.cr ? d->cur.cr->n_decisions : 0);
	}
	fprintf(out, "kernel:      genid %u, persist %s, queue %s\n", d->ap.genid,
		d->ap.persist ? "yes" : "no",
		d->ap.queue_native ? "native" : d->ap.queue_compat ? "xtables NFQUEUE (compat)" :
		"unavailable");
	fprintf(out, "engine:      %s\n", d->engine ? "running" : "not running");
	status_ops(d, out);
	return CTL_OK;
}

static int h_dump(struct daemon *d, const struct ctl_req *q, FILE *out)
{
	const char *f = ctl_req_get(q, "format");
	bool json = f && !strcmp(f, "json");
	const struct policy *p = d->cur.policy;
	int r;

	if (!d->cur.cr)
		return CTL_ERR_FAILED;
	if (json) {
		fprintf(out, "{\n  \"generation\": %u,\n  \"genid\": %u,\n  \"policy\": \"%s\",\n",
			d->generation, d->ap.genid, p->file);
	} else {
		fprintf(out, "# sanso dump: table inet sanso as the kernel holds it\n");
		fprintf(out, "# generation %u, kernel genid %u, policy %s\n", d->generation,
			d->ap.genid, p->file);
		fprintf(out, "# %s / %s\n", p->organisation ? p->organisation : "",
			p->document ? p->document : "");
		policy_print_matrix(p, out);
	}
	pthread_mutex_lock(&d->ap_lock);
	r = apply_dump(&d->ap, d->cur.cr->rs, out, json);
	pthread_mutex_unlock(&d->ap_lock);
	if (json)
		fprintf(out, "}\n");
	return r < 0 ? CTL_ERR_FAILED : CTL_OK;
}

static int h_verify(struct daemon *d, FILE *out)
{
	struct diag diag;
	int r;

	if (!d->cur.cr)
		return CTL_ERR_FAILED;
	diag_init(&diag);
	pthread_mutex_lock(&d->ap_lock);
	r = apply_verify(&d->ap, d->cur.cr->rs, &diag);
	pthread_mutex_unlock(&d->ap_lock);
	diag_print(&diag, out, d->ja);
	diag_fini(&diag);
	if (r == 0)
		fprintf(out, "in sync: the kernel enforces generation %u\n", d->generation);
	else if (r == 1)
		fprintf(out, "drift: the kernel differs from generation %u\n", d->generation);
	else
		fprintf(out, "cannot read the kernel: %s\n", strerror(-r));
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
static int change(struct daemon *d, FILE *out, bool isolate, bool add, const char *name,
		  const char *who)
{
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
	if (add)
		snprintf(list[(*n)++], POLICY_NAME_MAX, "%s", name);
	else
		memmove(list[i], list[i + 1], (size_t)(*n - i - 1) * POLICY_NAME_MAX), (*n)--;
	if (sansod_load_and_apply(d) != 0) {
		d->ops = saved;
		fprintf(out, "refused: the new generation could not be applied; nothing changed\n");
		return CTL_ERR_FAILED;
	}
	sansod_ops_save(d);
	log_info("%s by %s: %s '%s' (generation %u)", isolate ? "isolation" : "breakout revocation",
		 who, add ? "set" : "lifted", name, d->generation);
	fprintf(out, "%s '%s': generation %u applied\n",
		isolate ? (add ? "isolated" : "restored") : (add ? "revoked" : "restored"), name,
		d->generation);
	return CTL_OK;
}

static int h_change(struct daemon *d, const struct ctl_peer *peer, const struct ctl_req *q,
		    FILE *out)
{
	bool isolate = q->type == CTL_ISOLATE || q->type == CTL_RESTORE;
	bool add = q->type == CTL_ISOLATE || q->type == CTL_BO_REVOKE;
	const char *name = ctl_req_get(q, isolate ? "target" : "service");

	if (!name || !d->cur.policy) {
		fprintf(out, "missing %s\n", isolate ? "target" : "service");
		return CTL_ERR_INVALID;
	}
	if (add && (isolate ? !isolatable(d->cur.policy, name) : !is_service(d->cur.policy, name))) {
		fprintf(out, "unknown %s '%s'\n", isolate ? "zone, host or group" : "service", name);
		return CTL_ERR_INVALID;
	}
	return change(d, out, isolate, add, name, peer->name);
}

int ops_handle(struct daemon *d, const struct ctl_peer *peer, const struct ctl_req *q, FILE *out)
{
	if (!ctl_allowed(peer, q->type)) {
		log_warnx("control: %s refused for %s (pid %d)", ctl_type_name(q->type), peer->name,
			  (int)peer->pid);
		fprintf(out, "permission denied: %s needs the %s group\n", ctl_type_name(q->type),
			ctl_type_mutates(q->type) ? CTL_ADMIN_GROUP : CTL_AUDIT_GROUP);
		return CTL_ERR_DENIED;
	}
	switch (q->type) {
	case CTL_STATUS:
		return h_status(d, q, out);
	case CTL_DUMP:
		return h_dump(d, q, out);
	case CTL_VERIFY:
		return h_verify(d, out);
	case CTL_STATS:
		return h_stats(d, q, out);
	case CTL_RELOAD:
		log_info("reload asked by %s", peer->name);
		if (sansod_load_and_apply(d) != 0) {
			fprintf(out, "reload refused: generation %u stays in the kernel\n",
				d->generation);
			return CTL_ERR_FAILED;
		}
		fprintf(out, "applied generation %u\n", d->generation);
		return CTL_OK;
	default:
		return h_change(d, peer, q, out);
	}
}
