/* SPDX-License-Identifier: GPL-2.0-only */
/* printed.h: test helper — the normalized text of a policy (policy_print) in a heap string,
 * for the round-trip and golden comparisons of the conf and policy suites. */
#ifndef SANSO_TEST_PRINTED_H
#define SANSO_TEST_PRINTED_H

#include <check.h>
#include <stdio.h>
#include "policy.h"

static inline char *printed(const struct policy *p)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(policy_print(p, f), 0);
	ck_assert_int_eq(fclose(f), 0);
	return buf;
}

#endif
