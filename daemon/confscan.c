/* SPDX-License-Identifier: GPL-2.0-only */
/* confscan.c: see confscan.h. The lexer follows libconfig 1.5's scanner: blanks, comments
 * (#, //, block comments), strings in double quotes (they may span lines), the punctuation
 * { } ( ) [ ] ; , = : and words (names, numbers, booleans). */
#include <errno.h>
#include <iconv.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <uniname.h>
#include <unistr.h>

#include "confscan.h"

enum tk { T_EOF = 0, T_WORD, T_STR, T_PUNCT, T_BAD };

struct tok {
	enum tk k;
	const char *p;			/* first byte */
	size_t n;
	int line;			/* of p */
	const char *bol;		/* start of that line */
	bool open;			/* T_STR: no closing quote before the end */
	int end_line;			/* T_STR: line of its closing quote */
};

struct lx {
	const char *p, *bol;
	int line;
	struct tok ml;			/* the first string that spans lines (k == T_EOF: none) */
};

static void lx_init(struct lx *x, const char *text)
{
	memset(x, 0, sizeof(*x));
	x->p = x->bol = text;
	x->line = 1;
}

static void lx_nl(struct lx *x, const char *nl)
{
	x->line++;
	x->bol = nl + 1;
}

/* Skip blanks and comments. */
static void lx_skip(struct lx *x)
{
	for (;;) {
		const char *p = x->p;

		if (*p == '\n') {
			lx_nl(x, p);
			x->p++;
		} else if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\f' || *p == '\v') {
			x->p++;
		} else if (*p == '#' || (p[0] == '/' && p[1] == '/')) {
			while (*x->p && *x->p != '\n')
				x->p++;
		} else if (p[0] == '/' && p[1] == '*') {
			for (x->p += 2; *x->p && !(x->p[0] == '*' && x->p[1] == '/'); x->p++) {
				if (*x->p == '\n')
					lx_nl(x, x->p);
			}
			if (*x->p)
				x->p += 2;
		} else {
			return;
		}
	}
}

static bool word_ch(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '*' || c == '.' || c == '+' || c == '-' || c == '@';
}

static void lx_next(struct lx *x, struct tok *t)
{
	const char *p;
	int n;

	lx_skip(x);
	p = x->p;
	*t = (struct tok){ T_EOF, p, 0, x->line, x->bol, false, x->line };
	if (!*p)
		return;
	if (*p == '"') {
		t->k = T_STR;
		for (p++; *p && *p != '"'; p++) {
			if (*p == '\\' && p[1])
				p++;
			if (*p == '\n')
				lx_nl(x, p);
		}
		t->open = !*p;
		t->end_line = x->line;
		x->p = *p ? p + 1 : p;
		if (x->ml.k == T_EOF && (t->end_line != t->line || t->open))
			x->ml = *t;
	} else if (strchr("{}()[];,=:", *p)) {
		t->k = T_PUNCT;
		x->p = p + 1;
	} else if (word_ch((unsigned char)*p)) {
		t->k = T_WORD;
		while (word_ch((unsigned char)*p))
			p++;
		x->p = p;
	} else {
		t->k = T_BAD;
		n = u8_mblen((const uint8_t *)p, strnlen(p, 4));
		x->p = p + (n > 0 ? n : 1);
	}
	t->n = (size_t)(x->p - t->p);
}

/* ---------------------------------------------------------------------------------------- */
/* Diagnostics */

static size_t line_len(const char *bol)
{
	const char *nl = strchr(bol, '\n');
	size_t n = nl ? (size_t)(nl - bol) : strlen(bol);

	return n && bol[n - 1] == '\r' ? n - 1 : n;
}

/* The error at token t (line, column, the line itself). */
static void err_at(struct diag *d, const char *name, const struct tok *t, const char *en,
		   const char *ja)
{
	diag_add(d, DIAG_ERROR, name, t->line, "%s", en);
	diag_ja(d, "%s", ja);
	diag_at(d, diag_col(t->bol, (size_t)(t->p - t->bol)), t->bol, line_len(t->bol));
}

