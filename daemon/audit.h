/* SPDX-License-Identifier: GPL-2.0-only */
/* audit.h: the tamper-evident audit trail (R63, R65, R87): append-only JSON lines, each with a
 * sequence number, a JST time, actor, event, the SHA-256 of the previous line and its own hash.
 * Formatting, parsing and verification are pure; audit_open/append/close, audit_verify(_fd)
 * and the anchor file do file I/O (open, read, write, fdatasync, flock, rename). No logging,
 * no sockets. Returns 0 (or a length) on success, -errno on failure. Not thread-safe. */
#ifndef SANSO_AUDIT_H
#define SANSO_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sha256.h"

/*
 * Canonical form (version 1). Every record is exactly one line:
 *
 *   {"seq":N,"time":"T","actor":"A","event":"E","prev":"P"F,"hash":"H"}\n
 *
 *   N  decimal, no leading zero; 1 for the first record of a trail, then +1 per record.
 *   T  "YYYY-MM-DDTHH:MM:SS+09:00": the record's Unix time shown in JST (computed
 *      arithmetically: no TZ, no localtime), years 1970..9999.
 *   A  who: a JSON string (escaped as below), 1..AUDIT_ACTOR_MAX bytes before escaping,
 *      e.g. "uid=1000(tanaka) pid=4242" or "sansod".
 *   E  what: [a-z][a-z0-9_.-]*, at most AUDIT_EVENT_MAX bytes (AUDIT_EV_* below).
 *   P  64 lower-case hex digits: SHA-256 of the previous line's bytes, from its '{' up to and
 *      including its '\n'; 64 zeros for seq 1.
 *   F  zero or more members ,"key":value in the order they were added: key is
 *      [a-z][a-z0-9_]*, at most AUDIT_KEY_MAX bytes, unique, none of seq time actor event prev
 *      hash; value is a JSON string, a decimal int64 (no leading zeros, no "-0"), true or false.
 *   H  64 lower-case hex digits: SHA-256 of the line's bytes before ,"hash":" (from '{' up to
 *      and including the last byte of F, or of P's closing quote when F is empty).
 *
 * A line, '\n' included, is at most AUDIT_LINE_MAX bytes; the 76-byte tail ,"hash":"H"}\n is
 * fixed. Strings are escaped exactly one way: \" \\ \n \r \t; other bytes below 0x20 and 0x7f
 * as \u00XX (lower-case hex); every byte that is not part of valid UTF-8 (overlong forms,
 * surrogates, above U+10FFFF, stray continuation bytes) as \ufffd; everything else (valid
 * UTF-8, e.g. Japanese) raw. The verifier accepts nothing else, so a line verifies only if
 * this writer could have produced it byte for byte.
 *
 * What the chain proves. There is no secret: whoever can write the file can rewrite a whole
 * suffix of it consistently. A record that is edited, removed, inserted, duplicated or moved
 * is detected as long as some later record, or the anchor, was not rewritten with it. Removing
 * the last N whole lines leaves a consistent shorter trail: only an anchor kept elsewhere (the
 * state dir, a remote collector, a dump) detects it. A torn last line (no '\n') is detected.
 *
 * Write-ahead. Append the record before acting, and refuse the action if audit_append() fails;
 * append an outcome record after. The trail may thus over-report (a record of an action that
 * was then refused), never under-report.
 */

#define AUDIT_LINE_MAX		8192	/* bytes per line, '\n' included */
#define AUDIT_ACTOR_MAX		256	/* actor bytes before escaping */
#define AUDIT_EVENT_MAX		64
#define AUDIT_KEY_MAX		32
#define AUDIT_FIELDS_MAX	64	/* members in F */
#define AUDIT_TIME_LEN		25	/* "2026-11-22T10:01:02+09:00" */
#define AUDIT_TIME_MAX		INT64_C(253402268399)	/* 9999-12-31T23:59:59+09:00 */
#define AUDIT_TAIL_LEN		76	/* ,"hash":"<64 hex>"}\n */

