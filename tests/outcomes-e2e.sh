#!/bin/bash
# mxvet outcomes against a real Postfix that really delivers. A private
# Postfix (tests/postfix/pf-instance.sh, then reconfigured to deliver by
# DNS instead of to the sink) runs in its own mount namespace, where
# /etc/resolv.conf names a private unbound resolving from the lab's root;
# it delivers only to lab addresses on loopback (the lab's SMTP hosts on
# port 2525, known_tcp_ports). mxvetd answers its policy requests, and
# mxvetd runs in warn mode: Postfix only logs what mxvetd would refuse
# (the policy action WARN: a warn line, the recipient is accepted), so every recipient
# reaches the queue. Mail goes to NXDOMAIN, null MX, refused, silent,
# banner-reject, address-less MX and healthy lab domains; queue lifetimes
# are 0 so each deferral expires after one attempt. Then `mxvet outcomes`
# over Postfix's maillog must count exactly the sent, bounced and expired
# recipients the log shows, under the codes mxvetd gave each domain.
# TAP. Skips only without Postfix, unbound, swaks, unshare or root.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${MXVET_LAB:=/tmp/mxvet-lab}"
: "${MXVET_OUTCOMES_PORT:=10775}"	# smtpd; the sink +1, mxvetd's policy +20
: "${MXVET_OUTCOMES_DNS:=127.54.0.53}"	# the private resolver (port 53)
SMTPD_PORT=$MXVET_OUTCOMES_PORT
SINK_PORT=$((SMTPD_PORT + 1))
POLICY_PORT=$((SMTPD_PORT + 20))
PF=$top_srcdir/tests/postfix/pf-instance.sh
MXVETD=$top_builddir/mxvetd
MXVET=$top_builddir/mxvet

. "$top_srcdir/tests/postfix/e2e-lib.sh"
for t in unbound unshare; do
	command -v "$t" > /dev/null || skip_or_fail "$t is not installed (./bootstrap installs it)"
done
e2e_begin outcomes
unbound_pid=
cleanup() {
	"$PF" stop "$tmp/pf" > /dev/null 2>&1
	[ -z "$unbound_pid" ] || kill "$unbound_pid" 2> /dev/null
	e2e_cleanup
}
trap cleanup EXIT
for p in $SMTPD_PORT $SINK_PORT $POLICY_PORT; do
	port_free "$p" || bail "127.0.0.1:$p is in use (set MXVET_OUTCOMES_PORT)"
done
. "$top_srcdir/tests/lab-env.sh"
lab_acquire || bail "cannot start the lab in $MXVET_LAB"

# The private resolver: the lab's unbound settings (root hints, trust
# anchor, test. served) in a daemon on its own loopback address.
cat > "$tmp/unbound.conf" << EOF
include: "$MXVET_LAB/unbound.conf"
server:
	interface: $MXVET_OUTCOMES_DNS
	port: 53
	access-control: 127.0.0.0/8 allow
	do-daemonize: no
	username: ""
	chroot: ""
	directory: "$tmp"
	pidfile: "$tmp/unbound.pid"
	logfile: "$tmp/unbound.log"
	num-threads: 1
remote-control:
	control-enable: no
EOF
unbound -d -c "$tmp/unbound.conf" > "$tmp/unbound.out" 2>&1 &
unbound_pid=$!
for i in $(seq 1 50); do
	dig +time=1 +tries=1 @"$MXVET_OUTCOMES_DNS" healthy.test MX > /dev/null 2>&1 && break
	kill -0 "$unbound_pid" 2> /dev/null || bail "unbound did not start: $(cat "$tmp/unbound.out" "$tmp/unbound.log" 2> /dev/null)"
	sleep 0.1
done
echo "nameserver $MXVET_OUTCOMES_DNS" > "$tmp/resolv.conf"

# mxvetd with its verdicts recorded in the history of $tmp/state
mkdir -p "$tmp/state"
chown nobody "$tmp/state"
lab_conf "$tmp/mxvetd.conf" "state_dir=$tmp/state" "policy_listen=inet:127.0.0.1:$POLICY_PORT" \
	"decision_timeout=15s" "user=nobody" "pid_file=$tmp/mxvetd.pid" "mode=warn"
