/* SPDX-License-Identifier: GPL-2.0-only */
/* test_tls.c: ClientHello reassembly and parsing over real captures from openssl s_client
 * (tests/unit/data/tls_samples.h: one segment; > 1500 bytes over two segments; four records
 * over two segments, IPv6), every prefix, reordering and retransmission, hostile variants. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pkt.h"
#include "tls.h"
#include "data/tls_samples.h"
#include "exact.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

Suite *suite_tls(void);

struct seg {
	const uint8_t *p;
	size_t len;
	uint32_t seq;
};

struct tls_case {
	const char *name;
	struct seg segs[2];
	unsigned int n_segs;
	int bytes;			/* record bytes of the ClientHello */
	const char *sni;
	uint32_t flags;
	uint8_t n_alpn, n_versions;
	uint16_t max_version;
	uint16_t n_ext;
};

#define SEG(a, s) { a, sizeof(a), s }
#define SNI_ALPN_V (TLS_HELLO_SNI | TLS_HELLO_ALPN | TLS_HELLO_VERSIONS)

static const struct tls_case cases[] = {
	{ "tls13 one segment", { SEG(tls_tls13_0, TLS_TLS13_0_SEQ) }, 1, 341,
	  "portal.office.com", SNI_ALPN_V, 2, 4, 0x0304, 11 },
	{ "tls12 no sni", { SEG(tls_tls12_0, TLS_TLS12_0_SEQ) }, 1, 188, "", 0, 0, 0,
	  0x0303, 6 },
	{ "1909 bytes over two segments", { SEG(tls_big_0, TLS_BIG_0_SEQ),
	  SEG(tls_big_1, TLS_BIG_1_SEQ) }, 2, 1909, "login.microsoftonline.com", SNI_ALPN_V,
	  4, 4, 0x0304, 10 },
	{ "four records over two segments", { SEG(tls_frag6_0, TLS_FRAG6_0_SEQ),
	  SEG(tls_frag6_1, TLS_FRAG6_1_SEQ) }, 2, 1915, "teams.microsoft.com", SNI_ALPN_V,
	  3, 4, 0x0304, 10 },
};


static int parse_copy(const uint8_t *p, size_t len, struct tls_hello *h)
{
	uint8_t *b = dup_exact(p, len);
	int r = tls_sni_parse(b, len, h);

	free(b);
	return r;
}

static int is_hello_copy(const uint8_t *p, size_t len)
{
	uint8_t *b = dup_exact(p, len);
	int r = tls_is_client_hello(b, len);

	free(b);
	return r;
}

static int feed_copy(struct tls_acc *a, uint32_t seq, const uint8_t *p, size_t len)
{
	uint8_t *b = dup_exact(p, len);
	int r = tls_acc_feed(a, seq, b, len);

	free(b);
	return r;
}

/* The case's stream, concatenated, in a static buffer. */
static size_t stream(const struct tls_case *c, uint8_t *out)
{
	size_t n = 0;
	unsigned int i;

	for (i = 0; i < c->n_segs; i++) {
		memcpy(out + n, c->segs[i].p, c->segs[i].len);
		n += c->segs[i].len;
	}
	return n;
}

static void check_hello(const struct tls_case *c, const struct tls_hello *h)
{
	ck_assert_str_eq(h->sni, c->sni);
	ck_assert_uint_eq(h->flags, c->flags);
	ck_assert_uint_eq(h->n_alpn, c->n_alpn);
	ck_assert_uint_eq(h->n_versions, c->n_versions);
	ck_assert_uint_eq(h->max_version, c->max_version);
	ck_assert_uint_eq(h->legacy_version, 0x0303);
	ck_assert_uint_eq(h->record_version, 0x0301);
	ck_assert_uint_eq(h->n_ext, c->n_ext);
	if (c->n_versions)
		ck_assert_uint_eq(h->versions[0], 0x0304);
}

