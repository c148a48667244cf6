/* SPDX-License-Identifier: GPL-2.0-only */
/* test_policy.c: policy_validate() through conf_load_string(): for every invariant and rule a
 * config that passes and one that is refused, each diagnostic checked for its exact file:line,
 * its tag and its Japanese line; every shipped conf/ file; lookups; the matrix; and a 10k-host,
 * 10k-flow, 100k-prefix policy validated within the time budget. Run from the repo root. */
#include <check.h>
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf.h"
#include "policy.h"
#include "printed.h"

Suite *suite_policy(void);

#define NOW	1780239600		/* 2026-06-01T00:00:00+09:00 */
#define FILE_T	"t.conf"

/* ---------------------------------------------------------------------------------------- */
/* Config fragments. A marker comment "#@x" on a line names the line a diagnostic must cite. */

#define HEAD(model) \
	"policy: { organisation = \"テスト町\"; " \
	"document = \"テスト町情報セキュリティポリシー 第1版\"; model = \"" model "\"; };\n"
#define Z_MN \
	"  mynumber: { interfaces = [\"mn0\"]; networks = [\"10.10.0.0/24\", \"fd10::/64\"]; };\n"
#define Z_LG		"  lgwan: { interfaces = [\"lg0\"]; networks = [\"10.20.0.0/24\"]; };\n"
#define Z_IN		"  internet: { interfaces = [\"in0\"]; networks = [\"any\"]; };\n"
#define Z_DMZ \
	"  dmz: { name = \"電子申請DMZ\"; interfaces = [\"dz0\"]; " \
	"networks = [\"10.40.0.0/24\"]; };\n"
#define ZONES(x)	"zones: {\n" x "};\n"
#define SEG_GC \
	"  { name = \"govcloud\"; zone = \"マイナンバー利用事務系\"; link = \"dedicated\"; " \
	"interface = \"gc0\"; networks = [\"10.50.0.0/16\"]; }"
#define SEGS(x)		"segments: (\n" x "\n);\n"
#define H_BASE \
	"  { name = \"mn1\"; zone = \"mynumber\"; mac = \"02:00:00:00:10:01\"; " \
	"ipv4 = \"10.10.0.1\"; ipv6 = \"fd10::1\"; },\n" \
	"  { name = \"mn2\"; zone = \"mynumber\"; mac = \"02:00:00:00:10:02\"; " \
	"ipv4 = \"10.10.0.2\"; },\n" \
	"  { name = \"mn-nomac\"; zone = \"mynumber\"; ipv4 = \"10.10.0.3\"; },\n" \
	"  { name = \"gc1\"; zone = \"mynumber\"; ipv4 = \"10.50.0.1\"; },\n" \
	"  { name = \"lg1\"; zone = \"LGWAN接続系\"; ipv4 = \"10.20.0.1\"; },\n" \
	"  { name = \"lg2\"; zone = \"lgwan\"; ipv4 = \"10.20.0.2\"; },\n" \
	"  { name = \"in1\"; zone = \"internet\"; ipv4 = \"10.30.0.1\"; },\n" \
	"  { name = \"in2\"; zone = \"インターネット接続系\"; ipv4 = \"10.30.0.2\"; },\n" \
	"  { name = \"dz1\"; zone = \"dmz\"; ipv4 = \"10.40.0.1\"; }"
#define HOSTS(x)	"hosts: (\n" H_BASE x "\n);\n"
#define G_BASE \
	"  { name = \"lg-terms\"; members = [\"10.20.0.128/25\"]; },\n" \
	"  { name = \"mn-pair\"; members = [\"mn1\", \"mn2\"]; }"
#define GROUPS(x)	"groups: (\n" G_BASE x "\n);\n"
#define FLOWS(x)	"flows: (\n" x "\n);\n"
#define EXCS(x)		"exceptions: (\n" x "\n);\n"
#define UPSTREAM	"upstreams = [\"10.30.0.53\"];"
#define BREAKOUT_AT(m, from, res, svcs) \
	"breakout: { " m "\n  from = [" from "];\n  resolvers = [" res "]; " UPSTREAM "\n" \
	"  services: (\n" svcs "\n  );\n};\n"
#define BREAKOUT(from, res, svcs)	BREAKOUT_AT("", from, res, svcs)
/* A breakout section whose keys other than services are given as lines. */
#define BREAKOUT_RAW(m, lines, svcs) \
	"breakout: { " m "\n" lines "  services: (\n" svcs "\n  );\n};\n"
#define ENGINE(m, fail_open) \
	"engine: { " m "\n  fail_open = [" fail_open "];\n};\n"
#define VERDICT(v)	" verdict = \"" v "\";"

/* The world every case starts from: three tiers, a DMZ, a Government Cloud segment. The lines:
 * 3-6 zones mynumber, lgwan, internet, dmz; 9 govcloud; 12-20 hosts mn1, mn2, mn-nomac, gc1,
 * lg1, lg2, in1, in2, dz1; 23-24 groups lg-terms, mn-pair; what follows starts at line 26. */
#define WORLD(hosts, groups) \
	HEAD("three-tier") ZONES(Z_MN Z_LG Z_IN Z_DMZ) SEGS(SEG_GC) HOSTS(hosts) GROUPS(groups)
#define BASE		WORLD("", "")

#define FLOW(n, cls, from, to, rest) \
	"  { name = \"" n "\"; class = \"" cls "\"; from = \"" from "\"; to = \"" to "\"; " \
	rest " }"
#define RELAY(n, m, from, to, rest) \
	"  { name = \"" n "\"; class = \"sanitised-relay\"; method = \"" m "\"; " \
	"from = \"" from "\"; to = \"" to "\"; " rest " }"
#define OK443		"proto = \"tcp\"; ports = [443]; approval = \"AP-1\"; purpose = \"業務\";"
#define OK22		"proto = \"tcp\"; ports = [22]; approval = \"AP-2\"; purpose = \"保守\";"
#define EXC(id, from, to, rest) \
	"  { id = \"" id "\"; from = \"" from "\"; to = \"" to "\"; " rest " }"
#define EXOK \
	"proto = \"tcp\"; ports = [22]; reason = \"障害調査\"; requested_by = \"tanaka\"; " \
	"approved_by = \"suzuki\"; expires = \"2026-12-31T23:59:59+09:00\";"
#define SVC_CLOUD(n, rest) \
	"    { name = \"" n "\"; type = \"cloud\"; fqdns = [\"outlook.office365.com\"]; " \
	"ports = [443]; " rest " }"
#define ISMAP_OK \
	"ismap = \"C22-0001-1\"; ismap_valid_until = \"2027-03-31\"; approval = \"AP-9\";"
#define SVC_SEC(n, rest) \
	"    { name = \"" n "\"; type = \"security-update\"; ports = [443]; " \
	"approval = \"AP-8\"; " rest " }"
#define SEC_OK \
	"fqdns = [\"update.example.com\"]; handles_admin_docs = false; tls = \"required\";"

/* ---------------------------------------------------------------------------------------- */
/* The harness */

struct expect {
	const char *marker;		/* "#@a": the cited line holds it; NULL ends the list */
	enum diag_sev sev;
	const char *text;		/* a substring of the English message */
};

struct vcase {
	const char *name;
	const char *conf;
	void (*mutate)(struct policy *p);	/* what conf would refuse, done after loading */
	struct expect e[6];
};

#define ERR(m, t)	{ m, DIAG_ERROR, t }
#define WARN(m, t)	{ m, DIAG_WARNING, t }

static int marker_line(const char *text, const char *marker)
{
	const char *m = strstr(text, marker), *s;
	int line = 1;

	ck_assert_msg(m != NULL, "marker %s not in the config", marker);
	ck_assert_msg(strstr(m + 1, marker) == NULL, "marker %s twice", marker);
	for (s = text; s < m; s++)
		line += *s == '\n';
	return line;
}

/* Every diagnostic, for assertion messages. Returns a static buffer. */
static const char *diag_text(const struct diag *d)
{
	static char buf[16384];
	FILE *f = fmemopen(buf, sizeof(buf), "w");

	buf[0] = '\0';
	if (f) {
		diag_print(d, f, 0);
		fclose(f);
	}
	buf[sizeof(buf) - 1] = '\0';
	return buf;
}

/* An exact-size heap copy of s, so ASan flags a read past the end. */
static char *heap(const char *s)
{
	size_t n = strlen(s) + 1;
	char *b = malloc(n);

	ck_assert_ptr_nonnull(b);
	memcpy(b, s, n);
	return b;
}

static struct policy *load(const char *text, struct diag *d)
{
	struct policy *p = NULL;
	char *t = heap(text);
	int r = conf_load_string(FILE_T, t, &p, d);

	free(t);
	ck_assert_msg(r == 0 && p, "config refused by conf (%d):\n%s", r, diag_text(d));
	ck_assert_msg(d->n == 0, "conf diagnostics:\n%s", diag_text(d));
	return p;
}

/* Occurrences of sub in s. */
static int count(const char *s, const char *sub)
{
	int n = 0;

	for (s = strstr(s, sub); s; s = strstr(s + 1, sub))
		n++;
	return n;
}

static bool entry_matches(const struct diag_entry *e, const struct expect *x, int line)
{
	return e->sev == x->sev && e->line == line && e->file && !strcmp(e->file, FILE_T) &&
	       strstr(e->msg, x->text);
}

static void check_expect(const struct vcase *c, const struct diag *d)
{
	bool used[64] = { false };
	int i, j, n = 0, errors = 0, line;

	ck_assert_int_le(d->n, 64);
	for (i = 0; c->e[i].marker; i++, n++) {
		line = marker_line(c->conf, c->e[i].marker);
		errors += c->e[i].sev == DIAG_ERROR;
		for (j = 0; j < d->n; j++) {
			if (!used[j] && entry_matches(&d->v[j], &c->e[i], line))
				break;
		}
		ck_assert_msg(j < d->n, "%s: no %s at %s:%d containing \"%s\"; got:\n%s", c->name,
			      c->e[i].sev == DIAG_ERROR ? "error" : "warning", FILE_T, line,
			      c->e[i].text, diag_text(d));
		used[j] = true;
		ck_assert_msg(d->v[j].msg_ja && d->v[j].msg_ja[0], "%s: no Japanese line", c->name);
	}
	for (j = 0; j < d->n; j++)	/* issue 9's warnings, not listed here */
		n += !used[j] && d->v[j].sev == DIAG_WARNING &&
		     (strstr(d->v[j].msg, "never crosses the gateway") ||
		      strstr(d->v[j].msg, "open on every port"));
	ck_assert_msg(d->n == n, "%s: %d diagnostics, expected %d:\n%s", c->name, d->n, n,
		      diag_text(d));
	ck_assert_int_eq(d->errors, errors);
}

static void run_case(const struct vcase *c)
{
	struct diag d;
	struct policy *p;
	int r, errors = 0, i;

	diag_init(&d);
	p = load(c->conf, &d);
	if (c->mutate)
		c->mutate(p);
	r = policy_validate(p, NOW, &d);
	check_expect(c, &d);
	for (i = 0; c->e[i].marker; i++)
		errors += c->e[i].sev == DIAG_ERROR;
	ck_assert_int_eq(r, errors ? -EINVAL : 0);
	ck_assert(p->validated == !errors);
	policy_free(p);
	diag_fini(&d);
}

/* ---------------------------------------------------------------------------------------- */
/* Mutations: what conf.c already refuses, to prove the validator refuses it too. */

static void mut_no_psl(struct policy *p)
{
	p->psl = NULL;		/* as if the list could not be read: fail closed */
}

static int flow_idx(const struct policy *p, const char *name)
{
	int i;

	for (i = 0; i < p->n_flows; i++) {
		if (!strcmp(p->flows[i].name, name))
			return i;
	}
	ck_abort_msg("no flow %s", name);
	return -1;
}

static void mut_no_method(struct policy *p)
{
	p->flows[flow_idx(p, "relay")].method = METHOD_NONE;
}

static void mut_method_on_peer(struct policy *p)
{
	p->flows[flow_idx(p, "peer")].method = METHOD_MAIL_TEXT;
}

static void mut_dup_flow(struct policy *p)
{
	strcpy(p->flows[flow_idx(p, "b")].name, "a");
}

static void mut_dup_exc(struct policy *p)
{
	strcpy(p->exceptions[1].id, "EX-1");
}

static void mut_dup_svc(struct policy *p)
{
	strcpy(p->breakout.services[1].name, "m365");
}

static void mut_no_reason(struct policy *p)
{
	p->exceptions[0].reason = NULL;
	p->exceptions[0].approved_by[0] = '\0';
	p->exceptions[0].expires = 0;
}

static void mut_svc_no_ports(struct policy *p)
{
	p->breakout.services[0].n_ports = 0;
}

static void mut_svc_match_ip(struct policy *p)
{
	p->breakout.services[0].match = MATCH_IP;
	p->breakout.services[0].n_prefixes = 0;
}

static void mut_svc_no_fqdns(struct policy *p)
{
	p->breakout.services[0].n_fqdns = 0;
}

static void mut_proto0(struct policy *p)
{
	p->flows[0].proto = 0;
}

static void mut_dup_zone(struct policy *p)
{
	strcpy(p->zones[3].id, "mynumber");
}

