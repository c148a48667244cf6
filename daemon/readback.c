/* SPDX-License-Identifier: GPL-2.0-only */
/* readback.c: read table inet sanso back and compare it with the compiled ruleset (I7); see
 * readback.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include "nftgen.h"
#include "nlbatch.h"
#include "nlsock.h"
#include "readback.h"
#include "util_hash.h"

#define READ_TRIES		16	/* reads interrupted or overtaken by other commits */
#define REPORT_MAX		40	/* differences listed */

/* ---- read-back (I7) ----
 * Both sides become canonical text lines (table objects and rules, through the same libnftnl
 * forms) and, for set elements, one 64-bit hash per wire element; counters and timeouts are
 * left out. Then sorted lists are merged and the differences reported. */

/* What a read-back compares: everything, or (a delta) the objects it touched. */
struct scope {
	const bool *rules;		/* per chain: compare its rules (NULL: all chains) */
	const bool *elems;		/* per set: compare its elements (NULL: all sets) */
};

struct lines {
	char **v;
	int n, cap;
};

struct hashes {
	uint64_t *v;
	int n, cap;
};

struct side {
	struct lines lines;
	struct hashes *elems;		/* per set of the compiled ruleset */
	int n_sets;
	bool table;
	int err;
};

static void lines_add(struct side *sd, const char *s)
{
	char **v;

	if (sd->lines.n == sd->lines.cap) {
		int cap = sd->lines.cap ? sd->lines.cap * 2 : 64;

		v = realloc(sd->lines.v, (size_t)cap * sizeof(*v));
		if (!v) {
			sd->err = -ENOMEM;
			return;
		}
		sd->lines.v = v;
		sd->lines.cap = cap;
	}
	sd->lines.v[sd->lines.n] = strdup(s);
	if (!sd->lines.v[sd->lines.n])
		sd->err = -ENOMEM;
	else
		sd->lines.n++;
}

static void hash_add(struct side *sd, int set, uint64_t h)
{
	struct hashes *hs = &sd->elems[set];
	uint64_t *v;

	if (hs->n == hs->cap) {
		int cap = hs->cap ? hs->cap * 2 : 64;

		v = realloc(hs->v, (size_t)cap * sizeof(*v));
		if (!v) {
			sd->err = -ENOMEM;
			return;
		}
		hs->v = v;
		hs->cap = cap;
	}
	hs->v[hs->n++] = h;
}

static void side_free(struct side *sd)
{
	int i;

	for (i = 0; i < sd->lines.n; i++)
		free(sd->lines.v[i]);
	free(sd->lines.v);
	for (i = 0; i < sd->n_sets; i++)
		free(sd->elems[i].v);
	free(sd->elems);
}

static size_t hex(char *out, size_t len, const void *data, size_t n)
{
	const uint8_t *b = data;
	size_t i, o = 0;

	for (i = 0; i < n && o + 3 < len; i++)
		o += (size_t)snprintf(out + o, len - o, "%02x", b[i]);
	return o;
}

static void canon_rule(struct side *sd, const struct nftnl_rule *r, int idx)
{
	char line[8192], tmp[1024];
	struct nftnl_expr_iter *it = nftnl_expr_iter_create(r);
	struct nftnl_expr *e;
	const void *ud;
	uint32_t udlen = 0;
	size_t o;

	if (!it) {
		sd->err = -ENOMEM;
		return;
	}
	o = (size_t)snprintf(line, sizeof(line), "rule %s #%d",
			     nftnl_rule_get_str(r, NFTNL_RULE_CHAIN), idx);
	while ((e = nftnl_expr_iter_next(it)) && o < sizeof(line) - 1) {
		const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);

		if (!strcmp(name, "dynset") && !nftnl_expr_is_set(e, NFTNL_EXPR_DYNSET_TIMEOUT))
			nftnl_expr_set_u64(e, NFTNL_EXPR_DYNSET_TIMEOUT, 0);	/* always dumped */
		if (!strcmp(name, "counter"))
			tmp[0] = '\0';
		else
			nftnl_expr_snprintf(tmp, sizeof(tmp), e, NFTNL_OUTPUT_DEFAULT, 0);
		o += (size_t)snprintf(line + o, sizeof(line) - o, " [%s %s]", name, tmp);
	}
	nftnl_expr_iter_destroy(it);
	ud = nftnl_rule_get_data(r, NFTNL_RULE_USERDATA, &udlen);
	if (ud && udlen && o < sizeof(line) - 16) {
		o += (size_t)snprintf(line + o, sizeof(line) - o, " udata=");
		hex(line + o, sizeof(line) - o, ud, udlen);
	}
	lines_add(sd, line);
}

