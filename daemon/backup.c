// SPDX-License-Identifier: GPL-2.0-only
/* backup.c: sansoctl backup / restore; see backup.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "backup.h"
#include "change.h"
#include "gen.h"
#include "policy.h"
#include "state.h"
#include "reply.h"
#include "sha256.h"
#include "sign.h"
#include "store.h"
#include "trail.h"

static const char *const state_files[] = { "ops.state", "changes.state", SIGN_KEY_FILE };

/* May NAME appear in an archive? store/vNNNNNN.conf|meta, store/running, the state files. */
static bool name_ok(const char *n)
{
	size_t i;

	for (i = 0; i < sizeof(state_files) / sizeof(state_files[0]); i++) {
		if (!strcmp(n, state_files[i]))
			return true;
	}
	return !strncmp(n, "store/", 6) && store_name_ok(n + 6);
}

static char *slurp(const char *path, size_t *len)
{
	struct stat st;
	char *buf = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	ssize_t n = 0, k;

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size < BACKUP_MAX &&
	    (buf = malloc((size_t)st.st_size + 1))) {
		while (n < st.st_size && (k = pread(fd, buf + n, (size_t)(st.st_size - n), n)) > 0)
			n += k;
		if (n != st.st_size) {
			free(buf);
			buf = NULL;
		}
	}
	close(fd);
	*len = (size_t)n;
	return buf;
}

static void add_file(FILE *a, const char *dir, const char *name)
{
	char path[4300], hex[SHA256_HEX_SIZE];
	uint8_t dg[SHA256_DIGEST_SIZE];
	size_t len;
	char *buf;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	buf = slurp(path, &len);
	if (!buf)
		return;
	sha256_buf(buf, len, dg);
	sha256_hex(dg, hex);
	fprintf(a, "file %s %zu %s\n", name, len, hex);
	fwrite(buf, 1, len, a);
	fputc('\n', a);
	free(buf);
}

/* The archive's body: header and files (the end line is the caller's). */
static void build(struct daemon *d, const char *actor, FILE *a)
{
	char when[AUDIT_TIME_LEN + 1] = "?", name[64];
	struct dirent *e;
	size_t i;
	DIR *dir;

	(void)audit_time_format((int64_t)time(NULL), when);
	fprintf(a, "sanso-backup 1\ncreated %s by %s; generation %u; running version %u sha256 %s\n",
		when, actor, d->generation, d->running, d->running_sha);
	for (i = 0; i < sizeof(state_files) / sizeof(state_files[0]); i++)
		add_file(a, d->o.state_dir, state_files[i]);
	snprintf(name, sizeof(name), "%s/store", d->o.state_dir);
	dir = opendir(name);
	while (dir && (e = readdir(dir))) {
		snprintf(name, sizeof(name), "store/%.40s", e->d_name);
		if (name_ok(name))
			add_file(a, d->o.state_dir, name);
	}
	if (dir)
		closedir(dir);
}

int backup_h_create(struct daemon *d, const struct ctl_peer *peer,
		    const struct ctl_req *q __attribute__((unused)), FILE *out)
{
	char *doc = NULL, hex[SHA256_HEX_SIZE], n[16];
	uint8_t dg[SHA256_DIGEST_SIZE];
	size_t len = 0;
	FILE *a;
	int r;

	if (!d->o.state_dir || !d->store_on) {
		REPLY(d, out, "refused: a backup needs sansod --state-dir (the configuration store)\n",
		      "拒否: バックアップには sansod --state-dir (構成の保管庫) が必要です\n");
		return CTL_ERR_FAILED;
	}
	a = open_memstream(&doc, &len);
	if (!a)
		return CTL_ERR_FAILED;
	build(d, peer->name, a);
	fflush(a);
	sha256_buf(doc, len, dg);
	sha256_hex(dg, hex);
	fprintf(a, "end %s\n", hex);
	if (fclose(a) || len > BACKUP_MAX) {
		free(doc);
		REPLY(d, out, "refused: the backup is larger than %ld MiB\n",
		      "拒否: バックアップが %ld MiB を超えます\n", BACKUP_MAX >> 20);
		return CTL_ERR_FAILED;
	}
	snprintf(n, sizeof(n), "%u", d->running);
	if (trail_audit(d, peer->name, AUDIT_EV_BACKUP_CREATE, "running", n, "sha256", hex,
			NULL) < 0) {
		free(doc);
		REPLY(d, out, "refused: the audit trail cannot be written\n",
		      "拒否: 監査証跡に書き込めません\n");
		return CTL_ERR_FAILED;
	}
	r = sign_doc(d->o.state_dir, doc, len, out);
	if (r == -ENOENT)		/* no key: unsigned, still checked file by file */
		fwrite(doc, 1, len, out);
	free(doc);
	return r < 0 && r != -ENOENT ? CTL_ERR_FAILED : CTL_OK;
}

