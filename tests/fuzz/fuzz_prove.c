/* SPDX-License-Identifier: GPL-2.0-only */
/* fuzz_prove.c: the proof's reader of nft's JSON (prove_jtree.c, prove_json.c) and its
 * evaluator (prove.c) on arbitrary text, as `sansoctl prove --dump FILE` reads a file. A
 * small budget keeps each input short; -E2BIG is an answer, a crash or a leak is not. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "prove.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pv_result res = { .work_max = 1UL << 16 };
	struct pv_model m;
	struct pv_box b;
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	pv_model_init(&m);
	pv_model_ifindex(&m, "a");
	if (pv_json_load(&m, text) == 0) {
		pv_model_seal(&m);
		pv_box_full(&m, &b, 2);
		b.d[PV_CTSTATE].lo = b.d[PV_CTSTATE].hi = PV_CT_NEW;
		(void)pv_eval(&m, PV_H_FORWARD, &b, &res);
		pv_result_free(&res);
	}
	pv_model_free(&m);
	free(text);
	return 0;
}
