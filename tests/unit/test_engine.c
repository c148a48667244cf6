/* SPDX-License-Identifier: GPL-2.0-only */
/* test_engine.c: the verdict engine's per-packet decisions (engine.c, classify.c) on tables
 * built the way the daemon builds them (conf -> policy_validate -> comp_build ->
 * eng_tables_build): My Number flows re-checked (MAC, addresses, protocol, port), breakout by
 * TLS SNI (one segment, split, gaps, ECH) and HTTP Host, DNS learning with its lifetimes, and
 * hostile input (every prefix of a packet, unknown marks). Packets are built in exact-size
 * heap buffers around the captured payloads of tests/unit/data/. Every check names the
 * verdict, the mark and the one counter that must have moved. */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "compile.h"
#include "conf.h"
#include "dns.h"
#include "engine.h"
#include "engine_int.h"
#include "pkt.h"
#include "tls.h"
#include "data/dns_samples.h"
#include "data/http_samples.h"
#include "data/pkt_samples.h"
#include "data/tls_samples.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define NOW	1790000000		/* policy time: 2026-09-21T14:13:20Z */
#define T0	5000000			/* engine clock at the start of a test, ms */

Suite *suite_engine(void);

/* ---- the policy ---- */

/* Flow indexes in the policy below. */
enum { F_TCP = 0, F_UDP, F_ICMP, F_NOMAC };
/* Service indexes. */
enum { S_M365 = 0, S_TEAMS, S_IP, S_OLD, S_BOX };

static const char *policy_head =
	"policy: { organisation = \"t\"; model = \"three-tier\"; };\n"
	"zones: { mynumber: { interfaces = [\"mn0\"]; networks = [\"10.10.0.0/24\", \"fd10::/64\"]; };\n"
	"  lgwan: { interfaces = [\"lg0\"]; networks = [\"10.20.0.0/24\", \"fd20::/64\"]; };\n"
	"  internet: { interfaces = [\"in0\"]; networks = [\"any\"]; }; };\n"
	"hosts: ( { name = \"juki\"; zone = \"mynumber\"; mac = \"02:00:00:00:10:05\";\n"
	"    ipv4 = \"10.10.0.5\"; ipv6 = \"fd10::5\"; },\n"
	"  { name = \"jlis\"; zone = \"lgwan\"; ipv4 = \"10.20.0.9\"; ipv6 = \"fd20::9\"; } );\n"
	"flows: ( { name = \"juki-jlis\"; class = \"public-system-via-lgwan\";\n"
	"    from = \"juki\"; to = \"jlis\";\n"
	"    proto = \"tcp\"; ports = [443]; approval = \"A1\"; purpose = \"p\"; },\n"
	"  { name = \"juki-jlis-ntp\"; class = \"public-system-via-lgwan\";\n"
	"    from = \"juki\"; to = \"jlis\";\n"
	"    proto = \"udp\"; ports = [123]; approval = \"A2\"; purpose = \"p\"; },\n"
	"  { name = \"juki-jlis-ping\"; class = \"public-system-via-lgwan\";\n"
	"    from = \"juki\"; to = \"jlis\";\n"
	"    proto = \"icmp\"; approval = \"A3\"; purpose = \"p\"; },\n"
	"  { name = \"jlis-juki\"; class = \"public-system-via-lgwan\"; from = \"jlis\"; to = \"juki\";\n"
	"    proto = \"tcp\"; ports = [8443]; approval = \"A4\"; purpose = \"p\"; } );\n"
	"groups: ( { name = \"lg-terminals\"; members = [\"10.20.0.128/25\", \"fd20::100/120\"]; } );\n"
	"breakout: { from = [\"lg-terminals\"]; resolvers = [\"10.20.0.53\"];\n"
	"  upstreams = [\"10.30.0.53\"];\n"
	"  dns_floor = 120; dns_grace = 30; ech = \"";

static const char *policy_tail =
	"\";\n"
	"  services: (\n"
	"    { name = \"m365\"; ismap = \"C21-0009-3\"; ismap_valid_until = \"2099-03-31\";\n"
	"      fqdns = [\"*.office.com\", \"login.microsoftonline.com\"];\n"
	"      prefixes = [\"198.51.100.0/24\", \"2001:db8:5::/48\"]; ports = [443, 80];\n"
	"      match = \"dns+sni\"; approval = \"AP-1\"; },\n"
	"    { name = \"teams\"; ismap = \"C21-0009-4\"; ismap_valid_until = \"2099-03-31\";\n"
	"      fqdns = [\"teams.microsoft.com\", \"www.example.jp\"]; ports = [443, 80];\n"
	"      match = \"sni\"; approval = \"AP-2\"; },\n"
	"    { name = \"ipsvc\"; ismap = \"C21-0009-5\"; ismap_valid_until = \"2099-03-31\";\n"
	"      prefixes = [\"192.0.2.0/24\"]; ports = [443]; match = \"ip\"; approval = \"AP-3\"; },\n"
	"    { name = \"old\"; ismap = \"C21-0009-6\"; ismap_valid_until = \"2020-03-31\";\n"
	"      fqdns = [\"old.example.com\"]; ports = [443]; match = \"sni\"; approval = \"AP-4\"; },\n"
	"    { name = \"box\"; ismap = \"C21-0009-7\"; ismap_valid_until = \"2099-03-31\";\n"
	"      fqdns = [\"*.box.com\"]; ports = [443]; approval = \"AP-5\"; ";

/* box's listed prefix, or nothing: a dns+sni service without prefixes, as in
 * conf/REFERENCE.md's example */
static const char *box_prefixes = "prefixes = [\"100.64.0.0/24\"]; ";

static const char *policy_end = "} ); };\n";

#define LIFE_FLOOR_MS	((120 + 30) * 1000)	/* dns_floor + dns_grace */

static const uint8_t test_key[16] = "sanso-test-key!";

/* Connections send_data() opened with a handshake (cleared with the flow state). */
static struct {
	char key[96];
} opened[1024];
static int n_opened;


static const uint8_t mac_juki[6] = { 0x02, 0x00, 0x00, 0x00, 0x10, 0x05 };
static const uint8_t mac_other[6] = { 0x02, 0x00, 0x00, 0x00, 0x10, 0x06 };

/* One set of tables, state and counters; rebuilt for every test. */
static struct {
	struct policy *p;
	struct comp_result *cr;
	struct eng_tables *t;
	struct eng_flows *fs;
	struct eng_learned *l;
	uint64_t cnt[EC_MAX], delta[EC_MAX];
	struct eng_verdict v;
	struct eng_update upd[ENG_UPDATES_MAX];
	int n_upd;
	int64_t now;
} fx;

/* Buffers a test allocates, freed by teardown() even when an assertion ends the test early
 * (CK_FORK=no under valgrind). */
static struct {
	void **v;
	size_t n, cap;
} owned;

static void *own(void *p)
{
	ck_assert_ptr_nonnull(p);
	if (owned.n == owned.cap) {
		void **v = realloc(owned.v, (owned.cap ? owned.cap * 2 : 64) * sizeof(*v));

		ck_assert_ptr_nonnull(v);
		owned.v = v;
		owned.cap = owned.cap ? owned.cap * 2 : 64;
	}
	owned.v[owned.n++] = p;
	return p;
}

static void free_owned(void)
{
	while (owned.n)
		free(owned.v[--owned.n]);
	free(owned.v);
	memset(&owned, 0, sizeof(owned));
}

static uint32_t decision(enum comp_kind k, int idx)
{
	int i;

	for (i = 0; i < fx.cr->n_decisions; i++) {
		if (fx.cr->decisions[i].kind == k && fx.cr->decisions[i].idx == idx)
			return fx.cr->decisions[i].id;
	}
	return 0;
}

static uint32_t flow_id(int idx)
{
	uint32_t id = decision(COMP_FLOW, idx);

	ck_assert_uint_ne(id, 0);
	return id;
}

static uint32_t svc_id(int idx)
{
	uint32_t id = decision(COMP_SERVICE, idx);

	ck_assert_uint_ne(id, 0);
	return id;
}

static void fx_build(const char *ech, const char *box)
{
	struct diag d;
	char *s = NULL;
	int r;

	memset(&fx, 0, sizeof(fx));
	diag_init(&d);
	ck_assert_int_ge(asprintf(&s, "%s%s%s%s%s", policy_head, ech, policy_tail, box, policy_end),
			 0);
	r = conf_load_string("engine.conf", s, &fx.p, &d);
	if (r >= 0)
		r = policy_validate(fx.p, NOW, &d);
	if (r >= 0)
		r = comp_build(fx.p, NOW, &fx.cr, &d);
	free(s);
	if (r < 0)
		diag_print(&d, stderr, 0);
	diag_fini(&d);
	ck_assert_int_eq(r, 0);
	fx.t = eng_tables_build(fx.p, fx.cr);
	fx.fs = eng_flows_new(64, test_key);
	fx.l = eng_learned_new(1024);
	ck_assert_ptr_nonnull(fx.t);
	ck_assert_ptr_nonnull(fx.fs);
	ck_assert_ptr_nonnull(fx.l);
	fx.now = T0;
	n_opened = 0;
}

/* Fresh flow state, learned table and counters; same tables. */
static void fx_reset_state(void)
{
	eng_learned_free(fx.l);
	eng_flows_free(fx.fs);
	fx.fs = eng_flows_new(64, test_key);
	fx.l = eng_learned_new(1024);
	ck_assert_ptr_nonnull(fx.fs);
	ck_assert_ptr_nonnull(fx.l);
	memset(fx.cnt, 0, sizeof(fx.cnt));
	fx.now = T0;
	n_opened = 0;
}

static void setup(void)
{
	fx_build("refuse", box_prefixes);
}

static void teardown(void)
{
	eng_learned_free(fx.l);
	eng_flows_free(fx.fs);
	eng_tables_free(fx.t);
	comp_result_free(fx.cr);
	policy_free(fx.p);
	free_owned();
}

/* ---- packets ---- */

struct pk {
	const char *src, *dst;		/* the family follows the text */
	uint8_t proto;			/* 6, 17, 1 (ICMP, also for IPv6) */
	uint16_t sport, dport;
	uint32_t seq;
	uint8_t flags;			/* TCP flags */
	const uint8_t *data;
	size_t len;
};

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

/* IP + L4 header + payload in an exact-size heap buffer; checksums zero. */
static uint8_t *build(const struct pk *k, size_t *ret_len)
{
	bool v6 = strchr(k->src, ':') != NULL;
	size_t ip = v6 ? 40 : 20, l4 = k->proto == PKT_IPPROTO_TCP ? 20 : 8, len;
	uint8_t proto = k->proto == PKT_IPPROTO_ICMP && v6 ? PKT_IPPROTO_ICMPV6 : k->proto;
	uint8_t *b, *t;

	len = ip + l4 + k->len;
	b = own(calloc(1, len));
	if (v6) {
		b[0] = 0x60;
		put16(b + 4, (uint32_t)(l4 + k->len));
		b[6] = proto;
		b[7] = 64;
		ck_assert_int_eq(inet_pton(AF_INET6, k->src, b + 8), 1);
		ck_assert_int_eq(inet_pton(AF_INET6, k->dst, b + 24), 1);
	} else {
		b[0] = 0x45;
		put16(b + 2, (uint32_t)len);
		put16(b + 4, 0x1234);
		put16(b + 6, 0x4000);		/* DF */
		b[8] = 64;
		b[9] = proto;
		ck_assert_int_eq(inet_pton(AF_INET, k->src, b + 12), 1);
		ck_assert_int_eq(inet_pton(AF_INET, k->dst, b + 16), 1);
	}
	t = b + ip;
	if (k->proto == PKT_IPPROTO_TCP) {
		put16(t, k->sport);
		put16(t + 2, k->dport);
		put32(t + 4, k->seq);
		put32(t + 8, 1);
		t[12] = 5 << 4;
		t[13] = k->flags ? k->flags : PKT_TCP_ACK | (k->len ? PKT_TCP_PSH : 0);
		put16(t + 14, 64240);
	} else if (k->proto == PKT_IPPROTO_UDP) {
		put16(t, k->sport);
		put16(t + 2, k->dport);
		put16(t + 4, (uint32_t)(8 + k->len));
	} else {
		t[0] = v6 ? 128 : 8;		/* echo request */
		put16(t + 4, 7);
		put16(t + 6, 1);
	}
	if (k->len)
		memcpy(t + l4, k->data, k->len);
	*ret_len = len;
	return b;
}

/* Decide p (any buffer: copied to an exact-size one) at fx.now; the counters that moved are
 * in fx.delta. */
static void decide_raw(const uint8_t *p, size_t len, const uint8_t *mac, uint32_t mark)
{
	uint64_t before[EC_MAX];
	uint8_t *b = malloc(len ? len : 1);
	int i;

	ck_assert_ptr_nonnull(b);
	if (len)
		memcpy(b, p, len);
	memcpy(before, fx.cnt, sizeof(before));
	fx.n_upd = -1;
	eng_decide(fx.t, fx.fs, fx.l, b, len, mac, mark, fx.now, &fx.v, fx.upd, &fx.n_upd,
		   fx.cnt);
	free(b);
	for (i = 0; i < EC_MAX; i++)
		fx.delta[i] = fx.cnt[i] - before[i];
	ck_assert_uint_eq(fx.delta[EC_PACKETS], 1);
	ck_assert_int_ge(fx.n_upd, 0);
	ck_assert_int_le(fx.n_upd, ENG_UPDATES_MAX);
}

static void decide(const struct pk *k, const uint8_t *mac, uint32_t mark)
{
	size_t len;
	uint8_t *b = build(k, &len);

	decide_raw(b, len, mac, mark);
}

/* Exactly these counters moved (besides EC_PACKETS). */
static void check_delta(const uint64_t want[EC_MAX])
{
	int i;

	for (i = 1; i < EC_MAX; i++)
		ck_assert_msg(fx.delta[i] == want[i], "counter %s moved by %llu, want %llu",
			      eng_count_name((enum eng_count)i), (unsigned long long)fx.delta[i],
			      (unsigned long long)want[i]);
}

#define DELTA(...) check_delta((const uint64_t[EC_MAX]){ __VA_ARGS__ })

/* The verdict, its mark, and that exactly counter c moved by one (EC_MAX: none). */
static void expect(enum eng_v v, uint32_t mark, enum eng_count c)
{
	uint64_t want[EC_MAX] = { 0 };

	ck_assert_msg(fx.v.v == v && fx.v.mark == mark, "verdict %d mark %#x, want %d %#x",
		      fx.v.v, fx.v.mark, v, mark);
	if (c != EC_MAX)
		want[c] = 1;
	check_delta(want);
	/* a refusal names its reason for the flow log (queue.h), the one it counted */
	if (v == ENG_REPEAT && mark == (COMP_MARK_COPY | COMP_ID_REFUSED) && c != EC_MAX)
		ck_assert_msg(fx.v.why == c, "refusal names reason %d, counted %d", fx.v.why, c);
}

#define REFUSED		(COMP_MARK_COPY | COMP_ID_REFUSED)
#define COPY(id)	(COMP_MARK_COPY | (id))

/* The server acks every judged byte of the (one) TLS connection just accepted. */
static void server_acks_judged(void)
{
	char cli[INET6_ADDRSTRLEN], srv[INET6_ADDRSTRLEN];
	const struct eng_hs *e = NULL;
	int af, j;
	size_t len;
	uint8_t *b;

	for (j = 0; j < fx.fs->hs_cap; j++) {
		if (fx.fs->hs[j].state == HS_VERIFY) {
			ck_assert_msg(!e, "two connections wait for the server's ack");
			e = &fx.fs->hs[j];
		}
	}
	ck_assert_ptr_nonnull(e);
	af = e->family == AF_INET ? AF_INET : AF_INET6;
	ck_assert_ptr_nonnull(inet_ntop(af, e->cli, cli, sizeof(cli)));
	ck_assert_ptr_nonnull(inet_ntop(af, e->srv, srv, sizeof(srv)));
	{
		struct pk k = { srv, cli, PKT_IPPROTO_TCP, e->sport, e->cport, 778, PKT_TCP_ACK,
				NULL, 0 };

		b = build(&k, &len);
		put32(b + (af == AF_INET ? 20 : 40) + 8, e->judged);
		decide_raw(b, len, NULL, COMP_MARK_ENGINE);
	}
}

/* A TLS connection accepted: counted now (ENG_ACCEPT: it stays with the engine), its
 * decision id goes into ct mark with the server's ack of the judged bytes. */