struct archive {
	const char *running_text;	/* store/vN.conf of the running version */
	size_t running_len;
	const char *key;		/* signing.key, or NULL */
	size_t key_len;
	const char *ops;		/* ops.state, or NULL */
	size_t ops_len;
	unsigned versions;		/* store/vN.meta records */
	struct store *import;		/* when set: every store/ file written into it */
	int import_err;
	char created[160];
};

/* One "file NAME LEN SHA" record at *p: checked, and kept if it is one we restore. */
static int record(const char **p, const char *end, unsigned run, struct archive *ar)
{
	char name[64], hex[SHA256_HEX_SIZE], got[SHA256_HEX_SIZE], want[32];
	uint8_t dg[SHA256_DIGEST_SIZE];
	const char *nl = memchr(*p, '\n', (size_t)(end - *p)), *body;
	size_t len;
	int used = 0;

	if (!nl || sscanf(*p, "file %63s %zu %64[0-9a-f]%n", name, &len, hex, &used) != 3 ||
	    *p + used != nl || !name_ok(name) || len > (size_t)(end - nl - 1) ||
	    nl[1 + len] != '\n')
		return -EBADMSG;
	body = nl + 1;
	sha256_buf(body, len, dg);
	sha256_hex(dg, got);
	if (strcmp(got, hex))
		return -EBADMSG;
	snprintf(want, sizeof(want), "store/v%06u.conf", run);
	if (!strcmp(name, want)) {
		ar->running_text = body;
		ar->running_len = len;
	} else if (!strcmp(name, SIGN_KEY_FILE)) {
		ar->key = body;
		ar->key_len = len;
	} else if (!strcmp(name, "ops.state")) {
		ar->ops = body;
		ar->ops_len = len;
	}
	if (!strncmp(name, "store/v", 7) && strstr(name, ".meta"))
		ar->versions++;
	if (ar->import && !strncmp(name, "store/", 6) && !ar->import_err)
		ar->import_err = store_import(ar->import, name + 6, body, len);
	*p = body + len + 1;
	return 0;
}

/* The archive (signature block, if any, cut off by the caller): every record checked. */
static int parse(const char *a, size_t len, struct archive *ar)
{
	char hex[SHA256_HEX_SIZE], got[SHA256_HEX_SIZE], sha[65];
	uint8_t dg[SHA256_DIGEST_SIZE];
	const char *p = a, *end = a + len, *nl, *rv;
	struct store *import = ar->import;
	unsigned run = 0;
	int r = 0;

	memset(ar, 0, sizeof(*ar));
	ar->import = import;
	if (len < 16 || strncmp(a, "sanso-backup 1\n", 15))
		return -EBADMSG;
	p += 15;
	nl = memchr(p, '\n', (size_t)(end - p));
	rv = nl ? memmem(p, (size_t)(nl - p), "; running version ", 18) : NULL;
	if (strncmp(p, "created ", 8) || !rv ||
	    sscanf(rv, "; running version %u sha256 %64[0-9a-f]", &run, sha) != 2 || !run ||
	    (size_t)(nl - p) >= sizeof(ar->created))
		return -EBADMSG;
	snprintf(ar->created, sizeof(ar->created), "%.*s", (int)(nl - p), p);
	p = nl + 1;
	while (r == 0 && p < end && !strncmp(p, "file ", 5))
		r = record(&p, end, run, ar);
	if (r < 0 || end - p != 69 || strncmp(p, "end ", 4) || p[68] != '\n')
		return -EBADMSG;
	memcpy(hex, p + 4, 64);
	hex[64] = '\0';
	sha256_buf(a, (size_t)(p - a), dg);
	sha256_hex(dg, got);
	if (strcmp(hex, got) || !ar->running_text)
		return -EBADMSG;
	sha256_buf(ar->running_text, ar->running_len, dg);
	sha256_hex(dg, got);
	return strcmp(got, sha) ? -EBADMSG : 0;
}

