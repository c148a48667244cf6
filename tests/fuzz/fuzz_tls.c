/* SPDX-License-Identifier: GPL-2.0-only */
/* fuzz_tls.c: libFuzzer harness for tls_acc_feed() and tls_sni_parse(). Input: one control
 * byte (seeds the segmentation: sizes, retransmitted overlaps, a start sequence number),
 * then the client's byte stream. Checks that reassembly over any segmentation agrees with
 * parsing the stream in one piece. Seeds: tests/fuzz/corpus/tls/ (ClientHellos). */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "tls.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct tls_acc acc;

static uint32_t next(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static void check_hello(const struct tls_hello *h)
{
	char again[TLS_SNI_MAX + 1];
	size_t n = strlen(h->sni);

	if (!(h->flags & TLS_HELLO_SNI) != !n || h->n_versions > TLS_VERSIONS_MAX)
		abort();
	if (n && dns_host_norm((const uint8_t *)h->sni, n, again, sizeof(again)) != (int)n)
		abort();
}

static bool same_hello(const struct tls_hello *a, const struct tls_hello *b)
{
	return a->flags == b->flags && a->record_version == b->record_version &&
	       a->legacy_version == b->legacy_version && a->max_version == b->max_version &&
	       a->n_versions == b->n_versions && a->n_alpn == b->n_alpn && a->n_ext == b->n_ext &&
	       !memcmp(a->versions, b->versions, sizeof(a->versions)) && !strcmp(a->sni, b->sni);
}

/* Feed the stream in pseudo-random segments, some starting one byte early (retransmitted
 * overlap). In order, so a gap (-ERANGE) never happens. */
static int feed(const uint8_t *s, size_t len, uint32_t seed)
{
	uint32_t seq0 = next(&seed), off = 0, k, from;
	int r = -EAGAIN;

	if (seed & 1)
		tls_acc_init_seq(&acc, seq0);
	else
		tls_acc_init(&acc);
	while (off < len && r == -EAGAIN) {
		k = 1 + next(&seed) % (seed & 2 ? 1500 : 64);
		if (k > len - off)
			k = (uint32_t)(len - off);
		from = off && (next(&seed) & 3) == 0 ? off - 1 : off;
		r = tls_acc_feed(&acc, seq0 + from, s + from, off + k - from);
		off += k;
	}
	if (r == -ERANGE)
		abort();
	return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tls_hello whole, re;
	int n, r, p;

	if (size < 1)
		return 0;
	n = tls_sni_parse(data + 1, size - 1, &whole);
	if (n > 0)
		check_hello(&whole);
	r = feed(data + 1, size - 1, 0x9e3779b9U * (data[0] + 1U));
	if (r > 0) {
		p = tls_sni_parse(acc.buf, (size_t)r, &re);
		if (p != n || (p > 0 && !same_hello(&re, &whole)))
			abort();
	} else if (n > 0 && n <= TLS_ACC_SIZE) {
		abort();		/* parsed in one piece but not reassembled */
	}
	if (r == -EAGAIN && n != -EAGAIN && n != -EMSGSIZE)
		abort();		/* the whole stream is complete but feeding wants more */
	return 0;
}
