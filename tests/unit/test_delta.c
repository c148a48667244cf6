/* SPDX-License-Identifier: GPL-2.0-only */
/* test_delta.c: old ruleset, new ruleset -> the smallest change (delta.h) and its batch
 * (nlb_build_delta): elements added, removed and changed (maps, intervals, concatenations),
 * timeouts that only count down, learned and meter sets left alone, chains refilled, sets
 * created and deleted, and what cannot be a delta. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include "compile.h"
#include "conf.h"
#include "delta.h"
#include "nftgen.h"
#include "nlbatch.h"

#define NOW 1790000000

static char *text_of(const struct ir_ruleset *rs)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(nftgen_print(rs, f, false), 0);
	fclose(f);
	return buf;
}

/* comp_isolate on a built generation gives what a whole build with those isolations gives,
 * in text and as a delta of nothing; the copy outlives its base (shared strings). */
START_TEST(test_isolate_on_built)
{
	const char *iso[] = { "juki-01", "lgwan" }, *none[] = { NULL };
	struct comp_extra x = { iso, 2 }, x0 = { none, 0 };
	struct comp_result *c0 = NULL, *c1 = NULL, *q1 = NULL, *q0 = NULL;
	struct policy *p = NULL;
	struct ir_delta d;
	struct diag dg;
	char *t1, *tq;

	diag_init(&dg);
	ck_assert_int_eq(conf_load_file("conf/three-tier.conf", &p, &dg), 0);
	ck_assert_int_eq(policy_validate(p, NOW, &dg), 0);
	ck_assert_int_eq(comp_build(p, NOW, &c0, &dg), 0);
	ck_assert_int_eq(comp_build_ex(p, NOW, &x, &c1, &dg), 0);
	ck_assert_int_eq(comp_isolate(p, c0, &x, &q1, &dg), 0);
	comp_result_free(c0);			/* q1 keeps the strings it shares */
	t1 = text_of(c1->rs);
	tq = text_of(q1->rs);
	ck_assert_str_eq(tq, t1);
	free(t1);
	free(tq);
	ck_assert_int_eq(delta_compute(c1->rs, q1->rs, 10000, &d), 0);
	ck_assert_int_eq(d.n_changes, 0);
	delta_fini(&d);
	ck_assert_int_eq(comp_isolate(p, q1, &x0, &q0, &dg), 0);	/* restored */
	ck_assert_int_eq(comp_build(p, NOW, &c0, &dg), 0);
	ck_assert_int_eq(delta_compute(c0->rs, q0->rs, 10000, &d), 0);
	ck_assert_int_eq(d.n_changes, 0);
	ck_assert_int_eq(q0->n_decisions, c0->n_decisions);
	delta_fini(&d);
	ck_assert_int_eq(dg.errors, 0);
	comp_result_free(q1);
	comp_result_free(c1);
	comp_result_free(q0);
	comp_result_free(c0);
	policy_free(p);
	diag_fini(&dg);
}
END_TEST

/* An isolation that compiles to nothing is refused by comp_isolate as by a whole build, and
 * a base without iso sets is sent back to a whole build (-ENOENT). */
START_TEST(test_isolate_refused)
{
	const char *iso[] = { "no-such-host" };
	struct comp_extra x = { iso, 1 };
	struct comp_result *c0 = NULL, *q = NULL;
	struct policy *p = NULL;
	struct diag dg;
	int s;

	diag_init(&dg);
	ck_assert_int_eq(conf_load_file("conf/three-tier.conf", &p, &dg), 0);
	ck_assert_int_eq(policy_validate(p, NOW, &dg), 0);
	ck_assert_int_eq(comp_build(p, NOW, &c0, &dg), 0);
	ck_assert_int_eq(comp_isolate(p, c0, &x, &q, &dg), -EINVAL);
	ck_assert_ptr_null(q);
	ck_assert_int_ge(dg.errors, 1);
	s = ir_set_find(c0->rs, "iso4");
	ck_assert_int_ge(s, 0);
	snprintf(c0->rs->sets[s].name, sizeof(c0->rs->sets[s].name), "other");
	ck_assert_int_eq(comp_isolate(p, c0, &x, &q, &dg), -ENOENT);
	ck_assert_ptr_null(q);
	comp_result_free(c0);
	policy_free(p);
	diag_fini(&dg);
}
END_TEST

