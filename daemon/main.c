/* SPDX-License-Identifier: GPL-2.0-only */
/* main.c: sansod — modes, the generation pipeline (conf -> policy -> compile -> apply ->
 * read back) and the foreground loop (signalfd: SIGHUP reloads, SIGTERM/SIGINT exit and leave
 * the ruleset in the kernel). The only file that exits. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stddef.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "conftext.h"
#include "lang.h"
#include "log.h"
#include "nftgen.h"
#include "monitor.h"
#include "sansod.h"
#include "sha256.h"

#define DEFAULT_CONF	"/etc/sanso/sanso.conf"
#define DRIFT_CHECK_MS	30000
#define RESTORE_BURST	5		/* restores a minute before it is a restore loop */
#define RESTORE_WINDOW	60.0		/* seconds */
#define RESTORE_RECHECK_MS 200		/* after a restore: look again (notices may be lost) */

static int64_t clock_now(const struct opts *o)
{
	return o->now ? o->now : (int64_t)time(NULL);
}

static void gen_free(struct gen *g)
{
	eng_tables_free(g->tables);
	comp_result_free(g->cr);
	policy_free(g->policy);
	conf_text_free(&g->text);
	g->tables = NULL;
	g->cr = NULL;
	g->policy = NULL;
}

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* conf -> policy -> compile. Every diagnostic goes to diag. */
int sansod_audit(struct daemon *d, const char *actor, const char *event, ...)
{
	struct audit_fields f;
	const char *k, *v;
	va_list ap;
	int r;

	if (!d->audit_on)	/* no trail configured: nothing to do; a broken one: refuse */
		return d->o.audit ? -EIO : 0;
	audit_fields_init(&f);
	va_start(ap, event);
	while ((k = va_arg(ap, const char *)) && (v = va_arg(ap, const char *)))
		audit_field_str(&f, k, v);
	va_end(ap);
	r = audit_append(&d->au, (int64_t)time(NULL), actor, event, &f);
	if (r < 0) {
		log_warnx("audit trail '%s': cannot record %s: %s", d->o.audit, event, strerror(-r));
		d->audit_failed = true;
	}
	return r;
}

static int audit_start(struct daemon *d)
{
	struct audit_report rep;
	char anchor[4096];
	int r;

	if (!d->o.audit)
		return 0;
	if (d->o.state_dir)
		snprintf(anchor, sizeof(anchor), "%s/audit.anchor", d->o.state_dir);
	/* the whole chain is checked before it is continued (R87): a tampered trail stops
	 * every change until an operator looks at it */
	r = audit_verify(d->o.audit, NULL, &rep);
	if (r == -ENOENT)
		r = 0;
	if (r >= 0)
		r = audit_open(&d->au, d->o.audit, d->o.state_dir ? anchor : NULL);
	if (r < 0) {
		log_warnx("audit trail '%s': %s: changes are refused until it can be written%s",
			  d->o.audit, r == -EBADMSG ? "tampered or truncated (sansoctl audit verify)" :
			  strerror(-r), d->o.audit_alert_only ? "" :
			  "; traffic between zones is cut (--audit-failure block-crosszone)");
		d->audit_failed = true;
		return r;
	}
	d->audit_on = true;
	d->audit_failed = false;
	return sansod_audit(d, "sansod", AUDIT_EV_START, "policy", d->o.file, NULL);
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
static int ledger_merge(const struct ops *ops, struct policy *p, struct diag *diag)
{
	struct exception *x;
	int i, bad = 0;

	for (i = 0; ops && i < ops->n_ledger; i++) {
		const struct ledger_entry *l = &ops->ledger[i];

		if (l->revoked)
			continue;
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
	return bad ? -EINVAL : 0;
}

bool sansod_resolves(const struct policy *p, const char *name)
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
		if (sansod_resolves(d->cur.policy, d->ops.isolate[i]))
			continue;
		log_warnx("isolation '%s' resolves to nothing in '%s': it is kept, UNRESOLVED, "
			  "until it is restored (sansoctl restore)", d->ops.isolate[i], d->o.file);
		(void)sansod_audit(d, "sansod", AUDIT_EV_ISOLATE_UNRESOLVED, "target",
				   d->ops.isolate[i], "policy", d->o.file, NULL);
	}
}

static int gen_build(const struct opts *o, const struct ops *ops, struct gen *g,
		     struct diag *diag)
{
	const char *iso[OPS_MAX];
	struct comp_extra x = { iso, 0 };
	double t0 = mono(), t1 = 0, t2 = 0;
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
			conf_check_partial(o->file, g->text.text, clock_now(o), diag);
	}
	if (r >= 0)
		r = ledger_merge(ops, g->policy, diag);
	if (r >= 0) {
		t1 = mono();
		r = policy_validate(g->policy, clock_now(o), diag);
	}
	if (r >= 0) {
		t2 = mono();
		ops_apply(ops, g->policy);
		for (i = 0; ops && i < ops->n_isolate; i++) {
			if (sansod_resolves(g->policy, ops->isolate[i]))
				iso[x.n_isolate++] = ops->isolate[i];	/* the others: unresolved */
		}
		for (i = 0; o->block_all && i < g->policy->n_zones && x.n_isolate < OPS_MAX; i++)
			iso[x.n_isolate++] = g->policy->zones[i].id;
		r = comp_build_ex(g->policy, clock_now(o), &x, &g->cr, diag);
	}
	if (r >= 0 && o->stats)
		fprintf(stderr, "stats: parse %.3fs validate %.3fs compile %.3fs\n", t1 - t0,
			t2 - t1, mono() - t2);
	conf_text_map_diag(&g->text, o->file, diag, first);
	if (r < 0)
		gen_free(g);
	return r;
}

static FILE *report;			/* the control request being served, if any */

