// SPDX-License-Identifier: GPL-2.0-only
/* sign.c: Ed25519 signed evidence through libcrypto; see sign.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include "sign.h"

#define SIG_LEN		64
#define SIG_B64_LEN	SIGN_B64_LEN	/* 4 * ceil(64 / 3) */

static void key_path(const char *dir, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", dir, SIGN_KEY_FILE);
}

static EVP_PKEY *key_load(const char *dir)
{
	char path[4096];
	EVP_PKEY *k = NULL;
	FILE *f;

	key_path(dir, path, sizeof(path));
	f = fopen(path, "re");
	if (!f)
		return NULL;
	k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (k && EVP_PKEY_get_id(k) != EVP_PKEY_ED25519) {
		EVP_PKEY_free(k);
		k = NULL;
	}
	return k;
}

/* PEM of k's public key into pub; its id (SHA-256 of the DER, hex) into id if not NULL. */
static int pub_of(EVP_PKEY *k, char *pub, size_t publen, char *id)
{
	unsigned char *der = NULL, dg[SHA256_DIGEST_LENGTH];
	BIO *b = BIO_new(BIO_s_mem());
	int n, i, r = -ENOMEM;
	char *data;
	long len;

	if (!b || !PEM_write_bio_PUBKEY(b, k))
		goto out;
	len = BIO_get_mem_data(b, &data);
	if (len <= 0 || (size_t)len >= publen)
		goto out;
	memcpy(pub, data, (size_t)len);
	pub[len] = '\0';
	n = i2d_PUBKEY(k, &der);
	if (n <= 0)
		goto out;
	SHA256(der, (size_t)n, dg);
	for (i = 0; id && i < SHA256_DIGEST_LENGTH; i++)
		snprintf(id + 2 * i, 3, "%02x", dg[i]);
	r = 0;
out:
	OPENSSL_free(der);
	BIO_free(b);
	return r;
}

int sign_pubkey(const char *dir, char *pub, size_t publen, char id[SIGN_KEYID_LEN + 1])
{
	EVP_PKEY *k = key_load(dir);
	int r;

	if (!k)
		return -ENOENT;
	r = pub_of(k, pub, publen, id);
	EVP_PKEY_free(k);
	return r;
}

int sign_keygen(const char *dir, char *pub, size_t publen)
{
	char path[4096], tmp[4200];
	EVP_PKEY *k = NULL;
	FILE *f = NULL;
	int fd, r;

	if (sign_pubkey(dir, pub, publen, NULL) == 0)
		return -EEXIST;
	key_path(dir, path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	(void)unlink(tmp);
	k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	fd = k ? open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0400) : -1;
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	r = !k ? -ENOMEM : fd < 0 ? -errno : !f ? -ENOMEM : 0;
	if (r == 0 && (!PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL) || fflush(f) ||
		       fsync(fileno(f))))
		r = -EIO;
	if (f ? fclose(f) : fd >= 0 ? close(fd) : 0)
		r = r ? r : -EIO;
	if (r == 0 && link(tmp, path) < 0)	/* never over a key that appeared meanwhile */
		r = -errno;
	(void)unlink(tmp);
	if (r == 0)
		r = pub_of(k, pub, publen, NULL);
	EVP_PKEY_free(k);
	return r;
}

int sign_doc(const char *dir, const char *text, size_t len, FILE *out)
{
	unsigned char sig[SIG_LEN], b64[SIG_B64_LEN + 1];
	char pub[SIGN_PUB_MAX], id[SIGN_KEYID_LEN + 1];
	EVP_PKEY *k = key_load(dir);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t sl = sizeof(sig);
	char *nl = NULL;
	int r = -ENOMEM;

	if (len && text[len - 1] != '\n') {	/* the block starts a line: sign that newline */
		nl = malloc(len + 1);
		if (!nl)
			goto out;
		memcpy(nl, text, len);
		nl[len++] = '\n';
		text = nl;
	}
	if (!k) {
		r = -ENOENT;
		goto out;
	}
	if (!ctx || pub_of(k, pub, sizeof(pub), id) < 0)
		goto out;
	if (EVP_DigestSignInit(ctx, NULL, NULL, NULL, k) != 1 ||
	    EVP_DigestSign(ctx, sig, &sl, (const unsigned char *)text, len) != 1 || sl != SIG_LEN) {
		r = -EIO;
		goto out;
	}
	EVP_EncodeBlock(b64, sig, SIG_LEN);
	fwrite(text, 1, len, out);
	fprintf(out, "%salgorithm: ed25519\nkey: %s\nsignature: %s\n%s", SIGN_BEGIN, id, b64,
		SIGN_END);
	r = ferror(out) ? -EIO : 0;
out:
	free(nl);
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(k);
	return r;
}

/* The last signature block of doc: its offset, or -1. */
static long block_at(const char *doc, size_t len)
{
	size_t bl = strlen(SIGN_BEGIN);
	long i;

	for (i = (long)len - (long)bl; i >= 0; i--) {
		if ((i == 0 || doc[i - 1] == '\n') && !memcmp(doc + i, SIGN_BEGIN, bl))
			return i;
	}
	return -1;
}

