// SPDX-License-Identifier: GPL-2.0-only
/* prove_json.c: nftables' own JSON (`nft -j list table inet sanso`) into the prove model.
 * Reads what the kernel holds as nft prints it; knows nothing of how sanso compiles. What it
 * does not understand becomes "may match or not" (a match) or "may accept" (xt), never a
 * narrowing. Pure: parses a string. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "prove.h"
#include "prove_jtree.h"

enum vk { VK_UNKNOWN = 0, VK_IF, VK_MAC, VK_IP4, VK_IP6, VK_PROTO, VK_PORT, VK_INT, VK_CTSTATE,
	  VK_NFPROTO };

static enum vk dim_kind(enum pv_dim d, int fam)
{
	switch (d) {
	case PV_IIF: case PV_OIF: return VK_IF;
	case PV_ETHSRC: return VK_MAC;
	case PV_SADDR: case PV_DADDR: return fam == AF_INET6 ? VK_IP6 : VK_IP4;
	case PV_L4PROTO: return VK_PROTO;
	case PV_DPORT: return VK_PORT;
	case PV_CTSTATE: return VK_CTSTATE;
	case PV_NFPROTO: return VK_NFPROTO;
	default: return VK_INT;
	}
}

static enum vk type_kind(const char *t)
{
	static const struct { const char *n; enum vk k; } tab[] = {
		{ "ifname", VK_IF }, { "ether_addr", VK_MAC }, { "ipv4_addr", VK_IP4 },
		{ "ipv6_addr", VK_IP6 }, { "inet_proto", VK_PROTO }, { "inet_service", VK_PORT },
		{ "mark", VK_INT }, { "ct_state", VK_CTSTATE }, { "nf_proto", VK_NFPROTO },
	};
	size_t i;

	for (i = 0; t && i < sizeof(tab) / sizeof(tab[0]); i++)
		if (!strcmp(tab[i].n, t))
			return tab[i].k;
	return VK_UNKNOWN;
}

static int name_val(const char *s, enum vk k, pv_u128 *v)
{
	static const struct { const char *n; enum vk k; unsigned v; } tab[] = {
		{ "tcp", VK_PROTO, 6 }, { "udp", VK_PROTO, 17 }, { "icmp", VK_PROTO, 1 },
		{ "ipv6-icmp", VK_PROTO, 58 }, { "icmpv6", VK_PROTO, 58 }, { "sctp", VK_PROTO, 132 },
		{ "vrrp", VK_PROTO, 112 }, { "gre", VK_PROTO, 47 }, { "esp", VK_PROTO, 50 },
		{ "ah", VK_PROTO, 51 }, { "igmp", VK_PROTO, 2 }, { "udplite", VK_PROTO, 136 },
		{ "invalid", VK_CTSTATE, 1 }, { "established", VK_CTSTATE, 2 },
		{ "related", VK_CTSTATE, 4 }, { "new", VK_CTSTATE, 8 },
		{ "untracked", VK_CTSTATE, 64 }, { "ipv4", VK_NFPROTO, 2 }, { "ipv6", VK_NFPROTO, 10 },
	};
	size_t i;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (tab[i].k == k && !strcmp(tab[i].n, s))
			return *v = tab[i].v, 0;
	return -EINVAL;
}

static int addr_val(const char *s, enum vk k, pv_u128 *v)
{
	unsigned char b[16];
	int i, n = k == VK_IP4 ? 4 : 16;

	if (inet_pton(k == VK_IP4 ? AF_INET : AF_INET6, s, b) != 1)
		return -EINVAL;
	for (*v = 0, i = 0; i < n; i++)
		*v = (*v << 8) | b[i];
	return 0;
}

static int scalar(struct pv_model *m, const struct pj *j, enum vk k, pv_u128 *v)
{
	const char *s = pj_str(j);
	unsigned a[6];
	int i;

	if (pj_is(j, PJ_INT))
		return *v = (pv_u128)(uint64_t)pj_int(j), 0;
	if (!s)
		return -EINVAL;
	switch (k) {
	case VK_IF:
		i = pv_model_ifindex(m, s);
		return i < 0 ? i : (*v = (pv_u128)i, 0);
	case VK_MAC:
		if (sscanf(s, "%x:%x:%x:%x:%x:%x", &a[0], &a[1], &a[2], &a[3], &a[4], &a[5]) != 6)
			return -EINVAL;
		for (*v = 0, i = 0; i < 6; i++)
			*v = (*v << 8) | (a[i] & 0xff);
		return 0;
	case VK_IP4:
	case VK_IP6:
		return addr_val(s, k, v);
	default:
		return name_val(s, k, v);
	}
}

/* A value, prefix or range of one component. */
static int interval(struct pv_model *m, const struct pj *j, enum vk k, struct pv_iv *iv)
{
	const struct pj *p = pj_get(j, "prefix"), *r = pj_get(j, "range");
	int bits = k == VK_IP4 ? 32 : 128, len, e;

	if (pj_is(j, PJ_OBJ) && pj_get(j, "elem"))
		return interval(m, pj_get(pj_get(j, "elem"), "val"), k, iv);
	if (r)
		return scalar(m, pj_at(r, 0), k, &iv->lo) ?:
			scalar(m, pj_at(r, 1), k, &iv->hi);
	if (!p) {
		e = scalar(m, j, k, &iv->lo);
		iv->hi = iv->lo;
		return e;
	}
	len = (int)pj_int(pj_get(p, "len"));
	e = scalar(m, pj_get(p, "addr"), k, &iv->lo);
	if (e || len < 0 || len > bits)
		return -EINVAL;
	iv->hi = len == 0 ? (bits == 32 ? 0xffffffffu : ~(pv_u128)0) :
		iv->lo | ((len >= bits ? 0 : ((pv_u128)1 << (bits - len)) - 1));
	return 0;
}

