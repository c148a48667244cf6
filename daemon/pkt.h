/* SPDX-License-Identifier: GPL-2.0-only */
/* pkt.h: parse the IPv4/IPv6 and TCP/UDP/SCTP/ICMP headers of one packet as NFQUEUE delivers
 * it (starting at the IP header, possibly cut short by the copy range).
 * Pure: no syscalls, no logging, no allocation; never reads past len; *ret is written only on
 * success. Thread-compatible. */
#ifndef SANSO_PKT_H
#define SANSO_PKT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>	/* AF_INET, AF_INET6 (constants: purity is a property of the .o) */

/* IP protocol numbers (== IPPROTO_*) */
#define PKT_IPPROTO_HOPOPTS	0
#define PKT_IPPROTO_ICMP	1
#define PKT_IPPROTO_TCP		6
#define PKT_IPPROTO_UDP		17
#define PKT_IPPROTO_ROUTING	43
#define PKT_IPPROTO_FRAGMENT	44
#define PKT_IPPROTO_ESP		50
#define PKT_IPPROTO_AH		51
#define PKT_IPPROTO_ICMPV6	58
#define PKT_IPPROTO_NONE	59
#define PKT_IPPROTO_DSTOPTS	60
#define PKT_IPPROTO_SCTP	132

#define PKT_EXTHDRS_MAX		8	/* IPv6 extension headers followed; more is -EPROTO */

#define PKT_F_FRAG		(1U << 0)	/* part of a fragmented datagram */
#define PKT_F_FRAG_LATER	(1U << 1)	/* not the first fragment: no L4 header, no ports */
#define PKT_F_L4		(1U << 2)	/* L4 header parsed: ports/TCP/ICMP fields valid */
#define PKT_F_TRUNC		(1U << 3)	/* captured fewer bytes than the IP total length */

#define PKT_TCP_FIN		(1U << 0)
#define PKT_TCP_SYN		(1U << 1)
#define PKT_TCP_RST		(1U << 2)
#define PKT_TCP_PSH		(1U << 3)
#define PKT_TCP_ACK		(1U << 4)
#define PKT_TCP_URG		(1U << 5)
#define PKT_TCP_ECE		(1U << 6)
#define PKT_TCP_CWR		(1U << 7)

/* Lengths and offsets count bytes from the start of the IP header. "Captured" is what the
 * buffer holds; "total" is what the IP header says the packet has. */
struct pkt_hdrs {
	uint8_t family;			/* AF_INET or AF_INET6 */
	uint8_t l4proto;		/* after IPv6 extension headers: PKT_IPPROTO_*; in a
					 * later fragment, the fragment header's next header */
	uint8_t ttl;			/* TTL or hop limit */
	uint8_t n_exthdrs;		/* IPv6 extension headers walked */
	uint32_t flags;			/* PKT_F_* */
	uint8_t src[16];		/* network order; IPv4 in the first 4 bytes, rest zero */
	uint8_t dst[16];
	uint16_t sport, dport;		/* host order: TCP, UDP, SCTP with PKT_F_L4; else 0 */
	uint8_t tcp_flags;		/* PKT_TCP_* */
	uint8_t icmp_type, icmp_code;	/* ICMP and ICMPv6 with PKT_F_L4 */
	uint16_t icmp_id;		/* echo request/reply identifier, else 0 */
	uint32_t seq, ack;		/* TCP, host order */
	uint32_t frag_id;		/* IPv4 id or IPv6 fragment id, when PKT_F_FRAG */
	uint32_t frag_off;		/* fragment offset in bytes */
	uint16_t l3_len;		/* IP header and IPv6 extension headers: L4 offset */
	uint16_t l4_len;		/* L4 header (TCP with options; 0 if not parsed) */
	uint32_t ip_len;		/* total length per the IP header (IPv6: 40 + payload) */
	uint32_t payload_off;		/* l3_len + l4_len */
	uint32_t payload_len;		/* payload bytes captured in the buffer */
	uint32_t payload_tot;		/* payload bytes per the headers (this fragment) */
};

/* Parse a raw IPv4 or IPv6 packet. The buffer may be shorter than the IP total length
 * (PKT_F_TRUNC); trailing bytes beyond it are ignored. Returns 0, -EMSGSIZE when a header
 * does not fit in the captured bytes, or -EPROTO when the headers are malformed or
 * contradict the IP total length (incl. IPv6 jumbograms and TCP data offsets < 5). */
int pkt_parse(const uint8_t *p, size_t len, struct pkt_hdrs *ret);

#endif /* SANSO_PKT_H */
