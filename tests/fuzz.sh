#!/bin/bash
# Runs each libFuzzer target briefly on its seed corpus (TAP). Built with
# clang when it is there; without clang the targets are skipped, saying so.
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/skip.sh"
targets="config dname authority smtp policy dnsreply milter_reply policy_server history maillog"
set -- $targets
echo "1..$#"
n=0
for t in $targets; do
	n=$((n + 1))
	bin="$top_builddir/tests/fuzz/fuzz_$t"
	if [ ! -x "$bin" ]; then
		skip_case_or_fail "$n" "fuzz_$t" "not built (no clang with libFuzzer)"
		continue
	fi
	work=$(mktemp -d)
	cp "$top_srcdir/tests/fuzz/corpus/$t/"* "$work/"
	if "$bin" -runs="${FUZZ_RUNS:-30000}" -max_total_time=20 -max_len=2048 "$work" \
		> "$work.log" 2>&1; then
		echo "ok $n - fuzz_$t: $(grep -o 'Done [0-9]* runs' "$work.log" | tail -1)"
	else
		echo "not ok $n - fuzz_$t crashed"
		sed 's/^/# /' "$work.log" | tail -40
	fi
	rm -rf "$work" "$work.log"
done
