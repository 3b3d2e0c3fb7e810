#!/bin/bash
# Cached decisions (the first bar): mxvetd against the floor
# (bench/policy_floor, one read and one write per request) with the same
# Postfix-like load (bench/policy_load: 8 connections, Postfix 3.7's 29
# attributes, about 600 bytes per request), in the same run. The domains are
# the lab's healthy ones (verdict accept), and mxvetd's cache is warmed with
# them first, so every answer must be action=DUNNO (policy_load counts any
# other answer as wrong). Depth 1 is Postfix's way (one request in flight
# per connection); depth 32 pipelines. Loopback only; bounded by SECONDS.
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$PWD}"
: "${MXVET_LAB:=/tmp/mxvet-lab}"
SECONDS_RUN=${SECONDS_RUN:-5}
ROUNDS=${ROUNDS:-3}
DEPTHS=${DEPTHS:-1 32}
FLOOR_PORT=${FLOOR_PORT:-10790}
MXVETD_PORT=${MXVETD_PORT:-10791}
B=$top_builddir/bench

tmp=$(mktemp -d /tmp/mxvet-bench-policy.XXXXXX)
chmod 755 "$tmp"
pids=""
cleanup() {	# TERM, 5 s to finish, then KILL; only our own children
	local p i
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	for p in $pids; do
		for i in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	rm -rf "$tmp"
}
trap cleanup EXIT

if [ -x "$top_srcdir/tests/lab/lab" ]; then
	. "$top_srcdir/tests/lab-env.sh"
	lab_acquire
	tsv=$top_srcdir/tests/lab/domains.tsv
else
	[ -f "$MXVET_LAB/mxvet.conf" ] || { echo "policy-bench: no lab in $MXVET_LAB" >&2; exit 1; }
	tsv=$MXVET_LAB/domains.tsv
fi
domains=$(awk -F'\t' '!/^#/ && $2 == "accept" && $3 == "-" { print $1 }' "$tsv")
[ -n "$domains" ] || { echo "policy-bench: no healthy domains in $tsv" >&2; exit 1; }

wait_port() {
	local i
	for i in $(seq 1 100); do
		(exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0
		sleep 0.1
	done
	echo "policy-bench: nothing listens on 127.0.0.1:$1" >&2
	return 1
}

for p in $FLOOR_PORT $MXVETD_PORT; do
	if (exec 3<>/dev/tcp/127.0.0.1/"$p") 2>/dev/null; then
		echo "policy-bench: 127.0.0.1:$p is in use" >&2
		exit 1
	fi
done

"$B/policy_floor" -s 600 127.0.0.1 "$FLOOR_PORT" &
pids="$pids $!"

mkdir -p "$tmp/state"
user=
if [ "$(id -u)" = 0 ]; then user=nobody; chown nobody "$tmp/state"; fi
{
	cat "$MXVET_LAB/mxvet.conf"
	echo "mx_providers_file = $top_srcdir/data/mx-providers.txt"
	echo "state_dir = $tmp/state"
	echo "policy_listen = inet:127.0.0.1:$MXVETD_PORT"
	echo "decision_timeout = 20s"
	echo "user = $user"
	echo "pid_file = $tmp/mxvetd.pid"
	# more keys, one per line (bench/fleet-bench.py: redis_url)
	[ -z "${MXVETD_EXTRA:-}" ] || printf '%s\n' "$MXVETD_EXTRA"
} > "$tmp/mxvetd.conf"
"$top_builddir/mxvetd" -f -l stderr -c "$tmp/mxvetd.conf" > "$tmp/mxvetd.log" 2>&1 &
pids="$pids $!"
wait_port "$FLOOR_PORT"
wait_port "$MXVETD_PORT"

# Warm the cache: every healthy domain once, sequentially; each must get a
# real verdict (decision_timeout is long enough for the lab).
python3 - "$MXVETD_PORT" $domains <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=30)
for d in sys.argv[2:]:
    s.sendall(("request=smtpd_access_policy\nprotocol_state=RCPT\nrecipient=u@%s\n\n" % d).encode())
    buf = b""
    while not buf.endswith(b"\n\n"):
        chunk = s.recv(4096)
        if not chunk:
            sys.exit("warm-up: connection closed")
        buf += chunk
    if buf != b"action=DUNNO\n\n":
        sys.exit("warm-up: %s answered %r" % (d, buf))
PY

echo "policy bench: $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), $ROUNDS rounds of $SECONDS_RUN s per server (floor and mxvetd alternate; best of each), 8 connections, $(echo $domains | wc -w) healthy lab domains"
rate() { echo "$1" | sed -n 's/.*rate=\([0-9]*\).*/\1/p'; }
for depth in $DEPTHS; do
	fbest=0 mbest=0
	for r in $(seq 1 "$ROUNDS"); do
		f=$("$B/policy_load" -c 8 -d "$depth" -s "$SECONDS_RUN" 127.0.0.1 "$FLOOR_PORT" $domains)
		echo "floor  $f"
		m=$("$B/policy_load" -c 8 -d "$depth" -s "$SECONDS_RUN" 127.0.0.1 "$MXVETD_PORT" $domains)
		echo "mxvetd $m"
		[ "$(rate "$f")" -gt "$fbest" ] && fbest=$(rate "$f")
		[ "$(rate "$m")" -gt "$mbest" ] && mbest=$(rate "$m")
	done
	awk -v d="$depth" -v f="$fbest" -v m="$mbest" 'BEGIN {
		r = f > 0 ? m / f : 0
		printf "depth %d: floor %d req/s, mxvetd %d req/s, mxvetd/floor = %.2f (bar: >= 0.80) %s\n",
			d, f, m, r, (r >= 0.8 ? "PASS" : "BELOW")
	}'
done
