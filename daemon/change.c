/* SPDX-License-Identifier: GPL-2.0-only */
/* change.c: change control over the configuration store; see change.h. */
#include <errno.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "alert.h"
#include "change.h"
#include "conf.h"
#include "pdiff.h"
#include "reply.h"
#include "ctl.h"
#include "gen.h"
#include "log.h"
#include "state.h"
#include "trail.h"
#include "util_json.h"

#define CHANGES_FILE	"changes.state"
#define ALERT_EVERY_S	86400		/* an unratified emergency change: at least daily */
#define CONFIRM_MAX_S	(7 * 86400)

static const char *const state_names[CHANGE_STATE_MAX] = {
	"proposed", "applied (approved)", "EMERGENCY, not ratified", "emergency, ratified",
	"superseded", "expired",
};

bool change_single(const struct daemon *d)
{
	return d->cur.policy && d->cur.policy->changes.single;
}

static int64_t clock_now(const struct daemon *d)
{
	return gen_clock(&d->o);
}

static void num(char *buf, size_t size, int64_t v)
{
	snprintf(buf, size, "%" PRId64, v);
}

/* ---- the changes on disk: one line each, tab separated; "confirm" the wait ---- */

static void changes_save(const struct daemon *d)
{
	char path[4200], tmp[4300];
	FILE *f;
	int i;

	if (!d->o.state_dir)
		return;
	snprintf(path, sizeof(path), "%s/" CHANGES_FILE, d->o.state_dir);
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	f = fopen(tmp, "we");
	if (!f) {
		log_warn("cannot save the changes to '%s'", tmp);
		return;
	}
	for (i = 0; i < d->ch.n; i++) {
		const struct change *c = &d->ch.v[i];

		fprintf(f, "change\t%s\t%s\t%s\t%s\t%s\t%s\t%u\t%" PRId64 "\t%" PRId64 "\t%d\t%u\t%u\t%u\n",
			c->id, c->file, c->sha256, c->reason[0] ? c->reason : "-", c->by,
			c->by2[0] ? c->by2 : "-", (unsigned)c->uid, c->at, c->expires,
			(int)c->state, c->parent, c->version, c->rollback_of);
	}
	if (d->confirm.deadline)
		fprintf(f, "confirm\t%u\t%u\t%" PRId64 "\t%s\n", d->confirm.version,
			d->confirm.previous, d->confirm.deadline, d->confirm.by);
	if (fflush(f) || fsync(fileno(f)) || fclose(f) || rename(tmp, path))
		log_warn("cannot save the changes to '%s'", path);
}

static struct change *change_new(struct daemon *d)
{
	struct change *v;

	if (d->ch.n == d->ch.cap) {
		int cap = d->ch.cap ? d->ch.cap * 2 : 32;

		v = realloc(d->ch.v, (size_t)cap * sizeof(*v));
		if (!v)
			return NULL;
		d->ch.v = v;
		d->ch.cap = cap;
	}
	v = &d->ch.v[d->ch.n];
	memset(v, 0, sizeof(*v));
	return v;
}

static int change_parse(char *line, struct change *c)
{
	char *f[13], *save = NULL, *tok;
	int n = 0;

	line[strcspn(line, "\n")] = '\0';
	for (tok = strtok_r(line, "\t", &save); tok && n < 13; tok = strtok_r(NULL, "\t", &save))
		f[n++] = tok;
	if (n != 13 || tok)
		return -EINVAL;
	snprintf(c->id, sizeof(c->id), "%s", f[0]);
	snprintf(c->file, sizeof(c->file), "%s", f[1]);
	snprintf(c->sha256, sizeof(c->sha256), "%s", f[2]);
	snprintf(c->reason, sizeof(c->reason), "%s", strcmp(f[3], "-") ? f[3] : "");
	snprintf(c->by, sizeof(c->by), "%s", f[4]);
	snprintf(c->by2, sizeof(c->by2), "%s", strcmp(f[5], "-") ? f[5] : "");
	c->uid = (uid_t)strtoul(f[6], NULL, 10);
	c->at = strtoll(f[7], NULL, 10);
	c->expires = strtoll(f[8], NULL, 10);
	c->state = (enum change_state)atoi(f[9]);
	c->parent = (unsigned)strtoul(f[10], NULL, 10);
	c->version = (unsigned)strtoul(f[11], NULL, 10);
	c->rollback_of = (unsigned)strtoul(f[12], NULL, 10);
	return c->state < CHANGE_STATE_MAX ? 0 : -EINVAL;
}

static void changes_load(struct daemon *d)
{
	char path[4200], line[8192];
	struct change *c;
	FILE *f;

	snprintf(path, sizeof(path), "%s/" CHANGES_FILE, d->o.state_dir);
	f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "confirm\t%u\t%u\t%" SCNd64 "\t%63[^\n]", &d->confirm.version,
			   &d->confirm.previous, &d->confirm.deadline, d->confirm.by) == 4)
			continue;
		c = strncmp(line, "change\t", 7) ? NULL : change_new(d);
		if (c && change_parse(line + 7, c) == 0)
			d->ch.n++;
		else
			log_warnx("changes '%s': line not understood, ignored: %.80s", path, line);
	}
	fclose(f);
}

/* Changes that are done and older than policy.keep_days are dropped (no count limit). */
static void changes_prune(struct daemon *d)
{
	int64_t old = clock_now(d) - (int64_t)(d->cur.policy ? d->cur.policy->changes.keep_days :
					       POLICY_KEEP_DAYS) * 86400;
	int i, j;

	for (i = j = 0; i < d->ch.n; i++) {
		const struct change *c = &d->ch.v[i];

		if (c->state == CHANGE_PROPOSED || c->state == CHANGE_EMERGENCY || c->at >= old)
			d->ch.v[j++] = *c;
	}
	d->ch.n = j;
}

void change_free(struct daemon *d)
{
	free(d->ch.v);
	memset(&d->ch, 0, sizeof(d->ch));
}

/* Newest first: an id (a text's SHA-256) may have been proposed more than once. */
static struct change *find_change(struct daemon *d, const char *id, enum change_state st)
{
	int i;

	for (i = d->ch.n - 1; id && i >= 0; i--) {
		if (!strcmp(d->ch.v[i].id, id) && d->ch.v[i].state == st)
			return &d->ch.v[i];
	}
	return NULL;
}

/* ---- versions ---- */

static void set_running(struct daemon *d, unsigned n, const char *sha)
{
	d->running = n;
	snprintf(d->running_sha, sizeof(d->running_sha), "%s", sha);
	store_path(&d->store, n, d->running_path, sizeof(d->running_path));
}

