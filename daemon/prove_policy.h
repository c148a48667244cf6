/* SPDX-License-Identifier: GPL-2.0-only */
/* prove_policy.h: the kernel's reachability (nft JSON) against a validated policy. */
#ifndef SANSO_PROVE_POLICY_H
#define SANSO_PROVE_POLICY_H

#include <stdbool.h>
#include <stdio.h>

struct policy;

/* Prints the matrix and witnesses to out (text or JSON). Returns 0 proven, 1 a path the
 * policy does not allow, or -errno when the ruleset cannot be evaluated (why says so). */
int pv_prove(const struct policy *p, const char *json_text, FILE *out, bool json,
	     char *why, size_t whylen);

#endif
