/* SPDX-License-Identifier: GPL-2.0-only */
/* test_pkt.c: pkt_parse() over real captures (tests/unit/data/pkt_samples.h), every prefix of
 * them, and hostile variants. Inputs are copied into exact-size heap buffers so ASan catches
 * any read past len. */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "pkt.h"
#include "data/pkt_samples.h"
#include "exact.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct pkt_case {
	const char *name;
	const uint8_t *p;
	size_t len;
	uint8_t family, l4proto;
	uint32_t flags;
	const char *src, *dst;
	uint16_t sport, dport;
	uint8_t tcp_flags;
	uint32_t seq, ack;
	uint8_t icmp_type, icmp_code;
	uint16_t icmp_id;
	uint16_t l3_len, l4_len;
	uint32_t ip_len, payload_len, payload_tot;
	uint32_t frag_off, frag_id;
	uint8_t n_exthdrs;
};

#define S(a) a, sizeof(a)
#define V4 AF_INET
#define V6 AF_INET6
#define L4 PKT_F_L4
#define FRAG PKT_F_FRAG

static const struct pkt_case cases[] = {
	{ "icmp echo request", S(pkt_misc_0), V4, 1, L4, "127.0.0.1", "127.0.0.1",
	  .icmp_type = 8, .icmp_id = 1, .l3_len = 20, .l4_len = 8, .ip_len = 32,
	  .payload_len = 4, .payload_tot = 4 },
	{ "icmp echo reply", S(pkt_misc_1), V4, 1, L4, "127.0.0.1", "127.0.0.1",
	  .icmp_type = 0, .icmp_id = 1, .l3_len = 20, .l4_len = 8, .ip_len = 32,
	  .payload_len = 4, .payload_tot = 4 },
	{ "icmpv6 echo request", S(pkt_misc_2), V6, 58, L4, "::1", "::1",
	  .icmp_type = 128, .icmp_id = 2, .l3_len = 40, .l4_len = 8, .ip_len = 52,
	  .payload_len = 4, .payload_tot = 4 },
	{ "udp first fragment", S(pkt_misc_4), V4, 17, L4 | FRAG, "127.0.0.1", "127.0.0.1",
	  .sport = 47231, .dport = 9999, .l3_len = 20, .l4_len = 8, .ip_len = 1500,
	  .payload_len = 1472, .payload_tot = 1472, .frag_id = 24321 },
	{ "udp middle fragment", S(pkt_misc_5), V4, 17, FRAG | PKT_F_FRAG_LATER, "127.0.0.1",
	  "127.0.0.1", .l3_len = 20, .ip_len = 1500, .payload_len = 1480, .payload_tot = 1480,
	  .frag_off = 1480, .frag_id = 24321 },
	{ "udp last fragment", S(pkt_misc_6), V4, 17, FRAG | PKT_F_FRAG_LATER, "127.0.0.1",
	  "127.0.0.1", .l3_len = 20, .ip_len = 68, .payload_len = 48, .payload_tot = 48,
	  .frag_off = 2960, .frag_id = 24321 },
	{ "icmp port unreachable", S(pkt_misc_7), V4, 1, L4, "127.0.0.1", "127.0.0.1",
	  .icmp_type = 3, .icmp_code = 3, .l3_len = 20, .l4_len = 8, .ip_len = 576,
	  .payload_len = 548, .payload_tot = 548 },
	{ "udp", S(pkt_misc_8), V4, 17, L4, "127.0.0.1", "127.0.0.1", .sport = 47231,
	  .dport = 9998, .l3_len = 20, .l4_len = 8, .ip_len = 33, .payload_len = 5,
	  .payload_tot = 5 },
	{ "udp6 hbh+rh+frag+dst first", S(pkt_misc_10), V6, 17, L4 | FRAG, "::1", "::1",
	  .sport = 56593, .dport = 9997, .l3_len = 88, .l4_len = 8, .ip_len = 1496,
	  .payload_len = 1400, .payload_tot = 1400, .frag_id = 0x33546068, .n_exthdrs = 4 },
	{ "udp6 later fragment", S(pkt_misc_11), V6, 60, FRAG | PKT_F_FRAG_LATER, "::1", "::1",
	  .l3_len = 80, .ip_len = 1496, .payload_len = 1416, .payload_tot = 1416,
	  .frag_off = 1416, .frag_id = 0x33546068, .n_exthdrs = 3 },
	{ "udp6 last fragment", S(pkt_misc_12), V6, 60, FRAG | PKT_F_FRAG_LATER, "::1", "::1",
	  .l3_len = 80, .ip_len = 264, .payload_len = 184, .payload_tot = 184,
	  .frag_off = 2832, .frag_id = 0x33546068, .n_exthdrs = 3 },
	{ "udp6", S(pkt_misc_13), V6, 17, L4, "::1", "::1", .sport = 46457, .dport = 9996,
	  .l3_len = 40, .l4_len = 8, .ip_len = 54, .payload_len = 6, .payload_tot = 6 },
	{ "icmpv6 port unreachable", S(pkt_misc_14), V6, 58, L4, "::1", "::1", .icmp_type = 1,
	  .icmp_code = 4, .l3_len = 40, .l4_len = 8, .ip_len = 102, .payload_len = 54,
	  .payload_tot = 54 },
	{ "sctp init", S(pkt_misc_15), V4, 132, L4, "127.0.0.1", "127.0.0.1", .sport = 5000,
	  .dport = 38412, .l3_len = 20, .l4_len = 12, .ip_len = 52, .payload_len = 20,
	  .payload_tot = 20 },
	{ "tcp syn", S(pkt_tls13_0), V4, 6, L4, "127.0.0.1", "127.0.0.1", .sport = 40498,
	  .dport = 4433, .tcp_flags = PKT_TCP_SYN, .seq = 3385644485U, .l3_len = 20,
	  .l4_len = 40, .ip_len = 60 },
	{ "tcp syn-ack", S(pkt_tls13_1), V4, 6, L4, "127.0.0.1", "127.0.0.1", .sport = 4433,
	  .dport = 40498, .tcp_flags = PKT_TCP_SYN | PKT_TCP_ACK, .seq = 1490881816U,
	  .ack = 3385644486U, .l3_len = 20, .l4_len = 40, .ip_len = 60 },
	{ "tcp clienthello", S(pkt_tls13_2), V4, 6, L4, "127.0.0.1", "127.0.0.1",
	  .sport = 40498, .dport = 4433, .tcp_flags = PKT_TCP_PSH | PKT_TCP_ACK,
	  .seq = 3385644486U, .ack = 1490881817U, .l3_len = 20, .l4_len = 32, .ip_len = 393,
	  .payload_len = 341, .payload_tot = 341 },
	{ "tcp6 syn", S(pkt_tls6_0), V6, 6, L4, "::1", "::1", .sport = 48646, .dport = 4433,
	  .tcp_flags = PKT_TCP_SYN, .seq = 2516678231U, .l3_len = 40, .l4_len = 40,
	  .ip_len = 80 },
	{ "tcp6 data", S(pkt_tls6_1), V6, 6, L4, "::1", "::1", .sport = 48646, .dport = 4433,
	  .tcp_flags = PKT_TCP_ACK, .seq = 2516678232U, .l3_len = 40, .l4_len = 32,
	  .ip_len = 1500, .payload_len = 1428, .payload_tot = 1428 },
	{ "udp dns response", S(pkt_dns_0), V4, 17, L4, "127.0.0.1", "127.0.0.1",
	  .sport = 5353, .dport = 46103, .l3_len = 20, .l4_len = 8, .ip_len = 169,
	  .payload_len = 141, .payload_tot = 141 },
};

