/* SPDX-License-Identifier: GPL-2.0-only */
/* gen.c: generations — build one (file or policy in force + operational state), commit it
 * (a delta when it can be one, else a table replace) and read it back, carry learned
 * addresses, install the engine's tables, save the last good text. See gen.h. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "alert.h"
#include "conf.h"
#include "gen.h"
#include "kprove.h"
#include "log.h"
#include "state.h"
#include "trail.h"

#define DELTA_MAX_CHANGES	20000	/* more: a table replace is as cheap */

int64_t gen_clock(const struct opts *o)
{
	return o->now ? o->now : (int64_t)time(NULL);
}

void gen_free(struct gen *g)
{
	eng_tables_free(g->tables);
	comp_result_free(g->cr);
	if (!g->shared) {
		policy_free(g->policy);
		conf_text_free(&g->text);
	}
	g->tables = NULL;
	g->cr = NULL;
	g->policy = NULL;
}

double gen_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Revoked services are compiled as disabled (their connections lose their live decision). */
static void ops_apply(const struct ops *ops, struct policy *p)
{
	int i, j;

	for (i = 0; ops && i < ops->n_revoke; i++) {
		for (j = 0; j < p->breakout.n_services; j++) {
			if (!strcmp(p->breakout.services[j].name, ops->revoke[i]))
				p->breakout.services[j].disabled = true;
		}
	}
}

static int parse_ports(struct policy *p, const char *s, struct exception *x)
{
	char buf[128], *tok, *save = NULL, *dash;
	long lo, hi;

	snprintf(buf, sizeof(buf), "%s", s);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		dash = strchr(tok, '-');
		lo = strtol(tok, NULL, 10);
		hi = dash ? strtol(dash + 1, NULL, 10) : lo;
		if (lo < 1 || hi > 65535 || lo > hi || x->n_ports >= POLICY_PORTS_MAX)
			return -EINVAL;
		x->ports = policy_grow(p, x->ports, x->n_ports, sizeof(*x->ports));
		if (!x->ports)
			return -ENOMEM;
		x->ports[x->n_ports++] = (struct port_range){ (uint16_t)lo, (uint16_t)hi };
	}
	return 0;
}

/* The ledger's exceptions join the policy before validation: same rules as the file's. */
static int ledger_merge(const struct ops *ops, struct policy *p, int64_t now, struct diag *diag)
{
	struct exception *x;
	int i, bad = 0;

	for (i = 0; ops && i < ops->n_ledger; i++) {
		const struct ledger_entry *l = &ops->ledger[i];

		if (l->revoked || l->proposed || !strcmp(l->approved_by, "-"))
			continue;	/* not (or no longer) approved */
		p->exceptions = policy_grow(p, p->exceptions, p->n_exceptions, sizeof(*x));
		if (!p->exceptions)
			return -ENOMEM;
		x = &p->exceptions[p->n_exceptions];
		snprintf(x->id, sizeof(x->id), "%s", l->id);
		x->from.name = policy_strdup(p, l->from);
		x->to.name = policy_strdup(p, l->to);
		x->reason = policy_strdup(p, l->reason);
		x->expires_text = policy_strdup(p, l->expires);
		snprintf(x->requested_by, sizeof(x->requested_by), "%s", l->requested_by);
		snprintf(x->approved_by, sizeof(x->approved_by), "%s", l->approved_by);
		if (policy_proto_parse(l->proto, &x->proto) < 0 ||
		    (l->ports[0] && parse_ports(p, l->ports, x) < 0) ||
		    policy_time_parse(l->expires, &x->expires) < 0) {
			diag_add(diag, DIAG_ERROR, "exception ledger", 0,
				 "exception '%s': bad protocol, ports or expiry", l->id);
			bad++;
		}
		p->n_exceptions++;
	}
	if (ops && mw_merge(ops->mw, ops->n_mw, p, now) < 0) {	/* R80: like exceptions */
		diag_add(diag, DIAG_ERROR, "maintenance windows", 0, "cannot merge the windows");
		bad++;
	}
	return bad ? -EINVAL : 0;
}

bool gen_resolves(const struct policy *p, const char *name)
{
	return p && (policy_zone_find(p, name) >= 0 || policy_host_find(p, name) >= 0 ||
		     policy_group_find(p, name) >= 0);
}

/* An isolation whose zone, host or group is gone from the policy cuts nothing: it stays in
 * the state (until an operator restores it) and is reported at every generation. */
