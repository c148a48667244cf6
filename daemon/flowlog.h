/* SPDX-License-Identifier: GPL-2.0-only */
/* flowlog.h: the flow log (R84-R86): what the ruleset's NFLOG statements report, as JSON
 * lines in hash-chained segments under one directory.
 *
 * Line format. Every line is an audit record (audit.h, canonical form version 1) written by
 * actor "sansod" with event = event_type, whose members are the EVE-like fields SOC tools
 * read: timestamp (ISO 8601, microseconds, +09:00), event_type ("flow" accepted, "drop",
 * "engine" the verdict engine's accept or refusal, "suppressed" a rate-limit summary, "scan"),
 * src_ip, src_port, dest_ip, dest_port, proto, icmp_type, icmp_code, in_iface, out_iface,
 * zone_pair, decision (accept/drop), name and approval (the flow, exception or service),
 * reason (policy, spoof, cut, invalid, no-zone, isolated, uplink, limit, engine, scan, burst,
 * write-failure), engine_reason (a refusal by the engine: its counter's name), rule
 * (the log prefix), count. Members without a value are left out.
 *
 * Segments. flows-YYYYmmddTHHMMSSZ-N.jsonl (UTC of its first line). Each segment is a chain
 * of its own from seq 1, so `sansoctl audit verify SEGMENT` checks one; its first record
 * (event flowlog.segment) names the segment before it and the SHA-256 of that segment's last
 * line, so `sansoctl flowlog verify DIR` (flowlog_verify_dir) checks the links too. A new
 * segment is started at open, when the current one reaches segment_bytes or segment_seconds;
 * segments whose last write (mtime) is older than retention_days are deleted.
 *
 * Rates. The kernel limits each log rule (logging.kernel_rate); here each (rule, source) may
 * write source_lines lines per source_window seconds; what is over is counted and written
 * once per window as a "suppressed" line with count.
 *
 * Scans. A source in an Internet or LGWAN zone refused at scan_ports distinct destination
 * ports or scan_hosts distinct destination hosts within scan_window seconds is a scan: one
 * "scan" line and one report to the caller per source and window.
 *
 * Bursts. A source in an Internet or LGWAN zone with burst_events logged packets (refused,
 * or new connections accepted) within burst_window seconds is a burst: one "burst" line
 * (count) and one report per source and window. What the kernel's limit kept back is not
 * seen here: burst_events must be reachable at kernel_rate (sanso.conf(5)).
 *
 * Gaps. Lines that could not be written are counted; flowlog_gap() writes one "gap" line
 * with that count once writing works again, so a failure shows in the log itself.
 *
 * File-only leaf: open, write, fdatasync, readdir, unlink; no clock (the caller passes the
 * time), no logging. Returns 0 or -errno. Not thread-safe. */
#ifndef SANSO_FLOWLOG_H
#define SANSO_FLOWLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "audit.h"
#include "compile.h"
#include "policy.h"

#define FLOWLOG_RULE_MAX	128
#define FLOWLOG_IFNAME_MAX	16
#define FLOWLOG_PAIR_MAX	(2 * POLICY_NAME_MAX + 2)
#define FLOWLOG_ADDR_MAX	46
#define FLOWLOG_SEG_NAME_MAX	64
#define FLOWLOG_STAMP_LEN	16	/* "YYYYmmddTHHMMSSZ" */
#define FLOWLOG_DIR_DEFAULT	"/var/log/sanso/flows"	/* the unit's --flow-log */

/* One logged packet as the daemon hands it in. */
struct flowlog_rec {
	const char *prefix;		/* the log statement's prefix */
	uint32_t mark;			/* packet mark: the decision id of an accept */
	bool has_mark;
	const char *in_iface, *out_iface;	/* "" when none */
	const uint8_t *payload;		/* IP header on */
	size_t payload_len;
};

/* What a line says. */
struct flowlog_event {
	const char *event_type;		/* static strings */
	const char *decision;
	const char *reason;		/* NULL: none */
	const char *engine_reason;	/* a refusal by the engine: its reason (eng_count_name,
					 * e.g. breakout_refused_name), NULL: not known */
	char rule[FLOWLOG_RULE_MAX];
	char zone_pair[FLOWLOG_PAIR_MAX];
	char name[POLICY_NAME_MAX];
	char approval[POLICY_NAME_MAX];
	char in_iface[FLOWLOG_IFNAME_MAX], out_iface[FLOWLOG_IFNAME_MAX];
	int family;			/* 0: the payload was not an IP packet */
	uint8_t src[16], dst[16];
	uint8_t proto;
	bool ports, icmp;		/* sport/dport, icmp_type/code valid */
	uint16_t sport, dport;
	uint8_t icmp_type, icmp_code;
	bool watch;			/* the source's zone is Internet or LGWAN (scans, bursts) */
	int64_t count;			/* suppressed, burst, gap: how many; 0: none */
	int scan_ports, scan_hosts;	/* scan: distinct ports and hosts seen */
};

/* Decode rec against the generation in force (p, cr may be NULL: no names). -EINVAL if the
 * prefix is not one of sanso's. */
int flowlog_decode(const struct policy *p, const struct comp_result *cr,
		   const struct flowlog_rec *rec, struct flowlog_event *ev);
