// SPDX-License-Identifier: GPL-2.0-only
/* prove.c: the ruleset model, boxes of the header space, and the symbolic evaluator.
 * A box goes through a chain rule by rule; every statement splits it into the part that goes
 * on and the part that leaves the rule. Set lookups split dimension by dimension at the
 * boundaries of the elements (a trie walk over the concatenation), so the cost follows the
 * number of elements, not of packets. Independent of compile.c and nftgen.c by design. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "prove.h"

#define PV_DEPTH_MAX	32

struct pv_state {
	struct pv_box b;
	const struct pv_trace *t;
	enum pv_verdict how;		/* ACCEPT, or QUEUE/XT once seen */
	const struct pv_set *lz;	/* not NULL: only the keys lzk in lz (pv_hit) */
	const struct pv_key *lzk;
};

struct pv_list {
	struct pv_state *v;
	size_t n, cap;
};

struct ev {
	const struct pv_model *m;
	struct pv_result *res;
	struct pv_list acc;		/* accepted in this hook */
	int depth;
};

/* Charge n units of work to the proof's budget: -E2BIG once it is spent. */
static int spend(struct ev *e, unsigned long n)
{
	unsigned long max = e->res->work_max ? e->res->work_max : PV_WORK_MAX;

	e->res->work += n;
	return e->res->work > max ? -E2BIG : 0;
}

static const pv_u128 dim_max[PV_DIMS] = {
	[PV_IIF] = PV_IF_MAX - 1, [PV_OIF] = PV_IF_MAX - 1,
	[PV_ETHSRC] = ((pv_u128)1 << 48) - 1, [PV_NFPROTO] = 255,
	[PV_SADDR] = ~(pv_u128)0, [PV_DADDR] = ~(pv_u128)0, [PV_L4PROTO] = 255,
	[PV_DPORT] = 65535, [PV_CTSTATE] = 255, [PV_CTMARK] = 0xffffffffu,
	[PV_MARK] = 0xffffffffu,
};

void pv_model_init(struct pv_model *m)
{
	memset(m, 0, sizeof(*m));
}

void pv_model_free(struct pv_model *m)
{
	int i, j;

	for (i = 0; i < m->n_chains; i++) {
		for (j = 0; j < m->c[i].n; j++) {
			free(m->c[i].r[j].s);
			free(m->c[i].r[j].text);
		}
		free(m->c[i].r);
	}
	for (i = 0; i < m->n_sets; i++)
		free(m->sets[i].e);
	free(m->c);
	free(m->sets);
	pv_model_init(m);
}

int pv_model_ifindex(struct pv_model *m, const char *name)
{
	int i;

	for (i = 0; i < m->n_if; i++)
		if (!strcmp(m->ifname[i], name))
			return i;
	if (m->n_if >= PV_IF_MAX - 1 || strlen(name) >= sizeof(m->ifname[0]))
		return -E2BIG;
	strcpy(m->ifname[m->n_if], name);
	return m->n_if++;
}

void pv_model_seal(struct pv_model *m)
{
	strcpy(m->ifname[m->n_if++], "*other*");
}

int pv_model_chain(struct pv_model *m, const char *name)
{
	struct pv_chain *c;
	int i;

	for (i = 0; i < m->n_chains; i++)
		if (!strcmp(m->c[i].name, name))
			return i;
	if (strlen(name) >= sizeof(c->name))
		return -E2BIG;
	c = realloc(m->c, (m->n_chains + 1) * sizeof(*c));
	if (!c)
		return -ENOMEM;
	m->c = c;
	c = &m->c[m->n_chains];
	memset(c, 0, sizeof(*c));
	strcpy(c->name, name);
	return m->n_chains++;
}

int pv_model_set(const struct pv_model *m, const char *name)
{
	int i;

	for (i = 0; i < m->n_sets; i++)
		if (m->sets[i].name[0] && !strcmp(m->sets[i].name, name))
			return i;
	return -ENOENT;
}

int pv_set_add(struct pv_set *s, const struct pv_elem *e)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 8;
		struct pv_elem *n = realloc(s->e, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		s->e = n;
		s->cap = cap;
	}
	s->e[s->n++] = *e;
	return 0;
}

static int cmp_elem_n;

static int cmp_elem(const void *x, const void *y)
{
	const struct pv_elem *a = x, *b = y;
	int c;

	for (c = 0; c < cmp_elem_n; c++) {
		if (a->k[c].lo != b->k[c].lo)
			return a->k[c].lo < b->k[c].lo ? -1 : 1;
		if (a->k[c].hi != b->k[c].hi)
			return a->k[c].hi < b->k[c].hi ? -1 : 1;
	}
	return 0;
}

