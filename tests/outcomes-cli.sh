#!/bin/bash
# mxvet outcomes, the command: options, exit statuses, the block reader
# (lines across block boundaries, a line far over the bound, a last line
# without a newline, standard input), a UTF-8 recipient domain found under
# its A-label in the history, --since. No network, no root. TAP.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
MXVET=$top_builddir/mxvet
tmp=$(mktemp -d /tmp/mxvet-outcomes-cli.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
. "$top_srcdir/tests/tap.sh"
js() {	# FILE EXPR: a Python expression over the JSON report j
	python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}
echo "1..11"

mkdir "$tmp/state"
: > "$tmp/empty.conf"
printf '%s\n' "nx.example reject DOMAIN_NXDOMAIN" "xn--bcher-kva.example defer ALL_MX_UNREACHABLE,SMTP_REFUSED" |
	"$top_builddir/tests/history_put" "$tmp/state" || { echo "Bail out! history_put failed"; exit 1; }
run() { "$MXVET" outcomes --state-dir "$tmp/state" --config "$tmp/empty.conf" "$@"; }

now=$(date '+%b %e %H:%M:%S')
old=$(date -d '-3 days' '+%b %e %H:%M:%S')
{
	echo "$now mx postfix/smtp[1]: AAAAA00001: to=<a@nx.example>, relay=none, delay=0, delays=0/0/0/0, dsn=5.4.4, status=bounced (Host or domain name not found. Name service error for name=nx.example type=MX: Host not found)"
	echo "$now mx postfix/smtp[1]: AAAAA00002: to=<b@bücher.example>, relay=none, delay=0, delays=0/0/0/0, dsn=4.4.1, status=deferred (connect to mx.xn--bcher-kva.example[192.0.2.1]:25: Connection refused)"
	# 3 MB of one line: over the bound, across several read blocks
	printf '%s mx postfix/smtp[1]: AAAAA00003: to=<c@nx.example>, relay=none, dsn=5.0.0, status=bounced (' "$now"
	head -c 3000000 /dev/zero | tr '\0' x
	echo ")"
	echo "$old mx postfix/smtp[1]: AAAAA00004: to=<d@nx.example>, relay=none, delay=0, delays=0/0/0/0, dsn=5.4.4, status=bounced (Host or domain name not found)"
	for i in $(seq 1 20000); do
		echo "$now mx postfix/qmgr[2]: AAAAA1$(printf %04d $((i % 10000))): from=<s@a.example>, size=1, nrcpt=1 (queue active)"
	done
	echo "$now mx sshd[3]: Accepted publickey for root"
	printf '%s' "$now mx postfix/smtp[1]: AAAAA00005: to=<e@fine.example>, relay=mx.fine.example[2001:db8::1]:25, delay=0.1, delays=0/0/0/0.1, dsn=2.0.0, status=sent (250 ok)"
} > "$tmp/maillog"

run --maillog "$tmp/maillog" --json > "$tmp/all.json"
same "exit 0 on a log with an overlong line" 0 "$?"
same "lines: read, malformed (the 3 MB line), other Postfix, foreign" "20006 1 20000 1" \
	"$(js "$tmp/all.json" '"%d %d %d %d" % (j["lines"]["read"], j["lines"]["malformed"], j["lines"]["other"], j["lines"]["foreign"])')"
same "the last line without a newline is read: 1 sent under accept" 1 "$(js "$tmp/all.json" 'j["verdicts"]["accept"]["sent"]')"
same "a UTF-8 domain is found under its A-label: 1 deferred under SMTP_REFUSED" "1 1" \
	"$(js "$tmp/all.json" '"%d %d" % (j["codes"]["SMTP_REFUSED"]["recipients"], j["codes"]["SMTP_REFUSED"]["deferred"])')"
same "DOMAIN_NXDOMAIN: 2 bounced (the old one too without --since)" 2 "$(js "$tmp/all.json" 'j["codes"]["DOMAIN_NXDOMAIN"]["bounced"]')"
run --maillog - --json --since 1d < "$tmp/maillog" > "$tmp/since.json"
same "--since 1d from standard input: the 3-day-old line skipped" "1 1" \
	"$(js "$tmp/since.json" '"%d %d" % (j["codes"]["DOMAIN_NXDOMAIN"]["bounced"], j["lines"]["before_since"])')"
run --maillog "$tmp/maillog" > "$tmp/all.txt"
same "the text report: precision columns in both tables" 2 "$(grep -c "rej-prec  def-prec" "$tmp/all.txt")"
run --maillog "$tmp/nonexistent" > /dev/null 2>&1
same "a log that cannot be read: exit 66" 66 "$?"
run --since soon --maillog "$tmp/maillog" > /dev/null 2>&1
same "a bad --since: exit 64" 64 "$?"
"$MXVET" outcomes --state-dir "$tmp/nohistory" --config "$tmp/empty.conf" --maillog "$tmp/maillog" > /dev/null 2>&1
same "no history: exit 69" 69 "$?"
run --maillog "$tmp/maillog" extra > /dev/null 2>&1
same "an extra argument: exit 64" 64 "$?"