static void mut_unknown_model(struct policy *p)
{
	p->model = MODEL_MAX;
}

static void mut_bad_verdict(struct policy *p)
{
	p->flows[0].verdict = VERDICT_MAX;
}

static void mut_fail_open_bad(struct policy *p)
{
	p->engine.fail_open[0] = policy_strdup(p, "lgwan");
	ck_assert_ptr_nonnull(p->engine.fail_open[0]);
}

static void mut_engine_limits(struct policy *p)
{
	p->engine.queues = ENGINE_QUEUES_MAX + 1;
	p->engine.queue_base = 65535;
	p->engine.queue_maxlen = 8;
}

static void mut_breakout_limits(struct policy *p)
{
	p->breakout.dns_floor = 0;
	p->breakout.dns_grace = -1;
	p->breakout.dns_max = 2000000;
	p->breakout.ech = (enum ech_policy)7;
}

/* ---------------------------------------------------------------------------------------- */
/* The cases: for each rule, the refused config and (further down or in accepted[]) the one that
 * passes. */

static const struct vcase refused[] = {
	/* 1. model */
	{ "model: missing lgwan", HEAD("three-tier") "zones: {\n"
	  "  mynumber: { interfaces = [\"mn0\"]; networks = "
	  "[\"10.10.0.0/24\"]; }; #@a\n" Z_IN "};\n",
	  NULL, { ERR("#@a", "model 'three-tier': I1: needs zone 'lgwan', none is declared") } },
	{ "model: lgwan-internet forbids mynumber", HEAD("lgwan-internet") "zones: {\n" Z_LG Z_IN
	  "  mynumber: { interfaces = [\"mn0\"]; networks = [\"10.10.0.0/24\"]; }; #@a\n};\n",
	  NULL, { ERR("#@a", "zone 'mynumber': I1: model 'lgwan-internet' has no zone "
		      "'mynumber'") } },
	{ "model: mynumber-internet forbids lgwan", HEAD("mynumber-internet") "zones: {\n" Z_MN
	  "  lgwan: { interfaces = [\"lg0\"]; networks = [\"10.20.0.0/24\"]; }; #@a\n" Z_IN "};\n",
	  NULL, { ERR("#@a", "zone 'lgwan': I1: model 'mynumber-internet' has no zone 'lgwan'") } },
	{ "model: mynumber-internet needs internet", HEAD("mynumber-internet") "zones: {\n"
	  "  mynumber: { interfaces = [\"mn0\"]; networks = [\"10.10.0.0/24\"]; }; #@a\n};\n",
	  NULL, { ERR("#@a", "model 'mynumber-internet': I1: needs zone 'internet'") } },
	{ "model: unknown", HEAD("three-tier") "zones: {\n"
	  "  mynumber: { interfaces = [\"mn0\"]; networks = [\"10.10.0.0/24\"]; }; #@a\n" Z_LG Z_IN
	  "};\n", mut_unknown_model, { ERR("#@a", ": I1: unknown zone model") } },
	{ "zone declared twice", HEAD("three-tier") "zones: {\n" Z_MN Z_LG Z_IN
	  "  dmz: { interfaces = [\"dz0\"]; networks = [\"10.40.0.0/24\"]; }; #@a\n};\n",
	  mut_dup_zone, { ERR("#@a", "zone 'mynumber': I1: zone declared twice (first "
			      "at line 3)") } },
	{ "two any zones", HEAD("three-tier") "zones: {\n" Z_MN Z_LG Z_IN
	  "  dmz: { interfaces = [\"dz0\"]; networks = [\"any\"]; }; #@a\n};\n",
	  NULL, { ERR("#@a", "zone 'dmz': I1: networks \"any\" already belong to zone "
		      "'internet'") } },
	/* 2. resolution */
	{ "segment: unknown zone", HEAD("three-tier") ZONES(Z_MN Z_LG Z_IN) SEGS(
	  "  { name = \"x\"; zone = \"nowhere\"; link = \"vpn\"; interface = \"x0\"; "
	  "networks = [\"10.60.0.0/16\"]; } #@a"),
	  NULL, { ERR("#@a", "segment 'x': I1: unknown zone 'nowhere'") } },
	{ "host: unknown zone", WORLD(",\n  { name = \"h\"; zone = \"dmz2\"; ipv4 = "
				      "\"10.40.0.9\"; } #@a", ""),
	  NULL, { ERR("#@a", "host 'h': I1: unknown zone 'dmz2'") } },
	{ "group: unknown member", WORLD("", ",\n  { name = \"g\"; members = [\"lg1\", "
					 "\"nobody\"]; } #@a"),
	  NULL, { ERR("#@a", "group 'g': I1: member 'nobody' is not a host") } },
	{ "group: spans zones", WORLD("", ",\n  { name = \"g\"; members = [\"lg1\", "
				      "\"in1\"]; } #@a"),
	  NULL, { ERR("#@a", "group 'g': I1: group spans zones: member 1 is in zone 'lgwan', "
		      "member 2 in zone 'internet'") } },
	{ "group: prefix across a zone edge", WORLD("", ",\n  { name = \"g\"; members = "
	  "[\"10.20.0.0/23\"]; } #@a"),
	  NULL, { ERR("#@a", "group 'g': I1: member 10.20.0.0/23 straddles the edge") } },
	{ "group: prefix in no zone", HEAD("three-tier") ZONES(Z_MN Z_LG
	  "  internet: { interfaces = [\"in0\"]; networks = [\"10.30.0.0/16\"]; };\n")
	  "groups: (\n  { name = \"g\"; members = [\"192.0.2.0/24\"]; } #@a\n);\n",
	  NULL, { ERR("#@a", "group 'g': I1: member 192.0.2.0/24 lies in no zone's networks") } },
	{ "group: prefix spanning two zones", HEAD("three-tier") ZONES(Z_MN Z_LG
	  "  internet: { interfaces = [\"in0\"]; networks = [\"10.21.0.0/24\"]; };\n")
	  "groups: (\n  { name = \"g\"; members = [\"10.20.0.0/15\"]; } #@a\n);\n",
	  NULL, { ERR("#@a", "group 'g': I1: member 10.20.0.0/15 straddles") } },
	{ "flow: unknown endpoint", BASE FLOWS(FLOW("f", "peer", "lg1", "nobody", OK443) " #@a"),
	  NULL, { ERR("#@a", "flow 'f': I1: unknown 'to' endpoint 'nobody': no host, "
		      "group or zone") } },
	{ "exception: unknown endpoint", BASE EXCS(EXC("EX-1", "ghost", "dz1", EXOK) " #@a"),
	  NULL, { ERR("#@a", "exception 'EX-1': I1: unknown 'from' endpoint 'ghost'") } },
	/* 3. I1 */
	{ "I1: interface in two zones", HEAD("three-tier") ZONES(Z_MN
	  "  lgwan: { interfaces = [\"lg0\", \"mn0\"]; networks = "
	  "[\"10.20.0.0/24\"]; }; #@a\n" Z_IN),
	  NULL, { ERR("#@a", "zone 'lgwan': I1: interface 'mn0' is already an interface of zone "
		      "'mynumber' (line 3)") } },
	{ "I1: segment on another zone's interface", HEAD("three-tier") ZONES(Z_MN Z_LG Z_IN) SEGS(
	  "  { name = \"gc\"; zone = \"mynumber\"; link = \"dedicated\"; interface = \"lg0\"; "
	  "networks = [\"10.50.0.0/16\"]; } #@a"),
	  NULL, { ERR("#@a", "segment 'gc': I1: interface 'lg0' is already an interface of zone "
		      "'lgwan'") } },
	{ "I1: networks of two zones overlap", HEAD("three-tier") ZONES(Z_MN Z_LG Z_IN
	  "  dmz: { interfaces = [\"dz0\"]; networks = [\"10.20.0.0/25\"]; }; #@a\n"),
	  NULL, { ERR("#@a", "zone 'dmz': I1: network 10.20.0.0/25 overlaps 10.20.0.0/24 of zone "
		      "'lgwan' (line 4); zones must be disjoint") } },
	{ "I1: IPv6 networks overlap", HEAD("three-tier") ZONES(
	  "  mynumber: { interfaces = [\"mn0\"]; networks = [\"fd10::/64\"]; }; #@a\n" Z_LG Z_IN
	  "  dmz: { interfaces = [\"dz0\"]; networks = [\"fd10::/48\"]; };\n"),
	  NULL, { ERR("#@a", "zone 'mynumber': I1: network fd10::/64 overlaps fd10::/48 of zone "
		      "'dmz' (line 6)") } },
	{ "I1: segment overlaps another zone's segment", HEAD("three-tier") ZONES(Z_MN Z_LG Z_IN)
	  SEGS(SEG_GC ",\n  { name = \"lgcloud\"; zone = \"lgwan\"; link = \"dedicated\"; "
	       "interface = \"lc0\"; networks = [\"10.50.7.0/24\"]; } #@a"),
	  NULL, { ERR("#@a", "segment 'lgcloud': I1: network 10.50.7.0/24 overlaps 10.50.0.0/16 of "
		      "segment 'govcloud' (zone 'mynumber'") } },
	{ "I1: host in another zone's network", WORLD(",\n  { name = \"h\"; zone = "
						      "\"lgwan\"; ipv4 = \"10.10.0.9\"; } #@a", ""),
	  NULL, { ERR("#@a", "host 'h': I1: address 10.10.0.9 lies in the networks of zone "
		      "'mynumber', not of its zone 'lgwan'") } },
	{ "I1: host outside its zone", WORLD(",\n  { name = \"h\"; zone = \"lgwan\"; ipv4 = "
	  "\"10.99.0.1\"; } #@a", ""),
	  NULL, { ERR("#@a", "host 'h': I1: address 10.99.0.1 is outside the networks of its zone "
		      "'lgwan'") } },
	{ "I1: internet host inside a segment", WORLD(",\n  { name = \"h\"; zone = \"internet\"; "
	  "ipv6 = \"fd10::99\"; ipv4 = \"10.50.3.3\"; } #@a", ""),
	  NULL, { ERR("#@a", "host 'h': I1: address 10.50.3.3 lies in the networks of zone "
		      "'mynumber'"),
		  ERR("#@a", "host 'h': I1: address fd10::99 lies in the networks of zone "
		      "'mynumber'") } },
	{ "I1: same MAC twice", WORLD(",\n  { name = \"h\"; zone = \"mynumber\"; mac = "
	  "\"02:00:00:00:10:01\"; ipv4 = \"10.10.0.9\"; } #@a", ""),
	  NULL, { ERR("#@a", "host 'h': I1: MAC 02:00:00:00:10:01 is also bound to host 'mn1'") } },
	{ "I1: same IPv4 twice", WORLD(",\n  { name = \"h\"; zone = \"lgwan\"; "
	  "ipv4 = \"10.20.0.2\"; } #@a", ""),
	  NULL, { ERR("#@a", "host 'h': I1: address 10.20.0.2 is also bound to host 'lg2'") } },
	{ "I1: same IPv6 twice", WORLD(",\n  { name = \"h\"; zone = \"mynumber\"; mac = "
	  "\"02:00:00:00:10:09\"; ipv6 = \"fd10::1\"; } #@a", ""),
	  NULL, { ERR("#@a", "host 'h': I1: address fd10::1 is also bound to host 'mn1'") } },
	{ "I1: group named like a host", WORLD("", ",\n  { name = \"lg1\"; members = "
					       "[\"lg2\"]; } #@a"),
	  NULL, { ERR("#@a", "group 'lg1': I1: name already used by the host at line 16") } },
	{ "I1: host named like a zone", WORLD(",\n  { name = \"インターネット接続系\"; zone = "
					      "\"internet\"; ipv4 = \"10.30.0.9\"; } #@a", ""),
	  NULL, { ERR("#@a", "I1: name is also a zone; a name must identify one object") } },
	{ "I1: host named gateway", WORLD(",\n  { name = \"gateway\"; zone = \"lgwan\"; "
	  "ipv4 = \"10.20.0.99\"; } #@a", ""),
	  NULL, { ERR("#@a", "host 'gateway': I1: name is also a keyword ('gateway')") } },
	{ "I1: mynumber segment not dedicated", HEAD("three-tier") ZONES(Z_MN Z_LG Z_IN) SEGS(
	  "  { name = \"gc\"; zone = \"mynumber\"; link = \"vpn\"; interface = \"gc0\"; "
	  "networks = [\"10.50.0.0/16\"]; } #@a"),
	  NULL, { ERR("#@a", "segment 'gc': I1: link 'vpn': a segment of zone 'mynumber' "
		      "must be on a dedicated line (R7, R9)") } },
	{ "I1: lgwan segment not dedicated", HEAD("three-tier") ZONES(Z_MN Z_LG Z_IN) SEGS(
	  "  { name = \"lc\"; zone = \"イントラネット系\"; link = \"internet\"; interface "
	  "= \"lc0\"; networks = [\"10.51.0.0/16\"]; } #@a"),
	  NULL, { ERR("#@a", "segment 'lc': I1: link 'internet': a segment of zone 'lgwan'") } },
	/* 4. I2 */
	{ "I2: mynumber to internet", BASE FLOWS(FLOW("f", "peer", "mn1", "in1", OK443) " #@a"),
	  NULL, { ERR("#@a", "flow 'f': I2: joins zones 'mynumber' and 'internet'") } },
	{ "I2: internet to mynumber, any class", BASE FLOWS(
	  FLOW("f", "screen-transfer-into-mynumber", "in1", "mn1", OK443) " #@a"),
	  NULL, { ERR("#@a", "flow 'f': I2: joins zones 'internet' and 'mynumber'") } },
	{ "I2: exception mynumber to internet", BASE EXCS(EXC("EX-1", "mn1", "in2", EXOK) " #@a"),
	  NULL, { ERR("#@a", "exception 'EX-1': I2: joins zones 'mynumber' and 'internet'") } },
	{ "I2: public system not via lgwan", BASE FLOWS(
	  FLOW("f", "public-system-via-lgwan", "mn1", "dz1", OK443) " #@a"),
	  NULL, { ERR("#@a", "flow 'f': I2: class public-system-via-lgwan joins zones 'mynumber' "
		      "and 'dmz': it must join mynumber and lgwan, and egress via the "
		      "LGWAN uplink") } },
	{ "I2: public system between lgwan and dmz", BASE FLOWS(
	  FLOW("f", "public-system-via-lgwan", "lg1", "dz1", OK443) " #@a"),
	  NULL, { ERR("#@a", "flow 'f': I2: class public-system-via-lgwan joins zones 'lgwan' and "
		      "'dmz'") } },
	{ "I2: breakout from mynumber and internet", BASE
	  "breakout: { #@a\n  from = [\"lgwan\", \"mynumber\", \"internet\"]; " UPSTREAM "\n"
	  "  services: (\n"
	  SVC_CLOUD("m365", ISMAP_OK) "\n  );\n};\n",
	  NULL, { ERR("#@a", "breakout: I2: no breakout from zone 'mynumber'"),
		  ERR("#@a", "breakout: I2: breakout from zone 'internet'") } },
	/* #14: R5 attested, R26 TLS only, port ranges, public-suffix wildcards */
	{ "R5: a peer attested internet_connected = true", WORLD(",\n  { name = \"lg-ic\"; "
	  "zone = \"lgwan\"; ipv4 = \"10.20.0.9\"; internet_connected = true; }", "") FLOWS(
	  FLOW("mn-ic", "public-system-via-lgwan", "mn1", "lg-ic", OK443) " #@a"),
	  NULL, { ERR("#@a", "flow 'mn-ic': I2: host 'lg-ic' is attested internet_connected = "
		      "true (line 21); a peer of mynumber must have no path to the internet "
		      "(R5)") } },
	{ "R5: an exception to a peer attested internet_connected = true",
	  WORLD(",\n  { name = \"dz-ic\"; zone = \"dmz\"; ipv4 = \"10.40.0.9\";\n"
	  "    internet_connected = true; }", "") EXCS(
	  "  { id = \"EX-1\"; from = \"mn1\"; to = \"dz-ic\"; proto = \"tcp\"; ports = [443]; "
	  "reason = \"r\"; requested_by = \"a\"; approved_by = \"b\"; "
	  "expires = \"2026-12-31T23:59:59+09:00\"; } #@a"),
	  NULL, { ERR("#@a", "exception 'EX-1': I2: host 'dz-ic' is attested internet_connected "
		      "= true (line 22)") } },
	{ "R26: tls = required with port 80", BASE BREAKOUT("\"lgwan\"", "\"10.20.0.53\"",
	  "    { name = \"x\"; type = \"security-update\"; ports = [443, 80]; approval = \"AP-8\"; "
	  SEC_OK " } #@a"),
	  NULL, { ERR("#@a", "service 'x': I4: port 80 (plain HTTP) on a service with tls = "
		      "\"required\"; it is reached by TLS only (R26)") } },
	{ "R26: tls = required with a range over port 80", BASE BREAKOUT("\"lgwan\"",
	  "\"10.20.0.53\"", "    { name = \"x\"; type = \"cloud\"; fqdns = [\"a.example.com\"]; "
	  "ports = [\"78-81\"]; tls = \"required\"; " ISMAP_OK " } #@a"),
	  NULL, { ERR("#@a", "service 'x': I4: port 80 (plain HTTP)") } },
	{ "breakout: port range 1-65535", BASE BREAKOUT("\"lgwan\"", "\"10.20.0.53\"",
	  "    { name = \"x\"; type = \"cloud\"; fqdns = [\"a.example.com\"]; "
	  "ports = [\"1-65535\"]; " ISMAP_OK " } #@a"),
	  NULL, { ERR("#@a", "service 'x': I4: port range 1-65535 spans 65535 ports, more than "
		      "breakout.port_span_max (16)") } },
	{ "breakout: port range one over port_span_max", BASE BREAKOUT_RAW("", "  from = "
	  "[\"lgwan\"]; resolvers = [\"10.20.0.53\"]; " UPSTREAM " port_span_max = 4;\n",
	  "    { name = \"x\"; type = \"cloud\"; fqdns = [\"a.example.com\"]; "
	  "ports = [\"8000-8004\"]; " ISMAP_OK " } #@a"),
	  NULL, { ERR("#@a", "port range 8000-8004 spans 5 ports, more than "
		      "breakout.port_span_max (4)") } },
	{ "breakout: wildcards over public suffixes", BASE BREAKOUT("\"lgwan\"", "\"10.20.0.53\"",
	  "    { name = \"x\"; type = \"cloud\"; fqdns = [\"*.co.jp\", \"*.appspot.com\", "
	  "\"*.cloudfront.net\", \"*.a.ck\", \"*.www.ck\", \"*.b.example.co.jp\"]; "
	  "ports = [443]; " ISMAP_OK " } #@a"),
	  NULL, { ERR("#@a", "FQDN '*.co.jp' is a wildcard over the public suffix 'co.jp'"),
		  ERR("#@a", "FQDN '*.appspot.com' is a wildcard over the public suffix"),
		  ERR("#@a", "FQDN '*.cloudfront.net' is a wildcard over the public suffix"),
		  ERR("#@a", "FQDN '*.a.ck' is a wildcard over the public suffix 'a.ck'") } },
	{ "breakout: a wildcard without a Public Suffix List", BASE BREAKOUT("\"lgwan\"",
	  "\"10.20.0.53\"", "    { name = \"x\"; type = \"cloud\"; fqdns = [\"*.a.example\", "
	  "\"b.example\"]; ports = [443]; " ISMAP_OK " } #@a"),
	  mut_no_psl, { ERR("#@a", "FQDN '*.a.example' is a wildcard and the Public Suffix List "
			    "(/usr/share/publicsuffix/public_suffix_list.dat) cannot be read to "
			    "check it: install the package publicsuffix") } },
	{ "I2: two hops through one host", BASE FLOWS(
	  FLOW("mn-lg", "public-system-via-lgwan", "mn1", "lg1", OK443) ", #@a\n"
	  RELAY("mail", "mail-text", "in1", "lg1", OK443) " #@b"),
	  NULL, { ERR("#@a", "flow 'mn-lg': I2: path mynumber -> lg1 -> internet: 'lg1' is joined "
		      "with mynumber here and 'lg1' reaches the internet zone by flow 'mail' "
		      "(line 28)") } },
	{ "I2: two hops through an overlapping group", WORLD("", ",\n  { name = \"lg-low\"; "
	  "members = [\"10.20.0.0/28\"]; }") FLOWS(
	  FLOW("mn-lg", "public-system-via-lgwan", "mn1", "lg1", OK443) ", #@a\n"
	  RELAY("screen", "screen-transfer", "lg-low", "in1", OK443)),
	  NULL, { ERR("#@a", "flow 'mn-lg': I2: path mynumber -> lg1 -> internet: 'lg1' is joined "
		      "with mynumber here and 'lg-low' reaches the internet zone by "
		      "flow 'screen'") } },
	{ "I2: screen transfer in, sanitised files to the same host", BASE FLOWS(
	  FLOW("scr", "screen-transfer-into-mynumber", "lg1", "mn1", OK443) ", #@a\n"
	  RELAY("file", "file-sanitise", "in1", "lg1", OK22)),
	  NULL, { ERR("#@a", "flow 'scr': I2: path mynumber -> lg1 -> internet: 'lg1' is joined "
		      "with mynumber here and 'lg1' reaches the internet zone by flow 'file'") } },
	{ "I2: two hops through an exception", BASE FLOWS(
	  FLOW("mn-dz", "peer", "mn1", "dz1", OK443) " #@a")
	  EXCS(EXC("EX-1", "dz1", "in2", EXOK)),
	  NULL, { ERR("#@a", "flow 'mn-dz': I2: path mynumber -> dz1 -> internet: 'dz1' is joined "
		      "with mynumber here and 'dz1' reaches the internet zone by "
		      "exception 'EX-1'") } },
	{ "I2: two hops through breakout", BASE FLOWS(
	  FLOW("mn-lg", "public-system-via-lgwan", "lg1", "mn1", OK443) " #@a")
	  BREAKOUT("\"lgwan\"", "\"10.20.0.53\"", SVC_CLOUD("m365", ISMAP_OK)),
	  NULL, { ERR("#@a", "flow 'mn-lg': I2: path mynumber -> lg1 -> internet: 'lg1' is joined "
		      "with mynumber here and its zone 'lgwan' reaches the internet zone "
		      "by service 'm365'") } },
	{ "I2: two hops through a breakout resolver", BASE FLOWS(
	  FLOW("scr", "screen-transfer-into-mynumber", "lg1", "mn1", OK443) " #@a")
	  BREAKOUT("\"lgwan\"", "\"10.20.0.1\"", SVC_CLOUD("m365", ISMAP_OK)),
	  NULL, { ERR("#@a", "flow 'scr': I2: path mynumber -> lg1 -> internet: 'lg1' is joined "
		      "with mynumber here and 'resolver 10.20.0.1' reaches the internet zone "
		      "by the breakout resolvers") } },
	{ "I2: breakout prefix in mynumber", BASE
	  BREAKOUT("\"lgwan\"", "\"10.20.0.53\"", "    { name = \"x\"; ismap = \"C-1\"; "
	  "ismap_valid_until = \"2027-03-31\"; approval = \"AP-9\"; match = \"ip\"; "
	  "prefixes = [\"10.10.0.0/28\", \"10.20.0.64/26\"]; ports = [443]; } #@a"),
	  NULL, { ERR("#@a", "service 'x': I2: prefix 10.10.0.0/28 is not in the internet "
		      "zone (zone 'mynumber')"),
		  ERR("#@a", "service 'x': I4: prefix 10.20.0.64/26 is not in the "
		      "internet zone") } },
	/* 5. I3 */
	{ "I3: mynumber host without MAC", BASE FLOWS(
	  FLOW("f", "peer", "mn-nomac", "lg1", OK443) " #@a"),
	  NULL, { ERR("#@a", "flow 'f': I3: host 'mn-nomac' has no MAC; a mynumber host on "
		      "a flow to another zone is pinned to MAC + IP + port (R4)") } },
	{ "I3: segment host across zones still needs a MAC", BASE FLOWS(
	  FLOW("f", "public-system-via-lgwan", "gc1", "lg1", OK443) " #@a"),
	  NULL, { ERR("#@a", "flow 'f': I3: host 'gc1' has no MAC") } },
	{ "I3: group endpoint", BASE FLOWS(
	  FLOW("f", "public-system-via-lgwan", "mn1", "lg-terms", OK443) " #@a"),
	  NULL, { ERR("#@a", "flow 'f': I3: endpoint 'lg-terms' is a whole group; a flow touching "
		      "mynumber names single hosts") } },
	{ "I3: mynumber group endpoint", BASE FLOWS(
	  FLOW("f", "peer", "mn-pair", "lg1", OK443) " #@a"),
	  NULL, { ERR("#@a", "flow 'f': I3: endpoint 'mn-pair' is a whole group") } },
	{ "I3: zone endpoint", BASE FLOWS(
	  FLOW("f", "peer", "mn1", "LGWAN接続系", OK443) " #@a"),
	  NULL, { ERR("#@a", "flow 'f': I3: endpoint 'LGWAN接続系' is a whole zone") } },
	{ "I3: no ports", BASE FLOWS(
	  FLOW("f", "peer", "mn1", "lg1", "proto = \"udp\"; approval = \"A\"; "
	       "purpose = \"p\";") " #@a"),
	  NULL, { ERR("#@a", "flow 'f': I3: no ports; a flow touching mynumber names its protocol "
		      "and ports (R4)") } },
	{ "I3: no protocol", BASE FLOWS(FLOW("f", "peer", "mn1", "lg1", OK443) " #@a"),
	  mut_proto0, { ERR("#@a", "flow 'f': I3: no protocol") } },
	{ "I3: port range", BASE FLOWS(
	  FLOW("f", "peer", "mn1", "lg1", "proto = \"tcp\"; ports = (443, \"8000-8080\"); "
	  "approval = \"A\"; purpose = \"p\";") " #@a"),
	  NULL, { ERR("#@a", "flow 'f': I3: port range 8000-8080; a flow touching mynumber names "
		      "single ports") } },
	{ "I3: internal to a local host without MAC", BASE FLOWS(
	  FLOW("f", "internal", "mn1", "mn-nomac", "proto = \"tcp\"; ports = [5432];") " #@a"),
	  NULL, { ERR("#@a", "flow 'f': I3: host 'mn-nomac' sits on the zone's own network and has "
		      "no MAC") } },
	{ "I3: internal to a zone", BASE FLOWS(
	  FLOW("f", "internal", "mn1", "mynumber", "proto = \"tcp\"; ports = [5432];") " #@a"),
	  NULL, { ERR("#@a", "flow 'f': I3: endpoint 'mynumber' is a whole zone") } },
	{ "I3: screen transfer to a host without MAC", BASE FLOWS(
	  FLOW("f", "screen-transfer-into-mynumber", "lg-terms", "mn-nomac", OK443) " #@a"),
	  NULL, { ERR("#@a", "flow 'f': I3: host 'mn-nomac' has no MAC") } },
	{ "I3: screen transfer to a group", BASE FLOWS(
	  FLOW("f", "screen-transfer-into-mynumber", "lg-terms", "mn-pair", OK443) " #@a"),
	  NULL, { ERR("#@a", "flow 'f': I3: endpoint 'mn-pair' is a whole group") } },
	{ "I3: screen transfer from a zone", BASE FLOWS(
	  FLOW("f", "screen-transfer-into-mynumber", "dmz", "mn1", OK443) " #@a"),
	  NULL, { ERR("#@a", "flow 'f': I3: endpoint 'dmz' is a whole zone") } },
	{ "I3: sanitised relay into mynumber", BASE FLOWS(
	  RELAY("f", "file-sanitise", "lg1", "mn1", OK443) " #@a"),
	  NULL, { ERR("#@a", "flow 'f': I3: class sanitised-relay may not touch mynumber") } },
	{ "I3: exception with a host without MAC", BASE EXCS(
	  EXC("EX-1", "lg1", "mn-nomac", EXOK) " #@a"),
	  NULL, { ERR("#@a", "exception 'EX-1': I3: host 'mn-nomac' has no MAC") } },
	{ "I3: exception with a port range", BASE EXCS(
	  EXC("EX-1", "lg1", "mn1", "proto = \"tcp\"; ports = [\"1-1024\"]; reason = \"r\"; "
	  "requested_by = \"a\"; approved_by = \"b\"; "
	  "expires = \"2026-12-31T00:00:00+09:00\";") " #@a"),
	  NULL, { ERR("#@a", "exception 'EX-1': I3: port range 1-1024") } },
	{ "I3: management from a host without MAC", BASE FLOWS(
	  FLOW("f", "management", "mn-nomac", "gateway", OK22) " #@a"),
	  NULL, { ERR("#@a", "flow 'f': I3: host 'mn-nomac' has no MAC") } },
	/* 6. I4 */
	{ "I4: peer between lgwan and internet", BASE FLOWS(
	  FLOW("f", "peer", "lg1", "in1", OK443) " #@a"),
	  NULL, { ERR("#@a", "flow 'f': I4: class 'peer' between lgwan and internet; only "
		      "sanitised relays") } },
	{ "I4: internal between lgwan and internet", BASE FLOWS(
	  FLOW("f", "internal", "in1", "lg-terms", OK443) " #@a"),
	  NULL, { ERR("#@a", "flow 'f': I4: class 'internal' between lgwan and internet"),
		  ERR("#@a", "flow 'f': I5: class internal joins zones 'internet' and 'lgwan'") } },
	{ "I4: relay without a method", BASE FLOWS(
	  RELAY("relay", "mail-text", "in1", "lg1", OK443) " #@a"),
	  mut_no_method, { ERR("#@a", "flow 'relay': I4: sanitised relay without a method") } },
	{ "I4: method on another class", BASE FLOWS(
	  FLOW("peer", "peer", "lg1", "dz1", OK443) " #@a"),
	  mut_method_on_peer, { WARN("#@a", "flow 'peer': I4: method 'mail-text' applies only to "
				     "class sanitised-relay, ignoring") } },
	{ "I4: screen transfer opened from internet", BASE FLOWS(
	  RELAY("f", "screen-transfer", "in1", "lg1", OK443) " #@a"),
	  NULL, { ERR("#@a", "flow 'f': I4: screen transfer is opened from lgwan") } },
	{ "I4: mail text sent into internet", BASE FLOWS(
	  RELAY("f", "mail-text", "lg1", "in1", OK443) " #@a"),
	  NULL, { ERR("#@a", "flow 'f': I4: method 'mail-text' carries data from internet into "
		      "lgwan") } },
	{ "I4: file sanitiser to a group", BASE FLOWS(
	  RELAY("f", "file-sanitise", "in1", "lg-terms", OK443) " #@a"),
	  NULL, { ERR("#@a", "flow 'f': I4: endpoint 'lg-terms' is not a single host") } },
	{ "I4: screen transfer to a zone", BASE FLOWS(
	  RELAY("f", "screen-transfer", "lg-terms", "internet", OK443) " #@a"),
	  NULL, { ERR("#@a", "flow 'f': I4: endpoint 'internet' is not a single host") } },
	{ "I4: relay without ports", BASE FLOWS(
	  RELAY("f", "mail-text", "in1", "lg1", "proto = \"tcp\"; approval = \"A\"; "
	  "purpose = \"p\";") " #@a"),
	  NULL, { ERR("#@a", "flow 'f': I4: no ports; a relay between lgwan and internet") } },
	{ "I4: exception between lgwan and internet", BASE EXCS(
	  EXC("EX-1", "in1", "lg1", EXOK) " #@a"),
	  NULL, { ERR("#@a", "exception 'EX-1': I4: an exception may not join lgwan "
		      "and internet") } },
	{ "I4: cloud service without ISMAP", BASE BREAKOUT("\"lgwan\"", "\"10.20.0.53\"",
	  SVC_CLOUD("x", "approval = \"AP-9\";") " #@a"),
	  NULL, { ERR("#@a", "service 'x': I4: cloud service without an ISMAP registration"),
		  ERR("#@a", "service 'x': I4: no ISMAP registration end date") } },
	{ "I4: ISMAP registration expired", BASE BREAKOUT("\"lgwan\"", "\"10.20.0.53\"",
	  SVC_CLOUD("x", "ismap = \"C-1\"; ismap_valid_until = \"2026-03-31\"; "
	  "approval = \"AP-9\";") " #@a"),
	  NULL, { WARN("#@a", "service 'x': I4: ISMAP registration expired on 2026-03-31, service "
		       "disabled, ignoring") } },
	{ "I4: security update handling documents", BASE BREAKOUT("\"lgwan\"", "\"10.20.0.53\"",
	  SVC_SEC("x", "fqdns = [\"u.example.com\"]; handles_admin_docs = true; "
		  "tls = \"required\";") " #@a"),
	  NULL, { ERR("#@a", "service 'x': I4: a security-update service must attest "
		      "handles_admin_docs = false (R26)") } },
	{ "I4: security update without attestation", BASE BREAKOUT("\"lgwan\"", "\"10.20.0.53\"",
	  SVC_SEC("x", "fqdns = [\"u.example.com\"]; tls = \"required\";") " #@a"),
	  NULL, { ERR("#@a", "service 'x': I4: a security-update service must attest") } },
	{ "I4: security update with a wildcard", BASE BREAKOUT("\"lgwan\"", "\"10.20.0.53\"",
	  SVC_SEC("x", "fqdns = [\"u.example.com\", \"*.example.com\"]; "
		  "handles_admin_docs = false; tls = \"required\";") " #@a"),
	  NULL, { ERR("#@a", "service 'x': I4: FQDN '*.example.com' is a wildcard") } },
	{ "I4: security update without TLS", BASE BREAKOUT("\"lgwan\"", "\"10.20.0.53\"",
	  SVC_SEC("x", "fqdns = [\"u.example.com\"]; handles_admin_docs = false;") " #@a"),
	  NULL, { ERR("#@a", "service 'x': I4: a security-update service needs tls = "
		      "\"required\"") } },
	{ "I4: security update by address only", BASE BREAKOUT("\"lgwan\"", "\"10.20.0.53\"",
	  SVC_SEC("x", "match = \"ip\"; prefixes = [\"198.51.100.0/24\"]; fqdns = "
		  "[\"u.example.com\"]; handles_admin_docs = false; tls = \"required\";") " #@a"),
	  NULL, { ERR("#@a", "service 'x': I4: a security-update service is "
		      "restricted by name") } },
	{ "I4: security update without names", BASE BREAKOUT("\"lgwan\"", "\"10.20.0.53\"",
	  SVC_SEC("x", SEC_OK) " #@a"),
	  mut_svc_no_fqdns, { ERR("#@a", "service 'x': I4: a security-update service is restricted "
				  "by name") } },
	{ "I4: service without ports", BASE BREAKOUT("\"lgwan\"", "\"10.20.0.53\"",
	  SVC_CLOUD("x", ISMAP_OK) " #@a"),
	  mut_svc_no_ports, { ERR("#@a", "service 'x': I4: service without ports") } },
	{ "I4: match ip without prefixes", BASE BREAKOUT("\"lgwan\"", "\"10.20.0.53\"",
	  SVC_CLOUD("x", ISMAP_OK) " #@a"),
	  mut_svc_match_ip, { ERR("#@a", "service 'x': I4: match \"ip\" needs prefixes") } },
	{ "I4: match by name without names", BASE BREAKOUT("\"lgwan\"", "\"10.20.0.53\"",
	  SVC_CLOUD("x", ISMAP_OK) " #@a"),
	  mut_svc_no_fqdns, { ERR("#@a", "service 'x': I4: match \"dns+sni\" needs fqdns") } },
	{ "I4: breakout from an unknown zone", BASE
	  "breakout: { #@a\n  from = [\"lgwan\", \"nowhere\"]; " UPSTREAM "\n  services: (\n"
	  SVC_CLOUD("m365", ISMAP_OK) "\n  );\n};\n",
	  NULL, { ERR("#@a", "breakout: I4: unknown 'from' source 'nowhere': no zone or group "
		      "has this name") } },
	{ "I4: resolver outside the breakout zones", BASE
	  "breakout: { #@a\n  from = [\"lgwan\"];\n  resolvers = [\"10.20.0.53\", "
	  "\"10.40.0.53\"]; " UPSTREAM "\n  services: (\n" SVC_CLOUD("m365", ISMAP_OK)
	  "\n  );\n};\n",
	  NULL, { ERR("#@a", "breakout: I4: resolver 10.40.0.53 lies outside the zones of the "
		      "breakout sources (zone 'dmz')") } },
	/* 7. I5 */
	{ "I5: no approval", BASE FLOWS(
	  FLOW("f", "peer", "lg1", "dz1", "proto = \"tcp\"; ports = [22]; "
	       "purpose = \"p\";") " #@a"),
	  NULL, { ERR("#@a", "flow 'f': I5: no approval id; a flow across zones is approved") } },
	{ "I5: no purpose", BASE FLOWS(
	  FLOW("f", "peer", "lg1", "dz1", "proto = \"tcp\"; ports = [22]; "
	       "approval = \"A\";") " #@a"),
	  NULL, { ERR("#@a", "flow 'f': I5: no purpose; a flow across zones states why") } },
	{ "I5: management without approval and purpose", BASE FLOWS(
	  FLOW("f", "management", "lg1", "gateway", "proto = \"tcp\"; ports = [22];") " #@a"),
	  NULL, { ERR("#@a", "flow 'f': I5: no approval id"),
		  ERR("#@a", "flow 'f': I5: no purpose") } },
	{ "I5: service without approval", BASE BREAKOUT("\"lgwan\"", "\"10.20.0.53\"",
	  SVC_CLOUD("x", "ismap = \"C-1\"; ismap_valid_until = \"2027-03-31\";") " #@a"),
	  NULL, { ERR("#@a", "service 'x': I5: service without an approval id") } },
	{ "I5: internal across zones", BASE FLOWS(
	  FLOW("f", "internal", "lg1", "dz1", OK443) " #@a"),
	  NULL, { ERR("#@a", "flow 'f': I5: class internal joins zones 'lgwan' and 'dmz'; an "
		      "internal flow stays in one zone") } },
	{ "I5: peer within one zone", BASE FLOWS(
	  FLOW("f", "peer", "lg1", "lg2", OK443) " #@a"),
	  NULL, { ERR("#@a", "flow 'f': I5: class 'peer' joins two different zones, but both ends "
		      "are in zone 'lgwan'; use class internal") } },
	{ "I5: screen transfer into lgwan", BASE FLOWS(
	  FLOW("f", "screen-transfer-into-mynumber", "dz1", "lg1", OK443) " #@a"),
	  NULL, { ERR("#@a", "flow 'f': I5: class screen-transfer-into-mynumber ends in zone "
		      "mynumber, not 'lgwan'") } },
	{ "I5: screen transfer within mynumber", BASE FLOWS(
	  FLOW("f", "screen-transfer-into-mynumber", "mn1", "mn2", OK443) " #@a"),
	  NULL, { ERR("#@a", "flow 'f': I5: class 'screen-transfer-into-mynumber' joins two "
		      "different zones, but both ends are in zone 'mynumber'") } },
	{ "I5: management without the gateway", BASE FLOWS(
	  FLOW("f", "management", "lg1", "dz1", OK22) " #@a"),
	  NULL, { ERR("#@a", "flow 'f': I5: a management flow has exactly one end 'gateway'") } },
	{ "I5: management gateway to gateway", BASE FLOWS(
	  FLOW("f", "management", "gateway", "gateway", OK22) " #@a"),
	  NULL, { ERR("#@a", "flow 'f': I5: a management flow has exactly one end 'gateway'") } },
	{ "I5: gateway in a peer flow", BASE FLOWS(
	  FLOW("f", "peer", "gateway", "dz1", OK22) " #@a"),
	  NULL, { ERR("#@a", "flow 'f': I5: 'gateway' may appear only in management flows") } },
	{ "I5: management from a zone", BASE FLOWS(
	  FLOW("f", "management", "dmz", "gateway", OK22) " #@a"),
	  NULL, { ERR("#@a", "flow 'f': I5: management from or to a whole zone") } },
	{ "I5: zone endpoint towards internet", BASE FLOWS(
	  FLOW("f", "peer", "dmz", "in1", OK443) " #@a"),
	  NULL, { ERR("#@a", "flow 'f': I5: endpoint 'dmz' is a whole zone; only internal or peer "
		      "flows between lgwan and other zones may name one") } },
	{ "I5: zone endpoint warned", BASE FLOWS(
	  FLOW("f", "peer", "lg-terms", "電子申請DMZ", OK443) " #@a"),
	  NULL, { WARN("#@a", "flow 'f': I5: endpoint '電子申請DMZ' is a whole zone; least "
		       "privilege asks for hosts or groups (R37)") } },
	{ "I5: flow name twice", BASE FLOWS(
	  FLOW("a", "peer", "lg1", "dz1", OK443) ",\n"
	  FLOW("b", "peer", "lg2", "dz1", OK443) " #@a"),
	  mut_dup_flow, { ERR("#@a", "flow 'a': I5: name already used at line 27") } },
	{ "I5: same traffic twice", BASE FLOWS(
	  FLOW("a", "peer", "lg1", "dz1", "proto = \"tcp\"; ports = [22, 443]; approval = \"A\"; "
	       "purpose = \"p\";") ",\n"
	  FLOW("b", "peer", "lg1", "dz1", "proto = \"tcp\"; ports = [\"400-500\"]; "
	       "approval = \"A\"; purpose = \"p\";") ", #@a\n"
	  FLOW("c", "peer", "lg1", "dz1", "proto = \"udp\"; ports = [443]; approval = \"A\"; "
	       "purpose = \"p\";"))
	  EXCS(EXC("EX-1", "lg1", "dz1", EXOK) " #@b"),
	  NULL, { WARN("#@a", "flow 'b': I5: same traffic as flow 'a' (line 27)"),
		  WARN("#@b", "exception 'EX-1': I5: same traffic as flow 'a' (line 27)") } },
	/* 8. I6 */
	{ "I6: requester approves", BASE EXCS(EXC("EX-1", "lg1", "dz1", "proto = \"tcp\"; "
	  "ports = [22]; reason = \"r\"; requested_by = \"Tanaka\"; approved_by = \"tanaka\"; "
	  "expires = \"2026-12-31T23:59:59+09:00\";") " #@a"),
	  NULL, { ERR("#@a", "exception 'EX-1': I6: requested and approved by 'tanaka'; requester "
		      "and approver must be different people (R61)") } },
	{ "I6: no reason, approver, expiry", BASE EXCS(EXC("EX-1", "lg1", "dz1", EXOK) " #@a"),
	  mut_no_reason, { ERR("#@a", "exception 'EX-1': I6: no reason (R58)"),
			   ERR("#@a", "exception 'EX-1': I6: no approved_by"),
			   ERR("#@a", "exception 'EX-1': I6: no expiry") } },
	{ "I6: expired", BASE EXCS(EXC("EX-1", "lg1", "dz1", "proto = \"tcp\"; ports = [22]; "
	  "reason = \"r\"; requested_by = \"a\"; approved_by = \"b\"; "
	  "expires = \"2026-05-31T23:59:59+09:00\";") " #@a"),
	  NULL, { WARN("#@a", "exception 'EX-1': I6: expired on 2026-05-31T23:59:59+09:00, "
		       "ignoring") } },
	{ "I6: exception to the gateway", BASE EXCS(EXC("EX-1", "lg1", "gateway", EXOK) " #@a"),
	  NULL, { ERR("#@a", "exception 'EX-1': I6: an exception may not touch the gateway") } },
	{ "I6: exception id twice", BASE EXCS(EXC("EX-1", "lg1", "dz1", EXOK) ",\n"
	  EXC("EX-2", "lg2", "dz1", EXOK) " #@a"),
	  mut_dup_exc, { ERR("#@a", "exception 'EX-1': I6: id already used at line 27") } },
	{ "I6: exception to a whole zone", BASE EXCS(EXC("EX-1", "lg1", "dmz", EXOK) " #@a"),
	  NULL, { WARN("#@a", "exception 'EX-1': I5: endpoint 'dmz' is a whole zone") } },
	{ "I4: service name twice", BASE BREAKOUT("\"lgwan\"", "\"10.20.0.53\"",
	  SVC_CLOUD("m365", ISMAP_OK) ",\n" SVC_CLOUD("m366", ISMAP_OK) " #@a"),
	  mut_dup_svc, { ERR("#@a", "service 'm365': I4: name already used at line 30") } },
	/* 9. The verdict engine: verdicts, breakout sources and DNS, fail_open, tunables */
	{ "verdict engine on a management flow", BASE FLOWS(
	  FLOW("ssh", "management", "lg1", "gateway", OK22 VERDICT("engine")) " #@a"),
	  NULL, { ERR("#@a", "flow 'ssh': I5: verdict \"engine\" on a management flow; traffic "
		      "of the gateway itself is decided in the kernel") } },
	{ "verdict out of range", BASE FLOWS(FLOW("f", "peer", "lg1", "dz1", OK443) " #@a"),
	  mut_bad_verdict, { ERR("#@a", "flow 'f': I5: unknown verdict 3") } },
	{ "I2: breakout from a mynumber group", BASE
	  BREAKOUT_AT("#@a", "\"mn-pair\"", "\"10.10.0.1\"", SVC_CLOUD("m365", ISMAP_OK)),
	  NULL, { ERR("#@a", "breakout: I2: no breakout from group 'mn-pair' in zone 'mynumber'") } },
	{ "I2: breakout from an internet group", WORLD("", ",\n  { name = \"in-g\"; members = "
	  "[\"in1\", \"10.30.1.0/24\"]; }") BREAKOUT_AT("#@a", "\"in-g\"", "\"10.30.1.53\"",
	  SVC_CLOUD("m365", ISMAP_OK)),
	  NULL, { ERR("#@a", "breakout: I2: breakout from group 'in-g' in zone 'internet': local "
		      "breakout leaves from lgwan (or another zone), not from internet (R25)") } },
	{ "I2: two hops through a breakout group", WORLD("", ",\n  { name = \"lg-low\"; "
	  "members = [\"10.20.0.0/28\"]; }") FLOWS(
	  FLOW("mn-lg", "public-system-via-lgwan", "mn1", "lg1", OK443) " #@a")
	  BREAKOUT("\"lg-low\"", "\"10.20.0.5\"", SVC_CLOUD("m365", ISMAP_OK)),
	  NULL, { ERR("#@a", "flow 'mn-lg': I2: path mynumber -> lg1 -> internet: 'lg1' is joined "
		      "with mynumber here and 'lg-low' reaches the internet zone by service "
		      "'m365' (line 34)") } },
	{ "I2: two hops through a host of a breakout group", WORLD("", ",\n  { name = \"lg-pair\"; "
	  "members = [\"lg1\", \"lg2\"]; }") FLOWS(
	  FLOW("mn-lg", "public-system-via-lgwan", "mn1", "lg2", OK443) " #@a")
	  BREAKOUT("\"lg-pair\"", "\"10.20.0.1\"", SVC_CLOUD("m365", ISMAP_OK)),
	  NULL, { ERR("#@a", "flow 'mn-lg': I2: path mynumber -> lg2 -> internet: 'lg2' is joined "
		      "with mynumber here and 'lg-pair' reaches the internet zone by service "
		      "'m365'") } },
	{ "I4: resolver outside the zone of the breakout group", BASE
	  BREAKOUT_AT("#@a", "\"lg-terms\"", "\"10.20.0.200\", \"10.20.0.53\", \"10.40.0.53\"",
		      SVC_CLOUD("m365", ISMAP_OK)),
	  NULL, { ERR("#@a", "breakout: I4: resolver 10.40.0.53 lies outside the zones of the "
		      "breakout sources (zone 'dmz')") } },
	{ "I2: a resolver of a breakout group talks with mynumber", BASE FLOWS(
	  FLOW("mn-lg", "public-system-via-lgwan", "mn1", "lg1", OK443) " #@a")
	  BREAKOUT("\"lg-terms\"", "\"10.20.0.1\"", SVC_CLOUD("m365", ISMAP_OK)),
	  NULL, { ERR("#@a", "flow 'mn-lg': I2: path mynumber -> lg1 -> internet: 'lg1' is joined "
		      "with mynumber here and 'resolver 10.20.0.1' reaches the internet zone by "
		      "the breakout resolvers") } },
	{ "upstreams outside the internet zone", BASE BREAKOUT_RAW("#@a", "  from = [\"lgwan\"];\n"
	  "  upstreams = [\"10.30.0.53\", \"10.10.0.53\", \"10.20.0.53\", \"fd10::53\", "
	  "\"2001:db8::53\"];\n", SVC_CLOUD("m365", ISMAP_OK)),
	  NULL, { ERR("#@a", "breakout: I2: upstream 10.10.0.53 lies in zone 'mynumber', not in "
		      "internet; upstream DNS servers are in the internet zone"),
		  ERR("#@a", "breakout: I1: upstream 10.20.0.53 lies in zone 'lgwan', not in "
		      "internet"),
		  ERR("#@a", "breakout: I2: upstream fd10::53 lies in zone 'mynumber'") } },
	{ "I1: upstream in no zone", HEAD("three-tier") ZONES(Z_MN Z_LG
	  "  internet: { interfaces = [\"in0\"]; networks = [\"10.30.0.0/16\"]; };\n")
	  BREAKOUT_RAW("#@a", "  from = [\"lgwan\"]; upstreams = [\"192.0.2.53\"];\n",
		       SVC_CLOUD("m365", ISMAP_OK)),
	  NULL, { ERR("#@a", "breakout: I1: upstream 192.0.2.53 lies in no zone's networks") } },
	{ "I4: dns+sni without upstreams", BASE BREAKOUT_RAW("#@a", "  from = [\"lgwan\"]; "
	  "resolvers = [\"10.20.0.53\"];\n", SVC_CLOUD("m365", ISMAP_OK) ",\n"
	  SVC_CLOUD("m366", ISMAP_OK)),
	  NULL, { ERR("#@a", "breakout: I4: service 'm365' matches dns+sni and needs upstreams: "
		      "the resolvers' answers are learned from their upstream servers") } },
	{ "I4: a disabled dns+sni service needs no upstreams", BASE
	  BREAKOUT_RAW("", "  from = [\"lgwan\"];\n", SVC_CLOUD("x", "ismap = \"C-1\"; "
	  "ismap_valid_until = \"2026-03-31\"; approval = \"AP-9\";") " #@a"),
	  NULL, { WARN("#@a", "service 'x': I4: ISMAP registration expired") } },
	{ "I2: fail_open into mynumber", BASE ENGINE("#@a", "\"lgwan>mynumber\""),
	  NULL, { ERR("#@a", "engine: I2: fail_open 'lgwan>mynumber': traffic to or from mynumber "
		      "is never accepted unchecked; the engine fails closed there") } },
	{ "I2: fail_open out of mynumber", BASE ENGINE("#@a", "\"マイナンバー利用事務系>dmz\""),
	  NULL, { ERR("#@a", "engine: I2: fail_open 'マイナンバー利用事務系>dmz': traffic to or "
		      "from mynumber") } },
	{ "I4: fail_open between lgwan and internet", BASE
	  ENGINE("#@a", "\"lgwan>internet\", \"インターネット接続系 > イントラ系\""),
	  NULL, { ERR("#@a", "engine: I4: fail_open 'lgwan>internet': breakout and sanitised "
		      "relays between lgwan and internet fail closed"),
		  ERR("#@a", "engine: I4: fail_open 'インターネット接続系 > イントラ系': breakout") } },
	{ "I1: fail_open with an unknown zone", BASE ENGINE("#@a", "\"lgwan>dmz2\", \"x>dmz\""),
	  NULL, { ERR("#@a", "engine: I1: fail_open 'lgwan>dmz2': unknown zone 'dmz2'"),
		  ERR("#@a", "engine: I1: fail_open 'x>dmz': unknown zone 'x'") } },
	{ "I1: fail_open not a pair", BASE ENGINE("#@a", "\"lgwan>dmz\""),
	  mut_fail_open_bad, { ERR("#@a", "engine: I1: fail_open 'lgwan' is not a zone pair "
				   "\"from>to\"") } },
	{ "fail_open warned", BASE ENGINE("#@a", "\"lgwan>dmz\", \"dmz > internet\", "
	  "\"電子申請DMZ>dmz\""),
	  NULL, { WARN("#@a", "engine: fail_open 'lgwan>dmz': new connections of lgwan>dmz are "
		       "accepted unchecked while the engine is down"),
		  WARN("#@a", "engine: fail_open 'dmz > internet': new connections of "
		       "dmz>internet are accepted unchecked"),
		  WARN("#@a", "engine: fail_open '電子申請DMZ>dmz': new connections of dmz>dmz") } },
	{ "engine tunables out of range", BASE "engine: { queues = 2; }; #@a\n",
	  mut_engine_limits, { ERR("#@a", "engine: queues: 9 is out of range 1-8"),
			       ERR("#@a", "engine: queue_base: 65535 is out of range 0-65534"),
			       ERR("#@a", "engine: queue_maxlen: 8 is out of range 16-65536") } },
	{ "breakout tunables out of range", BASE BREAKOUT_AT("#@a", "\"lgwan\"", "\"10.20.0.53\"",
	  SVC_CLOUD("m365", ISMAP_OK)),
	  mut_breakout_limits, { ERR("#@a", "breakout: dns_floor: 0 is out of range 1-86400"),
				 ERR("#@a", "breakout: dns_grace: -1 is out of range 0-86400"),
				 ERR("#@a", "breakout: dns_max: 2000000 is out of range "
				     "16-1048576"),
				 ERR("#@a", "breakout: ech: 7 is out of range 0-1") } },
	/* several violations at once: all of them, each at its line */
	{ "several violations", WORLD(",\n  { name = \"h\"; zone = \"lgwan\"; "
	  "ipv4 = \"10.10.0.77\"; } #@a", "")
	  FLOWS(FLOW("f", "peer", "mn1", "in1", OK443) ", #@b\n"
	  FLOW("g", "peer", "mn-nomac", "lg2", OK443) ", #@c\n"
	  FLOW("k", "peer", "lg1", "in2", OK443) " #@d")
	  EXCS(EXC("EX-1", "lg1", "dz1", "proto = \"tcp\"; ports = [22]; reason = \"r\"; "
	  "requested_by = \"sato\"; approved_by = \"SATO\"; "
	  "expires = \"2026-12-31T23:59:59+09:00\";") " #@e"),
	  NULL, { ERR("#@a", "host 'h': I1: address 10.10.0.77 lies in the networks of zone "
		      "'mynumber'"),
		  ERR("#@b", "flow 'f': I2: joins zones 'mynumber' and 'internet'"),
		  ERR("#@c", "flow 'g': I3: host 'mn-nomac' has no MAC"),
		  ERR("#@d", "flow 'k': I4: class 'peer' between lgwan and internet"),
		  ERR("#@e", "exception 'EX-1': I6: requested and approved by 'SATO'") } },
};

