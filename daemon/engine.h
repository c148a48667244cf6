/* SPDX-License-Identifier: GPL-2.0-only */
/* engine.h: the verdict engine's decisions, pure. Tables are built from the policy (not from
 * the compiled sets: a second, independent check), immutable, and swapped by the caller.
 * Three kinds of queued packet, told apart by the packet mark the kernel copied from ct mark:
 *   ENGINE|id    first packet of a flow the engine decides (My Number): re-check MAC,
 *                addresses, protocol, port; confirm id or refuse.
 *   ENGINE|0     breakout candidate, from its SYN on: a clean handshake (SYN without data, a
 *                SYN-ACK acking the client's ISN + 1) anchors the stream once; then the
 *                contiguous bytes from the anchor give the name (TLS ClientHello SNI, also
 *                split over several segments, or HTTP Host), checked against the services'
 *                names and, for dns+sni, against listed or learned addresses. Until the
 *                decision every client data segment is dropped (the client retransmits it;
 *                the bytes are kept). An HTTP connection stays here for its life: the bytes
 *                of the first request pass, a byte past it cuts the connection.
 *   COMP_ID_DNS_QUERY  a resolver's query to an upstream: recorded.
 *   COMP_ID_DNS  an upstream's answer to a resolver (an established reply): learn the
 *                services' addresses if it answers a recorded query (same 5-tuple, id,
 *                question name and type), RCODE 0, not truncated. Either way the verdict is
 *                NF_REPEAT with COMP_ID_DNS_SEEN: the policy, not the engine, passes it.
 * No allocation or logging per packet: flow state and the learned table are preallocated. */
#ifndef SANSO_ENGINE_H
#define SANSO_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compile.h"
#include "pkt.h"
#include "policy.h"
#include "tls.h"

enum eng_v {
	ENG_ACCEPT = 0,		/* NF_ACCEPT, packet mark cleared */
	ENG_DROP,		/* NF_DROP (the sender retransmits: e.g. a segment after a gap) */
	ENG_REPEAT,		/* NF_REPEAT with mark: the kernel stores the decision, decides again */
};

struct eng_verdict {
	enum eng_v v;
	uint32_t mark;
	uint8_t why;		/* a refusal (COMP_ID_REFUSED): the enum eng_count that says
				 * why, for the flow log (queue.h); 0: not said */
};

/* Reasons counted per worker (never logged per packet). */
enum eng_count {
	EC_PACKETS = 0,
	EC_FLOW_OK,
	EC_FLOW_REFUSED,	/* no engine flow matches (or the MAC differs) */
	EC_FLOW_DISAGREE,	/* the kernel's map and the engine name different flows */
	EC_BO_OK,
	EC_BO_REFUSED_NAME,	/* no service has this name */
	EC_BO_REFUSED_ADDR,	/* dns+sni: the address is neither listed nor learned */
	EC_BO_REFUSED_ECH,
	EC_BO_REFUSED_PROTO,	/* not TLS / HTTP, server spoke first, too many packets */
	EC_BO_PENDING,		/* client segment held back (dropped, retransmitted) while the
				 * name is incomplete */
	EC_BO_GAP,		/* segment after a gap dropped */
	EC_BO_STATE_FULL,	/* no handshake record or reassembly slot free */
	EC_BO_NO_HANDSHAKE,	/* dropped: no clean handshake (SYN with data, data before the
				 * SYN-ACK, a segment of no known connection) */
	EC_BO_ANCHOR,		/* dropped: a SYN or SYN-ACK that contradicts the anchor */
	EC_BO_SOURCE_QUOTA,	/* dropped: the source holds its quota of handshakes/slots */
	EC_BO_HTTP_CUT,		/* HTTP: a byte past the first request (keep-alive reuse) */
	EC_DNS_ANSWERS,
	EC_DNS_LEARNED,
	EC_DNS_QUERIES,		/* resolvers' queries recorded */
	EC_DNS_UNMATCHED,	/* answer to no query seen: nothing learned */
	EC_DNS_FORGED,		/* same 5-tuple as a query, other id or question: nothing learned */
	EC_DNS_ERROR,		/* RCODE != 0 or TC set: nothing learned */
	EC_DNS_CAPPED,		/* TTL cut to dns_ttl_max */
	EC_DNS_LEARN_DEFERRED,	/* learned while the control plane applied: buffered (learn.h) */
	EC_DNS_LEARN_OVERFLOW,	/* ... the buffer was full: not committed, stays refused */
	EC_DNS_LEARN_RETRIED,	/* buffered updates a worker committed later */
	EC_MALFORMED,
	EC_UNKNOWN_MARK,
	EC_MAX
};

