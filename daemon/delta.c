/* SPDX-License-Identifier: GPL-2.0-only */
/* delta.c: the difference of two compiled rulesets; see delta.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "delta.h"

static bool str_same(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

static bool stmt_same(const struct ir_ruleset *a, const struct ir_stmt *x,
		      const struct ir_ruleset *b, const struct ir_stmt *y)
{
	bool has_set = x->op == OP_LOOKUP || x->op == OP_CTMARK_MAP || x->op == OP_VMAP ||
		       x->op == OP_METER_RATE || x->op == OP_METER_CONNS;

	if (x->op != y->op || x->n_f != y->n_f || x->neg != y->neg || x->value != y->value ||
	    x->aux != y->aux || x->plen != y->plen || !str_same(x->str, y->str) ||
	    memcmp(x->f, y->f, sizeof(x->f)) || memcmp(x->val, y->val, sizeof(x->val)))
		return false;
	if (!has_set)
		return true;
	if (x->set < 0 || y->set < 0 || x->set >= a->n_sets || y->set >= b->n_sets)
		return x->set == y->set;
	return !strcmp(a->sets[x->set].name, b->sets[y->set].name);
}

bool delta_rule_same(const struct ir_ruleset *a, const struct ir_rule *x,
		     const struct ir_ruleset *b, const struct ir_rule *y)
{
	int i;

	if (x->n != y->n || !str_same(x->comment, y->comment))
		return false;
	for (i = 0; i < x->n; i++) {
		if (!stmt_same(a, &x->s[i], b, &y->s[i]))
			return false;
	}
	return true;
}

static bool chain_same_def(const struct ir_chain *x, const struct ir_chain *y)
{
	return !strcmp(x->name, y->name) && x->hook == y->hook && x->prio == y->prio &&
	       x->policy_drop == y->policy_drop;
}

static bool set_same_def(const struct ir_set *x, const struct ir_set *y)
{
	return x->n_key == y->n_key && !memcmp(x->key, y->key, sizeof(x->key)) &&
	       x->data == y->data && x->flags == y->flags && x->timeout_ms == y->timeout_ms &&
	       ir_set_capacity(x) == ir_set_capacity(y) && !strcmp(x->comment, y->comment);
}

static int push(int **v, int *n, int x)
{
	int *p;

	if (!(*n & (*n - 1))) {		/* at 0, 1, 2, 4, ...: double */
		p = realloc(*v, (size_t)(*n ? *n * 2 : 1) * sizeof(int));
		if (!p)
			return -ENOMEM;
		*v = p;
	}
	(*v)[(*n)++] = x;
	return 0;
}

/* Packed records (ir.h): key, key_end, then struct ir_meta (unaligned). */
static const uint8_t *rec(const struct ir_set *s, int i)
{
	return s->recs + (size_t)i * s->rec_size;
}

static bool elem_same(const struct ir_set *s, const uint8_t *x, const uint8_t *y)
{
	struct ir_meta a, b;

	if (memcmp(x + s->klen, y + s->klen, s->klen))
		return false;
	memcpy(&a, x + 2 * s->klen, sizeof(a));
	memcpy(&b, y + 2 * s->klen, sizeof(b));
	return a.data == b.data && str_same(a.comment, b.comment) && !a.timeout_ms == !b.timeout_ms;
}

/* Both sets are sorted by key with unique keys (ir_set_check): merge them. An element whose
 * keys stay but whose data changes is deleted and added again in the same batch. */
static int elems_diff(const struct ir_set *so, const struct ir_set *sn, struct delta_elems *e)
{
	int i = 0, j = 0, c, r = 0;

	while (r >= 0 && (i < so->n_elems || j < sn->n_elems)) {
		c = i == so->n_elems ? 1 : j == sn->n_elems ? -1 :
		    memcmp(rec(so, i), rec(sn, j), so->klen);
		if (c < 0) {
			r = push(&e->del, &e->n_del, i++);
		} else if (c > 0) {
			r = push(&e->add, &e->n_add, j++);
		} else {
			if (!elem_same(so, rec(so, i), rec(sn, j))) {
				r = push(&e->del, &e->n_del, i);
				if (r >= 0)
					r = push(&e->add, &e->n_add, j);
			}
			i++;
			j++;
		}
	}
	return r;
}

