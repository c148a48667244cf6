/* SPDX-License-Identifier: GPL-2.0-only */
/* apply.c: commit, probe and read back table inet sanso; see apply.h. */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/gen.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <linux/netlink.h>

#include "apply.h"
#include "engine.h"
#include "nftgen.h"
#include "nlbatch.h"

#ifndef NFT_TABLE_F_PERSIST
#define NFT_TABLE_F_PERSIST	0x4
#endif

#define ACK_WAIT_MS		5000
#define GENID_RETRIES		3
#define REPORT_MAX		40	/* differences or kernel errors listed */
#define RECV_BUF		(1 << 17)
#define REQ_BUF			1024	/* one request message */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int apply_open(struct apply *ap)
{
	int one = 1, fd;

	memset(ap, 0, sizeof(*ap));
	ap->nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	if (!ap->nl)
		return -errno;
	if (mnl_socket_bind(ap->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int e = -errno;

		apply_close(ap);
		return e;
	}
	fd = mnl_socket_get_fd(ap->nl);
	(void)setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	(void)setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	ap->portid = mnl_socket_get_portid(ap->nl);
	ap->seq = (uint32_t)time(NULL);
	return 0;
}

void apply_close(struct apply *ap)
{
	if (!ap || !ap->nl)
		return;
	mnl_socket_close(ap->nl);
	ap->nl = NULL;
}

/* ---- acks of a batch ---- */

struct acks {
	const struct nlbatch *b;
	const char *file;
	struct diag *diag;
	int expected, got, errors;
	int first_err;
	bool begin_failed;
};

static const char *extack_msg(const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;
	size_t off;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return NULL;
	off = sizeof(*e);		/* NETLINK_CAP_ACK: no copy of the request */
	mnl_attr_for_each(a, nlh, off) {
		if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG &&
		    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) >= 0)
			return mnl_attr_get_str(a);
	}
	return NULL;
}

static void ack_error(struct acks *k, const struct nlmsghdr *nlh, int err)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	const struct nlb_origin *o = nlb_origin(k->b, e->msg.nlmsg_seq);
	const char *x = extack_msg(nlh);

	if (!k->first_err)
		k->first_err = err;
	if (e->msg.nlmsg_seq == k->b->seq_begin)
		k->begin_failed = true;
	if (err == -ERESTART)		/* genid moved: retried, not an error of the policy */
		return;
	if (++k->errors > REPORT_MAX)
		return;
	diag_add(k->diag, DIAG_ERROR, k->file, o ? o->line : 0, "kernel refused %s: %s%s%s",
		 o ? o->what : "the batch", strerror(-err), x ? ": " : "", x ? x : "");
	diag_ja(k->diag, "カーネルが %s を拒否しました: %s", o ? o->what : "バッチ", strerror(-err));
}

static int ack_cb(const struct nlmsghdr *nlh, void *data)
{
	struct acks *k = data;
	const struct nlmsgerr *e;

	if (nlh->nlmsg_type != NLMSG_ERROR)
		return MNL_CB_OK;
	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e)))
		return MNL_CB_ERROR;
	e = mnl_nlmsg_get_payload(nlh);
	k->got++;
	if (e->error)
		ack_error(k, nlh, e->error);
	return MNL_CB_OK;
}

