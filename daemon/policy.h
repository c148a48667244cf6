/* SPDX-License-Identifier: GPL-2.0-only */
/* policy.h: the zone policy as plain data, and its validation (invariants I1-I6).
 * conf.c fills a struct policy from libconfig; policy_validate() resolves names and proves the
 * invariants; compile.c turns a validated policy into a ruleset. Pure: no syscalls, no logging.
 * A policy owns all its memory through one arena: policy_free() releases everything. */
#ifndef SANSO_POLICY_H
#define SANSO_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>	/* AF_INET, AF_INET6 (constants: purity is a property of the .o) */

#include "diag.h"

#define POLICY_NAME_MAX		64	/* names, ids, approval ids (bytes, incl. NUL) */
#define POLICY_IFNAME_MAX	16	/* IFNAMSIZ */
#define POLICY_ZONE_IFACES_MAX	16
#define POLICY_ZONES_MAX	16
#define POLICY_PORTS_MAX	64
#define POLICY_OBJECTS_MAX	1000000	/* hosts, groups, flows, exceptions, prefixes each */

/* The three zones the seeds define have fixed roles; anything else is ZONE_OTHER (e.g. dmz). */
enum zone_role {
	ZONE_OTHER = 0,
	ZONE_MYNUMBER,
	ZONE_LGWAN,
	ZONE_INTERNET,
	ZONE_ROLE_MAX
};

enum policy_model {
	MODEL_THREE_TIER = 0,		/* "three-tier": mynumber + lgwan + internet */
	MODEL_LGWAN_INTERNET,		/* "lgwan-internet": seed 003 */
	MODEL_MYNUMBER_INTERNET,	/* "mynumber-internet": seed 002 */
	MODEL_MAX
};

enum flow_class {
	FLOW_PEER = 0,			/* "peer": cross-zone peer (e.g. My Number external peer) */
	FLOW_PUBLIC_VIA_LGWAN,		/* "public-system-via-lgwan": R6 */
	FLOW_SANITISED_RELAY,		/* "sanitised-relay": R19-R22, needs a method */
	FLOW_SCREEN_INTO_MYNUMBER,	/* "screen-transfer-into-mynumber": R13 */
	FLOW_INTERNAL,			/* "internal": both ends in one zone */
	FLOW_MANAGEMENT,		/* "management": to or from the gateway itself */
	FLOW_CLASS_MAX
};

enum relay_method {
	METHOD_NONE = 0,
	METHOD_MAIL_TEXT,		/* "mail-text" */
	METHOD_SCREEN_TRANSFER,		/* "screen-transfer" */
	METHOD_FILE_SANITISE,		/* "file-sanitise" */
	METHOD_MAX
};

enum link_type {
	LINK_DEDICATED = 0,		/* "dedicated": 専用回線 */
	LINK_LGWAN,			/* "lgwan": over the LGWAN */
	LINK_VPN,			/* "vpn" */
	LINK_INTERNET,			/* "internet" */
	LINK_MAX
};

enum svc_match {
	MATCH_DNS_SNI = 0,		/* "dns+sni" (default): address learned/listed AND name */
	MATCH_SNI,			/* "sni" */
	MATCH_IP,			/* "ip": listed prefixes only, decided in the kernel */
	MATCH_MAX
};

enum svc_type {
	SVC_CLOUD = 0,			/* "cloud": needs an ISMAP registration (R25) */
	SVC_SECURITY_UPDATE,		/* "security-update": R26, non-ISMAP with conditions */
	SVC_TYPE_MAX
};

/* A prefix: family AF_INET or AF_INET6 (from <sys/socket.h>: 2 and 10), address in network
 * byte order, host bits zero. */
struct prefix {
	uint8_t family;
	uint8_t len;
	uint8_t addr[16];
};

/* Inclusive port range; a single port has lo == hi. */
struct port_range {
	uint16_t lo, hi;
};

struct src_loc {
	int line;			/* 0 when unknown; the file is policy->file */
};

