/* SPDX-License-Identifier: GPL-2.0-only */
/* test_dns.c: dns_parse_answer() over real dnsmasq answers (tests/unit/data/dns_samples.h:
 * a CNAME chain to A and AAAA records, a truncated UDP answer, NXDOMAIN, answers over TCP),
 * every prefix, crafted compression attacks and bad records; dns_name_match() and
 * dns_host_norm(). Inputs live in exact-size heap buffers. */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "dns.h"
#include "data/dns_samples.h"
#include "exact.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

Suite *suite_dns(void);

static int parse_copy(const uint8_t *p, size_t len, struct dns_answer *a)
{
	uint8_t *b = dup_exact(p, len);
	int r = dns_parse_answer(b, len, a);

	free(b);
	return r;
}

/* The UDP answers, and the TCP ones without their 2-byte length prefix. */
struct dns_case {
	const char *name;
	const uint8_t *p;
	size_t len;
	uint16_t id, qtype;
	uint8_t rcode;
	uint32_t flags;
	uint16_t ancount;
	uint8_t n_names, n_addrs, n_cnames;
	const char *qname;
};

#define S(a) #a, a, sizeof(a)
#define T(a) #a, a + 2, sizeof(a) - 2

static const struct dns_case cases[] = {
	{ S(dns_udp_0), 0x1001, 1, 0, DNS_ANS_AA, 4, 3, 2, 2, "outlook.office.com" },
	{ S(dns_udp_1), 0x1002, 28, 0, DNS_ANS_AA, 3, 3, 1, 2, "outlook.office.com" },
	{ S(dns_udp_2), 0x1003, 1, 0, DNS_ANS_AA | DNS_ANS_TC, 29, 1, 29, 0,
	  "many.example.lg.jp" },
	{ S(dns_udp_3), 0x1004, 1, 3, 0, 0, 1, 0, 0, "nx.example.lg.jp" },
	{ T(dns_tcp_0), 0x1005, 1, 0, DNS_ANS_AA, 4, 3, 2, 2, "outlook.office.com" },
	{ T(dns_tcp_1), 0x1006, 1, 0, DNS_ANS_AA | DNS_ANS_PARTIAL, 40, 1, DNS_ADDRS_MAX, 0,
	  "many.example.lg.jp" },
};

START_TEST(test_captures)
{
	const struct dns_case *c = &cases[_i];
	static struct dns_answer a;

	ck_assert_int_eq(parse_copy(c->p, c->len, &a), 0);
	ck_assert_uint_eq(a.id, c->id);
	ck_assert_uint_eq(a.qtype, c->qtype);
	ck_assert_uint_eq(a.qclass, DNS_CLASS_IN);
	ck_assert_uint_eq(a.rcode, c->rcode);
	ck_assert_uint_eq(a.flags, c->flags);
	ck_assert_uint_eq(a.ancount, c->ancount);
	ck_assert_uint_eq(a.n_names, c->n_names);
	ck_assert_uint_eq(a.n_addrs, c->n_addrs);
	ck_assert_uint_eq(a.n_cnames, c->n_cnames);
	ck_assert_str_eq(a.names[0], c->qname);
}
END_TEST

/* Every strict prefix is cut short: -EMSGSIZE, never a partial success. */
START_TEST(test_prefixes)
{
	const struct dns_case *c = &cases[_i];
	static struct dns_answer a;
	size_t k;

	for (k = 0; k < c->len; k++)
		ck_assert_msg(parse_copy(c->p, k, &a) == -EMSGSIZE, "%s: prefix %zu", c->name, k);
}
END_TEST

static void check_addr(const struct dns_addr *d, uint8_t family, const char *text)
{
	uint8_t want[16] = { 0 };

	ck_assert_uint_eq(d->family, family);
	ck_assert_int_eq(inet_pton(family, text, want), 1);
	ck_assert_mem_eq(d->addr, want, 16);
}

