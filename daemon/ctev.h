/* SPDX-License-Identifier: GPL-2.0-only */
/* ctev.h: conntrack events (ctnetlink multicast NEW and DESTROY), read from the main loop:
 * one record per connection, never per packet. Opened only while something listens (a
 * maintenance window is active), since every connection through the gateway is announced. */
#ifndef SANSO_CTEV_H
#define SANSO_CTEV_H

#include <stdbool.h>
#include <stdint.h>

struct ctev {
	void *nl;			/* struct mnl_socket, NULL when closed */
	uint64_t lost;			/* the socket overflowed (ENOBUFS) this many times */
	bool acct_off;			/* accounting could not be turned on: no bytes */
};

struct ctev_event {
	bool destroy;			/* else new */
	uint32_t mark, id;		/* ct mark, conntrack id */
	int family;
	uint8_t proto;
	uint8_t src[16], dst[16];	/* of the original direction */
	uint16_t sport, dport;		/* host order */
	bool counted;			/* bytes and packets known (nf_conntrack_acct) */
	uint64_t bytes, packets;	/* both directions */
};

typedef void ctev_fn(void *arg, const struct ctev_event *e);

/* Subscribe; turns on conntrack accounting (bytes in DESTROY) for connections from now if it
 * is off and may be turned on (else acct_off). 0 or -errno. */
int ctev_open(struct ctev *c);
void ctev_close(struct ctev *c);
int ctev_fd(const struct ctev *c);	/* -1 when closed */
/* Read what is queued (non-blocking), fn for each event; the number read, or -errno. */
int ctev_read(struct ctev *c, ctev_fn *fn, void *arg);
/* An address of e as text. */
void ctev_addr(const struct ctev_event *e, bool dst, char *buf, size_t len);

#endif
