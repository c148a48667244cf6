/* SPDX-License-Identifier: GPL-2.0-only */
/* fuzz_http.c: libFuzzer harness for http_host_parse(); the input is the start of a TCP
 * stream. Checks that a returned host is a NUL-terminated, lowercased host name of the
 * returned length. Seeds: tests/fuzz/corpus/http/ (curl requests from the captures). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char host[HTTP_HOST_MAX + 1], again[HTTP_HOST_MAX + 1];
	size_t i;
	int r;

	r = http_host_parse(data, size, host, sizeof(host));
	if (r < 0)
		return 0;
	if ((size_t)r != strlen(host) || r > HTTP_HOST_MAX)
		abort();
	for (i = 0; i < (size_t)r; i++)
		if (host[i] >= 'A' && host[i] <= 'Z')
			abort();
	if (dns_host_norm((const uint8_t *)host, (size_t)r, again, sizeof(again)) != r ||
	    strcmp(host, again))
		abort();
	return 0;
}
