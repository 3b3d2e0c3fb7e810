#!/bin/bash
# Integration test of the authority checks (TAP): fake authoritative servers
# on 127.153.0.0/16 port 53 (tests/lab/fakedns.py serving
# tests/data/auth/authlab), one zone per finding,
# each domain through `mxvet check --json --no-smtp`; asserts the verdict,
# the exact set of authority codes, the server named, and the time bound.
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
PY=/usr/bin/python3
. "$top_srcdir/tests/skip.sh"
if [ "$(id -u)" != 0 ]; then skip_or_fail "needs root to bind port 53 on 127.153.x.y"; fi
if ! $PY -c 'import dns.message' 2>/dev/null; then skip_or_fail "python3-dnspython missing"; fi
work=$(mktemp -d /tmp/mxvet-auth.XXXXXX)
exec 9>/tmp/mxvet-authfake.lock
flock -w 60 9 || { echo "Bail out! cannot lock /tmp/mxvet-authfake.lock"; exit 1; }
setsid $PY "$top_srcdir/tests/lab/fakedns.py" "$top_srcdir/tests/data/auth/authlab/authlab.json" \
	--pidfile "$work/fake.pid" 9>&- >"$work/fake.log" 2>&1 &
stop_fake() {	# back when its sockets are free: tests/addr-policy.sh binds [::1]:53 next
	local pid
	pid=$(cat "$work/fake.pid" 2>/dev/null) && kill "$pid" 2>/dev/null || return 0
	for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
}
trap 'stop_fake; rm -rf "$work"' EXIT
for _ in $(seq 50); do
	[ -s "$work/fake.pid" ] && dig +time=1 +tries=1 @127.153.0.1 authlab SOA >/dev/null 2>&1 && break
	sleep 0.1
done
[ -s "$work/fake.pid" ] || { echo "Bail out! fake servers did not start: $(tail -3 "$work/fake.log")"; exit 1; }
cat > "$work/unbound.conf" <<EOC
server:
  do-not-query-localhost: no
  do-ip6: no
  domain-insecure: "authlab"
  infra-cache-max-rtt: 1000
stub-zone:
  name: "authlab."
  stub-addr: 127.153.0.1
EOC
cat > "$work/mxvet.conf" <<EOC
unbound_config = $work/unbound.conf
mx_allowed_networks = 127.153.0.0/16, ::1
dns_timeout = 3s
authority_timeout = 3s
mx_providers_file = $top_srcdir/data/mx-providers.txt
# who runs the test (as root, mxvet check becomes an existing daemon user),
# and no history (never the system's /var/lib/mxvet)
user =
state_dir =
EOC
domains="healthy apexcname apexcname-all apexcname-noaa nsdiff lame nsdead wildcard ednsfail ednsdrop garbage tc many childonly parentonly v6ns"
args=""
for d in $domains; do args="$args $d.authlab"; done
"$top_builddir/mxvet" check -v --json --no-smtp --config "$work/mxvet.conf" $args > "$work/out.json" 2>"$work/err"
rc=$?
"$top_builddir/mxvet" check --json --no-smtp --no-authority --config "$work/mxvet.conf" nsdiff.authlab \
	> "$work/noauth.json" 2>>"$work/err"
# the packet budget: budget.authlab has 40 server addresses, 39 silent, and
# the settings ask for 11 queries of 2 tries to each (880 packets);
# libunbound answers the zone's own names from local data, so every packet
# the fake counts for it is a direct query of mxvet's
{
	echo 'server:'
	echo '  local-zone: "budget.authlab." static'
	echo '  local-data: "budget.authlab. 300 IN SOA ns0.budget.authlab. h.budget.authlab. 1 3600 600 86400 300"'
	echo '  local-data: "budget.authlab. 300 IN MX 10 mx.budget.authlab."'
	echo '  local-data: "mx.budget.authlab. 300 IN A 127.153.9.1"'
	for i in $(seq 0 39); do
		echo "  local-data: \"budget.authlab. 300 IN NS ns$((i / 4)).budget.authlab.\""
		echo "  local-data: \"ns$((i / 4)).budget.authlab. 300 IN A 127.153.16.$((i + 1))\""
	done
	cat "$work/unbound.conf"
} > "$work/unbound-budget.conf"
sed -e "s|$work/unbound.conf|$work/unbound-budget.conf|" "$work/mxvet.conf" > "$work/budget.conf"
printf 'authority_repeat = 10\nauthority_max_servers = 64\n' >> "$work/budget.conf"
"$top_builddir/mxvet" check -v --json --no-smtp --config "$work/budget.conf" budget.authlab \
	> "$work/budget.json" 2>"$work/budget.err"
sleep 0.3	# the fake has read every packet mxvet sent
dig +short +time=2 +tries=1 @127.153.0.1 packets.authlab TXT > "$work/packets.txt" 2>&1
$PY - "$work/out.json" "$work/noauth.json" "$rc" "$work/err" "$work/fake.log" \
	"$work/budget.json" "$work/budget.err" "$work/packets.txt" <<'EOPY'