/* R11: the role of an Internet-zone interface (uplinks = { IF = "role"; }). */
enum uplink_role {
	UPLINK_NONE = 0,		/* no uplinks declared: every interface, as before */
	UPLINK_SECURITY_CLOUD,		/* to the prefecture's security cloud: egress, no breakout */
	UPLINK_BREAKOUT_LINE,		/* local breakout line: breakout traffic only */
	UPLINK_CLOUD_BREAKOUT,		/* security cloud, and local breakout allowed on it too */
	UPLINK_ROLE_MAX
};

struct zone {
	char id[POLICY_NAME_MAX];	/* canonical: "mynumber", "lgwan", "internet" or own id */
	char *label;			/* as written in the config (may be Japanese) */
	enum zone_role role;
	char ifaces[POLICY_ZONE_IFACES_MAX][POLICY_IFNAME_MAX];
	int n_ifaces;
	struct prefix *nets;
	int n_nets;
	bool any;			/* networks = ["any"]: every address not in another zone */
	struct src_loc loc;
	bool has_uplinks;		/* uplinks given (Internet zone only, R11) */
	uint8_t uplink[POLICY_ZONE_IFACES_MAX];	/* enum uplink_role of ifaces[i] */
};

/* A remote segment (R7, R9): Government Cloud or LGWAN-side cloud reached over a line. Its
 * prefixes belong to its zone; its interface is an interface of that zone. */
struct segment {
	char name[POLICY_NAME_MAX];
	char *zone_name;		/* as written; resolved into zone */
	int zone;			/* index into policy->zones, -1 until resolved */
	enum link_type link;
	char iface[POLICY_IFNAME_MAX];
	struct prefix *nets;
	int n_nets;
	struct src_loc loc;
};

struct host {
	char name[POLICY_NAME_MAX];
	char *zone_name;
	int zone;			/* resolved index */
	bool has_mac, has4, has6;
	uint8_t mac[6];
	uint8_t ip4[4];
	uint8_t ip6[16];
	int internet_connected;		/* -1 unknown, 0 attested false (R5), 1 true */
	struct src_loc loc;
	int ic_line;			/* line of the internet_connected attestation, 0 if none */
};

enum member_kind {
	MEMBER_HOST = 0,
	MEMBER_PREFIX,
	MEMBER_MAX
};

struct member {
	enum member_kind kind;
	char *name;			/* host name as written (MEMBER_HOST) */
	int host;			/* resolved index (MEMBER_HOST) */
	struct prefix pfx;		/* MEMBER_PREFIX */
};

struct group {
	char name[POLICY_NAME_MAX];
	struct member *members;
	int n_members;
	int zone;			/* resolved: the one zone all members belong to */
	struct src_loc loc;
};

enum ep_kind {
	EP_UNRESOLVED = 0,
	EP_HOST,
	EP_GROUP,
	EP_ZONE,			/* a whole zone: a wildcard, refused where it matters */
	EP_GATEWAY,			/* "gateway": the box itself (management) */
	EP_KIND_MAX
};

/* A flow endpoint: written as a name, resolved by policy_validate(). */
struct endpoint {
	char *name;
	enum ep_kind kind;
	int idx;			/* host, group or zone index */
	int zone;			/* the endpoint's zone, -1 for the gateway */
};

/* Who decides a flow's new connections: the kernel alone (set lookups), or the verdict engine
 * too (NFQUEUE: it re-checks MAC, addresses, protocol and port against its own tables). */
enum flow_verdict {
	VERDICT_DEFAULT = 0,		/* resolved by policy_validate(): engine for mynumber */
	VERDICT_KERNEL,			/* "kernel" */
	VERDICT_ENGINE,			/* "engine" */
	VERDICT_MAX
};

/* proto: an IP protocol number; 1 (icmp) means ICMP for IPv4 and ICMPv6 for IPv6. */
struct flow {
	char name[POLICY_NAME_MAX];
	enum flow_class cls;
	enum relay_method method;
	struct endpoint from, to;
	uint8_t proto;
	struct port_range *ports;
	int n_ports;
	char approval[POLICY_NAME_MAX];
	char *purpose;
	char *authority;		/* public-system-via-lgwan: the agency or system */
	char *comment;
	struct src_loc loc;
	enum flow_verdict verdict;	/* after validation: VERDICT_KERNEL or VERDICT_ENGINE */
	bool local;			/* after validation: both ends in one zone of one link:
					 * it never crosses the gateway (warned, shown so) */
};

