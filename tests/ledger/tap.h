/**
 * @file tap.h
 * @brief Run a Check suite with TAP on stdout (for the automake TAP driver).
 */
#ifndef PXM_TESTS_LEDGER_TAP_H
#define PXM_TESTS_LEDGER_TAP_H

#include <check.h>
#include <stdlib.h>

static inline int
pxm_tap_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_set_tap(sr, "/dev/stdout");
	srunner_run_all(sr, CK_SILENT);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif
