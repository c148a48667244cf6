/* SPDX-License-Identifier: GPL-2.0-only */
/* explain.h: would a packet pass the running policy, and why (sansoctl explain). Pure. */
#ifndef SANSO_EXPLAIN_H
#define SANSO_EXPLAIN_H

#include <stdio.h>

#include "policy.h"

struct explain_q {
	uint8_t family;			/* AF_INET or AF_INET6 */
	uint8_t src[16], dst[16];
	uint8_t proto;			/* IP protocol (ICMPv6: 58) */
	uint16_t port;			/* destination port, 0 if none */
};

/* Print the zones of both ends and every flow, exception or service that allows the packet,
 * or why it is refused. Returns the number of allowing rules (0: refused), or -ENOMEM. */
int explain(const struct policy *p, const struct explain_q *q, const char *const *isolated,
	    int n_isolated, FILE *out);

#endif
