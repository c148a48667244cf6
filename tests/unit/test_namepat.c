/* SPDX-License-Identifier: GPL-2.0-only */
/* test_namepat.c: which DNS name patterns sanso accepts (namepat_valid); the matching itself
 * is tested through dns_name_match() in test_dns.c. */
#include <check.h>
#include <stdbool.h>
#include <stddef.h>

#include "namepat.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

Suite *suite_namepat(void);

struct valid_case {
	const char *pattern;
	bool want;
};

static const struct valid_case valids[] = {
	{ "office.com", true },
	{ "*.office.com", true },
	{ "*cdn.onenote.net", true },
	{ "cdn*.onenote.net", true },
	{ "a*b.onenote.net", true },
	{ "*-files.sharepoint.com", true },
	{ "xn--*.xn--eckwd4c7c.jp", true },
	{ "autodiscover.*.onmicrosoft.com", true },
	{ "a.b.*.example.com", true },
	/* over-broad: fewer than two fixed labels after the wildcard's label */
	{ "*.com", false },
	{ "*com", false },
	{ "x*.com", false },
	{ "a.*.com", false },
	{ "*", false },
	{ "*.", false },
	{ "a.*", false },
	/* two stars, or a star elsewhere */
	{ "*.*.example.com", false },
	{ "*cdn.*.example.com", false },
	{ "a**b.example.com", false },
	{ "a.b*.example.com", false },
	{ "a.*b.example.com", false },
	{ "example.com*", false },
	/* labels */
	{ "-*cdn.onenote.net", false },
	{ "*cdn-.onenote.net", false },
	{ "*CDN.onenote.net", false },
	{ "a_*.example.com", false },
	{ "a..example.com", false },
	{ "example.com.", false },
	{ "", false },
	{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa*.example.com", true },
	{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa*.example.com", false },
};

START_TEST(test_valid)
{
	const struct valid_case *c = &valids[_i];
	const char *err = NULL;
	bool got = namepat_valid(c->pattern, &err);

	ck_assert_msg(got == c->want, "'%s': %d (%s)", c->pattern, got, err ? err : "");
	ck_assert_msg(got || err, "'%s': refused without a reason", c->pattern);
}
END_TEST

/* A valid pattern without '*' matches itself; one with '*' matches its empty/one-label fill. */
START_TEST(test_valid_matches)
{
	ck_assert(namepat_match("*cdn.onenote.net", "cdn.onenote.net"));
	ck_assert(!namepat_match("*cdn.onenote.net", "a.bcdn.onenote.net"));
	ck_assert(namepat_match("autodiscover.*.onmicrosoft.com",
				"autodiscover.contoso.onmicrosoft.com"));
	ck_assert(!namepat_match("autodiscover.*.onmicrosoft.com", "autodiscover.onmicrosoft.com"));
}
END_TEST

Suite *suite_namepat(void)
{
	Suite *s = suite_create("namepat");
	TCase *tc = tcase_create("valid");

	tcase_add_loop_test(tc, test_valid, 0, ARRAY_SIZE(valids));
	tcase_add_test(tc, test_valid_matches);
	suite_add_tcase(s, tc);
	return s;
}
