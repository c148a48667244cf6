/* SPDX-License-Identifier: GPL-2.0-only */
/* policy.c: the policy arena, name tables, value parsers and the normalized printer.
 * Pure: no syscalls except stdio in policy_print(), no logging. Address parsing and formatting
 * are done here rather than with inet_pton()/inet_ntop() so no socket header is needed.
 * policy_validate(), policy_print_matrix() and the *_find() lookups live in policy_check.c. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <unictype.h>
#include <uninorm.h>
#include <unistr.h>

#include "policy.h"
#include "util_time.h"

/* Defaults of a new policy; conf.c and policy_check.c hold the ranges. */
#define POLICY_DNS_FLOOR	60
#define POLICY_DNS_GRACE	30
#define POLICY_DNS_TTL_MAX	3600
#define POLICY_DNS_MAX		65536
#define POLICY_PORT_SPAN_MAX	16
#define POLICY_QUEUES		1
#define POLICY_QUEUE_MAXLEN	4096

/* ---------------------------------------------------------------------------------------- */
/* Arena: a list of blocks. Small allocations are carved from the current block; big ones get
 * a block of their own. Nothing is freed before policy_free(). Memory is zeroed by calloc()
 * and never handed out twice, so every allocation is zeroed. */

#define ARENA_BLOCK	(64 * 1024)
#define ARENA_BIG	(ARENA_BLOCK / 4)
#define ARENA_ALIGN	16
#define ARENA_SLOTS	8	/* recently grown arrays whose spare capacity we remember */

struct arena_block {
	struct arena_block *next;
	size_t size, used;
	max_align_t data[];
};

struct arena_slot {
	void *base;
	size_t cap;		/* bytes */
};

struct arena {
	struct arena_block *head;	/* head: the block small allocations come from */
	struct arena_slot slot[ARENA_SLOTS];
	unsigned int next_slot;
};

static struct arena_block *arena_block_new(size_t size)
{
	struct arena_block *b;

	if (size > SIZE_MAX - sizeof(*b))
		return NULL;
	b = calloc(1, sizeof(*b) + size);
	if (b)
		b->size = size;
	return b;
}

static void *arena_alloc(struct arena *a, size_t size)
{
	struct arena_block *b;
	void *r;

	if (size == 0)
		size = 1;
	if (size > SIZE_MAX - ARENA_ALIGN)
		return NULL;
	size = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	if (size > ARENA_BIG) {
		b = arena_block_new(size);
		if (!b)
			return NULL;
		/* keep the current small block at the head */
		if (a->head) {
			b->next = a->head->next;
			a->head->next = b;
		} else {
			a->head = b;
		}
		b->used = size;
		return b->data;
	}
	b = a->head;
	if (!b || b->size - b->used < size) {
		b = arena_block_new(ARENA_BLOCK);
		if (!b)
			return NULL;
		b->next = a->head;
		a->head = b;
	}
	r = (char *)b->data + b->used;
	b->used += size;
	return r;
}

struct policy *policy_new(const char *file)
{
	struct policy *p;

	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->arena = calloc(1, sizeof(*p->arena));
	if (!p->arena)
		goto fail;
	p->model = MODEL_THREE_TIER;
	p->breakout.dns_floor = POLICY_DNS_FLOOR;
	p->breakout.dns_grace = POLICY_DNS_GRACE;
	p->breakout.dns_ttl_max = POLICY_DNS_TTL_MAX;
	p->breakout.dns_max = POLICY_DNS_MAX;
	p->breakout.port_span_max = POLICY_PORT_SPAN_MAX;
	p->breakout.ech = ECH_OUTER;	/* browsers send GREASE ECH: refusing it would refuse them */
	p->engine.queues = POLICY_QUEUES;
	p->engine.queue_base = 0;
	p->engine.queue_maxlen = POLICY_QUEUE_MAXLEN;
	p->limits.dflt = (struct pair_limits){ LIMITS_RATE, LIMITS_BURST, LIMITS_CT_COUNT };
	p->limits.conntrack_warn = LIMITS_CONNTRACK_WARN;
	p->engine.source_quota = ENGINE_SOURCE_QUOTA;
	p->ha.conntrackd_port = HA_CONNTRACKD_PORT;
	p->ha.sync_port = HA_SYNC_PORT;
	p->changes.proposal_ttl_days = POLICY_PROPOSAL_TTL_DAYS;
	p->changes.keep_versions = POLICY_KEEP_VERSIONS;
	p->changes.keep_days = POLICY_KEEP_DAYS;
	p->logging = (struct logging_conf){
		.group = LOGGING_GROUP, .kernel_rate = LOGGING_KERNEL_RATE,
		.source_lines = LOGGING_SOURCE_LINES, .source_window = LOGGING_SOURCE_WINDOW,
		.segment_bytes = LOGGING_SEGMENT_BYTES, .segment_seconds = LOGGING_SEGMENT_SECONDS,
		.retention_days = LOGGING_RETENTION_DAYS, .scan_ports = LOGGING_SCAN_PORTS,
		.scan_hosts = LOGGING_SCAN_HOSTS, .scan_window = LOGGING_SCAN_WINDOW,
		.burst_events = LOGGING_BURST_EVENTS, .burst_window = LOGGING_BURST_WINDOW,
	};
	if (file && !(p->file = policy_strdup(p, file)))
		goto fail;
	return p;
fail:
	policy_free(p);
	return NULL;
}

void policy_free(struct policy *p)
{
	struct arena_block *b, *next;

	if (!p)
		return;
	if (p->arena) {
		for (b = p->arena->head; b; b = next) {
			next = b->next;
			free(b);
		}
		free(p->arena);
	}
	free(p);
}

void *policy_alloc(struct policy *p, size_t size)
{
	return arena_alloc(p->arena, size);
}

char *policy_strdup(struct policy *p, const char *s)
{
	size_t n = strlen(s) + 1;
	char *r = arena_alloc(p->arena, n);

	if (r)
		memcpy(r, s, n);
	return r;
}

/* Arrays grown one element at a time would copy O(n^2) bytes; remembering the spare capacity
 * of the last few grown arrays makes repeated growth of the same array amortised O(1). The
 * old copy stays in the arena until policy_free(). */
void *policy_grow(struct policy *p, void *base, int n, size_t sz)
{
	struct arena *a = p->arena;
	struct arena_slot *s = NULL;
	size_t need, cap;
	unsigned int i;
	void *r;

	if (!base)
		n = 0;
	if (n < 0 || sz == 0 || (size_t)n + 1 > SIZE_MAX / 2 / sz)
		return NULL;
	need = ((size_t)n + 1) * sz;
	for (i = 0; base && i < ARENA_SLOTS; i++) {
		if (a->slot[i].base == base) {
			s = &a->slot[i];
			break;
		}
	}
	if (s && s->cap >= need) {
		memset((char *)base + (size_t)n * sz, 0, sz);
		return base;
	}
	cap = need < 8 * sz ? 8 * sz : need * 2;
	r = arena_alloc(a, cap);
	if (!r)
		return NULL;
	if (n)
		memcpy(r, base, (size_t)n * sz);
	if (!s) {
		s = &a->slot[a->next_slot];
		a->next_slot = (a->next_slot + 1) % ARENA_SLOTS;
	}
	s->base = r;
	s->cap = cap;
	return r;
}

