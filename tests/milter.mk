# The milter bridge against libmilter + miltertest.
check_PROGRAMS += tests/milter_harness
tests_milter_harness_CFLAGS = $(AM_CFLAGS) $(DEP_CFLAGS)
tests_milter_harness_LDADD = $(DAEMON_LDADD)
TESTS += tests/milter-bridge.sh
EXTRA_DIST += tests/milter-bridge.sh tests/milter-bridge.lua
check_PROGRAMS += tests/unit/test_milter_reply
TESTS += tests/unit/test_milter_reply tests/milter-e2e.sh tests/milter-unix.sh
EXTRA_DIST += tests/milter-e2e.sh tests/milter-unix.sh
tests_unit_test_milter_reply_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_milter_reply_LDADD = daemon/libmxvetd.a $(UNIT_LDADD)
# tests/milter-e2e.sh runs ./mxvetd
tests/milter-e2e.log: mxvetd
