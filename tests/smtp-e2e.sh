#!/bin/bash
# End to end through `mxvet check --json` and `mxvet report`, without the
# lab: DNS answers come from local-data in an unbound.conf (nothing leaves
# the box: the whole test. zone is static), SMTP hosts are
# tests/lab/fakesmtp.py on 127.77.0.x (loopback). Covers every SMTP code the
# fakes can make, the implicit MX, the address gate (an MX at 127.0.0.1,
# outside mx_allowed_networks, draws no connection), a slow greeting under
# the default banner timeout, DOMAIN_DEAD on the third failing check
# (dead_after = 1s), mxvet report, and the history surviving kill -9 of
# mxvet check. TAP output.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
MXVET="$top_builddir/mxvet"
T=$(mktemp -d /tmp/mxvet-smtp-e2e.XXXXXX)
FAKE_PID=
cleanup() {
	[ -n "$FAKE_PID" ] && kill "$FAKE_PID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

. "$top_srcdir/tests/tap.sh"

echo "1..21"

mkdir -p "$T/state"
python3 "$top_srcdir/tests/lab/fakesmtp.py" --port 0 --log "$T/conn.log" \
	127.77.0.1=ok-multiline 127.77.0.2=silent 127.77.0.3=tempfail 127.77.0.4=reject \
	127.77.0.5=slow:2 > "$T/fake.out" 2>&1 &
FAKE_PID=$!
for _ in $(seq 50); do grep -q "^ready " "$T/fake.out" 2>/dev/null && break; sleep 0.1; done
PORT=$(awk '/^ready / {print $2}' "$T/fake.out")
if [ -z "$PORT" ]; then
	echo "Bail out! fake SMTP hosts did not start: $(cat "$T/fake.out")"
	exit 1
fi
# the witness: anything that reaches 127.0.0.1 at the probe port is logged
python3 "$top_srcdir/tests/lab/fakesmtp.py" --port "$PORT" --log "$T/conn-lo.log" 127.0.0.1=ok \
	> "$T/fake-lo.out" 2>&1 &
LO_PID=$!
for _ in $(seq 50); do grep -q "^ready " "$T/fake-lo.out" 2>/dev/null && break; sleep 0.1; done
grep -q "^ready " "$T/fake-lo.out" || { kill $LO_PID 2>/dev/null; LO_PID=; }

cat > "$T/unbound.conf" <<EOF
server:
	local-zone: "test." static
	local-data: "ok.test. 300 MX 10 mx.ok.test."
	local-data: "mx.ok.test. 300 A 127.77.0.1"
	local-data: "silent.test. 300 MX 10 mx.silent.test."
	local-data: "mx.silent.test. 300 A 127.77.0.2"
	local-data: "tempfail.test. 300 MX 10 mx.tempfail.test."
	local-data: "mx.tempfail.test. 300 A 127.77.0.3"
	local-data: "reject.test. 300 MX 10 mx.reject.test."
	local-data: "mx.reject.test. 300 A 127.77.0.4"
	local-data: "refused.test. 300 MX 10 mx.refused.test."
	local-data: "mx.refused.test. 300 A 127.77.0.9"
	local-data: "primary.test. 300 MX 10 mx1.primary.test."
	local-data: "primary.test. 300 MX 20 mx2.primary.test."
	local-data: "mx1.primary.test. 300 A 127.77.0.2"
	local-data: "mx2.primary.test. 300 A 127.77.0.1"
	local-data: "slow.test. 300 MX 10 mx.slow.test."
	local-data: "mx.slow.test. 300 A 127.77.0.5"
	local-data: "implicit.test. 300 A 127.77.0.1"
	local-data: "loop.test. 300 MX 10 mx.loop.test."
	local-data: "mx.loop.test. 300 A 127.0.0.1"
	local-data: "dead.test. 300 MX 10 mx.dead.test."
	local-data: "mx.dead.test. 300 A 127.77.0.8"
EOF
conf() {
	cat <<EOF
unbound_config = $T/unbound.conf
checks = dns, smtp
mx_allowed_networks = 127.77.0.0/16
smtp_port = $PORT
smtp_connect_timeout = 2s
state_dir = $T/state
mx_providers_file = $top_srcdir/data/mx-providers.txt
# who runs the test (as root, mxvet check becomes an existing daemon user)
user =
EOF
	for kv in "$@"; do echo "$kv"; done
}
conf "smtp_banner_timeout = 2s" > "$T/short.conf"
conf > "$T/default.conf"
conf "smtp_banner_timeout = 2s" "dead_after = 1s" > "$T/dead.conf"

# "verdict CODE,CODE" of one JSON line
summary() {
	python3 -c 'import json,sys
for line in sys.stdin:
    j = json.loads(line)
    print(j["domain"], j["verdict"], ",".join(sorted(set(f["code"] for f in j["findings"]))) or "-")'
}
# the smtp status of each address, "host:addr=status ..."
smtp_of() {
	python3 -c 'import json,sys
for line in sys.stdin:
    j = json.loads(line)
    print(" ".join("%s:%s=%s" % (m["host"], s["address"], s["status"]) for m in j["mx"] for s in (m["smtp"] or [])))'
}

"$MXVET" check --json --config "$T/short.conf" ok.test silent.test tempfail.test \
	reject.test refused.test primary.test implicit.test > "$T/out.json" 2> "$T/err"
rc=$?
summary < "$T/out.json" > "$T/sum"
expect() {
	local line
	line=$(grep "^$1 " "$T/sum")
	if [ "$line" = "$1 $2 $3" ]; then ok "$1: $2 $3"; else notok "$1: want $2 $3" "got: $line" "$(tail -3 "$T/err")"; fi
}
expect ok.test accept -
expect silent.test defer ALL_MX_UNREACHABLE,SMTP_SILENT
expect tempfail.test defer ALL_MX_UNREACHABLE,SMTP_BANNER_TEMPFAIL
expect reject.test defer ALL_MX_UNREACHABLE,SMTP_BANNER_REJECT
expect refused.test defer ALL_MX_UNREACHABLE,SMTP_REFUSED
expect primary.test annotate PRIMARY_MX_DOWN,SMTP_SILENT
expect implicit.test annotate NO_MX_IMPLICIT
[ $rc -eq 2 ] && ok "exit status 2 (defer is the worst)" || notok "exit status $rc, want 2"

s=$(grep '"domain":"primary.test"' "$T/out.json" | smtp_of)
[ "$s" = "mx1.primary.test:127.77.0.2=silent mx2.primary.test:127.77.0.1=ok" ] &&
	ok "primary.test: smtp field per address" || notok "primary.test smtp field" "$s"
s=$(grep '"domain":"implicit.test"' "$T/out.json" | smtp_of)
[ "$s" = "implicit.test:127.77.0.1=ok" ] && ok "implicit MX: the domain's own address is probed" ||
	notok "implicit MX probe" "$s"
b=$(grep '"domain":"tempfail.test"' "$T/out.json" | python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["mx"][0]["smtp"][0]["banner"])')
[ "$b" = "421 4.3.2 fake.test Service not available, closing transmission channel" ] && ok "banner of the 421 host reported" || notok "banner" "$b"
# shared hosts: ok.test, primary.test and implicit.test use 127.77.0.1,
# silent.test and primary.test 127.77.0.2: one connection each
c1=$(grep -c '^127.77.0.1$' "$T/conn.log"); c2=$(grep -c '^127.77.0.2$' "$T/conn.log")
[ "$c1" = 1 ] && [ "$c2" = 1 ] && ok "one probe per address, shared by the domains" ||
	notok "probes per address: 127.77.0.1=$c1 127.77.0.2=$c2"

# the address gate: MX at 127.0.0.1, outside mx_allowed_networks
"$MXVET" check --json --verbose --config "$T/short.conf" loop.test > "$T/loop.json" 2> "$T/loop.err"
line=$(summary < "$T/loop.json")
stats=$(grep 'smtp prober:' "$T/loop.err")
if [ "$line" = "loop.test reject MX_LOCALHOST" ] && [ "$(smtp_of < "$T/loop.json")" = "mx.loop.test:127.0.0.1=skipped" ]; then
	ok "loop.test: MX_LOCALHOST, address skipped"
else
	notok "loop.test" "$line" "$(smtp_of < "$T/loop.json")"
fi
if echo "$stats" | grep -q ' skipped=1 connects=0 ' && [ ! -s "$T/conn-lo.log" ]; then
	ok "no connection to 127.0.0.1 (prober stats and the witness listener${LO_PID:+ on 127.0.0.1:$PORT})"
else
	notok "connection attempted to 127.0.0.1" "$stats" "witness: $(cat "$T/conn-lo.log" 2>/dev/null)"
fi
[ -n "${LO_PID:-}" ] && kill "$LO_PID" 2>/dev/null

# a greeting after 2 s is no SMTP_SILENT under the default 30 s timeout
start=$(date +%s%N)
line=$("$MXVET" check --json --config "$T/default.conf" slow.test 2>/dev/null | summary)
ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$line" = "slow.test accept -" ] && [ $ms -ge 1900 ] && ok "slow.test: accept after ${ms} ms" ||
	notok "slow.test" "$line ($ms ms)"

# DOMAIN_DEAD: three failing checks of a dead domain, more than dead_after
# from the first to the last (two are not enough, however far apart)
line=$("$MXVET" check --json --config "$T/dead.conf" dead.test 2>/dev/null | summary)
[ "$line" = "dead.test defer ALL_MX_UNREACHABLE,SMTP_REFUSED" ] && ok "dead.test first check: defer" ||
	notok "dead.test first check" "$line"
sleep 2.1
line=$("$MXVET" check --json --config "$T/dead.conf" dead.test 2>/dev/null | summary)
[ "$line" = "dead.test defer ALL_MX_UNREACHABLE,SMTP_REFUSED" ] &&
	ok "dead.test second check 2 s later: still defer" || notok "dead.test second check" "$line"
sleep 1.1
"$MXVET" check --json --config "$T/dead.conf" dead.test > "$T/dead.json" 2>/dev/null
rc=$?
line=$(summary < "$T/dead.json")
reply=$(python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["reply"])' < "$T/dead.json")
if [ "$line" = "dead.test reject ALL_MX_UNREACHABLE,DOMAIN_DEAD,SMTP_REFUSED" ] && [ $rc -eq 3 ] &&
   [ "${reply%% recipient*}" = "550 5.4.4" ]; then
	ok "dead.test third check: DOMAIN_DEAD, 550 5.4.4, exit 3"
else
	notok "dead.test third check" "$line rc=$rc" "$reply"
fi

# mxvet report: the risk domains, worst first
"$MXVET" report --json --config "$T/short.conf" > "$T/report.json"
order=$(python3 -c 'import json,sys; print(" ".join("%s:%s" % (j["domain"], j["verdict"]) for j in map(json.loads, sys.stdin)))' < "$T/report.json")
first=${order%% *}
if [ "$first" = "dead.test:reject" ] && ! echo "$order" | grep -q ok.test && echo "$order" | grep -q 'primary.test:annotate$'; then
	ok "report: dead.test first, primary.test last, ok.test absent"
else
	notok "report order" "$order"
fi
s=$("$MXVET" report --suppress-list --config "$T/short.conf")
[ "$s" = "dead.test" ] && ok "report --suppress-list: dead.test" || notok "suppress list" "$s"

# the history survives kill -9 of a running mxvet check: refused.test is
# stored at once, silent.test holds the process for 30 s
"$MXVET" check --json --config "$T/default.conf" refused.test silent.test > /dev/null 2>&1 &
pid=$!
sleep 1
kill -9 $pid
wait $pid 2>/dev/null
before=$(python3 -c 'import json,sys; print([j["checks"] for j in map(json.loads, sys.stdin) if j["domain"]=="refused.test"][0])' < "$T/report.json")
after=$("$MXVET" report --json --config "$T/default.conf" | python3 -c 'import json,sys; print([j["checks"] for j in map(json.loads, sys.stdin) if j["domain"]=="refused.test"][0])')
[ "$after" = $((before + 1)) ] && ok "history written before kill -9 is there ($before -> $after checks)" ||
	notok "kill -9 durability" "before=$before after=$after"
