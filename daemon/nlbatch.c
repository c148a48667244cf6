/* SPDX-License-Identifier: GPL-2.0-only */
/* nlbatch.c: ruleset -> one nfnetlink batch; see nlbatch.h. No syscalls. */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/xt_NFQUEUE.h>

#include "engine.h"
#include "nlbatch.h"

#define NLB_MSG_MAX	(60 * 1024)	/* element nests are u16-sized: stay well below */
#define NLB_ELEM_MAX	512		/* bytes one wire element may take */
#define BYTEORDER_HOST	1
#define BYTEORDER_BIG	2

/* Fault injection for the unit tests (built with -DNLB_FAULT_INJECTION only): every call of
 * the builder that allocates counts, and the nth one fails as if memory had run out. */
#ifdef NLB_FAULT_INJECTION
static long fault_at, fault_n;

void nlb_fault_set(long nth)
{
	fault_at = nth;
	fault_n = 0;
}

long nlb_fault_count(void)
{
	return fault_n;
}

static bool fault(void)
{
	return ++fault_n == fault_at;
}
#else
static inline bool fault(void)
{
	return false;
}
#endif
#define NLB_ALLOC(call)	(fault() ? NULL : (call))

static const char *tname(const struct nlb_opts *o)
{
	return o && o->table ? o->table : IR_TABLE;
}

static const uint32_t hook_num[IR_HOOK_MAX] = { 0, NF_INET_PRE_ROUTING, NF_INET_LOCAL_IN,
						NF_INET_FORWARD, NF_INET_LOCAL_OUT };

uint32_t nlb_hooknum(enum ir_hook h)
{
	return h < IR_HOOK_MAX ? hook_num[h] : 0;
}

/* ---- buffer ---- */

static int reserve(struct nlbatch *b, size_t more)
{
	uint8_t *n;
	size_t cap;

	if (b->len + more <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 1 << 16;
	while (cap < b->len + more)
		cap *= 2;
	n = NLB_ALLOC(realloc(b->buf, cap));
	if (!n)
		return -ENOMEM;
	memset(n + b->cap, 0, cap - b->cap);
	b->buf = n;
	b->cap = cap;
	return 0;
}

/* Start a message at the end of the buffer with room for 'room' bytes. */
static struct nlmsghdr *msg_start(struct nlbatch *b, size_t room)
{
	if (reserve(b, room + MNL_NLMSG_HDRLEN + 64) < 0)
		return NULL;
	memset(b->buf + b->len, 0, room + MNL_NLMSG_HDRLEN + 64);
	b->room = room + MNL_NLMSG_HDRLEN;
	return (struct nlmsghdr *)(b->buf + b->len);
}

static int msg_done(struct nlbatch *b, struct nlmsghdr *nlh, int line, const char *what)
{
	struct nlb_origin *o;

	/* libnftnl and libmnl write attributes unchecked: a message larger than the room it was
	 * given (or than its u16 nests can say) is refused, never sent */
	if (nlh->nlmsg_len > b->room || nlh->nlmsg_len > NLB_MSG_MAX + NLB_ELEM_MAX)
		return -EMSGSIZE;
	b->len += NLMSG_ALIGN(nlh->nlmsg_len);
	b->n_msgs++;
	b->seq_end = nlh->nlmsg_seq;
	if (b->n_orig == b->cap_orig) {
		int cap = b->cap_orig ? b->cap_orig * 2 : 64;

		o = NLB_ALLOC(realloc(b->orig, (size_t)cap * sizeof(*o)));
		if (!o)
			return -ENOMEM;
		b->orig = o;
		b->cap_orig = cap;
	}
	o = &b->orig[b->n_orig++];
	o->seq = nlh->nlmsg_seq;
	o->line = line;
	snprintf(o->what, sizeof(o->what), "%s", what ? what : "");
	return 0;
}

static struct nlmsghdr *nft_hdr(struct nlbatch *b, size_t room, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh = msg_start(b, room);

	if (!nlh)
		return NULL;
	return nftnl_nlmsg_build_hdr((char *)nlh, type, NFPROTO_INET, flags | NLM_F_ACK,
				     b->seq_end + 1);
}

static int batch_marker(struct nlbatch *b, uint16_t type, bool genid)
{
	struct nlmsghdr *nlh = msg_start(b, 64);
	struct nfgenmsg *g;

	if (!nlh)
		return -ENOMEM;
	nlh = mnl_nlmsg_put_header(nlh);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = b->seq_end + 1;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->nfgen_family = AF_UNSPEC;
	g->version = NFNETLINK_V0;
	g->res_id = htons(NFNL_SUBSYS_NFTABLES);
	if (genid) {
		mnl_attr_put_u32(nlh, NFNL_BATCH_GENID, 0);
		b->genid_off = b->len + nlh->nlmsg_len - sizeof(uint32_t);
	}
	return msg_done(b, nlh, 0, type == NFNL_MSG_BATCH_BEGIN ? "batch" : "batch end");
}

void nlb_set_genid(struct nlbatch *b, uint32_t genid)
{
	uint32_t v = htonl(genid);

	if (b->genid_off)
		memcpy(b->buf + b->genid_off, &v, sizeof(v));
}

const struct nlb_origin *nlb_origin(const struct nlbatch *b, uint32_t seq)
{
	int lo = 0, hi = b->n_orig - 1;

	while (lo <= hi) {		/* seqs are increasing */
		int mid = (lo + hi) / 2;

		if (b->orig[mid].seq == seq)
			return &b->orig[mid];
		if (b->orig[mid].seq < seq)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return NULL;
}

void nlb_fini(struct nlbatch *b)
{
	if (!b)
		return;
	free(b->buf);
	free(b->orig);
	memset(b, 0, sizeof(*b));
}

/* ---- table and chains ---- */

static int table_msg(struct nlbatch *b, const struct nlb_opts *o, uint16_t type, bool with_flags)
{
	uint32_t flags = o->table_flags;
	struct nftnl_table *t = NLB_ALLOC(nftnl_table_alloc());
	struct nlmsghdr *nlh = NULL;
	int r = -ENOMEM;

	if (!t || fault() || nftnl_table_set_str(t, NFTNL_TABLE_NAME, tname(o)) < 0)
		goto out;
	if (with_flags)
		nftnl_table_set_u32(t, NFTNL_TABLE_FLAGS, flags);
	nlh = nft_hdr(b, 256, type, type == NFT_MSG_NEWTABLE ? NLM_F_CREATE : 0);
	if (!nlh)
		goto out;
	nftnl_table_nlmsg_build_payload(nlh, t);
	r = msg_done(b, nlh, 0, "table inet sanso");
out:
	if (t)
		nftnl_table_free(t);
	return r;
}

static int chain_str(struct nftnl_chain *c, uint16_t attr, const char *s)
{
	return fault() || nftnl_chain_set_str(c, attr, s) < 0 ? -ENOMEM : 0;
}

static int chain_msg(struct nlbatch *b, const struct nlb_opts *o, const struct ir_chain *ch)
{
	struct nftnl_chain *c = NLB_ALLOC(nftnl_chain_alloc());
	struct nlmsghdr *nlh;
	char what[IR_NAME_MAX + 8];
	int r = -ENOMEM;

	if (!c || chain_str(c, NFTNL_CHAIN_TABLE, tname(o)) < 0 ||
	    chain_str(c, NFTNL_CHAIN_NAME, ch->name) < 0)
		goto out;
	if (ch->hook != IR_HOOK_NONE) {
		r = -EINVAL;
		if ((unsigned)ch->hook >= IR_HOOK_MAX)
			goto out;
		r = chain_str(c, NFTNL_CHAIN_TYPE, "filter");
		if (r < 0)
			goto out;
		nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, hook_num[ch->hook]);
		nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, ch->prio);
		nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, ch->policy_drop ? NF_DROP : NF_ACCEPT);
	}
	r = -ENOMEM;
	nlh = nft_hdr(b, 512, NFT_MSG_NEWCHAIN, NLM_F_CREATE);
	if (!nlh)
		goto out;
	nftnl_chain_nlmsg_build_payload(nlh, c);
	snprintf(what, sizeof(what), "chain %s", ch->name);
	r = msg_done(b, nlh, 0, what);
