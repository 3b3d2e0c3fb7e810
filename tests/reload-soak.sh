#!/bin/bash
# Reload soak: mxvetd -f on the loopback lab with every check on (dns,
# authority, smtp), verdict cache TTLs of 1 s (each round is a fresh
# check), a policy and a milter endpoint, and 20 SIGHUP reloads that each
# change the smtp_* settings, mx_allowed_networks, checks or actions, with
# policy and milter requests between them. Asserts after every round that
# the daemon is alive and every answer is the lab's verdict
# (tests/lab/domains.tsv) under the settings of that round, that each
# reloadable key took effect (a shorter banner or connect timeout answers
# sooner and turns slowgreet.test into a defer; without the lab's SMTP
# range the lab's MX hosts are MX_LOCALHOST and draw no probe; checks =
# dns drops the authority and SMTP findings and a reload brings them back;
# smtp_max_concurrent = 1 serializes probes; smtp_probe_ttl reuses or
# not; smtp_blind_after, on_<CODE>, skip_domains, header_name), that
# reloads sent while checks are in flight are applied, never refused, and
# that a daemon started with authority and smtp off gets both by a reload.
# Run it in an ASan build (configure --enable-sanitizers): the log must
# hold no sanitizer report. TAP.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lab-env.sh"
. "$top_srcdir/tests/skip.sh"
MXVETD=$top_builddir/mxvetd
TSV=$top_srcdir/tests/lab/domains.tsv
RELOADS=20

. "$top_srcdir/tests/tap.sh"
[ -x "$LAB" ] || skip_or_fail "no lab in this tree ($LAB)"
[ -x "$MXVETD" ] || bail "$MXVETD not built"
lab_acquire || bail "cannot start the lab in $MXVET_LAB"

T=$(mktemp -d /tmp/mxvet-reload-soak.XXXXXX)
chmod 755 "$T"
pid=
cleanup() {
	if [ -n "$pid" ] && kill "$pid" 2>/dev/null; then
		for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$pid" 2>/dev/null
	fi
	rm -rf "$T"
}
trap cleanup EXIT


free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
PPORT=$(free_port) MPORT=$(free_port) APORT=$(free_port)

# soak.py ask PORT DOMAIN...: the policy answers, pipelined on one
# connection: "domain<TAB>answer<TAB>ms since the requests went out".
# soak.py match ANSWERS_FILE: each answer against domains.tsv; prints the
# mismatches. A reject or defer names its decisive code, an annotation its
# acting codes: the verdict must be the lab's and the codes among the lab's.
cat > "$T/soak.py" <<'EOF'
import os, socket, sys, time
sys.path.insert(0, os.path.join(os.environ["top_srcdir"], "tests"))
import policy_fixture as pf

def classify(a):
    if a == "action=DUNNO":
        return "accept", []
    if a.startswith("action=PREPEND ") and "findings=" in a:
        return "annotate", sorted(a.split("findings=", 1)[1].split(","))
    if a.startswith("action=5") or a.startswith("action=4"):
        code = a.rsplit("[", 1)[1].rstrip("]") if a.endswith("]") else "?"
        return ("reject" if a[7] == "5" else "defer"), [code]
    return "other", [a]

if sys.argv[1] == "ask":
    port, doms = int(sys.argv[2]), sys.argv[3:]
    out, buf = [], b""
    t0 = time.time()
    try:
        s = socket.create_connection(("127.0.0.1", port), 5)
        s.settimeout(40)
        s.sendall(b"".join(pf.request("u@" + d) for d in doms))
        while len(out) < len(doms):
            while b"\n\n" in buf and len(out) < len(doms):
                a, buf = buf.split(b"\n\n", 1)
                out.append("%s\t%s\t%d" % (doms[len(out)], a.decode(), (time.time() - t0) * 1000))
            if len(out) < len(doms):
                d = s.recv(65536)
                if not d:
                    break
                buf += d
        s.close()
    except OSError:
        pass
    out += ["%s\tNONE\t0" % d for d in doms[len(out):]]
    print("\n".join(out))
