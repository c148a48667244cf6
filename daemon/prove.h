/* SPDX-License-Identifier: GPL-2.0-only */
/* prove.h: an independent reachability proof of an nftables ruleset (issue #13).
 * A second implementation: it shares no code with compile.c, nftgen.c or policy_check.c. The
 * ruleset is read into the model below (prove_json.c reads nft's own JSON), evaluated
 * symbolically over boxes of the header space (one interval per dimension; a rule splits a box
 * at the boundaries its matches and set elements name: no packet is enumerated), and the
 * accepted boxes are compared with what the policy allows (prove_policy.c).
 * Conservative where it cannot see: queue, an opaque xt expression, limits and meters are
 * treated as possibly accepting or possibly matching. Pure: no syscalls, no logging. */
#ifndef SANSO_PROVE_H
#define SANSO_PROVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef unsigned __int128 pv_u128;

/* Dimensions of the header space. Addresses: IPv4 in the low 32 bits. Interfaces: an index
 * into the model's interface names (the last one stands for every other name). ct state: the
 * kernel's bit values (invalid 1, established 2, related 4, new 8, untracked 64). */
enum pv_dim {
	PV_IIF = 0, PV_OIF, PV_ETHSRC, PV_NFPROTO, PV_SADDR, PV_DADDR, PV_L4PROTO, PV_DPORT,
	PV_CTSTATE, PV_CTMARK, PV_MARK, PV_DIMS
};

#define PV_CT_INVALID	1
#define PV_CT_ESTABLISHED 2
#define PV_CT_RELATED	4
#define PV_CT_NEW	8
#define PV_CT_UNTRACKED	64
#define PV_KEY_MAX	8
#define PV_IF_MAX	128

struct pv_iv {
	pv_u128 lo, hi;
};

struct pv_box {
	struct pv_iv d[PV_DIMS];
};

enum pv_verdict {
	PV_V_NONE = 0, PV_V_ACCEPT, PV_V_DROP, PV_V_QUEUE, PV_V_JUMP, PV_V_GOTO, PV_V_RETURN,
	PV_V_CONTINUE, PV_V_XT
};

/* One set or map element: an interval per key component, and the data of a map. */
struct pv_elem {
	struct pv_iv k[PV_KEY_MAX];
	enum pv_verdict v;		/* verdict maps */
	int chain;			/* jump/goto target */
	uint32_t data;			/* mark maps */
};

struct pv_set {
	char name[64];
	int n_key;
	enum pv_dim key[PV_KEY_MAX];
	bool is_vmap, is_map;
	bool unknown;		/* a key type the proof does not model: elements not read */
	bool ids;		/* marks: each element an id of its own, sorted but never joined
				 * (adjacent dead decision ids must not read as a range) */
	struct pv_elem *e;
	size_t n, cap;
};

/* A key: one dimension or a concatenation; a field of IPv4 (IPv6) also requires nfproto 2
 * (10); 'mask' (not all ones) is applied to a single dimension before the comparison. */
struct pv_key {
	int n;
	enum pv_dim d[PV_KEY_MAX];
	uint8_t fam[PV_KEY_MAX];	/* 0, AF_INET or AF_INET6 */
	bool l4dep[PV_KEY_MAX];		/* tcp/udp dport: l4proto of that family */
	uint8_t l4proto[PV_KEY_MAX];
	pv_u128 mask;			/* 0: none */
};

enum pv_stmt_kind {
	PV_S_MATCH = 0,		/* key op set */
	PV_S_SET_CONST,		/* ct mark / meta mark = value */
	PV_S_SET_MAP,		/* ct mark / meta mark = key map @set (miss: the rule stops) */
	PV_S_SET_COPY,		/* dst = src & mask */
	PV_S_VMAP,		/* key vmap @set (miss: the rule stops) */
	PV_S_VERDICT,
	PV_S_MAYBE,		/* limit, meters, unknown matches: may match or not */
	PV_S_NOP		/* counter, log, ... */
};

struct pv_stmt {
	enum pv_stmt_kind kind;
	struct pv_key key;
	bool neg;		/* MATCH: != */
	int set;		/* MATCH/SET_MAP/VMAP: index into model sets */
	enum pv_dim dst, src;	/* SET_*: written dimension; SET_COPY: source */
	pv_u128 val, mask;	/* SET_CONST value; SET_COPY mask */
	enum pv_verdict v;
	int chain;		/* JUMP/GOTO target */
	uint8_t dep_fam, dep_l4;	/* MAYBE on a field the proof does not read: what the
					 * kernel's payload dependency still requires of a
					 * match (nfproto, l4proto; 0: nothing) */
};

struct pv_rule {
	struct pv_stmt *s;
	int n;
	int handle;
	char *text;		/* short description for witnesses */
};

enum pv_hook { PV_H_NONE = 0, PV_H_PREROUTING, PV_H_INPUT, PV_H_FORWARD, PV_H_OUTPUT,
	       PV_H_POSTROUTING };

