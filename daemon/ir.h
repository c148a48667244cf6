/* SPDX-License-Identifier: GPL-2.0-only */
/* ir.h: the compiled ruleset as plain data — one table of chains, rules and sets — shared by
 * the two back ends: nftgen (nft syntax, for auditors and `nft -f`) and nlbatch (one libnftnl
 * netlink batch). Pure: no syscalls, no logging. Keys are stored exactly as the kernel sees
 * them: every concatenated field padded to 4 bytes, in the field's byte order. */
#ifndef SANSO_IR_H
#define SANSO_IR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IR_TABLE		"sanso"
#define IR_NAME_MAX		96
#define IR_KEY_FIELDS_MAX	6
#define IR_KEY_MAX		48	/* bytes: ether . ip6 . ip6 . proto . port */
#define IR_RULE_STMTS_MAX	10
#define IR_STR_MAX		128	/* log prefixes, comments */

/* Packet fields that appear in matches, set keys and map values. */
enum ir_field {
	F_IIFNAME = 0,
	F_OIFNAME,
	F_ETHER_SADDR,
	F_IP_SADDR,
	F_IP_DADDR,
	F_IP6_SADDR,
	F_IP6_DADDR,
	F_L4PROTO,
	F_TH_DPORT,
	F_TH_SPORT,
	F_ICMPV6_TYPE,
	F_CT_MARK,
	F_CT_DIRECTION,		/* 0 original, 1 reply (matches only) */
	F_FIELD_MAX
};

struct ir_field_info {
	const char *nft;	/* nft syntax: "ip saddr" */
	const char *type;	/* nft set type: "ipv4_addr" */
	uint32_t dtype;		/* nft datatype id, for set key types */
	uint8_t len;		/* bytes */
	bool host_order;	/* value in host byte order (meta/ct) */
};

const struct ir_field_info *ir_field(enum ir_field f);
/* Register-padded length of a concatenation of fields. */
size_t ir_key_len(const enum ir_field *f, int n);

enum ir_data {
	IR_DATA_NONE = 0,	/* a set */
	IR_DATA_MARK,		/* a map to a ct mark value */
	IR_DATA_VERDICT,	/* a verdict map (jump to chain) */
	IR_DATA_MAX
};

#define IR_SET_INTERVAL		(1U << 0)
#define IR_SET_TIMEOUT		(1U << 1)
#define IR_SET_CONSTANT		(1U << 2)
#define IR_SET_DYNAMIC		(1U << 3)	/* elements added at run time (learned): the
						 * read-back compares the set, not its elements */
#define IR_SET_METER		(1U << 4)	/* written by rules (nft "dynamic"): a meter */
#define IR_SET_COUNTER		(1U << 5)	/* every element counts the packets it matched */

/* An element as builders and back ends see it. Sets store elements packed (see ir_set):
 * ir_elem_add() packs one, ir_elem_get() unpacks one. */
struct ir_elem {
	uint8_t key[IR_KEY_MAX];
	uint8_t key_end[IR_KEY_MAX];	/* inclusive; equal to key for single values */
	uint32_t data;			/* mark, or chain index for verdict maps */
	uint64_t timeout_ms;		/* 0: none */
	int line;			/* policy source line, for kernel errors */
	const char *origin;		/* policy object name (borrowed from the policy) */
	const char *comment;		/* shown by nft list: object and approval (ir_comment()) */
};

struct ir_meta {			/* the packed part of an element besides its keys */
	uint32_t data;
	int line;
	uint64_t timeout_ms;
	const char *origin;
	const char *comment;
};

struct ir_set {
	char name[IR_NAME_MAX];
	enum ir_field key[IR_KEY_FIELDS_MAX];
	int n_key;
	enum ir_data data;
	uint32_t flags;
	/* Packed records of rec_size bytes: key, key_end (klen each), then struct ir_meta. */
	uint8_t *recs;
	size_t klen, rec_size;
	int n_elems, cap_elems;
	char comment[IR_STR_MAX];
	int id;				/* batch-local set id (index + 1) */
	uint64_t timeout_ms;		/* IR_SET_METER: element timeout (0: none) */
	uint32_t size;			/* IR_SET_METER: elements at most */
};

enum ir_op {
	OP_MATCH = 0,		/* fields == value (neg: !=) */
	OP_PREFIX,		/* single address field within prefix */
	OP_LOOKUP,		/* fields in @set (neg: not in) */
	OP_CT_STATE,		/* ct state & mask != 0 */
	OP_CTMARK_SET,		/* ct mark set value */
	OP_CTMARK_MAP,		/* ct mark set fields map @set */
	OP_CTMARK_NONZERO,	/* ct mark != 0 */
	OP_VMAP,		/* fields vmap @set */
	OP_COUNTER,
	OP_LIMIT,		/* value = packets per second, aux = burst */
	OP_LOG,			/* str = prefix, value = NFLOG group */
	OP_ACCEPT,
	OP_DROP,
	OP_JUMP,		/* aux = chain index */
	OP_MARK_BIT,		/* meta mark & aux == value (neg: !=) */
	OP_CTMARK_BIT,		/* ct mark & aux == value */
	OP_CTMARK_FROM_META,	/* ct mark set meta mark & aux */
	OP_META_MARK_SET,	/* meta mark set value */
	OP_META_FROM_CT,	/* meta mark set ct mark */
	OP_QUEUE,		/* queue to value .. value + aux - 1; neg: bypass (fail open) */
	OP_REJECT_RST,		/* reject with tcp reset */
	OP_METER_RATE,		/* update @set { f[0] limit rate over value/second burst aux } */
	OP_METER_CONNS,		/* add @set { f[0] ct count over value } */
	OP_MAX
};

