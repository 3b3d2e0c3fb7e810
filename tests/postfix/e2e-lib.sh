# e2e-lib.sh: shared by the tests that send mail through a private Postfix
# (tests/postfix-e2e.sh, tests/milter-e2e.sh). Sourced after setting $PF
# (pf-instance.sh), $MXVETD and $SMTPD_PORT; e2e_begin makes $tmp (work
# dir, the Postfix instance in $tmp/pf) and the cleanup.

. "$top_srcdir/tests/skip.sh"
bail() { echo "Bail out! $*"; exit 1; }

# e2e_begin NAME: skip (TAP; a failure under CI) without Postfix, its
# tools or root; $tmp; on
# exit stop Postfix and $mxvetd_pid and remove $tmp
e2e_begin() {
	local t
	for t in postfix smtp-sink swaks postconf; do
		command -v "$t" > /dev/null || skip_or_fail "$t is not installed (./bootstrap installs it)"
	done
	[ "$(id -u)" = 0 ] || skip_or_fail "a private Postfix instance needs root"
	[ -x "$MXVETD" ] || bail "$MXVETD not built"
	tmp=$(mktemp -d "/tmp/mxvet-$1.XXXXXX")
	chmod 755 "$tmp"
	mxvetd_pid=
	trap e2e_cleanup EXIT
}
e2e_cleanup() {
	local i
	"$PF" stop "$tmp/pf" > /dev/null 2>&1
	if [ -n "$mxvetd_pid" ] && kill "$mxvetd_pid" 2>/dev/null; then
		for i in $(seq 1 50); do kill -0 "$mxvetd_pid" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$mxvetd_pid" 2>/dev/null
		wait "$mxvetd_pid" 2>/dev/null
	fi
	rm -rf "$tmp"
}

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
# e2e_lab: the lab through the shared helper when the lab's sources are
# here, else one already running in $MXVET_LAB; sets tsv (its domains).
e2e_lab() {
	if [ -x "$top_srcdir/tests/lab/lab" ]; then
		. "$top_srcdir/tests/lab-env.sh"
		lab_acquire || bail "cannot start the lab in $MXVET_LAB"
		tsv=$top_srcdir/tests/lab/domains.tsv
	else
		[ -f "$MXVET_LAB/mxvet.conf" ] || bail "no lab: neither tests/lab nor a running lab in $MXVET_LAB"
		tsv=$MXVET_LAB/domains.tsv
	fi
	[ -f "$tsv" ] || bail "no $tsv"
}

# e2e_mxvetd PORT KEY=VALUE...: mxvetd on the lab's config plus the keys,
# dropping to nobody, its state in $tmp/state, until PORT listens; sets
# mxvetd_pid.
e2e_mxvetd() {
	local port=$1 kv
	shift
	mkdir -p "$tmp/state"
	chown nobody "$tmp/state"
	{
		cat "$MXVET_LAB/mxvet.conf"
		echo "mx_providers_file = $top_srcdir/data/mx-providers.txt"
		for kv in "state_dir=$tmp/state" "decision_timeout=15s" "user=nobody" "$@"; do
			echo "${kv%%=*} = ${kv#*=}"
		done
	} > "$tmp/mxvetd.conf"
	"$MXVETD" -f -l stderr -c "$tmp/mxvetd.conf" > "$tmp/mxvetd.log" 2>&1 &
	mxvetd_pid=$!
	wait_listen "$port" "$mxvetd_pid" "$tmp/mxvetd.log"
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

# pick_classes: D_ACCEPT, D_NULLMX, D_NX, D_CNAME, D_SERVFAIL from $tsv
pick_classes() {
	local v
	D_ACCEPT=$(pick accept -)
	D_NULLMX=$(pick reject NULL_MX)
	D_NX=$(pick reject DOMAIN_NXDOMAIN)
	D_CNAME=$(pick annotate MX_CNAME)
	D_SERVFAIL=$(awk -F'\t' '!/^#/ && $2 == "defer" && $3 ~ /(^|,)DNS_SERVFAIL(,|$)/ { print $1; exit }' "$tsv")
	for v in D_ACCEPT D_NULLMX D_NX D_CNAME D_SERVFAIL; do
		[ -n "${!v}" ] || bail "$tsv has no domain for $v"
	done
}
# check_accepted TAG ADDR: RCPT 250, and the message reaches the sink
# without an X-Mxvet header (two TAP lines)
check_accepted() {
	local f
	check "${2#*@} (accept): RCPT 250" "250 2.1.5 Ok" "$(rcpt_reply "$1" "$2")"
	f=$(sink_file "$1")
	if [ -n "$f" ] && grep -q "^X-Rcpt-Args: <$2>" "$f" && ! grep -q '^X-Mxvet' "$f"; then
		ok "${2#*@}: the message reaches the sink, without an X-Mxvet header"
	else
		notok "${2#*@}: the message reaches the sink, without an X-Mxvet header" "sink file: ${f:-none}"
	fi
}
