/* SPDX-License-Identifier: GPL-2.0-only */
/* tls.c: ClientHello reassembly over TCP segments and TLS records, and its SNI/ALPN/ECH/
 * supported_versions. Pure: no syscalls, no logging, no allocation. The handshake message is
 * read in place through a fragment table, never copied; every read is bounds-checked. */
#include <errno.h>
#include <string.h>

#include "dns.h"
#include "tls.h"

#define TLS_REC_HDR		5
#define TLS_HS_HDR		4
#define TLS_REC_MAX		16384	/* 2^14: largest plaintext record */
#define TLS_CT_HANDSHAKE	22
#define TLS_HS_CLIENT_HELLO	1

/* The handshake message: the payloads of consecutive records, read as one byte string. */
struct hs_msg {
	const uint8_t *p;
	unsigned int n;
	size_t off[TLS_RECORDS_MAX];	/* where fragment i starts in p */
	size_t len[TLS_RECORDS_MAX];
	size_t total;
};

/* A window [pos, end) of the message, end <= total. */
struct rd {
	const struct hs_msg *m;
	size_t pos, end;
};

/* One extension we read: its flag doubles as the "seen" bit that rejects repeats. */
struct ext_parser {
	uint16_t type;
	uint32_t flag;
	int (*parse)(struct rd *e, struct tls_hello *h);
};

static uint16_t rd_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Byte pos (< m->total) of the message. */
static uint8_t msg_at(const struct hs_msg *m, size_t pos)
{
	unsigned int i = 0;

	while (pos >= m->len[i])
		pos -= m->len[i++];
	return m->p[m->off[i] + pos];
}

static bool rd_uint(struct rd *r, unsigned int n, uint32_t *v)
{
	uint32_t x = 0;

	if (r->end - r->pos < n)
		return false;
	while (n--)
		x = x << 8 | msg_at(r->m, r->pos++);
	*v = x;
	return true;
}

static bool rd_skip(struct rd *r, size_t n)
{
	if (r->end - r->pos < n)
		return false;
	r->pos += n;
	return true;
}

/* A vector with a 1- or 2-byte length prefix: sub is its body. */
static bool rd_vec(struct rd *r, unsigned int lenbytes, struct rd *sub)
{
	uint32_t n;

	if (!rd_uint(r, lenbytes, &n) || r->end - r->pos < n)
		return false;
	sub->m = r->m;
	sub->pos = r->pos;
	sub->end = r->pos + n;
	r->pos += n;
	return true;
}

static size_t rd_left(const struct rd *r)
{
	return r->end - r->pos;
}

/* The first n (<= 5) bytes of a record header: handshake, version 3.x (x <= 4), length. */
static bool rec_hdr_ok(const uint8_t *q, size_t n)
{
	if ((n >= 1 && q[0] != TLS_CT_HANDSHAKE) || (n >= 2 && q[1] != 3) || (n >= 3 && q[2] > 4))
		return false;
	return n < 5 || (rd_be16(q + 3) != 0 && rd_be16(q + 3) <= TLS_REC_MAX);
}

int tls_is_client_hello(const uint8_t *p, size_t len)
{
	if (len == 0)
		return -EAGAIN;
	if (!rec_hdr_ok(p, len < TLS_REC_HDR ? len : TLS_REC_HDR))
		return 0;
	return len <= TLS_REC_HDR || p[TLS_REC_HDR] == TLS_HS_CLIENT_HELLO;
}

/* Once 4 message bytes are in: the ClientHello header gives the total message length. */
static int hs_need(const struct hs_msg *m, size_t *need)
{
	size_t n;

	if (*need || m->total < TLS_HS_HDR)
		return 0;
	n = (size_t)msg_at(m, 1) << 16 | (size_t)msg_at(m, 2) << 8 | msg_at(m, 3);
	if (n > TLS_HELLO_MAX - TLS_HS_HDR)
		return -EMSGSIZE;
	*need = TLS_HS_HDR + n;
	return 0;
}

