/* SPDX-License-Identifier: GPL-2.0-only */
/* sansod.h: the daemon's state (struct daemon), shared by its modules: main.c (modes and
 * the loop), gen.c (generations), state.c (state on disk), trail.c (audit trail), ops.c
 * (control requests) and ha.c (the HA pair). Not a library. */
#ifndef SANSO_SANSOD_H
#define SANSO_SANSOD_H

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "apply.h"
#include "ctdel.h"
#include "delta.h"
#include "kdump.h"
#include "readback.h"
#include "audit.h"
#include "compile.h"
#include "conftext.h"
#include "ctl.h"
#include "engine.h"
#include "fibcheck.h"
#include "hasync.h"
#include "kwatch.h"
#include "maint.h"
#include "policy.h"
#include "queue.h"
#include "store.h"

enum mode {
	MODE_DAEMON = 0,
	MODE_CHECK,
	MODE_PRINT_NFT,
	MODE_ONCE,
	MODE_VERIFY,
	MODE_UNIT_DROPIN,	/* --unit-dropin: the unit's network for the policy (unitnet.h) */
};

struct opts {
	enum mode mode;
	const char *file;
	int verbose;
	bool kernel_check;		/* -n -k: dry run through the kernel */
	bool stats;
	int64_t now;			/* 0: the real clock */
	const char *control;		/* control socket path */
	const char *state_dir;		/* persisted operational state */
	const char *audit;		/* audit trail (JSON lines), NULL: none */
	bool audit_alert_only;		/* --audit-failure alert-only (default block-crosszone) */
	const char *flow_log;		/* --flow-log DIR (flowd.h), NULL: none */
	bool block_all;			/* build with every zone isolated (internal) */
	bool no_persist;		/* --no-persist: commit without owner/persist (tests, old kernels) */
	const char *metrics_file;	/* --metrics-file: Prometheus textfile, NULL: none */
};

/* One compiled generation: the policy it came from, its ruleset, the engine's tables. */
struct gen {
	char sha256[65];		/* of the flattened text (conftext.h) */
	struct conf_text text;		/* the policy as parsed: main file and includes */
	struct policy *policy;
	struct comp_result *cr;
	struct eng_tables *tables;
	int n_file_exceptions;		/* policy->exceptions from the file; the ledger's follow */
	int n_file_groups;		/* policy->groups from the file; maintenance windows' follow */
	bool shared;			/* text and policy belong to the generation in force */
};

#define OPS_MAX 64			/* isolations + revocations at once */

/* Operational state (sansoctl isolate / breakout-revoke): compiled into every generation,
 * persisted in the state directory so a restart keeps it. */
#define LEDGER_MAX 256		/* exceptions added through sansoctl */

/* An exception added through sansoctl (例外措置): merged into the policy at every build and
 * validated like one written in the file (I2, I3, I6); its expiry is absolute, so neither a
 * reload nor a restart extends it. Revoked entries stay in the ledger, marked. */
struct ledger_entry {
	char id[POLICY_NAME_MAX], from[POLICY_NAME_MAX], to[POLICY_NAME_MAX];
	char proto[16], ports[128], reason[256];
	char requested_by[POLICY_NAME_MAX], approved_by[POLICY_NAME_MAX];
	char expires[48], added_by[64];
	int64_t added_at;
	bool revoked;			/* revoked, or a proposal withdrawn */
	bool proposed;			/* two-person mode: waits for `sansoctl approve ID` by
					 * another person (approved_by is then "-") */
	bool expire_reported;		/* exception.expire is in the audit trail (ops_expire_check) */
};

enum change_state {
	CHANGE_PROPOSED = 0,
	CHANGE_APPLIED,			/* approved by a second person and applied */
	CHANGE_EMERGENCY,		/* applied by one person, not yet ratified */
	CHANGE_RATIFIED,
	CHANGE_SUPERSEDED,		/* another change was applied before this one */
	CHANGE_EXPIRED,			/* not approved within policy.proposal_ttl_days */
	CHANGE_STATE_MAX
};

/* Two-person change control (R62): a policy is proposed by one admin and applied only when
 * another approves it, unchanged (same SHA-256) and still based on the running version; the
 * emergency path applies at once and stays flagged until someone else ratifies it (R59).
 * What was applied becomes a version of the store (store.h, change.h). */
struct change {
	char id[17];			/* first 16 hex digits of the text's SHA-256 */
	char file[4200], sha256[65], reason[256];
	char by[64], by2[64];		/* proposer (or emergency applier), approver/ratifier */
	uid_t uid;			/* of the proposer / applier */
	bool contractor;		/* proposed by a contractor: an admin or the CISO approves */
	int64_t at, expires;		/* policy clock */
	enum change_state state;
	unsigned parent;		/* the running version it was proposed on */
	unsigned version;		/* the version it became (0: not applied) */
	unsigned rollback_of;		/* a rollback: the version whose text it is */
};

/* The changes: no fixed limit (retention: change.c). */
struct changes {
	struct change *v;
	int n, cap;
};

