/* SPDX-License-Identifier: GPL-2.0-only */
/* dns.h: parse DNS responses for address learning (question, CNAME chains, A/AAAA with TTL),
 * match names against service patterns, and normalise host names for tls.c and http.c.
 * Pure: no syscalls, no logging, no allocation; never reads past len; ret_* written only on
 * success. Returns 0 or a count on success, -errno on failure. */
#ifndef SANSO_DNS_H
#define SANSO_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>	/* AF_INET, AF_INET6 (constants: purity is a property of the .o) */

#define DNS_NAME_MAX	253	/* text form, without the final dot and the NUL */
#define DNS_NAMES_MAX	16	/* distinct names kept per answer (question, owners, targets) */
#define DNS_ADDRS_MAX	32	/* A/AAAA records kept per answer */
#define DNS_JUMPS_MAX	16	/* compression pointers followed per name */
#define DNS_HDR_LEN	12

#define DNS_TYPE_A	1
#define DNS_TYPE_CNAME	5
#define DNS_TYPE_AAAA	28
#define DNS_CLASS_IN	1

#define DNS_ANS_AA	(1U << 0)	/* authoritative answer */
#define DNS_ANS_TC	(1U << 1)	/* truncated: the answer section may be incomplete */
#define DNS_ANS_PARTIAL	(1U << 2)	/* records dropped: over DNS_*_MAX or not a host name */

struct dns_addr {
	uint8_t family;			/* AF_INET or AF_INET6 */
	uint8_t name;			/* owner: index into names[] */
	uint32_t ttl;			/* seconds; above 2^31-1 reads as 0 (RFC 2181 8) */
	uint8_t addr[16];		/* network order; IPv4 in the first 4 bytes, rest zero */
};

struct dns_cname {
	uint8_t owner;			/* index into names[] */
	uint8_t target;			/* index into names[] */
	uint32_t ttl;
};

/* Only the question and the answer section are read: authority and additional records are
 * never learned from. Learn an address only if dns_answer_trace() links it to names[0]. */
struct dns_answer {
	uint16_t id;
	uint16_t qtype, qclass;
	uint8_t rcode;			/* header RCODE (0 NOERROR, 3 NXDOMAIN, ...) */
	uint32_t flags;			/* DNS_ANS_* */
	uint16_t ancount;		/* answer records in the message */
	uint8_t n_names, n_addrs, n_cnames;
	char names[DNS_NAMES_MAX][DNS_NAME_MAX + 1];	/* [0] is the question name; lower
							 * case, no final dot ("" = root) */
	struct dns_addr addrs[DNS_ADDRS_MAX];
	struct dns_cname cnames[DNS_NAMES_MAX];
};

/* Parse a DNS response (a UDP payload, or a TCP message after dns_tcp_frame()). It must be a
 * standard query response (QR=1, opcode 0) with exactly one question. Compression pointers
 * must point strictly backwards (loops and forward pointers are -EPROTO). A non-zero RCODE is
 * not an error: it is reported in ret->rcode. Returns 0, -EMSGSIZE (cut short) or -EPROTO. */
int dns_parse_answer(const uint8_t *p, size_t len, struct dns_answer *ret);

/* Parse a standard query (QR=0, opcode 0, exactly one question, a host name): its id, the
 * question name (lower case, no final dot) into name (DNS_NAME_MAX + 1 bytes) and its type.
 * The rest of the message (e.g. an EDNS OPT record) is not read. Returns 0, -EMSGSIZE or
 * -EPROTO. */
int dns_parse_query(const uint8_t *p, size_t len, uint16_t *ret_id, uint16_t *ret_qtype,
		    char *name);

/* Unframe one DNS-over-TCP message (2-byte length prefix). Returns the bytes the frame takes
 * (2 + message length) and sets *ret_msg and *ret_len, -EAGAIN if incomplete, -EPROTO if empty. */
int dns_tcp_frame(const uint8_t *p, size_t len, const uint8_t **ret_msg, size_t *ret_len);

/* Follow the CNAME chain from the question name to address i. Returns the number of CNAME
 * hops (0: the question name owns it) and the smallest TTL along the way in *ret_ttl,
 * -ENOENT if the address does not belong to the question name, -ELOOP on a CNAME loop,
 * -EINVAL if i is out of range. */
int dns_answer_trace(const struct dns_answer *a, unsigned int i, uint32_t *ret_ttl);

/* Does name match pattern? Exact (ASCII case-insensitive), or "*.suffix": any name with at
 * least one more label ("*.office.com" matches "a.office.com", "a.b.office.com", not
 * "office.com"). Other uses of '*' never match. */
bool dns_name_match(const char *pattern, const char *name);

/* Validate a host name (1-253 chars; labels of 1-63 letters, digits, '-' or '_'; no empty
 * label, so no leading or final dot) and write it lowercased and NUL-terminated to out.
 * Returns its length, -EPROTO if invalid, -ENOSPC if outlen is too small. */
int dns_host_norm(const uint8_t *in, size_t len, char *out, size_t outlen);

#endif /* SANSO_DNS_H */
