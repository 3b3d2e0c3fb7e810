# End-to-end tests through a private Postfix instance (tests/postfix/).
TESTS += tests/postfix-e2e.sh
EXTRA_DIST += tests/postfix-e2e.sh tests/postfix/pf-instance.sh tests/postfix/e2e-lib.sh
# mode = warn and the skip_* exemptions through Postfix, policy and milter
TESTS += tests/rollout-policy.sh tests/rollout-milter.sh
EXTRA_DIST += tests/rollout-policy.sh tests/rollout-milter.sh tests/postfix/rollout.sh \
	tests/postfix/sasl-auth.py
tests/rollout-policy.log: mxvetd
tests/rollout-milter.log: mxvetd
# mxvet outcomes against a Postfix that delivers by DNS (its own resolver)
TESTS += tests/outcomes-e2e.sh
EXTRA_DIST += tests/outcomes-e2e.sh
tests/outcomes-e2e.log: mxvetd mxvet
