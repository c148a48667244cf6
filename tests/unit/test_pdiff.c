/* SPDX-License-Identifier: GPL-2.0-only */
/* test_pdiff.c: the policy-level difference (pdiff.h) of conf/three-tier.conf and variants of
 * it: every kind added, removed and changed, field by field; equal policies give nothing;
 * zone aliases and list order are no change; the order is by kind, then name, whatever the
 * order in the files; the JSON parses and has its shape. */
#include <check.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "pdiff.h"

#define NOW 1790000000

/* The exceptions section of conf/three-tier.conf, whole. */
#define EXCEPTIONS \
	"\nexceptions: (\n  { id = \"EX-2026-014\"; from = \"admin-01\"; to = \"e-apply\"; " \
	"proto = \"tcp\"; ports = [22];\n    reason = \"電子申請サーバの障害調査\"; " \
	"requested_by = \"tanaka\"; approved_by = \"suzuki\";\n" \
	"    expires = \"2026-12-31T23:59:59+09:00\"; }\n);\n"

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	ck_assert_int_gt(n, 0);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return buf;
}

/* text with its first 'from' replaced by 'to' (which must be there); the caller frees. */
static char *repl(const char *text, const char *from, const char *to)
{
	const char *at = strstr(text, from);
	size_t a, b = strlen(from), c = strlen(to), n = strlen(text);
	char *r;

	ck_assert_msg(at != NULL, "'%s' not in the text", from);
	a = (size_t)(at - text);
	r = malloc(n - b + c + 1);
	ck_assert_ptr_nonnull(r);
	memcpy(r, text, a);
	memcpy(r + a, to, c);
	memcpy(r + a + c, at + b, n - a - b + 1);
	return r;
}

static struct policy *load(const char *text, bool validate)
{
	struct policy *p = NULL;
	struct diag d;

	int r;

	diag_init(&d);
	r = conf_load_string("test.conf", text, &p, &d);
	if (r == 0 && validate)
		r = policy_validate(p, NOW, &d);
	if (r < 0)
		diag_print(&d, stderr, 0);
	ck_assert_int_eq(r, 0);
	diag_fini(&d);
	return p;
}

/* The text rendering of old -> new (both texts), and the number of changes. */
static char *diff_of(const struct policy *a, const struct policy *b, bool ja, int *n)
{
	struct pdiff d;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(pdiff_compute(a, b, &d), 0);
	ck_assert_int_eq(pdiff_print_text(&d, f, ja), 0);
	fclose(f);
	if (n)
		*n = d.n_changes;
	pdiff_fini(&d);
	return buf;
}

static char *json_of(const struct policy *a, const struct policy *b)
{
	struct pdiff d;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(pdiff_compute(a, b, &d), 0);
	ck_assert_int_eq(pdiff_print_json(&d, f), 0);
	fclose(f);
	pdiff_fini(&d);
	return buf;
}

/* old text -> new text gives exactly want (text form), and new -> old gives back_want. */
static void expect(const char *old, const char *new, bool validate, const char *want,
		   const char *back_want)
{
	struct policy *a = load(old, validate), *b = load(new, validate);
	char *t = diff_of(a, b, false, NULL);

	ck_assert_str_eq(t, want);
	free(t);
	if (back_want) {
		t = diff_of(b, a, false, NULL);
		ck_assert_str_eq(t, back_want);
		free(t);
	}
	policy_free(a);
	policy_free(b);
}

/* Like expect(), with the new text the base with one replacement. */
static void expect1(const char *base, const char *from, const char *to, bool validate,
		    const char *want, const char *back_want)
{
	char *t = repl(base, from, to);

	expect(base, t, validate, want, back_want);
	free(t);
}

START_TEST(test_identical)
{
	char *base = slurp("conf/three-tier.conf"), *t;
	struct policy *a = load(base, true), *b = load(base, true);
	struct policy *c = load(base, false), *e = NULL;
	struct diag dg;
	int n = -1;

	t = diff_of(a, b, false, &n);
	ck_assert_int_eq(n, 0);
	ck_assert_str_eq(t, "");
	free(t);
	t = json_of(a, b);
	ck_assert_str_eq(t, "[]\n");
	free(t);
	t = diff_of(c, c, false, &n);		/* not validated: the same */
	ck_assert_int_eq(n, 0);
	free(t);
	diag_init(&dg);				/* every example against itself */
	ck_assert_int_eq(conf_load_file("conf/breakout.conf", &e, &dg), 0);
	ck_assert_int_eq(policy_validate(e, NOW, &dg), 0);
	diag_fini(&dg);
	t = diff_of(e, e, false, &n);
	ck_assert_int_eq(n, 0);
	free(t);
	policy_free(a);
	policy_free(b);
	policy_free(c);
	policy_free(e);
	free(base);
}
END_TEST