/* outlook.office.com -> outlook.ha.office365.com (1h) -> outlook.office365.com (1m) -> A */
START_TEST(test_cname_chain)
{
	static struct dns_answer a;
	uint32_t ttl;

	ck_assert_int_eq(parse_copy(dns_udp_0, sizeof(dns_udp_0), &a), 0);
	ck_assert_str_eq(a.names[1], "outlook.ha.office365.com");
	ck_assert_str_eq(a.names[2], "outlook.office365.com");
	ck_assert_uint_eq(a.cnames[0].owner, 0);
	ck_assert_uint_eq(a.cnames[0].target, 1);
	ck_assert_uint_eq(a.cnames[0].ttl, 3600);
	ck_assert_uint_eq(a.cnames[1].owner, 1);
	ck_assert_uint_eq(a.cnames[1].target, 2);
	ck_assert_uint_eq(a.cnames[1].ttl, 60);
	check_addr(&a.addrs[0], AF_INET, "52.96.166.130");
	check_addr(&a.addrs[1], AF_INET, "52.96.229.242");
	ck_assert_uint_eq(a.addrs[0].name, 2);
	ck_assert_uint_eq(a.addrs[0].ttl, 300);
	ck_assert_int_eq(dns_answer_trace(&a, 0, &ttl), 2);
	ck_assert_uint_eq(ttl, 60);
	ck_assert_int_eq(dns_answer_trace(&a, 1, &ttl), 2);
	ck_assert_int_eq(dns_answer_trace(&a, 2, &ttl), -EINVAL);

	ck_assert_int_eq(parse_copy(dns_udp_1, sizeof(dns_udp_1), &a), 0);
	check_addr(&a.addrs[0], AF_INET6, "2603:1036:3000:1c0::2");
	ck_assert_int_eq(dns_answer_trace(&a, 0, &ttl), 2);
	ck_assert_uint_eq(ttl, 60);
}
END_TEST

START_TEST(test_many_addresses)
{
	static struct dns_answer a;
	uint32_t ttl;
	unsigned int i;

	ck_assert_int_eq(parse_copy(dns_tcp_1 + 2, sizeof(dns_tcp_1) - 2, &a), 0);
	for (i = 0; i < a.n_addrs; i++) {
		ck_assert_uint_eq(a.addrs[i].family, AF_INET);
		ck_assert_uint_eq(a.addrs[i].addr[0], 10);
		ck_assert_uint_eq(a.addrs[i].addr[1], 20);
		ck_assert_int_eq(dns_answer_trace(&a, i, &ttl), 0);
		ck_assert_uint_eq(ttl, 300);
	}
}
END_TEST

START_TEST(test_tcp_frame)
{
	static uint8_t two[sizeof(dns_tcp_0) * 2];
	const uint8_t *msg;
	size_t len, k;
	uint8_t *b;

	b = dup_exact(dns_tcp_0, sizeof(dns_tcp_0));
	ck_assert_int_eq(dns_tcp_frame(b, sizeof(dns_tcp_0), &msg, &len), sizeof(dns_tcp_0));
	ck_assert_ptr_eq(msg, b + 2);
	ck_assert_uint_eq(len, sizeof(dns_tcp_0) - 2);
	free(b);
	for (k = 0; k < sizeof(dns_tcp_0); k++) {
		b = dup_exact(dns_tcp_0, k);
		ck_assert_int_eq(dns_tcp_frame(b, k, &msg, &len), -EAGAIN);
		free(b);
	}
	memcpy(two, dns_tcp_0, sizeof(dns_tcp_0));
	memcpy(two + sizeof(dns_tcp_0), dns_tcp_0, sizeof(dns_tcp_0));
	b = dup_exact(two, sizeof(two));
	ck_assert_int_eq(dns_tcp_frame(b, sizeof(two), &msg, &len), sizeof(dns_tcp_0));
	b[0] = b[1] = 0;
	ck_assert_int_eq(dns_tcp_frame(b, sizeof(two), &msg, &len), -EPROTO);
	free(b);
}
END_TEST

START_TEST(test_not_answers)
{
	static struct dns_answer a;
	uint8_t *b;

	ck_assert_int_eq(parse_copy(dns_query_0, sizeof(dns_query_0), &a), -EPROTO);
	b = dup_exact(dns_udp_0, sizeof(dns_udp_0));
	b[2] |= 0x10;					/* opcode 2 (STATUS) */
	ck_assert_int_eq(dns_parse_answer(b, sizeof(dns_udp_0), &a), -EPROTO);
	b[2] &= (uint8_t)~0x10;
	b[5] = 0;					/* qdcount 0 */
	ck_assert_int_eq(dns_parse_answer(b, sizeof(dns_udp_0), &a), -EPROTO);
	b[5] = 2;					/* qdcount 2 */
	ck_assert_int_eq(dns_parse_answer(b, sizeof(dns_udp_0), &a), -EPROTO);
	b[5] = 1;
	b[7]++;						/* one more answer than sent */
	ck_assert_int_eq(dns_parse_answer(b, sizeof(dns_udp_0), &a), -EMSGSIZE);
	free(b);
}
END_TEST

