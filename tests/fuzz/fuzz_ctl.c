/* SPDX-License-Identifier: GPL-2.0-only */
/* fuzz_ctl.c: control messages as they arrive on the socket. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctl_req r;
	uint8_t *m = malloc(size ? size : 1);
	int i;

	if (!m)
		return 0;
	memcpy(m, data, size);
	if (ctl_req_parse(m, size, &r) == 0) {
		for (i = 0; i < r.n; i++) {
			if (!ctl_req_get(&r, r.key[i]) || strlen(r.val[i]) >= CTL_ARG_MAX)
				abort();
		}
	}
	free(m);
	return 0;
}