const char *eng_count_name(enum eng_count c);

#define ENG_SVC_PER_ADDR	4	/* services one learned address may serve */
#define ENG_NAME_MAX		64	/* provenance name kept per learned address */

struct eng_tables;
struct eng_learned;
struct eng_flows;

/* Built from a validated policy and its compiled decisions; NULL on ENOMEM. */
struct eng_tables *eng_tables_build(const struct policy *p, const struct comp_result *cr);
void eng_tables_free(struct eng_tables *t);
int eng_tables_flows(const struct eng_tables *t);	/* engine flow entries */
int eng_tables_services(const struct eng_tables *t);	/* engine-decided services */
/* The i-th decision record: the flow or service, its approval, connections accepted so far
 * under this generation. -ENOENT past the end. */
int eng_tables_records(const struct eng_tables *t, int i, const char **name,
		       const char **approval, uint64_t *accepted);

/* Flow state of one worker: 'slots' flows in reassembly at once, ENG_HS_PER_SLOT times as
 * many handshakes, and the DNS queries in flight; key (16 random bytes, drawn by the caller)
 * places them in the tables. eng_flows_seed sets the random key of the query table (before
 * any packet). */
struct eng_flows *eng_flows_new(int slots, const uint8_t key[16]);
void eng_flows_seed(struct eng_flows *f, uint32_t key);
void eng_flows_free(struct eng_flows *f);

/* Addresses learned from DNS, shared by the workers: the caller serializes access. */
struct eng_learned *eng_learned_new(int max);
void eng_learned_free(struct eng_learned *l);
int eng_learned_count(const struct eng_learned *l, int64_t now);

/* A learned address the caller must put into the kernel set (bo_learn4/6) with this
 * timeout before it lets the DNS answer through. */
struct eng_update {
	uint8_t family;
	uint8_t addr[16];
	uint64_t timeout_ms;
};

#define ENG_UPDATES_MAX 32

/* Decide one queued packet (l3 = the IP packet as queued, len bytes captured). mac is the
 * source MAC (NFQA_HWADDR) or NULL. learned may be NULL unless the mark says breakout or DNS;
 * the caller holds its lock. For DNS answers, *n_upd updates are returned (ENG_UPDATES_MAX).
 * Never fails: malformed input is refused (ENG_REPEAT to COMP_ID_REFUSED or ENG_DROP). */
void eng_decide(const struct eng_tables *t, struct eng_flows *fs, struct eng_learned *learned,
		const uint8_t *l3, size_t len, const uint8_t *mac, uint32_t mark, int64_t now_ms,
		struct eng_verdict *ret, struct eng_update *upd, int *n_upd, uint64_t *counts);

/* Does this packet (its mark) need the learned table? */
bool eng_needs_learned(uint32_t mark);

/* Every learned address still valid, for carrying them into the next generation's set. */
int eng_learned_list(const struct eng_learned *l, int64_t now_ms, struct eng_update *out,
		     int max);
/* A learned address as the HA pair carries it (ha.c): its services, its provenance and how
 * long it has left. Times are relative, so the two nodes' clocks need not agree. */
struct eng_learn_rec {
	uint8_t family;
	uint8_t addr[16];
	uint32_t svc[ENG_SVC_PER_ADDR];	/* service decision ids, 0 = none */
	int64_t age_ms, left_ms;	/* since learned; until it expires */
	char name[ENG_NAME_MAX];	/* the name asked */
	uint8_t client[16];		/* the resolver the answer went to */
};

/* Valid entries touched (learned or extended) at or after since_ms, from slot *cursor on, at
 * most max; *cursor is where the next call goes on, -1 once the table's end was reached. */
int eng_learned_export(const struct eng_learned *l, int64_t now_ms, int64_t since_ms,
		       int *cursor, struct eng_learn_rec *out, int max);
/* Learn one record from the peer: each service must be a dns+sni service of t, and the
 * lifetime within what t's DNS limits allow (dns_ttl_max + dns_grace). 1 and *u filled when
 * the kernel set must be told, 0 when it already knows, -EINVAL for a record t refuses,
 * -ENOSPC when the table is full. */
int eng_learned_import(const struct eng_tables *t, struct eng_learned *l,
		       const struct eng_learn_rec *r, int64_t now_ms, struct eng_update *u);
/* Provenance of a learned address, for explain: the name asked, when, until when, and the
 * resolver the answer went to. 0 or -ENOENT. */
int eng_learned_explain(const struct eng_learned *l, uint8_t family, const uint8_t *addr,
			int64_t now_ms, char *name, size_t len, int64_t *ret_learned_ms,
			int64_t *ret_expires_ms, uint8_t ret_client[16]);

#endif
