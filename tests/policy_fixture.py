"""policy_fixture: a tiny authoritative DNS server for zone pt.test on
loopback (dnspython), an unbound.conf that stubs pt.test to it, and an
mxvetd run on a free loopback port. Used by tests/policy-protocol.py and
bench/policy-load.py; it needs nothing but loopback. It counts queries per
(name, type), so tests can see that single flight asked once.

Zone pt.test:
  nullmx      MX 0 .                -> reject 556 NULL_MX
  ok*         MX 10 mx.pt.test      -> accept (mx.pt.test A 127.0.0.25)
  implicit    A 127.0.0.26, no MX   -> annotate NO_MX_IMPLICIT
  slow*       no answer at all      -> DNS_TIMEOUT (defer) after dns_timeout
  slowok*     MX after 0.6 s        -> accept, late (single flight)
  other names NXDOMAIN              -> reject 550 5.1.2
Faulty servers for domains whose true verdict is accept (MX 10 mx.pt.test),
tests/policy-faults.py: never a 5xx, always answered in decision_timeout:
  flakyok*    every other query dropped
  garbageok*  random bytes instead of an answer (every time)
  tcok*       truncated UDP answers (and no TCP)
  servfailok* SERVFAIL
  refusedok*  REFUSED
  formerrok*  FORMERR to queries with EDNS, the answer without
  badidok*    the answer with a wrong ID first, then the right one
"""
import collections, os, signal, socket, subprocess, sys, threading, time

try:
    import dns.message  # noqa: F401
except ImportError:     # a python without Debian's python3-dnspython (pyenv)
    if sys.executable != "/usr/bin/python3" and os.path.exists("/usr/bin/python3"):
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    raise
import dns.flags, dns.message, dns.rcode, dns.rdataclass, dns.rdatatype, dns.rrset

ZONE = "pt.test."


def under_ci():
    """Is this a CI run? CI=true (GitHub, GitLab and most others), 1 or yes."""
    return os.environ.get("CI", "").lower() in ("true", "1", "yes")


def skip_or_fail(reason):
    """The whole test cannot run here (no root, a tool missing): a TAP skip
    on a developer's machine, a failure under CI, so that coverage cannot
    vanish silently (tests/skip.sh is the same for shell tests)."""
    if under_ci():
        print("1..1\nnot ok 1 - %s # required under CI: %s" % (os.path.basename(sys.argv[0]), reason))
        sys.exit(1)
    print("1..0 # SKIP " + reason)
    sys.exit(0)


class Tap:
    """TAP lines: ok(cond, name, diag) prints one; skip(name, reason) one
    that cannot run here (a failure under CI); plan() the 1..N line."""

    def __init__(self):
        self.results = []

    def skip(self, name, reason):
        ci = under_ci()
        self.results.append(not ci)
        print("%s %d - %s # %s %s" % ("not ok" if ci else "ok", len(self.results), name,
                                      "required under CI:" if ci else "SKIP", reason))
        sys.stdout.flush()

    def ok(self, cond, name, diag=None):
        self.results.append(bool(cond))
        print("%s %d - %s" % ("ok" if cond else "not ok", len(self.results), name))
        if not cond and diag is not None:
            print("# " + repr(diag)[:2000].replace("\n", "\n# "))
        sys.stdout.flush()

    def plan(self):
        print("1..%d" % len(self.results))
        return all(self.results)


def free_port(kind=socket.SOCK_STREAM):
    s = socket.socket(socket.AF_INET, kind)
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