out:
	if (c)
		nftnl_chain_free(c);
	return r;
}

/* ---- sets ---- */

uint32_t nlb_set_flags(const struct ir_set *s)
{
	uint32_t f = 0;

	if (s->flags & IR_SET_CONSTANT)
		f |= NFT_SET_CONSTANT;
	if (s->flags & IR_SET_INTERVAL)
		f |= NFT_SET_INTERVAL;
	if (s->flags & IR_SET_TIMEOUT)
		f |= NFT_SET_TIMEOUT;
	if (s->data != IR_DATA_NONE)
		f |= NFT_SET_MAP;
	if ((s->flags & IR_SET_INTERVAL) && s->n_key > 1)
		f |= NFT_SET_CONCAT;
	if (s->flags & IR_SET_METER)
		f |= NFT_SET_EVAL;
	return f;
}

uint32_t nlb_key_type(const struct ir_set *s)
{
	uint32_t t = 0;
	int i;

	for (i = 0; i < s->n_key; i++)
		t = (t << 6) | ir_field(s->key[i])->dtype;
	return t;
}

static int set_udata(struct nftnl_set *ns, const struct ir_set *s)
{
	struct nftnl_udata_buf *u = NLB_ALLOC(nftnl_udata_buf_alloc(256 + IR_STR_MAX));
	bool ok = true;
	int r = 0;

	if (!u)
		return -ENOMEM;
	if (s->n_key == 1)
		ok &= nftnl_udata_put_u32(u, NFTNL_UDATA_SET_KEYBYTEORDER,
					  ir_field(s->key[0])->host_order ? BYTEORDER_HOST :
					  BYTEORDER_BIG);
	if (s->data == IR_DATA_MARK)
		ok &= nftnl_udata_put_u32(u, NFTNL_UDATA_SET_DATABYTEORDER, BYTEORDER_HOST);
	if (s->comment[0])
		ok &= nftnl_udata_put_strz(u, NFTNL_UDATA_SET_COMMENT, s->comment);
	if (!ok)
		r = -E2BIG;
	else if (nftnl_udata_buf_len(u) &&
		 (fault() || nftnl_set_set_data(ns, NFTNL_SET_USERDATA, nftnl_udata_buf_data(u),
						nftnl_udata_buf_len(u)) < 0))
		r = -ENOMEM;
	nftnl_udata_buf_free(u);
	return r;
}

static int set_str(struct nftnl_set *ns, uint16_t attr, const char *v)
{
	return fault() || nftnl_set_set_str(ns, attr, v) < 0 ? -ENOMEM : 0;
}

/* The attributes of a set that copy (and can fail); 0 or -errno. */
static int set_attrs(struct nftnl_set *ns, const struct ir_set *s, const struct nlb_opts *o)
{
	uint8_t flen[IR_KEY_FIELDS_MAX + 1] = { 0 };
	int i;

	if (set_str(ns, NFTNL_SET_TABLE, tname(o)) < 0 || set_str(ns, NFTNL_SET_NAME, s->name) < 0)
		return -ENOMEM;
	if (nlb_set_flags(s) & NFT_SET_CONCAT) {
		if (s->n_key > IR_KEY_FIELDS_MAX)
			return -EINVAL;
		for (i = 0; i < s->n_key; i++)
			flen[i] = ir_field(s->key[i])->len;
		if (fault() || nftnl_set_set_data(ns, NFTNL_SET_DESC_CONCAT, flen,
						  (uint32_t)s->n_key) < 0)
			return -ENOMEM;
	}
	return set_udata(ns, s);
}

/* IR_SET_COUNTER: a counter expression on the set, which the kernel gives every element. */
static int set_counter(struct nftnl_set *ns, const struct ir_set *s)
{
	struct nftnl_expr *e;

	if (!(s->flags & IR_SET_COUNTER))
		return 0;
	e = NLB_ALLOC(nftnl_expr_alloc("counter"));
	if (!e)
		return -ENOMEM;
	nftnl_set_add_expr(ns, e);	/* the set owns it now */
	return 0;
}

struct nftnl_set *nlb_set(const struct ir_set *s, const struct nlb_opts *o)
{
	struct nftnl_set *ns = NLB_ALLOC(nftnl_set_alloc());

	if (!ns)
		return NULL;
	nftnl_set_set_u32(ns, NFTNL_SET_FAMILY, NFPROTO_INET);
	nftnl_set_set_u32(ns, NFTNL_SET_ID, (uint32_t)s->id);
	nftnl_set_set_u32(ns, NFTNL_SET_FLAGS, nlb_set_flags(s));
	nftnl_set_set_u32(ns, NFTNL_SET_KEY_TYPE, nlb_key_type(s));
	nftnl_set_set_u32(ns, NFTNL_SET_KEY_LEN, (uint32_t)ir_key_len(s->key, s->n_key));
	if (s->data == IR_DATA_MARK) {
		nftnl_set_set_u32(ns, NFTNL_SET_DATA_TYPE, ir_field(F_CT_MARK)->dtype);
		nftnl_set_set_u32(ns, NFTNL_SET_DATA_LEN, 4);
	} else if (s->data == IR_DATA_VERDICT) {
		nftnl_set_set_u32(ns, NFTNL_SET_DATA_TYPE, NFT_DATA_VERDICT);
	}
	if (ir_set_capacity(s))
		nftnl_set_set_u32(ns, NFTNL_SET_DESC_SIZE, ir_set_capacity(s));
	if (s->timeout_ms)
		nftnl_set_set_u64(ns, NFTNL_SET_TIMEOUT, s->timeout_ms);
	if (set_attrs(ns, s, o) < 0 || set_counter(ns, s) < 0) {	/* a set without its name, key or byte order: none */
		nftnl_set_free(ns);
		return NULL;
	}
	return ns;
}

static int set_msg(struct nlbatch *b, const struct nlb_opts *o, const struct ir_set *s)
{
	struct nftnl_set *ns = nlb_set(s, o);
	struct nlmsghdr *nlh;
	char what[IR_NAME_MAX + 8];

	if (!ns)
		return -ENOMEM;
	nlh = nft_hdr(b, 1024 + IR_STR_MAX, NFT_MSG_NEWSET, NLM_F_CREATE);
	if (!nlh) {
		nftnl_set_free(ns);
		return -ENOMEM;
	}
	nftnl_set_nlmsg_build_payload(nlh, ns);
	nftnl_set_free(ns);
	snprintf(what, sizeof(what), "set %s", s->name);
	return msg_done(b, nlh, 0, what);
}

/* ---- elements ---- */

/* key + 1 within the single field's own bytes; false when it wraps (top of the space). */
static bool key_next(const struct ir_set *s, const uint8_t *in, uint8_t *out)
{
	int len = ir_field(s->key[0])->len, i;

	memcpy(out, in, IR_KEY_MAX);
	for (i = len - 1; i >= 0; i--) {
		if (++out[i] != 0)
			return true;
	}
	return false;
}

