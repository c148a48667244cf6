/* SPDX-License-Identifier: GPL-2.0-only */
/* test_conf.c: conf.c: the shipped configs load; every error class gives the right line and
 * message (English and Japanese); all errors are reported at once; zone aliases; the printed
 * policy loads again and prints the same. Run from the repository root (conf/ is read). */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "policy.h"
#include "printed.h"

Suite *suite_conf(void);

/* Two lines every error case below is appended to: the policy and the three zones. */
#define BASE									\
	"policy: { organisation = \"t\"; model = \"three-tier\"; };\n"		\
	"zones: { mynumber: { interfaces = [\"mn0\"]; networks = [\"10.10.0.0/24\"]; }; "	\
	"lgwan: { interfaces = [\"lg0\"]; networks = [\"10.20.0.0/24\"]; }; "		\
	"internet: { interfaces = [\"in0\"]; networks = [\"any\"]; }; };\n"

#define ZONES_LINE								\
	"zones: { mynumber: { interfaces = [\"mn0\"]; }; };\n"

/* Load text as "t.conf" from an exact-size heap copy. */
static int load(const char *text, struct policy **ret, struct diag *d)
{
	size_t n = strlen(text) + 1;
	char *b = malloc(n);
	int r;

	ck_assert_ptr_nonnull(b);
	memcpy(b, text, n);
	r = conf_load_string("t.conf", b, ret, d);
	free(b);
	return r;
}

static char *concat(const char *a, const char *b)
{
	char *r = NULL;

	ck_assert_int_ge(asprintf(&r, "%s%s", a, b), 0);
	return r;
}

/* Every entry has the file, and a Japanese line. */
static void check_entries(const struct diag *d)
{
	int i;

	for (i = 0; i < d->n; i++) {
		ck_assert_ptr_nonnull(d->v[i].msg);
		ck_assert_msg(d->v[i].msg_ja != NULL, "no Japanese for '%s'", d->v[i].msg);
		ck_assert_ptr_nonnull(d->v[i].file);
	}
}

static bool has_entry(const struct diag *d, int line, const char *sub)
{
	int i;

	for (i = 0; i < d->n; i++) {
		if (d->v[i].line == line && strstr(d->v[i].msg, sub))
			return true;
	}
	return false;
}

static void dump(const struct diag *d)
{
	diag_print(d, stderr, 0);
}

/* ---------------------------------------------------------------------------------------- */

