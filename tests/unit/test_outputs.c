/* SPDX-License-Identifier: GPL-2.0-only */
/* test_outputs.c: what the operator and the auditor read (issue 9). The locale order (LC_ALL,
 * LC_MESSAGES, LANG: the first non-empty wins), Japanese locale names; timeouts in nft's
 * d/h/m/s notation; exception expiries as absolute RFC 3339 times in the local zone (fixed
 * TZ and "now"); comments cleaned for nft syntax and cut on a UTF-8 character boundary; the
 * printed elements of a compiled policy carry their flow, exception and approval. */
#include <errno.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "compile.h"
#include "conf.h"
#include "ir.h"
#include "lang.h"
#include "nftgen.h"
#include "policy.h"

Suite *suite_outputs(void);

#define NOW 1790000000		/* 2026-09-21T14:13:20Z */

START_TEST(test_lang_order)
{
	ck_assert_str_eq(lang_messages("C", "ja_JP.UTF-8", "ja_JP.UTF-8"), "C");
	ck_assert_str_eq(lang_messages("", "ja_JP.UTF-8", "C"), "ja_JP.UTF-8");
	ck_assert_str_eq(lang_messages(NULL, NULL, "ja"), "ja");
	ck_assert_str_eq(lang_messages("", "", "ja_JP"), "ja_JP");
	ck_assert_str_eq(lang_messages(NULL, "C", "ja_JP.UTF-8"), "C");
	ck_assert_str_eq(lang_messages(NULL, NULL, NULL), "");
	ck_assert_str_eq(lang_messages("", "", ""), "");
}
END_TEST

START_TEST(test_lang_ja)
{
	ck_assert(lang_is_ja("ja"));
	ck_assert(lang_is_ja("ja_JP"));
	ck_assert(lang_is_ja("ja_JP.UTF-8"));
	ck_assert(lang_is_ja("ja_JP.eucJP"));
	ck_assert(lang_is_ja("ja.UTF-8"));
	ck_assert(!lang_is_ja("jam"));
	ck_assert(!lang_is_ja("en_US.UTF-8"));
	ck_assert(!lang_is_ja("C"));
	ck_assert(!lang_is_ja(""));
	ck_assert(!lang_is_ja(NULL));
}
END_TEST

START_TEST(test_lang_env)
{
	setenv("LANG", "ja_JP.UTF-8", 1);
	setenv("LC_MESSAGES", "", 1);
	setenv("LC_ALL", "C", 1);
	ck_assert(!lang_ja_env());
	setenv("LC_ALL", "", 1);
	ck_assert(lang_ja_env());
	setenv("LC_MESSAGES", "en_US.UTF-8", 1);
	ck_assert(!lang_ja_env());
	unsetenv("LC_ALL");
	unsetenv("LC_MESSAGES");
	unsetenv("LANG");
	ck_assert(!lang_ja_env());
}
END_TEST

START_TEST(test_duration)
{
	char b[32];

	ck_assert_int_eq(nftgen_duration(0, b, sizeof(b)), 2);
	ck_assert_str_eq(b, "0s");
	nftgen_duration(999, b, sizeof(b));	/* rounded up to whole seconds */
	ck_assert_str_eq(b, "1s");
	nftgen_duration(60000, b, sizeof(b));
	ck_assert_str_eq(b, "1m");
	nftgen_duration((3 * 86400 + 2 * 3600) * 1000ULL, b, sizeof(b));
	ck_assert_str_eq(b, "3d2h");
	nftgen_duration((86400 + 3600 + 61) * 1000ULL, b, sizeof(b));
	ck_assert_str_eq(b, "1d1h1m1s");
	/* 73 years: one number of seconds would not load with nft -f ("value too large") */
	nftgen_duration(2306002310ULL * 1000, b, sizeof(b));
	ck_assert_str_eq(b, "26689d20h11m50s");
	ck_assert_int_eq(nftgen_duration(2306002310ULL * 1000, b, 4), -ENOSPC);
}
END_TEST

static void with_tz(const char *tz)
{
	setenv("TZ", tz, 1);
	tzset();
}

START_TEST(test_time_text)
{
	char b[40];

	with_tz("JST-9");
	ck_assert_int_eq(comp_time_text(1798729199, b, sizeof(b)), 25);
	ck_assert_str_eq(b, "2026-12-31T23:59:59+09:00");
	with_tz("UTC0");
	comp_time_text(1798729199, b, sizeof(b));
	ck_assert_str_eq(b, "2026-12-31T14:59:59+00:00");
	with_tz("EST5");
	comp_time_text(1798729199, b, sizeof(b));
	ck_assert_str_eq(b, "2026-12-31T09:59:59-05:00");
	ck_assert_int_eq(comp_time_text(1798729199, b, 20), -1);
	unsetenv("TZ");
	tzset();
}
END_TEST