int nlb_wire(const struct ir_ruleset *rs, const struct ir_set *s, const struct ir_elem *e,
	     struct nlb_wire out[2])
{
	struct nlb_wire *w = &out[0];
	bool rbtree = (s->flags & IR_SET_INTERVAL) && s->n_key == 1;

	memset(out, 0, 2 * sizeof(*out));
	memcpy(w->key, e->key, IR_KEY_MAX);
	if ((s->flags & IR_SET_INTERVAL) && s->n_key > 1) {
		memcpy(w->key_end, e->key_end, IR_KEY_MAX);
		w->has_key_end = true;
	}
	if (s->data == IR_DATA_MARK) {
		w->has_data = true;
		w->data = e->data;
	} else if (s->data == IR_DATA_VERDICT) {
		w->chain = rs->chains[e->data].name;
	}
	w->timeout_ms = e->timeout_ms;
	w->comment = e->comment;
	if (!rbtree)
		return 1;
	if (!key_next(s, e->key_end, out[1].key))
		return 1;
	out[1].flags = NFT_SET_ELEM_INTERVAL_END;
	return 2;
}

static void put_data(struct nlmsghdr *nlh, uint16_t type, const void *v, size_t len)
{
	struct nlattr *n = mnl_attr_nest_start(nlh, type);

	mnl_attr_put(nlh, NFTA_DATA_VALUE, len, v);
	mnl_attr_nest_end(nlh, n);
}

/* An element comment in nft's userdata TLV (type NFTNL_UDATA_SET_ELEM_COMMENT, NUL included),
 * so that `nft list` shows it. ir_comment() keeps it below IR_STR_MAX bytes. */
static void put_comment(struct nlmsghdr *nlh, const char *comment)
{
	uint8_t tlv[2 + IR_STR_MAX];
	size_t n = strnlen(comment, IR_STR_MAX - 1);

	tlv[0] = NFTNL_UDATA_SET_ELEM_COMMENT;
	tlv[1] = (uint8_t)(n + 1);
	memcpy(tlv + 2, comment, n);
	tlv[2 + n] = '\0';
	mnl_attr_put(nlh, NFTA_SET_ELEM_USERDATA, n + 3, tlv);
}

static void put_wire(struct nlmsghdr *nlh, const struct nlb_wire *w, size_t klen)
{
	struct nlattr *el = mnl_attr_nest_start(nlh, NFTA_LIST_ELEM), *d, *v;

	put_data(nlh, NFTA_SET_ELEM_KEY, w->key, klen);
	if (w->has_key_end)
		put_data(nlh, NFTA_SET_ELEM_KEY_END, w->key_end, klen);
	if (w->flags)
		mnl_attr_put_u32(nlh, NFTA_SET_ELEM_FLAGS, htonl(w->flags));
	if (w->timeout_ms)
		mnl_attr_put_u64(nlh, NFTA_SET_ELEM_TIMEOUT, htobe64(w->timeout_ms));
	if (w->comment)
		put_comment(nlh, w->comment);
	if (w->has_data) {
		put_data(nlh, NFTA_SET_ELEM_DATA, &w->data, sizeof(w->data));
	} else if (w->chain) {
		d = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_DATA);
		v = mnl_attr_nest_start(nlh, NFTA_DATA_VERDICT);
		mnl_attr_put_u32(nlh, NFTA_VERDICT_CODE, htonl((uint32_t)NFT_JUMP));
		mnl_attr_put_strz(nlh, NFTA_VERDICT_CHAIN, w->chain);
		mnl_attr_nest_end(nlh, v);
		mnl_attr_nest_end(nlh, d);
	}
	mnl_attr_nest_end(nlh, el);
}

static struct nlmsghdr *elem_msg_start(struct nlbatch *b, const struct nlb_opts *o,
				       const struct ir_set *s, uint16_t type, struct nlattr **list)
{
	struct nlmsghdr *nlh = nft_hdr(b, NLB_MSG_MAX + NLB_ELEM_MAX, type,
				       type == NFT_MSG_NEWSETELEM ? NLM_F_CREATE : 0);

	if (!nlh)
		return NULL;
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE, tname(o));
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, s->name);
	mnl_attr_put_u32(nlh, NFTA_SET_ELEM_LIST_SET_ID, htonl((uint32_t)s->id));
	*list = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_LIST_ELEMENTS);
	return nlh;
}

static int elem_msg_done(struct nlbatch *b, const struct ir_set *s, struct nlmsghdr *nlh,
			 struct nlattr *list, const struct ir_elem *first)
{
	char what[IR_NAME_MAX + 64];

	mnl_attr_nest_end(nlh, list);
	snprintf(what, sizeof(what), "set %s, elements from '%s'", s->name,
		 first->origin ? first->origin : "?");
	return msg_done(b, nlh, first->line, what);
}

/* Elements idx[0..n) of s (all of them when idx is NULL) in NEWSETELEM or DELSETELEM
 * messages; a deletion names the element by its keys only. */
static int elems_msgs(struct nlbatch *b, const struct nlb_opts *o, const struct ir_ruleset *rs,
		      const struct ir_set *s, uint16_t type, const int *idx, int n_idx)
{
	struct nlmsghdr *nlh = NULL;
	struct nlattr *list = NULL;
	struct ir_elem first = { 0 }, e;
	struct nlb_wire w[2];
	int i, j, n, r, count = idx ? n_idx : s->n_elems;

	for (i = 0; i < count; i++) {
		if (nlh && nlh->nlmsg_len > NLB_MSG_MAX) {
			r = elem_msg_done(b, s, nlh, list, &first);
			if (r < 0)
				return r;
			nlh = NULL;
		}
		ir_elem_get(s, idx ? idx[i] : i, &e);
		if (!nlh) {
			nlh = elem_msg_start(b, o, s, type, &list);
			if (!nlh)
				return -ENOMEM;
			first = e;	/* names the message in kernel errors */
			if (type == NFT_MSG_DELSETELEM) {	/* an older generation's */
				first.origin = NULL;
				first.line = 0;
			}
		}
		n = nlb_wire(rs, s, &e, w);
		for (j = 0; j < n; j++) {
			if (type == NFT_MSG_DELSETELEM) {
				w[j].has_data = false;
				w[j].chain = NULL;
				w[j].timeout_ms = 0;
				w[j].comment = NULL;
			}
			put_wire(nlh, &w[j], s->klen);
		}
	}
	return nlh ? elem_msg_done(b, s, nlh, list, &first) : 0;
}

/* ---- elements read back ---- */

/* nft_data nest -> value bytes. */
static int data_value(const struct nlattr *nest, uint8_t *out, size_t max, size_t *ret_len,
		      uint32_t *verdict, const char **chain)
{
	const struct nlattr *a, *v;

	mnl_attr_for_each_nested(a, nest) {
		if (mnl_attr_get_type(a) == NFTA_DATA_VALUE) {
			if (mnl_attr_get_payload_len(a) > max)
				return -EMSGSIZE;
			*ret_len = mnl_attr_get_payload_len(a);
			memcpy(out, mnl_attr_get_payload(a), *ret_len);
		} else if (mnl_attr_get_type(a) == NFTA_DATA_VERDICT && verdict) {
			mnl_attr_for_each_nested(v, a) {
				if (mnl_attr_get_type(v) == NFTA_VERDICT_CODE &&
				    mnl_attr_validate(v, MNL_TYPE_U32) >= 0)
					*verdict = ntohl(mnl_attr_get_u32(v));
				else if (mnl_attr_get_type(v) == NFTA_VERDICT_CHAIN &&
					 mnl_attr_validate(v, MNL_TYPE_NUL_STRING) >= 0)
					*chain = mnl_attr_get_str(v);
			}
		}
	}
	return 0;
}

