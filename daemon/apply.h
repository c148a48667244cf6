/* SPDX-License-Identifier: GPL-2.0-only */
/* apply.h: the kernel side of a generation. One NETLINK_NETFILTER socket per daemon: commit
 * a ruleset as one atomic batch (with NFNL_BATCH_GENID), map kernel errors back to policy
 * lines, read table inet sanso back and compare it with what was compiled (I7).
 * When the table carries the 'owner' flag, only this socket may change it, so the socket
 * lives as long as the daemon. */
#ifndef SANSO_APPLY_H
#define SANSO_APPLY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "diag.h"
#include "ir.h"

struct mnl_socket;

struct apply {
	struct mnl_socket *nl;
	uint32_t portid;
	uint32_t seq;
	bool probed;
	bool persist;			/* kernel supports NFT_TABLE_F_PERSIST */
	bool no_persist;		/* set before the probe: act as if it did not (--no-persist) */
	uint32_t table_flags;		/* flags of our commits: owner|persist, or none */
	bool queue_native;		/* nft_queue is there */
	bool queue_compat;		/* else the xtables NFQUEUE target through nft_compat */
	uint32_t genid;			/* generation id after our last commit */
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

/* Read table inet sanso back and compare it with rs. Returns 0 when identical, 1 when they
 * differ (each difference is a diag note), -ENOENT without the table, or -errno. */
int apply_verify(struct apply *ap, const struct ir_ruleset *rs, struct diag *diag);

int apply_genid(struct apply *ap, uint32_t *ret);

/* Delete the conntrack entries whose ct mark is id (a revoked service's connections). */
int apply_ct_forget(uint32_t id);

/* What the kernel holds, decoded with the compiled set types: rules and set elements, as
 * text or as the body of a JSON object ("rules" and "sets" members). */
int apply_dump(struct apply *ap, const struct ir_ruleset *rs, FILE *out, bool json);
/* Every counter of the table's rules, read from the kernel. */
int apply_counters(struct apply *ap, void (*cb)(void *arg, const char *chain, int idx,
						const char *comment, uint64_t pkts,
						uint64_t bytes), void *arg);

/* Add (or extend) learned breakout addresses in bo_learn4/6, each with its timeout. */
struct eng_update;
int apply_learned(struct apply *ap, const struct eng_update *u, int n);

#endif
