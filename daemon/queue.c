/* SPDX-License-Identifier: GPL-2.0-only */
/* queue.c: NFQUEUE workers; see queue.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <libnetfilter_queue/libnetfilter_queue.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink_queue.h>

#include "compile.h"
#include "log.h"
#include "pkt.h"
#include "queue.h"

#define RCVBUF_BYTES	(8 << 20)

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One config request, acked. */
static int cfg_talk(struct queue_worker *w, struct nlmsghdr *nlh)
{
	uint8_t buf[8192];
	ssize_t n;
	int r;

	nlh->nlmsg_flags |= NLM_F_ACK;
	if (mnl_socket_sendto(w->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	n = mnl_socket_recvfrom(w->nl, buf, sizeof(buf));
	if (n < 0)
		return -errno;
	r = mnl_cb_run(buf, (size_t)n, nlh->nlmsg_seq, w->portid, NULL, NULL);
	return r < 0 ? -errno : 0;
}

static int bind_queue(struct queue_worker *w, int maxlen)
{
	uint8_t buf[1024];
	struct nlmsghdr *nlh;
	int fd, v = RCVBUF_BYTES, r;
	struct timeval tv = { .tv_usec = 250000 };	/* beats while idle, notices stop */

	w->nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	if (!w->nl)
		return -errno;
	if (mnl_socket_bind(w->nl, 0, MNL_SOCKET_AUTOPID) < 0)
		return -errno;
	w->portid = mnl_socket_get_portid(w->nl);
	fd = mnl_socket_get_fd(w->nl);
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof(v)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));	/* notice stop */
	nlh = nfq_nlmsg_put((char *)buf, NFQNL_MSG_CONFIG, (uint32_t)w->qnum);
	nfq_nlmsg_cfg_put_cmd(nlh, AF_INET, NFQNL_CFG_CMD_BIND);
	r = cfg_talk(w, nlh);
	if (r < 0)
		return r;
	nlh = nfq_nlmsg_put((char *)buf, NFQNL_MSG_CONFIG, (uint32_t)w->qnum);
	nfq_nlmsg_cfg_put_params(nlh, NFQNL_COPY_PACKET, QUEUE_COPY_RANGE);
	nfq_nlmsg_cfg_put_qmaxlen(nlh, (uint32_t)maxlen);
	/* GSO: no segmenting of big packets for us. No FAIL_OPEN: a full queue drops. */
	mnl_attr_put_u32(nlh, NFQA_CFG_FLAGS, htonl(NFQA_CFG_F_GSO));
	mnl_attr_put_u32(nlh, NFQA_CFG_MASK, htonl(NFQA_CFG_F_GSO | NFQA_CFG_F_FAIL_OPEN));
	return cfg_talk(w, nlh);
}

static void flush_tx(struct queue_worker *w)
{
	if (!w->txlen)
		return;
	if (mnl_socket_sendto(w->nl, w->tx, w->txlen) < 0)
		w->send_errors++;
	w->txlen = 0;
}

static void put_verdict(struct queue_worker *w, uint32_t id, const struct eng_verdict *v)
{
	struct nlmsghdr *nlh;
	int verdict = v->v == ENG_DROP ? NF_DROP : v->v == ENG_REPEAT ? NF_REPEAT : NF_ACCEPT;

	if (w->txlen + 128 > QUEUE_TX_SIZE)
		flush_tx(w);
	nlh = nfq_nlmsg_put((char *)w->tx + w->txlen, NFQNL_MSG_VERDICT, (uint32_t)w->qnum);
	nfq_nlmsg_verdict_put(nlh, (int)id, verdict);
	if (verdict != NF_DROP)
		nfq_nlmsg_verdict_put_mark(nlh, v->mark);	/* ACCEPT clears the copied mark */
	w->txlen += NLMSG_ALIGN(nlh->nlmsg_len);
}

/* A refusal with its reason into the worker's ring (no allocation, no log). */
static void note_refusal(struct queue_worker *w, const uint8_t *l3, size_t len, uint8_t why)
{
	struct queue_refusal *e = &w->refused[w->n_refused % QUEUE_REFUSALS];
	struct pkt_hdrs h;

	if (pkt_parse(l3, len, &h) < 0)
		return;
	atomic_store_explicit(&e->seq, 0, memory_order_release);
	e->family = h.family;
	e->proto = h.l4proto;
	e->why = why;
	e->sport = h.sport;
	e->dport = h.dport;
	memcpy(e->src, h.src, sizeof(e->src));
	memcpy(e->dst, h.dst, sizeof(e->dst));
	atomic_store_explicit(&e->seq, ++w->n_refused, memory_order_release);
}

