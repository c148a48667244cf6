/* SPDX-License-Identifier: GPL-2.0-only */
/* test_confscan.c: configuration errors that teach. A UTF-8 byte order mark is accepted; a
 * full-width character outside a string is named with its ASCII twin at line:column; a
 * Shift_JIS text is named with the iconv line; an unterminated string is shown where it starts;
 * an unclosed '{' is shown where it opens; a syntax error gets its column and the line with a
 * caret (aligned under wide characters); an error in an included file names that file and its
 * own line; Japanese text in strings still loads; hostile text never crashes. */
#include <check.h>
#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "confscan.h"
#include "conftext.h"
#include "policy.h"

Suite *suite_confscan(void);

static char *slurp_file(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf;
	long n;

	ck_assert_ptr_nonnull(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_int_eq(fread(buf, 1, (size_t)n, f), n);
	fclose(f);
	return buf;
}

/* conf/three-tier.conf with the first 'from' replaced by 'to' (and prefixed by pre). */
static char *variant(const char *pre, const char *from, const char *to)
{
	char *s = slurp_file("conf/three-tier.conf"), *p, *r;

	p = from ? strstr(s, from) : s;
	ck_assert_ptr_nonnull(p);
	ck_assert_int_ge(asprintf(&r, "%s%.*s%s%s", pre, (int)(p - s), s, from ? to : "",
				  p + (from ? strlen(from) : 0)), 0);
	free(s);
	return r;
}

static int load(const char *text, struct diag *d)
{
	struct policy *p = NULL;
	int r;

	diag_init(d);
	r = conf_load_string("t.conf", text, &p, d);
	policy_free(p);
	return r;
}

static char *printed(const struct diag *d)
{
	char *s = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&s, &n);

	ck_assert_ptr_nonnull(f);
	diag_print(d, f, 1);
	fclose(f);
	return s;
}

START_TEST(test_bom_accepted)
{
	char *t = variant("\xef\xbb\xbf", NULL, NULL);
	struct diag d;

	ck_assert_int_eq(load(t, &d), 0);
	ck_assert_int_eq(d.errors, 0);
	diag_fini(&d);
	free(t);
}
END_TEST

START_TEST(test_fullwidth)
{
	char *t = variant("", "model = \"three-tier\";", "model = \"three-tier\"\xef\xbc\x9b"), *out;
	struct diag d;

	ck_assert_int_eq(load(t, &d), -EINVAL);
	ck_assert_int_eq(d.n, 1);
	ck_assert_int_eq(d.v[0].line, 8);
	ck_assert_int_eq(d.v[0].col, 23);
	ck_assert_ptr_nonnull(strstr(d.v[0].msg, "U+FF1B FULLWIDTH SEMICOLON"));
	ck_assert_ptr_nonnull(strstr(d.v[0].msg, "write ';'"));
	ck_assert_ptr_nonnull(strstr(d.v[0].msg_ja, "半角の ';'"));
	out = printed(&d);
	ck_assert_ptr_nonnull(strstr(out, "t.conf:8:23: error: full-width character"));
	ck_assert_ptr_nonnull(strstr(out, "\n      model = \"three-tier\"\xef\xbc\x9b\n"
				      "                          ^\n"));
	free(out);
	diag_fini(&d);
	free(t);
}
END_TEST

START_TEST(test_fullwidth_digits_space)
{
	char *t = variant("", "ports = [443]", "ports = [\xef\xbc\x94\xef\xbc\x94\xef\xbc\x95]");
	char *t2 = variant("", "model = ", "model\xe3\x80\x80= ");
	struct diag d;

	ck_assert_int_eq(load(t, &d), -EINVAL);
	ck_assert_int_eq(d.n, 1);	/* "４４５" is one mistake */
	ck_assert_ptr_nonnull(strstr(d.v[0].msg, "U+FF14 FULLWIDTH DIGIT FOUR"));
	ck_assert_int_eq(d.v[0].col, 29);
	diag_fini(&d);
	ck_assert_int_eq(load(t2, &d), -EINVAL);
	ck_assert_int_eq(d.n, 1);
	ck_assert_ptr_nonnull(strstr(d.v[0].msg, "U+3000 IDEOGRAPHIC SPACE"));
	ck_assert_int_eq(d.v[0].line, 8);
	ck_assert_int_eq(d.v[0].col, 8);
	diag_fini(&d);
	free(t);
	free(t2);
}
END_TEST

