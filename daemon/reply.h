/* SPDX-License-Identifier: GPL-2.0-only */
/* reply.h: the outcome lines of a control reply in the caller's language. sansoctl sends
 * lang=ja under LANG=ja* (d->reply_ja); an outcome (applied, refused and why, what to do next)
 * is given in both languages, technical listings and tables stay as they are. REPLY checks
 * both formats against the arguments at compile time. */
#ifndef SANSO_REPLY_H
#define SANSO_REPLY_H

#include <stdio.h>

struct daemon;

void reply_say(const struct daemon *d, FILE *out, const char *en, const char *ja, ...)
	__attribute__((format(printf, 3, 5)));

/* A reason given in both languages (the audit trail keeps the English one). */
struct reply_why {
	const char *en, *ja;
};

/* The reason in the caller's language. */
const char *reply_why(const struct daemon *d, const struct reply_why *w);

/* The never-run printf lets the compiler check ja's format against the same arguments. */
#define REPLY(d, out, en, ja, ...)						\
	((void)(0 && printf(ja, ##__VA_ARGS__)), reply_say(d, out, en, ja, ##__VA_ARGS__))

#endif