/* The members of ev's line at time_us (unix microseconds) into f. */
int flowlog_fields(const struct flowlog_event *ev, int64_t time_us, struct audit_fields *f);
/* An address of ev as text ("" when there is none). */
void flowlog_addr(const struct flowlog_event *ev, bool dst, char *buf, size_t len);

struct flowlog_rate;
struct flowlog_scan;

struct flowlog {
	int dirfd;			/* -1: closed */
	int fd;				/* current segment, -1: none (a write failed: retried) */
	char seg[FLOWLOG_SEG_NAME_MAX];
	uint64_t seq;			/* last record of the segment */
	uint8_t prev[SHA256_DIGEST_SIZE];
	int64_t seg_start;		/* unix seconds */
	int64_t seg_bytes;
	unsigned seg_n;			/* segments started by this writer */
	char seg_stamp[32];			/* the newest name's time, "" when none */
	unsigned long seg_ctr;		/* and its counter: a new name sorts after both */
	struct logging_conf conf;
	struct flowlog_rate *rate;
	struct flowlog_scan *scan;
	int64_t next_retention;		/* unix seconds */
	bool dirty;			/* written since the last fdatasync */
	uint64_t lines, suppressed, failed, deleted;
	uint64_t gap;			/* lines failed since the last gap line */
	uint64_t ckpt_pending;		/* lines since the last signed checkpoint */
	char line[AUDIT_LINE_MAX];
};

/* Open the directory (which must exist), check its newest segment (its last line is linked
 * from the new one) and start a new segment. */
int flowlog_open(struct flowlog *fl, const char *dir, const struct logging_conf *conf,
		 int64_t now);
void flowlog_close(struct flowlog *fl);		/* syncs; NULL-safe on a closed one */
/* New rates and limits (a reload); segments follow at the next rotation. */
void flowlog_conf(struct flowlog *fl, const struct logging_conf *conf);

/* What flowlog_input() found about a source: a scan, a burst or both. */
#define FLOWLOG_HIT_SCAN	1
#define FLOWLOG_HIT_BURST	2

struct flowlog_scan_hit {
	int found;			/* FLOWLOG_HIT_* bits, also when a line failed */
	char src[FLOWLOG_ADDR_MAX];
	char in_iface[FLOWLOG_IFNAME_MAX];
	char zone_pair[FLOWLOG_PAIR_MAX];
	int ports, hosts, window;	/* scan */
	int64_t events;			/* burst: logged packets within burst_window */
	int burst_window;
};

/* One event: scan and burst detection, then the (rule, source) rate, then the line. Returns
 * FLOWLOG_HIT_* bits when a scan or burst was found (*hit filled; their lines are written),
 * 0, or -errno when a line could not be written (the writer retries with a new segment at
 * the next line; hit->found still tells what was found). */
int flowlog_input(struct flowlog *fl, struct flowlog_event *ev, int64_t now_us,
		  struct flowlog_scan_hit *hit);
/* Once a second or so: summaries of the windows that ended, fdatasync, rotation by age and
 * retention. 0 or the first -errno. */
int flowlog_tick(struct flowlog *fl, int64_t now_us);
/* Write one line now (no rate, no scan). */
int flowlog_write(struct flowlog *fl, const struct flowlog_event *ev, int64_t now_us);
/* A signed checkpoint (flowd.c signs, sign.h): an audit.checkpoint record in the current
 * segment, as in the audit trail, over the record before it (flowlog_ckpt_msg). 0, -ENOENT
 * (no segment open: nothing to sign yet) or -errno. */
int flowlog_ckpt_msg(const struct flowlog *fl, char *buf, size_t len);
int flowlog_checkpoint(struct flowlog *fl, const char *key_id, const char *sig_b64, int64_t now);
/* After a failure: a "gap" line with the count of lines lost since the last one (a new
 * segment if there is none). 0, or -errno: writing still fails. */
int flowlog_gap(struct flowlog *fl, int64_t now_us);

/* Verification of a directory: every segment's chain and the links between segments. */
struct flowlog_verify {
	int segments;
	uint64_t lines;
	char bad_seg[FLOWLOG_SEG_NAME_MAX];	/* "" when all hold */
	uint64_t bad_line;
	const char *why;		/* static text */
	bool first_unlinked;		/* the oldest segment kept links to a deleted one */
};
/* How a reader waits for a line the daemon is writing: wait(arg) returns 0 to read again,
 * non-zero to give up (sansoctl: 50 ms, 20 times). */
struct flowlog_wait {
	int (*wait)(void *arg);
	void *arg;
};
/* 0 when all hold, -EBADMSG (ret->bad_seg, bad_line, why), or -errno. live (NULL: none):
 * another process writes the newest segment, so a last line cut short there is read again
 * while live->wait lets it, before it is called truncated (sansoctl; never inside the
 * daemon, which wrote its lines whole). */
int flowlog_verify_dir(const char *dir, const struct flowlog_wait *live,
		       struct flowlog_verify *ret);
/* Segment names in the log's order (qsort of char *): the UTC time in the name, then its
 * counter as a number ("-10" after "-9"). */
int flowlog_seg_cmp(const void *a, const void *b);
/* What flowlog_verify_dir would read: the bytes and number of the segments (0 or -errno). */
int flowlog_dir_size(const char *dir, int64_t *ret_bytes, int *ret_segments);

#endif