/* How a token is quoted in a message. */
static void tok_show(const struct tok *t, char *buf, size_t len)
{
	if (t->k == T_EOF)
		snprintf(buf, len, "the end of the text");
	else if (t->k == T_STR)
		snprintf(buf, len, "a string");
	else
		snprintf(buf, len, "'%.*s'", (int)(t->n > 40 ? 40 : t->n), t->p);
}

static void tok_show_ja(const struct tok *t, char *buf, size_t len)
{
	if (t->k == T_EOF)
		snprintf(buf, len, "テキストの終わり");
	else if (t->k == T_STR)
		snprintf(buf, len, "文字列");
	else
		snprintf(buf, len, "'%.*s'", (int)(t->n > 40 ? 40 : t->n), t->p);
}

/* ---------------------------------------------------------------------------------------- */
/* Before libconfig */

size_t confscan_bom(const char *text)
{
	return text && !strncmp(text, "\xef\xbb\xbf", 3) ? 3 : 0;
}

static bool decodes_as(const char *enc, const char *text, size_t len)
{
	iconv_t cd = iconv_open("UTF-8", enc);
	char out[4096], *in = (char *)text, *o;
	size_t il = len, ol, r;
	bool ok = true;

	if (cd == (iconv_t)-1)
		return false;
	while (il > 0 && ok) {
		o = out;
		ol = sizeof(out);
		r = iconv(cd, &in, &il, &o, &ol);
		if (r == (size_t)-1 && errno != E2BIG)
			ok = false;
	}
	iconv_close(cd);
	return ok;
}

const char *confscan_encoding(const char *text, size_t len, size_t *bad)
{
	static const char *const enc[] = { "SHIFT_JIS", "CP932", "EUC-JP" };
	const uint8_t *b = u8_check((const uint8_t *)text, len);
	size_t i;

	if (!b)
		return NULL;
	*bad = (size_t)(b - (const uint8_t *)text);
	for (i = 0; i < sizeof(enc) / sizeof(enc[0]); i++) {
		if (decodes_as(enc[i], text, len))
			return enc[i];
	}
	return "";
}

/* A character outside strings and comments that libconfig cannot read. */
static void bad_char(struct diag *d, const char *name, const struct tok *t)
{
	char en[512], ja[512], uname[UNINAME_MAX + 1] = "", twin[8] = "";
	ucs4_t uc;

	if ((unsigned char)*t->p < 0x80)
		return;			/* ASCII: the parser says what it expected */
	if (u8_mbtouc(&uc, (const uint8_t *)t->p, t->n) <= 0 || uc == 0xfffd) {
		snprintf(en, sizeof(en), "byte 0x%02x is not UTF-8; write the policy in UTF-8",
			 (unsigned char)*t->p);
		snprintf(ja, sizeof(ja), "バイト 0x%02x は UTF-8 ではありません。ポリシーは UTF-8 で書いてください",
			 (unsigned char)*t->p);
		err_at(d, name, t, en, ja);
		return;
	}
	uname[0] = ' ';
	if (!unicode_character_name(uc, uname + 1))
		uname[0] = '\0';	/* ideographs have no stored name */
	if (uc >= 0xff01 && uc <= 0xff5e)
		snprintf(twin, sizeof(twin), "%c", (char)(uc - 0xfee0));
	else if (uc == 0x3000)
		snprintf(twin, sizeof(twin), " ");
	if (twin[0]) {
		snprintf(en, sizeof(en), "full-width character '%.*s' (U+%04X%s) outside a string: "
			 "the policy syntax is ASCII; write '%s' (U+%04X) instead (switch the input "
			 "method to half-width)", (int)t->n, t->p, (unsigned)uc, uname, twin,
			 (unsigned)twin[0]);
		snprintf(ja, sizeof(ja), "文字列の外に全角文字 '%.*s' (U+%04X%s) があります。"
			 "設定の記号・数字・名前は半角で書きます。半角の '%s' (U+%04X) に直してください "
			 "(日本語入力をオフにして入力)", (int)t->n, t->p, (unsigned)uc, uname, twin,
			 (unsigned)twin[0]);
	} else {
		snprintf(en, sizeof(en), "character '%.*s' (U+%04X%s) outside a string: names and "
			 "values other than text are ASCII; put text in double quotes, e.g. "
			 "name = \"%.*s\";", (int)t->n, t->p, (unsigned)uc, uname, (int)t->n, t->p);
		snprintf(ja, sizeof(ja), "文字列の外に文字 '%.*s' (U+%04X%s) があります。"
			 "文字列以外は半角英数字で書きます。日本語などの文字は \"%.*s\" のように"
			 "二重引用符で囲んでください", (int)t->n, t->p, (unsigned)uc, uname,
			 (int)t->n, t->p);
	}
	err_at(d, name, t, en, ja);
}