/* ---------------------------------------------------------------------------------------- */
/* Names */

static int ascii_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* ASCII case-insensitive equality; other bytes (UTF-8) compare exactly. */
static bool name_eq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		if (ascii_lower((unsigned char)*a) != ascii_lower((unsigned char)*b))
			return false;
	}
	return *a == *b;
}

static const struct {
	const char *alias;
	const char *canon;
} zone_alias[] = {
	{ "mynumber",				"mynumber" },
	{ "my-number",				"mynumber" },
	{ "マイナンバー利用事務系",		"mynumber" },
	{ "個人番号利用事務系",			"mynumber" },
	{ "マイナンバー事務系",			"mynumber" },
	{ "住民情報基幹系",			"mynumber" },
	{ "基幹系",				"mynumber" },
	{ "lgwan",				"lgwan" },
	{ "LGWAN接続系",			"lgwan" },
	{ "LGWAN 接続系",			"lgwan" },
	{ "LGWAN\xe3\x80\x80接続系",		"lgwan" },	/* ideographic space */
	{ "イントラネット系",			"lgwan" },
	{ "イントラ系",				"lgwan" },
	{ "internet",				"internet" },
	{ "インターネット接続系",		"internet" },
	{ "インターネット 接続系",		"internet" },
	{ "インターネット\xe3\x80\x80接続系",	"internet" },
};

const char *policy_zone_canon(const char *name)
{
	size_t i;

	if (!name)
		return NULL;
	for (i = 0; i < sizeof(zone_alias) / sizeof(zone_alias[0]); i++) {
		if (name_eq(name, zone_alias[i].alias))
			return zone_alias[i].canon;
	}
	return name;
}

const char *policy_zone_alias(size_t i)
{
	return i < sizeof(zone_alias) / sizeof(zone_alias[0]) ? zone_alias[i].alias : NULL;
}

const char *policy_name_norm(const char *s, char *buf, size_t len)
{
	uint8_t *n, *b, *e;
	size_t nl = 0;
	ucs4_t uc;
	int k;

	if (!len)
		return buf;
	snprintf(buf, len, "%s", s ? s : "");
	if (!s || u8_check((const uint8_t *)s, strlen(s)))
		return buf;
	n = u8_normalize(UNINORM_NFKC, (const uint8_t *)s, strlen(s), NULL, &nl);
	if (!n)
		return buf;
	b = n;
	e = n + nl;
	while (b < e && (k = u8_mbtouc(&uc, b, (size_t)(e - b))) > 0 && uc_is_space(uc))
		b += k;
	while (e > b) {	/* the last character: step back over continuation bytes */
		const uint8_t *q = e - 1;

		while (q > b && (*q & 0xc0) == 0x80)
			q--;
		if (u8_mbtouc(&uc, q, (size_t)(e - q)) <= 0 || !uc_is_space(uc))
			break;
		e = (uint8_t *)q;
	}
	if ((size_t)(e - b) < len) {
		memcpy(buf, b, (size_t)(e - b));
		buf[e - b] = '\0';
	}
	free(n);
	return buf;
}

bool policy_name_same(const char *a, const char *b)
{
	char na[POLICY_NAME_MAX * 4], nb[POLICY_NAME_MAX * 4];

	return name_eq(policy_name_norm(a, na, sizeof(na)), policy_name_norm(b, nb, sizeof(nb)));
}

/* The normalised, ASCII-lowered code points of s; -1 when more than max. */
static int name_cps(const char *s, ucs4_t *v, int max)
{
	char buf[POLICY_NAME_MAX * 4];
	const uint8_t *p = (const uint8_t *)policy_name_norm(s, buf, sizeof(buf));
	int n = 0, k;
	ucs4_t uc;

	while (*p) {
		if (n == max)
			return -1;
		k = u8_mbtouc(&uc, p, strlen((const char *)p));
		p += k > 0 ? k : 1;
		v[n++] = uc < 0x80 ? (ucs4_t)ascii_lower((int)uc) : uc;
	}
	return n;
}

int policy_name_distance(const char *a, const char *b)
{
	ucs4_t x[POLICY_NAME_MAX], y[POLICY_NAME_MAX];
	int d[POLICY_NAME_MAX + 1][POLICY_NAME_MAX + 1];
	int la = name_cps(a, x, POLICY_NAME_MAX), lb = name_cps(b, y, POLICY_NAME_MAX), i, j, v;

	if (la < 0 || lb < 0)
		return 99;
	for (i = 0; i <= la; i++)
		d[i][0] = i;
	for (j = 0; j <= lb; j++)
		d[0][j] = j;
	for (i = 1; i <= la; i++) {
		for (j = 1; j <= lb; j++) {
			v = d[i - 1][j - 1] + (x[i - 1] != y[j - 1]);
			if (d[i - 1][j] + 1 < v)
				v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && x[i - 1] == y[j - 2] && x[i - 2] == y[j - 1] &&
			    d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;	/* two characters swapped */
			d[i][j] = v;
		}
	}
	return d[la][lb];
}

bool policy_name_close(const char *name, const char *candidate)
{
	ucs4_t v[POLICY_NAME_MAX];
	int n = name_cps(candidate, v, POLICY_NAME_MAX), d;

	if (n < 2)
		return false;
	d = policy_name_distance(name, candidate);
	return d > 0 && d * 3 <= n + 1 && d <= 3;
}

enum zone_role policy_zone_role(const char *canon_id)
{
	const char *c = policy_zone_canon(canon_id);

	if (!c)
		return ZONE_OTHER;
	if (!strcmp(c, "mynumber"))
		return ZONE_MYNUMBER;
	if (!strcmp(c, "lgwan"))
		return ZONE_LGWAN;
	if (!strcmp(c, "internet"))
		return ZONE_INTERNET;
	return ZONE_OTHER;
}

const char *policy_zone_label_ja(enum zone_role role)
{
	switch (role) {
	case ZONE_MYNUMBER:
		return "マイナンバー利用事務系";
	case ZONE_LGWAN:
		return "LGWAN接続系";
	case ZONE_INTERNET:
		return "インターネット接続系";
	default:
		return NULL;
	}
}

static const char *const class_names[FLOW_CLASS_MAX] = {
	[FLOW_PEER]			= "peer",
	[FLOW_PUBLIC_VIA_LGWAN]		= "public-system-via-lgwan",
	[FLOW_SANITISED_RELAY]		= "sanitised-relay",
	[FLOW_SCREEN_INTO_MYNUMBER]	= "screen-transfer-into-mynumber",
	[FLOW_INTERNAL]			= "internal",
	[FLOW_MANAGEMENT]		= "management",
};

static const char *const method_names[METHOD_MAX] = {
	[METHOD_NONE]			= "none",
	[METHOD_MAIL_TEXT]		= "mail-text",
	[METHOD_SCREEN_TRANSFER]	= "screen-transfer",
	[METHOD_FILE_SANITISE]		= "file-sanitise",
};

