/* tap.h: run a Check suite with TAP output for Automake's tap-driver. */
#ifndef MXVET_TEST_TAP_H
#define MXVET_TEST_TAP_H

#include <check.h>
#include <stdlib.h>

static inline int tap_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	srunner_set_tap(sr, "-");
	srunner_run_all(sr, CK_SILENT);
	int nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif
