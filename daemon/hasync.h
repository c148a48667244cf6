/* SPDX-License-Identifier: GPL-2.0-only */
/* hasync.h: sansod's own state from the active node of an HA pair to its peer (R99, R102),
 * over UDP on the sync link. Each datagram: a header (magic, the sender's wall clock in ms,
 * a sequence number, the payload length), the payload, and an HMAC-SHA256 of both under the
 * shared key in the state directory (ha.key, 32 bytes or more, readable by its owner only).
 * A datagram is accepted only from the peer's address, with a valid HMAC, a clock within
 * HASYNC_SKEW_MS of ours and a (clock, sequence) above the last accepted: a forged datagram
 * and a replayed one are refused. No allocation; the caller owns the buffers. */
#ifndef SANSO_HASYNC_H
#define SANSO_HASYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

#include "policy.h"

#define HASYNC_PORT		3781		/* default ha.sync_port */
#define HASYNC_KEY_FILE		"ha.key"
#define HASYNC_KEY_MIN		32
#define HASYNC_KEY_MAX		64
#define HASYNC_SKEW_MS		30000
#define HASYNC_PAYLOAD_MAX	(60 * 1024)

struct hasync {
	int fd;				/* -1: off */
	uint8_t key[HASYNC_KEY_MAX];
	size_t klen;
	struct sockaddr_storage peer;
	socklen_t peer_len;
	char own_addr[64], peer_addr[64];
	uint64_t seq;			/* last sent */
	int64_t rx_ms;			/* sender clock of the last accepted */
	uint64_t rx_seq;
};

enum hasync_err {
	HASYNC_FORGED = 1,		/* bad HMAC, bad shape */
	HASYNC_REPLAYED,		/* (clock, sequence) not above the last accepted */
	HASYNC_STALE,			/* clock too far from ours */
	HASYNC_SOURCE,			/* not from the peer's address */
};

/* Open: read the key, bind to whichever node address is ours. 0, or -errno with why set. */
int hasync_open(struct hasync *h, const struct ha_conf *ha, const char *state_dir,
		char *why, size_t why_len);
void hasync_close(struct hasync *h);
int hasync_send(struct hasync *h, const char *payload, size_t len, int64_t now_ms);
/* One datagram: 0 and the payload (NUL-terminated) in buf; -EAGAIN: none; a positive enum
 * hasync_err for a refused one (from is its source address as text). */
int hasync_recv(struct hasync *h, char *buf, size_t cap, size_t *len, int64_t now_ms,
		char *from, size_t from_len);
const char *hasync_err_name(int e);
/* CLOCK_MONOTONIC or CLOCK_REALTIME in milliseconds (the header carries the latter). */
int64_t hasync_clock_ms(clockid_t clk);

#endif