class FakeDNS:
    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.counts = collections.Counter()
        self.lock = threading.Lock()
        self.stop = False
        threading.Thread(target=self.serve, daemon=True).start()

    def count(self, name, rdtype="MX"):
        with self.lock:
            return self.counts[(name.lower().rstrip(".") + ".", rdtype)]

    def serve(self):
        self.sock.settimeout(0.2)
        while not self.stop:
            try:
                data, peer = self.sock.recvfrom(4096)
            except socket.timeout:
                continue
            except OSError:
                return
            try:
                q = dns.message.from_wire(data)
            except Exception:
                continue
            if not q.question:
                continue
            qn = q.question[0].name.to_text().lower()
            qt = dns.rdatatype.to_text(q.question[0].rdtype)
            with self.lock:
                self.counts[(qn, qt)] += 1
            label = qn[: -len(ZONE)].rstrip(".") if qn.endswith(ZONE) else None
            if label is not None and self.fault(q, label, data, peer):
                continue
            if label is not None and label.startswith("slowok"):
                threading.Timer(0.6, self.reply, (q, qn, qt, label, peer)).start()
            elif label is not None and label.startswith("slow"):
                continue        # a silent server
            else:
                self.reply(q, qn, qt, label, peer)

    def fault(self, q, label, data, peer):
        """Misbehave for the fault labels; True if the query is dealt with."""
        send = lambda b: self.sock.sendto(b, peer)
        if label.startswith("flakyok"):
            with self.lock:
                self.counts["flaky"] += 1
                drop = self.counts["flaky"] % 2 == 1
            return drop
        if label.startswith("garbageok"):
            send(os.urandom(5) + data[:2][::-1] + os.urandom(40))
            return True
        if label.startswith(("tcok", "servfailok", "refusedok")):
            r = dns.message.make_response(q)
            if label.startswith("tcok"):
                r.flags |= dns.flags.TC
            else:
                r.set_rcode(dns.rcode.SERVFAIL if label.startswith("servfail") else dns.rcode.REFUSED)
            send(r.to_wire())
            return True
        if label.startswith("formerrok") and q.edns >= 0:
            r = dns.message.make_response(q)
            r.use_edns(False)
            r.set_rcode(dns.rcode.FORMERR)
            send(r.to_wire())
            return True
        if label.startswith("badidok"):
            r = dns.message.make_response(q)
            r.id = (q.id + 1) % 65536
            r.answer.append(dns.rrset.from_text(q.question[0].name, 300, "IN", "MX", "10 evil.pt.test."))
            send(r.to_wire())
        return False

    def reply(self, q, qn, qt, label, peer):
        r = dns.message.make_response(q)
        r.flags |= dns.flags.AA
        r.flags &= ~dns.flags.RA
        def add(rtype, *rdatas):
            r.answer.append(dns.rrset.from_text(qn, 300, "IN", rtype, *rdatas))
        soa = dns.rrset.from_text(ZONE, 300, "IN", "SOA",
                                  "ns.pt.test. h.pt.test. 1 3600 600 86400 300")
        if label is None:
            r.set_rcode(dns.rcode.REFUSED)
        elif label == "":
            if qt == "NS":
                add("NS", "ns.pt.test.")
            elif qt == "SOA":
                r.answer.append(soa)
            else:
                r.authority.append(soa)
        elif label == "nullmx":
            if qt == "MX":
                add("MX", "0 .")
            else:
                r.authority.append(soa)
        elif label.startswith(("ok", "slowok", "flakyok", "formerrok", "badidok")):
            if qt == "MX":
                add("MX", "10 mx.pt.test.")
            else:
                r.authority.append(soa)
        elif label == "mx":
            if qt == "A":
                add("A", "127.0.0.25")
            else:
                r.authority.append(soa)
        elif label == "ns":
            if qt == "A":
                add("A", "127.0.0.1")
            else:
                r.authority.append(soa)
        elif label == "implicit":
            if qt == "A":
                add("A", "127.0.0.26")
            else:
                r.authority.append(soa)
        else:
            r.set_rcode(dns.rcode.NXDOMAIN)
            r.authority.append(soa)
        try:
            self.sock.sendto(r.to_wire(), peer)
        except OSError:
            pass


