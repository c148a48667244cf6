/* SPDX-License-Identifier: GPL-2.0-only */
/* test_compile.c: policy -> ruleset (compile.c), its nft text (nftgen.c) and its netlink batch
 * (nlbatch.c, no socket). */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <stdio.h>

#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>

#include "compile.h"
#include "conf.h"
#include "nftgen.h"
#include "nlbatch.h"

#define NOW 1790000000		/* 2026-09-21T14:13:20Z */

static const char *head =
	"policy: { organisation = \"t\"; model = \"three-tier\"; };\n"
	"zones: { mynumber: { interfaces = [\"mn0\"]; networks = [\"10.10.0.0/24\", \"fd10::/64\"]; };\n"
	"  lgwan: { interfaces = [\"lg0\"]; networks = [\"10.20.0.0/24\"]; };\n"
	"  internet: { interfaces = [\"in0\"]; networks = [\"any\"]; }; };\n"
	"hosts: ( { name = \"juki\"; zone = \"mynumber\"; mac = \"02:00:00:00:10:05\"; ipv4 = \"10.10.0.5\"; ipv6 = \"fd10::5\"; },\n"
	"  { name = \"jlis\"; zone = \"lgwan\"; ipv4 = \"10.20.0.9\"; },\n"
	"  { name = \"mail\"; zone = \"lgwan\"; ipv4 = \"10.20.0.25\"; },\n"
	"  { name = \"conv\"; zone = \"internet\"; ipv4 = \"10.30.0.25\"; } );\n";

static char *text(const char *tail)
{
	char *s = NULL;

	ck_assert_int_ge(asprintf(&s, "%s%s", head, tail), 0);
	return s;
}

/* Build a policy text into a compiled result; returns the comp_build result. */
static int build(const char *tail, int64_t now, struct policy **ret_p, struct comp_result **ret_c,
		 struct diag *d)
{
	char *s = text(tail);
	int r;

	diag_init(d);
	*ret_p = NULL;
	*ret_c = NULL;
	r = conf_load_string("t.conf", s, ret_p, d);
	free(s);
	if (r < 0)
		return r;
	r = policy_validate(*ret_p, now, d);
	if (r < 0)
		return r;
	return comp_build(*ret_p, now, ret_c, d);
}

static void done(struct policy *p, struct comp_result *c, struct diag *d)
{
	comp_result_free(c);
	policy_free(p);
	diag_fini(d);
}

static const char *flows_ok =
	"flows: ( { name = \"juki-jlis\"; class = \"public-system-via-lgwan\"; from = \"juki\"; to = \"jlis\";\n"
	"    proto = \"tcp\"; ports = [443]; approval = \"A1\"; purpose = \"p\"; },\n"
	"  { name = \"mail-text\"; class = \"sanitised-relay\"; method = \"mail-text\"; from = \"conv\"; to = \"mail\";\n"
	"    proto = \"tcp\"; ports = [25]; approval = \"A2\"; purpose = \"p\"; } );\n";

static const struct ir_set *set(const struct comp_result *c, const char *name)
{
	int i = ir_set_find(c->rs, name);

	return i < 0 ? NULL : &c->rs->sets[i];
}

static uint32_t decision(const struct comp_result *c, enum comp_kind k, int idx)
{
	int i;

	for (i = 0; i < c->n_decisions; i++) {
		if (c->decisions[i].kind == k && c->decisions[i].idx == idx)
			return c->decisions[i].id;
	}
	return 0;
}

