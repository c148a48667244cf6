/* SPDX-License-Identifier: GPL-2.0-only */
/* classify.c: the engine's per-packet decisions (eng_decide, see engine.h). The hot path:
 * no allocation, no logging, no syscalls; state lives in preallocated tables. */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "dns.h"
#include "engine_int.h"
#include "http.h"
#include "util_hash.h"

/* src is NUL-terminated; dst gets at most len - 1 bytes of it. */
static void copy_str(char *dst, size_t len, const char *src)
{
	size_t n = strlen(src);

	if (n >= len)
		n = len - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* Count an accepted decision on its record (binary search; the tables are const, the
 * counters atomic). */
static void record(const struct eng_tables *t, uint32_t id)
{
	int lo = 0, hi = t->n_records - 1;

	while (lo <= hi) {
		int mid = (lo + hi) / 2;

		if (t->records[mid].id == id) {
			atomic_fetch_add_explicit(&t->records[mid].accepted, 1,
						  memory_order_relaxed);
			return;
		}
		if (t->records[mid].id < id)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
}

/* ---- My Number flows ---- */

static bool in_range(const uint8_t *a, const uint8_t *lo, const uint8_t *hi, int alen)
{
	return memcmp(a, lo, (size_t)alen) >= 0 && memcmp(a, hi, (size_t)alen) <= 0;
}

static bool port_in(const struct port_range *p, int n, uint16_t port)
{
	int i;

	for (i = 0; i < n; i++) {
		if (port >= p[i].lo && port <= p[i].hi)
			return true;
	}
	return false;
}

static bool flow_matches(const struct eng_flow *f, const struct pkt_hdrs *h, const uint8_t *mac)
{
	int alen = eng_addr_len(h->family);

	if (f->family != h->family || f->proto != h->l4proto)
		return false;
	if (f->has_mac && (!mac || memcmp(mac, f->mac, 6)))
		return false;
	if (!in_range(h->src, f->src, f->src_end, alen) || !in_range(h->dst, f->dst, f->dst_end, alen))
		return false;
	if (f->n_ports)
		return (h->flags & PKT_F_L4) && port_in(f->ports, f->n_ports, h->dport);
	return true;
}

/* The engine's own answer: the flow whose MAC, addresses, protocol and port match. Flows are
 * sorted by (family, source start); every candidate starts at or before the source. */
static uint32_t flow_lookup(const struct eng_tables *t, const struct pkt_hdrs *h,
			    const uint8_t *mac)
{
	int lo = 0, hi = t->n_flows, i, mid;

	while (lo < hi) {		/* first flow with (family, src) > packet's */
		mid = (lo + hi) / 2;
		if (t->flows[mid].family < h->family ||
		    (t->flows[mid].family == h->family && memcmp(t->flows[mid].src, h->src, 16) <= 0))
			lo = mid + 1;
		else
			hi = mid;
	}
	for (i = lo - 1; i >= 0 && t->flows[i].family == h->family; i--) {
		if (flow_matches(&t->flows[i], h, mac))
			return t->flows[i].id;
	}
	return 0;
}

static void decide_flow(const struct eng_tables *t, const struct pkt_hdrs *h, const uint8_t *mac,
			uint32_t mark, struct eng_verdict *v, uint64_t *cnt)
{
	uint32_t want = mark & COMP_MARK_MASK, id = flow_lookup(t, h, mac);

	if (!id) {
		cnt[EC_FLOW_REFUSED]++;
		*v = (struct eng_verdict){ ENG_REPEAT, COMP_MARK_COPY | COMP_ID_REFUSED,
					   EC_FLOW_REFUSED };
		return;
	}
	if (id != want)
		cnt[EC_FLOW_DISAGREE]++;
	cnt[EC_FLOW_OK]++;
	record(t, id);
	*v = (struct eng_verdict){ ENG_REPEAT, COMP_MARK_COPY | id, 0 };
}

/* ---- learned addresses ---- */

static struct eng_learn_entry *learned_find(struct eng_learned *l, uint8_t family,
					    const uint8_t *addr, bool create, int64_t now)
{
	int alen = eng_addr_len(family), i;
	uint32_t h = eng_hash(addr, (size_t)alen, UTIL_FNV32_BASIS ^ family);
	struct eng_learn_entry *free_slot = NULL, *e;

	for (i = 0; i < l->cap; i++) {
		e = &l->v[(h + (uint32_t)i) & (uint32_t)(l->cap - 1)];
		if (!e->used)
			return create ? (free_slot ? free_slot : e) : NULL;
		if (e->family == family && !memcmp(e->addr, addr, (size_t)alen))
			return e;
		if (!free_slot && e->expires_ms <= now)
			free_slot = e;	/* reuse an expired slot, keep probing for a match */
		if (i >= l->cap / 2)
			break;
	}
	return create ? free_slot : NULL;
}

static bool learned_has(struct eng_learned *l, uint8_t family, const uint8_t *addr, uint32_t svc,
			int64_t now)
{
	struct eng_learn_entry *e = l ? learned_find(l, family, addr, false, now) : NULL;
	int i;

	if (!e || e->expires_ms <= now)
		return false;
	for (i = 0; i < ENG_SVC_PER_ADDR; i++) {
		if (e->svc[i] == svc)
			return true;
	}
	return false;
}

/* Drop expired entries: copy the live ones out to the preallocated scratch array, empty the
 * table, put them back on their probe chains (open addressing cannot just empty a slot).
 * Rare: only when every slot was taken. Returns true if anything was freed. */
static bool learned_purge(struct eng_learned *l, int64_t now)
{
	int i, n = 0, before = l->used;
	struct eng_learn_entry *d;

	for (i = 0; i < l->cap; i++) {
		if (l->v[i].used && l->v[i].expires_ms > now && n < l->max)
			l->scratch[n++] = l->v[i];
		l->v[i].used = false;
	}
	l->used = 0;
	for (i = 0; i < n; i++) {
		d = learned_find(l, l->scratch[i].family, l->scratch[i].addr, true, now);
		if (d) {
			*d = l->scratch[i];
			l->used++;
		}
	}
	return l->used < before;
}

/* Learn addr for service svc until expires; returns true when the kernel must be told (a
 * new address, or a later expiry). */
static bool learn(struct eng_learned *l, uint8_t family, const uint8_t *addr, uint32_t svc,
		  int64_t now, int64_t expires, const char *name, const uint8_t *client)
{
	struct eng_learn_entry *e = learned_find(l, family, addr, true, now);
	bool tell = false;
	int i, slot = -1;

	if (e && !e->used && l->used >= l->max && learned_purge(l, now))
		e = learned_find(l, family, addr, true, now);
	if (!e || (!e->used && l->used >= l->max))
		return false;		/* full: the address stays unknown (refused) */
	if (!e->used)
		l->used++;
	if (!e->used || e->expires_ms <= now) {
		memset(e, 0, sizeof(*e));
		e->used = true;
		e->family = family;
		memcpy(e->addr, addr, (size_t)eng_addr_len(family));
		e->learned_ms = now;
		tell = true;
	}
	for (i = 0; i < ENG_SVC_PER_ADDR; i++) {
		if (e->svc[i] == svc)
			slot = -2;
		else if (!e->svc[i] && slot == -1)
			slot = i;
	}
	if (slot >= 0)
		e->svc[slot] = svc;
	if (expires > e->expires_ms) {
		e->expires_ms = expires;
		tell = true;
	}
	if (tell || slot >= 0)
		e->touched_ms = now;
	copy_str(e->name, sizeof(e->name), name);
	memcpy(e->client, client, sizeof(e->client));
	return tell;
}

#define IMPORT_AGE_MAX_MS	(400LL * 86400 * 1000)

static bool svc_name_match(const struct eng_service *s, const char *name);

static const struct eng_service *svc_by_id(const struct eng_tables *t, uint32_t id)
{
	int i;

	for (i = 0; i < t->n_svcs; i++) {
		if (t->svcs[i].id == id)
			return &t->svcs[i];
	}
	return NULL;
}

/* The peer learned it from an answer it saw; this node checks only what it can: services it
 * has, lifetimes its own limits allow, and a name that matches every service. */
static bool import_valid(const struct eng_tables *t, const struct eng_learn_rec *r)
{
	const struct eng_service *s;
	int i, n = 0;

	if ((r->family != AF_INET && r->family != AF_INET6) || r->left_ms <= 0 ||
	    r->left_ms > ((int64_t)t->dns_ttl_max + t->dns_grace) * 1000 ||
	    !memchr(r->name, '\0', sizeof(r->name)))
		return false;
	for (i = 0; i < ENG_SVC_PER_ADDR; i++) {
		if (!r->svc[i])
			continue;
		s = svc_by_id(t, r->svc[i]);
		if (!s || s->match != MATCH_DNS_SNI || !svc_name_match(s, r->name))
			return false;
		n++;
	}
	return n > 0;
}

int eng_learned_import(const struct eng_tables *t, struct eng_learned *l,
		       const struct eng_learn_rec *r, int64_t now, struct eng_update *u)
{
	struct eng_learn_entry *e;
	bool tell = false;
	int i;

	if (!import_valid(t, r))
		return -EINVAL;
	for (i = 0; i < ENG_SVC_PER_ADDR; i++) {
		if (r->svc[i])
			tell |= learn(l, r->family, r->addr, r->svc[i], now, now + r->left_ms,
				      r->name, r->client);
	}
	e = learned_find(l, r->family, r->addr, false, now);
	if (!e || !e->used || e->expires_ms <= now)
		return -ENOSPC;
	if (r->age_ms > 0 && r->age_ms < IMPORT_AGE_MAX_MS && now - r->age_ms < e->learned_ms)
		e->learned_ms = now - r->age_ms;	/* provenance: when the peer learned it */
	if (!tell)
		return 0;
	u->family = r->family;
	memcpy(u->addr, r->addr, 16);
	u->timeout_ms = (uint64_t)(e->expires_ms - now);
	return 1;
}

/* ---- DNS answers ---- */

static bool svc_name_match(const struct eng_service *s, const char *name)
{
	int i;

	for (i = 0; i < s->n_patterns; i++) {
		if (dns_name_match(s->patterns[i], name))
			return true;
	}
	return false;
}

/* The slot window of a query's 5-tuple (resolver, upstream, ports, protocol): keyed, so a
 * remote sender cannot aim at one window. */
static struct eng_dns_query *pend_window(struct eng_dns_pend *pd, uint8_t family, uint8_t proto,
					 const uint8_t *res, uint16_t rport, const uint8_t *up,
					 uint16_t uport)
{
	uint32_t k = eng_hash(res, 16, pd->key ^ UTIL_FNV32_BASIS ^ ((uint32_t)family << 8 | proto));

	k = eng_hash(up, 16, k);
	k = eng_hash(&rport, 2, eng_hash(&uport, 2, k ^ pd->key));
	return &pd->v[k & (uint32_t)(pd->cap - ENG_PROBE)];
}

static bool pend_tuple(const struct eng_dns_query *q, uint8_t family, uint8_t proto,
		       const uint8_t *res, uint16_t rport, const uint8_t *up, uint16_t uport)
{
	return q->used && q->family == family && q->proto == proto && q->rport == rport &&
	       q->uport == uport && !memcmp(q->res, res, 16) && !memcmp(q->up, up, 16);
}

/* Record one query leaving resolver h->src for upstream h->dst (a repeat refreshes it). */
static void pend_add(struct eng_dns_pend *pd, const struct pkt_hdrs *h, uint16_t txid,
		     uint16_t qtype, const char *qname, int64_t now)
{
	struct eng_dns_query *w = pend_window(pd, h->family, h->l4proto, h->src, h->sport, h->dst,
					      h->dport), *slot = NULL;
	int i;

	for (i = 0; i < ENG_PROBE; i++) {
		struct eng_dns_query *q = &w[i];

		if (pend_tuple(q, h->family, h->l4proto, h->src, h->sport, h->dst, h->dport) &&
		    q->txid == txid && q->qtype == qtype && !strcmp(q->qname, qname)) {
			slot = q;
			break;
		}
		if (!q->used || now - q->sent_ms > ENG_DNS_PEND_MS)
			slot = slot && !slot->used ? slot : q;
		else if (!slot || (slot->used && q->sent_ms < slot->sent_ms))
			slot = q;	/* the oldest, if the window is full */
	}
	slot->used = true;
	slot->family = h->family;
	slot->proto = h->l4proto;
	memcpy(slot->res, h->src, 16);
	memcpy(slot->up, h->dst, 16);
	slot->rport = h->sport;
	slot->uport = h->dport;
	slot->txid = txid;
	slot->qtype = qtype;
	slot->sent_ms = now;
	copy_str(slot->qname, sizeof(slot->qname), qname);
}

/* The answer (from upstream h->src to resolver h->dst) against the queries in flight: 1 and
 * the query is forgotten (same 5-tuple, id, question name and type), 0 no query on this
 * 5-tuple, -1 a query on this 5-tuple but another id or question (forged-looking). */
static int pend_match(struct eng_dns_pend *pd, const struct pkt_hdrs *h,
		      const struct dns_answer *a, int64_t now)
{
	struct eng_dns_query *w = pend_window(pd, h->family, h->l4proto, h->dst, h->dport, h->src,
					      h->sport);
	int i, r = 0;

	for (i = 0; i < ENG_PROBE; i++) {
		struct eng_dns_query *q = &w[i];

		if (!pend_tuple(q, h->family, h->l4proto, h->dst, h->dport, h->src, h->sport) ||
		    now - q->sent_ms > ENG_DNS_PEND_MS)
			continue;
		if (q->txid == a->id && q->qtype == a->qtype && !strcmp(q->qname, a->names[0])) {
			q->used = false;
			return 1;
		}
		r = -1;
	}
	return r;
}

/* The DNS messages in one segment or datagram: a UDP payload, or whole 2-byte-prefixed
 * messages at the start of a TCP segment (a message cut over segments is not read: its
 * query is not recorded, or its answer teaches nothing). Returns the count, up to max. */
static int dns_msgs(const struct pkt_hdrs *h, const uint8_t *l3, const uint8_t **msg,
		    size_t *mlen, int max)
{
	const uint8_t *p = l3 + h->payload_off;
	size_t len = h->payload_len;
	int n = 0, r;

	if (!(h->flags & PKT_F_L4))
		return 0;
	if (h->l4proto == PKT_IPPROTO_UDP) {
		msg[0] = p;
		mlen[0] = len;
		return len ? 1 : 0;
	}
	while (n < max && (r = dns_tcp_frame(p, len, &msg[n], &mlen[n])) > 0) {
		p += r;
		len -= (size_t)r;
		n++;
	}
	return n;
}

static void dns_query_seen(struct eng_flows *fs, const struct pkt_hdrs *h, const uint8_t *l3,
			   int64_t now, uint64_t *cnt)
{
	const uint8_t *msg[4];
	size_t mlen[4];
	char qname[DNS_NAME_MAX + 1];
	uint16_t txid, qtype;
	int i, n = dns_msgs(h, l3, msg, mlen, 4);

	if (h->payload_len < h->payload_tot) {	/* not all of it seen */
		cnt[EC_MALFORMED]++;
		return;
	}
	for (i = 0; i < n; i++) {
		if (dns_parse_query(msg[i], mlen[i], &txid, &qtype, qname) < 0) {
			cnt[EC_MALFORMED]++;
			continue;
		}
		pend_add(&fs->dns, h, txid, qtype, qname, now);
		cnt[EC_DNS_QUERIES]++;
	}
}

/* Lifetime of a learned address: the TTL cut to dns_ttl_max, then at least dns_floor, plus
 * dns_grace (seconds). */
static int64_t dns_life(const struct eng_tables *t, uint32_t ttl, uint64_t *cnt)
{
	if (ttl > t->dns_ttl_max) {
		ttl = t->dns_ttl_max;
		cnt[EC_DNS_CAPPED]++;
	}
	if (ttl < (uint32_t)t->dns_floor)
		ttl = (uint32_t)t->dns_floor;
	return (int64_t)ttl + t->dns_grace;
}

/* Learn the addresses of one matched answer for every dns+sni service of its name. An
 * address the kernel must be told of (see learn()) is appended to upd while upd has room
 * (ENG_UPDATES_MAX); the engine's own table has it either way. Returns the updates now in
 * upd (n before the call). */
static int dns_learn(const struct eng_tables *t, struct eng_learned *l, const struct pkt_hdrs *h,
		     const struct dns_answer *a, int64_t now, struct eng_update *upd, int n,
		     uint64_t *cnt)
{
	uint32_t ttl;
	int64_t life;
	int i, j;
	bool tell;

	if (!l)
		return n;		/* no learned table: nothing to learn into */
	for (i = 0; i < a->n_addrs; i++) {
		if (dns_answer_trace(a, (unsigned int)i, &ttl) < 0)
			continue;
		life = dns_life(t, ttl, cnt);
		for (j = 0; j < t->n_svcs; j++) {
			const struct eng_service *s = &t->svcs[j];

			if (s->match != MATCH_DNS_SNI || !svc_name_match(s, a->names[0]))
				continue;
			tell = learn(l, a->addrs[i].family, a->addrs[i].addr, s->id, now,
				     now + life * 1000, a->names[0], h->dst);
			if (!tell || n >= ENG_UPDATES_MAX)
				continue;
			upd[n].family = a->addrs[i].family;
			memcpy(upd[n].addr, a->addrs[i].addr, 16);
			upd[n].timeout_ms = (uint64_t)life * 1000;
			n++;
			cnt[EC_DNS_LEARNED]++;
		}
	}
	return n;
}

/* One answer message: learned only if it answers a query recorded on this worker, with
 * RCODE 0 and not truncated. Returns the updates now in upd. */
static int dns_answer_msg(const struct eng_tables *t, struct eng_flows *fs, struct eng_learned *l,
			  const struct pkt_hdrs *h, const uint8_t *msg, size_t len, int64_t now,
			  struct eng_update *upd, int n, uint64_t *cnt)
{
	struct dns_answer a;
	int m;

	if (dns_parse_answer(msg, len, &a) < 0) {
		cnt[EC_MALFORMED]++;
		return n;
	}
	cnt[EC_DNS_ANSWERS]++;
	m = pend_match(&fs->dns, h, &a, now);
	if (m <= 0) {
		cnt[m < 0 ? EC_DNS_FORGED : EC_DNS_UNMATCHED]++;
		return n;
	}
	if (a.rcode || (a.flags & DNS_ANS_TC)) {
		cnt[EC_DNS_ERROR]++;
		return n;
	}
	return dns_learn(t, l, h, &a, now, upd, n, cnt);
}

/* The stream of this answer segment (upstream h->src to resolver h->dst), NULL if none. A
 * SYN-ACK (re)starts one: in its own slot if it has one, else in the first free slot, else in
 * the least recently used one. */
static struct eng_dns_tcp *dns_tcp_stream(struct eng_dns_pend *pd, const struct pkt_hdrs *h,
					  int64_t now)
{
	bool synack = (h->tcp_flags & PKT_TCP_SYN) != 0;
	struct eng_dns_tcp *s, *victim = NULL;
	int i;

	for (i = 0; i < ENG_DNS_TCP_SLOTS; i++) {
		s = &pd->tcp[i];
		if (s->used && s->family == h->family && s->rport == h->dport &&
		    s->uport == h->sport && !memcmp(s->res, h->dst, 16) &&
		    !memcmp(s->up, h->src, 16))
			break;
		if (victim && !victim->used)
			continue;	/* a free slot is taken first */
		if (!victim || !s->used || s->last_ms < victim->last_ms)
			victim = s;
	}
	if (i == ENG_DNS_TCP_SLOTS) {
		if (!synack)
			return NULL;
		s = victim;
	}
	if (synack) {
		memset(s, 0, offsetof(struct eng_dns_tcp, buf));
		s->used = true;
		s->family = h->family;
		s->rport = h->dport;
		s->uport = h->sport;
		memcpy(s->res, h->dst, 16);
		memcpy(s->up, h->src, 16);
		s->next = h->seq + 1;
	}
	s->last_ms = now;
	return s;
}

/* Append the new bytes of an answer segment to its stream and read every whole message. */
static int dns_tcp_answer(const struct eng_tables *t, struct eng_flows *fs,
			  struct eng_learned *l, const struct pkt_hdrs *h, const uint8_t *l3,
			  struct eng_dns_tcp *s, int64_t now, struct eng_update *upd,
			  uint64_t *cnt)
{
	const uint8_t *p = l3 + h->payload_off, *msg;
	uint32_t len = h->payload_len, skip = s->next - h->seq, off = 0;
	size_t mlen;
	int n = 0, r = 0;

	if (len && ((int32_t)(h->seq - s->next) > 0 ||
		    (skip < len && s->len + (len - skip) > ENG_DNS_TCP_BUF))) {
		cnt[EC_MALFORMED]++;	/* a gap, or too long: give up on this stream */
		s->used = false;
		return 0;
	}
	if (!len || skip >= len) {	/* no data, or all of it seen before */
		if (h->tcp_flags & (PKT_TCP_FIN | PKT_TCP_RST))
			s->used = false;
		return 0;
	}
	memcpy(s->buf + s->len, p + skip, len - skip);
	s->len += len - skip;
	s->next += len - skip;
	while ((r = dns_tcp_frame(s->buf + off, s->len - off, &msg, &mlen)) > 0) {
		n = dns_answer_msg(t, fs, l, h, msg, mlen, now, upd, n, cnt);
		off += (uint32_t)r;
	}
	memmove(s->buf, s->buf + off, s->len - off);
	s->len -= off;
	if (r == -EPROTO || (h->tcp_flags & (PKT_TCP_FIN | PKT_TCP_RST)))
		s->used = false;
	return n;
}

/* An established reply from an upstream to a resolver: a UDP answer, or a segment of a TCP
 * stream (reassembled from its SYN-ACK on; without one, whole messages in one segment). */
static void decide_dns(const struct eng_tables *t, struct eng_flows *fs, struct eng_learned *l,
		       const struct pkt_hdrs *h, const uint8_t *l3, int64_t now,
		       struct eng_update *upd, int *n_upd, uint64_t *cnt)
{
	struct eng_dns_tcp *s = NULL;
	const uint8_t *msg[2];
	size_t mlen[2];
	int i, n = 0, k;

	*n_upd = 0;
	if (h->payload_len < h->payload_tot) {	/* not all of it seen */
		cnt[EC_MALFORMED]++;
		return;
	}
	if (h->l4proto == PKT_IPPROTO_TCP && (h->flags & PKT_F_L4))
		s = dns_tcp_stream(&fs->dns, h, now);
	if (s) {
		*n_upd = dns_tcp_answer(t, fs, l, h, l3, s, now, upd, cnt);
		return;
	}
	k = dns_msgs(h, l3, msg, mlen, 2);
	for (i = 0; i < k; i++)
		n = dns_answer_msg(t, fs, l, h, msg[i], mlen[i], now, upd, n, cnt);
	*n_upd = n;
}

/* ---- breakout: the name in the first data ---- */

static bool listed(const struct eng_service *s, uint8_t family, const uint8_t *addr)
{
	int i, alen = eng_addr_len(family);

	for (i = 0; i < s->n_ranges; i++) {
		if (s->ranges[i].family == family &&
		    in_range(addr, s->ranges[i].lo, s->ranges[i].hi, alen))
			return true;
	}
	return false;
}

/* The service that allows this name to this address and port, 0 if none; *why says which
 * check failed. */
static uint32_t service_for(const struct eng_tables *t, struct eng_learned *l,
			    const struct pkt_hdrs *h, const char *name, bool http, int64_t now,
			    enum eng_count *why)
{
	int i;

	*why = EC_BO_REFUSED_NAME;
	for (i = 0; i < t->n_svcs; i++) {
		const struct eng_service *s = &t->svcs[i];

		if (!port_in(s->ports, s->n_ports, h->dport) || !svc_name_match(s, name))
			continue;
		if (http && s->tls_only) {	/* R26: TLS ClientHello only */
			*why = EC_BO_REFUSED_PROTO;
			continue;
		}
		if (s->match == MATCH_SNI || listed(s, h->family, h->dst) ||
		    learned_has(l, h->family, h->dst, s->id, now))
			return s->id;
		*why = EC_BO_REFUSED_ADDR;
	}
	return 0;
}

/* ---- breakout: handshake records, sources, reassembly slots ---- */

/* Who holds a handshake or slot, placed by the keyed hash. */
static uint32_t src_slot(const struct eng_flows *fs, uint8_t family, const uint8_t *addr)
{
	uint8_t k[17];

	k[0] = family;
	memcpy(k + 1, addr, 16);
	return (uint32_t)eng_khash(fs->key, k, sizeof(k));
}

static struct eng_src *src_get(struct eng_flows *fs, uint8_t family, const uint8_t *addr,
			       bool create)
{
	uint32_t k = src_slot(fs, family, addr);
	struct eng_src *e, *free_e = NULL;
	int i;

	for (i = 0; i < ENG_PROBE; i++) {
		e = &fs->src[(k + (uint32_t)i) & (uint32_t)(fs->src_cap - 1)];
		if (!e->n_hs && !e->n_slots) {
			free_e = free_e ? free_e : e;
			continue;
		}
		if (e->family == family && !memcmp(e->addr, addr, 16))
			return e;
	}
	if (!create || !free_e)
		return NULL;
	free_e->family = family;
	memcpy(free_e->addr, addr, 16);
	free_e->scan_ms = 0;
	return free_e;
}

static bool hs_counts(const struct eng_hs *e)
{
	return e->state != HS_FREE && e->state != HS_DONE;
}

static void slot_free(struct eng_flows *fs, struct eng_hs *e)
{
	struct eng_src *s = src_get(fs, e->family, e->cli, false);

	if (e->slot < 0)
		return;
	fs->v[e->slot].used = false;
	e->slot = -1;
	if (s && s->n_slots)
		s->n_slots--;
}

/* Forget a handshake's claims: its slot, its share of its source's quota. */
static void hs_release(struct eng_flows *fs, struct eng_hs *e)
{
	struct eng_src *s;

	slot_free(fs, e);
	s = hs_counts(e) ? src_get(fs, e->family, e->cli, false) : NULL;
	if (s && s->n_hs)
		s->n_hs--;
}

/* Move a record to state st: its slot and quota share follow (an undecided or HTTP record
 * counts against its source, a decided or free one does not). */
static void hs_set(struct eng_flows *fs, struct eng_hs *e, enum eng_hs_state st, uint32_t mark,
		   int64_t expires)
{
	struct eng_src *s;

	if (hs_counts(e))
		hs_release(fs, e);
	e->state = (uint8_t)st;
	e->mark = mark;
	e->expires_ms = expires;
	s = hs_counts(e) ? src_get(fs, e->family, e->cli, true) : NULL;
	if (s)
		s->n_hs++;
}

static uint32_t hs_slot(const struct eng_flows *fs, const struct pkt_hdrs *h, bool client)
{
	uint8_t k[37];

	k[0] = h->family;
	memcpy(k + 1, client ? h->src : h->dst, 16);
	memcpy(k + 17, client ? h->dst : h->src, 16);
	memcpy(k + 33, client ? &h->sport : &h->dport, 2);
	memcpy(k + 35, client ? &h->dport : &h->sport, 2);
	return (uint32_t)eng_khash(fs->key, k, sizeof(k));
}

static bool hs_is(const struct eng_hs *e, const struct pkt_hdrs *h, bool client)
{
	return e->state != HS_FREE && e->family == h->family &&
	       e->cport == (client ? h->sport : h->dport) &&
	       e->sport == (client ? h->dport : h->sport) &&
	       !memcmp(e->cli, client ? h->src : h->dst, 16) &&
	       !memcmp(e->srv, client ? h->dst : h->src, 16);
}

/* The connection's record, or NULL; *victim: where a new one would go (a free or expired
 * record first, else a decided one), NULL if none. */
static struct eng_hs *hs_find(struct eng_flows *fs, const struct pkt_hdrs *h, bool client,
			      int64_t now, struct eng_hs **victim)
{
	uint32_t k = hs_slot(fs, h, client);
	struct eng_hs *e, *done = NULL, *found = NULL;
	int i;

	*victim = NULL;
	for (i = 0; i < ENG_PROBE; i++) {
		e = &fs->hs[(k + (uint32_t)i) & (uint32_t)(fs->hs_cap - 1)];
		if (!found && hs_is(e, h, client))
			found = e;
		else if (!*victim && (e->state == HS_FREE || e->expires_ms <= now))
			*victim = e;
		else if (!done && e->state == HS_DONE)
			done = e;
	}
	if (!*victim)
		*victim = done;
	return found;
}

/* Free every expired handshake of source s (rare: when it reaches its quota; at most once
 * a second per source). */
static void src_reclaim(struct eng_flows *fs, struct eng_src *s, int64_t now)
{
	int i;

	if (now - s->scan_ms < 1000)
		return;
	s->scan_ms = now;
	for (i = 0; i < fs->hs_cap; i++) {
		struct eng_hs *e = &fs->hs[i];

		if (hs_counts(e) && e->expires_ms <= now && e->family == s->family &&
		    !memcmp(e->cli, s->addr, 16))
			hs_set(fs, e, HS_FREE, 0, 0);
	}
}

/* A record for a clean SYN at victim v; NULL (counted) when the source is at its quota or
 * the table has no room here. */
static struct eng_hs *hs_new(const struct eng_tables *t, struct eng_flows *fs,
			     struct eng_hs *v, const struct pkt_hdrs *h, int64_t now, uint64_t *cnt)
{
	struct eng_src *s = src_get(fs, h->family, h->src, true);

	if (s && s->n_hs >= t->source_quota * ENG_HS_PER_SLOT)
		src_reclaim(fs, s, now);
	if (!s || s->n_hs >= t->source_quota * ENG_HS_PER_SLOT) {
		cnt[s ? EC_BO_SOURCE_QUOTA : EC_BO_STATE_FULL]++;
		return NULL;
	}
	if (!v) {
		cnt[EC_BO_STATE_FULL]++;
		return NULL;
	}
	hs_set(fs, v, HS_FREE, 0, 0);
	s = src_get(fs, h->family, h->src, true);	/* v's release may have freed it */
	memset(v, 0, sizeof(*v));
	v->state = HS_SYN;
	v->family = h->family;
	memcpy(v->cli, h->src, 16);
	memcpy(v->srv, h->dst, 16);
	v->cport = h->sport;
	v->sport = h->dport;
	v->anchor = h->seq + 1;
	v->slot = -1;
	v->expires_ms = now + ENG_FLOW_IDLE_MS;
	if (s)
		s->n_hs++;
	return v;
}

/* The reassembly slot for a record's first data (its source within quota). */
static int slot_take(const struct eng_tables *t, struct eng_flows *fs, struct eng_hs *e,
		     const struct pkt_hdrs *h, int64_t now, uint64_t *cnt)
{
	struct eng_src *s = src_get(fs, e->family, e->cli, false);
	uint32_t k = hs_slot(fs, h, true);
	struct eng_flow_state *st;
	int i, idx;

	if (!s || s->n_slots >= t->source_quota) {
		cnt[EC_BO_SOURCE_QUOTA]++;
		return -EBUSY;
	}
	for (i = 0; i < ENG_PROBE; i++) {
		idx = (int)((k + (uint32_t)i) & (uint32_t)(fs->cap - 1));
		st = &fs->v[idx];
		if (st->used && now - st->last_ms <= ENG_FLOW_IDLE_MS)
			continue;
		if (st->used)			/* expired: its record goes with it */
			hs_set(fs, &fs->hs[st->hs], HS_FREE, 0, 0);
		memset(st, 0, offsetof(struct eng_flow_state, acc));
		st->used = true;
		st->hs = (int32_t)(e - fs->hs);
		tls_acc_init_seq(&st->acc, e->anchor);
		e->state = HS_READ;
		e->slot = idx;
		s->n_slots++;
		return idx;
	}
	cnt[EC_BO_STATE_FULL]++;
	return -ENOSPC;
}

static void refuse(struct eng_verdict *v, uint64_t *cnt, enum eng_count why)
{
	cnt[why]++;
	*v = (struct eng_verdict){ ENG_REPEAT, COMP_MARK_COPY | COMP_ID_REFUSED, (uint8_t)why };
}

static void drop(struct eng_verdict *v, uint64_t *cnt, enum eng_count why)
{
	cnt[why]++;
	*v = (struct eng_verdict){ ENG_DROP, 0, 0 };
}

/* Decided: late queued packets of the connection get the same verdict. */
static void hs_decide(struct eng_flows *fs, struct eng_hs *e, const struct eng_verdict *v,
		      int64_t now)
{
	hs_set(fs, e, HS_DONE, v->mark, now + ENG_DONE_MS);
}

/* Feed one client segment; the name once known. Returns 0, -EAGAIN, -ERANGE (gap: drop the
 * segment) or another error (refuse). */
static int read_name(const struct eng_tables *t, struct eng_flow_state *st,
		     const struct pkt_hdrs *h, const uint8_t *data, char *name, size_t len,
		     enum eng_count *why)
{
	struct tls_hello hello;
	int r;

	/* sniff TLS or HTTP on the bytes at the anchor only (a later segment may come first:
	 * it is then a gap for tls_acc, dropped and retransmitted) */
	if (st->acc.len == 0 && !st->http && h->seq == st->acc.seq0 &&
	    tls_is_client_hello(data, h->payload_len) == 0)
		st->http = true;
	if (st->http) {
		r = tls_acc_append(&st->acc, h->seq, data, h->payload_len);
		if (r < 0 && r != -EAGAIN)
			return r;
		r = http_host_parse(st->acc.buf, st->acc.len, name, len);
		return r < 0 ? r : 0;
	}
	r = tls_acc_feed(&st->acc, h->seq, data, h->payload_len);
	if (r <= 0)
		return r == 0 ? -EAGAIN : r;
	if (tls_sni_parse(st->acc.buf, (size_t)r, &hello) < 0 || !(hello.flags & TLS_HELLO_SNI))
		return -EPROTO;
	if ((hello.flags & TLS_HELLO_ECH) && t->ech == ECH_REFUSE) {
		*why = EC_BO_REFUSED_ECH;
		return -EPROTO;
	}
	copy_str(name, len, hello.sni);
	return 0;
}

/* Accepted: ENG_ACCEPT keeps ct mark ENGINE, so the connection stays here while the record
 * keeps its slot (until the server acks every judged byte) and, for HTTP, for its life. */
static void hs_accepted(struct eng_hs *e, const struct eng_flow_state *st,
			enum eng_hs_state state, uint32_t id, int64_t expires)
{
	e->state = (uint8_t)state;
	e->mark = id;
	e->judged = st->acc.seq0 + st->acc.len;
	e->expires_ms = expires;
}

/* HTTP accepted: the bytes of the first request may pass, a byte past them cuts it. */
static bool http_accept(struct eng_hs *e, struct eng_flow_state *st, const struct pkt_hdrs *h,
			uint32_t id, int64_t now)
{
	size_t n;

	if (http_request_len(st->acc.buf, st->acc.len, &n) < 0 || n < st->acc.len ||
	    (int32_t)(h->seq + h->payload_len - (e->anchor + (uint32_t)n)) > 0)
		return false;			/* pipelined, or body length unknown */
	hs_accepted(e, st, HS_HTTP, id, now + ENG_HTTP_IDLE_MS);
	e->end = e->anchor + (uint32_t)n;
	e->fin = false;
	return true;
}

/* After the decision: a client segment over the judged bytes must repeat them (the server
 * gets the held ones only now, from retransmissions). */
static bool judged_same(const struct eng_flows *fs, const struct eng_hs *e,
			const struct pkt_hdrs *h, const uint8_t *data)
{
	const struct tls_acc *a;
	size_t len = h->payload_len, skip, n;
	int32_t d;

	if (e->slot < 0 || !len)
		return true;
	a = &fs->v[e->slot].acc;
	d = (int32_t)(h->seq - a->seq0);
	if (d < 0) {
		skip = (size_t)-(int64_t)d;
		if (skip >= len)
			return true;
		data += skip;
		len -= skip;
		d = 0;
	}
	if ((uint32_t)d >= a->len)
		return true;
	n = a->len - (uint32_t)d < len ? a->len - (uint32_t)d : len;
	return !memcmp(a->buf + d, data, n);
}

/* The client's data on an open handshake: hold it (drop) until the name is complete. */
static void bo_data(const struct eng_tables *t, struct eng_flows *fs, struct eng_learned *l,
		    struct eng_hs *e, const struct pkt_hdrs *h, const uint8_t *l3, int64_t now,
		    struct eng_verdict *v, uint64_t *cnt)
{
	enum eng_count why = EC_BO_REFUSED_PROTO;
	struct eng_flow_state *st;
	char name[256];
	uint32_t id;
	int r;

	if (e->state == HS_OPEN && slot_take(t, fs, e, h, now, cnt) < 0) {
		*v = (struct eng_verdict){ ENG_DROP, 0, 0 };	/* retransmitted later */
		return;
	}
	st = &fs->v[e->slot];
	st->last_ms = now;
	e->expires_ms = now + ENG_FLOW_IDLE_MS;
	r = ++st->pkts > ENG_PENDING_MAX ? -EPROTO :
	    read_name(t, st, h, l3 + h->payload_off, name, sizeof(name), &why);
	if (r == -EAGAIN || r == -ERANGE) {
		drop(v, cnt, r == -EAGAIN ? EC_BO_PENDING : EC_BO_GAP);
		return;
	}
	id = r < 0 ? 0 : service_for(t, l, h, name, st->http, now, &why);
	if (!id) {
		refuse(v, cnt, why);
		hs_decide(fs, e, v, now);
		return;
	}
	if (st->http && !http_accept(e, st, h, id, now)) {
		refuse(v, cnt, EC_BO_REFUSED_PROTO);
		hs_decide(fs, e, v, now);
		return;
	}
	if (!st->http)
		hs_accepted(e, st, HS_VERIFY, id, now + ENG_FLOW_IDLE_MS);
	cnt[EC_BO_OK]++;
	record(t, id);			/* ENG_ACCEPT: the verdict in ct mark comes with the
					 * server's ack of the judged bytes */
}

static bool has_record(const struct eng_tables *t, uint32_t id)
{
	int lo = 0, hi = t->n_records - 1;

	while (lo <= hi) {
		int mid = (lo + hi) / 2;

		if (t->records[mid].id == id)
			return true;
		if (t->records[mid].id < id)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return false;
}

/* An accepted HTTP connection: any packet refreshes it; the client's bytes past the first
 * request, or a service gone with a reload, cut it. */
static void bo_http(const struct eng_tables *t, struct eng_flows *fs, struct eng_hs *e,
		    const struct pkt_hdrs *h, const uint8_t *l3, bool client, int64_t now,
		    struct eng_verdict *v, uint64_t *cnt)
{
	if (!has_record(t, e->mark)) {
		refuse(v, cnt, EC_BO_REFUSED_NAME);
		hs_decide(fs, e, v, now);
		return;
	}
	e->expires_ms = now + ENG_HTTP_IDLE_MS;
	if (e->slot >= 0)
		fs->v[e->slot].last_ms = now;
	if (!client) {
		if ((h->tcp_flags & PKT_TCP_ACK) && (int32_t)(h->ack - e->judged) >= 0)
			slot_free(fs, e);	/* the server has the judged bytes */
		return;
	}
	if (h->tcp_flags & PKT_TCP_SYN)
		return;
	if (!judged_same(fs, e, h, l3 + h->payload_off)) {
		refuse(v, cnt, EC_BO_REFUSED_PROTO);
		hs_decide(fs, e, v, now);
		return;
	}
	if (h->payload_len && (int32_t)(h->seq + h->payload_len - e->end) > 0) {
		refuse(v, cnt, EC_BO_HTTP_CUT);
		hs_decide(fs, e, v, now);
		return;
	}
	if (h->tcp_flags & (PKT_TCP_FIN | PKT_TCP_RST))
		e->fin = true;
}

/* A client SYN: only a clean one (no data, no other flag but ECN) anchors a connection,
 * once; its retransmission passes, another ISN on a live record is dropped. */
static void bo_syn(const struct eng_tables *t, struct eng_flows *fs, struct eng_hs *e,
		   struct eng_hs *victim, const struct pkt_hdrs *h, int64_t now,
		   struct eng_verdict *v, uint64_t *cnt)
{
	if ((h->tcp_flags & (PKT_TCP_ACK | PKT_TCP_FIN | PKT_TCP_RST)) || h->payload_len) {
		drop(v, cnt, EC_BO_NO_HANDSHAKE);
		return;
	}
	if (e && e->expires_ms > now && e->state != HS_DONE &&
	    !(e->state == HS_HTTP && e->fin)) {
		if (e->anchor != h->seq + 1)
			drop(v, cnt, EC_BO_ANCHOR);
		return;
	}
	if (e) {			/* a closed connection's tuple used again */
		hs_set(fs, e, HS_FREE, 0, 0);
		victim = e;
	}
	if (!hs_new(t, fs, victim, h, now, cnt))
		*v = (struct eng_verdict){ ENG_DROP, 0, 0 };
}

static void bo_client(const struct eng_tables *t, struct eng_flows *fs, struct eng_learned *l,
		      struct eng_hs *e, const struct pkt_hdrs *h, const uint8_t *l3, int64_t now,
		      struct eng_verdict *v, uint64_t *cnt)
{
	if (!e) {
		drop(v, cnt, EC_BO_NO_HANDSHAKE);
		return;
	}
	if (e->expires_ms <= now && e->state != HS_DONE) {
		refuse(v, cnt, EC_BO_REFUSED_PROTO);	/* a real handshake gone idle: end it */
		hs_decide(fs, e, v, now);
		return;
	}
	switch (e->state) {
	case HS_DONE:
		*v = (struct eng_verdict){ e->mark ? ENG_REPEAT : ENG_ACCEPT, e->mark, 0 };
		return;
	case HS_HTTP:
		bo_http(t, fs, e, h, l3, true, now, v, cnt);
		return;
	case HS_VERIFY:			/* accepted: any packet keeps it */
		fs->v[e->slot].last_ms = now;
		e->expires_ms = now + ENG_FLOW_IDLE_MS;
		if (!judged_same(fs, e, h, l3 + h->payload_off)) {
			refuse(v, cnt, EC_BO_REFUSED_PROTO);
			hs_decide(fs, e, v, now);
		}
		return;
	case HS_SYN:			/* no SYN-ACK yet: the server took no data */
		if (h->payload_len)
			drop(v, cnt, EC_BO_NO_HANDSHAKE);
		return;
	default:
		if (h->payload_len)
			bo_data(t, fs, l, e, h, l3, now, v, cnt);
		else if (h->tcp_flags & PKT_TCP_RST)	/* passes; the connection is over */
			hs_set(fs, e, HS_DONE, COMP_MARK_COPY | COMP_ID_REFUSED,
			       now + ENG_DONE_MS);
		return;
	}
}

/* The server: its SYN-ACK must ack the anchor; it may not speak first. */
static void bo_server(const struct eng_tables *t, struct eng_flows *fs, struct eng_hs *e,
		      const struct pkt_hdrs *h, int64_t now, struct eng_verdict *v, uint64_t *cnt)
{
	bool synack = (h->tcp_flags & PKT_TCP_SYN) && (h->tcp_flags & PKT_TCP_ACK);

	if (!e || (e->expires_ms <= now && e->state != HS_DONE)) {
		drop(v, cnt, EC_BO_NO_HANDSHAKE);
		return;
	}
	if (e->state == HS_DONE) {
		*v = (struct eng_verdict){ e->mark ? ENG_REPEAT : ENG_ACCEPT, e->mark, 0 };
		return;
	}
	if (e->state == HS_HTTP) {
		bo_http(t, fs, e, h, NULL, false, now, v, cnt);
		return;
	}
	if (e->state == HS_VERIFY) {	/* the server has every judged byte: to the kernel */
		fs->v[e->slot].last_ms = now;
		e->expires_ms = now + ENG_FLOW_IDLE_MS;
		if ((h->tcp_flags & PKT_TCP_ACK) && (int32_t)(h->ack - e->judged) >= 0) {
			*v = (struct eng_verdict){ ENG_REPEAT, COMP_MARK_COPY | e->mark, 0 };
			hs_decide(fs, e, v, now);
		}
		return;
	}
	if ((h->tcp_flags & PKT_TCP_SYN) && (!synack || h->ack != e->anchor || h->payload_len)) {
		drop(v, cnt, EC_BO_ANCHOR);
		return;
	}
	if (synack && e->state == HS_SYN)
		e->state = HS_OPEN;
	if (h->payload_len) {		/* the server speaks first: not TLS or HTTP */
		refuse(v, cnt, EC_BO_REFUSED_PROTO);
		hs_decide(fs, e, v, now);
	}
}

/* An ICMP or ICMPv6 error (the kernel queues it as related to a candidate connection). */
static bool icmp_error(const struct pkt_hdrs *h)
{
	if (!(h->flags & PKT_F_L4))
		return false;
	if (h->l4proto == PKT_IPPROTO_ICMP)
		return h->icmp_type == 3 || h->icmp_type == 11 || h->icmp_type == 12;
	return h->l4proto == PKT_IPPROTO_ICMPV6 && h->icmp_type < 128;
}

static void decide_breakout(const struct eng_tables *t, struct eng_flows *fs,
			    struct eng_learned *l, const struct pkt_hdrs *h, const uint8_t *l3,
			    int64_t now, struct eng_verdict *v, uint64_t *cnt)
{
	bool client = (t->ports[h->dport / 8] >> (h->dport % 8)) & 1;
	struct eng_hs *e, *victim;

	*v = (struct eng_verdict){ ENG_ACCEPT, 0, 0 };
	if (icmp_error(h))
		return;			/* related to the connection (PMTU): no stream bytes */
	if (h->l4proto != PKT_IPPROTO_TCP || !(h->flags & PKT_F_L4) ||
	    h->payload_len < h->payload_tot) {	/* not all of it seen: cannot judge it */
		refuse(v, cnt, EC_BO_REFUSED_PROTO);
		return;
	}
	e = hs_find(fs, h, client, now, &victim);
	if (client && (h->tcp_flags & PKT_TCP_SYN))
		bo_syn(t, fs, e, victim, h, now, v, cnt);
	else if (client)
		bo_client(t, fs, l, e, h, l3, now, v, cnt);
	else
		bo_server(t, fs, e, h, now, v, cnt);
}

bool eng_needs_learned(uint32_t mark)
{
	return mark == COMP_ID_DNS || mark == COMP_MARK_ENGINE;
}

void eng_decide(const struct eng_tables *t, struct eng_flows *fs, struct eng_learned *learned,
		const uint8_t *l3, size_t len, const uint8_t *mac, uint32_t mark, int64_t now_ms,
		struct eng_verdict *ret, struct eng_update *upd, int *n_upd, uint64_t *counts)
{
	struct pkt_hdrs h;

	*n_upd = 0;
	counts[EC_PACKETS]++;
	*ret = (struct eng_verdict){ ENG_REPEAT, COMP_MARK_COPY | COMP_ID_REFUSED, 0 };
	if (mark == COMP_ID_DNS || mark == COMP_ID_DNS_QUERY)	/* the policy decides */
		*ret = (struct eng_verdict){ ENG_REPEAT, COMP_ID_DNS_SEEN, 0 };
	if (pkt_parse(l3, len, &h) < 0 || (h.flags & PKT_F_FRAG_LATER)) {
		counts[EC_MALFORMED]++;
		ret->why = EC_MALFORMED;
		return;
	}
	if (mark == COMP_ID_DNS) {
		decide_dns(t, fs, learned, &h, l3, now_ms, upd, n_upd, counts);
	} else if (mark == COMP_ID_DNS_QUERY) {
		dns_query_seen(fs, &h, l3, now_ms, counts);
	} else if (mark == COMP_MARK_ENGINE) {
		decide_breakout(t, fs, learned, &h, l3, now_ms, ret, counts);
	} else if ((mark & COMP_MARK_ENGINE) && (mark & COMP_MARK_MASK)) {
		decide_flow(t, &h, mac, mark, ret, counts);
	} else {
		counts[EC_UNKNOWN_MARK]++;
		ret->why = EC_UNKNOWN_MARK;
	}
}