/* A stored text that is not what was stored is refused, loudly: never applied. */
static int corrupt(struct daemon *d, unsigned n, const char *why)
{
	char v[16];

	num(v, sizeof(v), n);
	alert_raise("store.refused", "configuration store: version %u REFUSED: %s (edited or "
		    "corrupted behind sansod's back); it is not applied", n, why);
	(void)trail_audit(d, "sansod", AUDIT_EV_STORE_CORRUPT, "version", v, "why", why, NULL);
	return -EBADMSG;
}

/* Version n, checked: its text matches its meta (and sha, when given). */
static int check_version(struct daemon *d, unsigned n, const char *sha, struct store_ver *v)
{
	char *text;
	size_t len;
	int r = store_text(&d->store, n, &text, &len, v);

	if (r == -EBADMSG)
		return corrupt(d, n, "its text does not match its SHA-256");
	if (r < 0)
		return r;
	free(text);
	if (sha && strcmp(sha, v->sha256))
		return corrupt(d, n, "its SHA-256 is not the one recorded as running");
	return 0;
}

/* Apply the text at path, only if its SHA-256 is sha. */
static int apply_file(struct daemon *d, const char *path, const char *sha)
{
	const char *file = d->o.file;
	int r;

	d->o.file = path;
	d->expect_sha256 = sha;		/* checked before anything is committed */
	r = gen_reload(d);
	d->expect_sha256 = NULL;
	if (r != 0 || strcmp(d->cur.sha256, sha)) {
		d->o.file = file;
		return r ? r : -EINVAL;
	}
	return 0;
}

/* What a reload reads: the running version (two-person), the policy file (single). */
static void point_file(struct daemon *d)
{
	d->o.file = change_single(d) ? d->conf_file : d->running_path;
}

static void single_finding(struct daemon *d);

/* The generation in force becomes version last + 1, running. Its number, or -errno. */
static int record(struct daemon *d, struct store_ver *v)
{
	const struct policy *p = d->cur.policy;
	int r;

	v->parent = d->running;
	v->at = clock_now(d);
	r = store_put(&d->store, d->cur.text.text, d->cur.text.len, v);
	if (r == 0)
		r = store_set_running(&d->store, v->version, v->sha256);
	if (r < 0) {
		alert_raise("store.unwritable", "configuration store '%s': the version in force could "
			    "not be stored: %s", d->store.dir, strerror(-r));
		(void)trail_audit(d, "sansod", AUDIT_EV_STORE_FAILED, "why", strerror(-r), NULL);
		return r;
	}
	set_running(d, v->version, v->sha256);
	single_finding(d);
	r = store_prune(&d->store, p->changes.keep_versions, p->changes.keep_days,
			clock_now(d), d->running);
	if (r > 0)
		log_info("configuration store: %d old version(s) removed (policy.keep_versions %d, "
			 "keep_days %d)", r, p->changes.keep_versions, p->changes.keep_days);
	point_file(d);
	return (int)v->version;
}

static void who_started(char *buf, size_t size, uid_t *uid)
{
	struct passwd *pw;

	*uid = getuid();
	pw = getpwuid(*uid);
	snprintf(buf, size, "uid=%u(%s)", (unsigned)*uid, pw ? pw->pw_name : "?");
}

static void single_finding(struct daemon *d)
{
	char v[16];

	if (!change_single(d))
		return;
	num(v, sizeof(v), d->running);
	log_warnx("finding: policy.changes = \"single\": one person can change what is enforced "
		  "(two-person approval, R62, is off)");
	(void)trail_audit(d, "sansod", AUDIT_EV_CONFIG_SINGLE, "version", v, NULL);
}

/* First start: the file in force becomes version 1, adopted by the uid that started sansod. */
static int adopt(struct daemon *d)
{
	struct store_ver v = { .kind = STORE_ADOPTED, .approved_uid = (uid_t)-1 };
	char ver[16];
	int r = gen_reload(d);

	if (r < 0)
		return r;
	who_started(v.by, sizeof(v.by), &v.by_uid);
	snprintf(v.reason, sizeof(v.reason), "first start: %s adopted", d->o.file);
	r = record(d, &v);
	if (r < 0)
		return 0;		/* applied; the store's failure is logged and audited */
	num(ver, sizeof(ver), r);
	(void)trail_audit(d, v.by, AUDIT_EV_CONFIG_ADOPT, "version", ver, "sha256", v.sha256,
			  "file", d->conf_file, NULL);
	log_info("configuration store: '%s' adopted as version %u by %s", d->o.file, d->running,
		 v.by);
	d->ops.policy[0] = '\0';	/* the store has it now */
	state_save(d);
	return 0;
}

/* Two-person mode: does the configuration file differ from the running version? */
static int pending(struct daemon *d, const char *who, FILE *out)
{
	struct conf_text t = { 0 };
	struct diag diag;
	char ver[16];
	int r;

	diag_init(&diag);
	r = conf_text_read(d->conf_file, &t, &diag);
	diag_fini(&diag);
	d->pending_sha[0] = '\0';
	if (r < 0 || !strcmp(t.sha256, d->running_sha)) {
		conf_text_free(&t);
		return 0;
	}
	snprintf(d->pending_sha, sizeof(d->pending_sha), "%s", t.sha256);
	conf_text_free(&t);
	num(ver, sizeof(ver), d->running);
	log_warnx("pending: not approved: '%s' (sha256 %.16s) differs from the running version %u: "
		  "not applied (sansoctl propose, then another admin approves)", d->conf_file,
		  d->pending_sha, d->running);
	(void)trail_audit(d, who, AUDIT_EV_CONFIG_PENDING, "file", d->conf_file, "sha256",
			  d->pending_sha, "running", ver, NULL);
	if (out)
		REPLY(d, out, "pending: not approved: %s (sha256 %.16s) differs from the running "
		      "version %u, which was applied again; propose it: sansoctl propose %s\n",
		      "保留 (未承認): %s (sha256 %.16s) は実施中の第 %u 版と異なります。実施中の版を"
		      "再び適用しました。変更するには申請してください: sansoctl propose %s\n",
		      d->conf_file, d->pending_sha, d->running, d->conf_file);
	return -EAGAIN;
}

/* sansod --once (the early boot unit) with a state directory that holds a store: its running
 * version (approved, or applied in single mode), never a file nobody approved; the file only
 * without a store. Nothing is written; an altered version is refused (the baseline stays). */
static int once_running(struct daemon *d)
{
	static char path[4200], sha[65];
	struct stat st;
	unsigned n = 0;
	int r;

	snprintf(path, sizeof(path), "%s/store", d->o.state_dir);
	if (stat(path, &st) < 0)
		return gen_reload(d);		/* no store yet: the file */
	r = store_open(&d->store, d->o.state_dir);
	if (r == 0)
		r = store_running(&d->store, &n, sha);
	if (r < 0) {
		log_warnx("configuration store in '%s': %s: nothing applied", d->o.state_dir,
			  strerror(-r));
		return r;
	}
	if (!n)
		return gen_reload(d);
	store_path(&d->store, n, path, sizeof(path));
	log_info("the running version %u of the configuration store, not '%s'", n, d->o.file);
	d->o.file = path;
	d->expect_sha256 = sha;		/* an altered copy is refused before any commit */
	return gen_reload(d);
}

