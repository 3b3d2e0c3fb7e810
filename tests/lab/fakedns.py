#!/usr/bin/python3
"""fakedns.py: scripted, misbehaving authoritative DNS servers for the mxvet
tests: the loopback lab (tests/lab) and the authlab. servers of
tests/authority.sh and tests/addr-policy.sh (tests/data/auth/authlab). One
process serves every server, each on its own loopback address, UDP and TCP.

usage: fakedns.py CONFIG.json [--pidfile FILE] [--ipv4-only]

CONFIG: {"counter": "packets.authlab.",
         "servers": [{"addr": "127.53.2.4", "port": 53, "mode": "apexcname-alternate",
                      "zones": [["apexcname.test.", "/dir/zones/apexcname.test.zone"]],
                      "cname": "web.hosting-provider.test."}, ...]}
"addr" may be a range of IPv4 addresses, "127.153.11.1-40": one server of
that kind on each. Zone file
paths are relative to the config's directory. The PID file is written once
every socket is bound; --ipv4-only leaves the IPv6 servers out, and an IPv6
address that cannot be bound (no IPv6 loopback) is logged and skipped.

Modes (the data comes from the zone files, answered authoritatively; a name
below a delegation in a zone gets a referral):
  auth                 plain authoritative server (AA=1)
  refused              REFUSED to everything
  silent               never answers (UDP dropped; TCP accepted, never answered)
  apexcname-alternate  queries for the zone apex alternate between the correct
                       answer (NSID "nsid_apex", default farm-a) and a CNAME at
                       the apex to "cname" (NSID "nsid_cname", default farm-b);
                       "alternate": "qtype" (default) takes turns per query
                       type, "query" over every apex query; "cname_aa": false
                       sends the CNAMEs without AA
  apexcname-always     every query for the apex gets the CNAME (NSID
                       "nsid_cname", default cname)
  noaa                 correct data, AA=0
  wildcard-additional  an AAAA query for a name that has only A records gets
                       NODATA plus, in the additional section, the A of the
                       zone's wildcard (*) for that name: a different address
  formerr-edns         FORMERR without OPT to any query with EDNS; plain
                       queries get correct answers
  drop-edns            never answers a query with EDNS; plain ones are answered
  garbage              random bytes after the right query ID
  pointer-loop         the question, then an answer whose owner name is a
                       compression pointer to itself
  tc                   every UDP answer truncated (TC); TCP answered in full
Malformed queries are ignored. NSID (RFC 5001) is "nsid", default the mode.
The servers count the messages they receive (UDP datagrams, DNS messages
over TCP), each for the server's first zone, or for the child zone when it
is a query about a name below a delegation; a TXT query for the "counter"
name, at any server, answers one "ZONE=N" string per zone.
"""
import argparse
import ipaddress
import json
import os
import re
import selectors
import signal
import socket
import sys
import time

sys.dont_write_bytecode = True  # nothing written into the source tree
from fakedns_answer import Server  # noqa: E402

TCP_IDLE = 10.0         # seconds a TCP connection may stay idle
TCP_MAX = 64            # connections per server


def log(msg):
    sys.stderr.write("%s fakedns: %s\n" % (time.strftime("%H:%M:%S"), msg))
    sys.stderr.flush()


class Loop:
    def __init__(self, servers):
        self.sel = selectors.DefaultSelector()
        self.conns = {}         # tcp socket -> [server, buffer, last activity]
        self.servers = []
        self.packets = {}       # zone -> messages received
        for srv, port in servers:
            fam = socket.AF_INET6 if ":" in srv.addr else socket.AF_INET
            try:
                u = socket.socket(fam, socket.SOCK_DGRAM)
                u.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                u.bind((srv.addr, port))
                t = socket.socket(fam, socket.SOCK_STREAM)
                t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                t.bind((srv.addr, port))
            except OSError as e:
                if fam != socket.AF_INET6:
                    raise
                log("no IPv6 loopback here (%s): %s not served" % (e, srv))
                continue
            t.listen(16)
            for s, kind in ((u, "udp"), (t, "listen")):
                s.setblocking(False)
                self.sel.register(s, selectors.EVENT_READ, (kind, srv))
            self.servers.append(srv)

    def count(self, zone):
        self.packets[zone] = self.packets.get(zone, 0) + 1

    def close(self, s):
        self.sel.unregister(s)
        self.conns.pop(s, None)
        s.close()

    def run(self):
        while True:
            for key, _ in self.sel.select(timeout=1.0):
                kind, srv = key.data
                try:
                    getattr(self, "on_" + kind)(key.fileobj, srv)
                except OSError as e:
                    log("%s %s: %s" % (srv, kind, e))
                    if kind == "tcp":
                        self.close(key.fileobj)
            now = time.monotonic()
            for s, (_, _, last) in list(self.conns.items()):
                if now - last > TCP_IDLE:
                    self.close(s)

    def on_udp(self, s, srv):
        for _ in range(64):
            try:
                wire, peer = s.recvfrom(65535)
            except BlockingIOError:
                return
            self.count(srv.count_as(wire))
            out = srv.reply(wire, False, log)
            if out is not None:
                s.sendto(out, peer)

    def on_listen(self, s, srv):
        c, _ = s.accept()
        if sum(1 for v in self.conns.values() if v[0] is srv) >= TCP_MAX:
            c.close()
            return
        c.setblocking(False)
        self.conns[c] = [srv, b"", time.monotonic()]
        self.sel.register(c, selectors.EVENT_READ, ("tcp", srv))

    def on_tcp(self, c, srv):
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
            self.count(srv.count_as(wire))
            out = srv.reply(wire, True, log)
            if out is not None:
                c.setblocking(True)
                c.settimeout(2.0)
                c.sendall(len(out).to_bytes(2, "big") + out)
                c.setblocking(False)
        if len(st[1]) > 70000:
            self.close(c)


def addresses(spec):
    """"127.153.11.1-40" -> the 40 addresses; any other address -> itself."""
    m = re.fullmatch(r"(\d+\.\d+\.\d+\.)(\d+)-(\d+)", spec)
    if not m:
        return [spec]
    return [m.group(1) + str(i) for i in range(int(m.group(2)), int(m.group(3)) + 1)]


def main():
    p = argparse.ArgumentParser(prog="fakedns.py", description="Scripted DNS servers.")
    p.add_argument("config")
    p.add_argument("--pidfile", help="written once every socket is bound")
    p.add_argument("--ipv4-only", action="store_true", help="leave the IPv6 servers out")
    a = p.parse_args()
    with open(a.config) as f:
        conf = json.load(f)
    base = os.path.dirname(os.path.abspath(a.config))
    loop = None
    servers = []
    for c in conf["servers"]:
        c = dict(c, counter=conf.get("counter"))
        for addr in addresses(c["addr"]):
            if a.ipv4_only and ":" in addr:
                continue
            if not ipaddress.ip_address(addr).is_loopback:
                sys.exit("fakedns: %s is not a loopback address" % addr)
            servers.append((Server(c, addr, base, lambda: loop.packets), int(c.get("port", 53))))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    loop = Loop(servers)
    if a.pidfile:
        with open(a.pidfile, "w") as f:
            f.write("%d\n" % os.getpid())
    log("serving %s" % ", ".join(str(s) for s in loop.servers))
    loop.run()


if __name__ == "__main__":
    main()
