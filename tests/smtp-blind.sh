#!/bin/bash
# The egress guard end to end on the loopback lab. smtp_port points at a
# port nothing listens on (as if this machine's outbound port 25 were
# blocked: every probe refused), and every lab domain is checked in one
# `mxvet check --json` run (concurrently), with one shared history
# (dead_after = 1s):
#   1. guard off: every healthy domain ALL_MX_UNREACHABLE (so the test can
#      fail; the history records the failure), and once more a second
#      later (DOMAIN_DEAD wants three failing checks, see mxvet.conf(5));
#   2. guard on, smtp_blind_after = 4: the prober turns blind once 4
#      distinct addresses were refused. Which checks complete before that
#      depends on timing, so the assertions are about what is certain:
#      a check that completed blind ("smtp_blind": true) has no
#      SMTP_REFUSED, SMTP_TIMEOUT, ALL_MX_UNREACHABLE, PRIMARY_MX_DOWN or
#      DOMAIN_DEAD (although its failing streak is older than dead_after),
#      and a note on each address; a check that completed before can only
#      have used the first 3 addresses refused, so all such checks
#      together probed at most 3 distinct addresses; the healthy domains
#      use 5, so at least one of them is blind; one warning is logged;
#   3. guard off again: DOMAIN_DEAD for every healthy domain, so step 2
#      recorded no success (and the test can fail).
# The window itself is tested in tests/unit/test_egress_guard.c and
# test_smtp_probe.c. Loopback only. TAP.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lab-env.sh"
MXVET="$top_builddir/mxvet"
lab_acquire || { echo "Bail out! cannot start the lab in $MXVET_LAB"; exit 1; }
T=$(mktemp -d /tmp/mxvet-smtp-blind.XXXXXX)
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/state"
TSV="$top_srcdir/tests/lab/domains.tsv"
HEALTHY=$(awk -F'\t' '!/^#/ && $2 == "accept" && $3 == "-" && $1 != "slowgreet.test" { print $1 }' "$TSV")
ALL=$(awk -F'\t' '!/^#/ && NF > 1 { print $1 }' "$TSV")
ND=$(echo $HEALTHY | wc -w)
# nothing listens on 2599 at the lab's SMTP addresses
lab_conf "$T/on.conf" "state_dir=$T/state" "smtp_port=2599" "smtp_blind_after=4" "dead_after=1s"
lab_conf "$T/off.conf" "state_dir=$T/state" "smtp_port=2599" "smtp_blind_after=0" "dead_after=1s"
. "$top_srcdir/tests/tap.sh"
echo "1..8"

# FILE QUESTION: answers about a run's JSON (one object per line)
ask() {
	python3 - "$1" "$2" "$HEALTHY" <<'PY'
import json, sys
runs = [json.loads(l) for l in open(sys.argv[1])]
q, healthy = sys.argv[2], set(sys.argv[3].split())
CONNECT = {"SMTP_REFUSED", "SMTP_TIMEOUT", "ALL_MX_UNREACHABLE", "PRIMARY_MX_DOWN",
           "DOMAIN_DEAD"}
def codes(j): return {f["code"] for f in j["findings"]}
def connect(j):	# DOMAIN_DEAD from an apex CNAME that hides the MX is no SMTP matter
    c = codes(j) & CONNECT
    return c - {"DOMAIN_DEAD"} if "APEX_CNAME" in codes(j) else c
def results(j): return [s for m in j["mx"] for s in (m["smtp"] or []) if s]
def probed(j): return {s["address"] for s in results(j) if s["status"] != "skipped"}
mine = [j for j in runs if j["domain"] in healthy]
if len(mine) != len(healthy):
    print("only %d of %d healthy domains in the output" % (len(mine), len(healthy)))
elif q.startswith("code:"):	# how many healthy domains have the code
    print(sum(q[5:] in codes(j) for j in mine))
elif q == "blind-clean":	# blind checks: none of CONNECT, every address noted
    bad = ["%s %s" % (j["domain"], sorted(connect(j))) for j in runs
           if j["smtp_blind"] and connect(j)]
    bad += ["%s %s: no note" % (j["domain"], s["address"]) for j in runs
            if j["smtp_blind"] for s in results(j)
            if s["status"] == "refused" and not (s.get("blind") and
                                                 "not judged" in s.get("note", ""))]
    print("; ".join(bad) or "ok")
elif q == "early":		# distinct addresses probed by checks that were not blind
    early = set().union(*[probed(j) for j in runs if not j["smtp_blind"]])
    print(len(early), " ".join(sorted(early)))
elif q == "blind-healthy":	# healthy domains that completed blind
    print(sum(j["smtp_blind"] for j in mine))
PY
}
show() { head -c 600 "$1"; }

"$MXVET" check --json --config "$T/off.conf" $ALL > "$T/off1.json" 2> "$T/off1.err"
got=$(ask "$T/off1.json" code:ALL_MX_UNREACHABLE)
[ "$got" = "$ND" ] && ok "guard off: all $ND healthy domains ALL_MX_UNREACHABLE (port closed)" ||
	notok "guard off: all $ND healthy domains ALL_MX_UNREACHABLE" "got $got" "$(show "$T/off1.json")"
! grep -q "looks blocked" "$T/off1.err" && ok "guard off: no warning" ||
	notok "guard off: no warning" "$(cat "$T/off1.err")"
sleep 1.1
"$MXVET" check --json --config "$T/off.conf" $ALL > "$T/off1b.json" 2> "$T/off1b.err"
sleep 2.1	# the failing streak is now older than dead_after (whole seconds)

"$MXVET" check --json --config "$T/on.conf" $ALL > "$T/on.json" 2> "$T/on.err"
got=$(ask "$T/on.json" blind-clean)
[ "$got" = ok ] && ok "guard on: no connect-level finding and no DOMAIN_DEAD in a blind check; each refused address noted" ||
	notok "guard on: blind checks clean" "$got"
got=$(ask "$T/on.json" early)
[ "${got%% *}" -le 3 ] 2>/dev/null && ok "checks completed before the guard tripped used at most 3 addresses ($got)" ||
	notok "checks completed before the guard tripped used at most 3 addresses" "$got"
got=$(ask "$T/on.json" blind-healthy)
[ "$got" -ge 1 ] 2>/dev/null && ok "guard on: $got of $ND healthy domains completed blind" ||
	notok "guard on: some healthy domain completed blind" "$got" "$(show "$T/on.json")"
got=$(ask "$T/on.json" code:DOMAIN_DEAD)
blind=$(ask "$T/on.json" blind-healthy)
[ "$got" -le $((ND - blind)) ] 2>/dev/null && ok "guard on: DOMAIN_DEAD only for healthy domains judged before the guard tripped ($got)" ||
	notok "guard on: DOMAIN_DEAD only for unblind domains" "DOMAIN_DEAD $got, blind $blind of $ND"
w=$(grep -c "outbound port 2599 looks blocked" "$T/on.err")
[ "$w" = 1 ] && ok "one warning says outbound port 2599 looks blocked" ||
	notok "one warning says the port looks blocked" "$w warnings" "$(cat "$T/on.err")"

"$MXVET" check --json --config "$T/off.conf" $HEALTHY > "$T/off2.json" 2> "$T/off2.err"
dead=$(ask "$T/off2.json" code:DOMAIN_DEAD)
[ "$dead" = "$ND" ] && ok "guard off again: DOMAIN_DEAD for all $ND (the blind run recorded no success)" ||
	notok "guard off again: DOMAIN_DEAD for all $ND" "DOMAIN_DEAD for $dead" "$(show "$T/off2.json")"
