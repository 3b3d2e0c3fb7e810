# The milter bridge against libmilter + miltertest.
check_PROGRAMS += tests/milter_harness
tests_milter_harness_SOURCES = tests/milter_harness.c daemon/milter.c daemon/milter.h
tests_milter_harness_CFLAGS = $(AM_CFLAGS) $(DEP_CFLAGS) -I$(top_srcdir)/daemon
tests_milter_harness_LDADD = libmxvet.a $(DEP_LIBS) $(MILTER_LIBS)
TESTS += tests/milter-bridge.sh
EXTRA_DIST += tests/milter-bridge.sh tests/milter-bridge.lua
