# mxvetd: unit tests of the policy parser and the cache, and the policy
# protocol test against a running mxvetd (its own loopback DNS fixture).
check_PROGRAMS += tests/unit/test_policy_parser tests/unit/test_cache
TESTS += tests/unit/test_policy_parser tests/unit/test_cache tests/policy-protocol.py tests/policy-faults.py \
	tests/policy-lab.py tests/policy-flood.py tests/dns-forwarder.py tests/mx-cap.py tests/daemon-log.py tests/admin-api.py
EXTRA_DIST += tests/policy-protocol.py tests/policy_fixture.py tests/policy-faults.py tests/policy-lab.py \
	tests/policy-flood.py tests/dns-forwarder.py tests/mx-cap.py tests/daemon-log.py tests/with-dev-log.sh \
	tests/admin-api.py
tests_unit_test_policy_parser_SOURCES = tests/unit/test_policy_parser.c tests/unit/policy_feed.h
tests_unit_test_policy_parser_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_policy_parser_LDADD = daemon/libmxvetd.a $(UNIT_LDADD)
tests_unit_test_cache_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_cache_LDADD = daemon/libmxvetd.a $(UNIT_LDADD)
# tests/policy-protocol.py runs ./mxvetd
tests/policy-protocol.log: mxvetd mxvet
tests/policy-lab.log: mxvetd mxvet
tests/policy-faults.log: mxvetd
tests/policy-flood.log: mxvetd
tests/dns-forwarder.log: mxvet
tests/mx-cap.log: mxvet
tests/admin-api.log: mxvetd
tests/daemon-log.log: mxvetd
# Reloads under load on the lab (policy and milter requests between 20
# SIGHUPs that change what a reload may change); meant for ASan builds too.
TESTS += tests/reload-soak.sh
EXTRA_DIST += tests/reload-soak.sh
tests/reload-soak.log: mxvetd
# What mxvetd shows (metrics, mxvet ctl, the Grafana dashboard), on the lab.
TESTS += tests/metrics-lab.py tests/ctl.py tests/grafana-dashboard.py
EXTRA_DIST += tests/metrics-lab.py tests/lab_daemon.py tests/ctl.py tests/grafana-dashboard.py \
	contrib/grafana/mxvet.json contrib/grafana/README.md
tests/metrics-lab.log: mxvetd mxvet
tests/ctl.log: mxvetd mxvet
tests/grafana-dashboard.log: mxvetd