START_TEST(test_samples_feed)
{
	const struct tls_case *c = &cases[_i];
	static struct tls_acc a;
	struct tls_hello h;
	unsigned int i;
	int r = 0;

	tls_acc_init(&a);
	for (i = 0; i < c->n_segs; i++) {
		r = feed_copy(&a, c->segs[i].seq, c->segs[i].p, c->segs[i].len);
		ck_assert_int_eq(r, i + 1 < c->n_segs ? -EAGAIN : c->bytes);
	}
	ck_assert_int_eq(tls_acc_feed(&a, c->segs[0].seq, NULL, 0), c->bytes);	/* sticky */
	ck_assert_int_eq(parse_copy(a.buf, (size_t)r, &h), c->bytes);
	check_hello(c, &h);
	ck_assert_int_eq(is_hello_copy(a.buf, a.len), 1);
}
END_TEST

/* Every strict prefix needs more data; nothing is misread as complete or malformed. */
START_TEST(test_prefixes)
{
	const struct tls_case *c = &cases[_i];
	static uint8_t s[4096];
	static struct tls_acc a;
	struct tls_hello h;
	size_t n = stream(c, s), k;

	for (k = 0; k < (size_t)c->bytes; k++) {
		ck_assert_msg(parse_copy(s, k, &h) == -EAGAIN, "%s: prefix %zu", c->name, k);
		tls_acc_init(&a);
		ck_assert_int_eq(feed_copy(&a, 1000, s, k), -EAGAIN);
	}
	ck_assert_int_eq(parse_copy(s, n, &h), c->bytes);
}
END_TEST

/* Any segmentation, with every segment also sent twice and overlapping its predecessor,
 * completes at the same byte with the same result. */
START_TEST(test_resegmented)
{
	static const size_t sizes[] = { 1, 3, 7, 100, 536, 1200, 4000 };
	const struct tls_case *c = &cases[_i];
	static uint8_t s[4096];
	static struct tls_acc a;
	struct tls_hello h;
	size_t n = stream(c, s), z, off, len;
	uint32_t seq0 = 0xfffffff0U;	/* wraps */
	int r;

	for (z = 0; z < ARRAY_SIZE(sizes); z++) {
		tls_acc_init_seq(&a, seq0);
		r = -EAGAIN;
		for (off = 0; off < n && r == -EAGAIN; off += sizes[z]) {
			len = n - off < sizes[z] ? n - off : sizes[z];
			if (off >= 2)		/* retransmission overlapping the previous one */
				ck_assert_int_eq(feed_copy(&a, seq0 + off - 2, s + off - 2, 2),
						 -EAGAIN);
			r = feed_copy(&a, seq0 + (uint32_t)off, s + off, len);
			ck_assert_msg(r == -EAGAIN || off + len >= (size_t)c->bytes,
				      "%s: size %zu off %zu: %d", c->name, sizes[z], off, r);
		}
		ck_assert_int_eq(r, c->bytes);
		ck_assert_int_eq(tls_sni_parse(a.buf, (size_t)r, &h), c->bytes);
		check_hello(c, &h);
	}
}
END_TEST

/* The second segment first: with a known ISN it is a gap (-ERANGE, not stored); the
 * retransmission after the first completes it. */
START_TEST(test_reordered)
{
	const struct tls_case *c = &cases[2];
	static struct tls_acc a;
	struct tls_hello h;
	int r;

	tls_acc_init_seq(&a, c->segs[0].seq);
	ck_assert_int_eq(feed_copy(&a, c->segs[1].seq, c->segs[1].p, c->segs[1].len), -ERANGE);
	ck_assert_uint_eq(a.len, 0);
	ck_assert_int_eq(feed_copy(&a, c->segs[0].seq, c->segs[0].p, c->segs[0].len), -EAGAIN);
	r = feed_copy(&a, c->segs[1].seq, c->segs[1].p, c->segs[1].len);
	ck_assert_int_eq(r, c->bytes);
	ck_assert_int_eq(tls_sni_parse(a.buf, (size_t)r, &h), c->bytes);
	ck_assert_str_eq(h.sni, "login.microsoftonline.com");

	/* Without the ISN the later segment anchors the stream: not a ClientHello start. */
	tls_acc_init(&a);
	ck_assert_int_eq(feed_copy(&a, c->segs[1].seq, c->segs[1].p, c->segs[1].len), -EPROTO);
	ck_assert_int_eq(feed_copy(&a, c->segs[0].seq, c->segs[0].p, c->segs[0].len), -EPROTO);
}
END_TEST