START_TEST(test_host)
{
	char *base = slurp("conf/three-tier.conf");

	expect1(base, "ipv4 = \"10.20.0.10\"", "ipv4 = \"10.20.0.11\"", true,
		"~ host admin-01: ipv4 10.20.0.10 -> 10.20.0.11\n",
		"~ host admin-01: ipv4 10.20.0.11 -> 10.20.0.10\n");
	expect1(base, "zone = \"lgwan\"; ipv4 = \"10.20.0.10\"",
		"zone = \"lgwan\"; mac = \"02:00:00:00:20:0A\"; ipv4 = \"10.20.0.10\"; ipv6 = \"fd20::a\"",
		true, "~ host admin-01: mac (none) -> 02:00:00:00:20:0a; ipv6 (none) -> fd20::a\n",
		"~ host admin-01: mac 02:00:00:00:20:0a -> (none); ipv6 fd20::a -> (none)\n");
	expect1(base, "  { name = \"e-apply\";",
		"  { name = \"e-apply-2\"; zone = \"dmz\"; ipv4 = \"10.40.0.11\"; },\n"
		"  { name = \"e-apply\";", true,
		"+ host e-apply-2: zone dmz; ipv4 10.40.0.11\n", "- host e-apply-2\n");
	/* the same zone by another name is no change, validated or not */
	expect1(base, "{ name = \"admin-01\";  zone = \"lgwan\";",
		"{ name = \"admin-01\";  zone = \"LGWAN接続系\";", true, "", "");
	expect1(base, "{ name = \"admin-01\";  zone = \"lgwan\";",
		"{ name = \"admin-01\";  zone = \"LGWAN接続系\";", false, "", "");
	free(base);
}
END_TEST

START_TEST(test_flow)
{
	char *base = slurp("conf/three-tier.conf");

	expect1(base, "\n);\n\nexceptions",
		",\n  { name = \"lab-extra\"; class = \"peer\"; from = \"admin-01\"; to = \"e-apply\";\n"
		"    proto = \"tcp\"; ports = [2223]; approval = \"AP-2026-099\"; purpose = \"検証\"; }"
		"\n);\n\nexceptions", true,
		"+ flow lab-extra: admin-01 -> e-apply tcp/2223\n", "- flow lab-extra\n");
	expect1(base, "ports = [22]; approval = \"AP-2026-007\"",
		"ports = [2222, 22]; approval = \"AP-2026-099\"", true,
		"~ flow gw-ssh: ports 22 -> 22,2222; approval AP-2026-007 -> AP-2026-099\n",
		"~ flow gw-ssh: ports 22,2222 -> 22; approval AP-2026-099 -> AP-2026-007\n");
	expect1(base, "to = \"e-apply\";\n    proto = \"udp\"; ports = [514]",
		"to = \"e-apply\";\n    proto = \"tcp\"; ports = (\"600-610\", 514)", true,
		"~ flow e-apply-log: proto udp -> tcp; ports 514 -> 514,600-610\n", NULL);
	expect1(base, "class = \"peer\"; from = \"lg-terminals\"",
		"class = \"peer\"; from = \"admin-01\"", true,
		"~ flow e-apply-log: from lg-terminals -> admin-01\n", NULL);
	/* the verdict a validated flow gets is compared too */
	expect1(base, "purpose = \"電子申請の受付通知\";",
		"purpose = \"電子申請の受付通知\"; verdict = \"engine\";", true,
		"~ flow e-apply-log: verdict kernel -> engine\n", NULL);
	expect1(base, "purpose = \"疎通確認\";", "purpose = \"疎通の確認\";", false,
		"~ flow juki-jlis-ping: purpose 疎通確認 -> 疎通の確認\n", NULL);
	free(base);
}
END_TEST