static int print_diag(const struct diag *d, int ja)
{
	if (report)
		diag_print(d, report, ja);
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

/* Commit g, then read it back (I7). Returns an exit code. */
static int gen_apply(struct daemon *d, const struct gen *g, bool dry_run)
{
	struct apply_stats st = { 0 };
	struct diag diag;
	double t = 0, verify_s = 0;
	int r, code = EXIT_OK;

	diag_init(&diag);
	pthread_mutex_lock(&d->ap_lock);
	r = apply_commit(&d->ap, g->cr->rs, g->policy->file, dry_run, &diag, &st);
	if (r >= 0 && !dry_run) {	/* I7: read it back */
		t = mono();
		r = apply_verify(&d->ap, g->cr->rs, &diag) == 0 ? 0 : -EPROTO;
		verify_s = mono() - t;
	}
	pthread_mutex_unlock(&d->ap_lock);
	if (r == -EPROTO) {
		print_diag(&diag, d->ja || d->reply_ja);
		log_warnx("I7: table inet sanso read back from the kernel differs from the compiled ruleset (see above)");
		code = EXIT_KERNEL;
		goto out;
	}
	if (r < 0) {
		print_diag(&diag, d->ja || d->reply_ja);
		log_warnx("apply of '%s' failed (%s): the previous ruleset stays in the kernel",
			  d->o.file, strerror(-r));
		code = r == -EINVAL ? EXIT_POLICY : EXIT_KERNEL;
		goto out;
	}
	if (d->o.stats) {
		print_stats(g, &st, verify_s);
		fprintf(stderr, "kernel: table flag persist %s; queue %s\n",
			d->ap.persist ? "yes" : "no",
			d->ap.queue_native ? "native (nft_queue)" :
			d->ap.queue_compat ? "xtables NFQUEUE target (nft_compat)" : "unavailable");
	}
out:
	diag_fini(&diag);
	return code;
}

/* -k: the FIB check (R36) before anything is applied; findings refuse (exit 1). */
static int check_fib(const struct policy *p)
{
	struct fib_report r;
	int i, e = fibcheck_run(p, &r);

	if (e < 0) {
		fprintf(stderr, "fib check: cannot ask the kernel: %s\n", strerror(-e));
		return EXIT_KERNEL;
	}
	for (i = 0; i < r.n; i++)
		fprintf(stderr, "%s: %s\n", r.note[i] ? "note" : "error",
			r.v[i] + (r.note[i] ? strlen("note: ") : 0));
	if (r.findings + r.notes > r.n)
		fprintf(stderr, "fib check: %d more not shown\n", r.findings + r.notes - r.n);
	if (!r.findings)
		return EXIT_OK;
	fprintf(stderr, "fib check: %d disagreement(s) between routing and the zones "
		"(%d lookups)\n", r.findings, r.lookups);
	return EXIT_POLICY;
}

static int mode_check(struct daemon *d)
{
	struct diag diag;
	struct gen g;
	int r, code;

	diag_init(&diag);
	r = gen_build(&d->o, NULL, &g, &diag);
	print_diag(&diag, d->ja || d->reply_ja);
	diag_fini(&diag);
	if (r < 0) {
		fprintf(stderr, "%s: configuration refused: nothing applied\n", d->o.file);
		return r == -EINVAL ? EXIT_POLICY : EXIT_KERNEL;
	}
	if (d->o.verbose) {
		policy_print(g.policy, stdout);
		policy_print_matrix_ex(g.policy, stdout, d->ja, true);
		policy_print_uplinks(g.policy, stdout);
	}
	if (d->o.verbose > 1)
		nftgen_print(g.cr->rs, stdout, false);
	code = EXIT_OK;
	if (d->o.kernel_check)
		code = check_fib(g.policy);
	if (d->o.kernel_check && code == EXIT_OK) {
		if (apply_open(&d->ap) < 0) {
			log_warn("netlink");
			code = EXIT_KERNEL;
		} else {
			code = gen_apply(d, &g, true);
		}
		apply_close(&d->ap);
	}
	if (code == EXIT_OK)
		fprintf(stderr, "%s\n", d->ja ? "設定に問題はありません" : "configuration OK");
	gen_free(&g);
	return code;
}

static int mode_print(struct daemon *d)
{
	struct diag diag;
	struct gen g;
	int r;

	diag_init(&diag);
	r = gen_build(&d->o, NULL, &g, &diag);
	print_diag(&diag, d->ja || d->reply_ja);
	diag_fini(&diag);
	if (r < 0)
		return r == -EINVAL ? EXIT_POLICY : EXIT_KERNEL;
	r = nftgen_print(g.cr->rs, stdout, true);
	gen_free(&g);
	return r < 0 ? EXIT_KERNEL : EXIT_OK;
}

/* Called by a worker: put learned breakout addresses into the kernel before the DNS answer
 * that taught them reaches the client. Never waits for an apply: -EBUSY, the queue buffers
 * them (queue_pending_take). */
static int commit_learned(void *arg, const struct eng_update *u, int n)
{
	struct daemon *d = arg;
	int r;

	if (pthread_mutex_trylock(&d->ap_lock))
		return -EBUSY;
	r = apply_learned(&d->ap, u, n);
	pthread_mutex_unlock(&d->ap_lock);
	return r;
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
		s = ir_set_find(g->cr->rs, u[i].family == 2 ? "bo_learn4" : "bo_learn6");
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

int sansod_check(struct daemon *d, const char *file, char sha[65], struct conf_text *text)
{
	struct opts o = d->o;
	struct diag diag;
	struct gen g;
	int r;

	o.file = file;
	diag_init(&diag);
	r = gen_build(&o, &d->ops, &g, &diag);
	print_diag(&diag, d->ja || d->reply_ja);
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
	int i;

	if (d->expect_sha256)
		return d->expect_sha256;
	for (i = 0; d->ops.policy[0] && i < d->ops.n_changes; i++) {
		const struct change *c = &d->ops.changes[i];

		if (c->state != CHANGE_PROPOSED && c->state != CHANGE_SUPERSEDED &&
		    !strcmp(c->file, d->o.file))
			return c->sha256;
	}
	return NULL;
}

static void fib_check(struct daemon *d);

int sansod_load_and_apply(struct daemon *d)
{
	struct diag diag;
	char *includes;
	struct gen g;
	int r, code;

	/* R85: no trail, no change; and under block-crosszone no traffic between zones either:
	 * the one change still allowed is the protective one, every zone isolated */
	d->blocking = d->o.audit && d->audit_failed && !d->o.audit_alert_only;
	d->o.block_all = d->blocking;
	diag_init(&diag);
	r = gen_build(&d->o, &d->ops, &g, &diag);
	print_diag(&diag, d->ja || d->reply_ja);
	diag_fini(&diag);
	if (r < 0) {
		(void)sansod_audit(d, "sansod", AUDIT_EV_CONFIG_REFUSED, "policy", d->o.file,
				   "reason", r == -EINVAL ? "invalid policy" : strerror(-r), NULL);
		return r == -EINVAL ? EXIT_POLICY : EXIT_KERNEL;
	}
	if (approved_sha256(d) && strcmp(approved_sha256(d), g.sha256)) {
		log_warnx("'%s' is not the approved text (sha256 %s, approved %s): refused",
			  d->o.file, g.sha256, approved_sha256(d));
		(void)sansod_audit(d, "sansod", AUDIT_EV_CONFIG_REFUSED, "policy", d->o.file,
				   "reason", "not the approved text", "sha256", g.sha256, NULL);
		gen_free(&g);
		return EXIT_POLICY;
	}
	includes = conf_text_includes(&g.text);
	/* no trail, no change (R85): the change is recorded before it is committed; only the
	 * protective generation (blocking) and, under alert-only, the first one may go without */
	if (d->o.audit && !d->blocking && !(d->o.audit_alert_only && !d->generation) &&
	    (!d->audit_on || sansod_audit(d, "sansod", AUDIT_EV_CONFIG_APPLY, "policy",
					  d->o.file, "sha256", g.sha256, "includes",
					  includes ? includes : "", NULL) < 0)) {
		free(includes);
		log_warnx("change refused: the audit trail '%s' cannot be written", d->o.audit);
		gen_free(&g);
		return EXIT_KERNEL;
	}
	free(includes);
	if (d->engine)
		carry_learned(d, &g);
	code = gen_apply(d, &g, false);
	(void)sansod_audit(d, "sansod", AUDIT_EV_CONFIG_RESULT, "policy", d->o.file,
			   "result", code == EXIT_OK ? "applied" : "refused by the kernel", NULL);
	if (code != EXIT_OK) {
		gen_free(&g);
		return code;
	}
	if (d->o.mode == MODE_DAEMON) {
		g.tables = eng_tables_build(g.policy, g.cr);
		if (!g.tables)
			log_warnx("engine tables: out of memory: engine traffic is refused");
		engine_install(d, &g);
	}
	gen_free(&d->cur);
	d->cur = g;
	d->generation++;
	report_unresolved(d);
	if (d->o.mode == MODE_DAEMON)
		save_last_good(d);
	if (d->o.mode == MODE_DAEMON)
		fib_check(d);
	if (d->blocking)
		log_warnx("audit trail unusable: generation %u isolates every zone until it is repaired (then SIGHUP)",
			  d->generation + 1);
	log_info("applied generation %u of '%s' (%d decisions, kernel genid %u)", d->generation,
		 d->o.file, d->cur.cr->n_decisions, d->ap.genid);
	return EXIT_OK;
}

static int mode_verify(struct daemon *d)
{
	struct diag diag;
	struct gen g;
	int r;

	diag_init(&diag);
	r = gen_build(&d->o, &d->ops, &g, &diag);
	if (r < 0) {
		print_diag(&diag, d->ja || d->reply_ja);
		diag_fini(&diag);
		return r == -EINVAL ? EXIT_POLICY : EXIT_KERNEL;
	}
	r = apply_verify(&d->ap, g.cr->rs, &diag);
	print_diag(&diag, d->ja || d->reply_ja);
	diag_fini(&diag);
	gen_free(&g);
	if (r == 0) {
		printf("in sync: table inet sanso is the compiled '%s'\n", d->o.file);
		return EXIT_OK;
	}
	if (r == 1) {
		printf("drift: table inet sanso differs from the compiled '%s'\n", d->o.file);
		return EXIT_POLICY;
	}
	fprintf(stderr, "sansod: cannot read table inet sanso: %s\n", strerror(-r));
	return r == -ENOENT ? EXIT_POLICY : EXIT_KERNEL;
}

#define OPS_FILE "ops.state"

/* One line per entry: "isolate<TAB>NAME" ("isolate NAME", the rest of the line, is still
 * read), "revoke NAME", ... local: also the policy in force and the changes (not shared with
 * an HA peer: they name files of this host). */
void sansod_ops_write(const struct ops *o, FILE *f, bool local)
{
	int i;

	for (i = 0; i < o->n_isolate; i++)		/* names hold no tab nor newline */
		fprintf(f, "isolate\t%s\n", o->isolate[i]);
	for (i = 0; i < o->n_revoke; i++)
		fprintf(f, "revoke %s\n", o->revoke[i]);
	if (local && o->policy[0])
		fprintf(f, "policy\t%s\n", o->policy);
	for (i = 0; local && i < o->n_changes; i++) {
		const struct change *c = &o->changes[i];

		fprintf(f, "change\t%s\t%s\t%s\t%s\t%s\t%s\t%u\t%lld\t%d\n", c->id, c->file,
			c->sha256, c->reason[0] ? c->reason : "-", c->by, c->by2[0] ? c->by2 : "-",
			(unsigned)c->uid, (long long)c->at, (int)c->state);
	}
	for (i = 0; i < o->n_ledger; i++) {
		const struct ledger_entry *l = &o->ledger[i];

		fprintf(f, "exception\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%lld\t%d\n", l->id,
			l->from, l->to, l->proto, l->ports[0] ? l->ports : "-", l->reason,
			l->requested_by, l->approved_by, l->expires, l->added_by,
			(long long)l->added_at, l->revoked);
	}
}

/* Written atomically (rename). */
void sansod_ops_save(const struct daemon *d)
{
	char path[4096], tmp[4200];
	FILE *f;

	if (!d->o.state_dir)
		return;
	snprintf(path, sizeof(path), "%s/" OPS_FILE, d->o.state_dir);
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	f = fopen(tmp, "we");
	if (!f) {
		log_warn("cannot save the operational state to '%s'", tmp);
		return;
	}
	sansod_ops_write(&d->ops, f, true);
	if (fflush(f) || fsync(fileno(f)) || fclose(f) || rename(tmp, path))
		log_warn("cannot save the operational state to '%s'", path);
}

static int ledger_parse(char *line, struct ledger_entry *l)
{
	char *f[12], *save = NULL, *nl = strchr(line, '\n'), *tok;
	int n = 0;

	if (nl)
		*nl = '\0';
	for (tok = strtok_r(line, "\t", &save); tok && n < 12; tok = strtok_r(NULL, "\t", &save))
		f[n++] = tok;
	if (n != 12 || tok)
		return -EINVAL;
	memset(l, 0, sizeof(*l));
	snprintf(l->id, sizeof(l->id), "%s", f[0]);
	snprintf(l->from, sizeof(l->from), "%s", f[1]);
	snprintf(l->to, sizeof(l->to), "%s", f[2]);
	snprintf(l->proto, sizeof(l->proto), "%s", f[3]);
	snprintf(l->ports, sizeof(l->ports), "%s", strcmp(f[4], "-") ? f[4] : "");
	snprintf(l->reason, sizeof(l->reason), "%s", f[5]);
	snprintf(l->requested_by, sizeof(l->requested_by), "%s", f[6]);
	snprintf(l->approved_by, sizeof(l->approved_by), "%s", f[7]);
	snprintf(l->expires, sizeof(l->expires), "%s", f[8]);
	snprintf(l->added_by, sizeof(l->added_by), "%s", f[9]);
	l->added_at = strtoll(f[10], NULL, 10);
	l->revoked = atoi(f[11]) != 0;
	return 0;
}

static int change_parse(char *line, struct change *c)
{
	char *f[9], *save = NULL, *tok, *nl = strchr(line, '\n');
	int n = 0;

	if (nl)
		*nl = '\0';
	for (tok = strtok_r(line, "\t", &save); tok && n < 9; tok = strtok_r(NULL, "\t", &save))
		f[n++] = tok;
	if (n != 9 || tok)
		return -EINVAL;
	memset(c, 0, sizeof(*c));
	snprintf(c->id, sizeof(c->id), "%s", f[0]);
	snprintf(c->file, sizeof(c->file), "%s", f[1]);
	snprintf(c->sha256, sizeof(c->sha256), "%s", f[2]);
	snprintf(c->reason, sizeof(c->reason), "%s", strcmp(f[3], "-") ? f[3] : "");
	snprintf(c->by, sizeof(c->by), "%s", f[4]);
	snprintf(c->by2, sizeof(c->by2), "%s", strcmp(f[5], "-") ? f[5] : "");
	c->uid = (uid_t)strtoul(f[6], NULL, 10);
	c->at = strtoll(f[7], NULL, 10);
	c->state = (enum change_state)atoi(f[8]);
	return c->state < CHANGE_STATE_MAX ? 0 : -EINVAL;
}

/* A state line that cannot be read (or does not fit) is never dropped silently (this runs
 * before the audit trail is opened: the log has it). */
static void ops_line_refused(const char *path, int n, char *line)
{
	line[strcspn(line, "\n")] = '\0';
	if (n <= 64)
		log_warnx("operational state '%s': line not understood or over the limits, ignored: '%s'",
			  path, line);
}

/* Add what f holds to o; path names f in the log. Returns the lines refused. */
int sansod_ops_read(struct ops *o, FILE *f, const char *path)
{
	char line[2048], name[POLICY_NAME_MAX];
	int bad = 0;

	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "change\t", 7) && o->n_changes < CHANGES_MAX) {
			if (change_parse(line + 7, &o->changes[o->n_changes]) == 0)
				o->n_changes++;
			else
				ops_line_refused(path, ++bad, line);
			continue;
		}
		if (sscanf(line, "policy\t%255[^\n]", o->policy) == 1)
			continue;
		if (!strncmp(line, "exception\t", 10) && o->n_ledger < LEDGER_MAX) {
			if (ledger_parse(line + 10, &o->ledger[o->n_ledger]) == 0)
				o->n_ledger++;
			else
				ops_line_refused(path, ++bad, line);
			continue;
		}
		if ((sscanf(line, "isolate\t%63[^\n]", name) == 1 ||
		     sscanf(line, "isolate %63[^\n]", name) == 1) && o->n_isolate < OPS_MAX)
			snprintf(o->isolate[o->n_isolate++], POLICY_NAME_MAX, "%s", name);
		else if (sscanf(line, "revoke %63[^\n]", name) == 1 && o->n_revoke < OPS_MAX)
			snprintf(o->revoke[o->n_revoke++], POLICY_NAME_MAX, "%s", name);
		else
			ops_line_refused(path, ++bad, line);
	}
	return bad;
}

