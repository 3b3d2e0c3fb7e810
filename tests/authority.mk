# Authority checks (issue 3): unit tests on canned packets, the loopback
# integration test with its own fake servers, and the fuzz target.
check_PROGRAMS += tests/unit/test_authority tests/unit/test_auth_cache
TESTS += tests/unit/test_authority tests/unit/test_auth_cache tests/authority.sh tests/addr-policy.sh
tests_unit_test_authority_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_authority_LDADD = $(UNIT_LDADD)
tests_unit_test_authority_SOURCES = tests/unit/test_authority.c tests/unit/evfix.c tests/unit/evfix.h
EXTRA_DIST += tests/authority.sh tests/data/auth \
	tests/addr-policy.sh tests/dns-witness.py

FUZZ_AUTHORITY_SRC = tests/fuzz/fuzz_authority.c engine/auth_evidence.c engine/dnsquery.c \
	checks/authority.c engine/findings.c engine/dname.c lib/netaddr.c lib/log.c
EXTRA_DIST += $(FUZZ_AUTHORITY_SRC)
CLEANFILES += tests/fuzz/fuzz_authority
if HAVE_CLANG
check_SCRIPTS += tests/fuzz/fuzz_authority
tests/fuzz/fuzz_authority: $(FUZZ_AUTHORITY_SRC)
	@$(MKDIR_P) tests/fuzz
	$(AM_V_CC)$(CLANG) $(FUZZ_CFLAGS) -o $@ $^ $(DEP_LIBS)
endif
tests_unit_test_auth_cache_SOURCES = tests/unit/test_auth_cache.c
tests_unit_test_auth_cache_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_auth_cache_LDADD = $(UNIT_LDADD)
# The authority stage's state machine on a scripted network (no root, no lab).
check_PROGRAMS += tests/unit/test_auth_discovery
TESTS += tests/unit/test_auth_discovery
tests_unit_test_auth_discovery_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_auth_discovery_LDADD = $(UNIT_LDADD)