static int parse_copy(const uint8_t *p, size_t len, struct pkt_hdrs *h)
{
	uint8_t *b = dup_exact(p, len);
	int r = pkt_parse(b, len, h);

	free(b);
	return r;
}

static void check_addr(const uint8_t *got, uint8_t family, const char *want)
{
	uint8_t a[16] = { 0 };

	ck_assert_int_eq(inet_pton(family, want, a), 1);
	ck_assert_mem_eq(got, a, 16);
}

START_TEST(test_samples)
{
	const struct pkt_case *c = &cases[_i];
	struct pkt_hdrs h;

	ck_assert_msg(pkt_parse(c->p, 0, &h) == -EMSGSIZE, "%s: empty", c->name);
	ck_assert_int_eq(parse_copy(c->p, c->len, &h), 0);
	ck_assert_uint_eq(h.family, c->family);
	ck_assert_uint_eq(h.l4proto, c->l4proto);
	ck_assert_uint_eq(h.flags, c->flags);
	check_addr(h.src, c->family, c->src);
	check_addr(h.dst, c->family, c->dst);
	ck_assert_uint_eq(h.sport, c->sport);
	ck_assert_uint_eq(h.dport, c->dport);
	ck_assert_uint_eq(h.tcp_flags, c->tcp_flags);
	ck_assert_uint_eq(h.seq, c->seq);
	if (c->ack)
		ck_assert_uint_eq(h.ack, c->ack);
	ck_assert_uint_eq(h.icmp_type, c->icmp_type);
	ck_assert_uint_eq(h.icmp_code, c->icmp_code);
	ck_assert_uint_eq(h.icmp_id, c->icmp_id);
	ck_assert_uint_eq(h.l3_len, c->l3_len);
	ck_assert_uint_eq(h.l4_len, c->l4_len);
	ck_assert_uint_eq(h.ip_len, c->ip_len);
	ck_assert_uint_eq(h.payload_off, (uint32_t)c->l3_len + c->l4_len);
	ck_assert_uint_eq(h.payload_len, c->payload_len);
	ck_assert_uint_eq(h.payload_tot, c->payload_tot);
	ck_assert_uint_eq(h.frag_off, c->frag_off);
	ck_assert_uint_eq(h.frag_id, c->frag_id);
	ck_assert_uint_eq(h.n_exthdrs, c->n_exthdrs);
	ck_assert_uint_eq(h.ttl, 64);
}
END_TEST

