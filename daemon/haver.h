/* SPDX-License-Identifier: GPL-2.0-only */
/* haver.h: the running version from the master of an HA pair to its peer (R99), over the
 * authenticated sync link (hasync.h). A peer whose master runs another policy text pulls
 * it: "need\t<sha>\t<offset>"; the master answers with up to HAVER_BATCH chunks
 * "text\t<sha>\t<total>\t<offset>\t<meta>\n<bytes>" of the text in force, its store meta
 * with them; the peer takes them in order, checks the whole text against sha, and applies it
 * with the same atomic commit as an approval (change_adopt_peer: validated, stored, audited).
 * A lost chunk is asked for again at the next tick; a text past HAVER_TEXT_MAX is refused. */
#ifndef SANSO_HAVER_H
#define SANSO_HAVER_H

#include <stddef.h>

#include "sansod.h"

#define HAVER_TEXT_MAX	(16L << 20)
#define HAVER_BATCH	2		/* chunks per request: within a default receive buffer */
#define HAVER_RETRY_MS	500		/* a request not answered is sent again */

/* Peer: the master's state says it runs sha (not ours): ask for it (at most once a tick). */
void haver_want(struct daemon *d, const char *sha);
/* A datagram of the transfer: 1 handled, 0 not one of ours. */
int haver_input(struct daemon *d, const char *buf, size_t len);
void haver_free(struct daemon *d);

#endif