/* A resolver's query: its id, question name (lower case) and type; nothing else passes, and
 * no prefix of it parses. */
START_TEST(test_parse_query)
{
	char name[DNS_NAME_MAX + 1];
	uint16_t id = 0, qtype = 0;
	size_t k;
	uint8_t *b;

	b = dup_exact(dns_query_0, sizeof(dns_query_0));
	ck_assert_int_eq(dns_parse_query(b, sizeof(dns_query_0), &id, &qtype, name), 0);
	ck_assert_uint_eq(id, 0x1001);
	ck_assert_uint_eq(qtype, DNS_TYPE_A);
	ck_assert_str_eq(name, "outlook.office.com");	/* sent as Outlook.Office.COM */
	for (k = 0; k < sizeof(dns_query_0); k++)
		ck_assert_int_lt(dns_parse_query(b, k, &id, &qtype, name), 0);
	b[5] = 2;					/* qdcount 2 */
	ck_assert_int_eq(dns_parse_query(b, sizeof(dns_query_0), &id, &qtype, name), -EPROTO);
	b[5] = 1;
	b[2] |= 0x08;					/* opcode 1 (IQUERY) */
	ck_assert_int_eq(dns_parse_query(b, sizeof(dns_query_0), &id, &qtype, name), -EPROTO);
	b[2] &= (uint8_t)~0x08;
	b[14] = ' ';					/* not a host name */
	ck_assert_int_eq(dns_parse_query(b, sizeof(dns_query_0), &id, &qtype, name), -EPROTO);
	free(b);
	b = dup_exact(dns_udp_0, sizeof(dns_udp_0));	/* an answer is no query */
	ck_assert_int_eq(dns_parse_query(b, sizeof(dns_udp_0), &id, &qtype, name), -EPROTO);
	free(b);
}
END_TEST

/* ---- crafted messages ---- */

struct msg {
	uint8_t b[2048];
	size_t n;
};

static void put(struct msg *m, const void *p, size_t n)
{
	ck_assert_uint_le(m->n + n, sizeof(m->b));
	memcpy(m->b + m->n, p, n);
	m->n += n;
}

static void put16(struct msg *m, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	put(m, b, 2);
}

static void put32(struct msg *m, uint32_t v)
{
	put16(m, (uint16_t)(v >> 16));
	put16(m, (uint16_t)v);
}

/* Uncompressed name from dotted text ("" is the root). */
static void put_name(struct msg *m, const char *text)
{
	const char *dot;
	uint8_t n;

	while (*text) {
		dot = strchr(text, '.');
		n = (uint8_t)(dot ? (size_t)(dot - text) : strlen(text));
		put(m, &n, 1);
		put(m, text, n);
		text += n + (dot ? 1 : 0);
	}
	put(m, "", 1);
}

static void put_ptr(struct msg *m, size_t off)
{
	put16(m, (uint16_t)(0xc000 | off));
}

/* Header (response, RD RA) and the question; ancount is set by rr() calls. */
static void start(struct msg *m, const char *qname)
{
	m->n = 0;
	put16(m, 0xbeef);
	put16(m, 0x8180);
	put16(m, 1);
	put16(m, 0);
	put32(m, 0);
	put_name(m, qname);
	put16(m, DNS_TYPE_A);
	put16(m, DNS_CLASS_IN);
}

/* Record header after an owner name the caller wrote; returns where rdlength is. */
static size_t rr(struct msg *m, uint16_t type, uint16_t class, uint32_t ttl, uint16_t rdlen)
{
	size_t at;

	m->b[7]++;
	put16(m, type);
	put16(m, class);
	put32(m, ttl);
	at = m->n;
	put16(m, rdlen);
	return at;
}

static void rr_a(struct msg *m, const char *owner, const char *ip, uint32_t ttl)
{
	uint8_t a[4];

	ck_assert_int_eq(inet_pton(AF_INET, ip, a), 1);
	if (owner)
		put_name(m, owner);
	else
		put_ptr(m, 12);
	rr(m, DNS_TYPE_A, DNS_CLASS_IN, ttl, 4);
	put(m, a, 4);
}

