# The milter bridge against libmilter + miltertest.
check_PROGRAMS += tests/milter_harness
tests_milter_harness_SOURCES = tests/milter_harness.c daemon/milter.c daemon/milter.h \
	daemon/sockperm.c daemon/sockperm.h
tests_milter_harness_CFLAGS = $(AM_CFLAGS) $(DEP_CFLAGS) -I$(top_srcdir)/daemon
tests_milter_harness_LDADD = libmxvet.a $(DEP_LIBS) $(MILTER_LIBS)
TESTS += tests/milter-bridge.sh
EXTRA_DIST += tests/milter-bridge.sh tests/milter-bridge.lua
TESTS += tests/milter-e2e.sh tests/milter-unix.sh
EXTRA_DIST += tests/milter-e2e.sh tests/milter-unix.sh
# tests/milter-e2e.sh runs ./mxvetd
tests/milter-e2e.log: mxvetd
# A decision as each front end says it (policy answer, milter reply,
# header), and the skip_* exemptions.
check_PROGRAMS += tests/unit/test_decision
TESTS += tests/unit/test_decision
tests_unit_test_decision_SOURCES = tests/unit/test_decision.c daemon/decision.c \
	daemon/decision.h daemon/policy_answer.c daemon/policy_answer.h daemon/milter_reply.c \
	daemon/milter_reply.h daemon/exempt.c daemon/exempt.h
tests_unit_test_decision_CFLAGS = $(UNIT_CFLAGS) -I$(top_srcdir)/daemon
tests_unit_test_decision_LDADD = $(UNIT_LDADD)