Suite *suite_delta(void);

static const enum ir_field k_ip = F_IP_DADDR;
static const enum ir_field k_cat[2] = { F_IP_SADDR, F_TH_DPORT };

/* A ruleset with one forward chain and three sets: a map of addresses to marks, an interval
 * set of addresses and a concatenated interval set; n elements each (address 10.0.0.i). */
static struct ir_ruleset *base(int n, uint32_t mark_of_3, uint64_t timeout)
{
	struct ir_ruleset *rs = ir_new();
	struct ir_rule r;
	struct ir_elem e;
	int ch, m, iv, cat, i;

	ck_assert_ptr_nonnull(rs);
	ch = ir_chain_add(rs, "fwd", IR_HOOK_FORWARD, 0, true);
	m = ir_set_add(rs, "marks", &k_ip, 1, IR_DATA_MARK, IR_SET_TIMEOUT, "marks");
	iv = ir_set_add(rs, "ranges", &k_ip, 1, IR_DATA_NONE, IR_SET_INTERVAL, "ranges");
	cat = ir_set_add(rs, "cat", k_cat, 2, IR_DATA_NONE, IR_SET_INTERVAL, "cat");
	ck_assert(ch >= 0 && m >= 0 && iv >= 0 && cat >= 0);
	for (i = 1; i <= n; i++) {
		uint8_t a[4] = { 10, 0, 0, (uint8_t)i }, b[4] = { 10, 0, 0, (uint8_t)(i * 2) };
		uint16_t port = 443;

		memset(&e, 0, sizeof(e));
		ir_put(e.key, 0, F_IP_DADDR, a);
		memcpy(e.key_end, e.key, IR_KEY_MAX);
		e.data = i == 3 ? mark_of_3 : 100U + (uint32_t)i;
		e.timeout_ms = timeout;
		ck_assert_int_ge(ir_elem_add(rs, m, &e), 0);
		e.data = 0;
		e.timeout_ms = 0;
		ck_assert_int_ge(ir_elem_add(rs, iv, &e), 0);
		memset(&e, 0, sizeof(e));
		ir_put_u32(e.key, ir_put(e.key, 0, F_IP_SADDR, a), F_TH_DPORT, port);
		ir_put_u32(e.key_end, ir_put(e.key_end, 0, F_IP_SADDR, b), F_TH_DPORT, port);
		ck_assert_int_ge(ir_elem_add(rs, cat, &e), 0);
	}
	ir_rule_init(&r, "lookup", 1);
	ir_stmt(&r, OP_LOOKUP)->set = iv;
	r.s[0].f[0] = F_IP_DADDR;
	r.s[0].n_f = 1;
	ir_stmt(&r, OP_ACCEPT);
	ck_assert_int_ge(ir_rule_add(rs, ch, &r), 0);
	return rs;
}

static void sort_all(struct ir_ruleset *rs)
{
	int i, a, b;

	for (i = 0; i < rs->n_sets; i++)
		ir_set_check(&rs->sets[i], &a, &b);
}

static const struct delta_elems *elems_of(const struct ir_delta *d, const struct ir_ruleset *rs,
					  const char *set)
{
	int i, s = ir_set_find(rs, set);

	for (i = 0; i < d->n_el; i++) {
		if (d->el[i].set_new == s)
			return &d->el[i];
	}
	return NULL;
}

START_TEST(test_same_is_empty)
{
	struct ir_ruleset *a = base(5, 7, 0), *b = base(5, 7, 0);
	struct ir_delta d;

	sort_all(a);
	sort_all(b);
	ck_assert_int_eq(delta_compute(a, b, 1000, &d), 0);
	ck_assert(!d.full);
	ck_assert_int_eq(d.n_changes, 0);
	ck_assert_int_eq(d.n_el + d.n_chains + d.n_new_sets + d.n_gone_sets, 0);
	delta_fini(&d);
	ir_free(a);
	ir_free(b);
}
END_TEST