struct exception {
	char id[POLICY_NAME_MAX];
	struct endpoint from, to;
	uint8_t proto;
	struct port_range *ports;
	int n_ports;
	char *reason;
	char requested_by[POLICY_NAME_MAX];
	char approved_by[POLICY_NAME_MAX];
	int64_t expires;		/* unix seconds */
	char *expires_text;		/* as written, for printing */
	bool expired;			/* set by policy_validate() against its 'now' */
	bool window;			/* a remote maintenance window (maint.c): counted */
	struct src_loc loc;
};

struct service {
	char name[POLICY_NAME_MAX];
	enum svc_type type;
	char ismap[POLICY_NAME_MAX];	/* ISMAP registration number, "" if none */
	int64_t ismap_valid_until;	/* unix seconds (end of that day, JST); 0 if none */
	char *ismap_valid_text;
	bool disabled;			/* registration expired: refused with a warning */
	char **fqdns;
	int n_fqdns;
	struct prefix *prefixes;
	int n_prefixes;
	struct port_range *ports;
	int n_ports;
	enum svc_match match;
	char approval[POLICY_NAME_MAX];
	int handles_admin_docs;		/* security-update: must be attested 0 (R26) */
	bool tls_required;		/* security-update: tls = "required" */
	struct src_loc loc;
	char *psl_override;		/* why a wildcard over a public suffix is wanted; NULL */
};

enum ech_policy {
	ECH_REFUSE = 0,			/* "refuse" (default): a ClientHello with ECH is refused */
	ECH_OUTER,			/* "outer-sni": judge the outer (public) name */
	ECH_MAX
};

/* Local breakout (R25-R30). Sources are zones or groups (from_names resolve to one of them:
 * from[i] is a zone index or -1, from_group[i] a group index or -1). The resolvers are the
 * LGWAN-side DNS servers the terminals use; upstreams are the DNS servers they forward to.
 * Answers from upstreams to resolvers are learned by the engine. */
struct breakout {
	int *from;			/* zone indexes (resolved from from_names), or -1 */
	char **from_names;
	int n_from;
	struct prefix *resolvers;
	int n_resolvers;
	struct service *services;
	int n_services;
	struct src_loc loc;
	int *from_group;		/* group indexes, or -1; same length as from */
	struct prefix *upstreams;
	int n_upstreams;
	int dns_floor;			/* seconds: least lifetime of a learned address (60) */
	int dns_grace;			/* seconds added to every TTL (30) */
	int dns_ttl_max;		/* seconds: a TTL above is cut to this, before floor and
					 * grace (3600): a learned address always expires */
	int dns_max;			/* learned addresses at most (65536) */
	enum ech_policy ech;
	int port_span_max;		/* widest service port range (16): the engine guesses the
					 * client side by the server port */
};

#define ENGINE_QUEUES_MAX	8

/* The verdict engine's queues. Traffic that needs it is dropped while it is down, except on
 * zone pairs listed in fail_open ("from>to"), which the kernel accepts instead (bypass). */
#define ENGINE_SOURCE_QUOTA	16	/* of 256 slots per worker */
#define ENGINE_SOURCE_QUOTA_MAX	256

struct engine_conf {
	int queues;			/* worker threads, one NFQUEUE each (default 1) */
	int queue_base;			/* first queue number (default 0) */
	int queue_maxlen;		/* packets per queue (default 4096) */
	int source_quota;		/* breakout reassembly slots one source address may hold
					 * per worker (default ENGINE_SOURCE_QUOTA) */
	char **fail_open;		/* "from>to" as written */
	int n_fail_open;
	int *fail_open_from, *fail_open_to;	/* resolved zone indexes */
	struct src_loc loc;
};

/* Denial-of-service limits (R44), per source address and forwarded zone pair: new connections
 * a second (a token bucket of burst packets) and connections held at once (ct count). IPv6
 * sources count per /64. 0 switches a meter off. */
#define LIMITS_RATE		200	/* defaults */
#define LIMITS_BURST		400
#define LIMITS_CT_COUNT		1000
#define LIMITS_CONNTRACK_WARN	0.8	/* of nf_conntrack_max */
#define LIMITS_VALUE_MAX	1000000

