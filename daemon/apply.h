/* SPDX-License-Identifier: GPL-2.0-only */
/* apply.h: commit batches to table inet sanso. One NETLINK_NETFILTER socket per daemon:
 * probe what the kernel supports, commit a whole ruleset (a table replace) or a delta
 * (delta.h) as one atomic batch guarded by NFNL_BATCH_GENID (retried when another commit came
 * between), commit learned addresses, and map kernel errors back to policy lines.
 * When the table carries the 'owner' flag, only this socket may change it, so the socket
 * lives as long as the daemon; its users serialize (gen.h). Reading back is readback.h,
 * dumping kdump.h: each with a socket of its own. */
#ifndef SANSO_APPLY_H
#define SANSO_APPLY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "delta.h"
#include "diag.h"
#include "ir.h"
#include "nlsock.h"

struct nlb_opts;

struct apply {
	struct nlsock ns;
	bool probed;
	bool persist;			/* kernel supports NFT_TABLE_F_PERSIST */
	bool no_persist;		/* set before the probe: act as if it did not (--no-persist) */
	uint32_t table_flags;		/* flags of our commits: owner|persist, or none */
	bool queue_native;		/* nft_queue is there */
	bool queue_compat;		/* else the xtables NFQUEUE target through nft_compat */
	uint32_t genid;			/* generation id after our last commit */
	unsigned restarts;		/* batches sent again: another commit came between */
};

struct apply_stats {
	double build_s, commit_s, readback_s;	/* wall seconds */
	size_t batch_bytes;
	int batch_msgs;
};

int apply_open(struct apply *ap);
void apply_close(struct apply *ap);		/* NULL-safe */

/* Probe what the kernel supports (persist) with a batch that is validated and aborted. */
int apply_probe(struct apply *ap);

/* Commit rs as one batch replacing table inet sanso. file is the policy path for
 * diagnostics. dry_run: send without BATCH_END (the kernel validates, then aborts).
 * Returns 0, -EINVAL (kernel refused; diag says why, at the policy line where known), or
 * another -errno. On any failure the previous generation stays in the kernel. */
int apply_commit(struct apply *ap, const struct ir_ruleset *rs, const char *file, bool dry_run,
		 struct diag *diag, struct apply_stats *st);

/* Commit only what d says differs between old (in the kernel) and new: one batch, the same
 * guarantees as apply_commit(). -EINVAL when d->full. */
int apply_commit_delta(struct apply *ap, const struct ir_ruleset *old,
		       const struct ir_ruleset *new, const struct ir_delta *d, const char *file,
		       struct diag *diag, struct apply_stats *st);

/* Add (or extend) learned breakout addresses in bo_learn4/6, each with its timeout. */
struct eng_update;
int apply_learned(struct apply *ap, const struct eng_update *u, int n);

/* The batch options of this kernel (flags, queue path), for rebuilding rules to compare. */
void apply_opts(const struct apply *ap, struct nlb_opts *o);

#endif