START_TEST(test_refused)
{
	run_case(&refused[_i]);
}
END_TEST

static const struct vcase accepted[] = {
	{ "base world", BASE, NULL, { { NULL, 0, NULL } } },
	{ "model lgwan-internet", HEAD("lgwan-internet") ZONES(Z_LG Z_IN Z_DMZ)
	  "hosts: (\n  { name = \"lg1\"; zone = \"lgwan\"; ipv4 = \"10.20.0.1\"; },\n"
	  "  { name = \"in1\"; zone = \"internet\"; ipv4 = \"192.0.2.1\"; }\n);\n"
	  FLOWS(RELAY("m", "mail-text", "in1", "lg1", OK443)), NULL, { { NULL, 0, NULL } } },
	{ "model mynumber-internet", HEAD("mynumber-internet") ZONES(Z_MN Z_IN)
	  "hosts: (\n  { name = \"mn1\"; zone = \"個人番号利用事務系\"; mac = "
	  "\"02:00:00:00:00:01\"; ipv4 = \"10.10.0.1\"; }\n);\n", NULL, { { NULL, 0, NULL } } },
	{ "group of hosts and prefixes in one zone", WORLD("", ",\n  { name = \"g\"; members = "
	  "[\"lg1\", \"lg2\", \"10.20.0.64/26\"]; },\n  { name = \"net\"; members = "
	  "[\"203.0.113.0/24\", \"in1\"]; }"), NULL, { { NULL, 0, NULL } } },
	{ "segment of another zone on any line", HEAD("three-tier") ZONES(Z_MN Z_LG Z_IN Z_DMZ)
	  SEGS(SEG_GC ",\n  { name = \"partner\"; zone = \"dmz\"; link = \"vpn\"; "
	       "interface = \"pv0\"; networks = [\"10.60.0.0/16\"]; }"),
	  NULL, { { NULL, 0, NULL } } },
	{ "every flow class done right", BASE FLOWS(
	  FLOW("pub", "public-system-via-lgwan", "mn1", "lg1", OK443) ",\n"
	  FLOW("pub-ping", "public-system-via-lgwan", "lg1", "mn1",
	       "proto = \"icmp\"; approval = \"A\"; purpose = \"p\";") ",\n"
	  FLOW("gov", "internal", "mn1", "gc1", "proto = \"tcp\"; ports = [5432];") ",\n"
	  FLOW("mn-int", "internal", "mn1", "mn2", "proto = \"tcp\"; ports = [5432];") ",\n"
	  FLOW("scr", "screen-transfer-into-mynumber", "lg-terms", "mn2", OK443) ",\n"
	  FLOW("scr-host", "screen-transfer-into-mynumber", "lg1", "mn1", OK443) ",\n"
	  RELAY("mail", "mail-text", "in1", "lg2", "proto = \"tcp\"; ports = [25]; "
		"approval = \"A\"; purpose = \"p\";") ",\n"
	  RELAY("file", "file-sanitise", "in2", "lg2", OK22) ",\n"
	  RELAY("screen", "screen-transfer", "lg-terms", "in1", "proto = \"tcp\"; ports = [8443]; "
		"approval = \"A\"; purpose = \"p\";") ",\n"
	  FLOW("peer", "peer", "lg-terms", "dz1", "proto = \"udp\"; ports = [514]; "
	       "approval = \"A\"; purpose = \"p\";") ",\n"
	  FLOW("lg-int", "internal", "lg1", "lg-terms",
	       "proto = \"tcp\"; ports = [\"1-65535\"];") ",\n"
	  FLOW("dmz-in", "peer", "dz1", "in1", OK443) ",\n"
	  FLOW("ssh", "management", "lg1", "gateway", OK22) ",\n"
	  FLOW("mn-ssh", "management", "mn1", "gateway", OK22) ",\n"
	  FLOW("snmp", "management", "gateway", "lg2", "proto = \"udp\"; ports = [162]; "
	       "approval = \"A\"; purpose = \"p\";"))
	  EXCS(EXC("EX-1", "lg1", "dz1", EXOK) ",\n" EXC("EX-2", "mn2", "lg1", EXOK)),
	  NULL, { { NULL, 0, NULL } } },
	{ "breakout done right", BASE FLOWS(
	  FLOW("scr", "screen-transfer-into-mynumber", "lg-terms", "mn2", OK443) ",\n"
	  RELAY("screen", "screen-transfer", "lg-terms", "in1", OK443))
	  BREAKOUT("\"lgwan\", \"dmz\"", "\"10.20.0.53\", \"10.40.0.53\"",
	  SVC_CLOUD("m365", ISMAP_OK) ",\n" SVC_SEC("av", SEC_OK) ",\n"
	  "    { name = \"ipsvc\"; ismap = \"C-2\"; ismap_valid_until = \"2026-06-01\"; "
	  "approval = \"A\"; match = \"ip\"; prefixes = [\"198.51.100.0/24\"]; ports = [443]; }"),
	  NULL, { { NULL, 0, NULL } } },
	{ "breakout from a group beside a public-system flow", BASE FLOWS(
	  FLOW("mn-lg", "public-system-via-lgwan", "mn1", "lg1", OK443))
	  BREAKOUT("\"lg-terms\"", "\"10.20.0.200\"", SVC_CLOUD("m365", ISMAP_OK)),
	  NULL, { { NULL, 0, NULL } } },
	{ "breakout from a group of hosts and a zone", WORLD("", ",\n  { name = \"lg-pair\"; "
	  "members = [\"lg2\", \"10.20.0.64/28\"]; }") FLOWS(
	  FLOW("mn-lg", "public-system-via-lgwan", "mn1", "lg1", OK443))
	  BREAKOUT("\"lg-pair\", \"dmz\"", "\"10.20.0.2\", \"10.20.0.70\", \"10.40.0.53\"",
		   SVC_CLOUD("m365", ISMAP_OK)),
	  NULL, { { NULL, 0, NULL } } },
	{ "breakout by name or address only needs no upstreams", BASE
	  BREAKOUT_RAW("", "  from = [\"lgwan\"]; dns_floor = 300; ech = \"outer-sni\";\n",
	  SVC_SEC("av", SEC_OK " match = \"sni\";") ",\n"
	  "    { name = \"ipsvc\"; ismap = \"C-2\"; ismap_valid_until = \"2027-06-01\"; "
	  "approval = \"A\"; match = \"ip\"; prefixes = [\"198.51.100.0/24\"]; ports = [443]; }"),
	  NULL, { { NULL, 0, NULL } } },
	{ "verdicts written", BASE FLOWS(
	  FLOW("peer-e", "peer", "lg1", "dz1", OK443 VERDICT("engine")) ",\n"
	  FLOW("pub-k", "public-system-via-lgwan", "mn1", "lg1", OK443 VERDICT("kernel")) ",\n"
	  FLOW("pub-e", "public-system-via-lgwan", "mn2", "lg1", OK443 VERDICT("engine")) ",\n"
	  FLOW("ssh-k", "management", "lg1", "gateway", OK22 VERDICT("kernel"))),
	  NULL, { { NULL, 0, NULL } } },
	{ "R5: peers attested internet_connected = false; true off mynumber", WORLD(",\n"
	  "  { name = \"lg-no\"; zone = \"lgwan\"; ipv4 = \"10.20.0.9\"; internet_connected = "
	  "false; },\n  { name = \"lg-ic\"; zone = \"lgwan\"; ipv4 = \"10.20.0.8\"; "
	  "internet_connected = true; }", "") FLOWS(
	  FLOW("mn-no", "public-system-via-lgwan", "mn1", "lg-no", OK443) ",\n"
	  FLOW("lg-lg", "internal", "lg1", "lg-ic", OK443)), NULL, { { NULL, 0, NULL } } },
	{ "breakout: psl_override, a 16-port range, port 80 without tls", BASE
	  BREAKOUT("\"lgwan\"", "\"10.20.0.53\"",
	  "    { name = \"x\"; type = \"cloud\"; fqdns = [\"*.cloudfront.net\"]; ports = [443]; "
	  "psl_override = \"CDN of the approved SaaS\"; " ISMAP_OK " },\n"
	  "    { name = \"y\"; type = \"cloud\"; fqdns = [\"y.example.com\"]; ports = "
	  "[\"8000-8015\"]; " ISMAP_OK " },\n"
	  "    { name = \"z\"; type = \"cloud\"; fqdns = [\"z.example.com\"]; ports = [80]; "
	  ISMAP_OK " }"), NULL, { { NULL, 0, NULL } } },
	{ "engine section at its limits", BASE "engine: { queues = 8; queue_base = 65527; "
	  "queue_maxlen = 16; fail_open = []; };\n", NULL, { { NULL, 0, NULL } } },
};