static void canon_set(struct side *sd, const struct nftnl_set *s)
{
	char line[1024], ud[600] = "";
	uint32_t flags = nftnl_set_get_u32(s, NFTNL_SET_FLAGS), udlen = 0;
	const void *u = nftnl_set_get_data(s, NFTNL_SET_USERDATA, &udlen);

	if (u && udlen)
		hex(ud, sizeof(ud), u, udlen);
	snprintf(line, sizeof(line), "set %s flags 0x%x key 0x%x/%u data 0x%x/%u size %u ud %s",
		 nftnl_set_get_str(s, NFTNL_SET_NAME), flags,
		 nftnl_set_get_u32(s, NFTNL_SET_KEY_TYPE), nftnl_set_get_u32(s, NFTNL_SET_KEY_LEN),
		 (flags & NFT_SET_MAP) ? nftnl_set_get_u32(s, NFTNL_SET_DATA_TYPE) : 0,
		 (flags & NFT_SET_MAP) && nftnl_set_get_u32(s, NFTNL_SET_DATA_TYPE) != NFT_DATA_VERDICT ?
		 nftnl_set_get_u32(s, NFTNL_SET_DATA_LEN) : 0,
		 nftnl_set_is_set(s, NFTNL_SET_DESC_SIZE) ? nftnl_set_get_u32(s, NFTNL_SET_DESC_SIZE) : 0,
		 ud);
	lines_add(sd, line);
}

static void canon_chain(struct side *sd, const char *name, bool base, uint32_t hook, int prio,
			uint32_t policy)
{
	char line[256];

	if (base)
		snprintf(line, sizeof(line), "chain %s hook %u prio %d policy %u", name, hook, prio,
			 policy);
	else
		snprintf(line, sizeof(line), "chain %s", name);
	lines_add(sd, line);
}

static uint64_t wire_hash(const struct nlb_wire *w, size_t klen)
{
	uint64_t h = UTIL_FNV64_BASIS;
	uint8_t b = w->has_key_end;

	h = util_fnv64(h, w->key, klen);
	h = util_fnv64(h, &b, 1);
	if (w->has_key_end)
		h = util_fnv64(h, w->key_end, klen);
	h = util_fnv64(h, &w->flags, sizeof(w->flags));
	b = w->has_data;
	h = util_fnv64(h, &b, 1);
	if (w->has_data)
		h = util_fnv64(h, &w->data, sizeof(w->data));
	if (w->chain)
		h = util_fnv64(h, w->chain, strlen(w->chain) + 1);
	return h;
}

