#!/bin/sh
# outcomes-bench.sh: mxvet outcomes over a large generated maillog
# (bench/outcomes_gen.c), one pass, with the time and the peak RSS
# (GNU time's "Maximum resident set size"). OUTCOMES_MB (1024) sets the
# log's size; the log and state go to a new /tmp/mxvet-outcomes-bench.*,
# removed at the end unless KEEP=1.
set -eu
: "${top_builddir:=.}"
: "${OUTCOMES_MB:=1024}"
dir=$(mktemp -d /tmp/mxvet-outcomes-bench.XXXXXX)
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$dir"' EXIT
mkdir "$dir/state"
: > "$dir/empty.conf"
t0=$(date +%s.%N)
"$top_builddir/bench/outcomes_gen" "$dir/state" "$OUTCOMES_MB" > "$dir/maillog"
t1=$(date +%s.%N)
echo "generated: $(stat -c %s "$dir/maillog") bytes, $(wc -l < "$dir/maillog") lines in $(echo "$t1 - $t0" | bc) s"
for run in 1 2; do
	/usr/bin/time -f "run $run: %e s elapsed, %U s user, %S s sys, max RSS %M KiB" \
		"$top_builddir/mxvet" outcomes --maillog "$dir/maillog" --state-dir "$dir/state" \
		--config "$dir/empty.conf" > "$dir/report.$run"
done
cat "$dir/report.1"
echo "same log through a pipe (--maillog -):"
/usr/bin/time -f "pipe: %e s elapsed, max RSS %M KiB" sh -c \
	"cat '$dir/maillog' | '$top_builddir/mxvet' outcomes --maillog - --state-dir '$dir/state' --config '$dir/empty.conf' > '$dir/report.pipe'"
if [ "$(tail -n +2 "$dir/report.1")" = "$(tail -n +2 "$dir/report.pipe")" ]; then
	echo "pipe report: the same figures"
else
	echo "pipe report: DIFFERS"; exit 1
fi