/* The signing key of the archive, where this gateway has none (never over one). */
static const char *key_import(struct daemon *d, const struct archive *ar)
{
	char path[4300];
	int fd;

	if (!ar->key)
		return "none in the backup";
	snprintf(path, sizeof(path), "%s/%s", d->o.state_dir, SIGN_KEY_FILE);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0400);
	if (fd < 0)
		return errno == EEXIST ? "kept this gateway's own" : "could not be written";
	if (write(fd, ar->key, ar->key_len) != (ssize_t)ar->key_len || fsync(fd)) {
		close(fd);
		(void)unlink(path);
		return "could not be written";
	}
	close(fd);
	return "imported";
}

/* The archive's operational state, read like a peer's (the maintenance windows and the
 * policy path of the old gateway are not taken). NULL: none or no memory. */
static struct ops *archive_ops(const struct archive *ar)
{
	struct ops *o;
	FILE *f;

	if (!ar->ops || !(o = calloc(1, sizeof(*o))))
		return NULL;
	f = fmemopen((void *)ar->ops, ar->ops_len, "r");
	if (!f) {
		free(o);
		return NULL;
	}
	(void)state_read(o, f, "backup ops.state");
	fclose(f);
	o->n_mw = 0;
	o->policy[0] = '\0';
	return o;
}

/* What the approval takes besides the running version, counted for the reply. */
struct taken {
	int exceptions, in_force, isolations, revocations, proposals;
};

static bool name_in(char (*v)[POLICY_NAME_MAX], int n, const char *name)
{
	int i;

	for (i = 0; i < n; i++) {
		if (!strcmp(v[i], name))
			return true;
	}
	return false;
}

static bool ledger_has(const struct ops *o, const char *id)
{
	int i;

	for (i = 0; i < o->n_ledger; i++) {
		if (!strcmp(o->ledger[i].id, id))
			return true;
	}
	return false;
}

/* Merge from into to: exceptions (every one ever granted, not the proposals: those were
 * another gateway's open requests), isolations and revocations not there yet. */
static void ops_merge(struct ops *to, const struct ops *from, int64_t now, struct taken *t)
{
	int64_t exp;
	int i;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < from->n_ledger; i++) {
		const struct ledger_entry *l = &from->ledger[i];

		if (l->proposed) {
			t->proposals++;
			continue;
		}
		if (ledger_has(to, l->id) || to->n_ledger >= LEDGER_MAX)
			continue;
		to->ledger[to->n_ledger++] = *l;
		t->exceptions++;
		t->in_force += !l->revoked && policy_time_parse(l->expires, &exp) == 0 && exp > now;
	}
	for (i = 0; i < from->n_isolate && to->n_isolate < OPS_MAX; i++) {
		if (!name_in(to->isolate, to->n_isolate, from->isolate[i])) {
			snprintf(to->isolate[to->n_isolate++], POLICY_NAME_MAX, "%s", from->isolate[i]);
			t->isolations++;
		}
	}
	for (i = 0; i < from->n_revoke && to->n_revoke < OPS_MAX; i++) {
		if (!name_in(to->revoke, to->n_revoke, from->revoke[i])) {
			snprintf(to->revoke[to->n_revoke++], POLICY_NAME_MAX, "%s", from->revoke[i]);
			t->revocations++;
		}
	}
}

static void pending_path(const struct daemon *d, char *buf, size_t size)
{
	snprintf(buf, size, "%s/" RESTORE_PENDING, d->o.state_dir);
}

/* The checked archive kept until its proposal is approved: "restore ID\n" and the archive. */
static int pending_save(const struct daemon *d, const char *id, const char *buf, size_t len)
{
	char path[4300], head[64];

	snprintf(head, sizeof(head), "restore %s\n", id);
	return state_write_file(d, RESTORE_PENDING, head, buf, len, path, sizeof(path));
}