static void bufsize(int fd, int force, int plain, size_t want)
{
	int v = want > (1U << 30) ? 1 << 30 : (int)want;

	if (setsockopt(fd, SOL_SOCKET, force, &v, sizeof(v)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, plain, &v, sizeof(v));
}

/* Send the batch and read every ack. The kernel processes a batch inside sendmsg(), so all
 * acks are queued when it returns; poll guards against surprises. */
static int talk(struct apply *ap, const struct nlbatch *b, bool dry_run, const char *file,
		struct diag *diag)
{
	struct acks k = { .b = b, .file = file, .diag = diag };
	mnl_cb_t ctl[NLMSG_MIN_TYPE] = { [NLMSG_ERROR] = ack_cb };
	int fd = mnl_socket_get_fd(ap->nl), r;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	uint8_t *buf;
	ssize_t n;

	k.expected = b->n_msgs - (dry_run ? 1 : 2);	/* BEGIN and END carry no ACK flag */
	bufsize(fd, SO_SNDBUFFORCE, SO_SNDBUF, b->len + 65536);
	bufsize(fd, SO_RCVBUFFORCE, SO_RCVBUF, (size_t)b->n_msgs * 2048 + (1 << 20));
	buf = malloc(RECV_BUF);
	if (!buf)
		return -ENOMEM;
	n = mnl_socket_sendto(ap->nl, b->buf, b->len);
	r = n < 0 ? -errno : 0;
	while (r == 0 && k.got < k.expected && !k.begin_failed) {
		r = poll(&pfd, 1, ACK_WAIT_MS);
		if (r <= 0) {
			r = r < 0 ? -errno : -ETIMEDOUT;
			break;
		}
		n = recv(fd, buf, RECV_BUF, 0);
		if (n < 0) {
			r = -errno;	/* ENOBUFS: acks lost; the read-back will tell */
			break;
		}
		r = mnl_cb_run2(buf, (size_t)n, 0, ap->portid, NULL, &k, ctl, NLMSG_MIN_TYPE) < 0 ?
		    -EPROTO : 0;
	}
	free(buf);
	if (k.errors > REPORT_MAX)
		diag_add(diag, DIAG_ERROR, file, 0, "... and %d more kernel errors",
			 k.errors - REPORT_MAX);
	if (r < 0)
		return r;
	if (k.first_err == -ERESTART && !k.errors)
		return -ERESTART;
	return k.errors ? -EINVAL : 0;
}

/* ---- generation id ---- */

static int gen_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nftnl_gen *g = nftnl_gen_alloc();

	if (!g)
		return MNL_CB_ERROR;
	if (nftnl_gen_nlmsg_parse(nlh, g) == 0)
		*(uint32_t *)data = nftnl_gen_get_u32(g, NFTNL_GEN_ID);
	nftnl_gen_free(g);
	return MNL_CB_OK;
}

/* One request, run cb on every reply until the ack / dump end. */
static int request(struct apply *ap, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	uint8_t *buf = malloc(RECV_BUF);
	uint32_t seq = nlh->nlmsg_seq;
	ssize_t n;
	int r;

	if (!buf)
		return -ENOMEM;
	if (mnl_socket_sendto(ap->nl, nlh, nlh->nlmsg_len) < 0) {
		r = -errno;
		goto out;
	}
	do {
		n = mnl_socket_recvfrom(ap->nl, buf, RECV_BUF);
		if (n < 0) {
			r = -errno;
			goto out;
		}
		r = mnl_cb_run(buf, (size_t)n, seq, ap->portid, cb, data);
	} while (r > 0);
	r = r < 0 ? -errno : 0;
out:
	free(buf);
	return r;
}

int apply_genid(struct apply *ap, uint32_t *ret)
{
	char buf[REQ_BUF];
	struct nlmsghdr *nlh;

	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETGEN, AF_UNSPEC, NLM_F_ACK, ++ap->seq);
	return request(ap, nlh, gen_cb, ret);
}

/* ---- probe and commit ---- */

/* One dry-run batch on a table of its own: 1 if the kernel takes it, 0 if it refuses. */
static int probe_one(struct apply *ap, const struct ir_ruleset *rs, const struct nlb_opts *o)
{
	struct nlbatch b;
	struct diag d;
	int r;

	diag_init(&d);
	r = nlb_build(&b, rs, ap->seq + 1, o);
	if (r >= 0) {
		ap->seq = b.seq_end + 1;
		r = talk(ap, &b, true, NULL, &d);
		r = r == 0 ? 1 : r == -EINVAL ? 0 : r;
	}
	nlb_fini(&b);
	diag_fini(&d);
	return r;
}

