/* SPDX-License-Identifier: GPL-2.0-only */
/* test_nlbatch.c: the batch builder never emits a partial rule. Every allocating call of the
 * builder is made to fail in turn (nlbatch.c built with -DNLB_FAULT_INJECTION): each run
 * either succeeds with exactly the batch of a run without faults, or fails with -ENOMEM and
 * leaves nothing behind. Also: the largest rule the IR allows fits its message. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <endian.h>

#include <libmnl/libmnl.h>

#include <libnftnl/rule.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netlink.h>

#include "compile.h"
#include "conf.h"
#include "nlbatch.h"

#define NOW 1790000000		/* as the golden files */

static const char *const policies[] = {
	"conf/three-tier.conf",		/* engine queues, exceptions with timeouts, logs */
	"conf/breakout.conf",		/* breakout services: reject, dynamic sets */
};

static struct comp_result *compile_file(const char *path, struct policy **ret_p)
{
	struct comp_result *c = NULL;
	struct diag d;

	diag_init(&d);
	ck_assert_int_eq(conf_load_file(path, ret_p, &d), 0);
	ck_assert_int_eq(policy_validate(*ret_p, NOW, &d), 0);
	ck_assert_int_eq(comp_build(*ret_p, NOW, &c, &d), 0);
	diag_fini(&d);
	return c;
}

static void assert_same(const struct nlbatch *a, const struct nlbatch *b, long n)
{
	ck_assert_msg(a->len == b->len && a->n_msgs == b->n_msgs && !memcmp(a->buf, b->buf, a->len),
		      "allocation %ld failed, yet a different batch was built (%zu bytes, %d messages; without the fault %zu bytes, %d messages)",
		      n, b->len, b->n_msgs, a->len, a->n_msgs);
}

static void assert_nothing(const struct nlbatch *b, int r, long n)
{
	ck_assert_msg(r == -ENOMEM, "allocation %ld failed: nlb_build returned %d, not -ENOMEM", n,
		      r);
	ck_assert_msg(!b->buf && !b->len && !b->n_msgs && !b->orig,
		      "allocation %ld failed: a partial batch was left (%zu bytes)", n, b->len);
}

/* _i: policy index * 2 + queue_compat */
START_TEST(test_batch_faults)
{
	struct nlb_opts o = { .genid = true, .end = true, .queue_compat = _i & 1 };
	struct policy *p = NULL;
	struct comp_result *c = compile_file(policies[_i / 2], &p);
	struct nlbatch ref, b;
	long n, total, failed = 0;
	int r;

	nlb_fault_set(0);
	ck_assert_int_eq(nlb_build(&ref, c->rs, 1, &o), 0);
	total = nlb_fault_count();
	ck_assert_int_gt(total, 10);
	for (n = 1; n <= total; n++) {
		nlb_fault_set(n);
		r = nlb_build(&b, c->rs, 1, &o);
		if (r == 0)
			assert_same(&ref, &b, n);
		else
			assert_nothing(&b, r, n);
		failed += r != 0;
		nlb_fini(&b);
	}
	nlb_fault_set(0);
	/* every allocation is needed: none may fail unnoticed */
	ck_assert_int_eq(failed, total);
	nlb_fini(&ref);
	comp_result_free(c);
	policy_free(p);
}
END_TEST

static size_t rule_bytes(struct nftnl_rule *r, char *buf, size_t cap)
{
	struct nlmsghdr *nlh;

	memset(buf, 0, cap);
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_NEWRULE, NFPROTO_INET, 0, 1);
	nftnl_rule_nlmsg_build_payload(nlh, r);
	ck_assert_uint_le(nlh->nlmsg_len, cap);
	return nlh->nlmsg_len;
}

/* The read-back comparison builds each rule on its own (nlb_rule): all of it, or NULL. */
START_TEST(test_rule_faults)
{
	static char want[65536], got[65536];
	struct nlb_opts o = { 0 };
	struct policy *p = NULL;
	struct comp_result *c = compile_file(policies[_i], &p);
	const struct ir_ruleset *rs = c->rs;
	struct nftnl_rule *r;
	size_t wlen;
	long n, total;
	int i, j, checked = 0;

	for (i = 0; i < rs->n_chains; i++) {
		for (j = 0; j < rs->chains[i].n_rules; j++) {
			const struct ir_chain *ch = &rs->chains[i];

			nlb_fault_set(0);
			r = nlb_rule(rs, ch, &ch->rules[j], &o);
			ck_assert_ptr_nonnull(r);
			total = nlb_fault_count();
			wlen = rule_bytes(r, want, sizeof(want));
			nftnl_rule_free(r);
			for (n = 1; n <= total; n++) {
				nlb_fault_set(n);
				r = nlb_rule(rs, ch, &ch->rules[j], &o);
				ck_assert_msg(!r, "chain %s rule %d: allocation %ld failed, yet a rule was returned",
					      ch->name, j, n);
				checked++;
			}
			nlb_fault_set(0);
			r = nlb_rule(rs, ch, &ch->rules[j], &o);
			ck_assert_uint_eq(rule_bytes(r, got, sizeof(got)), wlen);
			ck_assert_mem_eq(got, want, wlen);
			nftnl_rule_free(r);
		}
	}
	ck_assert_int_gt(checked, 100);
	comp_result_free(c);
	policy_free(p);
}
END_TEST

/* The largest rule the IR can hold: every statement a lookup of the longest key, a full-length log
 * prefix and comment. Its message must be built within bounds (ASan) and fit. */
