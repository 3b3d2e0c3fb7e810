"""fakedns_answer.py: how one fakedns.py server answers a query, by mode
(the modes are listed in fakedns.py). Pure: wire in, wire (or None) out;
the sockets are fakedns.py's."""
import os
import random
import struct

import dns.edns
import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.opcode
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset
import dns.zone

A, AAAA, CNAME, DS, MX, NS, SOA, ANY = (
    dns.rdatatype.A, dns.rdatatype.AAAA, dns.rdatatype.CNAME, dns.rdatatype.DS,
    dns.rdatatype.MX, dns.rdatatype.NS, dns.rdatatype.SOA, dns.rdatatype.ANY)
IN = dns.rdataclass.IN
NSID = 3
MODES = ("auth", "refused", "silent", "apexcname-alternate", "apexcname-always", "noaa",
         "wildcard-additional", "formerr-edns", "drop-edns", "garbage", "pointer-loop", "tc")


class Server:
    """One server's behaviour. conf: one entry of the config's "servers";
    counts() gives {zone: packets} for the counter name (see count_as)."""

    def __init__(self, conf, addr, base, counts):
        self.addr = addr
        self.mode = conf["mode"]
        if self.mode not in MODES:
            raise ValueError("unknown mode %r" % self.mode)
        self.zones = [dns.zone.from_file(os.path.join(base, path), origin=origin,
                                         relativize=False)
                      for origin, path in conf.get("zones", [])]
        self.cname = dns.name.from_text(conf.get("cname", "web.hosting-provider.test."))
        self.nsid = conf.get("nsid", self.mode)
        always = self.mode == "apexcname-always"
        self.nsid_apex = conf.get("nsid_apex", "farm-a")
        self.nsid_cname = conf.get("nsid_cname", "cname" if always else "farm-b")
        self.turn_by_type = conf.get("alternate", "qtype") == "qtype"
        self.cname_aa = conf.get("cname_aa", True)
        self.counter = dns.name.from_text(conf["counter"]) if conf.get("counter") else None
        self.counts = counts
        self.turn = {}          # apexcname-alternate: answers given, per query type or in all

    def __str__(self):
        return "%s(%s)" % (self.addr, self.mode)

    def count_as(self, wire):
        """The zone a packet received counts for: the child zone when wire
        asks about a name below one of this server's delegations, else the
        server's first zone (its address when it has none)."""
        try:
            qname = dns.message.from_wire(wire).question[0].name
            z = self.zone_for(qname)
            cut = self.cut(z, qname) if z else None
            if cut is not None:
                return cut.to_text()
        except Exception:       # no query, or not one that parses
            pass
        return self.zones[0].origin.to_text() if self.zones else self.addr

    def reply(self, wire, tcp, log):
        """The reply to a query in wire form, or None to say nothing."""
        if self.mode == "silent" or len(wire) < 12:
            return None
        if self.mode == "garbage":
            return wire[:2] + os.urandom(random.randint(10, 80))
        if self.mode == "pointer-loop":
            return pointer_loop(wire)
        try:
            q = dns.message.from_wire(wire)
        except Exception:
            return None
        if q.flags & dns.flags.QR or q.opcode() != dns.opcode.QUERY or len(q.question) != 1:
            return None
        qname, qtype = q.question[0].name, q.question[0].rdtype
        what = "%s %s %s %s" % (self, "tcp" if tcp else "udp", qname, dns.rdatatype.to_text(qtype))
        if self.mode == "drop-edns" and q.edns >= 0:
            log("%s -> dropped (EDNS)" % what)
            return None
        if self.mode == "formerr-edns" and q.edns >= 0:
            r = dns.message.make_response(q)
            r.use_edns(False)
            r.set_rcode(dns.rcode.FORMERR)
            return self.wire(q, r, tcp, what + " -> FORMERR (EDNS)", log)
        r = dns.message.make_response(q, our_payload=1232)
        if q.edns >= 0 and q.ednsflags & dns.flags.DO:
            r.ednsflags |= dns.flags.DO
        nsid = self.nsid
        if self.counter is not None and qname == self.counter and qtype == dns.rdatatype.TXT:
            r.answer.append(dns.rrset.from_text_list(
                qname, 0, IN, "TXT", ['"%s=%d"' % zc for zc in sorted(self.counts().items())]))
        elif self.mode == "refused":
            r.set_rcode(dns.rcode.REFUSED)
        else:
            nsid = self.answer(r, qname, qtype) or nsid
            if self.mode == "noaa":
                r.flags &= ~dns.flags.AA
        if q.edns >= 0 and any(o.otype == NSID for o in q.options):
            r.use_edns(0, r.ednsflags, 1232, options=[dns.edns.GenericOption(NSID, nsid.encode())])
        return self.wire(q, r, tcp, "%s -> %s" % (what, dns.rcode.to_text(r.rcode())), log)

    def wire(self, q, r, tcp, what, log):
        """r in wire form within the size the query allows. When it does not
        fit, an answer loses its additional section first (optional data, as
        a real server drops it); a referral, whose glue is needed, and an
        answer still too big are truncated (TC)."""
        log(what)
        limit = 65535 if tcp else (max(512, min(q.payload, 1232)) if q.edns >= 0 else 512)
        referral = not r.answer and any(rs.rdtype == NS for rs in r.authority)
        out = None
        if tcp or self.mode != "tc":
            out = fit(r, limit)
            if out is None and r.additional and not referral:
                r.additional.clear()
                out = fit(r, limit)
        if out is not None:
            return out
        t = dns.message.make_response(q, our_payload=1232)
        t.flags |= dns.flags.TC | (r.flags & dns.flags.AA)
        return t.to_wire()

    def zone_for(self, qname):
        best = None
        for z in self.zones:
            if qname.is_subdomain(z.origin) and (best is None or
                                                 len(z.origin) > len(best.origin)):
                best = z
        return best

    def answer(self, r, qname, qtype):
        """Fill r from the zone data; returns an NSID override or None."""
        z = self.zone_for(qname)
        if z is None:
            r.set_rcode(dns.rcode.REFUSED)
            return None
        r.flags |= dns.flags.AA
        if qname == z.origin and qtype != CNAME and self.mode.startswith("apexcname"):
            cname = True
            if self.mode == "apexcname-alternate":
                key = qtype if self.turn_by_type else None
                n = self.turn.get(key, 0)
                self.turn[key] = n + 1
                cname = n % 2 == 1
            if cname:
                self.add(r.answer, qname, CNAME, [self.cname])
                if not self.cname_aa:
                    r.flags &= ~dns.flags.AA
                return self.nsid_cname
            self.lookup(r, z, qname, qtype)
            return self.nsid_apex
        self.lookup(r, z, qname, qtype)
        return None

    @staticmethod
    def add(section, name, rdtype, targets, ttl=300):
        section.append(dns.rrset.from_text_list(name, ttl, IN, rdtype, [t.to_text() for t in targets]))

    def lookup(self, r, z, qname, qtype):
        soa = z.find_rdataset(z.origin, SOA)
        if self.referral(r, z, qname, qtype):
            return
        for _ in range(8):              # CNAME chain inside the zone
            node = z.get_node(qname)
            if node is None:
                wild = z.get_node(dns.name.Name((b"*",) + qname.parent().labels)) \
                    if qname != z.origin else None
                if wild is not None:
                    node = wild
                elif any(n.is_subdomain(qname) for n in z.nodes):
                    break               # empty non-terminal: NODATA
                else:
                    r.set_rcode(dns.rcode.NXDOMAIN)
                    break
            cn = node.get_rdataset(IN, CNAME)
            if cn is not None and qtype not in (CNAME, ANY):
                r.answer.append(dns.rrset.RRset(qname, IN, CNAME))
                r.answer[-1].update(cn)
                target = cn[0].target
                if not target.is_subdomain(z.origin):
                    return
                qname = target
                continue
            sets = [rds for rds in node.rdatasets if qtype == ANY or rds.rdtype == qtype]
            for rds in sets:
                rr = dns.rrset.RRset(qname, IN, rds.rdtype)
                rr.update(rds)
                r.answer.append(rr)
                if rds.rdtype in (MX, NS):
                    for rd in rds:
                        t = rd.exchange if rds.rdtype == MX else rd.target
                        self.glue(r, z, t, (A, AAAA))
            if sets:
                return
            if (self.mode == "wildcard-additional" and qtype == AAAA and
                    node.get_rdataset(IN, A) is not None and qname != z.origin):
                wild = z.get_node(dns.name.Name((b"*",) + qname.parent().labels))
                wa = wild.get_rdataset(IN, A) if wild is not None else None
                if wa is not None:
                    rr = dns.rrset.RRset(qname, IN, A)
                    rr.update(wa)
                    r.additional.append(rr)
            break
        rr = dns.rrset.RRset(z.origin, IN, SOA)
        rr.update(soa)
        r.authority.append(rr)

    @staticmethod
    def cut(z, qname):
        """The highest delegation in z at or above qname, or None."""
        cut = None
        name = qname
        while name != z.origin:
            node = z.get_node(name)
            if node is not None and node.get_rdataset(IN, NS) is not None:
                cut = name
            name = name.parent()
        return cut

    def referral(self, r, z, qname, qtype):
        """A name at or below a delegation in z: the NS and their glue, not
        authoritative (the DS of a child is the parent's own data)."""
        cut = self.cut(z, qname)
        if cut is None or (cut == qname and qtype == DS):
            return False
        r.flags &= ~dns.flags.AA
        rds = z.get_node(cut).get_rdataset(IN, NS)
        rr = dns.rrset.RRset(cut, IN, NS)
        rr.update(rds)
        r.authority.append(rr)
        for rd in rds:
            self.glue(r, z, rd.target, (A, AAAA))
        return True

    @staticmethod
    def glue(r, z, name, types):
        if not name.is_subdomain(z.origin):
            return
        node = z.get_node(name)
        for t in types:
            rds = node.get_rdataset(IN, t) if node is not None else None
            if rds is not None:
                rr = dns.rrset.RRset(name, IN, t)
                rr.update(rds)
                r.additional.append(rr)


def fit(r, limit):
    """r in wire form, or None when it takes more than limit bytes."""
    try:
        return r.to_wire(max_size=limit)
    except dns.exception.TooBig:
        return None


def pointer_loop(wire):
    """The question echoed, then an answer whose owner name is a compression
    pointer to itself: a loop a parser must refuse."""
    end = 12
    while end < len(wire) and wire[end] != 0:
        end += wire[end] + 1
    q = wire[12:end + 5]
    loop = struct.pack("!H", 0xC000 | (12 + len(q)))
    return (wire[:2] + b"\x84\x00\x00\x01\x00\x01\x00\x00\x00\x00" + q + loop +
            b"\x00\x0f\x00\x01\x00\x00\x01\x2c\x00\x04\x00\x0a\xc0\x0c")