START_TEST(test_add_remove_change)
{
	struct ir_ruleset *a = base(5, 7, 0), *b = base(6, 9, 0);	/* 10.0.0.6 new, .3 remapped */
	const struct delta_elems *e;
	struct ir_delta d;

	sort_all(a);
	sort_all(b);
	ck_assert_int_eq(delta_compute(a, b, 1000, &d), 0);
	ck_assert(!d.full);
	e = elems_of(&d, b, "marks");
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(e->n_add, 2);		/* .3 with its new mark, .6 */
	ck_assert_int_eq(e->n_del, 1);		/* .3 with its old mark */
	e = elems_of(&d, b, "ranges");
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(e->n_add, 1);
	ck_assert_int_eq(e->n_del, 0);
	e = elems_of(&d, b, "cat");
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(e->n_add, 1);
	ck_assert_int_eq(d.n_chains, 0);
	delta_fini(&d);
	ck_assert_int_eq(delta_compute(b, a, 1000, &d), 0);	/* and back */
	e = elems_of(&d, a, "ranges");
	ck_assert_int_eq(e->n_del, 1);
	ck_assert_int_eq(e->n_add, 0);
	delta_fini(&d);
	ir_free(a);
	ir_free(b);
}
END_TEST

START_TEST(test_timeouts_count_down)
{
	struct ir_ruleset *a = base(4, 7, 60000), *b = base(4, 7, 59000), *c = base(4, 7, 0);
	struct ir_delta d;

	sort_all(a);
	sort_all(b);
	sort_all(c);
	ck_assert_int_eq(delta_compute(a, b, 1000, &d), 0);
	ck_assert_int_eq(d.n_changes, 0);	/* time left is not a change */
	delta_fini(&d);
	ck_assert_int_eq(delta_compute(a, c, 1000, &d), 0);
	ck_assert_int_eq(elems_of(&d, c, "marks")->n_add, 4);	/* a timeout gone is one */
	delta_fini(&d);
	ir_free(a);
	ir_free(b);
	ir_free(c);
}
END_TEST

START_TEST(test_interval_end_changes)
{
	struct ir_ruleset *a = base(3, 7, 0), *b = base(3, 7, 0);
	struct ir_elem e;
	struct ir_set *s;
	struct ir_delta d;

	s = &b->sets[ir_set_find(b, "ranges")];
	ir_elem_get(s, 1, &e);
	e.key_end[3] = 200;			/* 10.0.0.2 - 10.0.0.200 */
	ir_elem_del(s, 1);
	ck_assert_int_ge(ir_elem_add(b, ir_set_find(b, "ranges"), &e), 0);
	sort_all(a);
	sort_all(b);
	ck_assert_int_eq(delta_compute(a, b, 1000, &d), 0);
	ck_assert_int_eq(elems_of(&d, b, "ranges")->n_add, 1);
	ck_assert_int_eq(elems_of(&d, b, "ranges")->n_del, 1);
	delta_fini(&d);
	ir_free(a);
	ir_free(b);
}
END_TEST

START_TEST(test_dynamic_and_meter_ignored)
{
	struct ir_ruleset *a = base(2, 7, 0), *b = base(2, 7, 0);
	struct ir_elem e = { 0 };
	struct ir_delta d;
	int s;

	s = ir_set_add(a, "learn", &k_ip, 1, IR_DATA_NONE, IR_SET_TIMEOUT | IR_SET_DYNAMIC, "l");
	ck_assert_int_ge(ir_set_add(b, "learn", &k_ip, 1, IR_DATA_NONE,
				    IR_SET_TIMEOUT | IR_SET_DYNAMIC, "l"), 0);
	e.key[0] = 1;
	e.timeout_ms = 1000;
	ck_assert_int_ge(ir_elem_add(a, s, &e), 0);	/* learned by the kernel, not compiled */
	sort_all(a);
	sort_all(b);
	ck_assert_int_eq(delta_compute(a, b, 1000, &d), 0);
	ck_assert(!d.full);
	ck_assert_int_eq(d.n_changes, 0);
	delta_fini(&d);
	ir_free(a);
	ir_free(b);
}
END_TEST

