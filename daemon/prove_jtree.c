// SPDX-License-Identifier: GPL-2.0-only
/* prove_jtree.c: a small read-only JSON tree for the proof; see prove_jtree.h.
 * Recursive descent over a copy of the text; the children of an array or object are gathered
 * on a stack and moved to one block when it closes. Depth is bounded (PJ_DEPTH). Pure. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prove_jtree.h"

#define PJ_DEPTH	64
#define PJ_BLOCK	(64 * 1024)

struct pj_block {
	struct pj_block *next;
	size_t n, cap;
	struct pj v[];
};

struct ps {
	struct pj_doc *d;
	char *p;
	struct pj *stk;
	size_t n_stk, cap_stk;
	int depth;
};

static struct pj *block_alloc(struct pj_doc *d, size_t n)
{
	struct pj_block *b = d->blocks;
	size_t cap;

	if (!b || b->cap - b->n < n) {
		cap = n > PJ_BLOCK ? n : PJ_BLOCK;
		b = malloc(sizeof(*b) + cap * sizeof(b->v[0]));
		if (!b)
			return NULL;
		b->next = d->blocks;
		b->n = 0;
		b->cap = cap;
		d->blocks = b;
	}
	b->n += n;
	return &b->v[b->n - n];
}

static int fail(struct ps *s, const char *what)
{
	const char *q;

	snprintf(s->d->err, sizeof(s->d->err), "%s", what);
	for (s->d->line = 1, q = s->d->buf; q < s->p && *q; q++)
		s->d->line += *q == '\n';
	return -EINVAL;
}

static void ws(struct ps *s)
{
	while (*s->p == ' ' || *s->p == '\n' || *s->p == '\t' || *s->p == '\r')
		s->p++;
}

static int hex4(const char *p, unsigned *v)
{
	int i;

	for (*v = 0, i = 0; i < 4; i++) {
		char c = p[i];

		*v <<= 4;
		if (c >= '0' && c <= '9')
			*v |= (unsigned)(c - '0');
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			*v |= (unsigned)((c | 0x20) - 'a' + 10);
		else
			return -1;
	}
	return 0;
}

static char *utf8(char *w, unsigned c)
{
	if (c < 0x80) {
		*w++ = (char)c;
	} else if (c < 0x800) {
		*w++ = (char)(0xc0 | c >> 6);
		*w++ = (char)(0x80 | (c & 0x3f));
	} else if (c < 0x10000) {
		*w++ = (char)(0xe0 | c >> 12);
		*w++ = (char)(0x80 | (c >> 6 & 0x3f));
		*w++ = (char)(0x80 | (c & 0x3f));
	} else {
		*w++ = (char)(0xf0 | c >> 18);
		*w++ = (char)(0x80 | (c >> 12 & 0x3f));
		*w++ = (char)(0x80 | (c >> 6 & 0x3f));
		*w++ = (char)(0x80 | (c & 0x3f));
	}
	return w;
}

/* One escape after the backslash at *r: written at *w. */
static int unescape(char **r, char **w)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *k = strchr(from, **r);
	unsigned c, lo;

	if (**r && k) {
		*(*w)++ = to[k - from];
		(*r)++;
		return 0;
	}
	if (**r != 'u' || hex4(*r + 1, &c))
		return -1;
	*r += 5;
	if (c >= 0xd800 && c < 0xdc00 && (*r)[0] == '\\' && (*r)[1] == 'u' &&
	    !hex4(*r + 2, &lo) && lo >= 0xdc00 && lo < 0xe000) {
		c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
		*r += 6;
	}
	*w = utf8(*w, c);
	return 0;
}

/* A string at the opening quote: unescaped in place, NUL-terminated. */
static int string(struct ps *s, const char **ret)
{
	char *r = ++s->p, *w = r;

	*ret = w;
	while (*r != '"') {
		if (!*r || (unsigned char)*r < 0x20)
			return s->p = r, fail(s, "bad string");
		if (*r != '\\') {
			*w++ = *r++;
			continue;
		}
		r++;
		if (unescape(&r, &w))
			return s->p = r, fail(s, "bad escape");
	}
	*w = '\0';
	s->p = r + 1;
	return 0;
}

static int number(struct ps *s, struct pj *v)
{
	char *end;

	errno = 0;
	v->u.i = strtoll(s->p, &end, 10);
	if (end == s->p)
		return fail(s, "bad value");
	v->type = PJ_INT;
	if (*end == '.' || *end == 'e' || *end == 'E' || errno) {
		(void)strtod(s->p, &end);
		v->type = PJ_REAL;
		v->u.i = 0;
	}
	s->p = end;
	return 0;
}