"$MXVETD" -f -l stderr -c "$tmp/mxvetd.conf" > "$tmp/mxvetd.log" 2>&1 &
mxvetd_pid=$!
wait_listen "$POLICY_PORT" "$mxvetd_pid" "$tmp/mxvetd.log"

# Postfix in its own mount namespace (its resolv.conf), then switched
# from the sink to real delivery by DNS.
unshare -m --propagation private sh -c \
	'mount --bind "$1" /etc/resolv.conf && exec "$2" start "$3" "$4" "$5" none' \
	sh "$tmp/resolv.conf" "$PF" "$tmp/pf" "$SMTPD_PORT" "$SINK_PORT" > "$tmp/pf.log" 2>&1 ||
	bail "private Postfix did not start: $(tail -5 "$tmp/pf.log")"
postconf -c "$tmp/pf/etc" -e \
	"relayhost =" "smtp_dns_support_level = enabled" "known_tcp_ports = smtp=2525" \
	"smtpd_recipient_restrictions = check_policy_service inet:127.0.0.1:$POLICY_PORT, permit_mynetworks, reject" \
	"maximal_queue_lifetime = 0" "bounce_queue_lifetime = 0" \
	"smtp_connect_timeout = 3s" "smtp_helo_timeout = 3s" "smtp_address_preference = ipv4" ||
	bail "postconf failed"
postfix -c "$tmp/pf/etc" reload > /dev/null 2>&1 || bail "postfix reload failed"
sleep 1

# domain class -> lab domain; what Postfix must log for it
D_OK=healthy.test D_NX=nxdomain.test D_NULL=nullmx.test D_REF=smtprefused.test
D_SIL=smtpsilent.test D_554=smtpreject.test D_NOADDR=mxnoaddr.test
DOMAINS="$D_OK $D_NX $D_NULL $D_REF $D_SIL $D_554 $D_NOADDR"
echo "1..15"

# One message per domain with two recipients each, plus one message to
# three domains; null sender, so that no bounce adds mail of its own.
i=0
for d in $DOMAINS; do
	i=$((i + 1))
	timeout 60 swaks --server 127.0.0.1:"$SMTPD_PORT" --from '<>' --to "a$i@$d,b$i@$d" \
		--header "Subject: outcomes $d" > "$tmp/send-$d.log" 2>&1 ||
		bail "swaks to $d failed: $(tail -3 "$tmp/send-$d.log")"
done
timeout 60 swaks --server 127.0.0.1:"$SMTPD_PORT" --from '<>' \
	--to "m1@$D_OK,m2@$D_NX,m3@$D_REF" --header "Subject: outcomes mixed" > "$tmp/send-mixed.log" 2>&1 ||
	bail "swaks (mixed) failed"
accepted=$(grep -c '^ *<-  250 2.1.5' "$tmp"/send-*.log | awk -F: '{ s += $2 } END { print s }')
check "Postfix accepted every recipient (mode = warn)" 17 "$accepted"

# the queue drains: every recipient delivered, bounced or expired (bounded)
for i in $(seq 1 90); do
	postqueue -c "$tmp/pf/etc" -p 2> /dev/null | grep -q 'Mail queue is empty' && break
	postqueue -c "$tmp/pf/etc" -f > /dev/null 2>&1
	sleep 1
done
check "the queue drained" "Mail queue is empty" "$(postqueue -c "$tmp/pf/etc" -p 2>&1 | tail -1)"
log=$tmp/pf/maillog
cp "$log" "${MXVET_OUTCOMES_KEEP:-/dev/null}" 2> /dev/null