START_TEST(test_layout)
{
	struct policy *p;
	struct comp_result *c;
	struct diag d;
	const struct ir_set *s;
	struct ir_elem e;

	ck_assert_int_eq(build(flows_ok, NOW, &p, &c, &d), 0);
	ck_assert_int_ge(ir_chain_find(c->rs, "prerouting"), 0);
	ck_assert_int_ge(ir_chain_find(c->rs, "forward"), 0);
	ck_assert_int_ge(ir_chain_find(c->rs, "fwd_mynumber_internet"), 0);
	ck_assert(c->rs->chains[ir_chain_find(c->rs, "forward")].policy_drop);
	/* the My Number flow is pinned to the MAC: ether . ip . ip . proto . port */
	s = set(c, "mynumber_lgwan_mp4");
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(s->n_key, 5);
	ck_assert_int_eq(s->n_elems, 1);
	ir_elem_get(s, 0, &e);
	ck_assert_mem_eq(e.key, "\x02\x00\x00\x00\x10\x05\x00\x00\x0a\x0a\x00\x05\x0a\x14\x00\x09"
			 "\x06\x00\x00\x00\x01\xbb\x00\x00", 24);
	/* a My Number flow is confirmed by the engine: its map value carries the ENGINE bit,
	 * while @live holds the plain id the engine's verdict writes into ct mark */
	ck_assert_uint_eq(e.data, decision(c, COMP_FLOW, 0) | COMP_MARK_ENGINE);
	/* no v6 element: jlis has no IPv6 address */
	ck_assert_ptr_null(set(c, "mynumber_lgwan_mp6"));
	/* nothing between My Number and Internet, whatever the map kind */
	ck_assert_ptr_null(set(c, "mynumber_internet_p4"));
	ck_assert_ptr_null(set(c, "internet_mynumber_p4"));
	/* live holds exactly the two decisions */
	s = set(c, "live");
	ck_assert_int_eq(s->n_elems, 2);
	done(p, c, &d);
}
END_TEST

/* Decision ids are stable while a flow is unchanged, and change when its traffic changes. */
START_TEST(test_decision_ids)
{
	struct policy *p1, *p2, *p3;
	struct comp_result *c1, *c2, *c3;
	struct diag d1, d2, d3;
	const char *changed =
		"flows: ( { name = \"juki-jlis\"; class = \"public-system-via-lgwan\"; from = \"juki\"; to = \"jlis\";\n"
		"    proto = \"tcp\"; ports = [8443]; approval = \"A1\"; purpose = \"p\"; },\n"
		"  { name = \"mail-text\"; class = \"sanitised-relay\"; method = \"mail-text\"; from = \"conv\"; to = \"mail\";\n"
		"    proto = \"tcp\"; ports = [25]; approval = \"A2\"; purpose = \"p\"; } );\n";

	ck_assert_int_eq(build(flows_ok, NOW, &p1, &c1, &d1), 0);
	ck_assert_int_eq(build(flows_ok, NOW + 100, &p2, &c2, &d2), 0);
	ck_assert_int_eq(build(changed, NOW, &p3, &c3, &d3), 0);
	ck_assert_uint_eq(decision(c1, COMP_FLOW, 0), decision(c2, COMP_FLOW, 0));
	ck_assert_uint_eq(decision(c1, COMP_FLOW, 1), decision(c2, COMP_FLOW, 1));
	ck_assert_uint_ne(decision(c1, COMP_FLOW, 0), decision(c3, COMP_FLOW, 0));
	ck_assert_uint_eq(decision(c1, COMP_FLOW, 1), decision(c3, COMP_FLOW, 1));
	ck_assert_uint_ne(decision(c1, COMP_FLOW, 0), 0);
	ck_assert_uint_eq(decision(c1, COMP_FLOW, 0) & ~COMP_MARK_MASK, 0);
	done(p1, c1, &d1);
	done(p2, c2, &d2);
	done(p3, c3, &d3);
}
END_TEST

/* An exception gets its time left as element timeout in its map and in @live; an expired one
 * compiles to nothing. */