/*
 * The registry of the daemon's events: every event sansod writes is a row here, and nowhere
 * else is its name spelled (make check-audit-events: every row is used in the daemon, and no
 * call passes a literal event). X(ID, name, keys): AUDIT_EV_<ID> names it in calls; keys are
 * the members it carries, space separated ("[key]": only sometimes). The writer below accepts
 * any name in the charset above (tests, other tools); the daemon only these.
 */
#define AUDIT_EVENTS(X) \
	X(START,		"audit.start",		"policy")			\
	X(CONFIG_APPLY,		"config.apply",		"policy sha256 includes")	\
	X(CONFIG_RESULT,	"config.result",	"policy result")		\
	X(CONFIG_REFUSED,	"config.refused",	"policy reason [sha256]")	\
	X(CONFIG_RELOAD,	"config.reload",	"")				\
	X(EXCEPTION_ADD,	"exception.add",	"id from to proto ports reason "\
							"requested_by approved_by expires") \
	X(EXCEPTION_DEL,	"exception.del",	"id [state]")			\
	X(EXCEPTION_EXP,	"exception.expire",	"id expires from to")		\
	X(EXCEPTION_PROPOSE,	"exception.propose",	"id from to proto ports reason "\
							"requested_by expires")		\
	X(EXCEPTION_APPROVE,	"exception.approve",	"id proposed_by expires")	\
	X(ISOLATE,		"isolation.on",		"target reason")		\
	X(ISOLATE_LIFT,		"isolation.off",	"target reason")		\
	X(ISOLATE_UNRESOLVED,	"isolation.unresolved",	"target policy")		\
	X(REVOKE,		"revocation.add",	"target reason")		\
	X(REVOKE_LIFT,		"revocation.del",	"target reason")		\
	X(DRIFT,		"drift.detected",	"policy detail")		\
	X(TABLE_RESTORE,	"table.restored",	"process pid generation window_ms result") \
	X(RULESET_CHANGED,	"ruleset.changed",	"process pid sanso_table")	\
	X(CTL_REFUSED,		"ctl.refused",		"request roles")		\
	X(FIB,			"fib.disagrees",	"policy findings detail")	\
	X(FIB_OK,		"fib.agrees",		"policy")			\
	X(CHANGE_PROPOSE,	"change.propose",	"id file sha256 includes reason roles [parent]") \
	X(CHANGE_EMERGENCY,	"change.emergency",	"id file sha256 includes reason roles [parent]") \
	X(CHANGE_REFUSED,	"change.refused",	"id why")			\
	X(CHANGE_APPROVE,	"change.approve",	"id proposed_by sha256 [version] [confirm_within]")	\
	X(CHANGE_RATIFY,	"change.ratify",	"id proposed_by sha256")	\
	X(HA_SYNC_REFUSED,	"ha.sync.refused",	"from why count")		\
	X(HA_SYNC_APPLY,	"ha.sync.apply",	"")				\
	X(HA_VERSION,		"ha.version",		"version peer_version sha256 kind by " \
						"approved_by")			\
	X(PROVE,		"prove.result",		"generation result detail")	\
	X(EVIDENCE_KEYGEN,	"evidence.keygen",	"key")				\
	X(EVIDENCE_DUMP,	"evidence.dump",	"key generation dump_sha256")	\
	X(CHECKPOINT,		"audit.checkpoint",	"key signed_seq signed_hash signature")	\
	X(CTL_READ,		"ctl.read",		"count minute requests roles")	\
	X(CTL_REFUSED_MORE,	"ctl.refused.repeated",	"count minute requests roles")	\
	X(CONFIG_ADOPT,		"config.adopt",		"version sha256 file")		\
	X(CONFIG_PENDING,	"config.pending",	"file sha256 running")		\
	X(CONFIG_SINGLE,	"config.single",	"version")			\
	X(STORE_CORRUPT,	"store.corrupt",	"version why")			\
	X(STORE_FAILED,		"store.failed",		"why")				\
	X(CHANGE_ROLLBACK,	"change.rollback",	"id version sha256 reason")	\
	X(CHANGE_CONFIRM,	"change.confirm",	"version")			\
	X(CHANGE_REVERT,	"change.revert",	"version to why")		\
	X(CHANGE_UNRATIFIED,	"change.unratified",	"id version by")		\
	X(BACKUP_CREATE,	"backup.create",	"running sha256")		\
	X(BACKUP_RESTORE,	"backup.restore",	"backup id")			\
	X(BACKUP_IMPORT,	"backup.import",	"id backup history_versions exceptions " \
						"isolations revocations signing_key result") \
	X(MAINT_OPEN,		"maintenance.open",	"id vendor from to proto ports until reason") \
	X(MAINT_APPROVE,	"maintenance.approve",	"id opened_by vendor from to proto ports until") \
	X(MAINT_REFUSED,	"maintenance.refused",	"id why")			\
	X(MAINT_CLOSE,		"maintenance.close",	"id was reason kernel_packets "\
							"kernel_bytes")			\
	X(MAINT_EXPIRE,		"maintenance.expire",	"id until was sessions bytes "	\
							"kernel_packets kernel_bytes")	\
	X(MAINT_TAMPERED,	"maintenance.tampered",	"id until")			\
	X(MAINT_SESSION_START,	"maintenance.session.start", "id vendor src dst proto sport dport") \
	X(MAINT_SESSION_END,	"maintenance.session.end", "id vendor src dst proto sport dport "\
							"bytes packets")		\
	X(MAINT_SUPPRESSED,	"maintenance.session.suppressed", "id count")		\
	X(MAINT_LOST,		"maintenance.events.lost", "overflows")

