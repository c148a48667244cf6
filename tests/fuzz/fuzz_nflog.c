/* SPDX-License-Identifier: GPL-2.0-only */
/* fuzz_nflog.c: NFLOG netlink messages as they arrive on sansod's socket, each packet then
 * decoded and formatted as a flow-log line (no policy: names and zones unknown). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "flowlog.h"
#include "nflog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void on_pkt(void *arg, const struct nflog_pkt *p)
{
	struct flowlog_rec rec = { .prefix = p->prefix, .mark = p->mark, .has_mark = p->has_mark,
				   .in_iface = "a0", .out_iface = "", .payload = p->payload,
				   .payload_len = p->payload_len };
	struct flowlog_event ev;
	struct audit_fields f;

	(void)arg;
	if (strlen(p->prefix) >= sizeof(p->prefix))
		abort();
	if (flowlog_decode(NULL, NULL, &rec, &ev) == 0 &&
	    flowlog_fields(&ev, INT64_C(1796601600000000), &f) < 0)
		abort();	/* every decoded packet has a line */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t *m = malloc(size + 4);	/* aligned, as recvfrom's buffer is */

	if (!m)
		return 0;
	memcpy(m, data, size);
	(void)nflog_parse(m, size, on_pkt, NULL);
	free(m);
	return 0;
}
