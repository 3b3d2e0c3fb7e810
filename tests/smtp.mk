# SMTP prober and domain history (issue 4): unit tests, prober tests
# against in-process loopback fakes, end-to-end tests of mxvet check and
# mxvet report (tests/smtp-e2e.sh: local-data DNS + tests/lab/fakesmtp.py),
# and the lab domains (tests/smtp-lab.sh).
SMTP_UNITS = tests/unit/test_smtp tests/unit/test_smtp_probe tests/unit/test_history \
	tests/unit/test_egress_guard tests/unit/test_probe_sched
check_PROGRAMS += $(SMTP_UNITS)
TESTS += $(SMTP_UNITS) tests/smtp-e2e.sh tests/smtp-lab.sh tests/smtp-blind.sh
EXTRA_DIST += tests/smtp-e2e.sh tests/smtp-lab.sh tests/smtp-blind.sh

tests_unit_test_smtp_SOURCES = tests/unit/test_smtp.c tests/unit/evfix.c tests/unit/evfix.h
tests_unit_test_smtp_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_smtp_LDADD = $(UNIT_LDADD)
tests_unit_test_smtp_probe_SOURCES = tests/unit/test_smtp_probe.c
tests_unit_test_smtp_probe_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_smtp_probe_LDADD = $(UNIT_LDADD)
tests_unit_test_probe_sched_SOURCES = tests/unit/test_probe_sched.c
tests_unit_test_probe_sched_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_probe_sched_LDADD = $(UNIT_LDADD)
tests_unit_test_history_SOURCES = tests/unit/test_history.c tests/unit/evfix.c tests/unit/evfix.h
tests_unit_test_history_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_history_LDADD = $(UNIT_LDADD)

# libFuzzer target for the greeting parser (run by tests/fuzz.sh).
FUZZ_SMTP_SRC = tests/fuzz/fuzz_smtp.c engine/smtp_greeting.c
EXTRA_DIST += $(FUZZ_SMTP_SRC) tests/fuzz/corpus/smtp
CLEANFILES += tests/fuzz/fuzz_smtp
if HAVE_CLANG
check_SCRIPTS += tests/fuzz/fuzz_smtp
tests/fuzz/fuzz_smtp: $(FUZZ_SMTP_SRC)
	@$(MKDIR_P) tests/fuzz
	$(AM_V_CC)$(CLANG) $(FUZZ_CFLAGS) -o $@ $^ $(DEP_LIBS)
endif
tests_unit_test_egress_guard_SOURCES = tests/unit/test_egress_guard.c
tests_unit_test_egress_guard_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_egress_guard_LDADD = $(UNIT_LDADD)