static int sets_diff(const struct ir_ruleset *old, const struct ir_ruleset *new,
		     struct ir_delta *d)
{
	struct delta_elems *el;
	int i, k, r = 0;

	d->el = calloc((size_t)new->n_sets + 1, sizeof(*d->el));
	if (!d->el)
		return -ENOMEM;
	for (i = 0; i < new->n_sets && r >= 0 && !d->full; i++) {
		k = ir_set_find(old, new->sets[i].name);
		if (k < 0) {
			r = push(&d->new_sets, &d->n_new_sets, i);
			d->n_changes += 1 + new->sets[i].n_elems;
			continue;
		}
		if (!set_same_def(&old->sets[k], &new->sets[i])) {
			d->full = true;
			d->why = "a set changed its type, flags, size or comment";
			break;
		}
		if (new->sets[i].flags & (IR_SET_DYNAMIC | IR_SET_METER))
			continue;
		el = &d->el[d->n_el];
		el->set_old = k;
		el->set_new = i;
		r = elems_diff(&old->sets[k], &new->sets[i], el);
		d->n_changes += el->n_add + el->n_del;
		if (el->n_add || el->n_del) {
			d->n_el++;
			continue;
		}
		free(el->add);
		free(el->del);
		memset(el, 0, sizeof(*el));
	}
	for (i = 0; i < old->n_sets && r >= 0 && !d->full; i++) {
		if (ir_set_find(new, old->sets[i].name) < 0) {
			r = push(&d->gone_sets, &d->n_gone_sets, i);
			d->n_changes++;
		}
	}
	return r;
}

static int chains_diff(const struct ir_ruleset *old, const struct ir_ruleset *new,
		       struct ir_delta *d)
{
	const struct ir_chain *co, *cn;
	int i, j, r = 0;

	if (old->n_chains != new->n_chains) {
		d->full = true;
		d->why = "chains added or removed";
		return 0;
	}
	for (i = 0; i < new->n_chains && r >= 0; i++) {
		co = &old->chains[i];
		cn = &new->chains[i];
		if (!chain_same_def(co, cn)) {
			d->full = true;
			d->why = "a chain changed its name, hook, priority or policy";
			return 0;
		}
		for (j = 0; co->n_rules == cn->n_rules && j < cn->n_rules; j++) {
			if (!delta_rule_same(old, &co->rules[j], new, &cn->rules[j]))
				break;
		}
		if (co->n_rules == cn->n_rules && j == cn->n_rules)
			continue;
		r = push(&d->chains, &d->n_chains, i);
		d->n_changes += co->n_rules + cn->n_rules;
	}
	return r;
}

int delta_compute(const struct ir_ruleset *old, const struct ir_ruleset *new, long max_changes,
		  struct ir_delta *d)
{
	int r;

	memset(d, 0, sizeof(*d));
	if (old->table_flags != new->table_flags) {
		d->full = true;
		d->why = "the table flags changed";
		return 0;
	}
	r = chains_diff(old, new, d);
	if (r >= 0 && !d->full)
		r = sets_diff(old, new, d);
	if (r < 0) {
		delta_fini(d);
		return r;
	}
	if (!d->full && d->n_changes > max_changes) {
		d->full = true;
		d->why = "too many changes for a delta";
	}
	return 0;
}

void delta_fini(struct ir_delta *d)
{
	int i;

	if (!d)
		return;
	for (i = 0; d->el && i < d->n_el; i++) {
		free(d->el[i].add);
		free(d->el[i].del);
	}
	free(d->el);
	free(d->new_sets);
	free(d->gone_sets);
	free(d->chains);
	memset(d, 0, sizeof(*d));
}