static const struct err_case {
	bool base;		/* text is appended to BASE (so it starts at line 3) */
	const char *text;
	int line;
	const char *msg;
	int errors;		/* 0: exactly one */
} err_cases[] = {
	/* sections */
	{ false, ZONES_LINE, 0, "config: missing required section 'policy'", 0 },
	{ false, "policy: { organisation = \"t\"; model = \"three-tier\"; };\n", 0,
	  "missing required section 'zones'", 0 },
	{ true, "polcy: { };\n", 3, "unknown section 'polcy'; allowed: policy, zones", 0 },
	{ true, "polcy: { };\n", 3, "(did you mean 'policy'?)", 0 },
	{ true, "hosts: { };\n", 3, "hosts: expected a list ( { ... }, { ... } ), got a group", 0 },
	{ true, "flows = 3;\n", 3, "flows: expected a list", 0 },
	/* policy */
	{ false, "policy: { organisation = \"t\"; };\n" ZONES_LINE, 1,
	  "policy: missing required key 'model'", 0 },
	{ false, "policy: { organisation = \"t\"; model = \"three-layer\"; };\n" ZONES_LINE, 1,
	  "policy: model: unknown value 'three-layer'; allowed: three-tier, lgwan-internet", 0 },
	{ false, "policy: { organisation = \"\"; model = \"three-tier\"; };\n" ZONES_LINE, 1,
	  "organisation: must not be empty", 0 },
	{ false, "policy: {\n organization = \"t\";\n model = \"three-tier\"; };\n" ZONES_LINE, 2,
	  "unknown key 'organization'; allowed: organisation, document, classification, model, "
	  "exception_max_days, verify, changes, proposal_ttl_days, keep_versions, keep_days (did "
	  "you mean 'organisation'?)", 2 },
	{ false, "policy: {\n organization = \"t\";\n model = \"three-tier\"; };\n" ZONES_LINE, 1,
	  "missing required key 'organisation'", 2 },
	{ false, "policy: { organisation = 1; model = \"three-tier\"; };\n" ZONES_LINE, 1,
	  "organisation: expected a string, got an integer", 0 },
	/* zones */
	{ false, "policy: { organisation = \"t\"; model = \"three-tier\"; };\nzones: {\n"
	  " mynumber: { interfaces = [\"mn0\"]; };\n DMZ: { interfaces = [\"dz0\"]; };\n};\n", 4,
	  "zone 'DMZ': zone id 'DMZ' is neither a known zone name", 0 },
	{ false, "policy: { organisation = \"t\"; model = \"three-tier\"; };\nzones: (\n"
	  " { id = \"mynumber\"; interfaces = [\"mn0\"]; },\n"
	  " { id = \"マイナンバー利用事務系\"; interfaces = [\"mn1\"]; }\n);\n", 4,
	  "zone 'マイナンバー利用事務系': duplicate zone 'mynumber' (first defined at line 3; "
	  "aliases name the same zone)", 0 },
	{ false, "policy: { organisation = \"t\"; model = \"three-tier\"; };\nzones: (\n"
	  " { interfaces = [\"mn0\"]; }\n);\n", 3, "zone #1: missing required key 'id'", 0 },
	{ false, "policy: { organisation = \"t\"; model = \"three-tier\"; };\nzones: (\n"
	  " { id = \"a_b\"; interfaces = [\"mn0\"]; }\n);\n", 3, "zone id 'a_b' is neither", 0 },
	{ false, "policy: { organisation = \"t\"; model = \"three-tier\"; };\nzones: (\n"
	  " { id = \"abcdefghijabcdefghijabcdefghijabc\"; interfaces = [\"mn0\"]; }\n);\n", 3,
	  "is neither a known zone name", 0 },
	{ false, "policy: { organisation = \"t\"; model = \"three-tier\"; };\nzones: {\n"
	  " mynumber: { interfaces = [\"abcdefghijklmnop\"]; };\n};\n", 3,
	  "interfaces[0]: 'abcdefghijklmnop' is not an interface name", 0 },
	{ false, "policy: { organisation = \"t\"; model = \"three-tier\"; };\nzones: {\n"
	  " mynumber: { interfaces = [\"eth 0\"]; };\n};\n", 3, "'eth 0' is not an interface name", 0 },
	{ false, "policy: { organisation = \"t\"; model = \"three-tier\"; };\nzones: {\n"
	  " mynumber: { interfaces = [\"..\"]; };\n};\n", 3, "'..' is not an interface name", 0 },
	{ false, "policy: { organisation = \"t\"; model = \"three-tier\"; };\nzones: {\n"
	  " mynumber: { interfaces = [\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\",\"i\",\"j\","
	  "\"k\",\"l\",\"m\",\"n\",\"o\",\"p\",\"q\"]; };\n};\n", 3,
	  "interfaces: too many entries (17, at most 16)", 0 },
	{ false, "policy: { organisation = \"t\"; model = \"three-tier\"; };\nzones: {\n"
	  " mynumber: { interfaces = [\"mn0\", \"mn0\"]; };\n};\n", 3,
	  "interfaces[1]: interface 'mn0' is listed twice", 0 },
	{ false, "policy: { organisation = \"t\"; model = \"three-tier\"; };\nzones: {\n"
	  " mynumber: { interfaces = []; };\n};\n", 3, "zone 'mynumber': interfaces: must not be empty", 0 },
	{ false, "policy: { organisation = \"t\"; model = \"three-tier\"; };\nzones: {\n"
	  " mynumber: { networks = [\"10.0.0.0/8\"]; };\n};\n", 3,
	  "zone 'mynumber': missing required key 'interfaces'", 0 },
	{ false, "policy: { organisation = \"t\"; model = \"three-tier\"; };\nzones: {\n"
	  " internet: { interfaces = [\"in0\"];\n networks = [\"any\", \"10.0.0.0/8\"]; };\n};\n", 4,
	  "networks: \"any\" must be the only entry", 0 },
	{ false, "policy: { organisation = \"t\"; model = \"three-tier\"; };\nzones: {\n"
	  " mynumber: { interfaces = [\"mn0\"];\n networks = [\"10.10.0.1/24\"]; };\n};\n", 4,
	  "networks[0]: '10.10.0.1/24' has host bits set; did you mean '10.10.0.0/24'?", 0 },
	{ false, "policy: { organisation = \"t\"; model = \"three-tier\"; };\nzones: {\n"
	  " mynumber: { interfaces = [\"mn0\"];\n networks = [\"fd10::1/64\"]; };\n};\n", 4,
	  "did you mean 'fd10::/64'?", 0 },
	{ false, "policy: { organisation = \"t\"; model = \"three-tier\"; };\nzones: {\n"
	  " mynumber: { interfaces = [\"mn0\"];\n networks = [\"10.10.0/24\"]; };\n};\n", 4,
	  "'10.10.0/24' is not an IPv4/IPv6 address or prefix", 0 },
	{ false, "policy: { organisation = \"t\"; model = \"three-tier\"; };\nzones: {\n"
	  " mynumber: { id = \"x\"; interfaces = [\"mn0\"]; };\n};\n", 3,
	  "unknown key 'id'; allowed: name, interfaces, networks", 0 },
	{ false, "policy: { organisation = \"t\"; model = \"three-tier\"; };\nzones = \"x\";\n", 2,
	  "zones: expected a group { mynumber: { ... }; ... } or a list", 0 },
	{ false, "policy: { organisation = \"t\"; model = \"three-tier\"; };\nzones: { };\n", 2,
	  "needs 1 to 16 zones, found 0", 0 },
	/* segments */
	{ true, "segments: ( { name = \"gc\"; zone = \"mynumber\"; link = \"fiber\"; "
	  "interface = \"gc0\"; networks = [\"10.50.0.0/16\"]; } );\n", 3,
	  "segment 'gc': link: unknown value 'fiber'; allowed: dedicated, lgwan, vpn, internet", 0 },
	{ true, "segments: ( { name = \"gc\"; zone = \"mynumber\"; link = \"dedicated\"; "
	  "networks = [\"10.50.0.0/16\"]; } );\n", 3,
	  "segment 'gc': missing required key 'interface'", 0 },
	{ true, "segments: ( { name = \"gc\"; zone = \"mynumber\"; link = \"dedicated\"; "
	  "interface = \"gc0\"; networks = [\"any\"]; } );\n", 3, "'any' is not an IPv4/IPv6", 0 },
	/* hosts */
	{ true, "hosts: ( { name = \"a\"; zone = \"mynumber\"; ipv4 = \"fd00::1\"; } );\n", 3,
	  "host 'a': ipv4: 'fd00::1' is not an IPv4 address", 0 },
	{ true, "hosts: ( { name = \"a\"; zone = \"mynumber\"; ipv6 = \"10.0.0.1\"; } );\n", 3,
	  "host 'a': ipv6: '10.0.0.1' is not an IPv6 address", 0 },
	{ true, "hosts: ( { name = \"a\"; zone = \"mynumber\"; ipv4 = \"10.0.0.1/32\"; } );\n", 3,
	  "ipv4: '10.0.0.1/32' must be a single address without a prefix length", 0 },
	{ true, "hosts: ( { name = \"a\"; zone = \"mynumber\"; ipv4 = \"10.0.0.1\";\n"
	  " mac = \"02:00:00:00:10\"; } );\n", 4,
	  "mac: '02:00:00:00:10' is not a MAC address like 02:00:00:00:10:05", 0 },
	{ true, "hosts: ( { name = \"a\"; zone = \"mynumber\"; ipv4 = \"10.0.0.1\";\n"
	  " mac = \"01:00:5e:00:00:01\"; } );\n", 4, "is not a unicast address", 0 },
	{ true, "hosts: ( { name = \"a\"; zone = \"mynumber\"; } );\n", 3,
	  "host 'a': needs an address: ipv4, ipv6 or both", 0 },
	{ true, "hosts: ( { name = \"0123456789012345678901234567890123456789012345678901234567890123\";"
	  " zone = \"mynumber\"; ipv4 = \"10.0.0.1\"; } );\n", 3,
	  "...' is too long (64 bytes, at most 63)", 0 },
	{ true, "hosts: ( { name = \"a\\tb\"; zone = \"mynumber\"; ipv4 = \"10.0.0.1\"; } );\n", 3,
	  "name: 'a?b' contains control characters", 0 },
	{ true, "hosts: ( { name = \" a\"; zone = \"mynumber\"; ipv4 = \"10.0.0.1\"; } );\n", 3,
	  "leading/trailing spaces", 0 },
	{ true, "hosts: ( { name = \"a\\xff\"; zone = \"mynumber\"; ipv4 = \"10.0.0.1\"; } );\n", 3,
	  "name: not valid UTF-8", 0 },
	{ true, "hosts: (\n { name = \"a\"; zone = \"mynumber\"; ipv4 = \"10.0.0.1\"; },\n"
	  " { name = \"b\"; zone = \"mynumber\"; ipv4 = \"10.0.0.2\"; },\n"
	  " { name = \"a\"; zone = \"mynumber\"; ipv4 = \"10.0.0.3\"; }\n);\n", 6,
	  "host 'a': duplicate host 'a' (first defined at line 4)", 0 },
	{ true, "hosts: ( { name = \"a\"; zone = \"mynumber\"; ipv4 = \"10.0.0.1\";\n"
	  " internet_connected = \"no\"; } );\n", 4,
	  "internet_connected: expected true or false, got a string", 0 },
	{ true, "hosts: ( { name = \"a\"; zones = \"mynumber\"; ipv4 = \"10.0.0.1\"; } );\n", 3,
	  "unknown key 'zones'", 2 },
	{ true, "hosts: ( { name = \"a\"; zones = \"mynumber\"; ipv4 = \"10.0.0.1\"; } );\n", 3,
	  "(did you mean 'zone'?)", 2 },
	{ true, "hosts: ( { name = \"a\"; zone = \"mynumber\"; ipv4 = \"10.0.0.1\"; asset = 3; } );\n",
	  3, "asset: expected a string", 0 },
	{ true, "hosts: ( \"a\" );\n", 3, "host #1: hosts[0]: expected a group { key = value; ... }, got a string", 0 },
	/* groups */
	{ true, "groups: ( { name = \"g\"; members = []; } );\n", 3,
	  "group 'g': members: must not be empty", 0 },
	{ true, "groups: ( { name = \"g\";\n members = [\"h1\", \"10.20.0.1/25\"]; } );\n", 4,
	  "members[1]: '10.20.0.1/25' has host bits set; did you mean '10.20.0.0/25'?", 0 },
	{ true, "groups: ( { name = \"g\"; } );\n", 3, "group 'g': missing required key 'members'", 0 },
	/* flows */
	{ true, "flows: ( { name = \"f\"; class = \"lateral\"; from = \"a\"; to = \"b\"; "
	  "proto = \"tcp\"; ports = [1]; } );\n", 3, "flow 'f': class: unknown value 'lateral'", 0 },
	{ true, "flows: ( { name = \"f\"; class = \"peer\";\n method = \"mail-text\"; from = \"a\"; "
	  "to = \"b\"; proto = \"tcp\"; ports = [25]; } );\n", 4,
	  "method: only flows of class 'sanitised-relay' have a method (class is 'peer')", 0 },
	{ true, "flows: ( { name = \"f\"; class = \"sanitised-relay\"; from = \"a\"; to = \"b\"; "
	  "proto = \"tcp\"; ports = [25]; } );\n", 3,
	  "class 'sanitised-relay' needs a method", 0 },
	{ true, "flows: ( { name = \"f\"; class = \"sanitised-relay\"; method = \"fax\"; from = \"a\"; "
	  "to = \"b\"; proto = \"tcp\"; ports = [25]; } );\n", 3,
	  "method: unknown value 'fax'; allowed: mail-text, screen-transfer, file-sanitise", 0 },
	{ true, "flows: ( { name = \"f\"; class = \"peer\"; from = \"a\"; to = \"b\"; proto = \"icmp\";\n"
	  " ports = [1]; } );\n", 4, "ports: protocol 'icmp' has no ports; remove 'ports'", 0 },
	{ true, "flows: ( { name = \"f\"; class = \"peer\"; from = \"a\"; to = \"b\"; proto = \"esp\";\n"
	  " ports = [1]; } );\n", 4, "protocol 'esp' has no ports", 0 },
	{ true, "flows: ( { name = \"f\"; class = \"peer\"; from = \"a\"; to = \"b\"; proto = 89;\n"
	  " ports = [1]; } );\n", 4, "protocol '89' has no ports", 0 },
	{ true, "flows: ( { name = \"f\"; class = \"peer\"; from = \"a\"; to = \"b\"; proto = \"tcp\";\n"
	  " ports = [0]; } );\n", 4, "ports[0]: '0' is out of range 1-65535", 0 },
	{ true, "flows: ( { name = \"f\"; class = \"peer\"; from = \"a\"; to = \"b\"; proto = \"tcp\";\n"
	  " ports = [\"65536\"]; } );\n", 4, "'65536' is out of range 1-65535", 0 },
	{ true, "flows: ( { name = \"f\"; class = \"peer\"; from = \"a\"; to = \"b\"; proto = \"tcp\";\n"
	  " ports = (1, \"90-80\"); } );\n", 4, "ports[1]: '90-80' is an empty range", 0 },
	{ true, "flows: ( { name = \"f\"; class = \"peer\"; from = \"a\"; to = \"b\"; proto = \"tcp\";\n"
	  " ports = [\"http\"]; } );\n", 4, "ports[0]: 'http' is not a port or a range \"lo-hi\"", 0 },
	{ true, "flows: ( { name = \"f\"; class = \"peer\"; from = \"a\"; to = \"b\"; proto = \"tcp\";\n"
	  " ports = [\"1-2-3\"]; } );\n", 4, "'1-2-3' is not a port or a range", 0 },
	{ true, "flows: ( { name = \"f\"; class = \"peer\"; from = \"a\"; to = \"b\"; proto = \"tcp\";\n"
	  " ports = [\"-5\"]; } );\n", 4, "'-5' is not a port or a range", 0 },
	{ true, "flows: ( { name = \"f\"; class = \"peer\"; from = \"a\"; to = \"b\"; proto = \"tcp\";\n"
	  " ports = [1.5]; } );\n", 4, "ports[0]: expected a port number or a string \"lo-hi\", got a float", 0 },
	{ true, "flows: ( { name = \"f\"; class = \"peer\"; from = \"a\"; to = \"b\"; proto = \"tcp\";\n"
	  " ports = [1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,"
	  "30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51,52,53,54,55,56,57,58,"
	  "59,60,61,62,63,64,65]; } );\n", 4, "ports: too many entries (65, at most 64)", 0 },
	{ true, "flows: ( { name = \"f\"; class = \"peer\"; from = \"a\"; to = \"b\"; proto = \"tcp\";\n"
	  " ports = []; } );\n", 4, "ports: must not be empty", 0 },
	{ true, "flows: ( { name = \"f\"; class = \"peer\"; from = \"a\"; to = \"b\";\n proto = 0; } );\n",
	  4, "proto: unknown value '0'", 0 },
	{ true, "flows: ( { name = \"f\"; class = \"peer\"; from = \"a\"; to = \"b\";\n proto = \"tcpp\"; } );\n",
	  4, "proto: unknown value 'tcpp'", 0 },
	{ true, "flows: ( { name = \"f\"; class = \"peer\"; from = \"a\"; to = \"b\"; } );\n", 3,
	  "flow 'f': missing required key 'proto'", 0 },
	{ true, "flows: ( { class = \"peer\"; from = \"a\"; to = \"b\"; proto = \"udp\"; } );\n", 3,
	  "flow #1: missing required key 'name'", 0 },
	{ true, "flows: ( { name = \"f\"; class = \"peer\"; from = \"a\"; to = \"b\"; proto = \"udp\";\n"
	  " aproval = \"AP-1\"; } );\n", 4, "unknown key 'aproval'", 0 },
	{ true, "flows: ( { name = \"f\"; class = \"peer\"; from = \"a\"; to = \"b\"; proto = \"udp\";\n"
	  " aproval = \"AP-1\"; } );\n", 4, "(did you mean 'approval'?)", 0 },
	{ true, "flows: ( { name = \"f\"; class = \"peer\"; from = \"a\"; to = \"b\"; proto = \"udp\";\n"
	  " purpose = \"\"; } );\n", 4, "purpose: must not be empty", 0 },
	{ true, "flows: ( { name = \"f\"; class = \"peer\"; from = \"\"; to = \"b\"; proto = \"udp\"; } );\n",
	  3, "from: must not be empty", 0 },
	{ true, "flows: ( { name = \"f\"; class = \"peer\"; from = [\"a\"]; to = \"b\"; proto = \"udp\"; } );\n",
	  3, "from: expected a string, got an array", 0 },
	{ true, "flows: (\n { name = \"f\"; class = \"peer\"; from = \"a\"; to = \"b\"; proto = \"udp\"; },\n"
	  " { name = \"f\"; class = \"peer\"; from = \"a\"; to = \"b\"; proto = \"tcp\"; }\n);\n", 5,
	  "duplicate flow 'f' (first defined at line 4)", 0 },
	/* exceptions */
	{ true, "exceptions: ( { id = \"E\"; from = \"a\"; to = \"b\"; proto = \"tcp\"; reason = \"r\"; "
	  "requested_by = \"x\"; approved_by = \"y\"; } );\n", 3,
	  "exception 'E': missing required key 'expires'", 0 },
	{ true, "exceptions: ( { id = \"E\"; from = \"a\"; to = \"b\"; proto = \"tcp\"; reason = \"r\"; "
	  "requested_by = \"x\"; approved_by = \"y\";\n expires = \"2026-12-31\"; } );\n", 4,
	  "expires: '2026-12-31' is not an RFC 3339 time with a UTC offset", 0 },
	{ true, "exceptions: ( { id = \"E\"; from = \"a\"; to = \"b\"; proto = \"tcp\"; reason = \"r\"; "
	  "approved_by = \"y\"; expires = \"2026-12-31T23:59:59+09:00\"; } );\n", 3,
	  "missing required key 'requested_by'", 0 },
	{ true, "exceptions: ( { id = \"E\"; from = \"a\"; to = \"b\"; proto = \"tcp\"; reason = \"r\"; "
	  "requested_by = \"x\"; approved_by = \"y\";\n expire = \"2026-12-31T23:59:59+09:00\"; } );\n",
	  4, "exception 'E': unknown key 'expire'", 2 },
	{ true, "exceptions: ( { id = \"E\"; from = \"a\"; to = \"b\"; proto = \"tcp\"; reason = \"r\"; "
	  "requested_by = \"x\"; approved_by = \"y\";\n expire = \"2026-12-31T23:59:59+09:00\"; } );\n",
	  4, "(did you mean 'expires'?)", 2 },
	{ true, "exceptions: ( { from = \"a\"; to = \"b\"; proto = \"tcp\"; reason = \"r\"; "
	  "requested_by = \"x\"; approved_by = \"y\"; expires = \"2026-12-31T23:59:59Z\"; } );\n", 3,
	  "exception #1: missing required key 'id'", 0 },
	/* breakout */
	{ true, "breakout: { from = [\"lgwan\"]; };\n", 3,
	  "breakout: missing required key 'services'", 0 },
	{ true, "breakout: { from = [\"lgwan\"]; services: ( { name = \"s\";\n"
	  " fqdns = [\"*.com\"]; } ); };\n", 4, "service 's': fqdns[0]: '*.com' is not a DNS name", 0 },
	{ true, "breakout: { from = [\"lgwan\"]; services: ( { name = \"s\";\n"
	  " fqdns = [\"a_b.example.com\"]; } ); };\n", 4, "'a_b.example.com' is not a DNS name", 0 },
	{ true, "breakout: { from = [\"lgwan\"]; services: ( { name = \"s\";\n"
	  " fqdns = [\"-a.example.com\"]; } ); };\n", 4, "'-a.example.com' is not a DNS name", 0 },
	{ true, "breakout: { from = [\"lgwan\"]; services: ( { name = \"s\";\n"
	  " fqdns = [\"example.com.\"]; } ); };\n", 4, "'example.com.' is not a DNS name", 0 },
	{ true, "breakout: { from = [\"lgwan\"]; services: ( { name = \"s\";\n"
	  " fqdns = [\"a.b*.example.com\"]; } ); };\n", 4, "is not a DNS name", 0 },
	{ true, "breakout: { from = [\"lgwan\"]; services: ( { name = \"s\";\n"
	  " fqdns = [\"a.*.com\"]; } ); };\n", 4, "'a.*.com' is not a DNS name", 0 },
	{ true, "breakout: { from = [\"lgwan\"]; services: ( { name = \"s\";\n"
	  " fqdns = [\"x*.com\"]; } ); };\n", 4, "'x*.com' is not a DNS name", 0 },
	{ true, "breakout: { from = [\"lgwan\"]; services: ( { name = \"s\";\n"
	  " fqdns = [\"*cdn.*.net\"]; } ); };\n", 4, "'*cdn.*.net' is not a DNS name", 0 },
	{ true, "breakout: { from = [\"lgwan\"]; services: ( { name = \"s\";\n"
	  " fqdns = [\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.com\"]; } ); };\n",
	  4, "is not a DNS name", 0 },
	{ true, "breakout: { from = [\"lgwan\"]; services: ( { name = \"s\"; match = \"ip\"; } ); };\n",
	  3, "service 's': match 'ip' needs prefixes", 0 },
	{ true, "breakout: { from = [\"lgwan\"]; services: ( { name = \"s\"; prefixes = [\"1.2.3.0/24\"]; } ); };\n",
	  3, "service 's': match 'dns+sni' needs fqdns", 0 },
	{ true, "breakout: { from = [\"lgwan\"]; services: ( { name = \"s\"; fqdns = [\"a.example\"];\n"
	  " tls = \"yes\"; } ); };\n", 4, "tls: unknown value 'yes'; allowed: required, optional", 0 },
	{ true, "breakout: { from = [\"lgwan\"]; services: ( { name = \"s\"; fqdns = [\"a.example\"];\n"
	  " type = \"saas\"; } ); };\n", 4, "type: unknown value 'saas'; allowed: cloud, security-update", 0 },
	{ true, "breakout: { from = [\"lgwan\"]; services: ( { name = \"s\"; fqdns = [\"a.example\"];\n"
	  " ismap_valid_until = \"2027-02-30\"; } ); };\n", 4,
	  "ismap_valid_until: '2027-02-30' is not a valid date YYYY-MM-DD", 0 },
	{ true, "breakout: { from = [\"lgwan\"]; services: ( { name = \"s\"; fqdns = [\"a.example\"];\n"
	  " handles_admin_docs = 0; } ); };\n", 4, "handles_admin_docs: expected true or false", 0 },
	{ true, "breakout: { from = [\"lgwan\"];\n resolvers = [\"10.20.0.0/24\"];\n"
	  " services: ( { name = \"s\"; fqdns = [\"a.example\"]; } ); };\n", 4,
	  "resolvers[0]: '10.20.0.0/24' must be a single address", 0 },
	{ true, "breakout: { from = [\"lgwan\"]; service: ( ); };\n", 3,
	  "breakout: unknown key 'service'", 2 },
	{ true, "breakout: { from = [\"lgwan\"]; services: (\n { name = \"s\"; fqdns = [\"a.example\"]; },\n"
	  " { name = \"s\"; fqdns = [\"b.example\"]; }\n); };\n", 5,
	  "service 's': duplicate service 's' (first defined at line 4)", 0 },
	{ true, "breakout: { from = []; services: ( ); };\n", 3, "from: must not be empty", 0 },
	{ true, "breakout: { from = [\"lgwan\"];\n upstreams = [\"10.30.0.0/24\"];\n"
	  " services: ( { name = \"s\"; fqdns = [\"a.example\"]; } ); };\n", 4,
	  "breakout: upstreams[0]: '10.30.0.0/24' must be a single address", 0 },
	{ true, "breakout: { from = [\"lgwan\"];\n upstreams = [\"dns.example\"];\n"
	  " services: ( { name = \"s\"; fqdns = [\"a.example\"]; } ); };\n", 4,
	  "upstreams[0]: 'dns.example' is not an IPv4/IPv6 address", 0 },
	{ true, "breakout: { from = [\"lgwan\"];\n dns_floor = 0;\n"
	  " services: ( { name = \"s\"; fqdns = [\"a.example\"]; } ); };\n", 4,
	  "breakout: dns_floor: 0 is out of range 1-86400", 0 },
	{ true, "breakout: { from = [\"lgwan\"];\n dns_floor = 86401;\n"
	  " services: ( { name = \"s\"; fqdns = [\"a.example\"]; } ); };\n", 4,
	  "dns_floor: 86401 is out of range 1-86400", 0 },
	{ true, "breakout: { from = [\"lgwan\"];\n dns_ttl_max = 0;\n"
	  " services: ( { name = \"s\"; fqdns = [\"a.example\"]; } ); };\n", 4,
	  "breakout: dns_ttl_max: 0 is out of range 1-604800", 0 },
	{ true, "breakout: { from = [\"lgwan\"];\n dns_ttl_max = 604801;\n"
	  " services: ( { name = \"s\"; fqdns = [\"a.example\"]; } ); };\n", 4,
	  "dns_ttl_max: 604801 is out of range 1-604800", 0 },
	{ true, "breakout: { from = [\"lgwan\"];\n dns_floor = \"60\";\n"
	  " services: ( { name = \"s\"; fqdns = [\"a.example\"]; } ); };\n", 4,
	  "dns_floor: expected an integer, got a string", 0 },
	{ true, "breakout: { from = [\"lgwan\"];\n dns_grace = -1;\n"
	  " services: ( { name = \"s\"; fqdns = [\"a.example\"]; } ); };\n", 4,
	  "breakout: dns_grace: -1 is out of range 0-86400", 0 },
	{ true, "breakout: { from = [\"lgwan\"];\n dns_grace = 86401;\n"
	  " services: ( { name = \"s\"; fqdns = [\"a.example\"]; } ); };\n", 4,
	  "dns_grace: 86401 is out of range 0-86400", 0 },
	{ true, "breakout: { from = [\"lgwan\"];\n dns_max = 15;\n"
	  " services: ( { name = \"s\"; fqdns = [\"a.example\"]; } ); };\n", 4,
	  "breakout: dns_max: 15 is out of range 16-1048576", 0 },
	{ true, "breakout: { from = [\"lgwan\"];\n dns_max = 1048577;\n"
	  " services: ( { name = \"s\"; fqdns = [\"a.example\"]; } ); };\n", 4,
	  "dns_max: 1048577 is out of range 16-1048576", 0 },
	{ true, "breakout: { from = [\"lgwan\"];\n dns_max = 5000000000L;\n"
	  " services: ( { name = \"s\"; fqdns = [\"a.example\"]; } ); };\n", 4,
	  "dns_max: 5000000000 is out of range 16-1048576", 0 },
	{ true, "breakout: { from = [\"lgwan\"];\n dns_max = 1.5;\n"
	  " services: ( { name = \"s\"; fqdns = [\"a.example\"]; } ); };\n", 4,
	  "dns_max: expected an integer, got a float", 0 },
	{ true, "breakout: { from = [\"lgwan\"];\n ech = \"ignore\";\n"
	  " services: ( { name = \"s\"; fqdns = [\"a.example\"]; } ); };\n", 4,
	  "breakout: ech: unknown value 'ignore'; allowed: refuse, outer-sni", 0 },
	{ true, "breakout: { from = [\"lgwan\"];\n ech = true;\n"
	  " services: ( { name = \"s\"; fqdns = [\"a.example\"]; } ); };\n", 4,
	  "ech: expected a string, got a boolean", 0 },
	{ true, "breakout: { from = [\"lgwan\"];\n upstream = [\"10.30.0.53\"];\n"
	  " services: ( { name = \"s\"; fqdns = [\"a.example\"]; } ); };\n", 4,
	  "unknown key 'upstream'; allowed: from, resolvers, upstreams, dns_floor, dns_grace, "
	  "dns_ttl_max, dns_max, ech, port_span_max, services (did you mean 'upstreams'?)", 0 },
	/* flow verdicts */
	{ true, "flows: ( { name = \"f\"; class = \"peer\"; from = \"a\"; to = \"b\"; proto = \"udp\";\n"
	  " verdict = \"auto\"; } );\n", 4,
	  "flow 'f': verdict: unknown value 'auto'; allowed: kernel, engine", 0 },
	{ true, "flows: ( { name = \"f\"; class = \"peer\"; from = \"a\"; to = \"b\"; proto = \"udp\";\n"
	  " verdict = \"default\"; } );\n", 4, "verdict: unknown value 'default'", 0 },
	{ true, "flows: ( { name = \"f\"; class = \"peer\"; from = \"a\"; to = \"b\"; proto = \"udp\";\n"
	  " verdict = 1; } );\n", 4, "verdict: expected a string, got an integer", 0 },
	/* engine */
	{ true, "engine: {\n queues = 0; };\n", 4, "engine: queues: 0 is out of range 1-8", 0 },
	{ true, "engine: {\n queues = 9; };\n", 4, "engine: queues: 9 is out of range 1-8", 0 },
	{ true, "engine: {\n queue_maxlen = 15; };\n", 4,
	  "engine: queue_maxlen: 15 is out of range 16-65536", 0 },
	{ true, "engine: {\n queue_maxlen = 65537; };\n", 4,
	  "queue_maxlen: 65537 is out of range 16-65536", 0 },
	{ true, "engine: {\n source_quota = 0; };\n", 4,
	  "engine: source_quota: 0 is out of range 1-256", 0 },
	{ true, "engine: {\n source_quota = 257; };\n", 4,
	  "engine: source_quota: 257 is out of range 1-256", 0 },
	{ true, "engine: {\n source_quota = \"16\"; };\n", 4,
	  "source_quota: expected an integer, got a string", 0 },
	{ true, "engine: {\n queue_base = -1; };\n", 4,
	  "engine: queue_base: -1 is out of range 0-65535", 0 },
	{ true, "engine: {\n queue_base = 65535; };\n", 4,
	  "engine: queue_base: 65535 is out of range 0-65534 for queues = 1 (queue numbers end "
	  "at 65535)", 0 },
	{ true, "engine: { queues = 8;\n queue_base = 65528; };\n", 4,
	  "queue_base: 65528 is out of range 0-65527", 0 },
	{ true, "engine: {\n queue_base = \"0\"; };\n", 4,
	  "queue_base: expected an integer, got a string", 0 },
	{ true, "engine: { fail_open = [\"lgwan>dmz\",\n \"lgwan\"]; };\n", 4,
	  "engine: fail_open[1]: 'lgwan' is not a zone pair \"from>to\" such as \"lgwan>dmz\"", 0 },
	{ true, "engine: {\n fail_open = [\">dmz\"]; };\n", 4,
	  "fail_open[0]: '>dmz' is not a zone pair", 0 },
	{ true, "engine: {\n fail_open = [\"lgwan >  \"]; };\n", 4,
	  "contains control characters or leading/trailing spaces", 0 },
	{ true, "engine: {\n fail_open = [\"lgwan>dmz>internet\"]; };\n", 4,
	  "fail_open[0]: 'lgwan>dmz>internet' is not a zone pair", 0 },
	{ true, "engine: {\n fail_open = \"lgwan>dmz\"; };\n", 4,
	  "fail_open: expected an array [ ] or list ( ), got a string", 0 },
	{ true, "engine: {\n fail_closed = [\"lgwan>dmz\"]; };\n", 4,
	  "engine: unknown key 'fail_closed'; allowed: queues, queue_base, queue_maxlen, "
	  "fail_open, source_quota", 0 },
	{ true, "engine = 2;\n", 3, "engine: expected a group { key = value; ... }, got an integer", 0 },
	{ true, "engin: { };\n", 3, "unknown section 'engin'; allowed: policy, zones, segments, "
	  "hosts, groups, flows, exceptions, breakout, engine, limits, ha, logging, alerts (did you mean 'engine'?)", 0 },
	/* alerts (R93, R97) */
	{ true, "alerts: { syslog = [\"udp://syslog.example:514\"]; };\n", 3,
	  "alerts: syslog: 'udp://syslog.example:514' is not a collector: the collector must be a literal", 0 },
	{ true, "alerts: { syslog = [\"udp://10.0.0.1:0\"]; };\n", 3,
	  "the port must be :1 to :65535", 0 },
	{ true, "alerts: { syslog = [\"http://10.0.0.1\"]; };\n", 3,
	  "write udp://ADDRESS[:PORT] or tcp://ADDRESS[:PORT]", 0 },
	{ true, "alerts: { command = \"notify-mail\"; };\n", 3,
	  "alerts: command: 'notify-mail' is not an absolute path", 0 },
	{ true, "alerts: { command_timeout = 0; };\n", 3, "command_timeout", 0 },
	{ true, "alerts: { sylog = []; };\n", 3, "unknown key 'sylog'", 0 },
	/* logging (R85): the failure behaviour and bursts */
	{ true, "logging: { on_failure = \"block\"; };\n", 3,
	  "on_failure: unknown value 'block'; allowed: alert-only, block-crosszone", 0 },
	{ true, "logging: { burst_events = 5; };\n", 3, "burst_events", 0 },
	{ true, "logging: { burst_window = 0; };\n", 3, "burst_window", 0 },
	/* ha (R99, R102) */
	{ true, "ha: { nodes = [\"10.255.0.1\", \"10.255.0.2\"]; };\n", 3,
	  "ha: missing required key 'sync_interface'", 0 },
	{ true, "ha: { sync_interface = \"sy0\";\n nodes = [\"10.255.0.1\", \"10.255.0.1\"]; };\n",
	  4, "ha: nodes: the two addresses must differ and be of one family (IPv4 or IPv6)", 0 },
	{ true, "ha: { sync_interface = \"sy0\";\n nodes = [\"10.255.0.0/24\", \"10.255.1.1\"]; };\n",
	  4, "must be a single address without a prefix length", 0 },
	/* limits (R44) */
	{ true, "limits: {\n rate = -1; };\n", 4, "limits: rate: -1 is out of range 0-1000000", 0 },
	{ true, "limits: {\n rate = 1000001; };\n", 4, "rate: 1000001 is out of range 0-1000000", 0 },
	{ true, "limits: {\n burst = 0; };\n", 4, "limits: burst: 0 is out of range 1-1000000", 0 },
	{ true, "limits: {\n ct_count = \"10\"; };\n", 4,
	  "ct_count: expected an integer, got a string", 0 },
	{ true, "limits: {\n conntrack_warn = 0.0; };\n", 4,
	  "limits: conntrack_warn: 0 is not a fraction of nf_conntrack_max above 0 and at most 1", 0 },
	{ true, "limits: {\n conntrack_warn = 2; };\n", 4, "conntrack_warn: 2 is not a fraction", 0 },
	{ true, "limits: {\n conntrack_warn = \"80%\"; };\n", 4,
	  "conntrack_warn: expected a number, got a string", 0 },
	{ true, "limits: { pairs: (\n { pair = \"lgwan>nowhere\"; } ); };\n", 4,
	  "limits: pair 'lgwan>nowhere': unknown zone 'nowhere'", 0 },
	{ true, "limits: { pairs: (\n { pair = \"lgwan\"; } ); };\n", 4,
	  "pair: 'lgwan' is not a zone pair \"from>to\" such as \"internet>dmz\"", 0 },
	{ true, "limits: { pairs: (\n { rate = 5; } ); };\n", 4, "limits: missing required key 'pair'", 0 },
	{ true, "limits: { pairs: ( { pair = \"lgwan>internet\"; },\n"
	  " { pair = \"LGWAN接続系>internet\"; } ); };\n", 4,
	  "pair 'LGWAN接続系>internet' is listed twice (also line 3)", 0 },
	{ true, "limits: { pairs: (\n { pair = \"lgwan>internet\"; rates = 5; } ); };\n", 4,
	  "limits: unknown key 'rates'; allowed: pair, rate, burst, ct_count (did you mean 'rate'?)", 0 },
	{ true, "limits: {\n pairs = \"lgwan>internet\"; };\n", 4,
	  "pairs: expected an array [ ] or list ( ), got a string", 0 },
	/* syntax */
	{ true, "hosts: (\n { name = ; }\n);\n", 4, "syntax error", 0 },
	{ true, "flows: ( { ports = [443, \"8000-8080\"]; } );\n", 3,
	  "write mixed values as a list, e.g. ports = (443, \"8000-8080\")", 0 },
};