int change_start(struct daemon *d)
{
	char sha[65];
	unsigned n;
	int r;

	if (!d->conf_file)
		d->conf_file = d->o.file;
	if (d->o.state_dir && d->o.mode == MODE_ONCE)
		return once_running(d);
	if (!d->o.state_dir || d->o.mode != MODE_DAEMON)
		return gen_reload(d);
	r = store_open(&d->store, d->o.state_dir);
	if (r < 0) {
		log_warnx("configuration store in '%s': %s", d->o.state_dir, strerror(-r));
		return r;
	}
	d->store_on = true;
	changes_load(d);
	r = store_running(&d->store, &n, sha);
	if (r < 0)
		return corrupt(d, 0, "the running file is not readable");
	if (!n)
		return adopt(d);
	set_running(d, n, sha);
	n = d->store.last;
	r = change_reload(d, NULL, NULL);
	if (d->store.last == n)		/* no new version (which records it) */
		single_finding(d);
	return r == -EAGAIN ? 0 : r;
}

static int reload_single(struct daemon *d, const char *who, uid_t uid)
{
	struct store_ver v = { .kind = STORE_ADOPTED, .approved_uid = (uid_t)-1 };
	int r;

	point_file(d);
	r = gen_reload(d);
	if (r < 0 || !strcmp(d->cur.sha256, d->running_sha))
		return r;
	snprintf(v.by, sizeof(v.by), "%s", who);
	v.by_uid = uid;
	snprintf(v.reason, sizeof(v.reason), "reload of %s (policy.changes = \"single\")",
		 d->o.file);
	(void)record(d, &v);
	return 0;
}

int change_reload(struct daemon *d, const struct ctl_peer *peer, FILE *out)
{
	const char *who = peer ? peer->name : "sansod";
	struct store_ver v;
	int r;

	if (!d->store_on)
		return gen_reload(d);
	r = check_version(d, d->running, d->running_sha, &v);
	if (r < 0)
		return r;
	if (change_single(d))
		return reload_single(d, who, peer ? peer->uid : getuid());
	d->o.file = d->running_path;
	r = gen_reload(d);
	if (r == 0 && change_single(d))	/* the running version itself says single */
		return reload_single(d, who, peer ? peer->uid : getuid());
	return r < 0 ? r : pending(d, who, out);
}

/* ---- the loop ---- */

/* approve --confirm-within ran out: the previous version is applied again. */
static void revert(struct daemon *d)
{
	struct confirm_wait w = d->confirm;
	struct store_ver v, gone;
	char a[16], b[16], path[4200];
	int r;

	d->confirm.deadline = 0;
	changes_save(d);
	if (d->running != w.version)	/* another change came since: nothing to undo */
		return;
	num(a, sizeof(a), w.version);
	num(b, sizeof(b), w.previous);
	(void)trail_audit(d, "sansod", AUDIT_EV_CHANGE_REVERT, "version", a, "to", b, "why",
			  "not confirmed in time (sansoctl confirm)", NULL);
	r = check_version(d, w.previous, NULL, &v);
	store_path(&d->store, w.previous, path, sizeof(path));
	if (r == 0)
		r = apply_file(d, path, v.sha256);
	if (r == 0)
		r = store_set_running(&d->store, w.previous, v.sha256);
	if (r < 0) {
		alert_raise("change.unconfirmed", "version %u was not confirmed, but version %u "
			    "could not be applied again (%s): version %u stays in force", w.version,
			    w.previous, strerror(-r), w.version);
		return;
	}
	set_running(d, w.previous, v.sha256);
	point_file(d);
	if (store_get(&d->store, w.version, &gone) == 0) {
		gone.reverted = true;
		(void)store_update(&d->store, &gone);
	}
	log_warnx("version %u was not confirmed in time: version %u applied again (generation %u)",
		  w.version, w.previous, d->generation);
}

static void unratified_alert(struct daemon *d, int64_t now)
{
	char v[16];
	int i, n = 0;

	for (i = 0; i < d->ch.n; i++) {
		const struct change *c = &d->ch.v[i];

		if (c->state != CHANGE_EMERGENCY)
			continue;
		num(v, sizeof(v), c->version);
		alert_raise("change.not_ratified", "emergency change %s (version %u) by %s is not "
			    "ratified: another admin must ratify it (sansoctl ratify %s)", c->id,
			    c->version, c->by, c->id);
		(void)trail_audit(d, "sansod", AUDIT_EV_CHANGE_UNRATIFIED, "id", c->id, "version",
				  v, "by", c->by, NULL);
		n++;
	}
	if (n)
		d->unratified_alert = now;
}

void change_tick(struct daemon *d, int64_t now)
{
	if (d->confirm.deadline && now >= d->confirm.deadline)
		revert(d);
	if (now - d->unratified_alert >= ALERT_EVERY_S)
		unratified_alert(d, now);
}

int change_next_ms(const struct daemon *d, int64_t now)
{
	if (!d->confirm.deadline)
		return -1;
	return d->confirm.deadline <= now ? 0 :
	       d->confirm.deadline - now > 3600 ? 3600000 : (int)(d->confirm.deadline - now) * 1000;
}

/* ---- status ---- */

void change_status(const struct daemon *d, FILE *out)
{
	int i;

	if (d->store_on && change_single(d))
		REPLY(d, out, "FINDING:     policy.changes = \"single\": one person can change what "
		      "is enforced (R62); version %u running\n",
		      "指摘:        policy.changes = \"single\": 一人で実施内容を変えられます (R62)。"
		      "第 %u 版を実施中\n", d->running);
	else if (d->store_on)
		REPLY(d, out, "changes:     two-person; version %u running (sha256 %.16s)\n",
		      "変更管理:    二人制。第 %u 版を実施中 (sha256 %.16s)\n", d->running,
		      d->running_sha);
	if (d->store_on && d->pending_sha[0])
		REPLY(d, out, "pending:     %s (sha256 %.16s) differs from version %u: not approved, "
		      "not applied (sansoctl propose)\n",
		      "保留:        %s (sha256 %.16s) は第 %u 版と異なります。未承認のため適用して"
		      "いません (sansoctl propose)\n", d->conf_file, d->pending_sha, d->running);
	if (d->confirm.deadline)
		REPLY(d, out, "WARNING:     version %u is reverted to version %u at %" PRId64 " (in %"
		      PRId64 " s) unless confirmed: sansoctl confirm\n",
		      "警告:        確定がなければ第 %u 版は第 %u 版へ戻されます。期限 %" PRId64
		      " (あと %" PRId64 " 秒): sansoctl confirm\n", d->confirm.version,
		      d->confirm.previous, d->confirm.deadline,
		      d->confirm.deadline - (int64_t)time(NULL));
	for (i = 0; i < d->ch.n; i++) {
		const struct change *c = &d->ch.v[i];

		if (c->state == CHANGE_EMERGENCY)
			REPLY(d, out, "WARNING:     emergency change %s by %s is not ratified\n",
			      "警告:        %s (%s) の緊急変更は事後承認されていません\n", c->id, c->by);
		else if (c->state == CHANGE_PROPOSED)
			REPLY(d, out, "proposed:    %s by %s on version %u, waiting for approval\n",
			      "申請中:      %s (%s、第 %u 版に基づく) が承認を待っています\n", c->id, c->by,
			      c->parent);
	}
}