static char closer_of(char open)
{
	return open == '{' ? '}' : open == '(' ? ')' : ']';
}

static const char *bracket_en(char c)
{
	return c == '{' || c == '}' ? "group" : c == '(' || c == ')' ? "list" : "array";
}

static const char *bracket_ja(char c)
{
	return c == '{' || c == '}' ? "グループ" : c == '(' || c == ')' ? "リスト" : "配列";
}

/* Indentation (columns of blanks, a tab counts 8) of the line that starts at bol. */
static int indent(const char *bol)
{
	int n = 0;

	for (; *bol == ' ' || *bol == '\t'; bol++)
		n += *bol == '\t' ? 8 - n % 8 : 1;
	return n;
}

static bool first_on_line(const struct tok *t)
{
	const char *p;

	for (p = t->bol; p < t->p; p++) {
		if (*p != ' ' && *p != '\t')
			return false;
	}
	return true;
}

struct brackets {
	struct tok *v;
	int n, cap;
	struct tok suspect;		/* an opener closed by a less indented closer */
	bool have_suspect, done;
};

static void unclosed(struct diag *d, const char *name, const struct tok *o, const struct tok *at)
{
	char en[512], ja[512], c = closer_of(*o->p);

	if (at->k == T_EOF) {
		snprintf(en, sizeof(en), "'%c' is never closed: the %s opened here needs a '%c' "
			 "where it ends", *o->p, bracket_en(*o->p), c);
		snprintf(ja, sizeof(ja), "ここで開いた '%c' が閉じられていません。%sの終わりに "
			 "'%c' を書いてください", *o->p, bracket_ja(*o->p), c);
	} else {
		snprintf(en, sizeof(en), "'%c' is not closed: the %s opened here needs a '%c' "
			 "before the '%c' that follows it", *o->p, bracket_en(*o->p), c, *at->p);
		snprintf(ja, sizeof(ja), "ここで開いた '%c' が閉じられていません。後に続く '%c' "
			 "より前に '%c' を書いてください", *o->p, *at->p, c);
	}
	err_at(d, name, o, en, ja);
}

/* Follow one bracket; returns 1 after it reported an error. */
static int bracket(struct brackets *b, const struct tok *t, struct diag *d, const char *name)
{
	struct tok *v;
	char en[256], ja[256];

	if (b->done)
		return 0;
	if (t->k == T_EOF) {
		if (b->n == 0)
			return 0;
		unclosed(d, name, b->have_suspect ? &b->suspect : &b->v[b->n - 1], t);
		return 1;
	}
	if (strchr("{([", *t->p)) {
		if (b->n == b->cap) {
			b->cap = b->cap ? 2 * b->cap : 64;
			v = realloc(b->v, (size_t)b->cap * sizeof(*v));
			if (!v) {
				b->done = true;		/* no memory: libconfig will say it */
				return 0;
			}
			b->v = v;
		}
		b->v[b->n++] = *t;
		return 0;
	}
	if (b->n > 0 && closer_of(*b->v[b->n - 1].p) == *t->p) {
		if (!b->have_suspect && first_on_line(t) &&
		    indent(t->bol) < indent(b->v[b->n - 1].bol)) {
			b->suspect = b->v[b->n - 1];
			b->have_suspect = true;
		}
		b->n--;
		return 0;
	}
	b->done = true;
	if (b->n > 0) {
		unclosed(d, name, b->have_suspect ? &b->suspect : &b->v[b->n - 1], t);
		return 1;
	}
	snprintf(en, sizeof(en), "'%c' closes nothing: no %s is open here; remove it or add the "
		 "opening '%c' where the %s starts", *t->p, bracket_en(*t->p),
		 *t->p == '}' ? '{' : *t->p == ')' ? '(' : '[', bracket_en(*t->p));
	snprintf(ja, sizeof(ja), "この '%c' に対応する開き括弧がありません。削除するか、%sの始まりに "
		 "'%c' を書いてください", *t->p, bracket_ja(*t->p),
		 *t->p == '}' ? '{' : *t->p == ')' ? '(' : '[');
	err_at(d, name, t, en, ja);
	return 1;
}