START_TEST(test_rules_sets_full)
{
	struct ir_ruleset *a = base(2, 7, 0), *b = base(2, 7, 0), *c = base(2, 7, 0);
	struct ir_rule r;
	struct ir_delta d;

	ir_rule_init(&r, "new rule", 2);
	ir_stmt(&r, OP_DROP);
	ck_assert_int_ge(ir_rule_add(b, 0, &r), 0);
	ck_assert_int_ge(ir_set_add(b, "extra", &k_ip, 1, IR_DATA_NONE, 0, "extra"), 0);
	ck_assert_int_eq(delta_compute(a, b, 1000, &d), 0);
	ck_assert(!d.full);
	ck_assert_int_eq(d.n_chains, 1);
	ck_assert_int_eq(d.n_new_sets, 1);
	delta_fini(&d);
	ck_assert_int_eq(delta_compute(b, a, 1000, &d), 0);
	ck_assert_int_eq(d.n_gone_sets, 1);
	delta_fini(&d);
	/* a set that changes its definition, a chain that changes, too many changes: full */
	c->sets[ir_set_find(c, "ranges")].flags |= IR_SET_TIMEOUT;
	ck_assert_int_eq(delta_compute(a, c, 1000, &d), 0);
	ck_assert(d.full);
	delta_fini(&d);
	c->sets[ir_set_find(c, "ranges")].flags &= ~IR_SET_TIMEOUT;
	c->chains[0].prio = 10;
	ck_assert_int_eq(delta_compute(a, c, 1000, &d), 0);
	ck_assert(d.full);
	delta_fini(&d);
	c->chains[0].prio = 0;
	ck_assert_int_eq(delta_compute(a, b, 1, &d), 0);
	ck_assert(d.full);
	delta_fini(&d);
	ir_free(a);
	ir_free(b);
	ir_free(c);
}
END_TEST

struct counts {
	int newset, delset, newelem, delelem, delrule, newrule, wire_elems, other;
};

static void count_msgs(const struct nlbatch *b, struct counts *c)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)b->buf;
	size_t len = b->len;

	memset(c, 0, sizeof(*c));
	for (; mnl_nlmsg_ok(nlh, (int)len); nlh = mnl_nlmsg_next(nlh, (int *)&len)) {
		int type = nlh->nlmsg_type & 0xff;
		const struct nlattr *a, *el;

		if (nlh->nlmsg_type == NFNL_MSG_BATCH_BEGIN || nlh->nlmsg_type == NFNL_MSG_BATCH_END)
			continue;
		c->newset += type == NFT_MSG_NEWSET;
		c->delset += type == NFT_MSG_DELSET;
		c->newelem += type == NFT_MSG_NEWSETELEM;
		c->delelem += type == NFT_MSG_DELSETELEM;
		c->delrule += type == NFT_MSG_DELRULE;
		c->newrule += type == NFT_MSG_NEWRULE;
		c->other += type == NFT_MSG_NEWTABLE || type == NFT_MSG_DELTABLE ||
			    type == NFT_MSG_NEWCHAIN;
		if (type != NFT_MSG_NEWSETELEM && type != NFT_MSG_DELSETELEM)
			continue;
		mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg)) {
			if (mnl_attr_get_type(a) != NFTA_SET_ELEM_LIST_ELEMENTS)
				continue;
			mnl_attr_for_each_nested(el, a)
				c->wire_elems++;
		}
	}
}

