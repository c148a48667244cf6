// SPDX-License-Identifier: GPL-2.0-only
/* test_prove.c: the evaluator of the kernel-side proof on small hand-written rulesets in nft's
 * JSON whose reachability is known: a prefix and a port, a verdict map over an interface
 * pair, a concatenated interval set with !=, a mark map, queue and an opaque xt, prerouting
 * before forward, jumps and returns, and a jump loop. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "prove.h"
#include "prove_jtree.h"

Suite *suite_prove(void);

#define HDR "{\"nftables\":[{\"table\":{\"family\":\"inet\",\"name\":\"t\"}},"
#define FWD "{\"chain\":{\"name\":\"forward\",\"hook\":\"forward\",\"prio\":0,\"policy\":\"drop\"}},"
#define RULE(c, e) "{\"rule\":{\"chain\":\"" c "\",\"handle\":1,\"expr\":[" e "]}}"
#define ACCEPT "{\"accept\":null}"
#define M(l, op, r) "{\"match\":{\"op\":\"" op "\",\"left\":" l ",\"right\":" r "}}"
#define IPS "{\"payload\":{\"protocol\":\"ip\",\"field\":\"saddr\"}}"
#define IPD "{\"payload\":{\"protocol\":\"ip\",\"field\":\"daddr\"}}"
#define TCPD "{\"payload\":{\"protocol\":\"tcp\",\"field\":\"dport\"}}"
#define IIF "{\"meta\":{\"key\":\"iifname\"}}"
#define OIF "{\"meta\":{\"key\":\"oifname\"}}"
#define CTMARK "{\"ct\":{\"key\":\"mark\"}}"

struct run {
	struct pv_model m;
	struct pv_result r;
};

static void eval_max(struct run *x, const char *json, unsigned long work_max, int r_expect)
{
	struct pv_box b;
	int r;

	memset(x, 0, sizeof(*x));
	x->r.work_max = work_max;
	pv_model_init(&x->m);
	pv_model_ifindex(&x->m, "a");
	pv_model_ifindex(&x->m, "b");
	ck_assert_int_eq(pv_json_load(&x->m, json), 0);
	pv_model_seal(&x->m);
	pv_box_full(&x->m, &b, 2);
	b.d[PV_CTSTATE].lo = b.d[PV_CTSTATE].hi = PV_CT_NEW;
	b.d[PV_CTMARK].hi = b.d[PV_MARK].hi = 0;
	r = pv_eval(&x->m, PV_H_FORWARD, &b, &x->r);
	ck_assert_int_eq(r, r_expect);
}

static void eval(struct run *x, const char *json, int r_expect)
{
	eval_max(x, json, 0, r_expect);
}

static void done(struct run *x)
{
	pv_result_free(&x->r);
	pv_model_free(&x->m);
}

START_TEST(prefix_and_port)
{
	struct run x;

	eval(&x, HDR FWD RULE("forward", M(IPS, "==", "{\"prefix\":{\"addr\":\"10.0.0.0\",\"len\":8}}")
				     "," M(TCPD, "==", "22") "," ACCEPT) "]}", 0);
	ck_assert_uint_eq(x.r.n, 1);
	ck_assert(x.r.h[0].b.d[PV_SADDR].lo == 0x0a000000 && x.r.h[0].b.d[PV_SADDR].hi == 0x0affffff);
	ck_assert(x.r.h[0].b.d[PV_L4PROTO].lo == 6 && x.r.h[0].b.d[PV_L4PROTO].hi == 6);
	ck_assert(x.r.h[0].b.d[PV_DPORT].lo == 22 && x.r.h[0].b.d[PV_DPORT].hi == 22);
	ck_assert(x.r.h[0].how == PV_V_ACCEPT && x.r.h[0].t && x.r.h[0].t->rule == 0);
	done(&x);
}
END_TEST

/* iif . oif vmap: only a -> b reaches the accepting chain; other pairs fall to the policy. */
START_TEST(vmap_pair)
{
	struct run x;

	eval(&x, HDR FWD "{\"chain\":{\"name\":\"ab\"}},"
		 "{\"map\":{\"name\":\"d\",\"type\":[\"ifname\",\"ifname\"],\"map\":\"verdict\","
		 "\"elem\":[[{\"concat\":[\"a\",\"b\"]},{\"jump\":{\"target\":\"ab\"}}],"
		 "[{\"concat\":[\"b\",\"a\"]},{\"drop\":null}]]}},"
		 RULE("forward", "{\"vmap\":{\"key\":{\"concat\":[" IIF "," OIF "]},\"data\":\"@d\"}}")
		 "," RULE("ab", M(IPD, "==", "\"192.0.2.1\"") "," ACCEPT) "]}", 0);
	ck_assert_uint_eq(x.r.n, 1);
	ck_assert(x.r.h[0].b.d[PV_IIF].lo == 0 && x.r.h[0].b.d[PV_IIF].hi == 0);
	ck_assert(x.r.h[0].b.d[PV_OIF].lo == 1 && x.r.h[0].b.d[PV_OIF].hi == 1);
	ck_assert(x.r.h[0].b.d[PV_DADDR].lo == 0xc0000201 && x.r.h[0].b.d[PV_DADDR].hi == 0xc0000201);
	done(&x);
}
END_TEST