/* A retransmission that disagrees with what was accepted is an evasion attempt. */
START_TEST(test_conflicting_retransmission)
{
	const struct tls_case *c = &cases[2];
	static struct tls_acc a;
	uint8_t *b = dup_exact(c->segs[0].p, c->segs[0].len);

	tls_acc_init(&a);
	ck_assert_int_eq(tls_acc_feed(&a, c->segs[0].seq, b, c->segs[0].len), -EAGAIN);
	b[200] ^= 0x20;
	ck_assert_int_eq(tls_acc_feed(&a, c->segs[0].seq, b, c->segs[0].len), -EPROTO);
	ck_assert_int_eq(feed_copy(&a, c->segs[1].seq, c->segs[1].p, c->segs[1].len), -EPROTO);
	free(b);
}
END_TEST

/* Old bytes before seq0 are trimmed; a segment entirely before it changes nothing. */
START_TEST(test_old_bytes_trimmed)
{
	static uint8_t s[400];
	static struct tls_acc a;
	const uint32_t seq0 = 5000;

	memset(s, 0xaa, 10);
	memcpy(s + 10, tls_tls13_0, sizeof(tls_tls13_0));
	tls_acc_init_seq(&a, seq0);
	ck_assert_int_eq(feed_copy(&a, seq0 - 10, s, 8), -EAGAIN);
	ck_assert_uint_eq(a.len, 0);
	ck_assert_int_eq(feed_copy(&a, seq0 - 10, s, 10 + sizeof(tls_tls13_0)), 341);
	ck_assert_int_eq(tls_acc_append(&a, seq0 + 341, s, 1), 342);	/* plain append */
}
END_TEST

START_TEST(test_not_client_hello)
{
	static const uint8_t http[] = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
	static const uint8_t ssh[] = "SSH-2.0-OpenSSH_9.2p1\r\n";
	static struct tls_acc a;
	struct tls_hello h;

	ck_assert_int_eq(is_hello_copy(tls_srv_0, sizeof(tls_srv_0)), 0);
	ck_assert_int_eq(parse_copy(tls_srv_0, sizeof(tls_srv_0), &h), -EPROTO);
	tls_acc_init(&a);
	ck_assert_int_eq(feed_copy(&a, 1, tls_srv_0, sizeof(tls_srv_0)), -EPROTO);
	ck_assert_int_eq(is_hello_copy(http, sizeof(http) - 1), 0);
	ck_assert_int_eq(parse_copy(http, sizeof(http) - 1, &h), -EPROTO);
	tls_acc_init(&a);
	ck_assert_int_eq(feed_copy(&a, 1, ssh, 1), -EPROTO);	/* decided on the 1st byte */
	ck_assert_int_eq(is_hello_copy(tls_tls13_0, 0), -EAGAIN);
	ck_assert_int_eq(is_hello_copy(tls_tls13_0, 3), 1);
}
END_TEST

/* The engine path: pkt_parse() on the captured IP packets, then the payloads in order. */
START_TEST(test_from_packets)
{
	static const struct seg pkts[] = { SEG(tls_big_ip_0, 0), SEG(tls_big_ip_1, 0) };
	static struct tls_acc a;
	struct pkt_hdrs ph;
	struct tls_hello h;
	unsigned int i;
	uint8_t *b;
	int r = 0;

	for (i = 0; i < ARRAY_SIZE(pkts); i++) {
		b = dup_exact(pkts[i].p, pkts[i].len);
		ck_assert_int_eq(pkt_parse(b, pkts[i].len, &ph), 0);
		if (i == 0)
			tls_acc_init_seq(&a, ph.seq);
		r = tls_acc_feed(&a, ph.seq, b + ph.payload_off, ph.payload_len);
		ck_assert_int_eq(r, i == 0 ? -EAGAIN : 1909);
		free(b);
	}
	ck_assert_int_eq(parse_copy(a.buf, (size_t)r, &h), 1909);
	ck_assert_str_eq(h.sni, "login.microsoftonline.com");
}
END_TEST

/* ---- crafted ClientHellos ---- */

struct buf {
	uint8_t b[20000];
	size_t n;
};

static void put(struct buf *b, const void *p, size_t n)
{
	ck_assert_uint_le(b->n + n, sizeof(b->b));
	memcpy(b->b + b->n, p, n);
	b->n += n;
}