/* What this kernel supports: table flag persist, nft_queue, or the compat NFQUEUE target. */
int apply_probe(struct apply *ap)
{
	struct nlb_opts o = { .table = "sanso-probe", .end = false };
	struct ir_ruleset *rs = ir_new();
	struct ir_rule rule;
	struct ir_stmt *x;
	int r, ch;

	if (!rs)
		return -ENOMEM;
	o.table_flags = NFT_TABLE_F_OWNER | NFT_TABLE_F_PERSIST;
	r = ap->no_persist ? 0 : probe_one(ap, rs, &o);
	if (r < 0)
		goto out;
	ap->persist = r;
	ap->table_flags = r ? NFT_TABLE_F_OWNER | NFT_TABLE_F_PERSIST : 0;
	o.table_flags = 0;
	ch = ir_chain_add(rs, "probe", IR_HOOK_FORWARD, 0, true);
	ir_rule_init(&rule, NULL, 0);
	x = ir_stmt(&rule, OP_QUEUE);
	x->aux = 1;			/* queue 0, one queue */
	r = ch < 0 ? ch : ir_rule_add(rs, ch, &rule);
	if (r < 0)
		goto out;
	r = probe_one(ap, rs, &o);
	if (r < 0)
		goto out;
	ap->queue_native = r;
	o.queue_compat = true;
	r = ap->queue_native ? 0 : probe_one(ap, rs, &o);
	if (r < 0)
		goto out;
	ap->queue_compat = !ap->queue_native && r;
	ap->probed = true;
	r = 0;
out:
	ir_free(rs);
	return r;
}

static void opts_of(const struct apply *ap, struct nlb_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->table_flags = ap->table_flags;
	o->queue_compat = ap->queue_compat;
}

int apply_commit(struct apply *ap, const struct ir_ruleset *rs, const char *file, bool dry_run,
		 struct diag *diag, struct apply_stats *st)
{
	struct nlbatch b;
	uint32_t genid;
	double t0 = now_s(), t1;
	int r, i;

	struct nlb_opts o;

	if (!ap->probed && (r = apply_probe(ap)) < 0)
		return r;
	opts_of(ap, &o);
	o.genid = true;
	o.end = !dry_run;
	r = nlb_build(&b, rs, ap->seq + 1, &o);
	if (r < 0)
		return r;
	ap->seq = b.seq_end + 1;
	t1 = now_s();
	for (i = 0; i < GENID_RETRIES; i++) {
		r = apply_genid(ap, &genid);
		if (r < 0)
			break;
		nlb_set_genid(&b, genid);
		r = talk(ap, &b, dry_run, file, diag);
		if (r != -ERESTART)
			break;
	}
	if (r == 0 && !dry_run)
		(void)apply_genid(ap, &ap->genid);
	if (st) {
		st->build_s = t1 - t0;
		st->commit_s = now_s() - t1;
		st->batch_bytes = b.len;
		st->batch_msgs = b.n_msgs;
	}
	nlb_fini(&b);
	return r;
}

/* ---- read-back (I7) ----
 * Both sides become canonical text lines (table objects and rules, through the same libnftnl
 * forms) and, for set elements, one 64-bit hash per wire element; counters and timeouts are
 * left out. Then sorted lists are merged and the differences reported. */

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