void change_status_json(const struct daemon *d, FILE *out)
{
	int i, n = 0;

	fprintf(out, ", \"unratified_emergency_changes\": [");
	for (i = 0; i < d->ch.n; i++) {
		if (d->ch.v[i].state != CHANGE_EMERGENCY)
			continue;
		fprintf(out, "%s", n++ ? ", " : "");
		util_json_str(out, d->ch.v[i].id);
	}
	fprintf(out, "], \"changes\": \"%s\", \"running_version\": %u, \"pending_not_approved\": %s"
		", \"confirm_deadline\": %" PRId64, change_single(d) ? "single" : "two-person",
		d->running, d->pending_sha[0] ? "true" : "false", d->confirm.deadline);
}

/* ---- requests ---- */

int change_h_reload(struct daemon *d, const struct ctl_peer *peer, const struct ctl_req *q,
		    FILE *out)
{
	int r;

	log_info("reload asked by %s%s", peer->name, ctl_req_get(q, "full") ? " (full)" : "");
	if (ctl_req_get(q, "full")) {		/* replace the whole table, read it back whole */
		d->table_suspect = true;
		d->suspect_why = "asked for (reload --full)";
	}
	(void)trail_audit(d, peer->name, AUDIT_EV_CONFIG_RELOAD, NULL);
	r = change_reload(d, peer, out);
	if (r < 0 && r != -EAGAIN) {
		REPLY(d, out, "reload refused: generation %u stays in the kernel\n",
		      "再読み込みを拒否: 第 %u 世代がそのまま有効です\n", d->generation);
		return CTL_ERR_FAILED;
	}
	REPLY(d, out, "applied generation %u\n", "第 %u 世代を適用しました\n", d->generation);
	return r == -EAGAIN ? CTL_ERR_FAILED : CTL_OK;
}

static int h_list_json(struct daemon *d, FILE *out)
{
	int i;

	fprintf(out, "{\"policy\": ");
	util_json_str(out, d->conf_file ? d->conf_file : d->o.file);
	fprintf(out, ", \"running_version\": %u, \"changes\": [", d->running);
	for (i = 0; i < d->ch.n; i++) {
		const struct change *c = &d->ch.v[i];

		fprintf(out, "%s\n {\"id\": \"%s\", \"state\": ", i ? "," : "", c->id);
		util_json_str(out, state_names[c->state]);
		fprintf(out, ", \"by\": ");
		util_json_str(out, c->by);
		fprintf(out, ", \"second\": ");
		util_json_str(out, c->by2);
		fprintf(out, ", \"reason\": ");
		util_json_str(out, c->reason);
		fprintf(out, ", \"sha256\": \"%s\", \"parent\": %u, \"version\": %u, "
			"\"rollback_of\": %u, \"expires\": %" PRId64 "}", c->sha256, c->parent,
			c->version, c->rollback_of, c->expires);
	}
	fprintf(out, "\n]}\n");
	return CTL_OK;
}

int change_h_list(struct daemon *d, const struct ctl_peer *peer __attribute__((unused)),
		  const struct ctl_req *q, FILE *out)
{
	const char *f = ctl_req_get(q, "format");
	int i;

	if (f && !strcmp(f, "json"))
		return h_list_json(d, out);
	fprintf(out, "%-16s %-26s %-6s %-7s %-20s %-20s %s\n", "ID", "STATE", "PARENT", "VERSION",
		"BY", "SECOND PERSON", "REASON");
	for (i = 0; i < d->ch.n; i++) {
		const struct change *c = &d->ch.v[i];

		fprintf(out, "%-16s %-26s %-6u %-7u %-20s %-20s %s\n", c->id, state_names[c->state],
			c->parent, c->version, c->by, c->by2[0] ? c->by2 : "-", c->reason);
	}
	REPLY(d, out, "policy in force: %s (version %u)\n", "実施中のポリシー: %s (第 %u 版)\n",
	      d->o.file, d->running);
	return CTL_OK;
}

/* Write the flattened text of the proposed file (main file and includes, as checked now)
 * into the state directory (only sansod writes there): what is approved later is exactly
 * this text, whatever happens to the files afterwards. */
static int stage(struct daemon *d, const char *file, char *path, size_t len, char sha[65],
		 char **includes)
{
	struct conf_text t = { 0 };
	char tmp[4300], again[65];
	FILE *out;
	int r;

	if (!d->o.state_dir)
		return -ENOTSUP;
	r = gen_check(d, file, sha, &t);
	if (r < 0)
		return r;
	*includes = conf_text_includes(&t);
	snprintf(path, len, "%s/change-%.16s.conf", d->o.state_dir, sha);
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	out = fopen(tmp, "we");
	if (!out || fwrite(t.text, 1, t.len, out) != t.len || fflush(out) || fsync(fileno(out)))
		r = -EIO;
	if (out && fclose(out))
		r = -EIO;
	conf_text_free(&t);
	if (r >= 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0) {
		(void)unlink(tmp);
		return r;
	}
	r = gen_check(d, path, again, NULL);	/* the copy, as it will be applied */
	return r < 0 ? r : strcmp(again, sha) ? -EIO : 0;
}

#define PROPOSAL_TEXT_MAX	(64L << 20)	/* bytes of a policy handed over by descriptor */

/* The text sansoctl handed over with the request (SCM_RIGHTS: a memfd with the policy as it
 * flattened it, includes inlined), staged like a file: the daemon needs no access to the
 * proposer's files (ProtectHome, PrivateTmp) and no size limit of the control message
 * applies. Only a regular file (a memfd is one) of at most PROPOSAL_TEXT_MAX bytes, read
 * with pread: a pipe or socket that never ends cannot stall the daemon. */
