/* SPDX-License-Identifier: GPL-2.0-only */
/* tls.h: reassemble a TLS ClientHello from in-order TCP segments (it spans several once key
 * shares are post-quantum sized) and extract SNI, ALPN, ECH and supported_versions from it.
 * Pure: no syscalls, no logging, no allocation (struct tls_acc is caller-owned storage);
 * never reads past len; *ret is written only on success. Thread-compatible. */
#ifndef SANSO_TLS_H
#define SANSO_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TLS_ACC_SIZE		16384	/* bytes buffered per flow, record headers included */
#define TLS_HELLO_MAX		(TLS_ACC_SIZE - 5)	/* largest ClientHello accepted */
#define TLS_RECORDS_MAX		32	/* records one ClientHello may be spread over */
#define TLS_SNI_MAX		253
#define TLS_VERSIONS_MAX	8

#define TLS_EXT_SERVER_NAME	0x0000
#define TLS_EXT_ALPN		0x0010
#define TLS_EXT_PADDING		0x0015
#define TLS_EXT_SUPPORTED_VERSIONS 0x002b
#define TLS_EXT_ECH		0xfe0d

#define TLS_HELLO_SNI		(1U << 0)	/* server_name with one host_name: sni[] */
#define TLS_HELLO_ALPN		(1U << 1)	/* application_layer_protocol_negotiation */
#define TLS_HELLO_ECH		(1U << 2)	/* encrypted_client_hello: sni[] is only the
						 * outer (public) name, or ECH GREASE */
#define TLS_HELLO_VERSIONS	(1U << 3)	/* supported_versions present */

struct tls_hello {
	uint32_t flags;			/* TLS_HELLO_* */
	uint16_t record_version;	/* of the first record */
	uint16_t legacy_version;	/* ClientHello.legacy_version */
	uint16_t max_version;		/* highest offered: supported_versions, else legacy */
	uint8_t n_versions;		/* stored in versions[], GREASE values skipped */
	uint8_t n_alpn;			/* ALPN protocol names offered */
	uint16_t versions[TLS_VERSIONS_MAX];	/* client order */
	uint16_t n_ext;			/* extensions in the ClientHello */
	char sni[TLS_SNI_MAX + 1];	/* lowercased host name, "" without TLS_HELLO_SNI */
};

/* Per-flow reassembly of the client's first bytes. Embed it in the flow state; it needs
 * no cleanup. buf[0] has sequence number seq0; len bytes are contiguous. */
struct tls_acc {
	uint32_t seq0;
	uint32_t len;
	int32_t done;			/* > 0 complete (record bytes), < 0 sticky error */
	bool anchored;			/* seq0 is known */
	uint8_t buf[TLS_ACC_SIZE];
};

/* Start empty. seq0 is taken from the first segment that carries data. */
void tls_acc_init(struct tls_acc *a);

/* Start empty, expecting the stream at seq (the SYN's sequence number + 1), so that a
 * reordered later segment is recognised as such. */
void tls_acc_init_seq(struct tls_acc *a, uint32_t seq);

/* Add a segment's payload to the stream (generic: also for HTTP request headers).
 * Retransmitted bytes must equal what is buffered; bytes past TLS_ACC_SIZE are dropped.
 * Returns the contiguous length now buffered, -ERANGE if the segment starts beyond it (a
 * gap: nothing stored; drop the packet so the sender retransmits in order), or -EPROTO if
 * a retransmission contradicts buffered bytes. */
int tls_acc_append(struct tls_acc *a, uint32_t seq, const uint8_t *data, size_t len);

/* tls_acc_append(), then check for a complete ClientHello. Returns its length in record
 * bytes at a->buf once complete (then use tls_sni_parse(a->buf, r, ...); later calls return
 * the same), -EAGAIN while incomplete, -ERANGE for a gap as above, -EPROTO if the stream is
 * not a TLS ClientHello or is malformed, -EMSGSIZE if it exceeds TLS_ACC_SIZE. */
int tls_acc_feed(struct tls_acc *a, uint32_t seq, const uint8_t *data, size_t len);

/* Is this the start of a TLS handshake carrying a ClientHello? 1 yes (as far as the bytes
 * go), 0 no, -EAGAIN if len is 0. Cheap: looks at the first 6 bytes at most. */
int tls_is_client_hello(const uint8_t *p, size_t len);

/* Parse the ClientHello in the handshake record(s) at p; the handshake message may span up
 * to TLS_RECORDS_MAX records. Returns the record bytes it occupies (> 0), -EAGAIN if p holds
 * only part of it, -EMSGSIZE if it is larger than TLS_HELLO_MAX, -EPROTO if not TLS or
 * malformed: lengths that disagree, a repeated extension, a server_name list with other
 * than exactly one host_name, or a name that is not a valid host name. */
int tls_sni_parse(const uint8_t *p, size_t len, struct tls_hello *ret);

#endif /* SANSO_TLS_H */
