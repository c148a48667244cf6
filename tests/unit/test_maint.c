/* SPDX-License-Identifier: GPL-2.0-only */
/* test_maint.c: remote maintenance windows (R80): --until bounds, the checks of a proposal,
 * the state line and its digest (maint.c), the merge into a policy against the invariants
 * and its kernel timeout (maint.c + compile.c), and the requests (mwin.c, against the stubs
 * of test_ops.c): two persons, close, list. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile.h"
#include "conf.h"
#include "maint.h"
#include "nftgen.h"
#include "mwin.h"

#define NOW 1790000000		/* 2026-09-21T14:13:20Z */

static const char *conf =
	"policy: { organisation = \"t\"; model = \"three-tier\"; };\n"
	"zones: { mynumber: { interfaces = [\"mn0\"]; networks = [\"10.10.0.0/24\"]; };\n"
	"  lgwan: { interfaces = [\"lg0\"]; networks = [\"10.20.0.0/24\"]; };\n"
	"  internet: { interfaces = [\"in0\"]; networks = [\"any\"]; };\n"
	"  dmz: { interfaces = [\"dz0\"]; networks = [\"10.40.0.0/24\"]; }; };\n"
	"hosts: ( { name = \"juki\"; zone = \"mynumber\"; mac = \"02:00:00:00:10:05\";\n"
	"    ipv4 = \"10.10.0.5\"; },\n"
	"  { name = \"admin\"; zone = \"lgwan\"; ipv4 = \"10.20.0.10\"; },\n"
	"  { name = \"eapply\"; zone = \"dmz\"; ipv4 = \"10.40.0.10\"; } );\n";

static struct mwin window(const char *to, enum mw_state state, int64_t until)
{
	struct mwin w = { .uid = 1000, .uid2 = 1001, .until_t = until, .state = state,
			  .opened_at = NOW };

	snprintf(w.id, sizeof(w.id), "mw-1");
	snprintf(w.vendor, sizeof(w.vendor), "Vendor K.K.");
	snprintf(w.from, sizeof(w.from), "203.0.113.7");
	snprintf(w.to, sizeof(w.to), "%s", to);
	snprintf(w.proto, sizeof(w.proto), "tcp");
	snprintf(w.ports, sizeof(w.ports), "22");
	snprintf(w.reason, sizeof(w.reason), "firmware update");
	comp_time_text(until, w.until, sizeof(w.until));
	snprintf(w.by, sizeof(w.by), "uid=1000(a)");
	snprintf(w.by2, sizeof(w.by2), "uid=1001(b)");
	return w;
}

START_TEST(test_until)
{
	int64_t t;

	ck_assert_int_eq(mw_until_parse("+8s", NOW, &t), 0);
	ck_assert_int_eq(t, NOW + 8);
	ck_assert_int_eq(mw_until_parse("+8", NOW, &t), 0);
	ck_assert_int_eq(t, NOW + 8);
	ck_assert_int_eq(mw_until_parse("+30m", NOW, &t), 0);
	ck_assert_int_eq(t, NOW + 1800);
	ck_assert_int_eq(mw_until_parse("+24h", NOW, &t), 0);
	ck_assert_int_eq(t, NOW + 86400);
	ck_assert_int_eq(mw_until_parse("+25h", NOW, &t), -ERANGE);
	ck_assert_int_eq(mw_until_parse("+86401", NOW, &t), -EINVAL);
	ck_assert_int_eq(mw_until_parse("+0", NOW, &t), -EINVAL);
	ck_assert_int_eq(mw_until_parse("+-5", NOW, &t), -EINVAL);
	ck_assert_int_eq(mw_until_parse("+8x", NOW, &t), -EINVAL);
	ck_assert_int_eq(mw_until_parse("+8ss", NOW, &t), -EINVAL);
	ck_assert_int_eq(mw_until_parse("", NOW, &t), -EINVAL);
	ck_assert_int_eq(mw_until_parse("tomorrow", NOW, &t), -EINVAL);
	ck_assert_int_eq(mw_until_parse("2026-09-21T14:13:20Z", NOW, &t), -ERANGE);	/* now */
	ck_assert_int_eq(mw_until_parse("2026-09-21T23:13:30+09:00", NOW, &t), 0);
	ck_assert_int_eq(t, NOW + 10);
	ck_assert_int_eq(mw_until_parse("2026-09-22T14:13:21Z", NOW, &t), -ERANGE);
	ck_assert_int_eq(mw_until_parse("2020-01-01T00:00:00Z", NOW, &t), -ERANGE);
}
END_TEST