START_TEST(test_comment_clean)
{
	char b[IR_STR_MAX], in[400];
	size_t i;

	ir_comment_clean("flow \"x\"\n; drop\\", b, sizeof(b));
	ck_assert_str_eq(b, "flow 'x' ; drop\\");
	ir_comment_clean("bad \xff\xc3 utf", b, sizeof(b));
	ck_assert_str_eq(b, "bad ?? utf");
	/* 60 three-byte characters: cut before the one that would cross 124 bytes, then "..." */
	for (i = 0; i < 60; i++)
		memcpy(in + 3 * i, "\xe3\x81\x82", 3);
	in[180] = '\0';
	ir_comment_clean(in, b, sizeof(b));
	ck_assert_uint_eq(strlen(b), 41 * 3 + 3);
	ck_assert_str_eq(b + 41 * 3, "...");
	ck_assert_int_eq(memcmp(b, in, 41 * 3), 0);
	/* exactly IR_STR_MAX - 1 bytes: kept whole */
	memset(in, 'a', IR_STR_MAX - 1);
	in[IR_STR_MAX - 1] = '\0';
	ir_comment_clean(in, b, sizeof(b));
	ck_assert_str_eq(b, in);
	in[IR_STR_MAX - 1] = 'b';
	in[IR_STR_MAX] = '\0';
	ir_comment_clean(in, b, sizeof(b));
	ck_assert_uint_eq(strlen(b), IR_STR_MAX - 1);
	ck_assert_str_eq(b + IR_STR_MAX - 4, "...");
}
END_TEST

static const char *pol =
	"policy: { organisation = \"t\"; model = \"three-tier\"; };\n"
	"zones: { mynumber: { interfaces = [\"mn0\"]; networks = [\"10.10.0.0/24\"]; };\n"
	"  lgwan: { interfaces = [\"lg0\"]; networks = [\"10.20.0.0/24\"]; };\n"
	"  internet: { interfaces = [\"in0\"]; networks = [\"any\"]; };\n"
	"  dmz: { interfaces = [\"dz0\"]; networks = [\"10.40.0.0/24\"]; }; };\n"
	"hosts: ( { name = \"adm\"; zone = \"lgwan\"; ipv4 = \"10.20.0.10\"; },\n"
	"  { name = \"web\"; zone = \"dmz\"; ipv4 = \"10.40.0.10\"; } );\n"
	"flows: ( { name = \"log\"; class = \"peer\"; from = \"adm\"; to = \"web\";\n"
	"    proto = \"udp\"; ports = [514]; approval = \"AP-1\"; purpose = \"p\"; } );\n"
	"exceptions: ( { id = \"EX-1\"; from = \"adm\"; to = \"web\"; proto = \"tcp\"; ports = [22];\n"
	"    reason = \"r\"; requested_by = \"a\"; approved_by = \"b\";\n"
	"    expires = \"2026-09-25T00:13:20+09:00\"; } );\n";

/* The printed text of pol compiled at now, TZ=JST-9. */
static char *printed(int64_t now)
{
	struct policy *p = NULL;
	struct comp_result *c = NULL;
	struct diag d;
	char *out = NULL;
	size_t len = 0;
	FILE *f;

	with_tz("JST-9");
	diag_init(&d);
	ck_assert_int_eq(conf_load_string("t.conf", pol, &p, &d), 0);
	ck_assert_int_eq(policy_validate(p, now, &d), 0);
	ck_assert_int_eq(comp_build(p, now, &c, &d), 0);
	f = open_memstream(&out, &len);
	ck_assert_int_eq(nftgen_print(c->rs, f, false), 0);
	fclose(f);
	comp_result_free(c);
	policy_free(p);
	diag_fini(&d);
	unsetenv("TZ");
	tzset();
	return out;
}

START_TEST(test_printed_expiry)
{
	char *a = printed(NOW), *b = printed(NOW + 3600);
	const char *x = "comment \"exception EX-1 approved-by b expires 2026-09-25T00:13:20+09:00\"";

	/* the kernel timeout is relative to the run's clock; the comment names the same expiry */
	ck_assert_ptr_nonnull(strstr(a, "timeout 3d1h comment \"exception EX-1"));
	ck_assert_ptr_nonnull(strstr(b, "timeout 3d comment \"exception EX-1"));
	ck_assert_ptr_nonnull(strstr(a, x));
	ck_assert_ptr_nonnull(strstr(b, x));
	ck_assert_ptr_nonnull(strstr(a, ". udp . 514 comment \"flow log approval AP-1\" : 0x"));
	ck_assert_ptr_nonnull(strstr(a, "\"lg0\" comment \"zone lgwan\""));
	ck_assert_ptr_nonnull(strstr(a, "map @lgwan_dmz_p4 comment \"flows lgwan_dmz: log\""));
	free(a);
	free(b);
}
END_TEST

Suite *suite_outputs(void)
{
	Suite *s = suite_create("outputs");
	TCase *tc = tcase_create("outputs");

	tcase_add_test(tc, test_lang_order);
	tcase_add_test(tc, test_lang_ja);
	tcase_add_test(tc, test_lang_env);
	tcase_add_test(tc, test_duration);
	tcase_add_test(tc, test_time_text);
	tcase_add_test(tc, test_comment_clean);
	tcase_add_test(tc, test_printed_expiry);
	suite_add_tcase(s, tc);
	return s;
}
