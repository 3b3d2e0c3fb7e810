# Tests: every test speaks TAP (Check units via srunner_set_tap, shell
# integration tests directly), so the harness counts test cases.
LOG_DRIVER = env AM_TAP_AWK='$(AWK)' $(SHELL) $(top_srcdir)/build-aux/tap-driver.sh
AM_LOG_DRIVER_FLAGS = --ignore-exit
TEST_EXTENSIONS = .sh .py
SH_LOG_DRIVER = $(LOG_DRIVER)
SH_LOG_DRIVER_FLAGS = --ignore-exit
PY_LOG_COMPILER = python3
PY_LOG_DRIVER = $(LOG_DRIVER)
PY_LOG_DRIVER_FLAGS = --ignore-exit
AM_TESTS_ENVIRONMENT = top_srcdir='$(abs_top_srcdir)'; top_builddir='$(abs_top_builddir)'; \
	export top_srcdir top_builddir; \
	ASAN_OPTIONS=halt_on_error=1:detect_leaks=1; UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1; \
	CK_TIMEOUT_MULTIPLIER=$${CK_TIMEOUT_MULTIPLIER:-3}; \
	export ASAN_OPTIONS UBSAN_OPTIONS CK_TIMEOUT_MULTIPLIER;

UNIT_CFLAGS = $(AM_CFLAGS) $(DEP_CFLAGS) $(CHECK_CFLAGS)
UNIT_LDADD = libmxvet.a $(DEP_LIBS) $(CHECK_LIBS)
EXTRA_DIST += tests/unit/tap.h

check_PROGRAMS += tests/unit/test_netaddr tests/unit/test_addr_policy tests/unit/test_config \
	tests/unit/test_dname tests/unit/test_checks_domain tests/unit/test_checks_mx \
	tests/unit/test_verdict tests/unit/test_unbound_upstreams
TESTS += tests/unit/test_netaddr tests/unit/test_addr_policy tests/unit/test_config \
	tests/unit/test_dname tests/unit/test_checks_domain tests/unit/test_checks_mx \
	tests/unit/test_verdict tests/unit/test_unbound_upstreams

tests_unit_test_netaddr_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_netaddr_LDADD = $(UNIT_LDADD)
tests_unit_test_addr_policy_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_addr_policy_LDADD = $(UNIT_LDADD)
tests_unit_test_config_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_config_LDADD = $(UNIT_LDADD)
tests_unit_test_dname_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_dname_LDADD = $(UNIT_LDADD)
tests_unit_test_checks_domain_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_checks_domain_LDADD = $(UNIT_LDADD)
tests_unit_test_checks_domain_SOURCES = tests/unit/test_checks_domain.c tests/unit/evfix.c tests/unit/evfix.h
tests_unit_test_checks_mx_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_checks_mx_LDADD = $(UNIT_LDADD)
tests_unit_test_checks_mx_SOURCES = tests/unit/test_checks_mx.c tests/unit/evfix.c tests/unit/evfix.h
tests_unit_test_unbound_upstreams_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_unbound_upstreams_LDADD = $(UNIT_LDADD)
tests_unit_test_verdict_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_verdict_LDADD = $(UNIT_LDADD)
tests_unit_test_verdict_SOURCES = tests/unit/test_verdict.c tests/unit/evfix.c tests/unit/evfix.h

# start-up checks: endpoints, IPv4-mapped clients, config_check rows
check_PROGRAMS += tests/unit/test_endpoint tests/unit/test_config_check
TESTS += tests/unit/test_endpoint tests/unit/test_config_check
tests_unit_test_endpoint_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_endpoint_LDADD = $(UNIT_LDADD)
tests_unit_test_config_check_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_config_check_LDADD = $(UNIT_LDADD)
TESTS += tests/startup.py
EXTRA_DIST += tests/startup.py
tests/startup.log: mxvetd mxvet

include tests/lab.mk
include tests/conf.mk
include tests/postfix.mk

# make check-valgrind: the unit tests under valgrind (no fork, so valgrind
# sees every test), failing on any error or leak.
check-valgrind: $(check_PROGRAMS)
	@fail=0; for t in $(check_PROGRAMS); do case $$t in tests/unit/*) ;; *) continue;; esac; \
	  CK_FORK=no CK_TIMEOUT_MULTIPLIER=20 valgrind -q --error-exitcode=1 --leak-check=full \
	    --errors-for-leak-kinds=definite,indirect ./$$t > $$t.valgrind.log 2>&1 \
	    && echo "PASS: $$t (valgrind)" || { echo "FAIL: $$t (valgrind)"; cat $$t.valgrind.log; fail=1; }; \
	done; exit $$fail
.PHONY: check-valgrind
include tests/fuzz.mk
include tests/milter.mk
include tests/authority.mk
include tests/smtp.mk
include tests/policy.mk
include tests/resolver.mk
include tests/alloc.mk

# mxvet outcomes: the Postfix log parser and the verdict/outcome join
check_PROGRAMS += tests/unit/test_maillog tests/unit/test_outcomes
TESTS += tests/unit/test_maillog tests/unit/test_outcomes
tests_unit_test_maillog_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_maillog_LDADD = $(UNIT_LDADD)
tests_unit_test_outcomes_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_outcomes_LDADD = $(UNIT_LDADD)
check_PROGRAMS += tests/history_put
tests_history_put_SOURCES = tests/history_put.c
tests_history_put_CFLAGS = $(AM_CFLAGS) $(DEP_CFLAGS)
tests_history_put_LDADD = libmxvet.a $(DEP_LIBS)
TESTS += tests/outcomes-cli.sh
EXTRA_DIST += tests/outcomes-cli.sh
tests/outcomes-cli.log: mxvet tests/history_put

include tests/status.mk
include tests/fleet.mk
# lib/metrics: the Prometheus writers and the source registry
check_PROGRAMS += tests/unit/test_metrics
TESTS += tests/unit/test_metrics
tests_unit_test_metrics_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_metrics_LDADD = $(UNIT_LDADD)