static void report_unresolved(struct daemon *d)
{
	int i;

	for (i = 0; i < d->ops.n_isolate; i++) {
		if (gen_resolves(d->cur.policy, d->ops.isolate[i]))
			continue;
		log_warnx("isolation '%s' resolves to nothing in '%s': it is kept, UNRESOLVED, "
			  "until it is restored (sansoctl restore)", d->ops.isolate[i], d->o.file);
		(void)trail_audit(d, "sansod", AUDIT_EV_ISOLATE_UNRESOLVED, "target",
				   d->ops.isolate[i], "policy", d->o.file, NULL);
	}
}

int gen_build(const struct opts *o, const struct ops *ops, struct gen *g,
		     struct diag *diag)
{
	const char *iso[OPS_MAX];
	struct comp_extra x = { iso, 0 };
	double t0 = gen_mono(), t1 = 0, t2 = 0;
	int r, i, first = diag->n;

	memset(g, 0, sizeof(*g));
	/* the flattened text (main file + includes) is hashed and parsed: never the files again */
	r = conf_text_read(o->file, &g->text, diag);
	if (r < 0 && r != -ENOMEM)
		r = -EINVAL;	/* missing, unreadable, not text: a policy error (exit 1) */
	if (r >= 0) {
		memcpy(g->sha256, g->text.sha256, sizeof(g->sha256));
		r = conf_load_string(o->file, g->text.text, &g->policy, diag);
		if (r == -EINVAL)	/* all errors in one run: the checker's too */
			conf_check_partial(o->file, g->text.text, gen_clock(o), diag);
		if (r >= 0) {
			g->n_file_exceptions = g->policy->n_exceptions;
			g->n_file_groups = g->policy->n_groups;
		}
	}
	if (r >= 0)
		r = ledger_merge(ops, g->policy, gen_clock(o), diag);
	if (r >= 0) {
		t1 = gen_mono();
		r = policy_validate(g->policy, gen_clock(o), diag);
	}
	if (r >= 0) {
		t2 = gen_mono();
		ops_apply(ops, g->policy);
		for (i = 0; ops && i < ops->n_isolate; i++) {
			if (gen_resolves(g->policy, ops->isolate[i]))
				iso[x.n_isolate++] = ops->isolate[i];	/* the others: unresolved */
		}
		for (i = 0; o->block_all && i < g->policy->n_zones && x.n_isolate < OPS_MAX; i++)
			iso[x.n_isolate++] = g->policy->zones[i].id;
		r = comp_build_ex(g->policy, gen_clock(o), &x, &g->cr, diag);
	}
	if (r >= 0 && o->stats)
		fprintf(stderr, "stats: parse %.3fs validate %.3fs compile %.3fs\n", t1 - t0,
			t2 - t1, gen_mono() - t2);
	conf_text_map_diag(&g->text, o->file, diag, first);
	if (r < 0)
		gen_free(g);
	return r;
}

int gen_diag_print(const struct daemon *dm, const struct diag *d, int ja)
{
	if (dm->report)
		diag_print(d, dm->report, ja);
	return diag_print(d, stderr, ja);
}

static void print_stats(const struct gen *g, const struct apply_stats *st, double verify_s)
{
	const struct ir_ruleset *rs = g->cr->rs;
	long elems = 0, rules = 0;
	int i;

	for (i = 0; i < rs->n_sets; i++)
		elems += rs->sets[i].n_elems;
	for (i = 0; i < rs->n_chains; i++)
		rules += rs->chains[i].n_rules;
	fprintf(stderr,
		"stats: sets %d elements %ld chains %d rules %ld decisions %d batch %zu bytes %d messages build %.3fs commit %.3fs verify %.3fs\n",
		rs->n_sets, elems, rs->n_chains, rules, g->cr->n_decisions, st->batch_bytes,
		st->batch_msgs, st->build_s, st->commit_s, verify_s);
}

/* Commit only what differs from the generation in force, then read back exactly that.
 * 0, -EAGAIN (not expressible or refused: replace the table instead), or -EPROTO. */
static int gen_commit_delta(struct daemon *d, const struct gen *g, struct diag *diag,
			    struct apply_stats *st, double *verify_s)
{
	struct ir_delta delta;
	struct diag quiet;
	double t;
	int r;
	const char *why = !d->cur.cr ? "the first generation" :
			  d->blocking ? "every zone isolated (the audit trail is unusable)" :
			  d->table_suspect ? d->suspect_why :
			  d->deltas_unsafe ? "foreign changes cannot be seen (no owner flag, no monitor)" :
			  NULL;