struct pair_limits {
	int rate;			/* new connections per second per source; 0: no meter */
	int burst;			/* packets over the rate at once */
	int ct_count;			/* connections per source at once; 0: no limit */
};

struct limit_pair {
	char *pair;			/* "from>to" as written */
	int from, to;			/* zone indexes, resolved by conf.c */
	struct pair_limits l;
	int line;
};

struct limits_conf {
	struct pair_limits dflt;	/* every pair not listed in pairs */
	double conntrack_warn;		/* warn above this fraction of nf_conntrack_max */
	struct limit_pair *pairs;
	int n_pairs;
	struct src_loc loc;
};

/* High availability (R99, R102): two gateways on a dedicated sync link. keepalived moves the
 * zone interfaces' virtual addresses (VRRP, IP protocol 112), conntrackd replicates the
 * connections with their ct mark. The same policy runs on both nodes, so it names both sync
 * addresses; the first listed is the preferred master. present is false without the section. */
#define HA_CONNTRACKD_PORT	3780
#define HA_SYNC_PORT		3781	/* sansod's own state (hasync.h) */
#define HA_NODES		2

struct ha_conf {
	bool present;
	char sync_if[POLICY_IFNAME_MAX];	/* the sync link: no zone, nothing else */
	struct prefix *nodes;		/* sync addresses of both gateways (bare addresses) */
	int n_nodes;
	int conntrackd_port;		/* UDP, default HA_CONNTRACKD_PORT */
	int sync_port;			/* UDP, sansod's state, default HA_SYNC_PORT */
	struct src_loc loc;
};

/* alerts section: where sansod's alerts go besides the journal (alert.h). */
struct alerts_conf {
	bool present;
	char **syslog;			/* "udp://10.20.0.60:514", checked (alertfmt.h) */
	int n_syslog;
	char *command;			/* absolute path, NULL: none */
	int command_timeout;		/* seconds; 0: ALERTS_COMMAND_TIMEOUT */
	int rate;			/* alerts per event and minute; 0: ALERTS_RATE */
	struct src_loc loc;
};

#define ALERTS_COMMAND_TIMEOUT	30
#define ALERTS_RATE		5

struct policy;
struct psl;
/* The limits of the zone pair from>to (a listed pair, else the defaults). */
const struct pair_limits *policy_limits(const struct policy *p, int from, int to);

/* reachability matrix: for each ordered zone pair, a bitmask of (1U << enum flow_class) plus
 * the extra bits below. */
#define REACH_EXCEPTION		(1U << 16)
#define REACH_BREAKOUT		(1U << 17)

#define POLICY_PROPOSAL_TTL_DAYS	7
#define POLICY_KEEP_VERSIONS		1000
#define POLICY_KEEP_DAYS		3650

/* The flow log (policy section logging, R84-R86): the NFLOG group the ruleset logs to, the
 * kernel's per-rule rate, the daemon's per (rule, source) rate, segments, retention and scan
 * detection. Defaults below; conf.c checks the ranges. */
#define LOGGING_GROUP		7
#define LOGGING_KERNEL_RATE	50		/* log packets per second per rule (burst 2x) */
#define LOGGING_SOURCE_LINES	10		/* lines per (rule, source) per source_window */
#define LOGGING_SOURCE_WINDOW	60		/* seconds */
#define LOGGING_SEGMENT_BYTES	(64 << 20)
#define LOGGING_SEGMENT_SECONDS	86400
#define LOGGING_RETENTION_DAYS	400
#define LOGGING_SCAN_PORTS	20
#define LOGGING_SCAN_HOSTS	20
#define LOGGING_SCAN_WINDOW	10		/* seconds */
#define LOGGING_SCAN_MAX	64		/* scan_ports and scan_hosts at most */
#define LOGGING_BURST_EVENTS	200		/* logged packets of one source per burst_window */
#define LOGGING_BURST_WINDOW	10		/* seconds */

struct logging_conf {
	int group;
	int kernel_rate;
	int source_lines, source_window;
	int segment_bytes, segment_seconds;
	int retention_days;
	int scan_ports, scan_hosts, scan_window;
	int burst_events, burst_window;
	bool block_on_failure;		/* on_failure = "block-crosszone" (default "alert-only") */
	struct src_loc loc;
};