START_TEST(test_errors)
{
	const struct err_case *tc = &err_cases[_i];
	char *text = tc->base ? concat(BASE, tc->text) : concat("", tc->text);
	struct policy *p = (struct policy *)0x1;	/* must stay untouched */
	struct diag d;
	int r;

	diag_init(&d);
	r = load(text, &p, &d);
	if (r != -EINVAL || !has_entry(&d, tc->line, tc->msg) ||
	    d.errors != (tc->errors ? tc->errors : 1)) {
		fprintf(stderr, "case %d: want line %d '%s'\n", _i, tc->line, tc->msg);
		dump(&d);
	}
	ck_assert_int_eq(r, -EINVAL);
	ck_assert_ptr_eq(p, (struct policy *)0x1);
	ck_assert(has_entry(&d, tc->line, tc->msg));
	ck_assert_int_eq(d.errors, tc->errors ? tc->errors : 1);
	ck_assert_str_eq(d.v[0].file, "t.conf");
	check_entries(&d);
	diag_fini(&d);
	free(text);
}
END_TEST

/* Strict UTF-8 structure check (lead bytes followed by the right number of continuations). */
static bool utf8_ok(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	int need = 0;

	for (; *u; u++) {
		if (need) {
			if ((*u & 0xc0) != 0x80)
				return false;
			need--;
		} else if (*u >= 0xf0) {
			need = 3;
		} else if (*u >= 0xe0) {
			need = 2;
		} else if (*u >= 0xc0) {
			need = 1;
		} else if (*u >= 0x80) {
			return false;
		}
	}
	return need == 0;
}

