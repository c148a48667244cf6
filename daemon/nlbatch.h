/* SPDX-License-Identifier: GPL-2.0-only */
/* nlbatch.h: the ruleset (ir.h) as one nfnetlink batch that replaces table inet sanso:
 * BEGIN(genid) · NEWTABLE · DELTABLE · NEWTABLE(flags) · chains · sets · elements · rules · END.
 * Elements are written straight from the ruleset into the buffer (no per-element objects).
 * Every message has its own seq and an origin (policy line and object) so that a kernel error
 * maps back to the policy. No socket here: apply.c sends the buffer. */
#ifndef SANSO_NLBATCH_H
#define SANSO_NLBATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "delta.h"
#include "ir.h"

struct nftnl_rule;
struct nftnl_set;

struct nlb_origin {
	uint32_t seq;
	int line;
	char what[IR_NAME_MAX + 32];
};

struct nlbatch {
	uint8_t *buf;
	size_t len, cap;
	size_t room;			/* bytes the message being built may take */
	uint32_t seq_begin, seq_end;	/* BEGIN's seq and the last message's seq */
	size_t genid_off;		/* offset of the BATCH_GENID value, 0 if none */
	struct nlb_origin *orig;
	int n_orig, cap_orig;
	int n_msgs;
};

struct nlb_opts {
	const char *table;		/* NULL: IR_TABLE (probes use their own name) */
	uint32_t table_flags;		/* NFT_TABLE_F_* */
	bool genid;			/* reserve NFNL_BATCH_GENID (nlb_set_genid before sending) */
	bool end;			/* false: no BATCH_END, the kernel validates and aborts */
	bool queue_compat;		/* queue via the xtables NFQUEUE target (nft_compat) */
};

/* Build the batch. Returns 0 or -ENOMEM/-E2BIG/-EINVAL. */
int nlb_build(struct nlbatch *b, const struct ir_ruleset *rs, uint32_t seq,
	      const struct nlb_opts *o);
void nlb_set_genid(struct nlbatch *b, uint32_t genid);
/* Build the batch of a delta (delta.h): BEGIN(genid) · new sets and their elements · every
 * changed chain flushed (DELRULE) and refilled · element deletions · element additions ·
 * DELSET of the sets gone · END. -EINVAL when d->full. */
int nlb_build_delta(struct nlbatch *b, const struct ir_ruleset *old, const struct ir_ruleset *new,
		    const struct ir_delta *d, uint32_t seq, const struct nlb_opts *o);
/* Learned breakout addresses into bo_learn4/bo_learn6, each with its timeout (and expiration,
 * so an element already there counts down again). No BATCH_GENID: the sets are the engine's. */
struct eng_update;
int nlb_build_learned(struct nlbatch *b, const struct eng_update *u, int n, uint32_t seq,
		      const struct nlb_opts *o);
const struct nlb_origin *nlb_origin(const struct nlbatch *b, uint32_t seq);
void nlb_fini(struct nlbatch *b);	/* NULL-safe */

/* The libnftnl form of one rule / set, shared with the read-back comparison. */
struct nftnl_rule *nlb_rule(const struct ir_ruleset *rs, const struct ir_chain *ch,
			    const struct ir_rule *r, const struct nlb_opts *o);
struct nftnl_set *nlb_set(const struct ir_set *s, const struct nlb_opts *o);

/* One element as the kernel stores it. An element of a single-field interval set (rbtree) is
 * two wire elements: its start, and an interval end at key_end + 1 (none at the top of the
 * address space). Returns the number of wire elements (0..2). */
struct nlb_wire {
	uint8_t key[IR_KEY_MAX];
	uint8_t key_end[IR_KEY_MAX];
	bool has_key_end;
	uint32_t flags;			/* NFT_SET_ELEM_INTERVAL_END */
	bool has_data;
	uint32_t data;			/* mark (host order) */
	const char *chain;		/* verdict maps: jump target */
	uint64_t timeout_ms;
	uint64_t expires_ms;		/* read back only: time left of an element with a timeout */
	const char *comment;		/* NFTA_SET_ELEM_USERDATA, as nft writes comments */
	int comment_len;		/* read back only: bytes of comment (not terminated) */
	bool has_counter;		/* read back only: the element's counter (IR_SET_COUNTER) */
	uint64_t packets, bytes;
};
int nlb_wire(const struct ir_ruleset *rs, const struct ir_set *s, const struct ir_elem *e,
	     struct nlb_wire out[2]);

/* One element of a kernel reply (an NFTA_LIST_ELEM nest) back into wire form; w->chain and
 * w->comment point into the message. Returns 0 or -EMSGSIZE (a key longer than IR_KEY_MAX). */
struct nlattr;
int nlb_wire_parse(const struct nlattr *el, struct nlb_wire *w);

/* Kernel hook number of a base chain. */
uint32_t nlb_hooknum(enum ir_hook h);

/* Kernel set flags (NFT_SET_*) and key type of an ir set. */
uint32_t nlb_set_flags(const struct ir_set *s);
uint32_t nlb_key_type(const struct ir_set *s);

/* Unit tests only (objects built with -DNLB_FAULT_INJECTION): make the nth allocating call
 * of the builder fail (0: none), and count those calls since nlb_fault_set. */
void nlb_fault_set(long nth);
long nlb_fault_count(void);

#endif
