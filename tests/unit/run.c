/* SPDX-License-Identifier: GPL-2.0-only */
/* run.c: one Check runner for every tests/unit/test_<name>.c (each exports suite_<name>());
 * the Makefile generates suites.h from the file names. */
#include <check.h>
#include <stdlib.h>

#define SUITE(name) Suite *suite_##name(void);
#include "suites.h"
#undef SUITE

int main(void)
{
	SRunner *sr = srunner_create(NULL);
	int failed;

	/* the small Public Suffix List of the golden tests: exact, whatever the machine has */
	setenv("SANSO_PSL", "tests/golden/psl.dat", 0);

#define SUITE(name) srunner_add_suite(sr, suite_##name());
#include "suites.h"
#undef SUITE
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