static int stage_fd(struct daemon *d, int fd, char *path, size_t len, char sha[65],
		    char **includes)
{
	char tmp[4300];
	struct stat st;
	char *buf = NULL;
	ssize_t n = 0;
	FILE *out = NULL;
	int r = -EINVAL;

	if (!d->o.state_dir)
		return -ENOTSUP;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > PROPOSAL_TEXT_MAX)
		return fstat(fd, &st) < 0 ? -errno : S_ISREG(st.st_mode) ? -EFBIG : -EINVAL;
	buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		return -ENOMEM;
	while (n < st.st_size) {
		ssize_t k = pread(fd, buf + n, (size_t)(st.st_size - n), n);

		if (k <= 0)
			break;
		n += k;
	}
	snprintf(tmp, sizeof(tmp), "%s/proposal-%d.conf", d->o.state_dir, (int)getpid());
	if (n == st.st_size && (out = fopen(tmp, "we")) &&
	    fwrite(buf, 1, (size_t)n, out) == (size_t)n && !fflush(out))
		r = 0;
	if (out && fclose(out))
		r = -EIO;
	free(buf);
	if (r == 0)
		r = stage(d, tmp, path, len, sha, includes);
	(void)unlink(tmp);
	return r;
}

/* "10m", "90s", "1h", "600": seconds, 0 if absent, -1 if not understood. */
static int64_t duration(const char *s)
{
	char *end;
	long long v;

	if (!s)
		return 0;
	v = strtoll(s, &end, 10);
	if (end == s || v <= 0)
		return -1;
	v *= !*end || !strcmp(end, "s") ? 1 : !strcmp(end, "m") ? 60 : !strcmp(end, "h") ? 3600 : 0;
	return v > 0 && v <= CONFIRM_MAX_S ? v : -1;
}

/* The change was applied: it becomes a version (kind from the change), confirmed or not. */
static int applied(struct daemon *d, struct change *c, const struct ctl_peer *second,
		   int64_t confirm_s, FILE *out)
{
	struct store_ver v = { .approved_uid = (uid_t)-1 };
	unsigned previous = d->running;

	if (!d->store_on)
		return 0;
	v.kind = c->state == CHANGE_EMERGENCY ? STORE_EMERGENCY :
		 c->rollback_of ? STORE_ROLLBACK : STORE_APPROVED;
	snprintf(v.by, sizeof(v.by), "%s", c->by);
	v.by_uid = c->uid;
	if (second) {
		snprintf(v.approved_by, sizeof(v.approved_by), "%s", second->name);
		v.approved_uid = second->uid;
	}
	snprintf(v.reason, sizeof(v.reason), "%s", c->reason);
	v.rollback_of = c->rollback_of;
	if (record(d, &v) < 0)
		return -EIO;
	c->version = d->running;
	d->pending_sha[0] = '\0';
	if (confirm_s > 0 && previous) {
		d->confirm = (struct confirm_wait){ d->running, previous,
						     (int64_t)time(NULL) + confirm_s, "" };
		snprintf(d->confirm.by, sizeof(d->confirm.by), "%s", c->by);
		REPLY(d, out, "version %u must be confirmed within %" PRId64 " s (sansoctl confirm), "
		      "else version %u is applied again\n",
		      "第 %u 版を %" PRId64 " 秒以内に確定してください (sansoctl confirm)。確定が"
		      "なければ第 %u 版を再び適用します\n", d->running, confirm_s, previous);
	}
	return 0;
}

static int apply_change(struct daemon *d, struct change *c, FILE *out)
{
	if (apply_file(d, c->file, c->sha256) != 0) {
		REPLY(d, out, "refused: change %s could not be applied; nothing changed\n",
		      "拒否: 変更 %s を適用できませんでした。何も変わっていません\n", c->id);
		return CTL_ERR_FAILED;
	}
	return CTL_OK;
}

static void clean_reason(char *s)
{
	for (; *s; s++)
		*s = *s == '\t' ? ' ' : *s;
}

static struct change *new_proposal(struct daemon *d, const struct ctl_peer *peer,
				   const char *sha, const char *reason)
{
	int ttl = d->cur.policy ? d->cur.policy->changes.proposal_ttl_days :
		  POLICY_PROPOSAL_TTL_DAYS;
	struct change *c = change_new(d);

	if (!c)
		return NULL;
	snprintf(c->id, sizeof(c->id), "%.16s", sha);
	snprintf(c->sha256, sizeof(c->sha256), "%s", sha);
	snprintf(c->reason, sizeof(c->reason), "%s", reason ? reason : "");
	clean_reason(c->reason);
	snprintf(c->by, sizeof(c->by), "%s", peer->name);
	c->uid = peer->uid;
	c->at = clock_now(d);
	c->expires = c->at + (int64_t)ttl * 86400;
	c->parent = d->running;
	c->state = CHANGE_PROPOSED;
	return c;
}

int change_h_propose(struct daemon *d, const struct ctl_peer *peer, const struct ctl_req *q,
		     FILE *out)
{
	bool emergency = q->type == CTL_EMERGENCY;
	const char *file = ctl_req_get(q, "file");
	char path[4200], sha[65], parent[16], roles[64], *includes = NULL;
	int64_t confirm_s = duration(ctl_req_get(q, "confirm-within"));
	struct change *c;
	int r;

	if (!file || confirm_s < 0 || (confirm_s && !emergency))
		return CTL_ERR_INVALID;
	r = q->fd >= 0 ? stage_fd(d, q->fd, path, sizeof(path), sha, &includes) :
	    stage(d, file, path, sizeof(path), sha, &includes);
	c = r < 0 ? NULL : new_proposal(d, peer, sha, ctl_req_get(q, "reason"));
	if (!c) {
		free(includes);
		REPLY(d, out, "refused: %s\n", "拒否: %s\n", r == -ENOTSUP ? (d->reply_ja ?
		      "二人制の変更には --state-dir が必要です" : "two-person changes need --state-dir") :
		      r == -EINVAL ? (d->reply_ja ? "ポリシーが正しくありません (上記参照)" :
		      "the policy is not valid (see above)") : strerror(r ? -r : ENOMEM));
		return CTL_ERR_FAILED;		/* refused (exit 1), not a usage error */
	}
	snprintf(c->file, sizeof(c->file), "%s", path);
	c->contractor = peer->contractor;	/* approved by an admin or the CISO (the table) */
	c->state = emergency ? CHANGE_EMERGENCY : CHANGE_PROPOSED;
	num(parent, sizeof(parent), c->parent);
	r = trail_audit(d, peer->name, emergency ? AUDIT_EV_CHANGE_EMERGENCY :
			AUDIT_EV_CHANGE_PROPOSE, "id", c->id, "file", file, "sha256", sha,
			"includes", includes ? includes : "", "reason", c->reason, "roles",
			ctl_roles_text(peer->roles, false, ",", roles, sizeof(roles)), "parent",
			parent, NULL);
	free(includes);
	if (r < 0) {
		REPLY(d, out, "refused: the audit trail cannot be written\n",
		      "拒否: 監査証跡に書き込めません\n");
		return CTL_ERR_FAILED;
	}
	d->ch.n++;
	if (emergency && (apply_change(d, c, out) != CTL_OK ||
			  applied(d, c, NULL, confirm_s, out) < 0)) {
		d->ch.n -= c->version == 0;
		changes_save(d);
		return CTL_ERR_FAILED;
	}
	changes_save(d);
	if (emergency)
		REPLY(d, out, "emergency change %s applied (generation %u, version %u); another "
		      "admin must ratify it: sansoctl ratify %s\n",
		      "緊急変更 %s を適用しました (第 %u 世代、第 %u 版)。別の管理者が事後承認して"
		      "ください: sansoctl ratify %s\n", c->id, d->generation, d->running, c->id);
	else
		REPLY(d, out, "proposed %s%s; another admin applies it with: sansoctl approve %s\n",
		      "%s を申請しました%s。別の管理者が次のコマンドで適用します: sansoctl approve "
		      "%s\n", c->id, !c->contractor ? "" : d->reply_ja ? " (委託事業者による申請)" :
		      " (by a contractor)", c->id);
	return CTL_OK;
}

