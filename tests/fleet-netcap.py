#!/usr/bin/env python3
"""fleet-netcap: smtp_max_per_network holds for the fleet, not per host.
Two mxvetd hosts share a private redis-server (started here); the DNS
fixture of tests/policy_fixture.py gives domains nc<i>.pt.test one MX each,
mx-nc<i>.pt.test -> 127.0.77.<i>: all in one /24. A fake SMTP server on
those loopback addresses says nothing (every probe lasts until
smtp_banner_timeout, then QUIT) and records how many connections it holds
at once, across both hosts.
1. Both hosts are asked every domain at the same moment (A from the first,
   B from the last): with smtp_max_per_network = 2 the server never holds
   more than 2 connections (per host only, it held up to 4); both hosts
   probed (waiters are served in turn, whichever host), and one waited for
   the network (its metrics).
2. Redis frozen (SIGSTOP): a host probes under its own budget (at most 2
   at once) and every answer comes within decision_timeout.
3. Leases and a waiter a dead host left (ended long ago) block nobody.
Loopback only; every loop is bounded in count and time. TAP output."""
import os, select, shutil, signal, socket, sys, tempfile, threading, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import policy_fixture as pf  # noqa: E402
import fleet_fixture as ff  # noqa: E402

tap = pf.Tap()
ok = tap.ok
NET = "127.0.77."
N = 24              # domains (one address each) for part 1
FROZEN = range(101, 109)    # addresses of part 2
GHOST = 120                 # the address of part 3
DECISION = 2.0


class NetcapDNS(pf.FakeDNS):
    """pt.test plus nc<i> MX 10 mx-nc<i>, mx-nc<i> A 127.0.77.<i>."""

    def reply(self, q, qn, qt, label, peer):
        if label and (label.startswith("nc") or label.startswith("mx-nc")) and label[-1].isdigit():
            import dns.message, dns.rrset
            r = dns.message.make_response(q)
            r.flags |= dns.flags.AA
            r.flags &= ~dns.flags.RA
            i = label.split("nc", 1)[1]
            if label.startswith("nc") and qt == "MX":
                r.answer.append(dns.rrset.from_text(qn, 300, "IN", "MX", "10 mx-nc%s.pt.test." % i))
            elif label.startswith("mx-nc") and qt == "A":
                r.answer.append(dns.rrset.from_text(qn, 300, "IN", "A", NET + i))
            else:
                r.authority.append(dns.rrset.from_text(pf.ZONE, 300, "IN", "SOA",
                                                       "ns.pt.test. h.pt.test. 1 3600 600 86400 300"))
            try:
                self.sock.sendto(r.to_wire(), peer)
            except OSError:
                pass
            return
        pf.FakeDNS.reply(self, q, qn, qt, label, peer)


