/* SPDX-License-Identifier: GPL-2.0-only */
/* hahist.h: the configuration store's history from the master of an HA pair to its peer
 * (R99, R66), over the authenticated sync link (hasync.h). The master announces the last
 * version of its store ("hist\t<last>") every tick; the peer copies the versions it lacks,
 * oldest first, file by file ("needv\t<n>\t<0 text|1 meta>\t<offset>", answered with
 * "vfile\t<n>\t<which>\t<total>\t<offset>\n<bytes>" or "vgone\t<n>" for a version the
 * master's retention removed) into STATE_DIR/store/peer: byte for byte, so every text is
 * still checked against its meta when read. `sansoctl history` shows them as the peer's
 * history. One request at a time; one not answered is sent again after HAVER_RETRY_MS. */
#ifndef SANSO_HAHIST_H
#define SANSO_HAHIST_H

#include <stddef.h>

#include "sansod.h"

#define HAHIST_DIR	"store/peer"

/* Master: announce the store's last version (each tick). */
void hahist_announce(struct daemon *d);
/* A datagram of the history transfer: 1 handled, 0 not one of ours. master: this node is
 * the master (it serves requests; a peer's announcements are ignored). */
int hahist_input(struct daemon *d, const char *buf, size_t len, bool master);
void hahist_free(struct daemon *d);

#endif
