#!/usr/bin/python3
"""Writes the canned DNS replies used by tests/unit/test_authority.c and as
the seed corpus of tests/fuzz/fuzz_authority.c. Run it in this directory;
the .bin files are committed, so tests do not need dnspython."""
import struct

import dns.edns
import dns.flags
import dns.message
import dns.rcode
import dns.rrset

D = "example.test."


def q(name=D, t="MX", edns=True):
    m = dns.message.make_query(name, t, use_edns=0 if edns else False,
                               want_dnssec=edns,
                               options=[dns.edns.GenericOption(dns.edns.NSID, b"")] if edns else None)
    m.flags &= ~dns.flags.RD
    m.id = 0x1234
    return m


def resp(query, aa=True, nsid=None, edns=True):
    r = dns.message.make_response(query)
    r.flags &= ~dns.flags.RA
    if aa:
        r.flags |= dns.flags.AA
    if edns:
        r.use_edns(0, dns.flags.DO, 1232,
                   options=[dns.edns.GenericOption(dns.edns.NSID, nsid)] if nsid else [])
    else:
        r.use_edns(False)
    return r


def rr(o, t, v):
    return dns.rrset.from_text_list(o, 300, "IN", t, v if isinstance(v, list) else [v])


def write(name, wire):
    with open(name + ".bin", "wb") as f:
        f.write(wire)


# good: two MX, NSID "farm-7" and a non-printable byte
r = resp(q(), nsid=b"farm-7\x01")
r.answer.append(rr(D, "MX", ["20 mx2.example.test.", "10 MX1.Example.TEST."]))
write("mx-good", r.to_wire())
# CNAME at the apex
r = resp(q(), nsid=b"farm-3")
r.answer.append(rr(D, "CNAME", "lb.cdn.example.net."))
write("mx-cname", r.to_wire())
# NODATA
r = resp(q())
r.authority.append(rr(D, "SOA", "ns1.example.test. h.example.test. 1 2 3 4 5"))
write("mx-nodata", r.to_wire())
# NXDOMAIN
r = resp(q())
r.set_rcode(dns.rcode.NXDOMAIN)
write("mx-nxdomain", r.to_wire())
# REFUSED, no AA
r = resp(q(), aa=False)
r.set_rcode(dns.rcode.REFUSED)
write("mx-refused", r.to_wire())
# upward referral / delegation (no AA, NS in authority, glue)
r = resp(q(), aa=False)
r.authority.append(rr(D, "NS", ["ns1.example.test.", "ns2.example.net."]))
r.additional.append(rr("ns1.example.test.", "A", "192.0.2.53"))
r.additional.append(rr("ns1.example.test.", "AAAA", "2001:db8::53"))
r.additional.append(rr("other.example.", "A", "192.0.2.99"))
write("referral", r.to_wire())
# FORMERR without a question and without OPT
w = bytearray(resp(q(), aa=False, edns=False).to_wire())
w = w[:12]
w[3] = (w[3] & 0xF0) | 1
struct.pack_into("!HHHH", w, 4, 0, 0, 0, 0)
write("formerr-noquestion", bytes(w))
# AAAA for the MX host with a wildcard A in the additional section
qa = q("mx1.example.test.", "AAAA")
r = resp(qa)
r.authority.append(rr(D, "SOA", "ns1.example.test. h.example.test. 1 2 3 4 5"))
r.additional.append(rr("mx1.example.test.", "A", "203.0.113.80"))
r.additional.append(rr("www.example.test.", "A", "203.0.113.81"))
write("aaaa-additional", r.to_wire())
# malformed: the good answer cut in the middle
good = open("mx-good.bin", "rb").read()
write("truncated", good[:len(good) - 7])
# malformed: an answer owner that points at itself (compression loop)
qw = q().to_wire()
qs = qw[12:]
qs = qs[:qs.index(b"\x00") + 5]
off = 12 + len(qs)
loop = struct.pack("!H", 0xC000 | off)
hdr = struct.pack("!HHHHHH", 0x1234, 0x8400, 1, 1, 0, 0)
write("loop", hdr + qs + loop + b"\x00\x0f\x00\x01\x00\x00\x01\x2c\x00\x04\x00\x0a\xc0\x0c")
# malformed: rdlength past the end
write("rdlength", hdr + qs + b"\xc0\x0c\x00\x0f\x00\x01\x00\x00\x01\x2c\xff\xff\x00\x0a")
# header only, shorter than a header
write("short", b"\x12\x34\x84")
# the queries themselves (for the matcher)
write("query-mx", qw)