START_TEST(test_accepted)
{
	run_case(&accepted[_i]);
}
END_TEST

/* ---------------------------------------------------------------------------------------- */
/* Shipped configs, reachability, matrix, lookups */

START_TEST(test_shipped_confs)
{
	glob_t g;
	size_t i;

	ck_assert_int_eq(glob("conf/*.conf", 0, NULL, &g), 0);
	ck_assert_uint_gt(g.gl_pathc, 0);
	for (i = 0; i < g.gl_pathc; i++) {
		struct policy *p = NULL;
		struct diag d;

		diag_init(&d);
		ck_assert_msg(conf_load_file(g.gl_pathv[i], &p, &d) == 0, "%s:\n%s", g.gl_pathv[i],
			      diag_text(&d));
		ck_assert_msg(policy_validate(p, NOW, &d) == 0 && d.errors == 0, "%s:\n%s",
			      g.gl_pathv[i], diag_text(&d));
		ck_assert(p->validated);
		policy_free(p);
		diag_fini(&d);
	}
	globfree(&g);
}
END_TEST

static const char reach_conf[] = BASE FLOWS(
	FLOW("pub", "public-system-via-lgwan", "mn1", "lg1", OK443) ",\n"
	FLOW("gov", "internal", "mn1", "gc1", "proto = \"tcp\"; ports = [5432];") ",\n"
	RELAY("mail", "mail-text", "in1", "lg2", OK443) ",\n"
	FLOW("ssh", "management", "lg2", "gateway", OK22))
	EXCS(EXC("EX-1", "lg2", "dz1", EXOK) ",\n"
	     EXC("EX-old", "dz1", "lg2", "proto = \"tcp\"; ports = [22]; reason = \"r\"; "
		 "requested_by = \"a\"; approved_by = \"b\"; expires = \"2020-01-01T00:00:00Z\";"))
	BREAKOUT("\"dmz\"", "\"10.40.0.53\"", SVC_SEC("av", SEC_OK) ",\n"
		 SVC_CLOUD("old", "ismap = \"C-1\"; ismap_valid_until = \"2026-05-31\"; "
			   "approval = \"A\";"));