elif sys.argv[1] == "match":
    lab = {}
    for line in open(os.environ["TSV"]):
        f = line.rstrip("\n").split("\t")
        if len(f) >= 3 and not line.startswith("#"):
            lab[f[0]] = (f[1], [] if f[2] == "-" else f[2].split(","))
    bad = 0
    for line in open(sys.argv[2]):
        d, a, _ = line.rstrip("\n").split("\t")
        v, codes = classify(a)
        want_v, want_codes = lab[d]
        if v != want_v or not set(codes) <= set(want_codes) or (v != "accept" and not codes):
            bad += 1
            print("%s: want %s %s, got %s" % (d, want_v, ",".join(want_codes) or "-", a))
    sys.exit(1 if bad else 0)
EOF
export TSV top_srcdir
ask() { python3 "$T/soak.py" ask "$PPORT" "$@"; }
answer() { ask "$1" | cut -f2; }			# DOMAIN
elapsed() { ask "$@" | tail -1 | cut -f3; }		# DOMAIN...: ms until the last answer
metric() { curl -s "http://127.0.0.1:$APORT/metrics" | awk -v m="$1" '$1 == m { print $2 }'; }

# The milter: one connection per recipient through miltertest; prints
# "domain reply" (a reply code: reject or defer), "domain continue", or
# "domain continue+header" when the message also got HDR: VALUE at its end.
have_miltertest=1
command -v miltertest > /dev/null || have_miltertest=
cat > "$T/soak.lua" <<'EOF'
mt.set_timeout(40)
local port, hdr = os.getenv("SOAK_PORT"), os.getenv("SOAK_HEADER")
for d, want in string.gmatch(os.getenv("SOAK_CASES"), "([^ =]+)=([^ ]*)") do
	want = string.gsub(want, "~", " ")
	local conn = mt.connect("inet:" .. port .. "@127.0.0.1", 20, 0.25)
	if conn == nil then print(d .. " noconnect") else
		mt.rcptto(conn, "<u@" .. d .. ">")
		local r = mt.getreply(conn)
		local got = r == SMFIR_REPLYCODE and "reply" or r == SMFIR_CONTINUE and "continue" or tostring(r)
		if r == SMFIR_CONTINUE then
			mt.eom(conn)
			if want ~= "" and mt.eom_check(conn, MT_HDRADD, hdr, want) then got = got .. "+header"
			elseif mt.eom_check(conn, MT_HDRADD, hdr) then got = got .. "+otherheader" end
		end
		print(d .. " " .. got)
		mt.disconnect(conn)
	end
