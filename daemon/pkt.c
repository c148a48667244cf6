/* SPDX-License-Identifier: GPL-2.0-only */
/* pkt.c: IPv4/IPv6 header walk (incl. IPv6 extension headers) and L4 headers for the engine.
 * Pure: no syscalls, no logging, no allocation; runs once per queued packet. Every read is
 * checked twice: against the IP total length (-EPROTO) and the captured bytes (-EMSGSIZE). */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "pkt.h"

#define IP4_HDR_MIN	20
#define IP6_HDR_LEN	40
#define IP_DGRAM_MAX	65535	/* a reassembled datagram's payload cannot be longer */

/* One L4 parser: l4 points at the L4 header; cap bytes are captured, *tot bytes belong to
 * the L4 segment per the IP header (UDP may shrink it to its own length). */
struct l4_parser {
	uint8_t proto;
	int (*parse)(const uint8_t *l4, size_t cap, size_t *tot, struct pkt_hdrs *h);
};

static uint16_t rd_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t rd_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Do n header bytes fit? Beyond the IP total length the packet is malformed; beyond the
 * captured bytes only our copy is short. */
static int need(size_t cap, size_t tot, size_t n)
{
	if (n > tot)
		return -EPROTO;
	if (n > cap)
		return -EMSGSIZE;
	return 0;
}

static int parse_tcp(const uint8_t *l4, size_t cap, size_t *tot, struct pkt_hdrs *h)
{
	size_t doff;
	int r;

	r = need(cap, *tot, 20);
	if (r < 0)
		return r;
	doff = (size_t)(l4[12] >> 4) * 4;
	if (doff < 20)
		return -EPROTO;
	r = need(cap, *tot, doff);
	if (r < 0)
		return r;
	h->sport = rd_be16(l4);
	h->dport = rd_be16(l4 + 2);
	h->seq = rd_be32(l4 + 4);
	h->ack = rd_be32(l4 + 8);
	h->tcp_flags = l4[13];
	return (int)doff;
}

static int parse_udp(const uint8_t *l4, size_t cap, size_t *tot, struct pkt_hdrs *h)
{
	size_t ulen;
	int r;

	r = need(cap, *tot, 8);
	if (r < 0)
		return r;
	ulen = rd_be16(l4 + 4);
	if (!(h->flags & PKT_F_FRAG)) {	/* a first fragment's UDP length spans them all */
		if (ulen < 8 || ulen > *tot)
			return -EPROTO;
		*tot = ulen;
	}
	h->sport = rd_be16(l4);
	h->dport = rd_be16(l4 + 2);
	return 8;
}

static int parse_sctp(const uint8_t *l4, size_t cap, size_t *tot, struct pkt_hdrs *h)
{
	int r = need(cap, *tot, 12);

	if (r < 0)
		return r;
	h->sport = rd_be16(l4);
	h->dport = rd_be16(l4 + 2);
	return 12;
}

static int parse_icmp(const uint8_t *l4, size_t cap, size_t *tot, struct pkt_hdrs *h)
{
	int r = need(cap, *tot, 8);
	bool echo;

	if (r < 0)
		return r;
	h->icmp_type = l4[0];
	h->icmp_code = l4[1];
	if (h->l4proto == PKT_IPPROTO_ICMP)
		echo = l4[0] == 0 || l4[0] == 8;
	else
		echo = l4[0] == 128 || l4[0] == 129;
	if (echo)
		h->icmp_id = rd_be16(l4 + 4);
	return 8;
}

static const struct l4_parser l4_parsers[] = {
	{ PKT_IPPROTO_TCP, parse_tcp },
	{ PKT_IPPROTO_UDP, parse_udp },
	{ PKT_IPPROTO_SCTP, parse_sctp },
	{ PKT_IPPROTO_ICMP, parse_icmp },
	{ PKT_IPPROTO_ICMPV6, parse_icmp },
};

/* L4 header at off (unless a later fragment), then the payload bounds. */
static int parse_l4(const uint8_t *p, size_t len, size_t off, struct pkt_hdrs *h)
{
	size_t cap = len < h->ip_len ? len : h->ip_len;
	size_t tot = h->ip_len - off, i;
	int hl = 0;

	if (len < h->ip_len)
		h->flags |= PKT_F_TRUNC;
	if (h->frag_off + tot > IP_DGRAM_MAX)
		return -EPROTO;		/* would reassemble beyond 64 KiB */
	h->l3_len = (uint16_t)off;
	for (i = 0; i < sizeof(l4_parsers) / sizeof(l4_parsers[0]); i++) {
		if (l4_parsers[i].proto != h->l4proto || (h->flags & PKT_F_FRAG_LATER))
			continue;
		hl = l4_parsers[i].parse(p + off, cap - off, &tot, h);
		if (hl < 0)
			return hl;
		h->flags |= PKT_F_L4;
	}
	h->l4_len = (uint16_t)hl;
	h->payload_off = (uint32_t)(off + hl);
	h->payload_tot = (uint32_t)(tot - hl);
	h->payload_len = (uint32_t)(cap - h->payload_off);
	if (h->payload_len > h->payload_tot)
		h->payload_len = h->payload_tot;
	return 0;
}