static int expected_side(const struct apply *ap, const struct ir_ruleset *rs,
			 const struct scope *sc, struct side *sd)
{
	struct nlb_opts o;
	struct nlb_wire w[2];
	int i, j, k, n;

	apply_opts(ap, &o);
	sd->n_sets = rs->n_sets;
	sd->elems = calloc((size_t)rs->n_sets + 1, sizeof(*sd->elems));
	if (!sd->elems)
		return -ENOMEM;
	sd->table = true;
	for (i = 0; i < rs->n_chains; i++) {
		const struct ir_chain *ch = &rs->chains[i];

		canon_chain(sd, ch->name, ch->hook != IR_HOOK_NONE, nlb_hooknum(ch->hook), ch->prio,
			    ch->policy_drop ? NF_DROP : NF_ACCEPT);
		for (j = 0; j < ch->n_rules && (!sc->rules || sc->rules[i]); j++) {
			struct nftnl_rule *r = nlb_rule(rs, ch, &ch->rules[j], &o);

			if (!r)
				return -ENOMEM;
			canon_rule(sd, r, j);
			nftnl_rule_free(r);
		}
	}
	for (i = 0; i < rs->n_sets; i++) {
		const struct ir_set *s = &rs->sets[i];
		struct nftnl_set *ns = nlb_set(s, &o);
		size_t klen = ir_key_len(s->key, s->n_key);

		if (!ns)
			return -ENOMEM;
		canon_set(sd, ns);
		nftnl_set_free(ns);
		for (j = 0; j < s->n_elems && !(s->flags & IR_SET_DYNAMIC) &&
			    (!sc->elems || sc->elems[i]); j++) {
			struct ir_elem e;

			ir_elem_get(s, j, &e);
			n = nlb_wire(rs, s, &e, w);
			for (k = 0; k < n; k++)
				hash_add(sd, i, wire_hash(&w[k], klen));
		}
	}
	return sd->err;
}

struct dump {
	struct nlsock *ns;
	struct side *sd;
	const struct ir_ruleset *rs;
	char chain[IR_NAME_MAX];
	int idx;
	int set;			/* element dumps: index in rs */
	const uint64_t *show;		/* element dumps, second pass: hashes to print */
	int n_show;
	struct diag *diag;
	int shown;
};

static int table_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump *d = data;
	struct nftnl_table *t = nftnl_table_alloc();

	if (!t)
		return MNL_CB_ERROR;
	if (nftnl_table_nlmsg_parse(nlh, t) == 0 &&
	    !strcmp(nftnl_table_get_str(t, NFTNL_TABLE_NAME), IR_TABLE))
		d->sd->table = true;
	nftnl_table_free(t);
	return MNL_CB_OK;
}

static int chain_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump *d = data;
	struct nftnl_chain *c = nftnl_chain_alloc();

	if (!c)
		return MNL_CB_ERROR;
	if (nftnl_chain_nlmsg_parse(nlh, c) == 0 &&
	    !strcmp(nftnl_chain_get_str(c, NFTNL_CHAIN_TABLE), IR_TABLE))
		canon_chain(d->sd, nftnl_chain_get_str(c, NFTNL_CHAIN_NAME),
			    nftnl_chain_is_set(c, NFTNL_CHAIN_HOOKNUM),
			    nftnl_chain_get_u32(c, NFTNL_CHAIN_HOOKNUM),
			    nftnl_chain_get_s32(c, NFTNL_CHAIN_PRIO),
			    nftnl_chain_get_u32(c, NFTNL_CHAIN_POLICY));
	nftnl_chain_free(c);
	return MNL_CB_OK;
}

static int rule_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump *d = data;
	struct nftnl_rule *r = nftnl_rule_alloc();
	const char *ch;

	if (!r)
		return MNL_CB_ERROR;
	if (nftnl_rule_nlmsg_parse(nlh, r) == 0 &&
	    !strcmp(nftnl_rule_get_str(r, NFTNL_RULE_TABLE), IR_TABLE)) {
		ch = nftnl_rule_get_str(r, NFTNL_RULE_CHAIN);
		if (strcmp(ch, d->chain)) {
			snprintf(d->chain, sizeof(d->chain), "%s", ch);
			d->idx = 0;
		}
		canon_rule(d->sd, r, d->idx++);
	}
	nftnl_rule_free(r);
	return MNL_CB_OK;
}

