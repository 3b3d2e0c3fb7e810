#!/bin/bash
# The SMTP codes and the domain history against the loopback lab
# (tests/lab): each SMTP lab domain through `mxvet check --json` with the
# exact verdict and codes of tests/lab/domains.tsv, the MX at 127.0.0.1
# drawing no connection (prober stats), a 2 s greeting under the default
# banner timeout, DOMAIN_DEAD on the third failing check (dead_after = 1s), and `mxvet report`
# listing the lab's risk domains. Uses a lab that already runs in
# $MXVET_LAB, else starts the shared one (tests/lab-env.sh). TAP output.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lab-env.sh"
MXVET="$top_builddir/mxvet"

. "$top_srcdir/tests/skip.sh"
if [ ! -x "$LAB" ]; then
	skip_or_fail "no lab in this tree ($LAB)"
fi
if "$LAB" status "$MXVET_LAB" >/dev/null 2>&1; then
	lab_touch
elif ! lab_acquire; then
	echo "Bail out! cannot start the lab in $MXVET_LAB"
	exit 1
fi
TSV="$MXVET_LAB/domains.tsv"
[ -f "$TSV" ] || TSV="$top_srcdir/tests/lab/domains.tsv"
T=$(mktemp -d /tmp/mxvet-smtp-lab.XXXXXX)
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/state"
# a fresh history; connect timeout short so smtptimeout.test is quick
lab_conf "$T/lab.conf" "state_dir=$T/state" "smtp_connect_timeout=2s"
lab_conf "$T/slow.conf" "state_dir=$T/state-slow" "smtp_banner_timeout=30s"
lab_conf "$T/dead.conf" "state_dir=$T/state-dead" "dead_after=1s" "smtp_connect_timeout=2s"
mkdir -p "$T/state-slow" "$T/state-dead"

DOMAINS="smtpsilent.test smtptempfail.test smtpreject.test smtprefused.test smtptimeout.test
 primarydown.test slowgreet.test dead.test mxloopback.test healthy.test healthy2.test healthy7.test"
set -- $DOMAINS
echo "1..$(( $# + 7 ))"
. "$top_srcdir/tests/tap.sh"
summary() {
	python3 -c 'import json,sys
for line in sys.stdin:
    j = json.loads(line)
    print(j["domain"], j["verdict"], ",".join(sorted(set(f["code"] for f in j["findings"]))) or "-")'
}

"$MXVET" check --json --verbose --config "$T/lab.conf" $DOMAINS > "$T/out.json" 2> "$T/err"
summary < "$T/out.json" > "$T/sum"
for d in $DOMAINS; do
	want=$(awk -F'\t' -v d="$d" '$1 == d { c = $3; if (c == "") c = "-"; n = split(c, a, ","); \
		for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t } \
		s = a[1]; for (i = 2; i <= n; i++) s = s "," a[i]; print $2, s }' "$TSV")
	got=$(awk -v d="$d" '$1 == d { print $2, $3 }' "$T/sum")
	if [ -n "$want" ] && [ "$got" = "$want" ]; then ok "$d: $got"; else notok "$d: want $want" "got: $got"; fi
done

# the address gate: the whole run probed only lab hosts; 127.0.0.1 was skipped
stats=$(grep 'smtp prober:' "$T/err")
st() { echo "$stats" | tr ' ' '\n' | awk -F= -v k="$1" '$1 == k { print $2 }'; }
# every request is a skip, a cache hit, a coalesced wait or a connection
balanced=$(( $(st requests) == $(st skipped) + $(st cache_hits) + $(st coalesced) + $(st connects) ))
if [ "$balanced" = 1 ] && echo "$stats" | grep -q ' skipped=1 ' && grep -q '"address":"127.0.0.1","status":"skipped"' "$T/out.json" &&
   ! grep -q 'address=127.0.0.1 status=' "$T/err"; then
	ok "mxloopback.test: 127.0.0.1 skipped, no connection (${stats#*smtp prober: })"
else
	notok "mxloopback.test gate" "$stats"
fi

start=$(date +%s%N)
line=$("$MXVET" check --json --config "$T/slow.conf" slowgreet.test 2>/dev/null | summary)
ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$line" = "slowgreet.test accept -" ] && [ $ms -ge 1900 ] &&
	ok "slowgreet.test with the default banner timeout: accept after $ms ms" ||
	notok "slowgreet.test with smtp_banner_timeout 30s" "$line ($ms ms)"

# DOMAIN_DEAD wants three failing checks over more than dead_after, with
# at least dead_after of failing time observed (a gap counts for 1 s at
# most here): two checks, however far apart, are not enough
line=$("$MXVET" check --json --config "$T/dead.conf" dead.test 2>"$T/dead1.err" | summary)
[ "$line" = "dead.test defer ALL_MX_UNREACHABLE,SMTP_REFUSED" ] && ok "dead.test first check: $line" ||
	notok "dead.test first check" "$line"
sleep 2.1
line=$("$MXVET" check --json --config "$T/dead.conf" dead.test 2>"$T/dead2.err" | summary)
[ "$line" = "dead.test defer ALL_MX_UNREACHABLE,SMTP_REFUSED" ] &&
	ok "dead.test second check 2 s later: still defer, not dead ($line)" ||
	notok "dead.test second check" "$line"
sleep 1.1
"$MXVET" report --json --config "$T/dead.conf" > "$T/dead-history.json" 2>&1
"$MXVET" check --json --config "$T/dead.conf" dead.test > "$T/dead.json" 2>"$T/dead3.err"
rc=$?
line=$(summary < "$T/dead.json")
# on failure: the history the third check read, and what the checks warned
[ "$line" = "dead.test reject ALL_MX_UNREACHABLE,DOMAIN_DEAD,SMTP_REFUSED" ] && [ $rc -eq 3 ] &&
	ok "dead.test third check: DOMAIN_DEAD, exit 3" || notok "dead.test third check" "$line rc=$rc" \
	"history before it: $(head -c 600 "$T/dead-history.json")" \
	"$(grep -h -i -e warn -e error -e history "$T"/dead[123].err | head -5)"

# mxvet report lists every risk domain checked above, worst first
"$MXVET" report --json --config "$T/lab.conf" > "$T/report.json"
got=$(python3 -c 'import json,sys; print(" ".join(sorted(j["domain"] for j in map(json.loads, sys.stdin))))' < "$T/report.json")
want=$(awk '$2 != "accept" { print $1 }' "$T/sum" | sort | tr '\n' ' ' | sed 's/ $//')
[ -n "$want" ] && [ "$got" = "$want" ] && ok "report lists the risk domains: $got" ||
	notok "report domains" "got:  $got" "want: $want"
order=$(python3 -c 'import json,sys
o = {"accept": 0, "annotate": 1, "defer": 2, "reject": 3}
v = [o[j["verdict"]] for j in map(json.loads, sys.stdin)]
print("sorted" if v == sorted(v, reverse=True) else v)' < "$T/report.json")
[ "$order" = sorted ] && ok "report is worst first" || notok "report order" "$order"