static int refuse(struct daemon *d, const struct ctl_peer *peer, struct change *c,
		  const char *why)
{
	(void)trail_audit(d, peer->name, AUDIT_EV_CHANGE_REFUSED, "id", c->id, "why", why, NULL);
	log_warnx("change %s refused for %s: %s", c->id, peer->name, why);
	return CTL_ERR_FAILED;
}

/* Still approvable: not expired, based on the running version. */
static int approvable(struct daemon *d, const struct ctl_peer *peer, struct change *c,
		      FILE *out)
{
	if (clock_now(d) > c->expires) {
		c->state = CHANGE_EXPIRED;
		changes_save(d);
		REPLY(d, out, "refused: proposal %s expired (policy.proposal_ttl_days): propose "
		      "again\n", "拒否: 申請 %s は期限切れです (policy.proposal_ttl_days)。もう一度"
		      "申請してください\n", c->id);
		return refuse(d, peer, c, "expired");
	}
	if (d->store_on && c->parent != d->running) {
		REPLY(d, out, "refused: proposal %s is based on version %u, running is %u: propose "
		      "again\n", "拒否: 申請 %s は第 %u 版に基づきますが、実施中は第 %u 版です。"
		      "もう一度申請してください\n", c->id, c->parent, d->running);
		return refuse(d, peer, c, "based on another version than the running one");
	}
	return CTL_OK;
}

static int ratify(struct daemon *d, const struct ctl_peer *peer, struct change *c, FILE *out)
{
	struct store_ver v;

	if (trail_audit(d, peer->name, AUDIT_EV_CHANGE_RATIFY, "id", c->id, "proposed_by", c->by,
			"sha256", c->sha256, NULL) < 0) {
		REPLY(d, out, "refused: the audit trail cannot be written\n",
		      "拒否: 監査証跡に書き込めません\n");
		return CTL_ERR_FAILED;
	}
	c->state = CHANGE_RATIFIED;
	snprintf(c->by2, sizeof(c->by2), "%s", peer->name);
	if (d->store_on && c->version && store_get(&d->store, c->version, &v) == 0) {
		v.kind = STORE_RATIFIED;
		snprintf(v.approved_by, sizeof(v.approved_by), "%s", peer->name);
		v.approved_uid = peer->uid;
		if (store_update(&d->store, &v) < 0)
			log_warnx("configuration store: version %u: ratification not recorded",
				  c->version);
	}
	changes_save(d);
	REPLY(d, out, "ratified %s: generation %u in force\n",
	      "%s を事後承認しました: 第 %u 世代を実施中\n", c->id, d->generation);
	return CTL_OK;
}

int change_h_approve(struct daemon *d, const struct ctl_peer *peer, const struct ctl_req *q,
		     FILE *out)
{
	bool rat = q->type == CTL_RATIFY;
	const char *id = ctl_req_get(q, "id"), *cw = ctl_req_get(q, "confirm-within");
	struct change *c = find_change(d, id, rat ? CHANGE_EMERGENCY : CHANGE_PROPOSED);
	int64_t confirm_s = duration(cw);
	int r;

	if (!c || confirm_s < 0 || (rat && confirm_s)) {
		if (rat)
			REPLY(d, out, "no unratified emergency change '%s'\n",
			      "事後承認待ちの緊急変更 '%s' はありません\n", id ? id : "");
		else
			REPLY(d, out, "no proposed change '%s'\n", "申請中の変更 '%s' はありません\n",
			      id ? id : "");
		return CTL_ERR_INVALID;
	}
	if (peer->uid == c->uid) {
		REPLY(d, out, "refused: %s must be another person than %s (R62)\n",
		      "拒否: %sは %s 以外の人でなければなりません (R62)\n", rat ? (d->reply_ja ?
		      "事後承認者" : "the ratifier") : d->reply_ja ? "承認者" : "the approver", c->by);
		(void)refuse(d, peer, c, "same person");
		return CTL_ERR_DENIED;
	}
	if (rat)
		return ratify(d, peer, c, out);
	r = approvable(d, peer, c, out);
	if (r != CTL_OK)
		return r;
	if (trail_audit(d, peer->name, AUDIT_EV_CHANGE_APPROVE, "id", c->id, "proposed_by", c->by,
			"sha256", c->sha256, cw ? "confirm_within" : NULL, cw, NULL) < 0) {
		REPLY(d, out, "refused: the audit trail cannot be written\n",
		      "拒否: 監査証跡に書き込めません\n");
		return CTL_ERR_FAILED;
	}
	r = apply_change(d, c, out);
	if (r != CTL_OK)
		return r;
	c->state = CHANGE_APPLIED;
	snprintf(c->by2, sizeof(c->by2), "%s", peer->name);
	(void)applied(d, c, peer, confirm_s, out);
	changes_prune(d);
	changes_save(d);
	REPLY(d, out, "approved and applied %s: generation %u, version %u in force\n",
	      "%s を承認し適用しました: 第 %u 世代、第 %u 版を実施中\n", c->id, d->generation,
	      d->running);
	return CTL_OK;
}

/* ---- history, show, rollback, confirm ---- */

static void when(int64_t t, char *buf, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || !strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, size, "%" PRId64, t);
}

static void history_json(const struct store_ver *v, unsigned running, bool first, FILE *out)
{
	char t[32];

	when(v->at, t, sizeof(t));
	fprintf(out, "%s\n {\"version\": %u, \"kind\": \"%s\", \"parent\": %u, \"running\": %s, "
		"\"by\": ", first ? "" : ",", v->version, store_kind_name(v->kind), v->parent,
		v->version == running ? "true" : "false");
	util_json_str(out, v->by);
	fprintf(out, ", \"by_uid\": %ld, \"approved_by\": ", (long)v->by_uid);
	util_json_str(out, v->approved_by);
	fprintf(out, ", \"approved_uid\": %ld, \"time\": \"%s\", \"sha256\": \"%s\", \"reason\": ",
		v->approved_uid == (uid_t)-1 ? -1L : (long)v->approved_uid, t, v->sha256);
	util_json_str(out, v->reason);
	fprintf(out, ", \"rollback_of\": %u, \"reverted\": %s}", v->rollback_of,
		v->reverted ? "true" : "false");
}