/* b continues a: the same data and key but for the last component, which overlaps or
 * touches a's (a <= b in cmp_elem order). */
static bool elem_joins(const struct pv_elem *a, const struct pv_elem *b, int n)
{
	int c;

	if (a->v != b->v || a->chain != b->chain || a->data != b->data)
		return false;
	for (c = 0; c < n - 1; c++)
		if (a->k[c].lo != b->k[c].lo || a->k[c].hi != b->k[c].hi)
			return false;
	return b->k[n - 1].lo <= a->k[n - 1].hi || b->k[n - 1].lo - 1 == a->k[n - 1].hi;
}

static const struct pv_elem *cmp_idx_e;

static int cmp_idx(const void *x, const void *y)
{
	return cmp_elem(&cmp_idx_e[*(const size_t *)x], &cmp_idx_e[*(const size_t *)y]);
}

/* Sort the elements (big ones: through an index, moved once). */
static int set_sort(struct pv_set *s)
{
	struct pv_elem *e;
	size_t *idx, i;

	for (i = 1; i < s->n && cmp_elem(&s->e[i - 1], &s->e[i]) <= 0; i++)
		;
	if (i == s->n)
		return 0;		/* nft lists most sets in order already */
	idx = malloc(s->n * sizeof(*idx));
	e = malloc(s->n * sizeof(*e));
	if (!idx || !e)
		return free(idx), free(e), -ENOMEM;
	for (i = 0; i < s->n; i++)
		idx[i] = i;
	cmp_idx_e = s->e;
	qsort(idx, s->n, sizeof(*idx), cmp_idx);
	for (i = 0; i < s->n; i++)
		e[i] = s->e[idx[i]];
	free(idx);
	free(s->e);
	s->e = e;
	s->cap = s->n;
	return 0;
}

int pv_set_merge(struct pv_set *s)
{
	size_t i, m = 0;
	int n = s->n_key;

	if (s->unknown || n < 1 || n > PV_KEY_MAX || s->n < 2)
		return 0;
	cmp_elem_n = n;		/* pure and single-threaded */
	if (set_sort(s) < 0)
		return -ENOMEM;
	for (i = 0; i < s->n; i++) {
		if (m && !s->ids && elem_joins(&s->e[m - 1], &s->e[i], n)) {
			if (s->e[i].k[n - 1].hi > s->e[m - 1].k[n - 1].hi)
				s->e[m - 1].k[n - 1].hi = s->e[i].k[n - 1].hi;
			continue;
		}
		s->e[m++] = s->e[i];
	}
	s->n = m;
	return 0;
}

size_t pv_set_first(const struct pv_set *s, pv_u128 v)
{
	size_t l = 0, h = s->n, m;

	if (s->n_key > 1)
		return 0;
	while (l < h) {
		m = (l + h) / 2;
		if (s->e[m].k[0].hi < v)
			l = m + 1;
		else
			h = m;
	}
	return l;
}

static bool elem_meets(const struct pv_elem *el, const struct pv_key *k, const struct pv_box *b)
{
	int c;

	for (c = 0; c < k->n; c++)
		if (el->k[c].hi < b->d[k->d[c]].lo || el->k[c].lo > b->d[k->d[c]].hi)
			return false;
	return true;
}

bool pv_lz_narrow(const struct pv_set *lz, const struct pv_key *k, struct pv_box *b)
{
	struct pv_iv *iv;
	size_t i;
	int c;

	if (!lz)
		return true;
	for (i = pv_set_first(lz, b->d[k->d[0]].lo); i < lz->n; i++) {
		if (lz->e[i].k[0].lo > b->d[k->d[0]].hi && k->n == 1)
			return false;
		if (!elem_meets(&lz->e[i], k, b))
			continue;
		for (c = 0; c < k->n; c++) {
			iv = &b->d[k->d[c]];
			iv->lo = lz->e[i].k[c].lo > iv->lo ? lz->e[i].k[c].lo : iv->lo;
			iv->hi = lz->e[i].k[c].hi < iv->hi ? lz->e[i].k[c].hi : iv->hi;
		}
		return true;
	}
	return false;
}

