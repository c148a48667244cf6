/* SPDX-License-Identifier: GPL-2.0-only */
/* exact.h: test helper — a copy of an input in a heap buffer of exactly its size, so that
 * AddressSanitizer and valgrind catch a parser reading one byte too far. */
#ifndef SANSO_TEST_EXACT_H
#define SANSO_TEST_EXACT_H

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static inline uint8_t *dup_exact(const uint8_t *p, size_t len)
{
	uint8_t *b = malloc(len ? len : 1);

	ck_assert_ptr_nonnull(b);
	if (len)
		memcpy(b, p, len);
	return b;
}

#endif