static const char *const model_names[MODEL_MAX] = {
	[MODEL_THREE_TIER]		= "three-tier",
	[MODEL_LGWAN_INTERNET]		= "lgwan-internet",
	[MODEL_MYNUMBER_INTERNET]	= "mynumber-internet",
};

static const char *const link_names[LINK_MAX] = {
	[LINK_DEDICATED]		= "dedicated",
	[LINK_LGWAN]			= "lgwan",
	[LINK_VPN]			= "vpn",
	[LINK_INTERNET]			= "internet",
};

static const char *const match_names[MATCH_MAX] = {
	[MATCH_DNS_SNI]			= "dns+sni",
	[MATCH_SNI]			= "sni",
	[MATCH_IP]			= "ip",
};

static const char *const verdict_names[VERDICT_MAX] = {
	[VERDICT_DEFAULT]		= "default",
	[VERDICT_KERNEL]		= "kernel",
	[VERDICT_ENGINE]		= "engine",
};

static const char *const ech_names[ECH_MAX] = {
	[ECH_REFUSE]			= "refuse",
	[ECH_OUTER]			= "outer-sni",
};

static const char *const svctype_names[SVC_TYPE_MAX] = {
	[SVC_CLOUD]			= "cloud",
	[SVC_SECURITY_UPDATE]		= "security-update",
};

static const char *table_name(const char *const *t, int n, int v)
{
	return v >= 0 && v < n ? t[v] : "?";
}

/* Index of s in t[first..n-1] (ASCII case-insensitive), or -EINVAL. */
static int table_parse(const char *const *t, int first, int n, const char *s)
{
	int i;

	if (!s)
		return -EINVAL;
	for (i = first; i < n; i++) {
		if (name_eq(s, t[i]))
			return i;
	}
	return -EINVAL;
}

const char *policy_class_name(enum flow_class c)
{
	return table_name(class_names, FLOW_CLASS_MAX, (int)c);
}

const char *policy_method_name(enum relay_method m)
{
	return table_name(method_names, METHOD_MAX, (int)m);
}

const char *policy_model_name(enum policy_model m)
{
	return table_name(model_names, MODEL_MAX, (int)m);
}

const char *policy_link_name(enum link_type l)
{
	return table_name(link_names, LINK_MAX, (int)l);
}

const char *policy_match_name(enum svc_match m)
{
	return table_name(match_names, MATCH_MAX, (int)m);
}

const char *policy_verdict_name(enum flow_verdict v)
{
	return table_name(verdict_names, VERDICT_MAX, (int)v);
}

const char *policy_ech_name(enum ech_policy e)
{
	return table_name(ech_names, ECH_MAX, (int)e);
}

const char *policy_svctype_name(enum svc_type t)
{
	return table_name(svctype_names, SVC_TYPE_MAX, (int)t);
}

int policy_class_parse(const char *s, enum flow_class *ret)
{
	int r = table_parse(class_names, 0, FLOW_CLASS_MAX, s);

	if (r < 0)
		return r;
	*ret = (enum flow_class)r;
	return 0;
}

/* "none" is not written in configs: a flow without a method simply omits the key. */
int policy_method_parse(const char *s, enum relay_method *ret)
{
	int r = table_parse(method_names, METHOD_NONE + 1, METHOD_MAX, s);

	if (r < 0)
		return r;
	*ret = (enum relay_method)r;
	return 0;
}

int policy_model_parse(const char *s, enum policy_model *ret)
{
	int r = table_parse(model_names, 0, MODEL_MAX, s);

	if (r < 0)
		return r;
	*ret = (enum policy_model)r;
	return 0;
}

int policy_link_parse(const char *s, enum link_type *ret)
{
	int r = table_parse(link_names, 0, LINK_MAX, s);

	if (r < 0)
		return r;
	*ret = (enum link_type)r;
	return 0;
}

int policy_match_parse(const char *s, enum svc_match *ret)
{
	int r = table_parse(match_names, 0, MATCH_MAX, s);

	if (r < 0)
		return r;
	*ret = (enum svc_match)r;
	return 0;
}

/* "default" is not written in configs: a flow without a verdict simply omits the key. */
int policy_verdict_parse(const char *s, enum flow_verdict *ret)
{
	int r = table_parse(verdict_names, VERDICT_DEFAULT + 1, VERDICT_MAX, s);

	if (r < 0)
		return r;
	*ret = (enum flow_verdict)r;
	return 0;
}

int policy_ech_parse(const char *s, enum ech_policy *ret)
{
	int r = table_parse(ech_names, 0, ECH_MAX, s);

	if (r < 0)
		return r;
	*ret = (enum ech_policy)r;
	return 0;
}

int policy_svctype_parse(const char *s, enum svc_type *ret)
{
	int r = table_parse(svctype_names, 0, SVC_TYPE_MAX, s);

	if (r < 0)
		return r;
	*ret = (enum svc_type)r;
	return 0;
}

/* "icmp" and "icmpv6" both store 1: ICMP of the packet's own family (see struct flow). */
static const struct {
	const char *name;
	uint8_t proto;
} proto_names[] = {
	{ "icmp",	1 },
	{ "tcp",	6 },
	{ "udp",	17 },
	{ "dccp",	33 },
	{ "gre",	47 },
	{ "esp",	50 },
	{ "ah",		51 },
	{ "sctp",	132 },
	{ "udplite",	136 },
	{ "icmpv6",	1 },
	{ "ipv6-icmp",	1 },
};

const char *policy_proto_name(uint8_t proto)
{
	size_t i;

	for (i = 0; i < sizeof(proto_names) / sizeof(proto_names[0]); i++) {
		if (proto_names[i].proto == proto)
			return proto_names[i].name;
	}
	return proto == POLICY_PROTO_ICMPV6 ? "icmpv6" : NULL;
}

uint8_t policy_proto_wire(uint8_t proto, int family)
{
	return proto == POLICY_PROTO_ICMP && family == AF_INET6 ? POLICY_PROTO_ICMPV6 : proto;
}

bool policy_proto_matches(uint8_t proto, int family, uint8_t wire)
{
	return wire == proto || wire == policy_proto_wire(proto, family);
}

/* Parse exactly n decimal digits at s. */
static bool digits(const char *s, int n, int *ret)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*ret = v;
	return true;
}

/* A whole-string decimal without sign or leading zeros, at most maxd digits. */
static bool decimal(const char *s, int maxd, int *ret)
{
	size_t n = strlen(s);

	if (n == 0 || n > (size_t)maxd || (n > 1 && s[0] == '0'))
		return false;
	return digits(s, (int)n, ret);
}