/* A long Japanese value is cut in messages at a character boundary, never inside one. */
START_TEST(test_quote_utf8)
{
	struct policy *p = NULL;
	struct diag d;
	char *text, name[256] = "";
	int i;

	for (i = 0; i < 30; i++)
		strcat(name, i % 2 ? "あ" : "a\xe3\x81\x82");	/* 1- and 3-byte mix */
	ck_assert_int_ge(asprintf(&text, BASE "hosts: ( { name = \"%s\"; zone = \"lgwan\"; "
				  "ipv4 = \"10.20.0.1\"; } );\n", name), 0);
	diag_init(&d);
	ck_assert_int_eq(load(text, &p, &d), -EINVAL);
	ck_assert_int_eq(d.errors, 1);
	ck_assert_ptr_nonnull(strstr(d.v[0].msg, "...' is too long (105 bytes, at most 63)"));
	ck_assert(utf8_ok(d.v[0].msg));
	ck_assert(utf8_ok(d.v[0].msg_ja));
	diag_fini(&d);
	free(text);
}
END_TEST

/* Five independent errors in one file: five diagnostics, each at its line. */
START_TEST(test_all_errors_at_once)
{
	static const char text[] = BASE
		"hosts: (\n"
		"  { name = \"a\"; zone = \"mynumber\"; ipv4 = \"10.10.0.300\"; },\n"	/* 4 */
		"  { name = \"b\"; zone = \"mynumber\"; ipv4 = \"10.10.0.2\"; mac = \"x\"; }\n"	/* 5 */
		");\n"
		"flows: (\n"
		"  { name = \"f\"; class = \"peer\"; from = \"a\"; to = \"b\"; proto = \"tcp\";\n"
		"    ports = [70000]; },\n"							/* 9 */
		"  { name = \"g\"; class = \"peer\"; from = \"a\"; to = \"b\"; proto = \"udp\";\n"
		"    comment = \"x\"; colour = \"red\"; }\n"					/* 11 */
		");\n"
		"exceptions: (\n"
		"  { id = \"E\"; from = \"a\"; to = \"b\"; proto = \"tcp\"; reason = \"r\";\n"	/* 14 */
		"    requested_by = \"x\"; approved_by = \"y\"; }\n"
		");\n";
	struct policy *p = NULL;
	struct diag d;

	diag_init(&d);
	ck_assert_int_eq(load(text, &p, &d), -EINVAL);
	if (d.errors != 5)
		dump(&d);
	ck_assert_int_eq(d.errors, 5);
	ck_assert(has_entry(&d, 4, "host 'a': ipv4: '10.10.0.300'"));
	ck_assert(has_entry(&d, 5, "host 'b': mac: 'x'"));
	ck_assert(has_entry(&d, 9, "flow 'f': ports[0]: '70000' is out of range"));
	ck_assert(has_entry(&d, 11, "flow 'g': unknown key 'colour'"));
	ck_assert(has_entry(&d, 14, "exception 'E': missing required key 'expires'"));
	check_entries(&d);
	ck_assert_ptr_null(p);
	diag_fini(&d);
}
END_TEST