static void expect_accepted(uint32_t id)
{
	expect(ENG_ACCEPT, 0, EC_BO_OK);
	server_acks_judged();
	expect(ENG_REPEAT, COPY(id), EC_MAX);
}

/* ---- DNS answers and ClientHellos ---- */

/* A DNS answer for qname with A records (ttl, address) owned by the question name. */
struct rr {
	uint32_t ttl;
	const char *addr;
};

static uint8_t *dns_answer(const char *qname, const struct rr *rrs, int n, size_t *ret_len)
{
	uint8_t q[300], *b;
	size_t qn = 0, len;
	const char *s = qname, *dot;
	int i;

	do {
		dot = strchr(s, '.');
		len = dot ? (size_t)(dot - s) : strlen(s);
		q[qn++] = (uint8_t)len;
		memcpy(q + qn, s, len);
		qn += len;
		s = dot ? dot + 1 : NULL;
	} while (s);
	q[qn++] = 0;
	len = 12 + qn + 4 + (size_t)n * 16;
	b = own(calloc(1, len));
	put16(b, 0x4242);
	put16(b + 2, 0x8580);			/* QR AA RD RA, NOERROR */
	put16(b + 4, 1);
	put16(b + 6, (uint32_t)n);
	memcpy(b + 12, q, qn);
	put16(b + 12 + qn, 1);
	put16(b + 14 + qn, 1);
	for (i = 0; i < n; i++) {
		uint8_t *r = b + 12 + qn + 4 + i * 16;

		put16(r, 0xc00c);
		put16(r + 2, 1);
		put16(r + 4, 1);
		put32(r + 6, rrs[i].ttl);
		put16(r + 10, 4);
		ck_assert_int_eq(inet_pton(AF_INET, rrs[i].addr, r + 12), 1);
	}
	*ret_len = len;
	return b;
}

#define SEEN	COMP_ID_DNS_SEEN	/* the verdict on every DNS packet: the policy decides */

/* The resolver's query that msg (an answer) answers: its header and question. */
static uint8_t *query_of(const uint8_t *msg, size_t len, size_t *ret_len)
{
	size_t end = 12;
	uint8_t *q;

	while (end < len && msg[end] && msg[end] < 0x40)
		end += 1 + msg[end];
	end += 5;
	ck_assert_uint_le(end, len);
	q = own(calloc(1, end));
	memcpy(q, msg, end);
	put16(q + 2, 0x0100);			/* a query, RD */
	put16(q + 6, 0);
	put16(q + 8, 0);
	put16(q + 10, 0);
	*ret_len = end;
	return q;
}

/* The resolver's query to the upstream (over proto), recorded by the engine. */
static void send_query(const uint8_t *ans, size_t len, uint8_t proto)
{
	size_t qlen;
	uint8_t *q = query_of(ans, len, &qlen);
	struct pk k = { "10.20.0.53", "10.30.0.53", PKT_IPPROTO_UDP, 40053, 53, 0, 0, q, qlen };

	k.proto = proto;
	if (proto == PKT_IPPROTO_TCP) {		/* 2-byte length prefix */
		uint8_t *f = own(malloc(qlen + 2));

		put16(f, (uint32_t)qlen);
		memcpy(f + 2, q, qlen);
		k.data = f;
		k.len = qlen + 2;
	}
	decide(&k, NULL, COMP_ID_DNS_QUERY);
	expect(ENG_REPEAT, SEEN, EC_DNS_QUERIES);
}

/* An upstream's answer to the resolver, marked for learning, no query before it. */
static void decide_answer(const uint8_t *msg, size_t len)
{
	struct pk k = { "10.30.0.53", "10.20.0.53", PKT_IPPROTO_UDP, 53, 40053, 0, 0, msg, len };

	decide(&k, NULL, COMP_ID_DNS);
}

/* The resolver's query (if msg is a response), then the upstream's answer msg. */
static void decide_dns(const uint8_t *msg, size_t len)
{
	if (len >= 12 && (msg[2] & 0x80))
		send_query(msg, len, PKT_IPPROTO_UDP);
	decide_answer(msg, len);
}

static void learn(const char *qname, const struct rr *rrs, int n)
{
	size_t len;
	uint8_t *m = dns_answer(qname, rrs, n, &len);

	decide_dns(m, len);
}

/* An encrypted_client_hello of type outer: kdf, aead, config id, enc, payload. */
static const uint8_t ech_body[] = {
	0x00, 0x00, 0x01, 0x00, 0x01, 0x2a, 0x00, 0x04, 1, 2, 3, 4, 0x00, 0x04, 5, 6, 7, 8,
};

/* A minimal ClientHello: SNI (if name), optionally an encrypted_client_hello extension. */
static uint8_t *client_hello(const char *name, bool ech, size_t *ret_len)
{
	size_t n = name ? strlen(name) : 0, ext = (name ? 9 + n : 0) + (ech ? 4 + sizeof(ech_body) : 0);
	size_t body = 2 + 32 + 1 + 4 + 2 + 2 + ext, len = 5 + 4 + body;
	uint8_t *b = own(calloc(1, len)), *p;

	b[0] = 22;
	put16(b + 1, 0x0301);
	put16(b + 3, (uint32_t)(4 + body));
	b[5] = 1;
	b[7] = (uint8_t)(body >> 8);
	b[8] = (uint8_t)body;
	p = b + 9;
	put16(p, 0x0303);
	memset(p + 2, 0x5a, 32);
	p += 34;
	*p++ = 0;				/* session id */
	put16(p, 2);
	put16(p + 2, 0x1301);
	p += 4;
	*p++ = 1;
	*p++ = 0;				/* null compression */
	put16(p, (uint32_t)ext);
	p += 2;
	if (name) {
		put16(p, TLS_EXT_SERVER_NAME);
		put16(p + 2, (uint32_t)(5 + n));
		put16(p + 4, (uint32_t)(3 + n));
		p[6] = 0;
		put16(p + 7, (uint32_t)n);
		memcpy(p + 9, name, n);
		p += 9 + n;
	}
	if (ech) {
		put16(p, TLS_EXT_ECH);
		put16(p + 2, sizeof(ech_body));
		memcpy(p + 4, ech_body, sizeof(ech_body));
		p += 4 + sizeof(ech_body);
	}
	ck_assert_ptr_eq(p, b + len);
	*ret_len = len;
	return b;
}

/* A captured ClientHello (one record) with one extension appended, lengths fixed. */
static uint8_t *hello_add_ext(const uint8_t *h, size_t hlen, uint16_t type, const uint8_t *data,
			      size_t dlen, size_t *ret_len)
{
	size_t off = 5 + 4 + 2 + 32, add = 4 + dlen, len = hlen + add, ext_off;
	uint8_t *b = own(malloc(len));

	ck_assert_uint_eq(5 + ((size_t)h[3] << 8 | h[4]), hlen);	/* exactly one record */
	off += 1 + h[off];					/* session id */
	off += 2 + ((size_t)h[off] << 8 | h[off + 1]);		/* cipher suites */
	off += 1 + h[off];					/* compression */
	ext_off = off;
	ck_assert_uint_eq(ext_off + 2 + ((size_t)h[off] << 8 | h[off + 1]), hlen);
	memcpy(b, h, hlen);
	put16(b + hlen, type);
	put16(b + hlen + 2, (uint32_t)dlen);
	memcpy(b + hlen + 4, data, dlen);
	put16(b + 3, (uint32_t)(len - 5));
	b[6] = (uint8_t)((len - 9) >> 16);
	b[7] = (uint8_t)((len - 9) >> 8);
	b[8] = (uint8_t)(len - 9);
	put16(b + ext_off, (uint32_t)(len - ext_off - 2));
	*ret_len = len;
	return b;
}

static bool conn_opened(const char *src, const char *dst, uint16_t sport, uint16_t dport)
{
	char key[96];
	int i;

	snprintf(key, sizeof(key), "%s %s %u %u", src, dst, sport, dport);
	for (i = 0; i < n_opened; i++) {
		if (!strcmp(opened[i].key, key))
			return true;
	}
	ck_assert_int_lt(n_opened, (int)ARRAY_SIZE(opened));
	memcpy(opened[n_opened++].key, key, sizeof(key));
	return false;
}

/* The server's SYN-ACK acknowledging ack. */
static void send_synack(const char *src, const char *dst, uint16_t sport, uint16_t dport,
			uint32_t ack)
{
	struct pk sa = { dst, src, PKT_IPPROTO_TCP, dport, sport, 777, PKT_TCP_SYN | PKT_TCP_ACK,
			 NULL, 0 };
	size_t len;
	uint8_t *b = build(&sa, &len);

	put32(b + (strchr(src, ':') ? 40 : 20) + 8, ack);
	decide_raw(b, len, NULL, COMP_MARK_ENGINE);
}

/* A clean handshake whose stream starts at seq: SYN (seq - 1), SYN-ACK acking seq. */
static void open_conn(const char *src, const char *dst, uint16_t sport, uint16_t dport,
		      uint32_t seq)
{
	struct pk syn = { src, dst, PKT_IPPROTO_TCP, sport, dport, seq - 1, PKT_TCP_SYN, NULL, 0 };

	decide(&syn, NULL, COMP_MARK_ENGINE);
	ck_assert_msg(fx.v.v == ENG_ACCEPT, "SYN %s:%u: verdict %d", src, sport, fx.v.v);
	send_synack(src, dst, sport, dport, seq);
	ck_assert_msg(fx.v.v == ENG_ACCEPT, "SYN-ACK %s:%u: verdict %d", src, sport, fx.v.v);
}

/* Client data to dst:port; the first of a connection comes after a clean handshake
 * anchored at its seq. */
static void send_data(const char *src, const char *dst, uint16_t sport, uint16_t dport,
		      uint32_t seq, const uint8_t *p, size_t len)
{
	struct pk k = { src, dst, PKT_IPPROTO_TCP, sport, dport, seq, 0, p, len };

	bool client = dport == 443 || dport == 80;

	if (client && !conn_opened(src, dst, sport, dport))
		open_conn(src, dst, sport, dport, seq);
	decide(&k, NULL, COMP_MARK_ENGINE);
}

static void send_hello(const char *dst, const char *name)
{
	bool v6 = strchr(dst, ':') != NULL;
	size_t len;
	uint8_t *h = client_hello(name, false, &len);

	const char *src = v6 ? "fd20::100" : "10.20.0.200";
	struct pk k = { src, dst, PKT_IPPROTO_TCP, 50000, 443, 1000, 0, h, len };

	open_conn(src, dst, 50000, 443, 1000);		/* a new connection every time */
	decide(&k, NULL, COMP_MARK_ENGINE);
}

/* ---- 1. My Number flows ---- */

enum { MAC_OK, MAC_WRONG, MAC_NONE };

struct flow_case {
	const char *name;
	const char *src, *dst;
	uint8_t proto;
	uint16_t dport;
	int mac;
	int mark_flow;			/* the kernel's map: ENGINE | this flow's id */
	int want_flow;			/* the engine's answer, -1: refused */
};

static const struct flow_case flow_cases[] = {
	{ "tcp4 ok", "10.10.0.5", "10.20.0.9", 6, 443, MAC_OK, F_TCP, F_TCP },
	{ "tcp6 twin ok", "fd10::5", "fd20::9", 6, 443, MAC_OK, F_TCP, F_TCP },
	{ "udp4 ok", "10.10.0.5", "10.20.0.9", 17, 123, MAC_OK, F_UDP, F_UDP },
	{ "udp6 ok", "fd10::5", "fd20::9", 17, 123, MAC_OK, F_UDP, F_UDP },
	{ "icmp ok", "10.10.0.5", "10.20.0.9", 1, 0, MAC_OK, F_ICMP, F_ICMP },
	{ "icmpv6 ok", "fd10::5", "fd20::9", 1, 0, MAC_OK, F_ICMP, F_ICMP },
	{ "no-MAC source, no MAC", "10.20.0.9", "10.10.0.5", 6, 8443, MAC_NONE, F_NOMAC, F_NOMAC },
	{ "no-MAC source, any MAC", "fd20::9", "fd10::5", 6, 8443, MAC_WRONG, F_NOMAC, F_NOMAC },
	{ "tcp4 wrong MAC", "10.10.0.5", "10.20.0.9", 6, 443, MAC_WRONG, F_TCP, -1 },
	{ "tcp6 wrong MAC", "fd10::5", "fd20::9", 6, 443, MAC_WRONG, F_TCP, -1 },
	{ "tcp4 no MAC", "10.10.0.5", "10.20.0.9", 6, 443, MAC_NONE, F_TCP, -1 },
	{ "tcp6 no MAC", "fd10::5", "fd20::9", 6, 443, MAC_NONE, F_TCP, -1 },
	{ "icmp no MAC", "10.10.0.5", "10.20.0.9", 1, 0, MAC_NONE, F_ICMP, -1 },
	{ "tcp4 wrong port", "10.10.0.5", "10.20.0.9", 6, 444, MAC_OK, F_TCP, -1 },
	{ "tcp6 wrong port", "fd10::5", "fd20::9", 6, 80, MAC_OK, F_TCP, -1 },
	{ "udp4 on the tcp port", "10.10.0.5", "10.20.0.9", 17, 443, MAC_OK, F_TCP, -1 },
	{ "tcp4 on the udp port", "10.10.0.5", "10.20.0.9", 6, 123, MAC_OK, F_UDP, -1 },
	{ "tcp4 wrong destination", "10.10.0.5", "10.20.0.10", 6, 443, MAC_OK, F_TCP, -1 },
	{ "tcp6 wrong destination", "fd10::5", "fd20::10", 6, 443, MAC_OK, F_TCP, -1 },
	{ "tcp4 wrong source", "10.10.0.6", "10.20.0.9", 6, 443, MAC_OK, F_TCP, -1 },
	{ "tcp4 reversed", "10.20.0.9", "10.10.0.5", 6, 443, MAC_OK, F_TCP, -1 },
	{ "tcp4 no-MAC flow's port the other way", "10.10.0.5", "10.20.0.9", 6, 8443, MAC_OK,
	  F_NOMAC, -1 },
	{ "v4 source in v6 table", "::ffff:10.10.0.5", "::ffff:10.20.0.9", 6, 443, MAC_OK, F_TCP,
	  -1 },
	/* the kernel's map names another flow: the engine's own answer wins, counted */
	{ "map disagrees (udp id on tcp)", "10.10.0.5", "10.20.0.9", 6, 443, MAC_OK, F_UDP, F_TCP },
	{ "map disagrees v6", "fd10::5", "fd20::9", 17, 123, MAC_OK, F_TCP, F_UDP },
};

START_TEST(test_flow)
{
	const struct flow_case *c = &flow_cases[_i];
	const uint8_t *mac = c->mac == MAC_OK ? mac_juki : c->mac == MAC_WRONG ? mac_other : NULL;
	struct pk k = { c->src, c->dst, c->proto, 40000, c->dport, 77, PKT_TCP_SYN, NULL, 0 };
	uint32_t mark = COMP_MARK_ENGINE | flow_id(c->mark_flow);

	decide(&k, mac, mark);
	if (c->want_flow < 0) {
		expect(ENG_REPEAT, REFUSED, EC_FLOW_REFUSED);
	} else if (c->want_flow != c->mark_flow) {
		ck_assert_uint_eq(fx.v.v, ENG_REPEAT);
		ck_assert_uint_eq(fx.v.mark, COPY(flow_id(c->want_flow)));
		DELTA([EC_FLOW_OK] = 1, [EC_FLOW_DISAGREE] = 1);
	} else {
		expect(ENG_REPEAT, COPY(flow_id(c->want_flow)), EC_FLOW_OK);
	}
	ck_assert_int_eq(fx.n_upd, 0);
}
END_TEST

/* The tables hold what the policy says: 4 flows x 2 families, 3 services (ip and expired
 * ones are not the engine's). */
START_TEST(test_tables)
{
	ck_assert_int_eq(eng_tables_flows(fx.t), 8);
	ck_assert_int_eq(eng_tables_services(fx.t), 3);
	ck_assert_uint_eq(decision(COMP_SERVICE, S_OLD), 0);
	ck_assert_uint_ne(flow_id(F_TCP), flow_id(F_UDP));
	ck_assert_uint_ne(svc_id(S_M365), svc_id(S_TEAMS));
	ck_assert(eng_needs_learned(COMP_MARK_ENGINE));
	ck_assert(eng_needs_learned(COMP_ID_DNS));
	ck_assert(!eng_needs_learned(COMP_MARK_ENGINE | flow_id(F_TCP)));
}
END_TEST

