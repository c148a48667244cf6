/* SPDX-License-Identifier: GPL-2.0-only */
/* conftext.c: a policy file with its includes inlined; see conftext.h. The scanner follows
 * libconfig's: `@include "path"` counts at the start of a line (after blanks) outside block
 * comments and strings, and the rest of that line is read as usual. */
#include <errno.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "confscan.h"
#include "conftext.h"
#include "sha256.h"

struct flat {
	struct conf_text *t;
	FILE *out;			/* memstream of t->text */
	int line;			/* lines written so far */
	char dir[4096];			/* of the main file */
	struct diag *diag;
	char *main;			/* the main file's bytes */
	size_t main_len;
};

static int slurp(const char *path, char **ret, size_t *ret_len)
{
	struct stat st;
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t n;
	int r = 0;

	if (!f)
		return -errno;
	if (fstat(fileno(f), &st) < 0 || S_ISDIR(st.st_mode) || st.st_size > CONF_TEXT_MAX) {
		r = S_ISDIR(st.st_mode) ? -EISDIR : -EFBIG;
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		r = -ENOMEM;
		goto out;
	}
	n = fread(buf, 1, (size_t)st.st_size + 1, f);
	if (ferror(f) || n > (size_t)st.st_size) {	/* it grew while we read */
		r = ferror(f) ? -EIO : -EAGAIN;
		goto out;
	}
	buf[n] = '\0';
	*ret = buf;
	*ret_len = n;
	buf = NULL;
out:
	free(buf);
	fclose(f);
	return r;
}

