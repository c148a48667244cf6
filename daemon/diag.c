/* SPDX-License-Identifier: GPL-2.0-only */
/* diag.c: see diag.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <unistr.h>
#include <uniwidth.h>

#include "diag.h"

void diag_init(struct diag *d)
{
	memset(d, 0, sizeof(*d));
}

void diag_fini(struct diag *d)
{
	int i;

	if (!d)
		return;
	for (i = 0; i < d->n; i++) {
		free(d->v[i].file);
		free(d->v[i].msg);
		free(d->v[i].msg_ja);
		free(d->v[i].src);
	}
	free(d->v);
	diag_init(d);
}

static struct diag_entry *diag_slot(struct diag *d)
{
	struct diag_entry *v;
	int cap;

	if (d->n >= DIAG_MAX_ENTRIES)
		return NULL;
	if (d->n == d->cap) {
		cap = d->cap ? d->cap * 2 : 16;
		v = realloc(d->v, (size_t)cap * sizeof(*v));
		if (!v)
			return NULL;
		d->v = v;
		d->cap = cap;
	}
	return &d->v[d->n];
}

void diag_vadd(struct diag *d, enum diag_sev sev, const char *file, int line,
	       const char *fmt, va_list ap)
{
	struct diag_entry *e;

	if (sev == DIAG_ERROR)
		d->errors++;
	else if (sev == DIAG_WARNING)
		d->warnings++;
	e = diag_slot(d);
	if (!e) {
		d->dropped++;
		return;
	}
	memset(e, 0, sizeof(*e));
	e->sev = sev;
	e->line = line;
	if (vasprintf(&e->msg, fmt, ap) < 0) {
		e->msg = NULL;
		d->dropped++;
		return;
	}
	if (file && !(e->file = strdup(file))) {
		free(e->msg);
		d->dropped++;
		return;
	}
	d->n++;
}

void diag_add(struct diag *d, enum diag_sev sev, const char *file, int line,
	      const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vadd(d, sev, file, line, fmt, ap);
	va_end(ap);
}

void diag_ja(struct diag *d, const char *fmt, ...)
{
	struct diag_entry *e;
	va_list ap;

	if (d->n == 0)
		return;
	e = &d->v[d->n - 1];
	free(e->msg_ja);
	va_start(ap, fmt);
	if (vasprintf(&e->msg_ja, fmt, ap) < 0)
		e->msg_ja = NULL;
	va_end(ap);
}

void diag_at(struct diag *d, int col, const char *src, size_t len)
{
	struct diag_entry *e;

	if (d->n == 0)
		return;
	e = &d->v[d->n - 1];
	e->col = col > 0 ? col : 0;
	free(e->src);
	e->src = src ? strndup(src, len < 4096 ? len : 4096) : NULL;
}

int diag_col(const char *line, size_t off)
{
	const uint8_t *p = (const uint8_t *)line, *end = p + off;
	int col = 1, n;
	ucs4_t uc;

	while (p < end && *p) {
		n = u8_mbtouc(&uc, p, (size_t)(end - p));
		p += n > 0 ? n : 1;
		col++;
	}
	return col;
}

/* The source line, then blanks up to column col (a tab stays a tab, a wide character takes
 * two cells) and a caret. Control bytes of the line are shown as '?'. */
static void diag_caret(const struct diag_entry *e, FILE *out)
{
	const uint8_t *p = (const uint8_t *)e->src;
	size_t len = strlen(e->src);
	int i, n, w;
	ucs4_t uc;

	fputs("    ", out);
	for (i = 0; e->src[i]; i++)
		fputc((unsigned char)e->src[i] < 0x20 && e->src[i] != '\t' ? '?' : e->src[i], out);
	fputs("\n    ", out);
	for (i = 1; i < e->col && *p; i++) {
		n = u8_mbtouc(&uc, p, len);
		w = *p == '\t' ? -1 : uc_width(uc, "UTF-8");
		if (w < 0)
			fputc(*p == '\t' ? '\t' : ' ', out);
		else
			fprintf(out, "%*s", w, "");
		p += n > 0 ? n : 1;
		len -= n > 0 ? (size_t)n : 1;
	}
	fputs("^\n", out);
}

static int diag_cmp(const void *a, const void *b)
{
	const struct diag_entry *const *x = a, *const *y = b;

	if ((*x)->line != (*y)->line)
		return (*x)->line < (*y)->line ? -1 : 1;
	return *x < *y ? -1 : (*x > *y);	/* stable: original order */
}

static const char *const sev_name[DIAG_SEV_MAX] = { "error", "warning", "note" };

int diag_print(const struct diag *d, FILE *out, int ja)
{
	const struct diag_entry **order;
	int i;

	order = malloc((size_t)(d->n ? d->n : 1) * sizeof(*order));
	for (i = 0; i < d->n; i++) {
		if (order)
			order[i] = &d->v[i];
	}
	if (order)
		qsort(order, (size_t)d->n, sizeof(*order), diag_cmp);
	for (i = 0; i < d->n; i++) {
		const struct diag_entry *e = order ? order[i] : &d->v[i];

		if (e->file && e->line > 0 && e->col > 0)
			fprintf(out, "%s:%d:%d: ", e->file, e->line, e->col);
		else if (e->file && e->line > 0)
			fprintf(out, "%s:%d: ", e->file, e->line);
		else if (e->file)
			fprintf(out, "%s: ", e->file);
		fprintf(out, "%s: %s\n", sev_name[e->sev], e->msg);
		if (ja && e->msg_ja)
			fprintf(out, "    %s\n", e->msg_ja);
		if (e->src && e->col > 0)
			diag_caret(e, out);
	}
	if (d->dropped)
		fprintf(out, "(%d more diagnostics not shown)\n", d->dropped);
	free(order);
	return d->errors;
}