end
EOF
# milter NAME HEADER DOMAIN=EXPECTED[=HEADERVALUE]...: one TAP line
milter() {
	local name=$1 hdr=$2 cases= want= got c d v
	shift 2
	if [ -z "$have_miltertest" ]; then
		n=$((n + 1))
		skip_case_or_fail "$n" "$name" "miltertest not installed"
		return
	fi
	for c in "$@"; do
		d=${c%%=*} v=${c#*=}
		cases="$cases $d=$(echo "${v#*=}" | sed 's/^reply$//;s/^continue$//;s/ /~/g')"
		want="$want${want:+ }$d ${v%%=*}"
	done
	got=$(SOAK_PORT=$MPORT SOAK_HEADER=$hdr SOAK_CASES="${cases# }" \
		timeout 120 miltertest -s "$T/soak.lua" 2>&1 | paste -sd' ')
	same "$name" "$want" "$got"
}

# Round settings: the lab's config, the endpoints, 1 s cache TTLs; then
# the round's own lines (later lines win).
LAB_NETS="127.53.0.0/16, 127.25.0.0/16"
common=("state_dir=$T/state" "policy_listen=inet:127.0.0.1:$PPORT"
	"milter_listen=inet:$MPORT@127.0.0.1" "admin_listen=inet:127.0.0.1:$APORT"
	"pid_file=" "risk_log=" "decision_timeout=20s" "cache_min_ttl=1s"
	"cache_max_ttl=1s" "cache_temp_ttl=1s" "smtp_connect_timeout=2s" "smtp_probe_ttl=0")
[ "$(id -u)" = 0 ] && common+=("user=nobody")
mkdir -p "$T/state" && chown nobody "$T/state" 2>/dev/null
write_conf() { lab_conf "$T/mxvet.conf" "${common[@]}" "$@"; }

reloads=0
# hup: SIGHUP, then wait until the log says the reload was applied
hup() {
	local want=$((reloads + 1)) i
	kill -HUP "$pid" 2>/dev/null
	for i in $(seq 1 100); do
		[ "$(grep -c 'reload: configuration .* applied' "$T/mxvetd.log")" -ge "$want" ] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	reloads=$want
}
alive() {
	if kill -0 "$pid" 2>/dev/null; then ok "$1: mxvetd alive"
	else notok "$1: mxvetd alive" "$(grep -m3 -A12 -E 'ERROR: AddressSanitizer|runtime error' "$T/mxvetd.log" || tail -5 "$T/mxvetd.log")"; fi
}
# fresh: let the previous round's 1 s verdicts expire
fresh() { sleep 1.05; }

# lab_round NAME DOMAIN...: every answer is the lab's verdict
lab_round() {
	local name=$1
	shift
	ask "$@" > "$T/answers"
	if python3 "$T/soak.py" match "$T/answers" > "$T/mismatch"; then
		ok "$name: $# domains answered with the lab's verdicts"
	else
		notok "$name: every answer is the lab's verdict" "$(cat "$T/mismatch")"
	fi
}

ALL=$(awk -F'\t' '!/^#/ && NF >= 3 { print $1 }' "$TSV")
# every class but the slowest (timeout.test, nsdead.test): the middle rounds
SOME="healthy.test healthy2.test healthy5.test nullmx.test nxdomain.test mxcname.test
 mxloopback.test mxbogon.test servfail.test apexcname.test apexcname-all.test nsdiff.test
 smtpsilent.test smtprefused.test smtptempfail.test primarydown.test slowgreet.test dead.test"

# ---- the daemon, all checks on ----
write_conf
lab_mxvetd "$T/mxvet.conf" "$T/mxvetd.log" "$PPORT" ||
	bail "mxvetd did not start: $(tail -5 "$T/mxvetd.log")"

# Five kinds of round, four times: 20 reloads.
for i in $(seq 1 $RELOADS); do
	lab_touch	# the lab's watchdog stops an idle lab
	extra=
	[ $((i % 2)) = 1 ] && extra=", 127.99.0.0/16"	# an unrelated range, on and off
	case $((i % 5)) in
	1)	# the lab's own settings (with the extra range on or off)
		write_conf "mx_allowed_networks=$LAB_NETS$extra" "smtp_banner_timeout=3s" \
			"smtp_max_concurrent=$((32 + i))" "smtp_blind_after=$((8 + i))"
		hup
		fresh
		doms=$SOME
		[ "$i" = 1 ] || [ "$i" = $RELOADS ] && doms=$ALL
		# two more reloads while the round's checks are in flight
		ask $doms > "$T/answers.bg" &
		asker=$!
		sleep 0.3
		hup
		sleep 0.2
		hup
		wait $asker
		if python3 "$T/soak.py" match "$T/answers.bg" > "$T/mismatch"; then
			ok "round $i (lab settings): $(wc -l < "$T/answers.bg") domains, the lab's verdicts, two reloads in flight"
		else
			notok "round $i (lab settings): every answer is the lab's verdict" "$(cat "$T/mismatch")"
		fi
		milter "round $i milter: accept, reject, annotate with X-Mxvet" X-Mxvet \
			healthy.test=continue nullmx.test=reply \
			"mxcname.test=continue+header=annotate; domain=mxcname.test; findings=MX_CNAME"
		;;
	2)	# the lab's SMTP hosts outside mx_allowed_networks: loopback
		write_conf "mx_allowed_networks=127.53.0.0/16$extra" "smtp_banner_timeout=3s"
		hup
		fresh
		before=$(metric mxvet_smtp_connects_total)
		ask healthy.test smtpsilent.test nullmx.test > "$T/answers"
		got=$(cut -f2 "$T/answers" | sed 's/^action=\([0-9]*\) .*\[\([A-Z_]*\)\]$/\1 \2/' | paste -sd' ')
		same "round $i: without 127.25/16 the lab's MX hosts are MX_LOCALHOST, null MX unchanged" \
			"550 MX_LOCALHOST 550 MX_LOCALHOST 556 NULL_MX" "$got"
		same "round $i: and draw no SMTP probe (connects before/after)" "$before" \
			"$(metric mxvet_smtp_connects_total)"
		milter "round $i milter: MX_LOCALHOST rejects" X-Mxvet healthy.test=reply
		;;
	3)	# short timeouts; then a long probe TTL
		write_conf "mx_allowed_networks=$LAB_NETS$extra" "smtp_banner_timeout=1s" \
			"smtp_connect_timeout=1s"
		hup
		fresh
		ms=$(elapsed smtpsilent.test)
		[ "$ms" -lt 2500 ] && ok "round $i: smtp_banner_timeout 1s: smtpsilent.test answered in $ms ms" ||
			notok "round $i: smtp_banner_timeout 1s: smtpsilent.test answered sooner" "$ms ms"
		ms=$(elapsed smtptimeout.test)
		[ "$ms" -lt 1800 ] && ok "round $i: smtp_connect_timeout 1s: smtptimeout.test answered in $ms ms" ||
			notok "round $i: smtp_connect_timeout 1s: smtptimeout.test answered sooner" "$ms ms"
		a=$(answer slowgreet.test)
		same "round $i: slowgreet.test (greets after 2 s) is silent now: deferred" \
			"action=450 4.4.1 recipient domain slowgreet.test has no MX host that accepts mail now [ALL_MX_UNREACHABLE]" \
			"$a"
		ms=$(elapsed smtpsilent.test primarydown.test)
		[ "$ms" -lt 1800 ] && ok "round $i: two silent hosts probed side by side: $ms ms" ||
			notok "round $i: two silent hosts probed side by side" "$ms ms"
		milter "round $i milter: slowgreet.test deferred" X-Mxvet slowgreet.test=reply
		# the results of this round's probes are reused now (the TTL
		# applies to results already there), none is probed again
		write_conf "mx_allowed_networks=$LAB_NETS$extra" "smtp_banner_timeout=1s" \
			"smtp_connect_timeout=1s" "smtp_probe_ttl=1h"
		hup
		fresh
		before=$(metric mxvet_smtp_connects_total)
		ask slowgreet.test smtpsilent.test > "$T/answers"
		same "round $i: smtp_probe_ttl 1h: slowgreet.test and smtpsilent.test from the probe cache (no connect)" \
			"action=450 action=450 $before" \
			"$(cut -f2 "$T/answers" | cut -d' ' -f1 | paste -sd' ') $(metric mxvet_smtp_connects_total)"
		;;
	4)	# dns checks only; actions, skip_domains and header_name changed
		write_conf "mx_allowed_networks=$LAB_NETS$extra" "checks=dns" "on_mx_cname=reject" \
			"skip_domains=nullmx.test" "header_name=X-Soak-$i"
		hup
		fresh
		ask smtpsilent.test apexcname-all.test mxcname.test nullmx.test mxtypo.test > "$T/answers"
		same "round $i: checks = dns, on_mx_cname = reject, skip_domains, header_name" \
			"action=DUNNO|action=DUNNO|action=550 5.4.4|action=DUNNO|action=PREPEND X-Soak-$i: annotate; domain=mxtypo.test; findings=MX_TYPO" \
			"$(cut -f2 "$T/answers" | sed 's/^\(action=5[0-9][0-9] [0-9.]*\) .*\[MX_CNAME\]$/\1/' | paste -sd'|')"
		milter "round $i milter: the new actions and header name" X-Soak-$i \
			smtpsilent.test=continue mxcname.test=reply \
			"mxtypo.test=continue+header=annotate; domain=mxtypo.test; findings=MX_TYPO"
		;;
	0)	# one probe at a time; an egress guard of one address
		write_conf "mx_allowed_networks=$LAB_NETS$extra" "smtp_banner_timeout=1s" \
			"smtp_max_concurrent=1" "smtp_blind_after=1"
		hup
		fresh
		# a silent host holds its slot 1 s, then up to 2 s more for
		# the answer to QUIT: twice in the soak is enough
		if [ "$i" = 5 ] || [ "$i" = 15 ]; then
			ms=$(elapsed smtpsilent.test primarydown.test)
			[ "$ms" -ge 1900 ] && ok "round $i: smtp_max_concurrent 1: two silent hosts one after the other: $ms ms" ||
				notok "round $i: smtp_max_concurrent 1 serializes the probes" "$ms ms"
		fi
		a=$(answer smtprefused.test)
		same "round $i: smtp_blind_after 1: one refused connect makes the prober blind (accept, blind=1)" \
			"action=DUNNO 1" "$a $(metric mxvet_smtp_blind)"
		milter "round $i milter: accept while blind" X-Mxvet smtprefused.test=continue
		;;
	esac
	alive "round $i"
	echo "# round $i done after $SECONDS s"