static int seg_add(struct flat *fl, int src, int line)
{
	struct conf_text *t = fl->t;

	if (t->n_segs == t->cap_segs) {
		int cap = t->cap_segs ? 2 * t->cap_segs : 16;
		struct conf_seg *v = realloc(t->segs, (size_t)cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		t->segs = v;
		t->cap_segs = cap;
	}
	t->segs[t->n_segs++] = (struct conf_seg){ fl->line + 1, src, line };
	return 0;
}

/* Scanner state carried from line to line. */
struct lex {
	bool comment, string;
};

/* Advance over one line (up to, not including, '\n'). */
static void lex_line(struct lex *x, const char *p, const char *end)
{
	for (; p < end; p++) {
		if (x->comment) {
			if (p[0] == '*' && p + 1 < end && p[1] == '/') {
				x->comment = false;
				p++;
			}
		} else if (x->string) {
			if (*p == '\\' && p + 1 < end)
				p++;
			else if (*p == '"')
				x->string = false;
		} else if (*p == '"') {
			x->string = true;
		} else if (*p == '#' || (p[0] == '/' && p + 1 < end && p[1] == '/')) {
			return;
		} else if (p[0] == '/' && p + 1 < end && p[1] == '*') {
			x->comment = true;
			p++;
		}
	}
}

/* If line is an include directive: its path (unescaped into buf) and where the rest starts. */
static bool include_line(const char *p, const char *end, char *buf, size_t len,
			 const char **rest)
{
	size_t n = 0;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if ((size_t)(end - p) < 9 || strncmp(p, "@include", 8) || (p[8] != ' ' && p[8] != '\t'))
		return false;
	for (p += 8; p < end && (*p == ' ' || *p == '\t'); p++)
		;
	if (p >= end || *p++ != '"')
		return false;
	for (; p < end && *p != '"'; p++) {
		if (*p == '\\' && p + 1 < end)
			p++;
		if (n + 1 < len)
			buf[n++] = *p;
	}
	buf[n] = '\0';
	*rest = p < end ? p + 1 : end;
	return p < end;
}

static int flat_file(struct flat *fl, const char *path, const char *written, int depth,
		     const char *from, int from_line);

static int src_add(struct conf_text *t, const char *path, const char *sha, bool recorded)
{
	struct conf_src *files = realloc(t->files, (size_t)(t->n_files + 1) * sizeof(*files));

	if (!files)
		return -ENOMEM;
	t->files = files;
	files[t->n_files].path = strdup(path);
	if (!files[t->n_files].path)
		return -ENOMEM;
	snprintf(files[t->n_files].sha256, sizeof(files[t->n_files].sha256), "%s", sha);
	files[t->n_files].recorded = recorded;
	return t->n_files++;
}

/* A marker line of an already flattened text: the include it stands for is kept in the
 * list of files (status, audit), so a staged change still names what it was made of. */
static int marker(struct flat *fl, const char *p, const char *end)
{
	static const char pfx[] = "# sanso: @include \"";
	char line[4200], *eq, *sha;

	if (fl->t->n_files >= 4 * CONF_TEXT_FILES || (size_t)(end - p) >= sizeof(line) ||
	    (size_t)(end - p) < sizeof(pfx) ||
	    strncmp(p, pfx, sizeof(pfx) - 1))
		return 0;
	memcpy(line, p, (size_t)(end - p));
	line[end - p] = '\0';
	eq = strstr(line, "\" = ");
	sha = strrchr(line, ' ');
	if (!eq || !sha || sha - line < 7 || strncmp(sha - 7, " sha256", 7) ||
	    strlen(sha + 1) != 64 || strspn(sha + 1, "0123456789abcdef") != 64)
		return 0;
	sha[-7] = '\0';
	return src_add(fl->t, eq + 4, sha + 1, true) < 0 ? -ENOMEM : 0;
}

static int flat_text(struct flat *fl, int src, const char *text, size_t len, int depth)
{
	const char *p = text, *end = text + len, *nl, *rest;
	char inc[4096];
	struct lex x = { false, false };
	int line = 1, r;

	if ((r = seg_add(fl, src, 1)) < 0)
		return r;
	if (!depth && !memmem(text, len, "@include", 8))
		return 0;	/* nothing to expand: the main file's bytes are the text */
	for (; p < end; p = nl + 1, line++) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		if (x.comment || x.string || !include_line(p, nl, inc, sizeof(inc), &rest)) {
			if (!x.comment && !x.string && (r = marker(fl, p, nl)) < 0)
				return r;
			lex_line(&x, p, nl);
			fprintf(fl->out, "%.*s\n", (int)(nl - p), p);
			fl->line++;
			continue;
		}
		r = flat_file(fl, inc, inc, depth + 1, fl->t->files[src].path, line);
		if (r < 0)
			return r;
		lex_line(&x, rest, nl);
		fprintf(fl->out, "%.*s\n", (int)(nl - rest), rest);	/* the rest of the line */
		if ((r = seg_add(fl, src, line)) < 0)
			return r;
		fl->line++;
		if ((r = seg_add(fl, src, line + 1)) < 0)
			return r;
	}
	if (depth && (x.comment || x.string)) {	/* it would swallow what follows it */
		diag_add(fl->diag, DIAG_ERROR, fl->t->files[src].path, line - 1,
			 "included file ends inside a %s", x.comment ? "comment" : "string");
		diag_ja(fl->diag, "インクルードされたファイルが%sの途中で終わっています",
			x.comment ? "コメント" : "文字列");
		return -EINVAL;
	}
	return 0;
}