#define IR_CT_INVALID		1U
#define IR_CT_ESTABLISHED	2U
#define IR_CT_RELATED		4U
#define IR_CT_NEW		8U

struct ir_stmt {
	enum ir_op op;
	enum ir_field f[IR_KEY_FIELDS_MAX];
	int n_f;
	bool neg;
	int set;			/* set index for OP_LOOKUP, OP_CTMARK_MAP, OP_VMAP */
	uint8_t val[IR_KEY_MAX];	/* OP_MATCH value (register-padded), OP_PREFIX address */
	uint32_t value;			/* OP_CT_STATE mask, OP_CTMARK_SET, OP_LIMIT rate, prefix len,
					 * OP_LOG group */
	uint32_t aux;
	const char *str;		/* OP_LOG prefix (owned by the ruleset) */
	uint8_t plen;			/* OP_METER_*: key is the address's first plen bits
					 * (0: all of it) */
};

struct ir_rule {
	struct ir_stmt s[IR_RULE_STMTS_MAX];
	int n;
	const char *comment;		/* policy object, shown by nft list; owned by the ruleset */
	int line;
};

enum ir_hook {
	IR_HOOK_NONE = 0,		/* a regular chain */
	IR_HOOK_PREROUTING,
	IR_HOOK_INPUT,
	IR_HOOK_FORWARD,
	IR_HOOK_OUTPUT,
	IR_HOOK_MAX
};

struct ir_chain {
	char name[IR_NAME_MAX];
	enum ir_hook hook;
	int prio;
	bool policy_drop;
	struct ir_rule *rules;
	int n_rules, cap_rules;
};

struct ir_ruleset {
	struct ir_chain *chains;
	int n_chains, cap_chains;
	struct ir_set *sets;
	int n_sets, cap_sets;
	struct ir_strs *strs;		/* owned strings (log prefixes, comments), shared with
					 * copies (ir_copy) and freed with the last of them */
	uint32_t table_flags;		/* NFT_TABLE_F_* wanted; apply masks what the kernel lacks */
};

struct ir_ruleset *ir_new(void);
void ir_free(struct ir_ruleset *rs);	/* NULL-safe */
/* A copy of rs: chains, rules, sets and elements copied; strings (comments, log prefixes)
 * shared, so elements and rules of the copy may point at them. NULL on ENOMEM. */
struct ir_ruleset *ir_copy(const struct ir_ruleset *rs);

/* Builders: return an index (>= 0) or -ENOMEM / -E2BIG. */
int ir_chain_add(struct ir_ruleset *rs, const char *name, enum ir_hook hook, int prio,
		 bool policy_drop);
int ir_set_add(struct ir_ruleset *rs, const char *name, const enum ir_field *key, int n_key,
	       enum ir_data data, uint32_t flags, const char *comment);
int ir_elem_add(struct ir_ruleset *rs, int set, const struct ir_elem *e);
void ir_elem_get(const struct ir_set *s, int i, struct ir_elem *ret);
/* Remove element i (order kept). */
void ir_elem_del(struct ir_set *s, int i);
/* Append a rule to a chain; the rule is copied. */
int ir_rule_add(struct ir_ruleset *rs, int chain, const struct ir_rule *r);
/* Keep a string for the lifetime of the ruleset; NULL on ENOMEM. */
const char *ir_str(struct ir_ruleset *rs, const char *s);
/* An element or rule comment kept like ir_str(): printf-formatted, then made safe for nft
 * syntax and the kernel ('"' becomes '\'', control characters and invalid UTF-8 become
 * spaces and '?') and cut to IR_STR_MAX - 1 bytes on a UTF-8 character boundary (ending in
 * "..." when cut). NULL on ENOMEM. */
const char *ir_comment(struct ir_ruleset *rs, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The same cleaning into buf (len >= 4); returns buf. */
char *ir_comment_clean(const char *in, char *buf, size_t len);
/* Address ranges [key, key_end] of alen bytes (4 or 16) at the start of the keys: sorted by
 * key and merged where they overlap, in place; returns the new count (<= n). A merged range
 * keeps the line, origin and comment of its first part. Bytes of key past alen must be 0. */
int ir_ranges_merge(struct ir_elem *v, int n, size_t alen);
/* The size a set is created with in the kernel (0: none). A hash set is sized (loading it
 * then costs half: no growing) with room to grow: at least 16, a power of two above 5/4 of
 * its elements, so a delta adding elements fits unless it crosses that size (then the set's
 * definition differs and the table is replaced). Interval, timeout, dynamic sets and
 * meters: s->size. */
uint32_t ir_set_capacity(const struct ir_set *s);
int ir_chain_find(const struct ir_ruleset *rs, const char *name);
int ir_set_find(const struct ir_ruleset *rs, const char *name);

/* Rule building helpers (no allocation). */
void ir_rule_init(struct ir_rule *r, const char *comment, int line);
struct ir_stmt *ir_stmt(struct ir_rule *r, enum ir_op op);	/* NULL if the rule is full */

/* Encode one field value into a register-padded key at offset off; returns the new offset. */
size_t ir_put(uint8_t *key, size_t off, enum ir_field f, const void *val);
size_t ir_put_str(uint8_t *key, size_t off, enum ir_field f, const char *ifname);
size_t ir_put_u32(uint8_t *key, size_t off, enum ir_field f, uint32_t v);

/* Sort elements of every set by key and check for duplicates and (interval sets) overlaps.
 * Returns 0, or -EEXIST with *ret_set, *ret_a, *ret_b naming the clashing pair. */
int ir_set_check(struct ir_set *s, int *ret_a, int *ret_b);

#endif