static void open_string(struct diag *d, const char *name, const struct tok *s)
{
	char en[512], ja[512];

	if (s->open) {
		snprintf(en, sizeof(en), "unterminated string: the string that starts here has no "
			 "closing '\"'; add it at the end of the text");
		snprintf(ja, sizeof(ja), "文字列が閉じられていません。ここで始まる文字列に終わりの "
			 "'\"' がありません。文字列の終わりに '\"' を書いてください");
	} else {
		snprintf(en, sizeof(en), "unterminated string: the string that starts here does "
			 "not end on its line (it runs %d lines further); add the closing '\"'",
			 s->end_line - s->line);
		snprintf(ja, sizeof(ja), "文字列が閉じられていません。ここで始まる文字列がこの行で"
			 "終わらず、%d 行先まで続いています。終わりの '\"' を書いてください",
			 s->end_line - s->line);
	}
	err_at(d, name, s, en, ja);
}

int confscan_not_utf8(const char *name, const char *text, size_t len, struct diag *d)
{
	size_t bad = 0;
	const char *enc = confscan_encoding(text, len, &bad), *p, *bol = text;
	int line = 1;

	if (!enc || !enc[0])
		return 0;		/* UTF-8, or not a Japanese encoding: strings are checked */
	for (p = text; p < text + bad; p++) {
		if (*p == '\n') {
			line++;
			bol = p + 1;
		}
	}
	diag_add(d, DIAG_ERROR, name, line, "the file is not UTF-8: it looks like %s (a Windows "
		 "or older Japanese editor); convert it and use the converted file: "
		 "iconv -f %s -t UTF-8 %s > %s.utf8", enc, enc, name, name);
	diag_ja(d, "ファイルが UTF-8 ではありません。%s で保存されているようです (Windows や古い"
		"エディタの既定)。変換して、変換後のファイルを使ってください: "
		"iconv -f %s -t UTF-8 %s > %s.utf8", enc, enc, name, name);
	diag_at(d, diag_col(bol, (size_t)(text + bad - bol)), NULL, 0);
	return 1;
}

int confscan_pre(const char *name, const char *text, struct diag *d)
{
	struct brackets b = { 0 };
	struct diag found;
	struct lx x;
	struct tok t;
	const char *last = NULL;	/* end of the last character reported: "４４５" is one */
	int n = 0, i, quote_line = 0;

	if (confscan_not_utf8(name, text, strlen(text), d))
		return 1;
	diag_init(&found);
	lx_init(&x, text);
	do {
		lx_next(&x, &t);
		if (t.k == T_BAD && *t.p == '\'' && t.line != quote_line && n < CONFSCAN_MAX_ERRORS) {
			err_at(&found, name, &t, "a string is written in double quotes \"...\", not "
			       "'...'", "文字列は '...' ではなく二重引用符 \"...\" で囲みます");
			quote_line = t.line;	/* what follows on the line is the quoted text */
			n++;
		} else if (t.k == T_BAD && n < CONFSCAN_MAX_ERRORS && (unsigned char)*t.p >= 0x80 &&
			   t.line != quote_line) {
			if (t.p != last) {
				bad_char(&found, name, &t);
				n++;
			}
			last = t.p + t.n;
		} else if ((t.k == T_PUNCT && strchr("{}()[]", *t.p)) || t.k == T_EOF) {
			n += bracket(&b, &t, &found, name);
		}
	} while (t.k != T_EOF);
	free(b.v);
	if (x.ml.k == T_STR && (x.ml.open || found.n > 0) &&
	    (found.n == 0 || found.v[0].line >= x.ml.line)) {
		/* a quote is missing: what follows is read inside out */
		open_string(d, name, &x.ml);
		n = 1;
	} else {
		for (i = 0; i < found.n; i++) {
			struct diag_entry *e = &found.v[i];

			diag_add(d, e->sev, e->file, e->line, "%s", e->msg);
			if (e->msg_ja)
				diag_ja(d, "%s", e->msg_ja);
			diag_at(d, e->col, e->src, e->src ? strlen(e->src) : 0);
		}
	}
	diag_fini(&found);
	return n;
}

