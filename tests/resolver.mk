# The resolver's blindness guard (own faults fail open): unit test
# of the guard logic, and mxvet check / mxvetd with a dead DNS path on the
# loopback lab (tests/resolver-blind.py).
check_PROGRAMS += tests/unit/test_dns_guard
TESTS += tests/unit/test_dns_guard tests/resolver-blind.py
EXTRA_DIST += tests/resolver-blind.py
tests_unit_test_dns_guard_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_dns_guard_LDADD = $(UNIT_LDADD)
tests/resolver-blind.log: mxvet mxvetd
