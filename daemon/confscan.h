/* SPDX-License-Identifier: GPL-2.0-only */
/* confscan.h: what libconfig cannot tell a user about a policy text. libconfig 1.5 says
 * "syntax error" and a line; this module says where on the line, what is wrong and how to fix
 * it, with the line itself and a caret (diag_at()). Before libconfig: a UTF-8 byte order mark
 * (accepted), a text in Shift_JIS or EUC-JP (the iconv line to convert it), characters outside
 * strings and comments that no policy can hold (full-width forms are named with their ASCII
 * twin), brackets that do not match (the opening one is shown). After libconfig refused a
 * text: a small parser of libconfig's grammar finds the token, and an unterminated string is
 * shown where it starts. Pure: no I/O, no logging. */
#ifndef SANSO_CONFSCAN_H
#define SANSO_CONFSCAN_H

#include <stddef.h>

#include "diag.h"

#define CONFSCAN_DEPTH		200	/* nesting the locating parser follows */
#define CONFSCAN_MAX_ERRORS	20	/* characters reported by the pre-scan */

/* Bytes of a UTF-8 byte order mark at the start of text (3), else 0. */
size_t confscan_bom(const char *text);
/* NULL when text[0..len) is UTF-8, else the encoding it decodes as ("SHIFT_JIS", "CP932",
 * "EUC-JP") or "" when none; *bad: offset of the first byte that is not UTF-8. */
const char *confscan_encoding(const char *text, size_t len, size_t *bad);
/* An error naming the encoding and the iconv line to convert name when text[0..len) is not
 * UTF-8 but decodes as a Japanese legacy encoding. Returns 1 then, else 0. */
int confscan_not_utf8(const char *name, const char *text, size_t len, struct diag *d);
/* The errors libconfig would report without saying why: not UTF-8 (only when the text decodes
 * as a Japanese legacy encoding), characters outside strings and comments, unbalanced
 * brackets. name is the file of the diagnostics. Returns the number of errors added. */
int confscan_pre(const char *name, const char *text, struct diag *d);
/* libconfig refused text with msg at line: add the error with its column, the source line
 * and a hint. */
void confscan_syntax(const char *name, const char *text, int line, const char *msg,
		     struct diag *d);
/* Column and source line of the first occurrence of word (a setting name) on line of text,
 * attached to the last entry of d (nothing when it is not there); the first non-blank of the
 * line when word is NULL. */
void confscan_at(struct diag *d, const char *text, int line, const char *word);

#endif