#define AUDIT_EV_ENUM_(id, name, keys)	AUDIT_E_##id,
enum audit_ev {
	AUDIT_EVENTS(AUDIT_EV_ENUM_)
	AUDIT_E_MAX
};
#undef AUDIT_EV_ENUM_

struct audit_event {
	const char *name;
	const char *keys;
};

extern const struct audit_event audit_events[AUDIT_E_MAX];

/* The name of a registered event (a string constant), for the callers' const char *event. */
#define AUDIT_EV(id)		(audit_events[AUDIT_E_##id].name)
#define AUDIT_EV_START		AUDIT_EV(START)
#define AUDIT_EV_CONFIG_APPLY	AUDIT_EV(CONFIG_APPLY)
#define AUDIT_EV_CONFIG_RESULT	AUDIT_EV(CONFIG_RESULT)
#define AUDIT_EV_CONFIG_REFUSED	AUDIT_EV(CONFIG_REFUSED)
#define AUDIT_EV_CONFIG_RELOAD	AUDIT_EV(CONFIG_RELOAD)
#define AUDIT_EV_EXCEPTION_ADD	AUDIT_EV(EXCEPTION_ADD)
#define AUDIT_EV_EXCEPTION_DEL	AUDIT_EV(EXCEPTION_DEL)
#define AUDIT_EV_EXCEPTION_EXP	AUDIT_EV(EXCEPTION_EXP)
#define AUDIT_EV_EXCEPTION_PROPOSE AUDIT_EV(EXCEPTION_PROPOSE)
#define AUDIT_EV_EXCEPTION_APPROVE AUDIT_EV(EXCEPTION_APPROVE)
#define AUDIT_EV_PROVE		AUDIT_EV(PROVE)
#define AUDIT_EV_EVIDENCE_KEYGEN AUDIT_EV(EVIDENCE_KEYGEN)
#define AUDIT_EV_EVIDENCE_DUMP	AUDIT_EV(EVIDENCE_DUMP)
#define AUDIT_EV_CHECKPOINT	AUDIT_EV(CHECKPOINT)
#define AUDIT_EV_ISOLATE	AUDIT_EV(ISOLATE)
#define AUDIT_EV_ISOLATE_LIFT	AUDIT_EV(ISOLATE_LIFT)
#define AUDIT_EV_ISOLATE_UNRESOLVED AUDIT_EV(ISOLATE_UNRESOLVED)
#define AUDIT_EV_REVOKE		AUDIT_EV(REVOKE)
#define AUDIT_EV_REVOKE_LIFT	AUDIT_EV(REVOKE_LIFT)
#define AUDIT_EV_DRIFT		AUDIT_EV(DRIFT)
#define AUDIT_EV_TABLE_RESTORE	AUDIT_EV(TABLE_RESTORE)
#define AUDIT_EV_RULESET_CHANGED AUDIT_EV(RULESET_CHANGED)
#define AUDIT_EV_CTL_REFUSED	AUDIT_EV(CTL_REFUSED)
#define AUDIT_EV_FIB		AUDIT_EV(FIB)
#define AUDIT_EV_FIB_OK		AUDIT_EV(FIB_OK)
#define AUDIT_EV_CHANGE_PROPOSE	AUDIT_EV(CHANGE_PROPOSE)
#define AUDIT_EV_CHANGE_EMERGENCY AUDIT_EV(CHANGE_EMERGENCY)
#define AUDIT_EV_CHANGE_REFUSED	AUDIT_EV(CHANGE_REFUSED)
#define AUDIT_EV_CHANGE_APPROVE	AUDIT_EV(CHANGE_APPROVE)
#define AUDIT_EV_CHANGE_RATIFY	AUDIT_EV(CHANGE_RATIFY)
#define AUDIT_EV_HA_SYNC_REFUSED AUDIT_EV(HA_SYNC_REFUSED)
#define AUDIT_EV_HA_SYNC_APPLY	AUDIT_EV(HA_SYNC_APPLY)
#define AUDIT_EV_HA_VERSION	AUDIT_EV(HA_VERSION)
#define AUDIT_EV_CTL_READ	AUDIT_EV(CTL_READ)
#define AUDIT_EV_CTL_REFUSED_MORE AUDIT_EV(CTL_REFUSED_MORE)
#define AUDIT_EV_CONFIG_ADOPT	AUDIT_EV(CONFIG_ADOPT)
#define AUDIT_EV_CONFIG_PENDING	AUDIT_EV(CONFIG_PENDING)
#define AUDIT_EV_CONFIG_SINGLE	AUDIT_EV(CONFIG_SINGLE)
#define AUDIT_EV_STORE_CORRUPT	AUDIT_EV(STORE_CORRUPT)
#define AUDIT_EV_STORE_FAILED	AUDIT_EV(STORE_FAILED)
#define AUDIT_EV_CHANGE_ROLLBACK AUDIT_EV(CHANGE_ROLLBACK)
#define AUDIT_EV_CHANGE_CONFIRM	AUDIT_EV(CHANGE_CONFIRM)
#define AUDIT_EV_CHANGE_REVERT	AUDIT_EV(CHANGE_REVERT)
#define AUDIT_EV_CHANGE_UNRATIFIED AUDIT_EV(CHANGE_UNRATIFIED)
#define AUDIT_EV_BACKUP_CREATE	AUDIT_EV(BACKUP_CREATE)
#define AUDIT_EV_BACKUP_RESTORE	AUDIT_EV(BACKUP_RESTORE)
#define AUDIT_EV_BACKUP_IMPORT	AUDIT_EV(BACKUP_IMPORT)
#define AUDIT_EV_MAINT_OPEN	AUDIT_EV(MAINT_OPEN)
#define AUDIT_EV_MAINT_APPROVE	AUDIT_EV(MAINT_APPROVE)
#define AUDIT_EV_MAINT_REFUSED	AUDIT_EV(MAINT_REFUSED)
#define AUDIT_EV_MAINT_CLOSE	AUDIT_EV(MAINT_CLOSE)
#define AUDIT_EV_MAINT_EXPIRE	AUDIT_EV(MAINT_EXPIRE)
#define AUDIT_EV_MAINT_TAMPERED	AUDIT_EV(MAINT_TAMPERED)
#define AUDIT_EV_MAINT_SESSION_START AUDIT_EV(MAINT_SESSION_START)
#define AUDIT_EV_MAINT_SESSION_END AUDIT_EV(MAINT_SESSION_END)
#define AUDIT_EV_MAINT_SUPPRESSED AUDIT_EV(MAINT_SUPPRESSED)
#define AUDIT_EV_MAINT_LOST	AUDIT_EV(MAINT_LOST)
/* The registered event called name, or -ENOENT. */
int audit_event_find(const char *name);