static void put_be(struct buf *b, uint32_t v, unsigned int bytes)
{
	while (bytes--) {
		uint8_t c = (uint8_t)(v >> (8 * bytes));

		put(b, &c, 1);
	}
}

static void ext(struct buf *b, uint16_t type, const void *p, size_t n)
{
	put_be(b, type, 2);
	put_be(b, (uint32_t)n, 2);
	put(b, p, n);
}

/* server_name with one host_name entry */
static void ext_sni(struct buf *b, const char *name, size_t n)
{
	struct buf d = { .n = 0 };

	put_be(&d, (uint32_t)n + 3, 2);
	put_be(&d, 0, 1);
	put_be(&d, (uint32_t)n, 2);
	put(&d, name, n);
	ext(b, TLS_EXT_SERVER_NAME, d.b, d.n);
}

/* A ClientHello around the extensions block e, in records of at most frag bytes. */
static void hello(struct buf *out, const struct buf *e, size_t frag)
{
	static const uint8_t tail[] = { 0, 0, 2, 0x13, 0x01, 1, 0 };	/* sid, suites, comp */
	static struct buf m;
	size_t off, k;

	m.n = 0;
	put_be(&m, 1, 1);
	put_be(&m, (uint32_t)(2 + 32 + sizeof(tail) + 2 + e->n), 3);
	put_be(&m, 0x0303, 2);
	memset(m.b + m.n, 0x5a, 32);
	m.n += 32;
	put(&m, tail, sizeof(tail));
	put_be(&m, (uint32_t)e->n, 2);
	put(&m, e->b, e->n);
	out->n = 0;
	for (off = 0; off < m.n; off += k) {
		k = m.n - off < frag ? m.n - off : frag;
		put_be(out, 0x160301, 3);
		put_be(out, (uint32_t)k, 2);
		put(out, m.b + off, k);
	}
}

static int parse_exts(const struct buf *e, size_t frag, struct tls_hello *h)
{
	static struct buf rec;

	hello(&rec, e, frag);
	return parse_copy(rec.b, rec.n, h);
}

struct name_case {
	const char *name;
	size_t len;
	int want;
	const char *sni;
};

#define N(s, want, sni) { s, sizeof(s) - 1, want, sni }
#define L63 "abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyza"
#define L62 "abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz"
#define L61 "abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxy"

static const struct name_case names[] = {
	N("Www.Example.LG.JP", 17, "www.example.lg.jp"),
	N("a", 1, "a"),
	N("xn--eckwd4c7c.xn--zckzah", 24, "xn--eckwd4c7c.xn--zckzah"),
	N("_dmarc.example.com", 18, "_dmarc.example.com"),
	N(L63 "." L63 "." L63 "." L61, 253, NULL),
	N(L63 "." L63 "." L63 "." L62, -EPROTO, NULL),	/* 254 */
	N(L63 "b.example", -EPROTO, NULL),			/* label of 64 */
	N("", -EPROTO, NULL),
	N("example.com.", -EPROTO, NULL),
	N(".example.com", -EPROTO, NULL),
	N("a..b", -EPROTO, NULL),
	N("exa\0mple.com", -EPROTO, NULL),
	N("example.com\0", -EPROTO, NULL),
	N("caf\xc3\xa9.example", -EPROTO, NULL),
	N("ex ample.com", -EPROTO, NULL),
	N("example.com:443", -EPROTO, NULL),
	N("*.example.com", -EPROTO, NULL),
	N("[::1]", -EPROTO, NULL),
	N("1.2.3.4", 7, "1.2.3.4"),
};

START_TEST(test_sni_names)
{
	const struct name_case *c = &names[_i];
	static struct buf e;
	struct tls_hello h;
	int r;

	e.n = 0;
	ext_sni(&e, c->name, c->len);
	r = parse_exts(&e, 16384, &h);
	if (c->want < 0) {
		ck_assert_msg(r == c->want, "'%s': %d", c->name, r);
		return;
	}
	ck_assert_int_gt(r, 0);
	ck_assert_uint_eq(strlen(h.sni), (size_t)c->want);
	ck_assert_uint_eq(h.flags, TLS_HELLO_SNI);
	if (c->sni)
		ck_assert_str_eq(h.sni, c->sni);
}
END_TEST

