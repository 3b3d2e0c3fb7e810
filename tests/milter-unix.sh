#!/bin/bash
# milter_listen = unix:PATH: the socket gets mode 0660 whatever the umask,
# never world-connectable (mxvetd gives it its owner and unix_socket_group,
# tested through the policy socket in tests/startup.py), a stale socket is
# replaced, and a path holding anything else is refused and left alone.
# Uses tests/milter_harness (daemon/milter.c).
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
H=$top_builddir/tests/milter_harness
tmp=$(mktemp -d /tmp/mxvet-milter-unix.XXXXXX)
pid=
trap '[ -n "$pid" ] && kill -9 $pid 2>/dev/null; rm -rf "$tmp"' EXIT
. "$top_srcdir/tests/tap.sh"
echo "1..4"

# wait_sock PATH: up to 5 s for a socket at PATH
wait_sock() { for _ in $(seq 1 50); do [ -S "$1" ] && return 0; sleep 0.1; done; return 1; }
stop() {
	kill -TERM "$pid"
	for _ in $(seq 1 80); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	pid=
}

echo "keep me" > "$tmp/file"
timeout 10 "$H" "unix:$tmp/file" 2> "$tmp/err1"
rc=$?
if [ $rc -ne 0 ] && grep -q "not a socket" "$tmp/err1" && [ "$(cat "$tmp/file")" = "keep me" ]; then
	ok "unix:PATH on a regular file: refused, file untouched"
else
	notok "unix:PATH on a regular file: refused, file untouched" "exit $rc" "$(cat "$tmp/err1")"
fi

(umask 0; exec "$H" "unix:$tmp/sock") 2> "$tmp/err2" &
pid=$!
if wait_sock "$tmp/sock"; then
	check_mode=$(stat -c %a "$tmp/sock")
	[ "$check_mode" = 660 ] && ok "socket mode 660 whatever the umask (not world-connectable)" ||
		notok "socket mode 660 whatever the umask (not world-connectable)" "mode $check_mode"
else
	notok "socket mode 660 whatever the umask (not world-connectable)" "no socket: $(cat "$tmp/err2")"
fi
stop

# a stale socket (no listener behind it) is replaced by a listening one
rm -f "$tmp/sock"
python3 -c 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$tmp/sock"
conn() { python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.settimeout(3); s.connect(sys.argv[1])' "$1" 2>/dev/null; }
conn "$tmp/sock" && stale=listening || stale=refused
"$H" "unix:$tmp/sock" 2> "$tmp/err3" &
pid=$!
wait_sock "$tmp/sock"
for _ in $(seq 1 50); do conn "$tmp/sock" && break; sleep 0.1; done
if [ "$stale" = refused ] && kill -0 "$pid" 2>/dev/null; then
	ok "a stale socket is replaced: the harness starts on it"
else
	notok "a stale socket is replaced: the harness starts on it" "stale socket $stale" "$(cat "$tmp/err3")"
fi
if conn "$tmp/sock"; then
	ok "the new socket accepts connections"
else
	notok "the new socket accepts connections"
fi
stop
