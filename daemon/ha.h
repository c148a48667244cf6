/* SPDX-License-Identifier: GPL-2.0-only */
/* ha.h: the daemon's side of an HA pair (ha.c, over hasync.h): its own state to the peer
 * when master, the peer's state applied when backup, the sync status for keepalived. */
#ifndef SANSO_HA_H
#define SANSO_HA_H

#include "sansod.h"

#define HA_TICK_MS	500

/* Start after the first apply; the fd to poll (-1: off); a datagram is waiting; the
 * periodic work (send the state when master, the sync status file); stop. */
void ha_start(struct daemon *d);
int ha_fd(const struct daemon *d);
void ha_input(struct daemon *d);
void ha_tick(struct daemon *d);
void ha_stop(struct daemon *d);

#endif