START_TEST(test_check)
{
	struct mwin w = window("eapply", MW_PROPOSED, NOW + 60);
	char why[160];

	ck_assert_int_eq(mw_check(&w, why, sizeof(why)), 0);
	snprintf(w.from, sizeof(w.from), "2001:db8::/48");
	ck_assert_int_eq(mw_check(&w, why, sizeof(why)), 0);
	snprintf(w.from, sizeof(w.from), "vendor-host");
	ck_assert_int_eq(mw_check(&w, why, sizeof(why)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "--from"));
	w = window("eapply", MW_PROPOSED, NOW + 60);
	w.reason[0] = '\0';
	ck_assert_int_eq(mw_check(&w, why, sizeof(why)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "--reason"));
	snprintf(w.reason, sizeof(w.reason), "a\tb");	/* a field of the state line */
	ck_assert_int_eq(mw_check(&w, why, sizeof(why)), -EINVAL);
	w = window("eapply", MW_PROPOSED, NOW + 60);
	snprintf(w.vendor, sizeof(w.vendor), "V\nW");
	ck_assert_int_eq(mw_check(&w, why, sizeof(why)), -EINVAL);
	w = window("eapply", MW_PROPOSED, NOW + 60);
	w.ports[0] = '\0';		/* tcp without ports: never "every port" */
	ck_assert_int_eq(mw_check(&w, why, sizeof(why)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "--ports"));
	snprintf(w.ports, sizeof(w.ports), "0");
	ck_assert_int_eq(mw_check(&w, why, sizeof(why)), -EINVAL);
	snprintf(w.ports, sizeof(w.ports), "65536");
	ck_assert_int_eq(mw_check(&w, why, sizeof(why)), -EINVAL);
	snprintf(w.ports, sizeof(w.ports), "23-22");
	ck_assert_int_eq(mw_check(&w, why, sizeof(why)), -EINVAL);
	snprintf(w.ports, sizeof(w.ports), "22,x");
	ck_assert_int_eq(mw_check(&w, why, sizeof(why)), -EINVAL);
	snprintf(w.ports, sizeof(w.ports), "22,8000-8010");
	ck_assert_int_eq(mw_check(&w, why, sizeof(why)), 0);
	snprintf(w.proto, sizeof(w.proto), "telnet");
	ck_assert_int_eq(mw_check(&w, why, sizeof(why)), -EINVAL);
	snprintf(w.proto, sizeof(w.proto), "icmp");
	w.ports[0] = '\0';
	ck_assert_int_eq(mw_check(&w, why, sizeof(why)), 0);
}
END_TEST

static void line_of(const struct mwin *w, char *buf, size_t len)
{
	FILE *f = fmemopen(buf, len, "w");

	ck_assert_ptr_nonnull(f);
	mw_write(w, f);
	fclose(f);
}