/* Members F of one record, built through this API so callers cannot break the JSON. Errors are
 * sticky: the first one is kept in err, later calls do nothing, and audit_append() and
 * audit_format_line() return it, so a caller may add fields unchecked and test once. */
struct audit_fields {
	char buf[AUDIT_LINE_MAX];	/* the members, canonical */
	size_t len;
	unsigned int n;
	uint16_t key_off[AUDIT_FIELDS_MAX];
	uint8_t key_len[AUDIT_FIELDS_MAX];
	int err;			/* 0 or the first -errno */
};

void audit_fields_init(struct audit_fields *f);
/* -EINVAL: bad, reserved or duplicate key, or more than AUDIT_FIELDS_MAX fields;
 * -EMSGSIZE: the members would not fit into a line. */
int audit_field_str(struct audit_fields *f, const char *key, const char *val);
int audit_field_strn(struct audit_fields *f, const char *key, const char *val, size_t len);
int audit_field_int(struct audit_fields *f, const char *key, int64_t val);
int audit_field_bool(struct audit_fields *f, const char *key, bool val);

/* Escape s[0..len) as the body of a JSON string (no quotes) into out, NUL-terminated. Returns
 * the length, or -EMSGSIZE if it does not fit in size. */
int audit_escape(const char *s, size_t len, char *out, size_t size);
/* Undo audit_escape() on a canonical string body (as found between the quotes of a verified
 * line): \ufffd becomes U+FFFD (EF BF BD). Returns the length written to out, NUL-terminated,
 * -EMSGSIZE if it does not fit, -EINVAL if body is not canonical. */