/* ---------------------------------------------------------------------------------------- */

static const char *const shipped[] = {
	"conf/three-tier.conf",
	"conf/lgwan-internet.conf",
	"conf/mynumber-internet.conf",
};

START_TEST(test_shipped_load)
{
	struct policy *p = NULL;
	struct diag d;
	int r;

	diag_init(&d);
	r = conf_load_file(shipped[_i], &p, &d);
	if (r)
		dump(&d);
	ck_assert_int_eq(r, 0);
	ck_assert_int_eq(d.n, 0);
	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(p->file, shipped[_i]);
	ck_assert_int_eq(p->model, (enum policy_model)_i);
	policy_free(p);
	diag_fini(&d);
}
END_TEST

START_TEST(test_three_tier_content)
{
	struct policy *p = NULL;
	const struct host *h;
	const struct flow *f;
	struct diag d;
	uint8_t mac[6] = { 0x02, 0, 0, 0, 0x10, 0x05 }, ip4[4] = { 10, 10, 0, 5 };

	diag_init(&d);
	ck_assert_int_eq(conf_load_file("conf/three-tier.conf", &p, &d), 0);
	ck_assert_str_eq(p->organisation, "紫波町");
	ck_assert_int_eq(p->n_zones, 4);
	ck_assert_str_eq(p->zones[0].id, "mynumber");
	ck_assert_str_eq(p->zones[0].label, "mynumber");
	ck_assert_int_eq(p->zones[0].role, ZONE_MYNUMBER);
	ck_assert_int_eq(p->zones[0].n_nets, 2);
	ck_assert_int_eq(p->zones[0].nets[1].family, AF_INET6);
	ck_assert_int_eq(p->zones[0].nets[1].len, 64);
	ck_assert(p->zones[2].any);
	ck_assert_int_eq(p->zones[2].n_nets, 0);
	ck_assert_str_eq(p->zones[3].id, "dmz");
	ck_assert_str_eq(p->zones[3].label, "電子申請DMZ");
	ck_assert_int_eq(p->zones[3].role, ZONE_OTHER);
	ck_assert_str_eq(p->zones[3].ifaces[0], "dz0");
	ck_assert_int_gt(p->zones[3].loc.line, 0);

	ck_assert_int_eq(p->n_segments, 1);
	ck_assert_str_eq(p->segments[0].zone_name, "マイナンバー利用事務系");
	ck_assert_int_eq(p->segments[0].zone, -1);
	ck_assert_int_eq(p->segments[0].link, LINK_DEDICATED);
	ck_assert_str_eq(p->segments[0].iface, "gc0");

	ck_assert_int_eq(p->n_hosts, 11);
	h = &p->hosts[0];
	ck_assert_str_eq(h->name, "juki-01");
	ck_assert(h->has_mac && h->has4 && h->has6);
	ck_assert_mem_eq(h->mac, mac, 6);
	ck_assert_mem_eq(h->ip4, ip4, 4);
	ck_assert_int_eq(h->ip6[15], 5);
	ck_assert_int_eq(h->internet_connected, -1);
	ck_assert_int_eq(h->zone, -1);
	ck_assert_str_eq(p->hosts[3].zone_name, "LGWAN接続系");
	ck_assert(!p->hosts[2].has_mac && !p->hosts[2].has6);

	ck_assert_int_eq(p->n_groups, 1);
	ck_assert_int_eq(p->groups[0].members[0].kind, MEMBER_PREFIX);
	ck_assert_int_eq(p->groups[0].members[0].pfx.len, 25);

	ck_assert_int_eq(p->n_flows, 8);
	f = &p->flows[0];
	ck_assert_int_eq(f->cls, FLOW_PUBLIC_VIA_LGWAN);
	ck_assert_str_eq(f->from.name, "juki-01");
	ck_assert_int_eq(f->from.kind, EP_UNRESOLVED);
	ck_assert_int_eq(f->from.idx, -1);
	ck_assert_int_eq(f->proto, 6);
	ck_assert_int_eq(f->n_ports, 1);
	ck_assert_int_eq(f->ports[0].lo, 443);
	ck_assert_str_eq(f->approval, "AP-2026-001");
	ck_assert_ptr_nonnull(f->authority);
	ck_assert_int_eq(p->flows[1].proto, 1);
	ck_assert_int_eq(p->flows[1].n_ports, 0);
	ck_assert_str_eq(p->flows[2].approval, "");
	ck_assert_int_eq(p->flows[3].method, METHOD_MAIL_TEXT);
	ck_assert_int_eq(p->flows[4].method, METHOD_SCREEN_TRANSFER);
	ck_assert_str_eq(p->flows[7].to.name, "gateway");
	ck_assert_int_eq(p->flows[7].cls, FLOW_MANAGEMENT);

	ck_assert_int_eq(p->n_exceptions, 1);
	ck_assert_int_eq(p->exceptions[0].expires, 1798729199);
	ck_assert_str_eq(p->exceptions[0].expires_text, "2026-12-31T23:59:59+09:00");
	ck_assert_str_eq(p->exceptions[0].requested_by, "tanaka");
	ck_assert(!p->exceptions[0].expired);
	ck_assert_int_eq(p->breakout.n_services, 0);
	policy_free(p);
	diag_fini(&d);
}
END_TEST