void sansod_ops_load(struct daemon *d)
{
	char path[4096];
	FILE *f;

	if (!d->o.state_dir)
		return;
	snprintf(path, sizeof(path), "%s/" OPS_FILE, d->o.state_dir);
	f = fopen(path, "re");
	if (!f)
		return;
	(void)sansod_ops_read(&d->ops, f, path);
	fclose(f);
	if (d->ops.n_isolate || d->ops.n_revoke)
		log_info("operational state: %d isolation(s), %d revoked service(s) from '%s'",
			 d->ops.n_isolate, d->ops.n_revoke, path);
}

/* ---- control clients: non-blocking, with deadlines, at most CTL_CLIENTS_PER_UID per uid:
 * no client, silent or slow, delays another, a reload, the drift check or the watchdog ---- */
static int64_t mono_ms(void)
{
	return (int64_t)(mono() * 1000);
}

static void control_refuse(int fd, const struct ctl_peer *peer, const char *why)
{
	static int64_t last;

	(void)ctl_reply_now(fd, CTL_ERR_FAILED, why);
	close(fd);
	if (mono_ms() - last >= 1000) {		/* at most one line a second */
		last = mono_ms();
		log_warnx("control: connection of %s (pid %d) refused: %s", peer->name,
			  (int)peer->pid, why);
	}
}

