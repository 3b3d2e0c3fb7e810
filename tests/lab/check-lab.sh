#!/bin/bash
# check-lab.sh DIR: a quick self-test of a running loopback lab (tests/lab):
# a few digs against each kind of server, a TCP connect to each kind of SMTP
# host, and, if a C compiler and libunbound-dev are there, a few recursive
# lookups through DIR/unbound.conf (the way mxvet resolves). Prints one
# line per check; exits 1 if any failed. Takes about 8 seconds.
set -u
D=${1:?usage: check-lab.sh DIR}
D=$(cd "$D" && pwd) || exit 2
HERE=$(cd "$(dirname "$0")" && pwd)
fails=0

ok()  { echo "ok   $*"; }
bad() { echo "FAIL $*"; fails=$((fails + 1)); }
# check NAME COMMAND...: the command's exit status decides
check() { local n=$1; shift; if "$@" >/dev/null 2>&1; then ok "$n"; else bad "$n"; fi; }
q() { dig +time=1 +tries=1 +norecurse "$@" 2>&1; }
has() { local pat=$1; shift; "$@" | grep -Eq -- "$pat"; }

# SMTP greeting read within $3 seconds from $1, expecting the regex $2
greets() {
	timeout "$3" bash -c 'exec 3<>/dev/tcp/$0/2525 || exit 1
		IFS= read -r -t "$2" l <&3 || exit 1; printf "QUIT\r\n" >&3; [[ $l =~ $1 ]]' "$1" "$2" "$3"
}

check "lab status" "$HERE/lab" status "$D"

# DNS: the signed root and TLDs
check "root . SOA signed (127.53.0.1)" has 'RRSIG.*SOA' q @127.53.0.1 . SOA +dnssec
check "root refers test. with DS" has 'IN[[:space:]]+DS' q @127.53.0.1 healthy.test MX +dnssec
check "test. DNSKEY (127.53.0.2)" has 'DNSKEY' q @127.53.0.2 test. DNSKEY +dnssec
check "test. proves healthy.test unsigned (NSEC)" has 'NSEC' q @127.53.0.2 healthy.test MX +dnssec
check "com. refers gooogle.com" has 'gooogle\.com\..*NS' q @127.53.0.2 gooogle.com MX
check "nxdomain.test is NXDOMAIN" has 'status: NXDOMAIN' q @127.53.0.2 nxdomain.test MX
# DNS: nsd for the ordinary zones
check "ns1 healthy.test MX aa (127.53.1.1)" has 'flags: qr aa' q @127.53.1.1 healthy.test MX
check "ns2 healthy.test MX (127.53.1.2)" has 'mx2\.healthy\.test' q @127.53.1.2 healthy.test MX
check "ns1 NSID lab-nsd" has 'lab-nsd' q @127.53.1.1 healthy.test MX +nsid
check "ns1 bogus.test signed" has 'RRSIG' q @127.53.1.1 bogus.test MX +dnssec
check "ns3 nsdiff.test MX mx2 (127.53.1.3)" has 'MX[[:space:]]+10 mx2\.nsdiff' q @127.53.1.3 nsdiff.test MX
check "ns1 over TCP" has 'status: NOERROR' q @127.53.1.1 healthy.test MX +tcp
# DNS: the fakes
check "refused: REFUSED (127.53.2.1)" has 'status: REFUSED' q @127.53.2.1 servfail.test MX
check "silent: no answer (127.53.2.2)" has 'timed out' q @127.53.2.2 timeout.test MX
check "silent2: no answer (127.53.2.3)" has 'timed out' q @127.53.2.3 nsdead.test MX
farm=$(for i in 1 2; do q @127.53.2.4 apexcname.test MX +nsid; done)
check "farm: MX then apex CNAME (127.53.2.4)" bash -c 'grep -q "IN[[:space:]]*CNAME" <<<"$0" && grep -q "IN[[:space:]]*MX" <<<"$0" && grep -q farm-a <<<"$0" && grep -q farm-b <<<"$0"' "$farm"
check "cname: apex CNAME (127.53.2.5)" has 'CNAME[[:space:]]+web\.hosting-provider' q @127.53.2.5 apexcname-all.test MX
check "noaa: answer without aa (127.53.2.6)" has 'flags: qr;.*ANSWER: 1' q @127.53.2.6 lame.test MX
check "wild: AAAA with additional A (127.53.2.7)" has 'mx\.wildcard\.test\..*A[[:space:]]+127\.25\.0\.99' q @127.53.2.7 mx.wildcard.test AAAA
check "formerr: FORMERR to EDNS (127.53.2.8)" has 'status: FORMERR' q @127.53.2.8 ednsfail.test MX +dnssec
check "formerr: plain query answered" has 'flags: qr aa' q @127.53.2.8 ednsfail.test MX +noedns
check "garbage: unparsable reply (127.53.2.9)" has 'Got bad packet|unexpected|malformed|FORMERR|NOTIMP|[Ww]arning' q @127.53.2.9 garbage.test MX

