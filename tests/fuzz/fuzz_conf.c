/* SPDX-License-Identifier: GPL-2.0-only */
/* fuzz_conf.c: the whole pure pipeline on arbitrary text: conf -> validate -> compile. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "compile.h"
#include "conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct comp_result *cr = NULL;
	struct policy *p = NULL;
	struct diag d;
	char *text;

	if (size > 1 << 16)
		return 0;
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	diag_init(&d);
	if (conf_load_string("fuzz.conf", text, &p, &d) == 0 &&
	    policy_validate(p, 1790000000, &d) == 0)
		(void)comp_build(p, 1790000000, &cr, &d);
	comp_result_free(cr);
	policy_free(p);
	diag_fini(&d);
	free(text);
	return 0;
}