static EVP_PKEY *pub_load(const char *pem)
{
	BIO *b = BIO_new_mem_buf(pem, -1);
	EVP_PKEY *k = b ? PEM_read_bio_PUBKEY(b, NULL, NULL, NULL) : NULL;

	BIO_free(b);
	if (k && EVP_PKEY_get_id(k) != EVP_PKEY_ED25519) {
		EVP_PKEY_free(k);
		k = NULL;
	}
	return k;
}

/* The block's fields: key id and the signature (exactly its expected form). */
static int block_parse(const char *blk, size_t len, char id[SIGN_KEYID_LEN + 1],
		       unsigned char sig[SIG_LEN])
{
	char b64[SIG_B64_LEN + 1], copy[512], again[512];
	unsigned char raw[SIG_B64_LEN];

	if (len >= sizeof(copy))
		return -EINVAL;
	memcpy(copy, blk, len);
	copy[len] = '\0';
	if (sscanf(copy, SIGN_BEGIN "algorithm: ed25519\nkey: %64[0-9a-f]\nsignature: %88[A-Za-z0-9+/=]",
		   id, b64) != 2 || strlen(id) != SIGN_KEYID_LEN || strlen(b64) != SIG_B64_LEN)
		return -EINVAL;
	/* exactly the form sign_doc() writes, byte for byte: nothing added, nothing left out */
	snprintf(again, sizeof(again), SIGN_BEGIN "algorithm: ed25519\nkey: %s\nsignature: %s\n"
		 SIGN_END, id, b64);
	if (strcmp(again, copy))
		return -EINVAL;
	if (EVP_DecodeBlock(raw, (const unsigned char *)b64, SIG_B64_LEN) != 66)
		return -EINVAL;		/* 64 bytes and 2 of padding */
	memcpy(sig, raw, SIG_LEN);
	return 0;
}

int sign_verify(const char *doc, size_t len, const char *pub_pem, size_t *body_len,
		char *why, size_t whylen)
{
	char id[SIGN_KEYID_LEN + 1], want[SIGN_KEYID_LEN + 1], pub[SIGN_PUB_MAX];
	unsigned char sig[SIG_LEN];
	long at = block_at(doc, len);
	EVP_PKEY *k = pub_load(pub_pem);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int r = -EINVAL;

	snprintf(why, whylen, "no signature block");
	if (at < 0 || !k || !ctx) {
		if (!k)
			snprintf(why, whylen, "the key is not an Ed25519 public key (PEM)");
		goto out;
	}
	if (block_parse(doc + at, len - (size_t)at, id, sig) < 0) {
		snprintf(why, whylen, "the signature block is malformed");
		goto out;
	}
	*body_len = (size_t)at;
	if (pub_of(k, pub, sizeof(pub), want) < 0 || strcmp(id, want)) {
		snprintf(why, whylen, "signed by another key (%.16s...), not this one (%.16s...)", id,
			 want);
		r = -EKEYREJECTED;
		goto out;
	}
	if (EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, k) != 1 ||
	    EVP_DigestVerify(ctx, sig, SIG_LEN, (const unsigned char *)doc, (size_t)at) != 1) {
		snprintf(why, whylen, "the signature does not match the text: it was changed");
		r = -EBADMSG;
		goto out;
	}
	snprintf(why, whylen, "signature valid (key %s)", id);
	r = 0;
out:
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(k);
	return r;
}

/* The signature of msg by k, in base64. */
static int sign_raw(EVP_PKEY *k, const void *msg, size_t len, char b64[SIG_B64_LEN + 1])
{
	unsigned char sig[SIG_LEN];
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t sl = sizeof(sig);
	int r = -EIO;

	if (!ctx)
		return -ENOMEM;
	if (EVP_DigestSignInit(ctx, NULL, NULL, NULL, k) == 1 &&
	    EVP_DigestSign(ctx, sig, &sl, msg, len) == 1 && sl == SIG_LEN) {
		EVP_EncodeBlock((unsigned char *)b64, sig, SIG_LEN);
		r = 0;
	}
	EVP_MD_CTX_free(ctx);
	return r;
}

int sign_msg(const char *dir, const void *msg, size_t len, char b64[SIGN_B64_LEN + 1],
	     char id[SIGN_KEYID_LEN + 1])
{
	char pub[SIGN_PUB_MAX];
	EVP_PKEY *k = key_load(dir);
	int r;

	if (!k)
		return -ENOENT;
	r = pub_of(k, pub, sizeof(pub), id);
	if (r == 0)
		r = sign_raw(k, msg, len, b64);
	EVP_PKEY_free(k);
	return r;
}

int sign_msg_verify(const char *pub_pem, const void *msg, size_t len, const char *b64,
		    const char *id)
{
	unsigned char raw[SIG_B64_LEN];
	char pub[SIGN_PUB_MAX], want[SIGN_KEYID_LEN + 1];
	EVP_PKEY *k = pub_load(pub_pem);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int r = -EINVAL;

	if (!k || !ctx || strlen(b64) != SIG_B64_LEN ||
	    EVP_DecodeBlock(raw, (const unsigned char *)b64, SIG_B64_LEN) != SIG_LEN + 2)
		goto out;
	r = -EKEYREJECTED;
	if (pub_of(k, pub, sizeof(pub), want) < 0 || strcmp(id, want))
		goto out;
	r = EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, k) == 1 &&
	    EVP_DigestVerify(ctx, raw, SIG_LEN, msg, len) == 1 ? 0 : -EBADMSG;
out:
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(k);
	return r;
}
