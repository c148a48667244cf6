// SPDX-License-Identifier: GPL-2.0-only
/* version.c: see version.h. The Makefile passes SANSO_VERSION, SANSO_BUILD and SANSO_LIBS. */
#include <stdio.h>

#include "version.h"

#ifndef SANSO_VERSION
#define SANSO_VERSION	"0"
#endif
#ifndef SANSO_BUILD
#define SANSO_BUILD	"unknown"
#endif
#ifndef SANSO_LIBS
#define SANSO_LIBS	"unknown"
#endif

const char *version_sanso(void)
{
	return SANSO_VERSION " (build " SANSO_BUILD ")";
}

const char *version_libs(void)
{
	return SANSO_LIBS;
}

void version_print(FILE *out, const char *prog)
{
	fprintf(out, "%s %s\nbuilt against: %s\n", prog, version_sanso(), version_libs());
}
