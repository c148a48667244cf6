/* SPDX-License-Identifier: GPL-2.0-only */
/* sha256.h: SHA-256 (FIPS 180-4) of a buffer, computed by libcrypto (OpenSSL: hardware
 * instructions where the CPU has them), and its lower-case hex form. Used by the audit
 * trail's hash chain (audit.c) and the policy text's identity (conftext.c).
 * Pure: no syscalls, no logging, no allocation. */
#ifndef SANSO_SHA256_H
#define SANSO_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_SIZE	32
#define SHA256_BLOCK_SIZE	64
#define SHA256_HEX_SIZE		(2 * SHA256_DIGEST_SIZE + 1)	/* 64 hex digits and a NUL */

/* One-shot digest of p[0..len). */
void sha256_buf(const void *p, size_t len, uint8_t out[SHA256_DIGEST_SIZE]);

/* 64 lower-case hex digits and a NUL. */
void sha256_hex(const uint8_t d[SHA256_DIGEST_SIZE], char out[SHA256_HEX_SIZE]);

#endif