/* Every accepted decision is counted on its flow's record, with the flow's approval. */
START_TEST(test_records)
{
	struct pk k = { "10.10.0.5", "10.20.0.9", 6, 40000, 443, 77, PKT_TCP_SYN, NULL, 0 };
	const char *name = NULL, *approval = NULL, *tcp = NULL;
	uint64_t before = 0, after = 0, n;
	int i;

	for (i = 0; eng_tables_records(fx.t, i, &name, &approval, &n) == 0; i++) {
		if (fx.p->flows[F_TCP].name == name) {
			tcp = name;
			before = n;
			ck_assert_str_eq(approval, fx.p->flows[F_TCP].approval);
		}
	}
	ck_assert_ptr_nonnull(tcp);
	decide(&k, mac_juki, COMP_MARK_ENGINE | flow_id(F_TCP));
	expect(ENG_REPEAT, COPY(flow_id(F_TCP)), EC_FLOW_OK);
	decide(&k, mac_other, COMP_MARK_ENGINE | flow_id(F_TCP));	/* refused: not counted */
	for (i = 0; eng_tables_records(fx.t, i, &name, &approval, &n) == 0; i++) {
		if (name == tcp)
			after = n;
	}
	ck_assert_uint_eq(after, before + 1);
	ck_assert_int_eq(eng_tables_records(fx.t, i, &name, &approval, &n), -ENOENT);
}
END_TEST

/* ---- 2. breakout dns+sni ---- */

/* outlook.office.com -> CNAME chain (smallest TTL 60) -> 52.96.166.130, 52.96.229.242 */
START_TEST(test_dns_learn_then_sni)
{
	static const uint8_t a1[4] = { 52, 96, 166, 130 }, a2[4] = { 52, 96, 229, 242 };
	uint32_t m365 = svc_id(S_M365);
	size_t len;
	uint8_t *h;

	/* before: the address is neither listed nor learned */
	send_data("10.20.0.200", "52.96.166.130", 50000, 443, 1000, tls_tls13_0,
		  sizeof(tls_tls13_0));
	expect(ENG_REPEAT, REFUSED, EC_BO_REFUSED_ADDR);

	decide_dns(dns_udp_0, sizeof(dns_udp_0));
	ck_assert_uint_eq(fx.v.v, ENG_REPEAT);
	ck_assert_uint_eq(fx.v.mark, SEEN);
	ck_assert_int_eq(fx.n_upd, 2);
	DELTA([EC_DNS_ANSWERS] = 1, [EC_DNS_LEARNED] = 2);
	ck_assert_uint_eq(fx.upd[0].family, AF_INET);
	ck_assert_mem_eq(fx.upd[0].addr, a1, 4);
	ck_assert_uint_eq(fx.upd[0].timeout_ms, LIFE_FLOOR_MS);	/* TTL 60 < floor 120 */
	ck_assert_uint_eq(fx.upd[1].family, AF_INET);
	ck_assert_mem_eq(fx.upd[1].addr, a2, 4);
	ck_assert_uint_eq(fx.upd[1].timeout_ms, LIFE_FLOOR_MS);
	ck_assert_int_eq(eng_learned_count(fx.l, fx.now), 2);

	/* the captured hello (portal.office.com matches *.office.com) to a learned address */
	fx.now += 10;
	send_data("10.20.0.200", "52.96.166.130", 50001, 443, 1000, tls_tls13_0,
		  sizeof(tls_tls13_0));
	expect_accepted(m365);
	send_hello("52.96.229.242", "outlook.office.com");
	expect_accepted(m365);
	/* the same address, a name of no service */
	h = client_hello("evil.example.com", false, &len);
	send_data("10.20.0.200", "52.96.166.130", 50002, 443, 1000, h, len);
	expect(ENG_REPEAT, REFUSED, EC_BO_REFUSED_NAME);
	/* "*.office.com" is not "office.com" */
	send_hello("52.96.166.130", "office.com");
	expect(ENG_REPEAT, REFUSED, EC_BO_REFUSED_NAME);
	/* an allowed name, an address never learned nor listed */
	send_hello("52.96.166.131", "outlook.office.com");
	expect(ENG_REPEAT, REFUSED, EC_BO_REFUSED_ADDR);
	/* an allowed name and address to no service's port: not the client side, so no
	 * handshake of a candidate: dropped */
	h = client_hello("outlook.office.com", false, &len);
	send_data("10.20.0.200", "52.96.166.130", 50003, 8443, 1000, h, len);
	expect(ENG_DROP, 0, EC_BO_NO_HANDSHAKE);
}
END_TEST

START_TEST(test_dns_learn_v6)
{
	uint8_t want[16];

	decide_dns(dns_udp_1, sizeof(dns_udp_1));
	ck_assert_uint_eq(fx.v.v, ENG_REPEAT);
	ck_assert_int_eq(fx.n_upd, 1);
	DELTA([EC_DNS_ANSWERS] = 1, [EC_DNS_LEARNED] = 1);
	ck_assert_int_eq(inet_pton(AF_INET6, "2603:1036:3000:1c0::2", want), 1);
	ck_assert_uint_eq(fx.upd[0].family, AF_INET6);
	ck_assert_mem_eq(fx.upd[0].addr, want, 16);
	ck_assert_uint_eq(fx.upd[0].timeout_ms, LIFE_FLOOR_MS);
	send_hello("2603:1036:3000:1c0::2", "outlook.office.com");
	expect_accepted(svc_id(S_M365));
	send_hello("2603:1036:3000:1c0::3", "outlook.office.com");
	expect(ENG_REPEAT, REFUSED, EC_BO_REFUSED_ADDR);
}
END_TEST

/* Answers that teach nothing: truncated (TC), NXDOMAIN, over TCP without its length prefix,
 * a query, a learned name of a match = "sni" service (no addresses needed). */
START_TEST(test_dns_nothing_learned)
{
	struct pk tcp = { "10.30.0.53", "10.20.0.53", PKT_IPPROTO_TCP, 53, 40053, 9, 0, dns_udp_0,
			  sizeof(dns_udp_0) };		/* a whole answer, but in a TCP segment */
	static const struct rr teams[] = { { 3600, "52.112.0.1" } };

	decide_dns(dns_udp_2, sizeof(dns_udp_2));		/* many.example.lg.jp, TC */
	DELTA([EC_DNS_ANSWERS] = 1, [EC_DNS_ERROR] = 1);
	ck_assert_int_eq(fx.n_upd, 0);
	decide_dns(dns_udp_3, sizeof(dns_udp_3));		/* NXDOMAIN */
	DELTA([EC_DNS_ANSWERS] = 1, [EC_DNS_ERROR] = 1);
	ck_assert_int_eq(fx.n_upd, 0);
	send_query(dns_udp_0, sizeof(dns_udp_0), PKT_IPPROTO_TCP);
	decide(&tcp, NULL, COMP_ID_DNS);		/* no length prefix: not read */
	expect(ENG_REPEAT, SEEN, EC_MAX);
	ck_assert_int_eq(fx.n_upd, 0);
	decide_dns(dns_query_0, sizeof(dns_query_0));
	expect(ENG_REPEAT, SEEN, EC_MALFORMED);
	learn("teams.microsoft.com", teams, 1);
	expect(ENG_REPEAT, SEEN, EC_DNS_ANSWERS);
	ck_assert_int_eq(fx.n_upd, 0);
	ck_assert_int_eq(eng_learned_count(fx.l, fx.now), 0);
}
END_TEST

static uint8_t *copy_msg(const uint8_t *m, size_t len)
{
	uint8_t *b = own(malloc(len));

	memcpy(b, m, len);
	return b;
}

/* Only an answer to a query seen leaving the resolver teaches: same 5-tuple, id, question
 * name and type. The rest is counted (unmatched: no query on the 5-tuple; forged: a query
 * on it, but another id or question) and passes to the policy unlearned. */
START_TEST(test_dns_match)
{
	static const struct rr rr[] = { { 300, "52.96.0.1" } };
	size_t len;
	uint8_t *a = dns_answer("x.office.com", rr, 1, &len), *b;
	struct pk port = { "10.30.0.53", "10.20.0.53", PKT_IPPROTO_UDP, 53, 40054, 0, 0, a, len };
	struct pk up = { "10.30.0.54", "10.20.0.53", PKT_IPPROTO_UDP, 53, 40053, 0, 0, a, len };

	decide_answer(a, len);				/* no query at all */
	ck_assert(fx.v.v == ENG_REPEAT && fx.v.mark == SEEN);
	DELTA([EC_DNS_ANSWERS] = 1, [EC_DNS_UNMATCHED] = 1);
	send_query(a, len, PKT_IPPROTO_UDP);
	b = copy_msg(a, len);
	b[1] ^= 1;					/* another id */
	decide_answer(b, len);
	DELTA([EC_DNS_ANSWERS] = 1, [EC_DNS_FORGED] = 1);
	b = copy_msg(a, len);
	b[13] = 'y';					/* another name: y.office.com */
	decide_answer(b, len);
	DELTA([EC_DNS_ANSWERS] = 1, [EC_DNS_FORGED] = 1);
	b = copy_msg(a, len);
	b[12 + 14 + 1] = DNS_TYPE_AAAA;			/* another type */
	decide_answer(b, len);
	DELTA([EC_DNS_ANSWERS] = 1, [EC_DNS_FORGED] = 1);
	decide(&port, NULL, COMP_ID_DNS);		/* another resolver port */
	DELTA([EC_DNS_ANSWERS] = 1, [EC_DNS_UNMATCHED] = 1);
	decide(&up, NULL, COMP_ID_DNS);			/* another upstream */
	DELTA([EC_DNS_ANSWERS] = 1, [EC_DNS_UNMATCHED] = 1);
	ck_assert_int_eq(eng_learned_count(fx.l, fx.now), 0);
	decide_answer(a, len);				/* the real one, after all these */
	ck_assert(fx.v.v == ENG_REPEAT && fx.v.mark == SEEN);
	DELTA([EC_DNS_ANSWERS] = 1, [EC_DNS_LEARNED] = 1);
	ck_assert_int_eq(fx.n_upd, 1);
	decide_answer(a, len);				/* answered: the query is gone */
	DELTA([EC_DNS_ANSWERS] = 1, [EC_DNS_UNMATCHED] = 1);
	ck_assert_int_eq(fx.n_upd, 0);
	/* a query unanswered for ENG_DNS_PEND_MS is forgotten */
	send_query(a, len, PKT_IPPROTO_UDP);
	fx.now += ENG_DNS_PEND_MS + 1;
	decide_answer(a, len);
	DELTA([EC_DNS_ANSWERS] = 1, [EC_DNS_UNMATCHED] = 1);
	/* a repeated query is one query */
	send_query(a, len, PKT_IPPROTO_UDP);
	send_query(a, len, PKT_IPPROTO_UDP);
	decide_answer(a, len);
	ck_assert_uint_eq(fx.delta[EC_DNS_UNMATCHED] + fx.delta[EC_DNS_FORGED], 0);
	decide_answer(a, len);
	DELTA([EC_DNS_ANSWERS] = 1, [EC_DNS_UNMATCHED] = 1);
}
END_TEST

/* The same over IPv6 between resolver and upstream; an IPv4 query does not match. */
START_TEST(test_dns_match_v6)
{
	static const struct rr rr[] = { { 300, "52.96.0.6" } };
	size_t len, qlen;
	uint8_t *a = dns_answer("v6.office.com", rr, 1, &len), *q = query_of(a, len, &qlen);
	struct pk qk = { "fd20::53", "2001:db8::53", PKT_IPPROTO_UDP, 40053, 53, 0, 0, q, qlen };
	struct pk ak = { "2001:db8::53", "fd20::53", PKT_IPPROTO_UDP, 53, 40053, 0, 0, a, len };

	send_query(a, len, PKT_IPPROTO_UDP);		/* 10.20.0.53 -> 10.30.0.53 */
	decide(&ak, NULL, COMP_ID_DNS);
	DELTA([EC_DNS_ANSWERS] = 1, [EC_DNS_UNMATCHED] = 1);
	decide(&qk, NULL, COMP_ID_DNS_QUERY);
	expect(ENG_REPEAT, SEEN, EC_DNS_QUERIES);
	decide(&ak, NULL, COMP_ID_DNS);
	DELTA([EC_DNS_ANSWERS] = 1, [EC_DNS_LEARNED] = 1);
}
END_TEST

/* RCODE != 0 or TC: nothing learned, even in answer to a query; the query is answered. */
START_TEST(test_dns_error_answers)
{
	static const struct rr rr[] = { { 300, "52.96.0.2" } };
	size_t len;
	uint8_t *a = dns_answer("x.office.com", rr, 1, &len), *b;

	b = copy_msg(a, len);
	b[3] |= 3;					/* NXDOMAIN, with a record anyway */
	send_query(b, len, PKT_IPPROTO_UDP);
	decide_answer(b, len);
	DELTA([EC_DNS_ANSWERS] = 1, [EC_DNS_ERROR] = 1);
	b = copy_msg(a, len);
	b[2] |= 0x02;					/* TC */
	send_query(b, len, PKT_IPPROTO_UDP);
	decide_answer(b, len);
	DELTA([EC_DNS_ANSWERS] = 1, [EC_DNS_ERROR] = 1);
	decide_answer(a, len);				/* and the queries are gone */
	DELTA([EC_DNS_ANSWERS] = 1, [EC_DNS_UNMATCHED] = 1);
	ck_assert_int_eq(eng_learned_count(fx.l, fx.now), 0);
}
END_TEST

/* TTLs are cut to dns_ttl_max (default 3600) before floor and grace: a learned address
 * always expires. */
START_TEST(test_dns_ttl_cap)
{
	static const struct { uint32_t ttl; uint64_t life_s; uint64_t capped; } c[] = {
		{ 0x7fffffffU, 3600 + 30, 1 }, { 3601, 3600 + 30, 1 }, { 3600, 3600 + 30, 0 },
		{ 600, 600 + 30, 0 }, { 0x80000000U, 120 + 30, 0 },	/* reads as 0: floor */
	};
	char addr[32];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(c); i++) {
		snprintf(addr, sizeof(addr), "52.96.1.%zu", i + 1);
		learn("cap.office.com", &(const struct rr){ c[i].ttl, addr }, 1);
		ck_assert_int_eq(fx.n_upd, 1);
		ck_assert_uint_eq(fx.upd[0].timeout_ms, c[i].life_s * 1000);
		ck_assert_uint_eq(fx.delta[EC_DNS_CAPPED], c[i].capped);
	}
}
END_TEST

/* Over TCP (a truncated UDP answer retried): the 2-byte-prefixed query and answer, each in
 * one segment, are matched and learned by the same rules; a message cut over segments is
 * not read. */
START_TEST(test_dns_tcp)
{
	static const struct rr rr[] = { { 300, "52.96.0.3" } };
	size_t len;
	uint8_t *a = dns_answer("t.office.com", rr, 1, &len), *f = own(malloc(len + 2));
	struct pk ans = { "10.30.0.53", "10.20.0.53", PKT_IPPROTO_TCP, 53, 40053, 7, 0, f, len + 2 };

	put16(f, (uint32_t)len);
	memcpy(f + 2, a, len);
	send_query(a, len, PKT_IPPROTO_TCP);
	ans.len = len;					/* cut: the rest in the next segment */
	decide(&ans, NULL, COMP_ID_DNS);
	expect(ENG_REPEAT, SEEN, EC_MAX);
	decide_answer(a, len);				/* the same answer over UDP: not it */
	DELTA([EC_DNS_ANSWERS] = 1, [EC_DNS_UNMATCHED] = 1);
	ans.len = len + 2;
	decide(&ans, NULL, COMP_ID_DNS);
	DELTA([EC_DNS_ANSWERS] = 1, [EC_DNS_LEARNED] = 1);
	ck_assert_int_eq(fx.n_upd, 1);
}
END_TEST

/* An answer over several segments, from the SYN-ACK on: in-order bytes are put together
 * (retransmissions skipped); a gap ends the stream, nothing learned. */