int pv_chain_add(struct pv_chain *c, const struct pv_rule *r)
{
	if (c->n == c->cap) {
		int cap = c->cap ? 2 * c->cap : 8;
		struct pv_rule *n = realloc(c->r, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		c->r = n;
		c->cap = cap;
	}
	c->r[c->n++] = *r;
	return 0;
}

/* ---- boxes ---------------------------------------------------------------------------- */

void pv_box_full(const struct pv_model *m, struct pv_box *b, int nfproto)
{
	int i;

	for (i = 0; i < PV_DIMS; i++) {
		b->d[i].lo = 0;
		b->d[i].hi = dim_max[i];
	}
	b->d[PV_IIF].hi = b->d[PV_OIF].hi = m->n_if ? (pv_u128)(m->n_if - 1) : 0;
	b->d[PV_NFPROTO].lo = b->d[PV_NFPROTO].hi = (pv_u128)nfproto;
	if (nfproto == 2)
		b->d[PV_SADDR].hi = b->d[PV_DADDR].hi = 0xffffffffu;
}

bool pv_box_empty(const struct pv_box *b)
{
	int i;

	for (i = 0; i < PV_DIMS; i++)
		if (b->d[i].lo > b->d[i].hi)
			return true;
	return false;
}

bool pv_box_meet(const struct pv_box *a, const struct pv_box *b, struct pv_box *out)
{
	int i;

	for (i = 0; i < PV_DIMS; i++) {
		out->d[i].lo = a->d[i].lo > b->d[i].lo ? a->d[i].lo : b->d[i].lo;
		out->d[i].hi = a->d[i].hi < b->d[i].hi ? a->d[i].hi : b->d[i].hi;
		if (out->d[i].lo > out->d[i].hi)
			return false;
	}
	return true;
}

int pv_box_minus(const struct pv_box *a, const struct pv_box *b, struct pv_box *out)
{
	struct pv_box rest = *a, in;
	int i, n = 0;

	if (!pv_box_meet(a, b, &in))
		return out[0] = *a, 1;
	for (i = 0; i < PV_DIMS; i++) {
		if (rest.d[i].lo < in.d[i].lo) {
			out[n] = rest;
			out[n++].d[i].hi = in.d[i].lo - 1;
		}
		if (rest.d[i].hi > in.d[i].hi) {
			out[n] = rest;
			out[n++].d[i].lo = in.d[i].hi + 1;
		}
		rest.d[i] = in.d[i];
	}
	return n;
}

/* ---- lists and traces ------------------------------------------------------------------ */

/* Push box b with the trace, verdict and lazy set of s. */
static int list_push(struct pv_list *l, const struct pv_box *b, const struct pv_state *s)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;
		struct pv_state *n = realloc(l->v, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		l->v = n;
		l->cap = cap;
	}
	l->v[l->n] = *s;
	l->v[l->n++].b = *b;
	return 0;
}

