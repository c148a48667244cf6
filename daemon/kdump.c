/* SPDX-License-Identifier: GPL-2.0-only */
/* kdump.c: what the kernel enforces, rendered for sansoctl (text or JSON); see kdump.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include "kdump.h"
#include "nftgen.h"
#include "nlbatch.h"
#include "nlsock.h"
#include "util_json.h"

static void hex16(char *out, size_t len, const uint8_t *b)
{
	size_t i, o = 0;

	for (i = 0; i < 16 && o + 3 < len; i++)
		o += (size_t)snprintf(out + o, len - o, "%02x", b[i]);
}

struct kdump {
	const struct ir_ruleset *rs;
	FILE *out;
	bool json;
	int n;				/* items printed in the current JSON array */
	char chain[IR_NAME_MAX];
	int idx;
	int set;			/* index in rs of the set being dumped, -1 if unknown */
	char set_name[IR_NAME_MAX];
	void (*counter)(void *arg, const char *chain, int idx, const char *comment,
			uint64_t pkts, uint64_t bytes);
	void *arg;
};

static const char *rule_comment(const struct nftnl_rule *r, char *buf, size_t len)
{
	const uint8_t *ud;
	uint32_t udlen = 0;

	buf[0] = '\0';
	ud = nftnl_rule_get_data(r, NFTNL_RULE_USERDATA, &udlen);
	/* one TLV: type NFTNL_UDATA_RULE_COMMENT (0), length, NUL-terminated text */
	if (ud && udlen > 2 && ud[0] == NFTNL_UDATA_RULE_COMMENT && ud[1] <= udlen - 2)
		snprintf(buf, len, "%.*s", ud[1], (const char *)ud + 2);
	return buf;
}

static int dump_rule_cb(const struct nlmsghdr *nlh, void *data)
{
	struct kdump *k = data;
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct nftnl_expr_iter *it;
	struct nftnl_expr *e;
	char line[4096], tmp[512], com[256];
	size_t o = 0;

	if (!r || nftnl_rule_nlmsg_parse(nlh, r) < 0 ||
	    strcmp(nftnl_rule_get_str(r, NFTNL_RULE_TABLE), IR_TABLE)) {
		nftnl_rule_free(r);
		return MNL_CB_OK;
	}
	if (strcmp(k->chain, nftnl_rule_get_str(r, NFTNL_RULE_CHAIN))) {
		snprintf(k->chain, sizeof(k->chain), "%s", nftnl_rule_get_str(r, NFTNL_RULE_CHAIN));
		k->idx = 0;
	}
	rule_comment(r, com, sizeof(com));
	it = nftnl_expr_iter_create(r);
	line[0] = '\0';
	while (it && (e = nftnl_expr_iter_next(it)) && o < sizeof(line) - 1) {
		const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);

		if (!strcmp(name, "counter") && k->counter)
			k->counter(k->arg, k->chain, k->idx, com,
				   nftnl_expr_get_u64(e, NFTNL_EXPR_CTR_PACKETS),
				   nftnl_expr_get_u64(e, NFTNL_EXPR_CTR_BYTES));
		nftnl_expr_snprintf(tmp, sizeof(tmp), e, NFTNL_OUTPUT_DEFAULT, 0);
		o += (size_t)snprintf(line + o, sizeof(line) - o, "%s[%s %s]", o ? " " : "", name, tmp);
	}
	nftnl_expr_iter_destroy(it);
	if (k->out && k->json) {
		fprintf(k->out, "%s\n    {\"chain\": ", k->n++ ? "," : "");
		util_json_str(k->out, k->chain);
		fprintf(k->out, ", \"index\": %d, \"comment\": ", k->idx);
		util_json_str(k->out, com);
		fprintf(k->out, ", \"expressions\": ");
		util_json_str(k->out, line);
		fputc('}', k->out);
	} else if (k->out) {
		fprintf(k->out, "  %s #%d%s%s%s: %s\n", k->chain, k->idx, com[0] ? " (" : "", com,
			com[0] ? ")" : "", line);
	}
	k->idx++;
	nftnl_rule_free(r);
	return MNL_CB_OK;
}

static int dump_elem_cb(const struct nlmsghdr *nlh, void *data)
{
	struct kdump *k = data;
	const struct ir_set *s = k->set >= 0 ? &k->rs->sets[k->set] : NULL;
	const struct nlattr *a, *el;
	struct ir_elem e;
	struct nlb_wire w;
	char key[512];

	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg)) {
		if (mnl_attr_get_type(a) != NFTA_SET_ELEM_LIST_ELEMENTS)
			continue;
		mnl_attr_for_each_nested(el, a) {
			if (nlb_wire_parse(el, &w) < 0 || (w.flags & NFT_SET_ELEM_INTERVAL_END))
				continue;
			memset(&e, 0, sizeof(e));
			memcpy(e.key, w.key, IR_KEY_MAX);
			memcpy(e.key_end, w.has_key_end ? w.key_end : w.key, IR_KEY_MAX);
			if (!s || nftgen_elem(s, &e, key, sizeof(key)) < 0)
				hex16(key, sizeof(key), w.key);
			if (k->json) {
				fprintf(k->out, "%s", k->n++ ? ", " : "");
				util_json_str(k->out, key);
			} else {
				fprintf(k->out, "    %s", key);
				if (w.expires_ms)
					fprintf(k->out, " (expires in %llus)",
						(unsigned long long)(w.expires_ms / 1000));
				if (w.has_data)
					fprintf(k->out, " : 0x%08x", w.data);
				if (w.chain)
					fprintf(k->out, " : jump %s", w.chain);
				fputc('\n', k->out);
			}
		}
	}
	return MNL_CB_OK;
}