/* A counter expression of an element (NFTA_EXPR_NAME "counter", NFTA_EXPR_DATA). */
static void wire_counter(const struct nlattr *expr, struct nlb_wire *w)
{
	const struct nlattr *a, *c;
	bool counter = false;

	mnl_attr_for_each_nested(a, expr) {
		if (mnl_attr_get_type(a) == NFTA_EXPR_NAME &&
		    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) >= 0)
			counter = !strcmp(mnl_attr_get_str(a), "counter");
		if (mnl_attr_get_type(a) != NFTA_EXPR_DATA || !counter)
			continue;
		mnl_attr_for_each_nested(c, a) {
			if (mnl_attr_validate(c, MNL_TYPE_U64) < 0)
				continue;
			if (mnl_attr_get_type(c) == NFTA_COUNTER_PACKETS)
				w->packets = be64toh(mnl_attr_get_u64(c));
			else if (mnl_attr_get_type(c) == NFTA_COUNTER_BYTES)
				w->bytes = be64toh(mnl_attr_get_u64(c));
		}
		w->has_counter = true;
	}
}

/* The comment TLV of an element's user data (type 0, length, text), as nft writes it. */
static void wire_comment(const struct nlattr *a, struct nlb_wire *w)
{
	const uint8_t *ud = mnl_attr_get_payload(a);
	uint16_t len = mnl_attr_get_payload_len(a);

	if (len > 2 && ud[0] == NFTNL_UDATA_SET_ELEM_COMMENT && ud[1] && ud[1] <= len - 2) {
		w->comment = (const char *)ud + 2;
		w->comment_len = (int)strnlen(w->comment, ud[1]);
	}
}

int nlb_wire_parse(const struct nlattr *el, struct nlb_wire *w)
{
	const struct nlattr *a;
	size_t len = 0;
	uint32_t verdict = 0;
	int r = 0;

	memset(w, 0, sizeof(*w));
	mnl_attr_for_each_nested(a, el) {
		switch (mnl_attr_get_type(a)) {
		case NFTA_SET_ELEM_KEY:
			r = data_value(a, w->key, IR_KEY_MAX, &len, NULL, NULL);
			break;
		case NFTA_SET_ELEM_KEY_END:
			w->has_key_end = true;
			r = data_value(a, w->key_end, IR_KEY_MAX, &len, NULL, NULL);
			break;
		case NFTA_SET_ELEM_FLAGS:
			if (mnl_attr_validate(a, MNL_TYPE_U32) >= 0)
				w->flags = ntohl(mnl_attr_get_u32(a));
			break;
		case NFTA_SET_ELEM_EXPIRATION:
			if (mnl_attr_validate(a, MNL_TYPE_U64) >= 0)
				w->expires_ms = be64toh(mnl_attr_get_u64(a));
			break;
		case NFTA_SET_ELEM_USERDATA:
			wire_comment(a, w);
			break;
		case NFTA_SET_ELEM_EXPR:	/* one expression */
			wire_counter(a, w);
			break;
		case NFTA_SET_ELEM_EXPRESSIONS: {	/* several: a list of them */
			const struct nlattr *x;

			mnl_attr_for_each_nested(x, a)
				wire_counter(x, w);
			break;
		}
		case NFTA_SET_ELEM_DATA: {
			uint8_t v[16] = { 0 };
			size_t vl = 0;

			r = data_value(a, v, sizeof(v), &vl, &verdict, &w->chain);
			if (vl) {
				w->has_data = true;
				memcpy(&w->data, v, sizeof(w->data));
			}
			break;
		}
		default:
			break;
		}
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- rules ---- */

/* The register a field at byte offset 'off' of a concatenation lives in, as the kernel
 * reports it back (16-byte registers where aligned, else 4-byte ones). */
static uint32_t reg_at(size_t off)
{
	uint32_t word = 4 + (uint32_t)(off / 4);

	return word % 4 == 0 ? word / 4 : NFT_REG32_00 + word - 4;
}

/* A rule being built. The first error of any expression sticks (as compile.c's ctx): once
 * set, nothing more is added and the whole rule is refused, so a rule never goes out with an
 * expression missing (a lookup ... accept that lost its lookup would accept everything). */
struct rb {
	struct nftnl_rule *r;
	const struct ir_ruleset *rs;
	const struct nlb_opts *o;
	int err;
};

static void rb_fail(struct rb *b, int err)
{
	if (!b->err)
		b->err = err;
}

static struct nftnl_expr *ex(struct rb *b, const char *name)
{
	struct nftnl_expr *e;

	if (b->err)
		return NULL;
	e = NLB_ALLOC(nftnl_expr_alloc(name));
	if (!e) {
		rb_fail(b, -ENOMEM);
		return NULL;
	}
	nftnl_rule_add_expr(b->r, e);
	return e;
}

/* The setters that copy (strings, data) and can fail. */
static void ex_str(struct rb *b, struct nftnl_expr *e, uint16_t attr, const char *s)
{
	if (fault() || nftnl_expr_set_str(e, attr, s) < 0)
		rb_fail(b, -ENOMEM);
}

static void ex_data(struct rb *b, struct nftnl_expr *e, uint16_t attr, const void *v,
		    uint32_t len)
{
	if (fault() || nftnl_expr_set(e, attr, v, len) < 0)
		rb_fail(b, -ENOMEM);
}

static void ex_meta(struct rb *b, uint32_t key, uint32_t dreg)
{
	struct nftnl_expr *e = ex(b, "meta");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, dreg);
}

static void ex_cmp(struct rb *b, uint32_t sreg, uint32_t op, const void *v, size_t len)
{
	struct nftnl_expr *e = ex(b, "cmp");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, sreg);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
	ex_data(b, e, NFTNL_EXPR_CMP_DATA, v, (uint32_t)len);
}

static void ex_payload(struct rb *b, uint32_t base, uint32_t off, uint32_t len, uint32_t dreg)
{
	struct nftnl_expr *e = ex(b, "payload");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, off);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, dreg);
}

static void ex_ct(struct rb *b, uint32_t key, uint32_t reg, bool set)
{
	struct nftnl_expr *e = ex(b, "ct");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, key);
	nftnl_expr_set_u32(e, set ? NFTNL_EXPR_CT_SREG : NFTNL_EXPR_CT_DREG, reg);
}

#define DEP_IP4		(1U << 0)
#define DEP_IP6		(1U << 1)
#define DEP_ETHER	(1U << 2)
#define DEP_ICMP6	(1U << 3)

/* No default in the switches below: -Wswitch names a new field or op that is not handled. */
static uint32_t field_deps(enum ir_field f)
{
	switch (f) {
	case F_ETHER_SADDR:
		return DEP_ETHER;
	case F_IP_SADDR:
	case F_IP_DADDR:
		return DEP_IP4;
	case F_IP6_SADDR:
	case F_IP6_DADDR:
		return DEP_IP6;
	case F_ICMPV6_TYPE:
		return DEP_IP6 | DEP_ICMP6;
	case F_IIFNAME:
	case F_OIFNAME:
	case F_L4PROTO:
	case F_TH_DPORT:
	case F_TH_SPORT:
	case F_CT_MARK:
	case F_CT_DIRECTION:
	case F_FIELD_MAX:
		break;
	}
	return 0;
}