/* A config that uses every key. */
static const char full[] =
	"policy: { organisation = \"市 \\\"テスト\\\" \\\\ 町\"; document = \"規程\\n第2版\";\n"
	"  model = \"three-tier\"; };\n"
	"zones: (\n"
	"  { id = \"マイナンバー利用事務系\"; interfaces = [\"mn0\", \"mn1.10\"];\n"
	"    networks = [\"10.10.0.0/24\", \"fd10::/64\"]; },\n"
	"  { id = \"LGWAN 接続系\"; name = \"LGWAN接続系 (本庁)\"; interfaces = [\"lg0\"];\n"
	"    networks = [\"10.20.0.0/24\"]; },\n"
	"  { id = \"Internet\"; interfaces = [\"in0\"]; networks = [\"any\"]; },\n"
	"  { id = \"dmz\"; interfaces = [\"dz0\"]; networks = [\"10.40.0.0/24\", \"10.41.0.0/24\",\n"
	"    \"10.42.0.0/24\", \"10.43.0.0/24\", \"10.44.0.0/24\", \"10.45.0.0/24\", \"10.46.0.0/24\",\n"
	"    \"10.47.0.0/24\", \"10.48.0.0/24\", \"10.49.0.0/24\"]; }\n"
	");\n"
	"segments: ( { name = \"lgcloud\"; zone = \"イントラ系\"; link = \"lgwan\"; interface = \"lc0\";\n"
	"  networks = [\"10.60.0.0/16\"]; } );\n"
	"hosts: (\n"
	"  { name = \"juki\"; zone = \"基幹系\"; mac = \"02-00-00-00-10-0A\"; ipv4 = \"10.10.0.5\";\n"
	"    ipv6 = \"FD10:0:0:0:0:0:0:5\"; internet_connected = false; asset = \"A-1\";\n"
	"    owner = \"市民課\"; },\n"
	"  { name = \"relay\"; zone = \"internet\"; ipv4 = \"10.30.0.25\"; internet_connected = true; },\n"
	"  { name = \"mail\"; zone = \"lgwan\"; ipv6 = \"fd20::25\"; }\n"
	");\n"
	"groups: ( { name = \"terms\"; members = [\"mail\", \"10.20.0.128/25\", \"fd20:1::/64\"]; } );\n"
	"flows: (\n"
	"  { name = \"relay-mail\"; class = \"sanitised-relay\"; method = \"mail-text\"; from = \"relay\";\n"
	"    to = \"mail\"; proto = \"TCP\"; ports = (25, \"587-588\"); approval = \"AP-1\";\n"
	"    purpose = \"メール\\t本文\"; comment = \"c\"; },\n"
	"  { name = \"ranges\"; class = \"internal\"; from = \"terms\"; to = \"mail\"; proto = 17;\n"
	"    ports = [\"1000-2000\", \"3000-3001\"]; verdict = \"Engine\"; },\n"
	"  { name = \"ipsec\"; class = \"peer\"; from = \"terms\"; to = \"relay\"; proto = \"esp\";\n"
	"    approval = \"AP-2\"; purpose = \"p\"; },\n"
	"  { name = \"ping6\"; class = \"internal\"; from = \"mail\"; to = \"terms\"; proto = \"icmpv6\"; },\n"
	"  { name = \"ospf\"; class = \"management\"; from = \"gateway\"; to = \"terms\"; proto = \"89\"; },\n"
	"  { name = \"jlis\"; class = \"public-system-via-lgwan\"; from = \"juki\"; to = \"mail\";\n"
	"    proto = \"tcp\"; ports = [443]; approval = \"AP-3\"; purpose = \"p\"; authority = \"J-LIS\";\n"
	"    verdict = \"kernel\"; }\n"
	");\n"
	"exceptions: ( { id = \"EX-1\"; from = \"mail\"; to = \"relay\"; proto = \"udp\"; ports = [53];\n"
	"  reason = \"r\"; requested_by = \"a\"; approved_by = \"b\"; expires = \"2026-06-30T12:00:00Z\"; } );\n"
	"breakout: {\n"
	"  from = [\"LGWAN接続系\", \"terms\"];\n"
	"  resolvers = [\"10.20.0.53\", \"fd20::53\"];\n"
	"  upstreams = [\"192.0.2.53\", \"2001:db8::53\"];\n"
	"  dns_floor = 120; dns_grace = 0; dns_max = 16; ech = \"outer-sni\";\n"
	"  services: (\n"
	"    { name = \"m365\"; ismap = \"C21-0009-3\"; ismap_valid_until = \"2027-03-31\";\n"
	"      fqdns = [\"*.Office.com\", \"outlook.office365.com\"]; approval = \"AP-4\"; },\n"
	"    { name = \"wu\"; type = \"security-update\"; fqdns = [\"download.windowsupdate.com\"];\n"
	"      ports = [80, 443]; match = \"sni\"; handles_admin_docs = false; tls = \"required\"; },\n"
	"    { name = \"iplist\"; match = \"ip\"; prefixes = [\"203.0.113.0/24\", \"2001:db8::/32\"];\n"
	"      tls = \"optional\"; }\n"
	"  );\n"
	"};\n"
	"engine: { queues = 4; queue_base = 100; queue_maxlen = 1024;\n"
	"  fail_open = [\"LGWAN接続系>dmz\", \"dmz > internet\"]; source_quota = 32; };\n";

START_TEST(test_full_content)
{
	struct policy *p = NULL;
	const struct service *s;
	struct diag d;

	diag_init(&d);
	if (load(full, &p, &d))
		dump(&d);
	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(p->organisation, "市 \"テスト\" \\ 町");
	ck_assert_str_eq(p->zones[0].id, "mynumber");
	ck_assert_str_eq(p->zones[0].label, "マイナンバー利用事務系");
	ck_assert_str_eq(p->zones[1].id, "lgwan");
	ck_assert_str_eq(p->zones[1].label, "LGWAN接続系 (本庁)");
	ck_assert_str_eq(p->zones[2].id, "internet");
	ck_assert_str_eq(p->zones[2].label, "Internet");
	ck_assert_int_eq(p->zones[2].role, ZONE_INTERNET);
	ck_assert_int_eq(p->zones[0].n_ifaces, 2);
	ck_assert_str_eq(p->zones[0].ifaces[1], "mn1.10");
	ck_assert_int_eq(p->zones[3].n_nets, 10);
	ck_assert_int_eq(p->segments[0].link, LINK_LGWAN);
	ck_assert_int_eq(p->hosts[0].mac[5], 0x0a);
	ck_assert_int_eq(p->hosts[0].internet_connected, 0);
	ck_assert_int_eq(p->hosts[1].internet_connected, 1);
	ck_assert(!p->hosts[2].has4 && p->hosts[2].has6);
	ck_assert_int_eq(p->groups[0].n_members, 3);
	ck_assert_int_eq(p->groups[0].members[0].kind, MEMBER_HOST);
	ck_assert_str_eq(p->groups[0].members[0].name, "mail");
	ck_assert_int_eq(p->groups[0].members[0].host, -1);
	ck_assert_int_eq(p->groups[0].members[2].kind, MEMBER_PREFIX);
	ck_assert_int_eq(p->flows[0].n_ports, 2);
	ck_assert_int_eq(p->flows[0].ports[1].lo, 587);
	ck_assert_int_eq(p->flows[0].ports[1].hi, 588);
	ck_assert_int_eq(p->flows[1].proto, 17);
	ck_assert_int_eq(p->flows[2].proto, 50);
	ck_assert_int_eq(p->flows[3].proto, 1);
	ck_assert_int_eq(p->flows[4].proto, 89);
	ck_assert_int_eq(p->exceptions[0].expires, 1782820800);
	ck_assert_int_eq(p->flows[0].verdict, VERDICT_DEFAULT);
	ck_assert_int_eq(p->flows[1].verdict, VERDICT_ENGINE);
	ck_assert_int_eq(p->flows[5].verdict, VERDICT_KERNEL);
	ck_assert_int_eq(p->breakout.n_from, 2);
	ck_assert_str_eq(p->breakout.from_names[0], "LGWAN接続系");
	ck_assert_str_eq(p->breakout.from_names[1], "terms");
	ck_assert_int_eq(p->breakout.from[0], -1);
	ck_assert_int_eq(p->breakout.from_group[1], -1);	/* resolved by validation */
	ck_assert_int_eq(p->breakout.n_resolvers, 2);
	ck_assert_int_eq(p->breakout.n_upstreams, 2);
	ck_assert_int_eq(p->breakout.upstreams[0].len, 32);
	ck_assert_int_eq(p->breakout.upstreams[1].family, AF_INET6);
	ck_assert_int_eq(p->breakout.dns_floor, 120);
	ck_assert_int_eq(p->breakout.dns_grace, 0);
	ck_assert_int_eq(p->breakout.dns_max, 16);
	ck_assert_int_eq(p->breakout.ech, ECH_OUTER);
	ck_assert_int_eq(p->engine.queues, 4);
	ck_assert_int_eq(p->engine.queue_base, 100);
	ck_assert_int_eq(p->engine.queue_maxlen, 1024);
	ck_assert_int_eq(p->engine.source_quota, 32);
	ck_assert_int_eq(p->engine.n_fail_open, 2);
	ck_assert_str_eq(p->engine.fail_open[0], "LGWAN接続系>dmz");
	ck_assert_str_eq(p->engine.fail_open[1], "dmz > internet");
	ck_assert_int_eq(p->engine.fail_open_from[1], -1);
	ck_assert_int_eq(p->engine.loc.line, 53);
	ck_assert_int_eq(p->breakout.n_services, 3);
	s = &p->breakout.services[0];
	ck_assert_int_eq(s->type, SVC_CLOUD);
	ck_assert_int_eq(s->match, MATCH_DNS_SNI);
	ck_assert_str_eq(s->ismap, "C21-0009-3");
	ck_assert_int_eq(s->ismap_valid_until, 1806505199);
	ck_assert_str_eq(s->fqdns[0], "*.office.com");
	ck_assert_int_eq(s->n_ports, 1);			/* default 443 */
	ck_assert_int_eq(s->ports[0].lo, 443);
	ck_assert_int_eq(s->handles_admin_docs, -1);
	ck_assert(!s->tls_required);
	s = &p->breakout.services[1];
	ck_assert_int_eq(s->type, SVC_SECURITY_UPDATE);
	ck_assert_int_eq(s->match, MATCH_SNI);
	ck_assert_int_eq(s->handles_admin_docs, 0);
	ck_assert(s->tls_required);
	ck_assert_int_eq(s->n_ports, 2);
	s = &p->breakout.services[2];
	ck_assert_int_eq(s->match, MATCH_IP);
	ck_assert_int_eq(s->n_prefixes, 2);
	ck_assert_int_eq(s->n_fqdns, 0);
	policy_free(p);
	diag_fini(&d);
}
END_TEST

/* ---------------------------------------------------------------------------------------- */

/* print -> load -> print gives the same text (and so the same policy). */
static void roundtrip(struct policy *p)
{
	struct policy *q = NULL;
	char *a, *b;
	struct diag d;
	int r;

	diag_init(&d);
	a = printed(p);
	r = load(a, &q, &d);
	if (r) {
		fprintf(stderr, "%s", a);
		dump(&d);
	}
	ck_assert_int_eq(r, 0);
	b = printed(q);
	ck_assert_str_eq(a, b);
	ck_assert_int_eq(q->n_zones, p->n_zones);
	ck_assert_int_eq(q->n_hosts, p->n_hosts);
	ck_assert_int_eq(q->n_flows, p->n_flows);
	ck_assert_int_eq(q->n_exceptions, p->n_exceptions);
	ck_assert_int_eq(q->breakout.n_services, p->breakout.n_services);
	free(a);
	free(b);
	policy_free(q);
	diag_fini(&d);
}

