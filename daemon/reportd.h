/* SPDX-License-Identifier: GPL-2.0-only */
/* reportd.h: sansoctl report (R96, R107, R109): the daemon's side. It gathers the facts it
 * alone holds — the policy in force, the configuration store and the changes, the exception
 * ledger, maintenance windows, isolations and revocations, the engine's counts, the audit
 * trail verified now, the kernel read back (drift), the clock and the role overlaps — and
 * renders them with report.h into one HTML page, the reply (sansoctl writes it to -o FILE).
 * Arguments: lang=ja (default) or en. A read: recorded like every read (ctl.read). */
#ifndef SANSO_REPORTD_H
#define SANSO_REPORTD_H

#include <stdio.h>

#include "ctl.h"
#include "sansod.h"

int report_h_create(struct daemon *d, const struct ctl_peer *peer, const struct ctl_req *q,
		    FILE *out);

#endif