START_TEST(test_dns_tcp_stream)
{
	static const struct rr rr[] = { { 300, "52.96.0.5" } };
	size_t len;
	uint8_t *a = dns_answer("s.office.com", rr, 1, &len), *f = own(malloc(len + 2));
	struct pk syn = { "10.30.0.53", "10.20.0.53", PKT_IPPROTO_TCP, 53, 40053, 1000,
			  PKT_TCP_SYN | PKT_TCP_ACK, NULL, 0 };
	struct pk seg = { "10.30.0.53", "10.20.0.53", PKT_IPPROTO_TCP, 53, 40053, 0, 0, f, 0 };
	static const size_t cut[][2] = { { 0, 1 }, { 1, 20 }, { 0, 1 }, { 5, 10 } };
	size_t i;

	put16(f, (uint32_t)len);
	memcpy(f + 2, a, len);
	send_query(a, len, PKT_IPPROTO_TCP);
	decide(&syn, NULL, COMP_ID_DNS);
	expect(ENG_REPEAT, SEEN, EC_MAX);
	for (i = 0; i < ARRAY_SIZE(cut); i++) {		/* 1 byte, 20, again, overlapping */
		seg.seq = 1001 + (uint32_t)cut[i][0];
		seg.data = f + cut[i][0];
		seg.len = cut[i][1];
		decide(&seg, NULL, COMP_ID_DNS);
		expect(ENG_REPEAT, SEEN, EC_MAX);
	}
	seg.seq = 1001 + 21;
	seg.data = f + 21;
	seg.len = len + 2 - 21;
	decide(&seg, NULL, COMP_ID_DNS);
	DELTA([EC_DNS_ANSWERS] = 1, [EC_DNS_LEARNED] = 1);
	ck_assert_int_eq(fx.n_upd, 1);
	/* again, with a gap: given up */
	send_query(a, len, PKT_IPPROTO_TCP);
	syn.seq = 5000;
	decide(&syn, NULL, COMP_ID_DNS);
	seg.seq = 5001 + 10;
	seg.data = f + 10;
	seg.len = len + 2 - 10;
	decide(&seg, NULL, COMP_ID_DNS);
	expect(ENG_REPEAT, SEEN, EC_MALFORMED);
	ck_assert_int_eq(fx.n_upd, 0);
	/* too long for the buffer: given up */
	syn.seq = 9000;
	decide(&syn, NULL, COMP_ID_DNS);
	f = own(calloc(1, ENG_DNS_TCP_BUF + 2));
	put16(f, 0xffff);
	seg.seq = 9001;
	seg.data = f;
	seg.len = ENG_DNS_TCP_BUF + 1;
	decide(&seg, NULL, COMP_ID_DNS);
	expect(ENG_REPEAT, SEEN, EC_MALFORMED);
}
END_TEST

/* A flood of queries on one 5-tuple: the table stays bounded (the oldest of a window goes),
 * and the newest query is still answered. */
START_TEST(test_dns_pending_flood)
{
	static const struct rr rr[] = { { 300, "52.96.0.4" } };
	size_t len;
	uint8_t *a = dns_answer("f.office.com", rr, 1, &len), *b = copy_msg(a, len);
	int i;

	for (i = 0; i < 4 * ENG_DNS_PEND_SLOTS; i++) {
		put16(b, (uint32_t)i);
		send_query(b, len, PKT_IPPROTO_UDP);
	}
	decide_answer(b, len);
	DELTA([EC_DNS_ANSWERS] = 1, [EC_DNS_LEARNED] = 1);
	put16(b, 0);					/* the first: long forgotten */
	decide_answer(b, len);
	DELTA([EC_DNS_ANSWERS] = 1, [EC_DNS_FORGED] = 1);
}
END_TEST

START_TEST(test_listed_prefix)
{
	uint32_t m365 = svc_id(S_M365);

	send_hello("198.51.100.7", "outlook.office.com");
	expect_accepted(m365);
	send_hello("198.51.100.255", "login.microsoftonline.com");
	expect_accepted(m365);
	send_hello("2001:db8:5:ffff::1", "a.b.office.com");
	expect_accepted(m365);
	send_hello("198.51.101.0", "outlook.office.com");
	expect(ENG_REPEAT, REFUSED, EC_BO_REFUSED_ADDR);
	send_hello("2001:db8:6::1", "outlook.office.com");
	expect(ENG_REPEAT, REFUSED, EC_BO_REFUSED_ADDR);
	send_hello("198.51.100.7", "www.example.com");
	expect(ENG_REPEAT, REFUSED, EC_BO_REFUSED_NAME);
	/* a match = "ip" service is the kernel's: its prefix and name mean nothing here */
	send_hello("192.0.2.1", "outlook.office.com");
	expect(ENG_REPEAT, REFUSED, EC_BO_REFUSED_ADDR);
	/* an expired ISMAP registration: the service is gone */
	send_hello("198.51.100.7", "old.example.com");
	expect(ENG_REPEAT, REFUSED, EC_BO_REFUSED_NAME);
	ck_assert_int_eq(eng_learned_count(fx.l, fx.now), 0);
}
END_TEST

/* Learned for max(TTL, dns_floor) + dns_grace: valid up to the last millisecond. */
START_TEST(test_learned_expiry)
{
	static const struct rr long_ttl[] = { { 600, "203.0.113.5" } };
	int64_t t0 = fx.now;

	decide_dns(dns_udp_0, sizeof(dns_udp_0));
	ck_assert_int_eq(fx.n_upd, 2);
	learn("x.office.com", long_ttl, 1);
	ck_assert_int_eq(fx.n_upd, 1);
	ck_assert_uint_eq(fx.upd[0].timeout_ms, (600 + 30) * 1000);
	fx.now = t0 + LIFE_FLOOR_MS - 1;
	send_hello("52.96.166.130", "outlook.office.com");
	expect_accepted(svc_id(S_M365));
	fx.now = t0 + LIFE_FLOOR_MS;
	send_hello("52.96.166.130", "outlook.office.com");
	expect(ENG_REPEAT, REFUSED, EC_BO_REFUSED_ADDR);
	ck_assert_int_eq(eng_learned_count(fx.l, fx.now), 1);
	send_hello("203.0.113.5", "x.office.com");
	expect_accepted(svc_id(S_M365));
	fx.now = t0 + 630 * 1000;
	send_hello("203.0.113.5", "x.office.com");
	expect(ENG_REPEAT, REFUSED, EC_BO_REFUSED_ADDR);
	ck_assert_int_eq(eng_learned_count(fx.l, fx.now), 0);
	/* learned again after expiry: a new update */
	decide_dns(dns_udp_0, sizeof(dns_udp_0));
	ck_assert_int_eq(fx.n_upd, 2);
	send_hello("52.96.166.130", "outlook.office.com");
	expect_accepted(svc_id(S_M365));
}
END_TEST

/* An address is learned for the services whose names were asked, not for every service;
 * one address may serve several. */
START_TEST(test_learned_per_service)
{
	static const struct rr box[] = { { 60, "52.96.166.130" } };
	static const uint8_t box_http[] = "GET / HTTP/1.1\r\nHost: app.box.com\r\n\r\n";
	uint32_t m365 = svc_id(S_M365), b = svc_id(S_BOX);

	decide_dns(dns_udp_0, sizeof(dns_udp_0));
	ck_assert_int_eq(fx.n_upd, 2);
	send_hello("52.96.166.130", "app.box.com");
	expect(ENG_REPEAT, REFUSED, EC_BO_REFUSED_ADDR);
	learn("app.box.com", box, 1);		/* known, same expiry: nothing to tell */
	expect(ENG_REPEAT, SEEN, EC_DNS_ANSWERS);
	ck_assert_int_eq(fx.n_upd, 0);
	send_hello("52.96.166.130", "files.box.com");
	expect_accepted(b);
	send_hello("52.96.166.130", "outlook.office.com");
	expect_accepted(m365);
	send_hello("52.96.229.242", "app.box.com");
	expect(ENG_REPEAT, REFUSED, EC_BO_REFUSED_ADDR);
	/* a listed prefix of one service is not another's */
	send_hello("198.51.100.7", "app.box.com");
	expect(ENG_REPEAT, REFUSED, EC_BO_REFUSED_ADDR);
	send_hello("100.64.0.9", "outlook.office.com");
	expect(ENG_REPEAT, REFUSED, EC_BO_REFUSED_ADDR);
	send_hello("100.64.0.9", "app.box.com");
	expect_accepted(b);
	/* nor its ports: 80 is m365's and teams', not box's */
	send_data("10.20.0.200", "52.96.166.130", 50010, 80, 1, box_http, sizeof(box_http) - 1);
	expect(ENG_REPEAT, REFUSED, EC_BO_REFUSED_NAME);
}
END_TEST

/* Expired entries make room: address after address, generation after generation, in a
 * small table. */
START_TEST(test_learned_reuse)
{
	static struct rr rrs[8];
	static char addrs[8][32];
	int gen, i;

	eng_learned_free(fx.l);
	fx.l = eng_learned_new(8);
	ck_assert_ptr_nonnull(fx.l);
	for (gen = 0; gen < 6; gen++) {
		for (i = 0; i < 8; i++) {
			snprintf(addrs[i], sizeof(addrs[i]), "203.0.%d.%d", gen, i + 1);
			rrs[i] = (struct rr){ 60, addrs[i] };
		}
		learn("many.office.com", rrs, 8);
		ck_assert_int_eq(fx.n_upd, 8);
		ck_assert_int_eq(eng_learned_count(fx.l, fx.now), 8);
		send_hello(addrs[7], "many.office.com");
		expect_accepted(svc_id(S_M365));
		fx.now += LIFE_FLOOR_MS;
		ck_assert_int_eq(eng_learned_count(fx.l, fx.now), 0);
	}
}
END_TEST

/* An IPv4 address (text) whose learned-table slot in a table of cap slots is slot: the
 * nth such one. White box: the slot is eng_hash() as classify.c computes it. */
static void addr_at_slot(int slot, int cap, int nth, char *out, size_t len)
{
	uint8_t a[4] = { 198, 18, 0, 0 };
	int i;

	for (i = 1; i < 65536; i++) {
		a[2] = (uint8_t)(i >> 8);
		a[3] = (uint8_t)i;
		if ((int)(eng_hash(a, 4, 2166136261U ^ AF_INET) & (uint32_t)(cap - 1)) == slot &&
		    nth-- == 0) {
			snprintf(out, len, "198.18.%d.%d", a[2], a[3]);
			return;
		}
	}
	ck_abort_msg("no address for slot %d", slot);
}

static void learn_one(const char *addr, uint32_t ttl)
{
	const struct rr rr = { ttl, addr };

	learn("a.office.com", &rr, 1);
	ck_assert_int_eq(fx.n_upd, 1);
}

/* Purging expired entries when the table is full keeps every live entry reachable, also
 * one whose probe chain wraps around the end of the table: K hashes to the last slot and
 * sits in slot 0 because P took the last slot (P hashes to the one before, taken by Q). Q
 * expires; the purge moves P back to its own slot and must not leave K behind a hole. */
START_TEST(test_learned_purge_wrap)
{
	char q[16], p[16], k[16], f[5][16], n[16], name[ENG_NAME_MAX];
	uint32_t m365 = svc_id(S_M365);
	int64_t learned, expires;
	uint8_t client[16];
	uint8_t a[16] = { 0 };
	int i;

	eng_learned_free(fx.l);
	fx.l = eng_learned_new(8);
	ck_assert_ptr_nonnull(fx.l);
	ck_assert_int_eq(fx.l->cap, 16);
	addr_at_slot(14, 16, 0, q, sizeof(q));
	addr_at_slot(14, 16, 1, p, sizeof(p));
	addr_at_slot(15, 16, 0, k, sizeof(k));
	addr_at_slot(10, 16, 0, n, sizeof(n));
	learn_one(q, 60);				/* slot 14, 150 s */
	learn_one(p, 3600);				/* slot 15 */
	learn_one(k, 3600);				/* slot 0 */
	for (i = 0; i < 5; i++) {			/* slots 2-6: the table holds max = 8 */
		addr_at_slot(2 + i, 16, 0, f[i], sizeof(f[i]));
		learn_one(f[i], 3600);
	}
	fx.now += LIFE_FLOOR_MS + 1;			/* Q expires */
	learn_one(n, 3600);				/* full: purge, then slot 10 */
	ck_assert_int_eq(eng_learned_count(fx.l, fx.now), 8);
	send_hello(q, "a.office.com");
	expect(ENG_REPEAT, REFUSED, EC_BO_REFUSED_ADDR);
	send_hello(n, "a.office.com");
	expect_accepted(m365);
	send_hello(p, "a.office.com");
	expect_accepted(m365);
	for (i = 0; i < 5; i++) {
		send_hello(f[i], "a.office.com");
		expect_accepted(m365);
	}
	/* K is still in the table and valid (explain scans every slot)... */
	ck_assert_int_eq(inet_pton(AF_INET, k, a), 1);
	ck_assert_int_eq(eng_learned_explain(fx.l, AF_INET, a, fx.now, name, sizeof(name),
					     &learned, &expires, client), 0);
	ck_assert_int_gt(expires, fx.now);
	ck_assert_str_eq(name, "a.office.com");
	ck_assert_uint_ne(client[0] | client[1] | client[2] | client[3], 0);	/* the resolver */
	/* ...so a connection to it is the service's */
	send_hello(k, "a.office.com");
	ck_assert_msg(fx.v.v == ENG_ACCEPT && fx.delta[EC_BO_OK] == 1,
		      "%s (wrapped past the end) unreachable after the purge", k);
	server_acks_judged();
	expect(ENG_REPEAT, COPY(m365), EC_MAX);
}
END_TEST

/* The purge frees what expired: K (hashed to the last slot, sitting in slot 0 behind X)
 * moves back to the last slot when X expires, and counts once; the new address fits. */
START_TEST(test_learned_purge_room)
{
	char x[16], k[16], f[6][16], n[16];
	uint32_t m365 = svc_id(S_M365);
	int i;

	eng_learned_free(fx.l);
	fx.l = eng_learned_new(8);
	ck_assert_ptr_nonnull(fx.l);
	ck_assert_int_eq(fx.l->cap, 16);
	addr_at_slot(15, 16, 0, x, sizeof(x));
	addr_at_slot(15, 16, 1, k, sizeof(k));
	addr_at_slot(10, 16, 0, n, sizeof(n));
	learn_one(x, 60);				/* slot 15, 150 s */
	learn_one(k, 3600);				/* slot 0 */
	for (i = 0; i < 6; i++) {			/* slots 2-7: the table holds max = 8 */
		addr_at_slot(2 + i, 16, 0, f[i], sizeof(f[i]));
		learn_one(f[i], 3600);
	}
	fx.now += LIFE_FLOOR_MS + 1;			/* X expires: room for one */
	learn("a.office.com", &(const struct rr){ 3600, n }, 1);
	ck_assert_msg(fx.n_upd == 1, "%s not learned after the purge freed %s", n, x);
	ck_assert_int_eq(eng_learned_count(fx.l, fx.now), 8);
	send_hello(n, "a.office.com");
	expect_accepted(m365);
	send_hello(k, "a.office.com");
	expect_accepted(m365);
}
END_TEST

/* The usual dns+sni service lists no prefixes at all: the tables build (and, under
 * SAN=undefined, without undefined behaviour), learning alone opens it. */
START_TEST(test_service_without_prefixes)
{
	static const struct rr box[] = { { 60, "52.96.1.1" } };

	teardown();
	fx_build("refuse", "");
	ck_assert_int_eq(eng_tables_services(fx.t), 3);
	send_hello("100.64.0.1", "app.box.com");
	expect(ENG_REPEAT, REFUSED, EC_BO_REFUSED_ADDR);
	learn("app.box.com", box, 1);
	ck_assert_int_eq(fx.n_upd, 1);
	send_hello("52.96.1.1", "app.box.com");
	expect_accepted(svc_id(S_BOX));
}
END_TEST

/* R26: a service with tls = "required" is named by a TLS ClientHello only: a plain HTTP
 * request naming it, even on its TLS port and to a learned address, is refused. */
START_TEST(test_tls_required)
{
	static const struct rr box[] = { { 60, "52.96.1.1" } };
	static const uint8_t box_http[] = "GET / HTTP/1.1\r\nHost: app.box.com\r\n\r\n";

	teardown();
	fx_build("refuse", "tls = \"required\"; ");
	learn("app.box.com", box, 1);
	ck_assert_int_eq(fx.n_upd, 1);
	send_data("10.20.0.200", "52.96.1.1", 50020, 443, 1, box_http, sizeof(box_http) - 1);
	expect(ENG_REPEAT, REFUSED, EC_BO_REFUSED_PROTO);
	send_hello("52.96.1.1", "app.box.com");
	expect_accepted(svc_id(S_BOX));
}
END_TEST