static void control_accept(struct ctl_server *cs, struct ctl_conn *conns)
{
	struct ctl_peer peer;
	int fd, i, n, free_slot;

	while (ctl_accept(cs, &fd, &peer) == 0) {
		for (i = 0, n = 0, free_slot = -1; i < CTL_CLIENTS_MAX; i++) {
			if (conns[i].fd < 0 && free_slot < 0)
				free_slot = i;
			n += conns[i].fd >= 0 && conns[i].peer.uid == peer.uid;
		}
		if (n >= CTL_CLIENTS_PER_UID || free_slot < 0) {
			control_refuse(fd, &peer, free_slot < 0 ?
				       "too many control connections; try again\n" :
				       "too many control connections of this uid (at most 16); try again\n");
			continue;
		}
		conns[free_slot].fd = fd;
		conns[free_slot].peer = peer;
		conns[free_slot].deadline = mono_ms() + CTL_RECV_MS;
	}
}

/* The request of c has arrived (or not): answer it, the reply goes out as the peer reads. */
static void control_serve(struct daemon *d, struct ctl_conn *c)
{
	struct ctl_req *q = calloc(1, sizeof(*q));
	char *body = NULL;
	size_t len = 0;
	FILE *out;
	int r, st;

	r = q ? ctl_conn_recv(c, q) : -ENOMEM;
	if (r == -EAGAIN) {
		free(q);
		return;
	}
	if (r == -ECONNRESET) {
		free(q);
		ctl_conn_close(c);
		return;
	}
	out = open_memstream(&body, &len);
	report = out;
	if (!out) {
		st = CTL_ERR_FAILED;
	} else if (r < 0) {
		fprintf(out, "malformed request: %s\n", strerror(-r));
		st = CTL_ERR_INVALID;
		log_warnx("control: malformed request from %s refused", c->peer.name);
	} else {
		st = ops_handle(d, &c->peer, q, out);
	}
	report = NULL;
	if (out)
		fclose(out);
	free(q);
	r = ctl_conn_queue(c, st, body ? body : "", body ? len : 0);
	free(body);
	c->deadline = mono_ms() + CTL_SEND_MS;
	if (r < 0 || ctl_conn_flush(c) != 0)
		ctl_conn_close(c);	/* all sent, or failed */
}

