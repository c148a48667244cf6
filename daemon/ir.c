/* SPDX-License-Identifier: GPL-2.0-only */
/* ir.c: the compiled ruleset as plain data; see ir.h. Pure: no syscalls, no logging. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ir.h"

#define IR_CHAINS_MAX	4096
#define IR_SETS_MAX	4096
#define IR_RULES_MAX	65536
#define IR_ELEMS_MAX	(16 * 1024 * 1024)

/* nft datatype ids (nftables include/datatype.h): they only matter for `nft list`. */
static const struct ir_field_info fields[F_FIELD_MAX] = {
	[F_IIFNAME]	= { "iifname",		"ifname",	41, 16, true },
	[F_OIFNAME]	= { "oifname",		"ifname",	41, 16, true },
	[F_ETHER_SADDR]	= { "ether saddr",	"ether_addr",	9, 6, false },
	[F_IP_SADDR]	= { "ip saddr",		"ipv4_addr",	7, 4, false },
	[F_IP_DADDR]	= { "ip daddr",		"ipv4_addr",	7, 4, false },
	[F_IP6_SADDR]	= { "ip6 saddr",	"ipv6_addr",	8, 16, false },
	[F_IP6_DADDR]	= { "ip6 daddr",	"ipv6_addr",	8, 16, false },
	[F_L4PROTO]	= { "meta l4proto",	"inet_proto",	12, 1, false },
	[F_TH_DPORT]	= { "th dport",		"inet_service",	13, 2, false },
	[F_TH_SPORT]	= { "th sport",		"inet_service",	13, 2, false },
	[F_ICMPV6_TYPE]	= { "icmpv6 type",	"icmpv6_type",	29, 1, false },
	[F_CT_MARK]	= { "ct mark",		"mark",		19, 4, true },
	[F_CT_DIRECTION] = { "ct direction",	"ct_dir",	27, 1, false },
};

const struct ir_field_info *ir_field(enum ir_field f)
{
	return &fields[f];
}

static size_t pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

size_t ir_key_len(const enum ir_field *f, int n)
{
	size_t len = 0;
	int i;

	if (n == 1)		/* a single field is not padded (nft does the same) */
		return fields[f[0]].len;
	for (i = 0; i < n; i++)
		len += pad4(fields[f[i]].len);
	return len;
}

/* Strings of a ruleset: a node per ruleset that added some, linked to the node of the
 * ruleset it was copied from. A node shared by copies is frozen: an ir_str() on a ruleset
 * whose node is shared starts a new node in front of it. */
struct ir_strs {
	int refs;
	struct ir_strs *parent;
	char **v;
	int n, cap;
};

static void strs_put(struct ir_strs *n)
{
	struct ir_strs *up;
	int i;

	for (; n && --n->refs == 0; n = up) {
		up = n->parent;
		for (i = 0; i < n->n; i++)
			free(n->v[i]);
		free(n->v);
		free(n);
	}
}

struct ir_ruleset *ir_new(void)
{
	return calloc(1, sizeof(struct ir_ruleset));
}

void ir_free(struct ir_ruleset *rs)
{
	int i;

	if (!rs)
		return;
	for (i = 0; i < rs->n_chains; i++)
		free(rs->chains[i].rules);
	for (i = 0; i < rs->n_sets; i++)
		free(rs->sets[i].recs);
	strs_put(rs->strs);
	free(rs->chains);
	free(rs->sets);
	free(rs);
}

struct ir_ruleset *ir_copy(const struct ir_ruleset *rs)
{
	struct ir_ruleset *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->table_flags = rs->table_flags;
	c->chains = calloc((size_t)rs->n_chains + 1, sizeof(*c->chains));
	c->sets = calloc((size_t)rs->n_sets + 1, sizeof(*c->sets));
	if (!c->chains || !c->sets)
		goto fail;
	c->cap_chains = rs->n_chains + 1;
	c->cap_sets = rs->n_sets + 1;
	for (; c->n_chains < rs->n_chains; c->n_chains++) {
		struct ir_chain *d = &c->chains[c->n_chains];
		const struct ir_chain *o = &rs->chains[c->n_chains];

		*d = *o;
		d->rules = malloc(((size_t)o->n_rules + 1) * sizeof(*d->rules));
		if (!d->rules)
			goto fail;
		if (o->n_rules)
			memcpy(d->rules, o->rules, (size_t)o->n_rules * sizeof(*d->rules));
		d->cap_rules = o->n_rules + 1;
	}
	for (; c->n_sets < rs->n_sets; c->n_sets++) {
		struct ir_set *d = &c->sets[c->n_sets];
		const struct ir_set *o = &rs->sets[c->n_sets];

		*d = *o;
		d->recs = malloc(((size_t)o->n_elems + 1) * o->rec_size);
		if (!d->recs)
			goto fail;
		if (o->n_elems)
			memcpy(d->recs, o->recs, (size_t)o->n_elems * o->rec_size);
		d->cap_elems = o->n_elems + 1;
	}
	c->strs = rs->strs;
	if (c->strs)
		c->strs->refs++;
	return c;
fail:
	ir_free(c);
	return NULL;
}

