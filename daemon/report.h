/* SPDX-License-Identifier: GPL-2.0-only */
/* report.h: the auditor's report (R96, R107, R109): one self-contained HTML page (UTF-8, inline
 * CSS and SVG, no script, no external asset) in Japanese or English, rendered from facts the
 * daemon gathered (reportd.c). Pure: data in, HTML out into the stream the caller hands in.
 *
 * Every text that came from a policy, a user or the system is escaped (& < > " '): a purpose
 * or a reason holding markup stays text. Tables carry ids and one <tr class="row"> per item so
 * a test counts them: summary, matrix, flows, exceptions, windows, services, isolations,
 * versions, changes, checklist; the diagram is <svg id="zones"> with one
 * <g class="zone" data-zone="ID"> per zone, edges <g class="edge" data-from data-to>, forbidden
 * pairs <g class="forbidden">. */
#ifndef SANSO_REPORT_H
#define SANSO_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "maint.h"
#include "policy.h"

#define REPORT_NAME	64
#define REPORT_TEXT	256

/* A version of the configuration store (store.h), as the report shows it. */
struct report_version {
	unsigned version, parent;
	const char *kind;		/* store_kind_name() */
	char by[REPORT_NAME], approved_by[REPORT_NAME];	/* "" when none */
	int64_t at;
	char reason[REPORT_TEXT];
	bool reverted;
};

/* A change (proposal, emergency) of change control. */
struct report_change {
	char id[24], state[24];
	char by[REPORT_NAME], by2[REPORT_NAME];
	int64_t at;
	unsigned version;		/* 0: not applied */
	char reason[REPORT_TEXT];
};

/* An exception added through sansoctl (the ledger), whatever its state. */
struct report_exc {
	char id[REPORT_NAME], from[REPORT_NAME], to[REPORT_NAME], proto[16], ports[128];
	char reason[REPORT_TEXT], requested_by[REPORT_NAME], approved_by[REPORT_NAME];
	char expires[48];
	bool revoked, proposed;
};

enum report_tri {
	REPORT_UNKNOWN = 0,
	REPORT_GOOD,
	REPORT_BAD,
	REPORT_NONE,			/* not present / not configured */
};

/* Connections accepted for a flow, exception or service, by who decided them. */
#define REPORT_HIT_ENGINE	(1U << 0)	/* the verdict engine, this generation: engine */
#define REPORT_HIT_KERNEL	(1U << 1)	/* the kernel, since sansod started: kernel */
struct report_hit {
	const char *name;
	unsigned src;			/* REPORT_HIT_* that counted it */
	uint64_t engine;
	uint64_t kernel;		/* from the flow log: a lower bound (logging.kernel_rate) */
};

/* The flow log's segments read back for the report (flowlog_verify_dir). */
struct report_flowcheck {
	enum report_tri state;		/* GOOD every chain and link holds; BAD broken, or not
					 * readable (err); UNKNOWN not read (bytes over the
					 * bound); NONE no flow log */
	const char *dir;
	int segments;
	uint64_t lines;
	int64_t bytes;			/* of all segments */
	char bad_seg[REPORT_NAME];	/* where it broke */
	uint64_t bad_line;
	const char *why;		/* the verifier's static words */
	int err;			/* -errno: the directory could not be read */
	bool first_unlinked;		/* the oldest links to a segment retention deleted */
};

