/* SPDX-License-Identifier: GPL-2.0-only */
/* readback.h: read table inet sanso back and compare it with the compiled ruleset (I7).
 * Both sides become canonical lines (chains, sets, rules through the same libnftnl forms) and
 * one hash per wire element; counters, timeouts and learned elements are left out. The read
 * uses a netlink socket of its own: it never holds, nor waits for, the committing one. */
#ifndef SANSO_READBACK_H
#define SANSO_READBACK_H

#include "apply.h"
#include "delta.h"
#include "diag.h"
#include "ir.h"

/* The whole table. 0 identical, 1 different (each difference a diag note), -ENOENT without
 * the table, or -errno. */
int readback_verify(struct apply *ap, const struct ir_ruleset *rs, struct diag *diag);
/* After a delta: the table's chains and sets, the rules of the chains d replaced and the
 * elements of the sets d touched — exactly what it changed. Same returns. */
int readback_verify_delta(struct apply *ap, const struct ir_ruleset *rs,
			  const struct ir_delta *d, struct diag *diag);

#endif
