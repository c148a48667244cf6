/* SPDX-License-Identifier: GPL-2.0-only */
/* fuzz_pdiff.c: the policy-level difference (pdiff.h) of two arbitrary texts, the input split
 * at its first "\n%%\n" (no separator: the text against itself). Both renderings are written;
 * a policy against itself must give no change, parsed or validated. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "pdiff.h"

#define NOW 1790000000

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void render(const struct policy *a, const struct policy *b)
{
	struct pdiff d;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	if (pdiff_compute(a, b, &d) == 0 && (f = open_memstream(&buf, &len))) {
		(void)pdiff_print_text(&d, f, false);
		(void)pdiff_print_text(&d, f, true);
		(void)pdiff_print_json(&d, f);
		fclose(f);
	}
	if (a == b && d.n_changes)
		abort();		/* a policy differs from itself */
	pdiff_fini(&d);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policy *p[2] = { NULL, NULL };
	char *text, *sep, *t[2];
	struct diag d;
	int i;

	if (size > 1 << 16)
		return 0;
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	sep = strstr(text, "\n%%\n");
	t[0] = text;
	t[1] = text;
	if (sep) {
		*sep = '\0';
		t[1] = sep + 4;
	}
	diag_init(&d);
	for (i = 0; i < 2; i++) {
		if (conf_load_string("fuzz.conf", t[i], &p[i], &d) < 0)
			p[i] = NULL;
	}
	for (i = 0; i < 2; i++) {
		if (p[i])
			render(p[i], p[i]);
	}
	if (p[0] && p[1]) {
		render(p[0], p[1]);
		if (policy_validate(p[0], NOW, &d) == 0 && policy_validate(p[1], NOW, &d) == 0) {
			render(p[0], p[1]);
			render(p[1], p[1]);
		}
	}
	policy_free(p[0]);
	policy_free(p[1]);
	diag_fini(&d);
	free(text);
	return 0;
}