/* Raw extension blocks: each entry is (type, length, data) as on the wire. */
struct ext_case {
	const char *name;
	const uint8_t *e;
	size_t len;
	int want;
	uint32_t flags;
};

static const uint8_t e_dup_sni[] = { 0, 0, 0, 8, 0, 6, 0, 0, 3, 'a', '.', 'b',
				     0, 0, 0, 8, 0, 6, 0, 0, 3, 'a', '.', 'b' };
static const uint8_t e_two_names[] = { 0, 0, 0, 14, 0, 12, 0, 0, 3, 'a', '.', 'b',
				       0, 0, 3, 'c', '.', 'd' };
static const uint8_t e_two_types[] = { 0, 0, 0, 14, 0, 12, 0, 0, 3, 'a', '.', 'b',
				       1, 0, 3, 'c', '.', 'd' };
static const uint8_t e_type1[] = { 0, 0, 0, 8, 0, 6, 1, 0, 3, 'a', '.', 'b' };
static const uint8_t e_list_long[] = { 0, 0, 0, 8, 0, 7, 0, 0, 3, 'a', '.', 'b' };
static const uint8_t e_list_short[] = { 0, 0, 0, 8, 0, 5, 0, 0, 3, 'a', '.', 'b' };
static const uint8_t e_name_long[] = { 0, 0, 0, 8, 0, 6, 0, 0, 4, 'a', '.', 'b' };
static const uint8_t e_sni_empty_ext[] = { 0, 0, 0, 0 };
static const uint8_t e_sni_empty_list[] = { 0, 0, 0, 2, 0, 0 };
static const uint8_t e_ext_past_block[] = { 0, 0, 0, 9, 0, 6, 0, 0, 3, 'a', '.', 'b' };
static const uint8_t e_ext_cut[] = { 0, 0, 0 };
static const uint8_t e_ech[] = { 0, 0, 0, 8, 0, 6, 0, 0, 3, 'a', '.', 'b',
				 0xfe, 0x0d, 0, 4, 0, 0, 1, 0 };
static const uint8_t e_ech_empty[] = { 0xfe, 0x0d, 0, 0 };
static const uint8_t e_grease[] = { 0, 0x2b, 0, 7, 6, 0x0a, 0x0a, 0x03, 0x04, 0xfa, 0xfa,
				    0x0a, 0x0a, 0, 0 };
static const uint8_t e_versions_odd[] = { 0, 0x2b, 0, 4, 3, 3, 4, 3 };
static const uint8_t e_versions_dup[] = { 0, 0x2b, 0, 3, 2, 3, 4, 0, 0x2b, 0, 3, 2, 3, 3 };
static const uint8_t e_alpn[] = { 0, 0x10, 0, 6, 0, 4, 1, 'a', 1, 'b' };
static const uint8_t e_alpn_dup[] = { 0, 0x10, 0, 4, 0, 2, 1, 'a', 0, 0x10, 0, 4, 0, 2, 1,
				      'a' };
static const uint8_t e_alpn_empty_proto[] = { 0, 0x10, 0, 5, 0, 3, 1, 'a', 0 };
static const uint8_t e_alpn_empty[] = { 0, 0x10, 0, 2, 0, 0 };
static const uint8_t e_unknown_dup[] = { 0x12, 0x34, 0, 0, 0x12, 0x34, 0, 0 };

#define E(a, want, flags) { #a, a, sizeof(a), want, flags }

static const struct ext_case ext_cases[] = {
	E(e_dup_sni, -EPROTO, 0),
	E(e_two_names, -EPROTO, 0),
	E(e_two_types, -EPROTO, 0),
	E(e_type1, -EPROTO, 0),
	E(e_list_long, -EPROTO, 0),
	E(e_list_short, -EPROTO, 0),
	E(e_name_long, -EPROTO, 0),
	E(e_sni_empty_ext, -EPROTO, 0),
	E(e_sni_empty_list, -EPROTO, 0),
	E(e_ext_past_block, -EPROTO, 0),
	E(e_ext_cut, -EPROTO, 0),
	E(e_ech, 1, TLS_HELLO_SNI | TLS_HELLO_ECH),
	E(e_ech_empty, -EPROTO, 0),
	E(e_grease, 1, TLS_HELLO_VERSIONS),
	E(e_versions_odd, -EPROTO, 0),
	E(e_versions_dup, -EPROTO, 0),
	E(e_alpn, 1, TLS_HELLO_ALPN),
	E(e_alpn_dup, -EPROTO, 0),
	E(e_alpn_empty_proto, -EPROTO, 0),
	E(e_alpn_empty, -EPROTO, 0),
	E(e_unknown_dup, 1, 0),
};

