/* SPDX-License-Identifier: GPL-2.0-only */
/* test_sha256.c: sha256 against the FIPS 180-2 appendix B / NIST CAVS vectors (empty, "abc",
 * the 448- and 896-bit messages, one million 'a') and the padding boundaries (lengths 0..200 folded into one digest,
 * computed with Python's hashlib). Inputs live in exact-size heap buffers. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "sha256.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

Suite *suite_sha256(void);

struct sha_vec {
	const char *msg;
	size_t repeat;			/* msg is repeated this many times */
	const char *hex;
};

static const struct sha_vec vecs[] = {
	{ "", 1, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
	{ "abc", 1, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
	{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 1,
	  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
	{ "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlm"
	  "nopqrsmnopqrstnopqrstu", 1,
	  "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1" },
	{ "a", 1000000, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0" },
};

static char *vec_message(const struct sha_vec *v, size_t *ret_len)
{
	size_t n = strlen(v->msg), len = n * v->repeat, i;
	char *b = malloc(len ? len : 1);

	ck_assert_ptr_nonnull(b);
	for (i = 0; i < v->repeat; i++)
		memcpy(b + i * n, v->msg, n);
	*ret_len = len;
	return b;
}

static void ck_digest(const uint8_t d[SHA256_DIGEST_SIZE], const char *want)
{
	char hex[SHA256_HEX_SIZE];

	sha256_hex(d, hex);
	ck_assert_str_eq(hex, want);
}

START_TEST(test_vectors_oneshot)
{
	const struct sha_vec *v = &vecs[_i];
	uint8_t d[SHA256_DIGEST_SIZE];
	size_t len;
	char *m = vec_message(v, &len);

	sha256_buf(m, len, d);
	ck_digest(d, v->hex);
	free(m);
}
END_TEST

/* Lengths 0..200 (every padding case: 55, 56, 63, 64, 119, 120, ...) of bytes (i*7+3) & 0xff;
 * the 201 digests, concatenated, hash to the value hashlib gives. */
START_TEST(test_padding_lengths)
{
	uint8_t *all = malloc(201 * SHA256_DIGEST_SIZE), *m;
	uint8_t d[SHA256_DIGEST_SIZE];
	size_t len, i;

	ck_assert_ptr_nonnull(all);
	for (len = 0; len <= 200; len++) {
		m = malloc(len ? len : 1);
		ck_assert_ptr_nonnull(m);
		for (i = 0; i < len; i++)
			m[i] = (uint8_t)(i * 7 + 3);
		sha256_buf(m, len, all + len * SHA256_DIGEST_SIZE);
		free(m);
	}
	sha256_buf(all, 201 * SHA256_DIGEST_SIZE, d);
	ck_digest(d, "3275febb4612d86d586eb9f11cd21e648a9fc7d95e0f6b8d362786e28c9c5b79");
	free(all);
}
END_TEST

START_TEST(test_hex)
{
	uint8_t d[SHA256_DIGEST_SIZE];
	char hex[SHA256_HEX_SIZE];
	int i;

	for (i = 0; i < SHA256_DIGEST_SIZE; i++)
		d[i] = (uint8_t)(i * 0x11 + 0x0f);
	memset(hex, 'x', sizeof(hex));
	sha256_hex(d, hex);
	ck_assert_uint_eq(strlen(hex), 64);
	ck_assert_str_eq(hex, "0f2031425364758697a8b9cadbecfd0e1f30415263748596a7b8c9daebfc0d1e");
}
END_TEST

Suite *suite_sha256(void)
{
	Suite *s = suite_create("sha256");
	TCase *tc = tcase_create("sha256");

	tcase_add_loop_test(tc, test_vectors_oneshot, 0, ARRAY_SIZE(vecs));
	tcase_add_test(tc, test_padding_lengths);
	tcase_add_test(tc, test_hex);
	suite_add_tcase(s, tc);
	return s;
}
