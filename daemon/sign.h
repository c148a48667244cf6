/* SPDX-License-Identifier: GPL-2.0-only */
/* sign.h: signed evidence (R87, R106, R107) with Ed25519 through libcrypto.
 * The gateway's private key lives in the state directory (SIGN_KEY_FILE, mode 0400, the
 * daemon's user only); the auditor gets the public key (PEM, SubjectPublicKeyInfo) once and
 * verifies documents anywhere, without the daemon.
 *
 * A signed document is its text followed by one signature block:
 *   -----BEGIN SANSO SIGNATURE-----
 *   algorithm: ed25519
 *   key: <SHA-256 of the public key's DER, hex>
 *   signature: <base64 of the 64-byte signature of every byte before this block>
 *   -----END SANSO SIGNATURE-----
 * so a change of any byte of the text, the block or the key is found. */
#ifndef SANSO_SIGN_H
#define SANSO_SIGN_H

#include <stddef.h>
#include <stdio.h>

#define SIGN_KEY_FILE		"signing.key"
#define SIGN_PUB_MAX		512	/* PEM of an Ed25519 public key: ~113 bytes */
#define SIGN_KEYID_LEN		64	/* hex */
#define SIGN_BEGIN		"-----BEGIN SANSO SIGNATURE-----\n"
#define SIGN_END		"-----END SANSO SIGNATURE-----\n"

/* A new key in dir (never over an existing one: -EEXIST, pub then holds the existing key's
 * public key). pub: the public key, PEM. 0 or -errno. */
int sign_keygen(const char *dir, char *pub, size_t publen);
/* The public key of dir's key (PEM) and its id (hex). 0, -ENOENT (no key) or -errno. */
int sign_pubkey(const char *dir, char *pub, size_t publen, char id[SIGN_KEYID_LEN + 1]);
/* text, then its signature block by dir's key, to out. 0 or -errno. */
int sign_doc(const char *dir, const char *text, size_t len, FILE *out);
/* A message signed by dir's key: the signature in base64 (SIGN_B64_LEN chars) and the key's
 * id. 0, -ENOENT (no key) or -errno. For signed audit checkpoints (trail.c). */
#define SIGN_B64_LEN		88
int sign_msg(const char *dir, const void *msg, size_t len, char b64[SIGN_B64_LEN + 1],
	     char id[SIGN_KEYID_LEN + 1]);
/* Check a sign_msg() signature made by key id against a public key (PEM): 0, -EKEYREJECTED
 * (another key), -EBADMSG (does not match), -EINVAL (malformed). */
int sign_msg_verify(const char *pub_pem, const void *msg, size_t len, const char *b64,
		    const char *id);
/* Check a signed document against a public key (PEM). 0 valid; -EINVAL malformed (no or a
 * broken block), -EKEYREJECTED signed by another key, -EBADMSG the signature does not match
 * the text. *body_len: the signed text's length. why: one line. */
int sign_verify(const char *doc, size_t len, const char *pub_pem, size_t *body_len,
		char *why, size_t whylen);

#endif
