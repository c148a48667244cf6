// SPDX-License-Identifier: GPL-2.0-only
/* reply.c: a control reply's outcome line in the caller's language; see reply.h. */
#include <stdarg.h>

#include "reply.h"
#include "sansod.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"	/* ja: checked by REPLY */
void reply_say(const struct daemon *d, FILE *out, const char *en, const char *ja, ...)
{
	va_list ap;

	va_start(ap, ja);
	vfprintf(out, d->reply_ja ? ja : en, ap);
	va_end(ap);
}
#pragma GCC diagnostic pop

const char *reply_why(const struct daemon *d, const struct reply_why *w)
{
	return d->reply_ja ? w->ja : w->en;
}