/* A repeated answer tells the kernel only when the expiry moves later. */
START_TEST(test_learned_refresh)
{
	static const struct rr long_ttl[] = { { 600, "52.96.166.130" } };
	int64_t t0 = fx.now;

	decide_dns(dns_udp_0, sizeof(dns_udp_0));
	ck_assert_int_eq(fx.n_upd, 2);
	decide_dns(dns_udp_0, sizeof(dns_udp_0));		/* same moment: nothing new */
	expect(ENG_REPEAT, SEEN, EC_DNS_ANSWERS);
	ck_assert_int_eq(fx.n_upd, 0);
	fx.now = t0 + 1000;					/* a second later: both move */
	decide_dns(dns_udp_0, sizeof(dns_udp_0));
	ck_assert_int_eq(fx.n_upd, 2);
	DELTA([EC_DNS_ANSWERS] = 1, [EC_DNS_LEARNED] = 2);
	ck_assert_uint_eq(fx.upd[0].timeout_ms, LIFE_FLOOR_MS);
	learn("outlook.office.com", long_ttl, 1);		/* longer TTL: later */
	ck_assert_int_eq(fx.n_upd, 1);
	ck_assert_uint_eq(fx.upd[0].timeout_ms, 630 * 1000);
	fx.now = t0 + 2000;					/* shorter than what is known */
	decide_dns(dns_udp_0, sizeof(dns_udp_0));
	ck_assert_int_eq(fx.n_upd, 1);				/* only .229.242 moves */
	ck_assert_uint_eq(fx.upd[0].addr[2], 229);
	/* the earlier, longer expiry is kept */
	fx.now = t0 + 1000 + 630 * 1000 - 1;
	send_hello("52.96.166.130", "outlook.office.com");
	expect_accepted(svc_id(S_M365));
	send_hello("52.96.229.242", "outlook.office.com");
	expect(ENG_REPEAT, REFUSED, EC_BO_REFUSED_ADDR);
}
END_TEST

/* The HA pair (ha.c): what one node learned, exported with its services, provenance and
 * time left, and imported by the peer, which checks each record against its own tables. */
static struct eng_learn_rec ha_rec(const char *addr, uint32_t svc, int64_t left, const char *name)
{
	struct eng_learn_rec r = { .family = AF_INET, .left_ms = left, .age_ms = 1000 };

	ck_assert_int_eq(inet_pton(AF_INET, addr, r.addr), 1);
	ck_assert_int_eq(inet_pton(AF_INET, "10.20.0.53", r.client), 1);
	r.svc[0] = svc;
	snprintf(r.name, sizeof(r.name), "%s", name);
	return r;
}

START_TEST(test_learned_ha_export_import)
{
	struct eng_learn_rec r[4], bad;
	struct eng_learned *peer = eng_learned_new(1024);
	struct eng_update u;
	uint32_t m365 = svc_id(S_M365);
	int cursor = 0, n, i;

	ck_assert_ptr_nonnull(peer);
	decide_dns(dns_udp_0, sizeof(dns_udp_0));
	ck_assert_int_eq(fx.n_upd, 2);
	fx.now += 1000;
	n = eng_learned_export(fx.l, fx.now, 0, &cursor, r, 4);
	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(cursor, -1);
	for (i = 0; i < n; i++) {
		ck_assert_uint_eq(r[i].svc[0], m365);
		ck_assert_int_eq(r[i].age_ms, 1000);
		ck_assert_int_eq(r[i].left_ms, LIFE_FLOOR_MS - 1000);
		ck_assert_str_eq(r[i].name, "outlook.office.com");
	}
	cursor = 0;					/* in slices: one, then the other */
	ck_assert_int_eq(eng_learned_export(fx.l, fx.now, 0, &cursor, r, 1), 1);
	ck_assert_int_ge(cursor, 0);
	ck_assert_int_eq(eng_learned_export(fx.l, fx.now, 0, &cursor, r + 1, 1), 1);
	ck_assert_int_eq(cursor, -1);
	ck_assert_mem_ne(r[0].addr, r[1].addr, 4);
	cursor = 0;					/* nothing touched since */
	ck_assert_int_eq(eng_learned_export(fx.l, fx.now, fx.now - 500, &cursor, r + 2, 2), 0);

	/* the peer: another clock; the first record is new to it, then known */
	ck_assert_int_eq(eng_learned_import(fx.t, peer, &r[0], 9000000, &u), 1);
	ck_assert_uint_eq(u.timeout_ms, LIFE_FLOOR_MS - 1000);
	ck_assert_mem_eq(u.addr, r[0].addr, 4);
	ck_assert_int_eq(eng_learned_import(fx.t, peer, &r[0], 9000000, &u), 0);
	ck_assert_int_eq(eng_learned_count(peer, 9000000), 1);

	/* hostile or foreign records: refused, nothing learned */
	bad = ha_rec("52.96.1.1", svc_id(S_TEAMS), 10000, "teams.microsoft.com");	/* sni only */
	ck_assert_int_eq(eng_learned_import(fx.t, peer, &bad, 9000000, &u), -EINVAL);
	bad = ha_rec("52.96.1.1", 0xdead, 10000, "x.office.com");		/* no such service */
	ck_assert_int_eq(eng_learned_import(fx.t, peer, &bad, 9000000, &u), -EINVAL);
	bad = ha_rec("52.96.1.1", m365, (3600 + 30) * 1000 + 1, "x.office.com");	/* too long */
	ck_assert_int_eq(eng_learned_import(fx.t, peer, &bad, 9000000, &u), -EINVAL);
	bad = ha_rec("52.96.1.1", m365, 0, "x.office.com");			/* expired */
	ck_assert_int_eq(eng_learned_import(fx.t, peer, &bad, 9000000, &u), -EINVAL);
	bad = ha_rec("52.96.1.1", m365, 10000, "evil.example.com");		/* not its name */
	ck_assert_int_eq(eng_learned_import(fx.t, peer, &bad, 9000000, &u), -EINVAL);
	bad = ha_rec("52.96.1.1", 0, 10000, "x.office.com");			/* no service */
	ck_assert_int_eq(eng_learned_import(fx.t, peer, &bad, 9000000, &u), -EINVAL);
	bad = ha_rec("52.96.1.1", m365, 10000, "x.office.com");
	bad.family = 9;
	ck_assert_int_eq(eng_learned_import(fx.t, peer, &bad, 9000000, &u), -EINVAL);
	bad = ha_rec("52.96.1.1", m365, 10000, "x.office.com");
	memset(bad.name, 'a', sizeof(bad.name));				/* unterminated */
	ck_assert_int_eq(eng_learned_import(fx.t, peer, &bad, 9000000, &u), -EINVAL);
	ck_assert_int_eq(eng_learned_count(peer, 9000000), 1);

	/* the peer's table decides: the imported address passes, the other one does not */
	eng_learned_free(fx.l);
	fx.l = peer;
	fx.now = 9000000 + 10;
	send_hello(r[0].addr[2] == 166 ? "52.96.166.130" : "52.96.229.242", "outlook.office.com");
	expect_accepted(m365);
	send_hello(r[0].addr[2] == 166 ? "52.96.229.242" : "52.96.166.130", "outlook.office.com");
	expect(ENG_REPEAT, REFUSED, EC_BO_REFUSED_ADDR);
	fx.now = 9000000 + LIFE_FLOOR_MS - 1000;				/* its time left, not more */
	send_hello(r[0].addr[2] == 166 ? "52.96.166.130" : "52.96.229.242", "outlook.office.com");
	expect(ENG_REPEAT, REFUSED, EC_BO_REFUSED_ADDR);
}
END_TEST

/* One answer with more addresses than the table may hold (eng_learned_new(max), the
 * policy's dns_max "learned addresses at most"): no more than max are learned and told. */
START_TEST(test_learned_max)
{
	static struct rr rrs[DNS_ADDRS_MAX];
	static char addrs[DNS_ADDRS_MAX][32];
	const int max = 16;
	int i;

	eng_learned_free(fx.l);
	fx.l = eng_learned_new(max);
	ck_assert_ptr_nonnull(fx.l);
	for (i = 0; i < DNS_ADDRS_MAX; i++) {
		snprintf(addrs[i], sizeof(addrs[i]), "203.0.113.%d", i + 1);
		rrs[i] = (struct rr){ 300, addrs[i] };
	}
	learn("many.office.com", rrs, DNS_ADDRS_MAX);
	ck_assert_uint_eq(fx.v.v, ENG_REPEAT);
	ck_assert_int_le(eng_learned_count(fx.l, fx.now), max);
	ck_assert_int_le(fx.n_upd, max);
}
END_TEST

/* ---- 3. split ClientHello ---- */

START_TEST(test_split_hello)
{
	send_data("10.20.0.200", "198.51.100.20", 50000, 443, TLS_BIG_0_SEQ, tls_big_0,
		  sizeof(tls_big_0));
	expect(ENG_DROP, 0, EC_BO_PENDING);
	/* the first segment again (retransmission): still waiting */
	send_data("10.20.0.200", "198.51.100.20", 50000, 443, TLS_BIG_0_SEQ, tls_big_0,
		  sizeof(tls_big_0));
	expect(ENG_DROP, 0, EC_BO_PENDING);
	/* another connection's segments are not this one's */
	send_data("10.20.0.200", "198.51.100.20", 50001, 443, TLS_BIG_1_SEQ, tls_big_1,
		  sizeof(tls_big_1));
	expect(ENG_REPEAT, REFUSED, EC_BO_REFUSED_PROTO);
	send_data("10.20.0.200", "198.51.100.20", 50000, 443, TLS_BIG_1_SEQ, tls_big_1,
		  sizeof(tls_big_1));
	expect_accepted(svc_id(S_M365));
}
END_TEST

/* IPv6, four records over two segments, to any address (match = "sni") */
START_TEST(test_split_hello_v6_records)
{
	send_data("fd20::100", "2001:db8:99::1", 50000, 443, TLS_FRAG6_0_SEQ, tls_frag6_0,
		  sizeof(tls_frag6_0));
	expect(ENG_DROP, 0, EC_BO_PENDING);
	send_data("fd20::100", "2001:db8:99::1", 50000, 443, TLS_FRAG6_1_SEQ, tls_frag6_1,
		  sizeof(tls_frag6_1));
	expect_accepted(svc_id(S_TEAMS));
}
END_TEST

START_TEST(test_split_hello_gap)
{
	send_data("10.20.0.200", "198.51.100.20", 50000, 443, TLS_BIG_0_SEQ, tls_big_0,
		  sizeof(tls_big_0));
	expect(ENG_DROP, 0, EC_BO_PENDING);
	/* a segment 100 bytes beyond what was seen: dropped, to be retransmitted */
	send_data("10.20.0.200", "198.51.100.20", 50000, 443, TLS_BIG_1_SEQ + 100,
		  tls_big_1 + 100, sizeof(tls_big_1) - 100);
	expect(ENG_DROP, 0, EC_BO_GAP);
	send_data("10.20.0.200", "198.51.100.20", 50000, 443, TLS_BIG_1_SEQ, tls_big_1,
		  sizeof(tls_big_1));
	expect_accepted(svc_id(S_M365));
}
END_TEST

/* A retransmission that contradicts what was passed is refused. */
START_TEST(test_split_hello_conflict)
{
	uint8_t *b = own(malloc(sizeof(tls_big_0)));

	memcpy(b, tls_big_0, sizeof(tls_big_0));
	send_data("10.20.0.200", "198.51.100.20", 50000, 443, TLS_BIG_0_SEQ, b, sizeof(tls_big_0));
	expect(ENG_DROP, 0, EC_BO_PENDING);
	b[300] ^= 0x20;
	send_data("10.20.0.200", "198.51.100.20", 50000, 443, TLS_BIG_0_SEQ, b, sizeof(tls_big_0));
	expect(ENG_REPEAT, REFUSED, EC_BO_REFUSED_PROTO);
}
END_TEST

/* ENG_PENDING_MAX segments may pass while the name is unknown; one more is refused. */
START_TEST(test_pending_limit)
{
	static uint8_t s[sizeof(tls_big_0) + sizeof(tls_big_1)];
	const size_t seg = 10;
	size_t off;
	int i;

	memcpy(s, tls_big_0, sizeof(tls_big_0));
	memcpy(s + sizeof(tls_big_0), tls_big_1, sizeof(tls_big_1));
	ck_assert_uint_lt(seg * (ENG_PENDING_MAX + 1), sizeof(s));
	for (i = 0, off = 0; i < ENG_PENDING_MAX; i++, off += seg) {
		send_data("10.20.0.200", "198.51.100.20", 50000, 443, 7 + (uint32_t)off, s + off,
			  seg);
		expect(ENG_DROP, 0, EC_BO_PENDING);
	}
	send_data("10.20.0.200", "198.51.100.20", 50000, 443, 7 + (uint32_t)off, s + off, seg);
	expect(ENG_REPEAT, REFUSED, EC_BO_REFUSED_PROTO);
}
END_TEST

/* Resegmented at any size (within ENG_PENDING_MAX segments), sequence numbers wrapping,
 * the decision comes exactly with the last byte of the hello. */
START_TEST(test_resegmented)
{
	static const size_t sizes[] = { 80, 100, 536, 1000, 1448, 1908 };
	static uint8_t s[sizeof(tls_big_0) + sizeof(tls_big_1)];
	size_t z, off, len;

	memcpy(s, tls_big_0, sizeof(tls_big_0));
	memcpy(s + sizeof(tls_big_0), tls_big_1, sizeof(tls_big_1));
	for (z = 0; z < ARRAY_SIZE(sizes); z++) {
		ck_assert_uint_le((sizeof(s) + sizes[z] - 1) / sizes[z], ENG_PENDING_MAX);
		for (off = 0; off < sizeof(s); off += len) {
			len = sizeof(s) - off < sizes[z] ? sizeof(s) - off : sizes[z];
			send_data("10.20.0.200", "198.51.100.20", (uint16_t)(50000 + z), 443,
				  0xfffffff0U + (uint32_t)off, s + off, len);
			if (off + len < sizeof(s))
				expect(ENG_DROP, 0, EC_BO_PENDING);
		}
		expect_accepted(svc_id(S_M365));
	}
}
END_TEST

/* The per-source tallies agree with the records and slots they count. */
static void check_counts(void)
{
	int i, j, hs, slots, total = 0;

	for (i = 0; i < fx.fs->src_cap; i++) {
		const struct eng_src *s = &fx.fs->src[i];

		if (!s->n_hs && !s->n_slots)
			continue;
		for (hs = 0, slots = 0, j = 0; j < fx.fs->hs_cap; j++) {
			const struct eng_hs *e = &fx.fs->hs[j];

			if (e->state == HS_FREE || e->state == HS_DONE || e->family != s->family ||
			    memcmp(e->cli, s->addr, 16))
				continue;
			hs++;
			slots += e->slot >= 0;
		}
		ck_assert_int_eq(s->n_hs, hs);
		ck_assert_int_eq(s->n_slots, slots);
		total += hs;
	}
	for (j = 0; j < fx.fs->hs_cap; j++)
		total -= fx.fs->hs[j].state != HS_FREE && fx.fs->hs[j].state != HS_DONE;
	ck_assert_int_eq(total, 0);
	for (j = 0, slots = 0; j < fx.fs->cap; j++)
		slots += fx.fs->v[j].used;
	for (j = 0; j < fx.fs->hs_cap; j++)
		slots -= fx.fs->hs[j].state != HS_FREE && fx.fs->hs[j].slot >= 0;
	ck_assert_int_eq(slots, 0);
}

/* Where the client's stream starts: at its clean SYN's sequence number + 1, once. The server's
 * SYN-ACK must acknowledge exactly that before data is taken; a SYN or SYN-ACK that says
 * otherwise is dropped and moves nothing. A later segment that arrives first (the first one
 * lost or reordered on the LAN) is a gap to drop, so that the retransmission completes the
 * hello. Until the decision every client data segment is dropped (held: its bytes are kept,
 * the client retransmits it). */
enum { P_SYN, P_SYN2, P_SYNDATA, P_SYNACK, P_SYNACK_BAD, P_ACK, P_SEG0, P_SEG1, P_HTTP0,
       P_HTTP1, P_END };

struct anchor_step {
	int pkt;
	enum eng_v v;
	enum eng_count c;
};

struct anchor_case {
	const char *name;
	struct anchor_step steps[8];
};

#define HS_OK { P_SYN, ENG_ACCEPT, EC_MAX }, { P_SYNACK, ENG_ACCEPT, EC_MAX }

