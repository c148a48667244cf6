/* SPDX-License-Identifier: GPL-2.0-only */
/* sha256.c: SHA-256 through libcrypto (OpenSSL), and its hex form; see sha256.h. */
#include <stdio.h>

#include <openssl/sha.h>

#include "sha256.h"

void sha256_buf(const void *p, size_t len, uint8_t out[SHA256_DIGEST_SIZE])
{
	static const uint8_t none;

	SHA256(p ? p : &none, len, out);
}

void sha256_hex(const uint8_t d[SHA256_DIGEST_SIZE], char out[SHA256_HEX_SIZE])
{
	static const char digits[] = "0123456789abcdef";
	int i;

	for (i = 0; i < SHA256_DIGEST_SIZE; i++) {
		out[2 * i] = digits[d[i] >> 4];
		out[2 * i + 1] = digits[d[i] & 15];
	}
	out[2 * SHA256_DIGEST_SIZE] = '\0';
}
