# Integration tests against the loopback lab (tests/lab, tests/lab-env.sh).
TESTS += tests/lab-domains.py tests/cli.py tests/lab-ports.sh tests/bootstrap-host.sh tests/skip-helper.sh
EXTRA_DIST += tests/lab-env.sh tests/lab-domains.py tests/cli.py tests/demo.sh tests/lab \
	tests/lab-ports.sh tests/bootstrap-host.sh tests/skip-helper.sh tests/skip.sh tests/tap.sh

# make demo: the lab, every lab domain through mxvet check, one line each.
demo: mxvet
	@$(SHELL) $(top_srcdir)/tests/demo.sh
.PHONY: demo

# The resolver against the lab: lookups in flight are shared.
check_PROGRAMS += tests/resolver_join
tests_resolver_join_SOURCES = tests/resolver_join.c
tests_resolver_join_CFLAGS = $(UNIT_CFLAGS) -I$(top_srcdir)/tests/unit
tests_resolver_join_LDADD = $(UNIT_LDADD)
TESTS += tests/resolver-lab.sh
EXTRA_DIST += tests/resolver-lab.sh
# MX_TYPO from the build tree: the built-in provider list, the file override.
TESTS += tests/typo-builtin.sh
EXTRA_DIST += tests/typo-builtin.sh
tests/typo-builtin.log: mxvet
