/* SPDX-License-Identifier: GPL-2.0-only */
/* trail.h: the daemon's audit trail (audit.h holds the format and the hash chain). */
#ifndef SANSO_TRAIL_H
#define SANSO_TRAIL_H

#include "sansod.h"

/* Check the whole chain, then continue it (R87); a tampered or unwritable trail marks it
 * failed: changes are refused (and, under block-crosszone, zones are cut). 0 or -errno. */
int trail_start(struct daemon *d);
/* Record an event: 0, or -errno when it could not be written (then the caller refuses the
 * change it was about to make). 0 when there is no trail. key=value pairs follow event,
 * NULL-terminated. */
int trail_audit(struct daemon *d, const char *actor, const char *event, ...);

/* Signed checkpoints (R87): with a signing key (sansoctl keygen), the chain's head is signed
 * into an audit.checkpoint record every TRAIL_CKPT_RECORDS records, or at the first record or
 * tick TRAIL_CKPT_S after the last checkpoint (force: now). Records since the last one are
 * still hash-chained, not yet signed. 0 or -errno. */
#define TRAIL_CKPT_RECORDS	100
#define TRAIL_CKPT_S		600
int trail_checkpoint(struct daemon *d, bool force);

#endif