class SilentSMTP:
    """Listens on NET+i for each i, port self.port; never greets; closes on
    QUIT or when the client closes. peak: most connections held at once.
    Before counting a new connection it looks for closes already in the
    kernel, so a close the loop has not read yet is never counted."""

    def __init__(self, hosts):
        for _ in range(20):
            self.port = pf.free_port()
            self.lsocks = []
            try:
                for i in hosts:
                    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                    s.bind((NET + str(i), self.port))
                    s.listen(64)
                    s.setblocking(False)
                    self.lsocks.append(s)
                break
            except OSError:
                for s in self.lsocks:
                    s.close()
        self.conns = {}
        self.now = self.peak = self.total = 0
        self.lock = threading.Lock()
        self.stop = False
        self.t = threading.Thread(target=self.run, daemon=True)
        self.t.start()

    def reset(self):
        with self.lock:
            self.peak = self.now
            self.total = 0

    def drop(self, c):
        c.close()
        del self.conns[c]
        self.now -= 1

    def sweep(self):
        for c in list(self.conns):
            try:
                if c.recv(4096, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b"":
                    self.drop(c)
            except BlockingIOError:
                pass
            except OSError:
                self.drop(c)

    def run(self):
        end = time.time() + 300        # bounded, whatever the test does
        while not self.stop and time.time() < end:
            r, _, _ = select.select(self.lsocks + list(self.conns), [], [], 0.1)
            with self.lock:
                for s in r:
                    if s in self.lsocks:
                        try:
                            c, _ = s.accept()
                        except OSError:
                            continue
                        self.sweep()
                        self.conns[c] = b""
                        self.now += 1
                        self.total += 1
                        self.peak = max(self.peak, self.now)
                    elif s in self.conns:
                        try:
                            d = s.recv(4096)
                        except OSError:
                            d = b""
                        if not d or b"QUIT" in self.conns[s] + d:
                            self.drop(s)
                        else:
                            self.conns[s] += d
        for s in self.lsocks + list(self.conns):
            s.close()


def asker(h, domains, out):
    def run():
        s = socket.create_connection(("127.0.0.1", h.port), 5)
        for d in domains:
            t0 = time.time()
            s.sendall(pf.request("u@" + d))
            a = pf.read_answers(s, 1, DECISION + 3)
            out.append((d, a[0] if a else None, time.time() - t0))
        s.close()
    return run


def parallel(jobs):
    ts = [threading.Thread(target=j) for j in jobs]
    for t in ts:
        t.start()
    for t in ts:
        t.join(60)


wait_for = ff.wait_for


def main():
    if not ff.available():
        pf.skip_or_fail("redis-server or redis-cli not installed")
    work = tempfile.mkdtemp(prefix="mxvet-fleet-netcap-")
    os.chmod(work, 0o777)
    smtp = SilentSMTP(list(range(1, N + 1)) + list(FROZEN) + [GHOST])
    redis = ff.Redis(work)
    common = {"redis_timeout": "200", "decision_timeout": "%ds" % DECISION,
              "checks": "dns, smtp", "smtp_port": str(smtp.port), "smtp_connect_timeout": "1s",
              "smtp_banner_timeout": "1s", "smtp_max_per_network": "2", "smtp_blind_after": "0",
              "log_level": "debug"}
    pf.FakeDNS = NetcapDNS        # the Daemons' DNS fixture
    A, B = ff.pair(work, redis, common)
    try:
        ok(ff.connected(A, B), "both hosts connected")

        # 1. every domain asked of both at once, from opposite ends
        doms = ["nc%d.pt.test" % i for i in range(1, N + 1)]
        half = N // 2
        out = []
        parallel([asker(A, doms[:half], out), asker(A, doms[half:], out),
                  asker(B, doms[::-1][:half], out), asker(B, doms[::-1][half:], out)])
        ok(len(out) == 2 * N and all(a for _, a, _ in out), "every request answered", out[:6])
        # the probes go on after the answers: let them all end (bounded)
        wait_for(lambda: pf.metrics(A.admin_port).get("mxvet_smtp_probes_in_flight", 0) == 0 and
                 pf.metrics(B.admin_port).get("mxvet_smtp_probes_in_flight", 0) == 0 and
                 pf.metrics(A.admin_port).get("mxvet_smtp_probes_queued", 0) == 0 and
                 pf.metrics(B.admin_port).get("mxvet_smtp_probes_queued", 0) == 0, 20)
        time.sleep(0.5)
        ma, mb = pf.metrics(A.admin_port), pf.metrics(B.admin_port)
        ca, cb = ma.get("mxvet_smtp_connects_total", 0), mb.get("mxvet_smtp_connects_total", 0)
        ok(ca > 0 and cb > 0, "both hosts probed the network (connections: A %d, B %d)" % (ca, cb))
        ok(smtp.peak <= 2, "the network never held more than smtp_max_per_network = 2 of the "
           "fleet's connections (peak %d of %d)" % (smtp.peak, smtp.total), smtp.peak)
        waits = ma.get("mxvet_fleet_network_waits_total", 0) + mb.get("mxvet_fleet_network_waits_total", 0)
        ok(waits > 0, "a host waited for the network's slot (mxvet_fleet_network_waits_total)", waits)
        left = {k: redis.cli("--raw", "ZCARD", "mxv1:%s:127.0.77.0/24" % k).strip() for k in ("pn", "pq")}
        ok(left == {"pn": "0", "pq": "0"}, "every lease given back, no waiter left", left)

        # 2. Redis frozen: the local budget, answers within decision_timeout
        smtp.reset()
        redis.proc.send_signal(signal.SIGSTOP)
        out = []
        fz = ["nc%d.pt.test" % i for i in FROZEN]
        parallel([asker(A, fz[:4], out), asker(A, fz[4:], out)])
        slow = max(el for _, _, el in out) if out else None
        ok(len(out) == len(fz) and all(a for _, a, _ in out) and slow <= DECISION + 0.5,
           "Redis frozen: every answer within decision_timeout (slowest %.2fs)" % (slow or -1), out)
        wait_for(lambda: pf.metrics(A.admin_port).get("mxvet_smtp_probes_in_flight", 0) == 0 and
                 pf.metrics(A.admin_port).get("mxvet_smtp_probes_queued", 0) == 0, 20)
        ok(smtp.total > 0 and smtp.peak <= 2, "Redis frozen: probes went on under the host's own "
           "budget (%d connections, peak %d)" % (smtp.total, smtp.peak), (smtp.total, smtp.peak))
        redis.proc.send_signal(signal.SIGCONT)

        # 3. what a dead host left (a lease and a waiter long ended) holds
        # nobody back: a lease ends by its score, a waiter by its heartbeat
        ok(ff.connected(A, secs=15), "Redis thawed: A reconnected")
        smtp.reset()
        net = "127.0.77.0/24"
        redis.cli("ZADD", "mxv1:pn:" + net, "1", "dead:1")
        redis.cli("ZADD", "mxv1:pn:" + net, "1", "dead:2")
        redis.cli("ZADD", "mxv1:pq:" + net, "1", "dead:3")
        redis.cli("ZADD", "mxv1:pt:" + net, "1", "dead:3")
        out = []
        parallel([asker(A, ["nc%d.pt.test" % GHOST], out)])
        wait_for(lambda: smtp.total > 0, 5)
        ok(out and out[0][1] and smtp.total == 1, "leases and waiters of a dead host do not "
           "block the network (%d connection)" % smtp.total, (out, smtp.total))
        ok(redis.cli("--raw", "ZRANGE", "mxv1:pq:" + net, "0", "-1").strip() == "",
           "the dead waiter left the queue", redis.cli("--raw", "ZRANGE", "mxv1:pq:" + net, "0", "-1"))
    finally:
        ra, rb = A.stop(), B.stop()
        redis.stop()
        smtp.stop = True
    ok(ra == 0 and rb == 0, "both hosts stop cleanly", (ra, rb))
    if not tap.plan():
        for d in (A, B):
            print("# --- " + d.log)
            for line in open(d.log).read().splitlines()[-30:]:
                print("# " + line)
        sys.exit(1)
    shutil.rmtree(work, ignore_errors=True)


main()
