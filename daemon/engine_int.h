/* SPDX-License-Identifier: GPL-2.0-only */
/* engine_int.h: the engine's data structures, shared by engine.c (building, allocation)
 * and classify.c (the per-packet decisions, which allocate nothing). Not a public API. */
#ifndef SANSO_ENGINE_INT_H
#define SANSO_ENGINE_INT_H

#include <stdatomic.h>

#include "dns.h"
#include "engine.h"

#define ENG_PATTERNS_MAX	256	/* fqdns per service kept */
#define ENG_PROBE		8	/* open addressing probe window */
#define ENG_PENDING_MAX		64	/* data segments a breakout flow may take to show its name
					 * (retransmissions of held segments included) */
#define ENG_FLOW_IDLE_MS	30000	/* an undecided handshake or reassembly slot lives this
					 * long after its SYN or its last data (pure ACKs do not
					 * refresh it) */
#define ENG_HS_PER_SLOT		8	/* handshake records per reassembly slot: table size and
					 * the per-source bound (source_quota * this) */
#define ENG_DONE_MS		10000	/* a decided handshake answers late queued packets */
#define ENG_HTTP_IDLE_MS	300000	/* a decided HTTP connection idle this long is forgotten */
#define ENG_DNS_PEND_SLOTS	2048	/* queries awaiting their answer, per worker */
#define ENG_DNS_PEND_MS		10000	/* a query unanswered this long is forgotten */
#define ENG_DNS_TCP_SLOTS	8	/* DNS-over-TCP answers in reassembly, per worker */
#define ENG_DNS_TCP_BUF		16384	/* bytes of one: a longer answer teaches nothing */

/* One engine-decided flow in one family. */
struct eng_flow {
	uint32_t id;
	bool has_mac;
	uint8_t mac[6];
	uint8_t family;			/* AF_INET / AF_INET6 */
	uint8_t proto;			/* L4 protocol as in the packet (ICMPv6: 58) */
	uint8_t src[16], src_end[16];	/* inclusive ranges */
	uint8_t dst[16], dst_end[16];
	const struct port_range *ports;	/* borrowed from the policy the tables were built from */
	int n_ports;
};

struct eng_service {
	uint32_t id;
	enum svc_match match;
	char **patterns;		/* borrowed: policy fqdns */
	int n_patterns;
	const struct port_range *ports;
	int n_ports;
	struct eng_range *ranges;	/* listed prefixes, sorted by (family, start) */
	int n_ranges;
	bool tls_only;			/* tls = "required" (R26): an HTTP Host never names it */
};

struct eng_range {
	uint8_t family;
	uint8_t lo[16], hi[16];
};

/* Decisions counted per flow or service: the record of what the engine decided, by name and
 * approval (read by sansoctl stats). Sorted by id; counters are relaxed atomics. */
struct eng_record {
	uint32_t id;
	const char *name;		/* borrowed from the policy */
	const char *approval;
	_Atomic uint64_t accepted;
};

struct eng_tables {
	struct eng_record *records;
	int n_records;
	struct eng_flow *flows;		/* sorted by (family, src) */
	int n_flows;
	struct eng_service *svcs;
	int n_svcs;
	uint8_t ports[8192];		/* bitmap: candidate server ports of engine services */
	int dns_floor, dns_grace;	/* seconds */
	uint32_t dns_ttl_max;		/* seconds: TTLs are cut to this first */
	enum ech_policy ech;
	int source_quota;		/* reassembly slots per source address and worker */
	struct policy *policy;		/* the tables borrow from it; owned elsewhere */
};

struct eng_learn_entry {
	bool used;
	uint8_t family;
	uint8_t addr[16];
	uint32_t svc[ENG_SVC_PER_ADDR];	/* service decision ids, 0 = free */
	int64_t learned_ms, expires_ms;
	int64_t touched_ms;		/* last learned or extended: what an HA peer is sent first */
	char name[ENG_NAME_MAX];	/* the name asked, for explain */
	uint8_t client[16];		/* the resolver the answer went to */
};

struct eng_learned {
	struct eng_learn_entry *v;
	int cap;			/* power of two */
	int max;
	int used;			/* slots ever taken (expired ones are reused) */
	struct eng_learn_entry *scratch;	/* max entries: room for a purge */
};