struct report_facts {
	bool ja;
	int64_t now;			/* generated at (unix seconds) */
	const struct policy *p;		/* the policy in force (ledger exceptions and maintenance
					 * windows merged), validated; NULL: none */
	const char *sanso_version, *libs;
	const char *actor;		/* who asked */
	unsigned generation;
	const char *config_sha256;
	/* clock (R92) */
	enum report_tri clock;		/* GOOD synchronised, BAD not */
	long clock_maxerror_us;
	/* change control (R62, R66) */
	bool store_on;
	unsigned running;
	const char *running_sha;
	const char *pending_sha;	/* "" none: the file differs from the running version */
	const struct report_version *versions;	int n_versions;	/* newest first */
	const struct report_change *changes;	int n_changes;
	int unratified;			/* emergency changes not ratified */
	/* operations */
	const struct report_exc *ledger;	int n_ledger;
	const struct mwin *windows;		int n_windows;
	const char (*isolations)[POLICY_NAME_MAX];	int n_isolations;
	const bool *isolation_resolved;		/* per isolation */
	const char (*revocations)[POLICY_NAME_MAX];	int n_revocations;
	const struct report_hit *hits;		int n_hits;
	/* the kernel's counters of each forwarded zone pair (packets accepted, refused) by zone
	 * index; NULL: not readable */
	const uint64_t (*pair_accepted)[POLICY_ZONES_MAX];
	const uint64_t (*pair_refused)[POLICY_ZONES_MAX];
	/* audit trail (R85, R87) */
	bool audit_on;			/* sansod writes one */
	enum report_tri audit_state;	/* GOOD: the chain holds; BAD: broken or failing */
	uint64_t audit_records, audit_last_seq;
	char audit_why[REPORT_TEXT];	/* the verification's words */
	/* flow log (R84-R86): the writer, NONE when sansod keeps none (the rows show —), and
	 * its chains verified now */
	enum report_tri flowlog;
	char flowlog_why[REPORT_TEXT];
	struct report_flowcheck flowcheck;
	bool kernel_hits;		/* sansod counts the kernel's accepts (hits' kernel) */
	/* drift (I7, R49) */
	enum report_tri drift;		/* GOOD in sync, BAD drift, UNKNOWN kernel unreadable */
	int drift_differences;
	/* the independent proof of the kernel's table (issue 13, kprove.h), run for the report:
	 * GOOD proven, BAD a path the policy does not allow (proof_detail: the first witness),
	 * UNKNOWN cannot evaluate (proof_detail: why), NONE no policy */
	enum report_tri proof;
	char proof_detail[REPORT_TEXT];
	/* roles (R61) */
	int role_overlaps;		/* users in audit and in admin or ciso; <0 unknown */
	/* routing (R36) */
	enum report_tri fib;		/* NONE: not run */
	int fib_findings;
};

/* Grades of the self-inspection (004's legend): ○ met, △ improvement advised, × to be
 * fixed, − not applicable. */
enum report_grade {
	GRADE_OK = 0,
	GRADE_ADVISE,
	GRADE_FIX,
	GRADE_NA,
	GRADE_MAX
};

/* One row of the self-inspection checklist. */
#define REPORT_CHECKS_MAX	24
struct report_check {
	const char *req;		/* "R61", "I2" */
	const char *what_en, *what_ja;
	enum report_grade grade;
	char evidence[2 * REPORT_TEXT];
};

/* The checklist the gateway can judge from the facts: the number of rows (<= max). */
int report_checklist(const struct report_facts *f, struct report_check *out, int max);
const char *report_grade_mark(enum report_grade g);	/* "○" "△" "×" "−" */

/* The flow log's verification in words (the integrity table and the R84 row). */
void report_flowcheck_text(const struct report_flowcheck *c, bool ja, char *buf, size_t len);

/* The whole page: 0, or -EIO when the stream failed. */
int report_html(const struct report_facts *f, FILE *out);

/* Text escaped for HTML element content and attribute values (NULL: nothing). */
void report_esc(FILE *out, const char *s);

/* report_svg.c: the zone diagram, an <svg id="zones"> element. */
void report_svg(const struct policy *p, bool ja, FILE *out);
/* The class of a reach bit for labels: "flow", "relay", "breakout", "exception". */
const char *report_reach_label(uint32_t bit);
/* The zone's name for people: its label as written, the role's Japanese name, or its id. */
const char *report_zone_name(const struct zone *z, bool ja);
/* Is the pair forbidden outright by the invariants (I2: My Number and the Internet)? */
bool report_pair_forbidden(const struct policy *p, int a, int b);

#endif