static int parse_ip4(const uint8_t *p, size_t len, struct pkt_hdrs *h)
{
	size_t ihl;
	uint16_t frag;

	if (len < IP4_HDR_MIN)
		return -EMSGSIZE;
	ihl = (size_t)(p[0] & 0x0f) * 4;
	h->ip_len = rd_be16(p + 2);
	if (ihl < IP4_HDR_MIN || h->ip_len < ihl)
		return -EPROTO;
	if (ihl > len)
		return -EMSGSIZE;
	h->family = AF_INET;
	h->ttl = p[8];
	h->l4proto = p[9];
	memcpy(h->src, p + 12, 4);
	memcpy(h->dst, p + 16, 4);
	frag = rd_be16(p + 6);
	h->frag_off = (uint32_t)(frag & 0x1fff) * 8;
	if ((frag & 0x2000) || h->frag_off) {
		h->flags |= PKT_F_FRAG | (h->frag_off ? PKT_F_FRAG_LATER : 0);
		h->frag_id = rd_be16(p + 4);
	}
	return parse_l4(p, len, ihl, h);
}

static bool is_exthdr6(uint8_t nh)
{
	return nh == PKT_IPPROTO_HOPOPTS || nh == PKT_IPPROTO_ROUTING ||
	       nh == PKT_IPPROTO_FRAGMENT || nh == PKT_IPPROTO_DSTOPTS || nh == PKT_IPPROTO_AH;
}

/* The fragment header at f. An atomic fragment (offset 0, M=0) is a whole packet. */
static void frag6(const uint8_t *f, struct pkt_hdrs *h)
{
	uint16_t fo = rd_be16(f + 2);

	h->frag_off = fo & 0xfff8;
	if (h->frag_off || (fo & 1)) {
		h->flags |= PKT_F_FRAG | (h->frag_off ? PKT_F_FRAG_LATER : 0);
		h->frag_id = rd_be32(f + 4);
	}
}

/* Length of the extension header nh at e; its first 8 bytes are present. */
static size_t exthdr6_len(uint8_t nh, const uint8_t *e)
{
	if (nh == PKT_IPPROTO_FRAGMENT)
		return 8;
	if (nh == PKT_IPPROTO_AH)
		return ((size_t)e[1] + 2) * 4;
	return ((size_t)e[1] + 1) * 8;
}

/* Walk the extension headers; *ret_off is the L4 offset. Hop-by-hop only first, at most
 * one fragment header, and nothing past the fragment header of a later fragment. */
static int exthdrs6(const uint8_t *p, size_t cap, struct pkt_hdrs *h, size_t *ret_off)
{
	size_t off = IP6_HDR_LEN, hl = 0;
	uint8_t nh = p[6];
	bool frag = false;
	int r;

	while (is_exthdr6(nh) && !(h->flags & PKT_F_FRAG_LATER)) {
		if (h->n_exthdrs == PKT_EXTHDRS_MAX || (nh == PKT_IPPROTO_HOPOPTS && h->n_exthdrs))
			return -EPROTO;
		r = need(cap - off, h->ip_len - off, 8);
		if (r == 0) {
			hl = exthdr6_len(nh, p + off);
			r = need(cap - off, h->ip_len - off, hl);
		}
		if (r < 0)
			return r;
		if (nh == PKT_IPPROTO_FRAGMENT) {
			if (frag)
				return -EPROTO;
			frag6(p + off, h);
			frag = true;
		}
		nh = p[off];
		off += hl;
		h->n_exthdrs++;
	}
	h->l4proto = nh;
	*ret_off = off;
	return 0;
}

static int parse_ip6(const uint8_t *p, size_t len, struct pkt_hdrs *h)
{
	size_t off;
	int r;

	if (len < IP6_HDR_LEN)
		return -EMSGSIZE;
	h->ip_len = IP6_HDR_LEN + (uint32_t)rd_be16(p + 4);	/* 0 + hop-by-hop: jumbo */
	h->family = AF_INET6;
	h->ttl = p[7];
	memcpy(h->src, p + 8, 16);
	memcpy(h->dst, p + 24, 16);
	r = exthdrs6(p, len < h->ip_len ? len : h->ip_len, h, &off);
	if (r < 0)
		return r;
	return parse_l4(p, len, off, h);
}

int pkt_parse(const uint8_t *p, size_t len, struct pkt_hdrs *ret)
{
	struct pkt_hdrs h;
	int r;

	if (len == 0)
		return -EMSGSIZE;
	memset(&h, 0, sizeof(h));
	if (p[0] >> 4 == 4)
		r = parse_ip4(p, len, &h);
	else if (p[0] >> 4 == 6)
		r = parse_ip6(p, len, &h);
	else
		r = -EPROTO;
	if (r < 0)
		return r;
	*ret = h;
	return 0;
}