struct policy {
	char *file;			/* path used in diagnostics */
	char *organisation;
	char *document;
	char *classification;		/* policy.classification: the label of what the
					 * evidence holds (機密性2), or NULL */
	enum policy_model model;

	struct zone *zones;		int n_zones;
	struct segment *segments;	int n_segments;
	struct host *hosts;		int n_hosts;
	struct group *groups;		int n_groups;
	struct flow *flows;		int n_flows;
	struct exception *exceptions;	int n_exceptions;
	struct breakout breakout;	/* n_services == 0 when absent */

	uint32_t reach[POLICY_ZONES_MAX][POLICY_ZONES_MAX];
	bool validated;

	struct arena *arena;		/* owns every pointer above */
	struct policy_index *index;	/* name lookup, in the arena: built by policy_validate() */
	struct engine_conf engine;
	struct limits_conf limits;
	const struct psl *psl;		/* borrowed, set by the caller before policy_validate():
					 * NULL refuses every wildcard over a suffix (fail closed) */
	struct ha_conf ha;
	struct alerts_conf alerts;
	int exception_max_days;		/* policy.exception_max_days; 0: POLICY_EXC_MAX_DAYS */
	bool verify_prove;		/* policy.verify = "prove": every commit is also proven
					 * independently from the kernel's table (kprove.h) */
	struct changes_conf {		/* change control (policy section; sansod.h: the store) */
		bool single;		/* policy.changes = "single": one person may change it */
		int proposal_ttl_days;	/* a proposal is refused after (default 7) */
		int keep_versions;	/* stored versions kept at least (default 1000) */
		int keep_days;		/* and those younger than this (default 3650) */
	} changes;
	struct logging_conf logging;	/* the flow log (policy section logging) */
};

#define POLICY_EXC_MAX_DAYS	90	/* an exception's longest life by default (R58) */

/* Arena: every allocation of a policy comes from here; freed at once by policy_free(). */
struct policy *policy_new(const char *file);
void policy_free(struct policy *p);
void *policy_alloc(struct policy *p, size_t size);		/* zeroed; NULL on ENOMEM */
char *policy_strdup(struct policy *p, const char *s);		/* NULL on ENOMEM */
/* Grow an arena array of n elements of size sz to hold n + 1; returns the new base. */
void *policy_grow(struct policy *p, void *base, int n, size_t sz);

/* Names. Every zone reference goes through policy_zone_canon(): Japanese names and aliases
 * (REQUIREMENTS.md §T) map to "mynumber", "lgwan", "internet"; anything else is returned as is. */
const char *policy_zone_canon(const char *name);
/* The i-th alias of the zone table (Japanese names included), NULL past the end. */
const char *policy_zone_alias(size_t i);
/* A name as people type it, normalised: NFKC (full-width letters and digits become ASCII,
 * half-width katakana full-width) and trimmed of white space, U+3000 included. Into buf;
 * a name that does not fit or is not UTF-8 is copied as it is (cut to len - 1 bytes). */
const char *policy_name_norm(const char *s, char *buf, size_t len);
/* Two names people typed stand for the same thing: equal after policy_name_norm() and ASCII
 * case folding (I6: requester '山田' and approver '山田　' are one person). */
bool policy_name_same(const char *a, const char *b);
/* Edit distance (Damerau-Levenshtein, optimal string alignment) between the normalised,
 * ASCII-case-folded code points of a and b, for "did you mean"; 99 for names over
 * POLICY_NAME_MAX code points. */