static int set_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump *d = data;
	struct nftnl_set *s = nftnl_set_alloc();

	if (!s)
		return MNL_CB_ERROR;
	if (nftnl_set_nlmsg_parse(nlh, s) == 0 &&
	    !strcmp(nftnl_set_get_str(s, NFTNL_SET_TABLE), IR_TABLE))
		canon_set(d->sd, s);
	nftnl_set_free(s);
	return MNL_CB_OK;
}

static void show_elem(struct dump *d, const struct ir_set *s, const struct nlb_wire *w)
{
	struct ir_elem e = { 0 };
	char key[512];

	memcpy(e.key, w->key, IR_KEY_MAX);
	memcpy(e.key_end, w->has_key_end ? w->key_end : w->key, IR_KEY_MAX);
	if (nftgen_elem(s, &e, key, sizeof(key)) < 0)
		snprintf(key, sizeof(key), "(unprintable)");
	if (d->shown++ < REPORT_MAX)
		diag_add(d->diag, DIAG_NOTE, NULL, 0, "set %s: element %s%s in the kernel but not in the policy",
			 s->name, key, w->flags ? " (interval end)" : "");
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int elem_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump *d = data;
	const struct ir_set *s = &d->rs->sets[d->set];
	size_t klen = ir_key_len(s->key, s->n_key);
	const struct nlattr *a, *el;
	struct nlb_wire w;
	uint64_t h;

	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg)) {
		if (mnl_attr_get_type(a) != NFTA_SET_ELEM_LIST_ELEMENTS)
			continue;
		mnl_attr_for_each_nested(el, a) {
			if (nlb_wire_parse(el, &w) < 0)
				return MNL_CB_ERROR;
			h = wire_hash(&w, klen);
			if (!d->show)
				hash_add(d->sd, d->set, h);
			else if (bsearch(&h, d->show, (size_t)d->n_show, sizeof(h), cmp_u64))
				show_elem(d, s, &w);
		}
	}
	return MNL_CB_OK;
}

static int dump_elems(struct dump *d, int set)
{
	char buf[NLSOCK_REQ_BUF];
	struct nlmsghdr *nlh;

	d->set = set;
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETSETELEM, NFPROTO_INET, NLM_F_DUMP,
				    ++d->ns->seq);
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE, IR_TABLE);
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, d->rs->sets[set].name);
	return nlsock_request(d->ns, nlh, elem_cb, d);
}

/* The rules of one chain (a delta's read-back). */
static int dump_chain_rules(struct dump *d, const char *chain)
{
	char buf[NLSOCK_REQ_BUF];
	struct nlmsghdr *nlh;

	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETRULE, NFPROTO_INET, NLM_F_DUMP, ++d->ns->seq);
	mnl_attr_put_strz(nlh, NFTA_RULE_TABLE, IR_TABLE);
	mnl_attr_put_strz(nlh, NFTA_RULE_CHAIN, chain);
	return nlsock_request(d->ns, nlh, rule_cb, d);
}

static int dump_objects(struct dump *d, const struct scope *sc)
{
	static const struct { uint16_t type, attr; mnl_cb_t cb; } q[] = {
		{ NFT_MSG_GETTABLE, NFTA_TABLE_NAME, table_cb },
		{ NFT_MSG_GETCHAIN, NFTA_CHAIN_TABLE, chain_cb },
		{ NFT_MSG_GETRULE, NFTA_RULE_TABLE, rule_cb },
		{ NFT_MSG_GETSET, NFTA_SET_TABLE, set_cb },
	};
	char buf[NLSOCK_REQ_BUF];
	struct nlmsghdr *nlh;
	size_t i;
	int r;

	for (i = 0; i < sizeof(q) / sizeof(q[0]); i++) {
		if (q[i].type == NFT_MSG_GETRULE && sc->rules)
			continue;	/* only the chains the delta replaced: below */
		nlh = nftnl_nlmsg_build_hdr(buf, q[i].type, NFPROTO_INET,
					    i ? NLM_F_DUMP : NLM_F_ACK, ++d->ns->seq);
		mnl_attr_put_strz(nlh, q[i].attr, IR_TABLE);
		r = nlsock_request(d->ns, nlh, q[i].cb, d);
		if (r < 0)
			return r;
	}
	for (i = 0; sc->rules && i < (size_t)d->rs->n_chains; i++) {
		if (!sc->rules[i])
			continue;
		r = dump_chain_rules(d, d->rs->chains[i].name);
		if (r < 0)
			return r;
	}
	return 0;
}

