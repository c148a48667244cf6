/* SPDX-License-Identifier: GPL-2.0-only */
/* diag.h: accumulated diagnostics ("file:line: message"), so a user sees every error at once.
 * Pure: formatting and storage only. Messages are English; a Japanese line may follow each. */
#ifndef SANSO_DIAG_H
#define SANSO_DIAG_H

#include <stdarg.h>
#include <stdio.h>

enum diag_sev {
	DIAG_ERROR = 0,
	DIAG_WARNING,
	DIAG_NOTE,
	DIAG_SEV_MAX
};

#define DIAG_MAX_ENTRIES 10000		/* beyond this, one "too many errors" entry */

struct diag_entry {
	enum diag_sev sev;
	char *file;			/* may be NULL */
	int line;			/* 0: no line */
	char *msg;			/* English */
	char *msg_ja;			/* Japanese, may be NULL */
};

struct diag {
	struct diag_entry *v;
	int n, cap;
	int errors, warnings;
	int dropped;			/* entries not stored (ENOMEM or over the limit) */
};

void diag_init(struct diag *d);
void diag_fini(struct diag *d);		/* NULL-safe; leaves d empty and reusable */

/* Add an entry. fmt is the English message; the Japanese one may be added with diag_ja()
 * right after. Never fails: an entry that cannot be stored is counted in 'dropped'. */
void diag_add(struct diag *d, enum diag_sev sev, const char *file, int line,
	      const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void diag_vadd(struct diag *d, enum diag_sev sev, const char *file, int line,
	       const char *fmt, va_list ap) __attribute__((format(printf, 5, 0)));
/* Attach a Japanese message to the last entry. */
void diag_ja(struct diag *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Print every entry, ordered by line (stable), as "file:line: error: msg" and, when ja is
 * true, an indented Japanese line. Returns the number of errors. */
int diag_print(const struct diag *d, FILE *out, int ja);

#endif
