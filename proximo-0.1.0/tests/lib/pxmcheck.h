/**
 * @file pxmcheck.h
 * @brief The main() of every Check suite: TAP on stdout, exit status = failures.
 */
#ifndef PXMCHECK_H
#define PXMCHECK_H

#include <check.h>
#include <stdlib.h>

#define PXM_CHECK_MAIN(suite_fn)					\
	int								\
	main(void)							\
	{								\
		SRunner *sr = srunner_create(suite_fn());		\
		int failed;						\
									\
		srunner_set_tap(sr, "-");				\
		srunner_run_all(sr, CK_SILENT);				\
		failed = srunner_ntests_failed(sr);			\
		srunner_free(sr);					\
		return failed ? EXIT_FAILURE : EXIT_SUCCESS;		\
	}

#endif