static uint64_t fnv64(uint64_t h, const void *data, size_t n)
{
	const uint8_t *b = data;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= b[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static uint64_t wire_hash(const struct nlb_wire *w, size_t klen)
{
	uint64_t h = 14695981039346656037ULL;
	uint8_t b = w->has_key_end;

	h = fnv64(h, w->key, klen);
	h = fnv64(h, &b, 1);
	if (w->has_key_end)
		h = fnv64(h, w->key_end, klen);
	h = fnv64(h, &w->flags, sizeof(w->flags));
	b = w->has_data;
	h = fnv64(h, &b, 1);
	if (w->has_data)
		h = fnv64(h, &w->data, sizeof(w->data));
	if (w->chain)
		h = fnv64(h, w->chain, strlen(w->chain) + 1);
	return h;
}

static int expected_side(const struct apply *ap, const struct ir_ruleset *rs, struct side *sd)
{
	struct nlb_opts o;
	struct nlb_wire w[2];
	int i, j, k, n;

	opts_of(ap, &o);
	sd->n_sets = rs->n_sets;
	sd->elems = calloc((size_t)rs->n_sets + 1, sizeof(*sd->elems));
	if (!sd->elems)
		return -ENOMEM;
	sd->table = true;
	for (i = 0; i < rs->n_chains; i++) {
		const struct ir_chain *ch = &rs->chains[i];

		canon_chain(sd, ch->name, ch->hook != IR_HOOK_NONE, nlb_hooknum(ch->hook), ch->prio,
			    ch->policy_drop ? NF_DROP : NF_ACCEPT);
		for (j = 0; j < ch->n_rules; j++) {
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
		for (j = 0; j < s->n_elems && !(s->flags & IR_SET_DYNAMIC); j++) {
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

static int elem_parse(const struct nlattr *el, struct nlb_wire *w)
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
			if (elem_parse(el, &w) < 0)
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

static int dump_elems(struct apply *ap, struct dump *d, int set)
{
	char buf[REQ_BUF];
	struct nlmsghdr *nlh;

	d->set = set;
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETSETELEM, NFPROTO_INET, NLM_F_DUMP, ++ap->seq);
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE, IR_TABLE);
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, d->rs->sets[set].name);
	return request(ap, nlh, elem_cb, d);
}

static int dump_objects(struct apply *ap, struct dump *d)
{
	static const struct { uint16_t type, attr; mnl_cb_t cb; } q[] = {
		{ NFT_MSG_GETTABLE, NFTA_TABLE_NAME, table_cb },
		{ NFT_MSG_GETCHAIN, NFTA_CHAIN_TABLE, chain_cb },
		{ NFT_MSG_GETRULE, NFTA_RULE_TABLE, rule_cb },
		{ NFT_MSG_GETSET, NFTA_SET_TABLE, set_cb },
	};
	char buf[REQ_BUF];
	struct nlmsghdr *nlh;
	size_t i;
	int r;

	for (i = 0; i < sizeof(q) / sizeof(q[0]); i++) {
		nlh = nftnl_nlmsg_build_hdr(buf, q[i].type, NFPROTO_INET,
					    i ? NLM_F_DUMP : NLM_F_ACK, ++ap->seq);
		mnl_attr_put_strz(nlh, q[i].attr, IR_TABLE);
		r = request(ap, nlh, q[i].cb, d);
		if (r < 0)
			return r;
	}
	return 0;
}

static int actual_side(struct apply *ap, const struct ir_ruleset *rs, struct side *sd,
		       struct diag *diag)
{
	struct dump d = { .sd = sd, .rs = rs, .diag = diag };
	char line[IR_NAME_MAX + 8];
	int i, r, j;

	sd->n_sets = rs->n_sets;
	sd->elems = calloc((size_t)rs->n_sets + 1, sizeof(*sd->elems));
	if (!sd->elems)
		return -ENOMEM;
	r = dump_objects(ap, &d);
	if (r < 0)
		return r;
	for (i = 0; i < rs->n_sets; i++) {
		snprintf(line, sizeof(line), "set %s ", rs->sets[i].name);
		for (j = 0; j < sd->lines.n; j++) {
			if (!strncmp(sd->lines.v[j], line, strlen(line)))
				break;
		}
		if (j == sd->lines.n || (rs->sets[i].flags & IR_SET_DYNAMIC))
			continue;	/* missing: reported by the line diff; learned: not compared */
		r = dump_elems(ap, &d, i);
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
static int diff_elems(struct apply *ap, const struct ir_ruleset *rs, int set, struct hashes *w,
		      struct hashes *g, struct diag *diag)
{
	struct hashes miss = { 0 }, extra = { 0 };
	struct dump d = { .rs = rs, .diag = diag };
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
		(void)dump_elems(ap, &d, set);
	}
	free(miss.v);
	free(extra.v);
	return n;
}

int apply_verify(struct apply *ap, const struct ir_ruleset *rs, struct diag *diag)
{
	struct side want = { 0 }, got = { 0 };
	uint32_t g0 = 0, g1 = 0;
	int r, i, tries, n = 0;

	if (!ap->probed && (r = apply_probe(ap)) < 0)
		return r;
	r = expected_side(ap, rs, &want);
	for (tries = 0; r >= 0 && tries < GENID_RETRIES; tries++) {
		side_free(&got);
		memset(&got, 0, sizeof(got));
		r = apply_genid(ap, &g0);
		if (r >= 0)
			r = actual_side(ap, rs, &got, diag);
		if (r >= 0)
			r = apply_genid(ap, &g1);
		if (r < 0 || g0 == g1)
			break;
	}
	if (r == -ENOENT || (r >= 0 && !got.table)) {
		r = -ENOENT;
		goto out;
	}
	if (r < 0)
		goto out;
	n = diff_lines(&want, &got, diag);
	for (i = 0; i < rs->n_sets && n >= 0; i++) {
		r = diff_elems(ap, rs, i, &want.elems[i], &got.elems[i], diag);
		if (r < 0)
			goto out;
		n += r;
	}
	r = n > 0 ? 1 : 0;
out:
	side_free(&want);
	side_free(&got);
	return r;
}

/* ---- learned addresses (from the engine, between generations) ---- */

static void learned_msg(struct nlbatch *b, uint32_t seq, const char *set, int family,
			const struct eng_update *u, int n)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)(b->buf + b->len);
	struct nlattr *list, *el, *k;
	int i;

	nlh = nftnl_nlmsg_build_hdr((char *)nlh, NFT_MSG_NEWSETELEM, NFPROTO_INET,
				    NLM_F_CREATE | NLM_F_ACK, seq);
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE, IR_TABLE);
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, set);
	list = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_LIST_ELEMENTS);
	for (i = 0; i < n; i++) {
		if (u[i].family != family)
			continue;
		el = mnl_attr_nest_start(nlh, NFTA_LIST_ELEM);
		k = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_KEY);
		mnl_attr_put(nlh, NFTA_DATA_VALUE, family == AF_INET ? 4 : 16, u[i].addr);
		mnl_attr_nest_end(nlh, k);
		mnl_attr_put_u64(nlh, NFTA_SET_ELEM_TIMEOUT, htobe64(u[i].timeout_ms));
		/* an existing element keeps counting down unless its expiration is set too */
		mnl_attr_put_u64(nlh, NFTA_SET_ELEM_EXPIRATION, htobe64(u[i].timeout_ms));
		mnl_attr_nest_end(nlh, el);
	}
	mnl_attr_nest_end(nlh, list);
	b->len += NLMSG_ALIGN(nlh->nlmsg_len);
	b->n_msgs++;
}

