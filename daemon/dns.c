/* SPDX-License-Identifier: GPL-2.0-only */
/* dns.c: DNS response parser for address learning, name patterns, host name normalisation.
 * Pure: no syscalls, no logging, no allocation. Every read is bounds-checked against len;
 * compression pointers must go strictly backwards, so name decoding always terminates. */
#include <errno.h>
#include <string.h>

#include "dns.h"
#include "namepat.h"

#define DNS_WIRE_MAX	255	/* RFC 1035 3.1: a name on the wire, length octets included */
#define DNS_LABEL_MAX	63

/* A decoded owner or target name: the text, and whether it is a usable host name. */
struct dns_name {
	char text[DNS_NAME_MAX + 1];
	bool host;			/* only letters, digits, '-', '_' in every label */
};

static uint16_t rd_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t rd_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool is_host_char(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

int dns_host_norm(const uint8_t *in, size_t len, char *out, size_t outlen)
{
	size_t i, label = 0;

	if (len == 0 || len > DNS_NAME_MAX)
		return -EPROTO;
	for (i = 0; i < len; i++) {
		if (in[i] == '.') {
			if (label == 0)
				return -EPROTO;
			label = 0;
		} else if (!is_host_char(in[i]) || ++label > DNS_LABEL_MAX) {
			return -EPROTO;
		}
	}
	if (label == 0)
		return -EPROTO;		/* final dot */
	if (outlen < len + 1)
		return -ENOSPC;
	for (i = 0; i < len; i++)
		out[i] = lower((char)in[i]);
	out[len] = '\0';
	return (int)len;
}

/* Append one label to the text form of a name; text has room for DNS_NAME_MAX + 1. */
static void name_add_label(struct dns_name *n, size_t *tlen, const uint8_t *l, size_t llen)
{
	size_t i;

	if (*tlen)
		n->text[(*tlen)++] = '.';
	for (i = 0; i < llen; i++) {
		if (!is_host_char(l[i]))
			n->host = false;
		n->text[(*tlen)++] = lower((char)l[i]);
	}
	n->text[*tlen] = '\0';
}

/* Decode the name at *off into n (n may be NULL: check only) and move *off past it. A pointer
 * must point before the start of the label run it ends, so every jump goes strictly
 * backwards: no loops, no forward references. The header is never a target. */
static int name_read(const uint8_t *p, size_t len, size_t *off, struct dns_name *n)
{
	struct dns_name tmp;
	size_t pos = *off, run = *off, end = 0, wire = 1, tlen = 0;
	unsigned int jumps = 0;

	if (!n)
		n = &tmp;
	n->text[0] = '\0';
	n->host = true;
	for (;;) {
		if (pos >= len)
			return -EMSGSIZE;
		if (p[pos] == 0)
			break;
		if ((p[pos] & 0xc0) == 0xc0) {
			size_t to;

			if (pos + 1 >= len)
				return -EMSGSIZE;
			to = (size_t)(p[pos] & 0x3f) << 8 | p[pos + 1];
			if (!end)
				end = pos + 2;
			if (to >= run || to < DNS_HDR_LEN || ++jumps > DNS_JUMPS_MAX)
				return -EPROTO;
			pos = run = to;
			continue;
		}
		if (p[pos] > DNS_LABEL_MAX)
			return -EPROTO;		/* 0x40, 0x80: extended label types */
		wire += 1 + p[pos];
		if (wire > DNS_WIRE_MAX)
			return -EPROTO;
		if (pos + 1 + p[pos] > len)
			return -EMSGSIZE;
		name_add_label(n, &tlen, p + pos + 1, p[pos]);
		pos += 1 + p[pos];
	}
	*off = end ? end : pos + 1;
	return 0;
}

/* Index of name in a->names, adding it if new; -ENOSPC when the table is full. */
static int intern(struct dns_answer *a, const char *name)
{
	unsigned int i;

	for (i = 0; i < a->n_names; i++)
		if (!strcmp(a->names[i], name))
			return (int)i;
	if (a->n_names == DNS_NAMES_MAX)
		return -ENOSPC;
	memcpy(a->names[i], name, strlen(name) + 1);
	return a->n_names++;
}

static int add_addr(struct dns_answer *a, const struct dns_name *owner, uint16_t type,
		    const uint8_t *rd, uint32_t ttl)
{
	struct dns_addr *d;
	int idx;

	if (a->n_addrs == DNS_ADDRS_MAX || (idx = intern(a, owner->text)) < 0) {
		a->flags |= DNS_ANS_PARTIAL;
		return 0;
	}
	d = &a->addrs[a->n_addrs++];
	memset(d, 0, sizeof(*d));
	d->family = type == DNS_TYPE_A ? AF_INET : AF_INET6;
	d->name = (uint8_t)idx;
	d->ttl = ttl;
	memcpy(d->addr, rd, type == DNS_TYPE_A ? 4 : 16);
	return 0;
}

/* A CNAME is a singleton (RFC 2181 10.1): a second one for the same owner must agree. */
static int add_cname(struct dns_answer *a, const struct dns_name *owner,
		     const struct dns_name *target, uint32_t ttl)
{
	struct dns_cname *c;
	int o, t;
	unsigned int i;

	o = intern(a, owner->text);
	t = o < 0 ? o : intern(a, target->text);
	if (t < 0) {
		a->flags |= DNS_ANS_PARTIAL;
		return 0;
	}
	for (i = 0; i < a->n_cnames; i++)
		if (a->cnames[i].owner == o)
			return a->cnames[i].target == t ? 0 : -EPROTO;
	c = &a->cnames[a->n_cnames++];	/* owners are distinct names: fits */
	c->owner = (uint8_t)o;
	c->target = (uint8_t)t;
	c->ttl = ttl;
	return 0;
}

/* The data of one answer record at rd (rdlen bytes, already bounds-checked). */
static int rr_data(const uint8_t *p, size_t len, size_t rd, uint16_t rdlen, uint16_t type,
		   const struct dns_name *owner, uint32_t ttl, struct dns_answer *a)
{
	struct dns_name target;
	size_t off = rd;
	int r;

	if (type == DNS_TYPE_A || type == DNS_TYPE_AAAA) {
		if (rdlen != (type == DNS_TYPE_A ? 4 : 16))
			return -EPROTO;
		if (!owner->host) {
			a->flags |= DNS_ANS_PARTIAL;
			return 0;
		}
		return add_addr(a, owner, type, p + rd, ttl);
	}
	r = name_read(p, len, &off, &target);	/* DNS_TYPE_CNAME: the name fills rdata */
	if (r < 0 || off != rd + rdlen)
		return -EPROTO;
	if (!owner->host || !target.host) {
		a->flags |= DNS_ANS_PARTIAL;
		return 0;
	}
	return add_cname(a, owner, &target, ttl);
}

/* One resource record of the answer section at *off. */
static int rr_read(const uint8_t *p, size_t len, size_t *off, struct dns_answer *a)
{
	struct dns_name owner;
	uint16_t type, class, rdlen;
	uint32_t ttl;
	size_t pos = *off;
	int r;

	r = name_read(p, len, &pos, &owner);
	if (r < 0)
		return r;
	if (len - pos < 10)
		return -EMSGSIZE;
	type = rd_be16(p + pos);
	class = rd_be16(p + pos + 2);
	ttl = rd_be32(p + pos + 4);
	rdlen = rd_be16(p + pos + 8);
	pos += 10;
	if (len - pos < rdlen)
		return -EMSGSIZE;
	*off = pos + rdlen;
	if (ttl > 0x7fffffffU)
		ttl = 0;
	if (class != DNS_CLASS_IN ||
	    (type != DNS_TYPE_A && type != DNS_TYPE_AAAA && type != DNS_TYPE_CNAME))
		return 0;
	return rr_data(p, len, pos, rdlen, type, &owner, ttl, a);
}

/* Header and question; *off ends after the question. */
static int question_read(const uint8_t *p, size_t len, size_t *off, struct dns_answer *a)
{
	struct dns_name q;
	uint16_t fl;
	int r;

	if (len < DNS_HDR_LEN)
		return -EMSGSIZE;
	fl = rd_be16(p + 2);
	if (!(fl & 0x8000) || (fl & 0x7800) || rd_be16(p + 4) != 1)
		return -EPROTO;		/* not a response, not QUERY, or qdcount != 1 */
	a->id = rd_be16(p);
	a->rcode = fl & 0x000f;
	a->flags = (fl & 0x0400 ? DNS_ANS_AA : 0) | (fl & 0x0200 ? DNS_ANS_TC : 0);
	a->ancount = rd_be16(p + 6);
	*off = DNS_HDR_LEN;
	r = name_read(p, len, off, &q);
	if (r < 0)
		return r;
	if (!q.host)
		return -EPROTO;
	if (len - *off < 4)
		return -EMSGSIZE;
	a->qtype = rd_be16(p + *off);
	a->qclass = rd_be16(p + *off + 2);
	*off += 4;
	memcpy(a->names[0], q.text, strlen(q.text) + 1);
	a->n_names = 1;
	return 0;
}

int dns_parse_answer(const uint8_t *p, size_t len, struct dns_answer *ret)
{
	struct dns_answer a;
	size_t off;
	unsigned int i;
	int r;

	memset(&a, 0, sizeof(a));	/* ~5 KiB: learning path, not per packet */
	r = question_read(p, len, &off, &a);
	for (i = 0; r == 0 && i < a.ancount; i++)
		r = rr_read(p, len, &off, &a);
	if (r < 0)
		return r;
	*ret = a;
	return 0;
}

int dns_parse_query(const uint8_t *p, size_t len, uint16_t *ret_id, uint16_t *ret_qtype,
		    char *name)
{
	struct dns_name q;
	size_t off = DNS_HDR_LEN;
	uint16_t fl;
	int r;

	if (len < DNS_HDR_LEN)
		return -EMSGSIZE;
	fl = rd_be16(p + 2);
	if ((fl & 0x8000) || (fl & 0x7800) || rd_be16(p + 4) != 1)
		return -EPROTO;		/* a response, not QUERY, or qdcount != 1 */
	r = name_read(p, len, &off, &q);
	if (r < 0)
		return r;
	if (!q.host || !q.text[0])
		return -EPROTO;
	if (len - off < 4)
		return -EMSGSIZE;
	*ret_id = rd_be16(p);
	*ret_qtype = rd_be16(p + off);
	memcpy(name, q.text, strlen(q.text) + 1);
	return 0;
}

int dns_tcp_frame(const uint8_t *p, size_t len, const uint8_t **ret_msg, size_t *ret_len)
{
	size_t n;

	if (len < 2)
		return -EAGAIN;
	n = rd_be16(p);
	if (n == 0)
		return -EPROTO;
	if (len - 2 < n)
		return -EAGAIN;
	*ret_msg = p + 2;
	*ret_len = n;
	return (int)(n + 2);
}

int dns_answer_trace(const struct dns_answer *a, unsigned int i, uint32_t *ret_ttl)
{
	uint32_t ttl;
	unsigned int hops, k, cur = 0;

	if (i >= a->n_addrs)
		return -EINVAL;
	ttl = a->addrs[i].ttl;
	for (hops = 0; hops <= DNS_NAMES_MAX; hops++) {
		if (a->addrs[i].name == cur) {
			*ret_ttl = ttl;
			return (int)hops;
		}
		for (k = 0; k < a->n_cnames && a->cnames[k].owner != cur; k++)
			;
		if (k == a->n_cnames)
			return -ENOENT;
		if (a->cnames[k].ttl < ttl)
			ttl = a->cnames[k].ttl;
		cur = a->cnames[k].target;
	}
	return -ELOOP;
}

bool dns_name_match(const char *pattern, const char *name)
{
	return namepat_match(pattern, name);
}