	d->gs.full_why = why;
	if (why || delta_compute(d->cur.cr->rs, g->cr->rs, DELTA_MAX_CHANGES, &delta) < 0)
		return -EAGAIN;
	d->gs.full_why = delta.full ? delta.why : NULL;
	if (delta.full) {
		delta_fini(&delta);
		return -EAGAIN;
	}
	diag_init(&quiet);	/* a refused delta is not the policy's error: the replace says */
	pthread_mutex_lock(&d->ap_lock);
	r = apply_commit_delta(&d->ap, d->cur.cr->rs, g->cr->rs, &delta, g->policy->file, &quiet,
			       st);
	pthread_mutex_unlock(&d->ap_lock);
	if (r < 0) {
		log_info("delta of %ld change(s) refused by the kernel (%s): replacing the table",
			 delta.n_changes, strerror(-r));
		d->gs.full_why = "the kernel refused the delta";
		r = -EAGAIN;
	} else {
		t = gen_mono();
		r = readback_verify_delta(&d->ap, g->cr->rs, &delta, diag) == 0 ? 0 : -EPROTO;
		*verify_s = gen_mono() - t;
		d->gs.changes = delta.n_changes;
	}
	diag_fini(&quiet);
	delta_fini(&delta);
	return r;
}

static int gen_commit_full(struct daemon *d, const struct gen *g, bool dry_run,
			   struct diag *diag, struct apply_stats *st, double *verify_s)
{
	double t;
	int r;

	pthread_mutex_lock(&d->ap_lock);
	r = apply_commit(&d->ap, g->cr->rs, g->policy->file, dry_run, diag, st);
	pthread_mutex_unlock(&d->ap_lock);
	if (r >= 0 && !dry_run) {	/* I7: read it back (its own socket: no lock) */
		t = gen_mono();
		r = readback_verify(&d->ap, g->cr->rs, diag) == 0 ? 0 : -EPROTO;
		*verify_s = gen_mono() - t;
	}
	return r;
}

/* Commit g (a delta against the generation in force when it can be one, else a table
 * replace), then read it back (I7). Returns 0 or -errno. */
/* The first line of text starting with "witness: " (without it), or "". */
static const char *first_witness(char *text)
{
	char *w = text ? strstr(text, "witness: ") : NULL;

	if (!w)
		return "";
	w += strlen("witness: ");
	w[strcspn(w, "\n")] = '\0';
	return w;
}

/* policy.verify = "prove": the table just committed, proven from the kernel by the
 * independent reader (issue 13); the result is logged and goes in the audit trail. */
static void gen_prove(struct daemon *d, const struct gen *g)
{
	char why[512] = "", gen[16], *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	int r = out ? kprove_run(g->policy, out, false, why, sizeof(why)) : -ENOMEM;

	if (out)
		fclose(out);
	snprintf(gen, sizeof(gen), "%u", d->generation + 1);
	if (r == 0)
		log_info("proof: the kernel's table allows no path the policy does not");
	else if (r == 1)
		log_warnx("proof: the kernel's table allows a path the policy does not: %s "
			  "(sansoctl prove shows every witness)", first_witness(text));
	else
		log_warnx("proof: cannot evaluate the kernel's table: %s", why);
	(void)trail_audit(d, "sansod", AUDIT_EV_PROVE, "generation", gen, "result",
			   r == 0 ? "proven" : r == 1 ? "violation" : "cannot evaluate", "detail",
			   r == 1 ? first_witness(text) : r < 0 ? why : "", NULL);
	free(text);
}