/* The pending archive of proposal id: *buf (the caller frees it) and its length, or NULL. */
static char *pending_load(const struct daemon *d, const char *id, size_t *len)
{
	char path[4300], head[64];
	size_t all, hl;
	char *buf;

	pending_path(d, path, sizeof(path));
	buf = slurp(path, &all);
	if (!buf)
		return NULL;
	hl = (size_t)snprintf(head, sizeof(head), "restore %s\n", id);
	if (all < hl || memcmp(buf, head, hl)) {
		free(buf);
		return NULL;
	}
	memmove(buf, buf + hl, all - hl);
	*len = all - hl;
	buf[*len] = '\0';
	return buf;
}

/* The archive without its signature block, checked: 0 or -EBADMSG. */
static int archive_check(char *buf, size_t n, struct archive *ar)
{
	const char *blk = strstr(buf, "\n" SIGN_BEGIN);

	return parse(buf, blk ? (size_t)(blk - buf) + 1 : n, ar);
}

static void restore_announce(struct daemon *d, const struct archive *ar, FILE *out)
{
	struct ops *o = archive_ops(ar);
	int i, active = 0, granted = 0;
	int64_t exp, now = (int64_t)time(NULL);

	for (i = 0; o && i < o->n_ledger; i++) {
		if (o->ledger[i].proposed)
			continue;
		granted++;
		active += !o->ledger[i].revoked &&
			  policy_time_parse(o->ledger[i].expires, &exp) == 0 && exp > now;
	}
	REPLY(d, out, "when it is approved, this gateway also takes the backup's history (%u "
	      "versions), its exception register (%d exceptions, %d in force) and its "
	      "containment (%d isolations, %d revocations)%s\n",
	      "承認されると、バックアップの履歴 (%u 版)、例外措置の台帳 (%d 件、うち有効 %d 件)、"
	      "遮断 (%d 件) と停止 (%d 件)%s もこのゲートウェイに引き継ぎます\n", ar->versions,
	      granted, active, o ? o->n_isolate : 0, o ? o->n_revoke : 0, !ar->key ? "" :
	      d->reply_ja ? "、署名鍵 (ない場合だけ)" : ", and its signing key where there is none");
	free(o);
}

int backup_h_restore(struct daemon *d, const struct ctl_peer *peer, const struct ctl_req *q,
		     FILE *out)
{
	struct archive ar = { 0 };
	char reason[256], id[CHANGE_ID_SIZE], *buf = NULL;
	struct stat st;
	ssize_t n = 0, k;
	int r = -EBADMSG;

	if (!d->o.state_dir || !d->store_on || q->fd < 0 || fstat(q->fd, &st) < 0 ||
	    !S_ISREG(st.st_mode) || st.st_size > BACKUP_MAX) {
		REPLY(d, out, "refused: restore needs sansod --state-dir and the backup file itself "
		      "(sansoctl restore FILE), a regular file of at most %ld MiB\n",
		      "拒否: 復元には sansod --state-dir と、バックアップファイルそのもの (sansoctl "
		      "restore FILE、%ld MiB 以下の通常ファイル) が必要です\n", BACKUP_MAX >> 20);
		return CTL_ERR_FAILED;
	}
	buf = malloc((size_t)st.st_size + 1);
	while (buf && n < st.st_size && (k = pread(q->fd, buf + n, (size_t)(st.st_size - n), n)) > 0)
		n += k;
	if (buf && n == st.st_size) {
		buf[n] = '\0';
		r = archive_check(buf, (size_t)n, &ar);
	}
	if (r < 0) {
		free(buf);
		REPLY(d, out, "refused: not a sanso backup, or changed since it was made (a length or "
		      "SHA-256 does not match)\n", "拒否: sanso のバックアップではないか、作成後に"
		      "変更されています (長さか SHA-256 が一致しません)\n");
		return CTL_ERR_FAILED;
	}
	snprintf(reason, sizeof(reason), "restore of the backup %.200s", ar.created);
	r = change_propose_text(d, peer, ar.running_text, ar.running_len, reason, id, out);
	if (r == 0)
		r = pending_save(d, id, buf, (size_t)n);
	if (r == 0) {
		(void)trail_audit(d, peer->name, AUDIT_EV_BACKUP_RESTORE, "backup", ar.created,
				  "id", id, NULL);
		restore_announce(d, &ar, out);
	}
	free(buf);
	if (r < 0) {
		REPLY(d, out, "refused: the backup's running version cannot be proposed: %s\n",
		      "拒否: バックアップの実施中の版を申請できません: %s\n", r == -EINVAL ?
		      (d->reply_ja ? "このゲートウェイではポリシーが正しくありません (上記参照)" :
		      "the policy is not valid here (see above)") : strerror(-r));
		return CTL_ERR_FAILED;
	}
	return CTL_OK;
}