START_TEST(test_roundtrip_shipped)
{
	struct policy *p = NULL;
	struct diag d;

	diag_init(&d);
	ck_assert_int_eq(conf_load_file(shipped[_i], &p, &d), 0);
	roundtrip(p);
	policy_free(p);
	diag_fini(&d);
}
END_TEST

START_TEST(test_roundtrip_full)
{
	struct policy *p = NULL;
	struct diag d;
	char *out;

	diag_init(&d);
	ck_assert_int_eq(load(full, &p, &d), 0);
	roundtrip(p);
	out = printed(p);
	/* canonical ids, labels kept, ports as ints or "lo-hi", a list for a mix */
	ck_assert_ptr_nonnull(strstr(out, "\tmynumber: { name = \"マイナンバー利用事務系\"; "
				     "interfaces = [\"mn0\", \"mn1.10\"];"));
	ck_assert_ptr_nonnull(strstr(out, "\tinternet: { name = \"Internet\"; interfaces = [\"in0\"]; "
				     "networks = [\"any\"]; };"));
	ck_assert_ptr_nonnull(strstr(out, "zone = \"lgwan\"; link = \"lgwan\";"));
	ck_assert_ptr_nonnull(strstr(out, "zone = \"mynumber\"; mac = \"02:00:00:00:10:0a\"; "
				     "ipv4 = \"10.10.0.5\"; ipv6 = \"fd10::5\"; internet_connected = false;"));
	ck_assert_ptr_nonnull(strstr(out, "ports = (25, \"587-588\");"));
	ck_assert_ptr_nonnull(strstr(out, "ports = [\"1000-2000\", \"3000-3001\"];"));
	ck_assert_ptr_nonnull(strstr(out, "proto = \"89\";"));
	ck_assert_ptr_nonnull(strstr(out, "proto = \"icmp\";"));
	ck_assert_ptr_nonnull(strstr(out, "purpose = \"メール\\t本文\";"));
	ck_assert_ptr_nonnull(strstr(out, "organisation = \"市 \\\"テスト\\\" \\\\ 町\";"));
	ck_assert_ptr_nonnull(strstr(out, "from = [\"lgwan\", \"terms\"];"));
	ck_assert_ptr_nonnull(strstr(out, "resolvers = [\"10.20.0.53\", \"fd20::53\"];"));
	ck_assert_ptr_nonnull(strstr(out, "\n\tresolvers = [\"10.20.0.53\", \"fd20::53\"];\n"
				     "\tupstreams = [\"192.0.2.53\", \"2001:db8::53\"];\n"
				     "\tdns_floor = 120; dns_grace = 0; dns_ttl_max = 3600; dns_max = 16; "
				     "ech = \"outer-sni\";\n\tservices: ("));
	ck_assert_ptr_nonnull(strstr(out, "ports = [\"1000-2000\", \"3000-3001\"]; "
				     "verdict = \"engine\"; }"));
	ck_assert_ptr_nonnull(strstr(out, "authority = \"J-LIS\"; verdict = \"kernel\"; }"));
	ck_assert_ptr_nonnull(strstr(out, "\nengine: {\n\tqueues = 4; queue_base = 100; "
				     "queue_maxlen = 1024;\n\tsource_quota = 32;\n"
				     "\tfail_open = [\"LGWAN接続系>dmz\", \"dmz > internet\"];\n};\n"));
	ck_assert_ptr_nonnull(strstr(out, "ports = [443]; match = \"dns+sni\";"));
	ck_assert_ptr_nonnull(strstr(out, "ismap_valid_until = \"2027-03-31\";"));
	ck_assert_ptr_null(strstr(out, "asset"));
	free(out);
	policy_free(p);
	diag_fini(&d);
}
END_TEST

/* logging: defaults, every key read, printed and read back (on_failure, bursts). */
START_TEST(test_logging)
{
	static const char text[] = BASE
		"logging: { on_failure = \"block-crosszone\"; burst_events = 500; burst_window = 30;\n"
		"  scan_ports = 8; };\n";
	struct policy *p = NULL;
	struct diag d;
	char *out;

	diag_init(&d);
	ck_assert_int_eq(load(BASE, &p, &d), 0);
	ck_assert(!p->logging.block_on_failure);
	ck_assert_int_eq(p->logging.burst_events, LOGGING_BURST_EVENTS);
	ck_assert_int_eq(p->logging.burst_window, LOGGING_BURST_WINDOW);
	out = printed(p);
	ck_assert_ptr_null(strstr(out, "logging"));
	free(out);
	policy_free(p);
	p = NULL;
	ck_assert_int_eq(load(text, &p, &d), 0);
	ck_assert(p->logging.block_on_failure);
	ck_assert_int_eq(p->logging.burst_events, 500);
	ck_assert_int_eq(p->logging.burst_window, 30);
	ck_assert_int_eq(p->logging.scan_ports, 8);
	out = printed(p);
	ck_assert_ptr_nonnull(strstr(out, "\tburst_events = 500; burst_window = 30;\n"
				     "\ton_failure = \"block-crosszone\";\n"));
	roundtrip(p);
	free(out);
	policy_free(p);
	diag_fini(&d);
}
END_TEST

/* Without the new keys: the defaults, and the printer writes no engine section and no
 * verdicts, but the breakout tunables explicitly. */
START_TEST(test_defaults)
{
	static const char text[] = BASE
		"groups: ( { name = \"terms\"; members = [\"10.20.0.128/25\"]; } );\n"
		"flows: ( { name = \"f\"; class = \"internal\"; from = \"terms\"; to = \"terms\";\n"
		"  proto = \"udp\"; ports = [53]; } );\n"
		"breakout: { from = [\"terms\"]; services: ( { name = \"s\"; fqdns = [\"a.example\"]; } ); };\n"
		"engine: { };\n";
	struct policy *p = NULL;
	struct diag d;
	char *out;

	diag_init(&d);
	ck_assert_int_eq(load(text, &p, &d), 0);
	ck_assert_int_eq(p->flows[0].verdict, VERDICT_DEFAULT);
	ck_assert_int_eq(p->breakout.dns_floor, 60);
	ck_assert_int_eq(p->breakout.dns_grace, 30);
	ck_assert_int_eq(p->breakout.dns_max, 65536);
	ck_assert_int_eq(p->breakout.ech, ECH_OUTER);
	ck_assert_int_eq(p->breakout.n_upstreams, 0);
	ck_assert_int_eq(p->engine.queues, 1);
	ck_assert_int_eq(p->engine.queue_base, 0);
	ck_assert_int_eq(p->engine.queue_maxlen, 4096);
	ck_assert_int_eq(p->engine.source_quota, ENGINE_SOURCE_QUOTA);
	ck_assert_int_eq(p->engine.n_fail_open, 0);
	ck_assert_int_eq(p->engine.loc.line, 7);
	out = printed(p);
	ck_assert_ptr_null(strstr(out, "verdict"));
	ck_assert_ptr_null(strstr(out, "engine"));
	ck_assert_ptr_null(strstr(out, "upstreams"));
	ck_assert_ptr_nonnull(strstr(out, "\tfrom = [\"terms\"];\n\tdns_floor = 60; dns_grace = 30; "
				     "dns_ttl_max = 3600; dns_max = 65536; ech = \"outer-sni\";\n"));
	roundtrip(p);
	free(out);
	policy_free(p);
	diag_fini(&d);
}
END_TEST

/* limits: defaults, section values, pairs inheriting them (a burst left out is twice the
 * rate given with it), policy_limits(), and the normalized form round trip. */
START_TEST(test_limits)
{
	static const char dflt[] = BASE;
	static const char text[] = BASE
		"limits: { rate = 50; ct_count = 300; conntrack_warn = 0.5;\n"
		"  pairs: ( { pair = \"internet>lgwan\"; rate = 10; },\n"
		"           { pair = \"lgwan > internet\"; burst = 7; ct_count = 0; },\n"
		"           { pair = \"インターネット接続系>マイナンバー利用事務系\"; rate = 0; } ); };\n";
	const struct pair_limits *l;
	struct policy *p = NULL;
	struct diag d;
	char *out;

	diag_init(&d);
	ck_assert_int_eq(load(dflt, &p, &d), 0);
	l = policy_limits(p, 0, 1);
	ck_assert_int_eq(l->rate, 200);
	ck_assert_int_eq(l->burst, 400);
	ck_assert_int_eq(l->ct_count, 1000);
	ck_assert(p->limits.conntrack_warn == 0.8);
	out = printed(p);
	ck_assert_ptr_null(strstr(out, "limits"));
	free(out);
	policy_free(p);
	p = NULL;
	ck_assert_int_eq(load(text, &p, &d), 0);
	ck_assert_int_eq(p->limits.n_pairs, 3);
	l = policy_limits(p, 0, 1);				/* mynumber>lgwan: not listed */
	ck_assert_int_eq(l->rate, 10 * 5);
	ck_assert_int_eq(l->burst, 100);
	ck_assert_int_eq(l->ct_count, 300);
	l = policy_limits(p, 2, 1);				/* internet>lgwan */
	ck_assert_int_eq(l->rate, 10);
	ck_assert_int_eq(l->burst, 20);
	ck_assert_int_eq(l->ct_count, 300);
	ck_assert_int_eq(p->limits.pairs[1].from, 1);
	ck_assert_int_eq(p->limits.pairs[1].l.burst, 7);
	ck_assert_int_eq(p->limits.pairs[1].l.ct_count, 0);
	l = policy_limits(p, 2, 0);
	ck_assert_int_eq(l->rate, 0);
	ck_assert(p->limits.conntrack_warn == 0.5);
	out = printed(p);
	ck_assert_ptr_nonnull(strstr(out, "limits: {\n\trate = 50; burst = 100; ct_count = 300; "
				     "conntrack_warn = 0.5;\n\tpairs: (\n\t\t{ pair = \"internet>lgwan\"; "
				     "rate = 10; burst = 20; ct_count = 300; },\n"));
	ck_assert_ptr_nonnull(strstr(out, "{ pair = \"internet>mynumber\"; rate = 0; burst = 100; "
				     "ct_count = 300; }\n\t);\n};\n"));
	roundtrip(p);
	free(out);
	policy_free(p);
	diag_fini(&d);
}
END_TEST

