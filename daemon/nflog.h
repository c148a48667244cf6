/* SPDX-License-Identifier: GPL-2.0-only */
/* nflog.h: the ruleset's log statements (nft "log group N") read back over nfnetlink_log
 * (NFNL_SUBSYS_ULOG) through libmnl, in the daemon's network namespace: one bound group, the
 * first NFLOG_COPY bytes of each packet. Read from the main loop, never from the queue
 * workers. nflog_parse() is separate so tests and the fuzzer feed it hostile messages: a
 * truncated or malformed message is refused whole (-EBADMSG), never half-read. */
#ifndef SANSO_NFLOG_H
#define SANSO_NFLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NFLOG_PREFIX_MAX	128	/* the kernel's NF_LOG_PREFIXLEN */
#define NFLOG_COPY		256	/* bytes of each packet copied: IP and L4 headers */

/* One logged packet. payload borrows the buffer handed to nflog_parse(). */
struct nflog_pkt {
	char prefix[NFLOG_PREFIX_MAX];	/* NUL-terminated; "" when none */
	uint32_t mark;			/* packet mark (host order) */
	bool has_mark;
	uint32_t indev, outdev;		/* ifindex, 0: none */
	uint16_t hw_proto;		/* ethertype (host order), 0: unknown */
	const uint8_t *payload;		/* the IP header on */
	size_t payload_len;
};

typedef void nflog_fn(void *arg, const struct nflog_pkt *p);

struct nflog {
	void *nl;			/* struct mnl_socket, NULL when closed */
	int group;			/* bound group, -1: none */
	uint64_t lost;			/* the socket overflowed (ENOBUFS) this many times */
	uint64_t bad;			/* messages refused by nflog_parse() */
};

/* Open a socket and bind group (copy mode NFLOG_COPY). 0 or -errno (-EBUSY: another
 * listener, e.g. ulogd, holds the group in this namespace). */
int nflog_open(struct nflog *n, uint16_t group);
void nflog_close(struct nflog *n);	/* NULL-safe, idempotent */
int nflog_fd(const struct nflog *n);	/* -1 when closed */
/* Read what is queued (non-blocking), fn for each packet; the number read, or -errno. */
int nflog_read(struct nflog *n, nflog_fn *fn, void *arg);
/* Parse a buffer of netlink messages as received; fn for each NFLOG packet message, others
 * ignored. Returns the packets passed to fn, or -EBADMSG at the first malformed message
 * (packets before it were passed). */
int nflog_parse(const void *buf, size_t len, nflog_fn *fn, void *arg);

#endif
