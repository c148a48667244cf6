/* SPDX-License-Identifier: GPL-2.0-only */
/* test_uplinks.c: R11, uplinks of the Internet zone: conf.c parses and refuses, compile.c
 * restricts local breakout to breakout-capable interfaces and breakout lines to breakout. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile.h"
#include "conf.h"
#include "nftgen.h"

#define NOW 1790000000

/* conf/breakout.conf with its Internet zone line replaced by zone (NULL: unchanged). */
static char *breakout_conf(const char *zone)
{
	static const char *old = "  internet: { interfaces = [\"in0\"]; networks = [\"any\"]; };";
	FILE *f = fopen("conf/breakout.conf", "r");
	char *buf = NULL, *out = NULL, *at;
	size_t n = 0;
	ssize_t len;

	ck_assert_ptr_nonnull(f);
	len = getdelim(&buf, &n, '\0', f);
	fclose(f);
	ck_assert_int_gt(len, 0);
	at = strstr(buf, old);
	ck_assert_ptr_nonnull(at);
	if (!zone)
		return buf;
	*at = '\0';
	ck_assert_int_ge(asprintf(&out, "%s%s%s", buf, zone, at + strlen(old)), 0);
	free(buf);
	return out;
}

/* The compiled ruleset in nft syntax, or NULL when refused (diagnostics in d). */
static char *compiled(const char *zone, struct diag *d)
{
	struct policy *p = NULL;
	struct comp_result *c = NULL;
	char *s = breakout_conf(zone), *nft = NULL;
	size_t len = 0;
	FILE *m;

	diag_init(d);
	if (conf_load_string("t.conf", s, &p, d) < 0 || policy_validate(p, NOW, d) < 0 ||
	    comp_build(p, NOW, &c, d) < 0)
		goto out;
	m = open_memstream(&nft, &len);
	ck_assert_ptr_nonnull(m);
	nftgen_print(c->rs, m, false);
	fclose(m);
out:
	comp_result_free(c);
	policy_free(p);
	free(s);
	return nft;
}

static int count(const char *hay, const char *needle)
{
	int n = 0;

	for (; (hay = strstr(hay, needle)); hay++)
		n++;
	return n;
}

START_TEST(test_uplinks_none)
{
	struct diag d;
	char *nft = compiled(NULL, &d);

	ck_assert_ptr_nonnull(nft);
	ck_assert_ptr_null(strstr(nft, "uplink"));		/* today's ruleset */
	ck_assert_int_eq(count(nft, "comment \"breakout candidate\""), 2);
	free(nft);
	diag_fini(&d);
}
END_TEST

START_TEST(test_uplinks_line)
{
	struct diag d;
	char *nft = compiled("  internet: { interfaces = [\"in0\", \"in1\"]; networks = [\"any\"];"
			     " uplinks = { in1 = \"breakout-line\"; in0 = \"security-cloud\"; }; };",
			     &d);

	ck_assert_ptr_nonnull(nft);
	/* every breakout rule leaves only through a breakout-capable interface */
	ck_assert_int_eq(count(nft, "comment \"breakout candidate\""), 2);
	ck_assert_int_eq(count(nft, "oifname @uplink_bo ip saddr @bo_src4 ip daddr @bo_learn4"), 1);
	ck_assert_int_eq(count(nft, "oifname @uplink_bo ip6 saddr @bo_src6 ip6 daddr @bo_learn6"), 1);
	ck_assert_ptr_nonnull(strstr(nft, "comment \"R11: Internet-zone interfaces that may carry "
				     "local breakout\"\n\t\telements = { \"in1\" comment \"zone internet "
				     "uplink in1\" }"));
	ck_assert_ptr_nonnull(strstr(nft, "comment \"R11: breakout lines: local breakout only\"\n"
				     "\t\telements = { \"in1\" comment \"zone internet uplink in1\" }"));
	/* and the breakout line carries nothing else: one rule in each X>internet chain */
	ck_assert_int_eq(count(nft, "oifname @uplink_line jump uplink"), 4);
	ck_assert_ptr_nonnull(strstr(nft, "chain uplink {"));
	free(nft);
	diag_fini(&d);
}
END_TEST

/* Breakout with only a security-cloud uplink is refused; security-cloud+breakout carries it. */
START_TEST(test_uplinks_cloud_only)
{
	struct diag d;
	char *nft = compiled("  internet: { interfaces = [\"in0\"]; networks = [\"any\"];"
			     " uplinks = { in0 = \"security-cloud\"; }; };", &d);

	ck_assert_ptr_null(nft);			/* refused: breakout has no way out */
	ck_assert_ptr_nonnull(strstr(d.v[0].msg, "no Internet-zone interface may carry local "
				     "breakout"));
	diag_fini(&d);
	nft = compiled("  internet: { interfaces = [\"in0\"]; networks = [\"any\"];"
		       " uplinks = { in0 = \"security-cloud+breakout\"; }; };", &d);
	ck_assert_ptr_nonnull(nft);
	ck_assert_int_eq(count(nft, "oifname @uplink_bo ip saddr @bo_src4"), 1);
	ck_assert_ptr_null(strstr(nft, "@uplink_line"));
	free(nft);
	diag_fini(&d);
}
END_TEST

START_TEST(test_uplinks_refused)
{
	struct diag d;
	char *nft = compiled("  internet: { interfaces = [\"in0\", \"in1\"]; networks = [\"any\"];"
			     " uplinks = { in1 = \"breakout-line\"; }; };", &d);

	ck_assert_ptr_null(nft);
	ck_assert_int_eq(d.errors, 2);		/* in0 without a role; no security cloud */
	ck_assert_ptr_nonnull(strstr(d.v[0].msg, "'in0'"));
	ck_assert_ptr_nonnull(d.v[0].msg_ja);
	diag_fini(&d);
	nft = compiled("  internet: { interfaces = [\"in0\"]; networks = [\"any\"];"
		       " uplinks = [\"in0\"]; };", &d);
	ck_assert_ptr_null(nft);
	ck_assert_int_eq(d.errors, 1);
	diag_fini(&d);
}
END_TEST

Suite *suite_uplinks(void);

Suite *suite_uplinks(void)
{
	Suite *s = suite_create("uplinks");
	TCase *tc = tcase_create("uplinks");

	tcase_set_timeout(tc, 120);	/* each test compiles conf/breakout.conf (slow under ASan) */

	tcase_add_test(tc, test_uplinks_none);
	tcase_add_test(tc, test_uplinks_line);
	tcase_add_test(tc, test_uplinks_cloud_only);
	tcase_add_test(tc, test_uplinks_refused);
	suite_add_tcase(s, tc);
	return s;
}