/* The versions of s, newest first (running: marked). */
static void history_rows(const struct store *s, unsigned running, bool json, FILE *out)
{
	struct store_ver v;
	bool first = true;
	char t[32];
	unsigned n;

	if (!json)
		fprintf(out, "  %-7s %-9s %-6s %-20s %-20s %-20s %-16s %s\n", "VERSION", "KIND",
			"PARENT", "BY", "APPROVED BY", "TIME", "SHA256", "REASON");
	for (n = s->last; n > 0; n--) {
		if (store_get(s, n, &v) < 0)
			continue;		/* removed by retention */
		if (json) {
			history_json(&v, running, first, out);
			first = false;
			continue;
		}
		when(v.at, t, sizeof(t));
		fprintf(out, "%s %-7u %-9s %-6u %-20s %-20s %-20s %.16s %s%s\n",
			n == running ? "*" : " ", n, store_kind_name(v.kind), v.parent, v.by,
			v.approved_by[0] ? v.approved_by : "-", t, v.sha256, v.reason,
			v.reverted ? " (REVERTED: not confirmed)" : "");
	}
}

/* A history kept beside the store: the one a restored backup brought (store/restored,
 * backup.c) or the HA master's, copied (store/peer, hahist.c); its running version then
 * marked. */
static void history_other(const struct daemon *d, const char *sub, const char *key,
			  const char *en, const char *ja, bool json, FILE *out)
{
	char dir[4300], sha[65];
	struct store hist;
	struct stat st;
	unsigned run = 0;

	snprintf(dir, sizeof(dir), "%s/store/%s", d->o.state_dir, sub);
	if (stat(dir, &st) < 0 || store_open_dir(&hist, dir) < 0 || !hist.last)
		return;
	(void)store_running(&hist, &run, sha);
	if (json) {
		fprintf(out, ", \"%s\": {\"running\": %u, \"versions\": [", key, run);
		history_rows(&hist, run, true, out);
		fprintf(out, "\n]}");
		return;
	}
	fputc('\n', out);
	reply_say(d, out, "%s:\n", "%s:\n", d->reply_ja ? ja : en);
	history_rows(&hist, run, false, out);
}

int change_h_history(struct daemon *d, const struct ctl_peer *peer __attribute__((unused)),
		     const struct ctl_req *q, FILE *out)
{
	const char *f = ctl_req_get(q, "format");
	bool json = f && !strcmp(f, "json");

	if (!d->store_on) {
		REPLY(d, out, "no configuration store (sansod runs without --state-dir)\n",
		      "構成の保管庫がありません (sansod が --state-dir なしで動いています)\n");
		return CTL_ERR_FAILED;
	}
	if (json)
		fprintf(out, "{\"running\": %u, \"versions\": [", d->running);
	history_rows(&d->store, d->running, json, out);
	if (json)
		fprintf(out, "\n]");
	history_other(d, "restored", "restored", "history restored from a backup (the versions "
		      "of the gateway it was made on; *: its running version then)",
		      "バックアップから復元した履歴 (作成元のゲートウェイの版。*: 当時の実施中の版)",
		      json, out);
	history_other(d, "peer", "ha_peer", "history of the HA master (its versions, copied "
		      "over the sync link)", "HA のマスタの履歴 (同期リンクで複製した版)", json,
		      out);
	if (json)
		fprintf(out, "}\n");
	return CTL_OK;
}

static int version_arg(const struct ctl_req *q, unsigned *n)
{
	const char *s = ctl_req_get(q, "version");
	char *end;

	if (!s)
		return -EINVAL;
	*n = (unsigned)strtoul(s, &end, 10);
	return *end || !*n ? -EINVAL : 0;
}

int change_h_show(struct daemon *d, const struct ctl_peer *peer __attribute__((unused)),
		  const struct ctl_req *q, FILE *out)
{
	struct store_ver v;
	char *text;
	size_t len;
	unsigned n;
	int r;

	if (version_arg(q, &n) < 0)
		return CTL_ERR_INVALID;
	r = d->store_on ? store_text(&d->store, n, &text, &len, &v) : -ENOENT;
	if (r == -EBADMSG) {
		(void)corrupt(d, n, "its text does not match its SHA-256");
		REPLY(d, out, "REFUSED: stored version %u was altered (sha256 mismatch)\n",
		      "拒否: 保管された第 %u 版が改変されています (sha256 不一致)\n", n);
		return CTL_ERR_FAILED;
	}
	if (r < 0) {
		REPLY(d, out, "no version %u in the store\n", "第 %u 版は保管庫にありません\n", n);
		return CTL_ERR_FAILED;
	}
	fwrite(text, 1, len, out);
	free(text);
	return CTL_OK;
}

/* Stored version n parsed (not validated: an old version is compared as it was written). */
static int version_policy(struct daemon *d, unsigned n, struct policy **p, FILE *out)
{
	struct store_ver v;
	struct diag diag;
	char name[32], *text = NULL;
	size_t len;
	int r = d->store_on ? store_text(&d->store, n, &text, &len, &v) : -ENOENT;

	if (r == -EBADMSG) {
		(void)corrupt(d, n, "its text does not match its SHA-256");
		REPLY(d, out, "REFUSED: stored version %u was altered (sha256 mismatch)\n",
		      "拒否: 保管された第 %u 版が改変されています (sha256 不一致)\n", n);
		return r;
	}
	if (r < 0) {
		REPLY(d, out, "no version %u in the store\n", "第 %u 版は保管庫にありません\n", n);
		return r;
	}
	snprintf(name, sizeof(name), "version %u", n);
	diag_init(&diag);
	r = conf_load_string(name, text, p, &diag);
	if (r < 0)
		REPLY(d, out, "version %u cannot be read as a policy any more\n",
		      "第 %u 版はもうポリシーとして読めません\n", n);
	diag_fini(&diag);
	free(text);
	return r;
}

/* diff VERSION [VERSION2]: what changed from VERSION to VERSION2 (default: the running one),
 * object by object — zones, hosts, flows, exceptions, services — not line by line. */
