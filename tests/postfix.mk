# End-to-end tests through a private Postfix instance (tests/postfix/).
TESTS += tests/postfix-e2e.sh
EXTRA_DIST += tests/postfix-e2e.sh tests/postfix/pf-instance.sh tests/postfix/e2e-lib.sh