START_TEST(test_sjis)
{
	char *t = variant("", NULL, NULL), *s = calloc(1, 2 * strlen(t) + 1);
	char *in = t, *out = s;
	size_t il = strlen(t), ol = 2 * il;
	iconv_t cd = iconv_open("SHIFT_JIS//TRANSLIT", "UTF-8");
	struct diag d;

	ck_assert(cd != (iconv_t)-1);
	ck_assert(iconv(cd, &in, &il, &out, &ol) != (size_t)-1);
	iconv_close(cd);
	ck_assert_int_eq(load(s, &d), -EINVAL);
	ck_assert_int_eq(d.n, 1);
	ck_assert_ptr_nonnull(strstr(d.v[0].msg, "iconv -f SHIFT_JIS -t UTF-8 t.conf > t.conf.utf8"));
	ck_assert_ptr_nonnull(strstr(d.v[0].msg_ja, "UTF-8 ではありません"));
	diag_fini(&d);
	free(s);
	free(t);
}
END_TEST

START_TEST(test_unterminated_string)
{
	char *t = variant("", "purpose = \"住基ネット連携\";", "purpose = \"住基ネット連携;");
	struct diag d;

	ck_assert_int_eq(load(t, &d), -EINVAL);
	ck_assert_int_eq(d.n, 1);
	ck_assert_int_eq(d.v[0].line, 49);
	ck_assert_int_eq(d.v[0].col, 71);
	ck_assert_ptr_nonnull(strstr(d.v[0].msg, "unterminated string"));
	diag_fini(&d);
	free(t);
}
END_TEST

START_TEST(test_unclosed_brace)
{
	char *t = variant("", "\"fd10::/64\"]; };", "\"fd10::/64\"];");
	char *t2 = variant("", "\"fd10::/64\"]; };\n", "\"fd10::/64\"]; };\n}\n");
	struct diag d;

	ck_assert_int_eq(load(t, &d), -EINVAL);
	ck_assert_int_eq(d.n, 1);
	ck_assert_int_eq(d.v[0].line, 12);
	ck_assert_int_eq(d.v[0].col, 13);	/* mynumber: { */
	ck_assert_ptr_nonnull(strstr(d.v[0].msg, "'{' is never closed"));
	diag_fini(&d);
	ck_assert_int_eq(load(t2, &d), -EINVAL);	/* one '}' too many */
	ck_assert_int_eq(d.n, 1);
	ck_assert_int_eq(d.v[0].line, 22);	/* the '}' of zones then closes nothing */
	ck_assert_int_eq(d.v[0].col, 1);
	diag_fini(&d);
	free(t);
	free(t2);
}
END_TEST

/* A plain libconfig "syntax error" gets the column of the token and what was expected. */
static const struct {
	const char *from, *to, *msg;
	int line, col;
} syn[] = {
	{ "document = ", "document ", "expected '=' or ':' after 'document'", 7, 12 },
	{ "model = \"three-tier\"", "model = three-tier", "not a number or true/false", 8, 11 },
	{ "fd10::5\"; },", "fd10::5\"; }", "a comma is missing", 31, 3 },
	{ "name = \"juki-01\"", "\"name\" = \"juki-01\"", "without quotes", 30, 5 },
	{ "interfaces = [\"mn0\"]", "interfaces = [{ a = 1; }]", "an array [ ] holds", 12, 29 },
	{ "organisation = \"紫波町\"", "organisation = '紫波町'", "double quotes", 6, 18 },
};