import json, sys
AUTH = {"APEX_CNAME", "NS_INCONSISTENT", "NS_NOT_AUTHORITATIVE", "NS_UNREACHABLE",
        "WILDCARD_ADDITIONAL", "EDNS_INTOLERANT"}
res = {}
for line in open(sys.argv[1]):
    j = json.loads(line)
    res[j["domain"].split(".")[0]] = j
# domain, verdict, authority codes, (code, class, server, piece of detail, piece of reproduce)
T = [
    ("healthy", "accept", set(), None),
    ("apexcname", "annotate", {"APEX_CNAME"},
     ("APEX_CNAME", "risk", "ns1.apexcname.authlab 127.153.2.1", "NSID ns1.apexcname-cname",
      "dig @127.153.2.1 apexcname.authlab MX +norecurse +dnssec +nsid")),
    ("apexcname-all", "defer", {"APEX_CNAME"},
     ("APEX_CNAME", "temporary", "ns1.apexcname-all.authlab 127.153.2.11", "3 of 3", "dig @127.153.2.11")),
    # an apex CNAME is evidence whatever the AA bit of the answer that
    # carries it; the answers without AA also make the server lame
    ("apexcname-noaa", "annotate", {"APEX_CNAME", "NS_NOT_AUTHORITATIVE"},
     ("APEX_CNAME", "risk", "ns1.apexcname-noaa.authlab 127.153.2.21", "CNAME to web.healthy.authlab",
      "dig @127.153.2.21 apexcname-noaa.authlab MX +norecurse")),
    ("nsdiff", "annotate", {"NS_INCONSISTENT"},
     ("NS_INCONSISTENT", "risk", "ns2.nsdiff.authlab 127.153.3.2", "MX {10 mx2.nsdiff.authlab}",
      "dig @127.153.3.2 nsdiff.authlab MX +norecurse")),
    ("lame", "annotate", {"NS_NOT_AUTHORITATIVE"},
     ("NS_NOT_AUTHORITATIVE", "risk", "ns2.lame.authlab 127.153.4.2", "REFUSED", "dig @127.153.4.2")),
    ("nsdead", "annotate", {"NS_UNREACHABLE"},
     ("NS_UNREACHABLE", "risk", "ns2.nsdead.authlab 127.153.5.2", "1 of 2", "dig @127.153.5.2")),
    ("wildcard", "annotate", {"WILDCARD_ADDITIONAL"},
     ("WILDCARD_ADDITIONAL", "risk", "ns1.wildcard.authlab 127.153.6.1", "127.153.9.66",
      "dig @127.153.6.1 mx.wildcard.authlab AAAA")),
    ("ednsfail", "annotate", {"EDNS_INTOLERANT"},
     ("EDNS_INTOLERANT", "risk", "ns1.ednsfail.authlab 127.153.7.1", "FORMERR", "+noedns")),
    ("ednsdrop", "annotate", {"EDNS_INTOLERANT"},
     ("EDNS_INTOLERANT", "risk", "ns1.ednsdrop.authlab 127.153.7.11", "does not answer", "+noedns")),
    ("garbage", "annotate", {"NS_UNREACHABLE"},
     ("NS_UNREACHABLE", "risk", "ns1.garbage.authlab 127.153.8.1", "do not parse", "dig @127.153.8.1")),
    ("tc", "accept", set(), None),
    # the servers probed are the union of the parent's delegation and the
    # zone's own NS RRset: a dead server named by only one side is found
    ("childonly", "annotate", {"NS_UNREACHABLE"},
     ("NS_UNREACHABLE", "risk", "ns2.childonly.authlab 127.153.12.2", "1 of 2", "dig @127.153.12.2")),
    ("v6ns", "accept", set(), None),
    ("parentonly", "annotate", {"NS_UNREACHABLE"},
     ("NS_UNREACHABLE", "risk", "ns2.parentonly.authlab 127.153.13.2", "1 of 2", "dig @127.153.13.2")),
]
print("1..%d" % (len(T) + 9))
n = 0
def ok(cond, msg, extra=""):
    global n
    n += 1
    print("%s %d - %s" % ("ok" if cond else "not ok", n, msg))
    if not cond and extra:
        for l in str(extra).splitlines():
            print("# " + l)
for d, verdict, codes, f in T:
    j = res.get(d)
    if j is None:
        ok(False, "%s: no result" % d)
        continue
    got = set(x["code"] for x in j["findings"]) & AUTH
    good = j["verdict"] == verdict and got == codes
    if good and f:
        hit = [x for x in j["findings"] if x["code"] == f[0] and x["server"] == f[2]]
        good = bool(hit) and hit[0]["class"] == f[1] and f[3] in hit[0]["detail"] and \
            f[4] in (hit[0]["reproduce"] or "")
    ok(good, "%s.authlab: %s %s" % (d, verdict, ",".join(sorted(codes)) or "-"),
       json.dumps(j["findings"], indent=1))