const char *queue_refusal_why(const struct queue_rt *rt, int family, const uint8_t *src,
			      const uint8_t *dst, uint16_t sport, uint16_t dport, uint8_t proto)
{
	uint32_t best = 0, s1;
	uint8_t why = 0;
	int i, k;

	for (i = 0; i < rt->n; i++) {
		for (k = 0; k < QUEUE_REFUSALS; k++) {
			const struct queue_refusal *e = &rt->w[i].refused[k];
			struct queue_refusal c;

			s1 = atomic_load_explicit(&e->seq, memory_order_acquire);
			if (!s1 || s1 <= best)
				continue;
			memcpy(&c, e, sizeof(c));
			if (atomic_load_explicit(&e->seq, memory_order_acquire) != s1)
				continue;	/* rewritten meanwhile */
			if (c.family == family && c.proto == proto && c.sport == sport &&
			    c.dport == dport && !memcmp(c.src, src, 16) && !memcmp(c.dst, dst, 16)) {
				best = s1;
				why = c.why;
			}
		}
	}
	return why ? eng_count_name((enum eng_count)why) : NULL;
}

static int packet_cb(const struct nlmsghdr *nlh, void *data)
{
	struct queue_worker *w = data;
	struct queue_rt *rt = w->rt;
	struct nlattr *a[NFQA_MAX + 1] = { NULL };
	struct eng_update upd[ENG_UPDATES_MAX];
	const struct nfqnl_msg_packet_hdr *ph;
	const struct nfqnl_msg_packet_hw *hw;
	struct eng_verdict v = { ENG_DROP, 0, 0 };
	const uint8_t *mac = NULL;
	uint32_t id, mark = 0;
	int64_t now = now_ms();
	int n_upd = 0;

	if (nfq_nlmsg_parse(nlh, a) < 0 || !a[NFQA_PACKET_HDR] ||
	    mnl_attr_get_payload_len(a[NFQA_PACKET_HDR]) < sizeof(*ph))
		return MNL_CB_OK;	/* no packet id: nothing to answer */
	ph = mnl_attr_get_payload(a[NFQA_PACKET_HDR]);
	id = ntohl(ph->packet_id);
	if (a[NFQA_MARK])
		mark = ntohl(mnl_attr_get_u32(a[NFQA_MARK]));
	if (a[NFQA_HWADDR] && mnl_attr_get_payload_len(a[NFQA_HWADDR]) >= sizeof(*hw)) {
		hw = mnl_attr_get_payload(a[NFQA_HWADDR]);
		mac = ntohs(hw->hw_addrlen) == 6 ? hw->hw_addr : NULL;
	}
	if (!a[NFQA_PAYLOAD]) {
		w->counts[EC_MALFORMED]++;
	} else if (eng_needs_learned(mark)) {
		pthread_mutex_lock(&rt->learn_lock);
		eng_decide(w->t, w->flows, rt->learned, mnl_attr_get_payload(a[NFQA_PAYLOAD]),
			   mnl_attr_get_payload_len(a[NFQA_PAYLOAD]), mac, mark, now, &v, upd,
			   &n_upd, w->counts);
		pthread_mutex_unlock(&rt->learn_lock);
	} else {
		eng_decide(w->t, w->flows, NULL, mnl_attr_get_payload(a[NFQA_PAYLOAD]),
			   mnl_attr_get_payload_len(a[NFQA_PAYLOAD]), mac, mark, now, &v, upd,
			   &n_upd, w->counts);
	}
	/* never waits for an apply: refused with -EBUSY, the updates are buffered */
	if (n_upd && learn_commit(&rt->pending, rt->commit, rt->commit_arg, upd, n_upd, now,
				  w->counts) < 0)
		w->commit_errors++;
	if (v.why && v.mark == (COMP_MARK_COPY | COMP_ID_REFUSED))
		note_refusal(w, mnl_attr_get_payload(a[NFQA_PAYLOAD]),
			     mnl_attr_get_payload_len(a[NFQA_PAYLOAD]), v.why);
	put_verdict(w, id, &v);
	return MNL_CB_OK;
}

/* DNS answers that taught nothing because no query matched them: logged once a second at
 * most per worker, with the counts so far (never per packet). */
static void dns_log(struct queue_worker *w)
{
	uint64_t um = w->counts[EC_DNS_UNMATCHED], fg = w->counts[EC_DNS_FORGED];
	int64_t now = now_ms();

	if (um + fg == w->dns_bad_logged || now - w->dns_log_ms < 1000)
		return;
	log_warnx("queue %d: DNS answers not learned: %llu unmatched (no query seen), "
		  "%llu forged-looking (another id or question)", w->qnum,
		  (unsigned long long)um, (unsigned long long)fg);
	w->dns_bad_logged = um + fg;
	w->dns_log_ms = now;
}

