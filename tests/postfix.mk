# End-to-end tests through a private Postfix instance (tests/postfix/).
TESTS += tests/postfix-e2e.sh
EXTRA_DIST += tests/postfix-e2e.sh tests/postfix/pf-instance.sh tests/postfix/e2e-lib.sh
# mxvet outcomes against a Postfix that delivers by DNS (its own resolver)
TESTS += tests/outcomes-e2e.sh
EXTRA_DIST += tests/outcomes-e2e.sh
tests/outcomes-e2e.log: mxvetd mxvet