/* A breakout connection from its clean SYN on: the tuple and the anchor, the client's
 * ISN + 1, fixed once (a SYN or SYN-ACK that contradicts it is dropped). Small; the 16 KiB
 * reassembly slot is taken only with the first client data. */
enum eng_hs_state {
	HS_FREE = 0,
	HS_SYN,				/* clean SYN seen */
	HS_OPEN,			/* the server's SYN-ACK acked the anchor: data may come */
	HS_READ,			/* reading the name: slot holds the stream */
	HS_VERIFY,			/* TLS accepted; until the server acks every judged byte,
					 * client segments over them must repeat them (the held
					 * ones are retransmitted after the decision) */
	HS_HTTP,			/* HTTP accepted: only the first request may pass (and
					 * verified like HS_VERIFY while it keeps its slot) */
	HS_DONE,			/* decided: late queued packets get the same verdict */
};

struct eng_hs {
	uint8_t state;			/* enum eng_hs_state */
	uint8_t family;
	bool fin;			/* HS_HTTP: the client closed its side */
	uint16_t cport, sport;
	int32_t slot;			/* its reassembly slot, -1 none */
	uint32_t anchor;		/* client ISN + 1: the stream starts here */
	uint32_t judged;		/* after the decision: end of the bytes judged */
	uint32_t end;			/* HS_HTTP: sequence number after the first request */
	uint32_t mark;			/* HS_HTTP: the service id; HS_DONE: the verdict mark */
	int64_t expires_ms;
	uint8_t cli[16], srv[16];
};

/* Handshakes and reassembly slots one source address holds (per worker). */
struct eng_src {
	uint8_t family;
	uint8_t addr[16];
	uint16_t n_hs, n_slots;		/* both 0: the entry is free */
	int64_t scan_ms;		/* last search for its expired handshakes */
};

struct eng_flow_state {
	bool used;
	bool http;
	uint16_t pkts;
	int32_t hs;			/* its handshake record */
	int64_t last_ms;
	struct tls_acc acc;		/* also the HTTP header buffer */
};

/* A resolver's query to an upstream, seen leaving: the only thing an answer may match. */
struct eng_dns_query {
	bool used;
	uint8_t family, proto;
	uint16_t rport, uport;		/* resolver's and upstream's ports */
	uint16_t txid, qtype;
	uint8_t res[16], up[16];
	int64_t sent_ms;
	char qname[DNS_NAME_MAX + 1];
};

/* An upstream's DNS-over-TCP stream to a resolver, from its SYN-ACK on: in-order bytes
 * until a whole 2-byte-prefixed message is there. A gap or an overflow ends it (nothing
 * learned; the segments pass anyway: the tap never drops). */
struct eng_dns_tcp {
	bool used;
	uint8_t family;
	uint16_t rport, uport;
	uint8_t res[16], up[16];
	uint32_t next;			/* sequence number of the next byte expected */
	uint32_t len;
	int64_t last_ms;
	uint8_t buf[ENG_DNS_TCP_BUF];
};

/* Queries in flight, per worker (a query and its answer are hashed to the same queue):
 * open addressing on the 5-tuple with a random key, ENG_PROBE slots per tuple; expired
 * slots are reused, and when a window is full its oldest query is forgotten. */
struct eng_dns_pend {
	struct eng_dns_query *v;
	int cap;			/* power of two */
	uint32_t key;
	struct eng_dns_tcp *tcp;	/* ENG_DNS_TCP_SLOTS */
};

struct eng_flows {
	struct eng_flow_state *v;	/* reassembly slots */
	int cap;			/* power of two */
	struct eng_dns_pend dns;
	struct eng_hs *hs;		/* handshake records: ENG_HS_PER_SLOT per slot, load <= 1/2 */
	int hs_cap;
	struct eng_src *src;
	int src_cap;
	uint64_t key[2];		/* placement hash key (random per process) */
};

int eng_addr_len(uint8_t family);
uint32_t eng_hash(const void *data, size_t len, uint32_t h);
/* SipHash-2-4 of data under key: where a tuple or source lands in the tables. */
uint64_t eng_khash(const uint64_t key[2], const void *data, size_t len);

#endif