/* Learned addresses lost because the buffer was full during an apply: logged once a second
 * at most per worker. */
static void overflow_log(struct queue_worker *w)
{
	uint64_t o = w->counts[EC_DNS_LEARN_OVERFLOW];
	int64_t now = now_ms();

	if (o == w->overflow_logged || now - w->overflow_log_ms < 1000)
		return;
	log_warnx("queue %d: %llu learned addresses not committed: the control plane was "
		  "applying and %d were waiting already; they stay refused until learned again",
		  w->qnum, (unsigned long long)o, QUEUE_PENDING_MAX);
	w->overflow_logged = o;
	w->overflow_log_ms = now;
}

/* Updates buffered during an apply: retried once the verdicts of the batch are out, by one
 * worker at a time, without waiting (the callback try-locks). */
static void retry_pending(struct queue_worker *w)
{
	struct queue_rt *rt = w->rt;

	if (learn_pending(&rt->pending) > 0 &&
	    learn_commit(&rt->pending, rt->commit, rt->commit_arg, NULL, 0, now_ms(), w->counts) < 0)
		w->commit_errors++;
	overflow_log(w);
}

/* Hazard pointer: publish the tables this batch uses, then check they are still current. */
static void hold_tables(struct queue_worker *w)
{
	const struct eng_tables *t;

	do {
		t = atomic_load(&w->rt->tables);
		atomic_store(&w->using, t);
	} while (t != atomic_load(&w->rt->tables));
	w->t = t;
}

static void *worker(void *arg)
{
	struct queue_worker *w = arg;
	int fd = mnl_socket_get_fd(w->nl);
	ssize_t n;

	while (!atomic_load(&w->rt->stop)) {
		n = recv(fd, w->rx, QUEUE_RX_SIZE, 0);
		if (n < 0) {
			if (errno == ENOBUFS)
				w->enobufs++;	/* the kernel dropped packets: counted */
			atomic_fetch_add(&w->beats, 1);
			dns_log(w);
			retry_pending(w);
			continue;		/* EAGAIN: the 250 ms timeout, to notice stop */
		}
		hold_tables(w);
		(void)mnl_cb_run(w->rx, (size_t)n, 0, w->portid, packet_cb, w);
		flush_tx(w);
		atomic_store(&w->using, NULL);
		retry_pending(w);
		dns_log(w);
		atomic_fetch_add(&w->beats, 1);
	}
	return NULL;
}

static void worker_fini(struct queue_worker *w)
{
	if (w->nl)
		mnl_socket_close(w->nl);	/* unbinds: queued packets are dropped */
	free(w->rx);
	free(w->tx);
	eng_flows_free(w->flows);
	w->nl = NULL;
	w->rx = w->tx = NULL;
	w->flows = NULL;
}

int queue_start(struct queue_rt *rt, int base, int n, int maxlen, const struct eng_tables *t,
		struct eng_learned *learned, queue_commit_fn commit, void *arg)
{
	uint8_t key[16];
	int i, r = 0;

	memset(rt, 0, sizeof(*rt));
	/* the engine places connections by a keyed hash: a terminal cannot aim at one slot */
	if (getrandom(key, sizeof(key), 0) != (ssize_t)sizeof(key))
		return errno ? -errno : -EIO;
	rt->n = n;
	rt->learned = learned;
	rt->commit = commit;
	rt->commit_arg = arg;
	atomic_store(&rt->tables, t);
	pthread_mutex_init(&rt->learn_lock, NULL);
	rt->pending_v = calloc(QUEUE_PENDING_MAX, sizeof(*rt->pending_v));
	learn_init(&rt->pending, rt->pending_v, QUEUE_PENDING_MAX);
	if (!rt->pending_v)
		r = -ENOMEM;
	for (i = 0; i < n && r == 0; i++) {
		struct queue_worker *w = &rt->w[i];

		w->rt = rt;
		w->qnum = base + i;
		w->rx = malloc(QUEUE_RX_SIZE);
		w->tx = malloc(QUEUE_TX_SIZE);
		w->flows = eng_flows_new(QUEUE_FLOW_SLOTS, key);
		if (w->flows)	/* the DNS query table: its own key, from the same random bytes */
			eng_flows_seed(w->flows, ((uint32_t)key[0] | (uint32_t)key[5] << 8 |
						  (uint32_t)key[10] << 16 | (uint32_t)key[15] << 24) ^
						 (uint32_t)i * 0x9e3779b9U);
		r = w->rx && w->tx && w->flows ? bind_queue(w, maxlen) : -ENOMEM;
	}
	for (i = 0; i < n && r == 0; i++) {
		r = -pthread_create(&rt->w[i].th, NULL, worker, &rt->w[i]);
		rt->w[i].started = r == 0;
	}
	if (r < 0) {
		queue_stop(rt);
		return r;
	}
	return 0;
}