h = res["healthy"]["nameservers"]
ok(len(h) == 2 and all(s["aa"] and s["edns"] == "ok" and s["nsid"] and len(s["answers"]) == 3
                       and set(s) >= {"name", "address", "aa", "edns", "nsid", "answers"} for s in h),
   "healthy: nameservers array with name, address, aa, edns, nsid, answers", json.dumps(h))
t = res["tc"]["nameservers"]
ok(len(t) == 1 and all(a.get("tcp") for a in t[0]["answers"] if a["status"] == "answered"),
   "tc: truncated UDP answers retried over TCP", json.dumps(t))
e = [s for s in res["ednsfail"]["nameservers"] if s["address"] == "127.153.7.1"]
ok(len(e) == 1 and e[0]["edns"] == "intolerant", "ednsfail: nameservers says intolerant", json.dumps(e))
m = res["many"]
dead = [x for x in m["findings"] if x["code"] == "NS_UNREACHABLE"]
# the stage's own time, from its debug line (the MX and host lookups
# before it may each run into dns_timeout)
import re
st = re.search(r"authority: domain=many.authlab .*queries=(\d+) .*elapsed_ms=(\d+)",
               open(sys.argv[4]).read())
ms = int(st.group(2)) if st else 99999
ok(st and ms <= 3300 and int(st.group(1)) <= 200 and len(m["nameservers"]) == 10 and len(dead) >= 9,
   "many.authlab (41 NS, 40 silent): 10 names asked, stage done in %d ms (authority_timeout 3 s)" % ms,
   json.dumps([st and st.group(0), len(m["nameservers"]), [x["server"] for x in dead]]))
v6 = res["v6ns"]["nameservers"]
if "no IPv6 loopback" in open(sys.argv[5]).read():
    n += 1
    # the machine, not mxvet: a plain skip even under CI, saying why
    print("ok %d - v6ns: the AAAA of a server with A glue only is probed # SKIP no IPv6 loopback" % n)
else:
    ok(sorted(s["address"] for s in v6) == ["127.153.14.1", "::1"] and
       all(a["status"] == "answered" for s in v6 for a in s["answers"]),
       "v6ns: the AAAA of a server with A glue only is probed (::1 beside 127.153.14.1)", json.dumps(v6))
err = open(sys.argv[4]).read()
ok(sys.argv[3] == "2" and "Sanitizer" not in err and "runtime error" not in err,
   "exit status 2 (defer is the worst verdict), no sanitizer report", err[-2000:])
# the budget: at most AUTH_MAX_PACKETS (200) packets reached the zone's
# servers, no more than the stage counted and not none (a fake that
# counted nothing would be no witness), the stage says it spent its budget,
# and the verdict is what the evidence supports: the answering server is
# not named, every server named unreachable had a query time out in full,
# none that was never asked
pk = re.search(r'"budget\.authlab\.=(\d+)"', open(sys.argv[8]).read())
berr = open(sys.argv[7]).read()
bl = re.search(r"authority: domain=budget.authlab .*packets=(\d+) budget=(\w+)", berr)
ok(pk and bl and 0 < int(pk.group(1)) <= int(bl.group(1)) <= 200 and bl.group(2) == "spent",
   "budget.authlab (40 addresses, 39 silent, 880 packets wanted): %s packets received, "
   "no more than the stage counted (%s), at most 200" % (pk.group(1) if pk else "?",
                                                         bl.group(1) if bl else "?"),
   open(sys.argv[8]).read() + (bl.group(0) if bl else berr[-1500:]))
try:
    b = json.loads(open(sys.argv[6]).readline())
except ValueError:
    b = {"verdict": None, "findings": [], "nameservers": []}
timed = {s["address"] for s in b["nameservers"]
         if any(a["status"] == "timeout" for a in s["answers"])}
named = [x["server"].split()[-1] for x in b["findings"] if x["code"] == "NS_UNREACHABLE"]
ok(b["verdict"] == "annotate" and set(x["code"] for x in b["findings"]) == {"NS_UNREACHABLE"} and
   named and "127.153.16.1" not in named and set(named) <= timed and
   all(x["class"] == "risk" for x in b["findings"]),
   "budget.authlab: annotate NS_UNREACHABLE for %d servers whose queries timed out, none for "
   "the answering one or the unasked" % len(named),
   json.dumps({"verdict": b["verdict"], "named": named, "timed": sorted(timed)}))
na = [json.loads(l) for l in open(sys.argv[2])]
ok(len(na) == 1 and na[0]["nameservers"] == [] and
   not (set(x["code"] for x in na[0]["findings"]) & AUTH), "--no-authority: no direct queries")
EOPY
