/* SPDX-License-Identifier: GPL-2.0-only */
/* version.h: what was built (R72): sanso's version and build, and the versions of the
 * libraries it was built against. Pure. */
#ifndef SANSO_VERSION_H
#define SANSO_VERSION_H

#include <stdio.h>

const char *version_sanso(void);	/* "0.9.0 (build 82e6247)" */
const char *version_libs(void);		/* "libnftnl 1.2.4, libmnl 1.0.4, ..." */
/* "PROG VERSION\nbuilt against: LIBS\n" */
void version_print(FILE *out, const char *prog);

#endif