/* Walk the handshake records at p into m until the ClientHello is complete. Returns the
 * record bytes it takes; a last record with more than the message is -EPROTO. */
static int hs_records(const uint8_t *p, size_t len, struct hs_msg *m)
{
	size_t off = 0, need = 0, rlen, got;
	int r;

	m->p = p;
	m->n = 0;
	m->total = 0;
	for (;;) {
		if (len - off < TLS_REC_HDR)
			return rec_hdr_ok(p + off, len - off) ? -EAGAIN : -EPROTO;
		if (!rec_hdr_ok(p + off, TLS_REC_HDR) || m->n == TLS_RECORDS_MAX)
			return -EPROTO;
		rlen = rd_be16(p + off + 3);
		got = len - off - TLS_REC_HDR < rlen ? len - off - TLS_REC_HDR : rlen;
		m->off[m->n] = off + TLS_REC_HDR;
		m->len[m->n++] = got;
		m->total += got;
		if (m->total && msg_at(m, 0) != TLS_HS_CLIENT_HELLO)
			return -EPROTO;
		r = hs_need(m, &need);
		if (r < 0)
			return r;
		if (got < rlen)
			return -EAGAIN;
		off += TLS_REC_HDR + rlen;
		if (need && m->total >= need)
			return m->total == need ? (int)off : -EPROTO;
	}
}

/* RFC 6066 3: exactly one entry, of type host_name; the name must be a valid host name. */
static int ext_sni(struct rd *e, struct tls_hello *h)
{
	struct rd list, name;
	uint8_t buf[TLS_SNI_MAX];
	uint32_t type;
	size_t i, n;

	if (!rd_vec(e, 2, &list) || rd_left(e) || !rd_uint(&list, 1, &type) || type != 0 ||
	    !rd_vec(&list, 2, &name) || rd_left(&list))
		return -EPROTO;
	n = rd_left(&name);
	if (n == 0 || n > TLS_SNI_MAX)
		return -EPROTO;
	for (i = 0; i < n; i++)
		buf[i] = msg_at(name.m, name.pos + i);
	return dns_host_norm(buf, n, h->sni, sizeof(h->sni)) < 0 ? -EPROTO : 0;
}

static int ext_alpn(struct rd *e, struct tls_hello *h)
{
	struct rd list, proto;

	if (!rd_vec(e, 2, &list) || rd_left(e) || !rd_left(&list))
		return -EPROTO;
	while (rd_left(&list)) {
		if (!rd_vec(&list, 1, &proto) || !rd_left(&proto))
			return -EPROTO;
		if (h->n_alpn < UINT8_MAX)
			h->n_alpn++;
	}
	return 0;
}