static void rr_cname(struct msg *m, const char *owner, const char *target, uint32_t ttl)
{
	size_t at, start_n;

	if (owner)
		put_name(m, owner);
	else
		put_ptr(m, 12);
	at = rr(m, DNS_TYPE_CNAME, DNS_CLASS_IN, ttl, 0);
	start_n = m->n;
	put_name(m, target);
	m->b[at] = (uint8_t)((m->n - start_n) >> 8);
	m->b[at + 1] = (uint8_t)(m->n - start_n);
}

static int parse_msg(const struct msg *m, struct dns_answer *a)
{
	return parse_copy(m->b, m->n, a);
}

START_TEST(test_compression_loops)
{
	static struct msg m;
	static struct dns_answer a;

	start(&m, "a.example");
	put_ptr(&m, m.n);				/* owner points at itself */
	rr(&m, DNS_TYPE_A, DNS_CLASS_IN, 60, 4);
	put32(&m, 0x0a000001);
	ck_assert_int_eq(parse_msg(&m, &a), -EPROTO);

	start(&m, "a.example");
	put_ptr(&m, m.n + 16);				/* forward, at the next record */
	rr(&m, DNS_TYPE_A, DNS_CLASS_IN, 60, 4);
	put32(&m, 0x0a000001);
	rr_a(&m, NULL, "10.0.0.2", 60);
	ck_assert_int_eq(parse_msg(&m, &a), -EPROTO);

	start(&m, "a.example");
	put_ptr(&m, 4);					/* into the header */
	rr(&m, DNS_TYPE_A, DNS_CLASS_IN, 60, 4);
	put32(&m, 0x0a000001);
	ck_assert_int_eq(parse_msg(&m, &a), -EPROTO);

	start(&m, "a.example");				/* label, then a pointer back into */
	put(&m, "\001x", 2);				/* the same run: x.x.x... */
	put_ptr(&m, m.n - 2);
	rr(&m, DNS_TYPE_A, DNS_CLASS_IN, 60, 4);
	put32(&m, 0x0a000001);
	ck_assert_int_eq(parse_msg(&m, &a), -EPROTO);

	start(&m, "a.example");				/* question name pointing at itself */
	m.n = 12;
	put_ptr(&m, 12);
	put32(&m, 0x00010001);
	ck_assert_int_eq(parse_msg(&m, &a), -EPROTO);
}
END_TEST

/* A chain of pointers, each one back to the previous: fine up to DNS_JUMPS_MAX jumps. */
static void jump_chain(struct msg *m, unsigned int jumps)
{
	size_t at, first, i;

	start(m, "a.example");
	put_ptr(m, 12);
	at = rr(m, 16, DNS_CLASS_IN, 60, 0);		/* TXT holding the pointers */
	first = m->n;
	put_ptr(m, 12);
	for (i = 1; i < jumps - 1; i++)
		put_ptr(m, first + 2 * (i - 1));
	m->b[at + 1] = (uint8_t)(m->n - first);
	put_ptr(m, m->n - 2);				/* owner: jumps pointers in all */
	rr(m, DNS_TYPE_A, DNS_CLASS_IN, 60, 4);
	put32(m, 0x0a000001);
}

START_TEST(test_jump_limit)
{
	static struct msg m;
	static struct dns_answer a;

	jump_chain(&m, DNS_JUMPS_MAX);
	ck_assert_int_eq(parse_msg(&m, &a), 0);
	ck_assert_uint_eq(a.n_addrs, 1);
	ck_assert_uint_eq(a.addrs[0].name, 0);		/* resolves to the question name */
	jump_chain(&m, DNS_JUMPS_MAX + 1);
	ck_assert_int_eq(parse_msg(&m, &a), -EPROTO);
}
END_TEST