START_TEST(test_exception_timeout)
{
	const char *x =
		"exceptions: ( { id = \"EX-1\"; from = \"jlis\"; to = \"conv\"; proto = \"tcp\"; ports = [22];\n"
		"    reason = \"r\"; requested_by = \"a\"; approved_by = \"b\"; expires = \"2026-09-21T12:00:00+09:00\"; } );\n";
	struct policy *p;
	struct comp_result *c;
	struct diag d;
	const struct ir_set *s;
	struct ir_elem e;
	int64_t exp = 1789959600;	/* 2026-09-21T12:00:00+09:00 */
	int i, timed = 0;

	/* lgwan -> internet exceptions are refused by I4: use a lgwan -> lgwan-internal one */
	ck_assert_int_lt(build(x, NOW, &p, &c, &d), 0);
	done(p, c, &d);
	x = "exceptions: ( { id = \"EX-1\"; from = \"jlis\"; to = \"mail\"; proto = \"tcp\"; ports = [22];\n"
	    "    reason = \"r\"; requested_by = \"a\"; approved_by = \"b\"; expires = \"2026-09-21T12:00:00+09:00\"; } );\n";
	ck_assert_int_eq(build(x, exp - 3600, &p, &c, &d), 0);
	s = set(c, "x_lgwan_lgwan_p4");
	ck_assert_ptr_nonnull(s);
	ir_elem_get(s, 0, &e);
	ck_assert_uint_eq(e.timeout_ms, 3600 * 1000);
	s = set(c, "live");
	for (i = 0; i < s->n_elems; i++) {
		ir_elem_get(s, i, &e);
		timed += e.timeout_ms == 3600 * 1000;
	}
	ck_assert_int_eq(timed, 1);
	done(p, c, &d);
	ck_assert_int_eq(build(x, exp + 1, &p, &c, &d), 0);
	ck_assert(set(c, "x_lgwan_lgwan_p4") == NULL || set(c, "x_lgwan_lgwan_p4")->n_elems == 0);
	ck_assert_int_eq(d.warnings, 2);	/* expired; lgwan>lgwan never crosses the gateway */
	done(p, c, &d);
}
END_TEST

/* Two flows naming overlapping traffic with different decisions cannot both be in the kernel:
 * refused with both names and lines. Exact duplicates of one flow are merged. */
START_TEST(test_overlap_refused)
{
	const char *x;
	struct policy *p;
	struct comp_result *c;
	struct diag d;
	int i, found = 0;

	x = "groups: ( { name = \"a\"; members = [\"10.20.0.0/25\"]; }, { name = \"b\"; members = [\"10.20.0.64/26\"]; } );\n"
	    "flows: ( { name = \"f1\"; class = \"internal\"; from = \"a\"; to = \"mail\"; proto = \"udp\"; ports = [53]; purpose = \"p\"; },\n"
	    "  { name = \"f2\"; class = \"internal\"; from = \"b\"; to = \"mail\"; proto = \"udp\"; ports = [53]; purpose = \"p\"; } );\n";
	ck_assert_int_eq(build(x, NOW, &p, &c, &d), -EINVAL);
	for (i = 0; i < d.n; i++) {
		if (d.v[i].sev == DIAG_ERROR && strstr(d.v[i].msg, "'f1'") &&
		    strstr(d.v[i].msg, "'f2'") && strstr(d.v[i].msg, "overlapping"))
			found++;
	}
	ck_assert_int_eq(found, 1);
	ck_assert_ptr_null(c);
	done(p, c, &d);
}
END_TEST

/* The Internet zone ("any") may send from every address outside the other zones' networks. */
START_TEST(test_any_sources)
{
	struct policy *p;
	struct comp_result *c;
	struct diag d;
	const struct ir_set *s;
	char buf[256];
	struct ir_elem e;
	int i;
	const char *want[] = {
		"\"in0\" . 0.0.0.0-10.9.255.255", "\"in0\" . 10.10.1.0-10.19.255.255",
		"\"in0\" . 10.20.1.0-255.255.255.255", "\"lg0\" . 10.20.0.0/24",
		"\"mn0\" . 10.10.0.0/24",
	};

	ck_assert_int_eq(build(flows_ok, NOW, &p, &c, &d), 0);
	s = set(c, "src4");
	ck_assert_int_eq(s->n_elems, 5);
	for (i = 0; i < s->n_elems; i++) {
		ir_elem_get(s, i, &e);
		ck_assert_int_gt(nftgen_elem(s, &e, buf, sizeof(buf)), 0);
		ck_assert_str_eq(buf, want[i]);
	}
	done(p, c, &d);
}
END_TEST

/* A single-field interval element becomes start + interval end at key_end + 1; none past the
 * top of the address space. */
