/* SPDX-License-Identifier: GPL-2.0-only */
/* store.h: the configuration store (R66, R67): every version of the policy that was ever
 * enforced, in STATE_DIR/store/, one pair of files per version:
 *     v000001.conf   the flattened text (conftext.h), byte for byte what was applied
 *     v000001.meta   "key<TAB>value" lines: version, parent, kind, sha256 (of the .conf),
 *                    by, by_uid, approved_by, approved_uid, at, reason, rollback_of, reverted
 * and "running" (the version in force and its SHA-256). Every file is written atomically
 * (a temporary file, fsync, rename, fsync of the directory). A text whose SHA-256 is not the
 * one its meta and the running file record is refused (-EBADMSG), never returned. Retention
 * (store_prune) keeps at least keep_versions versions and every version younger than
 * keep_days, and never the running version nor its parent. Pure: files only, no logging. */
#ifndef SANSO_STORE_H
#define SANSO_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum store_kind {
	STORE_ADOPTED = 0,		/* the file as found (first start; single mode) */
	STORE_APPROVED,			/* proposed by one person, approved by another */
	STORE_EMERGENCY,		/* applied by one person, not ratified yet */
	STORE_RATIFIED,			/* an emergency change another person ratified */
	STORE_ROLLBACK,			/* the text of an earlier version, approved again */
	STORE_KIND_MAX
};

#define STORE_NAME_MAX	64
#define STORE_REASON_MAX 256

struct store_ver {
	unsigned version, parent;	/* parent 0: none */
	enum store_kind kind;
	char sha256[65];		/* of the text */
	char by[STORE_NAME_MAX], approved_by[STORE_NAME_MAX];	/* user names from the system */
	uid_t by_uid, approved_uid;	/* approved_uid (uid_t)-1: none */
	int64_t at;			/* seconds since the epoch: when it was enforced */
	char reason[STORE_REASON_MAX];
	unsigned rollback_of;		/* kind rollback: the version whose text it is */
	bool reverted;			/* not confirmed in time (approve --confirm-within) */
};

struct store {
	char dir[4096];			/* STATE_DIR/store */
	unsigned last;			/* highest version stored, 0: empty */
};

const char *store_kind_name(enum store_kind k);

/* Create STATE_DIR/store if needed and find the last version. 0 or -errno. */
int store_open(struct store *s, const char *state_dir);
/* The same for a store in DIR (STATE_DIR/store/restored: the history a backup brought). */
int store_open_dir(struct store *s, const char *dir);
/* Is NAME a file of a store (vNNNNNN.conf, vNNNNNN.meta, running)? */
bool store_name_ok(const char *name);
/* Write the file NAME of another store byte for byte (a restored history; store_text still
 * checks every text against its meta). 0, -EINVAL (not a store file's name) or -errno. */
int store_import(struct store *s, const char *name, const void *buf, size_t len);
/* Remove every version and the running file (a restored history replaced by a newer one). */
void store_clear(struct store *s);
/* Store text as version s->last + 1; v->version is set, v->sha256 computed. 0 or -errno. */
int store_put(struct store *s, const char *text, size_t len, struct store_ver *v);
/* Rewrite the meta of v->version (ratified, reverted); the text is not touched. */
int store_update(const struct store *s, const struct store_ver *v);
/* The meta of version n: 0, -ENOENT (none, or pruned), -EBADMSG (not readable). */
int store_get(const struct store *s, unsigned n, struct store_ver *v);
/* The path of version n's text into buf. */
void store_path(const struct store *s, unsigned n, char *buf, size_t size);
/* The text of version n, checked against its meta: 0, -ENOENT, or -EBADMSG (the text is
 * not what was stored: edited or corrupted). *text is the caller's to free. */
int store_text(const struct store *s, unsigned n, char **text, size_t *len,
	       struct store_ver *v);
/* The running version: 0 (*n 0: none yet), -EBADMSG (the file is not readable). */
int store_running(const struct store *s, unsigned *n, char sha[65]);
int store_set_running(const struct store *s, unsigned n, const char *sha);
/* Remove versions older than keep_days and beyond the newest keep_versions (both must
 * hold), never the running one nor its parent. Returns the number removed. */
int store_prune(struct store *s, int keep_versions, int keep_days, int64_t now,
		unsigned running);

#endif
