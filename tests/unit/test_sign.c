// SPDX-License-Identifier: GPL-2.0-only
/* test_sign.c: signed evidence (sign.h): a document verifies with the gateway's public key;
 * one changed byte anywhere — text, signature, key id, the block's form — is found; another
 * key is named as such; the private key is 0400 and never overwritten. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sign.h"

static char dir_a[64], dir_b[64];

static void setup(void)
{
	snprintf(dir_a, sizeof(dir_a), "/tmp/sanso-sign-a-XXXXXX");
	snprintf(dir_b, sizeof(dir_b), "/tmp/sanso-sign-b-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir_a));
	ck_assert_ptr_nonnull(mkdtemp(dir_b));
}

static void rm_dir(const char *d)
{
	char p[128];

	snprintf(p, sizeof(p), "%s/%s", d, SIGN_KEY_FILE);
	(void)unlink(p);
	(void)rmdir(d);
}

static void teardown(void)
{
	rm_dir(dir_a);
	rm_dir(dir_b);
}

/* doc signed by dir's key: malloc'd, *len set */
static char *signed_doc(const char *dir, const char *text, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(sign_doc(dir, text, strlen(text), f), 0);
	fclose(f);
	return buf;
}

static int check(const char *doc, size_t len, const char *pub)
{
	char why[256];
	size_t body = 0;

	return sign_verify(doc, len, pub, &body, why, sizeof(why));
}

START_TEST(test_keygen)
{
	char pub[SIGN_PUB_MAX], pub2[SIGN_PUB_MAX], id[SIGN_KEYID_LEN + 1], path[128];
	struct stat st;

	ck_assert_int_eq(sign_pubkey(dir_a, pub, sizeof(pub), id), -ENOENT);
	ck_assert_int_eq(sign_keygen(dir_a, pub, sizeof(pub)), 0);
	ck_assert_ptr_nonnull(strstr(pub, "-----BEGIN PUBLIC KEY-----"));
	snprintf(path, sizeof(path), "%s/%s", dir_a, SIGN_KEY_FILE);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0400);
	ck_assert_int_eq(sign_keygen(dir_a, pub2, sizeof(pub2)), -EEXIST);	/* never replaced */
	ck_assert_str_eq(pub, pub2);
	ck_assert_int_eq(sign_pubkey(dir_a, pub2, sizeof(pub2), id), 0);
	ck_assert_str_eq(pub, pub2);
	ck_assert_int_eq(strlen(id), SIGN_KEYID_LEN);
}
END_TEST

START_TEST(test_tamper)
{
	const char *text = "# sanso dump\nchain forward { policy drop; }\n# sha256 00\n";
	char pub[SIGN_PUB_MAX], pub_b[SIGN_PUB_MAX], *doc, *t;
	size_t len, i, body = 0;
	char why[256];
	int bad = 0;

	ck_assert_int_eq(sign_keygen(dir_a, pub, sizeof(pub)), 0);
	ck_assert_int_eq(sign_keygen(dir_b, pub_b, sizeof(pub_b)), 0);
	doc = signed_doc(dir_a, text, &len);
	ck_assert_int_eq(sign_verify(doc, len, pub, &body, why, sizeof(why)), 0);
	ck_assert_int_eq(body, strlen(text));
	ck_assert_int_eq(check(doc, len, pub_b), -EKEYREJECTED);
	t = malloc(len + 2);
	ck_assert_ptr_nonnull(t);
	for (i = 0; i < len; i++) {		/* every single byte changed is found */
		memcpy(t, doc, len);
		t[i] ^= 0x01;
		bad += check(t, len, pub) != 0;
	}
	ck_assert_int_eq(bad, (int)len);
	memcpy(t, doc, len);			/* bytes added after the block */
	t[len] = 'x';
	ck_assert_int_eq(check(t, len + 1, pub), -EINVAL);
	ck_assert_int_eq(check(doc, len - 1, pub), -EINVAL);	/* the end cut off */
	ck_assert_int_eq(check(doc, strlen(text), pub), -EINVAL);	/* no block */
	ck_assert_int_eq(check(doc, len, "not a key"), -EINVAL);
	free(t);
	free(doc);
}
END_TEST

START_TEST(test_no_newline)
{
	char pub[SIGN_PUB_MAX], *doc;
	size_t len;

	ck_assert_int_eq(sign_keygen(dir_a, pub, sizeof(pub)), 0);
	doc = signed_doc(dir_a, "no newline at the end", &len);
	ck_assert_int_eq(check(doc, len, pub), 0);
	free(doc);
	doc = signed_doc(dir_a, "", &len);
	ck_assert_int_eq(check(doc, len, pub), 0);
	free(doc);
}
END_TEST

Suite *suite_sign(void);

Suite *suite_sign(void)
{
	Suite *s = suite_create("sign");
	TCase *tc = tcase_create("sign");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_keygen);
	tcase_add_test(tc, test_tamper);
	tcase_add_test(tc, test_no_newline);
	suite_add_tcase(s, tc);
	return s;
}
