/* SPDX-License-Identifier: GPL-2.0-only */
/* test_psl.c: the Public Suffix List reader and lookup (rules, wildcard rules "*.ck",
 * exception rules "!www.ck", the implicit rule "*"), a missing or empty list (every lookup
 * fails: the checker refuses), the checker's wildcard test policy_psl_check() on whole-label
 * and partial-label wildcards, and one test on Debian's copy (package publicsuffix). */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "policy.h"
#include "psl.h"

Suite *suite_psl(void);

static const char list[] =
	"// comment\n"
	"\n"
	"jp\n"
	"co.jp\n"
	"  Com  trailing words are ignored\n"
	"net\n"
	"*.ck\n"
	"!www.ck\n"
	"appspot.com\n"
	"*.r.appspot.com\n"
	"cloudfront.net\n";

static struct psl *from_text(const char *text)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	struct psl *l;

	ck_assert_ptr_nonnull(f);
	l = psl_read(f, "test");
	fclose(f);
	ck_assert_ptr_nonnull(l);
	return l;
}

START_TEST(test_lookup)
{
	struct psl *l = from_text(list);

	ck_assert(!l->missing);
	ck_assert_int_eq(l->n_rules, 9);
	ck_assert_int_eq(psl_is_public(l, "co.jp"), 1);
	ck_assert_int_eq(psl_is_public(l, "jp"), 1);
	ck_assert_int_eq(psl_is_public(l, "com"), 1);		/* lower-cased */
	ck_assert_int_eq(psl_is_public(l, "example.co.jp"), 0);
	ck_assert_int_eq(psl_is_public(l, "appspot.com"), 1);
	ck_assert_int_eq(psl_is_public(l, "x.r.appspot.com"), 1);	/* *.r.appspot.com */
	ck_assert_int_eq(psl_is_public(l, "r.appspot.com"), 0);
	ck_assert_int_eq(psl_is_public(l, "y.x.r.appspot.com"), 0);
	ck_assert_int_eq(psl_is_public(l, "foo.ck"), 1);		/* *.ck */
	ck_assert_int_eq(psl_is_public(l, "www.ck"), 0);		/* !www.ck */
	ck_assert_int_eq(psl_is_public(l, "ck"), 1);
	ck_assert_int_eq(psl_is_public(l, "example"), 1);		/* implicit "*" */
	ck_assert_int_eq(psl_is_public(l, "a.example"), 0);
	ck_assert_int_eq(psl_is_public(l, "cloudfront.net"), 1);
	ck_assert_int_eq(psl_is_public(l, "d1.cloudfront.net"), 0);
	psl_free(l);
}
END_TEST

START_TEST(test_missing)
{
	struct psl *l = psl_load("/nonexistent/public_suffix_list.dat");
	struct psl *e = from_text("// only comments\n\n");

	ck_assert_ptr_nonnull(l);
	ck_assert(l->missing);
	ck_assert_str_eq(l->path, "/nonexistent/public_suffix_list.dat");
	ck_assert_int_eq(psl_is_public(l, "co.jp"), -1);
	ck_assert(e->missing);				/* an empty list proves nothing */
	ck_assert_int_eq(psl_is_public(e, "example.com"), -1);
	ck_assert_int_eq(psl_is_public(NULL, "example.com"), -1);
	/* the checker fails closed: any wildcard is refused without a list */
	ck_assert_int_eq(policy_psl_check(l, "*.example.com"), 1);
	ck_assert_int_eq(policy_psl_check(NULL, "*.example.com"), 1);
	ck_assert_int_eq(policy_psl_check(NULL, "www.example.com"), 0);
	psl_free(l);
	psl_free(e);
}
END_TEST

/* The suffix after the label holding '*' (issue #16's partial-label wildcards included). */
START_TEST(test_check_patterns)
{
	struct psl *l = from_text(list);

	ck_assert_int_eq(policy_psl_check(l, "*.co.jp"), 1);
	ck_assert_int_eq(policy_psl_check(l, "*.appspot.com"), 1);
	ck_assert_int_eq(policy_psl_check(l, "*.cloudfront.net"), 1);
	ck_assert_int_eq(policy_psl_check(l, "*.foo.ck"), 1);
	ck_assert_int_eq(policy_psl_check(l, "*.www.ck"), 0);
	ck_assert_int_eq(policy_psl_check(l, "*.example.co.jp"), 0);
	ck_assert_int_eq(policy_psl_check(l, "*cdn.cloudfront.net"), 1);
	ck_assert_int_eq(policy_psl_check(l, "*cdn.onenote.net"), 0);
	ck_assert_int_eq(policy_psl_check(l, "autodiscover.*.co.jp"), 1);
	ck_assert_int_eq(policy_psl_check(l, "autodiscover.*.onmicrosoft.com"), 0);
	ck_assert_int_eq(policy_psl_check(l, "a.*.b.*.example.com"), 0);
	ck_assert_int_eq(policy_psl_check(l, "*"), 1);		/* no suffix at all */
	ck_assert_int_eq(policy_psl_check(l, "login.co.jp"), 0);	/* not a wildcard */
	psl_free(l);
}
END_TEST

/* Debian's copy, as the daemon reads it by default (tools/debian-packages: publicsuffix). */
START_TEST(test_debian_list)
{
	struct psl *l = psl_load(PSL_DEFAULT_PATH);

	ck_assert_ptr_nonnull(l);
	ck_assert_msg(!l->missing, "%s: install the package publicsuffix", PSL_DEFAULT_PATH);
	ck_assert_int_gt(l->n_rules, 5000);
	ck_assert_int_eq(policy_psl_check(l, "*.co.jp"), 1);
	ck_assert_int_eq(policy_psl_check(l, "*.appspot.com"), 1);
	ck_assert_int_eq(policy_psl_check(l, "*.cloudfront.net"), 1);
	ck_assert_int_eq(policy_psl_check(l, "*.foo.ck"), 1);
	ck_assert_int_eq(policy_psl_check(l, "*.www.ck"), 0);
	ck_assert_int_eq(policy_psl_check(l, "*.office.com"), 0);
	ck_assert_int_eq(policy_psl_check(l, "*.windowsupdate.com"), 0);
	psl_free(l);
}
END_TEST

Suite *suite_psl(void)
{
	Suite *s = suite_create("psl");
	TCase *tc = tcase_create("psl");

	tcase_add_test(tc, test_lookup);
	tcase_add_test(tc, test_missing);
	tcase_add_test(tc, test_check_patterns);
	tcase_add_test(tc, test_debian_list);
	suite_add_tcase(s, tc);
	return s;
}
