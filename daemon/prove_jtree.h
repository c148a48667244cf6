/* SPDX-License-Identifier: GPL-2.0-only */
/* prove_jtree.h: a small read-only JSON tree for the proof (issue 13). nft's JSON of a big
 * table is tens of megabytes; a general DOM with a hash table per object spends most of the
 * proof's time and memory on it. Here values are laid out in a few large blocks, objects are
 * searched linearly (nft's are small), strings are unescaped in a copy of the text, and every
 * value keeps its span in the original text (rule text for witnesses). Pure. */
#ifndef SANSO_PROVE_JTREE_H
#define SANSO_PROVE_JTREE_H

#include <stdbool.h>
#include <stddef.h>

enum pj_type { PJ_NULL = 0, PJ_TRUE, PJ_FALSE, PJ_INT, PJ_REAL, PJ_STR, PJ_ARR, PJ_OBJ };

struct pj {
	enum pj_type type;
	unsigned n;			/* children of an array or object */
	const char *key;		/* a member's name (inside an object) */
	union {
		long long i;
		const char *s;
		const struct pj *c;	/* n children */
	} u;
	size_t lo, hi;			/* the value's text: [lo, hi) of the source */
};

struct pj_block;

struct pj_doc {
	const struct pj *root;
	const char *text;		/* the source (the caller's, kept alive while parsed) */
	char *buf;			/* its copy, strings unescaped in place */
	struct pj_block *blocks;
	int line;			/* of an error */
	char err[64];
};

/* 0, or -EINVAL (d->line, d->err) / -ENOMEM. pj_free in every case. */
int pj_parse(struct pj_doc *d, const char *text);
void pj_free(struct pj_doc *d);

/* NULL-tolerant accessors, as a DOM's: a missing or mistyped value reads as NULL, 0, false. */
const struct pj *pj_get(const struct pj *o, const char *key);
const struct pj *pj_at(const struct pj *a, size_t i);
size_t pj_size(const struct pj *a);
const char *pj_str(const struct pj *v);
long long pj_int(const struct pj *v);
bool pj_is(const struct pj *v, enum pj_type t);
/* A copy of v's text in the source without white space outside strings (malloc), NULL for
 * none or on ENOMEM. */
char *pj_text(const struct pj_doc *d, const struct pj *v);

#define pj_foreach(a, i, v) for ((i) = 0; (i) < pj_size(a) && ((v) = pj_at((a), (i))); (i)++)

#endif
