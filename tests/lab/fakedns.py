#!/usr/bin/python3
"""fakedns.py: scripted, misbehaving authoritative DNS servers for the mxvet
loopback lab (tests/lab). One process serves several instances, each on its
own address, UDP and TCP port 53 (or the port in the config).

usage: fakedns.py CONFIG.json

CONFIG: {"servers": [{"addr": "127.53.2.4", "port": 53, "mode": "apexcname-alternate",
                      "zones": [["apexcname.test.", "/dir/zones/apexcname.test.zone"]],
                      "cname": "web.hosting-provider.test."}, ...]}

Modes (the data comes from the zone files, answered authoritatively):
  auth                 plain authoritative server (AA=1)
  refused              REFUSED to everything
  silent               never answers (UDP dropped; TCP accepted, never answered)
  apexcname-alternate  queries for the zone apex alternate, per query type,
                       between the correct answer (NSID farm-a) and a CNAME at
                       the apex to "cname" (NSID farm-b)
  apexcname-always     every query for the apex gets the CNAME (NSID cname)
  noaa                 correct data, AA=0
  wildcard-additional  an AAAA query for a name that has only A records gets
                       NODATA plus, in the additional section, the A of the
                       zone's wildcard (*) for that name: a different address
  formerr-edns         FORMERR without OPT to any query with EDNS; plain
                       queries get correct answers
  garbage              random bytes after the right query ID
Malformed queries are ignored. NSID (RFC 5001) is the mode name unless said.
"""
import json
import os
import random
import selectors
import signal
import socket
import sys
import time

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

A, AAAA, CNAME, MX, NS, SOA, ANY = (dns.rdatatype.A, dns.rdatatype.AAAA, dns.rdatatype.CNAME,
                                    dns.rdatatype.MX, dns.rdatatype.NS, dns.rdatatype.SOA,
                                    dns.rdatatype.ANY)
IN = dns.rdataclass.IN
NSID = 3
MODES = ("auth", "refused", "silent", "apexcname-alternate", "apexcname-always", "noaa",
         "wildcard-additional", "formerr-edns", "garbage")
TCP_IDLE = 10.0         # seconds a TCP connection may stay idle
TCP_MAX = 64            # connections per instance


def log(msg):
    sys.stderr.write("%s fakedns: %s\n" % (time.strftime("%H:%M:%S"), msg))
    sys.stderr.flush()


class Instance:
    def __init__(self, conf):
        self.addr = conf["addr"]
        self.port = int(conf.get("port", 53))
        self.mode = conf["mode"]
        if self.mode not in MODES:
            raise ValueError("unknown mode %r" % self.mode)
        self.zones = [dns.zone.from_file(path, origin=origin, relativize=False)
                      for origin, path in conf.get("zones", [])]
        self.cname = dns.name.from_text(conf.get("cname", "web.hosting-provider.test."))
        self.nsid = conf.get("nsid", self.mode)
        self.turn = {}          # apexcname-alternate: per query type, answers given
        self.conns = {}

    def __str__(self):
        return "%s(%s)" % (self.addr, self.mode)

    # ---- answering ----
    def reply(self, wire, tcp):
        """The reply to a query in wire form, or None to say nothing."""
        if self.mode == "silent" or len(wire) < 12:
            return None
        if self.mode == "garbage":
            return wire[:2] + os.urandom(random.randint(10, 80))
        try:
            q = dns.message.from_wire(wire)
        except Exception:
            return None
        if q.flags & dns.flags.QR or q.opcode() != dns.opcode.QUERY or len(q.question) != 1:
            return None
        qname, qtype = q.question[0].name, q.question[0].rdtype
        if self.mode == "formerr-edns" and q.edns >= 0:
            r = dns.message.make_response(q)
            r.use_edns(False)
            r.set_rcode(dns.rcode.FORMERR)
            return self.wire(q, r, tcp, qname, qtype, "FORMERR (EDNS)")
        r = dns.message.make_response(q, our_payload=1232)
        if q.edns >= 0 and q.ednsflags & dns.flags.DO:
            r.ednsflags |= dns.flags.DO
        nsid = self.nsid
        if self.mode == "refused":
            r.set_rcode(dns.rcode.REFUSED)
        else:
            nsid = self.answer(r, qname, qtype) or nsid
            if self.mode == "noaa":
                r.flags &= ~dns.flags.AA
        if q.edns >= 0 and any(o.otype == NSID for o in q.options):
            r.use_edns(0, r.ednsflags, 1232, options=[dns.edns.GenericOption(NSID, nsid.encode())])
        return self.wire(q, r, tcp, qname, qtype, dns.rcode.to_text(r.rcode()))

    def wire(self, q, r, tcp, qname, qtype, what):
        log("%s %s %s %s -> %s" % (self, "tcp" if tcp else "udp", qname,
                                   dns.rdatatype.to_text(qtype), what))
        limit = 65535 if tcp else (max(512, min(q.payload, 1232)) if q.edns >= 0 else 512)
        try:
            return r.to_wire(max_size=limit)
        except dns.exception.TooBig:
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
            if self.mode == "apexcname-always":
                self.add(r.answer, qname, CNAME, [self.cname])
                return "cname"
            n = self.turn.get(qtype, 0)
            self.turn[qtype] = n + 1
            if n % 2:
                self.add(r.answer, qname, CNAME, [self.cname])
                return "farm-b"
            self.lookup(r, z, qname, qtype)
            return "farm-a"
        self.lookup(r, z, qname, qtype)
        return None

    @staticmethod
    def add(section, name, rdtype, targets, ttl=300):
        section.append(dns.rrset.from_text_list(name, ttl, IN, rdtype, [t.to_text() for t in targets]))

    def lookup(self, r, z, qname, qtype):
        soa = z.find_rdataset(z.origin, SOA)
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