class Daemon:
    """mxvetd -f -l stderr on a free port with the fixture's DNS; its log in
    self.log. args replaces "-f -l stderr"; wrap is a command line that
    runs mxvetd (its arguments appended)."""

    def __init__(self, workdir, extra=None, mxvetd=None, args=("-f", "-l", "stderr"), wrap=()):
        top = os.environ.get("top_srcdir", os.path.join(os.path.dirname(__file__), ".."))
        build = os.environ.get("top_builddir", top)
        self.mxvetd = mxvetd or os.path.join(build, "mxvetd")
        self.dir = workdir
        os.makedirs(workdir, exist_ok=True)
        self.dns = FakeDNS()
        self.port = free_port()
        self.admin_port = free_port()
        self.unix = os.path.join(workdir, "policy.sock")
        self.conf = os.path.join(workdir, "mxvet.conf")
        self.risk = os.path.join(workdir, "risk.log")
        self.log = os.path.join(workdir, "mxvetd.log")
        with open(os.path.join(workdir, "unbound.conf"), "w") as f:
            f.write('server:\n  do-not-query-localhost: no\n  local-zone: "test." nodefault\n'
                    '  module-config: "iterator"\n  outgoing-interface: 127.0.0.1\n'
                    'stub-zone:\n  name: "%s"\n  stub-addr: 127.0.0.1@%d\n' % (ZONE, self.dns.port))
        keys = {
            "unbound_config": os.path.join(workdir, "unbound.conf"),
            "mx_providers_file": os.path.join(top, "data", "mx-providers.txt"),
            "checks": "dns",
            "mx_allowed_networks": "127.0.0.0/8",
            "dns_timeout": "3s",
            "decision_timeout": "1s",
            "policy_listen": "inet:127.0.0.1:%d unix:%s" % (self.port, self.unix),
            "admin_listen": "inet:127.0.0.1:%d" % self.admin_port,
            "user": "nobody",
            "state_dir": os.path.join(workdir, "state"),
            "risk_log": self.risk,
            "skip_domains": "skipped.pt.test",
            "cache_min_ttl": "60s",
            "policy_idle_timeout": "30s",
        }
        keys.update(extra or {})
        with open(self.conf, "w") as f:
            for k, v in keys.items():
                f.write("%s = %s\n" % (k, v))
        if os.geteuid() == 0:
            os.chmod(workdir, 0o777)
        self.proc = subprocess.Popen(list(wrap) + [self.mxvetd] + list(args) + ["-c", self.conf],
                                     stdout=open(self.log, "w"), stderr=subprocess.STDOUT)
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                return
            except OSError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.05)
        raise RuntimeError("mxvetd did not start: " + open(self.log).read())

    def stop(self, timeout=15):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.dns.stop = True
        return self.proc.returncode


def metrics(admin_port):
    """mxvetd's /metrics as {"name" or "name{labels}": value}."""
    import re, urllib.request
    out = {}
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % admin_port, timeout=5) as r:
        for line in r.read().decode().splitlines():
            m = re.match(r"^([a-z_]+)(\{[^}]*\})? ([0-9.e+]+)$", line)
            if m:
                out[m.group(1) + (m.group(2) or "")] = float(m.group(3))
    return out


def request(rcpt, state="RCPT", **extra):
    attrs = {"request": "smtpd_access_policy", "protocol_state": state,
             "protocol_name": "ESMTP", "client_address": "192.0.2.7",
             "client_name": "client.example", "helo_name": "client.example",
             "sender": "s@example.org", "recipient": rcpt, "recipient_count": "0",
             "queue_id": "", "instance": "1a2b.3c4d.0", "size": "0",
             "policy_context": ""}
    attrs.update(extra)
    return "".join("%s=%s\n" % kv for kv in attrs.items()).encode() + b"\n"


def read_answers(sock, n, timeout=10):
    """Read n answers ("action=...\\n\\n"); returns the action texts, or
    fewer if the server closed the connection."""
    sock.settimeout(timeout)
    buf = b""
    out = []
    deadline = time.time() + timeout
    while len(out) < n and time.time() < deadline:
        while b"\n\n" in buf and len(out) < n:
            a, buf = buf.split(b"\n\n", 1)
            out.append(a.decode())
        if len(out) == n:
            break
        try:
            d = sock.recv(65536)
        except socket.timeout:
            break
        except ConnectionResetError:     # closed with our bytes unread
            break
        if not d:
            break
        buf += d
    return out