/* != a concatenated interval set: accepted is the complement, in boxes (two for the gap). */
START_TEST(neg_concat_interval)
{
	struct run x;
	size_t i;
	pv_u128 covered = 0;

	eval(&x, HDR FWD "{\"set\":{\"name\":\"s\",\"type\":[\"ifname\",\"ipv4_addr\"],"
		 "\"flags\":[\"interval\"],\"elem\":[{\"concat\":[\"a\",{\"range\":[\"10.0.0.0\","
		 "\"10.0.0.255\"]}]}]}},"
		 RULE("forward", M("{\"concat\":[" IIF "," IPS "]}", "!=", "\"@s\"") "," ACCEPT) "]}", 0);
	for (i = 0; i < x.r.n; i++) {
		/* no accepted box may hold iif a with a source in 10.0.0.0/24 */
		ck_assert(!(x.r.h[i].b.d[PV_IIF].lo == 0 && x.r.h[i].b.d[PV_SADDR].lo <= 0x0a0000ff &&
			    x.r.h[i].b.d[PV_SADDR].hi >= 0x0a000000));
		if (x.r.h[i].b.d[PV_IIF].lo == 0)
			covered += x.r.h[i].b.d[PV_SADDR].hi - x.r.h[i].b.d[PV_SADDR].lo + 1;
	}
	ck_assert(covered == ((pv_u128)1 << 32) - 256);
	done(&x);
}
END_TEST

/* ct mark set ... map, then ct mark != 0 accept: the hit carries the element's mark. */
START_TEST(mark_map)
{
	struct run x;

	eval(&x, HDR FWD "{\"map\":{\"name\":\"p\",\"type\":[\"ipv4_addr\",\"inet_service\"],"
		 "\"map\":\"mark\",\"elem\":[[{\"concat\":[\"10.1.1.1\",443]},305419896]]}},"
		 RULE("forward", "{\"mangle\":{\"key\":" CTMARK ",\"value\":{\"map\":{\"key\":"
		      "{\"concat\":[" IPD "," TCPD "]},\"data\":\"@p\"}}}}") ","
		 RULE("forward", M(CTMARK, "!=", "0") "," ACCEPT) "]}", 0);
	ck_assert_uint_eq(x.r.n, 1);
	ck_assert(x.r.h[0].b.d[PV_CTMARK].lo == 305419896 && x.r.h[0].b.d[PV_CTMARK].hi == 305419896);
	ck_assert(x.r.h[0].b.d[PV_DPORT].lo == 443 && x.r.h[0].b.d[PV_L4PROTO].lo == 6);
	done(&x);
}
END_TEST

/* queue counts as accepting; an opaque xt as possibly accepting (and flags the model). */
START_TEST(queue_and_xt)
{
	struct run x;

	eval(&x, HDR FWD RULE("forward", M(TCPD, "==", "80") ",{\"queue\":{\"num\":0}}") ","
		 RULE("forward", M(TCPD, "==", "81") ",{\"xt\":{\"type\":\"target\",\"name\":\"NFQUEUE\"}}")
		 "]}", 0);
	ck_assert_uint_eq(x.r.n, 2);
	ck_assert(x.r.h[0].how == PV_V_QUEUE && x.r.h[1].how == PV_V_XT);
	ck_assert(x.m.opaque);
	done(&x);
}
END_TEST

