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

# libmilter stopping by itself (here: smfi_stop behind the bridge's back)
# must not leave a process without its milter: it exits 70
"$top_builddir/tests/milter_harness" "inet:$PORT@127.0.0.1" 2>"$err" &
pid=$!
cat > "$err.lua" <<'EOF'
local conn = mt.connect("inet:" .. os.getenv("PORT") .. "@127.0.0.1", 20, 0.25)
if conn ~= nil then mt.rcptto(conn, "<u@giveup.example>"); mt.getreply(conn); mt.disconnect(conn) end
EOF
PORT=$PORT miltertest -s "$err.lua" > /dev/null 2>&1
for _ in $(seq 1 100); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
rc=running
if kill -0 $pid 2>/dev/null; then kill -9 $pid; wait $pid 2>/dev/null; else wait $pid; rc=$?; fi
n=$((n + 1))
if [ "$rc" = 70 ] && grep -q "libmilter stopped by itself" "$err"; then
	echo "ok $n - libmilter stopping by itself: logged, the loop stops, exit 70"
else
	echo "not ok $n - libmilter stopping by itself: logged, the loop stops, exit 70"
	echo "#   exit: $rc"; sed 's/^/#   /' "$err"
fi
echo "1..$n"
rm -f "$err" "$err.lua"
