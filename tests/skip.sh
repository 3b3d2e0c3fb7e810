# skip.sh: sourced by the shell tests. A test that cannot run here (no
# root, no lab tool, no miltertest, no Postfix) is a TAP skip on a
# developer's machine, but under CI (CI=true, as CI services set it) the
# coverage must not vanish silently: the same call is a failure there.
# tests/policy_fixture.py has the same two functions for Python tests.
#
#   skip_or_fail REASON            the whole test: prints its plan and exits
#   skip_case_or_fail N NAME REASON  one test point N of a running test
#
# Skips that say something about the machine and nothing about mxvet
# (no IPv6 loopback) stay plain "# SKIP" lines, with their reason.

# Is this a CI run? CI=true (GitHub, GitLab and most others), 1 or yes.
under_ci() {
	case ${CI:-} in [Tt][Rr][Uu][Ee] | 1 | [Yy][Ee][Ss]) return 0 ;; esac
	return 1
}

skip_or_fail() {
	if under_ci; then
		echo "1..1"
		echo "not ok 1 - $(basename "$0") # required under CI: $1"
		exit 1
	fi
	echo "1..0 # SKIP $1"
	exit 0
}

skip_case_or_fail() {
	if under_ci; then
		echo "not ok $1 - $2 # required under CI: $3"
	else
		echo "ok $1 - $2 # SKIP $3"
	fi
}
