# The milter bridge against libmilter + miltertest.
check_PROGRAMS += tests/milter_harness
tests_milter_harness_CFLAGS = $(AM_CFLAGS) $(DEP_CFLAGS)
tests_milter_harness_LDADD = $(DAEMON_LDADD)
TESTS += tests/milter-bridge.sh
EXTRA_DIST += tests/milter-bridge.sh tests/milter-bridge.lua
TESTS += tests/milter-e2e.sh tests/milter-unix.sh
EXTRA_DIST += tests/milter-e2e.sh tests/milter-unix.sh
# tests/milter-e2e.sh runs ./mxvetd
tests/milter-e2e.log: mxvetd
# A SIGHUP or SIGTERM that lands on libmilter's signal thread reaches the
# loop (a reload, a drain) and never stops the milter.
TESTS += tests/milter-signals.sh
EXTRA_DIST += tests/milter-signals.sh
tests/milter-signals.log: mxvetd
# A decision as each front end says it (policy answer, milter reply,
# header), and the skip_* exemptions.
check_PROGRAMS += tests/unit/test_decision
TESTS += tests/unit/test_decision
tests_unit_test_decision_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_decision_LDADD = daemon/libmxvetd.a $(UNIT_LDADD)
