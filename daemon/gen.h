/* SPDX-License-Identifier: GPL-2.0-only */
/* gen.h: generations of table inet sanso. A generation is a policy text, the policy parsed
 * from it, its compiled ruleset and the engine's tables (struct gen, sansod.h).
 *   gen_reload    read the policy file, build, commit, read back: the generation in force
 *   gen_apply_ops the operational state changed (isolate, revoke, exceptions): build it on
 *                 the policy in force without reading any file; commit what differs
 *   gen_check     build a file as a generation would be built, apply nothing
 * A commit is a delta (delta.h: only the objects that differ, one batch guarded by
 * NFNL_BATCH_GENID, read back object by object) when it can be one, else a table replace
 * read back whole. Every function returns 0 or -errno: -EINVAL the policy (or the kernel)
 * refused it, -EPROTO the read-back differs, -EIO the audit trail cannot be written; on
 * failure the generation in force stays, in the kernel and in d->cur. */
#ifndef SANSO_GEN_H
#define SANSO_GEN_H

#include "sansod.h"

int gen_reload(struct daemon *d);
/* Whether the next generation must isolate every zone (R85): the audit trail fails under
 * --audit-failure block-crosszone, or the flow log under logging.on_failure the same. */
bool gen_must_block(const struct daemon *d);
#define GEN_BLOCK_RETRY_S	5	/* a failed cut (or its end) is tried again after */
int gen_apply_ops(struct daemon *d);
/* Learned addresses from the HA peer (ha.c): into the engine and the kernel set. 0, -ENOENT
 * (no engine here), or -errno of the commit; *refused: records this policy refuses. */
int gen_learn_peer(struct daemon *d, const struct eng_learn_rec *r, int n, int *refused);
/* Would the policy in force, with the operational state ops, validate? Nothing is built or
 * applied (the policy goes back to its state); the diagnostics go to the reply too. 0 or
 * -errno. */
int gen_check_ops(struct daemon *d, const struct ops *ops);
/* sha: SHA-256 of the flattened text; text (if not NULL): the text, the caller's to free. */
int gen_check(struct daemon *d, const char *file, char sha[65], struct conf_text *text);

/* conf -> policy -> compile, with the operational state ops; every diagnostic to diag. */
int gen_build(const struct opts *o, const struct ops *ops, struct gen *g, struct diag *diag);
void gen_free(struct gen *g);
/* Commit g (dry_run: the kernel validates and aborts), then read it back. */
int gen_commit(struct daemon *d, const struct gen *g, bool dry_run);

/* The generation in force, committed again as a table replace (a restore after another
 * process removed the table), and read back; *ack_ms: t0 to the kernel's ack. */
int gen_recommit(struct daemon *d, const struct ir_ruleset *rs, double t0, double *ack_ms);
/* Compile the policy in force at the present time and commit it again (after a restore:
 * exception timeouts and learned addresses restart otherwise). */
void gen_refresh_timeouts(struct daemon *d);
/* The FIB check (R36) of the policy in force: findings logged and recorded in the trail. */
void gen_fib_check(struct daemon *d);

/* Does name (an isolation target) name a zone, host or group of p? */
bool gen_resolves(const struct policy *p, const char *name);
/* Diagnostics to stderr, and to the control client being served (d->report). */
int gen_diag_print(const struct daemon *d, const struct diag *diag, int ja);
/* The policy clock (opts->now or the real one), and monotonic seconds. */
int64_t gen_clock(const struct opts *o);
double gen_mono(void);

#endif