static void emit_deps(struct rb *b, uint32_t deps)
{
	uint16_t ether = 1;	/* ARPHRD_ETHER */
	uint8_t v;

	if (deps & DEP_ETHER) {
		ex_meta(b, NFT_META_IIFTYPE, NFT_REG_1);
		ex_cmp(b, NFT_REG_1, NFT_CMP_EQ, &ether, sizeof(ether));
	}
	if (deps & (DEP_IP4 | DEP_IP6)) {
		v = deps & DEP_IP4 ? NFPROTO_IPV4 : NFPROTO_IPV6;
		ex_meta(b, NFT_META_NFPROTO, NFT_REG_1);
		ex_cmp(b, NFT_REG_1, NFT_CMP_EQ, &v, 1);
	}
	if (deps & DEP_ICMP6) {
		v = 58;
		ex_meta(b, NFT_META_L4PROTO, NFT_REG_1);
		ex_cmp(b, NFT_REG_1, NFT_CMP_EQ, &v, 1);
	}
}

static void load_field(struct rb *b, enum ir_field f, uint32_t reg)
{
	switch (f) {
	case F_IIFNAME:
		ex_meta(b, NFT_META_IIFNAME, reg);
		return;
	case F_OIFNAME:
		ex_meta(b, NFT_META_OIFNAME, reg);
		return;
	case F_ETHER_SADDR:
		ex_payload(b, NFT_PAYLOAD_LL_HEADER, 6, 6, reg);
		return;
	case F_IP_SADDR:
		ex_payload(b, NFT_PAYLOAD_NETWORK_HEADER, 12, 4, reg);
		return;
	case F_IP_DADDR:
		ex_payload(b, NFT_PAYLOAD_NETWORK_HEADER, 16, 4, reg);
		return;
	case F_IP6_SADDR:
		ex_payload(b, NFT_PAYLOAD_NETWORK_HEADER, 8, 16, reg);
		return;
	case F_IP6_DADDR:
		ex_payload(b, NFT_PAYLOAD_NETWORK_HEADER, 24, 16, reg);
		return;
	case F_L4PROTO:
		ex_meta(b, NFT_META_L4PROTO, reg);
		return;
	case F_TH_DPORT:
		ex_payload(b, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, reg);
		return;
	case F_TH_SPORT:
		ex_payload(b, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 2, reg);
		return;
	case F_ICMPV6_TYPE:
		ex_payload(b, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 1, reg);
		return;
	case F_CT_MARK:
		ex_ct(b, NFT_CT_MARK, reg, false);
		return;
	case F_CT_DIRECTION:
		ex_ct(b, NFT_CT_DIRECTION, reg, false);
		return;
	case F_FIELD_MAX:
		break;
	}
	rb_fail(b, -EINVAL);		/* not a field: refuse the rule, never drop the match */
}

/* Dependencies, then every field into consecutive registers; returns the first register. */
static uint32_t load_fields(struct rb *b, const enum ir_field *f, int n)
{
	uint32_t deps = 0;
	size_t off = 0;
	int i;

	if (n < 1 || n > IR_KEY_FIELDS_MAX) {
		rb_fail(b, -EINVAL);
		return 0;
	}
	for (i = 0; i < n; i++)
		deps |= field_deps(f[i]);
	emit_deps(b, deps);
	for (i = 0; i < n; i++) {
		if ((unsigned)f[i] >= F_FIELD_MAX) {
			rb_fail(b, -EINVAL);
			return 0;
		}
		load_field(b, f[i], reg_at(off));
		off += ((size_t)ir_field(f[i])->len + 3) & ~(size_t)3;
	}
	return reg_at(0);
}

static void ex_lookup(struct rb *b, int set, uint32_t sreg, int dreg, bool neg)
{
	struct nftnl_expr *e;
	const struct ir_set *s;

	if (set < 0 || set >= b->rs->n_sets) {
		rb_fail(b, -EINVAL);
		return;
	}
	s = &b->rs->sets[set];
	e = ex(b, "lookup");
	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, sreg);
	ex_str(b, e, NFTNL_EXPR_LOOKUP_SET, s->name);
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SET_ID, (uint32_t)s->id);
	if (dreg >= 0)
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_DREG, (uint32_t)dreg);
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_FLAGS, neg ? NFT_LOOKUP_F_INV : 0);
}

static void ex_verdict(struct rb *b, int code, const char *chain)
{
	struct nftnl_expr *e = ex(b, "immediate");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, (uint32_t)code);
	if (chain)
		ex_str(b, e, NFTNL_EXPR_IMM_CHAIN, chain);
}

static void ex_jump(struct rb *b, uint32_t chain)
{
	if (chain >= (uint32_t)b->rs->n_chains) {
		rb_fail(b, -EINVAL);
		return;
	}
	ex_verdict(b, NFT_JUMP, b->rs->chains[chain].name);
}

static void ex_bitwise(struct rb *b, uint32_t reg, const uint8_t *mask, uint32_t len)
{
	struct nftnl_expr *e = ex(b, "bitwise");
	uint8_t zero[16] = { 0 };

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, reg);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, reg);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, len);
	ex_data(b, e, NFTNL_EXPR_BITWISE_MASK, mask, len);
	ex_data(b, e, NFTNL_EXPR_BITWISE_XOR, zero, len);
}

static void stmt_prefix(struct rb *b, const struct ir_stmt *x)
{
	uint32_t len, i;
	uint8_t mask[16] = { 0 }, v[16];

	if ((unsigned)x->f[0] >= F_FIELD_MAX || ir_field(x->f[0])->len > sizeof(v)) {
		rb_fail(b, -EINVAL);
		return;
	}
	len = ir_field(x->f[0])->len;
	emit_deps(b, field_deps(x->f[0]));
	load_field(b, x->f[0], NFT_REG_1);
	for (i = 0; i < len * 8; i++) {
		if (i < x->value)
			mask[i / 8] |= (uint8_t)(0x80 >> (i % 8));
	}
	for (i = 0; i < len; i++)
		v[i] = x->val[i] & mask[i];
	if (x->value < len * 8)
		ex_bitwise(b, NFT_REG_1, mask, len);
	ex_cmp(b, NFT_REG_1, NFT_CMP_EQ, v, len);
}

static void stmt_match(struct rb *b, const struct ir_stmt *x)
{
	uint32_t reg = load_fields(b, x->f, 1);

	if (!b->err)
		ex_cmp(b, reg, x->neg ? NFT_CMP_NEQ : NFT_CMP_EQ, x->val, ir_field(x->f[0])->len);
}

static void stmt_ctstate(struct rb *b, uint32_t mask)
{
	uint32_t zero = 0;

	ex_ct(b, NFT_CT_STATE, NFT_REG_1, false);
	ex_bitwise(b, NFT_REG_1, (const uint8_t *)&mask, 4);
	ex_cmp(b, NFT_REG_1, NFT_CMP_NEQ, &zero, 4);
}

static void stmt_limit(struct rb *b, const struct ir_stmt *x)
{
	struct nftnl_expr *e = ex(b, "limit");

	if (!e)
		return;
	nftnl_expr_set_u64(e, NFTNL_EXPR_LIMIT_RATE, x->value);
	nftnl_expr_set_u64(e, NFTNL_EXPR_LIMIT_UNIT, 1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_LIMIT_BURST, x->aux);
	nftnl_expr_set_u32(e, NFTNL_EXPR_LIMIT_TYPE, NFT_LIMIT_PKTS);
	nftnl_expr_set_u32(e, NFTNL_EXPR_LIMIT_FLAGS, 0);
}

static void stmt_log(struct rb *b, const struct ir_stmt *x)
{
	struct nftnl_expr *e = ex(b, "log");

	if (!e)
		return;
	ex_str(b, e, NFTNL_EXPR_LOG_PREFIX, x->str ? x->str : "");
	nftnl_expr_set_u16(e, NFTNL_EXPR_LOG_GROUP, (uint16_t)x->value);	/* NFLOG: sansod */
}

