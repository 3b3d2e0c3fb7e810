#!/bin/bash
# The skip helpers (tests/skip.sh, tests/policy_fixture.py): a test that
# cannot run here is a skip on a developer's machine and a failure under
# CI=true, as Automake's TAP driver counts it; and no test skips around
# them. TAP.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
tmp=$(mktemp -d /tmp/mxvet-skip-helper.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
. "$top_srcdir/tests/tap.sh"
echo "1..9"

# result CI CMD...: what Automake's TAP driver makes of CMD's output, and
# CMD's exit status: "SKIP 0", "FAIL 1", "PASS 0" ...
result() {
	local ci=$1 rc
	shift
	env -u CI ${ci:+CI=$ci} "$@" > "$tmp/out" 2>&1
	rc=$?
	: > "$tmp/trs"
	env AM_TAP_AWK=awk sh "$top_srcdir/build-aux/tap-driver.sh" --test-name t \
		--log-file "$tmp/log" --trs-file "$tmp/trs" -- cat "$tmp/out" > /dev/null 2>&1
	echo "$(sed -n 's/^:global-test-result: //p' "$tmp/trs") $rc"
}
sh_whole='. "$top_srcdir/tests/skip.sh"; skip_or_fail "no frobnicator here"; echo "ok 1 - ran anyway"'
sh_case='. "$top_srcdir/tests/skip.sh"; echo 1..2; echo "ok 1 - one"; skip_case_or_fail 2 two "no frobnicator here"'
py_whole='import sys; sys.path.insert(0, sys.argv[1]); import policy_fixture as pf; pf.skip_or_fail("no frobnicator here")'
py_case='import sys; sys.path.insert(0, sys.argv[1]); import policy_fixture as pf
t = pf.Tap(); t.ok(True, "one"); t.skip("two", "no frobnicator here"); t.plan()'
export top_srcdir

check() {	# name, want without CI, want under CI, command...
	local name=$1 plain=$2 ci=$3 got_plain got_ci
	shift 3
	got_plain=$(result "" "$@")
	got_ci=$(result true "$@")
	if [ "$got_plain" = "$plain" ] && [ "$got_ci" = "$ci" ] &&
	   grep -q "# required under CI: no frobnicator here" "$tmp/out"; then
		ok "$name: $plain without CI, $ci under CI=true"
	else
		notok "$name" "without CI: $got_plain (want $plain)" "CI=true: $got_ci (want $ci)" \
			"$(cat "$tmp/out")"
	fi
}
check "shell, whole test" "SKIP 0" "FAIL 1" bash -c "$sh_whole"
check "shell, one test point" "PASS 0" "FAIL 0" bash -c "$sh_case"
check "python, whole test" "SKIP 0" "FAIL 1" /usr/bin/python3 -c "$py_whole" "$top_srcdir/tests"
check "python, one test point" "PASS 0" "FAIL 0" /usr/bin/python3 -c "$py_case" "$top_srcdir/tests"

# the skip line itself names the reason
out=$(env -u CI bash -c "$sh_whole")
if [ "$out" = "1..0 # SKIP no frobnicator here" ]; then ok "the shell skip line is the TAP skip plan with the reason"
else notok "the shell skip line is the TAP skip plan with the reason" "$out"; fi
# CI=1 and CI=yes count too; CI=false does not
r1=$(result 1 bash -c "$sh_whole") r2=$(result yes bash -c "$sh_whole") r3=$(result false bash -c "$sh_whole")
if [ "$r1 $r2 $r3" = "FAIL 1 FAIL 1 SKIP 0" ]; then ok "CI=1 and CI=yes fail, CI=false skips"
else notok "CI=1 and CI=yes fail, CI=false skips" "$r1 / $r2 / $r3"; fi

# every skip of the test suite goes through the helpers; the plain skips
# left are about the machine (no IPv6 loopback), not about mxvet
cd "$top_srcdir" || exit 1
raw=$(grep -n -e '# SKIP' -e '#SKIP' -e 'exit 77' tests/*.sh tests/*.py tests/postfix/*.sh \
	tests/lab-env.sh 2>/dev/null | grep -v -e '^tests/skip\.sh:' -e '^tests/skip-helper\.sh:' \
	-e '^tests/policy_fixture\.py:' -e 'SKIP no IPv6 loopback' -e 'SKIP the witness could not bind \[::1\]')
if [ -z "$raw" ]; then ok "no test prints a skip of its own"
else notok "no test prints a skip of its own (use tests/skip.sh or policy_fixture.skip_or_fail)" "$raw"; fi
missing=
for f in tests/postfix/e2e-lib.sh tests/milter-bridge.sh tests/authority.sh tests/smtp-lab.sh \
	tests/addr-policy.sh tests/lab-ports.sh; do
	grep -q 'skip_or_fail ' "$f" || missing="$missing $f"
done
for f in tests/conf-consistency.sh tests/fuzz.sh; do
	grep -q 'skip_case_or_fail ' "$f" || missing="$missing $f"
done
grep -q 'tap.skip(' tests/policy-protocol.py || missing="$missing tests/policy-protocol.py"
if [ -z "$missing" ]; then
	ok "the tests that need root, Postfix, miltertest, clang or the lab use the helpers"
else
	notok "the tests that need root, Postfix, miltertest, clang or the lab use the helpers" "not:$missing"
fi
# root-only checks without a skip line vanish silently: each has one
if awk '/os.geteuid\(\) == 0:/ { want = 1 } want && /tap.skip/ { found = 1 } END { exit !(found || !want) }' \
	tests/policy-protocol.py; then
	ok "policy-protocol.py: its root-only checks are skips (CI: failures) without root"
else
	notok "policy-protocol.py: its root-only checks are skips (CI: failures) without root"
fi
