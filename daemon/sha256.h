/* SPDX-License-Identifier: GPL-2.0-only */
/* sha256.h: SHA-256 (FIPS 180-4), streaming (init/update/final) and one-shot, plus a
 * lower-case hex helper. Used by the audit trail's hash chain (audit.c).
 * Pure: no syscalls, no logging, no allocation. A context is not thread-safe. */
#ifndef SANSO_SHA256_H
#define SANSO_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_SIZE	32
#define SHA256_BLOCK_SIZE	64
#define SHA256_HEX_SIZE		(2 * SHA256_DIGEST_SIZE + 1)	/* 64 hex digits and a NUL */

struct sha256_ctx {
	uint32_t h[8];
	uint64_t len;				/* message bytes so far (the bit count is len * 8) */
	uint8_t buf[SHA256_BLOCK_SIZE];		/* partial block */
	size_t n;				/* bytes in buf, < SHA256_BLOCK_SIZE */
};

void sha256_init(struct sha256_ctx *c);
/* p may be NULL when len is 0. */
void sha256_update(struct sha256_ctx *c, const void *p, size_t len);
/* Writes the digest and wipes the context; sha256_init() it again to reuse it. */
void sha256_final(struct sha256_ctx *c, uint8_t out[SHA256_DIGEST_SIZE]);

/* One-shot digest of p[0..len). */
void sha256_buf(const void *p, size_t len, uint8_t out[SHA256_DIGEST_SIZE]);

/* 64 lower-case hex digits and a NUL. */
void sha256_hex(const uint8_t d[SHA256_DIGEST_SIZE], char out[SHA256_HEX_SIZE]);

#endif