# What Postfix logged, counted with awk: per domain, the final status of
# each recipient (sent, bounced, or expired when qmgr returned its message).
expect_final() {	# domain -> "sent bounced expired"
	awk -v d="$1" '
		/ postfix\/[a-z]+\[[0-9]+\]: [0-9A-Za-z]+: to=</ {
			q = $6; sub(/:$/, "", q)
			match($0, /to=<[^>]*>/); r = substr($0, RSTART + 4, RLENGTH - 5)
			split(r, a, "@"); if (tolower(a[2]) != d) next
			match($0, /status=[a-z]+/); s = substr($0, RSTART + 7, RLENGTH - 7)
			if (s == "deferred") { pend[q SUBSEP r] = 1; next }
			delete pend[q SUBSEP r]; n[s]++
		}
		/ postfix\/qmgr\[[0-9]+\]: [0-9A-Za-z]+: from=<.*status=expired/ {
			q = $6; sub(/:$/, "", q)
			for (k in pend) { split(k, b, SUBSEP); if (b[1] == q) { n["expired"]++; delete pend[k] } }
		}
		END { printf "%d %d %d\n", n["sent"], n["bounced"], n["expired"] }' "$log"
}

"$MXVET" outcomes --maillog "$log" --state-dir "$tmp/state" --config "$tmp/mxvetd.conf" \
	--json > "$tmp/outcomes.json" 2> "$tmp/outcomes.err"
check "mxvet outcomes exits 0" 0 "$?"
"$MXVET" outcomes --maillog "$log" --state-dir "$tmp/state" --config "$tmp/mxvetd.conf" \
	> "$tmp/outcomes.txt" 2>&1
sed 's/^/# /' "$tmp/outcomes.txt"

# per code (the codes mxvetd recorded for the domain): sent bounced expired
jq_code() {	# code -> "sent bounced expired"
	python3 -c 'import json,sys; t=json.load(open(sys.argv[1]))["codes"].get(sys.argv[2],{})
print(t.get("sent",0), t.get("bounced",0), t.get("expired",0))' "$tmp/outcomes.json" "$1"
}
codes_of() {	# domain -> its codes in the history, via mxvet report
	"$MXVET" report --json --state-dir "$tmp/state" --config "$tmp/mxvetd.conf" |
		python3 -c 'import json,sys
for l in sys.stdin:
    o=json.loads(l)
    if o["domain"]==sys.argv[1]: print(",".join(o["codes"]))' "$1"
}
sum() { awk '{ for (i = 1; i <= NF; i++) s[i] += $i } END { printf "%d %d %d\n", s[1], s[2], s[3] }'; }

# each code: what outcomes says equals the sum over the domains carrying it
bad=
for d in $DOMAINS; do codes_of "$d"; done | tr ',' '\n' | sed '/^$/d' | sort -u > "$tmp/codes"
for code in $(cat "$tmp/codes"); do
	want=$(for d in $DOMAINS; do
		case ",$(codes_of "$d")," in *",$code,"*) expect_final "$d" ;; esac
	done | sum)
	got=$(jq_code "$code")
	[ "$want" = "$got" ] || bad="$bad $code(want $want got $got)"
	echo "# $code: sent bounced expired = $got"