START_TEST(test_reach)
{
	struct diag d;
	struct policy *p;
	int mn, lg, in, dz;

	diag_init(&d);
	p = load(reach_conf, &d);
	ck_assert_int_eq(policy_validate(p, NOW, &d), 0);
	ck_assert_int_eq(d.errors, 0);
	ck_assert_int_eq(d.warnings, 2);		/* EX-old, old */
	mn = policy_zone_find(p, "マイナンバー利用事務系");
	lg = policy_zone_find(p, "lgwan");
	in = policy_zone_find(p, "INTERNET");
	dz = policy_zone_find(p, "電子申請DMZ");
	ck_assert(mn == 0 && lg == 1 && in == 2 && dz == 3);
	ck_assert_uint_eq(p->reach[mn][lg], 1U << FLOW_PUBLIC_VIA_LGWAN);
	ck_assert_uint_eq(p->reach[mn][mn], 1U << FLOW_INTERNAL);
	ck_assert_uint_eq(p->reach[in][lg], 1U << FLOW_SANITISED_RELAY);
	ck_assert_uint_eq(p->reach[dz][in], REACH_BREAKOUT);
	ck_assert_uint_eq(p->reach[lg][in], 0);
	ck_assert_uint_eq(p->reach[lg][dz], REACH_EXCEPTION);
	ck_assert_uint_eq(p->reach[dz][lg], 0);		/* expired */
	ck_assert_uint_eq(p->reach[mn][in] | p->reach[in][mn], 0);
	ck_assert(p->exceptions[1].expired && !p->exceptions[0].expired);
	ck_assert(p->breakout.services[1].disabled && !p->breakout.services[0].disabled);
	ck_assert_int_eq(p->breakout.from[0], dz);
	ck_assert_int_eq(p->flows[3].to.kind, EP_GATEWAY);
	ck_assert_int_eq(p->flows[3].to.zone, -1);
	ck_assert_int_eq(p->flows[0].from.kind, EP_HOST);
	ck_assert_int_eq(p->flows[0].to.zone, lg);
	policy_free(p);
	diag_fini(&d);
}
END_TEST