START_TEST(test_exception)
{
	char *base = slurp("conf/three-tier.conf");
	char *t = repl(base, EXCEPTIONS, "");

	expect(base, t, true, "- exception EX-2026-014\n",
	       "+ exception EX-2026-014: admin-01 -> e-apply tcp/22 until 2026-12-31T23:59:59+09:00\n");
	free(t);
	expect1(base, "2026-12-31T23:59:59+09:00", "2027-01-31T23:59:59+09:00", true,
		"~ exception EX-2026-014: expires 2026-12-31T23:59:59+09:00 -> 2027-01-31T23:59:59+09:00\n",
		NULL);
	/* one instant written another way is no change */
	expect1(base, "2026-12-31T23:59:59+09:00", "2026-12-31T14:59:59Z", true, "", "");
	expect1(base, "approved_by = \"suzuki\"", "approved_by = \"sato\"", true,
		"~ exception EX-2026-014: approved_by suzuki -> sato\n", NULL);
	free(base);
}
END_TEST

START_TEST(test_zone_segment_group)
{
	char *base = slurp("conf/three-tier.conf");

	expect1(base, "networks = [\"10.40.0.0/24\"]", "networks = [\"10.41.0.0/24\", \"10.40.0.0/24\"]",
		true, "~ zone dmz: networks +10.41.0.0/24\n", "~ zone dmz: networks -10.41.0.0/24\n");
	expect1(base, "name = \"電子申請DMZ\";", "name = \"電子申請\";", true,
		"~ zone dmz: name 電子申請DMZ -> 電子申請\n", NULL);
	expect1(base, "\n};\n\n# ガバメントクラウド",
		"\n  dmz2: { interfaces = [\"dz1\"]; networks = [\"10.41.0.0/24\"]; };\n};\n\n# ガバメントクラウド",
		true, "+ zone dmz2: interfaces dz1; networks 10.41.0.0/24\n", "- zone dmz2\n");
	/* a zone's name that is only its Japanese name is no change */
	expect1(base, "lgwan:    { interfaces", "lgwan:    { name = \"LGWAN接続系\"; interfaces", true,
		"", "");
	expect1(base, "link = \"dedicated\"", "link = \"vpn\"", false,
		"~ segment govcloud: link dedicated -> vpn\n", NULL);
	expect1(base, "    networks = [\"10.50.0.0/16\"]; }\n",
		"    networks = [\"10.50.0.0/16\"]; },\n"
		"  { name = \"lgcloud\"; zone = \"lgwan\"; link = \"dedicated\"; interface = \"lc0\";\n"
		"    networks = [\"10.60.0.0/16\"]; }\n", true,
		"+ segment lgcloud: zone lgwan; link dedicated; interface lc0; networks 10.60.0.0/16\n",
		"- segment lgcloud\n");
	expect1(base, "members = [\"10.20.0.128/25\"]", "members = [\"10.20.0.128/26\", \"admin-01\"]",
		true, "~ group lg-terminals: members +10.20.0.128/26 +admin-01 -10.20.0.128/25\n",
		"~ group lg-terminals: members +10.20.0.128/25 -10.20.0.128/26 -admin-01\n");
	expect1(base, "  { name = \"lg-terminals\";",
		"  { name = \"inet-terms\"; members = [\"vdi\"]; },\n  { name = \"lg-terminals\";", true,
		"+ group inet-terms: members vdi\n", "- group inet-terms\n");
	free(base);
}
END_TEST

START_TEST(test_sections)
{
	char *base = slurp("conf/three-tier.conf"), *ha = slurp("conf/ha-three-tier.conf");
	char *t;

	expect1(base, "organisation = \"紫波町\"", "organisation = \"矢巾町\"", true,
		"~ policy: organisation 紫波町 -> 矢巾町\n", NULL);
	expect1(base, "model = \"three-tier\";\n};", "model = \"three-tier\";\n};\n"
		"engine: { queues = 2; fail_open = [\"lgwan>dmz\"]; };", true,
		"~ engine: queues 1 -> 2; fail_open +lgwan>dmz\n",
		"~ engine: queues 2 -> 1; fail_open -lgwan>dmz\n");
	t = repl(base, "model = \"three-tier\";\n};", "model = \"three-tier\";\n};\n"
		 "limits: { rate = 100; pairs: ( { pair = \"internet>dmz\"; rate = 20; ct_count = 50; } ); };");
	expect(base, t, true,
	       "~ limits: rate 200 -> 100; burst 400 -> 200\n"
	       "+ limit-pair internet>dmz: rate 20; burst 40; ct_count 50\n",
	       "~ limits: rate 100 -> 200; burst 200 -> 400\n- limit-pair internet>dmz\n");
	/* the pair by the zones' other names is the same pair */
	expect1(t, "pair = \"internet>dmz\"; rate = 20;", "pair = \"インターネット接続系>dmz\"; rate = 30;",
		true, "~ limit-pair internet>dmz: rate 20 -> 30; burst 40 -> 60\n", NULL);
	free(t);
	expect(base, ha, true,
	       "+ ha: sync_interface sy0; nodes 10.255.0.1, 10.255.0.2; conntrackd_port 3780; sync_port 3781\n",
	       "- ha\n");
	expect1(ha, "sync_port = 3781;", "sync_port = 3790;", true,
		"~ ha: sync_port 3781 -> 3790\n", NULL);
	free(ha);
	free(base);
}
END_TEST

