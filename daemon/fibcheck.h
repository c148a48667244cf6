/* SPDX-License-Identifier: GPL-2.0-only */
/* fibcheck.h: R36, filtering and routing agree. The kernel's FIB is asked (RTM_GETROUTE, the
 * semantics of `ip route get ADDR`, policy routing included) where sample addresses of each
 * zone network leave: the first, middle and last address of every prefix of a zone (its
 * segments' prefixes: out of the segment's interface). Each must leave through an interface of
 * its zone. And the sysctls the policy needs: net.ipv4.ip_forward (and IPv6 forwarding when a
 * zone has IPv6 networks) on when any traffic crosses zones; rp_filter 0 on a zone interface
 * is a note (sanso's anti-spoof chain is then the only guard; it binds each interface's
 * source prefixes, which is at least as strict, so it is not a disagreement).
 * Kernel-facing: one NETLINK_ROUTE socket per run; run from the daemon's timer and after
 * each apply, and by `sansod -n -k`; never per packet. */
#ifndef SANSO_FIBCHECK_H
#define SANSO_FIBCHECK_H

#include <stdbool.h>

#include "policy.h"

#define FIB_FINDINGS_MAX	32	/* findings and notes kept (more are only counted) */
#define FIB_TEXT_MAX		224
#define FIB_SAMPLES_MAX		768	/* route lookups per run at most */

struct fib_report {
	int lookups;			/* route lookups made */
	int findings;			/* disagreements (stored or not) */
	int notes;			/* notes (stored or not) */
	int n;				/* entries in v */
	bool note[FIB_FINDINGS_MAX];	/* v[i] is a note, not a finding */
	char v[FIB_FINDINGS_MAX][FIB_TEXT_MAX];
};

/* Ask the kernel. 0 (r filled: r->findings may be > 0), or -errno when the FIB could not be
 * asked at all (no netlink socket). */
int fibcheck_run(const struct policy *p, struct fib_report *r);

/* Are the findings (not notes) of a and b the same? */
bool fibcheck_same(const struct fib_report *a, const struct fib_report *b);

#endif