static char *matrix(const struct policy *p)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(policy_print_matrix(p, f), 0);
	fclose(f);
	return buf;
}

START_TEST(test_matrix)
{
	struct diag d;
	struct policy *p;
	char *a, *b, *line;

	diag_init(&d);
	p = load(reach_conf, &d);
	ck_assert_int_eq(policy_validate(p, NOW, &d), 0);
	a = matrix(p);
	b = matrix(p);
	ck_assert_str_eq(a, b);
	ck_assert_ptr_nonnull(strstr(a, "テスト町情報セキュリティポリシー 第1版"));
	ck_assert_ptr_nonnull(strstr(a, "organisation: テスト町"));
	ck_assert_ptr_nonnull(strstr(a, "# status: validated"));
	ck_assert_ptr_nonnull(strstr(a, "#   mynumber   マイナンバー利用事務系\n"));
	ck_assert_ptr_nonnull(strstr(a, "#   dmz        電子申請DMZ\n"));
	ck_assert_ptr_nonnull(strstr(a, "# mynumber -> lgwan: public-system-via-lgwan\n"));
	ck_assert_ptr_nonnull(strstr(a, "# mynumber -> internet: none (I2)\n"));
	ck_assert_ptr_nonnull(strstr(a, "# internet -> mynumber: none (I2)\n"));
	ck_assert_ptr_nonnull(strstr(a, "# dmz -> internet: breakout\n"));
	ck_assert_ptr_nonnull(strstr(a, "# lgwan -> dmz: exception\n"));
	ck_assert_ptr_nonnull(strstr(a, "# dmz -> lgwan: none\n"));
	ck_assert_ptr_nonnull(strstr(a, "# from \\ to  mynumber  lgwan"));
	ck_assert_ptr_null(strstr(a, "dmz -> dmz"));
	ck_assert(strstr(a, "# mynumber -> lgwan") < strstr(a, "# lgwan -> mynumber"));
	for (line = a; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL)
		ck_assert_msg(line[0] == '#', "not a comment: %.40s", line);
	free(a);
	free(b);
	p->validated = false;
	a = matrix(p);
	ck_assert_ptr_nonnull(strstr(a, "NOT VALIDATED"));
	free(a);
	ck_assert_int_eq(policy_print_matrix(NULL, stdout), -EINVAL);
	ck_assert_int_eq(policy_print_matrix(p, NULL), -EINVAL);
	policy_free(p);
	diag_fini(&d);
}
END_TEST

