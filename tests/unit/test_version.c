// SPDX-License-Identifier: GPL-2.0-only
/* test_version.c: --version names the release, the build and every library the daemon
 * talks to the kernel and reads its policy with (R72). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "version.h"

START_TEST(test_version_names)
{
	static const char *const libs[] = { "libnftnl ", "libmnl ", "libnetfilter_queue ",
					    "libconfig ", "libcrypto " };
	char *buf = NULL;
	size_t len = 0, i;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	ck_assert_msg(strstr(version_sanso(), "(build ") != NULL, "%s", version_sanso());
	ck_assert_msg(strcmp(version_sanso(), "0 (build unknown)"), "the Makefile passed nothing");
	for (i = 0; i < sizeof(libs) / sizeof(libs[0]); i++)
		ck_assert_msg(strstr(version_libs(), libs[i]), "%s lacks %s", version_libs(), libs[i]);
	version_print(f, "sansod");
	fclose(f);
	ck_assert_msg(!strncmp(buf, "sansod 0.", 9), "%s", buf);
	ck_assert_ptr_nonnull(strstr(buf, "\nbuilt against: libnftnl "));
	free(buf);
}
END_TEST

Suite *suite_version(void);

Suite *suite_version(void)
{
	Suite *s = suite_create("version");
	TCase *tc = tcase_create("version");

	tcase_add_test(tc, test_version_names);
	suite_add_tcase(s, tc);
	return s;
}