START_TEST(test_wire_rbtree)
{
	static const enum ir_field k = F_IP_DADDR;
	struct ir_ruleset *rs = ir_new();
	struct ir_elem e = { 0 };
	struct nlb_wire w[2];
	int s;

	ck_assert_ptr_nonnull(rs);
	s = ir_set_add(rs, "x", &k, 1, IR_DATA_NONE, IR_SET_INTERVAL, NULL);
	memcpy(e.key, "\x0b\x00\x00\x00", 4);
	memcpy(e.key_end, "\x0b\x00\x00\xff", 4);
	ck_assert_int_eq(nlb_wire(rs, &rs->sets[s], &e, w), 2);
	ck_assert_mem_eq(w[1].key, "\x0b\x00\x01\x00", 4);
	ck_assert_uint_eq(w[1].flags, NFT_SET_ELEM_INTERVAL_END);
	memcpy(e.key_end, "\xff\xff\xff\xff", 4);
	ck_assert_int_eq(nlb_wire(rs, &rs->sets[s], &e, w), 1);
	ir_free(rs);
}
END_TEST

/* The batch: BEGIN with a genid, the table replaced, every message acked and traceable. */
START_TEST(test_batch)
{
	struct policy *p;
	struct comp_result *c;
	struct diag d;
	struct nlbatch b;
	const struct nlmsghdr *nlh = NULL;
	const struct nlb_origin *o;
	size_t off = 0;
	int n = 0, deltable = 0, acks = 0, rule_lines = 0;
	uint32_t genid;

	ck_assert_int_eq(build(flows_ok, NOW, &p, &c, &d), 0);
	ck_assert_int_eq(nlb_build(&b, c->rs, 100, &(struct nlb_opts){ .genid = true, .end = true }), 0);
	nlb_set_genid(&b, 0x01020304);
	memcpy(&genid, b.buf + b.genid_off, 4);
	ck_assert_uint_eq(ntohl(genid), 0x01020304);
	while (off < b.len) {
		nlh = (const struct nlmsghdr *)(b.buf + off);
		ck_assert_uint_ge(nlh->nlmsg_len, sizeof(*nlh));
		if (n == 0)
			ck_assert_uint_eq(nlh->nlmsg_type, NFNL_MSG_BATCH_BEGIN);
		if (nlh->nlmsg_type == ((NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_DELTABLE))
			deltable++;
		acks += !!(nlh->nlmsg_flags & NLM_F_ACK);
		o = nlb_origin(&b, nlh->nlmsg_seq);
		ck_assert_ptr_nonnull(o);
		if (o->line > 0 && strstr(o->what, "juki-jlis"))
			rule_lines++;
		off += NLMSG_ALIGN(nlh->nlmsg_len);
		n++;
	}
	ck_assert_ptr_nonnull(nlh);
	ck_assert_uint_eq(nlh->nlmsg_type, NFNL_MSG_BATCH_END);
	ck_assert_int_eq(n, b.n_msgs);
	ck_assert_int_eq(deltable, 1);
	ck_assert_int_eq(acks, n - 2);
	ck_assert_int_ge(rule_lines, 1);	/* the flow's elements name it and its line */
	nlb_fini(&b);
	done(p, c, &d);
}
END_TEST

static const char *first_expr_named(struct nftnl_rule *r, const char *want)
{
	struct nftnl_expr_iter *it = nftnl_expr_iter_create(r);
	struct nftnl_expr *e;
	const char *found = NULL;

	while (it && (e = nftnl_expr_iter_next(it))) {
		if (!strcmp(nftnl_expr_get_str(e, NFTNL_EXPR_NAME), want))
			found = want;
	}
	nftnl_expr_iter_destroy(it);
	return found;
}

/* Both queue paths: nft_queue where the kernel has it, the xtables NFQUEUE target (revision 3,
 * XT_ALIGN'ed info) through nft_compat where it has not; no bypass unless asked. */
START_TEST(test_queue_paths)
{
	struct ir_ruleset *rs = ir_new();
	struct ir_rule ir;
	struct ir_stmt *x;
	struct nftnl_rule *r;
	struct nftnl_expr_iter *it;
	struct nftnl_expr *e;
	uint32_t len = 0;
	const uint8_t *info = NULL;
	int ch;

	ck_assert_ptr_nonnull(rs);
	ch = ir_chain_add(rs, "c", IR_HOOK_NONE, 0, false);
	ir_rule_init(&ir, NULL, 0);
	x = ir_stmt(&ir, OP_QUEUE);
	x->value = 2;
	x->aux = 3;
	ck_assert_int_eq(ir_rule_add(rs, ch, &ir), 0);
	r = nlb_rule(rs, &rs->chains[ch], &rs->chains[ch].rules[0], &(struct nlb_opts){ 0 });
	ck_assert_ptr_nonnull(first_expr_named(r, "queue"));
	ck_assert_ptr_null(first_expr_named(r, "target"));
	nftnl_rule_free(r);
	r = nlb_rule(rs, &rs->chains[ch], &rs->chains[ch].rules[0],
		     &(struct nlb_opts){ .queue_compat = true });
	ck_assert_ptr_null(first_expr_named(r, "queue"));
	it = nftnl_expr_iter_create(r);
	e = nftnl_expr_iter_next(it);
	ck_assert_str_eq(nftnl_expr_get_str(e, NFTNL_EXPR_TG_NAME), "NFQUEUE");
	ck_assert_uint_eq(nftnl_expr_get_u32(e, NFTNL_EXPR_TG_REV), 3);
	info = nftnl_expr_get(e, NFTNL_EXPR_TG_INFO, &len);
	ck_assert_uint_eq(len, 8);
	ck_assert_mem_eq(info, "\x02\x00\x03\x00\x00\x00", 6);	/* queue 2, 3 queues, no bypass */
	nftnl_expr_iter_destroy(it);
	nftnl_rule_free(r);
	ir_free(rs);
}
END_TEST

/* A rule's statement of op, or NULL. */
static const struct ir_stmt *stmt_of(const struct ir_rule *r, enum ir_op op)
{
	int i;

	for (i = 0; i < r->n; i++) {
		if (r->s[i].op == op)
			return &r->s[i];
	}
	return NULL;
}

/* Meters (R44): first in every pair chain that can accept something, with the pair's own
 * limits; none where everything is dropped anyway; 0 switches one off; IPv6 per /64. */
START_TEST(test_meters)
{
	static const char *const tail =
		"limits: { ct_count = 0; pairs: ( { pair = \"internet>lgwan\"; rate = 20; burst = 30;\n"
		"  ct_count = 8; }, { pair = \"mynumber>lgwan\"; rate = 0; } ); };\n";
	const struct ir_rule *r;
	const struct ir_stmt *x;
	const struct ir_set *m;
	struct policy *p;
	struct comp_result *c;
	struct diag d;
	char *all = NULL;
	int ch;

	ck_assert_int_ge(asprintf(&all, "%s%s", flows_ok, tail), 0);
	ck_assert_int_eq(build(all, NOW, &p, &c, &d), 0);
	ch = ir_chain_find(c->rs, "fwd_internet_lgwan");	/* mail-text */
	ck_assert_int_ge(ch, 0);
	ck_assert_int_ge(c->rs->chains[ch].n_rules, 4);
	r = &c->rs->chains[ch].rules[0];
	x = stmt_of(r, OP_METER_RATE);
	ck_assert_ptr_nonnull(x);
	ck_assert_uint_eq(x->value, 20);
	ck_assert_uint_eq(x->aux, 30);
	ck_assert_int_eq(x->f[0], F_IP_SADDR);
	ck_assert_uint_eq(x->plen, 0);
	ck_assert_ptr_nonnull(stmt_of(r, OP_COUNTER));
	ck_assert_str_eq(c->rs->chains[stmt_of(r, OP_JUMP)->aux].name, "meter_rate");
	m = &c->rs->sets[x->set];
	ck_assert_str_eq(m->name, "internet_lgwan_rate4");
	ck_assert_uint_eq(m->flags & (IR_SET_METER | IR_SET_TIMEOUT | IR_SET_DYNAMIC),
			  IR_SET_METER | IR_SET_TIMEOUT | IR_SET_DYNAMIC);
	ck_assert_uint_gt(m->size, 0);
	ck_assert_uint_gt(m->timeout_ms, 0);
	x = stmt_of(&c->rs->chains[ch].rules[1], OP_METER_RATE);
	ck_assert_ptr_nonnull(x);
	ck_assert_int_eq(x->f[0], F_IP6_SADDR);
	ck_assert_uint_eq(x->plen, 64);
	x = stmt_of(&c->rs->chains[ch].rules[2], OP_METER_CONNS);
	ck_assert_ptr_nonnull(x);
	ck_assert_uint_eq(x->value, 8);
	m = &c->rs->sets[x->set];
	ck_assert_str_eq(m->name, "internet_lgwan_conns4");
	ck_assert_uint_eq(m->flags & IR_SET_TIMEOUT, 0);	/* connlimit: no element timeout */
	ck_assert_ptr_nonnull(stmt_of(&c->rs->chains[ch].rules[3], OP_METER_CONNS));
	ck_assert_ptr_null(stmt_of(&c->rs->chains[ch].rules[4], OP_METER_CONNS));
	/* mynumber>lgwan: rate off here, ct count off everywhere but internet>lgwan */
	ch = ir_chain_find(c->rs, "fwd_mynumber_lgwan");
	ck_assert_ptr_null(stmt_of(&c->rs->chains[ch].rules[0], OP_METER_RATE));
	ck_assert_ptr_null(stmt_of(&c->rs->chains[ch].rules[0], OP_METER_CONNS));
	ck_assert_int_lt(ir_set_find(c->rs, "mynumber_lgwan_conns4"), 0);
	/* nothing can pass lgwan>internet: no meter */
	ch = ir_chain_find(c->rs, "fwd_lgwan_internet");
	ck_assert_ptr_null(stmt_of(&c->rs->chains[ch].rules[0], OP_METER_RATE));
	ck_assert_int_lt(ir_set_find(c->rs, "lgwan_internet_rate4"), 0);
	free(all);
	done(p, c, &d);
}
END_TEST

/* The meters in nft syntax and as libnftnl expressions: a dynset carrying an inverted limit
 * (update) or connlimit (add), the IPv6 key masked to /64 first. */
START_TEST(test_meter_exprs)
{
	struct policy *p;
	struct comp_result *c;
	struct diag d;
	struct nftnl_rule *r;
	struct nftnl_expr_iter *it;
	struct nftnl_expr *e, *dyn = NULL;
	char *out = NULL;
	size_t len = 0;
	FILE *f;
	int ch, bitwise = 0;

	ck_assert_int_eq(build(flows_ok, NOW, &p, &c, &d), 0);
	f = open_memstream(&out, &len);
	ck_assert_int_eq(nftgen_print(c->rs, f, false), 0);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(out, "\t\tupdate @internet_lgwan_rate4 { ip saddr limit rate over "
				     "200/second burst 400 packets } counter jump meter_rate comment "
				     "\"meter: rate per source\"\n"));
	ck_assert_ptr_nonnull(strstr(out, "\t\tadd @internet_lgwan_conns6 { ip6 saddr & "
				     "ffff:ffff:ffff:ffff:: ct count over 1000 } counter jump meter_conns"));
	ck_assert_ptr_nonnull(strstr(out, "\tset internet_lgwan_rate4 {\n\t\ttype ipv4_addr\n"
				     "\t\tflags timeout,dynamic\n\t\tsize 65535\n\t\ttimeout 60s\n"));
	ck_assert_ptr_nonnull(strstr(out, "\tchain meter_rate {\n\t\tlimit rate 50/second burst 100 "
				     "packets log prefix \"sanso meter rate \" group 7 comment \"refused: "
				     "logged (rate-limited)\"\n\t\tcounter drop comment \"refused: "
				     "counted and dropped\"\n"));
	ch = ir_chain_find(c->rs, "fwd_internet_lgwan");
	r = nlb_rule(c->rs, &c->rs->chains[ch], &c->rs->chains[ch].rules[1], &(struct nlb_opts){ 0 });
	it = nftnl_expr_iter_create(r);
	while ((e = nftnl_expr_iter_next(it))) {
		if (!strcmp(nftnl_expr_get_str(e, NFTNL_EXPR_NAME), "bitwise"))
			bitwise++;
		if (!strcmp(nftnl_expr_get_str(e, NFTNL_EXPR_NAME), "dynset"))
			dyn = e;
	}
	nftnl_expr_iter_destroy(it);
	ck_assert_int_eq(bitwise, 1);
	ck_assert_ptr_nonnull(dyn);
	ck_assert_uint_eq(nftnl_expr_get_u32(dyn, NFTNL_EXPR_DYNSET_OP), NFT_DYNSET_OP_UPDATE);
	ck_assert_str_eq(nftnl_expr_get_str(dyn, NFTNL_EXPR_DYNSET_SET_NAME), "internet_lgwan_rate6");
	e = (struct nftnl_expr *)nftnl_expr_get(dyn, NFTNL_EXPR_DYNSET_EXPR, NULL);
	ck_assert_ptr_nonnull(e);
	ck_assert_str_eq(nftnl_expr_get_str(e, NFTNL_EXPR_NAME), "limit");
	ck_assert_uint_eq(nftnl_expr_get_u32(e, NFTNL_EXPR_LIMIT_FLAGS), NFT_LIMIT_F_INV);
	ck_assert_uint_eq(nftnl_expr_get_u64(e, NFTNL_EXPR_LIMIT_RATE), 200);
	nftnl_rule_free(r);
	free(out);
	done(p, c, &d);
}
END_TEST