START_TEST(test_breakout)
{
	char *base = slurp("conf/three-tier.conf"), *bo = slurp("conf/breakout.conf");

	expect(base, bo, true,
	       "~ zone internet: uplinks -in0=security-cloud+breakout\n"
	       "+ breakout: from lg-terminals; resolvers 10.20.0.53; upstreams 10.30.0.53; "
	       "dns_floor 5; dns_grace 2; dns_ttl_max 3600; dns_max 65536; ech outer-sni; port_span_max 16\n"
	       "+ service Allowed SaaS: type cloud; fqdns *.allowed.example, login.allowed.example; "
	       "ports 80,443; match dns+sni; approval AP-2026-010; ismap C21-0009-3; "
	       "ismap_valid_until 2099-03-31\n",
	       "~ zone internet: uplinks +in0=security-cloud+breakout\n- breakout\n- service Allowed SaaS\n");
	expect1(bo, "ports = [443, 80];", "ports = [443];", true,
		"~ service Allowed SaaS: ports 80,443 -> 443\n", NULL);
	expect1(bo, "fqdns = [\"*.allowed.example\", \"login.allowed.example\"]",
		"fqdns = [\"*.allowed.example\", \"api.allowed.example\"]", true,
		"~ service Allowed SaaS: fqdns +api.allowed.example -login.allowed.example\n", NULL);
	expect1(bo, "dns_floor = 5;", "dns_floor = 10;", true, "~ breakout: dns_floor 5 -> 10\n",
		NULL);
	expect1(bo, "approval = \"AP-2026-010\"; }", "approval = \"AP-2026-011\"; },\n"
		"    { name = \"Other\"; type = \"cloud\"; ismap = \"C21-0010-1\";"
		" ismap_valid_until = \"2099-03-31\"; fqdns = [\"other.example\"]; ports = [443];"
		" approval = \"AP-2026-012\"; }", true,
		"~ service Allowed SaaS: approval AP-2026-010 -> AP-2026-011\n"
		"+ service Other: type cloud; fqdns other.example; ports 443; match dns+sni; "
		"approval AP-2026-012; ismap C21-0010-1; ismap_valid_until 2099-03-31\n", NULL);
	free(bo);
	free(base);
}
END_TEST

/* Swap two entries of an array of n elements of size sz. */
static void swap(void *base, size_t sz, int i, int j)
{
	char tmp[4096], *a = (char *)base + (size_t)i * sz, *b = (char *)base + (size_t)j * sz;

	ck_assert_uint_le(sz, sizeof(tmp));
	memcpy(tmp, a, sz);
	memcpy(a, b, sz);
	memcpy(b, tmp, sz);
}

