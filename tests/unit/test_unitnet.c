/* SPDX-License-Identifier: GPL-2.0-only */
/* test_unitnet.c: the unit's drop-in opens exactly the policy's collectors and HA nodes
 * (deduplicated, with their families), and nothing for a policy that needs no IP. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "diag.h"
#include "unitnet.h"

Suite *suite_unitnet(void);

#define BASE									\
	"policy: { organisation = \"t\"; model = \"three-tier\"; };\n"		\
	"zones: { mynumber: { interfaces = [\"mn0\"]; networks = [\"10.10.0.0/24\"]; }; "	\
	"lgwan: { interfaces = [\"lg0\"]; networks = [\"10.20.0.0/24\"]; }; "		\
	"internet: { interfaces = [\"in0\"]; networks = [\"any\"]; }; };\n"

static char *dropin(const char *text)
{
	struct policy *p = NULL;
	struct diag d;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	diag_init(&d);
	ck_assert_int_eq(conf_load_string("t.conf", text, &p, &d), 0);
	f = open_memstream(&buf, &len);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(unitnet_dropin(p, "t.conf", f), 0);
	fclose(f);
	policy_free(p);
	diag_fini(&d);
	return buf;
}

START_TEST(test_none)
{
	char *s = dropin(BASE);

	ck_assert_ptr_nonnull(strstr(s, "\n[Service]\n"));
	ck_assert_ptr_null(strstr(s, "IPAddressAllow"));
	ck_assert_ptr_null(strstr(s, "RestrictAddressFamilies"));
	free(s);
}
END_TEST

START_TEST(test_collectors_and_nodes)
{
	char *s = dropin(BASE
		"alerts: { syslog = [\"udp://10.20.0.60:514\", \"tcp://10.20.0.60:601\", "
		"\"tcp://[2001:db8::60]:6514\"]; };\n"
		"ha: { sync_interface = \"sy0\"; nodes = [\"10.255.0.1\", \"10.255.0.2\"]; };\n");

	ck_assert_ptr_nonnull(strstr(s, "\nRestrictAddressFamilies=\n"
				     "RestrictAddressFamilies=AF_UNIX AF_NETLINK AF_INET AF_INET6\n"
				     "IPAddressAllow=10.20.0.60 2001:db8::60 10.255.0.1 10.255.0.2\n"));
	free(s);
	s = dropin(BASE "alerts: { syslog = [\"udp://10.20.0.60\"]; };\n");
	ck_assert_ptr_nonnull(strstr(s, "RestrictAddressFamilies=AF_UNIX AF_NETLINK AF_INET\n"
				     "IPAddressAllow=10.20.0.60\n"));
	free(s);
}
END_TEST

Suite *suite_unitnet(void)
{
	Suite *s = suite_create("unitnet");
	TCase *tc = tcase_create("unitnet");

	tcase_add_test(tc, test_none);
	tcase_add_test(tc, test_collectors_and_nodes);
	suite_add_tcase(s, tc);
	return s;
}