START_TEST(test_find)
{
	struct diag d;
	struct policy *p;

	diag_init(&d);
	p = load(BASE, &d);
	/* before validation: a linear scan */
	ck_assert_int_eq(policy_host_find(p, "lg2"), 5);
	ck_assert_int_eq(policy_group_find(p, "mn-pair"), 1);
	ck_assert_int_eq(policy_validate(p, NOW, &d), 0);
	ck_assert_ptr_nonnull(p->index);
	ck_assert_int_eq(policy_host_find(p, "mn1"), 0);
	ck_assert_int_eq(policy_host_find(p, "dz1"), 8);
	ck_assert_int_eq(policy_host_find(p, "lg-terms"), -1);
	ck_assert_int_eq(policy_host_find(p, "nobody"), -1);
	ck_assert_int_eq(policy_group_find(p, "lg-terms"), 0);
	ck_assert_int_eq(policy_group_find(p, "mn1"), -1);
	ck_assert_int_eq(policy_zone_find(p, "dmz"), 3);
	ck_assert_int_eq(policy_zone_find(p, "イントラネット系"), 1);
	ck_assert_int_eq(policy_zone_find(p, "mn1"), -1);
	ck_assert_int_eq(policy_host_find(NULL, "mn1"), -1);
	ck_assert_int_eq(policy_host_find(p, NULL), -1);
	ck_assert_int_eq(policy_group_find(NULL, "x"), -1);
	ck_assert_int_eq(policy_zone_find(NULL, "lgwan"), -1);
	ck_assert_int_eq(policy_zone_find(p, NULL), -1);
	ck_assert_int_eq(p->hosts[3].zone, 0);	/* gc1: the segment's zone */
	ck_assert_int_eq(p->segments[0].zone, 0);
	ck_assert_int_eq(p->groups[0].zone, 1);
	ck_assert_int_eq(p->zones[2].role, ZONE_INTERNET);
	policy_free(p);
	diag_fini(&d);
}
END_TEST

/* Validating twice gives the same answer; no diag is fine; NULL is refused. */
START_TEST(test_revalidate)
{
	struct diag d, d2;
	struct policy *p;
	const char *conf = BASE FLOWS(FLOW("f", "peer", "mn1", "in1", OK443) ",\n"
				      FLOW("g", "peer", "lg1", "lg2", OK443));

	diag_init(&d);
	diag_init(&d2);
	p = load(conf, &d);
	ck_assert_int_eq(policy_validate(p, NOW, &d), -EINVAL);
	ck_assert_int_eq(policy_validate(p, NOW, &d2), -EINVAL);
	ck_assert_int_eq(d.n, 2);
	ck_assert_int_eq(d2.n, 2);
	ck_assert_str_eq(d.v[0].msg, d2.v[0].msg);
	ck_assert_int_eq(policy_validate(p, NOW, NULL), -EINVAL);
	ck_assert(!p->validated);
	ck_assert_uint_eq(p->reach[0][2], 0);
	ck_assert_int_eq(policy_validate(NULL, NOW, &d), -EINVAL);
	policy_free(p);
	diag_fini(&d);
	diag_fini(&d2);
}
END_TEST

/* ---------------------------------------------------------------------------------------- */
/* The verdict engine: resolved values, the normalized form after validation */

/* Validated text -> print -> load -> validate -> print: the same text. Returns the first. */
static char *validated_roundtrip(const char *conf)
{
	struct diag d;
	struct policy *p, *q;
	char *a, *b;

	diag_init(&d);
	p = load(conf, &d);
	ck_assert_msg(policy_validate(p, NOW, &d) == 0, "%s", diag_text(&d));
	a = printed(p);
	diag_fini(&d);
	diag_init(&d);
	q = load(a, &d);
	ck_assert_msg(policy_validate(q, NOW, &d) == 0, "%s\n%s", a, diag_text(&d));
	b = printed(q);
	ck_assert_str_eq(a, b);
	free(b);
	policy_free(p);
	policy_free(q);
	diag_fini(&d);
	return a;
}

static const char verdict_conf[] = BASE FLOWS(
	FLOW("pub", "public-system-via-lgwan", "mn1", "lg1", OK443) ",\n"
	FLOW("pub-k", "public-system-via-lgwan", "lg1", "mn2", OK443 VERDICT("kernel")) ",\n"
	FLOW("gov", "internal", "mn1", "gc1", "proto = \"tcp\"; ports = [5432];") ",\n"
	FLOW("peer", "peer", "lg1", "dz1", OK443) ",\n"
	FLOW("peer-e", "peer", "lg2", "dz1", OK443 VERDICT("engine")) ",\n"
	FLOW("peer-k", "peer", "dz1", "lg2", OK443 VERDICT("kernel")) ",\n"
	FLOW("mn-ssh", "management", "mn1", "gateway", OK22) ",\n"
	FLOW("gw-lg", "management", "gateway", "lg-terms", OK22 VERDICT("kernel")) ",\n"
	FLOW("scr", "screen-transfer-into-mynumber", "lg-terms", "mn2", OK443 VERDICT("engine")))
	"engine: { queues = 2; fail_open = [\"イントラネット系>電子申請DMZ\"]; };\n";

/* Without a verdict: engine when a flow touches mynumber (not management), else kernel. A
 * verdict is printed only where it differs from that. */
START_TEST(test_verdicts)
{
	static const enum flow_verdict want[] = {
		VERDICT_ENGINE, VERDICT_KERNEL, VERDICT_ENGINE, VERDICT_KERNEL, VERDICT_ENGINE,
		VERDICT_KERNEL, VERDICT_KERNEL, VERDICT_KERNEL, VERDICT_ENGINE,
	};
	struct diag d;
	struct policy *p;
	char *out;
	size_t i;

	diag_init(&d);
	p = load(verdict_conf, &d);
	ck_assert_int_eq(p->n_flows, (int)(sizeof(want) / sizeof(want[0])));
	ck_assert_int_eq(p->flows[0].verdict, VERDICT_DEFAULT);
	ck_assert_int_eq(policy_validate(p, NOW, &d), 0);
	ck_assert_int_eq(d.warnings, 1);		/* fail_open */
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		ck_assert_msg(p->flows[i].verdict == want[i], "flow %s: verdict %d", p->flows[i].name,
			      p->flows[i].verdict);
	ck_assert_int_eq(p->engine.fail_open_from[0], 1);
	ck_assert_int_eq(p->engine.fail_open_to[0], 3);
	/* validating again gives the same */
	ck_assert_int_eq(policy_validate(p, NOW, &d), 0);
	ck_assert_int_eq(p->flows[0].verdict, VERDICT_ENGINE);
	ck_assert_int_eq(p->flows[3].verdict, VERDICT_KERNEL);
	policy_free(p);
	diag_fini(&d);
	out = validated_roundtrip(verdict_conf);
	ck_assert_ptr_nonnull(strstr(out, "to = \"mn2\"; proto = \"tcp\"; ports = [443]; "
				     "approval = \"AP-1\"; purpose = \"業務\"; verdict = \"kernel\"; }"));
	ck_assert_ptr_nonnull(strstr(out, "to = \"dz1\"; proto = \"tcp\"; ports = [443]; "
				     "approval = \"AP-1\"; purpose = \"業務\"; verdict = \"engine\"; }"));
	ck_assert_int_eq(count(out, "verdict = "), 2);
	ck_assert_ptr_nonnull(strstr(out, "\nengine: {\n\tqueues = 2; queue_base = 0; "
				     "queue_maxlen = 4096;\n\tfail_open = [\"lgwan>dmz\"];\n};\n"));
	free(out);
}
END_TEST

static const char group_conf[] = WORLD("", ",\n  { name = \"lg-pair\"; members = [\"lg2\", "
	"\"10.20.0.64/28\"]; }") FLOWS(
	FLOW("mn-lg", "public-system-via-lgwan", "mn1", "lg1", OK443))
	BREAKOUT("\"lg-terms\", \"電子申請DMZ\", \"lg-pair\"",
		 "\"10.20.0.200\", \"10.40.0.53\", \"10.20.0.2\", \"10.20.0.70\"",
		 SVC_CLOUD("m365", ISMAP_OK));