static void ex_imm(struct rb *b, uint32_t value)
{
	struct nftnl_expr *e = ex(b, "immediate");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_1);
	ex_data(b, e, NFTNL_EXPR_IMM_DATA, &value, sizeof(value));
}

static void ex_meta_set(struct rb *b, uint32_t key, uint32_t sreg)
{
	struct nftnl_expr *e = ex(b, "meta");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_SREG, sreg);
}

static void ex_reject_rst(struct rb *b)
{
	struct nftnl_expr *e = ex(b, "reject");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_REJECT_TYPE, NFT_REJECT_TCP_RST);
	nftnl_expr_set_u8(e, NFTNL_EXPR_REJECT_CODE, 0);
}

/* Native nft_queue (CONFIG_NFT_QUEUE). Flows hash to a queue by addresses, so both directions
 * of a connection reach the same worker (no CPU fanout). */
static void ex_queue(struct rb *b, const struct ir_stmt *x)
{
	struct nftnl_expr *e = ex(b, "queue");

	if (!e)
		return;
	nftnl_expr_set_u16(e, NFTNL_EXPR_QUEUE_NUM, (uint16_t)x->value);
	nftnl_expr_set_u16(e, NFTNL_EXPR_QUEUE_TOTAL, (uint16_t)x->aux);
	nftnl_expr_set_u16(e, NFTNL_EXPR_QUEUE_FLAGS, x->neg ? NFT_QUEUE_FLAG_BYPASS : 0);
}

/* The xtables NFQUEUE target, revision 3, through nft_compat (what iptables-nft emits):
 * for kernels without nft_queue. The info is XT_ALIGN()ed to 8 bytes. */
static void ex_queue_compat(struct rb *b, const struct ir_stmt *x)
{
	struct nftnl_expr *e = ex(b, "target");
	uint8_t *info;
	struct xt_NFQ_info_v3 q = {
		.queuenum = (uint16_t)x->value,
		.queues_total = (uint16_t)x->aux,
		.flags = x->neg ? NFQ_FLAG_BYPASS : 0,
	};

	if (!e)
		return;
	ex_str(b, e, NFTNL_EXPR_TG_NAME, "NFQUEUE");
	nftnl_expr_set_u32(e, NFTNL_EXPR_TG_REV, 3);
	info = NLB_ALLOC(calloc(1, 8));
	if (!info) {
		rb_fail(b, -ENOMEM);
		return;
	}
	memcpy(info, &q, sizeof(q));
	nftnl_expr_set(e, NFTNL_EXPR_TG_INFO, info, 8);	/* takes ownership of info */
}

/* A meter: the source address (its first plen bits) keys an element of a dynamic set that
 * carries its own limit (rate) or connlimit (ct count), inverted ("over"): the rule goes on
 * only for a source over its limit. */
static void stmt_meter(struct rb *b, const struct ir_stmt *x)
{
	const struct ir_set *s;
	uint32_t len = ir_field(x->f[0])->len, i;
	struct nftnl_expr *in, *e;
	uint8_t mask[16] = { 0 };

	if (x->set < 0 || x->set >= b->rs->n_sets) {
		rb_fail(b, -EINVAL);
		return;
	}
	s = &b->rs->sets[x->set];
	emit_deps(b, field_deps(x->f[0]));
	load_field(b, x->f[0], NFT_REG_1);
	if (x->plen && x->plen < len * 8) {
		for (i = 0; i < x->plen; i++)
			mask[i / 8] |= (uint8_t)(0x80 >> (i % 8));
		ex_bitwise(b, NFT_REG_1, mask, len);
	}
	if (b->err)
		return;
	in = NLB_ALLOC(nftnl_expr_alloc(x->op == OP_METER_RATE ? "limit" : "connlimit"));
	if (!in) {
		rb_fail(b, -ENOMEM);
		return;
	}
	e = ex(b, "dynset");
	if (!e) {
		nftnl_expr_free(in);
		return;
	}
	if (x->op == OP_METER_RATE) {
		nftnl_expr_set_u64(in, NFTNL_EXPR_LIMIT_RATE, x->value);
		nftnl_expr_set_u64(in, NFTNL_EXPR_LIMIT_UNIT, 1);
		nftnl_expr_set_u32(in, NFTNL_EXPR_LIMIT_BURST, x->aux);
		nftnl_expr_set_u32(in, NFTNL_EXPR_LIMIT_TYPE, NFT_LIMIT_PKTS);
		nftnl_expr_set_u32(in, NFTNL_EXPR_LIMIT_FLAGS, NFT_LIMIT_F_INV);
	} else {
		nftnl_expr_set_u32(in, NFTNL_EXPR_CONNLIMIT_COUNT, x->value);
		nftnl_expr_set_u32(in, NFTNL_EXPR_CONNLIMIT_FLAGS, NFT_CONNLIMIT_F_INV);
	}
	nftnl_expr_set_u32(e, NFTNL_EXPR_DYNSET_SREG_KEY, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_DYNSET_OP, x->op == OP_METER_RATE ?
			   NFT_DYNSET_OP_UPDATE : NFT_DYNSET_OP_ADD);
	nftnl_expr_set_u32(e, NFTNL_EXPR_DYNSET_SET_ID, (uint32_t)s->id);
	ex_str(b, e, NFTNL_EXPR_DYNSET_SET_NAME, s->name);
	if (fault() || nftnl_expr_set(e, NFTNL_EXPR_DYNSET_EXPR, in, 0) < 0) {	/* owns in */
		nftnl_expr_free(in);
		rb_fail(b, -ENOMEM);
	}
}

static void stmt_queue(struct rb *b, const struct ir_stmt *x)
{
	if (b->o && b->o->queue_compat)
		ex_queue_compat(b, x);
	else
		ex_queue(b, x);
}

/* ct mark / meta mark & mask == value */
static void stmt_mark_bit(struct rb *b, const struct ir_stmt *x)
{
	if (x->op == OP_MARK_BIT)
		ex_meta(b, NFT_META_MARK, NFT_REG_1);
	else
		ex_ct(b, NFT_CT_MARK, NFT_REG_1, false);
	ex_bitwise(b, NFT_REG_1, (const uint8_t *)&x->aux, 4);
	ex_cmp(b, NFT_REG_1, x->neg ? NFT_CMP_NEQ : NFT_CMP_EQ, &x->value, 4);
}

/* The statements that read or write marks (ct mark, meta mark). */
static void stmt_mark(struct rb *b, const struct ir_stmt *x)
{
	uint32_t zero = 0;

	if (x->op == OP_CTMARK_SET) {
		ex_imm(b, x->value);
		ex_ct(b, NFT_CT_MARK, NFT_REG_1, true);
	} else if (x->op == OP_CTMARK_NONZERO) {
		ex_ct(b, NFT_CT_MARK, NFT_REG_1, false);
		ex_cmp(b, NFT_REG_1, NFT_CMP_NEQ, &zero, 4);
	} else if (x->op == OP_CTMARK_FROM_META) {
		ex_meta(b, NFT_META_MARK, NFT_REG_1);
		ex_bitwise(b, NFT_REG_1, (const uint8_t *)&x->aux, 4);
		ex_ct(b, NFT_CT_MARK, NFT_REG_1, true);
	} else if (x->op == OP_META_MARK_SET) {
		ex_imm(b, x->value);
		ex_meta_set(b, NFT_META_MARK, NFT_REG_1);
	} else if (x->op == OP_META_FROM_CT) {
		ex_ct(b, NFT_CT_MARK, NFT_REG_1, false);
		ex_meta_set(b, NFT_META_MARK, NFT_REG_1);
	} else {
		stmt_mark_bit(b, x);
	}
}