/* After poll: serve, send, expire. */
static void control_io(struct daemon *d, struct ctl_conn *conns, const struct pollfd *pfd)
{
	int64_t now;
	int i;

	for (i = 0; i < CTL_CLIENTS_MAX; i++) {
		struct ctl_conn *c = &conns[i];

		if (c->fd < 0 || !pfd[i].revents)
			continue;
		if (!c->out)
			control_serve(d, c);
		else if (ctl_conn_flush(c) != 0)
			ctl_conn_close(c);
	}
	now = mono_ms();
	for (i = 0; i < CTL_CLIENTS_MAX; i++) {
		if (conns[i].fd >= 0 && now >= conns[i].deadline) {
			log_warnx("control: %s (pid %d) %s in time: connection closed",
				  conns[i].peer.name, (int)conns[i].peer.pid, conns[i].out ?
				  "did not read its reply" : "sent no request");
			ctl_conn_close(&conns[i]);
		}
	}
}

/* The poll set of the clients; returns the poll timeout capped at the nearest deadline. */
static int control_pollset(const struct ctl_conn *conns, struct pollfd *pfd, int timeout)
{
	int64_t now = mono_ms(), left;
	int i;

	for (i = 0; i < CTL_CLIENTS_MAX; i++) {
		pfd[i] = (struct pollfd){ .fd = conns[i].fd,
					  .events = conns[i].out ? POLLOUT : POLLIN };
		if (conns[i].fd < 0)
			continue;
		left = conns[i].deadline - now;
		if (left < timeout)
			timeout = left > 0 ? (int)left : 0;
	}
	return timeout;
}

/* 0 in sync, 1 drift, -ENOENT without the table, or another -errno. */
static int drift_check(struct daemon *d)
{
	struct diag diag;
	int r;

	if (!d->cur.cr)
		return 0;
	diag_init(&diag);
	pthread_mutex_lock(&d->ap_lock);
	r = apply_verify(&d->ap, d->cur.cr->rs, &diag);
	pthread_mutex_unlock(&d->ap_lock);
	if (r != 0) {
		print_diag(&diag, d->ja || d->reply_ja);
		log_warnx("drift: table inet sanso no longer matches generation %u (%s)",
			  d->generation, r < 0 ? strerror(-r) : "changed out of band");
		(void)sansod_audit(d, "sansod", AUDIT_EV_DRIFT, "policy", d->o.file, "detail",
				   r < 0 ? strerror(-r) : "changed out of band", NULL);
	}
	diag_fini(&diag);
	return r;
}

/* R36: ask the kernel's FIB whether each zone network leaves through its zone (daemon mode:
 * after each apply and on the drift timer). A change of the findings is logged and audited. */
static void fib_check(struct daemon *d)
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
		(void)sansod_audit(d, "sansod", AUDIT_EV_FIB, "policy", d->o.file, "findings", n,
				   "detail", i < r.n ? r.v[i] : "", NULL);
	else if (d->fib_ran)
		(void)sansod_audit(d, "sansod", AUDIT_EV_FIB_OK, "policy", d->o.file, NULL);
	d->fib = r;
	d->fib_ran = true;
}

/* sd_notify(3) without libsystemd: one datagram to $NOTIFY_SOCKET, if set. */
static void notify(const char *msg)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t len;
	int fd;

	if (!path || !*path || strlen(path) >= sizeof(sa.sun_path))
		return;
	len = strlen(path);
	memcpy(sa.sun_path, path, len);
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = '\0';		/* abstract namespace */
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	(void)sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&sa,
		     (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len));
	close(fd);
}

/* The watchdog is fed only while every worker thread is making progress (each one beats at
 * least once a second, also when idle), so a hung engine gets the daemon restarted. */
static void watchdog(struct daemon *d, uint64_t *last)
{
	int i;

	for (i = 0; d->engine && i < d->q.n; i++) {
		uint64_t b = atomic_load(&d->q.w[i].beats);

		if (b == last[i])
			return;
		last[i] = b;
	}
	notify("WATCHDOG=1");
}

static void log_counters(struct daemon *d)
{
	uint64_t c[EC_MAX], enobufs;
	char line[1024];
	size_t o = 0;
	int i;

	queue_counts(&d->q, c, &enobufs);
	for (i = 0; i < EC_MAX && o < sizeof(line); i++) {
		if (c[i])
			o += (size_t)snprintf(line + o, sizeof(line) - o, " %s=%llu",
					      eng_count_name((enum eng_count)i),
					      (unsigned long long)c[i]);
	}
	log_info("engine counters:%s enobufs=%llu", o ? line : " none",
		 (unsigned long long)enobufs);
}

/* Commit the generation in force again (same ruleset), then read it back. *ack_ms: from t0
 * to the kernel's acknowledgement of the commit. 0 or -errno. */
static int gen_recommit(struct daemon *d, const struct ir_ruleset *rs, double t0,
			double *ack_ms)
{
	struct diag diag;
	int r;

	diag_init(&diag);
	pthread_mutex_lock(&d->ap_lock);
	r = apply_commit(&d->ap, rs, d->cur.policy->file, false, &diag, NULL);
	*ack_ms = (mono() - t0) * 1000;
	if (r >= 0)
		r = apply_verify(&d->ap, rs, &diag) == 0 ? 0 : -EPROTO;
	pthread_mutex_unlock(&d->ap_lock);
	if (r < 0)
		print_diag(&diag, d->ja);
	diag_fini(&diag);
	return r;
}

