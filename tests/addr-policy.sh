#!/bin/bash
# Integration test of the address policy for DNS (TAP): zones under the
# fake authlab. servers (tests/lab/fakedns.py, 127.153.0.0/16) whose name
# servers sit outside mx_allowed_networks: offnet.authlab's only server is
# 127.88.0.1, mixed.authlab has one good server, one at 127.88.0.1 and one
# at ::1. A witness (tests/dns-witness.py) on 127.88.0.1:53 and [::1]:53,
# UDP and TCP, must see no packet: neither libunbound's (its
# unbound_config even says do-not-query-localhost: no) nor the direct
# queries. The refused servers are listed with not_queried and raise no
# finding. Then mxvetd: a reload that changes mx_allowed_networks reaches
# libunbound's queries too.
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
PY=/usr/bin/python3
. "$top_srcdir/tests/skip.sh"
if [ "$(id -u)" != 0 ]; then skip_or_fail "needs root to bind port 53 on 127.153.x.y"; fi
if ! $PY -c 'import dns.message' 2>/dev/null; then skip_or_fail "python3-dnspython missing"; fi
work=$(mktemp -d /tmp/mxvet-addrpol.XXXXXX)
dpid=
# the fake servers' addresses are shared with tests/authority.sh
exec 9>/tmp/mxvet-authfake.lock
flock -w 120 9 || { echo "Bail out! cannot lock /tmp/mxvet-authfake.lock"; exit 1; }
cleanup() {	# back when the servers' sockets are free: tests/authority.sh binds [::1]:53 too
	local pids
	pids=$(cat "$work/fake.pid" "$work/witness.pid" 2>/dev/null)
	kill $pids $dpid 2>/dev/null
	for p in $pids; do
		for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
	done
	rm -rf "$work"
}
trap cleanup EXIT
setsid $PY "$top_srcdir/tests/dns-witness.py" "$work/witness.pid" "$work/witness.log" \
	127.88.0.1 ::1 9>&- >"$work/witness.out" 2>&1 &
setsid $PY "$top_srcdir/tests/lab/fakedns.py" "$top_srcdir/tests/data/auth/authlab/authlab.json" \
	--pidfile "$work/fake.pid" --ipv4-only 9>&- >"$work/fake.log" 2>&1 &
for _ in $(seq 50); do
	[ -s "$work/fake.pid" ] && [ -s "$work/witness.pid" ] &&
		dig +time=1 +tries=1 @127.153.0.1 authlab SOA >/dev/null 2>&1 && break
	sleep 0.1
done
[ -s "$work/fake.pid" ] || { echo "Bail out! fake servers did not start: $(tail -3 "$work/fake.log")"; exit 1; }
grep -q "^bound 127.88.0.1" "$work/witness.log" ||
	{ echo "Bail out! witness did not bind 127.88.0.1:53: $(cat "$work/witness.log" "$work/witness.out")"; exit 1; }
cat > "$work/unbound.conf" <<EOC
server:
  do-not-query-localhost: no
  domain-insecure: "authlab"
  infra-cache-max-rtt: 1000
stub-zone:
  name: "authlab."
  stub-addr: 127.153.0.1
EOC
cat > "$work/mxvet.conf" <<EOC
unbound_config = $work/unbound.conf
mx_allowed_networks = 127.153.0.0/16
dns_timeout = 3s
authority_timeout = 3s
mx_providers_file = $top_srcdir/data/mx-providers.txt
# who runs the test (as root, mxvet check becomes an existing daemon user),
# and no history (never the system's /var/lib/mxvet)
user =
state_dir =
EOC
# libunbound alone first (no direct queries), then the whole check
"$top_builddir/mxvet" check --json --no-smtp --no-authority --config "$work/mxvet.conf" \
	offnet.authlab mixed.authlab > "$work/ub.json" 2>"$work/err"
sleep 0.5
grep -c "^packet " "$work/witness.log" > "$work/ub.count"
"$top_builddir/mxvet" check -v --json --no-smtp --config "$work/mxvet.conf" \
	offnet.authlab mixed.authlab > "$work/out.json" 2>>"$work/err"
rc=$?
sleep 0.5	# a late retry would still reach the witness
# the witness works: a query of ours reaches it
dig +time=1 +tries=1 @127.88.0.1 witness.check A >/dev/null 2>&1
sleep 0.2
cp "$work/witness.log" "$work/witness1.log"

# a reload reaches libunbound: mxvetd starts with 127.88.0.0/16 allowed,
# a reload takes it out (no packet to the witness for a domain never seen
# before), a second puts it back (the witness sees libunbound's queries)
port=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
daemon_conf() {	# allowed networks
	sed -e "s|^mx_allowed_networks = .*|mx_allowed_networks = $1|" "$work/mxvet.conf"
	printf 'checks = dns\npolicy_listen = inet:127.0.0.1:%s\nstate_dir =\nuser =\n' "$port"
	printf 'decision_timeout = 6s\n'
}
ask() {	# recipient: the policy answer
	$PY - "$port" "$1" <<'EOASK'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 5)
s.settimeout(10)
s.sendall(b"request=smtpd_access_policy\nprotocol_state=RCPT\nrecipient=%s\n\n" % sys.argv[2].encode())
buf = b""
while not buf.endswith(b"\n\n"):
    c = s.recv(4096)
    if not c:
        break
    buf += c