done
same "$RELOADS rounds: $reloads reloads applied" "$reloads" \
	"$(grep -c 'reload: configuration .* applied' "$T/mxvetd.log")"
same "no reload refused or deferred" "0" \
	"$(grep -c -i -E 'try again later|keeping the running configuration' "$T/mxvetd.log")"
same "restart keys: none changed, none reported" "0" \
	"$(grep -c 'takes effect after a restart' "$T/mxvetd.log")"

# a restart key is kept, and named
write_conf "mx_allowed_networks=$LAB_NETS" "dns_timeout=9s"
hup
same "dns_timeout (a restart key) changed: the reload says so" "1" \
	"$(grep -c 'reload: dns_timeout changed: takes effect after a restart' "$T/mxvetd.log")"

kill -TERM "$pid"
for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
wait "$pid"
rc=$?
pid=
same "SIGTERM: mxvetd exits 0" 0 "$rc"
if grep -q -E 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$T/mxvetd.log"; then
	notok "no sanitizer report" "$(grep -m1 -A20 -E 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$T/mxvetd.log")"
else
	ok "no sanitizer report in the log"
fi

# ---- started with authority and smtp off, both turned on by a reload ----
lab_touch
write_conf "mx_allowed_networks=$LAB_NETS" "checks=dns"
reloads=0
lab_mxvetd "$T/mxvet.conf" "$T/mxvetd.log" "$PPORT"
same "checks = dns at start: no SMTP or authority findings" "action=DUNNO action=DUNNO" \
	"$(ask smtprefused.test apexcname-all.test | cut -f2 | paste -sd' ')"
write_conf "mx_allowed_networks=$LAB_NETS"
hup
fresh
lab_round "checks turned on by a reload: the probers are created" \
	smtprefused.test apexcname-all.test nsdiff.test smtptempfail.test healthy.test
kill -TERM "$pid"
for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
wait "$pid"
rc=$?
pid=
same "second daemon: exits 0" 0 "$rc"
if grep -q -E 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$T/mxvetd.log"; then
	notok "no sanitizer report (second daemon)" "$(grep -m1 -A20 -E 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$T/mxvetd.log")"
else
	ok "no sanitizer report in the second daemon's log"
fi
echo "1..$n"