/* Written and read back the same; an edited line (a later end) is read as tampered. */
START_TEST(test_state_line)
{
	struct mwin w = window("eapply", MW_ACTIVE, NOW + 60), r;
	char line[2048], edited[2048], *p;

	w.sessions = 3;
	w.bytes = 123456789012ULL;
	w.approved_at = NOW;
	line_of(&w, line, sizeof(line));
	ck_assert_ptr_null(strchr(line, '\n'));
	snprintf(edited, sizeof(edited), "%s", line);
	ck_assert_int_eq(mw_parse(line, &r), 0);
	ck_assert_int_eq(r.state, MW_ACTIVE);
	ck_assert_str_eq(r.id, w.id);
	ck_assert_str_eq(r.vendor, w.vendor);
	ck_assert_str_eq(r.from, w.from);
	ck_assert_str_eq(r.to, w.to);
	ck_assert_str_eq(r.ports, w.ports);
	ck_assert_str_eq(r.reason, w.reason);
	ck_assert_str_eq(r.until, w.until);
	ck_assert_str_eq(r.by2, w.by2);
	ck_assert_int_eq(r.until_t, w.until_t);
	ck_assert_int_eq(r.uid2, w.uid2);
	ck_assert_int_eq(r.approved_at, w.approved_at);
	ck_assert_uint_eq(r.sessions, 3);
	ck_assert_uint_eq(r.bytes, w.bytes);
	p = strstr(edited, "1790000060");	/* until_t: one hour more */
	ck_assert_ptr_nonnull(p);
	memcpy(p, "1790003660", 10);
	ck_assert_int_eq(mw_parse(edited, &r), 0);
	ck_assert_int_eq(r.state, MW_TAMPERED);
	w.opened_at = NOW + 60 - MW_AHEAD_MAX - 1;	/* a digest is recomputed: the bound holds */
	line_of(&w, line, sizeof(line));
	ck_assert_int_eq(mw_parse(line, &r), 0);
	ck_assert_int_eq(r.state, MW_TAMPERED);
	w.opened_at = NOW + 60 - MW_AHEAD_MAX;
	line_of(&w, line, sizeof(line));
	ck_assert_int_eq(mw_parse(line, &r), 0);
	ck_assert_int_eq(r.state, MW_ACTIVE);
	snprintf(line, sizeof(line), "mw-1\tV\t1.2.3.4");	/* too few fields */
	ck_assert_int_eq(mw_parse(line, &r), -EINVAL);
	w.ports[0] = '\0';		/* an empty field survives */
	line_of(&w, line, sizeof(line));
	ck_assert_int_eq(mw_parse(line, &r), 0);
	ck_assert_str_eq(r.ports, "");
	ck_assert_int_eq(r.state, MW_ACTIVE);
}
END_TEST

/* The policy with windows v merged (at NOW), validated and compiled. */
static int build(const struct mwin *v, int n, struct policy **pp, struct comp_result **cr)
{
	struct diag d;
	int r;

	diag_init(&d);
	*cr = NULL;
	r = conf_load_string("t.conf", conf, pp, &d);
	ck_assert_int_eq(r, 0);
	r = mw_merge(v, n, *pp, NOW);
	if (r >= 0)
		r = policy_validate(*pp, NOW, &d);
	if (r >= 0)
		r = comp_build(*pp, NOW, cr, &d);
	diag_fini(&d);
	return r;
}

static const struct comp_decision *decision(const struct policy *p, const struct comp_result *c,
					    const char *id)
{
	int i;

	for (i = 0; i < c->n_decisions; i++) {
		if (c->decisions[i].kind == COMP_EXCEPTION &&
		    !strcmp(p->exceptions[c->decisions[i].idx].id, id))
			return &c->decisions[i];
	}
	return NULL;
}

/* An approved window is an exception with the kernel timeout of its end; a proposed, ended or
 * tampered one is nothing; one into the My Number zone from the Internet is refused. */