int gen_commit(struct daemon *d, const struct gen *g, bool dry_run)
{
	struct apply_stats st = { 0 };
	struct diag diag;
	double t0 = gen_mono(), verify_s = 0;
	int r = -EAGAIN;

	diag_init(&diag);
	d->gs.delta = false;
	d->gs.changes = 0;
	if (!dry_run)
		r = gen_commit_delta(d, g, &diag, &st, &verify_s);
	if (r == 0)
		d->gs.delta = true;
	if (r == -EPROTO) {	/* the delta landed on a table that is not ours: replace it */
		log_warnx("I7: after a delta, table inet sanso differs from the compiled ruleset: replacing the table");
		diag_fini(&diag);
		diag_init(&diag);
		d->gs.full_why = "the read-back after a delta differed";
		r = -EAGAIN;
	}
	if (r == -EAGAIN) {
		r = gen_commit_full(d, g, dry_run, &diag, &st, &verify_s);
		if (r == 0 && !dry_run)
			d->table_suspect = false;	/* replaced and read back whole */
	}
	if (r == -EPROTO) {
		gen_diag_print(d, &diag, d->ja || d->reply_ja);
		log_warnx("I7: table inet sanso read back from the kernel differs from the compiled ruleset (see above)");
		goto out;
	}
	if (r < 0) {
		gen_diag_print(d, &diag, d->ja || d->reply_ja);
		log_warnx("apply of '%s' failed (%s): the previous ruleset stays in the kernel",
			  d->o.file, strerror(-r));
		goto out;
	}
	if (!dry_run) {
		d->gs.ms = (gen_mono() - t0) * 1000;
		d->gs.deltas += d->gs.delta;
		d->gs.fulls += !d->gs.delta;
		if (g->policy->verify_prove)
			gen_prove(d, g);
	}
	if (d->o.stats) {
		print_stats(g, &st, verify_s);
		fprintf(stderr, "kernel: table flag persist %s; queue %s; %s\n",
			d->ap.persist ? "yes" : "no",
			d->ap.queue_native ? "native (nft_queue)" :
			d->ap.queue_compat ? "xtables NFQUEUE target (nft_compat)" : "unavailable",
			d->gs.delta ? "committed as a delta" : "committed as a table replace");
	}
out:
	diag_fini(&diag);
	return r;
}

/* Called by a worker: put learned breakout addresses into the kernel before the DNS answer
 * that taught them reaches the client. Never waits for an apply: -EBUSY, and the queue keeps
 * them (not the packets) until gen_flush_learned() or the worker's next try. */
static int commit_learned(void *arg, const struct eng_update *u, int n)
{
	struct daemon *d = arg;
	int r;

	if (pthread_mutex_trylock(&d->ap_lock))	/* an apply runs: the queue buffers them */
		return -EBUSY;
	r = apply_learned(&d->ap, u, n);
	pthread_mutex_unlock(&d->ap_lock);
	return r;
}

/* Addresses learned while an apply held the socket: into the kernel right after it. */
static void flush_learned(struct daemon *d)
{
	struct eng_update u[ENG_UPDATES_MAX];
	int n, r;

	if (!d->engine)
		return;
	while ((n = queue_pending_take(&d->q, u, ENG_UPDATES_MAX)) > 0) {
		pthread_mutex_lock(&d->ap_lock);
		r = apply_learned(&d->ap, u, n);
		pthread_mutex_unlock(&d->ap_lock);
		if (r < 0) {
			log_warnx("learned addresses after an apply: %s: %d refused until asked again",
				  strerror(-r), n);
			break;
		}
	}
}

/* Addresses the HA peer learned: into the engine's table (checked against this node's
 * policy), then the ones the kernel set lacks into it, in batches. 0 or -errno. */