START_TEST(test_name_limits)
{
	static struct msg m;
	static struct dns_answer a;
	char name[400];
	size_t i;

	for (i = 0; i < 253; i++)			/* 4 labels: 63+63+63+61 */
		name[i] = (i % 64 == 63) ? '.' : 'b';
	name[253] = '\0';
	start(&m, name);
	ck_assert_int_eq(parse_msg(&m, &a), 0);
	ck_assert_str_eq(a.names[0], name);
	name[253] = 'b';				/* 255 wire octets + 1 */
	name[254] = '\0';
	start(&m, name);
	ck_assert_int_eq(parse_msg(&m, &a), -EPROTO);

	start(&m, "a.example");
	m.b[12] = 0x41;					/* extended label type */
	ck_assert_int_eq(parse_msg(&m, &a), -EPROTO);
	m.b[12] = 0x81;
	ck_assert_int_eq(parse_msg(&m, &a), -EPROTO);

	start(&m, "a b.example");			/* not a host name */
	ck_assert_int_eq(parse_msg(&m, &a), -EPROTO);
	start(&m, "A.EXAMPLE");
	m.b[13] = 0;					/* NUL in a label */
	ck_assert_int_eq(parse_msg(&m, &a), -EPROTO);
	start(&m, "");					/* the root is a valid question */
	ck_assert_int_eq(parse_msg(&m, &a), 0);
	ck_assert_str_eq(a.names[0], "");
}
END_TEST

START_TEST(test_bad_records)
{
	static struct msg m;
	static struct dns_answer a;
	size_t at;

	start(&m, "a.example");				/* A with 5 bytes */
	put_ptr(&m, 12);
	rr(&m, DNS_TYPE_A, DNS_CLASS_IN, 60, 5);
	put(&m, "\012\0\0\1\1", 5);
	ck_assert_int_eq(parse_msg(&m, &a), -EPROTO);

	start(&m, "a.example");				/* AAAA with 4 */
	put_ptr(&m, 12);
	rr(&m, DNS_TYPE_AAAA, DNS_CLASS_IN, 60, 4);
	put32(&m, 0x0a000001);
	ck_assert_int_eq(parse_msg(&m, &a), -EPROTO);

	start(&m, "a.example");				/* CNAME name longer than rdata */
	rr_cname(&m, NULL, "b.example", 60);
	at = m.n - strlen("b.example") - 2 - 2;
	m.b[at + 1]--;
	ck_assert_int_eq(parse_msg(&m, &a), -EPROTO);
	m.b[at + 1] += 2;				/* shorter */
	put(&m, "", 1);
	ck_assert_int_eq(parse_msg(&m, &a), -EPROTO);

	start(&m, "a.example");				/* rdata past the end */
	put_ptr(&m, 12);
	rr(&m, DNS_TYPE_A, DNS_CLASS_IN, 60, 8);
	put32(&m, 0x0a000001);
	ck_assert_int_eq(parse_msg(&m, &a), -EMSGSIZE);

	start(&m, "a.example");				/* two CNAMEs for one owner */
	rr_cname(&m, NULL, "b.example", 60);
	rr_cname(&m, NULL, "c.example", 60);
	ck_assert_int_eq(parse_msg(&m, &a), -EPROTO);
	start(&m, "a.example");				/* the same one twice: fine */
	rr_cname(&m, NULL, "b.example", 60);
	rr_cname(&m, NULL, "B.Example", 60);
	ck_assert_int_eq(parse_msg(&m, &a), 0);
	ck_assert_uint_eq(a.n_cnames, 1);
}
END_TEST

START_TEST(test_skipped_records)
{
	static struct msg m;
	static struct dns_answer a;

	start(&m, "a.example");
	put_ptr(&m, 12);				/* class CH: ignored */
	rr(&m, DNS_TYPE_A, 3, 60, 4);
	put32(&m, 0x0a000001);
	put_ptr(&m, 12);				/* MX: ignored */
	rr(&m, 15, DNS_CLASS_IN, 60, 3);
	put(&m, "\0\12\0", 3);
	rr_a(&m, "we\001ird.example", "10.0.0.3", 60);	/* owner not a host name */
	rr_a(&m, NULL, "10.0.0.4", 0x80000000U);	/* TTL with the top bit: 0 */
	ck_assert_int_eq(parse_msg(&m, &a), 0);
	ck_assert_uint_eq(a.ancount, 4);
	ck_assert_uint_eq(a.n_addrs, 1);
	ck_assert_uint_eq(a.flags, DNS_ANS_PARTIAL);
	ck_assert_uint_eq(a.addrs[0].ttl, 0);
	ck_assert_uint_eq(a.addrs[0].addr[3], 4);
}
END_TEST