/* ---------------------------------------------------------------------------------------- */
/* After libconfig: where the parse stops */

struct ps {
	struct lx x;
	struct tok t;			/* the current token */
	int depth;
	bool failed;
	struct tok at;			/* where it failed */
	char en[512], ja[512];
};

static void ps_next(struct ps *s)
{
	lx_next(&s->x, &s->t);
}

static bool is_p(const struct tok *t, char c)
{
	return t->k == T_PUNCT && *t->p == c;
}

static bool ps_fail(struct ps *s, const char *en, const char *ja)
{
	if (!s->failed) {
		s->failed = true;
		s->at = s->t;
		snprintf(s->en, sizeof(s->en), "%s", en);
		snprintf(s->ja, sizeof(s->ja), "%s", ja);
	}
	return false;
}

static bool is_name(const struct tok *t)
{
	size_t i;

	if (t->k != T_WORD || !((t->p[0] >= 'a' && t->p[0] <= 'z') ||
				(t->p[0] >= 'A' && t->p[0] <= 'Z') || t->p[0] == '*'))
		return false;
	for (i = 1; i < t->n; i++) {
		if (t->p[i] == '.' || t->p[i] == '+' || t->p[i] == '@')
			return false;
	}
	return true;
}

/* A number or a boolean as libconfig reads them. */
static bool is_scalar_word(const struct tok *t)
{
	char w[64], *end;
	size_t n = t->n;

	if (t->k != T_WORD || n >= sizeof(w))
		return false;
	memcpy(w, t->p, n);
	w[n] = '\0';
	if (!strcasecmp(w, "true") || !strcasecmp(w, "false"))
		return true;
	if (n > 1 && (w[n - 1] == 'L' || w[n - 1] == 'l'))
		w[--n] = '\0';
	if (n > 1 && (w[n - 1] == 'L' || w[n - 1] == 'l'))
		w[--n] = '\0';
	if (!n || strchr(w, '*') || strchr(w, '_') || strchr(w, '@'))
		return false;
	(void)strtod(w, &end);
	if (*end == '\0' && end != w)
		return true;
	(void)strtoll(w, &end, 0);
	return *end == '\0' && end != w;
}

static bool ps_value(struct ps *s);