/* Grow *base (n used, *cap allocated) to hold one more element of size sz. */
static int grow(void **base, int n, int *cap, size_t sz, int max)
{
	void *v;
	int c;

	if (n < *cap)
		return 0;
	if (n >= max)
		return -E2BIG;
	c = *cap ? *cap * 2 : 16;
	if (c > max)
		c = max;
	v = realloc(*base, (size_t)c * sz);
	if (!v)
		return -ENOMEM;
	*base = v;
	*cap = c;
	return 0;
}

static int name_copy(char *dst, const char *src)
{
	size_t n = strlen(src);

	if (n == 0 || n >= IR_NAME_MAX)
		return -ENAMETOOLONG;
	memcpy(dst, src, n + 1);
	return 0;
}

int ir_chain_add(struct ir_ruleset *rs, const char *name, enum ir_hook hook, int prio,
		 bool policy_drop)
{
	struct ir_chain *c;
	int r;

	r = grow((void **)&rs->chains, rs->n_chains, &rs->cap_chains, sizeof(*c), IR_CHAINS_MAX);
	if (r < 0)
		return r;
	c = &rs->chains[rs->n_chains];
	memset(c, 0, sizeof(*c));
	r = name_copy(c->name, name);
	if (r < 0)
		return r;
	c->hook = hook;
	c->prio = prio;
	c->policy_drop = policy_drop;
	return rs->n_chains++;
}

int ir_set_add(struct ir_ruleset *rs, const char *name, const enum ir_field *key, int n_key,
	       enum ir_data data, uint32_t flags, const char *comment)
{
	struct ir_set *s;
	int r;

	if (n_key < 1 || n_key > IR_KEY_FIELDS_MAX || ir_key_len(key, n_key) > IR_KEY_MAX)
		return -EINVAL;
	r = grow((void **)&rs->sets, rs->n_sets, &rs->cap_sets, sizeof(*s), IR_SETS_MAX);
	if (r < 0)
		return r;
	s = &rs->sets[rs->n_sets];
	memset(s, 0, sizeof(*s));
	r = name_copy(s->name, name);
	if (r < 0)
		return r;
	memcpy(s->key, key, (size_t)n_key * sizeof(*key));
	s->n_key = n_key;
	s->data = data;
	s->flags = flags;
	if (comment)
		snprintf(s->comment, sizeof(s->comment), "%s", comment);
	s->id = rs->n_sets + 1;
	s->klen = ir_key_len(key, n_key);
	s->rec_size = (2 * s->klen + sizeof(struct ir_meta) + 7) & ~(size_t)7;
	return rs->n_sets++;
}

uint32_t ir_set_capacity(const struct ir_set *s)
{
	uint32_t cap = 16, want = (uint32_t)s->n_elems + (uint32_t)s->n_elems / 4 + 1;

	if (s->size || (s->flags & (IR_SET_INTERVAL | IR_SET_TIMEOUT | IR_SET_DYNAMIC)))
		return s->size;
	while (cap < want)
		cap *= 2;
	return cap;
}

static struct ir_meta *rec_meta(const struct ir_set *s, uint8_t *rec)
{
	return (struct ir_meta *)(rec + 2 * s->klen);
}