int audit_unescape(const char *body, size_t len, char *out, size_t size);

/* Format t as T. Returns AUDIT_TIME_LEN, or -ERANGE outside 0..AUDIT_TIME_MAX. */
int audit_time_format(int64_t t, char out[AUDIT_TIME_LEN + 1]);
/* Parse exactly AUDIT_TIME_LEN bytes of T (valid calendar date, +09:00 only). -EINVAL if not. */
int audit_time_parse(const char *s, size_t len, int64_t *ret);

/* Format one record (with its '\n') into buf. f may be NULL. Returns the line length,
 * -EINVAL (bad actor, event or time; or f->err), -EMSGSIZE (over AUDIT_LINE_MAX or size). */
int audit_format_line(char *buf, size_t size, uint64_t seq,
		      const uint8_t prev[SHA256_DIGEST_SIZE], int64_t t, const char *actor,
		      const char *event, const struct audit_fields *f);

/* One parsed record. Pointers borrow the parsed buffer; actor is the escaped body. */
struct audit_line {
	uint64_t seq;
	int64_t time;
	const char *actor;
	size_t actor_len;
	const char *event;
	size_t event_len;
	const char *fields;		/* the members F, each starting with ',' */
	size_t fields_len;
	size_t hashed_len;		/* bytes covered by hash */
	uint8_t prev[SHA256_DIGEST_SIZE];
	uint8_t hash[SHA256_DIGEST_SIZE];
};

