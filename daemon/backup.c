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
	if (!strcmp(n, "store/running"))
		return true;
	if (strlen(n) != strlen("store/v000000.conf") || strncmp(n, "store/v", 7))
		return false;
	for (i = 7; i < 13; i++) {
		if (n[i] < '0' || n[i] > '9')
			return false;
	}
	return !strcmp(n + 13, ".conf") || !strcmp(n + 13, ".meta");
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
		fprintf(out, "refused: a backup needs sansod --state-dir (the configuration store)\n");
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
		fprintf(out, "refused: the backup is larger than %ld MiB\n", BACKUP_MAX >> 20);
		return CTL_ERR_FAILED;
	}
	snprintf(n, sizeof(n), "%u", d->running);
	if (trail_audit(d, peer->name, AUDIT_EV_BACKUP_CREATE, "running", n, "sha256", hex,
			NULL) < 0) {
		free(doc);
		fprintf(out, "refused: the audit trail cannot be written\n");
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
	}
	*p = body + len + 1;
	return 0;
}

/* The archive (signature block, if any, cut off by the caller): every record checked. */
static int parse(const char *a, size_t len, struct archive *ar)
{
	char hex[SHA256_HEX_SIZE], got[SHA256_HEX_SIZE], sha[65];
	uint8_t dg[SHA256_DIGEST_SIZE];
	const char *p = a, *end = a + len, *nl, *rv;
	unsigned run = 0;
	int r = 0;

	memset(ar, 0, sizeof(*ar));
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

int backup_h_restore(struct daemon *d, const struct ctl_peer *peer, const struct ctl_req *q,
		     FILE *out)
{
	struct archive ar;
	char reason[256], *buf = NULL;
	struct stat st;
	const char *key, *blk;
	ssize_t n = 0, k;
	size_t len = 0;
	int r = -EBADMSG;

	if (!d->o.state_dir || !d->store_on || q->fd < 0 || fstat(q->fd, &st) < 0 ||
	    !S_ISREG(st.st_mode) || st.st_size > BACKUP_MAX) {
		fprintf(out, "refused: restore needs sansod --state-dir and the backup file itself "
			"(sansoctl restore FILE), a regular file of at most %ld MiB\n", BACKUP_MAX >> 20);
		return CTL_ERR_FAILED;
	}
	buf = malloc((size_t)st.st_size + 1);
	while (buf && n < st.st_size && (k = pread(q->fd, buf + n, (size_t)(st.st_size - n), n)) > 0)
		n += k;
	if (buf && n == st.st_size) {
		buf[n] = '\0';
		blk = strstr(buf, "\n" SIGN_BEGIN);
		len = blk ? (size_t)(blk - buf) + 1 : (size_t)n;
		r = parse(buf, len, &ar);
	}
	if (r < 0) {
		free(buf);
		fprintf(out, "refused: not a sanso backup, or changed since it was made (a length or "
			"SHA-256 does not match)\n");
		return CTL_ERR_FAILED;
	}
	snprintf(reason, sizeof(reason), "restore of the backup %.200s", ar.created);
	r = change_propose_text(d, peer, ar.running_text, ar.running_len, reason, out);
	key = r == 0 ? key_import(d, &ar) : "not imported";
	if (r == 0)
		(void)trail_audit(d, peer->name, AUDIT_EV_BACKUP_RESTORE, "backup", ar.created,
				   "signing_key", key, NULL);
	free(buf);
	if (r < 0) {
		fprintf(out, "refused: the backup's running version cannot be proposed: %s\n",
			r == -EINVAL ? "the policy is not valid here (see above)" : strerror(-r));
		return CTL_ERR_FAILED;
	}
	fprintf(out, "signing key: %s\n", key);
	return CTL_OK;
}
