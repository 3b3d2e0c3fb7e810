#!/usr/bin/python3
"""Loopback DNS servers for tests/authority.sh: the zone authlab. on
127.153.0.1 delegating one child zone per authority finding to servers on
127.153.N.M:53 that misbehave in one way each. Binds loopback only.

usage: authority-fake.py PIDFILE   (runs in the foreground until killed)
AUTHFAKE_NO_V6=1 leaves ::1 alone."""
import os
import socket
import struct
import sys
import threading

import dns.edns
import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset

NET = "127.153"
PARENT = NET + ".0.1"
TLD = "authlab."
MXA = NET + ".9."   # MX host addresses (nothing connects: tests use --no-smtp)

# zone -> (records, [(ns name, address, behaviour)])
# behaviours: ok, farm (every other answer is an apex CNAME), cname (always),
# farm-noaa (every other answer is an apex CNAME without the AA flag),
# refused, silent, formerr-edns, drop-edns (silent only to EDNS), wildcard-add,
# garbage, tc (UDP always truncated)
ZONES = {}
DELEGATED = {}  # zone -> the servers the parent names, when not all of them


def zone(name, servers, mx=None, extra=None, delegated=None, child_ns=None):
    """servers: started; child_ns: the zone's own NS RRset (default all);
    delegated: what the parent's referral names (default all)."""
    d = name + "." + TLD
    recs = [(d, "SOA", "ns1.%s hostmaster.%s 1 3600 600 86400 300" % (d, d))]
    for n, a, _ in servers:
        if child_ns is None or n in child_ns:
            recs.append((d, "NS", n))
        if n.endswith(d):
            recs.append((n, "A", a))
    if delegated is not None:
        DELEGATED[d] = [s for s in servers if s[0] in delegated]
    for pref, host, addr in (mx if mx is not None else [(10, "mx." + d, MXA + "1")]):
        recs.append((d, "MX", "%d %s" % (pref, host)))
        if addr:
            recs.append((host, "A", addr))
    recs += extra or []
    ZONES[d] = (recs, servers)


def ns(z, n, a, beh="ok"):
    return ("ns%d.%s.%s" % (n, z, TLD), a, beh)


zone("healthy", [ns("healthy", 1, NET + ".1.1"), ns("healthy", 2, NET + ".1.2")],
     extra=[("web.healthy." + TLD, "A", MXA + "80")])
zone("apexcname", [ns("apexcname", 1, NET + ".2.1", "farm"), ns("apexcname", 2, NET + ".2.2")],
     mx=[(10, "mx.apexcname." + TLD, MXA + "2")])
zone("apexcname-all", [ns("apexcname-all", 1, NET + ".2.11", "cname"),
                       ns("apexcname-all", 2, NET + ".2.12", "cname")],
     mx=[(10, "mx.apexcname-all." + TLD, MXA + "12")])
# a farm behind one address whose members alternate: the MX with AA, an
# apex CNAME without AA (a member serving the name from a stale cache)
zone("apexcname-noaa", [ns("apexcname-noaa", 1, NET + ".2.21", "farm-noaa"),
                        ns("apexcname-noaa", 2, NET + ".2.22")],
     mx=[(10, "mx.apexcname-noaa." + TLD, MXA + "22")])
zone("nsdiff", [ns("nsdiff", 1, NET + ".3.1"), ns("nsdiff", 2, NET + ".3.2", "othermx"),
                ns("nsdiff", 3, NET + ".3.3")],
     mx=[(10, "mx1.nsdiff." + TLD, MXA + "31")],
     extra=[("mx2.nsdiff." + TLD, "A", MXA + "32")])
zone("lame", [ns("lame", 1, NET + ".4.1"), ns("lame", 2, NET + ".4.2", "refused")])
zone("nsdead", [ns("nsdead", 1, NET + ".5.1"), ns("nsdead", 2, NET + ".5.2", "silent")])
zone("wildcard", [ns("wildcard", 1, NET + ".6.1", "wildcard-add"), ns("wildcard", 2, NET + ".6.2")],
     mx=[(10, "mx.wildcard." + TLD, MXA + "6")])