/* A lookup in a set: match (dreg -1), map to ct mark (NFT_REG_1), or verdict map. */
static void stmt_lookup(struct rb *b, const struct ir_stmt *x, int dreg, bool neg)
{
	uint32_t reg = load_fields(b, x->f, x->n_f);

	if (b->err)
		return;
	ex_lookup(b, x->set, reg, dreg, neg);
	if (x->op == OP_CTMARK_MAP)
		ex_ct(b, NFT_CT_MARK, NFT_REG_1, true);
}

/* Matches, lookups and mark statements: false if x is none of them. */
static bool stmt_test(struct rb *b, const struct ir_stmt *x)
{
	switch (x->op) {
	case OP_MATCH:
		stmt_match(b, x);
		return true;
	case OP_PREFIX:
		stmt_prefix(b, x);
		return true;
	case OP_LOOKUP:
		stmt_lookup(b, x, -1, x->neg);
		return true;
	case OP_CTMARK_MAP:
		stmt_lookup(b, x, NFT_REG_1, false);
		return true;
	case OP_VMAP:
		stmt_lookup(b, x, NFT_REG_VERDICT, false);
		return true;
	case OP_CT_STATE:
		stmt_ctstate(b, x->value);
		return true;
	case OP_CTMARK_SET:
	case OP_CTMARK_NONZERO:
	case OP_MARK_BIT:
	case OP_CTMARK_BIT:
	case OP_CTMARK_FROM_META:
	case OP_META_MARK_SET:
	case OP_META_FROM_CT:
		stmt_mark(b, x);
		return true;
	default:
		return false;
	}
}

/* Counters, limits, logs, meters and verdicts: false if x is none of them. */
static bool stmt_action(struct rb *b, const struct ir_stmt *x)
{
	switch (x->op) {
	case OP_COUNTER:
		ex(b, "counter");
		return true;
	case OP_LIMIT:
		stmt_limit(b, x);
		return true;
	case OP_LOG:
		stmt_log(b, x);
		return true;
	case OP_ACCEPT:
		ex_verdict(b, NF_ACCEPT, NULL);
		return true;
	case OP_DROP:
		ex_verdict(b, NF_DROP, NULL);
		return true;
	case OP_JUMP:
		ex_jump(b, x->aux);
		return true;
	case OP_REJECT_RST:
		ex_reject_rst(b);
		return true;
	case OP_METER_RATE:
	case OP_METER_CONNS:
		stmt_meter(b, x);
		return true;
	case OP_QUEUE:
		stmt_queue(b, x);
		return true;
	default:
		return false;
	}
}

static void stmt(struct rb *b, const struct ir_stmt *x)
{
	if (!stmt_test(b, x) && !stmt_action(b, x))
		rb_fail(b, -EINVAL);	/* an op this builder does not know: refuse the rule */
}

static void rule_comment(struct rb *b, const char *comment)
{
	struct nftnl_udata_buf *u = NLB_ALLOC(nftnl_udata_buf_alloc(IR_STR_MAX + 16));

	if (!u) {
		rb_fail(b, -ENOMEM);
		return;
	}
	if (!nftnl_udata_put_strz(u, NFTNL_UDATA_RULE_COMMENT, comment))
		rb_fail(b, -E2BIG);
	else if (fault() || nftnl_rule_set_data(b->r, NFTNL_RULE_USERDATA, nftnl_udata_buf_data(u),
						nftnl_udata_buf_len(u)) < 0)
		rb_fail(b, -ENOMEM);
	nftnl_udata_buf_free(u);
}

static void rule_str(struct rb *b, uint16_t attr, const char *s)
{
	if (fault() || nftnl_rule_set_str(b->r, attr, s) < 0)
		rb_fail(b, -ENOMEM);
}

/* The whole rule, or an error and nothing: 0 and *ret (caller frees), or -ENOMEM/-EINVAL. */
static int rule_build(const struct ir_ruleset *rs, const struct ir_chain *ch,
		      const struct ir_rule *ir, const struct nlb_opts *o, struct nftnl_rule **ret)
{
	struct rb b = { .rs = rs, .o = o };
	int i;

	b.r = NLB_ALLOC(nftnl_rule_alloc());
	if (!b.r)
		return -ENOMEM;
	rule_str(&b, NFTNL_RULE_TABLE, tname(o));
	rule_str(&b, NFTNL_RULE_CHAIN, ch->name);
	nftnl_rule_set_u32(b.r, NFTNL_RULE_FAMILY, NFPROTO_INET);
	if (ir->n < 0 || ir->n > IR_RULE_STMTS_MAX)
		rb_fail(&b, -EINVAL);
	for (i = 0; i < ir->n && !b.err; i++)
		stmt(&b, &ir->s[i]);
	if (ir->comment && !b.err)
		rule_comment(&b, ir->comment);
	if (b.err) {
		nftnl_rule_free(b.r);
		return b.err;
	}
	*ret = b.r;
	return 0;
}

struct nftnl_rule *nlb_rule(const struct ir_ruleset *rs, const struct ir_chain *ch,
			    const struct ir_rule *ir, const struct nlb_opts *o)
{
	struct nftnl_rule *r = NULL;

	return rule_build(rs, ch, ir, o, &r) < 0 ? NULL : r;
}

/* An upper bound of a rule's message: per statement at most RULE_STMT_EXPRS expressions of
 * at most RULE_EXPR_BYTES each (fixed attributes and one name), plus its strings. Checked
 * again after the message is built (msg_done). */
#define RULE_STMT_EXPRS		(6 + IR_KEY_FIELDS_MAX + 4)
#define RULE_EXPR_BYTES		(160 + IR_NAME_MAX)

static size_t rule_room(const struct ir_rule *ir)
{
	size_t room = 512 + (ir->comment ? strlen(ir->comment) : 0);
	int i;

	for (i = 0; i < ir->n && i < IR_RULE_STMTS_MAX; i++) {
		room += RULE_STMT_EXPRS * RULE_EXPR_BYTES;
		if (ir->s[i].str)
			room += strlen(ir->s[i].str) + 8;
	}
	return room;
}

static int rule_msg(struct nlbatch *b, const struct nlb_opts *o, const struct ir_ruleset *rs,
		    const struct ir_chain *ch, const struct ir_rule *ir)
{
	struct nftnl_rule *r = NULL;
	struct nlmsghdr *nlh;
	char what[IR_NAME_MAX + IR_STR_MAX + 16];
	int e = rule_build(rs, ch, ir, o, &r);

	if (e < 0)
		return e;
	nlh = nft_hdr(b, rule_room(ir), NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND);
	if (!nlh) {
		nftnl_rule_free(r);
		return -ENOMEM;
	}
	nftnl_rule_nlmsg_build_payload(nlh, r);
	nftnl_rule_free(r);
	snprintf(what, sizeof(what), "rule in chain %s%s%s", ch->name, ir->comment ? " for " : "",
		 ir->comment ? ir->comment : "");
	return msg_done(b, nlh, ir->line, what);
}