START_TEST(test_trace)
{
	static struct msg m;
	static struct dns_answer a;
	uint32_t ttl;

	start(&m, "q.example");				/* loop: q -> b -> q */
	rr_cname(&m, NULL, "b.example", 60);
	rr_cname(&m, "b.example", "q.example", 60);
	rr_a(&m, "c.example", "10.0.0.5", 60);
	ck_assert_int_eq(parse_msg(&m, &a), 0);
	ck_assert_int_eq(dns_answer_trace(&a, 0, &ttl), -ELOOP);

	start(&m, "q.example");				/* an address of an unrelated name */
	rr_cname(&m, NULL, "b.example", 60);
	rr_a(&m, "b.example", "10.0.0.6", 30);
	rr_a(&m, "evil.example", "10.0.0.7", 60);
	ck_assert_int_eq(parse_msg(&m, &a), 0);
	ck_assert_int_eq(dns_answer_trace(&a, 0, &ttl), 1);
	ck_assert_uint_eq(ttl, 30);
	ck_assert_int_eq(dns_answer_trace(&a, 1, &ttl), -ENOENT);
}
END_TEST

/* More distinct names than DNS_NAMES_MAX: what fits is kept, the rest flagged. */
START_TEST(test_name_table_full)
{
	static struct msg m;
	static struct dns_answer a;
	char from[32], to[32];
	unsigned int i;
	uint32_t ttl;

	start(&m, "n0.example");
	for (i = 0; i < DNS_NAMES_MAX + 2; i++) {
		snprintf(from, sizeof(from), "n%u.example", i);
		snprintf(to, sizeof(to), "n%u.example", i + 1);
		rr_cname(&m, from, to, 60);
	}
	rr_a(&m, "n3.example", "10.0.0.8", 60);
	ck_assert_int_eq(parse_msg(&m, &a), 0);
	ck_assert_uint_eq(a.n_names, DNS_NAMES_MAX);
	ck_assert_uint_eq(a.n_cnames, DNS_NAMES_MAX - 1);
	ck_assert_uint_eq(a.flags, DNS_ANS_PARTIAL);
	ck_assert_int_eq(dns_answer_trace(&a, 0, &ttl), 3);
}
END_TEST

struct match_case {
	const char *pattern, *name;
	bool want;
};

