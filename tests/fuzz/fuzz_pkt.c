/* SPDX-License-Identifier: GPL-2.0-only */
/* fuzz_pkt.c: libFuzzer harness for pkt_parse(); the input is one raw IP packet.
 * Besides the sanitizers, checks that a successful parse describes bytes inside the input.
 * Seeds: tests/fuzz/corpus/pkt/ (packets of tests/unit/data/pcap/). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "pkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pkt_hdrs h;

	if (pkt_parse(data, size, &h) < 0)
		return 0;
	if (h.payload_off != (uint32_t)h.l3_len + h.l4_len ||
	    h.payload_off + (size_t)h.payload_len > size || h.payload_len > h.payload_tot ||
	    h.payload_off + (size_t)h.payload_tot > h.ip_len)
		abort();
	if ((h.flags & PKT_F_FRAG_LATER) && (h.flags & PKT_F_L4))
		abort();
	if ((h.flags & PKT_F_L4) != !!h.l4_len * PKT_F_L4)
		abort();
	if (h.family != AF_INET && h.family != AF_INET6)
		abort();
	return 0;
}