int gen_learn_peer(struct daemon *d, const struct eng_learn_rec *r, int n, int *refused)
{
	struct eng_update u[ENG_UPDATES_MAX];
	struct timespec ts;
	int i, k, m, bad, e = 0;

	*refused = 0;
	if (!d->engine)
		return -ENOENT;
	clock_gettime(CLOCK_REALTIME, &ts);
	for (i = 0; i < n && !e; i += ENG_UPDATES_MAX) {
		m = n - i < ENG_UPDATES_MAX ? n - i : ENG_UPDATES_MAX;
		e = queue_learned_import(&d->q, r + i, m,
					 (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000, u, &k, &bad);
		*refused += bad;
		if (e || !k)
			continue;
		pthread_mutex_lock(&d->ap_lock);
		e = apply_learned(&d->ap, u, k);
		pthread_mutex_unlock(&d->ap_lock);
	}
	return e;
}

/* A reload replaces the table: the learned addresses go into the new one, timeouts left. */
static void carry_learned(struct daemon *d, struct gen *g)
{
	struct eng_update *u;
	struct ir_elem e;
	struct timespec ts;
	int n, i, s, max;

	clock_gettime(CLOCK_REALTIME, &ts);
	max = g->policy->breakout.dns_max > 0 ? g->policy->breakout.dns_max : 65536;
	u = calloc((size_t)max, sizeof(*u));
	if (!u)
		return;
	n = queue_learned(&d->q, (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000, u, max);
	for (i = 0; i < n && i < max; i++) {
		s = ir_set_find(g->cr->rs, u[i].family == AF_INET ? "bo_learn4" : "bo_learn6");
		if (s < 0)
			continue;
		memset(&e, 0, sizeof(e));
		memcpy(e.key, u[i].addr, 16);
		memcpy(e.key_end, u[i].addr, 16);
		e.timeout_ms = u[i].timeout_ms;
		(void)ir_elem_add(g->cr->rs, s, &e);
	}
	free(u);
}

/* Start the workers on the first generation that needs them; later ones swap tables. */
static void engine_install(struct daemon *d, const struct gen *g)
{
	const struct engine_conf *e = &g->policy->engine;
	int queues = e->queues > 0 ? e->queues : 1, maxlen = e->queue_maxlen > 0 ? e->queue_maxlen : 4096;
	struct eng_learned *l;
	int r;

	if (d->engine) {
		(void)queue_swap(&d->q, g->tables);	/* the old ones go with the old generation */
		return;
	}
	if (!g->tables || (!eng_tables_flows(g->tables) && !eng_tables_services(g->tables)))
		return;
	l = eng_learned_new(g->policy->breakout.dns_max);
	r = l ? queue_start(&d->q, e->queue_base, queues, maxlen, g->tables, l, commit_learned, d) :
		-ENOMEM;
	if (r < 0) {
		log_warnx("verdict engine: cannot bind NFQUEUE %d-%d (%s): its traffic is refused",
			  e->queue_base, e->queue_base + queues - 1, strerror(-r));
		return;
	}
	d->engine = true;
	log_info("verdict engine: %d queue(s) from %d, %d flow entries, %d services", queues,
		 e->queue_base, eng_tables_flows(g->tables), eng_tables_services(g->tables));
}

/* The flattened text of the generation just applied and read back (main file and includes,
 * exactly as parsed), for the early boot unit (state_dir/last-good.conf, written atomically).
 * The ledger stays in its own file. */
static void save_last_good(const struct daemon *d)
{
	char path[4096], tmp[4200];
	FILE *out;
	int bad;

	if (!d->o.state_dir || !d->cur.text.text)
		return;
	snprintf(path, sizeof(path), "%s/last-good.conf", d->o.state_dir);
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	out = fopen(tmp, "we");
	bad = !out;
	if (out) {
		bad |= fwrite(d->cur.text.text, 1, d->cur.text.len, out) != d->cur.text.len;
		bad |= fflush(out) || fsync(fileno(out));
		bad |= fclose(out);
	}
	if (bad || rename(tmp, path) < 0) {
		log_warn("cannot save '%s'", path);
		(void)unlink(tmp);
	}
}

int gen_check(struct daemon *d, const char *file, char sha[65], struct conf_text *text)
{
	struct opts o = d->o;
	struct diag diag;
	struct gen g;
	int r;

	o.file = file;
	diag_init(&diag);
	r = gen_build(&o, &d->ops, &g, &diag);
	gen_diag_print(d, &diag, d->ja || d->reply_ja);
	diag_fini(&diag);
	if (r >= 0) {
		snprintf(sha, 65, "%s", g.sha256);
		if (text) {
			*text = g.text;		/* what was checked is what will be staged */
			memset(&g.text, 0, sizeof(g.text));
		}
	}
	gen_free(&g);
	return r;
}

/* The SHA-256 the policy in force must have when it is an applied change (a staged text in
 * the state directory): a staged copy altered afterwards is refused, also at a restart. */
static const char *approved_sha256(const struct daemon *d)
{
	if (d->expect_sha256)
		return d->expect_sha256;
	if (d->running && !strcmp(d->o.file, d->running_path))
		return d->running_sha;	/* a version of the store (change.c) */
	return NULL;
}

/* Change control before a commit: only the approved text (an applied change), and no
 * trail, no change (R85: recorded before it is committed; only the protective generation
 * (blocking) and, under alert-only, the first one may go without). 0 or -errno. */
static int reload_allowed(struct daemon *d, const struct gen *g)
{
	const char *approved = approved_sha256(d);
	char *includes;
	int r = 0;

	if (approved && strcmp(approved, g->sha256)) {
		log_warnx("'%s' is not the approved text (sha256 %s, approved %s): refused",
			  d->o.file, g->sha256, approved);
		(void)trail_audit(d, "sansod", AUDIT_EV_CONFIG_REFUSED, "policy", d->o.file,
				   "reason", "not the approved text", "sha256", g->sha256, NULL);
		return -EINVAL;
	}
	if (!d->o.audit || (d->blocking && d->audit_failed) ||
	    (d->o.audit_alert_only && !d->generation))
		return 0;
	includes = conf_text_includes(&g->text);
	if (!d->audit_on || trail_audit(d, "sansod", AUDIT_EV_CONFIG_APPLY, "policy", d->o.file,
					 "sha256", g->sha256, "includes",
					 includes ? includes : "", NULL) < 0) {
		log_warnx("change refused: the audit trail '%s' cannot be written", d->o.audit);
		r = -EIO;
	}
	free(includes);
	return r;
}

/* g was committed: it becomes the generation in force. */
static void reload_done(struct daemon *d, struct gen *g)
{
	if (d->o.mode == MODE_DAEMON) {
		g->tables = eng_tables_build(g->policy, g->cr);
		if (!g->tables)
			log_warnx("engine tables: out of memory: engine traffic is refused");
		engine_install(d, g);
	}
	gen_free(&d->cur);
	d->cur = *g;
	d->cur_ops = d->ops;
	d->generation++;
	report_unresolved(d);
	if (d->o.mode == MODE_DAEMON) {
		alert_configure(&d->cur.policy->alerts);	/* the sinks of the policy in force */
		save_last_good(d);
		gen_fib_check(d);
	}
	if (d->blocking && d->audit_failed)
		log_warnx("audit trail unusable: generation %u isolates every zone until it is repaired (then SIGHUP)",
			  d->generation + 1);
	else if (d->blocking)
		log_warnx("flow log unusable: generation %u isolates every zone until it is written again",
			  d->generation + 1);
	log_info("applied generation %u of '%s' (%d decisions, kernel genid %u, %s)",
		 d->generation, d->o.file, d->cur.cr->n_decisions, d->ap.genid,
		 d->gs.delta ? "delta" : "table replace");
}

bool gen_must_block(const struct daemon *d)
{
	return (d->o.audit && d->audit_failed && !d->o.audit_alert_only) || d->flowlog_blocks;
}

int gen_reload(struct daemon *d)
{
	struct diag diag;
	struct gen g;
	int r;

	/* R85: no trail, no change; and under block-crosszone no traffic between zones either:
	 * the one change still allowed is the protective one, every zone isolated. The flow
	 * log under logging.on_failure = block-crosszone cuts the same way (flowd.h). */
	bool was = d->blocking;

	d->blocking = gen_must_block(d);
	d->o.block_all = d->blocking;
	diag_init(&diag);
	r = gen_build(&d->o, &d->ops, &g, &diag);
	gen_diag_print(d, &diag, d->ja || d->reply_ja);
	diag_fini(&diag);
	if (r < 0) {
		(void)trail_audit(d, "sansod", AUDIT_EV_CONFIG_REFUSED, "policy", d->o.file,
				   "reason", r == -EINVAL ? "invalid policy" : strerror(-r), NULL);
		goto fail;
	}
	r = reload_allowed(d, &g);
	if (r < 0)
		goto fail_gen;
	if (d->engine)
		carry_learned(d, &g);
	r = gen_commit(d, &g, false);
	flush_learned(d);
	(void)trail_audit(d, "sansod", AUDIT_EV_CONFIG_RESULT, "policy", d->o.file,
			   "result", r == 0 ? "applied" : "refused by the kernel", NULL);
	if (r < 0)
		goto fail_gen;
	reload_done(d, &g);
	return 0;
fail_gen:
	gen_free(&g);
fail:
	/* the kernel still holds what was in force: say so, so the cut (or its end) is tried
	 * again (main.c, after GEN_BLOCK_RETRY_S) */
	d->blocking = was;
	d->o.block_all = was;
	return r;
}

/* The operational state, merged into p (in place: the policy in force): the ledger's
 * exceptions after the file's, validated again (I2, I3, I6), revoked services disabled. */
static int ops_merge(const struct daemon *d, const struct ops *ops, struct policy *p,
		     const struct gen *file, struct diag *diag)
{
	struct diag quiet;
	int r;

	diag_init(&quiet);		/* diag NULL: going back to a state that was valid */
	p->n_exceptions = file->n_file_exceptions;
	p->n_groups = file->n_file_groups;
	r = ledger_merge(ops, p, gen_clock(&d->o), diag ? diag : &quiet);
	if (r >= 0)
		r = policy_validate(p, gen_clock(&d->o), diag ? diag : &quiet);
	if (r >= 0)
		ops_apply(ops, p);
	diag_fini(&quiet);
	return r;
}

int gen_check_ops(struct daemon *d, const struct ops *ops)
{
	struct diag diag;
	int r;

	if (!d->cur.policy)
		return -ENOENT;
	diag_init(&diag);
	r = ops_merge(d, ops, d->cur.policy, &d->cur, &diag);
	(void)ops_merge(d, &d->cur_ops, d->cur.policy, &d->cur, NULL);
	gen_diag_print(d, &diag, d->ja || d->reply_ja);
	diag_fini(&diag);
	return r;
}

/* The engine's tables depend on the revocations only (services it decides); isolations and
 * exceptions are the kernel's. */
static bool same_revocations(const struct ops *a, const struct ops *b)
{
	int i;

	if (a->n_revoke != b->n_revoke)
		return false;
	for (i = 0; i < a->n_revoke; i++) {
		if (strcmp(a->revoke[i], b->revoke[i]))
			return false;
	}
	return true;
}

/* Only the isolations differ from the state the generation in force was built with: its
 * ruleset with other iso sets is the new one (comp_isolate), nothing else is built. */
static bool only_isolations(const struct daemon *d)
{
	return d->cur.cr && same_revocations(&d->ops, &d->cur_ops) &&
	       d->ops.n_ledger == d->cur_ops.n_ledger &&
	       !memcmp(d->ops.ledger, d->cur_ops.ledger,
		       (size_t)d->ops.n_ledger * sizeof(d->ops.ledger[0])) &&
	       d->ops.n_mw == d->cur_ops.n_mw &&
	       !memcmp(d->ops.mw, d->cur_ops.mw, (size_t)d->ops.n_mw * sizeof(d->ops.mw[0]));
}

/* The policy in force, with d->ops, compiled into g (which shares its text and policy). */
static int gen_rebuild(struct daemon *d, struct gen *g, struct diag *diag)
{
	const char *iso[OPS_MAX];
	struct comp_extra x = { iso, 0 };
	struct policy *p = d->cur.policy;
	bool quick = only_isolations(d);
	int r = 0, i;

	memset(g, 0, sizeof(*g));
	if (!quick)
		r = ops_merge(d, &d->ops, p, &d->cur, diag);
	for (i = 0; r >= 0 && i < d->ops.n_isolate; i++) {
		if (gen_resolves(p, d->ops.isolate[i]))
			iso[x.n_isolate++] = d->ops.isolate[i];
	}
	for (i = 0; r >= 0 && d->blocking && i < p->n_zones && x.n_isolate < OPS_MAX; i++)
		iso[x.n_isolate++] = p->zones[i].id;
	if (r >= 0 && quick)
		r = comp_isolate(p, d->cur.cr, &x, &g->cr, diag);
	if ((r >= 0 && !quick) || r == -ENOENT)
		r = comp_build_ex(p, gen_clock(&d->o), &x, &g->cr, diag);
	if (r < 0 && !quick)	/* the policy in force goes back to the state it was built with */
		(void)ops_merge(d, &d->cur_ops, p, &d->cur, NULL);
	g->policy = p;
	g->text = d->cur.text;
	memcpy(g->sha256, d->cur.sha256, sizeof(g->sha256));
	g->n_file_exceptions = d->cur.n_file_exceptions;
	g->n_file_groups = d->cur.n_file_groups;
	g->shared = true;
	return r;
}

int gen_apply_ops(struct daemon *d)
{
	double t0 = gen_mono();
	struct diag diag;
	struct gen g;
	int r, code;

	if (!d->cur.policy)
		return gen_reload(d);
	diag_init(&diag);
	r = gen_rebuild(d, &g, &diag);
	d->gs.build_ms = (gen_mono() - t0) * 1000;
	gen_diag_print(d, &diag, d->ja || d->reply_ja);
	diag_fini(&diag);
	if (r < 0) {
		comp_result_free(g.cr);
		return r == -EINVAL ? -EINVAL : r;
	}
	if (d->engine)
		carry_learned(d, &g);
	code = gen_commit(d, &g, false);
	flush_learned(d);
	if (code == 0 && d->o.mode == MODE_DAEMON && same_revocations(&d->ops, &d->cur_ops)) {
		g.tables = d->cur.tables;	/* isolations and exceptions are the kernel's */
		d->cur.tables = NULL;
	} else if (code == 0 && d->o.mode == MODE_DAEMON) {
		g.tables = eng_tables_build(g.policy, g.cr);
		if (!g.tables)
			log_warnx("engine tables: out of memory: engine traffic is refused");
		engine_install(d, &g);
	}
	if (code < 0) {
		comp_result_free(g.cr);
		(void)ops_merge(d, &d->cur_ops, d->cur.policy, &d->cur, NULL);
		return code;
	}
	d->cur.shared = true;		/* its text and policy live on in g */
	gen_free(&d->cur);
	g.shared = false;
	d->cur = g;
	d->cur_ops = d->ops;
	d->generation++;
	report_unresolved(d);
	log_info("applied generation %u: operational state on '%s' (build %.1f ms, %s %.1f ms)",
		 d->generation, d->o.file, d->gs.build_ms, d->gs.delta ? "delta" : "table replace",
		 d->gs.ms);
	return 0;
}

/* R36: ask the kernel's FIB whether each zone network leaves through its zone (daemon mode:
 * after each apply and on the drift timer). A change of the findings is logged and audited. */
void gen_fib_check(struct daemon *d)
{
	struct fib_report r;
	char n[16];
	int i, e;

	if (!d->cur.policy)
		return;
	e = fibcheck_run(d->cur.policy, &r);
	if (e < 0) {
		if (e != d->fib_err)
			log_warnx("fib check: cannot ask the kernel: %s", strerror(-e));
		d->fib_err = e;
		return;
	}
	d->fib_err = 0;
	if (d->fib_ran && fibcheck_same(&r, &d->fib)) {
		d->fib = r;
		return;
	}
	for (i = 0; i < r.n; i++)
		if (!r.note[i])
			log_warnx("%s", r.v[i]);
	snprintf(n, sizeof(n), "%d", r.findings);
	for (i = 0; i < r.n && r.note[i]; i++)
		;
	if (r.findings)
		(void)trail_audit(d, "sansod", AUDIT_EV_FIB, "policy", d->o.file, "findings", n,
				   "detail", i < r.n ? r.v[i] : "", NULL);
	else if (d->fib_ran)
		(void)trail_audit(d, "sansod", AUDIT_EV_FIB_OK, "policy", d->o.file, NULL);
	d->fib = r;
	d->fib_ran = true;
}

/* Commit the generation in force again (same ruleset), then read it back. *ack_ms: from t0
 * to the kernel's acknowledgement of the commit. 0 or -errno. */
int gen_recommit(struct daemon *d, const struct ir_ruleset *rs, double t0,
			double *ack_ms)
{
	struct diag diag;
	int r;

	diag_init(&diag);
	pthread_mutex_lock(&d->ap_lock);
	r = apply_commit(&d->ap, rs, d->cur.policy->file, false, &diag, NULL);
	*ack_ms = (gen_mono() - t0) * 1000;
	if (r >= 0)
		r = readback_verify(&d->ap, rs, &diag) == 0 ? 0 : -EPROTO;
	pthread_mutex_unlock(&d->ap_lock);
	flush_learned(d);
	if (r < 0)
		gen_diag_print(d, &diag, d->ja);
	diag_fini(&diag);
	return r;
}

/* The restore re-committed the ruleset as compiled, so kernel timeouts restarted (exceptions,
 * learned breakout addresses): compile the policy in force again at the present time
 * (expired exceptions go, learned addresses keep the time they have left) and commit that. */
void gen_refresh_timeouts(struct daemon *d)
{
	const char *iso[OPS_MAX];
	struct comp_extra x = { iso, 0 };
	struct gen g = { .policy = d->cur.policy };
	struct diag diag;
	double ms;
	int i, r;

	for (i = 0; i < d->cur.cr->n_decisions && d->cur.cr->decisions[i].kind != COMP_EXCEPTION;
	     i++)
		;
	if (i == d->cur.cr->n_decisions && !d->engine)
		return;			/* no timeouts in this generation */
	for (i = 0; i < d->ops.n_isolate; i++)
		iso[x.n_isolate++] = d->ops.isolate[i];
	for (i = 0; d->blocking && i < d->cur.policy->n_zones && x.n_isolate < OPS_MAX; i++)
		iso[x.n_isolate++] = d->cur.policy->zones[i].id;
	diag_init(&diag);
	r = comp_build_ex(d->cur.policy, gen_clock(&d->o), &x, &g.cr, &diag);
	diag_fini(&diag);
	if (r >= 0 && d->engine)
		carry_learned(d, &g);
	if (r >= 0)
		r = gen_recommit(d, g.cr->rs, gen_mono(), &ms);
	if (r < 0) {
		log_warnx("restore: kernel timeouts restarted with the restored table (%s): reload to correct them",
			  strerror(-r));
		comp_result_free(g.cr);
		return;
	}
	comp_result_free(d->cur.cr);	/* same decisions, present timeouts */
	d->cur.cr = g.cr;
}
