/* SPDX-License-Identifier: GPL-2.0-only */
/* namepat.h: DNS name patterns of breakout services, the one matcher of the checker, the
 * engine's SNI/Host match and DNS learning. Pure: no syscalls, no logging, no allocation.
 * A pattern is a DNS name with at most one '*':
 *   "*.office.com"         a leading "*." : one or more labels in front of the suffix;
 *   "*cdn.onenote.net"     a '*' inside the first label: zero or more of a-z 0-9 - within
 *                          that label only ("cdn.onenote.net", "xyzcdn.onenote.net");
 *   "autodiscover.*.onmicrosoft.com"
 *                          a '*' that is a whole middle label: exactly one label.
 * Matching is ASCII case-insensitive; the letters a '*' stands for are a-z 0-9 - (so
 * punycode "xn--" labels match, raw UTF-8 does not). */
#ifndef SANSO_NAMEPAT_H
#define SANSO_NAMEPAT_H

#include <stdbool.h>

#define NAMEPAT_LABEL_MAX	63

bool namepat_match(const char *pattern, const char *name);
/* A pattern sanso accepts: lower-case labels of 1-63 a-z 0-9 - (not starting or ending with
 * '-'), at most one '*' in one of the three forms above, and at least two fixed labels after
 * the wildcard's label (no "*.com", "a*.jp", "x.*.jp"). On false *err (if not NULL) says why. */
bool namepat_valid(const char *pattern, const char **err);

#endif