/* Every prefix: shorter than the headers is -EMSGSIZE; from there on it parses, flagged
 * truncated, with the same header fields and exactly the captured payload. */
START_TEST(test_prefixes)
{
	const struct pkt_case *c = &cases[_i];
	struct pkt_hdrs full, h;
	size_t k;
	int r;

	ck_assert_int_eq(parse_copy(c->p, c->len, &full), 0);
	for (k = 0; k < c->len; k++) {
		r = parse_copy(c->p, k, &h);
		if (k < full.payload_off) {
			ck_assert_msg(r == -EMSGSIZE, "%s: prefix %zu: %d", c->name, k, r);
			continue;
		}
		ck_assert_msg(r == 0, "%s: prefix %zu: %d", c->name, k, r);
		ck_assert_uint_eq(h.flags, full.flags | PKT_F_TRUNC);
		ck_assert_uint_eq(h.sport, full.sport);
		ck_assert_uint_eq(h.dport, full.dport);
		ck_assert_uint_eq(h.seq, full.seq);
		ck_assert_uint_eq(h.ip_len, full.ip_len);
		ck_assert_uint_eq(h.payload_off, full.payload_off);
		ck_assert_uint_eq(h.payload_tot, full.payload_tot);
		ck_assert_uint_eq(h.payload_len, k - full.payload_off);
	}
}
END_TEST

/* Bytes after the IP total length (padding) are not payload. */
START_TEST(test_trailing_bytes_ignored)
{
	uint8_t b[sizeof(pkt_misc_8) + 6];
	struct pkt_hdrs h;

	memcpy(b, pkt_misc_8, sizeof(pkt_misc_8));
	memset(b + sizeof(pkt_misc_8), 0xee, 6);
	ck_assert_int_eq(parse_copy(b, sizeof(b), &h), 0);
	ck_assert_uint_eq(h.payload_len, 5);
	ck_assert_uint_eq(h.flags, PKT_F_L4);
}
END_TEST

