#!/usr/bin/python3
"""A witness on DNS port 53: binds UDP and TCP on each address given that
it can bind, and logs one line per datagram or connection that arrives.
Writes PIDFILE once bound, then "bound ADDR" or "unbound ADDR (why)" lines
to LOG, then "packet udp|tcp ADDR from PEER" lines. Binds loopback only.

usage: dns-witness.py PIDFILE LOG ADDR..."""
import os
import socket
import sys
import threading

LOG_LOCK = threading.Lock()


def log(f, line):
    with LOG_LOCK:
        f.write(line + "\n")
        f.flush()


def udp(sock, addr, f):
    while True:
        _, peer = sock.recvfrom(65535)
        log(f, "packet udp %s from %s" % (addr, peer[0]))


def tcp(sock, addr, f):
    while True:
        conn, peer = sock.accept()
        log(f, "packet tcp %s from %s" % (addr, peer[0]))
        conn.close()


def main():
    pidfile, logfile, addrs = sys.argv[1], sys.argv[2], sys.argv[3:]
    f = open(logfile, "a")
    for addr in addrs:
        if not (addr.startswith("127.") or addr == "::1"):
            sys.exit("dns-witness: loopback only, not %s" % addr)
        fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
        try:
            u = socket.socket(fam, socket.SOCK_DGRAM)
            u.bind((addr, 53))
            t = socket.socket(fam, socket.SOCK_STREAM)
            t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            t.bind((addr, 53))
            t.listen(16)
        except OSError as e:
            log(f, "unbound %s (%s)" % (addr, e))
            continue
        log(f, "bound %s" % addr)
        for fn, s in ((udp, u), (tcp, t)):
            threading.Thread(target=fn, args=(s, addr, f), daemon=True).start()
    with open(pidfile, "w") as p:
        p.write("%d\n" % os.getpid())
    threading.Event().wait()


if __name__ == "__main__":
    main()
