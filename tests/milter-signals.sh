#!/bin/bash
# Signals with the milter running: libmilter starts its own thread that
# waits for SIGHUP, SIGTERM and SIGINT and would stop the milter on any of
# them. The kernel may hand a `kill -HUP PID` to that thread instead of the
# loop's (it did, now and then, in the reload soak: the milter stopped and
# the reload was lost). Here each of mxvetd's threads gets a SIGHUP of its
# own (kill(2) with a thread id prefers that thread), which makes the case
# certain instead of rare: every one must be a reload the log reports, and
# the milter must still answer after them. Then a SIGTERM to libmilter's
# signal thread must drain and stop mxvetd with exit 0. TAP.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lab-env.sh"
. "$top_srcdir/tests/skip.sh"
MXVETD=$top_builddir/mxvetd
. "$top_srcdir/tests/tap.sh"
[ -x "$LAB" ] || skip_or_fail "no lab in this tree ($LAB)"
command -v miltertest > /dev/null || skip_or_fail "miltertest not installed (./bootstrap installs it)"
[ -x "$MXVETD" ] || bail "$MXVETD not built"
lab_acquire || bail "cannot start the lab in $MXVET_LAB"

T=$(mktemp -d /tmp/mxvet-milter-signals.XXXXXX)
chmod 755 "$T"
pid=
cleanup() {
	[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
MPORT=$(free_port)

# one connection per recipient: "domain reply" or "domain continue"
cat > "$T/ask.lua" <<'EOF'
mt.set_timeout(20)
for d in string.gmatch(os.getenv("CASES"), "%S+") do
	local conn = mt.connect("inet:" .. os.getenv("PORT") .. "@127.0.0.1", 8, 0.25)
	if conn == nil then print(d .. " noconnect") else
		mt.rcptto(conn, "<u@" .. d .. ">")
		local r = mt.getreply(conn)
		print(d .. " " .. (r == SMFIR_REPLYCODE and "reply" or r == SMFIR_CONTINUE and "continue" or tostring(r)))
		mt.disconnect(conn)
	end
end
EOF
# ask DOMAIN...: the answers on one line (miltertest's errors too)
ask() { CASES="$*" PORT=$MPORT timeout 60 miltertest -s "$T/ask.lua" 2>&1 | paste -sd' '; }
applied() { grep -c 'reload: configuration .* applied' "$T/mxvetd.log"; }

conf=("state_dir=$T/state" "policy_listen=" "milter_listen=inet:$MPORT@127.0.0.1"
	"admin_listen=" "pid_file=" "risk_log=")
mkdir -p "$T/state"
if [ "$(id -u)" = 0 ]; then conf+=("user=nobody"); chown nobody "$T/state"; fi
lab_conf "$T/mxvet.conf" "${conf[@]}"
start() {
	lab_mxvetd "$T/mxvet.conf" "$T/mxvetd.log" "$MPORT" ||
		bail "mxvetd did not start: $(tail -5 "$T/mxvetd.log")"
}
start

echo "1..6"
want="healthy.test continue nullmx.test reply"
same "before any signal: the milter answers" "$want" "$(ask healthy.test nullmx.test)"

# libmilter's threads exist once it has served a connection
tids=$(ls "/proc/$pid/task")
sent=0 lost=
for tid in $tids; do
	before=$(applied)
	kill -HUP "$tid" 2>/dev/null || continue
	sent=$((sent + 1))
	for _ in $(seq 1 100); do
		[ "$(applied)" -gt "$before" ] && break
		sleep 0.05
	done
	[ "$(applied)" -gt "$before" ] || lost="$lost $tid($(cat "/proc/$pid/task/$tid/comm" 2>/dev/null))"
done
if [ "$sent" -ge 3 ] && [ -z "$lost" ]; then
	ok "SIGHUP to each of mxvetd's $sent threads: $sent reloads applied"
else
	notok "SIGHUP to each of mxvetd's threads: each one a reload" "sent $sent, not applied for:$lost" \
		"$(tail -3 "$T/mxvetd.log")"
fi
same "after them: the milter still answers" "$want" "$(ask healthy.test nullmx.test)"
kill -9 "$pid"
wait "$pid" 2>/dev/null

# a new daemon, whose libmilter signal thread has not been signalled yet
start
same "a second mxvetd: the milter answers" "$want" "$(ask healthy.test nullmx.test)"

# SIGTERM to libmilter's signal thread: the one waiting in sigtimedwait
# (else the newest thread, never the loop's)
last=
for tid in $(ls "/proc/$pid/task"); do
	grep -q sigtimedwait "/proc/$pid/task/$tid/wchan" 2>/dev/null && last=$tid
done
[ -n "$last" ] || last=$(ls "/proc/$pid/task" | sort -n | tail -1)
kill -TERM "$last"
for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$pid" 2>/dev/null; then
	notok "SIGTERM to thread $last: mxvetd drains and exits within 15 s" "still running" \
		"$(tail -3 "$T/mxvetd.log")"
	kill -9 "$pid"
	wait "$pid" 2>/dev/null
else
	wait "$pid"
	same "SIGTERM to thread $last: mxvetd drains and exits 0" 0 $?
fi
pid=
if grep -q 'draining' "$T/mxvetd.log"; then ok "... through the loop's drain (the log says so)"
else notok "... through the loop's drain (the log says so)" "$(tail -3 "$T/mxvetd.log")"; fi