int ir_elem_add(struct ir_ruleset *rs, int set, const struct ir_elem *e)
{
	struct ir_set *s = &rs->sets[set];
	struct ir_meta m = { e->data, e->line, e->timeout_ms, e->origin, e->comment };
	uint8_t *rec;
	int r;

	r = grow((void **)&s->recs, s->n_elems, &s->cap_elems, s->rec_size, IR_ELEMS_MAX);
	if (r < 0)
		return r;
	rec = s->recs + (size_t)s->n_elems * s->rec_size;
	memcpy(rec, e->key, s->klen);
	memcpy(rec + s->klen, e->key_end, s->klen);
	memcpy(rec_meta(s, rec), &m, sizeof(m));
	return s->n_elems++;
}

void ir_elem_get(const struct ir_set *s, int i, struct ir_elem *ret)
{
	uint8_t *rec = s->recs + (size_t)i * s->rec_size;
	struct ir_meta m;

	memset(ret->key + s->klen, 0, IR_KEY_MAX - s->klen);
	memset(ret->key_end + s->klen, 0, IR_KEY_MAX - s->klen);
	memcpy(ret->key, rec, s->klen);
	memcpy(ret->key_end, rec + s->klen, s->klen);
	memcpy(&m, rec_meta(s, rec), sizeof(m));
	ret->data = m.data;
	ret->line = m.line;
	ret->timeout_ms = m.timeout_ms;
	ret->origin = m.origin;
	ret->comment = m.comment;
}

void ir_elem_del(struct ir_set *s, int i)
{
	uint8_t *rec = s->recs + (size_t)i * s->rec_size;

	memmove(rec, rec + s->rec_size, (size_t)(s->n_elems - i - 1) * s->rec_size);
	s->n_elems--;
}

int ir_rule_add(struct ir_ruleset *rs, int chain, const struct ir_rule *r)
{
	struct ir_chain *c = &rs->chains[chain];
	int e;

	e = grow((void **)&c->rules, c->n_rules, &c->cap_rules, sizeof(*r), IR_RULES_MAX);
	if (e < 0)
		return e;
	c->rules[c->n_rules] = *r;
	return c->n_rules++;
}

const char *ir_str(struct ir_ruleset *rs, const char *s)
{
	struct ir_strs *n = rs->strs;
	char *d;

	if (!s)
		return NULL;
	if (!n || n->refs > 1) {	/* none yet, or frozen: shared with a copy */
		n = calloc(1, sizeof(*n));
		if (!n)
			return NULL;
		n->refs = 1;
		n->parent = rs->strs;	/* our reference to it moves to the new node */
		rs->strs = n;
	}
	if (grow((void **)&n->v, n->n, &n->cap, sizeof(char *), IR_ELEMS_MAX))
		return NULL;
	d = strdup(s);
	if (!d)
		return NULL;
	n->v[n->n++] = d;
	return d;
}

/* Length of the UTF-8 sequence at s (1-4), 0 if it is not one. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n, i;

	if (s[0] < 0x80)
		return 1;
	n = s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 ? 2 : 0;
	if (n == 3 && s[0] > 0xef)
		n = 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	}
	return n;
}

char *ir_comment_clean(const char *in, char *buf, size_t len)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t o = 0, n, w, cut = 0;

	for (; *s; s += n ? n : 1) {
		n = utf8_len(s);
		w = n ? n : 1;
		if (o + w > len - 1) {
			memcpy(buf + cut, "...", 3);	/* the last boundary with room for it */
			o = cut + 3;
			break;
		}
		if (!n)
			buf[o] = '?';
		else if (*s == '"')
			buf[o] = '\'';
		else if (*s < 0x20 || *s == 0x7f)
			buf[o] = ' ';
		else
			memcpy(buf + o, s, n);
		o += w;
		if (o <= len - 4)
			cut = o;
	}
	buf[o] = '\0';
	return buf;
}