static bool ps_scalar(struct ps *s)
{
	char en[256], ja[256], q[64];

	if (s->t.k == T_STR) {
		while (s->t.k == T_STR)		/* "a" "b" is one string */
			ps_next(s);
		return true;
	}
	if (is_scalar_word(&s->t)) {
		ps_next(s);
		return true;
	}
	tok_show(&s->t, q, sizeof(q));
	if (s->t.k == T_WORD) {
		snprintf(en, sizeof(en), "%s is not a number or true/false: write text in double "
			 "quotes, e.g. \"%.*s\"", q, (int)(s->t.n > 40 ? 40 : s->t.n), s->t.p);
		snprintf(ja, sizeof(ja), "%s は数値でも true/false でもありません。文字列は \"%.*s\" "
			 "のように二重引用符で囲んでください", q, (int)(s->t.n > 40 ? 40 : s->t.n), s->t.p);
	} else if (s->t.k == T_BAD && *s->t.p == '\'') {
		snprintf(en, sizeof(en), "a string is written in double quotes \"...\", not '...'");
		snprintf(ja, sizeof(ja), "文字列は '...' ではなく二重引用符 \"...\" で囲みます");
	} else {
		snprintf(en, sizeof(en), "expected a value (a number, \"text\", true/false, [array], "
			 "(list) or {group}), found %s", q);
		tok_show_ja(&s->t, q, sizeof(q));
		snprintf(ja, sizeof(ja), "値 (数値、\"文字列\"、true/false、[配列]、(リスト)、{グループ}) "
			 "があるべき所に %s があります", q);
	}
	return ps_fail(s, en, ja);
}

/* Elements of an array or a list up to close; an array holds scalars only. */
static bool ps_elements(struct ps *s, char close)
{
	char en[320], ja[320], q[64], qj[64];

	ps_next(s);
	if (is_p(&s->t, close)) {
		ps_next(s);
		return true;
	}
	for (;;) {
		if (close == ']' && s->t.k == T_PUNCT && strchr("{([", *s->t.p))
			return ps_fail(s, "an array [ ] holds numbers or strings only; write groups "
				       "or arrays as a list ( ), e.g. hosts = ( { ... }, { ... } );",
				       "配列 [ ] に書けるのは数値か文字列だけです。グループや配列は "
				       "リスト ( ) で書きます。例: hosts = ( { ... }, { ... } );");
		if (!(close == ']' ? ps_scalar(s) : ps_value(s)))
			return false;
		if (is_p(&s->t, close)) {
			ps_next(s);
			return true;
		}
		if (!is_p(&s->t, ',')) {
			tok_show(&s->t, q, sizeof(q));
			tok_show_ja(&s->t, qj, sizeof(qj));
			snprintf(en, sizeof(en), "expected ',' or '%c' in the %s, found %s: a comma "
				 "is missing between two elements", close, bracket_en(close), q);
			snprintf(ja, sizeof(ja), "%sの中で ',' か '%c' があるべき所に %s があります。"
				 "要素の間のカンマが抜けています", bracket_ja(close), close, qj);
			return ps_fail(s, en, ja);
		}
		ps_next(s);
	}
}

static bool ps_settings(struct ps *s, char close);

static bool ps_value(struct ps *s)
{
	bool ok;

	if (!(s->t.k == T_PUNCT && strchr("{([", *s->t.p)))
		return ps_scalar(s);
	if (++s->depth > CONFSCAN_DEPTH)
		return ps_fail(s, "nested too deep", "入れ子が深すぎます");
	if (is_p(&s->t, '{')) {
		ps_next(s);
		ok = ps_settings(s, '}');
	} else {
		ok = ps_elements(s, is_p(&s->t, '(') ? ')' : ']');
	}
	s->depth--;
	return ok;
}

static bool ps_setting(struct ps *s)
{
	char en[320], ja[320], q[64], qj[64];
	struct tok name = s->t;

	tok_show(&s->t, q, sizeof(q));
	tok_show_ja(&s->t, qj, sizeof(qj));
	if (!is_name(&s->t)) {
		if (s->t.k == T_STR) {
			snprintf(en, sizeof(en), "a setting name is written without quotes: "
				 "name = \"value\";");
			snprintf(ja, sizeof(ja), "設定の名前は引用符で囲みません: name = \"値\";");
		} else {
			snprintf(en, sizeof(en), "expected a setting name (letters, digits, '-', "
				 "'_'), found %s; a setting is written name = value;", q);
			snprintf(ja, sizeof(ja), "設定の名前 (英字・数字・'-'・'_') があるべき所に %s "
				 "があります。設定は name = value; の形で書きます", qj);
		}
		return ps_fail(s, en, ja);
	}
	ps_next(s);
	if (!is_p(&s->t, '=') && !is_p(&s->t, ':')) {
		tok_show(&s->t, q, sizeof(q));
		tok_show_ja(&s->t, qj, sizeof(qj));
		snprintf(en, sizeof(en), "expected '=' or ':' after '%.*s', found %s; write "
			 "%.*s = value; (or remove the stray word)", (int)(name.n > 40 ? 40 : name.n),
			 name.p, q, (int)(name.n > 40 ? 40 : name.n), name.p);
		snprintf(ja, sizeof(ja), "'%.*s' の後に '=' か ':' があるべき所に %s があります。"
			 "%.*s = 値; と書くか、余分な語を削除してください", (int)(name.n > 40 ? 40 : name.n),
			 name.p, qj, (int)(name.n > 40 ? 40 : name.n), name.p);
		return ps_fail(s, en, ja);
	}
	ps_next(s);
	if (!ps_value(s))
		return false;
	if (is_p(&s->t, ';') || is_p(&s->t, ','))
		ps_next(s);
	return true;
}