print(buf.decode().strip())
EOASK
}
wcount() { grep -c "^packet udp 127.88.0.1\|^packet tcp 127.88.0.1" "$work/witness.log"; }
daemon_conf "127.153.0.0/16, 127.88.0.0/16" > "$work/daemon.conf"
"$top_builddir/mxvetd" -f -l stderr -c "$work/daemon.conf" > "$work/daemon.log" 2>&1 &
dpid=$!
for _ in $(seq 50); do
	$PY -c "import socket; socket.create_connection(('127.0.0.1', $port), 0.2)" 2>/dev/null && break
	sleep 0.1
done
reload() {	# allowed networks
	local before
	before=$(grep -c "reload: configuration" "$work/daemon.log")
	daemon_conf "$1" > "$work/daemon.conf"
	kill -HUP "$dpid"
	for _ in $(seq 50); do
		[ "$(grep -c "reload: configuration" "$work/daemon.log")" -gt "$before" ] && break
		sleep 0.1
	done
}
reload "127.153.0.0/16"
w0=$(wcount)
ask u@b.offnet.authlab > "$work/ask-b"
sleep 1.5	# a late retry would still reach the witness
w1=$(wcount)
reload "127.153.0.0/16, 127.88.0.0/16"
ask u@c.offnet.authlab > "$work/ask-c"
sleep 0.5
w2=$(wcount)
kill -TERM "$dpid"
wait "$dpid"
drc=$?
echo "reload out: $w0 -> $w1 (ask: $(cat "$work/ask-b")); back in: -> $w2 (ask: $(cat "$work/ask-c")); exit $drc" \
	> "$work/reload.txt"

$PY - "$work/out.json" "$rc" "$work/err" "$work/witness1.log" "$(cat "$work/ub.count")" \
	"$w0" "$w1" "$w2" "$drc" "$work/daemon.log" "$work/reload.txt" <<'EOPY'
import json, sys
res = {}
for line in open(sys.argv[1]):
    j = json.loads(line)
    res[j["domain"].split(".")[0]] = j
wlog = open(sys.argv[4]).read().splitlines()
err = open(sys.argv[3]).read()
v6 = "bound ::1" in wlog
print("1..10")
n = 0
def ok(cond, msg, extra=""):
    global n
    n += 1
    print("%s %d - %s" % ("ok" if cond else "not ok", n, msg))
    if not cond and extra:
        for l in str(extra).splitlines():
            print("# " + l)
def packets(addr):
    return [l for l in wlog if l.startswith("packet ") and l.split()[2] == addr]
ok(sys.argv[5] == "0", "libunbound alone (--no-authority): no packet to the witness; it saw %s" % sys.argv[5],
   "\n".join(wlog))
seen4 = packets("127.88.0.1")
# the last one is the witness check's own dig
ok(len(seen4) == 1,
   "no packet from mxvet to 127.88.0.1:53 (UDP or TCP), libunbound's or direct; the witness saw %d" %
   (len(seen4) - 1), "\n".join(seen4))
ok(len(seen4) >= 1, "the witness sees a query sent to it (dig)", "\n".join(wlog))
if v6:
    seen6 = packets("::1")
    ok(not seen6, "no packet from mxvet to [::1]:53; the witness saw %d" % len(seen6), "\n".join(seen6))
else:
    n += 1
    # the machine, not mxvet (no IPv6 loopback): a plain skip even under CI
    print("ok %d - no packet to [::1]:53 # SKIP the witness could not bind [::1]:53: %s" %
          (n, [l for l in wlog if "::1" in l]))
m = res.get("mixed", {})
ns = m.get("nameservers", [])
off = [s for s in ns if s["address"] == "127.88.0.1"]
good = [s for s in ns if s["address"] == "127.153.15.1"]
ok(len(off) == 1 and "loopback" in off[0].get("not_queried", "") and
   all(a["status"] == "not sent" for a in off[0]["answers"]) and
   len(good) == 1 and good[0]["edns"] == "ok",
   "mixed.authlab: 127.88.0.1 listed as not queried (non-routable: loopback), the good server answered",
   json.dumps(ns, indent=1))
six = [s for s in ns if s["address"] == "::1"]
ok(len(six) == 1 and "loopback" in six[0].get("not_queried", ""),
   "mixed.authlab: the AAAA ::1 of ns3 listed as not queried", json.dumps(ns, indent=1))
codes = set(f["code"] for d in res.values() for f in d["findings"])
ok("mixed" in res and "offnet" in res and not codes & {"NS_UNREACHABLE", "EDNS_INTOLERANT",
   "NS_NOT_AUTHORITATIVE"} and res["mixed"]["verdict"] == "accept",
   "a refused server raises no finding; mixed.authlab accepted (%s)" %
   {d: (j["verdict"], [f["code"] for f in j["findings"]]) for d, j in res.items()},
   json.dumps(res, indent=1)[:3000])
ok("Sanitizer" not in err and "runtime error" not in err and sys.argv[2] in ("0", "1", "2"),
   "mxvet check exit status %s, no sanitizer report" % sys.argv[2], err[-2000:])
w0, w1, w2 = int(sys.argv[6]), int(sys.argv[7]), int(sys.argv[8])
dlog = open(sys.argv[10]).read()
ok(w1 == w0 and "new libunbound context" in dlog,
   "mxvetd: after a reload that takes 127.88.0.0/16 out of mx_allowed_networks, libunbound "
   "sends the witness nothing for a new domain (%d packets)" % (w1 - w0),
   open(sys.argv[11]).read() + dlog[-2500:])
ok(w2 > w1 and sys.argv[9] == "0" and "Sanitizer" not in dlog and "runtime error" not in dlog,
   "mxvetd: after a reload that puts it back, libunbound queries the witness again (%d packets); "
   "exit status %s, no sanitizer report" % (w2 - w1, sys.argv[9]),
   open(sys.argv[11]).read() + dlog[-2500:])
EOPY