/* The restore re-committed the ruleset as compiled, so kernel timeouts restarted (exceptions,
 * learned breakout addresses): compile the policy in force again at the present time
 * (expired exceptions go, learned addresses keep the time they have left) and commit that. */
static void gen_refresh_timeouts(struct daemon *d)
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
	r = comp_build_ex(d->cur.policy, clock_now(&d->o), &x, &g.cr, &diag);
	diag_fini(&diag);
	if (r >= 0 && d->engine)
		carry_learned(d, &g);
	if (r >= 0)
		r = gen_recommit(d, g.cr->rs, mono(), &ms);
	if (r < 0) {
		log_warnx("restore: kernel timeouts restarted with the restored table (%s): reload to correct them",
			  strerror(-r));
		comp_result_free(g.cr);
		return;
	}
	comp_result_free(d->cur.cr);	/* same decisions, present timeouts */
	d->cur.cr = g.cr;
}

/* Rate limit of the alerts: a process removing the table in a loop gets the table back every
 * time (without it the gateway has no rules at all), but not a log line every time. */
static bool restore_loud(struct daemon *d, double now)
{
	struct restore_state *s = &d->restore;

	if (now - s->window_start > RESTORE_WINDOW) {
		if (s->quiet)
			log_alert("restore loop: %d more restores of table inet sanso in the last minute",
				  s->quiet);
		s->window_start = now;
		s->in_window = 0;
		s->quiet = 0;
	}
	s->total++;
	if (++s->in_window <= RESTORE_BURST)
		return true;
	if (s->in_window == RESTORE_BURST + 1)
		log_alert("restore loop: table inet sanso removed %d times within a minute; it is restored each time, further alerts once a minute",
			  s->in_window);
	s->quiet++;
	return false;
}

/* Another process deleted table inet sanso (flush ruleset, delete table: possible where the
 * kernel has no table flag persist, so the table has no owner). Until it is back the
 * gateway forwards without any rule of ours: restore the generation in force at once, then
 * record it. The window is measured from the notice to the commit's acknowledgement. */
static void table_restore(struct daemon *d, const char *comm, pid_t pid, double t0)
{
	char ms_text[32], pid_text[16], gen_text[16];
	double ms = 0;
	bool loud;
	int r, tries = 0;

	if (!d->cur.cr)
		return;
	do			/* another commit in between (genid, or a second flush): again */
		r = gen_recommit(d, d->cur.cr->rs, t0, &ms);
	while (r < 0 && r != -ENOMEM && ++tries < 3);
	d->restore.last_ms = ms;
	loud = restore_loud(d, mono());
	snprintf(ms_text, sizeof(ms_text), "%.1f", ms);
	snprintf(pid_text, sizeof(pid_text), "%d", (int)pid);
	if (r < 0) {
		log_alert("table inet sanso removed by %s (pid %d); restoring generation %u failed (%s): the gateway may have no rules, retrying at the next check",
			  comm, (int)pid, d->generation, strerror(-r));
	} else if (loud) {
		log_alert("table inet sanso removed by %s (pid %d): restored generation %u in %s ms (notice to commit ack)",
			  comm, (int)pid, d->generation, ms_text);
	}
	snprintf(gen_text, sizeof(gen_text), "%u", d->generation);
	(void)sansod_audit(d, "sansod", AUDIT_EV_TABLE_RESTORE, "process", comm, "pid", pid_text,
			   "generation", gen_text, "window_ms", ms_text,
			   "result", r < 0 ? strerror(-r) : "restored", NULL);
	if (r >= 0)
		gen_refresh_timeouts(d);
	/* a process removing it in a loop floods the notices (every element of the table):
	 * some may be lost, so look again shortly, until a check finds the table */
	d->restore.recheck = true;
}

/* Another process committed a ruleset generation: record who, then read our table back
 * (or, if it was deleted, restore it first). */
static void foreign_change(void *arg, const struct monitor_event *e)
{
	struct daemon *d = arg;
	double t0 = mono();
	const char *comm = e->comm[0] ? e->comm : "?";
	char pid[16];

	if (e->deleted)
		table_restore(d, comm, e->pid, t0);
	snprintf(pid, sizeof(pid), "%d", (int)e->pid);
	log_warnx("ruleset changed by %s (pid %d)%s", comm, (int)e->pid,
		  e->deleted ? ", deleting table inet sanso" :
		  e->sanso ? ", touching table inet sanso" : "");
	(void)sansod_audit(d, "kernel", "ruleset.changed", "process", e->comm, "pid", pid,
			   "sanso_table", e->deleted ? "deleted" : e->sanso ? "yes" : "no", NULL);
	if (e->sanso && !e->deleted)
		drift_check(d);
}

/* Conntrack use and queue drops, every KWATCH_INTERVAL_MS (R44). */
static void kwatch_check(struct daemon *d)
{
	const struct policy *p = d->cur.policy;

	if (p)
		kwatch_tick(&d->kw, p->limits.conntrack_warn, p->engine.queue_base,
			    d->engine ? d->q.n : 0);
}

/* The periodic check, or notices were lost: a missing table is restored like on a notice. */
static void drift_check_restore(struct daemon *d)
{
	if (drift_check(d) == -ENOENT)
		table_restore(d, "?", 0, mono());
}

static int signals(void)
{
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		return -errno;
	return signalfd(-1, &mask, SFD_CLOEXEC);
}