static bool ps_settings(struct ps *s, char close)
{
	char en[320], ja[320], q[64], qj[64];

	for (;;) {
		if (close && is_p(&s->t, close)) {
			ps_next(s);
			return true;
		}
		if (s->t.k == T_EOF) {
			if (!close)
				return true;
			tok_show(&s->t, q, sizeof(q));
			tok_show_ja(&s->t, qj, sizeof(qj));
			snprintf(en, sizeof(en), "expected '%c', found %s", close, q);
			snprintf(ja, sizeof(ja), "'%c' があるべき所に %s があります", close, qj);
			return ps_fail(s, en, ja);
		}
		if (!ps_setting(s))
			return false;
	}
}

static int first_col(const char *bol, size_t len)
{
	size_t i = 0;

	while (i < len && (bol[i] == ' ' || bol[i] == '\t'))
		i++;
	return diag_col(bol, i);
}

static const char *line_start(const char *text, int line)
{
	const char *p = text;

	while (--line > 0 && p) {
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return p;
}

void confscan_syntax(const char *name, const char *text, int line, const char *msg,
		     struct diag *d)
{
	struct ps s = { .depth = 0 };
	const char *bol;
	bool plain = !strcmp(msg, "syntax error");

	lx_init(&s.x, text);
	ps_next(&s);
	(void)ps_settings(&s, 0);
	if (plain && s.x.ml.k == T_STR && (!s.failed || s.at.p >= s.x.ml.p)) {
		open_string(d, name, &s.x.ml);
		return;
	}
	if (plain && s.failed && s.at.line == line) {
		diag_add(d, DIAG_ERROR, name, line, "syntax error: %s", s.en);
		diag_ja(d, "構文エラー: %s", s.ja);
		diag_at(d, diag_col(s.at.bol, (size_t)(s.at.p - s.at.bol)), s.at.bol,
			line_len(s.at.bol));
		return;
	}
	diag_add(d, DIAG_ERROR, name, line, "syntax error%s%s", plain ? "" : ": ",
		 plain ? "" : msg);
	diag_ja(d, "構文エラー%s%s", plain ? "" : ": ", plain ? "" : msg);
	bol = line > 0 ? line_start(text, line) : NULL;
	if (bol)
		diag_at(d, first_col(bol, line_len(bol)), bol, line_len(bol));
}

void confscan_at(struct diag *d, const char *text, int line, const char *word)
{
	const char *bol = text && line > 0 ? line_start(text, line) : NULL, *p = NULL;
	size_t len, wl = word ? strlen(word) : 0;

	if (!bol || d->n == 0)
		return;
	len = line_len(bol);
	for (p = bol; wl && p + wl <= bol + len; p++) {
		if (!strncmp(p, word, wl) && (p == bol || !word_ch((unsigned char)p[-1])) &&
		    !word_ch((unsigned char)p[wl]))
			break;
	}
	if (!wl)
		diag_at(d, first_col(bol, len), bol, len);
	else if (p + wl <= bol + len)
		diag_at(d, diag_col(bol, (size_t)(p - bol)), bol, len);
}
