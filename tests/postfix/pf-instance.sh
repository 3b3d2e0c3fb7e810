#!/bin/bash
# pf-instance.sh: a private Postfix instance for tests, never the system's.
#
#   pf-instance.sh start DIR SMTPD_PORT SINK_PORT POLICY [MILTER]
#   pf-instance.sh stop DIR
#
# start writes DIR/etc/{main,master}.cf (own config, queue and data
# directories under DIR), starts smtp-sink on 127.0.0.1:SINK_PORT dumping
# each received transaction to a file in DIR/sink, and starts Postfix with
# smtpd on 127.0.0.1:SMTPD_PORT, relaying every message to the sink.
# POLICY is the check_policy_service endpoint (inet:127.0.0.1:PORT or
# unix:PATH); it comes first in smtpd_recipient_restrictions, so it is
# consulted for the loopback test client too; "none" leaves it out. MILTER,
# if given, is the smtpd_milters endpoint (inet:127.0.0.1:PORT), with
# milter_default_action = tempfail so that a dead milter shows. Lines in
# $PF_MAIN_EXTRA, if set, are appended to main.cf (e.g. SASL settings).
# Nothing is delivered beyond
# loopback: no DNS (smtp_dns_support_level = disabled), no local
# destinations (mydestination empty), and relayhost is the sink.
#
# Postfix refuses "postfix -c DIR" unless DIR is listed in
# alternate_config_directories of the default main.cf (postconf(5)), so
# start adds DIR/etc there (creating /etc/postfix/main.cf with that line
# only, if it is missing); stop takes it out again (and removes a main.cf
# it created). Needs root.
set -eu

die() { echo "pf-instance: $*" >&2; exit 1; }
DEFAULT_MAIN=/etc/postfix/main.cf
CREATED="# created by mxvet tests/postfix/pf-instance.sh"

alt_dirs() {	# print the current list, one per line
	[ -f "$DEFAULT_MAIN" ] || return 0
	postconf -c /etc/postfix -h alternate_config_directories 2>/dev/null | tr ', ' '\n\n' | sed '/^$/d'
}

alt_set() {	# replace the list with stdin's lines
	local v
	v=$(paste -sd, - | sed 's/,/, /g')
	[ -f "$DEFAULT_MAIN" ] || echo "$CREATED" > "$DEFAULT_MAIN"
	if [ -n "$v" ]; then
		postconf -c /etc/postfix -e "alternate_config_directories = $v"
	else
		postconf -c /etc/postfix -X alternate_config_directories
		# a main.cf we created and emptied again goes away
		[ "$(cat "$DEFAULT_MAIN")" != "$CREATED" ] || rm -f "$DEFAULT_MAIN"
	fi
}

start() {
	local dir=$1 port=$2 sinkport=$3 policy=$4 milter=${5:-} rr
	[ "$(id -u)" = 0 ] || die "needs root"
	command -v postfix > /dev/null || die "postfix not installed"
	mkdir -p "$dir/etc" "$dir/queue" "$dir/data" "$dir/sink"
	dir=$(cd "$dir" && pwd)
	chown postfix "$dir/data" "$dir/sink"
	rr="permit_mynetworks, reject"
	[ "$policy" = none ] || rr="check_policy_service $policy, $rr"

	cat > "$dir/etc/main.cf" <<EOM
# private test instance: see tests/postfix/pf-instance.sh
compatibility_level = 3.6
queue_directory = $dir/queue
data_directory = $dir/data
meta_directory = /etc/postfix
maillog_file = $dir/maillog
maillog_file_prefixes = $dir
myhostname = mta.mxvet-test.invalid
mydomain = mxvet-test.invalid
myorigin = \$myhostname
mydestination =
local_recipient_maps =
alias_maps =
alias_database =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
relay_domains =
relayhost = [127.0.0.1]:$sinkport
smtp_dns_support_level = disabled
smtpd_relay_restrictions = permit_mynetworks, reject
smtpd_recipient_restrictions = $rr
smtpd_policy_service_timeout = 60s
biff = no
smtputf8_enable = no
# deliver at once and do not keep retrying a failing sink for long
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 5s
bounce_queue_lifetime = 0
maximal_queue_lifetime = 1m
EOM
	if [ -n "$milter" ]; then
		cat >> "$dir/etc/main.cf" <<EOM
smtpd_milters = $milter
milter_default_action = tempfail
milter_command_timeout = 60s
EOM
	fi
	[ -z "${PF_MAIN_EXTRA:-}" ] || printf '%s\n' "$PF_MAIN_EXTRA" >> "$dir/etc/main.cf"
	# Only what a relay to the sink needs; no chroot (it is not populated).
	cat > "$dir/etc/master.cf" <<EOM
127.0.0.1:$port inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOM
	(
		flock -w 30 8
		{ alt_dirs | grep -vx "$dir/etc" || true; echo "$dir/etc"; } > "$dir/alt.tmp"
		alt_set < "$dir/alt.tmp"
	) 8> /tmp/mxvet-pf-instance.lock
	rm -f "$dir/alt.tmp"

	# smtp-sink: -d dumps each transaction (envelope as X-Rcpt-Args: lines,
	# then the message) to a file named from the pattern plus a random part.
	smtp-sink -u postfix -R "$dir/sink" -d "%Y%m%d%H%M%S." 127.0.0.1:"$sinkport" 64 \
		< /dev/null > "$dir/sink.log" 2>&1 &
	echo $! > "$dir/sink.pid"

	if ! postfix -c "$dir/etc" start > "$dir/start.log" 2>&1; then
		cat "$dir/start.log" "$dir/maillog" >&2 2>/dev/null || true
		stop "$dir"
		die "postfix -c $dir/etc start failed"
	fi
	# wait (bounded) until smtpd and the sink accept connections
	local i
	for i in $(seq 1 50); do
		if (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null &&
		   (exec 3<>/dev/tcp/127.0.0.1/"$sinkport") 2>/dev/null; then
			return 0
		fi
		sleep 0.1
	done
	stop "$dir"
	die "smtpd on 127.0.0.1:$port or the sink did not come up"
}

stop() {
	local dir=$1 pid i
	[ -d "$dir" ] || return 0
	dir=$(cd "$dir" && pwd)
	if [ -f "$dir/etc/main.cf" ]; then
		postfix -c "$dir/etc" stop > /dev/null 2>&1 || true
		# master's pid file; kill a leftover master by pid, bounded wait
		pid=$(tr -dc 0-9 < "$dir/queue/pid/master.pid" 2>/dev/null || true)
		for i in $(seq 1 30); do
			[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null || true
	fi
	if [ -f "$dir/sink.pid" ]; then
		kill "$(cat "$dir/sink.pid")" 2>/dev/null || true
		rm -f "$dir/sink.pid"
	fi
	(
		flock -w 30 8
		{ alt_dirs | grep -vx "$dir/etc" || true; } > "$dir/alt.tmp"
		alt_set < "$dir/alt.tmp"
	) 8> /tmp/mxvet-pf-instance.lock
	rm -f "$dir/alt.tmp"
}

case "${1:-}" in
start) [ $# = 5 ] || [ $# = 6 ] || die "usage: $0 start DIR SMTPD_PORT SINK_PORT POLICY [MILTER]"
	start "$2" "$3" "$4" "$5" "${6:-}" ;;
stop) [ $# = 2 ] || die "usage: $0 stop DIR"; stop "$2" ;;
*) die "usage: $0 start DIR SMTPD_PORT SINK_PORT POLICY [MILTER] | stop DIR" ;;
esac