# SMTP on port 2525
check "smtp ok 220 (127.25.0.10)" greets 127.25.0.10 '^220 ' 2
check "smtp ok multi-line 220- (127.25.0.12)" greets 127.25.0.12 '^220-' 2
check "smtp tempfail 421 (127.25.0.21)" greets 127.25.0.21 '^421' 2
check "smtp reject 554 (127.25.0.22)" greets 127.25.0.22 '^554' 2
check "smtp slow 220 after 2 s (127.25.0.25)" greets 127.25.0.25 '^220 ' 4
check "smtp silent: connects, no greeting (127.25.0.20)" bash -c '! timeout 3 bash -c "exec 3<>/dev/tcp/127.25.0.20/2525 || exit 9; IFS= read -r -t 1 l <&3" && timeout 1 bash -c "exec 3<>/dev/tcp/127.25.0.20/2525"'
check "smtp refused (127.25.0.23)" bash -c 'timeout 2 bash -c "exec 3<>/dev/tcp/127.25.0.23/2525" 2>&1 | grep -q refused'
check "smtp timeout: connect hangs (127.25.0.24)" bash -c 'timeout 2 bash -c "exec 3<>/dev/tcp/127.25.0.24/2525"; [ $? = 124 ]'

# Recursion through libunbound with DIR/unbound.conf, if we can build ubquery
if [ ! -x "$D/ubquery" ] || [ "$HERE/ubquery.c" -nt "$D/ubquery" ]; then
	${CC:-cc} -O -o "$D/ubquery" "$HERE/ubquery.c" -lunbound >/dev/null 2>&1 || rm -f "$D/ubquery"
fi
if [ -x "$D/ubquery" ]; then
	out=$("$D/ubquery" "$D/unbound.conf" healthy.test MX mx1.healthy.test A nxdomain.test MX \
		bogus.test MX test SOA servfail.test MX 2>/dev/null)
	check "libunbound: healthy.test MX (insecure)" grep -q '^healthy.test MX rcode=0 data insecure.*mx1.healthy.test' <<<"$out"
	check "libunbound: mx1.healthy.test A" grep -q '^mx1.healthy.test A rcode=0 data .*127.25.0.10' <<<"$out"
	check "libunbound: nxdomain.test proven NXDOMAIN" grep -q '^nxdomain.test MX rcode=3 nxdomain secure' <<<"$out"
	check "libunbound: test. SOA secure" grep -q '^test SOA rcode=0 data secure' <<<"$out"
	check "libunbound: bogus.test bogus" grep -q '^bogus.test MX .* bogus' <<<"$out"
	check "libunbound: servfail.test SERVFAIL" grep -q '^servfail.test MX rcode=2' <<<"$out"
else
	echo "skip libunbound checks (no cc or libunbound-dev)"
fi

if [ "$fails" -gt 0 ]; then
	echo "check-lab: $fails check(s) failed (logs in $D/log)"
	exit 1
fi
echo "check-lab: all checks passed"
