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
	int col;			/* 1-based, in characters (code points); 0: none */
	char *src;			/* the source line itself, printed with a caret; may be NULL */
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

/* Attach a column (1-based, in characters) and the source line (len bytes, no newline) to the
 * last entry: diag_print() shows "file:line:col:", then the line with a caret under column col.
 * src may be NULL (column only). */
void diag_at(struct diag *d, int col, const char *src, size_t len);
/* The column (1-based, in characters) of byte offset off of a line (UTF-8). */
int diag_col(const char *line, size_t off);

/* Print every entry, ordered by line (stable), as "file:line[:col]: error: msg" and, when ja is
 * true, an indented Japanese line; then the source line and a caret, when attached (tabs are
 * kept, wide characters take two cells). Returns the number of errors. */
int diag_print(const struct diag *d, FILE *out, int ja);

#endif