static int mode_daemon(struct daemon *d)
{
	uint64_t beats[ENGINE_QUEUES_MAX] = { 0 };
	struct signalfd_siginfo si;
	struct ctl_server cs = { .fd = -1 };
	struct ctl_conn conns[CTL_CLIENTS_MAX];
	struct monitor mon = { 0 };
	struct pollfd pfd[4 + CTL_CLIENTS_MAX];
	long long wd_ms;
	int64_t next_drift;
	int fd, code, r, i, tick;

	for (i = 0; i < CTL_CLIENTS_MAX; i++)
		conns[i] = (struct ctl_conn){ .fd = -1 };
	fd = signals();
	if (fd < 0) {
		log_warn("signalfd");
		return EXIT_KERNEL;
	}
	code = sansod_load_and_apply(d);
	if (code != EXIT_OK) {
		close(fd);
		return code;
	}
	r = ctl_listen(&cs, d->o.control);
	if (r < 0)
		log_warnx("control socket '%s': %s: sansoctl cannot reach this daemon",
			  d->o.control, strerror(-r));
	if (monitor_open(&mon) < 0)
		log_warn("ruleset monitor: out-of-band changes are found by the periodic check only");
	sansod_ha_start(d);
	notify("READY=1");
	pfd[0] = (struct pollfd){ .fd = fd, .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = cs.fd, .events = POLLIN };
	pfd[2] = (struct pollfd){ .fd = monitor_fd(&mon), .events = POLLIN };
	pfd[3] = (struct pollfd){ .fd = sansod_ha_fd(d), .events = POLLIN };
	wd_ms = getenv("WATCHDOG_USEC") ? atoll(getenv("WATCHDOG_USEC")) / 2000 : 0;
	tick = wd_ms > 0 && wd_ms < DRIFT_CHECK_MS ? (int)wd_ms : DRIFT_CHECK_MS;
	tick = tick < KWATCH_INTERVAL_MS ? tick : KWATCH_INTERVAL_MS;
	tick = d->ha.on && tick > SANSOD_HA_TICK_MS ? SANSOD_HA_TICK_MS : tick;
	next_drift = mono_ms() + DRIFT_CHECK_MS;
	for (;;) {
		if (d->o.audit && d->audit_failed && !d->blocking && !d->o.audit_alert_only)
			(void)sansod_load_and_apply(d);	/* the trail broke: cut between zones */
		r = poll(pfd, 4 + CTL_CLIENTS_MAX, control_pollset(conns, pfd + 4,
				d->restore.recheck ? RESTORE_RECHECK_MS : tick));
		if (wd_ms > 0)
			watchdog(d, beats);
		kwatch_check(d);
		if (r > 0 && (pfd[2].revents & (POLLIN | POLLERR)) &&
		    monitor_read(&mon, getpid(), foreign_change, d) == -ENOBUFS)
			drift_check_restore(d);	/* notices were lost: look */
		if (r == 0 && d->restore.recheck) {
			d->restore.recheck = false;	/* until the table is found missing again */
			drift_check_restore(d);
		}
		if (r > 0 && cs.fd >= 0 && (pfd[1].revents & POLLIN))
			control_accept(&cs, conns);
		control_io(d, conns, pfd + 4);
		if (r > 0 && (pfd[3].revents & POLLIN))
			sansod_ha_input(d);
		sansod_ha_tick(d);
		if (mono_ms() >= next_drift) {
			next_drift = mono_ms() + DRIFT_CHECK_MS;
			drift_check_restore(d);
			fib_check(d);
		}
		if (r <= 0 || !(pfd[0].revents & POLLIN) || read(fd, &si, sizeof(si)) != sizeof(si))
			continue;
		if (si.ssi_signo != SIGHUP)
			break;
		log_info("SIGHUP: reloading '%s'", d->o.file);
		notify("RELOADING=1");
		if (d->o.audit && d->audit_failed) {	/* repaired? */
			if (d->audit_on)
				audit_close(&d->au);
			d->audit_on = false;
			(void)audit_start(d);
		}
		if (sansod_load_and_apply(d) != EXIT_OK)
			log_warnx("reload refused: generation %u stays in the kernel", d->generation);
		notify("READY=1");
	}
	notify("STOPPING=1");
	for (i = 0; i < CTL_CLIENTS_MAX; i++)
		ctl_conn_close(&conns[i]);
	ctl_close(&cs);
	monitor_close(&mon);
	sansod_ha_stop(d);
	log_info("exiting; generation %u stays in the kernel", d->generation);
	if (d->engine) {
		log_counters(d);
		queue_stop(&d->q);	/* unbound queues drop: fail closed */
	}
	close(fd);
	return EXIT_OK;
}

