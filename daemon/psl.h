/* SPDX-License-Identifier: GPL-2.0-only */
/* psl.h: the Public Suffix List (publicsuffix.org, as Debian's package publicsuffix ships it
 * in /usr/share/publicsuffix/public_suffix_list.dat): is a name a public suffix? Read once,
 * with stdio, by the caller that owns file I/O (main.c); the lookup is pure and allocates
 * nothing. Rules: "co.jp", wildcards "*.ck", exceptions "!www.ck"; the implicit rule "*"
 * makes every single label public. */
#ifndef SANSO_PSL_H
#define SANSO_PSL_H

#include <stdbool.h>
#include <stdio.h>

#define PSL_DEFAULT_PATH	"/usr/share/publicsuffix/public_suffix_list.dat"
#define PSL_ENV			"SANSO_PSL"	/* another list (tests) */

struct psl {
	char **rules;			/* sorted, lower case, as written ("*.ck", "!www.ck") */
	int n_rules;
	bool missing;			/* the file could not be read: every lookup fails */
	char path[256];
};

/* Reads path (NULL: $SANSO_PSL, else PSL_DEFAULT_PATH). Returns a list, NULL only on ENOMEM;
 * a file that cannot be read gives a list with missing = true. */
struct psl *psl_load(const char *path);
/* The same from an open stream (unit tests). */
struct psl *psl_read(FILE *f, const char *name);
void psl_free(struct psl *l);
/* psl_load(NULL), read at the first call (the first policy parsed, at start) and kept for
 * the life of the process; NULL only on ENOMEM. Not thread-safe: the first call is made by
 * the thread that parses policies. */
const struct psl *psl_default(void);

/* 1: name (lower case, no trailing dot) is a public suffix; 0: it is not; -1: no list. */
int psl_is_public(const struct psl *l, const char *name);

#endif