static int objects(struct nlbatch *b, const struct nlb_opts *o, const struct ir_ruleset *rs)
{
	int i, j, r = 0;

	for (i = 0; i < rs->n_chains && r >= 0; i++)
		r = chain_msg(b, o, &rs->chains[i]);
	for (i = 0; i < rs->n_sets && r >= 0; i++)
		r = set_msg(b, o, &rs->sets[i]);
	for (i = 0; i < rs->n_sets && r >= 0; i++)
		r = elems_msgs(b, o, rs, &rs->sets[i], NFT_MSG_NEWSETELEM, NULL, 0);
	for (i = 0; i < rs->n_chains && r >= 0; i++) {
		for (j = 0; j < rs->chains[i].n_rules && r >= 0; j++)
			r = rule_msg(b, o, rs, &rs->chains[i], &rs->chains[i].rules[j]);
	}
	return r;
}

int nlb_build(struct nlbatch *b, const struct ir_ruleset *rs, uint32_t seq,
	      const struct nlb_opts *o)
{
	int r;

	memset(b, 0, sizeof(*b));
	b->seq_end = seq - 1;
	b->seq_begin = seq;
	r = batch_marker(b, NFNL_MSG_BATCH_BEGIN, o->genid);
	if (r >= 0)
		r = table_msg(b, o, NFT_MSG_NEWTABLE, false);
	if (r >= 0)
		r = table_msg(b, o, NFT_MSG_DELTABLE, false);
	if (r >= 0)
		r = table_msg(b, o, NFT_MSG_NEWTABLE, true);
	if (r >= 0)
		r = objects(b, o, rs);
	if (r >= 0 && o->end)
		r = batch_marker(b, NFNL_MSG_BATCH_END, false);
	if (r < 0)
		nlb_fini(b);
	return r;
}

/* ---- a delta (delta.h): only what changed, one batch ---- */

static int named_msg(struct nlbatch *b, const struct nlb_opts *o, uint16_t type,
		     uint16_t a_table, uint16_t a_name, const char *name, const char *what)
{
	struct nlmsghdr *nlh = nft_hdr(b, 256 + IR_NAME_MAX, type, 0);

	if (!nlh)
		return -ENOMEM;
	mnl_attr_put_strz(nlh, a_table, tname(o));
	mnl_attr_put_strz(nlh, a_name, name);
	return msg_done(b, nlh, 0, what);
}

/* New sets with their elements, then every changed chain emptied and refilled, then element
 * deletions and additions, then the sets no rule uses any more. */
static int delta_objects(struct nlbatch *b, const struct nlb_opts *o,
			 const struct ir_ruleset *old, const struct ir_ruleset *new,
			 const struct ir_delta *d)
{
	const struct ir_chain *ch;
	char what[IR_NAME_MAX + 16];
	int i, j, r = 0;

	for (i = 0; i < d->n_new_sets && r >= 0; i++)
		r = set_msg(b, o, &new->sets[d->new_sets[i]]);
	for (i = 0; i < d->n_new_sets && r >= 0; i++)
		r = elems_msgs(b, o, new, &new->sets[d->new_sets[i]], NFT_MSG_NEWSETELEM, NULL, 0);
	for (i = 0; i < d->n_chains && r >= 0; i++) {
		ch = &new->chains[d->chains[i]];
		snprintf(what, sizeof(what), "chain %s", ch->name);
		r = named_msg(b, o, NFT_MSG_DELRULE, NFTA_RULE_TABLE, NFTA_RULE_CHAIN, ch->name,
			      what);
		for (j = 0; j < ch->n_rules && r >= 0; j++)
			r = rule_msg(b, o, new, ch, &ch->rules[j]);
	}
	for (i = 0; i < d->n_el && r >= 0; i++) {
		if (d->el[i].n_del)
			r = elems_msgs(b, o, old, &old->sets[d->el[i].set_old], NFT_MSG_DELSETELEM,
				       d->el[i].del, d->el[i].n_del);
	}
	for (i = 0; i < d->n_el && r >= 0; i++) {
		if (d->el[i].n_add)
			r = elems_msgs(b, o, new, &new->sets[d->el[i].set_new], NFT_MSG_NEWSETELEM,
				       d->el[i].add, d->el[i].n_add);
	}
	for (i = 0; i < d->n_gone_sets && r >= 0; i++) {
		snprintf(what, sizeof(what), "set %s", old->sets[d->gone_sets[i]].name);
		r = named_msg(b, o, NFT_MSG_DELSET, NFTA_SET_TABLE, NFTA_SET_NAME,
			      old->sets[d->gone_sets[i]].name, what);
	}
	return r;
}

int nlb_build_delta(struct nlbatch *b, const struct ir_ruleset *old, const struct ir_ruleset *new,
		    const struct ir_delta *d, uint32_t seq, const struct nlb_opts *o)
{
	int r;

	memset(b, 0, sizeof(*b));
	if (d->full)
		return -EINVAL;
	b->seq_end = seq - 1;
	b->seq_begin = seq;
	r = batch_marker(b, NFNL_MSG_BATCH_BEGIN, o->genid);
	if (r >= 0)
		r = delta_objects(b, o, old, new, d);
	if (r >= 0 && o->end)
		r = batch_marker(b, NFNL_MSG_BATCH_END, false);
	if (r < 0)
		nlb_fini(b);
	return r;
}

/* Learned addresses (eng_update) into the engine's dynamic sets, each with its timeout; the
 * expiration is sent too, so an element already there starts counting down again. */
static int learned_msg(struct nlbatch *b, const struct nlb_opts *o, const char *set, int family,
		       const struct eng_update *u, int n)
{
	struct nlmsghdr *nlh = NULL;
	struct nlattr *list = NULL, *el, *k;
	int i, r = 0;

	for (i = 0; i < n && r >= 0; i++) {
		if (u[i].family != family)
			continue;
		if (nlh && nlh->nlmsg_len > NLB_MSG_MAX) {
			mnl_attr_nest_end(nlh, list);
			r = msg_done(b, nlh, 0, set);
			nlh = NULL;
			if (r < 0)
				break;
		}
		if (!nlh) {
			nlh = nft_hdr(b, NLB_MSG_MAX + NLB_ELEM_MAX, NFT_MSG_NEWSETELEM,
				      NLM_F_CREATE);
			if (!nlh)
				return -ENOMEM;
			mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE, tname(o));
			mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, set);
			list = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_LIST_ELEMENTS);
		}
		el = mnl_attr_nest_start(nlh, NFTA_LIST_ELEM);
		k = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_KEY);
		mnl_attr_put(nlh, NFTA_DATA_VALUE, family == AF_INET ? 4 : 16, u[i].addr);
		mnl_attr_nest_end(nlh, k);
		mnl_attr_put_u64(nlh, NFTA_SET_ELEM_TIMEOUT, htobe64(u[i].timeout_ms));
		mnl_attr_put_u64(nlh, NFTA_SET_ELEM_EXPIRATION, htobe64(u[i].timeout_ms));
		mnl_attr_nest_end(nlh, el);
	}
	if (nlh && r >= 0) {
		mnl_attr_nest_end(nlh, list);
		r = msg_done(b, nlh, 0, set);
	}
	return r;
}

int nlb_build_learned(struct nlbatch *b, const struct eng_update *u, int n, uint32_t seq,
		      const struct nlb_opts *o)
{
	int r;

	memset(b, 0, sizeof(*b));
	b->seq_end = seq - 1;
	b->seq_begin = seq;
	r = batch_marker(b, NFNL_MSG_BATCH_BEGIN, false);
	if (r >= 0)
		r = learned_msg(b, o, "bo_learn4", AF_INET, u, n);
	if (r >= 0)
		r = learned_msg(b, o, "bo_learn6", AF_INET6, u, n);
	if (r >= 0)
		r = batch_marker(b, NFNL_MSG_BATCH_END, false);
	if (r < 0)
		nlb_fini(b);
	return r;
}