struct names {
	char (*v)[IR_NAME_MAX];
	int n, cap;
	int err;
};

static int dump_set_names_cb(const struct nlmsghdr *nlh, void *data)
{
	struct names *nm = data;
	struct nftnl_set *s = nftnl_set_alloc();
	char (*v)[IR_NAME_MAX];

	if (s && nftnl_set_nlmsg_parse(nlh, s) == 0 &&
	    !strcmp(nftnl_set_get_str(s, NFTNL_SET_TABLE), IR_TABLE)) {
		if (nm->n == nm->cap) {
			nm->cap = nm->cap ? nm->cap * 2 : 64;
			v = realloc(nm->v, (size_t)nm->cap * sizeof(*v));
			if (!v) {
				nm->err = -ENOMEM;
				nftnl_set_free(s);
				return MNL_CB_ERROR;
			}
			nm->v = v;
		}
		snprintf(nm->v[nm->n++], IR_NAME_MAX, "%s", nftnl_set_get_str(s, NFTNL_SET_NAME));
	}
	nftnl_set_free(s);
	return MNL_CB_OK;
}

static int dump_request(struct nlsock *ns, uint16_t type, uint16_t attr, const char *set,
			mnl_cb_t cb, void *data)
{
	char buf[NLSOCK_REQ_BUF];
	struct nlmsghdr *nlh;

	nlh = nftnl_nlmsg_build_hdr(buf, type, NFPROTO_INET, NLM_F_DUMP, ++ns->seq);
	mnl_attr_put_strz(nlh, attr, IR_TABLE);
	if (set)
		mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, set);
	return nlsock_request(ns, nlh, cb, data);
}

static int dump_sets(struct nlsock *ns, struct kdump *k, bool json)
{
	struct names nm = { 0 };
	int r, i;

	r = dump_request(ns, NFT_MSG_GETSET, NFTA_SET_TABLE, NULL, dump_set_names_cb, &nm);
	if (nm.err)
		r = nm.err;
	for (i = 0; r >= 0 && i < nm.n; i++) {
		k->set = ir_set_find(k->rs, nm.v[i]);
		k->n = 0;
		if (json) {
			fprintf(k->out, "%s\n    {\"name\": ", i ? "," : "");
			util_json_str(k->out, nm.v[i]);
			fprintf(k->out, ", \"elements\": [");
		} else {
			fprintf(k->out, "  set %s\n", nm.v[i]);
		}
		r = dump_request(ns, NFT_MSG_GETSETELEM, NFTA_SET_ELEM_LIST_TABLE, nm.v[i],
				 dump_elem_cb, k);
		if (json)
			fprintf(k->out, "]}");
	}
	free(nm.v);
	return r;
}

int kdump_print(const struct ir_ruleset *rs, FILE *out, bool json)
{
	struct kdump k = { .rs = rs, .out = out, .json = json, .set = -1 };
	struct nlsock ns;
	int r;

	r = nlsock_open(&ns);
	if (r < 0)
		return r;
	fprintf(out, json ? "  \"rules\": [" : "chains and rules (kernel):\n");
	r = dump_request(&ns, NFT_MSG_GETRULE, NFTA_RULE_TABLE, NULL, dump_rule_cb, &k);
	fprintf(out, json ? "\n  ],\n  \"sets\": [" : "sets (kernel):\n");
	if (r >= 0)
		r = dump_sets(&ns, &k, json);
	if (json)
		fprintf(out, "\n  ]\n");
	nlsock_close(&ns);
	return r;
}

int kdump_counters(void (*cb)(void *arg, const char *chain, int idx, const char *comment,
			      uint64_t pkts, uint64_t bytes), void *arg)
{
	struct kdump k = { .counter = cb, .arg = arg, .set = -1 };
	struct nlsock ns;
	int r;

	r = nlsock_open(&ns);
	if (r < 0)
		return r;
	r = dump_request(&ns, NFT_MSG_GETRULE, NFTA_RULE_TABLE, NULL, dump_rule_cb, &k);
	nlsock_close(&ns);
	return r;
}

struct set_ctr {
	void (*cb)(void *arg, const char *comment, int comment_len, uint64_t pkts,
		   uint64_t bytes);
	void *arg;
};

static int set_ctr_cb(const struct nlmsghdr *nlh, void *data)
{
	struct set_ctr *sc = data;
	const struct nlattr *a, *el;
	struct nlb_wire w;

	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg)) {
		if (mnl_attr_get_type(a) != NFTA_SET_ELEM_LIST_ELEMENTS)
			continue;
		mnl_attr_for_each_nested(el, a) {
			if (nlb_wire_parse(el, &w) == 0 && w.has_counter && w.comment)
				sc->cb(sc->arg, w.comment, w.comment_len, w.packets, w.bytes);
		}
	}
	return MNL_CB_OK;
}

int kdump_set_counters(const char *name, void (*cb)(void *arg, const char *comment,
						    int comment_len, uint64_t pkts,
						    uint64_t bytes), void *arg)
{
	struct set_ctr sc = { cb, arg };
	struct nlsock ns;
	int r;

	r = nlsock_open(&ns);
	if (r < 0)
		return r;
	r = dump_request(&ns, NFT_MSG_GETSETELEM, NFTA_SET_ELEM_LIST_TABLE, name, set_ctr_cb, &sc);
	nlsock_close(&ns);
	return r;
}