int change_h_diff(struct daemon *d, const struct ctl_peer *peer __attribute__((unused)),
		  const struct ctl_req *q, FILE *out)
{
	const char *f = ctl_req_get(q, "format"), *s2 = ctl_req_get(q, "to");
	struct policy *p[2] = { NULL, NULL };
	unsigned n[2];
	struct pdiff pd;
	char *end = NULL;
	int r, i;

	if (version_arg(q, &n[0]) < 0)
		return CTL_ERR_INVALID;
	n[1] = s2 ? (unsigned)strtoul(s2, &end, 10) : d->running;
	if ((s2 && (*end || !n[1])) || !n[1])
		return CTL_ERR_INVALID;
	for (i = 0, r = 0; i < 2 && r >= 0; i++)
		r = version_policy(d, n[i], &p[i], out);
	if (r >= 0)
		r = pdiff_compute(p[0], p[1], &pd);
	if (r >= 0) {
		if (!(f && !strcmp(f, "json")))
			REPLY(d, out, "from version %u to version %u: %d change(s)\n",
			      "第 %u 版から第 %u 版へ: %d 件の変更\n", n[0], n[1], pd.n_changes);
		r = f && !strcmp(f, "json") ? pdiff_print_json(&pd, out) :
		    pdiff_print_text(&pd, out, d->reply_ja);
		pdiff_fini(&pd);
	}
	policy_free(p[0]);
	policy_free(p[1]);
	return r < 0 ? CTL_ERR_FAILED : CTL_OK;
}

int change_adopt_peer(struct daemon *d, const char *text, size_t len, const char *sha,
		      const struct store_ver *meta, const char *peer_addr)
{
	char name[64], path[4200], ver[16], pver[16];
	struct store_ver v = *meta;
	int r;

	if (!d->store_on || change_single(d))
		return -ENOTSUP;
	snprintf(name, sizeof(name), "ha-%.16s.conf", sha);
	r = state_write_file(d, name, NULL, text, len, path, sizeof(path));
	if (r == 0)
		r = apply_file(d, path, sha);
	(void)unlink(path);
	if (r < 0)
		return r;
	snprintf(v.reason, sizeof(v.reason), "%.180s (from the HA peer %s, its version %u)",
		 meta->reason, peer_addr, meta->version);
	if (record(d, &v) < 0)
		return -EIO;
	d->pending_sha[0] = '\0';
	num(ver, sizeof(ver), d->running);
	num(pver, sizeof(pver), meta->version);
	(void)trail_audit(d, peer_addr, AUDIT_EV_HA_VERSION, "version", ver, "peer_version", pver,
			  "sha256", sha, "kind", store_kind_name(v.kind), "by", v.by,
			  "approved_by", v.approved_by, NULL);
	log_info("ha: version %u of %s applied as version %u (generation %u)", meta->version,
		 peer_addr, d->running, d->generation);
	return 0;
}

int change_propose_text(struct daemon *d, const struct ctl_peer *peer, const char *text,
			size_t len, const char *reason, char ret_id[CHANGE_ID_SIZE], FILE *out)
{
	char tmp[4300], name[32], path[4200], sha[65], parent[16], roles[64], *includes = NULL;
	struct change *c = NULL;
	int r;

	if (!d->o.state_dir)
		return -ENOTSUP;
	snprintf(name, sizeof(name), "restore-%d.conf", (int)getpid());
	r = state_write_file(d, name, NULL, text, len, tmp, sizeof(tmp));
	if (r == 0)
		r = stage(d, tmp, path, sizeof(path), sha, &includes);
	(void)unlink(tmp);
	free(includes);
	if (r == 0 && !(c = new_proposal(d, peer, sha, reason)))
		r = -ENOMEM;
	if (r < 0)
		return r;
	snprintf(c->file, sizeof(c->file), "%s", path);
	num(parent, sizeof(parent), c->parent);
	if (trail_audit(d, peer->name, AUDIT_EV_CHANGE_PROPOSE, "id", c->id, "file", path,
			"sha256", sha, "includes", "", "reason", c->reason, "roles",
			ctl_roles_text(peer->roles, false, ",", roles, sizeof(roles)), "parent",
			parent, NULL) < 0)
		return -EIO;
	d->ch.n++;
	changes_save(d);
	snprintf(ret_id, CHANGE_ID_SIZE, "%s", c->id);
	REPLY(d, out, "proposed %s (%s); another admin applies it with: sansoctl approve %s\n",
	      "%s を申請しました (%s)。別の管理者が次のコマンドで適用します: sansoctl approve "
	      "%s\n", c->id, c->reason, c->id);
	return 0;
}

int change_h_rollback(struct daemon *d, const struct ctl_peer *peer, const struct ctl_req *q,
		      FILE *out)
{
	char ver[16];
	struct store_ver v;
	struct change *c;
	unsigned n;
	int r;

	if (version_arg(q, &n) < 0 || !ctl_req_get(q, "reason"))
		return CTL_ERR_INVALID;
	r = d->store_on ? check_version(d, n, NULL, &v) : -ENOENT;
	if (r < 0) {
		if (r == -EBADMSG)
			REPLY(d, out, "refused: the stored version was altered (sha256 mismatch)\n",
			      "拒否: 保管された版が改変されています (sha256 不一致)\n");
		else
			REPLY(d, out, "refused: no such version in the store\n",
			      "拒否: その版は保管庫にありません\n");
		return CTL_ERR_FAILED;
	}
	c = new_proposal(d, peer, v.sha256, ctl_req_get(q, "reason"));
	if (!c)
		return CTL_ERR_FAILED;
	store_path(&d->store, n, c->file, sizeof(c->file));
	c->rollback_of = n;
	num(ver, sizeof(ver), n);
	if (trail_audit(d, peer->name, AUDIT_EV_CHANGE_ROLLBACK, "id", c->id, "version", ver,
			"sha256", c->sha256, "reason", c->reason, NULL) < 0) {
		REPLY(d, out, "refused: the audit trail cannot be written\n",
		      "拒否: 監査証跡に書き込めません\n");
		return CTL_ERR_FAILED;
	}
	d->ch.n++;
	changes_save(d);
	REPLY(d, out, "proposed %s: rollback to version %u (on version %u); another admin applies "
	      "it with: sansoctl approve %s\n", "%s を申請しました: 第 %u 版へ戻す (第 %u 版に"
	      "基づく)。別の管理者が次のコマンドで適用します: sansoctl approve %s\n", c->id, n,
	      d->running, c->id);
	return CTL_OK;
}

int change_h_confirm(struct daemon *d, const struct ctl_peer *peer,
		     const struct ctl_req *q __attribute__((unused)), FILE *out)
{
	char ver[16];

	if (!d->confirm.deadline || d->confirm.version != d->running) {
		REPLY(d, out, "nothing waits for a confirmation\n", "確定を待つ変更はありません\n");
		return CTL_ERR_FAILED;
	}
	num(ver, sizeof(ver), d->confirm.version);
	if (trail_audit(d, peer->name, AUDIT_EV_CHANGE_CONFIRM, "version", ver, NULL) < 0) {
		REPLY(d, out, "refused: the audit trail cannot be written\n",
		      "拒否: 監査証跡に書き込めません\n");
		return CTL_ERR_FAILED;
	}
	d->confirm.deadline = 0;
	changes_save(d);
	log_info("version %u confirmed by %s", d->running, peer->name);
	REPLY(d, out, "version %u confirmed: it stays in force\n",
	      "第 %u 版を確定しました: このまま実施します\n", d->running);
	return CTL_OK;
}