zone("ednsfail", [ns("ednsfail", 1, NET + ".7.1", "formerr-edns"), ns("ednsfail", 2, NET + ".7.2")])
zone("ednsdrop", [ns("ednsdrop", 1, NET + ".7.11", "drop-edns"), ns("ednsdrop", 2, NET + ".7.12")])
zone("garbage", [ns("garbage", 1, NET + ".8.1", "garbage"), ns("garbage", 2, NET + ".8.2")])
zone("tc", [ns("tc", 1, NET + ".10.1", "tc")])
zone("many", [ns("many", 0, NET + ".11.100")] +
     [ns("many", i, NET + ".11.%d" % i, "silent") for i in range(1, 41)])
# the zone's own NS RRset names a dead server the parent does not
zone("childonly", [ns("childonly", 1, NET + ".12.1"), ns("childonly", 2, NET + ".12.2", "silent")],
     delegated=["ns1.childonly." + TLD])
# the parent's glue is A only; the zone gives its server an AAAA too (::1,
# served below when this machine has IPv6 loopback): both must be probed
zone("v6ns", [ns("v6ns", 1, NET + ".14.1")],
     extra=[("ns1.v6ns." + TLD, "AAAA", "::1")])
V6 = ("::1", "ok", "v6ns." + TLD, "ns1v6.v6ns")
# the parent names a dead server the zone's own NS RRset does not
zone("parentonly", [ns("parentonly", 1, NET + ".13.1"), ns("parentonly", 2, NET + ".13.2", "silent")],
     child_ns=["ns1.parentonly." + TLD])