done
check "per code, the recipients sent, bounced and expired are those Postfix logged" "" "$bad"
want=$(for s in sent deferred bounced; do grep -c "postfix/smtp\[[0-9]*\]: [0-9A-F]*: to=<.*, status=$s " "$log"; done | paste -sd' ')
got=$(python3 -c 'import json,sys; t=json.load(open(sys.argv[1]))["lines"]["status"]
print(t["sent"], t["deferred"], t["bounced"])' "$tmp/outcomes.json")
check "the delivery lines by status are those Postfix logged (sent deferred bounced: $want)" "$want" "$got"

check "$D_NX: bounced, under DOMAIN_NXDOMAIN" "0 3 0" "$(jq_code DOMAIN_NXDOMAIN)"
check "$D_NULL: bounced, under NULL_MX" "0 2 0" "$(jq_code NULL_MX)"
check "$D_REF: expired after deferral, under SMTP_REFUSED" "0 0 3" "$(jq_code SMTP_REFUSED)"
check "$D_SIL: expired after deferral, under SMTP_SILENT" "0 0 2" "$(jq_code SMTP_SILENT)"
v=$(python3 -c 'import json,sys; t=json.load(open(sys.argv[1]))["verdicts"]["accept"]
print(t["recipients"], t["sent"])' "$tmp/outcomes.json")
check "$D_OK: the accepted recipients were all sent" "3 3" "$v"
w=$(grep -c ': warn: RCPT from .*\[[A-Z_,]*\]; from=' "$log")
got=$(python3 -c 'import json,sys; t=json.load(open(sys.argv[1]))["verdicts"]
print(sum(v["rcpt_warned"] for v in t.values()))' "$tmp/outcomes.json")
check "the recipients warned about at RCPT are those Postfix logged ($w)" "$w" "$got"

# journalctl -o cat: the same lines without stamp, host and program, through
# a pipe, give the same figures per verdict, per code and for the misses
sed -E 's/^[A-Z][a-z]{2} [ 0-9][0-9] [0-9:]{8} [^ ]+ [^ ]+: //' "$log" |
	"$MXVET" outcomes --maillog - --state-dir "$tmp/state" --config "$tmp/mxvetd.conf" \
	--json > "$tmp/outcomes-cat.json"
same=$(python3 -c 'import json,sys
a, b = (json.load(open(f)) for f in sys.argv[1:])
print(all(a[k] == b[k] for k in ("verdicts", "codes", "misses")) and b["lines"]["unstamped"] > 0)' \
	"$tmp/outcomes.json" "$tmp/outcomes-cat.json")
check "the journal form (-o cat) through a pipe gives the same report" True "$same"

# Enforce (mode = enforce, reloaded): Postfix now refuses what mxvetd
# refuses. The refused recipient never reaches the queue: counted at RCPT
# only, and the report says so.
sed -i 's/^mode *=.*/mode = enforce/' "$tmp/mxvetd.conf"
grep -q '^mode = enforce' "$tmp/mxvetd.conf" || bail "mode not switched in $tmp/mxvetd.conf"
kill -HUP "$mxvetd_pid"
for i in $(seq 1 100); do
	grep -q 'reload: configuration .* applied' "$tmp/mxvetd.log" && break
	sleep 0.1
done
grep -q 'reload: configuration .* applied' "$tmp/mxvetd.log" ||
	bail "mxvetd did not apply the reload: $(tail -3 "$tmp/mxvetd.log")"
timeout 60 swaks --server 127.0.0.1:"$SMTPD_PORT" --from '<>' --to "e1@$D_NX,e2@$D_OK" \
	--header "Subject: outcomes enforce" > "$tmp/send-enforce.log" 2>&1
check "enforce: Postfix refuses the NXDOMAIN recipient at RCPT" 550 \
	"$(rcpt_reply send-enforce "e1@$D_NX" | cut -c1-3)"
for i in $(seq 1 30); do
	postqueue -c "$tmp/pf/etc" -p 2> /dev/null | grep -q 'Mail queue is empty' && break
	sleep 1
done
"$MXVET" outcomes --maillog "$log" --state-dir "$tmp/state" --config "$tmp/mxvetd.conf" \
	--json > "$tmp/outcomes2.json"
got=$(python3 -c 'import json,sys; j=json.load(open(sys.argv[1]))
c=j["codes"]["DOMAIN_NXDOMAIN"]; a=j["verdicts"]["accept"]
print(c["rcpt_rejected"], c["recipients"], c["bounced"], a["sent"])' "$tmp/outcomes2.json")
check "enforce: 1 refused at RCPT under DOMAIN_NXDOMAIN, no outcome for it; the accepted one sent" \
	"1 3 3 4" "$got"
"$MXVET" outcomes --maillog "$log" --state-dir "$tmp/state" --config "$tmp/mxvetd.conf" \
	> "$tmp/outcomes2.txt" 2>&1
check "enforce: the report says refused recipients were never queued" 1 \
	"$(grep -c '^at RCPT: 1 recipients refused with an mxvet code (enforce: never queued' "$tmp/outcomes2.txt")"