START_TEST(test_largest_rule)
{
	static const enum ir_field key[] = { F_ETHER_SADDR, F_IP6_SADDR, F_IP6_DADDR,
					     F_L4PROTO, F_TH_DPORT };	/* IR_KEY_MAX bytes */
	const int n_key = (int)(sizeof(key) / sizeof(key[0]));
	struct nlb_opts o = { .end = true };
	struct ir_ruleset *rs = ir_new();
	char name[IR_NAME_MAX], str[IR_STR_MAX];
	struct ir_rule rule;
	struct ir_stmt *x;
	struct nlbatch b;
	int ch, set, i;

	ck_assert_ptr_nonnull(rs);
	memset(name, 'c', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	memset(str, 's', sizeof(str) - 1);
	str[sizeof(str) - 1] = '\0';
	ch = ir_chain_add(rs, name, IR_HOOK_FORWARD, 0, true);
	name[0] = 'S';
	set = ir_set_add(rs, name, key, n_key, IR_DATA_NONE, IR_SET_INTERVAL, str);
	ck_assert_int_ge(ch, 0);
	ck_assert_int_ge(set, 0);
	ir_rule_init(&rule, ir_str(rs, str), 1);
	for (i = 0; i < IR_RULE_STMTS_MAX - 1; i++) {
		x = ir_stmt(&rule, OP_LOOKUP);
		ck_assert_ptr_nonnull(x);
		memcpy(x->f, key, sizeof(key));
		x->n_f = n_key;
		x->set = set;
	}
	x = ir_stmt(&rule, OP_LOG);
	x->str = ir_str(rs, str);
	ck_assert_int_ge(ir_rule_add(rs, ch, &rule), 0);
	ck_assert_int_eq(nlb_build(&b, rs, 1, &o), 0);
	nlb_fini(&b);
	ir_free(rs);
}
END_TEST

/* An element read back: its comment (nft's user data TLV) and its counter, as one expression
 * (NFTA_SET_ELEM_EXPR) or a list (NFTA_SET_ELEM_EXPRESSIONS); a comment whose length runs
 * past the attribute is ignored, never read beyond it. */
static void put_counter(struct nlmsghdr *nlh, uint16_t type, uint64_t pkts, uint64_t bytes)
{
	struct nlattr *x = mnl_attr_nest_start(nlh, type), *d;

	mnl_attr_put_strz(nlh, NFTA_EXPR_NAME, "counter");
	d = mnl_attr_nest_start(nlh, NFTA_EXPR_DATA);
	mnl_attr_put_u64(nlh, NFTA_COUNTER_BYTES, htobe64(bytes));
	mnl_attr_put_u64(nlh, NFTA_COUNTER_PACKETS, htobe64(pkts));
	mnl_attr_nest_end(nlh, d);
	mnl_attr_nest_end(nlh, x);
}

START_TEST(test_wire_parse_counter)
{
	static const uint8_t ud[] = { 0, 12, 'e', 'x', 'c', 'e', 'p', 't', 'i', 'o', 'n', ' ', 'X', 0 };
	static const uint8_t bad[] = { 0, 40, 'e', 'x' };
	char buf[1024];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nlattr *el, *key, *l;
	struct nlb_wire w;
	uint32_t mark = 7;

	el = mnl_attr_nest_start(nlh, NFTA_LIST_ELEM);
	key = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_KEY);
	mnl_attr_put(nlh, NFTA_DATA_VALUE, sizeof(mark), &mark);
	mnl_attr_nest_end(nlh, key);
	mnl_attr_put(nlh, NFTA_SET_ELEM_USERDATA, sizeof(ud), ud);
	put_counter(nlh, NFTA_SET_ELEM_EXPR, 5, 420);
	mnl_attr_nest_end(nlh, el);
	ck_assert_int_eq(nlb_wire_parse(el, &w), 0);
	ck_assert(w.has_counter);
	ck_assert_uint_eq(w.packets, 5);
	ck_assert_uint_eq(w.bytes, 420);
	ck_assert_int_eq(w.comment_len, 11);
	ck_assert(!strncmp(w.comment, "exception X", 11));

	nlh = mnl_nlmsg_put_header(buf);
	el = mnl_attr_nest_start(nlh, NFTA_LIST_ELEM);
	mnl_attr_put(nlh, NFTA_SET_ELEM_USERDATA, sizeof(bad), bad);
	l = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_EXPRESSIONS);
	put_counter(nlh, NFTA_LIST_ELEM, 9, 900);
	mnl_attr_nest_end(nlh, l);
	mnl_attr_nest_end(nlh, el);
	ck_assert_int_eq(nlb_wire_parse(el, &w), 0);
	ck_assert(w.has_counter);
	ck_assert_uint_eq(w.packets, 9);
	ck_assert_ptr_null(w.comment);
}
END_TEST

Suite *suite_nlbatch(void);

Suite *suite_nlbatch(void)
{
	Suite *s = suite_create("nlbatch");
	TCase *tc = tcase_create("nlbatch");

	tcase_set_timeout(tc, 300);
	tcase_add_loop_test(tc, test_batch_faults, 0, 4);
	tcase_add_loop_test(tc, test_rule_faults, 0, 2);
	tcase_add_test(tc, test_largest_rule);
	tcase_add_test(tc, test_wire_parse_counter);
	suite_add_tcase(s, tc);
	return s;
}