static const struct anchor_case anchor_cases[] = {
	{ "client ACK, then reordered", { HS_OK, { P_ACK, ENG_ACCEPT, EC_MAX },
	  { P_SEG1, ENG_DROP, EC_BO_GAP }, { P_SEG0, ENG_DROP, EC_BO_PENDING },
	  { P_SEG1, ENG_ACCEPT, EC_BO_OK }, { .pkt = P_END } } },
	{ "SYN-ACK, then reordered", { HS_OK,
	  { P_SEG1, ENG_DROP, EC_BO_GAP }, { P_SEG0, ENG_DROP, EC_BO_PENDING },
	  { P_SEG1, ENG_ACCEPT, EC_BO_OK }, { .pkt = P_END } } },
	{ "SYN-ACK and ACK, in order", { HS_OK,
	  { P_ACK, ENG_ACCEPT, EC_MAX }, { P_SEG0, ENG_DROP, EC_BO_PENDING },
	  { P_SEG1, ENG_ACCEPT, EC_BO_OK }, { .pkt = P_END } } },
	{ "SYN-ACK retransmitted after the first segment", { HS_OK,
	  { P_ACK, ENG_ACCEPT, EC_MAX }, { P_SEG0, ENG_DROP, EC_BO_PENDING },
	  { P_SYNACK, ENG_ACCEPT, EC_MAX }, { P_SEG1, ENG_ACCEPT, EC_BO_OK }, { .pkt = P_END } } },
	{ "HTTP reordered after the ACK", { HS_OK, { P_ACK, ENG_ACCEPT, EC_MAX },
	  { P_HTTP1, ENG_DROP, EC_BO_GAP }, { P_HTTP0, ENG_DROP, EC_BO_PENDING },
	  { P_HTTP1, ENG_ACCEPT, EC_BO_OK }, { .pkt = P_END } } },
	{ "SYN retransmitted", { HS_OK, { P_SYN, ENG_ACCEPT, EC_MAX },
	  { P_SEG0, ENG_DROP, EC_BO_PENDING }, { P_SEG1, ENG_ACCEPT, EC_BO_OK }, { .pkt = P_END } } },
	{ "no handshake: data alone", { { P_SEG0, ENG_DROP, EC_BO_NO_HANDSHAKE },
	  { P_ACK, ENG_DROP, EC_BO_NO_HANDSHAKE }, { P_SYNACK, ENG_DROP, EC_BO_NO_HANDSHAKE },
	  { P_SEG1, ENG_DROP, EC_BO_NO_HANDSHAKE }, { .pkt = P_END } } },
	{ "SYN with data", { { P_SYNDATA, ENG_DROP, EC_BO_NO_HANDSHAKE },
	  { P_SYNACK, ENG_DROP, EC_BO_NO_HANDSHAKE }, { P_SEG0, ENG_DROP, EC_BO_NO_HANDSHAKE },
	  { .pkt = P_END } } },
	{ "data before the SYN-ACK", { { P_SYN, ENG_ACCEPT, EC_MAX },
	  { P_SEG0, ENG_DROP, EC_BO_NO_HANDSHAKE }, { P_SEG1, ENG_DROP, EC_BO_NO_HANDSHAKE },
	  { P_SYNACK, ENG_ACCEPT, EC_MAX }, { P_SEG0, ENG_DROP, EC_BO_PENDING },
	  { P_SEG1, ENG_ACCEPT, EC_BO_OK }, { .pkt = P_END } } },
	{ "SYN-ACK acking another ISN", { { P_SYN, ENG_ACCEPT, EC_MAX },
	  { P_SYNACK_BAD, ENG_DROP, EC_BO_ANCHOR }, { P_SEG0, ENG_DROP, EC_BO_NO_HANDSHAKE },
	  { P_SYNACK, ENG_ACCEPT, EC_MAX }, { P_SEG0, ENG_DROP, EC_BO_PENDING },
	  { P_SEG1, ENG_ACCEPT, EC_BO_OK }, { .pkt = P_END } } },
	{ "second SYN-ACK after data: no re-anchoring", { HS_OK,
	  { P_SEG0, ENG_DROP, EC_BO_PENDING }, { P_SYNACK_BAD, ENG_DROP, EC_BO_ANCHOR },
	  { P_SEG1, ENG_ACCEPT, EC_BO_OK }, { .pkt = P_END } } },
	{ "second SYN, another ISN", { HS_OK, { P_SYN2, ENG_DROP, EC_BO_ANCHOR },
	  { P_SEG0, ENG_DROP, EC_BO_PENDING }, { P_SEG1, ENG_ACCEPT, EC_BO_OK }, { .pkt = P_END } } },
};

START_TEST(test_handshake_anchor)
{
	const struct anchor_case *c = &anchor_cases[_i];
	const size_t h0 = 30;			/* the request's first segment */
	const struct anchor_step *st;
	bool http = false;
	uint32_t id;
	uint8_t *b;
	size_t len;

	for (st = c->steps; st->pkt != P_END; st++)
		http |= st->pkt == P_HTTP0 || st->pkt == P_HTTP1;	/* port 80 */
	for (st = c->steps; st->pkt != P_END; st++) {
		struct pk k = { "10.20.0.200", "198.51.100.20", PKT_IPPROTO_TCP, 50000, 443,
				TLS_BIG_0_SEQ, PKT_TCP_ACK, NULL, 0 };

		switch (st->pkt) {
		case P_SYN:
		case P_SYN2:
		case P_SYNDATA:
			k.seq = TLS_BIG_0_SEQ - (st->pkt == P_SYN2 ? 100 : 1);
			k.flags = PKT_TCP_SYN;
			if (st->pkt == P_SYNDATA) {
				k.data = tls_big_0;
				k.len = sizeof(tls_big_0);
			}
			break;
		case P_SYNACK:
		case P_SYNACK_BAD:
			k = (struct pk){ "198.51.100.20", "10.20.0.200", PKT_IPPROTO_TCP, 443, 50000,
					 777, PKT_TCP_SYN | PKT_TCP_ACK, NULL, 0 };
			break;
		case P_SEG0:
			k.data = tls_big_0;
			k.len = sizeof(tls_big_0);
			k.flags = 0;
			break;
		case P_SEG1:
			k.seq = TLS_BIG_1_SEQ;
			k.data = tls_big_1;
			k.len = sizeof(tls_big_1);
			k.flags = 0;
			break;
		case P_HTTP0:
		case P_HTTP1:
			k.seq = TLS_BIG_0_SEQ + (st->pkt == P_HTTP1 ? (uint32_t)h0 : 0);
			k.data = http_req_4 + (st->pkt == P_HTTP1 ? h0 : 0);
			k.len = st->pkt == P_HTTP1 ? sizeof(http_req_4) - h0 : h0;
			k.flags = 0;
			break;
		default:
			break;
		}
		if (http) {
			k.sport = k.sport == 443 ? 80 : k.sport;
			k.dport = k.dport == 443 ? 80 : k.dport;
		}
		b = build(&k, &len);
		if (st->pkt == P_SYNACK)	/* it acknowledges the client's first byte */
			put32(b + 20 + 8, TLS_BIG_0_SEQ);
		if (st->pkt == P_SYNACK_BAD)	/* a SYN-ACK for bytes the client never sent */
			put32(b + 20 + 8, TLS_BIG_0_SEQ + 5000);
		decide_raw(b, len, NULL, COMP_MARK_ENGINE);
		id = svc_id(http ? S_TEAMS : S_M365);
		ck_assert_msg(fx.v.v == st->v, "%s: step %td: verdict %d, want %d", c->name,
			      st - c->steps, fx.v.v, st->v);
		expect(st->v, st->v == ENG_REPEAT ? COPY(id) : 0, st->c);
	}
	if (!http && st > c->steps && st[-1].c == EC_BO_OK) {
		server_acks_judged();
		expect(ENG_REPEAT, COPY(svc_id(S_M365)), EC_MAX);
	}
	check_counts();
}
END_TEST

/* Slots and handshake records are preallocated: when none is free the SYN or the segment
 * is dropped (retransmitted); idle ones are taken over. Sources differ (no quota here). */
START_TEST(test_state_full)
{
	char src[32];
	int i, pending = 0, full = 0;

	eng_flows_free(fx.fs);
	fx.fs = eng_flows_new(16, test_key);
	ck_assert_ptr_nonnull(fx.fs);
	for (i = 0; i < 64; i++) {
		snprintf(src, sizeof(src), "10.20.0.%d", 130 + i);
		send_data(src, "198.51.100.1", 50000, 443, TLS_BIG_0_SEQ, tls_big_0,
			  sizeof(tls_big_0));
		if (fx.delta[EC_BO_PENDING]) {
			expect(ENG_DROP, 0, EC_BO_PENDING);
			pending++;
		} else {
			expect(ENG_DROP, 0, EC_BO_STATE_FULL);
			full++;
		}
	}
	ck_assert_int_le(pending, 16);
	ck_assert_int_ge(full, 48);
	fx.now += ENG_FLOW_IDLE_MS + 1;
	send_data("10.20.0.250", "198.51.100.1", 50000, 443, TLS_BIG_0_SEQ, tls_big_0,
		  sizeof(tls_big_0));
	expect(ENG_DROP, 0, EC_BO_PENDING);
	check_counts();
}
END_TEST

/* ---- 4. HTTP Host ---- */

/* Connections accepted under decision id so far. */
static uint64_t accepted(uint32_t id)
{
	int i;

	for (i = 0; i < fx.t->n_records; i++) {
		if (fx.t->records[i].id == id)
			return atomic_load(&fx.t->records[i].accepted);
	}
	return 0;
}

START_TEST(test_http_host)
{
	static const uint8_t office[] = "GET / HTTP/1.1\r\nHost: outlook.office.com\r\n\r\n";
	static const struct rr rr[] = { { 300, "52.96.1.1" } };
	uint32_t teams = svc_id(S_TEAMS), m365 = svc_id(S_M365);

	/* match = "sni" service, any address: www.example.jp. (final dot, from IPv6 capture) */
	send_data("10.20.0.200", "203.0.113.80", 50000, 80, HTTP_REQ_4_SEQ, http_req_4,
		  sizeof(http_req_4));
	expect(ENG_ACCEPT, 0, EC_BO_OK);		/* HTTP stays with the engine */
	ck_assert_uint_eq(accepted(teams), 1);
	send_data("fd20::100", "2001:db8:80::1", 50000, 80, HTTP_REQ_4_SEQ, http_req_4,
		  sizeof(http_req_4));
	expect(ENG_ACCEPT, 0, EC_BO_OK);
	ck_assert_uint_eq(accepted(teams), 2);
	/* Intra.Example.LG.JP: no service */
	send_data("10.20.0.200", "203.0.113.80", 50001, 80, HTTP_REQ_1_SEQ, http_req_1,
		  sizeof(http_req_1));
	expect(ENG_REPEAT, REFUSED, EC_BO_REFUSED_NAME);
	/* HTTP/1.0 without Host: no name at all */
	send_data("10.20.0.200", "203.0.113.80", 50002, 80, HTTP_REQ_2_SEQ, http_req_2,
		  sizeof(http_req_2));
	expect(ENG_REPEAT, REFUSED, EC_BO_REFUSED_PROTO);
	/* dns+sni over HTTP: learned address yes, other address no */
	learn("outlook.office.com", rr, 1);
	ck_assert_int_eq(fx.n_upd, 1);
	send_data("10.20.0.200", "52.96.1.1", 50003, 80, 1, office, sizeof(office) - 1);
	expect(ENG_ACCEPT, 0, EC_BO_OK);
	ck_assert_uint_eq(accepted(m365), 1);
	send_data("10.20.0.200", "52.96.1.2", 50004, 80, 1, office, sizeof(office) - 1);
	expect(ENG_REPEAT, REFUSED, EC_BO_REFUSED_ADDR);
}
END_TEST

/* A request over three segments; a gap in it is dropped. */
START_TEST(test_http_split)
{
	const size_t a = 20, b = 40;

	send_data("10.20.0.200", "203.0.113.80", 50000, 80, HTTP_REQ_4_SEQ, http_req_4, a);
	expect(ENG_DROP, 0, EC_BO_PENDING);
	send_data("10.20.0.200", "203.0.113.80", 50000, 80, HTTP_REQ_4_SEQ + b, http_req_4 + b,
		  sizeof(http_req_4) - b);
	expect(ENG_DROP, 0, EC_BO_GAP);
	send_data("10.20.0.200", "203.0.113.80", 50000, 80, HTTP_REQ_4_SEQ + a, http_req_4 + a,
		  b - a);
	expect(ENG_DROP, 0, EC_BO_PENDING);
	send_data("10.20.0.200", "203.0.113.80", 50000, 80, HTTP_REQ_4_SEQ + b, http_req_4 + b,
		  sizeof(http_req_4) - b);
	expect(ENG_ACCEPT, 0, EC_BO_OK);	/* HTTP stays queued */
}
END_TEST

/* ---- 4b. HTTP: one request per connection (conf/REFERENCE.md, "HTTP on port 80") ---- */

static void http_seg(uint16_t sport, uint32_t seq, const char *txt, uint8_t flags)
{
	struct pk k = { "10.20.0.200", "203.0.113.80", PKT_IPPROTO_TCP, sport, 80, seq, flags,
			(const uint8_t *)txt, strlen(txt) };

	decide(&k, NULL, COMP_MARK_ENGINE);
}

static void http_srv(uint16_t sport, const char *txt)
{
	struct pk k = { "203.0.113.80", "10.20.0.200", PKT_IPPROTO_TCP, 80, sport, 5000, 0,
			(const uint8_t *)txt, strlen(txt) };

	decide(&k, NULL, COMP_MARK_ENGINE);
}