class Loop:
    def __init__(self, instances):
        self.sel = selectors.DefaultSelector()
        self.conns = {}         # tcp socket -> [instance, buffer, last activity]
        for inst in instances:
            u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            u.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            u.bind((inst.addr, inst.port))
            u.setblocking(False)
            self.sel.register(u, selectors.EVENT_READ, ("udp", inst))
            t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            t.bind((inst.addr, inst.port))
            t.listen(16)
            t.setblocking(False)
            self.sel.register(t, selectors.EVENT_READ, ("listen", inst))

    def close(self, s):
        self.sel.unregister(s)
        self.conns.pop(s, None)
        s.close()

    def run(self):
        while True:
            for key, _ in self.sel.select(timeout=1.0):
                kind, inst = key.data
                try:
                    getattr(self, "on_" + kind)(key.fileobj, inst)
                except OSError as e:
                    log("%s %s: %s" % (inst, kind, e))
                    if kind == "tcp":
                        self.close(key.fileobj)
            now = time.monotonic()
            for s, (_, _, last) in list(self.conns.items()):
                if now - last > TCP_IDLE:
                    self.close(s)

    def on_udp(self, s, inst):
        for _ in range(64):
            try:
                wire, peer = s.recvfrom(65535)
            except BlockingIOError:
                return
            out = inst.reply(wire, False)
            if out is not None:
                s.sendto(out, peer)

    def on_listen(self, s, inst):
        c, _ = s.accept()
        if sum(1 for v in self.conns.values() if v[0] is inst) >= TCP_MAX:
            c.close()
            return
        c.setblocking(False)
        self.conns[c] = [inst, b"", time.monotonic()]
        self.sel.register(c, selectors.EVENT_READ, ("tcp", inst))

    def on_tcp(self, c, inst):
        data = c.recv(65535)
        if not data:
            self.close(c)
            return
        st = self.conns[c]
        st[1] += data
        st[2] = time.monotonic()
        while len(st[1]) >= 2:
            n = int.from_bytes(st[1][:2], "big")
            if len(st[1]) < 2 + n:
                break
            wire, st[1] = st[1][2:2 + n], st[1][2 + n:]
            out = inst.reply(wire, True)
            if out is not None:
                c.setblocking(True)
                c.settimeout(2.0)
                c.sendall(len(out).to_bytes(2, "big") + out)
                c.setblocking(False)
        if len(st[1]) > 70000:
            self.close(c)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: fakedns.py CONFIG.json")
    with open(sys.argv[1]) as f:
        conf = json.load(f)
    instances = [Instance(c) for c in conf["servers"]]
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    loop = Loop(instances)
    log("serving %s" % ", ".join(str(i) for i in instances))
    loop.run()


if __name__ == "__main__":
    main()