/* The ha section (R99, R102): VRRP on the zone interfaces, conntrackd between the two nodes on
 * the sync link before anything else of input/output, the sync link closed to everything else
 * and never forwarded; nothing of it without the section; a sync link inside a zone refused. */
static int ha_rule(const struct comp_result *c, const char *chain, const char *comment, int nth)
{
	const struct ir_chain *ch = &c->rs->chains[ir_chain_find(c->rs, chain)];
	int i;

	for (i = 0; i < ch->n_rules; i++) {
		if (ch->rules[i].comment && !strcmp(ch->rules[i].comment, comment) && nth-- == 0)
			return i;
	}
	return -1;
}

START_TEST(test_ha)
{
	static const char *const ha4 =
		"ha: { sync_interface = \"sy0\"; nodes = [\"10.255.0.1\", \"10.255.0.2\"]; };\n";
	static const char *const ha6 =
		"ha: { sync_interface = \"sy0\"; nodes = [\"fd99::1\", \"fd99::2\"];\n"
		"  conntrackd_port = 4000; };\n";
	const struct ir_chain *in;
	const struct ir_stmt *x;
	struct policy *p;
	struct comp_result *c;
	struct diag d;
	int vrrp, sync, drop, nd;

	ck_assert_int_eq(build(ha4, NOW, &p, &c, &d), 0);
	ck_assert(p->ha.present);
	ck_assert_int_eq(p->ha.conntrackd_port, 3780);
	in = &c->rs->chains[ir_chain_find(c->rs, "input")];
	vrrp = ha_rule(c, "input", "ha: VRRP on the zone interfaces", 0);
	sync = ha_rule(c, "input", "ha: conntrackd sync", 1);
	drop = ha_rule(c, "input", "ha: the sync link carries nothing else", 0);
	ck_assert_int_eq(vrrp, 1);			/* right after loopback */
	ck_assert_int_lt(vrrp, sync);
	ck_assert_int_eq(drop, sync + 3);	/* then sansod's sync, one per node */
	ck_assert_int_eq(ha_rule(c, "input", "ha: sansod sync", 1), sync + 2);
	ck_assert_uint_eq(in->rules[sync + 2].s[3].val[0] << 8 | in->rules[sync + 2].s[3].val[1],
			  3781);
	x = stmt_of(&in->rules[vrrp], OP_LOOKUP);
	ck_assert_str_eq(c->rs->sets[x->set].name, "zone_ifs");
	ck_assert_int_eq(in->rules[vrrp].s[1].f[0], F_L4PROTO);
	ck_assert_uint_eq(in->rules[vrrp].s[1].val[0], 112);
	ck_assert_int_eq(in->rules[vrrp].s[2].f[0], F_IP_DADDR);
	ck_assert_uint_eq(in->rules[vrrp].s[2].val[0], 224);
	ck_assert_uint_eq(in->rules[vrrp].s[2].val[3], 18);
	ck_assert_str_eq((const char *)in->rules[sync].s[0].val, "sy0");
	ck_assert_int_eq(in->rules[sync].s[1].f[0], F_IP_SADDR);
	ck_assert_uint_eq(in->rules[sync].s[1].val[3], 2);
	ck_assert_uint_eq(in->rules[sync].s[3].val[0] << 8 | in->rules[sync].s[3].val[1], 3780);
	ck_assert_ptr_nonnull(stmt_of(&in->rules[drop], OP_DROP));
	ck_assert_int_eq(ha_rule(c, "output", "ha: conntrackd sync", 0) >= 0, 1);
	ck_assert_int_eq(ha_rule(c, "output", "ha: VRRP on the zone interfaces", 1) >= 0, 1);
	/* the first two rules of forward: nothing from or to the sync link */
	ck_assert_int_eq(ha_rule(c, "forward", "ha: the sync link is not forwarded", 0), 0);
	ck_assert_int_eq(ha_rule(c, "forward", "ha: the sync link is not forwarded", 1), 1);
	done(p, c, &d);

	ck_assert_int_eq(build(ha6, NOW, &p, &c, &d), 0);
	in = &c->rs->chains[ir_chain_find(c->rs, "input")];
	sync = ha_rule(c, "input", "ha: conntrackd sync", 0);
	nd = ha_rule(c, "input", "ha: neighbour discovery on the sync link", 0);
	ck_assert_int_eq(in->rules[sync].s[1].f[0], F_IP6_SADDR);
	ck_assert_uint_eq(in->rules[sync].s[3].val[0] << 8 | in->rules[sync].s[3].val[1], 4000);
	ck_assert_int_eq(nd, sync + 4);
	ck_assert_int_eq(ha_rule(c, "input", "ha: the sync link carries nothing else", 0), nd + 1);
	done(p, c, &d);

	ck_assert_int_eq(build("", NOW, &p, &c, &d), 0);	/* no section: no rule */
	ck_assert_int_lt(ha_rule(c, "input", "ha: VRRP on the zone interfaces", 0), 0);
	ck_assert_int_lt(ha_rule(c, "forward", "ha: the sync link is not forwarded", 0), 0);
	done(p, c, &d);

	ck_assert_int_eq(build("ha: { sync_interface = \"lg0\"; nodes = [\"10.255.0.1\", "
			       "\"10.255.0.2\"]; };\n", NOW, &p, &c, &d), -EINVAL);
	ck_assert_ptr_null(c);
	done(p, c, &d);
	ck_assert_int_eq(build("ha: { sync_interface = \"sy0\"; nodes = [\"10.255.0.1\", "
			       "\"fd99::2\"]; };\n", NOW, &p, &c, &d), -EINVAL);
	done(p, c, &d);
}
END_TEST

Suite *suite_compile(void);

Suite *suite_compile(void)
{
	Suite *s = suite_create("compile");
	TCase *tc = tcase_create("compile");

	tcase_add_test(tc, test_layout);
	tcase_add_test(tc, test_decision_ids);
	tcase_add_test(tc, test_exception_timeout);
	tcase_add_test(tc, test_overlap_refused);
	tcase_add_test(tc, test_any_sources);
	tcase_add_test(tc, test_wire_rbtree);
	tcase_add_test(tc, test_batch);
	tcase_add_test(tc, test_queue_paths);
	tcase_add_test(tc, test_meters);
	tcase_add_test(tc, test_meter_exprs);
	tcase_add_test(tc, test_ha);
	suite_add_tcase(s, tc);
	return s;
}
