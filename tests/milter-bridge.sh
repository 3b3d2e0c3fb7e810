#!/bin/bash
# The milter bridge (daemon/milter.c) under libmilter, driven by miltertest.
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
if ! command -v miltertest >/dev/null; then
	echo "1..0 # SKIP miltertest not installed"
	exit 0
fi
PORT=$(( 20000 + RANDOM % 20000 ))
"$top_builddir/tests/milter_harness" "inet:$PORT@127.0.0.1" 2>harness.err &
pid=$!
PORT=$PORT miltertest -s "$top_srcdir/tests/milter-bridge.lua" 2>&1 | sed 's/^\([^on1]\)/# \1/'
kill -TERM $pid
for _ in $(seq 1 80); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
if kill -0 $pid 2>/dev/null; then
	echo "not ok - harness did not stop within 8 s"; kill -9 $pid
fi
wait $pid 2>/dev/null
rm -f harness.err