const char *ir_comment(struct ir_ruleset *rs, const char *fmt, ...)
{
	char raw[1024], clean[IR_STR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	return ir_str(rs, ir_comment_clean(raw, clean, sizeof(clean)));
}

int ir_chain_find(const struct ir_ruleset *rs, const char *name)
{
	int i;

	for (i = 0; i < rs->n_chains; i++) {
		if (!strcmp(rs->chains[i].name, name))
			return i;
	}
	return -1;
}

int ir_set_find(const struct ir_ruleset *rs, const char *name)
{
	int i;

	for (i = 0; i < rs->n_sets; i++) {
		if (!strcmp(rs->sets[i].name, name))
			return i;
	}
	return -1;
}

void ir_rule_init(struct ir_rule *r, const char *comment, int line)
{
	memset(r, 0, sizeof(*r));
	r->comment = comment;
	r->line = line;
}

struct ir_stmt *ir_stmt(struct ir_rule *r, enum ir_op op)
{
	struct ir_stmt *s;

	if (r->n >= IR_RULE_STMTS_MAX)
		return NULL;
	s = &r->s[r->n++];
	memset(s, 0, sizeof(*s));
	s->op = op;
	s->set = -1;
	return s;
}

size_t ir_put(uint8_t *key, size_t off, enum ir_field f, const void *val)
{
	size_t len = fields[f].len;

	memset(key + off, 0, pad4(len));
	memcpy(key + off, val, len);
	return off + pad4(len);
}

size_t ir_put_str(uint8_t *key, size_t off, enum ir_field f, const char *ifname)
{
	size_t len = fields[f].len, n = strnlen(ifname, len);

	memset(key + off, 0, pad4(len));
	memcpy(key + off, ifname, n);
	return off + pad4(len);
}

size_t ir_put_u32(uint8_t *key, size_t off, enum ir_field f, uint32_t v)
{
	uint8_t b[4];

	if (fields[f].host_order) {
		memcpy(b, &v, 4);
	} else if (fields[f].len == 1) {
		b[0] = (uint8_t)v;
	} else {
		b[0] = (uint8_t)(v >> 8);	/* 2-byte big-endian (ports) */
		b[1] = (uint8_t)v;
	}
	return ir_put(key, off, f, b);
}

static int rec_cmp(const void *a, const void *b, void *arg)
{
	return memcmp(a, b, *(const size_t *)arg);
}

/* Bytes field i of s takes in a key. */
static size_t span(const struct ir_set *s, int i)
{
	return s->n_key == 1 ? s->klen : pad4(fields[s->key[i]].len);
}

/* a and b are packed records: key at 0, key_end at klen. */
static bool range_meet(const struct ir_set *s, const uint8_t *a, const uint8_t *b)
{
	size_t off = 0, len;
	int i;

	for (i = 0; i < s->n_key; i++) {
		len = span(s, i);
		if (memcmp(a + off, b + s->klen + off, len) > 0 ||
		    memcmp(b + off, a + s->klen + off, len) > 0)
			return false;
		off += len;
	}
	return true;
}

int ir_set_check(struct ir_set *s, int *ret_a, int *ret_b)
{
	size_t klen = s->klen, l0 = span(s, 0);
	int i, j;

	if (s->n_elems < 2)
		return 0;
	for (i = 1; i < s->n_elems; i++) {	/* often built in order already: no sort then */
		if (rec_cmp(s->recs + (size_t)(i - 1) * s->rec_size,
			    s->recs + (size_t)i * s->rec_size, &klen) > 0)
			break;
	}
	if (i < s->n_elems)
		qsort_r(s->recs, (size_t)s->n_elems, s->rec_size, rec_cmp, &klen);
	for (i = 0; i < s->n_elems; i++) {
		const uint8_t *a = s->recs + (size_t)i * s->rec_size;

		for (j = i + 1; j < s->n_elems; j++) {
			const uint8_t *b = s->recs + (size_t)j * s->rec_size;

			if (!(s->flags & IR_SET_INTERVAL)) {
				if (memcmp(a, b, klen))
					break;
			} else if (memcmp(b, a + klen, l0) > 0) {
				break;	/* sorted by first field: no later element meets a */
			} else if (!range_meet(s, a, b)) {
				continue;
			}
			*ret_a = i;
			*ret_b = j;
			return -EEXIST;
		}
	}
	return 0;
}

static int range_cmp(const void *a, const void *b)
{
	const struct ir_elem *x = a, *y = b;

	return memcmp(x->key, y->key, 16);
}

int ir_ranges_merge(struct ir_elem *v, int n, size_t alen)
{
	int i, w = 0;

	if (n <= 0)
		return 0;
	qsort(v, (size_t)n, sizeof(*v), range_cmp);
	for (i = 0; i < n; i++) {
		if (w > 0 && memcmp(v[i].key, v[w - 1].key_end, alen) <= 0) {
			if (memcmp(v[i].key_end, v[w - 1].key_end, alen) > 0)
				memcpy(v[w - 1].key_end, v[i].key_end, alen);
			continue;
		}
		v[w++] = v[i];
	}
	return w;
}