/* By kind (the file's order), then name; lists and file order do not matter. */
START_TEST(test_order)
{
	char *base = slurp("conf/three-tier.conf"), *t1, *t2, *t3, *t4, *x, *y;
	struct policy *a, *b, *c;
	const char *want =
		"~ policy: organisation 紫波町 -> 矢巾町\n"
		"~ host admin-01: ipv4 10.20.0.10 -> 10.20.0.11\n"
		"~ host e-apply: ipv4 10.40.0.10 -> 10.40.0.12\n"
		"~ flow e-apply-log: ports 514 -> 515\n"
		"~ flow gw-ssh: ports 22 -> 2222\n"
		"- exception EX-2026-014\n";

	t1 = repl(base, "organisation = \"紫波町\"", "organisation = \"矢巾町\"");
	t2 = repl(t1, "ipv4 = \"10.40.0.10\"", "ipv4 = \"10.40.0.12\"");
	t3 = repl(t2, "ipv4 = \"10.20.0.10\"", "ipv4 = \"10.20.0.11\"");
	t4 = repl(t3, "ports = [514]", "ports = [515]");
	free(t1);
	t1 = repl(t4, "ports = [22]; approval = \"AP-2026-007\"", "ports = [2222]; approval = \"AP-2026-007\"");
	free(t2);
	t2 = repl(t1, EXCEPTIONS, "");
	a = load(base, false);
	c = load(t2, false);
	b = load(t2, false);
	/* b: the same policy with its lists in another order */
	swap(b->hosts, sizeof(*b->hosts), 0, b->n_hosts - 1);
	swap(b->hosts, sizeof(*b->hosts), 2, 4);
	swap(b->flows, sizeof(*b->flows), 0, b->n_flows - 1);
	swap(b->zones, sizeof(*b->zones), 0, 3);
	x = diff_of(a, c, false, NULL);
	ck_assert_str_eq(x, want);
	y = diff_of(a, b, false, NULL);
	ck_assert_str_eq(y, x);
	free(y);
	y = diff_of(a, c, false, NULL);		/* and again: the same */
	ck_assert_str_eq(y, x);
	free(y);
	y = diff_of(b, c, false, NULL);
	ck_assert_str_eq(y, "");
	free(y);
	free(x);
	policy_free(a);
	policy_free(b);
	policy_free(c);
	free(t1);
	free(t2);
	free(t3);
	free(t4);
	free(base);
}
END_TEST

static const char *jstr(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	ck_assert_msg(json_is_string(v), "%s is not a string", key);
	return json_string_value(v);
}

static json_t *field_named(json_t *fields, const char *name)
{
	size_t i;
	json_t *f;

	json_array_foreach(fields, i, f) {
		if (!strcmp(jstr(f, "field"), name))
			return f;
	}
	ck_abort_msg("no field %s", name);
	return NULL;
}

START_TEST(test_json)
{
	char *base = slurp("conf/three-tier.conf"), *t1, *t2, *t3, *js;
	struct policy *a, *b;
	json_error_t err;
	json_t *root, *c, *f, *fields;
	size_t i;
	int n;

	t1 = repl(base, "members = [\"10.20.0.128/25\"]", "members = [\"10.20.0.128/26\"]");
	t2 = repl(t1, "purpose = \"疎通確認\";", "purpose = \"a \\\"quoted\\\" \\\\ purpose\";");
	t3 = repl(t2, "\n);\n\nexceptions",
		  ",\n  { name = \"lab-extra\"; class = \"peer\"; from = \"admin-01\"; to = \"e-apply\";\n"
		  "    proto = \"tcp\"; ports = [2223]; approval = \"AP-2026-099\"; purpose = \"検証\"; }"
		  "\n);\n\nexceptions");
	a = load(base, true);
	b = load(t3, true);
	js = json_of(a, b);
	free(diff_of(a, b, false, &n));
	root = json_loads(js, 0, &err);
	ck_assert_msg(root != NULL, "JSON does not parse: %s (line %d)\n%s", err.text, err.line, js);
	ck_assert(json_is_array(root));
	ck_assert_int_eq((int)json_array_size(root), n);
	ck_assert_int_eq(n, 3);
	json_array_foreach(root, i, c) {
		ck_assert(json_is_object(c));
		ck_assert(json_is_array(json_object_get(c, "fields")));
		ck_assert_int_gt((int)json_array_size(json_object_get(c, "fields")), 0);
		jstr(c, "kind");
		jstr(c, "name");
		jstr(c, "change");
	}
	c = json_array_get(root, 0);
	ck_assert_str_eq(jstr(c, "kind"), "group");
	ck_assert_str_eq(jstr(c, "change"), "changed");
	f = field_named(json_object_get(c, "fields"), "members");
	ck_assert_str_eq(jstr(f, "old"), "10.20.0.128/25");
	ck_assert_str_eq(jstr(f, "new"), "10.20.0.128/26");
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(f, "added"), 0)),
			 "10.20.0.128/26");
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(f, "removed"), 0)),
			 "10.20.0.128/25");
	c = json_array_get(root, 1);
	ck_assert_str_eq(jstr(c, "kind"), "flow");
	ck_assert_str_eq(jstr(c, "name"), "juki-jlis-ping");
	f = field_named(json_object_get(c, "fields"), "purpose");
	ck_assert_str_eq(jstr(f, "old"), "疎通確認");
	ck_assert_str_eq(jstr(f, "new"), "a \"quoted\" \\ purpose");
	c = json_array_get(root, 2);
	ck_assert_str_eq(jstr(c, "name"), "lab-extra");
	ck_assert_str_eq(jstr(c, "change"), "added");
	fields = json_object_get(c, "fields");
	f = field_named(fields, "ports");
	ck_assert(json_is_null(json_object_get(f, "old")));
	ck_assert_str_eq(jstr(f, "new"), "2223");
	ck_assert_ptr_null(json_object_get(field_named(fields, "from"), "added"));
	json_decref(root);
	free(js);
	js = json_of(b, a);			/* removed: new is null */
	root = json_loads(js, 0, &err);
	ck_assert_ptr_nonnull(root);
	c = json_array_get(root, 2);
	ck_assert_str_eq(jstr(c, "change"), "removed");
	f = field_named(json_object_get(c, "fields"), "to");
	ck_assert_str_eq(jstr(f, "old"), "e-apply");
	ck_assert(json_is_null(json_object_get(f, "new")));
	json_decref(root);
	free(js);
	policy_free(a);
	policy_free(b);
	free(t1);
	free(t2);
	free(t3);
	free(base);
}
END_TEST

