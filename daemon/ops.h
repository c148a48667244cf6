/* SPDX-License-Identifier: GPL-2.0-only */
/* ops.h: control requests (the protocol table of ctl_proto.h) served by the daemon. */
#ifndef SANSO_OPS_H
#define SANSO_OPS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "sansod.h"

/* Handle one control request; the reply body goes to out, the status is returned. */
int ops_handle(struct daemon *d, const struct ctl_peer *peer, const struct ctl_req *q, FILE *out);
/* Record exception.expire once for every ledger exception whose expiry (absolute, seconds)
 * is at or before now; returns how many were recorded. Cheap: call it from the main loop. */
int ops_expire_check(struct daemon *d, int64_t now);
/* Write the tallies of control reads and refusals (ctl.read, R65) of the minutes before
 * now (unix seconds), or all of them (at exit). Cheap: call it from the main loop. */
void ops_tally_flush(struct daemon *d, int64_t now, bool all);
/* The counters in Prometheus's text format (stats --prometheus, sansod --metrics-file). */
void ops_prometheus(struct daemon *d, FILE *out);

#endif