int policy_proto_parse(const char *s, uint8_t *ret)
{
	size_t i;
	int v;

	if (!s)
		return -EINVAL;
	for (i = 0; i < sizeof(proto_names) / sizeof(proto_names[0]); i++) {
		if (name_eq(s, proto_names[i].name)) {
			*ret = proto_names[i].proto;
			return 0;
		}
	}
	if (!decimal(s, 3, &v) || v < 1 || v > 255)
		return -EINVAL;
	*ret = v == POLICY_PROTO_ICMPV6 ? POLICY_PROTO_ICMP : (uint8_t)v;	/* the same "icmp" */
	return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* Addresses */

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = ascii_lower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Dotted quad, exactly s[0..len), no leading zeros. */
static int parse_ip4(const char *s, size_t len, uint8_t out[4])
{
	size_t i = 0;
	int octet, nd, v;

	for (octet = 0; octet < 4; octet++) {
		if (octet) {
			if (i >= len || s[i] != '.')
				return -EINVAL;
			i++;
		}
		for (nd = 0, v = 0; i < len && s[i] >= '0' && s[i] <= '9'; i++, nd++) {
			if (nd == 3 || (nd == 1 && v == 0))
				return -EINVAL;
			v = v * 10 + (s[i] - '0');
		}
		if (nd == 0 || v > 255)
			return -EINVAL;
		out[octet] = (uint8_t)v;
	}
	return i == len ? 0 : -EINVAL;
}

/* One group of 1-4 hex digits at s[*i]; advances *i. */
static int parse_hex16(const char *s, size_t len, size_t *i, uint16_t *ret)
{
	unsigned int v = 0;
	size_t n = 0;
	int h;

	while (*i < len && (h = hexval((unsigned char)s[*i])) >= 0) {
		if (++n > 4)
			return -EINVAL;
		v = v << 4 | (unsigned int)h;
		(*i)++;
	}
	if (n == 0)
		return -EINVAL;
	*ret = (uint16_t)v;
	return 0;
}

/* RFC 4291 text form, with one optional "::" and an optional dotted-quad tail. */
static int parse_ip6(const char *s, size_t len, uint8_t out[16])
{
	uint16_t w[8];
	int n = 0, gap = -1, k;
	size_t i = 0, j;

	if (len >= 2 && s[0] == ':' && s[1] == ':') {
		gap = 0;
		i = 2;
	} else if (len == 0 || s[0] == ':') {
		return -EINVAL;
	}
	while (i < len) {
		for (j = i; j < len && s[j] != ':' && s[j] != '.'; j++)
			;
		if (j < len && s[j] == '.') {		/* IPv4 tail: the rest of the string */
			uint8_t v4[4];

			if (n > 6 || parse_ip4(s + i, len - i, v4) < 0)
				return -EINVAL;
			w[n++] = (uint16_t)(v4[0] << 8 | v4[1]);
			w[n++] = (uint16_t)(v4[2] << 8 | v4[3]);
			i = len;
			break;
		}
		if (n == 8 || parse_hex16(s, len, &i, &w[n]) < 0 || i != j)
			return -EINVAL;
		n++;
		if (i == len)
			break;
		i++;					/* ':' */
		if (i < len && s[i] == ':') {
			if (gap >= 0)
				return -EINVAL;
			gap = n;
			i++;
		} else if (i == len) {
			return -EINVAL;			/* trailing single ':' */
		}
	}
	if ((gap < 0 && n != 8) || (gap >= 0 && n > 7))
		return -EINVAL;
	memset(out, 0, 16);
	for (k = 0; k < n; k++) {
		int pos = gap >= 0 && k >= gap ? 8 - (n - k) : k;

		out[2 * pos] = (uint8_t)(w[k] >> 8);
		out[2 * pos + 1] = (uint8_t)w[k];
	}
	return 0;
}

static bool host_bits_zero(const uint8_t *a, int alen, int plen)
{
	int i;

	for (i = plen; i < alen * 8; i++) {
		if (a[i / 8] & (0x80 >> (i % 8)))
			return false;
	}
	return true;
}

int policy_prefix_parse(const char *s, struct prefix *ret)
{
	const char *slash;
	struct prefix p;
	size_t alen;
	int plen, max;

	if (!s)
		return -EINVAL;
	memset(&p, 0, sizeof(p));
	slash = strchr(s, '/');
	alen = slash ? (size_t)(slash - s) : strlen(s);
	if (memchr(s, ':', alen)) {
		if (parse_ip6(s, alen, p.addr) < 0)
			return -EINVAL;
		p.family = AF_INET6;
		max = 128;
	} else {
		if (parse_ip4(s, alen, p.addr) < 0)
			return -EINVAL;
		p.family = AF_INET;
		max = 32;
	}
	plen = max;
	if (slash && (!decimal(slash + 1, 3, &plen) || plen > max))
		return -EINVAL;
	if (!host_bits_zero(p.addr, max / 8, plen))
		return -EINVAL;
	p.len = (uint8_t)plen;
	*ret = p;
	return 0;
}

int policy_mac_parse(const char *s, uint8_t ret[6])
{
	uint8_t m[6];
	char sep;
	int i, hi, lo;

	if (!s || strlen(s) != 17)
		return -EINVAL;
	sep = s[2];
	if (sep != ':' && sep != '-')
		return -EINVAL;
	for (i = 0; i < 6; i++) {
		hi = hexval((unsigned char)s[3 * i]);
		lo = hexval((unsigned char)s[3 * i + 1]);
		if (hi < 0 || lo < 0 || (i < 5 && s[3 * i + 2] != sep))
			return -EINVAL;
		m[i] = (uint8_t)(hi << 4 | lo);
	}
	memcpy(ret, m, 6);
	return 0;
}

bool policy_prefix_contains(const struct prefix *outer, const struct prefix *inner)
{
	int full, rem;

	if (outer->family != inner->family || outer->len > inner->len)
		return false;
	full = outer->len / 8;
	rem = outer->len % 8;
	if (memcmp(outer->addr, inner->addr, (size_t)full))
		return false;
	if (rem) {
		uint8_t mask = (uint8_t)(0xff << (8 - rem));

		return (outer->addr[full] & mask) == (inner->addr[full] & mask);
	}
	return true;
}

bool policy_prefix_overlap(const struct prefix *a, const struct prefix *b)
{
	return policy_prefix_contains(a, b) || policy_prefix_contains(b, a);
}

/* RFC 5952: lowercase, no leading zeros, the longest run (>= 2) of zero groups as "::". */
static int format_ip6(const uint8_t a[16], char *buf, size_t len)
{
	int best = -1, bestn = 1, i, j, n = 0;
	uint16_t w[8];
	size_t o = 0;

	for (i = 0; i < 8; i++)
		w[i] = (uint16_t)(a[2 * i] << 8 | a[2 * i + 1]);
	for (i = 0; i < 8; i = j + 1) {
		for (j = i; j < 8 && w[j] == 0; j++)
			;
		if (j - i > bestn) {
			best = i;
			bestn = j - i;
		}
	}
	for (i = 0; i < 8; i++) {
		if (i == best) {
			n = snprintf(buf + o, len - o, "::");
			i += bestn - 1;
		} else {
			n = snprintf(buf + o, len - o, "%s%x",
				     i && i != best + bestn ? ":" : "", w[i]);
		}
		if (n < 0 || (size_t)n >= len - o)
			return -ENOSPC;
		o += (size_t)n;
	}
	return (int)o;
}

/* The address alone, without a length. */
static int format_addr(uint8_t family, const uint8_t *a, char *buf, size_t len)
{
	int n;

	if (!buf || len == 0)
		return -ENOSPC;
	if (family == AF_INET6)
		return format_ip6(a, buf, len);
	if (family != AF_INET)
		return -EINVAL;
	n = snprintf(buf, len, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
	return n < 0 || (size_t)n >= len ? -ENOSPC : n;
}

/* "addr/len" always, so the text parses back to the same prefix. */
int policy_prefix_format(const struct prefix *p, char *buf, size_t len)
{
	int n, m;

	n = format_addr(p->family, p->addr, buf, len);
	if (n < 0)
		return n;
	m = snprintf(buf + n, len - (size_t)n, "/%u", p->len);
	if (m < 0 || (size_t)m >= len - (size_t)n)
		return -ENOSPC;
	return n + m;
}

/* ---------------------------------------------------------------------------------------- */
/* Time: proleptic Gregorian arithmetic (util_time.h), independent of TZ and of timegm(). */

/* "YYYY-MM-DD" at s; 0 or -EINVAL. */
static int parse_ymd(const char *s, int64_t *ret_days)
{
	int y, m, d;

	if (!digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &m) || s[7] != '-' ||
	    !digits(s + 8, 2, &d))
		return -EINVAL;
	if (d < 1 || d > util_days_in_month(y, m))
		return -EINVAL;
	*ret_days = util_days_from_civil(y, m, d);
	return 0;
}

/* RFC 3339 date-time: YYYY-MM-DDTHH:MM:SS[.frac](Z|+hh:mm|-hh:mm). Fractions are dropped;
 * leap seconds (:60) are refused. */
int policy_time_parse(const char *s, int64_t *ret)
{
	int hh, mm, ss, oh = 0, om = 0, sign = 0;
	int64_t days;
	const char *t;

	if (!s || strlen(s) < 20 || parse_ymd(s, &days) < 0)
		return -EINVAL;
	if ((s[10] != 'T' && s[10] != 't') || !digits(s + 11, 2, &hh) || s[13] != ':' ||
	    !digits(s + 14, 2, &mm) || s[16] != ':' || !digits(s + 17, 2, &ss))
		return -EINVAL;
	if (hh > 23 || mm > 59 || ss > 59)
		return -EINVAL;
	t = s + 19;
	if (*t == '.') {
		if (t[1] < '0' || t[1] > '9')
			return -EINVAL;
		for (t++; *t >= '0' && *t <= '9'; t++)
			;
	}
	if ((*t == 'Z' || *t == 'z') && t[1] == '\0') {
		sign = 0;
	} else if ((*t == '+' || *t == '-') && strlen(t) == 6 && digits(t + 1, 2, &oh) &&
		   t[3] == ':' && digits(t + 4, 2, &om) && oh <= 23 && om <= 59) {
		sign = *t == '+' ? 1 : -1;
	} else {
		return -EINVAL;
	}
	*ret = days * 86400 + hh * 3600 + mm * 60 + ss - sign * (oh * 3600 + om * 60);
	return 0;
}

/* A date alone means the end of that day in Japan: 23:59:59+09:00. */
int policy_date_parse(const char *s, int64_t *ret)
{
	int64_t days;

	if (!s || strlen(s) != 10 || parse_ymd(s, &days) < 0)
		return -EINVAL;
	*ret = days * 86400 + 86399 - 9 * 3600;
	return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* Printer: the policy in input syntax, deterministic, parsed again by conf_load_*(). */

struct printer {
	FILE *out;
	int err;
};

static void pr(struct printer *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void pr(struct printer *w, const char *fmt, ...)
{
	va_list ap;

	if (w->err)
		return;
	va_start(ap, fmt);
	if (vfprintf(w->out, fmt, ap) < 0)
		w->err = errno ? -errno : -EIO;
	va_end(ap);
}

/* A libconfig string literal: quotes, backslashes and control bytes escaped. */
static void pr_str(struct printer *w, const char *s)
{
	const unsigned char *c;

	pr(w, "\"");
	for (c = (const unsigned char *)s; *c && !w->err; c++) {
		if (*c == '"' || *c == '\\')
			pr(w, "\\%c", *c);
		else if (*c == '\n')
			pr(w, "\\n");
		else if (*c == '\t')
			pr(w, "\\t");
		else if (*c < 0x20 || *c == 0x7f)
			pr(w, "\\x%02x", *c);
		else
			pr(w, "%c", *c);
	}
	pr(w, "\"");
}

static void pr_kv(struct printer *w, const char *key, const char *s)
{
	if (!s || !*s)
		return;
	pr(w, " %s = ", key);
	pr_str(w, s);
	pr(w, ";");
}

/* Arrays of more than this many elements are printed one element per line. */
#define PRINT_INLINE_MAX 8

static void pr_sep(struct printer *w, int i, int n, const char *indent)
{
	if (n > PRINT_INLINE_MAX)
		pr(w, "%s\n%s\t", i ? "," : "", indent);
	else if (i)
		pr(w, ", ");
}

/* lead: what comes before the key (" " within a line, "\t" starting one). */
static void pr_prefixes_at(struct printer *w, const char *lead, const char *key,
			   const struct prefix *v, int n, bool bare_hosts, const char *indent)
{
	char buf[64];
	int i;

	if (n <= 0)
		return;
	pr(w, "%s%s = [", lead, key);
	for (i = 0; i < n; i++) {
		int r;

		pr_sep(w, i, n, indent);
		if (bare_hosts && v[i].len == (v[i].family == AF_INET ? 32 : 128))
			r = format_addr(v[i].family, v[i].addr, buf, sizeof(buf));
		else
			r = policy_prefix_format(&v[i], buf, sizeof(buf));
		if (r < 0 && !w->err)
			w->err = r;
		pr(w, "\"%s\"", r < 0 ? "" : buf);
	}
	pr(w, "%s];", n > PRINT_INLINE_MAX ? "\n\t" : "");
}

static void pr_prefixes(struct printer *w, const char *key, const struct prefix *v, int n,
			bool bare_hosts, const char *indent)
{
	pr_prefixes_at(w, " ", key, v, n, bare_hosts, indent);
}

static void pr_strings(struct printer *w, const char *key, char *const *v, int n)
{
	int i;

	if (n <= 0)
		return;
	pr(w, " %s = [", key);
	for (i = 0; i < n; i++) {
		pr_sep(w, i, n, "\t");
		pr_str(w, v[i]);
	}
	pr(w, "%s];", n > PRINT_INLINE_MAX ? "\n\t" : "");
}

/* Single ports as integers, ranges as "lo-hi"; a mix needs a libconfig list ( ). */
static void pr_ports(struct printer *w, const struct port_range *v, int n)
{
	bool ranges = false, singles = false;
	bool mixed;
	int i;

	if (n <= 0)
		return;
	for (i = 0; i < n; i++) {
		if (v[i].lo == v[i].hi)
			singles = true;
		else
			ranges = true;
	}
	mixed = ranges && singles;
	pr(w, " ports = %s", mixed ? "(" : "[");
	for (i = 0; i < n; i++) {
		pr(w, "%s", i ? ", " : "");
		if (v[i].lo == v[i].hi)
			pr(w, "%u", v[i].lo);
		else
			pr(w, "\"%u-%u\"", v[i].lo, v[i].hi);
	}
	pr(w, "%s;", mixed ? ")" : "]");
}

static void pr_proto(struct printer *w, uint8_t proto)
{
	const char *n = policy_proto_name(proto);

	if (n)
		pr(w, " proto = \"%s\";", n);
	else
		pr(w, " proto = \"%u\";", proto);
}

static const char *zone_ref(const struct policy *p, int idx, const char *written)
{
	if (idx >= 0 && idx < p->n_zones)
		return p->zones[idx].id;
	return written ? policy_zone_canon(written) : "";
}

static const char *endpoint_ref(const struct policy *p, const struct endpoint *e)
{
	switch (e->kind) {
	case EP_HOST:
		if (e->idx >= 0 && e->idx < p->n_hosts)
			return p->hosts[e->idx].name;
		break;
	case EP_GROUP:
		if (e->idx >= 0 && e->idx < p->n_groups)
			return p->groups[e->idx].name;
		break;
	case EP_ZONE:
		if (e->idx >= 0 && e->idx < p->n_zones)
			return p->zones[e->idx].id;
		break;
	case EP_GATEWAY:
		return "gateway";
	default:
		break;
	}
	return e->name;
}

static void pr_time(struct printer *w, const char *key, const char *text, int64_t t, bool date)
{
	int m, d;
	int64_t y, days, sec;

	if (text) {
		pr_kv(w, key, text);
		return;
	}
	if (date)
		t += 9 * 3600;				/* the day in Japan */
	days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
	sec = t - days * 86400;
	util_civil_from_days(days, &y, &m, &d);
	if (date)
		pr(w, " %s = \"%04lld-%02d-%02d\";", key, (long long)y, m, d);
	else
		pr(w, " %s = \"%04lld-%02d-%02dT%02d:%02d:%02dZ\";", key, (long long)y, m, d,
		   (int)(sec / 3600), (int)(sec / 60 % 60), (int)(sec % 60));
}

static void pr_head(struct printer *w, const struct policy *p)
{
	pr(w, "policy: {\n");
	pr(w, "\torganisation = ");
	pr_str(w, p->organisation ? p->organisation : "");
	pr(w, ";\n");
	if (p->document) {
		pr(w, "\tdocument = ");
		pr_str(w, p->document);
		pr(w, ";\n");
	}
	pr(w, "\tmodel = \"%s\";\n", policy_model_name(p->model));
	if (p->changes.single)		/* the default (two-person) is not printed */
		pr(w, "\tchanges = \"single\";\n");
	if (p->changes.proposal_ttl_days != POLICY_PROPOSAL_TTL_DAYS)
		pr(w, "\tproposal_ttl_days = %d;\n", p->changes.proposal_ttl_days);
	if (p->changes.keep_versions != POLICY_KEEP_VERSIONS)
		pr(w, "\tkeep_versions = %d;\n", p->changes.keep_versions);
	if (p->changes.keep_days != POLICY_KEEP_DAYS)
		pr(w, "\tkeep_days = %d;\n", p->changes.keep_days);
	pr(w, "};\n");
}

static void pr_zones(struct printer *w, const struct policy *p)
{
	int i, j;

	pr(w, "\nzones: {\n");
	for (i = 0; i < p->n_zones; i++) {
		const struct zone *z = &p->zones[i];

		pr(w, "\t%s: {", z->id);
		if (z->label && strcmp(z->label, z->id))
			pr_kv(w, "name", z->label);
		pr(w, " interfaces = [");
		for (j = 0; j < z->n_ifaces; j++)
			pr(w, "%s\"%s\"", j ? ", " : "", z->ifaces[j]);
		pr(w, "];");
		if (z->any)
			pr(w, " networks = [\"any\"];");
		else
			pr_prefixes(w, "networks", z->nets, z->n_nets, false, "\t");
		if (z->has_uplinks) {
			pr(w, " uplinks = {");
			for (j = 0; j < z->n_ifaces; j++)
				pr(w, " %s = \"%s\";", z->ifaces[j],
				   policy_uplink_name((enum uplink_role)z->uplink[j]));
			pr(w, " };");
		}
		pr(w, " };\n");
	}
	pr(w, "};\n");
}

static void pr_segments(struct printer *w, const struct policy *p)
{
	int i;

	if (p->n_segments <= 0)
		return;
	pr(w, "\nsegments: (\n");
	for (i = 0; i < p->n_segments; i++) {
		const struct segment *s = &p->segments[i];

		pr(w, "\t{");
		pr_kv(w, "name", s->name);
		pr_kv(w, "zone", zone_ref(p, s->zone, s->zone_name));
		pr(w, " link = \"%s\";", policy_link_name(s->link));
		pr_kv(w, "interface", s->iface);
		pr_prefixes(w, "networks", s->nets, s->n_nets, false, "\t");
		pr(w, " }%s\n", i + 1 < p->n_segments ? "," : "");
	}
	pr(w, ");\n");
}

static void pr_hosts(struct printer *w, const struct policy *p)
{
	char buf[64];
	int i;

	if (p->n_hosts <= 0)
		return;
	pr(w, "\nhosts: (\n");
	for (i = 0; i < p->n_hosts; i++) {
		const struct host *h = &p->hosts[i];

		pr(w, "\t{");
		pr_kv(w, "name", h->name);
		pr_kv(w, "zone", zone_ref(p, h->zone, h->zone_name));
		if (h->has_mac)
			pr(w, " mac = \"%02x:%02x:%02x:%02x:%02x:%02x\";", h->mac[0], h->mac[1],
			   h->mac[2], h->mac[3], h->mac[4], h->mac[5]);
		if (h->has4 && format_addr(AF_INET, h->ip4, buf, sizeof(buf)) >= 0)
			pr(w, " ipv4 = \"%s\";", buf);
		if (h->has6 && format_addr(AF_INET6, h->ip6, buf, sizeof(buf)) >= 0)
			pr(w, " ipv6 = \"%s\";", buf);
		if (h->internet_connected >= 0)
			pr(w, " internet_connected = %s;",
			   h->internet_connected ? "true" : "false");
		pr(w, " }%s\n", i + 1 < p->n_hosts ? "," : "");
	}
	pr(w, ");\n");
}

static void pr_groups(struct printer *w, const struct policy *p)
{
	char buf[64];
	int i, j;

	if (p->n_groups <= 0)
		return;
	pr(w, "\ngroups: (\n");
	for (i = 0; i < p->n_groups; i++) {
		const struct group *g = &p->groups[i];

		pr(w, "\t{");
		pr_kv(w, "name", g->name);
		pr(w, " members = [");
		for (j = 0; j < g->n_members; j++) {
			const struct member *m = &g->members[j];

			pr_sep(w, j, g->n_members, "\t");
			if (m->kind == MEMBER_PREFIX) {
				if (policy_prefix_format(&m->pfx, buf, sizeof(buf)) < 0)
					buf[0] = '\0';
				pr(w, "\"%s\"", buf);
			} else if (m->host >= 0 && m->host < p->n_hosts) {
				pr_str(w, p->hosts[m->host].name);
			} else {
				pr_str(w, m->name ? m->name : "");
			}
		}
		pr(w, "%s]; }%s\n", g->n_members > PRINT_INLINE_MAX ? "\n\t" : "",
		   i + 1 < p->n_groups ? "," : "");
	}
	pr(w, ");\n");
}

static bool zone_is_mynumber(const struct policy *p, int z)
{
	return z >= 0 && z < p->n_zones && z < POLICY_ZONES_MAX &&
	       p->zones[z].role == ZONE_MYNUMBER;
}

/* A verdict is printed when it was written: before validation, when it is not the default;
 * after, when it differs from what policy_validate() gives a flow without one. */
static bool verdict_shown(const struct policy *p, const struct flow *f)
{
	enum flow_verdict dflt = VERDICT_KERNEL;

	if (f->verdict == VERDICT_DEFAULT)
		return false;
	if (!p->validated)
		return true;
	if (f->cls != FLOW_MANAGEMENT &&
	    (zone_is_mynumber(p, f->from.zone) || zone_is_mynumber(p, f->to.zone)))
		dflt = VERDICT_ENGINE;
	return f->verdict != dflt;
}

static void pr_flows(struct printer *w, const struct policy *p)
{
	int i;

	if (p->n_flows <= 0)
		return;
	pr(w, "\nflows: (\n");
	for (i = 0; i < p->n_flows; i++) {
		const struct flow *f = &p->flows[i];

		pr(w, "\t{");
		pr_kv(w, "name", f->name);
		pr(w, " class = \"%s\";", policy_class_name(f->cls));
		if (f->method != METHOD_NONE)
			pr(w, " method = \"%s\";", policy_method_name(f->method));
		pr_kv(w, "from", endpoint_ref(p, &f->from));
		pr_kv(w, "to", endpoint_ref(p, &f->to));
		pr_proto(w, f->proto);
		pr_ports(w, f->ports, f->n_ports);
		pr_kv(w, "approval", f->approval);
		pr_kv(w, "purpose", f->purpose);
		pr_kv(w, "authority", f->authority);
		pr_kv(w, "comment", f->comment);
		if (verdict_shown(p, f))
			pr(w, " verdict = \"%s\";", policy_verdict_name(f->verdict));
		pr(w, " }%s\n", i + 1 < p->n_flows ? "," : "");
	}
	pr(w, ");\n");
}

static void pr_exceptions(struct printer *w, const struct policy *p)
{
	int i;

	if (p->n_exceptions <= 0)
		return;
	pr(w, "\nexceptions: (\n");
	for (i = 0; i < p->n_exceptions; i++) {
		const struct exception *e = &p->exceptions[i];

		pr(w, "\t{");
		pr_kv(w, "id", e->id);
		pr_kv(w, "from", endpoint_ref(p, &e->from));
		pr_kv(w, "to", endpoint_ref(p, &e->to));
		pr_proto(w, e->proto);
		pr_ports(w, e->ports, e->n_ports);
		pr_kv(w, "reason", e->reason);
		pr_kv(w, "requested_by", e->requested_by);
		pr_kv(w, "approved_by", e->approved_by);
		pr_time(w, "expires", e->expires_text, e->expires, false);
		pr(w, " }%s\n", i + 1 < p->n_exceptions ? "," : "");
	}
	pr(w, ");\n");
}

static void pr_service(struct printer *w, const struct service *s)
{
	pr(w, "\t\t{");
	pr_kv(w, "name", s->name);
	pr(w, " type = \"%s\";", policy_svctype_name(s->type));
	pr_kv(w, "ismap", s->ismap);
	if (s->ismap_valid_text || s->ismap_valid_until)
		pr_time(w, "ismap_valid_until", s->ismap_valid_text, s->ismap_valid_until, true);
	pr_strings(w, "fqdns", s->fqdns, s->n_fqdns);
	pr_prefixes(w, "prefixes", s->prefixes, s->n_prefixes, false, "\t\t");
	pr_ports(w, s->ports, s->n_ports);
	pr(w, " match = \"%s\";", policy_match_name(s->match));
	pr_kv(w, "approval", s->approval);
	if (s->handles_admin_docs >= 0)
		pr(w, " handles_admin_docs = %s;", s->handles_admin_docs ? "true" : "false");
	if (s->tls_required)
		pr(w, " tls = \"required\";");
	pr_kv(w, "psl_override", s->psl_override);
	pr(w, " }");
}

static void pr_breakout(struct printer *w, const struct policy *p)
{
	const struct breakout *b = &p->breakout;
	int i;

	if (b->n_services <= 0 && b->n_from <= 0)
		return;
	pr(w, "\nbreakout: {\n\tfrom = [");
	for (i = 0; i < b->n_from; i++) {
		int g = b->from_group ? b->from_group[i] : -1;

		pr(w, "%s", i ? ", " : "");
		if (g >= 0 && g < p->n_groups)
			pr_str(w, p->groups[g].name);
		else
			pr_str(w, zone_ref(p, b->from ? b->from[i] : -1,
					   b->from_names ? b->from_names[i] : NULL));
	}
	pr(w, "];\n");
	if (b->n_resolvers > 0) {
		pr_prefixes_at(w, "\t", "resolvers", b->resolvers, b->n_resolvers, true, "\t");
		pr(w, "\n");
	}
	if (b->n_upstreams > 0) {
		pr_prefixes_at(w, "\t", "upstreams", b->upstreams, b->n_upstreams, true, "\t");
		pr(w, "\n");
	}
	pr(w, "\tdns_floor = %d; dns_grace = %d; dns_ttl_max = %d; dns_max = %d; ech = \"%s\";\n",
	   b->dns_floor, b->dns_grace, b->dns_ttl_max, b->dns_max, policy_ech_name(b->ech));
	if (b->port_span_max != POLICY_PORT_SPAN_MAX)
		pr(w, "\tport_span_max = %d;\n", b->port_span_max);
	pr(w, "\tservices: (\n");
	for (i = 0; i < b->n_services; i++) {
		pr_service(w, &b->services[i]);
		pr(w, "%s\n", i + 1 < b->n_services ? "," : "");
	}
	pr(w, "\t);\n};\n");
}

/* The engine section only when something differs from the defaults. */
static void pr_engine(struct printer *w, const struct policy *p)
{
	const struct engine_conf *e = &p->engine;
	int i;

	if (e->queues == POLICY_QUEUES && e->queue_base == 0 &&
	    e->queue_maxlen == POLICY_QUEUE_MAXLEN && e->n_fail_open <= 0 &&
	    e->source_quota == ENGINE_SOURCE_QUOTA)
		return;
	pr(w, "\nengine: {\n\tqueues = %d; queue_base = %d; queue_maxlen = %d;\n", e->queues,
	   e->queue_base, e->queue_maxlen);
	if (e->source_quota != ENGINE_SOURCE_QUOTA)
		pr(w, "\tsource_quota = %d;\n", e->source_quota);
	if (e->n_fail_open > 0) {
		pr(w, "\tfail_open = [");
		for (i = 0; i < e->n_fail_open; i++) {
			pr_sep(w, i, e->n_fail_open, "\t");
			if (e->fail_open_from && e->fail_open_to &&
			    e->fail_open_from[i] >= 0 && e->fail_open_from[i] < p->n_zones &&
			    e->fail_open_to[i] >= 0 && e->fail_open_to[i] < p->n_zones)
				pr(w, "\"%s>%s\"", p->zones[e->fail_open_from[i]].id,
				   p->zones[e->fail_open_to[i]].id);
			else
				pr_str(w, e->fail_open[i] ? e->fail_open[i] : "");
		}
		pr(w, "%s];\n", e->n_fail_open > PRINT_INLINE_MAX ? "\n\t" : "");
	}
	pr(w, "};\n");
}

const struct pair_limits *policy_limits(const struct policy *p, int from, int to)
{
	int i;

	for (i = 0; i < p->limits.n_pairs; i++) {
		if (p->limits.pairs[i].from == from && p->limits.pairs[i].to == to)
			return &p->limits.pairs[i].l;
	}
	return &p->limits.dflt;
}

static void pr_pair_limits(struct printer *w, const struct pair_limits *l)
{
	pr(w, "rate = %d; burst = %d; ct_count = %d;", l->rate, l->burst, l->ct_count);
}

/* The limits section only when something differs from the defaults. */
static void pr_limits(struct printer *w, const struct policy *p)
{
	const struct limits_conf *l = &p->limits;
	const struct limit_pair *x;
	int i;

	if (l->dflt.rate == LIMITS_RATE && l->dflt.burst == LIMITS_BURST &&
	    l->dflt.ct_count == LIMITS_CT_COUNT && l->conntrack_warn == LIMITS_CONNTRACK_WARN &&
	    l->n_pairs <= 0)
		return;
	pr(w, "\nlimits: {\n\t");
	pr_pair_limits(w, &l->dflt);
	pr(w, " conntrack_warn = %.9g;\n", l->conntrack_warn);
	if (l->n_pairs > 0) {
		pr(w, "\tpairs: (\n");
		for (i = 0; i < l->n_pairs; i++) {
			x = &l->pairs[i];
			pr(w, "\t\t{ pair = \"%s>%s\"; ", x->from >= 0 && x->from < p->n_zones ?
			   p->zones[x->from].id : "?", x->to >= 0 && x->to < p->n_zones ?
			   p->zones[x->to].id : "?");
			pr_pair_limits(w, &x->l);
			pr(w, " }%s\n", i + 1 < l->n_pairs ? "," : "");
		}
		pr(w, "\t);\n");
	}
	pr(w, "};\n");
}

static void pr_ha(struct printer *w, const struct policy *p)
{
	const struct ha_conf *h = &p->ha;
	char a[64];
	int i;

	if (!h->present)
		return;
	pr(w, "\nha: {\n\tsync_interface = \"%s\";\n\tnodes = [", h->sync_if);
	for (i = 0; i < h->n_nodes; i++) {
		if (format_addr(h->nodes[i].family, h->nodes[i].addr, a, sizeof(a)) < 0)
			a[0] = '\0';
		pr(w, "%s\"%s\"", i ? ", " : "", a);
	}
	pr(w, "];\n\tconntrackd_port = %d;\n\tsync_port = %d;\n};\n", h->conntrackd_port,
	   h->sync_port);
}

/* The logging section only when something differs from the defaults. */
static void pr_logging(struct printer *w, const struct policy *p)
{
	const struct logging_conf *l = &p->logging;

	if (l->group == LOGGING_GROUP && l->kernel_rate == LOGGING_KERNEL_RATE &&
	    l->source_lines == LOGGING_SOURCE_LINES && l->source_window == LOGGING_SOURCE_WINDOW &&
	    l->segment_bytes == LOGGING_SEGMENT_BYTES &&
	    l->segment_seconds == LOGGING_SEGMENT_SECONDS &&
	    l->retention_days == LOGGING_RETENTION_DAYS && l->scan_ports == LOGGING_SCAN_PORTS &&
	    l->scan_hosts == LOGGING_SCAN_HOSTS && l->scan_window == LOGGING_SCAN_WINDOW &&
	    l->burst_events == LOGGING_BURST_EVENTS && l->burst_window == LOGGING_BURST_WINDOW &&
	    !l->block_on_failure)
		return;
	pr(w, "\nlogging: {\n\tgroup = %d; kernel_rate = %d;\n\tsource_lines = %d; "
	   "source_window = %d;\n\tsegment_bytes = %d; segment_seconds = %d; "
	   "retention_days = %d;\n\tscan_ports = %d; scan_hosts = %d; scan_window = %d;\n"
	   "\tburst_events = %d; burst_window = %d;\n\ton_failure = \"%s\";\n};\n",
	   l->group, l->kernel_rate, l->source_lines, l->source_window, l->segment_bytes,
	   l->segment_seconds, l->retention_days, l->scan_ports, l->scan_hosts, l->scan_window,
	   l->burst_events, l->burst_window, l->block_on_failure ? "block-crosszone" :
	   "alert-only");
}

int policy_print(const struct policy *p, FILE *out)
{
	struct printer w = { .out = out, .err = 0 };

	pr_head(&w, p);
	pr_zones(&w, p);
	pr_segments(&w, p);
	pr_hosts(&w, p);
	pr_groups(&w, p);
	pr_flows(&w, p);
	pr_exceptions(&w, p);
	pr_breakout(&w, p);
	pr_engine(&w, p);
	pr_limits(&w, p);
	pr_ha(&w, p);
	pr_logging(&w, p);
	if (!w.err && fflush(out) == EOF)
		w.err = errno ? -errno : -EIO;
	return w.err;
}

/* ---- R11: uplinks of the Internet zone ---- */

static const char *const uplink_names[UPLINK_ROLE_MAX] = {
	[UPLINK_NONE]		= "none",
	[UPLINK_SECURITY_CLOUD]	= "security-cloud",
	[UPLINK_BREAKOUT_LINE]	= "breakout-line",
	[UPLINK_CLOUD_BREAKOUT]	= "security-cloud+breakout",
};

const char *policy_uplink_name(enum uplink_role r)
{
	return table_name(uplink_names, UPLINK_ROLE_MAX, (int)r);
}

/* "# uplinks (R11): ..." for every Internet-role zone; a note when none is declared. */
void policy_print_uplinks(const struct policy *p, FILE *out)
{
	int i, j;

	for (i = 0; i < p->n_zones; i++) {
		const struct zone *z = &p->zones[i];

		if (z->role != ZONE_INTERNET)
			continue;
		if (!z->has_uplinks) {
			fprintf(out, "# uplinks (R11): %s: none declared; Internet-zone egress through "
				"every interface of the zone (note: declare uplinks = { IF = "
				"\"security-cloud\"; })\n", z->id);
			continue;
		}
		fprintf(out, "# uplinks (R11): %s:", z->id);
		for (j = 0; j < z->n_ifaces; j++)
			fprintf(out, " %s=%s", z->ifaces[j],
				policy_uplink_name((enum uplink_role)z->uplink[j]));
		fprintf(out, "\n");
	}
}
