# e2e-lib.sh: shared by the tests that send mail through a private Postfix
# (tests/postfix-e2e.sh, tests/milter-e2e.sh). Sourced; needs $tmp (work
# dir, the Postfix instance in $tmp/pf) and $SMTPD_PORT.

port_free() { ! (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null; }

n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); echo "not ok $n - $1"; shift; for l in "$@"; do echo "#   $l"; done; }
check() {	# name, expected, got
	if [ "$2" = "$3" ]; then ok "$1"; else notok "$1" "expected: $2" "got:      $3"; fi
}

# send TAG RCPT...: one message, recipients in order; swaks's transcript in $tmp/TAG.log
send() {
	local tag=$1; shift
	local to
	to=$(IFS=,; echo "$*")
	timeout 60 swaks --server 127.0.0.1:"$SMTPD_PORT" --from sender@sender.test --to "$to" \
		--header "Subject: mxvet-e2e $tag" --body "token $tag" > "$tmp/$tag.log" 2>&1
}
# rcpt_reply TAG ADDR: the server's reply to RCPT TO:<ADDR> in that transcript
rcpt_reply() {
	awk -v a="RCPT TO:<$2>" '
		found && /^ *<(-|\*\*) / { sub(/^ *<(-|\*\*) +/, ""); print; exit }
		index($0, a) { found = 1 }' "$tmp/$1.log"
}
# sink_file TAG: the sink's dump of the message with that subject (waits up to 10 s)
sink_file() {
	local i f
	for i in $(seq 1 100); do
		f=$(grep -l "^Subject: mxvet-e2e $1\$" "$tmp/pf/sink"/* 2>/dev/null | head -1)
		[ -n "$f" ] && { echo "$f"; return 0; }
		sleep 0.1
	done
	return 1
}
# pick VERDICT CODES: the first lab domain with exactly that verdict and codes
pick() {
	awk -F'\t' -v v="$1" -v c="$2" '!/^#/ && $2 == v && $3 == c { print $1; exit }' "$tsv"
}
# wait_listen PORT PID LOG: until PORT accepts (5 s), else bail
wait_listen() {
	local i
	for i in $(seq 1 50); do
		port_free "$1" || return 0
		kill -0 "$2" 2>/dev/null || break
		sleep 0.1
	done
	bail "mxvetd did not listen on $1: $(tail -3 "$3")"
}
# stop_mxvetd PID: SIGTERM; stop_why is "" if it exited 0 within 10 s,
# else why not (not in $(...): wait needs the parent shell)
stop_mxvetd() {
	local i rc
	stop_why=
	kill -TERM "$1"
	for i in $(seq 1 100); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
	if kill -0 "$1" 2>/dev/null; then stop_why="still running after 10 s"; return; fi
	wait "$1"
	rc=$?
	[ "$rc" = 0 ] || stop_why="exit status $rc"
}
