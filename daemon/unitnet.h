/* SPDX-License-Identifier: GPL-2.0-only */
/* unitnet.h: what sansod's unit must open for a policy, and nothing more (R115): the shipped
 * unit allows no IP socket (RestrictAddressFamilies=AF_UNIX AF_NETLINK, IPAddressDeny=any);
 * the policy's syslog collectors (alerts) and its HA sync addresses (ha.nodes: sansod's own
 * state sync) need AF_INET/AF_INET6 and IPAddressAllow= for exactly those addresses. Written
 * as a systemd drop-in by `sansod --unit-dropin`, which systemd/sanso-generator runs at boot
 * and at every daemon-reload. Pure: the text from the parsed policy. */
#ifndef SANSO_UNITNET_H
#define SANSO_UNITNET_H

#include <stdio.h>

#include "policy.h"

/* The drop-in for p (source: the file named in its comment). A policy that needs no IP
 * still gets a [Service] section that opens nothing. 0 or -errno (a write error). */
int unitnet_dropin(const struct policy *p, const char *source, FILE *out);

#endif