START_TEST(test_http_keepalive)
{
	static const char r1[] = "GET /a HTTP/1.1\r\nHost: www.example.jp\r\n\r\n";
	static const char r2[] = "GET /b HTTP/1.1\r\nHost: evil.example\r\n\r\n";
	static const char post[] = "POST /c HTTP/1.1\r\nHost: www.example.jp\r\n"
				   "Content-Length: 10\r\n\r\n";
	static const char chunked[] = "POST / HTTP/1.1\r\nHost: www.example.jp\r\n"
				      "Transfer-Encoding: chunked\r\n\r\n";
	const uint32_t s0 = 0xfffffff0U;		/* sequence numbers wrap */
	char both[sizeof(r1) + sizeof(r2)];

	send_data("10.20.0.200", "203.0.113.80", 40000, 80, s0, (const uint8_t *)r1, strlen(r1));
	expect(ENG_ACCEPT, 0, EC_BO_OK);
	http_seg(40000, s0, r1, 0);			/* retransmitted: the same request */
	expect(ENG_ACCEPT, 0, EC_MAX);
	http_srv(40000, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
	expect(ENG_ACCEPT, 0, EC_MAX);
	http_seg(40000, s0 + (uint32_t)strlen(r1), "", PKT_TCP_ACK);
	expect(ENG_ACCEPT, 0, EC_MAX);
	/* keep-alive: the next request on the connection cuts it, whatever its Host */
	http_seg(40000, s0 + (uint32_t)strlen(r1), r2, 0);
	expect(ENG_REPEAT, REFUSED, EC_BO_HTTP_CUT);
	http_srv(40000, "late");			/* then: refused like it */
	expect(ENG_REPEAT, REFUSED, EC_MAX);

	/* a body of the announced length passes, one byte more does not */
	send_data("10.20.0.200", "203.0.113.80", 40001, 80, 100, (const uint8_t *)post,
		  strlen(post));
	expect(ENG_ACCEPT, 0, EC_BO_OK);
	http_seg(40001, 100 + (uint32_t)strlen(post), "0123456789", 0);
	expect(ENG_ACCEPT, 0, EC_MAX);
	http_seg(40001, 100 + (uint32_t)strlen(post), "0123456789G", 0);
	expect(ENG_REPEAT, REFUSED, EC_BO_HTTP_CUT);

	/* two requests in one segment (pipelined): refused at once */
	snprintf(both, sizeof(both), "%s%s", r1, r2);
	send_data("10.20.0.200", "203.0.113.80", 40002, 80, 100, (const uint8_t *)both,
		  strlen(both));
	expect(ENG_REPEAT, REFUSED, EC_BO_REFUSED_PROTO);
	/* a body of unknown length (chunked) */
	send_data("10.20.0.200", "203.0.113.80", 40003, 80, 100, (const uint8_t *)chunked,
		  strlen(chunked));
	expect(ENG_REPEAT, REFUSED, EC_BO_REFUSED_PROTO);

	/* the client closes; its port used again later: a new connection, judged again */
	send_data("10.20.0.200", "203.0.113.80", 40004, 80, 100, (const uint8_t *)r1, strlen(r1));
	expect(ENG_ACCEPT, 0, EC_BO_OK);
	http_seg(40004, 100 + (uint32_t)strlen(r1), "", PKT_TCP_FIN | PKT_TCP_ACK);
	expect(ENG_ACCEPT, 0, EC_MAX);
	open_conn("10.20.0.200", "203.0.113.80", 40004, 80, 90000);
	http_seg(40004, 90000, r2, 0);
	expect(ENG_REPEAT, REFUSED, EC_BO_REFUSED_NAME);
	/* ...but not while it is open: that SYN contradicts the anchor */
	send_data("10.20.0.200", "203.0.113.80", 40005, 80, 100, (const uint8_t *)r1, strlen(r1));
	expect(ENG_ACCEPT, 0, EC_BO_OK);
	{
		struct pk syn = { "10.20.0.200", "203.0.113.80", PKT_IPPROTO_TCP, 40005, 80, 5,
				  PKT_TCP_SYN, NULL, 0 };

		decide(&syn, NULL, COMP_MARK_ENGINE);
		expect(ENG_DROP, 0, EC_BO_ANCHOR);
	}
	/* idle past ENG_HTTP_IDLE_MS: forgotten; its next data is refused */
	fx.now += ENG_HTTP_IDLE_MS + 1;
	http_seg(40005, 100, r1, 0);
	expect(ENG_REPEAT, REFUSED, EC_BO_REFUSED_PROTO);
	check_counts();
}
END_TEST

/* The HTTP connection's service gone with a reload: its next packet cuts it. */
START_TEST(test_http_reload)
{
	static const char r1[] = "GET /a HTTP/1.1\r\nHost: www.example.jp\r\n\r\n";
	struct eng_tables *old = fx.t;

	send_data("10.20.0.200", "203.0.113.80", 40000, 80, 7, (const uint8_t *)r1, strlen(r1));
	expect(ENG_ACCEPT, 0, EC_BO_OK);
	fx.t = eng_tables_build(fx.p, fx.cr);
	ck_assert_ptr_nonnull(fx.t);
	fx.t->n_records = 0;			/* as if the service were removed */
	http_srv(40000, "HTTP/1.1 200 OK\r\n");
	expect(ENG_REPEAT, REFUSED, EC_BO_REFUSED_NAME);
	fx.t->n_records = old->n_records;
	eng_tables_free(fx.t);
	fx.t = old;
}
END_TEST

/* ---- 4c. the breakout state under one terminal's flood ---- */

static void syn_from(const char *src, uint16_t sport, uint32_t isn)
{
	struct pk syn = { src, "198.51.100.20", PKT_IPPROTO_TCP, sport, 443, isn, PKT_TCP_SYN,
			  NULL, 0 };

	decide(&syn, NULL, COMP_MARK_ENGINE);
}

/* One source holds at most source_quota * ENG_HS_PER_SLOT handshakes and source_quota
 * slots; the others still get theirs. */
START_TEST(test_source_quota)
{
	const int q = fx.t->source_quota, hs = q * ENG_HS_PER_SLOT;
	int i, ok = 0, quota = 0;

	ck_assert_int_eq(q, ENGINE_SOURCE_QUOTA);
	for (i = 0; i < 1200; i++) {
		syn_from("10.20.0.140", (uint16_t)(10000 + i), 1000);
		if (fx.v.v == ENG_ACCEPT) {
			expect(ENG_ACCEPT, 0, EC_MAX);
			send_synack("10.20.0.140", "198.51.100.20", (uint16_t)(10000 + i), 443, 1001);
			expect(ENG_ACCEPT, 0, EC_MAX);
			ok++;
		} else {
			ck_assert_msg(fx.delta[EC_BO_SOURCE_QUOTA] || fx.delta[EC_BO_STATE_FULL],
				      "SYN %d dropped uncounted", i);
			quota += (int)fx.delta[EC_BO_SOURCE_QUOTA];
		}
	}
	ck_assert_int_eq(ok, hs);
	ck_assert_int_gt(quota, 1000);
	/* pure ACKs refresh nothing; another terminal's hellos pass all along */
	for (i = 0; i < 200; i++) {
		char src[32];

		snprintf(src, sizeof(src), "10.20.0.%d", 150 + i % 50);
		fx.now += 100;
		send_data(src, "198.51.100.20", (uint16_t)(20000 + i), 443, TLS_TLS13_0_SEQ,
			  tls_tls13_0, sizeof(tls_tls13_0));
		expect_accepted(svc_id(S_M365));
	}
	/* the flooding source's data: q slots, then its quota */
	for (i = 0; i < q + 1; i++) {
		struct pk k = { "10.20.0.140", "198.51.100.20", PKT_IPPROTO_TCP,
				(uint16_t)(10000 + i), 443, 1001, 0, tls_big_0, sizeof(tls_big_0) };

		decide(&k, NULL, COMP_MARK_ENGINE);
		expect(ENG_DROP, 0, i < q ? EC_BO_PENDING : EC_BO_SOURCE_QUOTA);
	}
	/* expired (30 s after the SYN; the ACKs above did not refresh), they free the quota */
	fx.now = T0 + ENG_FLOW_IDLE_MS + 1000;
	syn_from("10.20.0.140", 30000, 1000);
	expect(ENG_ACCEPT, 0, EC_MAX);
	check_counts();
}
END_TEST

/* An idle handshake is not kept alive by pure ACKs: its first data after ENG_FLOW_IDLE_MS is
 * refused (never taken for a new start). */
START_TEST(test_idle_handshake)
{
	struct pk ack = { "10.20.0.200", "198.51.100.20", PKT_IPPROTO_TCP, 50000, 443,
			  TLS_BIG_0_SEQ, PKT_TCP_ACK, NULL, 0 };

	int i;

	open_conn("10.20.0.200", "198.51.100.20", 50000, 443, TLS_BIG_0_SEQ);
	for (i = 0; i < 7; i++) {
		fx.now += ENG_FLOW_IDLE_MS / 8;
		decide(&ack, NULL, COMP_MARK_ENGINE);
		expect(ENG_ACCEPT, 0, EC_MAX);
	}
	fx.now += ENG_FLOW_IDLE_MS / 4;
	ack.seq = TLS_BIG_1_SEQ;
	ack.data = tls_big_1;
	ack.len = sizeof(tls_big_1);
	decide(&ack, NULL, COMP_MARK_ENGINE);
	expect(ENG_REPEAT, REFUSED, EC_BO_REFUSED_PROTO);
	ack.seq = TLS_BIG_0_SEQ;			/* nothing anchors anew */
	ack.data = tls_big_0;
	ack.len = sizeof(tls_big_0);
	decide(&ack, NULL, COMP_MARK_ENGINE);
	expect(ENG_REPEAT, REFUSED, EC_MAX);
	check_counts();
}
END_TEST

/* Decided: late queued segments of the connection get the same verdict, nothing counted. */
START_TEST(test_decided_late)
{
	send_data("10.20.0.200", "198.51.100.20", 50000, 443, TLS_BIG_0_SEQ, tls_big_0,
		  sizeof(tls_big_0));
	expect(ENG_DROP, 0, EC_BO_PENDING);
	send_data("10.20.0.200", "198.51.100.20", 50000, 443, TLS_BIG_1_SEQ, tls_big_1,
		  sizeof(tls_big_1));
	expect_accepted(svc_id(S_M365));
	send_data("10.20.0.200", "198.51.100.20", 50000, 443, TLS_BIG_0_SEQ, tls_big_0,
		  sizeof(tls_big_0));
	expect(ENG_REPEAT, COPY(svc_id(S_M365)), EC_MAX);
	check_counts();
}
END_TEST

/* The held segments reach the server only after the decision, as retransmissions: until the
 * server acks every judged byte, each must repeat what was judged, or the connection is
 * refused (else the server would read another ClientHello, or another Host, than the engine). */
START_TEST(test_held_then_changed)
{
	static const char req[] = "GET /a HTTP/1.1\r\nHost: www.example.jp\r\n\r\n";
	uint8_t *b = own(malloc(sizeof(tls_big_0)));
	char *r = own(strdup(req));

	memcpy(b, tls_big_0, sizeof(tls_big_0));
	send_data("10.20.0.200", "198.51.100.20", 50000, 443, TLS_BIG_0_SEQ, b, sizeof(tls_big_0));
	expect(ENG_DROP, 0, EC_BO_PENDING);
	send_data("10.20.0.200", "198.51.100.20", 50000, 443, TLS_BIG_1_SEQ, tls_big_1,
		  sizeof(tls_big_1));
	expect(ENG_ACCEPT, 0, EC_BO_OK);
	b[100] ^= 0x20;
	send_data("10.20.0.200", "198.51.100.20", 50000, 443, TLS_BIG_0_SEQ + 50, b + 50,
		  sizeof(tls_big_0) - 50);
	expect(ENG_REPEAT, REFUSED, EC_BO_REFUSED_PROTO);
	/* the same retransmitted unchanged passes; the server's ack hands it to the kernel */
	b[100] ^= 0x20;
	send_data("10.20.0.200", "198.51.100.20", 50001, 443, TLS_BIG_0_SEQ, b, sizeof(tls_big_0));
	expect(ENG_DROP, 0, EC_BO_PENDING);
	send_data("10.20.0.200", "198.51.100.20", 50001, 443, TLS_BIG_1_SEQ, tls_big_1,
		  sizeof(tls_big_1));
	expect(ENG_ACCEPT, 0, EC_BO_OK);
	send_data("10.20.0.200", "198.51.100.20", 50001, 443, TLS_BIG_0_SEQ, b, sizeof(tls_big_0));
	expect(ENG_ACCEPT, 0, EC_MAX);
	server_acks_judged();
	expect(ENG_REPEAT, COPY(svc_id(S_M365)), EC_MAX);
	/* HTTP: the held first part of the request, changed */
	send_data("10.20.0.200", "203.0.113.80", 40000, 80, 1, (const uint8_t *)r, 20);
	expect(ENG_DROP, 0, EC_BO_PENDING);
	send_data("10.20.0.200", "203.0.113.80", 40000, 80, 21, (const uint8_t *)r + 20,
		  strlen(r) - 20);
	expect(ENG_ACCEPT, 0, EC_BO_OK);
	memcpy(r + 6, "evil", 4);
	send_data("10.20.0.200", "203.0.113.80", 40000, 80, 1, (const uint8_t *)r, 20);
	expect(ENG_REPEAT, REFUSED, EC_BO_REFUSED_PROTO);
	check_counts();
}
END_TEST

/* SipHash-2-4 reference vector (key 00..0f, message 00..0e). */
START_TEST(test_khash)
{
	uint8_t m[15];
	uint64_t key[2] = { 0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL };
	int i;

	for (i = 0; i < 15; i++)
		m[i] = (uint8_t)i;
	ck_assert_uint_eq(eng_khash(key, m, 15), 0xa129ca6149be45e5ULL);
	ck_assert_uint_eq(eng_khash(key, m, 0), 0x726fdb47dd0e0e31ULL);
}
END_TEST

/* ---- 5. ECH ---- */

START_TEST(test_ech_refused)
{
	size_t len;
	uint8_t *h = hello_add_ext(tls_tls13_0, sizeof(tls_tls13_0), TLS_EXT_ECH, ech_body,
				   sizeof(ech_body), &len);
	struct tls_hello th;

	ck_assert_int_eq(tls_sni_parse(h, len, &th), (int)len);	/* the crafted hello is valid */
	ck_assert(th.flags & TLS_HELLO_ECH);
	ck_assert_str_eq(th.sni, "portal.office.com");
	send_data("10.20.0.200", "198.51.100.10", 50000, 443, 1, h, len);
	expect(ENG_REPEAT, REFUSED, EC_BO_REFUSED_ECH);
	/* without it, the same hello passes */
	send_data("10.20.0.200", "198.51.100.10", 50001, 443, 1, tls_tls13_0, sizeof(tls_tls13_0));
	expect_accepted(svc_id(S_M365));
	/* minimal hellos: match = "sni" service, ECH refused too */
	h = client_hello("teams.microsoft.com", true, &len);
	send_data("10.20.0.200", "203.0.113.9", 50002, 443, 1, h, len);
	expect(ENG_REPEAT, REFUSED, EC_BO_REFUSED_ECH);
}
END_TEST

/* ech = "outer-sni": the outer name is judged like any SNI. */
START_TEST(test_ech_outer_sni)
{
	size_t len;
	uint8_t *h;

	teardown();
	fx_build("outer-sni", box_prefixes);
	h = hello_add_ext(tls_tls13_0, sizeof(tls_tls13_0), TLS_EXT_ECH, ech_body,
			  sizeof(ech_body), &len);
	send_data("10.20.0.200", "198.51.100.10", 50000, 443, 1, h, len);
	expect_accepted(svc_id(S_M365));
	send_data("10.20.0.200", "203.0.113.10", 50001, 443, 1, h, len);
	expect(ENG_REPEAT, REFUSED, EC_BO_REFUSED_ADDR);
	h = client_hello("cloudflare-ech.com", true, &len);
	send_data("10.20.0.200", "198.51.100.10", 50002, 443, 1, h, len);
	expect(ENG_REPEAT, REFUSED, EC_BO_REFUSED_NAME);
}
END_TEST

/* ---- 6. who speaks first, and what ---- */

START_TEST(test_server_first)
{
	static const uint8_t banner[] = "220 smtp.example ESMTP\r\n";
	struct pk syn = { "10.20.0.200", "198.51.100.10", PKT_IPPROTO_TCP, 50000, 443, 999,
			  PKT_TCP_SYN, NULL, 0 };
	struct pk ack = { "10.20.0.200", "198.51.100.10", PKT_IPPROTO_TCP, 50000, 443, 1000,
			  PKT_TCP_ACK, NULL, 0 };
	struct pk srv = { "198.51.100.10", "10.20.0.200", PKT_IPPROTO_TCP, 443, 50000, 501, 0,
			  banner, sizeof(banner) - 1 };

	decide(&syn, NULL, COMP_MARK_ENGINE);
	expect(ENG_ACCEPT, 0, EC_MAX);
	send_synack("10.20.0.200", "198.51.100.10", 50000, 443, 1000);
	expect(ENG_ACCEPT, 0, EC_MAX);
	decide(&ack, NULL, COMP_MARK_ENGINE);
	expect(ENG_ACCEPT, 0, EC_MAX);
	decide(&srv, NULL, COMP_MARK_ENGINE);
	expect(ENG_REPEAT, REFUSED, EC_BO_REFUSED_PROTO);
	/* the server's data after the client's first segment: refused as well */
	send_data("10.20.0.200", "198.51.100.10", 50001, 443, TLS_BIG_0_SEQ, tls_big_0,
		  sizeof(tls_big_0));
	expect(ENG_DROP, 0, EC_BO_PENDING);
	/* pure ACKs both ways pass */
	ack.sport = 50001;
	ack.seq = TLS_BIG_0_SEQ;
	decide(&ack, NULL, COMP_MARK_ENGINE);
	expect(ENG_ACCEPT, 0, EC_MAX);
	srv.dport = 50001;
	srv.len = 0;
	decide(&srv, NULL, COMP_MARK_ENGINE);
	expect(ENG_ACCEPT, 0, EC_MAX);
	srv.len = sizeof(banner) - 1;
	decide(&srv, NULL, COMP_MARK_ENGINE);
	expect(ENG_REPEAT, REFUSED, EC_BO_REFUSED_PROTO);
	/* decided: a late queued packet of the connection gets the same verdict */
	decide(&ack, NULL, COMP_MARK_ENGINE);
	expect(ENG_REPEAT, REFUSED, EC_MAX);
}
END_TEST

/* Not TLS and not HTTP from the client, or not TCP at all. */
START_TEST(test_not_tls_or_http)
{
	static const uint8_t ssh[] = "SSH-2.0-OpenSSH_9.2p1\r\n";
	struct pk quic = { "10.20.0.200", "198.51.100.10", PKT_IPPROTO_UDP, 50000, 443, 0, 0,
			   tls_tls13_0, sizeof(tls_tls13_0) };
	struct pk icmp = { "10.20.0.200", "198.51.100.10", PKT_IPPROTO_ICMP, 0, 0, 0, 0, NULL, 0 };

	send_data("10.20.0.200", "198.51.100.10", 50000, 443, 1, ssh, sizeof(ssh) - 1);
	expect(ENG_REPEAT, REFUSED, EC_BO_REFUSED_PROTO);
	send_data("10.20.0.200", "198.51.100.10", 50001, 443, 1, tls_srv_0, sizeof(tls_srv_0));
	expect(ENG_REPEAT, REFUSED, EC_BO_REFUSED_PROTO);
	send_data("10.20.0.200", "198.51.100.10", 50002, 443, TLS_TLS12_0_SEQ, tls_tls12_0,
		  sizeof(tls_tls12_0));				/* a hello without SNI */
	expect(ENG_REPEAT, REFUSED, EC_BO_REFUSED_PROTO);
	decide(&quic, NULL, COMP_MARK_ENGINE);
	expect(ENG_REPEAT, REFUSED, EC_BO_REFUSED_PROTO);
	decide(&icmp, NULL, COMP_MARK_ENGINE);
	expect(ENG_REPEAT, REFUSED, EC_BO_REFUSED_PROTO);
	/* an ICMP error related to a candidate connection (PMTU) carries no stream: passes */
	{
		struct pk err4 = { "198.51.100.10", "10.20.0.200", PKT_IPPROTO_ICMP, 0, 0, 0, 0,
				   NULL, 0 };
		struct pk err6 = { "2001:db8:5::1", "fd20::100", PKT_IPPROTO_ICMP, 0, 0, 0, 0,
				   NULL, 0 };
		size_t len;
		uint8_t *b = build(&err4, &len);

		b[20] = 3;			/* destination unreachable */
		b[21] = 4;			/* fragmentation needed */
		decide_raw(b, len, NULL, COMP_MARK_ENGINE);
		expect(ENG_ACCEPT, 0, EC_MAX);
		b = build(&err6, &len);
		b[40] = 2;			/* packet too big */
		decide_raw(b, len, NULL, COMP_MARK_ENGINE);
		expect(ENG_ACCEPT, 0, EC_MAX);
	}
}
END_TEST

/* ---- 8. match = "sni": any address ---- */

struct sni_case {
	const char *dst;
	const char *name;
	int svc;			/* -1: refused */
	enum eng_count why;
};

static const struct sni_case sni_cases[] = {
	{ "203.0.113.1", "teams.microsoft.com", S_TEAMS, EC_BO_OK },
	{ "8.8.8.8", "Teams.Microsoft.COM", S_TEAMS, EC_BO_OK },
	{ "10.30.0.1", "teams.microsoft.com", S_TEAMS, EC_BO_OK },
	{ "2001:db8:77::1", "teams.microsoft.com", S_TEAMS, EC_BO_OK },
	{ "198.51.100.1", "www.example.jp", S_TEAMS, EC_BO_OK },
	{ "203.0.113.1", "x.teams.microsoft.com", -1, EC_BO_REFUSED_NAME },
	{ "203.0.113.1", "microsoft.com", -1, EC_BO_REFUSED_NAME },
	{ "203.0.113.1", "teams.microsoft.com.evil.example", -1, EC_BO_REFUSED_NAME },
	{ "203.0.113.1", NULL, -1, EC_BO_REFUSED_PROTO },		/* no SNI */
};

START_TEST(test_sni_any_address)
{
	const struct sni_case *c = &sni_cases[_i];

	send_hello(c->dst, c->name);
	if (c->svc < 0)
		expect(ENG_REPEAT, REFUSED, c->why);
	else
		expect_accepted(svc_id(c->svc));
}
END_TEST

/* ---- 7. hostile input ---- */

enum { K_HELLO4, K_HELLO6, K_FLOW4, K_FLOW6, K_DNS4, K_HTTP4, K_CAP_TLS, K_CAP_DNS,
       K_CAP_TLS6, K_CAP_BIG, K_MAX };

struct prefix_case {
	const char *name;
	int kind;
	int mark;			/* 0 breakout, 1 flow, 2 DNS */
	size_t hdr;			/* bytes of IP + L4 header */
};

static const struct prefix_case prefix_cases[] = {
	{ "hello4 breakout", K_HELLO4, 0, 40 },
	{ "hello6 breakout", K_HELLO6, 0, 60 },
	{ "syn4 flow", K_FLOW4, 1, 40 },
	{ "udp6 flow", K_FLOW6, 1, 48 },
	{ "dns4 answer", K_DNS4, 2, 28 },
	{ "http4 breakout", K_HTTP4, 0, 40 },
	{ "captured tls13 breakout", K_CAP_TLS, 0, 52 },
	{ "captured tls13 as dns", K_CAP_TLS, 2, 52 },
	{ "captured dns answer", K_CAP_DNS, 2, 28 },
	{ "captured tls6 breakout", K_CAP_TLS6, 0, 72 },
	{ "captured big hello breakout", K_CAP_BIG, 0, 52 },
};

static uint8_t *prefix_packet(int kind, size_t *len)
{
	struct pk k = { "10.20.0.200", "198.51.100.10", PKT_IPPROTO_TCP, 50000, 443, 1, 0,
			tls_tls13_0, sizeof(tls_tls13_0) };
	uint8_t *b;

	switch (kind) {
	case K_HELLO6:
		k.src = "fd20::100";
		k.dst = "2001:db8:5::10";
		break;
	case K_FLOW4:
		k = (struct pk){ "10.10.0.5", "10.20.0.9", PKT_IPPROTO_TCP, 40000, 443, 1,
				 PKT_TCP_SYN, NULL, 0 };
		break;
	case K_FLOW6:
		k = (struct pk){ "fd10::5", "fd20::9", PKT_IPPROTO_UDP, 40000, 123, 0, 0,
				 http_req_0, sizeof(http_req_0) };
		break;
	case K_DNS4:
		k = (struct pk){ "10.30.0.53", "10.20.0.53", PKT_IPPROTO_UDP, 53, 40053, 0, 0,
				 dns_udp_0, sizeof(dns_udp_0) };
		break;
	case K_HTTP4:
		k = (struct pk){ "10.20.0.200", "203.0.113.80", PKT_IPPROTO_TCP, 50000, 80, 1, 0,
				 http_req_4, sizeof(http_req_4) };
		break;
	case K_CAP_TLS:
	case K_CAP_DNS:
	case K_CAP_TLS6:
	case K_CAP_BIG: {
		const uint8_t *src = kind == K_CAP_TLS ? pkt_tls13_2 : kind == K_CAP_DNS ?
				     pkt_dns_0 : kind == K_CAP_TLS6 ? pkt_tls6_1 : tls_big_ip_0;

		*len = kind == K_CAP_TLS ? sizeof(pkt_tls13_2) : kind == K_CAP_DNS ?
		       sizeof(pkt_dns_0) : kind == K_CAP_TLS6 ? sizeof(pkt_tls6_1) :
		       sizeof(tls_big_ip_0);
		b = own(malloc(*len));
		memcpy(b, src, *len);
		return b;
	}
	default:
		break;
	}
	return build(&k, len);
}

static uint32_t prefix_mark(const struct prefix_case *c)
{
	return c->mark == 0 ? COMP_MARK_ENGINE : c->mark == 1 ?
	       COMP_MARK_ENGINE | flow_id(c->kind == K_FLOW4 ? F_TCP : F_UDP) : COMP_ID_DNS;
}

/* Every prefix of a valid packet: never a crash nor a read past the end (ASan, valgrind);
 * cut inside the headers: malformed, refused (DNS: passed, nothing learned); cut in the
 * payload: a DNS answer teaches nothing, a breakout segment never gets a service. */
START_TEST(test_prefixes)
{
	const struct prefix_case *c = &prefix_cases[_i];
	uint32_t mark = prefix_mark(c);
	struct eng_verdict full;
	size_t len, k;
	uint8_t *p = prefix_packet(c->kind, &len);
	struct pkt_hdrs h;

	ck_assert_int_eq(pkt_parse(p, len, &h), 0);
	ck_assert_uint_eq(h.payload_off, c->hdr);
	decide_raw(p, len, mac_juki, mark);
	full = fx.v;
	for (k = 0; k < len; k++) {
		fx_reset_state();
		decide_raw(p, k, mac_juki, mark);
		if (c->mark == 2) {
			expect(ENG_REPEAT, SEEN, EC_MALFORMED);
			ck_assert_int_eq(fx.n_upd, 0);
			ck_assert_int_eq(eng_learned_count(fx.l, fx.now), 0);
		} else if (k < c->hdr) {
			expect(ENG_REPEAT, REFUSED, EC_MALFORMED);
		} else if (c->mark == 1) {
			/* the headers are all a flow's decision needs */
			ck_assert_uint_eq(fx.v.v, full.v);
			ck_assert_uint_eq(fx.v.mark, full.mark);
		} else {
			ck_assert_msg(fx.v.v != ENG_REPEAT || fx.v.mark == REFUSED,
				      "%s: prefix %zu got a service", c->name, k);
		}
	}
}
END_TEST

/* A breakout segment the queue delivered cut short (PKT_F_TRUNC: fewer bytes than the IP
 * length says) cannot be judged: the kernel forwards the whole segment, the engine saw only
 * part of it and would buffer a stream with a hole. Refused or dropped, never passed. */
START_TEST(test_truncated_hello_not_passed)
{
	size_t len, k;
	uint8_t *p = prefix_packet(K_HELLO4, &len);

	for (k = 40; k < len; k++) {
		fx_reset_state();
		decide_raw(p, k, NULL, COMP_MARK_ENGINE);
		ck_assert_msg(fx.v.v == ENG_DROP || (fx.v.v == ENG_REPEAT && fx.v.mark == REFUSED),
			      "prefix %zu of %zu: verdict %d mark %#x", k, len, fx.v.v, fx.v.mark);
	}
}
END_TEST

static const uint32_t unknown_marks[] = {
	0,
	COMP_MARK_COPY,
	COMP_MARK_COPY | 5,
	0x12345,				/* an id without ENGINE */
	COMP_ID_REFUSED,
	COMP_MARK_ENGINE | COMP_MARK_COPY,
};

START_TEST(test_unknown_mark)
{
	struct pk k = { "10.10.0.5", "10.20.0.9", PKT_IPPROTO_TCP, 40000, 443, 1, PKT_TCP_SYN,
			NULL, 0 };

	decide(&k, mac_juki, unknown_marks[_i]);
	expect(ENG_REPEAT, REFUSED, EC_UNKNOWN_MARK);
	ck_assert_int_eq(fx.n_upd, 0);
}
END_TEST

/* Later fragments carry no ports: malformed for every mark. */
START_TEST(test_later_fragments)
{
	static const struct { const uint8_t *p; size_t len; } frags[] = {
		{ pkt_misc_5, sizeof(pkt_misc_5) }, { pkt_misc_6, sizeof(pkt_misc_6) },
		{ pkt_misc_11, sizeof(pkt_misc_11) }, { pkt_misc_12, sizeof(pkt_misc_12) },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(frags); i++) {
		decide_raw(frags[i].p, frags[i].len, mac_juki, COMP_ID_DNS);
		expect(ENG_REPEAT, SEEN, EC_MALFORMED);
		decide_raw(frags[i].p, frags[i].len, mac_juki, COMP_ID_DNS_QUERY);
		expect(ENG_REPEAT, SEEN, EC_MALFORMED);
		decide_raw(frags[i].p, frags[i].len, mac_juki, COMP_MARK_ENGINE);
		expect(ENG_REPEAT, REFUSED, EC_MALFORMED);
		decide_raw(frags[i].p, frags[i].len, mac_juki, COMP_MARK_ENGINE | flow_id(F_UDP));
		expect(ENG_REPEAT, REFUSED, EC_MALFORMED);
	}
}
END_TEST

/* Garbage of every length: no crash, and never a service or a learned address. */
START_TEST(test_garbage)
{
	static const uint32_t marks[] = { COMP_MARK_ENGINE, COMP_ID_DNS, COMP_ID_DNS_QUERY, 0 };
	uint8_t buf[200];
	uint32_t x = 0x9e3779b9U;
	size_t n, i, m;

	for (n = 0; n < sizeof(buf); n++) {
		for (i = 0; i < n; i++) {
			x = x * 1103515245U + 12345U;
			buf[i] = (uint8_t)(x >> 16);
		}
		if (n)
			buf[0] = n & 1 ? 0x45 : 0x60;	/* mostly get past the version */
		for (m = 0; m < ARRAY_SIZE(marks); m++) {
			decide_raw(buf, n, NULL, marks[m]);
			if (marks[m] == COMP_ID_DNS || marks[m] == COMP_ID_DNS_QUERY)
				ck_assert(fx.v.v == ENG_REPEAT && fx.v.mark == SEEN);
			else
				ck_assert(fx.v.v != ENG_REPEAT || fx.v.mark == REFUSED);
			ck_assert_int_eq(fx.n_upd, 0);
		}
	}
	decide_raw(buf, 0, NULL, COMP_MARK_ENGINE | flow_id(F_TCP));
	expect(ENG_REPEAT, REFUSED, EC_MALFORMED);
	ck_assert_int_eq(eng_learned_count(fx.l, fx.now), 0);
}
END_TEST

Suite *suite_engine(void)
{
	Suite *s = suite_create("engine");
	TCase *tf = tcase_create("flows");
	TCase *tb = tcase_create("breakout");
	TCase *th = tcase_create("hostile");

	tcase_add_checked_fixture(tf, setup, teardown);
	tcase_add_test(tf, test_tables);
	tcase_add_test(tf, test_records);
	tcase_add_loop_test(tf, test_flow, 0, ARRAY_SIZE(flow_cases));
	suite_add_tcase(s, tf);

	tcase_add_checked_fixture(tb, setup, teardown);
	tcase_add_test(tb, test_dns_learn_then_sni);
	tcase_add_test(tb, test_dns_learn_v6);
	tcase_add_test(tb, test_dns_nothing_learned);
	tcase_add_test(tb, test_dns_match);
	tcase_add_test(tb, test_dns_match_v6);
	tcase_add_test(tb, test_dns_error_answers);
	tcase_add_test(tb, test_dns_ttl_cap);
	tcase_add_test(tb, test_dns_tcp);
	tcase_add_test(tb, test_dns_tcp_stream);
	tcase_add_test(tb, test_dns_pending_flood);
	tcase_add_test(tb, test_listed_prefix);
	tcase_add_test(tb, test_learned_expiry);
	tcase_add_test(tb, test_learned_per_service);
	tcase_add_test(tb, test_service_without_prefixes);
	tcase_add_test(tb, test_tls_required);
	tcase_add_test(tb, test_learned_refresh);
	tcase_add_test(tb, test_learned_ha_export_import);
	tcase_add_test(tb, test_learned_reuse);
	tcase_add_test(tb, test_learned_purge_wrap);
	tcase_add_test(tb, test_learned_purge_room);
	tcase_add_test(tb, test_learned_max);
	tcase_add_test(tb, test_split_hello);
	tcase_add_test(tb, test_split_hello_v6_records);
	tcase_add_test(tb, test_split_hello_gap);
	tcase_add_test(tb, test_split_hello_conflict);
	tcase_add_test(tb, test_pending_limit);
	tcase_add_test(tb, test_resegmented);
	tcase_add_loop_test(tb, test_handshake_anchor, 0, ARRAY_SIZE(anchor_cases));
	tcase_add_test(tb, test_state_full);
	tcase_add_test(tb, test_http_host);
	tcase_add_test(tb, test_http_split);
	tcase_add_test(tb, test_http_keepalive);
	tcase_add_test(tb, test_http_reload);
	tcase_add_test(tb, test_source_quota);
	tcase_add_test(tb, test_idle_handshake);
	tcase_add_test(tb, test_decided_late);
	tcase_add_test(tb, test_held_then_changed);
	tcase_add_test(tb, test_khash);
	tcase_add_test(tb, test_ech_refused);
	tcase_add_test(tb, test_ech_outer_sni);
	tcase_add_test(tb, test_server_first);
	tcase_add_test(tb, test_not_tls_or_http);
	tcase_add_loop_test(tb, test_sni_any_address, 0, ARRAY_SIZE(sni_cases));
	suite_add_tcase(s, tb);

	tcase_add_checked_fixture(th, setup, teardown);
	tcase_add_loop_test(th, test_prefixes, 0, ARRAY_SIZE(prefix_cases));
	tcase_add_test(th, test_truncated_hello_not_passed);
	tcase_add_loop_test(th, test_unknown_mark, 0, ARRAY_SIZE(unknown_marks));
	tcase_add_test(th, test_later_fragments);
	tcase_add_test(th, test_garbage);
	tcase_set_timeout(th, 120);
	tcase_set_timeout(tb, 60);	/* query and handshake floods: slow under ASan and load */
	suite_add_tcase(s, th);
	return s;
}