static int actual_side(struct nlsock *ns, const struct ir_ruleset *rs, const struct scope *sc,
		       struct side *sd, struct diag *diag)
{
	struct dump d = { .ns = ns, .sd = sd, .rs = rs, .diag = diag };
	char line[IR_NAME_MAX + 8];
	int i, r, j;

	sd->n_sets = rs->n_sets;
	sd->elems = calloc((size_t)rs->n_sets + 1, sizeof(*sd->elems));
	if (!sd->elems)
		return -ENOMEM;
	r = dump_objects(&d, sc);
	if (r < 0)
		return r;
	for (i = 0; i < rs->n_sets; i++) {
		snprintf(line, sizeof(line), "set %s ", rs->sets[i].name);
		for (j = 0; j < sd->lines.n; j++) {
			if (!strncmp(sd->lines.v[j], line, strlen(line)))
				break;
		}
		if (j == sd->lines.n || (rs->sets[i].flags & IR_SET_DYNAMIC) ||
		    (sc->elems && !sc->elems[i]))
			continue;	/* missing: reported by the line diff; learned: not compared */
		r = dump_elems(&d, i);
		if (r < 0)
			return r;
	}
	return sd->err;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int diff_lines(struct side *want, struct side *got, struct diag *diag)
{
	int i = 0, j = 0, n = 0, c;

	if (want->lines.n > 1)
		qsort(want->lines.v, (size_t)want->lines.n, sizeof(char *), cmp_str);
	if (got->lines.n > 1)
		qsort(got->lines.v, (size_t)got->lines.n, sizeof(char *), cmp_str);
	while (i < want->lines.n || j < got->lines.n) {
		if (i == want->lines.n)
			c = 1;
		else if (j == got->lines.n)
			c = -1;
		else
			c = strcmp(want->lines.v[i], got->lines.v[j]);
		if (c == 0) {
			i++;
			j++;
			continue;
		}
		if (n++ < REPORT_MAX)
			diag_add(diag, DIAG_NOTE, NULL, 0, "%s: %s",
				 c < 0 ? "compiled, not in the kernel" : "in the kernel, not compiled",
				 c < 0 ? want->lines.v[i] : got->lines.v[j]);
		if (c < 0)
			i++;
		else
			j++;
	}
	return n;
}

/* Elements of one set: sorted hash lists merged; differences shown decoded. */
static int diff_elems(struct nlsock *ns, const struct ir_ruleset *rs, int set, struct hashes *w,
		      struct hashes *g, struct diag *diag)
{
	struct hashes miss = { 0 }, extra = { 0 };
	struct dump d = { .ns = ns, .rs = rs, .diag = diag };
	int i = 0, j = 0, n = 0;

