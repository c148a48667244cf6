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
 * approves it), keeps the checked archive until then, and installs the signing key only
 * where none exists; the approval takes the history, ledger and containment too. */
#ifndef SANSO_BACKUP_H
#define SANSO_BACKUP_H

#include <stdio.h>

#include "ctl.h"
#include "sansod.h"

#define BACKUP_MAX	(256L << 20)	/* bytes of an archive, either way */
#define RESTORE_PENDING	"restore.pending"	/* the checked archive until its approve */

int backup_h_create(struct daemon *d, const struct ctl_peer *peer, const struct ctl_req *q,
		    FILE *out);
int backup_h_restore(struct daemon *d, const struct ctl_peer *peer, const struct ctl_req *q,
		     FILE *out);
/* After `approve ID`: when ID is a restore's proposal, the rest of its archive is taken —
 * the history into STATE_DIR/store/restored, the exceptions ever granted (not the old
 * gateway's open proposals), the isolations and revocations — applied and audited
 * (backup.import). 0 (also: not a restore), or -errno (the version stays, the rest not
 * taken; said in out). */
int backup_restore_approved(struct daemon *d, const struct ctl_peer *peer, const char *id,
			    FILE *out);

#endif
