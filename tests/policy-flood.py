#!/usr/bin/env python3
"""policy-flood: a flood of never-seen domains whose MX hosts accept TCP and
never greet must not delay the verdicts of other domains, and checks in
flight stay under max_checks_in_flight.

The domains come from libunbound local-data (no name server involved):
  fN.flood.test        MX 10 sK.flood.test, K = N mod 250: 250 silent
                       listeners on 127.66.0.1 .. 127.66.0.250
  refused.flood.test   MX 10 dead.flood.test (127.67.0.1, nothing listens):
                       its probe is refused at once -> 450 4.4.1
  nx.flood.test        does not exist -> 550 5.1.2
Loopback only; every loop is bounded in count and time.
"""
import os, selectors, signal, socket, sys, tempfile, threading, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from policy_fixture import Daemon, Tap, free_port, metrics, read_answers, request  # noqa: E402

FLOOD = 3000
SILENT = 250
tap = Tap()


class SilentHosts:
    """Accept on 127.66.0.1..SILENT:port and never say a word."""

    def __init__(self, port, n):
        self.sel = selectors.DefaultSelector()
        self.conns = []
        self.stop = False
        for i in range(1, n + 1):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.66.0.%d" % i, port))
            s.listen(128)
            s.setblocking(False)
            self.sel.register(s, selectors.EVENT_READ)
        threading.Thread(target=self.run, daemon=True).start()

    def run(self):
        while not self.stop:
            for key, _ in self.sel.select(0.2):
                try:
                    c, _ = key.fileobj.accept()
                    self.conns.append(c)      # held open, silent
                except OSError:
                    pass

    def close(self):
        self.stop = True
        for c in self.conns:
            c.close()


def unbound_conf(path):
    with open(path, "w") as f:
        f.write('server:\n  module-config: "iterator"\n  do-not-query-localhost: no\n'
                '  local-zone: "test." nodefault\n  local-zone: "flood.test." static\n')
        for n in range(FLOOD):
            f.write('  local-data: "f%d.flood.test. 300 IN MX 10 s%d.flood.test."\n' % (n, n % SILENT))
        for k in range(SILENT):
            f.write('  local-data: "s%d.flood.test. 300 IN A 127.66.0.%d"\n' % (k, k + 1))
        f.write('  local-data: "refused.flood.test. 300 IN MX 10 dead.flood.test."\n'
                '  local-data: "dead.flood.test. 300 IN A 127.67.0.1"\n')


def ask(port, rcpt, timeout=10):
    """One request on a fresh connection: (answer, seconds)."""
    t0 = time.time()
    with socket.create_connection(("127.0.0.1", port), 5) as s:
        s.sendall(request(rcpt))
        a = read_answers(s, 1, timeout)
    return (a[0] if a else None), time.time() - t0


def flood(port, names):
    """Send every request pipelined over 8 connections; answers not read."""
    socks = [socket.create_connection(("127.0.0.1", port), 5) for _ in range(8)]
    for i, n in enumerate(names):
        socks[i % 8].sendall(request("u@%s" % n))
    return socks


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def main():
    work = tempfile.mkdtemp(prefix="mxvet-flood-")
    os.chmod(work, 0o755)      # mxvetd reads its unbound.conf as user nobody
    smtp_port = free_port()
    hosts = SilentHosts(smtp_port, SILENT)
    ub = os.path.join(work, "flood-unbound.conf")
    unbound_conf(ub)
    base = {"unbound_config": ub, "checks": "dns, smtp", "smtp_port": str(smtp_port),
            "decision_timeout": "8s", "smtp_connect_timeout": "2s",
            "cache_min_ttl": "60s", "policy_idle_timeout": "60s",
            # the old default global cap: fairness must come from the
            # per-network scheduling, not from a bigger pool
            "smtp_max_concurrent": "64"}

    # 1. fairness: 3,000 silent domains, then a refusing and a nonexistent one
    d = Daemon(os.path.join(work, "fair"), base)
    try:
        socks = flood(d.port, ["f%d.flood.test" % n for n in range(FLOOD)])
        time.sleep(1.0)
        a, t = ask(d.port, "u@refused.flood.test")
        print("# refused.flood.test: %r after %.3f s" % (a, t))
        tap.ok(a and a.startswith("action=450 4.4.1") and t < 3.0,
               "under the flood, a domain whose MX refuses gets its 450 within 3 s",
               (a, round(t, 2)))
        a, t = ask(d.port, "u@nx.flood.test")
        print("# nx.flood.test: %r after %.3f s" % (a, t))
        tap.ok(a and a.startswith("action=550 5.1.2") and t < 2.0,
               "under the flood, a nonexistent domain gets its 550 within 2 s", (a, round(t, 2)))
        m = metrics(d.admin_port)
        tap.ok(m.get("mxvet_checks_in_flight", 1e9) <= 4096,
               "checks in flight within the default cap", m.get("mxvet_checks_in_flight"))
        rss = rss_kb(d.proc.pid)
        print("# flood of %d: checks in flight %s, RSS %d kB" %
              (FLOOD, m.get("mxvet_checks_in_flight"), rss))
        tap.ok(rss < 256 * 1024, "RSS under the flood stays below 256 MB", rss)
        for s in socks:
            s.close()
    finally:
        d.proc.send_signal(signal.SIGKILL)
        d.proc.wait()

    # 2. admission control: a cap of 100 checks in flight
    cap = dict(base, max_checks_in_flight="100")
    d = Daemon(os.path.join(work, "cap"), cap)
    try:
        names = ["f%d.flood.test" % n for n in range(500)]
        socks = flood(d.port, names)
        peak, deadline = 0, time.time() + 3
        while time.time() < deadline:
            peak = max(peak, metrics(d.admin_port).get("mxvet_checks_in_flight", 0))
            time.sleep(0.05)
        m = metrics(d.admin_port)
        tap.ok(0 < peak <= 100, "checks in flight never exceed max_checks_in_flight", peak)
        refused = m.get("mxvet_checks_refused_total", 0)
        tap.ok(refused >= 400, "requests beyond the cap were refused a check and counted", refused)
        # while the cap is full, a new domain is answered timeout_action at
        # once (answers on one connection come in request order, so ask on
        # a fresh one)
        t0 = time.time()
        with socket.create_connection(("127.0.0.1", d.port), 5) as s:
            for n in range(600, 620):
                s.sendall(request("u@f%d.flood.test" % n))
            answers = read_answers(s, 20, timeout=5)
        t = time.time() - t0
        tap.ok(answers == ["action=DUNNO"] * 20 and t < 1.0,
               "while full, new domains get timeout_action (DUNNO) at once",
               (answers[:3], len(answers), round(t, 2)))
        tap.ok(metrics(d.admin_port).get("mxvet_checks_refused_total", 0) >= refused + 20,
               "and each is counted as refused")
        for s in socks:
            s.close()
    finally:
        d.proc.send_signal(signal.SIGKILL)
        d.proc.wait()
    hosts.close()
    return 0 if tap.plan() else 1


if __name__ == "__main__":
    sys.exit(main())
