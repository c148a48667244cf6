/* SPDX-License-Identifier: GPL-2.0-only */
/* util_json.h: JSON string literals for the daemon's JSON outputs (status, dump, explain).
 * Writes only to the stream the caller hands in (often an open_memstream); no other I/O, no
 * logging, no allocation.
 *
 * Contract: util_json_str(o, s) writes s as one JSON string literal, quotes included:
 * '"' and '\\' are backslash-escaped, bytes below 0x20 become \u00XX, every other byte is
 * copied unchanged (UTF-8 passes through). NULL is written as "". util_json_escape() is the
 * same into a buffer, without the quotes: it returns the length written (NUL excluded) or
 * -EMSGSIZE if size cannot hold it all plus the NUL (out is then "" if size > 0). */
#ifndef SANSO_UTIL_JSON_H
#define SANSO_UTIL_JSON_H

#include <stddef.h>
#include <stdio.h>

void util_json_str(FILE *o, const char *s);
int util_json_escape(const char *s, char *out, size_t size);

#endif