START_TEST(test_merge)
{
	struct mwin v[5] = { window("eapply", MW_ACTIVE, NOW + 90),
			     window("eapply", MW_PROPOSED, NOW + 90),
			     window("eapply", MW_CLOSED, NOW + 90),
			     window("eapply", MW_TAMPERED, NOW + 90),
			     window("eapply", MW_ACTIVE, NOW) };
	const struct comp_decision *dc;
	struct comp_result *cr;
	struct policy *p;
	char *nft, want[96];
	size_t len;
	FILE *f;

	snprintf(v[1].id, sizeof(v[1].id), "mw-2");
	snprintf(v[2].id, sizeof(v[2].id), "mw-3");
	snprintf(v[3].id, sizeof(v[3].id), "mw-4");
	snprintf(v[4].id, sizeof(v[4].id), "mw-5");
	ck_assert_int_eq(build(v, 5, &p, &cr), 0);
	ck_assert_int_eq(p->n_exceptions, 1);
	ck_assert(p->exceptions[0].window);
	dc = decision(p, cr, "mw-1");
	ck_assert_ptr_nonnull(dc);
	nft = NULL;
	f = open_memstream(&nft, &len);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(nftgen_print(cr->rs, f, false), 0);
	fclose(f);
	snprintf(want, sizeof(want), "ct mark & 0x%08x == 0x%08x counter", COMP_MARK_MASK, dc->id);
	ck_assert_msg(strstr(nft, "maintenance window mw-1"), "%s", nft);	/* its own counter */
	ck_assert_msg(strstr(nft, want), "%s not in %s", want, nft);
	free(nft);
	dc = decision(p, cr, "mw-1");
	ck_assert_ptr_nonnull(dc);
	ck_assert_uint_eq(dc->timeout_ms, 90000);
	ck_assert_str_eq(p->exceptions[0].approved_by, "uid=1001(b)");
	ck_assert_str_eq(p->groups[p->n_groups - 1].name, "mw-1-from");
	ck_assert_int_eq(p->exceptions[0].from.zone, policy_zone_find(p, "internet"));
	comp_result_free(cr);
	policy_free(p);

	v[0] = window("juki", MW_ACTIVE, NOW + 90);	/* My Number: I-rules refuse it */
	ck_assert_int_eq(build(v, 1, &p, &cr), -EINVAL);
	comp_result_free(cr);
	policy_free(p);
	v[0] = window("admin", MW_ACTIVE, NOW + 90);	/* LGWAN from the Internet: I4 */
	ck_assert_int_eq(build(v, 1, &p, &cr), -EINVAL);
	comp_result_free(cr);
	policy_free(p);
}
END_TEST

/* ---- the requests (mwin.c; gen_apply_ops, state_save, trail_audit: test_ops.c's stubs) ---- */

static int request(struct daemon *d, const struct ctl_peer *peer, uint16_t type,
		   const char *const *kv, char *reply, size_t len)
{
	struct ctl_req q = { .type = type, .fd = -1 };
	FILE *out = fmemopen(reply, len, "w");
	int r;

	ck_assert_ptr_nonnull(out);
	for (; kv && kv[0]; kv += 2, q.n++) {
		snprintf(q.key[q.n], sizeof(q.key[0]), "%s", kv[0]);
		snprintf(q.val[q.n], sizeof(q.val[0]), "%s", kv[1]);
	}
	switch (type) {
	case CTL_MAINT_OPEN:
		r = mw_h_open(d, peer, &q, out);
		break;
	case CTL_MAINT_APPROVE:
		r = mw_h_approve(d, peer, &q, out);
		break;
	case CTL_MAINT_CLOSE:
		r = mw_h_close(d, peer, &q, out);
		break;
	default:
		r = mw_h_list(d, peer, &q, out);
	}
	fclose(out);
	return r;
}

