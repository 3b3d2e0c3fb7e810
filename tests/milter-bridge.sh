#!/bin/bash
# The milter bridge (daemon/milter.c) under libmilter, driven by miltertest;
# then what the harness was given for one recipient: the client from the
# connect callback, the sender from MAIL, the queue id from {i}.
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/skip.sh"
if ! command -v miltertest >/dev/null; then
	skip_or_fail "miltertest not installed (./bootstrap installs it)"
fi
PORT=$(( 20000 + RANDOM % 20000 ))
err=$(mktemp /tmp/mxvet-milter-bridge.XXXXXX)
"$top_builddir/tests/milter_harness" "inet:$PORT@127.0.0.1" 2>"$err" &
pid=$!
out=$(PORT=$PORT miltertest -s "$top_srcdir/tests/milter-bridge.lua" 2>&1 | sed 's/^\([^on1]\)/# \1/')
kill -TERM $pid
for _ in $(seq 1 80); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
stopped=1
if kill -0 $pid 2>/dev/null; then stopped=0; kill -9 $pid; fi
wait $pid 2>/dev/null
# miltertest's plan comes last; ours follows its tests
echo "$out" | grep -v '^1\.\.'
n=$(echo "$out" | grep -c '^\(not \)\?ok ')
want="harness: to=<who@accept.example> from=<s@example.org> client=client.example[192.0.2.7] queue_id=4ABC123 auth="
n=$((n + 1))
if grep -qxF "$want" "$err"; then echo "ok $n - the decide function gets client, sender and queue id"
else echo "not ok $n - the decide function gets client, sender and queue id"; sed 's/^/#   /' "$err"; fi
want="harness: to=<who2@accept.example> from=<s@example.org> client=client.example[198.51.100.5] queue_id= auth=alice"
n=$((n + 1))
if grep -qxF "$want" "$err"; then echo "ok $n - ... the client address from {client_addr}, the SASL login from {auth_authen}"
else echo "not ok $n - ... the client address from {client_addr}, the SASL login from {auth_authen}"; sed 's/^/#   /' "$err"; fi
n=$((n + 1))
if [ $stopped = 1 ]; then echo "ok $n - harness stops on SIGTERM"
else echo "not ok $n - harness did not stop within 8 s"; fi
echo "1..$n"
rm -f "$err"
