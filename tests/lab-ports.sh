#!/bin/bash
# The lab never takes an address by force: when a lab address is taken,
# `lab start` stops with an error naming the address, the process that
# holds it (ss -lnp) and, for a listener on all addresses (a system nsd
# with Debian's default config), what to do; it stops nothing. TAP.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/skip.sh"
. "$top_srcdir/tests/lab-env.sh"
[ "$(id -u)" = 0 ] || skip_or_fail "the lab needs root (port 53)"
command -v ss > /dev/null || skip_or_fail "ss (iproute2) is not installed"
tmp=$(mktemp -d /tmp/mxvet-lab-ports.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
echo "1..4"

# 1-2: a listener on all addresses (TCP 0.0.0.0, UDP [::]) at a free port,
# as the lab would see it at its address 127.53.0.1
/usr/bin/python3 - "$LAB" > "$tmp/wild" 2>&1 <<'PY'
import importlib.machinery, importlib.util, os, socket, sys
loader = importlib.machinery.SourceFileLoader("lab", sys.argv[1])
spec = importlib.util.spec_from_loader("lab", loader)
lab = importlib.util.module_from_spec(spec)
loader.exec_module(lab)
t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
t.bind(("0.0.0.0", 0))
t.listen()
u = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
u.bind(("::", 0))
tp, up = t.getsockname()[1], u.getsockname()[1]
print("pid=%d tcp=%d udp=%d" % (os.getpid(), tp, up))
print(lab.explain_busy([("127.53.0.1", "tcp", tp), ("127.53.0.1", "udp", up)]))
PY
read -r pid tport uport < <(sed -n '1s/pid=\([0-9]*\) tcp=\([0-9]*\) udp=\([0-9]*\)/\1 \2 \3/p' "$tmp/wild")
if [ -n "${pid:-}" ] &&
   grep -qF "127.53.0.1:$tport/tcp is taken by python3 (pid $pid) listening on 0.0.0.0:$tport" "$tmp/wild" &&
   grep -qE "127\.53\.0\.1:$uport/udp is taken by python3 \(pid $pid\) listening on (\*|\[::\]):$uport" "$tmp/wild"; then
	echo "ok 1 - a listener on all addresses is named with its process and pid (tcp 0.0.0.0, udp [::])"
else
	echo "not ok 1 - a listener on all addresses is named with its process and pid"; sed 's/^/#   /' "$tmp/wild"
fi
if grep -q "listening on all addresses" "$tmp/wild" && grep -q "Debian's default" "$tmp/wild" &&
   grep -q "does not touch the services of this host" "$tmp/wild"; then
	echo "ok 2 - ... with what to do about it (a system nsd on all addresses), touching nothing"
else
	echo "not ok 2 - ... with what to do about it"; sed 's/^/#   /' "$tmp/wild"
fi

# 3-4: a second lab while the shared one runs: refused, naming the shared
# lab's nsd and its pid; the shared lab keeps running
lab_acquire || { echo "Bail out! cannot start the lab in $MXVET_LAB"; exit 1; }
root_pid=$(cat "$MXVET_LAB/run/nsd-root.pid" 2>/dev/null)
timeout 60 "$LAB" start "$tmp/second" > "$tmp/second.log" 2>&1
rc=$?
if [ $rc != 0 ] && [ -n "$root_pid" ] &&
   grep -qE "127\.53\.0\.1:53/(udp|tcp) is taken by nsd.*\(pid [0-9]+\).* listening on 127\.53\.0\.1:53" "$tmp/second.log" &&
   grep -q "(pid $root_pid)" "$tmp/second.log"; then
	echo "ok 3 - lab start on taken addresses: exit $rc, names nsd (pid $root_pid) on 127.53.0.1:53"
else
	echo "not ok 3 - lab start on taken addresses names the holder (exit $rc)"; sed 's/^/#   /' "$tmp/second.log"
fi
if "$LAB" status "$MXVET_LAB" > /dev/null 2>&1 && [ "$(cat "$MXVET_LAB/run/nsd-root.pid")" = "$root_pid" ]; then
	echo "ok 4 - the running lab was left alone"
else
	echo "not ok 4 - the running lab was left alone"; "$LAB" status "$MXVET_LAB" | sed 's/^/#   /'
fi