START_TEST(test_requests)
{
	static const char *const open_kv[] = { "vendor", "V", "from", "203.0.113.7", "to", "eapply",
					       "proto", "tcp", "ports", "22", "until", "+1h",
					       "reason", "r", NULL };
	static const char *const bad_to[] = { "vendor", "V", "from", "203.0.113.7", "to", "nohost",
					      "proto", "tcp", "ports", "22", "until", "+1h",
					      "reason", "r", NULL };
	static const char *const id1[] = { "id", "mw-1", NULL };
	static const char *const json[] = { "format", "json", NULL };
	struct ctl_peer a = { .uid = 1000, .roles = CTL_ROLE_ADMIN, .name = "uid=1000(a)" };
	struct ctl_peer b = { .uid = 1001, .roles = CTL_ROLE_ADMIN, .name = "uid=1001(b)" };
	struct daemon *d = calloc(1, sizeof(*d));
	struct diag dg;
	char reply[4096];

	ck_assert_ptr_nonnull(d);
	d->o.now = NOW;
	diag_init(&dg);
	ck_assert_int_eq(conf_load_string("t.conf", conf, &d->cur.policy, &dg), 0);
	ck_assert_int_eq(policy_validate(d->cur.policy, NOW, &dg), 0);
	diag_fini(&dg);
	ck_assert_int_eq(request(d, &a, CTL_MAINT_OPEN, bad_to, reply, sizeof(reply)),
			 CTL_ERR_INVALID);
	ck_assert_int_eq(d->ops.n_mw, 0);
	ck_assert_int_eq(request(d, &a, CTL_MAINT_OPEN, open_kv, reply, sizeof(reply)), CTL_OK);
	ck_assert(!strncmp(reply, "mw-1\n", 5));
	ck_assert_int_eq(d->ops.n_mw, 1);
	ck_assert_int_eq(d->ops.mw[0].state, MW_PROPOSED);
	ck_assert_int_eq(d->ops.mw[0].until_t, NOW + 3600);
	/* the proposer cannot approve; a second person can */
	ck_assert_int_eq(request(d, &a, CTL_MAINT_APPROVE, id1, reply, sizeof(reply)),
			 CTL_ERR_DENIED);
	ck_assert_int_eq(d->ops.mw[0].state, MW_PROPOSED);
	ck_assert_int_eq(request(d, &b, CTL_MAINT_APPROVE, id1, reply, sizeof(reply)), CTL_OK);
	ck_assert_int_eq(d->ops.mw[0].state, MW_ACTIVE);
	ck_assert_str_eq(d->ops.mw[0].by2, "uid=1001(b)");
	ck_assert_int_eq(request(d, &b, CTL_MAINT_APPROVE, id1, reply, sizeof(reply)),
			 CTL_ERR_INVALID);	/* once */
	ck_assert_int_eq(request(d, &a, CTL_MAINT_CLOSE, id1, reply, sizeof(reply)), CTL_OK);
	ck_assert_int_eq(d->ops.mw[0].state, MW_CLOSED);
	ck_assert_int_eq(request(d, &a, CTL_MAINT_CLOSE, id1, reply, sizeof(reply)),
			 CTL_ERR_INVALID);
	ck_assert_int_eq(request(d, &a, CTL_MAINT_LIST, json, reply, sizeof(reply)), CTL_OK);
	ck_assert_ptr_nonnull(strstr(reply, "\"id\":\"mw-1\",\"state\":\"closed\""));
	/* a proposal whose time is over before its approval expires unapproved */
	ck_assert_int_eq(request(d, &a, CTL_MAINT_OPEN, open_kv, reply, sizeof(reply)), CTL_OK);
	ck_assert_str_eq(d->ops.mw[1].id, "mw-2");
	mwin_tick(d, NOW + 3600);
	ck_assert_int_eq(d->ops.mw[1].state, MW_EXPIRED);
	ck_assert(d->ops.mw[1].end_reported);
	policy_free(d->cur.policy);
	free(d);
}
END_TEST

Suite *suite_maint(void);

Suite *suite_maint(void)
{
	Suite *s = suite_create("maint");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_until);
	tcase_add_test(tc, test_check);
	tcase_add_test(tc, test_state_line);
	tcase_add_test(tc, test_merge);
	tcase_add_test(tc, test_requests);
	suite_add_tcase(s, tc);
	return s;
}