static const struct match_case matches[] = {
	{ "office.com", "office.com", true },
	{ "office.com", "OFFICE.com", true },
	{ "office.com", "a.office.com", false },
	{ "office.com", "office.co", false },
	{ "office.com", "office.com.evil", false },
	{ "*.office.com", "a.office.com", true },
	{ "*.office.com", "a.b.office.com", true },
	{ "*.office.com", "A.Office.Com", true },
	{ "*.office.com", "office.com", false },
	{ "*.office.com", "aoffice.com", false },
	{ "*.office.com", ".office.com", false },
	{ "*.office.com", "evil-office.com", false },
	{ "*.office.com", "a.office.com.evil", false },
	{ "*office.com", "aoffice.com", true },
	{ "*", "a", false },
	{ "*.", "a.", false },
	{ "a.*.com", "a.b.com", true },
	{ "*.*.com", "a.b.com", false },
	{ "", "", true },
	/* a '*' inside the first label: zero or more letters, digits, hyphens of that label */
	{ "*cdn.onenote.net", "cdn.onenote.net", true },
	{ "*cdn.onenote.net", "xyzcdn.onenote.net", true },
	{ "*cdn.onenote.net", "x-1cdn.onenote.net", true },
	{ "*cdn.onenote.net", "XYZCDN.OneNote.Net", true },
	{ "*CDN.onenote.net", "xyzcdn.onenote.net", true },
	{ "*cdn.onenote.net", "a.bcdn.onenote.net", false },
	{ "*cdn.onenote.net", ".cdn.onenote.net", false },
	{ "*cdn.onenote.net", "cdn.onenote.net.evil.example", false },
	{ "*cdn.onenote.net", "xyzcdn.onenote.net.evil.example", false },
	{ "*cdn.onenote.net", "cdnx.onenote.net", false },
	{ "*cdn.onenote.net", "cd.onenote.net", false },
	{ "*cdn.onenote.net", "onenote.net", false },
	{ "*cdn.onenote.net", "a_cdn.onenote.net", false },
	{ "*cdn.onenote.net", "a\xc3\xa9" "cdn.onenote.net", false },
	{ "*cdn.onenote.net", "xn--bcher-kvacdn.onenote.net", true },
	{ "xn--*.example.jp", "xn--eckwd4c7c.example.jp", true },
	{ "xn--*.example.jp", "xn--.example.jp", true },
	{ "xn--*.example.jp", "xn-.example.jp", false },
	{ "a*b.example.com", "ab.example.com", true },
	{ "a*b.example.com", "a-x-b.example.com", true },
	{ "a*b.example.com", "a.b.example.com", false },
	{ "a*b.example.com", "aab", false },
	{ "cdn*.example.com", "cdn7.example.com", true },
	{ "*cdn.onenote.net", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaacdn.onenote.net", true },
	{ "*cdn.onenote.net", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaacdn.onenote.net", false },
	/* a '*' that is a whole middle label: exactly one label */
	{ "autodiscover.*.onmicrosoft.com", "autodiscover.contoso.onmicrosoft.com", true },
	{ "autodiscover.*.onmicrosoft.com", "AutoDiscover.Contoso.OnMicrosoft.com", true },
	{ "autodiscover.*.onmicrosoft.com", "autodiscover.xn--wgv71a.onmicrosoft.com", true },
	{ "autodiscover.*.onmicrosoft.com", "autodiscover.onmicrosoft.com", false },
	{ "autodiscover.*.onmicrosoft.com", "autodiscover..onmicrosoft.com", false },
	{ "autodiscover.*.onmicrosoft.com", "autodiscover.a.b.onmicrosoft.com", false },
	{ "autodiscover.*.onmicrosoft.com", "x.autodiscover.a.onmicrosoft.com", false },
	{ "autodiscover.*.onmicrosoft.com", "autodiscover.a.onmicrosoft.com.evil", false },
	{ "autodiscover.*.onmicrosoft.com", "autodiscover.a_b.onmicrosoft.com", false },
	{ "autodiscover.*.onmicrosoft.com", "xautodiscover.a.onmicrosoft.com", false },
	/* one '*' at most, and nowhere else */
	{ "a*b*.example.com", "axbx.example.com", false },
	{ "a.b*.example.com", "a.bx.example.com", false },
	{ "example.*", "example.com", false },
	{ "*cdn.*.net", "xcdn.a.net", false },
};

START_TEST(test_name_match)
{
	const struct match_case *c = &matches[_i];

	ck_assert_msg(dns_name_match(c->pattern, c->name) == c->want, "'%s' ~ '%s'", c->pattern,
		      c->name);
}
END_TEST

START_TEST(test_host_norm)
{
	char out[DNS_NAME_MAX + 1];

	ck_assert_int_eq(dns_host_norm((const uint8_t *)"A-b_C.JP", 8, out, sizeof(out)), 8);
	ck_assert_str_eq(out, "a-b_c.jp");
	ck_assert_int_eq(dns_host_norm((const uint8_t *)"a.jp", 4, out, 4), -ENOSPC);
	ck_assert_int_eq(dns_host_norm((const uint8_t *)"a.jp", 4, out, 5), 4);
	ck_assert_int_eq(dns_host_norm((const uint8_t *)"a.jp", 0, out, 5), -EPROTO);
	ck_assert_int_eq(dns_host_norm((const uint8_t *)"a/jp", 4, out, 5), -EPROTO);
	ck_assert_int_eq(dns_host_norm((const uint8_t *)"a.jp.", 5, out, 6), -EPROTO);
}
END_TEST

Suite *suite_dns(void)
{
	Suite *s = suite_create("dns");
	TCase *tc = tcase_create("captures");
	TCase *th = tcase_create("hostile");

	tcase_add_loop_test(tc, test_captures, 0, ARRAY_SIZE(cases));
	tcase_add_loop_test(tc, test_prefixes, 0, ARRAY_SIZE(cases));
	tcase_add_test(tc, test_cname_chain);
	tcase_add_test(tc, test_many_addresses);
	tcase_add_test(tc, test_tcp_frame);
	tcase_add_test(tc, test_not_answers);
	tcase_add_test(tc, test_parse_query);
	suite_add_tcase(s, tc);
	tcase_add_test(th, test_compression_loops);
	tcase_add_test(th, test_jump_limit);
	tcase_add_test(th, test_name_limits);
	tcase_add_test(th, test_bad_records);
	tcase_add_test(th, test_skipped_records);
	tcase_add_test(th, test_trace);
	tcase_add_test(th, test_name_table_full);
	tcase_add_loop_test(th, test_name_match, 0, ARRAY_SIZE(matches));
	tcase_add_test(th, test_host_norm);
	suite_add_tcase(s, th);
	return s;
}
