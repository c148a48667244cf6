/* SPDX-License-Identifier: GPL-2.0-only */
/* fuzz_dns.c: libFuzzer harness for dns_parse_answer(), dns_tcp_frame(), dns_answer_trace()
 * and dns_name_match(); the input is a DNS message (UDP payload), also tried as a TCP
 * stream. Checks that every index in a parsed answer is in range and every name is a
 * NUL-terminated host name. Seeds: tests/fuzz/corpus/dns/ (dnsmasq answers). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct dns_answer ans;

static void check_answer(const struct dns_answer *a)
{
	char again[DNS_NAME_MAX + 1];
	uint32_t ttl;
	unsigned int i;
	size_t n;

	if (a->n_names < 1 || a->n_names > DNS_NAMES_MAX || a->n_addrs > DNS_ADDRS_MAX ||
	    a->n_cnames > DNS_NAMES_MAX)
		abort();
	for (i = 0; i < a->n_names; i++) {
		n = strnlen(a->names[i], DNS_NAME_MAX + 1);
		if (n > DNS_NAME_MAX)
			abort();
		if (n && (dns_host_norm((const uint8_t *)a->names[i], n, again, sizeof(again)) !=
			  (int)n || strcmp(again, a->names[i])))
			abort();
	}
	for (i = 0; i < a->n_cnames; i++)
		if (a->cnames[i].owner >= a->n_names || a->cnames[i].target >= a->n_names)
			abort();
	for (i = 0; i < a->n_addrs; i++) {
		if (a->addrs[i].name >= a->n_names || a->addrs[i].ttl > 0x7fffffffU)
			abort();
		if (dns_answer_trace(a, i, &ttl) >= 0 && ttl > a->addrs[i].ttl)
			abort();
		if (!dns_name_match(a->names[a->addrs[i].name], a->names[a->addrs[i].name]))
			abort();
	}
	if (a->n_names > 1)
		(void)dns_name_match(a->names[1], a->names[0]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char qname[DNS_NAME_MAX + 1];
	uint16_t id, qtype;
	const uint8_t *msg;
	size_t len;

	if (dns_parse_answer(data, size, &ans) == 0)
		check_answer(&ans);
	if (dns_parse_query(data, size, &id, &qtype, qname) == 0 &&
	    (!qname[0] || strlen(qname) > DNS_NAME_MAX))
		abort();
	if (dns_tcp_frame(data, size, &msg, &len) > 0 && dns_parse_answer(msg, len, &ans) == 0)
		check_answer(&ans);
	return 0;
}
