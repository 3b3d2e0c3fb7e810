#!/bin/bash
# The egress guard end to end on the loopback lab: smtp_port points at a
# port nothing listens on (as if this machine's outbound port 25 were
# blocked) and the lab's healthy domains are checked with one shared
# history (dead_after = 1s):
#   1. guard off: every domain ALL_MX_UNREACHABLE (the history records it);
#   2. guard on (smtp_blind_after = 1, so it trips at the first probe and
#      the outcome does not depend on which probe ends first): every
#      domain accept, every probe result marked blind, a warning, and no
#      DOMAIN_DEAD although the failing streak is older than dead_after;
#   3. guard off again: DOMAIN_DEAD for every domain, so step 2 neither
#      recorded a failure nor a success, and the test can fail.
# The threshold itself (trips at N in a row, a contact ends it, cached
# results of the streak marked) is tested in tests/unit/test_egress_guard.c
# and test_smtp_probe.c. Loopback only. TAP.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lab-env.sh"
MXVET="$top_builddir/mxvet"
lab_acquire || { echo "Bail out! cannot start the lab in $MXVET_LAB"; exit 1; }
T=$(mktemp -d /tmp/mxvet-smtp-blind.XXXXXX)
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/state"
DOMAINS=$(awk -F'\t' '!/^#/ && $2 == "accept" && $3 == "-" && $1 != "slowgreet.test" { print $1 }' \
	"$top_srcdir/tests/lab/domains.tsv")
ND=$(echo $DOMAINS | wc -w)
# nothing listens on 2599 at the lab's SMTP addresses
lab_conf "$T/on.conf" "state_dir=$T/state" "smtp_port=2599" "smtp_blind_after=1" "dead_after=1s"
lab_conf "$T/off.conf" "state_dir=$T/state" "smtp_port=2599" "smtp_blind_after=0" "dead_after=1s"
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); echo "not ok $n - $1"; shift; for l in "$@"; do echo "#   $l"; done; }
echo "1..6"

count() {	# FILE VERDICT-or-CODE: how many domains have it
	python3 - "$1" "$2" <<'PY'
import json, sys
n = 0
for line in open(sys.argv[1]):
    j = json.loads(line)
    codes = [f["code"] for f in j["findings"]]
    n += j["verdict"] == sys.argv[2] or sys.argv[2] in codes
print(n)
PY
}
marks() {	# FILE: probe results marked blind / all probe results
	python3 -c 'import json,sys
r = [s for l in open(sys.argv[1]) for m in json.loads(l)["mx"] for s in (m["smtp"] or [])]
print("%d/%d" % (sum(1 for s in r if s.get("blind")), len(r)))' "$1"
}
show() { head -c 600 "$1"; }

"$MXVET" check --json --config "$T/off.conf" $DOMAINS > "$T/off1.json" 2> "$T/off1.err"
got=$(count "$T/off1.json" ALL_MX_UNREACHABLE)
[ "$got" = "$ND" ] && ok "guard off: all $ND healthy domains ALL_MX_UNREACHABLE (port closed)" ||
	notok "guard off: all $ND healthy domains ALL_MX_UNREACHABLE" "got $got" "$(show "$T/off1.json")"
sleep 2.1	# the failing streak is now older than dead_after (whole seconds)

"$MXVET" check --json --config "$T/on.conf" $DOMAINS > "$T/on.json" 2> "$T/on.err"
got=$(count "$T/on.json" accept)
[ "$got" = "$ND" ] && ok "guard on: all $ND accept, no SMTP finding from blind probes" ||
	notok "guard on: all $ND accept" "accept: $got" "$(show "$T/on.json")"
m=$(marks "$T/on.json")
[ "${m%/*}" = "${m#*/}" ] && [ "${m%/*}" -gt 0 ] && ok "every probe result marked blind in the JSON ($m)" ||
	notok "every probe result marked blind in the JSON" "marked/all: $m"
dead=$(count "$T/on.json" DOMAIN_DEAD)
[ "$dead" = 0 ] && ok "guard on, streak older than dead_after: no DOMAIN_DEAD" ||
	notok "guard on: no DOMAIN_DEAD" "DOMAIN_DEAD for $dead domains" "$(show "$T/on.json")"
grep -q "outbound port 2599 looks blocked" "$T/on.err" &&
	ok "a warning says outbound port 2599 looks blocked" ||
	notok "a warning says the port looks blocked" "$(cat "$T/on.err")"

"$MXVET" check --json --config "$T/off.conf" $DOMAINS > "$T/off2.json" 2> "$T/off2.err"
dead=$(count "$T/off2.json" DOMAIN_DEAD)
[ "$dead" = "$ND" ] && ok "guard off again: DOMAIN_DEAD for all $ND (the blind run left the streak alone)" ||
	notok "guard off again: DOMAIN_DEAD for all $ND" "DOMAIN_DEAD for $dead" "$(show "$T/off2.json")"