const struct eng_tables *queue_swap(struct queue_rt *rt, const struct eng_tables *t)
{
	const struct eng_tables *old = atomic_exchange(&rt->tables, t);
	int i;

	for (i = 0; i < rt->n; i++) {
		while (atomic_load(&rt->w[i].using) == old)
			usleep(100);
	}
	return old;
}

void queue_stop(struct queue_rt *rt)
{
	int i;

	if (!rt || !rt->n)
		return;
	atomic_store(&rt->stop, true);
	for (i = 0; i < rt->n; i++) {
		if (rt->w[i].started)
			pthread_join(rt->w[i].th, NULL);
		worker_fini(&rt->w[i]);
	}
	eng_learned_free(rt->learned);
	pthread_mutex_destroy(&rt->learn_lock);
	rt->learned = NULL;
	learn_init(&rt->pending, NULL, 0);
	free(rt->pending_v);
	rt->pending_v = NULL;
	rt->n = 0;
}

void queue_counts(const struct queue_rt *rt, uint64_t out[EC_MAX], uint64_t *enobufs)
{
	int i, c;

	memset(out, 0, EC_MAX * sizeof(*out));
	*enobufs = 0;
	for (i = 0; i < rt->n; i++) {
		for (c = 0; c < EC_MAX; c++)
			out[c] += rt->w[i].counts[c];
		*enobufs += rt->w[i].enobufs;
	}
}

int queue_learned(struct queue_rt *rt, int64_t now, struct eng_update *out, int max)
{
	int n;

	pthread_mutex_lock(&rt->learn_lock);
	n = eng_learned_list(rt->learned, now, out, max);
	pthread_mutex_unlock(&rt->learn_lock);
	return n;
}

int queue_learned_export(struct queue_rt *rt, int64_t now, int64_t since, int *cursor,
			 struct eng_learn_rec *out, int max)
{
	int n;

	if (!rt->n) {
		*cursor = -1;
		return 0;
	}
	pthread_mutex_lock(&rt->learn_lock);
	n = eng_learned_export(rt->learned, now, since, cursor, out, max);
	pthread_mutex_unlock(&rt->learn_lock);
	return n;
}

int queue_learned_import(struct queue_rt *rt, const struct eng_learn_rec *r, int n, int64_t now,
			 struct eng_update *u, int *n_u, int *refused)
{
	const struct eng_tables *t = atomic_load(&rt->tables);
	int i, k = 0, e;

	*refused = 0;
	if (!rt->n || !t)
		return -ENOENT;
	pthread_mutex_lock(&rt->learn_lock);
	for (i = 0; i < n; i++) {
		e = eng_learned_import(t, rt->learned, &r[i], now, &u[k]);
		if (e > 0)
			k++;
		else if (e < 0)
			++*refused;
	}
	pthread_mutex_unlock(&rt->learn_lock);
	*n_u = k;
	return 0;
}

int queue_pending_take(struct queue_rt *rt, struct eng_update *out, int max)
{
	return rt->n ? learn_take(&rt->pending, now_ms(), out, max) : 0;
}

int queue_pending(const struct queue_rt *rt)
{
	return rt->n ? learn_pending(&rt->pending) : 0;
}

int queue_explain_learned(struct queue_rt *rt, int family, const uint8_t *addr, int64_t now,
			  char *name, size_t len, int64_t *ret_learned_ms, int64_t *ret_expires_ms,
			  uint8_t ret_client[16])
{
	int r;

	if (!rt->n || !rt->learned)
		return -ENOENT;
	pthread_mutex_lock(&rt->learn_lock);
	r = eng_learned_explain(rt->learned, (uint8_t)family, addr, now, name, len,
				ret_learned_ms, ret_expires_ms, ret_client);
	pthread_mutex_unlock(&rt->learn_lock);
	return r;
}

int queue_workers(const struct queue_rt *rt)
{
	return rt->n;
}

int queue_qnum(const struct queue_rt *rt, int i)
{
	return i >= 0 && i < rt->n ? rt->w[i].qnum : -ENOENT;
}

uint64_t queue_beats(const struct queue_rt *rt, int i)
{
	return i >= 0 && i < rt->n ? atomic_load(&rt->w[i].beats) : 0;
}