/* mkdir -p: every missing component is created with mode (umask aside). */
static int mkdir_p(const char *path, mode_t mode)
{
	char buf[4096], *p;
	struct stat st;

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (p = buf + 1;; p++) {
		if (*p && *p != '/')
			continue;
		if (p[-1] != '/') {
			char c = *p;

			*p = '\0';
			if (mkdir(buf, mode) == 0)
				(void)chmod(buf, mode);
			else if (errno != EEXIST)
				return -errno;
			*p = c;
		}
		if (!*p)
			break;
	}
	if (stat(buf, &st) < 0)
		return -errno;
	return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

/* The directory part of path into buf ("" when it has none). */
static const char *dir_of(const char *path, char *buf, size_t size)
{
	const char *slash = strrchr(path, '/');
	size_t n = slash ? (size_t)(slash - path) : 0;

	if (n >= size)
		n = 0;
	memcpy(buf, path, n);
	buf[n] = '\0';
	return buf;
}

/* Run by hand (without systemd's RuntimeDirectory=, StateDirectory=, LogsDirectory=), the
 * directories may not exist yet: create them as the units do, or refuse to start with one
 * line before anything touches the kernel. (Without them the audit trail could not be
 * opened, and sansod would isolate every zone, the answer to an audit failure at run time.) */
static int prepare_dirs(const struct opts *o)
{
	const struct { const char *what, *path; mode_t mode; bool dir_of; } d[] = {
		{ "--state-dir", o->state_dir, 0750, false },
		{ "--audit", o->audit, 0750, true },
		{ "--control", o->mode == MODE_DAEMON ? o->control : NULL, 0755, true },
	};
	char buf[4096];
	const char *dir;
	size_t i;
	int r;

	if (o->mode == MODE_VERIFY)
		return 0;		/* reads only */
	for (i = 0; i < sizeof(d) / sizeof(d[0]); i++) {
		if (!d[i].path)
			continue;
		dir = d[i].dir_of ? dir_of(d[i].path, buf, sizeof(buf)) : d[i].path;
		if (!*dir)
			continue;
		r = mkdir_p(dir, d[i].mode);
		if (r < 0) {
			log_warnx("cannot create directory '%s' for %s: %s", dir, d[i].what,
				  strerror(-r));
			return r;
		}
	}
	return 0;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: sansod [-f FILE] [-v]          run in the foreground (SIGHUP reloads)\n"
		"       sansod -n [-v[v]] [-k] [-f FILE] check the policy (-k: also by the kernel)\n"
		"       sansod --print-nft [-f FILE]   print the compiled ruleset in nft syntax\n"
		"       sansod --once [-f FILE]        apply, read back, exit\n"
		"       sansod --verify [-f FILE]      compare the kernel with FILE (exit 0: same)\n"
		"  -f, --file FILE    policy (default " DEFAULT_CONF ")\n"
		"  -v, --verbose      more output (-n -v: normalized policy and matrix)\n"
		"  -h, --help         this text\n"
		"  --control PATH     control socket (default " CTL_SOCKET_DEFAULT ")\n"
		"  --state-dir DIR    keep isolations and revocations there (e.g. /var/lib/sanso)\n"
		"  --audit FILE       hash-chained audit trail (e.g. /var/log/sanso/audit.jsonl)\n"
		"  --audit-failure block-crosszone|alert-only\n"
		"                     when the trail fails: cut traffic between zones (default), or\n"
		"                     only refuse changes\n"
		"  --no-persist       commit without the table flags owner and persist, as on\n"
		"                     kernels without persist (tests; see sansod(8))\n"
		"  --stats            print sizes and timings of the commit\n"
		"exit: 0 ok, 1 policy refused or drift, 2 usage, 3 kernel error\n");
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "file", required_argument, NULL, 'f' },
		{ "check", no_argument, NULL, 'n' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "print-nft", no_argument, NULL, 'P' },
		{ "once", no_argument, NULL, 'O' },
		{ "verify", no_argument, NULL, 'V' },
		{ "stats", no_argument, NULL, 'S' },
		{ "now", required_argument, NULL, 'N' },
		{ "control", required_argument, NULL, 'C' },
		{ "state-dir", required_argument, NULL, 'D' },
		{ "audit", required_argument, NULL, 'A' },
		{ "audit-failure", required_argument, NULL, 'F' },
		{ "no-persist", no_argument, NULL, 'Q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	char *end;
	int c;

	memset(o, 0, sizeof(*o));
	o->file = DEFAULT_CONF;
	o->control = CTL_SOCKET_DEFAULT;
	while ((c = getopt_long(argc, argv, "f:nkvh", lo, NULL)) != -1) {
		switch (c) {
		case 'f': o->file = optarg; break;
		case 'n': o->mode = MODE_CHECK; break;
		case 'k': o->kernel_check = true; break;
		case 'v': o->verbose++; break;
		case 'P': o->mode = MODE_PRINT_NFT; break;
		case 'O': o->mode = MODE_ONCE; break;
		case 'V': o->mode = MODE_VERIFY; break;
		case 'S': o->stats = true; break;
		case 'C': o->control = optarg; break;
		case 'D': o->state_dir = optarg; break;
		case 'A': o->audit = optarg; break;
		case 'Q': o->no_persist = true; break;
		case 'F':
			if (strcmp(optarg, "block-crosszone") && strcmp(optarg, "alert-only"))
				return -EINVAL;
			o->audit_alert_only = !strcmp(optarg, "alert-only");
			break;
		case 'N':
			errno = 0;
			o->now = strtoll(optarg, &end, 10);
			if (errno || *end || o->now <= 0)
				return -EINVAL;
			break;
		case 'h': usage(stdout); exit(EXIT_OK);
		default: return -EINVAL;
		}
	}
	if (optind != argc || (o->kernel_check && o->mode != MODE_CHECK))
		return -EINVAL;
	return 0;
}

/* --once runs no verdict engine: say once which flows wait for it (their new connections are
 * refused until sansod runs as a daemon) and how to decide them in the kernel alone. */
static void once_engine_note(const struct daemon *d)
{
	const struct policy *p = d->cur.policy;
	char names[512];
	size_t o = 0;
	int i, n = 0;

	for (i = 0; p && i < p->n_flows; i++) {
		if (p->flows[i].verdict != VERDICT_ENGINE)
			continue;
		if (n++ < 8 && o < sizeof(names))
			o += (size_t)snprintf(names + o, sizeof(names) - o, "%s%s", o ? ", " : "",
					      p->flows[i].name);
	}
	if (!n)
		return;
	if (n > 8 && o < sizeof(names))
		snprintf(names + o, sizeof(names) - o, " (+%d)", n - 8);
	fprintf(stderr, "sansod --once: %d flow%s wait for the verdict engine, which --once does not "
		"run: %s. Their new connections are refused until sansod runs as a daemon (on "
		"engine.fail_open pairs: accepted unchecked); to "
		"decide them in the kernel alone, set verdict = \"kernel\"; on each "
		"(conf/REFERENCE.md, flows).\n", n, n > 1 ? "s" : "", names);
	if (d->ja)
		fprintf(stderr, "sansod --once: 次の %d 件のフローは検査エンジンの判定を待ちますが、"
			"--once は検査エンジンを動かしません: %s。sansod をデーモンとして動かすまで"
			"新しい接続は拒否されます。カーネルだけで判定するには、各フローに "
			"verdict = \"kernel\"; を書いてください (conf/REFERENCE.ja.md, flows)。\n",
			n, names);
}

static int once_apply(struct daemon *d)
{
	int code = sansod_load_and_apply(d);

	if (code == EXIT_OK)
		once_engine_note(d);
	return code;
}

int main(int argc, char **argv)
{
	struct daemon d;
	int code;

	memset(&d, 0, sizeof(d));
	pthread_mutex_init(&d.ap_lock, NULL);
	if (parse_args(argc, argv, &d.o) < 0) {
		usage(stderr);
		return EXIT_USAGE;
	}
	d.ja = lang_ja_env();
	log_init(getenv("JOURNAL_STREAM") != NULL, d.o.verbose);
	if (d.o.mode == MODE_CHECK)
		return mode_check(&d);
	if (d.o.mode == MODE_PRINT_NFT)
		return mode_print(&d);
	d.started = time(NULL);
	d.au.fd = -1;
	if (prepare_dirs(&d.o) < 0)
		return EXIT_USAGE;
	sansod_ops_load(&d);
	if (d.ops.policy[0] && d.o.mode != MODE_CHECK && d.o.mode != MODE_PRINT_NFT)
		d.o.file = d.ops.policy;	/* a policy approved through sansoctl is in force */
	(void)audit_start(&d);
	if (apply_open(&d.ap) < 0) {
		log_warn("cannot open a netfilter netlink socket");
		return EXIT_KERNEL;
	}
	d.ap.no_persist = d.o.no_persist;
	if (d.o.mode == MODE_VERIFY)
		code = mode_verify(&d);
	else if (d.o.mode == MODE_ONCE)
		code = once_apply(&d);
	else
		code = mode_daemon(&d);
	gen_free(&d.cur);
	apply_close(&d.ap);
	if (d.audit_on)
		audit_close(&d.au);
	return code;
}