/* A hostile variant: a sample with some bytes overwritten, cut to len (0: full). */
struct mutation {
	const char *name;
	const uint8_t *p;
	size_t len;
	size_t cut;
	size_t off[3];
	uint8_t val[3];
	unsigned int n;
	int want;
};

#define M1(o, v) { o }, { v }, 1
#define M2(o1, v1, o2, v2) { o1, o2 }, { v1, v2 }, 2

static const struct mutation mutations[] = {
	{ "version 5", S(pkt_tls13_0), 0, M1(0, 0x55), -EPROTO },
	{ "version 0", S(pkt_tls13_0), 0, M1(0, 0x05), -EPROTO },
	{ "ihl 4", S(pkt_tls13_0), 0, M1(0, 0x44), -EPROTO },
	{ "ihl past total length", S(pkt_misc_0), 0, M1(0, 0x4f), -EPROTO },
	{ "ihl past capture", S(pkt_tls13_0), 22, M1(0, 0x46), -EMSGSIZE },
	{ "total length < ihl", S(pkt_tls13_0), 0, M2(2, 0, 3, 19), -EPROTO },
	{ "total length 0 (gso)", S(pkt_tls13_0), 0, M2(2, 0, 3, 0), -EPROTO },
	{ "tcp doff 4", S(pkt_tls13_0), 0, M1(32, 0x40), -EPROTO },
	{ "tcp doff 0", S(pkt_tls13_0), 0, M1(32, 0x00), -EPROTO },
	{ "tcp options past total", S(pkt_tls13_0), 0, M1(32, 0xf0), -EPROTO },
	{ "tcp header past total", S(pkt_tls13_0), 0, M2(2, 0, 3, 39), -EPROTO },
	{ "tiny first fragment", S(pkt_tls13_0), 0, M2(3, 28, 6, 0x20), -EPROTO },
	{ "udp length 7", S(pkt_misc_8), 0, M2(24, 0, 25, 7), -EPROTO },
	{ "udp length past ip", S(pkt_misc_8), 0, M2(24, 0, 25, 14), -EPROTO },
	{ "fragment past 64k", S(pkt_misc_6), 0, M2(6, 0x1f, 7, 0xff), -EPROTO },
	{ "icmp cut by total", S(pkt_misc_0), 0, M2(2, 0, 3, 27), -EPROTO },
	{ "ip6 payload short", S(pkt_tls6_0), 0, M2(4, 0, 5, 19), -EPROTO },
	{ "ip6 jumbo", S(pkt_misc_10), 0, M2(4, 0, 5, 0), -EPROTO },
	{ "ip6 hbh not first", S(pkt_misc_10), 0, M1(40, 0), -EPROTO },
	{ "ip6 ext past payload", S(pkt_misc_13), 0, M1(6, 60), -EPROTO },
	{ "ip6 ext length past", S(pkt_misc_10), 0, M1(41, 200), -EPROTO },
	{ "ip6 ext past capture", S(pkt_misc_10), 60, M1(41, 2), -EMSGSIZE },
	{ "ip6 two fragment hdrs", S(pkt_misc_10), 0, M1(80, 44), -EPROTO },
	{ "version 6 short", S(pkt_tls6_0), 39, M1(0, 0x60), -EMSGSIZE },
};

START_TEST(test_mutations)
{
	const struct mutation *m = &mutations[_i];
	size_t len = m->cut ? m->cut : m->len;
	uint8_t *b = dup_exact(m->p, len);
	struct pkt_hdrs h;
	unsigned int i;
	int r;

	for (i = 0; i < m->n; i++)
		b[m->off[i]] = m->val[i];
	r = pkt_parse(b, len, &h);
	ck_assert_msg(r == m->want, "%s: got %d, want %d", m->name, r, m->want);
	free(b);
}
END_TEST