static void marker(struct nlbatch *b, uint16_t type, uint32_t seq)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(b->buf + b->len);
	struct nfgenmsg *g;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->nfgen_family = AF_UNSPEC;
	g->version = NFNETLINK_V0;
	g->res_id = htons(NFNL_SUBSYS_NFTABLES);
	b->len += NLMSG_ALIGN(nlh->nlmsg_len);
	b->n_msgs++;
}

int apply_learned(struct apply *ap, const struct eng_update *u, int n)
{
	struct nlbatch b = { 0 };
	struct diag d;
	int has4 = 0, has6 = 0, i, r;

	for (i = 0; i < n; i++) {
		has4 |= u[i].family == AF_INET;
		has6 |= u[i].family == AF_INET6;
	}
	b.cap = (size_t)n * 64 + 1024;
	b.buf = calloc(1, b.cap);
	if (!b.buf)
		return -ENOMEM;
	b.seq_begin = ++ap->seq;
	marker(&b, NFNL_MSG_BATCH_BEGIN, b.seq_begin);
	if (has4)
		learned_msg(&b, ++ap->seq, "bo_learn4", AF_INET, u, n);
	if (has6)
		learned_msg(&b, ++ap->seq, "bo_learn6", AF_INET6, u, n);
	marker(&b, NFNL_MSG_BATCH_END, ++ap->seq);
	diag_init(&d);
	r = talk(ap, &b, false, NULL, &d);
	diag_fini(&d);
	free(b.buf);
	return r;
}

/* ---- dump and counters: what the kernel enforces, for sansoctl ---- */

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