/* Prerouting drops what forward would accept; a jump and return come back to the caller. */
START_TEST(prerouting_then_forward)
{
	struct run x;

	eval(&x, HDR "{\"chain\":{\"name\":\"pre\",\"hook\":\"prerouting\",\"prio\":-300,"
		 "\"policy\":\"accept\"}}," FWD "{\"chain\":{\"name\":\"sub\"}},"
		 RULE("pre", M(IIF, "==", "\"a\"") ",{\"drop\":null}") ","
		 RULE("forward", "{\"jump\":{\"target\":\"sub\"}}") ","
		 RULE("forward", ACCEPT) ","
		 RULE("sub", "{\"return\":null}") "]}", 0);
	ck_assert_uint_ge(x.r.n, 1);
	for (size_t i = 0; i < x.r.n; i++)
		ck_assert(x.r.h[i].b.d[PV_IIF].lo >= 1);
	done(&x);
}
END_TEST

START_TEST(jump_loop)
{
	struct run x;

	eval(&x, HDR FWD "{\"chain\":{\"name\":\"l\"}},"
		 RULE("forward", "{\"jump\":{\"target\":\"l\"}}") ","
		 RULE("l", "{\"jump\":{\"target\":\"l\"}}") "]}", -ELOOP);
	done(&x);
}
END_TEST

/* 40 rules that each split what goes on: fine within the default budget, -E2BIG (no growth
 * past it) under a small one. */
static char *split_rules(void)
{
	size_t len = 40 * 256 + 256;
	char *j = malloc(len);
	int i;

	ck_assert_ptr_nonnull(j);
	strcpy(j, HDR FWD);
	for (i = 1; i <= 40; i++)
		snprintf(j + strlen(j), len - strlen(j), "{\"rule\":{\"chain\":\"forward\","
			 "\"handle\":%d,\"expr\":[" M(IPS, "==", "\"10.0.0.%d\"") ","
			 M(TCPD, "==", "%d") ",{\"drop\":null}]}},", i, i, i);
	strcat(j, RULE("forward", ACCEPT) "]}");
	return j;
}

START_TEST(budget)
{
	char *j = split_rules();
	struct run x;

	eval(&x, j, 0);
	ck_assert_uint_gt(x.r.work, 200);
	ck_assert_uint_le(x.r.work, PV_WORK_MAX);
	done(&x);
	eval_max(&x, j, 200, -E2BIG);
	ck_assert_uint_gt(x.r.work, 200);
	ck_assert_uint_lt(x.r.work, 400);	/* it stops when the budget is spent */
	done(&x);
	free(j);
}
END_TEST

/* A named set of 2 * PV_SET_EXACT addresses (every other one, so nothing merges): its hits
 * stay one lazy box holding the set, its miss is kept whole (approximate, never narrower). */
static char *big_set(const char *rules)
{
	size_t len = 2 * PV_SET_EXACT * 24 + 1024;
	char *j = malloc(len);
	int i;

	ck_assert_ptr_nonnull(j);
	strcpy(j, HDR FWD "{\"set\":{\"name\":\"big\",\"type\":\"ipv4_addr\",\"elem\":[");
	for (i = 0; i < 2 * PV_SET_EXACT; i++)
		snprintf(j + strlen(j), len - strlen(j), "%s\"10.0.%d.%d\"", i ? "," : "",
			 i / 100, 2 * (i % 100));
	snprintf(j + strlen(j), len - strlen(j), "]}},%s]}", rules);
	return j;
}