struct pv_chain {
	char name[64];
	enum pv_hook hook;
	int prio;
	bool policy_drop;
	struct pv_rule *r;
	int n, cap;
};

struct pv_model {
	struct pv_chain *c;
	int n_chains;
	struct pv_set *sets;
	int n_sets;
	char ifname[PV_IF_MAX][16];	/* the last used index is "other" */
	int n_if;
	bool opaque;		/* an xt expression was seen */
	bool approx;		/* a match was over-approximated */
	char why[256];		/* what could not be evaluated */
};

/* A trace: the rules a box went through (shared tails). */
struct pv_trace {
	const struct pv_trace *up;
	int chain, rule;
};

/* An accepted box, how (accept, queue, xt) and the rules it traversed. lz not NULL: a lookup
 * of a big set kept as the set itself (exact, not one box per element): only the packets of
 * b whose key lzk lies in an element of lz are in the class (b is the hull). */
struct pv_hit {
	struct pv_box b;
	enum pv_verdict how;
	const struct pv_trace *t;
	const struct pv_set *lz;
	const struct pv_key *lzk;
};

struct pv_result {
	struct pv_hit *h;
	size_t n, cap;
	struct pv_trace **tr;	/* every trace node, freed with the result */
	size_t n_tr, cap_tr;
	int depth_max;		/* deepest jump chain seen */
	bool approx;		/* a masked match on a range went both ways, or a big set's miss
				 * was kept whole (PV_SET_EXACT) */
	unsigned long work;	/* boxes made and set elements visited so far */
	unsigned long work_max;	/* the budget: over it, pv_eval gives up with -E2BIG (0: the
				 * default, PV_WORK_MAX) */
};

/* The budget of one proof: boxes made plus set elements visited. It bounds time and memory
 * (a box is a few hundred bytes); a ruleset that needs more cannot be evaluated (-E2BIG). */
#define PV_WORK_MAX	(6UL << 20)
/* The largest nft JSON read (the bench's 150k elements are 17 MB; parsed, ~15 times that). */
#define PV_JSON_MAX	(64UL << 20)
/* A lookup that meets more elements than this keeps its miss whole (the hits are exact): a
 * miss is the box minus every element, and splitting it is what grows as a product of big
 * sets. Keeping it whole over-approximates what goes on (possibly accepting), never less. */
#define PV_SET_EXACT	64

void pv_model_init(struct pv_model *m);
void pv_model_free(struct pv_model *m);
int pv_model_ifindex(struct pv_model *m, const char *name);	/* adds the name */
int pv_model_chain(struct pv_model *m, const char *name);	/* adds the chain */
int pv_model_set(const struct pv_model *m, const char *name);	/* -ENOENT */
int pv_set_add(struct pv_set *s, const struct pv_elem *e);
/* Sort the elements and join those that overlap or touch on the last key component (the
 * others and the data equal; not for s->ids): the same set, fewer elements to split at. */
int pv_set_merge(struct pv_set *s);	/* 0, -ENOMEM */
/* A merged set, sorted: the first element whose first field ends at or after v (s->n: none;
 * exact for a one-field set, a lower bound for a concatenation). */
size_t pv_set_first(const struct pv_set *s, pv_u128 v);
/* Narrow b to the first element of lz (key k) that meets it: false if none does. */
bool pv_lz_narrow(const struct pv_set *lz, const struct pv_key *k, struct pv_box *b);
int pv_chain_add(struct pv_chain *c, const struct pv_rule *r);
/* Close the interface list (adds "other"); call once after loading. */
void pv_model_seal(struct pv_model *m);

/* The whole space: every interface, both families, one ct state and marks as given. */
void pv_box_full(const struct pv_model *m, struct pv_box *b, int nfproto);
bool pv_box_empty(const struct pv_box *b);
bool pv_box_meet(const struct pv_box *a, const struct pv_box *b, struct pv_box *out);
/* a minus b as at most 2 * PV_DIMS disjoint boxes; returns how many. */
int pv_box_minus(const struct pv_box *a, const struct pv_box *b, struct pv_box *out);

/* Evaluate the packets of 'start' through prerouting then forward (hook PV_H_FORWARD) or
 * input (PV_H_INPUT); accepted boxes are added to res. 0 or -errno (-ELOOP: jump depth,
 * -E2BIG: over res->work_max, which carries over calls on the same res). */
int pv_eval(const struct pv_model *m, enum pv_hook hook, const struct pv_box *start,
	    struct pv_result *res);
void pv_result_free(struct pv_result *r);

void pv_addr_format(pv_u128 a, int nfproto, char *buf, size_t len);
void pv_trace_print(const struct pv_model *m, const struct pv_trace *t, FILE *out);

/* nft JSON (prove_json.c): 0, or -EINVAL with m->why saying where. */
int pv_json_load(struct pv_model *m, const char *text);

#endif
