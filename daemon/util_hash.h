/* SPDX-License-Identifier: GPL-2.0-only */
/* util_hash.h: FNV-1a, the one non-cryptographic hash of sanso (decision ids, name tables,
 * the engine's flow and learned-address tables, the read-back's element digests).
 * Pure, header-only (inline: the engine hashes on the hot path), no allocation.
 *
 * Contract: util_fnv32(h, data, len) folds len bytes of data into h and returns the new
 * state; start from UTIL_FNV32_BASIS. Chained calls hash the concatenation, so
 * util_fnv32(util_fnv32(B, a, n), b, m) == util_fnv32(B, a . b, n + m). util_fnv64 is the
 * same with the 64-bit parameters. Values are stable across builds and hosts: decision ids
 * derived from them are visible to operators and must not change. */
#ifndef SANSO_UTIL_HASH_H
#define SANSO_UTIL_HASH_H

#include <stddef.h>
#include <stdint.h>

#define UTIL_FNV32_BASIS	2166136261U
#define UTIL_FNV32_PRIME	16777619U
#define UTIL_FNV64_BASIS	14695981039346656037ULL
#define UTIL_FNV64_PRIME	1099511628211ULL

static inline uint32_t util_fnv32(uint32_t h, const void *data, size_t len)
{
	const uint8_t *b = data;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ b[i]) * UTIL_FNV32_PRIME;
	return h;
}

static inline uint64_t util_fnv64(uint64_t h, const void *data, size_t len)
{
	const uint8_t *b = data;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ b[i]) * UTIL_FNV64_PRIME;
	return h;
}

#endif