START_TEST(big_set_lazy)
{
	char *j = big_set(RULE("forward", M(IPS, "==", "\"@big\"") "," ACCEPT));
	struct run x;
	struct pv_box b;

	eval(&x, j, 0);
	ck_assert_uint_eq(x.r.n, 1);
	ck_assert(x.r.approx);
	ck_assert_ptr_nonnull(x.r.h[0].lz);
	ck_assert(x.r.h[0].b.d[PV_SADDR].lo == 0x0a000000 && x.r.h[0].b.d[PV_SADDR].hi == 0x0a000136);
	b = x.r.h[0].b;
	b.d[PV_SADDR].lo = b.d[PV_SADDR].hi = 0x0a000001;	/* 10.0.0.1: not in the set */
	ck_assert(!pv_lz_narrow(x.r.h[0].lz, x.r.h[0].lzk, &b));
	b.d[PV_SADDR].lo = 0x0a000001;
	b.d[PV_SADDR].hi = 0x0a000003;				/* holds 10.0.0.2 */
	ck_assert(pv_lz_narrow(x.r.h[0].lz, x.r.h[0].lzk, &b));
	ck_assert(b.d[PV_SADDR].lo == 0x0a000002 && b.d[PV_SADDR].hi == 0x0a000002);
	done(&x);
	free(j);
}
END_TEST

/* Sound: a big set that drops, then accept: every address outside the set is still accepted
 * (the miss is kept whole), and so a witness for 10.0.0.1 exists. */
START_TEST(big_set_drop_sound)
{
	char *j = big_set(RULE("forward", M(IPS, "==", "\"@big\"") ",{\"drop\":null}") ","
			  RULE("forward", ACCEPT));
	struct run x;
	size_t i;
	bool open = false;

	eval(&x, j, 0);
	for (i = 0; i < x.r.n; i++)
		open |= !x.r.h[i].lz && x.r.h[i].b.d[PV_SADDR].lo <= 0x0a000001 &&
			x.r.h[i].b.d[PV_SADDR].hi >= 0x0a000001;
	ck_assert(open);
	ck_assert(x.r.approx);
	done(&x);
	free(j);
}
END_TEST

START_TEST(set_merge)
{
	struct pv_set s = { .n_key = 1 };
	struct pv_elem e = { 0 };
	int i;

	for (i = 9; i >= 0; i--) {		/* 10..19 backwards, and 30 */
		e.k[0].lo = e.k[0].hi = (pv_u128)(10 + i);
		ck_assert_int_eq(pv_set_add(&s, &e), 0);
	}
	e.k[0].lo = e.k[0].hi = 30;
	ck_assert_int_eq(pv_set_add(&s, &e), 0);
	ck_assert_int_eq(pv_set_merge(&s), 0);
	ck_assert_uint_eq(s.n, 2);
	ck_assert(s.e[0].k[0].lo == 10 && s.e[0].k[0].hi == 19 && s.e[1].k[0].lo == 30);
	ck_assert_uint_eq(pv_set_first(&s, 20), 1);
	free(s.e);
}
END_TEST

/* The proof's JSON tree: values, escapes, the compact text of a span, and what it refuses. */
START_TEST(jtree)
{
	static const char text[] = " {\"a\": [1, -300, 2.5, \"x\\\"y\\u00e9\\ud83d\\ude00\", true, null],"
				   "\n \"b\": {\"c\": \"s p\"}, \"e\": []} ";
	static const char *const bad[] = { "{\"a\":}", "[1 2]", "{\"a\" 1}", "\"x", "[1],",
					   "{\"a\":\"\\q\"}", "tru", "" };
	struct pj_doc d;
	const struct pj *a, *v;
	char deep[200], *t;
	size_t i;

	ck_assert_int_eq(pj_parse(&d, text), 0);
	a = pj_get(d.root, "a");
	ck_assert_uint_eq(pj_size(a), 6);
	ck_assert(pj_int(pj_at(a, 0)) == 1 && pj_int(pj_at(a, 1)) == -300);
	ck_assert(pj_is(pj_at(a, 2), PJ_REAL) && !pj_is(pj_at(a, 2), PJ_INT));
	ck_assert_str_eq(pj_str(pj_at(a, 3)), "x\"y\xc3\xa9\xf0\x9f\x98\x80");
	ck_assert(pj_is(pj_at(a, 4), PJ_TRUE) && pj_is(pj_at(a, 5), PJ_NULL));
	ck_assert_ptr_null(pj_at(a, 6));
	ck_assert_ptr_null(pj_get(a, "a"));
	ck_assert_ptr_null(pj_str(pj_get(d.root, "b")));
	ck_assert_uint_eq(pj_size(pj_get(d.root, "e")), 0);
	t = pj_text(&d, pj_get(d.root, "b"));
	ck_assert_str_eq(t, "{\"c\":\"s p\"}");
	free(t);
	i = 0;
	pj_foreach(a, i, v)
		;
	ck_assert_uint_eq(i, 6);
	pj_free(&d);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(pj_parse(&d, bad[i]), -EINVAL);
		ck_assert(d.line >= 1 && d.err[0]);
		pj_free(&d);
	}
	memset(deep, '[', sizeof(deep) - 1);		/* deeper than the parser goes */
	deep[sizeof(deep) - 1] = '\0';
	ck_assert_int_eq(pj_parse(&d, deep), -EINVAL);
	pj_free(&d);
}
END_TEST