int policy_name_distance(const char *a, const char *b);
/* "Did you mean": true when candidate is close enough to the unknown name. */
bool policy_name_close(const char *name, const char *candidate);
enum zone_role policy_zone_role(const char *canon_id);
const char *policy_zone_label_ja(enum zone_role role);
const char *policy_class_name(enum flow_class c);
const char *policy_method_name(enum relay_method m);
const char *policy_model_name(enum policy_model m);
const char *policy_link_name(enum link_type l);
const char *policy_uplink_name(enum uplink_role r);
/* Uplinks of the Internet zone (R11) as comment lines, for -n -v and the dump. */
void policy_print_uplinks(const struct policy *p, FILE *out);
const char *policy_match_name(enum svc_match m);
const char *policy_verdict_name(enum flow_verdict v);
const char *policy_ech_name(enum ech_policy e);
const char *policy_svctype_name(enum svc_type t);
const char *policy_proto_name(uint8_t proto);			/* NULL if unnamed */
int policy_class_parse(const char *s, enum flow_class *ret);
int policy_method_parse(const char *s, enum relay_method *ret);
int policy_model_parse(const char *s, enum policy_model *ret);
int policy_link_parse(const char *s, enum link_type *ret);
int policy_match_parse(const char *s, enum svc_match *ret);
int policy_verdict_parse(const char *s, enum flow_verdict *ret);	/* "kernel", "engine" */
int policy_ech_parse(const char *s, enum ech_policy *ret);
int policy_svctype_parse(const char *s, enum svc_type *ret);
int policy_proto_parse(const char *s, uint8_t *ret);
/* ICMP and ICMPv6 are one policy protocol, 1 ("icmp"): policy_proto_wire() is the number a
 * packet of that family carries (58 for 1 on AF_INET6, otherwise proto itself);
 * policy_proto_matches() says whether a packet of the family with IP protocol wire matches
 * policy protocol proto (wire == proto, or wire is its on-wire number). */
#define POLICY_PROTO_ICMP	1
#define POLICY_PROTO_ICMPV6	58
uint8_t policy_proto_wire(uint8_t proto, int family);
bool policy_proto_matches(uint8_t proto, int family, uint8_t wire);

/* Value parsers shared by conf and tests: 0 or -EINVAL. */
int policy_prefix_parse(const char *s, struct prefix *ret);	/* "10.0.0.0/8", "fd10::5" */
int policy_mac_parse(const char *s, uint8_t ret[6]);
int policy_time_parse(const char *s, int64_t *ret);		/* RFC 3339 with offset */
int policy_date_parse(const char *s, int64_t *ret);		/* YYYY-MM-DD: end of day JST */
bool policy_prefix_contains(const struct prefix *outer, const struct prefix *inner);
bool policy_prefix_overlap(const struct prefix *a, const struct prefix *b);
int policy_prefix_format(const struct prefix *p, char *buf, size_t len);

/* The prefixes an endpoint stands for in one family (host, group members, zone networks and
 * segments; an "any" zone is the whole family). Writes at most max, returns the count (call
 * again with a bigger buffer if it exceeds max), or -EINVAL for an unresolved endpoint. */
int policy_ep_prefixes(const struct policy *p, const struct endpoint *ep, int family,
		       struct prefix *out, int max);
/* First and last address of a prefix (network order, 16 bytes, IPv4 in the first 4). */
void policy_prefix_range(const struct prefix *pf, uint8_t lo[16], uint8_t hi[16]);

/* Resolve names and prove I1-I6 at time 'now' (unix seconds). Every violation is added to
 * diag as "file:line: object: In: why"; returns 0, or -EINVAL if any error was added.
 * Warnings (expired exceptions or ISMAP registrations, ignored) do not fail validation. */
int policy_validate(struct policy *p, int64_t now, struct diag *diag);
/* 1 when pattern is a wildcard whose suffix (after the label holding '*') is a public suffix
 * of l, or l is NULL or missing (fail closed); 0 otherwise. */
int policy_psl_check(const struct psl *l, const char *pattern);

/* Index lookups after validation; -1 if absent. */
int policy_zone_find(const struct policy *p, const char *name);
/* policy.exception_max_days, or its default. */
int policy_exc_max_days(const struct policy *p);
int policy_host_find(const struct policy *p, const char *name);
int policy_group_find(const struct policy *p, const char *name);

/* Print the normalized policy in input syntax (it parses again), then, as comments, the zone
 * reachability matrix. Returns 0 or -errno from stdio. */
int policy_print(const struct policy *p, FILE *out);
int policy_print_matrix(const struct policy *p, FILE *out);
/* The same in Japanese (ja) and, with cells, each cell followed by what it stands for: flows,
 * exceptions, breakout services and the implicit breakout DNS path, with file:line. */
int policy_print_matrix_ex(const struct policy *p, FILE *out, bool ja, bool cells);

#endif