START_TEST(test_syntax_column)
{
	char *t = variant("", syn[_i].from, syn[_i].to);
	struct diag d;

	ck_assert_int_eq(load(t, &d), -EINVAL);
	if (d.n != 1 || !strstr(d.v[0].msg, syn[_i].msg) || d.v[0].line != syn[_i].line ||
	    d.v[0].col != syn[_i].col)
		diag_print(&d, stderr, 0);
	ck_assert_int_eq(d.n, 1);
	ck_assert_ptr_nonnull(strstr(d.v[0].msg, syn[_i].msg));
	ck_assert_ptr_nonnull(d.v[0].msg_ja);
	ck_assert_int_eq(d.v[0].line, syn[_i].line);
	ck_assert_int_eq(d.v[0].col, syn[_i].col);
	ck_assert_ptr_nonnull(d.v[0].src);
	diag_fini(&d);
	free(t);
}
END_TEST

/* The caret sits under the token whatever wide characters precede it on the line. */
START_TEST(test_caret_wide)
{
	struct diag d;
	char *out;
	const char line[] = "\tname = \"山田\" x;";

	diag_init(&d);
	diag_add(&d, DIAG_ERROR, "f", 3, "m");
	diag_at(&d, diag_col(line, (size_t)(strstr(line, "x;") - line)), line, strlen(line));
	ck_assert_int_eq(d.v[0].col, 14);
	out = printed(&d);
	ck_assert_str_eq(out, "f:3:14: error: m\n    \tname = \"山田\" x;\n    \t              ^\n");
	free(out);
	diag_fini(&d);
}
END_TEST

/* A syntax error in an included file names that file and its own line and column. */
START_TEST(test_include_maps)
{
	char dir[] = "/tmp/sanso-confscan.XXXXXX", path[128], inc[128], cmd[160];
	struct conf_text t;
	struct policy *p = NULL;
	struct diag d;
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/main.conf", dir);
	snprintf(inc, sizeof(inc), "%s/x.inc", dir);
	f = fopen(path, "w");
	fputs("# main\npolicy: {\n@include \"x.inc\"\n};\n", f);
	fclose(f);
	f = fopen(inc, "w");
	fputs("\xef\xbb\xbf# included\n\n  organisation = \"町\"\n  model \"x\";\n", f);
	fclose(f);
	diag_init(&d);
	ck_assert_int_eq(conf_text_read(path, &t, &d), 0);
	ck_assert_int_eq(conf_load_string(path, t.text, &p, &d), -EINVAL);
	conf_text_map_diag(&t, path, &d, 0);
	ck_assert_int_eq(d.n, 1);
	ck_assert_str_eq(d.v[0].file, inc);
	ck_assert_int_eq(d.v[0].line, 4);
	ck_assert_int_eq(d.v[0].col, 9);
	ck_assert_str_eq(d.v[0].src, "  model \"x\";");
	diag_fini(&d);
	conf_text_free(&t);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

/* Hostile text: deep nesting, lone quotes and brackets, invalid bytes. */
START_TEST(test_hostile)
{
	static const char *const v[] = {
		"\"", "{", "}", "(((((", "a = [", "a = \"\\", "/*", "a = 1 ; b", "\xff\xfe\xfd",
		"a = \xef\xbc", "\xe3\x80", "a: { b: ( { c = [1, 2 }; ) };", "@include \"x\"",
		"a = 0x; b = 1e; c = --1; d = 1LLL;", "\xef\xbb\xbf",
	};
	char *deep = malloc(20001);
	struct diag d;
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		load(v[i], &d);
		diag_fini(&d);
	}
	memcpy(deep, "a = ", 4);
	memset(deep + 4, '(', 19996);
	deep[20000] = '\0';
	ck_assert_int_eq(load(deep, &d), -EINVAL);
	diag_fini(&d);
	for (i = 4; i < 20000; i += 2)
		deep[i] = '{', deep[i + 1] = i % 4 ? '}' : ')';
	load(deep, &d);
	diag_fini(&d);
	free(deep);
}
END_TEST