static void json_str(FILE *o, const char *s)
{
	fputc('"', o);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(o, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(o, "\\u%04x", (unsigned char)*s);
		else
			fputc(*s, o);
	}
	fputc('"', o);
}

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
		json_str(k->out, k->chain);
		fprintf(k->out, ", \"index\": %d, \"comment\": ", k->idx);
		json_str(k->out, com);
		fprintf(k->out, ", \"expressions\": ");
		json_str(k->out, line);
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
			if (elem_parse(el, &w) < 0 || (w.flags & NFT_SET_ELEM_INTERVAL_END))
				continue;
			memset(&e, 0, sizeof(e));
			memcpy(e.key, w.key, IR_KEY_MAX);
			memcpy(e.key_end, w.has_key_end ? w.key_end : w.key, IR_KEY_MAX);
			if (!s || nftgen_elem(s, &e, key, sizeof(key)) < 0)
				hex(key, sizeof(key), w.key, 16);
			if (k->json) {
				fprintf(k->out, "%s", k->n++ ? ", " : "");
				json_str(k->out, key);
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

static int dump_set_names_cb(const struct nlmsghdr *nlh, void *data)
{
	struct side *sd = data;
	struct nftnl_set *s = nftnl_set_alloc();

	if (s && nftnl_set_nlmsg_parse(nlh, s) == 0 &&
	    !strcmp(nftnl_set_get_str(s, NFTNL_SET_TABLE), IR_TABLE))
		lines_add(sd, nftnl_set_get_str(s, NFTNL_SET_NAME));
	nftnl_set_free(s);
	return MNL_CB_OK;
}

static int dump_request(struct apply *ap, uint16_t type, uint16_t attr, const char *set,
			mnl_cb_t cb, void *data)
{
	char buf[REQ_BUF];
	struct nlmsghdr *nlh;

	nlh = nftnl_nlmsg_build_hdr(buf, type, NFPROTO_INET, NLM_F_DUMP, ++ap->seq);
	mnl_attr_put_strz(nlh, attr, IR_TABLE);
	if (set)
		mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, set);
	return request(ap, nlh, cb, data);
}

int apply_dump(struct apply *ap, const struct ir_ruleset *rs, FILE *out, bool json)
{
	struct kdump k = { .rs = rs, .out = out, .json = json, .set = -1 };
	struct side names = { 0 };
	int r, i;

	fprintf(out, json ? "  \"rules\": [" : "chains and rules (kernel):\n");
	r = dump_request(ap, NFT_MSG_GETRULE, NFTA_RULE_TABLE, NULL, dump_rule_cb, &k);
	fprintf(out, json ? "\n  ],\n  \"sets\": [" : "sets (kernel):\n");
	if (r >= 0)
		r = dump_request(ap, NFT_MSG_GETSET, NFTA_SET_TABLE, NULL, dump_set_names_cb, &names);
	for (i = 0; r >= 0 && i < names.lines.n; i++) {
		k.set = ir_set_find(rs, names.lines.v[i]);
		k.n = 0;
		if (json) {
			fprintf(out, "%s\n    {\"name\": ", i ? "," : "");
			json_str(out, names.lines.v[i]);
			fprintf(out, ", \"elements\": [");
		} else {
			fprintf(out, "  set %s\n", names.lines.v[i]);
		}
		r = dump_request(ap, NFT_MSG_GETSETELEM, NFTA_SET_ELEM_LIST_TABLE, names.lines.v[i],
				 dump_elem_cb, &k);
		if (json)
			fprintf(out, "]}");
	}
	if (json)
		fprintf(out, "\n  ]\n");
	side_free(&names);
	return r;
}

int apply_counters(struct apply *ap, void (*cb)(void *arg, const char *chain, int idx,
						const char *comment, uint64_t pkts,
						uint64_t bytes), void *arg)
{
	struct kdump k = { .counter = cb, .arg = arg, .set = -1 };

	return dump_request(ap, NFT_MSG_GETRULE, NFTA_RULE_TABLE, NULL, dump_rule_cb, &k);
}

/* ---- conntrack: forget the connections of a decision (ctnetlink) ---- */

/* Delete every conntrack entry whose mark is id (both families). The ruleset already drops
 * their packets (the id left @live); this frees them at once. Returns the last -errno. */
int apply_ct_forget(uint32_t id)
{
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	char buf[REQ_BUF];
	struct nlmsghdr *nlh;
	struct nfgenmsg *g;
	int fam, r = 0;
	uint32_t seq = (uint32_t)time(NULL);

	if (!nl)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		r = -errno;
		goto out;
	}
	for (fam = 0; fam < 2; fam++) {
		nlh = mnl_nlmsg_put_header(buf);
		nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_DELETE;
		nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
		nlh->nlmsg_seq = ++seq;
		g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
		g->nfgen_family = fam ? AF_INET6 : AF_INET;
		g->version = NFNETLINK_V0;
		mnl_attr_put_u32(nlh, CTA_MARK, htonl(id));
		mnl_attr_put_u32(nlh, CTA_MARK_MASK, htonl(0xffffffffU));
		if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0 ||
		    mnl_socket_recvfrom(nl, buf, sizeof(buf)) < 0)
			r = -errno;
	}
out:
	mnl_socket_close(nl);
	return r;
}