START_TEST(test_extensions)
{
	const struct ext_case *c = &ext_cases[_i];
	static struct buf e;
	struct tls_hello h;
	int r;

	e.n = 0;
	put(&e, c->e, c->len);
	r = parse_exts(&e, 16384, &h);
	if (c->want < 0) {
		ck_assert_msg(r == c->want, "%s: %d", c->name, r);
		return;
	}
	ck_assert_msg(r > 0, "%s: %d", c->name, r);
	ck_assert_uint_eq(h.flags, c->flags);
}
END_TEST

START_TEST(test_extension_values)
{
	static struct buf e;
	struct tls_hello h;

	e.n = 0;
	put(&e, e_grease, sizeof(e_grease));
	ck_assert_int_gt(parse_exts(&e, 16384, &h), 0);
	ck_assert_uint_eq(h.n_versions, 1);		/* 0x0a0a and 0xfafa skipped */
	ck_assert_uint_eq(h.versions[0], 0x0304);
	ck_assert_uint_eq(h.max_version, 0x0304);
	e.n = 0;
	put(&e, e_ech, sizeof(e_ech));
	ck_assert_int_gt(parse_exts(&e, 16384, &h), 0);
	ck_assert_str_eq(h.sni, "a.b");			/* the outer name only */
	e.n = 0;
	put(&e, e_alpn, sizeof(e_alpn));
	ck_assert_int_gt(parse_exts(&e, 16384, &h), 0);
	ck_assert_uint_eq(h.n_alpn, 2);
	ck_assert_uint_eq(h.n_ext, 1);
}
END_TEST

/* The handshake message split over records of every size from 1 byte (too many records)
 * up: the same answer whenever it fits in TLS_RECORDS_MAX records. */
START_TEST(test_record_fragmentation)
{
	static struct buf e, rec;
	struct tls_hello h;
	size_t frag, msg;
	int r;

	e.n = 0;
	ext_sni(&e, "frag.example.jp", 15);
	hello(&rec, &e, 16384);
	msg = rec.n - 5;
	for (frag = 1; frag <= msg; frag++) {
		hello(&rec, &e, frag);
		r = parse_copy(rec.b, rec.n, &h);
		if ((msg + frag - 1) / frag > TLS_RECORDS_MAX) {
			ck_assert_int_eq(r, -EPROTO);
			continue;
		}
		ck_assert_int_eq(r, (int)rec.n);
		ck_assert_str_eq(h.sni, "frag.example.jp");
	}
}
END_TEST

/* Record layer and handshake header: raw bytes patched into a good ClientHello. */
START_TEST(test_framing)
{
	static struct buf e, rec;
	struct tls_hello h;
	uint8_t *b;

	e.n = 0;
	ext_sni(&e, "a.b", 3);
	hello(&rec, &e, 16384);
	b = rec.b;
	ck_assert_int_eq(parse_copy(b, rec.n, &h), (int)rec.n);
	b[0] = 23;					/* application data */
	ck_assert_int_eq(parse_copy(b, rec.n, &h), -EPROTO);
	b[0] = 22;
	b[1] = 2;					/* SSL 2 version */
	ck_assert_int_eq(parse_copy(b, rec.n, &h), -EPROTO);
	b[1] = 3;
	b[2] = 5;
	ck_assert_int_eq(parse_copy(b, rec.n, &h), -EPROTO);
	b[2] = 1;
	b[5] = 2;					/* ServerHello */
	ck_assert_int_eq(parse_copy(b, rec.n, &h), -EPROTO);
	b[5] = 1;
	b[8]++;						/* handshake longer: more records */
	ck_assert_int_eq(parse_copy(b, rec.n, &h), -EAGAIN);
	b[8] -= 2;					/* shorter: trailing record bytes */
	ck_assert_int_eq(parse_copy(b, rec.n, &h), -EPROTO);
	b[8]++;
	b[43] = 33;					/* session id > 32 */
	ck_assert_int_eq(parse_copy(b, rec.n, &h), -EPROTO);
	b[43] = 0;
	b[45] = 3;					/* odd cipher suites length */
	ck_assert_int_eq(parse_copy(b, rec.n, &h), -EPROTO);
	b[45] = 2;
	b[3] = 0;
	b[4] = 0;					/* empty record */
	ck_assert_int_eq(parse_copy(b, rec.n, &h), -EPROTO);
	b[3] = 0x40;
	b[4] = 1;					/* 16385: over 2^14 */
	ck_assert_int_eq(parse_copy(b, rec.n, &h), -EPROTO);
}
END_TEST

