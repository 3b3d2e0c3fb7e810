# The milter bridge against libmilter + miltertest.
check_PROGRAMS += tests/milter_harness
tests_milter_harness_SOURCES = tests/milter_harness.c daemon/milter.c daemon/milter.h \
	daemon/sockperm.c daemon/sockperm.h
tests_milter_harness_CFLAGS = $(AM_CFLAGS) $(DEP_CFLAGS) -I$(top_srcdir)/daemon
tests_milter_harness_LDADD = libmxvet.a $(DEP_LIBS) $(MILTER_LIBS)
TESTS += tests/milter-bridge.sh
EXTRA_DIST += tests/milter-bridge.sh tests/milter-bridge.lua
check_PROGRAMS += tests/unit/test_milter_reply
TESTS += tests/unit/test_milter_reply tests/milter-e2e.sh tests/milter-unix.sh
EXTRA_DIST += tests/milter-e2e.sh tests/milter-unix.sh
tests_unit_test_milter_reply_SOURCES = tests/unit/test_milter_reply.c daemon/milter_reply.c \
	daemon/milter_reply.h
tests_unit_test_milter_reply_CFLAGS = $(UNIT_CFLAGS) -I$(top_srcdir)/daemon
tests_unit_test_milter_reply_LDADD = $(UNIT_LDADD)
# tests/milter-e2e.sh runs ./mxvetd
tests/milter-e2e.log: mxvetd
