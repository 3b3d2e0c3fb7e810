#!/bin/bash
# make fuzz: runs every libFuzzer target for FUZZ_TIME seconds (default 60)
# on a working corpus seeded from tests/fuzz/corpus/<name>, and writes one
# line per target (executions, exec/s, libFuzzer's cov: and ft: at the end,
# corpus size, peak RSS) to tests/fuzz/summary.txt in the build tree.
# The working corpus (tests/fuzz/work/<name>) is kept between runs, so a
# second run starts where the first ended. A crashing input is saved as
# tests/fuzz/artifacts/<name>/crash-* and the run fails. FUZZ_TARGETS
# picks targets; FUZZ_ARGS passes more libFuzzer options.
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${FUZZ_TIME:=60}"
: "${FUZZ_TARGETS:=config dname authority smtp policy dnsreply milter_reply policy_server history maillog}"
out="$top_builddir/tests/fuzz"
summary="$out/summary.txt"
fail=0

printf '%-14s %12s %8s %6s %6s %6s %7s %s\n' target execs exec/s cov ft corp rss_mb result \
	> "$summary.tmp"
for t in $FUZZ_TARGETS; do
	bin="$out/fuzz_$t"
	if [ ! -x "$bin" ]; then
		echo "fuzz_$t: not built (needs clang with libFuzzer)" >&2
		fail=1
		continue
	fi
	work="$out/work/$t" art="$out/artifacts/$t/"
	mkdir -p "$work" "$art"
	cp -n "$top_srcdir/tests/fuzz/corpus/$t/"* "$work/"
	log="$out/fuzz_$t.log"
	echo "fuzz_$t: ${FUZZ_TIME}s ..." >&2
	# shellcheck disable=SC2086
	if "$bin" -max_total_time="$FUZZ_TIME" -print_final_stats=1 -max_len=4096 \
		-timeout=10 -rss_limit_mb=2048 -artifact_prefix="$art" $FUZZ_ARGS "$work" \
		> "$log" 2>&1; then
		result=ok
	else
		result="CRASH (see $log, $art)"
		fail=1
	fi
	# the last status line: "#N DONE cov: C ft: F corp: K/..."
	last=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -1)
	cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<< "$last")
	ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<< "$last")
	corp=$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<< "$last")
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log")
	printf '%-14s %12s %8s %6s %6s %6s %7s %s\n' "$t" "${execs:--}" "${eps:--}" "${cov:--}" \
		"${ft:--}" "${corp:--}" "${rss:--}" "$result" >> "$summary.tmp"
done
mv "$summary.tmp" "$summary"
echo "FUZZ_TIME=${FUZZ_TIME}s per target; $summary:"
cat "$summary"
exit $fail