/* Names people type: NFKC and trimming (U+3000 too); edit distance on code points. */
START_TEST(test_names)
{
	char buf[64];

	ck_assert(policy_name_same("山田", "山田\xe3\x80\x80"));
	ck_assert(policy_name_same("yamada", "\xef\xbd\x99\xef\xbd\x81\xef\xbd\x8d\xef\xbd\x81"
				   "\xef\xbd\x84\xef\xbd\x81"));	/* ｙａｍａｄａ */
	ck_assert(policy_name_same("Suzuki", "suzuki"));
	ck_assert(!policy_name_same("山田", "山川"));
	ck_assert_str_eq(policy_name_norm("\xe3\x80\x80juki-01 ", buf, sizeof(buf)), "juki-01");
	ck_assert_str_eq(policy_name_norm("\xef\xbd\xb6\xef\xbe\x9e", buf, sizeof(buf)), "ガ");
	ck_assert_str_eq(policy_name_norm("a\xff", buf, sizeof(buf)), "a\xff");	/* as it is */
	ck_assert_int_eq(policy_name_distance("lgwn", "lgwan"), 1);
	ck_assert_int_eq(policy_name_distance("lgawn", "lgwan"), 1);	/* swapped */
	ck_assert_int_eq(policy_name_distance("マイナンバー利用事務", "マイナンバー利用事務系"), 1);
	ck_assert(policy_name_close("LGWAN接続", "LGWAN接続系"));
	ck_assert(policy_name_close("internt", "internet"));
	ck_assert(!policy_name_close("dmz", "lgwan"));
	ck_assert(!policy_name_close("a", "b"));
}
END_TEST

/* I6 refuses one person written twice: '山田' and '山田　', 'yamada' and 'ｙａｍａｄａ'. */
START_TEST(test_i6_same_person)
{
	static const char *const pairs[][2] = {
		{ "山田", "山田\xe3\x80\x80" },
		{ "yamada", "\xef\xbd\x99\xef\xbd\x81\xef\xbd\x8d\xef\xbd\x81\xef\xbd\x84\xef\xbd\x81" },
	};
	char to[128], *t;
	struct policy *p = NULL;
	struct diag d;

	snprintf(to, sizeof(to), "requested_by = \"%s\"; approved_by = \"%s\";", pairs[_i][0],
		 pairs[_i][1]);
	t = variant("", "requested_by = \"tanaka\"; approved_by = \"suzuki\";", to);
	diag_init(&d);
	ck_assert_int_eq(conf_load_string("t.conf", t, &p, &d), 0);
	ck_assert_int_eq(policy_validate(p, 1790000000, &d), -EINVAL);
	ck_assert_int_eq(d.errors, 1);
	ck_assert_ptr_nonnull(strstr(d.v[d.n - 1].msg, "I6: requested and approved by"));
	policy_free(p);
	diag_fini(&d);
	free(t);
}
END_TEST

Suite *suite_confscan(void)
{
	Suite *s = suite_create("confscan");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_bom_accepted);
	tcase_add_test(tc, test_fullwidth);
	tcase_add_test(tc, test_fullwidth_digits_space);
	tcase_add_test(tc, test_sjis);
	tcase_add_test(tc, test_unterminated_string);
	tcase_add_test(tc, test_unclosed_brace);
	tcase_add_loop_test(tc, test_syntax_column, 0, sizeof(syn) / sizeof(syn[0]));
	tcase_add_test(tc, test_caret_wide);
	tcase_add_test(tc, test_include_maps);
	tcase_add_test(tc, test_hostile);
	tcase_add_test(tc, test_names);
	tcase_add_loop_test(tc, test_i6_same_person, 0, 2);
	suite_add_tcase(s, tc);
	return s;
}