/* Parse one line, len bytes without its '\n', and check its hash. Returns 0, or -EBADMSG if
 * it is not canonical, its time is invalid or its hash does not match. */
int audit_line_parse(const char *line, size_t len, struct audit_line *ret);

/* The state after a record: its seq and the SHA-256 of its line ('\n' included), i.e. the next
 * record's prev. seq 0 with a zero hash is the state of an empty trail. */
struct audit_anchor {
	uint64_t seq;
	uint8_t hash[SHA256_DIGEST_SIZE];
};

/* Anchor file: one line {"seq":N,"hash":"<64 hex>"}\n, replaced atomically (temp file in the
 * same directory, fdatasync, rename, directory fsync), mode 0640. */
#define AUDIT_ANCHOR_LEN_MAX	(sizeof("{\"seq\":,\"hash\":\"\"}\n") - 1 + 20 + 64)
int audit_anchor_format(const struct audit_anchor *an, char *buf, size_t size);
int audit_anchor_parse(const char *buf, size_t len, struct audit_anchor *ret);
int audit_anchor_write(const char *path, const struct audit_anchor *an);
/* -ENOENT if there is none, -EBADMSG if it is malformed. */
int audit_anchor_read(const char *path, struct audit_anchor *ret);

/* A writer. All members are private. */
struct audit {
	int fd;
	struct audit_anchor last;	/* the last record written (or found at open) */
	char *anchor_path;		/* owned; NULL: no anchor */
	bool anchor_stale;		/* the anchor lags last by one record */
	int err;			/* sticky -errno after a failed fdatasync: close and reopen */
	char line[AUDIT_LINE_MAX];
};

/* Open (creating 0640) the trail at path for appending (O_APPEND, O_CLOEXEC, O_NOFOLLOW) and
 * take an exclusive flock on it (-EBUSY if another writer holds it). The chain continues from
 * the last line, which must be a complete, valid record (-EBADMSG otherwise: run audit_verify
 * for the reason). With anchor_path, the anchor (a missing one counts as seq 0) must match the
 * last record, or the one before it (a crash between the two writes), else -EBADMSG: whole
 * trailing records were removed, or the trail was replaced. audit_append() then keeps it
 * updated. On failure *a holds nothing and audit_close() is a no-op on it. */
int audit_open(struct audit *a, const char *path, const char *anchor_path);
/* The same over fd, which must be a regular file opened O_RDWR|O_APPEND (-EINVAL otherwise).
 * Takes ownership of fd on success only. */
int audit_open_fd(struct audit *a, int fd, const char *anchor_path);
/* NULL-safe; closes the fd, frees the anchor path. */
void audit_close(struct audit *a);

/* Append one record with seq last+1 and prev = last's hash: write() of the whole line (a short
 * write is completed, or cut back off with ftruncate if that fails), then fdatasync, then the
 * anchor. Returns 0, or -errno and the caller refuses the change:
 *   -EINVAL, -EMSGSIZE    bad record; nothing written;
 *   write errors          (-ENOSPC, -EFBIG, -EDQUOT, ...) nothing of the line left in the file;
 *   -EIO                  a partial line could not be cut off (e.g. chattr +a): sticky;
 *   fdatasync's error     the line is in the file but maybe not on disk: sticky;
 *   anchor errors         the record is in the trail; the next append retries the anchor first
 *                         and writes nothing if that fails again, so the anchor never lags by
 *                         more than one record.
 * Sticky errors fail every later append until audit_close() and audit_open(), which re-reads
 * the tail from the file. */
int audit_append(struct audit *a, int64_t t, const char *actor, const char *event,
		 const struct audit_fields *f);

/* What a signed checkpoint (event audit.checkpoint: key signed_seq signed_hash signature)
 * signs: the chain's head at seq, i.e. every record up to it through their hashes. Writes
 * "sanso audit checkpoint seq=N hash=H\n" into buf; returns its length. */
