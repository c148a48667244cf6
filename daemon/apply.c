/* SPDX-License-Identifier: GPL-2.0-only */
/* apply.c: probe the kernel and commit batches to table inet sanso; see apply.h. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <sys/socket.h>

#include "apply.h"
#include "nlbatch.h"

#ifndef NFT_TABLE_F_PERSIST
#define NFT_TABLE_F_PERSIST	0x4
#endif

#define ACK_WAIT_MS		5000
#define GENID_RETRIES		5
#define REPORT_MAX		40	/* kernel errors listed */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int apply_open(struct apply *ap)
{
	memset(ap, 0, sizeof(*ap));
	return nlsock_open(&ap->ns);
}

void apply_close(struct apply *ap)
{
	if (ap)
		nlsock_close(&ap->ns);
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
	int fd = mnl_socket_get_fd(ap->ns.nl), r;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	uint8_t *buf;
	ssize_t n;

	k.expected = b->n_msgs - (dry_run ? 1 : 2);	/* BEGIN and END carry no ACK flag */
	bufsize(fd, SO_SNDBUFFORCE, SO_SNDBUF, b->len + 65536);
	bufsize(fd, SO_RCVBUFFORCE, SO_RCVBUF, (size_t)b->n_msgs * 2048 + (1 << 20));
	buf = malloc(NLSOCK_RECV_BUF);
	if (!buf)
		return -ENOMEM;
	n = mnl_socket_sendto(ap->ns.nl, b->buf, b->len);
	r = n < 0 ? -errno : 0;
	while (r == 0 && k.got < k.expected && !k.begin_failed) {
		r = poll(&pfd, 1, ACK_WAIT_MS);
		if (r <= 0) {
			r = r < 0 ? -errno : -ETIMEDOUT;
			break;
		}
		n = recv(fd, buf, NLSOCK_RECV_BUF, 0);
		if (n < 0) {
			r = -errno;	/* ENOBUFS: acks lost; the read-back will tell */
			break;
		}
		r = mnl_cb_run2(buf, (size_t)n, 0, ap->ns.portid, NULL, &k, ctl, NLMSG_MIN_TYPE) < 0 ?
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

/* ---- probe and commit ---- */

/* One dry-run batch on a table of its own: 1 if the kernel takes it, 0 if it refuses. */
static int probe_one(struct apply *ap, const struct ir_ruleset *rs, const struct nlb_opts *o)
{
	struct nlbatch b;
	struct diag d;
	int r;

	diag_init(&d);
	r = nlb_build(&b, rs, ap->ns.seq + 1, o);
	if (r >= 0) {
		ap->ns.seq = b.seq_end + 1;
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

/* Send b (built with a BATCH_GENID) against the generation id it was built for; the kernel
 * answers -ERESTART when another commit came between: then again, with the new id. */
static int send_batch(struct apply *ap, struct nlbatch *b, bool dry_run, const char *file,
		      struct diag *diag)
{
	uint32_t genid;
	int r = 0, i;

	for (i = 0; i < GENID_RETRIES; i++) {
		r = nlsock_genid(&ap->ns, &genid);
		if (r < 0)
			break;
		nlb_set_genid(b, genid);
		r = talk(ap, b, dry_run, file, diag);
		if (r != -ERESTART)
			break;
		ap->restarts++;
	}
	if (r == 0 && !dry_run)
		(void)nlsock_genid(&ap->ns, &ap->genid);
	return r;
}

/* Send a batch built at t0 (its seqs taken), fill st, free it. */
static int commit_built(struct apply *ap, struct nlbatch *b, bool dry_run, const char *file,
			struct diag *diag, struct apply_stats *st, double t0)
{
	double t1 = now_s();
	int r;

	ap->ns.seq = b->seq_end + 1;
	r = send_batch(ap, b, dry_run, file, diag);
	if (st) {
		st->build_s = t1 - t0;
		st->commit_s = now_s() - t1;
		st->batch_bytes = b->len;
		st->batch_msgs = b->n_msgs;
	}
	nlb_fini(b);
	return r;
}

int apply_commit(struct apply *ap, const struct ir_ruleset *rs, const char *file, bool dry_run,
		 struct diag *diag, struct apply_stats *st)
{
	struct nlb_opts o;
	struct nlbatch b;
	double t0 = now_s();
	int r;

	if (!ap->probed && (r = apply_probe(ap)) < 0)
		return r;
	opts_of(ap, &o);
	o.genid = true;
	o.end = !dry_run;
	r = nlb_build(&b, rs, ap->ns.seq + 1, &o);
	return r < 0 ? r : commit_built(ap, &b, dry_run, file, diag, st, t0);
}

int apply_commit_delta(struct apply *ap, const struct ir_ruleset *old,
		       const struct ir_ruleset *new, const struct ir_delta *d, const char *file,
		       struct diag *diag, struct apply_stats *st)
{
	struct nlb_opts o;
	struct nlbatch b;
	double t0 = now_s();
	int r;

	if (!ap->probed && (r = apply_probe(ap)) < 0)
		return r;
	opts_of(ap, &o);
	o.genid = true;
	o.end = true;
	r = nlb_build_delta(&b, old, new, d, ap->ns.seq + 1, &o);
	return r < 0 ? r : commit_built(ap, &b, false, file, diag, st, t0);
}

/* Learned addresses: no generation id (the sets are the engine's own, a concurrent commit
 * of another process does not make them wrong). */
int apply_learned(struct apply *ap, const struct eng_update *u, int n)
{
	struct nlb_opts o;
	struct nlbatch b;
	struct diag d;
	int r;

	opts_of(ap, &o);
	r = nlb_build_learned(&b, u, n, ap->ns.seq + 1, &o);
	if (r < 0)
		return r;
	ap->ns.seq = b.seq_end + 1;
	diag_init(&d);
	r = talk(ap, &b, false, NULL, &d);
	diag_fini(&d);
	nlb_fini(&b);
	return r;
}

void apply_opts(const struct apply *ap, struct nlb_opts *o)
{
	opts_of(ap, o);
}