static int elem_key(struct pv_model *m, const struct pj *j, const enum vk *k, int n, struct pv_elem *e)
{
	const struct pj *c;
	int i, r;

	if (pj_is(j, PJ_OBJ) && pj_get(j, "elem"))
		j = pj_get(pj_get(j, "elem"), "val");
	c = pj_get(j, "concat");
	if (!c)
		return n == 1 ? interval(m, j, k[0], &e->k[0]) : -EINVAL;
	if ((int)pj_size(c) != n)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		r = interval(m, pj_at(c, i), k[i], &e->k[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

static int verdict_of(struct pv_model *m, const struct pj *j, enum pv_verdict *v, int *chain)
{
	static const struct { const char *n; enum pv_verdict v; } tab[] = {
		{ "accept", PV_V_ACCEPT }, { "drop", PV_V_DROP }, { "reject", PV_V_DROP },
		{ "queue", PV_V_QUEUE }, { "jump", PV_V_JUMP }, { "goto", PV_V_GOTO },
		{ "return", PV_V_RETURN }, { "continue", PV_V_CONTINUE }, { "xt", PV_V_XT },
	};
	size_t i;
	const struct pj *t;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		t = pj_get(j, tab[i].n);
		if (!t)
			continue;
		*v = tab[i].v;
		if (*v == PV_V_XT)
			m->opaque = true;
		if (*v != PV_V_JUMP && *v != PV_V_GOTO)
			return 0;
		*chain = pv_model_chain(m, pj_str(pj_get(t, "target")) ?: "");
		return *chain < 0 ? *chain : 0;
	}
	return -ENOENT;
}

static int map_elem(struct pv_model *m, struct pv_set *s, const struct pj *it, const enum vk *k)
{
	struct pv_elem e;
	const struct pj *key = it, *data = NULL;
	int r;

	memset(&e, 0, sizeof(e));
	if (pj_is(it, PJ_ARR)) {
		key = pj_at(it, 0);
		data = pj_at(it, 1);
	}
	r = elem_key(m, key, k, s->n_key, &e);
	if (r < 0)
		return r;
	if (data && s->is_vmap)
		r = verdict_of(m, data, &e.v, &e.chain);
	else if (data)
		e.data = (uint32_t)pj_int(data);
	return r < 0 ? r : pv_set_add(s, &e);
}

static struct pv_set *set_new(struct pv_model *m, const char *name)
{
	struct pv_set *s = realloc(m->sets, (m->n_sets + 1) * sizeof(*s));

	if (!s)
		return NULL;
	m->sets = s;
	s = &m->sets[m->n_sets++];
	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "%s", name);
	return s;
}

static int load_set(struct pv_model *m, const struct pj *o, bool is_map)
{
	const struct pj *type = pj_get(o, "type"), *it;
	enum vk k[PV_KEY_MAX];
	struct pv_set *s = set_new(m, pj_str(pj_get(o, "name")) ?: "?");
	size_t i;
	int n = 0, r;

	if (!s)
		return -ENOMEM;
	if (pj_is(type, PJ_ARR))
		pj_foreach(type, i, it) {
			if (n == PV_KEY_MAX)
				return -E2BIG;
			k[n++] = type_kind(pj_str(it));
		}
	else
		k[n++] = type_kind(pj_str(type));
	s->n_key = n;
	s->is_map = is_map;
	for (r = 0; r < n; r++) {
		s->unknown |= k[r] == VK_UNKNOWN;
		s->ids |= k[r] == VK_INT;
	}
	if (s->unknown)
		return 0;
	s->is_vmap = is_map && !strcmp(pj_str(pj_get(o, "map")) ?: "", "verdict");
	s->e = malloc((pj_size(pj_get(o, "elem")) + 1) * sizeof(*s->e));
	if (!s->e)
		return -ENOMEM;
	s->cap = pj_size(pj_get(o, "elem")) + 1;	/* one allocation */
	pj_foreach(pj_get(o, "elem"), i, it) {
		r = map_elem(m, &m->sets[m->n_sets - 1], it, k);
		if (r < 0)
			return r;
	}
	return 0;
}

static enum pv_hook hook_of(const char *h)
{
	static const char *const n[] = { "", "prerouting", "input", "forward", "output",
					 "postrouting" };
	int i;

	for (i = 1; h && i < 6; i++)
		if (!strcmp(n[i], h))
			return (enum pv_hook)i;
	return PV_H_NONE;
}

static int load_chain(struct pv_model *m, const struct pj *o)
{
	int c = pv_model_chain(m, pj_str(pj_get(o, "name")) ?: "");
	const char *pol = pj_str(pj_get(o, "policy"));

	if (c < 0)
		return c;
	m->c[c].hook = hook_of(pj_str(pj_get(o, "hook")));
	m->c[c].prio = (int)pj_int(pj_get(o, "prio"));
	m->c[c].policy_drop = pol && !strcmp(pol, "drop");
	return 0;
}

static const struct { const char *proto, *field; enum pv_dim d; uint8_t fam, l4; } payloads[] = {
	{ "ether", "saddr", PV_ETHSRC, 0, 0 }, { "ip", "saddr", PV_SADDR, 2, 0 },
	{ "ip", "daddr", PV_DADDR, 2, 0 }, { "ip6", "saddr", PV_SADDR, 10, 0 },
	{ "ip6", "daddr", PV_DADDR, 10, 0 }, { "ip", "protocol", PV_L4PROTO, 2, 0 },
	{ "ip6", "nexthdr", PV_L4PROTO, 10, 0 }, { "th", "dport", PV_DPORT, 0, 0 },
	{ "tcp", "dport", PV_DPORT, 0, 6 }, { "udp", "dport", PV_DPORT, 0, 17 },
};

static int key_one(const struct pj *j, struct pv_key *k)
{
	const char *key = pj_str(pj_get(pj_get(j, "meta"), "key"));
	const char *ct = pj_str(pj_get(pj_get(j, "ct"), "key"));
	const struct pj *p = pj_get(j, "payload");
	int i = k->n;
	size_t t;

	if (i == PV_KEY_MAX)
		return -E2BIG;
	k->fam[i] = 0;
	k->l4dep[i] = false;
	if (key && (!strcmp(key, "iifname") || !strcmp(key, "oifname") ||
		    !strcmp(key, "l4proto") || !strcmp(key, "mark") || !strcmp(key, "nfproto"))) {
		k->d[k->n++] = key[0] == 'i' ? PV_IIF : key[0] == 'o' ? PV_OIF :
			key[0] == 'l' ? PV_L4PROTO : key[0] == 'm' ? PV_MARK : PV_NFPROTO;
		return 0;
	}
	if (ct && (!strcmp(ct, "state") || !strcmp(ct, "mark"))) {
		k->d[k->n++] = ct[0] == 's' ? PV_CTSTATE : PV_CTMARK;
		return 0;
	}
	for (t = 0; p && t < sizeof(payloads) / sizeof(payloads[0]); t++)
		if (!strcmp(pj_str(pj_get(p, "protocol")) ?: "", payloads[t].proto) &&
		    !strcmp(pj_str(pj_get(p, "field")) ?: "", payloads[t].field)) {
			k->d[i] = payloads[t].d;
			k->fam[i] = payloads[t].fam;
			k->l4dep[i] = payloads[t].l4 != 0;
			k->l4proto[i] = payloads[t].l4;
			k->n++;
			return 0;
		}
	return -ENOENT;
}

static int key_of(const struct pj *j, struct pv_key *k)
{
	const struct pj *c = pj_get(j, "concat"), *a = pj_get(j, "&"), *it;
	size_t i;
	int r;

	memset(k, 0, sizeof(*k));
	if (a) {
		r = key_one(pj_at(a, 0), k);
		if (r < 0 || !pj_is(pj_at(a, 1), PJ_INT))
			return -ENOENT;
		k->mask = (pv_u128)(uint64_t)pj_int(pj_at(a, 1));
		return 0;
	}
	if (!c)
		return key_one(j, k);
	pj_foreach(c, i, it) {
		r = key_one(it, k);
		if (r < 0)
			return r;
	}
	return 0;
}

/* The right-hand side: a named set, or literal values as an anonymous set. */
static int rhs_set(struct pv_model *m, const struct pj *j, const struct pv_key *k, int *ret)
{
	enum vk kinds[PV_KEY_MAX];
	struct pv_set *s;
	const struct pj *list = pj_is(j, PJ_ARR) ? j : pj_get(j, "set"), *it;
	const char *name = pj_str(j);
	size_t i;
	int n, r = 0;

	if (name && name[0] == '@') {
		*ret = pv_model_set(m, name + 1);
		return *ret < 0 ? -ENOENT : 0;
	}
	for (n = 0; n < k->n; n++)
		kinds[n] = dim_kind(k->d[n], k->fam[n]);
	if (k->mask)
		kinds[0] = VK_INT;
	s = set_new(m, "");
	if (!s)
		return -ENOMEM;
	s->n_key = k->n;
	for (n = 0; n < k->n; n++)
		s->ids |= kinds[n] == VK_INT;
	*ret = m->n_sets - 1;
	if (!list)
		return map_elem(m, s, j, kinds);
	pj_foreach(list, i, it) {
		r = map_elem(m, &m->sets[*ret], it, kinds);
		if (r < 0)
			break;
	}
	return r;
}

/* The payload dependency the kernel adds before a header field of left (nft -j leaves it
 * out): the family and the layer 4 protocol a match on it still requires. */
static void payload_dep(const struct pj *left, struct pv_stmt *st)
{
	static const struct { const char *proto; uint8_t fam, l4; } deps[] = {
		{ "ip", 2, 0 }, { "ip6", 10, 0 }, { "icmp", 2, 1 }, { "icmpv6", 10, 58 },
		{ "tcp", 0, 6 }, { "udp", 0, 17 }, { "sctp", 0, 132 },
	};
	const char *proto = pj_str(pj_get(pj_get(left, "payload"), "protocol"));
	size_t i;

	for (i = 0; proto && i < sizeof(deps) / sizeof(deps[0]); i++) {
		if (!strcmp(proto, deps[i].proto)) {
			st->dep_fam = deps[i].fam;
			st->dep_l4 = deps[i].l4;
			return;
		}
	}
}

static int stmt_match(struct pv_model *m, const struct pj *o, struct pv_stmt *st)
{
	const char *op = pj_str(pj_get(o, "op")) ?: "";

	if (key_of(pj_get(o, "left"), &st->key) < 0) {
		payload_dep(pj_get(o, "left"), st);
		return st->kind = PV_S_MAYBE, 0;
	}
	if (strcmp(op, "==") && strcmp(op, "!=") && strcmp(op, "in"))
		return st->kind = PV_S_MAYBE, 0;
	st->kind = PV_S_MATCH;
	st->neg = !strcmp(op, "!=");
	if (rhs_set(m, pj_get(o, "right"), &st->key, &st->set) < 0 ||
	    m->sets[st->set].unknown)
		st->kind = PV_S_MAYBE;		/* a value or set the proof cannot read */
	return 0;
}

static int stmt_mangle(struct pv_model *m, const struct pj *o, struct pv_stmt *st)
{
	struct pv_key dst, src;
	const struct pj *v = pj_get(o, "value"), *map = pj_get(v, "map");
	const struct pj *a = pj_get(v, "&");

	if (key_of(pj_get(o, "key"), &dst) < 0 || dst.n != 1)
		return st->kind = PV_S_NOP, 0;	/* a field the proof does not model */
	st->dst = dst.d[0];
	st->kind = PV_S_SET_COPY;		/* mask 0: any value */
	if (pj_is(v, PJ_INT)) {
		st->kind = PV_S_SET_CONST;
		st->val = (pv_u128)(uint64_t)pj_int(v);
	} else if (map && !key_of(pj_get(map, "key"), &st->key)) {
		st->kind = PV_S_SET_MAP;
		if (rhs_set(m, pj_get(map, "data"), &st->key, &st->set) < 0 ||
		    m->sets[st->set].unknown)
			return -ENOENT;
	} else if (!key_of(a ? pj_at(a, 0) : v, &src) && src.n == 1) {
		st->src = src.d[0];
		st->mask = a ? (pv_u128)(uint64_t)pj_int(pj_at(a, 1)) :
			0xffffffffu;
	}
	return 0;
}

static int stmt_of(struct pv_model *m, const struct pj *j, struct pv_stmt *st)
{
	const struct pj *o;

	memset(st, 0, sizeof(*st));
	if ((o = pj_get(j, "match")))
		return stmt_match(m, o, st);
	if ((o = pj_get(j, "mangle")))
		return stmt_mangle(m, o, st);
	if ((o = pj_get(j, "vmap"))) {
		st->kind = PV_S_VMAP;
		if (key_of(pj_get(o, "key"), &st->key) < 0)
			return -ENOENT;
		return rhs_set(m, pj_get(o, "data"), &st->key, &st->set);
	}
	if (!verdict_of(m, j, &st->v, &st->chain))
		return st->kind = PV_S_VERDICT, 0;
	if (pj_get(j, "counter") || pj_get(j, "log"))
		st->kind = PV_S_NOP;
	else
		st->kind = PV_S_MAYBE;		/* limit, meters, quota, what is not known */
	return 0;
}

static int load_rule(struct pv_model *m, const struct pj_doc *d, const struct pj *o)
{
	const struct pj *expr = pj_get(o, "expr"), *it;
	struct pv_rule rl = { 0 };
	size_t i;
	int c, r = -ENOMEM;

	c = pv_model_chain(m, pj_str(pj_get(o, "chain")) ?: "");
	if (c < 0)
		return c;
	rl.handle = (int)pj_int(pj_get(o, "handle"));
	rl.text = pj_text(d, expr);
	rl.s = calloc(pj_size(expr) + 1, sizeof(*rl.s));
	if (!rl.s || !rl.text)
		goto out;
	pj_foreach(expr, i, it) {
		r = stmt_of(m, it, &rl.s[rl.n++]);
		if (r < 0) {
			snprintf(m->why, sizeof(m->why), "chain %s rule handle %d: %s",
				 m->c[c].name, rl.handle, r == -ENOENT ? "unknown set or key" :
				 strerror(-r));
			goto out;
		}
	}
	r = pv_chain_add(&m->c[c], &rl);
	if (!r)
		return 0;
out:
	free(rl.s);
	free(rl.text);
	return r;
}

int pv_json_load(struct pv_model *m, const char *text)
{
	struct pj_doc d;
	const struct pj *arr, *it, *o;
	size_t i;
	int r = pj_parse(&d, text), pass;

	if (r < 0) {
		if (r == -EINVAL)
			snprintf(m->why, sizeof(m->why), "JSON line %d: %s", d.line, d.err);
		pj_free(&d);
		return r;
	}
	arr = pj_get(d.root, "nftables");
	for (pass = 0; pass < 2 && !r; pass++)
		pj_foreach(arr, i, it) {
			if (pass == 0 && (o = pj_get(it, "chain")))
				r = load_chain(m, o);
			else if (pass == 0 && (o = pj_get(it, "set")))
				r = load_set(m, o, false);
			else if (pass == 0 && (o = pj_get(it, "map")))
				r = load_set(m, o, true);
			else if (pass == 1 && (o = pj_get(it, "rule")))
				r = load_rule(m, &d, o);
			if (r < 0) {
				if (!m->why[0])
					snprintf(m->why, sizeof(m->why), "object %zu: %s", i,
						 strerror(-r));
				break;
			}
		}
	for (i = 0; !r && i < (size_t)m->n_sets; i++)
		r = pv_set_merge(&m->sets[i]);
	if (!r && !pj_is(arr, PJ_ARR)) {
		snprintf(m->why, sizeof(m->why), "no \"nftables\" array");
		r = -EINVAL;
	}
	pj_free(&d);
	return r;
}