/* Build an IPv6 packet: header, the extension headers in ext (their next-header bytes are
 * filled in), then l4. Returns its length. */
static size_t build6(uint8_t *b, const uint8_t *nh, unsigned int n_ext, uint8_t l4proto,
		     const uint8_t *l4, size_t l4len)
{
	size_t off = 40;
	unsigned int i;

	memcpy(b, pkt_tls6_0, 40);
	b[6] = n_ext ? nh[0] : l4proto;
	for (i = 0; i < n_ext; i++) {
		memset(b + off, 0, 8);
		b[off] = i + 1 < n_ext ? nh[i + 1] : l4proto;
		if (nh[i] == PKT_IPPROTO_AH)
			b[off + 1] = 0;		/* (0 + 2) * 4 = 8 bytes */
		off += 8;
	}
	if (l4len)
		memcpy(b + off, l4, l4len);
	off += l4len;
	b[4] = (uint8_t)((off - 40) >> 8);
	b[5] = (uint8_t)(off - 40);
	return off;
}

START_TEST(test_ip6_ext_chains)
{
	static const uint8_t dst8[8] = { 60, 60, 60, 60, 60, 60, 60, 60 };
	static const uint8_t dst9[9] = { 60, 60, 60, 60, 60, 60, 60, 60, 60 };
	static const uint8_t mixed[4] = { 0, 43, 51, 60 };
	static const uint8_t atomic[1] = { 44 };
	uint8_t b[256];
	struct pkt_hdrs h;
	size_t n;

	n = build6(b, dst8, 8, 6, pkt_tls6_0 + 40, 40);
	ck_assert_int_eq(parse_copy(b, n, &h), 0);
	ck_assert_uint_eq(h.n_exthdrs, 8);
	ck_assert_uint_eq(h.l3_len, 104);
	ck_assert_uint_eq(h.dport, 4433);
	n = build6(b, dst9, 9, 6, pkt_tls6_0 + 40, 40);
	ck_assert_int_eq(parse_copy(b, n, &h), -EPROTO);
	n = build6(b, mixed, 4, 6, pkt_tls6_0 + 40, 40);
	ck_assert_int_eq(parse_copy(b, n, &h), 0);
	ck_assert_uint_eq(h.l4proto, 6);
	ck_assert_uint_eq(h.sport, 48646);
	n = build6(b, atomic, 1, 6, pkt_tls6_0 + 40, 40);	/* offset 0, M=0 */
	ck_assert_int_eq(parse_copy(b, n, &h), 0);
	ck_assert_uint_eq(h.flags, PKT_F_L4);
	n = build6(b, NULL, 0, 59, NULL, 0);			/* no next header, empty */
	ck_assert_int_eq(parse_copy(b, n, &h), 0);
	ck_assert_uint_eq(h.l4proto, 59);
	ck_assert_uint_eq(h.payload_len, 0);
	n = build6(b, NULL, 0, 50, pkt_misc_8 + 20, 13);	/* ESP: opaque */
	ck_assert_int_eq(parse_copy(b, n, &h), 0);
	ck_assert_uint_eq(h.flags, 0);
	ck_assert_uint_eq(h.payload_len, 13);
}
END_TEST

Suite *suite_pkt(void);

Suite *suite_pkt(void)
{
	Suite *s = suite_create("pkt");
	TCase *tc = tcase_create("parse");

	tcase_add_loop_test(tc, test_samples, 0, ARRAY_SIZE(cases));
	tcase_add_loop_test(tc, test_prefixes, 0, ARRAY_SIZE(cases));
	tcase_add_test(tc, test_trailing_bytes_ignored);
	tcase_add_loop_test(tc, test_mutations, 0, ARRAY_SIZE(mutations));
	tcase_add_test(tc, test_ip6_ext_chains);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}