# the packet budget (tests/authority.sh): 10 NS names of 4 addresses each,
# one answering, 39 silent: with authority_repeat 10 and
# authority_max_servers 64 the probe would want 880 packets
zone("budget", [("ns%d.budget.%s" % (i // 4, TLD), NET + ".16.%d" % (i + 1),
                 "ok" if i == 0 else "silent") for i in range(40)])

# name servers outside the allowed networks (tests/addr-policy.sh): nothing
# here serves 127.88.0.1, nor ::1 under AUTHFAKE_NO_V6, but a witness that
# must see no packet from mxvet
WITNESS4 = "127.88.0.1"
zone("offnet", [ns("offnet", 1, WITNESS4, "absent")])
zone("mixed", [ns("mixed", 1, NET + ".15.1"), ns("mixed", 2, WITNESS4, "absent")],
     extra=[("mixed." + TLD, "NS", "ns3.mixed." + TLD), ("ns3.mixed." + TLD, "AAAA", "::1")])

ALTERNATE = {}
LOCK = threading.Lock()
# packets received per zone (its servers' UDP datagrams and TCP
# connections, and the parent's queries about it): "packets.authlab TXT"
# at the parent answers them, one "zone=count" string each
PACKETS = {}


def count(d):
    with LOCK:
        PACKETS[d] = PACKETS.get(d, 0) + 1


def rr(owner, rtype, text, ttl=300):
    return dns.rrset.from_text(owner, ttl, "IN", rtype, text)


def find_zone(qname):
    best = None
    for d in ZONES:
        if qname == dns.name.from_text(d) or qname.is_subdomain(dns.name.from_text(d)):
            if best is None or len(d) > len(best):
                best = d
    return best


def with_nsid(q, r, ident):
    if q.edns >= 0:
        opts = []
        if any(o.otype == dns.edns.NSID for o in q.options):
            opts.append(dns.edns.GenericOption(dns.edns.NSID, ident.encode()))
        r.use_edns(0, q.ednsflags & dns.flags.DO, 1232, options=opts)
    else:
        r.use_edns(False)
    return r


def answer_zone(q, d, ident, beh):
    recs, _ = ZONES[d]
    qq = q.question[0]
    r = dns.message.make_response(q)
    r.flags |= dns.flags.AA
    r.flags &= ~dns.flags.RA
    apex = dns.name.from_text(d)
    cname = beh == "cname"
    if beh in ("farm", "farm-noaa") and qq.name == apex:
        with LOCK:
            ALTERNATE[ident] = ALTERNATE.get(ident, 0) + 1
            cname = ALTERNATE[ident] % 2 == 0
    if cname and qq.name == apex:
        r.answer.append(rr(qq.name, "CNAME", "web.healthy." + TLD))
        if beh == "farm-noaa":
            r.flags &= ~dns.flags.AA
        return with_nsid(q, r, ident + "-cname")
    names = set(dns.name.from_text(o) for o, _, _ in recs)
    data = [(o, t, v) for o, t, v in recs
            if dns.name.from_text(o) == qq.name and dns.rdatatype.from_text(t) == qq.rdtype]
    if beh == "othermx" and qq.rdtype == dns.rdatatype.MX and qq.name == apex:
        data = [(d, "MX", "10 mx2.nsdiff." + TLD)]
    if data:
        for o, t, v in data:
            rs = r.find_rrset(r.answer, dns.name.from_text(o), dns.rdataclass.IN,
                              dns.rdatatype.from_text(t), create=True)
            rs.update(rr(o, t, v))
    elif qq.name in names:
        r.authority.append(rr(d, "SOA", [v for o, t, v in recs if t == "SOA"][0]))
        if beh == "wildcard-add" and qq.rdtype == dns.rdatatype.AAAA:
            # the fault: an A "synthesized" for the host, not its real one
            r.additional.append(rr(qq.name, "A", MXA + "66"))
    else:
        r.set_rcode(dns.rcode.NXDOMAIN)
        r.authority.append(rr(d, "SOA", [v for o, t, v in recs if t == "SOA"][0]))
    return with_nsid(q, r, ident)


def answer_parent(q):
    qq = q.question[0]
    r = dns.message.make_response(q)
    r.flags &= ~dns.flags.RA
    d = find_zone(qq.name)
    tld = dns.name.from_text(TLD)
    if d:
        recs, servers = ZONES[d]
        for n, a, _ in DELEGATED.get(d, servers):
            rs = r.find_rrset(r.authority, dns.name.from_text(d), dns.rdataclass.IN,
                              dns.rdatatype.NS, create=True)
            rs.update(rr(d, "NS", n))
            r.additional.append(rr(n, "A", a))
        return with_nsid(q, r, "parent")
    r.flags |= dns.flags.AA
    if qq.name == tld and qq.rdtype == dns.rdatatype.NS:
        r.answer.append(rr(TLD, "NS", "ns." + TLD))
        r.additional.append(rr("ns." + TLD, "A", PARENT))
    elif qq.name == dns.name.from_text("ns." + TLD) and qq.rdtype == dns.rdatatype.A:
        r.answer.append(rr("ns." + TLD, "A", PARENT))
    elif qq.name == tld or qq.name == dns.name.from_text("ns." + TLD):
        r.authority.append(rr(TLD, "SOA", "ns.%s h.%s 1 3600 600 86400 300" % (TLD, TLD)))
    else:
        r.set_rcode(dns.rcode.NXDOMAIN)
        r.authority.append(rr(TLD, "SOA", "ns.%s h.%s 1 3600 600 86400 300" % (TLD, TLD)))
    return with_nsid(q, r, "parent")


def handle(wire, addr, beh, d, ident, tcp):
    if beh == "silent":
        return None
    if beh == "garbage" and len(wire) >= 2:
        # the question echoed, then an answer whose owner name is a
        # compression pointer to itself: a loop a parser must refuse
        end = 12
        while end < len(wire) and wire[end] != 0:
            end += wire[end] + 1
        q = wire[12:end + 5]
        loop = struct.pack("!H", 0xC000 | (12 + len(q)))
        return (wire[:2] + b"\x84\x00\x00\x01\x00\x01\x00\x00\x00\x00" + q + loop +
                b"\x00\x0f\x00\x01\x00\x00\x01\x2c\x00\x04\x00\x0a\xc0\x0c")
    try:
        q = dns.message.from_wire(wire)
    except Exception:
        return None
    if not q.question:
        return None
    if beh == "drop-edns" and q.edns >= 0:
        return None
    if beh == "formerr-edns" and q.edns >= 0:
        r = dns.message.make_response(q)
        r.use_edns(False)
        r.set_rcode(dns.rcode.FORMERR)
        return r.to_wire()
    if addr == PARENT and q.question[0].name == dns.name.from_text("packets." + TLD):
        r = dns.message.make_response(q)
        with LOCK:
            for z, c in sorted(PACKETS.items()):
                r.answer.append(rr(q.question[0].name, "TXT", '"%s=%d"' % (z, c), 0))
        return r.to_wire()
    if addr == PARENT:
        zd = find_zone(q.question[0].name)
        if zd:
            count(zd)
        r = answer_parent(q)
    elif beh == "refused" or find_zone(q.question[0].name) != d:
        r = dns.message.make_response(q)
        r.flags &= ~dns.flags.RA
        r.set_rcode(dns.rcode.REFUSED)
        r = with_nsid(q, r, ident)
    else:
        r = answer_zone(q, d, ident, beh)
    limit = 65535 if tcp else max(q.payload, 512) if q.edns >= 0 else 512
    try:
        if beh == "tc" and not tcp:
            raise dns.exception.TooBig
        return r.to_wire(max_size=limit)
    except dns.exception.TooBig:
        r.answer.clear()
        r.authority.clear()
        r.additional.clear()
        r.flags |= dns.flags.TC
        return r.to_wire()


def serve_udp(sock, addr, beh, d, ident):
    while True:
        wire, peer = sock.recvfrom(65535)
        if d:
            count(d)
        try:
            out = handle(wire, addr, beh, d, ident, False)
        except Exception as e:  # a bug here must not kill the server
            print("fake: %s: %r" % (addr, e), file=sys.stderr)
            continue
        if out is not None:
            sock.sendto(out, peer)


def serve_tcp(sock, addr, beh, d, ident):
    while True:
        conn, _ = sock.accept()
        if d:
            count(d)
        try:
            conn.settimeout(3)
            hdr = conn.recv(2)
            if len(hdr) == 2:
                n = struct.unpack("!H", hdr)[0]
                wire = b""
                while len(wire) < n:
                    chunk = conn.recv(n - len(wire))
                    if not chunk:
                        break
                    wire += chunk
                out = handle(wire, addr, beh, d, ident, True)
                if out is not None:
                    conn.sendall(struct.pack("!H", len(out)) + out)
        except OSError:
            pass
        conn.close()


def main():
    servers = [(PARENT, "parent", None, "parent")]
    for d, (_, srv) in ZONES.items():
        for n, a, beh in srv:
            if beh != "absent":
                servers.append((a, beh, d, n.split(".")[0] + "." + d.split(".")[0]))
    if not os.environ.get("AUTHFAKE_NO_V6"):
        servers.append(V6)
    threads = []
    for addr, beh, d, ident in servers:
        fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
        try:
            u = socket.socket(fam, socket.SOCK_DGRAM)
            u.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            u.bind((addr, 53))
            t = socket.socket(fam, socket.SOCK_STREAM)
            t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            t.bind((addr, 53))
        except OSError as e:
            if fam != socket.AF_INET6:
                raise
            print("no IPv6 loopback here (%s): v6ns is served on IPv4 only" % e, flush=True)
            continue
        t.listen(16)
        for fn, s in ((serve_udp, u), (serve_tcp, t)):
            th = threading.Thread(target=fn, args=(s, addr, beh, d, ident), daemon=True)
            th.start()
            threads.append(th)
    with open(sys.argv[1], "w") as f:
        f.write("%d\n" % os.getpid())
    threading.Event().wait()


if __name__ == "__main__":
    main()