START_TEST(test_batch_of_delta)
{
	struct ir_ruleset *a = base(5, 7, 0), *b = base(6, 9, 0);
	struct nlb_opts o = { .genid = true, .end = true };
	struct ir_rule r;
	struct nlbatch nb;
	struct ir_delta d;
	struct counts c;

	ir_rule_init(&r, "new rule", 2);
	ir_stmt(&r, OP_DROP);
	ck_assert_int_ge(ir_rule_add(b, 0, &r), 0);
	sort_all(a);
	sort_all(b);
	ck_assert_int_eq(delta_compute(a, b, 1000, &d), 0);
	ck_assert_int_eq(nlb_build_delta(&nb, a, b, &d, 100, &o), 0);
	ck_assert(nb.genid_off != 0);
	count_msgs(&nb, &c);
	ck_assert_int_eq(c.other, 0);		/* no table, no chain: not a replace */
	ck_assert_int_eq(c.delrule, 1);		/* the chain emptied ... */
	ck_assert_int_eq(c.newrule, 2);		/* ... and refilled */
	ck_assert_int_eq(c.delelem, 1);		/* marks: .3 */
	ck_assert_int_eq(c.newelem, 3);		/* marks (.3, .6), ranges (.6), cat (.6) */
	/* marks: .3 out, .3 .6 in; ranges .6: start + interval end; cat .6: one (key_end) */
	ck_assert_int_eq(c.wire_elems, 1 + 2 + 2 + 1);
	nlb_fini(&nb);
	d.full = true;
	ck_assert_int_eq(nlb_build_delta(&nb, a, b, &d, 100, &o), -EINVAL);
	delta_fini(&d);
	ir_free(a);
	ir_free(b);
}
END_TEST

/* A real policy with and without an isolation: the isolation is a delta of iso elements
 * only (the iso sets and their rules exist in every generation), the flows' decisions are
 * untouched. */
START_TEST(test_policy_isolation)
{
	const char *iso[] = { "juki-01" };
	struct comp_extra x = { iso, 1 };
	struct comp_result *c0 = NULL, *c1 = NULL, *c2 = NULL;
	struct policy *p = NULL;
	struct ir_delta d;
	struct diag dg;
	int i;

	diag_init(&dg);
	ck_assert_int_eq(conf_load_file("conf/three-tier.conf", &p, &dg), 0);
	ck_assert_int_eq(policy_validate(p, NOW, &dg), 0);
	ck_assert_int_eq(comp_build(p, NOW, &c0, &dg), 0);
	ck_assert_int_eq(comp_build_ex(p, NOW, &x, &c1, &dg), 0);
	ck_assert_int_eq(comp_build(p, NOW + 60, &c2, &dg), 0);
	ck_assert_int_eq(delta_compute(c0->rs, c1->rs, 10000, &d), 0);
	ck_assert_msg(!d.full, "isolation not a delta: %s", d.why ? d.why : "");
	ck_assert_int_eq(d.n_new_sets, 0);
	ck_assert_int_eq(d.n_gone_sets, 0);
	ck_assert_int_eq(d.n_chains, 0);
	ck_assert_int_ge(d.n_changes, 1);
	for (i = 0; i < d.n_el; i++)
		ck_assert_msg(strncmp(c1->rs->sets[d.el[i].set_new].name, "iso", 3) == 0,
			      "isolation changed set %s", c1->rs->sets[d.el[i].set_new].name);
	ck_assert_int_eq(c0->n_decisions, c1->n_decisions);
	for (i = 0; i < c0->n_decisions; i++)
		ck_assert_uint_eq(c0->decisions[i].id, c1->decisions[i].id);
	delta_fini(&d);
	ck_assert_int_eq(delta_compute(c0->rs, c2->rs, 10000, &d), 0);
	ck_assert_int_eq(d.n_changes, 0);	/* a minute later: exception timeouts only */
	delta_fini(&d);
	comp_result_free(c0);
	comp_result_free(c1);
	comp_result_free(c2);
	policy_free(p);
	diag_fini(&dg);
}
END_TEST

Suite *suite_delta(void)
{
	Suite *s = suite_create("delta");
	TCase *t = tcase_create("delta");

	tcase_add_test(t, test_same_is_empty);
	tcase_add_test(t, test_add_remove_change);
	tcase_add_test(t, test_timeouts_count_down);
	tcase_add_test(t, test_interval_end_changes);
	tcase_add_test(t, test_dynamic_and_meter_ignored);
	tcase_add_test(t, test_rules_sets_full);
	tcase_add_test(t, test_batch_of_delta);
	tcase_add_test(t, test_policy_isolation);
	tcase_add_test(t, test_isolate_on_built);
	tcase_add_test(t, test_isolate_refused);
	suite_add_tcase(s, t);
	return s;
}