START_TEST(test_names_ja)
{
	char *base = slurp("conf/three-tier.conf"), *t, *x;
	struct policy *a, *b;
	int k, j;

	for (k = 0; k < PDIFF_KIND_MAX; k++) {
		ck_assert_str_ne(pdiff_kind_name((enum pdiff_kind)k), "?");
		ck_assert_str_ne(pdiff_kind_label_ja((enum pdiff_kind)k), "?");
		for (j = 0; j < k; j++) {
			ck_assert_str_ne(pdiff_kind_name((enum pdiff_kind)k),
					 pdiff_kind_name((enum pdiff_kind)j));
			ck_assert_str_ne(pdiff_kind_label_ja((enum pdiff_kind)k),
					 pdiff_kind_label_ja((enum pdiff_kind)j));
		}
	}
	ck_assert_str_eq(pdiff_kind_name(PDIFF_KIND_MAX), "?");
	ck_assert_str_eq(pdiff_kind_label_ja(PDIFF_FLOW), "フロー");
	ck_assert_str_eq(pdiff_kind_label_ja(PDIFF_HOST), "ホスト");
	ck_assert_str_eq(pdiff_op_name(PDIFF_ADDED), "added");
	ck_assert_str_eq(pdiff_op_name(PDIFF_REMOVED), "removed");
	ck_assert_str_eq(pdiff_op_name(PDIFF_CHANGED), "changed");
	ck_assert_str_eq(pdiff_op_name(PDIFF_OP_MAX), "?");
	t = repl(base, "zone = \"lgwan\"; ipv4 = \"10.20.0.10\"",
		 "zone = \"lgwan\"; ipv4 = \"10.20.0.10\"; ipv6 = \"fd20::10\"");
	a = load(base, true);
	b = load(t, true);
	x = diff_of(a, b, true, NULL);
	ck_assert_str_eq(x, "~ ホスト admin-01: ipv6 (なし) -> fd20::10\n");
	free(x);
	policy_free(a);
	policy_free(b);
	free(t);
	free(base);
}
END_TEST

START_TEST(test_args)
{
	char *base = slurp("conf/three-tier.conf");
	struct policy *a = load(base, false);
	struct pdiff d;

	ck_assert_int_eq(pdiff_compute(NULL, a, &d), -EINVAL);
	ck_assert_int_eq(d.n_changes, 0);
	pdiff_fini(&d);
	ck_assert_int_eq(pdiff_compute(a, NULL, &d), -EINVAL);
	pdiff_fini(&d);
	ck_assert_int_eq(pdiff_compute(a, a, NULL), -EINVAL);
	pdiff_fini(NULL);
	policy_free(a);
	free(base);
}
END_TEST

Suite *suite_pdiff(void);
Suite *suite_pdiff(void)
{
	Suite *s = suite_create("pdiff");
	TCase *tc = tcase_create("pdiff");

	tcase_add_test(tc, test_identical);
	tcase_add_test(tc, test_host);
	tcase_add_test(tc, test_flow);
	tcase_add_test(tc, test_exception);
	tcase_add_test(tc, test_zone_segment_group);
	tcase_add_test(tc, test_sections);
	tcase_add_test(tc, test_breakout);
	tcase_add_test(tc, test_order);
	tcase_add_test(tc, test_json);
	tcase_add_test(tc, test_names_ja);
	tcase_add_test(tc, test_args);
	suite_add_tcase(s, tc);
	return s;
}
