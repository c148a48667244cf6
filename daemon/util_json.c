/* SPDX-License-Identifier: GPL-2.0-only */
/* util_json.c: JSON string escaping; see util_json.h. */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "util_json.h"

/* The escape of byte c into esc (NUL-terminated), or NULL if c stands for itself. */
static const char *esc_of(unsigned char c, char esc[8])
{
	static const char hex[] = "0123456789abcdef";

	if (c == '"' || c == '\\') {
		esc[0] = '\\';
		esc[1] = (char)c;
		esc[2] = '\0';
		return esc;
	}
	if (c >= 0x20)
		return NULL;
	memcpy(esc, "\\u00", 4);
	esc[4] = hex[c >> 4];
	esc[5] = hex[c & 15];
	esc[6] = '\0';
	return esc;
}

void util_json_str(FILE *o, const char *s)
{
	char esc[8];
	const char *e;

	fputc('"', o);
	for (; s && *s; s++) {
		e = esc_of((unsigned char)*s, esc);
		if (e)
			fputs(e, o);
		else
			fputc(*s, o);
	}
	fputc('"', o);
}

int util_json_escape(const char *s, char *out, size_t size)
{
	size_t n = 0, k;
	char esc[8];
	const char *e;

	if (!size)
		return -EMSGSIZE;
	for (; s && *s; s++) {
		e = esc_of((unsigned char)*s, esc);
		k = e ? strlen(e) : 1;
		if (n + k >= size || n + k > INT_MAX) {
			out[0] = '\0';
			return -EMSGSIZE;
		}
		if (e)
			memcpy(out + n, e, k);
		else
			out[n] = *s;
		n += k;
	}
	out[n] = '\0';
	return (int)n;
}