/* No extensions at all (TLS 1.2 and older may): valid, nothing found. */
START_TEST(test_no_extensions)
{
	static const uint8_t rec[] = {
		22, 3, 1, 0, 45, 1, 0, 0, 41, 3, 3,
		1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
		1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
		0, 0, 2, 0, 0x2f, 1, 0,
	};
	struct tls_hello h;

	ck_assert_int_eq(parse_copy(rec, sizeof(rec), &h), (int)sizeof(rec));
	ck_assert_uint_eq(h.flags, 0);
	ck_assert_str_eq(h.sni, "");
	ck_assert_uint_eq(h.max_version, 0x0303);
	ck_assert_int_eq(parse_copy(rec, sizeof(rec) - 1, &h), -EAGAIN);
}
END_TEST

/* Larger than we buffer: -EMSGSIZE from both the parser and the accumulator. */
START_TEST(test_too_big)
{
	static struct buf e, rec;
	static struct tls_acc a;
	static uint8_t pad[TLS_ACC_SIZE];
	struct tls_hello h;
	size_t off;
	int r = -EAGAIN;

	e.n = 0;
	ext_sni(&e, "big.example", 11);
	ext(&e, TLS_EXT_PADDING, pad, 16340);
	hello(&rec, &e, 16384);
	ck_assert_int_eq(parse_copy(rec.b, rec.n, &h), -EMSGSIZE);
	tls_acc_init(&a);
	ck_assert_int_eq(feed_copy(&a, 7, rec.b, 9), -EMSGSIZE);	/* known from the header */

	e.n = 0;					/* fits as a message, not buffered */
	ext_sni(&e, "big.example", 11);
	ext(&e, TLS_EXT_PADDING, pad, 16250);
	hello(&rec, &e, 1000);			/* 17 records: 16406 bytes */
	ck_assert_int_gt(parse_copy(rec.b, rec.n, &h), 0);
	tls_acc_init(&a);
	for (off = 0; off < rec.n && r == -EAGAIN; off += 1000)
		r = feed_copy(&a, 7 + (uint32_t)off, rec.b + off,
			      rec.n - off < 1000 ? rec.n - off : 1000);
	ck_assert_int_eq(r, -EMSGSIZE);
	ck_assert_int_eq(feed_copy(&a, 7, rec.b, 10), -EMSGSIZE);		/* sticky */
}
END_TEST

Suite *suite_tls(void)
{
	Suite *s = suite_create("tls");
	TCase *tc = tcase_create("captures");
	TCase *th = tcase_create("hostile");

	tcase_add_loop_test(tc, test_samples_feed, 0, ARRAY_SIZE(cases));
	tcase_add_loop_test(tc, test_prefixes, 0, ARRAY_SIZE(cases));
	tcase_add_loop_test(tc, test_resegmented, 0, ARRAY_SIZE(cases));
	tcase_add_test(tc, test_reordered);
	tcase_add_test(tc, test_conflicting_retransmission);
	tcase_add_test(tc, test_old_bytes_trimmed);
	tcase_add_test(tc, test_not_client_hello);
	tcase_add_test(tc, test_from_packets);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	tcase_add_loop_test(th, test_sni_names, 0, ARRAY_SIZE(names));
	tcase_add_loop_test(th, test_extensions, 0, ARRAY_SIZE(ext_cases));
	tcase_add_test(th, test_extension_values);
	tcase_add_test(th, test_record_fragmentation);
	tcase_add_test(th, test_framing);
	tcase_add_test(th, test_no_extensions);
	tcase_add_test(th, test_too_big);
	tcase_set_timeout(th, 60);
	suite_add_tcase(s, th);
	return s;
}