int audit_checkpoint_msg(uint64_t seq, const uint8_t hash[SHA256_DIGEST_SIZE], char *buf,
			 size_t len);

/* The last record written, for audit dumps (R107 item 12). */
void audit_last(const struct audit *a, struct audit_anchor *ret);

enum audit_bad {
	AUDIT_OK = 0,
	AUDIT_BAD_SYNTAX,		/* not a canonical record (edited so that it no longer parses) */
	AUDIT_BAD_TOO_LONG,		/* over AUDIT_LINE_MAX */
	AUDIT_BAD_HASH,			/* hash does not match the text: the record was edited */
	AUDIT_BAD_TIME,			/* hash matches, but time is not a valid T */
	AUDIT_BAD_SEQ_GAP,		/* seq skips ahead: records removed before this line */
	AUDIT_BAD_SEQ_ORDER,		/* seq skips ahead and the missing one follows: reordered,
					 * or this record was inserted */
	AUDIT_BAD_SEQ_REPEAT,		/* seq does not increase: a record inserted or duplicated */
	AUDIT_BAD_PREV,			/* seq follows on, prev does not: the record before this
					 * line was replaced (with a recomputed hash) */
	AUDIT_BAD_TRUNCATED,		/* the last line has no '\n' */
	AUDIT_BAD_ANCHOR_SHORT,		/* the trail ends before the anchor: records removed */
	AUDIT_BAD_ANCHOR_HASH,		/* the record at the anchor's seq is not the anchored one */
	AUDIT_BAD_MAX
};

struct audit_report {
	enum audit_bad bad;
	uint64_t line;			/* first bad line (1-based); for ANCHOR_SHORT lines + 1 */
	uint64_t lines;			/* lines read */
	uint64_t expect_seq, got_seq;	/* for the SEQ and ANCHOR reasons */
	struct audit_anchor last;	/* state after the last good record */
	int64_t first_time, last_time;	/* of the good records */
	uint64_t time_back;		/* records older than their predecessor (clock steps: the
					 * seq orders them; not an error) */
	uint64_t after_anchor;		/* good records after the anchor's seq */
};

/* Verify a whole trail. anchor may be NULL. Returns 0 if the chain holds, -EBADMSG with
 * ret->bad and ret->line set if not, other -errno on I/O errors (ret not written then).
 * Reports the first bad line; after a SEQ_GAP it reads on only to tell SEQ_ORDER apart.
 * audit_verify_fd reads fd from its current offset to EOF in bounded memory. Verifying while
 * sansod appends may catch a line that crosses a page half-written (TRUNCATED at the last
 * line): verify again. */
int audit_verify_buf(const char *buf, size_t len, const struct audit_anchor *anchor,
		     struct audit_report *ret);
int audit_verify_fd(int fd, const struct audit_anchor *anchor, struct audit_report *ret);
int audit_verify(const char *path, const struct audit_anchor *anchor, struct audit_report *ret);
/* "edited", ... for messages: never NULL. */
const char *audit_bad_str(enum audit_bad b);

/* Failure policy (R85 on_failure). A record that cannot be written refuses a change always;
 * a traffic record (a verdict) refuses the traffic only under AUDIT_FAIL_BLOCK. */
enum audit_class {
	AUDIT_CLASS_CHANGE = 0,		/* config, exceptions, isolations, revocations, ctl */
	AUDIT_CLASS_TRAFFIC,
	AUDIT_CLASS_MAX
};

enum audit_fail_mode {
	AUDIT_FAIL_BLOCK = 0,		/* "block-crosszone" (default) */
	AUDIT_FAIL_ALERT,		/* "alert-only" */
	AUDIT_FAIL_MODE_MAX
};

int audit_fail_mode_parse(const char *s, enum audit_fail_mode *ret);
bool audit_must_refuse(int append_rc, enum audit_class cls, enum audit_fail_mode traffic);

#endif