	if (w->n > 1)
		qsort(w->v, (size_t)w->n, sizeof(uint64_t), cmp_u64);
	if (g->n > 1)
		qsort(g->v, (size_t)g->n, sizeof(uint64_t), cmp_u64);
	miss.v = calloc((size_t)w->n + 1, sizeof(uint64_t));
	extra.v = calloc((size_t)g->n + 1, sizeof(uint64_t));
	if (!miss.v || !extra.v) {
		free(miss.v);
		free(extra.v);
		return -ENOMEM;
	}
	while (i < w->n || j < g->n) {
		if (j == g->n || (i < w->n && w->v[i] < g->v[j]))
			miss.v[miss.n++] = w->v[i++];
		else if (i == w->n || g->v[j] < w->v[i])
			extra.v[extra.n++] = g->v[j++];
		else {
			i++;
			j++;
		}
	}
	n = miss.n + extra.n;
	if (miss.n)
		diag_add(diag, DIAG_NOTE, NULL, 0, "set %s: %d compiled element(s) missing from the kernel",
			 rs->sets[set].name, miss.n);
	if (extra.n) {
		d.show = extra.v;
		d.n_show = extra.n;
		(void)dump_elems(&d, set);
	}
	free(miss.v);
	free(extra.v);
	return n;
}

static int verify(struct apply *ap, const struct ir_ruleset *rs, const struct scope *sc,
		  struct diag *diag)
{
	struct side want = { 0 }, got = { 0 };
	struct nlsock ns = { 0 };
	uint32_t g0 = 0, g1 = 0;
	bool complete;
	int r, i, tries, n = 0;

	if (!ap->probed && (r = apply_probe(ap)) < 0)
		return r;
	r = nlsock_open(&ns);		/* its own: never waits for, nor delays, a commit */
	if (r >= 0)
		r = expected_side(ap, rs, sc, &want);
	/* A commit of any process during a dump interrupts it (NLM_F_DUMP_INTR: -EINTR): read
	 * again. One between two complete reads moved the generation id: read again too, and
	 * after READ_TRIES take the last complete read (other processes commit other tables;
	 * a change of this one by another process is drift, and is reported as such). */
	for (tries = 0, complete = false; r >= 0 && tries < READ_TRIES; tries++) {
		side_free(&got);
		memset(&got, 0, sizeof(got));
		r = nlsock_genid(&ns, &g0);
		if (r >= 0)
			r = actual_side(&ns, rs, sc, &got, diag);
		if (r >= 0)
			r = nlsock_genid(&ns, &g1);
		if (r == -EINTR) {
			r = 0;
			continue;
		}
		complete = r >= 0;
		if (r < 0 || g0 == g1)
			break;
	}
	if (r >= 0 && !complete)
		r = -EINTR;
	if (r == -ENOENT || (r >= 0 && !got.table)) {
		r = -ENOENT;
		goto out;
	}
	if (r < 0)
		goto out;
	n = diff_lines(&want, &got, diag);
	for (i = 0; i < rs->n_sets && n >= 0; i++) {
		if (sc->elems && !sc->elems[i])
			continue;
		r = diff_elems(&ns, rs, i, &want.elems[i], &got.elems[i], diag);
		if (r < 0)
			goto out;
		n += r;
	}
	r = n > 0 ? 1 : 0;
out:
	side_free(&want);
	side_free(&got);
	nlsock_close(&ns);
	return r;
}

int readback_verify(struct apply *ap, const struct ir_ruleset *rs, struct diag *diag)
{
	struct scope all = { NULL, NULL };

	return verify(ap, rs, &all, diag);
}

int readback_verify_delta(struct apply *ap, const struct ir_ruleset *rs,
			  const struct ir_delta *d, struct diag *diag)
{
	struct scope sc;
	bool *rules = calloc((size_t)rs->n_chains + 1, sizeof(bool));
	bool *elems = calloc((size_t)rs->n_sets + 1, sizeof(bool));
	int i, r = -ENOMEM;

	if (!rules || !elems)
		goto out;
	for (i = 0; i < d->n_chains; i++)
		rules[d->chains[i]] = true;
	for (i = 0; i < d->n_new_sets; i++)
		elems[d->new_sets[i]] = true;
	for (i = 0; i < d->n_el; i++)
		elems[d->el[i].set_new] = true;
	sc.rules = rules;
	sc.elems = elems;
	r = verify(ap, rs, &sc, diag);
out:
	free(rules);
	free(elems);
	return r;
}
