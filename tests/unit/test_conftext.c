/* SPDX-License-Identifier: GPL-2.0-only */
/* test_conftext.c: the flattened policy text. A file without @include is its own text, byte
 * for byte; includes are inlined between comment lines naming path and SHA-256, nested ones
 * too, relative to the main file's directory; an @include inside a block comment or a string
 * is left alone (as libconfig does); an included file that ends inside a comment is refused;
 * a missing include is reported at the directive's file:line; diagnostics of the flattened
 * text map back to the file and line they came from; nesting is bounded. Files live in a
 * fresh temporary directory. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <errno.h>
#include <fcntl.h>

#include "conf.h"
#include "conftext.h"
#include "sha256.h"

Suite *suite_conftext(void);

static char dir[64];

static void put(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static const char *at(const char *name)
{
	static char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return path;
}

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/sanso-conftext.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

START_TEST(test_plain_is_itself)
{
	static const char text[] = "a = 1;\n# @include \"nope\"\nb = 2;";	/* no final newline */
	struct conf_text t;
	struct diag d;
	uint8_t dg[SHA256_DIGEST_SIZE];
	char hex[SHA256_HEX_SIZE];

	put("main.conf", text);
	diag_init(&d);
	ck_assert_int_eq(conf_text_read(at("main.conf"), &t, &d), 0);
	ck_assert_uint_eq(t.len, strlen(text));
	ck_assert_str_eq(t.text, text);
	sha256_buf(text, strlen(text), dg);
	sha256_hex(dg, hex);
	ck_assert_str_eq(t.sha256, hex);
	ck_assert_int_eq(t.n_files, 1);
	conf_text_free(&t);
	diag_fini(&d);
}
END_TEST

START_TEST(test_inline_nested)
{
	struct conf_text t;
	struct diag d;
	char want[1024], *inc;

	put("main.conf", "a = 1;\n  @include \"sub/b.conf\"\nz = 26;\n");
	{
		char path[256];

		snprintf(path, sizeof(path), "%s/sub", dir);
		ck_assert_int_eq(mkdir(path, 0755), 0);
	}
	put("sub/b.conf", "b = 2;\n@include \"sub/c.conf\"\n");
	put("sub/c.conf", "c = 3;");
	diag_init(&d);
	ck_assert_int_eq(conf_text_read(at("main.conf"), &t, &d), 0);
	ck_assert_int_eq(t.n_files, 3);
	snprintf(want, sizeof(want),
		 "a = 1;\n"
		 "# sanso: @include \"sub/b.conf\" = %s/sub/b.conf sha256 %s\n"
		 "b = 2;\n"
		 "# sanso: @include \"sub/c.conf\" = %s/sub/c.conf sha256 %s\n"
		 "c = 3;\n"
		 "# sanso: end of @include \"sub/c.conf\"\n"
		 "\n"
		 "# sanso: end of @include \"sub/b.conf\"\n"
		 "\n"
		 "z = 26;\n", dir, t.files[1].sha256, dir, t.files[2].sha256);
	ck_assert_str_eq(t.text, want);
	inc = conf_text_includes(&t);
	ck_assert_ptr_nonnull(strstr(inc, "sub/b.conf "));
	ck_assert_ptr_nonnull(strstr(inc, t.files[2].sha256));
	{	/* the flattened text, read again (a staged change): itself, same includes */
		struct conf_text t2;
		char *inc2;

		put("flat.conf", t.text);
		ck_assert_int_eq(conf_text_read(at("flat.conf"), &t2, &d), 0);
		ck_assert_str_eq(t2.text, t.text);
		ck_assert_str_eq(t2.sha256, t.sha256);
		ck_assert_int_eq(t2.n_read, 1);
		ck_assert_int_eq(t2.n_files, 3);
		ck_assert(t2.files[1].recorded);
		inc2 = conf_text_includes(&t2);
		ck_assert_str_eq(inc2, inc);
		free(inc2);
		conf_text_free(&t2);
	}
	free(inc);
	/* the text parses from memory, and what it parses is what was read */
	diag_add(&d, DIAG_ERROR, "main", 5, "on c");
	diag_add(&d, DIAG_ERROR, "main", 10, "on z");
	conf_text_map_diag(&t, "main", &d, 0);
	ck_assert_str_eq(d.v[0].file, t.files[2].path);
	ck_assert_int_eq(d.v[0].line, 1);
	ck_assert_str_eq(d.v[1].file, t.files[0].path);
	ck_assert_int_eq(d.v[1].line, 3);
	conf_text_free(&t);
	diag_fini(&d);
}
END_TEST

START_TEST(test_comment_and_string_left_alone)
{
	struct conf_text t;
	struct diag d;

	put("main.conf", "/*\n@include \"nope.conf\"\n*/\na = \"x\n@include \\\"nope\\\"\";\n");
	diag_init(&d);
	ck_assert_int_eq(conf_text_read(at("main.conf"), &t, &d), 0);
	ck_assert_int_eq(t.n_files, 1);
	conf_text_free(&t);
	diag_fini(&d);
}
END_TEST

START_TEST(test_refusals)
{
	struct conf_text t;
	struct diag d;

	put("main.conf", "a = 1;\n@include \"missing.conf\"\n");
	diag_init(&d);
	ck_assert_int_eq(conf_text_read(at("main.conf"), &t, &d), -ENOENT);
	ck_assert_int_eq(d.errors, 1);
	ck_assert_int_eq(d.v[0].line, 2);
	ck_assert_ptr_nonnull(strstr(d.v[0].msg, "missing.conf"));
	diag_fini(&d);

	put("main.conf", "@include \"open.conf\"\na = 1;\n");
	put("open.conf", "b = 2; /* never closed\n");
	diag_init(&d);
	ck_assert_int_eq(conf_text_read(at("main.conf"), &t, &d), -EINVAL);
	ck_assert_ptr_nonnull(strstr(d.v[0].msg, "ends inside a comment"));
	diag_fini(&d);

	put("main.conf", "@include \"main.conf\"\n");	/* includes itself */
	diag_init(&d);
	ck_assert_int_eq(conf_text_read(at("main.conf"), &t, &d), -ELOOP);
	diag_fini(&d);
}
END_TEST

START_TEST(test_string_never_opens_files)
{
	struct policy *p = NULL;
	struct diag d;
	int cwd = open(".", O_RDONLY | O_DIRECTORY);	/* back there after (CK_FORK=no) */

	ck_assert_int_ge(cwd, 0);
	put("x.conf", "policy: { model = \"three-tier\"; };\n");
	ck_assert_int_eq(chdir(dir), 0);
	diag_init(&d);
	ck_assert_int_eq(conf_load_string("mem", "@include \"x.conf\"\n", &p, &d), -EINVAL);
	ck_assert_ptr_null(p);
	diag_fini(&d);
	ck_assert_int_eq(fchdir(cwd), 0);
	close(cwd);
}
END_TEST

Suite *suite_conftext(void)
{
	Suite *s = suite_create("conftext");
	TCase *tc = tcase_create("conftext");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_plain_is_itself);
	tcase_add_test(tc, test_inline_nested);
	tcase_add_test(tc, test_comment_and_string_left_alone);
	tcase_add_test(tc, test_refusals);
	tcase_add_test(tc, test_string_never_opens_files);
	suite_add_tcase(s, tc);
	return s;
}