/* The history into STATE_DIR/store/restored (replacing an earlier one), the ledger and the
 * containment merged and applied. 0, or -errno with nothing of the ops changed. */
static int restore_take(struct daemon *d, char *buf, size_t len, struct taken *t,
			struct archive *ar)
{
	struct store hist;
	struct ops *from, *was;
	char dir[4300];
	int r;

	snprintf(dir, sizeof(dir), "%s/store/restored", d->o.state_dir);
	r = store_open_dir(&hist, dir);
	if (r < 0)
		return r;
	store_clear(&hist);
	ar->import = &hist;
	r = archive_check(buf, len, ar);
	if (r == 0 && ar->import_err)
		r = ar->import_err;
	if (r < 0)
		return r;
	from = archive_ops(ar);
	was = malloc(sizeof(*was));
	if (!was || (ar->ops && !from)) {
		free(from);
		free(was);
		return -ENOMEM;
	}
	*was = d->ops;
	if (from)
		ops_merge(&d->ops, from, (int64_t)time(NULL), t);
	free(from);
	if ((t->exceptions || t->isolations || t->revocations) && gen_apply_ops(d) != 0) {
		d->ops = *was;
		r = -EINVAL;
	}
	free(was);
	if (r == 0)
		state_save(d);
	return r;
}

int backup_restore_approved(struct daemon *d, const struct ctl_peer *peer, const char *id,
			    FILE *out)
{
	struct archive ar = { 0 };
	struct taken t = { 0 };
	char path[4300], nv[16], ne[16], ni[16], nr[16];
	const char *key = "not imported";
	size_t len = 0;
	char *buf;
	int r;

	if (!d->o.state_dir || !id || !(buf = pending_load(d, id, &len)))
		return 0;
	r = restore_take(d, buf, len, &t, &ar);
	if (r == 0)
		key = key_import(d, &ar);
	free(buf);
	pending_path(d, path, sizeof(path));
	(void)unlink(path);
	snprintf(nv, sizeof(nv), "%u", ar.versions);
	snprintf(ne, sizeof(ne), "%d", t.exceptions);
	snprintf(ni, sizeof(ni), "%d", t.isolations);
	snprintf(nr, sizeof(nr), "%d", t.revocations);
	(void)trail_audit(d, peer->name, AUDIT_EV_BACKUP_IMPORT, "id", id, "backup", ar.created,
			  "history_versions", r == 0 ? nv : "0", "exceptions", r == 0 ? ne : "0",
			  "isolations", r == 0 ? ni : "0", "revocations", r == 0 ? nr : "0",
			  "signing_key", key, "result", r == 0 ? "taken" : strerror(-r), NULL);
	if (r < 0) {
		REPLY(d, out, "WARNING: the backup's history, exceptions and containment were not "
		      "taken (%s); the restored version is in force\n", "警告: バックアップの履歴、"
		      "例外措置、遮断は引き継げませんでした (%s)。復元した版は実施中です\n",
		      r == -EINVAL ? "they do not build against the restored version" : strerror(-r));
		return r;
	}
	REPLY(d, out, "taken from the backup: history (%u versions: sansoctl history), %d "
	      "exceptions (%d in force: sansoctl exception list), %d isolations, %d revocations; "
	      "signing key: %s\n", "バックアップから引き継ぎました: 履歴 %u 版 (sansoctl "
	      "history)、例外措置 %d 件 (うち有効 %d 件: sansoctl exception list)、遮断 %d 件、"
	      "停止 %d 件。署名鍵: %s\n", ar.versions, t.exceptions, t.in_force, t.isolations,
	      t.revocations, key);
	return 0;
}