/* Breakout sources resolve to zones or groups; a group's zone reaches the internet. */
START_TEST(test_breakout_group)
{
	struct diag d;
	struct policy *p;
	const struct breakout *b;
	char *out;

	diag_init(&d);
	p = load(group_conf, &d);
	ck_assert_msg(policy_validate(p, NOW, &d) == 0 && d.n == 0, "%s", diag_text(&d));
	b = &p->breakout;
	ck_assert_int_eq(b->n_from, 3);
	ck_assert_int_eq(b->from[0], -1);
	ck_assert_int_eq(b->from_group[0], 0);
	ck_assert_int_eq(b->from[1], 3);
	ck_assert_int_eq(b->from_group[1], -1);
	ck_assert_int_eq(b->from[2], -1);
	ck_assert_int_eq(b->from_group[2], 2);
	ck_assert_int_eq(b->n_upstreams, 1);
	ck_assert_uint_eq(p->reach[1][2], REACH_BREAKOUT);
	ck_assert_uint_eq(p->reach[3][2], REACH_BREAKOUT);
	ck_assert_uint_eq(p->reach[0][2], 0);
	policy_free(p);
	diag_fini(&d);
	out = validated_roundtrip(group_conf);
	ck_assert_ptr_nonnull(strstr(out, "\tfrom = [\"lg-terms\", \"dmz\", \"lg-pair\"];\n"));
	ck_assert_ptr_nonnull(strstr(out, "\n\tupstreams = [\"10.30.0.53\"];\n\tdns_floor = 60; "
				     "dns_grace = 30; dns_ttl_max = 3600; dns_max = 65536; ech = \"outer-sni\";\n"));
	ck_assert_ptr_null(strstr(out, "\nengine:"));
	free(out);
}
END_TEST

/* The shipped three-tier policy with local breakout: from the terminals' group it validates
 * (jlis-gw, which talks with mynumber, is not a terminal); from all of lgwan it does not. */
START_TEST(test_three_tier_breakout)
{
	static const char tail[] =
		"breakout: {\n  from = [\"%s\"];\n  resolvers = [\"%s\"];\n"
		"  upstreams = [\"10.30.0.53\", \"2001:db8::53\"];\n  services: (\n"
		SVC_CLOUD("m365", ISMAP_OK) "\n  );\n};\n";
	const char *from[] = { "lg-terminals", "lgwan" }, *res[] = { "10.20.0.200", "10.20.0.53" };
	char *text = NULL, *all = NULL;
	struct policy *p;
	struct diag d;
	size_t len = 0;
	FILE *f = fopen("conf/three-tier.conf", "re");
	int i;

	ck_assert_ptr_nonnull(f);
	ck_assert_int_ge(getdelim(&text, &len, '\0', f), 1);
	fclose(f);
	for (i = 0; i < 2; i++) {
		char *b = NULL;

		ck_assert_int_ge(asprintf(&b, tail, from[i], res[i]), 0);
		ck_assert_int_ge(asprintf(&all, "%s%s", text, b), 0);
		free(b);
		diag_init(&d);
		p = load(all, &d);
		if (i == 0) {
			ck_assert_msg(policy_validate(p, NOW, &d) == 0 && d.n == 0, "%s",
				      diag_text(&d));
			ck_assert_int_eq(p->breakout.from_group[0], policy_group_find(p,
										  "lg-terminals"));
			ck_assert_uint_eq(p->reach[1][2], (1U << FLOW_SANITISED_RELAY) |
							  REACH_BREAKOUT);
			ck_assert_int_eq(p->flows[0].verdict, VERDICT_ENGINE);	/* juki-jlis */
			ck_assert_int_eq(p->flows[4].verdict, VERDICT_KERNEL);	/* screen */
		} else {
			ck_assert_int_eq(policy_validate(p, NOW, &d), -EINVAL);
			ck_assert_msg(d.errors == 1 && strstr(d.v[0].msg, "flow 'juki-jlis': I2: path "
				      "mynumber -> jlis-gw -> internet: 'jlis-gw' is joined with "
				      "mynumber here and its zone 'lgwan' reaches the internet zone by "
				      "service 'm365'"), "%s", diag_text(&d));
		}
		policy_free(p);
		diag_fini(&d);
		free(all);
	}
	free(text);
}
END_TEST

/* ---------------------------------------------------------------------------------------- */
/* Policies built by hand: more zones than allowed, and the size budget. */

static struct prefix pfx4(uint32_t a, int len)
{
	struct prefix x = { .family = AF_INET, .len = (uint8_t)len };

	x.addr[0] = (uint8_t)(a >> 24);
	x.addr[1] = (uint8_t)(a >> 16);
	x.addr[2] = (uint8_t)(a >> 8);
	x.addr[3] = (uint8_t)a;
	return x;
}

static void *zalloc(struct policy *p, size_t n, size_t sz)
{
	void *r = policy_alloc(p, n ? n * sz : 1);

	ck_assert_ptr_nonnull(r);
	return r;
}

static void hb_zone(struct policy *p, int i, const char *id, uint32_t net, int len, bool any)
{
	struct zone *z = &p->zones[i];

	snprintf(z->id, sizeof(z->id), "%s", id);
	snprintf(z->ifaces[0], sizeof(z->ifaces[0]), "if%d", i);
	z->n_ifaces = 1;
	z->any = any;
	z->loc.line = i + 1;
	if (any)
		return;
	z->nets = zalloc(p, 1, sizeof(*z->nets));
	z->nets[0] = pfx4(net, len);
	z->n_nets = 1;
}

START_TEST(test_too_many_zones)
{
	struct policy *p = policy_new("hand.conf");
	struct diag d;
	char id[16];
	int i;

	ck_assert_ptr_nonnull(p);
	diag_init(&d);
	p->n_zones = POLICY_ZONES_MAX + 3;
	p->zones = zalloc(p, (size_t)p->n_zones, sizeof(*p->zones));
	hb_zone(p, 0, "mynumber", 0x0a000000, 16, false);
	hb_zone(p, 1, "lgwan", 0x0a010000, 16, false);
	hb_zone(p, 2, "internet", 0, 0, true);
	for (i = 3; i < p->n_zones; i++) {
		snprintf(id, sizeof(id), "z%d", i);
		hb_zone(p, i, id, 0x0b000000 + ((uint32_t)i << 16), 16, false);
	}
	ck_assert_int_eq(policy_validate(p, NOW, &d), -EINVAL);
	ck_assert_int_eq(d.errors, 1);
	ck_assert_int_eq(d.v[0].line, POLICY_ZONES_MAX + 1);
	ck_assert_ptr_nonnull(strstr(d.v[0].msg, "zone 'z16': I1: more than 16 zones"));
	ck_assert_int_eq(policy_zone_find(p, "z17"), -1);
	policy_free(p);
	diag_fini(&d);
}
END_TEST

#define BIG_HOSTS	10000
#define BIG_GROUPS	10000
#define BIG_MEMBERS	10		/* 100k prefixes */
#define BIG_FLOWS	10000
#define BIG_MN		1000

static void big_hosts(struct policy *p)
{
	int i;

	p->n_hosts = BIG_HOSTS;
	p->hosts = zalloc(p, BIG_HOSTS, sizeof(*p->hosts));
	for (i = 0; i < BIG_HOSTS; i++) {
		struct host *h = &p->hosts[i];
		bool mn = i < BIG_MN;
		struct prefix a = pfx4((mn ? 0x0a000000u : 0xc0a80000u) + (uint32_t)i + 1, 32);

		snprintf(h->name, sizeof(h->name), "h%d", i);
		h->zone_name = policy_strdup(p, mn ? "mynumber" : "dmz");
		ck_assert_ptr_nonnull(h->zone_name);
		h->has4 = true;
		memcpy(h->ip4, a.addr, 4);
		h->has_mac = mn;
		h->mac[0] = 2;
		h->mac[4] = (uint8_t)(i >> 8);
		h->mac[5] = (uint8_t)i;
		h->loc.line = 100 + i;
	}
}

static void big_groups(struct policy *p)
{
	int i, k;

	p->n_groups = BIG_GROUPS;
	p->groups = zalloc(p, BIG_GROUPS, sizeof(*p->groups));
	for (i = 0; i < BIG_GROUPS; i++) {
		struct group *g = &p->groups[i];

		snprintf(g->name, sizeof(g->name), "g%d", i);
		g->members = zalloc(p, BIG_MEMBERS, sizeof(*g->members));
		g->n_members = BIG_MEMBERS;
		for (k = 0; k < BIG_MEMBERS; k++) {
			g->members[k].kind = MEMBER_PREFIX;
			g->members[k].pfx = pfx4(0xac100000u + (uint32_t)(i * BIG_MEMBERS + k), 32);
		}
		g->loc.line = 20000 + i;
	}
}

/* Flow i: mynumber host h(i) -> dmz host for the first BIG_MN, else lgwan group g(i) -> a dmz
 * host; every flow on a port of its own. */
static void big_flows(struct policy *p)
{
	char buf[32];
	int i;

	p->n_flows = BIG_FLOWS;
	p->flows = zalloc(p, BIG_FLOWS, sizeof(*p->flows));
	for (i = 0; i < BIG_FLOWS; i++) {
		struct flow *f = &p->flows[i];

		snprintf(f->name, sizeof(f->name), "f%d", i);
		f->cls = FLOW_PEER;
		snprintf(buf, sizeof(buf), i < BIG_MN ? "h%d" : "g%d", i);
		f->from.name = policy_strdup(p, buf);
		snprintf(buf, sizeof(buf), "h%d", BIG_MN + i % (BIG_HOSTS - BIG_MN));
		f->to.name = policy_strdup(p, buf);
		f->purpose = policy_strdup(p, "p");
		ck_assert(f->from.name && f->to.name && f->purpose);
		f->proto = 6;
		f->ports = zalloc(p, 1, sizeof(*f->ports));
		f->ports[0].lo = f->ports[0].hi = (uint16_t)(1000 + i);
		f->n_ports = 1;
		snprintf(f->approval, sizeof(f->approval), "AP-%d", i);
		f->loc.line = 40000 + i;
	}
}

static double seconds(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Under valgrind (LD_PRELOAD of its vgpreload objects) only correctness is checked. */
static double time_budget(void)
{
	const char *pre = getenv("LD_PRELOAD");

	if (pre && strstr(pre, "vgpreload"))
		return 1e9;
#if defined(__SANITIZE_ADDRESS__)
	return 5.0;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
	return 5.0;
#endif
#endif
	return 1.0;
}

START_TEST(test_big_policy)
{
	struct policy *p = policy_new("big.conf");
	struct diag d;
	double t;

	ck_assert_ptr_nonnull(p);
	diag_init(&d);
	p->n_zones = 4;
	p->zones = zalloc(p, 4, sizeof(*p->zones));
	hb_zone(p, 0, "mynumber", 0x0a000000, 8, false);
	hb_zone(p, 1, "lgwan", 0xac100000, 12, false);
	hb_zone(p, 2, "internet", 0, 0, true);
	hb_zone(p, 3, "dmz", 0xc0a80000, 16, false);
	big_hosts(p);
	big_groups(p);
	big_flows(p);
	t = seconds();
	ck_assert_msg(policy_validate(p, NOW, &d) == 0, "%s", diag_text(&d));
	t = seconds() - t;
	ck_assert_int_eq(d.n, 0);
	ck_assert_msg(t < time_budget(), "validate took %.3f s", t);
	/* the same again with one error of each kind in the middle: all found */
	p->flows[BIG_FLOWS / 2].to.name = policy_strdup(p, "g1");	/* lgwan -> lgwan peer */
	p->hosts[BIG_HOSTS / 2].ip4[3] = p->hosts[BIG_HOSTS / 2 + 1].ip4[3];
	p->flows[10].to.name = policy_strdup(p, "g10");			/* mynumber -> group */
	ck_assert_int_eq(policy_validate(p, NOW, &d), -EINVAL);
	ck_assert_msg(d.errors == 3, "%s", diag_text(&d));
	ck_assert_int_eq(policy_host_find(p, "h9999"), 9999);
	ck_assert_int_eq(policy_group_find(p, "g9999"), 9999);
	ck_assert_int_eq(p->groups[9999].zone, 1);
	ck_assert_int_eq(p->hosts[9999].zone, 3);
	ck_assert_uint_eq(p->reach[1][3], 1U << FLOW_PEER);
	ck_assert_uint_eq(p->reach[0][3], 1U << FLOW_PEER);
	policy_free(p);
	diag_fini(&d);
}
END_TEST

Suite *suite_policy(void)
{
	Suite *s = suite_create("policy");
	TCase *tc = tcase_create("validate");
	TCase *big = tcase_create("big");

	tcase_add_loop_test(tc, test_refused, 0, (int)(sizeof(refused) / sizeof(refused[0])));
	tcase_add_loop_test(tc, test_accepted, 0, (int)(sizeof(accepted) / sizeof(accepted[0])));
	tcase_add_test(tc, test_shipped_confs);
	tcase_add_test(tc, test_reach);
	tcase_add_test(tc, test_matrix);
	tcase_add_test(tc, test_find);
	tcase_add_test(tc, test_revalidate);
	tcase_add_test(tc, test_too_many_zones);
	tcase_add_test(tc, test_verdicts);
	tcase_add_test(tc, test_breakout_group);
	tcase_add_test(tc, test_three_tier_breakout);
	suite_add_tcase(s, tc);
	tcase_add_test(big, test_big_policy);
	tcase_set_timeout(big, 120);
	suite_add_tcase(s, big);
	return s;
}
