/* SPDX-License-Identifier: GPL-2.0-only */
/* delta.h: what differs between two compiled rulesets (ir.h), as the smallest change of
 * kernel objects that turns the first into the second: elements of the sets both have,
 * whole sets added or removed, and chains whose rules are replaced. nlbatch.h writes it as
 * one batch; the read-back checks exactly these objects.
 * Pure: no syscalls, no logging.
 *
 * Not expressible as a delta (delta.full, with the reason): a different table flag, chain
 * list (name, hook, priority, policy) or definition of a set both have. Elements of sets the
 * engine fills at run time (IR_SET_DYNAMIC) and meters are never compared: the kernel owns
 * them. Two elements with the same keys are the same when their data and comment are; their
 * timeouts are not compared (a timeout counts down; the absolute expiry is in the comment). */
#ifndef SANSO_DELTA_H
#define SANSO_DELTA_H

#include <stdbool.h>

#include "ir.h"

struct delta_elems {
	int set_old, set_new;		/* the same set in both rulesets */
	int *del, n_del;		/* element indices in the old set */
	int *add, n_add;		/* element indices in the new set */
};

struct ir_delta {
	bool full;			/* replace the whole table instead */
	const char *why;		/* static text: why it must be full */
	int *new_sets, n_new_sets;	/* indices in the new ruleset: created with their elements */
	int *gone_sets, n_gone_sets;	/* indices in the old ruleset: deleted */
	int *chains, n_chains;		/* same index in both: every rule replaced */
	struct delta_elems *el;
	int n_el;
	long n_changes;			/* elements, rules and sets touched */
};

/* old -> new. max_changes: more than that many changes is reported as full ("large").
 * Returns 0 (d filled, d->full possibly set) or -ENOMEM. */
int delta_compute(const struct ir_ruleset *old, const struct ir_ruleset *new, long max_changes,
		  struct ir_delta *d);
void delta_fini(struct ir_delta *d);	/* NULL-safe */

/* Are two rules the same to the kernel (statements, sets by name, comment)? */
bool delta_rule_same(const struct ir_ruleset *a, const struct ir_rule *x,
		     const struct ir_ruleset *b, const struct ir_rule *y);

#endif