/* The extremes of every range load and print back. */
START_TEST(test_ranges_edges)
{
	static const char *const tails[] = {
		"breakout: { from = [\"lgwan\"]; dns_floor = 1; dns_grace = 0; dns_max = 16;\n"
		"  dns_ttl_max = 1;\n"
		"  services: ( { name = \"s\"; fqdns = [\"a.example\"]; } ); };\n"
		"engine: { queues = 1; queue_base = 65534; queue_maxlen = 16; fail_open = []; };\n",
		"breakout: { from = [\"lgwan\"]; dns_floor = 86400; dns_grace = 86400;\n"
		"  dns_ttl_max = 604800;\n"
		"  dns_max = 1048576; services: ( { name = \"s\"; fqdns = [\"a.example\"]; } ); };\n"
		"engine: { queues = 8; queue_base = 65527; queue_maxlen = 65536; };\n",
	};
	struct policy *p = NULL;
	struct diag d;
	char *text = concat(BASE, tails[_i]);

	diag_init(&d);
	if (load(text, &p, &d))
		dump(&d);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(p->breakout.dns_floor, _i ? 86400 : 1);
	ck_assert_int_eq(p->breakout.dns_ttl_max, _i ? 604800 : 1);
	ck_assert_int_eq(p->breakout.dns_max, _i ? 1048576 : 16);
	ck_assert_int_eq(p->engine.queue_base, _i ? 65527 : 65534);
	ck_assert_int_eq(p->engine.queue_maxlen, _i ? 65536 : 16);
	ck_assert_int_eq(p->engine.n_fail_open, 0);
	roundtrip(p);
	policy_free(p);
	diag_fini(&d);
	free(text);
}
END_TEST

/* A policy built in code (no texts kept) prints times it computed itself. */
START_TEST(test_print_built)
{
	struct policy *p = NULL;
	struct diag d;
	char *out;

	diag_init(&d);
	ck_assert_int_eq(load(full, &p, &d), 0);
	p->exceptions[0].expires_text = NULL;
	p->breakout.services[0].ismap_valid_text = NULL;
	p->zones[1].label = NULL;
	out = printed(p);
	ck_assert_ptr_nonnull(strstr(out, "expires = \"2026-06-30T12:00:00Z\";"));
	ck_assert_ptr_nonnull(strstr(out, "ismap_valid_until = \"2027-03-31\";"));
	ck_assert_ptr_nonnull(strstr(out, "\tlgwan: { interfaces"));
	roundtrip(p);
	free(out);
	policy_free(p);
	diag_fini(&d);
}
END_TEST

/* ---------------------------------------------------------------------------------------- */

START_TEST(test_aliases)
{
	static const char text[] =
		"policy: { organisation = \"t\"; model = \"lgwan-internet\"; };\n"
		"zones: (\n"
		"  { id = \"イントラネット系\"; interfaces = [\"lg0\"]; },\n"
		"  { id = \"インターネット 接続系\"; interfaces = [\"in0\"]; },\n"
		"  { id = \"個人番号利用事務系\"; interfaces = [\"mn0\"]; }\n"
		");\n";
	static const char group_form[] =
		"policy: { organisation = \"t\"; model = \"three-tier\"; };\n"
		"zones: { My-Number: { interfaces = [\"mn0\"]; }; LGWAN: { interfaces = [\"lg0\"]; }; };\n";
	struct policy *p = NULL;
	struct diag d;

	diag_init(&d);
	ck_assert_int_eq(load(text, &p, &d), 0);
	ck_assert_str_eq(p->zones[0].id, "lgwan");
	ck_assert_str_eq(p->zones[0].label, "イントラネット系");
	ck_assert_int_eq(p->zones[0].role, ZONE_LGWAN);
	ck_assert_str_eq(p->zones[1].id, "internet");
	ck_assert_str_eq(p->zones[2].id, "mynumber");
	ck_assert_int_eq(p->model, MODEL_LGWAN_INTERNET);
	policy_free(p);
	p = NULL;
	ck_assert_int_eq(load(group_form, &p, &d), 0);
	ck_assert_str_eq(p->zones[0].id, "mynumber");
	ck_assert_str_eq(p->zones[0].label, "My-Number");
	ck_assert_str_eq(p->zones[1].id, "lgwan");
	roundtrip(p);
	policy_free(p);
	ck_assert_int_eq(d.n, 0);
	diag_fini(&d);
}
END_TEST

START_TEST(test_file_errors)
{
	struct policy *p = (struct policy *)0x1;
	struct diag d;

	diag_init(&d);
	ck_assert_int_eq(conf_load_file("/nonexistent/sanso.conf", &p, &d), -ENOENT);
	ck_assert_int_eq(d.errors, 1);
	ck_assert_str_eq(d.v[0].file, "/nonexistent/sanso.conf");
	ck_assert_int_eq(d.v[0].line, 0);
	ck_assert_str_eq(d.v[0].msg, "cannot read: No such file or directory");
	ck_assert_ptr_nonnull(d.v[0].msg_ja);
	ck_assert_int_eq(conf_load_file("/", &p, &d), -EISDIR);
	ck_assert_int_eq(d.errors, 2);
	ck_assert_ptr_eq(p, (struct policy *)0x1);
	diag_fini(&d);
}
END_TEST

/* A file with a syntax error: the diag names the file and the line. */
START_TEST(test_file_syntax)
{
	char path[] = "/tmp/sanso-test-XXXXXX";
	struct policy *p = NULL;
	struct diag d;
	FILE *f;
	int fd;

	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	ck_assert_ptr_nonnull(f);
	fputs(BASE "hosts: (\n  { name = ; zone = \"b\"; }\n);\n", f);
	fclose(f);
	diag_init(&d);
	ck_assert_int_eq(conf_load_file(path, &p, &d), -EINVAL);
	ck_assert_int_eq(d.errors, 1);
	ck_assert_str_eq(d.v[0].file, path);
	ck_assert_int_eq(d.v[0].line, 4);
	ck_assert_ptr_nonnull(strstr(d.v[0].msg, "syntax error"));
	unlink(path);
	diag_fini(&d);
}
END_TEST

/* @include is relative to the main file; errors name the included file and its line. */
START_TEST(test_file_include)
{
	char dir[] = "/tmp/sanso-inc-XXXXXX", main_path[64], inc_path[64];
	struct policy *p = NULL;
	struct diag d;
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(main_path, sizeof(main_path), "%s/main.conf", dir);
	snprintf(inc_path, sizeof(inc_path), "%s/hosts.inc", dir);
	f = fopen(inc_path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("hosts: (\n  { name = \"a\"; zone = \"lgwan\"; ipv4 = \"10.20.0.5\";\n"
	      "    colour = \"red\"; }\n);\n", f);
	fclose(f);
	f = fopen(main_path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(BASE "@include \"hosts.inc\"\n", f);
	fclose(f);
	diag_init(&d);
	ck_assert_int_eq(conf_load_file(main_path, &p, &d), -EINVAL);
	ck_assert_int_eq(d.errors, 1);
	ck_assert_int_eq(d.v[0].line, 3);
	ck_assert_ptr_nonnull(strstr(d.v[0].file, "hosts.inc"));
	ck_assert_ptr_nonnull(strstr(d.v[0].msg, "host 'a': unknown key 'colour'"));
	unlink(inc_path);
	unlink(main_path);
	rmdir(dir);
	diag_fini(&d);
}
END_TEST

/* 20000 prefixes and 5000 hosts (plus one duplicate when dup). */
static char *large_text(bool dup)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int i;

	ck_assert_ptr_nonnull(f);
	fputs("policy: { organisation = \"t\"; model = \"three-tier\"; };\n"
	      "zones: { lgwan: { interfaces = [\"lg0\"]; networks = [", f);
	for (i = 0; i < 20000; i++)
		fprintf(f, "%s\"10.%d.%d.0/24\"", i ? "," : "", i / 256, i % 256);
	fputs("]; }; };\nhosts: (\n", f);
	for (i = 0; i < 5000; i++)
		fprintf(f, "%s{ name = \"h%d\"; zone = \"lgwan\"; ipv4 = \"172.16.%d.%d\"; }",
			i ? ",\n" : "", i, i / 256, i % 256);
	if (dup)
		fputs(",\n{ name = \"h4321\"; zone = \"lgwan\"; ipv4 = \"172.31.0.1\"; }", f);
	fputs("\n);\n", f);
	fclose(f);
	return text;
}

/* Big lists load, and duplicates among thousands are found (sorted, not quadratic). */
START_TEST(test_large)
{
	struct policy *p = NULL;
	struct diag d;
	char *text;

	diag_init(&d);
	text = large_text(true);
	ck_assert_int_eq(load(text, &p, &d), -EINVAL);
	if (d.errors != 1)
		dump(&d);
	ck_assert_int_eq(d.errors, 1);
	ck_assert(has_entry(&d, 5004, "duplicate host 'h4321' (first defined at line 4325)"));
	free(text);
	diag_fini(&d);
	diag_init(&d);
	text = large_text(false);
	ck_assert_int_eq(load(text, &p, &d), 0);
	ck_assert_int_eq(p->zones[0].n_nets, 20000);
	ck_assert_int_eq(p->n_hosts, 5000);
	policy_free(p);
	free(text);
	diag_fini(&d);
}
END_TEST

Suite *suite_conf(void)
{
	Suite *s = suite_create("conf");
	TCase *tc = tcase_create("errors");

	tcase_add_loop_test(tc, test_errors, 0, sizeof(err_cases) / sizeof(err_cases[0]));
	tcase_add_test(tc, test_all_errors_at_once);
	tcase_add_test(tc, test_quote_utf8);
	tcase_add_test(tc, test_file_errors);
	tcase_add_test(tc, test_file_syntax);
	tcase_add_test(tc, test_file_include);
	suite_add_tcase(s, tc);

	tc = tcase_create("load");
	tcase_add_loop_test(tc, test_shipped_load, 0, sizeof(shipped) / sizeof(shipped[0]));
	tcase_add_test(tc, test_three_tier_content);
	tcase_add_test(tc, test_full_content);
	tcase_add_test(tc, test_aliases);
	suite_add_tcase(s, tc);

	tc = tcase_create("print");
	tcase_add_loop_test(tc, test_roundtrip_shipped, 0, sizeof(shipped) / sizeof(shipped[0]));
	tcase_add_test(tc, test_roundtrip_full);
	tcase_add_test(tc, test_print_built);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_logging);
	tcase_add_test(tc, test_limits);
	tcase_add_loop_test(tc, test_ranges_edges, 0, 2);
	suite_add_tcase(s, tc);

	tc = tcase_create("large");
	tcase_add_test(tc, test_large);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	return s;
}