START_TEST(box_minus)
{
	struct pv_model m;
	struct pv_box a, b, out[2 * PV_DIMS];
	pv_u128 sum = 0;
	int i, n;

	pv_model_init(&m);
	pv_model_seal(&m);
	pv_box_full(&m, &a, 2);
	a.d[PV_DPORT].lo = 0, a.d[PV_DPORT].hi = 99;
	a.d[PV_L4PROTO].lo = a.d[PV_L4PROTO].hi = 6;
	a.d[PV_SADDR].hi = 0;
	a.d[PV_DADDR].hi = 0;
	a.d[PV_ETHSRC].hi = 0;
	a.d[PV_CTSTATE].hi = a.d[PV_CTMARK].hi = a.d[PV_MARK].hi = 0;
	b = a;
	b.d[PV_DPORT].lo = 10, b.d[PV_DPORT].hi = 19;
	n = pv_box_minus(&a, &b, out);
	for (i = 0; i < n; i++)
		sum += out[i].d[PV_DPORT].hi - out[i].d[PV_DPORT].lo + 1;
	ck_assert(sum == 90);
	pv_model_free(&m);
}
END_TEST

/* A match on a field the proof does not read (an ICMPv6 type) may match only what its
 * protocol dependency lets through: no IPv4 packet passes "icmpv6 type ... accept"; a
 * protocol by name (vrrp) is exact. */
START_TEST(unread_field_dependency)
{
	struct run x;

	eval(&x, HDR FWD RULE("forward", M("{\"payload\":{\"protocol\":\"icmpv6\",\"field\":\"type\"}}",
					   "==", "[133,134]") "," ACCEPT) "]}", 0);
	ck_assert_uint_eq(x.r.n, 0);		/* the start box is IPv4 */
	done(&x);
	eval(&x, HDR FWD RULE("forward", M("{\"meta\":{\"key\":\"l4proto\"}}", "==", "\"vrrp\"") ","
				     ACCEPT) "]}", 0);
	ck_assert_uint_eq(x.r.n, 1);
	ck_assert(x.r.h[0].b.d[PV_L4PROTO].lo == 112 && x.r.h[0].b.d[PV_L4PROTO].hi == 112);
	done(&x);
}
END_TEST

Suite *suite_prove(void)
{
	Suite *s = suite_create("prove");
	TCase *tc = tcase_create("eval");

	tcase_add_test(tc, prefix_and_port);
	tcase_add_test(tc, vmap_pair);
	tcase_add_test(tc, neg_concat_interval);
	tcase_add_test(tc, mark_map);
	tcase_add_test(tc, queue_and_xt);
	tcase_add_test(tc, prerouting_then_forward);
	tcase_add_test(tc, jump_loop);
	tcase_add_test(tc, box_minus);
	tcase_add_test(tc, budget);
	tcase_add_test(tc, big_set_lazy);
	tcase_add_test(tc, big_set_drop_sound);
	tcase_add_test(tc, set_merge);
	tcase_add_test(tc, jtree);
	tcase_add_test(tc, unread_field_dependency);
	suite_add_tcase(s, tc);
	return s;
}