static int push(struct ps *s, const struct pj *v)
{
	if (s->n_stk == s->cap_stk) {
		size_t cap = s->cap_stk ? 2 * s->cap_stk : 1024;
		struct pj *n = realloc(s->stk, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		s->stk = n;
		s->cap_stk = cap;
	}
	s->stk[s->n_stk++] = *v;
	return 0;
}

static int value(struct ps *s, struct pj *v);

/* An array or object at its opening bracket; its children end up in one block. */
static int container(struct ps *s, struct pj *v, bool obj)
{
	size_t base = s->n_stk;
	struct pj c, *kids;
	const char *key = NULL;
	int r = 0;

	if (++s->depth > PJ_DEPTH)
		return fail(s, "too deep");
	v->type = obj ? PJ_OBJ : PJ_ARR;
	s->p++;
	ws(s);
	while (*s->p != (obj ? '}' : ']') && !r) {
		if (s->n_stk > base && *s->p++ != ',')
			return s->p--, fail(s, "expected ','");
		ws(s);
		if (obj && (*s->p != '"' || string(s, &key)))
			return fail(s, "expected a member name");
		ws(s);
		if (obj && *s->p++ != ':')
			return s->p--, fail(s, "expected ':'");
		memset(&c, 0, sizeof(c));
		r = value(s, &c);
		c.key = key;
		r = r ?: push(s, &c);
		ws(s);
	}
	if (r)
		return r;
	s->p++;
	v->n = (unsigned)(s->n_stk - base);
	kids = v->n ? block_alloc(s->d, v->n) : NULL;
	if (v->n && !kids)
		return -ENOMEM;
	if (v->n)
		memcpy(kids, &s->stk[base], v->n * sizeof(*kids));
	v->u.c = kids;
	s->n_stk = base;
	s->depth--;
	return 0;
}

static int value(struct ps *s, struct pj *v)
{
	static const struct { const char *w; enum pj_type t; } lit[] = {
		{ "true", PJ_TRUE }, { "false", PJ_FALSE }, { "null", PJ_NULL },
	};
	size_t i;
	int r = 0;

	ws(s);
	v->lo = (size_t)(s->p - s->d->buf);
	if (*s->p == '{' || *s->p == '[') {
		r = container(s, v, *s->p == '{');
	} else if (*s->p == '"') {
		v->type = PJ_STR;
		r = string(s, &v->u.s);
	} else if (*s->p == '-' || (*s->p >= '0' && *s->p <= '9')) {
		r = number(s, v);
	} else {
		for (i = 0; i < 3 && strncmp(s->p, lit[i].w, strlen(lit[i].w)); i++)
			;
		if (i == 3)
			return fail(s, "bad value");
		v->type = lit[i].t;
		s->p += strlen(lit[i].w);
	}
	v->hi = (size_t)(s->p - s->d->buf);
	return r;
}

int pj_parse(struct pj_doc *d, const char *text)
{
	struct ps s = { .d = d };
	struct pj *root;
	size_t len = strlen(text);
	int r = -ENOMEM;

	memset(d, 0, sizeof(*d));
	d->text = text;
	d->buf = malloc(len + 1);
	root = d->buf ? block_alloc(d, 1) : NULL;
	if (!root)
		return r;
	memcpy(d->buf, text, len + 1);
	memset(root, 0, sizeof(*root));
	s.p = d->buf;
	r = value(&s, root);
	ws(&s);
	if (!r && *s.p)
		r = fail(&s, "text after the value");
	free(s.stk);
	d->root = r ? NULL : root;
	return r;
}

void pj_free(struct pj_doc *d)
{
	struct pj_block *b, *n;

	for (b = d->blocks; b; b = n) {
		n = b->next;
		free(b);
	}
	free(d->buf);
	d->blocks = NULL;
	d->buf = NULL;
	d->root = NULL;
}

const struct pj *pj_get(const struct pj *o, const char *key)
{
	unsigned i;

	if (!o || o->type != PJ_OBJ)
		return NULL;
	for (i = 0; i < o->n; i++)
		if (!strcmp(o->u.c[i].key, key))
			return &o->u.c[i];
	return NULL;
}

const struct pj *pj_at(const struct pj *a, size_t i)
{
	return a && a->type == PJ_ARR && i < a->n ? &a->u.c[i] : NULL;
}

size_t pj_size(const struct pj *a)
{
	return a && a->type == PJ_ARR ? a->n : 0;
}

const char *pj_str(const struct pj *v)
{
	return v && v->type == PJ_STR ? v->u.s : NULL;
}

long long pj_int(const struct pj *v)
{
	return v && v->type == PJ_INT ? v->u.i : 0;
}

bool pj_is(const struct pj *v, enum pj_type t)
{
	return v && v->type == t;
}

char *pj_text(const struct pj_doc *d, const struct pj *v)
{
	const char *q;
	bool in = false, esc = false;
	char *t, *w;

	if (!v)
		return NULL;
	t = malloc(v->hi - v->lo + 1);
	if (!t)
		return NULL;
	for (w = t, q = d->text + v->lo; q < d->text + v->hi; q++) {
		if (!in && (*q == ' ' || *q == '\n' || *q == '\t' || *q == '\r'))
			continue;	/* compact: no white space outside strings */
		*w++ = *q;
		if (in && !esc && *q == '"')
			in = false;
		else if (!in && *q == '"')
			in = true;
		esc = in && !esc && *q == '\\';
	}
	*w = '\0';
	return t;
}
