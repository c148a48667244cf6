/* SPDX-License-Identifier: GPL-2.0-only */
/* backup.h: sansoctl backup / restore (R67): the configuration store, the operational state
 * (ledger, isolations, revocations), the changes and the signing key, in one archive that a
 * replacement gateway takes back as a change like any other.
 *
 * The archive is text:
 *   sanso-backup 1
 *   created T by ACTOR; generation N; running version V sha256 S
 *   file NAME LEN SHA256          (then LEN bytes and a newline; NAME from a fixed list)
 *   ...
 *   end COUNT SHA256              (of every byte before this line)
 * followed by a signature block (sign.h) when the gateway has a signing key. A restore
 * checks every length and SHA-256, proposes the archive's running version (another person
 * approves it), and installs the signing key only where none exists. */
#ifndef SANSO_BACKUP_H
#define SANSO_BACKUP_H

#include <stdio.h>

#include "ctl.h"
#include "sansod.h"

#define BACKUP_MAX	(256L << 20)	/* bytes of an archive, either way */

int backup_h_create(struct daemon *d, const struct ctl_peer *peer, const struct ctl_req *q,
		    FILE *out);
int backup_h_restore(struct daemon *d, const struct ctl_peer *peer, const struct ctl_req *q,
		     FILE *out);

#endif