static bool is_grease(uint32_t v)
{
	return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

static int ext_versions(struct rd *e, struct tls_hello *h)
{
	struct rd list;
	uint32_t v, max = 0;

	if (!rd_vec(e, 1, &list) || rd_left(e) || !rd_left(&list) || rd_left(&list) % 2)
		return -EPROTO;
	while (rd_uint(&list, 2, &v)) {
		if (is_grease(v))
			continue;
		if (h->n_versions < TLS_VERSIONS_MAX)
			h->versions[h->n_versions++] = (uint16_t)v;
		if (v > max)
			max = v;
	}
	if (max)
		h->max_version = (uint16_t)max;
	return 0;
}

static int ext_ech(struct rd *e, struct tls_hello *h)
{
	(void)h;
	return rd_left(e) ? 0 : -EPROTO;
}

static const struct ext_parser ext_parsers[] = {
	{ TLS_EXT_SERVER_NAME, TLS_HELLO_SNI, ext_sni },
	{ TLS_EXT_ALPN, TLS_HELLO_ALPN, ext_alpn },
	{ TLS_EXT_SUPPORTED_VERSIONS, TLS_HELLO_VERSIONS, ext_versions },
	{ TLS_EXT_ECH, TLS_HELLO_ECH, ext_ech },
};

static int exts(struct rd *r, struct tls_hello *h)
{
	struct rd e;
	uint32_t type;
	size_t i;
	int rc;

	while (rd_left(r)) {
		if (!rd_uint(r, 2, &type) || !rd_vec(r, 2, &e))
			return -EPROTO;
		h->n_ext++;
		for (i = 0; i < sizeof(ext_parsers) / sizeof(ext_parsers[0]); i++) {
			if (ext_parsers[i].type != type)
				continue;
			if (h->flags & ext_parsers[i].flag)
				return -EPROTO;		/* repeated extension */
			h->flags |= ext_parsers[i].flag;
			rc = ext_parsers[i].parse(&e, h);
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}

/* ClientHello body: version, random, session id, cipher suites, compression, extensions. */
static int hello_body(struct rd *r, struct tls_hello *h)
{
	struct rd v;
	uint32_t ver;

	if (!rd_uint(r, 2, &ver) || !rd_skip(r, 32) || !rd_vec(r, 1, &v) || rd_left(&v) > 32 ||
	    !rd_vec(r, 2, &v) || rd_left(&v) < 2 || rd_left(&v) % 2 ||
	    !rd_vec(r, 1, &v) || rd_left(&v) < 1)
		return -EPROTO;
	h->legacy_version = (uint16_t)ver;
	h->max_version = (uint16_t)ver;
	if (!rd_left(r))
		return 0;		/* no extensions at all (TLS 1.2 and older) */
	if (!rd_vec(r, 2, &v) || rd_left(r))
		return -EPROTO;
	return exts(&v, h);
}

int tls_sni_parse(const uint8_t *p, size_t len, struct tls_hello *ret)
{
	struct tls_hello h;
	struct hs_msg m;
	struct rd r;
	int n, rc;

	n = hs_records(p, len, &m);
	if (n < 0)
		return n;
	memset(&h, 0, sizeof(h));
	h.record_version = rd_be16(p + 1);
	r.m = &m;
	r.pos = TLS_HS_HDR;
	r.end = m.total;
	rc = hello_body(&r, &h);
	if (rc < 0)
		return rc;
	*ret = h;
	return n;
}

void tls_acc_init(struct tls_acc *a)
{
	a->seq0 = 0;
	a->len = 0;
	a->done = 0;
	a->anchored = false;
}

void tls_acc_init_seq(struct tls_acc *a, uint32_t seq)
{
	tls_acc_init(a);
	a->seq0 = seq;
	a->anchored = true;
}

int tls_acc_append(struct tls_acc *a, uint32_t seq, const uint8_t *data, size_t len)
{
	int32_t d;
	size_t skip, overlap;

	if (len == 0)
		return (int)a->len;
	if (!a->anchored) {
		a->seq0 = seq;
		a->anchored = true;
	}
	d = (int32_t)(seq - a->seq0);
	if (d < 0) {			/* starts before buf[0]: keep what follows it */
		skip = (size_t)-(int64_t)d;
		if (skip >= len)
			return (int)a->len;
		data += skip;
		len -= skip;
		d = 0;
	}
	if ((uint32_t)d > a->len)
		return -ERANGE;
	overlap = a->len - (uint32_t)d < len ? a->len - (uint32_t)d : len;
	if (memcmp(a->buf + d, data, overlap))
		return -EPROTO;
	len -= overlap;
	if (len > TLS_ACC_SIZE - a->len)
		len = TLS_ACC_SIZE - a->len;
	memcpy(a->buf + a->len, data + overlap, len);
	a->len += (uint32_t)len;
	return (int)a->len;
}

int tls_acc_feed(struct tls_acc *a, uint32_t seq, const uint8_t *data, size_t len)
{
	struct hs_msg m;
	int r;

	if (a->done)
		return a->done;
	r = tls_acc_append(a, seq, data, len);
	if (r == -ERANGE)
		return r;
	if (r >= 0)
		r = hs_records(a->buf, a->len, &m);
	if (r == -EAGAIN && a->len == TLS_ACC_SIZE)
		r = -EMSGSIZE;
	if (r != -EAGAIN)
		a->done = r;
	return r;
}