static int flat_file(struct flat *fl, const char *path, const char *written, int depth,
		     const char *from, int from_line)
{
	struct conf_text *t = fl->t;
	char full[8192], *text = NULL, hex[SHA256_HEX_SIZE];
	uint8_t dg[SHA256_DIGEST_SIZE];
	size_t len = 0, bom;
	int r, src;

	if (depth && path[0] != '/')
		snprintf(full, sizeof(full), "%s/%s", fl->dir, path);
	else
		snprintf(full, sizeof(full), "%s", path);
	r = depth > CONF_TEXT_DEPTH || t->n_read >= CONF_TEXT_FILES ? -ELOOP : slurp(full, &text, &len);
	if (r < 0) {
		diag_add(fl->diag, DIAG_ERROR, from ? from : full, from_line, "%s%s%scannot read: %s",
			 from ? "@include \"" : "", from ? written : "", from ? "\": " : "",
			 r == -ELOOP ? "includes nested too deep" : strerror(-r));
		diag_ja(fl->diag, "読み込めません: %s", strerror(-r));
		return r;
	}
	if (confscan_not_utf8(full, text, len, fl->diag)) {	/* Shift_JIS: the iconv line */
		free(text);
		return -EILSEQ;
	}
	sha256_buf(text, len, dg);
	sha256_hex(dg, hex);
	src = src_add(t, full, hex, false);
	if (src < 0) {
		free(text);
		return src;
	}
	t->n_read++;
	if (depth) {
		if ((r = seg_add(fl, src, 0)) < 0)
			goto out;
		fprintf(fl->out, "# sanso: @include \"%s\" = %s sha256 %s\n", written, full, hex);
		fl->line++;
	}
	bom = depth ? confscan_bom(text) : 0;	/* the main file's: conf_load_string() */
	r = flat_text(fl, src, text + bom, len - bom, depth);
	if (r >= 0 && depth) {
		fprintf(fl->out, "# sanso: end of @include \"%s\"\n", written);
		fl->line++;
	}
out:
	if (!depth && r >= 0) {
		fl->main = text;
		fl->main_len = len;
	} else {
		free(text);
	}
	return r;
}

int conf_text_read(const char *path, struct conf_text *ret, struct diag *diag)
{
	struct conf_text t = { 0 };
	struct flat fl = { .t = &t, .diag = diag };
	char *dir = strdup(path);
	uint8_t dg[SHA256_DIGEST_SIZE];
	int r;

	if (!dir)
		return -ENOMEM;
	snprintf(fl.dir, sizeof(fl.dir), "%s", dirname(dir));
	free(dir);
	fl.out = open_memstream(&t.text, &t.len);
	if (!fl.out)
		return -ENOMEM;
	r = flat_file(&fl, path, path, 0, NULL, 0);
	if (fclose(fl.out) && r >= 0)
		r = -ENOMEM;
	if (r >= 0 && t.n_read == 1) {		/* no include: the bytes as they are */
		free(t.text);
		t.text = fl.main;
		t.len = fl.main_len;
		fl.main = NULL;
	}
	free(fl.main);
	if (r >= 0 && (!t.text || t.len > CONF_TEXT_MAX || memchr(t.text, '\0', t.len)))
		r = -EINVAL;
	if (r < 0) {
		if (r == -EINVAL) {
			diag_add(diag, DIAG_ERROR, path, 0, "not a text file (NUL byte) or too large");
			diag_ja(diag, "テキストファイルではない (NUL バイト) か、大きすぎます");
		}
		conf_text_free(&t);
		return r;
	}
	sha256_buf(t.text, t.len, dg);
	sha256_hex(dg, t.sha256);
	*ret = t;
	return 0;
}

void conf_text_free(struct conf_text *t)
{
	int i;

	if (!t)
		return;
	for (i = 0; i < t->n_files; i++)
		free(t->files[i].path);
	free(t->files);
	free(t->segs);
	free(t->text);
	memset(t, 0, sizeof(*t));
}

void conf_text_map_diag(const struct conf_text *t, const char *file, struct diag *d, int first)
{
	int i, s;

	if (!t || t->n_read < 2)
		return;			/* the text is the file: nothing to map */
	for (i = first; i < d->n; i++) {
		struct diag_entry *e = &d->v[i];
		char *path;

		if (!e->file || strcmp(e->file, file) || e->line <= 0)
			continue;
		for (s = t->n_segs - 1; s > 0 && t->segs[s].flat_line > e->line; s--)
			;
		path = strdup(t->files[t->segs[s].src].path);
		if (!path)
			continue;
		free(e->file);
		e->file = path;
		e->line = t->segs[s].line ? t->segs[s].line + (e->line - t->segs[s].flat_line) : 0;
	}
}

char *conf_text_includes(const struct conf_text *t)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);
	int i;

	if (!f)
		return NULL;
	for (i = 1; t && i < t->n_files; i++)
		fprintf(f, "%s%s %s", i > 1 ? "; " : "", t->files[i].path, t->files[i].sha256);
	if (fclose(f)) {
		free(s);
		return NULL;
	}
	return s;
}