static int list_append(struct pv_list *to, const struct pv_list *from)
{
	size_t i;
	int r;

	for (i = 0; i < from->n; i++) {
		r = list_push(to, &from->v[i].b, &from->v[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

static const struct pv_trace *trace_add(struct ev *e, const struct pv_trace *up, int chain,
					int rule)
{
	struct pv_result *r = e->res;
	struct pv_trace *t;

	if (r->n_tr == r->cap_tr) {
		size_t cap = r->cap_tr ? 2 * r->cap_tr : 64;
		struct pv_trace **n = realloc(r->tr, cap * sizeof(*n));

		if (!n)
			return NULL;
		r->tr = n;
		r->cap_tr = cap;
	}
	t = malloc(sizeof(*t));
	if (!t)
		return NULL;
	t->up = up;
	t->chain = chain;
	t->rule = rule;
	r->tr[r->n_tr++] = t;
	return t;
}

void pv_result_free(struct pv_result *r)
{
	size_t i;

	for (i = 0; i < r->n_tr; i++)
		free(r->tr[i]);
	free(r->tr);
	free(r->h);
	memset(r, 0, sizeof(*r));
}

static int result_add(struct pv_result *r, const struct pv_state *s)
{
	if (r->n == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 16;
		struct pv_hit *n = realloc(r->h, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		r->h = n;
		r->cap = cap;
	}
	r->h[r->n].b = s->b;
	r->h[r->n].how = s->how;
	r->h[r->n].lz = s->lz;
	r->h[r->n].lzk = s->lzk;
	r->h[r->n++].t = s->t;
	return 0;
}

/* ---- set lookups ---------------------------------------------------------------------- */

struct split_out {
	struct pv_list *hit, *miss;
	bool lazy_ok;			/* a match: the hits of a big one-field set may stay lazy */
	bool whole_miss;		/* a big lookup: the miss is the whole box, pushed once */
	const struct pv_elem **hit_elem;	/* parallel to hit (grown with it) */
	size_t n_elem, cap_elem;
	const struct pv_state *st;
};

static int out_hit(struct split_out *o, const struct pv_box *b, const struct pv_elem *e)
{
	if (o->n_elem == o->cap_elem) {
		size_t cap = o->cap_elem ? 2 * o->cap_elem : 16;
		const struct pv_elem **n = realloc(o->hit_elem, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		o->hit_elem = n;
		o->cap_elem = cap;
	}
	o->hit_elem[o->n_elem++] = e;
	return list_push(o->hit, b, o->st);
}

static int cmp_u128(const void *a, const void *b)
{
	const pv_u128 *x = a, *y = b;

	return *x < *y ? -1 : *x > *y;
}

/* The boundaries of the elements idx inside iv on key component c: sorted, unique, iv.lo
 * first. Returns the count, or -ENOMEM. */
static long bounds(const struct pv_set *s, int c, const size_t *idx, size_t n,
		   struct pv_iv iv, pv_u128 **ret)
{
	pv_u128 *p = malloc((2 * n + 1) * sizeof(*p));
	size_t i, k = 0, u = 0;

	if (!p)
		return -ENOMEM;
	p[k++] = iv.lo;
	for (i = 0; i < n; i++) {
		const struct pv_iv *e = &s->e[idx[i]].k[c];

		if (e->lo > iv.lo && e->lo <= iv.hi)
			p[k++] = e->lo;
		if (e->hi < iv.hi && e->hi >= iv.lo)
			p[k++] = e->hi + 1;
	}
	qsort(p, k, sizeof(*p), cmp_u128);
	for (i = 0; i < k; i++)
		if (!u || p[u - 1] != p[i])
			p[u++] = p[i];
	*ret = p;
	return (long)u;
}

static int split_rec(struct split_out *o, const struct pv_set *s, const struct pv_key *k,
		     int c, const struct pv_box *b, size_t *idx, size_t n);

/* One segment of component c with the elements cov that cover it. */
static int split_seg(struct split_out *o, const struct pv_set *s, const struct pv_key *k,
		     int c, const struct pv_box *b, size_t *cov, size_t nc)
{
	if (!nc)
		return o->whole_miss ? 0 : list_push(o->miss, b, o->st);
	if (c == k->n - 1)
		return out_hit(o, b, &s->e[cov[0]]);
	return split_rec(o, s, k, c + 1, b, cov, nc);
}

static const struct pv_set *sort_set;
static int sort_c;

static int cmp_lo(const void *a, const void *b)
{
	return cmp_u128(&sort_set->e[*(const size_t *)a].k[sort_c].lo,
			&sort_set->e[*(const size_t *)b].k[sort_c].lo);
}

/* Drop from act the elements that end before lo, add those of idx (sorted by lo) that start
 * at or before it; *j walks idx. Returns the new count of act. */
static size_t sweep(const struct pv_set *s, int c, pv_u128 lo, size_t *act, size_t na,
		    const size_t *idx, size_t n, size_t *j)
{
	size_t i, m = 0;

	for (i = 0; i < na; i++)
		if (s->e[act[i]].k[c].hi >= lo)
			act[m++] = act[i];
	for (; *j < n && s->e[idx[*j]].k[c].lo <= lo; (*j)++)
		if (s->e[idx[*j]].k[c].hi >= lo)
			act[m++] = idx[*j];
	return m;
}

static int split_rec(struct split_out *o, const struct pv_set *s, const struct pv_key *k,
		     int c, const struct pv_box *b, size_t *idx, size_t n)
{
	enum pv_dim d = k->d[c];
	struct pv_box seg = *b;
	size_t *act = malloc((n ? n : 1) * sizeof(*act)), *cov = NULL, na = 0, j = 0;
	pv_u128 *p = NULL;
	long np, q;
	int r = -ENOMEM;

	cov = malloc((n ? n : 1) * sizeof(*cov));
	if (!act || !cov)
		goto out;
	np = bounds(s, c, idx, n, b->d[d], &p);
	if (np < 0)
		goto out;
	sort_set = s;		/* pure and single-threaded: sansoctl and the daemon's prover */
	sort_c = c;
	qsort(idx, n, sizeof(*idx), cmp_lo);
	for (q = 0, r = 0; q < np && !r; q++) {
		seg.d[d].lo = p[q];
		seg.d[d].hi = q + 1 < np ? p[q + 1] - 1 : b->d[d].hi;
		na = sweep(s, c, p[q], act, na, idx, n, &j);
		memcpy(cov, act, na * sizeof(*cov));
		r = split_seg(o, s, k, c, &seg, cov, na);
	}
out:
	free(p);
	free(act);
	free(cov);
	return r;
}

/* Restrict st's box to the protocols the key needs; the rest goes to miss. */
static int key_deps(const struct pv_key *k, struct pv_box *b, struct pv_list *miss,
		    const struct pv_state *st)
{
	struct pv_box need = *b, parts[2 * PV_DIMS];
	int i, n, r;

	for (i = 0; i < k->n; i++) {
		if (k->fam[i])
			need.d[PV_NFPROTO].lo = need.d[PV_NFPROTO].hi = k->fam[i];
		if (k->l4dep[i])
			need.d[PV_L4PROTO].lo = need.d[PV_L4PROTO].hi = k->l4proto[i];
	}
	if (!pv_box_meet(b, &need, &need)) {
		r = list_push(miss, b, st);
		b->d[0].lo = 1, b->d[0].hi = 0;
		return r;
	}
	n = pv_box_minus(b, &need, parts);
	for (i = 0; i < n; i++) {
		r = list_push(miss, &parts[i], st);
		if (r < 0)
			return r;
	}
	*b = need;
	return 0;
}

static bool mask_exact(const struct pv_elem *e, pv_u128 v)
{
	return e->k[0].lo <= v && v <= e->k[0].hi;
}

/* A masked key: exact when the masked dimension is one value, else both ways (approx). */
static int split_masked(struct ev *e, struct split_out *o, const struct pv_set *s,
			const struct pv_key *k, const struct pv_box *b)
{
	const struct pv_iv *iv = &b->d[k->d[0]];
	size_t i;

	if (iv->lo != iv->hi) {
		e->res->approx = true;
		return list_push(o->miss, b, o->st) ?:
			(s->n ? out_hit(o, b, &s->e[0]) : 0);
	}
	for (i = 0; i < s->n; i++)
		if (mask_exact(&s->e[i], iv->lo & k->mask))
			return out_hit(o, b, &s->e[i]);
	return list_push(o->miss, b, o->st);
}

/* The hits of a big set as one box: the hull of the elements idx, with the set kept as the
 * exact constraint on the key (a lazy set held before is dropped: widened, never narrowed). */
static int split_lazy(struct split_out *o, const struct pv_set *s, const struct pv_key *k,
		      const struct pv_box *b, const size_t *idx, size_t n)
{
	struct pv_box h = *b;
	pv_u128 lo, hi;
	size_t i;
	int c, r;

	for (c = 0; c < k->n; c++) {
		lo = s->e[idx[0]].k[c].lo;
		hi = s->e[idx[0]].k[c].hi;
		for (i = 1; i < n; i++) {
			lo = s->e[idx[i]].k[c].lo < lo ? s->e[idx[i]].k[c].lo : lo;
			hi = s->e[idx[i]].k[c].hi > hi ? s->e[idx[i]].k[c].hi : hi;
		}
		h.d[k->d[c]].lo = lo > h.d[k->d[c]].lo ? lo : h.d[k->d[c]].lo;
		h.d[k->d[c]].hi = hi < h.d[k->d[c]].hi ? hi : h.d[k->d[c]].hi;
	}
	r = out_hit(o, &h, &s->e[idx[0]]);
	if (!r) {
		o->hit->v[o->hit->n - 1].lz = s;
		o->hit->v[o->hit->n - 1].lzk = k;
	}
	return r;
}

/* The key k writes dimension d. */
static bool key_has(const struct pv_key *k, enum pv_dim d)
{
	int c;

	for (c = 0; k && c < k->n; c++)
		if (k->d[c] == d)
			return true;
	return false;
}

/* The elements that meet box b: only they split it. A lookup that meets more than
 * PV_SET_EXACT keeps its miss whole (over-approximated: res->approx). */
static int split(struct ev *e, struct split_out *o, const struct pv_set *s,
		 const struct pv_key *k)
{
	struct pv_box b = o->st->b;
	size_t *idx = NULL, i, n = 0, hits = o->hit->n;
	int r;

	r = key_deps(k, &b, o->miss, o->st);
	if (r < 0 || pv_box_empty(&b))
		return r;
	if (k->mask)
		return split_masked(e, o, s, k, &b);
	r = spend(e, s->n / 16 + 1);
	if (r < 0 || !s->n)
		return r ?: list_push(o->miss, &b, o->st);
	idx = malloc(s->n * sizeof(*idx));
	if (!idx)
		return -ENOMEM;
	for (i = 0; i < s->n; i++)
		if (elem_meets(&s->e[i], k, &b))
			idx[n++] = i;
	o->whole_miss = n > PV_SET_EXACT;
	if (o->whole_miss) {
		e->res->approx = true;
		r = list_push(o->miss, &b, o->st);
	}
	if (!r && o->whole_miss && o->lazy_ok)
		r = split_lazy(o, s, k, &b, idx, n);
	else if (!r)
		r = n ? split_rec(o, s, k, 0, &b, idx, n) :
			list_push(o->miss, &b, o->st);
	o->whole_miss = false;
	free(idx);
	return r ?: spend(e, o->hit->n - hits);
}

#define PRUNE_BIG	16

/* The sum over dimensions of the bit length of each interval's width. */
static int width(const struct pv_box *b)
{
	unsigned long long h, l;
	int i, w = 0;

	for (i = 0; i < PV_DIMS; i++) {
		h = (unsigned long long)((b->d[i].hi - b->d[i].lo) >> 64);
		l = (unsigned long long)(b->d[i].hi - b->d[i].lo);
		w += h ? 128 - __builtin_clzll(h) : l ? 64 - __builtin_clzll(l) : 0;
	}
	return w;
}

static bool box_in(const struct pv_box *a, const struct pv_box *b)
{
	int i;

	for (i = 0; i < PV_DIMS; i++)
		if (a->d[i].lo < b->d[i].lo || a->d[i].hi > b->d[i].hi)
			return false;
	return true;
}

/* Drop the boxes that one of the PRUNE_BIG widest boxes of l (same verdict) contains: the
 * union is the same, and many small exact hits inside a whole miss do not multiply later. */
static void prune(struct pv_list *l)
{
	size_t big[PRUNE_BIG], nb = 0, i, j, m = 0;
	struct pv_state cand[PRUNE_BIG];
	int wb[PRUNE_BIG], w;

	for (i = 0; i < l->n; i++) {
		w = width(&l->v[i].b);
		for (j = nb < PRUNE_BIG ? nb++ : PRUNE_BIG; j > 0 && wb[j - 1] < w; j--)
			if (j < PRUNE_BIG)
				big[j] = big[j - 1], wb[j] = wb[j - 1];
		if (j < PRUNE_BIG)
			big[j] = i, wb[j] = w;
	}
	for (j = 0; j < nb; j++)
		cand[j] = l->v[big[j]];
	for (i = 0; i < l->n; i++) {
		for (j = 0; j < nb; j++)
			if (big[j] != i && cand[j].how == l->v[i].how &&
			    (!cand[j].lz || (cand[j].lz == l->v[i].lz &&
					     cand[j].lzk == l->v[i].lzk)) &&
			    box_in(&l->v[i].b, &cand[j].b) &&
			    (big[j] < i || !box_in(&cand[j].b, &l->v[i].b)))
				break;
		if (j == nb)
			l->v[m++] = l->v[i];
	}
	l->n = m;
}

/* ---- statements, rules, chains --------------------------------------------------------- */

static int eval_chain(struct ev *e, int ci, struct pv_list *in, struct pv_list *ret);

static int do_verdict(struct ev *e, enum pv_verdict v, int target, struct pv_list *cur,
		      struct pv_list *next, struct pv_list *ret)
{
	size_t i;
	int r = 0;

	switch (v) {
	case PV_V_ACCEPT:
	case PV_V_QUEUE:
	case PV_V_XT:
		for (i = 0; i < cur->n && !r; i++) {
			r = list_push(&e->acc, &cur->v[i].b, &cur->v[i]);
			if (!r && v != PV_V_ACCEPT)
				e->acc.v[e->acc.n - 1].how = v;
		}
		if (v == PV_V_XT && !r)
			r = list_append(next, cur);	/* may also be a match that continues */
		return r;
	case PV_V_DROP:
		return 0;
	case PV_V_JUMP:
		return eval_chain(e, target, cur, next);
	case PV_V_GOTO:
		return eval_chain(e, target, cur, ret);
	case PV_V_RETURN:
		return list_append(ret, cur);
	default:
		return list_append(next, cur);
	}
}

static int stmt_lookup(struct ev *e, const struct pv_stmt *st, const struct pv_state *s,
		       struct pv_list *pass, struct pv_list *fail, struct split_out *o)
{
	struct pv_list miss = { 0 };
	size_t i;
	int r;

	o->hit = pass;
	o->miss = &miss;
	o->st = s;
	r = split(e, o, &e->m->sets[st->set], &st->key);
	if (!r && st->kind == PV_S_SET_MAP)
		for (i = pass->n - o->n_elem; i < pass->n; i++) {
			pass->v[i].b.d[st->dst].lo = pass->v[i].b.d[st->dst].hi =
				o->hit_elem[i - (pass->n - o->n_elem)]->data;
			if (key_has(pass->v[i].lzk, st->dst))
				pass->v[i].lz = NULL;	/* written: the old values are gone */
		}
	if (!r)
		r = list_append(fail, &miss);
	free(miss.v);
	return r;
}

static int stmt_match(struct ev *e, const struct pv_stmt *st, const struct pv_state *s,
		      struct pv_list *pass, struct pv_list *fail)
{
	struct split_out o = { .lazy_ok = true };
	int r;

	r = st->neg ? stmt_lookup(e, st, s, fail, pass, &o) : stmt_lookup(e, st, s, pass, fail, &o);
	free(o.hit_elem);
	return r;
}

static int stmt_set(const struct pv_stmt *st, const struct pv_state *s, struct pv_list *pass)
{
	struct pv_box b = s->b;
	const struct pv_iv *src = &b.d[st->src];
	int r;

	if (st->kind == PV_S_SET_CONST) {
		b.d[st->dst].lo = b.d[st->dst].hi = st->val;
	} else if (st->mask && src->lo == src->hi) {
		b.d[st->dst].lo = b.d[st->dst].hi = src->lo & st->mask;
	} else {
		b.d[st->dst].lo = 0;
		b.d[st->dst].hi = dim_max[st->dst];
	}
	r = list_push(pass, &b, s);
	if (!r && s->lz && key_has(s->lzk, st->dst))
		pass->v[pass->n - 1].lz = NULL;	/* written: the old values are gone */
	return r;
}

/* A verdict map: each hit goes its element's way; a miss leaves the rule. */
static int stmt_vmap(struct ev *e, const struct pv_stmt *st, const struct pv_state *s,
		     struct pv_list *fail, struct pv_list *next, struct pv_list *ret)
{
	struct split_out o = { 0 };
	struct pv_list hit = { 0 }, one;
	size_t i;
	int r;

	r = stmt_lookup(e, st, s, &hit, fail, &o);
	for (i = 0; i < hit.n && !r; i++) {
		one.v = &hit.v[i];
		one.n = one.cap = 1;
		r = do_verdict(e, o.hit_elem[i]->v, o.hit_elem[i]->chain, &one, next, ret);
	}
	free(o.hit_elem);
	free(hit.v);
	return r;
}

/* A match the proof cannot read may match, but only a packet its payload dependency lets
 * through (icmpv6 type: IPv6 and ICMPv6; tcp flags: TCP). */
static int stmt_maybe(const struct pv_stmt *st, const struct pv_state *s, struct pv_list *pass)
{
	struct pv_box b = s->b;
	struct pv_iv *f = &b.d[PV_NFPROTO], *l = &b.d[PV_L4PROTO];

	if (st->dep_fam) {
		if (f->lo > st->dep_fam || f->hi < st->dep_fam)
			return 0;
		f->lo = f->hi = st->dep_fam;
	}
	if (st->dep_l4) {
		if (l->lo > st->dep_l4 || l->hi < st->dep_l4)
			return 0;
		l->lo = l->hi = st->dep_l4;
	}
	return list_push(pass, &b, s);
}

static int stmt_apply(struct ev *e, const struct pv_stmt *st, const struct pv_state *s,
		      struct pv_list *pass, struct pv_list *fail)
{
	struct split_out o = { 0 };
	int r;

	switch (st->kind) {
	case PV_S_MATCH:
		return stmt_match(e, st, s, pass, fail);
	case PV_S_SET_CONST:
	case PV_S_SET_COPY:
		return stmt_set(st, s, pass);
	case PV_S_SET_MAP:
		r = stmt_lookup(e, st, s, pass, fail, &o);
		free(o.hit_elem);
		return r;
	case PV_S_MAYBE:
		r = stmt_maybe(st, s, pass);
		return r ?: list_push(fail, &s->b, s);
	default:
		return list_push(pass, &s->b, s);
	}
}

static int tag(struct ev *e, struct pv_list *l, int ci, int ri)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		l->v[i].t = trace_add(e, l->v[i].t, ci, ri);
		if (!l->v[i].t)
			return -ENOMEM;
	}
	return 0;
}

/* One statement over the states of cur: what goes on stays in cur. */
static int rule_step(struct ev *e, const struct pv_stmt *st, struct pv_list *cur,
		     struct pv_list *next, struct pv_list *ret)
{
	struct pv_list pass = { 0 };
	size_t i;
	int r = 0;

	r = spend(e, cur->n);
	if (r < 0)
		return r;
	if (st->kind == PV_S_VERDICT) {
		r = do_verdict(e, st->v, st->chain, cur, next, ret);
		cur->n = 0;
		return r;
	}
	for (i = 0; i < cur->n && !r; i++)
		r = st->kind == PV_S_VMAP ? stmt_vmap(e, st, &cur->v[i], next, next, ret) :
			stmt_apply(e, st, &cur->v[i], &pass, next);
	free(cur->v);
	*cur = pass;
	return r;
}

static int eval_rule(struct ev *e, int ci, int ri, struct pv_list *in, struct pv_list *next,
		     struct pv_list *ret)
{
	const struct pv_rule *rl = &e->m->c[ci].r[ri];
	struct pv_list cur = { 0 };
	int i, r;

	r = list_append(&cur, in);
	for (i = 0; i < rl->n && !r && cur.n; i++) {
		if (rl->s[i].kind == PV_S_VERDICT || rl->s[i].kind == PV_S_VMAP ||
		    rl->s[i].kind == PV_S_SET_MAP)
			r = tag(e, &cur, ci, ri);
		if (!r)
			r = rule_step(e, &rl->s[i], &cur, next, ret);
	}
	if (!r)
		r = list_append(next, &cur);
	free(cur.v);
	return r;
}

static int eval_chain(struct ev *e, int ci, struct pv_list *in, struct pv_list *ret)
{
	const struct pv_chain *c = &e->m->c[ci];
	struct pv_list cur = { 0 }, next;
	int i, r;

	if (ci < 0 || ci >= e->m->n_chains)
		return -EINVAL;
	if (++e->depth > PV_DEPTH_MAX)
		return -ELOOP;
	if (e->depth > e->res->depth_max)
		e->res->depth_max = e->depth;
	r = list_append(&cur, in);
	for (i = 0; i < c->n && !r && cur.n; i++) {
		memset(&next, 0, sizeof(next));
		r = eval_rule(e, ci, i, &cur, &next, ret);
		if (e->res->approx && next.n > PV_SET_EXACT)
			prune(&next);
		free(cur.v);
		cur = next;
	}
	if (!r && c->hook && !c->policy_drop)
		r = list_append(&e->acc, &cur);
	else if (!r && !c->hook)
		r = list_append(ret, &cur);
	free(cur.v);
	e->depth--;
	return r;
}

/* The base chains of one hook in priority order; in is replaced by what they all accept. */
static int eval_hook(struct ev *e, enum pv_hook h, struct pv_list *in)
{
	struct pv_list none = { 0 };
	int prio = -0x7fffffff - 1, i, best, r = 0;

	for (;;) {
		best = -1;
		for (i = 0; i < e->m->n_chains; i++)
			if (e->m->c[i].hook == h && e->m->c[i].prio > prio &&
			    (best < 0 || e->m->c[i].prio < e->m->c[best].prio))
				best = i;
		if (best < 0)
			break;
		prio = e->m->c[best].prio;
		e->acc.n = 0;
		r = eval_chain(e, best, in, &none);
		if (r < 0)
			break;
		in->n = 0;
		if (e->res->approx)
			prune(&e->acc);
		r = list_append(in, &e->acc);
		if (r < 0)
			break;
	}
	free(none.v);
	return r;
}

int pv_eval(const struct pv_model *m, enum pv_hook hook, const struct pv_box *start,
	    struct pv_result *res)
{
	struct ev e = { .m = m, .res = res };
	struct pv_list in = { 0 };
	size_t i;
	int r;

	r = list_push(&in, start, &(struct pv_state){ .how = PV_V_ACCEPT });
	if (!r && hook != PV_H_OUTPUT)
		r = eval_hook(&e, PV_H_PREROUTING, &in);
	if (!r)
		r = eval_hook(&e, hook, &in);
	for (i = 0; i < in.n && !r; i++)
		r = result_add(res, &in.v[i]);
	free(in.v);
	free(e.acc.v);
	return r;
}