struct ops {
	char isolate[OPS_MAX][POLICY_NAME_MAX];
	int n_isolate;
	char revoke[OPS_MAX][POLICY_NAME_MAX];
	int n_revoke;
	struct ledger_entry ledger[LEDGER_MAX];
	int n_ledger;
	char policy[256];		/* the policy file now in force, if not the -f one */
	struct mwin mw[MW_MAX];		/* remote maintenance windows (R80, mwin.c) */
	int n_mw;
};

struct daemon {
	struct opts o;
	struct ops ops;
	time_t started;
	struct apply ap;
	pthread_mutex_t ap_lock;	/* the netlink socket: main thread and DNS learning */
	struct gen cur;
	struct ops cur_ops;		/* the operational state cur was built with */
	struct ctl_tallies tallies;	/* control reads and refusals per uid and minute (ops.c) */
	bool table_suspect;		/* another process changed table inet sanso, or the
					 * read-back found drift: the next commit replaces it */
	const char *suspect_why;	/* static text: why */
	bool deltas_unsafe;		/* no owner flag and no ruleset monitor: foreign changes
					 * would go unseen, so every commit replaces the table */
	unsigned generation;
	struct gen_stats {		/* the last apply (sansoctl status, make bench) */
		bool delta;		/* committed as a delta (else a table replace) */
		long changes;		/* objects the delta touched */
		const char *full_why;	/* why it was not a delta, NULL if it was */
		double ms;		/* commit + read-back */
		double build_ms;	/* the last build on the policy in force */
		unsigned deltas, fulls;
	} gs;
	int ja;				/* Japanese diagnostics */
	FILE *report;			/* also gets the diagnostics of a build (control requests) */
	bool reply_ja;			/* the request being served asked for Japanese */
	const char *expect_sha256;	/* an approved change: only this text may be applied */
	struct audit au;
	bool audit_on;
	bool audit_failed;		/* the trail could not be opened or written */
	int ckpt_pending;		/* records since the last signed checkpoint */
	int64_t ckpt_at;		/* when it was written (or tried without a key) */
	bool blocking;			/* traffic between zones is cut (the trail or the flow
					 * log fails under block-crosszone) */
	bool flowlog_blocks;		/* the flow log fails and logging.on_failure blocks */
	bool engine;			/* the workers run (daemon mode) */
	struct queue_rt q;
	struct kwatch kw;		/* conntrack use and queue drops (R44) */
	struct restore_state {		/* table inet sanso removed by another process */
		double window_start;	/* monotonic seconds: start of the rate-limit window */
		int in_window;		/* restores in that window */
		int quiet;		/* alerts not logged in that window (a restore loop) */
		unsigned total;
		double last_ms;		/* last restore: notice -> commit ack */
		bool recheck;		/* look again shortly (the main loop) */
	} restore;
	struct fib_report fib;		/* R36: the last FIB check (daemon mode) */
	bool fib_ran;			/* fib holds a result */
	int fib_err;			/* -errno when the last check could not ask the kernel */
	/* change control (change.c): the store, the running version, the changes */
	struct store store;
	bool store_on;			/* daemon mode with --state-dir */
	const char *conf_file;		/* -f: the file an administrator edits */
	unsigned running;		/* version in force, 0: none (no store) */
	char running_sha[65];
	char running_path[4200];	/* its text in the store */
	char pending_sha[65];		/* the file differs from it: not approved ("": no) */
	struct changes ch;
	struct confirm_wait {		/* approve --confirm-within: reverted unless confirmed */
		unsigned version, previous;
		int64_t deadline;	/* real seconds; 0: nothing waits */
		char by[64];
	} confirm;
	int64_t unratified_alert;	/* real seconds of the last alert */
	struct ha_node {		/* HA pair: sansod's own state to the peer (ha.c) */
		struct hasync s;
		bool on;		/* the policy has an ha section and a state directory */
		bool synced;		/* the last state from the peer is ours (same policy) */
		bool heard;		/* a state from the peer was accepted since start */
		bool heard_state;	/* one was applied (or refused) by apply_peer */
		int64_t start_ms, tx_ms, rx_ms, audit_ms;	/* monotonic */
		unsigned refused;	/* datagrams refused since the last audit record */
		int fresh_cursor, roll_cursor;	/* learned addresses sent: where the passes are */
		int64_t fresh_since, fresh_next;	/* realtime ms */
		unsigned learned_rx, learn_refused;	/* learned addresses from the peer */
		char why[192];		/* not in sync: why */
		struct haver_rx *rx;	/* the master's version being received (haver.c) */
		struct hahist_rx *hist;	/* the master's store history being copied (hahist.c) */
		int64_t need_ms;	/* monotonic: the last request for it */
		unsigned versions_rx;	/* versions taken from the peer */
		char ver_failed[65];	/* a version of the peer that could not be applied */
		int64_t ver_failed_ms;	/* monotonic: when (pulled again after a minute) */
	} ha;
};

#endif
